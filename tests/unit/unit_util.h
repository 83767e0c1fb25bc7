/* Helpers shared by the unit tests: a fresh temporary directory per test. */
#ifndef UNIT_UTIL_H
#define UNIT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Creates a new empty directory and writes its path into buf. */
static inline const char *
unit_tmpdir (char *buf, size_t size)
{
    snprintf (buf, size, "/tmp/balcao-unit-XXXXXX");
    return mkdtemp (buf);
}

static inline void
unit_rmdir (const char *dir)
{
    char cmd[512];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system (cmd) != 0)
        fprintf (stderr, "could not remove %s\n", dir);
}

#endif
