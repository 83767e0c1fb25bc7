/* gateway_routes: HTTP requests to bus requests, and bus replies to JSON. */
#include "gateway_routes.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "gateway_accounts_internal.h"
#include "gateway_api_tickets.h"
#include "gateway_chat.h"
#include "gateway_desk_admin.h"
#include "gateway_desk.h"
#include "gateway_desk_kb.h"
#include "gateway_export.h"
#include "gateway_kb.h"
#include "gateway_parse.h"
#include "gateway_presence.h"
#include "gateway_reports.h"
#include "gateway_sse.h"
#include "gateway_static.h"
#include "gateway_tickets.h"
#include "gateway_whatsapp.h"
#include "gateway_worker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

struct gateway_routes_t {
    gateway_auth_t *auth;
    gateway_bus_t *bus;
    gateway_accounts_t *accounts;
    gateway_tickets_t *tickets;
    gateway_api_tickets_t *api_tickets; /* a system's POST tickets */
    gateway_kb_t *kb;
    gateway_desk_kb_t *desk_kb;
    gateway_reports_t *reports;
    gateway_desk_admin_t *desk_admin;
    gateway_desk_t *desk;
    gateway_sse_t *sse;
    gateway_presence_t *presence; /* who views which ticket (memory only) */
    gateway_static_t *files;
    gateway_whatsapp_t *whatsapp;
    gateway_chat_t *chat;
    gateway_export_t *export; /* LGPD: the ZIP downloads, erasure, audit */
    size_t max_body;  /* gateway/max_body_bytes */
    char origin[256]; /* scheme://host[:port] of gateway/public_url */
};

/* A write's body, gathered over libmicrohttpd's calls (con_cls). */
typedef struct {
    char *data;
    size_t len;
    bool too_large;
} s_body_t;

gateway_routes_t *
gateway_routes_new (bc_config_t *config, gateway_auth_t *auth, gateway_bus_t *bus)
{
    gateway_routes_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->auth = auth;
    self->bus = bus;
    self->max_body =
        (size_t) bc_config_int (config, "gateway/max_body_bytes", 36 * 1024 * 1024);
    char public_url[256];
    bc_config_public_url (config, public_url, sizeof public_url);
    gateway_http_origin_of (public_url, self->origin, sizeof self->origin);
    self->accounts = gateway_accounts_new (config, bus);
    self->tickets = gateway_tickets_new (config, bus);
    self->api_tickets = gateway_api_tickets_new (config, bus);
    self->kb = gateway_kb_new (config, bus);
    self->reports = gateway_reports_new (config, bus);
    self->desk_admin = gateway_desk_admin_new (config, bus);
    self->desk = gateway_desk_new (config, bus);
    self->presence = gateway_presence_new (config, bus);
    self->sse = self->presence ? gateway_sse_new (config, bus, self->presence) : NULL;
    self->files = gateway_static_new (config);
    self->desk_kb = gateway_desk_kb_new (config, bus);
    self->whatsapp = gateway_whatsapp_new (config, bus);
    self->chat = self->accounts ? gateway_chat_new (config, bus, self->accounts->store) : NULL;
    self->export =
        self->accounts ? gateway_export_new (config, bus, self->accounts->store) : NULL;
    if (!self->accounts || !self->tickets || !self->api_tickets || !self->kb || !self->reports
        || !self->desk_admin || !self->desk || !self->sse || !self->files || !self->desk_kb || !self->whatsapp
        || !self->chat || !self->export)
        gateway_routes_destroy (&self);
    return self;
}

void
gateway_routes_destroy (gateway_routes_t **self_p)
{
    gateway_routes_t *self = *self_p;
    if (!self)
        return;
    gateway_static_destroy (&self->files);
    gateway_export_destroy (&self->export);
    gateway_chat_destroy (&self->chat);
    gateway_whatsapp_destroy (&self->whatsapp);
    gateway_sse_destroy (&self->sse);
    gateway_presence_destroy (&self->presence);
    gateway_kb_destroy (&self->kb);
    gateway_desk_kb_destroy (&self->desk_kb);
    gateway_reports_destroy (&self->reports);
    gateway_desk_admin_destroy (&self->desk_admin);
    gateway_desk_destroy (&self->desk);
    gateway_tickets_destroy (&self->tickets);
    gateway_api_tickets_destroy (&self->api_tickets);
    gateway_accounts_destroy (&self->accounts);
    free (self);
    *self_p = NULL;
}

