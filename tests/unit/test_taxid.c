/* bc_taxid: real CPFs and CNPJs (numeric and the alphanumeric CNPJ of July
 * 2026) are kept normalized and written back formatted; numbers with a
 * wrong check digit, of one repeated digit, or of another shape are
 * refused with the reason. */
#include "bc_taxid.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void
s_assert_valid (const char *typed, const char *normalized, bc_taxid_kind_t kind,
                const char *formatted)
{
    char out[BC_TAXID_SIZE], shown[BC_TAXID_FORMATTED_SIZE];
    bc_taxid_kind_t got;
    assert_int_equal (bc_taxid_parse (typed, out, &got), BC_TAXID_OK);
    assert_string_equal (out, normalized);
    assert_int_equal (got, kind);
    assert_int_equal (bc_taxid_kind (out), kind);
    assert_string_equal (bc_taxid_format (out, shown, sizeof shown), formatted);
    /* What is shown reads back as what is stored. */
    assert_int_equal (bc_taxid_parse (shown, out, &got), BC_TAXID_OK);
    assert_string_equal (out, normalized);
}

static void
test_valid_cpf (void **state)
{
    (void) state;
    s_assert_valid ("529.982.247-25", "52998224725", BC_TAXID_CPF, "529.982.247-25");
    s_assert_valid ("52998224725", "52998224725", BC_TAXID_CPF, "529.982.247-25");
    s_assert_valid ("123.456.789-09", "12345678909", BC_TAXID_CPF, "123.456.789-09");
    s_assert_valid (" 111 444 777 35 ", "11144477735", BC_TAXID_CPF, "111.444.777-35");
    assert_string_equal (bc_taxid_kind_name (BC_TAXID_CPF), "cpf");
}

static void
test_valid_cnpj (void **state)
{
    (void) state;
    s_assert_valid ("12.345.678/0001-95", "12345678000195", BC_TAXID_CNPJ, "12.345.678/0001-95");
    s_assert_valid ("11222333000181", "11222333000181", BC_TAXID_CNPJ, "11.222.333/0001-81");
    /* The Receita Federal's own example of the alphanumeric CNPJ, and in
     * lower case as someone may type it. */
    s_assert_valid ("12.ABC.345/01DE-35", "12ABC34501DE35", BC_TAXID_CNPJ, "12.ABC.345/01DE-35");
    s_assert_valid ("12.abc.345/01de-35", "12ABC34501DE35", BC_TAXID_CNPJ, "12.ABC.345/01DE-35");
    s_assert_valid ("AB12CD34EF5602", "AB12CD34EF5602", BC_TAXID_CNPJ, "AB.12C.D34/EF56-02");
    assert_string_equal (bc_taxid_kind_name (BC_TAXID_CNPJ), "cnpj");
}

static void
s_assert_refused (const char *typed, bc_taxid_error_t why)
{
    char out[BC_TAXID_SIZE] = "x";
    bc_taxid_kind_t kind = BC_TAXID_CPF;
    assert_int_equal (bc_taxid_parse (typed, out, &kind), why);
    assert_string_equal (out, "");
    assert_int_equal (kind, BC_TAXID_NONE);
    assert_string_not_equal (bc_taxid_problem (why, 0), "");
    assert_string_not_equal (bc_taxid_problem (why, 1), "");
}

