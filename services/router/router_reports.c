/* router_reports: the dashboard's reports as a read model the router keeps
 * in the same transaction as every ticket change (router_put_ticket calls
 * router_reports_changed with the ticket before and after), so a period's
 * figures come from a few hundred small records, never from a scan of the
 * tickets. What a change means is read from the two states, whatever
 * command or alarm made it:
 *
 *   created          the ticket is new (its creation day)
 *   first response   first_response_us became set (business seconds since
 *                    creation into a histogram)
 *   resolved         status became resolvido (business seconds since
 *                    creation into a histogram); it "left" its tier
 *   escalated        tier went up (N1->N2: left N1 escalated; N2->N3)
 *   reopened         resolvido/fechado became anything else
 *   closed           status became fechado
 *   SLA              a target went from running to met or breached
 *   rated            csat_score became set
 *
 * Each is counted on the business day it happened (the calendar's time
 * zone) in the total and in the ticket's tier, category, agent and channel
 * (the agent who did it: the one who answered, resolved, escalated). The
 * backlog (tickets not resolved, closed or merged) is kept per group as a
 * running count with one snapshot per day it changed.
 *
 *   report_cells    be32(day) group -> ReportCounts (group "" = total,
 *                   else "tier:N1", "category:acesso", "agent:<id>",
 *                   "channel:email")
 *   report_open     group -> u64 (unresolved now)
 *   report_backlog  group 0x00 be32(day) -> u64 (unresolved at that day's
 *                   end)
 *
 * A store made before the reports is seeded once from its tickets' current
 * states (router_reports_seed): creations and first responses on their
 * days, what happened later (resolutions, SLA outcomes, ratings) on the day
 * of the ticket's last change, and the backlog right from then on. */
#include "router_reports.h"

#include "router_internal.h"

#include "bc_day.h"
#include "bc_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_BUCKETS 1500
#define S_MAX_DAYS 400
#define S_GROUP_MAX 300

/* YYYY-MM-DD of a day. */
static void
s_day_text (int32_t day, char out[11])
{
    bc_day_text (day, out, 11);
}

int
router_reports_parse_day (const char *text, int32_t *day)
{
    return bc_day_parse (text, day);
}

/* The histogram bucket of a duration, and the middle of a bucket. */
static uint32_t
s_bucket (int64_t s)
{
    if (s < 0)
        s = 0;
    if (s < 7200)
        return (uint32_t) (s / 60);
    if (s < 86400)
        return 120 + (uint32_t) ((s - 7200) / 300);
    if (s < 30 * 86400)
        return 384 + (uint32_t) ((s - 86400) / 3600);
    int64_t b = 1080 + (s - 30 * 86400) / 86400;
    return b < S_BUCKETS - 1 ? (uint32_t) b : S_BUCKETS - 1;
}

static int64_t
s_bucket_middle (uint32_t b)
{
    if (b < 120)
        return (int64_t) b * 60 + 30;
    if (b < 384)
        return 7200 + (int64_t) (b - 120) * 300 + 150;
    if (b < 1080)
        return 86400 + (int64_t) (b - 384) * 3600 + 1800;
    return 30 * 86400 + (int64_t) (b - 1080) * 86400 + 43200;
}

/* Adds one to a stored histogram (pairs bucket, count). */
static void
s_hist_add (uint32_t **pairs, size_t *n, uint32_t bucket)
{
    for (size_t i = 0; i + 1 < *n; i += 2)
        if ((*pairs)[i] == bucket) {
            (*pairs)[i + 1]++;
            return;
        }
    uint32_t *grown = malloc ((*n + 2) * sizeof *grown);
    if (!grown)
        return;
    if (*n)
        memcpy (grown, *pairs, *n * sizeof *grown);
    grown[*n] = bucket;
    grown[*n + 1] = 1;
    *pairs = grown; /* the old array is freed by the caller's bookkeeping */
    *n += 2;
}

