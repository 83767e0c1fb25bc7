/* The kb_index unit tests' shared steps: a fresh index with kb's
 * stopwords, a document put, the ids a search finds. */
#ifndef KB_INDEX_UTIL_H
#define KB_INDEX_UTIL_H

#include "kb_index.h"
#include "kb_stopwords.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static inline kb_index_t *
s_open (char *dir, size_t size)
{
    char path[128], err[256];
    assert_non_null (unit_tmpdir (dir, size));
    snprintf (path, sizeof path, "%s/x", dir);
    kb_index_t *idx = kb_index_open (path, err, sizeof err);
    assert_non_null (idx);
    kb_index_set_stopwords (idx, kb_stopwords_default);
    return idx;
}

static inline void
s_put (kb_index_t *idx, const char *id, const char *title, const char *body)
{
    kb_doc_t d = {.id = id, .title = title, .body = body, .language = "pt-BR"};
    assert_int_equal (kb_index_put (idx, &d), 0);
}

/* The ids of the hits for text, space-separated, into out. */
static inline const char *
s_ids (kb_index_t *idx, const char *text, char *out, size_t size)
{
    kb_query_t q = {.text = text, .limit = 10};
    kb_results_t *r = NULL;
    assert_int_equal (kb_index_search (idx, &q, &r), 0);
    out[0] = 0;
    for (int i = 0; i < r->nhits; i++)
        snprintf (out + strlen (out), size - strlen (out), "%s%s", i ? " " : "", r->hits[i].id);
    kb_results_destroy (&r);
    return out;
}

#endif
