/* gateway_static: the web app's files (gateway/web_root, default the
 * build's web/dist): files by path, any other path the app's index.html
 * (its router shows the page), with the page headers of gateway_http.h. */
#ifndef GATEWAY_STATIC_H
#define GATEWAY_STATIC_H

#include "bc_config.h"

#include <microhttpd.h>

typedef struct gateway_static_t gateway_static_t;

/* NULL after logging why. A missing web_root is not an error: the API
 * still works, and pages answer 404 with a sentence saying how to build
 * the app. */
gateway_static_t *gateway_static_new (bc_config_t *config);
void gateway_static_destroy (gateway_static_t **self_p);

/* Answers a GET or HEAD for url (any path outside /api/ and /healthz). */
enum MHD_Result gateway_static_serve (gateway_static_t *self, struct MHD_Connection *conn,
                                      const char *url);

#endif
