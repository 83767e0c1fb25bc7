/* gateway_webpath: see gateway_webpath.h. */
#include "gateway_webpath.h"

#include "bc_article_id.h"

#include <string.h>

bool
gateway_webpath_clean (const char *url, char *out, size_t size)
{
    if (!url || url[0] != '/' || size == 0)
        return false;
    const char *p = url + 1;
    size_t n = strlen (p);
    if (n >= size)
        return false;
    if (n == 0) {
        out[0] = 0;
        return true;
    }
    const char *seg = p;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char) p[i];
        if (c == '/' || c == 0) {
            size_t len = (size_t) (p + i - seg);
            /* Empty ("//", a trailing '/'), "." and ".." and dotfiles. */
            if (len == 0 || seg[0] == '.')
                return false;
            seg = p + i + 1;
            continue;
        }
        if (c < 0x21 || c > 0x7e || c == '\\' || c == '%')
            return false;
    }
    memcpy (out, p, n + 1);
    return true;
}

bool
gateway_webpath_event_id (const char *text, uint64_t *seq)
{
    if (!text || !*text || strlen (text) > 20)
        return false;
    if (text[0] == '0' && text[1])
        return false;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t) (*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *seq = v;
    return true;
}

bool
gateway_webpath_article_id (const char *text)
{
    return bc_article_id_check (text) == BC_ARTICLE_ID_OK;
}

bool
gateway_webpath_client_ref (const char *text)
{
    size_t n = text ? strlen (text) : 0;
    return n >= 1 && n <= 64
           && strspn (text,
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                  == n;
}
