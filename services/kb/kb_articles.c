/* kb_articles: the knowledge base's articles: their versions (create,
 * edit, publish, revert, import, export, from a ticket), reading them and
 * their ratings. Their search, suggestions, the bot and the gaps are in
 * kb_search.c.
 *
 * LMDB: `articles` id -> Article (the current version, with the view and
 * feedback counts); `versions` id ‖ 0x00 ‖ version u32 BE -> Article (that
 * version's content, author and time); `drafts` (kb_drafts.c) a published
 * article's pending draft. Xapian <data_dir>/kb/articles: one document per
 * article (current version), filters T<type> C<category> A<audience> S<status>, facet slots
 * 1 type, 2 category, 3 audience.
 *
 * Views and feedback are counted in read requests: they are statistics,
 * so a retried read may count twice. */
#include "bc_article_id.h"
#include "bc_log.h"
#include "kb_internal.h"

#include <assert.h>
#include <cmark.h>
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_TITLE 200
#define MAX_BODY KB_MAX_BODY
#define MAX_TAGS 20
#define MAX_FIELD 60
#define MAX_SLUG 64 /* an id kb makes from a title */

static const char *const s_types[] = {"guia", "faq", "manual", NULL};
static const char *const s_audiences[] = {"publico", "interno", NULL};
static const char *const s_statuses[] = {"rascunho", "publicado", NULL};
static const char *const s_languages[] = {"pt-BR", "en", NULL};

static int
s_one_of (const char *value, const char *const *allowed)
{
    for (int i = 0; allowed[i]; i++)
        if (strcmp (value, allowed[i]) == 0)
            return 1;
    return 0;
}

int
kb_valid_article_id (const char *id)
{
    return bc_article_id_check (id) == BC_ARTICLE_ID_OK;
}

void
kb_article_bad_id (bc_reply_t *reply, const char *id)
{
    char shown[128];
    bc_article_id_rc_t why = bc_article_id_check (id);
    bc_reply_error (reply, "invalid", "id de artigo '%s' inválido: %s%.0s",
                    "invalid article id '%s': %.0s%s",
                    bc_article_id_printable (id, shown, sizeof shown),
                    bc_article_id_problem (why, 0), bc_article_id_problem (why, 1));
}

