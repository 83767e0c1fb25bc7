/* kb_tickets: tickets in kb, from the router's log. kb keeps its own record
 * of each ticket (LMDB `tickets`: subject, customer, public texts, internal
 * notes, status, resolution) so that it can re-index a ticket when a message
 * joins it and draft an article from it, and indexes it in Xapian
 * (<data_dir>/kb/tickets, id = the number): public text for everyone
 * allowed, notes only for staff.
 *
 * Recurring problems: when a ticket is created, the tickets created in the
 * window before it (kb/recurring/window_minutes, by the tickets' own times,
 * so a replay decides the same) that are like it above
 * kb/recurring/similarity (kb_index_similarity) and in no problem yet are
 * candidates; the largest group of them all alike to each other (greedy,
 * most similar first) with the new ticket, once it reaches
 * kb/recurring/min_tickets, becomes one ProblemSuspected, and its tickets
 * join no other. A new ticket like a ticket already in a suspected problem
 * is counted in that problem (kb's record) and starts no new one: a long
 * burst is one problem, not one per five tickets. */
#include "bc_log.h"
#include "bc_orgs.h"
#include "kb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (64 * 1024)

Balcao__V1__KbTicket *
kb_ticket_get (kb_t *self, MDB_txn *txn, uint64_t number)
{
    unsigned char key[8];
    bc_key_from_u64 (number, key);
    MDB_val k = {8, key}, v;
    if (mdb_get (txn, self->db_tickets, &k, &v))
        return NULL;
    return balcao__v1__kb_ticket__unpack (NULL, v.mv_size, v.mv_data);
}

/* The router's rule (router_hides): an agent does not see a ticket of a
 * restricted organization they do not serve; supervisors, admins and
 * services see all. */
static int
s_hidden (kb_t *self, MDB_txn *txn, const char *principal, const Balcao__V1__KbTicket *t)
{
    if (!t || !*self->restricted || strncmp (principal, "agent:", 6) != 0
        || !bc_orgs_has (self->restricted, t->organization))
        return 0;
    MDB_val k = {strlen (principal), (void *) principal}, v;
    char serves[4096] = "";
    if (mdb_get (txn, self->db_agent_orgs, &k, &v) == 0)
        snprintf (serves, sizeof serves, "%.*s", (int) v.mv_size, (const char *) v.mv_data);
    return !bc_orgs_serves (self->restricted, serves, t->organization);
}

Balcao__V1__KbTicket *
kb_ticket_known (kb_t *self, MDB_txn *txn, const char *principal, uint64_t number,
                 bc_reply_t *reply)
{
    Balcao__V1__KbTicket *t = kb_ticket_get (self, txn, number);
    /* As the router answers: to this agent the ticket does not exist. */
    if (t && s_hidden (self, txn, principal, t)) {
        balcao__v1__kb_ticket__free_unpacked (t, NULL);
        t = NULL;
    }
    if (!t)
        bc_reply_error (reply, "not_found", "o chamado #%llu não está na base de conhecimento",
                        "ticket #%llu is not in the knowledge base", (unsigned long long) number);
    return t;
}

static int
s_store (kb_t *self, MDB_txn *txn, const Balcao__V1__KbTicket *t)
{
    unsigned char key[8];
    bc_key_from_u64 (t->number, key);
    return kb_put_msg (txn, self->db_tickets, key, 8, &t->base);
}

/* LMDB splits a full page into two halves, and a ticket's record grows
 * after it is written (messages, status, resolution): the pages of closed
 * tickets end about half full (740 bytes a closed ticket of 340 in the
 * disk benchmark). Copied out in key order and back, every page is full. */
int
kb_tickets_repack (kb_t *self, MDB_txn *txn, size_t *pages_before, size_t *pages_after)
{
    return bc_store_repack (txn, self->db_tickets, self->db_repack, pages_before, pages_after);
}

/* texts joined by blank lines, at most MAX_TEXT bytes. */
static char *
s_join (char **texts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen (texts[i]) + 2;
    if (len > MAX_TEXT)
        len = MAX_TEXT;
    char *out = calloc (1, len + 1);
    for (size_t i = 0; i < n; i++) {
        size_t have = strlen (out);
        if (have + 2 >= len)
            break;
        snprintf (out + have, len + 1 - have, "%s%s", i ? "\n\n" : "", texts[i]);
    }
    return out;
}

