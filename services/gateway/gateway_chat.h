/* gateway_chat: the web chat's room (docs/API.md "Web chat"). A visitor of
 * the portal, or of a customer's site through the embedded /chat page,
 * starts a conversation (POST /api/v1/chat/start), writes
 * (/chat/messages), gives a name and e-mail (/chat/contact), follows the
 * answers (GET /chat/events, gateway_chat_stream.h) and ends it
 * (/chat/end). Each message goes to intake as a Submit of channel "chat"
 * from "chat:<id>" (as service:gateway); the bot (kb) and then an agent
 * answer it.
 *
 * The visitor's capability is a random secret in an HttpOnly cookie scoped
 * to /api/v1/chat, kept only as its hash in the gateway's store: nobody
 * else can write in or read a chat. Writes must be JSON from our own origin
 * and carry the chat's CSRF token (given by /chat/start); starts and
 * messages are limited per IP address. */
#ifndef GATEWAY_CHAT_H
#define GATEWAY_CHAT_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"
#include "gateway_store.h"

typedef struct gateway_chat_t gateway_chat_t;

/* Uses bus and store (not owned). NULL after logging why. */
gateway_chat_t *gateway_chat_new (bc_config_t *config, gateway_bus_t *bus, gateway_store_t *store);
void gateway_chat_destroy (gateway_chat_t **self_p);
/* Ends the live streams (before the daemon stops). */
void gateway_chat_stop (gateway_chat_t *self);

/* Answers the request when its path is under chat/ (it does its own
 * checks of a write: the routes' generic ones do not apply); false (and
 * *out untouched) otherwise. */
bool gateway_chat_route (gateway_chat_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
