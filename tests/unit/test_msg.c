/* bc_msg: envelopes round-trip, and bytes that are not one are refused. */
#include "balcao/v1/intake.pb-c.h"
#include "bc_msg.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void
test_round_trip (void **state)
{
    (void) state;
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.subject = "Não consigo acessar";
    req.external_id = "x-1";
    bc_header_t h = {.id = "abc", .source = "test", .seq = 7, .principal = "agent:ana",
                     .correlation_id = "req-1"};
    size_t len;
    uint8_t *buf = bc_envelope_pack (&h, &req.base, &len);
    assert_non_null (buf);
    bc_envelope_t *env = bc_envelope_unpack (buf, len);
    free (buf);
    assert_non_null (env);
    assert_string_equal (env->id, "abc");
    assert_string_equal (env->type, "balcao.v1.Submit");
    assert_string_equal (env->source, "test");
    assert_int_equal (env->seq, 7);
    assert_string_equal (env->principal, "agent:ana");
    assert_string_equal (env->correlation_id, "req-1");
    assert_true (env->time_us > 0);
    assert_true (bc_envelope_is (env, &balcao__v1__submit__descriptor));
    assert_null (bc_envelope_payload (env, &balcao__v1__submit_reply__descriptor));
    Balcao__V1__Submit *back =
        (Balcao__V1__Submit *) bc_envelope_payload (env, &balcao__v1__submit__descriptor);
    assert_non_null (back);
    assert_string_equal (back->subject, "Não consigo acessar");
    balcao__v1__submit__free_unpacked (back, NULL);
    bc_envelope_destroy (&env);
    assert_null (env);
}

static void
test_new_ids_differ (void **state)
{
    (void) state;
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    bc_header_t h = {0};
    size_t l1, l2;
    uint8_t *a = bc_envelope_pack (&h, &req.base, &l1);
    uint8_t *b = bc_envelope_pack (&h, &req.base, &l2);
    bc_envelope_t *ea = bc_envelope_unpack (a, l1), *eb = bc_envelope_unpack (b, l2);
    assert_int_equal (strlen (ea->id), 32);
    assert_string_not_equal (ea->id, eb->id);
    bc_envelope_destroy (&ea);
    bc_envelope_destroy (&eb);
    free (a);
    free (b);
}

static void
test_garbage_is_refused (void **state)
{
    (void) state;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
    assert_null (bc_envelope_unpack (garbage, sizeof garbage));
    /* Truncated: a valid envelope cut in the middle of a field. */
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.body = "um texto longo o bastante para ser cortado no meio";
    bc_header_t h = {.id = "abc"};
    size_t len;
    uint8_t *buf = bc_envelope_pack (&h, &req.base, &len);
    assert_null (bc_envelope_unpack (buf, len - 5));
    free (buf);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_round_trip),
        cmocka_unit_test (test_new_ids_differ),
        cmocka_unit_test (test_garbage_is_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
