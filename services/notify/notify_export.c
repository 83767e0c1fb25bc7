/* notify_export: notify's part of an LGPD export (docs/ARCHITECTURE.md,
 * "LGPD: export and erasure"): ExportNotifications answers every
 * notification about the given tickets, as sent (the mail's text or the
 * WhatsApp request), with its state and times. For admins and the web
 * gateway (which asks for a customer's own tickets, as the router listed
 * them to that customer). */
#include "notify_erase.h"

#include "balcao/v1/notify.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT_MAX 20000

static int
s_has (const Balcao__V1__ExportNotifications *req, uint64_t n)
{
    for (size_t i = 0; n && i < req->n_tickets; i++)
        if (req->tickets[i] == n)
            return 1;
    return 0;
}

static int
s_export (void *state, bc_tx_t *tx, const bc_envelope_t *request,
          const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) state;
    (void) request;
    const Balcao__V1__ExportNotifications *req = (const Balcao__V1__ExportNotifications *) payload;
    const char *who = bc_tx_principal (tx);
    if (strncmp (who, "admin:", 6) != 0 && strcmp (who, "service:gateway") != 0) {
        bc_reply_error (reply, "forbidden", "só administradores exportam notificações",
                        "only admins export notifications");
        return 0;
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open (bc_tx_txn (tx), bc_service_dbi (bc_tx_service (tx), "outbox"), &cur);
    if (rc)
        return rc;
    Balcao__V1__OutboxEntry **list = NULL;
    size_t n = 0;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && n < EXPORT_MAX;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (!s_has (req, notify_erase_ticket_of (k.mv_data, k.mv_size)))
            continue;
        Balcao__V1__OutboxEntry *e = balcao__v1__outbox_entry__unpack (NULL, v.mv_size, v.mv_data);
        Balcao__V1__OutboxEntry **grown = e ? realloc (list, (n + 1) * sizeof *grown) : NULL;
        if (grown) {
            list = grown;
            list[n++] = e;
        } else if (e)
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
    }
    mdb_cursor_close (cur);
    if (rc == MDB_NOTFOUND || rc == 0) {
        Balcao__V1__NotificationExport out = BALCAO__V1__NOTIFICATION_EXPORT__INIT;
        out.entries = list;
        out.n_entries = n;
        bc_reply_ok (reply, &out.base);
        rc = 0;
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__outbox_entry__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

void
notify_export_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__export_notifications__descriptor, 0, s_export);
}
