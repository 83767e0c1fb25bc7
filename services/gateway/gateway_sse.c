/* gateway_sse: see gateway_sse.h.
 *
 * How a reply reaches every watching browser fast, for thousands of them:
 *
 * - One hub thread learns the router's head by a Ping every
 *   gateway/sse_poll_ms (20 ms) while someone watches. A Ping is a read the
 *   router answers from memory; it needs no change to the router or to
 *   balcao/log_readers (subscribing to the router's PUB socket would: its
 *   ZAP lets only the log readers in, and a log reader may read every
 *   customer's events, more than the gateway should hold). 50 Pings a
 *   second cost the router about 1% of a core (docs/benchmarks.md), and
 *   bound the wake-up delay to 20 ms (10 ms on average).
 * - When the head moves, the hub asks the router's feed (ReplayRequest as
 *   the person: the router's filter decides what they see) once per watch,
 *   all the requests at once on one socket (s_fan_out), and keeps the last
 *   events of each (a ring: gateway/sse_staff_ring for a class of staff,
 *   32,768 by default, about 10 s of a 1,000-tickets/s burst, so that a
 *   stream thread the scheduler leaves out a while does not have to ask the
 *   feed by itself, which with hundreds at once fed on itself;
 *   gateway/sse_ring for a person's own, 1,024), formatted once, in a "watch" shared by
 *   all its connections: one per customer, one per class of staff
 *   (s_feed_key: every agent sees the same events, unless the config
 *   restricts organizations).
 * - No stream has a thread of its own: libmicrohttpd serves them from its
 *   few event-loop threads (gateway_server.c). A stream's content reader
 *   (gateway_sse_stream.c, with the connection's plumbing)
 *   copies the events after its cursor, or, with nothing to send,
 *   suspends the connection. The hub resumes the suspended streams of a
 *   watch when it has put new events in, one whose `: ping` is due (every
 *   gateway/sse_ping_s, 15 s), and one whose browser hung up (it looks at
 *   their sockets every quarter of a second). 500 agents' streams cost a
 *   few threads woken once per batch, not 500 threads woken each: on two
 *   cores those wake-ups were half the gateway's time.
 *
 * A connection's cursor is the router seq up to which it has sent
 * everything the person may see. A browser resuming with Last-Event-ID L
 * starts at cursor L; when the watch's events do not reach back to L (a
 * long absence), the connection asks the feed itself until they do, so no
 * event is lost and, as only events after the cursor are sent, none comes
 * twice. After events the feed left out (other people's), an `id:` line
 * without data moves the browser's Last-Event-ID on (the browser keeps it
 * without firing an event), so a resume does not scan them again. */
#include "gateway_sse.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_id.h"
#include "bc_log.h"
#include "gateway_sse_event.h"
#include "gateway_sse_stream.h"
#include "gateway_webpath.h"

#include <czmq.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Events asked of the router in one ReplayRequest. */
#define GATEWAY_SSE_BATCH 500

typedef struct {
    uint64_t seq;
    char *text; /* "id: …\nevent: ticket\ndata: …\n\n" */
} s_event_t;

/* One feed's events, shared by its connections: a customer's, or a class
 * of staff's (s_feed_key). */
typedef struct s_watch {
    char *key;       /* s_feed_key */
    char *principal; /* asked as: the first to open it */
    int conns;
    /* Every event the person may see with from <= seq <= scanned is in the
     * ring (oldest at start). */
    uint64_t from, scanned;
    s_event_t *ring; /* cap slots, oldest at start */
    size_t cap, start, count;
    bool refused; /* the router refused this person's feed */
    struct s_stream *streams; /* its connections */
    struct s_watch *next;
} s_watch_t;

