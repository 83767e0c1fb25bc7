/* kb_search: finding articles: search (snippets, facets, "você quis
 * dizer"), suggestions while typing, the bot's answers, and the KB gaps
 * (what was asked and found nothing confident).
 *
 * LMDB: `gaps` day u32 BE ‖ folded query -> KbGap (day: days since
 * 1970-01-01 of the local date in kb's time zone, bc_day_of; gaps counted
 * before this were per UTC day). Gaps are counted in read
 * requests: statistics, so a retried read may count twice. */
#include "bc_log.h"
#include "kb_bot_rules.h"
#include "kb_internal.h"

#include "bc_day.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define EXCERPT_CHARS 300
#define SNIPPET_CHARS 180
/* Suggestions while typing are offered only when the first covers at least
 * this much of what was typed (kb_hit_t.coverage): else none, rather than
 * unrelated articles ("nota fisc"). Help-desk set (balcao-kb-bench
 * helpdesk, docs/benchmarks.md): 0.5 keeps 83 of the 87 right first
 * suggestions and drops 23 of the 25 questions the articles do not answer. */
#define SUGGEST_FLOOR 0.5

size_t
kb_gap_key (const char *query, unsigned char key[KB_GAP_KEY_MAX])
{
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n = utf8proc_map ((const utf8proc_uint8_t *) query, 0, &folded,
                                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE
                                           | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
    if (n <= 0) {
        free (folded);
        return 0;
    }
    /* Single spaces, no punctuation at the ends, at most 200 bytes. */
    size_t len = 4;
    for (utf8proc_ssize_t i = 0; i < n && len < KB_GAP_KEY_MAX - 1; i++) {
        unsigned char c = folded[i];
        int is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '?' || c == '!'
                       || c == '.' || c == ',';
        if (is_space) {
            if (len > 4 && key[len - 1] != ' ')
                key[len++] = ' ';
        }
        else
            key[len++] = c;
    }
    free (folded);
    while (len > 4 && key[len - 1] == ' ')
        len--;
    return len == 4 ? 0 : len;
}

/* Counts a query that found nothing (confident) for `gaps`. */
static int
s_gap (kb_t *self, bc_tx_t *tx, const char *query, int is_bot)
{
    unsigned char key[KB_GAP_KEY_MAX];
    size_t len = kb_gap_key (query, key);
    if (!len)
        return 0;
    uint32_t day = (uint32_t) bc_day_of (bc_tx_now_us (tx));
    for (int i = 0; i < 4; i++)
        key[i] = (unsigned char) (day >> (24 - 8 * i));
    MDB_val k = {len, key}, v;
    Balcao__V1__KbGap *old = NULL;
    if (mdb_get (bc_tx_txn (tx), self->db_gaps, &k, &v) == 0)
        old = balcao__v1__kb_gap__unpack (NULL, v.mv_size, v.mv_data);
    Balcao__V1__KbGap gap = BALCAO__V1__KB_GAP__INIT;
    gap.count = (old ? old->count : 0) + 1;
    gap.bot = (old ? old->bot : 0) + (is_bot ? 1 : 0);
    gap.last_us = bc_tx_now_us (tx);
    if (old)
        balcao__v1__kb_gap__free_unpacked (old, NULL);
    return kb_put_msg (bc_tx_txn (tx), self->db_gaps, key, len, &gap.base);
}

/* The index principal searches: customers the public one (nothing to
 * filter), staff every article, drafts only when asked for. */
static kb_index_t *
s_scope (kb_t *self, kb_query_t *q, const char *principal, int include_drafts)
{
    if (!kb_is_staff (principal))
        return self->public;
    if (!include_drafts)
        q->excludes[q->nexcludes++] = "Srascunho";
    return self->articles;
}

static const char *
s_facet_field (int slot)
{
    return slot == 1 ? "type" : slot == 2 ? "category" : "audience";
}

/* Replies with results, reading each hit's fields from LMDB. */
static void
s_reply_results (kb_t *self, MDB_txn *txn, bc_reply_t *reply, kb_results_t *r)
{
    Balcao__V1__ArticleHit *hits = calloc ((size_t) r->nhits + 1, sizeof *hits);
    Balcao__V1__ArticleHit **hptrs = calloc ((size_t) r->nhits + 1, sizeof *hptrs);
    Balcao__V1__Article **arts = calloc ((size_t) r->nhits + 1, sizeof *arts);
    Balcao__V1__Facet *facets = calloc ((size_t) r->nfacets + 1, sizeof *facets);
    Balcao__V1__Facet **fptrs = calloc ((size_t) r->nfacets + 1, sizeof *fptrs);
    size_t n = 0;
    for (int i = 0; i < r->nhits; i++) {
        Balcao__V1__Article *a = kb_article_get (self, txn, r->hits[i].id);
        if (!a)
            continue;
        arts[n] = a;
        balcao__v1__article_hit__init (&hits[n]);
        hits[n].id = a->id;
        hits[n].title = a->title;
        hits[n].type = a->type;
        hits[n].category = a->category;
        hits[n].audience = a->audience;
        hits[n].status = a->status;
        hits[n].score = r->hits[i].score;
        hits[n].snippet = r->hits[i].snippet ? r->hits[i].snippet : (char *) "";
        hptrs[n] = &hits[n];
        n++;
    }
    for (int i = 0; i < r->nfacets; i++) {
        balcao__v1__facet__init (&facets[i]);
        facets[i].field = (char *) s_facet_field (r->facets[i].slot);
        facets[i].value = r->facets[i].value;
        facets[i].count = r->facets[i].count;
        fptrs[i] = &facets[i];
    }
    Balcao__V1__ArticleResults out = BALCAO__V1__ARTICLE_RESULTS__INIT;
    out.hits = hptrs;
    out.n_hits = n;
    out.estimated = r->estimated;
    out.facets = fptrs;
    out.n_facets = (size_t) r->nfacets;
    out.facets_estimated = r->facets_estimated != 0;
    /* Corrected results name their query in did_you_mean too, for the
     * clients that know only that field (kb.proto). */
    out.did_you_mean = r->spelling ? r->spelling : r->corrected ? r->corrected : (char *) "";
    out.showing_results_for = r->corrected ? r->corrected : (char *) "";
    bc_reply_ok (reply, &out.base);
    for (size_t i = 0; i < n; i++)
        balcao__v1__article__free_unpacked (arts[i], NULL);
    free (arts);
    free (hits);
    free (hptrs);
    free (facets);
    free (fptrs);
}

static void
s_search_failed (kb_index_t *index, bc_reply_t *reply)
{
    bc_reply_error (reply, "internal", "a busca falhou: %s", "the search failed: %s",
                    kb_index_error (index));
}

static int
s_search (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__SearchArticles *req = (const Balcao__V1__SearchArticles *) payload;
    kb_query_t q = {.text = req->query, .limit = req->limit ? (int) req->limit : 10,
                    .offset = (int) req->offset, .snippet_chars = SNIPPET_CHARS,
                    .want_facets = 1, .want_spelling = 1, .is_as_typed = req->as_typed};
    if (q.limit > 100)
        q.limit = 100;
    char type[80], category[80], audience[80];
    char status[80];
    kb_index_t *index =
        s_scope (self, &q, bc_tx_principal (tx), req->include_drafts || *req->status);
    if (*req->status) {
        snprintf (status, sizeof status, "S%s", req->status);
        q.filters[q.nfilters++] = status;
    }
    if (*req->type) {
        snprintf (type, sizeof type, "T%s", req->type);
        q.filters[q.nfilters++] = type;
    }
    if (*req->category) {
        snprintf (category, sizeof category, "C%s", req->category);
        q.filters[q.nfilters++] = category;
    }
    if (*req->audience) {
        snprintf (audience, sizeof audience, "A%s", req->audience);
        q.filters[q.nfilters++] = audience;
    }
    kb_results_t *r = NULL;
    if (kb_index_search (index, &q, &r)) {
        s_search_failed (index, reply);
        return 0;
    }
    int rc = 0;
    if (r->nterms > 0 && req->offset == 0
        && (r->nhits == 0 || r->hits[0].coverage < self->bot_threshold))
        rc = s_gap (self, tx, req->query, 0);
    if (!rc)
        s_reply_results (self, bc_tx_txn (tx), reply, r);
    kb_results_destroy (&r);
    return rc;
}

static int
s_suggest (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
           bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__SuggestArticles *req = (const Balcao__V1__SuggestArticles *) payload;
    kb_query_t q = {.text = req->text, .limit = req->limit ? (int) req->limit : 5,
                    .is_partial = 1};
    if (q.limit > 20)
        q.limit = 20;
    kb_index_t *index = s_scope (self, &q, bc_tx_principal (tx), 0);
    kb_results_t *r = NULL;
    if (kb_index_search (index, &q, &r)) {
        s_search_failed (index, reply);
        return 0;
    }
    kb_results_t none = {0};
    int is_poor = r->nhits > 0 && r->hits[0].coverage < SUGGEST_FLOOR;
    s_reply_results (self, bc_tx_txn (tx), reply, is_poor ? &none : r);
    kb_results_destroy (&r);
    return 0;
}

int
kb_bot_answer (kb_t *self, bc_tx_t *tx, const char *question, const char *principal,
               kb_bot_answer_t *out)
{
    memset (out, 0, sizeof *out);
    balcao__v1__bot_answer__init (&out->answer);
    out->answer.threshold = self->bot_threshold;
    /* A customer who asks for a person, or is upset, gets one: no article,
     * and no knowledge gap (the base is not what failed them). */
    kb_bot_handoff_t handoff = kb_bot_handoff (question);
    if (handoff != KB_BOT_CARRY_ON) {
        out->answer.handoff = (char *) kb_bot_handoff_name (handoff);
        return 0;
    }
    /* A typo is corrected as in search: the bot answers the question meant. */
    kb_query_t q = {.text = question, .limit = 1, .want_spelling = 1};
    kb_index_t *index = s_scope (self, &q, principal, 0);
    kb_results_t *r = NULL;
    if (kb_index_search (index, &q, &r)) {
        out->failed = index;
        return -1;
    }
    Balcao__V1__BotAnswer *a_out = &out->answer;
    Balcao__V1__Article *a = r->nhits ? kb_article_get (self, bc_tx_txn (tx), r->hits[0].id) : NULL;
    if (a) {
        a_out->confidence = r->hits[0].coverage;
        a_out->confident = a_out->confidence >= self->bot_threshold;
    }
    /* Below the threshold the bot names no article: a best guess that
     * covers little of the question is most often unrelated. */
    if (a && a_out->confident) {
        a_out->article = a->id;
        a_out->title = a->title;
        out->excerpt = kb_index_excerpt (self->articles, a->body, question, EXCERPT_CHARS);
        a_out->excerpt = out->excerpt ? out->excerpt : (char *) "";
        out->article = a;
    }
    else if (a)
        balcao__v1__article__free_unpacked (a, NULL);
    if (!a_out->confident)
        a_out->handoff = "low_confidence";
    int rc = 0;
    if (!a_out->confident && r->nterms > 0)
        rc = s_gap (self, tx, question, 1);
    kb_results_destroy (&r);
    return rc;
}

void
kb_bot_answer_free (kb_bot_answer_t *out)
{
    free (out->excerpt);
    if (out->article)
        balcao__v1__article__free_unpacked (out->article, NULL);
    out->excerpt = NULL;
    out->article = NULL;
}

static int
s_ask (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__AskBot *req = (const Balcao__V1__AskBot *) payload;
    kb_bot_answer_t out;
    int rc = kb_bot_answer (self, tx, req->question, bc_tx_principal (tx), &out);
    if (rc == -1 && out.failed) {
        s_search_failed (out.failed, reply);
        return 0;
    }
    if (!rc)
        bc_reply_ok (reply, &out.answer.base);
    kb_bot_answer_free (&out);
    return rc;
}

static int
s_cmp_gap (const void *a, const void *b)
{
    const Balcao__V1__KbGap *x = *(Balcao__V1__KbGap *const *) a;
    const Balcao__V1__KbGap *y = *(Balcao__V1__KbGap *const *) b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp (x->query, y->query);
}

static int
s_gaps (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__GetKbGaps *req = (const Balcao__V1__GetKbGaps *) payload;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte vê as lacunas da base",
                        "only support staff see the knowledge base's gaps");
        return 0;
    }
    /* The days: named, or from the instants, or the last 30. */
    int32_t today = bc_day_of (bc_tx_now_us (tx));
    int32_t from_day = 0, to_day = 0;
    uint32_t day, end_day; /* the first day counted, the first not */
    int named = *req->from_day || *req->to_day;
    if (named) {
        if ((*req->to_day && !bc_day_parse (req->to_day, &to_day))
            || (*req->from_day && !bc_day_parse (req->from_day, &from_day))) {
            bc_reply_error (reply, "invalid", "os dias são no formato AAAA-MM-DD",
                            "days are written YYYY-MM-DD");
            return 0;
        }
        if (!*req->to_day)
            to_day = today;
        if (!*req->from_day)
            from_day = to_day >= 29 ? to_day - 29 : 0;
        if (from_day > to_day) {
            bc_reply_error (reply, "invalid", "o primeiro dia vem depois do último",
                            "the first day comes after the last");
            return 0;
        }
        day = (uint32_t) from_day;
        end_day = (uint32_t) to_day + 1;
    }
    else {
        int64_t since = req->since_us ? req->since_us : bc_tx_now_us (tx) - 29LL * 86400000000LL;
        day = since > 0 ? (uint32_t) bc_day_of (since) : 0;
        end_day = req->until_us > 0 ? (uint32_t) bc_day_of (req->until_us - 1) + 1 : UINT32_MAX;
        from_day = (int32_t) day;
        to_day = end_day == UINT32_MAX ? today : (int32_t) end_day - 1;
    }
    unsigned char start[4];
    for (int i = 0; i < 4; i++)
        start[i] = (unsigned char) (day >> (24 - 8 * i));
    MDB_cursor *cur;
    int rc = mdb_cursor_open (bc_tx_txn (tx), self->db_gaps, &cur);
    if (rc)
        return rc;
    /* Sum the days per query: zhash keyed by the folded query. */
    zhash_t *sums = zhash_new ();
    MDB_val k = {4, start}, v;
    for (int op = MDB_SET_RANGE; mdb_cursor_get (cur, &k, &v, op) == 0; op = MDB_NEXT) {
        if (k.mv_size < 4)
            continue;
        const unsigned char *kd = k.mv_data;
        uint32_t key_day = (uint32_t) kd[0] << 24 | (uint32_t) kd[1] << 16
                           | (uint32_t) kd[2] << 8 | kd[3];
        if (key_day >= end_day)
            break;
        Balcao__V1__KbGap *g = balcao__v1__kb_gap__unpack (NULL, v.mv_size, v.mv_data);
        if (!g)
            continue;
        char query[256];
        size_t qlen = k.mv_size - 4 < sizeof query - 1 ? k.mv_size - 4 : sizeof query - 1;
        memcpy (query, (char *) k.mv_data + 4, qlen);
        query[qlen] = 0;
        Balcao__V1__KbGap *sum = zhash_lookup (sums, query);
        if (!sum) {
            sum = calloc (1, sizeof *sum);
            balcao__v1__kb_gap__init (sum);
            sum->query = strdup (query);
            zhash_insert (sums, query, sum);
        }
        sum->count += g->count;
        sum->bot += g->bot;
        if (g->last_us > sum->last_us)
            sum->last_us = g->last_us;
        balcao__v1__kb_gap__free_unpacked (g, NULL);
    }
    mdb_cursor_close (cur);
    size_t n = zhash_size (sums), limit = req->limit ? req->limit : 20;
    if (limit > 200)
        limit = 200;
    Balcao__V1__KbGap **list = calloc (n + 1, sizeof *list);
    size_t i = 0;
    for (Balcao__V1__KbGap *g = zhash_first (sums); g; g = zhash_next (sums))
        list[i++] = g;
    qsort (list, n, sizeof *list, s_cmp_gap);
    Balcao__V1__KbGaps out = BALCAO__V1__KB_GAPS__INIT;
    out.gaps = list;
    out.n_gaps = n < limit ? n : limit;
    char from_text[16], to_text[16];
    bc_day_text (from_day, from_text, sizeof from_text);
    bc_day_text (to_day, to_text, sizeof to_text);
    out.from_day = from_text;
    out.to_day = to_text;
    out.time_zone = (char *) self->time_zone;
    bc_reply_ok (reply, &out.base);
    for (i = 0; i < n; i++) {
        free (list[i]->query);
        free (list[i]);
    }
    free (list);
    zhash_destroy (&sums);
    return 0;
}

