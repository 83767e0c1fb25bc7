// kb_index: Xapian behind a C API (see kb_index.h for the term scheme).
// Exceptions are caught at the border: none crosses into C.
#include "kb_index.h"
#include "kb_synonyms.h"
#include "kb_text.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
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
#include <utility>
#include <vector>
#include <xapian.h>

namespace {

// Portuguese suffixes whose accents the Snowball stemmer needs, as typed
// without them (longest first within each ending). Plurals the stemmer
// keeps apart from their singular become singular: -ões/-ães (padrões,
// padrão), -áveis/-íveis (disponíveis, disponível).
const struct {
    const char *plain, *accented;
} s_accent_rules[] = {
    {"coes", "ção"},      {"cao", "ção"},       {"oes", "ão"},        {"aes", "ão"},
    {"ao", "ão"},         {"encias", "ências"}, {"encia", "ência"},   {"ancias", "âncias"},
    {"ancia", "ância"},   {"aveis", "ável"},    {"iveis", "ível"},   {"avel", "ável"},
    {"ivel", "ível"},
};

// Words the stemmer keys wrong, with the key they take instead: in a help
// desk, "chamado" (a ticket) is not "chamada" (a phone call) nor "chamemos"
// (let us call), which the Snowball stemmer all makes "cham"; and "clique"
// is "clicar" ("clic"), which it makes "cliqu".
const struct {
    const char *word, *key;
} s_own_keys[] = {
    {"chamado", "chamado"}, {"chamados", "chamado"}, {"clique", "clic"},
    {"cliques", "clic"},    {"cliquei", "clic"},     {"cliquem", "clic"},
};

char *
s_dup (const std::string &s)
{
    return strdup (s.c_str ());
}

// Whether Xapian takes term: not empty, at most KB_TEXT_MAX_TERM bytes.
// It throws otherwise, and a throw while it stores a document drops every
// change not yet committed: the whole batch.
bool
s_is_term (const std::string &term)
{
    return !term.empty () && term.size () <= KB_TEXT_MAX_TERM;
}

// Adds term to doc, or skips it when Xapian would not take it.
void
s_add_term (Xapian::Document &doc, const std::string &term, Xapian::termcount wdf)
{
    if (s_is_term (term))
        doc.add_term (term, wdf);
}

// How much a matching pair of words, and a word as written, count beside
// its stem (tools/balcao-kb-bench faquad: 0.5 each lifts MRR@10 from 0.889
// to 0.904; anything from 0.3 to 0.7 is within 0.003).
const double s_pair_weight = 0.5, s_exact_weight = 0.5;

// A word as written boosts only when at most this share of the documents
// with its key have that form (FaQuAD MRR@10 0.908 -> 0.910; one posting
// list fewer to read for most words of a large index).
const double s_exact_share = 0.8;

// A query of more words than this looks for candidates with its rarest
// ones (and the word being typed); the second pass weighs them all. Fewer
// cost ranking among look-alikes (docs/benchmarks.md: 4 words, MRR@10
// 0.175 -> 0.129); more, time.
const size_t s_elite_words = 5;

// The value slot with the document's id: read without its data.
const Xapian::valueno s_id_slot = KB_SLOTS;

// How many candidates beyond the page asked for the boosts re-rank (FaQuAD
// MRR@10: 0.906 with none, 0.909 with 5, 10 or 20; fewer candidates, less
// matching).
const int s_rerank_extra = 10;

// The weighting: BM25 (k1 1.2, b 0.75, a floor on short documents' length).
const double s_k1 = 1.2, s_b = 0.75, s_min_normlen = 0.5;

Xapian::BM25Weight
s_bm25 ()
{
    return Xapian::BM25Weight (s_k1, 0, 1, s_b, s_min_normlen);
}

// The first pass's weighting (s_reranked): what share of the words a
// document has, each by its idf; how often it has them only breaks ties
// (k1 0.01), and no document length is read (b 0). A document's weight
// then nearly reaches its terms' maximum, so once the page is full Xapian's
// matcher skips every document that lacks a word the page's have (its OR
// turns into AND): 100,000 articles, p99 -40 %. The second pass ranks with
// frequencies and lengths. FaQuAD MRR@10 0.910 -> 0.909; among look-alikes
// 0.149 -> 0.175 (docs/benchmarks.md).
Xapian::BM25Weight
s_bm25_candidates ()
{
    return Xapian::BM25Weight (0.01, 0, 1, 0, s_min_normlen);
}

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
    Xapian::termcount wdf_in (const std::vector<Xapian::termcount> &wdf) const
    {
        Xapian::termcount sum = 0;
        for (const auto &alt : alts) {
            Xapian::termcount in_alt = 0;
            bool has_all = true;
            for (const auto &word : alt) {
                Xapian::termcount in_word = 0;
                for (size_t t : word)
                    in_word += wdf[t];
                has_all = has_all && in_word > 0;
                in_alt += in_word;
            }
            sum += has_all ? in_alt : 0;
        }
        return sum;
    }
};

// BM25 as s_bm25 () weighs (Xapian's BM25Weight with k2 0, k3 1), computed
// by hand from a document's term list.
double
s_bm25_termweight (Xapian::doccount n, Xapian::doccount df, double factor)
{
    double tw = (n - (double) df + 0.5) / (df + 0.5);
    if (tw < 2) // Xapian's guard against negative weights for common terms
        tw = tw * 0.5 + 1;
    return std::log (tw) * factor * (s_k1 + 1);
}

double
s_bm25_part (double termweight, Xapian::termcount wdf, double doclen, double avlen)
{
    if (!wdf)
        return 0;
    double normlen = std::max (avlen > 0 ? doclen / avlen : 1.0, s_min_normlen);
    return termweight * wdf / (s_k1 * (normlen * s_b + (1 - s_b)) + wdf);
}

// Facets count the values of at least this many matches: exact for a query
// with no more matches, estimated beyond (facet_spy_t.fill). The matcher
// must look at every one of them, skipping none: 2,000 cost 0.3 ms more at
// p99 on 100,000 articles.
const Xapian::doccount s_facet_matches = 100;

bool
s_is_prefixed (const std::string &term)
{
    return !term.empty () && term[0] >= 'A' && term[0] <= 'Z';
}

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

    uint16_t code (int slot, const std::string &value)
    {
        if (value.empty ())
            return 0;
        if (names[slot].empty ())
            names[slot].emplace_back ();
        auto it = codes[slot].find (value);
        if (it != codes[slot].end ())
            return it->second;
        if (names[slot].size () > UINT16_MAX)
            return 0; // a facet of 65,535 values is not one
        names[slot].push_back (value);
        return codes[slot][value] = (uint16_t) (names[slot].size () - 1);
    }

    std::array<uint16_t, KB_SLOTS> &at (Xapian::docid did)
    {
        if (did >= of.size ()) {
            of.resize (std::max ((size_t) did + 1, of.size () * 2));
            length.resize (of.size ());
        }
        return of[did];
    }

    void set (Xapian::docid did, const char *const *values, Xapian::termcount len)
    {
        if (!is_loaded)
            return;
        std::array<uint16_t, KB_SLOTS> &codes_of = at (did);
        for (int slot = 1; slot < KB_SLOTS; slot++)
            codes_of[slot] = code (slot, values[slot] ? values[slot] : "");
        length[did] = len;
    }

    void clear (Xapian::docid did)
    {
        if (is_loaded && did && did < of.size ()) {
            of[did] = {};
            length[did] = 0;
        }
    }

    void load (const Xapian::Database &db)
    {
        if (is_loaded)
            return;
        of.assign ((size_t) db.get_lastdocid () + 1, {});
        length.assign (of.size (), 0);
        for (int slot = 1; slot < KB_SLOTS; slot++)
            for (Xapian::ValueIterator v = db.valuestream_begin ((Xapian::valueno) slot);
                 v != db.valuestream_end ((Xapian::valueno) slot); ++v)
                at (v.get_docid ())[slot] = code (slot, *v);
        for (Xapian::PostingIterator p = db.postlist_begin (""); p != db.postlist_end (""); ++p) {
            at (*p);
            length[*p] = p.get_doclength ();
        }
        is_loaded = true;
    }

    Xapian::termcount length_of (Xapian::docid did) const
    {
        return did < length.size () ? length[did] : 0;
    }
};

// Counts the facet values of the matches the matcher looks at.
class facet_spy_t : public Xapian::MatchSpy {
    const doc_table_t &table;

  public:
    std::vector<unsigned> counts[KB_SLOTS]; // by code

    explicit facet_spy_t (const doc_table_t &t) : table (t) {}

    void operator() (const Xapian::Document &doc, double) override
    {
        Xapian::docid did = doc.get_docid ();
        seen++;
        if (did >= table.of.size ())
            return;
        for (int slot = 1; slot < KB_SLOTS; slot++) {
            uint16_t c = table.of[did][slot];
            if (!c)
                continue;
            if (c >= counts[slot].size ())
                counts[slot].resize ((size_t) c + 1);
            counts[slot][c]++;
        }
    }

    Xapian::doccount seen = 0; // documents counted

    void reset ()
    {
        for (auto &c : counts)
            c.clear ();
        seen = 0;
    }

    // The counts as facets, by slot then value. When the matcher did not
    // look at every match of mset (it skips those that cannot make the
    // page once it has seen s_facet_matches), the counts are those of the
    // documents it saw, scaled to its estimate of the matches, and marked
    // as estimated (as search services do for large result sets).
    void fill (kb_results_t *r, const Xapian::MSet &mset) const
    {
        fill (r, seen >= mset.get_matches_upper_bound (), mset.get_matches_estimated ());
    }

