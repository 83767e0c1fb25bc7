/* gateway_whatsapp_parse: see gateway_whatsapp_parse.h. Each message type
 * Meta sends becomes the text an agent reads on the ticket, in Portuguese
 * (the desk's language); what is not a customer's message (a reaction, an
 * edit, a deletion, a system notice, our own echoes) is a note instead. */
#include "gateway_whatsapp_parse.h"

#include "bc_phone.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
gateway_wa_signature_ok (const unsigned char *secret, size_t secret_len, const char *body,
                         size_t body_len, const char *header)
{
    if (!header || strncmp (header, "sha256=", 7) != 0 || strlen (header + 7) != 64)
        return false;
    unsigned char given[crypto_auth_hmacsha256_BYTES];
    size_t n = 0;
    if (sodium_hex2bin (given, sizeof given, header + 7, 64, NULL, &n, NULL) != 0
        || n != sizeof given)
        return false;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init (&st, secret, secret_len);
    crypto_auth_hmacsha256_update (&st, (const unsigned char *) body, body_len);
    crypto_auth_hmacsha256_final (&st, mac);
    return sodium_memcmp (mac, given, sizeof mac) == 0;
}

/* A string member, or "" (numbers too, as Meta sometimes sends them). */
static const char *
s_str (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    return json_is_string (v) ? json_string_value (v) : "";
}

static char *
s_dup (const char *text)
{
    return strdup (text ? text : "");
}

/* printf into a new string. */
static char *
s_format (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *out = NULL;
    if (vasprintf (&out, format, args) < 0)
        out = NULL;
    va_end (args);
    return out ? out : strdup ("");
}

static void
s_note (gateway_wa_batch_t *self, const char *format, ...)
{
    char **grown = realloc (self->notes, (self->n_notes + 1) * sizeof *grown);
    if (!grown)
        return;
    self->notes = grown;
    va_list args;
    va_start (args, format);
    char *line = NULL;
    if (vasprintf (&line, format, args) < 0)
        line = NULL;
    va_end (args);
    self->notes[self->n_notes++] = line ? line : strdup ("");
}

/* "131051: Message type unknown (Message type is currently not
 * supported.)" for an errors[] array, "" when there is none. */
static char *
s_errors_text (const json_t *errors, int64_t *code)
{
    const json_t *e = json_array_get (errors, 0);
    if (!json_is_object (e))
        return strdup ("");
    if (code)
        *code = json_integer_value (json_object_get (e, "code"));
    const char *details = s_str (json_object_get (e, "error_data"), "details");
    const char *title = *s_str (e, "title") ? s_str (e, "title") : s_str (e, "message");
    return s_format ("%lld: %s%s%s%s", (long long) json_integer_value (json_object_get (e, "code")),
                     title, *details ? " (" : "", details, *details ? ")" : "");
}

/* The media a message carries, as a reference and a line of text. */
static char *
s_media (gateway_wa_message_t *m, const json_t *media, const char *type)
{
    m->media_id = s_dup (s_str (media, "id"));
    m->mime_type = s_dup (s_str (media, "mime_type"));
    m->sha256 = s_dup (s_str (media, "sha256"));
    m->filename = s_dup (s_str (media, "filename"));
    const char *what = strcmp (type, "image") == 0      ? "Imagem"
                       : strcmp (type, "document") == 0 ? "Documento"
                       : strcmp (type, "video") == 0    ? "Vídeo"
                       : strcmp (type, "sticker") == 0  ? "Figurinha"
                       : json_is_true (json_object_get (media, "voice")) ? "Mensagem de voz"
                                                                         : "Áudio";
    const char *caption = s_str (media, "caption");
    return s_format ("[%s%s%s pelo WhatsApp: %s, mídia %s]%s%s", what, *m->filename ? " " : "",
                     m->filename, *m->mime_type ? m->mime_type : "tipo não informado",
                     *m->media_id ? m->media_id : "sem id", *caption ? "\n" : "", caption);
}

static char *
s_number (const json_t *v)
{
    if (json_is_number (v))
        return s_format ("%.7f", json_number_value (v));
    return s_dup (json_is_string (v) ? json_string_value (v) : "?");
}

