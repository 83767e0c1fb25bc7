/* Fuzz target: kb's text path (kb_text.cc and kb_index.cc, Xapian
 * underneath). The input becomes an article and a ticket in a temporary
 * index, then the same input is searched, suggested and asked, and the
 * documents' similar ones and shared words are looked up, as kb does for
 * the bot and recurring problems; the bot's hand-off rules and its reading
 * of "Isso resolveu?" read it too, and its words are filled with it. Nothing may fail (a Xapian error here is
 * what stopped kb on "Valeu ❤️"), what is shown must be valid UTF-8, and a
 * search with the article's title, when it has words, finds the article.
 *
 * The input up to its first NUL is A, the rest B (A again when there is no
 * NUL): the article is titled A, tagged A, its body B; the ticket has
 * subject B, body A and an internal note B. Its first byte's lowest bit
 * picks the language (pt-BR or en). */
#include "../utf8_check.h"
#include "kb_bot_rules.h"
#include "kb_bot_words.h"
#include "kb_index.h"
#include "kb_stopwords.h"

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char s_dir[64];
static kb_index_t *s_articles, *s_tickets;

static int
s_remove (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove (path);
}

static void
s_cleanup (void)
{
    kb_index_close (&s_articles);
    kb_index_close (&s_tickets);
    nftw (s_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
}

/* A failure of the code under test: libFuzzer (and the replay) report it. */
static void
s_fail (const char *what, kb_index_t *index)
{
    fprintf (stderr, "fuzz_kb_text: %s failed: %s\n", what, index ? kb_index_error (index) : "");
    abort ();
}

static kb_index_t *
s_open (const char *name)
{
    char path[128], err[256];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    kb_index_t *index = kb_index_open (path, err, sizeof err);
    if (!index) {
        fprintf (stderr, "fuzz_kb_text: %s: %s\n", path, err);
        abort ();
    }
    kb_index_set_stopwords (index, kb_stopwords_default);
    kb_index_add_synonyms (index, "senha, password, palavra-passe");
    return index;
}

/* Two indexes, as kb's, with a few documents beside the fuzzed ones: in a
 * temporary directory (in memory when /dev/shm is there: every input
 * commits). */
static void
s_setup (void)
{
    snprintf (s_dir, sizeof s_dir, "%s/fuzz-kb-XXXXXX",
              access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp (s_dir))
        abort ();
    atexit (s_cleanup);
    s_articles = s_open ("articles");
    kb_index_set_spelling (s_articles, 1);
    s_tickets = s_open ("tickets");
    static const char *const texts[][2] = {
        {"Trocar a senha", "Abra Perfil e clique em Salvar ✅."},
        {"Segunda via do boleto", "Financeiro → Boletos; valeu ❤️"},
        {"Printer offline", "Restart the printer 🖨️ and try again."},
    };
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf (id, sizeof id, "base%d", i);
        kb_doc_t d = {.id = id, .title = texts[i][0], .body = texts[i][1],
                      .language = i == 2 ? "en" : "pt-BR", .filters = {"Apublico", "Saberto"},
                      .nfilters = 2, .facets = {NULL, "guia"}, .time_us = i};
        if (kb_index_put (s_articles, &d))
            s_fail ("indexing the articles' examples", s_articles);
        if (kb_index_put (s_tickets, &d))
            s_fail ("indexing the tickets' examples", s_tickets);
    }
    if (kb_index_commit (s_articles) || kb_index_commit (s_tickets))
        s_fail ("committing the examples", NULL);
}

static void
s_check_results (const char *what, kb_index_t *index, int rc, kb_results_t *r)
{
    if (rc)
        s_fail (what, index);
    for (int i = 0; i < r->nhits; i++)
        if (r->hits[i].snippet && !utf8_check (r->hits[i].snippet))
            s_fail ("a snippet in UTF-8", NULL);
    if (r->spelling && !utf8_check (r->spelling))
        s_fail ("the correction in UTF-8", NULL);
}

/* Whether id is among the hits. */
static int
s_has (const kb_results_t *r, const char *id)
{
    for (int i = 0; i < r->nhits; i++)
        if (strcmp (r->hits[i].id, id) == 0)
            return 1;
    return 0;
}

/* What kb does with a text in index: search (snippets, facets,
 * corrections), suggest, ask (the best hit and an excerpt of body). */
static void
s_query (kb_index_t *index, const char *text, const char *body)
{
    kb_results_t *r = NULL;
    int rc;
    kb_query_t search = {.text = text, .limit = 10, .snippet_chars = 160, .want_facets = 1,
                         .want_spelling = 1, .include_private = 1};
    rc = kb_index_search (index, &search, &r);
    s_check_results ("search", index, rc, r);
    if (index == s_articles && r->nterms > 0 && !s_has (r, "article"))
        s_fail ("finding the article by its title", NULL);
    kb_results_destroy (&r);
    kb_query_t suggest = {.text = text, .limit = 5, .is_partial = 1,
                          .excludes = {"Srascunho"}, .nexcludes = 1};
    rc = kb_index_search (index, &suggest, &r);
    s_check_results ("suggest", index, rc, r);
    kb_results_destroy (&r);
    kb_query_t ask = {.text = text, .limit = 1, .filters = {"Apublico"}, .nfilters = 1};
    rc = kb_index_search (index, &ask, &r);
    s_check_results ("ask", index, rc, r);
    kb_results_destroy (&r);
    char *excerpt = kb_index_excerpt (index, body, text, 400);
    if (!excerpt || !utf8_check (excerpt))
        s_fail ("an excerpt in UTF-8", NULL);
    free (excerpt);
}

