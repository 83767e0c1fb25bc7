/* kb_drafts: a published article's pending draft — changes staff prepare
 * (EditArticle with as_draft) while customers, search, suggestions and the
 * bot keep seeing the published version, until someone publishes the draft
 * (PublishDraft, or SetArticleStatus "publicado") or discards it
 * (DiscardDraft).
 *
 * LMDB `drafts`: article id -> Article, the draft's whole content; its
 * `version` is the published version it was made from, `draft_revision`
 * counts its saves, `author` and `updated_us` say who saved it last and
 * when. A draft is never in a Xapian index: saving or discarding one is an
 * LMDB write alone, so a kill -9 keeps it or not, whole. Publishing is
 * kb_article_save (a new version, indexed in this batch's Xapian
 * transaction, committed before LMDB: kb_server.c) and the draft's deletion
 * in the same LMDB transaction; a crash between the two commits leaves the
 * index a batch ahead, repaired at start from `articles` (the old version),
 * and the draft still there for the client's retry. */
#include "bc_log.h"
#include "kb_internal.h"

#include <stdlib.h>
#include <string.h>

/* Article id's draft (NULL: none, or *rc an LMDB code). */
static Balcao__V1__Article *
s_get (kb_t *self, MDB_txn *txn, const char *id, int *rc)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    *rc = mdb_get (txn, self->db_drafts, &k, &v);
    if (*rc) {
        if (*rc == MDB_NOTFOUND)
            *rc = 0;
        return NULL;
    }
    return balcao__v1__article__unpack (NULL, v.mv_size, v.mv_data);
}

static int
s_del (kb_t *self, MDB_txn *txn, const char *id)
{
    MDB_val k = {strlen (id), (void *) id};
    return mdb_del (txn, self->db_drafts, &k, NULL);
}

int
kb_drafts_exists (kb_t *self, MDB_txn *txn, const char *id)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    return mdb_get (txn, self->db_drafts, &k, &v) == 0;
}

static void
s_stale_edit (bc_reply_t *reply, const Balcao__V1__Article *cur, uint32_t base_version)
{
    bc_reply_error (reply, "conflict",
                    "o artigo '%s' mudou (versão %u, você editou a %u): releia e edite de novo",
                    "article '%s' changed (version %u, you edited %u): read it again and redo "
                    "the edit",
                    cur->id, cur->version, base_version);
}

/* Someone saved or discarded the draft since the client read it. */
static void
s_stale_draft (bc_reply_t *reply, const char *id, const Balcao__V1__Article *draft)
{
    if (draft)
        bc_reply_error (reply, "conflict",
                        "o rascunho de '%s' foi salvo por %s enquanto você o lia (revisão %u): "
                        "releia o rascunho e tente de novo",
                        "the draft of '%s' was saved by %s while you had it open (revision %u): "
                        "read the draft again and retry",
                        id, draft->author, draft->draft_revision);
    else
        bc_reply_error (reply, "conflict",
                        "o rascunho de '%s' foi publicado ou descartado enquanto você o lia: "
                        "releia o artigo",
                        "the draft of '%s' was published or discarded while you had it open: "
                        "read the article again",
                        id);
}

static void
s_no_draft (bc_reply_t *reply, const char *id)
{
    bc_reply_error (reply, "not_found", "o artigo '%s' não tem rascunho pendente",
                    "article '%s' has no pending draft", id);
}

