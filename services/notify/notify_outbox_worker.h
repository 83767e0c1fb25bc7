/* notify_outbox_worker: a transport that delivers in groups on a worker
 * thread of its own (WhatsApp, webhooks), the machinery they share (not
 * an API; see notify_outbox_worker.c).
 *
 * The transport gives a small table of operations: what goes to the
 * worker for an entry (build), one delivery on the worker thread (send,
 * which classifies the answer), and which retry policy an outcome is
 * recorded with (transport). The rest is here: the loop's hooks (choose
 * due entries and mark them "sending", hand them to the worker after the
 * commit, record the outcomes it drained back, recover after a restart),
 * the worker thread (post one after the other, journal each accepted one,
 * sync the group's journal once, wake the loop) and the stop. */
#ifndef NOTIFY_OUTBOX_WORKER_H
#define NOTIFY_OUTBOX_WORKER_H

#include "notify_outbox_internal.h"

typedef struct notify_worker_t notify_worker_t;

/* One delivery's outcome, filled by a transport's send on the worker
 * thread (all zero but tag -1 to start with: a temporary failure). */
typedef struct {
    char id[NOTIFY_ID_MAX];
    int tag; /* the transport's: which policy records it (-1: the base one) */
    notify_attempt_outcome_t outcome;
    int code;
    char reason[512];
    /* Delivered: the server's answer (Meta's wamid, the subscriber's
     * status), kept as the entry's location and written to the journal. */
    char location[512];
    int64_t retry_first_ms; /* as notify_attempt_t's */
    int64_t retry_after_ms;
} notify_worker_result_t;

typedef struct {
    /* The waker's source in the loop's log ("notify-whatsapp"). */
    const char *name;
    /* How many frames build adds for an entry (after its id and attempt). */
    int n_frames;
    /* The loop: adds the n_frames frames the worker needs for entry e. */
    void (*build) (void *arg, const Balcao__V1__OutboxEntry *e, zmsg_t *job);
    /* The worker thread: its own state (a libcurl handle...), made when it
     * starts and destroyed when it stops; NULL is passed on to send. */
    void *(*thread_new) (void *arg);
    void (*thread_destroy) (void *arg, void **state_p);
    /* The worker thread: delivers id (its n_frames frames in job, which
     * send takes off) and fills *r. arg is read only on this thread. */
    void (*send) (void *arg, void *state, const char *id, zmsg_t *job,
                  notify_worker_result_t *r);
    /* The loop: the retry policy of an outcome's tag (NULL, or a NULL
     * answer: the base one). */
    const notify_transport_t *(*transport) (void *arg, int tag);
} notify_worker_ops_t;

/* Starts the worker of a transport: its base policy (queue, journal; it
 * stays the caller's and outlives the worker), groups of up to batch_max
 * entries. ops and arg stay the caller's too. */
notify_worker_t *notify_worker_new (bc_service_t *svc, const notify_worker_ops_t *ops, void *arg,
                                    const notify_transport_t *base, int batch_max);
/* Waits up to wait_ms for a group in flight (its accepted ones are in the
 * journal; the next start records them), then stops the worker. */
void notify_worker_destroy (notify_worker_t **self_p, int wait_ms);

/* The loop's hooks, as the outbox's: inside each write transaction
 * (recovers after a start, records the drained outcomes, chooses and marks
 * the next group), after its commit (hands the group to the worker;
 * returns the transport's next due instant for the alarm, 0: none or a
 * group in flight) and from the periodic timer (outcomes whose wake-up
 * was lost). */
int notify_worker_before_batch (notify_worker_t *self, notify_outbox_t *ob, bc_tx_t *tx);
int64_t notify_worker_after_commit (notify_worker_t *self, notify_outbox_t *ob);
void notify_worker_timer (notify_worker_t *self);

#endif
