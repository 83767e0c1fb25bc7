/* notify_outbox_wa: the outbox's WhatsApp deliveries (see docs/ARCHITECTURE.md,
 * "WhatsApp out").
 *
 * The same states as SMTP (pending, sending, retrying, dead, delivered) on
 * the same records, with a queue of their own (wa_due) and a worker
 * thread of their own, so a slow mail server never holds up WhatsApp nor
 * the other way round. WhatsApp goes in groups: one transaction marks up
 * to notify/whatsapp/batch due messages "sending" (each attempt on record
 * before it is made); after the commit the worker POSTs them one after
 * the other on one kept-alive connection; each one Meta accepts is
 * appended to the worker's journal (whatsapp.journal, with its wamid) the
 * moment the answer arrives, the group's journal is synced once, and the
 * outcomes go back to the loop, which records them in its next
 * transaction. A restart finds attempts still "sending": delivered when
 * the journal has their wamid, else sent again (Meta never answered, or
 * its answer was lost with the process: the one window for a duplicate).
 *
 * Outcomes: accepted (delivered, wamid kept); 130429 rate limit (retry,
 * the backoff starting at notify/whatsapp/rate_limit_first_ms); 5xx, no
 * connection, a timeout (retry with the usual backoff); 131047 outside
 * the 24-hour window (the approved template instead, once, when the entry
 * has one; else a dead letter); any other refusal (a dead letter, with
 * Meta's code and message). notify_outbox_outcome.c records them, as it
 * does SMTP's.
 *
 * Meta's later statuses (intake's WhatsAppStatusReceived): a delivered
 * entry's wamid is indexed (wa_sent -> id); "failed" with 131047 sends its
 * template after all, any other failure makes it a dead letter. */
#include "notify_outbox_internal.h"

#include "bc_client.h"
#include "bc_log.h"
#include "bc_store.h"
#include "notify_whatsapp.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BATCH_LIMIT 1024

typedef struct {
    char id[NOTIFY_ID_MAX];
    notify_whatsapp_outcome_t outcome;
    int code;
    char reason[512];
    char wamid[256];
} s_result_t_wa;

struct notify_outbox_wa_t {
    bc_service_t *svc;
    char api_url[1024], phone_number_id[128];
    char *token;
    notify_whatsapp_config_t config;
    /* WhatsApp's retry policy, queue (wa_due) and journal (wamids). */
    notify_transport_t transport;
    int64_t rate_first_ms; /* the backoff's first step after 130429 */
    int batch_max;
    zactor_t *worker;
    /* The worker holds a group (sent after a commit, outcomes not drained). */
    int is_busy;
    /* Chosen and marked "sending" by the running transaction. */
    char (*dispatch)[NOTIFY_ID_MAX];
    int n_dispatch;
    /* Outcomes drained from the worker, recorded by the running
     * transaction (again if it runs again), dropped after its commit. */
    s_result_t_wa *results;
    int n_results;
    int is_recovered, recovering;
};

static const char *
s_outcome_name (notify_whatsapp_outcome_t o)
{
    return o == NOTIFY_WA_OK           ? "ok"
           : o == NOTIFY_WA_RATE_LIMIT ? "rate_limit"
           : o == NOTIFY_WA_WINDOW     ? "window"
           : o == NOTIFY_WA_PERMANENT  ? "permanent"
                                       : "temporary";
}

static notify_whatsapp_outcome_t
s_outcome_of (const char *name)
{
    return notify_outbox_is (name, "ok")           ? NOTIFY_WA_OK
           : notify_outbox_is (name, "rate_limit") ? NOTIFY_WA_RATE_LIMIT
           : notify_outbox_is (name, "window")     ? NOTIFY_WA_WINDOW
           : notify_outbox_is (name, "permanent")  ? NOTIFY_WA_PERMANENT
                                                   : NOTIFY_WA_TEMPORARY;
}

/* ---- the worker ---- */

/* SEND, then (id, attempt, body) per message; answers with DONE, then
 * (id, outcome, code, reason, wamid) per message. */
