/* Fuzz target: a CPF or CNPJ as people type it (lib/bc_taxid.c). Beyond
 * not crashing, an accepted id keeps its promises: it is 11 digits (CPF)
 * or 14 characters of 0-9 and A-Z ending in two digits (CNPJ), not one
 * repeated character, its formatted form reads back as the same id, and a
 * search for it finds it. */
#include "bc_taxid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text[size] = 0;
    char id[BC_TAXID_SIZE], again[BC_TAXID_SIZE], shown[BC_TAXID_FORMATTED_SIZE];
    bc_taxid_kind_t kind, kind_again;
    if (bc_taxid_parse (text, id, &kind) == BC_TAXID_OK) {
        size_t n = strlen (id);
        if (!((kind == BC_TAXID_CPF && n == 11 && strspn (id, "0123456789") == 11)
              || (kind == BC_TAXID_CNPJ && n == 14
                  && strspn (id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 14
                  && strspn (id + 12, "0123456789") == 2)))
            abort ();
        if (strspn (id, (char[]) {id[0], 0}) == n || bc_taxid_kind (id) != kind)
            abort ();
        bc_taxid_format (id, shown, sizeof shown);
        if (bc_taxid_parse (shown, again, &kind_again) != BC_TAXID_OK || strcmp (again, id) != 0
            || kind_again != kind || !bc_taxid_matches (id, text))
            abort ();
    }
    else if (*id || kind != BC_TAXID_NONE)
        abort ();
    /* Any text as a stored id or a query. */
    char big[64];
    if (size < 40)
        bc_taxid_format (text, big, sizeof big);
    bc_taxid_matches (text, text);
    bc_taxid_matches ("52998224725", text);
    free (text);
    return 0;
}