/* Similar tickets, recurring problems' candidates and their shared words. */
static void
s_similar (kb_index_t *index, const char *id)
{
    kb_results_t *r = NULL;
    int rc;
    kb_query_t like = {.limit = 5};
    rc = kb_index_similar (index, id, &like, &r);
    s_check_results ("similar", index, rc, r);
    kb_results_destroy (&r);
    kb_query_t recent = {.limit = 50, .is_recent_first = 1, .is_ids_only = 1,
                         .min_time_us = 0, .max_time_us = 1000};
    rc = kb_index_similar (index, id, &recent, &r);
    s_check_results ("recent similar", index, rc, r);
    kb_results_destroy (&r);
    const char *ids[] = {id, "base1"};
    char *words[8];
    int n = kb_index_shared_words (index, ids, 2, NULL, NULL, words, 8);
    if (n < 0)
        s_fail ("shared words", index);
    for (int i = 0; i < n; i++) {
        if (!*words[i] || !utf8_check (words[i]))
            s_fail ("a shared word in UTF-8", NULL);
        free (words[i]);
    }
    double alike = kb_index_similarity (index, id, "base1");
    if (alike < 0 || alike > 1.0001)
        s_fail ("similarity in 0..1", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_articles)
        s_setup ();
    char *a = malloc (size + 1);
    memcpy (a, data, size);
    a[size] = 0;
    size_t alen = strlen (a);
    const char *b = alen < size ? a + alen + 1 : a;
    const char *lang = size && (data[0] & 1) ? "en" : "pt-BR";
    /* The bot's hand-off rules read the same text first (kb_search.c). */
    kb_bot_handoff_t handoff = kb_bot_handoff (a);
    if (handoff != KB_BOT_CARRY_ON && handoff != KB_BOT_ASKS_FOR_PERSON && handoff != KB_BOT_UPSET)
        s_fail ("kb_bot_handoff", NULL);
    /* Its reading of "Isso resolveu?" (kb_bot.c), and its words filled with
     * what the customer wrote (a template from the config is text too). */
    kb_bot_feedback_t feedback = kb_bot_feedback (a);
    if (feedback != KB_BOT_FEEDBACK_OTHER && feedback != KB_BOT_FEEDBACK_YES
        && feedback != KB_BOT_FEEDBACK_NO)
        s_fail ("kb_bot_feedback", NULL);
    const char *vars[][2] = {{"titulo", a}, {"trecho", b}, {"link", a}};
    char *filled = kb_bot_fill (kb_bot_word (NULL, KB_BOT_W_ANSWER, lang), vars, 3);
    char *own = kb_bot_fill (a, vars, 3);
    if (!filled || !own || strlen (own) > alen + 2 * (alen + strlen (b)) * 3)
        s_fail ("kb_bot_fill", NULL);
    free (filled);
    free (own);
    /* The customer's term, as kb_tickets.c makes it. */
    char customer[300];
    snprintf (customer, sizeof customer, "U%s", a);
    kb_doc_t article = {.id = "article", .title = a, .tags = a, .body = b, .language = lang,
                        .filters = {"Apublico", "Spublicado"}, .nfilters = 2,
                        .facets = {NULL, "faq", "acesso", "publico"}, .time_us = 100};
    kb_doc_t ticket = {.id = "ticket", .title = b, .body = a, .private_text = b,
                       .language = lang, .filters = {"Saberto", customer}, .nfilters = 2,
                       .time_us = 100};
    kb_index_begin (s_articles);
    kb_index_begin (s_tickets);
    if (kb_index_put (s_articles, &article))
        s_fail ("indexing the article", s_articles);
    if (kb_index_put (s_tickets, &ticket))
        s_fail ("indexing the ticket", s_tickets);
    if (kb_index_mark (s_articles, 1) || kb_index_commit (s_articles))
        s_fail ("committing the article", s_articles);
    if (kb_index_mark (s_tickets, 1) || kb_index_commit (s_tickets))
        s_fail ("committing the ticket", s_tickets);
    s_query (s_articles, a, b);
    s_query (s_tickets, a, a);
    if (b != a)
        s_query (s_tickets, b, b);
    s_similar (s_articles, "article");
    s_similar (s_tickets, "ticket");
    kb_results_t *r = NULL;
    int rc;
    kb_query_t mine = {.text = a, .limit = 10, .filters = {customer}, .nfilters = 1};
    rc = kb_index_search (s_tickets, &mine, &r);
    s_check_results ("a customer's search", s_tickets, rc, r);
    kb_results_destroy (&r);
    free (a);
    return 0;
}
