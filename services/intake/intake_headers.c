/* intake_headers: see the header. GMime parses the address lists; this file
 * chooses which header to believe, reads raw 8-bit bytes before GMime
 * does (its fallback would take GB2312 for Windows-1252), and reads what
 * GMime's address parser gives up on. */
#include "intake_headers.h"

#include "intake_charset.h"
#include "intake_words.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than a real message's text nests. */
#define S_MAX_DEPTH 8

/* A header field's start: a name of printable ASCII without ':' or
 * blanks, blanks allowed before the colon (RFC 5322's obsolete syntax). */
static bool
s_is_field (const uint8_t *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] > 0x20 && line[i] < 0x7F && line[i] != ':')
        i++;
    if (i == 0)
        return false;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return i < len && line[i] == ':';
}

size_t
intake_headers_start (const uint8_t *raw, size_t len)
{
    size_t at = 0;
    for (int line = 0; line <= INTAKE_HEADERS_MAX_JUNK && at < len; line++) {
        if (s_is_field (raw + at, len - at))
            return at;
        const uint8_t *nl = memchr (raw + at, '\n', len - at);
        if (!nl)
            break;
        at = (size_t) (nl - raw) + 1;
    }
    return len;
}

static const char *
s_text_charset (GMimeObject *obj, int depth)
{
    if (!obj || depth > S_MAX_DEPTH)
        return NULL;
    if (GMIME_IS_MULTIPART (obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART (obj);
        int count = g_mime_multipart_get_count (mp);
        for (int i = 0; i < count; i++) {
            const char *charset = s_text_charset (g_mime_multipart_get_part (mp, i), depth + 1);
            if (charset)
                return charset;
        }
        return NULL;
    }
    if (!GMIME_IS_TEXT_PART (obj) || g_mime_part_is_attachment (GMIME_PART (obj)))
        return NULL;
    const char *charset = g_mime_object_get_content_type_parameter (obj, "charset");
    return charset && *charset ? charset : NULL;
}

const char *
intake_headers_body_charset (GMimeMessage *msg)
{
    return s_text_charset (g_mime_message_get_mime_part (msg), 0);
}

/* The raw value of the first header called name, or NULL. */
static const char *
s_raw (GMimeMessage *msg, const char *name)
{
    GMimeHeaderList *list = g_mime_object_get_header_list (GMIME_OBJECT (msg));
    GMimeHeader *h = list ? g_mime_header_list_get_header (list, name) : NULL;
    if (!h)
        return NULL;
    const char *raw = g_mime_header_get_raw_value (h);
    return raw ? raw : g_mime_header_get_value (h);
}

static void
s_trim_chars (char *s, const char *chars)
{
    size_t len = strlen (s), start = 0;
    while (start < len && strchr (chars, s[start]))
        start++;
    while (len > start && strchr (chars, s[len - 1]))
        len--;
    memmove (s, s + start, len - start);
    s[len - start] = 0;
}

/* "Name addr@example.com" (no brackets, which GMime refuses): the last
 * word with an '@' is the address, the other words the name. */
static bool
s_bare (const char *value, char **address, char **name)
{
    char **words = g_strsplit_set (value, " \t\r\n", -1);
    int at = -1;
    for (int i = 0; words[i]; i++)
        if (strchr (words[i], '@'))
            at = i;
    if (at < 0) {
        g_strfreev (words);
        return false;
    }
    char *addr = g_strdup (words[at]);
    s_trim_chars (addr, "<>()[]\"',;:");
    const char *sign = strchr (addr, '@');
    if (!sign || sign == addr || !sign[1] || strchr (sign + 1, '@')) {
        g_free (addr);
        g_strfreev (words);
        return false;
    }
    GString *rest = g_string_new (NULL);
    for (int i = 0; words[i]; i++) {
        if (i == at || !*words[i])
            continue;
        if (rest->len)
            g_string_append_c (rest, ' ');
        g_string_append (rest, words[i]);
    }
    s_trim_chars (rest->str, "\"'()<>,; ");
    /* Already UTF-8: only encoded words are left to decode. */
    *name = intake_words_decode (rest->str, NULL);
    *address = strdup (addr);
    g_string_free (rest, TRUE);
    g_free (addr);
    g_strfreev (words);
    return true;
}

/* The first mailbox of list, groups opened (one with a domain first). */
static InternetAddress *
s_first_mailbox (InternetAddressList *list, int depth)
{
    int count = list && depth < 2 ? internet_address_list_length (list) : 0;
    InternetAddress *any = NULL;
    for (int i = 0; i < count; i++) {
        InternetAddress *ia = internet_address_list_get_address (list, i);
        if (INTERNET_ADDRESS_IS_GROUP (ia))
            ia = s_first_mailbox (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)),
                                  depth + 1);
        if (!ia || !INTERNET_ADDRESS_IS_MAILBOX (ia))
            continue;
        const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
        if (addr && strchr (addr, '@'))
            return ia;
        if (!any && addr && *addr)
            any = ia;
    }
    return any;
}

/* The mailbox in one header's raw value (address and name malloc'd, or
 * both NULL when there is none). */
static void
s_mailbox (const char *raw, const char *hint, char **address, char **name)
{
    *address = *name = NULL;
    if (!raw)
        return;
    char *value = intake_charset_header (raw, strlen (raw), hint);
    InternetAddressList *list = internet_address_list_parse (NULL, value);
    InternetAddress *ia = s_first_mailbox (list, 0);
    const char *addr = ia ? internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)) : "";
    if ((!addr || !strchr (addr, '@')) && s_bare (value, address, name)) {
        if (list)
            g_object_unref (list);
        free (value);
        return;
    }
    if (!list) {
        /* A name alone ("From: Bia Lima"): still who wrote it. */
        char *phrase = g_strstrip (g_strdup (value));
        s_trim_chars (phrase, "\"'");
        *name = intake_words_decode (phrase, NULL);
        *address = strdup ("");
        g_free (phrase);
    }
    else if (ia && addr && *addr) {
        const char *n = internet_address_get_name (ia);
        char *valid_addr = g_utf8_make_valid (addr, -1);
        char *valid_name = g_utf8_make_valid (n ? n : "", -1);
        *address = strdup (valid_addr);
        *name = strdup (valid_name);
        g_free (valid_addr);
        g_free (valid_name);
    }
    if (list)
        g_object_unref (list);
    free (value);
}

void
intake_headers_sender (GMimeMessage *msg, char **address, char **name)
{
    static const char *const fields[] = {"From", "Reply-To", "Sender"};
    const char *hint = intake_headers_body_charset (msg);
    char *from_address = NULL, *from_name = NULL;
    *address = *name = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS (fields); i++) {
        char *addr, *n;
        s_mailbox (s_raw (msg, fields[i]), hint, &addr, &n);
        if (addr && strchr (addr, '@')) {
            if (!*n && from_name && *from_name) {
                free (n);
                n = strdup (from_name);
            }
            *address = addr;
            *name = n;
            break;
        }
        if (i == 0) {
            from_address = addr;
            from_name = n;
        }
        else {
            free (addr);
            free (n);
        }
    }
    if (!*address) {
        *address = from_address ? from_address : strdup ("");
        *name = from_name ? from_name : strdup ("");
        return;
    }
    free (from_address);
    free (from_name);
}
