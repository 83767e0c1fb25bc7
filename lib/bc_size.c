/* bc_size: see bc_size.h. */
#include "bc_size.h"

#include <stdio.h>
#include <string.h>

void
bc_size_words (char *out, size_t size, uint64_t bytes, const char *language)
{
    if (size == 0)
        return;
    const uint64_t mb = 1024 * 1024, gb = mb * 1024;
    if (bytes < mb)
        snprintf (out, size, "%llu KB", (unsigned long long) ((bytes + 1023) / 1024));
    else if (bytes % mb == 0 && bytes < gb)
        snprintf (out, size, "%llu MB", (unsigned long long) (bytes / mb));
    else if (bytes < gb)
        snprintf (out, size, "%.1f MB", (double) bytes / (double) mb);
    else
        snprintf (out, size, "%.1f GB", (double) bytes / (double) gb);
    if (!language || strncmp (language, "en", 2) != 0)
        for (char *p = out; *p; p++)
            if (*p == '.')
                *p = ',';
}

void
bc_size_file (char *out, size_t size, const char *name, uint64_t bytes, const char *language)
{
    char words[32];
    bc_size_words (words, sizeof words, bytes, language);
    snprintf (out, size, "%s (%s)", name, words);
}
