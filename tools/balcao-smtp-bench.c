/* balcao-smtp-bench: how much keeping the SMTP connection saves. Sends N
 * copies of a notification-sized mail through notify's own transport
 * (services/notify/notify_smtp.c) to a server, once on one kept-alive
 * connection and once with a fresh connection per mail, and prints the
 * rate of each.
 *
 *     balcao-smtp-bench smtp://127.0.0.1:2525 [N [to@address]]
 *
 * Use a local sink (docs/benchmarks.md has the recipe): every mail is
 * really sent. Exit 1 when a mail is refused. */
#include "bc_clock.h"
#include "notify_smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A mail of the size of an acknowledgement (about 3 KB). */
static char *
s_mail (size_t *len)
{
    static const char head[] =
        "From: Suporte <suporte@balcao.bench>\r\n"
        "To: Cliente <cliente@example.com>\r\n"
        "Subject: [Chamado #1] Recebemos seu chamado: bench\r\n"
        "Message-ID: <balcao.bench.t1.0@balcao.bench>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n";
    size_t body = 3000;
    char *mail = malloc (sizeof head + body + 1);
    memcpy (mail, head, sizeof head - 1);
    size_t n = sizeof head - 1;
    for (size_t i = 0; i < body; i++)
        mail[n++] = (i % 72 == 71) ? '\n' : (char) ('a' + i % 26);
    mail[n] = 0;
    *len = n;
    return mail;
}

static int
s_run (const char *url, int count, const char *to, int is_reuse, double *rate)
{
    notify_smtp_config_t config = {
        .url = url,
        .starttls = "none",
        .timeout_ms = 30000,
        .connect_timeout_ms = 10000,
        .is_reuse = is_reuse,
    };
    notify_smtp_t *smtp = notify_smtp_new (&config);
    if (!smtp)
        return -1;
    size_t len;
    char *mail = s_mail (&len);
    int64_t t0 = bc_mono_ms ();
    int failed = 0;
    for (int i = 0; i < count; i++) {
        notify_smtp_result_t r;
        if (notify_smtp_send (smtp, "suporte@balcao.bench", to, (const uint8_t *) mail, len, &r)
            != NOTIFY_SMTP_OK) {
            fprintf (stderr, "balcao-smtp-bench: mail %d refused: %s\n", i + 1, r.reply);
            failed = 1;
            break;
        }
    }
    int64_t ms = bc_mono_ms () - t0;
    free (mail);
    notify_smtp_destroy (&smtp);
    *rate = count * 1000.0 / (double) (ms > 0 ? ms : 1);
    printf ("%-22s %6d mails in %7.3f s  %8.1f mails/s  %6.2f ms/mail\n",
            is_reuse ? "one kept connection" : "connection per mail", count, ms / 1000.0, *rate,
            (double) ms / count);
    return failed ? -1 : 0;
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: balcao-smtp-bench smtp://HOST:PORT [N [TO]]\n");
        return 64;
    }
    const char *url = argv[1];
    int count = argc > 2 ? atoi (argv[2]) : 1000;
    const char *to = argc > 3 ? argv[3] : "cliente@example.com";
    if (count <= 0)
        count = 1000;
    curl_global_init (CURL_GLOBAL_DEFAULT);
    double reuse_rate = 0, fresh_rate = 0;
    int rc = s_run (url, count, to, 1, &reuse_rate);
    if (rc == 0)
        rc = s_run (url, count, to, 0, &fresh_rate);
    if (rc == 0)
        printf ("reuse is %.1fx the rate of a connection per mail\n", reuse_rate / fresh_rate);
    curl_global_cleanup ();
    return rc == 0 ? 0 : 1;
}
