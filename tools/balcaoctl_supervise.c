/* balcaoctl supervise: the supervisor that `balcaoctl up` leaves running.
 *
 * It starts every service and watches it: a service that exits, other than
 * on the supervisor's own SIGTERM, is started again after a delay that
 * doubles with each quick failure (restart_delay_ms up to
 * restart_max_delay_ms, back to the first once a run lasted
 * restart_reset_ms); one that exits give_up_exits times within
 * give_up_window_s is left stopped, with a sentence saying so (as is one
 * that exits 78, EX_CONFIG: its config is wrong). A service is
 * ready when it sends READY=1 on the socket in $NOTIFY_SOCKET (systemd's
 * protocol, which every service already speaks: it is sent once its sockets
 * are bound), so another installation answering on the same endpoint is
 * never taken for ours. SIGTERM (balcaoctl down) stops every service, waits
 * for each to exit, and ends the supervisor; SIGHUP (a second balcaoctl up)
 * gives the services it gave up on another chance.
 *
 * Its state, rewritten after every change, is in <data_dir>/run/
 * supervise.state (bc_svstate.h); its log, one key=value line per event, in
 * <data_dir>/log/supervise.log.
 */
#include "balcaoctl.h"
#include "bc_clock.h"
#include "bc_log.h"
#include "bc_svstate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SV_STOP_TIMEOUT_MS 10000
#define SV_MAX_EXITS 64 /* most exits remembered for the give-up window */

/* One supervised process. */
typedef struct {
    const char *name;      /* inst.name */
    ctl_instance_t inst;   /* what runs: balcao-<service> [-r <replica>] */
    bc_sv_proc_t *st;      /* its line in the state file */
    pid_t pid;             /* running, 0 when not */
    int is_child;          /* ours (waitpid), or adopted from an earlier supervisor */
    int64_t since_ms;      /* monotonic: when the running process started */
    int64_t next_start_ms; /* monotonic: a planned start, 0 when none */
    int attempt;           /* restarts since it last ran restart_reset_ms */
    int64_t exits_ms[SV_MAX_EXITS]; /* monotonic times of recent exits, oldest first */
    int nexits;
    off_t log_offset; /* where its log ended when it started: read back on exit */
} sv_proc_t;

typedef struct {
    ctl_t *ctl;
    sv_proc_t procs[BC_SV_MAX_PROCS];
    int nprocs;
    bc_svstate_t state;
    int signal_fd;
    int notify_fd;
    char notify_name[64]; /* $NOTIFY_SOCKET: "@" and the abstract socket's name */
    int64_t delay_ms, max_delay_ms, reset_ms, window_ms;
    int give_up_exits;
    int is_dirty; /* the state changed since it was last written */
} supervisor_t;

static sv_proc_t *
s_proc_by_pid (supervisor_t *self, pid_t pid)
{
    for (int i = 0; i < self->nprocs; i++)
        if (self->procs[i].pid == pid && pid > 0)
            return &self->procs[i];
    return NULL;
}

static sv_proc_t *
s_proc_by_name (supervisor_t *self, const char *name)
{
    for (int i = 0; i < self->nprocs; i++)
        if (strcmp (self->procs[i].name, name) == 0)
            return &self->procs[i];
    return NULL;
}

static void
s_set_state (supervisor_t *self, sv_proc_t *proc, bc_sv_state_t state)
{
    proc->st->state = state;
    proc->st->pid = (int) proc->pid;
    self->is_dirty = 1;
}

static void
s_write_state (supervisor_t *self)
{
    self->state.updated_us = bc_now_us ();
    int err = bc_svstate_write (&self->state, self->ctl->state_path);
    if (err)
        bc_error ("event=state_write_failed path=%s reason=\"%s\"", self->ctl->state_path,
                  strerror (err));
    self->is_dirty = 0;
}

/* The socket services send READY=1 to: abstract (no file to clean up), with
 * the sender's credentials attached by the kernel, so a datagram names the
 * process that sent it. */
