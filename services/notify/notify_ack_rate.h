/* notify_ack_rate: at most per_hour acknowledgements an hour to one
 * address (see notify_ack_rate.c). */
#ifndef NOTIFY_ACK_RATE_H
#define NOTIFY_ACK_RATE_H

#include <lmdb.h>
#include <stdint.h>

/* Whether one more acknowledgement may go to address at when_us (*allowed
 * 1 or 0): at most per_hour in any hour (per_hour <= 0: no limit). Records
 * it in db when it may. The time is the router event's, so a notify
 * database rebuilt from the log decides the same. Returns an LMDB code. */
int notify_ack_allowed (MDB_txn *txn, MDB_dbi db, int per_hour, const char *address,
                        int64_t when_us, int *allowed);

#endif
