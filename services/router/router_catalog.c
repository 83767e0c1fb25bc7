/* router_catalog: categories from config, with defaults where it is silent. */
#include "router_catalog.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_MAX 64

struct router_catalog_t {
    router_category_t categories[CATALOG_MAX];
    int count;
};

/* For a software company's support, as the support manual describes it. */
static const router_category_t s_defaults[] = {
    {"geral", "Geral (a classificar)", "normal", "N1", "", "General (to classify)"},
    {"acesso", "Acesso e senha", "normal", "N1", "reset-senha", "Login and password"},
    {"duvida", "Dúvida de uso", "baixa", "N1", "", "How-to question"},
    {"configuracao", "Configuração", "normal", "N1", "", "Configuration"},
    {"erro", "Erro no sistema", "alta", "N2", "pedir-print", "System error"},
    {"integracao", "Integrações e API", "normal", "N2", "", "Integrations and API"},
    {"faturamento", "Faturamento", "normal", "N1", "", "Billing"},
    {"seguranca", "Segurança", "urgente", "N3", "", "Security"},
};

int
router_priority_is_valid (const char *p)
{
    return p
           && (strcmp (p, "baixa") == 0 || strcmp (p, "normal") == 0 || strcmp (p, "alta") == 0
               || strcmp (p, "urgente") == 0);
}

int
router_tier_is_valid (const char *t)
{
    return t && (strcmp (t, "N1") == 0 || strcmp (t, "N2") == 0 || strcmp (t, "N3") == 0);
}

int
router_catalog_id_is_valid (const char *id)
{
    size_t n = id ? strlen (id) : 0;
    if (n < 1 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
            return 0;
    return 1;
}

router_catalog_t *
router_catalog_new_from (const router_category_t *items, int n, char *err, size_t size)
{
    if (n < 1 || n > CATALOG_MAX) {
        snprintf (err, size, "router/categories: 1 to %d categories", CATALOG_MAX);
        return NULL;
    }
    router_catalog_t *self = calloc (1, sizeof *self);
    for (int i = 0; i < n; i++) {
        const router_category_t *c = &items[i];
        if (!router_priority_is_valid (c->priority) || !router_tier_is_valid (c->tier)) {
            snprintf (err, size,
                      "router/categories/%s: priority is baixa, normal, alta or urgente; tier is "
                      "N1, N2 or N3",
                      c->id);
            free (self);
            return NULL;
        }
        if (router_catalog_find (self, c->id)) {
            snprintf (err, size, "router/categories/%s: the id is used twice", c->id);
            free (self);
            return NULL;
        }
        self->categories[self->count++] = *c;
        if (!self->categories[i].name_en)
            self->categories[i].name_en = "";
    }
    if (!router_catalog_find (self, "geral")) {
        snprintf (err, size, "router/categories: keep a 'geral' category: new tickets start there");
        free (self);
        return NULL;
    }
    return self;
}

router_catalog_t *
router_catalog_new (bc_config_t *config)
{
    const char *ids[CATALOG_MAX];
    int n = bc_config_children (config, "router/categories", ids, CATALOG_MAX);
    char err[256];
    if (n == 0)
        return router_catalog_new_from (s_defaults, (int) (sizeof s_defaults / sizeof *s_defaults),
                                        err, sizeof err);
    router_category_t items[CATALOG_MAX];
    for (int i = 0; i < n; i++) {
        char key[160];
        router_category_t *c = &items[i];
        c->id = ids[i];
#define S_FIELD(field, dflt)                                                                       \
    snprintf (key, sizeof key, "router/categories/%s/" #field, ids[i]);                           \
    c->field = bc_config_str (config, key, dflt);
        S_FIELD (name, ids[i]);
        S_FIELD (name_en, "");
        S_FIELD (priority, "normal");
        S_FIELD (tier, "N1");
        S_FIELD (procedure, "");
#undef S_FIELD
    }
    router_catalog_t *self = router_catalog_new_from (items, n, err, sizeof err);
    if (!self)
        bc_error ("event=config_invalid reason=\"%s\"", err);
    return self;
}

void
router_catalog_destroy (router_catalog_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

const router_category_t *
router_catalog_find (router_catalog_t *self, const char *id)
{
    for (int i = 0; id && i < self->count; i++)
        if (strcmp (self->categories[i].id, id) == 0)
            return &self->categories[i];
    return NULL;
}

int
router_catalog_count (router_catalog_t *self)
{
    return self->count;
}

const router_category_t *
router_catalog_at (router_catalog_t *self, int index)
{
    return index >= 0 && index < self->count ? &self->categories[index] : NULL;
}
