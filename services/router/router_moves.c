/* router_moves: a ticket moving between tiers or joining another:
 * escalation (N1 -> N2 with what was tried, N2 -> N3 with the diagnosis),
 * de-escalation, an incident linked to its problem ticket, a duplicate
 * merged into the ticket it repeats. */
#include "router_internal.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Links incident t to problem p (the caller checked it may, and stores
 * both). */
int
router_link (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *p, Balcao__V1__Ticket *t)
{
    MDB_txn *txn = bc_tx_txn (tx);
    unsigned char key[16];
    bc_key_from_u64 (p->number, key);
    bc_key_from_u64 (t->number, key + 8);
    MDB_val k = {16, key}, v = {0, ""};
    int rc = mdb_put (txn, self->db_links, &k, &v, 0);
    Balcao__V1__TicketLinked ev = BALCAO__V1__TICKET_LINKED__INIT;
    ev.problem = p->number;
    ev.incident = t->number;
    ev.by = (char *) bc_tx_principal (tx);
    /* In both histories. */
    if (rc == 0)
        rc = router_emit_for (self, tx, p->number, &ev.base);
    if (rc == 0)
        rc = router_index_event (self, txn, t->number, bc_tx_head (tx));
    t->problem = p->number;
    p->incident_count++;
    return rc;
}

static int
s_link (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__LinkTicket *req = (const Balcao__V1__LinkTicket *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só agentes vinculam chamados",
                        "only agents link tickets");
        return 0;
    }
    if (req->problem == req->incident) {
        bc_reply_error (reply, "invalid", "um chamado não pode ser o problema de si mesmo",
                        "a ticket cannot be its own problem");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *p = router_ticket_for_command (self, tx, req->problem, reply, &rc);
    if (!p)
        return rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->incident, reply, &rc);
    if (!t) {
        balcao__v1__ticket__free_unpacked (p, NULL);
        return rc;
    }
    if (p->problem)
        bc_reply_error (reply, "conflict", "o chamado #%llu já é um incidente do #%llu; vincule a esse",
                        "ticket #%llu is itself an incident of #%llu; link to that",
                        (unsigned long long) p->number, (unsigned long long) p->problem);
    else if (t->incident_count)
        bc_reply_error (reply, "conflict", "o chamado #%llu é um problema com incidentes próprios",
                        "ticket #%llu is a problem with incidents of its own",
                        (unsigned long long) t->number);
    else if (t->problem == p->number)
        bc_reply_ok (reply, &t->base);
    else if (t->problem)
        bc_reply_error (reply, "conflict", "o chamado #%llu já está vinculado ao problema #%llu",
                        "ticket #%llu is already linked to problem #%llu",
                        (unsigned long long) t->number, (unsigned long long) t->problem);
    else if (router_is_done (p->status))
        bc_reply_error (reply, "conflict", "o problema #%llu está %s",
                        "problem #%llu is %s", (unsigned long long) p->number,
                        p->status);
    else {
        rc = router_link (self, tx, p, t);
        if (rc == 0)
            rc = router_put_ticket (self, txn, p);
        rc = router_command_done (self, tx, t, reply, rc);
    }
    balcao__v1__ticket__free_unpacked (p, NULL);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* Moves t to tier `to`, records it, and hands it to that tier. */
int
router_move_tier (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, Balcao__V1__TicketEscalated *ev)
{
    ev->number = t->number;
    ev->from_tier = t->tier;
    ev->by = (char *) bc_tx_principal (tx);
    ev->customer_address = t->customer_address;
    ev->language = t->language;
    ev->subject = t->subject;
    int rc = router_emit_for (self, tx, t->number, &ev->base);
    if (rc)
        return rc;
    bc_info ("event=escalated ticket=%llu from=%s to=%s direction=%s", (unsigned long long) t->number,
             t->tier, ev->to_tier, ev->direction);
    char previous[320];
    snprintf (previous, sizeof previous, "%s", t->assignee);
    if (!*previous && (rc = router_queue_del (bc_tx_txn (tx), &self->pdbs, t)))
        return rc;
    router_set_string (&t->tier, ev->to_tier);
    t->updated_us = bc_tx_now_us (tx);
    if ((rc = router_assign_auto (self, tx, t)))
        return rc;
    return router_release (self, tx, previous);
}

