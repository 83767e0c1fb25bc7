/* gateway_kb: see gateway_kb.h. Each route is one kb request made as the
 * caller (req->principal): kb decides what a visitor or a customer may see
 * (published public articles only) and who may read the deflection
 * figures (staff); the gateway checks the shape of what it forwards. */
#include "gateway_kb.h"

#include "balcao/v1/kb.pb-c.h"
#include "bc_article_id.h"
#include "gateway_webpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A query longer than this is no one's question. */
#define GATEWAY_KB_MAX_QUERY 500

struct gateway_kb_t {
    gateway_bus_t *bus;
};

gateway_kb_t *
gateway_kb_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_kb_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_kb_destroy (gateway_kb_t **self_p)
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

enum MHD_Result
gateway_kb_bad_id (const gateway_req_t *req, int why)
{
    if (why == BC_ARTICLE_ID_OK)
        why = BC_ARTICLE_ID_EMPTY; /* not given, or not a string */
    char pt[256], en[256];
    snprintf (pt, sizeof pt, "id de artigo inválido: %s",
              bc_article_id_problem ((bc_article_id_rc_t) why, 0));
    snprintf (en, sizeof en, "invalid article id: %s",
              bc_article_id_problem ((bc_article_id_rc_t) why, 1));
    return s_invalid (req, pt, en);
}

int
gateway_kb_path_id (const char *path, size_t n, char *id)
{
    id[0] = 0;
    if (n > BC_ARTICLE_ID_MAX_BYTES)
        return BC_ARTICLE_ID_TOO_LONG;
    memcpy (id, path, n);
    id[n] = 0;
    return bc_article_id_check (id);
}

static enum MHD_Result
s_wrong_method (const gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                               "este endereço não aceita este método",
                               "this address does not take this method");
}

ProtobufCMessage *
gateway_kb_call (gateway_bus_t *bus, const gateway_req_t *req, const ProtobufCMessage *msg,
                 const ProtobufCMessageDescriptor *type, enum MHD_Result *out)
{
    bc_envelope_t *reply;
    int rc = gateway_bus_call (bus, "kb", req->principal, msg, &reply);
    ProtobufCMessage *payload = NULL;
    if (rc == BC_OK) {
        payload = bc_envelope_payload (reply, type);
        if (!payload)
            *out = gateway_http_unexpected (req->conn, "kb");
    }
    else
        *out = gateway_http_bus_error (req->conn, rc, reply, "kb");
    bc_envelope_destroy (&reply);
    return payload;
}

/* The API promises <b> (the same safety: no other tag can be in it). */
json_t *
gateway_kb_snippet (const char *snippet)
{
    size_t n = strlen (snippet);
    char *out = malloc (n + 1), *o = out;
    if (!out)
        return json_string ("");
    for (const char *p = snippet; *p;) {
        if (strncmp (p, "<mark>", 6) == 0) {
            memcpy (o, "<b>", 3), o += 3, p += 6;
        }
        else if (strncmp (p, "</mark>", 7) == 0) {
            memcpy (o, "</b>", 4), o += 4, p += 7;
        }
        else
            *o++ = *p++;
    }
    *o = 0;
    json_t *s = json_string (out);
    free (out);
    return s ? s : json_string ("");
}

static json_t *
s_hits (const Balcao__V1__ArticleResults *r)
{
    json_t *hits = json_array ();
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__ArticleHit *h = r->hits[i];
        json_array_append_new (hits, json_pack ("{s:s, s:s, s:s, s:s, s:o}", "id", h->id, "title",
                                                h->title, "type", h->type, "category",
                                                h->category, "snippet_html",
                                                gateway_kb_snippet (h->snippet)));
    }
    return hits;
}

/* [{"field", "values": [{"value", "count"}]}], fields in kb's order. */
static json_t *
s_facets (const Balcao__V1__ArticleResults *r)
{
    json_t *facets = json_array ();
    for (size_t i = 0; i < r->n_facets; i++) {
        const Balcao__V1__Facet *f = r->facets[i];
        /* Visitors see public articles only: an audience facet says nothing. */
        if (strcmp (f->field, "audience") == 0)
            continue;
        json_t *group = NULL;
        for (size_t g = 0; g < json_array_size (facets); g++) {
            json_t *it = json_array_get (facets, g);
            if (strcmp (json_string_value (json_object_get (it, "field")), f->field) == 0)
                group = it;
        }
        if (!group) {
            group = json_pack ("{s:s, s:[]}", "field", f->field, "values");
            json_array_append_new (facets, group);
        }
        json_array_append_new (json_object_get (group, "values"),
                               json_pack ("{s:s, s:I}", "value", f->value, "count",
                                          (json_int_t) f->count));
    }
    return facets;
}

