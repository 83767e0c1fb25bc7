/* notify_outbox_internal: what the outbox's files share (not an API):
 * notify_outbox.c (records, the SMTP worker, life), notify_outbox_worker.c
 * (the group dispatch WhatsApp and webhooks share), notify_outbox_wa.c
 * (WhatsApp's POSTs, Meta's statuses), notify_outbox_wh.c (the webhooks'
 * POSTs), notify_outbox_outcome.c (what an attempt's outcome does to an
 * entry, for every transport) and notify_outbox_cmd.c (ListOutbox,
 * ResendNotification). */
#ifndef NOTIFY_OUTBOX_INTERNAL_H
#define NOTIFY_OUTBOX_INTERNAL_H

#include "bc_client.h"
#include "notify_journal.h"
#include "notify_outbox.h"
#include "notify_smtp.h"

#include <czmq.h>

#define NOTIFY_ID_MAX 64
#define NOTIFY_RESULTS_MAX 8

typedef struct notify_outbox_wa_t notify_outbox_wa_t;
typedef struct notify_outbox_wh_t notify_outbox_wh_t;
typedef struct notify_webhooks_t notify_webhooks_t;
typedef struct notify_worker_t notify_worker_t;

/* A transport, as the outcome recorder sees it. */
typedef struct {
    const char *name;    /* "smtp", "whatsapp", "webhook": in events and log lines */
    const char *channel; /* its entries' channel: "email", "whatsapp", "webhook" */
    int is_whatsapp;     /* its entries are the WhatsApp ones */
    MDB_dbi db_due;      /* its schedule: due, wa_due or wh_due */
    notify_journal_t *journal; /* its worker's record of accepted attempts */
    int64_t retry_first_ms, retry_max_ms, retry_for_ms;
    int retry_jitter_pct;
} notify_transport_t;

typedef enum {
    NOTIFY_ATTEMPT_DELIVERED,
    NOTIFY_ATTEMPT_TEMPORARY, /* retry, with backoff */
    NOTIFY_ATTEMPT_PERMANENT, /* a dead letter */
    NOTIFY_ATTEMPT_WINDOW     /* WhatsApp's 131047: the template instead, once */
} notify_attempt_outcome_t;

/* One attempt's outcome, as a transport's worker reported it. */
typedef struct {
    const char *id;
    notify_attempt_outcome_t outcome;
    int code;               /* the server's reply code, Meta's error code */
    const char *reason;     /* a failure: what went wrong */
    const char *location;   /* delivered: the server's reply, or Meta's wamid */
    int64_t retry_first_ms; /* temporary: the backoff's first step (0: the
                               transport's; longer after a rate limit) */
    int64_t retry_after_ms; /* temporary: wait at least this long (a
                               webhook subscriber's Retry-After; 0: none) */
} notify_attempt_t;

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
    /* SMTP's retry policy, queue and journal (the worker's record of 250s). */
    notify_transport_t transport;
    zactor_t *worker;
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
    /* wamid -> id of the entry Meta gave it to (for its statuses). */
    MDB_dbi db_wa_sent;
    /* Webhooks (notify_outbox_wh.c): NULL unless notify/webhooks has a
     * subscription. Their entries wait in wh_due. */
    notify_outbox_wh_t *wh;
    MDB_dbi db_wh_due;
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
/* Schedules id at at_us in a transport's queue (due or wa_due). */
int notify_outbox_due_put (MDB_txn *txn, MDB_dbi db_due, int64_t at_us, const char *id);
/* Deletes a key; absent is no error. */
int notify_outbox_del (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t len);
/* Marks up to max due entries of a transport's queue (due or wa_due)
 * "sending", each attempt on record before it is made, and appends their
 * ids to ids[*n...]; looks at scan_max keys at most (stale ones go). */
int notify_outbox_pick (notify_outbox_t *self, bc_tx_t *tx, MDB_dbi db_due, int scan_max,
                        char (*ids)[NOTIFY_ID_MAX], int max, int *n);
