/* router_history: a ticket's history, GetHistory (its events, one line
 * each, with their payloads for the dashboard's details), and what log
 * retention leaves of it. The events of a ticket are in the router's log
 * (`ticket_log` lists their sequence numbers); when retention prunes the
 * log (bc_service_retention.c), each event that belongs to a ticket's
 * history moves, as it was, to `history` (seq -> envelope), where
 * GetHistory finds it, without the texts of messages the thread already
 * holds. What is about no ticket goes: PersonChanged (people are in
 * `people`) and BotTurn (a conversation kb keeps). */
#include "router_internal.h"

#include "bc_events.h"
#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message as history needs it: who, when, how, its files, not its text
 * (the ticket's thread has it). */
static void
s_clear (char **field)
{
    /* protobuf-c gives an empty string as its shared empty string, which
     * free_unpacked leaves alone; any other was allocated by the unpack. */
    if (*field && *field != protobuf_c_empty_string) {
        free (*field);
        *field = (char *) protobuf_c_empty_string;
    }
}

static void
s_slim (Balcao__V1__TicketMessage *m)
{
    s_clear (&m->body);
    s_clear (&m->reply);
    s_clear (&m->message_id);
    s_clear (&m->message_ref);
    s_clear (&m->mail_class);
}

/* A new ticket as its history line needs it (who, how, what: the summary
 * and the dashboard's details) and its messages' files (balcao history);
 * the rest is the ticket's own record. */
static void
s_slim_ticket (Balcao__V1__Ticket *t)
{
    s_clear (&t->customer_name);
    s_clear (&t->origin_message_id);
    s_clear (&t->language);
    s_clear (&t->first_response_sla);
    s_clear (&t->resolution_sla);
    t->first_response_warn_us = t->first_response_due_us = 0;
    t->resolution_warn_us = t->resolution_due_us = 0;
    t->resolution_started_us = t->updated_us = 0;
    for (size_t i = 0; i < t->n_participants; i++)
        s_clear (&t->participants[i]);
    free (t->participants);
    t->participants = NULL;
    t->n_participants = 0;
    for (size_t i = 0; i < t->n_messages; i++)
        s_slim (t->messages[i]);
}

/* The event as history keeps it: a new ticket's and an appended message's
 * texts, ids and the ticket's own bookkeeping left out (the thread and the
 * ticket have them), and of the envelope what GetHistory reads (seq, time,
 * principal, type, payload: not its id). GetHistory's summaries, the
 * dashboard's details and balcao history's files read nothing left out.
 * Returns the packed record (free it). */
static uint8_t *
s_slimmed (const bc_envelope_t *event, size_t *len)
{
    ProtobufCMessage *m = NULL;
    if (bc_envelope_is (event, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *e = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            event, &balcao__v1__ticket_created__descriptor);
        if (e && e->ticket)
            s_slim_ticket (e->ticket);
        m = e ? &e->base : NULL;
    }
    else if (bc_envelope_is (event, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *e = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            event, &balcao__v1__message_appended__descriptor);
        if (e && e->message)
            s_slim (e->message);
        m = e ? &e->base : NULL;
    }
    Balcao__V1__Envelope kept = *event; /* shallow: the event's strings */
    kept.id = kept.source = kept.correlation_id = (char *) protobuf_c_empty_string;
    uint8_t *payload = NULL;
    if (m) {
        kept.payload.len = protobuf_c_message_get_packed_size (m);
        payload = malloc (kept.payload.len ? kept.payload.len : 1);
        if (payload)
            protobuf_c_message_pack (m, payload);
        kept.payload.data = payload;
        protobuf_c_message_free_unpacked (m, NULL);
    }
    uint8_t *out = NULL;
    if (!m || payload) {
        *len = balcao__v1__envelope__get_packed_size (&kept);
        if ((out = malloc (*len ? *len : 1)))
            balcao__v1__envelope__pack (&kept, out);
    }
    free (payload);
    return out;
}

static int
s_prune (void *state, bc_tx_t *tx, const bc_envelope_t *event, const void *data, size_t len)
{
    router_t *self = state;
    if (bc_envelope_is (event, &balcao__v1__person_changed__descriptor)
        || bc_envelope_is (event, &balcao__v1__bot_turn__descriptor))
        return 0;
    unsigned char key[8];
    bc_key_from_u64 (event->seq, key);
    size_t slim_len = 0;
    uint8_t *slim = s_slimmed (event, &slim_len);
    /* (out of memory: kept whole) */
    MDB_val k = {8, key}, v = {slim ? slim_len : len, slim ? slim : (void *) data};
    /* Pruned oldest first: each key comes after every other, and
     * MDB_APPEND fills the pages instead of splitting them in halves. */
    int rc = mdb_put (bc_tx_txn (tx), self->db_history, &k, &v, MDB_APPEND);
    if (rc == MDB_KEYEXIST) /* not after the last (a history from elsewhere) */
        rc = mdb_put (bc_tx_txn (tx), self->db_history, &k, &v, 0);
    free (slim);
    return rc;
}

static int
s_history (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
           bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__GetHistory *req = (const Balcao__V1__GetHistory *) payload;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "o histórico do chamado é para a equipe de suporte",
                        "a ticket's history is for the support team");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = router_ticket_for_command (self, tx, req->number, reply, &rc);
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
        if (mdb_get (txn, self->db_log, &seq, &ev) == 0
            || mdb_get (txn, self->db_history, &seq, &ev) == 0) {
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
                bc_event_summary (env, 0, line, sizeof line);
                h->summary = strdup (line);
                bc_event_summary (env, 1, line, sizeof line);
                h->summary_en = strdup (line);
                /* Taken over: freed below, not with the envelope. */
                h->payload = env->payload;
                env->payload.data = NULL;
                env->payload.len = 0;
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
        free (entries[i].summary_en);
        free (entries[i].payload.data);
    }
    free (entries);
    free (ptrs);
    return rc;
}

void
router_history_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__get_history__descriptor, 0, s_history);
    bc_service_on_prune (svc, s_prune);
}
