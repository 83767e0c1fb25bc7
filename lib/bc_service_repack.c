/* bc_service_repack: the databases a service packs again when their pages
 * are mostly air (see bc_service.h, bc_service_repack; bc_store_repack.c
 * does the copying).
 *
 * Every <service>/repack/check_s (3600 s; 0: never), between batches and
 * in a read transaction (writers are not held up; the loop is, for the
 * walk: about 0.1 s at 1,000,000 records), each registered database's
 * records are measured against its leaf pages. When the pages exceed what
 * the records would fill packed by more than <service>/repack/waste_percent
 * (30) and at least 64 pages, the next batch repacks it, after its inputs,
 * in its transaction: the service takes nothing else meanwhile (see
 * docs/benchmarks.md for how long). Failing for space (MDB_MAP_FULL), the
 * batch grows the map and runs again, the repack with it; it is marked
 * done only once its batch committed. */
#include "bc_clock.h"
#include "bc_log.h"
#include "bc_service_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

void
bc_service_repack (bc_service_t *self, const char *db, const char *scratch)
{
    assert (self->nrepack < BC_MAX_REPACK);
    bc_repack_t *r = &self->repack[self->nrepack++];
    memset (r, 0, sizeof *r);
    snprintf (r->name, sizeof r->name, "%s", db);
    r->dbi = bc_service_dbi (self, db);
    r->scratch = bc_service_dbi (self, scratch);
    if (!self->repack_check_ms) {
        char key[96];
        snprintf (key, sizeof key, "%s/repack/check_s", self->base);
        self->repack_check_ms = bc_config_int (self->config, key, 3600) * 1000;
        snprintf (key, sizeof key, "%s/repack/waste_percent", self->base);
        self->repack_waste = (int) bc_config_int (self->config, key, 30);
        self->repack_next_ms = bc_mono_ms () + self->repack_check_ms;
    }
}

void
bc_repack_tick (bc_service_t *self, int64_t now_ms)
{
    if (!self->nrepack || self->repack_check_ms <= 0 || now_ms < self->repack_next_ms)
        return;
    self->repack_next_ms = now_ms + self->repack_check_ms;
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (self->store), NULL, MDB_RDONLY, &txn))
        return;
    for (int i = 0; i < self->nrepack; i++) {
        bc_repack_t *r = &self->repack[i];
        size_t leaf = 0, packed = 0;
        int64_t started = bc_mono_ms ();
        if (r->is_due || bc_store_measure (txn, r->dbi, &leaf, &packed))
            continue;
        int64_t walk_ms = bc_mono_ms () - started;
        if (leaf >= packed + 64 && (leaf - packed) * 100 > packed * (size_t) self->repack_waste) {
            r->is_due = 1;
            bc_info ("event=repack_due db=%s leaf_pages=%zu packed_pages=%zu walk_ms=%lld",
                     r->name, leaf, packed, (long long) walk_ms);
            bc_service_wake (self);
        }
        else
            bc_debug ("event=repack_checked db=%s leaf_pages=%zu packed_pages=%zu walk_ms=%lld",
                      r->name, leaf, packed, (long long) walk_ms);
    }
    mdb_txn_abort (txn);
}

int
bc_repack_in_batch (bc_service_t *self, bc_tx_t *tx)
{
    for (int i = 0; i < self->nrepack; i++) {
        bc_repack_t *r = &self->repack[i];
        if (!r->is_due)
            continue;
        int64_t started = bc_mono_ms ();
        size_t before = 0, after = 0;
        int rc = bc_store_repack (tx->txn, r->dbi, r->scratch, &before, &after);
        if (rc)
            return rc;
        r->in_batch = 1;
        r->pages_before = before;
        r->pages_after = after;
        r->ms = bc_mono_ms () - started;
    }
    return 0;
}

void
bc_repack_committed (bc_service_t *self, int is_committed)
{
    for (int i = 0; i < self->nrepack; i++) {
        bc_repack_t *r = &self->repack[i];
        if (!r->in_batch)
            continue;
        r->in_batch = 0;
        if (!is_committed)
            continue; /* due still: the batch runs again, or the next one */
        r->is_due = 0;
        bc_info ("event=records_repacked db=%s pages_before=%zu pages_after=%zu ms=%lld", r->name,
                 r->pages_before, r->pages_after, (long long) r->ms);
    }
}
