/* gateway_store: the gateway's own LMDB (gateway/db_dir, default
 * <data_dir>/gateway/db): customers' accounts, sessions, one-time link
 * tokens, the index of an address's sessions, and the server's secret.
 * Only the gateway opens it (and its one-off `account-add`). Used from many
 * connection threads at once: each call runs in its own short transaction
 * (the env is MDB_NOTLS; LMDB serializes the writers). Secrets (session ids,
 * tokens) are never stored: their keys are BLAKE2b-256 hashes of them.
 *
 *   accounts   address (lower case) -> {"name", "language", "hash" (argon2id,
 *              "" when none), "confirmed", "created_us"}
 *   sessions   BLAKE2b(session id) -> {"address", "csrf", "created_us",
 *              "seen_us", "principal"?, "name"?} (no principal: a
 *              customer's, "customer:<address>"; staff sessions name the
 *              router person they act as, e.g. "agent:ana@example.com")
 *   by_address owner 0x00 BLAKE2b(session id) -> ""  (the owner's sessions;
 *              the owner is a customer's address or a staff principal)
 *   staff      address (lower case) -> {"hash" (argon2id, "" when none),
 *              "language", "totp" (the base32 secret sealed with
 *              gateway_seal, "" when off), "totp_pending" (begun, not yet
 *              confirmed; sealed too), "totp_step" (the
 *              last time step a code was accepted for), "created_us"}
 *   tokens     BLAKE2b(token) -> {"kind", "address", "name", "language",
 *              "hash", "expires_us"}
 *   meta       "secret" -> 32 random bytes (keys the pre-session CSRF tokens);
 *              "erasures_seen" -> u64 BE, the router's last erasure applied
 *              here (gateway_erasures.c)
 *   chats      BLAKE2b(chat secret) -> {"id", "name", "email", "language",
 *              "created_us", "seen_us", "ended_us", "ticket"}
 *              (gateway_chat.h: a web chat's visitor capability)
 */
#ifndef GATEWAY_STORE_H
#define GATEWAY_STORE_H

#include "bc_config.h"
#include "gateway_parse.h"

#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#define GATEWAY_KEY_SIZE 32
#define GATEWAY_NAME_MAX 150
/* A session's principal: "supervisor:" and an address (161), at most;
 * it fits gateway_req_t.principal. */
#define GATEWAY_PRINCIPAL_MAX 190
/* A TOTP secret as base32 (20 random bytes: 32 characters). */
#define GATEWAY_TOTP_SECRET_MAX 64
/* gateway_store_staff_get: the record is there but its TOTP seeds do not
 * open with this seal key (the other fields are filled, the seeds ""). */
#define GATEWAY_STORE_UNSEALED EBADMSG

typedef struct gateway_store_t gateway_store_t;

typedef struct {
    char address[GATEWAY_ADDRESS_MAX + 1];
    char name[GATEWAY_NAME_MAX + 1];
    char language[8];
    char hash[crypto_pwhash_STRBYTES]; /* "" when the account has no password */
    bool confirmed;
    int64_t created_us;
} gateway_account_t;

typedef struct {
    char address[GATEWAY_ADDRESS_MAX + 1];
    char csrf[GATEWAY_SECRET_LEN + 1];
    int64_t created_us, seen_us;
    /* Who the session acts as on the bus: "customer:<address>", or a staff
     * person's id ("agent:…", "supervisor:…", "admin:…"). */
    char principal[GATEWAY_PRINCIPAL_MAX + 1];
    char name[GATEWAY_NAME_MAX + 1]; /* staff: the person's name at sign-in */
} gateway_session_t;

/* A staff person's web credentials (the person is the router's). */
typedef struct {
    char address[GATEWAY_ADDRESS_MAX + 1];
    char language[8];
    char hash[crypto_pwhash_STRBYTES];              /* "" when none (invited, or reset) */
    char totp[GATEWAY_TOTP_SECRET_MAX + 1];         /* "" when TOTP is off */
    char totp_pending[GATEWAY_TOTP_SECRET_MAX + 1]; /* begun, not confirmed */
    int64_t totp_step;                              /* the last 30 s step a code was accepted for */
    int64_t created_us;
} gateway_staff_t;

/* What a one-time link carries until it is used. */
typedef struct {
    char kind[16]; /* "confirm", "login", "reset" */
    char address[GATEWAY_ADDRESS_MAX + 1];
    char name[GATEWAY_NAME_MAX + 1];    /* confirm: the new account's */
    char language[8];                   /* confirm: the new account's */
    char hash[crypto_pwhash_STRBYTES]; /* confirm: its password, "" for none */
    int64_t expires_us;
} gateway_link_t;

