/* gateway_desk_kb: see gateway_desk_kb.h. The gateway checks the shape of
 * what it forwards (ids, numbers, JSON types, sizes) and turns kb's
 * replies into JSON; kb decides everything else, as the caller. */
#include "gateway_desk_kb.h"

#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_article_id.h"
#include "gateway_kb.h"
#include "gateway_parse.h"
#include "gateway_webpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An article body's limit in kb (kb_articles.c MAX_BODY): the preview
 * takes no more, so what it shows can be saved. */
#define DESK_KB_MAX_MARKDOWN (256 * 1024)
#define DESK_KB_MAX_QUERY 500

struct gateway_desk_kb_t {
    gateway_bus_t *bus;
    char public_url[256]; /* for the links customers can open */
    bool restricted;      /* router/access/restricted_organizations is set */
};

gateway_desk_kb_t *
gateway_desk_kb_new (bc_config_t *config, gateway_bus_t *bus)
{
    gateway_desk_kb_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    bc_config_public_url (config, self->public_url, sizeof self->public_url);
    self->restricted = *bc_config_str (config, "router/access/restricted_organizations", "");
    return self;
}

void
gateway_desk_kb_destroy (gateway_desk_kb_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

static const char *
s_arg (const gateway_req_t *req, const char *name)
{
    const char *v = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

static enum MHD_Result
s_invalid (const gateway_req_t *req, const char *pt, const char *en)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", pt, en);
}

static enum MHD_Result
s_wrong_method (const gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                               "este endereço não aceita este método",
                               "this address does not take this method");
}

static enum MHD_Result
s_too_large (const gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                               "o texto passa de 256 KiB; divida-o em mais de um artigo",
                               "the text is over 256 KiB; split it into several articles");
}

/* A number from the query string, canonical decimal in [min, max]; `dflt`
 * when absent. */
static bool
s_number_arg (const gateway_req_t *req, const char *name, uint64_t min, uint64_t max,
              uint64_t dflt, uint64_t *value)
{
    const char *text = s_arg (req, name);
    if (!*text) {
        *value = dflt;
        return true;
    }
    return gateway_webpath_event_id (text, value) && *value >= min && *value <= max;
}

/* The portal's page of a public article; null for the others (customers
 * cannot open them). */
static json_t *
s_url (gateway_desk_kb_t *self, const char *id, const char *audience, const char *status)
{
    if (strcmp (audience, "publico") != 0 || strcmp (status, "publicado") != 0)
        return json_null ();
    char escaped[3 * BC_ARTICLE_ID_MAX_BYTES + 1], url[sizeof self->public_url + sizeof escaped + 8];
    if (!bc_article_id_escape (id, escaped, sizeof escaped))
        return json_null ();
    snprintf (url, sizeof url, "%s/ajuda/%s", self->public_url, escaped);
    return json_string (url);
}

static json_t *
s_tags (const Balcao__V1__Article *a)
{
    json_t *tags = json_array ();
    for (size_t i = 0; i < a->n_tags; i++)
        json_array_append_new (tags, json_string (a->tags[i]));
    return tags;
}

/* A list entry: the article without its body. */
static json_t *
s_summary_json (gateway_desk_kb_t *self, const Balcao__V1__Article *a)
{
    return json_pack ("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "id",
                      a->id, "title", a->title, "type", a->type, "category", a->category, "tags",
                      s_tags (a), "visibility", a->audience, "status", a->status, "language",
                      a->language, "version", (json_int_t) a->version, "author", a->author,
                      "updated_at", gateway_http_time (a->updated_us), "from_ticket",
                      a->from_ticket ? json_integer ((json_int_t) a->from_ticket) : json_null (),
                      "url", s_url (self, a->id, a->audience, a->status));
}

/* A list entry: the summary and whether a pending draft waits. */
static json_t *
s_listed_json (gateway_desk_kb_t *self, const Balcao__V1__Article *a)
{
    json_t *o = s_summary_json (self, a);
    json_object_set_new (o, "has_draft", json_boolean (a->has_draft));
    return o;
}

