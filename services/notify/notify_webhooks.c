/* notify_webhooks: the subscriptions and the router events they chose,
 * queued into the outbox (see notify_webhooks.h). */
#include "notify_webhooks.h"

#include "balcao/v1/notify.pb-c.h"
#include "bc_log.h"
#include "bc_store.h"
#include "notify_outbox_internal.h"
#include "notify_server.h"
#include "notify_webhook_json.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SUBS_MAX 32

struct notify_webhooks_t {
    notify_webhook_sub_t subs[S_SUBS_MAX];
    int n_subs;
    uint32_t events; /* every subscription's, or'ed */
};

static int
s_name_is_valid (const char *name)
{
    size_t n = strlen (name);
    if (n == 0 || n > NOTIFY_WEBHOOK_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (!(islower ((unsigned char) *p) || isdigit ((unsigned char) *p) || *p == '_'
              || *p == '-'))
            return 0;
    return 1;
}

/* One subscription's keys; 0, or -1 after logging. */
static int
s_read_sub (bc_config_t *cfg, const char *name, notify_webhook_sub_t *sub)
{
    char key[256];
#define S_KEY(k) (snprintf (key, sizeof key, "notify/webhooks/%s/%s", name, k), key)
    if (!s_name_is_valid (name)) {
        bc_error ("event=config_invalid key=notify/webhooks/%s "
                  "hint=\"a subscription's name is 1 to %d of a-z, 0-9, _ and -\"",
                  name, NOTIFY_WEBHOOK_NAME_MAX);
        return -1;
    }
    snprintf (sub->name, sizeof sub->name, "%s", name);
    snprintf (sub->url, sizeof sub->url, "%s", bc_config_str (cfg, S_KEY ("url"), ""));
    if (strncmp (sub->url, "http://", 7) != 0 && strncmp (sub->url, "https://", 8) != 0) {
        bc_error ("event=config_invalid key=%s hint=\"the subscriber's http:// or https:// URL\"",
                  S_KEY ("url"));
        return -1;
    }
    const char *secret_file = bc_config_str (cfg, S_KEY ("secret_file"), "");
    if (!*secret_file) {
        bc_error ("event=config_invalid key=%s hint=\"a file holding the shared secret\"",
                  S_KEY ("secret_file"));
        return -1;
    }
    if (!(sub->secret = notify_outbox_read_secret (secret_file, "webhook_secret_unreadable")))
        return -1;
    if (strlen (sub->secret) < 16) {
        bc_error ("event=config_invalid key=%s hint=\"the secret's first line needs at least 16 "
                  "characters\"",
                  S_KEY ("secret_file"));
        return -1;
    }
    int n = 0;
    char **words = bc_config_words (cfg, S_KEY ("events"), "", &n);
    for (int i = 0; i < n; i++) {
        int kind = notify_webhook_kind_find (words[i]);
        if (kind < 0) {
            bc_error ("event=config_invalid key=%s value=%s hint=\"ticket_created, "
                      "ticket_status_changed, message_appended, ticket_assigned, "
                      "ticket_field_changed, ticket_escalated, sla_warning, sla_breached, "
                      "ticket_merged or ticket_rated\"",
                      S_KEY ("events"), words[i]);
            bc_config_words_free (&words);
            return -1;
        }
        sub->events |= 1u << kind;
    }
    bc_config_words_free (&words);
    if (!sub->events) {
        bc_error ("event=config_invalid key=%s hint=\"the router events this subscriber "
                  "chooses, e.g. ticket_created ticket_status_changed\"",
                  S_KEY ("events"));
        return -1;
    }
    const char *internal = bc_config_str (cfg, S_KEY ("include_internal"), "no");
    sub->include_internal = strcmp (internal, "yes") == 0;
    sub->timeout_ms = (long) bc_config_int (cfg, S_KEY ("timeout_ms"), 10000);
    sub->retry_first_ms = bc_config_int (cfg, S_KEY ("retry_first_ms"), 10000);
    sub->retry_max_ms = bc_config_int (cfg, S_KEY ("retry_max_ms"), 3600000);
    sub->retry_for_ms = bc_config_int (cfg, S_KEY ("retry_for_ms"), 24LL * 3600 * 1000);
    sub->retry_jitter_pct = (int) bc_config_int (cfg, S_KEY ("retry_jitter_pct"), 20);
#undef S_KEY
    return 0;
}

/* The URL's scheme and host, for the log: its path, query or user part
 * may hold a token of the subscriber's. */
static void
s_url_origin (const char *url, char *out, size_t size)
{
    const char *host = strstr (url, "://");
    host = host ? host + 3 : url;
    size_t scheme = (size_t) (host - url), n = strcspn (host, "/?#");
    const char *at = memchr (host, '@', n);
    if (at) {
        n -= (size_t) (at + 1 - host);
        host = at + 1;
    }
    snprintf (out, size, "%.*s%.*s", (int) scheme, url, (int) n, host);
}

notify_webhooks_t *
notify_webhooks_new (bc_config_t *cfg, int *failed)
{
    *failed = 0;
    const char *names[S_SUBS_MAX + 1];
    int n = bc_config_children (cfg, "notify/webhooks", names, S_SUBS_MAX + 1);
    if (n <= 0)
        return NULL;
    if (n > S_SUBS_MAX) {
        bc_error ("event=config_invalid key=notify/webhooks hint=\"at most %d subscriptions\"",
                  S_SUBS_MAX);
        *failed = 1;
        return NULL;
    }
    notify_webhooks_t *self = calloc (1, sizeof *self);
    for (int i = 0; i < n; i++) {
        notify_webhook_sub_t *sub = &self->subs[self->n_subs++];
        if (s_read_sub (cfg, names[i], sub)) {
            notify_webhooks_destroy (&self);
            *failed = 1;
            return NULL;
        }
        self->events |= sub->events;
        char origin[1024];
        s_url_origin (sub->url, origin, sizeof origin);
        bc_info ("event=webhook_configured name=%s to=%s events=%u include_internal=%s",
                 sub->name, origin, (unsigned) sub->events, sub->include_internal ? "yes" : "no");
    }
    return self;
}

void
notify_webhooks_destroy (notify_webhooks_t **self_p)
{
    notify_webhooks_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < self->n_subs; i++)
        if (self->subs[i].secret) {
            sodium_memzero (self->subs[i].secret, strlen (self->subs[i].secret));
            free (self->subs[i].secret);
        }
    free (self);
    *self_p = NULL;
}

