/* balcao-kb-bench: quality and speed of the knowledge base's search, on the
 * index kb uses (services/kb/kb_index.cc), in-process.
 *
 *   balcao-kb-bench faquad DIR [--floor MRR] [--stopwords FILE] [--index PATH]
 *       Indexes FaQuAD's passages (DIR/passages.jsonl; the spelling
 *       dictionary too, as kb does for articles), runs its questions
 *       (queries.jsonl, qrels.tsv) as written, with every accent removed and
 *       with one typo (kb_bench_typo; searched with the spelling correction),
 *       and prints recall@1, @3, @5 and MRR@10 for each; then calibrates
 *       the bot's confidence threshold (see s_calibrate). With --floor, exits
 *       1 when either MRR@10 is below it (the ctest). With --index, the
 *       passages join the index `speed` left at PATH (their look-alikes). DIR
 *       absent: exit 77. Plain BM25 (kb_bench_bm25.cc: Xapian's own
 *       TermGenerator, QueryParser and Portuguese stemmer) ranks the same
 *       questions beside it.
 *   balcao-kb-bench helpdesk QUERIES KB_DIR ZAMMAD_DIR [--check] [--verbose]
 *       The help-desk set (issue 15): kb_bench_helpdesk.c.
 *   balcao-kb-bench speed N DIR [--spelling] [--index PATH] [--stopwords FILE]
 *       Generates N public articles and N/10 internal ones, each 60-180
 *       words about one of DIR's passages (70% of its words from it, 30%
 *       from all of them), and indexes them as kb does: every article in
 *       one index, the public ones in another (throughput; --spelling also
 *       feeds the spelling dictionary, as kb does for articles; --index
 *       keeps the indexes at PATH and PATH-public and reuses them). Then
 *       times FaQuAD's questions, 2,000 runs each (p50/p99): searches as kb
 *       runs them (10 hits, snippets, facets, spelling when poor) for a
 *       customer (public index) and an agent (every article but drafts),
 *       with whole questions and with their last three words (a search
 *       box); suggestions of the questions cut mid-word. KB_BENCH_ONLY=
 *       PREFIX runs only the lines starting with PREFIX.
 *
 * Without --stopwords, the list built into kb (data/kb/stopwords.txt). */
#include "bc_store.h"
#include "kb_bench.h"
#include "kb_index.h"
#include "kb_stopwords.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#define EXIT_SKIP 77

typedef struct {
    char *id, *title, *text;
} passage_t;

typedef struct {
    char *id, *question, *gold;
} question_t;

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

char *
kb_bench_strip_accents (const char *s)
{
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t n = utf8proc_map ((const utf8proc_uint8_t *) s, 0, &out,
                                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE
                                           | UTF8PROC_STRIPMARK);
    return n < 0 ? strdup (s) : (char *) out;
}

/* Reads JSON lines; calls fn for each object. Returns how many. */
static int
s_jsonl (const char *path, void (*fn) (json_t *obj, void *arg), void *arg)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline (&line, &cap, f) > 0) {
        json_t *obj = json_loads (line, 0, NULL);
        if (!obj)
            continue;
        fn (obj, arg);
        json_decref (obj);
        n++;
    }
    free (line);
    fclose (f);
    return n;
}

typedef struct {
    passage_t *items;
    int n, cap;
} passages_t;

static void
s_on_passage (json_t *obj, void *arg)
{
    passages_t *ps = arg;
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 256;
        ps->items = realloc (ps->items, (size_t) ps->cap * sizeof *ps->items);
    }
    const char *title = json_string_value (json_object_get (obj, "title"));
    const char *text = json_string_value (json_object_get (obj, "text"));
    if (!text)
        text = json_string_value (json_object_get (obj, "body"));
    passage_t *p = &ps->items[ps->n++];
    p->id = strdup (json_string_value (json_object_get (obj, "id")));
    p->title = strdup (title ? title : "");
    p->text = strdup (text ? text : "");
}

typedef struct {
    question_t *items;
    int n, cap;
} questions_t;

static void
s_on_question (json_t *obj, void *arg)
{
    questions_t *qs = arg;
    if (qs->n == qs->cap) {
        qs->cap = qs->cap ? qs->cap * 2 : 256;
        qs->items = realloc (qs->items, (size_t) qs->cap * sizeof *qs->items);
    }
    question_t *q = &qs->items[qs->n++];
    q->id = strdup (json_string_value (json_object_get (obj, "id")));
    q->question = strdup (json_string_value (json_object_get (obj, "question")));
    q->gold = NULL;
}