/* Lowercase, no accents, words joined by '-', at most MAX_SLUG characters. */
static void
s_slug (const char *title, char *out, size_t size)
{
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n = utf8proc_map ((const utf8proc_uint8_t *) title, 0, &folded,
                                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE
                                           | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
    size_t len = 0, max = size - 1 < MAX_SLUG ? size - 1 : MAX_SLUG;
    for (utf8proc_ssize_t i = 0; n > 0 && i < n && len < max; i++) {
        char c = (char) folded[i];
        int is_alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (is_alnum)
            out[len++] = c;
        else if (len && out[len - 1] != '-')
            out[len++] = '-';
    }
    while (len && out[len - 1] == '-')
        len--;
    out[len] = 0;
    free (folded);
    if (!len)
        snprintf (out, size, "artigo");
}

/* Checks an article's fields (those set); the reason goes to reply. */
int
kb_article_check (const Balcao__V1__Article *a, bc_reply_t *reply)
{
    if (strlen (a->title) > MAX_TITLE) {
        bc_reply_error (reply, "invalid", "o título tem mais de %d caracteres",
                        "the title is longer than %d characters", MAX_TITLE);
        return 0;
    }
    if (strlen (a->body) > MAX_BODY) {
        bc_reply_error (reply, "invalid", "o texto tem mais de %d bytes",
                        "the body is longer than %d bytes", MAX_BODY);
        return 0;
    }
    if (*a->type && !s_one_of (a->type, s_types)) {
        bc_reply_error (reply, "invalid", "tipo '%s' desconhecido: use guia, faq ou manual",
                        "unknown type '%s': use guia, faq or manual", a->type);
        return 0;
    }
    if (*a->audience && !s_one_of (a->audience, s_audiences)) {
        bc_reply_error (reply, "invalid", "público '%s' desconhecido: use publico ou interno",
                        "unknown audience '%s': use publico or interno", a->audience);
        return 0;
    }
    if (*a->status && !s_one_of (a->status, s_statuses)) {
        bc_reply_error (reply, "invalid", "situação '%s' desconhecida: use rascunho ou publicado",
                        "unknown status '%s': use rascunho or publicado", a->status);
        return 0;
    }
    if (*a->language && !s_one_of (a->language, s_languages)) {
        bc_reply_error (reply, "invalid", "idioma '%s' desconhecido: use pt-BR ou en",
                        "unknown language '%s': use pt-BR or en", a->language);
        return 0;
    }
    if (strlen (a->category) > MAX_FIELD || a->n_tags > MAX_TAGS) {
        bc_reply_error (reply, "invalid",
                        "categoria de até %d caracteres e até %d etiquetas, por favor",
                        "a category of at most %d characters and at most %d tags, please",
                        MAX_FIELD, MAX_TAGS);
        return 0;
    }
    for (size_t i = 0; i < a->n_tags; i++)
        if (strlen (a->tags[i]) > MAX_FIELD || !*a->tags[i]) {
            bc_reply_error (reply, "invalid", "etiqueta vazia ou com mais de %d caracteres",
                            "a tag is empty or longer than %d characters", MAX_FIELD);
            return 0;
        }
    return 1;
}

int
kb_may_write (bc_tx_t *tx, bc_reply_t *reply)
{
    if (kb_is_staff (bc_tx_principal (tx)))
        return 1;
    bc_reply_error (reply, "forbidden", "só a equipe de suporte edita a base de conhecimento",
                    "only support staff edit the knowledge base");
    return 0;
}

Balcao__V1__Article *
kb_article_get (kb_t *self, MDB_txn *txn, const char *id)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    if (mdb_get (txn, self->db_articles, &k, &v))
        return NULL;
    return balcao__v1__article__unpack (NULL, v.mv_size, v.mv_data);
}

static Balcao__V1__Article *
s_get_version (kb_t *self, MDB_txn *txn, const char *id, uint32_t version)
{
    unsigned char key[BC_ARTICLE_ID_MAX_BYTES + 5];
    size_t n = strlen (id);
    if (n > BC_ARTICLE_ID_MAX_BYTES)
        return NULL;
    memcpy (key, id, n);
    key[n] = 0;
    key[n + 1] = (unsigned char) (version >> 24);
    key[n + 2] = (unsigned char) (version >> 16);
    key[n + 3] = (unsigned char) (version >> 8);
    key[n + 4] = (unsigned char) version;
    MDB_val k = {n + 5, key}, v;
    if (mdb_get (txn, self->db_versions, &k, &v))
        return NULL;
    return balcao__v1__article__unpack (NULL, v.mv_size, v.mv_data);
}

/* Customers may read it. */
static int
s_is_public (const Balcao__V1__Article *a)
{
    return strcmp (a->audience, "publico") == 0 && strcmp (a->status, "publicado") == 0;
}

/* The article is not visible to this principal (same answer as absent, so
 * customers cannot probe internal ids). */
static int
s_hidden (const Balcao__V1__Article *a, const char *principal)
{
    return !kb_is_staff (principal) && !s_is_public (a);
}

void
kb_article_not_found (bc_reply_t *reply, const char *id)
{
    bc_reply_error (reply, "not_found", "o artigo '%s' não existe", "article '%s' does not exist",
                    id);
}

/* The current version of article id if principal may see it; otherwise
 * NULL, with the reply set to not_found (hidden looks like absent). */
static Balcao__V1__Article *
s_get_visible (kb_t *self, MDB_txn *txn, const char *id, const char *principal,
               bc_reply_t *reply)
{
    Balcao__V1__Article *cur = kb_article_get (self, txn, id);
    if (cur && !s_hidden (cur, principal))
        return cur;
    if (cur)
        balcao__v1__article__free_unpacked (cur, NULL);
    kb_article_not_found (reply, id);
    return NULL;
}

