/* notify_erase: notify's part of an LGPD erasure (docs/ARCHITECTURE.md,
 * "LGPD: export and erasure"). On the router's PersonErased: the subject's
 * notifications keep their states and times (delivery figures) but lose
 * the rendered mail or WhatsApp request and every address and name, their
 * `.eml` copies under the file transport are deleted, notify's view of
 * their tickets and their acknowledgement rate go, and notify's log,
 * stored replies and quarantine are scrubbed; the store is compacted after
 * the commit. Every replica does it for its own store. */
#include "notify_erase.h"
#include "notify_outbox_internal.h"

#include "balcao/v1/notify.pb-c.h"

#include "bc_log.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t
notify_erase_ticket_of (const char *id, size_t len)
{
    if (len < 3 || id[0] != 't')
        return 0;
    uint64_t n = 0;
    size_t i = 1;
    for (; i < len && id[i] >= '0' && id[i] <= '9'; i++)
        n = n * 10 + (uint64_t) (id[i] - '0');
    return i < len && id[i] == '-' ? n : 0;
}

void
notify_erase_file (const char *location)
{
    size_t n = location ? strlen (location) : 0;
    if (n > 4 && strcmp (location + n - 4, ".eml") == 0 && !strstr (location, "/../"))
        unlink (location);
}

static int
s_waiting (const char *state)
{
    return strcmp (state, "pending") == 0 || strcmp (state, "retrying") == 0;
}

/* The subject's notifications: scrubbed and marked; those still waiting
 * are not sent (dead, "anonimizado"); the file transport's copies go (by
 * the name it gives them, recorded or not yet). Everyone else's: only
 * the terms, should a notice have named the subject. */
static int
s_outbox (MDB_txn *txn, MDB_dbi db, MDB_dbi pending, const char *mail_dir, bc_tx_t *tx,
          const bc_scrub_t *scrub, uint64_t *changed, unsigned *files)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, db, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        Balcao__V1__OutboxEntry *e = balcao__v1__outbox_entry__unpack (NULL, v.mv_size, v.mv_data);
        if (!e)
            continue;
        int owned = bc_scrub_has_ticket (scrub, notify_erase_ticket_of (k.mv_data, k.mv_size));
        int did = owned ? bc_scrub_owned (scrub, &e->base) : bc_scrub_message (scrub, &e->base);
        if (owned) {
            char path[4400];
            snprintf (path, sizeof path, "%s/%.*s.eml", mail_dir, (int) k.mv_size,
                      (const char *) k.mv_data);
            if (unlink (path) == 0)
                (*files)++;
            if (e->location && strcmp (e->location, path) != 0)
                notify_erase_file (e->location);
            e->erased_us = bc_tx_now_us (tx);
            if (s_waiting (e->state)) {
                notify_outbox_set_str (&e->state, "dead");
                notify_outbox_set_str (&e->last_error,
                                       "não enviada: o cliente foi anonimizado (LGPD)");
                MDB_val pk = {k.mv_size, k.mv_data};
                unsigned char copy[512];
                if (pk.mv_size <= sizeof copy) {
                    memcpy (copy, pk.mv_data, pk.mv_size);
                    pk.mv_data = copy;
                    int r = mdb_del (txn, pending, &pk, NULL);
                    if (r && r != MDB_NOTFOUND)
                        rc = r;
                }
            }
            did = 1;
        }
        if (did && rc == 0) {
            size_t len = protobuf_c_message_get_packed_size (&e->base);
            uint8_t *buf = malloc (len ? len : 1);
            if (buf) {
                protobuf_c_message_pack (&e->base, buf);
                rc = bc_cursor_replace (cur, &k, buf, len);
                free (buf);
                (*changed)++;
            } else
                rc = ENOMEM;
        }
        balcao__v1__outbox_entry__free_unpacked (e, NULL);
        if (rc)
            break;
    }
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A schedule's entry (due time u64 BE ‖ notification id) of the subject's. */
static int
s_pick_due (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    return k->mv_size > 8
           && bc_scrub_has_ticket (arg, notify_erase_ticket_of ((const char *) k->mv_data + 8,
                                                     k->mv_size - 8));
}

