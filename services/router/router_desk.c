/* router_desk: the dashboard's views of the tickets (GetQueue, with its
 * views and filters, and GetQueueCounts). The views live in their own
 * database, changed by router_put_ticket in the same transaction as every
 * ticket change, so a view never lags its tickets, even after kill -9.
 *
 * LMDB "desk" (a key's first byte names its family):
 *   'q' tier(2) rank(1) created_us(8 BE) ticket(8 BE) -> ""  unassigned and
 *        not yet resolved: the tier's queue (view "tier", QueueCounts.n1..n3)
 *   'o' tier(2) rank(1) created_us(8 BE) ticket(8 BE) -> ""  not yet
 *        resolved, assigned or not (view "open", QueueCounts.open_n1..n3)
 *   'm' agent id (lower case) 0 ticket(8 BE) -> ""  assigned and not yet
 *        resolved, or resolved with an answer to judge (view "mine";
 *        Ticket.awaits_judgement, and 'o' for one nobody has)
 *   'w' agent id (lower case) 0 ticket(8 BE) -> ""  assigned and
 *        aguardando_cliente (view "waiting")
 *   'Q' tier(2) organization 0 ticket(8 BE) -> ""  as 'q', and 'O' as 'o',
 *        for a ticket of an organization (lower case, spaces trimmed):
 *        only counted, so that an agent's QueueCounts leave out the
 *        restricted organizations' tickets they do not serve
 *   'r' ticket(8 BE) -> the keys above the ticket is under now, each after
 *        its length (1 byte): what to take away when it changes
 *   'c' group -> u64 BE, how many keys the group holds; a group is a key
 *        without its order and ticket ('o' + tier; 'm' + agent id + 0;
 *        'Q' + tier + organization + 0)
 * meta "desk_index" -> u64 BE 1 once the views hold every ticket: a store
 * from before them is indexed once, in the first transaction after start.
 *
 * Counting: with counters, never a walk. An unfiltered view's total and
 * QueueCounts read the 'c' keys; a page seeks to the view, skips offset keys
 * without reading their tickets (key-only), and unpacks only the page. A
 * filtered view unpacks the tickets it looks at, at most S_FILTER_SCAN. */
#include "router_internal.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_DESK_VERSION 2 /* 2: the organizations' counts */
#define S_FILTER_SCAN  20000
#define S_MAX_OFFSET   10000
#define S_MAX_LIMIT    200
#define S_KEYS_SIZE    1400
/* A by-agent key's buffer: router_name_key keeps it under 255 bytes. */
#define S_NAME_KEY     240

/* The length of key's group (the part its counter is kept for). */
static size_t
s_group_len (const unsigned char *key, size_t len)
{
    return key[0] == 'o' || key[0] == 'q' ? 3 : len - 8; /* 'm', 'w', 'O', 'Q' */
}