static char *
s_location (const json_t *loc)
{
    char *lat = s_number (json_object_get (loc, "latitude"));
    char *lon = s_number (json_object_get (loc, "longitude"));
    const char *name = s_str (loc, "name"), *address = s_str (loc, "address");
    char *out = s_format ("Localização: %s, %s%s%s%s%s", lat, lon, *name || *address ? " — " : "",
                          name, *name && *address ? ", " : "", address);
    free (lat);
    free (lon);
    return out;
}

/* One line per shared contact: "Contato: Nome (+55 11 ..., e-mail)". */
static char *
s_contacts (const json_t *contacts)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&out, &size);
    if (!f)
        return strdup ("Contatos compartilhados");
    size_t i;
    const json_t *c;
    json_array_foreach (contacts, i, c) {
        const json_t *name = json_object_get (c, "name");
        const char *formatted = s_str (name, "formatted_name");
        fprintf (f, "%sContato: %s", i ? "\n" : "",
                 *formatted ? formatted : s_str (name, "first_name"));
        const char *sep = " (";
        size_t j;
        const json_t *p;
        json_array_foreach (json_object_get (c, "phones"), j, p) {
            fprintf (f, "%s%s", sep, s_str (p, "phone"));
            sep = ", ";
        }
        json_array_foreach (json_object_get (c, "emails"), j, p) {
            fprintf (f, "%s%s", sep, s_str (p, "email"));
            sep = ", ";
        }
        if (*sep == ',')
            fputc (')', f);
    }
    fclose (f);
    if (out && !*out) {
        free (out);
        out = strdup ("Contatos compartilhados (vazio)");
    }
    return out;
}

static char *
s_order (const json_t *order)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&out, &size);
    if (!f)
        return strdup ("Pedido");
    fprintf (f, "Pedido pelo WhatsApp (catálogo %s):", s_str (order, "catalog_id"));
    size_t i;
    const json_t *item;
    json_array_foreach (json_object_get (order, "product_items"), i, item) {
        char *price = s_number (json_object_get (item, "item_price"));
        fprintf (f, "\n- %lld × %s (%s %s)",
                 (long long) json_integer_value (json_object_get (item, "quantity")),
                 s_str (item, "product_retailer_id"), price, s_str (item, "currency"));
        free (price);
    }
    if (*s_str (order, "text"))
        fprintf (f, "\n%s", s_str (order, "text"));
    fclose (f);
    return out;
}

/* An interactive reply: the title the customer tapped (its id kept). */
static char *
s_interactive (gateway_wa_message_t *m, const json_t *inter, const json_t *value_errors)
{
    const char *kind = s_str (inter, "type");
    const json_t *r = json_object_get (inter, kind);
    if (strcmp (kind, "button_reply") == 0 || strcmp (kind, "list_reply") == 0) {
        m->reply_id = s_dup (s_str (r, "id"));
        const char *description = s_str (r, "description");
        return s_format ("%s%s%s", s_str (r, "title"), *description ? " — " : "", description);
    }
    if (strcmp (kind, "nfm_reply") == 0)
        return s_format ("Formulário respondido (%s): %s", s_str (r, "name"),
                         s_str (r, "response_json"));
    char *why = s_errors_text (value_errors, NULL);
    char *out = s_format ("[Resposta interativa do WhatsApp que o Balcão não sabe ler%s%s%s]",
                          *kind ? " (" : "", kind, *kind ? ")" : "");
    if (*why) {
        free (out);
        out = s_format ("[Resposta interativa do WhatsApp que não pôde ser lida: %s]", why);
    }
    free (why);
    return out;
}

/* The text of a message of a type we show; NULL (with a note) for one
 * that is not a customer's message. */
