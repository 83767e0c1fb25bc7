/* bc_log: one line per event, key=value, for operators. Never log a secret or
 * a message body. */
#ifndef BC_LOG_H
#define BC_LOG_H

#include <stddef.h>

enum { BC_LOG_DEBUG = 0, BC_LOG_INFO = 1, BC_LOG_WARN = 2, BC_LOG_ERROR = 3 };

/* Names the process in every line ("service=intake"). Call once at start.
 * Lines start with a UTC timestamp; when stderr is the systemd journal's
 * stream (JOURNAL_STREAM names its device and inode) they start with the
 * syslog priority instead ("<6>level=info service=intake ..."), so the
 * journal keeps each line's level and its own time. */
void bc_log_init (const char *service);
/* The service= of the lines from now on (a replica's instance name). */
void bc_log_rename (const char *service);
/* Writes buffered lines out (the service loop calls it after each batch;
 * errors and exit flush too). */
void bc_log_flush (void);
/* Lines below this level are dropped (default BC_LOG_INFO, or BALCAO_LOG=debug). */
void bc_log_set_level (int level);
/* Copies text into out (size bytes, NUL-terminated) with control
 * characters, quotes and backslashes replaced by '?', so a value from outside
 * cannot break a log line. Returns out. */
char *bc_log_clean (const char *text, char *out, size_t size);
void bc_log (int level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

#define bc_debug(...) bc_log (BC_LOG_DEBUG, __VA_ARGS__)
#define bc_info(...) bc_log (BC_LOG_INFO, __VA_ARGS__)
#define bc_warn(...) bc_log (BC_LOG_WARN, __VA_ARGS__)
#define bc_error(...) bc_log (BC_LOG_ERROR, __VA_ARGS__)

#endif
