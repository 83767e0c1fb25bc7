/* kb_bench: the parts balcao-kb-bench's files share. The plain Xapian
 * baseline (kb_bench_bm25.cc) and the help-desk evaluation
 * (kb_bench_helpdesk.c). */
#ifndef KB_BENCH_H
#define KB_BENCH_H

#ifdef __cplusplus
extern "C" {
#endif

/* Plain BM25: Xapian's TermGenerator and QueryParser with the Portuguese
 * stemmer, default BM25Weight, OR of the query's words; none of kb's term
 * scheme. An index at path (overwritten). NULL on a Xapian error. */
typedef struct kb_bench_bm25_t kb_bench_bm25_t;
kb_bench_bm25_t *kb_bench_bm25_new (const char *path);
void kb_bench_bm25_destroy (kb_bench_bm25_t **self_p);
int kb_bench_bm25_add (kb_bench_bm25_t *self, const char *id, const char *title, const char *body);
int kb_bench_bm25_commit (kb_bench_bm25_t *self);
/* The ids of the best max documents for text, best first, into ids (free
 * each). Returns how many, -1 on error. */
int kb_bench_bm25_search (kb_bench_bm25_t *self, const char *text, char **ids, int max);

/* s without its accents (utf8proc: decomposed, marks stripped). Free the
 * result. */
char *kb_bench_strip_accents (const char *s);

/* text with one typo, by rule (kb_bench_helpdesk.c says which); n: the
 * query's number. Free the result. */
char *kb_bench_typo (const char *text, int n);

/* balcao-kb-bench helpdesk: see kb_bench_helpdesk.c. */
int kb_bench_helpdesk (const char *queries, const char *kb_dir, const char *zammad,
                       int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
