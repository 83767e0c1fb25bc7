/* gateway_sse: see gateway_sse.h. (Being built.) */
#include "gateway_sse.h"

#include <stdlib.h>

struct gateway_sse_t {
    gateway_bus_t *bus;
};

gateway_sse_t *
gateway_sse_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_sse_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_sse_destroy (gateway_sse_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

bool
gateway_sse_route (gateway_sse_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    (void) self, (void) req, (void) out;
    return false;
}
