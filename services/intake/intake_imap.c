/* intake_imap: an IMAP session on a connection libcurl made and logged in
 * (see intake_imap.h). Responses are read whole: lines, and literals by
 * their announced size. */
#include "intake_imap.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct intake_imap_t {
    CURL *curl;
    curl_socket_t sock;
    int timeout_ms;
    size_t max_response;
    char mailbox[512];
    char capabilities[2048];
    unsigned tag;
    char status[256];
    bool is_broken;
    /* The last response. */
    char *buf;
    size_t len, cap;
    intake_imap_scan_t scan;
};

static int
s_fail (intake_imap_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
s_fail (intake_imap_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->status, sizeof self->status, fmt, ap);
    va_end (ap);
    self->is_broken = true;
    return INTAKE_IMAP_ERROR;
}

static int
s_wait (intake_imap_t *self, short events)
{
    struct pollfd p = {.fd = self->sock, .events = events};
    int n;
    do
        n = poll (&p, 1, self->timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return s_fail (self, "no answer from the IMAP server within %d ms", self->timeout_ms);
    if (n < 0)
        return s_fail (self, "poll: %s", strerror (errno));
    return 0;
}

static int
s_send (intake_imap_t *self, const char *data, size_t len)
{
    while (len > 0) {
        size_t sent = 0;
        CURLcode rc = curl_easy_send (self->curl, data, len, &sent);
        if (rc == CURLE_AGAIN) {
            if (s_wait (self, POLLOUT))
                return INTAKE_IMAP_ERROR;
            continue;
        }
        if (rc != CURLE_OK)
            return s_fail (self, "send: %s", curl_easy_strerror (rc));
        data += sent;
        len -= sent;
    }
    return 0;
}

/* Reads more of the response into buf. */
static int
s_recv (intake_imap_t *self)
{
    if (self->cap - self->len < 65536) {
        size_t cap = self->cap ? self->cap * 2 : 131072;
        char *grown = realloc (self->buf, cap + 1);
        if (!grown)
            return s_fail (self, "out of memory");
        self->buf = grown;
        self->cap = cap;
    }
    for (;;) {
        size_t got = 0;
        CURLcode rc = curl_easy_recv (self->curl, self->buf + self->len, self->cap - self->len,
                                      &got);
        if (rc == CURLE_AGAIN) {
            if (s_wait (self, POLLIN))
                return INTAKE_IMAP_ERROR;
            continue;
        }
        if (rc != CURLE_OK)
            return s_fail (self, "receive: %s", curl_easy_strerror (rc));
        if (got == 0)
            return s_fail (self, "the IMAP server closed the connection");
        self->len += got;
        self->buf[self->len] = 0;
        if (self->len > self->max_response)
            return s_fail (self, "response larger than %zu bytes", self->max_response);
        return 0;
    }
}

/* The size of the literal announced at the end of line [start, end)
 * ("... {123}" or "{123+}"), or -1. */
static long long
s_literal_size (const char *start, const char *end)
{
    if (end - start < 3 || end[-1] != '}')
        return -1;
    const char *p = end - 2;
    if (*p == '+')
        p--;
    const char *digits_end = p + 1;
    while (p > start && *p >= '0' && *p <= '9')
        p--;
    if (*p != '{' || p + 1 == digits_end || digits_end - (p + 1) > 15)
        return -1;
    return strtoll (p + 1, NULL, 10);
}

int
intake_imap_scan (intake_imap_scan_t *scan, const char *buf, size_t len, const char *tag,
                  size_t max_literal)
{
    size_t tag_len = strlen (tag);
    for (;;) {
        size_t pos = scan->pos;
        const char *nl = len > pos ? memchr (buf + pos, '\n', len - pos) : NULL;
        if (!nl)
            return 0;
        const char *start = buf + pos;
        const char *end = nl > start && nl[-1] == '\r' ? nl - 1 : nl;
        size_t after = (size_t) (nl + 1 - buf);
        long long literal = s_literal_size (start, end);
        if (literal >= 0) {
            if ((size_t) literal > max_literal)
                return -1;
            if (len - after < (size_t) literal)
                return 0; /* the whole literal first */
            if (scan->n_literals == scan->cap_literals) {
                size_t cap = scan->cap_literals ? scan->cap_literals * 2 : 8;
                intake_imap_literal_t *grown =
                    realloc (scan->literals, cap * sizeof *scan->literals);
                if (!grown)
                    return -1;
                scan->literals = grown;
                scan->cap_literals = cap;
            }
            scan->literals[scan->n_literals++] =
                (intake_imap_literal_t) {pos, after, (size_t) literal};
            scan->pos = after + (size_t) literal; /* the line goes on after it */
            continue;
        }
        scan->pos = after;
        if ((size_t) (end - start) > tag_len && memcmp (start, tag, tag_len) == 0 &&
            start[tag_len] == ' ') {
            const char *word = start + tag_len + 1;
            scan->status_at = (size_t) (word - buf);
            scan->status_len = (size_t) (end - word);
            scan->outcome = scan->status_len >= 2 && strncasecmp (word, "OK", 2) == 0
                                ? INTAKE_IMAP_OK
                            : scan->status_len >= 2 && strncasecmp (word, "NO", 2) == 0
                                ? INTAKE_IMAP_NO
                                : INTAKE_IMAP_BAD;
            return 1;
        }
        if (end - start >= 5 && strncasecmp (start, "* BYE", 5) == 0) {
            /* The server is closing: its tagged answer will not come. */
            scan->status_at = pos;
            scan->status_len = (size_t) (end - start);
            return -1;
        }
    }
}

/* Reads the response to command `tag` whole. */
static int
s_read_response (intake_imap_t *self, const char *tag)
{
    self->len = 0;
    self->scan.pos = 0;
    self->scan.n_literals = 0;
    self->scan.status_len = 0;
    for (;;) {
        int rc = intake_imap_scan (&self->scan, self->buf ? self->buf : "", self->len, tag,
                                   self->max_response);
        if (rc < 0)
            return s_fail (self, "%.*s", (int) self->scan.status_len,
                           self->scan.status_len ? self->buf + self->scan.status_at
                                                 : "response larger than the limit");
        if (rc > 0) {
            snprintf (self->status, sizeof self->status, "%.*s", (int) self->scan.status_len,
                      self->buf + self->scan.status_at);
            return self->scan.outcome;
        }
        if (s_recv (self))
            return INTAKE_IMAP_ERROR;
    }
}

int
intake_imap_command (intake_imap_t *self, const char *fmt, ...)
{
    if (self->is_broken)
        return INTAKE_IMAP_ERROR;
    char tag[16], line[2048];
    snprintf (tag, sizeof tag, "b%u", ++self->tag);
    int n = snprintf (line, sizeof line, "%s ", tag);
    va_list ap;
    va_start (ap, fmt);
    int m = vsnprintf (line + n, sizeof line - (size_t) n - 2, fmt, ap);
    va_end (ap);
    if (m < 0 || (size_t) (n + m) >= sizeof line - 2)
        return s_fail (self, "command too long");
    memcpy (line + n + m, "\r\n", 3);
    if (s_send (self, line, (size_t) (n + m + 2)))
        return INTAKE_IMAP_ERROR;
    return s_read_response (self, tag);
}

/* The untagged lines of the last response, one by one: *line and *len for
 * each line from offset *pos on (literals skipped). False at the end. */
static bool
s_next_line (intake_imap_t *self, size_t *pos, const char **line, size_t *len)
{
    while (*pos < self->len) {
        size_t start = *pos;
        char *nl = memchr (self->buf + start, '\n', self->len - start);
        size_t end = nl ? (size_t) (nl - self->buf) : self->len;
        *pos = end + 1;
        for (size_t i = 0; i < self->scan.n_literals; i++)
            if (self->scan.literals[i].line == start)
                *pos = self->scan.literals[i].offset + self->scan.literals[i].len;
        if (end > start && self->buf[end - 1] == '\r')
            end--;
        *line = self->buf + start;
        *len = end - start;
        return true;
    }
    return false;
}

static size_t
s_write_discard (char *ptr, size_t size, size_t nmemb, void *arg)
{
    (void) ptr, (void) arg;
    return size * nmemb;
}

/* The mailbox in the URL's path, URL-decoded. */
static void
s_mailbox_from_url (CURL *curl, const char *url, char *out, size_t size)
{
    const char *scheme_end = strstr (url, "://");
    const char *path = scheme_end ? strchr (scheme_end + 3, '/') : NULL;
    snprintf (out, size, "INBOX");
    if (!path || !path[1])
        return;
    int len = 0;
    char *decoded = curl_easy_unescape (curl, path + 1, (int) strcspn (path + 1, ";?"), &len);
    if (decoded && len > 0)
        snprintf (out, size, "%.*s", len, decoded);
    curl_free (decoded);
}

int
intake_imap_connect (intake_imap_t **self_p, const intake_imap_options_t *options, char *err,
                     size_t err_size)
{
    *self_p = NULL;
    intake_imap_t *self = calloc (1, sizeof *self);
    self->timeout_ms = options->timeout_ms > 0 ? options->timeout_ms : 30000;
    self->max_response = options->max_response ? options->max_response : 64 * 1024 * 1024;
    self->curl = curl_easy_init ();
    if (!self->curl) {
        snprintf (err, err_size, "libcurl could not start");
        free (self);
        return -1;
    }
    CURL *c = self->curl;
    s_mailbox_from_url (c, options->url, self->mailbox, sizeof self->mailbox);
    char base[1024];
    /* Only scheme://host:port: the mailbox is ours to SELECT. */
    const char *scheme_end = strstr (options->url, "://");
    size_t host_len = scheme_end ? strcspn (scheme_end + 3, "/") : 0;
    snprintf (base, sizeof base, "%.*s/",
              (int) (scheme_end ? (size_t) (scheme_end + 3 - options->url) + host_len
                                : strlen (options->url)),
              options->url);
    curl_easy_setopt (c, CURLOPT_URL, base);
    curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt (c, CURLOPT_USERNAME, options->username ? options->username : "");
    curl_easy_setopt (c, CURLOPT_PASSWORD, options->password ? options->password : "");
    curl_easy_setopt (c, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, (long) self->timeout_ms);
    curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, s_write_discard);
    const char *tls = options->starttls && *options->starttls ? options->starttls : "required";
    if (strcmp (tls, "none") == 0)
        curl_easy_setopt (c, CURLOPT_USE_SSL, (long) CURLUSESSL_NONE);
    else if (strcmp (tls, "optional") == 0)
        curl_easy_setopt (c, CURLOPT_USE_SSL, (long) CURLUSESSL_TRY);
    else
        curl_easy_setopt (c, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
    if (options->ca_file && *options->ca_file)
        curl_easy_setopt (c, CURLOPT_CAINFO, options->ca_file);
    CURLcode rc = curl_easy_perform (c);
    if (rc != CURLE_OK) {
        snprintf (err, err_size, "%s", curl_easy_strerror (rc));
        curl_easy_cleanup (c);
        free (self);
        return -1;
    }
    curl_easy_getinfo (c, CURLINFO_ACTIVESOCKET, &self->sock);
    /* The capabilities after login (they may differ from the greeting's). */
    if (intake_imap_command (self, "CAPABILITY") != INTAKE_IMAP_OK) {
        snprintf (err, err_size, "CAPABILITY failed: %s", self->status);
        intake_imap_destroy (&self);
        return -1;
    }
    size_t pos = 0, len;
    const char *line;
    while (s_next_line (self, &pos, &line, &len))
        if (len > 13 && strncasecmp (line, "* CAPABILITY ", 13) == 0)
            snprintf (self->capabilities, sizeof self->capabilities, " %.*s ",
                      (int) (len - 13), line + 13);
    *self_p = self;
    return 0;
}

void
intake_imap_destroy (intake_imap_t **self_p)
{
    intake_imap_t *self = *self_p;
    if (!self)
        return;
    if (!self->is_broken) {
        int saved = self->timeout_ms;
        self->timeout_ms = 2000; /* a polite LOGOUT, not a long wait */
        intake_imap_command (self, "LOGOUT");
        self->timeout_ms = saved;
    }
    curl_easy_cleanup (self->curl);
    free (self->buf);
    free (self->scan.literals);
    free (self);
    *self_p = NULL;
}

const char *
intake_imap_mailbox (intake_imap_t *self)
{
    return self->mailbox;
}

bool
intake_imap_has (intake_imap_t *self, const char *capability)
{
    char needle[64];
    snprintf (needle, sizeof needle, " %s ", capability);
    return strcasestr (self->capabilities, needle) != NULL;
}

const char *
intake_imap_status (intake_imap_t *self)
{
    return self->status;
}

bool
intake_imap_quote (const char *name, char *out, size_t size)
{
    size_t o = 0;
    if (!name || !*name || size < 3)
        return false;
    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f)
            return false;
        if (o + 4 >= size)
            return false;
        if (*p == '"' || *p == '\\')
            out[o++] = '\\';
        out[o++] = (char) *p;
    }
    out[o++] = '"';
    out[o] = 0;
    return true;
}

