// kb_index: Xapian, caught at the border: no exception crosses into C.
#include "kb_index.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <xapian.h>

struct kb_index_t {
    Xapian::WritableDatabase db;
    Xapian::Stem stem{"portuguese"};
    std::string error;
    bool dirty = false;
};

static std::string
s_id_term (uint64_t ticket)
{
    return "Q" + std::to_string (ticket);
}

extern "C" kb_index_t *
kb_index_open (const char *path, char *err, size_t err_size)
{
    try {
        kb_index_t *self = new kb_index_t;
        self->db = Xapian::WritableDatabase (path, Xapian::DB_CREATE_OR_OPEN);
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

static void
s_index (kb_index_t *self, Xapian::Document &doc, const char *subject, const char *body)
{
    Xapian::TermGenerator tg;
    tg.set_stemmer (self->stem);
    tg.set_stemming_strategy (Xapian::TermGenerator::STEM_SOME);
    tg.set_document (doc);
    if (subject) {
        tg.index_text (subject, 3);
        tg.increase_termpos ();
    }
    if (body)
        tg.index_text (body);
}

extern "C" int
kb_index_put_ticket (kb_index_t *self, uint64_t ticket, const char *subject, const char *body)
{
    try {
        Xapian::Document doc;
        doc.set_data (subject ? subject : "");
        std::string id = s_id_term (ticket);
        doc.add_boolean_term (id);
        doc.add_boolean_term ("Kticket");
        doc.add_value (0, std::to_string (ticket));
        s_index (self, doc, subject, body);
        self->db.replace_document (id, doc);
        self->dirty = true;
        return 0;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return -1;
    }
}

extern "C" int
kb_index_add_text (kb_index_t *self, uint64_t ticket, const char *text)
{
    try {
        std::string id = s_id_term (ticket);
        Xapian::PostingIterator it = self->db.postlist_begin (id);
        if (it == self->db.postlist_end (id))
            return 0;
        Xapian::docid did = *it;
        Xapian::Document doc = self->db.get_document (did);
        s_index (self, doc, nullptr, text);
        self->db.replace_document (did, doc);
        self->dirty = true;
        return 0;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return -1;
    }
}

extern "C" int
kb_index_commit (kb_index_t *self)
{
    if (!self->dirty)
        return 0;
    try {
        self->db.commit ();
        self->dirty = false;
        return 0;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return -1;
    }
}

extern "C" int
kb_index_search (kb_index_t *self, const char *query, kb_hit_t *hits, int max,
                 uint64_t *estimated)
{
    try {
        Xapian::QueryParser qp;
        qp.set_stemmer (self->stem);
        qp.set_stemming_strategy (Xapian::QueryParser::STEM_SOME);
        qp.set_database (self->db);
        qp.set_default_op (Xapian::Query::OP_OR);
        Xapian::Query q = qp.parse_query (query, Xapian::QueryParser::FLAG_DEFAULT);
        Xapian::Enquire enquire (self->db);
        enquire.set_query (q);
        Xapian::MSet mset = enquire.get_mset (0, (Xapian::doccount) max);
        *estimated = mset.get_matches_estimated ();
        int n = 0;
        for (Xapian::MSetIterator it = mset.begin (); it != mset.end () && n < max; ++it, ++n) {
            Xapian::Document doc = it.get_document ();
            hits[n].score = it.get_weight ();
            hits[n].ticket = std::strtoull (doc.get_value (0).c_str (), nullptr, 10);
            std::snprintf (hits[n].subject, sizeof hits[n].subject, "%s",
                           doc.get_data ().c_str ());
        }
        return n;
    }
    catch (const Xapian::Error &e) {
        self->error = e.get_description ();
        return -1;
    }
}

extern "C" const char *
kb_index_error (kb_index_t *self)
{
    return self->error.c_str ();
}
