/* router_reply: a customer's short answer by e-mail to a resolved ticket
 * (accepting the solution?) or a closed one (a rating?). */
#include "router_reply.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_acceptance (void **state)
{
    (void) state;
    static const char *const yes[] = {
        "Funcionou, obrigado!", "ok", "Obrigada, deu certo.", "Pode fechar.",
        "Resolvido! Valeu", "  sim, está tudo certo", "Ótimo, obrigado", "Thanks, it works now.",
        "Solved, thank you", "Perfeito!\n\nAna",
    };
    static const char *const no[] = {
        "Não funcionou.", "Ainda dá erro 539.", "Obrigado, mas o erro continua.",
        "ok mas ainda não abre", "Thanks, but it still fails", "O relatório sai vazio.",
        "", "Funcionou?",
        /* long: something to read, not a yes */
        "Obrigado pelo retorno. Fiz o que vocês pediram, reiniciei o servidor, limpei o cache "
        "do navegador, testei em outro computador e em outra rede, conferi o certificado e as "
        "permissões da pasta de exportação antes de tentar de novo hoje pela manhã.",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!router_reply_accepts (yes[i]))
            fail_msg ("should accept: \"%s\"", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (router_reply_accepts (no[i]))
            fail_msg ("should not accept: \"%s\"", no[i]);
    }
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
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_acceptance),
        cmocka_unit_test (test_rating),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
