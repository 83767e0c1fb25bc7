/* gateway_export: the portal's "Meus dados" and the dashboard's LGPD page
 * (see the header). The export is assembled by bc_export_person over the
 * bus: the router asked as the one who asks (it decides and audits),
 * notify, kb and intake's files as service:gateway (they serve what the
 * router's answer named); each file goes into a ZIP archive in memory
 * (libarchive, written to a growing buffer, at most
 * gateway/export_max_bytes), then sent as one download. */
#include "gateway_export.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "bc_export.h"
#include "bc_log.h"
#include "bc_scrub.h"
#include "gateway_ratelimit.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_SERVICE "service:gateway"

struct gateway_export_t {
    gateway_bus_t *bus;
    gateway_store_t *store;
    gateway_ratelimit_t *per_account; /* the portal's exports, per address */
    size_t max_bytes;                 /* the largest ZIP file sent */
};

gateway_export_t *
gateway_export_new (bc_config_t *config, gateway_bus_t *bus, gateway_store_t *store)
{
    gateway_export_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    self->store = store;
    /* A few per hour: each is audited and reads every service. */
    self->per_account = gateway_ratelimit_new (
        (int) bc_config_int (config, "gateway/exports_per_hour", 5),
        (int) bc_config_int (config, "gateway/exports_window_s", 3600), 100000);
    self->max_bytes =
        (size_t) bc_config_int (config, "gateway/export_max_bytes", 512LL * 1024 * 1024);
    if (!self->per_account)
        gateway_export_destroy (&self);
    return self;
}

void
gateway_export_destroy (gateway_export_t **self_p)
{
    gateway_export_t *self = *self_p;
    if (!self)
        return;
    gateway_ratelimit_destroy (&self->per_account);
    free (self);
    *self_p = NULL;
}

/* ---- the ZIP file, in memory ---- */

typedef struct {
    struct archive *a;
    char *data;
    size_t len, cap, max;
    bool is_too_large;
    time_t when;
} s_zip_t;

static la_ssize_t
s_zip_write (struct archive *a, void *arg, const void *buf, size_t n)
{
    s_zip_t *z = arg;
    if (z->len + n > z->max) {
        z->is_too_large = true;
        archive_set_error (a, ENOSPC, "export too large");
        return -1;
    }
    if (z->len + n > z->cap) {
        size_t cap = z->cap ? z->cap : 64 * 1024;
        while (cap < z->len + n)
            cap *= 2;
        char *grown = realloc (z->data, cap);
        if (!grown) {
            archive_set_error (a, ENOMEM, "out of memory");
            return -1;
        }
        z->data = grown;
        z->cap = cap;
    }
    memcpy (z->data + z->len, buf, n);
    z->len += n;
    return (la_ssize_t) n;
}

static const char *
s_archive_error (struct archive *a)
{
    const char *e = archive_error_string (a);
    return e ? e : "?";
}

static int
s_zip_open (s_zip_t *z, size_t max)
{
    memset (z, 0, sizeof *z);
    z->max = max;
    z->when = time (NULL);
    z->a = archive_write_new ();
    if (!z->a)
        return -1;
    /* Names are UTF-8 whatever the process's locale: the ZIP's UTF-8 flag
     * is set, so unzip and every OS's file manager read them as such. */
    if (archive_write_set_format_zip (z->a) != ARCHIVE_OK
        || archive_write_set_options (z->a, "zip:hdrcharset=UTF-8") != ARCHIVE_OK
        || archive_write_set_bytes_in_last_block (z->a, 1) != ARCHIVE_OK
        || archive_write_open2 (z->a, z, NULL, s_zip_write, NULL, NULL) != ARCHIVE_OK) {
        bc_warn ("event=export_zip_failed error=\"%s\"", s_archive_error (z->a));
        archive_write_free (z->a);
        z->a = NULL;
        return -1;
    }
    return 0;
}

