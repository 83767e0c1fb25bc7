/* notify_webhook_json: what a webhook subscriber receives of a router
 * event: the event kinds a subscription may choose, the JSON document
 * (jansson), its signature (HMAC-SHA256 with the subscription's secret,
 * libsodium) and what the subscriber's answer means for the outbox. Pure:
 * no LMDB, no network, no clock of its own (see docs/API.md, "Webhooks").
 *
 *     int kind = notify_webhook_kind_of (ev->type);
 *     ProtobufCMessage *msg = bc_envelope_payload (ev, notify_webhook_kinds[kind].descriptor);
 *     char *body = notify_webhook_json (kind, ev, msg, &view, 0);
 *     char sig[NOTIFY_WEBHOOK_SIG_MAX];
 *     notify_webhook_sign (secret, time (NULL), body, strlen (body), sig, sizeof sig);
 */
#ifndef NOTIFY_WEBHOOK_JSON_H
#define NOTIFY_WEBHOOK_JSON_H

#include "bc_msg.h"

#include <stddef.h>
#include <stdint.h>

/* One kind of router event a subscription may choose. */
typedef struct {
    const char *name; /* in notify/webhooks/<name>/events: "ticket_created" */
    const char *type; /* in the document and X-Balcao-Event: "ticket.created" */
    const ProtobufCMessageDescriptor *descriptor; /* the router's event */
} notify_webhook_kind_t;

extern const notify_webhook_kind_t notify_webhook_kinds[];
extern const int notify_webhook_nkinds;

/* The kind named `name` in the config, or -1. */
int notify_webhook_kind_find (const char *name);
/* The kind of a router event by its envelope's type
 * ("balcao.v1.TicketCreated"), or -1 when no subscriber can choose it. */
int notify_webhook_kind_of (const char *envelope_type);

/* The ticket an event of kind is about (TicketMerged: the one merged
 * away, `from`). */
uint64_t notify_webhook_ticket (int kind, const ProtobufCMessage *msg);

/* Whether a subscriber outside the team may see the event at all: an
 * internal note (MessageAppended, is_internal or direction "internal") is
 * the team's only. */
int notify_webhook_is_public (int kind, const ProtobufCMessage *msg);

/* What notify knows of the ticket besides the event (its view, kept from
 * TicketCreated): fields may be NULL. */
typedef struct {
    const char *subject;
    const char *customer_address;
    const char *customer_name;
} notify_webhook_view_t;

/* The document (compact JSON, malloc'd) of router event ev, whose payload
 * msg is of kind:
 *   {"id": <envelope id>, "type": "ticket.created", "time": RFC 3339 UTC,
 *    "seq": <router log position>, "ticket": N, "data": {...}}
 * data holds what a subscriber needs (docs/API.md has each kind's).
 * Words only the team reads (an agent's reason for a move, an
 * escalation's diagnosis) are left out unless include_internal. view may
 * be NULL. NULL when out of memory. */
char *notify_webhook_json (int kind, const bc_envelope_t *ev, const ProtobufCMessage *msg,
                           const notify_webhook_view_t *view, int include_internal);

/* "2026-12-05T00:41:12.123Z" (size >= 32). */
void notify_webhook_time (int64_t time_us, char *out, size_t size);

/* X-Balcao-Signature: "t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" keyed with the secret>". */
#define NOTIFY_WEBHOOK_SIG_MAX 96
void notify_webhook_sign (const char *secret, long long t, const char *body, size_t len,
                          char *out, size_t size);

typedef enum {
    NOTIFY_WEBHOOK_DELIVERED, /* 2xx */
    NOTIFY_WEBHOOK_TEMPORARY, /* 408, 429, 5xx, no answer: retry */
    NOTIFY_WEBHOOK_PERMANENT, /* any other answer: a dead letter */
} notify_webhook_outcome_t;

typedef struct {
    notify_webhook_outcome_t outcome;
    int code;                /* the HTTP status (0: no answer) */
    char reason[320];        /* "HTTP 410: <first 200 bytes of the answer>" */
    int64_t retry_after_ms;  /* the answer's Retry-After (0: none) */
} notify_webhook_result_t;

/* What the subscriber's answer means: status, the start of its body
 * (len bytes), and its Retry-After header's value (NULL: none; seconds,
 * or an HTTP date, read against now_s). */
void notify_webhook_classify (long status, const char *body, size_t len, const char *retry_after,
                              long long now_s, notify_webhook_result_t *result);

#endif
