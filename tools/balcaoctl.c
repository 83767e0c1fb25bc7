/* balcaoctl: starts, stops and inspects every Balcão service from one config
 * file, on one machine. Pid files and the supervisor's state go to
 * <data_dir>/run, logs to <data_dir>/log/<service>.log.
 *
 *   balcaoctl [-c CONFIG] up [--demo]   start the supervisor (balcaoctl
 *                                       supervise), which starts every service
 *                                       (and the replicas the config names:
 *                                       balcao-intake -r 2, ...) and restarts
 *                                       one that dies; wait until each
 *                                       answers, print the web address
 *   balcaoctl [-c CONFIG] down          stop the supervisor, which stops each
 *                                       service (SIGTERM; SIGKILL after 10 s)
 *   balcaoctl [-c CONFIG] status        per service: running (pid, uptime,
 *                                       restarts, memory, log position),
 *                                       restarting, or given up
 *   balcaoctl [-c CONFIG] keys [DIR]    CURVE certificates for every service and
 *                                       client program, in DIR (default:
 *                                       balcao/curve_dir); existing ones kept
 *   balcaoctl [-c CONFIG] api-token NAME [--read]
 *                                       a token for an outside system to call
 *                                       the HTTP API as service:NAME (printed
 *                                       once; only its hash is kept); --read
 *                                       lets it read tickets (at the router)
 *   balcaoctl [-c CONFIG] staff-add ID NAME [TIER]
 *                                       a support team member (ID agent:,
 *                                       supervisor: or admin: and an e-mail)
 *                                       registered at the router, with a web
 *                                       password printed once
 *                                       (balcaoctl_staff.c)
 *   balcaoctl [-c CONFIG] backup DIR    a consistent copy of every service's
 *                                       data in DIR while the system runs
 *                                       (balcaoctl_backup.c)
 *   balcaoctl [-c CONFIG] restore DIR [--force] [--only PARTS]
 *                                       puts a backup in place under data_dir,
 *                                       every service stopped; --only: just
 *                                       these (intake,router,kb,notify,
 *                                       gateway,curve: one host's share)
 *   balcaoctl [-c CONFIG] compact [INSTANCE...]
 *                                       each bus service's store copied into
 *                                       a fresh file once caught up (the
 *                                       pages retention freed go back to the
 *                                       disk; balcaoctl_compact.c)
 *   balcaoctl [-c CONFIG] supervise     the supervisor itself, in the
 *                                       foreground (balcaoctl_supervise.c)
 */
#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "balcaoctl.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "bc_log.h"
#include "bc_service.h"
#include "balcaoctl_token.h"
#include "bc_store.h"
#include "bc_svstate.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The sentence in the operator's language (bc_lang_is_en): pt-BR first. */
#define T(pt_, en_) (ctl->en ? (en_) : (pt_))

const char *const ctl_services[] = {"router", "intake", "notify", "kb", "gateway"};

int
ctl_instances (ctl_t *ctl, ctl_instance_t *out)
{
    int n = 0;
    for (int i = 0; i < CTL_NSERVICES; i++) {
        const char *service = ctl_services[i];
        int count = strcmp (service, "intake") == 0 || strcmp (service, "notify") == 0
                        ? bc_config_replicas (ctl->config, service)
                    : strcmp (service, "kb") == 0
                        ? 1 + bc_config_read_replicas (ctl->config, service)
                        : 1;
        for (int k = 1; k <= count && n < CTL_MAX_INSTANCES; k++, n++) {
            bc_config_instance (service, k, out[n].name, sizeof out[n].name);
            snprintf (out[n].service, sizeof out[n].service, "%s", service);
            out[n].replica = k;
        }
    }
    return n;
}