struct gateway_sse_t {
    gateway_bus_t *bus;
    gateway_presence_t *presence; /* or NULL */
    zlist_t *gone;                /* sessions whose last stream closed (for the hub) */
    int64_t swept_ms;             /* the presence's last sweep */
    bc_client_t *feed; /* the hub's own, for its pipelined feed requests */
    int poll_ms, ping_s, per_session, max_streams, timeout_ms;
    bool agents_apart; /* restricted organizations: a watch per agent */
    size_t staff_ring, ring; /* the watches' ring sizes (a class of staff's, a person's) */
    pthread_mutex_t lock; /* everything below, and every watch */
    s_watch_t *watches;
    uint64_t head;   /* the router's head as the hub last saw it */
    int64_t head_ms; /* when (zclock_mono; 0: never) */
    zhash_t *per_key; /* open streams per session (or token principal) */
    int streams;
    bool stopping;
    int64_t looked_ms;        /* the last look for browsers gone (s_tend) */
    struct pollfd *fds;       /* s_tend's */
    struct s_stream **fd_streams;
    size_t nfds;
    pthread_t hub;
    bool has_hub;
};

/* One stream. */
typedef struct s_stream {
    gateway_sse_t *sse;
    s_watch_t *watch;
    gateway_sse_stream_t *io; /* its connection (gateway_sse_stream.c) */
    uint64_t cursor, id_sent;
    char key[208];
    char principal[200]; /* its own person (the watch's may be a colleague) */
    bool is_staff;
    char *presence; /* presence events waiting for its reader (or NULL) */
    size_t presence_len;
    struct s_stream *next; /* the watch's */
} s_stream_t;

/* ---------------------------------------------------------------------- */

/* Which watch a person's streams read. The router's filter
 * (router_feed.c, s_may_see) shows every staff person of a class the same
 * events — every ticket's to agents; people's records too to supervisors
 * and admins — so the staff of a class share one watch, asked as the first
 * of them to open it: 500 agents cost one feed request per change, not
 * 500. Each customer has their own. Where the config restricts
 * organizations (router/access/restricted_organizations, the same file's
 * router section), agents see different events (each the tickets of the
 * organizations they serve), so each agent has their own watch. */
static void
s_feed_key (const gateway_sse_t *self, const char *principal, char *out, size_t size)
{
    if (strncmp (principal, "agent:", 6) == 0 && self->agents_apart)
        snprintf (out, size, "%s", principal);
    else if (strncmp (principal, "agent:", 6) == 0)
        snprintf (out, size, "staff:agents");
    else if (strncmp (principal, "supervisor:", 11) == 0 || strncmp (principal, "admin:", 6) == 0)
        snprintf (out, size, "staff:supervisors");
    else
        snprintf (out, size, "%s", principal);
}

/* A staff person's feed ("agent:…", "supervisor:…", "admin:…"). */
static bool
s_is_staff (const char *principal)
{
    return strncmp (principal, "agent:", 6) == 0 || strncmp (principal, "supervisor:", 11) == 0 ||
           strncmp (principal, "admin:", 6) == 0;
}

typedef void(s_sink_fn) (void *arg, uint64_t seq, char *text);

/* A ReplayReply of a person's feed asked from `from` on: each event shown
 * to sink (text owned by it), *scanned the last seq looked at, *head the
 * router's. Returns BC_OK, or BC_EREMOTE for an Error or anything else. */
static int
s_take_reply (const bc_envelope_t *reply, const char *principal, uint64_t from, s_sink_fn *sink,
              void *arg, uint64_t *scanned, uint64_t *head)
{
    Balcao__V1__ReplayReply *out = (Balcao__V1__ReplayReply *) bc_envelope_payload (
        reply, &balcao__v1__replay_reply__descriptor);
    if (!out)
        return BC_EREMOTE;
    uint64_t last = from - 1;
    for (size_t i = 0; i < out->n_events; i++) {
        bc_envelope_t *env = bc_envelope_unpack (out->events[i].data, out->events[i].len);
        if (!env)
            continue;
        if (env->seq > last) {
            last = env->seq;
            char *text = gateway_sse_event_text (env, s_is_staff (principal));
            if (text)
                sink (arg, env->seq, text);
        }
        bc_envelope_destroy (&env);
    }
    if (out->scanned_to > last)
        last = out->scanned_to;
    *scanned = last;
    *head = out->head_seq;
    balcao__v1__replay_reply__free_unpacked (out, NULL);
    return BC_OK;
}

/* One ReplayRequest of principal's feed from `from` on, waiting for it (a
 * connection's own thread). As s_take_reply; a bus error's reply is kept
 * in *error when asked, for the caller to answer with. */
