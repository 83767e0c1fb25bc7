/* kb_index: a Xapian full-text index behind a C API (the only C++ in Balcão
 * is kb_index.cc). kb keeps two: articles and tickets.
 *
 * How words become terms (the same at index and query time). What a word
 * is, kb_text.h says: letters and digits with their marks, never a mark
 * or an emoji alone; a word that folds to nothing, or to more than 64
 * bytes, is none.
 *   fold(w)  = casefold, strip accents and invisible characters (utf8proc)
 *   key(w)   = fold (stem_pt (accentify (fold (w))))
 * where accentify puts back the accents of the Portuguese suffixes the
 * Snowball stemmer keys on (-ção/-ções, -ão/-ões/-ães, -ável/-ível,
 * -ência/-ância and a few verb endings). key depends only on fold(w), so a
 * word typed with or without accents gives the same term; stemming the
 * re-accented word keeps singular and plural together ("solicitações",
 * "solicitacoes", "solicitação" and "solicitacao" all give "solicit").
 * A few words the stemmer keys wrong take a key of their own ("chamado", a
 * ticket, is not "chamadas", phone calls; "clique" is "clicar").
 * Documents in English use the English stemmer under prefix "E"; a query
 * word looks for both. Stopwords are dropped, synonyms widen a query word
 * (Xapian OP_SYNONYM) or a phrase of several ("textos prontos": módulos de
 * texto), and title, tags and body words count with their own weights. The
 * synonyms of data/kb/synonyms.txt are built in (kb_synonyms.h); groups
 * added with kb_index_add_synonyms come on top.
 *
 * Boolean terms (filters) and value slots are the caller's: kb_server.c
 * says which. Every function returns 0 (or a count) on success and -1 on a
 * Xapian error, whose description kb_index_error gives.
 *
 * No term is ever empty or longer than Xapian takes (245 bytes): a word's
 * terms are far shorter; a filter too long is left out of the document (a
 * query with it finds nothing), and a document whose id is too long is
 * refused before Xapian sees it. */
#ifndef KB_INDEX_H
#define KB_INDEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kb_index_t kb_index_t;

#define KB_MAX_FILTERS 8
#define KB_SLOTS 4 /* value slots 1..KB_SLOTS-1 are facets; slot 0 is time */

typedef struct {
    const char *id;           /* unique; the id term is "Q" + id */
    const char *title;        /* may be NULL */
    const char *tags;         /* words, any separator; may be NULL */
    const char *body;         /* plain text or Markdown; may be NULL */
    const char *private_text; /* matched only when a query allows it */
    const char *language;     /* "en..." uses the English stemmer */
    const char *filters[KB_MAX_FILTERS]; /* boolean terms, e.g. "Apublico" */
    int nfilters;
    const char *facets[KB_SLOTS]; /* facets[1..]: value slots; [0] unused */
    int64_t time_us;              /* value slot 0, for time windows */
    /* The caller keeps the body's text (tickets: kb's record in LMDB): the
     * document's data holds the id and title only, so searches give no
     * snippet of it, and kb_index_shared_words takes it from the caller. */
    int is_text_kept_elsewhere;
} kb_doc_t;

typedef struct {
    const char *text;
    const char *filters[KB_MAX_FILTERS]; /* all required */
    int nfilters;
    const char *excludes[KB_MAX_FILTERS]; /* boolean terms none may have */
    int nexcludes;
    const char *exclude_id; /* leave this document out (NULL: none) */
    int include_private;    /* match private_text too (agents) */
    int is_partial;         /* the last word is still being typed */
    int offset, limit;
    int snippet_chars; /* > 0: a highlighted snippet of about this size */
    int want_facets;   /* count values of slots 1..KB_SLOTS-1 */
    /* Words the index does not know are corrected from the spelling
     * dictionary: the results of the corrected query replace the typed
     * one's when they are much better (kb_results_t.corrected), else the
     * correction is offered when the results are poor (.spelling). */
    int want_spelling;
    int is_as_typed; /* a correction is only offered, never searched */
    int64_t min_time_us, max_time_us; /* both 0: no time window */
    /* kb_index_similar: the newest documents sharing any of the 8 most
     * telling terms, unranked (cheap even when thousands match), instead of
     * the best matches for the 16 most telling. */
    int is_recent_first;
    int is_ids_only; /* hits with their id alone (no title, no data read) */
} kb_query_t;

typedef struct {
    char *id;
    char *title;
    double score;
    /* The share of the query's words this document matches, each word
     * weighted by its idf (an unknown word weighs the most; a word in more
     * than half of a large index is left out), 0..1. kb_index_search
     * computes it for the first hit of the page only (the bot's confidence,
     * the gaps' test): 0 for the others. */
    double coverage;
    char *snippet; /* HTML-escaped text with <mark>…</mark>, or NULL */
} kb_hit_t;

typedef struct {
    int slot;
    char *value;
    unsigned count;
} kb_facet_t;

typedef struct {
    kb_hit_t *hits;
    int nhits;
    uint64_t estimated;
    kb_facet_t *facets;
    int nfacets;
    int facets_estimated; /* counts scaled from the matches looked at */
    char *spelling;  /* "Você quis dizer": the corrected query, or NULL */
    /* "Mostrando resultados para": the corrected query whose results these
     * are (the query as typed found nothing, or far less), or NULL; then
     * spelling is NULL. Only with kb_query_t.want_spelling. */
    char *corrected;
    int nterms;      /* query words that were searched (not stopwords) */
} kb_results_t;

/* Opens (creating) the index in directory path. NULL with a sentence in err
 * on failure. */
