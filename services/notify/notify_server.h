/* notify_server: turns router events into customer notifications, durably
 * queued in an outbox before delivery and delivered exactly once. */
#ifndef NOTIFY_SERVER_H
#define NOTIFY_SERVER_H

#include "bc_service.h"

extern const char *const notify_dbs[];
extern const int notify_ndbs;

void *notify_server_setup (bc_service_t *svc);
void notify_server_teardown (void *state);

#endif
