/* bc_mailid: the Message-IDs Balcão generates carry the ticket number, so a
 * reply threads to its ticket even if intake's index were lost:
 *     balcao.<install>.t<ticket>.<random>@<domain>
 * notify writes them, intake reads them. */
#ifndef BC_MAILID_H
#define BC_MAILID_H

#include <stddef.h>
#include <stdint.h>

/* Writes a new Message-ID (without angle brackets) for ticket into out. */
void bc_mailid_new (char *out, size_t size, const char *install, uint64_t ticket,
                    const char *domain);
/* The ticket encoded in message_id (with or without brackets) when it is one
 * of ours for this install and domain; 0 otherwise. */
uint64_t bc_mailid_ticket (const char *message_id, const char *install, const char *domain);

/* The subject tag of a ticket, "[<tag> #<ticket>]" ("[Chamado #42]"). Each
 * install sets its own tag (balcao/ticket_tag, default "Chamado") so that
 * two installs writing to the same customer do not take each other's
 * tickets. */
void bc_mailid_subject_tag (char *out, size_t size, const char *tag, uint64_t ticket);
/* The ticket in a subject's tag for this install's tag (case ignored,
 * anywhere in the subject: "Re: Fwd: [Chamado #42] ..."), or 0. */
uint64_t bc_mailid_ticket_from_subject (const char *subject, const char *tag);
/* The X-Loop value notify writes and intake recognises as our own mail. */
void bc_mailid_loop_tag (char *out, size_t size, const char *install, const char *domain);

/* The Message-ID header's value of a raw message (its first, unfolded and
 * trimmed, as written), into out; 0 when the header has none. The mail
 * gates route a message to intake's replica by it, so that a message sent
 * again reaches the replica that dedupes it. */
size_t bc_mailid_of_raw (const unsigned char *raw, size_t len, char *out, size_t size);

#endif
