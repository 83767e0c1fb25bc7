/* notify_render: every notification a customer reads, in pt-BR and English,
 * parsed back with GMime: the subject with its ticket tag, our Message-ID,
 * the threading headers, Auto-Submitted and X-Auto-Response-Suppress on
 * automatic mail only, both parts of the multipart/alternative decoded to
 * the right UTF-8 text, and a customer's subject escaped in the HTML part.
 * notify_words: first names, dates with the zone's offset, SLA targets in
 * words. */
#include "bc_mailid.h"
#include "intake_mail.h"
#include "notify_render.h"
#include "notify_words.h"
#include "router_reply.h"

#include <gmime/gmime.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SUBJECT "Integração <script>alert(1)</script> retorna 401"

static notify_mail_t
s_mail (notify_kind_t kind, const char *language)
{
    return (notify_mail_t) {
        .kind = kind,
        .ticket = 42,
        .language = language,
        .customer_name = "Ana Lima",
        .customer_address = "ana@clinicavida.com.br",
        .subject = SUBJECT,
        .text = "",
        .action = "",
        .origin_message_id = "orig@clinicavida.com.br",
        .last_inbound_message_id = "",
        .message_id = "balcao.bc.t42.0123@balcao.local",
        .from_name = "Suporte Balcão",
        .from_address = "suporte@balcao.local",
        .loop_tag = "balcao.bc@balcao.local",
        .time_us = 1764000000000000LL,
    };
}

/* A rendered mail, parsed back. */
typedef struct {
    char *raw;
    size_t len;
    char *subject;      /* as notify_render returned it */
    GMimeMessage *msg;
    char *plain, *html; /* decoded parts */
} parsed_t;

