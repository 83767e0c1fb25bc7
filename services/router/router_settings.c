/* router_settings: what admins change at run time without editing the
 * config file — SLA targets per priority, the warning fraction, working
 * hours and holidays (GetSettings, UpdateSettings). The changed keys are
 * kept in the meta db ("settings", a Settings of those keys), laid over the
 * file's values at the first batch after a start and at each change, and
 * the calendar and SLA targets are rebuilt from the result. A change is all
 * or nothing: a value the calendar or the SLA code refuses leaves every
 * setting as it was. Clocks already running keep their due times. */
#include "router_internal.h"

#include "bc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_keys[] = {
    "sla/baixa/first_response",   "sla/baixa/resolution",   "sla/normal/first_response",
    "sla/normal/resolution",      "sla/alta/first_response", "sla/alta/resolution",
    "sla/urgente/first_response", "sla/urgente/resolution", "sla/warning",
    "calendar/mon",               "calendar/tue",           "calendar/wed",
    "calendar/thu",               "calendar/fri",           "calendar/sat",
    "calendar/sun",               "calendar/holidays",      "calendar/national_holidays"};
/* The embedded defaults (router_sla.c, bc_calendar.c), in that order. */
static const char *const s_defaults[] = {
    "8h",          "50h",         "4h",          "30h",         "2h", "16h",
    "30m",         "4h",          "0.8",         "08:00-18:00", "08:00-18:00", "08:00-18:00",
    "08:00-18:00", "08:00-18:00", "",            "",            "",   "yes"};
#define S_KEYS (sizeof s_keys / sizeof *s_keys)
#define S_VALUE_MAX 512

static int
s_key_index (const char *key)
{
    for (size_t i = 0; i < S_KEYS; i++)
        if (strcmp (key, s_keys[i]) == 0)
            return (int) i;
    return -1;
}

static const char *
s_value (router_t *self, size_t i)
{
    char path[96];
    snprintf (path, sizeof path, "router/%s", s_keys[i]);
    return bc_config_str (bc_service_config (self->svc), path, s_defaults[i]);
}

/* A business duration as router/sla takes it: 30s, 45m, 4h (no unit:
 * minutes), more than zero. */
static int
s_is_duration (const char *v)
{
    char *end;
    long long n = strtoll (v, &end, 10);
    return end != v && n > 0 && n < 100000 && (!*end || !strcmp (end, "s") || !strcmp (end, "m")
                                                || !strcmp (end, "h"));
}

/* 1 with the refusal in reply when value cannot be key's; 0 when it looks
 * right (the calendar still checks working hours and dates). */
static int
s_refuse (bc_reply_t *reply, const char *key, const char *value)
{
    if (strlen (value) > S_VALUE_MAX) {
        bc_reply_error (reply, "invalid", "o valor de %s passa de %d caracteres",
                        "the value of %s is over %d characters", key, S_VALUE_MAX);
        return 1;
    }
    if (strncmp (key, "sla/", 4) == 0 && strcmp (key, "sla/warning") != 0 && !s_is_duration (value)) {
        bc_reply_error (reply, "invalid",
                        "%s: use uma duração em horário comercial, como 30m, 4h ou 90m (não \"%s\")",
                        "%s: give a duration in business time, like 30m, 4h or 90m (not \"%s\")",
                        key, value);
        return 1;
    }
    if (strcmp (key, "sla/warning") == 0) {
        char *end;
        double f = strtod (value, &end);
        if (end == value || *end || !(f > 0 && f < 1)) {
            bc_reply_error (reply, "invalid",
                            "sla/warning é a fração do prazo em que o chamado fica em alerta, "
                            "entre 0 e 1 (como 0.8)",
                            "sla/warning is the fraction of a target at which a ticket turns "
                            "to warning, between 0 and 1 (like 0.8)");
            return 1;
        }
    }
    if (strcmp (key, "calendar/national_holidays") == 0 && strcmp (value, "yes") != 0
        && strcmp (value, "no") != 0) {
        bc_reply_error (reply, "invalid", "calendar/national_holidays é yes ou no",
                        "calendar/national_holidays is yes or no");
        return 1;
    }
    return 0;
}

/* The SLA fields router_sla_config sets, to put back after a refusal. */
typedef struct {
    int64_t first_response_s[4], resolution_s[4];
    double warning;
    int breach_raises, breach_escalates, auto_close_days, auto_remind_days, reopen_days;
    int64_t auto_close_s, auto_remind_s;
} s_sla_t;

static void
s_sla_save (const router_t *r, s_sla_t *s)
{
    memcpy (s->first_response_s, r->first_response_s, sizeof s->first_response_s);
    memcpy (s->resolution_s, r->resolution_s, sizeof s->resolution_s);
    s->warning = r->warning;
    s->breach_raises = r->breach_raises;
    s->breach_escalates = r->breach_escalates;
    s->auto_close_days = r->auto_close_days;
    s->auto_remind_days = r->auto_remind_days;
    s->reopen_days = r->reopen_days;
    s->auto_close_s = r->auto_close_s;
    s->auto_remind_s = r->auto_remind_s;
}

