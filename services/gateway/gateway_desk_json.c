/* gateway_desk_json: the dashboard's JSON (see gateway_desk_json.h). */
#include "gateway_desk_json.h"

#include "gateway_http.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_CUSTOMER_TICKETS 20

/* ---- names and words ---- */

static bool
s_is_system (const char *principal)
{
    return !principal || !*principal || strncmp (principal, "system:", 7) == 0 ||
           strncmp (principal, "service:", 8) == 0;
}

const char *
gateway_desk_name (const json_t *names, const char *principal, const Balcao__V1__Ticket *t)
{
    if (s_is_system (principal))
        return "Balcão";
    const char *name = json_string_value (json_object_get (names, principal));
    if (name && *name)
        return name;
    const char *colon = strchr (principal, ':');
    const char *address = colon ? colon + 1 : principal;
    if (t && strcasecmp (address, t->customer_address) == 0 && *t->customer_name)
        return t->customer_name;
    return *address ? address : principal;
}

/* A status or priority in words. */
static const char *
s_word (const char *status, bool en)
{
    static const char *const words[][3] = {
        {"novo", "Novo", "New"},
        {"aberto", "Aberto", "Open"},
        {"aguardando_cliente", "Aguardando cliente", "Waiting for the customer"},
        {"resolvido", "Resolvido", "Resolved"},
        {"fechado", "Fechado", "Closed"},
        {"reaberto", "Reaberto", "Reopened"},
        {"baixa", "baixa", "low"},
        {"normal", "normal", "normal"},
        {"alta", "alta", "high"},
        {"urgente", "urgente", "urgent"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp (status, words[i][0]) == 0)
            return words[i][en ? 2 : 1];
    return status;
}

/* How a message came, as a sentence goes on: "pelo portal", "by e-mail". */
static void
s_channel_phrase (const char *channel, bool en, char *out, size_t size)
{
    static const char *const phrases[][3] = {
        {"email", "por e-mail", "by e-mail"},
        {"portal", "pelo portal", "through the portal"},
        {"phone", "por telefone", "by phone"},
        {"whatsapp", "pelo WhatsApp", "on WhatsApp"},
        {"chat", "pelo chat", "in the chat"},
        {"api", "pela API", "through the API"},
    };
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (strcmp (channel, phrases[i][0]) == 0) {
            snprintf (out, size, "%s", phrases[i][en ? 2 : 1]);
            return;
        }
    snprintf (out, size, en ? "via %s" : "pelo canal %s", *channel ? channel : "?");
}

static const char *
s_target_word (const char *target, bool en)
{
    if (strcmp (target, "first_response") == 0)
        return en ? "first-response" : "primeira resposta";
    if (strcmp (target, "resolution") == 0)
        return en ? "resolution" : "resolução";
    return target;
}

/* Cuts s back to whole UTF-8 characters (after a truncating snprintf). */
static void
s_utf8_trim (char *s)
{
    size_t len = strlen (s), i = len;
    while (i > 0 && ((unsigned char) s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char) s[i - 1];
    size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (i - 1) < need)
        s[i - 1] = 0;
}

/* A free text as it fits in a sentence: its first line, at most about 160
 * bytes (whole characters), "…" when cut. */
static void
s_short (const char *text, char *out, size_t size)
{
    size_t line = strcspn (text ? text : "", "\r\n");
    size_t cap = size - 4 < 160 ? size - 4 : 160;
    bool is_cut = line > cap || (text && text[line]);
    snprintf (out, size, "%.*s", (int) (line > cap ? cap : line), text ? text : "");
    s_utf8_trim (out);
    while (*out && strchr (" \t", out[strlen (out) - 1]))
        out[strlen (out) - 1] = 0;
    if (is_cut && *out)
        strcat (out, "…");
}

/* ---- summary and SLA ---- */

json_t *
gateway_desk_sla (const Balcao__V1__Ticket *t, int64_t now_us)
{
    const char *target = NULL, *state = NULL;
    int64_t warn = 0, due = 0;
    bool is_waiting = strcmp (t->status, "aguardando_cliente") == 0;
    if (*t->first_response_sla && !t->first_response_us &&
        strcmp (t->first_response_sla, "met") != 0) {
        target = "first_response";
        warn = t->first_response_warn_us;
        due = t->first_response_due_us;
        state = t->first_response_sla;
    }
    else if (*t->resolution_sla) {
        target = "resolution";
        warn = t->resolution_warn_us;
        due = t->resolution_due_us;
        state = t->resolution_sla;
        if (strcmp (state, "running") == 0 && (is_waiting || !due))
            state = "paused";
    }
    else if (*t->first_response_sla) {
        target = "first_response";
        state = t->first_response_sla;
    }
    if (state && strcmp (state, "running") == 0)
        state = warn && now_us >= warn ? "warning" : "ok";
    if (state && strcmp (state, "paused") == 0)
        warn = due = 0;
    return json_pack ("{s:o, s:o, s:o, s:o}", "target", target ? json_string (target) : json_null (),
                      "state", state ? json_string (state) : json_null (), "warn_at",
                      gateway_http_time (warn), "due_at", gateway_http_time (due));
}

static json_t *
s_number_or_null (uint64_t n)
{
    return n ? json_integer ((json_int_t) n) : json_null ();
}

json_t *
gateway_desk_summary (const Balcao__V1__Ticket *t, const json_t *names, int64_t now_us)
{
    json_t *out = json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:o, s:o, s:o, s:I, s:o, "
        "s:I, s:o}",
        "number", (json_int_t) t->number, "subject", t->subject, "status", t->status, "tier",
        t->tier, "category", t->category, "priority", t->priority, "channel", t->channel,
        "customer", "name", t->customer_name, "address", t->customer_address, "organization",
        t->organization, "assignee", t->assignee, "assignee_name",
        *t->assignee ? json_string (gateway_desk_name (names, t->assignee, NULL)) : json_null (),
        "created_at", gateway_http_time (t->created_us), "updated_at",
        gateway_http_time (t->updated_us), "message_count", (json_int_t) t->message_count,
        "problem", s_number_or_null (t->problem), "incident_count",
        (json_int_t) t->incident_count, "sla", gateway_desk_sla (t, now_us));
    /* A resolved ticket whose customer's answer was unclear: back in front
     * of the agent until they write to the customer. */
    json_object_set_new (out, "awaits_judgement", json_boolean (t->awaits_judgement));
    /* Exact, for a reply's seen_updated_us (updated_at is to the second). */
    json_object_set_new (out, "updated_us", json_integer ((json_int_t) t->updated_us));
    return out;
}

