/* bc_day: calendar days as services count them — days since 1970-01-01
 * of a local date in the process's time zone (bc_day_set_zone), their
 * YYYY-MM-DD text and the instant each starts. The router's reports and
 * kb's gaps count per business day with these. Pure but for the zone
 * (the TZ environment variable, set once at start-up). */
#ifndef BC_DAY_H
#define BC_DAY_H

#include <stddef.h>
#include <stdint.h>

/* Sets the process's time zone (an IANA name such as America/Sao_Paulo).
 * Call before any thread starts. */
void bc_day_set_zone (const char *zone);

/* Days since 1970-01-01 of the civil date y-m-d, and back. */
int32_t bc_day_from_civil (int y, int m, int d);
void bc_day_to_civil (int32_t day, int *y, int *m, int *d);

/* The local day of an instant (µs since the epoch). */
int32_t bc_day_of (int64_t us);
/* The instant the local day starts (midnight; daylight saving included). */
int64_t bc_day_start_us (int32_t day);

/* 1 with *day set when text is a real date YYYY-MM-DD (1970..9999; no
 * 2026-02-30); 0 otherwise. */
int bc_day_parse (const char *text, int32_t *day);
/* YYYY-MM-DD (out holds at least 11 bytes). */
void bc_day_text (int32_t day, char *out, size_t size);

#endif
