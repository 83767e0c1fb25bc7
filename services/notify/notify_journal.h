/* notify_journal: the SMTP worker's own record of the server's 250s.
 *
 * The loop records an outcome in LMDB only in its next batch, which may be
 * busy with events; a crash before that commit used to send the message
 * again although the server had taken it. The worker appends the 250 here
 * the moment it arrives: one write() (on record against a crash of the
 * process as soon as it returns), then fdatasync (against a crash of the
 * machine). After a restart, an attempt still "sending" in LMDB whose 250
 * is here was delivered, and is not sent again.
 *
 * One line per accepted message: "<id>\t<attempt>\t<server's reply>\n".
 * Only the worker appends; the loop reads it when it recovers and empties
 * it (notify_journal_trim) when every line in it is on record in LMDB. */
#ifndef NOTIFY_JOURNAL_H
#define NOTIFY_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct notify_journal_t notify_journal_t;

/* Opens path for appending (made if absent). NULL after logging why. */
notify_journal_t *notify_journal_new (const char *path);
void notify_journal_destroy (notify_journal_t **self_p);

/* Records that the server accepted attempt `attempt` of notification id
 * with reply (tabs and line ends become spaces). Returns 0, or an errno
 * value when the line may not be on record (the caller logs it: the loop
 * still records the outcome, only the crash window is as wide as before). */
int notify_journal_accepted (notify_journal_t *self, const char *id, uint32_t attempt,
                             const char *reply);

/* notify_journal_accepted without its fdatasync: on record against a
 * crash of the process once it returns; notify_journal_sync then makes
 * every line appended so far durable against a crash of the machine (the
 * WhatsApp worker syncs once per group of messages). */
int notify_journal_append (notify_journal_t *self, const char *id, uint32_t attempt,
                           const char *reply);
int notify_journal_sync (notify_journal_t *self);

/* The server's reply recorded for that attempt of id (malloc'd), or NULL
 * when the journal has none. Reads the file: for recovery, not per message. */
char *notify_journal_find (notify_journal_t *self, const char *id, uint32_t attempt);

/* Empties the journal once it is larger than max_bytes. Only while no
 * append can run (the worker idle) and every line in it is on record. */
void notify_journal_trim (notify_journal_t *self, size_t max_bytes);

#endif
