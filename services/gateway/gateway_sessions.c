/* gateway_sessions: expiry and the secrets' form. The store keeps the
 * records; this decides which are alive. */
#include "gateway_sessions.h"

#include "bc_clock.h"
#include "bc_log.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* A request's time is written down at most this often (a write per request
 * would fsync for every page a customer opens). */
#define GATEWAY_SEEN_EVERY_US (60LL * 1000000)

struct gateway_sessions_t {
    gateway_store_t *store;
    int64_t idle_us, max_us;
};

gateway_sessions_t *
gateway_sessions_new (bc_config_t *config, gateway_store_t *store)
{
    gateway_sessions_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    /* gateway/session_idle_s and session_max_s, when set, win (tests). */
    self->idle_us = bc_config_int (config, "gateway/session_idle_s",
                                   bc_config_int (config, "gateway/session_idle_hours", 12) * 3600) *
                    1000000LL;
    self->max_us = bc_config_int (config, "gateway/session_max_s",
                                  bc_config_int (config, "gateway/session_max_days", 30) * 86400) *
                   1000000LL;
    return self;
}

void
gateway_sessions_destroy (gateway_sessions_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

long
gateway_sessions_max_age_s (gateway_sessions_t *self)
{
    return (long) (self->max_us / 1000000);
}

void
gateway_secret_new (char out[GATEWAY_SECRET_LEN + 1])
{
    unsigned char bytes[32];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2base64 (out, GATEWAY_SECRET_LEN + 1, bytes, sizeof bytes,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero (bytes, sizeof bytes);
}

void
gateway_secret_key (const char *secret, size_t len, unsigned char key[GATEWAY_KEY_SIZE])
{
    crypto_generichash (key, GATEWAY_KEY_SIZE, (const unsigned char *) secret, len, NULL, 0);
}

void
gateway_key_hex (const unsigned char key[GATEWAY_KEY_SIZE], char hex[2 * GATEWAY_KEY_SIZE + 1])
{
    sodium_bin2hex (hex, 2 * GATEWAY_KEY_SIZE + 1, key, GATEWAY_KEY_SIZE);
}

bool
gateway_key_from_hex (const char *hex, unsigned char key[GATEWAY_KEY_SIZE])
{
    size_t n;
    return hex && strlen (hex) == 2 * GATEWAY_KEY_SIZE &&
           sodium_hex2bin (key, GATEWAY_KEY_SIZE, hex, 2 * GATEWAY_KEY_SIZE, NULL, &n, NULL) == 0 &&
           n == GATEWAY_KEY_SIZE;
}

int
gateway_sessions_start (gateway_sessions_t *self, const char *address, const char *principal,
                        const char *name, char id[GATEWAY_SECRET_LEN + 1], gateway_session_t *out,
                        unsigned char key[GATEWAY_KEY_SIZE])
{
    gateway_secret_new (id);
    gateway_secret_key (id, GATEWAY_SECRET_LEN, key);
    memset (out, 0, sizeof *out);
    snprintf (out->address, sizeof out->address, "%s", address);
    if (principal)
        snprintf (out->principal, sizeof out->principal, "%s", principal);
    else
        snprintf (out->principal, sizeof out->principal, "customer:%s", address);
    snprintf (out->name, sizeof out->name, "%s", name ? name : "");
    gateway_secret_new (out->csrf);
    int64_t now = bc_now_us ();
    out->created_us = out->seen_us = now;
    int rc = gateway_store_session_put (self->store, key, out);
    if (rc == 0) {
        int prc = gateway_store_sessions_prune (self->store, key, now - self->idle_us,
                                                now - self->max_us);
        if (prc)
            bc_warn ("event=session_prune_failed reason=\"%s\"", gateway_store_strerror (prc));
    }
    return rc;
}

static int
s_alive (gateway_sessions_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
         gateway_session_t *out, bool touch)
{
    int rc = gateway_store_session_get (self->store, key, out);
    if (rc)
        return rc;
    int64_t now = bc_now_us ();
    if (now - out->seen_us > self->idle_us || now - out->created_us > self->max_us) {
        gateway_store_session_del (self->store, key);
        return MDB_NOTFOUND;
    }
    if (touch && now - out->seen_us > GATEWAY_SEEN_EVERY_US) {
        out->seen_us = now;
        rc = gateway_store_session_touch (self->store, key, now);
        if (rc && rc != MDB_NOTFOUND)
            bc_warn ("event=session_touch_failed reason=\"%s\"", gateway_store_strerror (rc));
    }
    return 0;
}

int
gateway_sessions_find (gateway_sessions_t *self, const char *id, size_t len,
                       gateway_session_t *out, unsigned char key[GATEWAY_KEY_SIZE])
{
    gateway_secret_key (id, len, key);
    return s_alive (self, key, out, true);
}

int
gateway_sessions_get (gateway_sessions_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                      gateway_session_t *out)
{
    return s_alive (self, key, out, false);
}
