/* intake_mail: what intake takes from an e-mail (decoded subject and sender,
 * UTF-8 text body, threading ids), and clear refusals. */
#include "intake_mail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

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
    assert_null (strstr (m.body, "<b>"));
    assert_string_equal (m.message_id, "");
    intake_mail_clear (&m);
}

static void
test_html_only_has_no_tags (void **state)
{
    (void) state;
    const char *raw = "From: ana@example.com\r\nSubject: html\r\n"
                      "Content-Type: text/html; charset=utf-8\r\n\r\n"
                      "<html><body><script>alert(1)</script><p>Preciso de ajuda</p></body></html>\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_non_null (strstr (m.body, "Preciso de ajuda"));
    assert_null (strchr (m.body, '<'));
    intake_mail_clear (&m);
}

static void
test_no_sender_is_refused (void **state)
{
    (void) state;
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse ("Subject: sem remetente\r\n\r\ncorpo\r\n", &m, err), -1);
    assert_non_null (strstr (err, "sender"));
    assert_int_equal (s_parse ("", &m, err), -1);
}

int
main (void)
{
    intake_mail_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_latin1_subject_and_qp_body),
        cmocka_unit_test (test_multipart_prefers_plain_text),
        cmocka_unit_test (test_html_only_has_no_tags),
        cmocka_unit_test (test_no_sender_is_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
