/* bc_phone: who a WhatsApp number is. Meta names a Brazilian mobile as
 * 55 + DDD + 9 + eight digits, or, for accounts older than the ninth digit
 * (and depending on the sender's side), without that 9: the same person
 * under two numbers. The identity (the customer's address, the ticket's
 * customer, the bot's conversation, the gateway's choice of intake
 * replica) is the number with the 9; the number a message came from is
 * kept as WhatsApp sent it, to reply to. See docs/ARCHITECTURE.md,
 * "WhatsApp webhook". */
#ifndef BC_PHONE_H
#define BC_PHONE_H

#include <stddef.h>

/* The largest identity with its NUL: 15 digits (E.164's most). */
#define BC_PHONE_MAX 16

/* The canonical identity of a WhatsApp number (Meta's wa_id, or a number
 * written "+55 (11) 9876-5432": '+', spaces, '-', '(', ')' and '.' are
 * skipped): its digits, 8 to 15 of them, where a Brazilian mobile without
 * the ninth digit gets it: 12 digits "55" + DDD (two digits 1-9: no
 * Brazilian area code has a 0) + eight digits whose first is 6, 7, 8 or 9
 * become 13, with a 9 after the DDD. Everything else is only its digits:
 * a 13-digit Brazilian mobile, a landline (first local digit 2-5), a
 * number of any other country, a 12-digit "55" number with a DDD holding
 * a 0 or a local number starting with 0 or 1 (no such line).
 * 0 with the identity in out; -1 (out "") when number is NULL, holds
 * anything else, has fewer than 8 or more than 15 digits, or out has less
 * than BC_PHONE_MAX bytes. */
int bc_phone_whatsapp_id (const char *number, char *out, size_t size);

/* The other name of a canonical identity: for a 13-digit Brazilian mobile
 * whose digit after the 9 is 6-9 (the inverse of the rule above), the
 * 12-digit form without the 9, as a store written before this rule may
 * know it. 0 with it in out; -1 (out "") when the identity has no other
 * name (a landline, another country, a 13-digit number "55 DD 9 2..." whose
 * shorter form would be a landline's) or out is too small. */
int bc_phone_whatsapp_alias (const char *id, char *out, size_t size);

/* An address "whatsapp:+<number>" with its number's identity
 * ("whatsapp:+5511987654321"); any other address (an e-mail,
 * "whatsapp:user:<id>", "chat:<id>", a number we cannot read) is copied as
 * it is. 0; -1 (out "") when out is too small for the result. */
int bc_phone_whatsapp_address (const char *address, char *out, size_t size);

#endif
