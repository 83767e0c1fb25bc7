/* kb_server: the knowledge base service: articles (versions, Markdown,
 * feedback), full-text search of articles and tickets, suggestions while
 * typing, bot answers, KB gaps, similar tickets and recurring-problem
 * detection. Set-up in kb_server.c; see kb_internal.h for the parts. */
#ifndef KB_SERVER_H
#define KB_SERVER_H

#include "bc_service.h"

extern const char *const kb_dbs[];
extern const int kb_ndbs;

void *kb_server_setup (bc_service_t *svc);
void kb_server_teardown (void *state);

#endif
