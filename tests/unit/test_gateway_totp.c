/* gateway_totp: RFC 6238's own test vectors (SHA-1, cut to 6 digits), the
 * window of one step either side, the enrolment's URI and QR code. */
#include "gateway_parse.h"
#include "gateway_totp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* RFC 6238, appendix B: the SHA-1 seed "12345678901234567890" in base32. */
static const char s_rfc_secret[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static void
test_rfc_vectors (void **state)
{
    (void) state;
    static const struct {
        time_t t;
        const char *code; /* the RFC's 8 digits, last 6 */
    } v[] = {{59, "287082"},
             {1111111109, "081804"},
             {1111111111, "050471"},
             {1234567890, "005924"},
             {2000000000, "279037"}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        int64_t step = -1;
        assert_true (gateway_totp_check (s_rfc_secret, v[i].code, v[i].t, &step));
        assert_int_equal (step, v[i].t / 30);
    }
}

static void
test_window (void **state)
{
    (void) state;
    int64_t step = 0;
    /* 287082 is the code of step 1 (t = 30..59): good one step either side. */
    assert_true (gateway_totp_check (s_rfc_secret, "287082", 89, &step));
    assert_int_equal (step, 1);
    assert_true (gateway_totp_check (s_rfc_secret, "287082", 5, &step));
    assert_int_equal (step, 1);
    assert_false (gateway_totp_check (s_rfc_secret, "287082", 90, &step));
    assert_false (gateway_totp_check (s_rfc_secret, "287083", 59, &step));
    assert_false (gateway_totp_check ("not base32!", "287082", 59, &step));
}

static void
test_enrolment (void **state)
{
    (void) state;
    char secret[GATEWAY_TOTP_SECRET_LEN + 1], other[GATEWAY_TOTP_SECRET_LEN + 1];
    assert_true (gateway_totp_secret_new (secret));
    assert_true (gateway_totp_secret_new (other));
    assert_int_equal (strlen (secret), 32);
    assert_int_equal (strspn (secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    assert_string_not_equal (secret, other);

    char uri[512];
    assert_true (gateway_totp_uri ("ana+n1@suporte.example", secret, uri, sizeof uri));
    char expected[512];
    snprintf (expected, sizeof expected,
              "otpauth://totp/Balc%%C3%%A3o:ana%%2Bn1@suporte.example?secret=%s"
              "&issuer=Balc%%C3%%A3o",
              secret);
    assert_string_equal (uri, expected);
    assert_false (gateway_totp_uri ("ana@suporte.example", secret, uri, 40));

    char *svg = gateway_totp_qr_svg (uri);
    assert_non_null (svg);
    assert_true (strncmp (svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    assert_non_null (strstr (svg, "h1v1h-1z"));
    assert_true (strcmp (svg + strlen (svg) - 6, "</svg>") == 0);
    free (svg);
}

static void
test_codes (void **state)
{
    (void) state;
    assert_true (gateway_parse_totp_code ("012345", 6));
    const char *bad[] = {"", "12345", "1234567", " 12345", "12345 ", "12 345", "-12345",
                         "+12345", "12345a", "１２３４５６"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false (gateway_parse_totp_code (bad[i], strlen (bad[i])));
    assert_false (gateway_parse_totp_code ("123456", 5));
    assert_false (gateway_parse_totp_code (NULL, 6));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_rfc_vectors),
        cmocka_unit_test (test_window),
        cmocka_unit_test (test_enrolment),
        cmocka_unit_test (test_codes),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
