/* gateway_bus: pools of bus clients per service, and /healthz's pings. */
#include "gateway_bus.h"

#include "bc_id.h"
#include "bc_log.h"
#include "balcao/v1/kb.pb-c.h"

#include <czmq.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const s_services[] = {"intake", "router", "kb", "notify"};
#define GATEWAY_NSERVICES 4

/* Clients of one service: the idle ones, and how many there are in all
 * (at most max: ZeroMQ allows 1,023 sockets per process by default, and
 * CZMQ aborts past that, so a flood of connections waits for a client
 * instead). */
typedef struct {
    char name[32];
    int timeout_ms, retries;
    zlist_t *idle;
    int total, max;
    pthread_cond_t freed;
} s_pool_t;

struct gateway_bus_t {
    bc_config_t *config;
    pthread_mutex_t lock; /* the pools */
    s_pool_t router, notify;
    /* kb and its read replicas (kb/read_replicas): searches take turns
     * over them; everything else goes to kb. */
    s_pool_t kb[8];
    int n_kb;
    unsigned turn;
    /* intake's replicas (intake/replicas): intake, intake-2, ... */
    s_pool_t intake[8];
    int n_intake;
    /* Health: one round at a time, its clients used under health_lock. */
    pthread_mutex_t health_lock;
    bc_client_t *health[GATEWAY_NSERVICES];
    int health_timeout_ms;
    json_t *last;       /* the last round's answer */
    bool last_ok;
    int64_t last_done;  /* when it ended (monotonic ns) */
};

static int64_t
s_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bc_client_t *
s_client_new (gateway_bus_t *self, s_pool_t *pool)
{
    bc_client_t *client = bc_client_new_for (self->config, pool->name, "gateway");
    if (client)
        bc_client_set_timeout (client, pool->timeout_ms, pool->retries);
    return client;
}

static void
s_pool_init (gateway_bus_t *self, s_pool_t *pool, const char *name, int timeout_ms, int retries)
{
    snprintf (pool->name, sizeof pool->name, "%s", name);
    pool->timeout_ms = timeout_ms;
    pool->retries = retries;
    pool->idle = zlist_new ();
    pool->max = (int) bc_config_int (self->config, "gateway/bus_clients", 256);
    if (pool->max < 1)
        pool->max = 1;
    pthread_cond_init (&pool->freed, NULL);
}

/* One pool per instance of service (service, service-2, ...); returns n. */
static int
s_pools_init (gateway_bus_t *self, s_pool_t *pools, const char *service, int n, int timeout_ms)
{
    for (int k = 1; k <= n; k++) {
        char name[32];
        s_pool_init (self, &pools[k - 1], bc_config_instance (service, k, name, sizeof name),
                     timeout_ms, 1);
    }
    return n;
}

static void
s_pool_empty (s_pool_t *pool)
{
    if (!pool->idle)
        return;
    bc_client_t *client;
    while ((client = zlist_pop (pool->idle)))
        bc_client_destroy (&client);
    zlist_destroy (&pool->idle);
    pthread_cond_destroy (&pool->freed);
}

gateway_bus_t *
gateway_bus_new (bc_config_t *config)
{
    gateway_bus_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    pthread_mutex_init (&self->lock, NULL);
    pthread_mutex_init (&self->health_lock, NULL);
    int timeout = (int) bc_config_int (config, "gateway/bus_timeout_ms", 2000);
    s_pool_init (self, &self->router, "router", timeout, 1);
    self->n_intake = s_pools_init (self, self->intake, "intake",
                                   bc_config_replicas (config, "intake"), timeout);
    self->n_kb = s_pools_init (self, self->kb, "kb", 1 + bc_config_read_replicas (config, "kb"),
                               timeout);
    s_pool_init (self, &self->notify, "notify", timeout, 1);
    self->health_timeout_ms = (int) bc_config_int (config, "gateway/health_timeout_ms", 300);
    for (int i = 0; i < GATEWAY_NSERVICES; i++) {
        self->health[i] = bc_client_new_for (config, s_services[i], "gateway");
        if (!self->health[i]) {
            gateway_bus_destroy (&self);
            return NULL;
        }
    }
    /* One client of each now, so a CURVE or endpoint problem shows at start. */
    s_pool_t *pools[] = {&self->router, &self->intake[0], &self->kb[0]};
    for (int i = 0; i < 3; i++) {
        bc_client_t *client = s_client_new (self, pools[i]);
        if (!client) {
            gateway_bus_destroy (&self);
            return NULL;
        }
        zlist_append (pools[i]->idle, client);
        pools[i]->total++;
    }
    return self;
}

void
gateway_bus_destroy (gateway_bus_t **self_p)
{
    gateway_bus_t *self = *self_p;
    if (!self)
        return;
    s_pool_empty (&self->router);
    for (int k = 0; k < self->n_intake; k++)
        s_pool_empty (&self->intake[k]);
    for (int k = 0; k < self->n_kb; k++)
        s_pool_empty (&self->kb[k]);
    s_pool_empty (&self->notify);
    for (int i = 0; i < GATEWAY_NSERVICES; i++)
        bc_client_destroy (&self->health[i]);
    json_decref (self->last);
    pthread_mutex_destroy (&self->lock);
    pthread_mutex_destroy (&self->health_lock);
    free (self);
    *self_p = NULL;
}

