/* bc_service_retention: how long a service's log keeps its events.
 *
 * Consumers say how far they have applied: while caught up, every
 * <service>/cursor_report_s or balcao/cursor_report_s (60 s) each sends
 * its producer a ReplayRequest with report_only (from_seq = its cursor +
 * 1). The producer records it in `readers` (principal/instance -> applied
 * seq ‖ time). A few hundred per batch, it then deletes the oldest events
 * of its log once they are older than <service>/log_retention_days (else
 * balcao/log_retention_days; 30 by default, 0 keeps everything) AND every
 * reader on record has applied them. A reader that never reported (an
 * older release) holds nothing back: until the first report the age alone
 * decides. So a consumer away for less than the period loses nothing by
 * the age rule alone, and one away longer by its record, up to
 * <service>/log_reader_forget_days or balcao/log_reader_forget_days (90;
 * 0: never), after which a silent reader is forgotten. A service that still
 * needs an event (the router: a ticket's history) copies it in its prune
 * hook (bc_service_on_prune) before it goes. Settings are the service's
 * (a replica reads its service's section). */
#include "bc_service_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_msg.h"
#include "bc_store.h"

#include <stdio.h>
#include <string.h>

#define BC_PRUNE_PER_BATCH 512

void
bc_retention_setup (bc_service_t *self)
{
    char key[128];
    snprintf (key, sizeof key, "%s/log_retention_days", self->base);
    int64_t days = bc_config_int (self->config, key,
                                  bc_config_int (self->config, "balcao/log_retention_days", 30));
    self->log_retention_us = days > 0 ? days * 86400LL * 1000000LL : 0;
    snprintf (key, sizeof key, "%s/log_reader_forget_days", self->base);
    days = bc_config_int (self->config, key,
                          bc_config_int (self->config, "balcao/log_reader_forget_days", 90));
    self->reader_forget_us = days > 0 ? days * 86400LL * 1000000LL : 0;
    snprintf (key, sizeof key, "%s/cursor_report_s", self->base);
    self->cursor_report_ms =
        (int) bc_config_int (self->config, key,
                             bc_config_int (self->config, "balcao/cursor_report_s", 60)) *
        1000;
    if (self->cursor_report_ms <= 0)
        self->cursor_report_ms = 60000;
    self->first_seq = bc_retention_first_seq (self, NULL);
}

void
bc_service_on_prune (bc_service_t *self, bc_prune_fn *fn)
{
    self->on_prune = fn;
}

uint64_t
bc_retention_first_seq (bc_service_t *self, MDB_txn *txn)
{
    MDB_txn *own = NULL;
    if (!txn) {
        if (mdb_txn_begin (bc_store_env (self->store), NULL, MDB_RDONLY, &own))
            return 1;
        txn = own;
    }
    uint64_t first = 0;
    MDB_cursor *cur;
    if (mdb_cursor_open (txn, self->db_log, &cur) == 0) {
        MDB_val k, v;
        if (mdb_cursor_get (cur, &k, &v, MDB_FIRST) == 0 && k.mv_size == 8)
            first = bc_key_to_u64 (&k);
        mdb_cursor_close (cur);
    }
    if (own)
        mdb_txn_abort (own);
    /* An empty log: the next event is the first one. */
    return first ? first : self->head_seq + 1;
}

int
bc_retention_record (bc_tx_t *tx, const char *reader, uint64_t applied)
{
    unsigned char value[16];
    MDB_val v = {sizeof value, value};
    bc_key_from_u64 (applied, value);
    bc_key_from_u64 ((uint64_t) tx->now_us, value + 8);
    MDB_val k = {strlen (reader), (void *) reader}, old;
    if (!k.mv_size || k.mv_size > 200)
        return 0;
    int rc = mdb_get (tx->txn, tx->svc->db_readers, &k, &old);
    if (rc == 0 && old.mv_size == 16) {
        MDB_val a = {8, old.mv_data};
        if (bc_key_to_u64 (&a) != applied)
            tx->svc->next_prune_us = 0; /* a reader moved on: look at once */
    }
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    return mdb_put (tx->txn, tx->svc->db_readers, &k, &v, 0);
}

/* The lowest position a reader on record has applied; the log's head when
 * none has reported. A reader silent for log_reader_forget_days (a replica
 * taken away, a consumer gone for good) is forgotten, with a warning: it
 * would otherwise hold the log forever. */
