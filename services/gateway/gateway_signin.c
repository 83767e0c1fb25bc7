/* gateway_signin: the accounts' forms. Links (sign-in, confirmation,
 * reset) are mailed through notify and work once; passwords are argon2id
 * (libsodium's crypto_pwhash_str), hashed on the connection's own thread,
 * at most gateway/hashes_at_once (2) at a time. No answer tells whether an
 * address has an account: the mailing forms always say 202, a failed login
 * always the same 401, and an unknown address is checked against a dummy
 * hash so that it takes as long as a wrong password. */
#include "gateway_accounts_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "bc_scrub.h"
#include "gateway_parse.h"

#include <stdio.h>
#include <string.h>

/* ---- the body's fields ---- */

static const char *
s_field (const gateway_req_t *req, const char *name)
{
    return json_string_value (json_object_get (req->body_json, name));
}

/* The "email" field as an address, or false (a 400 sent). */
static bool
s_address (gateway_req_t *req, char out[GATEWAY_ADDRESS_MAX + 1], enum MHD_Result *answer)
{
    if (gateway_parse_address (s_field (req, "email"), out, GATEWAY_ADDRESS_MAX + 1))
        return true;
    *answer = gateway_accounts_invalid (req,
                                        "informe um endereço de e-mail válido (ex.: "
                                        "nome@empresa.com.br)",
                                        "give a valid e-mail address (e.g. name@company.com)");
    return false;
}

/* The "language" field ("pt-BR" or "en"), else the request's. */
static const char *
s_language (gateway_req_t *req)
{
    const char *l = s_field (req, "language");
    return l && (strcmp (l, "en") == 0 || strcmp (l, "pt-BR") == 0) ? l : req->language;
}

/* The "token" field as one of our secrets' key, or false (a 400 sent). */
static bool
s_token_key (gateway_req_t *req, unsigned char key[GATEWAY_KEY_SIZE], enum MHD_Result *answer)
{
    const char *token = s_field (req, "token");
    if (token && gateway_parse_secret (token, strlen (token))) {
        gateway_secret_key (token, GATEWAY_SECRET_LEN, key);
        return true;
    }
    *answer = gateway_accounts_invalid (req,
                                        "este link não é válido; copie o link inteiro do e-mail",
                                        "this link is not valid; copy the whole link from the "
                                        "e-mail");
    return false;
}

static enum MHD_Result
s_link_refused (gateway_req_t *req)
{
    return gateway_accounts_invalid (
        req, "este link não vale mais: ele já foi usado ou expirou; peça um novo",
        "this link no longer works: it was used already or it expired; ask for a new one");
}

/* Mail limits: 3 per address and 20 per peer an hour (docs/API.md). A
 * refused one is not counted. */
static bool
s_mail_allowed (gateway_accounts_t *self, gateway_req_t *req, const char *address,
                enum MHD_Result *answer)
{
    int64_t now = bc_mono_ms ();
    int wait;
    if (!gateway_ratelimit_allow (self->mail_peers, req->peer, false, now, &wait)) {
        *answer = gateway_accounts_limited (self, req, "mail_per_ip", wait);
        return false;
    }
    if (!gateway_ratelimit_allow (self->mail_addresses, address, true, now, &wait)) {
        *answer = gateway_accounts_limited (self, req, "mail_per_address", wait);
        return false;
    }
    gateway_ratelimit_count (self->mail_peers, req->peer, now);
    return true;
}

/* Stores a one-time link and mails it: true, or false with an answer sent. */
static bool
s_send_link (gateway_accounts_t *self, gateway_req_t *req, gateway_link_t *link,
             const char *mail_name, enum MHD_Result *answer)
{
    char token[GATEWAY_SECRET_LEN + 1];
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_secret_new (token);
    gateway_secret_key (token, GATEWAY_SECRET_LEN, key);
    link->expires_us = bc_now_us () + self->link_us;
    int rc = gateway_store_link_add (self->store, key, link);
    if (rc == 0)
        rc = gateway_mail_send (self->mail, link->kind, link->address, mail_name, link->language,
                                token, link->expires_us);
    sodium_memzero (token, sizeof token);
    sodium_memzero (link->hash, sizeof link->hash);
    if (rc) {
        *answer = gateway_accounts_unavailable (req, "mail");
        return false;
    }
    char who[16];
    bc_info ("event=link_sent kind=%s who=%s peer=%s", link->kind,
             bc_scrub_log_id (link->address, who), req->peer);
    return true;
}

static enum MHD_Result
s_sent (gateway_req_t *req)
{
    return gateway_http_json (req->conn, MHD_HTTP_ACCEPTED, json_pack ("{s:b}", "sent", 1), NULL,
                              NULL);
}

/* POST /login-link {"email", "language"?}: a sign-in link to any address
 * (opening it proves the address). */
