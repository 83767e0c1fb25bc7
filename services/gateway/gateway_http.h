/* gateway_http: what every room of the gateway shares to answer a request:
 * the request as the rooms see it (who, what, the body), JSON answers,
 * errors in both languages, and the HTTP meaning of a bus refusal. Safe
 * from every connection thread. */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include "bc_client.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

/* One API request, as gateway_routes.c hands it to a room. */
typedef struct {
    struct MHD_Connection *conn;
    const char *method; /* "GET", "POST", ... */
    const char *url;    /* the whole path, unescaped */
    const char *path;   /* after "/api/v1/" */
    /* The body of a write (NUL-terminated, at most gateway/max_body_bytes),
     * or NULL. body_json is it parsed, when it is a JSON object (NULL
     * otherwise); owned by the routes. */
    const char *body;
    size_t body_len;
    json_t *body_json;
    bool is_write; /* not GET or HEAD */
    char peer[64]; /* the client's IP address */
    /* Who asks, on the bus: "customer:<address>" (a customer's session), a
     * staff person's id ("agent:<e-mail>", "supervisor:…", "admin:…": a
     * staff session), "service:<name>" (a Bearer token) or "visitor:"
     * (none). */
    char principal[200];
    bool signed_in; /* a session cookie named a live session */
    bool by_token;  /* a Bearer token: no cookies, no CSRF */
    char address[160];
    char name[160];
    char language[8]; /* "pt-BR" or "en": the account's, else Accept-Language */
    /* Set by gateway_accounts_identify for the accounts room's own use. */
    char session_key[80];
} gateway_req_t;

/* True when the request comes with a staff session: a signed-in agent,
 * supervisor or admin (its principal "agent:…", "supervisor:…" or
 * "admin:…", from the session record, never from the client). */
bool gateway_req_is_staff (const gateway_req_t *req);
/* For the staff's routes (/desk/…, /staff/…): true when the request comes
 * with a staff session; otherwise false with the answer sent in *out: 401
 * unauthorized for a visitor (no session), 403 forbidden for a customer's
 * session or a Bearer token. */
bool gateway_http_staff_only (gateway_req_t *req, enum MHD_Result *out);

/* True when the request's path is exactly `route` (relative to /api/v1/).
 * With a trailing '*' in route, true when it starts with what comes
 * before, and *rest (when not NULL) is what follows. */
bool gateway_http_path (const gateway_req_t *req, const char *route, const char **rest);

/* Sends body (its reference taken) as JSON with status; header/value, when
 * not NULL, one more header. Every API answer is Cache-Control: no-store. */
enum MHD_Result gateway_http_json (struct MHD_Connection *conn, unsigned status, json_t *body,
                                   const char *header, const char *value);
/* The same answer, not yet queued (its reference taken; NULL when body
 * cannot be written), for a room that adds headers (Set-Cookie). */
struct MHD_Response *gateway_http_json_response (json_t *body);
/* {"error": code, "message": en, "message_pt": pt} with status. */
enum MHD_Result gateway_http_error (struct MHD_Connection *conn, unsigned status,
                                    const char *code, const char *pt, const char *en);
/* The answer for a failed bus call (rc is not BC_OK): the service's refusal
 * with its status (not_found 404, invalid 400, forbidden 403, conflict 409,
 * too_large and attachment_too_large 413), or 503 when it did not answer. */
enum MHD_Result gateway_http_bus_error (struct MHD_Connection *conn, int rc,
                                        const bc_envelope_t *reply, const char *service);
/* Sends a stored file as a download (Content-Disposition: attachment with
 * its decoded name, its type only when it is a plain media type, nosniff,
 * Content-Security-Policy: sandbox): the browser saves it, never renders
 * it on our origin. */
struct Balcao__V1__AttachmentData;
enum MHD_Result gateway_http_attachment (struct MHD_Connection *conn,
                                         const struct Balcao__V1__AttachmentData *d);
/* 502: a service's reply could not be read. */
enum MHD_Result gateway_http_unexpected (struct MHD_Connection *conn, const char *service);
/* 404 for a path no room serves. */
enum MHD_Result gateway_http_no_such_page (struct MHD_Connection *conn);
/* ISO 8601 UTC, second precision ("2026-12-03T14:05:00Z"); null for 0. */
json_t *gateway_http_time (int64_t us);
/* The same with milliseconds ("2026-12-03T14:05:00.123Z"): the dashboard
 * orders a ticket's messages and history by it, and a reply and an action
 * often fall in the same second. */
json_t *gateway_http_time_ms (int64_t us);
/* The client's IP address as text ("?" when unknown). */
void gateway_http_peer (struct MHD_Connection *conn, char *out, size_t size);
/* The headers every HTML answer carries: the Content-Security-Policy
 * (no inline scripts or styles), nosniff, no referrer, no framing. */
void gateway_http_page_headers (struct MHD_Response *resp);
/* The same for a page other sites may frame (the web chat's /chat):
 * frame-ancestors `ancestors` ("'self' https://shop.example"), no
 * X-Frame-Options. */
void gateway_http_page_headers_framed (struct MHD_Response *resp, const char *ancestors);

/* A URL's origin, as browsers send it in Origin: "http://127.0.0.1:8080/portal"
 * -> "http://127.0.0.1:8080" (into out, size bytes). */
void gateway_http_origin_of (const char *url, char *out, size_t size);

#endif
