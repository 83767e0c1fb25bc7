/* intake_headers: a message's header block as real senders write it, not
 * as RFC 5322 wishes: junk lines before it, the sender in From, else in
 * Reply-To or Sender, a bare "Name addr@example.com" without brackets, a
 * sender with no domain (MAILER-DAEMON), raw 8-bit names in the charset
 * the text declares. Part of intake_mail; only intake_mail.c includes it. */
#ifndef INTAKE_HEADERS_H
#define INTAKE_HEADERS_H

#include <gmime/gmime.h>
#include <stddef.h>
#include <stdint.h>

/* Where the header block starts in raw: at the first of its first few
 * lines (INTAKE_HEADERS_MAX_JUNK + 1) that is a header field ("Name:"),
 * after an mbox "From " line, a stray line or blank lines. len when none
 * of them is. */
#define INTAKE_HEADERS_MAX_JUNK 4
size_t intake_headers_start (const uint8_t *raw, size_t len);

/* The charset the message's text declares: the charset parameter of its
 * first text part that is not an attachment (not inside an attached
 * message), or NULL. Owned by msg. */
const char *intake_headers_body_charset (GMimeMessage *msg);

/* The sender, UTF-8 (both malloc'd, never NULL): the first mailbox with a
 * domain in From, else in Reply-To, else in Sender; when none has one,
 * From's mailbox as written (a bounce's "MAILER-DAEMON"), else "". An
 * address without brackets after a name counts. Raw 8-bit bytes in a name
 * are read in the declared body charset, then UTF-8, then Windows-1252
 * (intake_charset_header). The name comes from the mailbox used, or from
 * From when that has none. */
void intake_headers_sender (GMimeMessage *msg, char **address, char **name);

#endif
