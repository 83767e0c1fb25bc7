/* gateway_whatsapp: see gateway_whatsapp.h. The room checks who is calling
 * (the verify token, the body's signature), reads the body
 * (gateway_whatsapp_parse.c) and hands each message and status to intake,
 * each call with a request id made from the wamid, so a retry of the same
 * POST (Meta's, after our 503) is the same request at intake. */
#include "gateway_whatsapp.h"

#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "bc_log.h"
#include "bc_clock.h"
#include "gateway_whatsapp_media.h"
#include "gateway_whatsapp_parse.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An app secret longer than this is not Meta's (theirs are 32 hex digits). */
#define S_MAX_SECRET 256

struct gateway_whatsapp_t {
    gateway_bus_t *bus;
    gateway_wa_media_t *media;         /* the media messages' files */
    char *verify_token;                /* gateway/whatsapp/verify_token, "" when unset */
    unsigned char secret[S_MAX_SECRET]; /* the app secret's bytes */
    size_t secret_len;                 /* 0: unset or unreadable */
    size_t max_body;                   /* gateway/whatsapp/max_body_bytes */
    pthread_mutex_t lock;              /* guards the refusal counter */
    int64_t refused_logged_ms;
    unsigned refused_pending;
    bool is_off_logged; /* the "not configured" line, once */
};

/* The secret, from its file: its first line, without the newline. */
static void
s_load_secret (gateway_whatsapp_t *self, const char *path)
{
    FILE *f = fopen (path, "re");
    if (!f) {
        bc_error ("event=whatsapp_secret_unreadable file=%s reason=\"%s\" what_to_do=\"write the "
                  "app secret (Meta: App settings > Basic) into the file, readable by the "
                  "gateway\"",
                  path, strerror (errno));
        return;
    }
    char line[S_MAX_SECRET + 2];
    size_t n = fgets (line, sizeof line, f) ? strcspn (line, "\r\n") : 0;
    fclose (f);
    if (n == 0 || n > S_MAX_SECRET) {
        bc_error ("event=whatsapp_secret_unreadable file=%s reason=\"%s\"", path,
                  n ? "longer than 256 bytes" : "empty");
        sodium_memzero (line, sizeof line);
        return;
    }
    memcpy (self->secret, line, n);
    self->secret_len = n;
    sodium_memzero (line, sizeof line);
}

gateway_whatsapp_t *
gateway_whatsapp_new (bc_config_t *config, gateway_bus_t *bus)
{
    gateway_whatsapp_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    pthread_mutex_init (&self->lock, NULL);
    self->verify_token = strdup (bc_config_str (config, "gateway/whatsapp/verify_token", ""));
    self->max_body =
        (size_t) bc_config_int (config, "gateway/whatsapp/max_body_bytes", 1024 * 1024);
    const char *path = bc_config_str (config, "gateway/whatsapp/app_secret_file", "");
    if (*path)
        s_load_secret (self, path);
    if (!(self->media = gateway_wa_media_new (config))) {
        gateway_whatsapp_destroy (&self);
        return NULL;
    }
    if (*self->verify_token && self->secret_len)
        bc_info ("event=whatsapp_webhook_ready path=%s", GATEWAY_WHATSAPP_PATH);
    else
        bc_info ("event=whatsapp_webhook_off missing=%s", !*self->verify_token
                                                              ? "gateway/whatsapp/verify_token"
                                                              : "gateway/whatsapp/app_secret_file");
    return self;
}

