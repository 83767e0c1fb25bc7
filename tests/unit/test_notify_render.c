/* notify_render: every notification a customer reads, in pt-BR and English,
 * parsed back with GMime: the subject with its ticket tag, our Message-ID,
 * the threading headers, Auto-Submitted on automatic mail only, both parts
 * of the multipart/alternative decoded to the right UTF-8 text, and a
 * customer's subject escaped in the HTML part. */
#include "bc_mailid.h"
#include "intake_mail.h"
#include "notify_render.h"

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
    if (mail->kind == NOTIFY_REPLY)
        assert_null (s_header (p, "Auto-Submitted"));
    else
        assert_string_equal (s_header (p, "Auto-Submitted"), "auto-replied");
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
    s_has (p.plain, "Olá, Ana Lima,");
    s_has (p.plain, "Recebemos seu chamado #42 sobre “" SUBJECT "”");
    s_has (p.plain, "1 dia útil");
    s_has (p.html, "1 dia útil");
    s_has (p.html, "<html lang=\"pt-BR\">");
    s_clear (&p);

    mail = s_mail (NOTIFY_ACK, "en");
    p = s_check (&mail);
    assert_string_equal (p.subject, "[Chamado #42] We received your request: " SUBJECT);
    assert_string_equal (s_content_header (&p, "Content-Language"), "en");
    s_has (p.plain, "Hello Ana Lima,");
    s_has (p.plain, "one business day");
    s_lacks (p.plain, "Recebemos");
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
    s_has (p.html, "Gerei uma nova chave de API.<br>\nTeste agora &amp; me diga.");
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
    s_has (p.html, "<blockquote");
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
    s_has (p.plain, "Se não recebermos sua resposta até 01/12/2025, o chamado será encerrado");
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
    s_has (p.html, "<li>5</li>");
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
    assert_string_equal (p.subject, "[Chamado #42] Será encerrado em 01/12/2025 sem sua resposta: " SUBJECT);
    s_has (p.plain, "encerrado automaticamente em 01/12/2025 (horário de Brasília)");
    s_clear (&p);

    mail = s_mail (NOTIFY_REMINDER, "en");
    mail.close_at_us = close_at;
    p = s_check (&mail);
    s_has (p.plain, "close by itself on 1 December 2025");
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
test_megabytes (void **state)
{
    (void) state;
    char out[32];
    notify_render_megabytes (out, sizeof out, 25 * 1024 * 1024, "pt-BR");
    assert_string_equal (out, "25");
    notify_render_megabytes (out, sizeof out, 5 * 1024 * 1024 / 2, "pt-BR");
    assert_string_equal (out, "2,5");
    notify_render_megabytes (out, sizeof out, 5 * 1024 * 1024 / 2, "en");
    assert_string_equal (out, "2.5");
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
    s_has (p.plain, "Olá, Ana Lima,");
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
    s_has (p.plain, "Hello Ana Lima,");
    s_has (p.plain, "together, its attachments are larger than the 25 MB we can receive in one "
                    "e-mail");
    s_has (p.plain, "send us the link");
    s_has (p.plain, "split them into smaller parts");
    s_lacks (p.plain, "Obrigado");
    s_clear (&p);
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
        cmocka_unit_test (test_megabytes),
        cmocka_unit_test (test_rejected),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    g_mime_shutdown ();
    return rc;
}
