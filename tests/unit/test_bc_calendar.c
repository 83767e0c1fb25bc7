/* bc_calendar: business-hours arithmetic in America/Sao_Paulo with
 * Brazil's national holidays — weekends, holidays (fixed and Good Friday),
 * outside hours, lunch breaks, a deadline across a holiday. */
#include "bc_calendar.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* A local São Paulo time (UTC-3, no DST since 2019) as an instant. */
static time_t
sp (int y, int mo, int d, int h, int mi)
{
    struct tm t = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h + 3, .tm_min = mi};
    return timegm (&t);
}

static bc_calendar_t *
s_calendar (const char *zpl, char *dir)
{
    char path[128], err[256];
    assert_non_null (unit_tmpdir (dir, 64));
    snprintf (path, sizeof path, "%s/c.cfg", dir);
    FILE *f = fopen (path, "w");
    fputs (zpl, f);
    fclose (f);
    bc_config_t *cfg = bc_config_load (path);
    bc_calendar_t *cal = bc_calendar_new (cfg, err, sizeof err);
    if (!cal)
        fail_msg ("%s", err);
    bc_config_destroy (&cfg);
    return cal;
}

static void
test_default_week (void **state)
{
    (void) state;
    char dir[64];
    bc_calendar_t *cal = s_calendar ("router\n    x = \"1\"\n", dir);
    /* Wed 2026-11-25 10:00 + 2 h = 12:00 the same day. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 11, 25, 10, 0), 2 * 3600),
                      sp (2026, 11, 25, 12, 0));
    /* Fri 17:00 + 2 h = Mon 09:00 (weekend skipped). */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 11, 27, 17, 0), 2 * 3600),
                      sp (2026, 11, 30, 9, 0));
    /* Saturday 10:00 + 1 h = Monday 09:00 (starts counting at 08:00). */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 11, 28, 10, 0), 3600),
                      sp (2026, 11, 30, 9, 0));
    /* Outside hours, 22:00 Tue + 30 min = Wed 08:30. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 11, 24, 22, 0), 1800),
                      sp (2026, 11, 25, 8, 30));
    /* Between: Fri 17:00 -> Mon 09:00 is two business hours. */
    assert_int_equal (bc_calendar_between (cal, sp (2026, 11, 27, 17, 0), sp (2026, 11, 30, 9, 0)),
                      2 * 3600);
    assert_int_equal (bc_calendar_between (cal, sp (2026, 11, 28, 0, 0), sp (2026, 11, 29, 23, 0)), 0);
    /* The bot's "we are back": open on a Wednesday at 10:00; on Friday
     * at 19:00 the team is back on Monday at 08:00. */
    assert_true (bc_calendar_is_open (cal, sp (2026, 11, 25, 10, 0)));
    assert_false (bc_calendar_is_open (cal, sp (2026, 11, 27, 19, 0)));
    assert_int_equal (bc_calendar_next_open (cal, sp (2026, 11, 27, 19, 0)), sp (2026, 11, 30, 8, 0));
    assert_int_equal (bc_calendar_next_open (cal, sp (2026, 11, 25, 10, 0)), sp (2026, 11, 25, 10, 0));
    bc_calendar_destroy (&cal);
    unit_rmdir (dir);
}

static void
test_holidays (void **state)
{
    (void) state;
    char dir[64];
    bc_calendar_t *cal = s_calendar ("router\n    x = \"1\"\n", dir);
    assert_true (bc_calendar_is_holiday (cal, 2026, 4, 21));  /* Tiradentes */
    assert_true (bc_calendar_is_holiday (cal, 2026, 4, 3));   /* Good Friday (Easter 5 Apr) */
    assert_true (bc_calendar_is_holiday (cal, 2025, 4, 18));  /* Good Friday (Easter 20 Apr) */
    assert_true (bc_calendar_is_holiday (cal, 2026, 11, 20)); /* Consciência Negra */
    assert_false (bc_calendar_is_holiday (cal, 2023, 11, 20)); /* national only since 2024 */
    assert_true (bc_calendar_is_holiday (cal, 2026, 12, 25));
    assert_false (bc_calendar_is_holiday (cal, 2026, 2, 17)); /* Carnaval: not national */
    /* Mon 2026-04-20 17:00 + 3 h: 1 h Monday, Tuesday is Tiradentes, 2 h Wednesday. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 4, 20, 17, 0), 3 * 3600),
                      sp (2026, 4, 22, 10, 0));
    /* Five working days after Mon 2026-04-20 15:00, with Tiradentes on Tuesday. */
    assert_int_equal (bc_calendar_add_days (cal, sp (2026, 4, 20, 15, 0), 5), sp (2026, 4, 28, 15, 0));
    assert_int_equal (bc_calendar_add_days (cal, sp (2026, 11, 27, 10, 0), 1), sp (2026, 11, 30, 10, 0));
    /* Thu 2026-04-02 17:00 + 2 h: Good Friday and the weekend skipped. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 4, 2, 17, 0), 2 * 3600),
                      sp (2026, 4, 6, 9, 0));
    bc_calendar_destroy (&cal);
    unit_rmdir (dir);
}

static void
test_configured_hours_and_holidays (void **state)
{
    (void) state;
    char dir[64];
    bc_calendar_t *cal = s_calendar (
        "router\n    calendar\n        mon = \"09:00-12:00,13:00-18:00\"\n"
        "        tue = \"09:00-12:00,13:00-18:00\"\n        wed = \"09:00-12:00,13:00-18:00\"\n"
        "        thu = \"09:00-12:00,13:00-18:00\"\n        fri = \"09:00-12:00,13:00-18:00\"\n"
        "        sat = \"09:00-13:00\"\n        holidays = \"2026-02-16, 2026-02-17\"\n",
        dir);
    /* Lunch break: Mon 11:30 + 1 h = 13:30. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 11, 30, 11, 30), 3600),
                      sp (2026, 11, 30, 13, 30));
    /* Saturday works in the morning: Fri 17:30 + 1 h = Sat 09:30. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 11, 27, 17, 30), 3600),
                      sp (2026, 11, 28, 9, 30));
    /* Carnaval from config: Sat 2026-02-14 12:00 + 2 h = 1 h Sat, Mon/Tue off, Wed 10:00. */
    assert_int_equal (bc_calendar_add (cal, sp (2026, 2, 14, 12, 0), 2 * 3600),
                      sp (2026, 2, 18, 10, 0));
    bc_calendar_destroy (&cal);
    unit_rmdir (dir);
}

static void
test_bad_config (void **state)
{
    (void) state;
    char dir[64], path[128], err[256];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/c.cfg", dir);
    FILE *f = fopen (path, "w");
    fputs ("router\n    calendar\n        mon = \"18:00-08:00\"\n", f);
    fclose (f);
    bc_config_t *cfg = bc_config_load (path);
    assert_null (bc_calendar_new (cfg, err, sizeof err));
    assert_non_null (strstr (err, "router/calendar/mon"));
    bc_config_destroy (&cfg);
    f = fopen (path, "w");
    fputs ("router\n    calendar\n        timezone = \"Mars/Olympus\"\n", f);
    fclose (f);
    cfg = bc_config_load (path);
    assert_null (bc_calendar_new (cfg, err, sizeof err));
    assert_non_null (strstr (err, "unknown time zone"));
    bc_config_destroy (&cfg);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_default_week),
        cmocka_unit_test (test_holidays),
        cmocka_unit_test (test_configured_hours_and_holidays),
        cmocka_unit_test (test_bad_config),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
