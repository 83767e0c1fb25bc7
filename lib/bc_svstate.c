/* bc_svstate: the supervisor's state file (see bc_svstate.h). */
#include "bc_svstate.h"
#include "bc_clock.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_state_names[] = {"stopped", "starting", "running", "restarting",
                                            "gave_up"};

const char *
bc_sv_state_name (bc_sv_state_t state)
{
    return (unsigned) state < sizeof s_state_names / sizeof s_state_names[0] ? s_state_names[state]
                                                                             : "stopped";
}

int
bc_sv_state_parse (const char *name)
{
    for (size_t i = 0; i < sizeof s_state_names / sizeof s_state_names[0]; i++)
        if (strcmp (name, s_state_names[i]) == 0)
            return (int) i;
    return -1;
}

void
bc_svstate_path (bc_config_t *config, char *buf, size_t size)
{
    snprintf (buf, size, "%s/run/supervise.state", bc_config_data_dir (config));
}

/* "" is written as "-", so that every value is one word. */
static const char *
s_word (const char *value)
{
    return value && *value ? value : "-";
}

int
bc_svstate_write (const bc_svstate_t *self, const char *path)
{
    char tmp[4200];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen (tmp, "w");
    if (!f)
        return errno;
    fprintf (f, "supervisor pid=%d updated_us=%" PRId64 " give_up_exits=%d give_up_window_s=%d\n",
             self->pid, self->updated_us, self->give_up_exits, self->give_up_window_s);
    for (int i = 0; i < self->nprocs; i++) {
        const bc_sv_proc_t *p = &self->procs[i];
        fprintf (f,
                 "process name=%s state=%s pid=%d since_us=%" PRId64 " next_us=%" PRId64
                 " restarts=%d exits=%d exit=%s bind=%s\n",
                 p->name, bc_sv_state_name (p->state), p->pid, p->since_us, p->next_us,
                 p->restarts, p->exits, s_word (p->exit), s_word (p->bind));
    }
    int err = ferror (f) ? EIO : 0;
    if (fclose (f) && !err)
        err = errno;
    if (!err && rename (tmp, path))
        err = errno;
    if (err)
        unlink (tmp);
    return err;
}

/* Copies the value of key=... in line into out ("" for "-"); 0 if absent. */
static int
s_value (const char *line, const char *key, char *out, size_t size)
{
    size_t klen = strlen (key);
    for (const char *p = line; (p = strstr (p, key)) != NULL; p += klen) {
        if ((p != line && p[-1] != ' ') || p[klen] != '=')
            continue;
        const char *v = p + klen + 1;
        size_t n = strcspn (v, " \n");
        if (n >= size)
            n = size - 1;
        memcpy (out, v, n);
        out[n] = 0;
        if (strcmp (out, "-") == 0)
            *out = 0;
        return 1;
    }
    return 0;
}

static int64_t
s_int (const char *line, const char *key)
{
    char v[32];
    return s_value (line, key, v, sizeof v) ? strtoll (v, NULL, 10) : 0;
}

int
bc_svstate_read (bc_svstate_t *self, const char *path)
{
    memset (self, 0, sizeof *self);
    FILE *f = fopen (path, "r");
    if (!f)
        return errno;
    char line[1024];
    int has_header = 0;
    while (fgets (line, sizeof line, f)) {
        if (strncmp (line, "supervisor ", 11) == 0) {
            has_header = 1;
            self->pid = (int) s_int (line, "pid");
            self->updated_us = s_int (line, "updated_us");
            self->give_up_exits = (int) s_int (line, "give_up_exits");
            self->give_up_window_s = (int) s_int (line, "give_up_window_s");
        }
        else if (strncmp (line, "process ", 8) == 0 && self->nprocs < BC_SV_MAX_PROCS) {
            bc_sv_proc_t *p = &self->procs[self->nprocs];
            char state[24];
            if (!s_value (line, "name", p->name, sizeof p->name) || !*p->name
                || !s_value (line, "state", state, sizeof state))
                continue;
            int s = bc_sv_state_parse (state);
            p->state = s < 0 ? BC_SV_STOPPED : (bc_sv_state_t) s;
            p->pid = (int) s_int (line, "pid");
            p->since_us = s_int (line, "since_us");
            p->next_us = s_int (line, "next_us");
            p->restarts = (int) s_int (line, "restarts");
            p->exits = (int) s_int (line, "exits");
            s_value (line, "exit", p->exit, sizeof p->exit);
            s_value (line, "bind", p->bind, sizeof p->bind);
            self->nprocs++;
        }
    }
    fclose (f);
    return has_header ? 0 : EINVAL;
}

bc_sv_proc_t *
bc_svstate_find (bc_svstate_t *self, const char *name)
{
    for (int i = 0; i < self->nprocs; i++)
        if (strcmp (self->procs[i].name, name) == 0)
            return &self->procs[i];
    return NULL;
}

