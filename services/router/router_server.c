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
 *   deadlines   due_us (u64 BE) + ticket (u64 BE) + kind (1) -> "" (SLA timers:
 *               0 first-response warning, 1 its breach, 2 resolution
 *               warning, 3 its breach, 4 auto-close reminder, 5 auto-close);
 *               one alarm is armed for the first key
 */
#include "router_server.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"
#include "router_calendar.h"
#include "router_catalog.h"
#include "router_lifecycle.h"
#include "router_people.h"

#include <strings.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const router_dbs[] = {"tickets", "thread", "ticket_log", "meta",
                                  "people",  "queue",  "deadlines"};
const int router_ndbs = 7;

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_tickets, db_thread, db_ticket_log, db_meta, db_log;
    router_catalog_t *catalog;
    router_calendar_t *calendar;
    router_people_dbs_t pdbs;
    MDB_dbi db_deadlines;
    /* SLA targets in business seconds, per priority (baixa..urgente). */
    int64_t first_response_s[4], resolution_s[4];
    double warning;
    int breach_raises, breach_escalates;
    int auto_close_days, auto_remind_days; /* business days; 0: never */
} router_t;

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

static Balcao__V1__Ticket *
s_get_ticket (router_t *self, MDB_txn *txn, uint64_t number, int *rc)
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

static int
s_put_thread (router_t *self, MDB_txn *txn, uint64_t number, uint32_t index,
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

static int
s_put_ticket (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t)
{
    unsigned char key[8];
    bc_key_from_u64 (t->number, key);
    return s_put_msg (txn, self->db_tickets, key, 8, &t->base, 0);
}

/* Emits an event about ticket number and indexes it for its history. */
static int
s_emit_for (router_t *self, bc_tx_t *tx, uint64_t number, const ProtobufCMessage *event)
{
    int rc = bc_tx_emit (tx, event);
    if (rc)
        return rc;
    unsigned char key[16];
    bc_key_from_u64 (number, key);
    bc_key_from_u64 (bc_tx_head (tx), key + 8);
    MDB_val k = {16, key}, v = {0, ""};
    return mdb_put (bc_tx_txn (tx), self->db_ticket_log, &k, &v, 0);
}

/* Replaces a string field of an unpacked message: protobuf-c allocated the
 * old value (unless it is its shared empty string) and frees the new one
 * with the message. */
static void
s_set_string (char **field, const char *value)
{
    char *old = *field;
    *field = strdup (value ? value : "");
    if (old && old != protobuf_c_empty_string)
        free (old);
}

static int
s_is_done (const char *status)
{
    return strcmp (status, "resolvido") == 0 || strcmp (status, "fechado") == 0;
}

/* ---- SLA clocks ---- */

enum {
    SLA_FR_WARN = 0,
    SLA_FR_DUE = 1,
    SLA_RES_WARN = 2,
    SLA_RES_DUE = 3,
    AUTO_REMIND = 4, /* a resolved ticket's reminder to the customer */
    AUTO_CLOSE = 5,  /* ... and its closing by itself */
};

static int
s_priority_index (const char *priority)
{
    static const char *const order[] = {"baixa", "normal", "alta", "urgente"};
    for (int i = 0; i < 4; i++)
        if (strcmp (priority, order[i]) == 0)
            return i;
    return 1;
}

static int
s_deadline (router_t *self, MDB_txn *txn, int64_t due_us, uint64_t number, int kind, int add)
{
    if (!due_us)
        return 0;
    unsigned char key[17];
    bc_key_from_u64 ((uint64_t) due_us, key);
    bc_key_from_u64 (number, key + 8);
    key[16] = (unsigned char) kind;
    MDB_val k = {17, key}, v = {0, ""};
    int rc = add ? mdb_put (txn, self->db_deadlines, &k, &v, 0)
                 : mdb_del (txn, self->db_deadlines, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* now + business seconds, in microseconds. */
static int64_t
s_after (router_t *self, int64_t now_us, int64_t business_s)
{
    return (int64_t) router_calendar_add (self->calendar, (time_t) (now_us / 1000000), business_s)
           * 1000000;
}

/* Starts (or resumes) the resolution clock at now. */
static int
s_resolution_start (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    int64_t target = self->resolution_s[s_priority_index (t->priority)];
    int64_t left = target - t->resolution_used_s;
    int64_t warn_left = (int64_t) (target * self->warning) - t->resolution_used_s;
    t->resolution_started_us = now;
    t->resolution_due_us = s_after (self, now, left > 0 ? left : 0);
    t->resolution_warn_us = warn_left > 0 ? s_after (self, now, warn_left) : 0;
    int rc = s_deadline (self, txn, t->resolution_warn_us, t->number, SLA_RES_WARN, 1);
    return rc ? rc : s_deadline (self, txn, t->resolution_due_us, t->number, SLA_RES_DUE, 1);
}

/* Stops the resolution clock, keeping the business time used. */
static int
s_resolution_stop (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    if (!t->resolution_started_us)
        return 0;
    t->resolution_used_s += router_calendar_between (
        self->calendar, (time_t) (t->resolution_started_us / 1000000), (time_t) (now / 1000000));
    int rc = s_deadline (self, txn, t->resolution_warn_us, t->number, SLA_RES_WARN, 0);
    if (rc == 0)
        rc = s_deadline (self, txn, t->resolution_due_us, t->number, SLA_RES_DUE, 0);
    t->resolution_started_us = t->resolution_warn_us = t->resolution_due_us = 0;
    return rc;
}

/* A new ticket's clocks. */
static int
s_sla_start (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    int p = s_priority_index (t->priority);
    t->first_response_sla = "running";
    t->first_response_due_us = s_after (self, now, self->first_response_s[p]);
    t->first_response_warn_us =
        s_after (self, now, (int64_t) (self->first_response_s[p] * self->warning));
    t->resolution_sla = "running";
    int rc = s_deadline (self, txn, t->first_response_warn_us, t->number, SLA_FR_WARN, 1);
    if (rc == 0)
        rc = s_deadline (self, txn, t->first_response_due_us, t->number, SLA_FR_DUE, 1);
    return rc ? rc : s_resolution_start (self, txn, t, now);
}

/* The first public answer: the first-response target is settled. */
static int
s_first_response (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    if (strcmp (t->first_response_sla, "running") != 0)
        return 0;
    s_set_string (&t->first_response_sla, now <= t->first_response_due_us ? "met" : "breached");
    int rc = s_deadline (self, txn, t->first_response_warn_us, t->number, SLA_FR_WARN, 0);
    return rc ? rc : s_deadline (self, txn, t->first_response_due_us, t->number, SLA_FR_DUE, 0);
}

/* Clocks follow the status: paused while waiting on the customer, settled
 * when resolved, running again when reopened. */
static int
s_sla_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    if (!*t->resolution_sla)
        return 0; /* a ticket from before SLA clocks existed */
    int rc = 0;
    if (strcmp (t->status, "aguardando_cliente") == 0 || s_is_done (t->status))
        rc = s_resolution_stop (self, txn, t, now);
    if (rc == 0 && strcmp (t->status, "resolvido") == 0
        && strcmp (t->resolution_sla, "running") == 0)
        s_set_string (&t->resolution_sla, "met");
    if (rc == 0 && !s_is_done (t->status) && strcmp (t->status, "aguardando_cliente") != 0
        && !t->resolution_started_us && strcmp (t->resolution_sla, "breached") != 0) {
        if (s_is_done (from))
            s_set_string (&t->resolution_sla, "running");
        rc = s_resolution_start (self, txn, t, now);
    }
    return rc;
}

/* A resolved ticket waits for the customer's validation; without an answer
 * they get one reminder and then it closes by itself. */
static int
s_auto_close_schedule (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc = 0;
    if (strcmp (from, "resolvido") == 0 && strcmp (t->status, "resolvido") != 0) {
        rc = s_deadline (self, txn, t->auto_close_reminder_us, t->number, AUTO_REMIND, 0);
        if (rc == 0)
            rc = s_deadline (self, txn, t->auto_close_us, t->number, AUTO_CLOSE, 0);
        t->auto_close_reminder_us = t->auto_close_us = 0;
    }
    if (rc == 0 && strcmp (t->status, "resolvido") == 0 && self->auto_close_days > 0) {
        time_t now = (time_t) (bc_tx_now_us (tx) / 1000000);
        t->auto_close_us =
            (int64_t) router_calendar_add_days (self->calendar, now, self->auto_close_days) * 1000000;
        t->auto_close_reminder_us =
            self->auto_remind_days > 0 && self->auto_remind_days < self->auto_close_days
                ? (int64_t) router_calendar_add_days (self->calendar, now, self->auto_remind_days)
                      * 1000000
                : 0;
        rc = s_deadline (self, txn, t->auto_close_reminder_us, t->number, AUTO_REMIND, 1);
        if (rc == 0)
            rc = s_deadline (self, txn, t->auto_close_us, t->number, AUTO_CLOSE, 1);
    }
    return rc;
}

/* ---- assignment ---- */

static int
s_emit_assigned (router_t *self, bc_tx_t *tx, const Balcao__V1__Ticket *t, const char *agent,
                 const char *previous, const char *reason)
{
    Balcao__V1__TicketAssigned ev = BALCAO__V1__TICKET_ASSIGNED__INIT;
    ev.number = t->number;
    ev.agent = (char *) agent;
    ev.previous = (char *) previous;
    ev.reason = (char *) reason;
    ev.tier = t->tier;
    ev.by = (char *) bc_tx_principal (tx);
    bc_info ("event=assigned ticket=%llu agent=%s reason=%s", (unsigned long long) t->number,
             *agent ? agent : "-", reason);
    return s_emit_for (self, tx, t->number, &ev.base);
}

/* Gives t to agent_id (who must exist): their load grows by one. The caller
 * stores t. */
static int
s_give (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *agent_id,
        const char *reason)
{
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &self->pdbs, agent_id, &a);
    if (rc)
        return rc;
    uint64_t counter = 0;
    rc = bc_store_get_u64 (txn, self->db_meta, "assign_counter", &counter);
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = bc_store_put_u64 (txn, self->db_meta, "assign_counter", counter + 1);
    if (rc == 0) {
        a->open_tickets++;
        a->last_assigned = counter + 1;
        rc = router_people_put (txn, &self->pdbs, a);
    }
    if (rc == 0)
        rc = router_queue_del (txn, &self->pdbs, t);
    if (rc == 0)
        rc = s_emit_assigned (self, tx, t, agent_id, t->assignee, reason);
    if (rc == 0)
        s_set_string (&t->assignee, agent_id);
    balcao__v1__person__free_unpacked (a, NULL);
    return rc;
}

/* Puts t in its tier's queue (no agent fits now). */
static int
s_enqueue (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t)
{
    int rc = router_queue_put (bc_tx_txn (tx), &self->pdbs, t);
    if (rc == 0)
        rc = s_emit_assigned (self, tx, t, "", t->assignee, "queue");
    if (rc == 0)
        s_set_string (&t->assignee, "");
    return rc;
}

/* The fair choice, or the queue. */
static int
s_assign_auto (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t)
{
    char *agent;
    int rc = router_people_pick (bc_tx_txn (tx), &self->pdbs, t->tier, t->category, &agent);
    if (rc)
        return rc;
    rc = agent ? s_give (self, tx, t, agent, "auto") : s_enqueue (self, tx, t);
    free (agent);
    return rc;
}

typedef struct {
    router_t *self;
    bc_tx_t *tx;
    const char *agent;
    int rc;
} s_drain_t;

static int s_release (router_t *self, bc_tx_t *tx, const char *agent_id);

static int
s_drain_one (void *arg, uint64_t number)
{
    s_drain_t *d = arg;
    MDB_txn *txn = bc_tx_txn (d->tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &d->self->pdbs, d->agent, &a);
    if (rc)
        return rc;
    int has_room = strcmp (a->status, "online") == 0 && a->open_tickets < a->capacity;
    if (!has_room) {
        balcao__v1__person__free_unpacked (a, NULL);
        return 1;
    }
    Balcao__V1__Ticket *t = s_get_ticket (d->self, txn, number, &rc);
    if (t && router_people_has_skill (a, t->category)) {
        rc = s_give (d->self, d->tx, t, d->agent, "auto");
        if (rc == 0)
            rc = s_put_ticket (d->self, txn, t);
    }
    if (t)
        balcao__v1__ticket__free_unpacked (t, NULL);
    balcao__v1__person__free_unpacked (a, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The agent takes waiting tickets of their tier while they have room. */
static int
s_drain (router_t *self, bc_tx_t *tx, const char *agent_id)
{
    Balcao__V1__Person *a;
    int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, agent_id, &a);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    char tier[4];
    snprintf (tier, sizeof tier, "%s", a->tier);
    balcao__v1__person__free_unpacked (a, NULL);
    s_drain_t d = {self, tx, agent_id, 0};
    return router_queue_walk (bc_tx_txn (tx), &self->pdbs, tier, s_drain_one, &d);
}

/* agent_id has one ticket less to work on: they may take a waiting one. */
static int
s_release (router_t *self, bc_tx_t *tx, const char *agent_id)
{
    if (!agent_id || !*agent_id)
        return 0;
    Balcao__V1__Person *a;
    int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, agent_id, &a);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (a->open_tickets > 0)
        a->open_tickets--;
    rc = router_people_put (bc_tx_txn (tx), &self->pdbs, a);
    balcao__v1__person__free_unpacked (a, NULL);
    return rc ? rc : s_drain (self, tx, agent_id);
}

/* Keeps load and queues right when a ticket changes status. */
static int
s_after_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int sla_rc = s_sla_status (self, tx, t, from);
    if (sla_rc == 0)
        sla_rc = s_auto_close_schedule (self, tx, t, from);
    if (sla_rc)
        return sla_rc;
    if (s_is_done (t->status) && !s_is_done (from)) {
        if (!*t->assignee)
            return router_queue_del (txn, &self->pdbs, t);
        s_set_string (&t->resolved_by, t->assignee);
        return s_release (self, tx, t->assignee);
    }
    if (strcmp (t->status, "reaberto") == 0) {
        /* Back to the agent who resolved it, whatever their load. */
        Balcao__V1__Person *a = NULL;
        int rc = *t->resolved_by ? router_people_get (txn, &self->pdbs, t->resolved_by, &a)
                                 : MDB_NOTFOUND;
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        int same_tier = a && strcmp (a->tier, t->tier) == 0;
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        return same_tier ? s_give (self, tx, t, t->resolved_by, "reopened")
                         : s_assign_auto (self, tx, t);
    }
    return 0;
}