static int
s_escalate (void *state, bc_tx_t *tx, const bc_envelope_t *request,
            const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__Escalate *req = (const Balcao__V1__Escalate *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só agentes escalam chamados",
                        "only agents escalate tickets");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (router_is_done (t->status))
        bc_reply_error (reply, "conflict", "o chamado #%llu está %s; reabra-o antes de escalar",
                        "ticket #%llu is %s; reopen it before escalating",
                        (unsigned long long) t->number, t->status);
    else if (strcmp (t->tier, "N3") == 0)
        bc_reply_error (reply, "conflict", "o chamado #%llu já está no N3, o último nível",
                        "ticket #%llu is already at N3, the last tier",
                        (unsigned long long) t->number);
    else if (strcmp (t->tier, "N1") == 0 && (!*req->reason || !*req->tried))
        bc_reply_error (reply, "invalid",
                        "para escalar ao N2, informe o motivo e o que já foi tentado",
                        "escalating to N2 needs the reason and what was already tried");
    else if (strcmp (t->tier, "N2") == 0
             && (!*req->steps_to_reproduce || !*req->environment || !*req->affected_customers))
        bc_reply_error (reply, "invalid",
                        "para escalar ao N3, informe o diagnóstico: passos para reproduzir, ambiente e clientes afetados",
                        "escalating to N3 needs the diagnosis: steps to reproduce, environment "
                        "and affected customers");
    else {
        Balcao__V1__TicketEscalated ev = BALCAO__V1__TICKET_ESCALATED__INIT;
        ev.to_tier = strcmp (t->tier, "N1") == 0 ? "N2" : "N3";
        ev.direction = "up";
        ev.reason = req->reason;
        ev.tried = req->tried;
        ev.steps_to_reproduce = req->steps_to_reproduce;
        ev.environment = req->environment;
        ev.affected_customers = req->affected_customers;
        ev.attachments = req->attachments;
        ev.n_attachments = req->n_attachments;
        rc = router_command_done (self, tx, t, reply, router_move_tier (self, tx, t, &ev));
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_deescalate (void *state, bc_tx_t *tx, const bc_envelope_t *request,
              const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__Deescalate *req = (const Balcao__V1__Deescalate *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só agentes devolvem chamados ao nível de baixo",
                        "only agents de-escalate tickets");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (router_is_done (t->status))
        bc_reply_error (reply, "conflict", "o chamado #%llu está %s; reabra-o antes",
                        "ticket #%llu is %s; reopen it first",
                        (unsigned long long) t->number, t->status);
    else if (strcmp (t->tier, "N1") == 0)
        bc_reply_error (reply, "conflict", "o chamado #%llu já está no N1, o primeiro nível",
                        "ticket #%llu is already at N1, the first tier",
                        (unsigned long long) t->number);
    else if (!*req->note)
        bc_reply_error (reply, "invalid", "para devolver, escreva uma nota para o nível de baixo",
                        "de-escalating needs a note for the tier below");
    else {
        Balcao__V1__TicketEscalated ev = BALCAO__V1__TICKET_ESCALATED__INIT;
        ev.to_tier = strcmp (t->tier, "N3") == 0 ? "N2" : "N1";
        ev.direction = "down";
        ev.note = req->note;
        rc = router_command_done (self, tx, t, reply, router_move_tier (self, tx, t, &ev));
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_merge (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
         bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__MergeTicket *req = (const Balcao__V1__MergeTicket *) payload;
    const char *who = bc_tx_principal (tx);
    if (!router_is_agent (who)) {
        bc_reply_error (reply, "forbidden", "só agentes unem chamados",
                        "only agents merge tickets");
        return 0;
    }
    if (req->from == req->into) {
        bc_reply_error (reply, "invalid", "um chamado não pode ser unido a ele mesmo",
                        "a ticket cannot be merged into itself");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *from = router_ticket_for_command (self, tx, req->from, reply, &rc);
    if (!from)
        return rc;
    Balcao__V1__Ticket *into = router_ticket_for_command (self, tx, req->into, reply, &rc);
    if (!into) {
        balcao__v1__ticket__free_unpacked (from, NULL);
        return rc;
    }
    int is_supervisor = router_is_supervisor (who);
    if (router_is_done (from->status) || router_is_done (into->status))
        bc_reply_error (reply, "conflict", "só chamados em andamento são unidos (o #%llu está %s, o #%llu está %s)",
                        "only open tickets are merged (#%llu is %s, #%llu is %s)",
                        (unsigned long long) from->number, from->status,
                        (unsigned long long) into->number, into->status);
    else if (strcmp (from->tier, into->tier) != 0 && !is_supervisor)
        bc_reply_error (reply, "forbidden", "unir chamados de níveis diferentes (%s ao %s) é com os supervisores",
                        "merging across tiers (%s into %s) is for supervisors",
                        from->tier, into->tier);
    else {
        /* Copy the thread over, oldest first. */
        MDB_cursor *cur;
        rc = mdb_cursor_open (txn, self->db_thread, &cur);
        Balcao__V1__TicketMessage *copies[512];
        size_t n = 0;
        if (rc == 0) {
            unsigned char key[12] = {0};
            bc_key_from_u64 (from->number, key);
            MDB_val k = {12, key}, v;
            rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
            while (rc == 0 && n < 512 && k.mv_size == 12 && memcmp (k.mv_data, key, 8) == 0) {
                if ((copies[n] = balcao__v1__ticket_message__unpack (NULL, v.mv_size, v.mv_data)))
                    n++;
                rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
            }
            mdb_cursor_close (cur);
            rc = rc == MDB_NOTFOUND ? 0 : rc;
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            into->internal_count += copies[i]->is_internal ? 1 : 0;
            copies[i]->copied_from = from->number; /* shown as "from ticket #N" */
            rc = router_put_thread (self, txn, into->number, into->message_count++, copies[i]);
            Balcao__V1__MessageAppended ev = BALCAO__V1__MESSAGE_APPENDED__INIT;
            ev.ticket = into->number;
            ev.message = copies[i];
            ev.copied_from = from->number;
            if (rc == 0)
                rc = router_emit_for (self, tx, into->number, &ev.base);
        }
        for (size_t i = 0; i < n; i++)
            balcao__v1__ticket_message__free_unpacked (copies[i], NULL);
        char text[128];
        snprintf (text, sizeof text, "unido ao chamado #%llu", (unsigned long long) into->number);
        if (rc == 0) {
            Balcao__V1__TicketMerged ev = BALCAO__V1__TICKET_MERGED__INIT;
            ev.from = from->number;
            ev.into = into->number;
            ev.customer_address = from->customer_address;
            ev.language = from->language;
            ev.subject = from->subject;
            ev.by = (char *) who;
            rc = router_emit_for (self, tx, from->number, &ev.base);
        }
        if (rc == 0)
            rc = router_index_event (self, txn, into->number, bc_tx_head (tx));
        from->merged_into = into->number;
        if (rc == 0)
            rc = router_change_status (self, tx, from, "fechado", "merge", text, "");
        if (rc == 0)
            rc = router_put_ticket (self, txn, from);
        rc = router_command_done (self, tx, into, reply, rc);
    }
    balcao__v1__ticket__free_unpacked (from, NULL);
    balcao__v1__ticket__free_unpacked (into, NULL);
    return rc;
}

void
router_moves_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__deescalate__descriptor, 1, s_deescalate);
    bc_service_on_command (svc, &balcao__v1__escalate__descriptor, 1, s_escalate);
    bc_service_on_command (svc, &balcao__v1__link_ticket__descriptor, 1, s_link);
    bc_service_on_command (svc, &balcao__v1__merge_ticket__descriptor, 1, s_merge);
}
