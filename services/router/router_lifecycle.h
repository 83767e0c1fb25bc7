/* router_lifecycle: which status a ticket moves to for each action, as one
 * table (the support manual's N1/N2/N3 lifecycle). Pure: no I/O. */
#ifndef ROUTER_LIFECYCLE_H
#define ROUTER_LIFECYCLE_H

#include <stddef.h>

typedef enum {
    ROUTER_OPEN,
    ROUTER_REQUEST_INFO,
    ROUTER_RESOLVE,
    ROUTER_ACCEPT,
    ROUTER_REJECT,
    ROUTER_REOPEN,
    ROUTER_CLOSE,
    ROUTER_CUSTOMER_REPLY, /* not a command: a customer's message arrived */
    ROUTER_ACTION_COUNT
} router_action_t;

/* The action named name ("open", "request_info", ...); -1 if unknown. Only
 * the commands, not ROUTER_CUSTOMER_REPLY. */
int router_action_parse (const char *name);
const char *router_action_name (router_action_t action);

/* True for the six statuses. */
int router_status_is_valid (const char *status);

/* The status after action from status, or NULL when the move is not legal.
 * ROUTER_CUSTOMER_REPLY is always legal (it may leave the status as is). */
const char *router_lifecycle_next (const char *status, router_action_t action);

/* Writes the statuses action is legal from ("novo, aberto") into buf. */
const char *router_lifecycle_sources (router_action_t action, char *buf, size_t size);

#endif
