/* intake_text: customer HTML to readable text, and the reply split from the
 * quoted history. Input is UTF-8 (intake_mail makes sure of it); the code
 * only ever cuts at ASCII bytes, so the output stays UTF-8. */
#include "intake_text.h"

#include "intake_entities.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- HTML to text ---- */

typedef struct {
    GString *out;
    int newlines;      /* line breaks owed before the next text */
    bool space;        /* a space owed before the next text */
    int quote_depth;   /* open <blockquote>s */
    int pre_depth;     /* open <pre>s: whitespace kept as is */
} s_html_t;


/* &#128;..&#159; mean Windows-1252 in real mail, as browsers read them. */
static const unsigned int s_cp1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static bool
s_is_space (char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
s_owe_newlines (s_html_t *h, int n)
{
    if (h->newlines < n)
        h->newlines = n;
    h->space = false;
}

/* Writes what is owed before a character of text: line breaks and the
 * quote prefix at a line start, or one space. */
static void
s_before_text (s_html_t *h)
{
    if (h->out->len == 0) {
        h->newlines = 0;
        h->space = false;
    }
    if (h->newlines > 0) {
        for (int i = 0; i < h->newlines; i++)
            g_string_append_c (h->out, '\n');
        h->newlines = 0;
        h->space = false;
        for (int i = 0; i < h->quote_depth; i++)
            g_string_append (h->out, "> ");
    }
    else if (h->out->len == 0) {
        for (int i = 0; i < h->quote_depth; i++)
            g_string_append (h->out, "> ");
    }
    if (h->space) {
        g_string_append_c (h->out, ' ');
        h->space = false;
    }
}

static void
s_text_char (s_html_t *h, gunichar c)
{
    if (c == 0)
        return;
    if (c < 0x80 && s_is_space ((char) c)) {
        if (h->pre_depth > 0 && c == '\n') {
            h->newlines++;
            h->space = false;
        }
        else if (h->pre_depth > 0 && h->newlines == 0) {
            s_before_text (h);
            g_string_append_c (h->out, ' ');
        }
        else if (h->out->len > 0 && h->newlines == 0)
            h->space = true;
        return;
    }
    s_before_text (h);
    g_string_append_unichar (h->out, c);
}

/* Decodes the entity at s (just after '&') into out (UTF-8, one or two
 * characters; every HTML5 named reference, intake_entities.h, and numeric
 * ones); returns the bytes of s it used, 0 when it is not one (the '&' is
 * then text). */
static size_t
s_entity (const char *s, size_t n, char out[16])
{
    size_t end = 0;
    while (end < n && end < 40 && s[end] != ';' && s[end] != '&' && !s_is_space (s[end]) &&
           s[end] != '<')
        end++;
    if (end == 0 || end >= n || s[end] != ';')
        return 0;
    if (s[0] == '#') {
        unsigned long v = 0;
        bool hex = end > 1 && (s[1] == 'x' || s[1] == 'X');
        size_t i = hex ? 2 : 1;
        if (i >= end)
            return 0;
        for (; i < end; i++) {
            int d = hex ? g_ascii_xdigit_value (s[i]) : g_ascii_digit_value (s[i]);
            if (d < 0)
                return 0;
            if (v < 0x110000)
                v = v * (hex ? 16 : 10) + (unsigned long) d;
        }
        if (v >= 0x80 && v < 0xA0)
            v = s_cp1252[v - 0x80];
        if (v == 0 || v >= 0x110000 || (v >= 0xD800 && v < 0xE000))
            v = 0xFFFD;
        out[g_unichar_to_utf8 ((gunichar) v, out)] = 0;
        return end + 1;
    }
    size_t lo = 0, hi = G_N_ELEMENTS (intake_entities);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *name = intake_entities[mid].name;
        size_t len = strlen (name);
        int cmp = memcmp (s, name, end < len ? end : len);
        if (cmp == 0)
            cmp = end < len ? -1 : end > len ? 1 : 0;
        if (cmp == 0) {
            snprintf (out, 16, "%s", intake_entities[mid].utf8);
            return end + 1;
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Elements whose content is never text for a reader. */
static bool
s_is_hidden (const char *name)
{
    return strcmp (name, "script") == 0 || strcmp (name, "style") == 0 ||
           strcmp (name, "title") == 0 || strcmp (name, "template") == 0;
}

static bool
s_in (const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp (name, *list) == 0)
            return true;
    return false;
}

static const char *const s_paragraphs[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul",
                                           "ol", "dl", "pre", "hr", NULL};
static const char *const s_lines[] = {"div", "tr", "li", "dt", "dd", "section", "article",
                                      "header", "footer", "address", "center", "form",
                                      "fieldset", "caption", "body", "figure", NULL};

static void
s_tag (s_html_t *h, const char *name, bool closing)
{
    if (strcmp (name, "br") == 0) {
        h->newlines = h->newlines < 2 ? h->newlines + 1 : 2;
        h->space = false;
    }
    else if (strcmp (name, "blockquote") == 0) {
        s_owe_newlines (h, 2);
        h->quote_depth += closing ? (h->quote_depth > 0 ? -1 : 0) : 1;
    }
    else if (strcmp (name, "pre") == 0) {
        s_owe_newlines (h, 2);
        h->pre_depth += closing ? (h->pre_depth > 0 ? -1 : 0) : 1;
    }
    else if (s_in (name, s_paragraphs))
        s_owe_newlines (h, 2);
    else if (s_in (name, s_lines))
        s_owe_newlines (h, 1);
    else if ((strcmp (name, "td") == 0 || strcmp (name, "th") == 0) && !closing && h->out->len)
        h->space = h->newlines == 0;
}

/* Skips a tag's attributes from s; returns the index just after '>' (or n). */
static size_t
s_skip_attributes (const char *s, size_t i, size_t n)
{
    while (i < n && s[i] != '>') {
        if (s[i] == '=') {
            i++;
            while (i < n && s_is_space (s[i]))
                i++;
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                const char *close = memchr (s + i + 1, s[i], n - i - 1);
                i = close ? (size_t) (close - s) + 1 : n;
            }
            continue;
        }
        i++;
    }
    return i < n ? i + 1 : n;
}

/* Index just after the end of a hidden element (its "</name ...>"). */
static size_t
s_skip_hidden (const char *s, size_t i, size_t n, const char *name)
{
    size_t len = strlen (name);
    for (; i + 2 + len <= n; i++) {
        if (s[i] == '<' && s[i + 1] == '/' && g_ascii_strncasecmp (s + i + 2, name, len) == 0)
            return s_skip_attributes (s, i + 2 + len, n);
    }
    return n;
}

/* Handles markup at s[i] == '<'; returns the next index, or i when the '<'
 * is plain text. */
static size_t
s_markup (s_html_t *h, const char *s, size_t i, size_t n)
{
    if (i + 3 < n && strncmp (s + i, "<!--", 4) == 0) {
        const char *end = g_strstr_len (s + i + 4, (gssize) (n - i - 4), "-->");
        return end ? (size_t) (end - s) + 3 : n;
    }
    if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?'))
        return s_skip_attributes (s, i + 1, n);
    size_t j = i + 1;
    bool closing = j < n && s[j] == '/';
    if (closing)
        j++;
    if (j >= n || !g_ascii_isalpha (s[j]))
        return i;
    char name[16];
    size_t len = 0;
    while (j < n && g_ascii_isalnum (s[j])) {
        if (len < sizeof name - 1)
            name[len++] = g_ascii_tolower (s[j]);
        j++;
    }
    name[len] = 0;
    j = s_skip_attributes (s, j, n);
    if (!closing && s_is_hidden (name))
        return s_skip_hidden (s, j, n, name);
    s_tag (h, name, closing);
    return j;
}

char *
intake_text_from_html (const char *html, size_t n)
{
    s_html_t h = {g_string_new (NULL), 0, false, 0, 0};
    size_t i = 0;
    while (i < n) {
        char c = html[i];
        if (c == '<') {
            size_t next = s_markup (&h, html, i, n);
            if (next != i) {
                i = next;
                continue;
            }
        }
        char text[16];
        size_t used;
        if (c == '&' && (used = s_entity (html + i + 1, n - i - 1, text)) > 0) {
            for (const char *t = text; *t; t = g_utf8_next_char (t)) {
                gunichar uc = g_utf8_get_char (t);
                s_text_char (&h, uc == 0xA0 ? ' ' : uc); /* &nbsp; is a space to a reader */
            }
            i += 1 + used;
            continue;
        }
        if ((unsigned char) c < 0x80) {
            s_text_char (&h, (gunichar) c);
            i++;
            continue;
        }
        /* A UTF-8 sequence: copied whole. */
        const char *next = g_utf8_find_next_char (html + i, html + n);
        size_t seq = next ? (size_t) (next - (html + i)) : n - i;
        s_before_text (&h);
        g_string_append_len (h.out, html + i, (gssize) seq);
        i += seq;
    }
    char *text = strdup (h.out->str);
    g_string_free (h.out, TRUE);
    return text;
}

/* ---- reply / quoted history ---- */

typedef struct {
    const char *start;
    size_t len; /* without the line break and a trailing '\r' */
} s_line_t;

static s_line_t *
s_split_lines (const char *text, size_t *count)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    s_line_t *lines = calloc (n, sizeof *lines);
    size_t k = 0;
    const char *p = text;
    while (k < n) {
        const char *nl = strchr (p, '\n');
        size_t len = nl ? (size_t) (nl - p) : strlen (p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        lines[k].start = p;
        lines[k].len = len;
        k++;
        if (!nl)
            break;
        p = nl + 1;
    }
    *count = k;
    return lines;
}

/* The line without leading and trailing blanks, and without the '*' that
 * plain-text renderings of bold Outlook labels carry. */
static s_line_t
s_trim (s_line_t l)
{
    while (l.len && (s_is_space (*l.start) || *l.start == '*')) {
        l.start++;
        l.len--;
    }
    while (l.len && (s_is_space (l.start[l.len - 1]) || l.start[l.len - 1] == '*'))
        l.len--;
    return l;
}

static bool
s_is_blank (s_line_t l)
{
    return s_trim (l).len == 0;
}

static bool
s_starts (s_line_t l, const char *prefix)
{
    size_t n = strlen (prefix);
    return l.len >= n && g_ascii_strncasecmp (l.start, prefix, n) == 0;
}

static bool
s_ends (const char *s, size_t len, const char *suffix)
{
    size_t n = strlen (suffix);
    return len >= n && g_ascii_strncasecmp (s + len - n, suffix, n) == 0;
}

/* "-----Mensagem original-----", "-----Original Message-----". A
 * forwarded message's ruler is not one: what a customer forwards is what
 * they want us to read, not history. */
static bool
s_is_ruler (s_line_t l)
{
    l = s_trim (l);
    if (l.len < 2 || l.start[0] != '-' || l.start[1] != '-')
        return false;
    while (l.len && (*l.start == '-' || *l.start == ' ')) {
        l.start++;
        l.len--;
    }
    static const char *const labels[] = {"mensagem original", "original message", NULL};
    for (const char *const *p = labels; *p; p++)
        if (s_starts (l, *p))
            return true;
    return false;
}

/* "Em <data>, <nome> escreveu:" / "On <date>, <name> wrote:", which mail
 * clients wrap over up to three lines. */
static bool
s_is_attribution (const s_line_t *lines, size_t n, size_t i)
{
    s_line_t first = s_trim (lines[i]);
    if (!s_starts (first, "em ") && !s_starts (first, "on "))
        return false;
    GString *joined = g_string_new (NULL);
    bool found = false;
    for (size_t k = i; k < n && k < i + 3 && !found; k++) {
        s_line_t l = s_trim (lines[k]);
        if (l.len == 0 || joined->len > 400)
            break;
        if (joined->len)
            g_string_append_c (joined, ' ');
        g_string_append_len (joined, l.start, (gssize) l.len);
        found = s_ends (joined->str, joined->len, "escreveu:") ||
                s_ends (joined->str, joined->len, "wrote:");
    }
    g_string_free (joined, TRUE);
    return found;
}

static const char *const s_header_labels[] = {
    "enviado:", "enviada:", "enviado em:", "enviada em:", "data:", "sent:", "date:", "para:",
    "to:", "assunto:", "subject:", "cc:", NULL};

/* An Outlook header block: "De:" / "From:" followed by at least two of
 * "Enviado:", "Data:", "Para:", "Assunto:" (or the English ones). */
static bool
s_is_header_block (const s_line_t *lines, size_t n, size_t i)
{
    s_line_t first = s_trim (lines[i]);
    if (!s_starts (first, "de:") && !s_starts (first, "from:"))
        return false;
    int labels = 0;
    for (size_t k = i + 1; k < n && k < i + 7; k++) {
        s_line_t l = s_trim (lines[k]);
        for (const char *const *p = s_header_labels; *p; p++)
            if (s_starts (l, *p)) {
                labels++;
                break;
            }
    }
    return labels >= 2;
}

static bool
s_is_underscores (s_line_t l)
{
    l = s_trim (l);
    if (l.len < 5)
        return false;
    for (size_t k = 0; k < l.len; k++)
        if (l.start[k] != '_')
            return false;
    return true;
}

/* The index of the first line of the quoted history, or n. */
static size_t
s_history_start (const s_line_t *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s_is_ruler (lines[i]) || s_is_attribution (lines, n, i))
            return i;
        if (s_is_header_block (lines, n, i)) {
            size_t k = i;
            while (k > 0 && s_is_blank (lines[k - 1]))
                k--;
            return k > 0 && s_is_underscores (lines[k - 1]) ? k - 1 : i;
        }
    }
    return n;
}

