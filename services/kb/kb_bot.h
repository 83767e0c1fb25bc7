/* kb_bot: the bot's conversations (WhatsApp and web chat), kept by kb: see
 * kb_bot.c for the states and docs/ARCHITECTURE.md, "The bot". */
#ifndef KB_BOT_H
#define KB_BOT_H

#include "kb_internal.h"

/* Opens the `bot_conv` table, reads kb/bot/... and router/calendar/...,
 * registers GetConversation and EndConversation. */
kb_bot_t *kb_bot_new (kb_t *kb);
void kb_bot_destroy (kb_bot_t **bot_p);

/* The router's BotTurn: a customer's message to the bot. Returns 0 or an
 * LMDB code; a turn it cannot use is logged and dropped (0). */
int kb_bot_on_turn (kb_bot_t *bot, bc_tx_t *tx, const Balcao__V1__BotTurn *t);

/* The router's TicketCreated: a hand-off's ticket exists (the
 * conversation's next message starts over once it closes). */
int kb_bot_on_ticket (kb_bot_t *bot, bc_tx_t *tx, const Balcao__V1__Ticket *t);

#endif
