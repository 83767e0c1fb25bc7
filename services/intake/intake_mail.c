/* intake_mail: GMime does the MIME work; this file only picks the parts. */
#include "intake_mail.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
intake_mail_init (void)
{
    g_mime_init ();
}

static char *
s_dup (const char *s)
{
    return strdup (s ? s : "");
}

typedef struct {
    char *plain;
    char *html;
} s_bodies_t;

static void
s_find_text (GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void) parent;
    s_bodies_t *b = data;
    if (!GMIME_IS_TEXT_PART (part))
        return;
    if (g_mime_part_is_attachment (GMIME_PART (part)))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type (part);
    char **slot = NULL;
    if (g_mime_content_type_is_type (ct, "text", "plain"))
        slot = &b->plain;
    else if (g_mime_content_type_is_type (ct, "text", "html"))
        slot = &b->html;
    if (!slot || *slot)
        return;
    char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
    *slot = strdup (text ? text : "");
    g_free (text);
}

/* A readable text from HTML until the e-mail issue brings a proper one: drop
 * tags, keep text. Never rendered as HTML anywhere. */
static char *
s_strip_tags (const char *html)
{
    size_t n = strlen (html);
    char *out = malloc (n + 1);
    size_t j = 0;
    int in_tag = 0;
    for (size_t i = 0; i < n; i++) {
        if (html[i] == '<')
            in_tag = 1;
        else if (html[i] == '>')
            in_tag = 0;
        else if (!in_tag)
            out[j++] = html[i];
    }
    out[j] = 0;
    return out;
}

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
            (*ids)[(*n)++] = s_dup (g_mime_references_get_message_id (refs, i));
    }
    g_mime_references_free (refs);
}

int
intake_mail_parse (const uint8_t *raw, size_t len, intake_mail_t *out, char *err,
                   size_t err_size)
{
    memset (out, 0, sizeof *out);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer ((const char *) raw, len);
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    GMimeMessage *msg = g_mime_parser_construct_message (parser, NULL);
    g_object_unref (parser);
    g_object_unref (stream);
    if (!msg) {
        snprintf (err, err_size, "the input is not an RFC 822 message");
        return -1;
    }
    InternetAddressList *from = g_mime_message_get_from (msg);
    for (int i = 0; from && i < internet_address_list_length (from); i++) {
        InternetAddress *ia = internet_address_list_get_address (from, i);
        if (INTERNET_ADDRESS_IS_MAILBOX (ia)) {
            out->from_address = s_dup (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)));
            out->from_name = s_dup (internet_address_get_name (ia));
            break;
        }
    }
    if (!out->from_address || !strchr (out->from_address, '@')) {
        snprintf (err, err_size, "the message has no sender address (From header)");
        g_object_unref (msg);
        intake_mail_clear (out);
        return -1;
    }
    out->message_id = s_dup (g_mime_message_get_message_id (msg));
    out->subject = s_dup (g_mime_message_get_subject (msg));
    s_bodies_t bodies = {NULL, NULL};
    if (GMIME_IS_TEXT_PART (g_mime_message_get_mime_part (msg)))
        s_find_text (NULL, g_mime_message_get_mime_part (msg), &bodies);
    else
        g_mime_message_foreach (msg, s_find_text, &bodies);
    if (bodies.plain)
        out->body = bodies.plain;
    else if (bodies.html)
        out->body = s_strip_tags (bodies.html);
    else
        out->body = s_dup ("");
    free (bodies.html);
    char **irt;
    size_t n_irt;
    s_ids (GMIME_OBJECT (msg), "In-Reply-To", &irt, &n_irt);
    out->in_reply_to = n_irt ? irt[0] : s_dup ("");
    for (size_t i = 1; i < n_irt; i++)
        free (irt[i]);
    free (irt);
    s_ids (GMIME_OBJECT (msg), "References", &out->references, &out->n_references);
    g_object_unref (msg);
    return 0;
}

void
intake_mail_clear (intake_mail_t *m)
{
    free (m->message_id);
    free (m->from_address);
    free (m->from_name);
    free (m->subject);
    free (m->body);
    free (m->in_reply_to);
    for (size_t i = 0; i < m->n_references; i++)
        free (m->references[i]);
    free (m->references);
    memset (m, 0, sizeof *m);
}
