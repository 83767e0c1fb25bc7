/* router_erase: LGPD erasure in the router (docs/ARCHITECTURE.md, "LGPD:
 * export and erasure"). ErasePerson (admins) anonymises a customer in one
 * transaction: their tickets keep number, status, tier, category,
 * priority, times, SLA results and CSAT score, and lose every text, name
 * and address (bc_scrub); their person record, their place in by_customer
 * and their web chat's conversation go; the router's log, stored replies
 * and quarantine are scrubbed too, and the store compacted after the
 * commit. PersonErased then tells intake, kb and notify the tickets and
 * message refs, with no personal data. ListErasures reads the audit.
 *
 * LMDB:
 *   erasures  "n" + id (u64 BE)            -> balcao.v1.Erasure (the audit)
 *             "h" + subject hash (64 hex)  -> id (u64 BE) of its last erasure
 *   meta      "next_erasure"               -> u64 BE
 */
#include "router_internal.h"

#include "bc_log.h"
#include "bc_phone.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static MDB_dbi
s_db (router_t *self)
{
    return bc_service_dbi (self->svc, "erasures");
}

static int
s_put_erasure (router_t *self, MDB_txn *txn, uint64_t id, const Balcao__V1__Erasure *e)
{
    unsigned char key[9] = {'n'};
    bc_key_from_u64 (id, key + 1);
    size_t len = protobuf_c_message_get_packed_size (&e->base);
    MDB_val k = {9, key}, v = {len, NULL};
    int rc = mdb_put (txn, s_db (self), &k, &v, MDB_RESERVE);
    if (rc == 0)
        protobuf_c_message_pack (&e->base, v.mv_data);
    return rc;
}

/* The audit's next id, "e<N>" in *name. */
static int
s_next_id (router_t *self, MDB_txn *txn, uint64_t *id, char *name, size_t size)
{
    *id = 1;
    int rc = bc_store_get_u64 (txn, self->db_meta, "next_erasure", id);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    snprintf (name, size, "e%llu", (unsigned long long) *id);
    return bc_store_put_u64 (txn, self->db_meta, "next_erasure", *id + 1);
}

/* The subject's tickets (by_customer), out of the index. */
typedef struct {
    const unsigned char *prefix;
    size_t plen;
    bc_scrub_t *scrub;
} s_pick_t;

static int
s_pick_ticket (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    s_pick_t *p = arg;
    if (k->mv_size != p->plen + 8 || memcmp (k->mv_data, p->prefix, p->plen) != 0)
        return 0;
    MDB_val num = {8, (char *) k->mv_data + p->plen};
    bc_scrub_add_ticket (p->scrub, bc_key_to_u64 (&num));
    return 1;
}

static int
s_tickets_of (router_t *self, MDB_txn *txn, const char *address, bc_scrub_t *scrub)
{
    unsigned char prefix[400];
    size_t plen = router_name_key ("customer:", address, 0, prefix, sizeof prefix);
    s_pick_t pick = {prefix, plen, scrub};
    return bc_store_delete_where (txn, self->db_by_customer, s_pick_ticket, &pick, NULL);
}

/* Writes message m back where the cursor stands. */
static int
s_put_back (MDB_cursor *cur, const MDB_val *k, const Balcao__V1__TicketMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size (&m->base);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return ENOMEM;
    protobuf_c_message_pack (&m->base, buf);
    int rc = bc_cursor_replace (cur, k, buf, len);
    free (buf);
    return rc;
}

/* Calls fn on each message of ticket number; a message fn changed (it
 * returns 1) is written back. */
typedef int (s_message_fn) (Balcao__V1__TicketMessage *m, void *arg);

