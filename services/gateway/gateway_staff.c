/* gateway_staff: the support team's web sign-in and credentials
 * (docs/API.md, "Staff: sign-in, accounts and the dashboard"). Who a staff
 * person is, and what they may do, is the router's (Person agent:…,
 * supervisor:…, admin:…); their password (argon2id) and TOTP secret are
 * the gateway's, in the store's `staff` table, keyed by e-mail. A staff
 * session acts on the bus as the person's id. The login limits are the
 * customers' own counters (a wrong TOTP code counts as a failed login).
 * Nothing here logs a password, a code, a TOTP secret, a token or a
 * session id. */
#include "gateway_accounts_internal.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "gateway_parse.h"
#include "gateway_totp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool
gateway_session_is_staff (const gateway_session_t *session)
{
    return gateway_staff_role (session->principal) != NULL;
}

static const char *
s_field (const gateway_req_t *req, const char *name)
{
    return json_string_value (json_object_get (req->body_json, name));
}

static enum MHD_Result
s_unauthorized (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                               "e-mail, senha ou código incorretos",
                               "wrong e-mail address, password or code");
}

/* The staff record of address, or a fresh one (no password, no TOTP). */
static int
s_staff_load (gateway_accounts_t *self, const char *address, gateway_staff_t *out)
{
    int rc = gateway_store_staff_get (self->store, address, out);
    if (rc == MDB_NOTFOUND) {
        memset (out, 0, sizeof *out);
        snprintf (out->address, sizeof out->address, "%s", address);
        out->created_us = bc_now_us ();
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* True when the "code" field is a TOTP code of secret not used before
 * (its step is then stored as used). */
static bool
s_code_ok (gateway_accounts_t *self, const char *address, const char *secret, const char *code)
{
    int64_t step;
    return code && gateway_parse_totp_code (code, strlen (code)) &&
           gateway_totp_check (secret, code, time (NULL), &step) &&
           gateway_store_staff_use_step (self->store, address, step) == 0;
}

/* ---- who asks ---- */

bool
gateway_staff_identify (gateway_accounts_t *self, gateway_req_t *req,
                        const gateway_session_t *session)
{
    gateway_staff_t staff;
    if (gateway_store_staff_get (self->store, session->address, &staff) != 0)
        return false;
    bool has_password = staff.hash[0] != 0;
    if (has_password) {
        req->signed_in = true;
        snprintf (req->principal, sizeof req->principal, "%s", session->principal);
        snprintf (req->address, sizeof req->address, "%s", session->address);
        snprintf (req->name, sizeof req->name, "%s", session->name);
        if (*staff.language)
            snprintf (req->language, sizeof req->language, "%s", staff.language);
    }
    sodium_memzero (&staff, sizeof staff);
    return has_password;
}

json_t *
gateway_staff_person_json (gateway_accounts_t *self, gateway_req_t *req,
                           const gateway_session_t *session)
{
    gateway_staff_person_t p;
    /* As the person themselves: the router says what they may see. */
    bool known = gateway_staff_person_get (self, session->principal, session->principal, &p) == 0;
    gateway_staff_t staff;
    bool has_totp = false;
    const char *language = known && *p.language ? p.language : req->language;
    char kept[8] = "";
    if (gateway_store_staff_get (self->store, session->address, &staff) == 0) {
        has_totp = staff.totp[0] != 0;
        snprintf (kept, sizeof kept, "%s", staff.language);
        sodium_memzero (&staff, sizeof staff);
    }
    if (*kept)
        language = kept;
    snprintf (req->language, sizeof req->language, "%s", language);
    return json_pack (
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "address", session->address, "name",
        known ? p.name : session->name, "language", req->language, "principal", session->principal,
        "role", gateway_staff_role (session->principal), "tier", known ? p.tier : "", "status",
        known && *p.status ? p.status : "offline", "totp", has_totp, "has_password", 1);
}

int
gateway_staff_set_language (gateway_accounts_t *self, const char *address, const char *language)
{
    gateway_staff_t staff;
    int rc = gateway_store_staff_get (self->store, address, &staff);
    if (rc == 0) {
        snprintf (staff.language, sizeof staff.language, "%s", language);
        rc = gateway_store_staff_put (self->store, &staff);
        sodium_memzero (&staff, sizeof staff);
    }
    return rc;
}

/* ---- sign-in ---- */

/* POST /staff/login {"email", "password", "code"?}. */
static enum MHD_Result
s_login (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    char address[GATEWAY_ADDRESS_MAX + 1];
    if (!gateway_parse_address (s_field (req, "email"), address, sizeof address))
        return gateway_accounts_invalid (req,
                                         "informe um endereço de e-mail válido (ex.: "
                                         "nome@empresa.com.br)",
                                         "give a valid e-mail address (e.g. name@company.com)");
    if (!gateway_accounts_login_allowed (self, req, address, &answer))
        return answer;
    const char *password = s_field (req, "password");
    gateway_staff_t staff;
    bool has_password =
        gateway_store_staff_get (self->store, address, &staff) == 0 && staff.hash[0];
    /* Unknown addresses take as long as a wrong password. */
    bool ok =
        password && strlen (password) <= 4 * GATEWAY_PASSWORD_MAX &&
        gateway_accounts_verify (self, has_password ? staff.hash : self->dummy_hash, password) &&
        has_password;
    gateway_staff_person_t person;
    if (ok) {
        int rc = gateway_staff_find (self, address, &person);
        if (rc < 0) {
            sodium_memzero (&staff, sizeof staff);
            return gateway_http_bus_error (req->conn, BC_ETIMEOUT, NULL, "router");
        }
        ok = rc == 0;
    }
    if (!ok) {
        sodium_memzero (&staff, sizeof staff);
        gateway_accounts_login_failed (self, req, address);
        return s_unauthorized (req);
    }
    if (staff.totp[0]) {
        const char *code = s_field (req, "code");
        if (!code || !*code) {
            sodium_memzero (&staff, sizeof staff);
            return gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "code_required",
                                       "digite o código de 6 dígitos do seu aplicativo "
                                       "autenticador",
                                       "type the 6-digit code from your authenticator app");
        }
        bool code_ok = s_code_ok (self, address, staff.totp, code);
        if (!code_ok) {
            sodium_memzero (&staff, sizeof staff);
            gateway_accounts_login_failed (self, req, address);
            return s_unauthorized (req);
        }
    }
    sodium_memzero (&staff, sizeof staff);
    gateway_ratelimit_forget (self->login_failures, address);
    return gateway_accounts_sign_in_as (self, req, address, person.id, person.name,
                                        "staff_password");
}

/* ---- passwords ---- */

static enum MHD_Result
s_store_failed (gateway_req_t *req, const char *event, int rc)
{
    bc_error ("event=%s reason=\"%s\"", event, gateway_store_strerror (rc));
    return gateway_accounts_unavailable (req, "store");
}

/* POST /staff/password/use {"token", "password"}: an invitation or reset
 * link sets the password (TOTP off until enrolled again), ends every
 * session of the person and starts one. */
static enum MHD_Result
s_password_use (gateway_accounts_t *self, gateway_req_t *req)
{
    const char *token = s_field (req, "token");
    if (!token || !gateway_parse_secret (token, strlen (token)))
        return gateway_accounts_invalid (req,
                                         "este link não é válido; copie o link inteiro do e-mail",
                                         "this link is not valid; copy the whole link from the "
                                         "e-mail");
    const char *password = gateway_accounts_new_password (req);
    if (!password)
        return gateway_accounts_bad_password (req);
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_secret_key (token, GATEWAY_SECRET_LEN, key);
    char hash[crypto_pwhash_STRBYTES];
    if (gateway_accounts_hash (self, password, hash) != 0)
        return gateway_accounts_unavailable (req, "hash");
    gateway_staff_t staff;
    gateway_link_t link;
    int rc = gateway_store_link_take (self->store, key, "staff", bc_now_us (), &link);
    gateway_staff_person_t person;
    int found = rc == 0 ? gateway_staff_find (self, link.address, &person) : 1;
    if (rc == MDB_NOTFOUND || (rc == 0 && found == 1)) {
        sodium_memzero (hash, sizeof hash);
        return gateway_accounts_invalid (req,
                                         "este link não vale mais: ele já foi usado "
                                         "ou expirou; peça um novo a um "
                                         "administrador",
                                         "this link no longer works: it was used "
                                         "already or it expired; ask an admin for a "
                                         "new one");
    }
    if (rc) {
        sodium_memzero (hash, sizeof hash);
        return s_store_failed (req, "staff_link_failed", rc);
    }
    if (found < 0) {
        sodium_memzero (hash, sizeof hash);
        return gateway_http_bus_error (req->conn, BC_ETIMEOUT, NULL, "router");
    }
    rc = s_staff_load (self, link.address, &staff);
    if (rc == 0) {
        memcpy (staff.hash, hash, sizeof hash);
        staff.totp[0] = staff.totp_pending[0] = 0;
        if (!*staff.language)
            snprintf (staff.language, sizeof staff.language, "%s", link.language);
        rc = gateway_store_staff_put (self->store, &staff);
    }
    sodium_memzero (&staff, sizeof staff);
    sodium_memzero (hash, sizeof hash);
    unsigned ended = 0;
    if (rc == 0)
        rc = gateway_store_sessions_end (self->store, person.id, NULL, &ended);
    if (rc)
        return s_store_failed (req, "staff_password_failed", rc);
    char clean[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=staff_password_set principal=%s sessions_ended=%u",
             bc_log_clean (person.id, clean, sizeof clean), ended);
    req->signed_in = false; /* its session, if it was the person's, ended */
    return gateway_accounts_sign_in_as (self, req, link.address, person.id, person.name,
                                        "staff_link");
}

/* The signed-in person's record with `field` checked as their password
 * (and counted as a failed login when wrong): true, or false with the
 * answer sent. */
static bool
s_reauth (gateway_accounts_t *self, gateway_req_t *req, const char *field, gateway_staff_t *staff,
          enum MHD_Result *answer)
{
    if (!gateway_accounts_login_allowed (self, req, req->address, answer))
        return false;
    int rc = gateway_store_staff_get (self->store, req->address, staff);
    if (rc) {
        *answer = s_store_failed (req, "staff_get_failed", rc);
        return false;
    }
    const char *password = s_field (req, field);
    if (password && strlen (password) <= 4 * GATEWAY_PASSWORD_MAX && staff->hash[0] &&
        gateway_accounts_verify (self, staff->hash, password))
        return true;
    sodium_memzero (staff, sizeof *staff);
    gateway_accounts_login_failed (self, req, req->address);
    *answer = gateway_accounts_invalid (req, "a senha atual não confere",
                                        "the current password does not match");
    return false;
}

/* POST /staff/password {"current", "password"}: every other session of the
 * person ends. */
static enum MHD_Result
s_password_change (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    const char *password = gateway_accounts_new_password (req);
    if (!password)
        return gateway_accounts_bad_password (req);
    gateway_staff_t staff;
    if (!s_reauth (self, req, "current", &staff, &answer))
        return answer;
    int rc = gateway_accounts_hash (self, password, staff.hash) == 0
                 ? gateway_store_staff_put (self->store, &staff)
                 : -1;
    sodium_memzero (&staff, sizeof staff);
    if (rc == -1)
        return gateway_accounts_unavailable (req, "hash");
    unsigned char keep[GATEWAY_KEY_SIZE];
    unsigned ended = 0;
    if (rc == 0 && gateway_key_from_hex (req->session_key, keep))
        rc = gateway_store_sessions_end (self->store, req->principal, keep, &ended);
    if (rc)
        return s_store_failed (req, "staff_password_failed", rc);
    char clean[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=staff_password_changed principal=%s sessions_ended=%u",
             bc_log_clean (req->principal, clean, sizeof clean), ended);
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_object (), NULL, NULL);
}

