/* notify_queue_whatsapp: WhatsApp notices into the outbox (see
 * notify_queue_whatsapp.h). */
#include "notify_queue_whatsapp.h"

#include "bc_log.h"
#include "notify_render_whatsapp.h"
#include "notify_whatsapp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
notify_queue_whatsapp_setup (notify_queue_whatsapp_t *self, bc_config_t *cfg)
{
    self->cfg = cfg;
    self->is_on = *bc_config_str (cfg, "notify/whatsapp/phone_number_id", "") != 0;
    self->window_us = bc_config_int (cfg, "notify/whatsapp/window_s", 24 * 3600) * 1000000LL;
    self->template_language = bc_config_str (cfg, "notify/whatsapp/template_language", "pt_BR");
}

static int
s_is_whatsapp_address (const char *address)
{
    return address && strncmp (address, "whatsapp:", 9) == 0;
}

int
notify_queue_whatsapp_number (const Balcao__V1__Ticket *t, char *out, size_t n)
{
    out[0] = 0;
    if (!t->channel || strcmp (t->channel, "whatsapp") != 0)
        return -1;
    const char *from = s_is_whatsapp_address (t->customer_address) ? t->customer_address
                       : t->n_messages > 0 && s_is_whatsapp_address (t->messages[0]->author)
                           ? t->messages[0]->author
                           : "";
    char number[BC_PHONE_MAX];
    if (notify_whatsapp_number (from, number, sizeof number) == 0
        && bc_phone_whatsapp_id (number, out, n) == 0)
        return 0;
    out[0] = 0;
    bc_info ("event=whatsapp_number_unknown ticket=%llu", (unsigned long long) t->number);
    return -1;
}

