/* kb_index with the text nobody plans for: emoji, combining marks,
 * invisible characters and invalid UTF-8 as customers paste them, huge
 * words, terms over Xapian's limits. Every way kb reads text (search,
 * suggest, the bot, similar documents) fails nowhere and shows valid
 * UTF-8. */
#include "../utf8_check.h"
#include "kb_index_util.h"

#include <stdlib.h>

/* Every way kb reads text, with text: as a search (with snippets and
 * spelling), as suggest while typing, as the bot's question (its best hit
 * and an excerpt of body), and the document id's similar documents and
 * shared words (recurring problems). None fails; what is shown is valid
 * UTF-8. Returns the best hit's id for the search (or "" when none). */
static const char *
s_read_all_ways (kb_index_t *idx, const char *text, const char *id, const char *body, char *best,
                 size_t size)
{
    kb_results_t *r = NULL;
    kb_query_t search = {.text = text, .limit = 5, .snippet_chars = 60, .want_facets = 1,
                         .want_spelling = 1, .include_private = 1};
    if (kb_index_search (idx, &search, &r))
        fail_msg ("search \"%s\": %s", text, kb_index_error (idx));
    snprintf (best, size, "%s", r->nhits ? r->hits[0].id : "");
    for (int i = 0; i < r->nhits; i++)
        if (r->hits[i].snippet && !utf8_check (r->hits[i].snippet))
            fail_msg ("search \"%s\": snippet not UTF-8: %s", text, r->hits[i].snippet);
    if (r->spelling && !utf8_check (r->spelling))
        fail_msg ("search \"%s\": spelling not UTF-8", text);
    kb_results_destroy (&r);
    kb_query_t suggest = {.text = text, .limit = 5, .is_partial = 1};
    if (kb_index_search (idx, &suggest, &r))
        fail_msg ("suggest \"%s\": %s", text, kb_index_error (idx));
    kb_results_destroy (&r);
    kb_query_t ask = {.text = text, .limit = 1};
    if (kb_index_search (idx, &ask, &r))
        fail_msg ("ask \"%s\": %s", text, kb_index_error (idx));
    kb_results_destroy (&r);
    char *excerpt = kb_index_excerpt (idx, body, text, 300);
    assert_non_null (excerpt);
    if (!utf8_check (excerpt))
        fail_msg ("excerpt for \"%s\" not UTF-8", text);
    free (excerpt);
    kb_query_t like = {.limit = 5};
    if (kb_index_similar (idx, id, &like, &r))
        fail_msg ("similar to %s: %s", id, kb_index_error (idx));
    kb_results_destroy (&r);
    kb_query_t recent = {.limit = 5, .is_recent_first = 1, .is_ids_only = 1};
    if (kb_index_similar (idx, id, &recent, &r))
        fail_msg ("recent like %s: %s", id, kb_index_error (idx));
    kb_results_destroy (&r);
    const char *pair[] = {id, "base"};
    char *words[8];
    int n = kb_index_shared_words (idx, pair, 2, NULL, NULL, words, 8);
    assert_true (n >= 0);
    for (int i = 0; i < n; i++) {
        assert_true (*words[i] && utf8_check (words[i]));
        free (words[i]);
    }
    (void) kb_index_similarity (idx, id, "base");
    return best;
}

/* Text as customers and agents paste it: emoji with their variation
 * selectors, skin tones, flags and keycaps, combining marks alone or
 * starting a word, zero-width and bidi characters, U+FEFF, invalid UTF-8,
 * long runs of digits. Each goes into a document (title, body, an
 * internal note) that indexes and commits; the word beside it finds the
 * document by search, suggest and the bot; the text itself, as a query,
 * fails nowhere. Today's "Valeu ❤️" stopped kb: U+FE0F was a word that
 * folded to nothing, and Xapian refuses an empty term. */
