/* gateway_chat_stream: the web chat's live stream, GET /api/v1/chat/events
 * (Server-Sent Events), and the watch that feeds it: the bot's answers
 * (kb's BotReplied, read with GetConversation), then the agents' public
 * replies on the ticket the hand-off opened (the visitor's ticket whose
 * conversation is "chat:<id>"). Resumes after
 * Last-Event-ID ("<bot seq>.<agent replies>"). Ends, with kb's
 * EndConversation, the chats whose visitor has been gone for
 * gateway/chat/idle_s. gateway_chat.c checks the visitor first. */
#ifndef GATEWAY_CHAT_STREAM_H
#define GATEWAY_CHAT_STREAM_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"
#include "gateway_store.h"

typedef struct gateway_chat_stream_t gateway_chat_stream_t;

/* Uses bus and store (not owned). NULL after logging why. */
gateway_chat_stream_t *gateway_chat_stream_new (bc_config_t *config, gateway_bus_t *bus,
                                                gateway_store_t *store);
void gateway_chat_stream_destroy (gateway_chat_stream_t **self_p);
/* Ends every stream: before the daemon stops. */
void gateway_chat_stream_stop (gateway_chat_stream_t *self);

/* Answers GET /chat/events for the visitor of chat (stored under key). */
enum MHD_Result gateway_chat_stream_open (gateway_chat_stream_t *self, gateway_req_t *req,
                                          const unsigned char key[GATEWAY_KEY_SIZE],
                                          const gateway_chat_rec_t *chat);
/* The visitor of chat id just wrote: the bot's answer is coming. The hub
 * asks kb every 10 ms until it came (3 s at most) instead of every
 * gateway/chat/poll_ms. A chat no stream watches is not waited for. */
void gateway_chat_stream_expect (gateway_chat_stream_t *self, const char *id);
/* The chat ended (the visitor closed it): its streams say so and close. */
void gateway_chat_stream_ended (gateway_chat_stream_t *self, const char *id);

/* Tells kb that conversation "chat:<id>" ended (EndConversation, as
 * service:gateway; kb takes it twice as once). BC_OK (also when kb never
 * heard of it: nothing was said) or the bus's code; *reply (when not NULL)
 * keeps the answer. */
int gateway_chat_end_conversation (gateway_bus_t *bus, const char *id, bc_envelope_t **reply);

#endif