static void
test_refused (void **state)
{
    (void) state;
    /* Of one repeated digit: the arithmetic holds, the Receita never
     * issues them. */
    s_assert_refused ("111.111.111-11", BC_TAXID_REPEATED);
    s_assert_refused ("000.000.000-00", BC_TAXID_REPEATED);
    s_assert_refused ("99999999999", BC_TAXID_REPEATED);
    s_assert_refused ("00.000.000/0000-00", BC_TAXID_REPEATED);
    /* One check digit wrong, or two digits swapped. */
    s_assert_refused ("529.982.247-24", BC_TAXID_CHECK_DIGITS);
    s_assert_refused ("529.982.247-35", BC_TAXID_CHECK_DIGITS);
    s_assert_refused ("259.982.247-25", BC_TAXID_CHECK_DIGITS);
    s_assert_refused ("12.345.678/0001-96", BC_TAXID_CHECK_DIGITS);
    s_assert_refused ("12.ABC.345/01DE-34", BC_TAXID_CHECK_DIGITS);
    s_assert_refused ("12.ABD.345/01DE-35", BC_TAXID_CHECK_DIGITS);
    /* A CNPJ's check digits are digits; a CPF has no letters. */
    s_assert_refused ("12.ABC.345/01DE-3A", BC_TAXID_CHECK_DIGITS);
    s_assert_refused ("529.982.247-2A", BC_TAXID_CPF_LETTERS);
    /* Other shapes. */
    s_assert_refused ("", BC_TAXID_EMPTY);
    s_assert_refused (" .-/ ", BC_TAXID_EMPTY);
    s_assert_refused ("abc", BC_TAXID_BAD_LENGTH);
    s_assert_refused ("5299822472", BC_TAXID_BAD_LENGTH);
    s_assert_refused ("529982247255", BC_TAXID_BAD_LENGTH);
    s_assert_refused ("123456789012345678901234567890", BC_TAXID_BAD_LENGTH);
    s_assert_refused ("529,982,247-25", BC_TAXID_BAD_CHAR);
    s_assert_refused ("529.982.247–25", BC_TAXID_BAD_CHAR); /* an en dash */
    s_assert_refused ("12.ÁBC.345/01DE-35", BC_TAXID_BAD_CHAR);
    s_assert_refused ("529\n982.247-25", BC_TAXID_BAD_CHAR);
    assert_int_equal (bc_taxid_kind ("111111111111111111"), BC_TAXID_NONE);
    assert_int_equal (bc_taxid_kind (NULL), BC_TAXID_NONE);
    assert_int_equal (bc_taxid_kind ("529.982.247-25"), BC_TAXID_NONE); /* not normalized */
    assert_string_equal (bc_taxid_kind_name (BC_TAXID_NONE), "");
}

static void
test_format_and_normalize_edges (void **state)
{
    (void) state;
    char out[BC_TAXID_FORMATTED_SIZE], tiny[8];
    assert_string_equal (bc_taxid_format ("123", out, sizeof out), "123");
    assert_string_equal (bc_taxid_format ("", out, sizeof out), "");
    assert_string_equal (bc_taxid_format ("52998224725", tiny, sizeof tiny), "");
    char norm[4];
    assert_int_equal (bc_taxid_normalize ("1.2-3", norm, sizeof norm), 3);
    assert_string_equal (norm, "123");
    assert_int_equal (bc_taxid_normalize ("1234", norm, sizeof norm), -1);
    assert_string_equal (norm, "");
    assert_int_equal (bc_taxid_normalize ("1_2", norm, sizeof norm), -1);
}

static void
test_search_matches (void **state)
{
    (void) state;
    assert_true (bc_taxid_matches ("52998224725", "529.982.247-25"));
    assert_true (bc_taxid_matches ("52998224725", "52998224725"));
    assert_true (bc_taxid_matches ("52998224725", "529"));
    assert_true (bc_taxid_matches ("52998224725", "529.982"));
    assert_true (bc_taxid_matches ("12ABC34501DE35", "12.abc.345"));
    assert_false (bc_taxid_matches ("52998224725", "52"));       /* too short */
    assert_false (bc_taxid_matches ("52998224725", "123.456"));  /* another number */
    assert_false (bc_taxid_matches ("12ABC34501DE35", "abc"));   /* a word, not a number */
    assert_false (bc_taxid_matches ("", "529"));
    assert_false (bc_taxid_matches ("52998224725", "ana@x.com"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_valid_cpf),
        cmocka_unit_test (test_valid_cnpj),
        cmocka_unit_test (test_refused),
        cmocka_unit_test (test_format_and_normalize_edges),
        cmocka_unit_test (test_search_matches),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