int
intake_imap_select (intake_imap_t *self, const char *mailbox)
{
    char quoted[600];
    if (!intake_imap_quote (mailbox, quoted, sizeof quoted))
        return s_fail (self, "mailbox name not supported");
    return intake_imap_command (self, "SELECT %s", quoted);
}

int
intake_imap_search (intake_imap_t *self, const char *criteria, uint32_t **uids, size_t *n,
                    size_t max)
{
    *uids = NULL;
    *n = 0;
    int rc = intake_imap_command (self, "UID SEARCH %s", criteria);
    if (rc != INTAKE_IMAP_OK)
        return rc;
    size_t pos = 0, len;
    const char *line;
    *uids = calloc (max ? max : 1, sizeof **uids);
    while (s_next_line (self, &pos, &line, &len)) {
        if (len < 8 || strncasecmp (line, "* SEARCH", 8) != 0)
            continue;
        const char *p = line + 8, *end = line + len;
        while (p < end && *n < max) {
            while (p < end && *p == ' ')
                p++;
            char *num_end;
            unsigned long uid = strtoul (p, &num_end, 10);
            if (num_end == p)
                break;
            if (uid > 0 && uid <= UINT32_MAX)
                (*uids)[(*n)++] = (uint32_t) uid;
            p = num_end;
        }
    }
    return INTAKE_IMAP_OK;
}

