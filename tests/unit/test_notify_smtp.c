/* notify_smtp: the retry policy (doubling, cap, jitter) and how a failure
 * is classified when no server answers. Delivery to a real SMTP server is
 * tested end to end (tests/e2e/test_smtp_delivery.py, aiosmtpd). */
#include "notify_smtp.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

static void
test_backoff_doubles_up_to_the_cap (void **state)
{
    (void) state;
    /* random 0.5: no jitter. 30 s, 1 min, 2 min ... capped at 1 h. */
    assert_int_equal (notify_smtp_backoff_ms (1, 30000, 3600000, 20, 0.5), 30000);
    assert_int_equal (notify_smtp_backoff_ms (2, 30000, 3600000, 20, 0.5), 60000);
    assert_int_equal (notify_smtp_backoff_ms (3, 30000, 3600000, 20, 0.5), 120000);
    assert_int_equal (notify_smtp_backoff_ms (7, 30000, 3600000, 20, 0.5), 1920000);
    assert_int_equal (notify_smtp_backoff_ms (8, 30000, 3600000, 20, 0.5), 3600000);
    assert_int_equal (notify_smtp_backoff_ms (4000000000u, 30000, 3600000, 20, 0.5), 3600000);
}

static void
test_backoff_jitter_stays_within_bounds (void **state)
{
    (void) state;
    assert_int_equal (notify_smtp_backoff_ms (1, 30000, 3600000, 20, 0.0), 24000);
    assert_true (notify_smtp_backoff_ms (1, 30000, 3600000, 20, 0.999999) < 36000);
    assert_true (notify_smtp_backoff_ms (1, 30000, 3600000, 20, 0.999999) > 35990);
    assert_int_equal (notify_smtp_backoff_ms (1, 30000, 3600000, 0, 0.9), 30000);
    assert_true (notify_smtp_backoff_ms (1, 0, 0, 100, 0.0) >= 1);
}

/* A port on loopback where nothing listens. */
static int
s_closed_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal (bind (fd, (struct sockaddr *) &a, sizeof a), 0);
    assert_int_equal (getsockname (fd, (struct sockaddr *) &a, &len), 0);
    close (fd);
    return ntohs (a.sin_port);
}

static void
test_no_server_is_temporary (void **state)
{
    (void) state;
    char url[64];
    snprintf (url, sizeof url, "smtp://127.0.0.1:%d", s_closed_port ());
    notify_smtp_config_t config = {.url = url,
                                   .starttls = "none",
                                   .username = "suporte",
                                   .password = "segredo",
                                   .timeout_ms = 2000,
                                   .connect_timeout_ms = 1000,
                                   .is_reuse = 1};
    notify_smtp_t *smtp = notify_smtp_new (&config);
    assert_non_null (smtp);
    const char mail[] = "Subject: x\n\nbody\n";
    notify_smtp_result_t r;
    for (int i = 0; i < 2; i++) {
        assert_int_equal (notify_smtp_send (smtp, "a@b.c", "d@e.f", (const uint8_t *) mail,
                                            strlen (mail), &r),
                          NOTIFY_SMTP_TEMPORARY);
        assert_int_equal (r.code, 0);
        assert_non_null (strstr (r.reply, "onnect"));
        assert_null (strstr (r.reply, "segredo"));
    }
    notify_smtp_destroy (&smtp);
    assert_null (smtp);
}

int
main (void)
{
    curl_global_init (CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_backoff_doubles_up_to_the_cap),
        cmocka_unit_test (test_backoff_jitter_stays_within_bounds),
        cmocka_unit_test (test_no_server_is_temporary),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    curl_global_cleanup ();
    return rc;
}
