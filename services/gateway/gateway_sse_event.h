/* gateway_sse_event: what a browser's live stream says of one event of the
 * router's feed. Pure: no I/O, no state. */
#ifndef GATEWAY_SSE_EVENT_H
#define GATEWAY_SSE_EVENT_H

#include "bc_msg.h"

#include <stdbool.h>

/* The SSE text of one event ("id: SEQ\nevent: ticket\ndata: {...}\n\n",
 * malloc'd), or NULL for one the person is not shown. A customer's: never
 * an internal note or the team's own events (the router leaves them out of
 * a customer's feed already; never passed on anyway). The staff
 * (is_staff): every ticket event, with the tier it names; people's changes
 * (the router shows them to supervisors and admins) with the person's id. */
char *gateway_sse_event_text (const bc_envelope_t *env, bool is_staff);

#endif
