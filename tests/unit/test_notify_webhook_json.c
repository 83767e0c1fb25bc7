/* notify_webhook_json: what a webhook subscriber receives: the document of
 * each kind of router event (and what stays with the team), the signature
 * a receiver recomputes, and what its answer means. Delivery itself is
 * tested end to end (tests/e2e/test_webhooks.py). */
#include "notify_webhook_json.h"

#include "balcao/v1/router.pb-c.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static bc_envelope_t
s_envelope (uint64_t seq)
{
    bc_envelope_t ev = BALCAO__V1__ENVELOPE__INIT;
    ev.id = "0123456789abcdef0123456789abcdef";
    ev.seq = seq;
    ev.time_us = 1764895272123456LL; /* 2025-12-05T00:41:12.123Z */
    return ev;
}

/* The document of msg as JSON (decref it), checked to parse. */
static json_t *
s_doc (int kind, uint64_t seq, const ProtobufCMessage *msg, const notify_webhook_view_t *view,
       int include_internal)
{
    bc_envelope_t ev = s_envelope (seq);
    ev.type = (char *) notify_webhook_kinds[kind].descriptor->name;
    char *body = notify_webhook_json (kind, &ev, msg, view, include_internal);
    assert_non_null (body);
    json_t *doc = json_loads (body, 0, NULL);
    free (body);
    assert_non_null (doc);
    return doc;
}

static const char *
s_get (json_t *doc, const char *path)
{
    char copy[128];
    snprintf (copy, sizeof copy, "%s", path);
    json_t *at = doc;
    for (char *save = NULL, *k = strtok_r (copy, ".", &save); k; k = strtok_r (NULL, ".", &save))
        at = json_object_get (at, k);
    return json_string_value (at);
}

static void
test_kinds_by_name_and_by_event (void **state)
{
    (void) state;
    int created = notify_webhook_kind_find ("ticket_created");
    assert_true (created >= 0);
    assert_string_equal (notify_webhook_kinds[created].type, "ticket.created");
    assert_int_equal (notify_webhook_kind_of ("balcao.v1.TicketCreated"), created);
    assert_int_equal (notify_webhook_kind_of ("balcao.v1.SlaBreached"),
                      notify_webhook_kind_find ("sla_breached"));
    assert_int_equal (notify_webhook_kind_find ("ticket_deleted"), -1);
    assert_int_equal (notify_webhook_kind_of ("balcao.v1.PersonChanged"), -1);
    assert_int_equal (notify_webhook_kind_of (NULL), -1);
}

static void
test_created_carries_the_ticket (void **state)
{
    (void) state;
    Balcao__V1__TicketMessage first = BALCAO__V1__TICKET_MESSAGE__INIT;
    first.direction = "inbound";
    first.channel = "email";
    first.author = "rita@loja.com.br";
    first.body = "A NF-e não chega";
    first.time_us = 1764895272000000LL;
    Balcao__V1__TicketMessage *msgs[] = {&first};
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    t.number = 42;
    t.subject = "Nota fiscal";
    t.status = "novo";
    t.category = "fiscal";
    t.tier = "N1";
    t.priority = "alta";
    t.customer_address = "rita@loja.com.br";
    t.customer_name = "Rita";
    t.n_messages = 1;
    t.messages = msgs;
    Balcao__V1__TicketCreated tc = BALCAO__V1__TICKET_CREATED__INIT;
    tc.ticket = &t;
    int kind = notify_webhook_kind_find ("ticket_created");
    json_t *doc = s_doc (kind, 7, &tc.base, NULL, 0);
    assert_string_equal (s_get (doc, "id"), "0123456789abcdef0123456789abcdef");
    assert_string_equal (s_get (doc, "type"), "ticket.created");
    assert_string_equal (s_get (doc, "time"), "2025-12-05T00:41:12.123Z");
    assert_int_equal (json_integer_value (json_object_get (doc, "seq")), 7);
    assert_int_equal (json_integer_value (json_object_get (doc, "ticket")), 42);
    assert_int_equal (json_integer_value (json_object_get (json_object_get (doc, "data"), "number")),
                      42);
    assert_string_equal (s_get (doc, "data.subject"), "Nota fiscal");
    assert_string_equal (s_get (doc, "data.status"), "novo");
    assert_string_equal (s_get (doc, "data.category"), "fiscal");
    assert_string_equal (s_get (doc, "data.tier"), "N1");
    assert_string_equal (s_get (doc, "data.priority"), "alta");
    assert_string_equal (s_get (doc, "data.customer.address"), "rita@loja.com.br");
    assert_string_equal (s_get (doc, "data.message.body"), "A NF-e não chega");
    /* No due time set: null, not 1970. */
    assert_true (json_is_null (json_object_get (json_object_get (doc, "data"), "resolution_due")));
    json_decref (doc);
}

