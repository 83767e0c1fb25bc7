/* gateway_sse_event: what a live stream says of a router event, to a
 * customer and to the staff. */
#include "gateway_sse_event.h"

#include "balcao/v1/router.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static bc_envelope_t *
s_env (uint64_t seq, const ProtobufCMessage *payload)
{
    bc_header_t h = {.id = "e2e", .source = "router", .seq = seq, .time_us = 1};
    size_t len;
    uint8_t *data = bc_envelope_pack (&h, payload, &len);
    bc_envelope_t *env = bc_envelope_unpack (data, len);
    free (data);
    return env;
}

static void
test_customer_and_staff_texts (void **state)
{
    (void) state;
    Balcao__V1__TicketMessage msg = BALCAO__V1__TICKET_MESSAGE__INIT;
    Balcao__V1__MessageAppended ma = BALCAO__V1__MESSAGE_APPENDED__INIT;
    ma.ticket = 7;
    ma.message = &msg;
    bc_envelope_t *env = s_env (41, &ma.base);
    char *text = gateway_sse_event_text (env, false);
    assert_string_equal (text, "id: 41\nevent: ticket\ndata: {\"number\": 7, \"kind\": \"message\"}\n\n");
    free (text);
    bc_envelope_destroy (&env);
    /* An internal note: the staff hear of it, a customer never. */
    msg.is_internal = 1;
    env = s_env (42, &ma.base);
    assert_null (gateway_sse_event_text (env, false));
    text = gateway_sse_event_text (env, true);
    assert_non_null (strstr (text, "\"kind\": \"message\""));
    free (text);
    bc_envelope_destroy (&env);
}

static void
test_staff_only_kinds_carry_the_tier (void **state)
{
    (void) state;
    Balcao__V1__TicketEscalated e = BALCAO__V1__TICKET_ESCALATED__INIT;
    e.number = 9;
    e.to_tier = "N2";
    bc_envelope_t *env = s_env (50, &e.base);
    assert_null (gateway_sse_event_text (env, false));
    char *text = gateway_sse_event_text (env, true);
    assert_string_equal (
        text, "id: 50\nevent: ticket\ndata: {\"number\": 9, \"kind\": \"escalated\", \"tier\": \"N2\"}\n\n");
    free (text);
    bc_envelope_destroy (&env);
    /* A field change names a tier only when the field is the tier. */
    Balcao__V1__TicketFieldChanged f = BALCAO__V1__TICKET_FIELD_CHANGED__INIT;
    f.number = 9;
    f.field = "priority";
    f.to_value = "alta";
    env = s_env (51, &f.base);
    text = gateway_sse_event_text (env, true);
    assert_null (strstr (text, "tier"));
    free (text);
    bc_envelope_destroy (&env);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_customer_and_staff_texts),
        cmocka_unit_test (test_staff_only_kinds_carry_the_tier),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