/* The whole article: html is kb's rendering (GET), null after a write. */
static json_t *
s_article_json (gateway_desk_kb_t *self, const Balcao__V1__Article *a)
{
    json_t *o = s_summary_json (self, a);
    json_object_set_new (o, "body", json_string (a->body));
    json_object_set_new (o, "html", *a->html ? json_string (a->html) : json_null ());
    json_object_set_new (o, "change", json_string (a->change));
    json_object_set_new (o, "created_at", gateway_http_time (a->created_us));
    json_object_set_new (o, "views", json_integer ((json_int_t) a->views));
    json_object_set_new (o, "helpful", json_integer ((json_int_t) a->helpful_yes));
    json_object_set_new (o, "not_helpful", json_integer ((json_int_t) a->helpful_no));
    /* A pending draft (its version: the published one it was made from). */
    if (a->draft_revision)
        json_object_set_new (o, "revision", json_integer ((json_int_t) a->draft_revision));
    return o;
}

/* A kb write answered by an Article: that article, with status. */
static enum MHD_Result
s_article_call (gateway_desk_kb_t *self, const gateway_req_t *req, const ProtobufCMessage *msg,
                unsigned status)
{
    enum MHD_Result out;
    Balcao__V1__Article *a = (Balcao__V1__Article *) gateway_kb_call (
        self->bus, req, msg, &balcao__v1__article__descriptor, &out);
    if (!a)
        return out;
    out = gateway_http_json (req->conn, status, s_article_json (self, a), NULL, NULL);
    balcao__v1__article__free_unpacked (a, NULL);
    return out;
}

/* ---- GET /desk/tickets/N/similar ------------------------------------- */

/* Whether the person may read ticket number, as the router decides: kb
 * keeps no organizations, so where the config restricts some, an agent's
 * similar tickets are each asked of the router (at most 20). */
static bool
s_may_read (gateway_desk_kb_t *self, const gateway_req_t *req, uint64_t number)
{
    if (!self->restricted || strncmp (req->principal, "agent:", 6) != 0)
        return true;
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &get.base, &reply);
    bc_envelope_destroy (&reply);
    return rc == BC_OK;
}

static enum MHD_Result
s_similar (gateway_desk_kb_t *self, const gateway_req_t *req, uint64_t number)
{
    uint64_t limit;
    if (!s_number_arg (req, "limit", 1, 20, 5, &limit))
        return s_invalid (req, "limit é um número de 1 a 20", "limit is a number from 1 to 20");
    enum MHD_Result out;
    Balcao__V1__SimilarArticles sa = BALCAO__V1__SIMILAR_ARTICLES__INIT;
    sa.ticket = number;
    sa.limit = (uint32_t) limit;
    Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) gateway_kb_call (
        self->bus, req, &sa.base, &balcao__v1__article_results__descriptor, &out);
    if (!r)
        return out;
    Balcao__V1__SimilarTickets st = BALCAO__V1__SIMILAR_TICKETS__INIT;
    st.ticket = number;
    st.limit = (uint32_t) limit;
    st.resolved_only = true;
    Balcao__V1__SearchTicketsReply *t = (Balcao__V1__SearchTicketsReply *) gateway_kb_call (
        self->bus, req, &st.base, &balcao__v1__search_tickets_reply__descriptor, &out);
    if (!t) {
        balcao__v1__article_results__free_unpacked (r, NULL);
        return out;
    }
    json_t *articles = json_array (), *tickets = json_array ();
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__ArticleHit *h = r->hits[i];
        json_array_append_new (
            articles, json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", h->id, "title",
                                 h->title, "type", h->type, "category", h->category, "visibility",
                                 h->audience, "status", h->status, "snippet",
                                 gateway_kb_snippet (h->snippet), "url",
                                 s_url (self, h->id, h->audience, h->status)));
    }
    for (size_t i = 0; i < t->n_hits; i++) {
        const Balcao__V1__TicketHit *h = t->hits[i];
        /* "Já resolvidos": with a resolution to read (a duplicate closed by
         * a merge has none), and one the person may read. */
        if (!*h->resolution || !s_may_read (self, req, h->ticket))
            continue;
        json_array_append_new (tickets,
                               json_pack ("{s:I, s:s, s:s, s:s, s:f}", "number",
                                          (json_int_t) h->ticket, "subject", h->subject, "status",
                                          h->status, "resolution", h->resolution, "score",
                                          h->score));
    }
    balcao__v1__article_results__free_unpacked (r, NULL);
    balcao__v1__search_tickets_reply__free_unpacked (t, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK,
                              json_pack ("{s:o, s:o}", "articles", articles, "tickets", tickets),
                              NULL, NULL);
}

/* ---- POST /desk/tickets/N/article ------------------------------------ */

