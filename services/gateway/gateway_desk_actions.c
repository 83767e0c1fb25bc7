/* gateway_desk_actions: the dashboard's ticket actions (see
 * gateway_desk_actions.h). */
#include "gateway_desk_actions.h"

#include "balcao/v1/router.pb-c.h"
#include "balcao/v1/bus.pb-c.h"
#include "bc_clock.h"
#include "gateway_desk.h"
#include "gateway_desk_json.h"
#include "gateway_parse.h"
#include "gateway_ticket_json.h"

#include <stdio.h>
#include <string.h>

#define S_MAX_TEXT 20000
#define S_MAX_FILES 20

static enum MHD_Result
s_invalid (gateway_req_t *req, const gateway_ticket_why_t *why)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", why->pt, why->en);
}

/* Sends request as the caller; on success answers ticket `answer` as a
 * desk ticket, else the router's refusal. */
static enum MHD_Result
s_send (gateway_bus_t *bus, gateway_req_t *req, const ProtobufCMessage *request, uint64_t answer)
{
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (bus, "router", req->principal, request, &reply);
    enum MHD_Result out = MHD_YES;
    if (rc != BC_OK)
        out = gateway_desk_router_error (req, rc, reply);
    bc_envelope_destroy (&reply);
    return rc == BC_OK ? gateway_desk_answer_ticket (bus, req, MHD_HTTP_OK, answer) : out;
}

/* A ticket number field: a whole number >= 1. */
static bool
s_number (json_t *body, const char *field, uint64_t *out, gateway_ticket_why_t *why)
{
    json_t *v = json_object_get (body, field);
    if (json_is_integer (v) && json_integer_value (v) > 0) {
        *out = (uint64_t) json_integer_value (v);
        return true;
    }
    snprintf (why->pt, sizeof why->pt, "o campo \"%s\" deve ser o número de um chamado (inteiro "
                                       "positivo)", field);
    snprintf (why->en, sizeof why->en, "the field \"%s\" must be a ticket number (a positive "
                                       "whole number)", field);
    return false;
}

static enum MHD_Result
s_assign (gateway_bus_t *bus, gateway_req_t *req, uint64_t number, bool is_take)
{
    const char *agent = "";
    gateway_ticket_why_t why;
    if (!is_take) {
        json_t *v = json_object_get (req->body_json, "agent");
        if (!json_is_string (v)) {
            snprintf (why.pt, sizeof why.pt, "o campo \"agent\" é obrigatório: o id de um agente "
                                             "(\"agent:…\"), ou \"\" para devolver à fila");
            snprintf (why.en, sizeof why.en, "the field \"agent\" is required: an agent's id "
                                             "(\"agent:…\"), or \"\" for back to the queue");
            return s_invalid (req, &why);
        }
        if (!gateway_ticket_text (req->body_json, "agent", 0, 200, false, true, &agent, &why))
            return s_invalid (req, &why);
    }
    Balcao__V1__AssignTicket act = BALCAO__V1__ASSIGN_TICKET__INIT;
    act.number = number;
    act.agent = (char *) agent;
    act.unassign = !is_take && !*agent;
    return s_send (bus, req, &act.base, number);
}

/* A reply refused with "conflict" while it carried seen_updated_us: when
 * the ticket did change since (not a closed ticket's refusal), 409 with
 * the router's sentence, the ticket now (as the desk ticket, without its
 * timeline) and the messages written since, so the agent sees what
 * changed and may send again with the ticket's updated_us. NULL: answer
 * the refusal as it is. */
