/* notify_doc: one mail's words written once, as its text part and its
 * HTML part together (see notify_doc.h): paragraphs of our own words, the
 * customer's words quoted, a person's words as they wrote them, lists, the
 * greeting and the signature. Everything that goes into HTML is escaped. */
#include "notify_doc.h"

#include "notify_words.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Quoted words, set off the way mail clients show a quote. */
#define NOTIFY_QUOTE_OPEN                                                                     \
    "<blockquote style=\"border-left: 3px solid #ccc; margin: 0 0 1em; padding-left: 1em; "   \
    "color: #555\">"

int
notify_doc_has (const char *s)
{
    return s && *s;
}



/* Appends s to html escaped, line breaks kept. */
void
notify_doc_html_escaped (GString *html, const char *s)
{
    char *escaped = g_markup_escape_text (s, -1);
    for (const char *p = escaped; *p; p++) {
        if (*p == '\n')
            g_string_append (html, "<br>\n");
        else
            g_string_append_c (html, *p);
    }
    g_free (escaped);
}

/* A paragraph of our own words (user data only through the arguments). */
void
notify_doc_para (notify_doc_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *p = g_strdup_vprintf (fmt, ap);
    va_end (ap);
    g_string_append_printf (d->text, "%s\n\n", p);
    g_string_append (d->html, "<p>");
    notify_doc_html_escaped (d->html, p);
    g_string_append (d->html, "</p>\n");
    g_free (p);
}

/* The customer's own words, given back to them: a quote, set off the way
 * mail clients show quoted text. */
void
notify_doc_quote (notify_doc_t *d, const char *words)
{
    if (!words)
        words = "";
    g_string_append_printf (d->text, "%s\n\n", words);
    g_string_append (d->html, NOTIFY_QUOTE_OPEN);
    notify_doc_html_escaped (d->html, words);
    g_string_append (d->html, "</blockquote>\n");
}

/* Lines of html-escaped text from `from` up to `to`, as one paragraph or,
 * for lines the writer quoted ("> ..."), one quote without the marks. */
static void
s_html_block (GString *html, char **lines, size_t from, size_t to, int is_quoted)
{
    g_string_append (html, is_quoted ? NOTIFY_QUOTE_OPEN : "<p>");
    for (size_t i = from; i < to; i++) {
        const char *line = lines[i];
        if (is_quoted) {
            line++;
            if (*line == ' ')
                line++;
        }
        char *escaped = g_markup_escape_text (line, -1);
        g_string_append (html, escaped);
        g_free (escaped);
        if (i + 1 < to)
            g_string_append (html, "<br>\n");
    }
    g_string_append (html, is_quoted ? "</blockquote>\n" : "</p>\n");
}

/* Words a person on our team wrote (a reply, a request, a resolution),
 * shown as they wrote them: in HTML their paragraphs read as the mail's
 * own text, not as a quote. Only lines they quoted themselves ("> ...",
 * the customer's earlier mail) are set off as quoted. */
void
notify_doc_words (notify_doc_t *d, const char *words)
{
    if (!words)
        words = "";
    g_string_append_printf (d->text, "%s\n\n", words);
    char **lines = g_strsplit (words, "\n", -1);
    size_t n = g_strv_length (lines);
    for (size_t i = 0; i < n; i++)
        g_strchomp (lines[i]);
    size_t start = 0;
    while (start < n) {
        if (!*lines[start]) {
            start++;
            continue;
        }
        int is_quoted = lines[start][0] == '>';
        size_t end = start;
        while (end < n && *lines[end] && (lines[end][0] == '>') == is_quoted)
            end++;
        s_html_block (d->html, lines, start, end, is_quoted);
        start = end;
    }
    g_strfreev (lines);
}

/* A short list of choices. */
void
notify_doc_list (notify_doc_t *d, const char *const *items, size_t n)
{
    g_string_append (d->html, "<ul>\n");
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf (d->text, "- %s\n", items[i]);
        g_string_append (d->html, "<li>");
        notify_doc_html_escaped (d->html, items[i]);
        g_string_append (d->html, "</li>\n");
    }
    g_string_append (d->html, "</ul>\n");
    g_string_append (d->text, "\n");
}

/* By first name, as people greet each other ("Olá, Ana,", "Hi Ana,"). */
void
notify_doc_greeting (notify_doc_t *d, const notify_mail_t *m, int en)
{
    char first[64];
    notify_words_first_name (first, sizeof first, m->customer_name);
    if (*first)
        notify_doc_para (d, en ? "Hi %s," : "Olá, %s,", first);
    else
        notify_doc_para (d, en ? "Hello," : "Olá,");
}

void
notify_doc_signature (notify_doc_t *d, const notify_mail_t *m, int en)
{
    notify_doc_para (d, en ? "Kind regards,\n%s" : "Atenciosamente,\n%s", m->from_name);
}