pid_t
ctl_read_pid (ctl_t *ctl, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.pid", ctl->run_dir, name);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf (f, "%ld", &pid) != 1)
        pid = 0;
    fclose (f);
    if (pid <= 0 || kill ((pid_t) pid, 0) != 0)
        return 0;
    /* A recycled pid is not our service (nor is a zombie: no command line). */
    char cmdline[PATH_MAX], procpath[64];
    snprintf (procpath, sizeof procpath, "/proc/%ld/cmdline", pid);
    f = fopen (procpath, "r");
    if (!f)
        return 0;
    size_t n = fread (cmdline, 1, sizeof cmdline - 1, f);
    fclose (f);
    cmdline[n] = 0;
    char want[64], service[32];
    int replica = 1;
    bc_config_service_of (name, service, sizeof service, &replica);
    snprintf (want, sizeof want, "balcao-%s", service);
    return strstr (cmdline, want) ? (pid_t) pid : 0;
}

void
ctl_write_pid (ctl_t *ctl, const char *name, pid_t pid)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.pid", ctl->run_dir, name);
    if (!pid) {
        unlink (path);
        return;
    }
    FILE *f = fopen (path, "w");
    if (f) {
        fprintf (f, "%d\n", (int) pid);
        fclose (f);
    }
}

/* The child holds a close-on-exec pipe that exec closes: the parent returns
 * once the child runs the program, so a pid file names a process whose
 * command line says so. */
