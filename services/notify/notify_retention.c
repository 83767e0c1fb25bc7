/* notify_retention: how long notify keeps what it delivered. A delivered
 * notification (its outbox entry with the rendered mail or WhatsApp
 * request, its `.eml` file under the file transport, its wamid in
 * `wa_sent`) is deleted notify/retention_days (30; 0 keeps everything)
 * after its delivery. Entries still waiting, retrying or dead (a dead
 * letter waits for an operator) are never touched; `tickets` (a ticket's
 * customer and language, for its later notices) stays.
 *
 * A sweep walks the outbox in key order, notify/retention_batch (2,000)
 * entries per batch, from where the last one stopped; while a pass finds
 * work it goes on every second, then rests ten minutes. There is no index
 * by delivery time to keep: the sweep costs a read of each entry once a
 * pass, and records from before retention existed are swept the same. */
#include "notify_retention.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_store.h"
#include "balcao/v1/notify.pb-c.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_KEY_MAX 512

struct notify_retention_t {
    bc_service_t *svc;
    MDB_dbi db_outbox, db_wa_sent;
    char mail_dir[4200];
    int64_t retention_us; /* 0: off */
    int per_batch;
    char next_key[S_KEY_MAX]; /* where the pass goes on; "" from the start */
    size_t next_len;
    int64_t due_ms;           /* mono: the next sweep */
    int pass_found;           /* the running pass deleted something */
    /* Files of the entries the running batch deleted: unlinked after it
     * commits (an aborted batch keeps its entries, and their files). */
    char **files;
    size_t nfiles, cap_files;
    int batch_deleted;
    uint64_t total;
    int64_t logged_us;
};

notify_retention_t *
notify_retention_new (bc_service_t *svc, const char *mail_dir)
{
    notify_retention_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->svc = svc;
    self->db_outbox = bc_service_dbi (svc, "outbox");
    self->db_wa_sent = bc_service_dbi (svc, "wa_sent");
    snprintf (self->mail_dir, sizeof self->mail_dir, "%s", mail_dir);
    bc_config_t *cfg = bc_service_config (svc);
    int64_t days = bc_config_int (cfg, "notify/retention_days", 30);
    self->retention_us = days > 0 ? days * 86400LL * 1000000 : 0;
    self->per_batch = (int) bc_config_int (cfg, "notify/retention_batch", 2000);
    if (self->per_batch < 1)
        self->per_batch = 2000;
    self->due_ms = zclock_mono () + 5000; /* not in the way of the start */
    return self;
}

static void
s_drop_files (notify_retention_t *self)
{
    for (size_t i = 0; i < self->nfiles; i++)
        free (self->files[i]);
    self->nfiles = 0;
}

void
notify_retention_destroy (notify_retention_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_drop_files (*self_p);
    free ((*self_p)->files);
    free (*self_p);
    *self_p = NULL;
}

int
notify_retention_is_due (notify_retention_t *self)
{
    return self->retention_us && zclock_mono () >= self->due_ms;
}

/* The entry's own file under the mail directory, or NULL. */
static const char *
s_own_file (notify_retention_t *self, const Balcao__V1__OutboxEntry *e)
{
    size_t n = strlen (self->mail_dir), len = e->location ? strlen (e->location) : 0;
    if (len <= n + 5 || strncmp (e->location, self->mail_dir, n) != 0 || e->location[n] != '/'
        || strcmp (e->location + len - 4, ".eml") != 0 || strstr (e->location + n, "/../"))
        return NULL;
    return e->location;
}

static int
s_keep_file (notify_retention_t *self, const char *path)
{
    if (self->nfiles == self->cap_files) {
        size_t cap = self->cap_files ? 2 * self->cap_files : 256;
        char **files = realloc (self->files, cap * sizeof *files);
        if (!files)
            return ENOMEM;
        self->files = files;
        self->cap_files = cap;
    }
    if (!(self->files[self->nfiles] = strdup (path)))
        return ENOMEM;
    self->nfiles++;
    return 0;
}

int
notify_retention_sweep (notify_retention_t *self, bc_tx_t *tx)
{
    s_drop_files (self); /* a batch run again starts over */
    if (!notify_retention_is_due (self))
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t cutoff = bc_tx_now_us (tx) - self->retention_us;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_outbox, &cur);
    if (rc)
        return rc;
    MDB_val k = {self->next_len, self->next_key}, v;
    rc = mdb_cursor_get (cur, &k, &v, self->next_len ? MDB_SET_RANGE : MDB_FIRST);
    int seen = 0, deleted = 0;
    while (rc == 0 && seen++ < self->per_batch) {
        Balcao__V1__OutboxEntry *e = balcao__v1__outbox_entry__unpack (NULL, v.mv_size, v.mv_data);
        int is_due = e && e->delivered_us && e->delivered_us < cutoff && e->state
                     && strcmp (e->state, "delivered") == 0;
        if (is_due) {
            const char *file = s_own_file (self, e);
            if (file)
                rc = s_keep_file (self, file);
            if (rc == 0 && e->whatsapp_message_id && *e->whatsapp_message_id) {
                MDB_val w = {strlen (e->whatsapp_message_id), e->whatsapp_message_id};
                rc = mdb_del (txn, self->db_wa_sent, &w, NULL);
                rc = rc == MDB_NOTFOUND ? 0 : rc;
            }
            if (rc == 0)
                rc = mdb_cursor_del (cur, 0);
            deleted += rc == 0;
        }
        if (e)
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
        if (rc)
            break;
        /* After a delete LMDB's MDB_NEXT gives the entry that took its
         * place. */
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    int at_end = rc == MDB_NOTFOUND;
    if (rc == 0 && k.mv_size < S_KEY_MAX) {
        memcpy (self->next_key, k.mv_data, k.mv_size);
        self->next_len = k.mv_size;
    }
    else if (at_end)
        self->next_len = 0;
    mdb_cursor_close (cur);
    if (rc && !at_end)
        return rc;
    self->pass_found |= deleted > 0;
    self->batch_deleted = deleted; /* counted after the commit */
    if (at_end) {
        self->due_ms = zclock_mono () + (self->pass_found ? 1000 : 600 * 1000);
        self->pass_found = 0;
    }
    else
        self->due_ms = zclock_mono () + 1000;
    return 0;
}

void
notify_retention_after_commit (notify_retention_t *self)
{
    for (size_t i = 0; i < self->nfiles; i++)
        if (unlink (self->files[i]) && errno != ENOENT)
            bc_warn ("event=retention_unlink_failed file=%s reason=\"%s\"", self->files[i],
                     strerror (errno));
    s_drop_files (self);
    if (!self->batch_deleted)
        return;
    self->total += (uint64_t) self->batch_deleted;
    self->batch_deleted = 0;
    int64_t now = bc_now_us ();
    if (now - self->logged_us >= 60LL * 1000000) {
        self->logged_us = now;
        bc_info ("event=outbox_pruned total=%llu retention_days=%lld",
                 (unsigned long long) self->total,
                 (long long) (self->retention_us / (86400LL * 1000000)));
    }
}
