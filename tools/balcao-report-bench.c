/* balcao-report-bench: the dashboard's reports at a year's scale.
 *
 *   balcao-report-bench fill ROUTER_DIR TICKETS DAYS
 *       writes the reports' read model of TICKETS tickets spread over the
 *       DAYS business days up to today into the router store at ROUTER_DIR
 *       (a fresh one), through the router's own router_reports_changed
 *       with every transition each ticket goes through (created, first
 *       answer, escalations, resolution, reopening, closing, rating, SLA
 *       outcomes), so the records are those the router would have kept.
 *       The tickets themselves are not stored: a report never reads them.
 *   balcao-report-bench query CONFIG DAYS RUNS
 *       asks the running router (as a supervisor, over the bus) for the
 *       report of the last DAYS days, in total and by tier, category,
 *       agent and channel, RUNS times each, and prints each kind's
 *       latencies (p50, p99, max) in ms.
 *
 * tools/bench-reports.sh runs both around a real router. */
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_config.h"
#include "router_internal.h"

#include <czmq.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static uint64_t s_rng = 88172645463325252ULL;

static uint64_t
s_rand (void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static int
s_pick (int n)
{
    return (int) (s_rand () % (uint64_t) n);
}

static const char *const s_categories[] = {"acesso", "erro", "duvida", "configuracao",
                                           "financeiro", "integracao", "desempenho", "outros"};
static const char *const s_channels[] = {"email", "portal", "whatsapp", "phone"};

/* One step of a ticket's life: the router's write path sees old -> t. */
static int
s_step (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *old, Balcao__V1__Ticket *t,
        int64_t at_us)
{
    t->updated_us = at_us;
    int rc = router_reports_changed (self, txn, old, t);
    *old = *t;
    return rc;
}

static int
s_fill (const char *dir, long tickets, int days)
{
    mkdir (dir, 0700);
    MDB_env *env;
    int rc = mdb_env_create (&env);
    mdb_env_set_maxdbs (env, 32);
    mdb_env_set_mapsize (env, (size_t) 4 << 30);
    if (rc || (rc = mdb_env_open (env, dir, MDB_NOSYNC, 0600))) {
        fprintf (stderr, "fill: %s: %s\n", dir, mdb_strerror (rc));
        return 1;
    }
    bc_config_t *config = bc_config_load (NULL);
    char err[256];
    router_t self;
    memset (&self, 0, sizeof self);
    self.calendar = bc_calendar_new (config, err, sizeof err);
    if (!self.calendar) {
        fprintf (stderr, "fill: %s\n", err);
        return 1;
    }
    static char agents[30][64];
    for (int i = 0; i < 30; i++)
        snprintf (agents[i], sizeof agents[i], "agent:agente%02d@suporte.example", i);
    int64_t now_us = (int64_t) time (NULL) * 1000000;
    int64_t start_us = now_us - (int64_t) (days - 1) * 86400 * 1000000;
    int64_t clock0 = zclock_mono ();
    MDB_txn *txn = NULL;
    for (long n = 0; n < tickets && rc == 0; n++) {
        if (!txn) {
            if ((rc = mdb_txn_begin (env, NULL, 0, &txn)))
                break;
            MDB_dbi *dbis[] = {&self.db_report_cells, &self.db_report_open,
                               &self.db_report_backlog};
            const char *names[] = {"report_cells", "report_open", "report_backlog"};
            for (int i = 0; i < 3 && rc == 0; i++)
                rc = mdb_dbi_open (txn, names[i], MDB_CREATE, dbis[i]);
        }
        /* Tickets come in number order: creation times rise through the
         * period (the backlog's snapshots are written in time order). */
        int64_t created = start_us + (int64_t) ((double) n / (double) tickets
                                                * (double) (now_us - start_us - 3600000000LL));
        Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT, old;
        t.number = (uint64_t) n + 1;
        t.status = "novo";
        t.tier = "N1";
        t.priority = "normal";
        t.category = (char *) s_categories[s_pick (8)];
        t.channel = (char *) s_channels[s_pick (4)];
        t.assignee = "";
        t.resolved_by = "";
        t.resolution = "";
        t.first_response_sla = "running";
        t.resolution_sla = "running";
        t.created_us = created;
        t.updated_us = created;
        rc = router_reports_changed (&self, txn, NULL, &t);
        old = t;
        int64_t at = created;
        const char *agent = agents[s_pick (10)];
        if (rc == 0 && s_pick (100) < 95) { /* answered */
            at += (int64_t) (1 + s_pick (240)) * 60 * 1000000;
            t.assignee = (char *) agent;
            t.status = "aberto";
            t.first_response_us = at;
            t.first_response_sla = s_pick (100) < 90 ? "met" : "breached";
            rc = s_step (&self, txn, &old, &t, at);
        }
        if (rc == 0 && s_pick (100) < 20) { /* escalated to N2 */
            at += (int64_t) (10 + s_pick (600)) * 60 * 1000000;
            t.tier = "N2";
            t.assignee = agents[10 + s_pick (10)];
            rc = s_step (&self, txn, &old, &t, at);
            if (rc == 0 && s_pick (100) < 25) { /* and to N3 */
                at += (int64_t) (60 + s_pick (2000)) * 60 * 1000000;
                t.tier = "N3";
                t.assignee = agents[20 + s_pick (10)];
                rc = s_step (&self, txn, &old, &t, at);
            }
        }
        if (rc == 0 && at < now_us - 3600000000LL && s_pick (100) < 85) { /* resolved */
            at += (int64_t) (30 + s_pick (3000)) * 60 * 1000000;
            t.status = "resolvido";
            t.resolved_by = t.assignee;
            t.resolution = "feito";
            t.resolution_sla = s_pick (100) < 85 ? "met" : "breached";
            if (!t.first_response_us)
                t.first_response_us = at;
            rc = s_step (&self, txn, &old, &t, at);
            if (rc == 0 && s_pick (100) < 6) { /* reopened, resolved again */
                t.status = "reaberto";
                rc = s_step (&self, txn, &old, &t, at + 3600000000LL);
                t.status = "resolvido";
                at += 2 * 3600000000LL;
                if (rc == 0)
                    rc = s_step (&self, txn, &old, &t, at);
            }
            if (rc == 0 && s_pick (100) < 90) { /* closed */
                at += (int64_t) (1 + s_pick (48)) * 3600000000LL;
                t.status = "fechado";
                rc = s_step (&self, txn, &old, &t, at);
                if (rc == 0 && s_pick (100) < 30) {
                    t.csat_score = (uint32_t) (s_pick (100) < 70 ? 5 : 1 + s_pick (4));
                    rc = s_step (&self, txn, &old, &t, at + 600000000LL);
                }
            }
        }
        if (rc == 0 && (n + 1) % 20000 == 0) {
            rc = mdb_txn_commit (txn);
            txn = NULL;
            fprintf (stderr, "\rfill: %ld tickets", n + 1);
        }
    }
    if (txn)
        rc = rc ? (mdb_txn_abort (txn), rc) : mdb_txn_commit (txn);
    if (rc == 0)
        rc = mdb_env_sync (env, 1);
    fprintf (stderr, "\rfill: %ld tickets over %d days in %.1f s%s\n", tickets, days,
             (double) (zclock_mono () - clock0) / 1000.0, rc ? " (failed)" : "");
    if (rc)
        fprintf (stderr, "fill: %s\n", mdb_strerror (rc));
    mdb_env_close (env);
    bc_calendar_destroy (&self.calendar);
    bc_config_destroy (&config);
    return rc ? 1 : 0;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static int
s_query (const char *config_path, int days, int runs)
{
    bc_config_t *config = bc_config_load (config_path);
    if (!config) {
        fprintf (stderr, "query: cannot read %s\n", config_path);
        return 1;
    }
    bc_client_t *client = bc_client_new_for (config, "router", "report-bench");
    bc_client_set_principal (client, "supervisor:bench@suporte.example");
    bc_client_set_timeout (client, 30000, 1);
    char from[16], to[16];
    time_t now = time (NULL), start = now - (time_t) (days - 1) * 86400;
    struct tm tm;
    localtime_r (&start, &tm);
    strftime (from, sizeof from, "%Y-%m-%d", &tm);
    localtime_r (&now, &tm);
    strftime (to, sizeof to, "%Y-%m-%d", &tm);
    const char *groups[] = {"", "tier", "category", "agent", "channel"};
    double *ms = calloc ((size_t) runs, sizeof *ms);
    int rc = 0;
    for (int g = 0; g < 5 && rc == 0; g++) {
        uint64_t created = 0;
        size_t ngroups = 0;
        for (int i = 0; i < runs && rc == 0; i++) {
            Balcao__V1__GetReport req = BALCAO__V1__GET_REPORT__INIT;
            req.from_day = from;
            req.to_day = to;
            req.group_by = (char *) groups[g];
            bc_envelope_t *reply = NULL;
            int64_t t0 = zclock_usecs ();
            rc = bc_client_call (client, NULL, &req.base, &reply);
            ms[i] = (double) (zclock_usecs () - t0) / 1000.0;
            Balcao__V1__Report *r =
                rc == BC_OK ? (Balcao__V1__Report *) bc_envelope_payload (
                                  reply, &balcao__v1__report__descriptor)
                            : NULL;
            if (r) {
                created = r->total ? r->total->created : 0;
                ngroups = r->n_groups;
                balcao__v1__report__free_unpacked (r, NULL);
            }
            else if (rc == BC_OK)
                rc = 1;
            bc_envelope_destroy (&reply);
        }
        if (rc) {
            fprintf (stderr, "query: the router did not answer (%d)\n", rc);
            break;
        }
        qsort (ms, (size_t) runs, sizeof *ms, s_cmp);
        printf ("report %s..%s by %-8s (%llu tickets, %zu groups): p50 %.1f ms, p99 %.1f ms, "
                "max %.1f ms over %d runs\n",
                from, to, *groups[g] ? groups[g] : "total", (unsigned long long) created, ngroups,
                ms[runs / 2], ms[(runs * 99) / 100 < runs ? (runs * 99) / 100 : runs - 1],
                ms[runs - 1], runs);
    }
    free (ms);
    bc_client_destroy (&client);
    bc_config_destroy (&config);
    return rc ? 1 : 0;
}

int
main (int argc, char **argv)
{
    if (argc == 5 && strcmp (argv[1], "fill") == 0)
        return s_fill (argv[2], atol (argv[3]), atoi (argv[4]));
    if (argc == 5 && strcmp (argv[1], "query") == 0)
        return s_query (argv[2], atoi (argv[3]), atoi (argv[4]) > 0 ? atoi (argv[4]) : 1);
    fprintf (stderr, "usage: balcao-report-bench fill ROUTER_DIR TICKETS DAYS\n"
                     "       balcao-report-bench query CONFIG DAYS RUNS\n");
    return 64;
}