    // The same, of matches estimated apart (is_exact: the spy saw them all).
    void fill (kb_results_t *r, bool is_exact, Xapian::doccount estimated) const
    {
        double scale = is_exact || !seen ? 1 : std::max (1.0, (double) estimated / seen);
        std::vector<kb_facet_t> facets;
        for (int slot = 1; slot < KB_SLOTS; slot++) {
            std::vector<std::pair<std::string, unsigned>> values;
            for (size_t c = 1; c < counts[slot].size (); c++)
                if (counts[slot][c])
                    values.emplace_back (table.names[slot][c],
                                         (unsigned) std::lround (counts[slot][c] * scale));
            std::sort (values.begin (), values.end ());
            for (const auto &v : values)
                facets.push_back ({slot, s_dup (v.first), v.second});
        }
        r->facets_estimated = !is_exact;
        r->facets = (kb_facet_t *) calloc (facets.size () + 1, sizeof (kb_facet_t));
        for (const auto &f : facets)
            r->facets[r->nfacets++] = f;
    }
};

// Every docid from lo to hi, as a posting source: restricts a query to a
// docid range. It claims to match everything, so the matcher never walks it:
// it skips the query's posting lists to lo and stops after hi.
class range_source_t : public Xapian::PostingSource {
    Xapian::docid lo, hi, cur = 0;
    Xapian::doccount n = 0;

  public:
    range_source_t (Xapian::docid from, Xapian::docid to) : lo (from), hi (to) {}
    Xapian::doccount get_termfreq_min () const override { return 0; }
    Xapian::doccount get_termfreq_est () const override { return n; }
    Xapian::doccount get_termfreq_max () const override { return std::max (n, hi - lo + 1); }
    void init (const Xapian::Database &db) override
    {
        cur = 0;
        n = db.get_doccount ();
    }
    void next (double) override { cur = cur ? cur + 1 : lo; }
    void skip_to (Xapian::docid did, double) override { cur = std::max ({did, cur, lo}); }
    bool at_end () const override { return cur > hi; }
    Xapian::docid get_docid () const override { return cur; }
    std::string get_description () const override { return "range_source_t"; }
};

} // namespace

/* query restricted by q's boolean filters (type, category, audience,
 * status, customer terms) and its time range, when it has any, without the
 * documents that have any of its exclusions. An empty filter or exclusion
 * restricts nothing; a filter too long to be a term (kb_index_put skipped
 * it) lets no document through, and such an exclusion excludes none. */
static Xapian::Query
s_filtered (const Xapian::Query &query, const kb_query_t *q)
{
    std::vector<Xapian::Query> filters;
    for (int i = 0; i < q->nfilters && i < KB_MAX_FILTERS; i++) {
        std::string term = q->filters[i] ? q->filters[i] : "";
        if (s_is_term (term))
            filters.emplace_back (term);
        else if (!term.empty ())
            filters.push_back (Xapian::Query::MatchNothing);
    }
    if (q->min_time_us || q->max_time_us)
        filters.emplace_back (Xapian::Query::OP_VALUE_RANGE, 0,
                              Xapian::sortable_serialise ((double) q->min_time_us),
                              Xapian::sortable_serialise ((double) q->max_time_us));
    Xapian::Query out = query;
    if (!filters.empty ())
        out = Xapian::Query (Xapian::Query::OP_FILTER, out,
                             Xapian::Query (Xapian::Query::OP_AND, filters.begin (), filters.end ()));
    std::vector<Xapian::Query> excluded;
    for (int i = 0; i < q->nexcludes && i < KB_MAX_FILTERS; i++)
        if (q->excludes[i] && s_is_term (q->excludes[i]))
            excluded.emplace_back (q->excludes[i]);
    if (!excluded.empty ())
        out = Xapian::Query (Xapian::Query::OP_AND_NOT, out,
                             Xapian::Query (Xapian::Query::OP_OR, excluded.begin (), excluded.end ()));
    return out;
}

// key (w) from fold (w) (kb_index.h), remembered. One per thread: neither
// Xapian's stemmer nor the cache is to be shared between threads.
struct keyer_t {
    Xapian::Stem stem{"portuguese"};
    std::unordered_map<std::string, std::string> cache;

    const std::string &key (const std::string &folded)
    {
        auto it = cache.find (folded);
        if (it != cache.end ())
            return it->second;
        if (cache.size () > 500000)
            cache.clear ();
        std::string w = folded;
        bool is_alpha = std::none_of (w.begin (), w.end (), [] (char c) { return c >= '0' && c <= '9'; });
        if (is_alpha && w.size () >= 3) {
            for (const auto &r : s_accent_rules) {
                size_t pl = std::strlen (r.plain);
                if (w.size () > pl && w.compare (w.size () - pl, pl, r.plain) == 0) {
                    w = w.substr (0, w.size () - pl) + r.accented;
                    break;
                }
            }
        }
        std::string k = is_alpha ? stem (w) : w;
        k = kb_text_fold (k.data (), k.size ());
        for (const auto &e : s_own_keys)
            if (folded == e.word)
                k = e.key;
        return cache.emplace (folded, k).first->second;
    }
};

// The calling thread's keyer (made on its first call there).
keyer_t &
s_thread_keyer ()
{
    static thread_local keyer_t keyer;
    return keyer;
}

