/* kb_bot_words: what the bot says, in pt-BR and English: standard messages
 * in the tone of the support techniques (acknowledge, say what happens
 * next, realistic times, no jargon), each one replaceable in config:
 * kb/bot/messages/<key> (pt-BR) and kb/bot/messages_en/<key> (English).
 * Placeholders: {titulo}/{title}, {trecho}/{excerpt}, {link}, {horario}/
 * {hours}, {volta}/{back} — both spellings work in both languages. */
#ifndef KB_BOT_WORDS_H
#define KB_BOT_WORDS_H

#include "bc_config.h"

#include <stddef.h>
#include <time.h>

typedef enum {
    KB_BOT_W_ANSWER,        /* an article, its link, then "Isso resolveu?" */
    KB_BOT_W_ANSWER_CHAT,   /* the same in the web chat, whose widget shows the link */
    KB_BOT_W_YES,           /* button titles (at most 20 characters: WhatsApp) */
    KB_BOT_W_NO,
    KB_BOT_W_PERSON,
    KB_BOT_W_DEFLECTED,     /* the customer said it solved it */
    KB_BOT_W_RETRY,         /* it did not: tell me again */
    KB_BOT_W_TO_PERSON,     /* hand-off, the customer asked */
    KB_BOT_W_UPSET,         /* hand-off, the customer is upset */
    KB_BOT_W_NO_ANSWER,     /* hand-off, nothing confident in the base */
    KB_BOT_W_UNHELPFUL,     /* hand-off, two answers did not help */
    KB_BOT_W_ASK_CATEGORY,
    KB_BOT_W_CATEGORY_LABEL, /* the list's button */
    KB_BOT_W_CATEGORY_AGAIN,
    KB_BOT_W_OTHER,          /* the list's last option: none of these */
    KB_BOT_W_ASK_DESCRIPTION,
    KB_BOT_W_ASK_CONTACT,    /* web chat: name and e-mail */
    KB_BOT_W_HANDED_OFF,     /* WhatsApp: a person continues here */
    KB_BOT_W_HANDED_OFF_CHAT,
    KB_BOT_W_AFTER_HOURS,    /* the same, outside business hours: {volta} */
    KB_BOT_W_HOURS,          /* "de segunda a sexta, das 8h às 18h" */
    KB_BOT_W_COUNT
} kb_bot_word_t;

/* The message in language ("en..." English, else pt-BR): config first,
 * then the built-in text. Never NULL. */
const char *kb_bot_word (bc_config_t *cfg, kb_bot_word_t word, const char *language);

/* The message with its placeholders filled (malloc'd): vars are name/value
 * pairs ("titulo", "Como emitir…"), n pairs. */
char *kb_bot_fill (const char *text, const char *const (*vars)[2], size_t n);

/* When the team is back, for people: "hoje às 13h", "amanhã às 8h",
 * "segunda-feira, 7 de dezembro, às 8h" ("today at 13:00", "tomorrow at
 * 8:00", "Monday, December 7, at 8:00"), in the process's time zone. */
void kb_bot_back_at (time_t now, time_t back, const char *language, char *out, size_t size);

#endif
