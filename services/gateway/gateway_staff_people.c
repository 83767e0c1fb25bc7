/* gateway_staff_people: the staff as the router knows them (ListPeople,
 * UpsertPerson), their invitation and access-reset links, and
 * /desk/people and /desk/status. The router decides who may list or change people; the
 * gateway forwards as the signed-in person, except that only an admin's
 * session may reset someone's web access (the credentials are the
 * gateway's own). */
#include "gateway_accounts_internal.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "bc_taxid.h"
#include "gateway_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const s_roles[] = {"admin", "supervisor", "agent"};

const char *
gateway_staff_role (const char *principal)
{
    for (size_t i = 0; principal && i < sizeof s_roles / sizeof *s_roles; i++) {
        size_t n = strlen (s_roles[i]);
        if (strncmp (principal, s_roles[i], n) == 0 && principal[n] == ':' && principal[n + 1])
            return s_roles[i];
    }
    return NULL;
}

/* A person's address: their e-mail, else what follows the kind in their id
 * when it is an address. "" when neither. */
static void
s_email_of (const Balcao__V1__Person *p, char out[GATEWAY_ADDRESS_MAX + 1])
{
    const char *colon = strchr (p->id, ':');
    if (!gateway_parse_address (p->email, out, GATEWAY_ADDRESS_MAX + 1) &&
        !(colon && gateway_parse_address (colon + 1, out, GATEWAY_ADDRESS_MAX + 1)))
        out[0] = 0;
}

static void
s_copy_person (const Balcao__V1__Person *p, gateway_staff_person_t *out)
{
    memset (out, 0, sizeof *out);
    snprintf (out->id, sizeof out->id, "%s", p->id);
    snprintf (out->name, sizeof out->name, "%s", p->name);
    s_email_of (p, out->email);
    snprintf (out->tier, sizeof out->tier, "%s", p->tier);
    snprintf (out->status, sizeof out->status, "%s", p->status);
    snprintf (out->language, sizeof out->language, "%s", p->language);
}

/* ListPeople kind, asked as `as`: the list (free it), or NULL with *rc (a
 * bc_client code) and *reply (the refusal, for the caller to answer with;
 * destroy it). */
static Balcao__V1__PersonList *
s_list_query (gateway_accounts_t *self, const char *kind, const char *query, const char *as,
              int *rc, bc_envelope_t **reply)
{
    Balcao__V1__ListPeople list = BALCAO__V1__LIST_PEOPLE__INIT;
    list.kind = (char *) kind;
    list.query = (char *) query;
    *reply = NULL;
    *rc = gateway_bus_call (self->bus, "router", as, &list.base, reply);
    Balcao__V1__PersonList *people = NULL;
    if (*rc == BC_OK) {
        people = (Balcao__V1__PersonList *) bc_envelope_payload (
            *reply, &balcao__v1__person_list__descriptor);
        if (!people)
            *rc = BC_EREMOTE;
    }
    if (people)
        bc_envelope_destroy (reply);
    return people;
}

static Balcao__V1__PersonList *
s_list (gateway_accounts_t *self, const char *kind, const char *as, int *rc, bc_envelope_t **reply)
{
    return s_list_query (self, kind, "", as, rc, reply);
}

int
gateway_staff_find (gateway_accounts_t *self, const char *address, gateway_staff_person_t *out)
{
    for (size_t k = 0; k < sizeof s_roles / sizeof *s_roles; k++) {
        int rc;
        bc_envelope_t *reply;
        Balcao__V1__PersonList *people = s_list (self, s_roles[k], "service:gateway", &rc, &reply);
        if (!people) {
            char text[256];
            bc_warn ("event=staff_lookup_failed reason=\"%s\"",
                     bc_client_error_text (rc, reply, text, sizeof text));
            bc_envelope_destroy (&reply);
            return rc < 0 ? rc : BC_EREMOTE;
        }
        bool found = false;
        for (size_t i = 0; !found && i < people->n_people; i++) {
            char email[GATEWAY_ADDRESS_MAX + 1];
            s_email_of (people->people[i], email);
            if (*email && strcmp (email, address) == 0 &&
                gateway_staff_role (people->people[i]->id)) {
                s_copy_person (people->people[i], out);
                found = true;
            }
        }
        balcao__v1__person_list__free_unpacked (people, NULL);
        if (found)
            return 0;
    }
    return 1;
}

