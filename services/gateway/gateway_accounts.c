/* gateway_accounts: the portal's sign-up, sign-in (password or a mailed
 * link), password reset, sessions and their cookies, as docs/API.md says
 * ("Session and accounts"). Records are in gateway_store.c, expiry in
 * gateway_sessions.c, mail goes through notify (gateway_mail.c), limits are
 * gateway_ratelimit.c's. Passwords are hashed (argon2id) on the
 * connection's own thread, at most two at a time. Nothing here logs a
 * password, a token, a link or a session id. */
#include "gateway_accounts_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_scrub.h"
#include "gateway_parse.h"
#include "gateway_totp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GATEWAY_COOKIE_SESSION "balcao_session"
#define GATEWAY_COOKIE_PRE "balcao_pre"
#define GATEWAY_COOKIE_LANG "balcao_lang"

/* ---- set-up ---- */

gateway_accounts_t *
gateway_accounts_new (bc_config_t *config, gateway_bus_t *bus)
{
    if (sodium_init () < 0)
        return NULL;
    gateway_accounts_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bus = bus;
    sem_init (&self->hashing, 0, (unsigned) bc_config_int (config, "gateway/hashes_at_once", 2));
    char public_url[256];
    bc_config_public_url (config, public_url, sizeof public_url);
    self->is_secure = strncasecmp (public_url, "https:", 6) == 0;
    self->link_us = bc_config_int (config, "gateway/link_s",
                                   bc_config_int (config, "gateway/link_minutes", 30) * 60) *
                    1000000LL;
    /* Staff invitations and access resets: 72 hours (docs/API.md). */
    self->staff_link_us =
        bc_config_int (config, "gateway/staff_link_s",
                       bc_config_int (config, "gateway/staff_link_hours", 72) * 3600) *
        1000000LL;
    snprintf (self->time_zone, sizeof self->time_zone, "%s",
              bc_config_str (config, "router/calendar/timezone", "America/Sao_Paulo"));
    self->login_failures = gateway_ratelimit_new (
        (int) bc_config_int (config, "gateway/login_failures_per_address", 5),
        (int) bc_config_int (config, "gateway/login_failures_window_s", 15 * 60), 100000);
    self->login_peers =
        gateway_ratelimit_new ((int) bc_config_int (config, "gateway/logins_per_ip_minute", 20),
                               60, 100000);
    self->mail_addresses = gateway_ratelimit_new (
        (int) bc_config_int (config, "gateway/mails_per_address_hour", 3), 3600, 100000);
    self->mail_peers = gateway_ratelimit_new (
        (int) bc_config_int (config, "gateway/mails_per_ip_hour", 20), 3600, 100000);
    self->ratelog = bc_ratelog_new (1000, 1024);
    self->store = gateway_store_new (config);
    self->sessions = self->store ? gateway_sessions_new (config, self->store) : NULL;
    self->mail = self->sessions ? gateway_mail_new (config) : NULL;
    self->erasures = self->mail ? gateway_erasures_new (config, self->store, bus) : NULL;
    /* Unknown addresses are checked against this, so that they take as long
     * as a wrong password. */
    char random[GATEWAY_SECRET_LEN + 1];
    gateway_secret_new (random);
    if (!self->mail || !self->erasures || !gateway_totp_init () || !self->login_failures || !self->login_peers ||
        !self->mail_addresses || !self->mail_peers || !self->ratelog ||
        crypto_pwhash_str (self->dummy_hash, random, strlen (random),
                           crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        gateway_accounts_destroy (&self);
    return self;
}

void
gateway_accounts_destroy (gateway_accounts_t **self_p)
{
    gateway_accounts_t *self = *self_p;
    if (!self)
        return;
    gateway_erasures_destroy (&self->erasures); /* its thread uses the store */
    gateway_mail_destroy (&self->mail);
    gateway_sessions_destroy (&self->sessions);
    gateway_store_destroy (&self->store);
    gateway_ratelimit_destroy (&self->login_failures);
    gateway_ratelimit_destroy (&self->login_peers);
    gateway_ratelimit_destroy (&self->mail_addresses);
    gateway_ratelimit_destroy (&self->mail_peers);
    bc_ratelog_destroy (&self->ratelog);
    sem_destroy (&self->hashing);
    free (self);
    *self_p = NULL;
}

/* ---- answers with cookies ---- */

void
gateway_accounts_cookie (gateway_accounts_t *self, gateway_cookies_t *c, const char *name,
                         const char *value, long max_age)
{
    if (c->n == 3)
        return;
    char age[40] = "";
    if (max_age >= 0)
        snprintf (age, sizeof age, "; Max-Age=%ld", max_age);
    snprintf (c->lines[c->n++], sizeof c->lines[0], "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s",
              name, value, age, self->is_secure ? "; Secure" : "");
}

enum MHD_Result
gateway_accounts_answer (struct MHD_Connection *conn, unsigned status, json_t *body,
                         gateway_cookies_t *c)
{
    struct MHD_Response *resp = gateway_http_json_response (body);
    if (!resp)
        return MHD_NO;
    for (int i = 0; c && i < c->n; i++)
        MHD_add_response_header (resp, MHD_HTTP_HEADER_SET_COOKIE, c->lines[i]);
    enum MHD_Result rc = MHD_queue_response (conn, status, resp);
    MHD_destroy_response (resp);
    if (c)
        sodium_memzero (c, sizeof *c);
    return rc;
}

enum MHD_Result
gateway_accounts_invalid (gateway_req_t *req, const char *pt, const char *en)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", pt, en);
}

enum MHD_Result
gateway_accounts_unavailable (gateway_req_t *req, const char *what)
{
    bc_warn ("event=accounts_unavailable what=%s", what);
    return gateway_http_error (req->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                               "não conseguimos atender agora; tente de novo em instantes",
                               "we cannot do this right now; please try again in a moment");
}

/* 429 with Retry-After; logged at most once a second per peer. */
enum MHD_Result
gateway_accounts_limited (gateway_accounts_t *self, gateway_req_t *req, const char *which,
                          int retry_after)
{
    int64_t left_out = bc_ratelog_check (self->ratelog, req->peer, bc_mono_ms ());
    if (left_out >= 0)
        bc_info ("event=rate_limited limit=%s peer=%s retry_after_s=%d left_out=%lld", which,
                 req->peer, retry_after, (long long) left_out);
    char seconds[24];
    snprintf (seconds, sizeof seconds, "%d", retry_after);
    json_t *body = json_pack (
        "{s:s, s:s, s:s, s:i}", "error", "rate_limited", "message",
        "too many attempts; please wait a little and try again", "message_pt",
        "muitas tentativas seguidas; aguarde um pouco e tente de novo", "retry_after", retry_after);
    return gateway_http_json (req->conn, MHD_HTTP_TOO_MANY_REQUESTS, body,
                              MHD_HTTP_HEADER_RETRY_AFTER, seconds);
}

/* ---- who asks ---- */

static const char *
s_header (const gateway_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, name);
}

