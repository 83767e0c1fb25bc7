/* gateway_seal: sealed secrets (see the header). */
#include "gateway_seal.h"

#include "bc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PREFIX "s1:"
#define S_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define S_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

int
gateway_seal_key_load (bc_config_t *config, unsigned char key[GATEWAY_SEAL_KEY_SIZE])
{
    char dflt[4096];
    snprintf (dflt, sizeof dflt, "%s/gateway/seal.key", bc_config_data_dir (config));
    const char *path = bc_config_str (config, "gateway/seal_key_file", dflt);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        /* The first start: a new key, written whole before it is used. */
        char tmp[4200];
        snprintf (tmp, sizeof tmp, "%s.new", path);
        int w = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        unsigned char fresh[GATEWAY_SEAL_KEY_SIZE];
        randombytes_buf (fresh, sizeof fresh);
        int ok = w >= 0 && write (w, fresh, sizeof fresh) == (ssize_t) sizeof fresh
                 && fsync (w) == 0;
        if (w >= 0)
            close (w);
        ok = ok && link (tmp, path) == 0; /* never over a key another start made */
        unlink (tmp);
        sodium_memzero (fresh, sizeof fresh);
        if (!ok && errno != EEXIST) {
            int e = errno ? errno : EIO;
            bc_error ("event=seal_key_failed file=%s reason=\"%s\" what_to_do=\"make the "
                      "directory writable by the gateway, or set gateway/seal_key_file\"",
                      path, strerror (e));
            return e;
        }
        bc_info ("event=seal_key_made file=%s", path);
        fd = open (path, O_RDONLY | O_CLOEXEC);
    }
    ssize_t n = fd >= 0 ? read (fd, key, GATEWAY_SEAL_KEY_SIZE) : -1;
    char extra;
    int more = fd >= 0 && read (fd, &extra, 1) > 0;
    int e = errno;
    if (fd >= 0)
        close (fd);
    if (n != GATEWAY_SEAL_KEY_SIZE || more) {
        bc_error ("event=seal_key_unreadable file=%s reason=\"%s\" what_to_do=\"restore the "
                  "key file from the backup made with the database; without it staff with "
                  "two-step verification cannot sign in until an admin resets their access\"",
                  path, fd < 0 || n < 0 ? strerror (e) : "not a 32-byte key");
        sodium_memzero (key, GATEWAY_SEAL_KEY_SIZE);
        return fd < 0 ? e : EINVAL;
    }
    return 0;
}

bool
gateway_seal_is_sealed (const char *stored)
{
    return stored && strncmp (stored, S_PREFIX, strlen (S_PREFIX)) == 0;
}

char *
gateway_seal (const unsigned char key[GATEWAY_SEAL_KEY_SIZE], const char *record,
              const char *plain)
{
    size_t len = strlen (plain);
    if (len == 0)
        return strdup ("");
    size_t blen = S_NONCE + len + S_TAG;
    unsigned char *box = malloc (blen);
    randombytes_buf (box, S_NONCE);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt (
        box + S_NONCE, &clen, (const unsigned char *) plain, len, (const unsigned char *) record,
        strlen (record), NULL, box, key);
    size_t tlen = sodium_base64_encoded_len (blen, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc (strlen (S_PREFIX) + tlen);
    strcpy (out, S_PREFIX);
    sodium_bin2base64 (out + strlen (S_PREFIX), tlen, box, blen, sodium_base64_VARIANT_ORIGINAL);
    free (box);
    return out;
}

bool
gateway_seal_open (const unsigned char key[GATEWAY_SEAL_KEY_SIZE], const char *record,
                   const char *stored, char *out, size_t size)
{
    if (!gateway_seal_is_sealed (stored)) {
        size_t n = strlen (stored ? stored : "");
        if (n >= size)
            return false;
        memcpy (out, stored ? stored : "", n + 1);
        return true;
    }
    const char *text = stored + strlen (S_PREFIX);
    unsigned char box[512];
    size_t blen;
    if (sodium_base642bin (box, sizeof box, text, strlen (text), NULL, &blen, NULL,
                           sodium_base64_VARIANT_ORIGINAL)
            != 0
        || blen < S_NONCE + S_TAG || blen - S_NONCE - S_TAG >= size)
        return false;
    unsigned long long plen;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt ((unsigned char *) out, &plen, NULL,
                                                    box + S_NONCE, blen - S_NONCE,
                                                    (const unsigned char *) record,
                                                    strlen (record), box, key)
        != 0)
        return false;
    out[plen] = 0;
    return true;
}
