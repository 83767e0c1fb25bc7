// kb_index: Xapian behind a C API (see kb_index.h for the term scheme).
// This file: opening and closing the index, its settings (stopwords,
// synonyms, weights, spelling), words to keys, documents in and out,
// batches, the scheme, and the API's small calls. Queries are built in
// kb_index_query.cc, searches run in kb_index_search.cc, the second reader
// thread is kb_index_helper.cc, compaction kb_index_compact.cc;
// kb_index_internal.h holds what they share.
// Exceptions are caught at the border: none crosses into C.
#include "kb_index_internal.h"
#include "kb_synonyms.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

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

// Adds term to doc, or skips it when Xapian would not take it.
void
s_add_term (Xapian::Document &doc, const std::string &term, Xapian::termcount wdf)
{
    if (s_is_term (term))
        doc.add_term (term, wdf);
}

} // namespace

const std::string &
keyer_t::key (const std::string &folded)
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

uint16_t
doc_table_t::code (int slot, const std::string &value)
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

std::array<uint16_t, KB_SLOTS> &
doc_table_t::at (Xapian::docid did)
{
    if (did >= of.size ()) {
        of.resize (std::max ((size_t) did + 1, of.size () * 2));
        length.resize (of.size ());
    }
    return of[did];
}

void
doc_table_t::set (Xapian::docid did, const char *const *values, Xapian::termcount len)
{
    if (!is_loaded)
        return;
    std::array<uint16_t, KB_SLOTS> &codes_of = at (did);
    for (int slot = 1; slot < KB_SLOTS; slot++)
        codes_of[slot] = code (slot, values[slot] ? values[slot] : "");
    length[did] = len;
}

void
doc_table_t::clear (Xapian::docid did)
{
    if (is_loaded && did && did < of.size ()) {
        of[did] = {};
        length[did] = 0;
    }
}

void
doc_table_t::load (const Xapian::Database &db)
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

Xapian::termcount
doc_table_t::length_of (Xapian::docid did) const
{
    return did < length.size () ? length[did] : 0;
}

void
kb_index_t::default_synonyms ()
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

void
kb_index_t::forget ()
{
    docids.clear ();
    df_cache.clear ();
    words_cache.clear ();
    docs = doc_table_t ();
}

void
kb_index_t::changing (const std::string &id)
{
    if (in_batch && !in_transaction) {
        db.begin_transaction (true);
        in_transaction = true;
    }
    if (in_batch && !id.empty ())
        touched.insert (id);
    dirty = true;
}

const std::string &
kb_index_t::key (const std::string &folded)
{
    return keyer.key (folded);
}

const std::string &
kb_index_t::en_key (const std::string &folded)
{
    auto it = en_cache.find (folded);
    if (it != en_cache.end ())
        return it->second;
    if (en_cache.size () > 500000)
        en_cache.clear ();
    return en_cache.emplace (folded, "E" + stem_en (folded)).first->second;
}

bool
kb_index_t::is_stopword (const std::string &folded) const
{
    return stopwords.count (folded) > 0;
}

void
kb_index_t::index_text (Xapian::Document &doc, const std::string &text, int weight, bool is_en,
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

Xapian::docid
kb_index_t::find (const std::string &id)
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

void
kb_index_t::remember (const std::string &id, Xapian::docid did)
{
    if (docids.size () > 500000)
        docids.clear ();
    docids[id] = did;
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
        kb_index_finish_swap (path);
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
        std::string data = id + "\x1f" + (d->title ? d->title : "") + "\x1f"
                           + (d->is_text_kept_elsewhere ? std::string () : body);
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
