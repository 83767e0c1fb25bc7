/* bc_events: the router's events told in one line for people (pt-BR), for
 * a ticket's history and the live `balcao tail`. */
#include "bc_events.h"

#include "balcao/v1/router.pb-c.h"

#include <stdio.h>
#include <string.h>

void
bc_event_summary (const bc_envelope_t *env, char *out, size_t size)
{
    snprintf (out, size, "%s", env->type);
    if (bc_envelope_is (env, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *e = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            env, &balcao__v1__ticket_created__descriptor);
        if (e && e->ticket)
            snprintf (out, size, "chamado aberto por %s via %s: %s", e->ticket->customer_address,
                      e->ticket->channel, e->ticket->subject);
        if (e)
            balcao__v1__ticket_created__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *e = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            env, &balcao__v1__message_appended__descriptor);
        if (e && e->message)
            snprintf (out, size, "%s de %s",
                      e->message->is_internal ? "nota interna"
                      : strcmp (e->message->direction, "inbound") == 0 ? "mensagem do cliente"
                                                                       : "resposta",
                      e->message->author);
        if (e)
            balcao__v1__message_appended__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_status_changed__descriptor)) {
        Balcao__V1__TicketStatusChanged *e = (Balcao__V1__TicketStatusChanged *) bc_envelope_payload (
            env, &balcao__v1__ticket_status_changed__descriptor);
        if (e)
            snprintf (out, size, "%s → %s (%s)%s%s", e->from_status, e->to_status, e->action,
                      *e->text ? ": " : "", e->text);
        if (e)
            balcao__v1__ticket_status_changed__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_merged__descriptor)) {
        Balcao__V1__TicketMerged *e = (Balcao__V1__TicketMerged *) bc_envelope_payload (
            env, &balcao__v1__ticket_merged__descriptor);
        if (e)
            snprintf (out, size, "chamado #%llu unido ao #%llu", (unsigned long long) e->from,
                      (unsigned long long) e->into);
        if (e)
            balcao__v1__ticket_merged__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_linked__descriptor)) {
        Balcao__V1__TicketLinked *e = (Balcao__V1__TicketLinked *) bc_envelope_payload (
            env, &balcao__v1__ticket_linked__descriptor);
        if (e)
            snprintf (out, size, "incidente #%llu vinculado ao problema #%llu",
                      (unsigned long long) e->incident, (unsigned long long) e->problem);
        if (e)
            balcao__v1__ticket_linked__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__auto_close_reminder__descriptor))
        snprintf (out, size, "lembrete ao cliente: validar a solução (fecha sozinho depois)");
    else if (bc_envelope_is (env, &balcao__v1__sla_breached__descriptor)) {
        Balcao__V1__SlaBreached *e = (Balcao__V1__SlaBreached *) bc_envelope_payload (
            env, &balcao__v1__sla_breached__descriptor);
        if (e)
            snprintf (out, size, "SLA de %s estourado",
                      strcmp (e->target, "first_response") == 0 ? "primeira resposta" : "resolução");
        if (e)
            balcao__v1__sla_breached__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__sla_warning__descriptor))
        snprintf (out, size, "aviso de SLA: prazo próximo");
    else if (bc_envelope_is (env, &balcao__v1__ticket_rated__descriptor)) {
        Balcao__V1__TicketRated *e = (Balcao__V1__TicketRated *) bc_envelope_payload (
            env, &balcao__v1__ticket_rated__descriptor);
        if (e)
            snprintf (out, size, "avaliação do cliente: %u/5%s%s", e->score, *e->comment ? " — " : "",
                      e->comment);
        if (e)
            balcao__v1__ticket_rated__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_escalated__descriptor)) {
        Balcao__V1__TicketEscalated *e = (Balcao__V1__TicketEscalated *) bc_envelope_payload (
            env, &balcao__v1__ticket_escalated__descriptor);
        if (e && strcmp (e->direction, "up") == 0 && *e->tried)
            snprintf (out, size, "escalado %s → %s: %s (já tentado: %s)", e->from_tier,
                      e->to_tier, e->reason, e->tried);
        else if (e && strcmp (e->direction, "up") == 0)
            snprintf (out, size, "escalado %s → %s: %s%sreproduzir: %s; ambiente: %s; afetados: %s",
                      e->from_tier, e->to_tier, e->reason, *e->reason ? "; " : "",
                      e->steps_to_reproduce, e->environment, e->affected_customers);
        else if (e)
            snprintf (out, size, "devolvido %s → %s: %s", e->from_tier, e->to_tier, e->note);
        if (e)
            balcao__v1__ticket_escalated__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_assigned__descriptor)) {
        Balcao__V1__TicketAssigned *e = (Balcao__V1__TicketAssigned *) bc_envelope_payload (
            env, &balcao__v1__ticket_assigned__descriptor);
        if (e && *e->agent)
            snprintf (out, size, "atribuído a %s (%s)", e->agent, e->reason);
        else if (e)
            snprintf (out, size, "na fila do %s, aguardando um agente", e->tier);
        if (e)
            balcao__v1__ticket_assigned__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__person_changed__descriptor)) {
        Balcao__V1__PersonChanged *e = (Balcao__V1__PersonChanged *) bc_envelope_payload (
            env, &balcao__v1__person_changed__descriptor);
        if (e && e->person)
            snprintf (out, size, "pessoa atualizada: %s%s%s", e->person->id,
                      *e->person->status ? ", " : "", e->person->status);
        if (e)
            balcao__v1__person_changed__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_field_changed__descriptor)) {
        Balcao__V1__TicketFieldChanged *e = (Balcao__V1__TicketFieldChanged *) bc_envelope_payload (
            env, &balcao__v1__ticket_field_changed__descriptor);
        if (e) {
            const char *field = strcmp (e->field, "category") == 0   ? "categoria"
                                : strcmp (e->field, "priority") == 0 ? "prioridade"
                                : strcmp (e->field, "tier") == 0     ? "nível"
                                                                     : e->field;
            snprintf (out, size, "%s: %s → %s%s%s", field, e->from_value, e->to_value,
                      *e->text ? " — " : "", e->text);
            balcao__v1__ticket_field_changed__free_unpacked (e, NULL);
        }
    }
}


