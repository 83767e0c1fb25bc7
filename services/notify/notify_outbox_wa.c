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
 * Meta's code and message). */
#include "notify_outbox_internal.h"

#include "bc_client.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "bc_store.h"
#include "notify_whatsapp.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <sodium.h>
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
    int64_t retry_first_ms, retry_max_ms, rate_first_ms, retry_for_ms;
    int jitter_pct;
    int batch_max;
    zactor_t *worker;
    notify_journal_t *journal;
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

/* Wakes the service loop with a Ping on notify's own command socket. */
static void
s_wake (bc_client_t *client)
{
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_header_t h = {.source = "notify-whatsapp", .principal = "system:notify"};
    size_t len;
    uint8_t *frame = bc_envelope_pack (&h, &ping.base, &len);
    bc_client_send_raw (client, frame, len);
    free (frame);
    bc_envelope_t *pong;
    while (bc_client_recv (client, 0, &pong) == BC_OK)
        bc_envelope_destroy (&pong);
}

/* SEND, then (id, attempt, body) per message; answers with DONE, then
 * (id, outcome, code, reason, wamid) per message. */
static void
s_worker (zsock_t *pipe, void *args)
{
    notify_outbox_wa_t *self = args;
    notify_whatsapp_t *wa = notify_whatsapp_new (&self->config);
    bc_client_t *waker = bc_client_new_for (bc_service_config (self->svc), "notify", "notify");
    zsock_signal (pipe, 0);
    while (1) {
        zmsg_t *msg = zmsg_recv (pipe);
        if (!msg) {
            if (zmq_errno () == ETERM)
                break;
            continue;
        }
        char *command = zmsg_popstr (msg);
        if (notify_outbox_is (command, "$TERM")) {
            free (command);
            zmsg_destroy (&msg);
            break;
        }
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
                if ((jrc = notify_journal_append (self->journal, id,
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
            notify_journal_sync (self->journal);
        zmsg_send (&out, pipe);
        if (waker)
            s_wake (waker);
        free (command);
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
    if (!(zsock_events (pipe) & ZMQ_POLLIN)) {
        if (wait_ms <= 0)
            return 0;
        zmq_pollitem_t item = {zsock_resolve (pipe), 0, ZMQ_POLLIN, 0};
        int64_t until = bc_mono_ms () + wait_ms;
        int rc;
        while ((rc = zmq_poll (&item, 1, (long) (until - bc_mono_ms ()))) < 0
               && zmq_errno () == EINTR && bc_mono_ms () < until)
            ;
        if (rc <= 0)
            return 0;
    }
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
s_wa_due_put (notify_outbox_t *ob, MDB_txn *txn, int64_t at_us, const char *id)
{
    unsigned char key[8 + NOTIFY_ID_MAX];
    bc_key_from_u64 ((uint64_t) at_us, key);
    size_t n = strlen (id);
    memcpy (key + 8, id, n);
    MDB_val k = {8 + n, key}, empty = {0, ""};
    return mdb_put (txn, ob->db_wa_due, &k, &empty, 0);
}

static int
s_record (notify_outbox_t *ob, bc_tx_t *tx, const s_result_t_wa *r)
{
    notify_outbox_wa_t *self = ob->wa;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__OutboxEntry *e = notify_outbox_get (ob, txn, r->id, &rc);
    if (!e)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (!notify_outbox_is (notify_outbox_state (e), "sending")) {
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        return 0;
    }
    int64_t now = bc_tx_now_us (tx);
    char clean[512];
    if (r->outcome == NOTIFY_WA_OK) {
        notify_outbox_set_str (&e->whatsapp_message_id, r->wamid);
        rc = notify_outbox_delivered (ob, tx, r->id, e, r->wamid, "whatsapp");
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        return rc;
    }
    e->last_code = (uint32_t) r->code;
    notify_outbox_set_str (&e->last_error, r->reason);
    if (r->outcome == NOTIFY_WA_WINDOW && e->whatsapp_fallback.len > 0) {
        /* The window closed before the notice went: the approved template
         * goes instead, now (once: the fallback is used up). */
        free (e->mail.data);
        e->mail = e->whatsapp_fallback;
        e->whatsapp_fallback.data = NULL;
        e->whatsapp_fallback.len = 0;
        notify_outbox_set_str (&e->state, "pending");
        e->next_attempt_us = now;
        rc = notify_outbox_put (ob, txn, r->id, e);
        if (rc == 0)
            rc = s_wa_due_put (ob, txn, now, r->id);
        if (rc == 0)
            bc_info ("event=whatsapp_template_fallback notification=%s reason=\"%s\"", r->id,
                     bc_log_clean (r->reason, clean, sizeof clean));
    }
    else if (r->outcome == NOTIFY_WA_WINDOW || r->outcome == NOTIFY_WA_PERMANENT)
        rc = notify_outbox_make_dead (ob, tx, r->id, e);
    else if (now - e->queued_us > self->retry_for_ms * 1000) {
        char why[600];
        snprintf (why, sizeof why, "gave up after %u attempts: %s", e->attempts, r->reason);
        notify_outbox_set_str (&e->last_error, why);
        rc = notify_outbox_make_dead (ob, tx, r->id, e);
    }
    else {
        /* Meta's rate limit: the number sent too much; wait longer than
         * after a passing failure. */
        int64_t first = r->outcome == NOTIFY_WA_RATE_LIMIT ? self->rate_first_ms
                                                            : self->retry_first_ms;
        int64_t wait_ms =
            notify_smtp_backoff_ms (e->attempts, first, self->retry_max_ms, self->jitter_pct,
                                    (double) randombytes_uniform (1000000) / 1e6);
        notify_outbox_set_str (&e->state, "retrying");
        e->next_attempt_us = now + wait_ms * 1000;
        rc = notify_outbox_put (ob, txn, r->id, e);
        if (rc == 0)
            rc = s_wa_due_put (ob, txn, e->next_attempt_us, r->id);
        if (rc == 0)
            bc_warn ("event=delivery_deferred notification=%s transport=whatsapp attempts=%u "
                     "code=%d retry_in_ms=%lld reason=\"%s\"",
                     r->id, e->attempts, r->code, (long long) wait_ms,
                     bc_log_clean (r->reason, clean, sizeof clean));
    }
    balcao__v1__outbox_entry__free_unpacked (e, NULL);
    return rc;
}

/* After a start: WhatsApp entries still "sending" were delivered when the
 * worker's journal has their wamid; else they are sent again. Every
 * pending WhatsApp entry gets its wa_due key (queued while WhatsApp was
 * not configured, or before a crash). */
static int
s_recover (notify_outbox_t *ob, bc_tx_t *tx)
{
    notify_outbox_wa_t *self = ob->wa;
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, ob->db_pending, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (crc == 0 && rc == 0) {
        char id[NOTIFY_ID_MAX];
        snprintf (id, sizeof id, "%.*s", (int) k.mv_size, (char *) k.mv_data);
        Balcao__V1__OutboxEntry *e = notify_outbox_get (ob, txn, id, &rc);
        if (e && notify_outbox_is_whatsapp (e)) {
            const char *state = notify_outbox_state (e);
            char *wamid = notify_outbox_is (state, "sending")
                              ? notify_journal_find (self->journal, id, e->attempts)
                              : NULL;
            if (wamid) {
                bc_info ("event=attempt_outcome_journaled notification=%s attempts=%u", id,
                         e->attempts);
                notify_outbox_set_str (&e->whatsapp_message_id, wamid);
                rc = notify_outbox_delivered (ob, tx, id, e, wamid, "whatsapp");
            }
            else {
                if (notify_outbox_is (state, "sending")) {
                    bc_warn ("event=attempt_outcome_unknown notification=%s attempts=%u "
                             "transport=whatsapp action=retry",
                             id, e->attempts);
                    notify_outbox_set_str (&e->state, "retrying");
                    e->next_attempt_us = bc_tx_now_us (tx);
                    rc = notify_outbox_put (ob, txn, id, e);
                }
                if (rc == 0)
                    rc = s_wa_due_put (ob, txn,
                                       e->next_attempt_us ? e->next_attempt_us : e->queued_us, id);
            }
            free (wamid);
        }
        else if (!e && rc == MDB_NOTFOUND)
            rc = 0;
        if (e)
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
        if (rc == 0)
            crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc;
}

/* Marks up to batch_max due messages "sending" and remembers them for
 * after the commit. */
static int
s_pick (notify_outbox_t *ob, bc_tx_t *tx)
{
    notify_outbox_wa_t *self = ob->wa;
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, ob->db_wa_due, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    for (int scanned = 0; crc == 0 && scanned < 4 * self->batch_max; scanned++) {
        MDB_val head = {8, k.mv_data};
        if (k.mv_size <= 8 || (int64_t) bc_key_to_u64 (&head) > now
            || self->n_dispatch >= self->batch_max)
            break;
        char id[NOTIFY_ID_MAX];
        snprintf (id, sizeof id, "%.*s", (int) (k.mv_size - 8), (char *) k.mv_data + 8);
        if ((rc = mdb_cursor_del (cur, 0)))
            break;
        Balcao__V1__OutboxEntry *e = notify_outbox_get (ob, txn, id, &rc);
        if (!e) {
            if (rc != MDB_NOTFOUND)
                break;
            rc = 0;
        }
        else {
            const char *state = notify_outbox_state (e);
            if (notify_outbox_is (state, "pending") || notify_outbox_is (state, "retrying")) {
                notify_outbox_set_str (&e->state, "sending");
                e->attempts++;
                e->last_attempt_us = now;
                e->next_attempt_us = 0;
                rc = notify_outbox_put (ob, txn, id, e);
                if (rc == 0)
                    snprintf (self->dispatch[self->n_dispatch++], NOTIFY_ID_MAX, "%s", id);
            }
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
            if (rc)
                break;
        }
        crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc;
}

int
notify_outbox_wa_before_batch (notify_outbox_t *ob, bc_tx_t *tx)
{
    notify_outbox_wa_t *self = ob->wa;
    int rc = 0;
    self->n_dispatch = 0;
    self->recovering = !self->is_recovered;
    if (self->recovering && (rc = s_recover (ob, tx)))
        return rc;
    if (self->n_results == 0)
        s_drain (self, 0);
    for (int i = 0; i < self->n_results; i++)
        if ((rc = s_record (ob, tx, &self->results[i])))
            return rc;
    if (!self->is_busy)
        rc = s_pick (ob, tx);
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

/* The first instant in wa_due, 0 when none. */
static int64_t
s_first_due (notify_outbox_t *ob)
{
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (ob->svc)), NULL, MDB_RDONLY, &txn))
        return 0;
    MDB_cursor *cur;
    int64_t at = 0;
    MDB_val k, v;
    if (mdb_cursor_open (txn, ob->db_wa_due, &cur) == 0) {
        if (mdb_cursor_get (cur, &k, &v, MDB_FIRST) == 0 && k.mv_size > 8) {
            MDB_val head = {8, k.mv_data};
            at = (int64_t) bc_key_to_u64 (&head);
        }
        mdb_cursor_close (cur);
    }
    mdb_txn_abort (txn);
    return at;
}

int64_t
notify_outbox_wa_after_commit (notify_outbox_t *ob)
{
    notify_outbox_wa_t *self = ob->wa;
    self->n_results = 0;
    if (self->recovering)
        self->is_recovered = 1;
    if (self->is_recovered && !self->is_busy && self->n_dispatch == 0)
        notify_journal_trim (self->journal, 256 * 1024);
    if (self->n_dispatch) {
        s_dispatch (ob);
        self->n_dispatch = 0;
    }
    return self->is_busy ? 0 : s_first_due (ob);
}

void
notify_outbox_wa_timer (notify_outbox_t *ob)
{
    notify_outbox_wa_t *self = ob->wa;
    if ((self->worker && zsock_events (zactor_sock (self->worker)) & ZMQ_POLLIN)
        || !self->is_recovered)
        bc_service_wake (self->svc);
}

/* ---- life ---- */

static char *
s_read_token (const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        bc_error ("event=whatsapp_token_unreadable file=%s reason=\"%s\"", path,
                  strerror (errno));
        return NULL;
    }
    char line[4096] = "";
    if (!fgets (line, sizeof line, f))
        line[0] = 0;
    fclose (f);
    line[strcspn (line, "\r\n")] = 0;
    char *out = strdup (line);
    memset (line, 0, sizeof line);
    return out;
}

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
    if (!(self->token = s_read_token (token_file))) {
        free (self);
        *failed = 1;
        return NULL;
    }
    self->retry_first_ms = bc_config_int (cfg, "notify/whatsapp/retry_first_ms", 10000);
    self->retry_max_ms = bc_config_int (cfg, "notify/whatsapp/retry_max_ms", 3600000);
    self->rate_first_ms = bc_config_int (cfg, "notify/whatsapp/rate_limit_first_ms", 60000);
    self->retry_for_ms =
        bc_config_int (cfg, "notify/whatsapp/retry_for_ms", 24LL * 3600 * 1000);
    self->jitter_pct = (int) bc_config_int (cfg, "notify/whatsapp/retry_jitter_pct", 20);
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
    if (!(self->journal = notify_journal_new (journal))) {
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
    notify_journal_destroy (&self->journal);
    if (self->token) {
        memset (self->token, 0, strlen (self->token));
        free (self->token);
    }
    free (self->dispatch);
    free (self->results);
    free (self);
    *self_p = NULL;
}
