/* intake_attach: content-addressed attachment files and the size limits
 * (see intake_attach.h). Files rather than LMDB values: a 25 MB value
 * would be copied into the single write transaction every other request
 * waits on, grow the map by the size of every file ever received, and
 * could not be served or backed up without going through LMDB; a file
 * costs one fsync, once per distinct content. */
#include "intake_attach.h"

#include "bc_size.h"
#include "bc_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool
intake_attach_is_id (const char *s)
{
    if (!s || strlen (s) != 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

void
intake_attach_path (char *out, size_t size, const char *root, const char *sha256)
{
    snprintf (out, size, "%s/%.2s/%s", root, sha256, sha256);
}

static int
s_fsync_dir (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return errno;
    int rc = fsync (fd) ? errno : 0;
    close (fd);
    return rc;
}

int
intake_attach_write (const char *root, const char *sha256, const uint8_t *data, size_t len)
{
    if (!intake_attach_is_id (sha256))
        return EINVAL;
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256 (hash, data, len);
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    if (strcmp (hex, sha256) != 0)
        return EINVAL;
    char path[4096], dir[4000], tmp[4096];
    intake_attach_path (path, sizeof path, root, sha256);
    struct stat st;
    if (stat (path, &st) == 0 && (size_t) st.st_size == len)
        return 0; /* the same content, already durable */
    snprintf (dir, sizeof dir, "%s/%.2s", root, sha256);
    int rc = bc_dir_ensure (dir);
    if (rc)
        return rc;
    snprintf (tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, sha256, (long) getpid ());
    int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return errno;
    rc = bc_write_all (fd, data, len);
    if (!rc && fsync (fd))
        rc = errno;
    if (close (fd) && !rc)
        rc = errno;
    if (!rc && rename (tmp, path))
        rc = errno;
    if (rc) {
        unlink (tmp);
        return rc;
    }
    /* The new name must be durable too, and so must a new <xx> directory. */
    rc = s_fsync_dir (dir);
    if (!rc)
        rc = s_fsync_dir (root);
    return rc;
}

int
intake_attach_read (const char *root, const char *sha256, size_t max_len, uint8_t **data,
                    size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!intake_attach_is_id (sha256))
        return ENOENT;
    char path[4096];
    intake_attach_path (path, sizeof path, root, sha256);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    int rc = 0;
    if (fstat (fd, &st))
        rc = errno;
    else if ((uint64_t) st.st_size > max_len)
        rc = EFBIG;
    uint8_t *buf = rc ? NULL : malloc ((size_t) st.st_size + 1);
    if (!rc && !buf)
        rc = ENOMEM;
    size_t got = 0;
    while (!rc && got < (size_t) st.st_size) {
        ssize_t n = read (fd, buf + got, (size_t) st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = n < 0 ? errno : EIO;
        else
            got += (size_t) n;
    }
    close (fd);
    if (rc) {
        free (buf);
        return rc;
    }
    *data = buf;
    *len = got;
    return 0;
}

static char *
s_describe (const intake_attachment_t *a, const char *language)
{
    const char *name = *a->filename ? a->filename : a->content_type;
    size_t size = strlen (name) + 48;
    char *out = malloc (size);
    if (out)
        bc_size_file (out, size, name, a->size, language);
    return out;
}

intake_attach_limit_t
intake_attach_check (const intake_mail_t *mail, uint64_t max_file, uint64_t max_message,
                     const char *language, char ***files, size_t *n_files)
{
    intake_attach_limit_t over = INTAKE_ATTACH_WITHIN;
    uint64_t total = 0;
    for (size_t i = 0; i < mail->n_attachments; i++) {
        if (mail->attachments[i].is_copy)
            continue;
        total += mail->attachments[i].size;
        if (mail->attachments[i].size > max_file)
            over = INTAKE_ATTACH_OVER_FILE;
    }
    if (over == INTAKE_ATTACH_WITHIN && total > max_message)
        over = INTAKE_ATTACH_OVER_MESSAGE;
    if (files) {
        *files = NULL;
        *n_files = 0;
    }
    if (over == INTAKE_ATTACH_WITHIN || !files)
        return over;
    *files = calloc (mail->n_attachments + 1, sizeof (char *));
    for (size_t i = 0; i < mail->n_attachments; i++)
        if (!mail->attachments[i].is_copy
            && (over == INTAKE_ATTACH_OVER_MESSAGE || mail->attachments[i].size > max_file))
            (*files)[(*n_files)++] = s_describe (&mail->attachments[i], language);
    return over;
}

void
intake_attach_files_free (char **files, size_t n_files)
{
    for (size_t i = 0; i < n_files; i++)
        free (files[i]);
    free (files);
}

/* Removes attachment i of mail, its description appended to files. */
static void
s_leave_out (intake_mail_t *mail, size_t i, const char *language, char **files,
             size_t *n_files)
{
    intake_attachment_t *a = &mail->attachments[i];
    files[(*n_files)++] = s_describe (a, language);
    free (a->filename);
    free (a->content_type);
    free (a->data);
    memmove (a, a + 1, (mail->n_attachments - i - 1) * sizeof *a);
    mail->n_attachments--;
}

intake_attach_limit_t
intake_attach_trim (intake_mail_t *mail, uint64_t max_file, uint64_t max_message,
                    const char *language, char ***files,
                    size_t *n_files)
{
    intake_attach_limit_t over = INTAKE_ATTACH_WITHIN;
    *files = calloc (mail->n_attachments + 1, sizeof (char *));
    *n_files = 0;
    for (size_t i = 0; i < mail->n_attachments;) {
        if (!mail->attachments[i].is_copy && mail->attachments[i].size > max_file) {
            s_leave_out (mail, i, language, *files, n_files);
            over = INTAKE_ATTACH_OVER_FILE;
        }
        else
            i++;
    }
    for (;;) {
        uint64_t total = 0;
        size_t largest = 0;
        bool any = false;
        for (size_t i = 0; i < mail->n_attachments; i++) {
            const intake_attachment_t *a = &mail->attachments[i];
            if (a->is_copy)
                continue;
            total += a->size;
            if (!any || a->size > mail->attachments[largest].size)
                largest = i;
            any = true;
        }
        if (!any || total <= max_message)
            break;
        s_leave_out (mail, largest, language, *files, n_files);
        if (over == INTAKE_ATTACH_WITHIN)
            over = INTAKE_ATTACH_OVER_MESSAGE;
    }
    return over;
}