enum MHD_Result
gateway_signin_login_link (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    gateway_link_t link = {.kind = "login"};
    if (!s_address (req, link.address, &answer) ||
        !s_mail_allowed (self, req, link.address, &answer))
        return answer;
    snprintf (link.language, sizeof link.language, "%s", s_language (req));
    gateway_account_t account;
    const char *name = "";
    if (gateway_store_account_get (self->store, link.address, &account) == 0) {
        name = account.name;
        if (*account.language)
            snprintf (link.language, sizeof link.language, "%s", account.language);
    }
    bool sent = s_send_link (self, req, &link, name, &answer);
    sodium_memzero (&account, sizeof account);
    return sent ? s_sent (req) : answer;
}

/* Makes the account of a proven address, when there is none yet. */
static int
s_account_ensure (gateway_accounts_t *self, const gateway_link_t *link, const char *hash)
{
    gateway_account_t account;
    int rc = gateway_store_account_get (self->store, link->address, &account);
    if (rc != MDB_NOTFOUND)
        return rc;
    memset (&account, 0, sizeof account);
    snprintf (account.address, sizeof account.address, "%s", link->address);
    snprintf (account.name, sizeof account.name, "%s", link->name);
    snprintf (account.language, sizeof account.language, "%s", link->language);
    snprintf (account.hash, sizeof account.hash, "%s", hash);
    account.confirmed = true;
    account.created_us = bc_now_us ();
    rc = gateway_store_account_put (self->store, &account);
    sodium_memzero (&account, sizeof account);
    if (rc == 0) {
        char who[16];
        bc_info ("event=account_created who=%s has_password=%d",
                 bc_scrub_log_id (link->address, who), *hash != 0);
    }
    return rc;
}

/* POST /login-link/use {"token"} and POST /confirm {"token"}: the link's
 * address is proven; its account is made if there was none (for a
 * confirmation with the name, language and password given at sign-up; an
 * existing account keeps its password), and signed in. */
enum MHD_Result
gateway_signin_use_link (gateway_accounts_t *self, gateway_req_t *req, const char *kind)
{
    enum MHD_Result answer;
    unsigned char key[GATEWAY_KEY_SIZE];
    if (!s_token_key (req, key, &answer))
        return answer;
    gateway_link_t link;
    int rc = gateway_store_link_take (self->store, key, kind, bc_now_us (), &link);
    if (rc == MDB_NOTFOUND)
        return s_link_refused (req);
    if (rc == 0)
        rc = s_account_ensure (self, &link, link.hash);
    sodium_memzero (link.hash, sizeof link.hash);
    if (rc) {
        bc_error ("event=link_failed kind=%s reason=\"%s\"", kind, gateway_store_strerror (rc));
        return gateway_accounts_unavailable (req, "store");
    }
    return gateway_accounts_sign_in (self, req, link.address, kind);
}

/* ---- passwords ---- */

const char *
gateway_accounts_new_password (const gateway_req_t *req)
{
    json_t *p = json_object_get (req->body_json, "password");
    const char *text = json_string_value (p);
    return text && gateway_parse_password (text, json_string_length (p)) ? text : NULL;
}

enum MHD_Result
gateway_accounts_bad_password (gateway_req_t *req)
{
    return gateway_accounts_invalid (req, "a senha precisa ter de 10 a 128 caracteres",
                                     "the password must have 10 to 128 characters");
}

