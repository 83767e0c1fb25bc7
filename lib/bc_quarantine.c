/* bc_quarantine: events from other services' logs that a service could not
 * apply, set aside so that it goes on (see bc_service.h), and the admins'
 * commands to list, inspect and retry them.
 *
 * `quarantine` db: source ‖ 0x00 ‖ seq u64 BE -> QuarantinedEvent (with the
 * envelope as it came). */
#include "bc_service_internal.h"

#include "bc_log.h"

#include <stdlib.h>
#include <string.h>

static size_t
s_key (const char *source, uint64_t seq, unsigned char *key, size_t size)
{
    size_t n = strlen (source);
    if (n + 9 > size)
        return 0;
    memcpy (key, source, n);
    key[n] = 0;
    bc_key_from_u64 (seq, key + n + 1);
    return n + 9;
}

uint64_t
bc_quarantine_count (bc_service_t *self)
{
    MDB_txn *txn;
    MDB_stat st;
    uint64_t count = 0;
    if (mdb_txn_begin (bc_store_env (self->store), NULL, MDB_RDONLY, &txn))
        return 0;
    if (mdb_stat (txn, self->db_quarantine, &st) == 0)
        count = st.ms_entries;
    mdb_txn_abort (txn);
    return count;
}

int
bc_quarantine_put (bc_tx_t *tx, const char *source, const uint8_t *data, size_t len,
                   const char *reason)
{
    bc_service_t *svc = tx->svc;
    bc_envelope_t *env = bc_envelope_unpack (data, len);
    Balcao__V1__QuarantinedEvent q = BALCAO__V1__QUARANTINED_EVENT__INIT;
    q.source = (char *) source;
    q.seq = env ? env->seq : 0;
    q.type = env ? env->type : "";
    q.principal = env ? env->principal : "";
    q.reason = (char *) reason;
    q.quarantined_us = tx->now_us;
    q.envelope.data = (uint8_t *) data;
    q.envelope.len = len;
    unsigned char key[300];
    size_t klen = s_key (source, q.seq, key, sizeof key);
    size_t vlen = protobuf_c_message_get_packed_size (&q.base);
    uint8_t *buf = malloc (vlen ? vlen : 1);
    protobuf_c_message_pack (&q.base, buf);
    MDB_val k = {klen, key}, v = {vlen, buf};
    int rc = klen ? mdb_put (tx->txn, svc->db_quarantine, &k, &v, 0) : EINVAL;
    free (buf);
    bc_envelope_destroy (&env);
    return rc;
}

static int
s_is_admin (bc_tx_t *tx)
{
    return strncmp (bc_tx_principal (tx), "admin:", 6) == 0;
}

static int
s_refuse (bc_reply_t *reply)
{
    bc_reply_error (reply, "forbidden",
                    "só administradores podem ver e reaplicar os eventos em quarentena",
                    "only admins may see and retry quarantined events");
    return 0;
}

/* Reads one record; NULL (and a not_found reply) when there is none. */
static Balcao__V1__QuarantinedEvent *
s_get (bc_tx_t *tx, const char *source, uint64_t seq, bc_reply_t *reply, int *rc)
{
    unsigned char key[300];
    size_t klen = s_key (source, seq, key, sizeof key);
    MDB_val k = {klen, key}, v;
    *rc = klen ? mdb_get (tx->txn, tx->svc->db_quarantine, &k, &v) : MDB_NOTFOUND;
    Balcao__V1__QuarantinedEvent *q = NULL;
    if (*rc == 0)
        q = balcao__v1__quarantined_event__unpack (NULL, v.mv_size, v.mv_data);
    if (*rc == MDB_NOTFOUND || (*rc == 0 && !q)) {
        *rc = 0;
        bc_reply_error (reply, "not_found",
                        "não há evento %s #%llu em quarentena no serviço %s",
                        "there is no quarantined event %s #%llu in service %s", source,
                        (unsigned long long) seq, tx->svc->name);
    }
    return q;
}

