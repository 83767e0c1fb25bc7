/* kb_index_internal: what the C++ files of kb's index share (C++ only, never
 * included from C). The index (kb_index_t) with what it holds: the
 * documents' facets and lengths in memory (doc_table_t), word keys
 * (keyer_t), the second reader thread (helper_t) and the parts of a query's
 * second pass (part_t). Its methods are defined where their job is:
 *   kb_index.cc         open, settings, words to keys, documents in,
 *                       batches, the scheme, the C API's small calls
 *   kb_index_query.cc   a query's text to a Xapian query; snippets
 *   kb_index_search.cc  search (two passes, facets, corrections),
 *                       similar documents, shared words, excerpts
 *   kb_index_helper.cc  the second reader thread
 *   kb_index_compact.cc the index rewritten compacted and swapped in
 * Exceptions are caught at the C API's border: none crosses into C. */
#ifndef KB_INDEX_INTERNAL_H
#define KB_INDEX_INTERNAL_H

#ifndef __cplusplus
#error "kb_index_internal.h is C++: kb_index*.cc's"
#endif

#include "kb_index.h"
#include "kb_text.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <xapian.h>

inline char *
s_dup (const std::string &s)
{
    return strdup (s.c_str ());
}

// Whether Xapian takes term: not empty, at most KB_TEXT_MAX_TERM bytes.
// It throws otherwise, and a throw while it stores a document drops every
// change not yet committed: the whole batch.
inline bool
s_is_term (const std::string &term)
{
    return !term.empty () && term.size () <= KB_TEXT_MAX_TERM;
}

// The value slot with the document's id: read without its data.
const Xapian::valueno s_id_slot = KB_SLOTS;

// How many candidates beyond the page asked for the boosts re-rank (FaQuAD
// MRR@10: 0.906 with none, 0.909 with 5, 10 or 20; fewer candidates, less
// matching).
const int s_rerank_extra = 10;

// One part of the query as the second pass weighs it (s_reranked): a word
// (its key, English key, private key, synonyms), a frequent word, a pair,
// a word as written. It matches a document by any of its alternatives; an
// alternative needs each of its words (a synonym may be several), and a
// word any of its forms. Terms are indexes into the query's sorted list of
// terms (kb_index_t.terms); wdfs add up, as in Xapian's OP_SYNONYM.
struct part_t {
    std::vector<std::vector<std::vector<size_t>>> alts;
    double factor = 1;            // OP_SCALE_WEIGHT's
    Xapian::doccount df = 0;      // estimated as Xapian estimates OR and AND
    double termweight = 0;        // BM25's, set by s_reranked

    // The part's wdf in a document whose wdf of term i is wdf[i].
    Xapian::termcount wdf_in (const std::vector<Xapian::termcount> &wdf) const;
};

// What searches need of every document, in memory: its facet values
// (slots 1..KB_SLOTS-1; a match spy reading them from Xapian's value
// streams took longer than the match itself, docs/benchmarks.md) and its
// length (the second pass weighs candidates with it: a B-tree lookup each
// otherwise). Loaded on the first search, then kept up to date by put and
// delete.
struct doc_table_t {
    bool is_loaded = false;
    std::vector<std::array<uint16_t, KB_SLOTS>> of; // by docid; code 0: none
    std::vector<Xapian::termcount> length;           // by docid
    std::vector<std::string> names[KB_SLOTS];       // code -> value
    std::unordered_map<std::string, uint16_t> codes[KB_SLOTS];

    // The code of a slot's value (0: none), given on first sight.
    uint16_t code (int slot, const std::string &value);
    // Document did's codes, the table grown to hold it.
    std::array<uint16_t, KB_SLOTS> &at (Xapian::docid did);
    // A document put: its facet values and length (once loaded).
    void set (Xapian::docid did, const char *const *values, Xapian::termcount len);
    // A document deleted.
    void clear (Xapian::docid did);
    // Reads every document's values and length, the first time.
    void load (const Xapian::Database &db);
    Xapian::termcount length_of (Xapian::docid did) const;
};

// key (w) from fold (w) (kb_index.h), remembered. One per thread: neither
// Xapian's stemmer nor the cache is to be shared between threads.
struct keyer_t {
    Xapian::Stem stem{"portuguese"};
    std::unordered_map<std::string, std::string> cache;

    const std::string &key (const std::string &folded);
};