static char *
s_part_text (GMimeObject *part, const char *subtype)
{
    assert_true (GMIME_IS_TEXT_PART (part));
    GMimeContentType *ct = g_mime_object_get_content_type (part);
    assert_string_equal (g_mime_content_type_get_media_type (ct), "text");
    assert_string_equal (g_mime_content_type_get_media_subtype (ct), subtype);
    assert_string_equal (g_mime_content_type_get_parameter (ct, "charset"), "utf-8");
    assert_int_equal (g_mime_part_get_content_encoding (GMIME_PART (part)),
                      GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return g_mime_text_part_get_text (GMIME_TEXT_PART (part));
}

static parsed_t
s_render (const notify_mail_t *mail)
{
    parsed_t p = {0};
    p.raw = notify_render (mail, &p.len, &p.subject);
    assert_non_null (p.raw);
    assert_non_null (p.subject);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer (p.raw, p.len);
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    p.msg = g_mime_parser_construct_message (parser, NULL);
    g_object_unref (parser);
    g_object_unref (stream);
    assert_non_null (p.msg);
    GMimeObject *body = g_mime_message_get_mime_part (p.msg);
    assert_true (GMIME_IS_MULTIPART (body));
    GMimeContentType *ct = g_mime_object_get_content_type (body);
    assert_string_equal (g_mime_content_type_get_media_subtype (ct), "alternative");
    GMimeMultipart *mp = GMIME_MULTIPART (body);
    assert_int_equal (g_mime_multipart_get_count (mp), 2);
    p.plain = s_part_text (g_mime_multipart_get_part (mp, 0), "plain");
    p.html = s_part_text (g_mime_multipart_get_part (mp, 1), "html");
    return p;
}

static void
s_clear (parsed_t *p)
{
    g_object_unref (p->msg);
    g_free (p->plain);
    g_free (p->html);
    free (p->raw);
    free (p->subject);
}

static const char *
s_header (parsed_t *p, const char *name)
{
    return g_mime_object_get_header (GMIME_OBJECT (p->msg), name);
}

/* GMime files a message's Content-* headers under its top MIME part. */
static const char *
s_content_header (parsed_t *p, const char *name)
{
    return g_mime_object_get_header (g_mime_message_get_mime_part (p->msg), name);
}

static void
s_has (const char *haystack, const char *needle)
{
    if (!strstr (haystack, needle))
        fail_msg ("\"%s\" not found in:\n%s", needle, haystack);
}

static void
s_lacks (const char *haystack, const char *needle)
{
    if (strstr (haystack, needle))
        fail_msg ("\"%s\" found in:\n%s", needle, haystack);
}

/* What every notification has, whatever it says. */
static void
s_assert_common (parsed_t *p, const notify_mail_t *mail)
{
    const char *tag = mail->kind == NOTIFY_REPLY ? "Re: [Chamado #42] " : "[Chamado #42] ";
    assert_memory_equal (p->subject, tag, strlen (tag));
    assert_non_null (strstr (p->subject, SUBJECT));
    assert_string_equal (g_mime_message_get_subject (p->msg), p->subject);
    assert_string_equal (g_mime_message_get_message_id (p->msg), "balcao.bc.t42.0123@balcao.local");
    assert_string_equal (s_header (p, "X-Loop"), "balcao.bc@balcao.local");
    InternetAddressList *reply_to = g_mime_message_get_reply_to (p->msg);
    assert_int_equal (internet_address_list_length (reply_to), 1);
    assert_string_equal (
        internet_address_mailbox_get_addr (
            INTERNET_ADDRESS_MAILBOX (internet_address_list_get_address (reply_to, 0))),
        "suporte@balcao.local");
    InternetAddressList *to = g_mime_message_get_to (p->msg);
    assert_string_equal (
        internet_address_mailbox_get_addr (
            INTERNET_ADDRESS_MAILBOX (internet_address_list_get_address (to, 0))),
        "ana@clinicavida.com.br");
    /* RFC 3834: an automatic answer to the customer's mail is
     * auto-replied, any other notice auto-generated; a person's reply is
     * neither, and lets out-of-office answers through. */
    if (mail->kind == NOTIFY_REPLY) {
        assert_null (s_header (p, "Auto-Submitted"));
        assert_null (s_header (p, "X-Auto-Response-Suppress"));
    }
    else {
        int is_answer = (mail->kind == NOTIFY_ACK || mail->kind == NOTIFY_REJECTED)
                        && *mail->origin_message_id;
        assert_string_equal (s_header (p, "Auto-Submitted"),
                             is_answer ? "auto-replied" : "auto-generated");
        const char *suppress = s_header (p, "X-Auto-Response-Suppress");
        assert_non_null (suppress);
        s_has (suppress, "OOF");
        s_has (suppress, "AutoReply");
    }
    /* The customer's subject: as written in the text, escaped in the HTML. */
    s_has (p->plain, SUBJECT);
    s_lacks (p->html, "<script>");
    s_has (p->html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    s_has (p->html, "<p>");
    /* Nothing on the wire is 8-bit: subject encoded, parts quoted-printable. */
    for (size_t i = 0; i < p->len; i++)
        assert_true ((unsigned char) p->raw[i] < 0x80);
}

static parsed_t
s_check (const notify_mail_t *mail)
{
    parsed_t p = s_render (mail);
    s_assert_common (&p, mail);
    return p;
}

/* ---- each template ---- */

static void
test_ack (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_ACK, "pt-BR");
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Recebemos seu chamado: " SUBJECT);
    assert_string_equal (s_header (&p, "In-Reply-To"), "<orig@clinicavida.com.br>");
    assert_string_equal (s_content_header (&p, "Content-Language"), "pt-BR");
    s_has (p.plain, "Olá, Ana,\n");
    s_lacks (p.plain, "Ana Lima,");
    s_has (p.plain, "Recebemos seu chamado #42 sobre “" SUBJECT "”");
    /* No SLA known (an old event): no number we cannot keep. */
    s_has (p.plain, "responder o quanto antes.");
    s_lacks (p.plain, "dia útil");
    s_has (p.html, "<html lang=\"pt-BR\">");
    s_clear (&p);

    /* The router's target (4 business hours) and its due time: 2025-11-24
     * 20:00 UTC is 17:00 in São Paulo. */
    mail.first_response_target_s = 4 * 3600;
    mail.first_response_due_us = 1764014400LL * 1000000;
    p = s_check (&mail);
    s_has (p.plain, "responder em até 4 horas úteis, ou seja, até 24 de novembro de 2025, 17:00 "
                    "(horário de Brasília, UTC−03:00).");
    s_has (p.html, "em até 4 horas úteis");
    s_lacks (p.plain, "1 dia útil");
    s_clear (&p);
    /* Another business zone: its own offset. */
    mail.time_zone = "Europe/Lisbon";
    p = s_check (&mail);
    s_has (p.plain, "até 24 de novembro de 2025, 20:00 (UTC+00:00).");
    s_clear (&p);

    mail = s_mail (NOTIFY_ACK, "en");
    p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] We received your request: " SUBJECT);
    assert_string_equal (s_content_header (&p, "Content-Language"), "en");
    s_has (p.plain, "Hi Ana,\n");
    s_has (p.plain, "get back to you as soon as possible.");
    s_lacks (p.plain, "Recebemos");
    s_clear (&p);
    mail.first_response_target_s = 30 * 60;
    mail.first_response_due_us = 1764014400LL * 1000000;
    p = s_check (&mail);
    s_has (p.plain, "get back to you within 30 business minutes, that is by November 24, 2025, "
                    "5:00 PM (Brasília time, UTC−03:00).");
    s_clear (&p);
    /* A ticket opened on the portal: no mail to answer, a notice. */
    mail.origin_message_id = "";
    p = s_check (&mail);
    assert_string_equal (s_header (&p, "Auto-Submitted"), "auto-generated");
    s_clear (&p);
}