int
notify_queue_whatsapp_heard (const notify_queue_whatsapp_t *self, MDB_txn *txn,
                             const Balcao__V1__MessageReceived *mr)
{
    char id[BC_PHONE_MAX];
    if (!mr->channel || strcmp (mr->channel, "whatsapp") != 0 || !mr->whatsapp
        || !mr->whatsapp->wa_id || bc_phone_whatsapp_id (mr->whatsapp->wa_id, id, sizeof id))
        return 0;
    /* Meta's digits as they came (an identity is digits only). */
    char sent[BC_PHONE_MAX];
    if (notify_whatsapp_number (mr->whatsapp->wa_id, sent, sizeof sent))
        return 0;
    MDB_val k = {strlen (id), id}, v = {strlen (sent), sent};
    if (strcmp (sent, id) != 0)
        return mdb_put (txn, self->db_numbers, &k, &v, 0);
    int rc = mdb_del (txn, self->db_numbers, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int
notify_queue_whatsapp_reply_to (const notify_queue_whatsapp_t *self, MDB_txn *txn,
                                const char *number, char *out)
{
    size_t len = number ? strlen (number) : 0;
    len = len < BC_PHONE_MAX ? len : 0; /* never: a number has 15 digits at most */
    memcpy (out, number ? number : "", len);
    out[len] = 0;
    char id[BC_PHONE_MAX];
    if (!self->db_numbers || bc_phone_whatsapp_id (number, id, sizeof id))
        return 0;
    MDB_val k = {strlen (id), id}, v;
    int rc = mdb_get (txn, self->db_numbers, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && v.mv_size < BC_PHONE_MAX) {
        memcpy (out, v.mv_data, v.mv_size);
        out[v.mv_size] = 0;
    }
    return rc;
}

/* The kinds a WhatsApp customer is told about: every one the e-mail
 * channel sends about a ticket, and the files left out of their message. */
static int
s_is_whatsapp_kind (notify_kind_t kind)
{
    return kind <= NOTIFY_REMINDER || kind == NOTIFY_REJECTED;
}

/* Queues the WhatsApp notice of `mail` as a delivery of its own,
 * "<id>~wa": free text (or the resolution's buttons) inside the
 * customer-service window, the kind's approved template outside it. */
int
notify_queue_whatsapp (const notify_queue_whatsapp_t *self, notify_outbox_t *outbox, bc_tx_t *tx,
                       MDB_dbi db_outbox, const char *id, const notify_mail_t *mail)
{
    const char *kind = notify_kind_name (mail->kind);
    if (!s_is_whatsapp_kind (mail->kind))
        return 0;
    if (!self->is_on) {
        bc_info ("event=notification_skipped ticket=%llu kind=%s reason=whatsapp_off "
                 "hint=\"set notify/whatsapp/phone_number_id\"",
                 (unsigned long long) mail->ticket, kind);
        return 0;
    }
    char wa_id[96];
    snprintf (wa_id, sizeof wa_id, "%s~wa", id);
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_val k = {strlen (wa_id), wa_id}, v;
    int rc = mdb_get (txn, db_outbox, &k, &v);
    if (rc != MDB_NOTFOUND)
        return rc; /* 0: already queued */
    char to[BC_PHONE_MAX];
    if ((rc = notify_queue_whatsapp_reply_to (self, txn, mail->whatsapp_number, to)))
        return rc;
    int is_in_window = mail->whatsapp_inbound_us > 0
                       && mail->time_us - mail->whatsapp_inbound_us < self->window_us;
    char key[128], dflt[64];
    notify_render_whatsapp_template_name (mail->kind, dflt, sizeof dflt);
    snprintf (key, sizeof key, "notify/whatsapp/templates/%s", kind);
    const char *template_name = bc_config_str (self->cfg, key, dflt);
    char *fallback = NULL;
    char *body = notify_render_whatsapp (mail, to, is_in_window, template_name,
                                         self->template_language, &fallback);
    if (!body) {
        free (fallback);
        return ENOMEM;
    }
    char recipient[64], subject[160];
    snprintf (recipient, sizeof recipient, "whatsapp:+%s", to);
    /* What ListOutbox shows: the form it goes in. */
    if (is_in_window)
        snprintf (subject, sizeof subject, "%s",
                  mail->kind == NOTIFY_RESOLVED ? "interactive (buttons)" : "text");
    else
        snprintf (subject, sizeof subject, "template %s (%s)", template_name,
                  self->template_language);
    Balcao__V1__NotificationQueued nq = BALCAO__V1__NOTIFICATION_QUEUED__INIT;
    nq.notification_id = wa_id;
    nq.ticket = mail->ticket;
    nq.kind = (char *) kind;
    nq.channel = "whatsapp";
    nq.recipient = recipient;
    nq.subject = subject;
    Balcao__V1__OutboxEntry entry = BALCAO__V1__OUTBOX_ENTRY__INIT;
    entry.notification = &nq;
    entry.mail.data = (uint8_t *) body;
    entry.mail.len = strlen (body);
    if (fallback) {
        entry.whatsapp_fallback.data = (uint8_t *) fallback;
        entry.whatsapp_fallback.len = strlen (fallback);
    }
    rc = notify_outbox_add (outbox, tx, wa_id, &entry);
    if (rc == 0)
        rc = bc_tx_emit (tx, &nq.base);
    if (rc == 0)
        bc_info ("event=queued notification=%s ticket=%llu kind=%s channel=whatsapp form=%s", wa_id,
                 (unsigned long long) mail->ticket, kind, is_in_window ? "text" : "template");
    free (body);
    free (fallback);
    return rc;
}

int
notify_queue_whatsapp_bot (const notify_queue_whatsapp_t *self, notify_outbox_t *outbox,
                           bc_tx_t *tx, MDB_dbi db_outbox, uint64_t seq,
                           const Balcao__V1__BotReplied *r)
{
    if (strcmp (r->channel, "whatsapp") != 0)
        return 0; /* the web chat's gateway pushes it */
    if (!self->is_on) {
        bc_info ("event=notification_skipped kind=bot reason=whatsapp_off "
                 "hint=\"set notify/whatsapp/phone_number_id\"");
        return 0;
    }
    char number[32], to[BC_PHONE_MAX];
    if (notify_whatsapp_number (r->conversation, number, sizeof number)) {
        bc_warn ("event=notification_skipped kind=bot reason=no_number seq=%llu",
                 (unsigned long long) seq);
        return 0;
    }
    char id[64];
    snprintf (id, sizeof id, "k%llu-bot~wa", (unsigned long long) seq);
    MDB_val k = {strlen (id), id}, v;
    int rc = mdb_get (bc_tx_txn (tx), db_outbox, &k, &v);
    if (rc != MDB_NOTFOUND)
        return rc; /* 0: already queued */
    /* The conversation is the customer's identity; the answer goes to the
     * number their latest message came from. */
    if ((rc = notify_queue_whatsapp_reply_to (self, bc_tx_txn (tx), number, to)))
        return rc;
    /* Interactive bodies stop at 1,024 characters; text at 4,096. */
    char text[4200];
    notify_whatsapp_cut (r->text, r->n_buttons || r->n_options ? 1024 : 4096, text, sizeof text);
    notify_whatsapp_button_t options[10];
    size_t n = 0;
    char *body;
    const char *form;
    if (r->n_options) {
        for (size_t i = 0; i < r->n_options && n < 10; i++, n++)
            options[n] = (notify_whatsapp_button_t) {r->options[i]->id, r->options[i]->title};
        body = notify_whatsapp_list_json (to, text, r->options_label, options, n);
        form = "interactive (list)";
    }
    else if (r->n_buttons) {
        char titles[3][96];
        for (size_t i = 0; i < r->n_buttons && n < 3; i++, n++) {
            notify_whatsapp_cut (r->buttons[i]->title, 20, titles[n], sizeof titles[n]);
            options[n] = (notify_whatsapp_button_t) {r->buttons[i]->id, titles[n]};
        }
        body = notify_whatsapp_buttons_json (to, text, NULL, options, n);
        form = "interactive (buttons)";
    }
    else {
        body = notify_whatsapp_text_json (to, text);
        form = "text";
    }
    if (!body)
        return ENOMEM;
    char recipient[64];
    snprintf (recipient, sizeof recipient, "whatsapp:+%s", to);
    Balcao__V1__NotificationQueued nq = BALCAO__V1__NOTIFICATION_QUEUED__INIT;
    nq.notification_id = id;
    nq.kind = "bot";
    nq.channel = "whatsapp";
    nq.recipient = recipient;
    nq.subject = (char *) form;
    Balcao__V1__OutboxEntry entry = BALCAO__V1__OUTBOX_ENTRY__INIT;
    entry.notification = &nq;
    entry.mail.data = (uint8_t *) body;
    entry.mail.len = strlen (body);
    rc = notify_outbox_add (outbox, tx, id, &entry);
    if (rc == 0)
        rc = bc_tx_emit (tx, &nq.base);
    if (rc == 0)
        bc_info ("event=queued notification=%s kind=bot channel=whatsapp form=\"%s\"", id, form);
    free (body);
    return rc;
}
