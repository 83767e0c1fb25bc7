/* bc_service_batch: applying one batch of inputs in one LMDB write
 * transaction: requests (with their stored replies), events from other
 * services' logs, replays; the built-in commands; what a handler may do
 * inside the transaction (bc_tx_*, bc_reply_*). See bc_service.h. */
#include "bc_service_internal.h"

#include "bc_clock.h"
#include "bc_id.h"
#include "bc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Inside a transaction */

MDB_txn *
bc_tx_txn (bc_tx_t *tx)
{
    return tx->txn;
}

bc_service_t *
bc_tx_service (bc_tx_t *tx)
{
    return tx->svc;
}

int64_t
bc_tx_now_us (bc_tx_t *tx)
{
    return tx->now_us;
}

const char *
bc_tx_principal (bc_tx_t *tx)
{
    return tx->principal ? tx->principal : "";
}

void
bc_tx_set_principal (bc_tx_t *tx, const char *principal)
{
    tx->principal = principal;
}

int
bc_tx_emit (bc_tx_t *tx, const ProtobufCMessage *event)
{
    bc_service_t *svc = tx->svc;
    uint64_t seq = tx->head + 1;
    bc_header_t h = {.source = svc->name,
                     .seq = seq,
                     .time_us = tx->now_us,
                     .principal = tx->principal,
                     .correlation_id = tx->correlation_id};
    size_t len;
    uint8_t *data = bc_envelope_pack (&h, event, &len);
    if (!data)
        return ENOMEM;
    unsigned char key[8];
    bc_key_from_u64 (seq, key);
    MDB_val k = {8, key}, v = {len, data};
    int rc = mdb_put (tx->txn, svc->db_log, &k, &v, MDB_APPEND);
    if (rc) {
        free (data);
        return rc;
    }
    if (tx->nevents == tx->cap_events) {
        size_t cap = tx->cap_events ? tx->cap_events * 2 : 256;
        bc_pending_event_t *grown = realloc (tx->events, cap * sizeof *grown);
        if (!grown) {
            free (data);
            return ENOMEM;
        }
        tx->events = grown;
        tx->cap_events = cap;
    }
    tx->events[tx->nevents++] = (bc_pending_event_t) {seq, data, len};
    tx->head = seq;
    return 0;
}

uint64_t
bc_tx_head (bc_tx_t *tx)
{
    return tx->head;
}

int
bc_tx_fail (bc_tx_t *tx, const char *fmt, ...)
{
    char text[BC_REASON_LEN];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    bc_log_clean (text, tx->reason, sizeof tx->reason);
    return BC_EAPPLY;
}

static void
s_reply_set (bc_reply_t *reply, const ProtobufCMessage *msg)
{
    free (reply->data);
    bc_header_t h = {.source = reply->svc->name, .correlation_id = reply->request_id};
    reply->data = bc_envelope_pack (&h, msg, &reply->len);
}

void
bc_reply_ok (bc_reply_t *reply, const ProtobufCMessage *msg)
{
    s_reply_set (reply, msg);
    reply->is_error = 0;
}

static void
s_reply_verror (bc_reply_t *reply, const char *code, const char *fmt_pt, const char *fmt_en,
                va_list ap)
{
    char text[512], text_pt[512];
    va_list ap2;
    va_copy (ap2, ap);
    vsnprintf (text, sizeof text, fmt_en, ap);
    /* Same conversions as the English one (tests/lint_messages.py checks). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf (text_pt, sizeof text_pt, fmt_pt, ap2);
#pragma GCC diagnostic pop
    va_end (ap2);
    Balcao__V1__Error err = BALCAO__V1__ERROR__INIT;
    err.code = (char *) code;
    snprintf (reply->code, sizeof reply->code, "%s", code);
    err.message = text;
    err.message_pt = text_pt;
    s_reply_set (reply, &err.base);
    reply->is_error = 1;
    /* The sentence may quote what the sender sent: keep the log line one
     * line of key=value whatever it contains. */
    int64_t left_out = bc_ratelog_check (reply->svc->rejects, reply->peer, bc_mono_ms ());
    if (left_out < 0)
        return;
    char clean[512];
    bc_log_clean (text, clean, sizeof clean);
    bc_warn ("event=request_rejected request=%s code=%s peer=%s left_out=%lld reason=\"%s\"",
             bc_id_is_valid (reply->request_id) ? reply->request_id : "-", code,
             reply->peer && *reply->peer ? reply->peer : "-", (long long) left_out, clean);
}