static int
s_cmd_list (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
            bc_reply_t *reply)
{
    (void) state, (void) req;
    if (!s_is_admin (tx))
        return s_refuse (reply);
    const Balcao__V1__QuarantineList *ql = (const Balcao__V1__QuarantineList *) payload;
    size_t limit = ql->limit && ql->limit < 1000 ? ql->limit : 100;
    Balcao__V1__QuarantineListReply out = BALCAO__V1__QUARANTINE_LIST_REPLY__INIT;
    Balcao__V1__QuarantinedEvent **items = calloc (limit, sizeof *items);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (tx->txn, tx->svc->db_quarantine, &cur);
    if (rc) {
        free (items);
        return rc;
    }
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        size_t n = strlen (ql->source);
        if (n && (k.mv_size != n + 9 || memcmp (k.mv_data, ql->source, n) != 0))
            continue;
        out.total++;
        if (out.n_events == limit)
            continue;
        Balcao__V1__QuarantinedEvent *q =
            balcao__v1__quarantined_event__unpack (NULL, v.mv_size, v.mv_data);
        if (!q)
            continue;
        q->envelope.len = 0; /* listed without it: QuarantineShow has it */
        items[out.n_events++] = q;
    }
    mdb_cursor_close (cur);
    out.events = items;
    bc_reply_ok (reply, &out.base);
    for (size_t i = 0; i < out.n_events; i++)
        balcao__v1__quarantined_event__free_unpacked (items[i], NULL);
    free (items);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
s_cmd_show (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
            bc_reply_t *reply)
{
    (void) state, (void) req;
    if (!s_is_admin (tx))
        return s_refuse (reply);
    const Balcao__V1__QuarantineShow *qs = (const Balcao__V1__QuarantineShow *) payload;
    int rc;
    Balcao__V1__QuarantinedEvent *q = s_get (tx, qs->source, qs->seq, reply, &rc);
    if (q) {
        bc_reply_ok (reply, &q->base);
        balcao__v1__quarantined_event__free_unpacked (q, NULL);
    }
    return rc;
}

/* Applies the event again through its consumer. If the handler fails, so
 * does this request: the runtime drops everything it did and answers
 * `internal` with the handler's reason, and the event stays. */
static int
s_cmd_retry (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
             bc_reply_t *reply)
{
    (void) state, (void) req;
    if (!s_is_admin (tx))
        return s_refuse (reply);
    const Balcao__V1__QuarantineRetry *qr = (const Balcao__V1__QuarantineRetry *) payload;
    int rc;
    Balcao__V1__QuarantinedEvent *q = s_get (tx, qr->source, qr->seq, reply, &rc);
    if (!q)
        return rc;
    bc_envelope_t *env = bc_envelope_unpack (q->envelope.data, q->envelope.len);
    if (!env) {
        rc = bc_tx_fail (tx, "the stored envelope does not decode");
        goto done;
    }
    int is_consumed;
    rc = bc_batch_apply_one (tx, qr->source, env, &is_consumed);
    if (!is_consumed) {
        bc_reply_error (reply, "not_found",
                        "o serviço %s não consome mais o registro de %s: nada a reaplicar",
                        "service %s no longer consumes the log of %s: nothing to retry",
                        tx->svc->name, qr->source);
        goto done;
    }
    if (rc)
        goto done;
    unsigned char key[300];
    MDB_val k = {s_key (qr->source, qr->seq, key, sizeof key), key};
    if ((rc = mdb_del (tx->txn, tx->svc->db_quarantine, &k, NULL)))
        goto done;
    tx->nquarantined--;
    bc_info ("event=quarantine_retried source=%s seq=%llu by=%s", qr->source,
             (unsigned long long) qr->seq, bc_tx_principal (tx));
    q->envelope.len = 0;
    bc_reply_ok (reply, &q->base);
done:
    bc_envelope_destroy (&env);
    balcao__v1__quarantined_event__free_unpacked (q, NULL);
    return rc;
}

void
bc_quarantine_register (bc_service_t *self)
{
    bc_service_on_command (self, &balcao__v1__quarantine_list__descriptor, 0, s_cmd_list);
    bc_service_on_command (self, &balcao__v1__quarantine_show__descriptor, 0, s_cmd_show);
    bc_service_on_command (self, &balcao__v1__quarantine_retry__descriptor, 1, s_cmd_retry);
}
