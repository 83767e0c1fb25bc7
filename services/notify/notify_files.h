/* notify_files: the outbox's file transport (no notify/smtp/url): mails as
 * files in <notify/outbox_dir>/mail, durable before they are on record.
 * See notify_files.c. */
#ifndef NOTIFY_FILES_H
#define NOTIFY_FILES_H

#include "bc_service.h"

typedef struct notify_files_t notify_files_t;

/* Creates mail_dir if needed; NULL (logged) when it cannot. */
notify_files_t *notify_files_new (bc_service_t *svc, const char *mail_dir);
void notify_files_destroy (notify_files_t **self_p);

/* In the transaction: records the files made durable since the last one
 * as delivered (NotificationDelivered). Returns 0 or an LMDB code. */
int notify_files_before_batch (notify_files_t *self, bc_tx_t *tx);
/* After the commit: forgets what is on record, writes what is pending. */
void notify_files_after_commit (notify_files_t *self);
/* The timer: one syncfs for what was written, then writes what an earlier
 * pass could not. */
void notify_files_timer (notify_files_t *self);
/* Writes every pending mail not written yet (at start: what a crash left). */
void notify_files_deliver (notify_files_t *self);

#endif
