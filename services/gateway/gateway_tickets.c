/* gateway_tickets: the customer's tickets over /api/v1/ (see
 * gateway_tickets.h and docs/API.md, "Tickets"). Reads go to the router as
 * the caller; a customer's message goes to intake as service:gateway, for
 * the signed-in address; files come back from intake only when the router
 * shows them on a public message of a ticket the caller may read. */
#include "gateway_tickets.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"
#include "gateway_parse.h"
#include "gateway_ticket_json.h"
#include "gateway_ticket_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET /tickets lists at most this many (pages of 1000). */
#define S_MAX_LISTED 5000
#define S_MAX_FILES 10

struct gateway_tickets_t {
    gateway_bus_t *bus;
};

gateway_tickets_t *
gateway_tickets_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_tickets_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_tickets_destroy (gateway_tickets_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

/* One answer for every ticket the caller may not see, whatever the
 * number: numbers are sequential, and any difference would tell a
 * customer which ones are someone else's. */
static enum MHD_Result
s_ticket_not_found (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_NOT_FOUND, "not_found",
                               "chamado não encontrado", "no such ticket");
}

/* The same for files: a missing one, one on another's ticket or on an
 * internal note, one on a ticket that does not exist. */
static enum MHD_Result
s_file_not_found (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_NOT_FOUND, "not_found",
                               "arquivo não encontrado", "no such file");
}

static enum MHD_Result
s_invalid (gateway_req_t *req, const gateway_ticket_why_t *why)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", why->pt, why->en);
}

/* A failed router call about a ticket: not_found as s_ticket_not_found,
 * the rest as the router said. */
static enum MHD_Result
s_router_error (gateway_req_t *req, int rc, const bc_envelope_t *reply)
{
    if (rc == BC_EREMOTE) {
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        bool is_missing = err && strcmp (err->code, "not_found") == 0;
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
        if (is_missing)
            return s_ticket_not_found (req);
    }
    return gateway_http_bus_error (req->conn, rc, reply, "router");
}

/* GetTicket as the caller. NULL with *out set when it cannot be had. */
static Balcao__V1__Ticket *
s_get_ticket (gateway_tickets_t *self, gateway_req_t *req, uint64_t number, enum MHD_Result *out)
{
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &get.base, &reply);
    Balcao__V1__Ticket *t = NULL;
    if (rc == BC_OK) {
        t = (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
        if (!t)
            *out = gateway_http_unexpected (req->conn, "router");
    }
    else
        *out = s_router_error (req, rc, reply);
    bc_envelope_destroy (&reply);
    return t;
}

static enum MHD_Result
s_answer_ticket (gateway_tickets_t *self, gateway_req_t *req, unsigned status, uint64_t number)
{
    enum MHD_Result out;
    Balcao__V1__Ticket *t = s_get_ticket (self, req, number, &out);
    if (!t)
        return out;
    out = gateway_http_json (req->conn, status, gateway_ticket_full (t, req->principal, req->by_token),
                             NULL, NULL);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return out;
}

/* ListTickets as the caller, every page (at most S_MAX_LISTED tickets):
 * a malloc'd array of *n_pages pages, or NULL with the answer given
 * (*out set) when out is not NULL. */
static Balcao__V1__TicketList **
s_list (gateway_tickets_t *self, gateway_req_t *req, size_t *n_pages, enum MHD_Result *out)
{
    Balcao__V1__TicketList **pages = calloc (S_MAX_LISTED / 1000 + 1, sizeof *pages);
    *n_pages = 0;
    uint64_t after = 0;
    while (*n_pages < S_MAX_LISTED / 1000) {
        Balcao__V1__ListTickets list = BALCAO__V1__LIST_TICKETS__INIT;
        list.after = after;
        list.limit = 1000;
        bc_envelope_t *reply = NULL;
        int rc = gateway_bus_call (self->bus, "router", req->principal, &list.base, &reply);
        Balcao__V1__TicketList *page = NULL;
        if (rc == BC_OK)
            page = (Balcao__V1__TicketList *) bc_envelope_payload (
                reply, &balcao__v1__ticket_list__descriptor);
        if (!page && out)
            *out = rc == BC_OK ? gateway_http_unexpected (req->conn, "router")
                               : gateway_http_bus_error (req->conn, rc, reply, "router");
        bc_envelope_destroy (&reply);
        if (!page) {
            for (size_t i = 0; i < *n_pages; i++)
                balcao__v1__ticket_list__free_unpacked (pages[i], NULL);
            free (pages);
            return NULL;
        }
        pages[(*n_pages)++] = page;
        if (page->n_tickets < 1000)
            break;
        after = page->tickets[page->n_tickets - 1]->number;
    }
    return pages;
}