/* What one change adds to a group's day. */
typedef struct {
    uint64_t created, first_responses, resolved, fr_met, fr_breached, res_met, res_breached,
        left_n1, escalated_n1, left_n2, escalated_n2, reopened, closed;
    int64_t fr_s, res_s; /* -1: none */
    uint32_t csat;       /* 1-5, 0: none */
} s_delta_t;

static int
s_delta_empty (const s_delta_t *d)
{
    return !d->created && !d->first_responses && !d->resolved && !d->fr_met && !d->fr_breached
           && !d->res_met && !d->res_breached && !d->left_n1 && !d->escalated_n1 && !d->left_n2
           && !d->escalated_n2 && !d->reopened && !d->closed && !d->csat;
}

static int
s_cell_add (router_t *self, MDB_txn *txn, int32_t day, const char *group, const s_delta_t *d)
{
    unsigned char key[4 + S_GROUP_MAX];
    size_t glen = strnlen (group, S_GROUP_MAX);
    key[0] = (unsigned char) ((uint32_t) day >> 24);
    key[1] = (unsigned char) ((uint32_t) day >> 16);
    key[2] = (unsigned char) ((uint32_t) day >> 8);
    key[3] = (unsigned char) day;
    memcpy (key + 4, group, glen);
    MDB_val k = {4 + glen, key}, v;
    Balcao__V1__ReportCounts *c = NULL;
    int rc = mdb_get (txn, self->db_report_cells, &k, &v);
    if (rc == 0)
        c = balcao__v1__report_counts__unpack (NULL, v.mv_size, v.mv_data);
    else if (rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__ReportCounts fresh = BALCAO__V1__REPORT_COUNTS__INIT;
    Balcao__V1__ReportCounts *w = c ? c : &fresh;
    uint32_t *old_fr = w->first_response_hist, *old_res = w->resolution_hist;
    uint64_t *old_csat = w->csat;
    uint64_t csat[5] = {0};
    for (size_t i = 0; i < w->n_csat && i < 5; i++)
        csat[i] = w->csat[i];
    w->created += d->created;
    w->first_responses += d->first_responses;
    w->resolved += d->resolved;
    w->first_response_met += d->fr_met;
    w->first_response_breached += d->fr_breached;
    w->resolution_met += d->res_met;
    w->resolution_breached += d->res_breached;
    w->left_n1 += d->left_n1;
    w->escalated_n1 += d->escalated_n1;
    w->left_n2 += d->left_n2;
    w->escalated_n2 += d->escalated_n2;
    w->reopened += d->reopened;
    w->closed += d->closed;
    if (d->fr_s >= 0)
        s_hist_add (&w->first_response_hist, &w->n_first_response_hist, s_bucket (d->fr_s));
    if (d->res_s >= 0)
        s_hist_add (&w->resolution_hist, &w->n_resolution_hist, s_bucket (d->res_s));
    if (d->csat >= 1 && d->csat <= 5)
        csat[d->csat - 1]++;
    w->csat = csat;
    w->n_csat = 5;
    size_t size = balcao__v1__report_counts__get_packed_size (w);
    v.mv_size = size;
    rc = mdb_put (txn, self->db_report_cells, &k, &v, MDB_RESERVE);
    if (rc == 0)
        balcao__v1__report_counts__pack (w, v.mv_data);
    /* Give back what the message owned before, free what s_hist_add grew. */
    if (w->first_response_hist != old_fr)
        free (w->first_response_hist);
    if (w->resolution_hist != old_res)
        free (w->resolution_hist);
    w->first_response_hist = old_fr;
    w->resolution_hist = old_res;
    w->csat = old_csat;
    if (c)
        balcao__v1__report_counts__free_unpacked (c, NULL);
    return rc;
}

/* The groups a ticket counts in: "", tier, category, agent, channel. */
typedef struct {
    char g[5][S_GROUP_MAX];
} s_groups_t;

static void
s_groups (const Balcao__V1__Ticket *t, const char *tier, const char *agent, s_groups_t *out)
{
    snprintf (out->g[0], S_GROUP_MAX, "%s", "");
    snprintf (out->g[1], S_GROUP_MAX, "tier:%s", tier);
    snprintf (out->g[2], S_GROUP_MAX, "category:%s", t->category);
    snprintf (out->g[3], S_GROUP_MAX, "agent:%s", agent);
    snprintf (out->g[4], S_GROUP_MAX, "channel:%s", t->channel);
}

static int
s_count (router_t *self, MDB_txn *txn, int64_t at_us, const Balcao__V1__Ticket *t,
         const char *tier, const char *agent, const s_delta_t *d)
{
    if (s_delta_empty (d))
        return 0;
    s_groups_t g;
    s_groups (t, tier, agent, &g);
    int32_t day = bc_day_of (at_us);
    int rc = 0;
    for (int i = 0; i < 5 && rc == 0; i++)
        rc = s_cell_add (self, txn, day, g.g[i], d);
    return rc;
}

static s_delta_t
s_zero (void)
{
    s_delta_t d;
    memset (&d, 0, sizeof d);
    d.fr_s = d.res_s = -1;
    return d;
}

static int
s_is_open (const Balcao__V1__Ticket *t)
{
    return t && !router_is_done (t->status) && !t->merged_into;
}

static int
s_decided (const char *state)
{
    return strcmp (state, "met") == 0 || strcmp (state, "breached") == 0;
}

/* Adds delta to a group's unresolved count and notes today's value. */
static int
s_backlog_add (router_t *self, MDB_txn *txn, int32_t day, const char *group, int delta)
{
    size_t glen = strnlen (group, S_GROUP_MAX);
    MDB_val k = {glen ? glen : 1, glen ? (void *) group : (void *) "*"}, v;
    uint64_t n = 0;
    int rc = mdb_get (txn, self->db_report_open, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        memcpy (&n, v.mv_data, 8);
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    n = delta < 0 && n == 0 ? 0 : n + (uint64_t) (int64_t) delta;
    v.mv_size = 8;
    v.mv_data = &n;
    if ((rc = mdb_put (txn, self->db_report_open, &k, &v, 0)))
        return rc;
    unsigned char key[S_GROUP_MAX + 5];
    memcpy (key, k.mv_data, k.mv_size);
    key[k.mv_size] = 0;
    key[k.mv_size + 1] = (unsigned char) ((uint32_t) day >> 24);
    key[k.mv_size + 2] = (unsigned char) ((uint32_t) day >> 16);
    key[k.mv_size + 3] = (unsigned char) ((uint32_t) day >> 8);
    key[k.mv_size + 4] = (unsigned char) day;
    MDB_val bk = {k.mv_size + 5, key};
    return mdb_put (txn, self->db_report_backlog, &bk, &v, 0);
}

static int
s_backlog (router_t *self, MDB_txn *txn, int32_t day, const Balcao__V1__Ticket *old,
           const Balcao__V1__Ticket *t)
{
    s_groups_t before, after;
    int was = s_is_open (old), is = s_is_open (t);
    if (was)
        s_groups (old, old->tier, old->assignee, &before);
    if (is)
        s_groups (t, t->tier, t->assignee, &after);
    int rc = 0;
    for (int i = 0; i < 5 && rc == 0; i++) {
        int same = was && is && strcmp (before.g[i], after.g[i]) == 0;
        if (same)
            continue;
        if (was)
            rc = s_backlog_add (self, txn, day, before.g[i], -1);
        if (rc == 0 && is)
            rc = s_backlog_add (self, txn, day, after.g[i], +1);
    }
    return rc;
}

int
router_reports_changed (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *old,
                        const Balcao__V1__Ticket *t)
{
    int64_t now_us = t->updated_us ? t->updated_us : (int64_t) time (NULL) * 1000000;
    int rc = 0;
    s_delta_t d = s_zero ();
    if (!old) {
        d.created = 1;
        if ((rc = s_count (self, txn, t->created_us ? t->created_us : now_us, t, t->tier,
                           t->assignee, &d)))
            return rc;
    }
    if ((!old || !old->first_response_us) && t->first_response_us) {
        d = s_zero ();
        d.first_responses = 1;
        d.fr_s = bc_calendar_between (self->calendar, (time_t) (t->created_us / 1000000),
                                          (time_t) (t->first_response_us / 1000000));
        if ((rc = s_count (self, txn, t->first_response_us, t, t->tier, t->assignee, &d)))
            return rc;
    }
    const char *was = old ? old->status : "";
    /* (A closed ticket seen for the first time: a store being seeded.) */
    int seen_closed = !old && strcmp (t->status, "fechado") == 0 && *t->resolution;
    if ((strcmp (t->status, "resolvido") == 0 && strcmp (was, "resolvido") != 0) || seen_closed) {
        d = s_zero ();
        d.resolved = 1;
        d.res_s = bc_calendar_between (self->calendar, (time_t) (t->created_us / 1000000),
                                           (time_t) (now_us / 1000000));
        d.left_n1 = strcmp (t->tier, "N1") == 0;
        d.left_n2 = strcmp (t->tier, "N2") == 0;
        const char *by = *t->resolved_by ? t->resolved_by : t->assignee;
        if ((rc = s_count (self, txn, now_us, t, t->tier, by, &d)))
            return rc;
    }
    if (old && strcmp (old->tier, t->tier) < 0) {
        d = s_zero ();
        d.left_n1 = d.escalated_n1 = strcmp (old->tier, "N1") == 0;
        d.left_n2 = d.escalated_n2 = strcmp (old->tier, "N2") == 0;
        if ((rc = s_count (self, txn, now_us, t, old->tier, old->assignee, &d)))
            return rc;
    }
    if (old && router_is_done (was) && !router_is_done (t->status) && !t->merged_into) {
        d = s_zero ();
        d.reopened = 1;
        if ((rc = s_count (self, txn, now_us, t, t->tier, old->resolved_by, &d)))
            return rc;
    }
    if (strcmp (t->status, "fechado") == 0 && strcmp (was, "fechado") != 0) {
        d = s_zero ();
        d.closed = 1;
        if ((rc = s_count (self, txn, now_us, t, t->tier, t->resolved_by, &d)))
            return rc;
    }
    d = s_zero ();
    if (!s_decided (old ? old->first_response_sla : "") && s_decided (t->first_response_sla)) {
        d.fr_met = strcmp (t->first_response_sla, "met") == 0;
        d.fr_breached = !d.fr_met;
    }
    if (!s_decided (old ? old->resolution_sla : "") && s_decided (t->resolution_sla)) {
        d.res_met = strcmp (t->resolution_sla, "met") == 0;
        d.res_breached = !d.res_met;
    }
    if ((rc = s_count (self, txn, now_us, t, t->tier, t->assignee, &d)))
        return rc;
    if ((!old || !old->csat_score) && t->csat_score >= 1 && t->csat_score <= 5) {
        d = s_zero ();
        d.csat = t->csat_score;
        if ((rc = s_count (self, txn, now_us, t, t->tier, t->resolved_by, &d)))
            return rc;
    }
    return s_backlog (self, txn, bc_day_of (now_us), old, t);
}

int
router_reports_seed (router_t *self, MDB_txn *txn)
{
    uint64_t done = 0;
    int rc = bc_store_get_u64 (txn, self->db_meta, "reports_seeded", &done);
    if (rc == 0 && done)
        return 0;
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open (txn, self->db_tickets, &cur)))
        return rc;
    MDB_val k, v;
    uint64_t n = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        Balcao__V1__Ticket *t = balcao__v1__ticket__unpack (NULL, v.mv_size, v.mv_data);
        if (t) {
            rc = router_reports_changed (self, txn, NULL, t);
            balcao__v1__ticket__free_unpacked (t, NULL);
            n++;
        }
        if (rc == 0)
            rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (rc != MDB_NOTFOUND)
        return rc;
    if (n)
        bc_info ("event=reports_seeded tickets=%llu", (unsigned long long) n);
    return bc_store_put_u64 (txn, self->db_meta, "reports_seeded", 1);
}