/* Moves t to `to` and records why. */
static int
s_change_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *to,
                 const char *action, const char *text, const char *fix_reference)
{
    Balcao__V1__TicketStatusChanged ev = BALCAO__V1__TICKET_STATUS_CHANGED__INIT;
    ev.number = t->number;
    ev.from_status = t->status;
    ev.to_status = (char *) to;
    ev.action = (char *) action;
    ev.text = (char *) (text ? text : "");
    ev.fix_reference = (char *) (fix_reference ? fix_reference : "");
    ev.by = (char *) bc_tx_principal (tx);
    ev.tier = t->tier;
    int rc = s_emit_for (self, tx, t->number, &ev.base);
    if (rc)
        return rc;
    bc_info ("event=status_changed ticket=%llu from=%s to=%s action=%s",
             (unsigned long long) t->number, t->status, to, action);
    char from[32];
    snprintf (from, sizeof from, "%s", t->status);
    s_set_string (&t->status, to);
    t->updated_us = bc_tx_now_us (tx);
    return s_after_status (self, tx, t, from);
}

/* Sets *field to value and records it (no event when nothing changes). */
static int
s_change_field (router_t *self, bc_tx_t *tx, uint64_t number, const char *name, char **field,
                const char *value, const char *text)
{
    if (strcmp (*field, value) == 0)
        return 0;
    Balcao__V1__TicketFieldChanged ev = BALCAO__V1__TICKET_FIELD_CHANGED__INIT;
    ev.number = number;
    ev.field = (char *) name;
    ev.from_value = *field;
    ev.to_value = (char *) value;
    ev.text = (char *) (text ? text : "");
    ev.by = (char *) bc_tx_principal (tx);
    int rc = s_emit_for (self, tx, number, &ev.base);
    if (rc == 0)
        s_set_string (field, value);
    return rc;
}

