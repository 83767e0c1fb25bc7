/* intake_erase: intake's part of an LGPD erasure (docs/ARCHITECTURE.md,
 * "LGPD: export and erasure"). On the router's PersonErased: the files
 * that came only with the subject's messages are deleted (record and
 * bytes), the thread ids of their tickets forgotten (a later e-mail opens
 * a new record), and intake's log, stored replies and quarantine scrubbed;
 * the store is compacted after the commit. */
#include "intake_internal.h"

#include "intake_attach.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"

#include "bc_log.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const bc_scrub_t *scrub;
    char (*shas)[65]; /* files whose refs went */
    size_t nshas;
} s_pick_t;

/* attachment_refs: SHA-256 hex ‖ message ref, of one of the subject's
 * messages (the file's id noted). */
static int
s_pick_ref (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    s_pick_t *p = arg;
    char ref[64];
    size_t rl = k->mv_size > 64 ? k->mv_size - 64 : 0;
    if (!rl || rl >= sizeof ref)
        return 0;
    memcpy (ref, (const char *) k->mv_data + 64, rl);
    ref[rl] = 0;
    if (!bc_scrub_has_ref (p->scrub, ref))
        return 0;
    if (!p->nshas || memcmp (p->shas[p->nshas - 1], k->mv_data, 64) != 0) {
        char (*g)[65] = realloc (p->shas, (p->nshas + 1) * sizeof *g);
        if (!g)
            return 1;
        p->shas = g;
        memcpy (p->shas[p->nshas], k->mv_data, 64);
        p->shas[p->nshas++][64] = 0;
    }
    return 1;
}

/* threads: a message id that leads to one of the subject's tickets. */
static int
s_pick_thread (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) k;
    const bc_scrub_t *scrub = arg;
    return v->mv_size == 8 && bc_scrub_has_ticket (scrub, bc_key_to_u64 (v));
}

/* The refs of the subject's messages to files go; then each file no
 * other message brought goes (its record and its bytes). */
static int
s_files (intake_t *self, MDB_txn *txn, const bc_scrub_t *scrub, unsigned *files)
{
    s_pick_t pick = {scrub, NULL, 0};
    int rc = bc_store_delete_where (txn, self->db_attachment_refs, s_pick_ref, &pick, NULL);
    for (size_t i = 0; rc == 0 && i < pick.nshas; i++) {
        MDB_val fk = {64, pick.shas[i]}, fv;
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open (txn, self->db_attachment_refs, &cur)))
            break;
        int other = mdb_cursor_get (cur, &fk, &fv, MDB_SET_RANGE) == 0 && fk.mv_size > 64
                    && memcmp (fk.mv_data, pick.shas[i], 64) == 0;
        mdb_cursor_close (cur);
        if (other)
            continue;
        MDB_val ak = {64, pick.shas[i]};
        rc = mdb_del (txn, self->db_attachments, &ak, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        char path[4400];
        intake_attach_path (path, sizeof path, self->attach_root, pick.shas[i]);
        if (unlink (path) == 0)
            (*files)++;
    }
    free (pick.shas);
    return rc;
}

int
intake_erase (intake_t *self, bc_tx_t *tx, const bc_envelope_t *ev)
{
    bc_scrub_t *scrub = bc_scrub_from_event (ev->payload.data, ev->payload.len);
    if (!scrub)
        return bc_tx_fail (tx, "PersonErased that does not decode");
    MDB_txn *txn = bc_tx_txn (tx);
    unsigned files = 0;
    uint64_t changed = 0;
    int rc = bc_tx_scrub_learn (tx, scrub);
    if (rc == 0)
        rc = s_files (self, txn, scrub, &files);
    if (rc == 0)
        rc = bc_store_delete_where (txn, self->db_threads, s_pick_thread, scrub, NULL);
    if (rc == 0)
        rc = bc_scrub_db (txn, self->db_attachments, &balcao__v1__attachment__descriptor, scrub, 0,
                          &changed);
    if (rc == 0)
        rc = bc_tx_scrub (tx, scrub, &changed);
    if (rc == 0) {
        bc_tx_compact_after (tx);
        bc_info ("event=person_erased erasure=%s files_deleted=%u records_rewritten=%llu",
                 bc_scrub_label (scrub) + 8, files, (unsigned long long) changed);
    }
    bc_scrub_destroy (&scrub);
    return rc;
}
