/* router_lifecycle: every (status, action) pair, legal or not, against the
 * support manual's lifecycle. */
#include "router_lifecycle.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static const char *const statuses[] = {"novo",      "aberto",  "aguardando_cliente",
                                       "resolvido", "fechado", "reaberto"};

/* expected[status][action], NULL = refused. Written out in full, not
 * derived, so that a change to the table has to change this too. */
static const char *const expected[6][ROUTER_ACTION_COUNT] = {
    /* open, request_info, resolve, accept, reject, reopen, close, customer_reply */
    {"aberto", "aguardando_cliente", "resolvido", NULL, NULL, NULL, NULL, "novo"},
    {NULL, "aguardando_cliente", "resolvido", NULL, NULL, NULL, NULL, "aberto"},
    {"aberto", NULL, "resolvido", NULL, NULL, NULL, NULL, "aberto"},
    {NULL, NULL, NULL, "fechado", "reaberto", "reaberto", "fechado", "resolvido"},
    {NULL, NULL, NULL, NULL, NULL, "reaberto", NULL, "fechado"},
    {"aberto", "aguardando_cliente", "resolvido", NULL, NULL, NULL, NULL, "reaberto"},
};

static void
test_every_transition (void **state)
{
    (void) state;
    int legal = 0, illegal = 0;
    for (int s = 0; s < 6; s++)
        for (int a = 0; a < ROUTER_ACTION_COUNT; a++) {
            const char *next = router_lifecycle_next (statuses[s], (router_action_t) a);
            if (expected[s][a]) {
                assert_non_null (next);
                assert_string_equal (next, expected[s][a]);
                legal++;
            }
            else {
                if (next)
                    fail_msg ("%s from %s should be refused, got %s",
                              router_action_name ((router_action_t) a), statuses[s], next);
                illegal++;
            }
        }
    assert_int_equal (legal + illegal, 6 * ROUTER_ACTION_COUNT);
    assert_int_equal (legal, 21);
}

static void
test_closed_only_after_resolution (void **state)
{
    (void) state;
    /* No path reaches fechado except through resolvido. */
    for (int s = 0; s < 6; s++)
        for (int a = 0; a < ROUTER_ACTION_COUNT; a++) {
            const char *next = router_lifecycle_next (statuses[s], (router_action_t) a);
            if (next && strcmp (next, "fechado") == 0 && strcmp (statuses[s], "fechado") != 0)
                assert_string_equal (statuses[s], "resolvido");
        }
}

static void
test_names_and_unknowns (void **state)
{
    (void) state;
    assert_int_equal (router_action_parse ("request_info"), ROUTER_REQUEST_INFO);
    assert_int_equal (router_action_parse ("resolve"), ROUTER_RESOLVE);
    assert_int_equal (router_action_parse ("customer_reply"), -1); /* not a command */
    assert_int_equal (router_action_parse ("delete"), -1);
    assert_int_equal (router_action_parse (NULL), -1);
    assert_null (router_lifecycle_next ("arquivado", ROUTER_OPEN));
    assert_null (router_lifecycle_next (NULL, ROUTER_OPEN));
    assert_true (router_status_is_valid ("aguardando_cliente"));
    assert_false (router_status_is_valid ("pendente"));
    char buf[128];
    assert_string_equal (router_lifecycle_sources (ROUTER_REOPEN, buf, sizeof buf),
                         "resolvido, fechado");
    assert_string_equal (router_lifecycle_sources (ROUTER_OPEN, buf, sizeof buf),
                         "novo, aguardando_cliente, reaberto");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_transition),
        cmocka_unit_test (test_closed_only_after_resolution),
        cmocka_unit_test (test_names_and_unknowns),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
