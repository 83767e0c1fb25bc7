/* bc_service_erase: the runtime's part of an LGPD erasure (docs/
 * ARCHITECTURE.md, "LGPD: export and erasure"): a service scrubs its own
 * records with bc_scrub, and the runtime its log (so a replay never hands
 * the erased data out again), its stored replies and its quarantine; then,
 * after the commit, the store is compacted so no free page keeps the old
 * bytes (bc_tx_compact_after, bc_service_compact.c). */
#include "bc_service_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_scrub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
bc_scrub_db (MDB_txn *txn, MDB_dbi dbi, const ProtobufCMessageDescriptor *desc,
             bc_scrub_t *scrub, int learn, uint64_t *changed)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, dbi, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (learn) {
            bc_scrub_learn_packed (scrub, desc, v.mv_data, v.mv_size);
            continue;
        }
        uint8_t *out = NULL;
        size_t len = 0;
        if (bc_scrub_packed (scrub, desc, v.mv_data, v.mv_size, &out, &len) != 1)
            continue;
        rc = bc_cursor_replace (cur, &k, out, len);
        free (out);
        if (rc)
            break;
        if (changed)
            (*changed)++;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int
bc_tx_scrub_learn (bc_tx_t *tx, bc_scrub_t *scrub)
{
    bc_service_t *self = tx->svc;
    int rc = bc_scrub_db (tx->txn, self->db_log, NULL, scrub, 1, NULL);
    if (rc == 0)
        rc = bc_scrub_db (tx->txn, self->db_requests, NULL, scrub, 1, NULL);
    return rc;
}

int
bc_tx_scrub (bc_tx_t *tx, const bc_scrub_t *scrub, uint64_t *changed)
{
    bc_service_t *self = tx->svc;
    bc_scrub_t *s = (bc_scrub_t *) scrub;
    int rc = bc_scrub_db (tx->txn, self->db_log, NULL, s, 0, changed);
    if (rc == 0)
        rc = bc_scrub_db (tx->txn, self->db_requests, NULL, s, 0, changed);
    if (rc == 0)
        rc = bc_scrub_db (tx->txn, self->db_quarantine, &balcao__v1__quarantined_event__descriptor,
                          s, 0, changed);
    return rc;
}
