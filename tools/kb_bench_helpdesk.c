/* kb_bench_helpdesk: balcao-kb-bench's help-desk evaluation (issue 15).
 *
 *   balcao-kb-bench helpdesk QUERIES KB_DIR ZAMMAD_DIR [--check] [--verbose]
 *
 * Indexes the starter articles (the .md files of KB_DIR: front matter id, title, tags,
 * then the body) and the zammad pt-BR articles (ZAMMAD_DIR/articles.jsonl:
 * id, title, body) twice: as kb does (kb_index, spelling dictionary on) and
 * as plain Xapian does (kb_bench_bm25.cc; tags go with the body). Then runs
 * the queries (QUERIES: tests/data/kb-helpdesk/queries.tsv) as typed, with
 * every accent removed, and with one typo, and prints success@1, success@3
 * (a grade-2 article among the first 1 or 3) and MRR@10 (of the first
 * grade-2 article) for both rankings. kb's searches ask for the spelling
 * correction, as kb's search does.
 *
 * The typo is made by rule, not by hand, so that nobody picks the easy
 * ones: in the accent-free query, the longest word (the first of equal
 * length) of 4 or more letters gets one edit at its middle, by the query
 * number: a letter dropped, two letters swapped, a letter doubled, or a
 * letter replaced by its right-hand neighbour on a QWERTY keyboard.
 *
 * Then the confidence (kb_hit_t.coverage of the first hit) at thresholds
 * 0.30..0.90: how many queries still get their answer and how many of the
 * questions the articles do not answer (unanswerable.tsv beside QUERIES)
 * get nothing, as a search and as a suggestion while typing.
 *
 * --check exits 1 unless kb's ranking meets issue 15's targets (as typed
 * and without accents: success@1 >= 0.85, success@3 >= 0.97, and not below
 * plain BM25 on either; one typo loses at most 0.05 of success@1). A
 * missing ZAMMAD_DIR: exit 77. */
#include "kb_bench.h"
#include "kb_index.h"
#include "kb_stopwords.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#define EXIT_SKIP 77
#define MAX_REL 8

typedef struct {
    char *id, *title, *tags, *body;
} hd_article_t;

typedef struct {
    char *id, *text;
    char *rel[MAX_REL];
    int grade[MAX_REL], nrel;
} hd_query_t;

typedef struct {
    hd_article_t *a;
    int n, cap;
} hd_articles_t;

typedef struct {
    hd_query_t *q;
    int n, cap;
} hd_queries_t;

static void
s_add_article (hd_articles_t *as, const char *id, const char *title, const char *tags,
               const char *body)
{
    if (as->n == as->cap) {
        as->cap = as->cap ? as->cap * 2 : 64;
        as->a = realloc (as->a, (size_t) as->cap * sizeof *as->a);
    }
    hd_article_t *a = &as->a[as->n++];
    a->id = strdup (id);
    a->title = strdup (title ? title : "");
    a->tags = strdup (tags ? tags : "");
    a->body = strdup (body ? body : "");
}

/* One starter article: "---", key: value lines, "---", the body. */
static void
s_read_markdown (hd_articles_t *as, const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return;
    char line[4096], id[4096] = "", title[4096] = "", tags[4096] = "";
    size_t cap = 1 << 16, len = 0;
    char *body = calloc (1, cap);
    int dashes = 0;
    while (fgets (line, sizeof line, f)) {
        if (dashes < 2) {
            if (strncmp (line, "---", 3) == 0) {
                dashes++;
                continue;
            }
            line[strcspn (line, "\n")] = 0;
            if (strncmp (line, "id: ", 4) == 0)
                snprintf (id, sizeof id, "%s", line + 4);
            else if (strncmp (line, "title: ", 7) == 0)
                snprintf (title, sizeof title, "%s", line + 7);
            else if (strncmp (line, "tags: ", 6) == 0)
                snprintf (tags, sizeof tags, "%s", line + 6);
            continue;
        }
        size_t l = strlen (line);
        if (len + l + 1 >= cap)
            body = realloc (body, cap *= 2);
        memcpy (body + len, line, l + 1);
        len += l;
    }
    fclose (f);
    if (*id)
        s_add_article (as, id, title, tags, body);
    free (body);
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
s_load_articles (hd_articles_t *as, const char *kb_dir, const char *zammad)
{
    DIR *d = opendir (kb_dir);
    char *names[256];
    int nnames = 0;
    for (struct dirent *e; d && (e = readdir (d)) && nnames < 256;) {
        size_t l = strlen (e->d_name);
        if (l > 3 && strcmp (e->d_name + l - 3, ".md") == 0)
            names[nnames++] = strdup (e->d_name);
    }
    if (d)
        closedir (d);
    qsort (names, (size_t) nnames, sizeof *names, s_cmp_str);
    char path[1024];
    for (int i = 0; i < nnames; i++) {
        snprintf (path, sizeof path, "%s/%s", kb_dir, names[i]);
        s_read_markdown (as, path);
        free (names[i]);
    }
    snprintf (path, sizeof path, "%s/articles.jsonl", zammad);
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline (&line, &cap, f) > 0) {
        json_t *o = json_loads (line, 0, NULL);
        if (!o)
            continue;
        const char *id = json_string_value (json_object_get (o, "id"));
        if (id)
            s_add_article (as, id, json_string_value (json_object_get (o, "title")), NULL,
                           json_string_value (json_object_get (o, "body")));
        json_decref (o);
    }
    free (line);
    fclose (f);
    return 0;
}