pid_t
ctl_spawn (ctl_t *ctl, const char *program, const char *const *args, const char *log,
           const char *notify)
{
    char bin[PATH_MAX + 64], log_path[PATH_MAX + 64];
    snprintf (bin, sizeof bin, "%s/%s", ctl->bin_dir, program);
    snprintf (log_path, sizeof log_path, "%s/%s.log", ctl->log_dir, log);
    int exec_pipe[2];
    if (pipe2 (exec_pipe, O_CLOEXEC))
        return -1;
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    if (pid != 0) {
        close (exec_pipe[1]);
        char byte;
        while (pid > 0 && read (exec_pipe[0], &byte, 1) < 0 && errno == EINTR)
            ;
        close (exec_pipe[0]);
        return pid;
    }
    setsid ();
    int fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND, 0640);
    int null = open ("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2 (fd, 1);
        dup2 (fd, 2);
    }
    if (null >= 0)
        dup2 (null, 0);
    /* Nothing of ours leaks into the child: not the caller's pipes (a test
     * reading our output would wait for the supervisor to end), not the
     * supervisor's sockets, not its blocked signals. */
    close_range (3, ~0U, CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    if (notify)
        setenv ("NOTIFY_SOCKET", notify, 1);
    else
        unsetenv ("NOTIFY_SOCKET");
    const char *argv[8];
    int argc = 0;
    argv[argc++] = bin;
    if (*ctl->config_path) {
        argv[argc++] = "-c";
        argv[argc++] = ctl->config_path;
    }
    for (int i = 0; args && args[i] && argc < 7; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    execv (bin, (char *const *) argv);
    fprintf (stderr, "balcaoctl: cannot run %s: %s\n", bin, strerror (errno));
    _exit (127);
}

ctl_pong_t
ctl_ping (ctl_t *ctl, const char *service)
{
    ctl_pong_t out = {0};
    bc_client_t *c = bc_client_new_for (ctl->config, service, "balcaoctl");
    if (!c)
        return out;
    bc_client_set_timeout (c, 200, 0);
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = NULL;
    if (bc_client_call (c, NULL, &ping.base, &reply) == BC_OK) {
        Balcao__V1__Pong *pong =
            (Balcao__V1__Pong *) bc_envelope_payload (reply, &balcao__v1__pong__descriptor);
        if (pong) {
            out.is_answered = 1;
            out.pid = pong->pid;
            out.head = pong->head_seq;
            out.quarantined = pong->quarantined;
            balcao__v1__pong__free_unpacked (pong, NULL);
        }
    }
    bc_envelope_destroy (&reply);
    bc_client_destroy (&c);
    return out;
}

int
ctl_http_health (ctl_t *ctl)
{
    const char *address = bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1");
    int port = (int) bc_config_int (ctl->config, "gateway/http_port", 8080);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (inet_pton (AF_INET, strcmp (address, "0.0.0.0") == 0 ? "127.0.0.1" : address,
                   &sin.sin_addr) != 1)
        return 0;
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {2, 0};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int code = 0;
    if (connect (fd, (struct sockaddr *) &sin, sizeof sin) == 0) {
        const char *req = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
        char buf[64] = "";
        if (write (fd, req, strlen (req)) > 0 && read (fd, buf, sizeof buf - 1) > 12)
            code = atoi (buf + 9);
    }
    close (fd);
    return code;
}

/* A few tickets so a new user has something to look at. Fixed ids: running
 * it twice creates nothing new. */
static void
s_demo (ctl_t *ctl)
{
    static const struct {
        const char *id, *name, *address, *subject, *body;
    } demo[] = {
        {"demo-1", "Mariana Souza", "mariana@padaria-pao-quente.com.br",
         "Não consigo redefinir minha senha",
         "Olá! Cliquei em \"Esqueci minha senha\" mas o e-mail de redefinição não chega. Já "
         "olhei a caixa de spam. Podem me ajudar?"},
        {"demo-2", "Carlos Pereira", "carlos.pereira@transportes-rapidos.com.br",
         "Erro ao exportar relatório de vendas",
         "Quando tento exportar o relatório de vendas de outubro em Excel aparece \"Erro 500\". "
         "O de setembro exporta normalmente."},
        {"demo-3", "Ana Lima", "ana.lima@clinicavida.com.br",
         "Integração com a API retorna 401",
         "Nossa integração parou de funcionar hoje de manhã: todas as chamadas à API retornam "
         "401 Unauthorized. Não alteramos nada do nosso lado."},
    };
    bc_client_t *c = bc_client_new_for (ctl->config, "intake", "balcaoctl");
    if (!c)
        return;
    bc_client_set_principal (c, "service:demo");
    for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++) {
        Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
        req.channel = "portal";
        req.external_id = (char *) demo[i].id;
        req.from_name = (char *) demo[i].name;
        req.from_address = (char *) demo[i].address;
        req.subject = (char *) demo[i].subject;
        req.body = (char *) demo[i].body;
        bc_envelope_t *reply = NULL;
        char request_id[64];
        snprintf (request_id, sizeof request_id, "demo-submit-%zu", i + 1);
        if (bc_client_call (c, request_id, &req.base, &reply) != BC_OK)
            fprintf (stderr, "balcaoctl: could not submit demo ticket %zu\n", i + 1);
        bc_envelope_destroy (&reply);
    }
    bc_client_destroy (&c);
    printf ("Dados de demonstração enviados (3 chamados).\n");
    /* The starter articles, published, through the agent CLI (kb import). */
    char dir[PATH_MAX + 16], cli[PATH_MAX + 16];
    snprintf (dir, sizeof dir, "%s", bc_config_str (ctl->config, "kb/demo_articles", ""));
    if (!*dir)
        snprintf (dir, sizeof dir, "%s/../data/kb", ctl->bin_dir);
    snprintf (cli, sizeof cli, "%s/balcao", ctl->bin_dir);
    fflush (stdout);
    pid_t pid = fork ();
    if (pid == 0) {
        setenv ("BALCAO_PRINCIPAL", "service:demo", 1);
        if (*ctl->config_path)
            execl (cli, cli, "-c", ctl->config_path, "kb", "import", dir, "--publish", (char *) NULL);
        else
            execl (cli, cli, "kb", "import", dir, "--publish", (char *) NULL);
        _exit (127);
    }
    int status = 0;
    if (pid < 0 || waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status))
        fprintf (stderr, "balcaoctl: could not import the demo articles from %s\n", dir);
    /* The first customer can see her ticket on the portal, and the team
     * can sign in to the dashboard. */
    ctl_demo_account (ctl, demo[0].address, demo[0].name);
    ctl_demo_staff (ctl);
}

int
ctl_wants_imapgate (ctl_t *ctl)
{
    const char *url = bc_config_str (ctl->config, "intake/imap/url", NULL);
    return url && *url;
}

