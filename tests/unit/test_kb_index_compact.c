/* kb's index on disk (issue 17: a closed ticket's bytes).
 * kb_index_compact: an index of tickets indexed again and again (each
 * message and status change) takes less space once compacted, and answers
 * every search exactly as before (hits, order, scores, estimates, facets,
 * snippets, similar documents); its metadata (term scheme, last batch and
 * its ids) survives; it takes new documents afterwards, and a reopen finds
 * it. A swap a crash interrupted is finished (or undone) when the index is
 * opened: whichever directory holds the index, it is found.
 * kb_doc_t.is_text_kept_elsewhere (tickets: the text is in kb's record):
 * a smaller index, the same hits and scores, the same shared words. */
#include "kb_index.h"
#include "kb_index_util.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#define NDOCS 3000

static const char *const s_subjects[] = {
    "Erro ao emitir nota fiscal", "Não consigo acessar o sistema", "Relatório de vendas não exporta",
    "Dúvida sobre integração via API", "Senha bloqueada após tentativas", "Impressora não imprime boletos",
    "Cobrança duplicada no cartão", "Aplicativo fecha sozinho no celular"};
static const char *const s_words[] = {
    "boleto", "pagamento", "senha", "acesso", "navegador", "cache", "relatório", "planilha",
    "integração", "token", "impressora", "cartão", "estorno", "aplicativo", "atualização",
    "certificado", "nota", "fiscal", "cadastro", "cliente", "pedido", "entrega", "frete",
    "login", "erro", "mensagem", "tela", "sistema", "lento", "travou", "exportar", "importar"};
static const char *const s_statuses[] = {"Snovo", "Sresolvido", "Sfechado"};

/* Ticket n's text: a sentence of words picked by n (the same every run). */
static void
s_text (int n, int round, char *out, size_t size)
{
    uint32_t x = (uint32_t) n * 2654435761u + 17;
    snprintf (out, size, "Bom dia! Desde hoje");
    for (int i = 0; i < 12 + n % 7; i++) {
        x = x * 1103515245u + 12345u;
        snprintf (out + strlen (out), size - strlen (out), " %s",
                  s_words[(x >> 16) % (sizeof s_words / sizeof s_words[0])]);
    }
    if (round > 0)
        snprintf (out + strlen (out), size - strlen (out), ". Reenviamos o boleto; pode conferir?");
}

/* Ticket n as kb indexes it in round 0 (created), 1 (resolved), 2 (closed). */
static void
s_put_ticket_as (kb_index_t *idx, int n, int round, int is_text_kept_elsewhere)
{
    char id[16], body[1024];
    snprintf (id, sizeof id, "%d", n);
    s_text (n, round, body, sizeof body);
    kb_doc_t d = {.id = id, .title = s_subjects[n % 8], .body = body, .language = "pt-BR",
                  .filters = {s_statuses[round]}, .nfilters = 1,
                  .facets = {NULL, round == 2 ? "fechado" : "aberto"},
                  .time_us = 1700000000000000LL + n * 1000000LL,
                  .is_text_kept_elsewhere = is_text_kept_elsewhere};
    assert_int_equal (kb_index_put (idx, &d), 0);
}

static void
s_put_ticket (kb_index_t *idx, int n, int round)
{
    s_put_ticket_as (idx, n, round, 0);
}

/* NDOCS tickets as kb indexes them: batches of 100, each ticket created,
 * then resolved, then closed (three versions of every document). Returns
 * the last batch's number. */
static uint64_t
s_fill (kb_index_t *idx, int is_text_kept_elsewhere)
{
    uint64_t batch = 0;
    for (int round = 0; round < 3; round++)
        for (int first = 1; first <= NDOCS; first += 100) {
            kb_index_begin (idx);
            for (int n = first; n < first + 100; n++)
                s_put_ticket_as (idx, n, round, is_text_kept_elsewhere);
            assert_int_equal (kb_index_mark (idx, ++batch), 0);
            assert_int_equal (kb_index_commit (idx), 0);
        }
    return batch;
}