static void
test_internal_notes_stay_with_the_team (void **state)
{
    (void) state;
    Balcao__V1__TicketMessage note = BALCAO__V1__TICKET_MESSAGE__INIT;
    note.direction = "internal";
    note.is_internal = 1;
    note.body = "cliente VIP";
    Balcao__V1__MessageAppended ma = BALCAO__V1__MESSAGE_APPENDED__INIT;
    ma.ticket = 42;
    ma.message = &note;
    int kind = notify_webhook_kind_find ("message_appended");
    assert_false (notify_webhook_is_public (kind, &ma.base));
    assert_int_equal (notify_webhook_ticket (kind, &ma.base), 42);

    /* A subscription inside the team (include_internal) sees it, marked. */
    notify_webhook_view_t view = {"Nota fiscal", "rita@loja.com.br", "Rita"};
    json_t *doc = s_doc (kind, 9, &ma.base, &view, 1);
    assert_string_equal (s_get (doc, "type"), "ticket.message_appended");
    assert_string_equal (s_get (doc, "data.subject"), "Nota fiscal");
    assert_string_equal (s_get (doc, "data.customer.name"), "Rita");
    assert_true (json_is_true (
        json_object_get (json_object_get (json_object_get (doc, "data"), "message"), "is_internal")));
    json_decref (doc);

    note.is_internal = 0;
    note.direction = "outbound";
    assert_true (notify_webhook_is_public (kind, &ma.base));
    doc = s_doc (kind, 9, &ma.base, NULL, 0);
    assert_string_equal (s_get (doc, "data.message.body"), "cliente VIP");
    assert_null (json_object_get (json_object_get (json_object_get (doc, "data"), "message"),
                                  "is_internal"));
    assert_string_equal (s_get (doc, "data.subject"), "");
    json_decref (doc);
}

static void
test_status_words_only_when_the_customer_reads_them (void **state)
{
    (void) state;
    Balcao__V1__TicketStatusChanged sc = BALCAO__V1__TICKET_STATUS_CHANGED__INIT;
    sc.number = 42;
    sc.from_status = "resolvido";
    sc.to_status = "reaberto";
    sc.action = "reopen";
    sc.text = "o cliente ligou irritado";
    int kind = notify_webhook_kind_find ("ticket_status_changed");
    json_t *doc = s_doc (kind, 11, &sc.base, NULL, 0);
    assert_string_equal (s_get (doc, "data.from"), "resolvido");
    assert_string_equal (s_get (doc, "data.to"), "reaberto");
    assert_null (s_get (doc, "data.text"));
    json_decref (doc);
    doc = s_doc (kind, 11, &sc.base, NULL, 1);
    assert_string_equal (s_get (doc, "data.text"), "o cliente ligou irritado");
    json_decref (doc);
    sc.to_status = "resolvido";
    sc.action = "resolve";
    sc.text = "Reenviamos a nota.";
    doc = s_doc (kind, 12, &sc.base, NULL, 0);
    assert_string_equal (s_get (doc, "data.text"), "Reenviamos a nota.");
    json_decref (doc);
}

static void
test_sla_breached_and_merged (void **state)
{
    (void) state;
    char *actions[] = {"raise_priority", "alert"};
    Balcao__V1__SlaBreached b = BALCAO__V1__SLA_BREACHED__INIT;
    b.number = 5;
    b.target = "first_response";
    b.due_us = 1764895272123456LL;
    b.n_actions = 2;
    b.actions = actions;
    json_t *doc = s_doc (notify_webhook_kind_find ("sla_breached"), 3, &b.base, NULL, 0);
    assert_string_equal (s_get (doc, "type"), "ticket.sla_breached");
    assert_string_equal (s_get (doc, "data.due"), "2025-12-05T00:41:12.123Z");
    assert_int_equal (json_array_size (json_object_get (json_object_get (doc, "data"), "actions")),
                      2);
    json_decref (doc);
    Balcao__V1__TicketMerged m = BALCAO__V1__TICKET_MERGED__INIT;
    m.from = 8;
    m.into = 5;
    int kind = notify_webhook_kind_find ("ticket_merged");
    assert_int_equal (notify_webhook_ticket (kind, &m.base), 8);
    doc = s_doc (kind, 4, &m.base, NULL, 0);
    assert_int_equal (json_integer_value (json_object_get (json_object_get (doc, "data"), "into")),
                      5);
    json_decref (doc);
}

