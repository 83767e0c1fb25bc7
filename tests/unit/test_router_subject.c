/* router_subject: a new ticket's subject never stacks our tags. */
#include "router_subject.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
s_check (const char *in, const char *want)
{
    char out[256];
    router_subject_clean (in, out, sizeof out);
    if (strcmp (out, want) != 0)
        fail_msg ("\"%s\" -> \"%s\", want \"%s\"", in, out, want);
}

static void
test_clean (void **state)
{
    (void) state;
    /* The case: a colleague answering our acknowledgement. */
    s_check ("RE: [Chamado #1] Recebemos seu chamado: Impressora não imprime",
             "Impressora não imprime");
    s_check ("Re: Re: [Chamado #12] Resolvido, confirme a solução: Erro 539", "Erro 539");
    s_check ("RES: ENC: [Chamado #3] Chamado encerrado, avalie o atendimento: Nota fiscal",
             "Nota fiscal");
    s_check ("Fwd: [Ticket #7] We received your request: Login fails", "Login fails");
    s_check ("AW: [Ticket #7] Closed, how did we do? Login fails", "Login fails");
    s_check ("Re[2]: [Chamado #2] Chamado reaberto: Boleto", "Boleto");
    /* The customer's own words stay, with their own brackets. */
    s_check ("Erro [código 12] na impressão", "Erro [código 12] na impressão");
    s_check ("Relatório de vendas: março", "Relatório de vendas: março");
    s_check ("Resumo: o sistema caiu", "Resumo: o sistema caiu");
    s_check ("  Pedido #45 não saiu  ", "Pedido #45 não saiu");
    /* Without our tag, a "Re:" is the customer's own. */
    s_check ("Re: Não consigo emitir a nota", "Re: Não consigo emitir a nota");
    /* Only prefixes at the start go; a tag anywhere does. */
    s_check ("Sobre o [Chamado #9] de ontem", "Sobre o de ontem");
    s_check ("RE: [Chamado #1]", "");
    s_check ("", "");
    s_check (NULL, "");
    /* Small buffers are cut, never overrun. */
    char small[5];
    router_subject_clean ("Impressora", small, sizeof small);
    assert_string_equal (small, "Impr");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test (test_clean)};
    return cmocka_run_group_tests (tests, NULL, NULL);
}
