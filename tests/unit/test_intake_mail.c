/* intake_mail: what intake takes from an e-mail (decoded subject and sender,
 * UTF-8 text body and the new reply in it, threading ids, attachments, the
 * sender's class), over hand-written mail and over every file of the shared
 * e-mail corpus (INTAKE_MAIL_SAMPLES). */
#include "intake_mail.h"

#include <dirent.h>
#include <gmime/gmime.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const intake_mail_site_t s_site = {"balcao.bc@balcao.local", "balcao.local"};

static int
s_parse (const char *raw, intake_mail_t *m, char *err)
{
    return intake_mail_parse ((const uint8_t *) raw, strlen (raw), m, err, 256);
}

static void
test_latin1_subject_and_qp_body (void **state)
{
    (void) state;
    const char *raw = "From: =?ISO-8859-1?Q?Jo=E3o_Silva?= <joao@cliente.com.br>\r\n"
                      "To: suporte@balcao.local\r\n"
                      "Subject: =?ISO-8859-1?Q?N=E3o_consigo_exportar_o_relat=F3rio?=\r\n"
                      "Message-ID: <abc123@cliente.com.br>\r\n"
                      "In-Reply-To: <balcao.bc.t7.ff@balcao.local>\r\n"
                      "References: <first@cliente.com.br> <balcao.bc.t7.ff@balcao.local>\r\n"
                      "Content-Type: text/plain; charset=iso-8859-1\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                      "A exporta=E7=E3o do relat=F3rio falha.\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.subject, "Não consigo exportar o relatório");
    assert_string_equal (m.from_name, "João Silva");
    assert_string_equal (m.from_address, "joao@cliente.com.br");
    assert_string_equal (m.message_id, "abc123@cliente.com.br");
    assert_string_equal (m.in_reply_to, "balcao.bc.t7.ff@balcao.local");
    assert_int_equal (m.n_references, 2);
    assert_string_equal (m.references[0], "first@cliente.com.br");
    assert_non_null (strstr (m.body, "A exportação do relatório falha."));
    assert_string_equal (m.reply, "A exportação do relatório falha.");
    assert_int_equal (m.mail_class, INTAKE_MAIL_HUMAN);
    assert_int_equal (m.n_attachments, 0);
    intake_mail_clear (&m);
}

static void
test_multipart_prefers_plain_text (void **state)
{
    (void) state;
    const char *raw = "From: ana@example.com\r\nSubject: teste\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: multipart/alternative; boundary=XX\r\n\r\n"
                      "--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p><b>Olá</b> HTML</p>\r\n"
                      "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOlá texto\r\n"
                      "--XX--\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_non_null (strstr (m.body, "Olá texto"));
    assert_null (strstr (m.body, "HTML"));
    assert_string_equal (m.message_id, "");
    intake_mail_clear (&m);
}

static void
test_html_only_has_no_tags (void **state)
{
    (void) state;
    const char *raw = "From: ana@example.com\r\nSubject: html\r\n"
                      "Content-Type: text/html; charset=utf-8\r\n\r\n"
                      "<html><head><title>t</title><style>p{color:red}</style></head><body>"
                      "<script>alert(1)</script><p>Preciso de ajuda</p></body></html>\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.body, "Preciso de ajuda");
    intake_mail_clear (&m);
}

/* A mail without From parses (intake_server refuses it); only input that
 * is not a message is refused here. */
static void
test_missing_headers (void **state)
{
    (void) state;
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse ("Subject: sem remetente\r\n\r\ncorpo\r\n", &m, err), 0);
    assert_string_equal (m.from_address, "");
    assert_string_equal (m.body, "corpo");
    intake_mail_clear (&m);
    assert_int_equal (s_parse ("", &m, err), -1);
    assert_non_null (strstr (err, "not an RFC 822 message"));
}

static void
test_bom_before_headers (void **state)
{
    (void) state;
    const char *raw = "\xEF\xBB\xBF"
                      "From: Ana <ana@example.com>\r\nSubject: com BOM\r\n\r\nOlá\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.from_address, "ana@example.com");
    assert_string_equal (m.subject, "com BOM");
    intake_mail_clear (&m);
}

/* ---- charsets ---- */

typedef struct {
    const char *content_type;
    const char *encoding;
    const char *content;
    const char *expected;
} s_charset_case_t;