static void
test_bad_utf8_still_makes_a_document (void **state)
{
    (void) state;
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.direction = "inbound";
    m.body = "caf\xe9 \xff ok";
    Balcao__V1__MessageAppended ma = BALCAO__V1__MESSAGE_APPENDED__INIT;
    ma.ticket = 1;
    ma.message = &m;
    json_t *doc = s_doc (notify_webhook_kind_find ("message_appended"), 2, &ma.base, NULL, 0);
    assert_string_equal (s_get (doc, "data.message.body"), "caf\xef\xbf\xbd \xef\xbf\xbd ok");
    json_decref (doc);
}

static void
test_signature_is_what_a_receiver_computes (void **state)
{
    (void) state;
    char sig[NOTIFY_WEBHOOK_SIG_MAX];
    /* Python: hmac.new(b"whsec-test-0123456789", b'1700000000.{"a":1}',
     * hashlib.sha256).hexdigest() */
    notify_webhook_sign ("whsec-test-0123456789", 1700000000LL, "{\"a\":1}", 7, sig, sizeof sig);
    assert_string_equal (sig, "t=1700000000,v1="
                              "ba8ec7f38c4e076a99176a1bf98ae9f2f3f4e18412b46a5913ddcf5685932c6a");
    char other[NOTIFY_WEBHOOK_SIG_MAX];
    notify_webhook_sign ("whsec-test-0123456789", 1700000001LL, "{\"a\":1}", 7, other,
                         sizeof other);
    assert_string_not_equal (strchr (sig, ','), strchr (other, ','));
}

static void
test_answers (void **state)
{
    (void) state;
    notify_webhook_result_t r;
    notify_webhook_classify (204, NULL, 0, NULL, 0, &r);
    assert_int_equal (r.outcome, NOTIFY_WEBHOOK_DELIVERED);
    notify_webhook_classify (500, "oops", 4, "7", 0, &r);
    assert_int_equal (r.outcome, NOTIFY_WEBHOOK_TEMPORARY);
    assert_int_equal (r.retry_after_ms, 7000);
    assert_string_equal (r.reason, "HTTP 500: oops");
    /* An HTTP date 90 s after now. */
    notify_webhook_classify (429, "", 0, "Sun, 06 Nov 1994 08:49:37 GMT", 784111687LL, &r);
    assert_int_equal (r.outcome, NOTIFY_WEBHOOK_TEMPORARY);
    assert_int_equal (r.retry_after_ms, 90000);
    notify_webhook_classify (408, NULL, 0, "soon", 0, &r);
    assert_int_equal (r.outcome, NOTIFY_WEBHOOK_TEMPORARY);
    assert_int_equal (r.retry_after_ms, 0);
    notify_webhook_classify (301, NULL, 0, NULL, 0, &r);
    assert_int_equal (r.outcome, NOTIFY_WEBHOOK_PERMANENT);
    /* A dead letter keeps the first 200 bytes of the answer, on one line. */
    char body[300];
    memset (body, 'x', sizeof body);
    body[3] = '\n';
    notify_webhook_classify (410, body, sizeof body, NULL, 0, &r);
    assert_int_equal (r.outcome, NOTIFY_WEBHOOK_PERMANENT);
    assert_int_equal (r.code, 410);
    assert_int_equal (strlen (r.reason), strlen ("HTTP 410: ") + 200);
    assert_int_equal (r.reason[strlen ("HTTP 410: ") + 3], ' ');
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kinds_by_name_and_by_event),
        cmocka_unit_test (test_created_carries_the_ticket),
        cmocka_unit_test (test_internal_notes_stay_with_the_team),
        cmocka_unit_test (test_status_words_only_when_the_customer_reads_them),
        cmocka_unit_test (test_sla_breached_and_merged),
        cmocka_unit_test (test_bad_utf8_still_makes_a_document),
        cmocka_unit_test (test_signature_is_what_a_receiver_computes),
        cmocka_unit_test (test_answers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
