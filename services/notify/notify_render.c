/* notify_render: the words customers read. Tone from the support manual:
 * acknowledge, paraphrase (the customer's own subject), a realistic
 * expectation, plain words. Each template writes its paragraphs once; the
 * text and the HTML part are made from the same paragraphs, so they always
 * say the same thing, and everything that goes into HTML is escaped. */
#include "notify_render.h"

#include "bc_mailid.h"
#include "notify_words.h"

#include <gmime/gmime.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* X-Auto-Response-Suppress on automatic notices (Exchange and Outlook
 * honour it): no out-of-office, auto-reply or receipt answers them. Not
 * "All": that also asks Exchange to drop non-delivery reports, and a
 * bounce is how we learn an address fails (intake's mail_class). */
#define NOTIFY_SUPPRESS "DR, RN, NRN, OOF, AutoReply"

/* Quoted words, set off the way mail clients show a quote. */
#define NOTIFY_QUOTE_OPEN                                                                     \
    "<blockquote style=\"border-left: 3px solid #ccc; margin: 0 0 1em; padding-left: 1em; "   \
    "color: #555\">"

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

static int
s_has (const char *s)
{
    return s && *s;
}

/* ---- one document, two parts ---- */

typedef struct {
    GString *text;
    GString *html;
} s_doc_t;

/* Appends s to html escaped, line breaks kept. */
static void
s_html_escaped (GString *html, const char *s)
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
static void __attribute__ ((format (printf, 2, 3)))
s_para (s_doc_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    char *p = g_strdup_vprintf (fmt, ap);
    va_end (ap);
    g_string_append_printf (d->text, "%s\n\n", p);
    g_string_append (d->html, "<p>");
    s_html_escaped (d->html, p);
    g_string_append (d->html, "</p>\n");
    g_free (p);
}

/* The customer's own words, given back to them: a quote, set off the way
 * mail clients show quoted text. */
static void
s_quote (s_doc_t *d, const char *words)
{
    if (!words)
        words = "";
    g_string_append_printf (d->text, "%s\n\n", words);
    g_string_append (d->html, NOTIFY_QUOTE_OPEN);
    s_html_escaped (d->html, words);
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
static void
s_words (s_doc_t *d, const char *words)
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
static void
s_list (s_doc_t *d, const char *const *items, size_t n)
{
    g_string_append (d->html, "<ul>\n");
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf (d->text, "- %s\n", items[i]);
        g_string_append (d->html, "<li>");
        s_html_escaped (d->html, items[i]);
        g_string_append (d->html, "</li>\n");
    }
    g_string_append (d->html, "</ul>\n");
    g_string_append (d->text, "\n");
}

/* By first name, as people greet each other ("Olá, Ana,", "Hi Ana,"). */
static void
s_greeting (s_doc_t *d, const notify_mail_t *m, int en)
{
    char first[64];
    notify_words_first_name (first, sizeof first, m->customer_name);
    if (*first)
        s_para (d, en ? "Hi %s," : "Olá, %s,", first);
    else
        s_para (d, en ? "Hello," : "Olá,");
}

static void
s_signature (s_doc_t *d, const notify_mail_t *m, int en)
{
    s_para (d, en ? "Kind regards,\n%s" : "Atenciosamente,\n%s", m->from_name);
}

/* ---- the templates ---- */

static void
s_ack (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    char promise[256];
    notify_words_promise (promise, sizeof promise, m->first_response_target_s,
                          m->first_response_due_us, m->time_zone, m->language);
    s_greeting (d, m, en);
    if (en) {
        s_para (d,
                "We have received your ticket #%llu about \"%s\" and recorded everything you "
                "told us.",
                n, m->subject);
        s_para (d, "Our support team will look into it and get back to you %s. If you have "
                   "anything to add, such as screenshots or the steps that led to the problem, "
                   "just reply to this e-mail and keep the ticket number in the subject.",
                promise);
    }
    else {
        s_para (d, "Recebemos seu chamado #%llu sobre “%s” e já registramos tudo o que você nos "
                   "contou.",
                n, m->subject);
        s_para (d, "Nossa equipe de atendimento vai analisar o caso e responder %s. Se quiser "
                   "acrescentar alguma informação, como prints da tela ou o passo a passo do que "
                   "aconteceu, é só responder a este e-mail mantendo o número do chamado no "
                   "assunto.",
                promise);
    }
    s_signature (d, m, en);
}

/* The agent wrote the greeting and the words; we only add where it belongs. */
static void
s_reply (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    s_words (d, m->text);
    if (s_has (m->author_name))
        s_para (d, "%s\n%s", m->author_name, m->from_name);
    if (en)
        s_para (d,
                "—\nThis is our team's answer to your ticket #%llu about \"%s\". To continue the "
                "conversation, just reply to this e-mail.",
                n, m->subject);
    else
        s_para (d,
                "—\nEsta é a resposta da nossa equipe ao seu chamado #%llu sobre “%s”. Para "
                "continuar a conversa, é só responder a este e-mail.",
                n, m->subject);
}

static void
s_info (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    s_greeting (d, m, en);
    if (en) {
        s_para (d,
                "We are working on your ticket #%llu about \"%s\", and to move forward we need "
                "a little more information from you:",
                n, m->subject);
        s_words (d, m->text);
        s_para (d, "Just reply to this e-mail with whatever you can send; screenshots help too. "
                   "The ticket waits for your answer, and we pick it up again as soon as it "
                   "arrives.");
    }
    else {
        s_para (d,
                "Estamos cuidando do seu chamado #%llu sobre “%s” e, para seguir adiante, "
                "precisamos de mais algumas informações:",
                n, m->subject);
        s_words (d, m->text);
        s_para (d, "É só responder a este e-mail com o que puder enviar; prints da tela também "
                   "ajudam. O chamado fica aguardando sua resposta e retomamos a análise assim "
                   "que ela chegar.");
    }
    s_signature (d, m, en);
}

/* Only a friendly sentence: the diagnosis that went with it is internal. */
static void
s_escalated (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    s_greeting (d, m, en);
    if (en) {
        s_para (d,
                "Your ticket #%llu about \"%s\" has been passed on to our technical team, who "
                "will look into it in more depth. We have shared everything you told us, so "
                "there is nothing you need to do now.",
                n, m->subject);
        s_para (d, "A deeper analysis can take a little longer, and we will keep you posted "
                   "here. If you have anything to add, just reply to this e-mail.");
    }
    else {
        s_para (d,
                "Seu chamado #%llu sobre “%s” foi encaminhado para nossa equipe técnica, que vai "
                "analisar o caso com mais profundidade. Já repassamos tudo o que você nos "
                "contou, então você não precisa fazer nada agora.",
                n, m->subject);
        s_para (d, "Uma análise mais detalhada pode levar um pouco mais de tempo, e vamos "
                   "mantendo você informado por aqui. Se quiser acrescentar algo, é só responder "
                   "a este e-mail.");
    }
    s_signature (d, m, en);
}

static void
s_resolved (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    char date[128] = "";
    if (m->close_at_us)
        notify_words_moment (date, sizeof date, m->close_at_us, m->time_zone, m->language);
    s_greeting (d, m, en);
    if (en) {
        const char *choices[] = {
            "if the problem is solved, reply saying so and we will close the ticket;",
            "if it is not, reply telling us what still happens and we will reopen it.",
        };
        s_para (d, "Good news: we have finished working on your ticket #%llu about \"%s\". "
                   "This is what was done:",
                n, m->subject);
        s_words (d, m->text);
        s_para (d, "Please check that everything works and let us know by replying to this "
                   "e-mail:");
        s_list (d, choices, 2);
        if (*date)
            s_para (d, "If we do not hear from you by %s, the ticket will close by itself.",
                    date);
        else
            s_para (d, "If we do not hear from you, the ticket will close by itself after a few "
                       "business days.");
    }
    else {
        const char *choices[] = {
            "se o problema foi resolvido, responda confirmando e encerraremos o chamado;",
            "se ainda não foi, responda contando o que continua acontecendo e reabriremos o "
            "atendimento.",
        };
        s_para (d, "Boas notícias: concluímos o atendimento do seu chamado #%llu sobre “%s”. "
                   "Veja o que foi feito:",
                n, m->subject);
        s_words (d, m->text);
        s_para (d, "Pedimos que confira se está tudo certo e nos diga, respondendo a este "
                   "e-mail:");
        s_list (d, choices, 2);
        if (*date)
            s_para (d, "Se não recebermos sua resposta até %s, o chamado será encerrado "
                       "automaticamente.",
                    date);
        else
            s_para (d, "Se não recebermos sua resposta, o chamado será encerrado automaticamente "
                       "após alguns dias úteis.");
    }
    s_signature (d, m, en);
}

static void
s_reopened (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    s_greeting (d, m, en);
    if (en) {
        s_para (d, "We have reopened your ticket #%llu about \"%s\".", n, m->subject);
        if (s_has (m->text)) {
            s_para (d, "You told us:");
            s_quote (d, m->text);
            s_para (d, "Thank you for letting us know.");
        }
        s_para (d, "Our team is looking into it again and will get back to you as soon as "
                   "possible. If you have anything to add, just reply to this e-mail.");
    }
    else {
        s_para (d, "Reabrimos seu chamado #%llu sobre “%s”.", n, m->subject);
        if (s_has (m->text)) {
            s_para (d, "Você nos disse:");
            s_quote (d, m->text);
            s_para (d, "Obrigado por nos avisar.");
        }
        s_para (d, "Nossa equipe já está analisando o caso novamente e vai responder o quanto "
                   "antes. Se quiser acrescentar algo, é só responder a este e-mail.");
    }
    s_signature (d, m, en);
}

/* The rating survey: one choice per score, best first. In the text part a
 * line to reply with ("nota 5 - ótimo"); in HTML the same line is a link
 * that opens that reply, ready to send (subject with the ticket's tag,
 * body "nota 5"). The router reads "nota 5", "rating 5", "5", "4/5" from
 * a reply (router_reply_rating), and what follows the hyphen as the
 * comment: a copied line leaves the word for the score ("ótimo"). */
static void
s_rating_choices (s_doc_t *d, const notify_mail_t *m, int en)
{
    static const char *const labels_pt[] = {"péssimo", "ruim", "regular", "bom", "ótimo"};
    static const char *const labels_en[] = {"very poor", "poor", "fair", "good", "excellent"};
    char tag[128];
    bc_mailid_subject_tag (tag, sizeof tag, s_has (m->ticket_tag) ? m->ticket_tag : "Chamado",
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
s_closed (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    int is_auto = s_has (m->action) && strcmp (m->action, "auto_close") == 0;
    int is_accept = s_has (m->action) && strcmp (m->action, "accept") == 0;
    s_greeting (d, m, en);
    if (en) {
        if (is_auto)
            s_para (d,
                    "As we have not heard back from you, we have closed your ticket #%llu about "
                    "\"%s\", considering the problem solved.",
                    n, m->subject);
        else if (is_accept)
            s_para (d,
                    "Thank you for confirming the solution: your ticket #%llu about \"%s\" is "
                    "now closed.",
                    n, m->subject);
        else
            s_para (d, "Your ticket #%llu about \"%s\" is now closed.", n, m->subject);
        s_para (d, "How would you rate our support on this ticket, from 1 (very dissatisfied) "
                   "to 5 (very satisfied)? Just reply to this e-mail with one of these lines "
                   "(or click it) and, if you like, a comment. It takes a minute and helps us "
                   "improve.");
        s_rating_choices (d, m, en);
        s_para (d, "If the problem comes back, reply to this e-mail and we will reopen the "
                   "ticket.");
    }
    else {
        if (is_auto)
            s_para (d,
                    "Como não recebemos seu retorno, encerramos seu chamado #%llu sobre “%s”, "
                    "considerando o problema resolvido.",
                    n, m->subject);
        else if (is_accept)
            s_para (d,
                    "Obrigado por confirmar a solução: seu chamado #%llu sobre “%s” foi "
                    "encerrado.",
                    n, m->subject);
        else
            s_para (d, "Seu chamado #%llu sobre “%s” foi encerrado.", n, m->subject);
        s_para (d, "Como você avalia nosso atendimento neste chamado, de 1 (muito insatisfeito) "
                   "a 5 (muito satisfeito)? É só responder a este e-mail com uma destas linhas "
                   "(ou clicar nela) e, se quiser, um comentário. Leva um minuto e nos ajuda a "
                   "melhorar.");
        s_rating_choices (d, m, en);
        s_para (d, "Se o problema voltar, responda a este e-mail e reabriremos o chamado.");
    }
    s_signature (d, m, en);
}

static void
s_merged (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    unsigned long long into = (unsigned long long) m->into;
    s_greeting (d, m, en);
    if (en) {
        s_para (d,
                "Your ticket #%llu about \"%s\" is about the same matter as ticket #%llu, so "
                "we have joined them: we continue in ticket #%llu, which now has every message "
                "you sent us.",
                n, m->subject, into, into);
        s_para (d, "There is nothing you need to do. If you have anything to add, just reply "
                   "to this e-mail.");
    }
    else {
        s_para (d,
                "Seu chamado #%llu sobre “%s” trata do mesmo assunto do chamado #%llu, por isso "
                "unimos os dois: o atendimento continua no chamado #%llu, que já reúne todas as "
                "mensagens que você nos enviou.",
                n, m->subject, into, into);
        s_para (d, "Você não precisa fazer nada. Se quiser acrescentar algo, é só responder a "
                   "este e-mail.");
    }
    s_signature (d, m, en);
}

static void
s_reminder (s_doc_t *d, const notify_mail_t *m, unsigned long long n, int en)
{
    char when[128];
    notify_words_moment (when, sizeof when, m->close_at_us, m->time_zone, m->language);
    s_greeting (d, m, en);
    if (en) {
        s_para (d,
                "Your ticket #%llu about \"%s\" was resolved and is waiting for your "
                "confirmation. If the solution worked, there is nothing you need to do: the "
                "ticket will close by itself on %s.",
                n, m->subject, when);
        s_para (d, "If the problem is still there, reply to this e-mail before then telling us "
                   "what happens, and we will reopen the ticket.");
    }
    else {
        s_para (d,
                "Seu chamado #%llu sobre “%s” foi resolvido e está aguardando sua confirmação. "
                "Se a solução funcionou, você não precisa fazer nada: o chamado será encerrado "
                "automaticamente em %s.",
                n, m->subject, when);
        s_para (d, "Se o problema continua, responda a este e-mail até essa data contando o "
                   "que está acontecendo, e reabriremos o atendimento.");
    }
    s_signature (d, m, en);
}

/* The n strings of from that are not "", into to; returns how many. */
static size_t
s_non_empty (const char *const *from, size_t n, const char **to)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (*from[i])
            to[k++] = from[i];
    return k;
}

/* Files intake left out (or the whole message): say which, the limit, and
 * how to send them instead. When the message was kept, its text is with
 * the team and only the files are missing; when not, ask for it again. */
static void
s_rejected (s_doc_t *d, const notify_mail_t *m, int en)
{
    char mb[32];
    notify_words_size (mb, sizeof mb, m->limit_bytes, m->language);
    bool is_total = s_has (m->limit) && strcmp (m->limit, "message") == 0;
    bool is_size = s_has (m->limit) && strcmp (m->limit, "message_size") == 0;
    char portal[512] = "";
    s_greeting (d, m, en);
    if (en) {
        if (s_has (m->portal_url) && !is_size)
            snprintf (portal, sizeof portal,
                      "sign in to our Customer Portal, %s, and add the files to your ticket, "
                      "one at a time (up to %s each);",
                      m->portal_url, mb);
        const char *ways[] = {
            "put the files in a sharing service (Google Drive, OneDrive, Dropbox...) and send us "
            "the link;",
            "compress them (.zip), or split them into smaller parts and send each in its own "
            "e-mail;",
            portal,
            "for videos and screenshots, a lower resolution or just the part that shows the "
            "problem is usually enough.",
        };
        const char *list[4];
        size_t n = s_non_empty (ways, 4, list);
        if (m->kept)
            s_para (d,
                    "Thank you for writing to us about \"%s\". Your message reached our team and "
                    "is recorded; only %s could not be kept, because %s larger than %s %s:",
                    m->subject, m->n_files > 1 ? "these attachments" : "this attachment",
                    m->n_files > 1 ? "together they are" : "it is", mb,
                    is_total ? "for all the files of one e-mail" : "per file");
        else if (is_size)
            s_para (d,
                    "Thank you for writing to us about \"%s\". Unfortunately we could not accept "
                    "your message: with its attachments it is larger than the %s one e-mail "
                    "can carry here:",
                    m->subject, mb);
        else if (is_total)
            s_para (d,
                    "Thank you for writing to us about \"%s\". Unfortunately we could not accept "
                    "your message: together, its attachments are larger than the %s we can "
                    "receive in one e-mail:",
                    m->subject, mb);
        else
            s_para (d,
                    "Thank you for writing to us about \"%s\". Unfortunately we could not accept "
                    "your message: these attachments are larger than the %s we can receive "
                    "per file:",
                    m->subject, mb);
        s_list (d, m->files, m->n_files);
        s_para (d, m->kept ? "To send us these files, you can:"
                           : "Your message was not recorded, so nothing was lost on your side. "
                             "To send us these files, you can:");
        s_list (d, list, n);
        s_para (d, m->kept ? "Then just reply to this e-mail with the link or the smaller files: "
                             "they join the same request."
                           : "Then just reply to this e-mail with your message again. We are "
                             "sorry for the trouble, and we will be glad to help as soon as it "
                             "arrives.");
    }
    else {
        if (s_has (m->portal_url) && !is_size)
            snprintf (portal, sizeof portal,
                      "entrar no nosso Portal do Cliente, em %s, e anexar os arquivos ao seu "
                      "chamado, um de cada vez (até %s cada);",
                      m->portal_url, mb);
        const char *ways[] = {
            "colocar os arquivos em um serviço de compartilhamento (Google Drive, OneDrive, "
            "Dropbox...) e nos enviar o link;",
            "compactá-los (.zip) ou dividi-los em partes menores, enviando cada parte em um "
            "e-mail;",
            portal,
            "no caso de vídeos e prints, uma resolução menor ou só o trecho que mostra o "
            "problema costuma bastar.",
        };
        const char *list[4];
        size_t n = s_non_empty (ways, 4, list);
        if (m->kept)
            s_para (d,
                    "Obrigado por nos escrever sobre “%s”. Sua mensagem chegou à nossa equipe e "
                    "já está registrada; só não conseguimos guardar %s, porque %s do limite de "
                    "%s %s:",
                    m->subject, m->n_files > 1 ? "estes anexos" : "este anexo",
                    m->n_files > 1 ? "juntos eles passam" : "ele passa", mb,
                    is_total ? "para todos os arquivos de um e-mail" : "por arquivo");
        else if (is_size)
            s_para (d,
                    "Obrigado por nos escrever sobre “%s”. Infelizmente não conseguimos receber "
                    "sua mensagem: com os anexos, ela passa dos %s que um e-mail pode ter "
                    "aqui:",
                    m->subject, mb);
        else if (is_total)
            s_para (d,
                    "Obrigado por nos escrever sobre “%s”. Infelizmente não conseguimos receber "
                    "sua mensagem: juntos, os anexos passam dos %s que aceitamos por e-mail:",
                    m->subject, mb);
        else
            s_para (d,
                    "Obrigado por nos escrever sobre “%s”. Infelizmente não conseguimos receber "
                    "sua mensagem: estes anexos passam do limite de %s por arquivo:",
                    m->subject, mb);
        s_list (d, m->files, m->n_files);
        s_para (d, m->kept ? "Para nos enviar esses arquivos, você pode:"
                           : "Sua mensagem não foi registrada, então nada se perdeu do seu lado. "
                             "Para nos enviar esses arquivos, você pode:");
        s_list (d, list, n);
        s_para (d, m->kept ? "Depois, é só responder a este e-mail com o link ou os arquivos "
                             "menores: eles entram no mesmo atendimento."
                           : "Depois, é só responder a este e-mail com a sua mensagem novamente. "
                             "Pedimos desculpas pelo transtorno; assim que ela chegar, vamos "
                             "ajudar você.");
    }
    s_signature (d, m, en);
}

/* A portal account's link: what it is for, the link itself (text and a
 * real link in HTML), until when it works, and what to do if it was not
 * them. No ticket, so no tag and no thread. */
static void
s_account (s_doc_t *d, const notify_mail_t *m, int en)
{
    char when[128];
    notify_words_moment (when, sizeof when, m->expires_us, m->time_zone, m->language);
    s_greeting (d, m, en);
    switch (m->kind) {
    case NOTIFY_ACCOUNT_CONFIRM:
        s_para (d, en ? "Thank you for creating your account on our Customer Portal. To confirm "
                        "that this address is yours and start using it, open the link below:"
                      : "Que bom ter você no nosso Portal do Cliente! Para confirmar que este "
                        "endereço é seu e começar a usar sua conta, abra o link abaixo:");
        break;
    case NOTIFY_ACCOUNT_LOGIN:
        s_para (d, en ? "Here is the link you asked for to sign in to our Customer Portal, no "
                        "password needed:"
                      : "Aqui está o link que você pediu para entrar no nosso Portal do Cliente, "
                        "sem precisar de senha:");
        break;
    default:
        s_para (d, en ? "We received a request to choose a new password for your account on our "
                        "Customer Portal. To choose it, open the link below:"
                      : "Recebemos um pedido para criar uma nova senha para a sua conta no nosso "
                        "Portal do Cliente. Para escolher a nova senha, abra o link abaixo:");
        break;
    }
    g_string_append_printf (d->text, "%s\n\n", m->link);
    char *href = g_markup_escape_text (m->link, -1);
    g_string_append_printf (d->html, "<p><a href=\"%s\">%s</a></p>\n", href,
                            en ? (m->kind == NOTIFY_ACCOUNT_CONFIRM ? "Confirm my address"
                                  : m->kind == NOTIFY_ACCOUNT_LOGIN ? "Sign in"
                                                                    : "Choose a new password")
                               : (m->kind == NOTIFY_ACCOUNT_CONFIRM ? "Confirmar meu endereço"
                                  : m->kind == NOTIFY_ACCOUNT_LOGIN ? "Entrar no portal"
                                                                    : "Escolher uma nova senha"));
    g_free (href);
    s_para (d, en ? "The link works once, until %s." : "O link vale uma única vez, até %s.", when);
    if (m->kind == NOTIFY_ACCOUNT_RESET)
        s_para (d, en ? "If you did not ask for this, you can ignore this message: your password "
                        "stays as it is."
                      : "Se não foi você quem pediu, pode ignorar esta mensagem: sua senha "
                        "continua a mesma.");
    else
        s_para (d, en ? "If you did not ask for this, you can ignore this message: nothing "
                        "changes without the link."
                      : "Se não foi você quem pediu, pode ignorar esta mensagem: nada muda sem "
                        "o link.");
    s_signature (d, m, en);
}

/* A support team member's link to the dashboard: an invitation, or an
 * admin's reset of their access. */
static void
s_staff (s_doc_t *d, const notify_mail_t *m, int en)
{
    char when[128];
    notify_words_moment (when, sizeof when, m->expires_us, m->time_zone, m->language);
    s_greeting (d, m, en);
    if (m->kind == NOTIFY_STAFF_INVITE)
        s_para (d, en ? "Welcome to the support team! Your access to the Support Dashboard, where "
                        "you will follow the queues and answer our customers, is ready. To "
                        "choose your password, open the link below:"
                      : "Boas-vindas à equipe de suporte! Seu acesso ao Dashboard do Suporte, "
                        "onde você vai acompanhar as filas e atender nossos clientes, já está "
                        "pronto. Para criar sua senha, abra o link abaixo:");
    else
        s_para (d, en ? "An administrator reset your access to the Support Dashboard: your old "
                        "password and your authenticator app's codes no longer work. To choose "
                        "a new password, open the link below:"
                      : "Um administrador redefiniu seu acesso ao Dashboard do Suporte: a senha "
                        "antiga e os códigos do aplicativo autenticador não valem mais. Para "
                        "criar uma nova senha, abra o link abaixo:");
    g_string_append_printf (d->text, "%s\n\n", m->link);
    char *href = g_markup_escape_text (m->link, -1);
    g_string_append_printf (d->html, "<p><a href=\"%s\">%s</a></p>\n", href,
                            en ? "Choose my password" : "Criar minha senha");
    g_free (href);
    s_para (d, en ? "The link works once, until %s. After that, ask an administrator for a new "
                    "one."
                  : "O link vale uma única vez, até %s. Depois disso, peça um novo a um "
                    "administrador.",
            when);
    s_para (d, en ? "If you did not expect this message, please tell an administrator: without "
                    "the link, nothing changes."
                  : "Se você não esperava esta mensagem, avise um administrador: sem o link, "
                    "nada muda.");
    s_signature (d, m, en);
}

/* The subject line: the ticket tag intake and people recognise, then what
 * happened, then the customer's own subject. */
static char *
s_subject (const notify_mail_t *m, int en, const char *date)
{
    char tag[128];
    bc_mailid_subject_tag (tag, sizeof tag, s_has (m->ticket_tag) ? m->ticket_tag : "Chamado",
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
s_body (s_doc_t *d, const notify_mail_t *m, int en)
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
        s_rejected (d, m, en);
        break;
    case NOTIFY_ACCOUNT_CONFIRM:
    case NOTIFY_ACCOUNT_LOGIN:
    case NOTIFY_ACCOUNT_RESET:
        s_account (d, m, en);
        break;
    case NOTIFY_STAFF_INVITE:
    case NOTIFY_STAFF_RESET:
        s_staff (d, m, en);
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
    const char *origin = s_has (m->origin_message_id) ? m->origin_message_id : NULL;
    const char *last = s_has (m->last_inbound_message_id) ? m->last_inbound_message_id : NULL;
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
    GTimeZone *tz = g_time_zone_new_identifier (s_has (m->time_zone) ? m->time_zone
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
                        && s_has (m->origin_message_id);
        g_mime_object_set_header (obj, "Auto-Submitted",
                                  is_answer ? "auto-replied" : "auto-generated", NULL);
        g_mime_object_set_header (obj, "X-Auto-Response-Suppress", NOTIFY_SUPPRESS, NULL);
    }
    g_mime_object_set_header (obj, "X-Loop", m->loop_tag, NULL);
    g_mime_object_set_header (obj, "Content-Language", lang, NULL);

    s_doc_t doc = {g_string_new (NULL), g_string_new (NULL)};
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
