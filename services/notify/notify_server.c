/* notify_server: customer notifications from router events, an outbox and
 * delivery.
 *
 * Every customer-facing router event becomes one notification: TicketCreated
 * (ack), an agent's public written reply (MessageAppended), a request for
 * information, a resolution, a reopening and a close (TicketStatusChanged,
 * but not the close of a merge), an escalation up (TicketEscalated), a merge
 * (TicketMerged) and an auto-close reminder (AutoCloseReminder).
 *
 * A notification is born in the transaction that consumes the router event
 * (outbox + pending, and a NotificationQueued event). Its id is made from the
 * event alone, "t<N>-<kind>-<router seq>" ("t<N>-ack" for the one ack of a
 * ticket), so an event applied again finds its notification already there.
 * After that commit it is delivered by the transport; the next transaction
 * records the delivery (pending removed, NotificationDelivered). A crash
 * between delivery and the record delivers again under the same name, so the
 * file transport writes one file per notification whatever happens.
 *
 * Router events after TicketCreated do not all carry the customer's address,
 * name, language and subject, nor the e-mail thread to answer: notify keeps
 * its own view of each ticket from TicketCreated and MessageAppended.
 *
 * A ticket opened by a robot (intake's mail_class: an auto-reply, a bounce,
 * a receipt...) gets no automatic notification, and acknowledgements to one
 * sender are limited per hour (notify/ack_per_hour). intake's log brings
 * AttachmentRejected: the sender is told which files were too large.
 *
 * With notify/smtp/url set, notify_outbox.c delivers by SMTP (states,
 * retries, dead letters); otherwise the file transport (notify_files.c)
 * does. WhatsApp notices (notify_queue_whatsapp.c) go through the outbox's
 * WhatsApp worker; kb's log brings the bot's answers to WhatsApp
 * customers, and the router's "chat" field change says a web chat's
 * visitor left (their answers are e-mailed from then on). Router events
 * other systems subscribed to go to their webhooks (notify_webhooks.c).
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   outbox   notification id -> balcao.v1.OutboxEntry
 *   pending  notification id -> "" (queued, not yet delivered, not dead)
 *   tickets  ticket u64 BE   -> balcao.v1.NotifyTicket
 *   due, dead, meta          -> notify_outbox.c
 *   ack_rate sender address (lower case) -> u64 BE times of its recent acks
 *   wa_numbers WhatsApp identity -> the number its latest message came from
 *            (notify_queue_whatsapp.c; intake's log)
 */
#include "notify_server.h"
#include "notify_erase.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "bc_address.h"
#include "bc_log.h"
#include "bc_metrics.h"
#include "bc_store.h"
#include "bc_mailid.h"
#include "notify_ack_rate.h"
#include "notify_outbox.h"
#include "notify_render.h"
#include "notify_files.h"
#include "notify_retention.h"

#include "bc_events.h"
#include "notify_queue_whatsapp.h"
#include "notify_webhooks.h"
#include "notify_whatsapp.h"
#include "notify_words.h"

#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>

const char *const notify_dbs[] = {"outbox",  "pending", "tickets", "due",
                                  "dead",    "meta",    "ack_rate", "wa_due",
                                  "wa_sent", "wh_due",  "wa_numbers"};
const int notify_ndbs = 11;

/* "a-" and a request id. */
#define NOTIFY_ACCOUNT_ID_MAX 64

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_outbox, db_pending, db_tickets, db_ack_rate;
    notify_outbox_t *outbox;
    const char *install;
    const char *ticket_tag;
    int ack_per_hour; /* 0: no limit */
    const char *domain;
    const char *from_name;
    const char *from_address;
    const char *time_zone; /* the business calendar's: dates in mails */
    char portal_url[256];  /* gateway/public_url: the portal, in notices */
    char loop_tag[128];
    char from_buf[256];
    notify_files_t *files; /* the file transport (no SMTP configured) */
    notify_retention_t *retention; /* delivered notifications deleted after a while */
    notify_queue_whatsapp_t wa; /* WhatsApp notices' settings */
} notify_t;

static int
s_is (const char *s, const char *value)
{
    return s && strcmp (s, value) == 0;
}

/* ---- notify's view of tickets ---- */

Balcao__V1__NotifyTicket *
notify_ticket_get (MDB_txn *txn, MDB_dbi db_tickets, uint64_t number, int *rc)
{
    unsigned char key[8];
    bc_key_from_u64 (number, key);
    MDB_val k = {8, key}, v;
    *rc = mdb_get (txn, db_tickets, &k, &v);
    if (*rc)
        return NULL;
    Balcao__V1__NotifyTicket *t = balcao__v1__notify_ticket__unpack (NULL, v.mv_size, v.mv_data);
    if (!t)
        *rc = MDB_CORRUPTED;
    return t;
}

