/* router_server: where a ticket gets its number, and how it moves through
 * its lifecycle (router_lifecycle.c has the table).
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   tickets     ticket (u64 BE)                 -> balcao.v1.Ticket (no messages)
 *   thread      ticket (u64 BE) + index (u32 BE) -> balcao.v1.TicketMessage
 *   ticket_log  ticket (u64 BE) + seq (u64 BE)   -> "" (the ticket's events in
 *                                                  the router's log, for history)
 *   meta        "next_ticket", "assign_counter"  -> u64 BE
 *   people, queue                                 see router_people.h
 *   deadlines                                     see router_sla.c
 *   by_customer "customer:<address>" + 0 + ticket (u64 BE) -> "" (a customer's
 *               tickets, for their own list)
 *   links       problem (u64 BE) + incident (u64 BE)  -> ""
 *   by_org      organization (lower case) + 0 + ticket (u64 BE) -> "" (for
 *               customers who follow their organization's tickets)
 *   desk        the dashboard's views and their counters: see router_desk.c
 *   keys, key_of                                  see bc_keys.h (ZAP maps a
 *               connection's key to its person)
 */
#include "router_server.h"
#include "router_internal.h"

#include "balcao/v1/kb.pb-c.h"

#include "bc_events.h"
#include "bc_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const router_dbs[] = {"tickets", "thread", "ticket_log", "meta",
                                  "people",  "queue",  "deadlines",  "by_customer",
                                  "links",   "by_org", "desk",       "keys",
                                  "key_of",  "by_ref", "report_cells", "report_open",
                                  "report_backlog"};
const int router_ndbs = 17;

static int
s_put_msg (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const ProtobufCMessage *msg,
           unsigned flags)
{
    size_t len = protobuf_c_message_get_packed_size (msg);
    MDB_val k = {klen, (void *) key}, v = {len, NULL};
    /* MDB_RESERVE: pack straight into the page. */
    int rc = mdb_put (txn, dbi, &k, &v, flags | MDB_RESERVE);
    if (rc == 0)
        protobuf_c_message_pack (msg, v.mv_data);
    return rc;
}

Balcao__V1__Ticket *
router_get_ticket (router_t *self, MDB_txn *txn, uint64_t number, int *rc)
{
    unsigned char key[8];
    bc_key_from_u64 (number, key);
    MDB_val k = {8, key}, v;
    *rc = mdb_get (txn, self->db_tickets, &k, &v);
    if (*rc)
        return NULL;
    Balcao__V1__Ticket *t = balcao__v1__ticket__unpack (NULL, v.mv_size, v.mv_data);
    if (!t)
        *rc = MDB_CORRUPTED;
    return t;
}

int
router_put_thread (router_t *self, MDB_txn *txn, uint64_t number, uint32_t index,
              const Balcao__V1__TicketMessage *m)
{
    unsigned char key[12];
    bc_key_from_u64 (number, key);
    key[8] = (unsigned char) (index >> 24);
    key[9] = (unsigned char) (index >> 16);
    key[10] = (unsigned char) (index >> 8);
    key[11] = (unsigned char) index;
    return s_put_msg (txn, self->db_thread, key, sizeof key, &m->base, 0);
}

int
router_put_ticket (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t)
{
    unsigned char key[8];
    bc_key_from_u64 (t->number, key);
    int rc;
    Balcao__V1__Ticket *old = router_get_ticket (self, txn, t->number, &rc);
    if (!old && rc != MDB_NOTFOUND)
        return rc;
    rc = router_reports_changed (self, txn, old, t);
    if (old)
        balcao__v1__ticket__free_unpacked (old, NULL);
    if (rc == 0)
        rc = s_put_msg (txn, self->db_tickets, key, 8, &t->base, 0);
    return rc ? rc : router_desk_index (self, txn, t);
}

/* Lists event seq in ticket number's history. */
int
router_index_event (router_t *self, MDB_txn *txn, uint64_t number, uint64_t seq)
{
    unsigned char key[16];
    bc_key_from_u64 (number, key);
    bc_key_from_u64 (seq, key + 8);
    MDB_val k = {16, key}, v = {0, ""};
    return mdb_put (txn, self->db_ticket_log, &k, &v, 0);
}