/* bc_export's sink: one file into the archive. */
static int
s_zip_put (s_zip_t *z, const char *name, const void *data, size_t len)
{
    struct archive_entry *e = archive_entry_new ();
    if (!e)
        return -1;
    archive_entry_set_pathname_utf8 (e, name);
    archive_entry_set_size (e, (la_int64_t) len);
    archive_entry_set_filetype (e, AE_IFREG);
    archive_entry_set_perm (e, 0600);
    archive_entry_set_mtime (e, z->when, 0);
    int rc = archive_write_header (z->a, e) == ARCHIVE_OK ? 0 : -1;
    if (rc == 0 && len && archive_write_data (z->a, data, len) != (la_ssize_t) len)
        rc = -1;
    if (rc == 0 && archive_write_finish_entry (z->a) != ARCHIVE_OK)
        rc = -1;
    /* Not the file's name: it may name the person. */
    if (rc && !z->is_too_large)
        bc_warn ("event=export_zip_failed error=\"%s\"", s_archive_error (z->a));
    archive_entry_free (e);
    return rc;
}

/* Ends the archive (its central directory): 0, or -1. */
static int
s_zip_close (s_zip_t *z)
{
    int rc = archive_write_close (z->a) == ARCHIVE_OK ? 0 : -1;
    archive_write_free (z->a);
    z->a = NULL;
    return rc;
}

static void
s_zip_drop (s_zip_t *z)
{
    if (z->a)
        archive_write_free (z->a);
    free (z->data);
    memset (z, 0, sizeof *z);
}

/* ---- one export ---- */

typedef struct {
    gateway_export_t *self;
    const char *principal; /* who asks the router */
    int calls;
    /* The router's refusal of ExportPerson (the first call), kept to
     * answer with its status and sentence. */
    int first_rc;
    bc_envelope_t *first_reply;
    s_zip_t zip;
} s_run_t;

static int
s_call (void *arg, const char *service, const ProtobufCMessage *msg,
        const ProtobufCMessageDescriptor *type, ProtobufCMessage **out, char *err, size_t size)
{
    s_run_t *run = arg;
    bool is_first = run->calls++ == 0;
    bc_envelope_t *reply = NULL;
    int rc = strcmp (service, "intake") == 0
                 ? gateway_bus_call_intakes (run->self->bus, S_SERVICE, msg, &reply)
                 : gateway_bus_call (run->self->bus, service,
                                     strcmp (service, "router") == 0 ? run->principal : S_SERVICE,
                                     msg, &reply);
    *out = NULL;
    if (rc == BC_OK) {
        *out = bc_envelope_payload (reply, type);
        if (!*out)
            snprintf (err, size, "o serviço %s deu uma resposta inesperada", service);
    }
    else {
        Balcao__V1__Error *e =
            reply ? (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor)
                  : NULL;
        snprintf (err, size, "%s",
                  e && *e->message_pt ? e->message_pt
                                      : "o serviço não respondeu; tente de novo em alguns minutos");
        if (e)
            balcao__v1__error__free_unpacked (e, NULL);
    }
    if (is_first && rc != BC_OK) {
        run->first_rc = rc;
        run->first_reply = reply;
        reply = NULL;
    }
    else if (is_first && !*out)
        run->first_rc = BC_EPROTO;
    bc_envelope_destroy (&reply);
    return *out ? 0 : -1;
}

static int
s_put (void *arg, const char *name, const void *data, size_t len)
{
    s_run_t *run = arg;
    return s_zip_put (&run->zip, name, data, len);
}

/* gateway.json: the portal account of person (the record of their
 * consent to the portal), or null when they have none. */
static json_t *
s_account_part (gateway_export_t *self, const char *person)
{
    char address[GATEWAY_ADDRESS_MAX + 1];
    snprintf (address, sizeof address, "%s", person + 9);
    for (char *p = address; *p; p++)
        *p = (char) tolower ((unsigned char) *p);
    gateway_account_t a;
    json_t *account = json_null ();
    if (strlen (person + 9) <= GATEWAY_ADDRESS_MAX
        && gateway_store_account_get (self->store, address, &a) == 0) {
        json_decref (account);
        account = json_pack ("{s:s, s:s, s:s, s:b, s:b, s:o}", "address", a.address, "name",
                             a.name, "language", a.language, "confirmed", a.confirmed,
                             "has_password", *a.hash != 0, "created_at",
                             gateway_http_time (a.created_us));
        sodium_memzero (&a, sizeof a);
    }
    json_t *doc = json_pack ("{s:o, s:s}", "portal_account", account, "note",
                             "a conta do portal (o registro do seu cadastro e do aceite ao "
                             "portal); sessões e senhas não são exportadas (a senha é guardada "
                             "só como hash argon2id)");
    return json_pack ("[{s:s, s:s, s:s, s:o}]", "file", "gateway.json", "service", "gateway",
                      "holds", "conta do portal: endereço, nome, idioma, confirmação e criação",
                      "json", doc);
}