Balcao__V1__Article *
kb_article_visible (kb_t *self, MDB_txn *txn, const char *id, const char *principal,
                    bc_reply_t *reply)
{
    return s_get_visible (self, txn, id, principal, reply);
}

/* Puts a in index. */
static int
s_put (kb_index_t *index, const Balcao__V1__Article *a)
{
    char type[80], category[80], audience[80], status[80], tags[2048] = "";
    snprintf (type, sizeof type, "T%s", a->type);
    snprintf (category, sizeof category, "C%s", a->category);
    snprintf (audience, sizeof audience, "A%s", a->audience);
    snprintf (status, sizeof status, "S%s", a->status);
    for (size_t i = 0; i < a->n_tags; i++)
        snprintf (tags + strlen (tags), sizeof tags - strlen (tags), "%s ", a->tags[i]);
    kb_doc_t doc = {.id = a->id, .title = a->title, .tags = tags, .body = a->body,
                    .language = a->language, .filters = {type, category, audience, status},
                    .nfilters = 4, .facets = {NULL, a->type, a->category, a->audience},
                    .time_us = a->updated_us};
    return kb_index_put (index, &doc);
}

/* Puts a in the index of every article and, when customers may read it, in
 * the public one (otherwise takes it out of that). */
static int
s_index (kb_t *self, const Balcao__V1__Article *a)
{
    if (s_put (self->articles, a))
        return -1;
    return s_is_public (a) ? s_put (self->public, a) : kb_index_delete (self->public, a->id);
}

/* Puts one stored article into the indexes *arg says (into[0]: every
 * article, into[1]: the public one). */
static int
s_reindex_one (kb_t *self, const MDB_val *value, void *arg)
{
    const int *into = arg;
    Balcao__V1__Article *a = balcao__v1__article__unpack (NULL, value->mv_size, value->mv_data);
    if (!a)
        return 0;
    int rc = (into[0] && s_put (self->articles, a))
             || (into[1] && s_is_public (a) && s_put (self->public, a));
    balcao__v1__article__free_unpacked (a, NULL);
    return rc ? -1 : 0;
}

int
kb_articles_reindex (kb_t *self, int into_all, int into_public)
{
    int into[2] = {into_all, into_public};
    return kb_each_record (self, self->db_articles, s_reindex_one, into);
}

int
kb_articles_repair (kb_t *self, MDB_txn *txn, kb_index_t *index, const char *id)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    int rc = mdb_get (txn, self->db_articles, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Article *a =
        rc ? NULL : balcao__v1__article__unpack (NULL, v.mv_size, v.mv_data);
    rc = a && (index != self->public || s_is_public (a)) ? s_put (index, a)
                                                         : kb_index_delete (index, id);
    if (a)
        balcao__v1__article__free_unpacked (a, NULL);
    return rc;
}

/* Stores a as its new current version (a->version already set), indexes
 * it and emits ArticleChanged. Returns 0, an LMDB code or -1 (Xapian). */
