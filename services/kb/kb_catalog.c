/* kb_catalog: the knowledge base as a whole, for the team — the list of
 * every article with drafts and internal ones (ListArticles, the
 * dashboard's Artigos page), the export (ExportArticles) and the preview of
 * Markdown as publishing renders it (RenderMarkdown, the same
 * kb_article_html). */
#include "kb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The current version of every article whose status and audience are
 * these (empty: any), in id order, into *list (free each and it). Returns
 * 0, an LMDB code or ENOMEM. */
static int
s_collect (kb_t *self, MDB_txn *txn, const char *status, const char *audience,
           Balcao__V1__Article ***list, size_t *count)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_articles, &cur);
    if (rc)
        return rc;
    size_t n = 0, cap = 64;
    Balcao__V1__Article **out = malloc (cap * sizeof *out);
    MDB_val k, v;
    for (int op = MDB_FIRST; out && mdb_cursor_get (cur, &k, &v, op) == 0; op = MDB_NEXT) {
        Balcao__V1__Article *a = balcao__v1__article__unpack (NULL, v.mv_size, v.mv_data);
        if (!a)
            continue;
        if ((*status && strcmp (a->status, status) != 0)
            || (*audience && strcmp (a->audience, audience) != 0)) {
            balcao__v1__article__free_unpacked (a, NULL);
            continue;
        }
        if (n == cap) {
            Balcao__V1__Article **grown = realloc (out, (cap *= 2) * sizeof *out);
            if (!grown) {
                balcao__v1__article__free_unpacked (a, NULL);
                rc = ENOMEM;
                break;
            }
            out = grown;
        }
        out[n++] = a;
    }
    mdb_cursor_close (cur);
    if (!out)
        return ENOMEM;
    if (rc) {
        for (size_t i = 0; i < n; i++)
            balcao__v1__article__free_unpacked (out[i], NULL);
        free (out);
        return rc;
    }
    *list = out;
    *count = n;
    return 0;
}

static int
s_export (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request, (void) payload;
    kb_t *self = state;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte exporta a base de conhecimento",
                        "only support staff export the knowledge base");
        return 0;
    }
    Balcao__V1__Article **list;
    size_t n;
    int rc = s_collect (self, bc_tx_txn (tx), "", "", &list, &n);
    if (rc)
        return rc;
    Balcao__V1__ArticleList out = BALCAO__V1__ARTICLE_LIST__INIT;
    out.articles = list;
    out.n_articles = n;
    bc_reply_ok (reply, &out.base);
    for (size_t i = 0; i < n; i++)
        balcao__v1__article__free_unpacked (list[i], NULL);
    free (list);
    return 0;
}

static int
s_render (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) state, (void) request;
    const Balcao__V1__RenderMarkdown *req = (const Balcao__V1__RenderMarkdown *) payload;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte usa a prévia dos artigos",
                        "only support staff preview articles");
        return 0;
    }
    if (strlen (req->markdown) > KB_MAX_BODY) {
        bc_reply_error (reply, "too_large", "o texto tem mais de %d bytes",
                        "the text is longer than %d bytes", KB_MAX_BODY);
        return 0;
    }
    Balcao__V1__RenderedMarkdown out = BALCAO__V1__RENDERED_MARKDOWN__INIT;
    char *html = kb_article_html (req->markdown);
    out.html = html;
    bc_reply_ok (reply, &out.base);
    free (html);
    return 0;
}

static int
s_cmp_newest (const void *a, const void *b)
{
    const Balcao__V1__Article *x = *(Balcao__V1__Article *const *) a;
    const Balcao__V1__Article *y = *(Balcao__V1__Article *const *) b;
    if (x->updated_us != y->updated_us)
        return x->updated_us < y->updated_us ? 1 : -1;
    return strcmp (x->id, y->id);
}

static int
s_list (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__ListArticles *req = (const Balcao__V1__ListArticles *) payload;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte lista todos os artigos",
                        "only support staff list every article");
        return 0;
    }
    Balcao__V1__Article **list;
    size_t n;
    int rc = s_collect (self, bc_tx_txn (tx), req->status, req->audience, &list, &n);
    if (rc)
        return rc;
    qsort (list, n, sizeof *list, s_cmp_newest);
    size_t limit = req->limit ? req->limit : 50, offset = req->offset < n ? req->offset : n;
    if (limit > 200)
        limit = 200;
    size_t shown = n - offset < limit ? n - offset : limit;
    /* A list, not the articles: the bodies stay in kb (each put back
     * before it is freed). */
    char **bodies = calloc (shown + 1, sizeof *bodies);
    for (size_t i = 0; bodies && i < shown; i++) {
        Balcao__V1__Article *a = list[offset + i];
        bodies[i] = a->body;
        a->body = (char *) protobuf_c_empty_string;
        a->has_draft = kb_drafts_exists (self, bc_tx_txn (tx), a->id);
    }
    Balcao__V1__ArticleList out = BALCAO__V1__ARTICLE_LIST__INIT;
    out.articles = list + offset;
    out.n_articles = bodies ? shown : 0;
    out.total = (uint32_t) n;
    bc_reply_ok (reply, &out.base);
    for (size_t i = 0; bodies && i < shown; i++)
        list[offset + i]->body = bodies[i];
    free (bodies);
    for (size_t i = 0; i < n; i++)
        balcao__v1__article__free_unpacked (list[i], NULL);
    free (list);
    return 0;
}

void
kb_catalog_register (kb_t *self)
{
    bc_service_t *svc = self->svc;
    bc_service_on_command (svc, &balcao__v1__list_articles__descriptor, 0, s_list);
    bc_service_on_command (svc, &balcao__v1__render_markdown__descriptor, 0, s_render);
    bc_service_on_command (svc, &balcao__v1__export_articles__descriptor, 0, s_export);
}