/* The value of cookie `name` when it is one of our secrets' form. */
static bool
s_cookie_secret (const gateway_req_t *req, const char *name, const char **value)
{
    size_t len;
    return gateway_parse_cookie (s_header (req, MHD_HTTP_HEADER_COOKIE), name, value, &len) ==
               GATEWAY_COOKIE_FOUND &&
           gateway_parse_secret (*value, len);
}

void
gateway_accounts_identify (gateway_accounts_t *self, gateway_req_t *req)
{
    const char *cookie = s_header (req, MHD_HTTP_HEADER_COOKIE);
    const char *lang;
    size_t len;
    if (gateway_parse_cookie (cookie, GATEWAY_COOKIE_LANG, &lang, &len) == GATEWAY_COOKIE_FOUND) {
        if (len == 2 && memcmp (lang, "en", 2) == 0)
            snprintf (req->language, sizeof req->language, "en");
        else if (len == 5 && memcmp (lang, "pt-BR", 5) == 0)
            snprintf (req->language, sizeof req->language, "pt-BR");
    }
    const char *id;
    if (!s_cookie_secret (req, GATEWAY_COOKIE_SESSION, &id))
        return;
    gateway_session_t session;
    unsigned char key[GATEWAY_KEY_SIZE];
    if (gateway_sessions_find (self->sessions, id, GATEWAY_SECRET_LEN, &session, key) != 0)
        return;
    char hex[2 * GATEWAY_KEY_SIZE + 1];
    gateway_key_hex (key, hex);
    if (gateway_session_is_staff (&session)) {
        if (gateway_staff_identify (self, req, &session))
            snprintf (req->session_key, sizeof req->session_key, "%s", hex);
        return;
    }
    gateway_account_t account;
    if (gateway_store_account_get (self->store, session.address, &account) != 0)
        return;
    req->signed_in = true;
    snprintf (req->principal, sizeof req->principal, "customer:%s", account.address);
    snprintf (req->address, sizeof req->address, "%s", account.address);
    snprintf (req->name, sizeof req->name, "%s", account.name);
    if (*account.language)
        snprintf (req->language, sizeof req->language, "%s", account.language);
    snprintf (req->session_key, sizeof req->session_key, "%s", hex);
}

