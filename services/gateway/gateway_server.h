/* gateway_server: the HTTP edge. Translates HTTP requests into bus requests
 * and owns no ticket data (only the portal's accounts and sessions): the
 * health check, the read-only ticket API for tokens, the portal's API v1,
 * its live updates and the web app's files (gateway_routes.h says which
 * room answers what). The dashboard and webhooks come with their issues. */
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