// Yields until is_done () or for at most us microseconds.
template <typename F>
void
s_spin_until (F is_done, long us)
{
    auto until = std::chrono::steady_clock::now () + std::chrono::microseconds (us);
    while (!is_done () && std::chrono::steady_clock::now () < until)
        std::this_thread::yield ();
}

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

    void loop ()
    {
        std::unique_lock<std::mutex> lock (m);
        for (;;) {
            cv.wait (lock, [this] { return quit || job || is_woken; });
            is_woken = false;
            if (quit)
                return;
            if (!job) {
                // Woken ahead (wake): the job follows within a search.
                lock.unlock ();
                s_spin_until ([this] { return has_job.load (); }, 2000);
                lock.lock ();
                if (!job)
                    continue;
            }
            has_job = false;
            std::function<void (Xapian::Database &)> work = std::move (job);
            uint64_t run = job_run, posted = 4 * run;
            job = nullptr;
            lock.unlock ();
            if (state.compare_exchange_strong (posted, 4 * run + 1)) {
                try {
                    if (!db)
                        db.reset (new Xapian::Database (path));
                    work (*db);
                }
                catch (...) {
                    db.reset (); // opened again next time; the caller redoes what failed
                }
                state = 4 * run + 2;
            }
            // A search reads twice (term lists, then data): wait for the
            // second job a while rather than fall asleep.
            s_spin_until ([this] { return has_job.load (); }, 300);
            lock.lock ();
        }
    }

  public:
    // Wakes the thread: a job follows shortly (a search's match is under
    // way), and a sleeping thread takes a while to wake.
    void wake ()
    {
        {
            std::lock_guard<std::mutex> lock (m);
            is_woken = true;
        }
        cv.notify_one ();
    }

    explicit helper_t (const std::string &p) : path (p) { thread = std::thread ([this] { loop (); }); }

    ~helper_t ()
    {
        {
            std::lock_guard<std::mutex> lock (m);
            quit = true;
        }
        cv.notify_all ();
        thread.join ();
    }

    // Runs work on the helper's thread (with its Database, at revision
    // rev) and on the caller's (with own), and returns when both are done.
    // When the helper has not started by the time the caller is done, it
    // does not start at all.
    void run (Xapian::Database &own, Xapian::rev rev, const std::function<void (Xapian::Database &)> &work)
    {
        uint64_t run;
        {
            std::lock_guard<std::mutex> lock (m);
            run = ++job_run;
            state = 4 * run;
            job = [rev, &work] (Xapian::Database &mine) {
                if (mine.get_revision () != rev)
                    mine.reopen ();
                if (mine.get_revision () == rev)
                    work (mine);
            };
            has_job = true;
        }
        cv.notify_one ();
        struct wait_t { // even when work throws
            helper_t *self;
            uint64_t run;
            ~wait_t ()
            {
                uint64_t posted = 4 * run;
                if (!self->state.compare_exchange_strong (posted, 4 * run + 2))
                    while (self->state.load () != 4 * run + 2)
                        std::this_thread::yield ();
            }
        } wait{this, run};
        work (own);
    }
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

    void default_synonyms ()
    {
        if (has_default_synonyms)
            return;
        has_default_synonyms = true;
        std::string all = kb_synonyms_default;
        size_t pos = 0;
        while (pos < all.size ()) {
            size_t eol = all.find ('\n', pos);
            if (eol == std::string::npos)
                eol = all.size ();
            std::string line = all.substr (pos, eol - pos);
            pos = eol + 1;
            if (!line.empty () && line[0] != '#')
                kb_index_add_synonyms (this, line.c_str ());
        }
    }
    std::unordered_map<std::string, std::string> en_cache;
    doc_table_t docs;

    // What it remembers of the documents: docids, term frequencies, word
    // sets, facet codes and lengths (reloaded by the next search).
    void forget ()
    {
        docids.clear ();
        df_cache.clear ();
        words_cache.clear ();
        docs = doc_table_t ();
    }

    // Before any change: opens the batch's transaction, notes the id.
    void changing (const std::string &id)
    {
        if (in_batch && !in_transaction) {
            db.begin_transaction (true);
            in_transaction = true;
        }
        if (in_batch && !id.empty ())
            touched.insert (id);
        dirty = true;
    }

    // key(w) from fold(w) (kb_index.h).
    const std::string &key (const std::string &folded)
    {
        return keyer.key (folded);
    }

    const std::string &en_key (const std::string &folded)
    {
        auto it = en_cache.find (folded);
        if (it != en_cache.end ())
            return it->second;
        if (en_cache.size () > 500000)
            en_cache.clear ();
        return en_cache.emplace (folded, "E" + stem_en (folded)).first->second;
    }

    bool is_stopword (const std::string &folded) const
    {
        return stopwords.count (folded) > 0;
    }

    void index_text (Xapian::Document &doc, const std::string &text, int weight, bool is_en,
                     const char *prefix)
    {
        std::string prev;
        Xapian::termcount wdf = (Xapian::termcount) weight;
        for (const kb_token_t &t : kb_text_tokens (text)) {
            if (is_stopword (t.folded))
                continue;
            // Pairs of neighbouring words, and the word as written
            // (folded): they rank a passage that says it the way the
            // question does above one that only shares stems.
            if (!*prefix && !is_en) {
                const std::string &k0 = key (t.folded);
                if (!prev.empty ())
                    s_add_term (doc, "B" + prev + "_" + k0, wdf);
                prev = k0;
            }
            if (!*prefix)
                s_add_term (doc, "X" + t.folded, wdf);
            s_add_term (doc, prefix + (is_en ? en_key (t.folded) : key (t.folded)), wdf);
            if (spelling && !*prefix && t.folded.size () >= 3
                && !std::isdigit ((unsigned char) t.folded[0])) {
                // As written, accents and all: its marks may make it long.
                std::string written = kb_text_lower (text.data () + t.start, t.end - t.start);
                if (s_is_term (written))
                    db.add_spelling (written);
                // And without accents, as most people type: a typo in an
                // accent-free word is one edit from it, two or three from
                // the accented word (help-desk set, one typo: docs/benchmarks.md).
                if (t.folded != written && s_is_term (t.folded))
                    db.add_spelling (t.folded);
            }
        }
    }

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

    Xapian::doccount termfreq (const std::string &term)
    {
        auto it = df_cache.find (term);
        if (it != df_cache.end ())
            return it->second;
        if (df_cache.size () > 200000)
            df_cache.clear ();
        return df_cache[term] = db.get_termfreq (term);
    }

    // Whether term is worth searching: a term the index has (never an
    // empty one, Xapian's "every document"), and not in too many documents.
    bool is_useful (const std::string &term)
    {
        if (!s_is_term (term))
            return false;
        Xapian::doccount df = termfreq (term);
        return df > 0 && (!max_df || df <= max_df);
    }

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

    size_t term_index (const std::string &term)
    {
        auto it = term_at.find (term);
        if (it != term_at.end ())
            return it->second;
        terms.push_back (term);
        return term_at[term] = terms.size () - 1;
    }

    // Xapian's estimates of how many documents match an OR and an AND.
    Xapian::doccount df_or (Xapian::doccount a, Xapian::doccount b)
    {
        double n = std::max (1u, db.get_doccount ());
        return (Xapian::doccount) std::min (n, a + b - (double) a * b / n);
    }

    Xapian::doccount df_and (Xapian::doccount a, Xapian::doccount b)
    {
        return (Xapian::doccount) ((double) a * b / std::max (1u, db.get_doccount ()));
    }

    // Adds term to alts (and to part, and to the coverage's words) when the
    // index has it.
    void add_if_known (std::vector<Xapian::Query> &alts, std::vector<size_t> *forms,
                       const std::string &term)
    {
        if (!is_useful (term))
            return;
        alts.emplace_back (term);
        if (forms)
            forms->push_back (term_index (term));
        if (is_collecting)
            words.back ().terms.push_back (term);
    }

    // The query for one word, and the same as a part of the second pass.
    Xapian::Query word_query (const std::string &folded, bool include_private, part_t *part)
    {
        std::vector<Xapian::Query> alts;
        std::vector<size_t> one;
        auto single = [&] (const std::string &term) {
            one.clear ();
            add_if_known (alts, &one, term);
            if (!one.empty ()) {
                part->alts.push_back ({one});
                part->df = df_or (part->df, termfreq (term));
            }
        };
        const std::string &k = key (folded);
        single (k);
        single (en_key (folded));
        if (include_private)
            single ("I" + k);
        auto it = synonyms.find (k);
        if (it != synonyms.end ())
            for (const auto &group : it->second)
                add_member (group, include_private, alts, part);
        if (alts.size () == 1)
            return alts[0];
        return Xapian::Query (Xapian::Query::OP_SYNONYM, alts.begin (), alts.end ());
    }

    // A synonym (its words' keys) as one more alternative of a word or a
    // phrase, when the index has every one of its words.
    void add_member (const std::vector<std::string> &group, bool include_private,
                     std::vector<Xapian::Query> &alts, part_t *part)
    {
        std::vector<Xapian::Query> words;
        std::vector<std::vector<size_t>> alt;
        Xapian::doccount df = 0;
        for (const std::string &sk : group) {
            std::vector<Xapian::Query> forms;
            std::vector<size_t> form_terms;
            Xapian::doccount word_df = 0;
            add_if_known (forms, &form_terms, sk);
            if (include_private)
                add_if_known (forms, &form_terms, "I" + sk);
            if (forms.empty ())
                break;
            for (size_t t : form_terms)
                word_df = df_or (word_df, termfreq (terms[t]));
            df = words.empty () ? word_df : df_and (df, word_df);
            words.emplace_back (Xapian::Query::OP_OR, forms.begin (), forms.end ());
            alt.push_back (form_terms);
        }
        if (words.size () != group.size ())
            return;
        part->alts.push_back (alt);
        part->df = df_or (part->df, df);
        if (words.size () == 1)
            alts.push_back (words[0]);
        else
            alts.emplace_back (Xapian::Query::OP_AND, words.begin (), words.end ());
    }

    // A single term as a part of the second pass.
    part_t term_part (const std::string &term, double factor)
    {
        part_t p;
        p.alts.push_back ({{term_index (term)}});
        p.factor = factor;
        p.df = termfreq (term);
        return p;
    }

    // The keys a text's query words match, for highlighting.
    std::unordered_set<std::string> query_keys (const std::string &text)
    {
        default_synonyms ();
        std::unordered_set<std::string> keys;
        std::vector<std::string> seq; // the words' keys, for phrases
        for (const kb_token_t &t : kb_text_tokens (text, 64)) {
            if (is_stopword (t.folded))
                continue;
            const std::string &k = key (t.folded);
            keys.insert (k);
            seq.push_back (k);
            auto it = synonyms.find (k);
            if (it != synonyms.end ())
                for (const auto &group : it->second)
                    for (const std::string &sk : group)
                        keys.insert (sk);
        }
        for (const phrase_t &p : phrases)
            if (std::search (seq.begin (), seq.end (), p.keys.begin (), p.keys.end ()) != seq.end ())
                for (const auto &other : p.others)
                    keys.insert (other.begin (), other.end ());
        return keys;
    }

    Xapian::Query build (const kb_query_t *q, int *nterms)
    {
        default_synonyms ();
        Xapian::doccount n = db.get_doccount ();
        max_df = n >= 1000 ? n / 2 : 0;
        frequent_df = n >= 1000 && !q->is_partial ? n / 5 : 0;
        bool has_terms = false;
        Xapian::Query query = build_with (q, nterms, &has_terms);
        if (max_df && !has_terms) {
            // Only very common words: search them anyway.
            max_df = frequent_df = 0;
            query = build_with (q, nterms, &has_terms);
        }
        return query;
    }

    Xapian::Query build_with (const kb_query_t *q, int *nterms, bool *has_terms)
    {
        words.clear ();
        second.clear ();
        terms.clear ();
        term_at.clear ();
        std::string text = q->text ? q->text : "";
        std::vector<kb_token_t> toks = kb_text_tokens (text, 64);
        bool last_is_partial = q->is_partial && !toks.empty () && toks.back ().end == text.size ();
        struct group_t {
            Xapian::Query query;
            part_t part;
            bool is_partial;
        };
        std::vector<group_t> groups;
        std::vector<part_t> boosts;
        std::vector<std::string> pairs;
        std::set<std::string> seen;
        std::vector<int> word_at (toks.size (), -1); // token -> words[]
        for (size_t i = 0; i < toks.size (); i++) {
            const std::string &f = toks[i].folded;
            bool partial = last_is_partial && i + 1 == toks.size ();
            if (!partial && (is_stopword (f) || !seen.insert (f).second))
                continue;
            word_at[i] = (int) words.size ();
            // A word too common to search (max_df) tells nothing: it is not
            // part of the coverage either. An unknown word counts fully.
            Xapian::doccount df = termfreq (key (f));
            bool is_common = max_df && df > max_df;
            part_t part;
            // A frequent word re-ranks the candidates the others found.
            if (!partial && !is_common && frequent_df && df > frequent_df) {
                words.push_back ({{}, "", std::log ((db.get_doccount () + 1.0) / (df + 0.5))});
                is_collecting = true;
                word_query (f, q->include_private, &part);
                is_collecting = false;
                boosts.push_back (part);
                continue;
            }
            // The first letters of a word being typed ("se") are no word
            // yet: the coverage leaves them out until there are three
            // (then the words they begin count, OP_WILDCARD).
            bool is_counted = !is_common && !(partial && f.size () < 3);
            if (is_counted)
                words.push_back ({{}, partial ? f : "",
                                  std::log ((db.get_doccount () + 1.0) / (df + 0.5))});
            else
                word_at[i] = -1;
            is_collecting = is_counted;
            Xapian::Query wq = word_query (f, q->include_private, &part);
            is_collecting = false;
            if (partial && f.size () >= 3)
                wq = Xapian::Query (Xapian::Query::OP_SYNONYM, wq,
                                    Xapian::Query (Xapian::Query::OP_WILDCARD, f, 10,
                                                   Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT));
            groups.push_back ({wq, part, partial});
        }
        // Phrases with synonyms ("textos prontos"): the other members of
        // their groups, as one more part; the phrase's words count as
        // covered where those match.
        std::vector<size_t> seq; // tokens that are words, in order
        for (size_t i = 0; i < toks.size (); i++)
            if (!is_stopword (toks[i].folded) && !(last_is_partial && i + 1 == toks.size ()))
                seq.push_back (i);
        for (const phrase_t &p : phrases) {
            for (size_t at = 0; at + p.keys.size () <= seq.size (); at++) {
                size_t k = 0;
                while (k < p.keys.size () && key (toks[seq[at + k]].folded) == p.keys[k])
                    k++;
                if (k < p.keys.size ())
                    continue;
                std::vector<Xapian::Query> alts;
                part_t part;
                for (const auto &other : p.others)
                    add_member (other, q->include_private, alts, &part);
                if (alts.empty ())
                    break;
                for (size_t j = 0; j < k; j++) {
                    int w = word_at[seq[at + j]];
                    for (const auto &alt : part.alts)
                        for (const auto &word : alt)
                            for (size_t t : word)
                                if (w >= 0)
                                    words[(size_t) w].terms.push_back (terms[t]);
                }
                groups.push_back ({Xapian::Query (Xapian::Query::OP_OR, alts.begin (), alts.end ()),
                                   part, false});
                break;
            }
        }
        *nterms = (int) groups.size ();
        // Pairs and words as written only ever match documents that match
        // their words' keys: they re-rank the best candidates (see
        // s_reranked) rather than take part in the whole match.
        std::string prev;
        for (size_t i = 0; i < toks.size (); i++) {
            const std::string &f = toks[i].folded;
            if (is_stopword (f) || (last_is_partial && i + 1 == toks.size ()))
                continue;
            const std::string &k = key (f);
            std::string pair = "B" + prev + "_" + k, exact = "X" + f;
            if (!prev.empty () && is_useful (pair)) {
                boosts.push_back (term_part (pair, s_pair_weight));
                pairs.push_back (pair);
            }
            prev = k;
            // A form nearly every document with the key has tells nothing.
            if (is_useful (exact) && termfreq (exact) <= s_exact_share * termfreq (k))
                boosts.push_back (term_part (exact, s_exact_weight));
        }
        *has_terms = std::any_of (groups.begin (), groups.end (),
                                  [] (const group_t &g) { return !g.query.empty (); });
        // The second pass weighs every word (a term list has them all); a
        // long question looks for candidates with its most telling words
        // (the rarest, and the word being typed).
        for (const group_t &g : groups)
            second.push_back (g.part);
        if (groups.size () > s_elite_words) {
            std::vector<size_t> order (groups.size ());
            for (size_t i = 0; i < order.size (); i++)
                order[i] = i;
            auto rank = [&] (size_t i) {
                const group_t &g = groups[i];
                return g.is_partial ? 0.0 : g.query.empty () ? 2.0 : 1.0 + g.part.df / (db.get_doccount () + 1.0);
            };
            std::stable_sort (order.begin (), order.end (),
                              [&] (size_t a, size_t b) { return rank (a) < rank (b); });
            order.resize (s_elite_words);
            std::sort (order.begin (), order.end ());
            std::vector<group_t> elite;
            for (size_t i : order)
                elite.push_back (groups[i]);
            groups.swap (elite);
        }
        std::vector<Xapian::Query> matching;
        for (const group_t &g : groups)
            matching.push_back (g.query);
        Xapian::Query query (Xapian::Query::OP_OR, matching.begin (), matching.end ());
        // A query of common words only (each in more than a tenth of a
        // large index) would have the matcher intersect tens of thousands
        // of postings. Its candidates come from the documents that have two
        // of its words side by side (their pairs), when there are enough of
        // those: they rank first anyway (a pair is rare, and counts in the
        // second pass). The estimate and facets still speak of every
        // document with the words (all_words), which are searched after all
        // when too few pairs pass q's filters. Last 3 words of FaQuAD's
        // questions: p99 -25 %; among look-alikes MRR@10 0.175 -> 0.180.
        all_words = Xapian::Query ();
        Xapian::doccount n = db.get_doccount (), in_pairs = 0;
        for (const std::string &pair : pairs)
            in_pairs += termfreq (pair);
        bool is_common = std::all_of (groups.begin (), groups.end (),
                                      [&] (const group_t &g) { return g.part.df > n / 10; });
        Xapian::doccount needed = 2 * (Xapian::doccount) (std::max (0, q->offset)
                                                           + (q->limit > 0 ? q->limit : 10) + s_rerank_extra);
        auto restricted = [&] (Xapian::Query out) { // by q's filters and exclusions
            out = s_filtered (out, q);
            std::string excluded = "Q" + std::string (q->exclude_id ? q->exclude_id : "");
            if (excluded.size () > 1 && s_is_term (excluded))
                out = Xapian::Query (Xapian::Query::OP_AND_NOT, out, Xapian::Query (excluded));
            return out;
        };
        if (n >= 1000 && !q->is_partial && !groups.empty () && is_common && in_pairs >= needed) {
            all_words = restricted (query);
            query = Xapian::Query (Xapian::Query::OP_OR, pairs.begin (), pairs.end ());
        }
        // Suggestions while typing skip the re-ranking: speed first.
        if (q->is_partial)
            second.clear ();
        else
            second.insert (second.end (), boosts.begin (), boosts.end ());
        // The coverage's terms are looked for in the candidates too.
        for (const word_terms_t &w : words)
            for (const std::string &t : w.terms)
                term_index (t);
        return restricted (query);
    }

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
    int mark_of (marks_t &marks, const std::string &folded) const
    {
        auto w = marks.word.find (folded);
        if (w != marks.word.end ())
            return w->second;
        int no = -1;
        if (!folded.empty () && folded.size () <= KB_TEXT_MAX_WORD && !is_stopword (folded)) {
            const std::string &k = marks.keyer.key (folded);
            if (marks.keys.count (k))
                no = marks.key_no.emplace (k, (int) marks.key_no.size ()).first->second;
        }
        return marks.word[folded] = no;
    }

    // A window of text around the words whose keys are in marks.keys:
    // HTML-escaped with <mark> (is_html) or plain.
    std::string snippet (const std::string &text, marks_t &marks, size_t max_chars, bool is_html) const
    {
        struct word_t {
            size_t start, end;
        };
        std::vector<word_t> toks;
        std::vector<uint64_t> bit; // each matched word's key (the first 64 keys)
        std::vector<bool> hit;
        std::string written;
        kb_text_each_word (text, [&] (size_t start, size_t end) {
            written.assign (text, start, end - start);
            auto w = marks.written.find (written);
            if (w == marks.written.end ())
                w = marks.written.emplace (written, mark_of (marks, kb_text_fold (written.data (), written.size ()))).first;
            toks.push_back ({start, end});
            hit.push_back (w->second >= 0);
            bit.push_back (w->second >= 0 && w->second < 64 ? (uint64_t) 1 << w->second : 0);
            return toks.size () < 20000;
        });
        // The window with the most distinct matched keys (first wins).
        size_t best = 0, best_score = 0;
        for (size_t i = 0; i < toks.size (); i++) {
            if (!hit[i])
                continue;
            uint64_t distinct = 0;
            for (size_t j = i; j < toks.size () && toks[j].end - toks[i].start <= max_chars; j++)
                distinct |= bit[j];
            size_t score = (size_t) __builtin_popcountll (distinct);
            if (score > best_score) {
                best_score = score;
                best = i;
            }
        }
        // Start a few words before the first match, for context, as long
        // as the match still fits.
        size_t first = best >= 3 ? best - 3 : 0;
        if (best_score == 0)
            first = 0;
        while (first < best && toks[best].end - toks[first].start > max_chars)
            first++;
        std::string out;
        if (toks.empty ())
            return out;
        size_t from = toks[first].start, last = first;
        while (last + 1 < toks.size () && toks[last + 1].end - from <= max_chars)
            last++;
        if (first > 0)
            out += "…";
        size_t at = from;
        bool has_more = last + 1 < toks.size ();
        for (size_t i = first; i <= last; i++) {
            const char *base = text.data ();
            if (is_html)
                kb_text_html_escape (out, base + at, toks[i].start - at);
            else
                for (size_t k = at; k < toks[i].start; k++)
                    out += (base[k] == '\n' || base[k] == '\r' || base[k] == '\t') ? ' ' : base[k];
            // Only the first word can be longer than the snippet: cut.
            size_t len = kb_text_cut (base + toks[i].start, toks[i].end - toks[i].start, max_chars);
            bool is_cut = len < toks[i].end - toks[i].start;
            if (hit[i] && is_html)
                out += "<mark>";
            if (is_html)
                kb_text_html_escape (out, base + toks[i].start, len);
            else
                out.append (base + toks[i].start, len);
            if (hit[i] && is_html)
                out += "</mark>";
            at = toks[i].end;
            if (is_cut) {
                has_more = true;
                break;
            }
        }
        if (has_more)
            out += "…";
        return kb_text_valid (out); // the text may not be valid UTF-8
    }

    // The share of the query's words (each weighted by its idf; unknown
    // words weigh the most) that the document matches.
    double coverage (const Xapian::Enquire &enquire, Xapian::docid did)
    {
        return coverage (std::unordered_set<std::string> (enquire.get_matching_terms_begin (did),
                                                          enquire.get_matching_terms_end (did)),
                         did);
    }

    // Whether document did has a word beginning with prefix (folded): a
    // key or a word as written. The matching terms of a wildcard are not
    // the words it expanded to.
    bool has_prefix (Xapian::docid did, const std::string &prefix)
    {
        for (const std::string &p : {prefix, "X" + prefix}) {
            Xapian::TermIterator t = db.termlist_begin (did);
            t.skip_to (p);
            if (t != db.termlist_end (did) && (*t).compare (0, p.size (), p) == 0)
                return true;
        }
        return false;
    }

    double coverage (const std::unordered_set<std::string> &matched, Xapian::docid did)
    {
        double total = 0, found = 0;
        for (const word_terms_t &w : words) {
            total += w.idf;
            bool is_found = std::any_of (w.terms.begin (), w.terms.end (),
                                         [&] (const std::string &t) { return matched.count (t); });
            if (!is_found && !w.prefix.empty ())
                is_found = std::any_of (matched.begin (), matched.end (), [&] (const std::string &t) {
                    return t.compare (0, w.prefix.size (), w.prefix) == 0;
                }) || has_prefix (did, w.prefix);
            found += is_found ? w.idf : 0;
        }
        return total > 0 ? found / total : 0;
    }

    // Calls item (db, i) for each i below n, once, on this thread and on
    // the helper's (helper_t). What the helper could not read (its database
    // failed), this thread reads again.
    void each (size_t n, const std::function<void (Xapian::Database &, size_t)> &item)
    {
        std::vector<char> done (n, 0);
        std::atomic<size_t> next{0};
        if (n >= 4 && !dirty) {
            if (!helper)
                helper.reset (new helper_t (path));
            helper->run (db, db.get_revision (), [&] (Xapian::Database &on) {
                bool is_helper = &on != &db;
                for (size_t i; (i = next++) < n;) {
                    try {
                        item (on, i);
                        done[i] = 1;
                    }
                    catch (const Xapian::Error &) {
                        if (!is_helper)
                            throw;
                        return;
                    }
                }
            });
        }
        for (size_t i = 0; i < n; i++)
            if (!done[i])
                item (db, i);
    }

    // Documents' docids by id, remembered (put and delete keep it true):
    // recurring-problem checks look up the same recent tickets again and
    // again, each a B-tree lookup otherwise.
    std::unordered_map<std::string, Xapian::docid> docids;

    Xapian::docid find (const std::string &id)
    {
        auto cached = docids.find (id);
        if (cached != docids.end ())
            return cached->second;
        std::string term = "Q" + id;
        if (!s_is_term (term))
            return 0; // never indexed (kb_index_put)
        Xapian::PostingIterator it = db.postlist_begin (term);
        Xapian::docid did = it == db.postlist_end (term) ? 0 : *it;
        if (did)
            remember (id, did);
        return did;
    }

    // Whether document did was made before time_us (value slot 0); false
    // when there is no such document, or no time.
    bool is_older (Xapian::docid did, int64_t time_us)
    {
        if (!time_us)
            return false;
        try {
            std::string v = db.get_document (did).get_value (0);
            return !v.empty () && Xapian::sortable_unserialise (v) < (double) time_us;
        }
        catch (const Xapian::DocNotFoundError &) {
            return false;
        }
    }

    void remember (const std::string &id, Xapian::docid did)
    {
        if (docids.size () > 500000)
            docids.clear ();
        docids[id] = did;
    }

    // A document's public word keys, without those in more than half of a
    // large index (they tell nothing apart).
    // words_of, remembered (recurring-problem checks compare each new
    // ticket with many recent ones); put and delete forget a document.
    std::unordered_map<Xapian::docid, std::set<std::string>> words_cache;

    const std::set<std::string> &cached_words (Xapian::docid did)
    {
        auto it = words_cache.find (did);
        if (it != words_cache.end ())
            return it->second;
        return words_cache.emplace (did, words_of (did)).first->second;
    }

    std::set<std::string> words_of (Xapian::docid did)
    {
        std::set<std::string> out;
        Xapian::doccount n = db.get_doccount ();
        for (Xapian::TermIterator t = db.termlist_begin (did); t != db.termlist_end (did); ++t) {
            const std::string term = *t;
            if ((s_is_prefixed (term) && term[0] != 'E') || (n >= 100 && t.get_termfreq () > n / 2))
                continue;
            out.insert (term);
        }
        return out;
    }

    // A document's public terms with tf-idf weights.
    std::map<std::string, double> vector_of (Xapian::docid did)
    {
        std::map<std::string, double> v;
        double n = (double) db.get_doccount ();
        for (Xapian::TermIterator t = db.termlist_begin (did); t != db.termlist_end (did); ++t) {
            const std::string term = *t;
            if (s_is_prefixed (term) && term[0] != 'E')
                continue;
            double idf = std::log ((n + 1) / (double) std::max (1u, t.get_termfreq ()));
            v[term] = (1 + std::log ((double) t.get_wdf ())) * idf;
        }
        return v;
    }

    // Made by the first search that reads; declared last, so destroyed
    // (its thread joined) before anything it could read.
    std::unique_ptr<helper_t> helper;
};