/* ---- GetReport ---------------------------------------------------------- */

typedef struct {
    char key[S_GROUP_MAX];
    Balcao__V1__ReportCounts c;
    uint64_t csat[5];
    uint32_t *fr, *res; /* dense histograms, S_BUCKETS each */
} s_acc_t;

static void
s_acc_add (s_acc_t *a, const Balcao__V1__ReportCounts *c)
{
    a->c.created += c->created;
    a->c.first_responses += c->first_responses;
    a->c.resolved += c->resolved;
    a->c.first_response_met += c->first_response_met;
    a->c.first_response_breached += c->first_response_breached;
    a->c.resolution_met += c->resolution_met;
    a->c.resolution_breached += c->resolution_breached;
    a->c.left_n1 += c->left_n1;
    a->c.escalated_n1 += c->escalated_n1;
    a->c.left_n2 += c->left_n2;
    a->c.escalated_n2 += c->escalated_n2;
    a->c.reopened += c->reopened;
    a->c.closed += c->closed;
    for (size_t i = 0; i < c->n_csat && i < 5; i++)
        a->csat[i] += c->csat[i];
    for (size_t i = 0; i + 1 < c->n_first_response_hist; i += 2)
        if (c->first_response_hist[i] < S_BUCKETS)
            a->fr[c->first_response_hist[i]] += c->first_response_hist[i + 1];
    for (size_t i = 0; i + 1 < c->n_resolution_hist; i += 2)
        if (c->resolution_hist[i] < S_BUCKETS)
            a->res[c->resolution_hist[i]] += c->resolution_hist[i + 1];
}

