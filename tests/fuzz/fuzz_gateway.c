/* Fuzz target: what the gateway reads from a request before it trusts it —
 * the URL unescaper, the ticket number and SHA-256 in paths, the
 * Authorization and Cookie headers, the accounts' addresses, passwords,
 * secrets and TOTP codes, and a line of the tokens file. Beyond not
 * crashing, each parser keeps its promise: an accepted number prints back
 * as the same text, an accepted TOTP code is six ASCII digits, an
 * accepted SHA-256 is 64 lower-case hex digits, an accepted token or cookie
 * value lies inside the header, an accepted address is lower-case ASCII
 * with one '@' and parses again to itself, and unescaping never lengthens
 * nor cuts the text. */
#include "bc_token.h"
#include "gateway_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text[size] = 0;
    size_t len = strlen (text);

    uint64_t number;
    if (gateway_parse_ticket_number (text, &number)) {
        char back[32];
        snprintf (back, sizeof back, "%llu", (unsigned long long) number);
        if (number == 0 || strcmp (back, text) != 0)
            abort ();
    }
    if (gateway_parse_sha256 (text)) {
        if (len != 64 || strspn (text, "0123456789abcdef") != 64)
            abort ();
    }
    const char *token;
    size_t token_len;
    if (gateway_parse_bearer (text, &token, &token_len)) {
        if (token < text || token + token_len != text + len || token_len == 0
            || token_len > GATEWAY_TOKEN_MAX)
            abort ();
    }
    const char *value;
    size_t value_len;
    gateway_cookie_t cookie = gateway_parse_cookie (text, "balcao_session", &value, &value_len);
    if (cookie == GATEWAY_COOKIE_FOUND &&
        (len > GATEWAY_COOKIE_HEADER_MAX || value < text || value + value_len > text + len ||
         memchr (value, ';', value_len) || memchr (value, ' ', value_len)))
        abort ();
    if (cookie != GATEWAY_COOKIE_BAD && len > GATEWAY_COOKIE_HEADER_MAX)
        abort ();
    char address[GATEWAY_ADDRESS_MAX + 1], again[GATEWAY_ADDRESS_MAX + 1];
    if (gateway_parse_address (text, address, sizeof address)) {
        const char *at = strchr (address, '@');
        if (!at || strchr (at + 1, '@') || strlen (address) > GATEWAY_ADDRESS_MAX)
            abort ();
        for (const char *c = address; *c; c++)
            if (*c <= ' ' || *c >= 0x7f || (*c >= 'A' && *c <= 'Z'))
                abort ();
        if (!gateway_parse_address (address, again, sizeof again) || strcmp (address, again) != 0)
            abort ();
    }
    if (gateway_parse_password (text, len) && (len < GATEWAY_PASSWORD_MIN || len > 4 * GATEWAY_PASSWORD_MAX))
        abort ();
    if (gateway_parse_secret (text, len) && len != GATEWAY_SECRET_LEN)
        abort ();
    if (gateway_parse_totp_code (text, len) &&
        (len != GATEWAY_TOTP_DIGITS || strspn (text, "0123456789") != GATEWAY_TOTP_DIGITS))
        abort ();
    char name[BC_TOKEN_NAME_MAX + 1];
    unsigned char hash[BC_TOKEN_HASH_SIZE];
    if (bc_token_parse_line ((const char *) data, size, name, hash)) {
        if (!bc_token_name_is_valid (name, strlen (name)))
            abort ();
    }
    size_t out = gateway_parse_unescape (text);
    if (out > len || out != strlen (text))
        abort ();
    free (text);
    return 0;
}
