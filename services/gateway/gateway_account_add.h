/* gateway_account_add: `balcao-gateway [-c CONFIG] account-add ADDRESS NAME`,
 * the operator's way to make a portal account with a password (read from
 * standard input, one line) without the web: `balcaoctl up --demo` uses it
 * for the demo customer. Only the gateway's binary opens the gateway's
 * LMDB; LMDB lets this second process write beside a running gateway. */
#ifndef GATEWAY_ACCOUNT_ADD_H
#define GATEWAY_ACCOUNT_ADD_H

#include "bc_config.h"

/* Makes (or, for an address that has one, updates the name and password
 * of) a confirmed account. Returns the exit status: 0, 65 for a bad
 * address, name or password (said on stderr), 1 when the store fails. */
int gateway_account_add (bc_config_t *config, const char *address, const char *name);

/* `balcao-gateway [-c CONFIG] staff-add ADDRESS` (the password on standard
 * input): sets the web password of the staff person whose e-mail is
 * ADDRESS (the person is the router's: `balcaoctl staff-add` registers
 * both), TOTP off. The same exit statuses. */
int gateway_staff_add (bc_config_t *config, const char *address);

#endif
