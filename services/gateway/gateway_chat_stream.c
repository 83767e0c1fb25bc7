/* gateway_chat_stream: see gateway_chat_stream.h.
 *
 * How a chat's news reach its visitor within about a second, without a
 * thread per stream:
 *
 * - One hub thread, every gateway/chat/poll_ms (250 ms) while someone is in
 *   a chat, Pings kb and the router (reads they answer from memory); after
 *   a visitor wrote, kb alone every 10 ms until the bot's answer came (3 s
 *   at most: the bot answers in a few milliseconds, docs/benchmarks.md).
 *   When
 *   kb's head moved, it asks kb for each live chat's conversation
 *   (GetConversation, as service:gateway) and keeps the BotReplied it had
 *   not seen. When the router's head moved, it looks for the ticket the
 *   chat's hand-off opened (ListTickets of the visitor's own tickets, as
 *   them: the e-mail they gave, or "chat:<id>" while anonymous; the ticket
 *   whose conversation is the chat's), then reads it (GetTicket as
 *   service:gateway: the public part only) for the agents' public replies
 *   and its status: a resolution waiting for the visitor's word is shown
 *   with its two answers (event "ticket", the latest status only: sent to
 *   each stream when it connects and when it changes; it carries no id).
 *   The router's and kb's PUB sockets, or their logs' replay, are only for
 *   balcao/log_readers (every event of every service: more than the
 *   gateway should hold); a Ping costs the services almost nothing.
 * - A live chat keeps, in memory, every item its stream shows (a bot reply
 *   or an agent's reply), formatted once, in order. A stream's cursor is
 *   (bot seq, agent replies) sent: both only grow, so a browser resuming
 *   with Last-Event-ID "B.A" gets exactly what came after, none twice.
 * - No stream has a thread: libmicrohttpd's event loops call the reader
 *   (gateway_sse_stream.c, as for gateway_sse.c's streams), which copies the
 *   items after the cursor or suspends the connection; the hub resumes it
 *   on news, when its ping is due (gateway/sse_ping_s) or when the browser
 *   hung up.
 * - A chat no stream watches any more is let go of (its last sign of life
 *   stored); every 5 s the hub looks for chats gone quiet for
 *   gateway/chat/idle_s (120 s) and ends them at kb (EndConversation: kb
 *   hands on what was not resolved; a later answer goes by e-mail). */
#include "gateway_chat_stream.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "gateway_sse_stream.h"

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Streams per chat (tabs of one visitor). */
#define S_PER_CHAT 4
/* After a visitor wrote: how often, and how long, the hub looks. */
#define S_FAST_MS 10
#define S_FAST_FOR_MS 3000

typedef struct {
    uint32_t bot, agent; /* the cursor after this item */
    char *text;          /* "event: …\ndata: …\n\n" */
} s_item_t;

typedef struct s_chat {
    char id[GATEWAY_CHAT_ID_LEN + 1];
    unsigned char key[GATEWAY_KEY_SIZE];
    uint32_t bot, agent; /* the highest known */
    bool is_loaded;      /* asked kb once */
    bool is_ended;
    int64_t awaiting_ms; /* mono: until then the visitor waits for the bot */
    char status[24];     /* the ticket's, as last seen; "" before one */
    uint32_t status_gen; /* bumped at each change */
    char *status_text;   /* its "event: ticket" */
    s_item_t *items;
    size_t n, cap;
    int conns;
    struct s_cstream *streams;
    struct s_chat *next;
} s_chat_t;

typedef struct s_cstream {
    gateway_chat_stream_t *hub;
    s_chat_t *chat;
    gateway_sse_stream_t *io; /* its connection (gateway_sse_stream.c) */
    uint32_t bot, agent;      /* sent */
    uint32_t status_gen;      /* the ticket status sent */
    bool told_ended;
    struct s_cstream *next;
} s_cstream_t;

