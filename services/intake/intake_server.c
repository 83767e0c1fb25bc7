/* intake_server: Submit -> dedupe -> thread -> store attachments ->
 * MessageReceived; GetAttachment serves the stored files.
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   seen             message id (UTF-8)  -> message ref "m<16 hex>" (dedupe)
 *   threads          message id (UTF-8)  -> ticket (u64 BE); fed by router's
 *                                           and notify's logs
 *   meta             "next_ref"          -> u64 BE
 *   attachments      sha256 (64 hex)     -> Attachment (as first received)
 *   attachment_refs  sha256 ‖ message ref -> empty (who brought the file)
 *   refused          message id          -> limit ("file"/"message"): refused
 *                                           for its attachments, told once
 * The attachment bytes are files (intake_attach.h), written and fsynced
 * before the transaction that records them commits. */
#include "intake_server.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"
#include "bc_mailid.h"
#include "bc_phone.h"
#include "bc_size.h"
#include "intake_attach.h"
#include "intake_internal.h"
#include "intake_mail.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *const intake_dbs[] = {"seen",        "threads",         "meta",
                                  "attachments", "attachment_refs", "refused"};
const int intake_ndbs = 6;

/* GetAttachment reads at most this much (a sanity cap: the limits that
 * admitted a file may have been higher than today's). */
#define S_MAX_SERVED (1024ull * 1024 * 1024)


/* True when principal matches one of the comma-separated patterns (a
 * pattern ending in '*' matches every principal that starts with the rest;
 * "*" alone matches anyone, the default). */
int
intake_may_submit (const char *patterns, const char *principal)
{
    const char *p = patterns;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn (p, ", ");
        if (n == 0)
            break;
        if (p[n - 1] == '*' ? strncmp (principal, p, n - 1) == 0
                            : strlen (principal) == n && strncmp (principal, p, n) == 0)
            return 1;
        p += n;
    }
    return 0;
}

int
intake_thread_lookup (intake_t *self, MDB_txn *txn, const char *message_id, uint64_t *ticket)
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

int
intake_thread_put (intake_t *self, MDB_txn *txn, const char *message_id, uint64_t ticket)
{
    if (!message_id || !*message_id || !ticket)
        return 0;
    unsigned char v8[8];
    bc_key_from_u64 (ticket, v8);
    MDB_val k = {strlen (message_id), (void *) message_id}, v = {8, v8};
    if (k.mv_size > 511) /* LMDB's key limit; such an id never threads */
        return 0;
    /* One of ours that names this ticket itself: intake_thread_lookup reads
     * it from the id, no record needed (notify's every notice). */
    if (bc_mailid_ticket (message_id, self->install, self->domain) == ticket) {
        MDB_val old;
        int rc = mdb_get (txn, self->db_threads, &k, &old);
        return rc == 0 ? mdb_del (txn, self->db_threads, &k, NULL)
                       : rc == MDB_NOTFOUND ? 0 : rc;
    }
    return mdb_put (txn, self->db_threads, &k, &v, 0);
}

static bool
s_is_report (intake_mail_class_t mail_class)
{
    return mail_class == INTAKE_MAIL_BOUNCE || mail_class == INTAKE_MAIL_READ_RECEIPT ||
           mail_class == INTAKE_MAIL_FEEDBACK_REPORT;
}

/* Whether message_id is one intake accepted itself: its ref in ref (33
 * bytes). Returns 0, MDB_NOTFOUND or an LMDB error. */
static int
s_seen_ref (intake_t *self, MDB_txn *txn, const char *message_id, char *ref)
{
    if (!message_id || !*message_id || strlen (message_id) > 511)
        return MDB_NOTFOUND;
    MDB_val k = {strlen (message_id), (void *) message_id}, v;
    int rc = mdb_get (txn, self->db_seen, &k, &v);
    if (rc == 0)
        snprintf (ref, 33, "%.*s", (int) (v.mv_size < 32 ? v.mv_size : 32), (char *) v.mv_data);
    return rc;
}

