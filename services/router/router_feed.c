/* router_feed: what a person may see of the router's log (`balcao tail`).
 * The whole log, with every customer's tickets and internal notes, is for
 * the services in balcao/log_readers; a person asking for a replay gets
 * this filter's view instead (lib/bc_service_batch.c). */
#include "router_internal.h"

#include <string.h>

/* The ticket an event is about, or 0 for one about no single ticket. */
static uint64_t
s_ticket_of (const bc_envelope_t *ev, int *is_internal)
{
    *is_internal = 0;
    uint64_t number = 0;
    if (bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            ev, &balcao__v1__ticket_created__descriptor);
        if (tc && tc->ticket)
            number = tc->ticket->number;
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
        return number;
    }
    if (bc_envelope_is (ev, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *ma = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            ev, &balcao__v1__message_appended__descriptor);
        if (ma) {
            number = ma->ticket;
            *is_internal = ma->message && ma->message->is_internal;
            balcao__v1__message_appended__free_unpacked (ma, NULL);
        }
        return number;
    }
    /* The others name their ticket in field 1, `number` (TicketMerged:
     * `from`, the customer's duplicate). */
    static const ProtobufCMessageDescriptor *const customer_visible[] = {
        &balcao__v1__ticket_status_changed__descriptor,
        &balcao__v1__auto_close_reminder__descriptor,
        &balcao__v1__ticket_merged__descriptor,
        &balcao__v1__ticket_rated__descriptor,
    };
    for (size_t i = 0; i < sizeof customer_visible / sizeof customer_visible[0]; i++) {
        if (!bc_envelope_is (ev, customer_visible[i]))
            continue;
        ProtobufCMessage *m = bc_envelope_payload (ev, customer_visible[i]);
        if (!m)
            return 0;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field (customer_visible[i], 1);
        if (f && f->type == PROTOBUF_C_TYPE_UINT64)
            number = *(const uint64_t *) ((const char *) m + f->offset);
        protobuf_c_message_free_unpacked (m, NULL);
        return number;
    }
    /* Escalations, SLA alarms, field changes, assignments, links, people:
     * the team's business. */
    *is_internal = 1;
    return 0;
}

/* Staff see the tickets' events (people's records only for admins and
 * supervisors); a customer sees the events of the tickets they may read
 * (their own, their organization's when they follow it), without internal
 * notes and the team's own moves. */
static int
s_may_see (void *state, bc_tx_t *tx, const char *principal, const bc_envelope_t *ev)
{
    router_t *self = state;
    if (bc_envelope_is (ev, &balcao__v1__person_changed__descriptor))
        return router_is_supervisor (principal);
    int is_internal, rc;
    uint64_t number = s_ticket_of (ev, &is_internal);
    /* Agents: every ticket's, but a restricted organization's they do not
     * serve. */
    if (router_is_agent (principal)) {
        if (!number || !*self->pdbs.restricted)
            return 1;
        Balcao__V1__Ticket *t = router_get_ticket (self, bc_tx_txn (tx), number, &rc);
        int hides = t && router_hides (self, bc_tx_txn (tx), principal, t);
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
        return !hides;
    }
    if (!number || is_internal)
        return 0;
    Balcao__V1__Ticket *t = router_get_ticket (self, bc_tx_txn (tx), number, &rc);
    if (!t)
        return 0;
    /* Its customer, and colleagues who follow their organization's. */
    int may = router_read_access (self, bc_tx_txn (tx), principal, t) > 0;
    balcao__v1__ticket__free_unpacked (t, NULL);
    return may;
}

void
router_feed_register (bc_service_t *svc)
{
    bc_service_set_feed_filter (svc, s_may_see);
}