/* Stores and indexes a; with emit, tells the log (ArticleChanged). */
static int
s_store (kb_t *self, bc_tx_t *tx, Balcao__V1__Article *a, int emit)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc = kb_put_msg (txn, self->db_articles, a->id, strlen (a->id), &a->base);
    if (rc)
        return rc;
    /* The version keeps content and authorship, not the counters. */
    uint64_t views = a->views, yes = a->helpful_yes, no = a->helpful_no;
    a->views = a->helpful_yes = a->helpful_no = 0;
    unsigned char key[BC_ARTICLE_ID_MAX_BYTES + 5];
    size_t n = strlen (a->id);
    assert (n <= BC_ARTICLE_ID_MAX_BYTES); /* every write path checks the id first */
    memcpy (key, a->id, n);
    key[n] = 0;
    for (int i = 0; i < 4; i++)
        key[n + 1 + i] = (unsigned char) (a->version >> (24 - 8 * i));
    rc = kb_put_msg (txn, self->db_versions, key, n + 5, &a->base);
    if (!rc && emit) {
        Balcao__V1__ArticleChanged ev = BALCAO__V1__ARTICLE_CHANGED__INIT;
        ev.article = a;
        rc = bc_tx_emit (tx, &ev.base);
    }
    a->views = views, a->helpful_yes = yes, a->helpful_no = no;
    if (!rc && s_index (self, a)) {
        bc_error ("event=index_failed article=%s reason=\"%s\"", a->id,
                  kb_index_error (self->articles));
        return -1;
    }
    if (!rc)
        bc_info ("event=article_saved id=%s version=%u change=%s", a->id, a->version, a->change);
    return rc;
}

int
kb_article_save (kb_t *self, bc_tx_t *tx, Balcao__V1__Article *a)
{
    return s_store (self, tx, a, 1);
}

int
kb_article_replicate (kb_t *self, bc_tx_t *tx, Balcao__V1__Article *a)
{
    return s_store (self, tx, a, 0);
}

char *
kb_article_html (const char *markdown)
{
    /* cmark's default is safe: raw HTML is dropped, and so are
     * javascript:, vbscript:, file: and non-image data: links. */
    return cmark_markdown_to_html (markdown, strlen (markdown), CMARK_OPT_DEFAULT);
}

void
kb_article_reply (bc_reply_t *reply, Balcao__V1__Article *a, int with_html)
{
    char *html = NULL;
    if (with_html) {
        html = kb_article_html (a->body);
        a->html = html;
    }
    bc_reply_ok (reply, &a->base);
    a->html = (char *) protobuf_c_empty_string;
    free (html);
}

static int
s_same_tags (const Balcao__V1__Article *a, char **tags, size_t n)
{
    if (a->n_tags != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp (a->tags[i], tags[i]) != 0)
            return 0;
    return 1;
}

/* Fills the defaults of a new article. Fields point into `in` or literals. */
static void
s_new_article (Balcao__V1__Article *a, const Balcao__V1__Article *in, const char *id,
               bc_tx_t *tx, const char *change)
{
    *a = *in;
    a->id = (char *) id;
    a->html = (char *) protobuf_c_empty_string;
    a->type = (char *) (*in->type ? in->type : "faq");
    a->audience = (char *) (*in->audience ? in->audience : "publico");
    a->language = (char *) (*in->language ? in->language : "pt-BR");
    a->status = (char *) (*in->status ? in->status : "rascunho");
    a->version = 1;
    a->author = (char *) bc_tx_principal (tx);
    a->created_us = a->updated_us = bc_tx_now_us (tx);
    a->views = a->helpful_yes = a->helpful_no = 0;
    a->change = (char *) change;
}

/* A free id for a new article: the requested one, or the title's slug
 * (with -2, -3… when taken). */
static int
s_new_id (kb_t *self, MDB_txn *txn, const Balcao__V1__Article *in, char *id, size_t size,
          bc_reply_t *reply)
{
    if (*in->id) {
        if (!kb_valid_article_id (in->id)) {
            kb_article_bad_id (reply, in->id);
            return 0;
        }
        snprintf (id, size, "%s", in->id);
        Balcao__V1__Article *old = kb_article_get (self, txn, id);
        if (old) {
            balcao__v1__article__free_unpacked (old, NULL);
            bc_reply_error (reply, "conflict", "o artigo '%s' já existe", "article '%s' already exists",
                            id);
            return 0;
        }
        return 1;
    }
    char base[MAX_SLUG + 1];
    s_slug (in->title, base, sizeof base);
    snprintf (id, size, "%s", base);
    for (int i = 2;; i++) {
        Balcao__V1__Article *old = kb_article_get (self, txn, id);
        if (!old)
            return 1;
        balcao__v1__article__free_unpacked (old, NULL);
        char suffix[16];
        snprintf (suffix, sizeof suffix, "-%d", i);
        base[MAX_SLUG - strlen (suffix)] = 0;
        size_t len = strlen (base);
        memcpy (id, base, len);
        memcpy (id + len, suffix, strlen (suffix) + 1);
    }
}