static int
s_notify_open (supervisor_t *self)
{
    self->notify_fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (self->notify_fd < 0)
        return -1;
    int on = 1;
    setsockopt (self->notify_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    unsigned salt;
    if (getentropy (&salt, sizeof salt))
        salt = (unsigned) bc_now_us ();
    snprintf (self->notify_name, sizeof self->notify_name, "@balcao-supervise-%d-%08x",
              (int) getpid (), salt);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t len = strlen (self->notify_name + 1);
    memcpy (sun.sun_path + 1, self->notify_name + 1, len); /* sun_path[0] = 0: abstract */
    return bind (self->notify_fd, (struct sockaddr *) &sun,
                 (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + len));
}

static void s_exited (supervisor_t *self, sv_proc_t *proc, int has_status, int status);

static void
s_start (supervisor_t *self, sv_proc_t *proc)
{
    char program[64], log[PATH_MAX + 64], replica[16];
    snprintf (program, sizeof program, "balcao-%s", proc->inst.service);
    snprintf (replica, sizeof replica, "%d", proc->inst.replica);
    snprintf (log, sizeof log, "%s/%s.log", self->ctl->log_dir, proc->name);
    struct stat st;
    proc->log_offset = stat (log, &st) == 0 ? st.st_size : 0;
    int is_restart = proc->next_start_ms != 0;
    proc->next_start_ms = 0;
    proc->pid = ctl_spawn (self->ctl, program,
                           proc->inst.replica > 1 ? (const char *const[]) {"-r", replica, NULL}
                                                  : NULL,
                           proc->name, self->notify_name);
    proc->since_ms = bc_mono_ms ();
    proc->st->since_us = bc_now_us ();
    proc->st->next_us = 0;
    if (is_restart)
        proc->st->restarts++;
    if (proc->pid < 0) {
        /* Counted as an exit: the next attempt follows the same policy. */
        bc_error ("event=spawn_failed child=%s reason=\"%s\"", proc->name, strerror (errno));
        proc->pid = 0;
        s_exited (self, proc, 0, 0);
        return;
    }
    proc->is_child = 1;
    ctl_write_pid (self->ctl, proc->name, proc->pid);
    /* imapgate does not speak the notify protocol: it is ready once it runs. */
    s_set_state (self, proc, strcmp (proc->name, "imapgate") == 0 ? BC_SV_RUNNING : BC_SV_STARTING);
    bc_info ("event=started child=%s pid=%d attempt=%d", proc->name, (int) proc->pid,
             proc->attempt);
}

/* What the exited process could not bind, from the lines it wrote to its log
 * since it started ("event=bind_failed ... endpoint=E", the gateway's
 * "event=listen_failed address=A port=P"), into out ("" if none). */
static void
s_bind_failure (supervisor_t *self, sv_proc_t *proc, char *out, size_t size)
{
    *out = 0;
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.log", self->ctl->log_dir, proc->name);
    FILE *f = fopen (path, "r");
    if (!f)
        return;
    struct stat st;
    off_t from = proc->log_offset;
    /* A process that failed to bind wrote little: its last 64 KiB suffice. */
    if (fstat (fileno (f), &st) == 0 && st.st_size - from > 65536)
        from = st.st_size - 65536;
    fseeko (f, from, SEEK_SET);
    char line[2048], value[100], port[16];
    while (fgets (line, sizeof line, f)) {
        char *p;
        if (strstr (line, "event=bind_failed") && (p = strstr (line, " endpoint="))) {
            sscanf (p + 10, "%99s", value);
            snprintf (out, size, "%s", value);
        }
        else if (strstr (line, "event=listen_failed") && (p = strstr (line, " address="))
                 && sscanf (p + 9, "%99s", value) == 1 && (p = strstr (line, " port="))
                 && sscanf (p + 6, "%15s", port) == 1)
            snprintf (out, size, "http://%s:%s", value, port);
    }
    fclose (f);
}

/* Plans what follows an exit nobody asked for: a start after the backoff
 * delay, or none when it failed too often too fast. */
static void
s_exited (supervisor_t *self, sv_proc_t *proc, int has_status, int status)
{
    int64_t now = bc_mono_ms ();
    pid_t pid = proc->pid;
    proc->pid = 0;
    ctl_write_pid (self->ctl, proc->name, 0);
    char what[48] = "status=unknown";
    if (has_status && WIFEXITED (status)) {
        snprintf (proc->st->exit, sizeof proc->st->exit, "status:%d", WEXITSTATUS (status));
        snprintf (what, sizeof what, "status=%d", WEXITSTATUS (status));
    }
    else if (has_status && WIFSIGNALED (status)) {
        snprintf (proc->st->exit, sizeof proc->st->exit, "signal:%d", WTERMSIG (status));
        snprintf (what, sizeof what, "signal=%d", WTERMSIG (status));
    }
    else
        snprintf (proc->st->exit, sizeof proc->st->exit, "lost");
    s_bind_failure (self, proc, proc->st->bind, sizeof proc->st->bind);
    if (now - proc->since_ms >= self->reset_ms)
        proc->attempt = 0;
    if (proc->nexits == SV_MAX_EXITS) {
        memmove (proc->exits_ms, proc->exits_ms + 1, (SV_MAX_EXITS - 1) * sizeof (int64_t));
        proc->nexits--;
    }
    proc->exits_ms[proc->nexits++] = now;
    int recent = 0;
    for (int i = 0; i < proc->nexits; i++)
        recent += proc->exits_ms[i] > now - self->window_ms;
    proc->st->exits = recent;
    const char *bind_key = *proc->st->bind ? " bind_failed=" : "";
    /* EX_CONFIG (imapgate's "the config is wrong"): starting again cannot help. */
    int is_config_error = has_status && WIFEXITED (status) && WEXITSTATUS (status) == 78;
    if (recent >= self->give_up_exits || is_config_error) {
        s_set_state (self, proc, BC_SV_GAVE_UP);
        char why[512];
        bc_svstate_describe (&self->state, proc->st, self->ctl->log_dir, self->ctl->en, why,
                             sizeof why);
        bc_error ("event=gave_up child=%s pid=%d %s exits=%d window_s=%lld%s%s msg=\"%s\"",
                  proc->name, (int) pid, what, recent, (long long) (self->window_ms / 1000),
                  bind_key, proc->st->bind, why);
        return;
    }
    int64_t delay = self->delay_ms;
    for (int i = 0; i < proc->attempt && delay < self->max_delay_ms; i++)
        delay *= 2;
    if (delay > self->max_delay_ms)
        delay = self->max_delay_ms;
    proc->attempt++;
    proc->next_start_ms = now + delay;
    proc->st->next_us = bc_now_us () + delay * 1000;
    s_set_state (self, proc, BC_SV_RESTARTING);
    bc_warn ("event=restart child=%s pid=%d %s attempt=%d delay_ms=%lld%s%s", proc->name,
             (int) pid, what, proc->attempt, (long long) delay, bind_key, proc->st->bind);
}

/* READY=1 from a process we started: it serves. */
static void
s_notify_read (supervisor_t *self)
{
    char buf[512];
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE (sizeof (struct ucred))];
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
    for (;;) {
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = &control,
                             .msg_controllen = sizeof control};
        ssize_t n = recvmsg (self->notify_fd, &msg, MSG_DONTWAIT);
        if (n < 0)
            return;
        buf[n] = 0;
        struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
        if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS)
            continue;
        struct ucred cred;
        memcpy (&cred, CMSG_DATA (c), sizeof cred);
        sv_proc_t *proc = s_proc_by_pid (self, cred.pid);
        int is_ready = strncmp (buf, "READY=1", 7) == 0 || strstr (buf, "\nREADY=1");
        if (!proc || !is_ready || proc->st->state != BC_SV_STARTING)
            continue;
        proc->st->bind[0] = 0;
        s_set_state (self, proc, BC_SV_RUNNING);
        bc_info ("event=ready child=%s pid=%d took_ms=%lld", proc->name, (int) proc->pid,
                 (long long) (bc_mono_ms () - proc->since_ms));
        /* The IMAP poller hands mail to intake: it starts once intake serves. */
        sv_proc_t *gate = s_proc_by_name (self, "imapgate");
        if (strcmp (proc->name, "intake") == 0 && gate && gate->st->state == BC_SV_STOPPED)
            s_start (self, gate);
    }
}

