/* notify_webhook_json: a webhook's document, its signature and what the
 * subscriber's answer means (see notify_webhook_json.h). */
#include "notify_webhook_json.h"

#include "balcao/v1/router.pb-c.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const notify_webhook_kind_t notify_webhook_kinds[] = {
    {"ticket_created", "ticket.created", &balcao__v1__ticket_created__descriptor},
    {"ticket_status_changed", "ticket.status_changed",
     &balcao__v1__ticket_status_changed__descriptor},
    {"message_appended", "ticket.message_appended", &balcao__v1__message_appended__descriptor},
    {"ticket_assigned", "ticket.assigned", &balcao__v1__ticket_assigned__descriptor},
    {"ticket_field_changed", "ticket.field_changed", &balcao__v1__ticket_field_changed__descriptor},
    {"ticket_escalated", "ticket.escalated", &balcao__v1__ticket_escalated__descriptor},
    {"sla_warning", "ticket.sla_warning", &balcao__v1__sla_warning__descriptor},
    {"sla_breached", "ticket.sla_breached", &balcao__v1__sla_breached__descriptor},
    {"ticket_merged", "ticket.merged", &balcao__v1__ticket_merged__descriptor},
    {"ticket_rated", "ticket.rated", &balcao__v1__ticket_rated__descriptor},
};
const int notify_webhook_nkinds = sizeof notify_webhook_kinds / sizeof notify_webhook_kinds[0];

enum {
    K_CREATED,
    K_STATUS,
    K_MESSAGE,
    K_ASSIGNED,
    K_FIELD,
    K_ESCALATED,
    K_SLA_WARNING,
    K_SLA_BREACHED,
    K_MERGED,
    K_RATED
};

int
notify_webhook_kind_find (const char *name)
{
    for (int i = 0; name && i < notify_webhook_nkinds; i++)
        if (strcmp (name, notify_webhook_kinds[i].name) == 0)
            return i;
    return -1;
}

int
notify_webhook_kind_of (const char *envelope_type)
{
    for (int i = 0; envelope_type && i < notify_webhook_nkinds; i++)
        if (strcmp (envelope_type, notify_webhook_kinds[i].descriptor->name) == 0)
            return i;
    return -1;
}

uint64_t
notify_webhook_ticket (int kind, const ProtobufCMessage *msg)
{
    if (!msg)
        return 0;
    switch (kind) {
    case K_CREATED: {
        const Balcao__V1__TicketCreated *e = (const void *) msg;
        return e->ticket ? e->ticket->number : 0;
    }
    case K_STATUS: return ((const Balcao__V1__TicketStatusChanged *) msg)->number;
    case K_MESSAGE: return ((const Balcao__V1__MessageAppended *) msg)->ticket;
    case K_ASSIGNED: return ((const Balcao__V1__TicketAssigned *) msg)->number;
    case K_FIELD: return ((const Balcao__V1__TicketFieldChanged *) msg)->number;
    case K_ESCALATED: return ((const Balcao__V1__TicketEscalated *) msg)->number;
    case K_SLA_WARNING: return ((const Balcao__V1__SlaWarning *) msg)->number;
    case K_SLA_BREACHED: return ((const Balcao__V1__SlaBreached *) msg)->number;
    case K_MERGED: return ((const Balcao__V1__TicketMerged *) msg)->from;
    case K_RATED: return ((const Balcao__V1__TicketRated *) msg)->number;
    default: return 0;
    }
}

static int
s_is (const char *s, const char *value)
{
    return s && strcmp (s, value) == 0;
}

int
notify_webhook_is_public (int kind, const ProtobufCMessage *msg)
{
    if (kind != K_MESSAGE || !msg)
        return 1;
    const Balcao__V1__MessageAppended *e = (const void *) msg;
    return e->message && !e->message->is_internal && !s_is (e->message->direction, "internal");
}