/* Everything the searches below answer, as text, into a string to free. */
static char *
s_answers (kb_index_t *idx, int snippet_chars)
{
    static const char *const queries[] = {
        "boleto", "senha bloqueada", "nota fiscal erro", "integracao api token",
        "impressora boletos", "relatorio planilha exportar", "cartao estorno cobranca",
        "aplicativo celular travou", "xyzzy"};
    size_t size = 1 << 20, len = 0;
    char *out = calloc (1, size);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        for (int filtered = 0; filtered < 2; filtered++) {
            kb_query_t query = {.text = queries[q], .limit = 10, .offset = filtered,
                                .snippet_chars = snippet_chars, .want_facets = 1,
                                .filters = {"Sfechado"}, .nfilters = filtered};
            kb_results_t *r = NULL;
            assert_int_equal (kb_index_search (idx, &query, &r), 0);
            len += (size_t) snprintf (out + len, size - len, "%s/%d est=%llu facets_est=%d:",
                                      queries[q], filtered, (unsigned long long) r->estimated,
                                      r->facets_estimated);
            for (int i = 0; i < r->nhits; i++)
                len += (size_t) snprintf (out + len, size - len, " %s=%.17g/%.17g[%s]",
                                          r->hits[i].id, r->hits[i].score, r->hits[i].coverage,
                                          r->hits[i].snippet ? r->hits[i].snippet : "");
            for (int i = 0; i < r->nfacets; i++)
                len += (size_t) snprintf (out + len, size - len, " %d:%s=%u", r->facets[i].slot,
                                          r->facets[i].value, r->facets[i].count);
            len += (size_t) snprintf (out + len, size - len, "\n");
            kb_results_destroy (&r);
        }
    }
    kb_query_t like = {.limit = 10};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_similar (idx, "1234", &like, &r), 0);
    len += (size_t) snprintf (out + len, size - len, "similar est=%llu:",
                              (unsigned long long) r->estimated);
    for (int i = 0; i < r->nhits; i++)
        len += (size_t) snprintf (out + len, size - len, " %s=%.17g", r->hits[i].id,
                                  r->hits[i].score);
    kb_results_destroy (&r);
    kb_query_t recent = {.limit = 10, .is_recent_first = 1};
    assert_int_equal (kb_index_similar (idx, "2999", &recent, &r), 0);
    len += (size_t) snprintf (out + len, size - len, "\nrecent:");
    for (int i = 0; i < r->nhits; i++)
        len += (size_t) snprintf (out + len, size - len, " %s", r->hits[i].id);
    kb_results_destroy (&r);
    snprintf (out + len, size - len, "\nsimilarity=%.17g count=%llu\n",
              kb_index_similarity (idx, "10", "18"), (unsigned long long) kb_index_count (idx));
    return out;
}

