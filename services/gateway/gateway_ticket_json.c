/* gateway_ticket_json: tickets as the portal's JSON, and the checks of what
 * a customer sends (see gateway_ticket_json.h). */
#include "gateway_ticket_json.h"

#include "gateway_http.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
s_is_status (const Balcao__V1__Ticket *t, const char *status)
{
    return strcmp (t->status, status) == 0;
}

json_t *
gateway_ticket_promise (const Balcao__V1__Ticket *t)
{
    const char *kind, *state = NULL;
    int64_t due = 0;
    if (s_is_status (t, "fechado"))
        kind = "done";
    else if (s_is_status (t, "resolvido")) {
        kind = "validation";
        due = t->auto_close_us;
        state = due ? "running" : NULL;
    }
    else if (s_is_status (t, "aguardando_cliente"))
        kind = "waiting_customer";
    else if (!t->first_response_us) {
        kind = "first_response";
        due = t->first_response_due_us;
        state = *t->first_response_sla ? t->first_response_sla : NULL;
    }
    else {
        kind = "resolution";
        due = t->resolution_due_us; /* 0 while the clock is paused */
        state = *t->resolution_sla ? t->resolution_sla : NULL;
    }
    return json_pack ("{s:s, s:o, s:o}", "kind", kind, "due", gateway_http_time (due), "state",
                      state ? json_string (state) : json_null ());
}

json_t *
gateway_ticket_summary (const Balcao__V1__Ticket *t)
{
    return json_pack ("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "number",
                      (json_int_t) t->number, "subject", t->subject, "status", t->status, "tier",
                      t->tier, "category", t->category, "priority", t->priority, "created_at",
                      gateway_http_time (t->created_us), "updated_at",
                      gateway_http_time (t->updated_us), "message_count",
                      (json_int_t) (t->message_count - (t->internal_count < t->message_count
                                                            ? t->internal_count
                                                            : t->message_count)),
                      "promise", gateway_ticket_promise (t));
}

static bool
s_is_public (const Balcao__V1__TicketMessage *m)
{
    return !m->is_internal && strcmp (m->direction, "internal") != 0;
}

/* Who wrote m, as the customer should read it: the customer's own name,
 * a colleague's name (or address), the agent's name (never their
 * principal). */
static const char *
s_author_name (const Balcao__V1__Ticket *t, const Balcao__V1__TicketMessage *m)
{
    if (strcmp (m->direction, "inbound") == 0) {
        if (strcasecmp (m->author, t->customer_address) == 0)
            return *t->customer_name ? t->customer_name : t->customer_address;
        return *m->author_name ? m->author_name : m->author;
    }
    return *m->author_name ? m->author_name : "Equipe de suporte";
}

static json_t *
s_message (const Balcao__V1__Ticket *t, const Balcao__V1__TicketMessage *m, size_t index)
{
    json_t *files = json_array ();
    for (size_t i = 0; i < m->n_attachments; i++) {
        const Balcao__V1__Attachment *a = m->attachments[i];
        char url[160];
        snprintf (url, sizeof url, "/api/v1/tickets/%llu/attachments/%s",
                  (unsigned long long) t->number, a->sha256);
        json_array_append_new (files, json_pack ("{s:s, s:s, s:s, s:I, s:s}", "sha256", a->sha256,
                                                 "filename", a->filename, "content_type",
                                                 a->content_type, "size", (json_int_t) a->size,
                                                 "url", url));
    }
    bool is_inbound = strcmp (m->direction, "inbound") == 0;
    char id[48];
    if (*m->message_ref)
        snprintf (id, sizeof id, "%s", m->message_ref);
    else
        snprintf (id, sizeof id, "%llu-%zu", (unsigned long long) t->number, index + 1);
    return json_pack ("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "id", id, "direction",
                      is_inbound ? "inbound" : "outbound", "author_name", s_author_name (t, m),
                      "body", is_inbound && *m->reply ? m->reply : m->body, "time",
                      gateway_http_time (m->time_us), "channel", m->channel, "attachments",
                      files);
}

