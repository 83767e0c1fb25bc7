/* balcao-imapgate: brings customers' mail from an IMAP mailbox into intake.
 *
 * Every intake/imap/interval_s it logs in, looks for new messages
 * (UID SEARCH), and for each one: reads it without marking it
 * (BODY.PEEK[]), submits it to intake like balcao-mailgate does, and only
 * when intake answered — the message is then durably in intake's log —
 * marks it done (\Seen, deleted, or moved to a folder). A crash between
 * the two reads it again on the next poll: the request id is a hash of the
 * message, and intake dedupes by Message-ID, so no second ticket.
 *
 * A separate process, not a timer inside intake: a slow or hung IMAP server
 * never holds up intake's loop (every other channel), it reuses Submit's
 * durability and dedupe unchanged, and it can run where the mailbox is
 * reachable.
 *
 *   intake refused the message (not a message, no sender, larger than
 *   balcao/max_message_size: then only its header is read and submitted,
 *   with its size, so intake tells the sender): moved to
 *   intake/imap/rejected_folder, so it is not fetched forever and someone
 *   can look at it;
 *   intake did not answer, or failed to store it (code internal), or the
 *   IMAP server failed: left as it is, tried again at the next poll.
 *
 * Usage: balcao-imapgate [-c CONFIG] [--once]   (--once: one poll, then
 * exit 0 when nothing was left for later, 75 otherwise). */
#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_mailid.h"
#include "bc_log.h"
#include "bc_service.h"
#include "intake_imap.h"

#include <curl/curl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EX_OK 0
#define EX_USAGE 64
#define EX_TEMPFAIL 75
#define EX_CONFIG 78

static volatile sig_atomic_t s_stopping;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stopping = 1;
}

typedef struct {
    intake_imap_options_t imap;
    char password[512];
    const char *after;           /* "seen", "delete" or "move" */
    const char *done_folder;     /* after = move */
    const char *rejected_folder;
    const char *search;          /* the UID SEARCH criteria */
    int interval_s;
    size_t batch;
    size_t max_message;
    bc_config_t *config;
    /* intake's replicas, made when first needed (intake/replicas). */
    bc_client_t *intake[8];
} imapgate_t;

/* What became of one message. */
typedef enum { S_DONE, S_REJECTED, S_LATER } s_outcome_t;

static int
s_read_password (const char *path, char *out, size_t size)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    size_t n = fread (out, 1, size - 1, f);
    fclose (f);
    out[n] = 0;
    out[strcspn (out, "\r\n")] = 0;
    return 0;
}

