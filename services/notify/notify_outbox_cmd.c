/* notify_outbox_cmd: the outbox's commands: ListOutbox (what has not been
 * delivered, oldest first, with counts) and ResendNotification (a dead
 * letter back to pending, admins only). */
#include "notify_outbox_internal.h"

#include "bc_log.h"
#include "bc_store.h"

#include <stdlib.h>
#include <string.h>

static void
s_item (Balcao__V1__OutboxItem *item, const char *id, const Balcao__V1__OutboxEntry *e)
{
    item->notification_id = (char *) id;
    if (e->notification) {
        item->ticket = e->notification->ticket;
        item->kind = e->notification->kind;
        item->recipient = e->notification->recipient;
        item->subject = e->notification->subject;
    }
    item->state = (char *) notify_outbox_state (e);
    item->attempts = e->attempts;
    item->queued_us = e->queued_us;
    item->next_attempt_us = e->next_attempt_us;
    item->last_attempt_us = e->last_attempt_us;
    item->last_error = e->last_error;
    item->last_code = e->last_code;
}

typedef struct {
    char *id;
    Balcao__V1__OutboxEntry *entry;
} s_listed_t;

static int
s_by_queued (const void *a, const void *b)
{
    const s_listed_t *x = a, *y = b;
    if (x->entry->queued_us != y->entry->queued_us)
        return x->entry->queued_us < y->entry->queued_us ? -1 : 1;
    return strcmp (x->id, y->id);
}

static int
s_matches (const char *filter, const char *state)
{
    if (!filter || !*filter)
        return 1;
    if (notify_outbox_is (filter, "pending"))
        return notify_outbox_is (state, "pending") || notify_outbox_is (state, "sending") || notify_outbox_is (state, "accepted");
    return notify_outbox_is (filter, state);
}

/* Walks one of pending/dead, counting states and keeping the matches. */
static int
s_collect (notify_outbox_t *self, MDB_txn *txn, MDB_dbi dbi, const char *filter,
           Balcao__V1__OutboxList *list, s_listed_t **found, size_t *n, size_t *cap)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, dbi, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (int crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); crc == 0 && rc == 0;
         crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        char *id = strndup (k.mv_data, k.mv_size);
        Balcao__V1__OutboxEntry *e = notify_outbox_get (self, txn, id, &rc);
        if (!e) {
            free (id);
            if (rc == MDB_NOTFOUND)
                rc = 0;
            continue;
        }
        const char *state = notify_outbox_state (e);
        if (notify_outbox_is (state, "dead"))
            list->dead++;
        else if (notify_outbox_is (state, "retrying"))
            list->retrying++;
        else
            list->pending++;
        if (!s_matches (filter, state)) {
            free (id);
            balcao__v1__outbox_entry__free_unpacked (e, NULL);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *found = realloc (*found, *cap * sizeof **found);
        }
        (*found)[(*n)++] = (s_listed_t) {id, e};
    }
    mdb_cursor_close (cur);
    return rc;
}

