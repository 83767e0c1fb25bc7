/* gateway_desk_admin: the settings, categories and macros, and outbox pages of the dashboard (see
 * the header). The gateway forwards as the signed-in person; the router
 * owns the settings and categories, notify the outbox. */
#include "gateway_desk_admin.h"

#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "gateway_desk_json.h"
#include "gateway_ticket_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CHANGES_MAX 32

struct gateway_desk_admin_t {
    gateway_bus_t *bus;
};

gateway_desk_admin_t *
gateway_desk_admin_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_desk_admin_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_desk_admin_destroy (gateway_desk_admin_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

/* Calls service as the caller and returns the reply's payload of type, or
 * NULL with the answer sent in *out. */
static ProtobufCMessage *
s_call (gateway_desk_admin_t *self, const gateway_req_t *req, const char *service,
        const ProtobufCMessage *msg, const ProtobufCMessageDescriptor *type, enum MHD_Result *out)
{
    return gateway_bus_ask (self->bus, req, service, msg, type, out);
}

static enum MHD_Result
s_settings_answer (gateway_desk_admin_t *self, const gateway_req_t *req,
                   Balcao__V1__Settings *s)
{
    enum MHD_Result out = MHD_NO;
    Balcao__V1__ListCategories lc = BALCAO__V1__LIST_CATEGORIES__INIT;
    Balcao__V1__CategoryList *cats = (Balcao__V1__CategoryList *) s_call (
        self, req, "router", &lc.base, &balcao__v1__category_list__descriptor, &out);
    if (!cats)
        return out;
    json_t *settings = json_array (), *categories = json_array ();
    for (size_t i = 0; i < s->n_settings; i++) {
        int changed = 0;
        for (size_t j = 0; j < s->n_changed_keys; j++)
            changed |= strcmp (s->changed_keys[j], s->settings[i]->key) == 0;
        json_array_append_new (settings, json_pack ("{s:s, s:s, s:b}", "key", s->settings[i]->key,
                                                    "value", s->settings[i]->value, "changed",
                                                    changed));
    }
    for (size_t i = 0; i < cats->n_categories; i++) {
        const Balcao__V1__Category *c = cats->categories[i];
        json_array_append_new (categories, gateway_desk_category_json (c));
    }
    json_t *body = json_pack ("{s:o, s:s, s:s, s:o, s:o}", "settings", settings, "time_zone",
                              s->time_zone, "updated_by", s->updated_by, "updated_at",
                              gateway_http_time (s->updated_us), "categories", categories);
    balcao__v1__category_list__free_unpacked (cats, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

static enum MHD_Result
s_settings (gateway_desk_admin_t *self, const gateway_req_t *req)
{
    enum MHD_Result out = MHD_NO;
    Balcao__V1__Settings *s;
    if (!req->is_write) {
        Balcao__V1__GetSettings gs = BALCAO__V1__GET_SETTINGS__INIT;
        s = (Balcao__V1__Settings *) s_call (self, req, "router", &gs.base,
                                             &balcao__v1__settings__descriptor, &out);
    }
    else {
        json_t *changes = req->body_json ? json_object_get (req->body_json, "changes") : NULL;
        size_t n = json_is_object (changes) ? json_object_size (changes) : 0;
        if (n == 0 || n > S_CHANGES_MAX)
            return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                       "envie {\"changes\": {\"chave\": \"valor\"}} com o que "
                                       "muda",
                                       "send {\"changes\": {\"key\": \"value\"}} with what changes");
        Balcao__V1__Setting items[S_CHANGES_MAX], *ptrs[S_CHANGES_MAX];
        size_t i = 0;
        const char *key;
        json_t *value;
        json_object_foreach (changes, key, value) {
            if (!json_is_string (value))
                return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                           "cada valor é um texto (\"4h\", \"08:00-18:00\", "
                                           "\"\")",
                                           "each value is a string (\"4h\", \"08:00-18:00\", "
                                           "\"\")");
            balcao__v1__setting__init (&items[i]);
            items[i].key = (char *) key;
            items[i].value = (char *) json_string_value (value);
            ptrs[i] = &items[i];
            i++;
        }
        Balcao__V1__UpdateSettings us = BALCAO__V1__UPDATE_SETTINGS__INIT;
        us.changes = ptrs;
        us.n_changes = i;
        s = (Balcao__V1__Settings *) s_call (self, req, "router", &us.base,
                                             &balcao__v1__settings__descriptor, &out);
    }
    if (!s)
        return out;
    out = s_settings_answer (self, req, s);
    balcao__v1__settings__free_unpacked (s, NULL);
    return out;
}

/* ---- categories and macros (router SaveCategory, SaveMacro) ---- */

static json_t *
s_categories_json (const Balcao__V1__CategoryList *l)
{
    json_t *a = json_array ();
    for (size_t i = 0; i < l->n_categories; i++)
        json_array_append_new (a, gateway_desk_category_json (l->categories[i]));
    return json_pack ("{s:o}", "categories", a);
}

static json_t *
s_macros_json (const Balcao__V1__MacroList *l)
{
    json_t *a = json_array ();
    for (size_t i = 0; i < l->n_macros; i++)
        json_array_append_new (a, gateway_desk_macro_json (l->macros[i]));
    return json_pack ("{s:o}", "macros", a);
}

/* Reads the text fields of body into fields (as the router names them);
 * false with the answer sent when one is not text. */
static bool
s_fields (const gateway_req_t *req, const char *const *names, const size_t *max,
          const bool *multiline, const char **values, size_t n, enum MHD_Result *out)
{
    for (size_t i = 0; i < n; i++) {
        gateway_ticket_why_t why;
        if (!gateway_ticket_text (req->body_json, names[i], 0, max[i], multiline[i], false,
                                  &values[i], &why)) {
            *out = gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid", why.pt, why.en);
            return false;
        }
    }
    return true;
}

/* GET /desk/categories; POST /desk/categories/ID {name, name_en, priority,
 * tier, procedure}. */
static enum MHD_Result
s_category (gateway_desk_admin_t *self, const gateway_req_t *req, const char *id)
{
    enum MHD_Result out = MHD_NO;
    Balcao__V1__CategoryList *l;
    if (!id) {
        Balcao__V1__ListCategories lc = BALCAO__V1__LIST_CATEGORIES__INIT;
        l = (Balcao__V1__CategoryList *) s_call (self, req, "router", &lc.base,
                                                 &balcao__v1__category_list__descriptor, &out);
    }
    else {
        static const char *const names[] = {"name", "name_en", "priority", "tier", "procedure"};
        static const size_t max[] = {80, 80, 16, 4, 64};
        static const bool multiline[] = {false, false, false, false, false};
        const char *v[5];
        if (!s_fields (req, names, max, multiline, v, 5, &out))
            return out;
        Balcao__V1__Category c = BALCAO__V1__CATEGORY__INIT;
        c.id = (char *) id;
        c.name = (char *) v[0];
        c.name_en = (char *) v[1];
        c.priority = (char *) v[2];
        c.tier = (char *) v[3];
        c.procedure = (char *) v[4];
        Balcao__V1__SaveCategory sc = BALCAO__V1__SAVE_CATEGORY__INIT;
        sc.category = &c;
        l = (Balcao__V1__CategoryList *) s_call (self, req, "router", &sc.base,
                                                 &balcao__v1__category_list__descriptor, &out);
    }
    if (!l)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_OK, s_categories_json (l), NULL, NULL);
    balcao__v1__category_list__free_unpacked (l, NULL);
    return out;
}