/* ---- the desk ticket ---- */

static json_t *
s_message (const Balcao__V1__Ticket *t, const Balcao__V1__TicketMessage *m, size_t index,
           const json_t *names)
{
    json_t *files = json_array ();
    for (size_t i = 0; i < m->n_attachments; i++) {
        const Balcao__V1__Attachment *a = m->attachments[i];
        char url[160];
        snprintf (url, sizeof url, "/api/v1/desk/tickets/%llu/attachments/%s",
                  (unsigned long long) t->number, a->sha256);
        json_array_append_new (files, json_pack ("{s:s, s:s, s:s, s:I, s:s}", "sha256", a->sha256,
                                                 "filename", a->filename, "content_type",
                                                 a->content_type, "size", (json_int_t) a->size,
                                                 "url", url));
    }
    bool is_internal = m->is_internal || strcmp (m->direction, "internal") == 0;
    bool is_inbound = !is_internal && strcmp (m->direction, "inbound") == 0;
    const char *author_name = *m->author_name ? m->author_name
                              : is_inbound && strcasecmp (m->author, t->customer_address) == 0 &&
                                      *t->customer_name
                                  ? t->customer_name
                              : strchr (m->author, ':') ? gateway_desk_name (names, m->author, t)
                                                        : m->author;
    char id[48];
    if (*m->message_ref)
        snprintf (id, sizeof id, "%s", m->message_ref);
    else
        snprintf (id, sizeof id, "%llu-%zu", (unsigned long long) t->number, index + 1);
    json_t *refused = json_array ();
    for (size_t i = 0; i < m->n_refused_files; i++)
        json_array_append_new (refused, json_string (m->refused_files[i]));
    return json_pack ("{s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "id", id,
                      "direction", is_internal ? "internal" : is_inbound ? "inbound" : "outbound",
                      "internal", is_internal, "author", m->author, "author_name", author_name,
                      "body", m->body, "reply", is_inbound && *m->reply ? m->reply : "",
                      "time", gateway_http_time_ms (m->time_us), "channel", m->channel,
                      "mail_class", m->mail_class, "attachments", files, "copied_from",
                      s_number_or_null (m->copied_from), "refused_files", refused);
}

