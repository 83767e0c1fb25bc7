/* gateway_chat: the web chat's writes (see gateway_chat.h). */
#include "gateway_chat.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "gateway_chat_parse.h"
#include "gateway_chat_stream.h"
#include "gateway_ratelimit.h"
#include "gateway_sessions.h"

#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_COOKIE "balcao_chat"

struct gateway_chat_t {
    gateway_bus_t *bus;
    gateway_store_t *store;
    gateway_chat_stream_t *stream;
    gateway_ratelimit_t *starts, *messages; /* per IP address */
    char origin[256];    /* scheme://host[:port] of gateway/public_url */
    char attributes[96]; /* the cookie's: SameSite, Secure */
};

gateway_chat_t *
gateway_chat_new (bc_config_t *config, gateway_bus_t *bus, gateway_store_t *store)
{
    gateway_chat_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    self->store = store;
    char public_url[256];
    bc_config_public_url (config, public_url, sizeof public_url);
    gateway_http_origin_of (public_url, self->origin, sizeof self->origin);
    bool is_secure = strncmp (public_url, "https://", 8) == 0;
    bool is_embedded = *bc_config_str (config, "gateway/chat/embed_origins", "");
    /* Embedded in another site's page, the /chat frame is a third party's:
     * only a SameSite=None cookie reaches it, which browsers take only
     * Secure (so the gateway is on https; browsers make an exception for
     * http://localhost and 127.0.0.1), and Partitioned: kept apart per
     * embedding site, and not blocked with third-party cookies. */
    snprintf (self->attributes, sizeof self->attributes, "%s",
              is_embedded ? "; SameSite=None; Secure; Partitioned"
              : is_secure ? "; SameSite=Lax; Secure"
                          : "; SameSite=Lax");
    int starts = (int) bc_config_int (config, "gateway/chat/starts_per_ip", 30);
    int messages = (int) bc_config_int (config, "gateway/chat/messages_per_ip", 60);
    self->starts = gateway_ratelimit_new (starts, 600, 65536);
    self->messages = gateway_ratelimit_new (messages, 60, 65536);
    self->stream = gateway_chat_stream_new (config, bus, store);
    if (!self->starts || !self->messages || !self->stream)
        gateway_chat_destroy (&self);
    return self;
}

void
gateway_chat_destroy (gateway_chat_t **self_p)
{
    gateway_chat_t *self = *self_p;
    if (!self)
        return;
    gateway_chat_stream_destroy (&self->stream);
    gateway_ratelimit_destroy (&self->starts);
    gateway_ratelimit_destroy (&self->messages);
    free (self);
    *self_p = NULL;
}

void
gateway_chat_stop (gateway_chat_t *self)
{
    gateway_chat_stream_stop (self->stream);
}

/* ---------------------------------------------------------------------- */

/* The chat's CSRF token: BLAKE2b of its secret keyed with the server's
 * secret (nothing more to store; useless without the HttpOnly cookie). */
