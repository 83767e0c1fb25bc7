/* gateway_desk_json: router tickets and histories as the dashboard's JSON
 * (docs/API.md, "Staff: sign-in, accounts and the dashboard"): the desk
 * summary with its SLA state, the desk ticket with every message (internal
 * notes too), and the timeline in sentences an agent reads, in pt-BR and
 * English, with each event's fields decoded from its protobuf descriptor.
 * Pure functions over protobuf and jansson values: no I/O. */
#ifndef GATEWAY_DESK_JSON_H
#define GATEWAY_DESK_JSON_H

#include "balcao/v1/router.pb-c.h"

#include <jansson.h>
#include <stdint.h>

/* names: an object principal -> person's name (the staff, from
 * ListPeople), or NULL. A person without a name there is shown by the
 * address part of their principal ("ana@example.com" for
 * "agent:ana@example.com"); the ticket's customer by their name. now_us:
 * the wall clock, for the SLA state. */

/* {"target", "state", "warn_at", "due_at"}: the clock that matters now
 * (first response until it is met, then resolution). */
json_t *gateway_desk_sla (const Balcao__V1__Ticket *t, int64_t now_us);

/* The desk summary of t. */
json_t *gateway_desk_summary (const Balcao__V1__Ticket *t, const json_t *names, int64_t now_us);

/* The desk ticket: the summary, every message, the timeline from history
 * (NULL: empty), the resolution, the rating, and customer_tickets (the
 * customer's tickets from ListTickets.customer, newest first; t itself left
 * out; at most 20; NULL: none). */
json_t *gateway_desk_ticket (const Balcao__V1__Ticket *t, const Balcao__V1__History *history,
                             const Balcao__V1__TicketList *customer_tickets, const json_t *names,
                             int64_t now_us);

/* {"id", "name", "name_en", "text", "text_en", "category", "priority",
 * "action"}. */
json_t *gateway_desk_macro_json (const Balcao__V1__Macro *m);
/* {"id", "name", "name_en", "priority", "tier", "procedure"}. */
json_t *gateway_desk_category_json (const Balcao__V1__Category *c);

/* One timeline entry of ticket t: {"seq", "time", "by", "type", "summary",
 * "summary_en", "details"}. */
json_t *gateway_desk_timeline_entry (const Balcao__V1__HistoryEntry *e,
                                     const Balcao__V1__Ticket *t, const json_t *names);

/* The fields of an event (type "balcao.v1.X", payload its bytes), by name:
 * fields at their default (0, "", false, empty) left out, nested messages as
 * objects, repeated fields as arrays, int64 fields named *_us as ISO times,
 * bytes in base64. {} for a type the router's log does not have or a
 * payload that does not decode. */
json_t *gateway_desk_details (const char *type, ProtobufCBinaryData payload);

/* The name to show for principal on ticket t (NULL: no ticket). */
const char *gateway_desk_name (const json_t *names, const char *principal,
                               const Balcao__V1__Ticket *t);

#endif
