/* kb_replica: a read replica of kb, for search load (kb/read_replicas = N;
 * `balcao-kb -r 2` is kb-2). It reads the router's log as kb does (its own
 * record and index of every ticket) and kb's log for the articles
 * (ArticleChanged: each version as kb stored it), and answers the same
 * searches with the same code. It writes nothing anyone reads: every
 * write request is answered `read_only` by the runtime, and it neither
 * runs the bot's conversations nor looks for recurring problems (kb does,
 * once). Started from a copy of kb's data (balcaoctl backup), it carries
 * on from the copy's position in kb's log. */
#include "kb_internal.h"

#include "bc_log.h"
#include "bc_store.h"

#include <string.h>

static int
s_on_kb (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    kb_t *self = state;
    Balcao__V1__ArticleChanged *ac = (Balcao__V1__ArticleChanged *) bc_envelope_payload (
        ev, &balcao__v1__article_changed__descriptor);
    if (!ac)
        return 0;
    int rc = 0;
    if (ac->article) {
        /* The event holds the version without its counters: keep ours. */
        Balcao__V1__Article *cur = kb_article_get (self, bc_tx_txn (tx), ac->article->id);
        if (cur) {
            ac->article->views = cur->views;
            ac->article->helpful_yes = cur->helpful_yes;
            ac->article->helpful_no = cur->helpful_no;
            balcao__v1__article__free_unpacked (cur, NULL);
        }
        rc = kb_article_replicate (self, tx, ac->article);
        if (rc == -1)
            rc = kb_index_failed (tx, self->articles);
    }
    balcao__v1__article_changed__free_unpacked (ac, NULL);
    return rc;
}

int
kb_replica_setup (kb_t *self)
{
    bc_service_t *svc = self->svc;
    self->is_replica = 1;
    /* A copy of kb's data holds kb's log: its head is how far the copy
     * had come, where this replica carries on. */
    MDB_txn *txn;
    uint64_t cursor = 0, head = 0;
    if (mdb_txn_begin (bc_store_env (bc_service_store (svc)), NULL, 0, &txn) == 0) {
        MDB_dbi cursors = bc_service_dbi (svc, "cursors"), log = bc_service_dbi (svc, "log");
        MDB_cursor *cur;
        if (bc_store_get_u64 (txn, cursors, "kb", &cursor) == MDB_NOTFOUND
            && mdb_cursor_open (txn, log, &cur) == 0) {
            MDB_val k, v;
            if (mdb_cursor_get (cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
                head = bc_key_to_u64 (&k);
            mdb_cursor_close (cur);
        }
        int rc = head ? bc_store_put_u64 (txn, cursors, "kb", head) : 0;
        if (rc || mdb_txn_commit (txn)) {
            if (rc)
                mdb_txn_abort (txn);
            bc_error ("event=replica_setup_failed reason=\"%s\"", bc_store_strerror (rc));
            return -1;
        }
        if (head)
            bc_info ("event=replica_from_copy source=kb from_seq=%llu",
                     (unsigned long long) head + 1);
    }
    bc_service_consume_instance (svc, "kb", s_on_kb);
    bc_info ("event=read_replica of=kb");
    return 0;
}
