// kb_index_search: running queries (kb_index_search: two passes, facets,
// spelling corrections), documents like one (kb_index_similar, _similarity,
// _shared_words) and excerpts around a query's words (kb_index_excerpt).
// Queries are built in kb_index_query.cc; the reads are shared with the
// second reader thread (kb_index_helper.cc).
#include "kb_index_internal.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

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

// The calling thread's keyer (made on its first call there).
static keyer_t &
s_thread_keyer ()
{
    static thread_local keyer_t keyer;
    return keyer;
}

Xapian::termcount
part_t::wdf_in (const std::vector<Xapian::termcount> &wdf) const
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

double
kb_index_t::coverage (const Xapian::Enquire &enquire, Xapian::docid did)
{
    return coverage (std::unordered_set<std::string> (enquire.get_matching_terms_begin (did),
                                                      enquire.get_matching_terms_end (did)),
                     did);
}

bool
kb_index_t::has_prefix (Xapian::docid did, const std::string &prefix)
{
    for (const std::string &p : {prefix, "X" + prefix}) {
        Xapian::TermIterator t = db.termlist_begin (did);
        t.skip_to (p);
        if (t != db.termlist_end (did) && (*t).compare (0, p.size (), p) == 0)
            return true;
    }
    return false;
}

double
kb_index_t::coverage (const std::unordered_set<std::string> &matched, Xapian::docid did)
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

void
kb_index_t::each (size_t n, const std::function<void (Xapian::Database &, size_t)> &item)
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

bool
kb_index_t::is_older (Xapian::docid did, int64_t time_us)
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

const std::set<std::string> &
kb_index_t::cached_words (Xapian::docid did)
{
    auto it = words_cache.find (did);
    if (it != words_cache.end ())
        return it->second;
    return words_cache.emplace (did, words_of (did)).first->second;
}

std::set<std::string>
kb_index_t::words_of (Xapian::docid did)
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

std::map<std::string, double>
kb_index_t::vector_of (Xapian::docid did)
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
        query = kb_index_t::filtered (query, q);
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
kb_index_shared_words (kb_index_t *self, const char *const *ids, int nids, const char *first_title,
                       const char *first_body, char **words, int max)
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
                if (first_title || first_body) {
                    // As kb_index_put writes the data: title, 0x1F, plain text.
                    std::string body = kb_text_plain (first_body);
                    body.resize (kb_text_cut (body.data (), body.size (), 65536));
                    text = std::string (first_title ? first_title : "") + "\x1f" + body;
                    continue;
                }
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
