/* router_lifecycle: the transition table, and who may close at N3. */
#include "router_lifecycle.h"

#include <ctype.h>
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

router_closer_t
router_closer_of (const char *principal, int is_customer)
{
    if (is_customer)
        return ROUTER_BY_CUSTOMER;
    if (!principal)
        return ROUTER_BY_OTHER;
    if (strncmp (principal, "agent:", 6) == 0)
        return ROUTER_BY_AGENT;
    if (strncmp (principal, "supervisor:", 11) == 0 || strncmp (principal, "admin:", 6) == 0)
        return ROUTER_BY_SUPERVISOR;
    if (strcmp (principal, "system:router") == 0)
        return ROUTER_BY_SYSTEM;
    return ROUTER_BY_OTHER;
}

router_close_verdict_t
router_lifecycle_may_close (const char *tier, int has_customer, router_closer_t by,
                            const char *reason)
{
    if (!tier || strcmp (tier, "N3") != 0 || !has_customer)
        return ROUTER_CLOSE_OK;
    if (by == ROUTER_BY_CUSTOMER || by == ROUTER_BY_SYSTEM)
        return ROUTER_CLOSE_OK;
    if (by != ROUTER_BY_SUPERVISOR)
        return ROUTER_CLOSE_WAITS_CUSTOMER;
    size_t chars = 0;
    int has_text = 0;
    for (const unsigned char *p = (const unsigned char *) (reason ? reason : ""); *p; p++) {
        if ((*p & 0xC0) != 0x80)
            chars++; /* not a UTF-8 continuation byte: a new character */
        if (!isspace (*p))
            has_text = 1;
    }
    if (!has_text)
        return ROUTER_CLOSE_NEEDS_REASON;
    return chars > ROUTER_CLOSE_REASON_MAX ? ROUTER_CLOSE_REASON_TOO_LONG : ROUTER_CLOSE_OK;
}
