/* router_catalog_edit: the categories and macros as the team sees them
 * (ListCategories, ListMacros) and as admins change them at run time
 * (SaveCategory, SaveMacro).
 *
 * The first save copies the lists in effect (the config file's or the
 * embedded defaults) into a Catalog kept in the meta db ("catalog"); from
 * then on that Catalog is the truth, laid in at the first batch after a
 * start (router_catalog_load). A save builds the new lists, checks them as
 * the config's are checked (a 'geral' category; priorities, tiers; every
 * procedure a macro; every macro's category a category) and only then
 * stores them, emits CatalogChanged and swaps them in: a refused save
 * changes nothing. */
#include "router_internal.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME_MAX 80
#define S_TEXT_MAX 8000

/* ---- the lists as messages ---- */

static void
s_category_msg (Balcao__V1__Category *out, const router_category_t *c)
{
    balcao__v1__category__init (out);
    out->id = (char *) c->id;
    out->name = (char *) c->name;
    out->priority = (char *) c->priority;
    out->tier = (char *) c->tier;
    out->procedure = (char *) c->procedure;
    out->name_en = (char *) c->name_en;
}

static void
s_macro_msg (Balcao__V1__Macro *out, const router_macro_t *m)
{
    balcao__v1__macro__init (out);
    out->id = (char *) m->id;
    out->name = (char *) m->name;
    out->text = (char *) m->text;
    out->category = (char *) m->category;
    out->priority = (char *) m->priority;
    out->action = (char *) m->action;
    out->name_en = (char *) m->name_en;
    out->text_en = (char *) m->text_en;
}

static int
s_list_categories (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                   const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) tx, (void) request, (void) payload;
    router_t *self = state;
    int n = router_catalog_count (self->catalog);
    Balcao__V1__Category *items = calloc ((size_t) n + 1, sizeof *items);
    Balcao__V1__Category **ptrs = calloc ((size_t) n + 1, sizeof *ptrs);
    for (int i = 0; i < n; i++) {
        s_category_msg (&items[i], router_catalog_at (self->catalog, i));
        ptrs[i] = &items[i];
    }
    Balcao__V1__CategoryList out = BALCAO__V1__CATEGORY_LIST__INIT;
    out.categories = ptrs;
    out.n_categories = (size_t) n;
    bc_reply_ok (reply, &out.base);
    free (items);
    free (ptrs);
    return 0;
}

static int
s_list_macros (void *state, bc_tx_t *tx, const bc_envelope_t *request,
               const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) tx, (void) request, (void) payload;
    router_t *self = state;
    int n = router_macros_count (self->macros);
    Balcao__V1__Macro *items = calloc ((size_t) n + 1, sizeof *items);
    Balcao__V1__Macro **ptrs = calloc ((size_t) n + 1, sizeof *ptrs);
    for (int i = 0; i < n; i++) {
        s_macro_msg (&items[i], router_macros_at (self->macros, i));
        ptrs[i] = &items[i];
    }
    Balcao__V1__MacroList out = BALCAO__V1__MACRO_LIST__INIT;
    out.macros = ptrs;
    out.n_macros = (size_t) n;
    bc_reply_ok (reply, &out.base);
    free (items);
    free (ptrs);
    return 0;
}

/* ---- building and checking ---- */

int
router_catalog_check (router_catalog_t *catalog, router_macros_t *macros, char *err, size_t size)
{
    for (int i = 0; i < router_catalog_count (catalog); i++) {
        const router_category_t *c = router_catalog_at (catalog, i);
        if (*c->procedure && !router_macros_find (macros, c->procedure)) {
            snprintf (err, size, "router/categories/%s/procedure: '%s' is not a macro", c->id,
                      c->procedure);
            return -1;
        }
    }
    return 0;
}

/* Lists built from stored (which they borrow from), or -1 with err. */
static int
s_build (const Balcao__V1__Catalog *stored, router_catalog_t **catalog, router_macros_t **macros,
         char *err, size_t size)
{
    size_t nc = stored->n_categories, nm = stored->n_macros;
    router_category_t *cats = calloc (nc + 1, sizeof *cats);
    router_macro_t *ms = calloc (nm + 1, sizeof *ms);
    for (size_t i = 0; i < nc; i++) {
        const Balcao__V1__Category *c = stored->categories[i];
        cats[i] = (router_category_t) {c->id, c->name, c->priority, c->tier, c->procedure,
                                       c->name_en};
    }
    for (size_t i = 0; i < nm; i++) {
        const Balcao__V1__Macro *m = stored->macros[i];
        ms[i] = (router_macro_t) {m->id,       m->name,   m->text,    m->category,
                                  m->priority, m->action, m->name_en, m->text_en};
    }
    *catalog = router_catalog_new_from (cats, (int) nc, err, size);
    *macros = router_macros_new_from (ms, (int) nm);
    free (cats);
    free (ms);
    int rc = 0;
    if (!*catalog)
        rc = -1;
    else if (!*macros) {
        snprintf (err, size, "router/macros: at most 64, each id once");
        rc = -1;
    }
    else
        rc = router_catalog_check (*catalog, *macros, err, size);
    if (rc) {
        router_catalog_destroy (catalog);
        router_macros_destroy (macros);
    }
    return rc;
}