/* The last error line of a service's log, without its timestamp, into buf
 * ("" if none): what a failed start said about itself. */
static const char *
s_last_error (ctl_t *ctl, const char *name, char *buf, size_t size)
{
    char path[PATH_MAX + 64], line[1024];
    snprintf (path, sizeof path, "%s/%s.log", ctl->log_dir, name);
    *buf = 0;
    FILE *f = fopen (path, "r");
    if (!f)
        return buf;
    struct stat st;
    if (fstat (fileno (f), &st) == 0 && st.st_size > 65536)
        fseeko (f, st.st_size - 65536, SEEK_SET);
    while (fgets (line, sizeof line, f)) {
        char *p = strstr (line, "level=error ");
        if (!p)
            continue;
        line[strcspn (line, "\n")] = 0;
        snprintf (buf, size, "%s", p);
    }
    fclose (f);
    return buf;
}

/* Says why a service did not start during `up`. */
static void
s_say_not_started (ctl_t *ctl, const bc_svstate_t *st, const bc_sv_proc_t *proc)
{
    char text[512], last[512];
    if (*proc->bind)
        fprintf (stderr,
                 T ("balcaoctl: %s não iniciou: o endereço %s já está em uso por outro processo "
                    "(outra instalação do Balcão?); veja %s/%s.log\n",
                    "balcaoctl: %s did not start: the address %s is already in use by another "
                    "process (another Balcão installation?); see %s/%s.log\n"),
                 proc->name, proc->bind, ctl->log_dir, proc->name);
    else
        fprintf (stderr, T ("balcaoctl: %s não iniciou: %s\n", "balcaoctl: %s did not start: %s\n"),
                 proc->name, bc_svstate_describe (st, proc, ctl->log_dir, ctl->en, text, sizeof text));
    if (*s_last_error (ctl, proc->name, last, sizeof last))
        fprintf (stderr, T ("balcaoctl: último erro no log de %s: %s\n",
                            "balcaoctl: last error in the log of %s: %s\n"),
                 proc->name, last);
}

/* Waits for the supervisor `expected` to have every process running (1), or
 * says why not (0): ports other processes hold (without waiting for the
 * restarts), services given up, the supervisor gone, or start_timeout_ms
 * passed. */
static int
s_wait_running (ctl_t *ctl, pid_t expected, pid_t child, int64_t deadline, bc_svstate_t *st)
{
    for (;;) {
        int status;
        if (child && waitpid (child, &status, WNOHANG) == child) {
            fprintf (stderr, T ("balcaoctl: o supervisor saiu ao iniciar; veja %s/supervise.log\n",
                                "balcaoctl: the supervisor exited while starting; see "
                                "%s/supervise.log\n"),
                     ctl->log_dir);
            return 0;
        }
        int is_ours = bc_svstate_read (st, ctl->state_path) == 0 && st->pid == expected;
        int running = 0, starting = 0, failed = 0;
        for (int i = 0; is_ours && i < st->nprocs; i++) {
            bc_sv_proc_t *proc = &st->procs[i];
            running += proc->state == BC_SV_RUNNING;
            starting += proc->state == BC_SV_STARTING;
            failed += proc->state == BC_SV_GAVE_UP || *proc->bind;
        }
        if (is_ours && running == st->nprocs)
            return 1;
        /* A failure is told once every first attempt has ended one way or
         * the other: all the ports another installation holds, not the
         * first one seen. */
        if (failed && !starting) {
            for (int i = 0; i < st->nprocs; i++)
                if (st->procs[i].state == BC_SV_GAVE_UP || *st->procs[i].bind)
                    s_say_not_started (ctl, st, &st->procs[i]);
            return 0;
        }
        if (bc_mono_ms () >= deadline) {
            long s = (long) (bc_config_int (ctl->config, "balcaoctl/start_timeout_ms", 15000) / 1000);
            char text[512];
            for (int i = 0; is_ours && i < st->nprocs; i++)
                if (st->procs[i].state != BC_SV_RUNNING)
                    fprintf (stderr,
                             T ("balcaoctl: %s não ficou pronto em %ld s: %s; veja %s/%s.log\n",
                                "balcaoctl: %s was not ready within %ld s: %s; see %s/%s.log\n"),
                             st->procs[i].name, s,
                             bc_svstate_describe (st, &st->procs[i], ctl->log_dir, ctl->en, text,
                                                  sizeof text),
                             ctl->log_dir, st->procs[i].name);
            if (!is_ours)
                fprintf (stderr, T ("balcaoctl: o supervisor não respondeu em %ld s; veja %s/supervise.log\n",
                                    "balcaoctl: the supervisor did not answer within %ld s; see "
                                    "%s/supervise.log\n"),
                         s, ctl->log_dir);
            return 0;
        }
        usleep (20000);
    }
}