static void
test_charsets (void **state)
{
    (void) state;
    static const s_charset_case_t cases[] = {
        {"text/plain; charset=utf-8", "base64", "T2zDoSwgYSBjb25maWd1cmHDp8OjbyBmYWxob3U=",
         "Olá, a configuração falhou"},
        /* Windows-1252 quotes in mail that says ISO-8859-1, as Outlook did */
        {"text/plain; charset=iso-8859-1", "quoted-printable", "=93Acesso negado=94 na p=E1gina",
         "“Acesso negado” na página"},
        {"text/plain; charset=windows-1252", "8bit", "Sess\xe3o expirou \x96 de novo",
         "Sessão expirou – de novo"},
        /* no charset, 8-bit Latin-1 */
        {"text/plain", "8bit", "N\xe3o recebi o boleto", "Não recebi o boleto"},
        /* says UTF-8, is Latin-1 */
        {"text/plain; charset=utf-8", "8bit", "Configura\xe7\xe3o", "Configuração"},
        {"text/plain; charset=us-ascii", "8bit", "Ol\xe1", "Olá"},
        /* an unknown charset, UTF-8 bytes */
        {"text/plain; charset=x-unknown", "8bit", "Cota\xc3\xa7\xc3\xa3o", "Cotação"},
        {"text/plain; charset=ISO-2022-JP", "7bit", "\x1b$BF|K\\8l\x1b(B", "日本語"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *raw = g_strdup_printf ("From: a@example.com\r\nSubject: x\r\nContent-Type: %s\r\n"
                                     "Content-Transfer-Encoding: %s\r\n\r\n%s\r\n",
                                     cases[i].content_type, cases[i].encoding, cases[i].content);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        assert_true (g_utf8_validate (m.body, -1, NULL));
        if (strcmp (m.body, cases[i].expected) != 0)
            fail_msg ("case %zu: got \"%s\", want \"%s\"", i, m.body, cases[i].expected);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* ---- attachments ---- */

static void
test_attachment_names_and_hashes (void **state)
{
    (void) state;
    const char *raw =
        "From: ana@example.com\r\nSubject: anexos\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSeguem os anexos.\r\n"
        "--B\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename*=UTF-8''relat%C3%B3rio%20mensal.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
        "--B\r\nContent-Type: text/plain; name*=iso-8859-1''configura%E7%E3o.txt\r\n"
        "Content-Disposition: attachment; filename*=iso-8859-1''configura%E7%E3o.txt\r\n\r\n"
        "x\r\n"
        "--B\r\nContent-Type: IMAGE/PNG; name=\"=?UTF-8?Q?tela_inicial_=C3=A9.png?=\"\r\n"
        "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n\r\n"
        "--B--\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.body, "Seguem os anexos.");
    assert_int_equal (m.n_attachments, 3);
    assert_string_equal (m.attachments[0].filename, "relatório mensal.pdf");
    assert_string_equal (m.attachments[0].content_type, "application/pdf");
    assert_int_equal (m.attachments[0].size, 5);
    assert_string_equal (m.attachments[0].sha256,
                         "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_false (m.attachments[0].is_inline);
    assert_string_equal (m.attachments[1].filename, "configuração.txt");
    assert_string_equal (m.attachments[2].filename, "tela inicial é.png");
    assert_string_equal (m.attachments[2].content_type, "image/png");
    assert_int_equal (m.attachments[2].size, 0);
    assert_true (m.attachments[2].is_inline);
    intake_mail_clear (&m);
}

/* ---- every version's files (alternative holding related or mixed) ---- */

typedef struct {
    const char *filename;
    const char *content_type;
    bool is_inline;
    const char *sha256;
} s_file_t;

/* The tests/data/mail PNGs and PDFs, by SHA-256. */
#define S_SCREENSHOT "2b50596fd082532315b11f66a2fd9cd6e909274be3d86eb495ba2bdbfcdb3285"
#define S_SIGNATURE "51af4ba94ae1ebebaca5087b17acf7386f069ba5706686a636b509b9bf980691"
#define S_APPLE_SHOT "857c2550ac19bdd38e665b9523abeeab08ad002ad7f287e34214e07a6b2ebf78"
#define S_BOLETO "964399ce8f6cfeb9ef7172d262b0ef1c47529232d23004a0cbfccc2ca92d7e28"
#define S_ERROR_LOG "12a7fb6b022966f56763955b1bc57902d41e08b03ac00d03094f66d81bf37904"

typedef struct {
    const char *file;
    const char *body; /* the whole body: the plain text, nothing of the HTML */
    s_file_t files[6];
    size_t n_files;
} s_client_mail_t;

static const s_client_mail_t s_client_mails[] = {
    /* Outlook 2016: related > alternative(text, html) + images by Content-ID */
    {"outlook-related-alternative.eml",
     "Bom dia,\n\nAo emitir a nota fiscal 4512 o sistema mostra a mensagem abaixo e fecha a "
     "janela.\nSegue o print da tela.\n\n[cid:image001.png@01DA6F2B.8C1E4A70]\n\nAtt.,\n\n"
     "Marcos Oliveira\nFaturamento - Transportes Rápido Ltda.\n"
     "[cid:image002.png@01DA6F2B.8C1E4A70]",
     {{"image001.png", "image/png", true, S_SCREENSHOT},
      {"image002.png", "image/png", true, S_SIGNATURE}},
     2},
    /* Outlook/Exchange: mixed > alternative(text, related(html, images)) +
     * the screenshot attached again under another name + a PDF */
    {"outlook-alternative-related.eml",
     "Olá,\n\nDesde ontem a sincronização do estoque para às 18h com o erro da imagem.\n"
     "Anexei também o mesmo print com outro nome e o relatório que o sistema gerou.\n\n"
     "Obrigada,\nJuliana Prado\nCompras | Distribuidora Serra Azul",
     {{"erro-sincronizacao.png", "image/png", false, S_SCREENSHOT},
      {"image002.png", "image/png", true, S_SIGNATURE},
      {"relatorio-erros.pdf", "application/pdf", false, S_ERROR_LOG}},
     3},
    /* Gmail: mixed > alternative(text, related(html, pasted image)) + PDF */
    {"gmail-alternative-related-mixed.eml",
     "Oi, pessoal do suporte!\n\nO boleto de março veio com o valor errado, olhem o print:\n"
     "[image: image.png]\n\nO boleto está em anexo. Podem corrigir?\n\nObrigada,\nFernanda Lima",
     {{"image.png", "image/png", true, S_SCREENSHOT},
      {"boleto-marco-2026.pdf", "application/pdf", false, S_BOLETO}},
     2},
    /* Apple Mail: alternative > text + mixed(html, image, html) */
    {"applemail-alternative-mixed.eml",
     "Boa tarde,\n\nNo iPad o aplicativo trava na tela de login, olha só:\n\n"
     "Aconteceu depois da atualização de ontem.\n\nAbraço,\nRenato",
     {{"Captura de Tela 2024-03-21 às 15.58.42.png", "image/png", true, S_APPLE_SHOT}},
     1},
};

/* Every expected file once, with its name, type, inline flag and hash;
 * no other file; no content twice. */
static void
s_check_files (const char *what, const intake_mail_t *m, const s_file_t *files, size_t n_files)
{
    for (size_t i = 0; i < m->n_attachments; i++)
        for (size_t j = i + 1; j < m->n_attachments; j++)
            if (strcmp (m->attachments[i].sha256, m->attachments[j].sha256) == 0)
                fail_msg ("%s: %s kept twice (%s, %s)", what, m->attachments[i].sha256,
                          m->attachments[i].filename, m->attachments[j].filename);
    for (size_t k = 0; k < n_files; k++) {
        const s_file_t *f = &files[k];
        const intake_attachment_t *a = NULL;
        for (size_t i = 0; i < m->n_attachments && !a; i++)
            if (strcmp (m->attachments[i].sha256, f->sha256) == 0)
                a = &m->attachments[i];
        if (!a)
            fail_msg ("%s: %s (%s) lost; %zu kept", what, f->filename, f->sha256,
                      m->n_attachments);
        if (strcmp (a->filename, f->filename) != 0 || strcmp (a->content_type, f->content_type) ||
            a->is_inline != f->is_inline)
            fail_msg ("%s: %s kept as \"%s\" %s%s, not \"%s\" %s%s", what, f->sha256, a->filename,
                      a->content_type, a->is_inline ? " inline" : "", f->filename,
                      f->content_type, f->is_inline ? " inline" : "");
        unsigned char digest[32];
        char hex[65];
        GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
        g_checksum_update (sum, a->data, a->size);
        gsize len = sizeof digest;
        g_checksum_get_digest (sum, digest, &len);
        g_checksum_free (sum);
        for (size_t i = 0; i < 32; i++)
            snprintf (hex + 2 * i, 3, "%02x", digest[i]);
        if (strcmp (hex, f->sha256) != 0)
            fail_msg ("%s: %s's bytes hash to %s", what, f->filename, hex);
    }
    if (m->n_attachments != n_files)
        fail_msg ("%s: %zu attachments kept, %zu expected", what, m->n_attachments, n_files);
}

static void
test_client_mails_keep_every_file (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_client_mails / sizeof s_client_mails[0]; i++) {
        const s_client_mail_t *c = &s_client_mails[i];
        char path[1024];
        snprintf (path, sizeof path, "%s/%s", INTAKE_MAIL_CLIENTS, c->file);
        gchar *raw = NULL;
        gsize len = 0;
        if (!g_file_get_contents (path, &raw, &len, NULL))
            fail_msg ("%s: cannot read it", path);
        intake_mail_t m;
        char err[256];
        if (intake_mail_parse_site ((const uint8_t *) raw, len, &s_site, &m, err, sizeof err))
            fail_msg ("%s: %s", c->file, err);
        /* the body keeps the mail's CRLF line ends */
        gchar **lines = g_strsplit (m.body, "\r\n", -1);
        gchar *body = g_strjoinv ("\n", lines);
        g_strfreev (lines);
        if (strcmp (body, c->body) != 0)
            fail_msg ("%s: body\n%s", c->file, body);
        g_free (body);
        s_check_files (c->file, &m, c->files, c->n_files);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* The same bytes in both versions (attached beside the text, inline in the
 * HTML) are one attachment, shown as attached under the attached name; a
 * file marked as an attachment inside the HTML version is kept too. */
static void
test_alternative_same_file_in_both_versions (void **state)
{
    (void) state;
    const char *raw =
        "From: ana@example.com\r\nSubject: print\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=A\r\n\r\n"
        "--A\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n"
        "--M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nO erro está no print.\r\n"
        "--M\r\nContent-Type: image/png\r\n"
        "Content-Disposition: attachment; filename=\"erro.png\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
        "--M--\r\n"
        "--A\r\nContent-Type: multipart/related; boundary=R\r\n\r\n"
        "--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>O erro está no print.</p><img src=\"cid:i1\">\r\n"
        "--R\r\nContent-Type: image/png; name=\"image001.png\"\r\nContent-ID: <i1>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
        "--R\r\nContent-Type: text/csv\r\n"
        "Content-Disposition: attachment; filename=\"log.csv\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naG9yYTtlcnJv\r\n"
        "--R--\r\n"
        "--A--\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.body, "O erro está no print.");
    const s_file_t files[] = {
        {"erro.png", "image/png", false,
         "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
        {"log.csv", "text/csv", false,
         "4ca6c93351f93837935f1add315ca1b0091b30ff49acb9328587ec635c064836"},
    };
    s_check_files ("same file in both versions", &m, files, 2);
    intake_mail_clear (&m);
}

/* ---- HTML to text ---- */

static void
test_html_to_text (void **state)
{
    (void) state;
    const char *raw =
        "From: ana@example.com\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<!DOCTYPE html><html><body><!-- comentário -->"
        "<div>Ol&aacute;,<br>n&atilde;o consigo   entrar &amp; o erro &eacute; &#8220;401&#8221;"
        "&#x21;</div><p>Passos:</p><ul><li>abrir</li><li>clicar &lt;Entrar&gt;</li></ul>"
        "<p>Obrigada&nbsp;&#150; Ana<a href=\"x>y\">.</a></p>"
        "<blockquote><p>Mensagem antiga</p></blockquote>&bogus; &amp</body></html>";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.body, "Olá,\nnão consigo entrar & o erro é “401”!\n\nPassos:\n\n"
                                 "abrir\nclicar <Entrar>\n\nObrigada – Ana.\n\n> Mensagem antiga\n\n"
                                 "&bogus; &amp");
    assert_string_equal (m.reply, "Olá,\nnão consigo entrar & o erro é “401”!\n\nPassos:\n\n"
                                  "abrir\nclicar <Entrar>\n\nObrigada – Ana.\n\n&bogus; &amp");
    intake_mail_clear (&m);
}

/* Gmail's HTML-only reply: the quote is a blockquote after the attribution. */
static void
test_html_reply_gmail (void **state)
{
    (void) state;
    const char *raw =
        "From: ana@example.com\r\nSubject: Re: x\r\n"
        "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<div dir=3D\"ltr\">Ainda n=C3=A3o funciona.</div><br><div class=3D\"gmail_quote\">"
        "<div dir=3D\"ltr\" class=3D\"gmail_attr\">Em seg., 3 de jun. de 2024 =C3=A0s 14:22, "
        "Suporte &lt;<a href=3D\"mailto:s@balcao.local\">s@balcao.local</a>&gt; escreveu:<br>"
        "</div><blockquote class=3D\"gmail_quote\"><p>Tente de novo.</p></blockquote></div>\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.body, "Ainda não funciona.\n\nEm seg., 3 de jun. de 2024 às 14:22, "
                                 "Suporte <s@balcao.local> escreveu:\n\n> Tente de novo.");
    assert_string_equal (m.reply, "Ainda não funciona.");
    intake_mail_clear (&m);
}

/* ---- quoted history ---- */

typedef struct {
    const char *name;
    const char *body;
    const char *reply;
} s_quote_case_t;

static const s_quote_case_t s_quote_cases[] = {
    {"Gmail pt-BR, attribution wrapped",
     "Obrigado, funcionou!\n\nEm seg., 3 de jun. de 2024 às 14:22, Suporte Balcão <\n"
     "suporte@balcao.local> escreveu:\n\n> Olá, tente reiniciar o serviço.\n>\n",
     "Obrigado, funcionou!"},
    {"Gmail pt-BR, one line",
     "Segue o print.\nEm qua., 5 de jun. de 2024 10:00, Ana <ana@x.com.br> escreveu:\n> antigo\n",
     "Segue o print."},
    {"Outlook pt-BR De:/Enviado:",
     "Segue o log em anexo.\n\nAtt,\nCarlos\n\n________________________________\n"
     "De: Suporte Balcão <suporte@balcao.local>\nEnviado: segunda-feira, 3 de junho de 2024 14:22\n"
     "Para: Carlos <carlos@cliente.com.br>\nAssunto: RE: [Chamado #12] Erro ao exportar\n\n"
     "Olá Carlos, pode enviar o log?\n",
     "Segue o log em anexo.\n\nAtt,\nCarlos"},
    {"Outlook pt-BR desktop, bold labels",
     "Pode fechar.\n\n*De:* Suporte <suporte@balcao.local>\n*Enviada em:* terça-feira, 4 de junho\n"
     "*Para:* Carlos\n*Assunto:* RE: Chamado\n\ntexto antigo\n",
     "Pode fechar."},
    {"Outlook English From:/Sent:",
     "Thanks, it works now.\n\nFrom: Support <support@balcao.local>\n"
     "Sent: Monday, June 3, 2024 2:22 PM\nTo: Ana <ana@example.com>\nSubject: RE: Login\n\nold\n",
     "Thanks, it works now."},
    {"-----Mensagem original-----",
     "Ok, aguardo o retorno.\n\n-----Mensagem original-----\nDe: Suporte\nEnviada em: hoje\n"
     "Para: Ana\nAssunto: Chamado\n\nantigo\n",
     "Ok, aguardo o retorno."},
    {"-----Original Message-----",
     "See the attached file.\n-----Original Message-----\nFrom: Support\nold text\n",
     "See the attached file."},
    {"On ... wrote:",
     "Yes, still broken.\n\nOn Mon, Jun 3, 2024 at 2:22 PM Support <support@balcao.local> wrote:\n"
     "> Did the restart help?\n",
     "Yes, still broken."},
    {"iPhone, quote with its own attribution",
     "Pode fechar o chamado.\n\nEnviado do meu iPhone\n\n"
     "> Em 3 de jun. de 2024, à(s) 14:22, Suporte <s@balcao.local> escreveu:\n>\n> Resolvido?\n",
     "Pode fechar o chamado."},
    {"Sent from my iPhone", "Works now.\n\nSent from my iPhone\n", "Works now."},
    {"Enviado do meu Android before the attribution",
     "Não recebi o código.\nEnviado do meu Android\n\nEm ter, 4 de jun de 2024 09:10, Suporte "
     "<s@balcao.local> escreveu:\n> Enviamos o código.\n",
     "Não recebi o código."},
    {"signature delimiter", "Bom dia, o erro voltou.\n\n-- \nAna Lima\nFinanceiro\n",
     "Bom dia, o erro voltou."},
    {"answers between quoted lines",
     "> Qual versão?\n3.2\n> Qual navegador?\nFirefox\n", "3.2\nFirefox"},
    {"no quote at all", "Olá,\n\nDe 10h às 12h o sistema caiu.\nEnviado do meu computador o log?\n",
     "Olá,\n\nDe 10h às 12h o sistema caiu.\nEnviado do meu computador o log?"},
    {"only a quote: the whole text", "> só a citação\n", "> só a citação"},
    {"forwarded without a note",
     "---------- Forwarded message ---------\nFrom: Bank <b@x>\nDate: today\n\nBoleto\n",
     "---------- Forwarded message ---------\nFrom: Bank <b@x>\nDate: today\n\nBoleto"},
    {"forwarded with a note: the forward is what they want us to read",
     "Segue o e-mail do banco.\n\n---------- Mensagem encaminhada ---------\nDe: Banco <b@x>\n"
     "Data: hoje\n\nBoleto vencido\n",
     "Segue o e-mail do banco.\n\n---------- Mensagem encaminhada ---------\nDe: Banco <b@x>\n"
     "Data: hoje\n\nBoleto vencido"},
};

static void
test_quoted_history (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_quote_cases / sizeof s_quote_cases[0]; i++) {
        const s_quote_case_t *c = &s_quote_cases[i];
        char *raw = g_strdup_printf ("From: ana@example.com\r\nSubject: Re: x\r\n"
                                     "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
                                     c->body);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        if (strcmp (m.reply, c->reply) != 0)
            fail_msg ("%s: reply \"%s\", want \"%s\"", c->name, m.reply, c->reply);
        /* body keeps everything */
        char *whole = g_strstrip (g_strdup (c->body));
        assert_string_equal (m.body, whole);
        g_free (whole);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* ---- robots, one header at a time ---- */

typedef struct {
    const char *headers; /* extra header lines */
    const char *subject;
    bool with_site;
    intake_mail_class_t expected;
    const char *reason;
} s_robot_case_t;

static const s_robot_case_t s_robot_cases[] = {
    {"", "Dúvida sobre boleto", true, INTAKE_MAIL_HUMAN, "none"},
    {"Auto-Submitted: no\r\n", "Dúvida", true, INTAKE_MAIL_HUMAN, "none"},
    {"Auto-Submitted: auto-generated\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "auto-submitted"},
    {"Auto-Submitted: auto-replied\r\n", "Re: Dúvida", true, INTAKE_MAIL_AUTO, "auto-submitted"},
    {"X-Autoreply: yes\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "x-autoreply"},
    {"X-Autorespond: yes\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "x-autorespond"},
    {"X-Auto-Response-Suppress: All\r\n", "Dúvida", true, INTAKE_MAIL_AUTO,
     "x-auto-response-suppress"},
    {"Precedence: bulk\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "precedence"},
    {"Precedence: junk\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "precedence"},
    {"Precedence: list\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "precedence"},
    {"Precedence: normal\r\n", "Dúvida", true, INTAKE_MAIL_HUMAN, "none"},
    {"List-Id: Novidades <news.example.com>\r\n", "Promoção de férias", true, INTAKE_MAIL_AUTO,
     "list-id"},
    {"List-Unsubscribe: <mailto:sair@example.com>\r\n", "News", true, INTAKE_MAIL_AUTO,
     "list-unsubscribe"},
    {"Return-Path: <>\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "null-return-path"},
    {"Return-Path: <ana@example.com>\r\n", "Dúvida", true, INTAKE_MAIL_HUMAN, "none"},
    {"X-Loop: balcao.bc@balcao.local\r\n", "Dúvida", true, INTAKE_MAIL_AUTO, "x-loop"},
    {"X-Loop: balcao.bc@balcao.local\r\n", "Dúvida", false, INTAKE_MAIL_HUMAN, "none"},
    {"X-Loop: outro@example.com\r\n", "Dúvida", true, INTAKE_MAIL_HUMAN, "none"},
    {"Message-ID: <balcao.bc.t7.0123@balcao.local>\r\n", "Dúvida", true, INTAKE_MAIL_AUTO,
     "own-message-id"},
    {"Message-ID: <abc@balcao.local.example.com>\r\n", "Dúvida", true, INTAKE_MAIL_HUMAN, "none"},
    {"Auto-Submitted: auto-replied\r\n", "Resposta automática: Dúvida", true,
     INTAKE_MAIL_OUT_OF_OFFICE, "subject"},
    {"Auto-Submitted: auto-replied\r\n", "Re: Dúvida - Ausência temporária", true,
     INTAKE_MAIL_OUT_OF_OFFICE, "subject"},
    {"Auto-Submitted: auto-replied (vacation)\r\n", "Re: Dúvida", true,
     INTAKE_MAIL_OUT_OF_OFFICE, "vacation"},
    {"Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n", "Re: Dúvida", true,
     INTAKE_MAIL_OUT_OF_OFFICE, "vacation"},
    {"", "Out of Office: Re: Login", true, INTAKE_MAIL_OUT_OF_OFFICE, "subject"},
    {"", "Automatic reply: Login", true, INTAKE_MAIL_OUT_OF_OFFICE, "subject"},
    {"", "Resposta automática: Login", true, INTAKE_MAIL_OUT_OF_OFFICE, "subject"},
    {"", "Suporte out of office hours?", true, INTAKE_MAIL_HUMAN, "none"},
};

static void
test_robot_headers (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_robot_cases / sizeof s_robot_cases[0]; i++) {
        const s_robot_case_t *c = &s_robot_cases[i];
        char *subject = g_mime_utils_header_encode_text (NULL, c->subject, "utf-8");
        char *raw = g_strdup_printf ("From: Ana <ana@example.com>\r\n%sSubject: %s\r\n\r\nOi\r\n",
                                     c->headers, subject);
        intake_mail_t m;
        char err[256];
        assert_int_equal (intake_mail_parse_site ((const uint8_t *) raw, strlen (raw),
                                                  c->with_site ? &s_site : NULL, &m, err,
                                                  sizeof err),
                          0);
        if (m.mail_class != c->expected || strcmp (m.class_reason, c->reason) != 0)
            fail_msg ("case %zu (%s / %s): %s/%s, want %s/%s", i, c->headers, c->subject,
                      intake_mail_class_name (m.mail_class), m.class_reason,
                      intake_mail_class_name (c->expected), c->reason);
        intake_mail_clear (&m);
        g_free (raw);
        g_free (subject);
    }
}

/* Gmail's older bounces are no multipart/report: the original headers are
 * quoted in the text. */
static void
test_bounce_with_headers_in_text (void **state)
{
    (void) state;
    const char *raw = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
                      "Subject: Delivery Status Notification (Failure)\r\n"
                      "X-Failed-Recipients: ana@cliente.com.br\r\n"
                      "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
                      "Delivery to the following recipient failed permanently:\r\n\r\n"
                      "     ana@cliente.com.br\r\n\r\n"
                      "----- Original message -----\r\n\r\n"
                      "From: suporte@balcao.local\r\n"
                      "Message-ID: <balcao.bc.t9.00aa@balcao.local>\r\n"
                      "Subject: [Chamado #9] Recebemos seu chamado\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (intake_mail_parse_site ((const uint8_t *) raw, strlen (raw), &s_site, &m,
                                              err, sizeof err),
                      0);
    assert_int_equal (m.mail_class, INTAKE_MAIL_BOUNCE);
    assert_string_equal (m.report_recipient, "ana@cliente.com.br");
    assert_string_equal (m.report_message_id, "balcao.bc.t9.00aa@balcao.local");
    intake_mail_clear (&m);
}

static void
test_bounce_with_rfc822_headers_part (void **state)
{
    (void) state;
    const char *raw =
        "From: MAILER-DAEMON@mx.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n"
        "--R\r\nContent-Type: text/plain\r\n\r\nSua mensagem não foi entregue.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; <carlos@cliente.com.br>\r\nAction: failed\r\n"
        "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: suporte@balcao.local\r\nMessage-ID: <balcao.bc.t3.beef@balcao.local>\r\n"
        "--R--\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_int_equal (m.mail_class, INTAKE_MAIL_BOUNCE);
    assert_string_equal (m.report_recipient, "carlos@cliente.com.br");
    assert_string_equal (m.report_message_id, "balcao.bc.t3.beef@balcao.local");
    assert_string_equal (m.body, "Sua mensagem não foi entregue.");
    assert_int_equal (m.n_attachments, 0);
    intake_mail_clear (&m);
}

/* ---- the shared corpus: every file, what a user would notice ---- */

typedef struct {
    const char *file;
    const char *subject;        /* NULL: not checked */
    const char *phrase;         /* in body */
    const char *reply;          /* NULL: not checked; else reply equals it */
    intake_mail_class_t mail_class;
    const char *recipient;      /* report_recipient, NULL: "" */
    const char *report_id;      /* report_message_id, NULL: "" */
    const char *attachment;     /* a file name among the attachments, NULL: none expected */
    const char *attachment_sha; /* its sha256, NULL: not checked */
    bool no_markup;             /* HTML rendered: no tag, no entity left */
} s_sample_t;

static const s_sample_t s_samples[] = {
    {"chatwoot__bounced_gmail.eml", "Delivery Status Notification (Failure)", "Address not found",
     NULL, INTAKE_MAIL_BOUNCE, "alex.jones@fictionalcorp.com",
     "conversation/93775311-9416-4428-964b-862001f8a8b2/messages/27855337@gmail.com", "icon.png",
     NULL, false},
    {"chatwoot__mail_with_quote_gmail_reply.eml", "Re: Checking mail forwarding to cw inbox",
     "> Any update on this?", "Yes, I am providing you step how to reproduce this issue",
     INTAKE_MAIL_HUMAN, NULL, NULL, NULL, NULL, false},
    {"hunny__legacy-003.eml", "Die Hasen und die Frösche",
     "Die Hasen klagten einst über ihre mißliche Lage", NULL, INTAKE_MAIL_HUMAN, NULL, NULL, NULL,
     NULL, false},
    {"hunny__legacy-012.eml", "Die Hasen und die Frösche (Microsoft Outlook 00)",
     "das außerordentliche Getöse", NULL, INTAKE_MAIL_HUMAN, NULL, NULL, NULL, NULL, false},
    {"hunny__legacy-016.eml", "Die Hasen und die Frösche", "ungl\xc3\xbc" "cklicher sein",
     NULL, INTAKE_MAIL_HUMAN, NULL, NULL, "blueball.png", NULL, false},
    {"hunny__legacy-024.eml", "Die Hasen und die Frösche",
     "\"wir leben\", sprach ein Redner", NULL, INTAKE_MAIL_HUMAN, NULL, NULL, "2aa48eb6.png",
     "68aa843030f8c6ad625450054732fe0f3a680496d98f957d578192fa4469cec2", true},
    {"hunny__legacy-045.eml", "Die Hasen und die Frösche", "", NULL, INTAKE_MAIL_HUMAN, NULL,
     NULL, "HasenundFrösche.txt",
     "b2f89977566621c22db4aee82433c887d37cf52d4ccfec3a999a2a9ad58c0b48", false},
    {"mailparser__base64encodedroot.eml", "", "", NULL, INTAKE_MAIL_HUMAN, NULL, NULL,
     "screenshot.png", NULL, false},
    {"mailparser__delivery-status.eml", "Delivery Status Notification (Failure)",
     "An error occurred while trying to deliver", NULL, INTAKE_MAIL_BOUNCE, "xxxx@xxxx.com",
     "xxxxx@email.amazonses.com", NULL, NULL, false},
    {"mailparser__mixed.eml", "", "This e-mail message has been scanned for Viruses", NULL,
     INTAKE_MAIL_HUMAN, NULL, NULL, NULL, NULL, false},
    {"mailparser__nested.eml", "", "Good evening.\n\nThe footer", NULL, INTAKE_MAIL_HUMAN, NULL,
     NULL, NULL, NULL, false},
    {"mimekit__bounce.eml", "Undelivered Mail Returned to Sender",
     "your message could not\nbe delivered", NULL, INTAKE_MAIL_BOUNCE, "netec.test@netecgc.com",
     "44565655.JitbitHelpdesk.13439.691a0afc-a0a0-457c-8208-f20b7c4a4cb1@jitbit.com", NULL, NULL,
     false},
    {"mimekit__delivery-status.eml", "email delivery error", "err.nosuchuser", NULL,
     INTAKE_MAIL_BOUNCE, "newsletter-request@imusic.com", "31FC7EB4.41C6@netscape.com", NULL,
     NULL, false},
    {"mimekit__delivery-status2.eml", "Mail delivery failed: returning message to sender",
     "Unknown user", NULL, INTAKE_MAIL_BOUNCE, "source@domain.com", NULL, NULL, NULL, false},
    {"mimekit__disposition-notification.eml", "Disposition notification", "has been displayed",
     NULL, INTAKE_MAIL_READ_RECEIPT, "Joe_Recipient@example.com", "199509192301.23456@example.org",
     NULL, NULL, false},
    {"mimekit__empty-multipart.eml", "test of empty multipart/alternative",
     "This part should be on the same level", NULL, INTAKE_MAIL_HUMAN, NULL, NULL, NULL, NULL,
     false},
    {"mimekit__epilogue.eml", "Re: The Once and Future OS", "> NeXTSTEP, NeXTSTEP",
     "Don't you mean: \"NeXTstep, NeXTSTEP, NEXTSTEP...\"?", INTAKE_MAIL_HUMAN, NULL, NULL, "",
     NULL, false},
    {"mimekit__feedback-report.eml", "FW: Earn money", "This is an email abuse report", NULL,
     INTAKE_MAIL_FEEDBACK_REPORT, "user@example.com", "8787KJKJ3K4J3K4J3K4J3.mail@example.net",
     NULL, NULL, false},
    {"mimekit__japanese.eml", "日本語メールテスト (testing Japanese emails)",
     "日本語が\n正常に\n送れているか", NULL, INTAKE_MAIL_HUMAN, NULL, NULL, NULL, NULL, false},
    {"mimekit__missing-subtype.eml", "Test of an invalid mime-type", "", NULL, INTAKE_MAIL_HUMAN,
     NULL, NULL, "document.xml.gz", NULL, false},
    {"mimekit__multipart-related-mhtml.eml", "", "def", "def", INTAKE_MAIL_HUMAN, NULL, NULL, "",
     NULL, true},
    {"mimekit__simple-embedded-message.eml", "test of simple embedded message/rfc822 part",
     "This is the message body.\n\n---------- Mensagem encaminhada ----------\n"
     "De: mimekit@example.com\nData: Tue, 12 Nov 2013 09:12:42 -0500\n"
     "Assunto: embedded message\n\nThis is the embedded message body.",
     /* The forward is for us to read: in the reply too. */
     "This is the message body.\n\n---------- Mensagem encaminhada ----------\n"
     "De: mimekit@example.com\nData: Tue, 12 Nov 2013 09:12:42 -0500\n"
     "Assunto: embedded message\n\nThis is the embedded message body.",
     INTAKE_MAIL_HUMAN, NULL, NULL, "embedded message.eml", NULL, false},
};

static char *
s_read (const char *name, size_t *len)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", INTAKE_MAIL_SAMPLES, name);
    gchar *data = NULL;
    gsize size = 0;
    if (!g_file_get_contents (path, &data, &size, NULL))
        return NULL;
    *len = size;
    return data;
}

static bool
s_samples_present (void)
{
    return g_file_test (INTAKE_MAIL_SAMPLES, G_FILE_TEST_IS_DIR);
}

static void
s_check_sample (const s_sample_t *s)
{
    size_t len = 0;
    char *raw = s_read (s->file, &len);
    if (!raw)
        fail_msg ("%s: cannot read it", s->file);
    intake_mail_t m;
    char err[256];
    if (intake_mail_parse_site ((const uint8_t *) raw, len, &s_site, &m, err, sizeof err))
        fail_msg ("%s: %s", s->file, err);
    assert_true (g_utf8_validate (m.subject, -1, NULL));
    assert_true (g_utf8_validate (m.body, -1, NULL));
    assert_true (g_utf8_validate (m.reply, -1, NULL));
    if (s->subject && strcmp (m.subject, s->subject) != 0)
        fail_msg ("%s: subject \"%s\"", s->file, m.subject);
    if (!strstr (m.body, s->phrase))
        fail_msg ("%s: body lacks \"%s\":\n%s", s->file, s->phrase, m.body);
    if (s->reply && strcmp (m.reply, s->reply) != 0)
        fail_msg ("%s: reply \"%s\"", s->file, m.reply);
    if (m.mail_class != s->mail_class)
        fail_msg ("%s: class %s (%s)", s->file, intake_mail_class_name (m.mail_class),
                  m.class_reason);
    assert_string_equal (m.report_recipient, s->recipient ? s->recipient : "");
    assert_string_equal (m.report_message_id, s->report_id ? s->report_id : "");
    if (s->no_markup && (strchr (m.body, '<') || strstr (m.body, "&quot;") ||
                         strstr (m.body, "&nbsp;") || strstr (m.body, "cs2654AE3A")))
        fail_msg ("%s: markup left in the body:\n%s", s->file, m.body);
    bool found = s->attachment == NULL && m.n_attachments == 0;
    for (size_t i = 0; s->attachment && i < m.n_attachments; i++) {
        if (strcmp (m.attachments[i].filename, s->attachment) != 0)
            continue;
        found = true;
        if (s->attachment_sha)
            assert_string_equal (m.attachments[i].sha256, s->attachment_sha);
    }
    if (!found)
        fail_msg ("%s: attachment \"%s\" not found among %zu", s->file,
                  s->attachment ? s->attachment : "(none)", m.n_attachments);
    intake_mail_clear (&m);
    g_free (raw);
}

static void
test_shared_samples (void **state)
{
    (void) state;
    if (!s_samples_present ())
        skip ();
    for (size_t i = 0; i < sizeof s_samples / sizeof s_samples[0]; i++)
        s_check_sample (&s_samples[i]);
}

/* Every .eml of the corpus has its expectations above: a new sample must
 * come with what a user would see in it. */
static void
test_every_sample_is_checked (void **state)
{
    (void) state;
    if (!s_samples_present ())
        skip ();
    DIR *dir = opendir (INTAKE_MAIL_SAMPLES);
    assert_non_null (dir);
    struct dirent *e;
    size_t count = 0;
    while ((e = readdir (dir))) {
        if (!g_str_has_suffix (e->d_name, ".eml"))
            continue;
        count++;
        bool known = false;
        for (size_t i = 0; i < sizeof s_samples / sizeof s_samples[0]; i++)
            known = known || strcmp (s_samples[i].file, e->d_name) == 0;
        if (!known)
            fail_msg ("%s has no expectations in s_samples", e->d_name);
    }
    closedir (dir);
    assert_int_equal (count, sizeof s_samples / sizeof s_samples[0]);
}

/* Subjects as people read them (intake_words): what Debian 12's GMime got
 * wrong. */
static void
test_subject_encoded_words (void **state)
{
    (void) state;
    intake_mail_t m;
    char err[256];
    static const struct {
        const char *header, *want;
    } cases[] = {
        /* A UTF-8 character split over two words. */
        {"=?UTF-8?B?SW1wcmVzc8M=?= =?UTF-8?B?o28gZG8gY2FiZcOnYWxobw==?=",
         "Impressão do cabeçalho"},
        /* Words that end in padding, each decoded on its own. */
        {"=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=", "ab"},
        /* A long CJK subject over five words, folded over lines, characters
         * split between them. */
        {"=?UTF-8?B?6K+35biu5oiR5qOA5p+l5LiA5Lg=?=\r\n =?UTF-8?B?i+i/meS4quWPkeelqOaJk+WNsOk=?="
         "\r\n\t=?UTF-8?B?l67popjku6Xlj4rns7vnu5/nmbs=?= =?UTF-8?B?5b2V5aSx6LSl55qE5Y6f5Zug6LA=?="
         " =?UTF-8?B?ouiwog==?=",
         "请帮我检查一下这个发票打印问题以及系统登录失败的原因谢谢"},
        /* Portuguese in Q, with plain words around and folding. */
        {"Re: =?ISO-8859-1?Q?N=E3o_consigo?=\r\n =?ISO-8859-1?Q?_emitir_a_nota?= fiscal",
         "Re: Não consigo emitir a nota fiscal"},
        /* Folding inside plain text: one space, no CR/LF kept. */
        {"Erro ao gerar o boleto\r\n  de novembro", "Erro ao gerar o boleto de novembro"},
        /* A blank between a word and plain text stays. */
        {"=?UTF-8?Q?Relat=C3=B3rio?= mensal", "Relatório mensal"},
        /* Two charsets side by side. */
        {"=?ISO-8859-1?Q?a=E7=E3o?= =?UTF-8?B?w6k=?=", "açãoé"},
        /* A malformed word is text. */
        {"=?UTF-8?X?abc?= fim", "=?UTF-8?X?abc?= fim"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *raw = g_strdup_printf ("From: ana@example.com\r\nSubject: %s\r\n\r\ncorpo\r\n",
                                     cases[i].header);
        assert_int_equal (s_parse (raw, &m, err), 0);
        if (strcmp (m.subject, cases[i].want) != 0)
            fail_msg ("case %zu: %s -> \"%s\", want \"%s\"", i, cases[i].header, m.subject,
                      cases[i].want);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* Every HTML5 named entity (intake_entities.h, generated from the WHATWG
 * list), not a hand-picked few: Greek, maths, arrows, two-character ones. */
static void
test_html5_entities (void **state)
{
    (void) state;
    const char *raw =
        "From: ana@example.com\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>&Psi; &int; &uArr; &rarr; &euro; &hellip; &NotEqualTilde; &fjlig; &frac78; "
        "&Ccedil;&atilde;o &lowast;x&nbsp;y &AMP; &notanentity; &psi</p>";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.body, "Ψ ∫ ⇑ → € … ≂̸ fj ⅞ Ção ∗x y & &notanentity; &psi");
    intake_mail_clear (&m);
}

int
main (void)
{
    intake_mail_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_subject_encoded_words),
        cmocka_unit_test (test_html5_entities),
        cmocka_unit_test (test_latin1_subject_and_qp_body),
        cmocka_unit_test (test_multipart_prefers_plain_text),
        cmocka_unit_test (test_html_only_has_no_tags),
        cmocka_unit_test (test_missing_headers),
        cmocka_unit_test (test_bom_before_headers),
        cmocka_unit_test (test_charsets),
        cmocka_unit_test (test_attachment_names_and_hashes),
        cmocka_unit_test (test_client_mails_keep_every_file),
        cmocka_unit_test (test_alternative_same_file_in_both_versions),
        cmocka_unit_test (test_html_to_text),
        cmocka_unit_test (test_html_reply_gmail),
        cmocka_unit_test (test_quoted_history),
        cmocka_unit_test (test_robot_headers),
        cmocka_unit_test (test_bounce_with_headers_in_text),
        cmocka_unit_test (test_bounce_with_rfc822_headers_part),
        cmocka_unit_test (test_shared_samples),
        cmocka_unit_test (test_every_sample_is_checked),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
