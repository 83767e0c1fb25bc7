/* notify_whatsapp and notify_render_whatsapp: the JSON bodies notify POSTs
 * to the Graph API, compared with the documented requests in the team's
 * shared data (../shared/data/whatsapp/send/), Meta's documented answers
 * read as the outbox needs them, the customer's number from their address,
 * and the notices as a WhatsApp customer reads them. Sending to a stand-in
 * of the API is tested end to end (tests/e2e/test_whatsapp_out.py). */
#include "notify_render_whatsapp.h"
#include "notify_whatsapp.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static json_t *
s_shared (const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/whatsapp/send/%s", NOTIFY_WA_SHARED, name);
    json_t *j = json_load_file (path, 0, NULL);
    if (!j)
        fprintf (stderr, "cannot read %s\n", path);
    return j;
}

static char *
s_file (const char *name, size_t *len)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/whatsapp/send/%s", NOTIFY_WA_SHARED, name);
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc (1, 65536);
    *len = fread (buf, 1, 65535, f);
    fclose (f);
    return buf;
}

static void
s_assert_same (const char *built, json_t *expected)
{
    assert_non_null (built);
    assert_non_null (expected);
    json_t *got = json_loads (built, 0, NULL);
    assert_non_null (got);
    if (!json_equal (got, expected)) {
        char *want = json_dumps (expected, JSON_SORT_KEYS | JSON_COMPACT);
        fprintf (stderr, "built:    %s\nexpected: %s\n", built, want);
        free (want);
        fail ();
    }
    json_decref (got);
    json_decref (expected);
}

static void
test_text_is_the_documented_request (void **state)
{
    (void) state;
    char *built = notify_whatsapp_text_json ("5511987654321",
                                             "Olá! Seu chamado #1234 foi atualizado.");
    s_assert_same (built, s_shared ("request_text.json"));
    free (built);
}

static void
test_template_is_the_documented_request (void **state)
{
    (void) state;
    const char *params[] = {"Maria", "#1234"};
    char *built = notify_whatsapp_template_json ("5511987654321", "atualizacao_chamado", "pt_BR",
                                                 params, 2);
    s_assert_same (built, s_shared ("request_template.json"));
    free (built);
}

static void
test_buttons_are_the_documented_request (void **state)
{
    (void) state;
    json_t *expected = s_shared ("request_interactive_buttons.json");
    assert_non_null (expected);
    /* We send no header (optional in the API). */
    json_object_del (json_object_get (expected, "interactive"), "header");
    notify_whatsapp_button_t buttons[] = {{"resolvido-sim", "Sim"}, {"resolvido-nao", "Não"}};
    char *built = notify_whatsapp_buttons_json ("5511987654321", "Seu problema foi resolvido?",
                                                "Central de Atendimento", buttons, 2);
    s_assert_same (built, expected);
    free (built);
}

static void
test_text_escapes_what_json_must (void **state)
{
    (void) state;
    char *built = notify_whatsapp_text_json ("5511987654321", "aspas \" barra \\ linha\nfim");
    json_t *got = json_loads (built, 0, NULL);
    assert_non_null (got);
    assert_string_equal (json_string_value (json_object_get (json_object_get (got, "text"), "body")),
                         "aspas \" barra \\ linha\nfim");
    json_decref (got);
    free (built);
}

static notify_whatsapp_outcome_t
s_classify_file (long status, const char *name, notify_whatsapp_result_t *r)
{
    size_t len = 0;
    char *body = s_file (name, &len);
    assert_non_null (body);
    notify_whatsapp_classify (status, body, len, r);
    free (body);
    return r->outcome;
}