void
gateway_routes_stop (gateway_routes_t *self)
{
    gateway_sse_stop (self->sse);
    if (self->chat)
        gateway_chat_stop (self->chat);
}

static enum MHD_Result
s_healthz (gateway_routes_t *self, struct MHD_Connection *conn)
{
    bool all_ok;
    json_t *health = gateway_bus_health (self->bus, &all_ok);
    return gateway_http_json (conn, all_ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, health, NULL,
                        NULL);
}

static json_t *
s_ticket_json (const Balcao__V1__Ticket *t)
{
    json_t *messages = json_array ();
    for (size_t i = 0; i < t->n_messages; i++) {
        const Balcao__V1__TicketMessage *m = t->messages[i];
        /* The router leaves internal notes out for a service; never pass
         * one on, whoever the router took us for. */
        if (m->is_internal)
            continue;
        json_t *files = json_array ();
        for (size_t j = 0; j < m->n_attachments; j++) {
            const Balcao__V1__Attachment *a = m->attachments[j];
            char url[96];
            snprintf (url, sizeof url, "/api/attachments/%s", a->sha256);
            json_array_append_new (
                files, json_pack ("{s:s, s:s, s:s, s:I, s:b, s:s}", "filename", a->filename,
                                  "content_type", a->content_type, "sha256", a->sha256, "size",
                                  (json_int_t) a->size, "inline", a->inline_, "url", url));
        }
        /* An e-mail's body is what its author wrote now (intake's reply,
         * without the quoted history); full_body is the whole text. */
        bool is_cut = strcmp (m->direction, "inbound") == 0 && *m->reply;
        json_array_append_new (
            messages, json_pack ("{s:s, s:s, s:s, s:o, s:s, s:s, s:o}", "author", m->author,
                                 "body", is_cut ? m->reply : m->body, "full_body", m->body,
                                 "time", gateway_http_time (m->time_us), "channel", m->channel,
                                 "direction", m->direction, "attachments", files));
    }
    return json_pack ("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:o, s:I, s:o}",
                      "number", (json_int_t) t->number, "subject", t->subject, "status",
                      t->status, "category", t->category, "tier", t->tier, "priority",
                      t->priority, "channel", t->channel, "customer", "name", t->customer_name,
                      "address", t->customer_address, "created_at", gateway_http_time (t->created_us),
                      "updated_at", gateway_http_time (t->updated_us), "message_count",
                      (json_int_t) json_array_size (messages), "messages", messages);
}

static enum MHD_Result
s_get_ticket (gateway_routes_t *self, struct MHD_Connection *conn, const char *principal,
              const char *number_text)
{
    uint64_t number;
    if (!gateway_parse_ticket_number (number_text, &number))
        return gateway_http_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
                        "o número do chamado é um inteiro positivo em decimal, sem sinal, espaços "
                        "nem zeros à esquerda (ex.: /api/tickets/42)",
                        "the ticket number is a positive decimal integer, without sign, spaces or "
                        "leading zeros (e.g. /api/tickets/42)");
    Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
    req.number = number;
    bc_envelope_t *reply;
    int rc = gateway_bus_call (self->bus, "router", principal, &req.base, &reply);
    enum MHD_Result out;
    if (rc == BC_OK) {
        Balcao__V1__Ticket *t =
            (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
        out = t ? gateway_http_json (conn, MHD_HTTP_OK, s_ticket_json (t), NULL, NULL)
                : gateway_http_unexpected (conn, "router");
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    else
        out = gateway_http_bus_error (conn, rc, reply, "router");
    bc_envelope_destroy (&reply);
    return out;
}

/* GET /api/attachments/<sha256>: a stored attachment's bytes, as intake
 * serves them to the token's service. */
static enum MHD_Result
s_get_attachment (gateway_routes_t *self, struct MHD_Connection *conn, const char *principal,
                  const char *sha256)
{
    if (!gateway_parse_sha256 (sha256))
        return gateway_http_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
                        "o id de um anexo são os 64 dígitos hexadecimais (minúsculos) do seu "
                        "SHA-256",
                        "an attachment's id is the 64 lower-case hex digits of its SHA-256");
    Balcao__V1__GetAttachment req = BALCAO__V1__GET_ATTACHMENT__INIT;
    req.sha256 = (char *) sha256;
    bc_envelope_t *reply;
    int rc = gateway_bus_call_intakes (self->bus, principal, &req.base, &reply);
    enum MHD_Result out;
    if (rc == BC_OK) {
        Balcao__V1__AttachmentData *d = (Balcao__V1__AttachmentData *) bc_envelope_payload (
            reply, &balcao__v1__attachment_data__descriptor);
        out = d && d->attachment ? gateway_http_attachment (conn, d) : gateway_http_unexpected (conn, "intake");
        if (d)
            balcao__v1__attachment_data__free_unpacked (d, NULL);
    }
    else
        out = gateway_http_bus_error (conn, rc, reply, "intake");
    bc_envelope_destroy (&reply);
    return out;
}