static void
s_worker (zsock_t *pipe, void *args)
{
    notify_outbox_wa_t *self = args;
    notify_whatsapp_t *wa = notify_whatsapp_new (&self->config);
    bc_client_t *waker = bc_client_new_for (bc_service_config (self->svc), "notify", "notify");
    zsock_signal (pipe, 0);
    zmsg_t *msg;
    while ((msg = notify_outbox_next_job (pipe))) {
        zmsg_t *out = zmsg_new ();
        zmsg_addstr (out, "DONE");
        int accepted = 0;
        while (zmsg_size (msg) >= 3) {
            char *id = zmsg_popstr (msg);
            char *attempt = zmsg_popstr (msg);
            zframe_t *body = zmsg_pop (msg);
            notify_whatsapp_result_t r = {.outcome = NOTIFY_WA_TEMPORARY};
            if (!wa)
                snprintf (r.reason, sizeof r.reason, "libcurl could not start");
            else
                notify_whatsapp_send (wa, (const char *) zframe_data (body), zframe_size (body),
                                      &r);
            int jrc;
            if (r.outcome == NOTIFY_WA_OK) {
                accepted++;
                if ((jrc = notify_journal_append (self->transport.journal, id,
                                                  (uint32_t) strtoul (attempt, NULL, 10),
                                                  r.wamid)))
                    bc_warn ("event=journal_write_failed notification=%s reason=\"%s\"", id,
                             strerror (jrc));
            }
            zmsg_addstr (out, id);
            zmsg_addstr (out, s_outcome_name (r.outcome));
            zmsg_addstrf (out, "%d", r.code);
            zmsg_addstr (out, r.reason);
            zmsg_addstr (out, r.wamid);
            free (id);
            free (attempt);
            zframe_destroy (&body);
        }
        if (accepted)
            notify_journal_sync (self->transport.journal);
        zmsg_send (&out, pipe);
        if (waker)
            notify_outbox_wake (waker, "notify-whatsapp");
        zmsg_destroy (&msg);
    }
    bc_client_destroy (&waker);
    notify_whatsapp_destroy (&wa);
    OPENSSL_thread_stop (); /* as notify_outbox.c's worker: libcurl's TLS per thread */
}

/* Takes the worker's answer to a group, if there is one (waiting up to
 * wait_ms). */
static int
s_drain (notify_outbox_wa_t *self, int wait_ms)
{
    zsock_t *pipe = zactor_sock (self->worker);
    if (!notify_outbox_wait (pipe, wait_ms))
        return 0;
    zmsg_t *msg = zmsg_recv (pipe);
    if (!msg)
        return 0;
    char *head = zmsg_popstr (msg);
    free (head);
    size_t n = zmsg_size (msg) / 5;
    self->results = realloc (self->results, (n ? n : 1) * sizeof *self->results);
    self->n_results = 0;
    for (size_t i = 0; i < n; i++) {
        char *id = zmsg_popstr (msg), *outcome = zmsg_popstr (msg), *code = zmsg_popstr (msg);
        char *reason = zmsg_popstr (msg), *wamid = zmsg_popstr (msg);
        s_result_t_wa *r = &self->results[self->n_results++];
        snprintf (r->id, sizeof r->id, "%s", id ? id : "");
        r->outcome = s_outcome_of (outcome);
        r->code = code ? atoi (code) : 0;
        snprintf (r->reason, sizeof r->reason, "%s", reason ? reason : "");
        snprintf (r->wamid, sizeof r->wamid, "%s", wamid ? wamid : "");
        free (id), free (outcome), free (code), free (reason), free (wamid);
    }
    zmsg_destroy (&msg);
    self->is_busy = 0;
    return 1;
}

/* ---- outcomes ---- */

static int
s_record (notify_outbox_t *ob, bc_tx_t *tx, const s_result_t_wa *r)
{
    notify_outbox_wa_t *self = ob->wa;
    notify_attempt_t a = {
        .id = r->id,
        .outcome = r->outcome == NOTIFY_WA_OK          ? NOTIFY_ATTEMPT_DELIVERED
                   : r->outcome == NOTIFY_WA_WINDOW    ? NOTIFY_ATTEMPT_WINDOW
                   : r->outcome == NOTIFY_WA_PERMANENT ? NOTIFY_ATTEMPT_PERMANENT
                                                       : NOTIFY_ATTEMPT_TEMPORARY,
        .code = r->code,
        .reason = r->reason,
        .location = r->wamid,
        /* Meta's rate limit: the number sent too much; wait longer than
         * after a passing failure. */
        .retry_first_ms = r->outcome == NOTIFY_WA_RATE_LIMIT ? self->rate_first_ms : 0,
    };
    return notify_outbox_record_outcome (ob, tx, &self->transport, &a);
}

