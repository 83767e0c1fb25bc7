/* gateway_desk_json: the dashboard's JSON: the SLA state a ticket shows,
 * every message (internal notes too) with its file's desk url, the
 * timeline's sentences (people's names, never a principal or a code name,
 * cut at whole characters) and the event's fields decoded from its
 * descriptor. */
#include "gateway_desk_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define NOW 1796385600000000LL /* 2026-12-04T12:00:00Z */

static void
s_ticket (Balcao__V1__Ticket *t)
{
    balcao__v1__ticket__init (t);
    t->number = 7;
    t->subject = "Não emite NF-e";
    t->status = "aberto";
    t->tier = "N1";
    t->customer_address = "rita@loja.com.br";
    t->customer_name = "Rita Alves";
    t->assignee = "agent:ana@suporte.example";
    t->first_response_sla = "running";
    t->first_response_warn_us = NOW - 1000000;
    t->first_response_due_us = NOW + 1000000;
}

static json_t *
s_names (void)
{
    return json_pack ("{s:s}", "agent:ana@suporte.example", "Ana Souza");
}

static const char *
s_get (json_t *o, const char *key)
{
    return json_string_value (json_object_get (o, key));
}

static void
test_sla (void **state)
{
    (void) state;
    Balcao__V1__Ticket t;
    s_ticket (&t);
    json_t *sla = gateway_desk_sla (&t, NOW);
    assert_string_equal (s_get (sla, "target"), "first_response");
    assert_string_equal (s_get (sla, "state"), "warning"); /* past its warning instant */
    assert_string_equal (s_get (sla, "due_at"), "2026-12-04T12:00:01Z");
    json_decref (sla);
    sla = gateway_desk_sla (&t, NOW - 2000000);
    assert_string_equal (s_get (sla, "state"), "ok");
    json_decref (sla);
    /* Answered: the resolution's clock, paused while waiting. */
    t.first_response_us = NOW;
    t.first_response_sla = "met";
    t.resolution_sla = "running";
    t.resolution_due_us = NOW + 5000000;
    t.status = "aguardando_cliente";
    sla = gateway_desk_sla (&t, NOW);
    assert_string_equal (s_get (sla, "target"), "resolution");
    assert_string_equal (s_get (sla, "state"), "paused");
    assert_true (json_is_null (json_object_get (sla, "due_at")));
    json_decref (sla);
    t.status = "resolvido";
    t.resolution_sla = "met";
    sla = gateway_desk_sla (&t, NOW);
    assert_string_equal (s_get (sla, "state"), "met");
    json_decref (sla);
    t.first_response_sla = "";
    t.resolution_sla = "";
    sla = gateway_desk_sla (&t, NOW);
    assert_true (json_is_null (json_object_get (sla, "target")));
    assert_true (json_is_null (json_object_get (sla, "state")));
    json_decref (sla);
}

