/* bc_service: command server, durable event log, log consumers and group
 * commit, in one single-threaded loop. See bc_service.h for the contract and
 * docs/ARCHITECTURE.md for the protocol. */
#include "bc_service_internal.h"
#include "bc_client.h"

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
#include <sys/stat.h>
#include <unistd.h>

/* The runtime's own databases, beside the service's. */
static const char *const s_runtime_dbs[] = {"log",        "requests", "requests_by_time",
                                            "cursors",    "quarantine", "readers"};
#define BC_RUNTIME_DBS 6

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
        int64_t maxmsgsize, int is_events)
{
    zsock_t *sock = zsock_new (type);
    if (!sock)
        return NULL;
    zsock_set_linger (sock, 0);
    if (curve && is_events)
        bc_curve_events_server (curve, sock);
    else if (curve)
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
    /* A replica ("notify-2") is the service it copies on the bus: its
     * principal and CURVE certificate are the service's. */
    bc_config_service_of (name, self->base, sizeof self->base, &self->replica);
    self->replicas = bc_config_replicas (config, self->base);
    /* Numbered after the replicas: a read replica, whose log nobody reads. */
    self->is_read_only = self->replica > self->replicas;
    snprintf (self->principal, sizeof self->principal, "service:%s", self->base);
    self->config = config;
    self->started_us = bc_now_us ();

    char key[128];
    snprintf (key, sizeof key, "%s/max_message_size", self->base);
    self->max_message = (size_t) bc_config_int (
        config, key, bc_config_int (config, "balcao/max_message_size", BC_MAX_MESSAGE_SIZE_DEFAULT));
    snprintf (key, sizeof key, "%s/batch_max", self->base);
    self->batch_max = (int) bc_config_int (config, key, 4096);
    self->replay_max = (int) bc_config_int (config, "balcao/replay_max", 2000);
    self->heartbeat_ms = (int) bc_config_int (config, "balcao/heartbeat_ms", 1000);
    self->retention_us = bc_config_int (config, "balcao/request_retention_s", 86400) * 1000000LL;
    snprintf (key, sizeof key, "%s/map_size", self->base);
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
    self->db_quarantine = bc_store_dbi (self->store, "quarantine");
    self->db_readers = bc_store_dbi (self->store, "readers");
    self->quarantined = bc_quarantine_count (self);
    if (self->quarantined)
        bc_warn ("event=quarantine_not_empty count=%llu what_to_do=\"balcao quarantine list\"",
                 (unsigned long long) self->quarantined);
    self->rejects = bc_ratelog_new (1000, 4096);
    self->fail_event_type = getenv ("BALCAO_FAILPOINT_EVENT");
    self->fail_request_type = getenv ("BALCAO_FAILPOINT_REQUEST");
    self->log_readers = bc_config_words (config, "balcao/log_readers", BC_LOG_READERS_DEFAULT,
                                         &self->nlog_readers);
    self->head_seq = s_log_head (self);
    bc_retention_setup (self);
    bc_service_compact_if_due (self, 1);

    int curve_error;
    self->curve = bc_curve_new (config, self->base, &curve_error);
    if (curve_error || (self->curve && bc_curve_start_auth (self->curve))) {
        bc_service_destroy (&self);
        return NULL;
    }
    const char *cmd_ep = bc_config_bind (config, name, "command");
    const char *ev_ep = bc_config_bind (config, name, "events");
    if (!cmd_ep || !ev_ep) {
        bc_error ("event=config_error key=%s/command reason=\"no endpoints for %s: a replica "
                  "needs a section of its own with command and events\"",
                  name, name);
        bc_service_destroy (&self);
        return NULL;
    }
    /* The hard cap drops a connection that sends more than twice the limit;
     * between the limit and the cap the sender gets a clear error reply. */
    self->router = s_bind (self->curve, ZMQ_ROUTER, cmd_ep, 0, 100000,
                           (int64_t) self->max_message * 2 + 65536, 0);
    if (!self->router) {
        bc_error ("event=bind_failed socket=command endpoint=%s reason=\"%s\"", cmd_ep,
                  zmq_strerror (zmq_errno ()));
        bc_service_destroy (&self);
        return NULL;
    }
    /* A subscriber that falls further behind than this loses events and
     * replays them from the log. */
    snprintf (key, sizeof key, "%s/publish_hwm", self->base);
    int pub_hwm =
        (int) bc_config_int (config, key, bc_config_int (config, "balcao/publish_hwm", 200000));
    self->pub = s_bind (self->curve, ZMQ_PUB, ev_ep, pub_hwm, 0, 0, 1);
    if (!self->pub) {
        bc_error ("event=bind_failed socket=events endpoint=%s reason=\"%s\"", ev_ep,
                  zmq_strerror (zmq_errno ()));
        bc_service_destroy (&self);
        return NULL;
    }
    self->inputs = calloc ((size_t) self->batch_max, sizeof (bc_input_t));
    bc_info ("event=started command=%s events=%s data=%s head_seq=%llu curve=%s", cmd_ep, ev_ep,
             dir, (unsigned long long) self->head_seq, self->curve ? "on" : "off");
    bc_service_metrics_setup (self);
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
    bc_service_metrics_destroy (self);
    zsock_destroy (&self->router);
    zsock_destroy (&self->pub);
    bc_curve_destroy (&self->curve);
    bc_store_destroy (&self->store);
    bc_ratelog_destroy (&self->rejects);
    bc_config_words_free (&self->log_readers);
    free (self->poison);
    free (self->tx.events);
    bc_backup_destroy (self);
    free (self->inputs);
    free (self->dir);
    free (self->name);
    free (self);
    *self_p = NULL;
}