int
gateway_staff_person_get (gateway_accounts_t *self, const char *id, const char *as,
                          gateway_staff_person_t *out)
{
    char kind[16];
    const char *colon = strchr (id, ':');
    if (!colon || (size_t) (colon - id) >= sizeof kind)
        return 1;
    snprintf (kind, sizeof kind, "%.*s", (int) (colon - id), id);
    int rc;
    bc_envelope_t *reply;
    Balcao__V1__PersonList *people = s_list (self, kind, as, &rc, &reply);
    bc_envelope_destroy (&reply);
    if (!people)
        return rc < 0 ? rc : BC_EREMOTE;
    int found = 1;
    for (size_t i = 0; found && i < people->n_people; i++)
        if (strcmp (people->people[i]->id, id) == 0) {
            s_copy_person (people->people[i], out);
            found = 0;
        }
    balcao__v1__person_list__free_unpacked (people, NULL);
    return found;
}

int
gateway_staff_send_link (gateway_accounts_t *self, gateway_req_t *req, const char *address,
                         const char *name, const char *language, const char *mail_kind)
{
    gateway_link_t link = {.kind = "staff"};
    snprintf (link.address, sizeof link.address, "%s", address);
    snprintf (link.language, sizeof link.language, "%s",
              strcmp (language, "en") == 0 ? "en" : "pt-BR");
    char token[GATEWAY_SECRET_LEN + 1];
    unsigned char key[GATEWAY_KEY_SIZE];
    gateway_secret_new (token);
    gateway_secret_key (token, GATEWAY_SECRET_LEN, key);
    link.expires_us = bc_now_us () + self->staff_link_us;
    int rc = gateway_store_link_add (self->store, key, &link);
    if (rc)
        bc_error ("event=staff_link_failed reason=\"%s\"", gateway_store_strerror (rc));
    else
        rc = gateway_mail_send (self->mail, mail_kind, address, name, link.language, token,
                                link.expires_us);
    sodium_memzero (token, sizeof token);
    char clean[GATEWAY_ADDRESS_MAX + 1];
    if (rc == 0)
        bc_info ("event=link_sent kind=%s address=%s peer=%s", mail_kind,
                 bc_log_clean (address, clean, sizeof clean), req->peer);
    return rc;
}

/* ---- /desk/people ---- */

static json_t *
s_person_json (gateway_accounts_t *self, const Balcao__V1__Person *p)
{
    json_t *skills = json_array (), *orgs = json_array ();
    for (size_t i = 0; i < p->n_skills; i++)
        json_array_append_new (skills, json_string (p->skills[i]));
    for (size_t i = 0; i < p->n_organizations; i++)
        json_array_append_new (orgs, json_string (p->organizations[i]));
    json_t *out = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:i, s:s, s:o, s:b}",
                             "id", p->id, "name", p->name, "email", p->email, "phone", p->phone,
                             "organization", p->organization, "tier", p->tier, "skills", skills,
                             "capacity", (int) p->capacity, "status", p->status, "open_tickets",
                             (int) p->open_tickets, "language", p->language, "created_at",
                             gateway_http_time (p->created_us), "has_key", *p->curve_key != 0);
    json_object_set_new (out, "organizations", orgs);
    /* A customer's CPF or CNPJ: /desk is the staff's, and the router lists
     * people to the support team only. */
    if (*p->tax_id) {
        char formatted[BC_TAXID_FORMATTED_SIZE];
        json_object_set_new (out, "tax_id", json_string (p->tax_id));
        json_object_set_new (out, "tax_id_kind",
                             json_string (bc_taxid_kind_name (bc_taxid_kind (p->tax_id))));
        json_object_set_new (out, "tax_id_formatted",
                             json_string (bc_taxid_format (p->tax_id, formatted, sizeof formatted)));
    }
    if (gateway_staff_role (p->id)) {
        /* What the admins' page shows: whether the invitation was used. */
        char email[GATEWAY_ADDRESS_MAX + 1];
        gateway_staff_t staff;
        s_email_of (p, email);
        bool has = *email && gateway_store_staff_get (self->store, email, &staff) == 0;
        json_object_set_new (out, "has_password", json_boolean (has && staff.hash[0]));
        json_object_set_new (out, "totp", json_boolean (has && staff.totp[0]));
        if (has)
            sodium_memzero (&staff, sizeof staff);
    }
    return out;
}