static void
test_ticket (void **state)
{
    (void) state;
    Balcao__V1__Ticket t, other;
    s_ticket (&t);
    s_ticket (&other);
    other.number = 3;
    Balcao__V1__TicketMessage m[2], *mp[2] = {&m[0], &m[1]};
    Balcao__V1__Attachment a, *ap[1] = {&a};
    balcao__v1__attachment__init (&a);
    a.sha256 = "ab";
    a.filename = "log.txt";
    for (int i = 0; i < 2; i++)
        balcao__v1__ticket_message__init (&m[i]);
    m[0].direction = "inbound";
    m[0].author = "RITA@loja.com.br";
    m[0].body = "tudo\n> citado";
    m[0].reply = "tudo";
    m[1].direction = "internal";
    m[1].is_internal = 1;
    m[1].author = "agent:ana@suporte.example";
    m[1].body = "nota";
    m[1].attachments = ap;
    m[1].n_attachments = 1;
    t.messages = mp;
    t.n_messages = 2;
    t.message_count = 2;
    Balcao__V1__Ticket *list[2] = {&other, &t};
    Balcao__V1__TicketList others = BALCAO__V1__TICKET_LIST__INIT;
    others.tickets = list;
    others.n_tickets = 2;
    json_t *names = s_names ();
    json_t *j = gateway_desk_ticket (&t, NULL, &others, names, NOW);
    assert_non_null (j);
    assert_string_equal (s_get (j, "assignee_name"), "Ana Souza");
    json_t *msgs = json_object_get (j, "messages");
    assert_int_equal (json_array_size (msgs), 2);
    json_t *in = json_array_get (msgs, 0), *note = json_array_get (msgs, 1);
    assert_string_equal (s_get (in, "direction"), "inbound");
    assert_string_equal (s_get (in, "author_name"), "Rita Alves");
    assert_string_equal (s_get (in, "reply"), "tudo");
    assert_string_equal (s_get (in, "body"), "tudo\n> citado");
    assert_string_equal (s_get (note, "direction"), "internal");
    assert_true (json_is_true (json_object_get (note, "internal")));
    assert_string_equal (s_get (note, "author_name"), "Ana Souza");
    json_t *file = json_array_get (json_object_get (note, "attachments"), 0);
    assert_string_equal (s_get (file, "url"), "/api/v1/desk/tickets/7/attachments/ab");
    /* The customer's other tickets leave this one out. */
    json_t *ct = json_object_get (j, "customer_tickets");
    assert_int_equal (json_array_size (ct), 1);
    assert_int_equal (json_integer_value (json_object_get (json_array_get (ct, 0), "number")), 3);
    assert_true (json_is_null (json_object_get (j, "merged_into")));
    assert_true (json_is_null (json_object_get (j, "csat")));
    json_decref (j);
    json_decref (names);
}

/* A HistoryEntry of event m (packed into it; free entry->payload.data). */
static void
s_entry (Balcao__V1__HistoryEntry *e, const ProtobufCMessage *m, const char *principal)
{
    balcao__v1__history_entry__init (e);
    e->seq = 9;
    e->time_us = NOW;
    e->principal = (char *) principal;
    e->type = (char *) m->descriptor->name;
    e->summary = "escalado N1 → N2 (router)";
    e->summary_en = "escalated N1 → N2 (router)";
    e->payload.len = protobuf_c_message_get_packed_size (m);
    e->payload.data = malloc (e->payload.len + 1);
    protobuf_c_message_pack (m, e->payload.data);
}

