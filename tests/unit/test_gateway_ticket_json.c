/* gateway_ticket_json: what the portal shows of a ticket (never an internal
 * note, the promise, what the caller may do) and what it accepts from a
 * customer (lengths in characters, control characters, strict base64). */
#include "gateway_ticket_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* A ticket of ana@cliente.test with an inbound message (with a file), an
 * internal note (with another file) and an agent's reply. */
typedef struct {
    Balcao__V1__Ticket t;
    Balcao__V1__TicketMessage m[3];
    Balcao__V1__TicketMessage *mp[3];
    Balcao__V1__Attachment a[2];
    Balcao__V1__Attachment *ap0[1], *ap1[1];
} s_fixture_t;

static void
s_fixture (s_fixture_t *f, const char *status)
{
    memset (f, 0, sizeof *f);
    balcao__v1__ticket__init (&f->t);
    f->t.number = 7;
    f->t.subject = "Não entro";
    f->t.status = (char *) status;
    f->t.customer_address = "ana@cliente.test";
    f->t.customer_name = "Ana";
    f->t.message_count = 3;
    f->t.internal_count = 1;
    f->t.first_response_due_us = 1796385600000000LL; /* 2026-12-04T12:00:00Z */
    f->t.first_response_sla = "running";
    for (int i = 0; i < 2; i++) {
        balcao__v1__attachment__init (&f->a[i]);
        f->a[i].content_type = "image/png";
        f->a[i].size = 10;
    }
    f->a[0].sha256 = "aa";
    f->a[0].filename = "<b>tela</b>.png";
    f->a[1].sha256 = "bb";
    f->a[1].filename = "interno.png";
    f->ap0[0] = &f->a[0];
    f->ap1[0] = &f->a[1];
    const char *dirs[] = {"inbound", "internal", "outbound"};
    const char *bodies[] = {"texto inteiro\n> citado", "NOTA SECRETA", "Olá, Ana!"};
    for (int i = 0; i < 3; i++) {
        balcao__v1__ticket_message__init (&f->m[i]);
        f->m[i].direction = (char *) dirs[i];
        f->m[i].body = (char *) bodies[i];
        f->m[i].author = i == 0 ? "ANA@cliente.test" : "agent:lia@balcao.test";
        f->mp[i] = &f->m[i];
    }
    f->m[0].reply = "texto inteiro";
    f->m[0].attachments = f->ap0;
    f->m[0].n_attachments = 1;
    f->m[1].is_internal = 1;
    f->m[1].attachments = f->ap1;
    f->m[1].n_attachments = 1;
    f->m[2].author_name = "Lia";
    f->t.messages = f->mp;
    f->t.n_messages = 3;
}

static void
test_public_thread (void **state)
{
    (void) state;
    s_fixture_t f;
    s_fixture (&f, "aberto");
    json_t *j = gateway_ticket_full (&f.t, "customer:ana@cliente.test", false);
    char *text = json_dumps (j, 0);
    assert_null (strstr (text, "SECRETA"));
    assert_null (strstr (text, "interno.png"));
    assert_null (strstr (text, "agent:lia"));
    json_t *msgs = json_object_get (j, "messages");
    assert_int_equal (json_array_size (msgs), 2);
    assert_int_equal (json_integer_value (json_object_get (j, "message_count")), 2);
    json_t *first = json_array_get (msgs, 0);
    assert_string_equal (json_string_value (json_object_get (first, "body")), "texto inteiro");
    assert_string_equal (json_string_value (json_object_get (first, "author_name")), "Ana");
    json_t *file = json_array_get (json_object_get (first, "attachments"), 0);
    assert_string_equal (json_string_value (json_object_get (file, "url")),
                         "/api/v1/tickets/7/attachments/aa");
    assert_string_equal (json_string_value (json_object_get (file, "filename")),
                         "<b>tela</b>.png");
    assert_string_equal (
        json_string_value (json_object_get (json_array_get (msgs, 1), "author_name")), "Lia");
    free (text);
    json_decref (j);
    /* The list's count leaves the note out too. */
    j = gateway_ticket_summary (&f.t);
    assert_int_equal (json_integer_value (json_object_get (j, "message_count")), 2);
    json_decref (j);
    assert_true (gateway_ticket_has_file (&f.t, "aa", NULL));
    assert_false (gateway_ticket_has_file (&f.t, "bb", NULL)); /* on the note */
    assert_false (gateway_ticket_has_file (&f.t, "cc", NULL));
}