/* 401 with the challenge of RFC 6750; the same body whatever went wrong,
 * so a caller learns nothing about which tokens exist. */
static enum MHD_Result
s_unauthorized (gateway_routes_t *self, struct MHD_Connection *conn, gateway_auth_result_t why,
                bool has_header)
{
    char peer[INET6_ADDRSTRLEN + 1];
    gateway_http_peer (conn, peer, sizeof peer);
    gateway_auth_log_refusal (self->auth, peer, gateway_auth_reason (why));
    json_t *body = has_header
                       ? json_pack ("{s:s, s:s, s:s}", "error", "unauthorized", "message",
                                    "this token is not accepted here (wrong or revoked); ask the "
                                    "operator for a new one",
                                    "message_pt",
                                    "este token não é aceito aqui (errado ou revogado); peça um "
                                    "novo ao operador")
                       : json_pack ("{s:s, s:s, s:s}", "error", "unauthorized", "message",
                                    "this API needs a service token: send the header "
                                    "\"Authorization: Bearer <token>\" with a token the operator "
                                    "made (balcaoctl api-token NAME)",
                                    "message_pt",
                                    "esta API pede um token de serviço: envie o cabeçalho "
                                    "\"Authorization: Bearer <token>\" com um token criado pelo "
                                    "operador (balcaoctl api-token NOME)");
    return gateway_http_json (conn, MHD_HTTP_UNAUTHORIZED, body, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                        has_header ? "Bearer realm=\"balcao\", error=\"invalid_token\""
                                   : "Bearer realm=\"balcao\"");
}

static enum MHD_Result
s_api (gateway_routes_t *self, struct MHD_Connection *conn, const char *path)
{
    const char *authorization =
        MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    char principal[128];
    gateway_auth_result_t why =
        gateway_auth_check (self->auth, authorization, principal, sizeof principal);
    if (why != GATEWAY_AUTH_OK)
        return s_unauthorized (self, conn, why, authorization != NULL);
    if (strncmp (path, "tickets/", 8) == 0)
        return s_get_ticket (self, conn, principal, path + 8);
    if (strncmp (path, "attachments/", 12) == 0)
        return s_get_attachment (self, conn, principal, path + 12);
    return gateway_http_no_such_page (conn);
}

/* "pt-BR" unless the browser prefers English: the first of its languages
 * that is Portuguese or English decides. */
static void
s_language (struct MHD_Connection *conn, char *out, size_t size)
{
    snprintf (out, size, "pt-BR");
    const char *accept =
        MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
    for (const char *p = accept; p && *p;) {
        p += strspn (p, " ,");
        if (strncasecmp (p, "en", 2) == 0 && (p[2] == 0 || strchr ("-;, ", p[2]))) {
            snprintf (out, size, "en");
            return;
        }
        if (strncasecmp (p, "pt", 2) == 0 && (p[2] == 0 || strchr ("-;, ", p[2])))
            return;
        p = strchr (p, ',');
    }
}

/* A browser's write must come from our own pages: the same origin (when
 * the browser says), JSON, and the session's CSRF token. */
static enum MHD_Result
s_check_write (gateway_routes_t *self, gateway_req_t *req, bool *ok)
{
    *ok = false;
    const char *type =
        MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!type || strncasecmp (type, "application/json", 16) != 0 ||
        (type[16] && type[16] != ';' && type[16] != ' '))
        return gateway_http_error (req->conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                   "unsupported_media_type",
                                   "envie o corpo como JSON (Content-Type: application/json)",
                                   "send the body as JSON (Content-Type: application/json)");
    if (!req->by_token) {
        const char *origin =
            MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Origin");
        if ((origin && strcmp (origin, self->origin) != 0) ||
            !gateway_accounts_csrf_ok (self->accounts, req))
            return gateway_http_error (
                req->conn, MHD_HTTP_FORBIDDEN, "csrf",
                "a página que enviou este pedido não é do Balcão, ou ficou aberta tempo demais; "
                "recarregue a página e tente de novo",
                "this request did not come from a Balcão page, or the page was open too long; "
                "reload it and try again");
    }
    req->body_json = json_loadb (req->body ? req->body : "", req->body_len, 0, NULL);
    if (!json_is_object (req->body_json))
        return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "o corpo do pedido não é um objeto JSON válido",
                                   "the request body is not a valid JSON object");
    *ok = true;
    return MHD_YES;
}