/* Saves req's change as the draft of cur (from draft when there is one). */
static int
s_save (kb_t *self, bc_tx_t *tx, const Balcao__V1__EditArticle *req,
        const Balcao__V1__Article *cur, const Balcao__V1__Article *draft, bc_reply_t *reply)
{
    Balcao__V1__Article in = *req->article, next;
    in.status = (char *) protobuf_c_empty_string;
    int changed = kb_article_apply (&next, draft ? draft : cur, &in, req->clear_tags);
    /* Saved again from the current version: the draft is made from it. */
    int rebased = draft && req->base_version && draft->version != cur->version;
    if (!changed && !rebased) {
        Balcao__V1__Article same = draft ? *draft : *cur;
        kb_article_reply (reply, &same, 0);
        return 0;
    }
    next.status = "publicado";
    next.version = req->base_version || !draft ? cur->version : draft->version;
    next.draft_revision = (draft ? draft->draft_revision : 0) + 1;
    next.author = (char *) bc_tx_principal (tx);
    next.updated_us = bc_tx_now_us (tx);
    next.created_us = cur->created_us;
    next.change = "draft";
    next.html = next.draft_author = (char *) protobuf_c_empty_string;
    next.views = next.helpful_yes = next.helpful_no = 0;
    next.pending_draft = NULL;
    next.has_draft = 0;
    int rc = kb_put_msg (bc_tx_txn (tx), self->db_drafts, cur->id, strlen (cur->id), &next.base);
    if (rc)
        return rc;
    bc_info ("event=draft_saved id=%s revision=%u base=%u", cur->id, next.draft_revision,
             next.version);
    kb_article_reply (reply, &next, 0);
    return 0;
}

int
kb_drafts_edit (kb_t *self, bc_tx_t *tx, const Balcao__V1__EditArticle *req,
                const Balcao__V1__Article *cur, bc_reply_t *reply, int *is_draft)
{
    *is_draft = 0;
    if (!req->as_draft)
        return 0;
    int rc;
    Balcao__V1__Article *draft = s_get (self, bc_tx_txn (tx), cur->id, &rc);
    if (rc || (!draft && strcmp (cur->status, "publicado") != 0))
        return rc; /* an unpublished article is edited as it is */
    *is_draft = 1;
    if (req->base_version && req->base_version != cur->version)
        s_stale_edit (reply, cur, req->base_version);
    else if (req->base_version && req->base_draft != (draft ? draft->draft_revision : 0))
        s_stale_draft (reply, cur->id, draft);
    else
        rc = s_save (self, tx, req, cur, draft, reply);
    if (draft)
        balcao__v1__article__free_unpacked (draft, NULL);
    return rc;
}

/* The draft's content as cur's next version, published; the draft gone.
 * Returns 0, an LMDB code or -1 (Xapian). */
static int
s_publish (kb_t *self, bc_tx_t *tx, const Balcao__V1__Article *cur,
           const Balcao__V1__Article *draft, uint32_t revision, bc_reply_t *reply)
{
    if (revision && revision != draft->draft_revision) {
        s_stale_draft (reply, cur->id, draft);
        return 0;
    }
    if (draft->version != cur->version) {
        bc_reply_error (reply, "conflict",
                        "o artigo '%s' mudou depois do rascunho (versão %u; o rascunho partiu da "
                        "%u): releia o rascunho e salve-o de novo antes de publicar",
                        "article '%s' changed after the draft was made (version %u; the draft "
                        "started from %u): read the draft and save it again before publishing",
                        cur->id, cur->version, draft->version);
        return 0;
    }
    Balcao__V1__Article next = *cur;
    next.title = draft->title;
    next.body = draft->body;
    next.type = draft->type;
    next.audience = draft->audience;
    next.category = draft->category;
    next.language = draft->language;
    next.tags = draft->tags;
    next.n_tags = draft->n_tags;
    next.from_ticket = draft->from_ticket;
    next.status = "publicado";
    kb_article_bump (&next, tx, "publish");
    next.draft_author = draft->author;
    int rc = kb_article_save (self, tx, &next);
    if (!rc)
        rc = s_del (self, bc_tx_txn (tx), cur->id);
    if (rc)
        return rc;
    bc_info ("event=draft_published id=%s version=%u revision=%u", cur->id, next.version,
             draft->draft_revision);
    kb_article_reply (reply, &next, 0);
    return 0;
}

int
kb_drafts_on_publish (kb_t *self, bc_tx_t *tx, const Balcao__V1__Article *cur,
                      const char *status, bc_reply_t *reply, int *is_done)
{
    *is_done = 0;
    if (strcmp (status, "publicado") != 0)
        return 0;
    int rc;
    Balcao__V1__Article *draft = s_get (self, bc_tx_txn (tx), cur->id, &rc);
    if (!draft)
        return rc;
    *is_done = 1;
    rc = s_publish (self, tx, cur, draft, 0, reply);
    balcao__v1__article__free_unpacked (draft, NULL);
    return rc;
}