// A second reader of the index, on a thread of its own: after the match,
// most of a search's time goes to reading the candidates' term lists and
// the hits' data (a B-tree lookup and a zlib inflate each), which two
// threads share (kb_index_t.each). Xapian objects are never shared between
// threads: the helper has its own Database, reopened to the revision the
// index last committed; with changes not yet committed, it does not help.
class helper_t {
    std::string path;
    std::thread thread;
    std::mutex m;
    std::condition_variable cv;
    std::function<void (Xapian::Database &)> job;
    uint64_t job_run = 0;
    // Run n's state, 4 n + 0 posted, 1 running, 2 done (or not to run):
    // a run the caller stopped waiting for never starts late.
    std::atomic<uint64_t> state{2};
    std::atomic<bool> has_job{false};
    bool quit = false, is_woken = false;
    std::unique_ptr<Xapian::Database> db;

    void loop ();

  public:
    // Wakes the thread: a job follows shortly (a search's match is under
    // way), and a sleeping thread takes a while to wake.
    void wake ();

    explicit helper_t (const std::string &p);
    ~helper_t ();

    // Runs work on the helper's thread (with its Database, at revision
    // rev) and on the caller's (with own), and returns when both are done.
    // When the helper has not started by the time the caller is done, it
    // does not start at all.
    void run (Xapian::Database &own, Xapian::rev rev, const std::function<void (Xapian::Database &)> &work);
};

struct kb_index_t {
    Xapian::WritableDatabase db;
    std::string path;
    std::string stopwords_text; // as set, for the scheme
    keyer_t keyer; // this thread's (the searching one)
    Xapian::Stem stem_en{"english"};
    std::string error;
    bool dirty = false;
    // A batch (kb_index_begin): its changes are one Xapian transaction,
    // kept apart from what is committed until kb_index_commit, dropped by
    // kb_index_cancel; touched: the ids it put or deleted (kb_index_mark).
    bool in_batch = false, in_transaction = false;
    std::set<std::string> touched;
    bool spelling = false;
    int w_title = 3, w_tags = 2, w_body = 1;
    std::unordered_set<std::string> stopwords; // folded
    // key -> the other members of its synonym groups, each a list of keys
    std::unordered_map<std::string, std::vector<std::vector<std::string>>> synonyms;
    // Members of several words ("textos prontos"): when a query has their
    // keys side by side, the other members of the group are looked for too.
    struct phrase_t {
        std::vector<std::string> keys;
        std::vector<std::vector<std::string>> others;
    };
    std::vector<phrase_t> phrases;
    // Whether the built-in groups (data/kb/synonyms.txt) were added: at the
    // first search, when the stopwords are set.
    bool has_default_synonyms = false;

    // Adds the built-in groups, once.
    void default_synonyms ();
    std::unordered_map<std::string, std::string> en_cache;
    doc_table_t docs;

    // What it remembers of the documents: docids, term frequencies, word
    // sets, facet codes and lengths (reloaded by the next search).
    void forget ();

    // Before any change: opens the batch's transaction, notes the id.
    void changing (const std::string &id);

    // key(w) from fold(w) (kb_index.h).
    const std::string &key (const std::string &folded);
    // The English key: "E" + the English stem.
    const std::string &en_key (const std::string &folded);
    bool is_stopword (const std::string &folded) const;

    // Adds text's terms to doc, each weight times a word: keys (English
    // ones when is_en) under prefix, and, unprefixed, pairs of neighbouring
    // words and words as written (and the spelling dictionary's words).
    void index_text (Xapian::Document &doc, const std::string &text, int weight, bool is_en,
                     const char *prefix);

    // The terms a query word stands for: its key, its English key, its
    // private key when allowed, and the same for each synonym.
    // Only terms the index has go into a query: a word's group is then
    // often a single term, which the matcher handles fastest.
    // Terms in more than max_df documents are left out too: in a large
    // index they weigh almost nothing (BM25's idf) and cost the most.
    Xapian::doccount max_df = 0;
    // Words in more than frequent_df documents (a fifth of an index of
    // 1,000 or more) do not look for candidates: they only re-rank the
    // candidates the other words found, like pairs (their posting lists
    // are the longest and their weight small).
    Xapian::doccount frequent_df = 0;

    // Term frequencies, remembered until the index changes: a query asks
    // for several terms per word, each a B-tree lookup (a pread).
    std::unordered_map<std::string, Xapian::doccount> df_cache;

    Xapian::doccount termfreq (const std::string &term);

    // Whether term is worth searching: a term the index has (never an
    // empty one, Xapian's "every document"), and not in too many documents.
    bool is_useful (const std::string &term);

    // The terms of the query being built, per word, for kb_hit_t.coverage.
    struct word_terms_t {
        std::vector<std::string> terms;
        std::string prefix; // the word being typed (suggest), or ""
        double idf;
    };
    std::vector<word_terms_t> words;
    bool is_collecting = false;