/* Sends the ZIP (its buffer taken). */
static enum MHD_Result
s_send_zip (gateway_req_t *req, s_zip_t *z)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (z->len, z->data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free (z->data);
        z->data = NULL;
        return MHD_NO;
    }
    z->data = NULL;
    char day[16], disposition[80];
    struct tm tm;
    gmtime_r (&z->when, &tm);
    strftime (day, sizeof day, "%Y-%m-%d", &tm);
    snprintf (disposition, sizeof disposition, "attachment; filename=\"balcao-dados-%s.zip\"",
              day);
    MHD_add_response_header (resp, "Content-Type", "application/zip");
    MHD_add_response_header (resp, "Content-Disposition", disposition);
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (resp, "Cache-Control", "no-store");
    enum MHD_Result out = MHD_queue_response (req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response (resp);
    return out;
}

/* Who asked, as the logs name them: a staff person by their principal, a
 * customer by their pseudonym (bc_scrub_log_id: no address in the logs). */
static const char *
s_log_who (const gateway_req_t *req, char *out, size_t size)
{
    if (strncmp (req->principal, "customer:", 9) == 0 && size >= 16)
        return bc_scrub_log_id (req->principal, out);
    return bc_log_clean (req->principal, out, size);
}

/* Runs the export of person, asked by req->principal, and answers it. */
static enum MHD_Result
s_export (gateway_export_t *self, gateway_req_t *req, const char *person, const char *reason)
{
    s_run_t run = {.self = self, .principal = req->principal};
    if (s_zip_open (&run.zip, self->max_bytes))
        return gateway_http_error (req->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                                   "não foi possível preparar o arquivo ZIP; tente de novo",
                                   "the ZIP file could not be prepared; try again");
    json_t *extra = s_account_part (self, person);
    bc_export_t ex = {.person = person, .reason = reason, .asked_by = req->principal,
                      .extra_parts = extra, .call = s_call, .put = s_put, .arg = &run};
    char err[600];
    int rc = bc_export_person (&ex, err, sizeof err);
    json_decref (extra);
    if (rc == 0)
        rc = s_zip_close (&run.zip);
    enum MHD_Result out;
    char who[GATEWAY_PRINCIPAL_MAX + 1];
    if (rc == 0) {
        bc_info ("event=lgpd_export by=%s bytes=%zu", s_log_who (req, who, sizeof who),
                 run.zip.len);
        out = s_send_zip (req, &run.zip);
    }
    else if (run.first_rc == BC_EPROTO)
        out = gateway_http_unexpected (req->conn, "router");
    else if (run.first_rc != BC_OK)
        out = gateway_http_bus_error (req->conn, run.first_rc, run.first_reply, "router");
    else if (run.zip.is_too_large) {
        char pt[300], en[300];
        snprintf (pt, sizeof pt,
                  "os dados passam de %zu MiB, o limite de um download; a equipe de suporte "
                  "pode exportá-los pela linha de comando (balcao lgpd export)",
                  self->max_bytes >> 20);
        snprintf (en, sizeof en,
                  "the data is over %zu MiB, the limit of one download; the support team can "
                  "export it from the command line (balcao lgpd export)",
                  self->max_bytes >> 20);
        out = gateway_http_error (req->conn, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", pt, en);
    }
    else {
        char clean[sizeof err];
        bc_warn ("event=lgpd_export_failed by=%s error=\"%s\"", s_log_who (req, who, sizeof who),
                 bc_log_clean (err, clean, sizeof clean));
        out = gateway_http_error (req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                  "não foi possível montar a exportação agora; tente de novo em "
                                  "alguns minutos",
                                  "the export could not be put together now; try again in a few "
                                  "minutes");
    }
    bc_envelope_destroy (&run.first_reply);
    s_zip_drop (&run.zip);
    return out;
}

/* POST /me/export: the session's own customer, a few times an hour. */
static enum MHD_Result
s_portal_export (gateway_export_t *self, gateway_req_t *req)
{
    if (!req->signed_in && !req->by_token)
        return gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "entre no portal para baixar seus dados",
                                   "sign in to the portal to download your data");
    if (req->by_token || strncmp (req->principal, "customer:", 9) != 0)
        return gateway_http_error (req->conn, MHD_HTTP_FORBIDDEN, "forbidden",
                                   "o download dos próprios dados é da conta do cliente no "
                                   "portal; a equipe exporta os de um cliente pela página LGPD "
                                   "do painel",
                                   "downloading one's own data is for the customer's portal "
                                   "account; the team exports a customer's on the dashboard's "
                                   "LGPD page");
    int retry = 0;
    if (!gateway_ratelimit_allow (self->per_account, req->principal, true, bc_mono_ms (), &retry)) {
        char seconds[24];
        snprintf (seconds, sizeof seconds, "%d", retry);
        int minutes = (retry + 59) / 60;
        char pt[200], en[200];
        snprintf (pt, sizeof pt,
                  "você já baixou seus dados várias vezes na última hora; tente de novo em %d "
                  "minuto%s",
                  minutes, minutes == 1 ? "" : "s");
        snprintf (en, sizeof en,
                  "you have downloaded your data several times in the last hour; try again in "
                  "%d minute%s",
                  minutes, minutes == 1 ? "" : "s");
        json_t *body = json_pack ("{s:s, s:s, s:s, s:i}", "error", "rate_limited", "message", en,
                                  "message_pt", pt, "retry_after", retry);
        return gateway_http_json (req->conn, MHD_HTTP_TOO_MANY_REQUESTS, body,
                                  MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    return s_export (self, req, req->principal, "");
}

/* The body's "person" as "customer:<address>" (a bare address gets the
 * prefix) into out; false when missing or not one. */
static bool
s_person (const json_t *body, const char *field, char *out, size_t size)
{
    const char *p = json_string_value (json_object_get (body, field));
    if (!p)
        return false;
    while (*p == ' ')
        p++;
    size_t n = strlen (p);
    while (n && p[n - 1] == ' ')
        n--;
    bool has_prefix = strncasecmp (p, "customer:", 9) == 0;
    if (has_prefix) {
        p += 9;
        n -= 9;
    }
    if (n < 3 || n > 300 || memchr (p, ':', n) == p)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) p[i] < 33 || p[i] == 0x7f)
            return false;
    snprintf (out, size, "customer:%.*s", (int) n, p);
    return true;
}

