/* gateway_routes: HTTP requests to bus requests, and bus replies to JSON. */
#include "gateway_routes.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "gateway_parse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct gateway_routes_t {
    gateway_auth_t *auth;
    gateway_bus_t *bus;
};

gateway_routes_t *
gateway_routes_new (gateway_auth_t *auth, gateway_bus_t *bus)
{
    gateway_routes_t *self = calloc (1, sizeof *self);
    if (self) {
        self->auth = auth;
        self->bus = bus;
    }
    return self;
}

void
gateway_routes_destroy (gateway_routes_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

static enum MHD_Result
s_send_json (struct MHD_Connection *conn, unsigned status, json_t *body,
             const char *header, const char *value)
{
    char *text = body ? json_dumps (body, JSON_INDENT (2)) : NULL;
    json_decref (body);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (strlen (text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header (resp, "Cache-Control", "no-store");
    if (header)
        MHD_add_response_header (resp, header, value);
    enum MHD_Result rc = MHD_queue_response (conn, status, resp);
    MHD_destroy_response (resp);
    return rc;
}

/* An error in both languages, as the bus's Error carries it. */
static enum MHD_Result
s_error (struct MHD_Connection *conn, unsigned status, const char *code, const char *pt,
         const char *en)
{
    return s_send_json (conn, status,
                        json_pack ("{s:s, s:s, s:s}", "error", code, "message", en, "message_pt", pt),
                        NULL, NULL);
}

static json_t *
s_time (int64_t us)
{
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    gmtime_r (&t, &tm);
    char buf[32];
    strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string (buf);
}

static enum MHD_Result
s_healthz (gateway_routes_t *self, struct MHD_Connection *conn)
{
    bool all_ok;
    json_t *health = gateway_bus_health (self->bus, &all_ok);
    return s_send_json (conn, all_ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, health, NULL,
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
        json_array_append_new (messages,
                               json_pack ("{s:s, s:s, s:o, s:s, s:s}", "author", m->author,
                                          "body", m->body, "time", s_time (m->time_us),
                                          "channel", m->channel, "direction", m->direction));
    }
    return json_pack ("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:o, s:I, s:o}",
                      "number", (json_int_t) t->number, "subject", t->subject, "status",
                      t->status, "category", t->category, "tier", t->tier, "priority",
                      t->priority, "channel", t->channel, "customer", "name", t->customer_name,
                      "address", t->customer_address, "created_at", s_time (t->created_us),
                      "updated_at", s_time (t->updated_us), "message_count",
                      (json_int_t) json_array_size (messages), "messages", messages);
}

static enum MHD_Result
s_unexpected (struct MHD_Connection *conn, const char *service)
{
    char pt[128], en[128];
    snprintf (pt, sizeof pt, "o serviço %s mandou uma resposta inesperada", service);
    snprintf (en, sizeof en, "the %s service sent an unexpected reply", service);
    return s_error (conn, MHD_HTTP_BAD_GATEWAY, "bad_gateway", pt, en);
}

/* The HTTP answer for a failed bus call (rc is not BC_OK): the service's
 * refusal with its status, or 503 when it did not answer. */
static enum MHD_Result
s_bus_error (struct MHD_Connection *conn, int rc, const bc_envelope_t *reply, const char *service)
{
    if (rc != BC_EREMOTE) {
        char pt[160], en[160];
        snprintf (pt, sizeof pt, "o serviço %s não respondeu a tempo; tente de novo em instantes",
                  service);
        snprintf (en, sizeof en, "the %s service did not answer in time; try again in a moment",
                  service);
        return s_error (conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", pt, en);
    }
    Balcao__V1__Error *err =
        (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
    if (!err)
        return s_unexpected (conn, service);
    unsigned status = strcmp (err->code, "not_found") == 0   ? MHD_HTTP_NOT_FOUND
                      : strcmp (err->code, "invalid") == 0   ? MHD_HTTP_BAD_REQUEST
                      : strcmp (err->code, "forbidden") == 0 ? MHD_HTTP_FORBIDDEN
                                                             : MHD_HTTP_BAD_GATEWAY;
    enum MHD_Result out = s_error (conn, status, err->code, *err->message_pt ? err->message_pt : err->message,
                                   err->message);
    balcao__v1__error__free_unpacked (err, NULL);
    return out;
}

static enum MHD_Result
s_get_ticket (gateway_routes_t *self, struct MHD_Connection *conn, const char *principal,
              const char *number_text)
{
    uint64_t number;
    if (!gateway_parse_ticket_number (number_text, &number))
        return s_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
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
        out = t ? s_send_json (conn, MHD_HTTP_OK, s_ticket_json (t), NULL, NULL)
                : s_unexpected (conn, "router");
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    else
        out = s_bus_error (conn, rc, reply, "router");
    bc_envelope_destroy (&reply);
    return out;
}

/* Content-Disposition for a stored file's decoded name (RFC 6266): an
 * ASCII fallback in filename=, the UTF-8 name percent-encoded in
 * filename*= (RFC 8187). Always "attachment": the browser saves it, never
 * renders it on our origin. */
static void
s_disposition (const char *name, char *out, size_t size)
{
    char ascii[256], encoded[1024];
    size_t a = 0, e = 0;
    if (!name || !*name)
        name = "anexo";
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        int is_plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9') || strchr ("!#$&+-.^_`|~", *p);
        if (a + 1 < sizeof ascii)
            ascii[a++] = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? (char) *p : '_';
        if (e + 4 >= sizeof encoded)
            continue;
        if (is_plain)
            encoded[e++] = (char) *p;
        else
            e += (size_t) snprintf (encoded + e, sizeof encoded - e, "%%%02X", *p);
    }
    ascii[a] = encoded[e] = 0;
    snprintf (out, size, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, encoded);
}

static enum MHD_Result
s_send_attachment (struct MHD_Connection *conn, const Balcao__V1__AttachmentData *d)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (d->content.len, d->content.data, MHD_RESPMEM_MUST_COPY);
    const char *type = d->attachment->content_type;
    int is_token = *type && strchr (type, '/');
    for (const char *p = type; *p && is_token; p++)
        is_token = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                   strchr ("!#$&^_.+-/", *p);
    char disposition[1600];
    s_disposition (d->attachment->filename, disposition, sizeof disposition);
    MHD_add_response_header (resp, "Content-Type", is_token ? type : "application/octet-stream");
    MHD_add_response_header (resp, "Content-Disposition", disposition);
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (resp, "Content-Security-Policy", "sandbox");
    MHD_add_response_header (resp, "Cache-Control", "private, max-age=86400, immutable");
    enum MHD_Result out = MHD_queue_response (conn, MHD_HTTP_OK, resp);
    MHD_destroy_response (resp);
    return out;
}

/* GET /api/attachments/<sha256>: a stored attachment's bytes, as intake
 * serves them to the token's service. */
static enum MHD_Result
s_get_attachment (gateway_routes_t *self, struct MHD_Connection *conn, const char *principal,
                  const char *sha256)
{
    if (!gateway_parse_sha256 (sha256))
        return s_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
                        "o id de um anexo são os 64 dígitos hexadecimais (minúsculos) do seu "
                        "SHA-256",
                        "an attachment's id is the 64 lower-case hex digits of its SHA-256");
    Balcao__V1__GetAttachment req = BALCAO__V1__GET_ATTACHMENT__INIT;
    req.sha256 = (char *) sha256;
    bc_envelope_t *reply;
    int rc = gateway_bus_call (self->bus, "intake", principal, &req.base, &reply);
    enum MHD_Result out;
    if (rc == BC_OK) {
        Balcao__V1__AttachmentData *d = (Balcao__V1__AttachmentData *) bc_envelope_payload (
            reply, &balcao__v1__attachment_data__descriptor);
        out = d && d->attachment ? s_send_attachment (conn, d) : s_unexpected (conn, "intake");
        if (d)
            balcao__v1__attachment_data__free_unpacked (d, NULL);
    }
    else
        out = s_bus_error (conn, rc, reply, "intake");
    bc_envelope_destroy (&reply);
    return out;
}

static void
s_peer (struct MHD_Connection *conn, char *out, size_t size)
{
    snprintf (out, size, "?");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, out, (socklen_t) size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, out, (socklen_t) size);
}

/* 401 with the challenge of RFC 6750; the same body whatever went wrong,
 * so a caller learns nothing about which tokens exist. */
static enum MHD_Result
s_unauthorized (gateway_routes_t *self, struct MHD_Connection *conn, gateway_auth_result_t why,
                bool has_header)
{
    char peer[INET6_ADDRSTRLEN + 1];
    s_peer (conn, peer, sizeof peer);
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
    return s_send_json (conn, MHD_HTTP_UNAUTHORIZED, body, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
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
    return s_error (conn, MHD_HTTP_NOT_FOUND, "not_found", "página não encontrada", "no such page");
}

enum MHD_Result
gateway_routes_handle (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                       const char *version, const char *upload_data, size_t *upload_data_size,
                       void **con_cls)
{
    (void) version, (void) upload_data, (void) upload_data_size, (void) con_cls;
    gateway_routes_t *self = cls;
    if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
        return s_error (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                        "por enquanto, aqui só se atende GET", "only GET is served here for now");
    if (strcmp (url, "/healthz") == 0)
        return s_healthz (self, conn);
    if (strncmp (url, "/api/", 5) == 0)
        return s_api (self, conn, url + 5);
    return s_error (conn, MHD_HTTP_NOT_FOUND, "not_found", "página não encontrada", "no such page");
}
