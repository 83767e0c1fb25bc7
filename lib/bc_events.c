/* bc_events: the router's events told in one line for people (pt-BR or
 * English), for a ticket's history and the live `balcao tail`. */
#include "bc_events.h"

#include "balcao/v1/router.pb-c.h"

#include <stdio.h>
#include <string.h>

/* "agent:ana@suporte.example" -> "ana@suporte.example": people read the
 * address, not the kind of principal. */
static const char *
s_person (const char *principal)
{
    const char *colon = principal ? strchr (principal, ':') : NULL;
    return colon && strchr (principal, '@') ? colon + 1 : principal ? principal : "";
}

/* The sentence in the language asked for. */
#define L(pt, english) (en ? (english) : (pt))

void
bc_event_summary (const bc_envelope_t *env, int en, char *out, size_t size)
{
    snprintf (out, size, "%s", env->type);
    if (bc_envelope_is (env, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *e = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            env, &balcao__v1__ticket_created__descriptor);
        if (e && e->ticket)
            snprintf (out, size, L ("chamado aberto por %s via %s: %s", "ticket opened by %s via %s: %s"), e->ticket->customer_address,
                      e->ticket->channel, e->ticket->subject);
        if (e)
            balcao__v1__ticket_created__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *e = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            env, &balcao__v1__message_appended__descriptor);
        if (e && e->message)
            snprintf (out, size, L ("%s de %s", "%s from %s"),
                      e->message->is_internal ? L ("nota interna", "internal note")
                      : strcmp (e->message->direction, "inbound") == 0
                          ? L ("mensagem do cliente", "customer message")
                          : L ("resposta", "reply"),
                      e->message->author);
        if (e)
            balcao__v1__message_appended__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_status_changed__descriptor)) {
        Balcao__V1__TicketStatusChanged *e = (Balcao__V1__TicketStatusChanged *) bc_envelope_payload (
            env, &balcao__v1__ticket_status_changed__descriptor);
        if (e && strcmp (e->action, "close") == 0 && strcmp (e->tier, "N3") == 0)
            /* Closed before the customer validated: who did it, and why. */
            snprintf (out, size,
                      L ("%s → %s por %s, sem a validação do cliente (N3); motivo: %s",
                         "%s → %s by %s, without the customer's validation (N3); reason: %s"),
                      e->from_status, e->to_status, e->by, *e->text ? e->text : "-");
        else if (e)
            snprintf (out, size, "%s → %s (%s)%s%s", e->from_status, e->to_status, e->action,
                      *e->text ? ": " : "", e->text);
        if (e)
            balcao__v1__ticket_status_changed__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__delivery_status__descriptor)) {
        Balcao__V1__DeliveryStatus *e = (Balcao__V1__DeliveryStatus *) bc_envelope_payload (
            env, &balcao__v1__delivery_status__descriptor);
        if (e) {
            const char *what = strcmp (e->status, "sent") == 0 ? L ("enviada", "sent")
                               : strcmp (e->status, "delivered") == 0
                                   ? L ("entregue ao cliente", "delivered to the customer")
                               : strcmp (e->status, "read") == 0 ? L ("lida pelo cliente",
                                                                      "read by the customer")
                               : strcmp (e->status, "played") == 0
                                   ? L ("ouvida pelo cliente", "played by the customer")
                               : strcmp (e->status, "failed") == 0 ? L ("não entregue", "not delivered")
                                                                   : e->status;
            if (e->error_code)
                snprintf (out, size, L ("WhatsApp: mensagem %s (erro %lld: %s)",
                                        "WhatsApp: message %s (error %lld: %s)"),
                          what, (long long) e->error_code,
                          *e->error_title ? e->error_title : "-");
            else
                snprintf (out, size, L ("WhatsApp: mensagem %s", "WhatsApp: message %s"), what);
            balcao__v1__delivery_status__free_unpacked (e, NULL);
        }
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_merged__descriptor)) {
        Balcao__V1__TicketMerged *e = (Balcao__V1__TicketMerged *) bc_envelope_payload (
            env, &balcao__v1__ticket_merged__descriptor);
        if (e)
            snprintf (out, size, L ("chamado #%llu unido ao #%llu", "ticket #%llu merged into #%llu"), (unsigned long long) e->from,
                      (unsigned long long) e->into);
        if (e)
            balcao__v1__ticket_merged__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_linked__descriptor)) {
        Balcao__V1__TicketLinked *e = (Balcao__V1__TicketLinked *) bc_envelope_payload (
            env, &balcao__v1__ticket_linked__descriptor);
        if (e)
            snprintf (out, size, L ("incidente #%llu vinculado ao problema #%llu", "incident #%llu linked to problem #%llu"),
                      (unsigned long long) e->incident, (unsigned long long) e->problem);
        if (e)
            balcao__v1__ticket_linked__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__auto_close_reminder__descriptor))
        snprintf (out, size, L ("lembrete ao cliente: validar a solução (fecha sozinho depois)",
                                 "customer reminded to validate the solution (closes by itself later)"));
    else if (bc_envelope_is (env, &balcao__v1__sla_breached__descriptor)) {
        Balcao__V1__SlaBreached *e = (Balcao__V1__SlaBreached *) bc_envelope_payload (
            env, &balcao__v1__sla_breached__descriptor);
        if (e)
            snprintf (out, size, L ("SLA de %s estourado", "%s SLA breached"),
                      strcmp (e->target, "first_response") == 0 ? L ("primeira resposta", "first response")
                                                                : L ("resolução", "resolution"));
        if (e)
            balcao__v1__sla_breached__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__sla_warning__descriptor))
        snprintf (out, size, L ("aviso de SLA: prazo próximo", "SLA warning: deadline close"));
    else if (bc_envelope_is (env, &balcao__v1__ticket_rated__descriptor)) {
        Balcao__V1__TicketRated *e = (Balcao__V1__TicketRated *) bc_envelope_payload (
            env, &balcao__v1__ticket_rated__descriptor);
        if (e)
            snprintf (out, size, L ("avaliação do cliente: %u/5%s%s", "customer rating: %u/5%s%s"), e->score, *e->comment ? " — " : "",
                      e->comment);
        if (e)
            balcao__v1__ticket_rated__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_escalated__descriptor)) {
        Balcao__V1__TicketEscalated *e = (Balcao__V1__TicketEscalated *) bc_envelope_payload (
            env, &balcao__v1__ticket_escalated__descriptor);
        if (e && strcmp (e->direction, "up") == 0 && *e->tried)
            snprintf (out, size, L ("escalado %s → %s: %s (já tentado: %s)", "escalated %s → %s: %s (already tried: %s)"), e->from_tier,
                      e->to_tier, e->reason, e->tried);
        else if (e && strcmp (e->direction, "up") == 0)
            snprintf (out, size, L ("escalado %s → %s: %s%sreproduzir: %s; ambiente: %s; afetados: %s",
                         "escalated %s → %s: %s%sto reproduce: %s; environment: %s; affected: %s"),
                      e->from_tier, e->to_tier, e->reason, *e->reason ? "; " : "",
                      e->steps_to_reproduce, e->environment, e->affected_customers);
        else if (e)
            snprintf (out, size, L ("devolvido %s → %s: %s", "sent back %s → %s: %s"), e->from_tier, e->to_tier, e->note);
        if (e)
            balcao__v1__ticket_escalated__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_assigned__descriptor)) {
        Balcao__V1__TicketAssigned *e = (Balcao__V1__TicketAssigned *) bc_envelope_payload (
            env, &balcao__v1__ticket_assigned__descriptor);
        const char *agent = e ? s_person (e->agent) : "", *by = e ? s_person (e->by) : "";
        if (e && *e->agent && strcmp (e->reason, "take") == 0)
            snprintf (out, size, L ("assumido por %s", "taken by %s"), agent);
        else if (e && *e->agent && strcmp (e->reason, "assign") == 0)
            snprintf (out, size, L ("atribuído a %s por %s", "assigned to %s by %s"), agent, by);
        else if (e && *e->agent && strcmp (e->reason, "auto") == 0)
            snprintf (out, size, L ("atribuído a %s pela distribuição automática",
                                    "assigned to %s by fair assignment"), agent);
        else if (e && *e->agent && strcmp (e->reason, "reopened") == 0)
            snprintf (out, size, L ("reaberto: volta para %s, que o resolveu",
                                    "reopened: back to %s, who resolved it"), agent);
        else if (e && *e->agent)
            snprintf (out, size, L ("atribuído a %s", "assigned to %s"), agent);
        else if (e && strcmp (e->reason, "unassign") == 0)
            snprintf (out, size, L ("devolvido à fila do %s por %s", "put back in the %s queue by %s"),
                      e->tier, by);
        else if (e)
            snprintf (out, size, L ("na fila do %s, aguardando um agente", "in the %s queue, waiting for an agent"), e->tier);
        if (e)
            balcao__v1__ticket_assigned__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__person_changed__descriptor)) {
        Balcao__V1__PersonChanged *e = (Balcao__V1__PersonChanged *) bc_envelope_payload (
            env, &balcao__v1__person_changed__descriptor);
        if (e && e->person)
            snprintf (out, size, L ("pessoa atualizada: %s%s%s", "person updated: %s%s%s"), e->person->id,
                      *e->person->status ? ", " : "", e->person->status);
        if (e)
            balcao__v1__person_changed__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__settings_changed__descriptor)) {
        Balcao__V1__SettingsChanged *e = (Balcao__V1__SettingsChanged *) bc_envelope_payload (
            env, &balcao__v1__settings_changed__descriptor);
        size_t used = 0;
        if (e)
            used = (size_t) snprintf (out, size, L ("configurações alteradas por %s:",
                                                    "settings changed by %s:"),
                                      s_person (env->principal));
        for (size_t i = 0; e && i < e->n_changes && used < size; i++)
            used += (size_t) snprintf (out + used, size - used, " %s=%s", e->changes[i]->key,
                                       e->changes[i]->value);
        if (e)
            balcao__v1__settings_changed__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__catalog_changed__descriptor)) {
        Balcao__V1__CatalogChanged *e = (Balcao__V1__CatalogChanged *) bc_envelope_payload (
            env, &balcao__v1__catalog_changed__descriptor);
        if (e) {
            int cat = strcmp (e->kind, "category") == 0;
            snprintf (out, size,
                      e->removed ? L ("%s %s (%s) removida por %s", "%s %s (%s) removed by %s")
                                 : L ("%s %s (%s) salva por %s", "%s %s (%s) saved by %s"),
                      cat ? L ("categoria", "category") : L ("mensagem padrão", "macro"), e->id,
                      e->name, s_person (env->principal));
            balcao__v1__catalog_changed__free_unpacked (e, NULL);
        }
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_field_changed__descriptor)) {
        Balcao__V1__TicketFieldChanged *e = (Balcao__V1__TicketFieldChanged *) bc_envelope_payload (
            env, &balcao__v1__ticket_field_changed__descriptor);
        if (e) {
            const char *field = strcmp (e->field, "category") == 0   ? L ("categoria", "category")
                                : strcmp (e->field, "priority") == 0 ? L ("prioridade", "priority")
                                : strcmp (e->field, "tier") == 0     ? L ("nível", "tier")
                                                                     : e->field;
            if (strcmp (e->field, "chat") == 0 && *e->text)
                snprintf (out, size, "%s", e->text); /* "O visitante saiu do chat; ..." */
            else
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
