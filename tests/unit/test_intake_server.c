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
#include <sodium.h>
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
             "balcao\n    data_dir = \"%s/var\"\n    curve_dir = \"\"\n    install = \"bc\"\n"
             "    domain = \"balcao.local\"\n"
             "intake\n    command = \"ipc://%s/i.cmd\"\n    events = \"ipc://%s/i.ev\"\n"
             "    max_attachment_bytes = 1000\n    max_message_attachments_bytes = 1500\n"
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
    bc_client_set_principal (f->client, "service:router"); /* the log is for services */
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
    /* Nothing quoted: the reply is the whole body, and not sent twice. */
    assert_string_equal (ev[3]->reply, "");
    assert_string_equal (ev[3]->body, "Não recebi o boleto.");
    assert_string_equal (ev[3]->report_message_id, "");
    for (size_t i = 0; i < n; i++)
        balcao__v1__message_received__free_unpacked (ev[i], NULL);
    free (ev);
}


/* Submits raw MIME as principal with request id rid (NULL: new); returns
 * the reply (the caller destroys it) and its error code in code ("" ok). */
static bc_envelope_t *
s_call (fixture_t *f, const char *rid, const ProtobufCMessage *req, const char *principal,
        char code[64])
{
    bc_client_set_principal (f->client, principal);
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (f->client, rid, req, &reply);
    code[0] = 0;
    if (rc == BC_EREMOTE) {
        Balcao__V1__Error *e =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        assert_non_null (e);
        snprintf (code, 64, "%s", e->code);
        balcao__v1__error__free_unpacked (e, NULL);
    }
    else
        assert_int_equal (rc, BC_OK);
    return reply;
}

static Balcao__V1__SubmitReply *
s_submit_ok (fixture_t *f, const char *raw)
{
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.raw_mime.data = (uint8_t *) raw;
    req.raw_mime.len = strlen (raw);
    char code[64];
    bc_envelope_t *reply = s_call (f, NULL, &req.base, "service:test", code);
    assert_string_equal (code, "");
    Balcao__V1__SubmitReply *sr = (Balcao__V1__SubmitReply *) bc_envelope_payload (
        reply, &balcao__v1__submit_reply__descriptor);
    assert_non_null (sr);
    bc_envelope_destroy (&reply);
    return sr;
}

/* The files in the attachment store. */
static int
s_stored_files (fixture_t *f)
{
    char cmd[256];
    snprintf (cmd, sizeof cmd, "find %s/var/intake/attachments -type f | wc -l", f->dir);
    FILE *p = popen (cmd, "r");
    int n = -1;
    assert_int_equal (fscanf (p, "%d", &n), 1);
    pclose (p);
    return n;
}

/* A mail with one base64 attachment of `size` bytes of `fill`, named with
 * RFC 2231 (relatório.pdf). */
