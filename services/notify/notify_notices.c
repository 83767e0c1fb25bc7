/* notify_notices: the mails that are not news of a ticket's life: a
 * message's files left out or refused (intake's AttachmentRejected), a
 * portal account's one-time link, a staff member's invitation or reset.
 * The ticket's own notices are notify_render.c's. */
#include "notify_doc.h"
#include "notify_words.h"

#include <stdio.h>
#include <string.h>

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
void
notify_notice_rejected (notify_doc_t *d, const notify_mail_t *m, int en)
{
    char mb[32];
    notify_words_size (mb, sizeof mb, m->limit_bytes, m->language);
    bool is_total = notify_doc_has (m->limit) && strcmp (m->limit, "message") == 0;
    bool is_size = notify_doc_has (m->limit) && strcmp (m->limit, "message_size") == 0;
    char portal[512] = "";
    notify_doc_greeting (d, m, en);
    if (en) {
        if (notify_doc_has (m->portal_url) && !is_size)
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
            notify_doc_para (d,
                    "Thank you for writing to us about \"%s\". Your message reached our team and "
                    "is recorded; only %s could not be kept, because %s larger than %s %s:",
                    m->subject, m->n_files > 1 ? "these attachments" : "this attachment",
                    m->n_files > 1 ? "together they are" : "it is", mb,
                    is_total ? "for all the files of one e-mail" : "per file");
        else if (is_size)
            notify_doc_para (d,
                    "Thank you for writing to us about \"%s\". Unfortunately we could not accept "
                    "your message: with its attachments it is larger than the %s one e-mail "
                    "can carry here:",
                    m->subject, mb);
        else if (is_total)
            notify_doc_para (d,
                    "Thank you for writing to us about \"%s\". Unfortunately we could not accept "
                    "your message: together, its attachments are larger than the %s we can "
                    "receive in one e-mail:",
                    m->subject, mb);
        else
            notify_doc_para (d,
                    "Thank you for writing to us about \"%s\". Unfortunately we could not accept "
                    "your message: these attachments are larger than the %s we can receive "
                    "per file:",
                    m->subject, mb);
        notify_doc_list (d, m->files, m->n_files);
        notify_doc_para (d, m->kept ? "To send us these files, you can:"
                           : "Your message was not recorded, so nothing was lost on your side. "
                             "To send us these files, you can:");
        notify_doc_list (d, list, n);
        notify_doc_para (d, m->kept ? "Then just reply to this e-mail with the link or the smaller files: "
                             "they join the same request."
                           : "Then just reply to this e-mail with your message again. We are "
                             "sorry for the trouble, and we will be glad to help as soon as it "
                             "arrives.");
    }
    else {
        if (notify_doc_has (m->portal_url) && !is_size)
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
            notify_doc_para (d,
                    "Obrigado por nos escrever sobre “%s”. Sua mensagem chegou à nossa equipe e "
                    "já está registrada; só não conseguimos guardar %s, porque %s do limite de "
                    "%s %s:",
                    m->subject, m->n_files > 1 ? "estes anexos" : "este anexo",
                    m->n_files > 1 ? "juntos eles passam" : "ele passa", mb,
                    is_total ? "para todos os arquivos de um e-mail" : "por arquivo");
        else if (is_size)
            notify_doc_para (d,
                    "Obrigado por nos escrever sobre “%s”. Infelizmente não conseguimos receber "
                    "sua mensagem: com os anexos, ela passa dos %s que um e-mail pode ter "
                    "aqui:",
                    m->subject, mb);
        else if (is_total)
            notify_doc_para (d,
                    "Obrigado por nos escrever sobre “%s”. Infelizmente não conseguimos receber "
                    "sua mensagem: juntos, os anexos passam dos %s que aceitamos por e-mail:",
                    m->subject, mb);
        else
            notify_doc_para (d,
                    "Obrigado por nos escrever sobre “%s”. Infelizmente não conseguimos receber "
                    "sua mensagem: estes anexos passam do limite de %s por arquivo:",
                    m->subject, mb);
        notify_doc_list (d, m->files, m->n_files);
        notify_doc_para (d, m->kept ? "Para nos enviar esses arquivos, você pode:"
                           : "Sua mensagem não foi registrada, então nada se perdeu do seu lado. "
                             "Para nos enviar esses arquivos, você pode:");
        notify_doc_list (d, list, n);
        notify_doc_para (d, m->kept ? "Depois, é só responder a este e-mail com o link ou os arquivos "
                             "menores: eles entram no mesmo atendimento."
                           : "Depois, é só responder a este e-mail com a sua mensagem novamente. "
                             "Pedimos desculpas pelo transtorno; assim que ela chegar, vamos "
                             "ajudar você.");
    }
    notify_doc_signature (d, m, en);
}