int
notify_outbox_wa_before_batch (notify_outbox_t *ob, bc_tx_t *tx)
{
    notify_outbox_wa_t *self = ob->wa;
    int rc = 0;
    self->n_dispatch = 0;
    self->recovering = !self->is_recovered;
    if (self->recovering && (rc = notify_outbox_recover (ob, tx, &self->transport)))
        return rc;
    if (self->n_results == 0)
        s_drain (self, 0);
    for (int i = 0; i < self->n_results; i++)
        if ((rc = s_record (ob, tx, &self->results[i])))
            return rc;
    if (!self->is_busy)
        rc = notify_outbox_pick (ob, tx, ob->db_wa_due, 4 * self->batch_max, self->dispatch,
                                 self->batch_max, &self->n_dispatch);
    return rc;
}

static void
s_dispatch (notify_outbox_t *ob)
{
    notify_outbox_wa_t *self = ob->wa;
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
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
        zmsg_addmem (msg, e->mail.data, e->mail.len);
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
    }
    mdb_txn_abort (txn);
    if (zmsg_send (&msg, zactor_sock (self->worker)) == 0)
        self->is_busy = 1;
    else
        zmsg_destroy (&msg);
}

int64_t
notify_outbox_wa_after_commit (notify_outbox_t *ob)
{
    notify_outbox_wa_t *self = ob->wa;
    self->n_results = 0;
    if (self->recovering)
        self->is_recovered = 1;
    if (self->is_recovered && !self->is_busy && self->n_dispatch == 0)
        notify_journal_trim (self->transport.journal, 256 * 1024);
    if (self->n_dispatch) {
        s_dispatch (ob);
        self->n_dispatch = 0;
    }
    return self->is_busy ? 0 : notify_outbox_first_due (ob, ob->db_wa_due);
}

void
notify_outbox_wa_timer (notify_outbox_t *ob)
{
    notify_outbox_wa_t *self = ob->wa;
    if ((self->worker && zsock_events (zactor_sock (self->worker)) & ZMQ_POLLIN)
        || !self->is_recovered)
        bc_service_wake (self->svc);
}

/* ---- Meta's statuses of what it accepted ---- */