static const char *
s_promise_kind (Balcao__V1__Ticket *t)
{
    static char kind[32];
    json_t *p = gateway_ticket_promise (t);
    snprintf (kind, sizeof kind, "%s", json_string_value (json_object_get (p, "kind")));
    json_decref (p);
    return kind;
}

static void
test_promise (void **state)
{
    (void) state;
    s_fixture_t f;
    s_fixture (&f, "novo");
    json_t *p = gateway_ticket_promise (&f.t);
    assert_string_equal (json_string_value (json_object_get (p, "kind")), "first_response");
    assert_string_equal (json_string_value (json_object_get (p, "due")), "2026-12-04T12:00:00Z");
    assert_string_equal (json_string_value (json_object_get (p, "state")), "running");
    json_decref (p);
    f.t.first_response_us = 1;
    f.t.resolution_sla = "breached";
    p = gateway_ticket_promise (&f.t);
    assert_string_equal (json_string_value (json_object_get (p, "kind")), "resolution");
    assert_true (json_is_null (json_object_get (p, "due"))); /* paused: no due time */
    assert_string_equal (json_string_value (json_object_get (p, "state")), "breached");
    json_decref (p);
    f.t.status = "aguardando_cliente";
    assert_string_equal (s_promise_kind (&f.t), "waiting_customer");
    f.t.status = "resolvido";
    assert_string_equal (s_promise_kind (&f.t), "validation");
    f.t.status = "fechado";
    assert_string_equal (s_promise_kind (&f.t), "done");
}

static bool
s_flag (json_t *j, const char *name)
{
    return json_is_true (json_object_get (j, name));
}

static void
test_flags (void **state)
{
    (void) state;
    s_fixture_t f;
    s_fixture (&f, "resolvido");
    json_t *own = gateway_ticket_full (&f.t, "customer:Ana@Cliente.test", false);
    json_t *colleague = gateway_ticket_full (&f.t, "customer:chefe@cliente.test", false);
    json_t *token = gateway_ticket_full (&f.t, "service:erp", true);
    assert_true (s_flag (own, "can_accept") && s_flag (own, "can_reject") && s_flag (own, "can_reply"));
    assert_false (s_flag (own, "can_rate"));
    assert_false (s_flag (colleague, "can_accept") || s_flag (colleague, "can_reject"));
    assert_true (s_flag (colleague, "can_reply"));
    assert_false (s_flag (token, "can_accept") || s_flag (token, "can_reply"));
    json_decref (own);
    json_decref (colleague);
    json_decref (token);
    s_fixture (&f, "fechado");
    own = gateway_ticket_full (&f.t, "customer:ana@cliente.test", false);
    assert_true (s_flag (own, "can_rate"));
    assert_false (s_flag (own, "can_reply") || s_flag (own, "can_accept"));
    json_decref (own);
    f.t.csat_score = 4;
    f.t.csat_comment = "bom";
    own = gateway_ticket_full (&f.t, "customer:ana@cliente.test", false);
    assert_false (s_flag (own, "can_rate"));
    assert_int_equal (json_integer_value (json_object_get (json_object_get (own, "rating"), "score")),
                      4);
    json_decref (own);
}

static void
test_sort (void **state)
{
    (void) state;
    Balcao__V1__Ticket t[4];
    Balcao__V1__Ticket *list[4];
    const char *status[] = {"fechado", "aberto", "fechado", "novo"};
    const int64_t updated[] = {400, 100, 300, 200};
    for (int i = 0; i < 4; i++) {
        balcao__v1__ticket__init (&t[i]);
        t[i].number = (uint64_t) i + 1;
        t[i].status = (char *) status[i];
        t[i].updated_us = updated[i];
        list[i] = &t[i];
    }
    gateway_ticket_sort (list, 4);
    assert_int_equal (list[0]->number, 4); /* open, newest activity */
    assert_int_equal (list[1]->number, 2);
    assert_int_equal (list[2]->number, 1); /* closed, newest activity */
    assert_int_equal (list[3]->number, 3);
}

static bool
s_text (const char *json, size_t min, size_t max, bool is_multiline)
{
    json_t *body = json_loads (json, 0, NULL);
    assert_non_null (body);
    const char *out;
    gateway_ticket_why_t why;
    bool ok = gateway_ticket_text (body, "subject", min, max, is_multiline, true, &out, &why);
    if (!ok)
        assert_non_null (strstr (why.en, "\"subject\""));
    json_decref (body);
    return ok;
}