json_t *
gateway_ticket_full (const Balcao__V1__Ticket *t, const char *principal, bool by_token)
{
    json_t *out = gateway_ticket_summary (t);
    json_t *messages = json_array ();
    for (size_t i = 0; i < t->n_messages; i++)
        if (s_is_public (t->messages[i]))
            json_array_append_new (messages, s_message (t, t->messages[i], i));
    bool is_customer = !by_token && strncmp (principal, "customer:", 9) == 0;
    bool is_own = is_customer && strcasecmp (principal + 9, t->customer_address) == 0;
    bool is_resolved = s_is_status (t, "resolvido");
    bool is_closed = s_is_status (t, "fechado");
    json_object_set_new (out, "message_count", json_integer ((json_int_t) json_array_size (messages)));
    json_object_set_new (out, "customer", json_pack ("{s:s, s:s}", "name", t->customer_name,
                                                     "address", t->customer_address));
    json_object_set_new (out, "messages", messages);
    json_object_set_new (out, "resolution", json_string (t->resolution));
    json_object_set_new (out, "rating",
                         t->csat_score ? json_pack ("{s:i, s:s}", "score", (int) t->csat_score,
                                                    "comment", t->csat_comment)
                                       : json_null ());
    json_object_set_new (out, "can_accept", json_boolean (is_own && is_resolved));
    json_object_set_new (out, "can_reject", json_boolean (is_own && is_resolved));
    json_object_set_new (out, "can_rate",
                         json_boolean (is_own && is_closed && !t->csat_score && !t->merged_into));
    json_object_set_new (out, "can_reply", json_boolean (is_customer && !is_closed));
    json_object_set_new (out, "auto_close_at",
                         gateway_http_time (is_resolved ? t->auto_close_us : 0));
    return out;
}

bool
gateway_ticket_has_file (const Balcao__V1__Ticket *t, const char *sha256,
                         const Balcao__V1__Attachment **found)
{
    for (size_t i = 0; i < t->n_messages; i++) {
        const Balcao__V1__TicketMessage *m = t->messages[i];
        if (!s_is_public (m))
            continue;
        for (size_t j = 0; j < m->n_attachments; j++)
            if (strcmp (m->attachments[j]->sha256, sha256) == 0) {
                if (found)
                    *found = m->attachments[j];
                return true;
            }
    }
    return false;
}

static int
s_compare (const void *a, const void *b)
{
    const Balcao__V1__Ticket *x = *(Balcao__V1__Ticket *const *) a;
    const Balcao__V1__Ticket *y = *(Balcao__V1__Ticket *const *) b;
    int x_done = s_is_status (x, "fechado"), y_done = s_is_status (y, "fechado");
    if (x_done != y_done)
        return x_done - y_done;
    if (x->updated_us != y->updated_us)
        return x->updated_us > y->updated_us ? -1 : 1;
    return x->number > y->number ? -1 : x->number < y->number;
}

void
gateway_ticket_sort (Balcao__V1__Ticket **list, size_t n)
{
    if (n > 1)
        qsort (list, n, sizeof *list, s_compare);
}

/* The two sentences, each formatted with the same arguments. */
static void
s_why (gateway_ticket_why_t *why, const char *pt, const char *en, ...)
{
    va_list args, again;
    va_start (args, en);
    va_copy (again, args);
    vsnprintf (why->pt, sizeof why->pt, pt, args);
    vsnprintf (why->en, sizeof why->en, en, again);
    va_end (again);
    va_end (args);
}

