/* bc_taxid: Brazilian tax ids, the CPF of a person and the CNPJ of a
 * company, as customers and organizations carry them (Person.tax_id,
 * Organization.tax_id).
 *
 * A CPF is 11 digits, the last two check digits (mod 11). A CNPJ is 14
 * characters: 12 of 0-9 or A-Z (letters since July 2026, IN RFB 2.229/2024)
 * and 2 check digits, each character worth its ASCII code minus 48 (so the
 * numeric CNPJs keep their digits), weights 2..9 from the right, mod 11. A
 * number of one repeated digit (111.111.111-11) passes the arithmetic but
 * is never issued: it is refused.
 *
 * Stored normalized (no punctuation, letters in upper case:
 * "12ABC34501DE35"), shown formatted ("12.ABC.345/01DE-35",
 * "123.456.789-09"). */
#ifndef BC_TAXID_H
#define BC_TAXID_H

#include <stddef.h>

/* Room for a normalized tax id and its NUL; a formatted one and its NUL. */
#define BC_TAXID_SIZE 15
#define BC_TAXID_FORMATTED_SIZE 19

typedef enum {
    BC_TAXID_NONE = 0, /* not a valid tax id */
    BC_TAXID_CPF,
    BC_TAXID_CNPJ,
} bc_taxid_kind_t;

/* Why a text is not a tax id. */
typedef enum {
    BC_TAXID_OK = 0,
    BC_TAXID_EMPTY,        /* nothing but punctuation */
    BC_TAXID_BAD_CHAR,     /* something besides digits, letters, ". / -" and spaces */
    BC_TAXID_BAD_LENGTH,   /* neither 11 (CPF) nor 14 (CNPJ) characters */
    BC_TAXID_CPF_LETTERS,  /* 11 characters with a letter: a CPF is digits only */
    BC_TAXID_REPEATED,     /* one digit repeated (111.111.111-11) */
    BC_TAXID_CHECK_DIGITS, /* the check digits do not match */
} bc_taxid_error_t;

/* Strips '.', '/', '-' and spaces and upper-cases ASCII letters, into out
 * (size bytes). Returns the length written, or -1 when text holds another
 * character or the result does not fit (out is then ""). */
int bc_taxid_normalize (const char *text, char *out, size_t size);

/* Reads text as a user typed it (with or without punctuation, letters in
 * any case): BC_TAXID_OK with the normalized id in out (BC_TAXID_SIZE
 * bytes) and its kind in *kind, or why not (out "", *kind NONE). */
bc_taxid_error_t bc_taxid_parse (const char *text, char out[BC_TAXID_SIZE], bc_taxid_kind_t *kind);

/* The kind of a normalized id when valid (check digits and all), else
 * BC_TAXID_NONE. */
bc_taxid_kind_t bc_taxid_kind (const char *normalized);

/* "cpf", "cnpj", or "" for NONE. */
const char *bc_taxid_kind_name (bc_taxid_kind_t kind);

/* The id as people write it: "123.456.789-09", "12.ABC.345/01DE-35"; a
 * text of another length is copied as it is. out holds
 * BC_TAXID_FORMATTED_SIZE bytes at least (else ""). Returns out. */
char *bc_taxid_format (const char *normalized, char *out, size_t size);

/* One sentence saying what is wrong with the id, in Portuguese (is_en 0)
 * or English. */
const char *bc_taxid_problem (bc_taxid_error_t error, int is_en);

/* 1 when a search `query` finds the tax id `normalized`: the query,
 * normalized, has at least 3 characters, one of them a digit, and is part
 * of the id ("123.456" finds 12345678909). */
int bc_taxid_matches (const char *normalized, const char *query);

#endif
