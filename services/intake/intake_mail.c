/* intake_mail: GMime does the MIME work (structure, transfer encodings,
 * RFC 2047 headers, RFC 2231 parameters), intake_charset the charsets and
 * intake_headers the odd header blocks; this file walks the
 * parts: text into the body, other leaves into attachments (once per
 * content, from every version of an alternative), attached messages into
 * forwarded sections. Every string it hands out is valid UTF-8, because
 * protobuf strings must be. */
#include "intake_mail.h"
#include "intake_words.h"

#include "intake_charset.h"
#include "intake_headers.h"
#include "intake_report.h"
#include "intake_text.h"

#include <gmime/gmime.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any real mail nests; stops hostile nesting. */
#define S_MAX_DEPTH 32
#define S_MAX_ATTACHMENTS 256

void
intake_mail_init (void)
{
    g_mime_init ();
}

/* A malloc'd copy of s made valid UTF-8 ("" for NULL). */
static char *
s_utf8 (const char *s)
{
    if (!s)
        return strdup ("");
    if (g_utf8_validate (s, -1, NULL))
        return strdup (s);
    char *valid = g_utf8_make_valid (s, -1);
    char *copy = strdup (valid);
    g_free (valid);
    return copy;
}

/* The Subject as people read it, decoded by intake_words (not GMime's
 * decoder: see intake_words.h); raw 8-bit bytes in the charset the
 * message's text declares, if they read in it. */
static char *
s_subject (GMimeMessage *msg)
{
    GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (msg));
    GMimeHeader *h = headers ? g_mime_header_list_get_header (headers, "Subject") : NULL;
    const char *raw = h ? g_mime_header_get_raw_value (h) : NULL;
    return intake_words_decode (raw, intake_headers_body_charset (msg));
}

const char *
intake_mail_class_name (intake_mail_class_t mail_class)
{
    switch (mail_class) {
    case INTAKE_MAIL_AUTO:
        return "auto";
    case INTAKE_MAIL_OUT_OF_OFFICE:
        return "out_of_office";
    case INTAKE_MAIL_BOUNCE:
        return "bounce";
    case INTAKE_MAIL_READ_RECEIPT:
        return "read_receipt";
    case INTAKE_MAIL_FEEDBACK_REPORT:
        return "feedback_report";
    case INTAKE_MAIL_HUMAN:
        break;
    }
    return "human";
}

/* ---- part content ---- */

/* The part's content after the transfer decoding. The caller frees it
 * with g_byte_array_free (bytes, TRUE). */
static GByteArray *
s_decoded (GMimePart *part)
{
    GMimeStream *mem = g_mime_stream_mem_new ();
    GMimeDataWrapper *content = g_mime_part_get_content (part);
    if (content)
        g_mime_data_wrapper_write_to_stream (content, mem);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
    g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
    g_object_unref (mem);
    return bytes;
}

/* bytes in charset (NULL: undeclared) as UTF-8 text; g_free it. What the
 * charset cannot read becomes U+FFFD and the rest converts
 * (intake_charset.h). */
static char *
s_text_utf8 (const GByteArray *bytes, const char *charset)
{
    char *text = intake_charset_to_utf8 ((const char *) bytes->data, bytes->len, charset, NULL);
    char *copy = g_strdup (text);
    free (text);
    return copy;
}

/* ---- the walk ---- */

typedef struct {
    GString *forwarded; /* the forwarded sections, after the body */
    intake_attachment_t *attachments;
    size_t n_attachments;
} s_walk_t;

static void s_walk (s_walk_t *w, GMimeObject *obj, GString *into, int depth);
static void s_report_text (s_walk_t *w, GMimeMultipart *mp, GString *into, int depth);

static void
s_append_text (GString *into, const char *text)
{
    const char *start = text;
    while (*start == '\n' || *start == '\r' || *start == ' ' || *start == '\t')
        start++;
    size_t len = strlen (start);
    while (len && (start[len - 1] == '\n' || start[len - 1] == '\r' || start[len - 1] == ' ' ||
                   start[len - 1] == '\t'))
        len--;
    if (!len)
        return;
    if (into->len)
        g_string_append (into, "\n\n");
    g_string_append_len (into, start, (gssize) len);
}

