/* intake_server: what a mail's parsing puts on the bus. The real intake
 * service runs in a child process (this binary with --serve); the test
 * submits raw mail over its command socket and reads the MessageReceived
 * events back with a ReplayRequest: the reply, the sender's class and a
 * report's fields travel with the message, and every class is accepted. */
#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_msg.h"
#include "intake_server.h"
#include "unit_util.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

typedef struct {
    char dir[64];
    char config[128];
    pid_t intake;
    bc_client_t *client;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    assert_non_null (unit_tmpdir (f->dir, sizeof f->dir));
    snprintf (f->config, sizeof f->config, "%s/t.cfg", f->dir);
    FILE *c = fopen (f->config, "w");
    fprintf (c,
             "balcao\n    data_dir = \"%s/var\"\n    install = \"bc\"\n"
             "    domain = \"balcao.local\"\n"
             "intake\n    command = \"ipc://%s/i.cmd\"\n    events = \"ipc://%s/i.ev\"\n"
             "router\n    command = \"ipc://%s/r.cmd\"\n    events = \"ipc://%s/r.ev\"\n"
             "notify\n    command = \"ipc://%s/n.cmd\"\n    events = \"ipc://%s/n.ev\"\n",
             f->dir, f->dir, f->dir, f->dir, f->dir, f->dir, f->dir);
    fclose (c);
    f->intake = fork ();
    if (f->intake == 0) {
        execl ("/proc/self/exe", "test_intake_server", "--serve", f->config, (char *) NULL);
        _exit (127);
    }
    bc_config_t *config = bc_config_load (f->config);
    f->client = bc_client_new (bc_config_endpoint (config, "intake", "command"), "test");
    bc_config_destroy (&config);
    bc_client_set_timeout (f->client, 500, 20);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    bc_client_destroy (&f->client);
    kill (f->intake, SIGTERM);
    waitpid (f->intake, NULL, 0);
    unit_rmdir (f->dir);
    free (f);
    return 0;
}

/* Submits raw MIME; returns the reply envelope's error code or "" (ok). */
static const char *
s_submit_mime (fixture_t *f, const char *raw)
{
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.raw_mime.data = (uint8_t *) raw;
    req.raw_mime.len = strlen (raw);
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (f->client, NULL, &req.base, &reply);
    static char code[64];
    code[0] = 0;
    if (rc == BC_EREMOTE) {
        Balcao__V1__Error *e =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        assert_non_null (e);
        snprintf (code, sizeof code, "%s", e->code);
        assert_non_null (strstr (e->message, "sender"));
        balcao__v1__error__free_unpacked (e, NULL);
    }
    else
        assert_int_equal (rc, BC_OK);
    bc_envelope_destroy (&reply);
    return code;
}

/* The MessageReceived events of intake's log, in order. */
static Balcao__V1__MessageReceived **
s_events (fixture_t *f, size_t *n)
{
    Balcao__V1__ReplayRequest req = BALCAO__V1__REPLAY_REQUEST__INIT;
    req.from_seq = 1;
    bc_envelope_t *reply = NULL;
    assert_int_equal (bc_client_call (f->client, NULL, &req.base, &reply), BC_OK);
    Balcao__V1__ReplayReply *rr = (Balcao__V1__ReplayReply *) bc_envelope_payload (
        reply, &balcao__v1__replay_reply__descriptor);
    assert_non_null (rr);
    Balcao__V1__MessageReceived **out = calloc (rr->n_events + 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; i < rr->n_events; i++) {
        bc_envelope_t *ev = bc_envelope_unpack (rr->events[i].data, rr->events[i].len);
        if (ev && bc_envelope_is (ev, &balcao__v1__message_received__descriptor))
            out[(*n)++] = (Balcao__V1__MessageReceived *) bc_envelope_payload (
                ev, &balcao__v1__message_received__descriptor);
        bc_envelope_destroy (&ev);
    }
    balcao__v1__replay_reply__free_unpacked (rr, NULL);
    bc_envelope_destroy (&reply);
    return out;
}

