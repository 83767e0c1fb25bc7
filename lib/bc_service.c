/* bc_service: command server, durable event log, log consumers and group
 * commit, in one single-threaded loop. See bc_service.h for the contract and
 * docs/ARCHITECTURE.md for the protocol. */
#include "bc_service.h"

#include "bc_clock.h"
#include "bc_curve.h"
#include "bc_id.h"
#include "bc_log.h"

#include <czmq.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#define BC_MAX_HANDLERS 64
#define BC_MAX_SOURCES 8
#define BC_MAX_TIMERS 8
#define BC_MAX_IDENTITY 256

/* The runtime's own databases, beside the service's. */
static const char *const s_runtime_dbs[] = {"log", "requests", "requests_by_time", "cursors"};
#define BC_RUNTIME_DBS 4

typedef struct {
    const ProtobufCMessageDescriptor *type;
    int is_write;
    bc_command_fn *fn;
} bc_handler_t;

typedef struct {
    char *name;
    bc_event_fn *fn;
    char *command_ep;
    zsock_t *sub;
    zsock_t *replay;
    uint64_t applied;        /* committed cursor */
    uint64_t pending;        /* cursor inside the running batch */
    uint64_t source_head;    /* newest seq the source told us about */
    int wants_replay;        /* ask for a replay after this commit */
    char replay_id[BC_ID_LEN + 1]; /* outstanding replay request, "" if none */
    int64_t replay_deadline; /* mono ms */
} bc_source_t;

typedef struct {
    bc_timer_fn *fn;
    int interval_ms;
    int64_t next;
} bc_timer_t;

struct bc_reply_t {
    bc_service_t *svc;
    const char *request_id;
    uint8_t *data;
    size_t len;
    int is_error;
};

/* One input of a batch. */
typedef enum { BC_IN_REQUEST, BC_IN_EVENT, BC_IN_REPLAY } bc_input_kind_t;

typedef struct {
    bc_input_kind_t kind;
    int source; /* index into sources, for events and replays */
    unsigned char identity[BC_MAX_IDENTITY];
    size_t identity_len;
    int has_delimiter;
    int frames; /* frames after the identity */
    zmq_msg_t body;
    uint8_t *reply; /* for requests, after the batch ran */
    size_t reply_len;
    int is_current_replay; /* a replay reply we were waiting for */
} bc_input_t;

typedef struct {
    uint64_t seq;
    uint8_t *data;
    size_t len;
} bc_pending_event_t;

struct bc_tx_t {
    bc_service_t *svc;
    MDB_txn *txn;
    int64_t now_us;
    uint64_t head;
    const char *principal;
    const char *correlation_id;
    bc_pending_event_t *events;
    size_t nevents, cap_events;
};

struct bc_service_t {
    char *name;
    char *dir;
    bc_config_t *config;
    bc_store_t *store;
    zsock_t *router;
    zsock_t *pub;
    bc_curve_t *curve; /* NULL: plain TCP */
    void *state;
    MDB_dbi db_log, db_requests, db_requests_by_time, db_cursors;

    bc_handler_t handlers[BC_MAX_HANDLERS];
    int nhandlers;
    bc_source_t sources[BC_MAX_SOURCES];
    int nsources;
    bc_timer_t timers[BC_MAX_TIMERS];
    int ntimers;
    bc_hook_fn *before_batch, *before_commit;
    bc_after_fn *after_commit, *after_abort;

    uint64_t head_seq; /* committed */
    size_t max_message;
    int batch_max;
    int replay_max;
    int heartbeat_ms;
    int64_t next_heartbeat;
    int64_t retention_us;
    int wake;
    int64_t alarm_us;       /* wall clock; 0: none */
    bc_hook_fn *on_alarm;
    int alarm_due;          /* run on_alarm in the next batch */
    int64_t started_us;
    int batch_delay_ms;     /* how long events may wait to join a batch */
    int64_t first_input_ms; /* when the oldest collected input arrived */
    int has_request;        /* a collected input is a request: do not wait */

    bc_input_t *inputs;
    int ninputs;
    bc_tx_t tx;
};

/* ---------------------------------------------------------------------- */
/* Set-up */