static void
test_reply_is_a_human_message (void **state)
{
    (void) state;
    const char *words = "Olá, Ana! Gerei uma nova chave de API.\nTeste agora & me diga.";
    notify_mail_t mail = s_mail (NOTIFY_REPLY, "pt-BR");
    mail.text = words;
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "Re: [Chamado #42] " SUBJECT);
    s_has (p.plain, words);
    s_lacks (p.plain, "Olá, Ana Lima"); /* the agent wrote the greeting */
    s_has (p.plain, "Esta é a resposta da nossa equipe ao seu chamado #42");
    /* The agent's words are the mail's own text in HTML, not a quote. */
    s_has (p.html, "<p>Olá, Ana! Gerei uma nova chave de API.<br>\nTeste agora &amp; me diga.</p>");
    s_lacks (p.html, "<blockquote");
    s_clear (&p);

    /* Paragraphs stay paragraphs; only the lines the agent quoted from the
     * customer's mail are a quote. */
    mail.text = "Olá, Ana!\n\nJá corrigimos.\n\n> Desde ontem dá erro 401.\n> Urgente.";
    p = s_check (&mail);
    s_has (p.html, "<p>Olá, Ana!</p>\n<p>Já corrigimos.</p>\n<blockquote");
    s_has (p.html, "Desde ontem dá erro 401.<br>\nUrgente.</blockquote>");
    s_lacks (p.html, "&gt; Desde");
    s_has (p.plain, "> Desde ontem dá erro 401.\n> Urgente.");
    s_clear (&p);

    mail = s_mail (NOTIFY_REPLY, "en");
    mail.text = "Hi Ana, please try the new key.";
    mail.author_name = "Bruno Costa";
    p = s_check (&mail);
    s_has (p.plain, "Hi Ana, please try the new key.");
    s_has (p.plain, "Bruno Costa\n"); /* signed by the agent who wrote it */
    s_has (p.plain, "This is our team's answer to your ticket #42");
    s_clear (&p);
}

static void
test_info (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_INFO, "pt-BR");
    mail.text = "Qual versão do aplicativo você usa?";
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Precisamos de mais informações: " SUBJECT);
    s_has (p.plain, "precisamos de mais algumas informações");
    s_has (p.plain, "Qual versão do aplicativo você usa?");
    s_has (p.html, "<p>Qual versão do aplicativo você usa?</p>");
    s_lacks (p.html, "<blockquote");
    s_clear (&p);

    mail = s_mail (NOTIFY_INFO, "en");
    mail.text = "Which version do you use?";
    p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] We need more information: " SUBJECT);
    s_has (p.plain, "Which version do you use?");
    s_clear (&p);
}

static void
test_escalated (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_ESCALATED, "pt-BR");
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Encaminhado à equipe técnica: " SUBJECT);
    s_has (p.plain, "foi encaminhado para nossa equipe técnica");
    s_has (p.plain, "você não precisa fazer nada agora");
    s_clear (&p);

    mail = s_mail (NOTIFY_ESCALATED, "en");
    p = s_check (&mail);
    s_has (p.plain, "passed on to our technical team");
    s_clear (&p);
}