int
gateway_accounts_hash (gateway_accounts_t *self, const char *password,
                       char hash[crypto_pwhash_STRBYTES])
{
    sem_wait (&self->hashing);
    int rc = crypto_pwhash_str (hash, password, strlen (password),
                                crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sem_post (&self->hashing);
    return rc;
}

bool
gateway_accounts_verify (gateway_accounts_t *self, const char *hash, const char *password)
{
    sem_wait (&self->hashing);
    bool ok = crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
    sem_post (&self->hashing);
    return ok;
}

/* POST /signup {"email", "name", "password"?, "language"?}: a
 * confirmation link; the account is made when it is opened, with what was
 * given here (kept with the link, the password hashed). An address that
 * has an account gets the same mail: opening it signs in and changes
 * nothing. */
static enum MHD_Result
s_signup (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    gateway_link_t link = {.kind = "confirm"};
    if (!s_address (req, link.address, &answer))
        return answer;
    const char *name = s_field (req, "name");
    size_t name_len = name ? strlen (name) : 0;
    if (!name || name_len == 0 || name_len > GATEWAY_NAME_MAX || strpbrk (name, "\r\n\t"))
        return gateway_accounts_invalid (req, "informe seu nome (até 150 bytes)",
                                         "give your name (at most 150 bytes)");
    json_t *given = json_object_get (req->body_json, "password");
    const char *password = gateway_accounts_new_password (req);
    if (given && !json_is_null (given) && !password)
        return gateway_accounts_bad_password (req);
    if (!s_mail_allowed (self, req, link.address, &answer))
        return answer;
    snprintf (link.name, sizeof link.name, "%s", name);
    snprintf (link.language, sizeof link.language, "%s", s_language (req));
    if (password && gateway_accounts_hash (self, password, link.hash) != 0)
        return gateway_accounts_unavailable (req, "hash");
    if (!s_send_link (self, req, &link, link.name, &answer))
        return answer;
    return s_sent (req);
}

bool
gateway_accounts_login_allowed (gateway_accounts_t *self, gateway_req_t *req, const char *address,
                                enum MHD_Result *answer)
{
    int64_t now = bc_mono_ms ();
    int wait;
    if (!gateway_ratelimit_allow (self->login_peers, req->peer, true, now, &wait)) {
        *answer = gateway_accounts_limited (self, req, "logins_per_ip", wait);
        return false;
    }
    if (!gateway_ratelimit_allow (self->login_failures, address, false, now, &wait)) {
        *answer = gateway_accounts_limited (self, req, "login_failures_per_address", wait);
        return false;
    }
    return true;
}

void
gateway_accounts_login_failed (gateway_accounts_t *self, gateway_req_t *req, const char *address)
{
    gateway_ratelimit_count (self->login_failures, address, bc_mono_ms ());
    int64_t left_out = bc_ratelog_check (self->ratelog, req->peer, bc_mono_ms ());
    if (left_out >= 0)
        bc_info ("event=login_refused peer=%s left_out=%lld", req->peer, (long long) left_out);
}

/* POST /login {"email", "password"}. */
static enum MHD_Result
s_login (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    char address[GATEWAY_ADDRESS_MAX + 1];
    if (!s_address (req, address, &answer))
        return answer;
    if (!gateway_accounts_login_allowed (self, req, address, &answer))
        return answer;
    const char *password = s_field (req, "password");
    gateway_account_t account;
    bool has_account = gateway_store_account_get (self->store, address, &account) == 0 &&
                       account.confirmed && account.hash[0];
    bool ok =
        password && strlen (password) <= 4 * GATEWAY_PASSWORD_MAX &&
        gateway_accounts_verify (self, has_account ? account.hash : self->dummy_hash, password) &&
        has_account;
    sodium_memzero (&account, sizeof account);
    if (!ok) {
        gateway_accounts_login_failed (self, req, address);
        return gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "e-mail ou senha incorretos",
                                   "wrong e-mail address or password");
    }
    gateway_ratelimit_forget (self->login_failures, address);
    return gateway_accounts_sign_in (self, req, address, "password");
}

/* POST /password-reset {"email"}: a reset link, when the address has an
 * account. */
static enum MHD_Result
s_reset (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    gateway_link_t link = {.kind = "reset"};
    if (!s_address (req, link.address, &answer) ||
        !s_mail_allowed (self, req, link.address, &answer))
        return answer;
    gateway_account_t account;
    if (gateway_store_account_get (self->store, link.address, &account) == 0) {
        snprintf (link.language, sizeof link.language, "%s",
                  *account.language ? account.language : req->language);
        bool sent = s_send_link (self, req, &link, account.name, &answer);
        sodium_memzero (&account, sizeof account);
        if (!sent)
            return answer;
    }
    return s_sent (req);
}

/* POST /password-reset/use {"token", "password"}: the new password, a new
 * session, and every other session of the account ends. */
static enum MHD_Result
s_reset_use (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    unsigned char key[GATEWAY_KEY_SIZE];
    if (!s_token_key (req, key, &answer))
        return answer;
    const char *password = gateway_accounts_new_password (req);
    if (!password)
        return gateway_accounts_bad_password (req);
    char hash[crypto_pwhash_STRBYTES];
    if (gateway_accounts_hash (self, password, hash) != 0)
        return gateway_accounts_unavailable (req, "hash");
    gateway_link_t link;
    int rc = gateway_store_link_take (self->store, key, "reset", bc_now_us (), &link);
    if (rc == MDB_NOTFOUND)
        return s_link_refused (req);
    gateway_account_t account;
    if (rc == 0)
        rc = gateway_store_account_get (self->store, link.address, &account);
    if (rc == MDB_NOTFOUND)
        return s_link_refused (req);
    if (rc == 0) {
        snprintf (account.hash, sizeof account.hash, "%s", hash);
        account.confirmed = true;
        rc = gateway_store_account_put (self->store, &account);
        sodium_memzero (&account, sizeof account);
    }
    sodium_memzero (hash, sizeof hash);
    unsigned ended = 0;
    if (rc == 0)
        rc = gateway_store_sessions_end (self->store, link.address, NULL, &ended);
    if (rc) {
        bc_error ("event=reset_failed reason=\"%s\"", gateway_store_strerror (rc));
        return gateway_accounts_unavailable (req, "store");
    }
    char who[16];
    bc_info ("event=password_reset who=%s sessions_ended=%u", bc_scrub_log_id (link.address, who),
             ended);
    req->signed_in = false; /* its session, if any, ended with the others */
    return gateway_accounts_sign_in (self, req, link.address, "reset");
}

enum MHD_Result
gateway_signin_password_route (gateway_accounts_t *self, gateway_req_t *req)
{
    if (gateway_http_path (req, "signup", NULL))
        return s_signup (self, req);
    if (gateway_http_path (req, "login", NULL))
        return s_login (self, req);
    if (gateway_http_path (req, "password-reset", NULL))
        return s_reset (self, req);
    return s_reset_use (self, req);
}
