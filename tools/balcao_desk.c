/* balcao_desk: the agent CLI's view of the dashboard, from the same router
 * requests the web dashboard makes: `balcao queue` (the tier's queue, yours,
 * those waiting on the customer, everything open at a tier; with filters),
 * `balcao counts` (how many each view holds) and `balcao macro-preview`
 * (a standard message as it would be sent, nothing changes). */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

/* The value of an option that takes one, or NULL (then *bad is set when
 * the option is there without its value). */
static char *
s_option (int argc, char **argv, int *i, const char *name, int *bad)
{
    if (strcmp (argv[*i], name) != 0)
        return NULL;
    if (*i + 1 >= argc) {
        *bad = 1;
        return NULL;
    }
    return argv[++*i];
}

static void
s_print_row (const char *view, const Balcao__V1__Ticket *t)
{
    unsigned long long n = (unsigned long long) t->number;
    if (strcmp (view, "tier") == 0)
        printf ("#%-6llu %-8s %-14s %s\n", n, t->priority, t->category, t->subject);
    else if (strcmp (view, "open") == 0)
        printf ("#%-6llu %-18s %-8s %-14s %-28s %s\n", n, t->status, t->priority, t->category,
                *t->assignee ? t->assignee : T ("(na fila)", "(in the queue)"), t->subject);
    else
        printf ("#%-6llu %-18s %-8s %-14s %s\n", n, t->status, t->priority, t->category,
                t->subject);
}

static void
s_print_total (const char *view, const char *tier, unsigned long long total)
{
    if (strcmp (view, "mine") == 0)
        printf (T ("%llu chamado(s) com você\n", "%llu ticket(s) assigned to you\n"), total);
    else if (strcmp (view, "waiting") == 0)
        printf (T ("%llu chamado(s) seus aguardando o cliente\n",
                   "%llu of your ticket(s) waiting on the customer\n"),
                total);
    else if (strcmp (view, "open") == 0)
        printf (T ("%llu chamado(s) em aberto no %s\n", "%llu open ticket(s) at %s\n"), total, tier);
    else
        printf (T ("%llu chamado(s) na fila do %s\n", "%llu ticket(s) waiting in the %s queue\n"),
                total, tier);
}

/* balcao queue [N1|N2|N3] [--mine] [--view V] [--category C] [--priority P]
 *              [--channel C] [--customer ADDRESS] [--organization ORG]
 *              [--offset N] [--limit N] */
int
balcao_queue (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__GetQueue req = BALCAO__V1__GET_QUEUE__INIT;
    req.tier = "N1";
    req.limit = 100;
    int bad = 0;
    for (int i = 0; i < argc && !bad; i++) {
        char *v;
        if (strcmp (argv[i], "--mine") == 0)
            req.view = "mine";
        else if ((v = s_option (argc, argv, &i, "--view", &bad)))
            req.view = v;
        else if ((v = s_option (argc, argv, &i, "--category", &bad)))
            req.category = v;
        else if ((v = s_option (argc, argv, &i, "--priority", &bad)))
            req.priority = v;
        else if ((v = s_option (argc, argv, &i, "--channel", &bad)))
            req.channel = v;
        else if ((v = s_option (argc, argv, &i, "--customer", &bad)))
            req.customer = v;
        else if ((v = s_option (argc, argv, &i, "--organization", &bad)))
            req.organization = v;
        else if ((v = s_option (argc, argv, &i, "--offset", &bad)))
            req.offset = (uint32_t) balcao_cli_number (v);
        else if ((v = s_option (argc, argv, &i, "--limit", &bad)))
            req.limit = (uint32_t) balcao_cli_number (v);
        else if (!bad && argv[i][0] != '-')
            req.tier = argv[i];
        else
            bad = 1;
    }
    if (bad)
        return EXIT_USAGE;
    const char *view = *req.view ? req.view : "tier";
    Balcao__V1__TicketList *list = (Balcao__V1__TicketList *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__ticket_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    for (size_t i = 0; i < list->n_tickets; i++)
        s_print_row (view, list->tickets[i]);
    s_print_total (view, req.tier, (unsigned long long) list->total);
    if (list->n_tickets < list->total)
        printf (T ("(mostrando %zu a partir do %u.º; veja o resto com --offset)\n",
                   "(showing %zu from number %u; see the rest with --offset)\n"),
                list->n_tickets, req.offset + 1);
    if (list->truncated)
        printf (T ("(o filtro olhou só os primeiros 20.000 chamados da visão: pode haver mais)\n",
                   "(the filter looked at the view's first 20,000 tickets only: there may be "
                   "more)\n"));
    balcao__v1__ticket_list__free_unpacked (list, NULL);
    return 0;
}

/* balcao counts: one line per view, the count last. */
int
balcao_counts (bc_config_t *config)
{
    Balcao__V1__GetQueueCounts req = BALCAO__V1__GET_QUEUE_COUNTS__INIT;
    Balcao__V1__QueueCounts *c = (Balcao__V1__QueueCounts *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__queue_counts__descriptor);
    if (!c)
        return balcao_cli_exit ();
    const struct {
        const char *pt, *en;
        uint64_t count;
    } rows[] = {
        {"fila N1", "queue N1", c->n1},
        {"fila N2", "queue N2", c->n2},
        {"fila N3", "queue N3", c->n3},
        {"com você", "assigned to you", c->mine},
        {"aguardando o cliente", "waiting on the customer", c->waiting},
        {"em aberto no N1", "open at N1", c->open_n1},
        {"em aberto no N2", "open at N2", c->open_n2},
        {"em aberto no N3", "open at N3", c->open_n3},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *label = T (rows[i].pt, rows[i].en);
        /* Padded by characters, not bytes: "você" has an accent. */
        int width = 24;
        for (const char *p = label; *p; p++)
            width += ((unsigned char) *p & 0xC0) == 0x80;
        printf ("%-*s %llu\n", width, label, (unsigned long long) rows[i].count);
    }
    balcao__v1__queue_counts__free_unpacked (c, NULL);
    return 0;
}

/* balcao macro-preview N [MACRO]: the text ApplyMacro would send. */
int
balcao_macro_preview (bc_config_t *config, int argc, char **argv)
{
    if (argc < 1 || argc > 2)
        return EXIT_USAGE;
    Balcao__V1__PreviewMacro req = BALCAO__V1__PREVIEW_MACRO__INIT;
    req.number = balcao_cli_number (argv[0]);
    req.macro = argc > 1 ? argv[1] : ""; /* "": the category's procedure */
    Balcao__V1__MacroPreview *p = (Balcao__V1__MacroPreview *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__macro_preview__descriptor);
    if (!p)
        return balcao_cli_exit ();
    printf (T ("Mensagem padrão: %s (%s)\n", "Standard message: %s (%s)\n"), p->name, p->macro);
    if (*p->category)
        printf (T ("Também classifica como: %s\n", "Also classifies as: %s\n"), p->category);
    if (*p->priority)
        printf (T ("Também muda a prioridade para: %s\n", "Also sets the priority to: %s\n"),
                p->priority);
    if (*p->action)
        printf (T ("Também faz: %s\n", "Also does: %s\n"), p->action);
    printf (T ("Nada foi enviado. O texto que irá ao cliente:\n\n",
               "Nothing was sent. The text the customer would get:\n\n"));
    printf ("%s\n", p->text);
    balcao__v1__macro_preview__free_unpacked (p, NULL);
    return 0;
}
