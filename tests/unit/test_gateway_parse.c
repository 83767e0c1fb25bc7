/* gateway_parse and bc_token: what the gateway accepts from a request and
 * from its tokens file, each in one form only. */
#include "bc_token.h"
#include "gateway_parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void
test_ticket_numbers (void **state)
{
    (void) state;
    uint64_t n = 0;
    assert_true (gateway_parse_ticket_number ("1", &n));
    assert_true (n == 1);
    assert_true (gateway_parse_ticket_number ("4217", &n));
    assert_true (n == 4217);
    assert_true (gateway_parse_ticket_number ("18446744073709551615", &n));
    assert_true (n == UINT64_MAX);
    const char *bad[] = {"",   "0",  "-1", "+1", " 1", "1 ",  "01", "00", "1x",
                         "0x1", "1.0", "1e3", "18446744073709551616", "111111111111111111111",
                         "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 7;
        assert_false (gateway_parse_ticket_number (bad[i], &n));
        assert_true (n == 7); /* untouched */
    }
    assert_false (gateway_parse_ticket_number (NULL, &n));
}

static void
test_sha256 (void **state)
{
    (void) state;
    char good[65];
    for (int i = 0; i < 64; i++)
        good[i] = "0123456789abcdef"[i % 16];
    good[64] = 0;
    assert_true (gateway_parse_sha256 (good));
    char text[80];
    snprintf (text, sizeof text, "%.63s", good);
    assert_false (gateway_parse_sha256 (text));
    snprintf (text, sizeof text, "%sa", good);
    assert_false (gateway_parse_sha256 (text));
    snprintf (text, sizeof text, "%s", good);
    text[10] = 'A';
    assert_false (gateway_parse_sha256 (text));
    assert_false (gateway_parse_sha256 (""));
}