/* The snippet of a document's data (id \x1f title \x1f text) into out,
 * when q asks for one and the data has a text. */
static bool
s_snippet_of (const kb_index_t *self, const kb_query_t *q, kb_index_t::marks_t &marks,
              const std::string &data, std::string *out)
{
    size_t a = data.find ('\x1f'), b = a == std::string::npos ? a : data.find ('\x1f', a + 1);
    if (q->is_ids_only || q->snippet_chars <= 0 || b == std::string::npos)
        return false;
    *out = self->snippet (data.substr (b + 1), marks, (size_t) q->snippet_chars, true);
    return true;
}

/* One hit from its document's data: id, title and snippet (NULL: none);
 * with q->is_ids_only, data is the id's value. */
static void
s_hit (const kb_query_t *q, const std::string &data, const std::string *snippet, double weight,
       kb_hit_t *h)
{
    h->score = weight;
    if (q->is_ids_only) {
        h->id = s_dup (data);
        h->title = s_dup ("");
        return;
    }
    size_t a = data.find ('\x1f'), b = a == std::string::npos ? a : data.find ('\x1f', a + 1);
    h->id = s_dup (data.substr (0, a));
    h->title = s_dup (a == std::string::npos ? "" : data.substr (a + 1, b - a - 1));
    if (snippet)
        h->snippet = s_dup (*snippet);
}

