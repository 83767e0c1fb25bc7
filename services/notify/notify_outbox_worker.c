/* notify_outbox_worker: the group dispatch that WhatsApp
 * (notify_outbox_wa.c) and webhooks (notify_outbox_wh.c) share, each with
 * a queue (wa_due, wh_due), a journal and a worker thread of its own, so
 * a slow server of one holds up no other transport.
 *
 * One transaction marks up to batch_max due entries "sending" (each
 * attempt on record before it is made); after the commit the worker sends
 * them one after the other (the transport's send, on its own kept-alive
 * connection); each one the server accepts is appended to the journal
 * the moment the answer arrives, the group's journal is synced once, and
 * the outcomes go back to the loop, which records them
 * (notify_outbox_outcome.c) in its next transaction, again if that runs
 * again, and drops them after its commit. A restart finds attempts still
 * "sending": delivered when the journal has them, else sent again (the
 * server never answered, or its answer was lost with the process: the one
 * window for a duplicate).
 *
 * Between the loop and the worker: SEND, then (id, attempt, the
 * transport's n_frames frames) per entry; the answer DONE, then (id, tag,
 * outcome, code, reason, location, retry_first_ms, retry_after_ms) per
 * entry. */
#include "notify_outbox_worker.h"

#include "bc_log.h"
#include "bc_store.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ANSWER_FRAMES 8

struct notify_worker_t {
    bc_service_t *svc;
    const notify_worker_ops_t *ops;
    void *arg;
    const notify_transport_t *base;
    int batch_max;
    zactor_t *actor;
    /* The worker holds a group (sent after a commit, outcomes not drained). */
    int is_busy;
    /* Chosen and marked "sending" by the running transaction. */
    char (*dispatch)[NOTIFY_ID_MAX];
    int n_dispatch;
    /* Outcomes drained from the worker, recorded by the running
     * transaction (again if it runs again), dropped after its commit. */
    notify_worker_result_t *results;
    int n_results;
    int is_recovered, recovering;
};

/* ---- the worker thread ---- */

/* Sends one entry of a group; journals it when it was accepted. */
static void
s_send_one (notify_worker_t *self, void *state, const char *id, const char *attempt, zmsg_t *job,
            notify_worker_result_t *r)
{
    *r = (notify_worker_result_t) {.tag = -1, .outcome = NOTIFY_ATTEMPT_TEMPORARY};
    snprintf (r->id, sizeof r->id, "%s", id);
    self->ops->send (self->arg, state, id, job, r);
    if (r->outcome != NOTIFY_ATTEMPT_DELIVERED)
        return;
    int rc = notify_journal_append (self->base->journal, id,
                                    (uint32_t) strtoul (attempt, NULL, 10), r->location);
    if (rc)
        bc_warn ("event=journal_write_failed notification=%s reason=\"%s\"", id, strerror (rc));
}

static void
s_worker (zsock_t *pipe, void *args)
{
    notify_worker_t *self = args;
    const notify_worker_ops_t *ops = self->ops;
    void *state = ops->thread_new ? ops->thread_new (self->arg) : NULL;
    bc_client_t *waker = bc_client_new_for (bc_service_config (self->svc), "notify", "notify");
    zsock_signal (pipe, 0);
    zmsg_t *msg;
    while ((msg = notify_outbox_next_job (pipe))) {
        zmsg_t *out = zmsg_new ();
        zmsg_addstr (out, "DONE");
        int accepted = 0;
        while (zmsg_size (msg) >= 2 + (size_t) ops->n_frames) {
            char *id = zmsg_popstr (msg), *attempt = zmsg_popstr (msg);
            zmsg_t *job = zmsg_new ();
            for (int i = 0; i < ops->n_frames; i++) {
                zframe_t *frame = zmsg_pop (msg);
                zmsg_append (job, &frame);
            }
            notify_worker_result_t r;
            s_send_one (self, state, id ? id : "", attempt ? attempt : "0", job, &r);
            accepted += r.outcome == NOTIFY_ATTEMPT_DELIVERED;
            zmsg_addstr (out, r.id);
            zmsg_addstrf (out, "%d", r.tag);
            zmsg_addstrf (out, "%d", (int) r.outcome);
            zmsg_addstrf (out, "%d", r.code);
            zmsg_addstr (out, r.reason);
            zmsg_addstr (out, r.location);
            zmsg_addstrf (out, "%lld", (long long) r.retry_first_ms);
            zmsg_addstrf (out, "%lld", (long long) r.retry_after_ms);
            zmsg_destroy (&job);
            free (id), free (attempt);
        }
        if (accepted)
            notify_journal_sync (self->base->journal);
        zmsg_send (&out, pipe);
        if (waker)
            notify_outbox_wake (waker, ops->name);
        zmsg_destroy (&msg);
    }
    bc_client_destroy (&waker);
    if (ops->thread_destroy)
        ops->thread_destroy (self->arg, &state);
    OPENSSL_thread_stop (); /* as notify_outbox.c's worker: libcurl's TLS per thread */
}

/* Takes the worker's answer to a group, if there is one (waiting up to
 * wait_ms). */