static _Thread_local char s_ids_base[48];
static _Thread_local unsigned s_ids_n;

void
gateway_bus_request_ids (const char *base)
{
    snprintf (s_ids_base, sizeof s_ids_base, "%s", base ? base : "");
    s_ids_n = 0;
}

/* What kb's read replicas answer as kb does (docs/ARCHITECTURE.md,
 * "Replicas"): the searches. An article itself is read from kb, whose
 * counters (views, ratings) a replica does not have. */
static int
s_is_kb_read (const ProtobufCMessageDescriptor *d)
{
    return d == &balcao__v1__search_articles__descriptor
           || d == &balcao__v1__suggest_articles__descriptor
           || d == &balcao__v1__similar_articles__descriptor
           || d == &balcao__v1__search_tickets__descriptor
           || d == &balcao__v1__similar_tickets__descriptor;
}

int
gateway_bus_call (gateway_bus_t *self, const char *service, const char *principal,
                  const ProtobufCMessage *req, bc_envelope_t **reply)
{
    assert (self);
    *reply = NULL;
    s_pool_t *pool = strcmp (service, "router") == 0   ? &self->router
                     : strcmp (service, "kb") == 0     ? &self->kb[0]
                     : strcmp (service, "notify") == 0 ? &self->notify
                                                       : &self->intake[0];
    for (int k = 1; pool == &self->intake[0] && k < self->n_intake; k++)
        if (strcmp (service, self->intake[k].name) == 0)
            pool = &self->intake[k];
    assert (strcmp (service, pool->name) == 0);
    if (pool == &self->kb[0] && self->n_kb > 1 && s_is_kb_read (req->descriptor))
        pool = &self->kb[__atomic_fetch_add (&self->turn, 1, __ATOMIC_RELAXED) % (unsigned) self->n_kb];
    /* An idle client, a new one while there are fewer than max, or wait
     * (as long as a call may take) for one to be given back. */
    struct timespec until;
    clock_gettime (CLOCK_REALTIME, &until);
    until.tv_sec += (pool->timeout_ms * (pool->retries + 1)) / 1000 + 1;
    pthread_mutex_lock (&self->lock);
    bc_client_t *client;
    while (!(client = zlist_pop (pool->idle)) && pool->total >= pool->max)
        if (pthread_cond_timedwait (&pool->freed, &self->lock, &until) != 0) {
            pthread_mutex_unlock (&self->lock);
            return BC_ETIMEOUT;
        }
    if (!client)
        pool->total++;
    pthread_mutex_unlock (&self->lock);
    if (!client && !(client = s_client_new (self, pool))) {
        pthread_mutex_lock (&self->lock);
        pool->total--;
        pthread_cond_signal (&pool->freed);
        pthread_mutex_unlock (&self->lock);
        return BC_ETIMEOUT;
    }
    bc_client_set_principal (client, principal);
    char id[64];
    if (*s_ids_base)
        snprintf (id, sizeof id, "%s.%u", s_ids_base, ++s_ids_n);
    int rc = bc_client_call (client, *s_ids_base ? id : NULL, req, reply);
    pthread_mutex_lock (&self->lock);
    zlist_append (pool->idle, client);
    pthread_cond_signal (&pool->freed);
    pthread_mutex_unlock (&self->lock);
    return rc;
}

const char *
gateway_bus_intake_for (gateway_bus_t *self, const char *key, char *out, size_t size)
{
    return bc_config_replica_for (self->config, "intake", key, strlen (key), out, size);
}

int
gateway_bus_call_intakes (gateway_bus_t *self, const char *principal, const ProtobufCMessage *req,
                          bc_envelope_t **reply)
{
    int rc = BC_OK;
    *reply = NULL;
    for (int k = 0; k < self->n_intake; k++) {
        bc_envelope_destroy (reply);
        rc = gateway_bus_call (self, self->intake[k].name, principal, req, reply);
        Balcao__V1__Error *err =
            rc == BC_EREMOTE && *reply
                ? (Balcao__V1__Error *) bc_envelope_payload (*reply, &balcao__v1__error__descriptor)
                : NULL;
        int is_elsewhere = err && strcmp (err->code, "not_found") == 0;
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
        if (!is_elsewhere)
            break;
    }
    return rc;
}

int
gateway_bus_head (gateway_bus_t *self, const char *service, uint64_t *head)
{
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self, service, "", &ping.base, &reply);
    Balcao__V1__Pong *pong = rc == BC_OK ? (Balcao__V1__Pong *) bc_envelope_payload (
                                               reply, &balcao__v1__pong__descriptor)
                                         : NULL;
    bc_envelope_destroy (&reply);
    if (!pong)
        return rc == BC_OK ? BC_EREMOTE : rc;
    *head = pong->head_seq;
    balcao__v1__pong__free_unpacked (pong, NULL);
    return BC_OK;
}

