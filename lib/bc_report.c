/* bc_report: a Report as CSV (bc_report.h). */
#include "bc_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_cell (FILE *f, const char *text)
{
    fputc ('"', f);
    if (strchr ("=+-@", *text) && *text)
        fputc ('\'', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc ('"', f);
        fputc (*p, f);
    }
    fputc ('"', f);
}

static void
s_pct (FILE *f, double v)
{
    if (v >= 0)
        fprintf (f, ",%.1f", v);
    else
        fputs (",", f);
}

static void
s_row (FILE *f, const Balcao__V1__ReportCounts *c, const char *group)
{
    s_cell (f, group);
    fprintf (f, ",%llu,%llu,%llu,%llu,%llu", (unsigned long long) c->created,
             (unsigned long long) c->resolved, (unsigned long long) c->closed,
             (unsigned long long) c->reopened, (unsigned long long) c->first_responses);
    if (c->first_responses)
        fprintf (f, ",%lld,%lld", (long long) c->first_response_median_s,
                 (long long) c->first_response_p90_s);
    else
        fputs (",,", f);
    if (c->resolved)
        fprintf (f, ",%lld,%lld", (long long) c->resolution_median_s,
                 (long long) c->resolution_p90_s);
    else
        fputs (",,", f);
    s_pct (f, c->sla_met_pct);
    s_pct (f, c->escalation_n1_n2_pct);
    s_pct (f, c->escalation_n2_n3_pct);
    s_pct (f, c->reopen_pct);
    fprintf (f, ",%llu", (unsigned long long) c->csat_count);
    if (c->csat_count)
        fprintf (f, ",%.2f", c->csat_average);
    else
        fputs (",", f);
    for (size_t i = 0; i < 5; i++)
        fprintf (f, ",%llu", (unsigned long long) (i < c->n_csat ? c->csat[i] : 0));
    fputc ('\n', f);
}

char *
bc_report_csv (const Balcao__V1__Report *r, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&buf, &size);
    if (!f)
        return NULL;
    fputs ("group,created,resolved,closed,reopened,first_responses,first_response_median_s,"
           "first_response_p90_s,resolution_median_s,resolution_p90_s,sla_met_pct,"
           "escalation_n1_n2_pct,escalation_n2_n3_pct,reopen_pct,csat_count,csat_average,"
           "csat_1,csat_2,csat_3,csat_4,csat_5\n",
           f);
    if (r->total)
        s_row (f, r->total, "");
    for (size_t i = 0; i < r->n_groups; i++)
        s_row (f, r->groups[i], r->groups[i]->key);
    if (fclose (f) != 0) {
        free (buf);
        return NULL;
    }
    if (len)
        *len = size;
    return buf;
}