static bool
s_query_ok (const gateway_req_t *req, const char *q, enum MHD_Result *out)
{
    if (strlen (q) <= GATEWAY_KB_MAX_QUERY)
        return true;
    *out = s_invalid (req, "a busca passa de 500 caracteres; escreva menos palavras",
                      "the search is over 500 characters; use fewer words");
    return false;
}

static enum MHD_Result
s_search (gateway_kb_t *self, const gateway_req_t *req)
{
    enum MHD_Result out;
    const char *q = s_arg (req, "q"), *offset = s_arg (req, "offset");
    if (!s_query_ok (req, q, &out))
        return out;
    uint64_t from = 0;
    if (*offset && (!gateway_webpath_event_id (offset, &from) || from > 10000))
        return s_invalid (req, "offset é um número de 0 a 10000",
                          "offset is a number from 0 to 10000");
    Balcao__V1__SearchArticles sa = BALCAO__V1__SEARCH_ARTICLES__INIT;
    sa.query = (char *) q;
    sa.limit = 10;
    sa.offset = (uint32_t) from;
    sa.type = (char *) s_arg (req, "type");
    sa.category = (char *) s_arg (req, "category");
    sa.as_typed = strcmp (s_arg (req, "as_typed"), "1") == 0;
    Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) gateway_kb_call (
        self->bus, req, &sa.base, &balcao__v1__article_results__descriptor, &out);
    if (!r)
        return out;
    json_t *body = json_pack ("{s:o, s:I, s:o, s:o, s:o}", "hits", s_hits (r), "estimated",
                              (json_int_t) r->estimated, "facets", s_facets (r), "did_you_mean",
                              *r->did_you_mean ? json_string (r->did_you_mean) : json_null (),
                              "showing_results_for",
                              *r->showing_results_for ? json_string (r->showing_results_for)
                                                      : json_null ());
    balcao__v1__article_results__free_unpacked (r, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

static enum MHD_Result
s_suggest (gateway_kb_t *self, const gateway_req_t *req)
{
    enum MHD_Result out;
    const char *q = s_arg (req, "q");
    if (!s_query_ok (req, q, &out))
        return out;
    if (!q[strspn (q, " \t\r\n")])
        return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:[]}", "hits"), NULL,
                                  NULL);
    Balcao__V1__SuggestArticles sg = BALCAO__V1__SUGGEST_ARTICLES__INIT;
    sg.text = (char *) q;
    sg.limit = 5;
    Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) gateway_kb_call (
        self->bus, req, &sg.base, &balcao__v1__article_results__descriptor, &out);
    if (!r)
        return out;
    json_t *body = json_pack ("{s:o}", "hits", s_hits (r));
    balcao__v1__article_results__free_unpacked (r, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

static json_t *
s_article_json (const Balcao__V1__Article *a)
{
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I}", "id", a->id, "title", a->title,
                      "type", a->type, "category", a->category, "html", a->html, "updated_at",
                      gateway_http_time (a->updated_us), "helpful", (json_int_t) a->helpful_yes,
                      "not_helpful", (json_int_t) a->helpful_no);
}

static enum MHD_Result
s_article (gateway_kb_t *self, const gateway_req_t *req, const char *id)
{
    Balcao__V1__GetArticle ga = BALCAO__V1__GET_ARTICLE__INIT;
    ga.id = (char *) id;
    ga.count_view = 1;
    enum MHD_Result out;
    Balcao__V1__Article *a = (Balcao__V1__Article *) gateway_kb_call (
        self->bus, req, &ga.base, &balcao__v1__article__descriptor, &out);
    if (!a)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_OK, s_article_json (a), NULL, NULL);
    balcao__v1__article__free_unpacked (a, NULL);
    return out;
}

static enum MHD_Result
s_feedback (gateway_kb_t *self, const gateway_req_t *req, const char *id)
{
    json_t *helpful = json_object_get (req->body_json, "helpful");
    if (!json_is_boolean (helpful))
        return s_invalid (req, "envie {\"helpful\": true} ou {\"helpful\": false}",
                          "send {\"helpful\": true} or {\"helpful\": false}");
    Balcao__V1__RateArticle ra = BALCAO__V1__RATE_ARTICLE__INIT;
    ra.id = (char *) id;
    ra.helpful = json_is_true (helpful);
    enum MHD_Result out;
    Balcao__V1__Article *a = (Balcao__V1__Article *) gateway_kb_call (
        self->bus, req, &ra.base, &balcao__v1__article__descriptor, &out);
    if (!a)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_OK,
                             json_pack ("{s:I, s:I}", "helpful", (json_int_t) a->helpful_yes,
                                        "not_helpful", (json_int_t) a->helpful_no),
                             NULL, NULL);
    balcao__v1__article__free_unpacked (a, NULL);
    return out;
}

