/* router_reply: what a customer's short e-mail answer means, when it answers
 * a resolved ticket ("Bom dia! Funcionou, obrigada.": they accept the
 * solution; "Continua dando erro": they reject it; "Vou testar amanhã": the
 * agent must judge) or a closed one ("5 - ótimo atendimento": their rating).
 * Pure functions, no state. tests/data/answers.tsv is the table of real
 * answers the reading is measured on (tests/unit/test_router_reply.c). */
#ifndef ROUTER_REPLY_H
#define ROUTER_REPLY_H

typedef enum {
    ROUTER_ANSWER_UNCLEAR, /* neither: a person must read it */
    ROUTER_ANSWER_ACCEPTS, /* the solution works: the ticket may close */
    ROUTER_ANSWER_REJECTS  /* the problem persists: the ticket reopens */
} router_answer_t;

/* What text (the new part of the customer's message, without quotes) says
 * about the solution, in Brazilian Portuguese or English, with or without
 * accents, typos, emoji, greetings, thanks and a signature.
 *
 * ROUTER_ANSWER_REJECTS when it reports the problem persists: a negated
 * acceptance ("não funcionou", "didn't work", "não deu certo"), or words of
 * a persisting problem ("continua", "ainda", "erro", "mesmo problema",
 * "voltou a dar", "still", "same error"...), or a bare "não"/"nope", except
 * in a sentence that defers the test ("ainda não testei").
 * ROUTER_ANSWER_ACCEPTS when it says it works ("funcionou", "deu certo",
 * "consegui", "resolvido", "pode encerrar", "não deu mais erro", "works",
 * "fixed"...), or is only an assent or thanks ("Ok", "Sim", "👍", "Muito
 * obrigada!") among greetings and sign-offs, and has no question, no "mas"
 * or "but", no doubt ("parece", "seems"), no deferral ("vou testar",
 * "amanhã", "I'll check"), no negation left unexplained, and is not long
 * (over 150 words).
 * ROUTER_ANSWER_UNCLEAR otherwise. A rejection is never read as an
 * acceptance: in doubt, unclear. NULL is unclear. */
router_answer_t router_reply_answer (const char *text);

/* 1-5 when text is a short rating ("5", "nota 4", "4/5 muito bom",
 * "Nota: 3 - demorou"), with the rest as the comment (*comment points into
 * text, maybe ""); 0 otherwise. */
int router_reply_rating (const char *text, const char **comment);

#endif
