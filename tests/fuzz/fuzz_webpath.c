/* Fuzz target: what the portal reads by hand (gateway_webpath.c): a static
 * file's path, an SSE Last-Event-ID, an article id and a client_ref. Beyond
 * not crashing, each keeps its promise: a cleaned path is the URL without
 * its '/', with no "." or ".." segment, no empty one, no dotfile, no byte
 * outside printable ASCII, no backslash or '%' (so it cannot leave the web
 * root by itself); an accepted event id prints back as the same text; an
 * accepted ref holds only its alphabet, at most 64 characters; an accepted
 * article id has no '\\' or control byte, no "." or ".." part (nor any part
 * starting with '.'), no empty part, at most 240 bytes, and escapes into
 * one URL segment of unreserved characters and %XX only. */
#include "bc_article_id.h"
#include "gateway_webpath.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_check_clean (const char *text)
{
    char out[PATH_MAX];
    if (!gateway_webpath_clean (text, out, sizeof out))
        return;
    size_t n = strlen (out);
    if (text[0] != '/' || strcmp (out, text + 1) != 0)
        abort ();
    if (n && (out[0] == '/' || out[n - 1] == '/' || strstr (out, "//") || out[0] == '.'
              || strstr (out, "/.")))
        abort ();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) out[i] < 0x21 || (unsigned char) out[i] > 0x7e || out[i] == '\\'
            || out[i] == '%')
            abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text[size] = 0;
    s_check_clean (text);
    uint64_t seq;
    if (gateway_webpath_event_id (text, &seq)) {
        char back[32];
        snprintf (back, sizeof back, "%llu", (unsigned long long) seq);
        if (strcmp (back, text) != 0)
            abort ();
    }
    if (gateway_webpath_article_id (text)) {
        char escaped[3 * BC_ARTICLE_ID_MAX_BYTES + 1];
        if (strlen (text) > BC_ARTICLE_ID_MAX_BYTES || text[0] == '.' || strchr (text, '\\')
            || strstr (text, "/.") || strstr (text, "//") || text[0] == '/'
            || text[strlen (text) - 1] == '/' || !bc_article_id_escape (text, escaped, sizeof escaped)
            || strspn (escaped, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%")
                   != strlen (escaped))
            abort ();
        for (const char *p = text; *p; p++)
            if ((unsigned char) *p < 0x20 || *p == 0x7f)
                abort ();
    }
    if (gateway_webpath_client_ref (text) && (strlen (text) > 64 || strlen (text) == 0))
        abort ();
    free (text);
    return 0;
}
