/* gateway_desk: the dashboard's reads (see gateway_desk.h). */
#include "gateway_desk.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_clock.h"
#include "bc_taxid.h"
#include "gateway_desk_actions.h"
#include "gateway_desk_json.h"
#include "gateway_parse.h"
#include "gateway_ticket_send.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct gateway_desk_t {
    gateway_bus_t *bus;
};

gateway_desk_t *
gateway_desk_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_desk_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_desk_destroy (gateway_desk_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

enum MHD_Result
gateway_desk_router_error (gateway_req_t *req, int rc, const bc_envelope_t *reply)
{
    return gateway_http_bus_error (req->conn, rc, reply, "router");
}

/* Asks the router request as the caller (gateway_bus_ask). */
static ProtobufCMessage *
s_ask (gateway_bus_t *bus, gateway_req_t *req, const ProtobufCMessage *request,
       const ProtobufCMessageDescriptor *type, enum MHD_Result *out)
{
    return gateway_bus_ask (bus, req, "router", request, type, out);
}

/* The staff's names (principal -> name) and tiers, from the router's
 * ListPeople (three calls), kept for S_NAMES_TTL_MS: every queue page and
 * ticket view needs them, and with hundreds of agents asking each time
 * cost more than the page itself. A new or renamed person shows within
 * that time. Any staff person may list the staff, so one copy serves all
 * (only staff sessions reach these rooms). */
#define S_NAMES_TTL_MS 2000
static pthread_mutex_t s_names_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *s_cached_names, *s_cached_tiers;
static int64_t s_cached_at;

static void
s_names_fetch (gateway_bus_t *bus, const gateway_req_t *req, json_t *names, json_t *tiers)
{
    static const char *const kinds[] = {"agent", "supervisor", "admin"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        Balcao__V1__ListPeople list = BALCAO__V1__LIST_PEOPLE__INIT;
        list.kind = (char *) kinds[k];
        bc_envelope_t *reply = NULL;
        if (gateway_bus_call (bus, "router", req->principal, &list.base, &reply) == BC_OK) {
            Balcao__V1__PersonList *people = (Balcao__V1__PersonList *) bc_envelope_payload (
                reply, &balcao__v1__person_list__descriptor);
            for (size_t i = 0; people && i < people->n_people; i++) {
                const Balcao__V1__Person *p = people->people[i];
                if (*p->name)
                    json_object_set_new (names, p->id, json_string (p->name));
                json_object_set_new (tiers, p->id, json_string (p->tier));
            }
            if (people)
                balcao__v1__person_list__free_unpacked (people, NULL);
        }
        bc_envelope_destroy (&reply);
    }
}

/* The names (a reference for the caller, read only), and the caller's own
 * tier in tier (when not NULL; "" when unknown). Never NULL: an empty
 * object when the router does not list them. */
static json_t *
s_names (gateway_bus_t *bus, const gateway_req_t *req, char tier[8])
{
    json_t *names = NULL, *tiers = NULL;
    pthread_mutex_lock (&s_names_lock);
    if (s_cached_names && bc_mono_ms () - s_cached_at < S_NAMES_TTL_MS
        && (!tier || json_object_get (s_cached_tiers, req->principal))) {
        names = json_incref (s_cached_names);
        tiers = json_incref (s_cached_tiers);
    }
    pthread_mutex_unlock (&s_names_lock);
    if (!names) {
        names = json_object ();
        tiers = json_object ();
        s_names_fetch (bus, req, names, tiers);
        pthread_mutex_lock (&s_names_lock);
        json_decref (s_cached_names);
        json_decref (s_cached_tiers);
        s_cached_names = json_incref (names);
        s_cached_tiers = json_incref (tiers);
        s_cached_at = bc_mono_ms ();
        pthread_mutex_unlock (&s_names_lock);
    }
    if (tier) {
        const char *own = json_string_value (json_object_get (tiers, req->principal));
        snprintf (tier, 8, "%s", own ? own : "");
    }
    json_decref (tiers);
    return names;
}

static enum MHD_Result
s_invalid (gateway_req_t *req, const char *pt, const char *en)
{
    return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", pt, en);
}

static enum MHD_Result
s_method_not_allowed (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                               "este endereço não aceita este método",
                               "this address does not take this method");
}