static void
test_compact_same_answers (void **state)
{
    (void) state;
    char dir[64], path[128], err[256], ids[256];
    kb_index_t *idx = s_open (dir, sizeof dir);
    snprintf (path, sizeof path, "%s/x", dir);
    uint64_t batch = s_fill (idx, 0);
    char *scheme = kb_index_scheme_wanted (idx);
    assert_int_equal (kb_index_set_scheme (idx, scheme), 0);
    assert_int_equal (kb_index_commit (idx), 0);
    char *before = s_answers (idx, 120);
    /* Hits with snippets and facets, similar tickets: not an empty answer. */
    assert_non_null (strstr (before, "<mark>"));
    assert_non_null (strstr (before, "1:fechado="));
    assert_null (strstr (before, "similar est=0"));
    assert_null (strstr (before, "recent:\n"));
    uint64_t bytes = kb_index_bytes (idx);
    assert_true (bytes > 0);
    assert_int_equal (kb_index_compacted_bytes (idx), 0);

    /* Not with changes uncommitted: the index stays as it is. */
    kb_index_begin (idx);
    s_put_ticket (idx, 1, 2);
    assert_int_equal (kb_index_compact (idx), -1);
    assert_non_null (strstr (kb_index_error (idx), "between batches"));
    kb_index_cancel (idx);

    assert_int_equal (kb_index_compact (idx), 0);
    uint64_t after = kb_index_bytes (idx);
    print_message ("%d tickets: %llu bytes, %llu compacted\n", NDOCS, (unsigned long long) bytes,
                   (unsigned long long) after);
    assert_true (after < bytes * 4 / 5);
    assert_true (kb_index_compacted_bytes (idx) > 0);
    assert_true (kb_index_compacted_bytes (idx) <= after);
    char *now = s_answers (idx, 120);
    assert_string_equal (now, before);
    free (now);

    /* Its metadata: the scheme and the last batch with its ids. */
    char *had = kb_index_scheme (idx);
    assert_string_equal (had, scheme);
    free (had);
    uint64_t marked = 0;
    char *marked_ids = kb_index_marked (idx, &marked);
    assert_int_equal (marked, batch);
    assert_non_null (strstr (marked_ids, "3000\n"));
    assert_non_null (strstr (marked_ids, "2901\n"));
    free (marked_ids);
    /* Nothing is left beside it. */
    char other[160];
    struct stat st;
    static const char *const suffixes[] = {".new", ".old", ".compacting"};
    for (int i = 0; i < 3; i++) {
        snprintf (other, sizeof other, "%s%s", path, suffixes[i]);
        assert_int_not_equal (stat (other, &st), 0);
    }

    /* And a reopen finds the same. */
    kb_index_close (&idx);
    idx = kb_index_open (path, err, sizeof err);
    assert_non_null (idx);
    kb_index_set_stopwords (idx, kb_stopwords_default);
    now = s_answers (idx, 120);
    assert_string_equal (now, before);
    free (now);

    /* It takes new documents and changes, in batches, as before. */
    kb_index_begin (idx);
    s_put (idx, "9001", "Scanner do caixa", "O scanner do caixa não liga.");
    assert_int_equal (kb_index_delete (idx, "5"), 0);
    assert_int_equal (kb_index_mark (idx, batch + 1), 0);
    assert_int_equal (kb_index_commit (idx), 0);
    assert_string_equal (s_ids (idx, "scanner", ids, sizeof ids), "9001");
    assert_int_equal (kb_index_count (idx), NDOCS);
    /* Grown by a document: nowhere near what makes kb compact again. */
    assert_true (kb_index_bytes (idx) < kb_index_compacted_bytes (idx) * 3 / 2);
    free (before);
    free (scheme);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* What "senha" finds in the index s_make writes. */
static char s_found[64];

/* Articles: their index keeps a spelling dictionary, which a compacted
 * copy keeps too ("Você quis dizer" and the corrected search). */
static void
test_compact_spelling (void **state)
{
    (void) state;
    char dir[64];
    kb_index_t *idx = s_open (dir, sizeof dir);
    kb_index_set_spelling (idx, 1);
    s_put (idx, "impressora", "Impressora não imprime", "Verifique o cabo da impressora.");
    s_put (idx, "boleto", "Segunda via do boleto", "Emita a segunda via no portal.");
    s_put (idx, "senha", "Trocar a senha", "Clique em Esqueci minha senha.");
    assert_int_equal (kb_index_commit (idx), 0);
    char got[2][256];
    for (int round = 0; round < 2; round++) {
        kb_query_t q = {.text = "impresora", .limit = 5, .want_spelling = 1};
        kb_results_t *r = NULL;
        assert_int_equal (kb_index_search (idx, &q, &r), 0);
        snprintf (got[round], sizeof got[round], "%d %s %s %s", r->nhits,
                  r->nhits ? r->hits[0].id : "-", r->spelling ? r->spelling : "-",
                  r->corrected ? r->corrected : "-");
        kb_results_destroy (&r);
        if (round == 0)
            assert_int_equal (kb_index_compact (idx), 0);
    }
    assert_non_null (strstr (got[0], "impressora"));
    assert_string_equal (got[1], got[0]);
    kb_index_close (&idx);
    unit_rmdir (dir);
}

/* An index of three documents under path, closed. */
static void
s_make (const char *path)
{
    char err[256];
    kb_index_t *idx = kb_index_open (path, err, sizeof err);
    assert_non_null (idx);
    kb_index_set_stopwords (idx, kb_stopwords_default);
    s_put (idx, "1", "Senha bloqueada", "Não consigo entrar: a senha foi bloqueada.");
    s_put (idx, "2", "Boleto vencido", "Como emitir a segunda via do boleto.");
    s_put (idx, "3", "Senha nova", "Como trocar a senha.");
    assert_int_equal (kb_index_commit (idx), 0);
    s_ids (idx, "senha", s_found, sizeof s_found);
    assert_int_equal (strlen (s_found), 3); /* "1 3", in some order */
    kb_index_close (&idx);
}

static void
s_mkdir_junk (const char *dir)
{
    char file[200];
    assert_int_equal (mkdir (dir, 0700), 0);
    snprintf (file, sizeof file, "%s/postlist.glass", dir);
    FILE *f = fopen (file, "w");
    assert_non_null (f);
    fputs ("half written", f);
    fclose (f);
}

/* Opens path after a crash left the directories as given; the index must
 * answer with its three documents and nothing be left beside it. */
static void
s_check_recovered (const char *path)
{
    char err[256], out[64], other[200];
    kb_index_t *idx = kb_index_open (path, err, sizeof err);
    assert_non_null (idx);
    kb_index_set_stopwords (idx, kb_stopwords_default);
    assert_string_equal (s_ids (idx, "senha", out, sizeof out), s_found);
    assert_int_equal (kb_index_count (idx), 3);
    kb_index_close (&idx);
    struct stat st;
    static const char *const suffixes[] = {".new", ".old", ".compacting"};
    for (int i = 0; i < 3; i++) {
        snprintf (other, sizeof other, "%s%s", path, suffixes[i]);
        assert_int_not_equal (stat (other, &st), 0);
    }
}

static void
test_interrupted_swap (void **state)
{
    (void) state;
    char dir[64], path[128], moved[160], junk[160];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/x", dir);

    /* Killed while the copy was written: the index is where it was. */
    s_make (path);
    snprintf (junk, sizeof junk, "%s.compacting", path);
    s_mkdir_junk (junk);
    s_check_recovered (path);

    /* Killed after the copy was complete, before the swap: the same. */
    snprintf (junk, sizeof junk, "%s.new", path);
    s_mkdir_junk (junk);
    s_check_recovered (path);

    /* Killed between the two renames: no index under its name, the
     * complete copy beside it, and the old one. */
    snprintf (moved, sizeof moved, "%s.new", path);
    assert_int_equal (rename (path, moved), 0);
    snprintf (junk, sizeof junk, "%s.old", path);
    s_mkdir_junk (junk);
    s_check_recovered (path);

    /* Killed after the swap, before the old one was removed. */
    s_mkdir_junk (junk);
    s_check_recovered (path);
    unit_rmdir (dir);
}

/* The words of tickets 1, 9 and 17 (one subject) as the recurring
 * problems' subject shows them, into out. */
static void
s_shared (kb_index_t *idx, int is_from_caller, char *out, size_t size)
{
    const char *ids[] = {"1", "9", "17"};
    char body[1024], *words[8];
    s_text (1, 2, body, sizeof body);
    int n = kb_index_shared_words (idx, ids, 3, is_from_caller ? s_subjects[1] : NULL,
                                   is_from_caller ? body : NULL, words, 8);
    assert_true (n >= 2);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        snprintf (out + strlen (out), size - strlen (out), "%s%s", i ? " " : "", words[i]);
        free (words[i]);
    }
}

