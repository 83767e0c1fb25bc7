/* balcaoctl_status: `balcaoctl status`, a line per service and replica:
 * pid, uptime, restarts, memory, log position and state (the supervisor's
 * word, checked against the process that answers its endpoint). */
#include "balcaoctl.h"
#include "bc_clock.h"
#include "bc_config.h"
#include "bc_svstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt_, en_) (ctl->en ? (en_) : (pt_))

/* Resident memory in KiB: all of it, and the process's own (anonymous)
 * part. The difference is mostly LMDB's memory-mapped database pages, which
 * are page cache the kernel can drop, not heap. */
static void
s_rss_kb (pid_t pid, long *total, long *anon)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen (path, "r");
    *total = *anon = -1;
    while (f && fgets (line, sizeof line, f)) {
        if (strncmp (line, "VmRSS:", 6) == 0)
            *total = strtol (line + 6, NULL, 10);
        else if (strncmp (line, "RssAnon:", 8) == 0)
            *anon = strtol (line + 8, NULL, 10);
    }
    if (f)
        fclose (f);
}

static void
s_row (const char *const cells[8])
{
    static const int widths[7] = {8, 8, 9, 9, 8, 9, 9};
    for (int i = 0; i < 7; i++) {
        int chars = 0;
        for (const char *p = cells[i]; *p; p++)
            chars += (*p & 0xC0) != 0x80;
        printf ("%s%*s", cells[i], widths[i] - chars + 1, "");
    }
    printf ("%s\n", cells[7]);
}

/* One line of `status` for the process called name; 1 when it is running
 * under the supervisor and answering as itself. */
static int
s_status_line (ctl_t *ctl, bc_svstate_t *st, int is_live, const char *name)
{
    bc_sv_proc_t *proc = bc_svstate_find (st, name);
    pid_t pid = is_live && proc ? proc->pid : ctl_read_pid (ctl, name);
    int is_gateway = strcmp (name, "gateway") == 0, is_gate = strcmp (name, "imapgate") == 0;
    ctl_pong_t pong = {0};
    int http = is_gateway ? ctl_http_health (ctl) : 0;
    if (is_gateway)
        pong.is_answered = http != 0;
    else if (!is_gate)
        pong = ctl_ping (ctl, name);
    /* Only the process we started counts, once it said it is ready: a Pong
     * names its pid; the gateway answering while ours runs is ours (it
     * could not have bound the port otherwise). */
    int is_ready = !is_live || !proc || proc->state == BC_SV_RUNNING;
    int is_itself = pid && is_ready
                    && (is_gate || (is_gateway ? pong.is_answered
                                               : pong.is_answered && pong.pid == pid));
    char rss[32] = "-", anon[32] = "-", up[32] = "-", restarts[16] = "-", head[24] = "-";
    char state[640], text[512];
    if (pid) {
        long total_kb, anon_kb;
        s_rss_kb (pid, &total_kb, &anon_kb);
        snprintf (rss, sizeof rss, "%.1f", (double) total_kb / 1024.0);
        snprintf (anon, sizeof anon, "%.1f", (double) anon_kb / 1024.0);
    }
    if (is_live && proc && pid) {
        long s = (long) ((bc_now_us () - proc->since_us) / 1000000);
        if (s < 3600)
            snprintf (up, sizeof up, "%ldm%02lds", s / 60, s % 60);
        else
            snprintf (up, sizeof up, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    }
    if (proc)
        snprintf (restarts, sizeof restarts, "%d", proc->restarts);
    if (is_itself && !is_gateway)
        snprintf (head, sizeof head, "%llu", (unsigned long long) pong.head);
    char endpoint[300];
    if (is_gateway)
        snprintf (endpoint, sizeof endpoint, "http://%s:%lld",
                  bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1"),
                  bc_config_int (ctl->config, "gateway/http_port", 8080));
    else
        snprintf (endpoint, sizeof endpoint, "%s",
                  bc_config_endpoint (ctl->config, name, "command"));
    if (is_itself && is_gateway && http != 200) {
        snprintf (state, sizeof state,
                  T ("no ar, mas /healthz responde %d: um serviço não lhe responde",
                     "running, but /healthz answers %d: a service does not answer it"),
                  http);
        is_itself = 0;
    }
    else if (is_itself && pong.quarantined)
        snprintf (state, sizeof state,
                  T ("ok, %llu evento(s) em quarentena: balcao quarantine list %s",
                     "ok, %llu event(s) in quarantine: balcao quarantine list %s"),
                  (unsigned long long) pong.quarantined, name);
    else if (is_itself && is_live)
        snprintf (state, sizeof state, "ok");
    else if (is_itself)
        snprintf (state, sizeof state, "%s",
                  T ("no ar, sem supervisor (balcaoctl up o retoma)",
                     "running, unsupervised (balcaoctl up takes it back)"));
    else if (pid && !is_ready)
        snprintf (state, sizeof state, "%s", T ("iniciando", "starting"));
    else if (pid && pong.is_answered && !is_gateway)
        snprintf (state, sizeof state,
                  T ("outro processo (pid %d) responde em %s, não este",
                     "another process (pid %d) answers on %s, not this one"),
                  pong.pid, endpoint);
    else if (pid)
        snprintf (state, sizeof state, "%s", T ("sem resposta", "not answering"));
    else {
        if (proc)
            bc_svstate_describe (st, proc, ctl->log_dir, ctl->en, text, sizeof text);
        else
            snprintf (text, sizeof text, "%s", T ("parado", "stopped"));
        if (pong.is_answered && is_gateway)
            snprintf (state, sizeof state,
                      T ("%s; outro processo responde em %s", "%s; another process answers on %s"),
                      text, endpoint);
        else if (pong.is_answered)
            snprintf (state, sizeof state,
                      T ("%s; outro processo (pid %d) responde em %s",
                         "%s; another process (pid %d) answers on %s"),
                      text, pong.pid, endpoint);
        else
            snprintf (state, sizeof state, "%s", text);
    }
    char pid_text[16] = "-";
    if (pid)
        snprintf (pid_text, sizeof pid_text, "%d", (int) pid);
    s_row ((const char *const[8]) {name, pid_text, up, restarts, rss, anon, head, state});
    return is_itself && is_live;
}

int
ctl_status (ctl_t *ctl)
{
    bc_svstate_t st;
    bc_svstate_read (&st, ctl->state_path);
    int is_live = bc_svstate_is_live (&st);
    if (is_live)
        printf (T ("Supervisor: pid %d (log em %s/supervise.log).\n",
                   "Supervisor: pid %d (log in %s/supervise.log).\n"),
                st.pid, ctl->log_dir);
    else
        printf ("%s", T ("Supervisor: não está no ar (balcaoctl up o inicia).\n",
                         "Supervisor: not running (balcaoctl up starts it).\n"));
    s_row ((const char *const[8]) {T ("serviço", "service"), "pid", T ("no ar", "up"),
                                   T ("reinícios", "restarts"), "RSS MiB", T ("(própria)", "(own)"),
                                   "log (seq)", T ("estado", "state")});
    int all = is_live;
    ctl_instance_t inst[CTL_MAX_INSTANCES];
    int n = ctl_instances (ctl, inst);
    for (int i = 0; i < n; i++)
        all &= s_status_line (ctl, &st, is_live, inst[i].name);
    if (bc_svstate_find (&st, "imapgate") || ctl_read_pid (ctl, "imapgate")
        || ctl_wants_imapgate (ctl))
        all &= s_status_line (ctl, &st, is_live, "imapgate");
    return all ? 0 : 3;
}
