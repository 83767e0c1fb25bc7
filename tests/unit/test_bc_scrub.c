/* bc_scrub: the LGPD scrubber on the messages the services really store
 * (a customer's MessageReceived, a ticket inside an envelope, a colleague's
 * message that names the subject, a rendered mail): what goes, what stays,
 * and that a message with nothing of the subject stays byte for byte. */
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_msg.h"
#include "bc_scrub.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static bc_scrub_t *
s_joana (void)
{
    bc_scrub_t *s = bc_scrub_new ("e7");
    bc_scrub_add_term (s, "customer:joana@cliente.com.br");
    bc_scrub_add_name (s, "Joana Prudêncio");
    bc_scrub_add_phone (s, "+55 11 98765-4321");
    bc_scrub_add_tax_id (s, "529.982.247-25");
    bc_scrub_add_ticket (s, 12);
    bc_scrub_add_ref (s, "m0000000000000003");
    return s;
}

/* Her own message (by its ref): texts, names, address and raw mail go. */
static void
test_subjects_message (void **state)
{
    (void) state;
    bc_scrub_t *s = s_joana ();
    Balcao__V1__MessageReceived m = BALCAO__V1__MESSAGE_RECEIVED__INIT;
    m.message_ref = "m0000000000000003";
    m.channel = "email";
    m.from_address = "joana@cliente.com.br";
    m.from_name = "Joana";
    m.subject = "Nota fiscal";
    m.body = "A nota não sai. Pode ligar no 98765-4321.";
    m.language = "pt-BR";
    size_t len = protobuf_c_message_get_packed_size (&m.base);
    uint8_t *buf = malloc (len), *out = NULL;
    protobuf_c_message_pack (&m.base, buf);
    size_t out_len = 0;
    assert_int_equal (bc_scrub_packed (s, &balcao__v1__message_received__descriptor, buf, len,
                                       &out, &out_len),
                      1);
    Balcao__V1__MessageReceived *r = balcao__v1__message_received__unpack (NULL, out_len, out);
    assert_non_null (r);
    assert_string_equal (r->body, BC_SCRUB_TEXT);
    assert_string_equal (r->subject, BC_SCRUB_TEXT);
    assert_string_equal (r->from_name, BC_SCRUB_NAME);
    assert_string_equal (r->from_address, "titular-e7");
    assert_string_equal (r->channel, "email");
    assert_string_equal (r->language, "pt-BR");
    assert_string_equal (r->message_ref, "m0000000000000003");
    balcao__v1__message_received__free_unpacked (r, NULL);
    free (out);
    free (buf);
    bc_scrub_destroy (&s);
}

/* Someone else's message that names her: only the terms go. */
static void
test_colleagues_message (void **state)
{
    (void) state;
    bc_scrub_t *s = s_joana ();
    Balcao__V1__TicketMessage m = BALCAO__V1__TICKET_MESSAGE__INIT;
    m.author = "agent:bruno@suporte.example";
    m.author_name = "Bruno";
    /* Strings the scrubber replaces are freed: malloc'd, as unpacked. */
    m.body = strdup ("Falei com JOANA@cliente.com.br (CPF 52998224725, tel. (11) 98765-4321) e "
                     "com Joana Prudêncio; a Joana volta amanhã.");
    assert_int_equal (bc_scrub_message (s, &m.base), 1);
    assert_string_equal (m.body, "Falei com [removido] (CPF [removido], tel. [removido]) e "
                                 "com [removido]; a Joana volta amanhã.");
    assert_string_equal (m.author, "agent:bruno@suporte.example");
    free (m.body);
    bc_scrub_destroy (&s);
}

/* A ticket of hers inside an envelope she sent: walked through the
 * payload by its type; the envelope's principal is hers no more. */
static void
test_envelope (void **state)
{
    (void) state;
    bc_scrub_t *s = s_joana ();
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    t.number = 12;
    t.subject = "Boleto duplicado";
    t.customer_address = "joana@cliente.com.br";
    t.customer_name = "Joana P.";
    t.status = "fechado";
    t.tier = "N2";
    t.csat_score = 5;
    t.csat_comment = "Ótimo atendimento";
    Balcao__V1__TicketCreated tc = BALCAO__V1__TICKET_CREATED__INIT;
    tc.ticket = &t;
    bc_header_t h = {.principal = "customer:joana@cliente.com.br", .source = "router", .seq = 9};
    size_t len;
    uint8_t *env = bc_envelope_pack (&h, &tc.base, &len), *out = NULL;
    size_t out_len = 0;
    assert_int_equal (bc_scrub_packed (s, NULL, env, len, &out, &out_len), 1);
    bc_envelope_t *e = bc_envelope_unpack (out, out_len);
    assert_non_null (e);
    assert_string_equal (e->principal, "customer:titular-e7");
    assert_int_equal (e->seq, 9);
    Balcao__V1__TicketCreated *r = (Balcao__V1__TicketCreated *) bc_envelope_payload (
        e, &balcao__v1__ticket_created__descriptor);
    assert_non_null (r);
    assert_int_equal (r->ticket->number, 12);
    assert_string_equal (r->ticket->status, "fechado");
    assert_string_equal (r->ticket->tier, "N2");
    assert_int_equal (r->ticket->csat_score, 5);
    assert_string_equal (r->ticket->subject, BC_SCRUB_TEXT);
    assert_string_equal (r->ticket->csat_comment, BC_SCRUB_TEXT);
    assert_string_equal (r->ticket->customer_name, BC_SCRUB_NAME);
    assert_string_equal (r->ticket->customer_address, "titular-e7");
    balcao__v1__ticket_created__free_unpacked (r, NULL);
    bc_envelope_destroy (&e);
    free (out);
    free (env);
    bc_scrub_destroy (&s);
}

