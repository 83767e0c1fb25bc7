// kb_index_query: a query's text as a Xapian query (kb_index_t.build): its
// words' terms and synonyms, the phrases of several words, the words typed
// so far, the parts of the second pass (pairs, words as written, frequent
// words) and the filters; and the highlighted snippets around the query's
// words. Searches run them in kb_index_search.cc.
#include "kb_index_internal.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace {

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

} // namespace

/* query restricted by q's boolean filters (type, category, audience,
 * status, customer terms) and its time range, when it has any, without the
 * documents that have any of its exclusions. An empty filter or exclusion
 * restricts nothing; a filter too long to be a term (kb_index_put skipped
 * it) lets no document through, and such an exclusion excludes none. */
Xapian::Query
kb_index_t::filtered (const Xapian::Query &query, const kb_query_t *q)
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

Xapian::doccount
kb_index_t::termfreq (const std::string &term)
{
    auto it = df_cache.find (term);
    if (it != df_cache.end ())
        return it->second;
    if (df_cache.size () > 200000)
        df_cache.clear ();
    return df_cache[term] = db.get_termfreq (term);
}

bool
kb_index_t::is_useful (const std::string &term)
{
    if (!s_is_term (term))
        return false;
    Xapian::doccount df = termfreq (term);
    return df > 0 && (!max_df || df <= max_df);
}

size_t
kb_index_t::term_index (const std::string &term)
{
    auto it = term_at.find (term);
    if (it != term_at.end ())
        return it->second;
    terms.push_back (term);
    return term_at[term] = terms.size () - 1;
}

Xapian::doccount
kb_index_t::df_or (Xapian::doccount a, Xapian::doccount b)
{
    double n = std::max (1u, db.get_doccount ());
    return (Xapian::doccount) std::min (n, a + b - (double) a * b / n);
}

Xapian::doccount
kb_index_t::df_and (Xapian::doccount a, Xapian::doccount b)
{
    return (Xapian::doccount) ((double) a * b / std::max (1u, db.get_doccount ()));
}

void
kb_index_t::add_if_known (std::vector<Xapian::Query> &alts, std::vector<size_t> *forms,
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

Xapian::Query
kb_index_t::word_query (const std::string &folded, bool include_private, part_t *part)
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

void
kb_index_t::add_member (const std::vector<std::string> &group, bool include_private,
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

part_t
kb_index_t::term_part (const std::string &term, double factor)
{
    part_t p;
    p.alts.push_back ({{term_index (term)}});
    p.factor = factor;
    p.df = termfreq (term);
    return p;
}

std::unordered_set<std::string>
kb_index_t::query_keys (const std::string &text)
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

Xapian::Query
kb_index_t::build (const kb_query_t *q, int *nterms)
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

Xapian::Query
kb_index_t::build_with (const kb_query_t *q, int *nterms, bool *has_terms)
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
        out = filtered (out, q);
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

int
kb_index_t::mark_of (marks_t &marks, const std::string &folded) const
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

std::string
kb_index_t::snippet (const std::string &text, marks_t &marks, size_t max_chars, bool is_html) const
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
