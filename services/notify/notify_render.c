/* notify_render: the words customers read. Tone from the support manual:
 * acknowledge, paraphrase, a realistic deadline, plain words. */
#include "notify_render.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
notify_render_init (void)
{
    g_mime_init ();
}

static int
s_is_english (const char *language)
{
    return language && strncmp (language, "en", 2) == 0;
}

static char *
s_ack_text (const notify_ack_t *a)
{
    const char *name = a->customer_name && *a->customer_name ? a->customer_name : NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&text, &size);
    if (s_is_english (a->language)) {
        fprintf (f, "Hello%s%s,\n\n", name ? " " : "", name ? name : "");
        fprintf (f,
                 "We have received your ticket #%llu about \"%s\" and recorded everything you "
                 "told us.\n\n",
                 (unsigned long long) a->ticket, a->subject);
        fprintf (f, "Our support team will look into it and get back to you within one business "
                    "day. If you have anything to add, such as screenshots or the steps that led "
                    "to the problem, just reply to this e-mail and keep the ticket number in the "
                    "subject.\n\n");
        fprintf (f, "Kind regards,\n%s\n", a->from_name);
    }
    else {
        fprintf (f, "Olá%s%s,\n\n", name ? ", " : "", name ? name : "");
        fprintf (f,
                 "Recebemos seu chamado #%llu sobre “%s” e já registramos tudo o que você nos "
                 "contou.\n\n",
                 (unsigned long long) a->ticket, a->subject);
        fprintf (f, "Nossa equipe de atendimento vai analisar o caso e responder em até 1 dia "
                    "útil. Se quiser acrescentar alguma informação, como prints da tela ou o passo "
                    "a passo do que aconteceu, é só responder a este e-mail mantendo o número do "
                    "chamado no assunto.\n\n");
        fprintf (f, "Atenciosamente,\n%s\n", a->from_name);
    }
    fclose (f);
    return text;
}

char *
notify_render_ack (const notify_ack_t *a, size_t *len, char **subject_out)
{
    GMimeMessage *msg = g_mime_message_new (TRUE);
    g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_FROM, a->from_name, a->from_address);
    g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_TO, a->customer_name,
                                a->customer_address);
    char subject[1024];
    snprintf (subject, sizeof subject,
              s_is_english (a->language) ? "[Chamado #%llu] We received your request: %s"
                                         : "[Chamado #%llu] Recebemos seu chamado: %s",
              (unsigned long long) a->ticket, a->subject);
    g_mime_message_set_subject (msg, subject, "utf-8");
    g_mime_message_set_message_id (msg, a->message_id);
    GDateTime *date = g_date_time_new_from_unix_utc (a->time_us / 1000000);
    g_mime_message_set_date (msg, date);
    g_date_time_unref (date);
    GMimeObject *obj = GMIME_OBJECT (msg);
    if (a->in_reply_to && *a->in_reply_to) {
        char ref[1024];
        snprintf (ref, sizeof ref, "<%s>", a->in_reply_to);
        g_mime_object_set_header (obj, "In-Reply-To", ref, NULL);
        g_mime_object_set_header (obj, "References", ref, NULL);
    }
    /* RFC 3834: an automatic answer, so robots do not answer it back. */
    g_mime_object_set_header (obj, "Auto-Submitted", "auto-replied", NULL);
    g_mime_object_set_header (obj, "X-Loop", a->loop_tag, NULL);
    g_mime_object_set_header (obj, "Content-Language", s_is_english (a->language) ? "en" : "pt-BR",
                              NULL);

    GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");
    char *text = s_ack_text (a);
    g_mime_text_part_set_text (part, text);
    g_mime_text_part_set_charset (part, "utf-8");
    g_mime_part_set_content_encoding (GMIME_PART (part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    free (text);
    g_mime_message_set_mime_part (msg, GMIME_OBJECT (part));
    g_object_unref (part);

    char *s = g_mime_object_to_string (obj, NULL);
    g_object_unref (msg);
    char *out = strdup (s);
    *len = strlen (out);
    g_free (s);
    *subject_out = strdup (subject);
    return out;
}