static int
s_each_message (router_t *self, MDB_txn *txn, uint64_t number, s_message_fn *fn, void *arg)
{
    unsigned char key[8];
    bc_key_from_u64 (number, key);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_thread, &cur);
    if (rc)
        return rc;
    MDB_val k = {8, key}, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == 12 && memcmp (k.mv_data, key, 8) == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        Balcao__V1__TicketMessage *m = balcao__v1__ticket_message__unpack (NULL, v.mv_size,
                                                                           v.mv_data);
        if (!m)
            continue;
        if (fn (m, arg))
            rc = s_put_back (cur, &k, m);
        balcao__v1__ticket_message__free_unpacked (m, NULL);
        if (rc)
            break;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

typedef struct {
    bc_scrub_t *scrub;
    const char *person; /* NULL: retention (no person) */
    uint32_t *messages;
} s_walk_t;

/* A message's ref, and its author's name when it is the person's. */
static int
s_learn_message (Balcao__V1__TicketMessage *m, void *arg)
{
    s_walk_t *w = arg;
    bc_scrub_add_ref (w->scrub, m->message_ref);
    if (w->person && (strcasecmp (m->author, w->person) == 0
                      || strcasecmp (m->author, w->person + 9) == 0))
        bc_scrub_add_name (w->scrub, m->author_name);
    return 0;
}

static int
s_scrub_message (Balcao__V1__TicketMessage *m, void *arg)
{
    s_walk_t *w = arg;
    (*w->messages)++;
    return bc_scrub_owned (w->scrub, &m->base);
}

/* One ticket: its names and address as terms, its messages' refs. */
static int
s_learn_ticket (router_t *self, MDB_txn *txn, uint64_t number, const char *person,
                bc_scrub_t *scrub)
{
    int rc;
    Balcao__V1__Ticket *t = router_get_ticket (self, txn, number, &rc);
    if (!t)
        return rc == MDB_NOTFOUND ? 0 : rc;
    bc_scrub_add_term (scrub, t->customer_address);
    bc_scrub_add_name (scrub, t->customer_name);
    balcao__v1__ticket__free_unpacked (t, NULL);
    s_walk_t w = {scrub, person, NULL};
    return s_each_message (self, txn, number, s_learn_message, &w);
}

/* One ticket scrubbed: the record (marked erased), every message. */
static int
s_scrub_ticket (router_t *self, bc_tx_t *tx, uint64_t number, const bc_scrub_t *scrub,
                const char *erasure, uint32_t *messages)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = router_get_ticket (self, txn, number, &rc);
    if (!t)
        return rc == MDB_NOTFOUND ? 0 : rc;
    bc_scrub_owned (scrub, &t->base);
    t->erased_us = bc_tx_now_us (tx);
    router_set_string (&t->erasure, erasure);
    rc = router_put_ticket (self, txn, t);
    balcao__v1__ticket__free_unpacked (t, NULL);
    s_walk_t w = {(bc_scrub_t *) scrub, NULL, messages};
    return rc ? rc : s_each_message (self, txn, number, s_scrub_message, &w);
}

