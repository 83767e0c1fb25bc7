/* router_server: where a ticket gets its number, and how it moves through
 * its lifecycle (router_lifecycle.c has the table).
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   tickets     ticket (u64 BE)                 -> balcao.v1.Ticket (no messages)
 *   thread      ticket (u64 BE) + index (u32 BE) -> balcao.v1.TicketMessage
 *   ticket_log  ticket (u64 BE) + seq (u64 BE)   -> "" (the ticket's events in
 *                                                  the router's log, for history)
 *   history     seq (u64 BE) -> the envelope of a ticket's event retention
 *               pruned from the log (router_history.c)
 *   meta        "next_ticket", "assign_counter"  -> u64 BE
 *   people, queue, organizations                  see router_people.h
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

#include "bc_log.h"
#include "bc_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const router_dbs[] = {"tickets", "thread", "ticket_log", "meta",
                                  "people",  "queue",  "deadlines",  "by_customer",
                                  "links",   "by_org", "desk",       "keys",
                                  "key_of",  "by_ref", "report_cells", "report_open",
                                  "report_backlog", "history", "organizations",
                                  "erasures", "tickets_repack", "thread_repack"};
const int router_ndbs = 22;

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
    /* A new ticket's messages come after every key there: MDB_APPEND fills
     * the pages instead of splitting them in halves. */
    int rc = s_put_msg (txn, self->db_thread, key, sizeof key, &m->base, MDB_APPEND);
    return rc == MDB_KEYEXIST ? s_put_msg (txn, self->db_thread, key, sizeof key, &m->base, 0)
                              : rc;
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
    int rc = mdb_put (txn, self->db_ticket_log, &k, &v, MDB_APPEND); /* as the thread's */
    return rc == MDB_KEYEXIST ? mdb_put (txn, self->db_ticket_log, &k, &v, 0) : rc;
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
    /* The clocks start first: TicketCreated carries the due times, and the
     * target the customer's acknowledgement promises (notify). */
    int64_t now = bc_tx_now_us (tx);
    if ((rc = router_sla_start (self, txn, t, now)))
        return rc;
    Balcao__V1__TicketMessage *msgs[1] = {m};
    t->messages = msgs;
    t->n_messages = 1;
    Balcao__V1__TicketCreated out = BALCAO__V1__TICKET_CREATED__INIT;
    out.ticket = t;
    out.first_response_target_s = bc_calendar_between (
        self->calendar, (time_t) (now / 1000000), (time_t) (t->first_response_due_us / 1000000));
    rc = router_emit_for (self, tx, number, &out.base);
    t->messages = NULL;
    t->n_messages = 0;
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
    Balcao__V1__BotHandoff *bh = (Balcao__V1__BotHandoff *) bc_envelope_payload (
        ev, &balcao__v1__bot_handoff__descriptor);
    if (bh) {
        int hrc = router_on_handoff (self, tx, ev, bh);
        balcao__v1__bot_handoff__free_unpacked (bh, NULL);
        return hrc;
    }
    Balcao__V1__ConversationEnded *ce = (Balcao__V1__ConversationEnded *) bc_envelope_payload (
        ev, &balcao__v1__conversation_ended__descriptor);
    if (ce) {
        int crc = router_on_conversation_ended (self, tx, ce);
        balcao__v1__conversation_ended__free_unpacked (ce, NULL);
        return crc;
    }
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
    self->sla_warned = self->sla_breached = 0; /* this run's, counted after its commit */
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
    if (!self->seeded) {
        self->seed_ran = 1;
        int rc = router_people_seed (self, tx);
        if (rc == 0)
            rc = router_desk_build (self, tx);
        if (rc)
            return rc;
    }
    return router_lgpd_retention_sweep (self, tx);
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
    router_metrics_after_commit (self);
}

