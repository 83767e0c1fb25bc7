/* bc_service_compact: a service's store copied into a fresh file that
 * replaces data.mdb (bc_store_compact), once the service has caught up:
 * after an LGPD erasure (no free page keeps the erased bytes;
 * bc_service_erase.c) and when an admin asks (CompactStore, `balcaoctl
 * compact`: the pages retention freed go back to the disk, an LMDB file
 * never shrinks by itself). A mark file (compact.pending) written when it
 * becomes due makes a restart finish a compaction a crash cut short. */
#include "bc_service_internal.h"

#include "bc_clock.h"
#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
s_mark_path (bc_service_t *self, char *path, size_t size)
{
    snprintf (path, size, "%s/compact.pending", self->dir);
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
        bc_error ("event=compact_failed reason=\"%s\" what_to_do=\"free disk space: the freed "
                  "pages (an erasure's data too) stay in the file until it compacts (tried "
                  "again each minute)\"",
                  bc_store_strerror (rc));
        self->compact_retry_ms = t0 + 60000;
        return;
    }
    unlink (path);
    self->compact_due = 0;
    bc_info ("event=store_compacted reason=%s from_bytes=%llu to_bytes=%llu ms=%lld%s",
             at_start ? "pending" : self->compact_asked ? "asked" : "erasure",
             (unsigned long long) before, (unsigned long long) after,
             (long long) (bc_mono_ms () - t0), at_start ? " at_start=1" : "");
    self->compact_asked = 0;
}

static int
s_cmd_compact (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
               bc_reply_t *reply)
{
    (void) state;
    (void) req;
    (void) payload;
    bc_service_t *self = tx->svc;
    const char *who = bc_tx_principal (tx);
    if (strncmp (who, "admin:", 6) != 0 && strcmp (who, "service:balcaoctl") != 0) {
        bc_reply_error (reply, "forbidden",
                        "compactar o armazenamento de um serviço é para administradores",
                        "compacting a service's store is for admins");
        return 0;
    }
    char path[4200];
    snprintf (path, sizeof path, "%s/data.mdb", self->dir);
    struct stat st;
    Balcao__V1__CompactScheduled out = BALCAO__V1__COMPACT_SCHEDULED__INIT;
    out.file_bytes = stat (path, &st) == 0 ? (uint64_t) st.st_size : 0;
    out.already_due = self->compact_due;
    if (!self->compact_due) {
        bc_tx_compact_after (tx);
        self->compact_asked = 1;
    }
    bc_info ("event=compact_asked by=%s file_bytes=%llu", who,
             (unsigned long long) out.file_bytes);
    bc_reply_ok (reply, &out.base);
    return 0;
}

void
bc_compact_register (bc_service_t *self)
{
    bc_service_on_command (self, &balcao__v1__compact_store__descriptor, 0, s_cmd_compact);
}