/* Lines "id TAB text [TAB id:grade ...]"; '#' starts a comment line. */
static int
s_load_queries (hd_queries_t *qs, const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    char line[2048];
    while (fgets (line, sizeof line, f)) {
        line[strcspn (line, "\r\n")] = 0;
        if (!*line || *line == '#')
            continue;
        char *save = NULL, *id = strtok_r (line, "\t", &save), *text = strtok_r (NULL, "\t", &save);
        char *rel = strtok_r (NULL, "\t", &save);
        if (!id || !text)
            continue;
        if (qs->n == qs->cap) {
            qs->cap = qs->cap ? qs->cap * 2 : 128;
            qs->q = realloc (qs->q, (size_t) qs->cap * sizeof *qs->q);
        }
        hd_query_t *q = &qs->q[qs->n++];
        memset (q, 0, sizeof *q);
        q->id = strdup (id);
        q->text = strdup (text);
        char *s2 = NULL;
        for (char *r = rel ? strtok_r (rel, " ", &s2) : NULL; r && q->nrel < MAX_REL;
             r = strtok_r (NULL, " ", &s2)) {
            char *colon = strrchr (r, ':');
            q->grade[q->nrel] = colon ? atoi (colon + 1) : 2;
            if (colon)
                *colon = 0;
            q->rel[q->nrel++] = strdup (r);
        }
    }
    fclose (f);
    return 0;
}

/* The query with one typo (see the top of the file); n: its number. */
char *
kb_bench_typo (const char *text, int n)
{
    static const char *rows[] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
    char *s = kb_bench_strip_accents (text);
    size_t best = 0, best_len = 0, len = strlen (s);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    if (best_len < 4)
        return s;
    size_t at = best + best_len / 2;
    char *out = calloc (1, len + 2);
    memcpy (out, s, at);
    switch (n % 4) {
    case 0: /* dropped */
        strcpy (out + at, s + at + 1);
        break;
    case 1: /* swapped with the one before */
        strcpy (out + at - 1, s + at - 1);
        out[at - 1] = s[at];
        out[at] = s[at - 1];
        break;
    case 2: /* doubled */
        out[at] = s[at];
        strcpy (out + at + 1, s + at);
        break;
    default: { /* the key to its right */
        char c = s[at];
        for (int r = 0; r < 3; r++) {
            const char *p = strchr (rows[r], c | 0x20);
            if (p)
                c = p[1] ? p[1] : p[-1];
        }
        out[at] = c;
        strcpy (out + at + 1, s + at + 1);
    }
    }
    free (s);
    return out;
}

typedef struct {
    double s1, s3, mrr;
} hd_quality_t;

/* The rank (0-based) of the first grade-2 article among ids, or -1. */
static int
s_rank (const hd_query_t *q, char **ids, int n)
{
    for (int k = 0; k < n; k++)
        for (int r = 0; r < q->nrel; r++)
            if (q->grade[r] >= 2 && strcmp (ids[k], q->rel[r]) == 0)
                return k;
    return -1;
}

enum { AS_TYPED, NO_ACCENTS, ONE_TYPO };

static char *
s_variant (const hd_query_t *q, int variant, int n)
{
    return variant == AS_TYPED ? strdup (q->text)
           : variant == NO_ACCENTS ? kb_bench_strip_accents (q->text)
                                   : kb_bench_typo (q->text, n);
}

/* kb's ranking of text: ids into ids (at most 10). */
static int
s_ours (kb_index_t *idx, const char *text, char **ids)
{
    kb_query_t query = {.text = text, .limit = 10, .want_spelling = 1};
    kb_results_t *r = NULL;
    int n = 0;
    if (kb_index_search (idx, &query, &r) == 0)
        for (int k = 0; k < r->nhits && k < 10; k++)
            ids[n++] = strdup (r->hits[k].id);
    kb_results_destroy (&r);
    return n;
}

