/* gateway_tickets: see gateway_tickets.h. (Being built.) */
#include "gateway_tickets.h"

#include <stdlib.h>

struct gateway_tickets_t {
    gateway_bus_t *bus;
};

gateway_tickets_t *
gateway_tickets_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_tickets_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_tickets_destroy (gateway_tickets_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

bool
gateway_tickets_route (gateway_tickets_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    (void) self, (void) req, (void) out;
    return false;
}
