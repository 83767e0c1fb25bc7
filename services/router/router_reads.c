/* router_reads: who may read a ticket, and the reads: GetTicket (with its
 * thread), ListTickets (all, a customer's, an organization's; staff: any
 * customer's, newest first). A ticket's history: router_history.c. */
#include "router_internal.h"

#include "bc_events.h"
#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The organization whose tickets a customer follows, in org ("" when none
 * or not allowed). */
static int
s_followed_org (router_t *self, MDB_txn *txn, const char *principal, char *org, size_t size)
{
    *org = 0;
    if (strncmp (principal, "customer:", 9) != 0)
        return 0;
    Balcao__V1__Person *p;
    int rc = router_people_get (txn, &self->pdbs, principal, &p);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (p->sees_organization)
        snprintf (org, size, "%s", p->organization);
    balcao__v1__person__free_unpacked (p, NULL);
    return 0;
}

/* True when principal is a registered service principal with permission. */
static int
s_service_may (router_t *self, MDB_txn *txn, const char *principal, const char *permission)
{
    if (strncmp (principal, "service:", 8) != 0)
        return 0;
    Balcao__V1__Person *p;
    if (router_people_get (txn, &self->pdbs, principal, &p))
        return 0;
    int may = 0;
    for (size_t i = 0; i < p->n_permissions; i++)
        may |= strcmp (p->permissions[i], permission) == 0;
    balcao__v1__person__free_unpacked (p, NULL);
    return may;
}

int
router_hides (router_t *self, MDB_txn *txn, const char *principal, const Balcao__V1__Ticket *t)
{
    if (!t || strncmp (principal, "agent:", 6) != 0
        || !router_org_is_restricted (self->pdbs.restricted, t->organization))
        return 0;
    Balcao__V1__Person *p;
    if (router_people_get (txn, &self->pdbs, principal, &p))
        return 1;
    int serves = router_people_serves (&self->pdbs, p, t->organization);
    balcao__v1__person__free_unpacked (p, NULL);
    return !serves;
}

/* Who may read a ticket: the support team, all of it (an agent, but for a
 * restricted organization's tickets they do not serve: router_hides); registered systems
 * with the read permission, its customer, and colleagues who follow their
 * organization's tickets, all but internal notes; nobody else. 0 = no,
 * 1 = public part, 2 = everything. */
