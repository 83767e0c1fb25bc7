/* notify_render: the words customers read about their ticket, and the
 * mail around them (subject, headers, the text and HTML parts). Tone from
 * the support manual: acknowledge, paraphrase (the customer's own
 * subject), a realistic expectation, plain words. Each template writes its
 * paragraphs once (notify_doc.c), so both parts say the same thing; the
 * other mails' words are notify_notices.c's. */
#include "notify_render.h"

#include "bc_mailid.h"
#include "notify_doc.h"
#include "notify_words.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* X-Auto-Response-Suppress on automatic notices (Exchange and Outlook
 * honour it): no out-of-office, auto-reply or receipt answers them. Not
 * "All": that also asks Exchange to drop non-delivery reports, and a
 * bounce is how we learn an address fails (intake's mail_class). */
#define NOTIFY_SUPPRESS "DR, RN, NRN, OOF, AutoReply"

void
notify_render_init (void)
{
    g_mime_init ();
}

bool
notify_render_copies_cc (notify_kind_t kind)
{
    switch (kind) {
    case NOTIFY_REPLY:
    case NOTIFY_INFO:
    case NOTIFY_RESOLVED:
    case NOTIFY_REOPENED:
    case NOTIFY_ESCALATED:
    case NOTIFY_MERGED:
    case NOTIFY_REMINDER:
        return true;
    default:
        return false;
    }
}

const char *
notify_kind_name (notify_kind_t kind)
{
    static const char *const names[] = {"ack",          "reply",           "info",
                                        "escalated",    "resolved",        "reopened",
                                        "closed",       "merged",          "reminder",
                                        "rejected",     "account_confirm", "account_login",
                                        "account_reset", "staff_invite",   "staff_reset"};
    return (unsigned) kind < sizeof names / sizeof *names ? names[kind] : "unknown";
}

/* ---- the templates ---- */

static void
s_ack (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    char promise[256];
    notify_words_promise (promise, sizeof promise, m->first_response_target_s,
                          m->first_response_due_us, m->time_zone, m->language);
    notify_doc_greeting (d, m, en);
    if (en) {
        notify_doc_para (d,
                "We have received your ticket #%llu about \"%s\" and recorded everything you "
                "told us.",
                n, m->subject);
        notify_doc_para (d, "Our support team will look into it and get back to you %s. If you have "
                   "anything to add, such as screenshots or the steps that led to the problem, "
                   "just reply to this e-mail and keep the ticket number in the subject.",
                promise);
    }
    else {
        notify_doc_para (d, "Recebemos seu chamado #%llu sobre “%s” e já registramos tudo o que você nos "
                   "contou.",
                n, m->subject);
        notify_doc_para (d, "Nossa equipe de atendimento vai analisar o caso e responder %s. Se quiser "
                   "acrescentar alguma informação, como prints da tela ou o passo a passo do que "
                   "aconteceu, é só responder a este e-mail mantendo o número do chamado no "
                   "assunto.",
                promise);
    }
    notify_doc_signature (d, m, en);
}

/* The agent wrote the greeting and the words; we only add where it belongs. */
static void
s_reply (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    notify_doc_words (d, m->text);
    if (notify_doc_has (m->author_name))
        notify_doc_para (d, "%s\n%s", m->author_name, m->from_name);
    if (en)
        notify_doc_para (d,
                "—\nThis is our team's answer to your ticket #%llu about \"%s\". To continue the "
                "conversation, just reply to this e-mail.",
                n, m->subject);
    else
        notify_doc_para (d,
                "—\nEsta é a resposta da nossa equipe ao seu chamado #%llu sobre “%s”. Para "
                "continuar a conversa, é só responder a este e-mail.",
                n, m->subject);
}

static void
s_info (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    notify_doc_greeting (d, m, en);
    if (en) {
        notify_doc_para (d,
                "We are working on your ticket #%llu about \"%s\", and to move forward we need "
                "a little more information from you:",
                n, m->subject);
        notify_doc_words (d, m->text);
        notify_doc_para (d, "Just reply to this e-mail with whatever you can send; screenshots help too. "
                   "The ticket waits for your answer, and we pick it up again as soon as it "
                   "arrives.");
    }
    else {
        notify_doc_para (d,
                "Estamos cuidando do seu chamado #%llu sobre “%s” e, para seguir adiante, "
                "precisamos de mais algumas informações:",
                n, m->subject);
        notify_doc_words (d, m->text);
        notify_doc_para (d, "É só responder a este e-mail com o que puder enviar; prints da tela também "
                   "ajudam. O chamado fica aguardando sua resposta e retomamos a análise assim "
                   "que ela chegar.");
    }
    notify_doc_signature (d, m, en);
}

/* Only a friendly sentence: the diagnosis that went with it is internal. */
static void
s_escalated (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    notify_doc_greeting (d, m, en);
    if (en) {
        notify_doc_para (d,
                "Your ticket #%llu about \"%s\" has been passed on to our technical team, who "
                "will look into it in more depth. We have shared everything you told us, so "
                "there is nothing you need to do now.",
                n, m->subject);
        notify_doc_para (d, "A deeper analysis can take a little longer, and we will keep you posted "
                   "here. If you have anything to add, just reply to this e-mail.");
    }
    else {
        notify_doc_para (d,
                "Seu chamado #%llu sobre “%s” foi encaminhado para nossa equipe técnica, que vai "
                "analisar o caso com mais profundidade. Já repassamos tudo o que você nos "
                "contou, então você não precisa fazer nada agora.",
                n, m->subject);
        notify_doc_para (d, "Uma análise mais detalhada pode levar um pouco mais de tempo, e vamos "
                   "mantendo você informado por aqui. Se quiser acrescentar algo, é só responder "
                   "a este e-mail.");
    }
    notify_doc_signature (d, m, en);
}

static void
s_resolved (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    char date[128] = "";
    if (m->close_at_us)
        notify_words_moment (date, sizeof date, m->close_at_us, m->time_zone, m->language);
    notify_doc_greeting (d, m, en);
    if (en) {
        const char *choices[] = {
            "if the problem is solved, reply saying so and we will close the ticket;",
            "if it is not, reply telling us what still happens and we will reopen it.",
        };
        notify_doc_para (d, "Good news: we have finished working on your ticket #%llu about \"%s\". "
                   "This is what was done:",
                n, m->subject);
        notify_doc_words (d, m->text);
        notify_doc_para (d, "Please check that everything works and let us know by replying to this "
                   "e-mail:");
        notify_doc_list (d, choices, 2);
        if (*date)
            notify_doc_para (d, "If we do not hear from you by %s, the ticket will close by itself.",
                    date);
        else
            notify_doc_para (d, "If we do not hear from you, the ticket will close by itself after a few "
                       "business days.");
    }
    else {
        const char *choices[] = {
            "se o problema foi resolvido, responda confirmando e encerraremos o chamado;",
            "se ainda não foi, responda contando o que continua acontecendo e reabriremos o "
            "atendimento.",
        };
        notify_doc_para (d, "Boas notícias: concluímos o atendimento do seu chamado #%llu sobre “%s”. "
                   "Veja o que foi feito:",
                n, m->subject);
        notify_doc_words (d, m->text);
        notify_doc_para (d, "Pedimos que confira se está tudo certo e nos diga, respondendo a este "
                   "e-mail:");
        notify_doc_list (d, choices, 2);
        if (*date)
            notify_doc_para (d, "Se não recebermos sua resposta até %s, o chamado será encerrado "
                       "automaticamente.",
                    date);
        else
            notify_doc_para (d, "Se não recebermos sua resposta, o chamado será encerrado automaticamente "
                       "após alguns dias úteis.");
    }
    notify_doc_signature (d, m, en);
}

static void
s_reopened (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    notify_doc_greeting (d, m, en);
    if (en) {
        notify_doc_para (d, "We have reopened your ticket #%llu about \"%s\".", n, m->subject);
        if (notify_doc_has (m->text)) {
            notify_doc_para (d, "You told us:");
            notify_doc_quote (d, m->text);
            notify_doc_para (d, "Thank you for letting us know.");
        }
        notify_doc_para (d, "Our team is looking into it again and will get back to you as soon as "
                   "possible. If you have anything to add, just reply to this e-mail.");
    }
    else {
        notify_doc_para (d, "Reabrimos seu chamado #%llu sobre “%s”.", n, m->subject);
        if (notify_doc_has (m->text)) {
            notify_doc_para (d, "Você nos disse:");
            notify_doc_quote (d, m->text);
            notify_doc_para (d, "Obrigado por nos avisar.");
        }
        notify_doc_para (d, "Nossa equipe já está analisando o caso novamente e vai responder o quanto "
                   "antes. Se quiser acrescentar algo, é só responder a este e-mail.");
    }
    notify_doc_signature (d, m, en);
}

/* The rating survey: one choice per score, best first. In the text part a
 * line to reply with ("nota 5 - ótimo"); in HTML the same line is a link
 * that opens that reply, ready to send (subject with the ticket's tag,
 * body "nota 5"). The router reads "nota 5", "rating 5", "5", "4/5" from
 * a reply (router_reply_rating), and what follows the hyphen as the
 * comment: a copied line leaves the word for the score ("ótimo"). */
static void
s_rating_choices (notify_doc_t *d, const notify_mail_t *m, int en)
{
    static const char *const labels_pt[] = {"péssimo", "ruim", "regular", "bom", "ótimo"};
    static const char *const labels_en[] = {"very poor", "poor", "fair", "good", "excellent"};
    char tag[128];
    bc_mailid_subject_tag (tag, sizeof tag, notify_doc_has (m->ticket_tag) ? m->ticket_tag : "Chamado",
                           m->ticket);
    char *reply_subject = g_strdup_printf ("Re: %s %s", tag, m->subject);
    char *subject_q = g_uri_escape_string (reply_subject, NULL, FALSE);
    char *address_q = g_uri_escape_string (m->from_address ? m->from_address : "", "@", FALSE);
    g_string_append (d->html, "<ul>\n");
    for (int score = 5; score >= 1; score--) {
        char keyword[32];
        snprintf (keyword, sizeof keyword, en ? "rating %d" : "nota %d", score);
        const char *label = (en ? labels_en : labels_pt)[score - 1];
        g_string_append_printf (d->text, "%s - %s\n", keyword, label);
        char *body_q = g_uri_escape_string (keyword, NULL, FALSE);
        char *href = g_strdup_printf ("mailto:%s?subject=%s&body=%s", address_q, subject_q,
                                      body_q);
        char *href_html = g_markup_escape_text (href, -1);
        char *label_html = g_markup_escape_text (label, -1);
        g_string_append_printf (d->html, "<li><a href=\"%s\">%s - %s</a></li>\n", href_html,
                                keyword, label_html);
        g_free (label_html);
        g_free (href_html);
        g_free (href);
        g_free (body_q);
    }
    g_string_append (d->html, "</ul>\n");
    g_string_append (d->text, "\n");
    g_free (address_q);
    g_free (subject_q);
    g_free (reply_subject);
}

static void
s_closed (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    int is_auto = notify_doc_has (m->action) && strcmp (m->action, "auto_close") == 0;
    int is_accept = notify_doc_has (m->action) && strcmp (m->action, "accept") == 0;
    notify_doc_greeting (d, m, en);
    if (en) {
        if (is_auto)
            notify_doc_para (d,
                    "As we have not heard back from you, we have closed your ticket #%llu about "
                    "\"%s\", considering the problem solved.",
                    n, m->subject);
        else if (is_accept)
            notify_doc_para (d,
                    "Thank you for confirming the solution: your ticket #%llu about \"%s\" is "
                    "now closed.",
                    n, m->subject);
        else
            notify_doc_para (d, "Your ticket #%llu about \"%s\" is now closed.", n, m->subject);
        notify_doc_para (d, "How would you rate our support on this ticket, from 1 (very dissatisfied) "
                   "to 5 (very satisfied)? Just reply to this e-mail with one of these lines "
                   "(or click it) and, if you like, a comment. It takes a minute and helps us "
                   "improve.");
        s_rating_choices (d, m, en);
        notify_doc_para (d, "If the problem comes back, reply to this e-mail and we will reopen the "
                   "ticket.");
    }
    else {
        if (is_auto)
            notify_doc_para (d,
                    "Como não recebemos seu retorno, encerramos seu chamado #%llu sobre “%s”, "
                    "considerando o problema resolvido.",
                    n, m->subject);
        else if (is_accept)
            notify_doc_para (d,
                    "Obrigado por confirmar a solução: seu chamado #%llu sobre “%s” foi "
                    "encerrado.",
                    n, m->subject);
        else
            notify_doc_para (d, "Seu chamado #%llu sobre “%s” foi encerrado.", n, m->subject);
        notify_doc_para (d, "Como você avalia nosso atendimento neste chamado, de 1 (muito insatisfeito) "
                   "a 5 (muito satisfeito)? É só responder a este e-mail com uma destas linhas "
                   "(ou clicar nela) e, se quiser, um comentário. Leva um minuto e nos ajuda a "
                   "melhorar.");
        s_rating_choices (d, m, en);
        notify_doc_para (d, "Se o problema voltar, responda a este e-mail e reabriremos o chamado.");
    }
    notify_doc_signature (d, m, en);
}

static void
s_merged (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    unsigned long long into = (unsigned long long) m->into;
    notify_doc_greeting (d, m, en);
    if (en) {
        notify_doc_para (d,
                "Your ticket #%llu about \"%s\" is about the same matter as ticket #%llu, so "
                "we have joined them: we continue in ticket #%llu, which now has every message "
                "you sent us.",
                n, m->subject, into, into);
        notify_doc_para (d, "There is nothing you need to do. If you have anything to add, just reply "
                   "to this e-mail.");
    }
    else {
        notify_doc_para (d,
                "Seu chamado #%llu sobre “%s” trata do mesmo assunto do chamado #%llu, por isso "
                "unimos os dois: o atendimento continua no chamado #%llu, que já reúne todas as "
                "mensagens que você nos enviou.",
                n, m->subject, into, into);
        notify_doc_para (d, "Você não precisa fazer nada. Se quiser acrescentar algo, é só responder a "
                   "este e-mail.");
    }
    notify_doc_signature (d, m, en);
}

static void
s_reminder (notify_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    char when[128];
    notify_words_moment (when, sizeof when, m->close_at_us, m->time_zone, m->language);
    notify_doc_greeting (d, m, en);
    if (en) {
        notify_doc_para (d,
                "Your ticket #%llu about \"%s\" was resolved and is waiting for your "
                "confirmation. If the solution worked, there is nothing you need to do: the "
                "ticket will close by itself on %s.",
                n, m->subject, when);
        notify_doc_para (d, "If the problem is still there, reply to this e-mail before then telling us "
                   "what happens, and we will reopen the ticket.");
    }
    else {
        notify_doc_para (d,
                "Seu chamado #%llu sobre “%s” foi resolvido e está aguardando sua confirmação. "
                "Se a solução funcionou, você não precisa fazer nada: o chamado será encerrado "
                "automaticamente em %s.",
                n, m->subject, when);
        notify_doc_para (d, "Se o problema continua, responda a este e-mail até essa data contando o "
                   "que está acontecendo, e reabriremos o atendimento.");
    }
    notify_doc_signature (d, m, en);
}
/* The subject line: the ticket tag intake and people recognise, then what
 * happened, then the customer's own subject. */
static char *
s_subject (const notify_mail_t *m, int en, const char *date)
{
    char tag[128];
    bc_mailid_subject_tag (tag, sizeof tag, notify_doc_has (m->ticket_tag) ? m->ticket_tag : "Chamado",
                           m->ticket);
    const char *s = m->subject;
    switch (m->kind) {
    case NOTIFY_ACK:
        return g_strdup_printf (en ? "%s We received your request: %s"
                                   : "%s Recebemos seu chamado: %s",
                                tag, s);
    case NOTIFY_REPLY:
        return g_strdup_printf ("Re: %s %s", tag, s);
    case NOTIFY_INFO:
        return g_strdup_printf (en ? "%s We need more information: %s"
                                   : "%s Precisamos de mais informações: %s",
                                tag, s);
    case NOTIFY_ESCALATED:
        return g_strdup_printf (en ? "%s Passed on to our technical team: %s"
                                   : "%s Encaminhado à equipe técnica: %s",
                                tag, s);
    case NOTIFY_RESOLVED:
        return g_strdup_printf (en ? "%s Resolved, please confirm: %s"
                                   : "%s Resolvido, confirme a solução: %s",
                                tag, s);
    case NOTIFY_REOPENED:
        return g_strdup_printf (en ? "%s Reopened: %s" : "%s Chamado reaberto: %s", tag, s);
    case NOTIFY_CLOSED:
        return g_strdup_printf (en ? "%s Closed, how did we do? %s"
                                   : "%s Chamado encerrado, avalie o atendimento: %s",
                                tag, s);
    case NOTIFY_MERGED:
        return g_strdup_printf (en ? "%s Continues in ticket #%llu: %s"
                                   : "%s Continua no chamado #%llu: %s",
                                tag, (unsigned long long) m->into, s);
    case NOTIFY_REMINDER:
        return g_strdup_printf (en ? "%s Closes on %s if we do not hear from you: %s"
                                   : "%s Será encerrado em %s sem sua resposta: %s",
                                tag, date, s);
    case NOTIFY_ACCOUNT_CONFIRM:
        return g_strdup (en ? "Confirm your address on the Customer Portal"
                            : "Confirme seu endereço no Portal do Cliente");
    case NOTIFY_ACCOUNT_LOGIN:
        return g_strdup (en ? "Your link to sign in to the Customer Portal"
                            : "Seu link para entrar no Portal do Cliente");
    case NOTIFY_ACCOUNT_RESET:
        return g_strdup (en ? "Choose a new password for the Customer Portal"
                            : "Crie uma nova senha para o Portal do Cliente");
    case NOTIFY_STAFF_INVITE:
        return g_strdup (en ? "Your access to the Support Dashboard"
                            : "Seu acesso ao Dashboard do Suporte");
    case NOTIFY_STAFF_RESET:
        return g_strdup (en ? "Your access to the Support Dashboard was reset"
                            : "Seu acesso ao Dashboard do Suporte foi redefinido");
    case NOTIFY_REJECTED:
        /* No ticket yet: no tag (a reply to it threads as usual). */
        if (m->kept)
            return g_strdup_printf (en ? "%s%sMessage received, but an attachment is too large: %s"
                                       : "%s%sMensagem recebida, mas um anexo é grande demais: %s",
                                    m->ticket ? tag : "", m->ticket ? " " : "", s);
        return g_strdup_printf (en ? "%s%sMessage not received, attachment too large: %s"
                                   : "%s%sMensagem não recebida, anexo grande demais: %s",
                                m->ticket ? tag : "", m->ticket ? " " : "", s);
    }
    return g_strdup_printf ("%s %s", tag, s);
}

static void
s_body (notify_doc_t *d, const notify_mail_t *m, int en)
{
    unsigned long long n = (unsigned long long) m->ticket;
    switch (m->kind) {
    case NOTIFY_ACK:
        s_ack (d, m, n, en);
        break;
    case NOTIFY_REPLY:
        s_reply (d, m, n, en);
        break;
    case NOTIFY_INFO:
        s_info (d, m, n, en);
        break;
    case NOTIFY_ESCALATED:
        s_escalated (d, m, n, en);
        break;
    case NOTIFY_RESOLVED:
        s_resolved (d, m, n, en);
        break;
    case NOTIFY_REOPENED:
        s_reopened (d, m, n, en);
        break;
    case NOTIFY_CLOSED:
        s_closed (d, m, n, en);
        break;
    case NOTIFY_MERGED:
        s_merged (d, m, n, en);
        break;
    case NOTIFY_REMINDER:
        s_reminder (d, m, n, en);
        break;
    case NOTIFY_REJECTED:
        notify_notice_rejected (d, m, en);
        break;
    case NOTIFY_ACCOUNT_CONFIRM:
    case NOTIFY_ACCOUNT_LOGIN:
    case NOTIFY_ACCOUNT_RESET:
        notify_notice_account (d, m, en);
        break;
    case NOTIFY_STAFF_INVITE:
    case NOTIFY_STAFF_RESET:
        notify_notice_staff (d, m, en);
        break;
    }
}

/* ---- the mail ---- */

/* A text part holding content as UTF-8. (g_mime_text_part_set_text would
 * re-encode it in the "best" charset, ISO-8859-1 for mostly-English text.) */
static GMimeObject *
s_text_part (const char *subtype, const char *content)
{
    GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer (content, strlen (content));
    GMimeDataWrapper *wrapper =
        g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content (GMIME_PART (part), wrapper);
    g_object_unref (wrapper);
    g_object_unref (stream);
    g_mime_text_part_set_charset (part, "utf-8");
    g_mime_part_set_content_encoding (GMIME_PART (part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return GMIME_OBJECT (part);
}

/* In-Reply-To the customer's latest e-mail (else their first); References
 * both, oldest first. */
static void
s_thread_headers (GMimeObject *obj, const notify_mail_t *m)
{
    const char *origin = notify_doc_has (m->origin_message_id) ? m->origin_message_id : NULL;
    const char *last = notify_doc_has (m->last_inbound_message_id) ? m->last_inbound_message_id : NULL;
    if (origin && last && strcmp (origin, last) == 0)
        last = NULL;
    const char *parent = last ? last : origin;
    if (!parent)
        return;
    char *in_reply_to = g_strdup_printf ("<%s>", parent);
    char *references = origin && last ? g_strdup_printf ("<%s> <%s>", origin, last)
                                      : g_strdup (in_reply_to);
    g_mime_object_set_header (obj, "In-Reply-To", in_reply_to, NULL);
    g_mime_object_set_header (obj, "References", references, NULL);
    g_free (in_reply_to);
    g_free (references);
}

char *
notify_render (const notify_mail_t *m, size_t *len, char **subject_out)
{
    int en = notify_words_is_english (m->language);
    char date[64] = "";
    if (m->kind == NOTIFY_REMINDER)
        notify_words_date (date, sizeof date, m->close_at_us, m->time_zone, m->language);
    const char *lang = en ? "en" : "pt-BR";
    char *subject = s_subject (m, en, date);

    GMimeMessage *msg = g_mime_message_new (TRUE);
    g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from_address);
    g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_REPLY_TO, m->from_name, m->from_address);
    g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_TO, m->customer_name,
                                m->customer_address);
    if (notify_render_copies_cc (m->kind))
        for (size_t i = 0; i < m->n_cc; i++)
            g_mime_message_add_mailbox (msg, GMIME_ADDRESS_TYPE_CC, NULL, m->cc[i]);
    g_mime_message_set_subject (msg, subject, "utf-8");
    g_mime_message_set_message_id (msg, m->message_id);
    /* Date in the business time zone, so the header shows its offset. */
    GTimeZone *tz = g_time_zone_new_identifier (notify_doc_has (m->time_zone) ? m->time_zone
                                                                      : NOTIFY_DEFAULT_TIME_ZONE);
    GDateTime *utc = g_date_time_new_from_unix_utc (m->time_us / 1000000);
    GDateTime *when = tz ? g_date_time_to_timezone (utc, tz) : g_date_time_ref (utc);
    g_mime_message_set_date (msg, when);
    g_date_time_unref (when);
    g_date_time_unref (utc);
    if (tz)
        g_time_zone_unref (tz);
    GMimeObject *obj = GMIME_OBJECT (msg);
    s_thread_headers (obj, m);
    /* RFC 3834: automatic messages say so, so robots do not answer them
     * back: "auto-replied" for our automatic answer to the customer's mail
     * (the acknowledgement of the mail that opened a ticket, a refused
     * message), "auto-generated" for every other notice. An agent's reply
     * is a person writing: neither header, so an out-of-office answer to
     * it reaches the agent as it would any person. */
    if (m->kind != NOTIFY_REPLY) {
        int is_answer = (m->kind == NOTIFY_ACK || m->kind == NOTIFY_REJECTED)
                        && notify_doc_has (m->origin_message_id);
        g_mime_object_set_header (obj, "Auto-Submitted",
                                  is_answer ? "auto-replied" : "auto-generated", NULL);
        g_mime_object_set_header (obj, "X-Auto-Response-Suppress", NOTIFY_SUPPRESS, NULL);
    }
    g_mime_object_set_header (obj, "X-Loop", m->loop_tag, NULL);
    g_mime_object_set_header (obj, "Content-Language", lang, NULL);

    notify_doc_t doc = {g_string_new (NULL), g_string_new (NULL)};
    char *title = g_markup_escape_text (subject, -1);
    g_string_append_printf (doc.html,
                            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                            "<title>%s</title>\n</head>\n"
                            "<body style=\"font-family: sans-serif; line-height: 1.5\">\n",
                            lang, title);
    g_free (title);
    s_body (&doc, m, en);
    g_string_append (doc.html, "</body>\n</html>\n");
    /* One trailing newline in the text part, not a blank line. */
    while (doc.text->len > 1 && doc.text->str[doc.text->len - 1] == '\n'
           && doc.text->str[doc.text->len - 2] == '\n')
        g_string_truncate (doc.text, doc.text->len - 1);

    GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");
    GMimeObject *plain = s_text_part ("plain", doc.text->str);
    GMimeObject *html = s_text_part ("html", doc.html->str);
    g_mime_multipart_add (alternative, plain);
    g_mime_multipart_add (alternative, html);
    g_object_unref (plain);
    g_object_unref (html);
    g_string_free (doc.text, TRUE);
    g_string_free (doc.html, TRUE);
    g_mime_message_set_mime_part (msg, GMIME_OBJECT (alternative));
    g_object_unref (alternative);

    char *s = g_mime_object_to_string (obj, NULL);
    g_object_unref (msg);
    char *out = strdup (s);
    *len = strlen (out);
    g_free (s);
    *subject_out = strdup (subject);
    g_free (subject);
    return out;
}
