/* intake_charset: see the header. iconv does the converting; this file
 * picks the converter a label really means, carries on past what iconv
 * cannot read (one U+FFFD per unreadable byte, then the rest), and reads
 * ISO-2022-JP itself: glibc's converter knows only JIS X 0208 and stops at
 * the first NEC character (① is 0x2D21), so the escape sequences are
 * undone here into EUC-JP, which glibc reads with those extensions
 * (EUC-JP-MS). */
#include "intake_charset.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* How a charset is read. */
typedef enum {
    S_AS_UTF8,       /* no charset, UTF-8, US-ASCII or unknown */
    S_AS_ISO2022JP,  /* through EUC-JP-MS, here */
    S_AS_ICONV,      /* by iconv under a name */
} s_reading_t;

/* Labels whose iconv converter is narrower than what mailers write under
 * them. */
static const struct {
    const char *label;
    const char *iconv_name;
} s_supersets[] = {
    {"us-ascii", NULL}, {"ascii", NULL}, {"utf-8", NULL}, {"utf8", NULL},
    {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
    {"iso_8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"}, {"l1", "WINDOWS-1252"},
    {"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"x-gbk", "GB18030"}, {"euc-cn", "GB18030"},
    {"cp936", "GB18030"}, {"csgb2312", "GB18030"}, {"gb_2312-80", "GB18030"},
    {"shift_jis", "CP932"}, {"shift-jis", "CP932"}, {"sjis", "CP932"}, {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"}, {"csshiftjis", "CP932"}, {"windows-31j", "CP932"},
    {"euc-jp", "EUC-JP-MS"}, {"x-euc-jp", "EUC-JP-MS"}, {"cseucpkdfmtjapanese", "EUC-JP-MS"},
    {"euc-kr", "CP949"}, {"ks_c_5601-1987", "CP949"}, {"ks_c_5601", "CP949"},
    {"ksc5601", "CP949"}, {"windows-949", "CP949"}, {"cseuckr", "CP949"},
    {"big5", "BIG5-HKSCS"}, {"x-x-big5", "BIG5-HKSCS"}, {"cn-big5", "BIG5-HKSCS"},
    {"csbig5", "BIG5-HKSCS"}, {"tis-620", "WINDOWS-874"}, {"iso-8859-11", "WINDOWS-874"},
};

static bool
s_has_8bit (const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) bytes[i] >= 0x80)
            return true;
    return false;
}

static bool
s_has (const char *bytes, size_t len, const char *needle)
{
    size_t n = strlen (needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp (bytes + i, needle, n) == 0)
            return true;
    return false;
}

/* 7-bit text that switches to a Japanese set the ISO-2022-JP way. */
static bool
s_looks_iso2022jp (const char *bytes, size_t len)
{
    if (s_has_8bit (bytes, len) || !memchr (bytes, 0x1B, len))
        return false;
    return s_has (bytes, len, "\x1B$B") || s_has (bytes, len, "\x1B$@") ||
           s_has (bytes, len, "\x1B$(D") || s_has (bytes, len, "\x1B(I");
}

/* How to read bytes labelled charset; *name: the iconv name for
 * S_AS_ICONV. */
static s_reading_t
s_reading (const char *charset, const char *bytes, size_t len, const char **name)
{
    *name = NULL;
    char label[64];
    size_t n = 0;
    for (const char *c = charset ? charset : ""; *c && n < sizeof label - 1; c++)
        if (*c != '"' && *c != '\'' && !g_ascii_isspace (*c))
            label[n++] = g_ascii_tolower (*c);
    label[n] = 0;
    if (s_looks_iso2022jp (bytes, len) && strncmp (label, "iso-2022-", 9) != 0)
        return S_AS_ISO2022JP;
    if (!n)
        return S_AS_UTF8;
    if (strcmp (label, "iso-2022-jp") == 0 || strcmp (label, "csiso2022jp") == 0)
        return S_AS_ISO2022JP;
    for (size_t i = 0; i < G_N_ELEMENTS (s_supersets); i++)
        if (strcmp (label, s_supersets[i].label) == 0) {
            *name = s_supersets[i].iconv_name;
            return *name ? S_AS_ICONV : S_AS_UTF8;
        }
    /* C1 bytes in "ISO-8859-x" text are the Windows code page's letters
     * and quotes, as GMime reads them. */
    bool c1 = false;
    for (size_t i = 0; i < len && !c1; i++)
        c1 = (unsigned char) bytes[i] >= 0x80 && (unsigned char) bytes[i] < 0xA0;
    if (c1 && strncmp (label, "iso-8859-", 9) == 0)
        *name = g_mime_charset_iconv_name (g_mime_charset_iso_to_windows (label));
    else
        *name = g_mime_charset_iconv_name (label);
    return *name ? S_AS_ICONV : S_AS_UTF8;
}

/* How many bytes the character iconv cannot read at p takes. In the
 * double-byte charsets a lead byte and a non-ASCII byte after it are one
 * character (an ASCII one is read again, as WHATWG does), so the text
 * after it is read from a character's start; elsewhere, one byte. */
static size_t
s_unreadable (const char *name, const unsigned char *p, size_t left)
{
    static const char *const double_byte[] = {"EUC-JP-MS", "GB18030", "CP932", "CP949",
                                              "BIG5-HKSCS"};
    bool is_double = false;
    for (size_t i = 0; i < G_N_ELEMENTS (double_byte) && !is_double; i++)
        is_double = strcmp (name, double_byte[i]) == 0;
    if (!is_double || p[0] < 0x81 || p[0] == 0xFF)
        return 1;
    size_t n = 1;
    size_t most = p[0] == 0x8F && strcmp (name, "EUC-JP-MS") == 0 ? 3 : 2;
    while (n < most && n < left && p[n] >= 0x80 && p[n] != 0xFF)
        n++;
    return n;
}

/* Appends bytes in iconv charset name to out as UTF-8, one U+FFFD for each
 * character the converter cannot read. False when iconv does not know
 * name. */
static bool
s_iconv (GString *out, const char *bytes, size_t len, const char *name, size_t *replaced)
{
    GIConv cd = g_iconv_open ("UTF-8", name);
    if (cd == (GIConv) -1)
        return false;
    gchar *in = (gchar *) bytes;
    gsize in_left = len;
    char buf[4096];
    while (in_left) {
        gchar *o = buf;
        gsize o_left = sizeof buf;
        gsize rc = g_iconv (cd, &in, &in_left, &o, &o_left);
        int err = errno;
        g_string_append_len (out, buf, (gssize) (sizeof buf - o_left));
        if (rc != (gsize) -1 || err == E2BIG)
            continue;
        /* EILSEQ, or EINVAL (cut short at the end). */
        g_string_append (out, S_REPLACEMENT);
        (*replaced)++;
        size_t skip = s_unreadable (name, (const unsigned char *) in, in_left);
        in += skip;
        in_left -= skip;
    }
    g_iconv_close (cd);
    return true;
}

/* ISO-2022-JP's escape sequences undone into EUC-JP bytes, which s_iconv
 * reads as EUC-JP-MS: 0xFF (never EUC-JP) stands for what is not
 * ISO-2022-JP, so it becomes U+FFFD there. A line break ends a two-byte
 * run, as a line must. */
static void
s_iso2022jp (GString *out, const char *bytes, size_t len, size_t *replaced)
{
    enum { ASCII, KANA, JIS0208, JIS0212 } set = ASCII;
    GString *euc = g_string_sized_new (len + 16);
    const unsigned char *p = (const unsigned char *) bytes, *end = p + len;
    while (p < end) {
        size_t left = (size_t) (end - p);
        if (*p == 0x1B) {
            static const struct {
                const char *seq;
                int set;
            } escapes[] = {
                {"\x1B(B", ASCII},     {"\x1B(J", ASCII},     {"\x1B(I", KANA},
                {"\x1B$@", JIS0208},   {"\x1B$B", JIS0208},   {"\x1B$(B", JIS0208},
                {"\x1B$(Q", JIS0208},  {"\x1B$(O", JIS0208},  {"\x1B$(D", JIS0212},
            };
            size_t i = 0;
            for (; i < G_N_ELEMENTS (escapes); i++) {
                size_t n = strlen (escapes[i].seq);
                if (left >= n && memcmp (p, escapes[i].seq, n) == 0) {
                    set = escapes[i].set;
                    p += n;
                    break;
                }
            }
            if (i < G_N_ELEMENTS (escapes))
                continue;
            /* Another escape sequence: ESC, its intermediates, its final,
             * and text read as ASCII after it. */
            set = ASCII;
            p++;
            while (p < end && *p >= 0x20 && *p <= 0x2F)
                p++;
            if (p < end && *p >= 0x30 && *p <= 0x7E)
                p++;
            g_string_append_c (euc, (char) 0xFF);
            continue;
        }
        if (*p == '\r' || *p == '\n' || *p >= 0x80 || *p < 0x21 || set == ASCII) {
            if (*p == '\r' || *p == '\n')
                set = ASCII;
            g_string_append_c (euc, *p >= 0x80 ? (char) 0xFF : (char) *p);
            p++;
        }
        else if (set == KANA) {
            g_string_append_c (euc, (char) 0x8E);
            g_string_append_c (euc, *p <= 0x5F ? (char) (*p | 0x80) : (char) 0xFF);
            p++;
        }
        else if (left >= 2 && p[1] >= 0x21 && p[1] <= 0x7E) {
            if (set == JIS0212)
                g_string_append_c (euc, (char) 0x8F);
            g_string_append_c (euc, (char) (p[0] | 0x80));
            g_string_append_c (euc, (char) (p[1] | 0x80));
            p += 2;
        }
        else {
            g_string_append_c (euc, (char) 0xFF);
            p++;
        }
    }
    s_iconv (out, euc->str, euc->len, "EUC-JP-MS", replaced);
    g_string_free (euc, TRUE);
}

/* bytes read the way reading says, appended to out; an unknown iconv
 * name reads as no charset. */
static void
s_read (GString *out, const char *bytes, size_t len, s_reading_t reading, const char *name,
        size_t *replaced)
{
    if (reading == S_AS_ISO2022JP) {
        s_iso2022jp (out, bytes, len, replaced);
        return;
    }
    if (reading == S_AS_ICONV && s_iconv (out, bytes, len, name, replaced))
        return;
    if (g_utf8_validate (bytes, (gssize) len, NULL))
        g_string_append_len (out, bytes, (gssize) len);
    else
        s_iconv (out, bytes, len, "WINDOWS-1252", replaced);
}

/* out's text as a malloc'd string, each ESC a U+FFFD. */
static char *
s_finish (GString *out)
{
    GString *clean = g_string_sized_new (out->len + 1);
    for (size_t i = 0; i < out->len; i++) {
        if (out->str[i] == 0x1B)
            g_string_append (clean, S_REPLACEMENT);
        else
            g_string_append_c (clean, out->str[i]);
    }
    char *copy = malloc (clean->len + 1);
    memcpy (copy, clean->str, clean->len + 1);
    g_string_free (clean, TRUE);
    g_string_free (out, TRUE);
    return copy;
}

char *
intake_charset_to_utf8 (const char *bytes, size_t len, const char *charset, size_t *replaced)
{
    size_t lost = 0;
    if (replaced)
        *replaced = 0;
    if (!len)
        return strdup ("");
    const char *name;
    s_reading_t reading = s_reading (charset, bytes, len, &name);
    GString *out = g_string_sized_new (len + 16);
    s_read (out, bytes, len, reading, name, &lost);
    if (lost && reading != S_AS_UTF8 && s_has_8bit (bytes, len) &&
        g_utf8_validate (bytes, (gssize) len, NULL)) {
        /* A wrong label: UTF-8 text under it. */
        g_string_truncate (out, 0);
        g_string_append_len (out, bytes, (gssize) len);
        lost = 0;
    }
    if (replaced)
        *replaced = lost;
    return s_finish (out);
}

char *
intake_charset_header (const char *bytes, size_t len, const char *hint)
{
    if (!len)
        return strdup ("");
    const char *name;
    s_reading_t reading = s_reading (hint, bytes, len, &name);
    if (reading != S_AS_UTF8 && (s_has_8bit (bytes, len) || memchr (bytes, 0x1B, len))) {
        size_t lost = 0;
        GString *out = g_string_sized_new (len + 16);
        s_read (out, bytes, len, reading, name, &lost);
        /* Each byte one character: a single-byte charset, which any bytes
         * satisfy. */
        bool is_bytewise = g_utf8_strlen (out->str, (gssize) out->len) == (glong) len;
        if (!lost && !(is_bytewise && g_utf8_validate (bytes, (gssize) len, NULL)))
            return s_finish (out);
        g_string_free (out, TRUE);
    }
    return intake_charset_to_utf8 (bytes, len, NULL, NULL);
}