static void
test_unicode_edges (void **state)
{
    (void) state;
    static const struct {
        const char *text, *word;
    } edges[] = {
        {"Valeu ❤️", "valeu"},
        {"☝️ clique em Salvar", "salvar"},
        {"\u0301 lixeira \u0301", "lixeira"},                 /* marks alone */
        {"\u0301\u0327estorno", "estorno"},                   /* starting a word */
        {"notificac\u0327a\u0303o pendente", "notificação"}, /* decomposed accents */
        {"impressora\uFE0E térmica \uFE0F", "impressora"},    /* VS15 in a word, VS16 alone */
        {"\U000E0100 boleto\U000E01EF", "boleto"},            /* supplementary selectors */
        {"pala\u200Dvra-chave", "palavra"},                   /* ZWJ in a word */
        {"cer\u200Cteza \u200C\u200D", "certeza"},            /* ZWNJ in a word, and alone */
        {"fatura\u200Bvencida", "vencida"},                   /* ZWSP: a break */
        {"mani\u00ADfesto de carga", "manifesto"},            /* soft hyphen */
        {"\u3164 \u037A ﷺ contrato", "contrato"},            /* letters folding to nothing */
        {"\uFEFFrelatório mensal \uFEFF", "relatorio"},       /* U+FEFF */
        {"👨‍👩‍👧 conta família", "familia"},               /* ZWJ sequence */
        {"🇧🇷🇵🇹 filial", "filial"},                          /* regional indicators */
        {"🏴󠁧󠁢󠁳󠁣󠁴󠁿 escritório", "escritorio"},                  /* tag sequence */
        {"1️⃣ abra o cadastro #️⃣", "cadastro"},              /* keycaps */
        {"👍🏽 obrigado 👋🏿", "obrigado"},                    /* skin tones */
        {"\u200Fsuporte\u200E técnico \u200F", "suporte"},    /* RTL/LTR marks */
        {"\u202Bفاتورة\u202C \u2067cliente\u2069 \u202E", "cliente"}, /* bidi controls */
        {"conta \xC0\xAF bloqueada\xED\xA0\x80 caf\xC3", "bloqueada"}, /* invalid UTF-8 */
        {"\xF0\x9F\x98 recibo \xE2\x9D", "recibo"},           /* truncated sequences */
        {"protocolo 20240615000123 "
         "1111111111111111111111111111111111111111111111111111111111111111111111111111111111"
         "1111111111111111111111111111111111111111111111111111111111111111111111111111111111",
         "20240615000123"},
    };
    char dir[64], id[16], best[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_index_set_spelling (idx, 1);
    s_put (idx, "base", "Outro assunto", "Nada a ver com os demais.");
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        snprintf (id, sizeof id, "e%zu", i);
        kb_doc_t d = {.id = id, .title = edges[i].text, .body = edges[i].text,
                      .private_text = edges[i].text, .language = "pt-BR",
                      .filters = {"Apublico"}, .nfilters = 1};
        if (kb_index_put (idx, &d))
            fail_msg ("indexing \"%s\": %s", edges[i].text, kb_index_error (idx));
    }
    if (kb_index_commit (idx))
        fail_msg ("commit: %s", kb_index_error (idx));
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        snprintf (id, sizeof id, "e%zu", i);
        s_read_all_ways (idx, edges[i].word, id, edges[i].text, best, sizeof best);
        if (strcmp (best, id) != 0)
            fail_msg ("\"%s\" should find \"%s\" (%s), found \"%s\"", edges[i].word,
                      edges[i].text, id, best);
        s_read_all_ways (idx, edges[i].text, id, edges[i].text, best, sizeof best);
        if (strcmp (best, id) != 0)
            fail_msg ("\"%s\" should find itself (%s), found \"%s\"", edges[i].text, id, best);
        /* Suggest, while the word is typed. */
        kb_query_t typing = {.text = edges[i].word, .limit = 5, .is_partial = 1};
        kb_results_t *r = NULL;
        assert_int_equal (kb_index_search (idx, &typing, &r), 0);
        assert_true (r->nhits >= 1);
        assert_string_equal (r->hits[0].id, id);
        kb_results_destroy (&r);
    }
    /* Snippets show the emoji between the words, the word marked. */
    s_put (idx, "thanks", "Retorno", "Muito obrigada 🙏🏽, valeu ❤️ de verdade!");
    kb_query_t q = {.text = "valeu verdade", .limit = 1, .snippet_chars = 60};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_string_equal (r->hits[0].snippet,
                         "Muito obrigada 🙏🏽, <mark>valeu</mark> ❤️ de <mark>verdade</mark>");
    kb_results_destroy (&r);
    /* Emoji, marks and invisible characters alone are no words: as a
     * query they find nothing (not everything). */
    static const char *const nothing[] = {"❤️", "\uFE0F", "\u0301", "\u200D", "👍🏽", "🇧🇷",
                                          "#️⃣", "\uFEFF", "\u202E", "\xC0\xAF", ""};
    for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++) {
        kb_query_t none = {.text = nothing[i], .limit = 5};
        assert_int_equal (kb_index_search (idx, &none, &r), 0);
        if (r->nhits != 0 || r->nterms != 0)
            fail_msg ("\"%s\" is no word, yet found %d documents", nothing[i], r->nhits);
        kb_results_destroy (&r);
        s_read_all_ways (idx, nothing[i], "e0", nothing[i], best, sizeof best);
    }
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* A word of 1 MB, of letters, of digits, or one letter under a mountain of
 * combining marks; a NUL in the text. Too long to be a word, nothing of it
 * is indexed, and nothing fails (the marks' word, lowercased for the
 * spelling dictionary, was too long for it: the commit failed). */
