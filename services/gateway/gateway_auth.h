/* gateway_auth: who is calling the HTTP API. Until the portal brings
 * sessions, only outside systems holding a service token: "Authorization:
 * Bearer <token>", checked against the hashes in the tokens file
 * (bc_token.h), re-read whenever the file changes. Each token stands for a
 * principal service:<name>; the gateway acts as it on the bus and the
 * owning service decides what it may read. No file, no access. Safe to use
 * from every connection thread at once. */
#ifndef GATEWAY_AUTH_H
#define GATEWAY_AUTH_H

#include "bc_config.h"

#include <stddef.h>

typedef struct gateway_auth_t gateway_auth_t;

typedef enum {
    GATEWAY_AUTH_OK = 0,
    GATEWAY_AUTH_MISSING,   /* no Authorization header */
    GATEWAY_AUTH_MALFORMED, /* not "Bearer <token68>" */
    GATEWAY_AUTH_UNKNOWN,   /* no such token (or revoked) */
    GATEWAY_AUTH_NO_TOKENS, /* no usable tokens file: the API is closed */
} gateway_auth_result_t;

gateway_auth_t *gateway_auth_new (bc_config_t *config);
void gateway_auth_destroy (gateway_auth_t **self_p);

/* Checks an Authorization header (NULL when absent). On GATEWAY_AUTH_OK
 * writes "service:<name>" into principal. The token is compared in
 * constant time with every stored hash and never logged. */
gateway_auth_result_t gateway_auth_check (gateway_auth_t *self, const char *authorization,
                                          char *principal, size_t size);
/* A short name for logs: "missing", "malformed", "unknown", "no_tokens". */
const char *gateway_auth_reason (gateway_auth_result_t result);
/* Logs a refused request from peer, at most one line per second per peer:
 * the line counts the refusals since that peer's previous line, so a flood
 * cannot fill the disk. */
void gateway_auth_log_refusal (gateway_auth_t *self, const char *peer, const char *reason);

#endif