static uint64_t
s_log_head (bc_service_t *self)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t head = 0;
    if (mdb_txn_begin (bc_store_env (self->store), NULL, MDB_RDONLY, &txn))
        return 0;
    if (mdb_cursor_open (txn, self->db_log, &cur) == 0) {
        if (mdb_cursor_get (cur, &k, &v, MDB_LAST) == 0)
            head = bc_key_to_u64 (&k);
        mdb_cursor_close (cur);
    }
    mdb_txn_abort (txn);
    return head;
}

/* Socket options must be set before bind: libzmq copies them into the
 * listener, and every connection it accepts uses that copy. */
static zsock_t *
s_bind (bc_curve_t *curve, int type, const char *endpoint, int sndhwm, int rcvhwm,
        int64_t maxmsgsize)
{
    zsock_t *sock = zsock_new (type);
    if (!sock)
        return NULL;
    zsock_set_linger (sock, 0);
    if (curve)
        bc_curve_server (curve, sock);
    zsock_set_sndhwm (sock, sndhwm);
    zsock_set_rcvhwm (sock, rcvhwm);
    if (maxmsgsize)
        zsock_set_maxmsgsize (sock, maxmsgsize);
    if (zsock_bind (sock, "%s", endpoint) < 0) {
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

bc_service_t *
bc_service_new (const char *name, bc_config_t *config, const char *const *dbs, int ndbs)
{
    bc_service_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->name = strdup (name);
    self->config = config;
    self->started_us = bc_now_us ();

    char key[128];
    snprintf (key, sizeof key, "%s/max_message_size", name);
    self->max_message = (size_t) bc_config_int (
        config, key, bc_config_int (config, "balcao/max_message_size", 25 * 1024 * 1024));
    snprintf (key, sizeof key, "%s/batch_max", name);
    self->batch_max = (int) bc_config_int (config, key, 4096);
    self->replay_max = (int) bc_config_int (config, "balcao/replay_max", 2000);
    self->heartbeat_ms = (int) bc_config_int (config, "balcao/heartbeat_ms", 1000);
    self->retention_us = bc_config_int (config, "balcao/request_retention_s", 86400) * 1000000LL;
    snprintf (key, sizeof key, "%s/map_size", name);
    size_t map_size = (size_t) bc_config_int (config, key, 64LL * 1024 * 1024);

    char dir[4096];
    snprintf (dir, sizeof dir, "%s/%s", bc_config_data_dir (config), name);
    self->dir = strdup (dir);
    const char *names[BC_RUNTIME_DBS + 24];
    int n = 0;
    for (int i = 0; i < BC_RUNTIME_DBS; i++)
        names[n++] = s_runtime_dbs[i];
    for (int i = 0; i < ndbs && n < (int) (sizeof names / sizeof names[0]); i++)
        names[n++] = dbs[i];
    int rc = bc_store_open (&self->store, dir, names, n, map_size);
    if (rc) {
        bc_error ("event=store_open_failed dir=%s reason=\"%s\"", dir, bc_store_strerror (rc));
        bc_service_destroy (&self);
        return NULL;
    }
    self->db_log = bc_store_dbi (self->store, "log");
    self->db_requests = bc_store_dbi (self->store, "requests");
    self->db_requests_by_time = bc_store_dbi (self->store, "requests_by_time");
    self->db_cursors = bc_store_dbi (self->store, "cursors");
    self->head_seq = s_log_head (self);

    int curve_error;
    self->curve = bc_curve_new (config, name, &curve_error);
    if (curve_error || (self->curve && bc_curve_start_auth (self->curve))) {
        bc_service_destroy (&self);
        return NULL;
    }
    const char *cmd_ep = bc_config_bind (config, name, "command");
    const char *ev_ep = bc_config_bind (config, name, "events");
    /* The hard cap drops a connection that sends more than twice the limit;
     * between the limit and the cap the sender gets a clear error reply. */
    self->router = s_bind (self->curve, ZMQ_ROUTER, cmd_ep, 0, 100000, (int64_t) self->max_message * 2 + 65536);
    if (!self->router) {
        bc_error ("event=bind_failed socket=command endpoint=%s reason=\"%s\"", cmd_ep,
                  zmq_strerror (zmq_errno ()));
        bc_service_destroy (&self);
        return NULL;
    }
    /* A subscriber that falls further behind than this loses events and
     * replays them from the log. */
    snprintf (key, sizeof key, "%s/publish_hwm", name);
    int pub_hwm =
        (int) bc_config_int (config, key, bc_config_int (config, "balcao/publish_hwm", 200000));
    self->pub = s_bind (self->curve, ZMQ_PUB, ev_ep, pub_hwm, 0, 0);
    if (!self->pub) {
        bc_error ("event=bind_failed socket=events endpoint=%s reason=\"%s\"", ev_ep,
                  zmq_strerror (zmq_errno ()));
        bc_service_destroy (&self);
        return NULL;
    }
    self->inputs = calloc ((size_t) self->batch_max, sizeof (bc_input_t));
    bc_info ("event=started command=%s events=%s data=%s head_seq=%llu curve=%s", cmd_ep, ev_ep,
             dir, (unsigned long long) self->head_seq, self->curve ? "on" : "off");
    return self;
}

void
bc_service_destroy (bc_service_t **self_p)
{
    bc_service_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < self->nsources; i++) {
        zsock_destroy (&self->sources[i].sub);
        zsock_destroy (&self->sources[i].replay);
        free (self->sources[i].name);
        free (self->sources[i].command_ep);
    }
    zsock_destroy (&self->router);
    zsock_destroy (&self->pub);
    bc_curve_destroy (&self->curve);
    bc_store_destroy (&self->store);
    free (self->tx.events);
    free (self->inputs);
    free (self->dir);
    free (self->name);
    free (self);
    *self_p = NULL;
}

void
bc_service_set_state (bc_service_t *self, void *state)
{
    self->state = state;
}

void
bc_service_on_command (bc_service_t *self, const ProtobufCMessageDescriptor *type, int is_write,
                       bc_command_fn *fn)
{
    assert (self->nhandlers < BC_MAX_HANDLERS);
    self->handlers[self->nhandlers++] = (bc_handler_t) {type, is_write, fn};
}

static zsock_t *
s_replay_socket (bc_service_t *self, bc_source_t *src)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_linger (sock, 0);
    zsock_set_rcvhwm (sock, 0);
    if (self->curve)
        bc_curve_client (self->curve, sock, src->name);
    zsock_connect (sock, "%s", src->command_ep);
    return sock;
}

