/* notify_render_whatsapp: the WhatsApp texts of customer notices (see
 * notify_render_whatsapp.h). One short message per notice: a greeting
 * only in the acknowledgement, the ticket's number in every one, the
 * agent's words as they wrote them, no signature. */
#include "notify_render_whatsapp.h"

#include "notify_whatsapp.h"
#include "notify_words.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WhatsApp's limits: a text body 4096 characters, an interactive body 1024. */
#define S_TEXT_MAX 4000
#define S_BUTTONS_BODY_MAX 1000

static int
s_has (const char *s)
{
    return s && *s;
}

/* s cut to at most max characters (UTF-8), with "…" when cut. */
static void
s_append_cut (GString *out, const char *s, size_t max)
{
    if (!s)
        return;
    if (!g_utf8_validate (s, -1, NULL)) {
        gchar *fixed = g_utf8_make_valid (s, -1);
        s_append_cut (out, fixed, max);
        g_free (fixed);
        return;
    }
    glong n = g_utf8_strlen (s, -1);
    if ((size_t) n <= max) {
        g_string_append (out, s);
        return;
    }
    const char *end = g_utf8_offset_to_pointer (s, (glong) max - 1);
    g_string_append_len (out, s, end - s);
    g_string_append (out, "…");
}

void
notify_render_whatsapp_template_name (notify_kind_t kind, char *out, size_t n)
{
    snprintf (out, n, "balcao_%s", notify_kind_name (kind));
}

char *
notify_render_whatsapp_text (const notify_mail_t *m)
{
    int en = notify_words_is_english (m->language);
    unsigned long long t = (unsigned long long) m->ticket;
    GString *s = g_string_new (NULL);
    char name[128] = "";
    notify_words_first_name (name, sizeof name, m->customer_name);
    char when[160] = "";
    switch (m->kind) {
    case NOTIFY_ACK:
        if (*name)
            g_string_append_printf (s, en ? "Hi, %s! " : "Olá, %s! ", name);
        else
            g_string_append (s, en ? "Hi! " : "Olá! ");
        g_string_append_printf (s, en ? "We got your request: ticket #%llu. "
                                        "We will answer you here."
                                      : "Recebemos sua solicitação: chamado #%llu. "
                                        "Vamos responder por aqui.",
                                t);
        break;
    case NOTIFY_REPLY:
        if (s_has (m->author_name))
            g_string_append_printf (s, en ? "Ticket #%llu — %s:\n\n" : "Chamado #%llu — %s:\n\n",
                                    t, m->author_name);
        else
            g_string_append_printf (s, en ? "Ticket #%llu:\n\n" : "Chamado #%llu:\n\n", t);
        s_append_cut (s, m->text, S_TEXT_MAX - 200);
        break;
    case NOTIFY_INFO:
        g_string_append_printf (s, en ? "Ticket #%llu: we need a bit more information:\n\n"
                                      : "Chamado #%llu: precisamos de mais informações:\n\n",
                                t);
        s_append_cut (s, m->text, S_TEXT_MAX - 200);
        g_string_append (s, en ? "\n\nJust answer here." : "\n\nÉ só responder por aqui.");
        break;
    case NOTIFY_ESCALATED:
        g_string_append_printf (s, en ? "Ticket #%llu: we passed your request on to a "
                                        "specialised team. We will keep you posted here."
                                      : "Chamado #%llu: encaminhamos sua solicitação para uma "
                                        "equipe especializada. Avisaremos por aqui.",
                                t);
        break;
    case NOTIFY_RESOLVED:
        g_string_append_printf (s, en ? "Ticket #%llu is resolved:\n\n"
                                      : "Chamado #%llu resolvido:\n\n", t);
        s_append_cut (s, m->text, S_BUTTONS_BODY_MAX - 200);
        g_string_append (s, en ? "\n\nIs your problem solved?" : "\n\nSeu problema foi resolvido?");
        break;
    case NOTIFY_REOPENED:
        g_string_append_printf (s, en ? "Ticket #%llu is open again: we are on it."
                                      : "Chamado #%llu reaberto: continuamos cuidando dele.",
                                t);
        break;
    case NOTIFY_CLOSED:
        g_string_append_printf (s, en ? "Ticket #%llu is closed. How did we do? Answer with "
                                        "a score from 1 to 5."
                                      : "Chamado #%llu encerrado. Como foi o atendimento? "
                                        "Responda com uma nota de 1 a 5.",
                                t);
        break;
    case NOTIFY_MERGED:
        g_string_append_printf (s, en ? "Ticket #%llu now continues in ticket #%llu."
                                      : "O chamado #%llu continua no chamado #%llu.",
                                t, (unsigned long long) m->into);
        break;
    case NOTIFY_REMINDER:
        notify_words_date (when, sizeof when, m->close_at_us, m->time_zone, m->language);
        g_string_append_printf (s, en ? "Ticket #%llu was resolved and closes on %s. Still "
                                        "need help? Answer here."
                                      : "O chamado #%llu foi resolvido e será encerrado em %s. "
                                        "Ainda precisa de ajuda? Responda por aqui.",
                                t, when);
        break;
    case NOTIFY_REJECTED: {
        /* Files left out of a WhatsApp message (the gateway's download
         * refused them): the message itself reached the team. */
        char limit[64];
        notify_words_size (limit, sizeof limit, m->limit_bytes, m->language);
        g_string_append (s, en ? "We got your message, but " : "Recebemos sua mensagem, mas ");
        int many = m->n_files > 1;
        g_string_append_printf (s,
                                en     ? (many ? "these files are over our %s limit and did not "
                                                 "come through:"
                                               : "this file is over our %s limit and did not "
                                                 "come through:")
                                : many ? "estes arquivos ficaram de fora por passarem do limite "
                                         "de %s:"
                                       : "este arquivo ficou de fora por passar do limite de %s:",
                                limit);
        for (size_t i = 0; i < m->n_files && i < 8; i++)
            g_string_append_printf (s, "\n• %s", m->files[i]);
        g_string_append (s, en ? "\n\nYou can send a smaller file, a sharing link, or the file "
                                 "in parts."
                               : "\n\nVocê pode enviar um arquivo menor, um link de "
                                 "compartilhamento ou o arquivo em partes.");
        break;
    }
    default:
        g_string_append_printf (s, en ? "Ticket #%llu was updated."
                                      : "O chamado #%llu foi atualizado.", t);
        break;
    }
    return g_string_free (s, FALSE);
}