/* One round: a Ping to every service at once, answers taken as they come
 * until the bound. A service that did not answer gets a fresh socket, so
 * its late Pong cannot be read as the next round's. */
static json_t *
s_health_round (gateway_bus_t *self, bool *all_ok)
{
    char ids[GATEWAY_NSERVICES][BC_ID_LEN + 1];
    json_t *answers[GATEWAY_NSERVICES] = {NULL};
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    int64_t start = s_now_ns ();
    for (int i = 0; i < GATEWAY_NSERVICES; i++) {
        bc_id_new (ids[i]);
        bc_header_t h = {.id = ids[i], .source = "gateway"};
        size_t len;
        uint8_t *frame = bc_envelope_pack (&h, &ping.base, &len);
        if (!frame || bc_client_send_raw (self->health[i], frame, len) != BC_OK)
            answers[i] = json_pack ("{s:b, s:s}", "ok", 0, "error", "cannot send");
        free (frame);
    }
    int64_t deadline = start + (int64_t) self->health_timeout_ms * 1000000;
    while (1) {
        zmq_pollitem_t items[GATEWAY_NSERVICES];
        int which[GATEWAY_NSERVICES], n = 0;
        for (int i = 0; i < GATEWAY_NSERVICES; i++)
            if (!answers[i] && bc_client_handle (self->health[i])) {
                items[n] = (zmq_pollitem_t) {bc_client_handle (self->health[i]), 0, ZMQ_POLLIN, 0};
                which[n++] = i;
            }
        int64_t left_ms = (deadline - s_now_ns ()) / 1000000;
        if (n == 0 || left_ms <= 0 || zmq_poll (items, n, (long) left_ms) <= 0)
            break;
        for (int k = 0; k < n; k++) {
            if (!(items[k].revents & ZMQ_POLLIN))
                continue;
            int i = which[k];
            bc_envelope_t *reply;
            int rc = bc_client_recv (self->health[i], 0, &reply);
            if (reply && strcmp (reply->correlation_id, ids[i]) != 0) {
                bc_envelope_destroy (&reply);
                continue; /* a late answer to an older round */
            }
            Balcao__V1__Pong *pong =
                rc == BC_OK ? (Balcao__V1__Pong *) bc_envelope_payload (reply, &balcao__v1__pong__descriptor)
                            : NULL;
            json_int_t ms = (json_int_t) ((s_now_ns () - start) / 1000000);
            if (pong)
                answers[i] = json_pack ("{s:b, s:I, s:I}", "ok", 1, "head_seq",
                                        (json_int_t) pong->head_seq, "ms", ms);
            else
                answers[i] = json_pack ("{s:b, s:s}", "ok", 0, "error", "unexpected reply");
            if (pong)
                balcao__v1__pong__free_unpacked (pong, NULL);
            bc_envelope_destroy (&reply);
        }
    }
    json_t *services = json_object (), *slow = json_array ();
    *all_ok = true;
    for (int i = 0; i < GATEWAY_NSERVICES; i++) {
        if (!answers[i]) {
            char text[96];
            snprintf (text, sizeof text, "no answer within %d ms", self->health_timeout_ms);
            answers[i] = json_pack ("{s:b, s:b, s:s}", "ok", 0, "slow", 1, "error", text);
            json_array_append_new (slow, json_string (s_services[i]));
            bc_client_reconnect (self->health[i]);
        }
        *all_ok &= json_is_true (json_object_get (answers[i], "ok"));
        json_object_set_new (services, s_services[i], answers[i]);
    }
    return json_pack ("{s:s, s:o, s:o}", "status", *all_ok ? "ok" : "degraded", "slow", slow,
                      "services", services);
}

json_t *
gateway_bus_health (gateway_bus_t *self, bool *all_ok)
{
    assert (self);
    int64_t arrived = s_now_ns ();
    pthread_mutex_lock (&self->health_lock);
    if (!self->last || self->last_done < arrived) {
        json_decref (self->last);
        self->last = s_health_round (self, &self->last_ok);
        self->last_done = s_now_ns ();
    }
    json_t *answer = json_deep_copy (self->last);
    *all_ok = self->last_ok;
    pthread_mutex_unlock (&self->health_lock);
    return answer;
}

ProtobufCMessage *
gateway_bus_ask (gateway_bus_t *bus, const gateway_req_t *req, const char *service,
                 const ProtobufCMessage *msg, const ProtobufCMessageDescriptor *type,
                 enum MHD_Result *out)
{
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (bus, service, req->principal, msg, &reply);
    ProtobufCMessage *payload = rc == BC_OK ? bc_envelope_payload (reply, type) : NULL;
    if (rc != BC_OK)
        *out = gateway_http_bus_error (req->conn, rc, reply, service);
    else if (!payload)
        *out = gateway_http_unexpected (req->conn, service);
    bc_envelope_destroy (&reply);
    return payload;
}