static void
test_resolved (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_RESOLVED, "pt-BR");
    mail.text = "Renovamos o certificado da integração.";
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Resolvido, confirme a solução: " SUBJECT);
    s_has (p.plain, "Renovamos o certificado da integração.");
    s_has (p.plain, "se o problema foi resolvido, responda confirmando");
    s_has (p.plain, "reabriremos o atendimento");
    s_has (p.plain, "encerrado automaticamente após alguns dias úteis");
    s_has (p.html, "<li>se o problema foi resolvido");
    s_clear (&p);

    mail = s_mail (NOTIFY_RESOLVED, "en");
    mail.text = "We renewed the certificate.";
    p = s_check (&mail);
    s_has (p.plain, "We renewed the certificate.");
    s_has (p.plain, "close by itself after a few business days");
    s_clear (&p);

    /* With the router's closing date: 2025-12-02 01:30 UTC is still 1
     * December in São Paulo. */
    mail = s_mail (NOTIFY_RESOLVED, "pt-BR");
    mail.text = "Renovamos o certificado.";
    mail.close_at_us = 1764639000LL * 1000000;
    p = s_check (&mail);
    s_has (p.plain, "Se não recebermos sua resposta até 1 de dezembro de 2025, 22:30 (horário de "
                    "Brasília, UTC−03:00), o chamado será encerrado");
    s_clear (&p);
}

static void
test_reopened (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_REOPENED, "pt-BR");
    mail.text = "Ainda dá erro 401.";
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Chamado reaberto: " SUBJECT);
    s_has (p.plain, "Reabrimos seu chamado #42");
    s_has (p.plain, "Você nos disse:\n\nAinda dá erro 401.");
    s_clear (&p);

    mail = s_mail (NOTIFY_REOPENED, "en");
    p = s_check (&mail);
    s_has (p.plain, "We have reopened your ticket #42");
    s_lacks (p.plain, "You told us");
    s_clear (&p);
}

static void
test_closed_invites_a_rating (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_CLOSED, "pt-BR");
    mail.action = "accept";
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Chamado encerrado, avalie o atendimento: " SUBJECT);
    s_has (p.plain, "Obrigado por confirmar a solução");
    s_has (p.plain, "de 1 (muito insatisfeito) a 5 (muito satisfeito)");
    /* One line per score, best first, each one the router reads as that
     * score; in HTML each is a link opening that reply. */
    s_has (p.plain, "nota 5 - ótimo\nnota 4 - bom\nnota 3 - regular\nnota 2 - ruim\n"
                    "nota 1 - péssimo\n");
    s_has (p.html, "<li><a href=\"mailto:suporte@balcao.local?subject=Re%3A%20%5BChamado%20%2342%5D"
                   "%20Integra%C3%A7%C3%A3o%20%3Cscript%3E");
    s_has (p.html, "&amp;body=nota%205\">nota 5 - ótimo</a></li>");
    s_has (p.html, "&amp;body=nota%201\">nota 1 - péssimo</a></li>");
    s_clear (&p);

    mail.action = "auto_close";
    p = s_check (&mail);
    s_has (p.plain, "Como não recebemos seu retorno");
    s_clear (&p);

    mail = s_mail (NOTIFY_CLOSED, "en");
    mail.action = "close";
    p = s_check (&mail);
    s_has (p.plain, "is now closed");
    s_has (p.plain, "from 1 (very dissatisfied) to 5 (very satisfied)");
    s_has (p.plain, "rating 5 - excellent\nrating 4 - good\nrating 3 - fair\nrating 2 - poor\n"
                    "rating 1 - very poor\n");
    s_has (p.html, "&amp;body=rating%203\">rating 3 - fair</a>");
    s_clear (&p);
}

static void
test_merged (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_MERGED, "pt-BR");
    mail.into = 40;
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Continua no chamado #40: " SUBJECT);
    s_has (p.plain, "o atendimento continua no chamado #40");
    s_clear (&p);

    mail = s_mail (NOTIFY_MERGED, "en");
    mail.into = 40;
    p = s_check (&mail);
    s_has (p.plain, "we continue in ticket #40");
    s_clear (&p);
}

