/* notify_outbox_outcome: what an attempt's outcome does to an outbox entry,
 * whatever the transport that made it (SMTP, notify_outbox.c; WhatsApp,
 * notify_outbox_wa.c; webhooks, notify_outbox_wh.c), so the rules live once (see docs/ARCHITECTURE.md,
 * "Outbox states"):
 *
 *   delivered          out of pending, NotificationDelivered; a WhatsApp
 *                      one's wamid indexed (wa_sent) for Meta's statuses
 *   temporary failure  retrying, on the transport's queue after an
 *                      exponential backoff with jitter (at least a
 *                      webhook subscriber's Retry-After), until retry_for_ms
 *                      has passed since it was queued; then a dead letter
 *   permanent failure  a dead letter (dead, NotificationFailed) with the
 *                      reason
 *   window (131047)    the entry's approved template instead, once; a dead
 *                      letter when it has none left
 *
 * and, after a restart, the attempts still "sending": delivered when the
 * transport's journal has them, else tried again. */
#include "notify_outbox_internal.h"

#include "bc_log.h"
#include "bc_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_emit_failed (bc_tx_t *tx, const char *id, const Balcao__V1__OutboxEntry *e)
{
    Balcao__V1__NotificationFailed nf = BALCAO__V1__NOTIFICATION_FAILED__INIT;
    nf.notification_id = (char *) id;
    nf.ticket = e->notification ? e->notification->ticket : 0;
    nf.attempts = e->attempts;
    nf.reason = e->last_error;
    return bc_tx_emit (tx, &nf.base);
}

/* A dead letter: out of pending, into dead. */
int
notify_outbox_make_dead (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                         Balcao__V1__OutboxEntry *e)
{
    MDB_txn *txn = bc_tx_txn (tx);
    notify_outbox_set_str (&e->state, "dead");
    e->next_attempt_us = 0;
    MDB_val k = {strlen (id), (void *) id}, empty = {0, ""};
    int rc = notify_outbox_put (self, txn, id, e);
    if (rc == 0)
        rc = notify_outbox_del (txn, self->db_pending, id, strlen (id));
    if (rc == 0)
        rc = mdb_put (txn, self->db_dead, &k, &empty, 0);
    if (rc == 0)
        rc = s_emit_failed (tx, id, e);
    char clean[512];
    if (rc == 0)
        bc_warn ("event=dead_letter notification=%s attempts=%u code=%u reason=\"%s\"", id,
                 e->attempts, e->last_code, bc_log_clean (e->last_error, clean, sizeof clean));
    return rc;
}

int
notify_outbox_delivered (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                         Balcao__V1__OutboxEntry *e, const char *reply, const char *transport)
{
    MDB_txn *txn = bc_tx_txn (tx);
    notify_outbox_set_str (&e->state, "delivered");
    if (reply)
        notify_outbox_set_str (&e->location, reply);
    if (!e->delivered_us)
        e->delivered_us = bc_tx_now_us (tx);
    e->next_attempt_us = 0;
    int rc = notify_outbox_put (self, txn, id, e);
    if (rc == 0)
        rc = notify_outbox_del (txn, self->db_pending, id, strlen (id));
    if (rc)
        return rc;
    Balcao__V1__NotificationDelivered nd = BALCAO__V1__NOTIFICATION_DELIVERED__INIT;
    nd.notification_id = (char *) id;
    nd.ticket = e->notification ? e->notification->ticket : 0;
    nd.transport = (char *) transport;
    nd.location = e->location;
    nd.attempts = e->attempts;
    nd.whatsapp_message_id = e->whatsapp_message_id;
    rc = bc_tx_emit (tx, &nd.base);
    char clean[512];
    if (rc == 0)
        bc_info ("event=delivered notification=%s transport=%s attempts=%u reply=\"%s\"", id,
                 transport, e->attempts, bc_log_clean (e->location, clean, sizeof clean));
    return rc;
}

/* Delivered by transport t; location is the server's reply (SMTP) or the
 * wamid Meta gave (WhatsApp: kept as the entry's message id too, and
 * indexed so that Meta's later statuses of it find the entry). */
static int
s_delivered (notify_outbox_t *self, bc_tx_t *tx, const notify_transport_t *t, const char *id,
             Balcao__V1__OutboxEntry *e, const char *location)
{
    int rc = 0;
    if (t->is_whatsapp && location) {
        notify_outbox_set_str (&e->whatsapp_message_id, location);
        if (*location) {
            MDB_val k = {strlen (location), (void *) location}, v = {strlen (id), (void *) id};
            rc = mdb_put (bc_tx_txn (tx), self->db_wa_sent, &k, &v, 0);
        }
    }
    return rc ? rc : notify_outbox_delivered (self, tx, id, e, location, t->name);
}

int
notify_outbox_use_fallback (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                            Balcao__V1__OutboxEntry *e)
{
    if (e->whatsapp_fallback.len == 0)
        return notify_outbox_make_dead (self, tx, id, e);
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    free (e->mail.data);
    e->mail = e->whatsapp_fallback;
    e->whatsapp_fallback.data = NULL;
    e->whatsapp_fallback.len = 0;
    notify_outbox_set_str (&e->state, "pending");
    e->delivered_us = 0;
    e->next_attempt_us = now;
    MDB_val k = {strlen (id), (void *) id}, empty = {0, ""};
    int rc = notify_outbox_put (self, txn, id, e);
    if (rc == 0)
        rc = mdb_put (txn, self->db_pending, &k, &empty, 0);
    if (rc == 0)
        rc = notify_outbox_schedule (self, txn, e, now, id);
    char clean[512];
    if (rc == 0)
        bc_info ("event=whatsapp_template_fallback notification=%s code=%u reason=\"%s\"", id,
                 e->last_code, bc_log_clean (e->last_error, clean, sizeof clean));
    return rc;
}