json_t *
gateway_desk_ticket (const Balcao__V1__Ticket *t, const Balcao__V1__History *history,
                     const Balcao__V1__TicketList *customer_tickets, const json_t *names,
                     int64_t now_us)
{
    json_t *out = gateway_desk_summary (t, names, now_us);
    json_t *messages = json_array (), *timeline = json_array (), *others = json_array ();
    for (size_t i = 0; i < t->n_messages; i++)
        json_array_append_new (messages, s_message (t, t->messages[i], i, names));
    for (size_t i = 0; history && i < history->n_entries; i++)
        json_array_append_new (timeline,
                               gateway_desk_timeline_entry (history->entries[i], t, names));
    for (size_t i = 0; customer_tickets && i < customer_tickets->n_tickets &&
                       json_array_size (others) < S_MAX_CUSTOMER_TICKETS;
         i++)
        if (customer_tickets->tickets[i]->number != t->number)
            json_array_append_new (others,
                                   gateway_desk_summary (customer_tickets->tickets[i], names, now_us));
    json_object_set_new (out, "messages", messages);
    json_object_set_new (out, "timeline", timeline);
    json_object_set_new (out, "resolution", json_string (t->resolution));
    json_object_set_new (out, "fix_reference", json_string (t->fix_reference));
    json_object_set_new (out, "resolved_by", json_string (t->resolved_by));
    json_object_set_new (out, "merged_into", s_number_or_null (t->merged_into));
    json_object_set_new (out, "previous", s_number_or_null (t->previous));
    json_object_set_new (out, "mentions", s_number_or_null (t->mentions));
    json_t *participants = json_array ();
    for (size_t i = 0; i < t->n_participants; i++)
        json_array_append_new (participants, json_string (t->participants[i]));
    json_object_set_new (out, "participants", participants);
    json_object_set_new (out, "csat",
                         t->csat_score ? json_pack ("{s:i, s:s}", "score", (int) t->csat_score,
                                                    "comment", t->csat_comment)
                                       : json_null ());
    json_object_set_new (out, "customer_tickets", others);
    return out;
}

/* ---- the timeline's sentences ---- */

typedef struct {
    char pt[1024];
    char en[1024];
} s_line_t;

static void
s_say (s_line_t *line, bool en, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *out = en ? line->en : line->pt;
    vsnprintf (out, sizeof line->pt, format, args);
    va_end (args);
    s_utf8_trim (out);
}

/* ": text" when there is a text (shortened), "" otherwise. */
typedef struct {
    char text[200];
} s_tail_t;

static s_tail_t
s_tail (const char *text)
{
    s_tail_t out = {""};
    char shorter[180];
    s_short (text, shorter, sizeof shorter);
    if (*shorter)
        snprintf (out.text, sizeof out.text, ": %s", shorter);
    return out;
}

typedef struct {
    const Balcao__V1__Ticket *t;
    const json_t *names;
    const char *by; /* the name of who caused it */
} s_ctx_t;

static void
s_created (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketCreated *e)
{
    const Balcao__V1__Ticket *nt = e->ticket;
    const char *who = nt && *nt->customer_name ? nt->customer_name
                      : nt                      ? nt->customer_address
                                                : c->by;
    const char *channel = nt ? nt->channel : "";
    s_tail_t subject = s_tail (nt ? nt->subject : "");
    char pt[64], en[64];
    s_channel_phrase (channel, false, pt, sizeof pt);
    s_channel_phrase (channel, true, en, sizeof en);
    s_say (l, false, "%s abriu o chamado %s%s", who, pt, subject.text);
    s_say (l, true, "%s opened the ticket %s%s", who, en, subject.text);
}

