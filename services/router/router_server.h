/* router_server: owns tickets. Turns MessageReceived into tickets and thread
 * messages, answers GetTicket/ListTickets. Lifecycle, people, assignment and
 * SLA come with the router issue. */
#ifndef ROUTER_SERVER_H
#define ROUTER_SERVER_H

#include "bc_service.h"

extern const char *const router_dbs[];
extern const int router_ndbs;

void *router_server_setup (bc_service_t *svc);
void router_server_teardown (void *state);

#endif
