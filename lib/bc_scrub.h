/* bc_scrub: what an LGPD erasure takes out of a service's records and log
 * (docs/ARCHITECTURE.md, "LGPD: export and erasure").
 *
 * A scrub knows the data subject by their tickets, the refs of their
 * messages and terms (their addresses, phone numbers, tax id, full names).
 * It walks any protobuf message by its descriptor:
 *  - a message of the subject (a field `number` or `ticket` naming one of
 *    their tickets, a `message_ref` naming one of their messages, or a
 *    customer-side field holding a term) loses, in itself and in every
 *    message it holds: its free text (subject, body, texts, comments, file
 *    names...) for "[removido (LGPD)]", its names for "Titular
 *    anonimizado", its customer-side fields (from_address,
 *    customer_address, contact_address, conversation, whatsapp_number,
 *    email, phone, tax_id; a "customer:" author, id or principal) for the
 *    erasure's label (e.g. "titular-e3", after the value's "customer:" or
 *    "whatsapp:" prefix), its raw bytes (a MIME message, a rendered mail,
 *    a file);
 *  - everywhere else every occurrence of a term in a string becomes
 *    "[removido]" (compared without ASCII case);
 *  - a `payload` (bytes of the message named by a sibling `type`) and an
 *    `envelope` (an Envelope) are walked as the messages they hold.
 * The walk never grows a message's structure, and leaves a message that
 * has nothing of the subject byte for byte as it was. */
#ifndef BC_SCRUB_H
#define BC_SCRUB_H

#include <protobuf-c/protobuf-c.h>

#include <stddef.h>
#include <stdint.h>

#define BC_SCRUB_TEXT "[removido (LGPD)]"
#define BC_SCRUB_NAME "Titular anonimizado"
#define BC_SCRUB_TERM "[removido]"

typedef struct bc_scrub_t bc_scrub_t;

/* label: the erasure's id ("e3"); customer-side fields become
 * "titular-<label>". */
bc_scrub_t *bc_scrub_new (const char *label);
/* Only messages of the subject change; terms elsewhere stay (retention
 * anonymising one ticket of a customer who stays). */
void bc_scrub_set_owned_only (bc_scrub_t *self);
int bc_scrub_is_owned_only (const bc_scrub_t *self);
/* A scrub from the router's PersonErased event (an encoded payload; NULL
 * when it is not one): its tickets, refs and allowed term hashes. */
bc_scrub_t *bc_scrub_from_event (const void *payload, size_t len);
void bc_scrub_destroy (bc_scrub_t **self_p);

const char *bc_scrub_label (const bc_scrub_t *self);
/* Terms: an address ("customer:" or "whatsapp:" prefix dropped), a name
 * (kept only with two words or more: a lone first name is everyone's), any
 * other string of 4 bytes or more. Phone numbers and tax ids get their
 * usual spellings too. */
void bc_scrub_add_term (bc_scrub_t *self, const char *term);
void bc_scrub_add_name (bc_scrub_t *self, const char *name);
void bc_scrub_add_phone (bc_scrub_t *self, const char *phone);
void bc_scrub_add_tax_id (bc_scrub_t *self, const char *tax_id);
void bc_scrub_add_ticket (bc_scrub_t *self, uint64_t number);
/* Learning takes a value only when its bc_scrub_subject_hash is one of
 * these (once any is given). */
void bc_scrub_allow_hash (bc_scrub_t *self, const char *hex);
/* Each term's bc_scrub_subject_hash, for PersonErased.term_hashes: *n of
 * them, malloc'd (free each and the array). */
char **bc_scrub_term_hashes (const bc_scrub_t *self, size_t *n);
void bc_scrub_add_ref (bc_scrub_t *self, const char *message_ref);
int bc_scrub_has_ticket (const bc_scrub_t *self, uint64_t number);
/* The tickets (in order) and refs known, owned by the scrub. */
size_t bc_scrub_tickets (const bc_scrub_t *self, const uint64_t **list);
size_t bc_scrub_refs (const bc_scrub_t *self, char *const **list);
int bc_scrub_has_ref (const bc_scrub_t *self, const char *message_ref);
size_t bc_scrub_terms (const bc_scrub_t *self);

/* Learns, from a message of the subject, its customer-side values as
 * terms (so a service finds the subject's address and name in its own
 * records of their tickets). */
void bc_scrub_learn (bc_scrub_t *self, const ProtobufCMessage *msg);
/* The same for an encoded message of type desc (NULL: an Envelope). */
void bc_scrub_learn_packed (bc_scrub_t *self, const ProtobufCMessageDescriptor *desc,
                            const void *data, size_t len);

/* Scrubs msg in place; 1 when anything changed. */
int bc_scrub_message (const bc_scrub_t *self, ProtobufCMessage *msg);
/* The same, msg taken as the subject's whatever it says (a message on one
 * of their tickets, an agent's too: every text on the subject's tickets
 * goes). */
int bc_scrub_owned (const bc_scrub_t *self, ProtobufCMessage *msg);
/* An encoded message of type desc (NULL: an Envelope): 1 and *out (free
 * it) when it changed, 0 when not, -1 when the bytes are not one. */
int bc_scrub_packed (const bc_scrub_t *self, const ProtobufCMessageDescriptor *desc,
                     const void *data, size_t len, uint8_t **out, size_t *out_len);
/* Text (a rendered mail, a journal line): every term replaced; a new
 * NUL-terminated string when it changed, else NULL. */
char *bc_scrub_text (const bc_scrub_t *self, const char *text, size_t len, size_t *out_len);
/* 1 when data holds a term (compared without ASCII case). */
int bc_scrub_mentions (const bc_scrub_t *self, const void *data, size_t len);

/* The subject's pseudonym in audits: hex BLAKE2b-256 of "balcao-lgpd:" +
 * person (a principal id, "customer:ana@x") in ASCII lower case. */
void bc_scrub_subject_hash (const char *person, char out[65]);

/* How the service logs name a customer: "c:" and the first 10 hex digits
 * of bc_scrub_subject_hash ("customer:" + address), so no log line holds
 * a customer's address (`balcao lgpd log-id` tells an operator whose
 * lines to look for). address may carry its "customer:" prefix. */
const char *bc_scrub_log_id (const char *address, char out[16]);

/* The message type of that full name ("balcao.v1.TicketCreated"), or NULL. */
const ProtobufCMessageDescriptor *bc_proto_find (const char *name);

#endif