/* The q-quantile (0 < q <= 1) of a dense histogram of n values; 0 when n
 * is 0. */
static int64_t
s_quantile (const uint32_t *hist, uint64_t n, double q)
{
    if (!n)
        return 0;
    uint64_t rank = (uint64_t) (q * (double) n + 0.999999), seen = 0;
    if (rank < 1)
        rank = 1;
    for (uint32_t b = 0; b < S_BUCKETS; b++) {
        seen += hist[b];
        if (seen >= rank)
            return s_bucket_middle (b);
    }
    return s_bucket_middle (S_BUCKETS - 1);
}

static double
s_pct (uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double) part / (double) whole : -1;
}

/* Fills the computed fields of an accumulated group. */
static void
s_acc_finish (s_acc_t *a)
{
    Balcao__V1__ReportCounts *c = &a->c;
    c->key = a->key;
    c->csat = a->csat;
    c->n_csat = 5;
    c->first_response_median_s = s_quantile (a->fr, c->first_responses, 0.5);
    c->first_response_p90_s = s_quantile (a->fr, c->first_responses, 0.9);
    c->resolution_median_s = s_quantile (a->res, c->resolved, 0.5);
    c->resolution_p90_s = s_quantile (a->res, c->resolved, 0.9);
    c->sla_met_pct = s_pct (c->first_response_met + c->resolution_met,
                            c->first_response_met + c->resolution_met + c->first_response_breached
                                + c->resolution_breached);
    c->escalation_n1_n2_pct = s_pct (c->escalated_n1, c->left_n1);
    c->escalation_n2_n3_pct = s_pct (c->escalated_n2, c->left_n2);
    c->reopen_pct = s_pct (c->reopened, c->resolved);
    uint64_t count = 0, sum = 0;
    for (int i = 0; i < 5; i++) {
        count += a->csat[i];
        sum += a->csat[i] * (uint64_t) (i + 1);
    }
    c->csat_count = count;
    c->csat_average = count ? (double) sum / (double) count : 0;
}