static bool
s_is_quoted (s_line_t l)
{
    size_t k = 0;
    while (k < l.len && l.start[k] == ' ')
        k++;
    return k < l.len && l.start[k] == '>';
}

/* "Enviado do meu iPhone" and friends: what phones and apps append. */
static bool
s_is_device_signature (s_line_t l)
{
    static const char *const prefixes[] = {
        "enviado do meu ", "enviado de meu ", "enviado do outlook", "enviado do email",
        "enviado do e-mail", "enviado via ", "sent from my ", "sent from outlook",
        "sent from mail for", "sent from yahoo", "get outlook for ", "obter o outlook para ",
        NULL};
    l = s_trim (l);
    if (l.len == 0 || l.len > 60)
        return false;
    /* "Enviado do meu notebook, pode ver?" is a sentence, not a signature. */
    for (size_t k = 0; k < l.len; k++)
        if (l.start[k] == '?' || l.start[k] == ',' || l.start[k] == ':' || l.start[k] == '!')
            return false;
    for (const char *const *p = prefixes; *p; p++)
        if (s_starts (l, *p))
            return true;
    return false;
}

static char *
s_trimmed_copy (const char *text)
{
    size_t n = strlen (text);
    const char *p = text;
    while (n && s_is_space (*p)) {
        p++;
        n--;
    }
    while (n && s_is_space (p[n - 1]))
        n--;
    return strndup (p, n);
}