/* GET /desk/people?kind=agent|supervisor|admin|customer[&query=TEXT]
 * (router ListPeople, as the caller; query finds a name, address, phone,
 * CPF or CNPJ, with or without punctuation). */
static enum MHD_Result
s_people_list (gateway_accounts_t *self, gateway_req_t *req)
{
    const char *kind = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "kind");
    static const char *const kinds[] = {"", "agent", "supervisor", "admin", "customer"};
    bool known = false;
    for (size_t i = 0; !known && i < sizeof kinds / sizeof *kinds; i++)
        known = strcmp (kind ? kind : "", kinds[i]) == 0;
    if (!known)
        return gateway_accounts_invalid (req, "kind é agent, supervisor, admin ou customer",
                                         "kind is agent, supervisor, admin or customer");
    int rc;
    bc_envelope_t *reply;
    const char *query = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "query");
    if (query && strlen (query) > 200)
        return gateway_accounts_invalid (req, "query tem até 200 caracteres",
                                         "query is at most 200 characters");
    Balcao__V1__PersonList *people =
        s_list_query (self, kind ? kind : "", query ? query : "", req->principal, &rc, &reply);
    if (!people) {
        enum MHD_Result out = gateway_http_bus_error (req->conn, rc, reply, "router");
        bc_envelope_destroy (&reply);
        return out;
    }
    json_t *list = json_array ();
    for (size_t i = 0; i < people->n_people; i++)
        json_array_append_new (list, s_person_json (self, people->people[i]));
    balcao__v1__person_list__free_unpacked (people, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "people", list), NULL,
                              NULL);
}

static const char *
s_string (json_t *body, const char *field)
{
    const char *s = json_string_value (json_object_get (body, field));
    return s ? s : "";
}

/* POST /desk/people {person}: router UpsertPerson as the caller (admins);
 * a staff person new to the router gets an invitation link. */