int
notify_outbox_record_outcome (notify_outbox_t *self, bc_tx_t *tx, const notify_transport_t *t,
                              const notify_attempt_t *a)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__OutboxEntry *e = notify_outbox_get (self, txn, a->id, &rc);
    if (!e)
        return rc == MDB_NOTFOUND ? 0 : rc;
    /* Recorded already (the batch ran again), or the entry moved on. */
    if (!notify_outbox_is (notify_outbox_state (e), "sending")) {
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        return 0;
    }
    int64_t now = bc_tx_now_us (tx);
    if (a->outcome == NOTIFY_ATTEMPT_DELIVERED) {
        rc = s_delivered (self, tx, t, a->id, e, a->location);
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        return rc;
    }
    e->last_code = (uint32_t) a->code;
    notify_outbox_set_str (&e->last_error, a->reason);
    if (a->outcome == NOTIFY_ATTEMPT_WINDOW)
        rc = notify_outbox_use_fallback (self, tx, a->id, e);
    else if (a->outcome == NOTIFY_ATTEMPT_PERMANENT)
        rc = notify_outbox_make_dead (self, tx, a->id, e);
    else if (now - e->queued_us > t->retry_for_ms * 1000) {
        char why[600];
        snprintf (why, sizeof why, "gave up after %u attempts: %s", e->attempts, a->reason);
        notify_outbox_set_str (&e->last_error, why);
        rc = notify_outbox_make_dead (self, tx, a->id, e);
    }
    else {
        int64_t first = a->retry_first_ms ? a->retry_first_ms : t->retry_first_ms;
        int64_t wait_ms =
            notify_smtp_backoff_ms (e->attempts, first, t->retry_max_ms, t->retry_jitter_pct,
                                    (double) randombytes_uniform (1000000) / 1e6);
        if (a->retry_after_ms > wait_ms)
            wait_ms = a->retry_after_ms;
        notify_outbox_set_str (&e->state, "retrying");
        e->next_attempt_us = now + wait_ms * 1000;
        rc = notify_outbox_put (self, txn, a->id, e);
        if (rc == 0)
            rc = notify_outbox_due_put (txn, t->db_due, e->next_attempt_us, a->id);
        char clean[512];
        if (rc == 0)
            bc_warn ("event=delivery_deferred notification=%s transport=%s attempts=%u code=%d "
                     "retry_in_ms=%lld reason=\"%s\"",
                     a->id, t->name, e->attempts, a->code, (long long) wait_ms,
                     bc_log_clean (a->reason, clean, sizeof clean));
    }
    balcao__v1__outbox_entry__free_unpacked (e, NULL);
    return rc;
}

/* One pending entry of t's after a start. */
static int
s_recover_one (notify_outbox_t *self, bc_tx_t *tx, const notify_transport_t *t, const char *id,
               Balcao__V1__OutboxEntry *e)
{
    const char *state = notify_outbox_state (e);
    int is_sending = notify_outbox_is (state, "sending");
    char *journaled = is_sending ? notify_journal_find (t->journal, id, e->attempts) : NULL;
    int rc = 0;
    if (journaled)
        bc_info ("event=attempt_outcome_journaled notification=%s transport=%s attempts=%u", id,
                 t->name, e->attempts);
    /* "accepted": the server took it while notify was stopping. */
    if (journaled || notify_outbox_is (state, "accepted"))
        rc = s_delivered (self, tx, t, id, e, journaled);
    else {
        if (is_sending) {
            bc_warn ("event=attempt_outcome_unknown notification=%s attempts=%u transport=%s "
                     "action=retry",
                     id, e->attempts, t->name);
            notify_outbox_set_str (&e->state, "retrying");
            e->next_attempt_us = bc_tx_now_us (tx);
            rc = notify_outbox_put (self, bc_tx_txn (tx), id, e);
        }
        if (rc == 0)
            rc = notify_outbox_due_put (bc_tx_txn (tx), t->db_due,
                                        e->next_attempt_us ? e->next_attempt_us : e->queued_us,
                                        id);
    }
    free (journaled);
    return rc;
}

int
notify_outbox_recover (notify_outbox_t *self, bc_tx_t *tx, const notify_transport_t *t)
{
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_pending, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (crc == 0 && rc == 0) {
        char id[NOTIFY_ID_MAX];
        snprintf (id, sizeof id, "%.*s", (int) k.mv_size, (char *) k.mv_data);
        Balcao__V1__OutboxEntry *e = notify_outbox_get (self, txn, id, &rc);
        if (e && notify_outbox_is (notify_outbox_channel (e), t->channel))
            rc = s_recover_one (self, tx, t, id, e);
        else if (!e && rc == MDB_NOTFOUND)
            rc = 0;
        if (e)
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
        /* A delivery deleted the key under the cursor: LMDB's MDB_NEXT
         * then gives the one after it. */
        if (rc == 0)
            crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc;
}
