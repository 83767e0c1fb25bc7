/* router_lifecycle: the transition table. */
#include "router_lifecycle.h"

#include <stdio.h>
#include <string.h>

static const char *const s_statuses[] = {"novo",      "aberto",  "aguardando_cliente",
                                         "resolvido", "fechado", "reaberto"};
#define NSTATUS 6

static const char *const s_actions[] = {"open",   "request_info", "resolve", "accept",
                                        "reject", "reopen",       "close",   "customer_reply"};

/* s_next[status][action]: the new status, or NULL when illegal. */
static const char *const s_next[NSTATUS][ROUTER_ACTION_COUNT] = {
    /*                   open      request_info          resolve      accept     reject      reopen      close      customer_reply */
    /* novo */         {"aberto", "aguardando_cliente", "resolvido", NULL,      NULL,       NULL,       NULL,      "novo"},
    /* aberto */       {NULL,     "aguardando_cliente", "resolvido", NULL,      NULL,       NULL,       NULL,      "aberto"},
    /* aguardando */   {"aberto", NULL,                 "resolvido", NULL,      NULL,       NULL,       NULL,      "aberto"},
    /* resolvido */    {NULL,     NULL,                 NULL,        "fechado", "reaberto", "reaberto", "fechado", "resolvido"},
    /* fechado */      {NULL,     NULL,                 NULL,        NULL,      NULL,       "reaberto", NULL,      "fechado"},
    /* reaberto */     {"aberto", "aguardando_cliente", "resolvido", NULL,      NULL,       NULL,       NULL,      "reaberto"},
};

static int
s_status_index (const char *status)
{
    for (int i = 0; i < NSTATUS; i++)
        if (status && strcmp (status, s_statuses[i]) == 0)
            return i;
    return -1;
}

int
router_action_parse (const char *name)
{
    for (int i = 0; i < ROUTER_CUSTOMER_REPLY; i++)
        if (name && strcmp (name, s_actions[i]) == 0)
            return i;
    return -1;
}

const char *
router_action_name (router_action_t action)
{
    return action < ROUTER_ACTION_COUNT ? s_actions[action] : "?";
}

int
router_status_is_valid (const char *status)
{
    return s_status_index (status) >= 0;
}

const char *
router_lifecycle_next (const char *status, router_action_t action)
{
    int i = s_status_index (status);
    if (i < 0 || action >= ROUTER_ACTION_COUNT)
        return NULL;
    return s_next[i][action];
}

const char *
router_lifecycle_sources (router_action_t action, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < NSTATUS && action < ROUTER_ACTION_COUNT; i++)
        if (s_next[i][action]) {
            int n = snprintf (buf + used, size - used, "%s%s", used ? ", " : "", s_statuses[i]);
            if (n < 0 || (size_t) n >= size - used)
                break;
            used += (size_t) n;
        }
    return buf;
}