/* Stops the supervisor that wrote st, if it runs: it stops the poller, then
 * every service, each within 10 s. */
static void
s_stop_supervisor (ctl_t *ctl, bc_svstate_t *st)
{
    if (!bc_svstate_is_live (st))
        return;
    kill (st->pid, SIGTERM);
    int64_t deadline = bc_mono_ms () + 25000;
    while (bc_svstate_is_live (st) && bc_mono_ms () < deadline)
        usleep (20000);
    if (bc_svstate_is_live (st)) {
        fprintf (stderr, T ("balcaoctl: o supervisor não parou em 25 s; matando-o\n",
                            "balcaoctl: the supervisor did not stop in 25 s; killing it\n"));
        kill (st->pid, SIGKILL);
    }
}

/* Every bus service answers Ping from the process the supervisor started
 * (Pong.pid), and the gateway's /healthz says 200: 1; else says which not.
 * The state is read again while waiting: a service may restart meanwhile. */
static int
s_check_answers (ctl_t *ctl, bc_svstate_t *st, int64_t deadline)
{
    ctl_instance_t inst[CTL_MAX_INSTANCES];
    int n = ctl_instances (ctl, inst);
    for (int i = 0; i < n; i++) {
        const char *name = inst[i].name;
        int is_gateway = strcmp (name, "gateway") == 0;
        for (;;) {
            bc_sv_proc_t *proc = bc_svstate_find (st, name);
            ctl_pong_t pong = {0};
            if (is_gateway ? ctl_http_health (ctl) == 200
                           : (pong = ctl_ping (ctl, name)).is_answered && proc
                                 && pong.pid == proc->pid)
                break;
            if (bc_mono_ms () >= deadline) {
                if (pong.is_answered)
                    fprintf (stderr,
                             T ("balcaoctl: quem responde em %s é outro processo (pid %d), não o "
                                "%s que o supervisor iniciou (pid %d)\n",
                                "balcaoctl: %s is answered by another process (pid %d), not by "
                                "the %s the supervisor started (pid %d)\n"),
                             bc_config_endpoint (ctl->config, name, "command"), pong.pid, name,
                             proc ? proc->pid : 0);
                else
                    fprintf (stderr,
                             T ("balcaoctl: %s está no ar mas não responde; veja %s/%s.log\n",
                                "balcaoctl: %s runs but does not answer; see %s/%s.log\n"),
                             name, ctl->log_dir, name);
                return 0;
            }
            usleep (20000);
            bc_svstate_t now;
            if (bc_svstate_read (&now, ctl->state_path) == 0 && now.pid == st->pid)
                *st = now;
        }
    }
    return 1;
}