static char *
s_mail_with_file (const char *message_id, const char *subject, size_t size, char fill)
{
    unsigned char *bytes = malloc (size);
    memset (bytes, fill, size);
    size_t b64_len = sodium_base64_encoded_len (size, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc (b64_len);
    sodium_bin2base64 (b64, b64_len, bytes, size, sodium_base64_VARIANT_ORIGINAL);
    free (bytes);
    char *raw = malloc (b64_len + 1024);
    sprintf (raw,
             "From: Ana <ana@cliente.com.br>\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"
             "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
             "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSegue o relatório.\r\n"
             "--B\r\nContent-Type: application/pdf\r\n"
             "Content-Disposition: attachment; filename*=utf-8''relat%%C3%%B3rio.pdf\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n",
             subject, message_id, b64);
    free (b64);
    return raw;
}

static void
test_attachments_stored_once_and_served (void **state)
{
    fixture_t *f = *state;
    char *first = s_mail_with_file ("a1@cliente.com.br", "Relatório", 700, 'r');
    char *again = s_mail_with_file ("a2@cliente.com.br", "De novo", 700, 'r');
    Balcao__V1__SubmitReply *sr = s_submit_ok (f, first);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    sr = s_submit_ok (f, again);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    free (first);
    free (again);
    assert_int_equal (s_stored_files (f), 1); /* the same file twice is one file */

    size_t n;
    Balcao__V1__MessageReceived **ev = s_events (f, &n);
    assert_int_equal (n, 2);
    assert_int_equal (ev[0]->n_attachments, 1);
    Balcao__V1__Attachment *a = ev[0]->attachments[0];
    assert_string_equal (a->filename, "relatório.pdf");
    assert_string_equal (a->content_type, "application/pdf");
    assert_int_equal (a->size, 700);
    assert_false (a->inline_);
    assert_string_equal (ev[1]->attachments[0]->sha256, a->sha256);
    char sha[65];
    snprintf (sha, sizeof sha, "%s", a->sha256);
    for (size_t i = 0; i < n; i++)
        balcao__v1__message_received__free_unpacked (ev[i], NULL);
    free (ev);

    /* The team reads it back, byte for byte. */
    Balcao__V1__GetAttachment get = BALCAO__V1__GET_ATTACHMENT__INIT;
    get.sha256 = sha;
    char code[64];
    bc_envelope_t *reply = s_call (f, NULL, &get.base, "agent:bia@balcao.local", code);
    assert_string_equal (code, "");
    Balcao__V1__AttachmentData *data = (Balcao__V1__AttachmentData *) bc_envelope_payload (
        reply, &balcao__v1__attachment_data__descriptor);
    assert_non_null (data);
    assert_int_equal (data->content.len, 700);
    for (size_t i = 0; i < 700; i++)
        assert_int_equal (data->content.data[i], 'r');
    assert_string_equal (data->attachment->filename, "relatório.pdf");
    balcao__v1__attachment_data__free_unpacked (data, NULL);
    bc_envelope_destroy (&reply);

    /* Customers do not read here; unknown and malformed ids. */
    bc_envelope_destroy ((reply = s_call (f, NULL, &get.base, "customer:ana@cliente.com.br", code), &reply));
    assert_string_equal (code, "forbidden");
    bc_envelope_destroy ((reply = s_call (f, NULL, &get.base, "", code), &reply));
    assert_string_equal (code, "forbidden");
    get.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    bc_envelope_destroy ((reply = s_call (f, NULL, &get.base, "service:gateway", code), &reply));
    assert_string_equal (code, "not_found");
    get.sha256 = "../../../../etc/passwd";
    bc_envelope_destroy ((reply = s_call (f, NULL, &get.base, "admin:root", code), &reply));
    assert_string_equal (code, "invalid");
}

/* The replayed log's events: their types in order, and each
 * AttachmentRejected (in rejected, up to 4). */
static size_t
s_log (fixture_t *f, const char **types, size_t max, Balcao__V1__AttachmentRejected **rejected,
       size_t *n_rejected)
{
    Balcao__V1__ReplayRequest rr_req = BALCAO__V1__REPLAY_REQUEST__INIT;
    rr_req.from_seq = 1;
    char code[64];
    bc_envelope_t *reply = s_call (f, NULL, &rr_req.base, "service:router", code);
    Balcao__V1__ReplayReply *rr = (Balcao__V1__ReplayReply *) bc_envelope_payload (
        reply, &balcao__v1__replay_reply__descriptor);
    size_t n = 0;
    *n_rejected = 0;
    for (size_t i = 0; i < rr->n_events && n < max; i++) {
        bc_envelope_t *env = bc_envelope_unpack (rr->events[i].data, rr->events[i].len);
        types[n++] = bc_envelope_is (env, &balcao__v1__attachment_rejected__descriptor)
                         ? "AttachmentRejected"
                     : bc_envelope_is (env, &balcao__v1__message_received__descriptor)
                         ? "MessageReceived"
                         : "other";
        if (bc_envelope_is (env, &balcao__v1__attachment_rejected__descriptor) && *n_rejected < 4)
            rejected[(*n_rejected)++] = (Balcao__V1__AttachmentRejected *) bc_envelope_payload (
                env, &balcao__v1__attachment_rejected__descriptor);
        bc_envelope_destroy (&env);
    }
    balcao__v1__replay_reply__free_unpacked (rr, NULL);
    bc_envelope_destroy (&reply);
    return n;
}

/* A mail's files over the limits are left out, the message kept (issue 15,
 * item 6); a whole message too large to carry (a mail gate sends its
 * header and size) is refused with nothing stored, once. */
static void
test_over_the_limits (void **state)
{
    fixture_t *f = *state;
    /* One file over the per-file limit (1000 bytes): kept without it. */
    char *big = s_mail_with_file ("big@cliente.com.br", "Vídeo", 1001, 'v');
    Balcao__V1__SubmitReply *sr = s_submit_ok (f, big);
    assert_int_equal (sr->duplicate, 0);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    /* The MTA tries again: a duplicate, no second event. */
    sr = s_submit_ok (f, big);
    assert_int_equal (sr->duplicate, 1);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    free (big);
    assert_int_equal (s_stored_files (f), 0);
    /* Two files within the file limit, over the message limit (1500):
     * the largest goes, the other is kept. */
    const char *two =
        "From: ana@cliente.com.br\r\nSubject: [Chamado #7] dois\r\nMessage-ID: <two@c.br>\r\n"
        "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        "Oi\r\n--B\r\nContent-Type: application/octet-stream; name=a.bin\r\n\r\n%s\r\n"
        "--B\r\nContent-Type: application/octet-stream; name=b.bin\r\n\r\n%s\r\n--B--\r\n";
    char body_a[900], body_b[700];
    memset (body_a, 'x', sizeof body_a - 1);
    body_a[sizeof body_a - 1] = 0;
    memset (body_b, 'y', sizeof body_b - 1);
    body_b[sizeof body_b - 1] = 0;
    char *raw = malloc (4096);
    snprintf (raw, 4096, two, body_a, body_b);
    sr = s_submit_ok (f, raw);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    free (raw);
    assert_int_equal (s_stored_files (f), 1);
    /* Too large to carry: only the header came, with the size. */
    const char *header = "From: Ana <ana@cliente.com.br>\r\nSubject: Planilha enorme\r\n"
                         "Message-ID: <huge@c.br>\r\n\r\n";
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.raw_mime.data = (uint8_t *) header;
    req.raw_mime.len = strlen (header);
    req.oversized_bytes = 80 * 1024 * 1024;
    char code[64];
    bc_envelope_t *reply = s_call (f, "huge-1", &req.base, "service:mailgate", code);
    assert_string_equal (code, "attachment_too_large");
    bc_envelope_destroy (&reply);
    reply = s_call (f, "huge-2", &req.base, "service:mailgate", code);
    assert_string_equal (code, "attachment_too_large");
    bc_envelope_destroy (&reply);
    assert_int_equal (s_stored_files (f), 1);

    const char *types[8];
    Balcao__V1__AttachmentRejected *ar[4];
    size_t n_ar;
    size_t n = s_log (f, types, 8, ar, &n_ar);
    assert_int_equal (n, 5);
    assert_string_equal (types[0], "MessageReceived");
    assert_string_equal (types[1], "AttachmentRejected");
    assert_string_equal (types[2], "MessageReceived");
    assert_string_equal (types[3], "AttachmentRejected");
    assert_string_equal (types[4], "AttachmentRejected");
    assert_int_equal (n_ar, 3);
    assert_string_equal (ar[0]->limit, "file");
    assert_int_equal (ar[0]->limit_bytes, 1000);
    assert_true (ar[0]->kept);
    assert_int_equal (ar[0]->n_files, 1);
    assert_string_equal (ar[0]->files[0], "relatório.pdf (1 KB)");
    assert_string_equal (ar[0]->message_id, "big@cliente.com.br");
    assert_string_equal (ar[1]->limit, "message");
    assert_int_equal (ar[1]->limit_bytes, 1500);
    assert_true (ar[1]->kept);
    assert_int_equal (ar[1]->n_files, 1);
    assert_string_equal (ar[1]->files[0], "a.bin (1 KB)");
    assert_int_equal (ar[1]->ticket, 7);
    assert_string_equal (ar[2]->limit, "message_size");
    assert_false (ar[2]->kept);
    assert_string_equal (ar[2]->files[0], "a mensagem inteira (80 MB)");
    for (size_t i = 0; i < n_ar; i++) {
        assert_string_equal (ar[i]->from_address, "ana@cliente.com.br");
        assert_string_equal (ar[i]->mail_class, "human");
        balcao__v1__attachment_rejected__free_unpacked (ar[i], NULL);
    }
}

static void
test_threading_by_subject_tag_and_report (void **state)
{
    fixture_t *f = *state;
    /* Our tag, without In-Reply-To: ticket 1. Another install's tag: new. */
    Balcao__V1__SubmitReply *sr =
        s_submit_ok (f, "From: ana@cliente.com.br\r\nSubject: Re: [Chamado #1] Login\r\n"
                        "Message-ID: <s1@cliente.com.br>\r\n\r\nAinda não.\r\n");
    assert_int_equal (sr->ticket, 1);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    sr = s_submit_ok (f, "From: ana@cliente.com.br\r\nSubject: Re: [Ticket #1] Outro sistema\r\n"
                         "Message-ID: <s2@cliente.com.br>\r\n\r\nOi.\r\n");
    assert_int_equal (sr->ticket, 0);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    /* In-Reply-To wins over the tag. */
    sr = s_submit_ok (f, "From: ana@cliente.com.br\r\nSubject: Re: [Chamado #1] x\r\n"
                         "In-Reply-To: <balcao.bc.t5.abcd@balcao.local>\r\n"
                         "Message-ID: <s3@cliente.com.br>\r\n\r\nOi.\r\n");
    assert_int_equal (sr->ticket, 5);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    /* A bounce of one of our notifications, without a tag: its ticket. */
    sr = s_submit_ok (
        f, "From: MAILER-DAEMON@mx.cliente.com.br\r\nSubject: Undelivered Mail\r\n"
           "Message-ID: <b2@mx.cliente.com.br>\r\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n"
           "--R\r\nContent-Type: text/plain\r\n\r\nUser unknown.\r\n"
           "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
           "Final-Recipient: rfc822; ana@cliente.com.br\r\nAction: failed\r\n"
           "--R\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: suporte@balcao.local\r\n"
           "Message-ID: <balcao.bc.t9.beef@balcao.local>\r\n--R--\r\n");
    assert_int_equal (sr->ticket, 9);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
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
        cmocka_unit_test_setup_teardown (test_attachments_stored_once_and_served, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_over_the_limits, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_threading_by_subject_tag_and_report, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
