/* gateway_tickets: the customer's tickets: /api/v1/categories, /tickets, /tickets/N and what
 * a customer does to one (reply, accept, reject, rate, its attachments).
 * Every decision is the router's: this room asks as req->principal.
 */
#ifndef GATEWAY_TICKETS_H
#define GATEWAY_TICKETS_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_tickets_t gateway_tickets_t;

/* NULL after logging why. */
gateway_tickets_t *gateway_tickets_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_tickets_destroy (gateway_tickets_t **self_p);

/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_tickets_route (gateway_tickets_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