void
router_metrics_setup (router_t *self)
{
    bc_metrics_t *m = bc_service_metrics (self->svc);
    bc_metrics_help (m, "balcao_sla_warnings_total", "counter",
                     "SLA warnings emitted (a target close to due).");
    bc_metrics_help (m, "balcao_sla_breaches_total", "counter", "SLA targets breached.");
    bc_metrics_help (m, "balcao_open_tickets", "gauge",
                     "Tickets not resolved, closed or merged, per tier.");
    bc_metrics_add (m, "balcao_sla_warnings_total", "", 0);
    bc_metrics_add (m, "balcao_sla_breaches_total", "", 0);
    router_metrics_after_commit (self);
}

void
router_metrics_after_commit (router_t *self)
{
    bc_metrics_t *m = bc_service_metrics (self->svc);
    if (!m)
        return;
    if (self->sla_warned)
        bc_metrics_add (m, "balcao_sla_warnings_total", "", self->sla_warned);
    if (self->sla_breached)
        bc_metrics_add (m, "balcao_sla_breaches_total", "", self->sla_breached);
    self->sla_warned = self->sla_breached = 0;
    /* The reports' running count of unresolved tickets (router_reports.c). */
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    static const char *const tiers[] = {"N1", "N2", "N3"};
    for (int i = 0; i < 3; i++) {
        char group[16], labels[32];
        snprintf (group, sizeof group, "tier:%s", tiers[i]);
        MDB_val k = {strlen (group), group}, v;
        uint64_t n = 0;
        if (mdb_get (txn, self->db_report_open, &k, &v) == 0 && v.mv_size == 8)
            memcpy (&n, v.mv_data, 8);
        snprintf (labels, sizeof labels, "tier=\"%s\"", tiers[i]);
        bc_metrics_set (m, "balcao_open_tickets", labels, (double) n);
    }
    mdb_txn_abort (txn);
}

void *
router_server_setup (bc_service_t *svc)
{
    bc_config_t *config = bc_service_config (svc);
    router_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->catalog = router_catalog_new (config);
    char err[256];
    self->calendar = bc_calendar_new (config, err, sizeof err);
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
    /* A ticket's record and thread grow after they are written: packed
     * again when sparse (bc_service_repack; the *_repack databases are
     * empty but inside that transaction). */
    bc_service_repack (svc, "tickets", "tickets_repack");
    bc_service_repack (svc, "thread", "thread_repack");
    self->db_meta = bc_service_dbi (svc, "meta");
    self->db_ticket_log = bc_service_dbi (svc, "ticket_log");
    self->db_history = bc_service_dbi (svc, "history");
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
    self->pdbs.organizations = bc_service_dbi (svc, "organizations");
    self->pdbs.restricted = bc_config_str (config, "router/access/restricted_organizations", "");
    bc_service_consume (svc, "intake", router_on_intake);
    bc_service_consume (svc, "kb", s_on_kb);
    router_reads_register (svc);
    router_history_register (svc);
    router_commands_register (svc);
    router_moves_register (svc);
    router_assign_register (svc);
    router_desk_register (svc);
    router_feed_register (svc);
    router_reports_register (svc);
    router_settings_register (svc);
    router_catalog_edit_register (svc);
    router_orgs_register (svc);
    router_erase_register (svc);
    router_export_register (svc);
    router_lgpd_retention_setup (self);
    /* The SLA alarm is armed after every commit, and now for what is due. */
    bc_service_hooks (svc, s_before_batch, NULL, s_after_commit);
    router_after_commit (self);
    router_metrics_setup (self);
    bc_service_wake (svc); /* the first transaction seeds people */
    return self;
}

void
router_server_teardown (void *state)
{
    router_t *self = state;
    router_catalog_destroy (&self->catalog);
    bc_calendar_destroy (&self->calendar);
    router_macros_destroy (&self->macros);
    if (self->catalog_store)
        balcao__v1__catalog__free_unpacked (self->catalog_store, NULL);
    free (self);
}
