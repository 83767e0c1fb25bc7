/* gateway_store_forget: the LGPD erasure in the gateway's store
 * (gateway_erasures.c asks): the accounts of the people the router erased,
 * with their sessions, link tokens and web chats, deleted in one
 * transaction, then the store compacted; and the number the erasures
 * thread keeps in `meta`. */
#include "gateway_store_internal.h"

#include "bc_log.h"
#include "bc_scrub.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char (*hashes)[65];
    size_t nhashes;
    char (*gone)[GATEWAY_ADDRESS_MAX + 1]; /* the accounts deleted */
    size_t ngone;
} s_forget_t;

static bool
s_gone (const s_forget_t *f, const char *address)
{
    for (size_t i = 0; address && i < f->ngone; i++)
        if (strcasecmp (f->gone[i], address) == 0)
            return true;
    return false;
}

/* accounts: the subject's (the hash of "customer:" + the address). */
static int
s_pick_account (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    s_forget_t *f = arg;
    char person[GATEWAY_ADDRESS_MAX + 16], hex[65];
    if (k->mv_size > GATEWAY_ADDRESS_MAX)
        return 0;
    snprintf (person, sizeof person, "customer:%.*s", (int) k->mv_size, (const char *) k->mv_data);
    bc_scrub_subject_hash (person, hex);
    for (size_t i = 0; i < f->nhashes; i++)
        if (strcmp (f->hashes[i], hex) == 0) {
            char (*g)[GATEWAY_ADDRESS_MAX + 1] = realloc (f->gone, (f->ngone + 1) * sizeof *g);
            if (!g)
                return 0;
            f->gone = g;
            snprintf (f->gone[f->ngone++], GATEWAY_ADDRESS_MAX + 1, "%.*s", (int) k->mv_size,
                      (const char *) k->mv_data);
            return 1;
        }
    return 0;
}

/* sessions, tokens ("address"), chats ("email"): a deleted account's. */
static int
s_pick_record (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) k;
    json_t *o = json_loadb (v->mv_data, v->mv_size, 0, NULL);
    bool gone = o && (s_gone (arg, json_string_value (json_object_get (o, "address")))
                      || s_gone (arg, json_string_value (json_object_get (o, "email"))));
    json_decref (o);
    return gone;
}

/* by_address: owner ‖ 0x00 ‖ session key, of a deleted account. */
static int
s_pick_index (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    const char *key = k->mv_data;
    size_t n = strnlen (key, k->mv_size);
    char owner[GATEWAY_ADDRESS_MAX + 1];
    if (n >= k->mv_size || n > GATEWAY_ADDRESS_MAX)
        return 0;
    snprintf (owner, sizeof owner, "%.*s", (int) n, key);
    return s_gone (arg, owner);
}

int
gateway_store_forget (gateway_store_t *self, char (*hashes)[65], size_t nhashes,
                      unsigned *accounts)
{
    *accounts = 0;
    s_forget_t f = {hashes, nhashes, NULL, 0};
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, 0, &txn);
    if (rc)
        return rc;
    rc = bc_store_delete_where (txn, self->accounts, s_pick_account, &f, accounts);
    MDB_dbi records[] = {self->sessions, self->tokens, self->chats};
    for (int i = 0; rc == 0 && f.ngone && i < 3; i++)
        rc = bc_store_delete_where (txn, records[i], s_pick_record, &f, NULL);
    if (rc == 0 && f.ngone)
        rc = bc_store_delete_where (txn, self->by_address, s_pick_index, &f, NULL);
    free (f.gone);
    rc = gateway_store_end (self, txn, rc);
    if (rc == 0 && (*accounts || self->compact_pending)) {
        /* No free page keeps what was deleted. */
        uint64_t before, after;
        rc = bc_store_compact (self->store, &before, &after);
        self->compact_pending = rc != 0;
        if (rc == 0)
            bc_info ("event=store_compacted reason=erasure from_bytes=%llu to_bytes=%llu",
                     (unsigned long long) before, (unsigned long long) after);
    }
    return rc;
}

int
gateway_store_meta_u64 (gateway_store_t *self, const char *key, uint64_t *value, bool set)
{
    MDB_txn *txn;
    int rc = bc_store_txn_begin (self->store, set ? 0 : MDB_RDONLY, &txn);
    if (rc)
        return rc;
    if (!set) {
        rc = bc_store_get_u64 (txn, self->meta, key, value);
        bc_store_txn_abort (self->store, txn);
        return rc;
    }
    return gateway_store_end (self, txn, bc_store_put_u64 (txn, self->meta, key, *value));
}