static void
s_sla_restore (router_t *r, const s_sla_t *s)
{
    memcpy (r->first_response_s, s->first_response_s, sizeof s->first_response_s);
    memcpy (r->resolution_s, s->resolution_s, sizeof s->resolution_s);
    r->warning = s->warning;
    r->breach_raises = s->breach_raises;
    r->breach_escalates = s->breach_escalates;
    r->auto_close_days = s->auto_close_days;
    r->auto_remind_days = s->auto_remind_days;
    r->reopen_days = s->reopen_days;
    r->auto_close_s = s->auto_close_s;
    r->auto_remind_s = s->auto_remind_s;
}

/* Lays the changes over the config and rebuilds the calendar and the SLA
 * targets: 0 done; otherwise nothing changed and err says why (in English,
 * for the log; callers check the values first). */
static int
s_lay (router_t *self, Balcao__V1__Setting *const *changes, size_t n, char *err, size_t size)
{
    bc_config_t *config = bc_service_config (self->svc);
    char **old = calloc (n ? n : 1, sizeof *old);
    for (size_t i = 0; i < n; i++) {
        int k = s_key_index (changes[i]->key);
        old[i] = strdup (s_value (self, (size_t) k));
        char path[96];
        snprintf (path, sizeof path, "router/%s", changes[i]->key);
        bc_config_put (config, path, changes[i]->value);
    }
    s_sla_t saved;
    s_sla_save (self, &saved);
    *err = 0;
    bc_calendar_t *calendar = bc_calendar_new (config, err, size);
    int failed = !calendar;
    if (!failed && router_sla_config (self, config)) {
        snprintf (err, size, "router/sla: a target or the warning fraction was refused");
        failed = 1;
    }
    if (failed) {
        for (size_t i = n; i-- > 0;) {
            char path[96];
            snprintf (path, sizeof path, "router/%s", changes[i]->key);
            bc_config_put (config, path, old[i]);
        }
        s_sla_restore (self, &saved);
        bc_calendar_destroy (&calendar);
    }
    else {
        bc_calendar_destroy (&self->calendar);
        self->calendar = calendar;
    }
    for (size_t i = 0; i < n; i++)
        free (old[i]);
    free (old);
    return failed;
}

/* The stored Settings (only the keys changed at run time), or NULL. */
static int
s_stored (router_t *self, MDB_txn *txn, Balcao__V1__Settings **out)
{
    *out = NULL;
    MDB_val k = {8, "settings"}, v;
    int rc = mdb_get (txn, self->db_meta, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    *out = balcao__v1__settings__unpack (NULL, v.mv_size, v.mv_data);
    if (!*out)
        bc_error ("event=settings_unreadable hint=\"the stored settings are not a Settings; the "
                  "config file's values apply\"");
    return 0;
}

int
router_settings_load (router_t *self, MDB_txn *txn)
{
    Balcao__V1__Settings *s;
    int rc = s_stored (self, txn, &s);
    if (rc || !s)
        return rc;
    /* Only keys this version knows. */
    Balcao__V1__Setting **known = calloc (s->n_settings ? s->n_settings : 1, sizeof *known);
    size_t n = 0;
    for (size_t i = 0; i < s->n_settings; i++)
        if (s_key_index (s->settings[i]->key) >= 0)
            known[n++] = s->settings[i];
    char err[256];
    if (n && s_lay (self, known, n, err, sizeof err))
        bc_error ("event=settings_refused reason=\"%s\" hint=\"the config file's values apply; an "
                  "admin sets them again\"",
                  err);
    else if (n)
        bc_info ("event=settings_loaded keys=%zu", n);
    free (known);
    balcao__v1__settings__free_unpacked (s, NULL);
    return 0;
}

/* The reply: every key's value now, and what was changed at run time. */
static int
s_reply_settings (router_t *self, MDB_txn *txn, bc_reply_t *reply)
{
    Balcao__V1__Settings *stored;
    int rc = s_stored (self, txn, &stored);
    if (rc)
        return rc;
    Balcao__V1__Setting items[S_KEYS], *ptrs[S_KEYS];
    for (size_t i = 0; i < S_KEYS; i++) {
        balcao__v1__setting__init (&items[i]);
        items[i].key = (char *) s_keys[i];
        items[i].value = (char *) s_value (self, i);
        ptrs[i] = &items[i];
    }
    Balcao__V1__Settings out = BALCAO__V1__SETTINGS__INIT;
    out.settings = ptrs;
    out.n_settings = S_KEYS;
    out.time_zone = (char *) bc_config_str (bc_service_config (self->svc), "router/calendar/timezone",
                                            "America/Sao_Paulo");
    char *changed[S_KEYS];
    if (stored) {
        for (size_t i = 0; i < stored->n_settings && out.n_changed_keys < S_KEYS; i++)
            changed[out.n_changed_keys++] = stored->settings[i]->key;
        out.changed_keys = changed;
        out.updated_by = stored->updated_by;
        out.updated_us = stored->updated_us;
    }
    bc_reply_ok (reply, &out.base);
    if (stored)
        balcao__v1__settings__free_unpacked (stored, NULL);
    return 0;
}

static int
s_get (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) request;
    (void) payload;
    router_t *self = state;
    if (!router_is_agent (bc_tx_principal (tx))) {
        bc_reply_error (reply, "forbidden", "as configurações são da equipe de suporte",
                        "settings are for the support team");
        return 0;
    }
    return s_reply_settings (self, bc_tx_txn (tx), reply);
}

