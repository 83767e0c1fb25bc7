/* balcaoctl_token: `balcaoctl api-token NAME`, the operator's way to let an
 * outside system call the gateway's API. */
#ifndef BALCAOCTL_TOKEN_H
#define BALCAOCTL_TOKEN_H

#include "bc_config.h"

/* Makes a new random token for service:NAME, appends its hash to the tokens
 * file (bc_token.h; the file and its folder are made, private, when
 * missing) and prints the token once on stdout, what to do next on stderr.
 * With can_read, service:NAME is first registered at the router with the
 * read permission (the router must be up). Returns the exit status (0, 64
 * for a bad name, 1 when the file cannot be written or the router did not
 * register it). */
int balcaoctl_api_token (bc_config_t *config, const char *name, int can_read);

/* Registers (or updates) a person at the router as the operator
 * (admin:balcaoctl, UpsertPerson): 0, or -1 after saying why on stderr. */
struct Balcao__V1__Person;
int balcaoctl_upsert_person (bc_config_t *config, const struct Balcao__V1__Person *person);

#endif
