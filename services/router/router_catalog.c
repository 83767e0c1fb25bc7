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
    {"geral", "Geral (a classificar)", "normal", "N1", ""},
    {"acesso", "Acesso e senha", "normal", "N1", "reset-senha"},
    {"duvida", "Dúvida de uso", "baixa", "N1", ""},
    {"configuracao", "Configuração", "normal", "N1", ""},
    {"erro", "Erro no sistema", "alta", "N2", "pedir-print"},
    {"integracao", "Integrações e API", "normal", "N2", ""},
    {"faturamento", "Faturamento", "normal", "N1", ""},
    {"seguranca", "Segurança", "urgente", "N3", ""},
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

router_catalog_t *
router_catalog_new (bc_config_t *config)
{
    router_catalog_t *self = calloc (1, sizeof *self);
    const char *ids[CATALOG_MAX];
    int n = bc_config_children (config, "router/categories", ids, CATALOG_MAX);
    if (n == 0) {
        memcpy (self->categories, s_defaults, sizeof s_defaults);
        self->count = (int) (sizeof s_defaults / sizeof s_defaults[0]);
        return self;
    }
    for (int i = 0; i < n; i++) {
        char key[160];
        router_category_t *c = &self->categories[self->count];
        c->id = ids[i];
        snprintf (key, sizeof key, "router/categories/%s/name", ids[i]);
        c->name = bc_config_str (config, key, ids[i]);
        snprintf (key, sizeof key, "router/categories/%s/priority", ids[i]);
        c->priority = bc_config_str (config, key, "normal");
        snprintf (key, sizeof key, "router/categories/%s/tier", ids[i]);
        c->tier = bc_config_str (config, key, "N1");
        snprintf (key, sizeof key, "router/categories/%s/procedure", ids[i]);
        c->procedure = bc_config_str (config, key, "");
        if (!router_priority_is_valid (c->priority) || !router_tier_is_valid (c->tier)) {
            bc_error ("event=config_invalid key=router/categories/%s hint=\"priority is baixa, "
                      "normal, alta or urgente; tier is N1, N2 or N3\"",
                      ids[i]);
            free (self);
            return NULL;
        }
        self->count++;
    }
    if (!router_catalog_find (self, "geral")) {
        bc_error ("event=config_invalid key=router/categories hint=\"keep a 'geral' category: new "
                  "tickets start there\"");
        free (self);
        return NULL;
    }
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