int
notify_webhooks_count (notify_webhooks_t *self)
{
    return self ? self->n_subs : 0;
}

const notify_webhook_sub_t *
notify_webhooks_sub (notify_webhooks_t *self, int i)
{
    return self && i >= 0 && i < self->n_subs ? &self->subs[i] : NULL;
}

int
notify_webhooks_find (notify_webhooks_t *self, const char *name)
{
    for (int i = 0; self && name && i < self->n_subs; i++)
        if (strcmp (self->subs[i].name, name) == 0)
            return i;
    return -1;
}

/* ---- queueing ---- */

/* One subscription's entry for the event, unless it is there already. */
static int
s_queue (notify_outbox_t *ob, bc_tx_t *tx, const bc_envelope_t *ev, int kind,
         const ProtobufCMessage *msg, const notify_webhook_view_t *view,
         const notify_webhook_sub_t *sub)
{
    char id[NOTIFY_ID_MAX];
    snprintf (id, sizeof id, "w%llu-%s", (unsigned long long) ev->seq, sub->name);
    int rc;
    Balcao__V1__OutboxEntry *old = notify_outbox_get (ob, bc_tx_txn (tx), id, &rc);
    if (old) {
        balcao__v1__outbox_entry__free_unpacked (old, NULL);
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    char *body = notify_webhook_json (kind, ev, msg, view, sub->include_internal);
    if (!body)
        return ENOMEM;
    uint64_t number = notify_webhook_ticket (kind, msg);
    Balcao__V1__NotificationQueued nq = BALCAO__V1__NOTIFICATION_QUEUED__INIT;
    nq.notification_id = id;
    nq.ticket = number;
    nq.kind = "webhook";
    nq.channel = "webhook";
    nq.recipient = (char *) sub->name;
    nq.subject = (char *) notify_webhook_kinds[kind].type;
    Balcao__V1__OutboxEntry entry = BALCAO__V1__OUTBOX_ENTRY__INIT;
    entry.notification = &nq;
    entry.mail.data = (uint8_t *) body;
    entry.mail.len = strlen (body);
    entry.next_attempt_us = notify_outbox_wh_next_at (ob, bc_tx_now_us (tx));
    rc = notify_outbox_add (ob, tx, id, &entry);
    if (rc == 0)
        rc = bc_tx_emit (tx, &nq.base);
    if (rc == 0)
        bc_info ("event=queued notification=%s ticket=%llu kind=webhook type=%s", id,
                 (unsigned long long) number, nq.subject);
    free (body);
    return rc;
}

int
notify_webhooks_on_router (notify_outbox_t *ob, bc_tx_t *tx, const bc_envelope_t *ev)
{
    notify_webhooks_t *self = notify_outbox_wh_subscriptions (ob);
    int kind = self ? notify_webhook_kind_of (ev->type) : -1;
    if (kind < 0 || !(self->events & (1u << kind)))
        return 0;
    ProtobufCMessage *msg = bc_envelope_payload (ev, notify_webhook_kinds[kind].descriptor);
    if (!msg)
        return 0;
    int rc = 0;
    uint64_t number = notify_webhook_ticket (kind, msg);
    MDB_dbi db_tickets = bc_service_dbi (ob->svc, "tickets");
    Balcao__V1__NotifyTicket *t =
        number ? notify_ticket_get (bc_tx_txn (tx), db_tickets, number, &rc) : NULL;
    if (!t && rc != MDB_NOTFOUND && rc != 0) {
        protobuf_c_message_free_unpacked (msg, NULL);
        return rc;
    }
    rc = 0;
    notify_webhook_view_t view = {0};
    if (t)
        view = (notify_webhook_view_t) {t->subject, t->customer_address, t->customer_name};
    int is_public = notify_webhook_is_public (kind, msg);
    for (int i = 0; rc == 0 && i < self->n_subs; i++) {
        const notify_webhook_sub_t *sub = &self->subs[i];
        if (!(sub->events & (1u << kind)))
            continue;
        if (!is_public && !sub->include_internal) {
            bc_debug ("event=webhook_skipped seq=%llu name=%s reason=internal",
                      (unsigned long long) ev->seq, sub->name);
            continue;
        }
        rc = s_queue (ob, tx, ev, kind, msg, &view, sub);
    }
    if (t)
        balcao__v1__notify_ticket__free_unpacked (t, NULL);
    protobuf_c_message_free_unpacked (msg, NULL);
    return rc;
}
