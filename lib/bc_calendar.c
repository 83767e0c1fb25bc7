/* bc_calendar: business hours by walking local days; each day has at
 * most a few working intervals, so a deadline months away is a few hundred
 * cheap steps. */
#include "bc_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INTERVALS 4
#define MAX_HOLIDAYS 128
#define MAX_DAYS_AHEAD 3660 /* ten years: further than any SLA */

typedef struct {
    int start, end; /* minutes from local midnight */
} s_interval_t;

struct bc_calendar_t {
    s_interval_t week[7][MAX_INTERVALS]; /* tm_wday: 0 = Sunday */
    int n[7];
    int holidays[MAX_HOLIDAYS]; /* yyyymmdd, from config */
    int n_holidays;
    int national;
};

static const char *const s_days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* "08:00-12:00,13:00-18:00" -> intervals; -1 when malformed. */
static int
s_parse_hours (const char *text, s_interval_t *out)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        int h1, m1, h2, m2, used;
        if (sscanf (p, "%d:%d-%d:%d%n", &h1, &m1, &h2, &m2, &used) != 4 || n == MAX_INTERVALS)
            return -1;
        out[n].start = h1 * 60 + m1;
        out[n].end = h2 * 60 + m2;
        if (h1 < 0 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 || out[n].end > 24 * 60
            || out[n].start >= out[n].end || (n > 0 && out[n].start < out[n - 1].end))
            return -1;
        n++;
        p += used;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return n;
}

bc_calendar_t *
bc_calendar_new (bc_config_t *config, char *err, size_t err_size)
{
    bc_calendar_t *self = calloc (1, sizeof *self);
    const char *tz = bc_config_str (config, "router/calendar/timezone", "America/Sao_Paulo");
    char zonefile[256];
    snprintf (zonefile, sizeof zonefile, "/usr/share/zoneinfo/%s", tz);
    FILE *zf = fopen (zonefile, "r");
    if (!zf) {
        snprintf (err, err_size, "router/calendar/timezone: unknown time zone '%s' (install tzdata)", tz);
        free (self);
        return NULL;
    }
    fclose (zf);
    setenv ("TZ", tz, 1);
    tzset ();
    for (int d = 0; d < 7; d++) {
        char key[64];
        snprintf (key, sizeof key, "router/calendar/%s", s_days[d]);
        const char *dflt = d >= 1 && d <= 5 ? "08:00-18:00" : "";
        const char *hours = bc_config_str (config, key, dflt);
        self->n[d] = s_parse_hours (hours, self->week[d]);
        if (self->n[d] < 0) {
            snprintf (err, err_size, "%s: '%s' is not like 08:00-12:00,13:00-18:00", key, hours);
            free (self);
            return NULL;
        }
    }
    const char *extra = bc_config_str (config, "router/calendar/holidays", "");
    for (const char *p = extra; *p && self->n_holidays < MAX_HOLIDAYS;) {
        int y, m, d, used;
        if (sscanf (p, "%d-%d-%d%n", &y, &m, &d, &used) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
            snprintf (err, err_size, "router/calendar/holidays: dates are YYYY-MM-DD, comma-separated");
            free (self);
            return NULL;
        }
        self->holidays[self->n_holidays++] = y * 10000 + m * 100 + d;
        p += used;
        while (*p == ',' || *p == ' ')
            p++;
    }
    self->national = strcmp (bc_config_str (config, "router/calendar/national_holidays", "yes"), "no") != 0;
    return self;
}

void
bc_calendar_destroy (bc_calendar_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

/* Easter Sunday (Gregorian), the anonymous algorithm. */
static void
s_easter (int y, int *month, int *day)
{
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
    int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = ((h + l - 7 * m + 114) % 31) + 1;
}

int
bc_calendar_is_holiday (bc_calendar_t *self, int year, int month, int day)
{
    int ymd = year * 10000 + month * 100 + day;
    for (int i = 0; i < self->n_holidays; i++)
        if (self->holidays[i] == ymd)
            return 1;
    if (!self->national)
        return 0;
    /* Lei 662/1949 and later laws: the national holidays. */
    static const int fixed[] = {101, 421, 501, 907, 1012, 1102, 1115, 1120, 1225};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i] == month * 100 + day && (fixed[i] != 1120 || year >= 2024))
            return 1;
    /* Good Friday: two days before Easter. */
    int em, ed;
    s_easter (year, &em, &ed);
    struct tm t = {.tm_year = year - 1900, .tm_mon = em - 1, .tm_mday = ed - 2, .tm_hour = 12};
    timegm (&t); /* normalizes the date */
    return t.tm_mon + 1 == month && t.tm_mday == day;
}

