/* bc_token: the API tokens file's path, hash and line format. */
#include "bc_token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

const char *
bc_token_file (bc_config_t *config, char *buf, size_t size)
{
    const char *path = bc_config_str (config, "gateway/tokens_file", "");
    if (*path)
        snprintf (buf, size, "%s", path);
    else
        snprintf (buf, size, "%s/gateway/tokens", bc_config_data_dir (config));
    return buf;
}

bool
bc_token_name_is_valid (const char *name, size_t len)
{
    if (len == 0 || len > BC_TOKEN_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool is_alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!is_alnum && (i == 0 || !strchr ("._-", c) || c == 0))
            return false;
    }
    return true;
}

void
bc_token_hash (const char *token, size_t len, unsigned char hash[BC_TOKEN_HASH_SIZE])
{
    crypto_generichash (hash, BC_TOKEN_HASH_SIZE, (const unsigned char *) token, len, NULL, 0);
}

static int
s_hex (char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool
bc_token_parse_line (const char *line, size_t len, char name[BC_TOKEN_NAME_MAX + 1],
                     unsigned char hash[BC_TOKEN_HASH_SIZE])
{
    if (len && line[len - 1] == '\r')
        len--;
    size_t i = 0;
    while (i < len && line[i] != ' ' && line[i] != '\t')
        i++;
    if (!bc_token_name_is_valid (line, i))
        return false;
    size_t name_len = i;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == name_len || len - i != 2 * BC_TOKEN_HASH_SIZE)
        return false;
    for (size_t k = 0; k < BC_TOKEN_HASH_SIZE; k++) {
        int hi = s_hex (line[i + 2 * k]), lo = s_hex (line[i + 2 * k + 1]);
        if (hi < 0 || lo < 0)
            return false;
        hash[k] = (unsigned char) (hi << 4 | lo);
    }
    memcpy (name, line, name_len);
    name[name_len] = 0;
    return true;
}