void
bc_service_consume (bc_service_t *self, const char *source, bc_event_fn *fn)
{
    assert (self->nsources < BC_MAX_SOURCES);
    bc_source_t *src = &self->sources[self->nsources++];
    memset (src, 0, sizeof *src);
    src->name = strdup (source);
    src->fn = fn;
    src->command_ep = strdup (bc_config_endpoint (self->config, source, "command"));
    const char *ev_ep = bc_config_endpoint (self->config, source, "events");
    src->sub = zsock_new (ZMQ_SUB);
    zsock_set_linger (src->sub, 0);
    zsock_set_rcvhwm (src->sub, 100000);
    zsock_set_subscribe (src->sub, "");
    zsock_set_maxmsgsize (src->sub, (int64_t) self->max_message * 2 + 65536);
    if (self->curve)
        bc_curve_client (self->curve, src->sub, source);
    zsock_connect (src->sub, "%s", ev_ep);
    src->replay = s_replay_socket (self, src);

    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (self->store), NULL, MDB_RDONLY, &txn) == 0) {
        bc_store_get_u64 (txn, self->db_cursors, source, &src->applied);
        mdb_txn_abort (txn);
    }
    src->pending = src->applied;
    /* Whatever happened while we were away: ask for it at once. */
    src->wants_replay = 1;
    bc_info ("event=consuming source=%s events=%s command=%s from_seq=%llu", source, ev_ep,
             src->command_ep, (unsigned long long) src->applied + 1);
}

void
bc_service_hooks (bc_service_t *self, bc_hook_fn *before_batch, bc_hook_fn *before_commit,
                  bc_after_fn *after_commit)
{
    self->before_batch = before_batch;
    self->before_commit = before_commit;
    self->after_commit = after_commit;
}

void
bc_service_on_abort (bc_service_t *self, bc_after_fn *fn)
{
    self->after_abort = fn;
}

void
bc_service_every (bc_service_t *self, int interval_ms, bc_timer_fn *fn)
{
    assert (self->ntimers < BC_MAX_TIMERS);
    self->timers[self->ntimers++] = (bc_timer_t) {fn, interval_ms, bc_mono_ms () + interval_ms};
}

void
bc_service_set_batch_delay (bc_service_t *self, int delay_ms)
{
    self->batch_delay_ms = delay_ms;
}

