/* gateway_seal: staff TOTP seeds sealed at rest, bound to their record. */
#include "gateway_seal.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SEED "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static void
test_sealed_seed_opens_only_for_its_record_and_key (void **state)
{
    (void) state;
    assert_true (sodium_init () >= 0);
    unsigned char key[GATEWAY_SEAL_KEY_SIZE], other[GATEWAY_SEAL_KEY_SIZE];
    randombytes_buf (key, sizeof key);
    randombytes_buf (other, sizeof other);
    char *box = gateway_seal (key, "ana@suporte.example", SEED);
    assert_true (gateway_seal_is_sealed (box));
    assert_null (strstr (box, SEED));
    char out[65];
    assert_true (gateway_seal_open (key, "ana@suporte.example", box, out, sizeof out));
    assert_string_equal (out, SEED);
    /* Moved to another person's record, or another key: it does not open. */
    assert_false (gateway_seal_open (key, "bia@suporte.example", box, out, sizeof out));
    assert_false (gateway_seal_open (other, "ana@suporte.example", box, out, sizeof out));
    /* One character changed: it does not open. */
    box[strlen (box) - 3] = box[strlen (box) - 3] == 'A' ? 'B' : 'A';
    assert_false (gateway_seal_open (key, "ana@suporte.example", box, out, sizeof out));
    /* Too small a buffer: refused, not cut. */
    char *again = gateway_seal (key, "ana@suporte.example", SEED);
    char small[8];
    assert_false (gateway_seal_open (key, "ana@suporte.example", again, small, sizeof small));
    /* Two seals of the same seed differ (a fresh nonce each). */
    char *third = gateway_seal (key, "ana@suporte.example", SEED);
    assert_string_not_equal (again, third);
    free (box);
    free (again);
    free (third);
}

static void
test_empty_and_old_values (void **state)
{
    (void) state;
    unsigned char key[GATEWAY_SEAL_KEY_SIZE] = {1};
    char *box = gateway_seal (key, "ana@suporte.example", "");
    assert_string_equal (box, "");
    free (box);
    char out[65];
    /* A seed stored before sealing reads as it is (start-up seals it). */
    assert_false (gateway_seal_is_sealed (SEED));
    assert_true (gateway_seal_open (key, "ana@suporte.example", SEED, out, sizeof out));
    assert_string_equal (out, SEED);
    assert_false (gateway_seal_open (key, "ana@suporte.example", "s1:não-é-base64", out,
                                     sizeof out));
    assert_false (gateway_seal_open (key, "ana@suporte.example", "s1:", out, sizeof out));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_sealed_seed_opens_only_for_its_record_and_key),
        cmocka_unit_test (test_empty_and_old_values),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