/* The request ids of a write that carries an Idempotency-Key (1-128 of
 * letters, digits and -_.:): a hash of who sends it, where and the key, so
 * that a retry makes its calls with the same ids (gateway_bus_request_ids)
 * and no one else's key can collide with it. false: the key is malformed. */
static bool
s_idempotency (const gateway_req_t *req)
{
    const char *key = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (!key)
        return true;
    size_t n = strlen (key);
    if (n < 1 || n > 128
        || strspn (key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") != n)
        return false;
    crypto_hash_sha256_state st;
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init (&st);
    const char *parts[] = {req->principal, "\n", req->method, " ", req->url, "\n", key};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        crypto_hash_sha256_update (&st, (const unsigned char *) parts[i], strlen (parts[i]));
    crypto_hash_sha256_final (&st, hash);
    char base[48] = "idem-";
    sodium_bin2hex (base + 5, sizeof base - 5, hash, 16);
    gateway_bus_request_ids (base);
    return true;
}

static enum MHD_Result
s_api_v1 (gateway_routes_t *self, struct MHD_Connection *conn, const char *url, const char *method,
          const s_body_t *body)
{
    gateway_req_t req = {.conn = conn, .method = method, .url = url, .path = url + 8};
    req.is_write = strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0;
    if (body) {
        req.body = body->data;
        req.body_len = body->len;
    }
    gateway_http_peer (conn, req.peer, sizeof req.peer);
    snprintf (req.principal, sizeof req.principal, "visitor:");
    s_language (conn, req.language, sizeof req.language);
    const char *authorization =
        MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (authorization) {
        gateway_auth_result_t why =
            gateway_auth_check (self->auth, authorization, req.principal, sizeof req.principal);
        if (why != GATEWAY_AUTH_OK)
            return s_unauthorized (self, conn, why, true);
        req.by_token = true;
    }
    else {
        /* A Cookie header we cannot read is refused, not half-read. */
        const char *cookie = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                          MHD_HTTP_HEADER_COOKIE);
        const char *value;
        size_t len;
        if (gateway_parse_cookie (cookie, "", &value, &len) == GATEWAY_COOKIE_BAD)
            return gateway_http_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                       "o cabeçalho Cookie está malformado ou é grande demais; "
                                       "apague os cookies deste site e recarregue a página",
                                       "the Cookie header is malformed or too large; clear this "
                                       "site's cookies and reload the page");
        /* No cookie, no token: not a browser, but a system that forgot its
         * token (gateway_api_tickets.h), told how to send one. */
        if (!cookie && req.is_write && strcmp (req.path, "tickets") == 0)
            return s_unauthorized (self, conn, GATEWAY_AUTH_MISSING, false);
        gateway_accounts_identify (self->accounts, &req);
    }
    enum MHD_Result out = MHD_NO;
    /* The web chat checks its own writes (its visitor has no session). */
    if (gateway_chat_route (self->chat, &req, &out))
        return out;
    if (req.is_write) {
        bool ok;
        out = s_check_write (self, &req, &ok);
        if (!ok) {
            json_decref (req.body_json);
            return out;
        }
        if (!s_idempotency (&req)) {
            json_decref (req.body_json);
            return gateway_http_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                       "Idempotency-Key: de 1 a 128 letras, dígitos ou -_.:",
                                       "Idempotency-Key: 1 to 128 letters, digits or -_.:");
        }
    }
    if (!gateway_accounts_route (self->accounts, &req, &out) &&
        !gateway_desk_kb_route (self->desk_kb, &req, &out) &&
        !gateway_api_tickets_route (self->api_tickets, &req, &out) &&
        !gateway_tickets_route (self->tickets, &req, &out) &&
        !gateway_kb_route (self->kb, &req, &out) &&
        !gateway_reports_route (self->reports, &req, &out) &&
        !gateway_desk_admin_route (self->desk_admin, &req, &out) &&
        !gateway_export_route (self->export, &req, &out) &&
        !gateway_presence_route (self->presence, &req, &out) &&
        !gateway_desk_route (self->desk, &req, &out) &&
        !gateway_sse_route (self->sse, &req, &out))
        out = gateway_http_no_such_page (conn);
    gateway_bus_request_ids (NULL);
    json_decref (req.body_json);
    return out;
}