static void
s_appended (s_line_t *l, const s_ctx_t *c, const Balcao__V1__MessageAppended *e)
{
    const Balcao__V1__TicketMessage *m = e->message;
    if (e->copied_from) {
        s_say (l, false, "Mensagem copiada do chamado #%llu (unido a este)",
               (unsigned long long) e->copied_from);
        s_say (l, true, "Message copied from ticket #%llu (merged into this one)",
               (unsigned long long) e->copied_from);
        return;
    }
    if (!m) {
        s_say (l, false, "Nova mensagem");
        s_say (l, true, "New message");
        return;
    }
    const char *who = *m->author_name ? m->author_name
                      : strchr (m->author, ':') ? gateway_desk_name (c->names, m->author, c->t)
                      : strcasecmp (m->author, c->t->customer_address) == 0 &&
                              *c->t->customer_name
                          ? c->t->customer_name
                          : m->author;
    if (m->is_internal || strcmp (m->direction, "internal") == 0) {
        s_say (l, false, "%s adicionou uma nota interna", who);
        s_say (l, true, "%s added an internal note", who);
    }
    else if (strcmp (m->direction, "inbound") == 0) {
        char pt[64], en[64];
        s_channel_phrase (m->channel, false, pt, sizeof pt);
        s_channel_phrase (m->channel, true, en, sizeof en);
        s_say (l, false, "%s escreveu %s", who, pt);
        s_say (l, true, "%s wrote %s", who, en);
    }
    else if (strcmp (m->channel, "phone") == 0) {
        s_say (l, false, "%s registrou uma ligação com o cliente", who);
        s_say (l, true, "%s logged a phone call with the customer", who);
    }
    else {
        s_say (l, false, "%s respondeu ao cliente", who);
        s_say (l, true, "%s replied to the customer", who);
    }
}

static void
s_status (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketStatusChanged *e)
{
    const char *a = e->action, *by = c->by;
    /* The customer's own moves come through a channel (the portal through
     * the gateway, mail through intake): they are the customer's. */
    if ((strcmp (a, "customer_reply") == 0 || strcmp (a, "accept") == 0
         || strcmp (a, "reject") == 0)
        && c->t && *c->t->customer_name)
        by = c->t->customer_name;
    else if ((strcmp (a, "customer_reply") == 0 || strcmp (a, "accept") == 0
              || strcmp (a, "reject") == 0)
             && c->t && *c->t->customer_address)
        by = c->t->customer_address;
    s_tail_t text = s_tail (e->text);
    const char *to_pt = s_word (e->to_status, false);
    const char *to_en = s_word (e->to_status, true);
    if (strcmp (a, "request_info") == 0) {
        s_say (l, false, "%s pediu mais informações ao cliente%s", by, text.text);
        s_say (l, true, "%s asked the customer for more information%s", by, text.text);
    }
    else if (strcmp (a, "resolve") == 0) {
        s_say (l, false, "%s resolveu o chamado%s", by, text.text);
        s_say (l, true, "%s resolved the ticket%s", by, text.text);
    }
    else if (strcmp (a, "accept") == 0) {
        s_say (l, false, "%s confirmou a solução; o chamado foi fechado", by);
        s_say (l, true, "%s confirmed the solution; the ticket is closed", by);
    }
    else if (strcmp (a, "reject") == 0) {
        s_say (l, false, "%s recusou a solução%s", by, text.text);
        s_say (l, true, "%s rejected the solution%s", by, text.text);
    }
    else if (strcmp (a, "reopen") == 0) {
        s_say (l, false, "%s reabriu o chamado%s", by, text.text);
        s_say (l, true, "%s reopened the ticket%s", by, text.text);
    }
    else if (strcmp (a, "close") == 0) {
        s_say (l, false, "%s fechou o chamado%s", by, text.text);
        s_say (l, true, "%s closed the ticket%s", by, text.text);
    }
    else if (strcmp (a, "auto_close") == 0) {
        s_say (l, false, "O chamado fechou sozinho: o cliente não respondeu à solução");
        s_say (l, true, "The ticket closed by itself: the customer did not answer the solution");
    }
    else if (strcmp (a, "open") == 0) {
        s_say (l, false, "%s abriu o chamado para atendimento", by);
        s_say (l, true, "%s opened the ticket for work", by);
    }
    else if (strcmp (a, "customer_reply") == 0 || strcmp (a, "agent_reply") == 0) {
        s_say (l, false, "%s respondeu; o chamado passou para %s", by, to_pt);
        s_say (l, true, "%s replied; the ticket is now %s", by, to_en);
    }
    else {
        s_say (l, false, "%s mudou o status de %s para %s%s", by,
               s_word (e->from_status, false), to_pt, text.text);
        s_say (l, true, "%s changed the status from %s to %s%s", by,
               s_word (e->from_status, true), to_en, text.text);
    }
}

