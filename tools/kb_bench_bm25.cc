// kb_bench_bm25: the baseline balcao-kb-bench compares kb's ranking with:
// plain Xapian as its manual shows it, nothing of kb's term scheme. A
// TermGenerator with the Portuguese stemmer indexes title and body (one
// text, title first), a QueryParser with the same stemmer parses the query
// (default operator OR, stemming STEM_SOME), and Enquire ranks with the
// default BM25Weight. Exceptions stop at the C border.
#include "kb_bench.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <xapian.h>

struct kb_bench_bm25_t {
    Xapian::WritableDatabase db;
    Xapian::Stem stem{"portuguese"};
};

extern "C" kb_bench_bm25_t *
kb_bench_bm25_new (const char *path)
{
    try {
        kb_bench_bm25_t *self = new kb_bench_bm25_t;
        self->db = Xapian::WritableDatabase (path, Xapian::DB_CREATE_OR_OVERWRITE);
        return self;
    }
    catch (const Xapian::Error &) {
        return nullptr;
    }
}

extern "C" void
kb_bench_bm25_destroy (kb_bench_bm25_t **self_p)
{
    delete *self_p;
    *self_p = nullptr;
}

extern "C" int
kb_bench_bm25_add (kb_bench_bm25_t *self, const char *id, const char *title, const char *body)
{
    try {
        Xapian::Document doc;
        Xapian::TermGenerator tg;
        tg.set_stemmer (self->stem);
        tg.set_document (doc);
        tg.index_text (title ? title : "");
        tg.increase_termpos ();
        tg.index_text (body ? body : "");
        doc.set_data (id);
        doc.add_boolean_term (std::string ("Q") + id);
        self->db.replace_document (std::string ("Q") + id, doc);
        return 0;
    }
    catch (const Xapian::Error &) {
        return -1;
    }
}

extern "C" int
kb_bench_bm25_commit (kb_bench_bm25_t *self)
{
    try {
        self->db.commit ();
        return 0;
    }
    catch (const Xapian::Error &) {
        return -1;
    }
}

extern "C" int
kb_bench_bm25_search (kb_bench_bm25_t *self, const char *text, char **ids, int max)
{
    try {
        Xapian::QueryParser qp;
        qp.set_stemmer (self->stem);
        qp.set_stemming_strategy (Xapian::QueryParser::STEM_SOME);
        qp.set_default_op (Xapian::Query::OP_OR);
        qp.set_database (self->db);
        Xapian::Query query = qp.parse_query (text ? text : "", 0);
        Xapian::Enquire enquire (self->db);
        enquire.set_query (query);
        Xapian::MSet mset = enquire.get_mset (0, (Xapian::doccount) max);
        int n = 0;
        for (Xapian::MSetIterator it = mset.begin (); it != mset.end () && n < max; ++it)
            ids[n++] = strdup (it.get_document ().get_data ().c_str ());
        return n;
    }
    catch (const Xapian::Error &) {
        return -1;
    }
}
