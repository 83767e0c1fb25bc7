/* intake_whatsapp: a WhatsApp sender's identity (the customer, whatever
 * form of their number Meta used), and the delivery statuses Meta reports
 * for messages we sent by WhatsApp (RecordWhatsAppStatus, from the
 * gateway's webhook): on the log once each, with the ticket of the message
 * (threads, fed by notify's NotificationDelivered), or kept until notify's
 * log names it. */
#include "intake_internal.h"

#include "balcao/v1/intake.pb-c.h"
#include "bc_log.h"
#include "bc_phone.h"
#include "bc_store.h"

#include <stdio.h>
#include <string.h>

void
intake_whatsapp_sender (const char *from, char *address, size_t size, char *wa_id)
{
    wa_id[0] = 0;
    if (address && bc_phone_whatsapp_address (from, address, size))
        snprintf (address, size, "%s", from); /* too long for size: kept as it came */
    char id[BC_PHONE_MAX];
    if (strncmp (from, "whatsapp:+", 10) || bc_phone_whatsapp_id (from + 10, id, sizeof id))
        return;
    size_t n = 0;
    for (const char *p = from + 10; *p && n + 1 < BC_PHONE_MAX; p++)
        if (*p >= '0' && *p <= '9')
            wa_id[n++] = *p;
    wa_id[n] = 0;
}

/* The statuses of wamid that came before its ticket was known ("wa-pending:
 * <wamid>:..." in seen, the status packed): emitted again with the ticket,
 * and forgotten. */
int
intake_whatsapp_pending (intake_t *self, bc_tx_t *tx, const char *wamid, uint64_t ticket)
{
    MDB_txn *txn = bc_tx_txn (tx);
    char prefix[560];
    int plen = snprintf (prefix, sizeof prefix, "wa-pending:%s:", wamid);
    if (plen <= 0 || (size_t) plen >= sizeof prefix)
        return 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, self->db_seen, &cur);
    if (rc)
        return rc;
    for (;;) {
        MDB_val k = {(size_t) plen, prefix}, v;
        int crc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        if (crc == MDB_NOTFOUND || (crc == 0 && (k.mv_size < (size_t) plen
                                                 || memcmp (k.mv_data, prefix, (size_t) plen))))
            break;
        if ((rc = crc))
            break;
        Balcao__V1__WhatsAppStatusReceived *ev =
            balcao__v1__whats_app_status_received__unpack (NULL, v.mv_size, v.mv_data);
        if (ev) {
            ev->ticket = ticket;
            rc = bc_tx_emit (tx, &ev->base);
            balcao__v1__whats_app_status_received__free_unpacked (ev, NULL);
        }
        if (rc || (rc = mdb_cursor_del (cur, 0)))
            break;
    }
    mdb_cursor_close (cur);
    return rc;
}

/* A delivery status of a message we sent by WhatsApp, on the log once per
 * message, status and error code (the key "wa-status:<wamid>:<status>:<code>"
 * in seen), with the ticket of that message when intake knows it; when it
 * does not yet, kept as "wa-pending:..." until notify's log says. */
int
intake_whatsapp_status (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                          const ProtobufCMessage *payload, bc_reply_t *reply)
{
    intake_t *self = state;
    const Balcao__V1__RecordWhatsAppStatus *req =
        (const Balcao__V1__RecordWhatsAppStatus *) payload;
    if (!intake_may_submit (self->submitters, bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden",
                        "'%s' não pode enviar mensagens; veja intake/submitters",
                        "'%s' may not submit messages; see intake/submitters",
                        bc_tx_principal (tx));
        return 0;
    }
    if (!req->message_id || !*req->message_id || !req->status || !*req->status
        || strlen (req->message_id) + strlen (req->status) > 400) {
        bc_reply_error (reply, "invalid",
                        "um status do WhatsApp precisa do id da mensagem e do status",
                        "a WhatsApp status needs the message id and the status");
        return 0;
    }
    char key[512];
    int n = snprintf (key, sizeof key, "wa-status:%s:%s:%lld", req->message_id, req->status,
                      (long long) req->error_code);
    MDB_val k = {(size_t) n, key}, v;
    int rc = mdb_get (bc_tx_txn (tx), self->db_seen, &k, &v);
    Balcao__V1__RecordWhatsAppStatusReply out = BALCAO__V1__RECORD_WHATS_APP_STATUS_REPLY__INIT;
    if (rc == 0) {
        out.duplicate = 1;
        bc_reply_ok (reply, &out.base);
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    MDB_val empty = {0, ""};
    if ((rc = mdb_put (bc_tx_txn (tx), self->db_seen, &k, &empty, 0)))
        return rc;
    Balcao__V1__WhatsAppStatusReceived ev = BALCAO__V1__WHATS_APP_STATUS_RECEIVED__INIT;
    ev.message_id = req->message_id;
    ev.status = req->status;
    ev.recipient = req->recipient;
    ev.timestamp = req->timestamp;
    ev.error_code = req->error_code;
    ev.error_title = req->error_title;
    uint64_t ticket = 0;
    if ((rc = intake_thread_lookup (self, bc_tx_txn (tx), req->message_id, &ticket))
        && rc != MDB_NOTFOUND)
        return rc;
    ev.ticket = ticket;
    if (!ev.ticket) {
        char pending[560];
        int plen = snprintf (pending, sizeof pending, "wa-pending:%s:%s:%lld", req->message_id,
                             req->status, (long long) req->error_code);
        MDB_val pk = {(size_t) plen, pending}, pv;
        pv.mv_size = balcao__v1__whats_app_status_received__get_packed_size (&ev);
        if (plen > 0 && (size_t) plen < sizeof pending && plen <= 511) {
            if ((rc = mdb_put (bc_tx_txn (tx), self->db_seen, &pk, &pv, MDB_RESERVE)))
                return rc;
            balcao__v1__whats_app_status_received__pack (&ev, pv.mv_data);
        }
    }
    if ((rc = bc_tx_emit (tx, &ev.base)))
        return rc;
    char id[96];
    char status[64];
    bc_info ("event=whatsapp_status message_id=%s status=%s error_code=%lld request=%s",
             bc_log_clean (req->message_id, id, sizeof id),
             bc_log_clean (req->status, status, sizeof status),
             (long long) req->error_code, request->id);
    bc_reply_ok (reply, &out.base);
    return 0;
}
