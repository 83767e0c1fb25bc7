/* notify_retention: delivered notifications deleted after
 * notify/retention_days (see notify_retention.c). */
#ifndef NOTIFY_RETENTION_H
#define NOTIFY_RETENTION_H

#include "bc_service.h"

typedef struct notify_retention_t notify_retention_t;

notify_retention_t *notify_retention_new (bc_service_t *svc, const char *mail_dir);
void notify_retention_destroy (notify_retention_t **self_p);
/* A sweep is due (the timer wakes the service for it). */
int notify_retention_is_due (notify_retention_t *self);
/* Inside a batch: one stretch of the outbox swept. */
int notify_retention_sweep (notify_retention_t *self, bc_tx_t *tx);
/* After the commit: the deleted entries' files go. */
void notify_retention_after_commit (notify_retention_t *self);

#endif