static char *
s_template (const notify_mail_t *m, const char *to, const char *name, const char *language)
{
    char first[128] = "", number[32];
    notify_words_first_name (first, sizeof first, m->customer_name);
    snprintf (number, sizeof number, "#%llu", (unsigned long long) m->ticket);
    const char *params[] = {*first ? first : (notify_words_is_english (m->language) ? "customer"
                                                                                     : "cliente"),
                            number};
    return notify_whatsapp_template_json (to, name, language, params, 2);
}

char *
notify_render_whatsapp (const notify_mail_t *m, const char *to, int is_in_window,
                        const char *template_name, const char *template_language,
                        char **fallback)
{
    *fallback = NULL;
    if (!is_in_window)
        return s_template (m, to, template_name, template_language);
    char *text = notify_render_whatsapp_text (m);
    char *out;
    if (m->kind == NOTIFY_RESOLVED) {
        /* The titles are pt-BR for everyone: they are the answer the
         * router reads. */
        notify_whatsapp_button_t buttons[] = {
            {NOTIFY_WA_RESOLVED_YES_ID, NOTIFY_WA_RESOLVED_YES},
            {NOTIFY_WA_RESOLVED_NO_ID, NOTIFY_WA_RESOLVED_NO},
        };
        out = notify_whatsapp_buttons_json (to, text, NULL, buttons, 2);
    }
    else
        out = notify_whatsapp_text_json (to, text);
    g_free (text);
    *fallback = s_template (m, to, template_name, template_language);
    return out;
}
