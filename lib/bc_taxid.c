/* bc_taxid: CPF and CNPJ (numeric and alphanumeric) read, checked and
 * written back; see the header. */
#include "bc_taxid.h"

#include <stdio.h>
#include <string.h>

int
bc_taxid_normalize (const char *text, char *out, size_t size)
{
    size_t n = 0;
    if (!out || !size)
        return -1;
    *out = 0;
    for (const char *p = text ? text : ""; *p; p++) {
        char c = *p;
        if (c == '.' || c == '/' || c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char) (c - 'a' + 'A');
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) || n + 1 >= size) {
            *out = 0;
            return -1;
        }
        out[n++] = c;
    }
    out[n] = 0;
    return (int) n;
}

/* The check digit of the n characters of id: each worth its ASCII code
 * minus 48, weighted 2, 3, ... from the right (back to 2 after max_weight
 * for the CNPJ), mod 11. */
static char
s_check_digit (const char *id, size_t n, int max_weight)
{
    long sum = 0;
    int weight = 2;
    for (size_t i = n; i-- > 0;) {
        sum += (long) (id[i] - '0') * weight;
        weight = weight == max_weight ? 2 : weight + 1;
    }
    long r = sum % 11;
    return (char) ('0' + (r < 2 ? 0 : 11 - r));
}

static bc_taxid_error_t
s_check (const char *id, bc_taxid_kind_t *kind)
{
    *kind = BC_TAXID_NONE;
    size_t n = strlen (id);
    if (n == 0)
        return BC_TAXID_EMPTY;
    if (n != 11 && n != 14)
        return BC_TAXID_BAD_LENGTH;
    for (size_t i = 0; i < n; i++) {
        int is_digit = id[i] >= '0' && id[i] <= '9';
        int is_letter = id[i] >= 'A' && id[i] <= 'Z';
        if (!is_digit && !is_letter)
            return BC_TAXID_BAD_CHAR;
        /* A CPF is digits only; a CNPJ's check digits are digits. */
        if (!is_digit && (n == 11 || i >= 12))
            return n == 11 ? BC_TAXID_CPF_LETTERS : BC_TAXID_CHECK_DIGITS;
    }
    if (strspn (id, (char[]) {id[0], 0}) == n)
        return BC_TAXID_REPEATED;
    int max_weight = n == 11 ? 11 : 9;
    if (s_check_digit (id, n - 2, max_weight) != id[n - 2]
        || s_check_digit (id, n - 1, max_weight) != id[n - 1])
        return BC_TAXID_CHECK_DIGITS;
    *kind = n == 11 ? BC_TAXID_CPF : BC_TAXID_CNPJ;
    return BC_TAXID_OK;
}

bc_taxid_error_t
bc_taxid_parse (const char *text, char out[BC_TAXID_SIZE], bc_taxid_kind_t *kind)
{
    char id[BC_TAXID_SIZE];
    *kind = BC_TAXID_NONE;
    out[0] = 0;
    int n = bc_taxid_normalize (text, id, sizeof id);
    if (n < 0) {
        /* Too long for any id, or a character no id has. */
        char probe[256];
        return bc_taxid_normalize (text, probe, sizeof probe) > 0 ? BC_TAXID_BAD_LENGTH
                                                                  : BC_TAXID_BAD_CHAR;
    }
    bc_taxid_error_t error = s_check (id, kind);
    if (error == BC_TAXID_OK)
        memcpy (out, id, (size_t) n + 1);
    return error;
}

bc_taxid_kind_t
bc_taxid_kind (const char *normalized)
{
    bc_taxid_kind_t kind;
    if (!normalized || strlen (normalized) >= BC_TAXID_SIZE)
        return BC_TAXID_NONE;
    return s_check (normalized, &kind) == BC_TAXID_OK ? kind : BC_TAXID_NONE;
}

const char *
bc_taxid_kind_name (bc_taxid_kind_t kind)
{
    return kind == BC_TAXID_CPF ? "cpf" : kind == BC_TAXID_CNPJ ? "cnpj" : "";
}

char *
bc_taxid_format (const char *normalized, char *out, size_t size)
{
    const char *id = normalized ? normalized : "";
    size_t n = strlen (id);
    if (size < BC_TAXID_FORMATTED_SIZE) {
        if (size)
            *out = 0;
        return out;
    }
    if (n == 11)
        snprintf (out, size, "%.3s.%.3s.%.3s-%.2s", id, id + 3, id + 6, id + 9);
    else if (n == 14)
        snprintf (out, size, "%.2s.%.3s.%.3s/%.4s-%.2s", id, id + 2, id + 5, id + 8, id + 12);
    else
        snprintf (out, size, "%s", id);
    return out;
}

const char *
bc_taxid_problem (bc_taxid_error_t error, int is_en)
{
    switch (error) {
    case BC_TAXID_OK:
        return "";
    case BC_TAXID_EMPTY:
        return is_en ? "the CPF or CNPJ is empty" : "o CPF ou CNPJ está vazio";
    case BC_TAXID_BAD_CHAR:
        return is_en ? "a CPF or CNPJ has only digits, letters (CNPJ) and the punctuation . / -"
                     : "um CPF ou CNPJ tem só dígitos, letras (CNPJ) e a pontuação . / -";
    case BC_TAXID_BAD_LENGTH:
        return is_en ? "a CPF has 11 digits and a CNPJ 14 characters"
                     : "um CPF tem 11 dígitos e um CNPJ, 14 caracteres";
    case BC_TAXID_CPF_LETTERS:
        return is_en ? "a CPF has only digits" : "um CPF tem só dígitos";
    case BC_TAXID_REPEATED:
        return is_en ? "a number of one repeated digit is not a valid CPF or CNPJ"
                     : "um número de um só dígito repetido não é um CPF ou CNPJ válido";
    case BC_TAXID_CHECK_DIGITS:
        return is_en ? "the check digits do not match; check the number"
                     : "os dígitos verificadores não conferem; confira o número";
    }
    return "";
}

int
bc_taxid_matches (const char *normalized, const char *query)
{
    char q[BC_TAXID_SIZE];
    if (!normalized || !*normalized || bc_taxid_normalize (query, q, sizeof q) < 3
        || !strpbrk (q, "0123456789"))
        return 0;
    return strstr (normalized, q) != NULL;
}