static void
s_field (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketFieldChanged *e)
{
    s_tail_t text = s_tail (e->text);
    if (strcmp (e->field, "priority") == 0) {
        s_say (l, false, "%s mudou a prioridade de %s para %s%s", c->by,
               s_word (e->from_value, false), s_word (e->to_value, false),
               text.text);
        s_say (l, true, "%s changed the priority from %s to %s%s", c->by,
               s_word (e->from_value, true), s_word (e->to_value, true), text.text);
    }
    else if (strcmp (e->field, "category") == 0) {
        /* text is the new category's name, when the router gives it. */
        char name[200] = "";
        if (*e->text)
            snprintf (name, sizeof name, " (%s)", e->text);
        s_say (l, false, "%s mudou a categoria de %s para %s%s", c->by,
               *e->from_value ? e->from_value : "(nenhuma)", e->to_value, name);
        s_say (l, true, "%s changed the category from %s to %s%s", c->by,
               *e->from_value ? e->from_value : "(none)", e->to_value, name);
    }
    else if (strcmp (e->field, "tier") == 0) {
        s_say (l, false, "%s moveu o chamado do %s para o %s%s", c->by, e->from_value,
               e->to_value, text.text);
        s_say (l, true, "%s moved the ticket from %s to %s%s", c->by, e->from_value, e->to_value,
               text.text);
    }
    else {
        s_say (l, false, "%s mudou %s de %s para %s%s", c->by, e->field, e->from_value,
               e->to_value, text.text);
        s_say (l, true, "%s changed %s from %s to %s%s", c->by, e->field, e->from_value,
               e->to_value, text.text);
    }
}

static void
s_assigned (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketAssigned *e)
{
    const char *agent = *e->agent ? gateway_desk_name (c->names, e->agent, c->t) : "";
    if (!*e->agent && strcmp (e->reason, "unassign") == 0) {
        s_say (l, false, "%s devolveu o chamado à fila do %s", c->by, e->tier);
        s_say (l, true, "%s put the ticket back in the %s queue", c->by, e->tier);
    }
    else if (!*e->agent) {
        s_say (l, false, "O chamado está na fila do %s, aguardando um agente", e->tier);
        s_say (l, true, "The ticket is in the %s queue, waiting for an agent", e->tier);
    }
    else if (strcmp (e->reason, "take") == 0) {
        s_say (l, false, "%s assumiu o chamado", agent);
        s_say (l, true, "%s took the ticket", agent);
    }
    else if (strcmp (e->reason, "assign") == 0) {
        s_say (l, false, "%s atribuiu o chamado a %s", c->by, agent);
        s_say (l, true, "%s assigned the ticket to %s", c->by, agent);
    }
    else if (strcmp (e->reason, "reopened") == 0) {
        s_say (l, false, "O chamado voltou para %s, que o resolveu", agent);
        s_say (l, true, "The ticket went back to %s, who resolved it", agent);
    }
    else {
        s_say (l, false, "O chamado foi atribuído automaticamente a %s (%s)", agent, e->tier);
        s_say (l, true, "The ticket was assigned automatically to %s (%s)", agent, e->tier);
    }
}

static void
s_escalated (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketEscalated *e)
{
    if (strcmp (e->direction, "down") == 0) {
        s_tail_t note = s_tail (e->note);
        s_say (l, false, "%s devolveu o chamado para o %s%s", c->by, e->to_tier, note.text);
        s_say (l, true, "%s sent the ticket back to %s%s", c->by, e->to_tier, note.text);
        return;
    }
    s_tail_t reason = s_tail (e->reason);
    bool by_person = !s_is_system (e->by);
    if (by_person) {
        s_say (l, false, "%s escalou para %s%s", c->by, e->to_tier, reason.text);
        s_say (l, true, "%s escalated to %s%s", c->by, e->to_tier, reason.text);
    }
    else {
        s_say (l, false, "O chamado subiu para %s automaticamente%s", e->to_tier, reason.text);
        s_say (l, true, "The ticket went up to %s automatically%s", e->to_tier, reason.text);
    }
}