static enum MHD_Result
s_from_ticket (gateway_desk_kb_t *self, const gateway_req_t *req, uint64_t number)
{
    Balcao__V1__ArticleFromTicket af = BALCAO__V1__ARTICLE_FROM_TICKET__INIT;
    af.ticket = number;
    return s_article_call (self, req, &af.base, MHD_HTTP_CREATED);
}

/* ---- the editor ------------------------------------------------------ */

static bool
s_status_ok (const char *status)
{
    return !*status || strcmp (status, "rascunho") == 0 || strcmp (status, "publicado") == 0;
}

static bool
s_visibility_ok (const char *visibility)
{
    return !*visibility || strcmp (visibility, "publico") == 0
           || strcmp (visibility, "interno") == 0;
}

/* GET /desk/kb/articles: kb's list (no q) or its search (q). */
static enum MHD_Result
s_list (gateway_desk_kb_t *self, const gateway_req_t *req)
{
    const char *q = s_arg (req, "q"), *status = s_arg (req, "status"),
               *visibility = s_arg (req, "visibility");
    uint64_t offset, limit;
    if (strlen (q) > DESK_KB_MAX_QUERY)
        return s_invalid (req, "a busca passa de 500 caracteres; escreva menos palavras",
                          "the search is over 500 characters; use fewer words");
    if (!s_status_ok (status) || !s_visibility_ok (visibility))
        return s_invalid (req, "status é rascunho ou publicado; visibility é publico ou interno",
                          "status is rascunho or publicado; visibility is publico or interno");
    if (!s_number_arg (req, "offset", 0, 10000, 0, &offset)
        || !s_number_arg (req, "limit", 1, 200, 50, &limit))
        return s_invalid (req, "offset é um número de 0 a 10000 e limit de 1 a 200",
                          "offset is a number from 0 to 10000 and limit from 1 to 200");
    enum MHD_Result out;
    json_t *articles = json_array ();
    json_int_t total;
    if (q[strspn (q, " \t\r\n")]) {
        /* kb's search: at most 100 a page. */
        Balcao__V1__SearchArticles sa = BALCAO__V1__SEARCH_ARTICLES__INIT;
        sa.query = (char *) q;
        sa.limit = (uint32_t) (limit > 100 ? 100 : limit);
        sa.offset = (uint32_t) offset;
        sa.status = (char *) status;
        sa.audience = (char *) visibility;
        sa.include_drafts = strcmp (status, "publicado") != 0;
        Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) gateway_kb_call (
            self->bus, req, &sa.base, &balcao__v1__article_results__descriptor, &out);
        if (!r) {
            json_decref (articles);
            return out;
        }
        for (size_t i = 0; i < r->n_hits; i++) {
            const Balcao__V1__ArticleHit *h = r->hits[i];
            json_array_append_new (
                articles, json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", h->id,
                                     "title", h->title, "type", h->type, "category", h->category,
                                     "visibility", h->audience, "status", h->status, "snippet",
                                     gateway_kb_snippet (h->snippet), "url",
                                     s_url (self, h->id, h->audience, h->status)));
        }
        total = (json_int_t) r->estimated;
        balcao__v1__article_results__free_unpacked (r, NULL);
    }
    else {
        Balcao__V1__ListArticles la = BALCAO__V1__LIST_ARTICLES__INIT;
        la.status = (char *) status;
        la.audience = (char *) visibility;
        la.limit = (uint32_t) limit;
        la.offset = (uint32_t) offset;
        Balcao__V1__ArticleList *l = (Balcao__V1__ArticleList *) gateway_kb_call (
            self->bus, req, &la.base, &balcao__v1__article_list__descriptor, &out);
        if (!l) {
            json_decref (articles);
            return out;
        }
        for (size_t i = 0; i < l->n_articles; i++)
            json_array_append_new (articles, s_listed_json (self, l->articles[i]));
        total = (json_int_t) l->total;
        balcao__v1__article_list__free_unpacked (l, NULL);
    }
    return gateway_http_json (req->conn, MHD_HTTP_OK,
                              json_pack ("{s:o, s:I}", "articles", articles, "total", total),
                              NULL, NULL);
}

/* GET /desk/kb/articles/ID[?version=N]: the article (that version) with
 * kb's HTML and the list of its versions. */