/* The ticket a message continues, first match wins: its In-Reply-To, its
 * References (newest first), for a bounce/receipt/abuse report the message
 * it reports on, then this install's subject tag ("Re: [Chamado #1] ...").
 * When none names a ticket but the message answers one intake accepted
 * whose ticket the router has not told yet (a follow-up a moment after the
 * first message, or while the router is down), continues_ref (33 bytes) is
 * that message's ref: the router, which saw it first, threads by it.
 * *how names the match for the log. Returns 0 (ticket 0: a new one, or the
 * one of continues_ref) or an LMDB error. */
static int
s_thread (intake_t *self, MDB_txn *txn, const intake_mail_t *mail, uint64_t *ticket,
          const char **how, char *continues_ref)
{
    *ticket = 0;
    *continues_ref = 0;
    *how = "in_reply_to";
    int rc = intake_thread_lookup (self, txn, mail->in_reply_to, ticket);
    if (rc == MDB_NOTFOUND)
        *how = "references";
    for (size_t i = mail->n_references; rc == MDB_NOTFOUND && i > 0; i--)
        rc = intake_thread_lookup (self, txn, mail->references[i - 1], ticket);
    if (rc == MDB_NOTFOUND && s_is_report (mail->mail_class)) {
        *how = "report";
        rc = intake_thread_lookup (self, txn, mail->report_message_id, ticket);
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    *how = "continues";
    rc = s_seen_ref (self, txn, mail->in_reply_to, continues_ref);
    for (size_t i = mail->n_references; rc == MDB_NOTFOUND && i > 0; i--)
        rc = s_seen_ref (self, txn, mail->references[i - 1], continues_ref);
    if (rc != MDB_NOTFOUND)
        return rc;
    *ticket = bc_mailid_ticket_from_subject (mail->subject, self->ticket_tag);
    *how = *ticket ? "subject_tag" : "none";
    return 0;
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

/* The files of a Submit given by fields, as attachments of mail (the same
 * shape a parsed e-mail's have): each with its SHA-256, once per content. */
static void
s_files (const Balcao__V1__Submit *req, intake_mail_t *mail)
{
    mail->attachments = calloc (req->n_files + 1, sizeof *mail->attachments);
    for (size_t i = 0; i < req->n_files; i++) {
        const Balcao__V1__SubmitFile *f = req->files[i];
        unsigned char hash[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256 (hash, f->content.data, f->content.len);
        sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
        bool is_repeat = false;
        for (size_t j = 0; j < mail->n_attachments && !is_repeat; j++)
            is_repeat = strcmp (mail->attachments[j].sha256, hex) == 0;
        if (is_repeat)
            continue;
        intake_attachment_t *a = &mail->attachments[mail->n_attachments++];
        a->filename = strdup (f->filename ? f->filename : "");
        a->content_type = strdup (f->content_type && *f->content_type ? f->content_type
                                                                      : "application/octet-stream");
        for (char *p = a->content_type; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char) (*p - 'A' + 'a');
        a->size = f->content.len;
        memcpy (a->sha256, hex, sizeof a->sha256);
        a->data = malloc (f->content.len ? f->content.len : 1);
        if (f->content.len)
            memcpy (a->data, f->content.data, f->content.len);
    }
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
        /* A report needs no answer, so its sender may lack a domain (a
         * local MTA's "MAILER-DAEMON"); anyone else must be reachable. */
        if (!strchr (mail->from_address, '@') && !s_is_report (mail->mail_class)) {
            snprintf (err, err_size, "the message has no sender address: no From, Reply-To "
                                     "or Sender header with an e-mail address");
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
    if (req->channel && strcmp (req->channel, "whatsapp") == 0 && mail->from_address) {
        /* The customer is their number's identity (lib/bc_phone.h). */
        size_t size = strlen (req->from_address) + 2;
        char wa_id[BC_PHONE_MAX], *address = malloc (size);
        if (address) {
            intake_whatsapp_sender (req->from_address, address, size, wa_id);
            free (mail->from_address);
            mail->from_address = address;
        }
    }
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
    s_files (req, mail);
    return 0;
}

/* Records a stored file's metadata (the first name it came with) and that
 * message ref brought it. */
static int
s_attachment_record (intake_t *self, MDB_txn *txn, const Balcao__V1__Attachment *a,
                     const char *ref)
{
    size_t len = balcao__v1__attachment__get_packed_size (a);
    uint8_t *packed = malloc (len ? len : 1);
    balcao__v1__attachment__pack (a, packed);
    MDB_val k = {64, a->sha256}, v = {len, packed};
    int rc = mdb_put (txn, self->db_attachments, &k, &v, MDB_NOOVERWRITE);
    free (packed);
    if (rc && rc != MDB_KEYEXIST)
        return rc;
    char rk[64 + 32];
    size_t rlen = strlen (ref);
    memcpy (rk, a->sha256, 64);
    memcpy (rk + 64, ref, rlen);
    MDB_val refk = {64 + rlen, rk}, empty = {0, ""};
    return mdb_put (txn, self->db_attachment_refs, &refk, &empty, 0);
}

/* The name and the bytes of the limit a message went over. */
static const char *
s_limit_name (intake_attach_limit_t over)
{
    return over == INTAKE_ATTACH_OVER_FILE   ? "file"
           : over == INTAKE_ATTACH_OVER_SIZE ? "message_size"
                                             : "message";
}

static uint64_t
s_limit_bytes (const intake_t *self, intake_attach_limit_t over)
{
    return over == INTAKE_ATTACH_OVER_FILE   ? self->max_file
           : over == INTAKE_ATTACH_OVER_SIZE ? self->max_raw
                                             : self->max_message;
}

/* AttachmentRejected on the log, so notify tells the sender which files
 * (or the whole message) and the limit; kept: the message itself is on the
 * ticket without them. */
static int
s_emit_rejected (intake_t *self, bc_tx_t *tx, const intake_mail_t *mail, const char *language,
                 uint64_t ticket, intake_attach_limit_t over, char **files, size_t n_files,
                 bool kept)
{
    Balcao__V1__AttachmentRejected ev = BALCAO__V1__ATTACHMENT_REJECTED__INIT;
    ev.from_address = mail->from_address;
    ev.from_name = mail->from_name;
    ev.subject = mail->subject;
    ev.message_id = mail->message_id;
    ev.language = (char *) language;
    ev.files = files;
    ev.n_files = n_files;
    ev.limit_bytes = s_limit_bytes (self, over);
    ev.limit = (char *) s_limit_name (over);
    ev.ticket = ticket;
    ev.mail_class = (char *) intake_mail_class_name (mail->mail_class);
    ev.kept = kept;
    return bc_tx_emit (tx, &ev.base);
}

/* A message refused whole (the portal's over a limit, or a mail too large
 * to carry): nothing of it is stored. The first time its id comes, a mail's
 * refusal goes on the log (notify tells the sender); a retry of the same
 * message (the MTA, the IMAP poller) gets the same refusal without a second
 * event. The portal's customer reads the refusal on the page at once: no
 * notice by mail, nothing recorded. */
static int
s_refuse (intake_t *self, bc_tx_t *tx, const intake_mail_t *mail, const char *language,
          uint64_t ticket, intake_attach_limit_t over, char **files, size_t n_files,
          bool is_portal, bc_reply_t *reply)
{
    MDB_txn *txn = bc_tx_txn (tx);
    const char *limit = s_limit_name (over);
    uint64_t limit_bytes = s_limit_bytes (self, over);
    MDB_val k = {strlen (mail->message_id), mail->message_id}, v;
    int rc = mdb_get (txn, self->db_refused, &k, &v);
    bool is_retry = rc == 0;
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if (!is_retry && !is_portal) {
        MDB_val lv = {strlen (limit), (void *) limit};
        if ((rc = mdb_put (txn, self->db_refused, &k, &lv, 0))
            || (rc = s_emit_rejected (self, tx, mail, language, ticket, over, files, n_files,
                                      false)))
            return rc;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < mail->n_attachments; i++)
        total += mail->attachments[i].size;
    char id[96];
    bc_log_clean (mail->message_id, id, sizeof id);
    bc_warn ("event=attachment_rejected message_id=%s limit=%s limit_bytes=%llu "
             "attachments=%zu total_bytes=%llu ticket=%llu again=%s",
             id, limit, (unsigned long long) limit_bytes, mail->n_attachments,
             (unsigned long long) total, (unsigned long long) ticket, is_retry ? "yes" : "no");
    if (over == INTAKE_ATTACH_OVER_SIZE)
        bc_reply_error (reply, "attachment_too_large",
                        "mensagem recusada: %s passa do limite de %llu bytes por mensagem; "
                        "envie os arquivos em mensagens separadas ou um link",
                        "message refused: %s is over the limit of %llu bytes per message; "
                        "send the files in separate messages or a link",
                        n_files ? files[0] : "?", (unsigned long long) limit_bytes);
    else if (over == INTAKE_ATTACH_OVER_FILE)
        bc_reply_error (reply, "attachment_too_large",
                        "mensagem recusada: o anexo %s passa do limite de %llu bytes por arquivo; "
                        "envie um arquivo menor ou um link para ele",
                        "message refused: the attachment %s is over the limit of %llu bytes per "
                        "file; send a smaller file or a link to it",
                        n_files ? files[0] : "?", (unsigned long long) limit_bytes);
    else
        bc_reply_error (reply, "attachment_too_large",
                        "mensagem recusada: os anexos somam %llu bytes e passam do limite de %llu "
                        "bytes por mensagem; envie-os em mensagens separadas ou um link",
                        "message refused: its attachments add up to %llu bytes, over the limit "
                        "of %llu bytes per message; send them in separate messages or a link",
                        (unsigned long long) total, (unsigned long long) limit_bytes);
    return 0;
}

/* A message kept without some of its files: the sender is told which were
 * left out, the limit, and how to send them. */
static int
s_left_out (intake_t *self, bc_tx_t *tx, const intake_mail_t *mail, const char *language,
            uint64_t ticket, intake_attach_limit_t over, char **files, size_t n_files)
{
    char id[96];
    bc_log_clean (mail->message_id, id, sizeof id);
    bc_warn ("event=attachment_left_out message_id=%s limit=%s limit_bytes=%llu files=%zu "
             "ticket=%llu",
             id, s_limit_name (over), (unsigned long long) s_limit_bytes (self, over), n_files,
             (unsigned long long) ticket);
    return s_emit_rejected (self, tx, mail, language, ticket, over, files, n_files, true);
}

/* Who may read stored attachments here: the support team and integrated
 * systems (the gateway serves customers, checking their ticket, later). */
static bool
s_may_read_attachments (const char *principal)
{
    static const char *const allowed[] = {"agent:", "supervisor:", "admin:", "service:"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strncmp (principal, allowed[i], strlen (allowed[i])) == 0 &&
            principal[strlen (allowed[i])])
            return true;
    return false;
}

static int
s_get_attachment (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                  const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    intake_t *self = state;
    const Balcao__V1__GetAttachment *req = (const Balcao__V1__GetAttachment *) payload;
    if (!s_may_read_attachments (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden",
                        "só a equipe de suporte e sistemas integrados leem anexos aqui; "
                        "clientes os veem pelo portal",
                        "only the support team and integrated systems read attachments here; "
                        "customers see them through the portal");
        return 0;
    }
    if (!intake_attach_is_id (req->sha256)) {
        bc_reply_error (reply, "invalid",
                        "o id de um anexo são os 64 dígitos hexadecimais (minúsculos) do seu "
                        "SHA-256",
                        "an attachment's id is the 64 lower-case hex digits of its SHA-256");
        return 0;
    }
    MDB_val k = {64, req->sha256}, v;
    int rc = mdb_get (bc_tx_txn (tx), self->db_attachments, &k, &v);
    if (rc == MDB_NOTFOUND) {
        bc_reply_error (reply, "not_found", "nenhum anexo com o SHA-256 %s",
                        "no attachment with SHA-256 %s", req->sha256);
        return 0;
    }
    if (rc)
        return rc;
    Balcao__V1__Attachment *meta = balcao__v1__attachment__unpack (NULL, v.mv_size, v.mv_data);
    uint8_t *data = NULL;
    size_t len = 0;
    int err_no = intake_attach_read (self->attach_root, req->sha256, S_MAX_SERVED, &data, &len);
    if (!meta || err_no) {
        bc_error ("event=attachment_read_failed sha256=%s reason=\"%s\"", req->sha256,
                  meta ? strerror (err_no) : "bad metadata");
        bc_reply_error (reply, "internal", "o anexo %s está registrado mas não pôde ser lido (%s)",
                        "attachment %s is recorded but could not be read (%s)", req->sha256,
                        meta ? strerror (err_no) : "metadata");
    }
    else {
        Balcao__V1__AttachmentData out = BALCAO__V1__ATTACHMENT_DATA__INIT;
        out.attachment = meta;
        out.content.data = data;
        out.content.len = len;
        bc_reply_ok (reply, &out.base);
    }
    free (data);
    if (meta)
        balcao__v1__attachment__free_unpacked (meta, NULL);
    return 0;
}

/* The files the submitter left out itself, over the limits before it
 * fetched them (Submit.refused_files: the WhatsApp webhook reads the size
 * Meta announces), added to ours: listed on the message and told to the
 * sender the same way. */
static intake_attach_limit_t
s_submitter_left_out (const Balcao__V1__Submit *req, intake_attach_limit_t over, char ***files,
                      size_t *n_files)
{
    size_t n = req->n_refused_files < 16 ? req->n_refused_files : 16;
    char **all = realloc (*files, (*n_files + n + 1) * sizeof *all);
    if (!all)
        return over;
    *files = all;
    for (size_t i = 0; i < n; i++) {
        const char *name = req->refused_files[i];
        size_t len = name ? strlen (name) : 0;
        if (len > 300) /* cut on a character's first byte */
            for (len = 300; len && (name[len] & 0xC0) == 0x80; len--)
                ;
        if (len)
            all[(*n_files)++] = strndup (name, len);
    }
    return over == INTAKE_ATTACH_WITHIN && *n_files ? INTAKE_ATTACH_OVER_FILE : over;
}

static int
s_submit (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    intake_t *self = state;
    const Balcao__V1__Submit *req = (const Balcao__V1__Submit *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    if (!intake_may_submit (self->submitters, bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden",
                        "'%s' não pode enviar mensagens; veja intake/submitters",
                        "'%s' may not submit messages; see intake/submitters",
                        bc_tx_principal (tx));
        return 0;
    }
    const char *channel = s_channel (req);
    if (!channel) {
        bc_reply_error (reply, "invalid",
                        "canal desconhecido; use email, api, portal, whatsapp, chat ou phone",
                        "unknown channel; use email, api, portal, whatsapp, chat or phone");
        return 0;
    }
    if (req->contact_address && *req->contact_address
        && (!strchr (req->contact_address, '@') || strlen (req->contact_address) > 254
            || strpbrk (req->contact_address, " <>\r\n\t,;"))) {
        bc_reply_error (reply, "invalid", "o e-mail de contato não é um endereço válido",
                        "the contact e-mail is not a valid address");
        return 0;
    }
    intake_mail_t mail;
    char err[256];
    if (s_normalize (self, req, &mail, err, sizeof err)) {
        bc_reply_error (reply, "invalid", "%s", "%s", err);
        return 0;
    }
    Balcao__V1__SubmitReply out = BALCAO__V1__SUBMIT_REPLY__INIT;
    Balcao__V1__Attachment *attachments = NULL, **attachment_ptrs = NULL;
    char **files = NULL; /* the files left out, "name (12.5 MB)" */
    size_t n_files = 0;
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
    const char *thread_by;
    char continues_ref[33];
    if ((rc = s_thread (self, txn, &mail, &ticket, &thread_by, continues_ref)))
        goto done;
    if (req->ticket && !req->raw_mime.len) {
        /* The submitter names the ticket (the portal, after asking the
         * router): that wins over any header. */
        ticket = req->ticket;
        *continues_ref = 0;
        thread_by = "submitter";
    }
    const char *language =
        req->language && strncmp (req->language, "en", 2) == 0 ? "en" : "pt-BR";
    /* The portal's customer is still on the page: a file over a limit
     * refuses the message, and they pick another file. Anything else is
     * kept without the files over the limits, and the sender is told which
     * were left out and how to send them. */
    bool is_portal = strcmp (channel, "portal") == 0;
    if (req->oversized_bytes && req->raw_mime.len) {
        /* Too large to carry: only its header came. Nothing is kept; the
         * sender hears why from us rather than from the MTA. */
        files = calloc (2, sizeof (char *));
        files[0] = malloc (64);
        bc_size_file (files[0], 64,
                      language[0] == 'e' ? "the whole message" : "a mensagem inteira",
                      req->oversized_bytes, language);
        n_files = 1;
        rc = s_refuse (self, tx, &mail, language, ticket, INTAKE_ATTACH_OVER_SIZE, files, n_files,
                       false, reply);
        goto done;
    }
    intake_attach_limit_t over =
        is_portal
            ? intake_attach_check (&mail, self->max_file, self->max_message, language, &files,
                                   &n_files)
            : intake_attach_trim (&mail, self->max_file, self->max_message, language, &files,
                                  &n_files);
    if (over != INTAKE_ATTACH_WITHIN && is_portal) {
        rc = s_refuse (self, tx, &mail, language, ticket, over, files, n_files, true, reply);
        goto done;
    }
    if (!is_portal && !req->raw_mime.len && req->n_refused_files)
        over = s_submitter_left_out (req, over, &files, &n_files);
    /* A forwarded message's whole copy over the file limit is left out: its
     * text and files are in the message anyway. */
    for (size_t i = 0; i < mail.n_attachments;) {
        intake_attachment_t *a = &mail.attachments[i];
        if (!a->is_copy || a->size <= self->max_file) {
            i++;
            continue;
        }
        free (a->filename);
        free (a->content_type);
        free (a->data);
        memmove (a, a + 1, (mail.n_attachments - i - 1) * sizeof *a);
        mail.n_attachments--;
    }
    /* The bytes are durable before anything in LMDB names them. */
    for (size_t i = 0; i < mail.n_attachments; i++) {
        const intake_attachment_t *a = &mail.attachments[i];
        int err_no = intake_attach_write (self->attach_root, a->sha256, a->data, a->size);
        if (err_no) {
            bc_error ("event=attachment_write_failed sha256=%s reason=\"%s\" request=%s",
                      a->sha256, strerror (err_no), request->id);
            bc_reply_error (reply, "internal",
                            "não foi possível gravar um anexo (%s); tente de novo mais tarde",
                            "could not store an attachment (%s); try again later",
                            strerror (err_no));
            goto done;
        }
    }

    uint64_t next = 1;
    rc = bc_store_get_u64 (txn, self->db_meta, "next_ref", &next);
    if (rc && rc != MDB_NOTFOUND)
        goto done;
    /* Replicas (intake/replicas) count apart: replica k's refs carry k - 1
     * in their top byte, so no two messages share one. */
    uint64_t mine = next | ((uint64_t) (bc_service_replica (self->svc) - 1) << 56);
    char ref[32];
    snprintf (ref, sizeof ref, "m%016llx", (unsigned long long) mine);
    if ((rc = bc_store_put_u64 (txn, self->db_meta, "next_ref", next + 1)))
        goto done;
    MDB_val refval = {strlen (ref), ref};
    if ((rc = mdb_put (txn, self->db_seen, &key, &refval, 0)))
        goto done;
    attachments = calloc (mail.n_attachments + 1, sizeof *attachments);
    attachment_ptrs = calloc (mail.n_attachments + 1, sizeof *attachment_ptrs);
    for (size_t i = 0; i < mail.n_attachments; i++) {
        Balcao__V1__Attachment *a = &attachments[i];
        balcao__v1__attachment__init (a);
        a->sha256 = mail.attachments[i].sha256;
        a->filename = mail.attachments[i].filename;
        a->content_type = mail.attachments[i].content_type;
        a->size = mail.attachments[i].size;
        a->inline_ = mail.attachments[i].is_inline;
        attachment_ptrs[i] = a;
        if ((rc = s_attachment_record (self, txn, a, ref)))
            goto done;
    }

    Balcao__V1__MessageReceived ev = BALCAO__V1__MESSAGE_RECEIVED__INIT;
    ev.message_ref = ref;
    ev.channel = (char *) channel;
    ev.message_id = mail.message_id;
    ev.from_address = mail.from_address;
    ev.from_name = mail.from_name;
    ev.subject = mail.subject;
    ev.body = mail.body;
    ev.ticket = ticket;
    ev.continues_ref = continues_ref;
    ev.in_reply_to = mail.in_reply_to;
    ev.references = mail.references;
    ev.n_references = mail.n_references;
    ev.recipients = mail.recipients;
    ev.n_recipients = mail.n_recipients;
    ev.language = (char *) language;
    /* Robots, bounces and receipts go on like any message: the router
     * decides what to do with each class. */
    /* Only when it differs: most new messages quote nothing, and the event
     * would otherwise carry the text twice. */
    ev.reply = strcmp (mail.reply, mail.body) != 0 ? mail.reply : "";
    ev.mail_class = (char *) intake_mail_class_name (mail.mail_class);
    ev.report_recipient = mail.report_recipient;
    ev.report_message_id = mail.report_message_id;
    ev.attachments = attachment_ptrs;
    ev.n_attachments = mail.n_attachments;
    ev.category = !req->raw_mime.len && req->category ? req->category : "";
    ev.refused_files = files;
    ev.n_refused_files = n_files;
    ev.whatsapp = strcmp (channel, "whatsapp") == 0 ? req->whatsapp : NULL;
    /* The number as WhatsApp sent it, when the submitter gave only the
     * address: replies go there (notify). */
    Balcao__V1__WhatsAppDetails wa = BALCAO__V1__WHATS_APP_DETAILS__INIT;
    char wa_id[BC_PHONE_MAX];
    if (strcmp (channel, "whatsapp") == 0 && !req->raw_mime.len
        && (!req->whatsapp || !req->whatsapp->wa_id || !*req->whatsapp->wa_id)) {
        intake_whatsapp_sender (req->from_address, NULL, 0, wa_id);
        if (req->whatsapp)
            wa = *req->whatsapp;
        wa.wa_id = wa_id;
        ev.whatsapp = *wa_id ? &wa : ev.whatsapp;
    }
    if (strcmp (channel, "chat") == 0 && !req->raw_mime.len) {
        /* The web chat's visitor: their e-mail once given, the bot's
         * button they tapped. */
        ev.contact_address = req->contact_address;
        ev.reply_id = req->reply_id;
    }
    if ((rc = bc_tx_emit (tx, &ev.base)))
        goto done;
    if (n_files && (rc = s_left_out (self, tx, &mail, language, ticket, over, files, n_files)))
        goto done;
    out.message_ref = ref;
    out.ticket = ticket;
    bc_reply_ok (reply, &out.base);
    bc_info ("event=accepted message_ref=%s channel=%s ticket=%llu thread=%s class=%s reason=%s "
             "attachments=%zu request=%s",
             ref, ev.channel, (unsigned long long) ticket, thread_by, ev.mail_class,
             mail.class_reason, mail.n_attachments, request->id);
done:
    free (attachments);
    free (attachment_ptrs);
    intake_attach_files_free (files, n_files);
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
    if (bc_envelope_is (ev, &balcao__v1__person_erased__descriptor))
        return intake_erase (self, tx, ev);
    if (bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            ev, &balcao__v1__ticket_created__descriptor);
        if (tc && tc->ticket)
            rc = intake_thread_put (self, bc_tx_txn (tx), tc->ticket->origin_message_id,
                               tc->ticket->number);
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
    }
    else if (bc_envelope_is (ev, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *ma = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            ev, &balcao__v1__message_appended__descriptor);
        if (ma && ma->message)
            rc = intake_thread_put (self, bc_tx_txn (tx), ma->message->message_id, ma->ticket);
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
        rc = intake_thread_put (self, bc_tx_txn (tx), nq->message_id, nq->ticket);
        balcao__v1__notification_queued__free_unpacked (nq, NULL);
        return rc;
    }
    /* A WhatsApp message we sent: its wamid names its ticket (a reply that
     * quotes it threads there; its statuses go on its timeline). */
    Balcao__V1__NotificationDelivered *nd =
        (Balcao__V1__NotificationDelivered *) bc_envelope_payload (
            ev, &balcao__v1__notification_delivered__descriptor);
    if (nd) {
        if (*nd->whatsapp_message_id && nd->ticket) {
            rc = intake_thread_put (self, bc_tx_txn (tx), nd->whatsapp_message_id, nd->ticket);
            if (rc == 0)
                rc = intake_whatsapp_pending (self, tx, nd->whatsapp_message_id, nd->ticket);
        }
        balcao__v1__notification_delivered__free_unpacked (nd, NULL);
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
    self->db_attachments = bc_service_dbi (svc, "attachments");
    self->db_attachment_refs = bc_service_dbi (svc, "attachment_refs");
    self->db_refused = bc_service_dbi (svc, "refused");
    bc_config_t *cfg = bc_service_config (svc);
    self->install = bc_config_str (cfg, "balcao/install", "bc");
    self->domain = bc_config_str (cfg, "balcao/domain", "balcao.local");
    self->ticket_tag = bc_config_str (cfg, "balcao/ticket_tag", "Chamado");
    self->submitters = bc_config_str (cfg, "intake/submitters", "*");
    self->max_file =
        (uint64_t) bc_config_int (cfg, "intake/max_attachment_bytes", INTAKE_MAX_FILE_DEFAULT);
    self->max_message =
        (uint64_t) bc_config_int (cfg, "intake/max_message_attachments_bytes",
                                  INTAKE_MAX_MESSAGE_DEFAULT);
    self->max_raw = (uint64_t) bc_config_int (cfg, "intake/max_message_size",
                                              bc_config_int (cfg, "balcao/max_message_size",
                                                             BC_MAX_MESSAGE_SIZE_DEFAULT));
    snprintf (self->attach_root, sizeof self->attach_root, "%s/attachments",
              bc_service_dir (svc));
    int err_no = bc_dir_ensure (self->attach_root);
    if (err_no) {
        bc_error ("event=setup_failed dir=%s reason=\"%s\"", self->attach_root,
                  strerror (err_no));
        free (self);
        return NULL;
    }
    /* The same value notify writes in X-Loop (bc_mailid_loop_tag): our own
     * mail coming back is a loop. */
    bc_mailid_loop_tag (self->loop_tag, sizeof self->loop_tag, self->install, self->domain);
    self->site.loop_tag = self->loop_tag;
    self->site.domain = self->domain;
    intake_mail_init ();
    bc_service_on_command (svc, &balcao__v1__submit__descriptor, 1, s_submit);
    bc_service_on_command (svc, &balcao__v1__get_attachment__descriptor, 0, s_get_attachment);
    bc_service_on_command (svc, &balcao__v1__record_whats_app_status__descriptor, 1,
                           intake_whatsapp_status);
    bc_service_consume (svc, "router", s_on_router);
    bc_service_consume (svc, "notify", s_on_notify);
    return self;
}

void
intake_server_teardown (void *state)
{
    free (state);
}