struct gateway_chat_stream_t {
    gateway_bus_t *bus;
    gateway_store_t *store;
    int poll_ms, ping_s, idle_s, max_streams;
    pthread_mutex_t lock; /* everything below */
    pthread_cond_t nudge; /* a visitor wrote: look sooner */
    int64_t polled_ms;    /* mono: the last look at both services */
    s_chat_t *chats;
    int streams;
    bool stopping;
    uint64_t kb_head, router_head; /* as the hub last saw them */
    int64_t looked_ms, idle_checked_ms;
    pthread_t hub;
    bool has_hub;
};

/* ---------------------------------------------------------------------- */

int
gateway_chat_end_conversation (gateway_bus_t *bus, const char *id, bc_envelope_t **reply)
{
    char conversation[64];
    snprintf (conversation, sizeof conversation, "chat:%s", id);
    Balcao__V1__EndConversation req = BALCAO__V1__END_CONVERSATION__INIT;
    req.conversation = conversation;
    bc_envelope_t *answer = NULL;
    int rc = gateway_bus_call (bus, "kb", "service:gateway", &req.base, &answer);
    if (rc == BC_EREMOTE) {
        /* not_found: nothing was ever said to the bot; ended all the same. */
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (answer, &balcao__v1__error__descriptor);
        if (err && strcmp (err->code, "not_found") == 0)
            rc = BC_OK;
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
    }
    if (reply)
        *reply = answer;
    else
        bc_envelope_destroy (&answer);
    return rc;
}

/* Under the lock: appends an item, its cursor the chat's after it. */
static void
s_push (s_chat_t *c, const char *event, json_t *data)
{
    char *json = json_dumps (data, JSON_COMPACT);
    json_decref (data);
    if (!json)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        s_item_t *grown = realloc (c->items, cap * sizeof *grown);
        if (!grown) {
            free (json);
            return;
        }
        c->items = grown;
        c->cap = cap;
    }
    size_t size = strlen (json) + strlen (event) + 32;
    char *text = malloc (size);
    if (text)
        snprintf (text, size, "event: %s\ndata: %s\n\n", event, json);
    free (json);
    if (!text)
        return;
    c->items[c->n++] = (s_item_t) {c->bot, c->agent, text};
}

static json_t *
s_options (Balcao__V1__BotOption **list, size_t n)
{
    json_t *out = json_array ();
    for (size_t i = 0; i < n; i++)
        json_array_append_new (out, json_pack ("{s:s, s:s, s:s}", "id", list[i]->id, "title",
                                               list[i]->title, "description",
                                               list[i]->description));
    return out;
}

/* Under the lock: wakes the chat's suspended streams. */
static void
s_wake (s_chat_t *c)
{
    for (s_cstream_t *st = c->streams; st; st = st->next)
        gateway_sse_stream_resume (st->io);
}

/* The bot's replies to chat c not seen yet (kb's GetConversation). */
static void
s_look_kb (gateway_chat_stream_t *self, s_chat_t *c)
{
    char conversation[64];
    snprintf (conversation, sizeof conversation, "chat:%s", c->id);
    Balcao__V1__GetConversation req = BALCAO__V1__GET_CONVERSATION__INIT;
    req.conversation = conversation;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "kb", "service:gateway", &req.base, &reply);
    Balcao__V1__BotConversation *conv =
        rc == BC_OK ? (Balcao__V1__BotConversation *) bc_envelope_payload (
                          reply, &balcao__v1__bot_conversation__descriptor)
                    : NULL;
    bc_envelope_destroy (&reply);
    pthread_mutex_lock (&self->lock);
    /* Not there yet (no turn yet) is an answer too. */
    c->is_loaded = c->is_loaded || rc == BC_OK || rc == BC_EREMOTE;
    bool is_news = false;
    for (size_t i = 0; conv && i < conv->n_replies; i++) {
        Balcao__V1__BotReplied *r = conv->replies[i];
        uint32_t seq = r->seq ? r->seq : (uint32_t) (i + 1);
        if (seq <= c->bot)
            continue;
        c->bot = seq;
        c->awaiting_ms = 0; /* the answer came */
        s_push (c, "bot",
                json_pack ("{s:I, s:s, s:o, s:o, s:s, s:s, s:b, s:s, s:s}", "seq", (json_int_t) seq,
                           "text", r->text, "buttons", s_options (r->buttons, r->n_buttons),
                           "options", s_options (r->options, r->n_options), "options_label",
                           r->options_label, "article_url", r->article_url, "asks_contact",
                           r->asks_contact, "state", r->state, "language", r->language));
        is_news = true;
    }
    if (is_news)
        s_wake (c);
    pthread_mutex_unlock (&self->lock);
    if (conv)
        balcao__v1__bot_conversation__free_unpacked (conv, NULL);
}

