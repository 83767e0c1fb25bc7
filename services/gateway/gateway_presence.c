/* gateway_presence: see gateway_presence.h.
 *
 * Two small tables under one mutex, scanned whole: the entries (at most
 * gateway/presence_max, 4096 by default, a few microseconds to scan) and
 * the tickets the router showed each person lately (the same size; the
 * oldest is replaced). Times are the monotonic clock's. The change
 * function is called after the lock is let go: it takes the live streams'
 * lock, which may take this one (gateway_sse.c), never the other way. */
#include "gateway_presence.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "gateway_parse.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tickets of one session: an agent with more tabs than this is not
 * reading all of them. */
#define S_PER_SESSION 16
/* How long the router's "may read" answer is kept. */
#define S_MAY_READ_MS 60000
/* Router asks one GET /desk/presence may make (restricted organizations). */
#define S_ASKS_PER_LIST 64

typedef struct {
    uint64_t number;
    char principal[200];
    char name[160];
    char session[80];
    int64_t seen_ms;      /* the last heartbeat: the order viewers are shown */
    int64_t expires_ms;   /* the entry goes then */
    int64_t typing_until; /* 0: not typing */
} s_entry_t;

typedef struct {
    uint64_t number;
    char principal[200];
    int64_t until_ms;
} s_read_t;

struct gateway_presence_t {
    gateway_bus_t *bus;
    int64_t ttl_ms, typing_ms;
    bool agents_apart; /* restricted organizations: agents see different tickets */
    gateway_presence_changed_fn *changed;
    void *changed_arg;
    pthread_mutex_t lock;
    s_entry_t *entries;
    size_t n, cap;
    s_read_t *reads;
    size_t n_reads;
};

gateway_presence_t *
gateway_presence_new (bc_config_t *config, gateway_bus_t *bus)
{
    gateway_presence_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    int64_t ttl = bc_config_int (config, "gateway/presence_ttl_s", 30);
    int64_t typing = bc_config_int (config, "gateway/presence_typing_s", 8);
    int64_t cap = bc_config_int (config, "gateway/presence_max", 4096);
    self->ttl_ms = (ttl < 1 ? 1 : ttl > 3600 ? 3600 : ttl) * 1000;
    self->typing_ms = (typing < 1 ? 1 : typing > 600 ? 600 : typing) * 1000;
    self->cap = (size_t) (cap < 16 ? 16 : cap > 1000000 ? 1000000 : cap);
    self->agents_apart = *bc_config_str (config, "router/access/restricted_organizations", "");
    self->entries = calloc (self->cap, sizeof *self->entries);
    self->reads = calloc (self->cap, sizeof *self->reads);
    if (!self->entries || !self->reads) {
        gateway_presence_destroy (&self);
        return NULL;
    }
    pthread_mutex_init (&self->lock, NULL);
    return self;
}

void
gateway_presence_destroy (gateway_presence_t **self_p)
{
    gateway_presence_t *self = *self_p;
    if (!self)
        return;
    if (self->entries && self->reads)
        pthread_mutex_destroy (&self->lock);
    free (self->entries);
    free (self->reads);
    free (self);
    *self_p = NULL;
}

void
gateway_presence_on_change (gateway_presence_t *self, gateway_presence_changed_fn *fn, void *arg)
{
    assert (self);
    self->changed = fn;
    self->changed_arg = arg;
}

/* ---------------------------------------------------------------------- */
/* Who may read what */

static bool
s_is_agent (const char *principal)
{
    return strncmp (principal, "agent:", 6) == 0;
}

/* Under the lock: the router showed principal ticket number lately. */
static bool
s_has_read (gateway_presence_t *self, const char *principal, uint64_t number, int64_t now)
{
    for (size_t i = 0; i < self->n_reads; i++)
        if (self->reads[i].number == number && self->reads[i].until_ms > now
            && strcmp (self->reads[i].principal, principal) == 0)
            return true;
    return false;
}