/* ---- TOTP ---- */

/* POST /staff/totp/begin {}: a new secret, kept aside until confirmed. */
static enum MHD_Result
s_totp_begin (gateway_accounts_t *self, gateway_req_t *req)
{
    gateway_staff_t staff;
    int rc = gateway_store_staff_get (self->store, req->address, &staff);
    if (rc)
        return s_store_failed (req, "staff_get_failed", rc);
    char secret[GATEWAY_TOTP_SECRET_LEN + 1], uri[512];
    char *svg = NULL;
    bool ok = gateway_totp_secret_new (secret) &&
              gateway_totp_uri (req->address, secret, uri, sizeof uri) &&
              (svg = gateway_totp_qr_svg (uri)) != NULL;
    if (ok) {
        snprintf (staff.totp_pending, sizeof staff.totp_pending, "%s", secret);
        rc = gateway_store_staff_put (self->store, &staff);
    }
    sodium_memzero (&staff, sizeof staff);
    if (!ok || rc) {
        free (svg);
        sodium_memzero (secret, sizeof secret);
        return rc ? s_store_failed (req, "staff_totp_failed", rc)
                  : gateway_accounts_unavailable (req, "totp");
    }
    json_t *body = json_pack ("{s:s, s:s, s:s}", "secret", secret, "uri", uri, "qr_svg", svg);
    sodium_memzero (secret, sizeof secret);
    sodium_memzero (uri, sizeof uri);
    free (svg);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

/* POST /staff/totp/confirm {"code"}: TOTP on once a code of the begun
 * secret is right. */
static enum MHD_Result
s_totp_confirm (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    if (!gateway_accounts_login_allowed (self, req, req->address, &answer))
        return answer;
    gateway_staff_t staff;
    int rc = gateway_store_staff_get (self->store, req->address, &staff);
    if (rc)
        return s_store_failed (req, "staff_get_failed", rc);
    const char *code = s_field (req, "code");
    int64_t step;
    bool ok = staff.totp_pending[0] && code && gateway_parse_totp_code (code, strlen (code)) &&
              gateway_totp_check (staff.totp_pending, code, time (NULL), &step);
    if (ok) {
        memcpy (staff.totp, staff.totp_pending, sizeof staff.totp);
        staff.totp_pending[0] = 0;
        staff.totp_step = step; /* the code that turned it on is used */
        rc = gateway_store_staff_put (self->store, &staff);
    }
    sodium_memzero (&staff, sizeof staff);
    if (!ok) {
        gateway_accounts_login_failed (self, req, req->address);
        return gateway_accounts_invalid (req,
                                         "o código não confere; confira o relógio do celular e "
                                         "digite o código que aparece agora",
                                         "the code does not match; check your phone's clock and "
                                         "type the code shown now");
    }
    if (rc)
        return s_store_failed (req, "staff_totp_failed", rc);
    char clean[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=staff_totp_on principal=%s",
             bc_log_clean (req->principal, clean, sizeof clean));
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:b}", "totp", 1), NULL, NULL);
}