/* The ticket number an event is about, by its type. */
uint64_t
bc_event_ticket (const bc_envelope_t *env)
{
    uint64_t n = 0;
#define S_NUMBER(type, field)                                                                  \
    if (bc_envelope_is (env, &balcao__v1__##type##__descriptor)) {                             \
        ProtobufCMessage *m = bc_envelope_payload (env, &balcao__v1__##type##__descriptor);    \
        if (m) {                                                                               \
            n = ((Balcao__V1__##field *) m)->number;                                           \
            protobuf_c_message_free_unpacked (m, NULL);                                        \
        }                                                                                      \
        return n;                                                                              \
    }
    S_NUMBER (ticket_status_changed, TicketStatusChanged)
    S_NUMBER (ticket_assigned, TicketAssigned)
    S_NUMBER (ticket_field_changed, TicketFieldChanged)
    S_NUMBER (ticket_escalated, TicketEscalated)
    S_NUMBER (ticket_rated, TicketRated)
    S_NUMBER (sla_warning, SlaWarning)
    S_NUMBER (sla_breached, SlaBreached)
    S_NUMBER (auto_close_reminder, AutoCloseReminder)
#undef S_NUMBER
    if (bc_envelope_is (env, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *e = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            env, &balcao__v1__ticket_created__descriptor);
        n = e && e->ticket ? e->ticket->number : 0;
        if (e)
            balcao__v1__ticket_created__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *e = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            env, &balcao__v1__message_appended__descriptor);
        n = e ? e->ticket : 0;
        if (e)
            balcao__v1__message_appended__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_merged__descriptor)) {
        Balcao__V1__TicketMerged *e = (Balcao__V1__TicketMerged *) bc_envelope_payload (
            env, &balcao__v1__ticket_merged__descriptor);
        n = e ? e->from : 0;
        if (e)
            balcao__v1__ticket_merged__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_linked__descriptor)) {
        Balcao__V1__TicketLinked *e = (Balcao__V1__TicketLinked *) bc_envelope_payload (
            env, &balcao__v1__ticket_linked__descriptor);
        n = e ? e->incident : 0;
        if (e)
            balcao__v1__ticket_linked__free_unpacked (e, NULL);
    }
    return n;
}
