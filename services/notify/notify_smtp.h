/* notify_smtp: sends one rendered mail to one recipient over SMTP with
 * libcurl, keeping one CURL easy handle (and so one connection) alive from
 * one message to the next. Blocking: notify runs it on a worker thread
 * (notify_server.c), the benchmark (tools/balcao-smtp-bench.c) directly.
 * No LMDB, no bus: what to send and what the outcome means are the caller's.
 *
 *     notify_smtp_t *smtp = notify_smtp_new (&config);
 *     notify_smtp_result_t r;
 *     notify_smtp_send (smtp, "suporte@x", "ana@y", mail, len, &r);
 *     ... r.outcome, r.code, r.reply ...
 *     notify_smtp_destroy (&smtp);
 */
#ifndef NOTIFY_SMTP_H
#define NOTIFY_SMTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct notify_smtp_t notify_smtp_t;

typedef struct {
    const char *url;           /* smtp://host:port or smtps://host:port */
    const char *starttls;      /* "required", "optional" or "none" (smtp:// only) */
    const char *ca_file;       /* "" or NULL: the system's CAs; else a PEM bundle */
    const char *username;      /* "" or NULL: no AUTH */
    const char *password;      /* read from notify/smtp/password_file; never logged */
    long timeout_ms;           /* the whole transaction of one message */
    long connect_timeout_ms;
    int is_reuse;              /* keep the connection for the next message */
} notify_smtp_config_t;

typedef enum {
    NOTIFY_SMTP_OK,        /* the server answered 250 to the message */
    NOTIFY_SMTP_TEMPORARY, /* try again later: 4xx, no connection, timeout, TLS, login */
    NOTIFY_SMTP_PERMANENT, /* 5xx to the sender, a recipient or the message */
} notify_smtp_outcome_t;

typedef struct {
    notify_smtp_outcome_t outcome;
    int code;          /* the server's last reply code, 0 if none */
    char reply[512];   /* the server's last reply line, or what failed */
} notify_smtp_result_t;

/* Copies what it needs from config. NULL when libcurl cannot make a handle.
 * Call curl_global_init once before, on the main thread. */
notify_smtp_t *notify_smtp_new (const notify_smtp_config_t *config);
void notify_smtp_destroy (notify_smtp_t **self_p);

/* Sends mail (RFC 822, LF or CRLF line ends) from `from` to `rcpt`
 * (addresses without brackets). Fills *result; returns its outcome. */
notify_smtp_outcome_t notify_smtp_send (notify_smtp_t *self, const char *from, const char *rcpt,
                                        const uint8_t *mail, size_t len,
                                        notify_smtp_result_t *result);

/* The wait before attempt number `attempt` + 1 after `attempt` temporary
 * failures: first_ms doubled at each attempt, at most max_ms, then moved
 * by up to jitter_pct percent either way with random in [0, 1) (so that
 * mail refused together does not come back together). */
int64_t notify_smtp_backoff_ms (uint32_t attempt, int64_t first_ms, int64_t max_ms, int jitter_pct,
                                double random);

#endif
