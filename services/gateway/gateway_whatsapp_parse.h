/* gateway_whatsapp_parse: a WhatsApp Cloud API webhook POST, read. Pure
 * functions (no I/O, no bus), so they are unit-tested against Meta's
 * samples and fuzzed (tests/fuzz/fuzz_whatsapp.c):
 * - gateway_wa_signature_ok: X-Hub-Signature-256 checked against the raw
 *   body with the app secret, in constant time;
 * - gateway_wa_parse: entry[].changes[].value walked into the customer
 *   messages (each with the text an agent reads), the delivery statuses of
 *   our own messages, and the notes of what was skipped and why.
 */
#ifndef GATEWAY_WHATSAPP_PARSE_H
#define GATEWAY_WHATSAPP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One customer message (messages[] of a change's value). */
typedef struct {
    char *wamid;      /* Meta's message id: our external_id */
    char *address;    /* the customer: "whatsapp:+<identity>" (bc_phone: a Brazilian
                         mobile with its ninth digit), or "whatsapp:user:<from_user_id>" */
    char *wa_id;      /* the number as Meta sent it ("" when only a user id came) */
    char *name;       /* contacts[].profile.name, or "" */
    char *type;       /* Meta's type: "text", "image", "location"... */
    char *text;       /* what the agent reads (never empty) */
    char *context_id; /* the wamid this one answers, or "" */
    char *reply_id;   /* a button's or list row's id (payload), or "" */
    bool is_forwarded;
    /* A media message (image, document, audio, video, sticker): Meta's
     * reference, to download through the Graph API later ("" otherwise). */
    char *media_id, *mime_type, *sha256, *filename;
} gateway_wa_message_t;

/* One delivery status of a message we sent (statuses[]). */
typedef struct {
    char *wamid;      /* our outgoing message's id */
    char *status;     /* "sent", "delivered", "read", "played", "failed"... */
    char *recipient;  /* recipient_id (the customer's wa_id), or "" */
    int64_t timestamp; /* seconds since the epoch, 0 when absent */
    int64_t error_code; /* errors[0].code (e.g. 131047, 131026), 0 when none */
    char *error_title; /* errors[0].title, and error_data.details when given */
} gateway_wa_status_t;

typedef struct {
    gateway_wa_message_t *messages;
    size_t n_messages;
    gateway_wa_status_t *statuses;
    size_t n_statuses;
    /* What was not turned into a message or a status, one line each
     * ("reaction wamid.X skipped: ..."), for the log. */
    char **notes;
    size_t n_notes;
} gateway_wa_batch_t;

/* True when header is "sha256=" and the 64 hex digits (either case) of
 * HMAC-SHA256 (body, secret). Constant time in the digest compare; false
 * for a missing or malformed header. */
bool gateway_wa_signature_ok (const unsigned char *secret, size_t secret_len, const char *body,
                              size_t body_len, const char *header);

/* Reads a webhook body. 0 with *batch_p (free it with
 * gateway_wa_batch_destroy) when it is a WhatsApp Business Account update
 * (unknown fields and types are notes, never errors); -1 with a sentence in
 * err when it is not JSON or not such an update. */
int gateway_wa_parse (const char *body, size_t len, gateway_wa_batch_t **batch_p, char *err,
                      size_t err_size);
void gateway_wa_batch_destroy (gateway_wa_batch_t **self_p);

#endif
