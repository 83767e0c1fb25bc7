/* router_people: people, queues and the fair choice of an agent. */
#include "router_people.h"

#include "bc_orgs.h"

#include "bc_store.h"
#include "bc_taxid.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
router_people_get (MDB_txn *txn, const router_people_dbs_t *dbs, const char *id,
                   Balcao__V1__Person **out)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    *out = NULL;
    int rc = mdb_get (txn, dbs->people, &k, &v);
    if (rc)
        return rc;
    *out = balcao__v1__person__unpack (NULL, v.mv_size, v.mv_data);
    return *out ? 0 : MDB_CORRUPTED;
}

int
router_people_put (MDB_txn *txn, const router_people_dbs_t *dbs, const Balcao__V1__Person *p)
{
    MDB_val k = {strlen (p->id), p->id}, v = {balcao__v1__person__get_packed_size (p), NULL};
    int rc = mdb_put (txn, dbs->people, &k, &v, MDB_RESERVE);
    if (rc == 0)
        balcao__v1__person__pack (p, v.mv_data);
    return rc;
}

/* The digits of text, into out (size bytes). */
static void
s_digits (const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < size; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = 0;
}

int
router_people_matches (const Balcao__V1__Person *p, const char *query)
{
    if (!query || !*query)
        return 1;
    if (strcasestr (p->id, query) || strcasestr (p->name, query) || strcasestr (p->email, query)
        || strcasestr (p->phone, query) || bc_taxid_matches (p->tax_id, query))
        return 1;
    /* "(11) 98765-4321" finds +5511987654321. */
    char q[64], phone[64];
    s_digits (query, q, sizeof q);
    s_digits (p->phone, phone, sizeof phone);
    return strlen (q) >= 3 && strlen (q) * 2 >= strlen (query) && strstr (phone, q) != NULL;
}

int
router_people_has_skill (const Balcao__V1__Person *agent, const char *category)
{
    /* Unclassified tickets are triage, every agent's job. */
    if (agent->n_skills == 0 || strcmp (category, "geral") == 0)
        return 1;
    for (size_t i = 0; i < agent->n_skills; i++)
        if (strcmp (agent->skills[i], category) == 0)
            return 1;
    return 0;
}

int
router_org_is_restricted (const char *restricted, const char *organization)
{
    return restricted && *restricted && organization && *organization
           && bc_orgs_has (restricted, organization);
}

int
router_people_serves (const router_people_dbs_t *dbs, const Balcao__V1__Person *agent,
                      const char *organization)
{
    if (!router_org_is_restricted (dbs->restricted, organization))
        return 1;
    for (size_t i = 0; i < agent->n_organizations; i++)
        if (bc_orgs_has (agent->organizations[i], organization))
            return 1;
    return 0;
}

int
router_people_pick (MDB_txn *txn, const router_people_dbs_t *dbs, const char *tier,
                    const char *category, const char *organization, char **out)
{
    *out = NULL;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, dbs->people, &cur);
    if (rc)
        return rc;
    static const char prefix[] = "agent:";
    MDB_val k = {sizeof prefix - 1, (void *) prefix}, v;
    uint32_t best_open = 0;
    uint64_t best_last = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= sizeof prefix - 1
           && memcmp (k.mv_data, prefix, sizeof prefix - 1) == 0) {
        Balcao__V1__Person *a = balcao__v1__person__unpack (NULL, v.mv_size, v.mv_data);
        if (a && strcmp (a->status, "online") == 0 && strcmp (a->tier, tier) == 0
            && a->open_tickets < a->capacity && router_people_has_skill (a, category)
            && router_people_serves (dbs, a, organization)
            && (!*out || a->open_tickets < best_open
                || (a->open_tickets == best_open && a->last_assigned < best_last))) {
            free (*out);
            *out = strdup (a->id);
            best_open = a->open_tickets;
            best_last = a->last_assigned;
        }
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_rank (const char *priority)
{
    static const char *const order[] = {"urgente", "alta", "normal", "baixa"};
    for (int i = 0; i < 4; i++)
        if (strcmp (priority, order[i]) == 0)
            return i;
    return 2;
}

void
router_queue_key (const Balcao__V1__Ticket *t, unsigned char key[19])
{
    key[0] = (unsigned char) t->tier[0];
    key[1] = (unsigned char) (t->tier[0] ? t->tier[1] : 0);
    key[2] = (unsigned char) s_rank (t->priority);
    bc_key_from_u64 ((uint64_t) t->created_us, key + 3);
    bc_key_from_u64 (t->number, key + 11);
}

int
router_queue_put (MDB_txn *txn, const router_people_dbs_t *dbs, const Balcao__V1__Ticket *t)
{
    unsigned char key[19];
    router_queue_key (t, key);
    MDB_val k = {19, key}, v = {0, ""};
    return mdb_put (txn, dbs->queue, &k, &v, 0);
}

int
router_queue_del (MDB_txn *txn, const router_people_dbs_t *dbs, const Balcao__V1__Ticket *t)
{
    unsigned char key[19];
    router_queue_key (t, key);
    MDB_val k = {19, key};
    int rc = mdb_del (txn, dbs->queue, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int
router_queue_walk (MDB_txn *txn, const router_people_dbs_t *dbs, const char *tier,
                   router_queue_fn *fn, void *arg)
{
    unsigned char prefix[2] = {(unsigned char) tier[0], (unsigned char) (tier[0] ? tier[1] : 0)};
    unsigned char from[19] = {prefix[0], prefix[1]};
    size_t from_len = 2;
    int rc = 0;
    /* fn may delete entries: read a page of numbers, then call fn, then
     * seek past the last key of the page. */
    while (1) {
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open (txn, dbs->queue, &cur)))
            return rc;
        uint64_t numbers[256];
        int n = 0;
        MDB_val k = {from_len, from}, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && from_len == 19 && memcmp (k.mv_data, from, 19) == 0)
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT); /* already seen */
        while (rc == 0 && n < 256 && k.mv_size == 19 && memcmp (k.mv_data, prefix, 2) == 0) {
            MDB_val num = {8, (char *) k.mv_data + 11};
            numbers[n++] = bc_key_to_u64 (&num);
            memcpy (from, k.mv_data, 19);
            from_len = 19;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        for (int i = 0; i < n; i++) {
            rc = fn (arg, numbers[i]);
            if (rc == 1)
                return 0;
            if (rc)
                return rc;
        }
        if (n < 256)
            return 0;
    }
}
