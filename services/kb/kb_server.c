/* kb_server: keeps the Xapian index of tickets in step with router's log.
 *
 * Exactly once across two stores: documents are replaced by id term (so
 * indexing the same event twice is harmless), and Xapian commits before the
 * LMDB transaction that advances the cursor. A crash in between replays the
 * events into documents that are already there.
 *
 * LMDB: the runtime's databases, and keys/key_of: the people's CURVE keys,
 * copied from the router's PersonChanged events (bc_keys.h).
 * Xapian: <data_dir>/kb/xapian, one document per ticket, id term "Q<N>". */
#include "kb_server.h"

#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_keys.h"
#include "bc_log.h"
#include "kb_index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

const char *const kb_dbs[] = {"keys", "key_of"};
const int kb_ndbs = 2;

typedef struct {
    bc_service_t *svc;
    kb_index_t *index;
    bc_keys_t keys;
} kb_t;

static int
s_on_router (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    kb_t *self = state;
    int rc = 0;
    if (bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            ev, &balcao__v1__ticket_created__descriptor);
        if (tc && tc->ticket) {
            const Balcao__V1__Ticket *t = tc->ticket;
            rc = kb_index_put_ticket (self->index, t->number, t->subject,
                                      t->n_messages ? t->messages[0]->body : "");
        }
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
    }
    else if (bc_envelope_is (ev, &balcao__v1__person_changed__descriptor)) {
        /* Agents search with their own key (balcao login): admit it here too. */
        Balcao__V1__PersonChanged *pc = (Balcao__V1__PersonChanged *) bc_envelope_payload (
            ev, &balcao__v1__person_changed__descriptor);
        int krc = pc && pc->person ? bc_keys_on_person (&self->keys, bc_tx_txn (tx), pc->person) : 0;
        if (pc)
            balcao__v1__person_changed__free_unpacked (pc, NULL);
        if (krc)
            return krc;
    }
    else if (bc_envelope_is (ev, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *ma = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            ev, &balcao__v1__message_appended__descriptor);
        if (ma && ma->message)
            rc = kb_index_add_text (self->index, ma->ticket, ma->message->body);
        if (ma)
            balcao__v1__message_appended__free_unpacked (ma, NULL);
    }
    if (rc) {
        /* Xapian failed (disk full, corruption): stop rather than skip. */
        bc_error ("event=index_failed seq=%llu reason=\"%s\"", (unsigned long long) ev->seq,
                  kb_index_error (self->index));
        return EIO;
    }
    return 0;
}

static int
s_before_commit (void *state, bc_tx_t *tx)
{
    (void) tx;
    kb_t *self = state;
    if (kb_index_commit (self->index)) {
        bc_error ("event=index_commit_failed reason=\"%s\"", kb_index_error (self->index));
        return EIO;
    }
    return 0;
}

static int
s_search (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) tx, (void) request;
    kb_t *self = state;
    const Balcao__V1__SearchTickets *req = (const Balcao__V1__SearchTickets *) payload;
    int limit = req->limit ? (int) req->limit : 10;
    if (limit > 100)
        limit = 100;
    kb_hit_t hits[100];
    uint64_t estimated = 0;
    int n = kb_index_search (self->index, req->query ? req->query : "", hits, limit, &estimated);
    if (n < 0) {
        bc_reply_error (reply, "invalid", "a busca falhou: %s",
                        "the search failed: %s", kb_index_error (self->index));
        return 0;
    }
    Balcao__V1__TicketHit out_hits[100];
    Balcao__V1__TicketHit *ptrs[100];
    for (int i = 0; i < n; i++) {
        balcao__v1__ticket_hit__init (&out_hits[i]);
        out_hits[i].ticket = hits[i].ticket;
        out_hits[i].score = hits[i].score;
        out_hits[i].subject = hits[i].subject;
        ptrs[i] = &out_hits[i];
    }
    Balcao__V1__SearchTicketsReply out = BALCAO__V1__SEARCH_TICKETS_REPLY__INIT;
    out.hits = ptrs;
    out.n_hits = (size_t) n;
    out.estimated = estimated;
    bc_reply_ok (reply, &out.base);
    return 0;
}

void *
kb_server_setup (bc_service_t *svc)
{
    kb_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    char path[4096], err[512];
    snprintf (path, sizeof path, "%s/xapian", bc_service_dir (svc));
    self->index = kb_index_open (path, err, sizeof err);
    if (!self->index) {
        bc_error ("event=index_open_failed path=%s reason=\"%s\"", path, err);
        free (self);
        return NULL;
    }
    bc_keys_attach (&self->keys, svc);
    bc_service_consume (svc, "router", s_on_router);
    bc_service_hooks (svc, NULL, s_before_commit, NULL);
    /* Each Xapian commit syncs several files: index in larger batches. */
    bc_service_set_batch_delay (svc, (int) bc_config_int (bc_service_config (svc),
                                                          "kb/batch_delay_ms", 200));
    bc_service_on_command (svc, &balcao__v1__search_tickets__descriptor, 0, s_search);
    return self;
}

void
kb_server_teardown (void *state)
{
    kb_t *self = state;
    kb_index_close (&self->index);
    free (self);
}