static int
s_update (void *state, bc_tx_t *tx, const bc_envelope_t *request, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) request;
    router_t *self = state;
    const Balcao__V1__UpdateSettings *req = (const Balcao__V1__UpdateSettings *) payload;
    const char *who = bc_tx_principal (tx);
    if (strncmp (who, "admin:", 6) != 0) {
        bc_reply_error (reply, "forbidden", "só administradores mudam as configurações",
                        "only admins change settings");
        return 0;
    }
    if (req->n_changes == 0 || req->n_changes > S_KEYS) {
        bc_reply_error (reply, "invalid", "diga de 1 a %d configurações a mudar",
                        "give 1 to %d settings to change", (int) S_KEYS);
        return 0;
    }
    for (size_t i = 0; i < req->n_changes; i++) {
        const Balcao__V1__Setting *c = req->changes[i];
        if (s_key_index (c->key) < 0) {
            bc_reply_error (reply, "invalid",
                            "configuração desconhecida: %.64s (veja balcao settings)",
                            "unknown setting: %.64s (see balcao settings)", c->key);
            return 0;
        }
        if (s_refuse (reply, c->key, c->value))
            return 0;
    }
    char err[256];
    if (s_lay (self, req->changes, req->n_changes, err, sizeof err)) {
        if (strstr (err, "holidays"))
            bc_reply_error (reply, "invalid",
                            "calendar/holidays: datas como 2026-02-16, separadas por vírgula",
                            "calendar/holidays: dates like 2026-02-16, comma-separated");
        else {
            /* err: "router/calendar/mon: '...' is not like ..." */
            const char *key = strncmp (err, "router/", 7) == 0 ? err + 7 : "calendar";
            int len = (int) strcspn (key, ":");
            bc_reply_error (reply, "invalid",
                            "%.*s: use intervalos como 08:00-12:00,13:00-18:00, ou deixe vazio "
                            "para um dia fechado",
                            "%.*s: use ranges like 08:00-12:00,13:00-18:00, or leave it empty "
                            "for a closed day",
                            len, key);
        }
        return 0;
    }
    /* Stored: the earlier changes with these laid over them. */
    MDB_txn *txn = bc_tx_txn (tx);
    Balcao__V1__Settings *stored;
    int rc = s_stored (self, txn, &stored);
    if (rc)
        return rc;
    Balcao__V1__Setting items[S_KEYS], *ptrs[S_KEYS];
    size_t n = 0;
    for (size_t i = 0; i < S_KEYS; i++) {
        const char *value = NULL;
        for (size_t j = 0; stored && j < stored->n_settings; j++)
            if (strcmp (stored->settings[j]->key, s_keys[i]) == 0)
                value = stored->settings[j]->value;
        for (size_t j = 0; j < req->n_changes; j++)
            if (strcmp (req->changes[j]->key, s_keys[i]) == 0)
                value = req->changes[j]->value;
        if (!value)
            continue;
        balcao__v1__setting__init (&items[n]);
        items[n].key = (char *) s_keys[i];
        items[n].value = (char *) value;
        ptrs[n] = &items[n];
        n++;
    }
    Balcao__V1__Settings keep = BALCAO__V1__SETTINGS__INIT;
    keep.settings = ptrs;
    keep.n_settings = n;
    keep.updated_by = (char *) who;
    keep.updated_us = bc_tx_now_us (tx);
    size_t len = balcao__v1__settings__get_packed_size (&keep);
    uint8_t *buf = malloc (len ? len : 1);
    balcao__v1__settings__pack (&keep, buf);
    MDB_val k = {8, "settings"}, v = {len, buf};
    rc = mdb_put (txn, self->db_meta, &k, &v, 0);
    free (buf);
    if (stored)
        balcao__v1__settings__free_unpacked (stored, NULL);
    if (rc == 0) {
        Balcao__V1__SettingsChanged ev = BALCAO__V1__SETTINGS_CHANGED__INIT;
        ev.changes = req->changes;
        ev.n_changes = req->n_changes;
        rc = bc_tx_emit (tx, &ev.base);
    }
    if (rc == 0) {
        bc_info ("event=settings_changed by=%s keys=%zu", who, req->n_changes);
        rc = s_reply_settings (self, txn, reply);
    }
    return rc;
}

void
router_settings_register (bc_service_t *svc)
{
    bc_service_on_command (svc, &balcao__v1__get_settings__descriptor, 0, s_get);
    bc_service_on_command (svc, &balcao__v1__update_settings__descriptor, 1, s_update);
}
