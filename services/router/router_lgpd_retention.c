/* router_lgpd_retention: retention of personal data by class (LGPD; docs/
 * ARCHITECTURE.md, "LGPD: export and erasure"). Closed tickets' personal
 * data: router/lgpd/anonymise_closed_after_days (0, the default: kept)
 * after a ticket closed, its texts, names and addresses are anonymised as
 * an erasure does, for that ticket only (PersonErased with tickets_only:
 * the customer and their other tickets stay). A timer
 * (router/lgpd/check_s, an hour) starts a sweep over the tickets, 2,000
 * records a batch, at most 200 anonymised in each; every batch that
 * anonymised some is one audited erasure (trigger "retention", by
 * system:router, `balcao lgpd log`), and the store is compacted when the
 * sweep ends. The sweep's place is kept in meta ("lgpd_scan"): a restart
 * goes on from there. The other classes: delivered notifications
 * (notify/retention_days) and the event logs (log_retention_days, issue
 * 17). */
#include "router_internal.h"

#include "bc_log.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SCAN_PER_BATCH 2000
#define ERASE_PER_BATCH 200

static void
s_tick (void *state)
{
    router_t *self = state;
    self->lgpd_due = 1;
    bc_service_wake (self->svc);
}

void
router_lgpd_retention_setup (router_t *self)
{
    bc_config_t *config = bc_service_config (self->svc);
    int64_t days = bc_config_int (config, "router/lgpd/anonymise_closed_after_days", 0);
    /* Tests: seconds instead of days. */
    int64_t secs = bc_config_int (config, "router/lgpd/anonymise_closed_after_s", 0);
    self->lgpd_after_us = (secs > 0 ? secs : days * 86400) * 1000000;
    if (self->lgpd_after_us <= 0)
        return;
    int64_t check_s = bc_config_int (config, "router/lgpd/check_s", 3600);
    bc_service_every (self->svc, (int) (check_s > 0 ? check_s : 1) * 1000, s_tick);
    self->lgpd_due = 1;
}

int
router_lgpd_retention_sweep (router_t *self, bc_tx_t *tx)
{
    if (self->lgpd_after_us <= 0 || !self->lgpd_due)
        return 0;
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t cutoff = bc_tx_now_us (tx) - self->lgpd_after_us;
    uint64_t from = 1;
    int rc = bc_store_get_u64 (txn, self->db_meta, "lgpd_scan", &from);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    uint64_t picked[ERASE_PER_BATCH];
    size_t n = 0;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_tickets, &cur)))
        return rc;
    unsigned char key[8];
    bc_key_from_u64 (from ? from : 1, key);
    MDB_val k = {8, key}, v;
    uint64_t next = 0;
    int scanned = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (scanned++ == SCAN_PER_BATCH || n == ERASE_PER_BATCH) {
            next = bc_key_to_u64 (&k);
            break;
        }
        Balcao__V1__Ticket *t = balcao__v1__ticket__unpack (NULL, v.mv_size, v.mv_data);
        if (t && !t->erased_us && strcmp (t->status, "fechado") == 0 && t->closed_us
            && t->closed_us < cutoff)
            picked[n++] = t->number;
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    mdb_cursor_close (cur);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    rc = 0;
    if (n) {
        uint64_t id;
        char name[32];
        if ((rc = router_erase_next_id (self, txn, &id, name, sizeof name)))
            return rc;
        bc_scrub_t *scrub = bc_scrub_new (name);
        if (!scrub)
            return ENOMEM;
        bc_scrub_set_owned_only (scrub);
        bc_tx_set_principal (tx, "system:router");
        for (size_t i = 0; i < n && rc == 0; i++) {
            bc_scrub_add_ticket (scrub, picked[i]);
            Balcao__V1__Ticket *t = router_get_ticket (self, txn, picked[i], &rc);
            if (t) {
                rc = router_name_index (txn, self->db_by_customer, "customer:",
                                        t->customer_address, t->number, 0);
                balcao__v1__ticket__free_unpacked (t, NULL);
            }
            if (rc == 0)
                rc = router_erase_learn_ticket (self, txn, picked[i], scrub);
        }
        char reason[160];
        snprintf (reason, sizeof reason,
                  "retenção: dados pessoais de chamados fechados há mais de %lld dia(s)",
                  (long long) (self->lgpd_after_us / 86400000000LL));
        Balcao__V1__Erasure e = BALCAO__V1__ERASURE__INIT;
        e.kind = "erase";
        e.requested_by = "system:router";
        e.reason = reason;
        e.trigger = "retention";
        if (rc == 0)
            rc = router_erase_run (self, tx, scrub, id, NULL, &e, NULL);
        bc_scrub_destroy (&scrub);
        if (rc)
            return rc;
    }
    if ((rc = bc_store_put_u64 (txn, self->db_meta, "lgpd_scan", next)))
        return rc;
    if (n)
        self->lgpd_erased = 1;
    if (next)
        bc_service_wake (self->svc); /* the sweep goes on in the next batch */
    else {
        self->lgpd_due = 0;
        if (self->lgpd_erased)
            bc_tx_compact_after (tx);
        self->lgpd_erased = 0;
    }
    return 0;
}