static json_t *
s_conflict (gateway_bus_t *bus, gateway_req_t *req, uint64_t number, int64_t seen,
            const bc_envelope_t *refusal)
{
    Balcao__V1__Error *err =
        (Balcao__V1__Error *) bc_envelope_payload (refusal, &balcao__v1__error__descriptor);
    if (!err)
        return NULL;
    bool is_conflict = strcmp (err->code, "conflict") == 0;
    json_t *out = is_conflict ? json_pack ("{s:s, s:s, s:s}", "error", "conflict", "message",
                                           err->message, "message_pt",
                                           *err->message_pt ? err->message_pt : err->message)
                              : NULL;
    balcao__v1__error__free_unpacked (err, NULL);
    if (!out)
        return NULL;
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    bc_envelope_t *reply = NULL;
    Balcao__V1__Ticket *t = NULL;
    if (gateway_bus_call (bus, "router", req->principal, &get.base, &reply) == BC_OK)
        t = (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
    bc_envelope_destroy (&reply);
    if (!t || t->updated_us <= seen) {
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
        json_decref (out);
        return NULL;
    }
    json_t *ticket = gateway_desk_ticket (t, NULL, NULL, NULL, bc_now_us ());
    json_t *messages = json_object_get (ticket, "messages"), *since = json_array ();
    for (size_t i = 0; i < t->n_messages && i < json_array_size (messages); i++)
        if (t->messages[i]->time_us > seen)
            json_array_append (since, json_array_get (messages, i));
    json_object_set_new (out, "ticket", ticket);
    json_object_set_new (out, "new_messages", since);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return out;
}

/* reply, note, phone; a reply may carry seen_updated_us (the ticket's
 * updated_us when the agent opened it): the router refuses it when the
 * ticket changed since. */
static enum MHD_Result
s_message (gateway_bus_t *bus, gateway_req_t *req, uint64_t number, const char *action)
{
    const char *text;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "body", 1, S_MAX_TEXT, true, true, &text, &why))
        return s_invalid (req, &why);
    bool is_reply = strcmp (action, "reply") == 0;
    json_t *seen = json_object_get (req->body_json, "seen_updated_us");
    if (is_reply && seen && !json_is_null (seen)
        && !(json_is_integer (seen) && json_integer_value (seen) >= 0)) {
        snprintf (why.pt, sizeof why.pt, "o campo \"seen_updated_us\" é o updated_us do chamado "
                                         "quando foi aberto (um inteiro, 0 para não conferir)");
        snprintf (why.en, sizeof why.en, "the field \"seen_updated_us\" is the ticket's "
                                         "updated_us when it was opened (a whole number, 0 not to "
                                         "check)");
        return s_invalid (req, &why);
    }
    Balcao__V1__AddMessage act = BALCAO__V1__ADD_MESSAGE__INIT;
    act.number = number;
    act.body = (char *) text;
    act.is_internal = strcmp (action, "note") == 0;
    act.channel = strcmp (action, "phone") == 0 ? "phone" : "agent";
    act.seen_updated_us = is_reply && json_is_integer (seen) ? json_integer_value (seen) : 0;
    if (!act.seen_updated_us)
        return s_send (bus, req, &act.base, number);
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (bus, "router", req->principal, &act.base, &reply);
    json_t *conflict =
        rc == BC_EREMOTE ? s_conflict (bus, req, number, act.seen_updated_us, reply) : NULL;
    enum MHD_Result out = MHD_YES;
    if (conflict)
        out = gateway_http_json (req->conn, MHD_HTTP_CONFLICT, conflict, NULL, NULL);
    else if (rc != BC_OK)
        out = gateway_desk_router_error (req, rc, reply);
    bc_envelope_destroy (&reply);
    return rc == BC_OK ? gateway_desk_answer_ticket (bus, req, MHD_HTTP_OK, number) : out;
}

static enum MHD_Result
s_macro (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    const char *macro;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "macro", 0, 128, false, true, &macro, &why))
        return s_invalid (req, &why);
    Balcao__V1__ApplyMacro act = BALCAO__V1__APPLY_MACRO__INIT;
    act.number = number;
    act.macro = (char *) macro;
    return s_send (bus, req, &act.base, number);
}

/* request-info, open, reopen, close, resolve: TicketAction. */
static enum MHD_Result
s_lifecycle (gateway_bus_t *bus, gateway_req_t *req, uint64_t number, const char *action)
{
    bool is_request = strcmp (action, "request-info") == 0;
    const char *text, *fix;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "text", is_request ? 1 : 0, S_MAX_TEXT, true,
                              is_request, &text, &why) ||
        !gateway_ticket_text (req->body_json, "fix_reference", 0, 500, false, false, &fix, &why))
        return s_invalid (req, &why);
    Balcao__V1__TicketAction act = BALCAO__V1__TICKET_ACTION__INIT;
    act.number = number;
    act.action = (char *) (is_request ? "request_info" : action);
    act.text = (char *) text;
    act.fix_reference = (char *) fix;
    return s_send (bus, req, &act.base, number);
}

static enum MHD_Result
s_category (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    const char *category;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "category", 1, 64, false, true, &category, &why))
        return s_invalid (req, &why);
    Balcao__V1__SetCategory act = BALCAO__V1__SET_CATEGORY__INIT;
    act.number = number;
    act.category = (char *) category;
    return s_send (bus, req, &act.base, number);
}

static enum MHD_Result
s_priority (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    const char *priority, *reason;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "priority", 1, 16, false, true, &priority, &why) ||
        !gateway_ticket_text (req->body_json, "reason", 0, 2000, true, false, &reason, &why))
        return s_invalid (req, &why);
    Balcao__V1__SetPriority act = BALCAO__V1__SET_PRIORITY__INIT;
    act.number = number;
    act.priority = (char *) priority;
    act.reason = (char *) reason;
    return s_send (bus, req, &act.base, number);
}

