/* notify_whatsapp: the WhatsApp Cloud API as notify's transport: builds
 * the JSON bodies of POST <api_url>/<phone_number_id>/messages (text,
 * interactive reply buttons, an approved template) with jansson, sends one
 * with libcurl (one kept-alive connection, Authorization: Bearer <token>)
 * and reads Meta's answer: the message id ("wamid....") or the error's
 * code and message, classified for the outbox (retry, fall back to the
 * template, or a dead letter). Blocking, no LMDB, no bus: notify runs it
 * on a worker thread (notify_outbox_wa.c).
 *
 *     notify_whatsapp_t *wa = notify_whatsapp_new (&config);
 *     char *body = notify_whatsapp_text_json ("5511987654321", "Olá!");
 *     notify_whatsapp_result_t r;
 *     notify_whatsapp_send (wa, body, strlen (body), &r);
 *     ... r.outcome, r.code, r.reason, r.wamid ...
 */
#ifndef NOTIFY_WHATSAPP_H
#define NOTIFY_WHATSAPP_H

#include <stddef.h>

typedef struct notify_whatsapp_t notify_whatsapp_t;

typedef struct {
    const char *api_url;         /* "https://graph.facebook.com/v21.0" */
    const char *phone_number_id; /* the business number's id at Meta */
    const char *token;           /* read from notify/whatsapp/token_file; never logged */
    long timeout_ms;             /* one request, connection included */
} notify_whatsapp_config_t;

typedef enum {
    NOTIFY_WA_OK,         /* Meta accepted it: wamid is set */
    NOTIFY_WA_TEMPORARY,  /* 5xx, no connection, timeout, our token: try again */
    NOTIFY_WA_RATE_LIMIT, /* 130429 (or HTTP 429): try again, after a longer wait */
    NOTIFY_WA_WINDOW,     /* 131047: outside the 24-hour window (a template may go) */
    NOTIFY_WA_PERMANENT,  /* any other refusal of the message (4xx): a dead letter */
} notify_whatsapp_outcome_t;

typedef struct {
    notify_whatsapp_outcome_t outcome;
    int code;         /* Meta's error code, else the HTTP status (0: none) */
    char reason[512]; /* "131047 (#131047) Re-engagement message: details", or what failed */
    char wamid[256];  /* NOTIFY_WA_OK: the message's id */
} notify_whatsapp_result_t;

/* Copies what it needs. NULL when libcurl cannot make a handle. Call
 * curl_global_init once before, on the main thread. */
notify_whatsapp_t *notify_whatsapp_new (const notify_whatsapp_config_t *config);
void notify_whatsapp_destroy (notify_whatsapp_t **self_p);

/* POSTs one JSON body; fills *result and returns its outcome. */
notify_whatsapp_outcome_t notify_whatsapp_send (notify_whatsapp_t *self, const char *body,
                                                size_t len, notify_whatsapp_result_t *result);

/* Reads Meta's answer (HTTP status, body) into *result: what
 * notify_whatsapp_send does after the request; apart for the tests. */
void notify_whatsapp_classify (long http_status, const char *body, size_t len,
                               notify_whatsapp_result_t *result);

/* ---- request bodies (malloc'd JSON, free with free) ---- */

/* The number to write to, digits only, from a customer's address
 * "whatsapp:+5511987654321" (or "+55 11 98765-4321", "5511987654321"):
 * into out (size n). Returns 0, or -1 when there are no 8 to 15 digits or
 * other letters are in it (an e-mail address). */
int notify_whatsapp_number (const char *address, char *out, size_t n);

/* A free text message (inside the 24-hour window), without link previews. */
char *notify_whatsapp_text_json (const char *to, const char *body);

/* One reply button. id comes back in the customer's answer; title (at
 * most 20 characters) is what they see and what their answer says. */
typedef struct {
    const char *id;
    const char *title;
} notify_whatsapp_button_t;

/* An interactive message with up to 3 reply buttons; footer may be NULL. */
char *notify_whatsapp_buttons_json (const char *to, const char *body, const char *footer,
                                    const notify_whatsapp_button_t *buttons, size_t n);

/* An interactive list (one section) with up to 10 rows: button is the
 * label of the button that opens it (at most 20 characters), each row's
 * title at most 24 (longer ones are cut with "…"). */
char *notify_whatsapp_list_json (const char *to, const char *body, const char *button,
                                 const notify_whatsapp_button_t *rows, size_t n);

/* text cut to at most max_chars characters (UTF-8), the last one "…" when
 * it was longer, into out (size bytes). */
void notify_whatsapp_cut (const char *text, size_t max_chars, char *out, size_t size);

/* An approved template by name, in language (e.g. "pt_BR"), its body's
 * parameters as texts ({{1}}, {{2}}...). */
char *notify_whatsapp_template_json (const char *to, const char *name, const char *language,
                                     const char *const *params, size_t n);

#endif
