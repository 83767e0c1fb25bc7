/* gateway_chat_parse: the web chat's request bodies, read (see
 * gateway_chat_parse.h). */
#include "gateway_chat_parse.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Code points of valid UTF-8 (jansson checked it). */
static size_t
s_chars (const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char) *s & 0xC0) != 0x80;
    return n;
}

/* Copies s without its surrounding white space into out (size bytes;
 * fits: the caller checked the length). */
static void
s_trim_copy (const char *s, char *out, size_t size)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen (s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy (out, s, n);
    out[n] = 0;
}

/* No control characters but line breaks and tabs (when allowed). */
static bool
s_clean (const char *s, bool lines)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if ((*p < 0x20 && !(lines && (*p == '\n' || *p == '\r' || *p == '\t'))) || *p == 0x7f)
            return false;
    return true;
}

static bool
s_token (const char *s, size_t max, const char *allowed)
{
    size_t n = strlen (s);
    return n >= 1 && n <= max && strspn (s, allowed) == n;
}

#define S_FAIL(p, e)                                                                          \
    do {                                                                                      \
        *pt = p;                                                                              \
        *en = e;                                                                              \
        goto done;                                                                            \
    } while (0)

/* A string field: NULL when absent; *bad when present and not a string. */
static const char *
s_string (json_t *obj, const char *field, bool *bad)
{
    json_t *v = json_object_get (obj, field);
    if (!v)
        return NULL;
    if (!json_is_string (v)) {
        *bad = true;
        return NULL;
    }
    return json_string_value (v);
}

bool
gateway_chat_parse (gateway_chat_kind_t kind, const char *body, size_t len,
                    gateway_chat_input_t *out, const char **pt, const char **en)
{
    memset (out, 0, sizeof *out);
    bool ok = false, bad = false;
    json_t *root = json_loadb (body ? body : "", body ? len : 0, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object (root))
        S_FAIL ("o corpo do pedido não é um objeto JSON válido",
                "the request body is not a valid JSON object");
    if (kind == GATEWAY_CHAT_START) {
        const char *language = s_string (root, "language", &bad);
        json_t *restart = json_object_get (root, "restart");
        if (bad || (language && strcmp (language, "pt-BR") != 0 && strcmp (language, "en") != 0))
            S_FAIL ("language: \"pt-BR\" ou \"en\"", "language: \"pt-BR\" or \"en\"");
        if (restart && !json_is_boolean (restart))
            S_FAIL ("restart: true ou false", "restart: true or false");
        snprintf (out->language, sizeof out->language, "%s", language ? language : "");
        out->restart = json_is_true (restart);
        ok = true;
        goto done;
    }
    if (kind == GATEWAY_CHAT_END) {
        ok = true;
        goto done;
    }
    const char *id = s_string (root, "id", &bad);
    if (bad || !id
        || !s_token (id, GATEWAY_CHAT_CLIENT_ID_MAX,
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
        S_FAIL ("id: de 1 a 64 letras, dígitos, - ou _ (o mesmo em cada nova tentativa da "
                "mesma mensagem)",
                "id: 1 to 64 letters, digits, - or _ (the same on each retry of one message)");
    snprintf (out->id, sizeof out->id, "%s", id);
    if (kind == GATEWAY_CHAT_MESSAGE) {
        const char *text = s_string (root, "text", &bad);
        const char *reply_id = s_string (root, "reply_id", &bad);
        if (bad || !text)
            S_FAIL ("escreva sua mensagem no campo text", "write your message in the text field");
        char trimmed[8];
        s_trim_copy (text, trimmed, sizeof trimmed);
        if (!*trimmed)
            S_FAIL ("a mensagem está vazia; escreva o que precisa",
                    "the message is empty; write what you need");
        if (s_chars (text) > GATEWAY_CHAT_TEXT_MAX || strlen (text) >= sizeof out->text)
            S_FAIL ("a mensagem passa de 2.000 caracteres; divida em mensagens menores",
                    "the message is over 2,000 characters; split it into shorter ones");
        if (!s_clean (text, true))
            S_FAIL ("a mensagem tem caracteres de controle; escreva só texto",
                    "the message has control characters; write plain text");
        if (reply_id && *reply_id
            && (!s_token (reply_id, GATEWAY_CHAT_REPLY_ID_MAX,
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:")
                || strcmp (reply_id, "contact") == 0))
            S_FAIL ("reply_id: o id de uma das opções do atendimento automático",
                    "reply_id: the id of one of the bot's options");
        s_trim_copy (text, out->text, sizeof out->text);
        snprintf (out->reply_id, sizeof out->reply_id, "%s", reply_id ? reply_id : "");
        ok = true;
        goto done;
    }
    /* GATEWAY_CHAT_CONTACT */
    const char *name = s_string (root, "name", &bad);
    const char *email = s_string (root, "email", &bad);
    char trimmed[8] = "";
    if (!bad && name)
        s_trim_copy (name, trimmed, sizeof trimmed);
    if (bad || !name || !*trimmed || strlen (name) > GATEWAY_CHAT_NAME_MAX || !s_clean (name, false))
        S_FAIL ("diga seu nome (até uns 150 caracteres)", "give your name (up to about 150 characters)");
    if (!email || !gateway_parse_address (email, out->email, sizeof out->email))
        S_FAIL ("este e-mail não parece válido; confira se está completo, como "
                "nome@exemplo.com.br",
                "this e-mail address does not look valid; check it is complete, like "
                "name@example.com");
    s_trim_copy (name, out->name, sizeof out->name);
    ok = true;
done:
    json_decref (root);
    return ok;
}