int
router_read_access (router_t *self, MDB_txn *txn, const char *principal, const Balcao__V1__Ticket *t)
{
    if (router_is_agent (principal))
        return router_hides (self, txn, principal, t) ? 0 : 2;
    if (strncmp (principal, "service:", 8) == 0)
        return s_service_may (self, txn, principal, "read");
    if (!t)
        return 0;
    if (router_is_customer_of (principal, t))
        return 1;
    char org[256];
    if (*t->organization && s_followed_org (self, txn, principal, org, sizeof org) == 0 && *org
        && strcasecmp (org, t->organization) == 0)
        return 1;
    return 0;
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
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
    if (!t)
        return rc;
    int access = router_read_access (self, txn, bc_tx_principal (tx), t);
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
            if (msgs[n] && msgs[n]->is_internal && access < 2)
                balcao__v1__ticket_message__free_unpacked (msgs[n], NULL);
            else if (msgs[n])
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

/* Answers with the tickets when rc is 0, then frees them and list. */
int
router_reply_tickets (bc_reply_t *reply, Balcao__V1__Ticket **list, size_t n, uint64_t total, int rc)
{
    if (rc == 0) {
        Balcao__V1__TicketList out = BALCAO__V1__TICKET_LIST__INIT;
        out.tickets = list;
        out.n_tickets = n;
        out.total = total;
        bc_reply_ok (reply, &out.base);
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__ticket__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

/* Tickets filed under a name in a by-name index (a customer's own, their
 * organization's, an agent's), by number. */
int
router_list_index (router_t *self, bc_tx_t *tx, MDB_dbi dbi, const char *kind, const char *name,
                   uint64_t after, uint32_t limit, bc_reply_t *reply)
{
    MDB_txn *txn = bc_tx_txn (tx);
    unsigned char prefix[400], from[400];
    size_t plen = router_name_key (kind, name, 0, prefix, sizeof prefix);
    size_t flen = router_name_key (kind, name, after + 1, from, sizeof from);
    Balcao__V1__Ticket **list = calloc (limit, sizeof *list);
    size_t n = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, dbi, &cur);
    if (rc == 0) {
        MDB_val k = {flen, from}, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && n < limit && k.mv_size == plen + 8 && memcmp (k.mv_data, prefix, plen) == 0) {
            MDB_val num = {8, (char *) k.mv_data + plen};
            int grc;
            Balcao__V1__Ticket *t = router_get_ticket (self, txn, bc_key_to_u64 (&num), &grc);
            if (t && router_hides (self, txn, bc_tx_principal (tx), t))
                balcao__v1__ticket__free_unpacked (t, NULL);
            else if (t)
                list[n++] = t;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    return router_reply_tickets (reply, list, n, n, rc);
}

/* A customer's tickets, newest first: numbers below before (0: from the
 * newest); total counts them all (key-only). */
static int
s_list_customer (router_t *self, bc_tx_t *tx, const char *address, uint64_t before,
                 uint32_t limit, bc_reply_t *reply)
{
    MDB_txn *txn = bc_tx_txn (tx);
    unsigned char prefix[400], from[400];
    size_t plen = router_name_key ("customer:", address, 0, prefix, sizeof prefix);
    size_t flen = router_name_key ("customer:", address, before ? before : UINT64_MAX, from,
                                   sizeof from);
    Balcao__V1__Ticket **list = calloc (limit, sizeof *list);
    size_t n = 0;
    uint64_t total = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_by_customer, &cur);
    if (rc == 0) {
        /* The last key below from, then backwards. */
        MDB_val k = {flen, from}, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        rc = mdb_cursor_get (cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
        while (rc == 0 && n < limit && k.mv_size == plen + 8
               && memcmp (k.mv_data, prefix, plen) == 0) {
            MDB_val num = {8, (char *) k.mv_data + plen};
            int grc;
            Balcao__V1__Ticket *t = router_get_ticket (self, txn, bc_key_to_u64 (&num), &grc);
            if (t && router_hides (self, txn, bc_tx_principal (tx), t))
                balcao__v1__ticket__free_unpacked (t, NULL);
            else if (t)
                list[n++] = t;
            rc = mdb_cursor_get (cur, &k, &v, MDB_PREV);
        }
        k.mv_size = plen;
        k.mv_data = prefix;
        rc = rc == 0 || rc == MDB_NOTFOUND ? mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE) : rc;
        while (rc == 0 && k.mv_size == plen + 8 && memcmp (k.mv_data, prefix, plen) == 0) {
            total++;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    return router_reply_tickets (reply, list, n, total, rc);
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
    const char *who = bc_tx_principal (tx);
    if (*req->customer) {
        int is_own = strncmp (who, "customer:", 9) == 0 && strcasecmp (who + 9, req->customer) == 0;
        if (!router_is_agent (who) && !is_own) {
            bc_reply_error (reply, "forbidden",
                            "só a equipe de suporte lista os chamados de outro cliente",
                            "only the support team lists another customer's tickets");
            return 0;
        }
        return s_list_customer (self, tx, req->customer, req->after, limit, reply);
    }
    if (!router_is_agent (who) && !s_service_may (self, txn, who, "read")) {
        if (strncmp (who, "customer:", 9) != 0) {
            bc_reply_error (reply, "forbidden", "identifique-se para listar chamados",
                        "say who you are to list tickets");
            return 0;
        }
        char org[256];
        int rc = s_followed_org (self, txn, who, org, sizeof org);
        if (rc)
            return rc;
        if (*org)
            return router_list_index (self, tx, self->db_by_org, "", org, req->after, limit, reply);
        return router_list_index (self, tx, self->db_by_customer, "customer:", who + 9, req->after,
                                  limit, reply);
    }
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
            if (list[n] && router_hides (self, txn, who, list[n]))
                balcao__v1__ticket__free_unpacked (list[n], NULL);
            else if (list[n])
                n++;
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close (cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    return router_reply_tickets (reply, list, n, st.ms_entries, rc);
}

void
router_reads_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__get_ticket__descriptor, 0, s_get);
    bc_service_on_command (svc, &balcao__v1__list_tickets__descriptor, 0, s_list);
}
