/* kb_bot_words: the bot's standard messages (see kb_bot_words.h). */
#include "kb_bot_words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *key, *pt, *en;
} s_words[KB_BOT_W_COUNT] = {
    [KB_BOT_W_ANSWER] = {"answer",
                         "Entendi. Encontrei este artigo na nossa central de ajuda: {titulo}.\n\n"
                         "{trecho}\n\nO passo a passo completo está aqui: {link}\n\nIsso resolveu?",
                         "Got it. I found this article in our help center: {title}.\n\n{excerpt}\n\n"
                         "The full step-by-step guide is here: {link}\n\nDid this solve it?"},
    [KB_BOT_W_ANSWER_CHAT] = {"answer_chat",
                              "Entendi. Encontrei este artigo na nossa central de ajuda: "
                              "{titulo}.\n\n{trecho}\n\nIsso resolveu?",
                              "Got it. I found this article in our help center: {title}.\n\n"
                              "{excerpt}\n\nDid this solve it?"},
    [KB_BOT_W_YES] = {"yes", "Sim, resolveu", "Yes, solved"},
    [KB_BOT_W_NO] = {"no", "Não resolveu", "Not solved"},
    [KB_BOT_W_PERSON] = {"person", "Falar com atendente", "Talk to a person"},
    [KB_BOT_W_DEFLECTED] = {"deflected",
                            "Que bom que resolveu! Se precisar de mais alguma coisa, é só "
                            "escrever aqui.",
                            "Glad that solved it! If you need anything else, just write here."},
    [KB_BOT_W_RETRY] = {"retry",
                        "Sinto muito que não tenha resolvido. Pode me contar, com outras "
                        "palavras, o que está acontecendo? Se preferir, toque em \"Falar com "
                        "atendente\".",
                        "I'm sorry that didn't solve it. Could you tell me in other words what "
                        "is happening? If you prefer, tap \"Talk to a person\"."},
    [KB_BOT_W_TO_PERSON] = {"to_person", "Claro! Vou passar você para uma pessoa da nossa equipe.",
                            "Of course! I'll pass you to a person on our team."},
    [KB_BOT_W_UPSET] = {"upset",
                        "Sinto muito pelo transtorno. Vou passar sua conversa agora mesmo para "
                        "uma pessoa da nossa equipe.",
                        "I'm sorry for the trouble. I'm passing your conversation to a person "
                        "on our team right now."},
    [KB_BOT_W_NO_ANSWER] = {"no_answer",
                            "Não encontrei uma resposta segura para isso na nossa central de "
                            "ajuda, então vou passar sua conversa para uma pessoa da nossa "
                            "equipe.",
                            "I couldn't find a reliable answer to that in our help center, so "
                            "I'll pass your conversation to a person on our team."},
    [KB_BOT_W_UNHELPFUL] = {"unhelpful",
                            "Como as respostas não resolveram, vou passar sua conversa para uma "
                            "pessoa da nossa equipe.",
                            "Since the answers didn't solve it, I'll pass your conversation to a "
                            "person on our team."},
    [KB_BOT_W_ASK_CATEGORY] = {"ask_category",
                               "Para agilizar o atendimento, qual destes assuntos tem mais a ver "
                               "com o seu problema?",
                               "To speed things up, which of these topics is closest to your "
                               "problem?"},
    [KB_BOT_W_CATEGORY_LABEL] = {"category_label", "Ver assuntos", "See topics"},
    [KB_BOT_W_CATEGORY_AGAIN] = {"category_again",
                                 "Não consegui identificar o assunto. Toque em \"Ver assuntos\" e "
                                 "escolha o que mais se aproxima.",
                                 "I couldn't tell which topic that is. Tap \"See topics\" and "
                                 "pick the closest one."},
    [KB_BOT_W_OTHER] = {"other", "Outro assunto", "Something else"},
    [KB_BOT_W_ASK_DESCRIPTION] = {"ask_description",
                                  "Obrigado! Agora me conte em poucas palavras o que está "
                                  "acontecendo. Se aparecer alguma mensagem de erro, pode copiar "
                                  "aqui.",
                                  "Thank you! Now tell me in a few words what is happening. If "
                                  "an error message appears, you can paste it here."},
    [KB_BOT_W_ASK_CONTACT] = {"ask_contact",
                              "Para a equipe conseguir te responder, informe seu nome e seu "
                              "e-mail no formulário abaixo.",
                              "So the team can answer you, please enter your name and e-mail in "
                              "the form below."},
    [KB_BOT_W_HANDED_OFF] = {"handed_off",
                             "Pronto! Registrei seu chamado com tudo o que conversamos. Uma "
                             "pessoa da equipe vai continuar o atendimento por aqui, e o número "
                             "do chamado chega em seguida.",
                             "Done! I've opened a ticket with everything we talked about. A "
                             "person on our team will continue here, and the ticket number "
                             "follows shortly."},
    [KB_BOT_W_HANDED_OFF_CHAT] = {"handed_off_chat",
                                  "Pronto! Registrei seu chamado com tudo o que conversamos. Uma "
                                  "pessoa da equipe vai continuar o atendimento aqui no chat; se "
                                  "você precisar sair, a resposta vai para o seu e-mail.",
                                  "Done! I've opened a ticket with everything we talked about. A "
                                  "person on our team will continue here in the chat; if you "
                                  "need to leave, the answer goes to your e-mail."},
    [KB_BOT_W_AFTER_HOURS] = {"after_hours",
                              "Pronto! Registrei seu chamado com tudo o que conversamos. Nosso "
                              "horário de atendimento é {horario}; a equipe volta {volta} e "
                              "continua o atendimento por aqui.",
                              "Done! I've opened a ticket with everything we talked about. Our "
                              "support hours are {hours}; the team is back {back} and will "
                              "continue here."},
    [KB_BOT_W_HOURS] = {"hours", "de segunda a sexta, das 8h às 18h",
                        "Monday to Friday, 8:00 to 18:00 (Brasília time)"},
};