/* A customer exists from their first message on. */
static int
s_customer_seen (router_t *self, bc_tx_t *tx, const Balcao__V1__MessageReceived *mr)
{
    char id[320];
    snprintf (id, sizeof id, "customer:%s", mr->from_address);
    for (char *p = id; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char) (*p - 'A' + 'a');
    Balcao__V1__Person *known;
    int rc = router_people_get (bc_tx_txn (tx), &self->pdbs, id, &known);
    if (rc == 0) {
        balcao__v1__person__free_unpacked (known, NULL);
        return 0;
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
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.message_ref = mr->message_ref;
    m.message_id = mr->message_id;
    m.author = mr->from_address;
    m.body = mr->body;
    m.time_us = ev->time_us;
    m.channel = mr->channel;
    m.direction = "inbound";

    Balcao__V1__Ticket *existing = NULL;
    if (mr->ticket) {
        existing = s_get_ticket (self, txn, mr->ticket, &rc);
        if (rc && rc != MDB_NOTFOUND)
            goto done;
        rc = 0;
    }
    if (existing) {
        uint32_t index = existing->message_count;
        existing->message_count++;
        existing->updated_us = ev->time_us;
        if ((rc = s_put_thread (self, txn, existing->number, index, &m)))
            goto done;
        Balcao__V1__MessageAppended out = BALCAO__V1__MESSAGE_APPENDED__INIT;
        out.ticket = existing->number;
        out.message = &m;
        if ((rc = s_emit_for (self, tx, existing->number, &out.base)))
            goto done;
        /* The customer answered what we asked: the clock is ours again. */
        const char *to = router_lifecycle_next (existing->status, ROUTER_CUSTOMER_REPLY);
        if (to && strcmp (to, existing->status) != 0
            && (rc = s_change_status (self, tx, existing, to, "customer_reply", "", "")))
            goto done;
        rc = s_put_ticket (self, txn, existing);
        bc_info ("event=message_appended ticket=%llu message_ref=%s",
                 (unsigned long long) existing->number, mr->message_ref);
        goto done;
    }
    uint64_t number = 1;
    rc = bc_store_get_u64 (txn, self->db_meta, "next_ticket", &number);
    if (rc && rc != MDB_NOTFOUND)
        goto done;
    if ((rc = bc_store_put_u64 (txn, self->db_meta, "next_ticket", number + 1)))
        goto done;
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    t.number = number;
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
    t.message_count = 1;
    t.origin_message_id = mr->message_id;
    unsigned char key[8];
    bc_key_from_u64 (number, key);
    if ((rc = s_put_msg (txn, self->db_tickets, key, 8, &t.base, MDB_APPEND)))
        goto done;
    if ((rc = s_put_thread (self, txn, number, 0, &m)))
        goto done;
    Balcao__V1__TicketMessage *msgs[1] = {&m};
    t.messages = msgs;
    t.n_messages = 1;
    Balcao__V1__TicketCreated out = BALCAO__V1__TICKET_CREATED__INIT;
    out.ticket = &t;
    rc = s_emit_for (self, tx, number, &out.base);
    t.messages = NULL;
    t.n_messages = 0;
    if (rc == 0)
        rc = s_customer_seen (self, tx, mr);
    if (rc == 0)
        rc = s_sla_start (self, txn, &t, bc_tx_now_us (tx));
    if (rc == 0)
        rc = s_assign_auto (self, tx, &t);
    if (rc == 0)
        rc = s_put_ticket (self, txn, &t);
    if (t.assignee != protobuf_c_empty_string)
        free (t.assignee); /* s_set_string's copy: t itself is on the stack */
    bc_info ("event=ticket_created ticket=%llu message_ref=%s channel=%s",
             (unsigned long long) number, mr->message_ref, mr->channel);
done:
    if (existing)
        balcao__v1__ticket__free_unpacked (existing, NULL);
    balcao__v1__message_received__free_unpacked (mr, NULL);
    return rc;
}

static int
s_get (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__GetTicket *req = (const Balcao__V1__GetTicket *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = s_get_ticket (self, txn, req->number, &rc);
    if (rc == MDB_NOTFOUND) {
        bc_reply_error (reply, "not_found", "ticket #%llu does not exist",
                        (unsigned long long) req->number);
        return 0;
    }
    if (rc)
        return rc;
    Balcao__V1__TicketMessage **msgs = calloc (t->message_count + 1, sizeof *msgs);
    size_t n = 0;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_thread, &cur)) == 0) {
        unsigned char key[12] = {0};
        bc_key_from_u64 (req->number, key);
        MDB_val k = {sizeof key, key}, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && n < t->message_count && k.mv_size == 12
               && memcmp (k.mv_data, key, 8) == 0) {
            msgs[n] = balcao__v1__ticket_message__unpack (NULL, v.mv_size, v.mv_data);
            if (msgs[n])
                n++;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (rc == 0) {
        Balcao__V1__TicketMessage **saved = t->messages;
        size_t saved_n = t->n_messages;
        t->messages = msgs;
        t->n_messages = n;
        bc_reply_ok (reply, &t->base);
        t->messages = saved;
        t->n_messages = saved_n;
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__ticket_message__free_unpacked (msgs[i], NULL);
    free (msgs);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_list (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ListTickets *req = (const Balcao__V1__ListTickets *) payload;
    uint32_t limit = req->limit ? req->limit : 50;
    if (limit > 1000)
        limit = 1000;
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_stat st;
    int rc = mdb_stat (txn, self->db_tickets, &st);
    if (rc)
        return rc;
    Balcao__V1__Ticket **list = calloc (limit, sizeof *list);
    size_t n = 0;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_tickets, &cur)) == 0) {
        unsigned char key[8];
        bc_key_from_u64 (req->after + 1, key);
        MDB_val k = {8, key}, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && n < limit) {
            list[n] = balcao__v1__ticket__unpack (NULL, v.mv_size, v.mv_data);
            if (list[n])
                n++;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (rc == 0) {
        Balcao__V1__TicketList out = BALCAO__V1__TICKET_LIST__INIT;
        out.tickets = list;
        out.n_tickets = n;
        out.total = st.ms_entries;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__ticket__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

/* ---- agent and customer commands ---- */

static int
s_is_agent (const char *principal)
{
    return strncmp (principal, "agent:", 6) == 0 || strncmp (principal, "supervisor:", 11) == 0
           || strncmp (principal, "admin:", 6) == 0;
}

static int
s_is_customer_of (const char *principal, const Balcao__V1__Ticket *t)
{
    return strncmp (principal, "customer:", 9) == 0
           && strcasecmp (principal + 9, t->customer_address) == 0;
}

/* Loads the ticket a command names; on failure sets the reply. */
static Balcao__V1__Ticket *
s_ticket_for_command (router_t *self, bc_tx_t *tx, uint64_t number, bc_reply_t *reply, int *rc)
{
    Balcao__V1__Ticket *t = s_get_ticket (self, bc_tx_txn (tx), number, rc);
    if (*rc == MDB_NOTFOUND) {
        bc_reply_error (reply, "not_found", "ticket #%llu does not exist",
                        (unsigned long long) number);
        *rc = 0;
    }
    return t;
}

static int
s_action (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__TicketAction *req = (const Balcao__V1__TicketAction *) payload;
    int action = router_action_parse (req->action);
    if (action < 0) {
        bc_reply_error (reply, "invalid",
                        "unknown action; use open, request_info, resolve, accept, reject, reopen "
                        "or close");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    const char *who = bc_tx_principal (tx);
    const char *to = router_lifecycle_next (t->status, (router_action_t) action);
    char sources[128];
    if (action == ROUTER_ACCEPT || action == ROUTER_REJECT) {
        if (!s_is_customer_of (who, t)) {
            bc_reply_error (reply, "forbidden",
                            "only the ticket's customer can %s its resolution; agents use close "
                            "or reopen",
                            req->action);
            goto done;
        }
    }
    else if (!s_is_agent (who)) {
        bc_reply_error (reply, "forbidden", "only agents can %s a ticket", req->action);
        goto done;
    }
    if (!to) {
        bc_reply_error (reply, "conflict", "cannot %s ticket #%llu: it is %s; %s is allowed from %s",
                        req->action, (unsigned long long) t->number, t->status, req->action,
                        router_lifecycle_sources ((router_action_t) action, sources,
                                                  sizeof sources));
        goto done;
    }
    if ((action == ROUTER_RESOLVE || action == ROUTER_REJECT) && !*req->text) {
        bc_reply_error (reply, "invalid",
                        action == ROUTER_RESOLVE
                            ? "resolving needs the resolution: what was done to solve it"
                            : "rejecting a resolution needs the reason");
        goto done;
    }
    if (action == ROUTER_RESOLVE && strcmp (t->tier, "N3") == 0 && !*req->fix_reference) {
        bc_reply_error (reply, "invalid",
                        "resolving at N3 needs the fix's reference (patch, version or change)");
        goto done;
    }
    if (action == ROUTER_RESOLVE) {
        s_set_string (&t->resolution, req->text);
        s_set_string (&t->fix_reference, req->fix_reference);
    }
    /* Asking the customer (or resolving) answers them: first response. */
    if ((action == ROUTER_REQUEST_INFO || action == ROUTER_RESOLVE)
        && (rc = s_first_response (self, bc_tx_txn (tx), t, bc_tx_now_us (tx))))
        goto done;
    if ((rc = s_change_status (self, tx, t, to, req->action, req->text, req->fix_reference)))
        goto done;
    if ((rc = s_put_ticket (self, bc_tx_txn (tx), t)))
        goto done;
    bc_reply_ok (reply, &t->base);
done:
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_add_message (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    router_t *self = state;
    const Balcao__V1__AddMessage *req = (const Balcao__V1__AddMessage *) payload;
    const char *who = bc_tx_principal (tx);
    if (!s_is_agent (who)) {
        bc_reply_error (reply, "forbidden", "only agents write replies and notes here");
        return 0;
    }
    if (!*req->body) {
        bc_reply_error (reply, "invalid", "the message is empty");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (strcmp (t->status, "fechado") == 0 && !req->is_internal) {
        bc_reply_error (reply, "conflict",
                        "ticket #%llu is closed; reopen it before replying to the customer",
                        (unsigned long long) t->number);
        goto done;
    }
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.message_ref = request->id;
    m.author = (char *) who;
    m.body = req->body;
    m.time_us = bc_tx_now_us (tx);
    m.channel = "agent";
    m.direction = req->is_internal ? "internal" : "outbound";
    m.is_internal = req->is_internal;
    uint32_t index = t->message_count++;
    t->updated_us = m.time_us;
    if ((rc = s_put_thread (self, bc_tx_txn (tx), t->number, index, &m)))
        goto done;
    Balcao__V1__MessageAppended out = BALCAO__V1__MESSAGE_APPENDED__INIT;
    out.ticket = t->number;
    out.message = &m;
    if ((rc = s_emit_for (self, tx, t->number, &out.base)))
        goto done;
    if (!req->is_internal) {
        if (!t->first_response_us)
            t->first_response_us = m.time_us;
        if ((rc = s_first_response (self, bc_tx_txn (tx), t, m.time_us)))
            goto done;
        const char *to = router_lifecycle_next (t->status, ROUTER_OPEN);
        if (to && (strcmp (t->status, "novo") == 0 || strcmp (t->status, "reaberto") == 0)
            && (rc = s_change_status (self, tx, t, to, "agent_reply", "", "")))
            goto done;
    }
    if ((rc = s_put_ticket (self, bc_tx_txn (tx), t)))
        goto done;
    bc_reply_ok (reply, &t->base);
done:
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_set_category (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetCategory *req = (const Balcao__V1__SetCategory *) payload;
    if (!s_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "only agents classify tickets");
        return 0;
    }
    const router_category_t *cat = router_catalog_find (self->catalog, req->category);
    if (!cat) {
        bc_reply_error (reply, "invalid", "unknown category '%s'; see balcao categories",
                        req->category);
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    int in_triage = strcmp (t->status, "novo") == 0;
    /* Out of the queue under the old key; back in (or to an agent) below. */
    int was_queued = !*t->assignee && !s_is_done (t->status);
    char old_tier[4];
    snprintf (old_tier, sizeof old_tier, "%s", t->tier);
    rc = was_queued ? router_queue_del (bc_tx_txn (tx), &self->pdbs, t) : 0;
    if (rc == 0)
        rc = s_change_field (self, tx, t->number, "category", &t->category, cat->id, cat->name);
    if (rc == 0 && in_triage)
        rc = s_change_field (self, tx, t->number, "priority", &t->priority, cat->priority,
                             "prioridade padrão da categoria");
    if (rc == 0 && in_triage)
        rc = s_change_field (self, tx, t->number, "tier", &t->tier, cat->tier,
                             "nível inicial da categoria");
    if (rc == 0 && *t->assignee && strcmp (old_tier, t->tier) != 0) {
        /* Another tier's work now: the agent is free of it. */
        char agent[320];
        snprintf (agent, sizeof agent, "%s", t->assignee);
        rc = s_assign_auto (self, tx, t);
        if (rc == 0)
            rc = s_release (self, tx, agent);
    }
    else if (rc == 0 && was_queued)
        rc = s_assign_auto (self, tx, t);
    if (rc == 0)
        rc = s_put_ticket (self, bc_tx_txn (tx), t);
    if (rc == 0)
        bc_reply_ok (reply, &t->base);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_set_priority (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetPriority *req = (const Balcao__V1__SetPriority *) payload;
    if (!s_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "only agents change priorities");
        return 0;
    }
    if (!router_priority_is_valid (req->priority)) {
        bc_reply_error (reply, "invalid", "priority must be baixa, normal, alta or urgente");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    int was_queued = !*t->assignee && !s_is_done (t->status);
    rc = was_queued ? router_queue_del (bc_tx_txn (tx), &self->pdbs, t) : 0;
    if (rc == 0)
        rc = s_change_field (self, tx, t->number, "priority", &t->priority, req->priority,
                             req->reason);
    if (rc == 0 && was_queued)
        rc = router_queue_put (bc_tx_txn (tx), &self->pdbs, t);
    if (rc == 0)
        rc = s_put_ticket (self, bc_tx_txn (tx), t);
    if (rc == 0)
        bc_reply_ok (reply, &t->base);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_categories (void *state, bc_tx_t *tx, const bc_envelope_t *request,
              const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) tx, (void) request, (void) payload;
    router_t *self = state;
    int n = router_catalog_count (self->catalog);
    Balcao__V1__Category *cats = calloc ((size_t) n + 1, sizeof *cats);
    Balcao__V1__Category **ptrs = calloc ((size_t) n + 1, sizeof *ptrs);
    for (int i = 0; i < n; i++) {
        const router_category_t *c = router_catalog_at (self->catalog, i);
        balcao__v1__category__init (&cats[i]);
        cats[i].id = (char *) c->id;
        cats[i].name = (char *) c->name;
        cats[i].priority = (char *) c->priority;
        cats[i].tier = (char *) c->tier;
        ptrs[i] = &cats[i];
    }
    Balcao__V1__CategoryList out = BALCAO__V1__CATEGORY_LIST__INIT;
    out.categories = ptrs;
    out.n_categories = (size_t) n;
    bc_reply_ok (reply, &out.base);
    free (cats);
    free (ptrs);
    return 0;
}

/* ---- SLA alarms ---- */

static const char *
s_raise (const char *priority)
{
    static const char *const order[] = {"baixa", "normal", "alta", "urgente"};
    int i = s_priority_index (priority);
    return order[i < 3 ? i + 1 : 3];
}

static int s_move_tier (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t,
                        Balcao__V1__TicketEscalated *ev);

/* One due deadline: a warning, or a breach and its policy. */
static int
s_deadline_fired (router_t *self, bc_tx_t *tx, uint64_t number, int kind, int64_t due)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = s_get_ticket (self, txn, number, &rc);
    if (!t)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (kind == AUTO_REMIND || kind == AUTO_CLOSE) {
        if (strcmp (t->status, "resolvido") != 0)
            goto done;
        if (kind == AUTO_REMIND) {
            Balcao__V1__AutoCloseReminder ev = BALCAO__V1__AUTO_CLOSE_REMINDER__INIT;
            ev.number = number;
            ev.customer_address = t->customer_address;
            ev.language = t->language;
            ev.subject = t->subject;
            ev.close_at_us = t->auto_close_us;
            rc = s_emit_for (self, tx, number, &ev.base);
        }
        else
            rc = s_change_status (self, tx, t, "fechado", "auto_close",
                                  "sem resposta do cliente à solução", "");
        goto done;
    }
    int is_fr = kind <= SLA_FR_DUE;
    const char *target = is_fr ? "first_response" : "resolution";
    char **state = is_fr ? &t->first_response_sla : &t->resolution_sla;
    if (strcmp (*state, "running") != 0)
        goto done; /* settled since; a stale entry */
    if (kind == SLA_FR_WARN || kind == SLA_RES_WARN) {
        Balcao__V1__SlaWarning ev = BALCAO__V1__SLA_WARNING__INIT;
        ev.number = number;
        ev.target = (char *) target;
        ev.due_us = is_fr ? t->first_response_due_us : t->resolution_due_us;
        ev.priority = t->priority;
        ev.tier = t->tier;
        ev.assignee = t->assignee;
        rc = s_emit_for (self, tx, number, &ev.base);
        goto done;
    }
    s_set_string (state, "breached");
    char *actions[3];
    size_t n = 0;
    Balcao__V1__SlaBreached ev = BALCAO__V1__SLA_BREACHED__INIT;
    ev.number = number;
    ev.target = (char *) target;
    ev.due_us = due;
    ev.priority = t->priority;
    ev.tier = t->tier;
    ev.assignee = t->assignee;
    if (self->breach_raises && strcmp (t->priority, "urgente") != 0)
        actions[n++] = "raise_priority";
    if (self->breach_escalates && strcmp (t->tier, "N3") != 0 && !s_is_done (t->status))
        actions[n++] = "escalate";
    actions[n++] = "alert";
    ev.actions = actions;
    ev.n_actions = n;
    if ((rc = s_emit_for (self, tx, number, &ev.base)))
        goto done;
    bc_warn ("event=sla_breached ticket=%llu target=%s priority=%s tier=%s",
             (unsigned long long) number, target, t->priority, t->tier);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (strcmp (actions[i], "raise_priority") == 0) {
            int was_queued = !*t->assignee && !s_is_done (t->status);
            rc = was_queued ? router_queue_del (txn, &self->pdbs, t) : 0;
            if (rc == 0)
                rc = s_change_field (self, tx, number, "priority", &t->priority,
                                     s_raise (t->priority), "SLA estourado");
            if (rc == 0 && was_queued)
                rc = router_queue_put (txn, &self->pdbs, t);
        }
        else if (strcmp (actions[i], "escalate") == 0) {
            Balcao__V1__TicketEscalated esc = BALCAO__V1__TICKET_ESCALATED__INIT;
            esc.to_tier = strcmp (t->tier, "N1") == 0 ? "N2" : "N3";
            esc.direction = "up";
            esc.reason = is_fr ? "SLA de primeira resposta estourado" : "SLA de resolução estourado";
            rc = s_move_tier (self, tx, t, &esc);
        }
    }
done:
    if (rc == 0)
        rc = s_put_ticket (self, txn, t);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* Every deadline that is due, oldest first (at most 1000 per batch). */
static int
s_on_alarm (void *state, bc_tx_t *tx)
{
    router_t *self = state;
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    bc_tx_set_principal (tx, "system:router");
    for (int i = 0; i < 1000; i++) {
        MDB_cursor *cur;
        int rc = mdb_cursor_open (txn, self->db_deadlines, &cur);
        if (rc)
            return rc;
        MDB_val k, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        unsigned char key[17];
        if (rc == 0 && k.mv_size == 17)
            memcpy (key, k.mv_data, 17);
        mdb_cursor_close (cur);
        if (rc == MDB_NOTFOUND)
            return 0;
        if (rc)
            return rc;
        MDB_val due_v = {8, key}, num_v = {8, key + 8};
        int64_t due = (int64_t) bc_key_to_u64 (&due_v);
        if (due > now)
            return 0;
        MDB_val del = {17, key};
        if ((rc = mdb_del (txn, self->db_deadlines, &del, NULL)))
            return rc;
        if ((rc = s_deadline_fired (self, tx, bc_key_to_u64 (&num_v), key[16], due)))
            return rc;
    }
    return 0;
}

/* Arms the one alarm for the earliest deadline. */
static void
s_after_commit (void *state)
{
    router_t *self = state;
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    MDB_cursor *cur;
    MDB_val k, v;
    int64_t first = 0;
    if (mdb_cursor_open (txn, self->db_deadlines, &cur) == 0) {
        if (mdb_cursor_get (cur, &k, &v, MDB_FIRST) == 0 && k.mv_size == 17) {
            MDB_val due = {8, k.mv_data};
            first = (int64_t) bc_key_to_u64 (&due);
        }
        mdb_cursor_close (cur);
    }
    mdb_txn_abort (txn);
    bc_service_alarm (self->svc, first, s_on_alarm);
}

/* ---- satisfaction ---- */

static int
s_rate (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__Rate *req = (const Balcao__V1__Rate *) payload;
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (!s_is_customer_of (bc_tx_principal (tx), t))
        bc_reply_error (reply, "forbidden", "only the ticket's customer rates it");
    else if (strcmp (t->status, "fechado") != 0)
        bc_reply_error (reply, "conflict", "ticket #%llu is %s; it can be rated once closed",
                        (unsigned long long) t->number, t->status);
    else if (t->csat_score)
        bc_reply_error (reply, "conflict", "ticket #%llu was already rated",
                        (unsigned long long) t->number);
    else if (req->score < 1 || req->score > 5)
        bc_reply_error (reply, "invalid", "the rating is from 1 to 5");
    else {
        Balcao__V1__TicketRated ev = BALCAO__V1__TICKET_RATED__INIT;
        ev.number = t->number;
        ev.score = req->score;
        ev.comment = req->comment;
        ev.resolved_by = t->resolved_by;
        ev.tier = t->tier;
        rc = s_emit_for (self, tx, t->number, &ev.base);
        t->csat_score = req->score;
        s_set_string (&t->csat_comment, req->comment);
        if (rc == 0)
            rc = s_put_ticket (self, bc_tx_txn (tx), t);
        if (rc == 0)
            bc_reply_ok (reply, &t->base);
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* ---- escalation ---- */

/* Moves t to tier `to`, records it, and hands it to that tier. */
static int
s_move_tier (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, Balcao__V1__TicketEscalated *ev)
{
    ev->number = t->number;
    ev->from_tier = t->tier;
    ev->by = (char *) bc_tx_principal (tx);
    ev->customer_address = t->customer_address;
    ev->language = t->language;
    ev->subject = t->subject;
    int rc = s_emit_for (self, tx, t->number, &ev->base);
    if (rc)
        return rc;
    bc_info ("event=escalated ticket=%llu from=%s to=%s direction=%s", (unsigned long long) t->number,
             t->tier, ev->to_tier, ev->direction);
    char previous[320];
    snprintf (previous, sizeof previous, "%s", t->assignee);
    if (!*previous && (rc = router_queue_del (bc_tx_txn (tx), &self->pdbs, t)))
        return rc;
    s_set_string (&t->tier, ev->to_tier);
    t->updated_us = bc_tx_now_us (tx);
    if ((rc = s_assign_auto (self, tx, t)))
        return rc;
    return s_release (self, tx, previous);
}

static int
s_escalate (void *state, bc_tx_t *tx, const bc_envelope_t *request,
            const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__Escalate *req = (const Balcao__V1__Escalate *) payload;
    if (!s_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "only agents escalate tickets");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (s_is_done (t->status))
        bc_reply_error (reply, "conflict", "ticket #%llu is %s; reopen it before escalating",
                        (unsigned long long) t->number, t->status);
    else if (strcmp (t->tier, "N3") == 0)
        bc_reply_error (reply, "conflict", "ticket #%llu is already at N3, the last tier",
                        (unsigned long long) t->number);
    else if (strcmp (t->tier, "N1") == 0 && (!*req->reason || !*req->tried))
        bc_reply_error (reply, "invalid",
                        "escalating to N2 needs the reason and what was already tried");
    else if (strcmp (t->tier, "N2") == 0
             && (!*req->steps_to_reproduce || !*req->environment || !*req->affected_customers))
        bc_reply_error (reply, "invalid",
                        "escalating to N3 needs the diagnosis: steps to reproduce, environment "
                        "and affected customers");
    else {
        Balcao__V1__TicketEscalated ev = BALCAO__V1__TICKET_ESCALATED__INIT;
        ev.to_tier = strcmp (t->tier, "N1") == 0 ? "N2" : "N3";
        ev.direction = "up";
        ev.reason = req->reason;
        ev.tried = req->tried;
        ev.steps_to_reproduce = req->steps_to_reproduce;
        ev.environment = req->environment;
        ev.affected_customers = req->affected_customers;
        ev.attachments = req->attachments;
        ev.n_attachments = req->n_attachments;
        rc = s_move_tier (self, tx, t, &ev);
        if (rc == 0)
            rc = s_put_ticket (self, bc_tx_txn (tx), t);
        if (rc == 0)
            bc_reply_ok (reply, &t->base);
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

static int
s_deescalate (void *state, bc_tx_t *tx, const bc_envelope_t *request,
              const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__Deescalate *req = (const Balcao__V1__Deescalate *) payload;
    if (!s_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "only agents de-escalate tickets");
        return 0;
    }
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    if (s_is_done (t->status))
        bc_reply_error (reply, "conflict", "ticket #%llu is %s; reopen it first",
                        (unsigned long long) t->number, t->status);
    else if (strcmp (t->tier, "N1") == 0)
        bc_reply_error (reply, "conflict", "ticket #%llu is already at N1, the first tier",
                        (unsigned long long) t->number);
    else if (!*req->note)
        bc_reply_error (reply, "invalid", "de-escalating needs a note for the tier below");
    else {
        Balcao__V1__TicketEscalated ev = BALCAO__V1__TICKET_ESCALATED__INIT;
        ev.to_tier = strcmp (t->tier, "N3") == 0 ? "N2" : "N1";
        ev.direction = "down";
        ev.note = req->note;
        rc = s_move_tier (self, tx, t, &ev);
        if (rc == 0)
            rc = s_put_ticket (self, bc_tx_txn (tx), t);
        if (rc == 0)
            bc_reply_ok (reply, &t->base);
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* ---- people and assignment commands ---- */

static int
s_is_admin (const char *principal)
{
    return strncmp (principal, "admin:", 6) == 0;
}

static int
s_is_supervisor (const char *principal)
{
    return strncmp (principal, "supervisor:", 11) == 0 || s_is_admin (principal);
}

static int
s_upsert_person (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                 const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__UpsertPerson *req = (const Balcao__V1__UpsertPerson *) payload;
    if (!s_is_admin (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "only admins manage people");
        return 0;
    }
    const Balcao__V1__Person *in = req->person;
    static const char *const kinds[] = {"agent:", "supervisor:", "admin:", "customer:", "service:"};
    int kind = -1;
    for (int i = 0; in && i < 5; i++)
        if (strncmp (in->id, kinds[i], strlen (kinds[i])) == 0 && in->id[strlen (kinds[i])])
            kind = i;
    if (kind < 0) {
        bc_reply_error (reply, "invalid",
                        "a person's id is agent:, supervisor:, admin:, customer: or service: "
                        "followed by an e-mail or name");
        return 0;
    }
    int works_tickets = kind <= 1;
    if (works_tickets && !router_tier_is_valid (in->tier)) {
        bc_reply_error (reply, "invalid", "agents and supervisors need a tier: N1, N2 or N3");
        return 0;
    }
    if (*in->status && strcmp (in->status, "online") != 0 && strcmp (in->status, "away") != 0
        && strcmp (in->status, "offline") != 0) {
        bc_reply_error (reply, "invalid", "status is online, away or offline");
        return 0;
    }
    for (size_t i = 0; i < in->n_skills; i++)
        if (!router_catalog_find (self->catalog, in->skills[i])) {
            bc_reply_error (reply, "invalid", "unknown skill '%s': skills are category ids",
                            in->skills[i]);
            return 0;
        }
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *old;
    int rc = router_people_get (txn, &self->pdbs, in->id, &old);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Person p = *in;
    p.capacity = in->capacity ? in->capacity : 10;
    p.status = *in->status ? in->status : (old ? old->status : "offline");
    p.open_tickets = old ? old->open_tickets : 0;
    p.last_assigned = old ? old->last_assigned : 0;
    p.created_us = old ? old->created_us : bc_tx_now_us (tx);
    if (!*p.language)
        p.language = "pt-BR";
    rc = router_people_put (txn, &self->pdbs, &p);
    if (rc == 0) {
        Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
        ev.person = &p;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc == 0 && kind == 0)
        rc = s_drain (self, tx, p.id);
    if (old)
        balcao__v1__person__free_unpacked (old, NULL);
    if (rc)
        return rc;
    Balcao__V1__Person *now;
    if ((rc = router_people_get (txn, &self->pdbs, in->id, &now)))
        return rc;
    bc_reply_ok (reply, &now->base);
    balcao__v1__person__free_unpacked (now, NULL);
    return 0;
}

static int
s_set_agent_status (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                    const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__SetAgentStatus *req = (const Balcao__V1__SetAgentStatus *) payload;
    const char *who = bc_tx_principal (tx);
    if (strcmp (req->status, "online") != 0 && strcmp (req->status, "away") != 0
        && strcmp (req->status, "offline") != 0) {
        bc_reply_error (reply, "invalid", "status is online, away or offline");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &self->pdbs, who, &a);
    if (rc == MDB_NOTFOUND || (rc == 0 && strncmp (a->id, "agent:", 6) != 0)) {
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        bc_reply_error (reply, "forbidden", "%s is not a registered agent; an admin adds agents",
                        strncmp (who, "agent:", 6) == 0 ? "this agent" : "the caller");
        return 0;
    }
    if (rc)
        return rc;
    s_set_string (&a->status, req->status);
    rc = router_people_put (txn, &self->pdbs, a);
    if (rc == 0) {
        Balcao__V1__PersonChanged ev = BALCAO__V1__PERSON_CHANGED__INIT;
        ev.person = a;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc == 0 && strcmp (req->status, "online") == 0)
        rc = s_drain (self, tx, who);
    balcao__v1__person__free_unpacked (a, NULL);
    if (rc)
        return rc;
    if ((rc = router_people_get (txn, &self->pdbs, who, &a)))
        return rc;
    bc_reply_ok (reply, &a->base);
    balcao__v1__person__free_unpacked (a, NULL);
    return 0;
}

static int
s_assign (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__AssignTicket *req = (const Balcao__V1__AssignTicket *) payload;
    const char *who = bc_tx_principal (tx);
    const char *agent = *req->agent ? req->agent : who;
    int taking = strcmp (agent, who) == 0;
    if (!taking && !s_is_supervisor (who)) {
        bc_reply_error (reply, "forbidden", "only supervisors assign tickets to others");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Person *a;
    int rc = router_people_get (txn, &self->pdbs, agent, &a);
    if (rc == MDB_NOTFOUND || (rc == 0 && strncmp (a->id, "agent:", 6) != 0)) {
        if (a)
            balcao__v1__person__free_unpacked (a, NULL);
        bc_reply_error (reply, "invalid", "%s is not a registered agent", agent);
        return 0;
    }
    if (rc)
        return rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t) {
        balcao__v1__person__free_unpacked (a, NULL);
        return rc;
    }
    if (s_is_done (t->status))
        bc_reply_error (reply, "conflict", "ticket #%llu is %s; reopen it first",
                        (unsigned long long) t->number, t->status);
    else if (taking && strcmp (a->tier, t->tier) != 0)
        bc_reply_error (reply, "forbidden", "ticket #%llu is at %s and you are at %s",
                        (unsigned long long) t->number, t->tier, a->tier);
    else if (strcmp (t->assignee, agent) == 0)
        bc_reply_ok (reply, &t->base);
    else {
        char previous[320];
        snprintf (previous, sizeof previous, "%s", t->assignee);
        rc = s_give (self, tx, t, agent, taking ? "take" : "assign");
        if (rc == 0)
            rc = s_put_ticket (self, txn, t);
        if (rc == 0)
            rc = s_release (self, tx, previous);
        if (rc == 0)
            bc_reply_ok (reply, &t->base);
    }
    balcao__v1__person__free_unpacked (a, NULL);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

typedef struct {
    router_t *self;
    MDB_txn *txn;
    Balcao__V1__Ticket **list;
    size_t n, limit;
} s_queue_list_t;

static int
s_queue_collect (void *arg, uint64_t number)
{
    s_queue_list_t *q = arg;
    if (q->n >= q->limit)
        return 1;
    int rc;
    Balcao__V1__Ticket *t = s_get_ticket (q->self, q->txn, number, &rc);
    if (t)
        q->list[q->n++] = t;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_queue (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
         bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__GetQueue *req = (const Balcao__V1__GetQueue *) payload;
    if (!router_tier_is_valid (req->tier)) {
        bc_reply_error (reply, "invalid", "tier is N1, N2 or N3");
        return 0;
    }
    s_queue_list_t q = {self, bc_tx_txn (tx), NULL, 0, req->limit && req->limit < 256 ? req->limit : 50};
    q.list = calloc (q.limit, sizeof *q.list);
    int rc = router_queue_walk (q.txn, &self->pdbs, req->tier, s_queue_collect, &q);
    if (rc == 0) {
        Balcao__V1__TicketList out = BALCAO__V1__TICKET_LIST__INIT;
        out.tickets = q.list;
        out.n_tickets = q.n;
        out.total = q.n;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < q.n; i++)
        balcao__v1__ticket__free_unpacked (q.list[i], NULL);
    free (q.list);
    return rc;
}

static int
s_people (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ListPeople *req = (const Balcao__V1__ListPeople *) payload;
    if (!s_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "only the support team lists people");
        return 0;
    }
    char prefix[32];
    snprintf (prefix, sizeof prefix, "%s%s", req->kind, *req->kind ? ":" : "");
    size_t plen = strlen (prefix), cap = 64, n = 0;
    Balcao__V1__Person **list = calloc (cap, sizeof *list);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (bc_tx_txn (tx), self->pdbs.people, &cur);
    if (rc) {
        free (list);
        return rc;
    }
    MDB_val k = {plen, prefix}, v;
    rc = mdb_cursor_get (cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0 && n < 1000 && k.mv_size >= plen && memcmp (k.mv_data, prefix, plen) == 0) {
        if (n == cap)
            list = realloc (list, (cap *= 2) * sizeof *list);
        if ((list[n] = balcao__v1__person__unpack (NULL, v.mv_size, v.mv_data)))
            n++;
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    if (rc == 0) {
        Balcao__V1__PersonList out = BALCAO__V1__PERSON_LIST__INIT;
        out.people = list;
        out.n_people = n;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__person__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

/* One line in pt-BR for an event of the ticket's history. */
static void
s_summary (const bc_envelope_t *env, char *out, size_t size)
{
    snprintf (out, size, "%s", env->type);
    if (bc_envelope_is (env, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *e = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            env, &balcao__v1__ticket_created__descriptor);
        if (e && e->ticket)
            snprintf (out, size, "chamado aberto por %s via %s: %s", e->ticket->customer_address,
                      e->ticket->channel, e->ticket->subject);
        if (e)
            balcao__v1__ticket_created__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *e = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            env, &balcao__v1__message_appended__descriptor);
        if (e && e->message)
            snprintf (out, size, "%s de %s",
                      e->message->is_internal ? "nota interna"
                      : strcmp (e->message->direction, "inbound") == 0 ? "mensagem do cliente"
                                                                       : "resposta",
                      e->message->author);
        if (e)
            balcao__v1__message_appended__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_status_changed__descriptor)) {
        Balcao__V1__TicketStatusChanged *e = (Balcao__V1__TicketStatusChanged *) bc_envelope_payload (
            env, &balcao__v1__ticket_status_changed__descriptor);
        if (e)
            snprintf (out, size, "%s → %s (%s)%s%s", e->from_status, e->to_status, e->action,
                      *e->text ? ": " : "", e->text);
        if (e)
            balcao__v1__ticket_status_changed__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__auto_close_reminder__descriptor))
        snprintf (out, size, "lembrete ao cliente: validar a solução (fecha sozinho depois)");
    else if (bc_envelope_is (env, &balcao__v1__sla_breached__descriptor)) {
        Balcao__V1__SlaBreached *e = (Balcao__V1__SlaBreached *) bc_envelope_payload (
            env, &balcao__v1__sla_breached__descriptor);
        if (e)
            snprintf (out, size, "SLA de %s estourado",
                      strcmp (e->target, "first_response") == 0 ? "primeira resposta" : "resolução");
        if (e)
            balcao__v1__sla_breached__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__sla_warning__descriptor))
        snprintf (out, size, "aviso de SLA: prazo próximo");
    else if (bc_envelope_is (env, &balcao__v1__ticket_rated__descriptor)) {
        Balcao__V1__TicketRated *e = (Balcao__V1__TicketRated *) bc_envelope_payload (
            env, &balcao__v1__ticket_rated__descriptor);
        if (e)
            snprintf (out, size, "avaliação do cliente: %u/5%s%s", e->score, *e->comment ? " — " : "",
                      e->comment);
        if (e)
            balcao__v1__ticket_rated__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_escalated__descriptor)) {
        Balcao__V1__TicketEscalated *e = (Balcao__V1__TicketEscalated *) bc_envelope_payload (
            env, &balcao__v1__ticket_escalated__descriptor);
        if (e && strcmp (e->direction, "up") == 0 && *e->tried)
            snprintf (out, size, "escalado %s → %s: %s (já tentado: %s)", e->from_tier,
                      e->to_tier, e->reason, e->tried);
        else if (e && strcmp (e->direction, "up") == 0)
            snprintf (out, size, "escalado %s → %s: %s%sreproduzir: %s; ambiente: %s; afetados: %s",
                      e->from_tier, e->to_tier, e->reason, *e->reason ? "; " : "",
                      e->steps_to_reproduce, e->environment, e->affected_customers);
        else if (e)
            snprintf (out, size, "devolvido %s → %s: %s", e->from_tier, e->to_tier, e->note);
        if (e)
            balcao__v1__ticket_escalated__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_assigned__descriptor)) {
        Balcao__V1__TicketAssigned *e = (Balcao__V1__TicketAssigned *) bc_envelope_payload (
            env, &balcao__v1__ticket_assigned__descriptor);
        if (e && *e->agent)
            snprintf (out, size, "atribuído a %s (%s)", e->agent, e->reason);
        else if (e)
            snprintf (out, size, "na fila do %s, aguardando um agente", e->tier);
        if (e)
            balcao__v1__ticket_assigned__free_unpacked (e, NULL);
    }
    else if (bc_envelope_is (env, &balcao__v1__ticket_field_changed__descriptor)) {
        Balcao__V1__TicketFieldChanged *e = (Balcao__V1__TicketFieldChanged *) bc_envelope_payload (
            env, &balcao__v1__ticket_field_changed__descriptor);
        if (e) {
            const char *field = strcmp (e->field, "category") == 0   ? "categoria"
                                : strcmp (e->field, "priority") == 0 ? "prioridade"
                                : strcmp (e->field, "tier") == 0     ? "nível"
                                                                     : e->field;
            snprintf (out, size, "%s: %s → %s%s%s", field, e->from_value, e->to_value,
                      *e->text ? " — " : "", e->text);
            balcao__v1__ticket_field_changed__free_unpacked (e, NULL);
        }
    }
}

static int
s_history (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
           bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__GetHistory *req = (const Balcao__V1__GetHistory *) payload;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = s_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    balcao__v1__ticket__free_unpacked (t, NULL);
    size_t cap = 16, n = 0;
    Balcao__V1__HistoryEntry *entries = calloc (cap, sizeof *entries);
    Balcao__V1__HistoryEntry **ptrs = NULL;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_ticket_log, &cur)))
        goto done;
    unsigned char key[16] = {0};
    bc_key_from_u64 (req->number, key);
    MDB_val k = {16, key}, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == 16 && memcmp (k.mv_data, key, 8) == 0) {
        MDB_val seq = {8, (char *) k.mv_data + 8}, ev;
        if (mdb_get (txn, self->db_log, &seq, &ev) == 0) {
            bc_envelope_t *env = bc_envelope_unpack (ev.mv_data, ev.mv_size);
            if (env) {
                if (n == cap)
                    entries = realloc (entries, (cap *= 2) * sizeof *entries);
                Balcao__V1__HistoryEntry *h = &entries[n++];
                balcao__v1__history_entry__init (h);
                h->seq = env->seq;
                h->time_us = env->time_us;
                h->principal = strdup (env->principal);
                h->type = strdup (env->type);
                char line[1024];
                s_summary (env, line, sizeof line);
                h->summary = strdup (line);
                bc_envelope_destroy (&env);
            }
        }
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    if (rc == 0) {
        ptrs = calloc (n + 1, sizeof *ptrs);
        for (size_t i = 0; i < n; i++)
            ptrs[i] = &entries[i];
        Balcao__V1__History out = BALCAO__V1__HISTORY__INIT;
        out.entries = ptrs;
        out.n_entries = n;
        bc_reply_ok (reply, &out.base);
    }
done:
    for (size_t i = 0; i < n; i++) {
        free (entries[i].principal);
        free (entries[i].type);
        free (entries[i].summary);
    }
    free (entries);
    free (ptrs);
    return rc;
}

/* "30s", "45m", "4h" -> seconds; -1 when malformed. */
static int64_t
s_duration (const char *text)
{
    char *end;
    long long n = strtoll (text, &end, 10);
    if (end == text || n < 0)
        return -1;
    if (strcmp (end, "s") == 0)
        return n;
    if (strcmp (end, "m") == 0 || !*end)
        return n * 60;
    if (strcmp (end, "h") == 0)
        return n * 3600;
    return -1;
}

/* SLA targets per priority in business time, the warning fraction and the
 * breach policy, from router/sla (defaults: a software company's support). */
static int
s_sla_config (router_t *self, bc_config_t *config)
{
    static const char *const priorities[] = {"baixa", "normal", "alta", "urgente"};
    static const char *const first_defaults[] = {"8h", "4h", "2h", "30m"};
    static const char *const resolution_defaults[] = {"50h", "30h", "16h", "4h"};
    for (int i = 0; i < 4; i++) {
        char key[96];
        snprintf (key, sizeof key, "router/sla/%s/first_response", priorities[i]);
        self->first_response_s[i] = s_duration (bc_config_str (config, key, first_defaults[i]));
        snprintf (key, sizeof key, "router/sla/%s/resolution", priorities[i]);
        self->resolution_s[i] = s_duration (bc_config_str (config, key, resolution_defaults[i]));
        if (self->first_response_s[i] < 0 || self->resolution_s[i] < 0) {
            bc_error ("event=config_invalid key=router/sla/%s hint=\"durations are like 30s, 45m, "
                      "4h (business time)\"",
                      priorities[i]);
            return -1;
        }
    }
    self->warning = atof (bc_config_str (config, "router/sla/warning", "0.8"));
    if (self->warning <= 0 || self->warning >= 1) {
        bc_error ("event=config_invalid key=router/sla/warning hint=\"a fraction like 0.8\"");
        return -1;
    }
    self->auto_close_days = (int) bc_config_int (config, "router/auto_close_days", 5);
    self->auto_remind_days = (int) bc_config_int (config, "router/auto_close_reminder_days", 3);
    const char *policy = bc_config_str (config, "router/sla/on_breach", "raise_priority");
    self->breach_raises = strstr (policy, "raise_priority") != NULL;
    self->breach_escalates = strstr (policy, "escalate") != NULL;
    return 0;
}

void *
router_server_setup (bc_service_t *svc)
{
    router_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->catalog = router_catalog_new (bc_service_config (svc));
    char err[256];
    self->calendar = router_calendar_new (bc_service_config (svc), err, sizeof err);
    if (!self->calendar)
        bc_error ("event=config_invalid reason=\"%s\"", err);
    if (!self->catalog || !self->calendar) {
        router_catalog_destroy (&self->catalog);
        free (self);
        return NULL;
    }
    self->db_tickets = bc_service_dbi (svc, "tickets");
    self->db_thread = bc_service_dbi (svc, "thread");
    self->db_meta = bc_service_dbi (svc, "meta");
    self->db_ticket_log = bc_service_dbi (svc, "ticket_log");
    self->db_log = bc_service_dbi (svc, "log");
    self->pdbs.people = bc_service_dbi (svc, "people");
    self->db_deadlines = bc_service_dbi (svc, "deadlines");
    if (s_sla_config (self, bc_service_config (svc))) {
        router_catalog_destroy (&self->catalog);
        router_calendar_destroy (&self->calendar);
        free (self);
        return NULL;
    }
    bc_service_hooks (svc, NULL, NULL, s_after_commit);
    s_after_commit (self);
    self->pdbs.queue = bc_service_dbi (svc, "queue");
    bc_service_consume (svc, "intake", s_on_intake);
    bc_service_on_command (svc, &balcao__v1__get_ticket__descriptor, 0, s_get);
    bc_service_on_command (svc, &balcao__v1__list_tickets__descriptor, 0, s_list);
    bc_service_on_command (svc, &balcao__v1__get_history__descriptor, 0, s_history);
    bc_service_on_command (svc, &balcao__v1__ticket_action__descriptor, 1, s_action);
    bc_service_on_command (svc, &balcao__v1__add_message__descriptor, 1, s_add_message);
    bc_service_on_command (svc, &balcao__v1__set_category__descriptor, 1, s_set_category);
    bc_service_on_command (svc, &balcao__v1__set_priority__descriptor, 1, s_set_priority);
    bc_service_on_command (svc, &balcao__v1__list_categories__descriptor, 0, s_categories);
    bc_service_on_command (svc, &balcao__v1__upsert_person__descriptor, 1, s_upsert_person);
    bc_service_on_command (svc, &balcao__v1__escalate__descriptor, 1, s_escalate);
    bc_service_on_command (svc, &balcao__v1__rate__descriptor, 1, s_rate);
    bc_service_on_command (svc, &balcao__v1__deescalate__descriptor, 1, s_deescalate);
    bc_service_on_command (svc, &balcao__v1__set_agent_status__descriptor, 1, s_set_agent_status);
    bc_service_on_command (svc, &balcao__v1__assign_ticket__descriptor, 1, s_assign);
    bc_service_on_command (svc, &balcao__v1__get_queue__descriptor, 0, s_queue);
    bc_service_on_command (svc, &balcao__v1__list_people__descriptor, 0, s_people);
    return self;
}

void
router_server_teardown (void *state)
{
    router_t *self = state;
    router_catalog_destroy (&self->catalog);
    router_calendar_destroy (&self->calendar);
    free (self);
}
