/* bc_keys: people's CURVE keys in a service's LMDB, for its ZAP handler. */
#include "bc_keys.h"

#include "bc_store.h"

#include "bc_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
bc_keys_attach (bc_keys_t *self, bc_service_t *svc)
{
    self->svc = svc;
    self->keys = bc_service_dbi (svc, "keys");
    self->key_of = bc_service_dbi (svc, "key_of");
    bc_service_set_key_lookup (svc, bc_keys_lookup, self);
}

int
bc_keys_on_person (bc_keys_t *self, MDB_txn *txn, const Balcao__V1__Person *person)
{
    MDB_val id = {strlen (person->id), person->id}, old;
    int rc = mdb_get (txn, self->key_of, &id, &old);
    if (rc == 0) {
        MDB_val k = old;
        if ((rc = mdb_del (txn, self->keys, &k, NULL)) && rc != MDB_NOTFOUND)
            return rc;
        if ((rc = mdb_del (txn, self->key_of, &id, NULL)))
            return rc;
    }
    else if (rc != MDB_NOTFOUND)
        return rc;
    /* A key registered on an open bus proves nothing: never admitted. */
    if (!*person->curve_key || !person->curve_key_checked)
        return 0;
    MDB_val key = {strlen (person->curve_key), person->curve_key};
    size_t n = strlen (BC_KEYS_CHECKED);
    char *owner = malloc (n + id.mv_size);
    if (!owner)
        return ENOMEM;
    memcpy (owner, BC_KEYS_CHECKED, n);
    memcpy (owner + n, person->id, id.mv_size);
    MDB_val v = {n + id.mv_size, owner};
    rc = mdb_put (txn, self->keys, &key, &v, 0);
    free (owner);
    if (rc)
        return rc;
    return mdb_put (txn, self->key_of, &id, &key, 0);
}

/* Runs on the ZAP thread: its own read transaction. */
char *
bc_keys_lookup (void *arg, const char *z85)
{
    bc_keys_t *self = arg;
    MDB_txn *txn;
    bc_store_t *store = bc_service_store (self->svc);
    if (bc_store_read_begin (store, &txn))
        return NULL;
    MDB_val k = {strlen (z85), (char *) z85}, v;
    char *who = mdb_get (txn, self->keys, &k, &v) == 0 ? strndup (v.mv_data, v.mv_size) : NULL;
    /* Entries from before keys were checked hold the bare person id; now
     * every entry starts with its mark. */
    if (who && strncmp (who, BC_KEYS_CHECKED, strlen (BC_KEYS_CHECKED)) == 0)
        memmove (who, who + strlen (BC_KEYS_CHECKED), strlen (who) - strlen (BC_KEYS_CHECKED) + 1);
    else if (who) {
        bc_warn ("event=key_refused person=%s reason=\"registered before keys were checked: register it again with balcao person-key\"",
                 who);
        free (who);
        who = NULL;
    }
    bc_store_read_end (store, txn);
    return who;
}