static void
test_huge_words (void **state)
{
    (void) state;
    char dir[64], best[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_index_set_spelling (idx, 1);
    s_put (idx, "base", "Outro assunto", "Nada a ver com os demais.");
    size_t mb = 1 << 20;
    char *letters = malloc (mb + 32), *digits = malloc (mb + 32), *marks = malloc (mb + 32);
    memset (letters, 'a', mb);
    strcpy (letters + mb, " impressora");
    memset (digits, '7', mb);
    strcpy (digits + mb, " scanner");
    strcpy (marks, "senha");
    size_t at = 5;
    while (at + 2 < mb) { /* U+0301, 2 bytes each */
        marks[at++] = (char) 0xCC;
        marks[at++] = (char) 0x81;
    }
    strcpy (marks + at, " teclado");
    const char *texts[] = {letters, digits, marks};
    const char *words[] = {"impressora", "scanner", "teclado"};
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf (id, sizeof id, "w%d", i);
        /* As title (no limit in kb_index) and body (cut at 64 KiB). */
        kb_doc_t d = {.id = id, .title = texts[i], .body = texts[i], .language = "pt-BR"};
        if (kb_index_put (idx, &d))
            fail_msg ("indexing word %d: %s", i, kb_index_error (idx));
    }
    if (kb_index_commit (idx))
        fail_msg ("commit: %s", kb_index_error (idx));
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf (id, sizeof id, "w%d", i);
        s_read_all_ways (idx, words[i], id, texts[i], best, sizeof best);
        assert_string_equal (best, id);
        s_read_all_ways (idx, texts[i], id, texts[i], best, sizeof best);
        assert_string_equal (best, id); /* its word beside the huge one */
    }
    /* Snippets stay snippet-sized, even of a text that is one long word. */
    kb_query_t q = {.text = "teclado", .limit = 1, .snippet_chars = 60};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    assert_true (strlen (r->hits[0].snippet) < 400);
    kb_results_destroy (&r);
    /* The word made of marks counts as "senha" for search... */
    s_read_all_ways (idx, "senha", "w2", marks, best, sizeof best);
    assert_string_equal (best, "w2");
    free (letters);
    free (digits);
    free (marks);
    /* A run of one character a little over 8 KiB: Xapian 1.4.22 could not
     * read such a document back, and every search finding it failed. */
    char run[8300];
    strcpy (run, "modem ");
    memset (run + 6, '=', 8230);
    run[8236] = 0;
    s_put (idx, "run", "Sinal", run);
    s_read_all_ways (idx, "modem", "run", run, best, sizeof best);
    assert_string_equal (best, "run");
    /* A NUL ends the text (the C API's strings). */
    s_put (idx, "nul", "Nota", "antena\0roteador");
    assert_string_equal (s_ids (idx, "antena", best, sizeof best), "nul");
    assert_string_equal (s_ids (idx, "roteador", best, sizeof best), "");
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* Terms Xapian would refuse never reach it. A filter too long (a customer
 * address of 300 bytes) is left out of the document, and a query with it
 * finds nothing rather than everything; an id too long is refused with
 * nothing changed, and the batch keeps its other documents (Xapian drops
 * every change not committed when it refuses a document). */
static void
test_oversized_terms (void **state)
{
    (void) state;
    char dir[64], ids[256], customer[302], long_id[300];
    kb_index_t *idx = s_open (dir, sizeof dir);
    customer[0] = 'U';
    memset (customer + 1, 'c', 300);
    customer[301] = 0;
    memset (long_id, '9', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    kb_index_begin (idx);
    kb_doc_t mine = {.id = "1", .title = "Modem sem sinal", .filters = {"Saberto", customer},
                     .nfilters = 2};
    assert_int_equal (kb_index_put (idx, &mine), 0);
    kb_doc_t bad = {.id = long_id, .title = "Modem queimado"};
    assert_int_equal (kb_index_put (idx, &bad), -1);
    assert_non_null (strstr (kb_index_error (idx), "id"));
    assert_int_equal (kb_index_commit (idx), 0);
    assert_string_equal (s_ids (idx, "modem", ids, sizeof ids), "1");
    kb_query_t as_customer = {.text = "modem", .limit = 5, .filters = {customer}, .nfilters = 1};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &as_customer, &r), 0);
    assert_int_equal (r->nhits, 0);
    kb_results_destroy (&r);
    kb_query_t by_status = {.text = "modem", .limit = 5, .filters = {"Saberto"}, .nfilters = 1,
                            .excludes = {customer}, .nexcludes = 1, .exclude_id = long_id};
    assert_int_equal (kb_index_search (idx, &by_status, &r), 0);
    assert_int_equal (r->nhits, 1);
    kb_results_destroy (&r);
    kb_query_t like = {.limit = 5};
    assert_int_equal (kb_index_similar (idx, long_id, &like, &r), 0);
    assert_int_equal (r->nhits, 0);
    kb_results_destroy (&r);
    assert_int_equal (kb_index_delete (idx, long_id), 0);
    assert_int_equal (kb_index_commit (idx), 0);
    assert_int_equal (kb_index_count (idx), 1);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_unicode_edges),
        cmocka_unit_test (test_huge_words),
        cmocka_unit_test (test_oversized_terms),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
