/* gateway_ticket_send: a customer's message from the portal to intake, as
 * service:gateway for the signed-in address (channel "portal"), and the
 * wait until the router has it; the deflection record for kb; a ticket's
 * file from intake. Safe from every connection thread. */
#ifndef GATEWAY_TICKET_SEND_H
#define GATEWAY_TICKET_SEND_H

#include "balcao/v1/intake.pb-c.h"
#include "gateway_bus.h"
#include "gateway_http.h"

#include <stdbool.h>
#include <stdint.h>

/* The external_id of a portal message in out: "portal:" and a hash of who
 * sends it (the principal), what for (kind: "new", or the ticket's number)
 * and the form's client_ref, so a retry of one form is one message at
 * intake (its dedupe). */
void gateway_ticket_external_id (const gateway_req_t *req, const char *kind,
                                 const char *client_ref, char *out, size_t size);

/* Submits (channel, from_address, from_name and language filled from req)
 * to intake. True with ref (33 bytes) set to intake's message ref, or false
 * with the answer given in *out: files over intake's limits are 413
 * too_large with intake's own sentence. */
bool gateway_ticket_send (gateway_bus_t *bus, gateway_req_t *req, Balcao__V1__Submit *submit,
                          char *ref, enum MHD_Result *out);

/* The number of the ticket message external_id opened, once the router
 * lists it for req's principal (waits up to 5 s); 0 when not yet. */
uint64_t gateway_ticket_wait_new (gateway_bus_t *bus, const gateway_req_t *req,
                                  const char *external_id);
/* Waits up to 5 s for message external_id, sent to continue ticket number,
 * to be on a ticket: number, or the new ticket the router opened for it
 * instead (one closed longer than router/reopen_days; one the sender may
 * not read). 0 when the router has not placed it yet. */
uint64_t gateway_ticket_wait_message (gateway_bus_t *bus, const gateway_req_t *req,
                                      uint64_t number, const char *external_id);

/* The body's suggestions_opened (checked by gateway_ticket_suggestions) to
 * kb's RecordDeflection as "sent_after_opening", once per client_ref. A
 * failure is logged: the ticket is stored whatever kb answers. */
void gateway_ticket_record_deflection (gateway_bus_t *bus, const gateway_req_t *req,
                                       const char *client_ref);

/* Sends file sha256 from intake (asked as service:gateway: the caller's
 * room checked with the router that req may read it) as a download under
 * the name and type meta, the message it is on, gives it: the same bytes
 * may have come first under another customer's name. */
enum MHD_Result gateway_ticket_file (gateway_bus_t *bus, gateway_req_t *req, const char *sha256,
                                     const Balcao__V1__Attachment *meta);

/* The number of principal's ticket whose first message is external_id,
 * looking at numbers above `after` (a new ticket's number is above every
 * number before it), or 0: one look through the router's list. */
uint64_t gateway_ticket_find_opened (gateway_bus_t *bus, const char *principal,
                                     const char *external_id, uint64_t after);

#endif