static int
s_create (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__CreateArticle *req = (const Balcao__V1__CreateArticle *) payload;
    if (!kb_may_write (tx, reply))
        return 0;
    if (!req->article || !*req->article->title) {
        bc_reply_error (reply, "invalid", "o artigo precisa de um título",
                        "the article needs a title");
        return 0;
    }
    if (!kb_article_check (req->article, reply))
        return 0;
    char id[BC_ARTICLE_ID_MAX_BYTES + 1];
    if (!s_new_id (self, bc_tx_txn (tx), req->article, id, sizeof id, reply))
        return 0;
    Balcao__V1__Article a;
    s_new_article (&a, req->article, id, tx, "create");
    int rc = kb_article_save (self, tx, &a);
    if (rc)
        return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
    kb_article_reply (reply, &a, 0);
    return 0;
}

/* Applies the set fields of `in` to current into a new version. Returns
 * whether anything changed. */
int
kb_article_apply (Balcao__V1__Article *next, const Balcao__V1__Article *cur,
                  const Balcao__V1__Article *in, int clear_tags)
{
    *next = *cur;
#define S_FIELD(f)                                                                                 \
    if (*in->f)                                                                                    \
        next->f = in->f;
    S_FIELD (title)
    S_FIELD (body)
    S_FIELD (type)
    S_FIELD (audience)
    S_FIELD (category)
    S_FIELD (language)
    S_FIELD (status)
#undef S_FIELD
    if (in->n_tags || clear_tags) {
        next->tags = in->tags;
        next->n_tags = in->n_tags;
    }
    if (in->from_ticket)
        next->from_ticket = in->from_ticket;
    return strcmp (next->title, cur->title) || strcmp (next->body, cur->body)
           || strcmp (next->type, cur->type) || strcmp (next->audience, cur->audience)
           || strcmp (next->category, cur->category) || strcmp (next->language, cur->language)
           || strcmp (next->status, cur->status) || next->from_ticket != cur->from_ticket
           || !s_same_tags (cur, next->tags, next->n_tags);
}

void
kb_article_bump (Balcao__V1__Article *a, bc_tx_t *tx, const char *change)
{
    a->version++;
    a->author = (char *) bc_tx_principal (tx);
    a->updated_us = bc_tx_now_us (tx);
    a->change = (char *) change;
    a->html = (char *) protobuf_c_empty_string;
    a->draft_author = (char *) protobuf_c_empty_string;
}

static int
s_edit (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__EditArticle *req = (const Balcao__V1__EditArticle *) payload;
    if (!kb_may_write (tx, reply))
        return 0;
    if (!req->article) {
        kb_article_not_found (reply, "");
        return 0;
    }
    if (!kb_article_check (req->article, reply))
        return 0;
    Balcao__V1__Article *cur = kb_article_get (self, bc_tx_txn (tx), req->article->id);
    if (!cur) {
        kb_article_not_found (reply, req->article->id);
        return 0;
    }
    int is_draft = 0;
    int rc = kb_drafts_edit (self, tx, req, cur, reply, &is_draft);
    if (is_draft) {
        balcao__v1__article__free_unpacked (cur, NULL);
        return rc;
    }
    if (req->base_version && req->base_version != cur->version) {
        bc_reply_error (reply, "conflict",
                        "o artigo '%s' mudou (versão %u, você editou a %u): releia e edite de novo",
                        "article '%s' changed (version %u, you edited %u): read it again and redo "
                        "the edit",
                        cur->id, cur->version, req->base_version);
    }
    else {
        Balcao__V1__Article next;
        if (kb_article_apply (&next, cur, req->article, req->clear_tags)) {
            kb_article_bump (&next, tx, "edit");
            rc = kb_article_save (self, tx, &next);
        }
        if (!rc)
            kb_article_reply (reply, &next, 0);
    }
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
}