static int
s_up (ctl_t *ctl, int demo)
{
    if (bc_dir_ensure (ctl->run_dir) || bc_dir_ensure (ctl->log_dir)) {
        fprintf (stderr, T ("balcaoctl: não consigo criar %s ou %s: %s\n",
                            "balcaoctl: cannot create %s or %s: %s\n"),
                 ctl->run_dir, ctl->log_dir, strerror (errno));
        return 1;
    }
    int64_t start = bc_mono_ms ();
    int64_t deadline = start + bc_config_int (ctl->config, "balcaoctl/start_timeout_ms", 15000);
    bc_svstate_t st;
    pid_t supervisor, child = 0;
    if (bc_svstate_read (&st, ctl->state_path) == 0 && bc_svstate_is_live (&st)) {
        /* Already supervised: what it gave up on gets another chance. */
        supervisor = st.pid;
        int has_given_up = 0;
        for (int i = 0; i < st.nprocs; i++)
            has_given_up |= st.procs[i].state == BC_SV_GAVE_UP;
        if (has_given_up) {
            kill (supervisor, SIGHUP);
            while (has_given_up && bc_mono_ms () < deadline) {
                usleep (20000);
                has_given_up = 0;
                if (bc_svstate_read (&st, ctl->state_path) == 0)
                    for (int i = 0; i < st.nprocs; i++)
                        has_given_up |= st.procs[i].state == BC_SV_GAVE_UP;
            }
        }
    }
    else {
        supervisor = child = ctl_spawn (ctl, "balcaoctl", (const char *const[]) {"supervise", NULL},
                                        "supervise", NULL);
        if (supervisor < 0) {
            fprintf (stderr, "balcaoctl: fork: %s\n", strerror (errno));
            return 1;
        }
    }
    if (!s_wait_running (ctl, supervisor, child, deadline, &st)
        || !s_check_answers (ctl, &st, deadline)) {
        int running = 0;
        if (bc_svstate_read (&st, ctl->state_path) == 0 && bc_svstate_is_live (&st))
            for (int i = 0; i < st.nprocs; i++)
                running += st.procs[i].state == BC_SV_RUNNING;
        if (!running && child) {
            /* Nothing of ours runs: no supervisor is left behind either. */
            s_stop_supervisor (ctl, &st);
            fprintf (stderr, "%s", T ("balcaoctl: nenhum serviço ficou no ar.\n",
                                      "balcaoctl: no service was left running.\n"));
        }
        else if (running)
            fprintf (stderr, T ("balcaoctl: os outros serviços seguem sob o supervisor: "
                                "balcaoctl status mostra cada um; balcaoctl down para tudo.\n",
                                "balcaoctl: the other services stay under the supervisor: "
                                "balcaoctl status shows each; balcaoctl down stops them all.\n"));
        return 1;
    }
    double secs = (double) (bc_mono_ms () - start) / 1000.0;
    ctl_instance_t inst[CTL_MAX_INSTANCES];
    int replicas = ctl_instances (ctl, inst) - CTL_NSERVICES;
    char took[32];
    snprintf (took, sizeof took, "%.2f", secs);
    if (!ctl->en)
        *strchr (took, '.') = ','; /* "0,46 s" */
    if (replicas == 0)
        printf (T ("Balcão no ar: 5 serviços saudáveis em %s s.\n",
                   "Balcão is up: 5 healthy services in %s s.\n"),
                took);
    else
        printf (T ("Balcão no ar: 5 serviços e %d %s saudáveis em %s s.\n",
                   "Balcão is up: 5 services and %d %s healthy in %s s.\n"),
                replicas, replicas == 1 ? T ("réplica", "replica") : T ("réplicas", "replicas"),
                took);
    if (bc_svstate_find (&st, "imapgate"))
        printf (T ("Leitura da caixa IMAP ligada (balcao-imapgate, log em %s/imapgate.log).\n",
                   "Reading the IMAP mailbox (balcao-imapgate, log in %s/imapgate.log).\n"),
                ctl->log_dir);
    if (demo)
        s_demo (ctl);
    const char *address = bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1");
    printf ("Gateway: http://%s:%lld/healthz\n", address,
            bc_config_int (ctl->config, "gateway/http_port", 8080));
    printf (T ("Logs em %s, dados em %s. Serviços sob supervisão (balcaoctl status).\n",
               "Logs in %s, data in %s. Services under supervision (balcaoctl status).\n"),
            ctl->log_dir, bc_config_data_dir (ctl->config));
    return 0;
}

/* Stops processes by their pid files (SIGTERM, then SIGKILL after 10 s):
 * those no supervisor watches (an earlier balcaoctl's, or left by a
 * supervisor that died). */