static void
test_text_kept_elsewhere (void **state)
{
    (void) state;
    char dir_a[64], dir_b[64], words_a[512], words_b[512];
    kb_index_t *a = s_open (dir_a, sizeof dir_a), *b = s_open (dir_b, sizeof dir_b);
    s_fill (a, 0);
    s_fill (b, 1);
    assert_int_equal (kb_index_compact (a), 0);
    assert_int_equal (kb_index_compact (b), 0);
    print_message ("%d tickets, compacted: %llu bytes with their text, %llu without\n", NDOCS,
                   (unsigned long long) kb_index_bytes (a), (unsigned long long) kb_index_bytes (b));
    assert_true (kb_index_bytes (b) < kb_index_bytes (a) * 9 / 10);
    /* Without snippets (kb's ticket searches ask for none): the same. */
    char *with = s_answers (a, 0), *without = s_answers (b, 0);
    assert_string_equal (without, with);
    free (with);
    free (without);
    s_shared (a, 0, words_a, sizeof words_a);
    s_shared (b, 1, words_b, sizeof words_b);
    assert_string_equal (words_b, words_a);
    /* Snippets need the text: none from the index that does not keep it. */
    kb_query_t q = {.text = "boleto", .limit = 3, .snippet_chars = 120};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (b, &q, &r), 0);
    assert_true (r->nhits == 3 && r->hits[0].title && *r->hits[0].title);
    assert_true (!r->hits[0].snippet || !strstr (r->hits[0].snippet, "<mark>"));
    kb_results_destroy (&r);
    kb_index_close (&a);
    kb_index_close (&b);
    unit_rmdir (dir_a);
    unit_rmdir (dir_b);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_compact_same_answers),
        cmocka_unit_test (test_compact_spelling),
        cmocka_unit_test (test_interrupted_swap),
        cmocka_unit_test (test_text_kept_elsewhere),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