/* Under the lock: remember it, in a free slot or the oldest one's. */
static void
s_remember_read (gateway_presence_t *self, const char *principal, uint64_t number, int64_t now)
{
    size_t slot = self->n_reads, oldest = 0;
    for (size_t i = 0; i < self->n_reads && slot == self->n_reads; i++)
        if (self->reads[i].until_ms <= now
            || (self->reads[i].number == number && strcmp (self->reads[i].principal, principal) == 0))
            slot = i;
        else if (self->reads[i].until_ms < self->reads[oldest].until_ms)
            oldest = i;
    if (slot == self->n_reads && self->n_reads == self->cap)
        slot = oldest;
    else if (slot == self->n_reads)
        self->n_reads++;
    s_read_t *r = &self->reads[slot];
    r->number = number;
    snprintf (r->principal, sizeof r->principal, "%s", principal);
    r->until_ms = now + S_MAY_READ_MS;
}

/* Asks the router whether req's person may read ticket number (GetTicket
 * as them), unless it said so lately. BC_OK, or the bus's code with its
 * refusal in *refusal (destroy it). */
static int
s_may_read (gateway_presence_t *self, const char *principal, uint64_t number,
            bc_envelope_t **refusal)
{
    *refusal = NULL;
    pthread_mutex_lock (&self->lock);
    bool known = s_has_read (self, principal, number, bc_mono_ms ());
    pthread_mutex_unlock (&self->lock);
    if (known)
        return BC_OK;
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", principal, &get.base, &reply);
    if (rc != BC_OK) {
        *refusal = reply;
        return rc;
    }
    bc_envelope_destroy (&reply);
    pthread_mutex_lock (&self->lock);
    s_remember_read (self, principal, number, bc_mono_ms ());
    pthread_mutex_unlock (&self->lock);
    return BC_OK;
}

bool
gateway_presence_may_tell (gateway_presence_t *self, const char *principal, uint64_t number)
{
    assert (self);
    if (!self->agents_apart || !s_is_agent (principal))
        return true;
    pthread_mutex_lock (&self->lock);
    bool may = s_has_read (self, principal, number, bc_mono_ms ());
    pthread_mutex_unlock (&self->lock);
    return may;
}

/* ---------------------------------------------------------------------- */
/* The table */

/* Under the lock: entry i goes (the last one takes its place). */
static void
s_remove (gateway_presence_t *self, size_t i)
{
    self->entries[i] = self->entries[--self->n];
}

/* Adds number to changed unless it is there. */
static size_t
s_note (uint64_t *changed, size_t n, size_t max, uint64_t number)
{
    for (size_t i = 0; i < n; i++)
        if (changed[i] == number)
            return n;
    if (n < max)
        changed[n++] = number;
    return n;
}

/* Under the lock: ticket number's viewers, one per person (typing when any
 * of their sessions types), the earliest heartbeat first. */
