/* gateway_kb: the knowledge base as the portal shows it: /api/v1/kb/search,
 * /kb/suggest, /kb/articles/ID (and its feedback), /kb/deflection. kb
 * decides what each principal may see (visitors and customers: public
 * articles only).
 */
#ifndef GATEWAY_KB_H
#define GATEWAY_KB_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_kb_t gateway_kb_t;

/* NULL after logging why. */
gateway_kb_t *gateway_kb_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_kb_destroy (gateway_kb_t **self_p);

/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_kb_route (gateway_kb_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
