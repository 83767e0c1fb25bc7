/* router_inbound: a customer's message from intake (MessageReceived) onto
 * the ticket it answers or a new one. Who may write on a ticket by mail
 * (the customer, their colleagues and the addresses they copied, who join
 * as participants; a stranger's message is a ticket of its own that
 * mentions it), what a person's answer does to the ticket's status (accept,
 * reject, unclear; a rating), and what robots' mail becomes (bounces and
 * out-of-office replies are notes that change nothing). */
#include "router_internal.h"
#include "router_reply.h"
#include "router_subject.h"

#include "bc_events.h"
#include "bc_address.h"
#include "bc_log.h"
#include "bc_scrub.h"
#include "bc_phone.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A customer exists from their first message on, and a message from them
 * shows their address works. Their organization goes to org. */
static int
s_customer_seen (router_t *self, bc_tx_t *tx, const Balcao__V1__MessageReceived *mr,
                 int is_person, char *org, size_t org_size)
{
    *org = 0;
    /* The web chat's visitor is the e-mail they gave; anonymous
     * ("chat:<id>"), nobody yet. */
    const char *address = strcmp (mr->channel, "chat") == 0 && *mr->contact_address
                              ? mr->contact_address
                              : mr->from_address;
    if (!*address || strncmp (address, "chat:", 5) == 0)
        return 0;
    char id[320];
    snprintf (id, sizeof id, "customer:%s", address);
    for (char *p = id; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
    Balcao__V1__Person *known;
    int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, id, &known);
    if (rc == 0) {
        snprintf (org, org_size, "%s", known->organization);
        if (is_person && known->email_failing) {
            /* They wrote: their address works again. */
            known->email_failing = 0;
            router_set_string (&known->email_failure, "");
            rc = router_people_put (bc_tx_txn (tx), &self->pdbs, known);
            if (rc == 0) {
                Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
                ev.person = known;
                rc = bc_tx_emit (tx, &ev.base);
            }
        }
        balcao__v1__person__free_unpacked (known, NULL);
        return rc;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
    p.id = id;
    p.name = mr->from_name;
    p.email = (char *) address;
    p.language = mr->language;
    p.created_us = bc_tx_now_us (tx);
    rc = router_people_put (bc_tx_txn (tx), &self->pdbs, &p);
    if (rc)
        return rc;
    Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
    ev.person = &p;
    return bc_tx_emit (tx, &ev.base);
}

static int s_append_inbound (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                             Balcao__V1__TicketMessage *m, int is_person);

/* The customer's answer on a resolved ticket said neither yes nor no
 * ("Vou testar amanhã"): a note for the agent, after it, says so (and
 * Ticket.awaits_judgement puts the ticket back in their "mine" view). The
 * ticket stays resolved; its auto-close still runs. */
static int
s_note_unclear_answer (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                       const Balcao__V1__TicketMessage *answer)
{
    char ref[200];
    snprintf (ref, sizeof ref, "%s-unclear", answer->message_ref);
    Balcao__V1__TicketMessage note = BALCAO__V1__TICKET_MESSAGE__INIT;
    note.message_ref = ref;
    note.author = "system:router";
    note.body = note.reply =
        "Resposta do cliente não é clara: confirme com ele se o problema foi resolvido.\n"
        "The customer's answer is unclear: check with them whether the problem is solved.";
    note.time_us = answer->time_us;
    note.channel = answer->channel;
    note.direction = "internal";
    note.is_internal = 1;
    bc_info ("event=answer_unclear ticket=%llu message_ref=%s", (unsigned long long) t->number,
             answer->message_ref);
    return s_append_inbound (self, tx, t, &note, 0);
}

/* A customer's message on their existing ticket. Only a person's message
 * moves the ticket: it answers what we asked; on a resolved ticket
 * router_reply_answer reads it: an acceptance ("Bom dia! Funcionou,
 * obrigada.") closes it (at N3 only the customer's own acceptance closes
 * it), a rejection ("Continua dando erro") reopens it with their words,
 * and an unclear answer ("Vou testar amanhã e te falo") leaves it resolved,
 * without a word to the customer, with a note for the agent to judge it
 * (s_note_unclear_answer); on a closed ticket (within router/reopen_days) a
 * rating ("nota 5") is their rating and anything else reopens it. Robots
 * are recorded and change nothing; out-of-office replies and bounces come
 * here as internal notes (s_on_auto_reply, s_on_report). */
static int
s_append_inbound (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                  Balcao__V1__TicketMessage *m, int is_person)
{
    MDB_txn *txn = bc_tx_txn (tx);
    uint32_t index = t->message_count;
    t->message_count++;
    t->internal_count += m->is_internal ? 1 : 0;
    t->updated_us = m->time_us;
    int rc = router_put_thread (self, txn, t->number, index, m);
    if (rc)
        return rc;
    Balcao__V1__MessageAppended out = BALCAO__V1__MESSAGE_APPENDED__INIT;
    out.ticket = t->number;
    out.message = m;
    if ((rc = router_emit_for (self, tx, t->number, &out.base)))
        return rc;
    const char *to = NULL, *action = "customer_reply", *comment;
    int score = 0, is_unclear = 0;
    if (!is_person || m->is_internal)
        to = NULL;
    else if (strcmp (t->status, "resolvido") == 0) {
        router_answer_t answer = router_reply_answer (m->reply);
        is_unclear = answer == ROUTER_ANSWER_UNCLEAR;
        to = answer == ROUTER_ANSWER_ACCEPTS   ? "fechado"
             : answer == ROUTER_ANSWER_REJECTS ? "reaberto"
                                               : NULL;
        action = answer == ROUTER_ANSWER_ACCEPTS ? "accept" : "reject";
        /* At N3 only the customer's own acceptance validates the fix; a
         * colleague's thanks is recorded and the ticket keeps waiting. */
        int is_customer = strcasecmp (m->author, t->customer_address) == 0;
        if (answer == ROUTER_ANSWER_ACCEPTS
            && router_lifecycle_may_close (t->tier, *t->customer_address != 0,
                                           is_customer ? ROUTER_BY_CUSTOMER : ROUTER_BY_OTHER,
                                           NULL)
                   != ROUTER_CLOSE_OK)
            to = NULL;
    }
    else if (strcmp (t->status, "fechado") == 0 && !t->csat_score
             && (score = router_reply_rating (m->reply, &comment)))
        to = NULL;
    else if (strcmp (t->status, "fechado") == 0)
        to = "reaberto";
    else
        to = router_lifecycle_next (t->status, ROUTER_CUSTOMER_REPLY);
    /* The customer did it, by mail. */
    char who[320];
    snprintf (who, sizeof who, "customer:%s", t->customer_address);
    if (score) {
        bc_tx_set_principal (tx, who);
        rc = router_rate (self, tx, t, (uint32_t) score, comment);
    }
    else if (to && strcmp (to, t->status) != 0) {
        if (strcmp (action, "customer_reply") != 0)
            bc_tx_set_principal (tx, who);
        rc = router_change_status (self, tx, t, to, action, m->reply, "");
    }
    if (rc)
        return rc;
    bc_info ("event=message_appended ticket=%llu message_ref=%s class=%s",
             (unsigned long long) t->number, m->message_ref,
             *m->mail_class ? m->mail_class : "human");
    if (is_unclear) {
        t->awaits_judgement = 1;
        if ((rc = s_note_unclear_answer (self, tx, t, m)))
            return rc;
    }
    return router_put_ticket (self, txn, t);
}

int
router_inbound_note (router_t *self, bc_tx_t *tx, uint64_t number, const char *text,
                     int64_t time_us, const char *ref)
{
    int rc;
    Balcao__V1__Ticket *t = router_get_ticket (self, bc_tx_txn (tx), number, &rc);
    if (!t)
        return rc;
    char note_ref[200];
    snprintf (note_ref, sizeof note_ref, "%s-note", ref);
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.message_ref = note_ref;
    m.author = "system:bot";
    m.body = m.reply = (char *) text;
    m.time_us = time_us;
    m.channel = t->channel;
    m.is_internal = 1;
    m.direction = "internal";
    rc = s_append_inbound (self, tx, t, &m, 0);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* A portal message names its ticket: its sender must be one who may read
 * it (router_read_access as customer:<from>), the gateway's own check. */
static int
s_portal_may_write_on (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t,
                       const char *from)
{
    char who[320];
    snprintf (who, sizeof who, "customer:%s", from);
    return *from && router_read_access (self, txn, who, t) > 0;
}

/* Adds a copy of address to *list unless it is there or the list holds max. */
static void
s_list_add (char ***list, size_t *n, const char *address, size_t max)
{
    if (!*address || *n >= max || bc_address_listed (*list, *n, address))
        return;
    char **grown = realloc (*list, (*n + 1) * sizeof **list);
    if (!grown)
        return;
    *list = grown;
    (*list)[(*n)++] = strdup (address);
}

/* True when a and b are addresses at the same domain, and that domain is a
 * company's, not a mailbox provider anyone can sign up at. */
static bool
s_same_company (const char *a, const char *b)
{
    static const char *const public_domains[] = {
        "gmail.com",     "googlemail.com", "hotmail.com",  "hotmail.com.br", "outlook.com",
        "outlook.com.br", "live.com",      "msn.com",      "yahoo.com",      "yahoo.com.br",
        "ymail.com",     "icloud.com",     "me.com",       "mac.com",        "uol.com.br",
        "bol.com.br",    "terra.com.br",   "ig.com.br",    "globo.com",      "globomail.com",
        "r7.com",        "zipmail.com.br", "oi.com.br",    "proton.me",      "protonmail.com",
        "aol.com",       "gmx.com",        "mail.com",     "yandex.com",     "zoho.com"};
    const char *da = strrchr (a, '@'), *db = strrchr (b, '@');
    if (!da || !db || !da[1] || strcasecmp (da, db) != 0)
        return false;
    for (size_t i = 0; i < sizeof public_domains / sizeof public_domains[0]; i++)
        if (strcasecmp (da + 1, public_domains[i]) == 0)
            return false;
    return true;
}

/* True when the sender of a message threaded to ticket t may write on it:
 * its customer; a participant already let in; an address the thread's
 * messages were copied to; someone at the customer's company domain; or a
 * colleague of their organization. */
static int
s_may_write_on (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t, const char *from,
                int *rc)
{
    *rc = 0;
    if (strcasecmp (from, t->customer_address) == 0 || !*t->customer_address)
        return 1;
    if (bc_address_listed (t->participants, t->n_participants, from)
        || bc_address_listed (t->copied, t->n_copied, from)
        || s_same_company (from, t->customer_address))
        return 1;
    if (!*t->organization)
        return 0;
    char id[320];
    snprintf (id, sizeof id, "customer:%s", from);
    for (char *p = id; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
    Balcao__V1__Person *p;
    int grc = router_people_get (txn, &self->pdbs, id, &p);
    if (grc) {
        *rc = grc == MDB_NOTFOUND ? 0 : grc;
        return 0;
    }
    int same = strcasecmp (p->organization, t->organization) == 0;
    balcao__v1__person__free_unpacked (p, NULL);
    return same;
}

/* A person's message joins t: its writer, when not the customer, becomes a
 * participant, and the addresses it was copied to may join later. */
static void
s_joins (Balcao__V1__Ticket *t, const Balcao__V1__MessageReceived *mr)
{
    if (strcasecmp (mr->from_address, t->customer_address) != 0)
        s_list_add (&t->participants, &t->n_participants, mr->from_address, 16);
    for (size_t i = 0; i < mr->n_recipients; i++)
        if (strcasecmp (mr->recipients[i], t->customer_address) != 0)
            s_list_add (&t->copied, &t->n_copied, mr->recipients[i], 32);
}

/* A delivery report (bounce) or an abuse report about mail we sent: an
 * internal note on the ticket it is about, and a bounce marks the address
 * as failing. Never a ticket of its own. */
static int
s_on_report (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
             const Balcao__V1__MessageReceived *mr, Balcao__V1__TicketMessage *m)
{
    int is_bounce = strcmp (mr->mail_class, "bounce") == 0;
    const char *recipient = *mr->report_recipient ? mr->report_recipient
                            : t                     ? t->customer_address
                                                    : "";
    if (!t) {
        char who[16];
        bc_warn ("event=report_unmatched class=%s message_ref=%s recipient=%s original=%s",
                 mr->mail_class, mr->message_ref, *recipient ? bc_scrub_log_id (recipient, who) : "-",
                 *mr->report_message_id ? mr->report_message_id : "-");
        return 0;
    }
    char *note = NULL;
    if (asprintf (&note, "%s %s.\n\n%s",
                  is_bounce ? "Falha na entrega do e-mail para" : "Denúncia de abuso sobre o e-mail enviado a",
                  *recipient ? recipient : "o cliente", mr->body)
        < 0)
        return ENOMEM;
    m->body = m->reply = note;
    m->is_internal = 1;
    m->direction = "internal";
    int rc = s_append_inbound (self, tx, t, m, 0);
    free (note);
    m->body = m->reply = NULL;
    if (rc || !is_bounce || !*recipient)
        return rc;
    char id[320];
    snprintf (id, sizeof id, "customer:%s", recipient);
    for (char *p = id; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
    Balcao__V1__Person *p;
    rc = router_people_get (bc_tx_txn (tx), &self->pdbs, id, &p);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    p->email_failing = 1;
    char why[256];
    snprintf (why, sizeof why, "devolvido em %s (chamado #%llu)", mr->subject,
              (unsigned long long) t->number);
    router_set_string (&p->email_failure, why);
    rc = router_people_put (bc_tx_txn (tx), &self->pdbs, p);
    if (rc == 0) {
        Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
        ev.person = p;
        rc = bc_tx_emit (tx, &ev.base);
    }
    char who[16];
    bc_warn ("event=address_failing who=%s ticket=%llu", bc_scrub_log_id (id, who),
             (unsigned long long) t->number);
    balcao__v1__person__free_unpacked (p, NULL);
    return rc;
}

/* An out-of-office reply on a ticket: an internal note from the system
 * saying so, with the reply's text; not the customer's words, so it
 * answers nothing and moves nothing (status, SLA, first response). */
static int
s_on_auto_reply (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                 const Balcao__V1__MessageReceived *mr, Balcao__V1__TicketMessage *m)
{
    char *note = NULL;
    if (asprintf (&note,
                  "Resposta automática de ausência de %s: não é uma resposta do cliente e não "
                  "muda o chamado.\nAutomatic out-of-office reply from %s: not the customer's "
                  "answer; the ticket is unchanged.\n\n%s",
                  mr->from_address, mr->from_address, m->reply)
        < 0)
        return ENOMEM;
    m->body = m->reply = note;
    m->author = "system:router";
    m->author_name = ""; /* the system's, not the sender's */
    m->is_internal = 1;
    m->direction = "internal";
    bc_info ("event=out_of_office_noted ticket=%llu message_ref=%s", (unsigned long long) t->number,
             mr->message_ref);
    int rc = s_append_inbound (self, tx, t, m, 0);
    free (note);
    m->body = m->reply = NULL;
    return rc;
}


/* A WhatsApp customer's most recent ticket under one address. */
static Balcao__V1__Ticket *
s_open_ticket_of (router_t *self, MDB_txn *txn, const char *address, int with_closed, int *rc)
{
    *rc = 0;
    unsigned char prefix[400], last[400];
    size_t plen = router_name_key ("customer:", address, 0, prefix, sizeof prefix);
    memcpy (last, prefix, plen);
    memset (last + plen, 0xff, 8);
    MDB_cursor *cur;
    if ((*rc = mdb_cursor_open (txn, self->db_by_customer, &cur)))
        return NULL;
    MDB_val k = {plen + 8, last}, v;
    int mrc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    mrc = mrc == 0 ? mdb_cursor_get (cur, &k, &v, MDB_PREV) : mdb_cursor_get (cur, &k, &v, MDB_LAST);
    Balcao__V1__Ticket *found = NULL;
    while (mrc == 0 && !found && k.mv_size == plen + 8 && memcmp (k.mv_data, prefix, plen) == 0) {
        MDB_val num = {8, (char *) k.mv_data + plen};
        Balcao__V1__Ticket *t = router_get_ticket (self, txn, bc_key_to_u64 (&num), rc);
        if (*rc && *rc != MDB_NOTFOUND)
            break;
        *rc = 0;
        if (t && !t->merged_into && (with_closed || strcmp (t->status, "fechado") != 0))
            found = t;
        else if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
        mrc = mdb_cursor_get (cur, &k, &v, MDB_PREV);
    }
    mdb_cursor_close (cur);
    if (mrc && mrc != MDB_NOTFOUND && !*rc)
        *rc = mrc;
    return found;
}

/* The address a WhatsApp customer (their number's identity) had before the
 * identity took the Brazilian ninth digit: "whatsapp:+55DDNNNNNNNN". 0 with
 * it in out (32 bytes), -1 when there is no such other address. */
static int
s_whatsapp_alias (const char *address, char *out)
{
    char alias[BC_PHONE_MAX];
    if (strncmp (address, "whatsapp:+", 10) != 0
        || bc_phone_whatsapp_alias (address + 10, alias, sizeof alias))
        return -1;
    snprintf (out, 32, "whatsapp:+%s", alias);
    return 0;
}

/* A WhatsApp customer's most recent ticket that is not closed (with_closed:
 * or closed) nor merged into another, or NULL: their messages carry no
 * thread of their own, so the conversation joins it while it is open.
 * Tickets opened before the identity had the ninth digit count too. */
Balcao__V1__Ticket *
router_open_ticket_of (router_t *self, MDB_txn *txn, const char *address, int with_closed,
                       int *rc)
{
    Balcao__V1__Ticket *found = s_open_ticket_of (self, txn, address, with_closed, rc);
    char old[32];
    if (*rc || s_whatsapp_alias (address, old))
        return found;
    Balcao__V1__Ticket *before = s_open_ticket_of (self, txn, old, with_closed, rc);
    if (before && (!found || before->number > found->number)) {
        if (found)
            balcao__v1__ticket__free_unpacked (found, NULL);
        return before;
    }
    if (before)
        balcao__v1__ticket__free_unpacked (before, NULL);
    return found;
}

/* What WhatsApp reported about a message we sent on a ticket: on its
 * timeline (DeliveryStatus). A status whose ticket intake did not know yet
 * comes again with it; one for a ticket not here is left. */
static int
s_on_delivery_status (router_t *self, bc_tx_t *tx, const Balcao__V1__WhatsAppStatusReceived *st)
{
    if (!st->ticket)
        return 0;
    int rc;
    Balcao__V1__Ticket *t = router_get_ticket (self, bc_tx_txn (tx), st->ticket, &rc);
    if (!t)
        return rc == MDB_NOTFOUND ? 0 : rc;
    Balcao__V1__DeliveryStatus out = BALCAO__V1__DELIVERY_STATUS__INIT;
    out.ticket = t->number;
    out.channel = "whatsapp";
    out.message_id = st->message_id;
    out.status = st->status;
    out.error_code = st->error_code;
    out.error_title = st->error_title;
    rc = router_emit_for (self, tx, t->number, &out.base);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

int
router_on_intake (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    router_t *self = state;
    Balcao__V1__WhatsAppStatusReceived *st =
        (Balcao__V1__WhatsAppStatusReceived *) bc_envelope_payload (
            ev, &balcao__v1__whats_app_status_received__descriptor);
    if (st) {
        int src = s_on_delivery_status (self, tx, st);
        balcao__v1__whats_app_status_received__free_unpacked (st, NULL);
        return src;
    }
    Balcao__V1__MessageReceived *mr = (Balcao__V1__MessageReceived *) bc_envelope_payload (
        ev, &balcao__v1__message_received__descriptor);
    if (!mr)
        return 0;
    router_inbound_opts_t opts = {0};
    int rc = router_inbound_message (self, tx, ev->time_us, mr, &opts);
    balcao__v1__message_received__free_unpacked (mr, NULL);
    return rc;
}

int
router_inbound_message (router_t *self, bc_tx_t *tx, int64_t time_us,
                        const Balcao__V1__MessageReceived *mr, const router_inbound_opts_t *o)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc = 0;
    char *subject = NULL, **copied = NULL;
    const char *cls = *mr->mail_class ? mr->mail_class : "human";
    int is_person = strcmp (cls, "human") == 0;
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.message_ref = mr->message_ref;
    m.message_id = mr->message_id;
    m.author = mr->from_address;
    m.author_name = mr->from_name; /* a participant's name, as their mail gives it */
    m.body = mr->body;
    m.time_us = time_us;
    m.channel = mr->channel;
    m.direction = "inbound";
    m.reply = *mr->reply ? mr->reply : mr->body;
    m.mail_class = mr->mail_class;
    m.attachments = mr->attachments;
    m.n_attachments = mr->n_attachments;
    m.refused_files = mr->refused_files;
    m.n_refused_files = mr->n_refused_files;

    Balcao__V1__Ticket *existing = NULL;
    uint64_t number = mr->ticket;
    if (!number && *mr->continues_ref) {
        /* It answers a message intake sent us before it knew its ticket. */
        rc = bc_store_get_u64 (txn, self->db_by_ref, mr->continues_ref, &number);
        if (rc && rc != MDB_NOTFOUND)
            goto done;
        rc = 0;
    }
    if (number) {
        existing = router_get_ticket (self, txn, number, &rc);
        /* A reply to a merged duplicate belongs to the ticket it joined. */
        if (existing && existing->merged_into) {
            uint64_t into = existing->merged_into;
            balcao__v1__ticket__free_unpacked (existing, NULL);
            existing = router_get_ticket (self, txn, into, &rc);
        }
        if (rc && rc != MDB_NOTFOUND)
            goto done;
        rc = 0;
    }
    int is_chat = strcmp (mr->channel, "chat") == 0;
    if (!existing && !number && is_person && is_chat) {
        /* A web chat's later messages: the ticket its hand-off opened,
         * written by its customer (the visitor's e-mail). */
        existing = router_conversation_ticket (self, txn, mr->from_address, &rc);
        if (rc)
            goto done;
        if (existing)
            m.author = existing->customer_address;
    }
    if (!existing && !number && is_person && strcmp (mr->channel, "whatsapp") == 0) {
        /* "Ainda não" tapped on a ticket closed since: it reopens (within
         * router/reopen_days) like an e-mail answer; "Sim, resolvido" on a
         * closed ticket changes nothing. */
        const char *tapped = mr->whatsapp ? mr->whatsapp->reply_id : "";
        int is_verdict = strncmp (tapped, "resolved:", 9) == 0;
        existing = router_open_ticket_of (self, txn, mr->from_address, is_verdict, &rc);
        if (rc)
            goto done;
        /* A ticket from before the ninth digit: written by its customer. */
        char old[32];
        if (existing && s_whatsapp_alias (mr->from_address, old) == 0
            && strcmp (existing->customer_address, old) == 0)
            m.author = existing->customer_address;
        if (is_verdict && (!existing || strcmp (existing->status, "fechado") == 0)
            && strcmp (tapped, "resolved:yes") == 0) {
            bc_info ("event=late_confirmation ticket=%llu message_ref=%s",
                     (unsigned long long) (existing ? existing->number : 0), mr->message_ref);
            goto done;
        }
    }
    if (existing && existing->erased_us) {
        /* An anonymised ticket (LGPD) takes nothing new: the message opens
         * a record of its own, unrelated to it. */
        bc_info ("event=erased_ticket_not_joined ticket=%llu message_ref=%s",
                 (unsigned long long) existing->number, mr->message_ref);
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    if (!existing && !number && is_person && !o->no_bot && self->bot_enabled
        && ((is_chat && strncmp (mr->from_address, "chat:", 5) == 0)
            || (strcmp (mr->channel, "whatsapp") == 0
                && strncmp (mr->from_address, "whatsapp:", 9) == 0))) {
        /* No open ticket: the bot answers (kb), and hands the conversation
         * back as a ticket when a person is needed (router_bot.c). Only
         * where its answer can reach the customer: our web chat's
         * "chat:<id>", a WhatsApp number (a chat log another system
         * submits opens a ticket). */
        rc = router_bot_turn (self, tx, mr);
        goto done;
    }
    if (strcmp (cls, "read_receipt") == 0) {
        /* Nothing anyone needs to see. */
        bc_info ("event=read_receipt ticket=%llu message_ref=%s",
                 (unsigned long long) (existing ? existing->number : 0), mr->message_ref);
        goto done;
    }
    if (strcmp (cls, "bounce") == 0 || strcmp (cls, "feedback_report") == 0) {
        rc = s_on_report (self, tx, existing, mr, &m);
        goto done;
    }
    if (existing && strcmp (mr->channel, "portal") == 0
        && !s_portal_may_write_on (self, txn, existing, mr->from_address)) {
        /* The gateway checked already; this is the second lock. */
        char who[16];
        bc_warn ("event=thread_refused ticket=%llu from=%s message_ref=%s channel=portal",
                 (unsigned long long) existing->number, bc_scrub_log_id (mr->from_address, who),
                 mr->message_ref);
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    uint64_t mentions = 0;
    if (existing && !s_may_write_on (self, txn, existing, m.author, &rc)) {
        /* Knowing a ticket's Message-ID or subject tag is not enough to
         * write on it: someone else's message starts a ticket of its own,
         * which says it mentioned this one. */
        if (rc)
            goto done;
        char who[16];
        bc_warn ("event=thread_refused ticket=%llu from=%s message_ref=%s",
                 (unsigned long long) existing->number, bc_scrub_log_id (mr->from_address, who),
                 mr->message_ref);
        mentions = existing->number;
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    if (strcmp (cls, "out_of_office") == 0) {
        char who[16];
        if (existing)
            rc = s_on_auto_reply (self, tx, existing, mr, &m);
        else
            bc_info ("event=out_of_office_dropped message_ref=%s from=%s", mr->message_ref,
                     bc_scrub_log_id (mr->from_address, who));
        goto done;
    }
    uint64_t previous = 0;
    if (existing && is_person && strcmp (existing->status, "fechado") == 0
        && (self->reopen_days <= 0
            || time_us - existing->closed_us > (int64_t) self->reopen_days * 86400 * 1000000)) {
        /* Long closed: a new ticket that says which one it continues. */
        previous = existing->number;
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    if (existing) {
        char org[256];
        if (is_person && (rc = s_customer_seen (self, tx, mr, is_person, org, sizeof org)))
            goto done;
        if (is_person && strcmp (mr->channel, "email") == 0)
            s_joins (existing, mr);
        if (!(rc = s_append_inbound (self, tx, existing, &m, is_person)))
            rc = bc_store_put_u64 (txn, self->db_by_ref, mr->message_ref, existing->number);
        goto done;
    }
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    /* Our tags and notices' words out of the subject: never stacked. */
    size_t subject_size = strlen (mr->subject ? mr->subject : "") + 1;
    subject = malloc (subject_size);
    router_subject_clean (mr->subject, subject, subject_size);
    t.subject = *subject ? subject : "(sem assunto)";
    t.mentions = mentions;
    /* Whom the customer copied: they may join later. */
    if (is_person && strcmp (mr->channel, "email") == 0 && mr->n_recipients) {
        copied = calloc (mr->n_recipients, sizeof *copied);
        for (size_t i = 0; i < mr->n_recipients && t.n_copied < 32; i++)
            if (strcasecmp (mr->recipients[i], mr->from_address) != 0
                && !bc_address_listed (copied, t.n_copied, mr->recipients[i]))
                copied[t.n_copied++] = mr->recipients[i];
        t.copied = copied;
    }
    t.status = "novo";
    t.category = "geral";
    t.tier = "N1";
    t.priority = "normal";
    t.customer_address = mr->from_address;
    t.customer_name = mr->from_name;
    t.created_us = t.updated_us = time_us;
    t.channel = mr->channel;
    t.language = mr->language;
    t.origin_message_id = mr->message_id;
    t.previous = previous;
    /* The category the customer chose (the portal's form), with its
     * default priority and starting tier, as an agent's classification in
     * triage would give; an id the catalog does not know is ignored. */
    const router_category_t *cat = *mr->category ? router_catalog_find (self->catalog, mr->category)
                                                 : NULL;
    if (o->conversation) {
        t.conversation = (char *) o->conversation;
        t.handoff_reason = (char *) (o->handoff_reason ? o->handoff_reason : "");
    }
    else if (is_chat && strncmp (mr->from_address, "chat:", 5) == 0)
        t.conversation = mr->from_address; /* the router's own, without the bot */
    if (is_chat && *mr->contact_address)
        t.customer_address = mr->contact_address; /* answers go there after the chat */
    if (cat) {
        t.category = (char *) cat->id;
        t.priority = (char *) cat->priority;
        t.tier = (char *) cat->tier;
    }
    char org[256];
    if ((rc = s_customer_seen (self, tx, mr, is_person, org, sizeof org)))
        goto done;
    t.organization = org;
    m.author = t.customer_address;
    rc = router_create_ticket (self, tx, &t, &m);
    if (!rc)
        rc = bc_store_put_u64 (txn, self->db_by_ref, mr->message_ref, t.number);
    if (!rc && *t.conversation)
        rc = router_conversation_put (self, txn, t.conversation, t.number);
    if (!rc && o->note)
        rc = router_inbound_note (self, tx, t.number, o->note, time_us, mr->message_ref);
    if (t.assignee != protobuf_c_empty_string)
        free (t.assignee); /* router_set_string's copy: t itself is on the stack */
    bc_info ("event=ticket_created ticket=%llu message_ref=%s channel=%s class=%s previous=%llu",
             (unsigned long long) t.number, mr->message_ref, mr->channel, cls,
             (unsigned long long) previous);
done:
    free (subject);
    free (copied);
    if (existing)
        balcao__v1__ticket__free_unpacked (existing, NULL);
    return rc;
}

