/* router_export: the router's part of an LGPD export (art. 18, II and V;
 * docs/ARCHITECTURE.md, "LGPD: export and erasure"). ExportPerson, asked
 * by an admin or by the customer themself (the portal), answers their
 * person record, their tickets' numbers (each then read with GetTicket as
 * the one who asked: the router decides what each may see) and the earlier
 * exports and erasures of them; the export itself is audited (who, when,
 * why). lib/bc_export.c assembles the archive from every service. */
#include "router_internal.h"

#include "bc_log.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXPORT_MAX_TICKETS 100000

/* The numbers of the person's tickets, oldest first. */
static int
s_tickets (router_t *self, MDB_txn *txn, const char *address, uint64_t **out, size_t *n)
{
    unsigned char prefix[400];
    size_t plen = router_name_key ("customer:", address, 0, prefix, sizeof prefix);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_by_customer, &cur);
    if (rc)
        return rc;
    size_t cap = 0;
    MDB_val k = {plen, prefix}, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == plen + 8 && memcmp (k.mv_data, prefix, plen) == 0
         && *n < EXPORT_MAX_TICKETS;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *grown = realloc (*out, cap * sizeof *grown);
            if (!grown) {
                rc = ENOMEM;
                break;
            }
            *out = grown;
        }
        MDB_val num = {8, (char *) k.mv_data + plen};
        (*out)[(*n)++] = bc_key_to_u64 (&num);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The audit records of this subject (exports and erasures), oldest first. */
static int
s_audits (router_t *self, MDB_txn *txn, const char *hash, Balcao__V1__Erasure ***out, size_t *n)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, bc_service_dbi (self->svc, "erasures"), &cur);
    if (rc)
        return rc;
    unsigned char first = 'n';
    MDB_val k = {1, &first}, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == 9 && ((char *) k.mv_data)[0] == 'n';
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        Balcao__V1__Erasure *e = balcao__v1__erasure__unpack (NULL, v.mv_size, v.mv_data);
        if (!e)
            continue;
        Balcao__V1__Erasure **grown = strcmp (e->subject_hash, hash) == 0
                                          ? realloc (*out, (*n + 1) * sizeof *grown)
                                          : NULL;
        if (grown) {
            *out = grown;
            (*out)[(*n)++] = e;
        } else
            balcao__v1__erasure__free_unpacked (e, NULL);
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_export (void *state, bc_tx_t *tx, const bc_envelope_t *request,
          const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__ExportPerson *req = (const Balcao__V1__ExportPerson *) payload;
    const char *who = bc_tx_principal (tx);
    int is_self = strcasecmp (who, req->person) == 0;
    if (strncmp (who, "admin:", 6) != 0 && !is_self) {
        bc_reply_error (reply, "forbidden",
                        "só um administrador ou a própria pessoa pode exportar seus dados",
                        "only an admin or the person themself may export their data");
        return 0;
    }
    if (strncmp (req->person, "customer:", 9) != 0 || strlen (req->person) < 12
        || strlen (req->person) > 320) {
        bc_reply_error (reply, "invalid",
                        "diga de quem exportar os dados como customer:<endereço>",
                        "say whose data to export as customer:<address>");
        return 0;
    }
    size_t rlen = strlen (req->reason);
    if ((!is_self && rlen < 3) || rlen > 500) {
        bc_reply_error (reply, "invalid",
                        "diga o motivo (de 3 a 500 caracteres): ele fica na auditoria",
                        "give the reason (3 to 500 characters): it is kept in the audit");
        return 0;
    }
    MDB_txn *txn = bc_tx_txn (tx);
    char hash[65];
    bc_scrub_subject_hash (req->person, hash);
    Balcao__V1__PersonExport out = BALCAO__V1__PERSON_EXPORT__INIT;
    Balcao__V1__Erasure **audits = NULL;
    size_t naudits = 0;
    uint64_t *tickets = NULL;
    size_t nt = 0;
    Balcao__V1__Person *p = NULL;
    int rc = s_tickets (self, txn, req->person + 9, &tickets, &nt);
    if (rc == 0)
        rc = s_audits (self, txn, hash, &audits, &naudits);
    if (rc == 0 && (rc = router_people_get (txn, &self->pdbs, req->person, &p)) == MDB_NOTFOUND)
        rc = 0;
    uint64_t id;
    char name[32];
    if (rc == 0)
        rc = router_erase_next_id (self, txn, &id, name, sizeof name);
    if (rc)
        goto done;
    Balcao__V1__Erasure e = BALCAO__V1__ERASURE__INIT;
    e.id = name;
    e.kind = "export";
    e.subject_hash = hash;
    e.requested_by = (char *) who;
    e.reason = *req->reason ? req->reason : "pedido do titular pelo portal";
    e.requested_us = bc_tx_now_us (tx);
    e.tickets = (uint32_t) nt;
    e.trigger = is_self ? "portal" : "";
    if ((rc = router_erase_audit (self, txn, id, &e)))
        goto done;
    /* What the router keeps for its own work, not about the person. */
    char *key = p ? p->curve_key : NULL;
    size_t nperm = p ? p->n_permissions : 0;
    if (p) {
        p->curve_key = (char *) "";
        p->curve_key_checked = 0;
        p->n_permissions = 0;
    }
    out.audit = &e;
    out.person = p;
    out.tickets = tickets;
    out.n_tickets = nt;
    out.audits = audits;
    out.n_audits = naudits;
    bc_reply_ok (reply, &out.base);
    if (p) {
        p->curve_key = key;
        p->n_permissions = nperm;
    }
    bc_info ("event=person_exported audit=%s by=%s tickets=%zu", name, who, nt);
done:
    if (p)
        balcao__v1__person__free_unpacked (p, NULL);
    for (size_t i = 0; i < naudits; i++)
        balcao__v1__erasure__free_unpacked (audits[i], NULL);
    free (audits);
    free (tickets);
    return rc;
}

void
router_export_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__export_person__descriptor, 1, s_export);
}