static hd_quality_t
s_evaluate (kb_index_t *idx, kb_bench_bm25_t *bm25, hd_queries_t *qs, int variant, int verbose)
{
    hd_quality_t out = {0, 0, 0};
    for (int i = 0; i < qs->n; i++) {
        char *text = s_variant (&qs->q[i], variant, i), *ids[10];
        int n = idx ? s_ours (idx, text, ids) : kb_bench_bm25_search (bm25, text, ids, 10);
        int k = s_rank (&qs->q[i], ids, n > 0 ? n : 0);
        if (verbose && k != 0)
            printf ("    %s %-45s rank %d (first: %s)\n", qs->q[i].id, text, k < 0 ? -1 : k + 1,
                    n > 0 ? ids[0] : "-");
        out.s1 += k == 0;
        out.s3 += k >= 0 && k < 3;
        out.mrr += k >= 0 ? 1.0 / (k + 1) : 0;
        for (int j = 0; j < n; j++)
            free (ids[j]);
        free (text);
    }
    if (qs->n) {
        out.s1 /= qs->n;
        out.s3 /= qs->n;
        out.mrr /= qs->n;
    }
    return out;
}

/* The first hit's coverage (0: no hit) and whether it is a right answer. */
static double
s_confidence (kb_index_t *idx, const hd_query_t *q, const char *text, int is_partial,
              int *is_right)
{
    kb_query_t query = {.text = text, .limit = is_partial ? 5 : 1, .is_partial = is_partial};
    kb_results_t *r = NULL;
    double c = 0;
    *is_right = 0;
    if (kb_index_search (idx, &query, &r) == 0 && r->nhits) {
        c = r->hits[0].coverage;
        char *ids[1] = {r->hits[0].id};
        *is_right = q && s_rank (q, ids, 1) == 0;
    }
    kb_results_destroy (&r);
    return c;
}

/* How many answers the threshold keeps and how many junk answers it drops. */
static void
s_thresholds (kb_index_t *idx, hd_queries_t *qs, hd_queries_t *junk, int verbose)
{
    enum { STEPS = 7 };
    int kept[STEPS] = {0}, kept_typing[STEPS] = {0}, refused[STEPS] = {0},
        refused_typing[STEPS] = {0}, right = 0, right_typing = 0;
    for (int i = 0; i < qs->n; i++) {
        int is_right, is_right_typing;
        double c = s_confidence (idx, &qs->q[i], qs->q[i].text, 0, &is_right);
        double t = s_confidence (idx, &qs->q[i], qs->q[i].text, 1, &is_right_typing);
        right += is_right;
        right_typing += is_right_typing;
        for (int s = 0; s < STEPS; s++) {
            kept[s] += is_right && c >= 0.3 + 0.1 * s;
            kept_typing[s] += is_right_typing && t >= 0.3 + 0.1 * s;
        }
    }
    for (int i = 0; i < junk->n; i++) {
        int is_right;
        double c = s_confidence (idx, NULL, junk->q[i].text, 0, &is_right);
        double t = s_confidence (idx, NULL, junk->q[i].text, 1, &is_right);
        if (verbose)
            printf ("    %s %-32s confidence %.2f, as a suggestion %.2f\n", junk->q[i].id,
                    junk->q[i].text, c, t);
        for (int s = 0; s < STEPS; s++) {
            refused[s] += c < 0.3 + 0.1 * s;
            refused_typing[s] += t < 0.3 + 0.1 * s;
        }
    }
    printf ("\nconfidence (first hit's coverage): %d right first answers of %d (%d as "
            "suggestions); %d questions the articles do not answer\n",
            right, qs->n, right_typing, junk->n);
    printf ("             search                         suggestion\n");
    printf ("  threshold  right kept  unanswerable refused  right kept  unanswerable refused\n");
    for (int s = 0; s < STEPS; s++)
        printf ("  %9.2f  %10d  %20d  %10d  %20d\n", 0.3 + 0.1 * s, kept[s], refused[s],
                kept_typing[s], refused_typing[s]);
}

static void
s_free_queries (hd_queries_t *qs)
{
    for (int i = 0; i < qs->n; i++) {
        free (qs->q[i].id);
        free (qs->q[i].text);
        for (int r = 0; r < qs->q[i].nrel; r++)
            free (qs->q[i].rel[r]);
    }
    free (qs->q);
}