static json_t *
s_viewers (gateway_presence_t *self, uint64_t number, int64_t now)
{
    json_t *out = json_array ();
    const s_entry_t *mine[S_PER_SESSION * 4];
    size_t n = 0;
    for (size_t i = 0; i < self->n && n < sizeof mine / sizeof *mine; i++)
        if (self->entries[i].number == number)
            mine[n++] = &self->entries[i];
    /* By first heartbeat: a few entries, insertion sort. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && mine[j]->seen_ms < mine[j - 1]->seen_ms; j--) {
            const s_entry_t *x = mine[j];
            mine[j] = mine[j - 1];
            mine[j - 1] = x;
        }
    for (size_t i = 0; i < n; i++) {
        bool typing = mine[i]->typing_until > now, is_new = true;
        size_t k;
        json_t *v;
        json_array_foreach (out, k, v)
            if (strcmp (json_string_value (json_object_get (v, "principal")), mine[i]->principal) == 0) {
                is_new = false;
                if (typing)
                    json_object_set_new (v, "typing", json_true ());
            }
        if (is_new)
            json_array_append_new (out, json_pack ("{s:s, s:s, s:b}", "principal",
                                                   mine[i]->principal, "name", mine[i]->name,
                                                   "typing", typing));
    }
    return out;
}

json_t *
gateway_presence_viewers (gateway_presence_t *self, uint64_t number)
{
    assert (self);
    pthread_mutex_lock (&self->lock);
    json_t *out = s_viewers (self, number, bc_mono_ms ());
    pthread_mutex_unlock (&self->lock);
    return out;
}

size_t
gateway_presence_session_gone (gateway_presence_t *self, const char *session, uint64_t *changed,
                               size_t max)
{
    assert (self && session);
    size_t n = 0;
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < self->n;)
        if (strcmp (self->entries[i].session, session) == 0) {
            n = s_note (changed, n, max, self->entries[i].number);
            s_remove (self, i);
        }
        else
            i++;
    pthread_mutex_unlock (&self->lock);
    return n;
}

size_t
gateway_presence_sweep (gateway_presence_t *self, uint64_t *changed, size_t max)
{
    assert (self);
    size_t n = 0;
    int64_t now = bc_mono_ms ();
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < self->n;) {
        s_entry_t *e = &self->entries[i];
        if (e->expires_ms <= now) {
            n = s_note (changed, n, max, e->number);
            s_remove (self, i);
            continue;
        }
        if (e->typing_until && e->typing_until <= now) {
            e->typing_until = 0;
            n = s_note (changed, n, max, e->number);
        }
        i++;
    }
    pthread_mutex_unlock (&self->lock);
    return n;
}

typedef enum { S_VIEWING, S_TYPING, S_LEFT } s_state_t;

/* Under the lock: req's session views (or types on, or left) ticket
 * number. The tickets changed into changed (at most 2); false when the
 * table is full. */
static bool
s_set (gateway_presence_t *self, const gateway_req_t *req, uint64_t number, s_state_t state,
       uint64_t changed[2], size_t *n_changed)
{
    int64_t now = bc_mono_ms ();
    *n_changed = 0;
    size_t found = self->n, mine = 0, oldest = self->n;
    for (size_t i = 0; i < self->n; i++) {
        const s_entry_t *e = &self->entries[i];
        if (strcmp (e->session, req->session_key) != 0)
            continue;
        if (e->number == number)
            found = i;
        else {
            mine++;
            if (oldest == self->n || e->expires_ms < self->entries[oldest].expires_ms)
                oldest = i;
        }
    }
    if (state == S_LEFT) {
        if (found < self->n) {
            s_remove (self, found);
            changed[(*n_changed)++] = number;
        }
        return true;
    }
    if (found == self->n) {
        /* A session's many tabs: the one it looked at longest ago goes. */
        if (mine >= S_PER_SESSION && oldest < self->n) {
            changed[(*n_changed)++] = self->entries[oldest].number;
            s_remove (self, oldest);
        }
        if (self->n == self->cap)
            return false;
        found = self->n++;
        s_entry_t *e = &self->entries[found];
        memset (e, 0, sizeof *e);
        e->number = number;
        snprintf (e->principal, sizeof e->principal, "%s", req->principal);
        const char *at = strchr (req->principal, ':');
        snprintf (e->name, sizeof e->name, "%s", *req->name ? req->name : at ? at + 1 : "");
        snprintf (e->session, sizeof e->session, "%s", req->session_key);
        e->seen_ms = now;
        changed[(*n_changed)++] = number;
    }
    s_entry_t *e = &self->entries[found];
    bool was_typing = e->typing_until > now, is_typing = state == S_TYPING;
    e->expires_ms = now + self->ttl_ms;
    e->typing_until = is_typing ? now + self->typing_ms : 0;
    if (was_typing != is_typing && (*n_changed == 0 || changed[*n_changed - 1] != number))
        changed[(*n_changed)++] = number;
    return true;
}

/* ---------------------------------------------------------------------- */
/* The rooms */

static enum MHD_Result
s_answer (gateway_presence_t *self, gateway_req_t *req, uint64_t number)
{
    return gateway_http_json (req->conn, MHD_HTTP_OK,
                              json_pack ("{s:I, s:o}", "number", (json_int_t) number, "viewers",
                                         gateway_presence_viewers (self, number)),
                              NULL, NULL);
}

/* The state a POST's body names, or false. */
static bool
s_state_of (const json_t *body, s_state_t *state)
{
    const char *s = json_string_value (json_object_get (body, "state"));
    if (!s)
        return false;
    if (strcmp (s, "viewing") == 0)
        *state = S_VIEWING;
    else if (strcmp (s, "typing") == 0)
        *state = S_TYPING;
    else if (strcmp (s, "left") == 0)
        *state = S_LEFT;
    else
        return false;
    return true;
}

/* /desk/tickets/N/presence. */
static enum MHD_Result
s_one (gateway_presence_t *self, gateway_req_t *req, uint64_t number)
{
    s_state_t state = S_VIEWING;
    if (req->is_write && !s_state_of (req->body_json, &state))
        return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "o campo \"state\" é \"viewing\" (vendo o chamado), "
                                   "\"typing\" (escrevendo uma resposta) ou \"left\" (saiu)",
                                   "the field \"state\" is \"viewing\" (reading the ticket), "
                                   "\"typing\" (writing a reply) or \"left\"");
    /* Leaving needs no one's permission: it only takes the caller's own
     * entry away. */
    if (!(req->is_write && state == S_LEFT)) {
        bc_envelope_t *refusal;
        int rc = s_may_read (self, req->principal, number, &refusal);
        if (rc != BC_OK) {
            enum MHD_Result out = gateway_http_bus_error (req->conn, rc, refusal, "router");
            bc_envelope_destroy (&refusal);
            return out;
        }
    }
    if (!req->is_write)
        return s_answer (self, req, number);
    uint64_t changed[2];
    size_t n_changed;
    pthread_mutex_lock (&self->lock);
    bool is_set = s_set (self, req, number, state, changed, &n_changed);
    pthread_mutex_unlock (&self->lock);
    for (size_t i = 0; i < n_changed && self->changed; i++)
        self->changed (self->changed_arg, changed[i]);
    if (!is_set)
        return gateway_http_error (req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                   "gente demais com chamados abertos agora; tente daqui a pouco",
                                   "too many people have tickets open right now; try again "
                                   "shortly");
    return s_answer (self, req, number);
}

