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

#endif
