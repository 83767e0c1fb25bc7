/* gateway_sessions: signed-in customers' sessions and the secrets of the
 * accounts room (session ids, link tokens, CSRF tokens): made at random,
 * handed out once, and kept only as their BLAKE2b hashes. A session ends
 * after gateway/session_idle_hours (12) without a request, after
 * gateway/session_max_days (30) in any case, at sign-out, or when its
 * account's password is reset elsewhere. */
#ifndef GATEWAY_SESSIONS_H
#define GATEWAY_SESSIONS_H

#include "bc_config.h"
#include "gateway_store.h"

typedef struct gateway_sessions_t gateway_sessions_t;

gateway_sessions_t *gateway_sessions_new (bc_config_t *config, gateway_store_t *store);
void gateway_sessions_destroy (gateway_sessions_t **self_p);

/* Starts a session for address acting as principal (NULL: the customer
 * "customer:<address>"; a staff person's id, with their name): its id (the
 * cookie's value) in id, its record in *out and its key in key. 0 or an
 * LMDB code. */
int gateway_sessions_start (gateway_sessions_t *self, const char *address, const char *principal,
                            const char *name, char id[GATEWAY_SECRET_LEN + 1],
                            gateway_session_t *out, unsigned char key[GATEWAY_KEY_SIZE]);
/* The live session whose id is `id` (len bytes, from the cookie): 0 with
 * *out and key; MDB_NOTFOUND when there is none (an expired one is deleted
 * on the way). Notes the request's time, at most once a minute. */
int gateway_sessions_find (gateway_sessions_t *self, const char *id, size_t len,
                           gateway_session_t *out, unsigned char key[GATEWAY_KEY_SIZE]);
/* The same by key (a request already identified). */
int gateway_sessions_get (gateway_sessions_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                          gateway_session_t *out);
/* How long the cookie lives (gateway/session_max_days), in seconds. */
long gateway_sessions_max_age_s (gateway_sessions_t *self);

/* A new secret: 32 random bytes as unpadded URL-safe base64. */
void gateway_secret_new (char out[GATEWAY_SECRET_LEN + 1]);
/* The key a secret is stored under: BLAKE2b-256 of its text. */
void gateway_secret_key (const char *secret, size_t len, unsigned char key[GATEWAY_KEY_SIZE]);
/* A 32-byte key as hex and back (gateway_req_t.session_key). */
void gateway_key_hex (const unsigned char key[GATEWAY_KEY_SIZE],
                      char hex[2 * GATEWAY_KEY_SIZE + 1]);
bool gateway_key_from_hex (const char *hex, unsigned char key[GATEWAY_KEY_SIZE]);

#endif