/* Emits an event about ticket number and indexes it for its history. */
int
router_emit_for (router_t *self, bc_tx_t *tx, uint64_t number, const ProtobufCMessage *event)
{
    int rc = bc_tx_emit (tx, event);
    return rc ? rc : router_index_event (self, bc_tx_txn (tx), number, bc_tx_head (tx));
}

/* Replaces a string field of an unpacked message: protobuf-c allocated the
 * old value (unless it is its shared empty string) and frees the new one
 * with the message. */
void
router_set_string (char **field, const char *value)
{
    char *old = *field;
    *field = strdup (value ? value : "");
    if (old && old != protobuf_c_empty_string)
        free (old);
}

int
router_is_done (const char *status)
{
    return strcmp (status, "resolvido") == 0 || strcmp (status, "fechado") == 0;
}

int
router_is_agent (const char *principal)
{
    return strncmp (principal, "agent:", 6) == 0 || strncmp (principal, "supervisor:", 11) == 0
           || strncmp (principal, "admin:", 6) == 0;
}

int
router_is_customer_of (const char *principal, const Balcao__V1__Ticket *t)
{
    return strncmp (principal, "customer:", 9) == 0
           && strcasecmp (principal + 9, t->customer_address) == 0;
}

/* Loads the ticket a request names; on failure sets the reply. A ticket the
 * caller may not read (router_read_access) gets the very answer of a ticket
 * that does not exist: numbers are sequential, so any other answer would
 * tell a customer which numbers are someone else's. */
Balcao__V1__Ticket *
router_ticket_for_command (router_t *self, bc_tx_t *tx, uint64_t number, bc_reply_t *reply, int *rc)
{
    Balcao__V1__Ticket *t = router_get_ticket (self, bc_tx_txn (tx), number, rc);
    if (t && !router_read_access (self, bc_tx_txn (tx), bc_tx_principal (tx), t)) {
        balcao__v1__ticket__free_unpacked (t, NULL);
        t = NULL;
        *rc = MDB_NOTFOUND;
    }
    if (*rc == MDB_NOTFOUND) {
        bc_reply_error (reply, "not_found", "o chamado #%llu não existe",
                        "ticket #%llu does not exist",
                        (unsigned long long) number);
        *rc = 0;
    }
    return t;
}

/* The key of a ticket in a by-name index (by_customer, by_org, desk):
 * prefix and name in lower case, a 0 byte, the ticket (none when number is
 * 0: the prefix of all of them). */
size_t
router_name_key (const char *prefix, const char *name, uint64_t number, unsigned char *key,
                 size_t size)
{
    int n = snprintf ((char *) key, size - 9, "%s%s", prefix, name);
    size_t len = n > 0 && (size_t) n < size - 9 ? (size_t) n : size - 10;
    for (size_t i = 0; i < len; i++)
        if (key[i] >= 'A' && key[i] <= 'Z')
            key[i] = (unsigned char) (key[i] - 'A' + 'a');
    key[len] = 0;
    if (number)
        bc_key_from_u64 (number, key + len + 1);
    return len + 1 + (number ? 8 : 0);
}

