/* intake_server: Submit -> dedupe -> thread -> MessageReceived.
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   seen     message id (UTF-8)      -> message ref "m<16 hex>" (dedupe)
 *   threads  message id (UTF-8)      -> ticket (u64 BE); fed by router's and
 *                                       notify's logs
 *   meta     "next_ref"              -> u64 BE
 */
#include "intake_server.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"
#include "bc_mailid.h"
#include "intake_mail.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *const intake_dbs[] = {"seen", "threads", "meta"};
const int intake_ndbs = 3;

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_seen, db_threads, db_meta;
    const char *install;
    const char *domain;
    char loop_tag[256]; /* the X-Loop notify writes: "balcao.<install>@<domain>" */
    intake_mail_site_t site;
} intake_t;

static int
s_thread_lookup (intake_t *self, MDB_txn *txn, const char *message_id, uint64_t *ticket)
{
    if (!message_id || !*message_id)
        return MDB_NOTFOUND;
    MDB_val k = {strlen (message_id), (void *) message_id}, v;
    int rc = mdb_get (txn, self->db_threads, &k, &v);
    if (rc == 0) {
        *ticket = bc_key_to_u64 (&v);
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    uint64_t encoded = bc_mailid_ticket (message_id, self->install, self->domain);
    if (encoded) {
        *ticket = encoded;
        return 0;
    }
    return MDB_NOTFOUND;
}

static int
s_thread_put (intake_t *self, MDB_txn *txn, const char *message_id, uint64_t ticket)
{
    if (!message_id || !*message_id || !ticket)
        return 0;
    unsigned char v8[8];
    bc_key_from_u64 (ticket, v8);
    MDB_val k = {strlen (message_id), (void *) message_id}, v = {8, v8};
    if (k.mv_size > 511) /* LMDB's key limit; such an id never threads */
        return 0;
    return mdb_put (txn, self->db_threads, &k, &v, 0);
}

static const char *const s_channels[] = {"email", "api", "portal", "whatsapp", "chat", "phone"};

/* The channel a message came by: given, or "email" for raw MIME and "api"
 * otherwise. NULL when it is not one we know. */
static const char *
s_channel (const Balcao__V1__Submit *req)
{
    if (!req->channel || !*req->channel)
        return req->raw_mime.len ? "email" : "api";
    for (size_t i = 0; i < sizeof s_channels / sizeof s_channels[0]; i++)
        if (strcmp (req->channel, s_channels[i]) == 0)
            return s_channels[i];
    return NULL;
}

/* Fills the event from the request, parsing raw MIME when given. */
static int
s_normalize (intake_t *self, const Balcao__V1__Submit *req, intake_mail_t *mail, char *err,
             size_t err_size)
{
    if (req->raw_mime.len > 0) {
        if (intake_mail_parse_site (req->raw_mime.data, req->raw_mime.len, &self->site, mail, err,
                                    err_size))
            return -1;
        if (!strchr (mail->from_address, '@')) {
            snprintf (err, err_size, "the message has no sender address (From header)");
            intake_mail_clear (mail);
            return -1;
        }
        if (!*mail->message_id) {
            /* No Message-ID: the content itself is the identity, so the MTA
             * retrying the same bytes is still one message. */
            unsigned char hash[16];
            char hex[33];
            crypto_generichash (hash, sizeof hash, req->raw_mime.data, req->raw_mime.len, NULL, 0);
            sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
            free (mail->message_id);
            mail->message_id = malloc (48);
            snprintf (mail->message_id, 48, "blake2b:%s", hex);
        }
        return 0;
    }
    if (!req->external_id || !*req->external_id) {
        snprintf (err, err_size, "external_id is required when raw_mime is not given");
        return -1;
    }
    if (!req->from_address || !*req->from_address) {
        snprintf (err, err_size, "from_address is required: who is the customer?");
        return -1;
    }
    if ((!req->subject || !*req->subject) && (!req->body || !*req->body)) {
        snprintf (err, err_size, "a message needs a subject or a body");
        return -1;
    }
    memset (mail, 0, sizeof *mail);
    mail->message_id = strdup (req->external_id);
    mail->from_address = strdup (req->from_address);
    mail->from_name = strdup (req->from_name ? req->from_name : "");
    mail->subject = strdup (req->subject ? req->subject : "");
    mail->body = strdup (req->body ? req->body : "");
    mail->reply = strdup (mail->body);
    mail->mail_class = INTAKE_MAIL_HUMAN;
    mail->class_reason = "none";
    mail->report_recipient = strdup ("");
    mail->report_message_id = strdup ("");
    mail->in_reply_to = strdup (req->in_reply_to ? req->in_reply_to : "");
    mail->n_references = req->n_references;
    mail->references = calloc (req->n_references + 1, sizeof (char *));
    for (size_t i = 0; i < req->n_references; i++)
        mail->references[i] = strdup (req->references[i]);
    return 0;
}

static int
s_submit (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    intake_t *self = state;
    const Balcao__V1__Submit *req = (const Balcao__V1__Submit *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    const char *channel = s_channel (req);
    if (!channel) {
        bc_reply_error (reply, "invalid",
                        "canal desconhecido; use email, api, portal, whatsapp, chat ou phone",
                        "unknown channel; use email, api, portal, whatsapp, chat or phone");
        return 0;
    }
    intake_mail_t mail;
    char err[256];
    if (s_normalize (self, req, &mail, err, sizeof err)) {
        bc_reply_error (reply, "invalid", "%s", "%s", err);
        return 0;
    }
    Balcao__V1__SubmitReply out = BALCAO__V1__SUBMIT_REPLY__INIT;
    int rc = 0;
    MDB_val key = {strlen (mail.message_id), mail.message_id}, val;
    if (key.mv_size > 511) {
        bc_reply_error (reply, "invalid", "o id da mensagem passa de 511 bytes",
                        "message id longer than 511 bytes");
        goto done;
    }
    rc = mdb_get (txn, self->db_seen, &key, &val);
    if (rc == 0) {
        char ref[32];
        snprintf (ref, sizeof ref, "%.*s", (int) val.mv_size, (char *) val.mv_data);
        out.message_ref = ref;
        out.duplicate = 1;
        bc_info ("event=duplicate message_ref=%s request=%s", ref, request->id);
        bc_reply_ok (reply, &out.base);
        rc = 0;
        goto done;
    }
    if (rc != MDB_NOTFOUND)
        goto done;

    uint64_t ticket = 0;
    rc = s_thread_lookup (self, txn, mail.in_reply_to, &ticket);
    for (size_t i = mail.n_references; rc == MDB_NOTFOUND && i > 0; i--)
        rc = s_thread_lookup (self, txn, mail.references[i - 1], &ticket);
    if (rc && rc != MDB_NOTFOUND)
        goto done;

    uint64_t next = 1;
    rc = bc_store_get_u64 (txn, self->db_meta, "next_ref", &next);
    if (rc && rc != MDB_NOTFOUND)
        goto done;
    char ref[32];
    snprintf (ref, sizeof ref, "m%016llx", (unsigned long long) next);
    if ((rc = bc_store_put_u64 (txn, self->db_meta, "next_ref", next + 1)))
        goto done;
    MDB_val refval = {strlen (ref), ref};
    if ((rc = mdb_put (txn, self->db_seen, &key, &refval, 0)))
        goto done;

    Balcao__V1__MessageReceived ev = BALCAO__V1__MESSAGE_RECEIVED__INIT;
    ev.message_ref = ref;
    ev.channel = (char *) channel;
    ev.message_id = mail.message_id;
    ev.from_address = mail.from_address;
    ev.from_name = mail.from_name;
    ev.subject = mail.subject;
    ev.body = mail.body;
    ev.ticket = ticket;
    ev.in_reply_to = mail.in_reply_to;
    ev.references = mail.references;
    ev.n_references = mail.n_references;
    ev.language = req->language && strncmp (req->language, "en", 2) == 0 ? "en" : "pt-BR";
    /* Robots, bounces and receipts go on like any message: the router
     * decides what to do with each class. */
    ev.reply = mail.reply;
    ev.mail_class = (char *) intake_mail_class_name (mail.mail_class);
    ev.report_recipient = mail.report_recipient;
    ev.report_message_id = mail.report_message_id;
    if ((rc = bc_tx_emit (tx, &ev.base)))
        goto done;
    out.message_ref = ref;
    out.ticket = ticket;
    bc_reply_ok (reply, &out.base);
    bc_info ("event=accepted message_ref=%s channel=%s ticket=%llu class=%s reason=%s "
             "attachments=%zu request=%s",
             ref, ev.channel, (unsigned long long) ticket, ev.mail_class, mail.class_reason,
             mail.n_attachments, request->id);
done:
    intake_mail_clear (&mail);
    return rc;
}

/* Router's and notify's logs tell us which message ids belong to which ticket. */
static int
s_on_router (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    intake_t *self = state;
    int rc = 0;
    if (bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            ev, &balcao__v1__ticket_created__descriptor);
        if (tc && tc->ticket)
            rc = s_thread_put (self, bc_tx_txn (tx), tc->ticket->origin_message_id,
                               tc->ticket->number);
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
    }
    else if (bc_envelope_is (ev, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *ma = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            ev, &balcao__v1__message_appended__descriptor);
        if (ma && ma->message)
            rc = s_thread_put (self, bc_tx_txn (tx), ma->message->message_id, ma->ticket);
        if (ma)
            balcao__v1__message_appended__free_unpacked (ma, NULL);
    }
    return rc;
}

static int
s_on_notify (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    intake_t *self = state;
    int rc = 0;
    Balcao__V1__NotificationQueued *nq = (Balcao__V1__NotificationQueued *) bc_envelope_payload (
        ev, &balcao__v1__notification_queued__descriptor);
    if (nq) {
        rc = s_thread_put (self, bc_tx_txn (tx), nq->message_id, nq->ticket);
        balcao__v1__notification_queued__free_unpacked (nq, NULL);
    }
    return rc;
}

void *
intake_server_setup (bc_service_t *svc)
{
    intake_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->db_seen = bc_service_dbi (svc, "seen");
    self->db_threads = bc_service_dbi (svc, "threads");
    self->db_meta = bc_service_dbi (svc, "meta");
    bc_config_t *cfg = bc_service_config (svc);
    self->install = bc_config_str (cfg, "balcao/install", "bc");
    self->domain = bc_config_str (cfg, "balcao/domain", "balcao.local");
    /* The same value notify writes in X-Loop (bc_mailid_loop_tag): our own
     * mail coming back is a loop. */
    bc_mailid_loop_tag (self->loop_tag, sizeof self->loop_tag, self->install, self->domain);
    self->site.loop_tag = self->loop_tag;
    self->site.domain = self->domain;
    intake_mail_init ();
    bc_service_on_command (svc, &balcao__v1__submit__descriptor, 1, s_submit);
    bc_service_consume (svc, "router", s_on_router);
    bc_service_consume (svc, "notify", s_on_notify);
    return self;
}

void
intake_server_teardown (void *state)
{
    free (state);
}
