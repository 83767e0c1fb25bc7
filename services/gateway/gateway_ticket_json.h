/* gateway_ticket_json: a router Ticket as the portal's JSON (docs/API.md,
 * "Tickets"): the summary, the whole ticket with its public thread, the
 * promise and what the caller may do now; and the checks of what a
 * customer sends (text lengths, files in base64).
 * Pure functions over protobuf and jansson values: no I/O. */
#ifndef GATEWAY_TICKET_JSON_H
#define GATEWAY_TICKET_JSON_H

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* {"number", "subject", "status", "tier", "category", "priority",
 * "created_at", "updated_at", "message_count", "promise"}. */
json_t *gateway_ticket_summary (const Balcao__V1__Ticket *t);

/* The summary plus the customer, the public messages (never an internal
 * note; an inbound message's new part as its body), the resolution, the
 * rating, auto_close_at and the can_* flags for principal. by_token: a
 * Bearer token reads only (every flag false). The flags only hide buttons:
 * the router judges every action. */
json_t *gateway_ticket_full (const Balcao__V1__Ticket *t, const char *principal, bool by_token);

/* The promise: {"kind", "due", "state"} (see docs/API.md). */
json_t *gateway_ticket_promise (const Balcao__V1__Ticket *t);

/* True when sha256 is the id of a file on a public message of t; then
 * *found (when not NULL) is that file's metadata as that message has it. */
bool gateway_ticket_has_file (const Balcao__V1__Ticket *t, const char *sha256,
                              const Balcao__V1__Attachment **found);

/* Orders a list for the customer: open ones (not fechado) first, then the
 * most recent activity first within each group. */
void gateway_ticket_sort (Balcao__V1__Ticket **list, size_t n);

/* Why a field was refused: the sentence in both languages. */
typedef struct {
    char pt[256];
    char en[256];
} gateway_ticket_why_t;

/* A text field of body: a string of min..max characters (code points), no
 * control character but (when is_multiline) newline, carriage return and
 * tab. is_required false: absent (or null) is fine and *out is "".
 * True with *out pointing into body, or false with why filled. */
bool gateway_ticket_text (json_t *body, const char *field, size_t min, size_t max,
                          bool is_multiline, bool is_required, const char **out,
                          gateway_ticket_why_t *why);

/* The "attachments" of body (absent: none): at most max_files objects
 * {"filename" (1-255 characters), "content_type"? ("type/subtype", at most
 * 127), "content_base64" (strict standard base64)}. On success *files is a
 * malloc'd array of *n_files malloc'd SubmitFile (free with
 * gateway_ticket_files_free). False with why filled otherwise. */
bool gateway_ticket_files (json_t *body, size_t max_files, Balcao__V1__SubmitFile ***files,
                           size_t *n_files, gateway_ticket_why_t *why);
void gateway_ticket_files_free (Balcao__V1__SubmitFile **files, size_t n_files);

/* The body's client_ref (the form's own id, a UUID): 1 to 64 of A-Z, a-z,
 * 0-9, '-' and '_'. True with *out pointing into body. */
bool gateway_ticket_client_ref (json_t *body, const char **out, gateway_ticket_why_t *why);
/* The body's suggestions_opened, when given: at most 20 article ids of 1 to
 * 100 characters. */
bool gateway_ticket_suggestions (json_t *body, gateway_ticket_why_t *why);

#endif