static int
s_ticket_put (notify_t *self, MDB_txn *txn, const Balcao__V1__NotifyTicket *t)
{
    unsigned char key[8];
    bc_key_from_u64 (t->number, key);
    MDB_val k = {8, key}, v;
    v.mv_size = balcao__v1__notify_ticket__get_packed_size (t);
    int rc = mdb_put (txn, self->db_tickets, &k, &v, MDB_RESERVE);
    if (rc == 0)
        balcao__v1__notify_ticket__pack (t, v.mv_data);
    return rc;
}

/* Who the mail goes to and which thread it continues, from the view. */
static void
s_mail_for (notify_mail_t *mail, const Balcao__V1__NotifyTicket *t)
{
    mail->ticket = t->number;
    mail->language = t->language;
    mail->customer_name = t->customer_name;
    mail->customer_address = t->customer_address;
    mail->subject = t->subject;
    mail->origin_message_id = t->origin_message_id;
    mail->last_inbound_message_id = t->last_inbound_message_id;
    mail->cc = t->participants;
    mail->n_cc = t->n_participants;
    mail->whatsapp_number = t->whatsapp_number;
    mail->whatsapp_inbound_us = t->last_whatsapp_inbound_us;
}

/* ---- the outbox ---- */

/* Intake's class of a person's message: "human", or "" (older events, and
 * every channel but e-mail). */
static int
s_is_robot (const char *mail_class)
{
    return mail_class && *mail_class && strcmp (mail_class, "human") != 0;
}

/* Queues `mail` (its content and recipient filled by the caller) under
 * notification id `id`, unless that id is already in the outbox. opened_by
 * is the mail class of the message that opened the ticket: a robot's
 * ticket gets no automatic notification (an agent's reply, written by a
 * person, still goes). */
static int s_queue_mail (notify_t *self, bc_tx_t *tx, const char *id, notify_mail_t *mail);

/* A customer address that is a WhatsApp number, not an e-mail address. */
static int
s_is_whatsapp_address (const char *address)
{
    return address && strncmp (address, "whatsapp:", 9) == 0;
}

static int
s_queue (notify_t *self, bc_tx_t *tx, const char *id, notify_mail_t *mail, const char *opened_by)
{
    const char *kind = notify_kind_name (mail->kind);
    int has_mail = mail->customer_address && strchr (mail->customer_address, '@')
                   && !s_is_whatsapp_address (mail->customer_address);
    int has_whatsapp = mail->whatsapp_number && *mail->whatsapp_number;
    if (!has_mail && !has_whatsapp) {
        bc_info ("event=notification_skipped ticket=%llu kind=%s reason=no_address",
                 (unsigned long long) mail->ticket, kind);
        return 0;
    }
    if (mail->kind != NOTIFY_REPLY && s_is_robot (opened_by)) {
        bc_info ("event=notification_skipped ticket=%llu kind=%s reason=robot class=%s",
                 (unsigned long long) mail->ticket, kind, opened_by);
        return notify_outbox_count_skipped (self->outbox, tx, "skipped_robot");
    }
    mail->time_us = bc_tx_now_us (tx);
    mail->time_zone = self->time_zone;
    /* A customer who came by WhatsApp is told there, and by e-mail too
     * when the ticket has their e-mail address. */
    int rc = has_mail ? s_queue_mail (self, tx, id, mail) : 0;
    if (rc == 0 && has_whatsapp)
        rc = notify_queue_whatsapp (&self->wa, self->outbox, tx, self->db_outbox, id, mail);
    return rc;
}