/* POST /desk/macros/ID {name, name_en, text, text_en, category, priority,
 * action} or {"remove": true}. */
static enum MHD_Result
s_macro (gateway_desk_admin_t *self, const gateway_req_t *req, const char *id)
{
    enum MHD_Result out = MHD_NO;
    static const char *const names[] = {"name",     "name_en",  "text",  "text_en",
                                        "category", "priority", "action"};
    static const size_t max[] = {80, 80, 8000, 8000, 32, 16, 32};
    static const bool multiline[] = {false, false, true, true, false, false, false};
    const char *v[7];
    if (!s_fields (req, names, max, multiline, v, 7, &out))
        return out;
    json_t *remove = req->body_json ? json_object_get (req->body_json, "remove") : NULL;
    if (remove && !json_is_boolean (remove))
        return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "\"remove\" é true ou false", "\"remove\" is true or false");
    Balcao__V1__Macro m = BALCAO__V1__MACRO__INIT;
    m.id = (char *) id;
    m.name = (char *) v[0];
    m.name_en = (char *) v[1];
    m.text = (char *) v[2];
    m.text_en = (char *) v[3];
    m.category = (char *) v[4];
    m.priority = (char *) v[5];
    m.action = (char *) v[6];
    Balcao__V1__SaveMacro sm = BALCAO__V1__SAVE_MACRO__INIT;
    sm.macro = &m;
    sm.remove = remove && json_is_true (remove);
    Balcao__V1__MacroList *l = (Balcao__V1__MacroList *) s_call (
        self, req, "router", &sm.base, &balcao__v1__macro_list__descriptor, &out);
    if (!l)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_OK, s_macros_json (l), NULL, NULL);
    balcao__v1__macro_list__free_unpacked (l, NULL);
    return out;
}

/* An id as the router takes it (1-32 of a-z, 0-9, '-'; the router checks
 * again): anything else is no page. */