static void
s_pages_free (Balcao__V1__TicketList **pages, size_t n_pages)
{
    for (size_t i = 0; i < n_pages; i++)
        balcao__v1__ticket_list__free_unpacked (pages[i], NULL);
    free (pages);
}

static enum MHD_Result
s_tickets (gateway_tickets_t *self, gateway_req_t *req)
{
    enum MHD_Result out;
    size_t n_pages;
    Balcao__V1__TicketList **pages = s_list (self, req, &n_pages, &out);
    if (!pages)
        return out;
    size_t n = 0;
    for (size_t i = 0; i < n_pages; i++)
        n += pages[i]->n_tickets;
    Balcao__V1__Ticket **all = calloc (n + 1, sizeof *all);
    n = 0;
    for (size_t i = 0; i < n_pages; i++)
        for (size_t j = 0; j < pages[i]->n_tickets; j++)
            all[n++] = pages[i]->tickets[j];
    gateway_ticket_sort (all, n);
    json_t *list = json_array ();
    for (size_t i = 0; i < n; i++)
        json_array_append_new (list, gateway_ticket_summary (all[i]));
    free (all);
    s_pages_free (pages, n_pages);
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "tickets", list), NULL,
                              NULL);
}

/* The router's catalog, or NULL with *out set. */
static Balcao__V1__CategoryList *
s_catalog (gateway_tickets_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    Balcao__V1__ListCategories list = BALCAO__V1__LIST_CATEGORIES__INIT;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &list.base, &reply);
    Balcao__V1__CategoryList *cats = NULL;
    if (rc == BC_OK) {
        cats = (Balcao__V1__CategoryList *) bc_envelope_payload (
            reply, &balcao__v1__category_list__descriptor);
        if (!cats)
            *out = gateway_http_unexpected (req->conn, "router");
    }
    else
        *out = gateway_http_bus_error (req->conn, rc, reply, "router");
    bc_envelope_destroy (&reply);
    return cats;
}

static enum MHD_Result
s_categories (gateway_tickets_t *self, gateway_req_t *req)
{
    enum MHD_Result out;
    Balcao__V1__CategoryList *cats = s_catalog (self, req, &out);
    if (!cats)
        return out;
    json_t *list = json_array ();
    for (size_t i = 0; i < cats->n_categories; i++)
        json_array_append_new (list, json_pack ("{s:s, s:s, s:s, s:s}", "id",
                                                cats->categories[i]->id, "name",
                                                cats->categories[i]->name, "name_en",
                                                cats->categories[i]->name_en, "description", ""));
    balcao__v1__category_list__free_unpacked (cats, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "categories", list),
                              NULL, NULL);
}

static bool
s_is_category (const Balcao__V1__CategoryList *cats, const char *id)
{
    for (size_t i = 0; i < cats->n_categories; i++)
        if (strcmp (cats->categories[i]->id, id) == 0)
            return true;
    return false;
}

static enum MHD_Result
s_forbidden_for_token (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_FORBIDDEN, "forbidden",
                               "um token de serviço só lê chamados; quem escreve é o cliente, "
                               "pelo portal",
                               "a service token only reads tickets; customers write through "
                               "the portal");
}

/* POST /tickets. */
static enum MHD_Result
s_open (gateway_tickets_t *self, gateway_req_t *req)
{
    const char *subject, *text, *category, *client_ref;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "subject", 1, 200, false, true, &subject, &why) ||
        !gateway_ticket_text (req->body_json, "body", 1, 20000, true, true, &text, &why) ||
        !gateway_ticket_text (req->body_json, "category", 0, 64, false, false, &category, &why) ||
        !gateway_ticket_client_ref (req->body_json, &client_ref, &why) || !gateway_ticket_suggestions (req->body_json, &why))
        return s_invalid (req, &why);
    enum MHD_Result out;
    if (*category) {
        Balcao__V1__CategoryList *cats = s_catalog (self, req, &out);
        if (!cats)
            return out;
        bool is_known = s_is_category (cats, category);
        balcao__v1__category_list__free_unpacked (cats, NULL);
        if (!is_known) {
            snprintf (why.pt, sizeof why.pt,
                      "o campo \"category\" não é uma das categorias (GET /api/v1/categories)");
            snprintf (why.en, sizeof why.en,
                      "the field \"category\" is not one of the categories (GET /api/v1/categories)");
            return s_invalid (req, &why);
        }
    }
    Balcao__V1__SubmitFile **files;
    size_t n_files;
    if (!gateway_ticket_files (req->body_json, S_MAX_FILES, &files, &n_files, &why))
        return s_invalid (req, &why);
    char external_id[48], ref[33];
    gateway_ticket_external_id (req, "new", client_ref, external_id, sizeof external_id);
    Balcao__V1__Submit submit = BALCAO__V1__SUBMIT__INIT;
    submit.external_id = external_id;
    submit.subject = (char *) subject;
    submit.body = (char *) text;
    submit.category = (char *) category;
    submit.files = files;
    submit.n_files = n_files;
    bool is_sent = gateway_ticket_send (self->bus, req, &submit, ref, &out);
    gateway_ticket_files_free (files, n_files);
    if (!is_sent)
        return out;
    uint64_t number = gateway_ticket_wait_new (self->bus, req, external_id);
    gateway_ticket_record_deflection (self->bus, req, client_ref);
    bc_info ("event=portal_ticket message_ref=%s ticket=%llu files=%zu", ref,
             (unsigned long long) number, n_files);
    if (number)
        return gateway_http_json (req->conn, MHD_HTTP_CREATED,
                                  json_pack ("{s:I}", "number", (json_int_t) number), NULL, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_ACCEPTED,
                              json_pack ("{s:i, s:s}", "number", 0, "message_ref", ref), NULL,
                              NULL);
}