static enum MHD_Result
s_get (gateway_desk_kb_t *self, const gateway_req_t *req, const char *id)
{
    uint64_t version;
    if (!s_number_arg (req, "version", 1, UINT32_MAX, 0, &version))
        return s_invalid (req, "version é um número a partir de 1",
                          "version is a number from 1 up");
    Balcao__V1__GetArticle ga = BALCAO__V1__GET_ARTICLE__INIT;
    ga.id = (char *) id;
    ga.version = (uint32_t) version;
    enum MHD_Result out;
    Balcao__V1__Article *a = (Balcao__V1__Article *) gateway_kb_call (
        self->bus, req, &ga.base, &balcao__v1__article__descriptor, &out);
    if (!a)
        return out;
    Balcao__V1__GetArticleHistory gh = BALCAO__V1__GET_ARTICLE_HISTORY__INIT;
    gh.id = (char *) id;
    Balcao__V1__ArticleList *l = (Balcao__V1__ArticleList *) gateway_kb_call (
        self->bus, req, &gh.base, &balcao__v1__article_list__descriptor, &out);
    if (!l) {
        balcao__v1__article__free_unpacked (a, NULL);
        return out;
    }
    json_t *versions = json_array ();
    for (size_t i = 0; i < l->n_articles; i++) {
        const Balcao__V1__Article *v = l->articles[i];
        json_array_append_new (
            versions, json_pack ("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "version",
                                 (json_int_t) v->version, "title", v->title, "status", v->status,
                                 "visibility", v->audience, "change", v->change, "author",
                                 v->author, "updated_at", gateway_http_time (v->updated_us),
                                 "draft_author",
                                 *v->draft_author ? json_string (v->draft_author) : json_null ()));
    }
    balcao__v1__article_list__free_unpacked (l, NULL);
    json_t *body = s_article_json (self, a);
    json_object_set_new (body, "versions", versions);
    json_object_set_new (body, "draft",
                         a->pending_draft ? s_article_json (self, a->pending_draft) : json_null ());
    balcao__v1__article__free_unpacked (a, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

/* The article's fields of a create or save body into *a (pointing into
 * the JSON, which outlives the request). tags: its strings, *has_tags when
 * "tags" was given. False with the answer in *out. */
static bool
s_article_fields (const gateway_req_t *req, Balcao__V1__Article *a, char **tags, size_t max_tags,
                  bool *has_tags, enum MHD_Result *out)
{
    static const char *const names[] = {"title", "body", "type", "visibility", "category",
                                        "language"};
    char **fields[] = {&a->title, &a->body, &a->type, &a->audience, &a->category, &a->language};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *v = json_object_get (req->body_json, names[i]);
        if (!v)
            continue;
        if (!json_is_string (v)) {
            char pt[120], en[120];
            snprintf (pt, sizeof pt, "\"%s\" deve ser um texto", names[i]);
            snprintf (en, sizeof en, "\"%s\" must be a string", names[i]);
            *out = s_invalid (req, pt, en);
            return false;
        }
        *fields[i] = (char *) json_string_value (v);
    }
    if (strlen (a->body) > DESK_KB_MAX_MARKDOWN) {
        *out = s_too_large (req);
        return false;
    }
    json_t *list = json_object_get (req->body_json, "tags");
    *has_tags = list != NULL;
    a->n_tags = 0;
    a->tags = tags;
    if (!list)
        return true;
    bool ok = json_is_array (list) && json_array_size (list) <= max_tags;
    for (size_t i = 0; ok && i < json_array_size (list); i++) {
        ok = json_is_string (json_array_get (list, i));
        if (ok)
            tags[a->n_tags++] = (char *) json_string_value (json_array_get (list, i));
    }
    if (!ok)
        *out = s_invalid (req, "\"tags\" é uma lista de até 20 textos",
                          "\"tags\" is a list of at most 20 strings");
    return ok;
}

/* POST /desk/kb/articles: a new draft (kb: status rascunho by default). */
static enum MHD_Result
s_create (gateway_desk_kb_t *self, const gateway_req_t *req)
{
    Balcao__V1__Article in = BALCAO__V1__ARTICLE__INIT;
    char *tags[20];
    bool has_tags;
    enum MHD_Result out;
    if (!s_article_fields (req, &in, tags, 20, &has_tags, &out))
        return out;
    json_t *id = json_object_get (req->body_json, "id");
    if (id && !(json_is_string (id) && gateway_webpath_article_id (json_string_value (id))))
        return gateway_kb_bad_id (req, bc_article_id_check (json_string_value (id)));
    if (id)
        in.id = (char *) json_string_value (id);
    in.status = "rascunho";
    Balcao__V1__CreateArticle ca = BALCAO__V1__CREATE_ARTICLE__INIT;
    ca.article = &in;
    return s_article_call (self, req, &ca.base, MHD_HTTP_CREATED);
}

/* An optional revision number (0 to 2^32-1) of the body: 0 when absent.
 * False when it is something else. */
static bool
s_revision (const gateway_req_t *req, const char *name, uint32_t *value)
{
    json_t *v = json_object_get (req->body_json, name);
    *value = 0;
    if (!v)
        return true;
    if (!json_is_integer (v) || json_integer_value (v) < 0 || json_integer_value (v) > UINT32_MAX)
        return false;
    *value = (uint32_t) json_integer_value (v);
    return true;
}

/* POST /desk/kb/articles/ID: a new version with the fields given
 * (base_version: refused with 409 when someone saved meanwhile), or with
 * as_draft the pending draft of a published article (base_draft: the draft
 * revision the edit started from). The status changes only by publish and
 * unpublish. */
static enum MHD_Result
s_save (gateway_desk_kb_t *self, const gateway_req_t *req, const char *id)
{
    Balcao__V1__Article in = BALCAO__V1__ARTICLE__INIT;
    char *tags[20];
    bool has_tags;
    enum MHD_Result out;
    if (!s_article_fields (req, &in, tags, 20, &has_tags, &out))
        return out;
    json_t *base = json_object_get (req->body_json, "base_version");
    if (base && !(json_is_integer (base) && json_integer_value (base) >= 1
                  && json_integer_value (base) <= UINT32_MAX))
        return s_invalid (req, "\"base_version\" é um número de versão (a partir de 1)",
                          "\"base_version\" is a version number (from 1)");
    if (json_object_get (req->body_json, "status"))
        return s_invalid (req, "para publicar ou despublicar use …/publish ou …/unpublish",
                          "to publish or unpublish use …/publish or …/unpublish");
    json_t *as_draft = json_object_get (req->body_json, "as_draft");
    if (as_draft && !json_is_boolean (as_draft))
        return s_invalid (req, "\"as_draft\" é true ou false", "\"as_draft\" is true or false");
    uint32_t base_draft;
    if (!s_revision (req, "base_draft", &base_draft))
        return s_invalid (req, "\"base_draft\" é o número de revisão do rascunho (0: nenhum)",
                          "\"base_draft\" is the draft's revision number (0: none)");
    in.id = (char *) id;
    Balcao__V1__EditArticle ea = BALCAO__V1__EDIT_ARTICLE__INIT;
    ea.article = &in;
    ea.base_version = base ? (uint32_t) json_integer_value (base) : 0;
    ea.clear_tags = has_tags;
    ea.as_draft = json_is_true (as_draft);
    ea.base_draft = base_draft;
    return s_article_call (self, req, &ea.base, MHD_HTTP_OK);
}

static enum MHD_Result
s_set_status (gateway_desk_kb_t *self, const gateway_req_t *req, const char *id,
              const char *status)
{
    Balcao__V1__SetArticleStatus ss = BALCAO__V1__SET_ARTICLE_STATUS__INIT;
    ss.id = (char *) id;
    ss.status = (char *) status;
    return s_article_call (self, req, &ss.base, MHD_HTTP_OK);
}

/* POST …/draft/publish and …/draft/discard {"revision": N}: the pending
 * draft (N: the revision the person saw; 409 when it changed). */
static enum MHD_Result
s_draft_action (gateway_desk_kb_t *self, const gateway_req_t *req, const char *id,
                bool is_publish)
{
    uint32_t revision;
    if (!s_revision (req, "revision", &revision))
        return s_invalid (req, "\"revision\" é o número de revisão do rascunho",
                          "\"revision\" is the draft's revision number");
    if (is_publish) {
        Balcao__V1__PublishDraft pd = BALCAO__V1__PUBLISH_DRAFT__INIT;
        pd.id = (char *) id;
        pd.draft_revision = revision;
        return s_article_call (self, req, &pd.base, MHD_HTTP_OK);
    }
    Balcao__V1__DiscardDraft dd = BALCAO__V1__DISCARD_DRAFT__INIT;
    dd.id = (char *) id;
    dd.draft_revision = revision;
    return s_article_call (self, req, &dd.base, MHD_HTTP_OK);
}

static enum MHD_Result
s_revert (gateway_desk_kb_t *self, const gateway_req_t *req, const char *id)
{
    json_t *v = json_object_get (req->body_json, "version");
    if (!json_is_integer (v) || json_integer_value (v) < 1 || json_integer_value (v) > UINT32_MAX)
        return s_invalid (req, "envie {\"version\": N}, a versão a restaurar",
                          "send {\"version\": N}, the version to restore");
    Balcao__V1__RevertArticle ra = BALCAO__V1__REVERT_ARTICLE__INIT;
    ra.id = (char *) id;
    ra.version = (uint32_t) json_integer_value (v);
    return s_article_call (self, req, &ra.base, MHD_HTTP_OK);
}

/* POST /desk/kb/preview: kb's RenderMarkdown, the path GetArticle takes. */
static enum MHD_Result
s_preview (gateway_desk_kb_t *self, const gateway_req_t *req)
{
    json_t *md = json_object_get (req->body_json, "markdown");
    if (!json_is_string (md))
        return s_invalid (req, "envie {\"markdown\": \"…\"}", "send {\"markdown\": \"…\"}");
    if (json_string_length (md) > DESK_KB_MAX_MARKDOWN)
        return s_too_large (req);
    Balcao__V1__RenderMarkdown rm = BALCAO__V1__RENDER_MARKDOWN__INIT;
    rm.markdown = (char *) json_string_value (md);
    enum MHD_Result out;
    Balcao__V1__RenderedMarkdown *r = (Balcao__V1__RenderedMarkdown *) gateway_kb_call (
        self->bus, req, &rm.base, &balcao__v1__rendered_markdown__descriptor, &out);
    if (!r)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:s}", "html", r->html), NULL,
                             NULL);
    balcao__v1__rendered_markdown__free_unpacked (r, NULL);
    return out;
}

