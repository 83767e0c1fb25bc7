/* gateway_accounts: customers' accounts and sessions (the room of
 * /api/v1/session, /signup, /confirm, /login, /login-link, /password-reset,
 * /logout). The gateway owns them, in its own LMDB (see docs/ARCHITECTURE.md,
 * "Accounts and sessions"). */
#ifndef GATEWAY_ACCOUNTS_H
#define GATEWAY_ACCOUNTS_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_accounts_t gateway_accounts_t;

/* NULL after logging why. */
gateway_accounts_t *gateway_accounts_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_accounts_destroy (gateway_accounts_t **self_p);

/* Who is asking: from the session cookie, fills req->principal
 * ("customer:<address>"), signed_in, address, name, language and
 * session_key; leaves "visitor:" when there is no live session. */
void gateway_accounts_identify (gateway_accounts_t *self, gateway_req_t *req);
/* A write from a browser: true when its X-CSRF-Token header is the token
 * of its session (or of its pre-session cookie). Constant time. */
bool gateway_accounts_csrf_ok (gateway_accounts_t *self, const gateway_req_t *req);
/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_accounts_route (gateway_accounts_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
