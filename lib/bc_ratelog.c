/* bc_ratelog: per-peer log rate limit (see bc_ratelog.h). */
#include "bc_ratelog.h"

#include <czmq.h>
#include <stdlib.h>

struct bc_ratelog_t {
    zhash_t *peers; /* address -> bc_ratelog_peer_t */
    int interval_ms;
    int max_peers;
};

typedef struct {
    int64_t last_ms;  /* when this peer's last line was written */
    int64_t left_out; /* lines left out since */
} bc_ratelog_peer_t;

bc_ratelog_t *
bc_ratelog_new (int interval_ms, int max_peers)
{
    bc_ratelog_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->peers = zhash_new ();
    self->interval_ms = interval_ms;
    self->max_peers = max_peers > 1 ? max_peers : 1;
    return self;
}

void
bc_ratelog_destroy (bc_ratelog_t **self_p)
{
    assert (self_p);
    bc_ratelog_t *self = *self_p;
    if (!self)
        return;
    zhash_destroy (&self->peers);
    free (self);
    *self_p = NULL;
}

/* Forgets the peers that wrote nothing for an interval and have nothing
 * left out to report. */
static void
s_forget_quiet (bc_ratelog_t *self, int64_t now_ms)
{
    zlist_t *keys = zhash_keys (self->peers);
    for (const char *k = zlist_first (keys); k; k = zlist_next (keys)) {
        bc_ratelog_peer_t *p = zhash_lookup (self->peers, k);
        if (now_ms - p->last_ms >= self->interval_ms && p->left_out == 0)
            zhash_delete (self->peers, k);
    }
    zlist_destroy (&keys);
}

int64_t
bc_ratelog_check (bc_ratelog_t *self, const char *peer, int64_t now_ms)
{
    assert (self);
    const char *key = peer && *peer ? peer : "-";
    bc_ratelog_peer_t *p = zhash_lookup (self->peers, key);
    if (!p) {
        if ((int) zhash_size (self->peers) >= self->max_peers)
            s_forget_quiet (self, now_ms);
        if ((int) zhash_size (self->peers) >= self->max_peers)
            key = "*"; /* too many talkative peers: they share one slot */
        p = zhash_lookup (self->peers, key);
    }
    if (!p) {
        p = calloc (1, sizeof *p);
        p->last_ms = now_ms;
        zhash_insert (self->peers, key, p);
        zhash_freefn (self->peers, key, free);
        return 0;
    }
    if (now_ms - p->last_ms < self->interval_ms) {
        p->left_out++;
        return -1;
    }
    int64_t left_out = p->left_out;
    p->last_ms = now_ms;
    p->left_out = 0;
    return left_out;
}
