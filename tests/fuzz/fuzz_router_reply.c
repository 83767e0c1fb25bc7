/* Fuzz target: the router's reading of a customer's short answer by e-mail
 * (router_reply.c): an acceptance, a rejection or neither, and a rating
 * 1-5 with its comment, or none; and a new ticket's subject without our
 * tags (router_subject.c). Any text (the input up to its first NUL) gets
 * an answer without a crash or a read past its end, a rating is 0-5, its
 * comment lies within the text, and the cleaned subject is no longer than
 * the text, and the same cleaned again. */
#include "router_reply.h"
#include "router_subject.h"

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
    router_answer_t answer = router_reply_answer (text);
    const char *comment = NULL;
    int rating = router_reply_rating (text, &comment);
    size_t len = strlen (text);
    if ((answer != ROUTER_ANSWER_UNCLEAR && answer != ROUTER_ANSWER_ACCEPTS
            && answer != ROUTER_ANSWER_REJECTS) || rating < 0 || rating > 5 || !comment
        || (rating && (comment < text || comment > text + len))
        || (!rating && *comment)) {
        fprintf (stderr, "fuzz_router_reply: answer=%d rating=%d\n", (int) answer, rating);
        abort ();
    }
    char *subject = malloc (len + 1), *again = malloc (len + 1);
    router_subject_clean (text, subject, len + 1);
    router_subject_clean (subject, again, len + 1);
    if (strlen (subject) > len) {
        fprintf (stderr, "fuzz_router_reply: the subject grew\n");
        abort ();
    }
    free (subject);
    free (again);
    free (text);
    return 0;
}