static s_acc_t *
s_acc_new (const char *key, size_t len)
{
    s_acc_t *a = calloc (1, sizeof *a);
    if (!a)
        return NULL;
    balcao__v1__report_counts__init (&a->c);
    snprintf (a->key, sizeof a->key, "%.*s", (int) len, key);
    a->fr = calloc (S_BUCKETS, sizeof *a->fr);
    a->res = calloc (S_BUCKETS, sizeof *a->res);
    if (!a->fr || !a->res) {
        free (a->fr);
        free (a->res);
        free (a);
        return NULL;
    }
    return a;
}

static void
s_acc_free (s_acc_t *a)
{
    if (a) {
        free (a->fr);
        free (a->res);
        free (a);
    }
}

/* The unresolved count of the total at the end of day: the last snapshot
 * at or before it. */
static int
s_backlog_at (router_t *self, MDB_cursor *cur, int32_t day, uint64_t *open)
{
    unsigned char key[6] = {'*', 0, (unsigned char) ((uint32_t) day >> 24),
                            (unsigned char) ((uint32_t) day >> 16),
                            (unsigned char) ((uint32_t) day >> 8), (unsigned char) day};
    (void) self;
    *open = 0;
    MDB_val k = {6, key}, v;
    int rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == 6 && memcmp (k.mv_data, key, 6) == 0) {
        memcpy (open, v.mv_data, 8);
        return 0;
    }
    rc = rc == 0 ? mdb_cursor_get (cur, &k, &v, MDB_PREV)
                 : mdb_cursor_get (cur, &k, &v, MDB_LAST);
    if (rc == 0 && k.mv_size == 6 && memcmp (k.mv_data, key, 2) == 0 && v.mv_size == 8)
        memcpy (open, v.mv_data, 8);
    return rc == MDB_NOTFOUND ? 0 : rc == 0 ? 0 : rc;
}

