/* bc_clock: wall-clock and monotonic time in microseconds / milliseconds. */
#ifndef BC_CLOCK_H
#define BC_CLOCK_H
#include <stdint.h>

/* Microseconds since the Unix epoch (UTC). */
int64_t bc_now_us (void);
/* Milliseconds of a monotonic clock, for timeouts. */
int64_t bc_mono_ms (void);

#endif