/* The untagged FETCH line for uid in the last response, or NULL. */
static const char *
s_fetch_line (intake_imap_t *self, uint32_t uid, size_t *len_out, size_t *offset_out)
{
    size_t pos = 0, len;
    const char *line;
    char needle[32];
    snprintf (needle, sizeof needle, "UID %u", uid);
    while (s_next_line (self, &pos, &line, &len)) {
        size_t offset = (size_t) (line - self->buf);
        if (len < 2 || line[0] != '*' || !memmem (line, len, "FETCH", 5))
            continue;
        const char *hit = memmem (line, len, needle, strlen (needle));
        size_t after = hit ? (size_t) (hit - line) + strlen (needle) : 0;
        if (hit && (after == len || line[after] == ' ' || line[after] == ')')) {
            *len_out = len;
            *offset_out = offset;
            return line;
        }
    }
    return NULL;
}

int
intake_imap_size (intake_imap_t *self, uint32_t uid, uint64_t *size)
{
    int rc = intake_imap_command (self, "UID FETCH %u (RFC822.SIZE)", uid);
    if (rc != INTAKE_IMAP_OK)
        return rc;
    size_t len, offset;
    const char *line = s_fetch_line (self, uid, &len, &offset);
    const char *hit = line ? memmem (line, len, "RFC822.SIZE ", 12) : NULL;
    (void) offset;
    if (!hit)
        return INTAKE_IMAP_NO; /* expunged meanwhile */
    *size = strtoull (hit + 12, NULL, 10);
    return INTAKE_IMAP_OK;
}

