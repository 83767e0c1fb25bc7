/* balcaoctl: starts, stops and inspects every Balcão service from one config
 * file, on one machine. Pid files go to <data_dir>/run, logs to
 * <data_dir>/log/<service>.log.
 *
 *   balcaoctl [-c CONFIG] up [--demo]   start what is not running, wait until
 *                                       all are healthy, print the web address
 *   balcaoctl [-c CONFIG] down          SIGTERM each service, wait, SIGKILL
 *                                       after 10 s
 *   balcaoctl [-c CONFIG] status        pid, memory and log position of each
 *   balcaoctl [-c CONFIG] keys [DIR]    CURVE certificates for every service and
 *                                       client program, in DIR (default:
 *                                       balcao/curve_dir); existing ones kept
 *   balcaoctl [-c CONFIG] api-token NAME
 *                                       a token for an outside system to call
 *                                       the HTTP API as service:NAME (printed
 *                                       once; only its hash is kept)
 */
#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/intake.pb-c.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "bc_log.h"
#include "bc_store.h"
#include "bc_service.h"
#include "balcaoctl_token.h"

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

static const char *const s_services[] = {"router", "intake", "notify", "kb", "gateway"};
#define NSERVICES 5

typedef struct {
    bc_config_t *config;
    char config_path[PATH_MAX]; /* absolute, "" for embedded defaults */
    char bin_dir[PATH_MAX];
    char run_dir[PATH_MAX];
    char log_dir[PATH_MAX];
} ctl_t;

static pid_t
s_read_pid (ctl_t *ctl, const char *service)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.pid", ctl->run_dir, service);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf (f, "%ld", &pid) != 1)
        pid = 0;
    fclose (f);
    if (pid <= 0 || kill ((pid_t) pid, 0) != 0)
        return 0;
    /* A recycled pid is not our service. */
    char cmdline[PATH_MAX], procpath[64];
    snprintf (procpath, sizeof procpath, "/proc/%ld/cmdline", pid);
    f = fopen (procpath, "r");
    if (!f)
        return 0;
    size_t n = fread (cmdline, 1, sizeof cmdline - 1, f);
    fclose (f);
    cmdline[n] = 0;
    char want[64];
    snprintf (want, sizeof want, "balcao-%s", service);
    return strstr (cmdline, want) ? (pid_t) pid : 0;
}

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

/* Starts balcao-<service> and returns once it runs that program (or has
 * failed to), so its pid file names a process whose command line says so:
 * the child holds a close-on-exec pipe that exec closes. */
static pid_t
s_spawn (ctl_t *ctl, const char *service)
{
    char bin[PATH_MAX + 64], log[PATH_MAX + 64];
    snprintf (bin, sizeof bin, "%s/balcao-%s", ctl->bin_dir, service);
    snprintf (log, sizeof log, "%s/%s.log", ctl->log_dir, service);
    int exec_pipe[2];
    if (pipe2 (exec_pipe, O_CLOEXEC))
        return -1;
    pid_t pid = fork ();
    if (pid != 0) {
        close (exec_pipe[1]);
        char byte;
        while (pid > 0 && read (exec_pipe[0], &byte, 1) < 0 && errno == EINTR)
            ;
        close (exec_pipe[0]);
        return pid;
    }
    close (exec_pipe[0]);
    setsid ();
    int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0640);
    int null = open ("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2 (fd, 1);
        dup2 (fd, 2);
    }
    if (null >= 0)
        dup2 (null, 0);
    if (*ctl->config_path)
        execl (bin, bin, "-c", ctl->config_path, (char *) NULL);
    else
        execl (bin, bin, (char *) NULL);
    fprintf (stderr, "balcaoctl: cannot run %s: %s\n", bin, strerror (errno));
    _exit (127);
}

static int
s_ping (ctl_t *ctl, const char *service, uint64_t *head)
{
    bc_client_t *c = bc_client_new_for (ctl->config, service, "balcaoctl");
    if (!c)
        return 0;
    bc_client_set_timeout (c, 200, 0);
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (c, NULL, &ping.base, &reply);
    if (rc == BC_OK && head) {
        Balcao__V1__Pong *pong =
            (Balcao__V1__Pong *) bc_envelope_payload (reply, &balcao__v1__pong__descriptor);
        *head = pong ? pong->head_seq : 0;
        if (pong)
            balcao__v1__pong__free_unpacked (pong, NULL);
    }
    bc_envelope_destroy (&reply);
    bc_client_destroy (&c);
    return rc == BC_OK;
}