/* The first instant in a transport's queue, 0 when it is empty. */
int64_t notify_outbox_first_due (notify_outbox_t *self, MDB_dbi db_due);
/* Whether an entry goes by WhatsApp (notification.channel "whatsapp"). */
int notify_outbox_is_whatsapp (const Balcao__V1__OutboxEntry *e);
/* The channel an entry goes by: "whatsapp", "webhook" or "email". */
const char *notify_outbox_channel (const Balcao__V1__OutboxEntry *e);
/* Schedules id at at_us with the transport it goes by (due, wa_due or
 * wh_due; nothing for the file transport, nor while the entry's transport
 * is not configured). */
int notify_outbox_schedule (notify_outbox_t *self, MDB_txn *txn, const Balcao__V1__OutboxEntry *e,
                            int64_t at_us, const char *id);

/* The workers' plumbing (notify_outbox.c). */
/* Wakes the service loop from a worker thread (client: its own to
 * notify's command socket; source: the worker's name). */
void notify_outbox_wake (bc_client_t *client, const char *source);
/* A worker's next job from its pipe, the command frame taken off; NULL
 * when the worker is to stop ($TERM, or the context ends). */
zmsg_t *notify_outbox_next_job (zsock_t *pipe);
/* Whether a worker's answer waits on pipe, waiting up to wait_ms for it
 * (also after SIGTERM). */
int notify_outbox_wait (zsock_t *pipe, int wait_ms);
/* A secret file's first line (malloc'd), or NULL after logging event. */
char *notify_outbox_read_secret (const char *path, const char *event);

/* Outcomes (notify_outbox_outcome.c), with their events and log lines. */
/* Records attempt a made by transport t of an entry still "sending"
 * (anything else: recorded already, nothing to do). */
int notify_outbox_record_outcome (notify_outbox_t *self, bc_tx_t *tx, const notify_transport_t *t,
                                  const notify_attempt_t *a);
/* After a start, t's pending entries: one still "sending" was delivered
 * when t's journal has it (the server's 250, Meta's wamid), else it may or
 * may not have arrived and is tried again (the one window for a
 * duplicate); "accepted" (the server took it while notify stopped) is
 * delivered; every other one gets its due key (it may have been queued
 * before the transport was configured). */
int notify_outbox_recover (notify_outbox_t *self, bc_tx_t *tx, const notify_transport_t *t);
/* Delivered (transport "smtp" or "whatsapp"; reply kept as location). */
int notify_outbox_delivered (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                             Balcao__V1__OutboxEntry *e, const char *reply, const char *transport);
/* A dead letter, with e's last_code and last_error as the reason. */
int notify_outbox_make_dead (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                             Balcao__V1__OutboxEntry *e);
/* WhatsApp's 131047: e's template goes instead, now (pending again; the
 * fallback is used up, so this happens once); a dead letter when e has no
 * template left. */
int notify_outbox_use_fallback (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                                Balcao__V1__OutboxEntry *e);

/* WhatsApp (notify_outbox_wa.c): reads notify/whatsapp/... and starts its
 * worker (NULL with *failed 0 when WhatsApp is off, *failed 1 after logging
 * why it cannot start); its worker, whose hooks (notify_outbox_worker.h)
 * the outbox's call; and the stop. */
notify_outbox_wa_t *notify_outbox_wa_new (notify_outbox_t *outbox, int *failed);
void notify_outbox_wa_destroy (notify_outbox_wa_t **self_p);
notify_worker_t *notify_outbox_wa_worker (notify_outbox_wa_t *self);

/* Webhooks (notify_outbox_wh.c): reads notify/webhooks/... and starts
 * their worker (NULL with *failed 0 when there is no subscription, *failed
 * 1 after logging why it cannot start); its worker, as WhatsApp's; and the
 * stop. */
notify_outbox_wh_t *notify_outbox_wh_new (notify_outbox_t *outbox, int *failed);
void notify_outbox_wh_destroy (notify_outbox_wh_t **self_p);
notify_worker_t *notify_outbox_wh_worker (notify_outbox_wh_t *self);
/* The subscriptions (NULL: webhooks off). */
notify_webhooks_t *notify_outbox_wh_subscriptions (notify_outbox_t *outbox);
/* When a new webhook entry is due: now_us, but after every entry queued
 * before it (entries queued in one transaction share its clock), so the
 * queue keeps the router's order. */
int64_t notify_outbox_wh_next_at (notify_outbox_t *outbox, int64_t now_us);

#endif