int
notify_outbox_cmd_list (notify_outbox_t *self, bc_tx_t *tx, const ProtobufCMessage *payload,
                        bc_reply_t *reply)
{
    const Balcao__V1__ListOutbox *req = (const Balcao__V1__ListOutbox *) payload;
    const char *principal = bc_tx_principal (tx);
    /* Recipients and subjects are the team's to see, not a customer's. */
    if (!principal || strncmp (principal, "customer:", 9) == 0
        || strncmp (principal, "visitor:", 8) == 0) {
        bc_reply_error (reply, "forbidden", "a caixa de saída é da equipe de suporte",
                        "the outbox is for the support team");
        return 0;
    }
    const char *filter = req->filter;
    if (*filter && !notify_outbox_is (filter, "pending") && !notify_outbox_is (filter, "retrying")
        && !notify_outbox_is (filter, "dead")) {
        bc_reply_error (reply, "invalid", "filtro desconhecido: %s (use pending, retrying ou dead)",
                        "unknown filter: %s (use pending, retrying or dead)", filter);
        return 0;
    }
    size_t limit = req->limit ? req->limit : 100;
    if (limit > 1000)
        limit = 1000;
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__OutboxList list = BALCAO__V1__OUTBOX_LIST__INIT;
    s_listed_t *found = NULL;
    size_t n = 0, cap = 0;
    int rc = s_collect (self, txn, self->db_pending, filter, &list, &found, &n, &cap);
    if (rc == 0)
        rc = s_collect (self, txn, self->db_dead, filter, &list, &found, &n, &cap);
    if (rc == 0) {
        if (n > 1)
            qsort (found, n, sizeof *found, s_by_queued);
        size_t shown = n < limit ? n : limit;
        Balcao__V1__OutboxItem *items = calloc (shown ? shown : 1, sizeof *items);
        Balcao__V1__OutboxItem **ptrs = calloc (shown ? shown : 1, sizeof *ptrs);
        for (size_t i = 0; i < shown; i++) {
            balcao__v1__outbox_item__init (&items[i]);
            s_item (&items[i], found[i].id, found[i].entry);
            ptrs[i] = &items[i];
        }
        list.n_items = shown;
        list.items = ptrs;
        uint64_t count = 0;
        if (bc_store_get_u64 (txn, self->db_meta, "skipped_robot", &count) == 0)
            list.skipped_robot = count;
        count = 0;
        if (bc_store_get_u64 (txn, self->db_meta, "skipped_ack_rate", &count) == 0)
            list.skipped_ack_rate = count;
        bc_reply_ok (reply, &list.base);
        free (items);
        free (ptrs);
    }
    for (size_t i = 0; i < n; i++) {
        free (found[i].id);
        balcao__v1__outbox_entry__free_unpacked (found[i].entry, NULL);
    }
    free (found);
    return rc;
}

int
notify_outbox_cmd_resend (notify_outbox_t *self, bc_tx_t *tx, const ProtobufCMessage *payload,
                          bc_reply_t *reply)
{
    const Balcao__V1__ResendNotification *req = (const Balcao__V1__ResendNotification *) payload;
    const char *principal = bc_tx_principal (tx);
    if (!principal || strncmp (principal, "admin:", 6) != 0) {
        bc_reply_error (reply, "forbidden", "só administradores reenviam notificações",
                        "only admins resend notifications");
        return 0;
    }
    const char *id = req->notification_id;
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__OutboxEntry *e =
        *id && strlen (id) < NOTIFY_ID_MAX ? notify_outbox_get (self, txn, id, &rc) : NULL;
    if (!e) {
        if (*id && strlen (id) < NOTIFY_ID_MAX && rc != MDB_NOTFOUND)
            return rc;
        bc_reply_error (reply, "not_found", "notificação %s não existe",
                        "notification %s does not exist", id);
        return 0;
    }
    if (!notify_outbox_is (notify_outbox_state (e), "dead")) {
        bc_reply_error (reply, "conflict",
                        "a notificação %s está %s; só uma notificação morta é reenviada",
                        "notification %s is %s; only a dead notification is resent", id,
                        notify_outbox_state (e));
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        return 0;
    }
    notify_outbox_set_str (&e->state, "pending");
    e->attempts = 0;
    e->next_attempt_us = bc_tx_now_us (tx);
    MDB_val k = {strlen (id), (void *) id}, empty = {0, ""};
    rc = notify_outbox_put (self, txn, id, e);
    if (rc == 0)
        rc = notify_outbox_del (txn, self->db_dead, id, strlen (id));
    if (rc == 0)
        rc = mdb_put (txn, self->db_pending, &k, &empty, 0);
    if (rc == 0)
        rc = notify_outbox_schedule (self, txn, e, e->next_attempt_us, id);
    if (rc == 0) {
        bc_info ("event=resend notification=%s by=%s", id, principal);
        Balcao__V1__OutboxItem item = BALCAO__V1__OUTBOX_ITEM__INIT;
        s_item (&item, id, e);
        bc_reply_ok (reply, &item.base);
    }
    balcao__v1__outbox_entry__free_unpacked (e, NULL);
    return rc;
}

