/* gateway_seal: secrets the gateway must read back (staff TOTP seeds),
 * sealed before they are stored. The key is a file of its own, outside the
 * database directory (gateway/seal_key_file, default
 * <data_dir>/gateway/seal.key, 32 random bytes made at the first start,
 * mode 0600), so a copy of the database alone does not give the seeds
 * away. A sealed value is "s1:" and the base64 of a random 24-byte nonce
 * and XChaCha20-Poly1305 of the value, with the record's key (the staff
 * address) as associated data: a value moved to another record does not
 * open. */
#ifndef GATEWAY_SEAL_H
#define GATEWAY_SEAL_H

#include "bc_config.h"

#include <stdbool.h>
#include <stddef.h>

#define GATEWAY_SEAL_KEY_SIZE 32

/* Reads (or, when it does not exist, makes) the key file into key. 0, or
 * an errno value after logging what is wrong and what to do. */
int gateway_seal_key_load (bc_config_t *config, unsigned char key[GATEWAY_SEAL_KEY_SIZE]);

/* True when stored is a sealed value (else it is a value from before
 * sealing, read as it is). */
bool gateway_seal_is_sealed (const char *stored);

/* The sealed text of plain ("" stays ""), malloc'd. */
char *gateway_seal (const unsigned char key[GATEWAY_SEAL_KEY_SIZE], const char *record,
                    const char *plain);

/* Opens stored into out (size bytes): a value from before sealing is
 * copied. false when it does not open (another key, another record,
 * damaged) or does not fit. */
bool gateway_seal_open (const unsigned char key[GATEWAY_SEAL_KEY_SIZE], const char *record,
                        const char *stored, char *out, size_t size);

#endif
