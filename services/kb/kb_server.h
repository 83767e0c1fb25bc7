/* kb_server: the knowledge base service. For now it indexes the tickets it
 * reads from router's log and answers SearchTickets; articles, suggestions
 * and bot answers come with the knowledge-base issue. */
#ifndef KB_SERVER_H
#define KB_SERVER_H

#include "bc_service.h"

extern const char *const kb_dbs[];
extern const int kb_ndbs;

void *kb_server_setup (bc_service_t *svc);
void kb_server_teardown (void *state);

#endif