int
kb_bench_helpdesk (const char *queries, const char *kb_dir, const char *zammad, int argc,
                   char **argv)
{
    int check = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        check |= strcmp (argv[i], "--check") == 0;
        verbose |= strcmp (argv[i], "--verbose") == 0;
    }
    hd_articles_t as = {0};
    hd_queries_t qs = {0}, junk = {0};
    if (s_load_articles (&as, kb_dir, zammad)) {
        printf ("balcao-kb-bench: no zammad articles at %s: skipped\n", zammad);
        return EXIT_SKIP;
    }
    if (s_load_queries (&qs, queries) || qs.n == 0) {
        fprintf (stderr, "balcao-kb-bench: cannot read the queries at %s\n", queries);
        return 1;
    }
    char junk_path[1024];
    snprintf (junk_path, sizeof junk_path, "%s", queries);
    char *slash = strrchr (junk_path, '/');
    snprintf (slash ? slash + 1 : junk_path, sizeof junk_path - (size_t) (slash ? slash + 1 - junk_path : 0),
              "unanswerable.tsv");
    s_load_queries (&junk, junk_path);
    char dir[] = "/tmp/balcao-kb-helpdesk-XXXXXX", path[512], err[256];
    if (!mkdtemp (dir))
        return 1;
    snprintf (path, sizeof path, "%s/kb", dir);
    kb_index_t *idx = kb_index_open (path, err, sizeof err);
    snprintf (path, sizeof path, "%s/bm25", dir);
    kb_bench_bm25_t *bm25 = kb_bench_bm25_new (path);
    if (!idx || !bm25) {
        fprintf (stderr, "balcao-kb-bench: cannot open the indexes in %s\n", dir);
        return 1;
    }
    kb_index_set_stopwords (idx, kb_stopwords_default);
    kb_index_set_spelling (idx, 1);
    for (int i = 0; i < as.n; i++) {
        hd_article_t *a = &as.a[i];
        kb_doc_t d = {.id = a->id, .title = a->title, .tags = a->tags, .body = a->body,
                      .language = "pt-BR"};
        size_t blen = strlen (a->body) + strlen (a->tags) + 2;
        char *body = malloc (blen);
        snprintf (body, blen, "%s\n%s", a->tags, a->body);
        if (kb_index_put (idx, &d) || kb_bench_bm25_add (bm25, a->id, a->title, body)) {
            fprintf (stderr, "balcao-kb-bench: cannot index %s\n", a->id);
            return 1;
        }
        free (body);
    }
    kb_index_commit (idx);
    kb_bench_bm25_commit (bm25);
    printf ("help-desk set: %d queries over %d articles\n", qs.n, as.n);
    printf ("                              success@1  success@3  MRR@10\n");
    static const char *variants[] = {"as typed", "accents removed", "one typo"};
    hd_quality_t ours[3], plain[3];
    for (int v = 0; v < 3; v++) {
        if (verbose)
            printf ("  kb misses, %s:\n", variants[v]);
        ours[v] = s_evaluate (idx, NULL, &qs, v, verbose);
        plain[v] = s_evaluate (NULL, bm25, &qs, v, 0);
    }
    for (int v = 0; v < 3; v++)
        printf ("  kb, %-16s          %9.3f  %9.3f  %6.3f\n", variants[v], ours[v].s1, ours[v].s3,
                ours[v].mrr);
    for (int v = 0; v < 3; v++)
        printf ("  plain BM25, %-16s  %9.3f  %9.3f  %6.3f\n", variants[v], plain[v].s1,
                plain[v].s3, plain[v].mrr);
    if (junk.n)
        s_thresholds (idx, &qs, &junk, verbose);
    int failed = 0;
    for (int v = 0; v < 2 && check; v++) {
        if (ours[v].s1 < 0.85 || ours[v].s3 < 0.97 || ours[v].s1 < plain[v].s1
            || ours[v].s3 < plain[v].s3 || ours[v].mrr < plain[v].mrr) {
            printf ("FAIL: %s below the targets or below plain BM25\n", variants[v]);
            failed = 1;
        }
    }
    if (check && ours[0].s1 - ours[2].s1 > 0.05) {
        printf ("FAIL: one typo loses more than 0.05 of success@1\n");
        failed = 1;
    }
    kb_index_close (&idx);
    kb_bench_bm25_destroy (&bm25);
    char cmd[600];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
        fprintf (stderr, "balcao-kb-bench: could not remove %s\n", dir);
    for (int i = 0; i < as.n; i++) {
        free (as.a[i].id);
        free (as.a[i].title);
        free (as.a[i].tags);
        free (as.a[i].body);
    }
    free (as.a);
    s_free_queries (&qs);
    s_free_queries (&junk);
    return failed;
}
