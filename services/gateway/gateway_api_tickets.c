/* gateway_api_tickets: another system opens a ticket over HTTP (see
 * gateway_api_tickets.h and docs/API.md, "Systems"). The body is checked
 * whole before anything goes to intake; the Submit goes as the token's own
 * service:NAME, so intake/submitters judges it exactly as it judges a
 * system on the bus, and its external_id is a hash of that name and the
 * Idempotency-Key: the same key from the same system is one message. */
#include "gateway_api_tickets.h"
#include "gateway_ticket_send.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_log.h"
#include "gateway_parse.h"
#include "gateway_ticket_json.h"

#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a new ticket is waited for, and how often the router is asked. */
#define S_WAIT_MS 5000
#define S_POLL_MS 50
/* The portal's session cookie (gateway_accounts.c). */
#define S_SESSION_COOKIE "balcao_session"

struct gateway_api_tickets_t {
    gateway_bus_t *bus;
};

gateway_api_tickets_t *
gateway_api_tickets_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_api_tickets_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_api_tickets_destroy (gateway_api_tickets_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

bool
gateway_api_key_is_valid (const char *key)
{
    size_t n = key ? strlen (key) : 0;
    return n >= 1 && n <= GATEWAY_API_KEY_MAX
           && strspn (key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")
                  == n;
}

static enum MHD_Result
s_invalid (gateway_req_t *req, const char *pt, const char *en)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", pt, en);
}

/* Every field of the body is one we know: a misspelt "subjet" is an error
 * the system's author sees at once, not a ticket without a subject. */
static bool
s_fields_known (json_t *body, gateway_ticket_why_t *why)
{
    static const char *const known[] = {"from", "name", "subject", "body", "category",
                                        "language"};
    const char *key;
    json_t *value;
    json_object_foreach (body, key, value) {
        bool is_known = false;
        for (size_t i = 0; i < sizeof known / sizeof *known && !is_known; i++)
            is_known = strcmp (key, known[i]) == 0;
        if (!is_known) {
            snprintf (why->pt, sizeof why->pt,
                      "o campo \"%.64s\" não existe; use from, name, subject, body, category e "
                      "language",
                      key);
            snprintf (why->en, sizeof why->en,
                      "there is no field \"%.64s\"; use from, name, subject, body, category and "
                      "language",
                      key);
            return false;
        }
    }
    return true;
}

/* The category, when given, is one of the router's (asked as the gateway:
 * the catalog is public, the portal shows it to anyone). */
static bool
s_category_known (gateway_api_tickets_t *self, gateway_req_t *req, const char *category,
                  enum MHD_Result *out)
{
    Balcao__V1__ListCategories list = BALCAO__V1__LIST_CATEGORIES__INIT;
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", "service:gateway", &list.base, &reply);
    Balcao__V1__CategoryList *cats = NULL;
    if (rc == BC_OK)
        cats = (Balcao__V1__CategoryList *) bc_envelope_payload (
            reply, &balcao__v1__category_list__descriptor);
    if (rc != BC_OK)
        *out = gateway_http_bus_error (req->conn, rc, reply, "router");
    else if (!cats)
        *out = gateway_http_unexpected (req->conn, "router");
    bc_envelope_destroy (&reply);
    if (!cats)
        return false;
    bool is_known = false;
    for (size_t i = 0; i < cats->n_categories && !is_known; i++)
        is_known = strcmp (cats->categories[i]->id, category) == 0;
    balcao__v1__category_list__free_unpacked (cats, NULL);
    if (!is_known)
        *out = s_invalid (req,
                          "o campo \"category\" não é uma das categorias (GET /api/v1/categories)",
                          "the field \"category\" is not one of the categories "
                          "(GET /api/v1/categories)");
    return is_known;
}

/* "api:" and 32 hex digits of a hash of the principal and the key. */
static void
s_external_id (const char *principal, const char *key, char *out, size_t size)
{
    unsigned char hash[16];
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, sizeof hash);
    crypto_generichash_update (&st, (const unsigned char *) principal, strlen (principal) + 1);
    crypto_generichash_update (&st, (const unsigned char *) "ticket", 7);
    crypto_generichash_update (&st, (const unsigned char *) key, strlen (key));
    crypto_generichash_final (&st, hash, sizeof hash);
    char hex[33];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (out, size, "api:%s", hex);
}

/* How many tickets principal may list, or -1 when the router lets it list
 * none (a token without "read"): then the gateway does not wait to learn
 * the new ticket's number. */
static int64_t
s_listed_total (gateway_bus_t *bus, const char *principal)
{
    Balcao__V1__ListTickets list = BALCAO__V1__LIST_TICKETS__INIT;
    list.limit = 1;
    bc_envelope_t *reply = NULL;
    int64_t total = -1;
    if (gateway_bus_call (bus, "router", principal, &list.base, &reply) == BC_OK) {
        Balcao__V1__TicketList *page = (Balcao__V1__TicketList *) bc_envelope_payload (
            reply, &balcao__v1__ticket_list__descriptor);
        if (page) {
            total = (int64_t) page->total;
            balcao__v1__ticket_list__free_unpacked (page, NULL);
        }
    }
    bc_envelope_destroy (&reply);
    return total;
}

static uint64_t
s_wait (gateway_bus_t *bus, const char *principal, const char *external_id, uint64_t after)
{
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    do {
        uint64_t found = gateway_ticket_find_opened (bus, principal, external_id, after);
        if (found)
            return found;
        zclock_sleep (S_POLL_MS);
    } while (zclock_mono () < deadline);
    return 0;
}

/* Checks the request, then submits; every refusal before the Submit means
 * nothing reached intake. */
