/* gateway_ratelimit: per key, the times of its last `limit` events (a
 * ring), in a CZMQ hash under one lock. */
#include "gateway_ratelimit.h"

#include <czmq.h>
#include <pthread.h>

typedef struct {
    int64_t times[GATEWAY_RATELIMIT_MAX]; /* ms, oldest at `next` once full */
    int count, next;
    int64_t last;
} s_entry_t;

struct gateway_ratelimit_t {
    pthread_mutex_t lock;
    zhash_t *keys;
    int limit, max_keys;
    int64_t window_ms;
};

gateway_ratelimit_t *
gateway_ratelimit_new (int limit, int window_s, int max_keys)
{
    gateway_ratelimit_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    self->keys = zhash_new ();
    self->limit = limit < 1 ? 1 : limit > GATEWAY_RATELIMIT_MAX ? GATEWAY_RATELIMIT_MAX : limit;
    self->window_ms = (int64_t) window_s * 1000;
    self->max_keys = max_keys;
    return self;
}

void
gateway_ratelimit_destroy (gateway_ratelimit_t **self_p)
{
    gateway_ratelimit_t *self = *self_p;
    if (!self)
        return;
    zhash_destroy (&self->keys);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

/* Forgets keys quiet for a whole window; when none is, the table is full of
 * busy keys and the oldest one goes. */
static void
s_prune (gateway_ratelimit_t *self, int64_t now_ms)
{
    zlist_t *names = zhash_keys (self->keys);
    const char *oldest = NULL;
    int64_t oldest_last = INT64_MAX;
    size_t removed = 0;
    for (const char *k = zlist_first (names); k; k = zlist_next (names)) {
        s_entry_t *e = zhash_lookup (self->keys, k);
        if (now_ms - e->last >= self->window_ms) {
            zhash_delete (self->keys, k);
            removed++;
        }
        else if (e->last < oldest_last) {
            oldest_last = e->last;
            oldest = k;
        }
    }
    if (!removed && oldest)
        zhash_delete (self->keys, oldest);
    zlist_destroy (&names);
}

static void
s_add (gateway_ratelimit_t *self, s_entry_t *e, int64_t now_ms)
{
    e->times[e->next] = now_ms;
    e->next = (e->next + 1) % self->limit;
    if (e->count < self->limit)
        e->count++;
    e->last = now_ms;
}

static s_entry_t *
s_entry (gateway_ratelimit_t *self, const char *key, int64_t now_ms, bool make)
{
    s_entry_t *e = zhash_lookup (self->keys, key);
    if (e || !make)
        return e;
    if ((int) zhash_size (self->keys) >= self->max_keys)
        s_prune (self, now_ms);
    e = calloc (1, sizeof *e);
    if (!e)
        return NULL;
    zhash_insert (self->keys, key, e);
    zhash_freefn (self->keys, key, free);
    return e;
}

bool
gateway_ratelimit_allow (gateway_ratelimit_t *self, const char *key, bool count, int64_t now_ms,
                         int *retry_after_s)
{
    pthread_mutex_lock (&self->lock);
    s_entry_t *e = s_entry (self, key, now_ms, count);
    bool ok = true;
    if (e && e->count == self->limit) {
        /* Full ring: the oldest of the last `limit` times is at `next`. */
        int64_t oldest = e->times[e->next];
        int64_t wait_ms = oldest + self->window_ms - now_ms;
        if (wait_ms > 0) {
            ok = false;
            *retry_after_s = (int) ((wait_ms + 999) / 1000);
        }
    }
    if (ok && count && e)
        s_add (self, e, now_ms);
    pthread_mutex_unlock (&self->lock);
    return ok;
}

void
gateway_ratelimit_count (gateway_ratelimit_t *self, const char *key, int64_t now_ms)
{
    pthread_mutex_lock (&self->lock);
    s_entry_t *e = s_entry (self, key, now_ms, true);
    if (e)
        s_add (self, e, now_ms);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_ratelimit_forget (gateway_ratelimit_t *self, const char *key)
{
    pthread_mutex_lock (&self->lock);
    zhash_delete (self->keys, key);
    pthread_mutex_unlock (&self->lock);
}
