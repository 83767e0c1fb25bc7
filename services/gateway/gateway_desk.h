/* gateway_desk: the agents' dashboard rooms under /api/v1/desk/ (docs/API.md,
 * "Staff: sign-in, accounts and the dashboard"): the counts, the queues,
 * one ticket with its thread, timeline and the customer's other tickets,
 * its files, the macros and their preview; the ticket actions are
 * gateway_desk_actions.c's. Every request goes to the router (files to
 * intake) as the signed-in staff person: the router decides what they may
 * see and do. /desk/people, /desk/status (gateway_staff_people.c) and
 * /desk/reports (gateway_reports.c) are other rooms. */
#ifndef GATEWAY_DESK_H
#define GATEWAY_DESK_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

#include <stdint.h>

typedef struct gateway_desk_t gateway_desk_t;

gateway_desk_t *gateway_desk_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_desk_destroy (gateway_desk_t **self_p);

/* Answers the request when its path is one of this room's (the staff only:
 * 401 for a visitor, 403 for a customer or a token); false otherwise. */
bool gateway_desk_route (gateway_desk_t *self, gateway_req_t *req, enum MHD_Result *out);

/* Answers ticket number as a desk ticket, read as req->principal, with
 * status (the ticket actions answer with it). */
enum MHD_Result gateway_desk_answer_ticket (gateway_bus_t *bus, gateway_req_t *req,
                                            unsigned status, uint64_t number);

/* The answer for a failed router call. */
enum MHD_Result gateway_desk_router_error (gateway_req_t *req, int rc, const bc_envelope_t *reply);

#endif