static void
s_reap (supervisor_t *self)
{
    int status;
    pid_t pid;
    while ((pid = waitpid (-1, &status, WNOHANG)) > 0) {
        sv_proc_t *proc = s_proc_by_pid (self, pid);
        if (proc)
            s_exited (self, proc, 1, status);
    }
    /* Processes an earlier supervisor started are not our children: they are
     * looked at instead. */
    for (int i = 0; i < self->nprocs; i++) {
        sv_proc_t *proc = &self->procs[i];
        if (proc->pid && !proc->is_child && ctl_read_pid (self->ctl, proc->name) != proc->pid)
            s_exited (self, proc, 0, 0);
    }
}

/* SIGHUP: the services given up on get one more series of attempts. */
static void
s_retry_given_up (supervisor_t *self)
{
    for (int i = 0; i < self->nprocs; i++) {
        sv_proc_t *proc = &self->procs[i];
        if (proc->st->state != BC_SV_GAVE_UP)
            continue;
        proc->nexits = 0;
        proc->attempt = 0;
        proc->st->exits = 0;
        bc_info ("event=retry child=%s", proc->name);
        s_start (self, proc);
    }
}

/* Whether s_stop (self, only) stops proc: the one called only, or (NULL)
 * every service, imapgate aside. */
static int
s_is_selected (sv_proc_t *proc, const char *only)
{
    return only ? strcmp (proc->name, only) == 0 : strcmp (proc->name, "imapgate") != 0;
}

