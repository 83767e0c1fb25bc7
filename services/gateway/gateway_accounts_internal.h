/* gateway_accounts_internal: what the accounts room's files share (not an
 * API): gateway_accounts.c (set-up, cookies, who asks, CSRF, the session's
 * answer, sign-out, routing) and gateway_signin.c (the forms that mail
 * links, sign in and change passwords). */
#ifndef GATEWAY_ACCOUNTS_INTERNAL_H
#define GATEWAY_ACCOUNTS_INTERNAL_H

#include "bc_ratelog.h"
#include "gateway_accounts.h"
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
    gateway_mail_t *mail;
    bool is_secure;    /* gateway/public_url is https: cookies are Secure */
    int64_t link_us;   /* how long a mailed link works */
    char time_zone[64];
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

/* gateway_signin.c: POST /login-link, /login-link/use and /confirm (kind
 * "login" or "confirm"), and the password forms (/signup, /login,
 * /password-reset, /password-reset/use). */
enum MHD_Result gateway_signin_login_link (gateway_accounts_t *self, gateway_req_t *req);
enum MHD_Result gateway_signin_use_link (gateway_accounts_t *self, gateway_req_t *req,
                                         const char *kind);
enum MHD_Result gateway_signin_password_route (gateway_accounts_t *self, gateway_req_t *req);

#endif