void
gateway_whatsapp_destroy (gateway_whatsapp_t **self_p)
{
    gateway_whatsapp_t *self = *self_p;
    if (!self)
        return;
    sodium_memzero (self->secret, sizeof self->secret);
    gateway_wa_media_destroy (&self->media);
    free (self->verify_token);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

size_t
gateway_whatsapp_max_body (const gateway_whatsapp_t *self)
{
    return self->max_body;
}

static enum MHD_Result
s_text (struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer (strlen (text), (void *) text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header (r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result out = MHD_queue_response (conn, status, r);
    MHD_destroy_response (r);
    return out;
}

/* A refused caller: one log line a second at most, with how many. */
static enum MHD_Result
s_refuse (gateway_whatsapp_t *self, struct MHD_Connection *conn, const char *reason)
{
    int64_t now = bc_mono_ms ();
    pthread_mutex_lock (&self->lock);
    self->refused_pending++;
    if (now - self->refused_logged_ms >= 1000) {
        char peer[64];
        gateway_http_peer (conn, peer, sizeof peer);
        bc_warn ("event=whatsapp_refused peer=%s reason=%s count=%u", peer, reason,
                 self->refused_pending);
        self->refused_logged_ms = now;
        self->refused_pending = 0;
    }
    pthread_mutex_unlock (&self->lock);
    return gateway_http_error (conn, MHD_HTTP_FORBIDDEN, "forbidden",
                               "este pedido não foi assinado pelo WhatsApp deste Balcão",
                               "this request was not signed by this Balcão's WhatsApp app");
}

static const char *
s_arg (struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

/* GET: Meta's subscription check. */
static enum MHD_Result
s_verify (gateway_whatsapp_t *self, struct MHD_Connection *conn)
{
    const char *token = s_arg (conn, "hub.verify_token");
    size_t n = strlen (token), want = strlen (self->verify_token);
    /* Compare over the configured token's length whatever was sent. */
    bool is_ok = n == want && sodium_memcmp (token, self->verify_token, want) == 0;
    if (strcmp (s_arg (conn, "hub.mode"), "subscribe") != 0 || !is_ok)
        return s_refuse (self, conn, "verify_token");
    bc_info ("event=whatsapp_subscribed");
    return s_text (conn, MHD_HTTP_OK, s_arg (conn, "hub.challenge"));
}

/* The request ids of everything one wamid makes us ask: "wa-" and a hash
 * of what it is about, so Meta's retry asks with the same ids. */
static void
s_request_ids (const char *kind, const char *wamid, const char *extra)
{
    unsigned char hash[16];
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, sizeof hash);
    crypto_generichash_update (&st, (const unsigned char *) kind, strlen (kind) + 1);
    crypto_generichash_update (&st, (const unsigned char *) wamid, strlen (wamid) + 1);
    crypto_generichash_update (&st, (const unsigned char *) extra, strlen (extra));
    crypto_generichash_final (&st, hash, sizeof hash);
    char base[40] = "wa-";
    sodium_bin2hex (base + 3, sizeof base - 3, hash, sizeof hash);
    gateway_bus_request_ids (base);
}

/* Calls intake; true when it stored the request (or had it already). A
 * refusal for good ("invalid": nothing a retry would change) is logged
 * and counts as done, so one odd message does not make Meta retry forever. */
static bool
s_call_intake (gateway_whatsapp_t *self, const ProtobufCMessage *req, const char *wamid,
               const char *key, bool *is_duplicate)
{
    bc_envelope_t *reply = NULL;
    char intake[32]; /* by the customer's number (their messages in order), or the status's wamid */
    gateway_bus_intake_for (self->bus, key, intake, sizeof intake);
    int rc = gateway_bus_call (self->bus, intake, "service:gateway", req, &reply);
    bool is_done = rc == BC_OK;
    char id[96];
    bc_log_clean (wamid, id, sizeof id);
    if (rc == BC_OK && is_duplicate) {
        Balcao__V1__SubmitReply *sr = (Balcao__V1__SubmitReply *) bc_envelope_payload (
            reply, &balcao__v1__submit_reply__descriptor);
        *is_duplicate = sr && sr->duplicate;
        if (sr)
            balcao__v1__submit_reply__free_unpacked (sr, NULL);
    }
    else if (rc == BC_EREMOTE) {
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        is_done = err && strcmp (err->code, "invalid") == 0;
        bc_warn ("event=whatsapp_intake_refused wamid=%s code=%s retry=%s", id,
                 err ? err->code : "?", is_done ? "no" : "yes");
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
    }
    else if (rc != BC_OK)
        bc_warn ("event=whatsapp_intake_unavailable wamid=%s rc=%d", id, rc);
    bc_envelope_destroy (&reply);
    return is_done;
}

static bool
s_submit (gateway_whatsapp_t *self, const gateway_wa_message_t *m)
{
    char subject[160];
    snprintf (subject, sizeof subject, "WhatsApp: %s", *m->name ? m->name : m->address + 9);
    Balcao__V1__Submit submit = BALCAO__V1__SUBMIT__INIT;
    submit.channel = "whatsapp";
    submit.external_id = m->wamid;
    submit.from_address = m->address;
    submit.from_name = m->name;
    submit.subject = subject;
    submit.body = m->text;
    submit.in_reply_to = m->context_id;
    Balcao__V1__WhatsAppDetails details = BALCAO__V1__WHATS_APP_DETAILS__INIT;
    details.type = m->type;
    details.reply_id = m->reply_id;
    details.context_id = m->context_id;
    details.is_forwarded = m->is_forwarded;
    details.media_id = m->media_id;
    details.mime_type = m->mime_type;
    details.media_sha256 = m->sha256;
    details.filename = m->filename;
    details.wa_id = m->wa_id;
    submit.whatsapp = &details;
    /* The file first: Meta's retry after our 503 downloads it again. */
    gateway_wa_media_part_t media;
    if (!gateway_wa_media_add (self->media, m, &submit, &media))
        return false;
    s_request_ids ("message", m->wamid, "");
    bool is_duplicate = false;
    bool is_done =
        s_call_intake (self, &submit.base, m->wamid, submit.from_address, &is_duplicate);
    gateway_wa_media_part_clear (&media);
    if (is_done) {
        char id[96];
        bc_info ("event=whatsapp_message wamid=%s type=%s media=%s duplicate=%s",
                 bc_log_clean (m->wamid, id, sizeof id), m->type, *m->media_id ? "yes" : "no",
                 is_duplicate ? "yes" : "no");
    }
    return is_done;
}

static bool
s_status (gateway_whatsapp_t *self, const gateway_wa_status_t *s)
{
    Balcao__V1__RecordWhatsAppStatus rec = BALCAO__V1__RECORD_WHATS_APP_STATUS__INIT;
    rec.message_id = s->wamid;
    rec.status = s->status;
    rec.recipient = s->recipient;
    rec.timestamp = s->timestamp;
    rec.error_code = s->error_code;
    rec.error_title = s->error_title;
    char what[96];
    snprintf (what, sizeof what, "%s:%lld", s->status, (long long) s->error_code);
    s_request_ids ("status", s->wamid, what);
    return s_call_intake (self, &rec.base, s->wamid, s->wamid, NULL);
}

/* POST: an update from Meta. */
static enum MHD_Result
s_update (gateway_whatsapp_t *self, struct MHD_Connection *conn, const char *body, size_t len)
{
    const char *signature =
        MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "X-Hub-Signature-256");
    if (!gateway_wa_signature_ok (self->secret, self->secret_len, body ? body : "", len,
                                  signature))
        return s_refuse (self, conn, signature ? "bad_signature" : "no_signature");
    gateway_wa_batch_t *batch;
    char err[200];
    if (gateway_wa_parse (body ? body : "", len, &batch, err, sizeof err)) {
        bc_warn ("event=whatsapp_unreadable reason=\"%s\" bytes=%zu", err, len);
        return gateway_http_error (conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "o corpo não é uma atualização do WhatsApp Business",
                                   "the body is not a WhatsApp Business update");
    }
    for (size_t i = 0; i < batch->n_notes; i++) {
        char note[300];
        bc_info ("event=whatsapp_skipped note=\"%s\"", bc_log_clean (batch->notes[i], note,
                                                                     sizeof note));
    }
    /* Every message and status, in order; one that intake could not take
     * fails the POST, and Meta's retry sends them all again: those stored
     * already are duplicates at intake (same wamid, same request id). */
    bool is_stored = true;
    for (size_t i = 0; i < batch->n_messages && is_stored; i++)
        is_stored = s_submit (self, &batch->messages[i]);
    for (size_t i = 0; i < batch->n_statuses && is_stored; i++)
        is_stored = s_status (self, &batch->statuses[i]);
    gateway_bus_request_ids (NULL);
    size_t n_messages = batch->n_messages, n_statuses = batch->n_statuses;
    gateway_wa_batch_destroy (&batch);
    if (!is_stored)
        return gateway_http_error (conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                   "não foi possível guardar a mensagem agora; o WhatsApp "
                                   "tentará de novo",
                                   "could not store the message now; WhatsApp will retry");
    char ok[80];
    snprintf (ok, sizeof ok, "{\"messages\":%zu,\"statuses\":%zu}", n_messages, n_statuses);
    return gateway_http_json (conn, MHD_HTTP_OK, json_loads (ok, 0, NULL), NULL, NULL);
}

enum MHD_Result
gateway_whatsapp_handle (gateway_whatsapp_t *self, struct MHD_Connection *conn,
                         const char *method, const char *body, size_t len)
{
    if (!*self->verify_token || !self->secret_len) {
        pthread_mutex_lock (&self->lock);
        if (!self->is_off_logged)
            bc_warn ("event=whatsapp_webhook_off what_to_do=\"set gateway/whatsapp/verify_token "
                     "and gateway/whatsapp/app_secret_file\"");
        self->is_off_logged = true;
        pthread_mutex_unlock (&self->lock);
        return gateway_http_no_such_page (conn);
    }
    if (strcmp (method, "GET") == 0)
        return s_verify (self, conn);
    if (strcmp (method, "POST") == 0)
        return s_update (self, conn, body, len);
    return gateway_http_error (conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                               "este endereço não aceita este método",
                               "this address does not take this method");
}
