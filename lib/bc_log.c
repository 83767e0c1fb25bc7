/* bc_log: timestamped key=value lines on stderr (the launcher sends stderr to
 * var/log/<service>.log; systemd sends it to the journal). */
#include "bc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static char s_service[32] = "balcao";
static int s_level = BC_LOG_INFO;

void
bc_log_init (const char *service)
{
    snprintf (s_service, sizeof s_service, "%s", service);
    /* Buffered: the service loop flushes after every batch, so a burst of
     * events costs one write, not one per line. */
    static char buffer[1 << 16];
    setvbuf (stderr, buffer, _IOFBF, sizeof buffer);
    const char *env = getenv ("BALCAO_LOG");
    if (env && strcmp (env, "debug") == 0)
        s_level = BC_LOG_DEBUG;
}

void
bc_log_flush (void)
{
    fflush (stderr);
}

void
bc_log_set_level (int level)
{
    s_level = level;
}

char *
bc_log_clean (const char *text, char *out, size_t size)
{
    size_t i = 0;
    for (; text && text[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char) text[i];
        out[i] = c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '?' : (char) c;
    }
    if (size)
        out[i] = 0;
    return out;
}

void
bc_log (int level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < s_level)
        return;
    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    char line[2048];
    int n = snprintf (line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s service=%s ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, (long) tv.tv_usec / 1000, names[level & 3], s_service);
    va_list ap;
    va_start (ap, fmt);
    if (n > 0 && (size_t) n < sizeof line)
        vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    va_end (ap);
    fprintf (stderr, "%s\n", line);
    if (level >= BC_LOG_WARN)
        fflush (stderr);
}