/* Opens (creating, 0700) the store. NULL after logging why. */
gateway_store_t *gateway_store_new (bc_config_t *config);
void gateway_store_destroy (gateway_store_t **self_p);
/* The server's 32-byte secret (made on first open, kept in meta). */
const unsigned char *gateway_store_secret (gateway_store_t *self);

/* Each returns 0, MDB_NOTFOUND (absent, or a link expired or of another
 * kind) or another LMDB code. */
int gateway_store_account_get (gateway_store_t *self, const char *address, gateway_account_t *out);
int gateway_store_account_put (gateway_store_t *self, const gateway_account_t *account);

int gateway_store_staff_get (gateway_store_t *self, const char *address, gateway_staff_t *out);
int gateway_store_staff_put (gateway_store_t *self, const gateway_staff_t *staff);
/* Accepts a TOTP code's time step for address when it is later than the
 * last one accepted (each code works once), in one transaction: 0, or
 * MDB_KEYEXIST when that step (or a later one) was used already. */
int gateway_store_staff_use_step (gateway_store_t *self, const char *address, int64_t step);

int gateway_store_link_add (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                            const gateway_link_t *link);
/* Takes the link of `kind` under key, not expired at now_us, and deletes it
 * in the same transaction: a link works once. */
int gateway_store_link_take (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                             const char *kind, int64_t now_us, gateway_link_t *out);

int gateway_store_session_put (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                               const gateway_session_t *session);
int gateway_store_session_get (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                               gateway_session_t *out);
/* Notes a request's time on a session that still exists (a sign-out in
 * between is not undone). */
int gateway_store_session_touch (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                                 int64_t seen_us);
int gateway_store_session_del (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE]);
/* Ends every session of owner (a customer's address, or a staff
 * principal) but `keep` (NULL: all of them); *ended (when not NULL) says
 * how many. */
int gateway_store_sessions_end (gateway_store_t *self, const char *owner, const unsigned char *keep,
                                unsigned *ended);

/* Deletes a few sessions after key (wrapping around) last seen before
 * seen_before or created before created_before: called at each new
 * session, it keeps the table to about the live sessions without a
 * periodic scan. */
int gateway_store_sessions_prune (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                                  int64_t seen_before, int64_t created_before);

/* A web chat (gateway_chat.h), under the hash of its visitor's secret. */
#define GATEWAY_CHAT_ID_LEN 22
typedef struct {
    char id[GATEWAY_CHAT_ID_LEN + 1]; /* the conversation is "chat:<id>" */
    char name[GATEWAY_NAME_MAX + 1];  /* what the visitor gave, or "" */
    char email[GATEWAY_ADDRESS_MAX + 1];
    char language[8];
    int64_t created_us;
    int64_t seen_us;  /* the visitor's last sign of life (a stream, a message) */
    int64_t ended_us; /* kb was told it ended (EndConversation); 0 while open */
    uint64_t ticket;      /* the ticket its hand-off opened, once seen; 0 before */
} gateway_chat_rec_t;

int gateway_store_chat_put (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                            const gateway_chat_rec_t *chat);
int gateway_store_chat_get (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                            gateway_chat_rec_t *out);
int gateway_store_chat_del (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE]);
/* One field of a stored chat ("seen_us", "ended_us", "ticket"), or its
 * contact, changed in one transaction: MDB_NOTFOUND when it is not there. */
int gateway_store_chat_set (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                            const char *field, int64_t value);
int gateway_store_chat_set_contact (gateway_store_t *self, const unsigned char key[GATEWAY_KEY_SIZE],
                                    const char *name, const char *email, int64_t seen_us);
/* Calls fn for every chat in one read transaction, until it returns false
 * (fn must not write to the store). */
typedef bool (gateway_store_chat_fn) (void *arg, const unsigned char *key,
                                      const gateway_chat_rec_t *chat);
int gateway_store_chat_each (gateway_store_t *self, gateway_store_chat_fn *fn, void *arg);

/* A sentence for a code of the functions above. */
const char *gateway_store_strerror (int rc);

/* LGPD (gateway_erasures.c): deletes the accounts whose person
 * ("customer:" + address) has one of these bc_scrub_subject_hash values,
 * with their sessions, link tokens and web chats, then compacts the store
 * (no free page keeps them). *accounts: how many. */
int gateway_store_forget (gateway_store_t *self, char (*hashes)[65], size_t nhashes,
                          unsigned *accounts);
/* A number in `meta` (get, or with set store *value). MDB_NOTFOUND when
 * never stored. */
int gateway_store_meta_u64 (gateway_store_t *self, const char *key, uint64_t *value, bool set);

#endif
