/* bc_store_repack: a database's pages, packed again (see bc_store.h). */
#include "bc_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Copies every record of from into to (empty), in key order with
 * MDB_APPEND: LMDB fills each page before it starts the next. With
 * is_move, each record leaves from as it is copied: from's pages, written
 * in this transaction, are emptied and taken again for to's (an LMDB page
 * freed in the transaction that made it is reused at once), so the copy
 * back costs no new pages. Each record is copied out first: a value read
 * in a write transaction may move once the transaction writes. */
static int
s_copy_packed (MDB_txn *txn, MDB_dbi from, MDB_dbi to, int is_move)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, from, &cur);
    if (rc)
        return rc;
    unsigned char *buf = NULL;
    size_t cap = 0;
    MDB_val k, v;
    int op = MDB_FIRST;
    while (!rc && (rc = mdb_cursor_get (cur, &k, &v, op)) == 0) {
        if (k.mv_size + v.mv_size > cap) {
            cap = (k.mv_size + v.mv_size) * 2;
            unsigned char *more = realloc (buf, cap);
            if (!more) {
                rc = ENOMEM;
                break;
            }
            buf = more;
        }
        memcpy (buf, k.mv_data, k.mv_size);
        memcpy (buf + k.mv_size, v.mv_data, v.mv_size);
        MDB_val kc = {k.mv_size, buf}, vc = {v.mv_size, buf + k.mv_size};
        if (is_move && (rc = mdb_cursor_del (cur, 0)))
            break;
        rc = mdb_put (txn, to, &kc, &vc, MDB_APPEND);
        op = is_move ? MDB_FIRST : MDB_NEXT;
    }
    free (buf);
    mdb_cursor_close (cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static size_t
s_pages (MDB_txn *txn, MDB_dbi dbi)
{
    MDB_stat st;
    return mdb_stat (txn, dbi, &st) ? 0
                                     : st.ms_leaf_pages + st.ms_branch_pages + st.ms_overflow_pages;
}

int
bc_store_repack (MDB_txn *txn, MDB_dbi dbi, MDB_dbi scratch, size_t *pages_before,
                 size_t *pages_after)
{
    *pages_before = s_pages (txn, dbi);
    int rc = mdb_drop (txn, scratch, 0);
    if (!rc)
        rc = s_copy_packed (txn, dbi, scratch, 0);
    if (!rc)
        rc = mdb_drop (txn, dbi, 0);
    if (!rc)
        rc = s_copy_packed (txn, scratch, dbi, 1);
    *pages_after = s_pages (txn, dbi);
    return rc;
}

/* LMDB's page header and each node's header and index slot; a node larger
 * than about half a page keeps its value on overflow pages of its own. */
#define S_PAGE_HEADER 16
#define S_NODE_HEADER 8
#define S_SLOT 2

int
bc_store_measure (MDB_txn *txn, MDB_dbi dbi, size_t *leaf_pages, size_t *packed_pages)
{
    MDB_stat st;
    int rc = mdb_stat (txn, dbi, &st);
    if (rc)
        return rc;
    size_t room = st.ms_psize - S_PAGE_HEADER, node_max = (room / 2) & ~(size_t) 1;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, dbi, &cur)))
        return rc;
    uint64_t bytes = 0;
    MDB_val k, v;
    int op = MDB_FIRST;
    while ((rc = mdb_cursor_get (cur, &k, &v, op)) == 0) {
        size_t node = S_NODE_HEADER + k.mv_size + v.mv_size;
        if (node > node_max)
            node = S_NODE_HEADER + k.mv_size + sizeof (uint64_t); /* the value's page number */
        bytes += node + S_SLOT;
        op = MDB_NEXT;
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    *leaf_pages = st.ms_leaf_pages;
    *packed_pages = (size_t) ((bytes + room - 1) / room);
    return 0;
}
