/* router_commands: what agents and customers do to a ticket — move it through
 * its lifecycle (router_lifecycle.c has the table), write on it, classify it,
 * apply a standard message, rate it. Moves between tiers and tickets are in
 * router_moves.c. */
#include "router_internal.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The common end of a command that changed t: store it and answer with it
 * (rc is what the change returned; nothing is stored after an error). */
int
router_command_done (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, bc_reply_t *reply, int rc)
{
    if (rc == 0)
        rc = router_put_ticket (self, bc_tx_txn (tx), t);
    if (rc == 0)
        bc_reply_ok (reply, &t->base);
    return rc;
}

/* Moves t to `to` and records why. */
int
router_change_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *to,
                 const char *action, const char *text, const char *fix_reference)
{
    Balcao__V1__TicketStatusChanged ev = BALCAO__V1__TICKET_STATUS_CHANGED__INIT;
    ev.number = t->number;
    ev.from_status = t->status;
    ev.to_status = (char *) to;
    ev.action = (char *) action;
    ev.text = (char *) (text ? text : "");
    ev.fix_reference = (char *) (fix_reference ? fix_reference : "");
    ev.by = (char *) bc_tx_principal (tx);
    ev.tier = t->tier;
    if (strcmp (to, "resolvido") == 0)
        ev.auto_close_us = router_auto_close_at (self, bc_tx_now_us (tx), NULL);
    int rc = router_emit_for (self, tx, t->number, &ev.base);
    if (rc)
        return rc;
    bc_info ("event=status_changed ticket=%llu from=%s to=%s action=%s",
             (unsigned long long) t->number, t->status, to, action);
    char from[32];
    snprintf (from, sizeof from, "%s", t->status);
    router_set_string (&t->status, to);
    t->awaits_judgement = 0; /* a move is a judgement */
    t->updated_us = bc_tx_now_us (tx);
    if (strcmp (to, "fechado") == 0)
        t->closed_us = t->updated_us;
    return router_after_status (self, tx, t, from);
}

/* Sets *field to value and records it (no event when nothing changes). */
int
router_change_field (router_t *self, bc_tx_t *tx, uint64_t number, const char *name, char **field,
                const char *value, const char *text)
{
    if (strcmp (*field, value) == 0)
        return 0;
    Balcao__V1__TicketFieldChanged ev = BALCAO__V1__TICKET_FIELD_CHANGED__INIT;
    ev.number = number;
    ev.field = (char *) name;
    ev.from_value = *field;
    ev.to_value = (char *) value;
    ev.text = (char *) (text ? text : "");
    ev.by = (char *) bc_tx_principal (tx);
    int rc = router_emit_for (self, tx, number, &ev.base);
    if (rc == 0)
        router_set_string (field, value);
    return rc;
}

/* Changes t's priority: its place in the queue and its SLA clocks follow.
 * The caller stores t. */
int
router_set_priority (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *priority,
                     const char *text)
{
    if (strcmp (t->priority, priority) == 0)
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    int was_queued = !*t->assignee && !router_is_done (t->status);
    int rc = was_queued ? router_queue_del (txn, &self->pdbs, t) : 0;
    if (rc == 0)
        rc = router_change_field (self, tx, t->number, "priority", &t->priority, priority, text);
    if (rc == 0 && was_queued)
        rc = router_queue_put (txn, &self->pdbs, t);
    return rc ? rc : router_sla_retime (self, tx, t);
}