static void
s_sla (s_line_t *l, const char *target, size_t n_actions, char **actions, bool is_breach)
{
    if (!is_breach) {
        s_say (l, false, "O prazo de %s está perto de vencer", s_target_word (target, false));
        s_say (l, true, "The %s deadline is close", s_target_word (target, true));
        return;
    }
    char pt[256] = "", en[256] = "";
    for (size_t i = 0; i < n_actions; i++) {
        const char *a = actions[i];
        const char *wpt = strcmp (a, "raise_priority") == 0 ? "a prioridade subiu"
                          : strcmp (a, "escalate") == 0     ? "o chamado foi escalado"
                          : strcmp (a, "alert") == 0        ? "os supervisores foram avisados"
                                                            : a;
        const char *wen = strcmp (a, "raise_priority") == 0 ? "the priority went up"
                          : strcmp (a, "escalate") == 0     ? "the ticket was escalated"
                          : strcmp (a, "alert") == 0        ? "the supervisors were alerted"
                                                            : a;
        size_t n = strlen (pt);
        snprintf (pt + n, sizeof pt - n, "; %s", wpt);
        n = strlen (en);
        snprintf (en + n, sizeof en - n, "; %s", wen);
    }
    s_say (l, false, "O prazo de %s venceu%s", s_target_word (target, false), pt);
    s_say (l, true, "The %s deadline was missed%s", s_target_word (target, true), en);
}

static void
s_linked (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketLinked *e)
{
    if (e->incident == c->t->number) {
        s_say (l, false, "%s vinculou este chamado ao problema #%llu", c->by,
               (unsigned long long) e->problem);
        s_say (l, true, "%s linked this ticket to problem #%llu", c->by,
               (unsigned long long) e->problem);
    }
    else {
        s_say (l, false, "%s vinculou o incidente #%llu a este problema", c->by,
               (unsigned long long) e->incident);
        s_say (l, true, "%s linked incident #%llu to this problem", c->by,
               (unsigned long long) e->incident);
    }
}

static void
s_merged (s_line_t *l, const s_ctx_t *c, const Balcao__V1__TicketMerged *e)
{
    if (e->from == c->t->number) {
        s_say (l, false, "%s uniu este chamado ao #%llu", c->by, (unsigned long long) e->into);
        s_say (l, true, "%s merged this ticket into #%llu", c->by, (unsigned long long) e->into);
    }
    else {
        s_say (l, false, "%s uniu o chamado #%llu a este", c->by, (unsigned long long) e->from);
        s_say (l, true, "%s merged ticket #%llu into this one", c->by,
               (unsigned long long) e->from);
    }
}

/* The event's own "by" field when it has one, else who sent the command. */
static const char *
s_by_field (const ProtobufCMessage *m, const char *principal)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (
        m->descriptor, "by");
    if (f && f->type == PROTOBUF_C_TYPE_STRING && f->label != PROTOBUF_C_LABEL_REPEATED) {
        const char *by = *(char *const *) ((const char *) m + f->offset);
        if (by && *by)
            return by;
    }
    return principal;
}

/* The router's event types a ticket's history holds. */
static const ProtobufCMessageDescriptor *const s_types[] = {
    &balcao__v1__ticket_created__descriptor,     &balcao__v1__message_appended__descriptor,
    &balcao__v1__ticket_status_changed__descriptor, &balcao__v1__ticket_field_changed__descriptor,
    &balcao__v1__ticket_assigned__descriptor,    &balcao__v1__ticket_escalated__descriptor,
    &balcao__v1__ticket_rated__descriptor,       &balcao__v1__sla_warning__descriptor,
    &balcao__v1__sla_breached__descriptor,       &balcao__v1__auto_close_reminder__descriptor,
    &balcao__v1__ticket_linked__descriptor,      &balcao__v1__ticket_merged__descriptor,
    &balcao__v1__person_changed__descriptor,
};

static const ProtobufCMessageDescriptor *
s_type (const char *name)
{
    for (size_t i = 0; name && i < sizeof s_types / sizeof *s_types; i++)
        if (strcmp (s_types[i]->name, name) == 0)
            return s_types[i];
    return NULL;
}