static int
s_index (kb_t *self, const Balcao__V1__KbTicket *t)
{
    char id[24], status[64], customer[300];
    snprintf (id, sizeof id, "%llu", (unsigned long long) t->number);
    snprintf (status, sizeof status, "S%s", t->status);
    snprintf (customer, sizeof customer, "U%s", t->customer);
    for (char *p = customer; *p; p++)
        *p = p == customer ? *p : (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    char *body = s_join (t->texts, t->n_texts);
    char *notes = s_join (t->notes, t->n_notes);
    kb_doc_t doc = {.id = id, .title = t->subject, .body = body, .private_text = notes,
                    .language = t->language, .filters = {status, customer}, .nfilters = 2,
                    .time_us = t->created_us, .is_text_kept_elsewhere = 1};
    int rc = kb_index_put (self->tickets, &doc);
    free (body);
    free (notes);
    return rc;
}

int
kb_ticket_put (kb_t *self, MDB_txn *txn, const Balcao__V1__KbTicket *t)
{
    int rc = s_store (self, txn, t);
    return rc ? rc : s_index (self, t);
}

static int
s_reindex_one (kb_t *self, const MDB_val *value, void *arg)
{
    (void) arg;
    Balcao__V1__KbTicket *t = balcao__v1__kb_ticket__unpack (NULL, value->mv_size, value->mv_data);
    if (!t)
        return 0;
    int rc = s_index (self, t);
    balcao__v1__kb_ticket__free_unpacked (t, NULL);
    return rc;
}

int
kb_tickets_reindex (kb_t *self)
{
    return kb_each_record (self, self->db_tickets, s_reindex_one, NULL);
}

int
kb_tickets_repair (kb_t *self, MDB_txn *txn, const char *id)
{
    unsigned char key[8];
    bc_key_from_u64 (strtoull (id, NULL, 10), key);
    MDB_val k = {8, key}, v;
    int rc = mdb_get (txn, self->db_tickets, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__KbTicket *t =
        rc ? NULL : balcao__v1__kb_ticket__unpack (NULL, v.mv_size, v.mv_data);
    rc = t ? s_index (self, t) : kb_index_delete (self->tickets, id);
    if (t)
        balcao__v1__kb_ticket__free_unpacked (t, NULL);
    return rc;
}

/* Appends text to a repeated string field of a ticket being rebuilt. */
static void
s_append (char ***list, size_t *n, const char *text)
{
    *list = realloc (*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = strdup (text ? text : "");
}

/* Sorts ticket numbers ascending. */
static int
s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* Marks a ticket as part of the suspected problem first (0: none). */
static int
s_mark (kb_t *self, MDB_txn *txn, uint64_t number, uint64_t first)
{
    Balcao__V1__KbTicket *c = kb_ticket_get (self, txn, number);
    if (!c)
        return 0;
    c->problem = first;
    int rc = s_store (self, txn, c);
    balcao__v1__kb_ticket__free_unpacked (c, NULL);
    return rc;
}

static int
s_recurring (kb_t *self, bc_tx_t *tx, const Balcao__V1__KbTicket *t)
{
    if (self->recurring_min < 2 || self->is_replica) /* kb alone looks, once */
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    char id[24];
    snprintf (id, sizeof id, "%llu", (unsigned long long) t->number);
    kb_query_t q = {.limit = 50, .min_time_us = t->created_us - self->recurring_window,
                    .max_time_us = t->created_us, .is_recent_first = 1, .is_ids_only = 1};
    kb_results_t *r = NULL;
    if (kb_index_similar (self->tickets, id, &q, &r))
        return 0;
    enum { MAX = 64 };
    char *ids[MAX];
    uint64_t numbers[MAX];
    int n = 0;
    uint64_t covered_by = 0; /* a suspected problem it is like */
    ids[n] = id;
    numbers[n++] = t->number;
    for (int i = 0; i < r->nhits && n < self->recurring_min && n < MAX; i++) {
        uint64_t number = strtoull (r->hits[i].id, NULL, 10);
        if (number == t->number
            || kb_index_similarity (self->tickets, id, r->hits[i].id) < self->recurring_similarity)
            continue;
        Balcao__V1__KbTicket *c = kb_ticket_get (self, txn, number);
        uint64_t problem = c ? c->problem : 0;
        if (c)
            balcao__v1__kb_ticket__free_unpacked (c, NULL);
        if (!c)
            continue;
        if (problem) {
            if (!covered_by)
                covered_by = problem;
            continue;
        }
        /* Mutually alike: the candidate with every member so far. */
        int alike = 1;
        for (int m = 1; m < n && alike; m++)
            alike = kb_index_similarity (self->tickets, ids[m], r->hits[i].id)
                    >= self->recurring_similarity;
        if (!alike)
            continue;
        ids[n] = r->hits[i].id;
        numbers[n++] = number;
    }
    int rc = 0;
    if (n >= self->recurring_min) {
        /* The first ticket's text, as written: its record (the index keeps
         * only its title). */
        char *words[8], *body = s_join (t->texts, t->n_texts);
        int nwords = kb_index_shared_words (self->tickets, (const char *const *) ids, n,
                                            t->subject, body, words, 8);
        free (body);
        if (nwords < 0)
            nwords = 0;
        qsort (numbers, (size_t) n, sizeof numbers[0], s_cmp_u64);
        char subject[512] = "Possível problema recorrente";
        for (int w = 0; w < nwords && w < 4; w++)
            snprintf (subject + strlen (subject), sizeof subject - strlen (subject), "%s%s",
                      w ? ", " : ": ", words[w]);
        snprintf (subject + strlen (subject), sizeof subject - strlen (subject),
                  " (%d chamados)", n);
        Balcao__V1__ProblemSuspected ev = BALCAO__V1__PROBLEM_SUSPECTED__INIT;
        ev.tickets = numbers;
        ev.n_tickets = (size_t) n;
        ev.terms = words;
        ev.n_terms = (size_t) nwords;
        ev.subject = subject;
        for (int m = 0; m < n && !rc; m++)
            rc = s_mark (self, txn, numbers[m], numbers[0]);
        bc_tx_set_principal (tx, "system:kb");
        if (!rc)
            rc = bc_tx_emit (tx, &ev.base);
        if (!rc)
            bc_info ("event=problem_suspected first=%llu tickets=%d",
                     (unsigned long long) numbers[0], n);
        for (int w = 0; w < nwords; w++)
            free (words[w]);
    }
    else if (covered_by)
        /* Like a problem already suspected: it belongs there, not to a new
         * one (kb's record only; the router hears of each problem once). */
        rc = s_mark (self, txn, t->number, covered_by);
    kb_results_destroy (&r);
    return rc;
}

static int
s_on_created (kb_t *self, bc_tx_t *tx, const Balcao__V1__Ticket *t)
{
    Balcao__V1__KbTicket k = BALCAO__V1__KB_TICKET__INIT;
    k.number = t->number;
    k.subject = t->subject;
    k.customer = t->customer_address;
    k.status = t->status;
    k.created_us = t->created_us;
    k.language = t->language;
    k.category = t->category;
    k.organization = t->organization;
    char **texts = NULL, **notes = NULL;
    for (size_t i = 0; i < t->n_messages; i++) {
        if (t->messages[i]->is_internal)
            s_append (&notes, &k.n_notes, t->messages[i]->body);
        else
            s_append (&texts, &k.n_texts, t->messages[i]->body);
    }
    k.texts = texts;
    k.notes = notes;
    int rc = s_store (self, bc_tx_txn (tx), &k);
    if (!rc && s_index (self, &k))
        rc = -1;
    if (!rc)
        rc = s_recurring (self, tx, &k);
    for (size_t i = 0; i < k.n_texts; i++)
        free (texts[i]);
    for (size_t i = 0; i < k.n_notes; i++)
        free (notes[i]);
    free (texts);
    free (notes);
    return rc;
}

/* A message joined the ticket, or its status changed: update and re-index. */
static int
s_on_change (kb_t *self, bc_tx_t *tx, uint64_t number, const Balcao__V1__TicketMessage *m,
             const Balcao__V1__TicketStatusChanged *sc)
{
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__KbTicket *t = kb_ticket_get (self, txn, number);
    if (!t)
        return 0; /* not seen created (merged away, or older than kb) */
    char **texts = t->texts, **notes = t->notes;
    size_t n_texts = t->n_texts, n_notes = t->n_notes;
    char **own_texts = NULL, **own_notes = NULL;
    size_t n_own_texts = 0, n_own_notes = 0;
    /* New lists that own copies (the unpacked ones belong to protobuf-c). */
    for (size_t i = 0; i < n_texts; i++)
        s_append (&own_texts, &n_own_texts, texts[i]);
    for (size_t i = 0; i < n_notes; i++)
        s_append (&own_notes, &n_own_notes, notes[i]);
    if (m && m->is_internal)
        s_append (&own_notes, &n_own_notes, m->body);
    else if (m)
        s_append (&own_texts, &n_own_texts, m->body);
    char *old_status = t->status, *old_resolution = t->resolution;
    if (sc) {
        t->status = sc->to_status;
        if (strcmp (sc->action, "resolve") == 0 && *sc->text)
            t->resolution = sc->text;
    }
    t->texts = own_texts;
    t->n_texts = n_own_texts;
    t->notes = own_notes;
    t->n_notes = n_own_notes;
    int rc = s_store (self, txn, t);
    if (!rc && s_index (self, t))
        rc = -1;
    for (size_t i = 0; i < n_own_texts; i++)
        free (own_texts[i]);
    for (size_t i = 0; i < n_own_notes; i++)
        free (own_notes[i]);
    free (own_texts);
    free (own_notes);
    t->texts = texts;
    t->n_texts = n_texts;
    t->notes = notes;
    t->n_notes = n_notes;
    t->status = old_status;
    t->resolution = old_resolution;
    balcao__v1__kb_ticket__free_unpacked (t, NULL);
    return rc;
}

int
kb_tickets_on_event (kb_t *self, bc_tx_t *tx, const bc_envelope_t *ev)
{
    int rc = 0;
    if (bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            ev, &balcao__v1__ticket_created__descriptor);
        if (tc && tc->ticket)
            rc = s_on_created (self, tx, tc->ticket);
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
    }
    else if (bc_envelope_is (ev, &balcao__v1__message_appended__descriptor)) {
        Balcao__V1__MessageAppended *ma = (Balcao__V1__MessageAppended *) bc_envelope_payload (
            ev, &balcao__v1__message_appended__descriptor);
        if (ma && ma->message)
            rc = s_on_change (self, tx, ma->ticket, ma->message, NULL);
        if (ma)
            balcao__v1__message_appended__free_unpacked (ma, NULL);
    }
    else if (bc_envelope_is (ev, &balcao__v1__ticket_status_changed__descriptor)) {
        Balcao__V1__TicketStatusChanged *sc =
            (Balcao__V1__TicketStatusChanged *) bc_envelope_payload (
                ev, &balcao__v1__ticket_status_changed__descriptor);
        if (sc)
            rc = s_on_change (self, tx, sc->number, NULL, sc);
        if (sc)
            balcao__v1__ticket_status_changed__free_unpacked (sc, NULL);
    }
    if (rc == -1) {
        bc_error ("event=index_failed seq=%llu reason=\"%s\"", (unsigned long long) ev->seq,
                  kb_index_error (self->tickets));
        return kb_index_failed (tx, self->tickets);
    }
    return rc;
}

int
kb_agent_orgs_put (kb_t *self, MDB_txn *txn, const Balcao__V1__Person *person)
{
    if (strncmp (person->id, "agent:", 6) != 0)
        return 0;
    char list[4096] = "";
    for (size_t i = 0; i < person->n_organizations; i++) {
        size_t used = strlen (list);
        snprintf (list + used, sizeof list - used, "%s%s", used ? "; " : "",
                  person->organizations[i]);
    }
    MDB_val k = {strlen (person->id), person->id}, v = {strlen (list), list};
    int rc = *list ? mdb_put (txn, self->db_agent_orgs, &k, &v, 0)
                   : mdb_del (txn, self->db_agent_orgs, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Search hits as TicketHits into a reply, at most limit; for staff with
 * each ticket's status and resolution from kb's record, and without the
 * tickets the agent may not see (s_hidden). */
static void
s_reply_hits (kb_t *self, MDB_txn *txn, const char *principal, bc_reply_t *reply, kb_results_t *r,
              int limit)
{
    Balcao__V1__TicketHit hits[100];
    Balcao__V1__TicketHit *ptrs[100];
    Balcao__V1__KbTicket *records[100] = {NULL};
    int staff = kb_is_staff (principal), n = 0, hidden = 0;
    for (int i = 0; i < r->nhits && n < 100 && n < limit; i++) {
        balcao__v1__ticket_hit__init (&hits[n]);
        hits[n].ticket = strtoull (r->hits[i].id, NULL, 10);
        hits[n].score = r->hits[i].score;
        hits[n].subject = r->hits[i].title;
        records[n] = staff ? kb_ticket_get (self, txn, hits[n].ticket) : NULL;
        if (records[n] && s_hidden (self, txn, principal, records[n])) {
            balcao__v1__kb_ticket__free_unpacked (records[n], NULL);
            records[n] = NULL;
            hidden++;
            continue;
        }
        if (records[n]) {
            hits[n].status = records[n]->status;
            hits[n].resolution = records[n]->resolution;
        }
        ptrs[n] = &hits[n];
        n++;
    }
    if (r->estimated >= (uint64_t) hidden)
        r->estimated -= (uint64_t) hidden;
    Balcao__V1__SearchTicketsReply out = BALCAO__V1__SEARCH_TICKETS_REPLY__INIT;
    out.hits = ptrs;
    out.n_hits = (size_t) n;
    out.estimated = r->estimated;
    bc_reply_ok (reply, &out.base);
    for (int i = 0; i < n; i++)
        if (records[i])
            balcao__v1__kb_ticket__free_unpacked (records[i], NULL);
}

/* Customers find only their own tickets, and never by internal notes. */
static void
s_scope (const char *principal, kb_query_t *q, char *customer, size_t size)
{
    if (kb_is_staff (principal)) {
        q->include_private = 1;
        return;
    }
    const char *address = strncmp (principal, "customer:", 9) == 0 ? principal + 9 : "";
    snprintf (customer, size, "U%s", *address ? address : "\x01nobody");
    for (char *p = customer + 1; *p; p++)
        *p = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    q->filters[q->nfilters++] = customer;
}

static int
s_search (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__SearchTickets *req = (const Balcao__V1__SearchTickets *) payload;
    char customer[300];
    kb_query_t q = {.text = req->query, .limit = req->limit ? (int) req->limit : 10};
    if (q.limit > 100)
        q.limit = 100;
    int limit = q.limit;
    /* Some hits may be hidden from an agent: ask for more. */
    if (*self->restricted && strncmp (bc_tx_principal (tx), "agent:", 6) == 0)
        q.limit = limit * 3 < 100 ? limit * 3 : 100;
    s_scope (bc_tx_principal (tx), &q, customer, sizeof customer);
    kb_results_t *r = NULL;
    if (kb_index_search (self->tickets, &q, &r)) {
        bc_reply_error (reply, "internal", "a busca falhou: %s", "the search failed: %s",
                        kb_index_error (self->tickets));
        return 0;
    }
    s_reply_hits (self, bc_tx_txn (tx), bc_tx_principal (tx), reply, r, limit);
    kb_results_destroy (&r);
    return 0;
}

static int
s_similar (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
           bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__SimilarTickets *req = (const Balcao__V1__SimilarTickets *) payload;
    if (!kb_is_staff (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "só a equipe de suporte vê chamados semelhantes",
                        "only support staff see similar tickets");
        return 0;
    }
    Balcao__V1__KbTicket *t =
        kb_ticket_known (self, bc_tx_txn (tx), bc_tx_principal (tx), req->ticket, reply);
    if (!t)
        return 0;
    balcao__v1__kb_ticket__free_unpacked (t, NULL);
    char id[24];
    snprintf (id, sizeof id, "%llu", (unsigned long long) req->ticket);
    kb_query_t q = {.limit = req->limit ? (int) req->limit : 5};
    if (q.limit > 50)
        q.limit = 50;
    int limit = q.limit;
    if (*self->restricted && strncmp (bc_tx_principal (tx), "agent:", 6) == 0)
        q.limit = limit * 3;
    /* Solved: none of the statuses of a ticket still being worked on
     * (router.proto's Ticket.status). */
    static const char *const unsolved[] = {"Snovo", "Saberto", "Saguardando_cliente",
                                           "Sreaberto"};
    for (int i = 0; req->resolved_only && i < 4; i++)
        q.excludes[q.nexcludes++] = unsolved[i];
    kb_results_t *r = NULL;
    if (kb_index_similar (self->tickets, id, &q, &r)) {
        bc_reply_error (reply, "internal", "a busca falhou: %s", "the search failed: %s",
                        kb_index_error (self->tickets));
        return 0;
    }
    s_reply_hits (self, bc_tx_txn (tx), bc_tx_principal (tx), reply, r, limit);
    kb_results_destroy (&r);
    return 0;
}

void
kb_tickets_register (kb_t *self)
{
    bc_service_on_command (self->svc, &balcao__v1__search_tickets__descriptor, 0, s_search);
    bc_service_on_command (self->svc, &balcao__v1__similar_tickets__descriptor, 0, s_similar);
}