/* The CSRF token of a visitor: BLAKE2b of their pre-session cookie keyed
 * with the server's secret (nothing to store, and useless without the
 * HttpOnly cookie it belongs to). */
static void
s_pre_csrf (gateway_accounts_t *self, const char *pre, char out[GATEWAY_SECRET_LEN + 1])
{
    unsigned char mac[32];
    crypto_generichash (mac, sizeof mac, (const unsigned char *) pre, GATEWAY_SECRET_LEN,
                        gateway_store_secret (self->store), 32);
    sodium_bin2base64 (out, GATEWAY_SECRET_LEN + 1, mac, sizeof mac,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool
s_same_secret (const char *given, const char *expected)
{
    return given && strlen (given) == GATEWAY_SECRET_LEN &&
           sodium_memcmp (given, expected, GATEWAY_SECRET_LEN) == 0;
}

bool
gateway_accounts_csrf_ok (gateway_accounts_t *self, const gateway_req_t *req)
{
    const char *given = s_header (req, "X-CSRF-Token");
    if (!given)
        return false;
    if (req->signed_in) {
        unsigned char key[GATEWAY_KEY_SIZE];
        gateway_session_t session;
        return gateway_key_from_hex (req->session_key, key) &&
               gateway_sessions_get (self->sessions, key, &session) == 0 &&
               s_same_secret (given, session.csrf);
    }
    const char *pre;
    if (!s_cookie_secret (req, GATEWAY_COOKIE_PRE, &pre))
        return false;
    char expected[GATEWAY_SECRET_LEN + 1];
    s_pre_csrf (self, pre, expected);
    return s_same_secret (given, expected);
}

/* ---- the session's JSON ---- */

/* GET /session's answer: the caller's CSRF token (the session's, or made
 * from the pre-session cookie, set here when missing). */
enum MHD_Result
gateway_accounts_session_answer (gateway_accounts_t *self, gateway_req_t *req,
                                 const gateway_session_t *session, gateway_cookies_t *cookies)
{
    gateway_cookies_t none = {0};
    if (!cookies)
        cookies = &none;
    char csrf[GATEWAY_SECRET_LEN + 1];
    json_t *person = NULL;
    gateway_account_t account;
    if (session && gateway_session_is_staff (session))
        person = gateway_staff_person_json (self, req, session);
    else if (session && gateway_store_account_get (self->store, session->address, &account) == 0) {
        person = json_pack (
            "{s:s, s:s, s:s, s:b, s:s, s:s+}", "address", account.address, "name", account.name,
            "language", *account.language ? account.language : req->language, "has_password",
            account.hash[0] != 0, "role", "customer", "principal", "customer:", account.address);
        if (*account.language)
            snprintf (req->language, sizeof req->language, "%s", account.language);
        sodium_memzero (&account, sizeof account);
    }
    if (person)
        snprintf (csrf, sizeof csrf, "%s", session->csrf);
    else {
        session = NULL;
        const char *pre;
        char fresh[GATEWAY_SECRET_LEN + 1];
        if (!s_cookie_secret (req, GATEWAY_COOKIE_PRE, &pre)) {
            gateway_secret_new (fresh);
            gateway_accounts_cookie (self, cookies, GATEWAY_COOKIE_PRE, fresh, -1);
            pre = fresh;
        }
        s_pre_csrf (self, pre, csrf);
    }
    json_t *body = json_pack ("{s:b, s:s, s:s, s:s}", "signed_in", session != NULL, "csrf_token",
                              csrf, "language", req->language, "time_zone", self->time_zone);
    if (person)
        json_object_set_new (body, "person", person);
    sodium_memzero (csrf, sizeof csrf);
    return gateway_accounts_answer (req->conn, MHD_HTTP_OK, body, cookies);
}

enum MHD_Result
gateway_accounts_sign_in (gateway_accounts_t *self, gateway_req_t *req, const char *address,
                          const char *how)
{
    return gateway_accounts_sign_in_as (self, req, address, NULL, NULL, how);
}

/* Signs address in as principal: a new session (the one the request came
 * with, if any, ends), its cookie, and the session's answer. */
enum MHD_Result
gateway_accounts_sign_in_as (gateway_accounts_t *self, gateway_req_t *req, const char *address,
                             const char *principal, const char *name, const char *how)
{
    unsigned char old[GATEWAY_KEY_SIZE];
    if (req->signed_in && gateway_key_from_hex (req->session_key, old))
        gateway_store_session_del (self->store, old);
    char id[GATEWAY_SECRET_LEN + 1];
    gateway_session_t session;
    unsigned char key[GATEWAY_KEY_SIZE];
    int rc = gateway_sessions_start (self->sessions, address, principal, name, id, &session, key);
    if (rc) {
        bc_error ("event=session_failed reason=\"%s\"", gateway_store_strerror (rc));
        return gateway_accounts_unavailable (req, "session");
    }
    gateway_cookies_t cookies = {0};
    gateway_accounts_cookie (self, &cookies, GATEWAY_COOKIE_SESSION, id,
                             gateway_sessions_max_age_s (self->sessions));
    sodium_memzero (id, sizeof id);
    char pseudonym[16];
    char who[GATEWAY_PRINCIPAL_MAX + 1];
    /* Staff by their principal; a customer by a pseudonym (no address in
     * the logs). */
    bc_info ("event=signed_in who=%s how=%s peer=%s",
             gateway_session_is_staff (&session)
                 ? bc_log_clean (session.principal, who, sizeof who)
                 : bc_scrub_log_id (address, pseudonym),
             how, req->peer);
    if (gateway_session_is_staff (&session)) {
        /* The answer describes the new session's person, not the request's. */
        snprintf (req->principal, sizeof req->principal, "%s", session.principal);
        snprintf (req->address, sizeof req->address, "%s", session.address);
        req->signed_in = true;
    }
    return gateway_accounts_session_answer (self, req, &session, &cookies);
}

/* POST /logout {"everywhere": bool}. */
static enum MHD_Result
s_logout (gateway_accounts_t *self, gateway_req_t *req)
{
    unsigned char key[GATEWAY_KEY_SIZE];
    if (req->signed_in && gateway_key_from_hex (req->session_key, key)) {
        bool everywhere = json_is_true (json_object_get (req->body_json, "everywhere"));
        unsigned ended = 1;
        const char *owner = gateway_req_is_staff (req) ? req->principal : req->address;
        int rc = everywhere ? gateway_store_sessions_end (self->store, owner, NULL, &ended)
                            : gateway_store_session_del (self->store, key);
        if (rc) {
            bc_error ("event=logout_failed reason=\"%s\"", gateway_store_strerror (rc));
            return gateway_accounts_unavailable (req, "store");
        }
        char id[16], who[GATEWAY_PRINCIPAL_MAX + 1];
        bc_info ("event=signed_out who=%s everywhere=%d sessions=%u",
                 gateway_req_is_staff (req) ? bc_log_clean (req->principal, who, sizeof who)
                                            : bc_scrub_log_id (req->address, id),
                 everywhere, ended);
    }
    gateway_cookies_t cookies = {0};
    gateway_accounts_cookie (self, &cookies, GATEWAY_COOKIE_SESSION, "", 0);
    return gateway_accounts_answer (req->conn, MHD_HTTP_OK, json_pack ("{s:b}", "signed_in", 0),
                                    &cookies);
}

static int
s_account_language (gateway_accounts_t *self, const char *address, const char *language)
{
    gateway_account_t account;
    int rc = gateway_store_account_get (self->store, address, &account);
    if (rc == 0) {
        snprintf (account.language, sizeof account.language, "%s", language);
        rc = gateway_store_account_put (self->store, &account);
        sodium_memzero (&account, sizeof account);
    }
    return rc;
}

/* POST /session/language {"language"}: kept on the account when signed in,
 * in a cookie otherwise. */
static enum MHD_Result
s_set_language (gateway_accounts_t *self, gateway_req_t *req)
{
    const char *l = json_string_value (json_object_get (req->body_json, "language"));
    if (!l || (strcmp (l, "en") != 0 && strcmp (l, "pt-BR") != 0))
        return gateway_accounts_invalid (req, "language é \"pt-BR\" ou \"en\"",
                          "language is \"pt-BR\" or \"en\"");
    snprintf (req->language, sizeof req->language, "%s", l);
    gateway_cookies_t cookies = {0};
    gateway_accounts_cookie (self, &cookies, GATEWAY_COOKIE_LANG, l, 365L * 86400);
    gateway_session_t session, *live = NULL;
    unsigned char key[GATEWAY_KEY_SIZE];
    if (req->signed_in && gateway_key_from_hex (req->session_key, key) &&
        gateway_sessions_get (self->sessions, key, &session) == 0) {
        live = &session;
        int rc = gateway_req_is_staff (req) ? gateway_staff_set_language (self, req->address, l)
                                            : s_account_language (self, req->address, l);
        if (rc)
            return gateway_accounts_unavailable (req, "store");
    }
    return gateway_accounts_session_answer (self, req, live, &cookies);
}

/* GET /session. */
static enum MHD_Result
s_get_session (gateway_accounts_t *self, gateway_req_t *req)
{
    gateway_session_t session;
    unsigned char key[GATEWAY_KEY_SIZE];
    bool live = req->signed_in && gateway_key_from_hex (req->session_key, key) &&
                gateway_sessions_get (self->sessions, key, &session) == 0;
    return gateway_accounts_session_answer (self, req, live ? &session : NULL, NULL);
}

bool
gateway_accounts_route (gateway_accounts_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    static const char *const writes[] = {"session/language", "signup", "confirm", "login",
                                         "login-link", "login-link/use", "password-reset",
                                         "password-reset/use", "logout"};
    if (gateway_staff_route (self, req, out))
        return true;
    bool is_ours = gateway_http_path (req, "session", NULL);
    for (size_t i = 0; !is_ours && i < sizeof writes / sizeof *writes; i++)
        is_ours = gateway_http_path (req, writes[i], NULL);
    if (!is_ours)
        return false;
    bool is_get = gateway_http_path (req, "session", NULL);
    if (is_get == req->is_write) {
        *out = gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   is_get ? "use GET neste endereço" : "use POST neste endereço",
                                   is_get ? "use GET here" : "use POST here");
        return true;
    }
    if (req->by_token) {
        *out = gateway_http_error (req->conn, MHD_HTTP_FORBIDDEN, "forbidden",
                                   "contas e sessões são para pessoas no portal, não para tokens",
                                   "accounts and sessions are for people on the portal, not for "
                                   "tokens");
        return true;
    }
    if (is_get)
        *out = s_get_session (self, req);
    else if (gateway_http_path (req, "session/language", NULL))
        *out = s_set_language (self, req);
    else if (gateway_http_path (req, "login-link", NULL))
        *out = gateway_signin_login_link (self, req);
    else if (gateway_http_path (req, "login-link/use", NULL))
        *out = gateway_signin_use_link (self, req, "login");
    else if (gateway_http_path (req, "confirm", NULL))
        *out = gateway_signin_use_link (self, req, "confirm");
    else if (gateway_http_path (req, "logout", NULL))
        *out = s_logout (self, req);
    else
        *out = gateway_signin_password_route (self, req);
    return true;
}