int
notify_outbox_whatsapp_status (notify_outbox_t *ob, bc_tx_t *tx,
                               const Balcao__V1__WhatsAppStatusReceived *st)
{
    /* Ours are shorter than a wamid's buffer (s_result_t_wa); a longer one
     * is none of ours, and no LMDB key. */
    size_t len = st->message_id ? strlen (st->message_id) : 0;
    if (!notify_outbox_is (st->status, "failed") || len == 0
        || len >= sizeof ((s_result_t_wa *) 0)->wamid)
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_val k = {len, st->message_id}, v;
    int rc = mdb_get (txn, ob->db_wa_sent, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc; /* not ours, or not recorded as delivered */
    char id[NOTIFY_ID_MAX];
    snprintf (id, sizeof id, "%.*s", (int) v.mv_size, (char *) v.mv_data);
    Balcao__V1__OutboxEntry *e = notify_outbox_get (ob, txn, id, &rc);
    if (!e)
        return rc == MDB_NOTFOUND ? 0 : rc;
    /* Only about the entry's last message, once: after the template went
     * instead, or the dead letter, the same status (redelivered, or again
     * with its ticket) and statuses of the message it replaced change
     * nothing. */
    if (!notify_outbox_is (notify_outbox_state (e), "delivered")
        || !notify_outbox_is (e->whatsapp_message_id, st->message_id)) {
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        return 0;
    }
    /* The gateway's title starts with the code ("131026: Message
     * undeliverable"); another publisher's may not. */
    char code[24], reason[512];
    snprintf (code, sizeof code, "%lld", (long long) st->error_code);
    if (strncmp (st->error_title, code, strlen (code)) == 0)
        snprintf (reason, sizeof reason, "%s", st->error_title);
    else
        snprintf (reason, sizeof reason, "%s %s", code,
                  *st->error_title ? st->error_title : "failed after Meta accepted it");
    e->last_code = (uint32_t) st->error_code;
    notify_outbox_set_str (&e->last_error, reason);
    bc_info ("event=whatsapp_status_failed notification=%s message_id=%s code=%lld", id,
             st->message_id, (long long) st->error_code);
    /* 131047: the window had closed when Meta came to deliver the free
     * text; its template goes instead, as when Meta refuses it at once. */
    if (st->error_code == 131047)
        rc = notify_outbox_use_fallback (ob, tx, id, e);
    else
        rc = notify_outbox_make_dead (ob, tx, id, e);
    balcao__v1__outbox_entry__free_unpacked (e, NULL);
    return rc;
}

/* ---- life ---- */

notify_outbox_wa_t *
notify_outbox_wa_new (notify_outbox_t *ob, int *failed)
{
    *failed = 0;
    bc_config_t *cfg = bc_service_config (ob->svc);
    const char *phone = bc_config_str (cfg, "notify/whatsapp/phone_number_id", "");
    if (!*phone)
        return NULL;
    notify_outbox_wa_t *self = calloc (1, sizeof *self);
    self->svc = ob->svc;
    snprintf (self->phone_number_id, sizeof self->phone_number_id, "%s", phone);
    snprintf (self->api_url, sizeof self->api_url, "%s",
              bc_config_str (cfg, "notify/whatsapp/api_url", "https://graph.facebook.com/v21.0"));
    const char *token_file = bc_config_str (cfg, "notify/whatsapp/token_file", "");
    if (!*token_file) {
        bc_error ("event=config_invalid key=notify/whatsapp/token_file "
                  "hint=\"a file holding the Graph API access token\"");
        free (self);
        *failed = 1;
        return NULL;
    }
    if (!(self->token = notify_outbox_read_secret (token_file, "whatsapp_token_unreadable"))) {
        free (self);
        *failed = 1;
        return NULL;
    }
    self->transport = (notify_transport_t) {
        .name = "whatsapp",
        .is_whatsapp = 1,
        .db_due = ob->db_wa_due,
        .retry_first_ms = bc_config_int (cfg, "notify/whatsapp/retry_first_ms", 10000),
        .retry_max_ms = bc_config_int (cfg, "notify/whatsapp/retry_max_ms", 3600000),
        .retry_for_ms = bc_config_int (cfg, "notify/whatsapp/retry_for_ms", 24LL * 3600 * 1000),
        .retry_jitter_pct = (int) bc_config_int (cfg, "notify/whatsapp/retry_jitter_pct", 20),
    };
    self->rate_first_ms = bc_config_int (cfg, "notify/whatsapp/rate_limit_first_ms", 60000);
    self->batch_max = (int) bc_config_int (cfg, "notify/whatsapp/batch", 64);
    if (self->batch_max < 1)
        self->batch_max = 1;
    if (self->batch_max > S_BATCH_LIMIT)
        self->batch_max = S_BATCH_LIMIT;
    self->dispatch = calloc ((size_t) self->batch_max, sizeof *self->dispatch);
    self->config = (notify_whatsapp_config_t) {
        .api_url = self->api_url,
        .phone_number_id = self->phone_number_id,
        .token = self->token,
        .timeout_ms = (long) bc_config_int (cfg, "notify/whatsapp/timeout_ms", 15000),
    };
    char journal[4096];
    snprintf (journal, sizeof journal, "%s/whatsapp.journal", bc_service_dir (ob->svc));
    if (!(self->transport.journal = notify_journal_new (journal))) {
        notify_outbox_wa_destroy (&self);
        *failed = 1;
        return NULL;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    self->worker = zactor_new (s_worker, self);
    bc_info ("event=whatsapp_configured api_url=%s phone_number_id=%s batch=%d", self->api_url,
             self->phone_number_id, self->batch_max);
    return self;
}

void
notify_outbox_wa_destroy (notify_outbox_wa_t **self_p)
{
    notify_outbox_wa_t *self = *self_p;
    if (!self)
        return;
    if (self->worker) {
        /* A group in flight: let it finish (its accepted ones are in the
         * journal; the next start records them as delivered). */
        if (self->is_busy)
            s_drain (self, (int) self->config.timeout_ms + 1000);
        zactor_destroy (&self->worker);
        curl_global_cleanup ();
    }
    notify_journal_destroy (&self->transport.journal);
    if (self->token) {
        memset (self->token, 0, strlen (self->token));
        free (self->token);
    }
    free (self->dispatch);
    free (self->results);
    free (self);
    *self_p = NULL;
}
