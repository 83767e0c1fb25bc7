/* gateway_erasures: the gateway's part of an LGPD erasure (docs/
 * ARCHITECTURE.md, "LGPD: export and erasure"). The gateway consumes no
 * log: a thread of its own asks the router for its erasures every
 * gateway/erasure_sync_s (30 s; and at start), and deletes the portal
 * account of each person erased since the last it applied (matched by the
 * audit's subject hash: the router never hands out the address), with the
 * account's sessions, link tokens and web chats; then the store is
 * compacted. The last erasure applied is kept in the store's meta, so a
 * gateway down during an erasure applies it when it starts. */
#include "gateway_erasures.h"

#include "balcao/v1/router.pb-c.h"

#include "bc_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gateway_erasures_t {
    gateway_store_t *store;
    gateway_bus_t *bus;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, running;
};

static uint64_t
s_number (const char *id)
{
    return id && id[0] == 'e' ? strtoull (id + 1, NULL, 10) : 0;
}

int
gateway_erasures_sync (gateway_store_t *store, gateway_bus_t *bus)
{
    uint64_t seen = 0;
    int rc = gateway_store_meta_u64 (store, "erasures_seen", &seen, false);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__ListErasures req = BALCAO__V1__LIST_ERASURES__INIT;
    req.limit = 500;
    bc_envelope_t *reply = NULL;
    if (gateway_bus_call (bus, "router", "service:gateway", &req.base, &reply) != BC_OK)
        return -1; /* the router is away: next time */
    Balcao__V1__ErasureList *list = (Balcao__V1__ErasureList *) bc_envelope_payload (
        reply, &balcao__v1__erasure_list__descriptor);
    bc_envelope_destroy (&reply);
    if (!list)
        return -1;
    char (*hashes)[65] = calloc (list->n_erasures + 1, sizeof *hashes);
    size_t n = 0;
    uint64_t newest = seen;
    for (size_t i = 0; hashes && i < list->n_erasures; i++) {
        const Balcao__V1__Erasure *e = list->erasures[i];
        uint64_t num = s_number (e->id);
        if (num <= seen || strcmp (e->kind, "erase") != 0 || strlen (e->subject_hash) != 64)
            continue;
        memcpy (hashes[n++], e->subject_hash, 65);
        if (num > newest)
            newest = num;
    }
    for (size_t i = 0; hashes && newest == seen && i < list->n_erasures; i++)
        if (s_number (list->erasures[i]->id) > newest)
            newest = s_number (list->erasures[i]->id); /* exports: nothing to do */
    balcao__v1__erasure_list__free_unpacked (list, NULL);
    if (!hashes)
        return ENOMEM;
    unsigned accounts = 0;
    rc = n ? gateway_store_forget (store, hashes, n, &accounts) : 0;
    free (hashes);
    if (rc == 0 && newest > seen) {
        rc = gateway_store_meta_u64 (store, "erasures_seen", &newest, true);
        bc_info ("event=erasures_applied through=e%llu accounts_deleted=%u",
                 (unsigned long long) newest, accounts);
    }
    if (rc)
        bc_error ("event=erasures_failed reason=\"%s\" what_to_do=\"the gateway tries again; "
                  "check its disk\"",
                  gateway_store_strerror (rc));
    return rc;
}

static void *
s_loop (void *arg)
{
    gateway_erasures_t *self = arg;
    pthread_mutex_lock (&self->lock);
    while (!self->stopping) {
        pthread_mutex_unlock (&self->lock);
        gateway_erasures_sync (self->store, self->bus);
        pthread_mutex_lock (&self->lock);
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_sec += self->interval_s;
        while (!self->stopping
               && pthread_cond_timedwait (&self->wake, &self->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

gateway_erasures_t *
gateway_erasures_new (bc_config_t *config, gateway_store_t *store, gateway_bus_t *bus)
{
    gateway_erasures_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->bus = bus;
    self->interval_s = (int) bc_config_int (config, "gateway/erasure_sync_s", 30);
    if (self->interval_s < 1)
        self->interval_s = 1;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    self->running = pthread_create (&self->thread, NULL, s_loop, self) == 0;
    return self;
}

void
gateway_erasures_destroy (gateway_erasures_t **self_p)
{
    gateway_erasures_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    if (self->running)
        pthread_join (self->thread, NULL);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}
