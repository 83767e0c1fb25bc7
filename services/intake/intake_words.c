/* intake_words: see the header. */
#include "intake_words.h"

#include "intake_charset.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An encoded word's bytes (charset: its charset) or raw header text
 * (charset NULL: read as intake_charset_header does with hint) appended
 * to out as UTF-8. */
static void
s_put (GString *out, const char *bytes, size_t len, const char *charset, const char *hint)
{
    if (!len)
        return;
    char *utf8 = charset ? intake_charset_to_utf8 (bytes, len, charset, NULL)
                         : intake_charset_header (bytes, len, hint);
    g_string_append (out, utf8);
    free (utf8);
}

/* One encoded word at p ("=?charset?B|Q?text?="): its charset (language
 * suffix dropped) into charset, its bytes appended to bytes, *end after
 * it. False when p is not one. */
static bool
s_word (const char *p, char *charset, size_t csize, GByteArray *bytes, const char **end)
{
    if (p[0] != '=' || p[1] != '?')
        return false;
    const char *cs = p + 2, *q1 = strchr (cs, '?');
    if (!q1 || q1 == cs || (size_t) (q1 - cs) >= csize || !q1[1] || q1[2] != '?')
        return false;
    char enc = (char) g_ascii_toupper (q1[1]);
    const char *text = q1 + 3, *close = strstr (text, "?=");
    if ((enc != 'B' && enc != 'Q') || !close)
        return false;
    for (const char *c = cs; c < q1; c++)
        if (g_ascii_isspace (*c))
            return false;
    for (const char *c = text; c < close; c++)
        if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
            return false;
    memcpy (charset, cs, (size_t) (q1 - cs));
    charset[q1 - cs] = 0;
    char *star = strchr (charset, '*'); /* RFC 2231 language */
    if (star)
        *star = 0;
    size_t n = (size_t) (close - text);
    if (enc == 'B') {
        /* Each word on its own, with its own padding. */
        char *chunk = g_strndup (text, n);
        gsize len = 0;
        guchar *data = g_base64_decode (chunk, &len);
        g_free (chunk);
        if (data)
            g_byte_array_append (bytes, data, (guint) len);
        g_free (data);
    }
    else {
        for (size_t i = 0; i < n; i++) {
            guint8 b = (guint8) text[i];
            if (text[i] == '_')
                b = ' ';
            else if (text[i] == '=' && i + 2 < n && g_ascii_isxdigit (text[i + 1])
                     && g_ascii_isxdigit (text[i + 2])) {
                b = (guint8) (g_ascii_xdigit_value (text[i + 1]) * 16
                              + g_ascii_xdigit_value (text[i + 2]));
                i += 2;
            }
            g_byte_array_append (bytes, &b, 1);
        }
    }
    *end = close + 2;
    return true;
}

char *
intake_words_decode (const char *raw, const char *fallback_charset)
{
    if (!raw)
        return strdup ("");
    /* Unfold: a line break and the blanks after it are one space; a stray
     * CR or LF is dropped. */
    GString *flat = g_string_new (NULL);
    for (const char *p = raw; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            while (p[1] == '\r' || p[1] == '\n')
                p++;
            if (p[1] == ' ' || p[1] == '\t') {
                while (p[1] == ' ' || p[1] == '\t')
                    p++;
                g_string_append_c (flat, ' ');
            }
            continue;
        }
        g_string_append_c (flat, *p);
    }
    GString *out = g_string_new (NULL);
    GByteArray *pending = g_byte_array_new (); /* encoded words' bytes, one charset */
    GByteArray *bytes = g_byte_array_new ();   /* the word at p's */
    char pending_cs[64] = "", cs[64];
    const char *p = flat->str, *text = p; /* text: plain text not yet put */
    while (*p) {
        const char *end;
        g_byte_array_set_size (bytes, 0);
        if (s_word (p, cs, sizeof cs, bytes, &end)) {
            /* Blanks between two encoded words are not text. */
            const char *gap = text;
            while (gap < p && (*gap == ' ' || *gap == '\t'))
                gap++;
            bool only_blanks = gap == p;
            if (!(only_blanks && pending->len)) {
                s_put (out, (const char *) pending->data, pending->len, pending_cs, NULL);
                g_byte_array_set_size (pending, 0);
                s_put (out, text, (size_t) (p - text), NULL, fallback_charset);
            }
            else if (g_ascii_strcasecmp (cs, pending_cs) != 0) {
                s_put (out, (const char *) pending->data, pending->len, pending_cs, NULL);
                g_byte_array_set_size (pending, 0);
            }
            snprintf (pending_cs, sizeof pending_cs, "%s", cs);
            g_byte_array_append (pending, bytes->data, bytes->len);
            p = text = end;
        }
        else
            p++;
    }
    s_put (out, (const char *) pending->data, pending->len, pending_cs, NULL);
    s_put (out, text, (size_t) (p - text), NULL, fallback_charset);
    g_byte_array_free (pending, TRUE);
    g_byte_array_free (bytes, TRUE);
    g_string_free (flat, TRUE);
    /* Leading and trailing blanks are not part of a subject. */
    char *result = g_strstrip (g_string_free (out, FALSE));
    char *copy = strdup (result);
    g_free (result);
    return copy;
}
