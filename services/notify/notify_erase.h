/* notify_erase: the router's PersonErased in notify (LGPD; see
 * notify_erase.c). */
#ifndef NOTIFY_ERASE_H
#define NOTIFY_ERASE_H

#include "bc_service.h"

int notify_erase (bc_tx_t *tx, const bc_envelope_t *ev);
/* A delivery recorded for an erased notification: its file goes. */
void notify_erase_file (const char *location);

#endif
