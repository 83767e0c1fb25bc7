/* notify_outbox_wa: the outbox's WhatsApp deliveries (see docs/ARCHITECTURE.md,
 * "WhatsApp out").
 *
 * The same states as SMTP (pending, sending, retrying, dead, delivered) on
 * the same records, with a queue of their own (wa_due) and a worker
 * thread of their own, so a slow mail server never holds up WhatsApp nor
 * the other way round. WhatsApp goes in groups (notify_outbox_worker.c,
 * shared with webhooks): one transaction marks up to
 * notify/whatsapp/batch due messages "sending" (each attempt on record
 * before it is made); after the commit the worker POSTs them one after
 * the other on one kept-alive connection (s_send here); each one Meta
 * accepts is appended to the worker's journal (whatsapp.journal, with its
 * wamid) the moment the answer arrives, the group's journal is synced
 * once, and the outcomes go back to the loop, which records them in its
 * next transaction. A restart finds attempts still "sending": delivered
 * when the journal has their wamid, else sent again (Meta never answered,
 * or its answer was lost with the process: the one window for a
 * duplicate).
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
#include "notify_outbox_worker.h"

#include "bc_log.h"
#include "bc_store.h"
#include "notify_whatsapp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BATCH_LIMIT 1024

struct notify_outbox_wa_t {
    bc_service_t *svc;
    char api_url[1024], phone_number_id[128];
    char *token;
    notify_whatsapp_config_t config;
    /* WhatsApp's retry policy, queue (wa_due) and journal (wamids). */
    notify_transport_t transport;
    int64_t rate_first_ms; /* the backoff's first step after 130429 */
    int batch_max;
    notify_worker_t *worker;
};

/* ---- the worker transport (notify_outbox_worker.c) ---- */

/* The loop: an entry's frame, the Graph API request it rendered. */
static void
s_build (void *arg, const Balcao__V1__OutboxEntry *e, zmsg_t *job)
{
    (void) arg;
    zmsg_addmem (job, e->mail.data, e->mail.len);
}

static void *
s_thread_new (void *arg)
{
    notify_outbox_wa_t *self = arg;
    return notify_whatsapp_new (&self->config);
}

static void
s_thread_destroy (void *arg, void **state_p)
{
    (void) arg;
    notify_whatsapp_destroy ((notify_whatsapp_t **) state_p);
}

/* The worker thread: one POST on the kept-alive connection. */
static void
s_send (void *arg, void *state, const char *id, zmsg_t *job, notify_worker_result_t *r)
{
    notify_outbox_wa_t *self = arg;
    notify_whatsapp_t *wa = state;
    (void) id;
    zframe_t *body = zmsg_pop (job);
    notify_whatsapp_result_t w = {.outcome = NOTIFY_WA_TEMPORARY};
    if (!wa)
        snprintf (w.reason, sizeof w.reason, "libcurl could not start");
    else
        notify_whatsapp_send (wa, body ? (const char *) zframe_data (body) : "",
                              body ? zframe_size (body) : 0, &w);
    zframe_destroy (&body);
    r->outcome = w.outcome == NOTIFY_WA_OK          ? NOTIFY_ATTEMPT_DELIVERED
                 : w.outcome == NOTIFY_WA_WINDOW    ? NOTIFY_ATTEMPT_WINDOW
                 : w.outcome == NOTIFY_WA_PERMANENT ? NOTIFY_ATTEMPT_PERMANENT
                                                    : NOTIFY_ATTEMPT_TEMPORARY;
    r->code = w.code;
    snprintf (r->reason, sizeof r->reason, "%s", w.reason);
    snprintf (r->location, sizeof r->location, "%s", w.wamid);
    /* Meta's rate limit: the number sent too much; wait longer than after
     * a passing failure. */
    r->retry_first_ms = w.outcome == NOTIFY_WA_RATE_LIMIT ? self->rate_first_ms : 0;
}

static const notify_worker_ops_t s_ops = {
    .name = "notify-whatsapp",
    .n_frames = 1,
    .build = s_build,
    .thread_new = s_thread_new,
    .thread_destroy = s_thread_destroy,
    .send = s_send,
};

notify_worker_t *
notify_outbox_wa_worker (notify_outbox_wa_t *self)
{
    return self->worker;
}

/* ---- Meta's statuses of what it accepted ---- */

int
notify_outbox_whatsapp_status (notify_outbox_t *ob, bc_tx_t *tx,
                               const Balcao__V1__WhatsAppStatusReceived *st)
{
    /* Ours are shorter than a wamid's buffer (notify_whatsapp_result_t's);
     * a longer one is none of ours, and no LMDB key. */
    size_t len = st->message_id ? strlen (st->message_id) : 0;
    if (!notify_outbox_is (st->status, "failed") || len == 0
        || len >= sizeof ((notify_whatsapp_result_t *) 0)->wamid)
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
        .channel = "whatsapp",
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
    self->worker = notify_worker_new (ob->svc, &s_ops, self, &self->transport, self->batch_max);
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
        notify_worker_destroy (&self->worker, (int) self->config.timeout_ms + 1000);
        curl_global_cleanup ();
    }
    notify_journal_destroy (&self->transport.journal);
    if (self->token) {
        memset (self->token, 0, strlen (self->token));
        free (self->token);
    }
    free (self);
    *self_p = NULL;
}