/* Resolving a problem resolves its open incidents with the same answer. */
static int
s_resolve_incidents (router_t *self, bc_tx_t *tx, const Balcao__V1__Ticket *problem)
{
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_links, &cur);
    if (rc)
        return rc;
    unsigned char prefix[8];
    bc_key_from_u64 (problem->number, prefix);
    MDB_val k = {8, prefix}, v;
    uint64_t incidents[1024];
    size_t n = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && n < 1024 && k.mv_size == 16 && memcmp (k.mv_data, prefix, 8) == 0) {
        MDB_val child = {8, (char *) k.mv_data + 8};
        incidents[n++] = bc_key_to_u64 (&child);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    char text[1024];
    snprintf (text, sizeof text, "Resolvido junto com o problema #%llu: %s",
              (unsigned long long) problem->number, problem->resolution);
    for (size_t i = 0; i < n; i++) {
        Balcao__V1__Ticket *t = router_get_ticket (self, txn, incidents[i], &rc);
        if (!t)
            return rc;
        const char *to = router_lifecycle_next (t->status, ROUTER_RESOLVE);
        if (to) {
            router_set_string (&t->resolution, text);
            router_set_string (&t->fix_reference, problem->fix_reference);
            rc = router_change_status (self, tx, t, to, "resolve_with_problem", text,
                                       problem->fix_reference);
            if (rc == 0)
                rc = router_put_ticket (self, txn, t);
        }
        balcao__v1__ticket__free_unpacked (t, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

/* Applies the N3 rule (router_lifecycle_may_close) to who closing resolved
 * ticket t with reason; on a refusal sets the reply and returns 0. */
static int
s_may_close (const Balcao__V1__Ticket *t, const char *who, const char *reason, bc_reply_t *reply)
{
    router_closer_t by = router_closer_of (who, router_is_customer_of (who, t));
    switch (router_lifecycle_may_close (t->tier, *t->customer_address != 0, by, reason)) {
    case ROUTER_CLOSE_OK:
        return 1;
    case ROUTER_CLOSE_WAITS_CUSTOMER:
        bc_reply_error (reply, "forbidden",
                        "o chamado #%llu foi resolvido no N3 e aguarda a validação do cliente: "
                        "ele fecha quando o cliente aceitar a solução ou sozinho depois do "
                        "lembrete; antes disso, só um supervisor pode fechá-lo, informando o "
                        "motivo",
                        "ticket #%llu was resolved at N3 and waits for the customer's "
                        "validation: it closes when the customer accepts the solution, or by "
                        "itself after the reminder; until then only a supervisor can close it, "
                        "giving the reason",
                        (unsigned long long) t->number);
        return 0;
    case ROUTER_CLOSE_NEEDS_REASON:
        bc_reply_error (reply, "invalid",
                        "para fechar o chamado #%llu no N3 sem a validação do cliente, escreva "
                        "o motivo (balcao close %llu --reason \"...\")",
                        "closing ticket #%llu at N3 without the customer's validation needs "
                        "the reason (balcao close %llu --reason \"...\")",
                        (unsigned long long) t->number, (unsigned long long) t->number);
        return 0;
    case ROUTER_CLOSE_REASON_TOO_LONG:
        bc_reply_error (reply, "invalid",
                        "o motivo passa de %d caracteres; resuma-o e deixe os detalhes numa "
                        "nota interna",
                        "the reason is over %d characters; make it shorter and put the details "
                        "in an internal note",
                        ROUTER_CLOSE_REASON_MAX);
        return 0;
    }
    return 0;
}

static int s_append_message (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *ref,
                             const char *body, int is_internal, const char *channel);

static int
s_action (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    router_t *self = state;
    const Balcao__V1__TicketAction *req = (const Balcao__V1__TicketAction *) payload;
    int action = router_action_parse (req->action);
    if (action < 0) {
        bc_reply_error (reply, "invalid",
                        "ação desconhecida; use open, request_info, resolve, accept, reject, reopen ou close",
                        "unknown action; use open, request_info, resolve, accept, reject, reopen "
                        "or close");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    const char *who = bc_tx_principal (tx);
    const char *to = router_lifecycle_next (t->status, (router_action_t) action);
    char sources[128];
    if (action == ROUTER_ACCEPT || action == ROUTER_REJECT) {
        if (!router_is_customer_of (who, t)) {
            bc_reply_error (reply, "forbidden",
                            "só o cliente do chamado pode dar %s na solução; agentes usam close ou reopen",
                        "only the ticket's customer can %s its resolution; agents use close "
                            "or reopen",
                            req->action);
            goto done;
        }
    }
    else if (!router_is_agent (who)) {
        bc_reply_error (reply, "forbidden", "só agentes podem dar %s em um chamado",
                        "only agents can %s a ticket", req->action);
        goto done;
    }
    if (!to) {
        bc_reply_error (reply, "conflict", "não é possível dar %s no chamado #%llu: ele está %s; %s só vale a partir de %s",
                        "cannot %s ticket #%llu: it is %s; %s is allowed from %s",
                        req->action, (unsigned long long) t->number, t->status, req->action,
                        router_lifecycle_sources ((router_action_t) action, sources,
                                                  sizeof sources));
        goto done;
    }
    if ((action == ROUTER_RESOLVE || action == ROUTER_REJECT) && !*req->text) {
        if (action == ROUTER_RESOLVE)
            bc_reply_error (reply, "invalid", "para resolver, escreva a solução: o que foi feito",
                            "resolving needs the resolution: what was done to solve it");
        else
            bc_reply_error (reply, "invalid", "para recusar a solução, diga o motivo",
                            "rejecting a resolution needs the reason");
        goto done;
    }
    if (strcmp (to, "fechado") == 0 && !s_may_close (t, who, req->text, reply))
        goto done;
    if (action == ROUTER_RESOLVE && strcmp (t->tier, "N3") == 0 && !*req->fix_reference) {
        bc_reply_error (reply, "invalid",
                        "para resolver no N3, informe a referência da correção (patch, versão ou mudança)",
                        "resolving at N3 needs the fix's reference (patch, version or change)");
        goto done;
    }
    if (action == ROUTER_RESOLVE) {
        router_set_string (&t->resolution, req->text);
        router_set_string (&t->fix_reference, req->fix_reference);
    }
    /* Asking the customer (or resolving) answers them: first response. */
    if ((action == ROUTER_REQUEST_INFO || action == ROUTER_RESOLVE)
        && (rc = router_first_response (self, bc_tx_txn (tx), t, bc_tx_now_us (tx))))
        goto done;
    if ((rc = router_change_status (self, tx, t, to, req->action, req->text, req->fix_reference)))
        goto done;
    /* The question goes in the thread too, so the customer reads it in the
     * portal (notify mails it from the status change, not from this: the
     * channel is not "agent"). */
    if (action == ROUTER_REQUEST_INFO && *req->text
        && (rc = s_append_message (self, tx, t, request->id, req->text, 0, "request_info")))
        goto done;
    if (action == ROUTER_RESOLVE && t->incident_count
        && (rc = s_resolve_incidents (self, tx, t)))
        goto done;
    if ((rc = router_put_ticket (self, bc_tx_txn (tx), t)))
        goto done;
    bc_reply_ok (reply, &t->base);
done:
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* Appends the caller's message to t's thread (the caller stores t). */
static int
s_append_message (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *ref,
                  const char *body, int is_internal, const char *channel)
{
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.message_ref = (char *) ref;
    m.author = (char *) bc_tx_principal (tx);
    Balcao__V1__Person *who = NULL;
    int prc = router_people_get (bc_tx_txn (tx), &self->pdbs, m.author, &who);
    if (prc && prc != MDB_NOTFOUND)
        return prc;
    m.author_name = who ? who->name : "";
    m.body = (char *) body;
    m.time_us = bc_tx_now_us (tx);
    m.channel = (char *) channel;
    m.direction = is_internal ? "internal" : "outbound";
    m.is_internal = is_internal;
    uint32_t index = t->message_count++;
    t->internal_count += is_internal ? 1 : 0;
    t->updated_us = m.time_us;
    int rc = router_put_thread (self, bc_tx_txn (tx), t->number, index, &m);
    Balcao__V1__MessageAppended out = BALCAO__V1__MESSAGE_APPENDED__INIT;
    out.ticket = t->number;
    out.message = &m;
    if (rc == 0)
        rc = router_emit_for (self, tx, t->number, &out.base);
    if (who)
        balcao__v1__person__free_unpacked (who, NULL);
    return rc;
}

/* An agent's message on t (the caller stores t): a public one is the first
 * response if none came before, and opens a novo or reaberto ticket. */
static int
s_write_message (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *ref,
                 const char *body, int is_internal, const char *channel)
{
    int rc = s_append_message (self, tx, t, ref, body, is_internal, channel);
    if (rc || is_internal)
        return rc;
    t->awaits_judgement = 0; /* they asked the customer */
    int64_t now = bc_tx_now_us (tx);
    if (!t->first_response_us)
        t->first_response_us = now;
    if ((rc = router_first_response (self, bc_tx_txn (tx), t, now)))
        return rc;
    const char *to = router_lifecycle_next (t->status, ROUTER_OPEN);
    if (to && (strcmp (t->status, "novo") == 0 || strcmp (t->status, "reaberto") == 0))
        rc = router_change_status (self, tx, t, to, "agent_reply", "", "");
    return rc;
}

static int
s_add_message (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    router_t *self = state;
    const Balcao__V1__AddMessage *req = (const Balcao__V1__AddMessage *) payload;
    const char *who = bc_tx_principal (tx);
    if (!router_is_agent (who)) {
        bc_reply_error (reply, "forbidden", "só agentes escrevem respostas e notas aqui",
                        "only agents write replies and notes here");
        return 0;
    }
    if (!*req->body) {
        bc_reply_error (reply, "invalid", "a mensagem está vazia",
                        "the message is empty");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (strcmp (t->status, "fechado") == 0 && !req->is_internal) {
        bc_reply_error (reply, "conflict",
                        "o chamado #%llu está fechado; reabra-o antes de responder ao cliente",
                        "ticket #%llu is closed; reopen it before replying to the customer",
                        (unsigned long long) t->number);
        goto done;
    }
    /* The agent wrote it on an older ticket (a customer's new message, a
     * colleague's reply, a move): they see what changed and decide. */
    if (req->seen_updated_us && t->updated_us > req->seen_updated_us) {
        bc_reply_error (reply, "conflict",
                        "o chamado #%llu mudou desde que você o abriu (nova mensagem ou mudança "
                        "de situação); veja o que mudou e envie de novo se ainda quiser",
                        "ticket #%llu changed since you opened it (a new message or a status "
                        "change); see what changed and send again if you still want to",
                        (unsigned long long) t->number);
        goto done;
    }
    if (*req->channel && strcmp (req->channel, "agent") != 0 && strcmp (req->channel, "phone") != 0) {
        bc_reply_error (reply, "invalid", "o canal é agent ou phone",
                        "channel is agent or phone");
        goto done;
    }
    if (req->is_internal && strcmp (req->channel, "phone") == 0) {
        bc_reply_error (reply, "invalid", "uma ligação registrada é um contato com o cliente, não uma nota interna",
                        "a logged call is a contact with the customer, not a note");
        goto done;
    }
    rc = router_command_done (self, tx, t, reply,
                 s_write_message (self, tx, t, request->id, req->body, req->is_internal,
                                  *req->channel ? req->channel : "agent"));
done:
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int s_classify (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                       const router_category_t *cat);

static int
s_set_category (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetCategory *req = (const Balcao__V1__SetCategory *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só agentes classificam chamados",
                        "only agents classify tickets");
        return 0;
    }
    const router_category_t *cat = router_catalog_find (self->catalog, req->category);
    if (!cat) {
        bc_reply_error (reply, "invalid", "categoria '%s' desconhecida; veja balcao categories",
                        "unknown category '%s'; see balcao categories",
                        req->category);
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    rc = router_command_done (self, tx, t, reply, s_classify (self, tx, t, cat));
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* Sets t's category; in triage also its priority and tier, and sends it to
 * the new tier's agent or queue. The caller stores t. */
static int
s_classify (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const router_category_t *cat)
{
    int rc;
    int in_triage = strcmp (t->status, "novo") == 0;
    /* Out of the queue under the old key; back in (or to an agent) below. */
    int was_queued = !*t->assignee && !router_is_done (t->status);
    char old_tier[4];
    snprintf (old_tier, sizeof old_tier, "%s", t->tier);
    rc = was_queued ? router_queue_del (bc_tx_txn (tx), &self->pdbs, t) : 0;
    if (rc == 0)
        rc = router_change_field (self, tx, t->number, "category", &t->category, cat->id, cat->name);
    if (rc == 0 && in_triage && strcmp (t->priority, cat->priority) != 0) {
        rc = router_change_field (self, tx, t->number, "priority", &t->priority, cat->priority,
                                  "prioridade padrão da categoria");
        if (rc == 0)
            rc = router_sla_retime (self, tx, t);
    }
    if (rc == 0 && in_triage)
        rc = router_change_field (self, tx, t->number, "tier", &t->tier, cat->tier,
                             "nível inicial da categoria");
    if (rc == 0 && *t->assignee && strcmp (old_tier, t->tier) != 0) {
        /* Another tier's work now: the agent is free of it. */
        char agent[320];
        snprintf (agent, sizeof agent, "%s", t->assignee);
        rc = router_assign_auto (self, tx, t);
        if (rc == 0)
            rc = router_release (self, tx, agent);
    }
    else if (rc == 0 && was_queued)
        rc = router_assign_auto (self, tx, t);
    return rc;
}

static int
s_set_priority (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetPriority *req = (const Balcao__V1__SetPriority *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só agentes mudam a prioridade",
                        "only agents change priorities");
        return 0;
    }
    if (!router_priority_is_valid (req->priority)) {
        bc_reply_error (reply, "invalid", "a prioridade deve ser baixa, normal, alta ou urgente",
                        "priority must be baixa, normal, alta or urgente");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    rc = router_set_priority (self, tx, t, req->priority, req->reason);
    rc = router_command_done (self, tx, t, reply, rc);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* Records the customer's rating of closed ticket t (the caller checked it
 * may, and stores t). */
int
router_rate (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, uint32_t score,
             const char *comment)
{
    Balcao__V1__TicketRated ev = BALCAO__V1__TICKET_RATED__INIT;
    ev.number = t->number;
    ev.score = score;
    ev.comment = (char *) comment;
    ev.resolved_by = t->resolved_by;
    ev.tier = t->tier;
    int rc = router_emit_for (self, tx, t->number, &ev.base);
    t->csat_score = score;
    router_set_string (&t->csat_comment, comment);
    return rc;
}

static int
s_rate (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__Rate *req = (const Balcao__V1__Rate *) payload;
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (!router_is_customer_of (bc_tx_principal (tx), t))
        bc_reply_error (reply, "forbidden", "só o cliente do chamado pode avaliá-lo",
                        "only the ticket's customer rates it");
    else if (strcmp (t->status, "fechado") != 0)
        bc_reply_error (reply, "conflict", "o chamado #%llu está %s; a avaliação vem depois de fechado",
                        "ticket #%llu is %s; it can be rated once closed",
                        (unsigned long long) t->number, t->status);
    else if (t->csat_score)
        bc_reply_error (reply, "conflict", "o chamado #%llu já foi avaliado",
                        "ticket #%llu was already rated",
                        (unsigned long long) t->number);
    else if (req->score < 1 || req->score > 5)
        bc_reply_error (reply, "invalid", "a nota vai de 1 a 5",
                        "the rating is from 1 to 5");
    else {
        rc = router_rate (self, tx, t, req->score, req->comment);
        rc = router_command_done (self, tx, t, reply, rc);
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* ---- standard messages ---- */

/* What applying a macro to t would do, decided before anything is written:
 * ApplyMacro does it, PreviewMacro shows it. */
typedef struct {
    const router_macro_t *macro;
    const router_category_t *cat; /* the category it sets, or NULL */
    int action;                   /* its lifecycle move, or -1 */
    const char *to;               /* the status that move leads to, or NULL */
    char *text;                   /* the reply, placeholders filled (malloc'd) */
} s_macro_plan_t;

/* Plans macro_id ("" = the procedure of t's category) on t for the caller.
 * 1 with plan set; 0 with the refusal in reply (an unknown macro with code
 * unknown_code). */
static int
s_macro_plan (router_t *self, bc_tx_t *tx, const Balcao__V1__Ticket *t, const char *macro_id,
              const char *unknown_code, bc_reply_t *reply, s_macro_plan_t *plan)
{
    memset (plan, 0, sizeof *plan);
    plan->action = -1;
    if (!*macro_id) {
        const router_category_t *c = router_catalog_find (self->catalog, t->category);
        macro_id = c ? c->procedure : "";
        if (!*macro_id) {
            bc_reply_error (reply, "invalid",
                            "a categoria '%s' não tem procedimento padrão; escolha uma mensagem "
                            "padrão (balcao macros)",
                            "category '%s' has no standard procedure; pick a macro (balcao macros)",
                            t->category);
            return 0;
        }
    }
    const router_macro_t *macro = router_macros_find (self->macros, macro_id);
    if (!macro) {
        bc_reply_error (reply, unknown_code, "mensagem padrão '%s' desconhecida; veja balcao macros",
                        "unknown macro '%s'; see balcao macros", macro_id);
        return 0;
    }
    const router_category_t *cat =
        *macro->category ? router_catalog_find (self->catalog, macro->category) : NULL;
    int action = *macro->action ? router_action_parse (macro->action) : -1;
    if ((*macro->category && !cat) || (*macro->priority && !router_priority_is_valid (macro->priority))
        || (*macro->action && action < 0)) {
        bc_reply_error (reply, "invalid", "a mensagem padrão '%s' cita uma categoria, prioridade ou ação desconhecida; "
                        "um administrador a corrige em Categorias e mensagens (ou balcao "
                        "macro-save)",
                        "macro '%s' names an unknown category, priority or action; an admin "
                        "fixes it in Categories and macros (or balcao macro-save)",
                        macro->id);
        return 0;
    }
    const char *after_reply = strcmp (t->status, "novo") == 0 || strcmp (t->status, "reaberto") == 0
                                  ? "aberto"
                                  : t->status;
    const char *to = action >= 0 ? router_lifecycle_next (after_reply, (router_action_t) action) : NULL;
    char sources[128];
    if (router_is_done (t->status)) {
        bc_reply_error (reply, "conflict", "o chamado #%llu está %s",
                        "ticket #%llu is %s", (unsigned long long) t->number,
                        t->status);
        return 0;
    }
    if (action >= 0 && !to) {
        bc_reply_error (reply, "conflict", "a mensagem padrão '%s' daria %s no chamado #%llu, o que só vale a partir de %s",
                        "macro '%s' would %s ticket #%llu, which is allowed from %s",
                        macro->id, macro->action, (unsigned long long) t->number,
                        router_lifecycle_sources ((router_action_t) action, sources, sizeof sources));
        return 0;
    }
    if (action == ROUTER_RESOLVE && strcmp (t->tier, "N3") == 0) {
        bc_reply_error (reply, "invalid", "no N3, resolva informando a referência da correção, não com uma mensagem padrão",
                        "at N3 resolve with the fix's reference, not a macro");
        return 0;
    }
    const char *who = bc_tx_principal (tx);
    Balcao__V1__Person *agent = NULL;
    router_people_get (bc_tx_txn (tx), &self->pdbs, who, &agent);
    char number[24];
    snprintf (number, sizeof number, "%llu", (unsigned long long) t->number);
    const char *names[] = {"cliente.nome", "chamado.numero", "chamado.assunto", "agente.nome"};
    const char *values[] = {*t->customer_name ? t->customer_name : "cliente", number, t->subject,
                            agent && *agent->name ? agent->name : who};
    plan->text = router_macro_render (router_macro_text (macro, t->language), names, values, 4);
    if (agent)
        balcao__v1__person__free_unpacked (agent, NULL);
    plan->macro = macro;
    plan->cat = cat;
    plan->action = action;
    plan->to = to;
    return 1;
}

/* ApplyMacro and PreviewMacro take one path, so that a preview is what
 * applying sends: the same checks, the same plan; only the end differs. */
static int
s_macro_request (router_t *self, bc_tx_t *tx, const char *request_id, uint64_t number,
                 const char *macro_id, int is_preview, bc_reply_t *reply)
{
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte usa mensagens padrão",
                        "only the support team uses standard messages");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, number, reply, &rc);
    if (!t)
        return rc;
    s_macro_plan_t plan; /* its text is NULL when refused */
    int planned = s_macro_plan (self, tx, t, macro_id, is_preview ? "not_found" : "invalid", reply,
                                &plan);
    if (planned && is_preview) {
        Balcao__V1__MacroPreview out = BALCAO__V1__MACRO_PREVIEW__INIT;
        out.macro = (char *) plan.macro->id;
        out.name = (char *) router_macro_name (plan.macro, t->language);
        out.text = plan.text;
        out.category = (char *) plan.macro->category;
        out.priority = (char *) plan.macro->priority;
        out.action = (char *) plan.macro->action;
        bc_reply_ok (reply, &out.base);
    }
    else if (planned) {
        const router_macro_t *macro = plan.macro;
        rc = s_write_message (self, tx, t, request_id, plan.text, 0, "agent");
        if (rc == 0 && plan.cat)
            rc = s_classify (self, tx, t, plan.cat);
        if (rc == 0 && *macro->priority)
            rc = router_set_priority (self, tx, t, macro->priority, macro->name);
        if (rc == 0 && plan.to) {
            if (plan.action == ROUTER_RESOLVE)
                router_set_string (&t->resolution, plan.text);
            rc = router_change_status (self, tx, t, plan.to, macro->action, macro->name, "");
        }
        rc = router_command_done (self, tx, t, reply, rc);
    }
    free (plan.text);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_apply_macro (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    const Balcao__V1__ApplyMacro *req = (const Balcao__V1__ApplyMacro *) payload;
    return s_macro_request (state, tx, request->id, req->number, req->macro, 0, reply);
}

static int
s_preview_macro (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                 const ProtobufCMessage *payload, bc_reply_t *reply)
{
    const Balcao__V1__PreviewMacro *req = (const Balcao__V1__PreviewMacro *) payload;
    return s_macro_request (state, tx, request->id, req->number, req->macro, 1, reply);
}

void
router_commands_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__ticket_action__descriptor, 1, s_action);
    bc_service_on_command (svc, &balcao__v1__add_message__descriptor, 1, s_add_message);
    bc_service_on_command (svc, &balcao__v1__rate__descriptor, 1, s_rate);
    bc_service_on_command (svc, &balcao__v1__apply_macro__descriptor, 1, s_apply_macro);
    bc_service_on_command (svc, &balcao__v1__preview_macro__descriptor, 0, s_preview_macro);
    bc_service_on_command (svc, &balcao__v1__set_category__descriptor, 1, s_set_category);
    bc_service_on_command (svc, &balcao__v1__set_priority__descriptor, 1, s_set_priority);
}
