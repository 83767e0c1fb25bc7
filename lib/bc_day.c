/* bc_day: local calendar days (see the header). */
#include "bc_day.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
bc_day_set_zone (const char *zone)
{
    if (zone && *zone) {
        setenv ("TZ", zone, 1);
        tzset ();
    }
}

/* Howard Hinnant's algorithms. */
int32_t
bc_day_from_civil (int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
bc_day_to_civil (int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

int32_t
bc_day_of (int64_t us)
{
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    localtime_r (&t, &tm);
    return bc_day_from_civil (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t
bc_day_start_us (int32_t day)
{
    int y, m, d;
    bc_day_to_civil (day, &y, &m, &d);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    return (int64_t) mktime (&tm) * 1000000;
}

int
bc_day_parse (const char *text, int32_t *day)
{
    int y, m, d, n = 0;
    if (!text || strlen (text) != 10 || sscanf (text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3
        || n != 10 || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    *day = bc_day_from_civil (y, m, d);
    int yy, mm, dd;
    bc_day_to_civil (*day, &yy, &mm, &dd);
    return yy == y && mm == m && dd == d;
}

void
bc_day_text (int32_t day, char *out, size_t size)
{
    int y, m, d;
    bc_day_to_civil (day, &y, &m, &d);
    snprintf (out, size, "%04u-%02u-%02u", (unsigned) y % 10000u, (unsigned) m % 13u,
              (unsigned) d % 32u);
}
