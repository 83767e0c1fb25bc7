/* notify_files: the file transport, when no SMTP server is configured:
 * each pending mail (not WhatsApp's nor a webhook's) is written to
 * <outbox_dir>/mail as "<notification id>.eml", through a hidden temporary
 * file renamed into place; one syncfs makes a group durable (notify_files_timer, or at once
 * when many wait) before the next transaction records them delivered
 * (NotificationDelivered, transport "file"). A crash before the record
 * writes the same file again: still one file per notification. */
#include "notify_files.h"
#include "notify_erase.h"

#include "balcao/v1/notify.pb-c.h"
#include "bc_log.h"
#include "bc_store.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Files written and not yet on record, at most. */
#define NOTIFY_DELIVER_MAX 20000

typedef struct {
    char id[64];
} notify_delivered_t;

struct notify_files_t {
    bc_service_t *svc;
    MDB_dbi db_outbox, db_pending;
    char mail_dir[4200];
    /* Files written, not yet on record. The first n_synced are durable (a
     * syncfs ran after them); the first `marked` of those are being recorded
     * by the running transaction. */
    notify_delivered_t *delivered;
    size_t n_delivered, n_synced, marked;
    zhash_t *in_flight; /* ids in `delivered`, for the pending scan */
};

notify_files_t *
notify_files_new (bc_service_t *svc, const char *mail_dir)
{
    if (bc_dir_ensure (mail_dir)) {
        bc_error ("event=outbox_unwritable dir=%s reason=\"%s\"", mail_dir, strerror (errno));
        return NULL;
    }
    notify_files_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->svc = svc;
    self->db_outbox = bc_service_dbi (svc, "outbox");
    self->db_pending = bc_service_dbi (svc, "pending");
    snprintf (self->mail_dir, sizeof self->mail_dir, "%s", mail_dir);
    self->delivered = calloc (NOTIFY_DELIVER_MAX, sizeof *self->delivered);
    self->in_flight = zhash_new ();
    return self;
}

void
notify_files_destroy (notify_files_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhash_destroy (&(*self_p)->in_flight);
    free ((*self_p)->delivered);
    free (*self_p);
    *self_p = NULL;
}