static void
test_documented_answers_are_classified (void **state)
{
    (void) state;
    notify_whatsapp_result_t r;
    assert_int_equal (s_classify_file (200, "response_success.json", &r), NOTIFY_WA_OK);
    assert_string_equal (r.wamid, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA");
    assert_int_equal (s_classify_file (200, "response_success_template_accepted.json", &r),
                      NOTIFY_WA_OK);
    assert_true (strncmp (r.wamid, "wamid.", 6) == 0);
    assert_int_equal (s_classify_file (400, "response_error_130429_rate_limit.json", &r),
                      NOTIFY_WA_RATE_LIMIT);
    assert_int_equal (r.code, 130429);
    assert_non_null (strstr (r.reason, "Rate limit hit"));
    assert_int_equal (s_classify_file (400, "response_error_131047_reengagement.json", &r),
                      NOTIFY_WA_WINDOW);
    assert_int_equal (r.code, 131047);
    assert_non_null (strstr (r.reason, "more than 24 hours"));
    /* A refusal of the message itself: a dead letter; Meta's trouble: again. */
    assert_int_equal (s_classify_file (400, "response_error_generic_shape.json", &r),
                      NOTIFY_WA_PERMANENT);
    assert_int_equal (s_classify_file (500, "response_error_generic_shape.json", &r),
                      NOTIFY_WA_TEMPORARY);
    assert_int_equal (r.wamid[0], 0);
}

static void
test_undocumented_answers_are_safe (void **state)
{
    (void) state;
    notify_whatsapp_result_t r;
    notify_whatsapp_classify (502, "<html>Bad Gateway</html>", 24, &r);
    assert_int_equal (r.outcome, NOTIFY_WA_TEMPORARY);
    assert_int_equal (r.code, 502);
    notify_whatsapp_classify (429, "", 0, &r);
    assert_int_equal (r.outcome, NOTIFY_WA_RATE_LIMIT);
    /* 200 without an id: said plainly, never retried into a duplicate. */
    notify_whatsapp_classify (200, "{\"messages\":[]}", 15, &r);
    assert_int_equal (r.outcome, NOTIFY_WA_PERMANENT);
    notify_whatsapp_classify (400, "{\"error\":\"x\"}", 13, &r);
    assert_int_equal (r.outcome, NOTIFY_WA_PERMANENT);
}

static void
test_number_from_address (void **state)
{
    (void) state;
    char n[32];
    assert_int_equal (notify_whatsapp_number ("whatsapp:+5511987654321", n, sizeof n), 0);
    assert_string_equal (n, "5511987654321");
    assert_int_equal (notify_whatsapp_number ("+55 (11) 98765-4321", n, sizeof n), 0);
    assert_string_equal (n, "5511987654321");
    assert_int_equal (notify_whatsapp_number ("maria@example.com", n, sizeof n), -1);
    assert_int_equal (notify_whatsapp_number ("whatsapp:user:abc", n, sizeof n), -1);
    assert_int_equal (notify_whatsapp_number ("whatsapp:+123", n, sizeof n), -1);
    assert_int_equal (notify_whatsapp_number ("whatsapp:+1234567890123456", n, sizeof n), -1);
    assert_int_equal (notify_whatsapp_number (NULL, n, sizeof n), -1);
}

static notify_mail_t
s_mail (notify_kind_t kind, const char *language)
{
    notify_mail_t m = {.kind = kind, .ticket = 42, .language = language,
                       .customer_name = "MARIA SOUZA", .customer_address = "whatsapp:+5511987654321",
                       .subject = "Acesso", .text = "Senha redefinida.", .author_name = "Ana"};
    return m;
}

static void
test_resolution_asks_with_buttons_the_router_reads (void **state)
{
    (void) state;
    notify_mail_t m = s_mail (NOTIFY_RESOLVED, "pt-BR");
    char *fallback;
    char *built = notify_render_whatsapp (&m, "5511987654321", 1, "balcao_resolved", "pt_BR",
                                          &fallback);
    json_t *j = json_loads (built, 0, NULL);
    assert_non_null (j);
    json_t *in = json_object_get (j, "interactive");
    assert_string_equal (json_string_value (json_object_get (in, "type")), "button");
    json_t *b = json_object_get (json_object_get (in, "action"), "buttons");
    assert_int_equal (json_array_size (b), 2);
    json_t *yes = json_object_get (json_array_get (b, 0), "reply");
    json_t *no = json_object_get (json_array_get (b, 1), "reply");
    assert_string_equal (json_string_value (json_object_get (yes, "title")), "Sim, resolvido");
    assert_string_equal (json_string_value (json_object_get (yes, "id")), "resolved:yes");
    assert_string_equal (json_string_value (json_object_get (no, "title")), "Ainda não");
    assert_string_equal (json_string_value (json_object_get (no, "id")), "resolved:no");
    const char *body = json_string_value (json_object_get (json_object_get (in, "body"), "text"));
    assert_non_null (strstr (body, "Chamado #42 resolvido"));
    assert_non_null (strstr (body, "Senha redefinida."));
    /* The template, should the window have closed. */
    assert_non_null (fallback);
    assert_non_null (strstr (fallback, "\"balcao_resolved\""));
    json_decref (j);
    free (built);
    free (fallback);
}

static void
test_outside_the_window_a_template (void **state)
{
    (void) state;
    notify_mail_t m = s_mail (NOTIFY_REPLY, "pt-BR");
    char *fallback;
    char *built = notify_render_whatsapp (&m, "5511987654321", 0, "atualizacao_chamado", "pt_BR",
                                          &fallback);
    assert_null (fallback);
    const char *params[] = {"Maria", "#42"};
    char *want = notify_whatsapp_template_json ("5511987654321", "atualizacao_chamado", "pt_BR",
                                                params, 2);
    s_assert_same (built, json_loads (want, 0, NULL));
    free (want);
    free (built);
}

static void
test_texts_are_short_and_plain (void **state)
{
    (void) state;
    for (notify_kind_t k = NOTIFY_ACK; k <= NOTIFY_REMINDER; k++) {
        if (k == NOTIFY_REJECTED)
            continue;
        for (int en = 0; en < 2; en++) {
            notify_mail_t m = s_mail (k, en ? "en" : "pt-BR");
            char *text = notify_render_whatsapp_text (&m);
            assert_non_null (strstr (text, "#42"));
            assert_true (strlen (text) < 400);
            assert_null (strstr (text, "<"));
            assert_null (strstr (text, "\n-- "));
            assert_null (strstr (text, "Atenciosamente"));
            free (text);
        }
    }
    notify_mail_t ack = s_mail (NOTIFY_ACK, "pt-BR");
    char *text = notify_render_whatsapp_text (&ack);
    assert_string_equal (text, "Olá, Maria! Recebemos sua solicitação: chamado #42. "
                               "Vamos responder por aqui.");
    free (text);
    ack.language = "en";
    text = notify_render_whatsapp_text (&ack);
    assert_string_equal (text, "Hi, Maria! We got your request: ticket #42. "
                               "We will answer you here.");
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_text_is_the_documented_request),
        cmocka_unit_test (test_template_is_the_documented_request),
        cmocka_unit_test (test_buttons_are_the_documented_request),
        cmocka_unit_test (test_text_escapes_what_json_must),
        cmocka_unit_test (test_documented_answers_are_classified),
        cmocka_unit_test (test_undocumented_answers_are_safe),
        cmocka_unit_test (test_number_from_address),
        cmocka_unit_test (test_resolution_asks_with_buttons_the_router_reads),
        cmocka_unit_test (test_outside_the_window_a_template),
        cmocka_unit_test (test_texts_are_short_and_plain),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