static void
test_text (void **state)
{
    (void) state;
    assert_true (s_text ("{\"subject\": \"ééé\"}", 1, 3, false)); /* characters, not bytes */
    assert_false (s_text ("{\"subject\": \"éééé\"}", 1, 3, false));
    assert_false (s_text ("{\"subject\": \"\"}", 1, 3, false));
    assert_false (s_text ("{\"subject\": \"   \"}", 1, 3, false)); /* blank is empty */
    assert_false (s_text ("{}", 1, 3, false));
    assert_false (s_text ("{\"subject\": 3}", 1, 3, false));
    assert_false (s_text ("{\"subject\": \"a\\u0007\"}", 1, 9, false));
    assert_false (s_text ("{\"subject\": \"a\\nb\"}", 1, 9, false));
    assert_true (s_text ("{\"subject\": \"a\\nb\\tc\"}", 1, 9, true));
    assert_false (s_text ("{\"subject\": \"a\\u007f\"}", 1, 9, true));
}

static bool
s_files (const char *json, size_t *n, const char **first_bytes)
{
    json_t *body = json_loads (json, 0, NULL);
    assert_non_null (body);
    Balcao__V1__SubmitFile **files;
    gateway_ticket_why_t why;
    bool ok = gateway_ticket_files (body, 10, &files, n, &why);
    if (ok && *n && first_bytes)
        *first_bytes = files[0]->content.len == 2 && memcmp (files[0]->content.data, "ab", 2) == 0
                           ? "ab"
                           : "?";
    if (ok)
        gateway_ticket_files_free (files, *n);
    else
        assert_non_null (strstr (why.en, "attachments"));
    json_decref (body);
    return ok;
}

static void
test_files (void **state)
{
    (void) state;
    size_t n;
    const char *bytes = NULL;
    assert_true (s_files ("{}", &n, NULL) && n == 0);
    assert_true (s_files ("{\"attachments\": [{\"filename\": \"a.txt\", \"content_type\": "
                          "\"text/plain\", \"content_base64\": \"YWI=\"}]}",
                          &n, &bytes));
    assert_true (n == 1 && strcmp (bytes, "ab") == 0);
    const char *bad[] = {
        "{\"attachments\": {}}",
        "{\"attachments\": [1]}",
        "{\"attachments\": [{\"filename\": \"a\", \"content_base64\": \"YWI\"}]}",
        "{\"attachments\": [{\"filename\": \"a\", \"content_base64\": \"YWI=\\n\"}]}",
        "{\"attachments\": [{\"filename\": \"a\", \"content_base64\": \"YW I=\"}]}",
        "{\"attachments\": [{\"filename\": \"a\", \"content_base64\": \"YWI_\"}]}",
        "{\"attachments\": [{\"filename\": \"a\"}]}",
        "{\"attachments\": [{\"filename\": \"\", \"content_base64\": \"\"}]}",
        "{\"attachments\": [{\"filename\": \"../a\", \"content_base64\": \"\"}]}",
        "{\"attachments\": [{\"filename\": \"a\\\\b\", \"content_base64\": \"\"}]}",
        "{\"attachments\": [{\"filename\": \"a\", \"content_type\": \"text\", \"content_base64\": "
        "\"\"}]}",
        "{\"attachments\": [{\"filename\": \"a\", \"content_type\": \"text/html; x\", "
        "\"content_base64\": \"\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (s_files (bad[i], &n, NULL));
    char many[2048] = "{\"attachments\": [";
    for (int i = 0; i < 11; i++)
        strcat (many, i ? ", {\"filename\": \"a\", \"content_base64\": \"\"}"
                        : "{\"filename\": \"a\", \"content_base64\": \"\"}");
    strcat (many, "]}");
    assert_false (s_files (many, &n, NULL));
}

static void
test_client_ref (void **state)
{
    (void) state;
    const char *good = "{\"client_ref\": \"0b7e6a1c-5f3e-4c1d-9a57-3f1e2d4c5b6a\"}";
    const char *bad[] = {"{}", "{\"client_ref\": \"\"}", "{\"client_ref\": \"a b\"}",
                         "{\"client_ref\": 5}", "{\"client_ref\": \"ação\"}"};
    const char *out;
    gateway_ticket_why_t why;
    json_t *body = json_loads (good, 0, NULL);
    assert_true (gateway_ticket_client_ref (body, &out, &why));
    json_decref (body);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        body = json_loads (bad[i], 0, NULL);
        assert_false (gateway_ticket_client_ref (body, &out, &why));
        json_decref (body);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_public_thread), cmocka_unit_test (test_promise),
        cmocka_unit_test (test_flags),         cmocka_unit_test (test_sort),
        cmocka_unit_test (test_text),          cmocka_unit_test (test_files),
        cmocka_unit_test (test_client_ref),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
