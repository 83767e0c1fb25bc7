/* gateway_ratelimit: how many times a key (an address, a peer's IP) did
 * something in a sliding window, in memory, from any thread. A restart
 * forgets the counts: the limits slow down guessing and mail bombing; they
 * are not an account lock. */
#ifndef GATEWAY_RATELIMIT_H
#define GATEWAY_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Most times one key may be counted in a window. */
#define GATEWAY_RATELIMIT_MAX 64

typedef struct gateway_ratelimit_t gateway_ratelimit_t;

/* `limit` times (at most GATEWAY_RATELIMIT_MAX) per `window_s` seconds for
 * each key; at most max_keys keys remembered (beyond, the quiet ones are
 * forgotten first). */
gateway_ratelimit_t *gateway_ratelimit_new (int limit, int window_s, int max_keys);
void gateway_ratelimit_destroy (gateway_ratelimit_t **self_p);

/* True when key may do it once more at now_ms (monotonic); with `count`,
 * that time is counted. False with *retry_after_s, the seconds until it
 * may. */
bool gateway_ratelimit_allow (gateway_ratelimit_t *self, const char *key, bool count,
                              int64_t now_ms, int *retry_after_s);
/* Counts one time for key (e.g. a failure found after the check). */
void gateway_ratelimit_count (gateway_ratelimit_t *self, const char *key, int64_t now_ms);
/* Forgets key (e.g. its failures, after a success). */
void gateway_ratelimit_forget (gateway_ratelimit_t *self, const char *key);

#endif