kb_index_t *kb_index_open (const char *path, char *err, size_t err_size);
void kb_index_close (kb_index_t **self_p);

/* The stopword list: words separated by white space; lines starting with
 * '#' are comments. Replaces any previous list. */
void kb_index_set_stopwords (kb_index_t *self, const char *text);
/* A group of words (separated by commas) that mean the same: a query for
 * any of them finds the others; a member of several words counts when the
 * query has them side by side. */
void kb_index_add_synonyms (kb_index_t *self, const char *group);
/* How much a word counts in the title, the tags and the body (defaults 3, 2,
 * 1). */
void kb_index_set_weights (kb_index_t *self, int title, int tags, int body);
/* Whether words are added to the spelling dictionary (articles: yes), as
 * written and without accents. */
void kb_index_set_spelling (kb_index_t *self, int is_on);

/* Adds or replaces the document with doc->id. Idempotent. -1 with nothing
 * changed (the batch keeps its other changes) when the id is empty or
 * longer than 244 bytes. */
int kb_index_put (kb_index_t *self, const kb_doc_t *doc);
/* Removes the document (no error if absent). */
int kb_index_delete (kb_index_t *self, const char *id);
/* Makes what was indexed durable (and ends a batch). */
int kb_index_commit (kb_index_t *self);
/* A batch begins: the changes until kb_index_commit are one transaction,
 * none of them durable before it, and kb_index_cancel drops them all
 * (nothing of a batch whose LMDB transaction aborted stays behind). */
void kb_index_begin (kb_index_t *self);
void kb_index_cancel (kb_index_t *self);
/* Whether anything changed since the last commit. */
int kb_index_changed (kb_index_t *self);
/* Records, with the changes, the batch's number (kb's, also kept in LMDB)
 * and the ids it put or deleted: should the index be committed and LMDB
 * not, kb finds at start an index ahead of its records, and which
 * documents to take again from them. */
int kb_index_mark (kb_index_t *self, uint64_t batch);
/* The last batch recorded (0: none) and its ids, one a line (free it; NULL
 * on error). */
char *kb_index_marked (kb_index_t *self, uint64_t *batch);
/* How many documents the index holds. */
uint64_t kb_index_count (kb_index_t *self);

/* Loads what searches keep in memory (each document's facet values and
 * length), which the first search would otherwise load: 20-30 ms at
 * 100,000 documents. -1 on error (kb_index_error). */
int kb_index_warm (kb_index_t *self);

/* The term scheme: how words became terms (this code's version of it, the
 * stopwords, the field weights). An index built under another scheme must
 * be rebuilt. Bump KB_INDEX_SCHEME with any change to key(), the tokens or
 * the terms a document gets. */
#define KB_INDEX_SCHEME 4
/* The scheme of the current settings, and the one the index was built with
 * ("" when it does not say: older than schemes, or new). Free both. */
char *kb_index_scheme_wanted (kb_index_t *self);
char *kb_index_scheme (kb_index_t *self);
/* Records the scheme (durable at the next commit). */
int kb_index_set_scheme (kb_index_t *self, const char *scheme);
/* Empties the index: every document, the spelling dictionary, metadata. */
int kb_index_clear (kb_index_t *self);

/* Compaction. Xapian's B-trees fill only in part as documents come and are
 * replaced (a ticket is indexed again at each message and status change):
 * a compacted copy of the same documents takes about two thirds of the
 * space. kb_index_compact writes one (Xapian's Database::compact: same
 * documents, docids, statistics and metadata, so every search answers the
 * same) beside the index and swaps it in: a crash at any moment leaves a
 * usable index, as kb_index_open finishes or undoes an interrupted swap.
 * Between batches only (nothing uncommitted); searches wait meanwhile (it
 * runs on the caller's thread). -1 on error (kb_index_error), the index as
 * it was; should it not reopen after the swap, it is closed and every
 * later call fails. What searches keep in memory is loaded again. */
int kb_index_compact (kb_index_t *self);
/* The bytes the index's files take now, and right after its last
 * compaction (0: never compacted; kept in its metadata). */
uint64_t kb_index_bytes (kb_index_t *self);
uint64_t kb_index_compacted_bytes (kb_index_t *self);

/* Runs a query. *out is set on success; free it with kb_results_destroy. */
int kb_index_search (kb_index_t *self, const kb_query_t *query, kb_results_t **out);
/* Documents like document id (its most telling terms as a query), with the
 * query's filters and time window; id itself is left out. */
int kb_index_similar (kb_index_t *self, const char *id, const kb_query_t *query,
                      kb_results_t **out);
/* How alike two documents are, 0..1: the words they share over the
 * geometric mean of their word counts (public words; those in more than
 * half of an index of 100 or more documents do not count). 0 when either is
 * absent. */
double kb_index_similarity (kb_index_t *self, const char *id_a, const char *id_b);
/* The terms all the documents share, most telling first, as words people
 * read (the first form found in the first document's text: its title and
 * body as given, or, both NULL, as its data holds them), at most max.
 * Returns how many were written to words[] (free each). */
int kb_index_shared_words (kb_index_t *self, const char *const *ids, int nids,
                           const char *first_title, const char *first_body, char **words,
                           int max);
/* A short plain-text excerpt of text around the words of query: the
 * sentence(s) that match most, at most max_chars. Free the result. */
char *kb_index_excerpt (kb_index_t *self, const char *text, const char *query, int max_chars);
void kb_results_destroy (kb_results_t **self_p);

/* The key of one word (see above), for tests. Free the result. */
char *kb_index_key (kb_index_t *self, const char *word);
/* The last error, for logs. */
const char *kb_index_error (kb_index_t *self);

#ifdef __cplusplus
}
#endif
#endif