static void
s_stop_unsupervised (ctl_t *ctl)
{
    ctl_instance_t inst[CTL_MAX_INSTANCES];
    int n = ctl_instances (ctl, inst);
    const char *names[CTL_MAX_INSTANCES + 1] = {"imapgate"};
    for (int i = 0; i < n; i++)
        names[i + 1] = inst[i].name;
    pid_t pids[CTL_MAX_INSTANCES + 1];
    for (int i = 0; i < n + 1; i++) {
        pids[i] = ctl_read_pid (ctl, names[i]);
        if (pids[i])
            kill (pids[i], SIGTERM);
    }
    int64_t deadline = bc_mono_ms () + 10000;
    for (int i = 0; i < n + 1; i++) {
        while (pids[i] && ctl_read_pid (ctl, names[i]) == pids[i] && bc_mono_ms () < deadline)
            usleep (20000);
        if (pids[i] && ctl_read_pid (ctl, names[i]) == pids[i]) {
            fprintf (stderr, T ("balcaoctl: %s não parou em 10 s; matando-o\n",
                                "balcaoctl: %s did not stop in 10 s; killing it\n"),
                     names[i]);
            kill (pids[i], SIGKILL);
        }
        ctl_write_pid (ctl, names[i], 0);
    }
}

static int
s_down (ctl_t *ctl)
{
    bc_svstate_t st;
    if (bc_svstate_read (&st, ctl->state_path) == 0)
        s_stop_supervisor (ctl, &st);
    s_stop_unsupervised (ctl);
    printf (T ("Balcão parado.\n", "Balcão stopped.\n"));
    return 0;
}

/* One row of the `status` table: the columns padded to their width in
 * characters, not bytes ("serviço" and "reinícios" have accents), then the
 * state. */
/* Everything that binds or connects on the bus has its own certificate. */
static int
s_keys (ctl_t *ctl, const char *dir)
{
    static const char *const names[] = {"intake",          "router",          "kb",
                                        "notify",          "gateway",         "balcao",
                                        "balcaoctl",       "balcao-mailgate", "balcao-imapgate",
                                        "balcao-bench"};
    if (!dir)
        dir = bc_config_curve_dir (ctl->config);
    if (!dir) {
        fprintf (stderr, "balcaoctl: CURVE is off (balcao/curve_dir = \"\"): say where, balcaoctl "
                         "keys DIR\n");
        return 64;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bc_curve_make_cert (dir, names[i])) {
            fprintf (stderr, "balcaoctl: cannot write the certificate of %s in %s\n", names[i], dir);
            return 1;
        }
    printf ("Certificados CURVE em %s (públicos autorizados em %s/clients).\n", dir, dir);
    return 0;
}

static int
s_has_arg (int argc, char **argv, int from, const char *arg)
{
    for (int i = from; i < argc; i++)
        if (strcmp (argv[i], arg) == 0)
            return 1;
    return 0;
}

/* The word after arg (`--only intake`), or NULL. */
static const char *
s_arg_after (int argc, char **argv, int from, const char *arg)
{
    for (int i = from; i + 1 < argc; i++)
        if (strcmp (argv[i], arg) == 0)
            return argv[i + 1];
    return NULL;
}

/* restore DIR [--force] [--only PARTS], in any order after DIR. */
static int
s_restore_args (int argc, char **argv, int first)
{
    for (int i = first + 2; i < argc; i++)
        if (strcmp (argv[i], "--only") == 0 && i + 1 < argc)
            i++;
        else if (strcmp (argv[i], "--force") != 0)
            return 0;
    return 1;
}