/* POST /tickets/N/messages. */
static enum MHD_Result
s_reply (gateway_tickets_t *self, gateway_req_t *req, uint64_t number)
{
    const char *text, *client_ref;
    gateway_ticket_why_t why;
    if (!gateway_ticket_text (req->body_json, "body", 1, 20000, true, true, &text, &why) ||
        !gateway_ticket_client_ref (req->body_json, &client_ref, &why))
        return s_invalid (req, &why);
    /* Only on a ticket the customer may read: the router says, and a
     * ticket they may not read answers as one that does not exist. */
    enum MHD_Result out;
    Balcao__V1__Ticket *t = s_get_ticket (self, req, number, &out);
    if (!t)
        return out;
    Balcao__V1__SubmitFile **files;
    size_t n_files;
    if (!gateway_ticket_files (req->body_json, S_MAX_FILES, &files, &n_files, &why)) {
        balcao__v1__ticket__free_unpacked (t, NULL);
        return s_invalid (req, &why);
    }
    char kind[32], external_id[48], ref[33];
    snprintf (kind, sizeof kind, "%llu", (unsigned long long) number);
    gateway_ticket_external_id (req, kind, client_ref, external_id, sizeof external_id);
    Balcao__V1__Submit submit = BALCAO__V1__SUBMIT__INIT;
    submit.external_id = external_id;
    submit.subject = t->subject;
    submit.body = (char *) text;
    submit.ticket = number;
    submit.files = files;
    submit.n_files = n_files;
    bool is_sent = gateway_ticket_send (self->bus, req, &submit, ref, &out);
    gateway_ticket_files_free (files, n_files);
    balcao__v1__ticket__free_unpacked (t, NULL);
    if (!is_sent)
        return out;
    uint64_t placed = gateway_ticket_wait_message (self->bus, req, number, external_id);
    return gateway_http_json (req->conn, MHD_HTTP_CREATED,
                              json_pack ("{s:I}", "number", (json_int_t) (placed ? placed : number)),
                              NULL, NULL);
}

/* POST /tickets/N/accept and /reject: the router's TicketAction as the
 * customer; it says whether they may. */
static enum MHD_Result
s_action (gateway_tickets_t *self, gateway_req_t *req, uint64_t number, const char *action)
{
    const char *reason = "";
    gateway_ticket_why_t why;
    if (strcmp (action, "reject") == 0 &&
        !gateway_ticket_text (req->body_json, "reason", 1, 2000, true, true, &reason, &why))
        return s_invalid (req, &why);
    Balcao__V1__TicketAction act = BALCAO__V1__TICKET_ACTION__INIT;
    act.number = number;
    act.action = (char *) action;
    act.text = (char *) reason;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &act.base, &reply);
    enum MHD_Result out = rc == BC_OK ? MHD_YES : s_router_error (req, rc, reply);
    bc_envelope_destroy (&reply);
    return rc == BC_OK ? s_answer_ticket (self, req, MHD_HTTP_OK, number) : out;
}

/* POST /tickets/N/rating. */
static enum MHD_Result
s_rate (gateway_tickets_t *self, gateway_req_t *req, uint64_t number)
{
    json_t *score = json_object_get (req->body_json, "score");
    const char *comment;
    gateway_ticket_why_t why;
    if (!json_is_integer (score) || json_integer_value (score) < 1 ||
        json_integer_value (score) > 5) {
        snprintf (why.pt, sizeof why.pt, "o campo \"score\" deve ser um número inteiro de 1 a 5");
        snprintf (why.en, sizeof why.en, "the field \"score\" must be a whole number from 1 to 5");
        return s_invalid (req, &why);
    }
    if (!gateway_ticket_text (req->body_json, "comment", 0, 2000, true, false, &comment, &why))
        return s_invalid (req, &why);
    Balcao__V1__Rate rate = BALCAO__V1__RATE__INIT;
    rate.number = number;
    rate.score = (uint32_t) json_integer_value (score);
    rate.comment = (char *) comment;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &rate.base, &reply);
    enum MHD_Result out = rc == BC_OK ? MHD_YES : s_router_error (req, rc, reply);
    bc_envelope_destroy (&reply);
    return rc == BC_OK ? s_answer_ticket (self, req, MHD_HTTP_OK, number) : out;
}