/* The sentences for event m; false for a type without its own. */
static bool
s_sentences (s_line_t *l, const s_ctx_t *c, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (d == &balcao__v1__ticket_created__descriptor)
        s_created (l, c, (const Balcao__V1__TicketCreated *) m);
    else if (d == &balcao__v1__message_appended__descriptor)
        s_appended (l, c, (const Balcao__V1__MessageAppended *) m);
    else if (d == &balcao__v1__ticket_status_changed__descriptor)
        s_status (l, c, (const Balcao__V1__TicketStatusChanged *) m);
    else if (d == &balcao__v1__ticket_field_changed__descriptor)
        s_field (l, c, (const Balcao__V1__TicketFieldChanged *) m);
    else if (d == &balcao__v1__ticket_assigned__descriptor)
        s_assigned (l, c, (const Balcao__V1__TicketAssigned *) m);
    else if (d == &balcao__v1__ticket_escalated__descriptor)
        s_escalated (l, c, (const Balcao__V1__TicketEscalated *) m);
    else if (d == &balcao__v1__sla_warning__descriptor)
        s_sla (l, ((const Balcao__V1__SlaWarning *) m)->target, 0, NULL, false);
    else if (d == &balcao__v1__sla_breached__descriptor) {
        const Balcao__V1__SlaBreached *e = (const Balcao__V1__SlaBreached *) m;
        s_sla (l, e->target, e->n_actions, e->actions, true);
    }
    else if (d == &balcao__v1__ticket_linked__descriptor)
        s_linked (l, c, (const Balcao__V1__TicketLinked *) m);
    else if (d == &balcao__v1__ticket_merged__descriptor)
        s_merged (l, c, (const Balcao__V1__TicketMerged *) m);
    else if (d == &balcao__v1__ticket_rated__descriptor) {
        const Balcao__V1__TicketRated *e = (const Balcao__V1__TicketRated *) m;
        s_tail_t comment = s_tail (e->comment);
        const char *who = *c->t->customer_name ? c->t->customer_name : c->t->customer_address;
        s_say (l, false, "%s avaliou o atendimento com %u de 5%s", who, e->score, comment.text);
        s_say (l, true, "%s rated the support %u out of 5%s", who, e->score, comment.text);
    }
    else if (d == &balcao__v1__auto_close_reminder__descriptor) {
        s_say (l, false, "O cliente foi lembrado de validar a solução; o chamado fecha sozinho "
                         "se não responder");
        s_say (l, true, "The customer was reminded to validate the solution; the ticket closes by "
                        "itself without an answer");
    }
    else
        return false;
    return true;
}

json_t *
gateway_desk_timeline_entry (const Balcao__V1__HistoryEntry *e, const Balcao__V1__Ticket *t,
                             const json_t *names)
{
    const char *type = e->type;
    const char *dot = strrchr (type, '.');
    s_line_t line;
    snprintf (line.pt, sizeof line.pt, "%s", e->summary);
    snprintf (line.en, sizeof line.en, "%s", e->summary_en);
    const ProtobufCMessageDescriptor *d = s_type (type);
    ProtobufCMessage *m =
        d ? protobuf_c_message_unpack (d, NULL, e->payload.len, e->payload.data) : NULL;
    char by[320];
    snprintf (by, sizeof by, "%s", e->principal);
    if (m) {
        snprintf (by, sizeof by, "%s", s_by_field (m, e->principal));
        s_ctx_t c = {t, names, gateway_desk_name (names, by, t)};
        s_sentences (&line, &c, m);
        protobuf_c_message_free_unpacked (m, NULL);
    }
    s_utf8_trim (line.pt);
    s_utf8_trim (line.en);
    json_t *out = json_pack ("{s:I, s:o, s:s, s:s, s:s, s:s, s:o}", "seq", (json_int_t) e->seq,
                             "time", gateway_http_time_ms (e->time_us), "by", by, "type",
                             dot ? dot + 1 : type, "summary", line.pt, "summary_en", line.en,
                             "details", gateway_desk_details (type, e->payload));
    /* Never an entry lost from the list: one the router wrote in invalid
     * UTF-8 still shows its type. */
    return out ? out
               : json_pack ("{s:I, s:o, s:s, s:s, s:s, s:s, s:{}}", "seq", (json_int_t) e->seq,
                            "time", gateway_http_time_ms (e->time_us), "by", "", "type",
                            dot ? dot + 1 : type, "summary", "", "summary_en", "", "details");
}

/* ---- details: an event's fields from its descriptor ---- */

static json_t *s_fields (const ProtobufCMessage *m);

/* One value of field f at p (a scalar, a string, a message), or NULL when
 * it is the default (not shown). */
