/* gateway_sse_event: one router event as the text of a server-sent event
 * (see the header). */
#include "gateway_sse_event.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_events.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kind the browser gets for an event; NULL for one it is not shown.
 * Customers get the portal's kinds; the staff also the team's own. */
static const char *
s_kind (const bc_envelope_t *env, bool is_staff)
{
    static const struct {
        const ProtobufCMessageDescriptor *type;
        const char *kind;
        bool is_staff_only;
    } kinds[] = {
        {&balcao__v1__ticket_created__descriptor, "created", false},
        {&balcao__v1__message_appended__descriptor, "message", false},
        {&balcao__v1__ticket_status_changed__descriptor, "status", false},
        {&balcao__v1__ticket_merged__descriptor, "merged", false},
        {&balcao__v1__ticket_rated__descriptor, "rated", false},
        {&balcao__v1__auto_close_reminder__descriptor, "reminder", false},
        {&balcao__v1__ticket_assigned__descriptor, "assigned", true},
        {&balcao__v1__ticket_escalated__descriptor, "escalated", true},
        {&balcao__v1__ticket_field_changed__descriptor, "field", true},
        {&balcao__v1__sla_warning__descriptor, "sla", true},
        {&balcao__v1__sla_breached__descriptor, "sla", true},
        {&balcao__v1__ticket_linked__descriptor, "linked", true},
        {&balcao__v1__person_changed__descriptor, "person", true},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (bc_envelope_is (env, kinds[i].type))
            return !kinds[i].is_staff_only || is_staff ? kinds[i].kind : NULL;
    return NULL;
}

/* The tier an event names ("" for none): where a ticket is or went. */
static void
s_tier (const bc_envelope_t *env, char *out, size_t size)
{
    static const struct {
        const ProtobufCMessageDescriptor *type;
        const char *field;
    } named[] = {
        {&balcao__v1__ticket_assigned__descriptor, "tier"},
        {&balcao__v1__ticket_escalated__descriptor, "to_tier"},
        {&balcao__v1__sla_warning__descriptor, "tier"},
        {&balcao__v1__sla_breached__descriptor, "tier"},
        {&balcao__v1__ticket_status_changed__descriptor, "tier"},
        {&balcao__v1__ticket_field_changed__descriptor, "to_value"}, /* when field is "tier" */
    };
    out[0] = 0;
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        if (!bc_envelope_is (env, named[i].type))
            continue;
        ProtobufCMessage *m = bc_envelope_payload (env, named[i].type);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name (named[i].type, named[i].field);
        bool is_tier = named[i].type != &balcao__v1__ticket_field_changed__descriptor ||
                       (m && strcmp (((Balcao__V1__TicketFieldChanged *) m)->field, "tier") == 0);
        if (m && f && is_tier)
            snprintf (out, size, "%s", *(char *const *) ((const char *) m + f->offset));
        if (m)
            protobuf_c_message_free_unpacked (m, NULL);
    }
    if (bc_envelope_is (env, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            env, &balcao__v1__ticket_created__descriptor);
        if (tc && tc->ticket)
            snprintf (out, size, "%s", tc->ticket->tier);
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
    }
    /* Only the tiers' own names go to the browser. */
    if (strcmp (out, "N1") != 0 && strcmp (out, "N2") != 0 && strcmp (out, "N3") != 0)
        out[0] = 0;
}

char *
gateway_sse_event_text (const bc_envelope_t *env, bool is_staff)
{
    const char *kind = s_kind (env, is_staff);
    if (!kind)
        return NULL;
    if (!is_staff && bc_envelope_is (env, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *ma = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            env, &balcao__v1__message_appended__descriptor);
        bool is_internal = !ma || (ma->message && ma->message->is_internal);
        if (ma)
            balcao__v1__message_appended__free_unpacked (ma, NULL);
        if (is_internal)
            return NULL;
    }
    json_t *data = NULL;
    if (bc_envelope_is (env, &balcao__v1__person_changed__descriptor)) {
        Balcao__V1__PersonChanged *pc = (Balcao__V1__PersonChanged *) bc_envelope_payload (
            env, &balcao__v1__person_changed__descriptor);
        if (pc && pc->person)
            data = json_pack ("{s:n, s:s, s:s}", "number", "kind", kind, "person", pc->person->id);
        if (pc)
            balcao__v1__person_changed__free_unpacked (pc, NULL);
    }
    else {
        uint64_t number = bc_event_ticket (env);
        if (!number)
            return NULL;
        data = json_pack ("{s:I, s:s}", "number", (json_int_t) number, "kind", kind);
        char tier[8];
        if (data && is_staff && (s_tier (env, tier, sizeof tier), *tier))
            json_object_set_new (data, "tier", json_string (tier));
    }
    char *line = data ? json_dumps (data, JSON_PRESERVE_ORDER) : NULL;
    json_decref (data);
    if (!line)
        return NULL;
    char *text = NULL;
    if (asprintf (&text, "id: %llu\nevent: ticket\ndata: %s\n\n", (unsigned long long) env->seq,
                  line)
        < 0)
        text = NULL;
    free (line);
    return text;
}
