/* bc_events: the router's events for people. */
#ifndef BC_EVENTS_H
#define BC_EVENTS_H

#include "bc_msg.h"

#include <stddef.h>
#include <stdint.h>

/* One line saying what the event did, in pt-BR ("resolvido → fechado
 * (accept)", "escalado N1 → N2: ...") or, with en, in English; the type
 * name for other events. */
void bc_event_summary (const bc_envelope_t *env, int en, char *out, size_t size);
/* The ticket an event is about (0: none, e.g. PersonChanged). */
uint64_t bc_event_ticket (const bc_envelope_t *env);

#endif