static json_t *
s_value (const ProtobufCFieldDescriptor *f, const void *p, bool keep_default)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: {
        int32_t v = *(const int32_t *) p;
        return v || keep_default ? json_integer (v) : NULL;
    }
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: {
        uint32_t v = *(const uint32_t *) p;
        return v || keep_default ? json_integer (v) : NULL;
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: {
        int64_t v = *(const int64_t *) p;
        size_t len = strlen (f->name);
        if (v > 0 && len > 3 && strcmp (f->name + len - 3, "_us") == 0)
            return gateway_http_time (v);
        return v || keep_default ? json_integer ((json_int_t) v) : NULL;
    }
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *) p;
        return v || keep_default ? json_integer ((json_int_t) v) : NULL;
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        float v = *(const float *) p;
        return v != 0 || keep_default ? json_real (v) : NULL;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *) p;
        return v != 0 || keep_default ? json_real (v) : NULL;
    }
    case PROTOBUF_C_TYPE_BOOL: {
        protobuf_c_boolean v = *(const protobuf_c_boolean *) p;
        return v || keep_default ? json_boolean (v) : NULL;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *) p;
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value ((const ProtobufCEnumDescriptor *) f->descriptor, v);
        if (!v && !keep_default)
            return NULL;
        return ev ? json_string (ev->name) : json_integer (v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *v = *(char *const *) p;
        return v && (*v || keep_default) ? json_string (v) : NULL;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *v = p;
        if (!v->len && !keep_default)
            return NULL;
        size_t size = sodium_base64_encoded_len (v->len, sodium_base64_VARIANT_ORIGINAL);
        char *text = malloc (size);
        if (!text)
            return NULL;
        sodium_bin2base64 (text, size, v->data, v->len, sodium_base64_VARIANT_ORIGINAL);
        json_t *out = json_string (text);
        free (text);
        return out;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *v = *(ProtobufCMessage *const *) p;
        return v ? s_fields (v) : NULL;
    }
    }
    return NULL;
}

static size_t
s_size_of (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof (protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof (void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof (ProtobufCBinaryData);
    }
    return 0;
}

static json_t *
s_fields (const ProtobufCMessage *m)
{
    json_t *out = json_object ();
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *) m;
        json_t *value = NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + f->quantifier_offset);
            const char *items = *(char *const *) (base + f->offset);
            if (n && items) {
                value = json_array ();
                for (size_t k = 0; k < n; k++) {
                    json_t *item = s_value (f, items + k * s_size_of (f), true);
                    if (item)
                        json_array_append_new (value, item);
                }
            }
        }
        else if ((f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                  f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE &&
                  !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) &&
                 !*(const protobuf_c_boolean *) (base + f->quantifier_offset))
            value = NULL;
        else
            value = s_value (f, base + f->offset, false);
        if (value)
            json_object_set_new (out, f->name, value);
    }
    return out;
}

json_t *
gateway_desk_details (const char *type, ProtobufCBinaryData payload)
{
    const ProtobufCMessageDescriptor *d = s_type (type);
    /* A message's event carries the whole message, and a new ticket's the
     * whole ticket: both are in the desk ticket already ("messages", the
     * summary), so their details would repeat every body — a 500-message
     * ticket's answer three times over. */
    if (d == &balcao__v1__message_appended__descriptor)
        return json_object ();
    ProtobufCMessage *m = d ? protobuf_c_message_unpack (d, NULL, payload.len, payload.data) : NULL;
    if (!m)
        return json_object ();
    if (d == &balcao__v1__ticket_created__descriptor) {
        const Balcao__V1__Ticket *t = ((const Balcao__V1__TicketCreated *) m)->ticket;
        json_t *few = t ? json_pack ("{s:s, s:s, s:s, s:s}", "channel", t->channel, "category",
                                     t->category, "priority", t->priority, "tier", t->tier)
                        : NULL;
        protobuf_c_message_free_unpacked (m, NULL);
        return few ? few : json_object ();
    }
    json_t *out = s_fields (m);
    protobuf_c_message_free_unpacked (m, NULL);
    return out;
}

json_t *
gateway_desk_macro_json (const Balcao__V1__Macro *m)
{
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", m->id, "name", m->name,
                      "name_en", m->name_en, "text", m->text, "text_en", m->text_en, "category",
                      m->category, "priority", m->priority, "action", m->action);
}

json_t *
gateway_desk_category_json (const Balcao__V1__Category *c)
{
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", c->id, "name", c->name, "name_en",
                      c->name_en, "priority", c->priority, "tier", c->tier, "procedure",
                      c->procedure);
}