static char *
s_message_text (gateway_wa_batch_t *self, gateway_wa_message_t *m, const json_t *msg,
                const json_t *value_errors)
{
    const char *type = m->type;
    const json_t *body = json_object_get (msg, type);
    if (strcmp (type, "text") == 0) {
        char *text = s_dup (s_str (body, "body"));
        const json_t *ref = json_object_get (msg, "referral");
        if (json_is_object (ref)) {
            char *with = s_format ("%s\n(veio do anúncio «%s»: %s)", text, s_str (ref, "headline"),
                                   s_str (ref, "source_url"));
            free (text);
            text = with;
        }
        return text;
    }
    if (strcmp (type, "image") == 0 || strcmp (type, "document") == 0
        || strcmp (type, "audio") == 0 || strcmp (type, "video") == 0
        || strcmp (type, "sticker") == 0)
        return s_media (m, body, type);
    if (strcmp (type, "location") == 0)
        return s_location (body);
    if (strcmp (type, "contacts") == 0)
        return s_contacts (body);
    if (strcmp (type, "interactive") == 0)
        return s_interactive (m, body, value_errors);
    if (strcmp (type, "button") == 0) {
        m->reply_id = s_dup (s_str (body, "payload"));
        return s_dup (s_str (body, "text"));
    }
    if (strcmp (type, "order") == 0)
        return s_order (body);
    if (strcmp (type, "reaction") == 0) {
        const char *emoji = s_str (body, "emoji");
        s_note (self, "reaction %s to %s skipped: a reaction (%s) is not a new message", m->wamid,
                s_str (body, "message_id"), *emoji ? "emoji" : "removed");
        return NULL;
    }
    if (strcmp (type, "system") == 0 || strcmp (type, "revoke") == 0
        || strcmp (type, "edit") == 0) {
        s_note (self, "%s %s skipped: %s", type, m->wamid,
                strcmp (type, "system") == 0 ? "a WhatsApp system notice, not the customer's words"
                : strcmp (type, "edit") == 0 ? "edits of an earlier message are not applied yet"
                                             : "deletions of an earlier message are not applied");
        return NULL;
    }
    /* unsupported, or a type newer than this code: the agent sees that the
     * customer wrote something we could not show. */
    char *why = s_errors_text (json_object_get (msg, "errors"), NULL);
    char *out = *why ? s_format ("[Mensagem do WhatsApp que o Balcão não sabe mostrar (tipo %s; %s); "
                                 "peça ao cliente que a envie como texto]",
                                 type, why)
                     : s_format ("[Mensagem do WhatsApp que o Balcão não sabe mostrar (tipo %s); "
                                 "peça ao cliente que a envie como texto]",
                                 type);
    free (why);
    return out;
}

/* The profile name of the sender among the value's contacts[]. */
static const char *
s_profile_name (const json_t *contacts, const char *wa_id, const char *user_id)
{
    size_t i;
    const json_t *c;
    json_array_foreach (contacts, i, c) {
        if ((*wa_id && strcmp (s_str (c, "wa_id"), wa_id) == 0)
            || (*user_id && strcmp (s_str (c, "user_id"), user_id) == 0)
            || json_array_size (contacts) == 1)
            return s_str (json_object_get (c, "profile"), "name");
    }
    return "";
}

static void
s_message (gateway_wa_batch_t *self, const json_t *msg, const json_t *value)
{
    const char *wamid = s_str (msg, "id");
    const char *from = s_str (msg, "from"), *user_id = s_str (msg, "from_user_id");
    if (!*wamid || (!*from && !*user_id)) {
        s_note (self, "a message without %s skipped", *wamid ? "a sender" : "an id");
        return;
    }
    gateway_wa_message_t m = {0};
    m.wamid = s_dup (wamid);
    m.type = s_dup (*s_str (msg, "type") ? s_str (msg, "type") : "unknown");
    m.text = s_message_text (self, &m, msg, json_object_get (value, "errors"));
    if (!m.text) {
        free (m.wamid);
        free (m.type);
        free (m.reply_id);
        return;
    }
    if (!*m.text) {
        free (m.text);
        m.text = s_format ("[Mensagem vazia do WhatsApp (tipo %s)]", m.type);
    }
    const json_t *context = json_object_get (msg, "context");
    m.context_id = s_dup (s_str (context, "id"));
    m.is_forwarded = json_is_true (json_object_get (context, "forwarded"))
                     || json_is_true (json_object_get (context, "frequently_forwarded"));
    if (m.is_forwarded) {
        char *text = s_format ("[Encaminhada%s] %s",
                               json_is_true (json_object_get (context, "frequently_forwarded"))
                                   ? " muitas vezes"
                                   : "",
                               m.text);
        free (m.text);
        m.text = text;
    }
    m.wa_id = s_dup (from);
    /* The customer is the number's identity (a Brazilian mobile with its
     * ninth digit, however Meta sent it); wa_id stays as sent, to reply to. */
    char id[BC_PHONE_MAX];
    m.address = !*from ? s_format ("whatsapp:user:%s", user_id)
                : bc_phone_whatsapp_id (from, id, sizeof id) == 0 ? s_format ("whatsapp:+%s", id)
                                                                  : s_format ("whatsapp:+%s", from);
    m.name = s_dup (s_profile_name (json_object_get (value, "contacts"), from, user_id));
    m.reply_id = m.reply_id ? m.reply_id : strdup ("");
    if (!m.media_id) {
        m.media_id = strdup ("");
        m.mime_type = strdup ("");
        m.sha256 = strdup ("");
        m.filename = strdup ("");
    }
    gateway_wa_message_t *grown =
        realloc (self->messages, (self->n_messages + 1) * sizeof *grown);
    if (!grown)
        return;
    self->messages = grown;
    self->messages[self->n_messages++] = m;
}