/* A portal account's link: what it is for, the link itself (text and a
 * real link in HTML), until when it works, and what to do if it was not
 * them. No ticket, so no tag and no thread. */
void
notify_notice_account (notify_doc_t *d, const notify_mail_t *m, int en)
{
    char when[128];
    notify_words_moment (when, sizeof when, m->expires_us, m->time_zone, m->language);
    notify_doc_greeting (d, m, en);
    switch (m->kind) {
    case NOTIFY_ACCOUNT_CONFIRM:
        notify_doc_para (d, en ? "Thank you for creating your account on our Customer Portal. To confirm "
                        "that this address is yours and start using it, open the link below:"
                      : "Que bom ter você no nosso Portal do Cliente! Para confirmar que este "
                        "endereço é seu e começar a usar sua conta, abra o link abaixo:");
        break;
    case NOTIFY_ACCOUNT_LOGIN:
        notify_doc_para (d, en ? "Here is the link you asked for to sign in to our Customer Portal, no "
                        "password needed:"
                      : "Aqui está o link que você pediu para entrar no nosso Portal do Cliente, "
                        "sem precisar de senha:");
        break;
    default:
        notify_doc_para (d, en ? "We received a request to choose a new password for your account on our "
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
    notify_doc_para (d, en ? "The link works once, until %s." : "O link vale uma única vez, até %s.", when);
    if (m->kind == NOTIFY_ACCOUNT_RESET)
        notify_doc_para (d, en ? "If you did not ask for this, you can ignore this message: your password "
                        "stays as it is."
                      : "Se não foi você quem pediu, pode ignorar esta mensagem: sua senha "
                        "continua a mesma.");
    else
        notify_doc_para (d, en ? "If you did not ask for this, you can ignore this message: nothing "
                        "changes without the link."
                      : "Se não foi você quem pediu, pode ignorar esta mensagem: nada muda sem "
                        "o link.");
    notify_doc_signature (d, m, en);
}

/* A support team member's link to the dashboard: an invitation, or an
 * admin's reset of their access. */
void
notify_notice_staff (notify_doc_t *d, const notify_mail_t *m, int en)
{
    char when[128];
    notify_words_moment (when, sizeof when, m->expires_us, m->time_zone, m->language);
    notify_doc_greeting (d, m, en);
    if (m->kind == NOTIFY_STAFF_INVITE)
        notify_doc_para (d, en ? "Welcome to the support team! Your access to the Support Dashboard, where "
                        "you will follow the queues and answer our customers, is ready. To "
                        "choose your password, open the link below:"
                      : "Boas-vindas à equipe de suporte! Seu acesso ao Dashboard do Suporte, "
                        "onde você vai acompanhar as filas e atender nossos clientes, já está "
                        "pronto. Para criar sua senha, abra o link abaixo:");
    else
        notify_doc_para (d, en ? "An administrator reset your access to the Support Dashboard: your old "
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
    notify_doc_para (d, en ? "The link works once, until %s. After that, ask an administrator for a new "
                    "one."
                  : "O link vale uma única vez, até %s. Depois disso, peça um novo a um "
                    "administrador.",
            when);
    notify_doc_para (d, en ? "If you did not expect this message, please tell an administrator: without "
                    "the link, nothing changes."
                  : "Se você não esperava esta mensagem, avise um administrador: sem o link, "
                    "nada muda.");
    notify_doc_signature (d, m, en);
}
