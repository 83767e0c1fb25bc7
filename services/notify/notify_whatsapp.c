/* notify_whatsapp: request bodies for the WhatsApp Cloud API, one POST per
 * message over a kept-alive libcurl handle, and what Meta's answer means
 * (see notify_whatsapp.h). The token goes in the Authorization header and
 * nowhere else: never in a log line, an error or a record. */
#include "notify_whatsapp.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify_whatsapp_t {
    CURL *curl;
    char url[1024];
    char *auth; /* "Authorization: Bearer <token>" */
    long timeout_ms;
    char error[CURL_ERROR_SIZE];
    /* The answer's body, at most 64 KiB kept. */
    char *body;
    size_t len, cap;
};

/* ---- request bodies ---- */

int
notify_whatsapp_number (const char *address, char *out, size_t n)
{
    if (!address || n < 16)
        return -1;
    if (strncmp (address, "whatsapp:", 9) == 0)
        address += 9;
    size_t k = 0;
    for (const char *p = address; *p; p++) {
        if (isdigit ((unsigned char) *p)) {
            if (k + 1 >= n)
                return -1;
            out[k++] = *p;
        }
        else if (!strchr ("+ -().", *p))
            return -1;
    }
    out[k] = 0;
    return k >= 8 && k <= 15 ? 0 : -1;
}

static json_t *
s_message (const char *to, const char *type)
{
    return json_pack ("{s:s, s:s, s:s, s:s}", "messaging_product", "whatsapp",
                      "recipient_type", "individual", "to", to, "type", type);
}

static char *
s_dump (json_t *root)
{
    char *out = root ? json_dumps (root, JSON_COMPACT) : NULL;
    json_decref (root);
    return out;
}

char *
notify_whatsapp_text_json (const char *to, const char *body)
{
    json_t *root = s_message (to, "text");
    if (root)
        json_object_set_new (root, "text",
                             json_pack ("{s:b, s:s}", "preview_url", 0, "body", body));
    return s_dump (root);
}

char *
notify_whatsapp_buttons_json (const char *to, const char *body, const char *footer,
                              const notify_whatsapp_button_t *buttons, size_t n)
{
    json_t *root = s_message (to, "interactive");
    if (!root)
        return NULL;
    json_t *list = json_array ();
    for (size_t i = 0; i < n && i < 3; i++)
        json_array_append_new (list, json_pack ("{s:s, s:{s:s, s:s}}", "type", "reply", "reply",
                                                "id", buttons[i].id, "title", buttons[i].title));
    json_t *interactive = json_pack ("{s:s, s:{s:s}, s:{s:o}}", "type", "button", "body", "text",
                                     body, "action", "buttons", list);
    if (interactive && footer && *footer)
        json_object_set_new (interactive, "footer", json_pack ("{s:s}", "text", footer));
    json_object_set_new (root, "interactive", interactive);
    return s_dump (root);
}

char *
notify_whatsapp_list_json (const char *to, const char *body, const char *button,
                           const notify_whatsapp_button_t *rows, size_t n)
{
    json_t *root = s_message (to, "interactive");
    if (!root)
        return NULL;
    json_t *list = json_array ();
    for (size_t i = 0; i < n && i < 10; i++) {
        char title[128];
        notify_whatsapp_cut (rows[i].title, 24, title, sizeof title);
        json_array_append_new (list, json_pack ("{s:s, s:s}", "id", rows[i].id, "title", title));
    }
    char label[96];
    notify_whatsapp_cut (button, 20, label, sizeof label);
    /* One section, titled as its button (Meta's list shows it above). */
    json_t *interactive = json_pack ("{s:s, s:{s:s}, s:{s:s, s:[{s:s, s:o}]}}", "type", "list",
                                     "body", "text", body, "action", "button", label, "sections",
                                     "title", label, "rows", list);
    json_object_set_new (root, "interactive", interactive);
    return s_dump (root);
}

void
notify_whatsapp_cut (const char *text, size_t max_chars, char *out, size_t size)
{
    size_t used = 0, chars = 0;
    const unsigned char *p = (const unsigned char *) (text ? text : "");
    while (*p && chars < max_chars) {
        size_t len = (*p & 0x80) == 0 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
        if (used + len + 1 > size)
            break;
        size_t k = 0;
        while (k < len && p[k])
            k++;
        if (k < len)
            break; /* a character cut short at the end */
        memcpy (out + used, p, len);
        used += len;
        p += len;
        chars++;
    }
    if (*p && chars == max_chars && used >= 1) {
        /* Too long: the last character becomes "…" when it fits. */
        size_t back = used - 1;
        while (back > 0 && (((unsigned char) out[back]) & 0xc0) == 0x80)
            back--;
        if (back + 4 <= size) {
            memcpy (out + back, "\xe2\x80\xa6", 3);
            used = back + 3;
        }
    }
    out[used] = 0;
}

char *
notify_whatsapp_template_json (const char *to, const char *name, const char *language,
                               const char *const *params, size_t n)
{
    json_t *root = s_message (to, "template");
    if (!root)
        return NULL;
    json_t *list = json_array ();
    for (size_t i = 0; i < n; i++)
        json_array_append_new (list, json_pack ("{s:s, s:s}", "type", "text", "text",
                                                params[i] && *params[i] ? params[i] : "-"));
    json_t *tpl = json_pack ("{s:s, s:{s:s, s:s}}", "name", name, "language", "policy",
                             "deterministic", "code", language);
    if (tpl && n)
        json_object_set_new (tpl, "components",
                             json_pack ("[{s:s, s:o}]", "type", "body", "parameters", list));
    else
        json_decref (list);
    json_object_set_new (root, "template", tpl);
    return s_dump (root);
}

