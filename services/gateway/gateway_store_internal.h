/* gateway_store_internal: the store's state, shared by its files
 * (gateway_store.c: accounts, staff, sessions, links, chats;
 * gateway_store_forget.c: the LGPD erasure's deletions). Not for other
 * rooms: they see gateway_store.h only. */
#ifndef GATEWAY_STORE_INTERNAL_H
#define GATEWAY_STORE_INTERNAL_H

#include "gateway_seal.h"
#include "gateway_store.h"

#include "bc_store.h"

struct gateway_store_t {
    bc_store_t *store;
    bool compact_pending; /* an erasure's compaction failed: tried at the next sync */
    MDB_dbi accounts, sessions, by_address, tokens, meta, staff, chats;
    unsigned char secret[32];
    unsigned char seal_key[GATEWAY_SEAL_KEY_SIZE]; /* gateway_seal: staff TOTP seeds */
};

/* Ends a write transaction: commits it when rc is 0, else aborts it and
 * returns rc. */
int gateway_store_end (gateway_store_t *self, MDB_txn *txn, int rc);

#endif
