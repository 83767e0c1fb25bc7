/* intake_mail over mail from the wild (issue 15, items 10 and 12): raw
 * 8-bit headers in the charset the text declares, ISO-2022-JP with the NEC
 * characters glibc refuses and with broken bytes, mislabelled text; and
 * odd senders: a bounce from a bare "MAILER-DAEMON", Reply-To or Sender
 * when From has no address, "Name addr" without brackets, junk lines
 * before the headers, and input that is no message at all. The bytes in
 * each charset are made here from the UTF-8 a reader should see, with
 * glib's own converter, so no expectation is copied from intake. */
#include "intake_charset.h"
#include "intake_mail.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static int
s_parse_len (const char *raw, size_t len, intake_mail_t *m, char *err)
{
    return intake_mail_parse ((const uint8_t *) raw, len, m, err, 256);
}

static int
s_parse (const char *raw, intake_mail_t *m, char *err)
{
    return s_parse_len (raw, strlen (raw), m, err);
}

/* utf8 in charset (glib's converter); g_free it. */
static char *
s_in (const char *utf8, const char *charset)
{
    GError *error = NULL;
    char *bytes = g_convert (utf8, -1, charset, "UTF-8", NULL, NULL, &error);
    if (!bytes)
        fail_msg ("cannot write \"%s\" in %s: %s", utf8, charset, error->message);
    return bytes;
}

static void
s_assert_clean (const char *text)
{
    assert_true (g_utf8_validate (text, -1, NULL));
    assert_null (strchr (text, 0x1B));
}

/* ---- item 10: charsets ---- */

/* Foxmail and old Outlook in China: GB2312 bytes straight in Subject and in
 * From's name, the text saying charset=gb2312. */
static void
test_raw_gb2312_headers_follow_the_body (void **state)
{
    (void) state;
    const char *subject = "发票打印失败，请帮忙", *name = "张伟", *text = "您好，发票打印不出来。";
    char *subject_gb = s_in (subject, "GB2312"), *name_gb = s_in (name, "GB2312"),
         *text_gb = s_in (text, "GB2312");
    static const char *const types[] = {
        "text/plain; charset=gb2312",
        "multipart/alternative; boundary=b",
    };
    for (size_t i = 0; i < G_N_ELEMENTS (types); i++) {
        char *body = i == 0 ? g_strdup_printf ("%s\r\n", text_gb)
                            : g_strdup_printf ("--b\r\nContent-Type: text/plain; charset=GB2312\r\n"
                                               "\r\n%s\r\n--b\r\nContent-Type: text/html; "
                                               "charset=GB2312\r\n\r\n<p>%s</p>\r\n--b--\r\n",
                                               text_gb, text_gb);
        char *raw = g_strdup_printf ("From: %s <zhang@example.cn>\r\nSubject: %s\r\n"
                                     "MIME-Version: 1.0\r\nContent-Type: %s\r\n"
                                     "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
                                     name_gb, subject_gb, types[i], body);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        assert_string_equal (m.subject, subject);
        assert_string_equal (m.from_name, name);
        assert_string_equal (m.from_address, "zhang@example.cn");
        assert_non_null (strstr (m.body, text));
        intake_mail_clear (&m);
        g_free (raw);
        g_free (body);
    }
    g_free (subject_gb);
    g_free (name_gb);
    g_free (text_gb);
}

/* The order for raw header bytes: the declared charset, then UTF-8, then
 * Windows-1252. A single-byte charset reads anything, so UTF-8 that is
 * valid goes first there. */
/* The same mail with a file named in raw GB2312 and a forwarded message
 * whose From name is raw GB2312: GMime decodes those itself, with the
 * body's charset first among its fallbacks. */
static void
test_raw_gb2312_file_name_and_forward (void **state)
{
    (void) state;
    const char *file = "发票.pdf", *who = "李娜";
    char *file_gb = s_in (file, "GB2312"), *who_gb = s_in (who, "GB2312");
    char *text_gb = s_in ("请看附件。", "GB2312");
    char *raw = g_strdup_printf (
        "From: a@example.cn\r\nSubject: x\r\nMessage-ID: <gbfile@example.cn>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n%s\r\n"
        "--b\r\nContent-Type: application/pdf; name=\"%s\"\r\n"
        "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n%%PDF-1.4\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: %s <li@example.cn>\r\nSubject: y\r\n\r\nhello\r\n"
        "--b--\r\n",
        text_gb, file_gb, file_gb, who_gb);
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    bool has_file = false;
    for (size_t i = 0; i < m.n_attachments; i++)
        has_file = has_file || strcmp (m.attachments[i].filename, file) == 0;
    if (!has_file)
        fail_msg ("no attachment named %s (first: %s)", file,
                  m.n_attachments ? m.attachments[0].filename : "none");
    if (!strstr (m.body, "De: 李娜 <li@example.cn>"))
        fail_msg ("the forwarded From is not read in GB2312: %s", m.body);
    s_assert_clean (m.body);
    intake_mail_clear (&m);
    g_free (raw);
    g_free (file_gb);
    g_free (who_gb);
    g_free (text_gb);
}