static void
test_bearer (void **state)
{
    (void) state;
    const char *token;
    size_t len;
    assert_true (gateway_parse_bearer ("Bearer balcao_abc-_09", &token, &len));
    assert_int_equal (len, 14);
    assert_memory_equal (token, "balcao_abc-_09", 14);
    assert_true (gateway_parse_bearer ("bearer   abc==", &token, &len));
    assert_int_equal (len, 5);
    const char *bad[] = {"", "Bearer", "Bearer ", "Bearer  ", "Basic abc", "Bearerabc",
                         "Bearer a b", "Bearer abc,", "Bearer =abc", "Bearer ab=c", "Bearer\tabc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (gateway_parse_bearer (bad[i], &token, &len));
    char big[GATEWAY_TOKEN_MAX + 16];
    memcpy (big, "Bearer ", 7);
    memset (big + 7, 'a', GATEWAY_TOKEN_MAX + 1);
    big[7 + GATEWAY_TOKEN_MAX + 1] = 0;
    assert_false (gateway_parse_bearer (big, &token, &len));
    big[7 + GATEWAY_TOKEN_MAX] = 0;
    assert_true (gateway_parse_bearer (big, &token, &len));
}

static void
test_unescape (void **state)
{
    (void) state;
    char a[] = "/api/tickets/%31%32", b[] = "1%00", c[] = "%2", d[] = "%zz%41";
    assert_int_equal (gateway_parse_unescape (a), strlen ("/api/tickets/12"));
    assert_string_equal (a, "/api/tickets/12");
    gateway_parse_unescape (b);
    assert_string_equal (b, "1%00"); /* a NUL would cut "1%00" down to "1" */
    gateway_parse_unescape (c);
    assert_string_equal (c, "%2");
    gateway_parse_unescape (d);
    assert_string_equal (d, "%zzA");
}

static void
test_token_lines (void **state)
{
    (void) state;
    char name[BC_TOKEN_NAME_MAX + 1];
    unsigned char hash[BC_TOKEN_HASH_SIZE], want[BC_TOKEN_HASH_SIZE];
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    for (int i = 0; i < BC_TOKEN_HASH_SIZE; i++)
        want[i] = (unsigned char) i;
    char line[200];
    snprintf (line, sizeof line, "erp.prod %s", hex);
    assert_true (bc_token_parse_line (line, strlen (line), name, hash));
    assert_string_equal (name, "erp.prod");
    assert_memory_equal (hash, want, sizeof want);
    snprintf (line, sizeof line, "bi\t %s\r", hex);
    assert_true (bc_token_parse_line (line, strlen (line), name, hash));
    assert_string_equal (name, "bi");
    const char *bad[] = {"", "# erp", "erp", "Erp %s", "-erp %s", "erp %s extra", "erp:x %s",
                         "erp %.63s", "erp %sff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf (line, sizeof line, bad[i], hex);
        assert_false (bc_token_parse_line (line, strlen (line), name, hash));
    }
    assert_true (bc_token_name_is_valid ("a", 1));
    assert_false (bc_token_name_is_valid ("", 0));
    assert_false (bc_token_name_is_valid ("a\0b", 3));
    char long_name[BC_TOKEN_NAME_MAX + 2];
    memset (long_name, 'a', sizeof long_name);
    assert_true (bc_token_name_is_valid (long_name, BC_TOKEN_NAME_MAX));
    assert_false (bc_token_name_is_valid (long_name, BC_TOKEN_NAME_MAX + 1));
    /* The hash is BLAKE2b-256 of the token's bytes, and depends on all. */
    unsigned char h1[BC_TOKEN_HASH_SIZE], h2[BC_TOKEN_HASH_SIZE];
    bc_token_hash ("balcao_x", 8, h1);
    bc_token_hash ("balcao_y", 8, h2);
    assert_memory_not_equal (h1, h2, sizeof h1);
}

static void
test_cookies (void **state)
{
    (void) state;
    const char *v;
    size_t n;
    assert_int_equal (gateway_parse_cookie ("a=1; balcao_session=xyz; b=2", "balcao_session", &v, &n),
                      GATEWAY_COOKIE_FOUND);
    assert_true (n == 3 && memcmp (v, "xyz", 3) == 0);
    assert_int_equal (gateway_parse_cookie ("balcao_session=\"q\"", "balcao_session", &v, &n),
                      GATEWAY_COOKIE_FOUND);
    assert_true (n == 1 && *v == 'q');
    /* The first of two wins; a trailing "; " is fine. */
    assert_int_equal (gateway_parse_cookie ("s=1; s=2; ", "s", &v, &n), GATEWAY_COOKIE_FOUND);
    assert_true (n == 1 && *v == '1');
    assert_int_equal (gateway_parse_cookie ("a=1", "s", &v, &n), GATEWAY_COOKIE_ABSENT);
    assert_int_equal (gateway_parse_cookie (NULL, "s", &v, &n), GATEWAY_COOKIE_ABSENT);
    assert_int_equal (gateway_parse_cookie ("", "s", &v, &n), GATEWAY_COOKIE_ABSENT);
    const char *bad[] = {"s",     "s=a b",  "=1",      "s=1;;t=2", "s=1,t=2", "s=\"1",
                         "s=\x01", "s=1 x", "s=a\\b", "s(x)=1",  "s=1; ; t=2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal (gateway_parse_cookie (bad[i], "s", &v, &n), GATEWAY_COOKIE_BAD);
    char big[GATEWAY_COOKIE_HEADER_MAX + 2];
    memset (big, 'a', sizeof big - 1);
    big[0] = 's', big[1] = '=';
    big[sizeof big - 1] = 0;
    assert_int_equal (gateway_parse_cookie (big, "s", &v, &n), GATEWAY_COOKIE_BAD);
    big[sizeof big - 2] = 0; /* exactly the limit */
    assert_int_equal (gateway_parse_cookie (big, "s", &v, &n), GATEWAY_COOKIE_FOUND);
}

static void
test_addresses (void **state)
{
    (void) state;
    char out[GATEWAY_ADDRESS_MAX + 1];
    assert_true (gateway_parse_address ("  Ana.Souza@Example.COM.br ", out, sizeof out));
    assert_string_equal (out, "ana.souza@example.com.br");
    assert_true (gateway_parse_address ("a+tag@x-y.io", out, sizeof out));
    const char *bad[] = {"",          "a",          "a@b",        "@b.c",      "a@.b",
                         "a@b..c",    "a@-b.c",     "a@b-.c",     "a b@c.d",   "a@b@c.d",
                         "\"a\"@b.c", "a@b.c,d@e.f", "<a@b.c>",   ".a@b.c",    "a.@b.c",
                         "a..b@c.d",  "ção@b.c",    "a@b_c.d",    "a@b.c\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (gateway_parse_address (bad[i], out, sizeof out));
    char longer[GATEWAY_ADDRESS_MAX + 2];
    memset (longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    memcpy (longer + sizeof longer - 7, "@b.com", 6);
    assert_false (gateway_parse_address (longer, out, sizeof out));
}

static void
test_passwords_and_secrets (void **state)
{
    (void) state;
    assert_true (gateway_parse_password ("0123456789", 10));
    assert_false (gateway_parse_password ("012345678", 9));
    /* Ten characters, twenty bytes. */
    const char *accents = "ãéíóúçâêôà";
    assert_true (gateway_parse_password (accents, strlen (accents)));
    char long_one[130];
    memset (long_one, 'x', sizeof long_one);
    assert_true (gateway_parse_password (long_one, 128));
    assert_false (gateway_parse_password (long_one, 129));
    assert_false (gateway_parse_password ("0123456789\xff", 11));
    assert_false (gateway_parse_password ("01234\0" "56789", 11));
    assert_false (gateway_parse_password ("0123456789\xc3", 11)); /* cut short */
    assert_true (gateway_parse_secret ("abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE", 43));
    assert_false (gateway_parse_secret ("abcdefghijklmnopqrstuvwxyz0123456789-_ABCD=", 43));
    assert_false (gateway_parse_secret ("abc", 3));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ticket_numbers), cmocka_unit_test (test_sha256),
        cmocka_unit_test (test_bearer),         cmocka_unit_test (test_unescape),
        cmocka_unit_test (test_token_lines),    cmocka_unit_test (test_cookies),
        cmocka_unit_test (test_addresses),      cmocka_unit_test (test_passwords_and_secrets),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
