/* bc_clock: time sources used by every service. */
#include "bc_clock.h"

#include <stdlib.h>
#include <time.h>

/* A host whose clock is off (tests: BALCAO_CLOCK_SKEW_S, seconds, may be
 * negative; read once). Never set in production. */
static int64_t
s_skew_us (void)
{
    static int64_t skew = -1;
    static int known;
    if (!known) {
        const char *v = getenv ("BALCAO_CLOCK_SKEW_S");
        skew = v ? (int64_t) atoll (v) * 1000000 : 0;
        known = 1;
    }
    return skew;
}

int64_t
bc_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + s_skew_us ();
}

int64_t
bc_mono_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