/* GET /tickets/N/attachments/SHA: only a file on a public message of a
 * ticket the caller may read; every other case is the same 404. */
static enum MHD_Result
s_file (gateway_tickets_t *self, gateway_req_t *req, uint64_t number, const char *sha256)
{
    if (!gateway_parse_sha256 (sha256))
        return s_file_not_found (req);
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &get.base, &reply);
    Balcao__V1__Ticket *t = NULL;
    bool is_missing = false;
    if (rc == BC_OK)
        t = (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
    else if (rc == BC_EREMOTE) {
        Balcao__V1__Error *err =
            (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        is_missing = err && strcmp (err->code, "not_found") == 0;
        if (err)
            balcao__v1__error__free_unpacked (err, NULL);
    }
    enum MHD_Result out = MHD_NO;
    if (!t)
        out = is_missing ? s_file_not_found (req)
              : rc == BC_OK ? gateway_http_unexpected (req->conn, "router")
                            : gateway_http_bus_error (req->conn, rc, reply, "router");
    bc_envelope_destroy (&reply);
    if (!t)
        return out;
    const Balcao__V1__Attachment *meta;
    if (!gateway_ticket_has_file (t, sha256, &meta)) {
        balcao__v1__ticket__free_unpacked (t, NULL);
        return s_file_not_found (req);
    }
    out = gateway_ticket_file (self->bus, req, sha256, meta);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return out;
}

static enum MHD_Result
s_method_not_allowed (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                               "este endereço não aceita este método",
                               "this address does not take this method");
}

/* tickets/N[/what]: N parsed, *what the rest after "/" ("" for none). A
 * number that is not canonical is a ticket nobody has. */
static bool
s_split (const char *rest, uint64_t *number, const char **what)
{
    char digits[32];
    size_t n = strcspn (rest, "/");
    if (n == 0 || n >= sizeof digits)
        return false;
    memcpy (digits, rest, n);
    digits[n] = 0;
    *what = rest[n] ? rest + n + 1 : "";
    return gateway_parse_ticket_number (digits, number);
}

bool
gateway_tickets_route (gateway_tickets_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    const char *rest = NULL;
    bool is_list = gateway_http_path (req, "tickets", NULL);
    bool is_catalog = gateway_http_path (req, "categories", NULL);
    bool is_one = gateway_http_path (req, "tickets/*", &rest);
    if (!is_list && !is_catalog && !is_one)
        return false;
    bool is_read = !req->is_write;
    if (!req->signed_in && !req->by_token) {
        *out = gateway_http_error (req->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                   "entre no portal para ver e abrir chamados",
                                   "sign in to the portal to see and open tickets");
        return true;
    }
    if (req->is_write && req->by_token) {
        *out = s_forbidden_for_token (req);
        return true;
    }
    if (is_catalog)
        *out = is_read ? s_categories (self, req) : s_method_not_allowed (req);
    else if (is_list)
        *out = is_read ? s_tickets (self, req) : s_open (self, req);
    else {
        uint64_t number = 0;
        const char *what = "";
        bool is_valid = s_split (rest, &number, &what);
        const char *after = strchr (rest, '/') ? strchr (rest, '/') + 1 : "";
        if (strncmp (after, "attachments/", 12) == 0)
            *out = !is_read    ? s_method_not_allowed (req)
                   : is_valid ? s_file (self, req, number, after + 12)
                              : s_file_not_found (req);
        else if (!is_valid)
            *out = s_ticket_not_found (req);
        else if (!*what)
            *out = is_read ? s_answer_ticket (self, req, MHD_HTTP_OK, number)
                           : s_method_not_allowed (req);
        else if (strcmp (what, "messages") == 0)
            *out = is_read ? s_method_not_allowed (req) : s_reply (self, req, number);
        else if (strcmp (what, "accept") == 0 || strcmp (what, "reject") == 0)
            *out = is_read ? s_method_not_allowed (req) : s_action (self, req, number, what);
        else if (strcmp (what, "rating") == 0)
            *out = is_read ? s_method_not_allowed (req) : s_rate (self, req, number);
        else
            *out = gateway_http_no_such_page (req->conn);
    }
    return true;
}
