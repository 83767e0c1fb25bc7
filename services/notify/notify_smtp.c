/* notify_smtp: one mail at a time over SMTP with libcurl, the connection
 * kept between messages. libcurl keeps the connection in the easy handle's
 * cache: the next curl_easy_perform on the same handle and URL sends MAIL
 * FROM on it again (and reconnects by itself if the server closed it). */
#include "notify_smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify_smtp_t {
    CURL *curl;
    char *url;
    char *starttls;
    char *ca_file;
    char *username;
    char *password;
    long timeout_ms;
    long connect_timeout_ms;
    int is_reuse;
    char error[CURL_ERROR_SIZE];
    /* From the debug callback: the server's last reply line (but the 221
     * to our QUIT), and its first refusal (4xx or 5xx) of the message. */
    char last_reply[512];
    char refusal[512];
};

typedef struct {
    const uint8_t *data;
    size_t len, pos;
} s_upload_t;

static char *
s_dup (const char *s)
{
    return strdup (s ? s : "");
}

/* Keeps the server's replies; what we send (AUTH with the password)
 * never reaches it. */
static int
s_debug (CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
    (void) curl;
    notify_smtp_t *self = arg;
    if (type != CURLINFO_HEADER_IN)
        return 0;
    while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
        size--;
    if (size < 3 || strncmp (data, "221", 3) == 0)
        return 0;
    if (size >= sizeof self->last_reply)
        size = sizeof self->last_reply - 1;
    memcpy (self->last_reply, data, size);
    self->last_reply[size] = 0;
    if (!self->refusal[0] && (data[0] == '4' || data[0] == '5'))
        memcpy (self->refusal, self->last_reply, size + 1);
    return 0;
}

static size_t
s_read (char *buffer, size_t size, size_t nitems, void *arg)
{
    s_upload_t *up = arg;
    size_t room = size * nitems, left = up->len - up->pos;
    size_t n = left < room ? left : room;
    memcpy (buffer, up->data + up->pos, n);
    up->pos += n;
    return n;
}

notify_smtp_t *
notify_smtp_new (const notify_smtp_config_t *config)
{
    notify_smtp_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->curl = curl_easy_init ();
    if (!self->curl) {
        free (self);
        return NULL;
    }
    self->url = s_dup (config->url);
    self->starttls = s_dup (config->starttls);
    self->ca_file = s_dup (config->ca_file);
    self->username = s_dup (config->username);
    self->password = s_dup (config->password);
    self->timeout_ms = config->timeout_ms;
    self->connect_timeout_ms = config->connect_timeout_ms;
    self->is_reuse = config->is_reuse;
    return self;
}

void
notify_smtp_destroy (notify_smtp_t **self_p)
{
    notify_smtp_t *self = *self_p;
    if (!self)
        return;
    curl_easy_cleanup (self->curl);
    free (self->url);
    free (self->starttls);
    free (self->ca_file);
    free (self->username);
    if (self->password) {
        memset (self->password, 0, strlen (self->password));
        free (self->password);
    }
    free (self);
    *self_p = NULL;
}

/* The mail with every line ending CRLF, as SMTP wants it (GMime writes LF). */
static uint8_t *
s_crlf (const uint8_t *mail, size_t len, size_t *out_len)
{
    uint8_t *out = malloc (2 * len + 3);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (mail[i] == '\n' && (i == 0 || mail[i - 1] != '\r'))
            out[n++] = '\r';
        out[n++] = mail[i];
    }
    if (n < 2 || out[n - 2] != '\r' || out[n - 1] != '\n') {
        out[n++] = '\r';
        out[n++] = '\n';
    }
    *out_len = n;
    return out;
}

static long
s_use_ssl (const char *starttls)
{
    if (strcmp (starttls, "required") == 0)
        return CURLUSESSL_ALL;
    if (strcmp (starttls, "optional") == 0)
        return CURLUSESSL_TRY;
    return CURLUSESSL_NONE;
}

static notify_smtp_outcome_t
s_classify (CURLcode rc, int code)
{
    if (rc == CURLE_OK)
        return NOTIFY_SMTP_OK;
    /* Our credentials or TLS set-up: the message is not at fault, and an
     * operator fixes it; keep trying. */
    if (rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED)
        return NOTIFY_SMTP_TEMPORARY;
    if (code >= 500 && code < 600)
        return NOTIFY_SMTP_PERMANENT;
    return NOTIFY_SMTP_TEMPORARY;
}

