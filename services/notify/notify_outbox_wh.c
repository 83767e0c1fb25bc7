/* notify_outbox_wh: the outbox's webhook deliveries (see
 * docs/ARCHITECTURE.md, "Webhooks out", and docs/API.md, "Webhooks").
 *
 * The same states as SMTP and WhatsApp on the same records, with a queue
 * of their own (wh_due) and a worker thread of their own, so a slow
 * subscriber holds up neither mail nor WhatsApp. As WhatsApp's, with the
 * same machinery (notify_outbox_worker.c; s_send here is one POST): one
 * transaction marks up to S_BATCH due entries "sending" (each attempt on
 * record before it is made); after the commit the worker POSTs them one
 * after the other (one libcurl handle: its connections are kept from one
 * POST to the next); each one a subscriber answers with a 2xx is appended
 * to the worker's journal (webhook.journal) the moment the answer
 * arrives, the group's journal is synced once, and the outcomes go back
 * to the loop, which records them (notify_outbox_outcome.c) in its next
 * transaction. A restart finds attempts still "sending": delivered when
 * the journal has them, else POSTed again with the same X-Balcao-Delivery
 * (the one window for a duplicate: the subscriber took it and notify never
 * read its answer; the subscriber dedupes by that header).
 *
 * Each POST: Content-Type: application/json, User-Agent:
 * Balcao-Webhooks/1, X-Balcao-Event (the type), X-Balcao-Delivery (the
 * entry's id), X-Balcao-Signature "t=<now>,v1=<HMAC-SHA256 of
 * "<t>.<body>">" signed at each attempt, so its timestamp is fresh.
 * Outcomes (notify_webhook_classify): 2xx delivered; 408, 429, 5xx, no
 * connection or a timeout retry with the subscription's backoff (at least
 * the answer's Retry-After); any other answer is a dead letter with its
 * status and the first 200 bytes of its body. Entries are queued in
 * router order, and go in that order while nothing fails; a retried one
 * does not hold the later ones up. */
#include "notify_outbox_worker.h"

#include "bc_log.h"
#include "bc_store.h"
#include "notify_webhook_json.h"
#include "notify_webhooks.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_BATCH 32
#define S_ANSWER_MAX 4096

struct notify_outbox_wh_t {
    bc_service_t *svc;
    notify_webhooks_t *subs;
    /* The retry policy of each subscription, sharing wh_due and the
     * journal; base (the defaults) for recovery and unknown names. */
    notify_transport_t base;
    notify_transport_t *transports;
    notify_worker_t *worker;
    int64_t last_at_us; /* the due instant last given to a new entry */
};

/* ---- one POST (on the worker thread) ---- */

typedef struct {
    char body[S_ANSWER_MAX + 1];
    size_t len;
    char retry_after[64];
} s_answer_t;

static size_t
s_on_body (char *data, size_t size, size_t nmemb, void *arg)
{
    s_answer_t *a = arg;
    size_t n = size * nmemb, room = S_ANSWER_MAX - a->len;
    size_t take = n < room ? n : room;
    memcpy (a->body + a->len, data, take);
    a->len += take;
    a->body[a->len] = 0;
    return n;
}

static size_t
s_on_header (char *data, size_t size, size_t nmemb, void *arg)
{
    s_answer_t *a = arg;
    size_t n = size * nmemb;
    if (n > 12 && strncasecmp (data, "Retry-After:", 12) == 0) {
        size_t len = n - 12 < sizeof a->retry_after - 1 ? n - 12 : sizeof a->retry_after - 1;
        memcpy (a->retry_after, data + 12, len);
        a->retry_after[len] = 0;
        a->retry_after[strcspn (a->retry_after, "\r\n")] = 0;
    }
    return n;
}