static bool
s_is_body_text (GMimeObject *obj)
{
    if (!GMIME_IS_TEXT_PART (obj) || g_mime_part_is_attachment (GMIME_PART (obj)) ||
        g_mime_part_get_filename (GMIME_PART (obj)))
        return false;
    GMimeContentType *ct = g_mime_object_get_content_type (obj);
    return g_mime_content_type_is_type (ct, "text", "plain") ||
           g_mime_content_type_is_type (ct, "text", "html");
}

/* A text part as readable UTF-8 text (HTML rendered as text); g_free it. */
static char *
s_part_text (GMimeObject *obj)
{
    GByteArray *bytes = s_decoded (GMIME_PART (obj));
    const char *charset = g_mime_object_get_content_type_parameter (obj, "charset");
    char *text = s_text_utf8 (bytes, charset);
    g_byte_array_free (bytes, TRUE);
    GMimeContentType *ct = g_mime_object_get_content_type (obj);
    if (!g_mime_content_type_is_type (ct, "text", "html"))
        return text;
    char *plain = intake_text_from_html (text, strlen (text));
    g_free (text);
    char *copy = g_strdup (plain);
    free (plain);
    return copy;
}

/* The file name, also from a Content-Type GMime could not read (like
 * "application-x-gzip; name=..."): its parameters still parse. */
static char *
s_filename (GMimePart *part)
{
    const char *name = g_mime_part_get_filename (part);
    if (name)
        return s_utf8 (name);
    const char *raw = g_mime_object_get_header (GMIME_OBJECT (part), "Content-Type");
    const char *semi = raw ? strchr (raw, ';') : NULL;
    if (!semi)
        return s_utf8 (NULL);
    GMimeParamList *params = g_mime_param_list_parse (NULL, semi + 1);
    GMimeParam *param = params ? g_mime_param_list_get_parameter (params, "name") : NULL;
    char *copy = s_utf8 (param ? g_mime_param_get_value (param) : NULL);
    if (params)
        g_object_unref (params);
    return copy;
}

/* The attachment already kept with this content, or NULL. */
static intake_attachment_t *
s_kept (s_walk_t *w, const char *sha256)
{
    for (size_t i = 0; i < w->n_attachments; i++)
        if (strcmp (w->attachments[i].sha256, sha256) == 0)
            return &w->attachments[i];
    return NULL;
}

/* Another copy of kept's bytes. A copy the sender attached outranks an
 * inline one: its name (the one they chose) and shown as attached; else
 * the first name given stays. */
static void
s_merge (intake_attachment_t *kept, GMimePart *part, bool is_inline)
{
    char *name = s_filename (part);
    if (*name && (!*kept->filename || (kept->is_inline && !is_inline))) {
        free (kept->filename);
        kept->filename = name;
    }
    else
        free (name);
    kept->is_inline = kept->is_inline && is_inline;
}

/* bytes kept as a file once per content: the same bytes in two versions
 * of an alternative (or attached twice) are one attachment. name and type
 * are taken (freed here when not kept); bytes is freed. part (NULL for a
 * file made here) names a copy already kept. */
static void
s_keep (s_walk_t *w, GByteArray *bytes, char *name, char *type, bool is_inline, GMimePart *part,
        bool is_copy)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    char sha256[65];
    crypto_hash_sha256 (hash, bytes->data, bytes->len);
    sodium_bin2hex (sha256, sizeof sha256, hash, sizeof hash);
    intake_attachment_t *kept = s_kept (w, sha256);
    if (kept && part)
        s_merge (kept, part, is_inline);
    if (kept || w->n_attachments >= S_MAX_ATTACHMENTS) {
        g_byte_array_free (bytes, TRUE);
        free (name);
        free (type);
        return;
    }
    if (w->n_attachments % 8 == 0)
        w->attachments =
            realloc (w->attachments, (w->n_attachments + 8) * sizeof *w->attachments);
    intake_attachment_t *a = &w->attachments[w->n_attachments++];
    a->filename = name;
    a->content_type = type;
    memcpy (a->sha256, sha256, sizeof a->sha256);
    a->size = bytes->len;
    a->is_inline = is_inline;
    a->is_copy = is_copy;
    a->data = malloc (bytes->len ? bytes->len : 1);
    if (bytes->len)
        memcpy (a->data, bytes->data, bytes->len);
    g_byte_array_free (bytes, TRUE);
}

