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

#endif
