/* router_catalog: ticket categories and priorities. Categories come from the
 * "router/categories" section of the config, or a pt-BR default list for a
 * software company; each has a name, a default priority and the tier a
 * ticket starts in. */
#ifndef ROUTER_CATALOG_H
#define ROUTER_CATALOG_H

#include "bc_config.h"

#include <stddef.h>

typedef struct {
    const char *id;       /* "acesso" */
    const char *name;     /* "Acesso e senha" */
    const char *priority; /* default priority */
    const char *tier;     /* where a ticket of this category starts */
    const char *procedure; /* standard procedure: a macro id, or "" */
    const char *name_en;  /* "Login and password"; "" = name */
} router_category_t;

typedef struct router_catalog_t router_catalog_t;

/* NULL after logging what is wrong in the config. */
router_catalog_t *router_catalog_new (bc_config_t *config);
/* A catalog of these n categories (the strings are borrowed: they must
 * outlive it); NULL with why in err (English) when one breaks a rule. */
router_catalog_t *router_catalog_new_from (const router_category_t *items, int n, char *err,
                                          size_t size);
void router_catalog_destroy (router_catalog_t **self_p);

const router_category_t *router_catalog_find (router_catalog_t *self, const char *id);
int router_catalog_count (router_catalog_t *self);
const router_category_t *router_catalog_at (router_catalog_t *self, int index);

/* 1-32 of a-z, 0-9 and '-', as category and macro ids are. */
int router_catalog_id_is_valid (const char *id);

/* True for baixa, normal, alta, urgente. */
int router_priority_is_valid (const char *priority);
/* True for N1, N2, N3. */
int router_tier_is_valid (const char *tier);

#endif
