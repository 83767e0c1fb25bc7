/* router_sla: SLA clocks in business time (bc_calendar.c), the
 * auto-close of resolved tickets, and the one alarm armed for the earliest
 * deadline.
 *
 * LMDB: deadlines  due_us (u64 BE) + ticket (u64 BE) + kind (1) -> ""
 *   kinds: 0 first-response warning, 1 its breach, 2 resolution warning,
 *   3 its breach, 4 auto-close reminder, 5 auto-close. */
#include "router_internal.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    SLA_FR_WARN = 0,
    SLA_FR_DUE = 1,
    SLA_RES_WARN = 2,
    SLA_RES_DUE = 3,
    AUTO_REMIND = 4, /* a resolved ticket's reminder to the customer */
    AUTO_CLOSE = 5,  /* ... and its closing by itself */
};

static int
s_priority_index (const char *priority)
{
    static const char *const order[] = {"baixa", "normal", "alta", "urgente"};
    for (int i = 0; i < 4; i++)
        if (strcmp (priority, order[i]) == 0)
            return i;
    return 1;
}

static int
s_deadline (router_t *self, MDB_txn *txn, int64_t due_us, uint64_t number, int kind, int add)
{
    if (!due_us)
        return 0;
    unsigned char key[17];
    bc_key_from_u64 ((uint64_t) due_us, key);
    bc_key_from_u64 (number, key + 8);
    key[16] = (unsigned char) kind;
    MDB_val k = {17, key}, v = {0, ""};
    int rc = add ? mdb_put (txn, self->db_deadlines, &k, &v, 0)
                 : mdb_del (txn, self->db_deadlines, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* now + business seconds, in microseconds. */
static int64_t
s_after (router_t *self, int64_t now_us, int64_t business_s)
{
    return (int64_t) bc_calendar_add (self->calendar, (time_t) (now_us / 1000000), business_s)
           * 1000000;
}

/* Starts (or resumes) the resolution clock at now. */
static int
s_resolution_start (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    int64_t target = self->resolution_s[s_priority_index (t->priority)];
    int64_t left = target - t->resolution_used_s;
    int64_t warn_left = (int64_t) (target * self->warning) - t->resolution_used_s;
    t->resolution_started_us = now;
    t->resolution_due_us = s_after (self, now, left > 0 ? left : 0);
    t->resolution_warn_us = warn_left > 0 ? s_after (self, now, warn_left) : 0;
    int rc = s_deadline (self, txn, t->resolution_warn_us, t->number, SLA_RES_WARN, 1);
    return rc ? rc : s_deadline (self, txn, t->resolution_due_us, t->number, SLA_RES_DUE, 1);
}

/* Stops the resolution clock, keeping the business time used. */
static int
s_resolution_stop (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    if (!t->resolution_started_us)
        return 0;
    t->resolution_used_s += bc_calendar_between (
        self->calendar, (time_t) (t->resolution_started_us / 1000000), (time_t) (now / 1000000));
    int rc = s_deadline (self, txn, t->resolution_warn_us, t->number, SLA_RES_WARN, 0);
    if (rc == 0)
        rc = s_deadline (self, txn, t->resolution_due_us, t->number, SLA_RES_DUE, 0);
    t->resolution_started_us = t->resolution_warn_us = t->resolution_due_us = 0;
    return rc;
}

/* A new ticket's clocks. */
int
router_sla_start (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    int p = s_priority_index (t->priority);
    t->first_response_sla = "running";
    t->first_response_due_us = s_after (self, now, self->first_response_s[p]);
    t->first_response_warn_us =
        s_after (self, now, (int64_t) (self->first_response_s[p] * self->warning));
    t->resolution_sla = "running";
    int rc = s_deadline (self, txn, t->first_response_warn_us, t->number, SLA_FR_WARN, 1);
    if (rc == 0)
        rc = s_deadline (self, txn, t->first_response_due_us, t->number, SLA_FR_DUE, 1);
    return rc ? rc : s_resolution_start (self, txn, t, now);
}

/* The priority changed: running clocks take the new priority's targets.
 * The first response counts from the ticket's creation, the resolution from
 * the business time already used; a target already missed under the new
 * priority fires at once, and a warning that already fired does not fire
 * again. */
int
router_sla_retime (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    if (!*t->resolution_sla)
        return 0;
    int rc = 0;
    if (strcmp (t->first_response_sla, "running") == 0) {
        int p = s_priority_index (t->priority);
        int warned = t->first_response_warn_us && t->first_response_warn_us <= now;
        rc = s_deadline (self, txn, t->first_response_warn_us, t->number, SLA_FR_WARN, 0);
        if (rc == 0)
            rc = s_deadline (self, txn, t->first_response_due_us, t->number, SLA_FR_DUE, 0);
        t->first_response_due_us = s_after (self, t->created_us, self->first_response_s[p]);
        t->first_response_warn_us =
            s_after (self, t->created_us, (int64_t) (self->first_response_s[p] * self->warning));
        if (warned && t->first_response_warn_us <= now)
            t->first_response_warn_us = 0;
        if (rc == 0)
            rc = s_deadline (self, txn, t->first_response_warn_us, t->number, SLA_FR_WARN, 1);
        if (rc == 0)
            rc = s_deadline (self, txn, t->first_response_due_us, t->number, SLA_FR_DUE, 1);
    }
    if (rc == 0 && t->resolution_started_us && strcmp (t->resolution_sla, "running") == 0) {
        rc = s_resolution_stop (self, txn, t, now);
        if (rc == 0)
            rc = s_resolution_start (self, txn, t, now);
    }
    return rc;
}

/* The first public answer: the first-response target is settled. */
int
router_first_response (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now)
{
    if (strcmp (t->first_response_sla, "running") != 0)
        return 0;
    router_set_string (&t->first_response_sla, now <= t->first_response_due_us ? "met" : "breached");
    int rc = s_deadline (self, txn, t->first_response_warn_us, t->number, SLA_FR_WARN, 0);
    return rc ? rc : s_deadline (self, txn, t->first_response_due_us, t->number, SLA_FR_DUE, 0);
}

/* Clocks follow the status: paused while waiting on the customer, settled
 * when resolved, running again when reopened. */
int
router_sla_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    if (!*t->resolution_sla)
        return 0; /* a ticket from before SLA clocks existed */
    int rc = 0;
    if (strcmp (t->status, "aguardando_cliente") == 0 || router_is_done (t->status))
        rc = s_resolution_stop (self, txn, t, now);
    /* Resolved or closed (merged): whatever was said settles the first
     * response too, so no clock of a finished ticket fires. */
    if (rc == 0 && router_is_done (t->status))
        rc = router_first_response (self, txn, t, now);
    if (rc == 0 && strcmp (t->status, "resolvido") == 0
        && strcmp (t->resolution_sla, "running") == 0)
        router_set_string (&t->resolution_sla, "met");
    if (rc == 0 && !router_is_done (t->status) && strcmp (t->status, "aguardando_cliente") != 0
        && !t->resolution_started_us && strcmp (t->resolution_sla, "breached") != 0) {
        if (router_is_done (from))
            router_set_string (&t->resolution_sla, "running");
        rc = s_resolution_start (self, txn, t, now);
    }
    return rc;
}

/* now + one auto-close setting (business days, or business seconds when the
 * config gave a duration), in microseconds; 0 when off. */
static int64_t
s_auto_at (router_t *self, time_t now, int days, int64_t secs)
{
    if (secs > 0)
        return (int64_t) bc_calendar_add (self->calendar, now, secs) * 1000000;
    if (days > 0)
        return (int64_t) bc_calendar_add_days (self->calendar, now, days) * 1000000;
    return 0;
}

/* When a ticket resolved at now_us closes by itself (0: never), and when its
 * customer is reminded (in *remind_us, 0: no reminder). */
int64_t
router_auto_close_at (router_t *self, int64_t now_us, int64_t *remind_us)
{
    time_t now = (time_t) (now_us / 1000000);
    int64_t close = s_auto_at (self, now, self->auto_close_days, self->auto_close_s);
    if (remind_us) {
        int64_t remind = s_auto_at (self, now, self->auto_remind_days, self->auto_remind_s);
        *remind_us = close && remind && remind < close ? remind : 0;
    }
    return close;
}

/* A resolved ticket waits for the customer's validation; without an answer
 * they get one reminder and then it closes by itself. */
int
router_auto_close_schedule (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc = 0;
    if (strcmp (from, "resolvido") == 0 && strcmp (t->status, "resolvido") != 0) {
        rc = s_deadline (self, txn, t->auto_close_reminder_us, t->number, AUTO_REMIND, 0);
        if (rc == 0)
            rc = s_deadline (self, txn, t->auto_close_us, t->number, AUTO_CLOSE, 0);
        t->auto_close_reminder_us = t->auto_close_us = 0;
    }
    if (rc == 0 && strcmp (t->status, "resolvido") == 0
        && (t->auto_close_us = router_auto_close_at (self, bc_tx_now_us (tx),
                                                     &t->auto_close_reminder_us))) {
        rc = s_deadline (self, txn, t->auto_close_reminder_us, t->number, AUTO_REMIND, 1);
        if (rc == 0)
            rc = s_deadline (self, txn, t->auto_close_us, t->number, AUTO_CLOSE, 1);
    }
    return rc;
}

static const char *
s_raise (const char *priority)
{
    static const char *const order[] = {"baixa", "normal", "alta", "urgente"};
    int i = s_priority_index (priority);
    return order[i < 3 ? i + 1 : 3];
}

/* One due deadline: a warning, or a breach and its policy. */
static int
s_deadline_fired (router_t *self, bc_tx_t *tx, uint64_t number, int kind, int64_t due)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = router_get_ticket (self, txn, number, &rc);
    if (!t)
        return rc == MDB_NOTFOUND ? 0 : rc;
    if (kind == AUTO_REMIND || kind == AUTO_CLOSE) {
        if (strcmp (t->status, "resolvido") != 0)
            goto done;
        if (kind == AUTO_REMIND) {
            Balcao__V1__AutoCloseReminder ev = BALCAO__V1__AUTO_CLOSE_REMINDER__INIT;
            ev.number = number;
            ev.customer_address = t->customer_address;
            ev.language = t->language;
            ev.subject = t->subject;
            ev.close_at_us = t->auto_close_us;
            rc = router_emit_for (self, tx, number, &ev.base);
        }
        else
            rc = router_change_status (self, tx, t, "fechado", "auto_close",
                                  "sem resposta do cliente à solução", "");
        goto done;
    }
    int is_fr = kind <= SLA_FR_DUE;
    const char *target = is_fr ? "first_response" : "resolution";
    char **state = is_fr ? &t->first_response_sla : &t->resolution_sla;
    if (strcmp (*state, "running") != 0 || router_is_done (t->status))
        goto done; /* settled since; a stale entry */
    if (kind == SLA_FR_WARN || kind == SLA_RES_WARN) {
        Balcao__V1__SlaWarning ev = BALCAO__V1__SLA_WARNING__INIT;
        ev.number = number;
        ev.target = (char *) target;
        ev.due_us = is_fr ? t->first_response_due_us : t->resolution_due_us;
        ev.priority = t->priority;
        ev.tier = t->tier;
        ev.assignee = t->assignee;
        rc = router_emit_for (self, tx, number, &ev.base);
        self->sla_warned += rc == 0;
        goto done;
    }
    router_set_string (state, "breached");
    self->sla_breached++;
    char *actions[3];
    size_t n = 0;
    Balcao__V1__SlaBreached ev = BALCAO__V1__SLA_BREACHED__INIT;
    ev.number = number;
    ev.target = (char *) target;
    ev.due_us = due;
    ev.priority = t->priority;
    ev.tier = t->tier;
    ev.assignee = t->assignee;
    if (self->breach_raises && strcmp (t->priority, "urgente") != 0)
        actions[n++] = "raise_priority";
    if (self->breach_escalates && strcmp (t->tier, "N3") != 0 && !router_is_done (t->status))
        actions[n++] = "escalate";
    actions[n++] = "alert";
    ev.actions = actions;
    ev.n_actions = n;
    if ((rc = router_emit_for (self, tx, number, &ev.base)))
        goto done;
    bc_warn ("event=sla_breached ticket=%llu target=%s priority=%s tier=%s",
             (unsigned long long) number, target, t->priority, t->tier);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (strcmp (actions[i], "raise_priority") == 0)
            rc = router_set_priority (self, tx, t, s_raise (t->priority), "SLA estourado");
        else if (strcmp (actions[i], "escalate") == 0) {
            Balcao__V1__TicketEscalated esc = BALCAO__V1__TICKET_ESCALATED__INIT;
            esc.to_tier = strcmp (t->tier, "N1") == 0 ? "N2" : "N3";
            esc.direction = "up";
            esc.reason = is_fr ? "SLA de primeira resposta estourado" : "SLA de resolução estourado";
            rc = router_move_tier (self, tx, t, &esc);
        }
    }
