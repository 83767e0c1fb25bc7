/* notify_server: turns router events into customer notifications, durably
 * queued in an outbox before delivery and delivered exactly once. */
#ifndef NOTIFY_SERVER_H
#define NOTIFY_SERVER_H

#include "balcao/v1/notify.pb-c.h"
#include "bc_service.h"
#include "bc_store.h"

extern const char *const notify_dbs[];
extern const int notify_ndbs;

void *notify_server_setup (bc_service_t *svc);
void notify_server_teardown (void *state);

/* notify's view of ticket number (subject, customer, language...) in its
 * tickets database db_tickets, or NULL with *rc MDB_NOTFOUND (never heard
 * of it) or another LMDB code. Free with
 * balcao__v1__notify_ticket__free_unpacked. */
Balcao__V1__NotifyTicket *notify_ticket_get (MDB_txn *txn, MDB_dbi db_tickets, uint64_t number,
                                             int *rc);

#endif
