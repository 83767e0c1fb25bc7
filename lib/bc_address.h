/* bc_address: e-mail addresses in the lists tickets carry (participants,
 * the addresses a thread was copied to), compared as mail systems compare
 * them in practice: without case. The router decides who joins a ticket;
 * notify copies them. */
#ifndef BC_ADDRESS_H
#define BC_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

/* True when address is one of the n of list (without case). */
bool bc_address_listed (char *const *list, size_t n, const char *address);

#endif