static enum MHD_Result
s_too_large (size_t max_body, struct MHD_Connection *conn)
{
    char pt[200], en[200];
    snprintf (pt, sizeof pt,
              "o pedido passa do limite de %zu MiB; envie arquivos menores ou em mais de uma "
              "mensagem",
              max_body >> 20);
    snprintf (en, sizeof en,
              "the request is over the %zu MiB limit; send smaller files or split them over "
              "several messages",
              max_body >> 20);
    return gateway_http_error (conn, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", pt, en);
}

/* One request's state over libmicrohttpd's calls (con_cls): its body, and
 * whether its handler was handed to a worker. */
typedef struct {
    s_body_t body;
    bool dispatched;
    gateway_routes_t *self;
    struct MHD_Connection *conn;
    const char *url, *method; /* libmicrohttpd's, valid for the request */
} s_call_t;

/* On a worker's thread (gateway_worker.h): what asks the bus. */
static enum MHD_Result
s_run_call (void *arg)
{
    s_call_t *call = arg;
    gateway_routes_t *self = call->self;
    bool is_read = strcmp (call->method, "GET") == 0 || strcmp (call->method, "HEAD") == 0;
    if (strcmp (call->url, "/healthz") == 0)
        return s_healthz (self, call->conn);
    /* Meta's webhook: its own checks (the signature), none of a browser's. */
    if (strcmp (call->url, GATEWAY_WHATSAPP_PATH) == 0)
        return gateway_whatsapp_handle (self->whatsapp, call->conn, call->method,
                                        call->body.data, call->body.len);
    if (strncmp (call->url, "/api/v1/", 8) == 0)
        return s_api_v1 (self, call->conn, call->url, call->method, is_read ? NULL : &call->body);
    return s_api (self, call->conn, call->url + 5);
}

enum MHD_Result
gateway_routes_handle (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                       const char *version, const char *upload_data, size_t *upload_data_size,
                       void **con_cls)
{
    (void) version;
    gateway_routes_t *self = cls;
    bool is_read = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
    bool is_v1 = strncmp (url, "/api/v1/", 8) == 0;
    bool is_webhook = strcmp (url, GATEWAY_WHATSAPP_PATH) == 0;
    size_t max_body = is_webhook ? gateway_whatsapp_max_body (self->whatsapp) : self->max_body;
    if (!is_read && !((is_v1 || is_webhook) && strcmp (method, "POST") == 0))
        return gateway_http_error (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "este endereço não aceita este método",
                                   "this address does not take this method");
    /* The web app's files: from disk, on the event loop. */
    if (is_read && strcmp (url, "/healthz") != 0 && strncmp (url, "/api/", 5) != 0
        && !is_webhook)
        return gateway_static_serve (self->files, conn, url);
    /* The first call: the headers are in. A write's body (at most
     * max_body) comes over the next calls. */
    s_call_t *call = *con_cls;
    if (!call) {
        call = calloc (1, sizeof *call);
        if (!call)
            return MHD_NO;
        *con_cls = call;
        const char *length =
            MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (!is_read && length && strtoull (length, NULL, 10) > max_body) {
            call->body.too_large = true;
            return s_too_large (max_body, conn);
        }
        return MHD_YES;
    }
    s_body_t *body = &call->body;
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (is_read) /* a read's body means nothing */
            return MHD_YES;
        if (body->too_large || body->len + n > max_body) {
            body->too_large = true;
            free (body->data);
            body->data = NULL;
            body->len = 0;
            return MHD_YES;
        }
        char *grown = realloc (body->data, body->len + n + 1);
        if (!grown)
            return MHD_NO;
        memcpy (grown + body->len, upload_data, n);
        body->data = grown;
        body->len += n;
        body->data[body->len] = 0;
        return MHD_YES;
    }
    if (body->too_large)
        return s_too_large (max_body, conn);
    /* Called again after the worker: it answered nothing. */
    if (call->dispatched)
        return MHD_NO;
    call->dispatched = true;
    call->self = self;
    call->conn = conn;
    call->url = url;
    call->method = method;
    return gateway_worker_run (conn, s_run_call, call);
}

void
gateway_routes_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode why)
{
    (void) cls, (void) conn, (void) why;
    s_call_t *call = *con_cls;
    if (call) {
        free (call->body.data);
        free (call);
        *con_cls = NULL;
    }
}