static enum MHD_Result
s_escalate (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    const char *reason, *tried, *steps, *environment, *affected;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "reason", 1, S_MAX_TEXT, true, true, &reason,
                              &why) ||
        !gateway_ticket_text (req->body_json, "tried", 0, S_MAX_TEXT, true, false, &tried, &why) ||
        !gateway_ticket_text (req->body_json, "steps_to_reproduce", 0, S_MAX_TEXT, true, false,
                              &steps, &why) ||
        !gateway_ticket_text (req->body_json, "environment", 0, S_MAX_TEXT, true, false,
                              &environment, &why) ||
        !gateway_ticket_text (req->body_json, "affected_customers", 0, S_MAX_TEXT, true, false,
                              &affected, &why))
        return s_invalid (req, &why);
    json_t *files = json_object_get (req->body_json, "attachments");
    char *shas[S_MAX_FILES];
    size_t n = 0;
    if (files && !json_is_null (files)) {
        bool is_ok = json_is_array (files) && json_array_size (files) <= S_MAX_FILES;
        size_t i;
        json_t *item;
        json_array_foreach (files, i, item)
        {
            const char *sha = json_string_value (item);
            if (!is_ok || !sha || !gateway_parse_sha256 (sha)) {
                is_ok = false;
                break;
            }
            shas[n++] = (char *) sha;
        }
        if (!is_ok) {
            snprintf (why.pt, sizeof why.pt, "o campo \"attachments\" deve ser uma lista de até "
                                             "%d SHA-256 (64 dígitos hexadecimais minúsculos)",
                      S_MAX_FILES);
            snprintf (why.en, sizeof why.en, "the field \"attachments\" must be a list of at "
                                             "most %d SHA-256 (64 lower-case hex digits)",
                      S_MAX_FILES);
            return s_invalid (req, &why);
        }
    }
    Balcao__V1__Escalate act = BALCAO__V1__ESCALATE__INIT;
    act.number = number;
    act.reason = (char *) reason;
    act.tried = (char *) tried;
    act.steps_to_reproduce = (char *) steps;
    act.environment = (char *) environment;
    act.affected_customers = (char *) affected;
    act.attachments = shas;
    act.n_attachments = n;
    return s_send (bus, req, &act.base, number);
}

static enum MHD_Result
s_deescalate (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    const char *note;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "note", 1, S_MAX_TEXT, true, true, &note, &why))
        return s_invalid (req, &why);
    Balcao__V1__Deescalate act = BALCAO__V1__DEESCALATE__INIT;
    act.number = number;
    act.note = (char *) note;
    return s_send (bus, req, &act.base, number);
}

static enum MHD_Result
s_merge (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    uint64_t into;
    gateway_ticket_why_t why;
    if (!s_number (req->body_json, "into", &into, &why))
        return s_invalid (req, &why);
    Balcao__V1__MergeTicket act = BALCAO__V1__MERGE_TICKET__INIT;
    act.from = number;
    act.into = into;
    return s_send (bus, req, &act.base, into);
}

static enum MHD_Result
s_link (gateway_bus_t *bus, gateway_req_t *req, uint64_t number)
{
    uint64_t problem;
    gateway_ticket_why_t why;
    if (!s_number (req->body_json, "problem", &problem, &why))
        return s_invalid (req, &why);
    Balcao__V1__LinkTicket act = BALCAO__V1__LINK_TICKET__INIT;
    act.problem = problem;
    act.incident = number;
    return s_send (bus, req, &act.base, number);
}

bool
gateway_desk_action (gateway_bus_t *bus, gateway_req_t *req, uint64_t number, const char *action,
                     enum MHD_Result *out)
{
    static const char *const actions[] = {
        "take",   "assign",  "reply",   "note",     "phone",    "macro",
        "request-info", "open", "reopen", "close", "resolve", "category",
        "priority", "escalate", "deescalate", "merge", "link",
    };
    bool is_known = false;
    for (size_t i = 0; !is_known && i < sizeof actions / sizeof *actions; i++)
        is_known = strcmp (action, actions[i]) == 0;
    if (!is_known)
        return false;
    if (!req->is_write) {
        *out = gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "use POST neste endereço", "use POST here");
        return true;
    }
    if (strcmp (action, "take") == 0 || strcmp (action, "assign") == 0)
        *out = s_assign (bus, req, number, strcmp (action, "take") == 0);
    else if (strcmp (action, "reply") == 0 || strcmp (action, "note") == 0 ||
             strcmp (action, "phone") == 0)
        *out = s_message (bus, req, number, action);
    else if (strcmp (action, "macro") == 0)
        *out = s_macro (bus, req, number);
    else if (strcmp (action, "category") == 0)
        *out = s_category (bus, req, number);
    else if (strcmp (action, "priority") == 0)
        *out = s_priority (bus, req, number);
    else if (strcmp (action, "escalate") == 0)
        *out = s_escalate (bus, req, number);
    else if (strcmp (action, "deescalate") == 0)
        *out = s_deescalate (bus, req, number);
    else if (strcmp (action, "merge") == 0)
        *out = s_merge (bus, req, number);
    else if (strcmp (action, "link") == 0)
        *out = s_link (bus, req, number);
    else
        *out = s_lifecycle (bus, req, number, action);
    return true;
}
