/* kb_deflection: what happened to the suggestions the portal showed while a
 * customer wrote a ticket (opened, deflected, sent after opening), and to
 * the bot's conversations (answered with an article, confirmed solved
 * without a ticket, handed to a person: kb_bot.c), counted per article and
 * in all, for the deflection rate.
 *
 * LMDB `deflection`: "t" the totals, "a:<id>" one article's counts,
 * "h:" be64(hour since the epoch, UTC) the totals of one hour, for a
 * report's period (all DeflectionCounts), "r:<outcome>:<client_ref>[:<article>]" the refs already
 * counted (the value is when, in µs), so a browser that sends the same
 * outcome twice counts once. The runtime's request ids make a retry of the
 * same request exactly-once; the refs make two requests of one form so. */
#include "bc_article_id.h"
#include "bc_log.h"
#include "kb_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_ARTICLES 20

static int
s_valid_ref (const char *ref)
{
    size_t n = strlen (ref);
    return n >= 1 && n <= 64
           && strspn (ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                  == n;
}

/* The answer to an id that is no article id (bc_article_id.h). */
static int
s_bad_article_id (bc_reply_t *reply, const char *id)
{
    kb_article_bad_id (reply, id);
    return 0;
}

/* The counts under key (zero when none). Returns 0 or an LMDB code. */
static int
s_get_counts_k (kb_t *self, MDB_txn *txn, const void *key, size_t klen,
                Balcao__V1__DeflectionCounts *out)
{
    balcao__v1__deflection_counts__init (out);
    MDB_val k = {klen, (void *) key}, v;
    int rc = mdb_get (txn, self->db_deflection, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    Balcao__V1__DeflectionCounts *c =
        balcao__v1__deflection_counts__unpack (NULL, v.mv_size, v.mv_data);
    if (c) {
        out->opened = c->opened;
        out->deflected = c->deflected;
        out->sent_after_opening = c->sent_after_opening;
        out->bot_answered = c->bot_answered;
        out->bot_deflected = c->bot_deflected;
        out->bot_handed_off = c->bot_handed_off;
        balcao__v1__deflection_counts__free_unpacked (c, NULL);
    }
    return 0;
}

static int
s_get_counts (kb_t *self, MDB_txn *txn, const char *key, Balcao__V1__DeflectionCounts *out)
{
    return s_get_counts_k (self, txn, key, strlen (key), out);
}

static int
s_bump_k (kb_t *self, MDB_txn *txn, const void *key, size_t klen, int outcome,
          Balcao__V1__DeflectionCounts *after)
{
    Balcao__V1__DeflectionCounts c;
    int rc = s_get_counts_k (self, txn, key, klen, &c);
    if (rc)
        return rc;
    if (outcome == 0)
        c.opened++;
    else if (outcome == 1)
        c.deflected++;
    else if (outcome == 2)
        c.sent_after_opening++;
    else if (outcome == KB_BOT_ANSWERED)
        c.bot_answered++;
    else if (outcome == KB_BOT_DEFLECTED)
        c.bot_deflected++;
    else
        c.bot_handed_off++;
    if (after)
        *after = c;
    return kb_put_msg (txn, self->db_deflection, key, klen, &c.base);
}

static int
s_bump (kb_t *self, MDB_txn *txn, const char *key, int outcome,
        Balcao__V1__DeflectionCounts *after)
{
    return s_bump_k (self, txn, key, strlen (key), outcome, after);
}

static void
s_hour_key (int64_t us, unsigned char key[10])
{
    key[0] = 'h';
    key[1] = ':';
    bc_key_from_u64 ((uint64_t) (us < 0 ? 0 : us / 3600000000LL), key + 2);
}

/* The totals recorded in [from_us, to_us), by their hours. */
static int
s_get_period (kb_t *self, MDB_txn *txn, int64_t from_us, int64_t to_us,
              Balcao__V1__DeflectionCounts *out)
{
    balcao__v1__deflection_counts__init (out);
    unsigned char from[10], last[10];
    s_hour_key (from_us, from);
    s_hour_key (to_us - 1, last);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_deflection, &cur);
    if (rc)
        return rc;
    MDB_val k = {sizeof from, from}, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == 10 && memcmp (k.mv_data, last, 10) <= 0
           && memcmp (k.mv_data, "h:", 2) == 0) {
        Balcao__V1__DeflectionCounts *c =
            balcao__v1__deflection_counts__unpack (NULL, v.mv_size, v.mv_data);
        if (c) {
            out->opened += c->opened;
            out->deflected += c->deflected;
            out->sent_after_opening += c->sent_after_opening;
            out->bot_answered += c->bot_answered;
            out->bot_deflected += c->bot_deflected;
            out->bot_handed_off += c->bot_handed_off;
            balcao__v1__deflection_counts__free_unpacked (c, NULL);
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

static int
s_record (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__RecordDeflection *req = (const Balcao__V1__RecordDeflection *) payload;
    static const char *const outcomes[] = {"opened", "deflected", "sent_after_opening"};
    int outcome = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp (req->outcome, outcomes[i]) == 0)
            outcome = i;
    if (outcome < 0) {
        bc_reply_error (reply, "invalid",
                        "o resultado deve ser \"opened\", \"deflected\" ou \"sent_after_opening\"",
                        "the outcome must be \"opened\", \"deflected\" or \"sent_after_opening\"");
        return 0;
    }
    if (!s_valid_ref (req->client_ref)) {
        bc_reply_error (reply, "invalid",
                        "client_ref deve ter de 1 a 64 caracteres entre letras, dígitos, '-' e '_'",
                        "client_ref must be 1 to 64 characters of letters, digits, '-' and '_'");
        return 0;
    }
    if (req->n_articles < 1 || req->n_articles > MAX_ARTICLES
        || (outcome == 0 && req->n_articles != 1)) {
        bc_reply_error (reply, "invalid",
                        "informe de 1 a %d artigos (exatamente um para \"opened\")",
                        "give 1 to %d articles (exactly one for \"opened\")", MAX_ARTICLES);
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    for (size_t i = 0; i < req->n_articles; i++) {
        if (!kb_valid_article_id (req->articles[i]))
            return s_bad_article_id (reply, req->articles[i]);
        Balcao__V1__Article *a = kb_article_visible (self, txn, req->articles[i],
                                                     bc_tx_principal (tx), reply);
        if (!a)
            return 0;
        balcao__v1__article__free_unpacked (a, NULL);
    }
    char ref[32 + 64 + BC_ARTICLE_ID_MAX_BYTES]; /* outcome, client_ref, article */
    snprintf (ref, sizeof ref, "r:%s:%s%s%s", outcomes[outcome], req->client_ref,
              outcome == 0 ? ":" : "", outcome == 0 ? req->articles[0] : "");
    MDB_val k = {strlen (ref), ref}, v;
    int rc = mdb_get (txn, self->db_deflection, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__DeflectionCounts totals;
    if (rc == 0) {
        /* Counted already: the same answer, nothing changed. */
        if ((rc = s_get_counts (self, txn, "t", &totals)))
            return rc;
        totals.recorded = 0;
        bc_reply_ok (reply, &totals.base);
        return 0;
    }
    int64_t now = bc_tx_now_us (tx);
    v = (MDB_val) {sizeof now, &now};
    if ((rc = mdb_put (txn, self->db_deflection, &k, &v, 0)))
        return rc;
    if ((rc = s_bump (self, txn, "t", outcome, &totals)))
        return rc;
    unsigned char hour[10];
    s_hour_key (now, hour);
    if ((rc = s_bump_k (self, txn, hour, sizeof hour, outcome, NULL)))
        return rc;
    for (size_t i = 0; i < req->n_articles; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= strcmp (req->articles[j], req->articles[i]) == 0;
        if (seen)
            continue;
        char key[3 + BC_ARTICLE_ID_MAX_BYTES];
        snprintf (key, sizeof key, "a:%s", req->articles[i]);
        if ((rc = s_bump (self, txn, key, outcome, NULL)))
            return rc;
    }
    totals.recorded = 1;
    bc_reply_ok (reply, &totals.base);
    return 0;
}

static int
s_get (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__GetDeflection *req = (const Balcao__V1__GetDeflection *) payload;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden",
                        "só a equipe de suporte vê os números de deflexão",
                        "only support staff see the deflection figures");
        return 0;
    }
    if (*req->article && !kb_valid_article_id (req->article))
        return s_bad_article_id (reply, req->article);
    char key[3 + BC_ARTICLE_ID_MAX_BYTES];
    snprintf (key, sizeof key, *req->article ? "a:%s" : "t", req->article);
    Balcao__V1__DeflectionCounts c;
    int rc = req->to_us > req->from_us && !*req->article
                 ? s_get_period (self, bc_tx_txn (tx), req->from_us, req->to_us, &c)
                 : s_get_counts (self, bc_tx_txn (tx), key, &c);
    if (rc)
        return rc;
    bc_reply_ok (reply, &c.base);
    return 0;
}

int
kb_deflection_bot (kb_t *self, MDB_txn *txn, int outcome, const char *article, int64_t now_us)
{
    int rc = s_bump (self, txn, "t", outcome, NULL);
    unsigned char hour[10];
    s_hour_key (now_us, hour);
    if (!rc)
        rc = s_bump_k (self, txn, hour, sizeof hour, outcome, NULL);
    if (!rc && article && *article) {
        char key[3 + BC_ARTICLE_ID_MAX_BYTES];
        snprintf (key, sizeof key, "a:%s", article);
        rc = s_bump (self, txn, key, outcome, NULL);
    }
    return rc;
}

void
kb_deflection_register (kb_t *self)
{
    bc_service_on_command (self->svc, &balcao__v1__record_deflection__descriptor, 1, s_record);
    bc_service_on_command (self->svc, &balcao__v1__get_deflection__descriptor, 0, s_get);
}