int
main (int argc, char **argv)
{
    bc_log_init ("balcaoctl");
    bc_log_set_level (BC_LOG_ERROR);
    ctl_t ctl = {0};
    ctl.en = bc_lang_is_en ();
    int first = 1;
    ctl.config = bc_config_from_args (argc, argv, &first);
    if (!ctl.config)
        return 1;
    if (bc_config_path (ctl.config) && !realpath (bc_config_path (ctl.config), ctl.config_path))
        return 1;
    char self[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;
    *strrchr (self, '/') = 0;
    snprintf (ctl.bin_dir, sizeof ctl.bin_dir, "%s", self);
    snprintf (ctl.run_dir, sizeof ctl.run_dir, "%s/run", bc_config_data_dir (ctl.config));
    snprintf (ctl.log_dir, sizeof ctl.log_dir, "%s/log", bc_config_data_dir (ctl.config));
    bc_svstate_path (ctl.config, ctl.state_path, sizeof ctl.state_path);
    const char *cmd = first < argc ? argv[first] : "";
    int rc, curve_error = 0;
    /* Logs, pid files, keys: the operator's alone, like the services' data. */
    umask (077);
    const char *curve_dir = bc_config_curve_dir (ctl.config);
    char cert[4200];
    snprintf (cert, sizeof cert, "%s/balcaoctl.cert_secret", curve_dir ? curve_dir : "");
    if (strcmp (cmd, "up") == 0 && curve_dir && !zsys_file_exists (cert)) {
        /* The first up of an installation makes its keys: CURVE is on by
         * default, and only this account can read the secrets. */
        if ((rc = s_keys (&ctl, curve_dir))) {
            bc_config_destroy (&ctl.config);
            return rc;
        }
    }
    if (strcmp (cmd, "keys") != 0 && strcmp (cmd, "api-token") != 0
        && strcmp (cmd, "supervise") != 0 && strcmp (cmd, "restore") != 0) {
        /* With CURVE on, every ping below needs our certificate: say it once. */
        bc_curve_t *curve = bc_curve_new (ctl.config, "balcaoctl", &curve_error);
        bc_curve_destroy (&curve);
        if (curve_error) {
            bc_config_destroy (&ctl.config);
            return 1;
        }
    }
    if (strcmp (cmd, "up") == 0)
        rc = s_up (&ctl, first + 1 < argc && strcmp (argv[first + 1], "--demo") == 0);
    else if (strcmp (cmd, "down") == 0)
        rc = s_down (&ctl);
    else if (strcmp (cmd, "status") == 0)
        rc = ctl_status (&ctl);
    else if (strcmp (cmd, "keys") == 0)
        rc = s_keys (&ctl, first + 1 < argc ? argv[first + 1] : NULL);
    else if (strcmp (cmd, "api-token") == 0
             && (first + 2 == argc
                 || (first + 3 == argc && strcmp (argv[first + 2], "--read") == 0)))
        rc = balcaoctl_api_token (ctl.config, argv[first + 1], first + 3 == argc);
    else if (strcmp (cmd, "supervise") == 0)
        rc = ctl_supervise (&ctl);
    else if (strcmp (cmd, "staff-add") == 0 && (first + 3 == argc || first + 4 == argc))
        rc = ctl_staff_add (&ctl, argv[first + 1], argv[first + 2],
                            first + 4 == argc ? argv[first + 3] : NULL);
    else if (strcmp (cmd, "compact") == 0)
        rc = ctl_compact (&ctl, argv + first + 1, argc - first - 1);
    else if (strcmp (cmd, "backup") == 0 && first + 2 == argc)
        rc = ctl_backup (&ctl, argv[first + 1]);
    else if (strcmp (cmd, "restore") == 0 && first + 2 <= argc
             && s_restore_args (argc, argv, first))
        rc = ctl_restore (&ctl, argv[first + 1], s_has_arg (argc, argv, first + 2, "--force"),
                          s_arg_after (argc, argv, first + 2, "--only"));
    else {
        fprintf (stderr, "uso: balcaoctl [-c CONFIG] up [--demo] | down | status | keys [DIR] | "
                         "api-token NOME [--read] | staff-add ID NOME [NÍVEL] | backup DIR | "
                         "restore DIR [--force] [--only PARTES] | compact [SERVIÇO...]\n");
        rc = 64;
    }
    bc_config_destroy (&ctl.config);
    return rc;
}
