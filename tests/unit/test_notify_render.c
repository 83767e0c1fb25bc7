/* notify_render: the acknowledgement a customer reads, parsed back with the
 * same MIME parser intake uses: subject tag, threading headers, pt-BR and
 * English text. */
#include "intake_mail.h"
#include "notify_render.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static notify_ack_t
s_ack (const char *language)
{
    return (notify_ack_t) {
        .ticket = 42,
        .language = language,
        .customer_name = "Ana Lima",
        .customer_address = "ana@clinicavida.com.br",
        .subject = "Integração com a API retorna 401",
        .in_reply_to = "orig@clinicavida.com.br",
        .message_id = "balcao.bc.t42.0123@balcao.local",
        .from_name = "Suporte Balcão",
        .from_address = "suporte@balcao.local",
        .loop_tag = "balcao.bc@balcao.local",
        .time_us = 1764000000000000LL,
    };
}

static void
test_ack_pt_br (void **state)
{
    (void) state;
    notify_ack_t ack = s_ack ("pt-BR");
    size_t len;
    char *subject;
    char *mail = notify_render_ack (&ack, &len, &subject);
    assert_non_null (mail);
    assert_string_equal (subject, "[Chamado #42] Recebemos seu chamado: Integração com a API retorna 401");
    assert_non_null (strstr (mail, "Auto-Submitted: auto-replied"));
    assert_non_null (strstr (mail, "In-Reply-To: <orig@clinicavida.com.br>"));
    assert_non_null (strstr (mail, "X-Loop: balcao.bc@balcao.local"));
    assert_non_null (strstr (mail, "Content-Transfer-Encoding: quoted-printable"));
    intake_mail_t m;
    char err[256];
    assert_int_equal (intake_mail_parse ((uint8_t *) mail, len, &m, err, sizeof err), 0);
    assert_string_equal (m.message_id, "balcao.bc.t42.0123@balcao.local");
    assert_string_equal (m.subject, subject);
    assert_string_equal (m.from_name, "Suporte Balcão");
    assert_non_null (strstr (m.body, "Olá, Ana Lima"));
    assert_non_null (strstr (m.body, "Recebemos seu chamado #42 sobre “Integração com a API retorna 401”"));
    assert_non_null (strstr (m.body, "1 dia útil"));
    intake_mail_clear (&m);
    free (mail);
    free (subject);
}

static void
test_ack_english (void **state)
{
    (void) state;
    notify_ack_t ack = s_ack ("en");
    size_t len;
    char *subject;
    char *mail = notify_render_ack (&ack, &len, &subject);
    intake_mail_t m;
    char err[256];
    assert_int_equal (intake_mail_parse ((uint8_t *) mail, len, &m, err, sizeof err), 0);
    assert_non_null (strstr (subject, "[Chamado #42] We received your request"));
    assert_non_null (strstr (m.body, "Hello Ana Lima"));
    assert_non_null (strstr (m.body, "one business day"));
    assert_null (strstr (m.body, "Recebemos"));
    intake_mail_clear (&m);
    free (mail);
    free (subject);
}

int
main (void)
{
    notify_render_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ack_pt_br),
        cmocka_unit_test (test_ack_english),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