static enum MHD_Result
s_people_upsert (gateway_accounts_t *self, gateway_req_t *req)
{
    json_t *body = req->body_json;
    static const char *const strings[] = {"id",       "name",         "email", "tier",
                                          "language", "organization", "phone", "tax_id"};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        json_t *v = json_object_get (body, strings[i]);
        if (v && !json_is_string (v))
            return gateway_accounts_invalid (req, "os campos da pessoa são textos",
                                             "a person's fields are strings");
    }
    json_t *skills = json_object_get (body, "skills");
    json_t *orgs = json_object_get (body, "organizations");
    json_t *capacity = json_object_get (body, "capacity");
    if ((orgs && !json_is_array (orgs)) || json_array_size (orgs) > 32)
        return gateway_accounts_invalid (req,
                                         "organizations é uma lista de organizações (até 32)",
                                         "organizations is a list of organizations (at most 32)");
    if ((skills && !json_is_array (skills)) || json_array_size (skills) > 64 ||
        (capacity && (!json_is_integer (capacity) || json_integer_value (capacity) < 0 ||
                      json_integer_value (capacity) > 1000)))
        return gateway_accounts_invalid (req,
                                         "skills é uma lista de categorias (até 64) "
                                         "e capacity um número de 0 a 1000",
                                         "skills is a list of categories (at most "
                                         "64) and capacity a number from 0 to 1000");
    char *skill_list[64];
    Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
    for (size_t i = 0; i < json_array_size (skills); i++) {
        const char *s = json_string_value (json_array_get (skills, i));
        if (!s)
            return gateway_accounts_invalid (req, "skills é uma lista de textos",
                                             "skills is a list of strings");
        skill_list[p.n_skills++] = (char *) s;
    }
    p.skills = skill_list;
    char *org_list[32];
    for (size_t i = 0; i < json_array_size (orgs); i++) {
        const char *s = json_string_value (json_array_get (orgs, i));
        if (!s)
            return gateway_accounts_invalid (req, "organizations é uma lista de textos",
                                             "organizations is a list of strings");
        org_list[p.n_organizations++] = (char *) s;
    }
    p.organizations = org_list;
    p.id = (char *) s_string (body, "id");
    p.name = (char *) s_string (body, "name");
    p.email = (char *) s_string (body, "email");
    p.tier = (char *) s_string (body, "tier");
    p.language = (char *) s_string (body, "language");
    p.organization = (char *) s_string (body, "organization");
    p.phone = (char *) s_string (body, "phone");
    p.tax_id = (char *) s_string (body, "tax_id");
    p.capacity = (uint32_t) json_integer_value (capacity);
    p.status = "";
    /* Is this staff person new? Asked as the caller: a caller who may not
     * list people is refused by UpsertPerson below anyway. */
    gateway_staff_person_t before;
    bool is_staff = gateway_staff_role (p.id) != NULL;
    bool is_new = is_staff && gateway_staff_person_get (self, p.id, req->principal, &before) == 1;
    Balcao__V1__UpsertPerson up = BALCAO__V1__UPSERT_PERSON__INIT;
    up.person = &p;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &up.base, &reply);
    Balcao__V1__Person *now = NULL;
    if (rc == BC_OK)
        now = (Balcao__V1__Person *) bc_envelope_payload (reply, &balcao__v1__person__descriptor);
    if (!now) {
        enum MHD_Result out = rc == BC_OK ? gateway_http_unexpected (req->conn, "router")
                                          : gateway_http_bus_error (req->conn, rc, reply, "router");
        bc_envelope_destroy (&reply);
        return out;
    }
    bc_envelope_destroy (&reply);
    json_t *answer = s_person_json (self, now);
    char email[GATEWAY_ADDRESS_MAX + 1];
    s_email_of (now, email);
    bool invited = false;
    if (is_new && *email)
        invited = gateway_staff_send_link (self, req, email, now->name, now->language,
                                           "staff_invite") == 0;
    json_object_set_new (answer, "invited", json_boolean (invited));
    char clean[GATEWAY_PRINCIPAL_MAX + 1], by[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=person_saved id=%s by=%s new_staff=%d invited=%d",
             bc_log_clean (now->id, clean, sizeof clean),
             bc_log_clean (req->principal, by, sizeof by), is_new, invited);
    balcao__v1__person__free_unpacked (now, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, answer, NULL, NULL);
}

/* POST /desk/people/reset-access {"id"} (a signed-in admin): the person's
 * password and TOTP are cleared, their sessions end, a new link is
 * mailed. */
