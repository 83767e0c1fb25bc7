/* intake_attach: the files that come with customers' messages, stored
 * content-addressed by the SHA-256 of their decoded bytes:
 *
 *     <root>/<first 2 hex digits>/<64 hex digits>
 *
 * (root is <data_dir>/intake/attachments). A file is written to a
 * temporary name, fsynced, renamed into place and its directory fsynced,
 * so once intake_attach_write returns 0 the bytes survive a crash; intake
 * calls it before the LMDB transaction that records the file commits. The
 * same content twice is one file. The metadata (name, type, size) lives in
 * intake's LMDB (db "attachments"); this file only knows bytes and limits. */
#ifndef INTAKE_ATTACH_H
#define INTAKE_ATTACH_H

#include "intake_mail.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s is 64 lower-case hex digits (an attachment's id). */
bool intake_attach_is_id (const char *s);

/* The path of the file with id sha256 under root, in out. */
void intake_attach_path (char *out, size_t size, const char *root, const char *sha256);

/* Stores len bytes of data under their id sha256 (hex of SHA-256 of data;
 * checked) unless a file of that id and size is already there. Returns 0
 * or an errno value (EINVAL: the id does not match the bytes). */
int intake_attach_write (const char *root, const char *sha256, const uint8_t *data, size_t len);

/* Reads the file with id sha256 into a malloc'd *data (*len bytes); at
 * most max_len bytes. Returns 0, ENOENT when absent, EFBIG when larger than
 * max_len, or another errno value. */
int intake_attach_read (const char *root, const char *sha256, size_t max_len, uint8_t **data,
                        size_t *len);

/* The default limits, decoded bytes (intake/max_attachment_bytes and
 * intake/max_message_attachments_bytes): 25 MiB each. A mail with a file
 * that large (a third more in base64) fits the default
 * balcao/max_message_size (BC_MAX_MESSAGE_SIZE_DEFAULT). */
#define INTAKE_MAX_FILE_DEFAULT (25 * 1024 * 1024)
#define INTAKE_MAX_MESSAGE_DEFAULT (25 * 1024 * 1024)

/* Which limit a message's attachments exceed. */
typedef enum {
    INTAKE_ATTACH_WITHIN = 0,
    INTAKE_ATTACH_OVER_FILE,    /* one file over max_file */
    INTAKE_ATTACH_OVER_MESSAGE, /* all of them together over max_message */
    INTAKE_ATTACH_OVER_SIZE,    /* the whole message over balcao/max_message_size:
                                   a mail gate sent only its header */
} intake_attach_limit_t;

/* Checks the attachments of mail against the limits (bytes, decoded). The
 * per-file limit is checked first. When over, *files (when not NULL) is a
 * malloc'd array of *n_files malloc'd strings, "name (12,5 MB)" in the
 * sender's language (bc_size.h): the files over the file limit, or every
 * file for the message limit. Free it with intake_attach_files_free. */
intake_attach_limit_t intake_attach_check (const intake_mail_t *mail, uint64_t max_file,
                                           uint64_t max_message, const char *language,
                                           char ***files, size_t *n_files);
void intake_attach_files_free (char **files, size_t n_files);

/* Leaves out of mail the files a message by mail cannot keep: every file
 * over max_file, then the largest of the rest until they add up to at most
 * max_message (a forwarded message's whole copy, is_copy, is never counted:
 * see intake_mail.h). The message itself is kept with the others. Returns
 * which limit left files out (the per-file one when both did), with
 * *files, *n_files as for intake_attach_check (only the files left out). */
intake_attach_limit_t intake_attach_trim (intake_mail_t *mail, uint64_t max_file,
                                          uint64_t max_message, const char *language,
                                          char ***files, size_t *n_files);

#endif
