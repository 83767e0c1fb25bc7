/* gateway_routes: which room answers each URL. /healthz is open to all (no
 * data in it); /api/tickets and /api/attachments need a service token
 * (gateway_auth.h); /api/v1/ (docs/API.md) takes a session cookie
 * (gateway_accounts.h) or a token, checks every write (JSON, same origin,
 * CSRF token, gateway/max_body_bytes) and hands it to the rooms: accounts,
 * a system's POST tickets with a token (gateway_api_tickets.h), tickets, kb, reports, desk (the dashboard),
 * export (LGPD: the ZIP downloads, erasure, audit; gateway_export.h), sse; chat/ (the web chat,
 * gateway_chat.h) checks its own writes; every other path is the web app (gateway_static.h). Errors are
 * JSON: {"error": code, "message": English, "message_pt": pt-BR}, the same
 * fields as the bus's Error. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include "gateway_auth.h"
#include "gateway_bus.h"

#include <microhttpd.h>

typedef struct gateway_routes_t gateway_routes_t;

/* Uses auth and bus (not owned: they must outlive the routes); makes the
 * rooms. NULL after logging why. */
gateway_routes_t *gateway_routes_new (bc_config_t *config, gateway_auth_t *auth,
                                      gateway_bus_t *bus);
void gateway_routes_destroy (gateway_routes_t **self_p);

/* Ends the live streams (before the daemon stops). */
void gateway_routes_stop (gateway_routes_t *self);

/* libmicrohttpd's access handler, with cls the routes. Called from the
 * event-loop threads; what asks the bus runs on a worker's thread
 * (gateway_worker.h). */
enum MHD_Result gateway_routes_handle (void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls);
/* libmicrohttpd's MHD_OPTION_NOTIFY_COMPLETED: frees a request's body. */
void gateway_routes_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
                               enum MHD_RequestTerminationCode why);

#endif
