/* kb_bot_rules: a person, now? (see kb_bot_rules.h). The text is folded
 * with utf8proc (case, accents), cut into words, and each rule is a phrase
 * of words; a word ending in '*' matches any word it begins. */
#include "kb_bot_rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define S_MAX_WORDS 200
#define S_WORD_SIZE 32

typedef struct {
    char word[S_MAX_WORDS][S_WORD_SIZE];
    int n;
} s_words_t;

/* Asking for a person, anywhere in the message. */
static const char *const s_person[] = {
    "falar com atendente", "falar com um atendente", "falar com uma atendente",
    "falar com alguem", "falar com uma pessoa", "falar com pessoa", "falar com humano",
    "falar com um humano", "falar com o suporte", "falar com suporte", "falar com tecnico",
    "falar com um tecnico", "falar com analista", "falar com um analista", "falar com gente",
    "atendimento humano", "pessoa de verdade", "pessoa real", "ser humano", "alguem de verdade",
    "me transfere", "me transfira", "me transferir", "quero um atendente", "quero atendente",
    "chama um atendente", "chamar um atendente", "chama alguem", "me liga", "me liguem",
    "nao quero falar com robo", "nao quero robo", "voce e um robo", "vc e um robo",
    "speak to an agent", "speak to a human", "speak to a person", "speak to someone",
    "talk to an agent", "talk to a human", "talk to a person", "talk to someone",
    "human agent", "live agent", "real person", "real human", "a representative"};

/* The same on its own (a message of at most three words: "Atendente",
 * "humano por favor"): in a longer one they are often the subject of the
 * question ("como cadastro um atendente?"). Not "suporte" nor "pessoa":
 * "horario do suporte", "pessoa jurídica" are questions. */
static const char *const s_person_alone[] = {"atendente", "atendentes", "humano", "agent",
                                             "human", "operator"};
/* And these only as the whole message ("Suporte", "Pessoa"). */
static const char *const s_person_single[] = {"suporte", "pessoa", "atendimento", "support"};

/* Upset: complaints, threats, insults. A word that is often the subject
 * of a help-desk question ("processar a folha", "lixo eletrônico", "toda
 * vez que abro") is not one unless in a phrase that says so. */
static const char *const s_upset[] = {
    "absurdo", "absurda", "ridiculo", "ridicula", "palhacada", "vergonha", "vergonhoso",
    "pessimo", "pessima", "horrivel", "porcaria", "descaso", "desrespeito", "incompetente*",
    "incompetencia", "inaceitavel", "revoltad*", "indignad*", "irritad*", "cansei",
    "cansado de", "cansada de", "nao aguento mais", "ninguem resolve", "ninguem responde",
    "ninguem me responde", "ninguem ajuda", "ja e a segunda vez", "ja e a terceira vez",
    "ja e a quarta vez", "de novo isso", "procon", "reclame aqui", "reclameaqui", "advogado",
    "vou processar", "processar voces", "processar a empresa", "cancelar o contrato",
    "cancelar meu contrato", "cancelar a assinatura", "cancelar minha assinatura",
    "vou cancelar", "quero cancelar", "que lixo", "um lixo", "esse lixo", "merda", "porra",
    "caralho", "que saco", "puta", "inferno", "ridiculous", "unacceptable", "terrible",
    "awful", "worst", "useless", "lawyer", "sue", "cancel my subscription",
    "cancel my account", "fed up", "third time", "nobody answers", "nobody helps",
    "disgrace", "furious", "angry", "wtf"};

/* A request for a person in general terms: one of these verbs, then
 * within S_REACH words one of the people nouns ("preciso de um atendente
 * humano", "me coloca com um atendente", "connect me with an agent"). */
#define S_REACH 4
static const char *const s_ask_verbs[] = {
    "falar", "conversar", "fala", "coloca", "coloque", "passa", "passe", "transfere",
    "transfira", "transferir", "chama", "chame", "chamar", "quero", "queria", "gostaria",
    "atendido", "atendida", "chat",
    "preciso", "precisava", "tem", "existe", "posso", "talk", "speak", "connect", "transfer",
    "need", "want", "get", "reach", "contact"};
static const char *const s_people[] = {
    "atendente", "atendentes", "humano", "humana", "pessoa", "alguem", "gente", "tecnico",
    "tecnica", "analista", "pessoal", "vendedor", "vendedora", "consultor", "consultora",
    "gerente", "agent", "human", "person", "someone", "somebody",
    "representative", "operator"};