/* Swaps in lists built from stored, which self then owns. */
static void
s_swap (router_t *self, Balcao__V1__Catalog *stored, router_catalog_t *catalog,
        router_macros_t *macros)
{
    router_catalog_destroy (&self->catalog);
    router_macros_destroy (&self->macros);
    if (self->catalog_store)
        balcao__v1__catalog__free_unpacked (self->catalog_store, NULL);
    self->catalog = catalog;
    self->macros = macros;
    self->catalog_store = stored;
}

int
router_catalog_load (router_t *self, MDB_txn *txn)
{
    MDB_val k = {7, "catalog"}, v;
    int rc = mdb_get (txn, self->db_meta, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    Balcao__V1__Catalog *stored = balcao__v1__catalog__unpack (NULL, v.mv_size, v.mv_data);
    router_catalog_t *catalog = NULL;
    router_macros_t *macros = NULL;
    char err[256] = "not a Catalog";
    if (!stored || s_build (stored, &catalog, &macros, err, sizeof err)) {
        bc_error ("event=catalog_unusable reason=\"%s\" hint=\"the config file's categories and "
                  "macros apply until an admin saves one\"",
                  err);
        if (stored)
            balcao__v1__catalog__free_unpacked (stored, NULL);
        return 0;
    }
    s_swap (self, stored, catalog, macros);
    bc_info ("event=catalog_loaded categories=%d macros=%d", router_catalog_count (catalog),
             router_macros_count (macros));
    return 0;
}

/* The Catalog in effect now with one category or macro changed (change_cat
 * or change_macro, replaced or added by id; removed when remove), packed
 * and unpacked again so that it owns its strings. */
static Balcao__V1__Catalog *
s_changed (router_t *self, const Balcao__V1__Category *change_cat,
           const Balcao__V1__Macro *change_macro, int remove)
{
    int nc = router_catalog_count (self->catalog), nm = router_macros_count (self->macros);
    Balcao__V1__Category *cats = calloc ((size_t) nc + 1, sizeof *cats);
    Balcao__V1__Category **cptrs = calloc ((size_t) nc + 1, sizeof *cptrs);
    Balcao__V1__Macro *ms = calloc ((size_t) nm + 1, sizeof *ms);
    Balcao__V1__Macro **mptrs = calloc ((size_t) nm + 1, sizeof *mptrs);
    Balcao__V1__Catalog out = BALCAO__V1__CATALOG__INIT;
    int found = 0;
    for (int i = 0; i < nc; i++) {
        s_category_msg (&cats[i], router_catalog_at (self->catalog, i));
        if (change_cat && strcmp (cats[i].id, change_cat->id) == 0) {
            cptrs[out.n_categories++] = (Balcao__V1__Category *) change_cat;
            found = 1;
        }
        else
            cptrs[out.n_categories++] = &cats[i];
    }
    if (change_cat && !found)
        cptrs[out.n_categories++] = (Balcao__V1__Category *) change_cat;
    found = 0;
    for (int i = 0; i < nm; i++) {
        s_macro_msg (&ms[i], router_macros_at (self->macros, i));
        if (change_macro && strcmp (ms[i].id, change_macro->id) == 0) {
            found = 1;
            if (!remove)
                mptrs[out.n_macros++] = (Balcao__V1__Macro *) change_macro;
        }
        else
            mptrs[out.n_macros++] = &ms[i];
    }
    if (change_macro && !found && !remove)
        mptrs[out.n_macros++] = (Balcao__V1__Macro *) change_macro;
    out.categories = cptrs;
    out.macros = mptrs;
    size_t len = balcao__v1__catalog__get_packed_size (&out);
    uint8_t *buf = malloc (len ? len : 1);
    balcao__v1__catalog__pack (&out, buf);
    Balcao__V1__Catalog *copy = balcao__v1__catalog__unpack (NULL, len, buf);
    free (buf);
    free (cats);
    free (cptrs);
    free (ms);
    free (mptrs);
    return copy;
}

/* Checks next, stores it as the catalog (by whom, when), emits the event
 * and swaps it in; a refusal in reply with *refused set. Takes next. */
static int
s_commit (router_t *self, bc_tx_t *tx, Balcao__V1__Catalog *next, const char *kind,
          const char *id, const char *name, int removed, bc_reply_t *reply, int *refused)
{
    *refused = 0;
    router_catalog_t *catalog;
    router_macros_t *macros;
    char err[256];
    if (!next || s_build (next, &catalog, &macros, err, sizeof err)) {
        if (next && strstr (err, "/procedure"))
            bc_reply_error (reply, "invalid",
                            "o procedimento padrão de uma categoria precisa ser uma mensagem "
                            "padrão que existe (%s)",
                            "a category's standard procedure must be an existing macro (%s)", err);
        else
            bc_reply_error (reply, "invalid", "a lista ficaria inválida: %s",
                            "the list would be invalid: %s", next ? err : "?");
        if (next)
            balcao__v1__catalog__free_unpacked (next, NULL);
        *refused = 1;
        return 0;
    }
    next->updated_by = strdup (bc_tx_principal (tx));
    next->updated_us = bc_tx_now_us (tx);
    size_t len = balcao__v1__catalog__get_packed_size (next);
    uint8_t *buf = malloc (len ? len : 1);
    balcao__v1__catalog__pack (next, buf);
    MDB_val k = {7, "catalog"}, v = {len, buf};
    int rc = mdb_put (bc_tx_txn (tx), self->db_meta, &k, &v, 0);
    free (buf);
    if (rc == 0) {
        Balcao__V1__CatalogChanged ev = BALCAO__V1__CATALOG_CHANGED__INIT;
        ev.kind = (char *) kind;
        ev.id = (char *) id;
        ev.name = (char *) name;
        ev.removed = removed;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc) {
        router_catalog_destroy (&catalog);
        router_macros_destroy (&macros);
        balcao__v1__catalog__free_unpacked (next, NULL);
        return rc;
    }
    bc_info ("event=catalog_changed by=%s kind=%s id=%s removed=%d", bc_tx_principal (tx), kind,
             id, removed);
    s_swap (self, next, catalog, macros);
    return 0;
}

/* 1 with a refusal in reply when a field is too long or, for a name or a
 * pt-BR text, empty. */
enum { S_NAME, S_NAME_EN, S_TEXT, S_TEXT_EN };

static int
s_bad_text (bc_reply_t *reply, const char *text, int which)
{
    size_t max = which == S_TEXT || which == S_TEXT_EN ? S_TEXT_MAX : S_NAME_MAX;
    int required = which == S_NAME || which == S_TEXT;
    if ((!required || *text) && strlen (text) <= max)
        return 0;
    if (which == S_NAME)
        bc_reply_error (reply, "invalid", "o nome vai de 1 a %zu caracteres",
                        "the name is 1 to %zu characters", max);
    else if (which == S_NAME_EN)
        bc_reply_error (reply, "invalid", "o nome em inglês tem até %zu caracteres",
                        "the English name is at most %zu characters", max);
    else if (which == S_TEXT)
        bc_reply_error (reply, "invalid", "o texto vai de 1 a %zu caracteres",
                        "the text is 1 to %zu characters", max);
    else
        bc_reply_error (reply, "invalid", "o texto em inglês tem até %zu caracteres",
                        "the English text is at most %zu characters", max);
    return 1;
}

static int
s_refuse_id (bc_reply_t *reply, const char *id)
{
    if (router_catalog_id_is_valid (id))
        return 0;
    bc_reply_error (reply, "invalid",
                    "o identificador tem de 1 a 32 letras minúsculas sem acento, números ou "
                    "hífens (como \"nota-fiscal\")",
                    "the id is 1 to 32 lowercase letters, digits or hyphens (like "
                    "\"nota-fiscal\")");
    return 1;
}

static int
s_admin_only (bc_tx_t *tx, bc_reply_t *reply)
{
    if (strncmp (bc_tx_principal (tx), "admin:", 6) == 0)
        return 0;
    bc_reply_error (reply, "forbidden",
                    "só administradores mudam categorias e mensagens padrão",
                    "only admins change categories and macros");
    return 1;
}

static int
s_save_category (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                 const ProtobufCMessage *payload, bc_reply_t *reply)
{
    router_t *self = state;
    const Balcao__V1__SaveCategory *req = (const Balcao__V1__SaveCategory *) payload;
    const Balcao__V1__Category *c = req->category;
    if (s_admin_only (tx, reply))
        return 0;
    if (!c) {
        bc_reply_error (reply, "invalid", "diga a categoria", "give the category");
        return 0;
    }
    if (s_refuse_id (reply, c->id)
        || s_bad_text (reply, c->name, S_NAME) || s_bad_text (reply, c->name_en, S_NAME_EN))
        return 0;
    if (!router_priority_is_valid (c->priority) || !router_tier_is_valid (c->tier)) {
        bc_reply_error (reply, "invalid",
                        "a prioridade é baixa, normal, alta ou urgente; o nível, N1, N2 ou N3",
                        "priority is baixa, normal, alta or urgente; tier is N1, N2 or N3");
        return 0;
    }
    Balcao__V1__Catalog *next = s_changed (self, c, NULL, 0);
    int refused;
    int rc = s_commit (self, tx, next, "category", c->id, c->name, 0, reply, &refused);
    if (rc == 0 && !refused)
        rc = s_list_categories (self, tx, request, payload, reply);
    return rc;
}

static int
s_save_macro (void *state, bc_tx_t *tx, const bc_envelope_t *request,
              const ProtobufCMessage *payload, bc_reply_t *reply)
{
    router_t *self = state;
    const Balcao__V1__SaveMacro *req = (const Balcao__V1__SaveMacro *) payload;
    const Balcao__V1__Macro *m = req->macro;
    if (s_admin_only (tx, reply))
        return 0;
    if (!m) {
        bc_reply_error (reply, "invalid", "diga a mensagem padrão", "give the macro");
        return 0;
    }
    if (s_refuse_id (reply, m->id))
        return 0;
    const router_macro_t *old = router_macros_find (self->macros, m->id);
    if (req->remove) {
        if (!old) {
            bc_reply_error (reply, "not_found", "não há mensagem padrão '%s'",
                            "there is no macro '%s'", m->id);
            return 0;
        }
        for (int i = 0; i < router_catalog_count (self->catalog); i++) {
            const router_category_t *c = router_catalog_at (self->catalog, i);
            if (strcmp (c->procedure, m->id) == 0) {
                /* Each sentence names the category in its own language. */
                bc_reply_error (reply, "conflict",
                                "a mensagem padrão '%s' é o procedimento da categoria '%s'%.0s; "
                                "troque o procedimento antes de removê-la",
                                "macro '%s' is the procedure of category %.0s'%s'; change that "
                                "first",
                                m->id, c->name, *c->name_en ? c->name_en : c->name);
                return 0;
            }
        }
    }
    else {
        if (s_bad_text (reply, m->name, S_NAME) || s_bad_text (reply, m->name_en, S_NAME_EN)
            || s_bad_text (reply, m->text, S_TEXT) || s_bad_text (reply, m->text_en, S_TEXT_EN))
            return 0;
        if (*m->category && !router_catalog_find (self->catalog, m->category)) {
            bc_reply_error (reply, "invalid",
                            "a categoria de uma mensagem padrão precisa existir (não há '%.32s')",
                            "a macro's category must exist (there is no '%.32s')", m->category);
            return 0;
        }
        if (*m->priority && !router_priority_is_valid (m->priority)) {
            bc_reply_error (reply, "invalid",
                            "a prioridade é vazia, baixa, normal, alta ou urgente",
                            "priority is empty, baixa, normal, alta or urgente");
            return 0;
        }
        /* A macro is a reply to an open ticket: the moves from there. */
        if (*m->action && strcmp (m->action, "request_info") != 0
            && strcmp (m->action, "open") != 0 && strcmp (m->action, "resolve") != 0) {
            bc_reply_error (reply, "invalid",
                            "a ação de uma mensagem padrão é vazia, request_info, open ou "
                            "resolve, não \"%.32s\"",
                            "a macro's action is empty, request_info, open or resolve, not "
                            "\"%.32s\"",
                            m->action);
            return 0;
        }
    }
    Balcao__V1__Catalog *next = s_changed (self, NULL, m, req->remove);
    int refused;
    int rc = s_commit (self, tx, next, "macro", m->id, req->remove && old ? old->name : m->name,
                       req->remove, reply, &refused);
    if (rc == 0 && !refused)
        rc = s_list_macros (self, tx, request, payload, reply);
    return rc;
}

void
router_catalog_edit_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__list_categories__descriptor, 0, s_list_categories);
    bc_service_on_command (svc, &balcao__v1__list_macros__descriptor, 0, s_list_macros);
    bc_service_on_command (svc, &balcao__v1__save_category__descriptor, 1, s_save_category);
    bc_service_on_command (svc, &balcao__v1__save_macro__descriptor, 1, s_save_macro);
}