/* wa_numbers: an identity and the number it last wrote from. */
static int
s_pick_number (const MDB_val *k, const MDB_val *v, void *arg)
{
    return bc_scrub_mentions (arg, k->mv_data, k->mv_size)
           || bc_scrub_mentions (arg, v->mv_data, v->mv_size);
}

/* ack_rate: a key (an address) that names the subject. */
static int
s_pick_key (const MDB_val *k, const MDB_val *v, void *arg)
{
    (void) v;
    return bc_scrub_mentions (arg, k->mv_data, k->mv_size);
}

int
notify_erase (bc_tx_t *tx, const bc_envelope_t *ev)
{
    bc_scrub_t *scrub = bc_scrub_from_event (ev->payload.data, ev->payload.len);
    if (!scrub)
        return bc_tx_fail (tx, "PersonErased that does not decode");
    bc_service_t *svc = bc_tx_service (tx);
    MDB_txn *txn = bc_tx_txn (tx);
    MDB_dbi db_tickets = bc_service_dbi (svc, "tickets");
    const uint64_t *tickets;
    size_t nt = bc_scrub_tickets (scrub, &tickets);
    int rc = 0;
    /* Its view of the tickets says who the subject is here; then it goes. */
    for (size_t i = 0; i < nt && rc == 0; i++) {
        unsigned char key[8];
        bc_key_from_u64 (tickets[i], key);
        MDB_val k = {8, key}, v;
        if ((rc = mdb_get (txn, db_tickets, &k, &v))) {
            rc = rc == MDB_NOTFOUND ? 0 : rc;
            continue;
        }
        bc_scrub_learn_packed (scrub, &balcao__v1__notify_ticket__descriptor, v.mv_data, v.mv_size);
        rc = mdb_del (txn, db_tickets, &k, NULL);
    }
    bc_config_t *cfg = bc_service_config (svc);
    char dflt[4096], mail_dir[4200];
    snprintf (dflt, sizeof dflt, "%s/outbox", bc_config_data_dir (cfg));
    snprintf (mail_dir, sizeof mail_dir, "%s/mail", bc_config_str (cfg, "notify/outbox_dir", dflt));
    uint64_t changed = 0;
    unsigned files = 0;
    if (rc == 0)
        rc = bc_tx_scrub_learn (tx, scrub);
    if (rc == 0)
        rc = s_outbox (txn, bc_service_dbi (svc, "outbox"), bc_service_dbi (svc, "pending"),
                       mail_dir, tx, scrub, &changed, &files);
    static const char *const schedules[] = {"due", "wa_due", "wh_due"};
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = bc_store_delete_where (txn, bc_service_dbi (svc, schedules[i]), s_pick_due, scrub,
                                    NULL);
    /* The customer's own records, unless only some tickets go (retention). */
    int whole = !bc_scrub_is_owned_only (scrub);
    /* Other people's tickets that name them (copied, a participant). */
    if (rc == 0 && whole)
        rc = bc_scrub_db (txn, db_tickets, &balcao__v1__notify_ticket__descriptor, scrub, 0,
                          &changed);
    if (rc == 0 && whole)
        rc = bc_store_delete_where (txn, bc_service_dbi (svc, "ack_rate"), s_pick_key, scrub, NULL);
    if (rc == 0 && whole)
        rc = bc_store_delete_where (txn, bc_service_dbi (svc, "wa_numbers"), s_pick_number, scrub,
                                    NULL);
    if (rc == 0)
        rc = bc_tx_scrub (tx, scrub, &changed);
    if (rc == 0) {
        bc_tx_compact_after (tx);
        bc_info ("event=person_erased erasure=%s tickets=%zu files_deleted=%u "
                 "records_rewritten=%llu",
                 bc_scrub_label (scrub) + 8, nt, files, (unsigned long long) changed);
    }
    bc_scrub_destroy (&scrub);
    return rc;
}
