/* gateway_sse: live updates: /api/v1/events, Server-Sent Events from the router's
 * per-person feed (the router decides what each person sees), resuming
 * after Last-Event-ID.
 */
#ifndef GATEWAY_SSE_H
#define GATEWAY_SSE_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"
#include "gateway_presence.h"

typedef struct gateway_sse_t gateway_sse_t;

/* NULL after logging why. presence (may be NULL): whose changes the staff's
 * streams carry as `presence` events; the streams tell it when a
 * session's last one closes, and sweep it. */
gateway_sse_t *gateway_sse_new (bc_config_t *config, gateway_bus_t *bus,
                                gateway_presence_t *presence);
void gateway_sse_destroy (gateway_sse_t **self_p);
/* Ends every stream (they are resumed and close): before the daemon stops. */
void gateway_sse_stop (gateway_sse_t *self);

/* Ticket number's viewers changed: a `presence` event to every staff
 * stream that may be told (gateway_presence_may_tell). Any thread. */
void gateway_sse_presence (gateway_sse_t *self, uint64_t number);

/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_sse_route (gateway_sse_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
