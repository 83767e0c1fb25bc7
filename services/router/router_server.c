/* router_server: where a ticket gets its number.
 *
 * LMDB (see docs/ARCHITECTURE.md):
 *   tickets   ticket (u64 BE)                 -> balcao.v1.Ticket (no messages)
 *   thread    ticket (u64 BE) + index (u32 BE) -> balcao.v1.TicketMessage
 *   meta      "next_ticket"                    -> u64 BE
 */
#include "router_server.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"

#include <stdlib.h>
#include <string.h>

const char *const router_dbs[] = {"tickets", "thread", "meta"};
const int router_ndbs = 3;

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_tickets, db_thread, db_meta;
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
        unsigned char key[8];
        bc_key_from_u64 (existing->number, key);
        if ((rc = s_put_msg (txn, self->db_tickets, key, 8, &existing->base, 0)))
            goto done;
        if ((rc = s_put_thread (self, txn, existing->number, index, &m)))
            goto done;
        Balcao__V1__MessageAppended out = BALCAO__V1__MESSAGE_APPENDED__INIT;
        out.ticket = existing->number;
        out.message = &m;
        rc = bc_tx_emit (tx, &out.base);
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
    rc = bc_tx_emit (tx, &out.base);
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

void *
router_server_setup (bc_service_t *svc)
{
    router_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->db_tickets = bc_service_dbi (svc, "tickets");
    self->db_thread = bc_service_dbi (svc, "thread");
    self->db_meta = bc_service_dbi (svc, "meta");
    bc_service_consume (svc, "intake", s_on_intake);
    bc_service_on_command (svc, &balcao__v1__get_ticket__descriptor, 0, s_get);
    bc_service_on_command (svc, &balcao__v1__list_tickets__descriptor, 0, s_list);
    return self;
}

void
router_server_teardown (void *state)
{
    free (state);
}
