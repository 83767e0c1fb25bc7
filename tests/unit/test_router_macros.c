/* router_macros: placeholder filling, and the pt-BR defaults. */
#include "router_macros.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *const names[] = {"cliente.nome", "chamado.numero"};
static const char *const values[] = {"Rita", "42"};

static void
test_render (void **state)
{
    (void) state;
    char *out = router_macro_render ("Olá, {{cliente.nome}}! Chamado #{{chamado.numero}}.", names,
                                     values, 2);
    assert_string_equal (out, "Olá, Rita! Chamado #42.");
    free (out);
    /* Unknown placeholders stay visible; an unclosed one is plain text. */
    out = router_macro_render ("{{agente.nome}} e {{cliente.nome", names, values, 2);
    assert_string_equal (out, "{{agente.nome}} e {{cliente.nome");
    free (out);
    out = router_macro_render ("", names, values, 2);
    assert_string_equal (out, "");
    free (out);
}

static void
test_defaults (void **state)
{
    (void) state;
    bc_config_t *config = bc_config_load (NULL);
    router_macros_t *macros = router_macros_new (config);
    assert_int_equal (router_macros_count (macros), 3);
    const router_macro_t *m = router_macros_find (macros, "reset-senha");
    assert_non_null (m);
    assert_string_equal (m->category, "acesso");
    assert_string_equal (m->action, "resolve");
    assert_non_null (strstr (m->text, "{{cliente.nome}}"));
    assert_non_null (strstr (m->text, "24 horas"));
    assert_null (router_macros_find (macros, "nada"));
    router_macros_destroy (&macros);
    bc_config_destroy (&config);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_render),
        cmocka_unit_test (test_defaults),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