/* "o suporte", "support", "atendimento": people only after a contact verb
 * ("falar com o suporte", "talk to support"), not after "quero" ("quero
 * atendimento para a nota"). */
static const char *const s_contact_verbs[] = {"falar", "conversar", "fala", "talk", "speak",
                                              "connect", "contact", "reach"};
static const char *const s_service[] = {"suporte", "atendimento", "support", "team", "equipe"};

/* Upset in general terms: a feeling, a judgement of the service, waiting
 * too long, leaving for a competitor. */
static const char *const s_feelings[] = {
    "insatisfeit*", "decepcionad*", "frustrad*", "chatead*", "desapontad*", "disappointed",
    "frustrated", "upset", "unhappy", "piada", "joke", "pelo amor de deus", "nao e serio",
    "brincadeira", "falta de respeito", "raiva", "puto", "puta", "nao resolvem nada",
    "nao resolve nada", "quinta categoria", "perdi o dia", "perdendo tempo", "perda de tempo",
    "wasting my time", "waste of time"};
static const char *const s_judged[] = {"servico", "atendimento", "suporte", "sistema",
                                       "service", "support", "app"};
static const char *const s_bad[] = {"ruim", "pessimo", "pessima", "horrivel", "lixo",
                                    "bad", "poor", "terrible", "awful"};
static const char *const s_waiting[] = {"espero", "esperando", "aguardo", "aguardando",
                                        "esperei", "aguardei", "waiting", "waited"};
static const char *const s_long_time[] = {"dias", "semana", "semanas", "mes", "meses",
                                          "horas", "days", "week", "weeks", "month", "hours"};
static const char *const s_leaving[] = {"trocar de sistema", "trocar de fornecedor",
                                        "mudar de sistema", "mudar de fornecedor",
                                        "procurar outro sistema", "outra empresa",
                                        "switch to another", "find another provider"};

/* The text folded (lower case, accents stripped) into words. */
static void
s_split (const char *text, s_words_t *w)
{
    w->n = 0;
    utf8proc_uint8_t *folded = NULL;
    if (utf8proc_map ((const utf8proc_uint8_t *) text, 0, &folded,
                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE
                          | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD)
        < 0)
        return;
    const unsigned char *p = folded;
    while (*p && w->n < S_MAX_WORDS) {
        if (!isalnum (*p)) {
            p++;
            continue;
        }
        size_t len = 0;
        while (isalnum (*p) || (*p == '\'' && isalpha (p[1]))) {
            if (*p != '\'' && len + 1 < S_WORD_SIZE)
                w->word[w->n][len++] = (char) *p;
            p++;
        }
        w->word[w->n++][len] = 0;
    }
    free (folded);
}

/* Whether phrase matches at word i. */
static int
s_phrase_at (const s_words_t *w, int i, const char *phrase)
{
    int k = 0;
    const char *p = phrase;
    while (*p) {
        size_t len = strcspn (p, " ");
        int any_end = len > 0 && p[len - 1] == '*';
        size_t stem = any_end ? len - 1 : len;
        if (i + k >= w->n || strncmp (w->word[i + k], p, stem) != 0
            || (!any_end && w->word[i + k][stem] != 0))
            return 0;
        k++;
        p += len;
        while (*p == ' ')
            p++;
    }
    return 1;
}

static int
s_has (const s_words_t *w, const char *const *list, size_t count)
{
    for (int i = 0; i < w->n; i++)
        for (size_t j = 0; j < count; j++)
            if (s_phrase_at (w, i, list[j]))
                return 1;
    return 0;
}

/* Shouting: at least 20 letters (an error code in capitals is not), 70 %
 * of them capitals. */
static int
s_shouts (const char *text)
{
    int upper = 0, letters = 0;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if (isalpha (*p)) {
            letters++;
            upper += isupper (*p) != 0;
        }
    return letters >= 20 && upper * 10 >= letters * 7;
}

#define S_COUNT(list) (sizeof list / sizeof list[0])

/* Whether a word of `first` is followed, within reach words, by a word of
 * `then` (each a phrase list). */
static int
s_near (const s_words_t *w, const char *const *first, size_t nfirst, const char *const *then,
        size_t nthen, int reach)
{
    for (int i = 0; i < w->n; i++)
        for (size_t a = 0; a < nfirst; a++)
            if (s_phrase_at (w, i, first[a]))
                for (int j = i + 1; j <= i + reach && j < w->n; j++)
                    for (size_t b = 0; b < nthen; b++)
                        if (s_phrase_at (w, j, then[b]))
                            return 1;
    return 0;
}