void
bc_service_set_feed_filter (bc_service_t *self, bc_feed_filter_fn *fn)
{
    assert (self);
    self->feed_filter = fn;
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
    bc_socket_liveness (sock);
    if (self->curve) {
        char base[64];
        bc_curve_client (self->curve, sock,
                         bc_config_service_of (src->name, base, sizeof base, NULL));
    }
    zsock_connect (sock, "%s", src->command_ep);
    return sock;
}

static void s_consume_one (bc_service_t *self, const char *source, bc_event_fn *fn);

void
bc_service_consume (bc_service_t *self, const char *source, bc_event_fn *fn)
{
    /* Each replica of the source keeps a log of its own. */
    int n = bc_config_replicas (self->config, source);
    for (int k = 1; k <= n; k++) {
        char name[80];
        s_consume_one (self, bc_config_instance (source, k, name, sizeof name), fn);
    }
}

static void
s_consume_one (bc_service_t *self, const char *source, bc_event_fn *fn)
{
    assert (self->nsources < BC_MAX_SOURCES);
    if (!bc_config_endpoint (self->config, source, "command")
        || !bc_config_endpoint (self->config, source, "events")) {
        /* A replica without its section: this service would never read
         * that replica's log. It does not start (bc_service_run). */
        bc_error ("event=config_error key=%s/command reason=\"no endpoints for %s: each "
                  "replica needs a section of its own with command and events\"",
                  source, source);
        self->is_misconfigured = 1;
        return;
    }
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
    bc_socket_liveness_sub (src->sub);
    if (self->curve) {
        char base[64];
        bc_curve_client (self->curve, src->sub,
                         bc_config_service_of (source, base, sizeof base, NULL));
    }
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
bc_service_set_urgent (bc_service_t *self, const ProtobufCMessageDescriptor *type)
{
    assert (self->nurgent < BC_MAX_URGENT);
    self->urgent[self->nurgent++] = type->name;
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

int
bc_service_is_curve (bc_service_t *self)
{
    return self->curve != NULL;
}

const char *
bc_service_name (bc_service_t *self)
{
    return self->name;
}

int
bc_service_is_read_replica (bc_service_t *self)
{
    return self->is_read_only;
}

void
bc_service_consume_instance (bc_service_t *self, const char *instance, bc_event_fn *fn)
{
    s_consume_one (self, instance, fn);
}

int
bc_service_replica (bc_service_t *self)
{
    return self->replica;
}

int
bc_service_replicas (bc_service_t *self)
{
    return self->replicas;
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


static void
s_send_replay_request (bc_service_t *self, bc_source_t *src)
{
    if (bc_mono_ms () < src->stalled_until_ms)
        return; /* the source no longer has what we need: not in a loop */
    Balcao__V1__ReplayRequest rr = BALCAO__V1__REPLAY_REQUEST__INIT;
    rr.from_seq = src->applied + 1;
    rr.max_events = (uint32_t) self->replay_max;
    bc_id_new (src->replay_id);
    bc_header_t h = {.id = src->replay_id, .source = self->name, .principal = self->principal};
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
    bc_batch_apply (self);
    self->head_seq = self->tx.head;
    for (int i = 0; i < self->nsources; i++)
        self->sources[i].applied = self->sources[i].pending;
    /* What a reply acknowledges is in the log before the client sees it. */
    bc_log_flush ();
    bc_backup_after_commit (self); /* a BackupFreeze's copy, before its reply */
    bc_retention_after_commit (self);

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
    bc_service_compact_if_due (self, 0);
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
    in->is_poisoned = 0;
    in->peer[0] = 0;
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
    if (with_identity) {
        /* Frames from the wire carry their connection's metadata. */
        const char *peer = zmq_msg_gets (&in->body, "Peer-Address");
        if (peer)
            snprintf (in->peer, sizeof in->peer, "%s", peer);
    }
    return 0;
}

/* A live event of an urgent type: the batch runs without waiting. Only
 * looked at while the batch would wait (one decode of the envelope). */
static int
s_is_urgent (bc_service_t *self, bc_input_t *in)
{
    if (self->nurgent == 0 || self->has_request || self->batch_delay_ms == 0)
        return 0;
    bc_envelope_t *env = bc_envelope_unpack (zmq_msg_data (&in->body), zmq_msg_size (&in->body));
    int is_urgent = 0;
    for (int i = 0; env && i < self->nurgent && !is_urgent; i++)
        is_urgent = strcmp (env->type, self->urgent[i]) == 0;
    bc_envelope_destroy (&env);
    return is_urgent;
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
            if (kind == BC_IN_REQUEST || (kind == BC_IN_EVENT && s_is_urgent (self, in)))
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
        else
            bc_retention_report (self, src, now);
    }
}

int
bc_service_run (bc_service_t *self)
{
    if (self->is_misconfigured)
        return 78; /* EX_CONFIG: logged where it was found */
    bc_batch_register_builtins (self);
    bc_quarantine_register (self);
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
            int64_t at = self->alarm_us > self->alarm_rest_until ? self->alarm_us
                                                                : self->alarm_rest_until;
            int64_t in_ms = (at - bc_now_us () + 999) / 1000;
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
        if (self->alarm_us && bc_now_us () >= self->alarm_us
            && bc_now_us () >= self->alarm_rest_until) {
            self->alarm_due = 1;
            self->alarm_us = 0; /* the service re-arms for what is left */
        }
        if (is_due || self->wake || self->alarm_due) {
            self->wake = 0;
            self->has_request = 0;
            if (self->freeze.is_frozen)
                bc_backup_while_frozen (self);
            else
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
        bc_backup_tick (self);
        /* An erasure's compaction waits until the service is caught up;
         * an idle service gets there without another batch. */
        if (!self->freeze.is_frozen)
            bc_service_compact_if_due (self, 0);
        if (!self->freeze.is_frozen && self->ninputs == 0)
            bc_repack_tick (self, now);
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
    /* What a service writes (its database, attachments, mail) is the
     * customers': for the operator's account only. */
    umask (077);
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    int replica = 1;
    if (config && first + 1 < argc && strcmp (argv[first], "-r") == 0) {
        char *end;
        long k = strtol (argv[first + 1], &end, 10);
        int most = bc_config_replicas (config, name) + bc_config_read_replicas (config, name);
        replica = *end || k < 1 || k > most ? 0 : (int) k;
        first += 2;
    }
    if (!config || first < argc || !replica) {
        fprintf (stderr,
                 "usage: balcao-%s [-c CONFIG] [-r REPLICA]\n"
                 "  REPLICA: 1 to %s/replicas + %s/read_replicas (the config's)\n",
                 name, name, name);
        bc_config_destroy (&config);
        return 64;
    }
    char instance[80];
    bc_config_instance (name, replica, instance, sizeof instance);
    bc_log_rename (instance);
    bc_service_t *svc = bc_service_new (instance, config, dbs, ndbs);
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
