/* notify_outbox: the states of notify's outbox and delivery by SMTP.
 *
 * Every notification is durable before any attempt; each attempt is on
 * record before it is made, and its outcome right after: accepted
 * (delivered), a temporary failure (retrying, with exponential backoff and
 * jitter, on the service's alarm) or a permanent one (dead letter, with the
 * server's reason). One worker thread talks SMTP with one kept-alive
 * connection, so the service loop never waits for the network. Also serves
 * ListOutbox and ResendNotification on notify's command socket.
 *
 * Without notify/smtp/url the file transport of notify_server.c delivers
 * and this module only keeps the states and serves the commands. */
#ifndef NOTIFY_OUTBOX_H
#define NOTIFY_OUTBOX_H

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "bc_service.h"

typedef struct notify_outbox_t notify_outbox_t;

/* Reads notify/smtp/... and starts the worker when SMTP is on. NULL after logging
 * why (an unreadable password file, a bad starttls value). */
notify_outbox_t *notify_outbox_new (bc_service_t *svc);
/* Waits for the message the worker is sending (its outcome is recorded as
 * "accepted" if the server took it), then stops the worker. */
void notify_outbox_destroy (notify_outbox_t **self_p);

int notify_outbox_is_smtp (notify_outbox_t *self);

/* Stores a new notification under id (entry's state and times are set
 * here) in outbox and pending, and with SMTP schedules it now. */
int notify_outbox_add (notify_outbox_t *self, bc_tx_t *tx, const char *id,
                       Balcao__V1__OutboxEntry *entry);

/* Hooks, called from notify_server.c's: inside each write transaction
 * (records outcomes, recovers after a restart, picks the next due
 * message), after its commit (hands it to the worker, arms the alarm), and
 * from the periodic timer (outcomes whose wake-up was lost). */
int notify_outbox_before_batch (notify_outbox_t *self, bc_tx_t *tx);
void notify_outbox_after_commit (notify_outbox_t *self);
void notify_outbox_timer (notify_outbox_t *self);

/* ListOutbox (read) and ResendNotification (write, admins), as command
 * handlers (notify_server.c registers them and passes its outbox). */
int notify_outbox_cmd_list (notify_outbox_t *self, bc_tx_t *tx, const ProtobufCMessage *payload,
                            bc_reply_t *reply);
int notify_outbox_cmd_resend (notify_outbox_t *self, bc_tx_t *tx, const ProtobufCMessage *payload,
                              bc_reply_t *reply);

/* Meta's status of a WhatsApp message notify sent (intake's
 * WhatsAppStatusReceived). Only "failed" does something, and only for the
 * last message of an entry delivered by WhatsApp (the wamid index wa_sent),
 * once: 131047 (the 24-hour window had closed) sends the entry's template
 * instead, as a new attempt of the same entry (a dead letter when it has
 * none); any other code makes a dead letter with Meta's code and title. */
int notify_outbox_whatsapp_status (notify_outbox_t *self, bc_tx_t *tx,
                                   const Balcao__V1__WhatsAppStatusReceived *st);

/* Counts a notification not queued ("skipped_robot", "skipped_ack_rate")
 * in the meta database; ListOutbox shows the counts. */
int notify_outbox_count_skipped (notify_outbox_t *self, bc_tx_t *tx, const char *counter);

#endif
