/* bc_phone: a WhatsApp number's identity, with and without Brazil's ninth
 * digit. The numbers are of the shapes Meta sends (wa_id, messages[].from):
 * the webhook samples' Israeli and US numbers, and São Paulo, Rio, Belo
 * Horizonte, Brasília, Manaus mobiles and landlines. */
#include "bc_phone.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static const char *
s_id (const char *number)
{
    static char out[BC_PHONE_MAX];
    if (bc_phone_whatsapp_id (number, out, sizeof out))
        return "(none)";
    return out;
}

static const char *
s_alias (const char *id)
{
    static char out[BC_PHONE_MAX];
    if (bc_phone_whatsapp_alias (id, out, sizeof out))
        return "(none)";
    return out;
}

static void
test_brazilian_mobile_gets_its_ninth_digit (void **state)
{
    (void) state;
    /* São Paulo, Rio, BH, Brasília, Manaus; first local digit 6 to 9. */
    assert_string_equal (s_id ("551187654321"), "5511987654321");
    assert_string_equal (s_id ("552199990001"), "5521999990001");
    assert_string_equal (s_id ("553188880002"), "5531988880002");
    assert_string_equal (s_id ("556177770003"), "5561977770003");
    assert_string_equal (s_id ("559266554433"), "5592966554433");
    /* Already with it: unchanged, and both forms are one identity. */
    assert_string_equal (s_id ("5511987654321"), "5511987654321");
    assert_string_equal (s_id ("5592966554433"), "5592966554433");
    /* As people write it. */
    assert_string_equal (s_id ("+55 (11) 8765-4321"), "5511987654321");
    assert_string_equal (s_id ("+55 11 98765-4321"), "5511987654321");
}

static void
test_what_stays_as_it_is (void **state)
{
    (void) state;
    /* Landlines: first local digit 2 to 5. */
    assert_string_equal (s_id ("551132654321"), "551132654321");
    assert_string_equal (s_id ("552125550101"), "552125550101");
    assert_string_equal (s_id ("553140001234"), "553140001234");
    assert_string_equal (s_id ("556155556666"), "556155556666");
    /* Other countries (Meta's samples), even 12 digits starting "55"... */
    assert_string_equal (s_id ("972987654321"), "972987654321");
    assert_string_equal (s_id ("16505551234"), "16505551234");
    assert_string_equal (s_id ("15550783881"), "15550783881");
    /* ...no DDD holds a 0, and no local number starts with 0 or 1. */
    assert_string_equal (s_id ("551087654321"), "551087654321");
    assert_string_equal (s_id ("550187654321"), "550187654321");
    assert_string_equal (s_id ("551117654321"), "551117654321");
    assert_string_equal (s_id ("551107654321"), "551107654321");
    /* 11 or 14 digits "55...": not a Brazilian number we know; kept. */
    assert_string_equal (s_id ("55118765432"), "55118765432");
    assert_string_equal (s_id ("55119876543210"), "55119876543210");
    /* A 13-digit Brazilian number is never shortened. */
    assert_string_equal (s_id ("5511923456789"), "5511923456789");
}

static void
test_what_is_not_a_number (void **state)
{
    (void) state;
    char out[BC_PHONE_MAX] = "x";
    assert_int_equal (bc_phone_whatsapp_id (NULL, out, sizeof out), -1);
    assert_string_equal (out, "");
    assert_string_equal (s_id (""), "(none)");
    assert_string_equal (s_id ("1234567"), "(none)");          /* 7 digits */
    assert_string_equal (s_id ("1234567890123456"), "(none)"); /* 16 */
    assert_string_equal (s_id ("5511987654321x"), "(none)");
    assert_string_equal (s_id ("whatsapp:+5511987654321"), "(none)");
    assert_string_equal (s_id ("US.13491208655302741918"), "(none)");
    assert_string_equal (s_id ("55\n11987654321"), "(none)");
    /* Too small an out is refused, never cut. */
    char small[13];
    assert_int_equal (bc_phone_whatsapp_id ("551187654321", small, sizeof small), -1);
    assert_int_equal (bc_phone_whatsapp_id ("551187654321", NULL, 0), -1);
}

static void
test_alias_is_the_inverse (void **state)
{
    (void) state;
    assert_string_equal (s_alias ("5511987654321"), "551187654321");
    assert_string_equal (s_alias ("5592966554433"), "559266554433");
    /* Round trip: the alias's identity is the identity. */
    const char *ids[] = {"5511987654321", "5521999990001", "5531988880002", "5561977770003"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_string_equal (s_id (s_alias (ids[i])), ids[i]);
    /* No alias: the short form would be a landline's (9 then 2-5), not
     * Brazil, a landline, a 12-digit number, not digits. */
    assert_string_equal (s_alias ("5511923456789"), "(none)");
    assert_string_equal (s_alias ("972987654321"), "(none)");
    assert_string_equal (s_alias ("551132654321"), "(none)");
    assert_string_equal (s_alias ("551187654321"), "(none)");
    assert_string_equal (s_alias ("5510987654321"), "(none)");
    assert_string_equal (s_alias ("5511887654321"), "(none)");
    assert_string_equal (s_alias ("55119876543x1"), "(none)");
    assert_string_equal (s_alias (NULL), "(none)");
}

static void
test_addresses (void **state)
{
    (void) state;
    char out[64];
    const char *cases[][2] = {
        {"whatsapp:+551187654321", "whatsapp:+5511987654321"},
        {"whatsapp:+5511987654321", "whatsapp:+5511987654321"},
        {"whatsapp:+551132654321", "whatsapp:+551132654321"},
        {"whatsapp:+972987654321", "whatsapp:+972987654321"},
        {"whatsapp:user:US.13491208655302741918", "whatsapp:user:US.13491208655302741918"},
        {"whatsapp:+abc", "whatsapp:+abc"},
        {"maria@example.com.br", "maria@example.com.br"},
        {"chat:5f2a", "chat:5f2a"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal (bc_phone_whatsapp_address (cases[i][0], out, sizeof out), 0);
        assert_string_equal (out, cases[i][1]);
    }
    char small[23]; /* "whatsapp:+5511987654321" needs 24 */
    assert_int_equal (bc_phone_whatsapp_address ("whatsapp:+551187654321", small, sizeof small),
                      -1);
    assert_string_equal (small, "");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_brazilian_mobile_gets_its_ninth_digit),
        cmocka_unit_test (test_what_stays_as_it_is),
        cmocka_unit_test (test_what_is_not_a_number),
        cmocka_unit_test (test_alias_is_the_inverse),
        cmocka_unit_test (test_addresses),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