static int
s_asks_for_person (const s_words_t *w)
{
    return s_has (w, s_person, S_COUNT (s_person))
           || (w->n <= 3 && s_has (w, s_person_alone, S_COUNT (s_person_alone)))
           || (w->n == 1 && s_has (w, s_person_single, S_COUNT (s_person_single)))
           || s_near (w, s_ask_verbs, S_COUNT (s_ask_verbs), s_people, S_COUNT (s_people),
                      S_REACH)
           || s_near (w, s_contact_verbs, S_COUNT (s_contact_verbs), s_service,
                      S_COUNT (s_service), S_REACH);
}

static int
s_is_upset (const s_words_t *w, const char *text)
{
    return s_has (w, s_upset, S_COUNT (s_upset)) || s_has (w, s_feelings, S_COUNT (s_feelings))
           || s_has (w, s_leaving, S_COUNT (s_leaving))
           || s_near (w, s_judged, S_COUNT (s_judged), s_bad, S_COUNT (s_bad), 2)
           || s_near (w, s_bad, S_COUNT (s_bad), s_judged, S_COUNT (s_judged), 2)
           || (s_has (w, s_waiting, S_COUNT (s_waiting))
               && s_has (w, s_long_time, S_COUNT (s_long_time)))
           || s_shouts (text);
}

kb_bot_handoff_t
kb_bot_handoff (const char *text)
{
    if (!text || !*text)
        return KB_BOT_CARRY_ON;
    s_words_t *w = malloc (sizeof *w);
    if (!w)
        return KB_BOT_CARRY_ON;
    s_split (text, w);
    kb_bot_handoff_t out = s_asks_for_person (w) ? KB_BOT_ASKS_FOR_PERSON
                           : s_is_upset (w, text)  ? KB_BOT_UPSET
                                                   : KB_BOT_CARRY_ON;
    free (w);
    return out;
}

const char *
kb_bot_handoff_name (kb_bot_handoff_t reason)
{
    switch (reason) {
    case KB_BOT_ASKS_FOR_PERSON:
        return "asked_for_person";
    case KB_BOT_UPSET:
        return "upset";
    case KB_BOT_CARRY_ON:
        break;
    }
    return "";
}

/* "Isso resolveu?": the first words say yes or no; a "não" anywhere in a
 * short answer is a no ("acho que não", "ainda não funcionou"). Emoji are
 * read as people mean them. */
static const char *const s_yes[] = {
    "sim", "s", "ss", "resolveu", "resolvido", "resolvida", "deu certo", "funcionou",
    "consegui", "obrigado", "obrigada", "obg", "valeu", "vlw", "perfeito", "otimo", "show",
    "isso", "yes", "yep", "yeah", "solved", "it worked", "worked", "thanks", "thank you",
    "great", "perfect", "ok resolveu", "era isso"};
static const char *const s_no[] = {"nao", "n", "no", "nope", "ainda nao", "nem", "not",
                                   "didn't", "didnt", "doesn't", "doesnt", "negativo"};

kb_bot_feedback_t
kb_bot_feedback (const char *text)
{
    if (!text || !*text)
        return KB_BOT_FEEDBACK_OTHER;
    if (strstr (text, "\xf0\x9f\x91\x8d") || strstr (text, "\xe2\x9c\x85")) /* 👍 ✅ */
        return KB_BOT_FEEDBACK_YES;
    if (strstr (text, "\xf0\x9f\x91\x8e") || strstr (text, "\xe2\x9d\x8c")) /* 👎 ❌ */
        return KB_BOT_FEEDBACK_NO;
    s_words_t *w = malloc (sizeof *w);
    if (!w)
        return KB_BOT_FEEDBACK_OTHER;
    s_split (text, w);
    kb_bot_feedback_t out = KB_BOT_FEEDBACK_OTHER;
    for (int i = 0; i < w->n && i < 8 && out == KB_BOT_FEEDBACK_OTHER; i++)
        for (size_t j = 0; j < S_COUNT (s_no); j++)
            if (s_phrase_at (w, i, s_no[j]) && (i == 0 || w->n <= 6))
                out = KB_BOT_FEEDBACK_NO;
    for (size_t j = 0; j < S_COUNT (s_yes) && out == KB_BOT_FEEDBACK_OTHER && w->n; j++)
        if (s_phrase_at (w, 0, s_yes[j]))
            out = KB_BOT_FEEDBACK_YES;
    free (w);
    return out;
}
