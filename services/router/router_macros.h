/* router_macros: standard messages agents apply to tickets, from
 * "router/macros" in the config or pt-BR defaults written in the tone of the
 * support manual (acknowledge, paraphrase, a realistic deadline, plain
 * words). Pure: loading and placeholder filling. */
#ifndef ROUTER_MACROS_H
#define ROUTER_MACROS_H

#include "bc_config.h"

typedef struct {
    const char *id;
    const char *name;
    const char *text;     /* with {{cliente.nome}}, {{chamado.numero}}, ... */
    const char *category; /* "" or a category id */
    const char *priority; /* "" or a priority */
    const char *action;   /* "" or a TicketAction action */
    const char *name_en;  /* English versions; "" = the pt-BR one */
    const char *text_en;
} router_macro_t;

typedef struct router_macros_t router_macros_t;

router_macros_t *router_macros_new (bc_config_t *config);
/* These n macros (strings borrowed: they must outlive it); NULL when n is
 * over the limit or an id is used twice. */
router_macros_t *router_macros_new_from (const router_macro_t *items, int n);
void router_macros_destroy (router_macros_t **self_p);
const router_macro_t *router_macros_find (router_macros_t *self, const char *id);
int router_macros_count (router_macros_t *self);
const router_macro_t *router_macros_at (router_macros_t *self, int index);

/* m's name and text for a ticket in language ("en" or "pt-BR"). */
const char *router_macro_name (const router_macro_t *m, const char *language);
const char *router_macro_text (const router_macro_t *m, const char *language);

/* The text with each {{name}} replaced by the value of the same name in
 * names/values (unknown placeholders are left as they are). malloc'd. */
char *router_macro_render (const char *text, const char *const *names, const char *const *values,
                           int count);

#endif