/* A leaf that is not body text. */
static void
s_attachment (s_walk_t *w, GMimePart *part)
{
    GMimeContentType *ct = g_mime_object_get_content_type (GMIME_OBJECT (part));
    char *type = g_mime_content_type_get_mime_type (ct);
    char *lower = g_ascii_strdown (type ? type : "application/octet-stream", -1);
    char *content_type = s_utf8 (lower);
    g_free (lower);
    g_free (type);
    s_keep (w, s_decoded (part), s_filename (part), content_type,
            !g_mime_part_is_attachment (part), part, false);
}

/* A forwarded message kept whole as a file too ("<subject>.eml",
 * message/rfc822), so an agent can open the original with its headers
 * and its own attachments in a mail client. */
static void
s_forwarded_file (s_walk_t *w, GMimeMessagePart *part, GMimeMessage *msg)
{
    GMimeStream *mem = g_mime_stream_mem_new ();
    g_mime_object_write_to_stream (GMIME_OBJECT (msg), NULL, mem);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
    g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
    g_object_unref (mem);
    const char *given = g_mime_object_get_content_disposition_parameter (GMIME_OBJECT (part),
                                                                         "filename");
    char *name;
    if (given && *given)
        name = s_utf8 (given);
    else {
        /* The subject, without what a file name cannot hold. */
        char *subject = s_subject (msg);
        GString *n = g_string_new (NULL);
        for (const char *c = subject; *c && (n->len < 120 || ((unsigned char) *c & 0xC0) == 0x80); c++)
            g_string_append_c (n, strchr ("/\\:*?\"<>|", *c) || (unsigned char) *c < 0x20 ? '_' : *c);
        char *trimmed = g_strstrip (n->str);
        char *file = g_strdup_printf ("%s.eml", *trimmed ? trimmed : "mensagem-encaminhada");
        name = s_utf8 (file);
        g_free (file);
        g_string_free (n, TRUE);
        free (subject);
    }
    s_keep (w, bytes, name, strdup ("message/rfc822"), false, NULL, true);
}

/* The files of a version the body does not come from: every leaf that is
 * not body text, at any depth (an HTML version's images, a file attached
 * only there), and nothing of its text. */