void
bc_reply_error (bc_reply_t *reply, const char *code, const char *fmt_pt, const char *fmt_en, ...)
{
    va_list ap;
    va_start (ap, fmt_en);
    s_reply_verror (reply, code, fmt_pt, fmt_en, ap);
    va_end (ap);
}

/* ---------------------------------------------------------------------- */
/* Built-in commands */

static int
s_cmd_ping (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
            bc_reply_t *reply)
{
    (void) state, (void) req, (void) payload;
    Balcao__V1__Pong pong = BALCAO__V1__PONG__INIT;
    pong.service = tx->svc->name;
    pong.head_seq = tx->svc->head_seq;
    pong.started_us = tx->svc->started_us;
    pong.pid = (int32_t) getpid ();
    pong.quarantined = tx->svc->quarantined;
    bc_reply_ok (reply, &pong.base);
    return 0;
}

static int
s_is_log_reader (bc_service_t *svc, const char *principal)
{
    for (int i = 0; i < svc->nlog_readers; i++)
        if (strcmp (svc->log_readers[i], principal) == 0)
            return 1;
    return 0;
}

static int
s_is_person (const char *principal)
{
    return *principal && strncmp (principal, "service:", 8) != 0
           && strncmp (principal, "system:", 7) != 0;
}

/* The events of the log from rr->from_seq on, at most max of them and
 * max_message bytes, only what is committed (a consumer must never see an
 * event that a crash could still take back). With is_feed, only those the
 * service's filter lets the caller see, looking at no more than a bounded
 * stretch of the log (scanned_to says where it stopped). */
