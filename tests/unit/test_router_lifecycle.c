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

static void
test_closers (void **state)
{
    (void) state;
    assert_int_equal (router_closer_of ("agent:ana@x", 0), ROUTER_BY_AGENT);
    assert_int_equal (router_closer_of ("supervisor:rui@x", 0), ROUTER_BY_SUPERVISOR);
    assert_int_equal (router_closer_of ("admin:root@x", 0), ROUTER_BY_SUPERVISOR);
    assert_int_equal (router_closer_of ("system:router", 0), ROUTER_BY_SYSTEM);
    assert_int_equal (router_closer_of ("customer:ana@cliente.com", 1), ROUTER_BY_CUSTOMER);
    /* A colleague of the customer, another service, someone pretending. */
    assert_int_equal (router_closer_of ("customer:bia@cliente.com", 0), ROUTER_BY_OTHER);
    assert_int_equal (router_closer_of ("service:erp", 0), ROUTER_BY_OTHER);
    assert_int_equal (router_closer_of ("system:kb", 0), ROUTER_BY_OTHER);
    assert_int_equal (router_closer_of ("agentx:ana", 0), ROUTER_BY_OTHER);
    assert_int_equal (router_closer_of (NULL, 0), ROUTER_BY_OTHER);
}

static void
test_n3_waits_for_the_customer (void **state)
{
    (void) state;
    /* At N3 the customer's acceptance and the auto-close close it... */
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_CUSTOMER, ""), ROUTER_CLOSE_OK);
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SYSTEM, NULL), ROUTER_CLOSE_OK);
    /* ...an agent never does, with or without a reason... */
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_AGENT, ""),
                      ROUTER_CLOSE_WAITS_CUSTOMER);
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_AGENT, "cliente sumiu"),
                      ROUTER_CLOSE_WAITS_CUSTOMER);
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_OTHER, "ok"),
                      ROUTER_CLOSE_WAITS_CUSTOMER);
    /* ...and a supervisor only with a written reason. */
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SUPERVISOR, NULL),
                      ROUTER_CLOSE_NEEDS_REASON);
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SUPERVISOR, ""),
                      ROUTER_CLOSE_NEEDS_REASON);
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SUPERVISOR, " \t\n "),
                      ROUTER_CLOSE_NEEDS_REASON);
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SUPERVISOR,
                                                  "Cliente confirmou por telefone."),
                      ROUTER_CLOSE_OK);
}

static void
test_reason_length_in_characters (void **state)
{
    (void) state;
    char reason[4 * ROUTER_CLOSE_REASON_MAX + 8];
    /* 500 "ç" are 1000 bytes but 500 characters: still fine. */
    reason[0] = 0;
    for (int i = 0; i < ROUTER_CLOSE_REASON_MAX; i++)
        strcat (reason, "\xc3\xa7");
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SUPERVISOR, reason),
                      ROUTER_CLOSE_OK);
    strcat (reason, "a");
    assert_int_equal (router_lifecycle_may_close ("N3", 1, ROUTER_BY_SUPERVISOR, reason),
                      ROUTER_CLOSE_REASON_TOO_LONG);
}

static void
test_other_tiers_keep_their_rule (void **state)
{
    (void) state;
    static const char *const tiers[] = {"N1", "N2"};
    for (int i = 0; i < 2; i++)
        for (int by = ROUTER_BY_AGENT; by <= ROUTER_BY_OTHER; by++)
            assert_int_equal (router_lifecycle_may_close (tiers[i], 1, (router_closer_t) by, ""),
                              ROUTER_CLOSE_OK);
    /* A problem ticket has no customer to wait for (its incidents do). */
    assert_int_equal (router_lifecycle_may_close ("N3", 0, ROUTER_BY_AGENT, ""), ROUTER_CLOSE_OK);
    assert_int_equal (router_lifecycle_may_close (NULL, 1, ROUTER_BY_AGENT, ""), ROUTER_CLOSE_OK);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_transition),
        cmocka_unit_test (test_closed_only_after_resolution),
        cmocka_unit_test (test_names_and_unknowns),
        cmocka_unit_test (test_closers),
        cmocka_unit_test (test_n3_waits_for_the_customer),
        cmocka_unit_test (test_reason_length_in_characters),
        cmocka_unit_test (test_other_tiers_keep_their_rule),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