/* Nothing of hers: unchanged (0), no copy made. */
static void
test_untouched (void **state)
{
    (void) state;
    bc_scrub_t *s = s_joana ();
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    t.number = 13;
    t.subject = "Senha";
    t.customer_address = "marcos@outra.com.br";
    size_t len = protobuf_c_message_get_packed_size (&t.base);
    uint8_t *buf = malloc (len), *out = NULL;
    protobuf_c_message_pack (&t.base, buf);
    size_t out_len = 0;
    assert_int_equal (bc_scrub_packed (s, &balcao__v1__ticket__descriptor, buf, len, &out,
                                       &out_len),
                      0);
    assert_null (out);
    assert_int_equal (bc_scrub_packed (s, &balcao__v1__ticket__descriptor, "\xff\xff", 2, &out,
                                       &out_len),
                      -1);
    free (buf);
    bc_scrub_destroy (&s);
}

/* Learning with the router's hashes: her address and full name from a
 * message of hers become terms; a colleague who wrote on her ticket does
 * not. A lone first name is never a term. */
static void
test_learn_allowed (void **state)
{
    (void) state;
    bc_scrub_t *router = bc_scrub_new ("e7");
    bc_scrub_add_term (router, "joana@cliente.com.br");
    bc_scrub_add_name (router, "Joana Prudêncio");
    bc_scrub_add_name (router, "Joana");
    assert_int_equal (bc_scrub_terms (router), 2);
    size_t n;
    char **hashes = bc_scrub_term_hashes (router, &n);
    bc_scrub_t *s = bc_scrub_new ("e7");
    for (size_t i = 0; i < n; i++) {
        bc_scrub_allow_hash (s, hashes[i]);
        free (hashes[i]);
    }
    free (hashes);
    bc_scrub_add_ref (s, "m1");
    bc_scrub_add_ref (s, "m2");
    Balcao__V1__MessageReceived a = BALCAO__V1__MESSAGE_RECEIVED__INIT, b = a;
    a.message_ref = "m1";
    a.from_address = "Joana@Cliente.com.br";
    a.from_name = "Joana Prudêncio";
    b.message_ref = "m2";
    b.from_address = "colega@cliente.com.br";
    b.from_name = "Carla Colega";
    bc_scrub_learn (s, &a.base);
    bc_scrub_learn (s, &b.base);
    assert_int_equal (bc_scrub_terms (s), 2);
    assert_true (bc_scrub_mentions (s, "mail de joana@cliente.com.br", 28));
    assert_false (bc_scrub_mentions (s, "colega@cliente.com.br", 21));
    bc_scrub_destroy (&s);
    bc_scrub_destroy (&router);
}

/* Retention (owned only): her ticket's messages go, the same address on
 * another ticket of hers stays. */
static void
test_owned_only (void **state)
{
    (void) state;
    bc_scrub_t *s = s_joana ();
    bc_scrub_set_owned_only (s);
    Balcao__V1__Ticket other = BALCAO__V1__TICKET__INIT, mine = other;
    other.number = 40;
    other.customer_address = "joana@cliente.com.br";
    other.subject = "Outra dúvida";
    assert_int_equal (bc_scrub_message (s, &other.base), 0);
    mine.number = 12;
    mine.subject = strdup ("Boleto");
    assert_int_equal (bc_scrub_message (s, &mine.base), 1);
    assert_string_equal (mine.subject, BC_SCRUB_TEXT);
    free (mine.subject);
    bc_scrub_destroy (&s);
}

/* A rendered mail (bytes) of her ticket's notification goes whole; every
 * spelling of her phone and CPF is a term. */
static void
test_outbox_and_spellings (void **state)
{
    (void) state;
    bc_scrub_t *s = s_joana ();
    const char *spellings[] = {"5511987654321", "551187654321", "11987654321", "(11) 98765-4321",
                               "98765-4321",    "8765-4321",    "529.982.247-25", "52998224725"};
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++)
        assert_true (bc_scrub_mentions (s, spellings[i], strlen (spellings[i])));
    Balcao__V1__NotificationQueued q = BALCAO__V1__NOTIFICATION_QUEUED__INIT;
    q.ticket = 12;
    Balcao__V1__OutboxEntry e = BALCAO__V1__OUTBOX_ENTRY__INIT;
    e.notification = &q;
    e.mail.data = (uint8_t *) strdup ("To: joana@cliente.com.br\r\n\r\nOlá!");
    e.mail.len = strlen ((char *) e.mail.data);
    e.state = "delivered";
    assert_int_equal (bc_scrub_owned (s, &e.base), 1);
    assert_int_equal (e.mail.len, 0);
    assert_string_equal (e.state, "delivered");
    bc_scrub_destroy (&s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_subjects_message), cmocka_unit_test (test_colleagues_message),
        cmocka_unit_test (test_envelope),         cmocka_unit_test (test_untouched),
        cmocka_unit_test (test_learn_allowed),    cmocka_unit_test (test_owned_only),
        cmocka_unit_test (test_outbox_and_spellings),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