static void
s_free_passages (passages_t *ps)
{
    for (int i = 0; i < ps->n; i++) {
        free (ps->items[i].id);
        free (ps->items[i].title);
        free (ps->items[i].text);
    }
    free (ps->items);
}

static void
s_free_questions (questions_t *qs)
{
    for (int i = 0; i < qs->n; i++) {
        free (qs->items[i].id);
        free (qs->items[i].question);
        free (qs->items[i].gold);
    }
    free (qs->items);
}

static kb_index_t *
s_open_index (char *dir, size_t size, const char *stopwords_file)
{
    snprintf (dir, size, "/tmp/balcao-kb-bench-XXXXXX");
    if (!mkdtemp (dir))
        return NULL;
    char path[512], err[256];
    snprintf (path, sizeof path, "%s/x", dir);
    kb_index_t *idx = kb_index_open (path, err, sizeof err);
    if (!idx) {
        fprintf (stderr, "balcao-kb-bench: %s\n", err);
        return NULL;
    }
    char *sw = stopwords_file ? bc_read_file (stopwords_file) : NULL;
    kb_index_set_stopwords (idx, sw ? sw : kb_stopwords_default);
    free (sw);
    return idx;
}

static void
s_remove (const char *dir)
{
    char cmd[600];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
        fprintf (stderr, "balcao-kb-bench: could not remove %s\n", dir);
}

typedef struct {
    double r1, r3, r5, mrr;
} quality_t;

enum { AS_WRITTEN, FOLDED, ONE_TYPO };

/* Question i as written, accent-stripped, or with one typo (the help-desk
 * set's rule, kb_bench_typo). */
static char *
s_variant (const char *question, int variant, int i)
{
    return variant == FOLDED ? kb_bench_strip_accents (question)
           : variant == ONE_TYPO ? kb_bench_typo (question, i)
                                 : strdup (question);
}

/* Rank figures for the questions; with a typo, kb's search asks for the
 * spelling correction, as kb's search command does. */
static quality_t
s_evaluate (kb_index_t *idx, questions_t *qs, int variant)
{
    quality_t out = {0, 0, 0, 0};
    int n = 0;
    for (int i = 0; i < qs->n; i++) {
        question_t *q = &qs->items[i];
        if (!q->gold)
            continue;
        char *text = s_variant (q->question, variant, i);
        kb_query_t query = {.text = text, .limit = 10, .want_spelling = variant == ONE_TYPO};
        kb_results_t *r = NULL;
        if (kb_index_search (idx, &query, &r) == 0) {
            for (int k = 0; k < r->nhits; k++)
                if (strcmp (r->hits[k].id, q->gold) == 0) {
                    out.r1 += k == 0;
                    out.r3 += k < 3;
                    out.r5 += k < 5;
                    out.mrr += 1.0 / (k + 1);
                    break;
                }
        }
        kb_results_destroy (&r);
        free (text);
        n++;
    }
    if (n) {
        out.r1 /= n;
        out.r3 /= n;
        out.r5 /= n;
        out.mrr /= n;
    }
    return out;
}

/* The same figures for plain BM25 over the same passages. */
static quality_t
s_evaluate_plain (passages_t *ps, questions_t *qs, int variant)
{
    quality_t out = {0, 0, 0, 0};
    char dir[] = "/tmp/balcao-kb-bm25-XXXXXX", path[256];
    if (!mkdtemp (dir))
        return out;
    snprintf (path, sizeof path, "%s/x", dir);
    kb_bench_bm25_t *bm25 = kb_bench_bm25_new (path);
    for (int i = 0; bm25 && i < ps->n; i++)
        kb_bench_bm25_add (bm25, ps->items[i].id, ps->items[i].title, ps->items[i].text);
    int n = 0;
    for (int i = 0; bm25 && i < qs->n; i++) {
        question_t *q = &qs->items[i];
        if (!q->gold)
            continue;
        char *text = s_variant (q->question, variant, i), *ids[10];
        int nids = kb_bench_bm25_search (bm25, text, ids, 10);
        for (int k = 0; k < nids; k++)
            if (strcmp (ids[k], q->gold) == 0) {
                out.r1 += k == 0;
                out.r3 += k < 3;
                out.r5 += k < 5;
                out.mrr += 1.0 / (k + 1);
                break;
            }
        for (int k = 0; k < nids; k++)
            free (ids[k]);
        free (text);
        n++;
    }
    kb_bench_bm25_destroy (&bm25);
    s_remove (dir);
    if (n) {
        out.r1 /= n;
        out.r3 /= n;
        out.r5 /= n;
        out.mrr /= n;
    }
    return out;
}