/* A day "YYYY-MM-DD" (UTC) as µs since the epoch at its start. */
static bool
s_day (const char *text, int64_t *us)
{
    struct tm tm = {0};
    const char *end = strlen (text) == 10 ? strptime (text, "%Y-%m-%d", &tm) : NULL;
    if (!end || *end)
        return false;
    time_t t = timegm (&tm);
    char back[16];
    /* strptime takes 2026-02-31; the day it names must be itself. */
    struct tm check;
    if (t == (time_t) -1 || !gmtime_r (&t, &check)
        || strftime (back, sizeof back, "%Y-%m-%d", &check) != 10 || strcmp (back, text) != 0)
        return false;
    *us = (int64_t) t * 1000000;
    return true;
}


/* GET /desk/kb/gaps?from=&to=&limit=: days in the business time zone (kb
 * counts per day there), both included (default: the last 30 days, as kb
 * decides them). */
static enum MHD_Result
s_gaps (gateway_desk_kb_t *self, const gateway_req_t *req)
{
    const char *from = s_arg (req, "from"), *to = s_arg (req, "to");
    int64_t to_us = 0, from_us = 0;
    uint64_t limit;
    if ((*to && !s_day (to, &to_us)) || (*from && !s_day (from, &from_us)))
        return s_invalid (req, "from e to são dias no formato AAAA-MM-DD",
                          "from and to are days as YYYY-MM-DD");
    if (*from && *to && from_us > to_us)
        return s_invalid (req, "from vem depois de to", "from comes after to");
    if (!s_number_arg (req, "limit", 1, 200, 50, &limit))
        return s_invalid (req, "limit é um número de 1 a 200", "limit is a number from 1 to 200");
    Balcao__V1__GetKbGaps gg = BALCAO__V1__GET_KB_GAPS__INIT;
    gg.from_day = (char *) from;
    gg.to_day = (char *) to;
    gg.limit = (uint32_t) limit;
    enum MHD_Result out;
    Balcao__V1__KbGaps *g = (Balcao__V1__KbGaps *) gateway_kb_call (
        self->bus, req, &gg.base, &balcao__v1__kb_gaps__descriptor, &out);
    if (!g)
        return out;
    json_t *gaps = json_array ();
    for (size_t i = 0; i < g->n_gaps; i++) {
        const Balcao__V1__KbGap *x = g->gaps[i];
        json_array_append_new (gaps, json_pack ("{s:s, s:I, s:I, s:I, s:o}", "query", x->query,
                                                "count", (json_int_t) x->count, "searches",
                                                (json_int_t) (x->count - x->bot), "bot",
                                                (json_int_t) x->bot, "last_at",
                                                gateway_http_time (x->last_us)));
    }
    json_t *body = json_pack ("{s:s, s:s, s:s, s:o}", "from", g->from_day, "to", g->to_day,
                              "time_zone", g->time_zone, "gaps", gaps);
    balcao__v1__kb_gaps__free_unpacked (g, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

/* desk/kb/articles/ID[/action]. The path is unescaped already and an id
 * may hold '/' ("faq/senha"): the action is the end of the path, when it
 * is one (no id ends with one: bc_article_id.h), and the id all before. */
static enum MHD_Result
s_article_route (gateway_desk_kb_t *self, gateway_req_t *req, const char *rest)
{
    static const char *const actions[] = {"/draft/publish", "/draft/discard", "/publish",
                                          "/unpublish", "/revert", NULL};
    size_t n = strlen (rest);
    const char *action = NULL;
    for (int i = 0; actions[i] && !action; i++) {
        size_t len = strlen (actions[i]);
        if (n > len && strcmp (rest + n - len, actions[i]) == 0)
            action = actions[i] + 1, n -= len;
    }
    char id[BC_ARTICLE_ID_MAX_BYTES + 1];
    int why = gateway_kb_path_id (rest, n, id);
    if (why != BC_ARTICLE_ID_OK)
        return gateway_kb_bad_id (req, why);
    if (!action)
        return req->is_write ? s_save (self, req, id) : s_get (self, req, id);
    if (!req->is_write)
        return s_wrong_method (req);
    if (strcmp (action, "revert") == 0)
        return s_revert (self, req, id);
    if (strncmp (action, "draft/", 6) == 0)
        return s_draft_action (self, req, id, strcmp (action, "draft/publish") == 0);
    return s_set_status (self, req, id,
                         strcmp (action, "publish") == 0 ? "publicado" : "rascunho");
}

/* desk/tickets/N/similar and desk/tickets/N/article: whether the path is
 * one of them (then *number, *is_similar). */
static bool
s_ticket_path (const gateway_req_t *req, uint64_t *number, bool *is_similar)
{
    const char *rest;
    if (!gateway_http_path (req, "desk/tickets/*", &rest))
        return false;
    const char *slash = strchr (rest, '/');
    if (!slash || (strcmp (slash, "/similar") != 0 && strcmp (slash, "/article") != 0))
        return false;
    char text[32];
    size_t n = (size_t) (slash - rest);
    if (n >= sizeof text)
        n = sizeof text - 1; /* no number is that long: refused below */
    memcpy (text, rest, n);
    text[n] = 0;
    *is_similar = strcmp (slash, "/similar") == 0;
    if (!gateway_parse_ticket_number (text, number))
        *number = 0;
    return true;
}

bool
gateway_desk_kb_route (gateway_desk_kb_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    const char *rest = NULL;
    uint64_t number = 0;
    bool is_similar = false;
    bool is_ticket = s_ticket_path (req, &number, &is_similar);
    if (!is_ticket && !gateway_http_path (req, "desk/kb/*", &rest))
        return false;
    if (!gateway_http_staff_only (req, out))
        return true;
    if (is_ticket) {
        if (!number)
            *out = s_invalid (req,
                              "o número do chamado é um inteiro positivo em decimal, sem "
                              "zeros à esquerda",
                              "the ticket number is a positive decimal integer without leading "
                              "zeros");
        else if (is_similar)
            *out = req->is_write ? s_wrong_method (req) : s_similar (self, req, number);
        else
            *out = req->is_write ? s_from_ticket (self, req, number) : s_wrong_method (req);
    }
    else if (strcmp (rest, "articles") == 0)
        *out = req->is_write ? s_create (self, req) : s_list (self, req);
    else if (strncmp (rest, "articles/", 9) == 0)
        *out = s_article_route (self, req, rest + 9);
    else if (strcmp (rest, "preview") == 0)
        *out = req->is_write ? s_preview (self, req) : s_wrong_method (req);
    else if (strcmp (rest, "gaps") == 0)
        *out = req->is_write ? s_wrong_method (req) : s_gaps (self, req);
    else
        *out = gateway_http_no_such_page (req->conn);
    return true;
}