static int
s_is_en (const char *language)
{
    return language && strncmp (language, "en", 2) == 0;
}

const char *
kb_bot_word (bc_config_t *cfg, kb_bot_word_t word, const char *language)
{
    if (word < 0 || word >= KB_BOT_W_COUNT)
        return "";
    int en = s_is_en (language);
    const char *dflt = en ? s_words[word].en : s_words[word].pt;
    if (!cfg)
        return dflt;
    char path[96];
    snprintf (path, sizeof path, "kb/bot/%s/%s", en ? "messages_en" : "messages",
              s_words[word].key);
    const char *text = bc_config_str (cfg, path, dflt);
    return text && *text ? text : dflt;
}

/* The English spelling of a pt-BR placeholder, so both work in both. */
static const char *const s_aliases[][2] = {
    {"titulo", "title"}, {"trecho", "excerpt"}, {"horario", "hours"}, {"volta", "back"}};

static const char *
s_lookup (const char *name, size_t len, const char *const (*vars)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *names[2] = {vars[i][0], vars[i][0]};
        for (size_t a = 0; a < sizeof s_aliases / sizeof s_aliases[0]; a++)
            if (strcmp (vars[i][0], s_aliases[a][0]) == 0)
                names[1] = s_aliases[a][1];
        for (int k = 0; k < 2; k++)
            if (strlen (names[k]) == len && strncmp (names[k], name, len) == 0)
                return vars[i][1];
    }
    return NULL;
}

char *
kb_bot_fill (const char *text, const char *const (*vars)[2], size_t n)
{
    size_t size = strlen (text) + 1;
    for (size_t i = 0; i < n; i++)
        size += strlen (vars[i][1]) * 2; /* a placeholder may appear twice */
    char *out = malloc (size);
    if (!out)
        return NULL;
    size_t used = 0;
    for (const char *p = text; *p;) {
        const char *close = *p == '{' ? strchr (p, '}') : NULL;
        const char *value = close ? s_lookup (p + 1, (size_t) (close - p - 1), vars, n) : NULL;
        if (value && used + strlen (value) < size) {
            memcpy (out + used, value, strlen (value));
            used += strlen (value);
            p = close + 1;
        }
        else if (used + 1 < size)
            out[used++] = *p++;
        else
            break;
    }
    out[used] = 0;
    return out;
}

void
kb_bot_back_at (time_t now, time_t back, const char *language, char *out, size_t size)
{
    static const char *const days_pt[] = {"domingo",      "segunda-feira", "terça-feira",
                                          "quarta-feira", "quinta-feira",  "sexta-feira",
                                          "sábado"};
    static const char *const months_pt[] = {"janeiro", "fevereiro", "março",    "abril",
                                            "maio",    "junho",     "julho",    "agosto",
                                            "setembro", "outubro",  "novembro", "dezembro"};
    static const char *const days_en[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
    static const char *const months_en[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
    struct tm tn, tb;
    localtime_r (&now, &tn);
    localtime_r (&back, &tb);
    int en = s_is_en (language);
    char hour[16];
    if (en)
        snprintf (hour, sizeof hour, "%d:%02d", tb.tm_hour, tb.tm_min);
    else if (tb.tm_min)
        snprintf (hour, sizeof hour, "%dh%02d", tb.tm_hour, tb.tm_min);
    else
        snprintf (hour, sizeof hour, "%dh", tb.tm_hour);
    /* Days apart, by local calendar dates. */
    struct tm dn = tn, db = tb;
    dn.tm_hour = db.tm_hour = 12;
    dn.tm_min = db.tm_min = dn.tm_sec = db.tm_sec = 0;
    long days = (long) ((mktime (&db) - mktime (&dn)) / 86400);
    if (days == 0)
        snprintf (out, size, en ? "today at %s" : "hoje às %s", hour);
    else if (days == 1)
        snprintf (out, size, en ? "tomorrow at %s" : "amanhã às %s", hour);
    else if (en)
        snprintf (out, size, "on %s, %s %d, at %s", days_en[tb.tm_wday], months_en[tb.tm_mon],
                  tb.tm_mday, hour);
    else
        snprintf (out, size, "%s, %d de %s, às %s", days_pt[tb.tm_wday], tb.tm_mday,
                  months_pt[tb.tm_mon], hour);
}