static int
s_bound (bc_service_t *self, bc_tx_t *tx, uint64_t *bound)
{
    *bound = tx->head;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (tx->txn, self->db_readers, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size != 16)
            continue;
        MDB_val a = {8, v.mv_data}, t = {8, (char *) v.mv_data + 8};
        uint64_t applied = bc_key_to_u64 (&a);
        int64_t seen_us = (int64_t) bc_key_to_u64 (&t);
        if (self->reader_forget_us && seen_us < tx->now_us - self->reader_forget_us) {
            bc_warn ("event=log_reader_forgotten reader=%.*s applied=%llu "
                     "hint=\"no report for longer than log_reader_forget_days\"",
                     (int) k.mv_size, (const char *) k.mv_data, (unsigned long long) applied);
            if ((rc = mdb_cursor_del (cur, 0)))
                break;
            continue;
        }
        if (applied < *bound)
            *bound = applied;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int
bc_retention_prune (bc_service_t *self, bc_tx_t *tx)
{
    if (!self->log_retention_us || tx->now_us < self->next_prune_us)
        return 0;
    uint64_t bound;
    int rc = s_bound (self, tx, &bound);
    if (rc)
        return rc;
    int64_t cutoff = tx->now_us - self->log_retention_us;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (tx->txn, self->db_log, &cur)))
        return rc;
    int n = 0;
    MDB_val k, v;
    while (n < BC_PRUNE_PER_BATCH && (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST)) == 0) {
        if (k.mv_size != 8 || bc_key_to_u64 (&k) > bound)
            break;
        uint64_t seq = bc_key_to_u64 (&k);
        bc_envelope_t *env = bc_envelope_unpack (v.mv_data, v.mv_size);
        int64_t time_us = env ? env->time_us : 0;
        if (env && time_us >= cutoff) {
            bc_envelope_destroy (&env);
            break;
        }
        if (env && self->on_prune && (rc = self->on_prune (self->state, tx, env, v.mv_data,
                                                           v.mv_size))) {
            bc_envelope_destroy (&env);
            break;
        }
        bc_envelope_destroy (&env);
        if ((rc = mdb_cursor_del (cur, 0)))
            break;
        tx->pruned_to = seq;
        n++;
    }
    mdb_cursor_close (cur);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc)
        return rc;
    if (n) {
        tx->pruned += n;
        bc_debug ("event=log_pruned events=%d bound=%llu", n, (unsigned long long) bound);
    }
    else /* nothing due: look again in a minute, not at every batch */
        self->next_prune_us = tx->now_us + 60LL * 1000000;
    return 0;
}

void
bc_retention_after_commit (bc_service_t *self)
{
    if (!self->tx.pruned)
        return;
    if (self->tx.pruned >= BC_PRUNE_PER_BATCH)
        self->wake = 1; /* more is due: another batch soon, between inputs */
    self->pruned_total += (uint64_t) self->tx.pruned;
    self->first_seq = self->tx.pruned_to + 1;
    self->tx.pruned = 0;
    /* One line a minute while a backlog goes, not one per batch. */
    int64_t now = bc_now_us ();
    if (now - self->prune_logged_us >= 60LL * 1000000) {
        self->prune_logged_us = now;
        bc_info ("event=log_pruned total=%llu first_seq=%llu retention_days=%lld",
                 (unsigned long long) self->pruned_total, (unsigned long long) self->first_seq,
                 (long long) (self->log_retention_us / (86400LL * 1000000)));
    }
}

void
bc_retention_report (bc_service_t *self, bc_source_t *src, int64_t now_ms)
{
    if (src->replay_id[0] || src->source_head > src->applied || now_ms < src->next_report_ms)
        return;
    src->next_report_ms = now_ms + self->cursor_report_ms;
    Balcao__V1__ReplayRequest rr = BALCAO__V1__REPLAY_REQUEST__INIT;
    rr.from_seq = src->applied + 1;
    rr.report_only = 1;
    char id[BC_ID_LEN + 1];
    bc_id_new (id);
    bc_header_t h = {.id = id, .source = self->name, .principal = self->principal};
    size_t len;
    uint8_t *frame = bc_envelope_pack (&h, &rr.base, &len);
    if (!frame)
        return;
    void *s = zsock_resolve (src->replay);
    zmq_send (s, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (s, frame, len, ZMQ_DONTWAIT);
    free (frame);
}
