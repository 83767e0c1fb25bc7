/* kb_index: the Xapian shim finds tickets by Portuguese word forms and
 * re-indexing the same ticket (a replayed event) does not duplicate it. */
#include "kb_index.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_index_search_and_reindex (void **state)
{
    (void) state;
    char dir[64], path[128], err[256];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/x", dir);
    kb_index_t *idx = kb_index_open (path, err, sizeof err);
    assert_non_null (idx);
    assert_int_equal (kb_index_put_ticket (idx, 1, "Erro ao exportar relatórios", "A exportação trava"), 0);
    assert_int_equal (kb_index_put_ticket (idx, 2, "Senha bloqueada", "Não consigo entrar"), 0);
    /* The same event applied twice: still one document. */
    assert_int_equal (kb_index_put_ticket (idx, 1, "Erro ao exportar relatórios", "A exportação trava"), 0);
    assert_int_equal (kb_index_add_text (idx, 2, "Já tentei redefinir a senha"), 0);
    assert_int_equal (kb_index_commit (idx), 0);

    kb_hit_t hits[10];
    uint64_t est;
    /* Singular query, plural in the text. */
    int n = kb_index_search (idx, "relatório", hits, 10, &est);
    assert_int_equal (n, 1);
    assert_int_equal (hits[0].ticket, 1);
    assert_string_equal (hits[0].subject, "Erro ao exportar relatórios");
    /* A word only in a later message. */
    n = kb_index_search (idx, "redefinir", hits, 10, &est);
    assert_int_equal (n, 1);
    assert_int_equal (hits[0].ticket, 2);
    n = kb_index_search (idx, "impressora", hits, 10, &est);
    assert_int_equal (n, 0);
    kb_index_close (&idx);

    /* Durable: reopen and find it again. */
    idx = kb_index_open (path, err, sizeof err);
    n = kb_index_search (idx, "exportar", hits, 10, &est);
    assert_int_equal (n, 1);
    kb_index_close (&idx);
    assert_null (idx);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_index_search_and_reindex),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
