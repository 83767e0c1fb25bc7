/* gateway_desk_actions: POST /api/v1/desk/tickets/N/<action>, what an agent
 * does to a ticket from the dashboard (docs/API.md, the actions' table):
 * each body is checked here (400 invalid, nothing sent, when a field is
 * missing or of the wrong type), then sent to the router as the signed-in
 * person, who decides; the answer is the desk ticket after it, or the
 * router's refusal with its status and sentence. A reply that carried
 * seen_updated_us on a ticket changed since is 409 with the ticket now and
 * the messages written since (docs/API.md, "Presence"). */
#ifndef GATEWAY_DESK_ACTIONS_H
#define GATEWAY_DESK_ACTIONS_H

#include "gateway_bus.h"
#include "gateway_http.h"

#include <stdbool.h>
#include <stdint.h>

/* True when action is one of the ticket actions (take, assign, reply, note,
 * phone, macro, request-info, open, reopen, close, resolve, category,
 * priority, escalate, deescalate, merge, link), with the answer in *out
 * (405 for a GET); false otherwise (*out untouched). */
bool gateway_desk_action (gateway_bus_t *bus, gateway_req_t *req, uint64_t number,
                          const char *action, enum MHD_Result *out);

#endif
