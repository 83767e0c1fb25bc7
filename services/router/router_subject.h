/* router_subject: a new ticket's subject as the customer meant it. A mail
 * that answers one of our notices but opens a ticket of its own (a stranger
 * replying to a forwarded acknowledgement, a customer writing long after
 * closing) carries our tag, our notice's words and reply prefixes:
 * "RE: [Chamado #1] Recebemos seu chamado: Impressora" is "Impressora", so
 * the new ticket's notices never stack tags. Pure function, no state. */
#ifndef ROUTER_SUBJECT_H
#define ROUTER_SUBJECT_H

#include <stddef.h>

/* When subject holds a ticket tag: subject without leading reply/forward prefixes ("Re:", "RES:", "Fwd:",
 * "ENC:", "TR:", "AW:", "WG:", "SV:", "RV:", any case, repeated), without
 * every "[<word> #<digits>]" ticket tag, and without the words of our own
 * notices that follow a tag ("Recebemos seu chamado:", "Resolved, please
 * confirm:" ...), into out (at most size bytes, always terminated). An
 * empty result gives "" (the caller picks a placeholder). Without a tag:
 * subject as written, blanks trimmed. */
void router_subject_clean (const char *subject, char *out, size_t size);

#endif
