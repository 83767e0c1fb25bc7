/* intake_server: the one door for every channel. Accepts Submit requests,
 * parses e-mail, dedupes by message id, threads replies into tickets, and
 * publishes MessageReceived. */
#ifndef INTAKE_SERVER_H
#define INTAKE_SERVER_H

#include "bc_service.h"

/* Names of intake's own LMDB databases. */
extern const char *const intake_dbs[];
extern const int intake_ndbs;

void *intake_server_setup (bc_service_t *svc);
void intake_server_teardown (void *state);

#endif