static void
s_csrf (gateway_chat_t *self, const char *secret, char out[GATEWAY_SECRET_LEN + 1])
{
    unsigned char mac[32];
    crypto_generichash_state st;
    crypto_generichash_init (&st, gateway_store_secret (self->store), 32, sizeof mac);
    crypto_generichash_update (&st, (const unsigned char *) "chat\n", 5);
    crypto_generichash_update (&st, (const unsigned char *) secret, GATEWAY_SECRET_LEN);
    crypto_generichash_final (&st, mac, sizeof mac);
    sodium_bin2base64 (out, GATEWAY_SECRET_LEN + 1, mac, sizeof mac,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The chat the request's cookie names: true with its secret, key and
 * record. */
static bool
s_find (gateway_chat_t *self, gateway_req_t *req, char secret[GATEWAY_SECRET_LEN + 1],
        unsigned char key[GATEWAY_KEY_SIZE], gateway_chat_rec_t *chat)
{
    const char *cookie =
        MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    const char *value;
    size_t len;
    if (gateway_parse_cookie (cookie, S_COOKIE, &value, &len) != GATEWAY_COOKIE_FOUND
        || !gateway_parse_secret (value, len))
        return false;
    memcpy (secret, value, GATEWAY_SECRET_LEN);
    secret[GATEWAY_SECRET_LEN] = 0;
    gateway_secret_key (secret, GATEWAY_SECRET_LEN, key);
    return gateway_store_chat_get (self->store, key, chat) == 0;
}

static enum MHD_Result
s_no_chat (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "no_chat",
                               "esta conversa não existe mais ou expirou; comece uma nova",
                               "this chat no longer exists or has expired; start a new one");
}

static enum MHD_Result
s_limited (gateway_req_t *req, int retry_after, bool is_start)
{
    char seconds[16];
    snprintf (seconds, sizeof seconds, "%d", retry_after);
    return gateway_http_json (
        req->conn, MHD_HTTP_TOO_MANY_REQUESTS,
        json_pack ("{s:s, s:s, s:s, s:i}", "error", "rate_limited", "message",
                   is_start ? "too many new chats from this connection; wait a few minutes and "
                              "try again"
                            : "too many messages in a short time; wait a moment and send again",
                   "message_pt",
                   is_start ? "muitas conversas novas a partir desta conexão; aguarde alguns "
                              "minutos e tente de novo"
                            : "muitas mensagens em pouco tempo; aguarde um instante e envie de "
                              "novo",
                   "retry_after", retry_after),
        MHD_HTTP_HEADER_RETRY_AFTER, seconds);
}

/* A write must be JSON from our own pages (the Origin a browser sends with
 * every POST), and past start, carry the chat's CSRF token. */
static bool
s_check_write (gateway_chat_t *self, gateway_req_t *req, const char *secret, enum MHD_Result *out)
{
    const char *type =
        MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!type || strncasecmp (type, "application/json", 16) != 0
        || (type[16] && type[16] != ';' && type[16] != ' ')) {
        *out = gateway_http_error (req->conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                   "unsupported_media_type",
                                   "envie o corpo como JSON (Content-Type: application/json)",
                                   "send the body as JSON (Content-Type: application/json)");
        return false;
    }
    const char *origin = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Origin");
    bool is_ok = !origin || strcmp (origin, self->origin) == 0;
    if (is_ok && secret) {
        const char *given = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND,
                                                         "X-CSRF-Token");
        char expected[GATEWAY_SECRET_LEN + 1];
        s_csrf (self, secret, expected);
        is_ok = given && strlen (given) == GATEWAY_SECRET_LEN
                && sodium_memcmp (given, expected, GATEWAY_SECRET_LEN) == 0;
    }
    if (!is_ok)
        *out = gateway_http_error (
            req->conn, MHD_HTTP_FORBIDDEN, "csrf",
            "a página que enviou este pedido não é do Balcão, ou a conversa mudou; recarregue a "
            "página e tente de novo",
            "this request did not come from a Balcão page, or the chat changed; reload the page "
            "and try again");
    return is_ok;
}

/* A write's chat (cookie) and its checks (JSON, Origin, CSRF token): true
 * with its key and record, else *out answered. */
static bool
s_authorize (gateway_chat_t *self, gateway_req_t *req, unsigned char key[GATEWAY_KEY_SIZE],
             gateway_chat_rec_t *chat, enum MHD_Result *out)
{
    char secret[GATEWAY_SECRET_LEN + 1];
    if (!s_find (self, req, secret, key, chat)) {
        *out = s_no_chat (req);
        return false;
    }
    bool is_ok = s_check_write (self, req, secret, out);
    sodium_memzero (secret, sizeof secret);
    return is_ok;
}

static enum MHD_Result
s_invalid (gateway_req_t *req, const char *pt, const char *en)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", pt, en);
}

