/* gateway_api_tickets: other systems open tickets over HTTP (docs/API.md,
 * "Systems"): POST /api/v1/tickets with a Bearer token and an
 * Idempotency-Key, sent to intake as the token's service:NAME (channel
 * "api"), so intake/submitters decides who may write, as it does for a
 * system on the bus. Safe from every connection thread. */
#ifndef GATEWAY_API_TICKETS_H
#define GATEWAY_API_TICKETS_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

#include <stdbool.h>

/* The longest body a system may send, in characters (code points): well
 * under the bus's default message size even at 4 bytes a character. */
#define GATEWAY_API_BODY_MAX 100000
#define GATEWAY_API_SUBJECT_MAX 300
#define GATEWAY_API_KEY_MAX 64

typedef struct gateway_api_tickets_t gateway_api_tickets_t;

gateway_api_tickets_t *gateway_api_tickets_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_api_tickets_destroy (gateway_api_tickets_t **self_p);

/* True when req is this room's (POST /api/v1/tickets with a Bearer
 * token), with the answer in *out: 201 {"message_ref", "ticket",
 * "duplicate": false}, 200 with duplicate true for a key already used by
 * the same token name, 400 for a bad key or body (nothing sent to intake)
 * or a session cookie beside the token, 403 when intake refuses the
 * service. False for every other request. */
bool gateway_api_tickets_route (gateway_api_tickets_t *self, gateway_req_t *req,
                                enum MHD_Result *out);

/* An Idempotency-Key as this room takes it: 1 to GATEWAY_API_KEY_MAX of
 * A-Z a-z 0-9 . _ : -. Pure. */
bool gateway_api_key_is_valid (const char *key);

#endif