static void
s_status (gateway_wa_batch_t *self, const json_t *st)
{
    if (!*s_str (st, "id") || !*s_str (st, "status")) {
        s_note (self, "a status without an id or a status skipped");
        return;
    }
    gateway_wa_status_t s = {0};
    s.wamid = s_dup (s_str (st, "id"));
    s.status = s_dup (s_str (st, "status"));
    s.recipient = s_dup (s_str (st, "recipient_id"));
    s.timestamp = strtoll (s_str (st, "timestamp"), NULL, 10);
    s.error_title = s_errors_text (json_object_get (st, "errors"), &s.error_code);
    gateway_wa_status_t *grown =
        realloc (self->statuses, (self->n_statuses + 1) * sizeof *grown);
    if (!grown)
        return;
    self->statuses = grown;
    self->statuses[self->n_statuses++] = s;
}

int
gateway_wa_parse (const char *body, size_t len, gateway_wa_batch_t **batch_p, char *err,
                  size_t err_size)
{
    *batch_p = NULL;
    json_error_t jerr;
    json_t *root = json_loadb (body, len, 0, &jerr);
    if (!json_is_object (root)) {
        snprintf (err, err_size, "the body is not a JSON object");
        json_decref (root);
        return -1;
    }
    if (strcmp (s_str (root, "object"), "whatsapp_business_account") != 0
        || !json_is_array (json_object_get (root, "entry"))) {
        snprintf (err, err_size,
                  "not a WhatsApp Business Account update (object \"whatsapp_business_account\" "
                  "with an entry array)");
        json_decref (root);
        return -1;
    }
    gateway_wa_batch_t *self = calloc (1, sizeof *self);
    size_t i, j, k;
    const json_t *entry, *change, *item;
    json_array_foreach (json_object_get (root, "entry"), i, entry) {
        json_array_foreach (json_object_get (entry, "changes"), j, change) {
            const json_t *value = json_object_get (change, "value");
            const char *field = s_str (change, "field");
            if (strcmp (field, "messages") != 0 || !json_is_object (value)) {
                s_note (self, "change of field \"%s\" skipped: only \"messages\" is read",
                        field);
                continue;
            }
            json_array_foreach (json_object_get (value, "messages"), k, item)
                s_message (self, item, value);
            json_array_foreach (json_object_get (value, "statuses"), k, item)
                s_status (self, item);
            if (!json_array_size (json_object_get (value, "messages"))) {
                char *why = s_errors_text (json_object_get (value, "errors"), NULL);
                if (*why)
                    s_note (self, "error from WhatsApp: %s", why);
                free (why);
            }
        }
    }
    json_decref (root);
    *batch_p = self;
    return 0;
}

void
gateway_wa_batch_destroy (gateway_wa_batch_t **self_p)
{
    gateway_wa_batch_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_messages; i++) {
        gateway_wa_message_t *m = &self->messages[i];
        free (m->wamid), free (m->address), free (m->wa_id), free (m->name), free (m->type);
        free (m->text), free (m->context_id), free (m->reply_id);
        free (m->media_id), free (m->mime_type), free (m->sha256), free (m->filename);
    }
    for (size_t i = 0; i < self->n_statuses; i++) {
        gateway_wa_status_t *s = &self->statuses[i];
        free (s->wamid), free (s->status), free (s->recipient), free (s->error_title);
    }
    for (size_t i = 0; i < self->n_notes; i++)
        free (self->notes[i]);
    free (self->messages);
    free (self->statuses);
    free (self->notes);
    free (self);
    *self_p = NULL;
}