/* The hits of mset, which enquire found. */
static void
s_fill_from (kb_index_t *self, const kb_query_t *q, Xapian::Enquire &enquire,
             const Xapian::MSet &mset, int nterms, kb_results_t *r)
{
    r->estimated = mset.get_matches_estimated ();
    r->nterms = nterms;
    r->hits = (kb_hit_t *) calloc (mset.size () + 1, sizeof (kb_hit_t));
    std::unordered_set<std::string> keys;
    if (q->snippet_chars > 0)
        keys = self->query_keys (q->text ? q->text : "");
    kb_index_t::marks_t marks{keys, self->keyer, {}, {}, {}};
    for (Xapian::MSetIterator it = mset.begin (); it != mset.end (); ++it) {
        kb_hit_t *h = &r->hits[r->nhits++];
        Xapian::Document doc = it.get_document ();
        std::string data = q->is_ids_only ? doc.get_value (s_id_slot) : doc.get_data (), snippet;
        bool has_snippet = s_snippet_of (self, q, marks, data, &snippet);
        s_hit (q, data, has_snippet ? &snippet : nullptr, it.get_weight (), h);
        if (r->nhits == 1)
            h->coverage = self->words.empty () ? it.get_percent () / 100.0
                                               : self->coverage (enquire, *it);
    }
}

static void
s_fill (kb_index_t *self, const kb_query_t *q, Xapian::Enquire &enquire, int nterms,
        kb_results_t *r)
{
    int limit = q->limit > 0 ? q->limit : 10;
    facet_spy_t spy (self->docs);
    if (q->want_facets) {
        self->docs.load (self->db);
        enquire.add_matchspy (&spy);
    }
    Xapian::MSet mset = enquire.get_mset ((Xapian::doccount) std::max (0, q->offset),
                                          (Xapian::doccount) limit,
                                          q->want_facets ? s_facet_matches : 0u);
    enquire.clear_matchspies ();
    s_fill_from (self, q, enquire, mset, nterms, r);
    if (q->want_facets)
        spy.fill (r, mset);
}

/* The newest matches of query (q->limit, unweighted). Xapian reads posting
 * lists in ascending docid order, so asking it for the highest docids goes
 * through every match: slower with every ticket. Documents come in time
 * order (tickets as they are created), so look among the last 4 x limit
 * documents first, then 4 times as many, until there are enough matches,
 * the range reaches the first document, or it starts before q's time
 * window. */
static void
s_recent (kb_index_t *self, const kb_query_t *q, const Xapian::Query &query, int nterms,
          kb_results_t *r)
{
    Xapian::doccount limit = (Xapian::doccount) (q->limit > 0 ? q->limit : 10);
    Xapian::docid last = self->db.get_lastdocid (), span = 4 * limit;
    for (;;) {
        Xapian::docid lo = last > span ? last - span + 1 : 1;
        Xapian::Enquire enquire (self->db);
        enquire.set_query (Xapian::Query (Xapian::Query::OP_FILTER, query,
                                          Xapian::Query ((new range_source_t (lo, last))->release ())));
        enquire.set_weighting_scheme (Xapian::BoolWeight ());
        enquire.set_docid_order (Xapian::Enquire::DESCENDING);
        Xapian::MSet mset = enquire.get_mset (0, limit);
        if (mset.size () >= limit || lo == 1 || self->is_older (lo, q->min_time_us)) {
            s_fill_from (self, q, enquire, mset, nterms, r);
            return;
        }
        span = span > last / 4 ? last : span * 4;
    }
}