/* The person's record and key, their web chat's conversation. */
static int
s_forget_person (router_t *self, MDB_txn *txn, const char *person, const char *address,
                 bc_scrub_t *scrub, char *email, char *phone, size_t size)
{
    Balcao__V1__Person *p = NULL;
    int rc = router_people_get (txn, &self->pdbs, person, &p);
    if (rc == 0) {
        snprintf (email, size, "%s", p->email);
        snprintf (phone, size, "%s", p->phone);
        bc_scrub_add_term (scrub, p->email);
        bc_scrub_add_phone (scrub, p->phone);
        bc_scrub_add_tax_id (scrub, p->tax_id);
        bc_scrub_add_name (scrub, p->name);
        if (p->curve_key && *p->curve_key) {
            MDB_val kk = {strlen (p->curve_key), p->curve_key};
            mdb_del (txn, bc_service_dbi (self->svc, "keys"), &kk, NULL);
        }
        balcao__v1__person__free_unpacked (p, NULL);
        MDB_val k = {strlen (person), (char *) person};
        if ((rc = mdb_del (txn, self->pdbs.people, &k, NULL)) && rc != MDB_NOTFOUND)
            return rc;
        MDB_val ko = {strlen (person), (char *) person};
        rc = mdb_del (txn, bc_service_dbi (self->svc, "key_of"), &ko, NULL);
    }
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    char conv[400];
    snprintf (conv, sizeof conv, "conv:%.390s", address);
    MDB_val ck = {strlen (conv), conv};
    rc = mdb_del (txn, self->db_by_ref, &ck, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* What the subject wrote on other people's tickets (a copied colleague, a
 * follower of their organization's tickets): found by a walk of every
 * ticket's thread, each message scrubbed whole, its ref noted (so intake
 * scrubs its copy and files too). */
static int
s_messages_elsewhere (router_t *self, MDB_txn *txn, char (*identities)[330], int n,
                      bc_scrub_t *scrub, uint32_t *messages, Balcao__V1__PersonErased *touched)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_thread, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 8)
            continue;
        MDB_val num = {8, k.mv_data};
        if (bc_scrub_has_ticket (scrub, bc_key_to_u64 (&num)))
            continue; /* the subject's own: scrubbed with their ticket */
        /* Cheap test first: their address is somewhere in the bytes. */
        if (!bc_scrub_mentions (scrub, v.mv_data, v.mv_size))
            continue;
        Balcao__V1__TicketMessage *m = balcao__v1__ticket_message__unpack (NULL, v.mv_size,
                                                                           v.mv_data);
        int theirs = 0;
        /* A customer's message names them by address ("customer:" on
         * older records). */
        const char *author = m && strncmp (m->author, "customer:", 9) == 0 ? m->author + 9
                             : m                                          ? m->author
                                                                          : "";
        for (int i = 0; m && i < n && !theirs; i++)
            theirs = identities[i][0] && strcasecmp (author, identities[i]) == 0;
        if (theirs) {
            uint64_t number = bc_key_to_u64 (&num);
            size_t nt = touched->n_touched;
            if (!nt || touched->touched[nt - 1] != number) {
                uint64_t *grown = realloc (touched->touched, (nt + 1) * sizeof *grown);
                if (grown) {
                    touched->touched = grown;
                    touched->touched[touched->n_touched++] = number;
                }
            }
            char **hashes = realloc (touched->text_hashes,
                                     (touched->n_text_hashes + 1) * sizeof *hashes);
            char *hex = hashes ? malloc (65) : NULL;
            if (hashes)
                touched->text_hashes = hashes;
            if (hex) {
                bc_scrub_subject_hash (m->body, hex);
                touched->text_hashes[touched->n_text_hashes++] = hex;
            }
            bc_scrub_add_ref (scrub, m->message_ref);
            bc_scrub_owned (scrub, &m->base);
            rc = s_put_back (cur, &k, m);
            (*messages)++;
        }
        if (m)
            balcao__v1__ticket_message__free_unpacked (m, NULL);
        if (rc)
            break;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The erasure of this person when nothing of theirs came since (no
 * ticket, no person record), else NULL. */
static Balcao__V1__Erasure *
s_done_before (router_t *self, MDB_txn *txn, const char *person, const char *hash)
{
    unsigned char hkey[65] = {'h'};
    memcpy (hkey + 1, hash, 64);
    MDB_val hk = {65, hkey}, hv;
    if (mdb_get (txn, s_db (self), &hk, &hv) || hv.mv_size != 8)
        return NULL;
    Balcao__V1__Person *p = NULL;
    if (router_people_get (txn, &self->pdbs, person, &p) == 0) {
        balcao__v1__person__free_unpacked (p, NULL);
        return NULL;
    }
    unsigned char prefix[400];
    size_t plen = router_name_key ("customer:", person + 9, 0, prefix, sizeof prefix);
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, self->db_by_customer, &cur))
        return NULL;
    MDB_val k = {plen, prefix}, v;
    int any = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size >= plen
              && memcmp (k.mv_data, prefix, plen) == 0;
    mdb_cursor_close (cur);
    if (any)
        return NULL;
    unsigned char key[9] = {'n'};
    memcpy (key + 1, hv.mv_data, 8);
    MDB_val ek = {9, key}, ev;
    if (mdb_get (txn, s_db (self), &ek, &ev))
        return NULL;
    return balcao__v1__erasure__unpack (NULL, ev.mv_size, ev.mv_data);
}