done:
    if (rc == 0)
        rc = router_put_ticket (self, txn, t);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}

/* Every deadline that is due, oldest first (at most 1000 per batch). */
static int
s_on_alarm (void *state, bc_tx_t *tx)
{
    router_t *self = state;
    MDB_txn *txn = bc_tx_txn (tx);
    int64_t now = bc_tx_now_us (tx);
    bc_tx_set_principal (tx, "system:router");
    for (int i = 0; i < 1000; i++) {
        MDB_cursor *cur;
        int rc = mdb_cursor_open (txn, self->db_deadlines, &cur);
        if (rc)
            return rc;
        MDB_val k, v;
        rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
        unsigned char key[17];
        if (rc == 0 && k.mv_size == 17)
            memcpy (key, k.mv_data, 17);
        mdb_cursor_close (cur);
        if (rc == MDB_NOTFOUND)
            return 0;
        if (rc)
            return rc;
        MDB_val due_v = {8, key}, num_v = {8, key + 8};
        int64_t due = (int64_t) bc_key_to_u64 (&due_v);
        if (due > now)
            return 0;
        MDB_val del = {17, key};
        if ((rc = mdb_del (txn, self->db_deadlines, &del, NULL)))
            return rc;
        if ((rc = s_deadline_fired (self, tx, bc_key_to_u64 (&num_v), key[16], due)))
            return rc;
    }
    return 0;
}