static void
s_files (s_walk_t *w, GMimeObject *obj, int depth)
{
    if (!obj || depth > S_MAX_DEPTH)
        return;
    if (GMIME_IS_MULTIPART (obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART (obj);
        GMimeContentType *ct = g_mime_object_get_content_type (obj);
        int count = g_mime_multipart_get_count (mp);
        if (g_mime_content_type_is_type (ct, "multipart", "encrypted"))
            return;
        if (g_mime_content_type_is_type (ct, "multipart", "signed"))
            count = count > 0 ? 1 : 0; /* the signature is not the sender's file */
        for (int i = 0; i < count; i++)
            s_files (w, g_mime_multipart_get_part (mp, i), depth + 1);
        return;
    }
    if (GMIME_IS_MESSAGE_PART (obj)) {
        GMimeMessage *msg = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
        if (msg)
            s_files (w, g_mime_message_get_mime_part (msg), depth + 1);
        return;
    }
    if (GMIME_IS_PART (obj) && !s_is_body_text (obj))
        s_attachment (w, GMIME_PART (obj));
}

/* True when a plain-text version says something (more than blanks). */
static bool
s_says_something (GMimeObject *obj)
{
    char *text = s_part_text (obj);
    GString *probe = g_string_new (NULL);
    s_append_text (probe, text);
    bool says = probe->len > 0;
    g_string_free (probe, TRUE);
    g_free (text);
    return says;
}

/* Which version of a multipart/alternative the body comes from: the plain
 * text when it says something, else the richest other version (a
 * multipart/related HTML, or the HTML); -1 when none is text. */
static int
s_alternative_choice (GMimeMultipart *mp)
{
    int count = g_mime_multipart_get_count (mp);
    for (int i = 0; i < count; i++) {
        GMimeObject *child = g_mime_multipart_get_part (mp, i);
        GMimeContentType *ct = g_mime_object_get_content_type (child);
        if (s_is_body_text (child) && g_mime_content_type_is_type (ct, "text", "plain") &&
            s_says_something (child))
            return i;
    }
    for (int i = 0; i < count; i++)
        if (GMIME_IS_MULTIPART (g_mime_multipart_get_part (mp, i)))
            return i;
    for (int i = count - 1; i >= 0; i--)
        if (s_is_body_text (g_mime_multipart_get_part (mp, i)))
            return i;
    return -1;
}

/* multipart/alternative: the body from one version only (the others say
 * the same), but the files of every version, since senders put images
 * and attachments only in the HTML one (Outlook, Gmail, Apple Mail). */
static void
s_alternative (s_walk_t *w, GMimeMultipart *mp, GString *into, int depth)
{
    int chosen = s_alternative_choice (mp);
    int count = g_mime_multipart_get_count (mp);
    for (int i = 0; i < count; i++) {
        GMimeObject *child = g_mime_multipart_get_part (mp, i);
        if (i == chosen)
            s_walk (w, child, into, depth + 1);
        else
            s_files (w, child, depth + 1);
    }
}

/* An attached message: a ruler, who/when/what, and its text, appended to
 * the forwarded sections. */
static void
s_forwarded (s_walk_t *w, GMimeMessage *msg, int depth)
{
    GString *f = w->forwarded;
    if (f->len)
        g_string_append (f, "\n\n");
    g_string_append (f, "---------- Mensagem encaminhada ----------\n");
    InternetAddressList *from = g_mime_message_get_from (msg);
    char *who = from ? internet_address_list_to_string (from, NULL, FALSE) : NULL;
    const char *raw_date = g_mime_object_get_header (GMIME_OBJECT (msg), "Date");
    char *date = g_strstrip (g_strdup (raw_date ? raw_date : ""));
    char *subject = s_subject (msg);
    /* A line only for what the original has. */
    char *header = g_strdup_printf ("De: %s\n%s%s%sAssunto: %s\n", who ? who : "",
                                    *date ? "Data: " : "", date, *date ? "\n" : "", subject);
    free (subject);
    g_free (who);
    g_free (date);
    char *valid = s_utf8 (header);
    g_string_append (f, valid);
    free (valid);
    g_free (header);
    GString *text = g_string_new (NULL);
    GMimeObject *part = g_mime_message_get_mime_part (msg);
    if (part)
        s_walk (w, part, text, depth + 1);
    if (text->len) {
        g_string_append_c (f, '\n');
        g_string_append_len (f, text->str, (gssize) text->len);
    }
    g_string_free (text, TRUE);
}

/* multipart/report: only its human-readable first part (the others are
 * the machine's, intake_report reads them), or the text some MTAs put
 * before the first boundary. */
static void
s_report_text (s_walk_t *w, GMimeMultipart *mp, GString *into, int depth)
{
    GMimeObject *first =
        g_mime_multipart_get_count (mp) > 0 ? g_mime_multipart_get_part (mp, 0) : NULL;
    if (first && (GMIME_IS_MULTIPART (first) || s_is_body_text (first)))
        s_walk (w, first, into, depth + 1);
    else {
        const char *prologue = g_mime_multipart_get_prologue (mp);
        if (prologue) {
            char *text = s_utf8 (prologue);
            s_append_text (into, text);
            free (text);
        }
    }
}

static void
s_walk (s_walk_t *w, GMimeObject *obj, GString *into, int depth)
{
    if (!obj || depth > S_MAX_DEPTH)
        return;
    if (GMIME_IS_MULTIPART (obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART (obj);
        GMimeContentType *ct = g_mime_object_get_content_type (obj);
        int count = g_mime_multipart_get_count (mp);
        if (g_mime_content_type_is_type (ct, "multipart", "alternative"))
            s_alternative (w, mp, into, depth);
        else if (g_mime_content_type_is_type (ct, "multipart", "encrypted"))
            return;
        else if (g_mime_content_type_is_type (ct, "multipart", "signed")) {
            if (count > 0)
                s_walk (w, g_mime_multipart_get_part (mp, 0), into, depth + 1);
        }
        else if (g_mime_content_type_is_type (ct, "multipart", "report"))
            s_report_text (w, mp, into, depth);
        else
            for (int i = 0; i < count; i++)
                s_walk (w, g_mime_multipart_get_part (mp, i), into, depth + 1);
        return;
    }
    if (GMIME_IS_MESSAGE_PART (obj)) {
        GMimeMessage *msg = g_mime_message_part_get_message (GMIME_MESSAGE_PART (obj));
        if (msg) {
            s_forwarded_file (w, GMIME_MESSAGE_PART (obj), msg);
            s_forwarded (w, msg, depth + 1);
        }
        return;
    }
    if (!GMIME_IS_PART (obj))
        return;
    if (s_is_body_text (obj)) {
        char *text = s_part_text (obj);
        s_append_text (into, text);
        g_free (text);
        return;
    }
    s_attachment (w, GMIME_PART (obj));
}

/* ---- headers ---- */

static void
s_ids (GMimeObject *msg, const char *header, char ***ids, size_t *n)
{
    const char *value = g_mime_object_get_header (msg, header);
    *ids = NULL;
    *n = 0;
    if (!value)
        return;
    GMimeReferences *refs = g_mime_references_parse (NULL, value);
    if (!refs)
        return;
    int len = g_mime_references_length (refs);
    if (len > 0) {
        *ids = calloc ((size_t) len, sizeof (char *));
        for (int i = 0; i < len; i++)
            (*ids)[(*n)++] = s_utf8 (g_mime_references_get_message_id (refs, i));
    }
    g_mime_references_free (refs);
}

static void
s_threading (GMimeMessage *msg, intake_mail_t *out)
{
    char **irt;
    size_t n_irt;
    s_ids (GMIME_OBJECT (msg), "In-Reply-To", &irt, &n_irt);
    out->in_reply_to = n_irt ? irt[0] : s_utf8 (NULL);
    for (size_t i = 1; i < n_irt; i++)
        free (irt[i]);
    free (irt);
    s_ids (GMIME_OBJECT (msg), "References", &out->references, &out->n_references);
}

/* The mailboxes of list into out, groups flattened; at most 64 in all. */
static void
s_mailboxes (InternetAddressList *list, intake_mail_t *out, int depth)
{
    int count = list && depth < 4 ? internet_address_list_length (list) : 0;
    for (int i = 0; i < count && out->n_recipients < 64; i++) {
        InternetAddress *ia = internet_address_list_get_address (list, i);
        if (INTERNET_ADDRESS_IS_GROUP (ia))
            s_mailboxes (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), out,
                         depth + 1);
        else if (INTERNET_ADDRESS_IS_MAILBOX (ia)) {
            const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
            if (addr && strchr (addr, '@'))
                out->recipients[out->n_recipients++] = s_utf8 (addr);
        }
    }
}

static void
s_recipients (GMimeMessage *msg, intake_mail_t *out)
{
    out->recipients = calloc (65, sizeof (char *));
    out->n_recipients = 0;
    s_mailboxes (g_mime_message_get_addresses (msg, GMIME_ADDRESS_TYPE_TO), out, 0);
    s_mailboxes (g_mime_message_get_addresses (msg, GMIME_ADDRESS_TYPE_CC), out, 0);
}

/* The text parts, attachments and forwarded messages of msg. */
static void
s_content (GMimeMessage *msg, intake_mail_t *out)
{
    s_walk_t w = {g_string_new (NULL), NULL, 0};
    GString *text = g_string_new (NULL);
    s_walk (&w, g_mime_message_get_mime_part (msg), text, 0);
    char *reply = intake_text_reply (text->str);
    if (w.forwarded->len) {
        /* An attached message is what the customer forwards for us to read:
         * in the reply as in the body, after their own words. */
        GString *with = g_string_new (reply);
        if (with->len)
            g_string_append (with, "\n\n");
        g_string_append_len (with, w.forwarded->str, (gssize) w.forwarded->len);
        free (reply);
        reply = strdup (with->str);
        g_string_free (with, TRUE);
        if (text->len)
            g_string_append (text, "\n\n");
        g_string_append_len (text, w.forwarded->str, (gssize) w.forwarded->len);
    }
    out->reply = s_utf8 (reply);
    free (reply);
    out->body = s_utf8 (text->str);
    g_string_free (text, TRUE);
    g_string_free (w.forwarded, TRUE);
    out->attachments = w.attachments;
    out->n_attachments = w.n_attachments;
}

/* A copy of label (g_free) when it names a multi-byte charset other than
 * UTF-8, else NULL. */
static char *
s_multibyte_label (const char *label)
{
    if (!label || !*label)
        return NULL;
    const char *canon = g_mime_charset_canon_name (label);
    if (!canon)
        return NULL;
    static const char *const single[] = {"utf-8", "us-ascii", "iso-8859-", "windows-12",
                                         "cp12", "koi8-", "macintosh", "tis-620"};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        if (g_ascii_strncasecmp (canon, single[i], strlen (single[i])) == 0)
            return NULL;
    return g_strdup (label);
}

/* raw parsed as a message, or NULL. */
static GMimeMessage *
s_message (const uint8_t *raw, size_t len, GMimeParserOptions *options)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer ((const char *) raw, len);
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    GMimeMessage *msg = g_mime_parser_construct_message (parser, options);
    g_object_unref (parser);
    g_object_unref (stream);
    return msg;
}