static int
s_configure (imapgate_t *self, bc_config_t *config)
{
    self->imap.url = bc_config_str (config, "intake/imap/url", "");
    if (!*self->imap.url) {
        bc_error ("event=config_error key=intake/imap/url reason=\"not set: which mailbox, "
                  "e.g. imaps://mail.example.com:993/INBOX\"");
        return -1;
    }
    const char *scheme_end = strstr (self->imap.url, "://");
    if (!scheme_end || (strncmp (self->imap.url, "imap://", 7) != 0 &&
                        strncmp (self->imap.url, "imaps://", 8) != 0)) {
        bc_error ("event=config_error key=intake/imap/url reason=\"use imap:// or imaps://\"");
        return -1;
    }
    const char *host = scheme_end + 3;
    const char *at = strchr (host, '@');
    if (at && at < host + strcspn (host, "/")) {
        bc_error ("event=config_error key=intake/imap/url reason=\"no user or password in the "
                  "URL: use intake/imap/username and password_file\"");
        return -1;
    }
    self->imap.username = bc_config_str (config, "intake/imap/username", "");
    const char *password_file = bc_config_str (config, "intake/imap/password_file", "");
    if (*password_file &&
        s_read_password (password_file, self->password, sizeof self->password)) {
        bc_error ("event=config_error key=intake/imap/password_file path=%s reason=\"cannot "
                  "read it\"",
                  password_file);
        return -1;
    }
    self->imap.password = self->password;
    self->imap.starttls = bc_config_str (config, "intake/imap/starttls", "required");
    if (strcmp (self->imap.starttls, "required") && strcmp (self->imap.starttls, "optional") &&
        strcmp (self->imap.starttls, "none")) {
        bc_error ("event=config_error key=intake/imap/starttls reason=\"required, optional or "
                  "none\"");
        return -1;
    }
    self->imap.ca_file = bc_config_str (config, "intake/imap/ca_file", "");
    self->imap.timeout_ms = (int) bc_config_int (config, "intake/imap/timeout_ms", 30000);
    self->max_message =
        (size_t) bc_config_int (config, "balcao/max_message_size", BC_MAX_MESSAGE_SIZE_DEFAULT);
    self->imap.max_response = self->max_message + 65536;
    self->interval_s = (int) bc_config_int (config, "intake/imap/interval_s", 60);
    self->batch = (size_t) bc_config_int (config, "intake/imap/batch", 100);
    self->after = bc_config_str (config, "intake/imap/after", "seen");
    self->done_folder = bc_config_str (config, "intake/imap/done_folder", "Processadas");
    self->rejected_folder = bc_config_str (config, "intake/imap/rejected_folder", "Rejeitadas");
    char quoted[600];
    if (strcmp (self->after, "seen") && strcmp (self->after, "delete") &&
        strcmp (self->after, "move")) {
        bc_error ("event=config_error key=intake/imap/after reason=\"seen, delete or move\"");
        return -1;
    }
    if (!intake_imap_quote (self->rejected_folder, quoted, sizeof quoted) ||
        (strcmp (self->after, "move") == 0 &&
         !intake_imap_quote (self->done_folder, quoted, sizeof quoted))) {
        bc_error ("event=config_error key=intake/imap/rejected_folder reason=\"folder names "
                  "must be non-empty printable ASCII\"");
        return -1;
    }
    /* A message done is \Seen, gone, or elsewhere; \Deleted ones are on
     * their way out. */
    self->search = strcmp (self->after, "seen") == 0 ? "UNSEEN UNDELETED" : "UNDELETED";
    return 0;
}

/* The client of intake's replica `name` (made at first use). */
static bc_client_t *
s_intake (imapgate_t *self, const char *name)
{
    char base[64];
    int k;
    bc_config_service_of (name, base, sizeof base, &k);
    if (self->intake[k - 1])
        return self->intake[k - 1];
    bc_client_t *c = bc_client_new_for (self->config, name, "balcao-imapgate");
    if (!c)
        return NULL;
    bc_client_set_principal (c, "service:imapgate");
    bc_client_set_timeout (c, (int) bc_config_int (self->config, "intake/imap/submit_timeout_ms", 5000),
                           (int) bc_config_int (self->config, "intake/imap/submit_retries", 2));
    return self->intake[k - 1] = c;
}

/* Submits one raw message; S_DONE when intake has it (or had it),
 * S_REJECTED when it refuses it for good, S_LATER otherwise. */
