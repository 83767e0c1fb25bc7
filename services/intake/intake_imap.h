/* intake_imap: the few IMAP4rev1 commands the IMAP poller needs, over a
 * connection libcurl makes (TCP, TLS or STARTTLS, certificate checks, the
 * login: CURLOPT_CONNECT_ONLY on an imap:// or imaps:// URL). The commands
 * themselves are sent here because libcurl's own FETCH always asks for
 * BODY[], which marks the message \Seen before intake has it: a crash in
 * between would lose it. Here a message is read with BODY.PEEK[] and flagged
 * or moved only when the poller says so, after intake acknowledged it.
 * Literals ({n} octets) are read by count, never as lines, so a message's
 * content cannot pass for a server response. */
#ifndef INTAKE_IMAP_H
#define INTAKE_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct intake_imap_t intake_imap_t;

typedef struct {
    const char *url;      /* imaps://host:993/INBOX or imap://host:143/INBOX */
    const char *username;
    const char *password; /* never logged */
    /* imap:// only: "required" (default: fail without TLS), "optional"
     * (TLS when the server offers it), "none" (plain text, tests) */
    const char *starttls;
    const char *ca_file;  /* CA bundle for the server's certificate; NULL/"": the system's */
    int timeout_ms;       /* per network wait */
    size_t max_response;  /* larger responses (messages) break the session */
} intake_imap_options_t;

/* The outcome of a command. */
enum {
    INTAKE_IMAP_OK = 0,
    INTAKE_IMAP_NO = 1,     /* the server refused it (tagged NO) */
    INTAKE_IMAP_BAD = 2,    /* the server did not understand it (tagged BAD) */
    INTAKE_IMAP_ERROR = -1, /* connection lost, timeout, oversized: the session is over */
};

/* Connects and logs in. Returns 0, or -1 with a sentence in err (never the
 * password). */
int intake_imap_connect (intake_imap_t **self_p, const intake_imap_options_t *options, char *err,
                         size_t err_size);
/* Logs out (politely, when still connected) and frees. */
void intake_imap_destroy (intake_imap_t **self_p);

/* The mailbox named in the URL's path ("INBOX" when none). */
const char *intake_imap_mailbox (intake_imap_t *self);
/* Whether the server announced a capability ("MOVE", "UIDPLUS"). */
bool intake_imap_has (intake_imap_t *self, const char *capability);
/* The text of the last tagged response or of the last error, for logs. */
const char *intake_imap_status (intake_imap_t *self);

/* Sends one command (printf format; the tag is added) and reads its whole
 * response. */
int intake_imap_command (intake_imap_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* name as an IMAP quoted string ("INBOX", with \ and " escaped) in out;
 * false when it cannot be one (control characters, non-ASCII: modified
 * UTF-7 names are not supported). */
bool intake_imap_quote (const char *name, char *out, size_t size);

/* The response scanner, on its own so it can be fuzzed: a response to
 * command `tag` arrives in buf (growing between calls). */
typedef struct {
    size_t line;   /* offset of the line that announced the literal */
    size_t offset; /* where its bytes start */
    size_t len;
} intake_imap_literal_t;

typedef struct {
    size_t pos; /* scanned up to here; 0 for a new response */
    intake_imap_literal_t *literals;
    size_t n_literals, cap_literals;
    int outcome;        /* when done: INTAKE_IMAP_OK, _NO or _BAD */
    size_t status_at;   /* when done (or at BYE): the text after the tag */
    size_t status_len;
} intake_imap_scan_t;

/* Scans buf[0..len): 1 when the tagged response has come (outcome set),
 * 0 when more bytes are needed, -1 when the server said BYE or announced a
 * literal larger than max_literal. Literals are skipped by count. Free
 * scan->literals when done with them. */
int intake_imap_scan (intake_imap_scan_t *scan, const char *buf, size_t len, const char *tag,
                      size_t max_literal);

/* SELECT mailbox (read-write). */
int intake_imap_select (intake_imap_t *self, const char *mailbox);
/* UID SEARCH criteria: the UIDs, ascending, at most max of them, in a
 * malloc'd *uids (free it). */
int intake_imap_search (intake_imap_t *self, const char *criteria, uint32_t **uids, size_t *n,
                        size_t max);
/* The size (RFC822.SIZE) of message uid; INTAKE_IMAP_NO when it is gone. */
int intake_imap_size (intake_imap_t *self, uint32_t uid, uint64_t *size);
/* The raw message uid (BODY.PEEK[]: its flags do not change) in a malloc'd
 * *data of *len bytes. INTAKE_IMAP_NO when it is gone. */
int intake_imap_fetch (intake_imap_t *self, uint32_t uid, uint8_t **data, size_t *len);
/* The same for the message's header alone (BODY.PEEK[HEADER]), its blank
 * line included: for a message too large to fetch whole. */
int intake_imap_fetch_header (intake_imap_t *self, uint32_t uid, uint8_t **data, size_t *len);
/* UID STORE uid +FLAGS.SILENT (flags), e.g. "\\Seen". */
int intake_imap_flag (intake_imap_t *self, uint32_t uid, const char *flags);
/* Removes message uid for good: \Deleted, then UID EXPUNGE (UIDPLUS) or
 * EXPUNGE. */
int intake_imap_delete (intake_imap_t *self, uint32_t uid);
/* Moves message uid to folder (UID MOVE, or COPY + delete without MOVE),
 * creating the folder when the server says it does not exist. */
int intake_imap_move (intake_imap_t *self, uint32_t uid, const char *folder);

#endif
