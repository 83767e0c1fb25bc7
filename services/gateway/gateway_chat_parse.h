/* gateway_chat_parse: the web chat's request bodies (gateway_chat.h), read
 * and checked before anything is sent on: JSON objects with known fields
 * of the right types and sizes. Pure (no I/O), fuzzed by
 * tests/fuzz/fuzz_chat.c. */
#ifndef GATEWAY_CHAT_PARSE_H
#define GATEWAY_CHAT_PARSE_H

#include "gateway_parse.h"

#include <stdbool.h>
#include <stddef.h>

/* A message's text: 1 to GATEWAY_CHAT_TEXT_MAX characters (code points). */
#define GATEWAY_CHAT_TEXT_MAX 2000
/* The client's id of a message (its retries share it): 1 to 64 of
 * A-Z a-z 0-9 - _ */
#define GATEWAY_CHAT_CLIENT_ID_MAX 64
/* A bot option's id as the visitor sends it back ("bot:yes", "cat:acesso"). */
#define GATEWAY_CHAT_REPLY_ID_MAX 100
/* A visitor's name: 1 to 150 bytes of UTF-8 (what the store keeps). */
#define GATEWAY_CHAT_NAME_MAX 150

typedef enum {
    GATEWAY_CHAT_START,   /* {"language"?: "pt-BR"|"en", "restart"?: bool} */
    GATEWAY_CHAT_MESSAGE, /* {"id", "text", "reply_id"?} */
    GATEWAY_CHAT_CONTACT, /* {"id", "name", "email"} */
    GATEWAY_CHAT_END      /* {} */
} gateway_chat_kind_t;

typedef struct {
    char id[GATEWAY_CHAT_CLIENT_ID_MAX + 1];
    char text[GATEWAY_CHAT_TEXT_MAX * 4 + 1];
    char reply_id[GATEWAY_CHAT_REPLY_ID_MAX + 1];
    char name[GATEWAY_CHAT_NAME_MAX + 1];
    char email[GATEWAY_ADDRESS_MAX + 1];
    char language[8]; /* "" when not given */
    bool restart;
} gateway_chat_input_t;

/* Reads body (len bytes, need not be NUL-terminated) as a request of
 * kind. True with *out filled (text and name trimmed of surrounding
 * spaces, the e-mail in lower case), or false with *pt and *en saying
 * what is wrong, in words a visitor understands. */
bool gateway_chat_parse (gateway_chat_kind_t kind, const char *body, size_t len,
                         gateway_chat_input_t *out, const char **pt, const char **en);

#endif