static enum MHD_Result
s_record (gateway_kb_t *self, const gateway_req_t *req)
{
    const char *id = json_string_value (json_object_get (req->body_json, "article_id"));
    const char *outcome = json_string_value (json_object_get (req->body_json, "outcome"));
    const char *ref = json_string_value (json_object_get (req->body_json, "client_ref"));
    if (!id || !gateway_webpath_article_id (id))
        return gateway_kb_bad_id (req, bc_article_id_check (id));
    if (!outcome || (strcmp (outcome, "opened") != 0 && strcmp (outcome, "deflected") != 0))
        return s_invalid (req, "outcome deve ser \"opened\" ou \"deflected\"",
                          "outcome must be \"opened\" or \"deflected\"");
    if (!ref || !gateway_webpath_client_ref (ref))
        return s_invalid (req,
                          "client_ref deve ter de 1 a 64 caracteres entre letras, dígitos, '-' "
                          "e '_'",
                          "client_ref must be 1 to 64 characters of letters, digits, '-' and "
                          "'_'");
    Balcao__V1__RecordDeflection rd = BALCAO__V1__RECORD_DEFLECTION__INIT;
    char *articles[] = {(char *) id};
    rd.outcome = (char *) outcome;
    rd.articles = articles;
    rd.n_articles = 1;
    rd.client_ref = (char *) ref;
    enum MHD_Result out;
    Balcao__V1__DeflectionCounts *c = (Balcao__V1__DeflectionCounts *) gateway_kb_call (
        self->bus, req, &rd.base, &balcao__v1__deflection_counts__descriptor, &out);
    if (!c)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_ACCEPTED,
                             json_pack ("{s:b}", "recorded", c->recorded), NULL, NULL);
    balcao__v1__deflection_counts__free_unpacked (c, NULL);
    return out;
}

static enum MHD_Result
s_deflection (gateway_kb_t *self, const gateway_req_t *req)
{
    Balcao__V1__GetDeflection gd = BALCAO__V1__GET_DEFLECTION__INIT;
    gd.article = (char *) s_arg (req, "article");
    if (*gd.article && !gateway_webpath_article_id (gd.article))
        return gateway_kb_bad_id (req, bc_article_id_check (gd.article));
    enum MHD_Result out;
    Balcao__V1__DeflectionCounts *c = (Balcao__V1__DeflectionCounts *) gateway_kb_call (
        self->bus, req, &gd.base, &balcao__v1__deflection_counts__descriptor, &out);
    if (!c)
        return out;
    /* Of the forms where a suggestion was opened and that ended, the share
     * that ended without a ticket. */
    uint64_t ended = c->deflected + c->sent_after_opening;
    double rate = ended ? (double) c->deflected / (double) ended : 0.0;
    out = gateway_http_json (req->conn, MHD_HTTP_OK,
                             json_pack ("{s:I, s:I, s:I, s:f}", "opened", (json_int_t) c->opened,
                                        "deflected", (json_int_t) c->deflected,
                                        "sent_after_opening",
                                        (json_int_t) c->sent_after_opening, "rate", rate),
                             NULL, NULL);
    balcao__v1__deflection_counts__free_unpacked (c, NULL);
    return out;
}

bool
gateway_kb_route (gateway_kb_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    const char *rest;
    if (!gateway_http_path (req, "kb/*", &rest))
        return false;
    if (strcmp (rest, "search") == 0)
        *out = req->is_write ? s_wrong_method (req) : s_search (self, req);
    else if (strcmp (rest, "suggest") == 0)
        *out = req->is_write ? s_wrong_method (req) : s_suggest (self, req);
    else if (strcmp (rest, "deflection") == 0)
        *out = req->is_write ? s_record (self, req) : s_deflection (self, req);
    else if (strncmp (rest, "articles/", 9) == 0) {
        /* The path is unescaped already, and an id may hold '/' ("faq/senha"):
         * the id is all of the rest but a final "/feedback" (no id ends so:
         * bc_article_id.h). */
        char id[BC_ARTICLE_ID_MAX_BYTES + 1];
        const char *p = rest + 9;
        size_t n = strlen (p);
        bool is_feedback = n > 9 && strcmp (p + n - 9, "/feedback") == 0;
        int why;
        if (is_feedback)
            n -= 9;
        if ((why = gateway_kb_path_id (p, n, id)) != BC_ARTICLE_ID_OK)
            *out = gateway_kb_bad_id (req, why);
        else if (is_feedback)
            *out = req->is_write ? s_feedback (self, req, id) : s_wrong_method (req);
        else
            *out = req->is_write ? s_wrong_method (req) : s_article (self, req, id);
    }
    else
        *out = gateway_http_no_such_page (req->conn);
    return true;
}