static enum MHD_Result
s_reset_access (gateway_accounts_t *self, gateway_req_t *req)
{
    if (strncmp (req->principal, "admin:", 6) != 0)
        return gateway_http_error (req->conn, MHD_HTTP_FORBIDDEN, "forbidden",
                                   "só administradores redefinem o acesso de alguém",
                                   "only admins reset someone's access");
    const char *id = s_string (req->body_json, "id");
    if (!gateway_staff_role (id) || strlen (id) > GATEWAY_PRINCIPAL_MAX)
        return gateway_accounts_invalid (req,
                                         "id é o de uma pessoa da equipe (agent:…, "
                                         "supervisor:… ou admin:…)",
                                         "id is a staff person's (agent:…, supervisor:… or "
                                         "admin:…)");
    gateway_staff_person_t person;
    int found = gateway_staff_person_get (self, id, req->principal, &person);
    if (found < 0)
        return gateway_http_bus_error (req->conn, BC_ETIMEOUT, NULL, "router");
    if (found == 1 || !*person.email)
        return gateway_http_error (req->conn, MHD_HTTP_NOT_FOUND, "not_found",
                                   "não há ninguém da equipe com esse id e um e-mail",
                                   "no staff person has that id and an e-mail address");
    gateway_staff_t staff;
    int rc = gateway_store_staff_get (self->store, person.email, &staff);
    /* A seed that no longer opens (a lost seal key) is what a reset is for. */
    if (rc == 0 || rc == GATEWAY_STORE_UNSEALED) {
        staff.hash[0] = staff.totp[0] = staff.totp_pending[0] = 0;
        rc = gateway_store_staff_put (self->store, &staff);
        sodium_memzero (&staff, sizeof staff);
    }
    unsigned ended = 0;
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = gateway_store_sessions_end (self->store, person.id, NULL, &ended);
    if (rc) {
        bc_error ("event=reset_access_failed reason=\"%s\"", gateway_store_strerror (rc));
        return gateway_accounts_unavailable (req, "store");
    }
    char clean[GATEWAY_PRINCIPAL_MAX + 1], by[GATEWAY_PRINCIPAL_MAX + 1];
    bc_info ("event=staff_access_reset id=%s by=%s sessions_ended=%u",
             bc_log_clean (person.id, clean, sizeof clean),
             bc_log_clean (req->principal, by, sizeof by), ended);
    if (gateway_staff_send_link (self, req, person.email, person.name, person.language,
                                 "staff_reset") != 0)
        return gateway_accounts_unavailable (req, "mail");
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_object (), NULL, NULL);
}

/* POST /desk/status {"status": "online"|"away"|"offline"}: router
 * SetAgentStatus as the caller; the person after it. */
static enum MHD_Result
s_status (gateway_accounts_t *self, gateway_req_t *req)
{
    const char *status = json_string_value (json_object_get (req->body_json, "status"));
    if (!status || (strcmp (status, "online") != 0 && strcmp (status, "away") != 0 &&
                    strcmp (status, "offline") != 0))
        return gateway_accounts_invalid (req, "o campo \"status\" é online, away ou offline",
                                         "the field \"status\" is online, away or offline");
    Balcao__V1__SetAgentStatus set = BALCAO__V1__SET_AGENT_STATUS__INIT;
    set.status = (char *) status;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &set.base, &reply);
    Balcao__V1__Person *p = rc == BC_OK ? (Balcao__V1__Person *) bc_envelope_payload (
                                              reply, &balcao__v1__person__descriptor)
                                        : NULL;
    enum MHD_Result out = p ? gateway_http_json (req->conn, MHD_HTTP_OK, s_person_json (self, p),
                                                 NULL, NULL)
                          : rc == BC_OK ? gateway_http_unexpected (req->conn, "router")
                                        : gateway_http_bus_error (req->conn, rc, reply, "router");
    if (p)
        balcao__v1__person__free_unpacked (p, NULL);
    bc_envelope_destroy (&reply);
    return out;
}

enum MHD_Result
gateway_staff_people_route (gateway_accounts_t *self, gateway_req_t *req)
{
    if (gateway_http_path (req, "desk/status", NULL))
        return req->is_write ? s_status (self, req)
                             : gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                                   "method_not_allowed", "use POST neste endereço",
                                                   "use POST here");
    bool is_reset = gateway_http_path (req, "desk/people/reset-access", NULL);
    if (is_reset && !req->is_write)
        return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "use POST neste endereço", "use POST here");
    if (is_reset)
        return s_reset_access (self, req);
    return req->is_write ? s_people_upsert (self, req) : s_people_list (self, req);
}