/* Arms the one alarm for the earliest deadline. */
void
router_after_commit (void *state)
{
    router_t *self = state;
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return;
    MDB_cursor *cur;
    MDB_val k, v;
    int64_t first = 0;
    if (mdb_cursor_open (txn, self->db_deadlines, &cur) == 0) {
        if (mdb_cursor_get (cur, &k, &v, MDB_FIRST) == 0 && k.mv_size == 17) {
            MDB_val due = {8, k.mv_data};
            first = (int64_t) bc_key_to_u64 (&due);
        }
        mdb_cursor_close (cur);
    }
    mdb_txn_abort (txn);
    bc_service_alarm (self->svc, first, s_on_alarm);
}

/* "30s", "45m", "4h" -> seconds; -1 when malformed. */
static int64_t
s_duration (const char *text)
{
    char *end;
    long long n = strtoll (text, &end, 10);
    if (end == text || n < 0)
        return -1;
    if (strcmp (end, "s") == 0)
        return n;
    if (strcmp (end, "m") == 0 || !*end)
        return n * 60;
    if (strcmp (end, "h") == 0)
        return n * 3600;
    return -1;
}

/* router/auto_close_days and router/auto_close_reminder_days: whole business
 * days ("5"), or a business duration ("30s", "45m", "4h": for trials and
 * tests). */
