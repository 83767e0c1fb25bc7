/* router_reply: short customer answers to resolved and closed tickets. */
#include "router_reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The text in lower-case ASCII: Portuguese accented letters folded (UTF-8
 * á à â ã é ê í ó ô õ ú ç), anything else non-ASCII dropped. */
static void
s_fold (const char *text, char *out, size_t size)
{
    static const struct {
        const char *utf8;
        char ascii;
    } map[] = {{"á", 'a'}, {"à", 'a'}, {"â", 'a'}, {"ã", 'a'}, {"é", 'e'}, {"ê", 'e'},
               {"í", 'i'}, {"ó", 'o'}, {"ô", 'o'}, {"õ", 'o'}, {"ú", 'u'}, {"ç", 'c'},
               {"Á", 'a'}, {"À", 'a'}, {"Â", 'a'}, {"Ã", 'a'}, {"É", 'e'}, {"Ê", 'e'},
               {"Í", 'i'}, {"Ó", 'o'}, {"Ô", 'o'}, {"Õ", 'o'}, {"Ú", 'u'}, {"Ç", 'c'}};
    size_t n = 0;
    const unsigned char *p = (const unsigned char *) text;
    while (*p && n + 1 < size) {
        if (*p < 0x80) {
            out[n++] = (char) tolower (*p++);
            continue;
        }
        int found = 0;
        for (size_t i = 0; i < sizeof map / sizeof map[0] && !found; i++) {
            size_t len = strlen (map[i].utf8);
            if (strncmp ((const char *) p, map[i].utf8, len) == 0) {
                out[n++] = map[i].ascii;
                p += len;
                found = 1;
            }
        }
        if (!found)
            p++;
    }
    out[n] = 0;
}

static const char *
s_skip_space (const char *p)
{
    while (*p && (isspace ((unsigned char) *p) || *p == '-' || *p == ':' || *p == ','
                  || *p == '.' || *p == '!'))
        p++;
    return p;
}

/* A short answer: at most 3 non-empty lines and 200 characters. */
static int
s_is_short (const char *text)
{
    if (strlen (text) > 200)
        return 0;
    int lines = 0, in_line = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            in_line = 0;
        else if (!isspace ((unsigned char) *p) && !in_line) {
            in_line = 1;
            lines++;
        }
    }
    return lines > 0 && lines <= 3;
}

/* True when word (a whole word) appears in folded text. */
static int
s_has_word (const char *folded, const char *word)
{
    size_t len = strlen (word);
    for (const char *p = strstr (folded, word); p; p = strstr (p + 1, word)) {
        int starts = p == folded || !isalpha ((unsigned char) p[-1]);
        int ends = !isalpha ((unsigned char) p[len]);
        if (starts && ends)
            return 1;
    }
    return 0;
}

int
router_reply_accepts (const char *text)
{
    if (!text || !s_is_short (text))
        return 0;
    if (strchr (text, '?'))
        return 0; /* a question is not an answer */
    char folded[256];
    s_fold (text, folded, sizeof folded);
    static const char *const doubts[] = {"nao", "not", "ainda", "still", "mas", "but",
                                         "continua", "persiste", "erro", "error", "problema"};
    for (size_t i = 0; i < sizeof doubts / sizeof doubts[0]; i++)
        if (s_has_word (folded, doubts[i]))
            return 0;
    static const char *const yes[] = {
        "ok",         "okay",       "obrigado",  "obrigada", "obg",     "valeu",
        "funcionou",  "funciona",   "resolvido", "resolveu", "resolvida", "deu certo",
        "pode fechar", "pode encerrar", "sim",   "perfeito", "otimo",   "certo",
        "tudo certo", "aceito",     "thanks",    "thank you", "solved",  "works",
        "worked",     "yes",        "great",     "fixed",    "accept"};
    const char *start = s_skip_space (folded);
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        size_t len = strlen (yes[i]);
        if (strncmp (start, yes[i], len) == 0 && !isalpha ((unsigned char) start[len]))
            return 1;
    }
    return 0;
}

int
router_reply_rating (const char *text, const char **comment)
{
    *comment = "";
    if (!text || !s_is_short (text))
        return 0;
    const char *p = text;
    while (*p && (isspace ((unsigned char) *p)))
        p++;
    /* An optional "nota", "avaliação", "rating", "score" first. */
    static const char *const words[] = {"nota", "avaliação", "avaliacao", "rating", "score"};
    int named = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0] && !named; i++) {
        size_t len = strlen (words[i]);
        if (strncasecmp (p, words[i], len) == 0) {
            p += len;
            named = 1;
        }
    }
    p = s_skip_space (p);
    if (*p < '1' || *p > '5' || isdigit ((unsigned char) p[1])
        || ((p[1] == ',' || p[1] == '.') && isdigit ((unsigned char) p[2])))
        return 0;
    int score = *p - '0';
    p++;
    int scaled = 0;
    if (strncmp (p, "/5", 2) == 0)
        p += 2, scaled = 1;
    else if (strncasecmp (p, " de 5", 5) == 0)
        p += 5, scaled = 1;
    /* "5 pedidos não saíram" is not a rating: without "nota" or "/5" the
     * number must stand alone or be followed by a separator. */
    const char *after = p;
    while (*after == ' ')
        after++;
    int separated = !*after || *after == '\n' || *after == '-' || *after == ':' || *after == ','
                    || *after == '.' || *after == '!' || *p == '-' || *p == '.' || *p == '!'
                    || *p == ':' || *p == ',';
    if (!named && !scaled && !separated)
        return 0;
    if (*p && !isspace ((unsigned char) *p) && *p != '-' && *p != ':' && *p != ','
        && *p != '.' && *p != '!')
        return 0;
    *comment = s_skip_space (p);
    return score;
}
