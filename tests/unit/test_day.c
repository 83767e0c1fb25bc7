/* bc_day: business days in the team's time zone — the days kb's gaps and
 * the router's reports are counted in. */
#include "bc_day.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define US(s) ((int64_t) (s) * 1000000)

/* 2026-12-05T01:30:00Z is still the 4th in São Paulo (UTC-3): a search at
 * 22:30 there counts on the 4th, not on UTC's 5th. */
static void
test_local_day_is_the_business_day (void **state)
{
    (void) state;
    bc_day_set_zone ("America/Sao_Paulo");
    char text[16];
    bc_day_text (bc_day_of (US (1796434200)), text, sizeof text); /* 2026-12-05T01:30Z */
    assert_string_equal (text, "2026-12-04");
    bc_day_text (bc_day_of (US (1796445000)), text, sizeof text); /* 2026-12-05T04:30Z */
    assert_string_equal (text, "2026-12-05");
    int32_t day;
    assert_true (bc_day_parse ("2026-12-04", &day));
    /* Local midnight of the 4th is 03:00Z. */
    assert_true (bc_day_start_us (day) == US (1796353200));
    bc_day_set_zone ("UTC");
    bc_day_text (bc_day_of (US (1796434200)), text, sizeof text);
    assert_string_equal (text, "2026-12-05");
}

static void
test_parse_takes_real_dates_only (void **state)
{
    (void) state;
    int32_t day;
    assert_true (bc_day_parse ("1970-01-01", &day));
    assert_int_equal (day, 0);
    assert_true (bc_day_parse ("2028-02-29", &day));
    assert_false (bc_day_parse ("2026-02-29", &day));
    assert_false (bc_day_parse ("2026-02-31", &day));
    assert_false (bc_day_parse ("2026-13-01", &day));
    assert_false (bc_day_parse ("26-12-04", &day));
    assert_false (bc_day_parse ("2026-12-04x", &day));
    assert_false (bc_day_parse ("ontem", &day));
    assert_false (bc_day_parse (NULL, &day));
    char text[16];
    assert_true (bc_day_parse ("2026-12-31", &day));
    bc_day_text (day + 1, text, sizeof text);
    assert_string_equal (text, "2027-01-01");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_local_day_is_the_business_day),
        cmocka_unit_test (test_parse_takes_real_dates_only),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