static int
s_count_add (MDB_txn *txn, MDB_dbi dbi, const unsigned char *key, size_t len, int delta)
{
    unsigned char ckey[S_KEYS_SIZE];
    size_t glen = s_group_len (key, len);
    ckey[0] = 'c';
    memcpy (ckey + 1, key, glen);
    MDB_val k = {glen + 1, ckey}, v;
    uint64_t count = 0;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        count = bc_key_to_u64 (&v);
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    count = delta < 0 && count == 0 ? 0 : count + (uint64_t) (int64_t) delta;
    if (count == 0) {
        rc = mdb_del (txn, dbi, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    unsigned char value[8];
    bc_key_from_u64 (count, value);
    MDB_val cv = {8, value};
    return mdb_put (txn, dbi, &k, &cv, 0);
}

/* Appends one key (length first) to the list in buf. */
static void
s_keys_add (unsigned char *buf, size_t *used, size_t size, const unsigned char *key, size_t len)
{
    if (len > 255 || *used + 1 + len > size)
        return;
    buf[(*used)++] = (unsigned char) len;
    memcpy (buf + *used, key, len);
    *used += len;
}

/* family + tier + organization (lower case, spaces trimmed) + 0: the
 * group of an organization's keys; its length, 0 when it does not fit. */
static size_t
s_org_group (char family, const char *tier, const char *organization, unsigned char *out,
             size_t size)
{
    while (*organization == ' ')
        organization++;
    size_t len = strlen (organization);
    while (len && organization[len - 1] == ' ')
        len--;
    if (!len || 3 + len + 1 + 8 > size || 3 + len + 1 + 8 > 255)
        return 0;
    out[0] = (unsigned char) family;
    out[1] = (unsigned char) tier[0];
    out[2] = (unsigned char) (tier[0] ? tier[1] : 0);
    for (size_t i = 0; i < len; i++)
        out[3 + i] = (unsigned char) (organization[i] >= 'A' && organization[i] <= 'Z'
                                          ? organization[i] - 'A' + 'a'
                                          : organization[i]);
    out[3 + len] = 0;
    return 3 + len + 1;
}

/* The keys ticket t belongs under now, as a list for s_keys_add. */
static size_t
s_keys_of (const Balcao__V1__Ticket *t, unsigned char *buf, size_t size)
{
    size_t used = 0;
    unsigned char key[S_NAME_KEY];
    if (router_is_done (t->status)) {
        if (!t->awaits_judgement || strcmp (t->status, "resolvido") != 0)
            return 0;
        /* The customer's answer needs a person: back in front of one. */
        if (*t->assignee)
            s_keys_add (buf, &used, size, key,
                        router_name_key ("m", t->assignee, t->number, key, sizeof key));
        else {
            router_queue_key (t, key + 1);
            key[0] = 'o';
            s_keys_add (buf, &used, size, key, 20);
        }
        return used;
    }
    size_t olen = s_org_group ('O', t->tier, t->organization, key, sizeof key);
    if (olen) {
        bc_key_from_u64 (t->number, key + olen);
        s_keys_add (buf, &used, size, key, olen + 8);
        if (!*t->assignee) {
            key[0] = 'Q';
            s_keys_add (buf, &used, size, key, olen + 8);
        }
    }
    router_queue_key (t, key + 1);
    key[0] = 'o';
    s_keys_add (buf, &used, size, key, 20);
    if (!*t->assignee) {
        key[0] = 'q';
        s_keys_add (buf, &used, size, key, 20);
        return used;
    }
    size_t len = router_name_key ("m", t->assignee, t->number, key, sizeof key);
    s_keys_add (buf, &used, size, key, len);
    if (strcmp (t->status, "aguardando_cliente") == 0) {
        key[0] = 'w';
        s_keys_add (buf, &used, size, key, len);
    }
    return used;
}

static int
s_keys_have (const unsigned char *buf, size_t used, const unsigned char *key, size_t len)
{
    for (size_t at = 0; at < used; at += 1 + buf[at])
        if (buf[at] == len && memcmp (buf + at + 1, key, len) == 0)
            return 1;
    return 0;
}

/* Puts or takes away each key of `these` that `others` lacks, counting it
 * when it was really added or removed. */
static int
s_keys_apply (MDB_txn *txn, MDB_dbi dbi, const unsigned char *these, size_t these_used,
              const unsigned char *others, size_t others_used, int put)
{
    int rc = 0;
    for (size_t at = 0; at < these_used && rc == 0; at += 1 + these[at]) {
        const unsigned char *key = these + at + 1;
        size_t len = these[at];
        if (s_keys_have (others, others_used, key, len))
            continue;
        MDB_val k = {len, (void *) key}, v = {0, ""};
        rc = put ? mdb_put (txn, dbi, &k, &v, MDB_NOOVERWRITE) : mdb_del (txn, dbi, &k, NULL);
        if (rc == 0)
            rc = s_count_add (txn, dbi, key, len, put ? 1 : -1);
        else if (rc == MDB_KEYEXIST || rc == MDB_NOTFOUND)
            rc = 0;
    }
    return rc;
}

int
router_desk_index (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t)
{
    unsigned char now[S_KEYS_SIZE], was[S_KEYS_SIZE];
    size_t now_used = s_keys_of (t, now, sizeof now), was_used = 0;
    unsigned char rkey[9] = {'r'};
    bc_key_from_u64 (t->number, rkey + 1);
    MDB_val rk = {9, rkey}, rv;
    int rc = mdb_get (txn, self->db_desk, &rk, &rv);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (rc == 0) {
        if (rv.mv_size == now_used && memcmp (rv.mv_data, now, now_used) == 0)
            return 0;
        /* Copied: the writes below may move the page it points into. */
        was_used = rv.mv_size <= sizeof was ? rv.mv_size : 0;
        memcpy (was, rv.mv_data, was_used);
    }
    if ((rc = s_keys_apply (txn, self->db_desk, was, was_used, now, now_used, 0))
        || (rc = s_keys_apply (txn, self->db_desk, now, now_used, was, was_used, 1)))
        return rc;
    if (!now_used) {
        rc = mdb_del (txn, self->db_desk, &rk, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    MDB_val nv = {now_used, now};
    return mdb_put (txn, self->db_desk, &rk, &nv, 0);
}

int
router_desk_build (router_t *self, bc_tx_t *tx)
{
    MDB_txn *txn = bc_tx_txn (tx);
    uint64_t version = 0;
    int rc = bc_store_get_u64 (txn, self->db_meta, "desk_index", &version);
    if (rc == 0 && version == S_DESK_VERSION)
        return 0;
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if ((rc = mdb_drop (txn, self->db_desk, 0)))
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_tickets, &cur)))
        return rc;
    size_t n = 0;
    MDB_val k, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        Balcao__V1__Ticket *t = balcao__v1__ticket__unpack (NULL, v.mv_size, v.mv_data);
        if (!t) {
            rc = MDB_CORRUPTED;
            break;
        }
        rc = router_desk_index (self, txn, t);
        balcao__v1__ticket__free_unpacked (t, NULL);
        n++;
        if (rc == 0)
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    bc_info ("event=desk_index_built tickets=%zu version=%d", n, S_DESK_VERSION);
    return bc_store_put_u64 (txn, self->db_meta, "desk_index", S_DESK_VERSION);
}

/* How many keys a group (a view's prefix) holds. */
static int
s_count (router_t *self, MDB_txn *txn, const unsigned char *group, size_t len, uint64_t *out)
{
    unsigned char ckey[S_KEYS_SIZE];
    ckey[0] = 'c';
    memcpy (ckey + 1, group, len);
    MDB_val k = {len + 1, ckey}, v;
    *out = 0;
    int rc = mdb_get (txn, self->db_desk, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        *out = bc_key_to_u64 (&v);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The prefix of a view's keys ('q'/'o' + tier, 'm'/'w' + agent id + 0). */
static size_t
s_view_prefix (char family, const char *tier, const char *agent, unsigned char *out, size_t size)
{
    if (family == 'q' || family == 'o') {
        out[0] = (unsigned char) family;
        out[1] = (unsigned char) tier[0];
        out[2] = (unsigned char) (tier[0] ? tier[1] : 0);
        return 3;
    }
    size_t len = router_name_key ("m", agent, 0, out, size);
    out[0] = (unsigned char) family;
    return len;
}

static int
s_is_filtered (const Balcao__V1__GetQueue *q)
{
    return *q->category || *q->priority || *q->channel || *q->customer || *q->organization;
}

/* customer: part of the customer's address or name; organization: part of
 * its name (both without case, as an agent types them in the filters). */
static int
s_matches (const Balcao__V1__GetQueue *q, const Balcao__V1__Ticket *t)
{
    return (!*q->category || strcmp (q->category, t->category) == 0)
           && (!*q->priority || strcmp (q->priority, t->priority) == 0)
           && (!*q->channel || strcmp (q->channel, t->channel) == 0)
           && (!*q->customer || strcasestr (t->customer_address, q->customer)
               || strcasestr (t->customer_name, q->customer))
           && (!*q->organization || strcasestr (t->organization, q->organization));
}

typedef struct {
    Balcao__V1__Ticket **list;
    size_t n;
    uint64_t total;
    int truncated;
} s_page_t;

/* One page of the view whose keys start with prefix: the tickets after
 * the offset first matches, most limit of them. */
static int
s_view_page (router_t *self, MDB_txn *txn, const unsigned char *prefix, size_t plen,
             const Balcao__V1__GetQueue *q, const char *who, uint32_t limit, s_page_t *page)
{
    /* An agent who may not see every ticket (restricted organizations)
     * pages through the tickets themselves, as a filter does. */
    int filtered = s_is_filtered (q)
                   || (*self->pdbs.restricted && strncmp (who, "agent:", 6) == 0);
    int rc = filtered ? 0 : s_count (self, txn, prefix, plen, &page->total);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_desk, &cur)))
        return rc;
    MDB_val k = {plen, (void *) prefix}, v;
    uint64_t skipped = 0, matches = 0, looked = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= plen + 8 && memcmp (k.mv_data, prefix, plen) == 0) {
        if (!filtered && skipped < q->offset) {
            skipped++; /* key-only: its ticket is never read */
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
            continue;
        }
        if (!filtered && page->n >= limit)
            break;
        if (filtered && looked == S_FILTER_SCAN) {
            page->truncated = 1;
            break;
        }
        looked++;
        MDB_val num = {8, (char *) k.mv_data + k.mv_size - 8};
        int grc;
        Balcao__V1__Ticket *t = router_get_ticket (self, txn, bc_key_to_u64 (&num), &grc);
        if (grc && grc != MDB_NOTFOUND) {
            rc = grc;
            break;
        }
        int keep = t
                   && (!filtered
                       || (s_matches (q, t) && !router_hides (self, txn, who, t)
                           && ++matches > q->offset));
        if (keep && page->n < limit)
            page->list[page->n++] = t;
        else if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (filtered)
        page->total = matches;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_refuse_non_staff (bc_tx_t *tx, bc_reply_t *reply)
{
    if (router_is_agent (bc_tx_principal (tx)))
        return 0;
    bc_reply_error (reply, "forbidden", "as filas são da equipe de suporte",
                    "the queues are for the support team");
    return 1;
}

static int
s_queue (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
         bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__GetQueue *req = (const Balcao__V1__GetQueue *) payload;
    if (s_refuse_non_staff (tx, reply))
        return 0;
    const char *view = *req->view ? req->view : req->mine ? "mine" : "tier";
    char family = strcmp (view, "tier") == 0      ? 'q'
                  : strcmp (view, "open") == 0    ? 'o'
                  : strcmp (view, "mine") == 0    ? 'm'
                  : strcmp (view, "waiting") == 0 ? 'w'
                                                  : 0;
    if (!family) {
        bc_reply_error (reply, "invalid", "a visão é tier, mine, waiting ou open",
                        "view is tier, mine, waiting or open");
        return 0;
    }
    if ((family == 'q' || family == 'o') && !router_tier_is_valid (req->tier)) {
        bc_reply_error (reply, "invalid", "o nível é N1, N2 ou N3", "tier is N1, N2 or N3");
        return 0;
    }
    if (*req->priority && !router_priority_is_valid (req->priority)) {
        bc_reply_error (reply, "invalid", "a prioridade é baixa, normal, alta ou urgente",
                        "priority is baixa, normal, alta or urgente");
        return 0;
    }
    if (req->offset > S_MAX_OFFSET) {
        bc_reply_error (reply, "invalid", "o deslocamento vai até %d; use os filtros para achar o resto",
                        "offset goes up to %d; use the filters to find the rest", S_MAX_OFFSET);
        return 0;
    }
    uint32_t limit = !req->limit ? 50 : req->limit > S_MAX_LIMIT ? S_MAX_LIMIT : req->limit;
    unsigned char prefix[S_NAME_KEY];
    size_t plen = s_view_prefix (family, req->tier, bc_tx_principal (tx), prefix, sizeof prefix);
    s_page_t page = {calloc (limit, sizeof *page.list), 0, 0, 0};
    int rc = s_view_page (self, bc_tx_txn (tx), prefix, plen, req, bc_tx_principal (tx), limit,
                          &page);
    if (rc == 0) {
        Balcao__V1__TicketList out = BALCAO__V1__TICKET_LIST__INIT;
        out.tickets = page.list;
        out.n_tickets = page.n;
        out.total = page.total;
        out.truncated = page.truncated;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < page.n; i++)
        balcao__v1__ticket__free_unpacked (page.list[i], NULL);
    free (page.list);
    return rc;
}

static int
s_counts (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request, (void) payload;
    router_t *self = state;
    if (s_refuse_non_staff (tx, reply))
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    const char *who = bc_tx_principal (tx);
    Balcao__V1__QueueCounts out = BALCAO__V1__QUEUE_COUNTS__INIT;
    uint64_t *queued[3] = {&out.n1, &out.n2, &out.n3};
    uint64_t *open[3] = {&out.open_n1, &out.open_n2, &out.open_n3};
    static const char *const tiers[3] = {"N1", "N2", "N3"};
    unsigned char prefix[S_NAME_KEY];
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        size_t plen = s_view_prefix ('q', tiers[i], who, prefix, sizeof prefix);
        if ((rc = s_count (self, txn, prefix, plen, queued[i])) == 0) {
            plen = s_view_prefix ('o', tiers[i], who, prefix, sizeof prefix);
            rc = s_count (self, txn, prefix, plen, open[i]);
        }
    }
    /* An agent does not count the tickets of the restricted organizations
     * they do not serve (router_hides): they cannot see them. */
    Balcao__V1__Person *p = NULL;
    if (rc == 0 && *self->pdbs.restricted && strncmp (who, "agent:", 6) == 0
        && router_people_get (txn, &self->pdbs, who, &p) == 0) {
        for (const char *at = self->pdbs.restricted; at && *at && rc == 0;) {
            const char *end = strchr (at, ';');
            char org[200];
            snprintf (org, sizeof org, "%.*s", (int) (end ? (size_t) (end - at) : strlen (at)), at);
            at = end ? end + 1 : NULL;
            if (router_people_serves (&self->pdbs, p, org))
                continue;
            for (int i = 0; i < 3 && rc == 0; i++) {
                uint64_t hidden = 0;
                size_t glen = s_org_group ('Q', tiers[i], org, prefix, sizeof prefix);
                if (glen && (rc = s_count (self, txn, prefix, glen, &hidden)) == 0)
                    *queued[i] -= hidden <= *queued[i] ? hidden : *queued[i];
                prefix[0] = 'O';
                if (glen && rc == 0 && (rc = s_count (self, txn, prefix, glen, &hidden)) == 0)
                    *open[i] -= hidden <= *open[i] ? hidden : *open[i];
            }
        }
        balcao__v1__person__free_unpacked (p, NULL);
    }
    size_t plen = s_view_prefix ('m', "", who, prefix, sizeof prefix);
    if (rc == 0 && (rc = s_count (self, txn, prefix, plen, &out.mine)) == 0) {
        plen = s_view_prefix ('w', "", who, prefix, sizeof prefix);
        rc = s_count (self, txn, prefix, plen, &out.waiting);
    }
    if (rc == 0)
        bc_reply_ok (reply, &out.base);
    return rc;
}

void
router_desk_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__get_queue__descriptor, 0, s_queue);
    bc_service_on_command (svc, &balcao__v1__get_queue_counts__descriptor, 0, s_counts);
}
