/* Fuzz target: the router's reading of a customer's short answer by e-mail
 * (router_reply.c): an acceptance, a rating 1-5 with its comment, or
 * neither. Any text (the input up to its first NUL) gets an answer without
 * a crash or a read past its end, a rating is 0-5, and its comment lies
 * within the text. */
#include "router_reply.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    /* Exactly the input's bytes: ASan sees any read past the end. */
    char *text = malloc (size + 1);
    memcpy (text, data, size);
    text[size] = 0;
    int accepts = router_reply_accepts (text);
    const char *comment = NULL;
    int rating = router_reply_rating (text, &comment);
    size_t len = strlen (text);
    if ((accepts != 0 && accepts != 1) || rating < 0 || rating > 5 || !comment
        || (rating && (comment < text || comment > text + len))
        || (!rating && *comment)) {
        fprintf (stderr, "fuzz_router_reply: accepts=%d rating=%d\n", accepts, rating);
        abort ();
    }
    free (text);
    return 0;
}
