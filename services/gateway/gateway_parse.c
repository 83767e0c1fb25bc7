/* gateway_parse: strict parsers for what a request carries. Anything not in
 * the one accepted form is refused: a lenient parser (strtoull reads "-1" as
 * 2^64-1 and skips leading spaces) lets two spellings reach one resource. */
#include "gateway_parse.h"

#include <string.h>
#include <strings.h>

bool
gateway_parse_ticket_number (const char *text, uint64_t *number)
{
    if (!text || text[0] < '1' || text[0] > '9')
        return false;
    uint64_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned digit = (unsigned) (*p - '0');
        if (n > (UINT64_MAX - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    *number = n;
    return true;
}

bool
gateway_parse_sha256 (const char *text)
{
    if (!text)
        return false;
    size_t i = 0;
    for (; text[i]; i++)
        if (i >= 64 || !((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
            return false;
    return i == 64;
}

static bool
s_is_token68 (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr ("-._~+/", c));
}

bool
gateway_parse_bearer (const char *header, const char **token, size_t *len)
{
    if (!header || strncasecmp (header, "Bearer", 6) != 0 || header[6] != ' ')
        return false;
    const char *p = header + 6;
    while (*p == ' ')
        p++;
    const char *start = p;
    while (s_is_token68 (*p))
        p++;
    while (*p == '=')
        p++;
    size_t n = (size_t) (p - start);
    if (n == 0 || *start == '=' || n > GATEWAY_TOKEN_MAX || *p)
        return false;
    *token = start;
    *len = n;
    return true;
}

static int
s_hex_digit (char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

size_t
gateway_parse_unescape (char *text)
{
    char *out = text;
    for (const char *in = text; *in;) {
        int hi = in[0] == '%' ? s_hex_digit (in[1]) : -1;
        int lo = hi >= 0 ? s_hex_digit (in[2]) : -1;
        if (lo >= 0 && (hi | lo)) {
            *out++ = (char) (hi << 4 | lo);
            in += 3;
        }
        else
            *out++ = *in++;
    }
    *out = 0;
    return (size_t) (out - text);
}
