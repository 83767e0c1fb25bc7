/* bc_store: one LMDB environment per service, its named databases, map growth
 * and the conversion of LMDB errors into sentences, in one place. */
#ifndef BC_STORE_H
#define BC_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bc_store_t bc_store_t;

/* Opens (creating) the environment in directory dir with the named databases
 * names[0..count-1]. map_size is the initial map size in bytes; the map grows
 * by doubling when full. Durable: no MDB_NOSYNC. Returns 0 or an LMDB/errno
 * code. */
int bc_store_open (bc_store_t **self_p, const char *dir, const char *const *names, int count,
                   size_t map_size);
void bc_store_destroy (bc_store_t **self_p);

MDB_env *bc_store_env (bc_store_t *self);
/* The handle of a named database given at open; aborts on an unknown name
 * (a programmer error). */
MDB_dbi bc_store_dbi (bc_store_t *self, const char *name);
/* Doubles the map. Call with no transaction open, after MDB_MAP_FULL. */
int bc_store_grow (bc_store_t *self);
size_t bc_store_map_size (bc_store_t *self);
/* Replaces the value at the cursor (MDB_CURRENT) with data. The key is
 * copied first: LMDB re-inserts a value whose size changed, and a key
 * read from the page it shifts would name another record. */
int bc_cursor_replace (MDB_cursor *cur, const MDB_val *key, const void *data, size_t len);
/* Deletes every record of dbi that pred (1: delete) picks, reading all of
 * them first (no cursor deletes in the walk). *n (may be NULL) counts them.
 * 0 or an LMDB/errno code. */
typedef int (bc_store_pick_fn) (const MDB_val *key, const MDB_val *value, void *arg);
int bc_store_delete_where (MDB_txn *txn, MDB_dbi dbi, bc_store_pick_fn *pred, void *arg,
                           unsigned *n);
/* Transactions that never overlap bc_store_compact's swap: for a store
 * used from several threads (the gateway's; ZAP's reads of a service's).
 * Every begin that succeeds is ended by one commit or abort. */
int bc_store_txn_begin (bc_store_t *self, unsigned flags, MDB_txn **txn);
int bc_store_txn_commit (bc_store_t *self, MDB_txn *txn);
void bc_store_txn_abort (bc_store_t *self, MDB_txn *txn);
/* A read transaction (bc_store_txn_begin with MDB_RDONLY), and its end. */
int bc_store_read_begin (bc_store_t *self, MDB_txn **txn);
void bc_store_read_end (bc_store_t *self, MDB_txn *txn);
/* Replaces the store's file by a copy of its records written afresh (no
 * free page, and no page's unused part, keeps anything a deleted or
 * rewritten record left behind), then opens it again with the same
 * databases and handles.
 * Call with no transaction of the calling thread open; other threads'
 * transactions must go through bc_store_txn_begin (they wait). The sizes of
 * data.mdb before and after. 0 or an LMDB/errno code (a failure before the
 * swap leaves the store as it was; after it, the store is unusable and the
 * service must stop). */
int bc_store_compact (bc_store_t *self, uint64_t *before, uint64_t *after);
/* True after a compaction whose swap could not open the store again. */
int bc_store_is_broken (bc_store_t *self);

/* bc_store_repack.c. LMDB splits a full page into two halves, so a
 * database whose records grow after they are written (a ticket's, at each
 * change) ends with its pages about half full. Copies every record of dbi
 * out in key order into scratch (an empty database) and back, each page
 * filled before the next, in txn; the page counts before and after. 0 or
 * an LMDB code (MDB_MAP_FULL: grow the map and try again). */
int bc_store_repack (MDB_txn *txn, MDB_dbi dbi, MDB_dbi scratch, size_t *pages_before,
                     size_t *pages_after);
/* Walks dbi's records: its leaf pages, and how many its records would fill
 * packed. 0 or an LMDB code. */
int bc_store_measure (MDB_txn *txn, MDB_dbi dbi, size_t *leaf_pages, size_t *packed_pages);

/* Makes dir and its parents (mkdir -p). Another process making the same
 * directories at the same time is fine. Returns 0 or an errno value. */
int bc_dir_ensure (const char *dir);
/* Makes an empty file at path (kept if there) and syncs it: a mark that
 * survives a crash. 0 or an errno value. */
int bc_store_mark (const char *path);
/* Writes all of data to fd (retrying short writes and EINTR). 0 or errno. */
int bc_write_all (int fd, const void *data, size_t len);
/* The whole of a file ("-": standard input), NUL-terminated, or NULL when
 * it cannot be opened. Free the result. */
char *bc_read_file (const char *path);

/* Keys that sort numerically: 8 bytes big-endian. */
void bc_key_from_u64 (uint64_t v, unsigned char out[8]);
uint64_t bc_key_to_u64 (const MDB_val *key);

/* Get/put a uint64 value under a string key. get returns MDB_NOTFOUND when
 * absent (and leaves *out untouched). */
int bc_store_get_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out);
int bc_store_put_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value);

/* A sentence for any code returned by LMDB or the system. */
const char *bc_store_strerror (int rc);

#endif