static const char *
s_arg (const gateway_req_t *req, const char *name)
{
    const char *v = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

/* A query's whole number in [min, max], def when absent. */
static bool
s_arg_number (const gateway_req_t *req, const char *name, unsigned min, unsigned max,
              unsigned def, unsigned *out)
{
    const char *v = s_arg (req, name);
    *out = def;
    if (!*v)
        return true;
    if (strlen (v) > 6 || strspn (v, "0123456789") != strlen (v))
        return false;
    unsigned long n = strtoul (v, NULL, 10);
    *out = (unsigned) n;
    return n >= min && n <= max;
}

/* GET /desk/counts. */
static enum MHD_Result
s_counts (gateway_desk_t *self, gateway_req_t *req)
{
    Balcao__V1__GetQueueCounts get = BALCAO__V1__GET_QUEUE_COUNTS__INIT;
    enum MHD_Result out;
    Balcao__V1__QueueCounts *c = (Balcao__V1__QueueCounts *) s_ask (
        self->bus, req, &get.base, &balcao__v1__queue_counts__descriptor, &out);
    if (!c)
        return out;
    json_t *body = json_pack ("{s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I}}", "N1",
                              (json_int_t) c->n1, "N2", (json_int_t) c->n2, "N3",
                              (json_int_t) c->n3, "mine", (json_int_t) c->mine, "waiting",
                              (json_int_t) c->waiting, "open", "N1", (json_int_t) c->open_n1,
                              "N2", (json_int_t) c->open_n2, "N3", (json_int_t) c->open_n3);
    balcao__v1__queue_counts__free_unpacked (c, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

/* GET /desk/queue?view=&tier=&category=&priority=&channel=&customer=
 * &organization=&offset=&limit=. */
static enum MHD_Result
s_queue (gateway_desk_t *self, gateway_req_t *req)
{
    const char *view = s_arg (req, "view"), *tier = s_arg (req, "tier");
    if (*view && strcmp (view, "tier") != 0 && strcmp (view, "mine") != 0 &&
        strcmp (view, "waiting") != 0 && strcmp (view, "open") != 0)
        return s_invalid (req, "view é tier, mine, waiting ou open",
                          "view is tier, mine, waiting or open");
    if (*tier && strcmp (tier, "N1") != 0 && strcmp (tier, "N2") != 0 && strcmp (tier, "N3") != 0)
        return s_invalid (req, "tier é N1, N2 ou N3", "tier is N1, N2 or N3");
    unsigned limit, offset;
    if (!s_arg_number (req, "limit", 1, 200, 50, &limit))
        return s_invalid (req, "limit é um número de 1 a 200", "limit is a number from 1 to 200");
    if (!s_arg_number (req, "offset", 0, 10000, 0, &offset))
        return s_invalid (req, "offset é um número de 0 a 10000",
                          "offset is a number from 0 to 10000");
    char own_tier[8];
    json_t *names = s_names (self->bus, req, own_tier);
    Balcao__V1__GetQueue get = BALCAO__V1__GET_QUEUE__INIT;
    get.view = (char *) (*view ? view : "tier");
    get.tier = (char *) (*tier ? tier : own_tier);
    get.category = (char *) s_arg (req, "category");
    get.priority = (char *) s_arg (req, "priority");
    get.channel = (char *) s_arg (req, "channel");
    get.customer = (char *) s_arg (req, "customer");
    get.organization = (char *) s_arg (req, "organization");
    get.limit = limit;
    get.offset = offset;
    enum MHD_Result out;
    Balcao__V1__TicketList *list = (Balcao__V1__TicketList *) s_ask (
        self->bus, req, &get.base, &balcao__v1__ticket_list__descriptor, &out);
    if (!list) {
        json_decref (names);
        return out;
    }
    int64_t now = bc_now_us ();
    json_t *tickets = json_array ();
    for (size_t i = 0; i < list->n_tickets; i++)
        json_array_append_new (tickets, gateway_desk_summary (list->tickets[i], names, now));
    json_t *body = json_pack ("{s:o, s:I, s:b}", "tickets", tickets, "total",
                              (json_int_t) list->total, "truncated", list->truncated);
    balcao__v1__ticket_list__free_unpacked (list, NULL);
    json_decref (names);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

/* Newest first. */
static int
s_newer_first (const void *a, const void *b)
{
    json_int_t x = json_integer_value (json_object_get (*(json_t *const *) a, "created_us"));
    json_int_t y = json_integer_value (json_object_get (*(json_t *const *) b, "created_us"));
    return x < y ? 1 : x > y ? -1 : 0;
}

/* GET /desk/chats: the live web chats (open tickets of channel "chat"
 * whose visitor is still there, chat_ended_us 0), newest first, with the
 * visitor's name, since when they wait for a first answer and why the bot
 * handed them on. The router's open views filtered by channel, one per
 * tier. */
static enum MHD_Result
s_chats (gateway_desk_t *self, gateway_req_t *req)
{
    static const char *const tiers[] = {"N1", "N2", "N3"};
    char own_tier[8];
    json_t *names = s_names (self->bus, req, own_tier);
    json_t *found = json_array ();
    int64_t now = bc_now_us ();
    for (size_t i = 0; i < sizeof tiers / sizeof *tiers; i++) {
        Balcao__V1__GetQueue get = BALCAO__V1__GET_QUEUE__INIT;
        get.view = "open";
        get.tier = (char *) tiers[i];
        get.channel = "chat";
        get.limit = 200;
        enum MHD_Result out;
        Balcao__V1__TicketList *list = (Balcao__V1__TicketList *) s_ask (
            self->bus, req, &get.base, &balcao__v1__ticket_list__descriptor, &out);
        if (!list) {
            json_decref (names);
            json_decref (found);
            return out;
        }
        for (size_t k = 0; k < list->n_tickets; k++) {
            const Balcao__V1__Ticket *t = list->tickets[k];
            if (t->chat_ended_us || strcmp (t->channel, "chat") != 0)
                continue;
            json_t *one = gateway_desk_summary (t, names, now);
            json_object_set_new (one, "conversation", json_string (t->conversation));
            json_object_set_new (one, "handoff_reason", json_string (t->handoff_reason));
            json_object_set_new (one, "visitor",
                                 json_string (*t->customer_name ? t->customer_name
                                                                : t->customer_address));
            json_object_set_new (one, "waiting_since",
                                 t->first_response_us ? json_null ()
                                                      : gateway_http_time (t->created_us));
            json_object_set_new (one, "created_us", json_integer ((json_int_t) t->created_us));
            json_array_append_new (found, one);
        }
        balcao__v1__ticket_list__free_unpacked (list, NULL);
    }
    json_decref (names);
    size_t n = json_array_size (found);
    json_t **items = calloc (n ? n : 1, sizeof *items);
    for (size_t i = 0; items && i < n; i++)
        items[i] = json_incref (json_array_get (found, i));
    if (items)
        qsort (items, n, sizeof *items, s_newer_first);
    json_t *chats = json_array ();
    for (size_t i = 0; items && i < n; i++) {
        json_object_del (items[i], "created_us");
        json_array_append_new (chats, items[i]);
    }
    free (items);
    json_decref (found);
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "chats", chats), NULL,
                              NULL);
}

/* The customer's CPF or CNPJ, when the router has one for them, into the
 * ticket view's "customer" (the router lists people to the support team
 * only; a failure leaves it out). */
static void
s_customer_tax_id (gateway_bus_t *bus, gateway_req_t *req, const char *address, json_t *customer)
{
    if (!*address || !json_is_object (customer))
        return;
    /* Their whole id: the router looks that one person up (no walk). */
    char id[GATEWAY_ADDRESS_MAX + 16];
    snprintf (id, sizeof id, "customer:%s", address);
    Balcao__V1__ListPeople lp = BALCAO__V1__LIST_PEOPLE__INIT;
    lp.kind = "customer";
    lp.query = id;
    bc_envelope_t *reply = NULL;
    if (gateway_bus_call (bus, "router", req->principal, &lp.base, &reply) != BC_OK) {
        bc_envelope_destroy (&reply);
        return;
    }
    Balcao__V1__PersonList *list = (Balcao__V1__PersonList *) bc_envelope_payload (
        reply, &balcao__v1__person_list__descriptor);
    bc_envelope_destroy (&reply);
    for (size_t i = 0; list && i < list->n_people; i++) {
        const Balcao__V1__Person *p = list->people[i];
        if (strncmp (p->id, "customer:", 9) != 0 || strcasecmp (p->id + 9, address) != 0
            || !*p->tax_id)
            continue;
        char formatted[BC_TAXID_FORMATTED_SIZE];
        json_object_set_new (customer, "tax_id", json_string (p->tax_id));
        json_object_set_new (customer, "tax_id_formatted",
                             json_string (bc_taxid_format (p->tax_id, formatted, sizeof formatted)));
        break;
    }
    if (list)
        balcao__v1__person_list__free_unpacked (list, NULL);
}

/* GetTicket as the caller, or NULL with *out set. */
static Balcao__V1__Ticket *
s_ticket (gateway_bus_t *bus, gateway_req_t *req, uint64_t number, enum MHD_Result *out)
{
    Balcao__V1__GetTicket get = BALCAO__V1__GET_TICKET__INIT;
    get.number = number;
    return (Balcao__V1__Ticket *) s_ask (bus, req, &get.base, &balcao__v1__ticket__descriptor,
                                         out);
}

enum MHD_Result
gateway_desk_answer_ticket (gateway_bus_t *bus, gateway_req_t *req, unsigned status,
                            uint64_t number)
{
    enum MHD_Result out;
    Balcao__V1__Ticket *t = s_ticket (bus, req, number, &out);
    if (!t)
        return out;
    Balcao__V1__GetHistory gh = BALCAO__V1__GET_HISTORY__INIT;
    gh.number = number;
    Balcao__V1__History *history = (Balcao__V1__History *) s_ask (
        bus, req, &gh.base, &balcao__v1__history__descriptor, &out);
    if (!history) {
        balcao__v1__ticket__free_unpacked (t, NULL);
        return out;
    }
    /* The customer's other tickets: one more than shown, as this one is
     * among them. */
    Balcao__V1__ListTickets lt = BALCAO__V1__LIST_TICKETS__INIT;
    lt.customer = t->customer_address;
    lt.limit = 21;
    Balcao__V1__TicketList *others =
        *t->customer_address ? (Balcao__V1__TicketList *) s_ask (
                                   bus, req, &lt.base, &balcao__v1__ticket_list__descriptor, &out)
                             : NULL;
    if (!others && *t->customer_address) {
        balcao__v1__history__free_unpacked (history, NULL);
        balcao__v1__ticket__free_unpacked (t, NULL);
        return out;
    }
    json_t *names = s_names (bus, req, NULL);
    json_t *body = gateway_desk_ticket (t, history, others, names, bc_now_us ());
    json_decref (names);
    if (body)
        s_customer_tax_id (bus, req, t->customer_address,
                           json_object_get (body, "customer"));
    if (others)
        balcao__v1__ticket_list__free_unpacked (others, NULL);
    balcao__v1__history__free_unpacked (history, NULL);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return body ? gateway_http_json (req->conn, status, body, NULL, NULL)
                : gateway_http_unexpected (req->conn, "router");
}

static enum MHD_Result
s_file_not_found (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_NOT_FOUND, "not_found",
                               "arquivo não encontrado", "no such file");
}

/* GET /desk/tickets/N/attachments/SHA256: a file on any message of a
 * ticket the caller may read (internal notes too), under the name that
 * message gave it. */
static enum MHD_Result
s_file (gateway_desk_t *self, gateway_req_t *req, uint64_t number, const char *sha256)
{
    if (!gateway_parse_sha256 (sha256))
        return s_file_not_found (req);
    enum MHD_Result out;
    Balcao__V1__Ticket *t = s_ticket (self->bus, req, number, &out);
    if (!t)
        return out;
    const Balcao__V1__Attachment *meta = NULL;
    for (size_t i = 0; !meta && i < t->n_messages; i++)
        for (size_t j = 0; !meta && j < t->messages[i]->n_attachments; j++)
            if (strcmp (t->messages[i]->attachments[j]->sha256, sha256) == 0)
                meta = t->messages[i]->attachments[j];
    if (!meta) {
        balcao__v1__ticket__free_unpacked (t, NULL);
        return s_file_not_found (req);
    }
    out = gateway_ticket_file (self->bus, req, sha256, meta);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return out;
}

/* GET /desk/macros. */
static enum MHD_Result
s_macros (gateway_desk_t *self, gateway_req_t *req)
{
    Balcao__V1__ListMacros get = BALCAO__V1__LIST_MACROS__INIT;
    enum MHD_Result out;
    Balcao__V1__MacroList *list = (Balcao__V1__MacroList *) s_ask (
        self->bus, req, &get.base, &balcao__v1__macro_list__descriptor, &out);
    if (!list)
        return out;
    json_t *macros = json_array ();
    for (size_t i = 0; i < list->n_macros; i++)
        json_array_append_new (macros, gateway_desk_macro_json (list->macros[i]));
    balcao__v1__macro_list__free_unpacked (list, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, json_pack ("{s:o}", "macros", macros), NULL,
                              NULL);
}

/* GET /desk/tickets/N/macros/ID/preview ("-": the category's procedure). */
static enum MHD_Result
s_preview (gateway_desk_t *self, gateway_req_t *req, uint64_t number, const char *rest)
{
    char id[128];
    size_t n = strcspn (rest, "/");
    if (n == 0 || n >= sizeof id || strcmp (rest + n, "/preview") != 0)
        return gateway_http_no_such_page (req->conn);
    memcpy (id, rest, n);
    id[n] = 0;
    Balcao__V1__PreviewMacro get = BALCAO__V1__PREVIEW_MACRO__INIT;
    get.number = number;
    get.macro = strcmp (id, "-") == 0 ? "" : id;
    enum MHD_Result out;
    Balcao__V1__MacroPreview *p = (Balcao__V1__MacroPreview *) s_ask (
        self->bus, req, &get.base, &balcao__v1__macro_preview__descriptor, &out);
    if (!p)
        return out;
    json_t *body = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s}", "macro", p->macro, "name",
                              p->name, "text", p->text, "category", p->category, "priority",
                              p->priority, "action", p->action);
    balcao__v1__macro_preview__free_unpacked (p, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

static enum MHD_Result
s_ticket_not_found (gateway_req_t *req)
{
    return gateway_http_error (req->conn, MHD_HTTP_NOT_FOUND, "not_found",
                               "chamado não encontrado", "no such ticket");
}

/* desk/tickets/<rest>. */
static enum MHD_Result
s_one (gateway_desk_t *self, gateway_req_t *req, const char *rest)
{
    char digits[24];
    size_t n = strcspn (rest, "/");
    uint64_t number;
    if (n == 0 || n >= sizeof digits)
        return s_ticket_not_found (req);
    memcpy (digits, rest, n);
    digits[n] = 0;
    if (!gateway_parse_ticket_number (digits, &number))
        return s_ticket_not_found (req);
    const char *what = rest[n] ? rest + n + 1 : "";
    if (!*what)
        return req->is_write ? s_method_not_allowed (req)
                             : gateway_desk_answer_ticket (self->bus, req, MHD_HTTP_OK, number);
    if (strncmp (what, "attachments/", 12) == 0)
        return req->is_write ? s_method_not_allowed (req) : s_file (self, req, number, what + 12);
    if (strncmp (what, "macros/", 7) == 0)
        return req->is_write ? s_method_not_allowed (req) : s_preview (self, req, number, what + 7);
    enum MHD_Result out;
    if (gateway_desk_action (self->bus, req, number, what, &out))
        return out;
    return gateway_http_no_such_page (req->conn);
}

bool
gateway_desk_route (gateway_desk_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    const char *rest = NULL;
    bool is_counts = gateway_http_path (req, "desk/counts", NULL);
    bool is_queue = gateway_http_path (req, "desk/queue", NULL);
    bool is_macros = gateway_http_path (req, "desk/macros", NULL);
    bool is_ticket = gateway_http_path (req, "desk/tickets/*", &rest);
    bool is_chats = gateway_http_path (req, "desk/chats", NULL);
    if (!is_counts && !is_queue && !is_macros && !is_ticket && !is_chats)
        return false;
    if (!gateway_http_staff_only (req, out))
        return true;
    if (is_ticket)
        *out = s_one (self, req, rest);
    else if (req->is_write)
        *out = s_method_not_allowed (req);
    else
        *out = is_counts  ? s_counts (self, req)
               : is_queue ? s_queue (self, req)
               : is_chats ? s_chats (self, req)
                          : s_macros (self, req);
    return true;
}