static s_outcome_t
s_submit (imapgate_t *self, uint32_t uid, const uint8_t *raw, size_t len, uint64_t oversized)
{
    unsigned char hash[16];
    char request_id[40];
    crypto_generichash (hash, sizeof hash, raw, len, NULL, 0);
    sodium_bin2hex (request_id, sizeof request_id, hash, sizeof hash);
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.channel = "email";
    req.raw_mime.data = (uint8_t *) raw;
    req.raw_mime.len = len;
    req.oversized_bytes = oversized;
    bc_envelope_t *reply = NULL;
    /* intake's replica by the Message-ID, as balcao-mailgate chooses. */
    char message_id[1000], name[32];
    size_t id_len = bc_mailid_of_raw (raw, len, message_id, sizeof message_id);
    bc_config_replica_for (self->config, "intake", id_len ? (const void *) message_id : raw,
                           id_len ? id_len : len, name, sizeof name);
    bc_client_t *intake = s_intake (self, name);
    if (!intake)
        return S_LATER;
    int rc = bc_client_call (intake, request_id, &req.base, &reply);
    s_outcome_t outcome = S_LATER;
    char buf[512], clean[512];
    if (rc == BC_OK) {
        Balcao__V1__SubmitReply *sr = (Balcao__V1__SubmitReply *) bc_envelope_payload (
            reply, &balcao__v1__submit_reply__descriptor);
        bc_info ("event=imap_submitted uid=%u message_ref=%s ticket=%llu duplicate=%s", uid,
                 sr ? sr->message_ref : "?", sr ? (unsigned long long) sr->ticket : 0ull,
                 sr && sr->duplicate ? "yes" : "no");
        if (sr)
            balcao__v1__submit_reply__free_unpacked (sr, NULL);
        outcome = S_DONE;
    }
    else if (rc == BC_EREMOTE) {
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        const char *code = err && err->code ? err->code : "";
        bc_log_clean (bc_client_error_text (rc, reply, buf, sizeof buf), clean, sizeof clean);
        if (strcmp (code, "internal") == 0 || !*code) {
            bc_warn ("event=imap_retry_later uid=%u code=%s reason=\"%s\"", uid, code, clean);
        }
        else {
            bc_warn ("event=imap_refused uid=%u code=%s reason=\"%s\"", uid, code, clean);
            outcome = S_REJECTED;
        }
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
    }
    else {
        bc_log_clean (bc_client_error_text (rc, reply, buf, sizeof buf), clean, sizeof clean);
        bc_warn ("event=imap_retry_later uid=%u reason=\"intake did not answer: %s\"", uid,
                 clean);
    }
    bc_envelope_destroy (&reply);
    return outcome;
}

/* Marks message uid after intake's answer. Returns the IMAP outcome. */
static int
s_mark (imapgate_t *self, intake_imap_t *imap, uint32_t uid, s_outcome_t outcome)
{
    if (outcome == S_REJECTED)
        return intake_imap_move (imap, uid, self->rejected_folder);
    if (strcmp (self->after, "move") == 0)
        return intake_imap_move (imap, uid, self->done_folder);
    if (strcmp (self->after, "delete") == 0)
        return intake_imap_delete (imap, uid);
    return intake_imap_flag (imap, uid, "\\Seen");
}

/* One message: read, submit, mark. False when the poll should stop
 * (intake or the IMAP server unavailable). */
static bool
s_one (imapgate_t *self, intake_imap_t *imap, uint32_t uid, bool *left)
{
    uint64_t size = 0;
    int rc = intake_imap_size (imap, uid, &size);
    if (rc == INTAKE_IMAP_NO)
        return true; /* gone meanwhile (another client) */
    if (rc != INTAKE_IMAP_OK)
        goto imap_failed;
    s_outcome_t outcome;
    {
        /* Too large to carry: its header alone, with its size, so intake
         * answers the sender (and refuses it: the rejected folder). */
        bool is_too_large = size > self->max_message;
        if (is_too_large)
            bc_warn ("event=imap_too_large uid=%u bytes=%llu limit=%zu", uid,
                     (unsigned long long) size, self->max_message);
        uint8_t *raw = NULL;
        size_t len = 0;
        rc = is_too_large ? intake_imap_fetch_header (imap, uid, &raw, &len)
                          : intake_imap_fetch (imap, uid, &raw, &len);
        if (rc == INTAKE_IMAP_NO)
            return true;
        if (rc != INTAKE_IMAP_OK)
            goto imap_failed;
        outcome = s_submit (self, uid, raw, len, is_too_large ? size : 0);
        free (raw);
        if (outcome == S_LATER) {
            *left = true;
            return false; /* intake is down or failing: the rest waits too */
        }
        /* Test hook: die at the worst moment, after intake committed and
         * before the mailbox knows (tests/e2e/test_imap.py). */
        const char *fail = getenv ("BALCAO_IMAPGATE_FAILPOINT");
        if (fail && strcmp (fail, "after_submit") == 0)
            raise (SIGKILL);
    }
    rc = s_mark (self, imap, uid, outcome);
    if (rc == INTAKE_IMAP_OK) {
        bc_info ("event=imap_%s uid=%u", outcome == S_DONE ? "done" : "rejected", uid);
        return true;
    }
    if (rc != INTAKE_IMAP_ERROR) {
        char clean[256];
        bc_log_clean (intake_imap_status (imap), clean, sizeof clean);
        bc_warn ("event=imap_mark_failed uid=%u reason=\"%s\" next=\"read again at the next "
                 "poll; intake drops the copy\"",
                 uid, clean);
        *left = true;
        return true;
    }
imap_failed:;
    char clean[256];
    bc_log_clean (intake_imap_status (imap), clean, sizeof clean);
    bc_warn ("event=imap_retry_later uid=%u reason=\"%s\"", uid, clean);
    *left = true;
    return false;
}

