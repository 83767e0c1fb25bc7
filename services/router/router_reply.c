/* router_reply: short customer answers to resolved and closed tickets: the
 * cues of an acceptance, a rejection or neither, and a rating. */
#include "router_reply.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The text in lower-case ASCII: Portuguese accented letters folded (UTF-8
 * á à â ã é ê í ó ô õ ú ç), the emoji that answer ("👍" "👌" "✅" "✔" as
 * "ok", "🙏" as thanks, "👎" as "não"), the typographic apostrophe as "'";
 * anything else non-ASCII dropped. */
static void
s_fold (const char *text, char *out, size_t size)
{
    static const struct {
        const char *utf8;
        const char *ascii;
    } map[] = {{"á", "a"}, {"à", "a"}, {"â", "a"}, {"ã", "a"}, {"é", "e"}, {"ê", "e"},
               {"í", "i"}, {"ó", "o"}, {"ô", "o"}, {"õ", "o"}, {"ú", "u"}, {"ç", "c"},
               {"Á", "a"}, {"À", "a"}, {"Â", "a"}, {"Ã", "a"}, {"É", "e"}, {"Ê", "e"},
               {"Í", "i"}, {"Ó", "o"}, {"Ô", "o"}, {"Õ", "o"}, {"Ú", "u"}, {"Ç", "c"},
               {"\xE2\x80\x99", "'"},       {"\xF0\x9F\x91\x8D", " ok "}, /* ’ 👍 */
               {"\xF0\x9F\x91\x8C", " ok "}, {"\xE2\x9C\x85", " ok "},     /* 👌 ✅ */
               {"\xE2\x9C\x94", " ok "},     {"\xF0\x9F\x99\x8F", " obrigado "}, /* ✔ 🙏 */
               {"\xF0\x9F\x91\x8E", " nao "}};                              /* 👎 */
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
                for (const char *a = map[i].ascii; *a && n + 1 < size; a++)
                    out[n++] = *a;
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

/* ---- reading an answer to "confirme a solução" ----
 *
 * The text becomes words (folded, apostrophes dropped: "doesn't" is
 * "doesnt"), each in a clause (a stretch between . , ; : ! ? ( ) " or a line
 * end); the signature, from a sign-off ("Att.", "Abraço", "Regards",
 * "Enviado do meu") on, is cut. Cues are phrases of words; a word ending in
 * '*' matches any word it begins. */

#define S_MAX_WORDS   160 /* more, and it is a long text: never an acceptance */
#define S_WORD_SIZE   24
#define S_LOOK_AHEAD  4   /* how far a negation reaches, in words */

typedef struct {
    char word[S_MAX_WORDS][S_WORD_SIZE];
    int clause[S_MAX_WORDS];
    int line[S_MAX_WORDS];
    int used[S_MAX_WORDS];
    int n, is_long;
    int nclauses;
    int is_question[S_MAX_WORDS + 1]; /* per clause: it ends with '?' */
} s_words_t;

/* It works, said outright (negated, it is a rejection). */
static const char *const s_works[] = {
    "funciona", "funcionou", "funcionando", "funcionar", "funcionam", "funcionaram",
    "funcionado", "funcinou", "funcionol", "funfou", "deu certo", "deu bom", "tudo certo",
    "td certo", "tudo ok", "tudo okay", "esta ok", "ta ok", "consegui", "consigo", "conseguimos",
    "conseguiu", "conseguiram", "conseguir", "resolvid*", "resolveu", "resolveram", "resolvemos",
    "solucionad*", "solucionou", "corrigid*", "corrigiu", "pode encerrar", "podem encerrar",
    "pode fechar", "podem fechar", "pode finalizar", "podem finalizar", "confirmo", "confirmado",
    "confirmada", "agora foi", "agora sim", "certinho", "normalmente", "normal", "sucesso",
    "work", "works", "worked", "working", "fixed", "solved", "resolved", "all good", "all set",
    "did the trick", "close it", "close the ticket", "confirmed", "sorted", "adiantou", "helped"};

/* Assent on its own: an acceptance only among greetings, thanks, sign-offs. */
static const char *const s_assent[] = {
    "ok", "okay", "oks", "okk", "sim", "ss", "yes", "yep", "yeah", "yup", "certo", "blz",
    "beleza", "show", "otimo", "otima", "perfeito", "perfeita", "perfect", "great", "excelente",
    "excellent", "awesome", "top", "joia", "massa", "obrigad*", "brigad*", "obg", "obgd",
    "obgda", "vlw", "valeu", "grato", "grata", "agradeco", "agradecemos", "thanks", "thank",
    "thx", "ty", "tks"};

/* Greetings, courtesy and small words around an assent. */
static const char *const s_courtesy[] = {
    "bom", "boa", "dia", "tarde", "noite", "oi", "ola", "ei", "opa", "tudo", "bem", "hi",
    "hello", "hey", "good", "morning", "afternoon", "evening", "dear", "muito", "muita", "mto",
    "mt", "mta", "pela", "pelo", "a", "o", "ajuda", "atencao", "retorno", "suporte",
    "atendimento", "paciencia", "you", "so", "much", "lot", "for", "the", "help", "your", "e",
    "and", "pessoal", "equipe", "galera", "por", "favor", "please", "aqui", "agora", "now",
    "ja", "entao", "tbm", "tambem", "too", "td", "de", "bola", "ainda bem", "como", "vai", "voce",
    "how", "are"};

/* Negations. "no" is one only before "more", "longer" or a problem, or on
 * its own (in Portuguese it is "in the"). */
static const char *const s_negations[] = {
    "nao",  "n",     "nem",     "nunca", "sem",    "not",    "dont",  "doesnt",
    "didnt", "isnt", "wasnt",   "arent", "havent", "hasnt",  "cant",  "cannot",
    "couldnt", "wont", "never", "nope",  "negativo", "nenhum", "nenhuma", "nada", "nothing"};

/* A problem: negated ("não deu mais erro", "no more errors"), it works. */
static const char *const s_trouble[] = {
    "erro", "erros", "error", "errors", "problema", "problemas", "problem", "problems",
    "issue", "issues", "trav*", "falha", "falhas", "bug", "bugs"};

/* What may stand between a negation and a problem for the problem to be
 * gone: "não deu mais erro", "não aparece mais o erro", "no more errors"
 * (but "não entendi o erro" is no news that it works). */
static const char *const s_happens[] = {
    "mais", "more", "longer", "any", "o", "a", "os", "as", "the", "deu", "da", "dando", "tive",
    "tivemos", "teve", "houve", "ha", "tem", "aparece", "apareceu", "apareceram", "ocorreu",
    "ocorre", "apresentou", "apresenta", "get", "got", "getting", "had", "have", "see", "seeing",
    "saw"};

/* The problem persists. */
static const char *const s_persists[] = {
    "continua", "continuam", "continuo", "continue", "continues", "persiste", "persistem",
    "persistindo", "persists", "ainda", "still", "mesmo problema", "mesmo erro", "mesma coisa",
    "mesma mensagem", "mesma tela", "same error", "same problem", "same issue", "same thing",
    "erro", "erros", "error", "errors", "errado", "errada", "falha", "falhando", "falhou",
    "fail", "fails", "failed", "failing", "broken", "quebrado", "quebrada", "trava", "travando",
    "travou", "travado", "travada", "piorou", "pior", "worse", "parou", "stopped", "reabr*",
    "reopen*", "voltou a dar", "voltou a acontecer", "voltou a aparecer", "voltou a travar",
    "voltou a ocorrer", "voltou a falhar", "problema voltou", "voltou o erro",
    "voltou o problema", "came back", "happening again", "infelizmente", "unfortunately",
    "nada mudou", "nothing changed", "em branco", "bloqueado", "bloqueada", "negado", "denied",
    "lento", "lenta", "as vezes", "sometimes"};

/* The customer will test, or tell us, later: their sentence reports
 * nothing yet ("Vou testar amanhã", "não consegui testar ainda"). */
static const char *const s_later[] = {
    "testar", "testo", "testarei", "testaremos", "test", "try", "tentar", "verificar",
    "verifico", "conferir", "confiro", "checar", "check", "te aviso", "eu aviso", "e aviso",
    "aviso voces", "aviso se", "avisar", "avisarei", "aviso depois", "e retorno", "te retorno",
    "ja retorno", "retorno depois", "retornarei", "retorno em", "dou retorno", "dou um retorno",
    "te falo", "depois", "mais tarde", "amanha", "assim que", "quando puder", "semana que vem",
    "segunda", "later", "tomorrow", "monday", "let you know", "get back", "ill", "i will",
    "will check", "will test", "will try", "yet", "chance", "tempo", "repassar"};

/* Not yet done: a negation before these defers ("ainda não testei"). */
static const char *const s_not_yet[] = {"testei", "testamos", "testado", "tested", "tried",
                                        "sei", "pude", "tive tempo", "know"};

/* Doubt. */
static const char *const s_doubt[] = {
    "parece", "aparentemente", "acho que", "acredito que", "por enquanto", "em parte",
    "parcialmente", "mais ou menos", "talvez", "seems", "seem", "so far", "i think", "maybe",
    "partially", "kind of", "sort of"};

/* A contrast: whatever follows may take the acceptance back. */
static const char *const s_contrast[] = {"mas", "porem", "entretanto", "contudo", "so que",
                                         "but", "however", "though", "although"};

/* Where the signature begins. */
static const char *const s_sign_offs[] = {
    "att", "atenciosamente", "abs", "abraco", "abracos", "cordialmente", "sds", "saudacoes",
    "regards", "best regards", "kind regards", "best wishes", "cheers", "enviado do",
    "sent from"};

#define S_COUNT(list) (sizeof list / sizeof list[0])

/* How many words the phrase matches at word i (0: it does not); a phrase
 * stays within one clause. */
static int
s_phrase_at (const s_words_t *w, int i, const char *phrase)
{
    int k = 0;
    const char *p = phrase;
    while (*p) {
        size_t len = strcspn (p, " ");
        int any_end = len > 0 && p[len - 1] == '*';
        size_t stem = any_end ? len - 1 : len;
        if (i + k >= w->n || w->clause[i + k] != w->clause[i]
            || strncmp (w->word[i + k], p, stem) != 0
            || (!any_end && w->word[i + k][stem] != 0))
            return 0;
        k++;
        p += len;
        while (*p == ' ')
            p++;
    }
    return k;
}

/* The length of the first phrase of list that matches at word i, or 0. */
static int
s_match (const s_words_t *w, int i, const char *const *list, size_t count)
{
    for (size_t j = 0; j < count; j++) {
        int len = s_phrase_at (w, i, list[j]);
        if (len)
            return len;
    }
    return 0;
}

/* Splits folded text into words and clauses, and cuts the signature. */
static void
s_split (const char *folded, s_words_t *w)
{
    memset (w, 0, sizeof *w);
    int clause = 0, clause_has_words = 0, at_line_start = 1, line = 0;
    const char *p = folded;
    while (*p) {
        if (at_line_start && *p == '>') {
            p += strcspn (p, "\n"); /* a quoted line */
            continue;
        }
        at_line_start = *p == '\n' || (at_line_start && (*p == ' ' || *p == '\t'));
        line += *p == '\n';
        if (isalnum ((unsigned char) *p)) {
            if (w->n == S_MAX_WORDS) {
                w->is_long = 1;
                break;
            }
            size_t len = 0;
            while (isalnum ((unsigned char) *p)
                   || (*p == '\'' && isalpha ((unsigned char) p[1]))) {
                if (*p != '\'' && len + 1 < S_WORD_SIZE)
                    w->word[w->n][len++] = *p;
                p++;
            }
            w->word[w->n][len] = 0;
            w->line[w->n] = line;
            w->clause[w->n++] = clause;
            clause_has_words = 1;
            continue;
        }
        if (strchr (".,;:!?()\"\n", *p) && clause_has_words) {
            w->is_question[clause] = *p == '?';
            clause++;
            clause_has_words = 0;
        }
        else if (*p == '?' && clause > 0)
            w->is_question[clause - 1] = 1; /* "funcionou ?" */
        p++;
    }
    w->nclauses = clause + (clause_has_words ? 1 : 0);
    for (int i = 1; i < w->n; i++)
        if (w->clause[i] != w->clause[i - 1]
            && s_match (w, i, s_sign_offs, S_COUNT (s_sign_offs))) {
            w->n = i;
            w->nclauses = w->clause[i];
            break;
        }
}

static int
s_is_negation (const s_words_t *w, int i)
{
    if (strcmp (w->word[i], "no") == 0) {
        int alone = (i == 0 || w->clause[i - 1] != w->clause[i])
                    && (i + 1 == w->n || w->clause[i + 1] != w->clause[i]);
        return alone || s_phrase_at (w, i, "no more") || s_phrase_at (w, i, "no longer")
               || (i + 1 < w->n && s_match (w, i + 1, s_trouble, S_COUNT (s_trouble)));
    }
    return s_match (w, i, s_negations, S_COUNT (s_negations)) > 0;
}

typedef struct {
    int works, assent, doubt;
    int other, other_line; /* words of no cue, and the last line they are on */
    int signed_off;        /* they are only a name under the answer ("Ana") */
    int persists[S_MAX_WORDS + 1], later[S_MAX_WORDS + 1]; /* per clause */
} s_cues_t;

/* True when the words from..to-1 are all of s_happens. */
static int
s_only_happens (const s_words_t *w, int from, int to)
{
    for (int k = from; k < to; k++)
        if (!s_match (w, k, s_happens, S_COUNT (s_happens)))
            return 0;
    return 1;
}

static void
s_mark (s_words_t *w, int from, int len)
{
    for (int k = from; k < from + len && k < w->n; k++)
        w->used[k] = 1;
}

/* A negation at word i: of an acceptance ("não funcionou": it persists),
 * of a problem ("não deu mais erro": it works), of a test not yet made
 * ("ainda não testei": later), on its own ("Não.", "infelizmente não": it
 * persists), or of something else (a doubt). */
static void
s_read_negation (s_words_t *w, int i, s_cues_t *c)
{
    int clause = w->clause[i], len;
    if ((len = s_match (w, i, s_persists, S_COUNT (s_persists)))) {
        c->persists[clause] = 1; /* "nada mudou" */
        s_mark (w, i, len);
        return;
    }
    for (int j = i + 1; j <= i + S_LOOK_AHEAD && j < w->n && w->clause[j] == clause; j++) {
        if ((len = s_match (w, j, s_works, S_COUNT (s_works)))
            || (len = s_match (w, j, s_assent, S_COUNT (s_assent)))) {
            c->persists[clause] = 1;
            s_mark (w, i, j + len - i);
            return;
        }
        if ((len = s_match (w, j, s_trouble, S_COUNT (s_trouble)))
            && s_only_happens (w, i + 1, j)) {
            c->works = 1;
            s_mark (w, i, j + len - i);
            return;
        }
        if ((len = s_match (w, j, s_not_yet, S_COUNT (s_not_yet)))
            || (len = s_match (w, j, s_later, S_COUNT (s_later)))) {
            c->later[clause] = 1;
            s_mark (w, i, j + len - i);
            return;
        }
    }
    int bare = 1;
    for (int j = i + 1; j < w->n && w->clause[j] == clause && bare; j++)
        bare = s_is_negation (w, j) || strcmp (w->word[j], "ainda") == 0
               || strcmp (w->word[j], "mesmo") == 0;
    if (bare)
        c->persists[clause] = 1;
    else
        c->doubt = 1;
    s_mark (w, i, 1);
}

router_answer_t
router_reply_answer (const char *text)
{
    if (!text)
        return ROUTER_ANSWER_UNCLEAR;
    char folded[4096];
    s_fold (text, folded, sizeof folded);
    s_words_t *w = malloc (sizeof *w);
    s_cues_t *c = calloc (1, sizeof *c);
    if (!w || !c) {
        free (w);
        free (c);
        return ROUTER_ANSWER_UNCLEAR;
    }
    s_split (folded, w);
    int has_contrast = 0;
    for (int i = 0; i < w->n; i++)
        if (!w->used[i] && s_is_negation (w, i))
            s_read_negation (w, i, c);
    for (int i = 0; i < w->n; i++) {
        if (w->used[i])
            continue;
        int len, clause = w->clause[i];
        if ((len = s_match (w, i, s_courtesy, S_COUNT (s_courtesy))) > 1)
            ; /* "ainda bem" before "ainda" */
        else if ((len = s_match (w, i, s_later, S_COUNT (s_later))))
            c->later[clause] = 1;
        else if ((len = s_match (w, i, s_doubt, S_COUNT (s_doubt))))
            c->doubt = 1;
        else if ((len = s_match (w, i, s_contrast, S_COUNT (s_contrast))))
            has_contrast = 1;
        else if ((len = s_match (w, i, s_persists, S_COUNT (s_persists))))
            c->persists[clause] = 1;
        else if ((len = s_match (w, i, s_works, S_COUNT (s_works))))
            c->works = 1;
        else if ((len = s_match (w, i, s_assent, S_COUNT (s_assent))))
            c->assent = 1;
        else if ((len = s_match (w, i, s_courtesy, S_COUNT (s_courtesy))))
            ;
        else {
            len = 1;
            c->other++;
            c->other_line = w->line[i];
        }
        s_mark (w, i, len);
    }
    /* A name on the last line, under the answer: "Perfeito!\n\nAna". */
    int on_last_line = 0, first_line = w->n ? w->line[0] : 0;
    for (int i = 0; i < w->n; i++)
        on_last_line = w->line[i] == w->line[w->n - 1] ? on_last_line + 1 : 0;
    c->signed_off = c->other && c->other <= 3 && on_last_line == c->other
                    && c->other_line == w->line[w->n - 1] && c->other_line != first_line;
    /* A question, but "Oi, tudo bem?". */
    for (int i = 0; i < w->n; i++)
        if (w->is_question[w->clause[i]] && !s_match (w, i, s_courtesy, S_COUNT (s_courtesy)))
            c->doubt = 1;
    int persists = 0, later = 0;
    for (int k = 0; k < w->nclauses; k++) {
        persists |= c->persists[k] && !c->later[k];
        later |= c->later[k];
    }
    router_answer_t answer = ROUTER_ANSWER_UNCLEAR;
    if (persists)
        answer = ROUTER_ANSWER_REJECTS;
    else if (later || c->doubt || has_contrast || w->is_long)
        answer = ROUTER_ANSWER_UNCLEAR;
    else if (c->works || (c->assent && (!c->other || c->signed_off)))
        answer = ROUTER_ANSWER_ACCEPTS;
    free (w);
    free (c);
    return answer;
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
