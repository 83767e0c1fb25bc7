/* gateway_static: see gateway_static.h. (Being built.) */
#include "gateway_static.h"

#include "gateway_http.h"

#include <stdlib.h>

struct gateway_static_t {
    int unused;
};

gateway_static_t *
gateway_static_new (bc_config_t *config)
{
    (void) config;
    return calloc (1, sizeof (gateway_static_t));
}

void
gateway_static_destroy (gateway_static_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

enum MHD_Result
gateway_static_serve (gateway_static_t *self, struct MHD_Connection *conn, const char *url)
{
    (void) self, (void) url;
    return gateway_http_no_such_page (conn);
}