/* Runs fn, Xapian's errors caught at the border: 0, or -1 with the error
 * kept for kb_index_error. */
template <typename F>
static int
s_try (kb_index_t *self, F fn)
{
    try {
        fn ();
        return 0;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return -1;
    }
}

extern "C" kb_index_t *
kb_index_open (const char *path, char *err, size_t err_size)
{
    try {
        kb_index_t *self = new kb_index_t;
        self->db = Xapian::WritableDatabase (path, Xapian::DB_CREATE_OR_OPEN);
        self->path = path;
        return self;
    }
    catch (const Xapian::Error &e) {
        std::snprintf (err, err_size, "%s", e.get_description ().c_str ());
        return nullptr;
    }
}

extern "C" void
kb_index_close (kb_index_t **self_p)
{
    if (*self_p) {
        try {
            (*self_p)->db.close ();
        }
        catch (const Xapian::Error &) {
        }
        delete *self_p;
        *self_p = nullptr;
    }
}

extern "C" void
kb_index_set_stopwords (kb_index_t *self, const char *text)
{
    self->stopwords.clear ();
    std::string all = text ? text : "";
    self->stopwords_text = all;
    size_t pos = 0;
    while (pos < all.size ()) {
        size_t eol = all.find ('\n', pos);
        if (eol == std::string::npos)
            eol = all.size ();
        std::string line = all.substr (pos, eol - pos);
        pos = eol + 1;
        if (!line.empty () && line[0] == '#')
            continue;
        for (const kb_token_t &t : kb_text_tokens (line))
            self->stopwords.insert (t.folded);
    }
}

extern "C" void
kb_index_add_synonyms (kb_index_t *self, const char *group)
{
    // Each member: the keys of its words.
    std::vector<std::vector<std::string>> members;
    std::string all = group ? group : "";
    size_t pos = 0;
    while (pos <= all.size ()) {
        size_t comma = all.find (',', pos);
        if (comma == std::string::npos)
            comma = all.size ();
        std::vector<std::string> keys;
        for (const kb_token_t &t : kb_text_tokens (all.substr (pos, comma - pos)))
            if (!self->is_stopword (t.folded))
                keys.push_back (self->key (t.folded));
        if (!keys.empty ())
            members.push_back (keys);
        pos = comma + 1;
    }
    // A single-word member gets every other member as an alternative; a
    // member of several words becomes a phrase (kb_index_t.phrases).
    for (size_t i = 0; i < members.size (); i++) {
        if (members[i].size () != 1) {
            kb_index_t::phrase_t p{members[i], {}};
            for (size_t j = 0; j < members.size (); j++)
                if (j != i)
                    p.others.push_back (members[j]);
            bool is_known = std::any_of (self->phrases.begin (), self->phrases.end (),
                                         [&] (const kb_index_t::phrase_t &o) {
                                             return o.keys == p.keys && o.others == p.others;
                                         });
            if (!is_known)
                self->phrases.push_back (p);
            continue;
        }
        // A group given twice (built in and in the config) counts once.
        auto &alts = self->synonyms[members[i][0]];
        for (size_t j = 0; j < members.size (); j++)
            if (j != i && std::find (alts.begin (), alts.end (), members[j]) == alts.end ())
                alts.push_back (members[j]);
    }
}

extern "C" void
kb_index_set_weights (kb_index_t *self, int title, int tags, int body)
{
    self->w_title = title > 0 ? title : 1;
    self->w_tags = tags > 0 ? tags : 1;
    self->w_body = body > 0 ? body : 1;
}

extern "C" void
kb_index_set_spelling (kb_index_t *self, int is_on)
{
    self->spelling = is_on != 0;
}

/* Xapian 1.4.22 cannot read back some documents whose data is longer than
 * 8 KiB and compresses well (a long run of one character: "Too few chunks
 * of compressed data"), and every search that finds such a document would
 * fail. Reads document did's data back and, while it does not read, pads
 * it with spaces (a few tries cure every case seen). */
static void
s_make_readable (Xapian::WritableDatabase &db, Xapian::docid did, Xapian::Document &doc,
                 std::string &data)
{
    for (size_t pad = 1; pad <= 4096; pad *= 2) {
        try {
            db.get_document (did).get_data ();
            return;
        }
        catch (const Xapian::DatabaseCorruptError &) {
            data.append (pad, ' ');
            doc.set_data (data);
            db.replace_document (did, doc);
        }
    }
}

extern "C" int
kb_index_put (kb_index_t *self, const kb_doc_t *d)
{
    std::string id = d->id ? d->id : "";
    if (id.empty () || !s_is_term ("Q" + id)) {
        // Refused before Xapian sees it: the batch keeps its changes.
        self->error = "a document id must have 1 to " + std::to_string (KB_TEXT_MAX_TERM - 1) + " bytes";
        return -1;
    }
    return s_try (self, [&] {
        Xapian::Document doc;
        self->changing (id); // before index_text adds spellings
        bool is_en = d->language && std::strncmp (d->language, "en", 2) == 0;
        std::string body = kb_text_plain (d->body);
        body.resize (kb_text_cut (body.data (), body.size (), 65536));
        if (d->title)
            self->index_text (doc, d->title, self->w_title, is_en, "");
        if (d->tags)
            self->index_text (doc, d->tags, self->w_tags, is_en, "");
        self->index_text (doc, body, self->w_body, is_en, "");
        if (d->private_text)
            self->index_text (doc, d->private_text, 1, false, "I");
        doc.add_boolean_term ("Q" + id);
        // A filter too long to be a term is left out: a query with it
        // finds nothing (s_filtered).
        for (int i = 0; i < d->nfilters && i < KB_MAX_FILTERS; i++)
            if (d->filters[i] && s_is_term (d->filters[i]))
                doc.add_boolean_term (d->filters[i]);
        doc.add_value (0, Xapian::sortable_serialise ((double) d->time_us));
        doc.add_value (s_id_slot, id);
        for (int slot = 1; slot < KB_SLOTS; slot++)
            if (d->facets[slot])
                doc.add_value ((Xapian::valueno) slot, d->facets[slot]);
        std::string data = id + "\x1f" + (d->title ? d->title : "") + "\x1f" + body;
        doc.set_data (data);
        Xapian::docid did = self->db.replace_document ("Q" + id, doc);
        if (data.size () > 8192)
            s_make_readable (self->db, did, doc, data);
        self->remember (id, did);
        self->df_cache.clear ();
        self->words_cache.erase (did);
        Xapian::termcount length = 0;
        for (Xapian::TermIterator t = doc.termlist_begin (); t != doc.termlist_end (); ++t)
            length += t.get_wdf ();
        self->docs.set (did, d->facets, length);
    });
}

extern "C" int
kb_index_delete (kb_index_t *self, const char *id)
{
    if (!id || !s_is_term ("Q" + std::string (id)))
        return 0; // no such document can be in the index
    return s_try (self, [&] {
        self->changing (id);
        Xapian::docid did = self->find (id);
        self->docids.erase (id);
        self->df_cache.clear ();
        self->words_cache.erase (did);
        self->docs.clear (did);
        self->db.delete_document ("Q" + std::string (id));
    });
}

extern "C" void
kb_index_begin (kb_index_t *self)
{
    self->in_batch = true;
}

extern "C" int
kb_index_changed (kb_index_t *self)
{
    return self->dirty;
}

static const char s_batch_key[] = "balcao.batch", s_batch_ids_key[] = "balcao.batch_ids";

extern "C" int
kb_index_mark (kb_index_t *self, uint64_t batch)
{
    return s_try (self, [&] {
        self->changing ("");
        std::string ids;
        for (const std::string &id : self->touched)
            ids += id + "\n";
        self->db.set_metadata (s_batch_key, std::to_string (batch));
        self->db.set_metadata (s_batch_ids_key, ids);
    });
}

extern "C" char *
kb_index_marked (kb_index_t *self, uint64_t *batch)
{
    try {
        *batch = std::strtoull (self->db.get_metadata (s_batch_key).c_str (), nullptr, 10);
        return s_dup (self->db.get_metadata (s_batch_ids_key));
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        *batch = 0;
        return nullptr;
    }
}

extern "C" int
kb_index_commit (kb_index_t *self)
{
    if (!self->dirty) {
        self->in_batch = false;
        return 0;
    }
    return s_try (self, [&] {
        if (self->in_transaction)
            self->db.commit_transaction (); // flushed: committed to disk
        else
            self->db.commit ();
        self->in_transaction = self->in_batch = self->dirty = false;
        self->touched.clear ();
    });
}

extern "C" void
kb_index_cancel (kb_index_t *self)
{
    if (self->in_transaction) {
        try {
            self->db.cancel_transaction ();
        }
        catch (const Xapian::Error &e) {
            self->error = e.get_description ();
        }
        self->forget (); // the batch's docids, facets and lengths with it
    }
    self->in_transaction = self->in_batch = self->dirty = false;
    self->touched.clear ();
}

extern "C" char *
kb_index_scheme_wanted (kb_index_t *self)
{
    // FNV-1a of the stopword list: a changed list changes the terms.
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : self->stopwords_text)
        h = (h ^ c) * 1099511628211ULL;
    char out[160];
    std::snprintf (out, sizeof out, "%d stopwords=%016llx weights=%d/%d/%d", KB_INDEX_SCHEME,
                   (unsigned long long) h, self->w_title, self->w_tags, self->w_body);
    return strdup (out);
}