static int
s_set_status (void *state, bc_tx_t *tx, const bc_envelope_t *request,
              const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__SetArticleStatus *req = (const Balcao__V1__SetArticleStatus *) payload;
    if (!kb_may_write (tx, reply))
        return 0;
    if (!s_one_of (req->status, s_statuses)) {
        bc_reply_error (reply, "invalid", "situação '%s' desconhecida: use rascunho ou publicado",
                        "unknown status '%s': use rascunho or publicado", req->status);
        return 0;
    }
    Balcao__V1__Article *cur = kb_article_get (self, bc_tx_txn (tx), req->id);
    if (!cur) {
        kb_article_not_found (reply, req->id);
        return 0;
    }
    int is_done = 0; /* the pending draft was published */
    int rc = kb_drafts_on_publish (self, tx, cur, req->status, reply, &is_done);
    Balcao__V1__Article next = *cur;
    if (!rc && !is_done && strcmp (cur->status, req->status) != 0) {
        next.status = req->status;
        int is_publish = strcmp (req->status, "publicado") == 0;
        kb_article_bump (&next, tx, is_publish ? "publish" : "unpublish");
        rc = kb_article_save (self, tx, &next);
        if (!rc)
            rc = kb_drafts_rebase (self, bc_tx_txn (tx), &next);
    }
    if (!rc && !is_done)
        kb_article_reply (reply, &next, 0);
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
}

static int
s_revert (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__RevertArticle *req = (const Balcao__V1__RevertArticle *) payload;
    if (!kb_may_write (tx, reply))
        return 0;
    Balcao__V1__Article *cur = kb_article_get (self, bc_tx_txn (tx), req->id);
    if (!cur) {
        kb_article_not_found (reply, req->id);
        return 0;
    }
    Balcao__V1__Article *old = s_get_version (self, bc_tx_txn (tx), req->id, req->version);
    int rc = 0;
    if (!old)
        bc_reply_error (reply, "not_found", "o artigo '%s' não tem a versão %u",
                        "article '%s' has no version %u", req->id, req->version);
    else {
        /* The old content (status included) as the newest version. */
        Balcao__V1__Article next = *old;
        next.version = cur->version;
        next.created_us = cur->created_us;
        next.views = cur->views;
        next.helpful_yes = cur->helpful_yes;
        next.helpful_no = cur->helpful_no;
        kb_article_bump (&next, tx, "revert");
        rc = kb_article_save (self, tx, &next);
        if (!rc)
            kb_article_reply (reply, &next, 0);
        balcao__v1__article__free_unpacked (old, NULL);
    }
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
}

