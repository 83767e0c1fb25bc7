/* balcao_report: `balcao report [FROM [TO]] [--by tier|category|agent|channel]
 * [--csv]`, the router's report of a period (business days, both included;
 * default: the last 30 days up to today). The same figures as the
 * dashboard's report page. */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

/* "1 h 05 min", "3 d 2 h", "—" for none. */
static void
s_duration (int64_t s, int have, char *out, size_t size)
{
    if (!have)
        snprintf (out, size, "—");
    else if (s < 3600)
        snprintf (out, size, "%lld min", (long long) (s + 30) / 60);
    else if (s < 86400)
        snprintf (out, size, "%lld h %02lld min", (long long) s / 3600,
                  (long long) (s % 3600) / 60);
    else
        snprintf (out, size, "%lld d %lld h", (long long) s / 86400, (long long) (s % 86400) / 3600);
}

static void
s_pct (double v, char *out, size_t size)
{
    if (v < 0)
        snprintf (out, size, "—");
    else
        snprintf (out, size, "%.1f%%", v);
}

static void
s_row (const Balcao__V1__ReportCounts *c, const char *label)
{
    char fr50[32], fr90[32], r50[32], r90[32], sla[16], e12[16], e23[16], reo[16];
    s_duration (c->first_response_median_s, c->first_responses > 0, fr50, sizeof fr50);
    s_duration (c->first_response_p90_s, c->first_responses > 0, fr90, sizeof fr90);
    s_duration (c->resolution_median_s, c->resolved > 0, r50, sizeof r50);
    s_duration (c->resolution_p90_s, c->resolved > 0, r90, sizeof r90);
    s_pct (c->sla_met_pct, sla, sizeof sla);
    s_pct (c->escalation_n1_n2_pct, e12, sizeof e12);
    s_pct (c->escalation_n2_n3_pct, e23, sizeof e23);
    s_pct (c->reopen_pct, reo, sizeof reo);
    printf ("%s\n", label);
    printf (T ("  criados %llu · resolvidos %llu · fechados %llu · reabertos %llu (%s)\n",
               "  created %llu · resolved %llu · closed %llu · reopened %llu (%s)\n"),
            (unsigned long long) c->created, (unsigned long long) c->resolved,
            (unsigned long long) c->closed, (unsigned long long) c->reopened, reo);
    printf (T ("  primeira resposta: mediana %s, p90 %s (%llu)\n",
               "  first response: median %s, p90 %s (%llu)\n"),
            fr50, fr90, (unsigned long long) c->first_responses);
    printf (T ("  resolução: mediana %s, p90 %s\n", "  resolution: median %s, p90 %s\n"), r50, r90);
    printf (T ("  SLA cumprido: %s · escalonamento N1→N2 %s, N2→N3 %s\n",
               "  SLA met: %s · escalation N1→N2 %s, N2→N3 %s\n"),
            sla, e12, e23);
    if (c->csat_count)
        printf (T ("  satisfação: média %.2f de %llu avaliações (1:%llu 2:%llu 3:%llu 4:%llu 5:%llu)\n",
                   "  satisfaction: average %.2f of %llu ratings (1:%llu 2:%llu 3:%llu 4:%llu 5:%llu)\n"),
                c->csat_average, (unsigned long long) c->csat_count,
                (unsigned long long) (c->n_csat > 0 ? c->csat[0] : 0),
                (unsigned long long) (c->n_csat > 1 ? c->csat[1] : 0),
                (unsigned long long) (c->n_csat > 2 ? c->csat[2] : 0),
                (unsigned long long) (c->n_csat > 3 ? c->csat[3] : 0),
                (unsigned long long) (c->n_csat > 4 ? c->csat[4] : 0));
    else
        printf (T ("  satisfação: nenhuma avaliação\n", "  satisfaction: no rating\n"));
}

int
balcao_report (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__GetReport req = BALCAO__V1__GET_REPORT__INIT;
    char from[16] = "", to[16] = "";
    int csv = 0, days = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "--by") == 0 && i + 1 < argc)
            req.group_by = argv[++i];
        else if (strcmp (argv[i], "--csv") == 0)
            csv = 1;
        else if (argv[i][0] == '-')
            return EXIT_USAGE;
        else if (days == 0 && ++days)
            snprintf (from, sizeof from, "%s", argv[i]);
        else if (days == 1 && ++days)
            snprintf (to, sizeof to, "%s", argv[i]);
        else
            return EXIT_USAGE;
    }
    if (!*from) {
        /* The last 30 days, today included, in the local time zone (the
         * operator's; the router counts days in the business one). */
        time_t now = time (NULL), start = now - 29 * 86400;
        struct tm tm;
        localtime_r (&start, &tm);
        strftime (from, sizeof from, "%Y-%m-%d", &tm);
        localtime_r (&now, &tm);
        strftime (to, sizeof to, "%Y-%m-%d", &tm);
    }
    req.from_day = from;
    req.to_day = to;
    Balcao__V1__Report *r = (Balcao__V1__Report *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__report__descriptor);
    if (!r)
        return balcao_cli_exit ();
    if (csv) {
        size_t len;
        char *text = bc_report_csv (r, &len);
        if (text)
            fwrite (text, 1, len, stdout);
        free (text);
    }
    else {
        printf (T ("Relatório de %s a %s (dias úteis em %s)\n",
                   "Report from %s to %s (business days in %s)\n"),
                r->from_day, r->to_day, r->time_zone);
        if (r->total)
            s_row (r->total, T ("Total", "Total"));
        for (size_t i = 0; i < r->n_groups; i++)
            s_row (r->groups[i], *r->groups[i]->key ? r->groups[i]->key : T ("(nenhum)", "(none)"));
        if (r->n_backlog)
            printf (T ("Pendentes no fim do período: %llu\n", "Unresolved at the period's end: %llu\n"),
                    (unsigned long long) r->backlog[r->n_backlog - 1]->open);
    }
    balcao__v1__report__free_unpacked (r, NULL);
    return 0;
}