extern "C" char *
kb_index_scheme (kb_index_t *self)
{
    try {
        return s_dup (self->db.get_metadata ("balcao.scheme"));
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return strdup ("");
    }
}

extern "C" int
kb_index_set_scheme (kb_index_t *self, const char *scheme)
{
    return s_try (self, [&] {
        self->changing ("");
        self->db.set_metadata ("balcao.scheme", scheme);
    });
}

extern "C" int
kb_index_clear (kb_index_t *self)
{
    return s_try (self, [&] {
        self->helper.reset (); // its database is of the files replaced
        self->db.close ();
        self->db = Xapian::WritableDatabase (self->path, Xapian::DB_CREATE_OR_OVERWRITE);
        self->forget ();
        self->in_transaction = self->in_batch = self->dirty = false;
        self->touched.clear ();
    });
}

extern "C" int
kb_index_warm (kb_index_t *self)
{
    return s_try (self, [&] {
        self->docs.load (self->db);
    });
}

extern "C" uint64_t
kb_index_count (kb_index_t *self)
{
    try {
        return self->db.get_doccount ();
    }
    catch (const Xapian::Error &) {
        return 0;
    }
}

/* The page of results of query in two passes. First the best candidates
 * by the matching words alone (kb_index_t.build), weighed by which of them
 * they have (s_bm25_candidates: no document length read), with the facets
 * and the estimate. Then those candidates alone, weighed by BM25 with
 * lengths and everything (kb_index_t.second: the words, pairs, words as
 * written and frequent words), from each candidate's term list: one read a
 * candidate, where Xapian would skip each of some 20 posting lists to each
 * candidate (a block read for most). The term lists and the page's data
 * are read on two threads (kb_index_t.each). */
static void
s_reranked (kb_index_t *self, const kb_query_t *q, Xapian::Enquire &enquire,
            const Xapian::Query &query, int nterms, kb_results_t *r)
{
    if (self->helper && !self->dirty)
        self->helper->wake ();
    enquire.set_query (query);
    enquire.set_weighting_scheme (s_bm25_candidates ());
    facet_spy_t spy (self->docs);
    self->docs.load (self->db);
    if (q->want_facets)
        enquire.add_matchspy (&spy);
    int offset = std::max (0, q->offset), limit = q->limit > 0 ? q->limit : 10;
    Xapian::doccount wanted = (Xapian::doccount) (offset + limit + s_rerank_extra);
    Xapian::MSet first = enquire.get_mset (0, wanted, q->want_facets ? s_facet_matches : 0u);
    enquire.clear_matchspies ();
    if (!self->all_words.empty () && first.size () < wanted) {
        // Too few documents with the words side by side pass the filters:
        // every document with the words, then.
        spy.reset ();
        enquire.set_query (self->all_words);
        if (q->want_facets)
            enquire.add_matchspy (&spy);
        first = enquire.get_mset (0, wanted, q->want_facets ? s_facet_matches : 0u);
        enquire.clear_matchspies ();
        self->all_words = Xapian::Query ();
    }
    r->estimated = first.get_matches_estimated ();
    if (!self->all_words.empty ()) {
        // Candidates among the pairs: the estimate of every match (from
        // term statistics: no posting is read).
        Xapian::Enquire all (self->db);
        all.set_query (self->all_words);
        r->estimated = std::max (r->estimated, (uint64_t) all.get_mset (0, 0).get_matches_estimated ());
        if (q->want_facets)
            spy.fill (r, false, (Xapian::doccount) r->estimated);
    }
    else if (q->want_facets)
        spy.fill (r, first);
    r->nterms = nterms;
    // The terms in name order, as term lists are.
    const std::vector<std::string> &terms = self->terms;
    std::vector<size_t> by_name (terms.size ());
    for (size_t i = 0; i < by_name.size (); i++)
        by_name[i] = i;
    std::sort (by_name.begin (), by_name.end (),
               [&] (size_t a, size_t b) { return terms[a] < terms[b]; });
    Xapian::doccount n = self->db.get_doccount ();
    double avlen = self->db.get_avlength ();
    for (part_t &p : self->second)
        p.termweight = s_bm25_termweight (n, p.df, p.factor);
    struct candidate_t {
        Xapian::docid did;
        double weight;
        std::vector<Xapian::termcount> wdf; // of each of terms
        std::string data, snippet;
        bool has_snippet;
    };
    std::vector<candidate_t> candidates;
    for (Xapian::MSetIterator it = first.begin (); it != first.end (); ++it)
        candidates.push_back ({*it, 0, std::vector<Xapian::termcount> (terms.size ()), "", "", false});
    // Each candidate's term list, on two threads.
    self->each (candidates.size (), [&] (Xapian::Database &db, size_t c) {
        std::vector<Xapian::termcount> &wdf = candidates[c].wdf;
        std::fill (wdf.begin (), wdf.end (), 0);
        Xapian::TermIterator t = db.termlist_begin (candidates[c].did), end = db.termlist_end (candidates[c].did);
        for (size_t i : by_name) {
            t.skip_to (terms[i]);
            if (t == end)
                break;
            if (*t == terms[i])
                wdf[i] = t.get_wdf ();
        }
    });
    for (candidate_t &c : candidates) {
        double doclen = (double) self->docs.length_of (c.did);
        for (const part_t &p : self->second)
            c.weight += s_bm25_part (p.termweight, p.wdf_in (c.wdf), doclen, avlen);
    }
    // Equal weights keep the first order.
    std::stable_sort (candidates.begin (), candidates.end (),
                      [] (const candidate_t &a, const candidate_t &b) { return a.weight > b.weight; });
    std::unordered_set<std::string> keys;
    if (q->snippet_chars > 0)
        keys = self->query_keys (q->text ? q->text : "");
    size_t end = std::min (candidates.size (), (size_t) (offset + limit));
    size_t page = end > (size_t) offset ? end - (size_t) offset : 0;
    // The page's data (ids only: the id's value) and snippets, on two
    // threads too, each with its own marks and keyer.
    kb_index_t::marks_t marks{keys, self->keyer, {}, {}, {}};
    std::unique_ptr<kb_index_t::marks_t> helper_marks;
    self->each (page, [&] (Xapian::Database &db, size_t i) {
        bool is_helper = &db != &self->db;
        if (is_helper && !helper_marks)
            helper_marks.reset (new kb_index_t::marks_t{keys, s_thread_keyer (), {}, {}, {}});
        candidate_t &c = candidates[(size_t) offset + i];
        Xapian::Document doc = db.get_document (c.did);
        c.data = q->is_ids_only ? doc.get_value (s_id_slot) : doc.get_data ();
        c.has_snippet = s_snippet_of (self, q, is_helper ? *helper_marks : marks, c.data, &c.snippet);
    });
    r->hits = (kb_hit_t *) calloc (page + 1, sizeof (kb_hit_t));
    for (size_t i = (size_t) offset; i < end; i++) {
        kb_hit_t *h = &r->hits[r->nhits++];
        s_hit (q, candidates[i].data, candidates[i].has_snippet ? &candidates[i].snippet : nullptr,
               candidates[i].weight, h);
        if (r->nhits == 1) {
            std::unordered_set<std::string> matched;
            for (size_t t = 0; t < terms.size (); t++)
                if (candidates[i].wdf[t])
                    matched.insert (terms[t]);
            h->coverage = self->coverage (matched, candidates[i].did);
        }
    }
}

/* One search of q's text as it is, into r. */
static void
s_search_once (kb_index_t *self, const kb_query_t *q, kb_results_t *r)
{
    int nterms = 0;
    Xapian::Query query = self->build (q, &nterms);
    Xapian::Enquire enquire (self->db);
    enquire.set_weighting_scheme (s_bm25 ());
    if (!self->second.empty ())
        s_reranked (self, q, enquire, query, nterms, r);
    else {
        enquire.set_query (query);
        s_fill (self, q, enquire, nterms, r);
    }
}

/* q's text with its unknown words corrected from the dictionary of indexed
 * words, or "" when none is. A word is unknown when the index has neither
 * its key, nor its English key, nor the word as written: a word the
 * articles contain is never corrected, whatever the dictionary says. */
static std::string
s_corrected (kb_index_t *self, const kb_query_t *q)
{
    std::string text = q->text, fixed;
    bool changed = false;
    size_t at = 0;
    for (const kb_token_t &t : kb_text_tokens (text, 64)) {
        fixed.append (text, at, t.start - at);
        std::string word = text.substr (t.start, t.end - t.start);
        at = t.end;
        std::string written = kb_text_lower (word.data (), word.size ());
        if (!self->is_stopword (t.folded) && s_is_term (written) && t.folded.size () >= 3
            && self->termfreq (self->key (t.folded)) == 0
            && self->termfreq (self->en_key (t.folded)) == 0
            && (!s_is_term ("X" + t.folded) || self->termfreq ("X" + t.folded) == 0)) {
            std::string s = self->db.get_spelling_suggestion (written);
            if (!s.empty () && s != written) {
                fixed += s;
                changed = true;
                continue;
            }
        }
        fixed += word;
    }
    fixed.append (text, at, std::string::npos);
    return changed ? kb_text_valid (fixed) : std::string ();
}