/* GET /desk/presence: every ticket someone views that the caller may read. */
static enum MHD_Result
s_all (gateway_presence_t *self, gateway_req_t *req)
{
    uint64_t numbers[256];
    size_t n = 0;
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < self->n; i++)
        n = s_note (numbers, n, sizeof numbers / sizeof *numbers, self->entries[i].number);
    pthread_mutex_unlock (&self->lock);
    json_t *tickets = json_array ();
    int asks = 0;
    for (size_t i = 0; i < n; i++) {
        bool may = gateway_presence_may_tell (self, req->principal, numbers[i]);
        if (!may && asks < S_ASKS_PER_LIST) {
            asks++;
            bc_envelope_t *refusal;
            may = s_may_read (self, req->principal, numbers[i], &refusal) == BC_OK;
            bc_envelope_destroy (&refusal);
        }
        json_t *viewers = may ? gateway_presence_viewers (self, numbers[i]) : NULL;
        if (viewers && json_array_size (viewers))
            json_array_append_new (tickets, json_pack ("{s:I, s:o}", "number",
                                                       (json_int_t) numbers[i], "viewers",
                                                       viewers));
        else
            json_decref (viewers);
    }
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "tickets", tickets),
                              NULL, NULL);
}

bool
gateway_presence_route (gateway_presence_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    const char *rest = NULL;
    bool is_all = gateway_http_path (req, "desk/presence", NULL);
    char digits[24];
    uint64_t number = 0;
    if (!is_all) {
        if (!gateway_http_path (req, "desk/tickets/*", &rest))
            return false;
        size_t n = strcspn (rest, "/");
        if (strcmp (rest + n, "/presence") != 0)
            return false;
        if (n == 0 || n >= sizeof digits)
            return false;
        memcpy (digits, rest, n);
        digits[n] = 0;
        if (!gateway_parse_ticket_number (digits, &number))
            return false;
    }
    if (!gateway_http_staff_only (req, out))
        return true;
    if (is_all)
        *out = req->is_write ? gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                                   "method_not_allowed",
                                                   "este endereço não aceita este método",
                                                   "this address does not take this method")
                             : s_all (self, req);
    else
        *out = s_one (self, req, number);
    return true;
}