notify_smtp_outcome_t
notify_smtp_send (notify_smtp_t *self, const char *from, const char *rcpt, const uint8_t *mail,
                  size_t len, notify_smtp_result_t *result)
{
    CURL *c = self->curl;
    size_t crlf_len;
    uint8_t *crlf = s_crlf (mail, len, &crlf_len);
    s_upload_t up = {crlf, crlf_len, 0};
    char mail_from[512], rcpt_to[512];
    snprintf (mail_from, sizeof mail_from, "<%s>", from);
    snprintf (rcpt_to, sizeof rcpt_to, "<%s>", rcpt);
    struct curl_slist *rcpts = curl_slist_append (NULL, rcpt_to);

    curl_easy_reset (c); /* keeps the connection cache */
    curl_easy_setopt (c, CURLOPT_URL, self->url);
    curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (c, CURLOPT_USE_SSL, s_use_ssl (self->starttls));
    if (*self->ca_file)
        curl_easy_setopt (c, CURLOPT_CAINFO, self->ca_file);
    if (*self->username) {
        curl_easy_setopt (c, CURLOPT_USERNAME, self->username);
        curl_easy_setopt (c, CURLOPT_PASSWORD, self->password);
    }
    curl_easy_setopt (c, CURLOPT_MAIL_FROM, mail_from);
    curl_easy_setopt (c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt (c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (c, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt (c, CURLOPT_READDATA, &up);
    curl_easy_setopt (c, CURLOPT_INFILESIZE_LARGE, (curl_off_t) crlf_len);
    curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, self->connect_timeout_ms);
    curl_easy_setopt (c, CURLOPT_ERRORBUFFER, self->error);
    curl_easy_setopt (c, CURLOPT_VERBOSE, 1L); /* feeds s_debug; nothing is printed */
    curl_easy_setopt (c, CURLOPT_DEBUGFUNCTION, s_debug);
    curl_easy_setopt (c, CURLOPT_DEBUGDATA, self);
    if (!self->is_reuse) {
        curl_easy_setopt (c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt (c, CURLOPT_FORBID_REUSE, 1L);
    }
    self->error[0] = 0;
    self->last_reply[0] = 0;
    self->refusal[0] = 0;
    CURLcode rc = curl_easy_perform (c);
    long code = 0;
    curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all (rcpts);
    free (crlf);

    result->code = (int) code;
    result->outcome = s_classify (rc, (int) code);
    /* What went wrong: the server's refusal; or, when the connection
     * itself failed (TLS, a certificate, a timeout), libcurl's reason
     * after the last thing the server said. */
    if (rc != CURLE_OK && self->refusal[0])
        snprintf (result->reply, sizeof result->reply, "%s", self->refusal);
    else if (rc == CURLE_OK || (code >= 400 && self->last_reply[0]))
        snprintf (result->reply, sizeof result->reply, "%s", self->last_reply);
    else if (self->last_reply[0])
        snprintf (result->reply, sizeof result->reply, "%.250s (after: %.200s)",
                  self->error[0] ? self->error : curl_easy_strerror (rc), self->last_reply);
    else
        snprintf (result->reply, sizeof result->reply, "%s",
                  self->error[0] ? self->error : curl_easy_strerror (rc));
    if (rc != CURLE_OK) {
        /* A refused recipient leaves the server's transaction open (libcurl
         * sends no RSET): start the next message on a new connection. */
        CURL *fresh = curl_easy_init ();
        if (fresh) {
            curl_easy_cleanup (self->curl);
            self->curl = fresh;
        }
    }
    return result->outcome;
}

int64_t
notify_smtp_backoff_ms (uint32_t attempt, int64_t first_ms, int64_t max_ms, int jitter_pct,
                        double random)
{
    int64_t wait = first_ms > 0 ? first_ms : 1;
    for (uint32_t i = 1; i < attempt && wait < max_ms; i++)
        wait *= 2;
    if (wait > max_ms)
        wait = max_ms;
    /* random in [0, 1) -> a factor in [1 - j, 1 + j) */
    double factor = 1.0 + (2.0 * random - 1.0) * jitter_pct / 100.0;
    int64_t out = (int64_t) ((double) wait * factor);
    return out > 0 ? out : 1;
}