static void
test_reminder_date_in_sao_paulo (void **state)
{
    (void) state;
    /* 2025-12-02 01:30 UTC is still 1 December in São Paulo (UTC-3). */
    int64_t close_at = 1764639000LL * 1000000;
    notify_mail_t mail = s_mail (NOTIFY_REMINDER, "pt-BR");
    mail.close_at_us = close_at;
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject,
                         "[Chamado #42] Será encerrado em 1 de dezembro de 2025 sem sua resposta: "
                         SUBJECT);
    s_has (p.plain, "encerrado automaticamente em 1 de dezembro de 2025, 22:30 (horário de "
                    "Brasília, UTC−03:00).");
    s_clear (&p);

    mail = s_mail (NOTIFY_REMINDER, "en");
    mail.close_at_us = close_at;
    p = s_check (&mail);
    s_has (p.plain, "close by itself on December 1, 2025, 10:30 PM (Brasília time, UTC−03:00).");
    s_clear (&p);
}

/* ---- headers ---- */

static void
test_thread_headers (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_INFO, "pt-BR");
    mail.text = "?";
    mail.last_inbound_message_id = "second@clinicavida.com.br";
    parsed_t p = s_check (&mail);
    assert_string_equal (s_header (&p, "In-Reply-To"), "<second@clinicavida.com.br>");
    assert_string_equal (s_header (&p, "References"),
                         "<orig@clinicavida.com.br> <second@clinicavida.com.br>");
    s_clear (&p);

    mail.origin_message_id = "";
    p = s_check (&mail);
    assert_string_equal (s_header (&p, "In-Reply-To"), "<second@clinicavida.com.br>");
    assert_string_equal (s_header (&p, "References"), "<second@clinicavida.com.br>");
    s_clear (&p);

    mail.last_inbound_message_id = "";
    p = s_check (&mail);
    assert_null (s_header (&p, "In-Reply-To"));
    assert_null (s_header (&p, "References"));
    s_clear (&p);
}

/* intake reads our mail like any other (a loop would come back this way). */
static void
test_intake_reads_the_text_part (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_ACK, "pt-BR");
    size_t len;
    char *subject;
    char *raw = notify_render (&mail, &len, &subject);
    intake_mail_t m;
    char err[256];
    assert_int_equal (intake_mail_parse ((uint8_t *) raw, len, &m, err, sizeof err), 0);
    assert_string_equal (m.message_id, "balcao.bc.t42.0123@balcao.local");
    assert_string_equal (m.subject, subject);
    assert_string_equal (m.from_name, "Suporte Balcão");
    s_has (m.body, "Recebemos seu chamado #42");
    s_lacks (m.body, "<p>");
    intake_mail_clear (&m);
    free (raw);
    free (subject);
}

static void
test_kind_names (void **state)
{
    (void) state;
    const char *want[] = {"ack",      "reply",  "info",   "escalated", "resolved",
                          "reopened", "closed", "merged", "reminder",  "rejected"};
    for (int k = NOTIFY_ACK; k <= NOTIFY_REJECTED; k++)
        assert_string_equal (notify_kind_name ((notify_kind_t) k), want[k]);
}

/* Each install writes its own tag (balcao/ticket_tag), and intake finds
 * the ticket in it again. */
static void
test_subject_tag_per_install (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_ACK, "pt-BR");
    mail.ticket_tag = "Suporte ACME";
    parsed_t p = s_render (&mail);
    assert_string_equal (p.subject, "[Suporte ACME #42] Recebemos seu chamado: " SUBJECT);
    assert_int_equal (bc_mailid_ticket_from_subject (p.subject, "Suporte ACME"), 42);
    assert_int_equal (bc_mailid_ticket_from_subject (p.subject, "Chamado"), 0);
    s_clear (&p);
    mail = s_mail (NOTIFY_REPLY, "en");
    mail.ticket_tag = "Suporte ACME";
    p = s_render (&mail);
    assert_string_equal (p.subject, "Re: [Suporte ACME #42] " SUBJECT);
    s_clear (&p);
    /* No tag configured: the default. */
    mail = s_mail (NOTIFY_ACK, "en");
    mail.ticket_tag = "";
    p = s_render (&mail);
    assert_string_equal (p.subject, "[Chamado #42] We received your request: " SUBJECT);
    assert_int_equal (bc_mailid_ticket_from_subject (p.subject, "Chamado"), 42);
    s_clear (&p);
}