/* Whether msg has a header field: its own, or a Content-* one GMime put
 * on its top part. */
static bool
s_has_headers (GMimeMessage *msg)
{
    GMimeObject *objects[] = {msg ? GMIME_OBJECT (msg) : NULL,
                              msg ? g_mime_message_get_mime_part (msg) : NULL};
    for (size_t i = 0; i < G_N_ELEMENTS (objects); i++) {
        GMimeHeaderList *list = objects[i] ? g_mime_object_get_header_list (objects[i]) : NULL;
        if (list && g_mime_header_list_get_count (list) > 0)
            return true;
    }
    return false;
}

int
intake_mail_parse_site (const uint8_t *raw, size_t len, const intake_mail_site_t *site,
                        intake_mail_t *out, char *err, size_t err_size)
{
    memset (out, 0, sizeof *out);
    /* A UTF-8 byte order mark before the headers (Windows tools write one)
     * would turn the first header into garbage. */
    if (len >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF) {
        raw += 3;
        len -= 3;
    }
    GMimeParserOptions *options = g_mime_parser_options_new ();
    const char *fallback[] = {"utf-8", "windows-1252", NULL};
    g_mime_parser_options_set_fallback_charsets (options, fallback);
    GMimeMessage *msg = s_message (raw, len, options);
    size_t start = s_has_headers (msg) ? 0 : intake_headers_start (raw, len);
    if (start > 0 && start < len) {
        /* An mbox "From " line, a stray line or a blank one before the
         * headers: the message starts after them. */
        g_clear_object (&msg);
        msg = s_message (raw + start, len - start, options);
    }
    if (!s_has_headers (msg)) {
        g_clear_object (&msg);
        g_mime_parser_options_free (options);
        snprintf (err, err_size, "the input is not an RFC 822 message: no header field "
                                 "(From:, Subject:...) in its first lines");
        return -1;
    }
    /* Raw 8-bit bytes where GMime decodes them itself (file names, a
     * forwarded message's From) are in the charset the text declares, when
     * that is a multi-byte one (GB2312, Shift_JIS...): parsed again with it
     * first among the fallbacks. A single-byte label reads any bytes, so
     * valid UTF-8 stays ahead of it (intake_charset_header's order). */
    char *hint = s_multibyte_label (intake_headers_body_charset (msg));
    if (hint) {
        const char *again[] = {hint, "utf-8", "windows-1252", NULL};
        g_mime_parser_options_set_fallback_charsets (options, again);
        g_clear_object (&msg);
        msg = s_message (raw + (start < len ? start : 0), len - (start < len ? start : 0),
                         options);
        g_free (hint);
        if (!msg) {
            g_mime_parser_options_free (options);
            snprintf (err, err_size, "the message could not be read again in its charset");
            return -1;
        }
    }
    intake_headers_sender (msg, &out->from_address, &out->from_name);
    out->message_id = s_utf8 (g_mime_message_get_message_id (msg));
    out->subject = s_subject (msg);
    s_threading (msg, out);
    s_recipients (msg, out);
    s_content (msg, out);
    out->report_recipient = s_utf8 (NULL);
    out->report_message_id = s_utf8 (NULL);
    intake_report_classify (msg, site, out);
    g_object_unref (msg);
    g_mime_parser_options_free (options);
    return 0;
}

int
intake_mail_parse (const uint8_t *raw, size_t len, intake_mail_t *out, char *err,
                   size_t err_size)
{
    return intake_mail_parse_site (raw, len, NULL, out, err, err_size);
}

void
intake_mail_clear (intake_mail_t *m)
{
    free (m->message_id);
    free (m->from_address);
    free (m->from_name);
    free (m->subject);
    free (m->body);
    free (m->reply);
    free (m->in_reply_to);
    for (size_t i = 0; i < m->n_references; i++)
        free (m->references[i]);
    free (m->references);
    for (size_t i = 0; i < m->n_recipients; i++)
        free (m->recipients[i]);
    free (m->recipients);
    free (m->report_recipient);
    free (m->report_message_id);
    for (size_t i = 0; i < m->n_attachments; i++) {
        free (m->attachments[i].filename);
        free (m->attachments[i].content_type);
        free (m->attachments[i].data);
    }
    free (m->attachments);
    memset (m, 0, sizeof *m);
}