char *
intake_text_reply (const char *text)
{
    size_t n;
    s_line_t *lines = s_split_lines (text, &n);
    size_t end = s_history_start (lines, n);
    /* kept[i]: the line belongs to the reply */
    bool *kept = calloc (n + 1, sizeof *kept);
    for (size_t i = 0; i < end; i++) {
        if (lines[i].len == 2 && strncmp (lines[i].start, "--", 2) == 0)
            break;
        if (lines[i].len == 3 && strncmp (lines[i].start, "-- ", 3) == 0)
            break;
        kept[i] = !s_is_quoted (lines[i]);
    }
    /* A device signature counts only as the reply's last line. */
    size_t last = n;
    for (size_t i = 0; i < end; i++)
        if (kept[i] && !s_is_blank (lines[i]))
            last = i;
    if (last < n && s_is_device_signature (lines[last]))
        kept[last] = false;

    /* Cut quotes leave blank lines on both sides: one is enough. */
    GString *out = g_string_new (NULL);
    bool after_blank = false;
    for (size_t i = 0; i < end; i++) {
        if (!kept[i] || (after_blank && s_is_blank (lines[i])))
            continue;
        after_blank = s_is_blank (lines[i]);
        g_string_append_len (out, lines[i].start, (gssize) lines[i].len);
        g_string_append_c (out, '\n');
    }
    char *reply = s_trimmed_copy (out->str);
    g_string_free (out, TRUE);
    free (kept);
    free (lines);
    if (*reply)
        return reply;
    free (reply);
    return s_trimmed_copy (text);
}
