/* bc_client: a call to a service that is not there times out after the
 * configured attempts and says what to check. */
#include "balcao/v1/bus.pb-c.h"
#include "bc_client.h"
#include "bc_clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_timeout_when_nobody_answers (void **state)
{
    (void) state;
    bc_client_t *c = bc_client_new ("ipc:///tmp/balcao-unit-nobody-here", "test");
    assert_non_null (c);
    bc_client_set_timeout (c, 100, 2);
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = NULL;
    int64_t start = bc_mono_ms ();
    int rc = bc_client_call (c, NULL, &ping.base, &reply);
    int64_t took = bc_mono_ms () - start;
    assert_int_equal (rc, BC_ETIMEOUT);
    assert_null (reply);
    /* Three attempts of 100 ms, not forever. */
    assert_true (took >= 290 && took < 2000);
    char buf[256];
    assert_non_null (strstr (bc_client_error_text (rc, NULL, buf, sizeof buf), "balcaoctl status"));
    bc_client_destroy (&c);
    assert_null (c);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_timeout_when_nobody_answers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