/* Adds (put) or removes ticket number under name in a by-name index. */
int
router_name_index (MDB_txn *txn, MDB_dbi dbi, const char *prefix, const char *name,
                   uint64_t number, int put)
{
    if (!name || !*name)
        return 0;
    unsigned char key[400];
    MDB_val k = {router_name_key (prefix, name, number, key, sizeof key), key}, v = {0, ""};
    int rc = put ? mdb_put (txn, dbi, &k, &v, 0) : mdb_del (txn, dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A customer exists from their first message on, and a message from them
 * shows their address works. Their organization goes to org. */
static int
s_customer_seen (router_t *self, bc_tx_t *tx, const Balcao__V1__MessageReceived *mr,
                 int is_person, char *org, size_t org_size)
{
    *org = 0;
    char id[320];
    snprintf (id, sizeof id, "customer:%s", mr->from_address);
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
    p.email = mr->from_address;
    p.language = mr->language;
    p.created_us = bc_tx_now_us (tx);
    rc = router_people_put (bc_tx_txn (tx), &self->pdbs, &p);
    if (rc)
        return rc;
    Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
    ev.person = &p;
    return bc_tx_emit (tx, &ev.base);
}

/* A customer's message on their existing ticket. Only a person's message
 * moves the ticket: it answers what we asked; on a resolved ticket a short
 * acceptance ("funcionou, obrigado") closes it and anything else rejects
 * the solution with their words (at N3 only the customer's own acceptance
 * closes it); on a closed ticket (within
 * router/reopen_days) a rating ("nota 5") is their rating and anything else
 * reopens it. Robots and out-of-office replies are recorded and change
 * nothing. */
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
    int score = 0;
    if (!is_person || m->is_internal)
        to = NULL;
    else if (strcmp (t->status, "resolvido") == 0) {
        int accepts = router_reply_accepts (m->reply);
        to = accepts ? "fechado" : "reaberto";
        action = accepts ? "accept" : "reject";
        /* At N3 only the customer's own acceptance validates the fix; a
         * colleague's thanks is recorded and the ticket keeps waiting. */
        int is_customer = strcasecmp (m->author, t->customer_address) == 0;
        if (accepts
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
    return router_put_ticket (self, txn, t);
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

/* True when the sender of a message threaded to ticket t may write on it:
 * its customer, or a colleague of their organization. */
static int
s_may_write_on (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t, const char *from,
                int *rc)
{
    *rc = 0;
    if (strcasecmp (from, t->customer_address) == 0 || !*t->customer_address)
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
        bc_warn ("event=report_unmatched class=%s message_ref=%s recipient=%s original=%s",
                 mr->mail_class, mr->message_ref, *recipient ? recipient : "-",
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
    bc_warn ("event=address_failing person=%s ticket=%llu", id, (unsigned long long) t->number);
    balcao__v1__person__free_unpacked (p, NULL);
    return rc;
}

/* A new ticket t (filled in but for its number) with its first message m:
 * numbered, stored, indexed, announced (TicketCreated), its SLA clocks
 * started and given to an agent or its tier's queue. The caller frees what
 * t points to (t->assignee may be a router_set_string copy). */
int
router_create_ticket (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                      Balcao__V1__TicketMessage *m)
{
    MDB_txn *txn = bc_tx_txn (tx);
    uint64_t number = 1;
    int rc = bc_store_get_u64 (txn, self->db_meta, "next_ticket", &number);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    if ((rc = bc_store_put_u64 (txn, self->db_meta, "next_ticket", number + 1)))
        return rc;
    t->number = number;
    t->message_count = 1;
    t->internal_count = m->is_internal ? 1 : 0;
    unsigned char key[8];
    bc_key_from_u64 (number, key);
    if ((rc = router_reports_changed (self, txn, NULL, t))
        || (rc = s_put_msg (txn, self->db_tickets, key, 8, &t->base, MDB_APPEND)))
        return rc;
    if ((rc = router_name_index (txn, self->db_by_customer, "customer:", t->customer_address,
                                 number, 1))
        || (rc = router_name_index (txn, self->db_by_org, "", t->organization, number, 1)))
        return rc;
    if ((rc = router_put_thread (self, txn, number, 0, m)))
        return rc;
    Balcao__V1__TicketMessage *msgs[1] = {m};
    t->messages = msgs;
    t->n_messages = 1;
    Balcao__V1__TicketCreated out = BALCAO__V1__TICKET_CREATED__INIT;
    out.ticket = t;
    rc = router_emit_for (self, tx, number, &out.base);
    t->messages = NULL;
    t->n_messages = 0;
    if (rc == 0)
        rc = router_sla_start (self, txn, t, bc_tx_now_us (tx));
    if (rc == 0)
        rc = router_assign_auto (self, tx, t);
    if (rc == 0)
        rc = router_put_ticket (self, txn, t);
    return rc;
}

/* kb saw several new tickets that look like one problem: a problem ticket
 * at N2 (high priority, in the N2 queue or with an N2 agent), the tickets
 * linked to it as its incidents. Tickets already linked, problems
 * themselves and finished ones are left alone. */
static int
s_on_kb (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    router_t *self = state;
    Balcao__V1__ProblemSuspected *ps = (Balcao__V1__ProblemSuspected *) bc_envelope_payload (
        ev, &balcao__v1__problem_suspected__descriptor);
    if (!ps)
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc = 0;
    size_t n = 0;
    Balcao__V1__Ticket **incidents = calloc (ps->n_tickets + 1, sizeof *incidents);
    for (size_t i = 0; i < ps->n_tickets && rc == 0; i++) {
        Balcao__V1__Ticket *t = router_get_ticket (self, txn, ps->tickets[i], &rc);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        if (t && !t->problem && !t->incident_count && !router_is_done (t->status))
            incidents[n++] = t;
        else if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    if (rc == 0 && n >= 2) {
        bc_tx_set_principal (tx, "system:kb");
        char subject[512], body[4096], terms[256] = "";
        for (size_t i = 0; i < ps->n_terms && i < 8; i++)
            snprintf (terms + strlen (terms), sizeof terms - strlen (terms), "%s%s",
                      i ? ", " : "", ps->terms[i]);
        snprintf (subject, sizeof subject, "%s",
                  *ps->subject ? ps->subject : "Problema recorrente suspeito");
        int used = snprintf (body, sizeof body,
                             "A base de conhecimento percebeu %zu chamados parecidos em pouco "
                             "tempo (termos em comum: %s). Eles foram vinculados a este "
                             "problema; ao resolvê-lo, todos são resolvidos com a mesma "
                             "solução.\n\nChamados:",
                             n, *terms ? terms : "-");
        for (size_t i = 0; i < n && used > 0 && (size_t) used < sizeof body; i++)
            used += snprintf (body + used, sizeof body - (size_t) used, " #%llu",
                              (unsigned long long) incidents[i]->number);
        Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
        m.message_ref = ev->id;
        m.author = "system:kb";
        m.body = m.reply = body;
        m.time_us = bc_tx_now_us (tx);
        m.channel = "kb";
        m.direction = "internal";
        m.is_internal = 1;
        Balcao__V1__Ticket p = BALCAO__V1__TICKET__INIT;
        p.subject = subject;
        p.status = "novo";
        p.category = incidents[0]->category;
        p.tier = "N2";
        p.priority = "alta";
        p.created_us = p.updated_us = m.time_us;
        p.channel = "kb";
        p.language = "pt-BR";
        rc = router_create_ticket (self, tx, &p, &m);
        for (size_t i = 0; i < n && rc == 0; i++)
            if ((rc = router_link (self, tx, &p, incidents[i])) == 0)
                rc = router_put_ticket (self, txn, incidents[i]);
        if (rc == 0)
            rc = router_put_ticket (self, txn, &p);
        if (p.assignee != protobuf_c_empty_string)
            free (p.assignee);
        bc_warn ("event=problem_suspected problem=%llu incidents=%zu terms=\"%s\"",
                 (unsigned long long) p.number, n, terms);
        bc_tx_set_principal (tx, NULL);
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__ticket__free_unpacked (incidents[i], NULL);
    free (incidents);
    balcao__v1__problem_suspected__free_unpacked (ps, NULL);
    return rc;
}

static int
s_on_intake (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    router_t *self = state;
    Balcao__V1__MessageReceived *mr = (Balcao__V1__MessageReceived *) bc_envelope_payload (
        ev, &balcao__v1__message_received__descriptor);
    if (!mr)
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc = 0;
    const char *cls = *mr->mail_class ? mr->mail_class : "human";
    int is_person = strcmp (cls, "human") == 0;
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.message_ref = mr->message_ref;
    m.message_id = mr->message_id;
    m.author = mr->from_address;
    m.body = mr->body;
    m.time_us = ev->time_us;
    m.channel = mr->channel;
    m.direction = "inbound";
    m.reply = *mr->reply ? mr->reply : mr->body;
    m.mail_class = mr->mail_class;
    m.attachments = mr->attachments;
    m.n_attachments = mr->n_attachments;

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
        bc_warn ("event=thread_refused ticket=%llu from=%s message_ref=%s channel=portal",
                 (unsigned long long) existing->number, mr->from_address, mr->message_ref);
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    if (existing && !s_may_write_on (self, txn, existing, mr->from_address, &rc)) {
        /* Knowing a ticket's Message-ID or subject tag is not enough to
         * write on it: someone else's message starts a ticket of its own. */
        if (rc)
            goto done;
        bc_warn ("event=thread_refused ticket=%llu from=%s message_ref=%s",
                 (unsigned long long) existing->number, mr->from_address, mr->message_ref);
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    if (!existing && strcmp (cls, "out_of_office") == 0) {
        bc_info ("event=out_of_office_dropped message_ref=%s from=%s", mr->message_ref,
                 mr->from_address);
        goto done;
    }
    uint64_t previous = 0;
    if (existing && is_person && strcmp (existing->status, "fechado") == 0
        && (self->reopen_days <= 0
            || ev->time_us - existing->closed_us > (int64_t) self->reopen_days * 86400 * 1000000)) {
        /* Long closed: a new ticket that says which one it continues. */
        previous = existing->number;
        balcao__v1__ticket__free_unpacked (existing, NULL);
        existing = NULL;
    }
    if (existing) {
        char org[256];
        if (is_person && (rc = s_customer_seen (self, tx, mr, is_person, org, sizeof org)))
            goto done;
        if (!(rc = s_append_inbound (self, tx, existing, &m, is_person)))
            rc = bc_store_put_u64 (txn, self->db_by_ref, mr->message_ref, existing->number);
        goto done;
    }
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    t.subject = mr->subject && *mr->subject ? mr->subject : "(sem assunto)";
    t.status = "novo";
    t.category = "geral";
    t.tier = "N1";
    t.priority = "normal";
    t.customer_address = mr->from_address;
    t.customer_name = mr->from_name;
    t.created_us = t.updated_us = ev->time_us;
    t.channel = mr->channel;
    t.language = mr->language;
    t.origin_message_id = mr->message_id;
    t.previous = previous;
    /* The category the customer chose (the portal's form), with its
     * default priority and starting tier, as an agent's classification in
     * triage would give; an id the catalog does not know is ignored. */
    const router_category_t *cat = *mr->category ? router_catalog_find (self->catalog, mr->category)
                                                 : NULL;
    if (cat) {
        t.category = (char *) cat->id;
        t.priority = (char *) cat->priority;
        t.tier = (char *) cat->tier;
    }
    char org[256];
    if ((rc = s_customer_seen (self, tx, mr, is_person, org, sizeof org)))
        goto done;
    t.organization = org;
    rc = router_create_ticket (self, tx, &t, &m);
    if (!rc)
        rc = bc_store_put_u64 (txn, self->db_by_ref, mr->message_ref, t.number);
    if (t.assignee != protobuf_c_empty_string)
        free (t.assignee); /* router_set_string's copy: t itself is on the stack */
    bc_info ("event=ticket_created ticket=%llu message_ref=%s channel=%s class=%s previous=%llu",
             (unsigned long long) t.number, mr->message_ref, mr->channel, cls,
             (unsigned long long) previous);
done:
    if (existing)
        balcao__v1__ticket__free_unpacked (existing, NULL);
    balcao__v1__message_received__free_unpacked (mr, NULL);
    return rc;
}

/* A customer's organization changed: their tickets follow it. */
int
router_customer_org_changed (router_t *self, bc_tx_t *tx, const char *customer_id,
                             const char *from, const char *to)
{
    MDB_txn *txn = bc_tx_txn (tx);
    unsigned char prefix[400];
    size_t plen = router_name_key (customer_id, "", 0, prefix, sizeof prefix);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_by_customer, &cur);
    if (rc)
        return rc;
    MDB_val k = {plen, prefix}, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == plen + 8 && memcmp (k.mv_data, prefix, plen) == 0) {
        MDB_val num = {8, (char *) k.mv_data + plen};
        uint64_t number = bc_key_to_u64 (&num);
        Balcao__V1__Ticket *t = router_get_ticket (self, txn, number, &rc);
        if (t) {
            router_set_string (&t->organization, to);
            if ((rc = router_name_index (txn, self->db_by_org, "", from, number, 0)) == 0
                && (rc = router_name_index (txn, self->db_by_org, "", to, number, 1)) == 0)
                rc = router_put_ticket (self, txn, t);
            balcao__v1__ticket__free_unpacked (t, NULL);
        }
        if (rc && rc != MDB_NOTFOUND)
            break;
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_before_batch (void *state, bc_tx_t *tx)
{
    router_t *self = state;
    if (!self->settings_loaded) {
        int rc = router_settings_load (self, bc_tx_txn (tx));
        if (rc == 0)
            rc = router_catalog_load (self, bc_tx_txn (tx));
        if (rc)
            return rc;
        self->settings_loaded = 1;
    }
    if (!self->reports_ready) {
        int rc = router_reports_seed (self, bc_tx_txn (tx));
        if (rc)
            return rc;
        self->reports_ran = 1;
    }
    if (self->seeded)
        return 0;
    self->seed_ran = 1;
    int rc = router_people_seed (self, tx);
    return rc ? rc : router_desk_build (self, tx);
}

static void
s_after_commit (void *state)
{
    router_t *self = state;
    if (self->seed_ran)
        self->seeded = 1;
    if (self->reports_ran)
        self->reports_ready = 1;
    router_after_commit (self);
}

void *
router_server_setup (bc_service_t *svc)
{
    bc_config_t *config = bc_service_config (svc);
    router_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->catalog = router_catalog_new (config);
    char err[256];
    self->calendar = router_calendar_new (config, err, sizeof err);
    self->macros = router_macros_new (config);
    if (!self->calendar)
        bc_error ("event=config_invalid reason=\"%s\"", err);
    if (!self->catalog || !self->calendar || router_sla_config (self, config)) {
        router_server_teardown (self);
        return NULL;
    }
    if (router_catalog_check (self->catalog, self->macros, err, sizeof err)) {
        bc_error ("event=config_invalid reason=\"%s\"", err);
        router_server_teardown (self);
        return NULL;
    }
    self->db_tickets = bc_service_dbi (svc, "tickets");
    self->db_thread = bc_service_dbi (svc, "thread");
    self->db_meta = bc_service_dbi (svc, "meta");
    self->db_ticket_log = bc_service_dbi (svc, "ticket_log");
    self->db_log = bc_service_dbi (svc, "log");
    self->db_deadlines = bc_service_dbi (svc, "deadlines");
    self->db_by_customer = bc_service_dbi (svc, "by_customer");
    self->db_links = bc_service_dbi (svc, "links");
    self->db_by_org = bc_service_dbi (svc, "by_org");
    self->db_desk = bc_service_dbi (svc, "desk");
    self->db_by_ref = bc_service_dbi (svc, "by_ref");
    self->db_report_cells = bc_service_dbi (svc, "report_cells");
    self->db_report_open = bc_service_dbi (svc, "report_open");
    self->db_report_backlog = bc_service_dbi (svc, "report_backlog");
    bc_keys_attach (&self->keys, svc);
    self->pdbs.people = bc_service_dbi (svc, "people");
    self->pdbs.queue = bc_service_dbi (svc, "queue");
    self->pdbs.restricted = bc_config_str (config, "router/access/restricted_organizations", "");
    bc_service_consume (svc, "intake", s_on_intake);
    bc_service_consume (svc, "kb", s_on_kb);
    router_reads_register (svc);
    router_commands_register (svc);
    router_moves_register (svc);
    router_assign_register (svc);
    router_desk_register (svc);
    router_feed_register (svc);
    router_reports_register (svc);
    router_settings_register (svc);
    router_catalog_edit_register (svc);
    /* The SLA alarm is armed after every commit, and now for what is due. */
    bc_service_hooks (svc, s_before_batch, NULL, s_after_commit);
    router_after_commit (self);
    bc_service_wake (svc); /* the first transaction seeds people */
    return self;
}

void
router_server_teardown (void *state)
{
    router_t *self = state;
    router_catalog_destroy (&self->catalog);
    router_calendar_destroy (&self->calendar);
    router_macros_destroy (&self->macros);
    if (self->catalog_store)
        balcao__v1__catalog__free_unpacked (self->catalog_store, NULL);
    free (self);
}
