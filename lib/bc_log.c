/* bc_log: timestamped key=value lines on stderr (the launcher sends stderr to
 * var/log/<service>.log). Under systemd, when stderr is the journal's stream,
 * each line starts with its syslog priority ("<3>" error .. "<7>" debug)
 * instead of a timestamp: journald keeps the level and stamps the time. */
#include "bc_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char s_service[32] = "balcao";
static int s_level = BC_LOG_INFO;
static bool s_to_journal = false;

/* systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected
 * to the journal (systemd.exec(5)). It names our stderr only when both
 * match: a process started by a service, its stderr sent to a file,
 * inherits the variable but not the stream. */
static bool
s_stderr_is_journal (void)
{
    const char *env = getenv ("JOURNAL_STREAM");
    if (!env || !*env)
        return false;
    unsigned long long device, inode;
    char rest;
    if (sscanf (env, "%llu:%llu%c", &device, &inode, &rest) != 2)
        return false;
    struct stat st;
    if (fstat (STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long) st.st_dev == device && (unsigned long long) st.st_ino == inode;
}

void
bc_log_init (const char *service)
{
    snprintf (s_service, sizeof s_service, "%s", service);
    /* Buffered: the service loop flushes after every batch, so a burst of
     * events costs one write, not one per line. */
    static char buffer[1 << 16];
    setvbuf (stderr, buffer, _IOFBF, sizeof buffer);
    s_to_journal = s_stderr_is_journal ();
    const char *env = getenv ("BALCAO_LOG");
    if (env && strcmp (env, "debug") == 0)
        s_level = BC_LOG_DEBUG;
}

void
bc_log_rename (const char *service)
{
    snprintf (s_service, sizeof s_service, "%s", service);
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
    /* syslog(3) priorities: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR. */
    static const int priorities[] = {7, 6, 4, 3};
    if (level < s_level)
        return;
    char line[2048];
    int n;
    if (s_to_journal)
        n = snprintf (line, sizeof line, "<%d>level=%s service=%s ", priorities[level & 3],
                      names[level & 3], s_service);
    else {
        struct timeval tv;
        gettimeofday (&tv, NULL);
        struct tm tm;
        gmtime_r (&tv.tv_sec, &tm);
        n = snprintf (line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s service=%s ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, (long) tv.tv_usec / 1000, names[level & 3], s_service);
    }
    va_list ap;
    va_start (ap, fmt);
    if (n > 0 && (size_t) n < sizeof line)
        vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    va_end (ap);
    fprintf (stderr, "%s\n", line);
    if (level >= BC_LOG_WARN)
        fflush (stderr);
}
