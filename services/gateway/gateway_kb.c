/* gateway_kb: see gateway_kb.h. (Being built.) */
#include "gateway_kb.h"

#include <stdlib.h>

struct gateway_kb_t {
    gateway_bus_t *bus;
};

gateway_kb_t *
gateway_kb_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_kb_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_kb_destroy (gateway_kb_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

bool
gateway_kb_route (gateway_kb_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    (void) self, (void) req, (void) out;
    return false;
}