/* The e-mail part of s_queue. */
static int
s_queue_mail (notify_t *self, bc_tx_t *tx, const char *id, notify_mail_t *mail)
{
    const char *kind = notify_kind_name (mail->kind);
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_val k = {strlen (id), (void *) id}, v;
    int rc = mdb_get (txn, self->db_outbox, &k, &v);
    if (rc != MDB_NOTFOUND)
        return rc; /* 0: already queued */

    char message_id[256];
    bc_mailid_new (message_id, sizeof message_id, self->install, mail->ticket, self->domain);
    mail->message_id = message_id;
    mail->from_name = self->from_name;
    mail->from_address = self->from_address;
    mail->loop_tag = self->loop_tag;
    mail->ticket_tag = self->ticket_tag;
    mail->time_zone = self->time_zone;
    size_t mail_len;
    char *subject;
    char *rendered = notify_render (mail, &mail_len, &subject);

    Balcao__V1__NotificationQueued nq = BALCAO__V1__NOTIFICATION_QUEUED__INIT;
    nq.notification_id = (char *) id;
    nq.ticket = mail->ticket;
    nq.kind = (char *) kind;
    nq.channel = "email";
    nq.recipient = (char *) mail->customer_address;
    nq.message_id = message_id;
    nq.subject = subject;
    Balcao__V1__OutboxEntry entry = BALCAO__V1__OUTBOX_ENTRY__INIT;
    entry.notification = &nq;
    entry.mail.data = (uint8_t *) rendered;
    entry.mail.len = mail_len;
    rc = notify_outbox_add (self->outbox, tx, id, &entry);
    if (rc == 0)
        rc = bc_tx_emit (tx, &nq.base);
    if (rc == 0)
        bc_info ("event=queued notification=%s ticket=%llu kind=%s", id,
                 (unsigned long long) mail->ticket, kind);
    /* The same mail (To the customer, Cc them) to each participant, as a
     * delivery of its own: one refused address never holds up another's. */
    for (size_t i = 0; rc == 0 && notify_render_copies_cc (mail->kind) && i < mail->n_cc; i++) {
        char copy_id[96];
        snprintf (copy_id, sizeof copy_id, "%s~%zu", id, i + 1);
        nq.notification_id = copy_id;
        nq.recipient = mail->cc[i];
        rc = notify_outbox_add (self->outbox, tx, copy_id, &entry);
        if (rc == 0)
            rc = bc_tx_emit (tx, &nq.base);
        if (rc == 0)
            bc_info ("event=queued notification=%s ticket=%llu kind=%s copy=participant",
                     copy_id, (unsigned long long) mail->ticket, kind);
    }
    free (rendered);
    free (subject);
    return rc;
}

/* Queues `mail`, caused by router event ev, under the id
 * "t<N>-<kind>-<seq>": the same event always gives the same id. */
static int
s_queue_for_event (notify_t *self, bc_tx_t *tx, const bc_envelope_t *ev, notify_mail_t *mail,
                   const char *opened_by)
{
    char id[64];
    snprintf (id, sizeof id, "t%llu-%s-%llu", (unsigned long long) mail->ticket,
              notify_kind_name (mail->kind), (unsigned long long) ev->seq);
    return s_queue (self, tx, id, mail, opened_by);
}

/* ---- router events ---- */

static int
s_on_created (notify_t *self, bc_tx_t *tx, const bc_envelope_t *ev,
              const Balcao__V1__TicketCreated *tc)
{
    const Balcao__V1__Ticket *t = tc->ticket;
    if (!t)
        return 0;
    const char *opened_by = t->n_messages > 0 ? t->messages[0]->mail_class : "";
    Balcao__V1__NotifyTicket view = BALCAO__V1__NOTIFY_TICKET__INIT;
    view.number = t->number;
    view.customer_address = t->customer_address;
    view.customer_name = t->customer_name;
    view.language = t->language;
    view.subject = t->subject;
    /* Only an e-mail has a Message-ID to answer (an API submission's
     * external id is not one). */
    view.origin_message_id = s_is (t->channel, "email") ? t->origin_message_id : "";
    view.mail_class = (char *) opened_by;
    /* A WhatsApp customer: their number (the address "whatsapp:+<digits>",
     * or the first message's author when the ticket's address is an
     * e-mail one) and the start of the 24-hour window. */
    char number[32] = "";
    view.channel = t->channel;
    if (notify_queue_whatsapp_number (t, number, sizeof number) == 0)
        view.last_whatsapp_inbound_us = ev->time_us ? ev->time_us : bc_tx_now_us (tx);
    view.whatsapp_number = number;
    view.chat_live = s_is (t->channel, "chat") && !t->chat_ended_us;
    int rc = s_ticket_put (self, bc_tx_txn (tx), &view);
    if (rc)
        return rc;
    /* The router's real first-response target: the promise we make. */
    notify_mail_t mail = {.kind = NOTIFY_ACK,
                          .first_response_target_s = tc->first_response_target_s,
                          .first_response_due_us = t->first_response_due_us};
    s_mail_for (&mail, &view);
    /* One TicketCreated per ticket: the ack's id needs no sequence. */
    char id[64];
    snprintf (id, sizeof id, "t%llu-ack", (unsigned long long) t->number);
    if (s_is_robot (opened_by) || !*view.customer_address)
        return s_queue (self, tx, id, &mail, opened_by); /* skipped there, and counted */
    int allowed;
    rc = notify_ack_allowed (bc_tx_txn (tx), self->db_ack_rate, self->ack_per_hour, view.customer_address, ev->time_us ? ev->time_us
                                                                     : bc_tx_now_us (tx),
                        &allowed);
    if (rc)
        return rc;
    if (!allowed) {
        char clean[256];
        bc_info ("event=notification_skipped ticket=%llu kind=ack reason=ack_rate_limited "
                 "to=%s limit_per_hour=%d",
                 (unsigned long long) t->number,
                 bc_log_clean (view.customer_address, clean, sizeof clean), self->ack_per_hour);
        return notify_outbox_count_skipped (self->outbox, tx, "skipped_ack_rate");
    }
    return s_queue (self, tx, id, &mail, opened_by);
}

