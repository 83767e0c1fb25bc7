/* notify_journal: an append-only file of the SMTP server's 250s, written
 * by the worker before it tells the loop (see notify_journal.h). */
#include "notify_journal.h"

#include "bc_log.h"
#include "bc_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct notify_journal_t {
    char *path;
    int fd;
};

notify_journal_t *
notify_journal_new (const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        bc_error ("event=journal_unwritable file=%s reason=\"%s\"", path, strerror (errno));
        return NULL;
    }
    notify_journal_t *self = calloc (1, sizeof *self);
    self->path = strdup (path);
    self->fd = fd;
    return self;
}

void
notify_journal_destroy (notify_journal_t **self_p)
{
    notify_journal_t *self = *self_p;
    if (!self)
        return;
    close (self->fd);
    free (self->path);
    free (self);
    *self_p = NULL;
}

int
notify_journal_accepted (notify_journal_t *self, const char *id, uint32_t attempt,
                         const char *reply)
{
    int rc = notify_journal_append (self, id, attempt, reply);
    return rc ? rc : notify_journal_sync (self);
}

int
notify_journal_sync (notify_journal_t *self)
{
    return fdatasync (self->fd) ? errno : 0;
}

int
notify_journal_append (notify_journal_t *self, const char *id, uint32_t attempt,
                       const char *reply)
{
    char clean[600];
    snprintf (clean, sizeof clean, "%s", reply ? reply : "");
    for (char *p = clean; *p; p++)
        if (*p == '\t' || *p == '\r' || *p == '\n')
            *p = ' ';
    char line[768];
    int n = snprintf (line, sizeof line, "%s\t%u\t%s\n", id, attempt, clean);
    if (n < 0 || (size_t) n >= sizeof line)
        return EINVAL;
    /* One write: after a crash of the process a line is whole or absent
     * (the kernel has it once write returns); only a crash of the machine
     * can leave a last line without its end, which the reader ignores. */
    ssize_t written;
    while ((written = write (self->fd, line, (size_t) n)) < 0 && errno == EINTR)
        ;
    if (written != n)
        return written < 0 ? errno : EIO;
    return 0;
}

char *
notify_journal_find (notify_journal_t *self, const char *id, uint32_t attempt)
{
    char *text = bc_read_file (self->path);
    if (!text)
        return NULL;
    char *found = NULL;
    char want[128];
    int want_len = snprintf (want, sizeof want, "%s\t%u\t", id, attempt);
    for (char *line = text; *line;) {
        char *end = strchr (line, '\n');
        if (!end)
            break; /* torn by a machine crash: not on record */
        if (want_len > 0 && (size_t) want_len < sizeof want && end - line >= want_len &&
            strncmp (line, want, (size_t) want_len) == 0) {
            free (found);
            found = strndup (line + want_len, (size_t) (end - line - want_len));
        }
        line = end + 1;
    }
    free (text);
    return found;
}

void
notify_journal_trim (notify_journal_t *self, size_t max_bytes)
{
    struct stat st;
    if (fstat (self->fd, &st) || (size_t) st.st_size <= max_bytes)
        return;
    /* Not synced: lines that come back after a machine crash name attempts
     * already on record as delivered, which recovery never looks up. */
    if (ftruncate (self->fd, 0))
        bc_warn ("event=journal_trim_failed file=%s reason=\"%s\"", self->path,
                 strerror (errno));
}