/* POST /staff/totp/disable {"password", "code"}. */
static enum MHD_Result
s_totp_disable (gateway_accounts_t *self, gateway_req_t *req)
{
    enum MHD_Result answer;
    gateway_staff_t staff;
    if (!s_reauth (self, req, "password", &staff, &answer))
        return answer;
    if (staff.totp[0] && !s_code_ok (self, req->address, staff.totp, s_field (req, "code"))) {
        sodium_memzero (&staff, sizeof staff);
        gateway_accounts_login_failed (self, req, req->address);
        return gateway_accounts_invalid (req, "o código não confere", "the code does not match");
    }
    /* Re-read: checking the code stored its step. */
    int rc = gateway_store_staff_get (self->store, req->address, &staff);
    if (rc == 0) {
        staff.totp[0] = staff.totp_pending[0] = 0;
        rc = gateway_store_staff_put (self->store, &staff);
    }
    sodium_memzero (&staff, sizeof staff);
    if (rc)
        return s_store_failed (req, "staff_totp_failed", rc);
    char clean[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=staff_totp_off principal=%s",
             bc_log_clean (req->principal, clean, sizeof clean));
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:b}", "totp", 0), NULL, NULL);
}

/* ---- routing ---- */

bool
gateway_staff_route (gateway_accounts_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    bool is_people = gateway_http_path (req, "desk/people", NULL) ||
                     gateway_http_path (req, "desk/people/reset-access", NULL) ||
                     gateway_http_path (req, "desk/status", NULL);
    static const char *const posts[] = {"staff/login",        "staff/password/use",
                                        "staff/password",     "staff/totp/begin",
                                        "staff/totp/confirm", "staff/totp/disable"};
    int which = -1;
    for (int i = 0; which < 0 && i < (int) (sizeof posts / sizeof *posts); i++)
        if (gateway_http_path (req, posts[i], NULL))
            which = i;
    if (is_people) {
        *out = gateway_http_staff_only (req, out) ? gateway_staff_people_route (self, req) : *out;
        return true;
    }
    if (which < 0)
        return false;
    if (!req->is_write) {
        *out = gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "use POST neste endereço", "use POST here");
        return true;
    }
    if (req->by_token) {
        *out = gateway_http_error (req->conn, MHD_HTTP_FORBIDDEN, "forbidden",
                                   "o acesso da equipe é para pessoas, não para tokens",
                                   "staff sign-in is for people, not for tokens");
        return true;
    }
    if (which == 0)
        *out = s_login (self, req);
    else if (which == 1)
        *out = s_password_use (self, req);
    else if (!gateway_http_staff_only (req, out))
        return true;
    else if (which == 2)
        *out = s_password_change (self, req);
    else if (which == 3)
        *out = s_totp_begin (self, req);
    else if (which == 4)
        *out = s_totp_confirm (self, req);
    else
        *out = s_totp_disable (self, req);
    return true;
}
