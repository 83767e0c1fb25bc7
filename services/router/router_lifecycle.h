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

/* Who closes a resolved ticket, as the N3 rule sees them. */
typedef enum {
    ROUTER_BY_AGENT,      /* agent: */
    ROUTER_BY_SUPERVISOR, /* supervisor: or admin: */
    ROUTER_BY_CUSTOMER,   /* the ticket's own customer (accept, or a reply read as one) */
    ROUTER_BY_SYSTEM,     /* system:router, the auto-close after the reminder */
    ROUTER_BY_OTHER       /* anyone else (a colleague of the customer, a service) */
} router_closer_t;

/* The closer principal is; is_customer: it is the ticket's customer. */
router_closer_t router_closer_of (const char *principal, int is_customer);

typedef enum {
    ROUTER_CLOSE_OK,
    ROUTER_CLOSE_WAITS_CUSTOMER, /* N3: only the customer, the auto-close or a supervisor */
    ROUTER_CLOSE_NEEDS_REASON,   /* N3, a supervisor: the reason is missing or blank */
    ROUTER_CLOSE_REASON_TOO_LONG /* N3, a supervisor: over ROUTER_CLOSE_REASON_MAX */
} router_close_verdict_t;

/* The longest reason a supervisor may give, in characters (not bytes). */
#define ROUTER_CLOSE_REASON_MAX 500

/* May `by` move a resolved ticket at tier to fechado? The seed's rule: at N3
 * the ticket closes after the customer validates the fix, so only the
 * customer's acceptance or the auto-close after the reminder close it; a
 * supervisor may close it earlier with a written reason (1 to
 * ROUTER_CLOSE_REASON_MAX characters, not only blanks). Other tiers, and a
 * ticket without a customer (a problem ticket: its incidents wait for
 * theirs), keep the table's rule: OK for anyone the action allows. reason
 * may be NULL. */
router_close_verdict_t router_lifecycle_may_close (const char *tier, int has_customer,
                                                   router_closer_t by, const char *reason);

#endif