static int
s_fetch (gateway_sse_t *self, const char *principal, uint64_t from, s_sink_fn *sink, void *arg,
         uint64_t *scanned, uint64_t *head, bc_envelope_t **error)
{
    Balcao__V1__ReplayRequest rr = BALCAO__V1__REPLAY_REQUEST__INIT;
    rr.from_seq = from;
    rr.max_events = GATEWAY_SSE_BATCH;
    bc_envelope_t *reply;
    int rc = gateway_bus_call (self->bus, "router", principal, &rr.base, &reply);
    if (rc != BC_OK) {
        if (error)
            *error = reply;
        else
            bc_envelope_destroy (&reply);
        return rc;
    }
    rc = s_take_reply (reply, principal, from, sink, arg, scanned, head);
    bc_envelope_destroy (&reply);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The hub */

static void
s_ring_push (void *arg, uint64_t seq, char *text)
{
    s_watch_t *w = arg;
    if (w->count == w->cap) {
        s_event_t *old = &w->ring[w->start];
        w->from = old->seq + 1;
        free (old->text);
        w->start = (w->start + 1) % w->cap;
        w->count--;
    }
    w->ring[(w->start + w->count) % w->cap] = (s_event_t) {seq, text};
    w->count++;
}

/* Events fetched outside the lock, put into the ring under it. */
typedef struct {
    uint64_t seq;
    char *text;
} s_pending_t;

typedef struct {
    s_pending_t items[GATEWAY_SSE_BATCH];
    size_t n;
} s_batch_t;

static void
s_batch_add (void *arg, uint64_t seq, char *text)
{
    s_batch_t *b = arg;
    if (b->n < GATEWAY_SSE_BATCH)
        b->items[b->n++] = (s_pending_t) {seq, text};
    else
        free (text);
}

/* Under the lock: resumes the watch's suspended streams that have
 * something to do (events after their cursor, or the watch refused), or
 * all of them. */
static void
s_wake (s_watch_t *w, bool all)
{
    for (s_stream_t *st = w->streams; st; st = st->next)
        if (all || w->refused || w->scanned > st->cursor)
            gateway_sse_stream_resume (st->io);
}

/* Under the lock, every poll: resumes the suspended streams whose ping is
 * due or whose retry time came and, every quarter of a second, those whose
 * browser hung up (one poll over their sockets), so that the reader ends
 * them and their slot is free at once. */
static void
s_tend (gateway_sse_t *self)
{
    time_t now = time (NULL);
    int64_t mono = zclock_mono ();
    bool look = mono - self->looked_ms >= 250;
    size_t n = 0;
    for (s_watch_t *w = self->watches; w; w = w->next)
        for (s_stream_t *st = w->streams; st; st = st->next) {
            if (gateway_sse_stream_is_due (st->io, now, mono))
                gateway_sse_stream_resume (st->io);
            else if (look && gateway_sse_stream_is_suspended (st->io)
                     && gateway_sse_stream_fd (st->io) >= 0)
                n++;
        }
    if (!look)
        return;
    self->looked_ms = mono;
    if (n > self->nfds) {
        struct pollfd *grown = realloc (self->fds, n * sizeof *grown);
        s_stream_t **owners = realloc (self->fd_streams, n * sizeof *owners);
        if (grown)
            self->fds = grown;
        if (owners)
            self->fd_streams = owners;
        if (!grown || !owners)
            return;
        self->nfds = n;
    }
    size_t k = 0;
    for (s_watch_t *w = self->watches; w; w = w->next)
        for (s_stream_t *st = w->streams; st && k < n; st = st->next)
            if (gateway_sse_stream_is_suspended (st->io) && gateway_sse_stream_fd (st->io) >= 0) {
                self->fds[k] =
                    (struct pollfd) {.fd = gateway_sse_stream_fd (st->io), .events = POLLRDHUP};
                self->fd_streams[k++] = st;
            }
    if (k == 0 || poll (self->fds, k, 0) <= 0)
        return;
    for (size_t i = 0; i < k; i++)
        if (self->fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
            gateway_sse_stream_resume (self->fd_streams[i]->io);
}

/* One feed request for each watch in list, all sent at once on the hub's
 * own socket (at most 256 in flight) and their replies taken as they come:
 * the router answers a batch of reads together, so 2,000 people watched
 * cost about one batch, not 2,000 round trips. A watch still behind after
 * its reply (more than GATEWAY_SSE_BATCH events) goes on at the next poll.
 * The hub alone fetches for watches and frees them, so they stay valid
 * while the lock is let go. */
static void
s_fan_out (gateway_sse_t *self, s_watch_t **list, size_t n)
{
    static s_batch_t batch; /* the hub's alone */
    char (*ids)[BC_ID_LEN + 1] = calloc (n, sizeof *ids);
    uint64_t *from = calloc (n, sizeof *from);
    zhash_t *index = zhash_new ();
    if (!ids || !from || !index) {
        free (ids);
        free (from);
        zhash_destroy (&index);
        return;
    }
    size_t next = 0, pending = 0;
    int64_t deadline = zclock_mono () + self->timeout_ms;
    while (next < n || pending > 0) {
        while (next < n && pending < 256) {
            s_watch_t *w = list[next];
            Balcao__V1__ReplayRequest rr = BALCAO__V1__REPLAY_REQUEST__INIT;
            rr.from_seq = from[next] = w->scanned + 1;
            rr.max_events = GATEWAY_SSE_BATCH;
            bc_id_new (ids[next]);
            bc_header_t h = {.id = ids[next], .source = "gateway", .principal = w->principal};
            size_t len;
            uint8_t *frame = bc_envelope_pack (&h, &rr.base, &len);
            if (frame && bc_client_send_raw (self->feed, frame, len) == BC_OK) {
                zhash_insert (index, ids[next], (void *) (uintptr_t) (next + 1));
                pending++;
            }
            free (frame);
            next++;
        }
        int64_t left = deadline - zclock_mono ();
        if (!pending || left <= 0)
            break;
        bc_envelope_t *reply;
        int rc = bc_client_recv (self->feed, (int) left, &reply);
        if (rc == BC_ETIMEOUT)
            break;
        uintptr_t slot = reply ? (uintptr_t) zhash_lookup (index, reply->correlation_id) : 0;
        if (!slot) {
            bc_envelope_destroy (&reply); /* a late answer to an earlier round */
            continue;
        }
        zhash_delete (index, reply->correlation_id);
        pending--;
        s_watch_t *w = list[slot - 1];
        uint64_t scanned = 0, head = 0;
        batch.n = 0;
        rc = rc == BC_OK ? s_take_reply (reply, w->principal, from[slot - 1], s_batch_add, &batch, &scanned, &head)
                         : rc;
        pthread_mutex_lock (&self->lock);
        if (rc == BC_OK) {
            for (size_t i = 0; i < batch.n; i++)
                s_ring_push (w, batch.items[i].seq, batch.items[i].text);
            if (scanned > w->scanned)
                w->scanned = scanned;
        }
        else
            w->refused = true;
        s_wake (w, false);
        pthread_mutex_unlock (&self->lock);
        bc_envelope_destroy (&reply);
    }
    /* Replies still owed: a fresh socket, so they cannot pile up. */
    if (pending)
        bc_client_reconnect (self->feed);
    zhash_destroy (&index);
    free (ids);
    free (from);
}

static void
s_watch_free (s_watch_t *w)
{
    for (size_t i = 0; i < w->count; i++)
        free (w->ring[(w->start + i) % w->cap].text);
    free (w->ring);
    free (w->principal);
    free (w->key);
    free (w);
}

/* ---------------------------------------------------------------------- */
/* Presence (gateway_presence.h): not the router's events, so no id and no
 * ring; each staff stream keeps the few waiting for its reader. */

/* A stream's presence text waiting beyond this is dropped: its reader is
 * far behind, and the next change says it all again. */
#define S_PRESENCE_WAITING 65536

/* Under the lock: ticket number's viewers to every staff stream that may
 * be told. The order of the locks is this one, then presence's. */
static void
s_presence_push (gateway_sse_t *self, uint64_t number)
{
    json_t *viewers = gateway_presence_viewers (self->presence, number);
    json_t *data = json_pack ("{s:I, s:o}", "number", (json_int_t) number, "viewers", viewers);
    char *json = data ? json_dumps (data, JSON_COMPACT) : NULL;
    json_decref (data);
    if (!json)
        return;
    size_t len = strlen (json) + 32;
    char *text = malloc (len);
    if (text)
        len = (size_t) snprintf (text, len, "event: presence\ndata: %s\n\n", json);
    free (json);
    if (!text)
        return;
    for (s_watch_t *w = self->watches; w; w = w->next)
        for (s_stream_t *st = w->streams; st; st = st->next) {
            if (!st->is_staff || st->presence_len + len > S_PRESENCE_WAITING
                || !gateway_presence_may_tell (self->presence, st->principal, number))
                continue;
            char *grown = realloc (st->presence, st->presence_len + len + 1);
            if (!grown)
                continue;
            memcpy (grown + st->presence_len, text, len + 1);
            st->presence = grown;
            st->presence_len += len;
            gateway_sse_stream_resume (st->io);
        }
    free (text);
}

void
gateway_sse_presence (gateway_sse_t *self, uint64_t number)
{
    assert (self);
    if (!self->presence)
        return;
    pthread_mutex_lock (&self->lock);
    s_presence_push (self, number);
    pthread_mutex_unlock (&self->lock);
}

static void
s_presence_changed (void *arg, uint64_t number)
{
    gateway_sse_presence (arg, number);
}

/* Under the lock, every poll: the sessions whose browser went away leave
 * their tickets; twice a second, entries past their time go. */
static void
s_presence_tend (gateway_sse_t *self)
{
    if (!self->presence)
        return;
    uint64_t changed[64];
    size_t n = 0;
    char *session;
    while ((session = zlist_pop (self->gone))) {
        /* A stream of the session may have opened since (a reload). */
        if (!zhash_lookup (self->per_key, session))
            n = gateway_presence_session_gone (self->presence, session, changed, 64);
        free (session);
        for (size_t i = 0; i < n; i++)
            s_presence_push (self, changed[i]);
        n = 0;
    }
    int64_t mono = zclock_mono ();
    if (mono - self->swept_ms < 500)
        return;
    self->swept_ms = mono;
    n = gateway_presence_sweep (self->presence, changed, 64);
    for (size_t i = 0; i < n; i++)
        s_presence_push (self, changed[i]);
}

static void *
s_hub (void *arg)
{
    gateway_sse_t *self = arg;
    while (1) {
        pthread_mutex_lock (&self->lock);
        /* Forget the people no one watches any more. */
        for (s_watch_t **p = &self->watches; *p;) {
            s_watch_t *w = *p;
            if (w->conns == 0) {
                *p = w->next;
                s_watch_free (w);
            }
            else
                p = &w->next;
        }
        bool stop = self->stopping, idle = !self->watches;
        if (!stop) {
            s_tend (self);
            s_presence_tend (self);
        }
        pthread_mutex_unlock (&self->lock);
        if (stop)
            break;
        uint64_t head;
        if (!idle && gateway_bus_head (self->bus, "router", &head) == BC_OK) {
            pthread_mutex_lock (&self->lock);
            self->head = head;
            self->head_ms = zclock_mono ();
            /* The watches now: new ones appended later wait for the next round. */
            size_t n = 0;
            for (s_watch_t *w = self->watches; w; w = w->next)
                n++;
            s_watch_t **list = malloc ((n ? n : 1) * sizeof *list);
            n = 0;
            for (s_watch_t *w = self->watches; w && list; w = w->next)
                if (w->scanned < head && !w->refused)
                    list[n++] = w;
            pthread_mutex_unlock (&self->lock);
            if (list && n)
                s_fan_out (self, list, n);
            free (list);
        }
        zclock_sleep ((int) self->poll_ms);
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */

gateway_sse_t *
gateway_sse_new (bc_config_t *config, gateway_bus_t *bus, gateway_presence_t *presence)
{
    gateway_sse_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    self->presence = presence;
    self->gone = zlist_new ();
    if (self->gone)
        zlist_autofree (self->gone);
    self->poll_ms = (int) bc_config_int (config, "gateway/sse_poll_ms", 20);
    self->ping_s = (int) bc_config_int (config, "gateway/sse_ping_s", 15);
    self->per_session = (int) bc_config_int (config, "gateway/sse_per_session", 8);
    int max_connections = (int) bc_config_int (config, "gateway/max_connections", 256);
    /* Streams stay open: leave a quarter of the connections to requests. */
    self->max_streams =
        (int) bc_config_int (config, "gateway/sse_max_streams", max_connections * 3 / 4);
    if (self->poll_ms < 1)
        self->poll_ms = 1;
    if (self->ping_s < 1)
        self->ping_s = 1;
    self->timeout_ms = (int) bc_config_int (config, "gateway/bus_timeout_ms", 2000);
    self->agents_apart = *bc_config_str (config, "router/access/restricted_organizations", "");
    int64_t staff_ring = bc_config_int (config, "gateway/sse_staff_ring", 32768);
    int64_t ring = bc_config_int (config, "gateway/sse_ring", 1024);
    self->staff_ring = (size_t) (staff_ring < 16 ? 16 : staff_ring > 1048576 ? 1048576 : staff_ring);
    self->ring = (size_t) (ring < 16 ? 16 : ring > 1048576 ? 1048576 : ring);
    pthread_mutex_init (&self->lock, NULL);
    self->per_key = zhash_new ();
    self->feed = bc_client_new_for (config, "router", "gateway");
    if (!self->feed || !self->gone) {
        gateway_sse_destroy (&self);
        return NULL;
    }
    if (pthread_create (&self->hub, NULL, s_hub, self) != 0) {
        bc_error ("event=sse_hub_failed reason=\"%s\"", strerror (errno));
        gateway_sse_destroy (&self);
        return NULL;
    }
    self->has_hub = true;
    if (presence)
        gateway_presence_on_change (presence, s_presence_changed, self);
    return self;
}

void
gateway_sse_stop (gateway_sse_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    for (s_watch_t *w = self->watches; w; w = w->next)
        s_wake (w, true);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_sse_destroy (gateway_sse_t **self_p)
{
    gateway_sse_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_mutex_unlock (&self->lock);
    if (self->has_hub)
        pthread_join (self->hub, NULL);
    /* The connections ended with the daemon, before this. */
    while (self->watches) {
        s_watch_t *w = self->watches;
        self->watches = w->next;
        s_watch_free (w);
    }
    zhash_destroy (&self->per_key);
    zlist_destroy (&self->gone);
    free (self->fds);
    free (self->fd_streams);
    bc_client_destroy (&self->feed);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

/* ---------------------------------------------------------------------- */
/* A stream */

static void
s_out_event (void *arg, uint64_t seq, char *text)
{
    s_stream_t *st = arg;
    (void) seq;
    gateway_sse_stream_append (st->io, text, strlen (text));
    free (text);
}

/* "id: N" alone: the browser's Last-Event-ID moves past events the feed
 * left out, without an event. */
static void
s_out_cursor (s_stream_t *st)
{
    if (st->cursor == st->id_sent)
        return;
    gateway_sse_stream_printf (st->io, "id: %llu\n\n", (unsigned long long) st->cursor);
    st->id_sent = st->cursor;
}

/* Under the lock: the watch's events after the cursor into the stream.
 * False when the ring does not reach back to the cursor. */
static bool
s_take (s_stream_t *st)
{
    s_watch_t *w = st->watch;
    if (st->cursor + 1 < w->from)
        return false;
    /* The ring's seqs rise: the first event after the cursor by halving
     * (500 streams wake on every batch; a scan of a full ring each would
     * cost more than the events). */
    size_t lo = 0, hi = w->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->ring[(w->start + mid) % w->cap].seq > st->cursor)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (size_t i = lo; i < w->count; i++) {
        const s_event_t *e = &w->ring[(w->start + i) % w->cap];
        gateway_sse_stream_append (st->io, e->text, strlen (e->text));
        st->cursor = st->id_sent = e->seq;
    }
    if (w->scanned > st->cursor)
        st->cursor = w->scanned;
    return true;
}

/* Under the lock, from the stream's reader: the watch's events, or BEHIND
 * when the ring does not reach back to the cursor. */
static gateway_sse_stream_rc_t
s_stream_take (gateway_sse_stream_t *io, void *arg)
{
    (void) io;
    s_stream_t *st = arg;
    if (st->sse->stopping || st->watch->refused)
        return GATEWAY_SSE_STREAM_END;
    if (st->presence) {
        gateway_sse_stream_append (st->io, st->presence, st->presence_len);
        free (st->presence);
        st->presence = NULL;
        st->presence_len = 0;
    }
    return s_take (st) ? GATEWAY_SSE_STREAM_TAKEN : GATEWAY_SSE_STREAM_BEHIND;
}

/* With a ping, the cursor moved past events the feed left out. */
static void
s_stream_pinged (gateway_sse_stream_t *io, void *arg)
{
    (void) io;
    s_out_cursor (arg);
}

/* Back from a long absence: ask the feed ourselves (outside the lock). */
static gateway_sse_stream_rc_t
s_stream_catch_up (gateway_sse_stream_t *io, void *arg)
{
    (void) io;
    s_stream_t *st = arg;
    uint64_t scanned, head;
    int rc = s_fetch (st->sse, st->watch->principal, st->cursor + 1, s_out_event, st, &scanned,
                      &head, NULL);
    if (rc == BC_EREMOTE)
        return GATEWAY_SSE_STREAM_END;
    if (rc != BC_OK)
        return GATEWAY_SSE_STREAM_RETRY; /* the router did not answer: again in a second */
    if (scanned > st->cursor)
        st->cursor = scanned;
    s_out_cursor (st);
    return GATEWAY_SSE_STREAM_TAKEN;
}

static void
s_release (gateway_sse_t *self, const char *key)
{
    intptr_t n = (intptr_t) zhash_lookup (self->per_key, key);
    if (n > 1)
        zhash_update (self->per_key, key, (void *) (n - 1));
    else
        zhash_delete (self->per_key, key);
    self->streams--;
}

/* Under the lock: the connection ended. */
static void
s_stream_closed (gateway_sse_stream_t *io, void *arg)
{
    (void) io;
    s_stream_t *st = arg;
    for (s_stream_t **p = &st->watch->streams; *p; p = &(*p)->next)
        if (*p == st) {
            *p = st->next;
            break;
        }
    st->watch->conns--;
    s_release (st->sse, st->key);
    /* The session's last stream: the hub takes its presence away (not
     * here: libmicrohttpd is finishing this connection). */
    if (st->is_staff && st->sse->presence && !zhash_lookup (st->sse->per_key, st->key))
        zlist_append (st->sse->gone, st->key);
    free (st->presence);
    free (st);
}

static const gateway_sse_stream_room_t s_room = {
    .take = s_stream_take,
    .pinged = s_stream_pinged,
    .catch_up = s_stream_catch_up,
    .closed = s_stream_closed,
};

/* The stream's start: where it resumes (Last-Event-ID), or the head. */
static bool
s_start_cursor (gateway_sse_t *self, gateway_req_t *req, uint64_t *cursor, enum MHD_Result *out)
{
    const char *last = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (!last)
        last = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "last_event_id");
    if (last && *last) {
        if (gateway_webpath_event_id (last, cursor))
            return true;
        *out = gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "Last-Event-ID deve ser o número de um evento (só dígitos)",
                                   "Last-Event-ID must be an event's number (digits only)");
        return false;
    }
    /* The router's head: the hub's when it is fresh (it pings only while
     * someone watches; a head a few polls old only means the events of
     * those few milliseconds come too), else asked now. */
    pthread_mutex_lock (&self->lock);
    bool fresh = self->head_ms && zclock_mono () - self->head_ms < 1000;
    *cursor = self->head;
    pthread_mutex_unlock (&self->lock);
    if (fresh)
        return true;
    int rc = gateway_bus_head (self->bus, "router", cursor);
    if (rc == BC_OK)
        return true;
    *out = gateway_http_bus_error (req->conn, rc == BC_EREMOTE ? BC_ETIMEOUT : rc, NULL, "router");
    return false;
}

static enum MHD_Result
s_events (gateway_sse_t *self, gateway_req_t *req)
{
    if (!req->signed_in && !req->by_token)
        return gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "entre na sua conta para acompanhar seus chamados",
                                   "sign in to follow your tickets");
    enum MHD_Result out;
    uint64_t cursor;
    if (!s_start_cursor (self, req, &cursor, &out))
        return out;
    s_stream_t *st = calloc (1, sizeof *st);
    if (st)
        st->io = gateway_sse_stream_new (req->conn, &self->lock, self->ping_s, &s_room, st);
    if (!st || !st->io) {
        free (st);
        return MHD_NO;
    }
    st->sse = self;
    st->cursor = cursor;
    snprintf (st->key, sizeof st->key, "%s",
              *req->session_key ? req->session_key : req->principal);
    snprintf (st->principal, sizeof st->principal, "%s", req->principal);
    st->is_staff = gateway_req_is_staff (req);
    /* The first look at the feed, here: a refusal is an HTTP answer. */
    uint64_t scanned, head;
    bc_envelope_t *error = NULL;
    int rc = s_fetch (self, req->principal, cursor + 1, s_out_event, st, &scanned, &head, &error);
    if (rc != BC_OK) {
        out = gateway_http_bus_error (req->conn, rc, error, "router");
        bc_envelope_destroy (&error);
        gateway_sse_stream_destroy (&st->io);
        free (st);
        return out;
    }
    if (scanned > st->cursor)
        st->cursor = scanned;
    pthread_mutex_lock (&self->lock);
    intptr_t mine = (intptr_t) zhash_lookup (self->per_key, st->key);
    bool too_many = mine >= self->per_session, full = self->streams >= self->max_streams;
    s_watch_t *w = NULL;
    if (!too_many && !full) {
        char feed[208];
        s_feed_key (self, req->principal, feed, sizeof feed);
        for (w = self->watches; w && strcmp (w->key, feed) != 0; w = w->next)
            ;
        if (!w && (w = calloc (1, sizeof *w))) {
            /* Deep for a class of staff: see the header. */
            w->cap = strncmp (feed, "staff:", 6) == 0 ? self->staff_ring : self->ring;
            w->ring = calloc (w->cap, sizeof *w->ring);
        }
        if (w && !w->ring) {
            free (w);
            w = NULL;
        }
        else if (w && !w->key) {
            w->key = strdup (feed);
            w->principal = strdup (req->principal);
            w->scanned = st->cursor;
            w->from = st->cursor + 1;
            w->next = self->watches;
            self->watches = w;
        }
        if (w) {
            st->watch = w;
            st->next = w->streams;
            w->streams = st;
            w->conns++;
            zhash_update (self->per_key, st->key, (void *) (mine + 1));
            self->streams++;
        }
    }
    pthread_mutex_unlock (&self->lock);
    if (!w) {
        gateway_sse_stream_destroy (&st->io);
        free (st);
        if (too_many)
            return gateway_http_json (
                req->conn, MHD_HTTP_TOO_MANY_REQUESTS,
                json_pack ("{s:s, s:s, s:s, s:i}", "error", "rate_limited", "message",
                           "too many live connections for this session; close another tab",
                           "message_pt",
                           "conexões ao vivo demais nesta sessão; feche outra aba",
                           "retry_after", 30),
                MHD_HTTP_HEADER_RETRY_AFTER, "30");
        return gateway_http_error (req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                   "o servidor está com conexões ao vivo demais; tente daqui a "
                                   "pouco",
                                   "the server has too many live connections; try again shortly");
    }
    /* The browser retries in 2 s; it knows where it is from the start. */
    gateway_sse_stream_retry (st->io, 2000);
    st->id_sent = 0;
    s_out_cursor (st);
    return gateway_sse_stream_queue (st->io);
}

bool
gateway_sse_route (gateway_sse_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    if (!gateway_http_path (req, "events", NULL))
        return false;
    if (req->is_write)
        *out = gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "este endereço não aceita este método",
                                   "this address does not take this method");
    else
        *out = s_events (self, req);
    return true;
}