static int
s_replay (bc_tx_t *tx, const Balcao__V1__ReplayRequest *rr, uint32_t max, int is_feed,
          bc_reply_t *reply)
{
    bc_service_t *svc = tx->svc;
    Balcao__V1__ReplayReply out = BALCAO__V1__REPLAY_REPLY__INIT;
    out.head_seq = svc->head_seq;
    out.first_seq = svc->first_seq;
    ProtobufCBinaryData *events = calloc (max ? max : 1, sizeof *events);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (tx->txn, svc->db_log, &cur);
    if (rc) {
        free (events);
        return rc;
    }
    unsigned char key[8];
    uint64_t from = rr->from_seq ? rr->from_seq : 1;
    bc_key_from_u64 (from, key);
    MDB_val k = {8, key}, v;
    size_t bytes = 0, scanned = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && out.n_events < max && bc_key_to_u64 (&k) <= svc->head_seq
           && bytes < svc->max_message && scanned++ < 10 * (size_t) svc->replay_max) {
        int is_shown = 1;
        if (is_feed) {
            bc_envelope_t *env = bc_envelope_unpack (v.mv_data, v.mv_size);
            is_shown = env && svc->feed_filter (svc->state, tx, tx->principal, env);
            bc_envelope_destroy (&env);
            out.scanned_to = bc_key_to_u64 (&k);
        }
        if (is_shown) {
            events[out.n_events].data = v.mv_data;
            events[out.n_events].len = v.mv_size;
            out.n_events++;
            bytes += v.mv_size;
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    if (is_feed && !out.scanned_to)
        out.scanned_to = from - 1;
    out.events = events;
    bc_reply_ok (reply, &out.base);
    mdb_cursor_close (cur);
    free (events);
    return 0;
}

static int
s_cmd_replay (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
              bc_reply_t *reply)
{
    (void) state;
    bc_service_t *svc = tx->svc;
    const Balcao__V1__ReplayRequest *rr = (const Balcao__V1__ReplayRequest *) payload;
    const char *who = bc_tx_principal (tx);
    if (rr->report_only && s_is_log_reader (svc, who)) {
        /* A consumer's position, for retention: no events wanted. */
        Balcao__V1__ReplayReply out = BALCAO__V1__REPLAY_REPLY__INIT;
        out.head_seq = svc->head_seq;
        out.first_seq = svc->first_seq;
        /* Replicas share a principal: each is a reader of its own. */
        char reader[200];
        snprintf (reader, sizeof reader, "%s/%s", who, req->source ? req->source : "");
        int rc = bc_retention_record (tx, reader, rr->from_seq ? rr->from_seq - 1 : 0);
        if (rc == 0)
            bc_reply_ok (reply, &out.base);
        return rc;
    }
    uint32_t max = rr->max_events && rr->max_events < (uint32_t) svc->replay_max
                       ? rr->max_events
                       : (uint32_t) svc->replay_max;
    if (s_is_log_reader (svc, who))
        return s_replay (tx, rr, max, 0, reply);
    if (svc->feed_filter && s_is_person (who))
        return s_replay (tx, rr, max, 1, reply);
    /* The log holds every customer's tickets and internal notes. */
    bc_reply_error (reply, "forbidden",
                    "o registro de eventos do serviço %s é só para os serviços listados em balcao/log_readers; '%s' não está entre eles",
                    "the event log of service %s is only for the services listed in "
                    "balcao/log_readers; '%s' is not one of them",
                    svc->name, *who ? who : "-");
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Applying a batch */

static bc_handler_t *
s_handler (bc_service_t *self, const char *type)
{
    for (int i = 0; i < self->nhandlers; i++)
        if (strcmp (self->handlers[i].type->name, type) == 0)
            return &self->handlers[i];
    return NULL;
}

/* Forgets request ids older than the retention period, a few per batch. */
static int
s_prune_requests (bc_service_t *self, bc_tx_t *tx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (tx->txn, self->db_requests_by_time, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    int64_t cutoff = tx->now_us - self->retention_us;
    for (int n = 0; n < 1000; n++) {
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        if (rc || k.mv_size < 8)
            break;
        MDB_val tk = {8, k.mv_data};
        if ((int64_t) bc_key_to_u64 (&tk) >= cutoff)
            break;
        MDB_val id = {k.mv_size - 8, (char *) k.mv_data + 8};
        rc = mdb_del (tx->txn, self->db_requests, &id, NULL);
        if (rc && rc != MDB_NOTFOUND)
            break;
        if ((rc = mdb_cursor_del (cur, 0)))
            break;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Who is asking. Without CURVE, whoever the envelope says (every endpoint on
 * loopback). With CURVE, the principal ZAP gave the connection's key: a
 * person's key acts as that person whatever the envelope claims; a service's
 * key may act on behalf of the principal it names (the gateway for a
 * customer of the portal, the server's own CLI for an operator). */
static const char *
s_principal (bc_service_t *self, bc_input_t *in, const bc_envelope_t *env)
{
    if (!self->curve)
        return env->principal;
    const char *user = zmq_msg_gets (&in->body, "User-Id");
    if (!user || !*user)
        return "";
    /* ...but never as one of the log's readers: an outside system's key
     * must not pass for a consumer service. */
    if (strncmp (user, "service:", 8) == 0 && env->principal && *env->principal
        && !s_is_log_reader (self, env->principal))
        return env->principal;
    return user;
}

static int
s_apply_request (bc_service_t *self, bc_tx_t *tx, bc_input_t *in)
{
    bc_reply_t reply = {.svc = self, .peer = in->peer};
    size_t size = zmq_msg_size (&in->body);
    bc_envelope_t *env = NULL;
    ProtobufCMessage *payload = NULL;
    int rc = 0;

    if (in->frames != 1 && !(in->frames == 2 && in->has_delimiter)) {
        bc_reply_error (&reply, "malformed",
                        "esperava um quadro com o envelope depois de um delimitador vazio, mas chegaram %d quadros",
                        "expected one envelope frame after an empty delimiter, got %d frames",
                        in->frames);
        goto done;
    }
    if (size > self->max_message) {
        bc_reply_error (&reply, "too_large",
                        "a mensagem tem %zu bytes e passa do limite de %zu bytes; envie os anexos separadamente ou aumente max_message_size",
                        "message of %zu bytes is over the limit of %zu bytes; send attachments "
                        "separately or raise max_message_size",
                        size, self->max_message);
        goto done;
    }
    env = bc_envelope_unpack (zmq_msg_data (&in->body), size);
    if (!env) {
        bc_reply_error (&reply, "malformed",
                        "o quadro (%zu bytes) não é um balcao.v1.Envelope em protobuf",
                        "the frame (%zu bytes) is not a balcao.v1.Envelope protobuf", size);
        goto done;
    }
    reply.request_id = env->id;
    bc_handler_t *h = s_handler (self, env->type);
    if (!h) {
        bc_reply_error (&reply, "unknown_type", "o serviço %s não trata mensagens do tipo '%s'",
                        "service %s does not handle message type '%s'",
                        self->name, env->type);
        goto done;
    }
    if (h->is_write && self->is_read_only) {
        /* A read replica (kb-2...): writes go to the service's first. */
        bc_reply_error (&reply, "read_only",
                        "%s é uma réplica só de leitura; envie a alteração para %s",
                        "%s is a read-only replica; send the change to %s", self->name,
                        self->base);
        goto done;
    }
    if (h->is_write && !bc_id_is_valid (env->id)) {
        bc_reply_error (&reply, "invalid",
                        "o id da requisição deve ter de 1 a 64 caracteres entre letras, dígitos e ._:-",
                        "request id must be 1-64 characters of letters, digits and ._:-");
        goto done;
    }
    payload = protobuf_c_message_unpack (h->type, NULL, env->payload.len, env->payload.data);
    if (!payload) {
        bc_reply_error (&reply, "malformed", "o conteúdo não é um %s válido",
                        "the payload is not a valid %s", h->type->name);
        goto done;
    }
    MDB_val id = {strlen (env->id), env->id}, stored;
    if (h->is_write) {
        rc = mdb_get (tx->txn, self->db_requests, &id, &stored);
        if (rc == 0) {
            /* A retry: the same answer, no second effect. */
            reply.data = malloc (stored.mv_size);
            memcpy (reply.data, stored.mv_data, stored.mv_size);
            reply.len = stored.mv_size;
            rc = 0;
            goto done;
        }
        if (rc != MDB_NOTFOUND)
            goto done;
        rc = 0;
    }
    if (in->is_poisoned) {
        /* Its handler failed in this batch's first run: nothing of it is
         * kept, the sender hears why and may retry after a fix. */
        bc_reply_error (&reply, "internal",
                        "o serviço %s não conseguiu aplicar esta requisição (%s) e não gravou nada; se o erro continuar, avise o operador",
                        "service %s could not apply this request (%s) and stored nothing; if "
                        "this goes on, tell the operator",
                        self->name, in->poison_reason);
        goto done;
    }
    tx->principal = s_principal (self, in, env);
    tx->correlation_id = env->id;
    tx->reason[0] = 0;
    if (self->fail_request_type && strcmp (self->fail_request_type, env->type) == 0)
        rc = bc_tx_fail (tx, "failpoint BALCAO_FAILPOINT_REQUEST=%s", env->type);
    else
        rc = h->fn (self->state, tx, env, payload, &reply);
    tx->principal = tx->correlation_id = NULL;
    if (rc) {
        if (!tx->reason[0])
            snprintf (tx->reason, sizeof tx->reason, "%s", bc_store_strerror (rc));
        goto done;
    }
    if (!reply.data)
        bc_reply_error (&reply, "internal", "o serviço não produziu resposta",
                        "the service produced no reply");
    /* A rejected request changed nothing and is not remembered: fixed and
     * sent again, it is applied. */
    if (h->is_write && !reply.is_error) {
        MDB_val v = {reply.len, reply.data};
        if ((rc = mdb_put (tx->txn, self->db_requests, &id, &v, 0)))
            goto done;
        unsigned char tkey[8 + 64];
        bc_key_from_u64 ((uint64_t) tx->now_us, tkey);
        memcpy (tkey + 8, env->id, id.mv_size);
        MDB_val tk = {8 + id.mv_size, tkey}, empty = {0, ""};
        rc = mdb_put (tx->txn, self->db_requests_by_time, &tk, &empty, 0);
    }
done:
    if (!rc) {
        /* Counted once the batch commits (bc_service_metrics_batch). */
        const char *type = env ? env->type : "malformed";
        const char *dot = strrchr (type, '.');
        bc_metrics_label (dot ? dot + 1 : type, in->metric_type, sizeof in->metric_type);
        snprintf (in->metric_outcome, sizeof in->metric_outcome, "%s",
                  reply.is_error ? reply.code : "ok");
    }
    if (payload)
        protobuf_c_message_free_unpacked (payload, NULL);
    bc_envelope_destroy (&env);
    if (rc) {
        free (reply.data);
        return rc;
    }
    in->reply = reply.data;
    in->reply_len = reply.len;
    return 0;
}

static const bc_poison_t *
s_poison_find (bc_service_t *self, int source, uint64_t seq)
{
    for (int i = 0; i < self->npoison; i++)
        if (self->poison[i].source == source && self->poison[i].seq == seq)
            return &self->poison[i];
    return NULL;
}

int
bc_batch_apply_one (bc_tx_t *tx, const char *source, const bc_envelope_t *event, int *is_consumed)
{
    bc_service_t *self = tx->svc;
    *is_consumed = 0;
    for (int i = 0; i < self->nsources; i++) {
        bc_source_t *src = &self->sources[i];
        if (strcmp (src->name, source) != 0)
            continue;
        *is_consumed = 1;
        const char *principal = tx->principal, *correlation_id = tx->correlation_id;
        tx->principal = event->principal;
        tx->correlation_id = event->id;
        tx->reason[0] = 0;
        int rc = src->fn (self->state, tx, src->name, event);
        tx->principal = principal;
        tx->correlation_id = correlation_id;
        return rc;
    }
    return 0;
}

/* Applies one event from a source, if it is the next one; sets aside one
 * whose handler failed in an earlier run of this batch. */
static int
s_apply_event (bc_service_t *self, bc_tx_t *tx, bc_source_t *src, const uint8_t *data,
               size_t len)
{
    bc_envelope_t *env = bc_envelope_unpack (data, len);
    if (!env) {
        bc_warn ("event=bad_event source=%s bytes=%zu", src->name, len);
        return 0;
    }
    int rc = 0;
    if (bc_envelope_is (env, &balcao__v1__heartbeat__descriptor)) {
        Balcao__V1__Heartbeat *hb = (Balcao__V1__Heartbeat *) bc_envelope_payload (
            env, &balcao__v1__heartbeat__descriptor);
        if (hb) {
            if (hb->head_seq > src->source_head)
                src->source_head = hb->head_seq;
            balcao__v1__heartbeat__free_unpacked (hb, NULL);
        }
    }
    else if (env->seq <= src->pending) {
        /* Already applied (a replay overlapping the live stream). */
    }
    else if (env->seq == src->pending + 1 && self->is_isolating && tx->iso_taken) {
        src->wants_replay = 1; /* left for a later batch */
    }
    else if (env->seq == src->pending + 1) {
        if (self->is_isolating) {
            tx->iso_taken = 1;
            tx->iso_source = (int) (src - self->sources);
            tx->iso_seq = env->seq;
            snprintf (tx->iso_type, sizeof tx->iso_type, "%s", env->type);
        }
        const bc_poison_t *poison = s_poison_find (self, (int) (src - self->sources), env->seq);
        if (poison) {
            rc = bc_quarantine_put (tx, src->name, data, len, poison->reason);
            if (rc == 0) {
                src->pending = env->seq;
                tx->nquarantined++;
            }
        }
        else {
            tx->principal = env->principal;
            tx->correlation_id = env->id;
            tx->reason[0] = 0;
            if (self->fail_event_type && strcmp (self->fail_event_type, env->type) == 0)
                rc = bc_tx_fail (tx, "failpoint BALCAO_FAILPOINT_EVENT=%s", env->type);
            else
                rc = src->fn (self->state, tx, src->name, env);
            tx->principal = tx->correlation_id = NULL;
            if (rc == 0)
                src->pending = env->seq;
            else {
                if (!tx->reason[0])
                    snprintf (tx->reason, sizeof tx->reason, "%s", bc_store_strerror (rc));
                tx->fail_source = (int) (src - self->sources);
                tx->fail_seq = env->seq;
                snprintf (tx->fail_type, sizeof tx->fail_type, "%s", env->type);
            }
        }
    }
    else {
        /* A hole: frames were dropped or we joined late. Replay fills it. */
        if (env->seq > src->source_head)
            src->source_head = env->seq;
        src->wants_replay = 1;
    }
    bc_envelope_destroy (&env);
    return rc;
}

static int
s_apply_replay (bc_service_t *self, bc_tx_t *tx, bc_input_t *in)
{
    bc_source_t *src = &self->sources[in->source];
    bc_envelope_t *env =
        bc_envelope_unpack (zmq_msg_data (&in->body), zmq_msg_size (&in->body));
    if (!env)
        return 0;
    int rc = 0;
    if (strcmp (env->correlation_id, src->replay_id) != 0) {
        bc_envelope_destroy (&env);
        return 0; /* an answer to a request we gave up on */
    }
    Balcao__V1__ReplayReply *rr = (Balcao__V1__ReplayReply *) bc_envelope_payload (
        env, &balcao__v1__replay_reply__descriptor);
    if (!rr) {
        bc_warn ("event=replay_refused source=%s type=%s", src->name, env->type);
        bc_envelope_destroy (&env);
        return 0;
    }
    in->is_current_replay = 1;
    if (rr->head_seq > src->source_head)
        src->source_head = rr->head_seq;
    /* Retention pruned what this service has not applied: it cannot catch
     * up from that log (restored alone from an old backup, or stopped
     * longer than the producer keeps its events). */
    if (rr->first_seq > src->pending + 1) {
        src->stalled_until_ms = bc_mono_ms () + 10000; /* ask again, slowly */
        char peer[80];
        snprintf (peer, sizeof peer, "pruned:%s", src->name);
        if (bc_ratelog_check (self->rejects, peer, bc_mono_ms ()) >= 0)
            bc_error ("event=replay_pruned source=%s cursor=%llu first_seq=%llu "
                      "what_to_do=\"restore this service and %s from the same backup, or "
                      "raise %s/log_retention_days\"",
                      src->name, (unsigned long long) src->pending,
                      (unsigned long long) rr->first_seq, src->name, src->name);
    }
    for (size_t i = 0; i < rr->n_events && rc == 0; i++)
        rc = s_apply_event (self, tx, src, rr->events[i].data, rr->events[i].len);
    if (rc == 0) {
        if (rr->n_events)
            bc_debug ("event=replayed source=%s events=%zu cursor=%llu head=%llu", src->name,
                      rr->n_events, (unsigned long long) src->pending,
                      (unsigned long long) rr->head_seq);
    }
    balcao__v1__replay_reply__free_unpacked (rr, NULL);
    bc_envelope_destroy (&env);
    return rc;
}

static int
s_run_batch_once (bc_service_t *self)
{
    bc_tx_t *tx = &self->tx;
    tx->svc = self;
    tx->now_us = bc_now_us ();
    tx->head = self->head_seq;
    tx->nevents = 0;
    tx->nquarantined = 0;
    tx->fail_in_alarm = 0;
    tx->reason[0] = 0;
    tx->fail_input = -1;
    tx->fail_source = -1;
    tx->fail_seq = 0;
    tx->fail_type[0] = 0;
    tx->fail_in_hook = 0;
    tx->iso_taken = 0;
    tx->iso_input = -1;
    tx->iso_source = -1;
    for (int i = 0; i < self->nsources; i++)
        self->sources[i].pending = self->sources[i].applied;
    int rc = mdb_txn_begin (bc_store_env (self->store), NULL, 0, &tx->txn);
    if (rc)
        return rc;
    if (self->before_batch && (rc = self->before_batch (self->state, tx)))
        goto abort;
    if (self->alarm_due && self->on_alarm && (rc = self->on_alarm (self->state, tx))) {
        tx->fail_in_alarm = 1;
        goto abort;
    }
    tx->principal = NULL;
    for (int i = 0; i < self->ninputs; i++) {
        bc_input_t *in = &self->inputs[i];
        tx->fail_input = i;
        if (self->is_isolating && tx->iso_taken) {
            /* Left for later: a request's client retries, an event comes
             * back by replay. */
            if (in->kind != BC_IN_REQUEST)
                self->sources[in->source].wants_replay = 1;
            continue;
        }
        int was_taken = tx->iso_taken;
        if (self->is_isolating && in->kind == BC_IN_REQUEST)
            tx->iso_taken = 1;
        switch (in->kind) {
        case BC_IN_REQUEST:
            rc = s_apply_request (self, tx, in);
            break;
        case BC_IN_EVENT:
            rc = s_apply_event (self, tx, &self->sources[in->source], zmq_msg_data (&in->body),
                                zmq_msg_size (&in->body));
            break;
        case BC_IN_REPLAY:
            rc = s_apply_replay (self, tx, in);
            break;
        }
        if (self->is_isolating && tx->iso_taken && !was_taken)
            tx->iso_input = i;
        if (rc)
            goto abort;
    }
    tx->fail_input = -1; /* what fails from here on is not one input's */
    for (int i = 0; i < self->nsources; i++) {
        bc_source_t *src = &self->sources[i];
        if (src->pending != src->applied
            && (rc = bc_store_put_u64 (tx->txn, self->db_cursors, src->name, src->pending)))
            goto abort;
    }
    if ((rc = s_prune_requests (self, tx)) || (rc = bc_retention_prune (self, tx))
        || (rc = bc_repack_in_batch (self, tx)))
        goto abort;
    if (self->before_commit && (rc = self->before_commit (self->state, tx))) {
        tx->fail_in_hook = 1;
        goto abort;
    }
    int64_t applied_us = bc_now_us ();
    rc = mdb_txn_commit (tx->txn);
    tx->txn = NULL;
    bc_repack_committed (self, rc == 0);
    if (!rc)
        bc_service_metrics_batch (self, self->ninputs, applied_us - tx->now_us,
                                  bc_now_us () - applied_us);
    bc_debug ("event=batch inputs=%d events=%zu apply_us=%lld commit_us=%lld", self->ninputs,
              tx->nevents, (long long) (applied_us - tx->now_us),
              (long long) (bc_now_us () - applied_us));
    if (rc && self->after_abort)
        self->after_abort (self->state);
    return rc;
abort:
    mdb_txn_abort (tx->txn);
    tx->txn = NULL;
    bc_repack_committed (self, 0);
    if (self->after_abort)
        self->after_abort (self->state);
    return rc;
}

static void
s_discard_results (bc_service_t *self)
{
    for (int i = 0; i < self->ninputs; i++) {
        free (self->inputs[i].reply);
        self->inputs[i].reply = NULL;
    }
    for (size_t i = 0; i < self->tx.nevents; i++)
        free (self->tx.events[i].data);
    self->tx.nevents = 0;
}

/* The store itself failed: no input is to blame, and going on could only
 * make it worse. */
static int
s_is_store_failure (int rc)
{
    switch (rc) {
    case MDB_PANIC:
    case MDB_CORRUPTED:
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
    case MDB_MAP_RESIZED:
    case MDB_READERS_FULL:
    case MDB_TLS_FULL:
    case MDB_TXN_FULL:
    case MDB_BAD_RSLOT:
    case MDB_BAD_TXN:
    case MDB_BAD_DBI:
    case EIO:
    case ENOSPC:
    case EDQUOT:
    case ENOMEM:
    case EROFS:
    case EACCES:
        return 1;
    default:
        return 0;
    }
}

static void
s_store_failed (bc_service_t *self, int rc)
{
    const char *what;
    if (rc == MDB_CORRUPTED || rc == MDB_PANIC || rc == MDB_INVALID
        || rc == MDB_VERSION_MISMATCH)
        what = "the database is damaged: stop the service, move its directory aside and restore "
               "it from a backup (a consumer's state can also be rebuilt from the other "
               "services' logs), then start it again";
    else if (rc == ENOSPC || rc == EDQUOT)
        what = "the disk is full: free space, then start the service again";
    else
        what = "the store refused a write: check the disk and the directory's permissions, then "
               "start the service again";
    /* Nothing was committed or answered: clients retry, consumers replay. */
    bc_error ("event=batch_failed dir=%s reason=\"%s\" detail=\"%s\" inputs=%d what_to_do=\"%s\"",
              self->dir, bc_store_strerror (rc), self->tx.reason, self->ninputs, what);
    bc_log_flush ();
    fprintf (stderr, "balcao-%s: %s (%s): %s\n", self->name, bc_store_strerror (rc), self->dir,
             what);
    exit (1);
}

/* The batch's run failed at tx->fail_input: that input is left out of the
 * next run (a request gets an error reply, an event is quarantined).
 * Returns 0, or -1 when the failure is no input's (a hook, the commit). */
static int
s_poison (bc_service_t *self)
{
    bc_tx_t *tx = &self->tx;
    if (!tx->reason[0])
        snprintf (tx->reason, sizeof tx->reason, "%s", bc_store_strerror (tx->rc));
    if (tx->fail_in_alarm && !s_is_store_failure (tx->rc)) {
        /* Not an input's, but a timer's work the service cannot do (some
         * ticket's state): the batch runs without it, and the alarm rests
         * a minute instead of failing every turn of the loop. */
        self->alarm_due = 0;
        self->alarm_rest_until = bc_now_us () + 60 * 1000000LL;
        bc_error ("event=alarm_failed reason=\"%s\" retry_in_s=60",
                  tx->reason[0] ? tx->reason : bc_store_strerror (tx->rc));
        return 0;
    }
    if (tx->fail_in_hook && !self->is_isolating && self->ninputs > 0) {
        self->is_isolating = 1;
        bc_error ("event=batch_failed_in_hook reason=\"%s\" inputs=%d what_next=\"one input at a "
                  "time until the one that fails is found\"",
                  tx->reason[0] ? tx->reason : bc_store_strerror (tx->rc), self->ninputs);
        return 0;
    }
    if (tx->fail_in_hook) {
        /* Isolating: the one input (or event) of this run is to blame. */
        if (tx->iso_input < 0)
            return -1;
        tx->fail_input = tx->iso_input;
        tx->fail_source = tx->iso_source;
        tx->fail_seq = tx->iso_seq;
        snprintf (tx->fail_type, sizeof tx->fail_type, "%s", tx->iso_type);
    }
    if (tx->fail_input < 0)
        return -1;
    bc_input_t *in = &self->inputs[tx->fail_input];
    if (in->kind == BC_IN_REQUEST) {
        if (in->is_poisoned)
            return -1;
        in->is_poisoned = 1;
        snprintf (in->poison_reason, sizeof in->poison_reason, "%s", tx->reason);
        bc_error ("event=request_failed input=%d reason=\"%s\"", tx->fail_input, tx->reason);
        return 0;
    }
    if (tx->fail_source < 0 || s_poison_find (self, tx->fail_source, tx->fail_seq))
        return -1;
    bc_poison_t *grown = realloc (self->poison, (size_t) (self->npoison + 1) * sizeof *grown);
    if (!grown)
        return -1;
    self->poison = grown;
    bc_poison_t *p = &self->poison[self->npoison++];
    p->source = tx->fail_source;
    p->seq = tx->fail_seq;
    bc_log_clean (tx->fail_type, p->type, sizeof p->type);
    snprintf (p->reason, sizeof p->reason, "%s", tx->reason);
    bc_error ("event=event_failed source=%s seq=%llu type=%s reason=\"%s\"",
              self->sources[tx->fail_source].name, (unsigned long long) tx->fail_seq, p->type,
              tx->reason);
    return 0;
}

void
bc_batch_apply (bc_service_t *self)
{
    int rc;
    while ((rc = s_run_batch_once (self)) != 0) {
        s_discard_results (self);
        if (rc == MDB_MAP_FULL) {
            if ((rc = bc_store_grow (self->store))) {
                bc_error ("event=map_grow_failed reason=\"%s\"", bc_store_strerror (rc));
                s_store_failed (self, rc);
            }
            continue;
        }
        self->tx.rc = rc;
        if (s_is_store_failure (rc) || s_poison (self) < 0)
            s_store_failed (self, rc);
    }
    self->quarantined = (uint64_t) ((int64_t) self->quarantined + self->tx.nquarantined);
    /* Said once it is committed (an aborted run set it aside too). */
    for (int i = 0; i < self->npoison; i++)
        bc_error ("event=event_quarantined source=%s seq=%llu type=%s reason=\"%s\"",
                  self->sources[self->poison[i].source].name,
                  (unsigned long long) self->poison[i].seq, self->poison[i].type,
                  self->poison[i].reason);
    self->npoison = 0;
    self->is_isolating = 0;
    for (int i = 0; i < self->ninputs; i++)
        self->inputs[i].is_poisoned = 0;
    bc_service_metrics_after_batch (self);
}

void
bc_batch_register_builtins (bc_service_t *self)
{
    bc_service_on_command (self, &balcao__v1__ping__descriptor, 0, s_cmd_ping);
    bc_service_on_command (self, &balcao__v1__replay_request__descriptor, 0, s_cmd_replay);
    bc_backup_register (self);
    bc_compact_register (self);
}

const char *
bc_batch_principal (bc_service_t *self, bc_input_t *in, const bc_envelope_t *env)
{
    return s_principal (self, in, env);
}