/* Follow-ups of the subject's messages find no ticket to join. */
static int
s_forget_refs (router_t *self, MDB_txn *txn, char *const *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        MDB_val k = {strlen (refs[i]), refs[i]};
        int rc = mdb_del (txn, self->db_by_ref, &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

int
router_erase_run (router_t *self, bc_tx_t *tx, bc_scrub_t *scrub, uint64_t id,
                  const char *person, Balcao__V1__Erasure *e,
                  const Balcao__V1__PersonErased *touched)
{
    MDB_txn *txn = bc_tx_txn (tx);
    const char *name = bc_scrub_label (scrub) + 8; /* "titular-e3" */
    const uint64_t *tickets;
    size_t nt = bc_scrub_tickets (scrub, &tickets);
    int rc = 0;
    for (size_t i = 0; i < nt && rc == 0; i++)
        rc = s_learn_ticket (self, txn, tickets[i], person, scrub);
    uint32_t messages = 0;
    for (size_t i = 0; i < nt && rc == 0; i++)
        rc = s_scrub_ticket (self, tx, tickets[i], scrub, name, &messages);
    char *const *refs;
    size_t nr = bc_scrub_refs (scrub, &refs);
    uint64_t changed = 0;
    if (rc == 0)
        rc = s_forget_refs (self, txn, refs, nr);
    /* The log (and what retention kept of it), the stored replies. */
    if (rc == 0)
        rc = bc_tx_scrub (tx, scrub, &changed);
    if (rc == 0)
        rc = bc_scrub_db (txn, self->db_history, NULL, scrub, 0, &changed);
    /* Other people's tickets that name them (copied, a participant). */
    if (rc == 0 && !bc_scrub_is_owned_only (scrub))
        rc = bc_scrub_db (txn, self->db_tickets, &balcao__v1__ticket__descriptor, scrub, 0,
                          &changed);
    /* The audit keeps no address: the subject's own portal exports name
     * them as who asked. */
    if (rc == 0)
        rc = bc_scrub_db (txn, s_db (self), &balcao__v1__erasure__descriptor, scrub, 0, &changed);
    if (rc)
        return rc;
    e->id = (char *) name;
    e->requested_us = bc_tx_now_us (tx);
    e->tickets = (uint32_t) nt;
    e->messages += messages; /* the caller's count of them elsewhere, and these */
    if ((rc = s_put_erasure (self, txn, id, e)))
        return rc;
    if (e->subject_hash && strlen (e->subject_hash) == 64) {
        unsigned char hkey[65] = {'h'};
        memcpy (hkey + 1, e->subject_hash, 64);
        unsigned char idv[8];
        bc_key_from_u64 (id, idv);
        MDB_val hk = {65, hkey}, hv = {8, idv};
        if ((rc = mdb_put (txn, s_db (self), &hk, &hv, 0)))
            return rc;
    }
    size_t nhashes = 0;
    char **hashes = person ? bc_scrub_term_hashes (scrub, &nhashes) : NULL;
    Balcao__V1__PersonErased ev = BALCAO__V1__PERSON_ERASED__INIT;
    ev.erasure = (char *) name;
    ev.tickets = (uint64_t *) tickets;
    ev.n_tickets = nt;
    ev.message_refs = (char **) refs;
    ev.n_message_refs = nr;
    ev.subject_hash = e->subject_hash;
    ev.term_hashes = hashes;
    ev.n_term_hashes = nhashes;
    ev.tickets_only = !person;
    if (touched) {
        ev.touched = touched->touched;
        ev.n_touched = touched->n_touched;
        ev.text_hashes = touched->text_hashes;
        ev.n_text_hashes = touched->n_text_hashes;
    }
    rc = bc_tx_emit (tx, &ev.base);
    for (size_t i = 0; i < nhashes; i++)
        free (hashes[i]);
    free (hashes);
    if (rc)
        return rc;
    /* A retention sweep compacts once, at its end. */
    if (strcmp (e->trigger, "retention") != 0)
        bc_tx_compact_after (tx);
    bc_info ("event=person_erased erasure=%s by=%s trigger=%s tickets=%zu messages=%u "
             "records_rewritten=%llu",
             name, e->requested_by, *e->trigger ? e->trigger : "request", nt, messages,
             (unsigned long long) changed);
    return 0;
}

int
router_erase_next_id (router_t *self, MDB_txn *txn, uint64_t *id, char *name, size_t size)
{
    return s_next_id (self, txn, id, name, size);
}

int
router_erase_audit (router_t *self, MDB_txn *txn, uint64_t id, const Balcao__V1__Erasure *e)
{
    return s_put_erasure (self, txn, id, e);
}

int
router_erase_learn_ticket (router_t *self, MDB_txn *txn, uint64_t number, bc_scrub_t *scrub)
{
    return s_learn_ticket (self, txn, number, NULL, scrub);
}

static int
s_erase (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
         bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ErasePerson *req = (const Balcao__V1__ErasePerson *) payload;
    const char *who = bc_tx_principal (tx);
    if (strncmp (who, "admin:", 6) != 0) {
        bc_reply_error (reply, "forbidden", "apenas administradores podem anonimizar uma pessoa",
                        "only admins may anonymise a person");
        return 0;
    }
    if (strncmp (req->person, "customer:", 9) != 0 || strlen (req->person) < 12
        || strlen (req->person) > 320) {
        bc_reply_error (reply, "invalid",
                        "diga quem anonimizar como customer:<endereço> (o e-mail, "
                        "whatsapp:+<número> ou o endereço do chat)",
                        "say whom to anonymise as customer:<address> (the e-mail, "
                        "whatsapp:+<number> or the chat's address)");
        return 0;
    }
    size_t rlen = strlen (req->reason);
    if (rlen < 3 || rlen > 500) {
        bc_reply_error (reply, "invalid",
                        "diga o motivo (de 3 a 500 caracteres): ele fica na auditoria",
                        "give the reason (3 to 500 characters): it is kept in the audit");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    const char *address = req->person + 9;
    char hash[65];
    bc_scrub_subject_hash (req->person, hash);
    Balcao__V1__Erasure *before = s_done_before (self, txn, req->person, hash);
    if (before) {
        /* Nothing of theirs since: the erasure stands. */
        before->already = 1;
        bc_reply_ok (reply, &before->base);
        balcao__v1__erasure__free_unpacked (before, NULL);
        return 0;
    }
    uint64_t id;
    char name[32];
    int rc = s_next_id (self, txn, &id, name, sizeof name);
    if (rc)
        return rc;
    bc_scrub_t *scrub = bc_scrub_new (name);
    if (!scrub)
        return ENOMEM;
    bc_scrub_add_term (scrub, address);
    /* The person under each address their record names: the one asked
     * for, its e-mail, its WhatsApp number (with and without the ninth
     * digit): each one's tickets and record. */
    char identities[4][330] = {{0}};
    snprintf (identities[0], sizeof identities[0], "%.320s", address);
    for (int i = 0; i < 4 && rc == 0; i++) {
        if (!identities[i][0])
            continue;
        char person[400], email[330] = "", phone[330] = "";
        snprintf (person, sizeof person, "customer:%.320s", identities[i]);
        if ((rc = s_tickets_of (self, txn, identities[i], scrub))
            || (rc = s_forget_person (self, txn, person, identities[i], scrub, email, phone,
                                      sizeof email)))
            break;
        char id[40], alias[40];
        const char *more[3] = {email, "", ""};
        char wa[2][64] = {"", ""};
        if (bc_phone_whatsapp_id (phone, id, sizeof id) == 0) {
            snprintf (wa[0], sizeof wa[0], "whatsapp:+%s", id);
            if (bc_phone_whatsapp_alias (id, alias, sizeof alias) == 0)
                snprintf (wa[1], sizeof wa[1], "whatsapp:+%s", alias);
            more[1] = wa[0];
            more[2] = wa[1];
        }
        for (int m = 0; m < 3; m++) {
            int known = !more[m][0];
            for (int j = 0; j < 4 && !known; j++)
                known = strcasecmp (identities[j], more[m]) == 0;
            for (int j = 0; j < 4 && !known; j++)
                if (!identities[j][0]) {
                    snprintf (identities[j], sizeof identities[j], "%.320s", more[m]);
                    break;
                }
        }
    }
    uint32_t elsewhere = 0;
    Balcao__V1__PersonErased touched = BALCAO__V1__PERSON_ERASED__INIT;
    if (rc == 0)
        rc = s_messages_elsewhere (self, txn, identities, 4, scrub, &elsewhere, &touched);
    if (rc)
        goto done;
    Balcao__V1__Erasure e = BALCAO__V1__ERASURE__INIT;
    e.kind = "erase";
    e.subject_hash = hash;
    e.requested_by = (char *) who;
    e.reason = req->reason;
    e.messages = elsewhere;
    rc = router_erase_run (self, tx, scrub, id, req->person, &e, &touched);
    for (size_t i = 0; i < touched.n_text_hashes; i++)
        free (touched.text_hashes[i]);
    free (touched.text_hashes);
    free (touched.touched);
    if (rc)
        goto done;
    bc_reply_ok (reply, &e.base);
done:
    bc_scrub_destroy (&scrub);
    return rc;
}

static int
s_list (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
        bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ListErasures *req = (const Balcao__V1__ListErasures *) payload;
    /* The web gateway too: it deletes the portal accounts of the people
     * erased (by subject_hash). */
    const char *who = bc_tx_principal (tx);
    if (strncmp (who, "admin:", 6) != 0 && strcmp (who, "service:gateway") != 0) {
        bc_reply_error (reply, "forbidden", "apenas administradores leem a auditoria da LGPD",
                        "only admins read the LGPD audit");
        return 0;
    }
    size_t limit = req->limit && req->limit <= 500 ? req->limit : 50;
    Balcao__V1__Erasure **list = calloc (limit, sizeof *list);
    if (!list)
        return ENOMEM;
    size_t n = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (bc_tx_txn (tx), s_db (self), &cur);
    if (rc) {
        free (list);
        return rc;
    }
    unsigned char key[9] = {'n'};
    uint64_t before = *req->before == 'e' ? strtoull (req->before + 1, NULL, 10) : 0;
    bc_key_from_u64 (before ? before : UINT64_MAX, key + 1);
    MDB_val k = {9, key}, v;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get (cur, &k, &v, MDB_PREV) : mdb_cursor_get (cur, &k, &v, MDB_LAST);
    for (; rc == 0 && n < limit && k.mv_size == 9 && ((char *) k.mv_data)[0] == 'n';
         rc = mdb_cursor_get (cur, &k, &v, MDB_PREV))
        if ((list[n] = balcao__v1__erasure__unpack (NULL, v.mv_size, v.mv_data)))
            n++;
    mdb_cursor_close (cur);
    Balcao__V1__ErasureList out = BALCAO__V1__ERASURE_LIST__INIT;
    out.erasures = list;
    out.n_erasures = n;
    bc_reply_ok (reply, &out.base);
    for (size_t i = 0; i < n; i++)
        balcao__v1__erasure__free_unpacked (list[i], NULL);
    free (list);
    return 0;
}

void
router_erase_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__erase_person__descriptor, 1, s_erase);
    bc_service_on_command (svc, &balcao__v1__list_erasures__descriptor, 0, s_list);
}
