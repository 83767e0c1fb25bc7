/* notify_webhooks: signed outbound webhooks for other systems: the
 * subscriptions (notify/webhooks/<name>/..., read once at start) and the
 * router events they chose, queued into notify's outbox in the
 * transaction that consumes each event (see docs/ARCHITECTURE.md,
 * "Webhooks out"). notify_outbox_wh.c delivers them.
 *
 * One entry per event and subscription, "w<router seq>-<name>": a
 * replayed event finds it queued, so each subscriber gets each event
 * once; its body is the document of notify_webhook_json.c, its channel
 * "webhook", its kind "webhook", its recipient the subscription's name
 * and its subject the event's type. */
#ifndef NOTIFY_WEBHOOKS_H
#define NOTIFY_WEBHOOKS_H

#include "bc_config.h"
#include "bc_service.h"
#include "notify_outbox.h"

#include <stdint.h>

#define NOTIFY_WEBHOOK_NAME_MAX 32

/* One subscription. */
typedef struct {
    char name[NOTIFY_WEBHOOK_NAME_MAX + 1];
    char url[1024];
    char *secret;         /* secret_file's first line; never logged */
    uint32_t events;      /* bit k: notify_webhook_kinds[k] */
    int include_internal; /* "yes": internal notes and the team's words too */
    long timeout_ms;
    int64_t retry_first_ms, retry_max_ms, retry_for_ms;
    int retry_jitter_pct;
} notify_webhook_sub_t;

typedef struct notify_webhooks_t notify_webhooks_t;

/* Reads notify/webhooks/<name>/... NULL with *failed 0 when there is no
 * subscription; NULL with *failed 1 after logging what is wrong (a name
 * not [a-z0-9_-] or too long, no url, an unreadable or empty secret file,
 * an unknown event kind). */
notify_webhooks_t *notify_webhooks_new (bc_config_t *cfg, int *failed);
void notify_webhooks_destroy (notify_webhooks_t **self_p);

int notify_webhooks_count (notify_webhooks_t *self);
const notify_webhook_sub_t *notify_webhooks_sub (notify_webhooks_t *self, int i);
/* The index of the subscription named name, or -1. */
int notify_webhooks_find (notify_webhooks_t *self, const char *name);

/* A router event (notify_server.c's consumer calls it for each one, in its
 * transaction): queues one entry per subscription that chose its kind.
 * Nothing when webhooks are off. */
int notify_webhooks_on_router (notify_outbox_t *outbox, bc_tx_t *tx, const bc_envelope_t *ev);

#endif