int
kb_drafts_rebase (kb_t *self, MDB_txn *txn, const Balcao__V1__Article *a)
{
    int rc;
    Balcao__V1__Article *draft = s_get (self, txn, a->id, &rc);
    if (!draft)
        return rc;
    if (draft->version + 1 == a->version) {
        draft->version = a->version;
        rc = kb_put_msg (txn, self->db_drafts, a->id, strlen (a->id), &draft->base);
    }
    balcao__v1__article__free_unpacked (draft, NULL);
    return rc;
}

int
kb_drafts_attach (kb_t *self, MDB_txn *txn, Balcao__V1__Article *cur)
{
    int rc;
    Balcao__V1__Article *draft = s_get (self, txn, cur->id, &rc);
    if (!draft)
        return rc;
    /* Stored without html (kb renders at read time): the empty string is
     * protobuf-c's constant, nothing to free. */
    draft->html = kb_article_html (draft->body);
    cur->pending_draft = draft;
    return 0;
}

void
kb_drafts_detach (Balcao__V1__Article *cur)
{
    Balcao__V1__Article *draft = cur->pending_draft;
    if (!draft)
        return;
    free (draft->html);
    draft->html = (char *) protobuf_c_empty_string;
    balcao__v1__article__free_unpacked (draft, NULL);
    cur->pending_draft = NULL;
}

/* PublishDraft and DiscardDraft: the article and its draft, or NULL with
 * the reply saying why (or *rc an LMDB code). */
static Balcao__V1__Article *
s_article_with_draft (kb_t *self, bc_tx_t *tx, const char *id, Balcao__V1__Article **draft,
                      bc_reply_t *reply, int *rc)
{
    *rc = 0;
    *draft = NULL;
    if (!kb_may_write (tx, reply))
        return NULL;
    Balcao__V1__Article *cur = kb_article_get (self, bc_tx_txn (tx), id);
    if (!cur) {
        kb_article_not_found (reply, id);
        return NULL;
    }
    *draft = s_get (self, bc_tx_txn (tx), id, rc);
    if (!*draft) {
        if (!*rc)
            s_no_draft (reply, id);
        balcao__v1__article__free_unpacked (cur, NULL);
        return NULL;
    }
    return cur;
}

static int
s_publish_cmd (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__PublishDraft *req = (const Balcao__V1__PublishDraft *) payload;
    Balcao__V1__Article *draft;
    int rc;
    Balcao__V1__Article *cur = s_article_with_draft (self, tx, req->id, &draft, reply, &rc);
    if (!cur)
        return rc;
    rc = s_publish (self, tx, cur, draft, req->draft_revision, reply);
    balcao__v1__article__free_unpacked (draft, NULL);
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
}

static int
s_discard_cmd (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__DiscardDraft *req = (const Balcao__V1__DiscardDraft *) payload;
    Balcao__V1__Article *draft;
    int rc;
    Balcao__V1__Article *cur = s_article_with_draft (self, tx, req->id, &draft, reply, &rc);
    if (!cur)
        return rc;
    if (req->draft_revision && req->draft_revision != draft->draft_revision)
        s_stale_draft (reply, cur->id, draft);
    else if (!(rc = s_del (self, bc_tx_txn (tx), cur->id))) {
        bc_info ("event=draft_discarded id=%s revision=%u", cur->id, draft->draft_revision);
        kb_article_reply (reply, cur, 0);
    }
    balcao__v1__article__free_unpacked (draft, NULL);
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc;
}

void
kb_drafts_register (kb_t *self)
{
    bc_service_on_command (self->svc, &balcao__v1__publish_draft__descriptor, 1, s_publish_cmd);
    bc_service_on_command (self->svc, &balcao__v1__discard_draft__descriptor, 1, s_discard_cmd);
}
