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

/* RFC 6265's token (a cookie's name) and cookie-octet (its value). */
static bool
s_is_tchar (unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr ("()<>@,;:\\\"/[]?={}", c);
}

static bool
s_is_cookie_octet (unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

gateway_cookie_t
gateway_parse_cookie (const char *header, const char *name, const char **value, size_t *len)
{
    if (!header)
        return GATEWAY_COOKIE_ABSENT;
    size_t total = strnlen (header, GATEWAY_COOKIE_HEADER_MAX + 1);
    if (total > GATEWAY_COOKIE_HEADER_MAX)
        return GATEWAY_COOKIE_BAD;
    size_t want = strlen (name);
    gateway_cookie_t found = GATEWAY_COOKIE_ABSENT;
    const char *p = header;
    while (*p == ' ')
        p++;
    if (!*p)
        return GATEWAY_COOKIE_ABSENT;
    for (;;) {
        const char *n = p;
        while (s_is_tchar ((unsigned char) *p))
            p++;
        size_t nlen = (size_t) (p - n);
        if (nlen == 0 || *p != '=')
            return GATEWAY_COOKIE_BAD;
        p++;
        bool quoted = *p == '"';
        if (quoted)
            p++;
        const char *v = p;
        while (s_is_cookie_octet ((unsigned char) *p))
            p++;
        size_t vlen = (size_t) (p - v);
        if (quoted && *p++ != '"')
            return GATEWAY_COOKIE_BAD;
        if (found == GATEWAY_COOKIE_ABSENT && nlen == want && memcmp (n, name, want) == 0) {
            found = GATEWAY_COOKIE_FOUND;
            *value = v;
            *len = vlen;
        }
        while (*p == ' ')
            p++;
        if (!*p)
            return found;
        if (*p != ';')
            return GATEWAY_COOKIE_BAD;
        p++;
        while (*p == ' ')
            p++;
        if (!*p)
            return found; /* a trailing "; " some clients send */
    }
}

static bool
s_is_label_char (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool
gateway_parse_address (const char *text, char *out, size_t size)
{
    if (!text || size < GATEWAY_ADDRESS_MAX + 1)
        return false;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strnlen (text, GATEWAY_ADDRESS_MAX + 64);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    if (n < 3 || n > GATEWAY_ADDRESS_MAX)
        return false;
    const char *at = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c <= 0x20 || c >= 0x7f || strchr ("\"(),:;<>[\\]", c))
            return false;
        if (c == '@') {
            if (at)
                return false;
            at = text + i;
        }
        out[i] = (char) (c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[n] = 0;
    if (!at)
        return false;
    size_t local = (size_t) (at - text);
    if (local < 1 || local > 64 || out[0] == '.' || out[local - 1] == '.' ||
        strstr (out, ".."))
        return false;
    /* The domain: labels of 1 to 63 letters, digits and hyphens, not
     * starting or ending with one, at least two of them. */
    const char *d = out + local + 1;
    int labels = 0;
    for (;;) {
        const char *start = d;
        while (s_is_label_char (*d))
            d++;
        size_t llen = (size_t) (d - start);
        if (llen < 1 || llen > 63 || *start == '-' || d[-1] == '-')
            return false;
        labels++;
        if (!*d)
            break;
        if (*d != '.')
            return false;
        d++;
    }
    return labels >= 2;
}

bool
gateway_parse_password (const char *text, size_t len)
{
    if (!text)
        return false;
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char) text[i];
        size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                                   : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (c == 0 || extra == 9 || (c >= 0x80 && c < 0xc2) || c > 0xf4 || i + extra >= len)
            return false;
        for (size_t k = 1; k <= extra; k++)
            if (((unsigned char) text[i + k] & 0xc0) != 0x80)
                return false;
        i += extra + 1;
        chars++;
    }
    return chars >= GATEWAY_PASSWORD_MIN && chars <= GATEWAY_PASSWORD_MAX;
}

bool
gateway_parse_secret (const char *text, size_t len)
{
    if (!text || len != GATEWAY_SECRET_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

bool
gateway_parse_totp_code (const char *text, size_t len)
{
    if (!text || len != GATEWAY_TOTP_DIGITS)
        return false;
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}