/* UID FETCH of one body section ("" the whole message, "HEADER"), without
 * marking it \Seen: its literal, malloc'd. */
static int
s_fetch (intake_imap_t *self, uint32_t uid, const char *section, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int rc = intake_imap_command (self, "UID FETCH %u (BODY.PEEK[%s])", uid, section);
    if (rc != INTAKE_IMAP_OK)
        return rc;
    /* The literal announced by "* n FETCH (... BODY[<section>] {size}";
     * servers put the UID item before or after it. */
    char item[32];
    snprintf (item, sizeof item, "BODY[%s]", section);
    for (size_t i = 0; i < self->scan.n_literals; i++) {
        const intake_imap_literal_t *l = &self->scan.literals[i];
        const char *announce = self->buf + l->line;
        size_t announce_len = l->offset - l->line;
        if (announce[0] != '*' || !memmem (announce, announce_len, "FETCH", 5) ||
            !memmem (announce, announce_len, item, strlen (item)))
            continue;
        *data = malloc (l->len ? l->len : 1);
        memcpy (*data, self->buf + l->offset, l->len);
        *len = l->len;
        return INTAKE_IMAP_OK;
    }
    return INTAKE_IMAP_NO; /* expunged meanwhile */
}

int
intake_imap_fetch (intake_imap_t *self, uint32_t uid, uint8_t **data, size_t *len)
{
    return s_fetch (self, uid, "", data, len);
}

