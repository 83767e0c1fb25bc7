/* router_reply: what a customer's short e-mail answer means, when it answers
 * a resolved ticket ("funcionou, obrigado": they accept the solution) or a
 * closed one ("5 - ótimo atendimento": their rating). Anything else is read
 * as words for the team (a resolved ticket is reopened with them). Pure
 * functions, no state. */
#ifndef ROUTER_REPLY_H
#define ROUTER_REPLY_H

/* True when text (the new part of the message, without quotes) is a short
 * acceptance: at most 3 lines and 200 characters, starting with a word such
 * as "ok", "obrigado", "funcionou", "resolvido", "pode fechar", "sim",
 * "thanks", "solved", "works", and with no "não"/"nao"/"not"/"ainda"/"still"
 * anywhere. */
int router_reply_accepts (const char *text);

/* 1-5 when text is a short rating ("5", "nota 4", "4/5 muito bom",
 * "Nota: 3 - demorou"), with the rest as the comment (*comment points into
 * text, maybe ""); 0 otherwise. */
int router_reply_rating (const char *text, const char **comment);

#endif