static void
test_class_and_reply_travel_with_the_message (void **state)
{
    fixture_t *f = *state;
    assert_string_equal (
        s_submit_mime (f, "From: Ana <ana@cliente.com.br>\r\nSubject: Re: Login\r\n"
                          "Message-ID: <r1@cliente.com.br>\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                          "Ainda não entra.\r\n\r\nEm seg., 3 de jun. de 2024 às 14:22, Suporte "
                          "<s@balcao.local> escreveu:\r\n> Tente de novo.\r\n"),
        "");
    /* A bounce of one of our notifications: accepted and forwarded too. */
    assert_string_equal (
        s_submit_mime (
            f, "From: MAILER-DAEMON@mx.cliente.com.br\r\nSubject: Undelivered Mail\r\n"
               "Message-ID: <b1@mx.cliente.com.br>\r\nAuto-Submitted: auto-replied\r\n"
               "Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n"
               "--R\r\nContent-Type: text/plain\r\n\r\nUser unknown.\r\n"
               "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
               "Final-Recipient: rfc822; ana@cliente.com.br\r\nAction: failed\r\n"
               "--R\r\nContent-Type: message/rfc822\r\n\r\nFrom: suporte@balcao.local\r\n"
               "Message-ID: <balcao.bc.t3.beef@balcao.local>\r\n\r\nRecebemos.\r\n--R--\r\n"),
        "");
    /* Our own notification coming back (notify's X-Loop). */
    assert_string_equal (s_submit_mime (f, "From: suporte@balcao.local\r\nSubject: [Chamado #3]\r\n"
                                           "Message-ID: <x1@elsewhere.example>\r\n"
                                           "X-Loop: balcao.bc@balcao.local\r\n\r\nOi\r\n"),
                         "");
    /* Without a sender there is no customer: refused, nothing published. */
    assert_string_equal (s_submit_mime (f, "Subject: sem remetente\r\n\r\nCorpo\r\n"), "invalid");
    /* Another channel: a person, the reply is the body. */
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.channel = "portal";
    req.external_id = "portal-1";
    req.from_address = "ana@cliente.com.br";
    req.subject = "Boleto";
    req.body = "Não recebi o boleto.";
    bc_envelope_t *reply = NULL;
    assert_int_equal (bc_client_call (f->client, NULL, &req.base, &reply), BC_OK);
    bc_envelope_destroy (&reply);

    size_t n;
    Balcao__V1__MessageReceived **ev = s_events (f, &n);
    assert_int_equal (n, 4);
    assert_string_equal (ev[0]->mail_class, "human");
    assert_string_equal (ev[0]->reply, "Ainda não entra.");
    assert_non_null (strstr (ev[0]->body, "> Tente de novo."));
    assert_string_equal (ev[1]->mail_class, "bounce");
    assert_string_equal (ev[1]->report_recipient, "ana@cliente.com.br");
    assert_string_equal (ev[1]->report_message_id, "balcao.bc.t3.beef@balcao.local");
    assert_string_equal (ev[1]->body, "User unknown.");
    assert_string_equal (ev[2]->mail_class, "auto");
    assert_string_equal (ev[3]->mail_class, "human");
    assert_string_equal (ev[3]->reply, "Não recebi o boleto.");
    assert_string_equal (ev[3]->report_message_id, "");
    for (size_t i = 0; i < n; i++)
        balcao__v1__message_received__free_unpacked (ev[i], NULL);
    free (ev);
}

int
main (int argc, char **argv)
{
    if (argc == 3 && strcmp (argv[1], "--serve") == 0) {
        char *args[] = {"balcao-intake", "-c", argv[2], NULL};
        return bc_service_main (3, args, "intake", intake_dbs, intake_ndbs, intake_server_setup,
                                intake_server_teardown);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_class_and_reply_travel_with_the_message, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