/* The gateway is healthy when GET /healthz answers 200. */
static int
s_http_healthy (ctl_t *ctl)
{
    const char *address = bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1");
    int port = (int) bc_config_int (ctl->config, "gateway/http_port", 8080);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (inet_pton (AF_INET, strcmp (address, "0.0.0.0") == 0 ? "127.0.0.1" : address,
                   &sin.sin_addr) != 1)
        return 0;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {2, 0};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int ok = 0;
    if (connect (fd, (struct sockaddr *) &sin, sizeof sin) == 0) {
        const char *req = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
        char buf[64] = "";
        if (write (fd, req, strlen (req)) > 0 && read (fd, buf, sizeof buf - 1) > 12)
            ok = strncmp (buf + 9, "200", 3) == 0;
    }
    close (fd);
    return ok;
}

static int
s_healthy (ctl_t *ctl, const char *service)
{
    return strcmp (service, "gateway") == 0 ? s_http_healthy (ctl) : s_ping (ctl, service, NULL);
}

static void
s_write_pid (ctl_t *ctl, const char *service, pid_t pid)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.pid", ctl->run_dir, service);
    FILE *f = fopen (path, "w");
    if (f) {
        fprintf (f, "%d\n", (int) pid);
        fclose (f);
    }
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
}

/* The IMAP poller runs when intake/imap/url is set: started after intake
 * answers, stopped before it. */
static int
s_wants_imapgate (ctl_t *ctl)
{
    const char *url = bc_config_str (ctl->config, "intake/imap/url", NULL);
    return url && *url;
}

/* Stops one process by its pid file (SIGTERM, then SIGKILL after 10 s). */
static void
s_stop_one (ctl_t *ctl, const char *name)
{
    pid_t pid = s_read_pid (ctl, name);
    if (pid) {
        kill (pid, SIGTERM);
        int64_t deadline = bc_mono_ms () + 10000;
        while (kill (pid, 0) == 0 && bc_mono_ms () < deadline) {
            waitpid (pid, NULL, WNOHANG);
            usleep (20000);
        }
        if (kill (pid, 0) == 0) {
            fprintf (stderr, "balcaoctl: %s did not stop in 10 s; killing it\n", name);
            kill (pid, SIGKILL);
        }
    }
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s.pid", ctl->run_dir, name);
    unlink (path);
}

static int
s_up (ctl_t *ctl, int demo)
{
    if (bc_dir_ensure (ctl->run_dir) || bc_dir_ensure (ctl->log_dir)) {
        fprintf (stderr, "balcaoctl: cannot create %s or %s: %s\n", ctl->run_dir, ctl->log_dir,
                 strerror (errno));
        return 1;
    }
    int64_t start = bc_mono_ms ();
    /* Our own children are watched with waitpid, which reaps one that died
     * and says how; services already running, by their pid files. */
    pid_t spawned[NSERVICES] = {0};
    for (int i = 0; i < NSERVICES; i++) {
        if (s_read_pid (ctl, s_services[i]))
            continue;
        pid_t pid = s_spawn (ctl, s_services[i]);
        if (pid < 0) {
            fprintf (stderr, "balcaoctl: fork failed: %s\n", strerror (errno));
            return 1;
        }
        s_write_pid (ctl, s_services[i], pid);
        spawned[i] = pid;
    }
    int64_t deadline = start + bc_config_int (ctl->config, "balcaoctl/start_timeout_ms", 15000);
    int healthy[NSERVICES] = {0};
    int n_healthy = 0;
    while (n_healthy < NSERVICES && bc_mono_ms () < deadline) {
        for (int i = 0; i < NSERVICES; i++) {
            if (healthy[i])
                continue;
            int status = 0;
            if (spawned[i] ? waitpid (spawned[i], &status, WNOHANG) == spawned[i]
                           : !s_read_pid (ctl, s_services[i])) {
                char why[48] = "";
                if (spawned[i] && WIFEXITED (status))
                    snprintf (why, sizeof why, " with status %d", WEXITSTATUS (status));
                else if (spawned[i] && WIFSIGNALED (status))
                    snprintf (why, sizeof why, " on signal %d", WTERMSIG (status));
                fprintf (stderr, "balcaoctl: %s exited during start%s; see %s/%s.log\n",
                         s_services[i], why, ctl->log_dir, s_services[i]);
                return 1;
            }
            if (s_healthy (ctl, s_services[i])) {
                healthy[i] = 1;
                n_healthy++;
            }
        }
        if (n_healthy < NSERVICES)
            usleep (10000);
    }
    if (n_healthy < NSERVICES) {
        for (int i = 0; i < NSERVICES; i++)
            if (!healthy[i])
                fprintf (stderr, "balcaoctl: %s is not answering; see %s/%s.log\n", s_services[i],
                         ctl->log_dir, s_services[i]);
        return 1;
    }
    double secs = (double) (bc_mono_ms () - start) / 1000.0;
    printf ("Balcão no ar: 5 serviços saudáveis em %.2f s.\n", secs);
    if (s_wants_imapgate (ctl) && !s_read_pid (ctl, "imapgate")) {
        pid_t pid = s_spawn (ctl, "imapgate");
        if (pid > 0) {
            s_write_pid (ctl, "imapgate", pid);
            printf ("Leitura da caixa IMAP ligada (balcao-imapgate, log em %s/imapgate.log).\n",
                    ctl->log_dir);
        }
    }
    if (demo)
        s_demo (ctl);
    const char *address = bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1");
    printf ("Gateway: http://%s:%lld/healthz\n", address,
            bc_config_int (ctl->config, "gateway/http_port", 8080));
    printf ("Logs em %s, dados em %s.\n", ctl->log_dir, bc_config_data_dir (ctl->config));
    return 0;
}

