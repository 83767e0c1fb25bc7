/* bc_service_erase: the runtime's part of an LGPD erasure (docs/
 * ARCHITECTURE.md, "LGPD: export and erasure"): a service scrubs its own
 * records with bc_scrub, and the runtime its log (so a replay never hands
 * the erased data out again), its stored replies and its quarantine; then,
 * after the commit, the store is compacted so no free page keeps the old
 * bytes. A mark file (compact.pending) written before the commit makes a
 * restart finish a compaction a crash cut short. */
#include "bc_service_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_scrub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
s_mark_path (bc_service_t *self, char *path, size_t size)
{
    snprintf (path, size, "%s/compact.pending", self->dir);
}

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

void
bc_tx_compact_after (bc_tx_t *tx)
{
    bc_service_t *self = tx->svc;
    if (self->compact_due)
        return;
    char path[4200];
    s_mark_path (self, path, sizeof path);
    bc_store_mark (path);
    self->compact_due = 1;
}

void
bc_service_compact_if_due (bc_service_t *self, int at_start)
{
    /* Called at every turn of the loop: nothing but the flag unless due. */
    if (!at_start && !self->compact_due)
        return;
    char path[4200];
    s_mark_path (self, path, sizeof path);
    if (at_start)
        self->compact_due = access (path, F_OK) == 0;
    if (!self->compact_due)
        return;
    /* Behind a source (a retention sweep's erasures one after another):
     * once, when caught up. The mark covers a stop meanwhile. */
    for (int i = 0; !at_start && i < self->nsources; i++)
        if (self->sources[i].source_head > self->sources[i].applied)
            return;
    if (!at_start && getenv ("BALCAO_FAILPOINT_COMPACT")) {
        /* Tests: a crash between an erasure's commit and its compaction. */
        bc_warn ("event=failpoint what=compact");
        bc_log_flush ();
        _exit (70);
    }
    int64_t t0 = bc_mono_ms ();
    if (t0 < self->compact_retry_ms)
        return;
    uint64_t before = 0, after = 0;
    int rc = bc_store_compact (self->store, &before, &after);
    if (rc && bc_store_is_broken (self->store)) {
        /* The swap happened and the store would not open again: stop; a
         * restart opens it (the mark makes it compact then). */
        bc_error ("event=compact_failed reason=\"%s\" what_to_do=\"check the disk; the service "
                  "compacts its store when it starts again\"",
                  bc_store_strerror (rc));
        exit (75);
    }
    if (rc) {
        /* The copy failed (a full disk): the store is as it was and serves
         * on; the copy is tried again in a minute, never in a loop. */
        bc_error ("event=compact_failed reason=\"%s\" what_to_do=\"free disk space: the erased "
                  "data stays in the store's free pages until it compacts (tried again each "
                  "minute)\"",
                  bc_store_strerror (rc));
        self->compact_retry_ms = t0 + 60000;
        return;
    }
    unlink (path);
    self->compact_due = 0;
    bc_info ("event=store_compacted reason=erasure from_bytes=%llu to_bytes=%llu ms=%lld%s",
             (unsigned long long) before, (unsigned long long) after,
             (long long) (bc_mono_ms () - t0), at_start ? " at_start=1" : "");
}