static void
test_size (void **state)
{
    (void) state;
    char out[32];
    notify_words_size (out, sizeof out, 25 * 1024 * 1024, "pt-BR");
    assert_string_equal (out, "25 MB");
    notify_words_size (out, sizeof out, 5 * 1024 * 1024 / 2, "pt-BR");
    assert_string_equal (out, "2,5 MB");
    notify_words_size (out, sizeof out, 5 * 1024 * 1024 / 2, "en");
    assert_string_equal (out, "2.5 MB");
    notify_words_size (out, sizeof out, 2000, "pt-BR");
    assert_string_equal (out, "2 KB");
}

static const char *const REJECTED_FILES[] = {"video <da tela>.mp4 (48 MB)", "logs.tar (31 MB)"};

static notify_mail_t
s_rejected_mail (const char *language, const char *limit, uint64_t ticket)
{
    notify_mail_t mail = s_mail (NOTIFY_REJECTED, language);
    mail.ticket = ticket;
    mail.origin_message_id = "refused-7@clinicavida.com.br";
    mail.files = REJECTED_FILES;
    mail.n_files = 2;
    mail.limit_bytes = 25 * 1024 * 1024;
    mail.limit = limit;
    return mail;
}

/* intake refused a message for its attachments: which files, the limit in
 * MB, how to send them instead, threaded to the refused message. */
static void
test_rejected (void **state)
{
    (void) state;
    notify_mail_t mail = s_rejected_mail ("pt-BR", "file", 42);
    parsed_t p = s_check (&mail);
    assert_string_equal (p.subject,
                         "[Chamado #42] Mensagem não recebida, anexo grande demais: " SUBJECT);
    assert_string_equal (s_header (&p, "In-Reply-To"), "<refused-7@clinicavida.com.br>");
    s_has (p.plain, "Olá, Ana,");
    s_has (p.plain, "passam do limite de 25 MB por arquivo");
    s_has (p.plain, "- video <da tela>.mp4 (48 MB)\n- logs.tar (31 MB)");
    s_has (p.html, "<li>video &lt;da tela&gt;.mp4 (48 MB)</li>");
    s_has (p.plain, "nos enviar o link");
    s_has (p.plain, "compactá-los (.zip) ou dividi-los em partes menores");
    s_has (p.plain, "responder a este e-mail com a sua mensagem novamente");
    s_clear (&p);

    /* All files together over the limit, a message that would have opened
     * a ticket (no tag), in English. */
    mail = s_rejected_mail ("en", "message", 0);
    p = s_render (&mail);
    assert_string_equal (p.subject, "Message not received, attachment too large: " SUBJECT);
    assert_string_equal (s_header (&p, "Auto-Submitted"), "auto-replied");
    assert_string_equal (s_header (&p, "In-Reply-To"), "<refused-7@clinicavida.com.br>");
    s_has (p.plain, "Hi Ana,");
    s_has (p.plain, "together, its attachments are larger than the 25 MB we can receive in one "
                    "e-mail");
    s_has (p.plain, "send us the link");
    s_has (p.plain, "split them into smaller parts");
    s_lacks (p.plain, "Obrigado");
    s_clear (&p);

    /* Kept without one file (a mail): the text is with the team; the
     * portal is offered when its address is known. */
    mail = s_rejected_mail ("pt-BR", "file", 42);
    mail.kept = true;
    mail.n_files = 1;
    mail.portal_url = "https://suporte.clinicavida.com.br";
    p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] Mensagem recebida, mas um anexo é grande "
                                    "demais: " SUBJECT);
    s_has (p.plain, "Sua mensagem chegou à nossa equipe e já está registrada");
    s_has (p.plain, "este anexo, porque ele passa do limite de 25 MB por arquivo");
    s_has (p.plain, "Portal do Cliente, em https://suporte.clinicavida.com.br");
    s_lacks (p.plain, "não foi registrada");
    s_clear (&p);

    /* The whole message over what one e-mail may carry. */
    mail = s_rejected_mail ("en", "message_size", 0);
    mail.n_files = 1;
    p = s_render (&mail);
    s_has (p.plain, "with its attachments it is larger than the 25 MB one e-mail can carry");
    s_lacks (p.plain, "Customer Portal");
    s_clear (&p);
}

/* ---- notify_words ---- */