/* The local date of `when`. */
static void
s_day_start (time_t when, struct tm *day)
{
    localtime_r (&when, day);
}

/* The instant of minute-of-day `minutes` on the local day starting at day. */
static time_t
s_at (const struct tm *day, int minutes)
{
    struct tm t = *day;
    t.tm_hour = minutes / 60;
    t.tm_min = minutes % 60;
    t.tm_sec = 0;
    t.tm_isdst = -1;
    return mktime (&t);
}

/* Calls each working interval [a, b) from `from` on, in order, until fn says
 * stop. Returns 0, or -1 if MAX_DAYS_AHEAD passed. */
typedef int (s_visit_fn) (void *arg, time_t a, time_t b);

static int
s_walk (bc_calendar_t *self, time_t from, s_visit_fn *fn, void *arg)
{
    struct tm day;
    s_day_start (from, &day);
    for (int i = 0; i < MAX_DAYS_AHEAD; i++) {
        if (!bc_calendar_is_holiday (self, day.tm_year + 1900, day.tm_mon + 1, day.tm_mday))
            for (int k = 0; k < self->n[day.tm_wday]; k++) {
                time_t a = s_at (&day, self->week[day.tm_wday][k].start);
                time_t b = s_at (&day, self->week[day.tm_wday][k].end);
                if (b <= from)
                    continue;
                if (a < from)
                    a = from;
                if (fn (arg, a, b))
                    return 0;
            }
        /* Next local day: noon + 24 h is safe across DST changes. */
        s_day_start (s_at (&day, 12 * 60) + 24 * 3600, &day);
    }
    return -1;
}

typedef struct {
    time_t to;
    int64_t total;
} s_between_t;

static int
s_between_visit (void *arg, time_t a, time_t b)
{
    s_between_t *x = arg;
    if (a >= x->to)
        return 1;
    x->total += (b < x->to ? b : x->to) - a;
    return b >= x->to;
}

int64_t
bc_calendar_between (bc_calendar_t *self, time_t from, time_t to)
{
    if (to <= from)
        return 0;
    s_between_t x = {to, 0};
    s_walk (self, from, s_between_visit, &x);
    return x.total;
}

time_t
bc_calendar_add_days (bc_calendar_t *self, time_t from, int days)
{
    struct tm day;
    localtime_r (&from, &day);
    int minutes = day.tm_hour * 60 + day.tm_min;
    for (int i = 0; days > 0 && i < MAX_DAYS_AHEAD; i++) {
        s_day_start (s_at (&day, 12 * 60) + 24 * 3600, &day);
        if (self->n[day.tm_wday] > 0
            && !bc_calendar_is_holiday (self, day.tm_year + 1900, day.tm_mon + 1, day.tm_mday))
            days--;
    }
    return s_at (&day, minutes);
}

typedef struct {
    int64_t left;
    time_t at;
} s_add_t;

static int
s_add_visit (void *arg, time_t a, time_t b)
{
    s_add_t *x = arg;
    if (b - a >= x->left) {
        x->at = a + (time_t) x->left;
        return 1;
    }
    x->left -= b - a;
    return 0;
}

time_t
bc_calendar_add (bc_calendar_t *self, time_t from, int64_t seconds)
{
    if (seconds <= 0)
        return from;
    s_add_t x = {seconds, 0};
    if (s_walk (self, from, s_add_visit, &x))
        return from + (time_t) seconds * 10; /* no business hours at all: far away */
    return x.at;
}

static int
s_open_visit (void *arg, time_t a, time_t b)
{
    (void) b;
    *(time_t *) arg = a;
    return 1;
}

time_t
bc_calendar_next_open (bc_calendar_t *self, time_t from)
{
    time_t at = 0;
    if (s_walk (self, from, s_open_visit, &at))
        return 0;
    return at;
}

int
bc_calendar_is_open (bc_calendar_t *self, time_t when)
{
    return bc_calendar_next_open (self, when) == when;
}