int
notify_files_before_batch (notify_files_t *self, bc_tx_t *tx)
{
    MDB_txn *txn = bc_tx_txn (tx);
    self->marked = self->n_synced;
    for (size_t i = 0; i < self->marked; i++) {
        notify_delivered_t *d = &self->delivered[i];
        MDB_val k = {strlen (d->id), d->id}, v;
        int rc = mdb_get (txn, self->db_outbox, &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc)
            return rc;
        Balcao__V1__OutboxEntry *e = balcao__v1__outbox_entry__unpack (NULL, v.mv_size, v.mv_data);
        if (!e)
            return MDB_CORRUPTED;
        char location[4400];
        snprintf (location, sizeof location, "%s/%s.eml", self->mail_dir, d->id);
        if (e->erased_us)
            /* Written while its customer was being anonymised: not kept. */
            notify_erase_file (location);
        e->delivered_us = bc_tx_now_us (tx);
        e->location = location;
        char *state_before = e->state;
        e->state = "delivered";
        size_t len = balcao__v1__outbox_entry__get_packed_size (e);
        v.mv_size = len;
        rc = mdb_put (txn, self->db_outbox, &k, &v, MDB_RESERVE);
        if (rc == 0) {
            balcao__v1__outbox_entry__pack (e, v.mv_data);
            rc = mdb_del (txn, self->db_pending, &k, NULL);
            if (rc == MDB_NOTFOUND)
                rc = 0;
        }
        if (rc == 0) {
            Balcao__V1__NotificationDelivered nd = BALCAO__V1__NOTIFICATION_DELIVERED__INIT;
            nd.notification_id = d->id;
            nd.ticket = e->notification ? e->notification->ticket : 0;
            nd.transport = "file";
            nd.location = location;
            rc = bc_tx_emit (tx, &nd.base);
        }
        e->location = NULL; /* not ours to free */
        e->state = state_before;
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

void
notify_files_deliver (notify_files_t *self)
{
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    int dirfd = open (self->mail_dir, O_RDONLY | O_DIRECTORY);
    if (dirfd < 0) {
        bc_error ("event=outbox_unwritable dir=%s reason=\"%s\"", self->mail_dir, strerror (errno));
        mdb_txn_abort (txn);
        return;
    }
    MDB_cursor *cur;
    mdb_cursor_open (txn, self->db_pending, &cur);
    MDB_val k, v;
    int rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0 && self->n_delivered < NOTIFY_DELIVER_MAX) {
        char id[64];
        snprintf (id, sizeof id, "%.*s", (int) k.mv_size, (char *) k.mv_data);
        MDB_val ov;
        if (!zhash_lookup (self->in_flight, id)
            && mdb_get (txn, self->db_outbox, &k, &ov) == 0) {
            Balcao__V1__OutboxEntry *e =
                balcao__v1__outbox_entry__unpack (NULL, ov.mv_size, ov.mv_data);
            if (e && e->notification && (strcmp (e->notification->channel, "whatsapp") == 0
                                         || strcmp (e->notification->channel, "webhook") == 0)) {
                /* notify_outbox_wa.c, notify_outbox_wh.c deliver them */
                balcao__v1__outbox_entry__free_unpacked (e, NULL);
                rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
                continue;
            }
            char tmp[128], final[128];
            snprintf (tmp, sizeof tmp, ".%s.tmp", id);
            snprintf (final, sizeof final, "%s.eml", id);
            int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
            int ok = e && fd >= 0 && bc_write_all (fd, e->mail.data, e->mail.len) == 0;
            if (fd >= 0)
                close (fd);
            if (ok && renameat (dirfd, tmp, dirfd, final) == 0) {
                notify_delivered_t *d = &self->delivered[self->n_delivered++];
                snprintf (d->id, sizeof d->id, "%s", id);
                zhash_insert (self->in_flight, d->id, (void *) 1);
                bc_info ("event=delivered notification=%s transport=file", id);
            }
            else
                bc_error ("event=delivery_failed notification=%s transport=file reason=\"%s\"",
                          id, strerror (errno));
            if (e)
                balcao__v1__outbox_entry__free_unpacked (e, NULL);
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    mdb_txn_abort (txn);
    close (dirfd);
}

/* One syncfs for every file written since the last: then they can be put on
 * record. Run by the timer, or as soon as many are waiting. */
static void
s_sync (notify_files_t *self)
{
    if (self->n_delivered == self->n_synced)
        return;
    int dirfd = open (self->mail_dir, O_RDONLY | O_DIRECTORY);
    if (dirfd < 0 || syncfs (dirfd) != 0) {
        bc_error ("event=outbox_sync_failed dir=%s reason=\"%s\"", self->mail_dir, strerror (errno));
        if (dirfd >= 0)
            close (dirfd);
        return;
    }
    close (dirfd);
    self->n_synced = self->n_delivered;
    bc_service_wake (self->svc);
}

void
notify_files_after_commit (notify_files_t *self)
{
    /* The first `marked` deliveries are now on record. */
    for (size_t i = 0; i < self->marked; i++)
        zhash_delete (self->in_flight, self->delivered[i].id);
    memmove (self->delivered, self->delivered + self->marked,
             (self->n_delivered - self->marked) * sizeof *self->delivered);
    self->n_delivered -= self->marked;
    self->n_synced -= self->marked;
    self->marked = 0;
    notify_files_deliver (self);
    if (self->n_delivered - self->n_synced >= NOTIFY_DELIVER_MAX / 2)
        s_sync (self);
}

void
notify_files_timer (notify_files_t *self)
{
    s_sync (self);
    /* Deliveries that an earlier pass could not make (disk full...) retry. */
    notify_files_deliver (self);
}