/* The query of a ticket: its subject and the customer's first message,
 * at most MAX_TICKET_QUERY bytes. */
#define MAX_TICKET_QUERY 2000

static int
s_similar_articles (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                    const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__SimilarArticles *req = (const Balcao__V1__SimilarArticles *) payload;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte vê os artigos de um chamado",
                        "only support staff see a ticket's articles");
        return 0;
    }
    Balcao__V1__KbTicket *t =
        kb_ticket_known (self, bc_tx_txn (tx), bc_tx_principal (tx), req->ticket, reply);
    if (!t)
        return 0;
    char text[MAX_TICKET_QUERY + 1];
    snprintf (text, sizeof text, "%s\n%s", t->subject, t->n_texts ? t->texts[0] : "");
    balcao__v1__kb_ticket__free_unpacked (t, NULL);
    /* snprintf may have cut a character: drop what is left of it. */
    size_t n = strlen (text), lead = n;
    while (lead && ((unsigned char) text[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead) {
        unsigned char c = (unsigned char) text[lead - 1];
        size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (n - (lead - 1) < want)
            text[lead - 1] = 0;
    }
    kb_query_t q = {.text = text, .limit = req->limit ? (int) req->limit : 5,
                    .snippet_chars = SNIPPET_CHARS};
    if (q.limit > 20)
        q.limit = 20;
    kb_index_t *index = s_scope (self, &q, bc_tx_principal (tx), 0);
    kb_results_t *r = NULL;
    if (kb_index_search (index, &q, &r)) {
        s_search_failed (index, reply);
        return 0;
    }
    s_reply_results (self, bc_tx_txn (tx), reply, r);
    kb_results_destroy (&r);
    return 0;
}

void
kb_search_register (kb_t *self)
{
    bc_service_t *svc = self->svc;
    bc_service_on_command (svc, &balcao__v1__search_articles__descriptor, 0, s_search);
    bc_service_on_command (svc, &balcao__v1__suggest_articles__descriptor, 0, s_suggest);
    bc_service_on_command (svc, &balcao__v1__ask_bot__descriptor, 0, s_ask);
    bc_service_on_command (svc, &balcao__v1__get_kb_gaps__descriptor, 0, s_gaps);
    bc_service_on_command (svc, &balcao__v1__similar_articles__descriptor, 0,
                           s_similar_articles);
}
