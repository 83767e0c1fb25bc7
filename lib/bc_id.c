/* bc_id: ids from libsodium's CSPRNG, so they cannot be guessed. */
#include "bc_id.h"

#include <sodium.h>
#include <string.h>

void
bc_id_new (char out[BC_ID_LEN + 1])
{
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