int
intake_imap_fetch_header (intake_imap_t *self, uint32_t uid, uint8_t **data, size_t *len)
{
    return s_fetch (self, uid, "HEADER", data, len);
}

int
intake_imap_flag (intake_imap_t *self, uint32_t uid, const char *flags)
{
    return intake_imap_command (self, "UID STORE %u +FLAGS.SILENT (%s)", uid, flags);
}

int
intake_imap_delete (intake_imap_t *self, uint32_t uid)
{
    int rc = intake_imap_flag (self, uid, "\\Deleted");
    if (rc != INTAKE_IMAP_OK)
        return rc;
    /* Without UIDPLUS, EXPUNGE removes every message marked \Deleted. */
    if (intake_imap_has (self, "UIDPLUS"))
        return intake_imap_command (self, "UID EXPUNGE %u", uid);
    return intake_imap_command (self, "EXPUNGE");
}

int
intake_imap_move (intake_imap_t *self, uint32_t uid, const char *folder)
{
    char quoted[600];
    if (!intake_imap_quote (folder, quoted, sizeof quoted))
        return s_fail (self, "folder name not supported");
    bool has_move = intake_imap_has (self, "MOVE");
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc = has_move ? intake_imap_command (self, "UID MOVE %u %s", uid, quoted)
                          : intake_imap_command (self, "UID COPY %u %s", uid, quoted);
        if (rc == INTAKE_IMAP_NO && attempt == 0 && strcasestr (self->status, "TRYCREATE")) {
            int created = intake_imap_command (self, "CREATE %s", quoted);
            if (created == INTAKE_IMAP_ERROR)
                return created;
            continue;
        }
        if (rc != INTAKE_IMAP_OK || has_move)
            return rc;
        return intake_imap_delete (self, uid);
    }
    return INTAKE_IMAP_NO;
}
