/* gateway_accounts_internal: what the accounts room's files share (not an
 * API): gateway_accounts.c (set-up, cookies, who asks, CSRF, the session's
 * answer, sign-out, routing) and gateway_signin.c (the forms that mail
 * links, sign in and change passwords). */
#ifndef GATEWAY_ACCOUNTS_INTERNAL_H
#define GATEWAY_ACCOUNTS_INTERNAL_H

#include "bc_ratelog.h"
#include "gateway_accounts.h"
#include "gateway_erasures.h"
#include "gateway_mail.h"
#include "gateway_ratelimit.h"
#include "gateway_sessions.h"
#include "gateway_store.h"

#include <semaphore.h>
#include <sodium.h>

struct gateway_accounts_t {
    gateway_bus_t *bus;
    gateway_store_t *store;
    gateway_sessions_t *sessions;
    gateway_erasures_t *erasures; /* LGPD: accounts of people erased */
    gateway_mail_t *mail;
    bool is_secure;    /* gateway/public_url is https: cookies are Secure */
    int64_t link_us;   /* how long a mailed link works */
    char time_zone[64];
    int64_t staff_link_us; /* how long a staff invitation or reset link works */
    sem_t hashing;     /* argon2id at most this many at once */
    char dummy_hash[crypto_pwhash_STRBYTES];
    /* Limits (docs/API.md): failed logins per address, login attempts per
     * peer, mails per address and per peer. */
    gateway_ratelimit_t *login_failures, *login_peers, *mail_addresses, *mail_peers;
    bc_ratelog_t *ratelog; /* refusals logged at most once a second per peer */
};

/* Up to three Set-Cookie lines per answer. */
typedef struct {
    char lines[3][256];
    int n;
} gateway_cookies_t;

/* Adds a Set-Cookie line (HttpOnly, SameSite=Lax, Path=/, Secure with an
 * https public_url); max_age < 0: none (the browser's session). */
void gateway_accounts_cookie (gateway_accounts_t *self, gateway_cookies_t *c, const char *name,
                              const char *value, long max_age);
/* Sends body (its reference taken) with the cookies (NULL: none), then
 * wipes them. */
enum MHD_Result gateway_accounts_answer (struct MHD_Connection *conn, unsigned status, json_t *body,
                                         gateway_cookies_t *c);
enum MHD_Result gateway_accounts_invalid (gateway_req_t *req, const char *pt, const char *en);
/* 503 (the store or notify failed; `what` is logged). */
enum MHD_Result gateway_accounts_unavailable (gateway_req_t *req, const char *what);
/* 429 with Retry-After, logged at most once a second per peer. */
enum MHD_Result gateway_accounts_limited (gateway_accounts_t *self, gateway_req_t *req,
                                          const char *which, int retry_after);
/* The session's answer (session NULL: a visitor's, with the pre-session
 * cookie added to cookies when the request had none). */
enum MHD_Result gateway_accounts_session_answer (gateway_accounts_t *self, gateway_req_t *req,
                                                 const gateway_session_t *session,
                                                 gateway_cookies_t *cookies);
/* Starts a session for address (ending the one the request came with) and
 * answers with it and its cookie. `how` is logged. */
enum MHD_Result gateway_accounts_sign_in (gateway_accounts_t *self, gateway_req_t *req,
                                          const char *address, const char *how);

/* The same for a staff person (principal "agent:…", with their name). */
enum MHD_Result gateway_accounts_sign_in_as (gateway_accounts_t *self, gateway_req_t *req,
                                             const char *address, const char *principal,
                                             const char *name, const char *how);
/* The body's "password" field, when it is 10 to 128 characters, else
 * NULL; and the 400 that says so. */
const char *gateway_accounts_new_password (const gateway_req_t *req);
enum MHD_Result gateway_accounts_bad_password (gateway_req_t *req);
/* argon2id of password into hash, at most gateway/hashes_at_once at a time:
 * 0, or -1 (out of memory). */