static int
s_report (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__GetReport *req = (const Balcao__V1__GetReport *) payload;
    if (!router_is_supervisor (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "os relatórios são para supervisores e administradores",
                        "reports are for supervisors and admins");
        return 0;
    }
    int32_t from, to;
    if (!router_reports_parse_day (req->from_day, &from)
        || !router_reports_parse_day (*req->to_day ? req->to_day : req->from_day, &to)) {
        bc_reply_error (reply, "invalid", "as datas do período são AAAA-MM-DD (ex.: 2026-12-01)",
                        "the period's dates are YYYY-MM-DD (e.g. 2026-12-01)");
        return 0;
    }
    if (to < from || to - from >= S_MAX_DAYS) {
        bc_reply_error (reply, "invalid",
                        "o período vai de uma data até outra igual ou posterior, com no máximo "
                        "%d dias",
                        "the period goes from a date to the same or a later one, %d days at most",
                        S_MAX_DAYS);
        return 0;
    }
    const char *by = req->group_by;
    if (*by && strcmp (by, "tier") && strcmp (by, "category") && strcmp (by, "agent")
        && strcmp (by, "channel")) {
        bc_reply_error (reply, "invalid",
                        "agrupe por tier, category, agent ou channel (ou nada, para o total)",
                        "group by tier, category, agent or channel (or nothing, for the total)");
        return 0;
    }
    char prefix[32];
    snprintf (prefix, sizeof prefix, "%s%s", by, *by ? ":" : "");
    size_t plen = strlen (prefix);
    MDB_txn *txn = bc_tx_txn (tx);
    s_acc_t *total = s_acc_new ("", 0);
    s_acc_t **groups = NULL;
    size_t ngroups = 0;
    Balcao__V1__BacklogPoint *points = calloc ((size_t) (to - from + 1), sizeof *points);
    Balcao__V1__BacklogPoint **point_ptrs = calloc ((size_t) (to - from + 1), sizeof *point_ptrs);
    char (*day_texts)[11] = calloc ((size_t) (to - from + 1), sizeof *day_texts);
    MDB_cursor *cur = NULL, *bcur = NULL;
    int rc = total && points && point_ptrs && day_texts ? 0 : ENOMEM;
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->db_report_cells, &cur);
    if (rc == 0)
        rc = mdb_cursor_open (txn, self->db_report_backlog, &bcur);
    for (int32_t day = from; rc == 0 && day <= to; day++) {
        unsigned char key[4] = {(unsigned char) ((uint32_t) day >> 24),
                                (unsigned char) ((uint32_t) day >> 16),
                                (unsigned char) ((uint32_t) day >> 8), (unsigned char) day};
        MDB_val k = {4, key}, v;
        int crc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
        while (crc == 0 && k.mv_size >= 4 && memcmp (k.mv_data, key, 4) == 0) {
            const char *group = (const char *) k.mv_data + 4;
            size_t glen = k.mv_size - 4;
            int is_total = glen == 0;
            int in_group = *by && glen >= plen && memcmp (group, prefix, plen) == 0;
            if (is_total || in_group) {
                Balcao__V1__ReportCounts *c =
                    balcao__v1__report_counts__unpack (NULL, v.mv_size, v.mv_data);
                if (c) {
                    if (is_total)
                        s_acc_add (total, c);
                    else {
                        s_acc_t *a = NULL;
                        for (size_t i = 0; i < ngroups && !a; i++)
                            if (strlen (groups[i]->key) == glen - plen
                                && memcmp (groups[i]->key, group + plen, glen - plen) == 0)
                                a = groups[i];
                        if (!a && ngroups < 1000) {
                            s_acc_t **grown = realloc (groups, (ngroups + 1) * sizeof *groups);
                            if (grown) {
                                groups = grown;
                                a = groups[ngroups] = s_acc_new (group + plen, glen - plen);
                                if (a)
                                    ngroups++;
                            }
                        }
                        if (a)
                            s_acc_add (a, c);
                    }
                    balcao__v1__report_counts__free_unpacked (c, NULL);
                }
            }
            crc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
        }
        if (crc && crc != MDB_NOTFOUND)
            rc = crc;
        size_t i = (size_t) (day - from);
        balcao__v1__backlog_point__init (&points[i]);
        s_day_text (day, day_texts[i]);
        points[i].day = day_texts[i];
        if (rc == 0)
            rc = s_backlog_at (self, bcur, day, &points[i].open);
        point_ptrs[i] = &points[i];
    }
    if (cur)
        mdb_cursor_close (cur);
    if (bcur)
        mdb_cursor_close (bcur);
    if (rc == 0) {
        s_acc_finish (total);
        Balcao__V1__ReportCounts **gptrs = calloc (ngroups + 1, sizeof *gptrs);
        for (size_t i = 0; i < ngroups; i++) {
            s_acc_finish (groups[i]);
            gptrs[i] = &groups[i]->c;
        }
        char from_text[11], to_text[11];
        s_day_text (from, from_text);
        s_day_text (to, to_text);
        Balcao__V1__Report out = BALCAO__V1__REPORT__INIT;
        out.from_day = from_text;
        out.to_day = to_text;
        out.group_by = (char *) by;
        out.time_zone = (char *) router_reports_time_zone (self);
        out.total = &total->c;
        out.groups = gptrs;
        out.n_groups = gptrs ? ngroups : 0;
        out.from_us = bc_day_start_us (from);
        out.to_us = bc_day_start_us (to + 1);
        out.backlog = point_ptrs;
        out.n_backlog = (size_t) (to - from + 1);
        bc_reply_ok (reply, &out.base);
        free (gptrs);
    }
    for (size_t i = 0; i < ngroups; i++)
        s_acc_free (groups[i]);
    free (groups);
    s_acc_free (total);
    free (points);
    free (point_ptrs);
    free (day_texts);
    return rc;
}

const char *
router_reports_time_zone (router_t *self)
{
    (void) self;
    const char *tz = getenv ("TZ");
    return tz && *tz ? (*tz == ':' ? tz + 1 : tz) : "UTC";
}

void
router_reports_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__get_report__descriptor, 0, s_report);
}