static json_t *
s_chat_json (gateway_chat_t *self, const char *secret, const gateway_chat_rec_t *chat, bool is_new)
{
    char csrf[GATEWAY_SECRET_LEN + 1];
    s_csrf (self, secret, csrf);
    char conversation[64];
    snprintf (conversation, sizeof conversation, "chat:%s", chat->id);
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "conversation", conversation,
                      "csrf_token", csrf, "language", chat->language, "name", chat->name, "email",
                      chat->email, "is_new", is_new, "ended", chat->ended_us != 0);
}

/* POST /chat/start: the visitor's chat (the one their cookie names, when it
 * has not ended and they did not ask for a new one), or a new one. */
static enum MHD_Result
s_start (gateway_chat_t *self, gateway_req_t *req)
{
    enum MHD_Result out;
    if (!s_check_write (self, req, NULL, &out))
        return out;
    gateway_chat_input_t in;
    const char *pt, *en;
    if (!gateway_chat_parse (GATEWAY_CHAT_START, req->body, req->body_len, &in, &pt, &en))
        return s_invalid (req, pt, en);
    char secret[GATEWAY_SECRET_LEN + 1];
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_chat_rec_t chat = {0};
    if (!in.restart && s_find (self, req, secret, key, &chat) && !chat.ended_us)
        return gateway_http_json (req->conn, MHD_HTTP_OK, s_chat_json (self, secret, &chat, false),
                                  NULL, NULL);
    int retry_after;
    if (!gateway_ratelimit_allow (self->starts, req->peer, true, zclock_mono (), &retry_after))
        return s_limited (req, retry_after, true);
    memset (&chat, 0, sizeof chat);
    unsigned char bytes[16];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2base64 (chat.id, sizeof chat.id, bytes, sizeof bytes,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf (chat.language, sizeof chat.language, "%s", *in.language ? in.language : req->language);
    chat.created_us = chat.seen_us = bc_now_us ();
    gateway_secret_new (secret);
    gateway_secret_key (secret, GATEWAY_SECRET_LEN, key);
    int rc = gateway_store_chat_put (self->store, key, &chat);
    if (rc) {
        bc_error ("event=chat_store_failed reason=\"%s\"", gateway_store_strerror (rc));
        return gateway_http_error (req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                   "não conseguimos abrir a conversa agora; tente de novo em "
                                   "instantes",
                                   "we could not open the chat right now; try again shortly");
    }
    char cookie[256];
    snprintf (cookie, sizeof cookie, S_COOKIE "=%s; Path=/api/v1/chat; HttpOnly%s", secret,
              self->attributes);
    struct MHD_Response *resp = gateway_http_json_response (s_chat_json (self, secret, &chat, true));
    sodium_memzero (secret, sizeof secret);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header (resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    sodium_memzero (cookie, sizeof cookie);
    out = MHD_queue_response (req->conn, MHD_HTTP_CREATED, resp);
    MHD_destroy_response (resp);
    bc_info ("event=chat_started conversation=chat:%s peer=%s", chat.id, req->peer);
    return out;
}

/* The visitor's message (or contact form) to intake. */
static enum MHD_Result
s_submit (gateway_chat_t *self, gateway_req_t *req, const gateway_chat_rec_t *chat,
          const gateway_chat_input_t *in, const char *body, const char *reply_id)
{
    char external_id[128], from[64];
    snprintf (external_id, sizeof external_id, "chat:%s:%s", chat->id, in->id);
    snprintf (from, sizeof from, "chat:%s", chat->id);
    Balcao__V1__Submit submit = BALCAO__V1__SUBMIT__INIT;
    submit.channel = "chat";
    submit.external_id = external_id;
    submit.from_address = from;
    submit.from_name = (char *) chat->name;
    submit.contact_address = (char *) chat->email;
    submit.body = (char *) body;
    submit.language = (char *) (*chat->language ? chat->language : req->language);
    submit.reply_id = (char *) reply_id;
    bc_envelope_t *reply = NULL;
    char intake[32]; /* a chat's messages, in order, through one replica */
    gateway_bus_intake_for (self->bus, from, intake, sizeof intake);
    int rc = gateway_bus_call (self->bus, intake, "service:gateway", &submit.base, &reply);
    enum MHD_Result out;
    Balcao__V1__SubmitReply *sr =
        rc == BC_OK ? (Balcao__V1__SubmitReply *) bc_envelope_payload (
                          reply, &balcao__v1__submit_reply__descriptor)
                    : NULL;
    if (sr && !sr->duplicate)
        gateway_chat_stream_expect (self->stream, chat->id); /* the bot answers at once */
    if (sr)
        out = gateway_http_json (req->conn, MHD_HTTP_ACCEPTED,
                                 json_pack ("{s:s, s:s, s:b}", "id", in->id, "message_ref",
                                            sr->message_ref, "duplicate", sr->duplicate),
                                 NULL, NULL);
    else if (rc == BC_OK)
        out = gateway_http_unexpected (req->conn, "intake");
    else
        out = gateway_http_bus_error (req->conn, rc, reply, "intake");
    if (sr)
        balcao__v1__submit_reply__free_unpacked (sr, NULL);
    bc_envelope_destroy (&reply);
    return out;
}

/* POST /chat/messages and /chat/contact. */
static enum MHD_Result
s_write (gateway_chat_t *self, gateway_req_t *req, gateway_chat_kind_t kind)
{
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_chat_rec_t chat;
    enum MHD_Result out;
    if (!s_authorize (self, req, key, &chat, &out))
        return out;
    gateway_chat_input_t *in = malloc (sizeof *in);
    if (!in)
        return MHD_NO;
    const char *pt, *en;
    int retry_after;
    if (!gateway_chat_parse (kind, req->body, req->body_len, in, &pt, &en))
        out = s_invalid (req, pt, en);
    else if (chat.ended_us)
        out = gateway_http_error (req->conn, MHD_HTTP_CONFLICT, "ended",
                                  "esta conversa foi encerrada; comece uma nova para falar com a "
                                  "gente",
                                  "this chat has ended; start a new one to talk to us");
    else if (!gateway_ratelimit_allow (self->messages, req->peer, true, zclock_mono (),
                                       &retry_after))
        out = s_limited (req, retry_after, false);
    else if (kind == GATEWAY_CHAT_MESSAGE) {
        gateway_store_chat_set (self->store, key, "seen_us", bc_now_us ());
        out = s_submit (self, req, &chat, in, in->text, in->reply_id);
    }
    else {
        snprintf (chat.name, sizeof chat.name, "%s", in->name);
        snprintf (chat.email, sizeof chat.email, "%s", in->email);
        int rc = gateway_store_chat_set_contact (self->store, key, chat.name, chat.email,
                                                 bc_now_us ());
        char body[GATEWAY_NAME_MAX + GATEWAY_ADDRESS_MAX + 8];
        snprintf (body, sizeof body, "%s %s", chat.name, chat.email);
        out = rc ? gateway_http_error (req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                       "não conseguimos guardar seu contato agora; tente de novo "
                                       "em instantes",
                                       "we could not keep your contact right now; try again "
                                       "shortly")
                 : s_submit (self, req, &chat, in, body, "contact");
    }
    free (in);
    return out;
}

/* Before ending a chat whose visitor just gave their e-mail: waits (at
 * most S_CONTACT_WAIT_MS) until kb's conversation has it. The contact goes
 * to kb through intake and the router, EndConversation straight to kb: a
 * visitor who sends the form and closes at once would otherwise leave a
 * ticket kb could not address to them. */
#define S_CONTACT_WAIT_MS 2000
static void
s_wait_contact (gateway_chat_t *self, const gateway_chat_rec_t *chat)
{
    char conversation[64];
    snprintf (conversation, sizeof conversation, "chat:%s", chat->id);
    int64_t deadline = zclock_mono () + S_CONTACT_WAIT_MS;
    while (zclock_mono () < deadline) {
        Balcao__V1__GetConversation get = BALCAO__V1__GET_CONVERSATION__INIT;
        get.conversation = conversation;
        bc_envelope_t *reply = NULL;
        int rc = gateway_bus_call (self->bus, "kb", "service:gateway", &get.base, &reply);
        Balcao__V1__BotConversation *c =
            rc == BC_OK ? (Balcao__V1__BotConversation *) bc_envelope_payload (
                              reply, &balcao__v1__bot_conversation__descriptor)
                        : NULL;
        bc_envelope_destroy (&reply);
        bool has_it = !c || *c->contact_address;
        if (c)
            balcao__v1__bot_conversation__free_unpacked (c, NULL);
        if (has_it)
            return;
        zclock_sleep (50);
    }
}

/* POST /chat/end: kb ends the conversation (and hands on what was not
 * resolved: a person answers by e-mail). */
static enum MHD_Result
s_end (gateway_chat_t *self, gateway_req_t *req)
{
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_chat_rec_t chat;
    enum MHD_Result out;
    if (!s_authorize (self, req, key, &chat, &out))
        return out;
    gateway_chat_input_t in;
    const char *pt, *en;
    if (!gateway_chat_parse (GATEWAY_CHAT_END, req->body, req->body_len, &in, &pt, &en))
        return s_invalid (req, pt, en);
    if (!chat.ended_us) {
        if (*chat.email)
            s_wait_contact (self, &chat);
        bc_envelope_t *reply = NULL;
        int rc = gateway_chat_end_conversation (self->bus, chat.id, &reply);
        if (rc != BC_OK) {
            out = gateway_http_bus_error (req->conn, rc, reply, "kb");
            bc_envelope_destroy (&reply);
            return out;
        }
        bc_envelope_destroy (&reply);
        gateway_store_chat_set (self->store, key, "ended_us", bc_now_us ());
        gateway_chat_stream_ended (self->stream, chat.id);
        bc_info ("event=chat_ended conversation=chat:%s why=visitor", chat.id);
    }
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:b}", "ended", true), NULL,
                              NULL);
}

