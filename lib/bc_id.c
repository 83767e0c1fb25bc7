/* bc_id: ids from libsodium's CSPRNG, so they cannot be guessed. Random
 * bytes are drawn 4 KiB at a time into a per-thread pool: one library call
 * (and its fork check, a getpid() system call) per 256 ids, not per id. */
#include "bc_id.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void
s_init (void)
{
    if (sodium_init () < 0)
        abort ();
}

void
bc_id_new (char out[BC_ID_LEN + 1])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static _Thread_local unsigned char pool[4096];
    static _Thread_local size_t used = sizeof pool;
    pthread_once (&once, s_init);
    if (used + BC_ID_LEN / 2 > sizeof pool) {
        randombytes_buf (pool, sizeof pool);
        used = 0;
    }
    sodium_bin2hex (out, BC_ID_LEN + 1, pool + used, BC_ID_LEN / 2);
    sodium_memzero (pool + used, BC_ID_LEN / 2);
    used += BC_ID_LEN / 2;
}

int
bc_id_is_valid (const char *s)
{
    size_t n = s ? strlen (s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}
