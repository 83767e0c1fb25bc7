/* bc_ratelog: at most one log line per interval per peer, with the number
 * of lines left out since, so that a peer flooding a service with bad
 * frames cannot fill its disk with log lines. */
#ifndef BC_RATELOG_H
#define BC_RATELOG_H

#include <stdint.h>

typedef struct bc_ratelog_t bc_ratelog_t;

/* One line per `interval_ms` per peer; at most `max_peers` remembered
 * (beyond that, peers quiet for an interval are forgotten first, and a
 * peer that cannot be remembered shares one slot with the others). */
bc_ratelog_t *bc_ratelog_new (int interval_ms, int max_peers);
void bc_ratelog_destroy (bc_ratelog_t **self_p);

/* Call when `peer` (an address; NULL or "" is one anonymous peer) caused a
 * line at now_ms (monotonic). Returns -1 when the line is to be left out;
 * otherwise the number of this peer's lines left out before it (0 or
 * more), to write with the line. */
int64_t bc_ratelog_check (bc_ratelog_t *self, const char *peer, int64_t now_ms);

#endif
