/* bc_article_id: which knowledge-base article ids are kept as given, why
 * the others are refused, and how an id goes into a message and a URL. */
#include "bc_article_id.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void
test_real_world_ids_are_kept (void **state)
{
    (void) state;
    const char *ok[] = {"KB-0042", "Conta.Bloqueada", "faq-1", "FAQ-1", "recuperação-de-senha",
                        "Ação_Rápida~2", "a", "100%", "q?x#y", "用户-登录", "dúvidas:boleto", "faq/senha",
                        "advanced/keyboard-shortcuts.rst", "a/b/c", NULL};
    for (int i = 0; ok[i]; i++)
        assert_int_equal (bc_article_id_check (ok[i]), BC_ARTICLE_ID_OK);
    /* Every id the old rule ([a-z0-9-]{1,64}) made stays valid. */
    char old[65];
    memset (old, 'a', 64);
    old[64] = 0;
    assert_int_equal (bc_article_id_check (old), BC_ARTICLE_ID_OK);
}

static void
test_bad_ids_say_why (void **state)
{
    (void) state;
    assert_int_equal (bc_article_id_check (""), BC_ARTICLE_ID_EMPTY);
    assert_int_equal (bc_article_id_check (NULL), BC_ARTICLE_ID_EMPTY);
    assert_int_equal (bc_article_id_check ("KB\x07" "1"), BC_ARTICLE_ID_CONTROL);
    assert_int_equal (bc_article_id_check ("KB\t1"), BC_ARTICLE_ID_CONTROL);
    assert_int_equal (bc_article_id_check ("KB\xc2\x85" "1"), BC_ARTICLE_ID_CONTROL); /* U+0085 */
    assert_int_equal (bc_article_id_check ("KB 1"), BC_ARTICLE_ID_SPACE);
    assert_int_equal (bc_article_id_check ("KB\xc2\xa0" "1"), BC_ARTICLE_ID_SPACE); /* nbsp */
    assert_int_equal (bc_article_id_check ("KB\xe2\x80\x8b" "1"), BC_ARTICLE_ID_INVISIBLE);
    assert_int_equal (bc_article_id_check ("KB\xe2\x80\xae" "1"), BC_ARTICLE_ID_INVISIBLE);
    assert_int_equal (bc_article_id_check ("faq\\senha"), BC_ARTICLE_ID_BACKSLASH);
    const char *parts[] = {".", "..", ".config", "/faq", "faq/", "faq//senha", "faq/../senha",
                           "faq/.senha", NULL};
    for (int i = 0; parts[i]; i++)
        assert_int_equal (bc_article_id_check (parts[i]), BC_ARTICLE_ID_PART);
    /* What the HTTP API puts after an id cannot end one that has a '/'. */
    assert_int_equal (bc_article_id_check ("faq/feedback"), BC_ARTICLE_ID_ACTION);
    assert_int_equal (bc_article_id_check ("faq/draft/publish"), BC_ARTICLE_ID_ACTION);
    assert_int_equal (bc_article_id_check ("faq/draft"), BC_ARTICLE_ID_ACTION);
    assert_int_equal (bc_article_id_check ("publish"), BC_ARTICLE_ID_OK);
    assert_int_equal (bc_article_id_check ("faq/publicar"), BC_ARTICLE_ID_OK);
    /* Not UTF-8: a lone continuation, Latin-1, an overlong '/', a
     * surrogate, past U+10FFFF, a cut sequence. */
    const char *bad[] = {"a\x80", "a\xe7\xe3o", "a\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                         "a\xe2\x82", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal (bc_article_id_check (bad[i]), BC_ARTICLE_ID_BAD_UTF8);
    assert_string_not_equal (bc_article_id_problem (BC_ARTICLE_ID_PART, 0), "");
    assert_non_null (strstr (bc_article_id_problem (BC_ARTICLE_ID_TOO_LONG, 1), "128"));
}

static void
test_length_is_in_characters (void **state)
{
    (void) state;
    char id[600] = "";
    for (int i = 0; i < 120; i++)
        strcat (id, i % 2 ? "ç" : "a"); /* 180 bytes */
    assert_int_equal (bc_article_id_check (id), BC_ARTICLE_ID_OK);
    char ascii[130];
    memset (ascii, 'x', 128);
    ascii[128] = 0;
    assert_int_equal (bc_article_id_check (ascii), BC_ARTICLE_ID_OK);
    strcat (ascii, "x");
    assert_int_equal (bc_article_id_check (ascii), BC_ARTICLE_ID_TOO_LONG);
    /* 61 emoji are 61 characters but 244 bytes: over the bytes kb keeps. */
    id[0] = 0;
    for (int i = 0; i < 61; i++)
        strcat (id, "\xf0\x9f\x93\x9a");
    assert_int_equal (bc_article_id_check (id), BC_ARTICLE_ID_TOO_LONG);
}

static void
test_printable_and_escaped (void **state)
{
    (void) state;
    char out[128];
    assert_string_equal (bc_article_id_printable ("KB\x07ção\xff", out, sizeof out),
                         "KB\\x07ção\\xFF");
    char longer[300];
    memset (longer, 'y', 299);
    longer[299] = 0;
    bc_article_id_printable (longer, out, sizeof out);
    assert_true (strlen (out) < sizeof out);
    assert_non_null (strstr (out, "…"));
    char url[3 * BC_ARTICLE_ID_MAX_BYTES + 1];
    assert_string_equal (bc_article_id_escape ("Conta.Bloqueada", url, sizeof url), "Conta.Bloqueada");
    assert_string_equal (bc_article_id_escape ("ação 1/2?#%", url, sizeof url),
                         "a%C3%A7%C3%A3o%201%2F2%3F%23%25");
    char tiny[4];
    assert_null (bc_article_id_escape ("ç", tiny, sizeof tiny));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_real_world_ids_are_kept),
        cmocka_unit_test (test_bad_ids_say_why),
        cmocka_unit_test (test_length_is_in_characters),
        cmocka_unit_test (test_printable_and_escaped),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