/* The customer's e-mails move the thread our mail answers; an agent's
 * written public reply goes to the customer. */
static int
s_on_appended (notify_t *self, bc_tx_t *tx, const bc_envelope_t *ev,
               const Balcao__V1__MessageAppended *ma)
{
    const Balcao__V1__TicketMessage *m = ma->message;
    if (!m)
        return 0;
    int is_inbound_mail = s_is (m->direction, "inbound") && s_is (m->channel, "email")
                          && m->message_id && *m->message_id;
    /* The customer wrote by WhatsApp: the 24-hour window starts again. */
    int is_inbound_whatsapp = s_is (m->direction, "inbound") && s_is (m->channel, "whatsapp")
                              && !ma->copied_from;
    /* A written reply (not a phone call the agent logs), and not a copy a
     * merge brought over from the duplicate (sent already, from there). */
    int is_new_reply = s_is (m->direction, "outbound") && !m->is_internal
                       && s_is (m->channel, "agent") && !ma->copied_from;
    if (!is_inbound_mail && !is_new_reply && !is_inbound_whatsapp)
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__NotifyTicket *t = notify_ticket_get (txn, self->db_tickets, ma->ticket, &rc);
    if (!t) {
        if (rc == MDB_NOTFOUND)
            bc_info ("event=notification_skipped ticket=%llu reason=unknown_ticket",
                     (unsigned long long) ma->ticket);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (is_inbound_whatsapp) {
        if (t->whatsapp_number && *t->whatsapp_number) {
            t->last_whatsapp_inbound_us = ev->time_us ? ev->time_us : bc_tx_now_us (tx);
            rc = s_ticket_put (self, txn, t);
        }
    }
    else if (is_inbound_mail) {
        /* Only the customer's own mail (a merge copies another's too). */
        if (m->author && strcasecmp (m->author, t->customer_address) == 0) {
            char *old = t->last_inbound_message_id;
            t->last_inbound_message_id = m->message_id;
            rc = s_ticket_put (self, txn, t);
            t->last_inbound_message_id = old;
        }
        /* Someone else a person's mail brought onto the ticket (the router
         * let them in, or it would be a ticket of their own) is copied
         * from now on. */
        else if (m->author && strchr (m->author, '@') && !s_is_robot (m->mail_class)
                 && !ma->copied_from && t->n_participants < 16
                 && !bc_address_listed (t->participants, t->n_participants, m->author)) {
            char **grown = realloc (t->participants, (t->n_participants + 1) * sizeof *grown);
            if (!grown)
                rc = ENOMEM;
            else {
                t->participants = grown;
                t->participants[t->n_participants++] = strdup (m->author);
                rc = s_ticket_put (self, txn, t);
            }
        }
    }
    else if (t->chat_live)
        /* The visitor is in the chat: they read it there (the gateway). */
        bc_info ("event=notification_skipped ticket=%llu kind=reply reason=chat_live",
                 (unsigned long long) t->number);
    else {
        notify_mail_t mail = {.kind = NOTIFY_REPLY, .text = m->body, .author_name = m->author_name};
        s_mail_for (&mail, t);
        rc = s_queue_for_event (self, tx, ev, &mail, t->mail_class);
    }
    balcao__v1__notify_ticket__free_unpacked (t, NULL);
    return rc;
}

/* The resolution the customer reads: a problem's resolution copied to its
 * incidents is prefixed with the problem's number, which is someone else's
 * ticket ("Resolvido junto com o problema #N: ..."). */
static const char *
s_resolution_text (const Balcao__V1__TicketStatusChanged *e)
{
    if (s_is (e->action, "resolve_with_problem")) {
        const char *colon = strstr (e->text, ": ");
        if (colon)
            return colon + 2;
    }
    return e->text;
}

static int
s_on_status (notify_t *self, bc_tx_t *tx, const bc_envelope_t *ev,
             const Balcao__V1__TicketStatusChanged *e)
{
    notify_mail_t mail = {.action = e->action};
    if (s_is (e->to_status, "aguardando_cliente") && s_is (e->action, "request_info")) {
        mail.kind = NOTIFY_INFO;
        mail.text = e->text;
    }
    else if (s_is (e->to_status, "resolvido")) {
        mail.kind = NOTIFY_RESOLVED;
        mail.text = s_resolution_text (e);
        mail.close_at_us = e->auto_close_us;
    }
    else if (s_is (e->to_status, "reaberto")) {
        mail.kind = NOTIFY_REOPENED;
        /* The customer's own words; an agent's reason is for the team. */
        mail.text = s_is (e->action, "reject") || s_is (e->action, "customer_reply") ? e->text : "";
    }
    else if (s_is (e->to_status, "fechado") && !s_is (e->action, "merge"))
        mail.kind = NOTIFY_CLOSED; /* a merge has its own notification */
    else
        return 0;
    int rc;
    Balcao__V1__NotifyTicket *t =
        notify_ticket_get (bc_tx_txn (tx), self->db_tickets, e->number, &rc);
    if (!t) {
        if (rc == MDB_NOTFOUND)
            bc_info ("event=notification_skipped ticket=%llu kind=%s reason=unknown_ticket",
                     (unsigned long long) e->number, notify_kind_name (mail.kind));
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    s_mail_for (&mail, t);
    rc = s_queue_for_event (self, tx, ev, &mail, t->mail_class);
    balcao__v1__notify_ticket__free_unpacked (t, NULL);
    return rc;
}

/* Escalations, merges and reminders carry the customer's address, language
 * and subject themselves: a ticket notify has no view of (created before
 * notify kept views) is still told, without a name or a thread. */
static int
s_queue_with (notify_t *self, bc_tx_t *tx, const bc_envelope_t *ev, notify_mail_t *mail,
              uint64_t number, const char *address, const char *language, const char *subject)
{
    int rc;
    Balcao__V1__NotifyTicket *t =
        notify_ticket_get (bc_tx_txn (tx), self->db_tickets, number, &rc);
    if (!t && rc != MDB_NOTFOUND)
        return rc;
    if (t)
        s_mail_for (mail, t);
    else {
        mail->ticket = number;
        mail->language = language;
        mail->customer_name = "";
        mail->customer_address = address;
        mail->subject = subject;
        mail->origin_message_id = "";
        mail->last_inbound_message_id = "";
    }
    rc = s_queue_for_event (self, tx, ev, mail, t ? t->mail_class : "");
    if (t)
        balcao__v1__notify_ticket__free_unpacked (t, NULL);
    return rc;
}

/* A web chat's visitor left: answers go by e-mail from now on. */
static int
s_chat_ended (notify_t *self, bc_tx_t *tx, uint64_t number)
{
    int rc;
    Balcao__V1__NotifyTicket *t =
        notify_ticket_get (bc_tx_txn (tx), self->db_tickets, number, &rc);
    if (!t)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (t->chat_live) {
        t->chat_live = 0;
        rc = s_ticket_put (self, bc_tx_txn (tx), t);
    }
    balcao__v1__notify_ticket__free_unpacked (t, NULL);
    return rc;
}

/* kb's log: the bot's answers to WhatsApp customers, "k<seq>-bot~wa". */
/* Replicas (notify/replicas) share the work by ticket: each queues the
 * notifications of the tickets whose number modulo the count is its own,
 * and keeps those tickets' records; what belongs to no ticket goes by the
 * event's sequence number. Every replica reads every event. */
static int
s_is_mine (notify_t *self, uint64_t key)
{
    int n = bc_service_replicas (self->svc);
    return n <= 1 || key % (uint64_t) n == (uint64_t) (bc_service_replica (self->svc) - 1);
}

static int
s_on_kb (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    notify_t *self = state;
    if (!s_is_mine (self, ev->seq))
        return 0;
    Balcao__V1__BotReplied *r = (Balcao__V1__BotReplied *) bc_envelope_payload (
        ev, &balcao__v1__bot_replied__descriptor);
    if (!r)
        return 0;
    int rc = notify_queue_whatsapp_bot (&self->wa, self->outbox, tx, self->db_outbox, ev->seq, r);
    balcao__v1__bot_replied__free_unpacked (r, NULL);
    return rc;
}

static int
s_on_router (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    notify_t *self = state;
    if (bc_envelope_is (ev, &balcao__v1__person_erased__descriptor))
        return notify_erase (tx, ev);
    uint64_t ticket = bc_event_ticket (ev);
    if (!s_is_mine (self, ticket ? ticket : ev->seq))
        return 0;
    int rc = 0;
    ProtobufCMessage *msg;
    if ((msg = bc_envelope_payload (ev, &balcao__v1__ticket_created__descriptor)))
        rc = s_on_created (self, tx, ev, (Balcao__V1__TicketCreated *) msg);
    else if ((msg = bc_envelope_payload (ev, &balcao__v1__message_appended__descriptor)))
        rc = s_on_appended (self, tx, ev, (Balcao__V1__MessageAppended *) msg);
    else if ((msg = bc_envelope_payload (ev, &balcao__v1__ticket_status_changed__descriptor)))
        rc = s_on_status (self, tx, ev, (Balcao__V1__TicketStatusChanged *) msg);
    else if ((msg = bc_envelope_payload (ev, &balcao__v1__ticket_escalated__descriptor))) {
        const Balcao__V1__TicketEscalated *e = (const Balcao__V1__TicketEscalated *) msg;
        /* Going up is news for the customer; going back down is not. Only a
         * friendly sentence: the reason and diagnosis are internal. */
        if (s_is (e->direction, "up")) {
            notify_mail_t mail = {.kind = NOTIFY_ESCALATED};
            rc = s_queue_with (self, tx, ev, &mail, e->number, e->customer_address, e->language,
                               e->subject);
        }
    }
    else if ((msg = bc_envelope_payload (ev, &balcao__v1__ticket_field_changed__descriptor))) {
        const Balcao__V1__TicketFieldChanged *e = (const Balcao__V1__TicketFieldChanged *) msg;
        if (s_is (e->field, "chat"))
            rc = s_chat_ended (self, tx, e->number);
    }
    else if ((msg = bc_envelope_payload (ev, &balcao__v1__ticket_merged__descriptor))) {
        const Balcao__V1__TicketMerged *e = (const Balcao__V1__TicketMerged *) msg;
        notify_mail_t mail = {.kind = NOTIFY_MERGED, .into = e->into};
        rc = s_queue_with (self, tx, ev, &mail, e->from, e->customer_address, e->language,
                           e->subject);
    }
    else if ((msg = bc_envelope_payload (ev, &balcao__v1__auto_close_reminder__descriptor))) {
        const Balcao__V1__AutoCloseReminder *e = (const Balcao__V1__AutoCloseReminder *) msg;
        notify_mail_t mail = {.kind = NOTIFY_REMINDER, .close_at_us = e->close_at_us};
        rc = s_queue_with (self, tx, ev, &mail, e->number, e->customer_address, e->language,
                           e->subject);
    }
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
    /* Other systems' subscriptions (notify_webhooks.c). */
    if (rc == 0)
        rc = notify_webhooks_on_router (self->outbox, tx, ev);
    return rc;
}

/* intake's log: a message refused for its attachments gets a notice, under
 * the id "r<intake seq>-rejected"; Meta's statuses of what notify sent by
 * WhatsApp go to the outbox (a failed one: the template, or a dead letter). */
static int
s_on_intake (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    notify_t *self = state;
    Balcao__V1__WhatsAppStatusReceived *st = (Balcao__V1__WhatsAppStatusReceived *)
        bc_envelope_payload (ev, &balcao__v1__whats_app_status_received__descriptor);
    if (st) {
        int rc = notify_outbox_whatsapp_status (self->outbox, tx, st);
        balcao__v1__whats_app_status_received__free_unpacked (st, NULL);
        return rc;
    }
    /* A customer's WhatsApp message: the number to answer from now on. */
    Balcao__V1__MessageReceived *mr = (Balcao__V1__MessageReceived *) bc_envelope_payload (
        ev, &balcao__v1__message_received__descriptor);
    if (mr) {
        int rc = notify_queue_whatsapp_heard (&self->wa, bc_tx_txn (tx), mr);
        balcao__v1__message_received__free_unpacked (mr, NULL);
        return rc;
    }
    Balcao__V1__AttachmentRejected *e = (Balcao__V1__AttachmentRejected *) bc_envelope_payload (
        ev, &balcao__v1__attachment_rejected__descriptor);
    if (!e)
        return 0;
    if (!s_is_mine (self, e->ticket ? e->ticket : ev->seq)) {
        balcao__v1__attachment_rejected__free_unpacked (e, NULL);
        return 0;
    }
    notify_mail_t mail = {
        .kind = NOTIFY_REJECTED,
        .ticket = e->ticket,
        .language = e->language,
        .customer_name = e->from_name,
        .customer_address = e->from_address,
        .subject = e->subject,
        .origin_message_id = e->message_id,
        .last_inbound_message_id = "",
        .files = (const char *const *) e->files,
        .n_files = e->n_files,
        .limit_bytes = e->limit_bytes,
        .limit = e->limit,
        .kept = e->kept,
        .portal_url = self->portal_url,
    };
    /* Their files were too large for WhatsApp's download: told there. */
    char number[32] = "";
    if (s_is_whatsapp_address (e->from_address)
        && notify_whatsapp_number (e->from_address, number, sizeof number) == 0) {
        mail.whatsapp_number = number;
        mail.whatsapp_inbound_us = ev->time_us ? ev->time_us : bc_tx_now_us (tx);
    }
    /* intake's replicas number their logs each: replica k's are r<k>.<seq>. */
    char id[64], base[64];
    int k;
    bc_config_service_of (source, base, sizeof base, &k);
    if (k > 1)
        snprintf (id, sizeof id, "r%d.%llu-rejected", k, (unsigned long long) ev->seq);
    else
        snprintf (id, sizeof id, "r%llu-rejected", (unsigned long long) ev->seq);
    int rc = s_queue (self, tx, id, &mail, e->mail_class);
    balcao__v1__attachment_rejected__free_unpacked (e, NULL);
    return rc;
}

static int
s_cmd_list_outbox (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                   const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    notify_t *self = state;
    return notify_outbox_cmd_list (self->outbox, tx, payload, reply);
}

static int
s_cmd_resend (void *state, bc_tx_t *tx, const bc_envelope_t *request,
              const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    notify_t *self = state;
    return notify_outbox_cmd_resend (self->outbox, tx, payload, reply);
}

/* SendAccountMail: the gateway's mail about a portal account (a one-time
 * link), queued as "a-<request id>" in this request's transaction. The
 * link is a secret: it goes into the mail and nowhere else (not in a log
 * line, not in NotificationQueued). */
static int
s_cmd_account_mail (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                    const ProtobufCMessage *payload, bc_reply_t *reply)
{
    notify_t *self = state;
    const Balcao__V1__SendAccountMail *m = (const Balcao__V1__SendAccountMail *) payload;
    const char *who = bc_tx_principal (tx);
    if (!s_is (who, "service:gateway") && strncmp (who, "admin:", 6) != 0) {
        bc_reply_error (reply, "forbidden", "só o gateway envia e-mails de conta",
                        "only the gateway sends account mail");
        return 0;
    }
    notify_mail_t mail = {.language = m->language, .customer_name = m->name,
                          .customer_address = m->to, .subject = "", .link = m->link,
                          .expires_us = m->expires_us, .origin_message_id = "",
                          .last_inbound_message_id = ""};
    if (s_is (m->kind, "confirm"))
        mail.kind = NOTIFY_ACCOUNT_CONFIRM;
    else if (s_is (m->kind, "login"))
        mail.kind = NOTIFY_ACCOUNT_LOGIN;
    else if (s_is (m->kind, "reset"))
        mail.kind = NOTIFY_ACCOUNT_RESET;
    else if (s_is (m->kind, "staff_invite"))
        mail.kind = NOTIFY_STAFF_INVITE;
    else if (s_is (m->kind, "staff_reset"))
        mail.kind = NOTIFY_STAFF_RESET;
    else {
        bc_reply_error (reply, "invalid",
                        "kind é confirm, login, reset, staff_invite ou staff_reset",
                        "kind is confirm, login, reset, staff_invite or staff_reset");
        return 0;
    }
    if (!m->to || !strchr (m->to, '@') || strlen (m->to) > 254 || strpbrk (m->to, "\r\n<>,")
        || !m->link || strncmp (m->link, "http", 4) != 0 || strpbrk (m->link, "\r\n")
        || m->expires_us <= 0) {
        bc_reply_error (reply, "invalid",
                        "um e-mail de conta precisa de um endereço, um link http(s) e a validade",
                        "account mail needs an address, an http(s) link and an expiry");
        return 0;
    }
    char id[NOTIFY_ACCOUNT_ID_MAX];
    snprintf (id, sizeof id, "a-%s", request->id);
    int rc = s_queue (self, tx, id, &mail, "");
    if (rc)
        return rc;
    Balcao__V1__AccountMailQueued q = BALCAO__V1__ACCOUNT_MAIL_QUEUED__INIT;
    q.notification_id = id;
    bc_reply_ok (reply, &q.base);
    return 0;
}

/* Records what was delivered since the last commit. */
static int
s_before_batch (void *state, bc_tx_t *tx)
{
    notify_t *self = state;
    /* SMTP and WhatsApp outcomes and picks; the file transport's below. */
    int rc = notify_outbox_before_batch (self->outbox, tx);
    if (rc == 0)
        rc = notify_retention_sweep (self->retention, tx);
    if (rc || notify_outbox_is_smtp (self->outbox))
        return rc;
    return notify_files_before_batch (self->files, tx);
}

/* The outbox for Prometheus: entries waiting (queued or retrying) and dead
 * letters, as committed (LMDB's entry counts: no scan). */
static void
s_metrics (notify_t *self)
{
    bc_metrics_t *m = bc_service_metrics (self->svc);
    MDB_txn *txn;
    if (!m || mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    MDB_stat pending, dead;
    if (mdb_stat (txn, self->db_pending, &pending) == 0)
        bc_metrics_set (m, "balcao_outbox_pending", "", (double) pending.ms_entries);
    if (mdb_stat (txn, bc_service_dbi (self->svc, "dead"), &dead) == 0)
        bc_metrics_set (m, "balcao_outbox_dead_letters", "", (double) dead.ms_entries);
    mdb_txn_abort (txn);
}

static void
s_after_commit (void *state)
{
    notify_t *self = state;
    notify_outbox_after_commit (self->outbox);
    notify_retention_after_commit (self->retention);
    if (!notify_outbox_is_smtp (self->outbox))
        notify_files_after_commit (self->files);
    s_metrics (self);
}

static void
s_timer (void *state)
{
    notify_t *self = state;
    notify_outbox_timer (self->outbox);
    if (!notify_outbox_is_smtp (self->outbox))
        notify_files_timer (self->files);
    if (notify_retention_is_due (self->retention))
        bc_service_wake (self->svc);
}

void *
notify_server_setup (bc_service_t *svc)
{
    notify_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->db_outbox = bc_service_dbi (svc, "outbox");
    self->db_pending = bc_service_dbi (svc, "pending");
    self->db_tickets = bc_service_dbi (svc, "tickets");
    self->db_ack_rate = bc_service_dbi (svc, "ack_rate");
    bc_config_t *cfg = bc_service_config (svc);
    self->install = bc_config_str (cfg, "balcao/install", "bc");
    self->ticket_tag = bc_config_str (cfg, "balcao/ticket_tag", "Chamado");
    self->ack_per_hour = (int) bc_config_int (cfg, "notify/ack_per_hour", 3);
    self->domain = bc_config_str (cfg, "balcao/domain", "balcao.local");
    self->from_name = bc_config_str (cfg, "notify/from_name", "Suporte Balcão");
    snprintf (self->from_buf, sizeof self->from_buf, "suporte@%s", self->domain);
    self->from_address = bc_config_str (cfg, "notify/from_address", self->from_buf);
    bc_mailid_loop_tag (self->loop_tag, sizeof self->loop_tag, self->install, self->domain);
    /* The zone the router's business calendar counts in: a promised time
     * reads as the SLA means it. */
    self->time_zone = bc_config_str (cfg, "router/calendar/timezone", NOTIFY_DEFAULT_TIME_ZONE);
    bc_config_public_url (cfg, self->portal_url, sizeof self->portal_url);
    if (!notify_words_zone_is_known (self->time_zone))
        bc_warn ("event=config_invalid key=router/calendar/timezone value=%s "
                 "hint=\"an IANA zone like America/Sao_Paulo; dates fall back to UTC-03:00\"",
                 self->time_zone);
    char dflt_outbox[4096], mail_dir[4200];
    snprintf (dflt_outbox, sizeof dflt_outbox, "%s/outbox", bc_config_data_dir (cfg));
    snprintf (mail_dir, sizeof mail_dir, "%s/mail",
              bc_config_str (cfg, "notify/outbox_dir", dflt_outbox));
    if (!(self->files = notify_files_new (svc, mail_dir))) {
        free (self);
        return NULL;
    }
    notify_queue_whatsapp_setup (&self->wa, cfg);
    self->wa.db_numbers = bc_service_dbi (svc, "wa_numbers");
    self->outbox = notify_outbox_new (svc);
    self->retention = notify_retention_new (svc, mail_dir);
    if (!self->outbox || !self->retention) {
        notify_outbox_destroy (&self->outbox);
        notify_retention_destroy (&self->retention);
        notify_files_destroy (&self->files);
        free (self);
        return NULL;
    }
    notify_render_init ();
    bc_service_consume (svc, "router", s_on_router);
    bc_service_consume (svc, "intake", s_on_intake);
    bc_service_consume (svc, "kb", s_on_kb);
    bc_service_on_command (svc, &balcao__v1__list_outbox__descriptor, 0, s_cmd_list_outbox);
    bc_service_on_command (svc, &balcao__v1__resend_notification__descriptor, 1, s_cmd_resend);
    bc_service_on_command (svc, &balcao__v1__send_account_mail__descriptor, 1, s_cmd_account_mail);
    notify_export_register (svc);
    bc_service_hooks (svc, s_before_batch, NULL, s_after_commit);
    bc_metrics_t *m = bc_service_metrics (svc);
    bc_metrics_help (m, "balcao_outbox_pending", "gauge",
                     "Notifications queued and not delivered yet (retries included).");
    bc_metrics_help (m, "balcao_outbox_dead_letters", "gauge",
                     "Notifications given up on (balcao outbox mortas; resend after a fix).");
    s_metrics (self);
    /* How long a written file may wait for the syncfs that puts it on record. */
    bc_service_every (svc, (int) bc_config_int (cfg, "notify/file_sync_ms", 200), s_timer);
    bc_service_set_batch_delay (svc, (int) bc_config_int (cfg, "notify/batch_delay_ms", 50));
    /* The bot's answer goes out at once: the customer is waiting for it. */
    bc_service_set_urgent (svc, &balcao__v1__bot_replied__descriptor);
    /* Notifications committed before a crash but never delivered: the file
     * transport writes them now; SMTP recovers in the first batch. */
    if (notify_outbox_is_smtp (self->outbox) || self->wa.is_on)
        bc_service_wake (svc);
    if (!notify_outbox_is_smtp (self->outbox))
        notify_files_deliver (self->files);
    return self;
}

void
notify_server_teardown (void *state)
{
    notify_t *self = state;
    notify_outbox_destroy (&self->outbox);
    notify_retention_destroy (&self->retention);
    notify_files_destroy (&self->files);
    free (self);
}