static void
test_timeline (void **state)
{
    (void) state;
    Balcao__V1__Ticket t;
    s_ticket (&t);
    json_t *names = s_names ();
    char *files[] = {"ab", "cd"};
    Balcao__V1__TicketEscalated ev = BALCAO__V1__TICKET_ESCALATED__INIT;
    ev.number = 7;
    ev.from_tier = "N1";
    ev.to_tier = "N2";
    ev.direction = "up";
    ev.reason = "Cliente não consegue emitir NF-e";
    ev.tried = "Reenviar";
    ev.by = "agent:ana@suporte.example";
    ev.attachments = files;
    ev.n_attachments = 2;
    Balcao__V1__HistoryEntry e;
    s_entry (&e, &ev.base, "agent:ana@suporte.example");
    json_t *j = gateway_desk_timeline_entry (&e, &t, names);
    assert_string_equal (s_get (j, "type"), "TicketEscalated");
    assert_string_equal (s_get (j, "summary"),
                         "Ana Souza escalou para N2: Cliente não consegue emitir NF-e");
    assert_string_equal (s_get (j, "summary_en"),
                         "Ana Souza escalated to N2: Cliente não consegue emitir NF-e");
    assert_string_equal (s_get (j, "time"), "2026-12-04T12:00:00.000Z");
    json_t *d = json_object_get (j, "details");
    assert_string_equal (s_get (d, "reason"), "Cliente não consegue emitir NF-e");
    assert_string_equal (s_get (d, "tried"), "Reenviar");
    assert_int_equal (json_integer_value (json_object_get (d, "number")), 7);
    assert_int_equal (json_array_size (json_object_get (d, "attachments")), 2);
    assert_null (json_object_get (d, "note")); /* defaults left out */
    json_decref (j);
    free (e.payload.data);

    /* Someone unknown: the address, never the principal; a long text is
     * cut at a whole character. */
    char reason[400];
    memset (reason, 0, sizeof reason);
    for (size_t i = 0; i + 2 < 300; i += 2)
        memcpy (reason + i, "ç", 2);
    ev.reason = reason;
    ev.by = "agent:leo@suporte.example";
    s_entry (&e, &ev.base, "agent:leo@suporte.example");
    j = gateway_desk_timeline_entry (&e, &t, names);
    assert_non_null (j);
    const char *said = s_get (j, "summary");
    assert_non_null (said);
    assert_non_null (strstr (said, "leo@suporte.example escalou para N2: çç"));
    assert_null (strstr (said, "agent:"));
    assert_true (strlen (said) < 250);
    json_decref (j);
    free (e.payload.data);

    /* A take, a status change by reply, an SLA breach: words, no codes. */
    Balcao__V1__TicketAssigned as = BALCAO__V1__TICKET_ASSIGNED__INIT;
    as.number = 7;
    as.agent = "agent:ana@suporte.example";
    as.reason = "take";
    as.tier = "N1";
    as.by = "agent:ana@suporte.example";
    s_entry (&e, &as.base, as.by);
    j = gateway_desk_timeline_entry (&e, &t, names);
    assert_string_equal (s_get (j, "summary"), "Ana Souza assumiu o chamado");
    assert_string_equal (s_get (j, "summary_en"), "Ana Souza took the ticket");
    json_decref (j);
    free (e.payload.data);
    Balcao__V1__SlaBreached sb = BALCAO__V1__SLA_BREACHED__INIT;
    char *actions[] = {"raise_priority"};
    sb.number = 7;
    sb.target = "first_response";
    sb.due_us = NOW;
    sb.actions = actions;
    sb.n_actions = 1;
    s_entry (&e, &sb.base, "system:router");
    j = gateway_desk_timeline_entry (&e, &t, names);
    assert_string_equal (s_get (j, "summary"),
                         "O prazo de primeira resposta venceu; a prioridade subiu");
    assert_string_equal (s_get (j, "summary_en"),
                         "The first-response deadline was missed; the priority went up");
    assert_string_equal (s_get (json_object_get (j, "details"), "due_us"),
                         "2026-12-04T12:00:00Z");
    json_decref (j);
    free (e.payload.data);

    /* A type the gateway does not know keeps the router's own line. */
    Balcao__V1__HistoryEntry odd;
    balcao__v1__history_entry__init (&odd);
    odd.type = "balcao.v1.SomethingNew";
    odd.principal = "system:router";
    odd.summary = "algo novo";
    odd.summary_en = "something new";
    j = gateway_desk_timeline_entry (&odd, &t, names);
    assert_string_equal (s_get (j, "summary"), "algo novo");
    assert_string_equal (s_get (j, "type"), "SomethingNew");
    assert_int_equal (json_object_size (json_object_get (j, "details")), 0);
    json_decref (j);
    /* A payload that does not decode: no details, no crash. */
    uint8_t junk[] = {0xff, 0xff, 0xff};
    json_t *none = gateway_desk_details ("balcao.v1.TicketEscalated",
                                         (ProtobufCBinaryData) {3, junk});
    assert_int_equal (json_object_size (none), 0);
    json_decref (none);
    /* A message's event does not repeat the message (it is in "messages"):
     * a long thread's answer stays small. */
    Balcao__V1__TicketMessage msg = BALCAO__V1__TICKET_MESSAGE__INIT;
    msg.body = "um corpo longo que não deve aparecer de novo";
    msg.direction = "outbound";
    Balcao__V1__MessageAppended ma = BALCAO__V1__MESSAGE_APPENDED__INIT;
    ma.ticket = 7;
    ma.message = &msg;
    uint8_t buf[256];
    size_t len = balcao__v1__message_appended__pack (&ma, buf);
    json_t *few = gateway_desk_details ("balcao.v1.MessageAppended", (ProtobufCBinaryData) {len, buf});
    assert_int_equal (json_object_size (few), 0);
    json_decref (few);
    json_decref (names);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_sla),
        cmocka_unit_test (test_ticket),
        cmocka_unit_test (test_timeline),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