static enum MHD_Result
s_bad_person (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                               "diga de quem são os dados: o endereço do cliente (e-mail ou "
                               "whatsapp:+55...), ou customer:<endereço>",
                               "say whose data it is: the customer's address (e-mail or "
                               "whatsapp:+55...), or customer:<address>");
}

static const char *
s_reason (const gateway_req_t *req)
{
    const char *r = json_string_value (json_object_get (req->body_json, "reason"));
    return r ? r : "";
}

static enum MHD_Result
s_desk_export (gateway_export_t *self, gateway_req_t *req)
{
    char person[320];
    if (!s_person (req->body_json, "person", person, sizeof person))
        return s_bad_person (req);
    return s_export (self, req, person, s_reason (req));
}

static json_t *
s_erasure_json (const Balcao__V1__Erasure *e)
{
    return json_pack ("{s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:s, s:b}", "id", e->id, "kind",
                      e->kind, "when", gateway_http_time (e->requested_us), "by",
                      e->requested_by, "reason", e->reason, "tickets", (int) e->tickets,
                      "messages", (int) e->messages, "trigger", e->trigger, "already",
                      e->already);
}

/* Calls the router as the caller: its payload of type, or NULL with the
 * answer sent in *out. */
static ProtobufCMessage *
s_router (gateway_export_t *self, const gateway_req_t *req, const ProtobufCMessage *msg,
          const ProtobufCMessageDescriptor *type, enum MHD_Result *out)
{
    return gateway_bus_ask (self->bus, req, "router", msg, type, out);
}

