/* notify_server: outbox and delivery.
 *
 * A notification is born in the transaction that consumes the router event
 * (outbox + pending, and a NotificationQueued event). After that commit it is
 * delivered by the transport; the next transaction records the delivery
 * (pending removed, NotificationDelivered). A crash between delivery and the
 * record delivers again under the same name, so the file transport writes one
 * file per notification whatever happens.
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   outbox   notification id ("t<N>-ack") -> balcao.v1.OutboxEntry
 *   pending  notification id              -> "" (queued, not yet delivered)
 */
#include "notify_server.h"

#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "bc_store.h"
#include "bc_mailid.h"
#include "notify_render.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const notify_dbs[] = {"outbox", "pending"};
const int notify_ndbs = 2;

/* Files written and not yet on record, at most. */
#define NOTIFY_DELIVER_MAX 20000

typedef struct {
    char id[64];
} notify_delivered_t;

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_outbox, db_pending;
    const char *install;
    const char *domain;
    const char *from_name;
    const char *from_address;
    char loop_tag[128];
    char from_buf[256];
    char mail_dir[4096];
    /* Files written, not yet on record. The first n_synced are durable (a
     * syncfs ran after them); the first `marked` of those are being recorded
     * by the running transaction. */
    notify_delivered_t *delivered;
    size_t n_delivered, n_synced, marked;
    zhash_t *in_flight; /* ids in `delivered`, for the pending scan */
} notify_t;

static int
s_on_router (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    notify_t *self = state;
    Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
        ev, &balcao__v1__ticket_created__descriptor);
    if (!tc)
        return 0;
    int rc = 0;
    const Balcao__V1__Ticket *t = tc->ticket;
    if (!t || !t->customer_address || !*t->customer_address)
        goto done;
    MDB_txn *txn = bc_tx_txn (tx);
    char id[64];
    snprintf (id, sizeof id, "t%llu-ack", (unsigned long long) t->number);
    MDB_val k = {strlen (id), id}, v;
    rc = mdb_get (txn, self->db_outbox, &k, &v);
    if (rc == 0)
        goto done; /* already queued */
    if (rc != MDB_NOTFOUND)
        goto done;

    char message_id[256];
    bc_mailid_new (message_id, sizeof message_id, self->install, t->number, self->domain);
    notify_ack_t ack = {
        .ticket = t->number,
        .language = t->language,
        .customer_name = t->customer_name,
        .customer_address = t->customer_address,
        .subject = t->subject,
        .in_reply_to = t->channel && strcmp (t->channel, "email") == 0 ? t->origin_message_id : "",
        .message_id = message_id,
        .from_name = self->from_name,
        .from_address = self->from_address,
        .loop_tag = self->loop_tag,
        .time_us = bc_tx_now_us (tx),
    };
    size_t mail_len;
    char *subject;
    char *mail = notify_render_ack (&ack, &mail_len, &subject);

    Balcao__V1__NotificationQueued nq = BALCAO__V1__NOTIFICATION_QUEUED__INIT;
    nq.notification_id = id;
    nq.ticket = t->number;
    nq.kind = "ack";
    nq.channel = "email";
    nq.recipient = t->customer_address;
    nq.message_id = message_id;
    nq.subject = subject;
    Balcao__V1__OutboxEntry entry = BALCAO__V1__OUTBOX_ENTRY__INIT;
    entry.notification = &nq;
    entry.mail.data = (uint8_t *) mail;
    entry.mail.len = mail_len;
    entry.queued_us = bc_tx_now_us (tx);
    size_t len = balcao__v1__outbox_entry__get_packed_size (&entry);
    v.mv_size = len;
    rc = mdb_put (txn, self->db_outbox, &k, &v, MDB_RESERVE);
    if (rc == 0) {
        balcao__v1__outbox_entry__pack (&entry, v.mv_data);
        MDB_val empty = {0, ""};
        rc = mdb_put (txn, self->db_pending, &k, &empty, 0);
    }
    if (rc == 0)
        rc = bc_tx_emit (tx, &nq.base);
    free (mail);
    free (subject);