void
bc_service_set_batch_max (bc_service_t *self, int max)
{
    if (max >= 1 && max < self->batch_max) /* inputs[] holds batch_max */
        self->batch_max = max;
}

void
bc_service_alarm (bc_service_t *self, int64_t at_us, bc_hook_fn *fn)
{
    self->alarm_us = at_us;
    self->on_alarm = fn;
}

void
bc_service_wake (bc_service_t *self)
{
    self->wake = 1;
}

void
bc_service_set_key_lookup (bc_service_t *self, bc_curve_lookup_fn *fn, void *arg)
{
    if (self->curve)
        bc_curve_set_lookup (self->curve, fn, arg);
}

const char *
bc_service_name (bc_service_t *self)
{
    return self->name;
}

bc_config_t *
bc_service_config (bc_service_t *self)
{
    return self->config;
}

bc_store_t *
bc_service_store (bc_service_t *self)
{
    return self->store;
}

MDB_dbi
bc_service_dbi (bc_service_t *self, const char *name)
{
    return bc_store_dbi (self->store, name);
}

const char *
bc_service_dir (bc_service_t *self)
{
    return self->dir;
}

/* ---------------------------------------------------------------------- */
/* Inside a transaction */

MDB_txn *
bc_tx_txn (bc_tx_t *tx)
{
    return tx->txn;
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
    err.message = text;
    err.message_pt = text_pt;
    s_reply_set (reply, &err.base);
    reply->is_error = 1;
    /* The sentence may quote what the sender sent: keep the log line one
     * line of key=value whatever it contains. */
    char clean[512];
    bc_log_clean (text, clean, sizeof clean);
    bc_warn ("event=request_rejected request=%s code=%s reason=\"%s\"",
             bc_id_is_valid (reply->request_id) ? reply->request_id : "-", code, clean);
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
    bc_reply_ok (reply, &pong.base);
    return 0;
}

static int
s_cmd_replay (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
              bc_reply_t *reply)
{
    (void) state, (void) req;
    bc_service_t *svc = tx->svc;
    const Balcao__V1__ReplayRequest *rr = (const Balcao__V1__ReplayRequest *) payload;
    uint32_t max = rr->max_events && rr->max_events < (uint32_t) svc->replay_max
                       ? rr->max_events
                       : (uint32_t) svc->replay_max;
    Balcao__V1__ReplayReply out = BALCAO__V1__REPLAY_REPLY__INIT;
    /* Only what is committed: a consumer must never see an event that a
     * crash could still take back. */
    out.head_seq = svc->head_seq;
    ProtobufCBinaryData *events = calloc (max ? max : 1, sizeof *events);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (tx->txn, svc->db_log, &cur);
    if (rc) {
        free (events);
        return rc;
    }
    unsigned char key[8];
    bc_key_from_u64 (rr->from_seq ? rr->from_seq : 1, key);
    MDB_val k = {8, key}, v;
    size_t bytes = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && out.n_events < max && bc_key_to_u64 (&k) <= svc->head_seq
           && bytes < svc->max_message) {
        events[out.n_events].data = v.mv_data;
        events[out.n_events].len = v.mv_size;
        out.n_events++;
        bytes += v.mv_size;
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    out.events = events;
    bc_reply_ok (reply, &out.base);
    mdb_cursor_close (cur);
    free (events);
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
    if (strncmp (user, "service:", 8) == 0 && env->principal && *env->principal)
        return env->principal;
    return user;
}