/* ---- Meta's answer ---- */

void
notify_whatsapp_classify (long http_status, const char *body, size_t len,
                          notify_whatsapp_result_t *r)
{
    r->code = (int) http_status;
    r->reason[0] = 0;
    r->wamid[0] = 0;
    json_t *root = body && len ? json_loadb (body, len, 0, NULL) : NULL;
    json_t *error = json_object_get (root, "error");
    if (http_status >= 200 && http_status < 300 && !error) {
        const char *id = json_string_value (
            json_object_get (json_array_get (json_object_get (root, "messages"), 0), "id"));
        if (id && *id) {
            snprintf (r->wamid, sizeof r->wamid, "%s", id);
            r->outcome = NOTIFY_WA_OK;
            snprintf (r->reason, sizeof r->reason, "%ld %s", http_status, id);
        }
        else {
            /* Taken, but not as documented: the message may have gone;
             * trying again risks a duplicate, so say it plainly. */
            r->outcome = NOTIFY_WA_PERMANENT;
            snprintf (r->reason, sizeof r->reason,
                      "HTTP %ld without a message id in the answer", http_status);
        }
        json_decref (root);
        return;
    }
    json_int_t code = json_integer_value (json_object_get (error, "code"));
    const char *message = json_string_value (json_object_get (error, "message"));
    const char *details =
        json_string_value (json_object_get (json_object_get (error, "error_data"), "details"));
    if (code)
        r->code = (int) code;
    if (error)
        snprintf (r->reason, sizeof r->reason, "%lld %s%s%s", (long long) code,
                  message ? message : "", details ? ": " : "", details ? details : "");
    else
        snprintf (r->reason, sizeof r->reason, "HTTP %ld", http_status);
    if (code == 130429 || code == 4 || code == 80007 || http_status == 429)
        r->outcome = NOTIFY_WA_RATE_LIMIT;
    else if (code == 131047)
        r->outcome = NOTIFY_WA_WINDOW;
    /* 5xx, Meta's own temporary errors (1, 2, 131000, 131016) and our
     * token or permissions (401/403, 190): not the message's fault. */
    else if (http_status >= 500 || http_status == 401 || http_status == 403 || code == 1
             || code == 2 || code == 190 || code == 131000 || code == 131016)
        r->outcome = NOTIFY_WA_TEMPORARY;
    else
        r->outcome = NOTIFY_WA_PERMANENT;
    json_decref (root);
}

/* ---- the transport ---- */

static size_t
s_write (char *data, size_t size, size_t nmemb, void *arg)
{
    notify_whatsapp_t *self = arg;
    size_t n = size * nmemb;
    if (self->len + n + 1 > self->cap && self->len + n < 65536) {
        size_t cap = (self->len + n + 1) * 2;
        char *grown = realloc (self->body, cap);
        if (grown) {
            self->body = grown;
            self->cap = cap;
        }
    }
    if (self->len + n + 1 <= self->cap) {
        memcpy (self->body + self->len, data, n);
        self->len += n;
        self->body[self->len] = 0;
    }
    return n;
}

notify_whatsapp_t *
notify_whatsapp_new (const notify_whatsapp_config_t *config)
{
    notify_whatsapp_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->curl = curl_easy_init ();
    if (!self->curl) {
        free (self);
        return NULL;
    }
    const char *base = config->api_url ? config->api_url : "";
    size_t blen = strlen (base);
    while (blen && base[blen - 1] == '/')
        blen--;
    snprintf (self->url, sizeof self->url, "%.*s/%s/messages", (int) blen, base,
              config->phone_number_id ? config->phone_number_id : "");
    const char *token = config->token ? config->token : "";
    size_t alen = strlen (token) + 32;
    self->auth = malloc (alen);
    snprintf (self->auth, alen, "Authorization: Bearer %s", token);
    self->timeout_ms = config->timeout_ms > 0 ? config->timeout_ms : 10000;
    return self;
}

void
notify_whatsapp_destroy (notify_whatsapp_t **self_p)
{
    notify_whatsapp_t *self = *self_p;
    if (!self)
        return;
    curl_easy_cleanup (self->curl);
    if (self->auth) {
        memset (self->auth, 0, strlen (self->auth));
        free (self->auth);
    }
    free (self->body);
    free (self);
    *self_p = NULL;
}

notify_whatsapp_outcome_t
notify_whatsapp_send (notify_whatsapp_t *self, const char *body, size_t len,
                      notify_whatsapp_result_t *result)
{
    CURL *c = self->curl;
    struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
    headers = curl_slist_append (headers, self->auth);
    curl_easy_reset (c); /* keeps the connection cache */
    curl_easy_setopt (c, CURLOPT_URL, self->url);
    curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (c, CURLOPT_WRITEDATA, self);
    curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt (c, CURLOPT_ERRORBUFFER, self->error);
    self->error[0] = 0;
    self->len = 0;
    if (self->body)
        self->body[0] = 0;
    CURLcode rc = curl_easy_perform (c);
    curl_slist_free_all (headers);
    if (rc != CURLE_OK) {
        /* No answer (no connection, a timeout): Meta may or may not have
         * the message; the outbox tries again. */
        result->outcome = NOTIFY_WA_TEMPORARY;
        result->code = 0;
        result->wamid[0] = 0;
        snprintf (result->reason, sizeof result->reason, "%s",
                  self->error[0] ? self->error : curl_easy_strerror (rc));
        return result->outcome;
    }
    long status = 0;
    curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
    notify_whatsapp_classify (status, self->body, self->len, result);
    return result->outcome;
}
