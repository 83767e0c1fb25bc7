/* gateway_accounts: customers' accounts and sessions. (Being built: for
 * now nobody is signed in.) */
#include "gateway_accounts.h"

#include <stdlib.h>

struct gateway_accounts_t {
    gateway_bus_t *bus;
};

gateway_accounts_t *
gateway_accounts_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_accounts_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_accounts_destroy (gateway_accounts_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

void
gateway_accounts_identify (gateway_accounts_t *self, gateway_req_t *req)
{
    (void) self, (void) req;
}

bool
gateway_accounts_csrf_ok (gateway_accounts_t *self, const gateway_req_t *req)
{
    (void) self, (void) req;
    return false;
}

bool
gateway_accounts_route (gateway_accounts_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    (void) self, (void) req, (void) out;
    return false;
}