/* The agents' public replies on chat c's ticket not seen yet. */
static void
s_look_ticket (gateway_chat_stream_t *self, s_chat_t *c, uint64_t number)
{
    Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
    req.number = number;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", "service:gateway", &req.base, &reply);
    Balcao__V1__Ticket *t = rc == BC_OK ? (Balcao__V1__Ticket *) bc_envelope_payload (
                                              reply, &balcao__v1__ticket__descriptor)
                                        : NULL;
    bc_envelope_destroy (&reply);
    if (!t)
        return; /* again at the ticket's next event */
    pthread_mutex_lock (&self->lock);
    uint32_t k = 0;
    bool is_news = false;
    for (size_t i = 0; i < t->n_messages; i++) {
        const Balcao__V1__TicketMessage *m = t->messages[i];
        if (m->is_internal || strcmp (m->direction, "outbound") != 0)
            continue;
        if (++k <= c->agent)
            continue;
        c->agent = k;
        char time_text[32] = "";
        time_t secs = (time_t) (m->time_us / 1000000);
        struct tm tm;
        if (gmtime_r (&secs, &tm))
            strftime (time_text, sizeof time_text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        s_push (c, "agent",
                json_pack ("{s:I, s:s, s:s, s:s, s:I}", "n", (json_int_t) k, "text", m->body,
                           "author", *m->author_name ? m->author_name : "", "time", time_text,
                           "ticket", (json_int_t) number));
        is_news = true;
    }
    if (strcmp (c->status, t->status) != 0) {
        /* "resolvido": the widget asks whether it solved the problem; the
         * answer is a chat message, read by the router as an e-mail's. */
        json_t *data = json_pack ("{s:I, s:s, s:s}", "ticket", (json_int_t) number, "status",
                                  t->status, "resolution",
                                  strcmp (t->status, "resolvido") == 0 ? t->resolution : "");
        char *json = data ? json_dumps (data, JSON_COMPACT) : NULL;
        json_decref (data);
        size_t size = json ? strlen (json) + 32 : 0;
        char *text = json ? malloc (size) : NULL;
        if (text) {
            snprintf (text, size, "event: ticket\ndata: %s\n\n", json);
            free (c->status_text);
            c->status_text = text;
            snprintf (c->status, sizeof c->status, "%s", t->status);
            c->status_gen++;
            is_news = true;
        }
        free (json);
    }
    if (is_news)
        s_wake (c);
    pthread_mutex_unlock (&self->lock);
    balcao__v1__ticket__free_unpacked (t, NULL);
}

/* The ticket chat c's hand-off opened, when there is one: the router's
 * list of the visitor's tickets (as them: the e-mail they gave, or the
 * chat's own address while anonymous), newest first. */
static uint64_t
s_find_ticket (gateway_chat_stream_t *self, s_chat_t *c)
{
    gateway_chat_rec_t rec;
    if (gateway_store_chat_get (self->store, c->key, &rec) != 0)
        return 0;
    if (rec.ticket)
        return rec.ticket;
    char customer[GATEWAY_ADDRESS_MAX + 16], principal[GATEWAY_ADDRESS_MAX + 32],
        conversation[64];
    snprintf (conversation, sizeof conversation, "chat:%s", c->id);
    snprintf (customer, sizeof customer, "%s", *rec.email ? rec.email : conversation);
    snprintf (principal, sizeof principal, "customer:%s", customer);
    Balcao__V1__ListTickets req = BALCAO__V1__LIST_TICKETS__INIT;
    req.customer = customer;
    req.limit = 20;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", principal, &req.base, &reply);
    Balcao__V1__TicketList *list = rc == BC_OK ? (Balcao__V1__TicketList *) bc_envelope_payload (
                                                     reply, &balcao__v1__ticket_list__descriptor)
                                               : NULL;
    bc_envelope_destroy (&reply);
    uint64_t number = 0;
    for (size_t i = 0; list && i < list->n_tickets && !number; i++)
        if (strcmp (list->tickets[i]->conversation, conversation) == 0)
            number = list->tickets[i]->number;
    if (list)
        balcao__v1__ticket_list__free_unpacked (list, NULL);
    if (number)
        gateway_store_chat_set (self->store, c->key, "ticket", (int64_t) number);
    return number;
}

/* ---------------------------------------------------------------------- */
/* Quiet chats */

typedef struct {
    int64_t before_us, prune_us;
    gateway_chat_stream_t *self;
    unsigned char keys[64][GATEWAY_KEY_SIZE];
    bool prune[64];
    size_t n;
} s_quiet_t;

static bool
s_quiet_one (void *arg, const unsigned char *key, const gateway_chat_rec_t *chat)
{
    s_quiet_t *q = arg;
    bool is_live = false;
    for (s_chat_t *c = q->self->chats; c && !is_live; c = c->next)
        is_live = memcmp (c->key, key, GATEWAY_KEY_SIZE) == 0;
    bool is_gone = !chat->ended_us && !is_live && chat->seen_us < q->before_us;
    bool is_old = chat->ended_us && chat->ended_us < q->prune_us;
    if (is_gone || is_old) {
        memcpy (q->keys[q->n], key, GATEWAY_KEY_SIZE);
        q->prune[q->n++] = is_old;
    }
    return q->n < 64;
}

/* The chats whose visitor has been gone for idle_s: kb is told they
 * ended. Ended chats over a week old are forgotten. */
static void
s_end_quiet (gateway_chat_stream_t *self)
{
    s_quiet_t *q = calloc (1, sizeof *q);
    if (!q)
        return;
    int64_t now = bc_now_us ();
    q->self = self;
    q->before_us = now - (int64_t) self->idle_s * 1000000;
    q->prune_us = now - 7LL * 86400 * 1000000;
    pthread_mutex_lock (&self->lock);
    gateway_store_chat_each (self->store, s_quiet_one, q);
    pthread_mutex_unlock (&self->lock);
    for (size_t i = 0; i < q->n; i++) {
        if (q->prune[i]) {
            gateway_store_chat_del (self->store, q->keys[i]);
            continue;
        }
        gateway_chat_rec_t rec;
        if (gateway_store_chat_get (self->store, q->keys[i], &rec) || rec.ended_us)
            continue;
        int rc = gateway_chat_end_conversation (self->bus, rec.id, NULL);
        if (rc == BC_OK) {
            gateway_store_chat_set (self->store, q->keys[i], "ended_us", bc_now_us ());
            bc_info ("event=chat_ended conversation=chat:%s why=idle rc=%d", rec.id, rc);
        }
    }
    free (q);
}

/* ---------------------------------------------------------------------- */
/* The hub */

static void
s_chat_free (s_chat_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free (c->items[i].text);
    free (c->items);
    free (c->status_text);
    free (c);
}

/* Under the lock: resumes streams whose ping is due or whose browser hung
 * up (at most every quarter second). */
static void
s_tend (gateway_chat_stream_t *self)
{
    time_t now = time (NULL);
    int64_t mono = zclock_mono ();
    bool look = mono - self->looked_ms >= 250;
    if (look)
        self->looked_ms = mono;
    for (s_chat_t *c = self->chats; c; c = c->next)
        for (s_cstream_t *st = c->streams; st; st = st->next)
            if (gateway_sse_stream_is_due (st->io, now, mono)
                || (look && gateway_sse_stream_is_suspended (st->io)
                    && gateway_sse_stream_hung_up (st->io)))
                gateway_sse_stream_resume (st->io);
}

/* Waits gateway/chat/poll_ms, or 10 ms while an answer is expected. */
static void
s_nap (gateway_chat_stream_t *self)
{
    pthread_mutex_lock (&self->lock);
    int64_t mono = zclock_mono ();
    bool is_awaited = false;
    for (s_chat_t *c = self->chats; c && !is_awaited; c = c->next)
        is_awaited = mono < c->awaiting_ms;
    int ms = is_awaited ? S_FAST_MS : self->poll_ms;
    if (!self->stopping) {
        struct timespec at;
        clock_gettime (CLOCK_MONOTONIC, &at);
        at.tv_sec += ms / 1000;
        at.tv_nsec += (long) (ms % 1000) * 1000000L;
        if (at.tv_nsec >= 1000000000L) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait (&self->nudge, &self->lock, &at);
    }
    pthread_mutex_unlock (&self->lock);
}

static void *
s_hub (void *arg)
{
    gateway_chat_stream_t *self = arg;
    while (1) {
        /* Let go of the chats no one watches, noting when they left. */
        unsigned char left[16][GATEWAY_KEY_SIZE];
        size_t n_left = 0;
        pthread_mutex_lock (&self->lock);
        for (s_chat_t **p = &self->chats; *p;) {
            s_chat_t *c = *p;
            if (c->conns == 0 && n_left < 16) {
                memcpy (left[n_left++], c->key, GATEWAY_KEY_SIZE);
                *p = c->next;
                s_chat_free (c);
            }
            else
                p = &c->next;
        }
        bool stop = self->stopping, idle = !self->chats;
        if (!stop)
            s_tend (self);
        pthread_mutex_unlock (&self->lock);
        if (stop)
            break;
        for (size_t i = 0; i < n_left; i++)
            gateway_store_chat_set (self->store, left[i], "seen_us", bc_now_us ());
        if (zclock_mono () - self->idle_checked_ms >= 5000) {
            self->idle_checked_ms = zclock_mono ();
            s_end_quiet (self);
        }
        if (!idle) {
            /* The live chats now; only the hub frees them. */
            s_chat_t *list[256];
            size_t n = 0;
            bool any_new = false;
            pthread_mutex_lock (&self->lock);
            for (s_chat_t *c = self->chats; c && n < 256; c = c->next) {
                list[n++] = c;
                any_new |= !c->is_loaded;
            }
            pthread_mutex_unlock (&self->lock);
            uint64_t head;
            if (gateway_bus_head (self->bus, "kb", &head) == BC_OK
                && (head != self->kb_head || any_new)) {
                self->kb_head = head;
                for (size_t i = 0; i < n; i++)
                    s_look_kb (self, list[i]);
            }
            /* The router changed: each chat's ticket, and what is new on it
             * (at gateway/chat/poll_ms; the quick looks are for the bot). */
            bool is_due = zclock_mono () - self->polled_ms >= self->poll_ms || any_new;
            if (is_due)
                self->polled_ms = zclock_mono ();
            if (is_due && gateway_bus_head (self->bus, "router", &head) == BC_OK
                && (head != self->router_head || any_new)) {
                self->router_head = head;
                for (size_t i = 0; i < n; i++) {
                    uint64_t number = s_find_ticket (self, list[i]);
                    if (number)
                        s_look_ticket (self, list[i], number);
                }
            }
        }
        s_nap (self);
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */

gateway_chat_stream_t *
gateway_chat_stream_new (bc_config_t *config, gateway_bus_t *bus, gateway_store_t *store)
{
    gateway_chat_stream_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    self->store = store;
    self->poll_ms = (int) bc_config_int (config, "gateway/chat/poll_ms", 250);
    self->idle_s = (int) bc_config_int (config, "gateway/chat/idle_s", 120);
    self->ping_s = (int) bc_config_int (config, "gateway/sse_ping_s", 15);
    self->max_streams = (int) bc_config_int (config, "gateway/chat/max_streams", 64);
    if (self->poll_ms < 10)
        self->poll_ms = 10;
    if (self->ping_s < 1)
        self->ping_s = 1;
    if (self->idle_s < 5)
        self->idle_s = 5;
    pthread_mutex_init (&self->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->nudge, &attr);
    pthread_condattr_destroy (&attr);
    if (pthread_create (&self->hub, NULL, s_hub, self) != 0) {
        bc_error ("event=chat_hub_failed reason=\"%s\"", strerror (errno));
        gateway_chat_stream_destroy (&self);
        return NULL;
    }
    self->has_hub = true;
    return self;
}

void
gateway_chat_stream_stop (gateway_chat_stream_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    for (s_chat_t *c = self->chats; c; c = c->next)
        s_wake (c);
    pthread_cond_signal (&self->nudge);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_chat_stream_destroy (gateway_chat_stream_t **self_p)
{
    gateway_chat_stream_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_signal (&self->nudge);
    pthread_mutex_unlock (&self->lock);
    if (self->has_hub)
        pthread_join (self->hub, NULL);
    while (self->chats) {
        s_chat_t *c = self->chats;
        self->chats = c->next;
        s_chat_free (c);
    }
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->nudge);
    free (self);
    *self_p = NULL;
}

void
gateway_chat_stream_expect (gateway_chat_stream_t *self, const char *id)
{
    pthread_mutex_lock (&self->lock);
    for (s_chat_t *c = self->chats; c; c = c->next)
        if (strcmp (c->id, id) == 0)
            c->awaiting_ms = zclock_mono () + S_FAST_FOR_MS;
    pthread_cond_signal (&self->nudge);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_chat_stream_ended (gateway_chat_stream_t *self, const char *id)
{
    pthread_mutex_lock (&self->lock);
    for (s_chat_t *c = self->chats; c; c = c->next)
        if (strcmp (c->id, id) == 0) {
            c->is_ended = true;
            s_wake (c);
        }
    pthread_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------------------- */
/* A stream */

/* Under the lock: the chat's items after the stream's cursor. */
static void
s_take (s_cstream_t *st)
{
    s_chat_t *c = st->chat;
    for (size_t i = 0; i < c->n; i++) {
        const s_item_t *it = &c->items[i];
        if (it->bot <= st->bot && it->agent <= st->agent)
            continue;
        if (it->bot > st->bot)
            st->bot = it->bot;
        if (it->agent > st->agent)
            st->agent = it->agent;
        gateway_sse_stream_printf (st->io, "id: %" PRIu32 ".%" PRIu32 "\n", st->bot, st->agent);
        gateway_sse_stream_append (st->io, it->text, strlen (it->text));
    }
    if (c->status_text && st->status_gen != c->status_gen) {
        st->status_gen = c->status_gen;
        gateway_sse_stream_append (st->io, c->status_text, strlen (c->status_text));
    }
    if (c->is_ended && !st->told_ended) {
        st->told_ended = true;
        gateway_sse_stream_append (st->io, "event: ended\ndata: {}\n\n", 23);
    }
}

/* Under the lock, from the stream's reader: the items, or the end once
 * the stream said the chat ended. */
static gateway_sse_stream_rc_t
s_stream_take (gateway_sse_stream_t *io, void *arg)
{
    (void) io;
    s_cstream_t *st = arg;
    if (st->hub->stopping || (st->told_ended && st->chat->is_ended))
        return GATEWAY_SSE_STREAM_END;
    s_take (st);
    return GATEWAY_SSE_STREAM_TAKEN;
}

/* Under the lock: the connection ended. */
static void
s_stream_closed (gateway_sse_stream_t *io, void *arg)
{
    (void) io;
    s_cstream_t *st = arg;
    for (s_cstream_t **p = &st->chat->streams; *p; p = &(*p)->next)
        if (*p == st) {
            *p = st->next;
            break;
        }
    st->chat->conns--;
    st->hub->streams--;
    free (st);
}

/* The chat's items are all in memory: take never says BEHIND. */
static const gateway_sse_stream_room_t s_room = {
    .take = s_stream_take,
    .closed = s_stream_closed,
};

/* "B.A" (Last-Event-ID, or ?after=): the cursor to resume from. */
static bool
s_parse_cursor (const char *text, uint32_t *bot, uint32_t *agent)
{
    size_t n = strlen (text);
    if (n < 3 || n > 21 || strspn (text, "0123456789.") != n)
        return false;
    char *end;
    errno = 0;
    unsigned long b = strtoul (text, &end, 10);
    if (end == text || *end != '.' || b > UINT32_MAX)
        return false;
    const char *second = end + 1;
    unsigned long a = strtoul (second, &end, 10);
    if (end == second || *end || a > UINT32_MAX || errno)
        return false;
    *bot = (uint32_t) b;
    *agent = (uint32_t) a;
    return true;
}

enum MHD_Result
gateway_chat_stream_open (gateway_chat_stream_t *self, gateway_req_t *req,
                          const unsigned char key[GATEWAY_KEY_SIZE], const gateway_chat_rec_t *chat)
{
    const char *last = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (!last)
        last = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "after");
    uint32_t bot = 0, agent = 0;
    if (last && *last && !s_parse_cursor (last, &bot, &agent))
        return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "Last-Event-ID: o id do último evento recebido (ex.: 3.1)",
                                   "Last-Event-ID: the id of the last event received (e.g. 3.1)");
    s_cstream_t *st = calloc (1, sizeof *st);
    if (st)
        st->io = gateway_sse_stream_new (req->conn, &self->lock, self->ping_s, &s_room, st);
    if (!st || !st->io) {
        free (st);
        return MHD_NO;
    }
    st->hub = self;
    st->bot = bot;
    st->agent = agent;
    pthread_mutex_lock (&self->lock);
    s_chat_t *c = NULL;
    for (c = self->chats; c && memcmp (c->key, key, GATEWAY_KEY_SIZE) != 0; c = c->next)
        ;
    bool too_many = (c && c->conns >= S_PER_CHAT) || self->streams >= self->max_streams;
    if (!c && !too_many && (c = calloc (1, sizeof *c))) {
        snprintf (c->id, sizeof c->id, "%s", chat->id);
        memcpy (c->key, key, GATEWAY_KEY_SIZE);
        c->is_ended = chat->ended_us != 0;
        c->next = self->chats;
        self->chats = c;
    }
    if (c && !too_many) {
        st->chat = c;
        st->next = c->streams;
        c->streams = st;
        c->conns++;
        self->streams++;
    }
    pthread_mutex_unlock (&self->lock);
    if (!st->chat) {
        gateway_sse_stream_destroy (&st->io);
        free (st);
        return gateway_http_json (
            req->conn, MHD_HTTP_TOO_MANY_REQUESTS,
            json_pack ("{s:s, s:s, s:s, s:i}", "error", "rate_limited", "message",
                       "too many open chat windows; close another tab and try again",
                       "message_pt", "há janelas de conversa demais abertas; feche outra aba e "
                       "tente de novo", "retry_after", 30),
            MHD_HTTP_HEADER_RETRY_AFTER, "30");
    }
    gateway_sse_stream_retry (st->io, 2000);
    return gateway_sse_stream_queue (st->io);
}