static void
s_first (const char *display_name, const char *want)
{
    char out[64];
    notify_words_first_name (out, sizeof out, display_name);
    if (strcmp (out, want) != 0)
        fail_msg ("first name of \"%s\": \"%s\", want \"%s\"",
                  display_name ? display_name : "(null)", out, want);
}

static void
test_first_name (void **state)
{
    (void) state;
    s_first ("Ana Souza", "Ana");
    s_first ("ANA SOUZA", "Ana");
    s_first ("ana souza", "Ana");
    s_first ("  \"Ana Souza\"  ", "Ana");
    s_first ("JOÃO DA SILVA", "João");
    s_first ("ÉRICA", "Érica");
    s_first ("ANA-MARIA COSTA", "Ana-Maria");
    s_first ("McKenzie O'Brien", "McKenzie");
    s_first ("Souza, Ana", "Ana");
    s_first ("Ana Souza, Financeiro", "Ana");
    s_first ("Dr. João Silva", "Dr. João");
    s_first ("DRA. MARIA LIMA", "Dra. Maria");
    s_first ("J. Silva", "J. Silva");
    s_first ("Ana (Financeiro)", "Ana");
    /* Nothing fit to greet by: the greeting goes without a name. */
    s_first ("", "");
    s_first (NULL, "");
    s_first ("   ", "");
    s_first ("ana.souza@clinicavida.com.br", "");
    s_first ("user1234", "");
    s_first ("Dr.", "");
    s_first ("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Souza", "");
    s_first ("\xff\xfe", "");
}

static void
test_greeting_by_first_name (void **state)
{
    (void) state;
    notify_mail_t mail = s_mail (NOTIFY_ESCALATED, "pt-BR");
    mail.customer_name = "RITA GOMES";
    parsed_t p = s_check (&mail);
    s_has (p.plain, "Olá, Rita,\n");
    s_has (p.html, "<p>Olá, Rita,</p>");
    s_clear (&p);
    mail.customer_name = "rita@lojadarita.com.br";
    p = s_check (&mail);
    s_has (p.plain, "Olá,\n");
    s_lacks (p.plain, "lojadarita");
    s_clear (&p);
    mail = s_mail (NOTIFY_ESCALATED, "en");
    mail.customer_name = "";
    p = s_check (&mail);
    s_has (p.plain, "Hello,\n");
    s_clear (&p);
    mail.customer_name = "John Smith";
    p = s_check (&mail);
    s_has (p.plain, "Hi John,\n");
    s_clear (&p);
}

static void
test_moment_with_offset (void **state)
{
    (void) state;
    char out[160];
    /* 2026-12-04 17:30 UTC is 14:30 in São Paulo. */
    int64_t at = 1796405400LL * 1000000;
    notify_words_moment (out, sizeof out, at, NULL, "pt-BR");
    assert_string_equal (out, "4 de dezembro de 2026, 14:30 (horário de Brasília, UTC−03:00)");
    notify_words_moment (out, sizeof out, at, "America/Sao_Paulo", "en");
    assert_string_equal (out, "December 4, 2026, 2:30 PM (Brasília time, UTC−03:00)");
    /* Other zones say only their offset, as it is on that day. */
    notify_words_moment (out, sizeof out, at, "Asia/Kolkata", "en");
    assert_string_equal (out, "December 4, 2026, 11:00 PM (UTC+05:30)");
    notify_words_moment (out, sizeof out, 1783085400LL * 1000000, "Europe/Lisbon", "pt-BR");
    assert_string_equal (out, "3 de julho de 2026, 14:30 (UTC+01:00)");
    /* Midnight and noon on a 12-hour clock. */
    notify_words_moment (out, sizeof out, 1796353200LL * 1000000, NULL, "en");
    assert_string_equal (out, "December 4, 2026, 12:00 AM (Brasília time, UTC−03:00)");
    notify_words_moment (out, sizeof out, 1796396400LL * 1000000, NULL, "en");
    assert_string_equal (out, "December 4, 2026, 12:00 PM (Brasília time, UTC−03:00)");
    notify_words_date (out, sizeof out, at, NULL, "pt-BR");
    assert_string_equal (out, "4 de dezembro de 2026");
    /* An unknown zone: São Paulo's offset, never a crash. */
    assert_false (notify_words_zone_is_known ("Mars/Olympus_Mons"));
    assert_true (notify_words_zone_is_known ("America/Sao_Paulo"));
    notify_words_moment (out, sizeof out, at, "Mars/Olympus_Mons", "pt-BR");
    assert_string_equal (out, "4 de dezembro de 2026, 14:30 (UTC−03:00)");
    /* An instant out of any calendar is written, not a crash. */
    notify_words_moment (out, sizeof out, INT64_MAX, NULL, "pt-BR");
    s_has (out, "de 9999, ");
    notify_words_moment (out, sizeof out, INT64_MIN, "Asia/Kolkata", "en");
    s_has (out, "January 1, 1970, 5:30 AM (UTC+05:30)");
}

