/* gateway_routes: what each URL does. /healthz is open to all (no data in
 * it); everything under /api/ needs a service token (gateway_auth.h), and
 * is answered from the bus on behalf of the token's principal. Errors are
 * JSON: {"error": code, "message": English, "message_pt": pt-BR}, the same
 * fields as the bus's Error. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include "gateway_auth.h"
#include "gateway_bus.h"

#include <microhttpd.h>

typedef struct gateway_routes_t gateway_routes_t;

/* Uses auth and bus (not owned: they must outlive the routes). */
gateway_routes_t *gateway_routes_new (gateway_auth_t *auth, gateway_bus_t *bus);
void gateway_routes_destroy (gateway_routes_t **self_p);

/* libmicrohttpd's access handler, with cls the routes. Called from any
 * connection's thread. */
enum MHD_Result gateway_routes_handle (void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls);

#endif