int
bc_svstate_is_live (const bc_svstate_t *self)
{
    if (self->pid <= 0)
        return 0;
    /* Another user's process answers EPERM: it is there. */
    if (kill (self->pid, 0) != 0 && errno != EPERM)
        return 0;
    char path[64], cmdline[512];
    snprintf (path, sizeof path, "/proc/%d/cmdline", self->pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    size_t n = fread (cmdline, 1, sizeof cmdline - 1, f);
    fclose (f);
    cmdline[n] = 0;
    /* A recycled pid is not our supervisor. */
    return strstr (cmdline, "balcaoctl") != NULL;
}

/* "12 s", "2 min 5 s", "3 h 4 min": a duration people read at a glance. */
static void
s_duration (int64_t us, char *buf, size_t size)
{
    long s = us > 0 ? (long) ((us + 500000) / 1000000) : 0;
    if (us < 9950000)
        snprintf (buf, size, "%.1f s", us > 0 ? (double) us / 1e6 : 0.0);
    else if (s < 60)
        snprintf (buf, size, "%ld s", s);
    else if (s < 3600)
        snprintf (buf, size, "%ld min %ld s", s / 60, s % 60);
    else
        snprintf (buf, size, "%ld h %ld min", s / 3600, (s % 3600) / 60);
}

/* "saiu com status 1" / "morto pelo sinal 9 (KILL)", from "status:1". */
static void
s_exit_text (const char *exit, int en, char *buf, size_t size)
{
    int n = 0;
    if (sscanf (exit, "status:%d", &n) == 1)
        snprintf (buf, size, en ? "exited with status %d" : "saiu com status %d", n);
    else if (sscanf (exit, "signal:%d", &n) == 1) {
        const char *abbrev = sigabbrev_np (n);
        snprintf (buf, size, en ? "killed by signal %d (%s)" : "morto pelo sinal %d (%s)", n,
                  abbrev ? abbrev : "?");
    }
    else /* "lost": not our child, so how it ended is not known */
        snprintf (buf, size, "%s", en ? "ended" : "terminou");
}

const char *
bc_svstate_describe (const bc_svstate_t *self, const bc_sv_proc_t *proc, const char *log_dir,
                     int en, char *buf, size_t size)
{
    char why[256] = "", took[32], exit[64] = "";
    int64_t now = bc_now_us ();
    if (*proc->exit)
        s_exit_text (proc->exit, en, exit, sizeof exit);
    if (*proc->bind)
        snprintf (why, sizeof why,
                  en ? "the address %s is already in use by another process"
                     : "o endereço %s já está em uso por outro processo",
                  proc->bind);
    if (!bc_svstate_is_live (self)) {
        snprintf (buf, size, "%s",
                  self->pid == 0 ? (en ? "stopped (balcaoctl down; balcaoctl up starts it)"
                                       : "parado (balcaoctl down; balcaoctl up o inicia)")
                                 : (en ? "stopped: its supervisor is not running (balcaoctl up)"
                                       : "parado: o supervisor não está no ar (balcaoctl up)"));
        return buf;
    }
    switch (proc->state) {
    case BC_SV_STARTING:
        s_duration (now - proc->since_us, took, sizeof took);
        snprintf (buf, size, en ? "starting (pid %d, for %s)" : "iniciando (pid %d, há %s)",
                  proc->pid, took);
        break;
    case BC_SV_RUNNING:
        s_duration (now - proc->since_us, took, sizeof took);
        if (en)
            snprintf (buf, size, "running (pid %d, up %s, %d restart%s)", proc->pid, took,
                      proc->restarts, proc->restarts == 1 ? "" : "s");
        else
            snprintf (buf, size, "no ar (pid %d, há %s, %d reinício%s)", proc->pid, took,
                      proc->restarts, proc->restarts == 1 ? "" : "s");
        break;
    case BC_SV_RESTARTING:
        s_duration (proc->next_us - now, took, sizeof took);
        snprintf (buf, size,
                  en ? "restarting (next attempt in %s; last time it %s%s%s)"
                     : "reiniciando (próxima tentativa em %s; da última vez %s%s%s)",
                  took, *exit ? exit : "?", *why ? ": " : "", why);
        break;
    case BC_SV_GAVE_UP:
        if (strcmp (proc->exit, "status:78") == 0) {
            snprintf (buf, size,
                      en ? "stopped: it exited with status 78, its configuration is wrong; see %s/%s.log"
                         : "parado: saiu com status 78, a configuração está errada; veja %s/%s.log",
                      log_dir, proc->name);
            break;
        }
        snprintf (buf, size,
                  en ? "stopped after %d failures in a row within %d s%s%s%s; see %s/%s.log"
                     : "parado após %d falhas seguidas em %d s%s%s%s; veja %s/%s.log",
                  proc->exits, self->give_up_window_s, *why ? " (" : "", why, *why ? ")" : "",
                  log_dir, proc->name);
        break;
    default:
        snprintf (buf, size, "%s", en ? "stopped" : "parado");
    }
    return buf;
}