// The corrected query's results replace those of the query as typed when
// the typed one finds nothing, or when the corrected one's first hit covers
// this much more of the query (kb_hit_t.coverage: an unknown word weighs
// the most). One typo a query (docs/benchmarks.md), success@1 with a gain
// of 0 / 0.05 / 0.1 / 0.2: help-desk set 0.858 / 0.858 / 0.849 / 0.849,
// FaQuAD 0.852 / 0.851 / 0.850 / 0.842; a small margin keeps a correction
// that finds no better from replacing what the typed words found.
const double s_correction_gain = 0.05;
// ... and only when the corrected query itself is well answered: its best
// hit covers at least this much of it (kb_search.c's suggestion floor).
// Unknown words corrected to whatever is near ("zebra" -> "abra", "nota"
// -> "nova") must not turn "nothing found" into unrelated articles.
const double s_correction_floor = 0.5;

extern "C" int
kb_index_search (kb_index_t *self, const kb_query_t *q, kb_results_t **out)
{
    kb_results_t *r = (kb_results_t *) calloc (1, sizeof *r);
    try {
        s_search_once (self, q, r);
        // "Você quis dizer" when the query has unknown words the dictionary
        // can correct; and the corrected query's results ("mostrando
        // resultados para") when they are much better than the typed one's.
        std::string fixed = q->want_spelling && q->text && !q->is_partial ? s_corrected (self, q)
                                                                          : std::string ();
        if (!fixed.empty ()) {
            kb_query_t again = *q;
            again.text = fixed.c_str ();
            again.want_spelling = 0;
            kb_results_t *better = (kb_results_t *) calloc (1, sizeof *better);
            try {
                s_search_once (self, &again, better);
            }
            catch (...) {
                kb_results_destroy (&better);
                throw;
            }
            double typed = r->nhits ? r->hits[0].coverage : 0;
            bool is_good = better->nhits > 0 && better->hits[0].coverage >= s_correction_floor;
            bool is_better = is_good && !q->is_as_typed
                             && (r->nhits == 0 || better->hits[0].coverage >= typed + s_correction_gain);
            if (is_better) {
                std::swap (*r, *better);
                r->corrected = s_dup (fixed);
            }
            else if (is_good && (r->nhits == 0 || r->hits[0].coverage < 0.5))
                r->spelling = s_dup (fixed);
            kb_results_destroy (&better);
        }
        *out = r;
        return 0;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        kb_results_destroy (&r);
        return -1;
    }
}

extern "C" int
kb_index_similar (kb_index_t *self, const char *id, const kb_query_t *q, kb_results_t **out)
{
    kb_results_t *r = (kb_results_t *) calloc (1, sizeof *r);
    try {
        Xapian::docid did = self->find (id);
        if (!did) {
            *out = r;
            return 0;
        }
        // The document's most telling public terms as the query.
        std::map<std::string, double> v = self->vector_of (did);
        std::vector<std::pair<double, std::string>> ranked;
        for (const auto &kv : v)
            ranked.push_back ({kv.second, kv.first});
        std::sort (ranked.begin (), ranked.end (), std::greater<> ());
        size_t nterms = q->is_recent_first ? 8 : 16;
        if (ranked.size () > nterms)
            ranked.resize (nterms);
        std::vector<Xapian::Query> terms;
        for (const auto &t : ranked)
            terms.emplace_back (t.second);
        kb_query_t copy = *q;
        copy.snippet_chars = 0;
        copy.want_spelling = 0;
        self->words.clear ();
        Xapian::Query query (Xapian::Query::OP_OR, terms.begin (), terms.end ());
        query = s_filtered (query, q);
        query = Xapian::Query (Xapian::Query::OP_AND_NOT, query, Xapian::Query ("Q" + std::string (id)));
        if (q->is_recent_first)
            s_recent (self, &copy, query, (int) terms.size (), r);
        else {
            Xapian::Enquire enquire (self->db);
            enquire.set_query (query);
            s_fill (self, &copy, enquire, (int) terms.size (), r);
        }
        *out = r;
        return 0;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        kb_results_destroy (&r);
        return -1;
    }
}

extern "C" double
kb_index_similarity (kb_index_t *self, const char *id_a, const char *id_b)
{
    try {
        Xapian::docid a = self->find (id_a), b = self->find (id_b);
        if (!a || !b)
            return 0;
        if (self->words_cache.size () > 20000)
            self->words_cache.clear ();
        // Shared words over the geometric mean of the word counts (Ochiai)
        // rather than tf-idf: in a burst of tickets about one problem, its
        // words are frequent, and idf would count them least.
        const std::set<std::string> &sa = self->cached_words (a), &sb = self->cached_words (b);
        size_t shared = 0;
        for (const std::string &t : sa)
            shared += sb.count (t);
        return sa.empty () || sb.empty () ? 0 : shared / std::sqrt ((double) sa.size () * sb.size ());
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return 0;
    }
}

extern "C" int
kb_index_shared_words (kb_index_t *self, const char *const *ids, int nids, char **words, int max)
{
    try {
        if (nids <= 0)
            return 0;
        std::map<std::string, double> shared;
        std::string text;
        for (int i = 0; i < nids; i++) {
            Xapian::docid did = self->find (ids[i]);
            if (!did)
                return 0;
            std::map<std::string, double> v = self->vector_of (did);
            if (i == 0) {
                shared = v;
                std::string data = self->db.get_document (did).get_data ();
                size_t a = data.find ('\x1f');
                text = a == std::string::npos ? data : data.substr (a + 1);
                continue;
            }
            for (auto it = shared.begin (); it != shared.end ();)
                it = v.count (it->first) ? std::next (it) : shared.erase (it);
        }
        // Most telling: rarest in the whole index.
        std::vector<std::pair<unsigned, std::string>> ranked;
        for (const auto &kv : shared)
            ranked.push_back ({self->db.get_termfreq (kv.first), kv.first});
        std::sort (ranked.begin (), ranked.end ());
        int n = 0;
        std::set<std::string> done;
        for (const auto &t : ranked) {
            if (n >= max)
                break;
            for (const kb_token_t &tok : kb_text_tokens (text)) {
                if (self->is_stopword (tok.folded) || self->key (tok.folded) != t.second)
                    continue;
                std::string word = kb_text_lower (text.data () + tok.start, tok.end - tok.start);
                if (done.insert (word).second)
                    words[n++] = s_dup (word);
                break;
            }
        }
        return n;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return -1;
    }
}

extern "C" char *
kb_index_excerpt (kb_index_t *self, const char *text, const char *query, int max_chars)
{
    std::string plain = kb_text_plain (text);
    std::unordered_set<std::string> keys = self->query_keys (query ? query : "");
    // Sentences: split after . ! ? or a line break.
    std::vector<std::pair<size_t, size_t>> sentences;
    size_t start = 0;
    for (size_t i = 0; i <= plain.size (); i++) {
        bool end = i == plain.size () || plain[i] == '\n'
                   || ((plain[i] == '.' || plain[i] == '!' || plain[i] == '?')
                       && (i + 1 == plain.size () || plain[i + 1] == ' ' || plain[i + 1] == '\n'));
        if (!end)
            continue;
        size_t stop = i < plain.size () && plain[i] != '\n' ? i + 1 : i;
        while (start < stop && std::isspace ((unsigned char) plain[start]))
            start++;
        if (stop > start)
            sentences.push_back ({start, stop});
        start = i + 1;
    }
    size_t best = 0;
    int best_score = -1;
    for (size_t s = 0; s < sentences.size (); s++) {
        std::set<std::string> found;
        for (const kb_token_t &t : kb_text_tokens (plain.substr (sentences[s].first,
                                                        sentences[s].second - sentences[s].first)))
            if (!self->is_stopword (t.folded) && keys.count (self->key (t.folded)))
                found.insert (self->key (t.folded));
        if ((int) found.size () > best_score) {
            best_score = (int) found.size ();
            best = s;
        }
    }
    std::string out;
    for (size_t s = best; s < sentences.size (); s++) {
        std::string piece = plain.substr (sentences[s].first, sentences[s].second - sentences[s].first);
        if (!out.empty () && out.size () + piece.size () + 1 > (size_t) max_chars)
            break;
        out += (out.empty () ? "" : " ") + piece;
        if (out.size () >= (size_t) max_chars / 2)
            break;
    }
    // One space between words (Markdown leaves runs of them).
    std::string tidy;
    for (char c : out)
        if (!(std::isspace ((unsigned char) c) && (tidy.empty () || tidy.back () == ' ')))
            tidy += std::isspace ((unsigned char) c) ? ' ' : c;
    out = tidy;
    if (out.size () > (size_t) max_chars) {
        size_t cut = out.rfind (' ', (size_t) max_chars);
        if (cut == std::string::npos)
            cut = kb_text_cut (out.data (), out.size (), (size_t) max_chars);
        out = out.substr (0, cut) + "…";
    }
    return s_dup (kb_text_valid (out)); // the text may not be valid UTF-8
}

extern "C" void
kb_results_destroy (kb_results_t **self_p)
{
    kb_results_t *r = *self_p;
    if (!r)
        return;
    for (int i = 0; i < r->nhits; i++) {
        free (r->hits[i].id);
        free (r->hits[i].title);
        free (r->hits[i].snippet);
    }
    for (int i = 0; i < r->nfacets; i++)
        free (r->facets[i].value);
    free (r->hits);
    free (r->facets);
    free (r->spelling);
    free (r->corrected);
    free (r);
    *self_p = nullptr;
}

extern "C" char *
kb_index_key (kb_index_t *self, const char *word)
{
    std::string f = kb_text_fold (word, std::strlen (word));
    return s_dup (self->key (f));
}

extern "C" const char *
kb_index_error (kb_index_t *self)
{
    return self->error.c_str ();
}