static void
test_raw_header_order (void **state)
{
    (void) state;
    static const struct {
        const char *declared, *subject_charset, *subject;
    } cases[] = {
        {"utf-8", "WINDOWS-1252", "Não consigo emitir a nota"},
        {"iso-8859-1", "UTF-8", "Cotação de frete – urgente"},
        {"iso-8859-1", "ISO-8859-1", "Relatório não abre"},
        {"shift_jis", "CP932", "請求書①が届きません"},
        {"euc-kr", "CP949", "결제 오류"},
        {NULL, "UTF-8", "Impressão do cabeçalho"},
        {NULL, "WINDOWS-1252", "Sessão expirou – “de novo”"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
        char *bytes = s_in (cases[i].subject, cases[i].subject_charset);
        char *ct = cases[i].declared
                       ? g_strdup_printf ("Content-Type: text/plain; charset=%s\r\n",
                                          cases[i].declared)
                       : g_strdup ("");
        char *raw = g_strdup_printf ("From: a@example.com\r\nSubject: %s\r\n%s\r\nx\r\n", bytes,
                                     ct);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        if (strcmp (m.subject, cases[i].subject) != 0)
            fail_msg ("case %zu (%s body, %s subject): \"%s\", want \"%s\"", i,
                      cases[i].declared ? cases[i].declared : "no charset",
                      cases[i].subject_charset, m.subject, cases[i].subject);
        intake_mail_clear (&m);
        g_free (raw);
        g_free (ct);
        g_free (bytes);
    }
}

/* ISO-2022-JP text with ① (NEC row 13, which glibc's ISO-2022-JP refuses
 * and used to leave the whole body raw, escape sequences and all). */
static void
test_iso2022jp_nec_characters (void **state)
{
    (void) state;
    /* ① is NEC 0x2D21, ㈱ 0x2D6A, Ⅲ 0x2D37. */
    const char *raw = "From: tanaka@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCLSEbKEI=?=\r\n"
                      "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
                      "Content-Transfer-Encoding: 7bit\r\n\r\n"
                      "\x1b$B@A5a=q\x1b(B\x1b$B-!\x1b(B\x1b$B$N7o\x1b(B\r\n"
                      "\x1b$B-j\x1b(B\x1b$B%F%9%H\x1b(B \x1b$B-7\x1b(B\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    s_assert_clean (m.body);
    assert_string_equal (m.body, "請求書①の件\r\n㈱テスト Ⅲ");
    assert_string_equal (m.subject, "①");
    intake_mail_clear (&m);
}

/* One broken sequence: a U+FFFD where it was, everything else read. */
static void
test_iso2022jp_broken_sequence (void **state)
{
    (void) state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        /* an unassigned JIS row (15) between two good characters */
        {"\x1b$BF|/!K\\\x1b(B ok", "日\xEF\xBF\xBD本 ok"},
        /* an 8-bit byte in 7-bit text */
        {"\x1b$BF|\xff\x1b(B ok", "日\xEF\xBF\xBD ok"},
        /* an escape sequence no Japanese set has */
        {"\x1b$BF|\x1b(Z ok", "日\xEF\xBF\xBD ok"},
        /* a two-byte run cut short by the line end */
        {"\x1b$BF|K\r\nok", "日\xEF\xBF\xBD\r\nok"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
        char *raw = g_strdup_printf ("From: a@example.jp\r\nSubject: x\r\n"
                                     "Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n%s\r\n",
                                     cases[i].text);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        s_assert_clean (m.body);
        if (strcmp (m.body, cases[i].want) != 0)
            fail_msg ("case %zu: \"%s\", want \"%s\"", i, m.body, cases[i].want);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* Raw ISO-2022-JP in a Subject (old Japanese mailers skipped RFC 2047), and
 * in a body whose label says nothing or something else. */
static void
test_iso2022jp_without_its_label (void **state)
{
    (void) state;
    const char *raw = "From: a@example.jp\r\nSubject: \x1b$BF|K\\8l\x1b(B test\r\n"
                      "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
                      "\x1b$BF|K\\8l\x1b(B\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (raw, &m, err), 0);
    assert_string_equal (m.subject, "日本語 test");
    assert_string_equal (m.body, "日本語");
    intake_mail_clear (&m);
}

/* What a label cannot read becomes U+FFFD and the rest converts; a wrong
 * label over valid UTF-8 gives way to it; ESC never reaches the text. */
static void
test_convert_replaces_only_the_bad_part (void **state)
{
    (void) state;
    size_t replaced = 0;
    char *text = intake_charset_to_utf8 ("Sess\xe3o \x81 ok", 11, "windows-1252", &replaced);
    assert_string_equal (text, "Sessão \xEF\xBF\xBD ok");
    assert_int_equal (replaced, 1);
    free (text);

    char *sjis = s_in ("①番の請求書", "CP932");
    text = intake_charset_to_utf8 (sjis, strlen (sjis), "Shift_JIS", &replaced);
    assert_string_equal (text, "①番の請求書");
    assert_int_equal (replaced, 0);
    free (text);
    g_free (sjis);

    /* charset=iso-2022-jp over UTF-8 text */
    const char *utf8 = "Orçamento nº 5 – 日本";
    text = intake_charset_to_utf8 (utf8, strlen (utf8), "iso-2022-jp", &replaced);
    assert_string_equal (text, utf8);
    assert_int_equal (replaced, 0);
    free (text);

    /* a terminal's colour codes in UTF-8 text */
    text = intake_charset_to_utf8 ("a\x1b[31mb", 8, "utf-8", NULL);
    assert_string_equal (text, "a\xEF\xBF\xBD[31mb");
    free (text);

    /* an unknown label: UTF-8 when valid, else Windows-1252 */
    text = intake_charset_to_utf8 ("Cota\xe7\xe3o", 7, "x-nobody-knows", NULL);
    assert_string_equal (text, "Cotação");
    free (text);

    /* GB2312 text with a GBK-only character (the label means GBK) */
    char *gbk = s_in ("镕基", "GBK");
    text = intake_charset_to_utf8 (gbk, strlen (gbk), "gb2312", &replaced);
    assert_string_equal (text, "镕基");
    assert_int_equal (replaced, 0);
    free (text);
    g_free (gbk);

    text = intake_charset_header ("", 0, "gb2312");
    assert_string_equal (text, "");
    free (text);
}

/* ---- item 12: odd senders ---- */

static void
test_sender_without_brackets (void **state)
{
    (void) state;
    static const struct {
        const char *from, *address, *name;
    } cases[] = {
        {"Ana Souza ana@example.com", "ana@example.com", "Ana Souza"},
        {"\"Souza, Ana\" ana@example.com", "ana@example.com", "Souza, Ana"},
        {"=?UTF-8?Q?Jo=C3=A3o_Silva?= joao@example.com.br", "joao@example.com.br", "João Silva"},
        {"Ana Souza <ana@example.com>", "ana@example.com", "Ana Souza"},
        {"ana@example.com (Ana Souza)", "ana@example.com", "Ana Souza"},
        {"ana@example.com", "ana@example.com", ""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
        char *raw = g_strdup_printf ("From: %s\r\nSubject: x\r\n\r\ncorpo\r\n", cases[i].from);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        if (strcmp (m.from_address, cases[i].address) != 0 ||
            strcmp (m.from_name, cases[i].name) != 0)
            fail_msg ("From: %s -> <%s> \"%s\"", cases[i].from, m.from_address, m.from_name);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* No usable From: Reply-To, then Sender; From's name stays when the other
 * header has none. */
static void
test_sender_from_reply_to (void **state)
{
    (void) state;
    static const struct {
        const char *headers, *address, *name;
    } cases[] = {
        {"Reply-To: Bia Lima <bia@example.com>\r\n", "bia@example.com", "Bia Lima"},
        {"From: Bia Lima\r\nReply-To: bia@example.com\r\n", "bia@example.com", "Bia Lima"},
        {"From: undisclosed-recipients:;\r\nReply-To: <bia@example.com>\r\n", "bia@example.com",
         ""},
        {"Sender: Loja <loja@example.com>\r\n", "loja@example.com", "Loja"},
        {"From: Ana <ana@example.com>\r\nReply-To: bia@example.com\r\n", "ana@example.com", "Ana"},
        {"To: suporte@example.com\r\n", "", ""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
        char *raw = g_strdup_printf ("%sSubject: x\r\n\r\ncorpo\r\n", cases[i].headers);
        intake_mail_t m;
        char err[256];
        assert_int_equal (s_parse (raw, &m, err), 0);
        if (strcmp (m.from_address, cases[i].address) != 0 ||
            strcmp (m.from_name, cases[i].name) != 0)
            fail_msg ("case %zu -> <%s> \"%s\"", i, m.from_address, m.from_name);
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* A local MTA's bounce: From is just "MAILER-DAEMON", no domain. */
static void
test_bounce_from_bare_mailer_daemon (void **state)
{
    (void) state;
    const char *dsn = "From: MAILER-DAEMON\r\nTo: suporte@balcao.local\r\n"
                      "Subject: Undelivered Mail Returned to Sender\r\n"
                      "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n"
                      "\r\n--r\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n"
                      "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
                      "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; rita@loja.com.br\r\n"
                      "Action: failed\r\nStatus: 5.2.2\r\n\r\n"
                      "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                      "Message-ID: <balcao.bc.t1.a@balcao.local>\r\n\r\n--r--\r\n";
    intake_mail_t m;
    char err[256];
    assert_int_equal (s_parse (dsn, &m, err), 0);
    assert_string_equal (m.from_address, "MAILER-DAEMON");
    assert_int_equal (m.mail_class, INTAKE_MAIL_BOUNCE);
    assert_string_equal (m.report_recipient, "rita@loja.com.br");
    assert_string_equal (m.report_message_id, "balcao.bc.t1.a@balcao.local");
    intake_mail_clear (&m);

    /* Not a multipart/report: the sender and subject say it. */
    const char *plain = "From: Mail Delivery Subsystem <MAILER-DAEMON>\r\n"
                        "Subject: Returned mail: see transcript for details\r\n\r\n"
                        "   ----- The following addresses had permanent fatal errors -----\r\n"
                        "<rita@loja.com.br>\r\n\r\n"
                        "Message-ID: <balcao.bc.t2.b@balcao.local>\r\n";
    assert_int_equal (s_parse (plain, &m, err), 0);
    assert_string_equal (m.from_address, "MAILER-DAEMON");
    assert_int_equal (m.mail_class, INTAKE_MAIL_BOUNCE);
    assert_string_equal (m.report_message_id, "balcao.bc.t2.b@balcao.local");
    intake_mail_clear (&m);
}

static void
test_junk_before_headers (void **state)
{
    (void) state;
    static const char *const junk[] = {
        "From ana@example.com Mon Jan  1 00:00:00 2024\n",
        "garbage line here\r\n",
        "\r\n",
        "  \n",
        "X\n>From here\nthree words\n\n",
    };
    for (size_t i = 0; i < G_N_ELEMENTS (junk); i++) {
        char *raw = g_strdup_printf ("%sFrom: Ana Souza <ana@example.com>\r\n"
                                     "Subject: Boleto vencido\r\n\r\nCorpo.\r\n", junk[i]);
        intake_mail_t m;
        char err[256];
        if (s_parse (raw, &m, err))
            fail_msg ("junk %zu: %s", i, err);
        assert_string_equal (m.from_address, "ana@example.com");
        assert_string_equal (m.subject, "Boleto vencido");
        assert_string_equal (m.body, "Corpo.");
        intake_mail_clear (&m);
        g_free (raw);
    }
}

/* What is no message is still refused, with a sentence that says so. */
static void
test_not_a_message (void **state)
{
    (void) state;
    static const struct {
        const char *bytes;
        size_t len;
    } cases[] = {
#define S_BYTES(literal) {literal, sizeof (literal) - 1}
        S_BYTES ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10"),
        S_BYTES ("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0"),
        S_BYTES ("Olá, isto é só um texto\nsem cabeçalho algum.\n"),
        S_BYTES ("\n\nsó corpo\n"),
        S_BYTES ("1\n2\n3\n4\n5\n6\nFrom: a@example.com\n\nlonge demais\n"),
        S_BYTES (""),
#undef S_BYTES
    };
    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++) {
        intake_mail_t m;
        char err[256] = "";
        if (s_parse_len (cases[i].bytes, cases[i].len, &m, err) == 0)
            fail_msg ("case %zu parsed (from \"%s\", body \"%s\")", i, m.from_address, m.body);
        assert_non_null (strstr (err, "not an RFC 822 message"));
        assert_non_null (strstr (err, "no header field"));
    }
}

int
main (void)
{
    intake_mail_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_raw_gb2312_headers_follow_the_body),
        cmocka_unit_test (test_raw_gb2312_file_name_and_forward),
        cmocka_unit_test (test_raw_header_order),
        cmocka_unit_test (test_iso2022jp_nec_characters),
        cmocka_unit_test (test_iso2022jp_broken_sequence),
        cmocka_unit_test (test_iso2022jp_without_its_label),
        cmocka_unit_test (test_convert_replaces_only_the_bad_part),
        cmocka_unit_test (test_sender_without_brackets),
        cmocka_unit_test (test_sender_from_reply_to),
        cmocka_unit_test (test_bounce_from_bare_mailer_daemon),
        cmocka_unit_test (test_junk_before_headers),
        cmocka_unit_test (test_not_a_message),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