int gateway_accounts_hash (gateway_accounts_t *self, const char *password,
                           char hash[crypto_pwhash_STRBYTES]);
/* True when password matches hash (the same limit). */
bool gateway_accounts_verify (gateway_accounts_t *self, const char *hash, const char *password);
/* The login limits (docs/API.md), shared by customers and staff: true when
 * the peer and the address may try once more (the peer's try counted),
 * else false with the 429 sent. */
bool gateway_accounts_login_allowed (gateway_accounts_t *self, gateway_req_t *req,
                                     const char *address, enum MHD_Result *answer);
/* A refused login: counted against the address, logged at most once a
 * second per peer. */
void gateway_accounts_login_failed (gateway_accounts_t *self, gateway_req_t *req,
                                    const char *address);

/* gateway_staff.c: the staff's sign-in (/staff/…) and credentials. */
/* True when the session acts as a staff person (not "customer:…"). */
bool gateway_session_is_staff (const gateway_session_t *session);
/* Fills req from a live staff session (principal, address, name,
 * language): false when the person has no credentials any more. */
bool gateway_staff_identify (gateway_accounts_t *self, gateway_req_t *req,
                             const gateway_session_t *session);
/* GET /session's "person" for a staff session (the router's current tier
 * and status). */
json_t *gateway_staff_person_json (gateway_accounts_t *self, gateway_req_t *req,
                                   const gateway_session_t *session);
/* Keeps a staff person's language. 0 or an LMDB code. */
int gateway_staff_set_language (gateway_accounts_t *self, const char *address,
                                const char *language);
/* Answers /staff/… and /desk/people…; false for another path. */
bool gateway_staff_route (gateway_accounts_t *self, gateway_req_t *req, enum MHD_Result *out);

/* gateway_staff_people.c: the router's staff people, their links and
 * /desk/people. */
typedef struct {
    char id[GATEWAY_PRINCIPAL_MAX + 1]; /* "agent:ana@example.com" */
    char name[GATEWAY_NAME_MAX + 1];
    char email[GATEWAY_ADDRESS_MAX + 1]; /* lower case */
    char tier[8], status[16], language[8];
} gateway_staff_person_t;
/* "agent", "supervisor" or "admin" for a staff principal, else NULL. */
const char *gateway_staff_role (const char *principal);
/* The staff person (admin, supervisor, then agent) whose e-mail is
 * address, asked as service:gateway: 0 with *out, 1 when there is none, or
 * a bc_client code (< 0). */
int gateway_staff_find (gateway_accounts_t *self, const char *address, gateway_staff_person_t *out);
/* The person `id`, asked as `as` (the router decides): 0, 1 when there is
 * none, or a bc_client code (< 0). */
int gateway_staff_person_get (gateway_accounts_t *self, const char *id, const char *as,
                              gateway_staff_person_t *out);
/* Stores a staff link (72 h) for address and mails it through notify
 * (mail_kind "staff_invite" or "staff_reset"): 0, or a code (logged). */
int gateway_staff_send_link (gateway_accounts_t *self, gateway_req_t *req, const char *address,
                             const char *name, const char *language, const char *mail_kind);
/* GET and POST /desk/people, POST /desk/people/reset-access, POST
 * /desk/status (the caller's availability, answered as a desk person). */
enum MHD_Result gateway_staff_people_route (gateway_accounts_t *self, gateway_req_t *req);

/* gateway_signin.c: POST /login-link, /login-link/use and /confirm (kind
 * "login" or "confirm"), and the password forms (/signup, /login,
 * /password-reset, /password-reset/use). */
enum MHD_Result gateway_signin_login_link (gateway_accounts_t *self, gateway_req_t *req);
enum MHD_Result gateway_signin_use_link (gateway_accounts_t *self, gateway_req_t *req,
                                         const char *kind);
enum MHD_Result gateway_signin_password_route (gateway_accounts_t *self, gateway_req_t *req);

#endif