static enum MHD_Result
s_desk_erase (gateway_export_t *self, gateway_req_t *req)
{
    char person[320], confirm[320];
    if (!s_person (req->body_json, "person", person, sizeof person))
        return s_bad_person (req);
    if (!s_person (req->body_json, "confirm", confirm, sizeof confirm)
        || strcasecmp (person, confirm) != 0)
        return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "confirm",
                                   "a anonimização não se desfaz: para confirmar, digite de novo "
                                   "o endereço do cliente, igual ao primeiro",
                                   "anonymisation cannot be undone: to confirm, type the "
                                   "customer's address again, the same as the first");
    Balcao__V1__ErasePerson ep = BALCAO__V1__ERASE_PERSON__INIT;
    ep.person = person;
    ep.reason = (char *) s_reason (req);
    enum MHD_Result out = MHD_NO;
    Balcao__V1__Erasure *e = (Balcao__V1__Erasure *) s_router (
        self, req, &ep.base, &balcao__v1__erasure__descriptor, &out);
    if (!e)
        return out;
    char who[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=lgpd_erase by=%s erasure=%s already=%d", s_log_who (req, who, sizeof who),
             e->id, e->already);
    out = gateway_http_json (req->conn, MHD_HTTP_OK, s_erasure_json (e), NULL, NULL);
    balcao__v1__erasure__free_unpacked (e, NULL);
    return out;
}

/* GET /desk/lgpd/audit?before=ID&limit=N: newest first. */
static enum MHD_Result
s_desk_audit (gateway_export_t *self, gateway_req_t *req)
{
    const char *before =
        MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "before");
    const char *limit = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "limit");
    long n = limit ? strtol (limit, NULL, 10) : 100;
    Balcao__V1__ListErasures le = BALCAO__V1__LIST_ERASURES__INIT;
    le.before = (char *) (before && strlen (before) < 32 ? before : "");
    le.limit = (uint32_t) (n < 1 ? 1 : n > 500 ? 500 : n);
    enum MHD_Result out = MHD_NO;
    Balcao__V1__ErasureList *l = (Balcao__V1__ErasureList *) s_router (
        self, req, &le.base, &balcao__v1__erasure_list__descriptor, &out);
    if (!l)
        return out;
    json_t *a = json_array ();
    for (size_t i = 0; i < l->n_erasures; i++)
        json_array_append_new (a, s_erasure_json (l->erasures[i]));
    out = gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "erasures", a), NULL,
                             NULL);
    balcao__v1__erasure_list__free_unpacked (l, NULL);
    return out;
}

static enum MHD_Result
s_method (const gateway_req_t *req, bool is_post)
{
    return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                               is_post ? "este endereço só aceita POST" : "a auditoria só se lê (GET)",
                               is_post ? "this address only takes POST"
                                       : "the audit is only read (GET)");
}

bool
gateway_export_route (gateway_export_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    bool mine = gateway_http_path (req, "me/export", NULL);
    bool d_export = gateway_http_path (req, "desk/lgpd/export", NULL);
    bool d_erase = gateway_http_path (req, "desk/lgpd/erase", NULL);
    bool d_audit = gateway_http_path (req, "desk/lgpd/audit", NULL);
    if (!mine && !d_export && !d_erase && !d_audit)
        return false;
    if (mine) {
        *out = req->is_write ? s_portal_export (self, req) : s_method (req, true);
        return true;
    }
    if (!gateway_http_staff_only (req, out))
        return true;
    if (d_audit)
        *out = req->is_write ? s_method (req, false) : s_desk_audit (self, req);
    else if (!req->is_write)
        *out = s_method (req, true);
    else
        *out = d_export ? s_desk_export (self, req) : s_desk_erase (self, req);
    return true;
}
