/* kb_bot_rules: when the bot must hand a conversation to a person whatever
 * the knowledge base says: the customer asks for one ("quero falar com um
 * atendente", "humano"), or is upset ("isso é um absurdo, ninguém resolve",
 * "vou no Procon", shouting in capitals). A small rule set people can read
 * and extend: phrases, in pt-BR and English, matched on the folded text
 * (lower case, no accents). Pure function, no state. */
#ifndef KB_BOT_RULES_H
#define KB_BOT_RULES_H

typedef enum {
    KB_BOT_CARRY_ON = 0,       /* nothing here says: a person, now */
    KB_BOT_ASKS_FOR_PERSON,    /* "falar com atendente", "humano", "speak to an agent" */
    KB_BOT_UPSET,              /* complaint words, threats to leave or sue, shouting */
} kb_bot_handoff_t;

/* What text (a customer's message to the bot) says about handing off. A
 * request for a person wins over being upset (both hand off). */
kb_bot_handoff_t kb_bot_handoff (const char *text);

/* The reason's name, as BotAnswer.handoff carries it: "asked_for_person",
 * "upset", or "" for KB_BOT_CARRY_ON. */
const char *kb_bot_handoff_name (kb_bot_handoff_t reason);

/* What a customer's answer to "Isso resolveu?" says, when they type it
 * instead of tapping a button: "sim, deu certo" / "👍" yes, "não",
 * "ainda não funcionou" / "👎" no, anything else (a new question) other. */
typedef enum {
    KB_BOT_FEEDBACK_OTHER = 0,
    KB_BOT_FEEDBACK_YES,
    KB_BOT_FEEDBACK_NO,
} kb_bot_feedback_t;
kb_bot_feedback_t kb_bot_feedback (const char *text);

#endif