    // The second pass of the last build() (s_reranked): its parts, and the
    // terms they and the coverage look for (term_at: their indexes). Empty:
    // no second pass (suggestions while typing).
    std::vector<part_t> second;
    // The query of every document with the words, when the last build()
    // looks for candidates among fewer (its pairs); else empty.
    Xapian::Query all_words;
    std::vector<std::string> terms;
    std::unordered_map<std::string, size_t> term_at;

    size_t term_index (const std::string &term);

    // Xapian's estimates of how many documents match an OR and an AND.
    Xapian::doccount df_or (Xapian::doccount a, Xapian::doccount b);
    Xapian::doccount df_and (Xapian::doccount a, Xapian::doccount b);

    // Adds term to alts (and to part, and to the coverage's words) when the
    // index has it.
    void add_if_known (std::vector<Xapian::Query> &alts, std::vector<size_t> *forms,
                       const std::string &term);

    // The query for one word, and the same as a part of the second pass.
    Xapian::Query word_query (const std::string &folded, bool include_private, part_t *part);

    // A synonym (its words' keys) as one more alternative of a word or a
    // phrase, when the index has every one of its words.
    void add_member (const std::vector<std::string> &group, bool include_private,
                     std::vector<Xapian::Query> &alts, part_t *part);

    // A single term as a part of the second pass.
    part_t term_part (const std::string &term, double factor);

    // The keys a text's query words match, for highlighting.
    std::unordered_set<std::string> query_keys (const std::string &text);

    // q's query (its first pass; the second is left in second), and the
    // number of its words searched. Words too common to search are
    // searched all the same when the query has no others.
    Xapian::Query build (const kb_query_t *q, int *nterms);
    Xapian::Query build_with (const kb_query_t *q, int *nterms, bool *has_terms);

    // query restricted by q's boolean filters and time range, without the
    // documents that have any of its exclusions.
    static Xapian::Query filtered (const Xapian::Query &query, const kb_query_t *q);

    // The words of a query's snippets seen so far on one thread, as
    // written and folded, each with the number of the query key it matches
    // (-1: none): the snippets of a page share them, one lookup a word
    // instead of folding it and three. keys: the query's; keyer: the
    // thread's.
    struct marks_t {
        const std::unordered_set<std::string> &keys;
        keyer_t &keyer;
        std::unordered_map<std::string, int> written, word, key_no;
    };

    // Reads only what searches do not change (the stopwords), and marks:
    // safe on the helper's thread with its own marks.
    int mark_of (marks_t &marks, const std::string &folded) const;

    // A window of text around the words whose keys are in marks.keys:
    // HTML-escaped with <mark> (is_html) or plain.
    std::string snippet (const std::string &text, marks_t &marks, size_t max_chars, bool is_html) const;

    // The share of the query's words (each weighted by its idf; unknown
    // words weigh the most) that the document matches.
    double coverage (const Xapian::Enquire &enquire, Xapian::docid did);

    // Whether document did has a word beginning with prefix (folded): a
    // key or a word as written. The matching terms of a wildcard are not
    // the words it expanded to.
    bool has_prefix (Xapian::docid did, const std::string &prefix);

    // The same, of the terms of the last build () that document did has.
    double coverage (const std::unordered_set<std::string> &matched, Xapian::docid did);

    // Calls item (db, i) for each i below n, once, on this thread and on
    // the helper's (helper_t). What the helper could not read (its database
    // failed), this thread reads again.
    void each (size_t n, const std::function<void (Xapian::Database &, size_t)> &item);

    // Documents' docids by id, remembered (put and delete keep it true):
    // recurring-problem checks look up the same recent tickets again and
    // again, each a B-tree lookup otherwise.
    std::unordered_map<std::string, Xapian::docid> docids;

    // The docid of document id (0: none).
    Xapian::docid find (const std::string &id);

    // Whether document did was made before time_us (value slot 0); false
    // when there is no such document, or no time.
    bool is_older (Xapian::docid did, int64_t time_us);

    void remember (const std::string &id, Xapian::docid did);

    // A document's public word keys, without those in more than half of a
    // large index (they tell nothing apart).
    // words_of, remembered (recurring-problem checks compare each new
    // ticket with many recent ones); put and delete forget a document.
    std::unordered_map<Xapian::docid, std::set<std::string>> words_cache;

    const std::set<std::string> &cached_words (Xapian::docid did);
    std::set<std::string> words_of (Xapian::docid did);

    // A document's public terms with tf-idf weights.
    std::map<std::string, double> vector_of (Xapian::docid did);

    // Made by the first search that reads; declared last, so destroyed
    // (its thread joined) before anything it could read.
    std::unique_ptr<helper_t> helper;
};

// Before an index is opened: finishes or undoes a compaction's swap that a
// crash interrupted (kb_index_compact.cc), so that path is the index.
void kb_index_finish_swap (const std::string &path);

#endif
