/* gateway_http: the answers every room of the gateway gives the same way. */
#include "gateway_http.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

bool
gateway_http_path (const gateway_req_t *req, const char *route, const char **rest)
{
    size_t n = strlen (route);
    if (n && route[n - 1] == '*') {
        if (strncmp (req->path, route, n - 1) != 0)
            return false;
        if (rest)
            *rest = req->path + n - 1;
        return true;
    }
    return strcmp (req->path, route) == 0;
}

bool
gateway_req_is_staff (const gateway_req_t *req)
{
    const char *p = req->principal;
    return req->signed_in && !req->by_token &&
           (strncmp (p, "agent:", 6) == 0 || strncmp (p, "supervisor:", 11) == 0 ||
            strncmp (p, "admin:", 6) == 0);
}

bool
gateway_http_staff_only (gateway_req_t *req, enum MHD_Result *out)
{
    if (gateway_req_is_staff (req))
        return true;
    if (!req->signed_in && !req->by_token)
        *out = gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "entre com sua conta da equipe de suporte",
                                   "sign in with your support team account");
    else
        *out = gateway_http_error (req->conn, MHD_HTTP_FORBIDDEN, "forbidden",
                                   "esta área é só da equipe de suporte",
                                   "this area is for the support team only");
    return false;
}

struct MHD_Response *
gateway_http_json_response (json_t *body)
{
    char *text = body ? json_dumps (body, JSON_COMPACT) : NULL;
    json_decref (body);
    if (!text)
        return NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (strlen (text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header (resp, "Cache-Control", "no-store");
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    return resp;
}

enum MHD_Result
gateway_http_json (struct MHD_Connection *conn, unsigned status, json_t *body, const char *header,
                   const char *value)
{
    struct MHD_Response *resp = gateway_http_json_response (body);
    if (!resp)
        return MHD_NO;
    if (header)
        MHD_add_response_header (resp, header, value);
    enum MHD_Result rc = MHD_queue_response (conn, status, resp);
    MHD_destroy_response (resp);
    return rc;
}

enum MHD_Result
gateway_http_error (struct MHD_Connection *conn, unsigned status, const char *code, const char *pt,
                    const char *en)
{
    return gateway_http_json (
        conn, status,
        json_pack ("{s:s, s:s, s:s}", "error", code, "message", en, "message_pt", pt), NULL, NULL);
}

enum MHD_Result
gateway_http_no_such_page (struct MHD_Connection *conn)
{
    return gateway_http_error (conn, MHD_HTTP_NOT_FOUND, "not_found", "página não encontrada",
                               "no such page");
}

json_t *
gateway_http_time (int64_t us)
{
    if (us <= 0)
        return json_null ();
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    gmtime_r (&t, &tm);
    char buf[32];
    strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string (buf);
}

json_t *
gateway_http_time_ms (int64_t us)
{
    if (us <= 0)
        return json_null ();
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    gmtime_r (&t, &tm);
    char buf[40];
    size_t n = strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (buf + n, sizeof buf - n, ".%03dZ", (int) (us / 1000 % 1000));
    return json_string (buf);
}

enum MHD_Result
gateway_http_unexpected (struct MHD_Connection *conn, const char *service)
{
    char pt[128], en[128];
    snprintf (pt, sizeof pt, "o serviço %s mandou uma resposta inesperada", service);
    snprintf (en, sizeof en, "the %s service sent an unexpected reply", service);
    return gateway_http_error (conn, MHD_HTTP_BAD_GATEWAY, "bad_gateway", pt, en);
}

static unsigned
s_status_of (const char *code)
{
    static const struct {
        const char *code;
        unsigned status;
    } map[] = {
        {"not_found", MHD_HTTP_NOT_FOUND},
        {"invalid", MHD_HTTP_BAD_REQUEST},
        {"malformed", MHD_HTTP_BAD_REQUEST},
        {"forbidden", MHD_HTTP_FORBIDDEN},
        {"conflict", MHD_HTTP_CONFLICT},
        {"too_large", MHD_HTTP_CONTENT_TOO_LARGE},
        {"attachment_too_large", MHD_HTTP_CONTENT_TOO_LARGE},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp (code, map[i].code) == 0)
            return map[i].status;
    return MHD_HTTP_BAD_GATEWAY;
}

enum MHD_Result
gateway_http_bus_error (struct MHD_Connection *conn, int rc, const bc_envelope_t *reply,
                        const char *service)
{
    if (rc != BC_EREMOTE) {
        char pt[160], en[160];
        snprintf (pt, sizeof pt, "o serviço %s não respondeu a tempo; tente de novo em instantes",
                  service);
        snprintf (en, sizeof en, "the %s service did not answer in time; try again in a moment",
                  service);
        return gateway_http_error (conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", pt, en);
    }
    Balcao__V1__Error *err =
        (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
    if (!err)
        return gateway_http_unexpected (conn, service);
    enum MHD_Result out =
        gateway_http_error (conn, s_status_of (err->code), err->code,
                            *err->message_pt ? err->message_pt : err->message, err->message);
    balcao__v1__error__free_unpacked (err, NULL);
    return out;
}

void
gateway_http_peer (struct MHD_Connection *conn, char *out, size_t size)
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

void
gateway_http_page_headers (struct MHD_Response *resp)
{
    gateway_http_page_headers_framed (resp, NULL);
}

void
gateway_http_page_headers_framed (struct MHD_Response *resp, const char *ancestors)
{
    char csp[1536];
    snprintf (csp, sizeof csp,
              "default-src 'self'; script-src 'self'; style-src 'self'; "
              "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
              "object-src 'none'; frame-ancestors %s; base-uri 'none'; "
              "form-action 'self'",
              ancestors ? ancestors : "'none'");
    MHD_add_response_header (resp, "Content-Security-Policy", csp);
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (resp, "Referrer-Policy", "no-referrer");
    if (!ancestors)
        MHD_add_response_header (resp, "X-Frame-Options", "DENY");
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

enum MHD_Result
gateway_http_attachment (struct MHD_Connection *conn, const Balcao__V1__AttachmentData *d)
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

void
gateway_http_origin_of (const char *url, char *out, size_t size)
{
    snprintf (out, size, "%s", url);
    char *scheme_end = strstr (out, "://");
    char *slash = scheme_end ? strchr (scheme_end + 3, '/') : NULL;
    if (slash)
        *slash = 0;
}