static int
s_drain (notify_worker_t *self, int wait_ms)
{
    zsock_t *pipe = zactor_sock (self->actor);
    if (!notify_outbox_wait (pipe, wait_ms))
        return 0;
    zmsg_t *msg = zmsg_recv (pipe);
    if (!msg)
        return 0;
    free (zmsg_popstr (msg));
    self->n_results = 0;
    while (zmsg_size (msg) >= S_ANSWER_FRAMES && self->n_results < self->batch_max) {
        char *f[S_ANSWER_FRAMES];
        for (int i = 0; i < S_ANSWER_FRAMES; i++)
            f[i] = zmsg_popstr (msg);
        notify_worker_result_t *r = &self->results[self->n_results++];
        snprintf (r->id, sizeof r->id, "%s", f[0] ? f[0] : "");
        r->tag = f[1] ? atoi (f[1]) : -1;
        r->outcome = f[2] ? (notify_attempt_outcome_t) atoi (f[2]) : NOTIFY_ATTEMPT_TEMPORARY;
        r->code = f[3] ? atoi (f[3]) : 0;
        snprintf (r->reason, sizeof r->reason, "%s", f[4] ? f[4] : "");
        snprintf (r->location, sizeof r->location, "%s", f[5] ? f[5] : "");
        r->retry_first_ms = f[6] ? strtoll (f[6], NULL, 10) : 0;
        r->retry_after_ms = f[7] ? strtoll (f[7], NULL, 10) : 0;
        for (int i = 0; i < S_ANSWER_FRAMES; i++)
            free (f[i]);
    }
    zmsg_destroy (&msg);
    self->is_busy = 0;
    return 1;
}

/* ---- the loop's hooks ---- */

static int
s_record (notify_worker_t *self, notify_outbox_t *ob, bc_tx_t *tx,
          const notify_worker_result_t *r)
{
    const notify_transport_t *t =
        self->ops->transport ? self->ops->transport (self->arg, r->tag) : NULL;
    notify_attempt_t a = {
        .id = r->id,
        .outcome = r->outcome,
        .code = r->code,
        .reason = r->reason,
        .location = r->location,
        .retry_first_ms = r->retry_first_ms,
        .retry_after_ms = r->retry_after_ms,
    };
    return notify_outbox_record_outcome (ob, tx, t ? t : self->base, &a);
}

int
notify_worker_before_batch (notify_worker_t *self, notify_outbox_t *ob, bc_tx_t *tx)
{
    int rc = 0;
    self->n_dispatch = 0;
    self->recovering = !self->is_recovered;
    if (self->recovering && (rc = notify_outbox_recover (ob, tx, self->base)))
        return rc;
    if (self->n_results == 0 && self->actor)
        s_drain (self, 0);
    for (int i = 0; i < self->n_results; i++)
        if ((rc = s_record (self, ob, tx, &self->results[i])))
            return rc;
    if (!self->is_busy)
        rc = notify_outbox_pick (ob, tx, self->base->db_due, 4 * self->batch_max, self->dispatch,
                                 self->batch_max, &self->n_dispatch);
    return rc;
}

/* Hands the group the committed transaction marked to the worker. */
static void
s_dispatch (notify_worker_t *self, notify_outbox_t *ob)
{
    MDB_txn *txn;
    if (!self->actor
        || mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "SEND");
    for (int i = 0; i < self->n_dispatch; i++) {
        int rc;
        Balcao__V1__OutboxEntry *e = notify_outbox_get (ob, txn, self->dispatch[i], &rc);
        if (!e)
            continue;
        zmsg_addstr (msg, self->dispatch[i]);
        zmsg_addstrf (msg, "%u", e->attempts);
        self->ops->build (self->arg, e, msg);
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
    }
    mdb_txn_abort (txn);
    if (zmsg_send (&msg, zactor_sock (self->actor)) == 0)
        self->is_busy = 1;
    else
        zmsg_destroy (&msg);
}

int64_t
notify_worker_after_commit (notify_worker_t *self, notify_outbox_t *ob)
{
    self->n_results = 0;
    if (self->recovering)
        self->is_recovered = 1;
    if (self->is_recovered && !self->is_busy && self->n_dispatch == 0)
        notify_journal_trim (self->base->journal, 256 * 1024);
    if (self->n_dispatch) {
        s_dispatch (self, ob);
        self->n_dispatch = 0;
    }
    return self->is_busy ? 0 : notify_outbox_first_due (ob, self->base->db_due);
}

void
notify_worker_timer (notify_worker_t *self)
{
    if ((self->actor && zsock_events (zactor_sock (self->actor)) & ZMQ_POLLIN)
        || !self->is_recovered)
        bc_service_wake (self->svc);
}

/* ---- life ---- */

notify_worker_t *
notify_worker_new (bc_service_t *svc, const notify_worker_ops_t *ops, void *arg,
                   const notify_transport_t *base, int batch_max)
{
    notify_worker_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->ops = ops;
    self->arg = arg;
    self->base = base;
    self->batch_max = batch_max < 1 ? 1 : batch_max;
    self->dispatch = calloc ((size_t) self->batch_max, sizeof *self->dispatch);
    self->results = calloc ((size_t) self->batch_max, sizeof *self->results);
    self->actor = zactor_new (s_worker, self);
    return self;
}

void
notify_worker_destroy (notify_worker_t **self_p, int wait_ms)
{
    notify_worker_t *self = *self_p;
    if (!self)
        return;
    if (self->actor) {
        if (self->is_busy)
            s_drain (self, wait_ms);
        zactor_destroy (&self->actor);
    }
    free (self->dispatch);
    free (self->results);
    free (self);
    *self_p = NULL;
}
