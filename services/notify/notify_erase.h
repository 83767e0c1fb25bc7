/* notify_erase: the router's PersonErased in notify, and what an LGPD
 * export reads (notify_erase.c, notify_export.c). */
#ifndef NOTIFY_ERASE_H
#define NOTIFY_ERASE_H

#include "bc_service.h"

int notify_erase (bc_tx_t *tx, const bc_envelope_t *ev);
/* A delivery recorded for an erased notification: its file goes. */
void notify_erase_file (const char *location);
/* The ticket of a notification id ("t<N>-..."), else 0. */
uint64_t notify_erase_ticket_of (const char *id, size_t len);
/* notify_export.c: ExportNotifications (LGPD export). */
void notify_export_register (bc_service_t *svc);

#endif
