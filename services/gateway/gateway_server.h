/* gateway_server: the HTTP edge. Translates HTTP requests into bus requests;
 * owns no ticket data. For now: /healthz and the read-only ticket API; the
 * portal, dashboard, sessions and webhooks come with their issues. */
#ifndef GATEWAY_SERVER_H
#define GATEWAY_SERVER_H

#include "bc_config.h"

typedef struct gateway_server_t gateway_server_t;

/* Starts listening on gateway/http_address:gateway/http_port. NULL after
 * logging why. */
gateway_server_t *gateway_server_new (bc_config_t *config);
void gateway_server_destroy (gateway_server_t **self_p);
/* The URL people open. */
const char *gateway_server_url (gateway_server_t *self);

#endif