/* Sends SIGTERM to the selected processes, waits up to SV_STOP_TIMEOUT_MS
 * for them to exit, then SIGKILLs what is left. */
static void
s_stop (supervisor_t *self, const char *only)
{
    int64_t deadline = bc_mono_ms () + SV_STOP_TIMEOUT_MS;
    for (int i = 0; i < self->nprocs; i++) {
        sv_proc_t *proc = &self->procs[i];
        if (!s_is_selected (proc, only))
            continue;
        proc->next_start_ms = 0;
        proc->st->next_us = 0;
        if (proc->pid)
            kill (proc->pid, SIGTERM);
        else
            s_set_state (self, proc, BC_SV_STOPPED);
    }
    for (;;) {
        int left = 0;
        for (int i = 0; i < self->nprocs; i++) {
            sv_proc_t *proc = &self->procs[i];
            if (!proc->pid || !s_is_selected (proc, only))
                continue;
            int status = 0;
            int is_gone = proc->is_child ? waitpid (proc->pid, &status, WNOHANG) == proc->pid
                                         : ctl_read_pid (self->ctl, proc->name) != proc->pid;
            if (!is_gone && bc_mono_ms () >= deadline) {
                bc_error ("event=stop_timeout child=%s pid=%d timeout_ms=%d action=SIGKILL",
                          proc->name, (int) proc->pid, SV_STOP_TIMEOUT_MS);
                kill (proc->pid, SIGKILL);
                is_gone = proc->is_child ? waitpid (proc->pid, &status, 0) == proc->pid : 1;
            }
            if (!is_gone) {
                left++;
                continue;
            }
            if (!proc->is_child)
                bc_info ("event=stopped child=%s pid=%d", proc->name, (int) proc->pid);
            else if (WIFEXITED (status))
                bc_info ("event=stopped child=%s pid=%d status=%d", proc->name, (int) proc->pid,
                         WEXITSTATUS (status));
            else
                bc_warn ("event=stopped child=%s pid=%d signal=%d", proc->name, (int) proc->pid,
                         WTERMSIG (status));
            ctl_write_pid (self->ctl, proc->name, 0);
            proc->pid = 0;
            s_set_state (self, proc, BC_SV_STOPPED);
        }
        if (!left)
            break;
        usleep (20000);
    }
}

static int
s_setup (supervisor_t *self, ctl_t *ctl)
{
    bc_config_t *config = ctl->config;
    self->ctl = ctl;
    self->signal_fd = self->notify_fd = -1;
    self->delay_ms = bc_config_int (config, "balcaoctl/restart_delay_ms", 500);
    self->max_delay_ms = bc_config_int (config, "balcaoctl/restart_max_delay_ms", 30000);
    self->reset_ms = bc_config_int (config, "balcaoctl/restart_reset_ms", 60000);
    self->give_up_exits = (int) bc_config_int (config, "balcaoctl/give_up_exits", 5);
    self->window_ms = bc_config_int (config, "balcaoctl/give_up_window_s", 60) * 1000;
    if (self->delay_ms < 1)
        self->delay_ms = 1;
    if (self->give_up_exits < 1)
        self->give_up_exits = 1;
    self->state.pid = (int) getpid ();
    self->state.give_up_exits = self->give_up_exits;
    self->state.give_up_window_s = (int) (self->window_ms / 1000);
    ctl_instance_t inst[CTL_MAX_INSTANCES + 1]; /* and imapgate */
    int n = ctl_instances (ctl, inst);
    if (ctl_wants_imapgate (ctl))
        inst[n++] = (ctl_instance_t) {"imapgate", "imapgate", 1};
    for (int i = 0; i < n; i++) {
        sv_proc_t *proc = &self->procs[i];
        proc->inst = inst[i];
        proc->name = proc->inst.name;
        proc->st = &self->state.procs[i];
        snprintf (proc->st->name, sizeof proc->st->name, "%s", proc->name);
    }
    self->nprocs = self->state.nprocs = n;

    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGCHLD);
    sigaddset (&set, SIGTERM);
    sigaddset (&set, SIGINT);
    sigaddset (&set, SIGHUP);
    sigprocmask (SIG_BLOCK, &set, NULL);
    self->signal_fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (self->signal_fd < 0 || s_notify_open (self)) {
        bc_error ("event=setup_failed reason=\"%s\"", strerror (errno));
        return -1;
    }
    return 0;
}

