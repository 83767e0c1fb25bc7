/* notify_outbox: outbox states and SMTP delivery (see notify_outbox.h and
 * docs/ARCHITECTURE.md, "Outbox states").
 *
 * One message at a time: the loop picks the first due one, records the
 * attempt (state "sending") and commits; after the commit the worker
 * thread sends it; on the server's 250 the worker appends it to its
 * journal (notify_journal.h) before anything else, then puts the outcome
 * on its pipe and pings notify's own command socket, which wakes the loop;
 * the next transaction records the outcome and picks the next message. A
 * restart finds an attempt still "sending": delivered if the journal has
 * its 250, else sent again. So the only window in which a crash sends a
 * message twice is from the end of our DATA to that write(): the server's
 * own time to take the message, and not the loop's next batch.
 *
 * LMDB:
 *   outbox   id -> OutboxEntry (state, attempts, next attempt, last error)
 *   pending  id -> ""          not delivered and not dead
 *   due      next_attempt_us u64 BE ‖ id -> ""   SMTP: when each is tried
 *   wa_due, wh_due                 the same, for WhatsApp and webhooks
 *   dead     id -> ""          dead letters
 *   meta     "skipped_robot", "skipped_ack_rate" -> u64 BE
 *
 * What each outcome does to the entry is notify_outbox_outcome.c's, for
 * SMTP, WhatsApp and webhooks alike.
 */
#include "notify_outbox_internal.h"
#include "notify_outbox_worker.h"

#include "bc_client.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "bc_store.h"
#include "notify_journal.h"
#include "notify_smtp.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- records ---- */

const char *
notify_outbox_state (const Balcao__V1__OutboxEntry *e)
{
    if (e->state && *e->state)
        return e->state;
    return e->delivered_us ? "delivered" : "pending";
}

int
notify_outbox_is (const char *a, const char *b)
{
    return a && strcmp (a, b) == 0;
}

Balcao__V1__OutboxEntry *
notify_outbox_get (notify_outbox_t *self, MDB_txn *txn, const char *id, int *rc)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    *rc = mdb_get (txn, self->db_outbox, &k, &v);
    if (*rc)
        return NULL;
    Balcao__V1__OutboxEntry *e = balcao__v1__outbox_entry__unpack (NULL, v.mv_size, v.mv_data);
    if (!e)
        *rc = MDB_CORRUPTED;
    return e;
}

int
notify_outbox_put (notify_outbox_t *self, MDB_txn *txn, const char *id, const Balcao__V1__OutboxEntry *e)
{
    MDB_val k = {strlen (id), (void *) id}, v;
    v.mv_size = balcao__v1__outbox_entry__get_packed_size (e);
    int rc = mdb_put (txn, self->db_outbox, &k, &v, MDB_RESERVE);
    if (rc == 0)
        balcao__v1__outbox_entry__pack (e, v.mv_data);
    return rc;
}

/* Sets a string field of an unpacked entry (freed with it by protobuf-c's
 * default allocator, which is malloc). */
void
notify_outbox_set_str (char **field, const char *value)
{
    if (*field && *field != protobuf_c_empty_string)
        free (*field);
    *field = strdup (value);
}

/* The instant at the head of a due key. */
static int64_t
s_due_at (const MDB_val *key)
{
    MDB_val head = {8, key->mv_data};
    return (int64_t) bc_key_to_u64 (&head);
}

static void
s_due_key (unsigned char *key, int64_t at_us, const char *id, size_t *len)
{
    bc_key_from_u64 ((uint64_t) at_us, key);
    size_t n = strlen (id);
    memcpy (key + 8, id, n);
    *len = 8 + n;
}

int
notify_outbox_due_put (MDB_txn *txn, MDB_dbi db_due, int64_t at_us, const char *id)
{
    unsigned char key[8 + NOTIFY_ID_MAX];
    size_t len;
    s_due_key (key, at_us, id, &len);
    MDB_val k = {len, key}, empty = {0, ""};
    return mdb_put (txn, db_due, &k, &empty, 0);
}

