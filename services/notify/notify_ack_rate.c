/* notify_ack_rate: at most so many acknowledgements an hour to one
 * address (notify/ack_per_hour), so a mail loop or a flood from one sender
 * cannot make notify flood them back. LMDB "ack_rate": the address (lower
 * case) -> the times (u64 BE, oldest first) of its acknowledgements within
 * the last hour. */
#include "notify_ack_rate.h"

#include "bc_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The window the limit counts in. */
#define NOTIFY_ACK_WINDOW_US (3600LL * 1000000)

/* Forgets senders without an acknowledgement in the hour before when_us,
 * looking at a few keys after `key` (wrapping around) at each ack: the
 * table holds about the senders of the last hour, with no periodic scan. */
static int
s_prune (MDB_txn *txn, MDB_dbi db, const MDB_val *key, int64_t when_us)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, db, &cur);
    if (rc)
        return rc;
    MDB_val k = *key, v;
    int crc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    for (int i = 0; crc == 0 && rc == 0 && i < 4; i++) {
        crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        if (crc == MDB_NOTFOUND)
            crc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        if (crc || (k.mv_size == key->mv_size && memcmp (k.mv_data, key->mv_data, k.mv_size) == 0))
            break;
        /* Times are kept oldest first: the last one is the newest. */
        MDB_val newest = {8, (unsigned char *) v.mv_data + v.mv_size - 8};
        if (v.mv_size < 8 || (int64_t) bc_key_to_u64 (&newest) <= when_us - NOTIFY_ACK_WINDOW_US)
            rc = mdb_cursor_del (cur, 0);
    }
    mdb_cursor_close (cur);
    return rc;
}

/* Whether one more acknowledgement may go to `address` at when_us: at most
 * ack_per_hour in any hour. Records it when it may. The time is the router
 * event's, so a notify database rebuilt from the log decides the same. */
int
notify_ack_allowed (MDB_txn *txn, MDB_dbi db, int per_hour, const char *address, int64_t when_us,
                    int *allowed)
{
    *allowed = 1;
    if (per_hour <= 0)
        return 0;
    char key[256];
    size_t n = 0;
    for (; address[n] && n < sizeof key - 1; n++)
        key[n] = (char) tolower ((unsigned char) address[n]);
    MDB_val k = {n, key}, v;
    int rc = mdb_get (txn, db, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    /* The times of its acks within the hour before when_us, oldest first. */
    size_t count = rc == 0 ? v.mv_size / 8 : 0, kept = 0;
    uint64_t *times = calloc (count + 1, sizeof *times);
    for (size_t i = 0; i < count; i++) {
        MDB_val one = {8, (unsigned char *) v.mv_data + 8 * i};
        uint64_t t = bc_key_to_u64 (&one);
        if ((int64_t) t > when_us - NOTIFY_ACK_WINDOW_US)
            times[kept++] = t;
    }
    if (kept >= (size_t) per_hour)
        *allowed = 0;
    else
        times[kept++] = (uint64_t) when_us;
    v.mv_size = kept * 8;
    rc = mdb_put (txn, db, &k, &v, MDB_RESERVE);
    for (size_t i = 0; rc == 0 && i < kept; i++)
        bc_key_from_u64 (times[i], (unsigned char *) v.mv_data + 8 * i);
    free (times);
    if (rc == 0)
        rc = s_prune (txn, db, &k, when_us);
    return rc;
}