/* The bot's confidence in the best hit: its coverage of the question. */
static double
s_confidence (kb_index_t *idx, const char *text, const char *exclude, char *best, size_t size)
{
    kb_query_t query = {.text = text, .limit = 1, .exclude_id = exclude};
    kb_results_t *r = NULL;
    double c = 0;
    best[0] = 0;
    if (kb_index_search (idx, &query, &r) == 0 && r->nhits) {
        c = r->hits[0].coverage;
        snprintf (best, size, "%s", r->hits[0].id);
    }
    kb_results_destroy (&r);
    return c;
}

/* Threshold calibration. For each question, the bot answers twice: with its
 * passage in the index (a good answer is confident AND the right passage)
 * and with that passage left out (the knowledge base has no answer: a good
 * answer is "no confident answer"). The threshold that maximises the mean of
 * the two success rates (balanced accuracy) is the default. */
static void
s_calibrate (kb_index_t *idx, questions_t *qs)
{
    enum { STEPS = 20 };
    int right_yes[STEPS] = {0}, wrong_yes[STEPS] = {0}, refused_no[STEPS] = {0}, n = 0;
    for (int i = 0; i < qs->n; i++) {
        question_t *q = &qs->items[i];
        if (!q->gold)
            continue;
        char best[128];
        double with = s_confidence (idx, q->question, NULL, best, sizeof best);
        int is_right = strcmp (best, q->gold) == 0;
        double without = s_confidence (idx, q->question, q->gold, best, sizeof best);
        for (int s = 0; s < STEPS; s++) {
            double t = (double) s / STEPS;
            right_yes[s] += is_right && with >= t;
            wrong_yes[s] += !is_right && with >= t;
            refused_no[s] += without < t;
        }
        n++;
    }
    printf ("\nbot threshold: with the passage in the index, the share answered right,\n"
            "answered wrong (another article) and handed off to a person; without it\n"
            "(the knowledge base has no answer), the share handed off:\n");
    printf ("  threshold  answered right  answered wrong  handed off  | refused  balanced\n");
    int best = 0;
    double best_bal = -1;
    for (int s = 0; s < STEPS; s++) {
        double a = (double) right_yes[s] / n, b = (double) refused_no[s] / n, bal = (a + b) / 2;
        double wrong = (double) wrong_yes[s] / n;
        double handed = (double) (n - right_yes[s] - wrong_yes[s]) / n;
        printf ("  %9.2f  %14.3f  %14.3f  %10.3f  | %7.3f  %8.3f\n", (double) s / STEPS, a, wrong,
                handed, b, bal);
        if (bal > best_bal) {
            best_bal = bal;
            best = s;
        }
    }
    printf ("  best: %.2f (balanced accuracy %.3f)\n", (double) best / STEPS, best_bal);
}

