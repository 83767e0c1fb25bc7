/* gateway_server: libmicrohttpd with one internal thread; every bus client
 * is used from that thread only. JSON with jansson. */
#include "gateway_server.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_log.h"

#include <czmq.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const s_services[] = {"intake", "router", "kb", "notify"};
#define GATEWAY_NSERVICES 4

struct gateway_server_t {
    struct MHD_Daemon *daemon;
    bc_client_t *health[GATEWAY_NSERVICES];
    bc_client_t *router;
    bc_client_t *intake; /* attachments */
    char url[256];
};

static enum MHD_Result
s_send_json (struct MHD_Connection *conn, unsigned status, json_t *body)
{
    char *text = json_dumps (body, JSON_INDENT (2));
    json_decref (body);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (strlen (text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header (resp, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response (conn, status, resp);
    MHD_destroy_response (resp);
    return rc;
}

static enum MHD_Result
s_error (struct MHD_Connection *conn, unsigned status, const char *message)
{
    return s_send_json (conn, status, json_pack ("{s:s}", "error", message));
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
s_healthz (gateway_server_t *self, struct MHD_Connection *conn)
{
    json_t *services = json_object ();
    int all_ok = 1;
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    for (int i = 0; i < GATEWAY_NSERVICES; i++) {
        bc_envelope_t *reply;
        int rc = bc_client_call (self->health[i], NULL, &ping.base, &reply);
        Balcao__V1__Pong *pong =
            rc == BC_OK ? (Balcao__V1__Pong *) bc_envelope_payload (reply, &balcao__v1__pong__descriptor)
                        : NULL;
        if (pong) {
            json_object_set_new (services, s_services[i],
                                 json_pack ("{s:b, s:I}", "ok", 1, "head_seq",
                                            (json_int_t) pong->head_seq));
            balcao__v1__pong__free_unpacked (pong, NULL);
        }
        else {
            all_ok = 0;
            bc_client_reconnect (self->health[i]);
            json_object_set_new (services, s_services[i], json_pack ("{s:b}", "ok", 0));
        }
        bc_envelope_destroy (&reply);
    }
    return s_send_json (conn, all_ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                        json_pack ("{s:s, s:o}", "status", all_ok ? "ok" : "degraded",
                                   "services", services));
}

static json_t *
s_ticket_json (const Balcao__V1__Ticket *t)
{
    json_t *messages = json_array ();
    for (size_t i = 0; i < t->n_messages; i++) {
        const Balcao__V1__TicketMessage *m = t->messages[i];
        /* Until the gateway knows who is asking, it serves what a customer
         * may see: never an internal note. */
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

/* The HTTP answer for a failed bus call (rc is not BC_OK): the service's
 * refusal with its status, or 503 when `who` did not answer. */
static enum MHD_Result
s_bus_error (struct MHD_Connection *conn, int rc, const bc_envelope_t *reply, const char *who)
{
    char buf[512];
    if (rc != BC_EREMOTE) {
        snprintf (buf, sizeof buf, "%s is not answering; try again in a moment", who);
        return s_error (conn, MHD_HTTP_SERVICE_UNAVAILABLE, buf);
    }
    Balcao__V1__Error *err =
        (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
    const char *code = err ? err->code : "";
    unsigned status = strcmp (code, "not_found") == 0   ? MHD_HTTP_NOT_FOUND
                      : strcmp (code, "invalid") == 0   ? MHD_HTTP_BAD_REQUEST
                      : strcmp (code, "forbidden") == 0 ? MHD_HTTP_FORBIDDEN
                                                        : MHD_HTTP_BAD_GATEWAY;
    snprintf (buf, sizeof buf, "%s", err ? err->message : "error");
    if (err)
        balcao__v1__error__free_unpacked (err, NULL);
    return s_error (conn, status, buf);
}

static enum MHD_Result
s_get_ticket (gateway_server_t *self, struct MHD_Connection *conn, const char *number_text)
{
    char *end;
    unsigned long long number = strtoull (number_text, &end, 10);
    if (end == number_text || *end || number == 0)
        return s_error (conn, MHD_HTTP_BAD_REQUEST, "the ticket number must be a positive integer");
    Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
    req.number = number;
    bc_envelope_t *reply;
    int rc = bc_client_call (self->router, NULL, &req.base, &reply);
    enum MHD_Result out;
    if (rc == BC_OK) {
        Balcao__V1__Ticket *t =
            (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
        out = t ? s_send_json (conn, MHD_HTTP_OK, s_ticket_json (t))
                : s_error (conn, MHD_HTTP_BAD_GATEWAY, "the router sent an unexpected reply");
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    else
        out = s_bus_error (conn, rc, reply, "the router");
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

/* GET /api/attachments/<sha256>: a stored attachment's bytes, as intake
 * serves them to an integrated system (service:gateway). */
static enum MHD_Result
s_get_attachment (gateway_server_t *self, struct MHD_Connection *conn, const char *sha256)
{
    Balcao__V1__GetAttachment req = BALCAO__V1__GET_ATTACHMENT__INIT;
    req.sha256 = (char *) sha256;
    bc_envelope_t *reply;
    int rc = bc_client_call (self->intake, NULL, &req.base, &reply);
    enum MHD_Result out;
    if (rc == BC_OK) {
        Balcao__V1__AttachmentData *d = (Balcao__V1__AttachmentData *) bc_envelope_payload (
            reply, &balcao__v1__attachment_data__descriptor);
        if (d && d->attachment) {
            struct MHD_Response *resp = MHD_create_response_from_buffer (
                d->content.len, d->content.data, MHD_RESPMEM_MUST_COPY);
            const char *type = d->attachment->content_type;
            int is_token = *type && strchr (type, '/');
            for (const char *p = type; *p && is_token; p++)
                is_token = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                           strchr ("!#$&^_.+-/", *p);
            char disposition[1600];
            s_disposition (d->attachment->filename, disposition, sizeof disposition);
            MHD_add_response_header (resp, "Content-Type",
                                     is_token ? type : "application/octet-stream");
            MHD_add_response_header (resp, "Content-Disposition", disposition);
            MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
            MHD_add_response_header (resp, "Content-Security-Policy", "sandbox");
            MHD_add_response_header (resp, "Cache-Control", "private, max-age=86400, immutable");
            out = MHD_queue_response (conn, MHD_HTTP_OK, resp);
            MHD_destroy_response (resp);
        }
        else
            out = s_error (conn, MHD_HTTP_BAD_GATEWAY, "intake sent an unexpected reply");
        if (d)
            balcao__v1__attachment_data__free_unpacked (d, NULL);
    }
    else
        out = s_bus_error (conn, rc, reply, "intake");
    bc_envelope_destroy (&reply);
    return out;
}

static enum MHD_Result
s_handle (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void) version, (void) upload_data, (void) upload_data_size, (void) con_cls;
    gateway_server_t *self = cls;
    if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
        return s_error (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is served here for now");
    if (strcmp (url, "/healthz") == 0)
        return s_healthz (self, conn);
    if (strncmp (url, "/api/tickets/", 13) == 0)
        return s_get_ticket (self, conn, url + 13);
    if (strncmp (url, "/api/attachments/", 17) == 0)
        return s_get_attachment (self, conn, url + 17);
    return s_error (conn, MHD_HTTP_NOT_FOUND, "no such page");
}

gateway_server_t *
gateway_server_new (bc_config_t *config)
{
    gateway_server_t *self = calloc (1, sizeof *self);
    for (int i = 0; i < GATEWAY_NSERVICES; i++) {
        self->health[i] = bc_client_new_for (config, s_services[i], "gateway");
        if (!self->health[i]) {
            gateway_server_destroy (&self);
            return NULL;
        }
        bc_client_set_timeout (self->health[i], 500, 0);
    }
    self->router = bc_client_new_for (config, "router", "gateway");
    if (!self->router) {
        gateway_server_destroy (&self);
        return NULL;
    }
    bc_client_set_timeout (self->router, 2000, 1);
    self->intake = bc_client_new_for (config, "intake", "gateway");
    if (!self->intake) {
        gateway_server_destroy (&self);
        return NULL;
    }
    bc_client_set_timeout (self->intake, 5000, 1);
    bc_client_set_principal (self->intake, "service:gateway");
    /* The gateway reads as an integrated system: public parts only. */
    bc_client_set_principal (self->router, "service:gateway");
    const char *address = bc_config_str (config, "gateway/http_address", "127.0.0.1");
    int port = (int) bc_config_int (config, "gateway/http_port", 8080);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (inet_pton (AF_INET, address, &sin.sin_addr) != 1) {
        bc_error ("event=bad_address http_address=%s hint=\"give an IPv4 address\"", address);
        gateway_server_destroy (&self);
        return NULL;
    }
    self->daemon = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                                     (uint16_t) port, NULL, NULL, s_handle, self, MHD_OPTION_SOCK_ADDR,
                                     &sin, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!self->daemon) {
        bc_error ("event=listen_failed address=%s port=%d hint=\"is the port in use?\"", address,
                  port);
        gateway_server_destroy (&self);
        return NULL;
    }
    snprintf (self->url, sizeof self->url, "http://%s:%d/", address, port);
    bc_info ("event=listening url=%s", self->url);
    return self;
}

void
gateway_server_destroy (gateway_server_t **self_p)
{
    gateway_server_t *self = *self_p;
    if (!self)
        return;
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    for (int i = 0; i < GATEWAY_NSERVICES; i++)
        bc_client_destroy (&self->health[i]);
    bc_client_destroy (&self->router);
    bc_client_destroy (&self->intake);
    free (self);
    *self_p = NULL;
}

const char *
gateway_server_url (gateway_server_t *self)
{
    return self->url;
}