done:
    balcao__v1__ticket_created__free_unpacked (tc, NULL);
    return rc;
}

/* Records deliveries done since the last commit. */
static int
s_before_batch (void *state, bc_tx_t *tx)
{
    notify_t *self = state;
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
        char location[4200];
        snprintf (location, sizeof location, "%s/%s.eml", self->mail_dir, d->id);
        e->delivered_us = bc_tx_now_us (tx);
        e->location = location;
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
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_write_all (int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

/* File transport: each pending mail is written to a hidden temporary file
 * and renamed into place at once; s_sync makes a whole group durable with
 * one syncfs before it is recorded as delivered. A crash before the record
 * writes the same file again: still one file per notification. */
static void
s_deliver (notify_t *self)
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
            char tmp[128], final[128];
            snprintf (tmp, sizeof tmp, ".%s.tmp", id);
            snprintf (final, sizeof final, "%s.eml", id);
            int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
            int ok = e && fd >= 0 && s_write_all (fd, e->mail.data, e->mail.len) == 0;
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
s_sync (notify_t *self)
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

static void
s_after_commit (void *state)
{
    notify_t *self = state;
    /* The first `marked` deliveries are now on record. */
    for (size_t i = 0; i < self->marked; i++)
        zhash_delete (self->in_flight, self->delivered[i].id);
    memmove (self->delivered, self->delivered + self->marked,
             (self->n_delivered - self->marked) * sizeof *self->delivered);
    self->n_delivered -= self->marked;
    self->n_synced -= self->marked;
    self->marked = 0;
    s_deliver (self);
    if (self->n_delivered - self->n_synced >= NOTIFY_DELIVER_MAX / 2)
        s_sync (self);
}

static void
s_timer (void *state)
{
    notify_t *self = state;
    s_sync (self);
    /* Deliveries that an earlier pass could not make (disk full...) retry. */
    s_deliver (self);
}

void *
notify_server_setup (bc_service_t *svc)
{
    notify_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->db_outbox = bc_service_dbi (svc, "outbox");
    self->db_pending = bc_service_dbi (svc, "pending");
    bc_config_t *cfg = bc_service_config (svc);
    self->install = bc_config_str (cfg, "balcao/install", "bc");
    self->domain = bc_config_str (cfg, "balcao/domain", "balcao.local");
    self->from_name = bc_config_str (cfg, "notify/from_name", "Suporte Balcão");
    snprintf (self->from_buf, sizeof self->from_buf, "suporte@%s", self->domain);
    self->from_address = bc_config_str (cfg, "notify/from_address", self->from_buf);
    snprintf (self->loop_tag, sizeof self->loop_tag, "balcao.%s@%s", self->install, self->domain);
    char dflt_outbox[4096];
    snprintf (dflt_outbox, sizeof dflt_outbox, "%s/outbox", bc_config_data_dir (cfg));
    snprintf (self->mail_dir, sizeof self->mail_dir, "%s/mail",
              bc_config_str (cfg, "notify/outbox_dir", dflt_outbox));
    if (bc_dir_ensure (self->mail_dir)) {
        bc_error ("event=outbox_unwritable dir=%s reason=\"%s\"", self->mail_dir, strerror (errno));
        free (self);
        return NULL;
    }
    self->delivered = calloc (NOTIFY_DELIVER_MAX, sizeof *self->delivered);
    self->in_flight = zhash_new ();
    notify_render_init ();
    bc_service_consume (svc, "router", s_on_router);
    bc_service_hooks (svc, s_before_batch, NULL, s_after_commit);
    /* How long a written file may wait for the syncfs that puts it on record. */
    bc_service_every (svc, (int) bc_config_int (cfg, "notify/file_sync_ms", 200), s_timer);
    bc_service_set_batch_delay (svc, (int) bc_config_int (cfg, "notify/batch_delay_ms", 50));
    /* Notifications committed before a crash but never delivered. */
    s_deliver (self);
    return self;
}

void
notify_server_teardown (void *state)
{
    notify_t *self = state;
    zhash_destroy (&self->in_flight);
    free (self->delivered);
    free (self);
}
