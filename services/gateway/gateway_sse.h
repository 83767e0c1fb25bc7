/* gateway_sse: live updates: /api/v1/events, Server-Sent Events from the router's
 * per-person feed (the router decides what each person sees), resuming
 * after Last-Event-ID.
 */
#ifndef GATEWAY_SSE_H
#define GATEWAY_SSE_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_sse_t gateway_sse_t;

/* NULL after logging why. */
gateway_sse_t *gateway_sse_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_sse_destroy (gateway_sse_t **self_p);
/* Ends every stream (they are resumed and close): before the daemon stops. */
void gateway_sse_stop (gateway_sse_t *self);

/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_sse_route (gateway_sse_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