static int
s_faquad (const char *dir, double floor, const char *stopwords, const char *index_path)
{
    char path[1024];
    passages_t ps = {0};
    questions_t qs = {0};
    snprintf (path, sizeof path, "%s/passages.jsonl", dir);
    if (s_jsonl (path, s_on_passage, &ps) <= 0) {
        printf ("balcao-kb-bench: no FaQuAD at %s: skipped\n", dir);
        return EXIT_SKIP;
    }
    snprintf (path, sizeof path, "%s/queries.jsonl", dir);
    s_jsonl (path, s_on_question, &qs);
    snprintf (path, sizeof path, "%s/qrels.tsv", dir);
    FILE *f = fopen (path, "r");
    char qid[128], pid[128];
    int zero, rel;
    while (f && fscanf (f, "%127s %d %127s %d", qid, &zero, pid, &rel) == 4)
        for (int i = 0; i < qs.n; i++)
            if (rel > 0 && !qs.items[i].gold && strcmp (qs.items[i].id, qid) == 0)
                qs.items[i].gold = strdup (pid);
    if (f)
        fclose (f);
    char tmp[64] = "";
    kb_index_t *idx = NULL;
    if (index_path) {
        /* Among the articles of `speed` (hard look-alikes of the passages). */
        char err[256];
        idx = kb_index_open (index_path, err, sizeof err);
        if (!idx)
            fprintf (stderr, "balcao-kb-bench: %s\n", err);
        else
            kb_index_set_stopwords (idx, kb_stopwords_default);
    }
    else
        idx = s_open_index (tmp, sizeof tmp, stopwords);
    if (!idx)
        return 1;
    kb_index_set_spelling (idx, 1); /* as kb's article indexes: typos get corrected */
    double t0 = s_now_ms ();
    for (int i = 0; i < ps.n; i++) {
        kb_doc_t d = {.id = ps.items[i].id, .title = ps.items[i].title, .body = ps.items[i].text,
                      .language = "pt-BR"};
        if (kb_index_put (idx, &d)) {
            fprintf (stderr, "balcao-kb-bench: %s\n", kb_index_error (idx));
            return 1;
        }
    }
    kb_index_commit (idx);
    double t1 = s_now_ms ();
    static const char *variants[] = {"as written", "accents removed", "one typo"};
    quality_t ours[3], plain[3];
    for (int v = 0; v < 3; v++)
        ours[v] = s_evaluate (idx, &qs, v);
    quality_t as_written = ours[AS_WRITTEN], folded = ours[FOLDED];
    printf ("FaQuAD: %d passages (indexed in %.0f ms), %d questions", ps.n, t1 - t0, qs.n);
    if (index_path)
        printf (", among %llu articles", (unsigned long long) kb_index_count (idx));
    printf ("\n");
    printf ("                              recall@1  recall@3  recall@5  MRR@10\n");
    for (int v = 0; v < 3; v++)
        printf ("  kb, %-24s  %8.3f  %8.3f  %8.3f  %6.3f\n", variants[v], ours[v].r1, ours[v].r3,
                ours[v].r5, ours[v].mrr);
    for (int v = 0; v < 3 && !index_path; v++) {
        plain[v] = s_evaluate_plain (&ps, &qs, v);
        printf ("  plain BM25, %-16s  %8.3f  %8.3f  %8.3f  %6.3f\n", variants[v], plain[v].r1,
                plain[v].r3, plain[v].r5, plain[v].mrr);
    }
    if (floor <= 0 && !index_path)
        s_calibrate (idx, &qs);
    kb_index_close (&idx);
    if (*tmp)
        s_remove (tmp);
    s_free_passages (&ps);
    s_free_questions (&qs);
    if (floor > 0 && (as_written.mrr < floor || folded.mrr < floor)) {
        printf ("FAIL: MRR@10 below the floor %.3f\n", floor);
        return 1;
    }
    return 0;
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void
s_percentiles (const char *what, double *ms, int n)
{
    qsort (ms, (size_t) n, sizeof *ms, s_cmp_double);
    printf ("  %-28s p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", what, ms[n / 2],
            ms[(int) (n * 0.99)], ms[n - 1]);
}

/* Times 2,000 queries from the questions (cut mid-word for suggest; only
 * their last three words when is_short); prints the percentiles. */
static void
s_time_queries (kb_index_t *idx, const char *what, questions_t *qs, int is_suggest,
                int want_facets, int is_short, int is_staff)
{
    enum { RUNS = 2000 };
    double *ms = malloc (RUNS * sizeof *ms);
    char text[1024];
    for (int r = 0; r < RUNS; r++) {
        snprintf (text, sizeof text, "%s", qs->items[r % qs->n].question);
        if (is_short) {
            /* A search box: the question's last three words. */
            char *end = text + strlen (text);
            int spaces = 0;
            while (end > text && spaces < 3)
                if (*--end == ' ')
                    spaces++;
            memmove (text, end + (*end == ' '), strlen (end + (*end == ' ')) + 1);
        }
        if (is_suggest) {
            /* Typing: cut in the middle of a word after the first third. */
            size_t len = strlen (text), cut = len / 3 + (size_t) rand () % (len - len / 3);
            while (cut < len && text[cut] != ' ')
                cut++;
            cut = cut > 3 ? cut - 2 : cut;
            text[cut] = 0;
        }
        /* As kb asks (kb_articles.c): customers search the public index,
         * staff every article but drafts. */
        kb_query_t q = {.text = text, .limit = is_suggest ? 5 : 10, .is_partial = is_suggest,
                        .snippet_chars = is_suggest ? 0 : 180, .want_facets = want_facets,
                        .want_spelling = !is_suggest};
        if (is_staff)
            q.excludes[q.nexcludes++] = "Srascunho";
        kb_results_t *res = NULL;
        double a = s_now_ms ();
        kb_index_search (idx, &q, &res);
        ms[r] = s_now_ms () - a;
        kb_results_destroy (&res);
    }
    s_percentiles (what, ms, RUNS);
    free (ms);
}

/* speed: N generated articles, each about one passage's subject (70% of
 * its words from that passage, 30% from all: words keep their real
 * frequencies, and topics their own vocabulary), in the index at
 * index_path (reused when it already holds N), then FaQuAD's questions as
 * searches and, cut mid-word, as suggestions, as a customer would send
 * them (public, published). */
static int
s_speed (long n, const char *dir, const char *stopwords, int spelling, const char *index_path)
{
    char path[1024];
    passages_t ps = {0};
    questions_t qs = {0};
    snprintf (path, sizeof path, "%s/passages.jsonl", dir);
    if (s_jsonl (path, s_on_passage, &ps) <= 0) {
        printf ("balcao-kb-bench: no texts at %s: skipped\n", dir);
        return EXIT_SKIP;
    }
    snprintf (path, sizeof path, "%s/queries.jsonl", dir);
    s_jsonl (path, s_on_question, &qs);
    size_t cap = 1 << 16, nwords = 0;
    char **words = malloc (cap * sizeof *words);
    size_t *first = calloc ((size_t) ps.n + 1, sizeof *first); /* passage i's words */
    for (int i = 0; i < ps.n; i++) {
        first[i] = nwords;
        char *save = NULL;
        for (char *w = strtok_r (ps.items[i].text, " \t\n.,;:()\"'?!", &save); w;
             w = strtok_r (NULL, " \t\n.,;:()\"'?!", &save)) {
            if (nwords == cap)
                words = realloc (words, (cap *= 2) * sizeof *words);
            words[nwords++] = w;
        }
    }
    first[ps.n] = nwords;
    srand (42);
    /* Like kb: every article in one index, the public ones in another. */
    char tmp[64] = "", tmp_public[64] = "", public_path[1024];
    kb_index_t *idx = NULL, *pub = NULL;
    if (index_path) {
        char err[256];
        snprintf (public_path, sizeof public_path, "%s-public", index_path);
        idx = kb_index_open (index_path, err, sizeof err);
        pub = idx ? kb_index_open (public_path, err, sizeof err) : NULL;
        if (!pub) {
            fprintf (stderr, "balcao-kb-bench: %s\n", err);
            return 1;
        }
        kb_index_set_stopwords (idx, kb_stopwords_default);
        kb_index_set_stopwords (pub, kb_stopwords_default);
    }
    else {
        idx = s_open_index (tmp, sizeof tmp, stopwords);
        pub = idx ? s_open_index (tmp_public, sizeof tmp_public, stopwords) : NULL;
    }
    if (!pub)
        return 1;
    kb_index_set_spelling (idx, spelling);
    kb_index_set_spelling (pub, spelling);
    static const char *types[] = {"guia", "faq", "manual"};
    static const char *cats[] = {"acesso", "financeiro", "relatorios", "integracoes", "geral"};
    static const char *auds[] = {"publico", "interno"};
    char body[8192], title[512], id[32];
    /* Either index may be reused (--index): the articles are the same for
     * a given i (srand above), so an index is filled only when empty. */
    int fill_all = kb_index_count (idx) == 0, fill_public = kb_index_count (pub) == 0;
    long indexed = 0;
    double t0 = s_now_ms ();
    /* n public articles, and one internal one after every ten. */
    long total = n + n / 10;
    for (long i = 0; i < total && (fill_all || fill_public); i++) {
        int is_public = i % 11 != 10;
        title[0] = body[0] = 0;
        /* Each article is about one passage's subject: 70% of its words
         * come from that passage, the rest from all of them. */
        int topic = rand () % ps.n;
        size_t tfirst = first[topic], tn = first[topic + 1] - first[topic];
        for (int w = 0; w < 6 + 120; w++) {
            int is_topic = tn && rand () % 10 < 7;
            const char *word = is_topic ? words[tfirst + (size_t) rand () % tn]
                                        : words[(size_t) rand () % nwords];
            if (w < 6) {
                strcat (title, word);
                strcat (title, " ");
            }
            else if (w - 6 < 60 + (int) (i % 120) && strlen (body) < sizeof body - 64) {
                strcat (body, word);
                strcat (body, w % 15 == 14 ? ". " : " ");
            }
        }
        snprintf (id, sizeof id, "a%ld", i);
        char ftype[16], fcat[32], faud[16];
        snprintf (ftype, sizeof ftype, "T%s", types[i % 3]);
        snprintf (fcat, sizeof fcat, "C%s", cats[i % 5]);
        snprintf (faud, sizeof faud, "A%s", auds[!is_public]);
        kb_doc_t d = {.id = id, .title = title, .body = body, .language = "pt-BR",
                      .filters = {"Spublicado", ftype, fcat, faud}, .nfilters = 4,
                      .facets = {NULL, types[i % 3], cats[i % 5], auds[!is_public]}};
        if ((fill_all && kb_index_put (idx, &d))
            || (fill_public && is_public && kb_index_put (pub, &d))) {
            fprintf (stderr, "balcao-kb-bench: %s\n", kb_index_error (idx));
            return 1;
        }
        indexed += fill_all + (fill_public && is_public);
        if (i % 10000 == 9999) {
            kb_index_commit (idx);
            kb_index_commit (pub);
        }
    }
    kb_index_commit (idx);
    kb_index_commit (pub);
    double t1 = s_now_ms ();
    if (indexed)
        printf ("speed: %ld documents indexed in %.1f s: %.0f documents/s%s\n", indexed,
                (t1 - t0) / 1000, indexed / ((t1 - t0) / 1000),
                spelling ? " (with the spelling dictionary)" : "");
    printf ("%llu articles, %llu of them public; %d FaQuAD questions as queries (2,000 runs "
            "each)\n",
            (unsigned long long) kb_index_count (idx), (unsigned long long) kb_index_count (pub),
            qs.n);
    const char *only = getenv ("KB_BENCH_ONLY"); /* a prefix of the lines to run */
    static const struct {
        const char *what;
        int is_public, is_suggest, want_facets, is_short;
    } runs[] = {
        {"customer search, as kb runs it", 1, 0, 1, 0},
        {"customer search, no facets", 1, 0, 0, 0},
        {"customer search, last 3 words", 1, 0, 1, 1},
        {"agent search (every article)", 0, 0, 1, 0},
        {"agent search, last 3 words", 0, 0, 1, 1},
        {"customer suggest (5 hits)", 1, 1, 0, 0},
        {"customer suggest, last 3 words", 1, 1, 0, 1},
        {"agent suggest (5 hits)", 0, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
        if (!only || strncmp (runs[i].what, only, strlen (only)) == 0)
            s_time_queries (runs[i].is_public ? pub : idx, runs[i].what, &qs, runs[i].is_suggest,
                            runs[i].want_facets, runs[i].is_short, !runs[i].is_public);
    kb_index_close (&idx);
    kb_index_close (&pub);
    if (*tmp)
        s_remove (tmp);
    if (*tmp_public)
        s_remove (tmp_public);
    free (words);
    free (first);
    s_free_passages (&ps);
    s_free_questions (&qs);
    return 0;
}

static const char *
s_opt (int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int
s_has (int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], flag) == 0)
            return 1;
    return 0;
}

int
main (int argc, char **argv)
{
    const char *stopwords = NULL;
    double floor = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp (argv[i], "--stopwords") == 0)
            stopwords = argv[i + 1];
        else if (strcmp (argv[i], "--floor") == 0)
            floor = atof (argv[i + 1]);
    }
    if (argc >= 3 && strcmp (argv[1], "faquad") == 0)
        return s_faquad (argv[2], floor, stopwords, s_opt (argc, argv, "--index"));
    if (argc >= 5 && strcmp (argv[1], "helpdesk") == 0)
        return kb_bench_helpdesk (argv[2], argv[3], argv[4], argc, argv);
    if (argc >= 4 && strcmp (argv[1], "speed") == 0)
        return s_speed (atol (argv[2]), argv[3], stopwords, s_has (argc, argv, "--spelling"),
                        s_opt (argc, argv, "--index"));
    fprintf (stderr, "usage: balcao-kb-bench faquad DIR [--floor MRR] [--stopwords FILE] [--index PATH]\n"
                     "       balcao-kb-bench speed N DIR [--spelling] [--index PATH] [--stopwords FILE]\n"
                     "       balcao-kb-bench helpdesk QUERIES KB_DIR ZAMMAD_DIR [--check] [--verbose]\n");
    return 64;
}