bool
gateway_ticket_text (json_t *body, const char *field, size_t min, size_t max, bool is_multiline,
                     bool is_required, const char **out, gateway_ticket_why_t *why)
{
    json_t *value = json_object_get (body, field);
    *out = "";
    if (!value || json_is_null (value)) {
        if (!is_required)
            return true;
        s_why (why, "o campo \"%s\" é obrigatório (de %zu a %zu caracteres)",
               "the field \"%s\" is required (%zu to %zu characters)", field, min, max);
        return false;
    }
    if (!json_is_string (value)) {
        s_why (why, "o campo \"%s\" deve ser um texto (de %zu a %zu caracteres)",
               "the field \"%s\" must be a string (%zu to %zu characters)", field, min, max);
        return false;
    }
    /* jansson accepts only valid UTF-8 and no NUL: count code points. */
    const char *text = json_string_value (value);
    size_t bytes = json_string_length (value), chars = 0;
    bool has_control = strlen (text) != bytes;
    for (size_t i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char) text[i];
        if ((c & 0xC0) != 0x80)
            chars++;
        if ((c < 0x20 && !(is_multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
            has_control = true;
    }
    if (has_control) {
        s_why (why, "o campo \"%s\" tem caracteres de controle que não podemos guardar",
               "the field \"%s\" has control characters we cannot store", field);
        return false;
    }
    size_t trimmed = strspn (text, " \t\r\n") == bytes ? 0 : chars;
    if (trimmed < min || chars > max) {
        s_why (why, "o campo \"%s\" deve ter de %zu a %zu caracteres",
               "the field \"%s\" must have %zu to %zu characters", field, min, max);
        return false;
    }
    *out = text;
    return true;
}

void
gateway_ticket_files_free (Balcao__V1__SubmitFile **files, size_t n_files)
{
    for (size_t i = 0; files && i < n_files; i++) {
        free (files[i]->content.data);
        free (files[i]);
    }
    free (files);
}

/* "type/subtype" in the characters of RFC 6838 names. */
static bool
s_is_media_type (const char *type)
{
    const char *slash = strchr (type, '/');
    if (!slash || slash == type || !slash[1] || strchr (slash + 1, '/') || strlen (type) > 127)
        return false;
    for (const char *p = type; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr ("!#$&^_.+-/", *p)))
            return false;
    return true;
}

bool
gateway_ticket_files (json_t *body, size_t max_files, Balcao__V1__SubmitFile ***files,
                      size_t *n_files, gateway_ticket_why_t *why)
{
    *files = NULL;
    *n_files = 0;
    json_t *list = json_object_get (body, "attachments");
    if (!list || json_is_null (list))
        return true;
    if (!json_is_array (list) || json_array_size (list) > max_files) {
        s_why (why, "o campo \"attachments\" deve ser uma lista de no máximo %zu arquivos",
               "the field \"attachments\" must be a list of at most %zu files", max_files);
        return false;
    }
    *files = calloc (json_array_size (list) + 1, sizeof **files);
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item)
    {
        char field[48];
        snprintf (field, sizeof field, "attachments[%zu]", i);
        const char *name, *type;
        gateway_ticket_why_t inner;
        if (!json_is_object (item)) {
            s_why (why, "o campo \"%s\" deve ser um objeto {filename, content_type, "
                        "content_base64}",
                   "the field \"%s\" must be an object {filename, content_type, "
                   "content_base64}", field);
            goto refused;
        }
        if (!gateway_ticket_text (item, "filename", 1, 255, false, true, &name, &inner) ||
            !gateway_ticket_text (item, "content_type", 0, 127, false, false, &type, &inner)) {
            snprintf (why->pt, sizeof why->pt, "%s: %.200s", field, inner.pt);
            snprintf (why->en, sizeof why->en, "%s: %.200s", field, inner.en);
            goto refused;
        }
        if (strpbrk (name, "/\\")) {
            s_why (why, "o campo \"%s.filename\" não pode ter barras (/ ou \\)",
                   "the field \"%s.filename\" cannot have slashes (/ or \\)", field);
            goto refused;
        }
        if (*type && !s_is_media_type (type)) {
            s_why (why, "o campo \"%s.content_type\" deve ser \"tipo/subtipo\" (ex.: image/png)",
                   "the field \"%s.content_type\" must be \"type/subtype\" (e.g. image/png)",
                   field);
            goto refused;
        }
        json_t *b64 = json_object_get (item, "content_base64");
        const char *text = json_string_value (b64);
        size_t text_len = text ? json_string_length (b64) : 0;
        size_t max_len = text_len / 4 * 3 + 3, len = 0;
        unsigned char *data = malloc (max_len);
        if (!text || !data ||
            sodium_base642bin (data, max_len, text, text_len, NULL, &len, NULL,
                               sodium_base64_VARIANT_ORIGINAL) != 0) {
            free (data);
            s_why (why, "o campo \"%s.content_base64\" não é base64 padrão válido",
                   "the field \"%s.content_base64\" is not valid standard base64", field);
            goto refused;
        }
        Balcao__V1__SubmitFile *f = calloc (1, sizeof *f);
        balcao__v1__submit_file__init (f);
        f->filename = (char *) name;
        f->content_type = (char *) type;
        f->content.data = data;
        f->content.len = len;
        (*files)[(*n_files)++] = f;
    }
    return true;
refused:
    gateway_ticket_files_free (*files, *n_files);
    *files = NULL;
    *n_files = 0;
    return false;
}

/* client_ref: the form's own id (a UUID): 1 to 64 of A-Z a-z 0-9 - _. */
bool
gateway_ticket_client_ref (json_t *body, const char **out, gateway_ticket_why_t *why)
{
    const char *text = json_string_value (json_object_get (body, "client_ref"));
    size_t len = text ? strlen (text) : 0;
    if (len >= 1 && len <= 64 &&
        strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == len) {
        *out = text;
        return true;
    }
    snprintf (why->pt, sizeof why->pt, "o campo \"client_ref\" é obrigatório: de 1 a 64 letras, "
                                       "dígitos, '-' ou '_' (um UUID)");
    snprintf (why->en, sizeof why->en, "the field \"client_ref\" is required: 1 to 64 letters, "
                                       "digits, '-' or '_' (a UUID)");
    return false;
}

/* suggestions_opened: the knowledge-base articles the customer opened
 * while writing (at most 20 ids of 1 to 100 characters). */
bool
gateway_ticket_suggestions (json_t *body, gateway_ticket_why_t *why)
{
    json_t *list = json_object_get (body, "suggestions_opened");
    if (!list || json_is_null (list))
        return true;
    bool is_ok = json_is_array (list) && json_array_size (list) <= 20;
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item)
    {
        size_t len = json_string_length (item);
        is_ok = is_ok && json_is_string (item) && len >= 1 && len <= 100;
    }
    if (!is_ok) {
        snprintf (why->pt, sizeof why->pt, "o campo \"suggestions_opened\" deve ser uma lista de "
                                           "até 20 ids de artigos");
        snprintf (why->en, sizeof why->en, "the field \"suggestions_opened\" must be a list of at "
                                           "most 20 article ids");
    }
    return is_ok;
}