int
notify_outbox_del (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t len)
{
    MDB_val k = {len, (void *) key};
    int rc = mdb_del (txn, dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int
notify_outbox_is_whatsapp (const Balcao__V1__OutboxEntry *e)
{
    return e->notification && notify_outbox_is (e->notification->channel, "whatsapp");
}

const char *
notify_outbox_channel (const Balcao__V1__OutboxEntry *e)
{
    if (notify_outbox_is_whatsapp (e))
        return "whatsapp";
    if (e->notification && notify_outbox_is (e->notification->channel, "webhook"))
        return "webhook";
    return "email";
}

int
notify_outbox_schedule (notify_outbox_t *self, MDB_txn *txn, const Balcao__V1__OutboxEntry *e,
                        int64_t at_us, const char *id)
{
    /* Each waits in pending until its transport is configured. */
    if (notify_outbox_is_whatsapp (e))
        return self->wa ? notify_outbox_due_put (txn, self->db_wa_due, at_us, id) : 0;
    if (notify_outbox_is (notify_outbox_channel (e), "webhook"))
        return self->wh ? notify_outbox_due_put (txn, self->db_wh_due, at_us, id) : 0;
    return self->is_smtp ? notify_outbox_due_put (txn, self->db_due, at_us, id) : 0;
}

int
notify_outbox_add (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                   Balcao__V1__OutboxEntry *entry)
{
    MDB_txn *txn = bc_tx_txn (tx);
    entry->state = "pending";
    entry->queued_us = bc_tx_now_us (tx);
    /* A caller may set a later first attempt (webhooks: the queue's order). */
    if (entry->next_attempt_us < entry->queued_us)
        entry->next_attempt_us = entry->queued_us;
    int rc = notify_outbox_put (self, txn, id, entry);
    MDB_val k = {strlen (id), (void *) id}, empty = {0, ""};
    if (rc == 0)
        rc = mdb_put (txn, self->db_pending, &k, &empty, 0);
    if (rc == 0)
        rc = notify_outbox_schedule (self, txn, entry, entry->next_attempt_us, id);
    return rc;
}

int
notify_outbox_pick (notify_outbox_t *self, bc_tx_t *tx, MDB_dbi db_due, int scan_max,
                    char (*ids)[NOTIFY_ID_MAX], int max, int *n)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, db_due, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    for (int scanned = 0; crc == 0 && scanned < scan_max && *n < max; scanned++) {
        if (k.mv_size <= 8 || s_due_at (&k) > now)
            break;
        char id[NOTIFY_ID_MAX];
        snprintf (id, sizeof id, "%.*s", (int) (k.mv_size - 8), (char *) k.mv_data + 8);
        if ((rc = mdb_cursor_del (cur, 0)))
            break;
        Balcao__V1__OutboxEntry *e = notify_outbox_get (self, txn, id, &rc);
        if (!e) {
            if (rc != MDB_NOTFOUND)
                break;
            rc = 0;
        }
        else {
            const char *state = notify_outbox_state (e);
            /* Anything else: a stale key. */
            if (notify_outbox_is (state, "pending") || notify_outbox_is (state, "retrying")) {
                notify_outbox_set_str (&e->state, "sending");
                e->attempts++;
                e->last_attempt_us = now;
                e->next_attempt_us = 0;
                rc = notify_outbox_put (self, txn, id, e);
                if (rc == 0) {
                    snprintf (ids[(*n)++], NOTIFY_ID_MAX, "%s", id);
                    bc_debug ("event=attempt notification=%s", id);
                }
            }
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
            if (rc)
                break;
        }
        /* After mdb_cursor_del, MDB_NEXT gives the key that followed. */
        crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc;
}

int64_t
notify_outbox_first_due (notify_outbox_t *self, MDB_dbi db_due)
{
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return 0;
    MDB_cursor *cur;
    int64_t at = 0;
    MDB_val k, v;
    if (mdb_cursor_open (txn, db_due, &cur) == 0) {
        if (mdb_cursor_get (cur, &k, &v, MDB_FIRST) == 0 && k.mv_size > 8)
            at = s_due_at (&k);
        mdb_cursor_close (cur);
    }
    mdb_txn_abort (txn);
    return at;
}

int
notify_outbox_count_skipped (notify_outbox_t *self, bc_tx_t *tx, const char *counter)
{
    uint64_t n = 0;
    int rc = bc_store_get_u64 (bc_tx_txn (tx), self->db_meta, counter, &n);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    return bc_store_put_u64 (bc_tx_txn (tx), self->db_meta, counter, n + 1);
}

/* ---- the workers' plumbing (SMTP's here, WhatsApp's too) ---- */

/* A Ping on notify's own command socket is a request, and a request runs
 * a batch at once. */
void
notify_outbox_wake (bc_client_t *client, const char *source)
{
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_header_t h = {.source = (char *) source, .principal = "system:notify"};
    size_t len;
    uint8_t *frame = bc_envelope_pack (&h, &ping.base, &len);
    bc_client_send_raw (client, frame, len);
    free (frame);
    bc_envelope_t *pong;
    while (bc_client_recv (client, 0, &pong) == BC_OK)
        bc_envelope_destroy (&pong);
}

zmsg_t *
notify_outbox_next_job (zsock_t *pipe)
{
    while (1) {
        zmsg_t *msg = zmsg_recv (pipe);
        if (!msg) {
            if (zmq_errno () == ETERM)
                return NULL;
            continue; /* EINTR: a signal; the loop decides when we stop */
        }
        char *command = zmsg_popstr (msg);
        int is_term = notify_outbox_is (command, "$TERM");
        free (command);
        if (!is_term)
            return msg;
        zmsg_destroy (&msg);
        return NULL;
    }
}

int
notify_outbox_wait (zsock_t *pipe, int wait_ms)
{
    if (zsock_events (pipe) & ZMQ_POLLIN)
        return 1;
    if (wait_ms <= 0)
        return 0;
    /* zmq_poll, not zpoller: this runs after SIGTERM, and zpoller gives
     * up at once when CZMQ saw the signal. */
    zmq_pollitem_t item = {zsock_resolve (pipe), 0, ZMQ_POLLIN, 0};
    int64_t until = bc_mono_ms () + wait_ms;
    int rc;
    while ((rc = zmq_poll (&item, 1, (long) (until - bc_mono_ms ()))) < 0 && zmq_errno () == EINTR
           && bc_mono_ms () < until)
        ;
    return rc > 0;
}

/* ---- the SMTP worker ---- */

static void
s_worker (zsock_t *pipe, void *args)
{
    notify_outbox_t *self = args;
    notify_smtp_t *smtp = notify_smtp_new (&self->smtp);
    bc_client_t *waker =
        bc_client_new_for (bc_service_config (self->svc), "notify", "notify");
    zsock_signal (pipe, 0);
    zmsg_t *msg;
    while ((msg = notify_outbox_next_job (pipe))) {
        char *id = zmsg_popstr (msg);
        char *attempt = zmsg_popstr (msg);
        char *rcpt = zmsg_popstr (msg);
        zframe_t *mail = zmsg_pop (msg);
        notify_smtp_result_t r = {.outcome = NOTIFY_SMTP_TEMPORARY, .code = 0};
        if (!smtp)
            snprintf (r.reply, sizeof r.reply, "libcurl could not start");
        else if (id && attempt && rcpt && mail)
            notify_smtp_send (smtp, self->mail_from, rcpt, zframe_data (mail),
                              zframe_size (mail), &r);
        int journal_rc = 0;
        if (r.outcome == NOTIFY_SMTP_OK &&
            (journal_rc = notify_journal_accepted (self->transport.journal, id,
                                                   (uint32_t) strtoul (attempt, NULL, 10),
                                                   r.reply)))
            bc_warn ("event=journal_write_failed notification=%s reason=\"%s\"", id,
                     strerror (journal_rc));
        zsock_send (pipe, "ssis", id ? id : "", r.outcome == NOTIFY_SMTP_OK ? "ok"
                                               : r.outcome == NOTIFY_SMTP_PERMANENT ? "permanent"
                                                                                    : "temporary",
                    r.code, r.reply);
        if (waker)
            notify_outbox_wake (waker, "notify-worker");
        free (id);
        free (attempt);
        free (rcpt);
        zframe_destroy (&mail);
        zmsg_destroy (&msg);
    }
    bc_client_destroy (&waker);
    notify_smtp_destroy (&smtp);
    /* libcurl's TLS (OpenSSL) keeps state per thread, freed when a thread
     * ends. A CZMQ actor's thread is detached: its end can come after the
     * main thread's exit has run OpenSSL's cleanup, and the same memory is
     * freed twice (seen under ASan at SIGTERM). Free it here, before the
     * actor says it is done. */
    OPENSSL_thread_stop ();
}

/* Takes one outcome from the worker's pipe; 0 when there was none. With
 * wait_ms > 0, waits that long for it. */
static int
s_drain_one (notify_outbox_t *self, int wait_ms)
{
    zsock_t *pipe = zactor_sock (self->worker);
    if (self->n_results >= NOTIFY_RESULTS_MAX || !notify_outbox_wait (pipe, wait_ms))
        return 0;
    char *id = NULL, *outcome = NULL, *reply = NULL;
    int code = 0;
    if (zsock_recv (pipe, "ssis", &id, &outcome, &code, &reply) != 0)
        return 0;
    s_result_t *r = &self->results[self->n_results++];
    snprintf (r->id, sizeof r->id, "%s", id ? id : "");
    r->outcome = notify_outbox_is (outcome, "ok")          ? NOTIFY_SMTP_OK
                 : notify_outbox_is (outcome, "permanent") ? NOTIFY_SMTP_PERMANENT
                                               : NOTIFY_SMTP_TEMPORARY;
    r->code = code;
    snprintf (r->reply, sizeof r->reply, "%s", reply ? reply : "");
    free (id);
    free (outcome);
    free (reply);
    self->is_busy = 0;
    return 1;
}

/* ---- outcomes ---- */

static int
s_record (notify_outbox_t *self, bc_tx_t *tx, const s_result_t *r)
{
    notify_attempt_t a = {
        .id = r->id,
        .outcome = r->outcome == NOTIFY_SMTP_OK          ? NOTIFY_ATTEMPT_DELIVERED
                   : r->outcome == NOTIFY_SMTP_PERMANENT ? NOTIFY_ATTEMPT_PERMANENT
                                                         : NOTIFY_ATTEMPT_TEMPORARY,
        .code = r->code,
        .reason = r->reply,
        .location = r->reply,
    };
    return notify_outbox_record_outcome (self, tx, &self->transport, &a);
}

int
notify_outbox_before_batch (notify_outbox_t *self, bc_tx_t *tx)
{
    int rc = self->wa ? notify_worker_before_batch (notify_outbox_wa_worker (self->wa), self, tx) : 0;
    if (rc == 0 && self->wh)
        rc = notify_worker_before_batch (notify_outbox_wh_worker (self->wh), self, tx);
    if (rc || !self->is_smtp)
        return rc;
    self->dispatch_id[0] = 0;
    self->recovering = !self->is_recovered;
    if (self->recovering && (rc = notify_outbox_recover (self, tx, &self->transport)))
        return rc;
    while (s_drain_one (self, 0))
        ;
    for (int i = 0; i < self->n_results; i++)
        if ((rc = s_record (self, tx, &self->results[i])))
            return rc;
    int n = 0;
    if (!self->is_busy)
        rc = notify_outbox_pick (self, tx, self->db_due, 256, &self->dispatch_id, 1, &n);
    return rc;
}

/* The alarm only makes a batch run; before_batch does the work. */
static int
s_on_alarm (void *state, bc_tx_t *tx)
{
    (void) state, (void) tx;
    return 0;
}

static void
s_dispatch (notify_outbox_t *self, const char *id)
{
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    int rc;
    Balcao__V1__OutboxEntry *e = notify_outbox_get (self, txn, id, &rc);
    mdb_txn_abort (txn);
    if (!e)
        return;
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "SEND");
    zmsg_addstr (msg, id);
    zmsg_addstrf (msg, "%u", e->attempts);
    zmsg_addstr (msg, e->notification ? e->notification->recipient : "");
    zmsg_addmem (msg, e->mail.data, e->mail.len);
    balcao__v1__outbox_entry__free_unpacked (e, NULL);
    if (zmsg_send (&msg, zactor_sock (self->worker)) == 0) {
        self->is_busy = 1;
        snprintf (self->busy_id, sizeof self->busy_id, "%s", id);
    }
    else
        zmsg_destroy (&msg);
}

/* The earlier of two due instants (0: none). */
static int64_t
s_first (int64_t a, int64_t b)
{
    return a > 0 && (b <= 0 || a < b) ? a : b;
}

/* The one alarm of the service: the earliest of WhatsApp's, the webhooks'
 * and SMTP's next due instants (0: none). */
static void
s_alarm (notify_outbox_t *self, int64_t other_at, int64_t smtp_at)
{
    int64_t at = s_first (other_at, smtp_at);
    bc_service_alarm (self->svc, at > 0 ? at : 0, s_on_alarm);
}

void
notify_outbox_after_commit (notify_outbox_t *self)
{
    /* WhatsApp's and the webhooks' next due instant. */
    int64_t other_at =
        self->wa ? notify_worker_after_commit (notify_outbox_wa_worker (self->wa), self) : 0;
    if (self->wh)
        other_at = s_first (other_at,
                            notify_worker_after_commit (notify_outbox_wh_worker (self->wh), self));
    if (!self->is_smtp) {
        if (self->wa || self->wh)
            s_alarm (self, other_at, 0);
        return;
    }
    self->n_results = 0;
    if (self->recovering)
        self->is_recovered = 1;
    /* Idle worker, outcomes committed: every line of the journal is on
     * record in LMDB. */
    if (self->is_recovered && !self->is_busy)
        notify_journal_trim (self->transport.journal, 64 * 1024);
    if (self->dispatch_id[0]) {
        s_dispatch (self, self->dispatch_id);
        self->dispatch_id[0] = 0;
    }
    /* The next one to try: now (the alarm fires at once) or later; none
     * while the worker holds one (its outcome wakes the loop). */
    s_alarm (self, other_at, self->is_busy ? 0 : notify_outbox_first_due (self, self->db_due));
}

void
notify_outbox_timer (notify_outbox_t *self)
{
    if (self->wa)
        notify_worker_timer (notify_outbox_wa_worker (self->wa));
    if (self->wh)
        notify_worker_timer (notify_outbox_wh_worker (self->wh));
    if (self->is_smtp && self->worker && zsock_events (zactor_sock (self->worker)) & ZMQ_POLLIN)
        bc_service_wake (self->svc);
    if (self->is_smtp && !self->is_recovered)
        bc_service_wake (self->svc);
}

/* ---- life ---- */

char *
notify_outbox_read_secret (const char *path, const char *event)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        bc_error ("event=%s file=%s reason=\"%s\"", event, path, strerror (errno));
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

notify_outbox_t *
notify_outbox_new (bc_service_t *svc)
{
    notify_outbox_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->db_outbox = bc_service_dbi (svc, "outbox");
    self->db_pending = bc_service_dbi (svc, "pending");
    self->db_due = bc_service_dbi (svc, "due");
    self->db_dead = bc_service_dbi (svc, "dead");
    self->db_meta = bc_service_dbi (svc, "meta");
    self->db_wa_due = bc_service_dbi (svc, "wa_due");
    self->db_wa_sent = bc_service_dbi (svc, "wa_sent");
    self->db_wh_due = bc_service_dbi (svc, "wh_due");
    bc_config_t *cfg = bc_service_config (svc);
    int wa_failed = 0, wh_failed = 0;
    self->wa = notify_outbox_wa_new (self, &wa_failed);
    if (!wa_failed)
        self->wh = notify_outbox_wh_new (self, &wh_failed);
    if (wa_failed || wh_failed) {
        notify_outbox_wa_destroy (&self->wa);
        notify_outbox_wh_destroy (&self->wh);
        free (self);
        return NULL;
    }
    snprintf (self->url, sizeof self->url, "%s", bc_config_str (cfg, "notify/smtp/url", ""));
    self->is_smtp = self->url[0] != 0;
    if (!self->is_smtp)
        return self;

    snprintf (self->starttls, sizeof self->starttls, "%s",
              bc_config_str (cfg, "notify/smtp/starttls", "required"));
    if (!notify_outbox_is (self->starttls, "required") && !notify_outbox_is (self->starttls, "optional")
        && !notify_outbox_is (self->starttls, "none")) {
        bc_error ("event=config_invalid key=notify/smtp/starttls value=%s "
                  "expected=required|optional|none",
                  self->starttls);
        notify_outbox_wa_destroy (&self->wa);
        notify_outbox_wh_destroy (&self->wh);
        free (self);
        return NULL;
    }
    snprintf (self->username, sizeof self->username, "%s",
              bc_config_str (cfg, "notify/smtp/username", ""));
    snprintf (self->ca_file, sizeof self->ca_file, "%s",
              bc_config_str (cfg, "notify/smtp/ca_file", ""));
    const char *password_file = bc_config_str (cfg, "notify/smtp/password_file", "");
    if (*password_file && !(self->password = notify_outbox_read_secret (password_file, "smtp_password_unreadable"))) {
        notify_outbox_wa_destroy (&self->wa);
        notify_outbox_wh_destroy (&self->wh);
        free (self);
        return NULL;
    }
    char dflt_from[256];
    snprintf (dflt_from, sizeof dflt_from, "suporte@%s",
              bc_config_str (cfg, "balcao/domain", "balcao.local"));
    snprintf (self->mail_from, sizeof self->mail_from, "%s",
              bc_config_str (cfg, "notify/smtp/mail_from",
                             bc_config_str (cfg, "notify/from_address", dflt_from)));
    self->transport = (notify_transport_t) {
        .name = "smtp",
        .channel = "email",
        .db_due = self->db_due,
        .retry_first_ms = bc_config_int (cfg, "notify/smtp/retry_first_ms", 30000),
        .retry_max_ms = bc_config_int (cfg, "notify/smtp/retry_max_ms", 3600000),
        .retry_for_ms = bc_config_int (cfg, "notify/smtp/retry_for_ms", 5LL * 24 * 3600 * 1000),
        .retry_jitter_pct = (int) bc_config_int (cfg, "notify/smtp/retry_jitter_pct", 20),
    };
    self->smtp = (notify_smtp_config_t) {
        .url = self->url,
        .starttls = self->starttls,
        .ca_file = self->ca_file,
        .username = self->username,
        .password = self->password ? self->password : "",
        .timeout_ms = (long) bc_config_int (cfg, "notify/smtp/timeout_ms", 30000),
        .connect_timeout_ms = (long) bc_config_int (cfg, "notify/smtp/connect_timeout_ms", 10000),
        .is_reuse = (int) bc_config_int (cfg, "notify/smtp/reuse", 1),
    };
    char journal[4096];
    snprintf (journal, sizeof journal, "%s/smtp.journal", bc_service_dir (svc));
    if (!(self->transport.journal = notify_journal_new (journal))) {
        free (self->password);
        notify_outbox_wa_destroy (&self->wa);
        notify_outbox_wh_destroy (&self->wh);
        free (self);
        return NULL;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    self->worker = zactor_new (s_worker, self);
    bc_info ("event=smtp_configured url=%s starttls=%s auth=%s mail_from=%s", self->url,
             self->starttls, self->username[0] ? "yes" : "no", self->mail_from);
    return self;
}

/* The server took the message while we were stopping: say so in the
 * record, the next start records it as delivered (with its event). */
static void
s_record_accepted (notify_outbox_t *self, const char *id, const char *reply)
{
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, 0, &txn))
        return;
    int rc;
    Balcao__V1__OutboxEntry *e = notify_outbox_get (self, txn, id, &rc);
    if (e && notify_outbox_is (notify_outbox_state (e), "sending")) {
        notify_outbox_set_str (&e->state, "accepted");
        notify_outbox_set_str (&e->location, reply);
        e->delivered_us = bc_now_us ();
        rc = notify_outbox_put (self, txn, id, e);
    }
    if (e)
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
    if (e && rc == 0 && mdb_txn_commit (txn) == 0)
        bc_info ("event=accepted_at_stop notification=%s", id);
    else if (!e || rc)
        mdb_txn_abort (txn);
}

void
notify_outbox_destroy (notify_outbox_t **self_p)
{
    notify_outbox_t *self = *self_p;
    if (!self)
        return;
    notify_outbox_wa_destroy (&self->wa);
    notify_outbox_wh_destroy (&self->wh);
    if (self->worker) {
        self->n_results = 0;
        long wait = self->smtp.timeout_ms + self->smtp.connect_timeout_ms + 1000;
        if (self->is_busy && s_drain_one (self, (int) wait)
            && self->results[0].outcome == NOTIFY_SMTP_OK)
            s_record_accepted (self, self->results[0].id, self->results[0].reply);
        zactor_destroy (&self->worker);
        curl_global_cleanup ();
    }
    notify_journal_destroy (&self->transport.journal);
    if (self->password) {
        memset (self->password, 0, strlen (self->password));
        free (self->password);
    }
    free (self);
    *self_p = NULL;
}

int
notify_outbox_is_smtp (notify_outbox_t *self)
{
    return self->is_smtp;
}
