/* bc_size: a file's size as people read it, in their language: "840 KB",
 * "25 MB", "1,5 MB" (pt-BR: a decimal comma) or "1.5 MB" (English), "4,6
 * GB". Used
 * wherever a size reaches a customer or an agent (files left out of a
 * message, the limits in notify's notices). */
#ifndef BC_SIZE_H
#define BC_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* language: "en..." is English; anything else (pt-BR, "") Portuguese. */
void bc_size_words (char *out, size_t size, uint64_t bytes, const char *language);

/* "name (size)": a file left out, as its sender is told. */
void bc_size_file (char *out, size_t size, const char *name, uint64_t bytes,
                   const char *language);

#endif
