/* bc_token: the API tokens file, shared by the gateway (which checks the
 * tokens outside systems present) and `balcaoctl api-token` (which makes
 * them). The file holds one "<name> <hash>" line per token: name is the
 * service the token stands for (the gateway acts as service:<name>), hash
 * the 64 lower-case hex digits of the token's BLAKE2b-256. The token itself
 * is never stored: whoever reads the file cannot call the API with it. */
#ifndef BC_TOKEN_H
#define BC_TOKEN_H

#include "bc_config.h"

#include <stdbool.h>
#include <stddef.h>

#define BC_TOKEN_HASH_SIZE 32 /* bytes of BLAKE2b: 64 hex digits in the file */
#define BC_TOKEN_NAME_MAX 64

/* Where the file is: gateway/tokens_file, default <data_dir>/gateway/tokens.
 * Writes into buf and returns it. */
const char *bc_token_file (bc_config_t *config, char *buf, size_t size);
/* A token's name: 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit
 * (it becomes the principal service:<name>). */
bool bc_token_name_is_valid (const char *name, size_t len);
/* hash = BLAKE2b-256 of the token's len bytes. */
void bc_token_hash (const char *token, size_t len, unsigned char hash[BC_TOKEN_HASH_SIZE]);
/* Parses one line of the file ("<name> <64 hex>", spaces or tabs between,
 * optional "\r"; the line without its "\n"). Returns true and fills name and
 * hash for a token line; false for anything else (blank lines and "#"
 * comments included). */
bool bc_token_parse_line (const char *line, size_t len, char name[BC_TOKEN_NAME_MAX + 1],
                          unsigned char hash[BC_TOKEN_HASH_SIZE]);

#endif