static void
test_business_duration (void **state)
{
    (void) state;
    char out[64];
    notify_words_business_duration (out, sizeof out, 4 * 3600, "pt-BR");
    assert_string_equal (out, "4 horas úteis");
    notify_words_business_duration (out, sizeof out, 3600, "pt-BR");
    assert_string_equal (out, "1 hora útil");
    notify_words_business_duration (out, sizeof out, 30 * 60, "pt-BR");
    assert_string_equal (out, "30 minutos úteis");
    notify_words_business_duration (out, sizeof out, 90 * 60, "en");
    assert_string_equal (out, "90 business minutes");
    notify_words_business_duration (out, sizeof out, 8 * 3600, "en");
    assert_string_equal (out, "8 business hours");
    notify_words_business_duration (out, sizeof out, 3600, "en");
    assert_string_equal (out, "1 business hour");
    /* Never shorter than the target. */
    notify_words_business_duration (out, sizeof out, 61, "pt-BR");
    assert_string_equal (out, "2 minutos úteis");
}

/* Each line the survey offers is read by the router as that score, with
 * what follows as the comment. */
static void
test_rating_lines_are_read_as_scores (void **state)
{
    (void) state;
    const char *languages[] = {"pt-BR", "en"};
    for (int l = 0; l < 2; l++) {
        notify_mail_t mail = s_mail (NOTIFY_CLOSED, languages[l]);
        mail.action = "accept";
        parsed_t p = s_render (&mail);
        int seen[6] = {0};
        char **lines = g_strsplit (p.plain, "\n", -1);
        for (char **line = lines; *line; line++) {
            if (strncmp (*line, "nota ", 5) != 0 && strncmp (*line, "rating ", 7) != 0)
                continue;
            const char *comment;
            int score = router_reply_rating (*line, &comment);
            assert_true (score >= 1 && score <= 5);
            char want[16];
            snprintf (want, sizeof want, "%s %d", l ? "rating" : "nota", score);
            assert_memory_equal (*line, want, strlen (want));
            /* A copied line leaves the score's word as the comment. */
            assert_string_equal (comment, strstr (*line, " - ") + 3);
            seen[score]++;
            /* The link for that score sends that line's keyword. */
            char body[32];
            snprintf (body, sizeof body, "&amp;body=%s%%20%d\"", l ? "rating" : "nota", score);
            s_has (p.html, body);
        }
        for (int score = 1; score <= 5; score++)
            assert_int_equal (seen[score], 1);
        g_strfreev (lines);
        s_clear (&p);
    }
}

int
main (void)
{
    notify_render_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ack),
        cmocka_unit_test (test_reply_is_a_human_message),
        cmocka_unit_test (test_info),
        cmocka_unit_test (test_escalated),
        cmocka_unit_test (test_resolved),
        cmocka_unit_test (test_reopened),
        cmocka_unit_test (test_closed_invites_a_rating),
        cmocka_unit_test (test_merged),
        cmocka_unit_test (test_reminder_date_in_sao_paulo),
        cmocka_unit_test (test_thread_headers),
        cmocka_unit_test (test_intake_reads_the_text_part),
        cmocka_unit_test (test_kind_names),
        cmocka_unit_test (test_subject_tag_per_install),
        cmocka_unit_test (test_size),
        cmocka_unit_test (test_rejected),
        cmocka_unit_test (test_first_name),
        cmocka_unit_test (test_greeting_by_first_name),
        cmocka_unit_test (test_moment_with_offset),
        cmocka_unit_test (test_business_duration),
        cmocka_unit_test (test_rating_lines_are_read_as_scores),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    g_mime_shutdown ();
    return rc;
}