/* One POST; fills *r. */
static void
s_post (CURL *c, const notify_webhook_sub_t *sub, const char *id, const char *type,
        const char *body, size_t len, notify_webhook_result_t *r)
{
    long long now = (long long) time (NULL);
    char sig[NOTIFY_WEBHOOK_SIG_MAX], h_sig[160], h_event[160], h_delivery[160];
    notify_webhook_sign (sub->secret, now, body, len, sig, sizeof sig);
    snprintf (h_sig, sizeof h_sig, "X-Balcao-Signature: %s", sig);
    snprintf (h_event, sizeof h_event, "X-Balcao-Event: %s", type);
    snprintf (h_delivery, sizeof h_delivery, "X-Balcao-Delivery: %s", id);
    struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
    headers = curl_slist_append (headers, "User-Agent: Balcao-Webhooks/1");
    headers = curl_slist_append (headers, h_event);
    headers = curl_slist_append (headers, h_delivery);
    headers = curl_slist_append (headers, h_sig);
    headers = curl_slist_append (headers, "Expect:"); /* no 100-continue round trip */
    s_answer_t answer = {.len = 0};
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_reset (c); /* keeps the connection cache */
    curl_easy_setopt (c, CURLOPT_URL, sub->url);
    curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt (c, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt (c, CURLOPT_HEADERDATA, &answer);
    curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, sub->timeout_ms);
    curl_easy_setopt (c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform (c);
    curl_slist_free_all (headers);
    sodium_memzero (h_sig, sizeof h_sig);
    if (rc != CURLE_OK) {
        /* No answer: the subscriber may or may not have it; try again
         * (same X-Balcao-Delivery). */
        r->outcome = NOTIFY_WEBHOOK_TEMPORARY;
        r->code = 0;
        r->retry_after_ms = 0;
        snprintf (r->reason, sizeof r->reason, "%s", *error ? error : curl_easy_strerror (rc));
    }
    else {
        long status = 0;
        curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
        notify_webhook_classify (status, answer.body, answer.len,
                                 *answer.retry_after ? answer.retry_after : NULL, now, r);
    }
}

/* ---- the worker transport (notify_outbox_worker.c) ---- */

/* The loop: an entry's frames, its subscription, event type and body. */
static void
s_build (void *arg, const Balcao__V1__OutboxEntry *e, zmsg_t *job)
{
    (void) arg;
    zmsg_addstr (job, e->notification ? e->notification->recipient : "");
    zmsg_addstr (job, e->notification ? e->notification->subject : "");
    zmsg_addmem (job, e->mail.data, e->mail.len);
}

static void *
s_thread_new (void *arg)
{
    (void) arg;
    return curl_easy_init ();
}

static void
s_thread_destroy (void *arg, void **state_p)
{
    (void) arg;
    if (*state_p)
        curl_easy_cleanup (*state_p);
    *state_p = NULL;
}

/* The worker thread: one POST to the entry's subscription (read only, set
 * before the worker starts); the tag is its index. */
static void
s_send (void *arg, void *state, const char *id, zmsg_t *job, notify_worker_result_t *r)
{
    notify_outbox_wh_t *self = arg;
    CURL *curl = state;
    char *name = zmsg_popstr (job), *type = zmsg_popstr (job);
    zframe_t *body = zmsg_pop (job);
    int k = notify_webhooks_find (self->subs, name);
    const notify_webhook_sub_t *sub = notify_webhooks_sub (self->subs, k);
    notify_webhook_result_t w = {.outcome = NOTIFY_WEBHOOK_TEMPORARY};
    if (!sub) {
        w.outcome = NOTIFY_WEBHOOK_PERMANENT;
        snprintf (w.reason, sizeof w.reason, "no subscription %s in notify/webhooks any more",
                  name ? name : "");
    }
    else if (!curl)
        snprintf (w.reason, sizeof w.reason, "libcurl could not start");
    else
        s_post (curl, sub, id, type ? type : "", body ? (const char *) zframe_data (body) : "",
                body ? zframe_size (body) : 0, &w);
    free (name), free (type);
    zframe_destroy (&body);
    r->tag = k;
    r->outcome = w.outcome == NOTIFY_WEBHOOK_DELIVERED   ? NOTIFY_ATTEMPT_DELIVERED
                 : w.outcome == NOTIFY_WEBHOOK_PERMANENT ? NOTIFY_ATTEMPT_PERMANENT
                                                         : NOTIFY_ATTEMPT_TEMPORARY;
    r->code = w.code;
    snprintf (r->reason, sizeof r->reason, "%s", w.reason);
    snprintf (r->location, sizeof r->location, "%s", w.reason);
    r->retry_after_ms = w.retry_after_ms;
}

/* The loop: the policy of the subscription an outcome is of. */
static const notify_transport_t *
s_transport (void *arg, int tag)
{
    notify_outbox_wh_t *self = arg;
    return tag >= 0 && tag < notify_webhooks_count (self->subs) ? &self->transports[tag]
                                                                : &self->base;
}

static const notify_worker_ops_t s_ops = {
    .name = "notify-webhooks",
    .n_frames = 3,
    .build = s_build,
    .thread_new = s_thread_new,
    .thread_destroy = s_thread_destroy,
    .send = s_send,
    .transport = s_transport,
};

notify_worker_t *
notify_outbox_wh_worker (notify_outbox_wh_t *self)
{
    return self->worker;
}

notify_webhooks_t *
notify_outbox_wh_subscriptions (notify_outbox_t *ob)
{
    return ob->wh ? ob->wh->subs : NULL;
}

int64_t
notify_outbox_wh_next_at (notify_outbox_t *ob, int64_t now_us)
{
    notify_outbox_wh_t *self = ob->wh;
    if (!self)
        return now_us;
    self->last_at_us = now_us > self->last_at_us ? now_us : self->last_at_us + 1;
    return self->last_at_us;
}

/* ---- life ---- */

notify_outbox_wh_t *
notify_outbox_wh_new (notify_outbox_t *ob, int *failed)
{
    notify_webhooks_t *subs = notify_webhooks_new (bc_service_config (ob->svc), failed);
    if (!subs)
        return NULL;
    notify_outbox_wh_t *self = calloc (1, sizeof *self);
    self->svc = ob->svc;
    self->subs = subs;
    self->base = (notify_transport_t) {
        .name = "webhook",
        .channel = "webhook",
        .db_due = ob->db_wh_due,
        .retry_first_ms = 10000,
        .retry_max_ms = 3600000,
        .retry_for_ms = 24LL * 3600 * 1000,
        .retry_jitter_pct = 20,
    };
    char journal[4096];
    snprintf (journal, sizeof journal, "%s/webhook.journal", bc_service_dir (ob->svc));
    if (!(self->base.journal = notify_journal_new (journal))) {
        notify_outbox_wh_destroy (&self);
        *failed = 1;
        return NULL;
    }
    int n = notify_webhooks_count (subs);
    self->transports = calloc ((size_t) n, sizeof *self->transports);
    for (int i = 0; i < n; i++) {
        const notify_webhook_sub_t *sub = notify_webhooks_sub (subs, i);
        self->transports[i] = self->base;
        self->transports[i].retry_first_ms = sub->retry_first_ms;
        self->transports[i].retry_max_ms = sub->retry_max_ms;
        self->transports[i].retry_for_ms = sub->retry_for_ms;
        self->transports[i].retry_jitter_pct = sub->retry_jitter_pct;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    self->worker = notify_worker_new (ob->svc, &s_ops, self, &self->base, S_BATCH);
    bc_info ("event=webhooks_configured subscriptions=%d", n);
    return self;
}

void
notify_outbox_wh_destroy (notify_outbox_wh_t **self_p)
{
    notify_outbox_wh_t *self = *self_p;
    if (!self)
        return;
    if (self->worker) {
        /* A group in flight: let it finish (its delivered ones are in the
         * journal; the next start records them). */
        long wait = 0;
        for (int i = 0; i < notify_webhooks_count (self->subs); i++)
            wait = notify_webhooks_sub (self->subs, i)->timeout_ms > wait
                       ? notify_webhooks_sub (self->subs, i)->timeout_ms
                       : wait;
        notify_worker_destroy (&self->worker, (int) wait + 1000);
        curl_global_cleanup ();
    }
    notify_journal_destroy (&self->base.journal);
    notify_webhooks_destroy (&self->subs);
    free (self->transports);
    free (self);
    *self_p = NULL;
}