static enum MHD_Result
s_events (gateway_chat_t *self, gateway_req_t *req)
{
    char secret[GATEWAY_SECRET_LEN + 1];
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_chat_rec_t chat;
    bool is_found = s_find (self, req, secret, key, &chat);
    sodium_memzero (secret, sizeof secret);
    if (!is_found)
        return s_no_chat (req);
    return gateway_chat_stream_open (self->stream, req, key, &chat);
}

bool
gateway_chat_route (gateway_chat_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    static const struct {
        const char *path;
        gateway_chat_kind_t kind;
    } writes[] = {{"chat/start", GATEWAY_CHAT_START},
                  {"chat/messages", GATEWAY_CHAT_MESSAGE},
                  {"chat/contact", GATEWAY_CHAT_CONTACT},
                  {"chat/end", GATEWAY_CHAT_END}};
    if (strncmp (req->path, "chat/", 5) != 0 && strcmp (req->path, "chat") != 0)
        return false;
    if (gateway_http_path (req, "chat/events", NULL)) {
        *out = req->is_write ? gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                                   "method_not_allowed",
                                                   "este endereço não aceita este método",
                                                   "this address does not take this method")
                             : s_events (self, req);
        return true;
    }
    for (size_t i = 0; i < sizeof writes / sizeof *writes; i++) {
        if (!gateway_http_path (req, writes[i].path, NULL))
            continue;
        if (!req->is_write)
            *out = gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                       "method_not_allowed",
                                       "este endereço não aceita este método",
                                       "this address does not take this method");
        else if (writes[i].kind == GATEWAY_CHAT_START)
            *out = s_start (self, req);
        else if (writes[i].kind == GATEWAY_CHAT_END)
            *out = s_end (self, req);
        else
            *out = s_write (self, req, writes[i].kind);
        return true;
    }
    *out = gateway_http_no_such_page (req->conn);
    return true;
}