static int
s_get_cmd (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
           bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__GetArticle *req = (const Balcao__V1__GetArticle *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Article *cur = s_get_visible (self, txn, req->id, bc_tx_principal (tx), reply);
    if (!cur)
        return 0;
    int rc = 0;
    if (req->version && req->version != cur->version) {
        Balcao__V1__Article *old = s_get_version (self, txn, req->id, req->version);
        if (old && kb_is_staff (bc_tx_principal (tx)))
            kb_article_reply (reply, old, 1);
        else
            bc_reply_error (reply, "not_found", "o artigo '%s' não tem a versão %u",
                            "article '%s' has no version %u", req->id, req->version);
        if (old)
            balcao__v1__article__free_unpacked (old, NULL);
    }
    else {
        if (req->count_view) {
            cur->views++;
            rc = kb_put_msg (txn, self->db_articles, cur->id, strlen (cur->id), &cur->base);
        }
        /* Staff see the pending draft beside what customers see. */
        if (!rc && kb_is_staff (bc_tx_principal (tx)))
            rc = kb_drafts_attach (self, txn, cur);
        if (!rc)
            kb_article_reply (reply, cur, 1);
        kb_drafts_detach (cur);
    }
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc;
}

static int
s_history (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
           bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__GetArticleHistory *req = (const Balcao__V1__GetArticleHistory *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Article *cur = kb_article_get (self, txn, req->id);
    if (!cur || !kb_is_staff (bc_tx_principal (tx))) {
        if (cur)
            balcao__v1__article__free_unpacked (cur, NULL);
        kb_article_not_found (reply, req->id);
        return 0;
    }
    uint32_t n = cur->version;
    Balcao__V1__Article **versions = calloc (n + 1, sizeof *versions);
    size_t got = 0;
    for (uint32_t v = 1; v <= n; v++) {
        Balcao__V1__Article *a = s_get_version (self, txn, req->id, v);
        if (a)
            versions[got++] = a;
    }
    Balcao__V1__ArticleList out = BALCAO__V1__ARTICLE_LIST__INIT;
    out.articles = versions;
    out.n_articles = got;
    bc_reply_ok (reply, &out.base);
    for (size_t i = 0; i < got; i++)
        balcao__v1__article__free_unpacked (versions[i], NULL);
    free (versions);
    balcao__v1__article__free_unpacked (cur, NULL);
    return 0;
}

static int
s_rate (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__RateArticle *req = (const Balcao__V1__RateArticle *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Article *cur = s_get_visible (self, txn, req->id, bc_tx_principal (tx), reply);
    if (!cur)
        return 0;
    if (req->helpful)
        cur->helpful_yes++;
    else
        cur->helpful_no++;
    int rc = kb_put_msg (txn, self->db_articles, cur->id, strlen (cur->id), &cur->base);
    if (!rc)
        kb_article_reply (reply, cur, 0);
    balcao__v1__article__free_unpacked (cur, NULL);
    return rc;
}

static int
s_import (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__ImportArticles *req = (const Balcao__V1__ImportArticles *) payload;
    if (!kb_may_write (tx, reply))
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    /* All or nothing: check everything before writing anything. (balcao
     * kb import checks ids and titles per article first, and leaves out
     * the ones that would fail here, saying which lines.) */
    for (size_t i = 0; i < req->n_articles; i++) {
        const Balcao__V1__Article *in = req->articles[i];
        char shown[128];
        bc_article_id_printable (in->id, shown, sizeof shown);
        bc_article_id_rc_t why = bc_article_id_check (in->id);
        if (why != BC_ARTICLE_ID_OK) {
            bc_reply_error (reply, "invalid",
                            "artigo %zu: o id '%s' é inválido (%s%.0s); nada foi importado",
                            "article %zu: id '%s' is invalid (%.0s%s); nothing was imported",
                            i + 1, shown, bc_article_id_problem (why, 0),
                            bc_article_id_problem (why, 1));
            return 0;
        }
        if (!*in->title) {
            bc_reply_error (reply, "invalid",
                            "artigo %zu ('%s'): precisa de um título; nada foi importado",
                            "article %zu ('%s'): it needs a title; nothing was imported", i + 1,
                            shown);
            return 0;
        }
        if (!kb_article_check (in, reply))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp (req->articles[j]->id, in->id) == 0) {
                bc_reply_error (reply, "invalid",
                                "o id '%s' aparece duas vezes (artigos %zu e %zu); nada foi "
                                "importado",
                                "id '%s' appears twice (articles %zu and %zu); nothing was "
                                "imported",
                                shown, j + 1, i + 1);
                return 0;
            }
    }
    Balcao__V1__ImportResult out = BALCAO__V1__IMPORT_RESULT__INIT;
    int rc = 0;
    for (size_t i = 0; i < req->n_articles && !rc; i++) {
        Balcao__V1__Article in = *req->articles[i];
        if (req->publish)
            in.status = "publicado";
        Balcao__V1__Article *cur = kb_article_get (self, txn, in.id);
        if (!cur) {
            Balcao__V1__Article a;
            s_new_article (&a, &in, in.id, tx, "import");
            rc = kb_article_save (self, tx, &a);
            out.created++;
            continue;
        }
        Balcao__V1__Article next;
        if (kb_article_apply (&next, cur, &in, 1)) {
            kb_article_bump (&next, tx, "import");
            rc = kb_article_save (self, tx, &next);
            out.updated++;
        }
        else
            out.unchanged++;
        balcao__v1__article__free_unpacked (cur, NULL);
    }
    if (rc)
        return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
    bc_reply_ok (reply, &out.base);
    return 0;
}

static int
s_from_ticket (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__ArticleFromTicket *req = (const Balcao__V1__ArticleFromTicket *) payload;
    if (!kb_may_write (tx, reply))
        return 0;
    Balcao__V1__KbTicket *t =
        kb_ticket_known (self, bc_tx_txn (tx), bc_tx_principal (tx), req->ticket, reply);
    if (!t)
        return 0;
    if (!*t->resolution) {
        bc_reply_error (reply, "conflict",
                        "o chamado #%llu ainda não tem resolução: resolva-o antes",
                        "ticket #%llu has no resolution yet: resolve it first",
                        (unsigned long long) req->ticket);
        balcao__v1__kb_ticket__free_unpacked (t, NULL);
        return 0;
    }
    /* The customer's first message is the problem; the resolution the
     * answer. Quoted lines stay quoted in Markdown. */
    char *body = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&body, &size);
    fprintf (f, "## Problema\n\n");
    const char *problem = t->n_texts ? t->texts[0] : t->subject;
    fputs (problem, f);
    fprintf (f, "\n\n## Solução\n\n%s\n\n_Rascunho criado a partir do chamado #%llu._\n",
             t->resolution, (unsigned long long) t->number);
    fclose (f);
    Balcao__V1__Article in = BALCAO__V1__ARTICLE__INIT;
    in.title = t->subject;
    in.body = body;
    in.category = t->category;
    in.from_ticket = t->number;
    in.type = "faq";
    in.audience = "interno"; /* until N1 polishes and opens it up */
    in.status = "rascunho";
    int rc = 0;
    char id[BC_ARTICLE_ID_MAX_BYTES + 1];
    if (strlen (body) > MAX_BODY)
        body[MAX_BODY] = 0;
    if (s_new_id (self, bc_tx_txn (tx), &in, id, sizeof id, reply)) {
        Balcao__V1__Article a;
        s_new_article (&a, &in, id, tx, "create");
        rc = kb_article_save (self, tx, &a);
        if (!rc)
            kb_article_reply (reply, &a, 0);
    }
    free (body);
    balcao__v1__kb_ticket__free_unpacked (t, NULL);
    return rc == -1 ? kb_index_failed (tx, self->articles) : rc;
}

void
kb_articles_register (kb_t *self)
{
    bc_service_t *svc = self->svc;
    bc_service_on_command (svc, &balcao__v1__create_article__descriptor, 1, s_create);
    bc_service_on_command (svc, &balcao__v1__edit_article__descriptor, 1, s_edit);
    bc_service_on_command (svc, &balcao__v1__set_article_status__descriptor, 1, s_set_status);
    bc_service_on_command (svc, &balcao__v1__revert_article__descriptor, 1, s_revert);
    bc_service_on_command (svc, &balcao__v1__rate_article__descriptor, 1, s_rate);
    bc_service_on_command (svc, &balcao__v1__import_articles__descriptor, 1, s_import);
    bc_service_on_command (svc, &balcao__v1__article_from_ticket__descriptor, 1, s_from_ticket);
    bc_service_on_command (svc, &balcao__v1__get_article__descriptor, 0, s_get_cmd);
    bc_service_on_command (svc, &balcao__v1__get_article_history__descriptor, 0, s_history);
    kb_catalog_register (self);
    kb_search_register (self);
}