int
ctl_supervise (ctl_t *ctl)
{
    bc_log_init ("supervisor");
    bc_log_set_level (BC_LOG_INFO);
    /* One supervisor per data directory: the lock lives as long as it does. */
    char lock_path[PATH_MAX + 32];
    snprintf (lock_path, sizeof lock_path, "%s/supervise.lock", ctl->run_dir);
    int lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0 || flock (lock_fd, LOCK_EX | LOCK_NB)) {
        bc_error ("event=not_started reason=\"another supervisor runs for %s\"", ctl->run_dir);
        bc_log_flush ();
        return 1;
    }
    supervisor_t self_s = {0}, *self = &self_s;
    if (s_setup (self, ctl)) {
        bc_log_flush ();
        return 1;
    }
    bc_info ("event=supervising pid=%d services=%d restart_delay_ms=%lld restart_max_delay_ms=%lld "
             "restart_reset_ms=%lld give_up_exits=%d give_up_window_s=%d",
             (int) getpid (), self->nprocs, (long long) self->delay_ms,
             (long long) self->max_delay_ms, (long long) self->reset_ms, self->give_up_exits,
             self->state.give_up_window_s);
    for (int i = 0; i < self->nprocs; i++) {
        sv_proc_t *proc = &self->procs[i];
        pid_t pid = ctl_read_pid (ctl, proc->name);
        if (pid) {
            /* Left running by a supervisor that died: watched, not restarted. */
            proc->pid = pid;
            proc->since_ms = bc_mono_ms ();
            proc->st->since_us = bc_now_us ();
            s_set_state (self, proc, BC_SV_RUNNING);
            bc_info ("event=adopted child=%s pid=%d", proc->name, (int) pid);
        }
        else if (strcmp (proc->name, "imapgate") != 0
                 || s_proc_by_name (self, "intake")->st->state == BC_SV_RUNNING)
            s_start (self, proc); /* imapgate: now if intake serves already */
    }
    s_write_state (self);
    bc_log_flush ();

    int is_running = 1;
    while (is_running) {
        int64_t now = bc_mono_ms ();
        int64_t timeout = 500; /* adopted processes are looked at this often */
        for (int i = 0; i < self->nprocs; i++)
            if (self->procs[i].next_start_ms && self->procs[i].next_start_ms - now < timeout)
                timeout = self->procs[i].next_start_ms - now;
        struct pollfd fds[2] = {{.fd = self->signal_fd, .events = POLLIN},
                                {.fd = self->notify_fd, .events = POLLIN}};
        poll (fds, 2, timeout > 0 ? (int) timeout : 0);
        struct signalfd_siginfo si;
        while (read (self->signal_fd, &si, sizeof si) == (ssize_t) sizeof si) {
            if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                is_running = 0;
            else if (si.ssi_signo == SIGHUP)
                s_retry_given_up (self);
        }
        s_notify_read (self);
        if (!is_running)
            break;
        s_reap (self);
        now = bc_mono_ms ();
        for (int i = 0; i < self->nprocs; i++) {
            sv_proc_t *proc = &self->procs[i];
            if (proc->next_start_ms && now >= proc->next_start_ms)
                s_start (self, proc);
        }
        if (self->is_dirty)
            s_write_state (self);
        bc_log_flush ();
    }
    bc_info ("event=stopping");
    /* The poller first: it hands mail to intake. */
    s_stop (self, "imapgate");
    s_stop (self, NULL);
    self->state.pid = 0;
    s_write_state (self);
    bc_info ("event=stopped");
    bc_log_flush ();
    close (self->signal_fd);
    close (self->notify_fd);
    close (lock_fd);
    return 0;
}