static int
s_auto_setting (bc_config_t *config, const char *key, const char *fallback, int *days,
                int64_t *secs)
{
    const char *value = bc_config_str (config, key, fallback);
    char *end;
    long n = strtol (value, &end, 10);
    *days = 0;
    *secs = 0;
    if (end != value && n >= 0 && n <= 3650 && !*end) {
        *days = (int) n;
        return 0;
    }
    if (end != value && *end && (*secs = s_duration (value)) >= 0)
        return 0;
    bc_error ("event=config_invalid key=%s hint=\"business days like 5, or a duration like 30s, "
              "45m, 4h\"",
              key);
    return -1;
}

/* SLA targets per priority in business time, the warning fraction and the
 * breach policy, from router/sla (defaults: a software company's support). */
int
router_sla_config (router_t *self, bc_config_t *config)
{
    static const char *const priorities[] = {"baixa", "normal", "alta", "urgente"};
    static const char *const first_defaults[] = {"8h", "4h", "2h", "30m"};
    static const char *const resolution_defaults[] = {"50h", "30h", "16h", "4h"};
    for (int i = 0; i < 4; i++) {
        char key[96];
        snprintf (key, sizeof key, "router/sla/%s/first_response", priorities[i]);
        self->first_response_s[i] = s_duration (bc_config_str (config, key, first_defaults[i]));
        snprintf (key, sizeof key, "router/sla/%s/resolution", priorities[i]);
        self->resolution_s[i] = s_duration (bc_config_str (config, key, resolution_defaults[i]));
        if (self->first_response_s[i] < 0 || self->resolution_s[i] < 0) {
            bc_error ("event=config_invalid key=router/sla/%s hint=\"durations are like 30s, 45m, "
                      "4h (business time)\"",
                      priorities[i]);
            return -1;
        }
    }
    self->warning = atof (bc_config_str (config, "router/sla/warning", "0.8"));
    if (self->warning <= 0 || self->warning >= 1) {
        bc_error ("event=config_invalid key=router/sla/warning hint=\"a fraction like 0.8\"");
        return -1;
    }
    if (s_auto_setting (config, "router/auto_close_days", "5", &self->auto_close_days,
                        &self->auto_close_s)
        || s_auto_setting (config, "router/auto_close_reminder_days", "3",
                           &self->auto_remind_days, &self->auto_remind_s))
        return -1;
    self->reopen_days = (int) bc_config_int (config, "router/reopen_days", 7);
    const char *bot = bc_config_str (config, "router/bot/enabled", "yes");
    self->bot_enabled = strcmp (bot, "no") != 0 && strcmp (bot, "off") != 0 && strcmp (bot, "0") != 0;
    const char *policy = bc_config_str (config, "router/sla/on_breach", "raise_priority");
    self->breach_raises = strstr (policy, "raise_priority") != NULL;
    self->breach_escalates = strstr (policy, "escalate") != NULL;
    return 0;
}
