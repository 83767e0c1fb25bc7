/* bc_id and bc_mailid: request ids and ticket-bearing Message-IDs. */
#include "bc_id.h"
#include "bc_mailid.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void
test_ids_are_hex_and_unique (void **state)
{
    (void) state;
    char a[BC_ID_LEN + 1], b[BC_ID_LEN + 1];
    bc_id_new (a);
    bc_id_new (b);
    assert_int_equal (strlen (a), 32);
    assert_string_not_equal (a, b);
    assert_true (bc_id_is_valid (a));
}

static void
test_id_validation (void **state)
{
    (void) state;
    assert_true (bc_id_is_valid ("demo-submit-1"));
    assert_true (bc_id_is_valid ("crm:order.42_x"));
    assert_false (bc_id_is_valid (""));
    assert_false (bc_id_is_valid ("with space"));
    assert_false (bc_id_is_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
}

static void
test_mailid_carries_the_ticket (void **state)
{
    (void) state;
    char id[256];
    bc_mailid_new (id, sizeof id, "bc", 4217, "suporte.example.com.br");
    assert_non_null (strstr (id, "@suporte.example.com.br"));
    assert_int_equal (bc_mailid_ticket (id, "bc", "suporte.example.com.br"), 4217);
    char bracketed[260];
    snprintf (bracketed, sizeof bracketed, "<%s>", id);
    assert_int_equal (bc_mailid_ticket (bracketed, "bc", "suporte.example.com.br"), 4217);
    /* Another installation, another domain, or a stranger's id: not ours. */
    assert_int_equal (bc_mailid_ticket (id, "xy", "suporte.example.com.br"), 0);
    assert_int_equal (bc_mailid_ticket (id, "bc", "example.org"), 0);
    assert_int_equal (bc_mailid_ticket ("CAF00@mail.gmail.com", "bc", "example.org"), 0);
    assert_int_equal (bc_mailid_ticket ("balcao.bc.tX.1@d", "bc", "d"), 0);
    assert_int_equal (bc_mailid_ticket (NULL, "bc", "d"), 0);
}

static void
test_subject_tag (void **state)
{
    (void) state;
    char tag[64];
    bc_mailid_subject_tag (tag, sizeof tag, "Chamado", 42);
    assert_string_equal (tag, "[Chamado #42]");
    assert_int_equal (bc_mailid_ticket_from_subject ("Re: Fwd: [Chamado #42] Boleto", "Chamado"), 42);
    assert_int_equal (bc_mailid_ticket_from_subject ("RES: [chamado #7] ok", "Chamado"), 7);
    /* Another install's tag, a broken tag, no tag. */
    assert_int_equal (bc_mailid_ticket_from_subject ("Re: [ACME Suporte #42] x", "Chamado"), 0);
    assert_int_equal (bc_mailid_ticket_from_subject ("Re: [ACME Suporte #42] x", "ACME Suporte"), 42);
    assert_int_equal (bc_mailid_ticket_from_subject ("[Chamado #] x", "Chamado"), 0);
    assert_int_equal (bc_mailid_ticket_from_subject ("[Chamado #12x] x", "Chamado"), 0);
    assert_int_equal (bc_mailid_ticket_from_subject ("Chamado 42", "Chamado"), 0);
    bc_mailid_loop_tag (tag, sizeof tag, "bc", "suporte.example");
    assert_string_equal (tag, "balcao.bc@suporte.example");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ids_are_hex_and_unique),
        cmocka_unit_test (test_id_validation),
        cmocka_unit_test (test_mailid_carries_the_ticket),
        cmocka_unit_test (test_subject_tag),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