static int
s_apply_request (bc_service_t *self, bc_tx_t *tx, bc_input_t *in)
{
    bc_reply_t reply = {.svc = self};
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
    tx->principal = s_principal (self, in, env);
    tx->correlation_id = env->id;
    rc = h->fn (self->state, tx, env, payload, &reply);
    tx->principal = tx->correlation_id = NULL;
    if (rc)
        goto done;
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

/* Applies one event from a source, if it is the next one. */
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
    else if (env->seq == src->pending + 1) {
        tx->principal = env->principal;
        tx->correlation_id = env->id;
        rc = src->fn (self->state, tx, src->name, env);
        tx->principal = tx->correlation_id = NULL;
        if (rc == 0)
            src->pending = env->seq;
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
    for (int i = 0; i < self->nsources; i++)
        self->sources[i].pending = self->sources[i].applied;
    int rc = mdb_txn_begin (bc_store_env (self->store), NULL, 0, &tx->txn);
    if (rc)
        return rc;
    if (self->before_batch && (rc = self->before_batch (self->state, tx)))
        goto abort;
    if (self->alarm_due && self->on_alarm && (rc = self->on_alarm (self->state, tx)))
        goto abort;
    tx->principal = NULL;
    for (int i = 0; i < self->ninputs; i++) {
        bc_input_t *in = &self->inputs[i];
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
        if (rc)
            goto abort;
    }
    for (int i = 0; i < self->nsources; i++) {
        bc_source_t *src = &self->sources[i];
        if (src->pending != src->applied
            && (rc = bc_store_put_u64 (tx->txn, self->db_cursors, src->name, src->pending)))
            goto abort;
    }
    if ((rc = s_prune_requests (self, tx)))
        goto abort;
    if (self->before_commit && (rc = self->before_commit (self->state, tx)))
        goto abort;
    int64_t applied_us = bc_now_us ();
    rc = mdb_txn_commit (tx->txn);
    tx->txn = NULL;
    bc_debug ("event=batch inputs=%d events=%zu apply_us=%lld commit_us=%lld", self->ninputs,
              tx->nevents, (long long) (applied_us - tx->now_us),
              (long long) (bc_now_us () - applied_us));
    if (rc && self->after_abort)
        self->after_abort (self->state);
    return rc;
abort:
    mdb_txn_abort (tx->txn);
    tx->txn = NULL;
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

static void
s_send_replay_request (bc_service_t *self, bc_source_t *src)
{
    Balcao__V1__ReplayRequest rr = BALCAO__V1__REPLAY_REQUEST__INIT;
    rr.from_seq = src->applied + 1;
    rr.max_events = (uint32_t) self->replay_max;
    bc_id_new (src->replay_id);
    bc_header_t h = {.id = src->replay_id, .source = self->name};
    size_t len;
    uint8_t *frame = bc_envelope_pack (&h, &rr.base, &len);
    void *s = zsock_resolve (src->replay);
    zmq_send (s, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (s, frame, len, ZMQ_DONTWAIT);
    free (frame);
    src->replay_deadline = bc_mono_ms () + 3000;
    src->wants_replay = 0;
}

/* Runs the collected inputs as one transaction, then replies and publishes. */
static void
s_run_batch (bc_service_t *self)
{
    int rc;
    while ((rc = s_run_batch_once (self)) == MDB_MAP_FULL) {
        s_discard_results (self);
        if ((rc = bc_store_grow (self->store))) {
            bc_error ("event=map_grow_failed reason=\"%s\"", bc_store_strerror (rc));
            break;
        }
    }
    if (rc) {
        /* The store refused a write for a reason growth cannot fix (disk
         * full, I/O error). Nothing was committed or answered: exit and let
         * the supervisor restart us; clients retry, consumers replay. */
        bc_error ("event=batch_failed reason=\"%s\" inputs=%d", bc_store_strerror (rc),
                  self->ninputs);
        exit (1);
    }
    self->head_seq = self->tx.head;
    for (int i = 0; i < self->nsources; i++)
        self->sources[i].applied = self->sources[i].pending;
    /* What a reply acknowledges is in the log before the client sees it. */
    bc_log_flush ();

    void *router = zsock_resolve (self->router);
    for (int i = 0; i < self->ninputs; i++) {
        bc_input_t *in = &self->inputs[i];
        if (in->kind == BC_IN_REPLAY && in->is_current_replay)
            self->sources[in->source].replay_id[0] = 0;
        if (in->kind == BC_IN_REQUEST && in->reply) {
            zmq_send (router, in->identity, in->identity_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            if (in->has_delimiter)
                zmq_send (router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send (router, in->reply, in->reply_len, ZMQ_DONTWAIT);
        }
        free (in->reply);
        in->reply = NULL;
        zmq_msg_close (&in->body);
    }
    void *pub = zsock_resolve (self->pub);
    for (size_t i = 0; i < self->tx.nevents; i++) {
        zmq_send (pub, self->tx.events[i].data, self->tx.events[i].len, ZMQ_DONTWAIT);
        free (self->tx.events[i].data);
    }
    self->tx.nevents = 0;
    self->ninputs = 0;
    for (int i = 0; i < self->nsources; i++) {
        bc_source_t *src = &self->sources[i];
        if (!src->replay_id[0] && (src->wants_replay || src->source_head > src->applied))
            s_send_replay_request (self, src);
    }
    if (self->after_commit)
        self->after_commit (self->state);
}

/* ---------------------------------------------------------------------- */
/* Collecting inputs */

/* Receives one whole multipart message without blocking. Returns 0 when one
 * was read into `in`, -1 when none was ready. */
static int
s_recv_input (void *sock, bc_input_t *in, int with_identity)
{
    zmq_msg_t part;
    zmq_msg_init (&part);
    if (zmq_msg_recv (&part, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&part);
        return -1;
    }
    in->identity_len = 0;
    in->is_current_replay = 0;
    in->has_delimiter = 0;
    in->frames = 0;
    in->reply = NULL;
    if (with_identity) {
        size_t n = zmq_msg_size (&part);
        in->identity_len = n < BC_MAX_IDENTITY ? n : BC_MAX_IDENTITY;
        memcpy (in->identity, zmq_msg_data (&part), in->identity_len);
        int more = zmq_msg_more (&part);
        zmq_msg_close (&part);
        if (!more) {
            zmq_msg_init (&in->body);
            return 0;
        }
        zmq_msg_init (&part);
        zmq_msg_recv (&part, sock, 0);
    }
    /* part is now the first frame after the identity */
    if (zmq_msg_size (&part) == 0 && zmq_msg_more (&part))
        in->has_delimiter = 1;
    in->frames = 1;
    while (zmq_msg_more (&part)) {
        zmq_msg_close (&part);
        zmq_msg_init (&part);
        zmq_msg_recv (&part, sock, 0);
        in->frames++;
    }
    zmq_msg_init (&in->body);
    zmq_msg_move (&in->body, &part);
    zmq_msg_close (&part);
    return 0;
}

static void
s_collect (bc_service_t *self, zmq_pollitem_t *items, int nitems)
{
    for (int i = 0; i < nitems && self->ninputs < self->batch_max; i++) {
        if (!(items[i].revents & ZMQ_POLLIN))
            continue;
        bc_input_kind_t kind;
        int source = -1;
        if (i == 0)
            kind = BC_IN_REQUEST;
        else {
            source = (i - 1) / 2;
            kind = (i - 1) % 2 == 0 ? BC_IN_EVENT : BC_IN_REPLAY;
        }
        while (self->ninputs < self->batch_max) {
            bc_input_t *in = &self->inputs[self->ninputs];
            if (s_recv_input (items[i].socket, in, kind == BC_IN_REQUEST) < 0)
                break;
            in->kind = kind;
            in->source = source;
            if (self->ninputs++ == 0)
                self->first_input_ms = bc_mono_ms ();
            if (kind == BC_IN_REQUEST)
                self->has_request = 1;
        }
    }
}

static void
s_heartbeat (bc_service_t *self)
{
    Balcao__V1__Heartbeat hb = BALCAO__V1__HEARTBEAT__INIT;
    hb.head_seq = self->head_seq;
    bc_header_t h = {.source = self->name};
    size_t len;
    uint8_t *frame = bc_envelope_pack (&h, &hb.base, &len);
    zmq_send (zsock_resolve (self->pub), frame, len, ZMQ_DONTWAIT);
    free (frame);
}

static void
s_check_replays (bc_service_t *self, int64_t now)
{
    for (int i = 0; i < self->nsources; i++) {
        bc_source_t *src = &self->sources[i];
        if (src->replay_id[0] && now >= src->replay_deadline) {
            /* Lazy Pirate: the source may have restarted; reconnect, ask again. */
            bc_debug ("event=replay_timeout source=%s", src->name);
            zsock_destroy (&src->replay);
            src->replay = s_replay_socket (self, src);
            s_send_replay_request (self, src);
        }
        else if (!src->replay_id[0] && (src->wants_replay || src->source_head > src->applied))
            s_send_replay_request (self, src);
    }
}

int
bc_service_run (bc_service_t *self)
{
    bc_service_on_command (self, &balcao__v1__ping__descriptor, 0, s_cmd_ping);
    bc_service_on_command (self, &balcao__v1__replay_request__descriptor, 0, s_cmd_replay);
    sd_notify (0, "READY=1");
    self->next_heartbeat = bc_mono_ms ();
    zmq_pollitem_t items[1 + 2 * BC_MAX_SOURCES];
    while (!zsys_interrupted) {
        int n = 0;
        items[n++] = (zmq_pollitem_t) {zsock_resolve (self->router), 0, ZMQ_POLLIN, 0};
        for (int i = 0; i < self->nsources; i++) {
            items[n++] = (zmq_pollitem_t) {zsock_resolve (self->sources[i].sub), 0, ZMQ_POLLIN, 0};
            items[n++] =
                (zmq_pollitem_t) {zsock_resolve (self->sources[i].replay), 0, ZMQ_POLLIN, 0};
        }
        int64_t now = bc_mono_ms ();
        int64_t next = self->next_heartbeat;
        for (int i = 0; i < self->ntimers; i++)
            if (self->timers[i].next < next)
                next = self->timers[i].next;
        for (int i = 0; i < self->nsources; i++)
            if (self->sources[i].replay_id[0] && self->sources[i].replay_deadline < next)
                next = self->sources[i].replay_deadline;
        if (self->ninputs > 0 && self->first_input_ms + self->batch_delay_ms < next)
            next = self->first_input_ms + self->batch_delay_ms;
        if (self->alarm_us) {
            int64_t in_ms = (self->alarm_us - bc_now_us () + 999) / 1000;
            if (now + in_ms < next)
                next = now + (in_ms > 0 ? in_ms : 0);
        }
        long timeout = self->wake ? 0 : (long) (next > now ? next - now : 0);
        int rc = zmq_poll (items, n, timeout);
        if (rc < 0 && zmq_errno () != EINTR)
            break;
        if (rc > 0)
            s_collect (self, items, n);
        now = bc_mono_ms ();
        int is_due = self->ninputs > 0
                     && (self->has_request || self->ninputs >= self->batch_max
                         || now - self->first_input_ms >= self->batch_delay_ms);
        if (self->alarm_us && bc_now_us () >= self->alarm_us) {
            self->alarm_due = 1;
            self->alarm_us = 0; /* the service re-arms for what is left */
        }
        if (is_due || self->wake || self->alarm_due) {
            self->wake = 0;
            self->has_request = 0;
            s_run_batch (self);
            self->alarm_due = 0;
            bc_log_flush ();
        }
        now = bc_mono_ms ();
        if (now >= self->next_heartbeat) {
            s_heartbeat (self);
            self->next_heartbeat = now + self->heartbeat_ms;
        }
        s_check_replays (self, now);
        for (int i = 0; i < self->ntimers; i++)
            if (now >= self->timers[i].next) {
                self->timers[i].next = now + self->timers[i].interval_ms;
                self->timers[i].fn (self->state);
            }
    }
    if (self->ninputs > 0)
        s_run_batch (self); /* events held for batch_delay_ms */
    sd_notify (0, "STOPPING=1");
    bc_info ("event=stopping head_seq=%llu", (unsigned long long) self->head_seq);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* main() */

bc_config_t *
bc_config_from_args (int argc, char **argv, int *first_arg)
{
    const char *path = getenv ("BALCAO_CONFIG");
    int i = 1;
    if (argc > 2 && strcmp (argv[1], "-c") == 0) {
        path = argv[2];
        i = 3;
    }
    if (path && !*path)
        path = NULL;
    if (first_arg)
        *first_arg = i;
    return bc_config_load (path);
}

int
bc_service_main (int argc, char **argv, const char *name, const char *const *dbs, int ndbs,
                 bc_setup_fn *setup, bc_teardown_fn *teardown)
{
    bc_log_init (name);
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    if (!config || first < argc) {
        fprintf (stderr, "usage: balcao-%s [-c CONFIG]\n", name);
        bc_config_destroy (&config);
        return 64;
    }
    bc_service_t *svc = bc_service_new (name, config, dbs, ndbs);
    if (!svc) {
        bc_config_destroy (&config);
        return 1;
    }
    void *state = setup (svc);
    if (!state) {
        bc_error ("event=setup_failed");
        bc_service_destroy (&svc);
        bc_config_destroy (&config);
        return 1;
    }
    bc_service_set_state (svc, state);
    bc_log_flush (); /* what setup did is in the log before the first answer */
    int rc = bc_service_run (svc);
    if (teardown)
        teardown (state);
    bc_service_destroy (&svc);
    bc_config_destroy (&config);
    bc_info ("event=stopped");
    return rc;
}