void
notify_webhook_time (int64_t time_us, char *out, size_t size)
{
    time_t secs = (time_t) (time_us / 1000000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    char day[32];
    strftime (day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out, size, "%s.%03dZ", day, (int) ((time_us / 1000) % 1000));
}

/* ---- the document ---- */

/* A JSON string of s: invalid UTF-8 bytes become U+FFFD (jansson refuses
 * them, and a subscriber should still get the rest of a body). */
static json_t *
s_str (const char *s)
{
    if (!s)
        return json_string ("");
    json_t *j = json_string (s);
    if (j)
        return j;
    size_t n = strlen (s);
    char *clean = malloc (3 * n + 1), *o = clean;
    if (!clean)
        return json_string ("");
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                                 : (*p & 0xf8) == 0xf0 ? 4 : 0;
        size_t k = 1;
        while (len && k < len && (p[k] & 0xc0) == 0x80)
            k++;
        if (len && k == len && (len > 1 || *p < 0x80)) {
            memcpy (o, p, len);
            o += len;
            p += len;
        }
        else {
            memcpy (o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        }
    }
    *o = 0;
    j = json_string (clean);
    free (clean);
    return j ? j : json_string ("");
}

static void
s_set (json_t *obj, const char *key, const char *value)
{
    json_object_set_new (obj, key, s_str (value));
}

/* An instant as RFC 3339, or null for 0. */
static void
s_set_time (json_t *obj, const char *key, int64_t us)
{
    char when[40];
    notify_webhook_time (us, when, sizeof when);
    json_object_set_new (obj, key, us > 0 ? json_string (when) : json_null ());
}

static void
s_customer (json_t *data, const char *address, const char *name)
{
    json_object_set_new (data, "customer",
                         json_pack ("{s:o, s:o}", "address", s_str (address), "name",
                                    s_str (name)));
}

/* Subject and customer from notify's view, for events that do not carry
 * them. */
static void
s_view (json_t *data, const notify_webhook_view_t *view)
{
    s_set (data, "subject", view ? view->subject : "");
    s_customer (data, view ? view->customer_address : "", view ? view->customer_name : "");
}

static json_t *
s_message (const Balcao__V1__TicketMessage *m, int include_internal)
{
    json_t *o = json_object ();
    s_set (o, "direction", m->direction);
    s_set (o, "channel", m->channel);
    s_set (o, "author", m->author);
    s_set (o, "author_name", m->author_name);
    s_set (o, "body", m->body);
    s_set_time (o, "time", m->time_us);
    if (include_internal)
        json_object_set_new (o, "is_internal", json_boolean (m->is_internal));
    return o;
}

/* A status change's words are the customer's to read when notify sends
 * them to the customer (what we need, the resolution, their own reason
 * for rejecting it); an agent's reason for reopening or closing is not. */
static int
s_is_public_text (const char *action)
{
    return s_is (action, "request_info") || s_is (action, "resolve")
           || s_is (action, "resolve_with_problem") || s_is (action, "reject")
           || s_is (action, "customer_reply");
}

static void
s_created (json_t *d, const Balcao__V1__TicketCreated *e, int include_internal)
{
    const Balcao__V1__Ticket *t = e->ticket;
    if (!t)
        return;
    s_set (d, "subject", t->subject);
    s_customer (d, t->customer_address, t->customer_name);
    s_set (d, "status", t->status);
    s_set (d, "category", t->category);
    s_set (d, "tier", t->tier);
    s_set (d, "priority", t->priority);
    s_set (d, "channel", t->channel);
    s_set (d, "language", t->language);
    s_set_time (d, "first_response_due", t->first_response_due_us);
    s_set_time (d, "resolution_due", t->resolution_due_us);
    if (t->n_messages > 0 && t->messages[0] && (include_internal || !t->messages[0]->is_internal))
        json_object_set_new (d, "message", s_message (t->messages[0], include_internal));
}

static void
s_status (json_t *d, const Balcao__V1__TicketStatusChanged *e, int include_internal)
{
    s_set (d, "from", e->from_status);
    s_set (d, "to", e->to_status);
    s_set (d, "action", e->action);
    s_set (d, "tier", e->tier);
    s_set (d, "by", e->by);
    if (include_internal || s_is_public_text (e->action))
        s_set (d, "text", e->text);
    if (*e->fix_reference)
        s_set (d, "fix_reference", e->fix_reference);
    s_set_time (d, "auto_close", e->auto_close_us);
}

static void
s_escalated (json_t *d, const Balcao__V1__TicketEscalated *e, int include_internal)
{
    s_set (d, "from_tier", e->from_tier);
    s_set (d, "to_tier", e->to_tier);
    s_set (d, "direction", e->direction);
    s_set (d, "by", e->by);
    if (include_internal) {
        s_set (d, "reason", e->reason);
        s_set (d, "tried", e->tried);
        s_set (d, "note", e->note);
    }
}

static void
s_sla (json_t *d, const char *target, int64_t due_us, const char *priority, const char *tier,
       const char *assignee)
{
    s_set (d, "target", target);
    s_set_time (d, "due", due_us);
    s_set (d, "priority", priority);
    s_set (d, "tier", tier);
    s_set (d, "assignee", assignee);
}

static void
s_data (json_t *d, int kind, const ProtobufCMessage *msg, const notify_webhook_view_t *view,
        int include_internal)
{
    if (kind != K_CREATED)
        s_view (d, view);
    switch (kind) {
    case K_CREATED: s_created (d, (const void *) msg, include_internal); break;
    case K_STATUS: s_status (d, (const void *) msg, include_internal); break;
    case K_MESSAGE: {
        const Balcao__V1__MessageAppended *e = (const void *) msg;
        if (e->message)
            json_object_set_new (d, "message", s_message (e->message, include_internal));
        if (e->copied_from)
            json_object_set_new (d, "copied_from", json_integer ((json_int_t) e->copied_from));
        break;
    }
    case K_ASSIGNED: {
        const Balcao__V1__TicketAssigned *e = (const void *) msg;
        s_set (d, "agent", e->agent);
        s_set (d, "previous", e->previous);
        s_set (d, "reason", e->reason);
        s_set (d, "tier", e->tier);
        s_set (d, "by", e->by);
        break;
    }
    case K_FIELD: {
        const Balcao__V1__TicketFieldChanged *e = (const void *) msg;
        s_set (d, "field", e->field);
        s_set (d, "from", e->from_value);
        s_set (d, "to", e->to_value);
        s_set (d, "by", e->by);
        if (include_internal)
            s_set (d, "text", e->text);
        break;
    }
    case K_ESCALATED: s_escalated (d, (const void *) msg, include_internal); break;
    case K_SLA_WARNING: {
        const Balcao__V1__SlaWarning *e = (const void *) msg;
        s_sla (d, e->target, e->due_us, e->priority, e->tier, e->assignee);
        break;
    }
    case K_SLA_BREACHED: {
        const Balcao__V1__SlaBreached *e = (const void *) msg;
        s_sla (d, e->target, e->due_us, e->priority, e->tier, e->assignee);
        json_t *actions = json_array ();
        for (size_t i = 0; i < e->n_actions; i++)
            json_array_append_new (actions, s_str (e->actions[i]));
        json_object_set_new (d, "actions", actions);
        break;
    }
    case K_MERGED: {
        const Balcao__V1__TicketMerged *e = (const void *) msg;
        json_object_set_new (d, "into", json_integer ((json_int_t) e->into));
        s_set (d, "by", e->by);
        break;
    }
    case K_RATED: {
        const Balcao__V1__TicketRated *e = (const void *) msg;
        json_object_set_new (d, "score", json_integer (e->score));
        s_set (d, "comment", e->comment);
        break;
    }
    default: break;
    }
}

char *
notify_webhook_json (int kind, const bc_envelope_t *ev, const ProtobufCMessage *msg,
                     const notify_webhook_view_t *view, int include_internal)
{
    if (kind < 0 || kind >= notify_webhook_nkinds || !msg)
        return NULL;
    uint64_t number = notify_webhook_ticket (kind, msg);
    json_t *data = json_object ();
    json_object_set_new (data, "number", json_integer ((json_int_t) number));
    s_data (data, kind, msg, view, include_internal);
    char when[40];
    notify_webhook_time (ev->time_us, when, sizeof when);
    json_t *root = json_pack ("{s:o, s:s, s:s, s:I, s:I, s:o}", "id", s_str (ev->id), "type",
                              notify_webhook_kinds[kind].type, "time", when, "seq",
                              (json_int_t) ev->seq, "ticket", (json_int_t) number, "data", data);
    char *out = root ? json_dumps (root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref (root);
    return out;
}

/* ---- the signature ---- */

void
notify_webhook_sign (const char *secret, long long t, const char *body, size_t len, char *out,
                     size_t size)
{
    char stamp[32];
    int n = snprintf (stamp, sizeof stamp, "%lld.", t);
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init (&st, (const unsigned char *) secret, strlen (secret));
    crypto_auth_hmacsha256_update (&st, (const unsigned char *) stamp, (unsigned long long) n);
    crypto_auth_hmacsha256_update (&st, (const unsigned char *) body, len);
    crypto_auth_hmacsha256_final (&st, mac);
    sodium_memzero (&st, sizeof st);
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    sodium_bin2hex (hex, sizeof hex, mac, sizeof mac);
    snprintf (out, size, "t=%lld,v1=%s", t, hex);
}

/* ---- the answer ---- */

/* Retry-After: delta-seconds or an HTTP date; 0 when absent or unreadable. */
static int64_t
s_retry_after_ms (const char *value, long long now_s)
{
    if (!value)
        return 0;
    while (*value == ' ')
        value++;
    if (*value >= '0' && *value <= '9') {
        long long s = strtoll (value, NULL, 10);
        return s > 0 ? s * 1000 : 0;
    }
    struct tm tm = {0};
    if (!strptime (value, "%a, %d %b %Y %H:%M:%S", &tm))
        return 0;
    long long at = (long long) timegm (&tm);
    return at > now_s ? (at - now_s) * 1000 : 0;
}

void
notify_webhook_classify (long status, const char *body, size_t len, const char *retry_after,
                         long long now_s, notify_webhook_result_t *r)
{
    r->code = (int) status;
    r->retry_after_ms = 0;
    if (status >= 200 && status < 300) {
        r->outcome = NOTIFY_WEBHOOK_DELIVERED;
        snprintf (r->reason, sizeof r->reason, "HTTP %ld", status);
        return;
    }
    /* The first 200 bytes of the answer, on one line. */
    char start[201];
    size_t n = body ? (len < 200 ? len : 200) : 0;
    for (size_t i = 0; i < n; i++)
        start[i] = body[i] == '\r' || body[i] == '\n' || body[i] == '\t' ? ' ' : body[i];
    start[n] = 0;
    snprintf (r->reason, sizeof r->reason, "HTTP %ld%s%s", status, n ? ": " : "", start);
    if (status == 408 || status == 429 || status >= 500) {
        r->outcome = NOTIFY_WEBHOOK_TEMPORARY;
        r->retry_after_ms = s_retry_after_ms (retry_after, now_s);
    }
    else
        r->outcome = NOTIFY_WEBHOOK_PERMANENT;
}
