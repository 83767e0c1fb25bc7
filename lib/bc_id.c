/* bc_id: ids from libsodium's CSPRNG, so they cannot be guessed. */
#include "bc_id.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* libsodium's default source makes one getrandom() system call per id; its
 * internal ChaCha20 generator, seeded once from the kernel, makes none. */
static void
s_init (void)
{
    randombytes_set_implementation (&randombytes_internal_implementation);
    if (sodium_init () < 0)
        abort ();
}

void
bc_id_new (char out[BC_ID_LEN + 1])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once (&once, s_init);
    unsigned char raw[BC_ID_LEN / 2];
    randombytes_buf (raw, sizeof raw);
    sodium_bin2hex (out, BC_ID_LEN + 1, raw, sizeof raw);
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