static enum MHD_Result
s_open (gateway_api_tickets_t *self, gateway_req_t *req)
{
    const char *cookie = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_COOKIE);
    const char *value;
    size_t len;
    if (cookie && gateway_parse_cookie (cookie, S_SESSION_COOKIE, &value, &len)
                      != GATEWAY_COOKIE_ABSENT)
        return s_invalid (req,
                          "este pedido traz um token de serviço e também um cookie de sessão; "
                          "envie só um dos dois (um sistema usa o token, sem cookies)",
                          "this request carries both a service token and a session cookie; "
                          "send only one (a system uses the token, without cookies)");
    const char *key =
        MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (!gateway_api_key_is_valid (key))
        return s_invalid (req,
                          "envie o cabeçalho Idempotency-Key (de 1 a 64 letras, dígitos ou ._:-), "
                          "um valor novo para cada chamado: repetir o mesmo valor não abre outro",
                          "send the Idempotency-Key header (1 to 64 letters, digits or ._:-), a "
                          "new value for each ticket: sending the same value again opens no other");
    gateway_ticket_why_t why;
    const char *from, *name, *subject, *text, *category, *language;
    char address[GATEWAY_ADDRESS_MAX + 1];
    if (!s_fields_known (req->body_json, &why)
        || !gateway_ticket_text (req->body_json, "from", 3, GATEWAY_ADDRESS_MAX, false, true,
                                 &from, &why)
        || !gateway_ticket_text (req->body_json, "name", 0, 160, false, false, &name, &why)
        || !gateway_ticket_text (req->body_json, "subject", 1, GATEWAY_API_SUBJECT_MAX, false,
                                 true, &subject, &why)
        || !gateway_ticket_text (req->body_json, "body", 1, GATEWAY_API_BODY_MAX, true, true,
                                 &text, &why)
        || !gateway_ticket_text (req->body_json, "category", 0, 64, false, false, &category,
                                 &why)
        || !gateway_ticket_text (req->body_json, "language", 0, 5, false, false, &language,
                                 &why))
        return s_invalid (req, why.pt, why.en);
    if (!gateway_parse_address (from, address, sizeof address))
        return s_invalid (req,
                          "o campo \"from\" não é um endereço de e-mail válido (ex.: "
                          "cliente@example.com)",
                          "the field \"from\" is not a valid e-mail address (e.g. "
                          "cliente@example.com)");
    if (*language && strcmp (language, "pt-BR") != 0 && strcmp (language, "en") != 0)
        return s_invalid (req, "o campo \"language\" é \"pt-BR\" ou \"en\"",
                          "the field \"language\" is \"pt-BR\" or \"en\"");
    /* This room's idempotency is intake's own (the external_id): every
     * call goes with a fresh id, so a retry's reads see today's tickets
     * and its Submit gets intake's "duplicate" rather than the first
     * call's stored reply. */
    gateway_bus_request_ids (NULL);
    enum MHD_Result out;
    if (*category && !s_category_known (self, req, category, &out))
        return out;

    char external_id[48];
    s_external_id (req->principal, key, external_id, sizeof external_id);
    int64_t total_before = s_listed_total (self->bus, req->principal);
    Balcao__V1__Submit submit = BALCAO__V1__SUBMIT__INIT;
    submit.channel = "api";
    submit.external_id = external_id;
    submit.from_address = address;
    submit.from_name = (char *) name;
    submit.subject = (char *) subject;
    submit.body = (char *) text;
    submit.category = (char *) category;
    submit.language = (char *) (*language ? language : "pt-BR");
    bc_envelope_t *reply = NULL;
    char intake[32]; /* a customer's tickets, in order, through one replica */
    gateway_bus_intake_for (self->bus, address, intake, sizeof intake);
    int rc = gateway_bus_call (self->bus, intake, req->principal, &submit.base, &reply);
    Balcao__V1__SubmitReply *sr =
        rc == BC_OK ? (Balcao__V1__SubmitReply *) bc_envelope_payload (
                          reply, &balcao__v1__submit_reply__descriptor)
                    : NULL;
    if (!sr) {
        out = rc == BC_OK ? gateway_http_unexpected (req->conn, "intake")
                          : gateway_http_bus_error (req->conn, rc, reply, "intake");
        bc_envelope_destroy (&reply);
        return out;
    }
    bc_envelope_destroy (&reply);
    bool is_duplicate = sr->duplicate;
    uint64_t number = sr->ticket;
    char ref[40];
    snprintf (ref, sizeof ref, "%s", sr->message_ref);
    balcao__v1__submit_reply__free_unpacked (sr, NULL);
    /* A new ticket is above every number listed before; a retry's ticket
     * may be anywhere. A token that may not read learns only the ref. */
    if (!number && total_before >= 0)
        number = s_wait (self->bus, req->principal, external_id,
                         is_duplicate ? 0 : (uint64_t) total_before);
    bc_info ("event=api_ticket service=%s key=%s message_ref=%s ticket=%llu duplicate=%d",
             req->principal + 8, key, ref, (unsigned long long) number, is_duplicate);
    json_t *body = json_pack ("{s:s, s:b}", "message_ref", ref, "duplicate", is_duplicate);
    json_object_set_new (body, "ticket", number ? json_integer ((json_int_t) number)
                                                : json_null ());
    return gateway_http_json (req->conn, is_duplicate ? MHD_HTTP_OK : MHD_HTTP_CREATED, body,
                              NULL, NULL);
}

bool
gateway_api_tickets_route (gateway_api_tickets_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    if (!req->by_token || !req->is_write || !gateway_http_path (req, "tickets", NULL)
        || strcmp (req->method, "POST") != 0)
        return false;
    *out = s_open (self, req);
    return true;
}
