/* router_reply: a customer's short answer by e-mail to a resolved ticket
 * (accepting the solution, rejecting it, or neither?) measured on the table
 * of real answers tests/data/answers.tsv, or to a closed one (a rating?). */
#include "router_reply.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *
s_label (router_answer_t answer)
{
    return answer == ROUTER_ANSWER_ACCEPTS   ? "accept"
           : answer == ROUTER_ANSWER_REJECTS ? "reject"
                                             : "unclear";
}

static void
test_answer (void **state)
{
    (void) state;
    static const struct {
        const char *text;
        router_answer_t answer;
    } cases[] = {
        {"Funcionou, obrigado!", ROUTER_ANSWER_ACCEPTS},
        {"ok", ROUTER_ANSWER_ACCEPTS},
        {"Obrigada, deu certo.", ROUTER_ANSWER_ACCEPTS},
        {"Pode fechar.", ROUTER_ANSWER_ACCEPTS},
        {"Resolvido! Valeu", ROUTER_ANSWER_ACCEPTS},
        {"  sim, está tudo certo", ROUTER_ANSWER_ACCEPTS},
        {"Ótimo, obrigado", ROUTER_ANSWER_ACCEPTS},
        {"Thanks, it works now.", ROUTER_ANSWER_ACCEPTS},
        {"Solved, thank you", ROUTER_ANSWER_ACCEPTS},
        {"Perfeito!\n\nAna", ROUTER_ANSWER_ACCEPTS},
        {"Bom dia! Funcionou, obrigada.", ROUTER_ANSWER_ACCEPTS},
        {"Consegui entrar agora, obrigada! Pode encerrar.", ROUTER_ANSWER_ACCEPTS},
        {"Funcionou, obrigado!\n> Em 3 de dez., Suporte escreveu:\n> não funcionou?",
         ROUTER_ANSWER_ACCEPTS},
        {"Não funcionou.", ROUTER_ANSWER_REJECTS},
        {"Ainda dá erro 539.", ROUTER_ANSWER_REJECTS},
        {"Obrigado, mas o erro continua.", ROUTER_ANSWER_REJECTS},
        {"ok mas ainda não abre", ROUTER_ANSWER_REJECTS},
        {"Thanks, but it still fails", ROUTER_ANSWER_REJECTS},
        {"Continua dando erro", ROUTER_ANSWER_REJECTS},
        {"O relatório sai vazio.", ROUTER_ANSWER_UNCLEAR},
        {"", ROUTER_ANSWER_UNCLEAR},
        {NULL, ROUTER_ANSWER_UNCLEAR},
        {"Funcionou?", ROUTER_ANSWER_UNCLEAR},
        {"Vou testar amanhã e te falo", ROUTER_ANSWER_UNCLEAR},
        {"Ainda não testei, aviso depois.", ROUTER_ANSWER_UNCLEAR},
        /* The answers the web chat and WhatsApp offer as buttons. */
        {"Sim, resolvido", ROUTER_ANSWER_ACCEPTS},
        {"Ainda não", ROUTER_ANSWER_REJECTS},
        {"Yes, solved", ROUTER_ANSWER_ACCEPTS},
        {"Not solved", ROUTER_ANSWER_REJECTS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        router_answer_t got = router_reply_answer (cases[i].text);
        if (got != cases[i].answer)
            fail_msg ("\"%s\": %s, expected %s", cases[i].text ? cases[i].text : "(null)",
                      s_label (got), s_label (cases[i].answer));
    }
    /* A long account of what they did, without saying whether it works, is
     * for the agent to read; 200 words of "funcionou" too. */
    char *text = malloc (200 * 10 + 1);
    assert_non_null (text);
    text[0] = 0;
    for (int i = 0; i < 200; i++)
        strcat (text, "funcionou ");
    assert_int_equal (router_reply_answer (text), ROUTER_ANSWER_UNCLEAR);
    free (text);
}

/* tests/data/answers.tsv: label TAB language TAB text with "\n" and "\\"
 * escaped. Undoes the escapes in place. */
static void
s_unescape (char *text)
{
    char *out = text;
    for (const char *p = text; *p; p++) {
        if (*p == '\\' && p[1] == 'n')
            *out++ = '\n', p++;
        else if (*p == '\\' && p[1] == '\\')
            *out++ = '\\', p++;
        else
            *out++ = *p;
    }
    *out = 0;
}

/* The table read: ANSWERS_TSV, or another one named on the command line
 * (`test_router_reply other.tsv` measures a new set). */
static const char *s_table = ANSWERS_TSV;

/* The table of real answers: the accuracy per label, printed; no rejection
 * read as an acceptance, no acceptance as a rejection, and at least 90%
 * right overall. */
static void
test_answers_table (void **state)
{
    (void) state;
    FILE *f = fopen (s_table, "r");
    if (!f)
        fail_msg ("cannot read %s", s_table);
    static const char *const labels[] = {"unclear", "accept", "reject"}; /* router_answer_t */
    int count[3][3] = {{0}};                                             /* [expected][got] */
    char line[8192];
    int rows = 0, wrong_way = 0;
    while (fgets (line, sizeof line, f)) {
        line[strcspn (line, "\r\n")] = 0;
        if (!*line || *line == '#')
            continue;
        char *language = strchr (line, '\t');
        char *text = language ? strchr (language + 1, '\t') : NULL;
        if (!text)
            fail_msg ("%s: a line without three columns: %s", s_table, line);
        *language++ = 0;
        *text++ = 0;
        int expected = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp (line, labels[k]) == 0)
                expected = k;
        if (expected < 0)
            fail_msg ("%s: unknown label \"%s\"", s_table, line);
        s_unescape (text);
        router_answer_t got = router_reply_answer (text);
        count[expected][got]++;
        rows++;
        if (got != (router_answer_t) expected)
            printf ("  %-7s read as %-7s [%s] %s\n", labels[expected], s_label (got), language,
                    text);
        if ((expected == ROUTER_ANSWER_REJECTS && got == ROUTER_ANSWER_ACCEPTS)
            || (expected == ROUTER_ANSWER_ACCEPTS && got == ROUTER_ANSWER_REJECTS))
            wrong_way++;
    }
    fclose (f);
    int right = 0;
    for (int k = 0; k < 3; k++) {
        int n = count[k][0] + count[k][1] + count[k][2];
        right += count[k][k];
        printf ("%-7s %3d/%3d right (%.3f)  read as unclear %d, accept %d, reject %d\n", labels[k],
                count[k][k], n, n ? (double) count[k][k] / n : 0.0, count[k][0], count[k][1],
                count[k][2]);
    }
    double accuracy = rows ? (double) right / rows : 0.0;
    printf ("overall %3d/%3d right (%.3f)\n", right, rows, accuracy);
    assert_true (rows >= (strcmp (s_table, ANSWERS_TSV) == 0 ? 120 : 1));
    assert_int_equal (count[ROUTER_ANSWER_REJECTS][ROUTER_ANSWER_ACCEPTS], 0);
    assert_int_equal (count[ROUTER_ANSWER_ACCEPTS][ROUTER_ANSWER_REJECTS], 0);
    assert_int_equal (wrong_way, 0);
    assert_true (accuracy >= 0.9);
}