/* One poll. Returns 0 when every message found was dealt with, -1 when
 * some wait for the next poll. */
static int
s_poll (imapgate_t *self)
{
    char err[256], clean[256];
    intake_imap_t *imap = NULL;
    if (intake_imap_connect (&imap, &self->imap, err, sizeof err)) {
        bc_log_clean (err, clean, sizeof clean);
        bc_warn ("event=imap_unreachable user=%s reason=\"%s\" next=\"retry in %ds\"",
                 self->imap.username, clean, self->interval_s);
        return -1;
    }
    bool left = false;
    uint32_t *uids = NULL;
    size_t n = 0;
    int rc = intake_imap_select (imap, intake_imap_mailbox (imap));
    if (rc == INTAKE_IMAP_OK)
        rc = intake_imap_search (imap, self->search, &uids, &n, self->batch);
    if (rc != INTAKE_IMAP_OK) {
        bc_log_clean (intake_imap_status (imap), clean, sizeof clean);
        bc_warn ("event=imap_retry_later mailbox=%s reason=\"%s\"", intake_imap_mailbox (imap),
                 clean);
        left = true;
    }
    if (n)
        bc_info ("event=imap_poll mailbox=%s messages=%zu", intake_imap_mailbox (imap), n);
    for (size_t i = 0; i < n && !s_stopping; i++)
        if (!s_one (self, imap, uids[i], &left))
            break;
    if (n == self->batch)
        left = true; /* more than one batch: the rest at the next poll */
    free (uids);
    intake_imap_destroy (&imap);
    bc_log_flush ();
    return left ? -1 : 0;
}

int
main (int argc, char **argv)
{
    bc_log_init ("imapgate");
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    if (!config)
        return EX_CONFIG;
    bool once = false;
    for (int i = first; i < argc; i++) {
        if (strcmp (argv[i], "--once") == 0)
            once = true;
        else {
            fprintf (stderr, "usage: balcao-imapgate [-c CONFIG] [--once]\n");
            bc_config_destroy (&config);
            return EX_USAGE;
        }
    }
    imapgate_t self = {0};
    if (s_configure (&self, config) || sodium_init () < 0) {
        bc_log_flush ();
        bc_config_destroy (&config);
        return EX_CONFIG;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    self.config = config;
    if (!s_intake (&self, "intake")) {
        bc_config_destroy (&config);
        return EX_CONFIG;
    }
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    bc_info ("event=started mailbox_url=%s user=%s after=%s interval_s=%d", self.imap.url,
             self.imap.username, self.after, self.interval_s);
    bc_log_flush ();
    int exit_code = EX_OK;
    while (!s_stopping) {
        int rc = s_poll (&self);
        if (once) {
            exit_code = rc ? EX_TEMPFAIL : EX_OK;
            break;
        }
        for (int waited = 0; waited < self.interval_s * 10 && !s_stopping; waited++) {
            struct timespec tick = {0, 100 * 1000 * 1000};
            nanosleep (&tick, NULL);
        }
    }
    bc_info ("event=stopped");
    bc_log_flush ();
    for (int k = 0; k < 8; k++)
        bc_client_destroy (&self.intake[k]);
    sodium_memzero (self.password, sizeof self.password);
    curl_global_cleanup ();
    bc_config_destroy (&config);
    return exit_code;
}