static int
s_down (ctl_t *ctl)
{
    s_stop_one (ctl, "imapgate");
    pid_t pids[NSERVICES];
    for (int i = 0; i < NSERVICES; i++) {
        pids[i] = s_read_pid (ctl, s_services[i]);
        if (pids[i])
            kill (pids[i], SIGTERM);
    }
    int64_t deadline = bc_mono_ms () + 10000;
    for (int i = 0; i < NSERVICES; i++) {
        while (pids[i] && kill (pids[i], 0) == 0 && bc_mono_ms () < deadline) {
            waitpid (pids[i], NULL, WNOHANG);
            usleep (20000);
        }
        if (pids[i] && kill (pids[i], 0) == 0) {
            fprintf (stderr, "balcaoctl: %s did not stop in 10 s; killing it\n", s_services[i]);
            kill (pids[i], SIGKILL);
        }
        char path[PATH_MAX + 64];
        snprintf (path, sizeof path, "%s/%s.pid", ctl->run_dir, s_services[i]);
        unlink (path);
    }
    printf ("Balcão parado.\n");
    return 0;
}

static int
s_status (ctl_t *ctl)
{
    int all = 1;
    printf ("%-8s %-8s %-10s %-10s %-10s %s\n", "serviço", "pid", "RSS MiB", "(própria)", "log (seq)",
            "estado");
    for (int i = 0; i < NSERVICES; i++) {
        pid_t pid = s_read_pid (ctl, s_services[i]);
        uint64_t head = 0;
        int ok = strcmp (s_services[i], "gateway") == 0 ? s_http_healthy (ctl)
                                                         : s_ping (ctl, s_services[i], &head);
        char rss[32] = "-", anon[32] = "-";
        if (pid) {
            long total_kb, anon_kb;
            s_rss_kb (pid, &total_kb, &anon_kb);
            snprintf (rss, sizeof rss, "%.1f", (double) total_kb / 1024.0);
            snprintf (anon, sizeof anon, "%.1f", (double) anon_kb / 1024.0);
        }
        printf ("%-8s %-8d %-10s %-10s %-10llu %s\n", s_services[i], (int) pid, rss, anon,
                (unsigned long long) head, ok ? "ok" : (pid ? "sem resposta" : "parado"));
        all &= ok;
    }
    pid_t gate = s_read_pid (ctl, "imapgate");
    if (gate || s_wants_imapgate (ctl)) {
        printf ("%-8s %-8d %-10s %-10s %-10s %s\n", "imapgate", (int) gate, "-", "-", "-",
                gate ? "ok" : "parado");
        all &= gate != 0;
    }
    return all ? 0 : 3;
}

/* Everything that binds or connects on the bus has its own certificate. */
static int
s_keys (ctl_t *ctl, const char *dir)
{
    static const char *const names[] = {"intake",  "router",          "kb",
                                        "notify",  "gateway",         "balcao",
                                        "balcaoctl", "balcao-mailgate", "balcao-bench"};
    if (!dir)
        dir = bc_config_str (ctl->config, "balcao/curve_dir", NULL);
    if (!dir || !*dir) {
        fprintf (stderr, "balcaoctl: say where: balcaoctl keys DIR, or set balcao/curve_dir\n");
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

int
main (int argc, char **argv)
{
    bc_log_init ("balcaoctl");
    bc_log_set_level (BC_LOG_ERROR);
    ctl_t ctl = {0};
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
    const char *cmd = first < argc ? argv[first] : "";
    int rc, curve_error = 0;
    if (strcmp (cmd, "keys") != 0 && strcmp (cmd, "api-token") != 0) {
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
        rc = s_status (&ctl);
    else if (strcmp (cmd, "keys") == 0)
        rc = s_keys (&ctl, first + 1 < argc ? argv[first + 1] : NULL);
    else if (strcmp (cmd, "api-token") == 0 && first + 2 == argc)
        rc = balcaoctl_api_token (ctl.config, argv[first + 1]);
    else {
        fprintf (stderr, "uso: balcaoctl [-c CONFIG] up [--demo] | down | status | keys [DIR] | "
                         "api-token NOME\n");
        rc = 64;
    }
    bc_config_destroy (&ctl.config);
    return rc;
}
