/* bc_id: random identifiers for messages and requests. */
#ifndef BC_ID_H
#define BC_ID_H

#define BC_ID_LEN 32

/* Writes 32 lowercase hex characters (128 random bits) and a NUL. A child
 * made by fork() must exec before making ids (it would share the pool). */
void bc_id_new (char out[BC_ID_LEN + 1]);
/* True when s is 1..64 characters of [A-Za-z0-9._:-]: what we accept as a
 * request id from outside. */
int bc_id_is_valid (const char *s);

#endif