static void
test_rating (void **state)
{
    (void) state;
    const char *comment;
    assert_int_equal (router_reply_rating ("5", &comment), 5);
    assert_string_equal (comment, "");
    assert_int_equal (router_reply_rating ("Nota 4 - resolveram rápido", &comment), 4);
    assert_string_equal (comment, "resolveram rápido");
    assert_int_equal (router_reply_rating ("3/5 demorou um pouco", &comment), 3);
    assert_string_equal (comment, "demorou um pouco");
    assert_int_equal (router_reply_rating ("nota: 2. Atendimento confuso.", &comment), 2);
    assert_string_equal (comment, "Atendimento confuso.");
    assert_int_equal (router_reply_rating ("1 de 5", &comment), 1);
    /* Not ratings. */
    assert_int_equal (router_reply_rating ("10", &comment), 0);
    assert_int_equal (router_reply_rating ("6", &comment), 0);
    assert_int_equal (router_reply_rating ("4.5", &comment), 0);
    assert_int_equal (router_reply_rating ("5 pedidos não foram emitidos", &comment), 0);
    assert_int_equal (router_reply_rating ("5 - excelente", &comment), 5);
    assert_string_equal (comment, "excelente");
    assert_int_equal (router_reply_rating ("Nota 5 excelente", &comment), 5);
    assert_string_equal (comment, "excelente");
    assert_int_equal (router_reply_rating ("O erro voltou", &comment), 0);
    assert_int_equal (router_reply_rating ("2026-11-25: o erro voltou", &comment), 0);
}

int
main (int argc, char **argv)
{
    if (argc > 1)
        s_table = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_answer),
        cmocka_unit_test (test_answers_table),
        cmocka_unit_test (test_rating),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