static bool
s_id_ok (const char *id)
{
    size_t n = strlen (id);
    return n >= 1 && n <= 32 && strspn (id, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static json_t *
s_item_json (const Balcao__V1__OutboxItem *it)
{
    return json_pack ("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:s, s:I}", "id",
                      it->notification_id, "ticket", (json_int_t) it->ticket, "kind", it->kind,
                      "recipient", it->recipient, "subject", it->subject, "state", it->state,
                      "attempts", (json_int_t) it->attempts, "queued_at",
                      gateway_http_time (it->queued_us), "next_attempt_at",
                      gateway_http_time (it->next_attempt_us), "last_attempt_at",
                      gateway_http_time (it->last_attempt_us), "last_error", it->last_error,
                      "last_code", (json_int_t) it->last_code);
}

static enum MHD_Result
s_outbox (gateway_desk_admin_t *self, const gateway_req_t *req)
{
    enum MHD_Result out = MHD_NO;
    const char *state = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "state");
    const char *limit = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "limit");
    Balcao__V1__ListOutbox lo = BALCAO__V1__LIST_OUTBOX__INIT;
    lo.filter = (char *) (state ? state : "");
    if (limit) {
        char *end;
        long n = strtol (limit, &end, 10);
        if (end == limit || *end || n < 1 || n > 1000)
            return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                       "limit vai de 1 a 1000", "limit is 1 to 1000");
        lo.limit = (uint32_t) n;
    }
    Balcao__V1__OutboxList *l = (Balcao__V1__OutboxList *) s_call (
        self, req, "notify", &lo.base, &balcao__v1__outbox_list__descriptor, &out);
    if (!l)
        return out;
    json_t *items = json_array ();
    for (size_t i = 0; i < l->n_items; i++)
        json_array_append_new (items, s_item_json (l->items[i]));
    json_t *body = json_pack ("{s:o, s:I, s:I, s:I, s:I, s:I}", "items", items, "pending",
                              (json_int_t) l->pending, "retrying", (json_int_t) l->retrying,
                              "dead", (json_int_t) l->dead, "skipped_robot",
                              (json_int_t) l->skipped_robot, "skipped_ack_rate",
                              (json_int_t) l->skipped_ack_rate);
    balcao__v1__outbox_list__free_unpacked (l, NULL);
    return gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
}

static enum MHD_Result
s_resend (gateway_desk_admin_t *self, const gateway_req_t *req, const char *id)
{
    enum MHD_Result out = MHD_NO;
    Balcao__V1__ResendNotification rn = BALCAO__V1__RESEND_NOTIFICATION__INIT;
    rn.notification_id = (char *) id;
    Balcao__V1__OutboxItem *it = (Balcao__V1__OutboxItem *) s_call (
        self, req, "notify", &rn.base, &balcao__v1__outbox_item__descriptor, &out);
    if (!it)
        return out;
    out = gateway_http_json (req->conn, MHD_HTTP_OK, s_item_json (it), NULL, NULL);
    balcao__v1__outbox_item__free_unpacked (it, NULL);
    return out;
}

static enum MHD_Result
s_method (const gateway_req_t *req, const char *pt, const char *en)
{
    return gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", pt,
                               en);
}

bool
gateway_desk_admin_route (gateway_desk_admin_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    const char *rest = NULL;
    bool settings = gateway_http_path (req, "desk/settings", NULL);
    bool outbox = gateway_http_path (req, "desk/outbox", NULL);
    bool resend = !outbox && gateway_http_path (req, "desk/outbox/*", &rest);
    bool categories = gateway_http_path (req, "desk/categories", NULL);
    const char *cat_id = NULL, *macro_id = NULL;
    bool category = !categories && gateway_http_path (req, "desk/categories/*", &cat_id);
    bool macro = gateway_http_path (req, "desk/macros/*", &macro_id);
    if (!settings && !outbox && !resend && !categories && !category && !macro)
        return false;
    if (!gateway_http_staff_only (req, out))
        return true;
    if (categories)
        *out = req->is_write ? s_method (req, "salve uma categoria em /desk/categories/ID",
                                         "save a category at /desk/categories/ID")
                             : s_category (self, req, NULL);
    else if (category || macro) {
        const char *id = category ? cat_id : macro_id;
        if (!s_id_ok (id))
            *out = gateway_http_no_such_page (req->conn);
        else if (!req->is_write)
            *out = s_method (req, "salvar é um POST", "saving is a POST");
        else
            *out = category ? s_category (self, req, id) : s_macro (self, req, id);
    }
    else if (settings)
        *out = s_settings (self, req);
    else if (outbox)
        *out = req->is_write ? s_method (req, "a caixa de saída só se lê (GET)",
                                         "the outbox is only read (GET)")
                             : s_outbox (self, req);
    else {
        /* ID/resend, the id as notify names it (letters, digits, '-', '_', '.'). */
        size_t len = strlen (rest);
        const char *suffix = "/resend";
        size_t sl = strlen (suffix);
        bool ok = len > sl && len - sl < 128 && strcmp (rest + len - sl, suffix) == 0;
        for (size_t i = 0; ok && i < len - sl; i++)
            ok = strchr ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
                         rest[i]) != NULL;
        if (!ok)
            *out = gateway_http_no_such_page (req->conn);
        else if (!req->is_write)
            *out = s_method (req, "reenviar é um POST", "resending is a POST");
        else {
            char id[128];
            snprintf (id, sizeof id, "%.*s", (int) (len - sl), rest);
            *out = s_resend (self, req, id);
        }
    }
    return true;
}
