/* gateway_chat_parse: the web chat's request bodies, as a visitor's browser
 * sends them and as they must never be: each refusal says why, in both
 * languages, and what is accepted is trimmed and normalized. */
#include "gateway_chat_parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static gateway_chat_input_t s_in;

static bool
s_parse (gateway_chat_kind_t kind, const char *body, const char **pt)
{
    const char *en = NULL;
    *pt = NULL;
    bool ok = gateway_chat_parse (kind, body, body ? strlen (body) : 0, &s_in, pt, &en);
    if (!ok) {
        assert_non_null (*pt);
        assert_non_null (en);
        assert_true (**pt && *en);
    }
    return ok;
}

static void
test_message (void **state)
{
    (void) state;
    const char *pt;
    assert_true (s_parse (GATEWAY_CHAT_MESSAGE,
                          "{\"id\": \"m-1_a\", \"text\": \"  Olá,\\nminha senha \\u00e9 nova?  \"}",
                          &pt));
    assert_string_equal (s_in.id, "m-1_a");
    assert_string_equal (s_in.text, "Olá,\nminha senha é nova?");
    assert_string_equal (s_in.reply_id, "");
    assert_true (s_parse (GATEWAY_CHAT_MESSAGE,
                          "{\"id\": \"m2\", \"text\": \"Não resolveu\", \"reply_id\": \"bot:no\"}",
                          &pt));
    assert_string_equal (s_in.reply_id, "bot:no");
    /* 2,000 characters of two bytes each: accepted; one more: refused. */
    char *body = malloc (8200);
    char *p = body + sprintf (body, "{\"id\": \"long\", \"text\": \"");
    for (int i = 0; i < 2000; i++)
        p += sprintf (p, "á");
    strcpy (p, "\"}");
    assert_true (s_parse (GATEWAY_CHAT_MESSAGE, body, &pt));
    p = body + strlen (body) - 2;
    strcpy (p, "á\"}");
    assert_false (s_parse (GATEWAY_CHAT_MESSAGE, body, &pt));
    assert_non_null (strstr (pt, "2.000"));
    free (body);
}

static void
test_message_refused (void **state)
{
    (void) state;
    const char *bad[] = {
        NULL, "", "[]", "{", "{\"id\": \"m\"}", "{\"text\": \"oi\"}",
        "{\"id\": \"\", \"text\": \"oi\"}", "{\"id\": \"a b\", \"text\": \"oi\"}",
        "{\"id\": \"m\", \"text\": 1}", "{\"id\": 7, \"text\": \"oi\"}",
        "{\"id\": \"m\", \"text\": \" \\t\\n \"}", "{\"id\": \"m\", \"text\": \"a\\u0007b\"}",
        "{\"id\": \"m\", \"text\": \"a\\u0000b\"}", "{\"id\": \"m\", \"text\": \"oi\", \"text\": \"x\"}",
        "{\"id\": \"m\", \"text\": \"oi\", \"reply_id\": \"contact\"}",
        "{\"id\": \"m\", \"text\": \"oi\", \"reply_id\": \"a b\"}",
        "{\"id\": \"m\", \"text\": \"oi\", \"reply_id\": 3}",
        "{\"id\": \"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\", \"text\": \"oi\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *pt;
        if (s_parse (GATEWAY_CHAT_MESSAGE, bad[i], &pt))
            fail_msg ("accepted: %s", bad[i] ? bad[i] : "(null)");
    }
}

static void
test_contact (void **state)
{
    (void) state;
    const char *pt;
    assert_true (s_parse (GATEWAY_CHAT_CONTACT,
                          "{\"id\": \"c1\", \"name\": \" Ana Souza \", \"email\": \" Ana.Souza@Cliente.Example \"}",
                          &pt));
    assert_string_equal (s_in.name, "Ana Souza");
    assert_string_equal (s_in.email, "ana.souza@cliente.example");
    assert_false (s_parse (GATEWAY_CHAT_CONTACT, "{\"id\": \"c\", \"name\": \"Ana\", \"email\": \"ana@\"}", &pt));
    assert_non_null (strstr (pt, "e-mail"));
    assert_false (s_parse (GATEWAY_CHAT_CONTACT, "{\"id\": \"c\", \"name\": \"  \", \"email\": \"a@b.com\"}", &pt));
    assert_non_null (strstr (pt, "nome"));
    assert_false (s_parse (GATEWAY_CHAT_CONTACT, "{\"id\": \"c\", \"name\": \"A\\nB\", \"email\": \"a@b.com\"}", &pt));
    assert_false (s_parse (GATEWAY_CHAT_CONTACT, "{\"id\": \"c\", \"name\": \"Ana\"}", &pt));
}

static void
test_start_and_end (void **state)
{
    (void) state;
    const char *pt;
    assert_true (s_parse (GATEWAY_CHAT_START, "{}", &pt));
    assert_string_equal (s_in.language, "");
    assert_false (s_in.restart);
    assert_true (s_parse (GATEWAY_CHAT_START, "{\"language\": \"en\", \"restart\": true}", &pt));
    assert_string_equal (s_in.language, "en");
    assert_true (s_in.restart);
    assert_false (s_parse (GATEWAY_CHAT_START, "{\"language\": \"fr\"}", &pt));
    assert_false (s_parse (GATEWAY_CHAT_START, "{\"restart\": \"yes\"}", &pt));
    assert_true (s_parse (GATEWAY_CHAT_END, "{}", &pt));
    assert_false (s_parse (GATEWAY_CHAT_END, "nada", &pt));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_message),
        cmocka_unit_test (test_message_refused),
        cmocka_unit_test (test_contact),
        cmocka_unit_test (test_start_and_end),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
