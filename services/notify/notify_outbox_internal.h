/* notify_outbox_internal: what the outbox's files share (not an API):
 * notify_outbox.c (records, the worker, outcomes, life) and
 * notify_outbox_cmd.c (ListOutbox, ResendNotification). */
#ifndef NOTIFY_OUTBOX_INTERNAL_H
#define NOTIFY_OUTBOX_INTERNAL_H

#include "notify_journal.h"
#include "notify_outbox.h"
#include "notify_smtp.h"

#include <czmq.h>

#define NOTIFY_ID_MAX 64
#define NOTIFY_RESULTS_MAX 8

typedef struct notify_outbox_wa_t notify_outbox_wa_t;

typedef struct {
    char id[NOTIFY_ID_MAX];
    notify_smtp_outcome_t outcome;
    int code;
    char reply[512];
} s_result_t;

struct notify_outbox_t {
    bc_service_t *svc;
    MDB_dbi db_outbox, db_pending, db_due, db_dead, db_meta;
    /* SMTP (url set) or the file transport. */
    int is_smtp;
    notify_smtp_config_t smtp;
    char url[1024], starttls[16], username[256], mail_from[256], ca_file[1024];
    char *password;
    int64_t retry_first_ms, retry_max_ms, retry_for_ms;
    int retry_jitter_pct;
    zactor_t *worker;
    notify_journal_t *journal; /* the worker's record of 250s (SMTP only) */
    /* The worker holds a message (sent after a commit, outcome not drained). */
    int is_busy;
    char busy_id[NOTIFY_ID_MAX];
    /* Outcomes drained from the worker, recorded by the running transaction
     * (again if the batch runs again after MDB_MAP_FULL), dropped after its
     * commit. */
    s_result_t results[NOTIFY_RESULTS_MAX];
    int n_results;
    /* Chosen and marked "sending" by the running transaction: handed to the
     * worker after its commit. */
    char dispatch_id[NOTIFY_ID_MAX];
    /* The first transaction after start went through the outbox. */
    int is_recovered, recovering;
    /* WhatsApp (notify_outbox_wa.c): NULL unless notify/whatsapp/phone_number_id
     * is set. Its entries wait in wa_due, not in due. */
    notify_outbox_wa_t *wa;
    MDB_dbi db_wa_due;
};

/* Records (notify_outbox.c). */
/* An entry's state ("pending" for records from before states). */
const char *notify_outbox_state (const Balcao__V1__OutboxEntry *e);
int notify_outbox_is (const char *a, const char *b);
/* The entry of id (free_unpacked it), or NULL with *rc (MDB_NOTFOUND...). */
Balcao__V1__OutboxEntry *notify_outbox_get (notify_outbox_t *self, MDB_txn *txn, const char *id,
                                            int *rc);
int notify_outbox_put (notify_outbox_t *self, MDB_txn *txn, const char *id,
                       const Balcao__V1__OutboxEntry *e);
/* Sets a string field of an unpacked entry. */
void notify_outbox_set_str (char **field, const char *value);
/* Schedules id at at_us in `due`. */
int notify_outbox_due_put (notify_outbox_t *self, MDB_txn *txn, int64_t at_us, const char *id);
/* Deletes a key; absent is no error. */
int notify_outbox_del (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t len);
/* Whether an entry goes by WhatsApp (notification.channel "whatsapp"). */
int notify_outbox_is_whatsapp (const Balcao__V1__OutboxEntry *e);
/* Schedules id at at_us with the transport it goes by (due or wa_due;
 * nothing for the file transport). */
int notify_outbox_schedule (notify_outbox_t *self, MDB_txn *txn, const Balcao__V1__OutboxEntry *e,
                            int64_t at_us, const char *id);
/* Outcomes, with their events and log lines: delivered (transport "smtp"
 * or "whatsapp"; reply kept as location) and dead (a dead letter). */
int notify_outbox_delivered (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                             Balcao__V1__OutboxEntry *e, const char *reply, const char *transport);
int notify_outbox_make_dead (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                             Balcao__V1__OutboxEntry *e);

/* WhatsApp (notify_outbox_wa.c): reads notify/whatsapp/... and starts its
 * worker (NULL with *failed 0 when WhatsApp is off, *failed 1 after logging
 * why it cannot start); the loop's hooks, as the outbox's; and the stop. */
notify_outbox_wa_t *notify_outbox_wa_new (notify_outbox_t *outbox, int *failed);
void notify_outbox_wa_destroy (notify_outbox_wa_t **self_p);
int notify_outbox_wa_before_batch (notify_outbox_t *outbox, bc_tx_t *tx);
/* Returns WhatsApp's next due instant for the alarm (0: none). */
int64_t notify_outbox_wa_after_commit (notify_outbox_t *outbox);
void notify_outbox_wa_timer (notify_outbox_t *outbox);

#endif
