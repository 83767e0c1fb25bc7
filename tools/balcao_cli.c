/* balcao_cli: how the agent CLI reaches a service (the key it uses, who it
 * says it is, what it says when a service does not answer) and the small
 * helpers every command file shares. See balcao_cli.h. */
#include "balcao_cli.h"

#include "bc_client.h"
#include "bc_curve.h"
#include "bc_svstate.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

int
balcao_cli_en (void)
{
    static int en = -1; /* BALCAO_LANG or the locale, read once */
    if (en < 0)
        en = bc_lang_is_en ();
    return en;
}

void
balcao_cli_time (int64_t us, char *buf, size_t size)
{
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    localtime_r (&t, &tm);
    strftime (buf, size, "%d/%m/%Y %H:%M", &tm);
}

json_t *
balcao_cli_json_time (int64_t us)
{
    if (us <= 0)
        return json_null ();
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    localtime_r (&t, &tm);
    char buf[40], zone[8];
    size_t n = strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime (zone, sizeof zone, "%z", &tm); /* "-0300": ISO 8601 wants "-03:00" */
    snprintf (buf + n, sizeof buf - n, "%.3s:%.2s", zone, zone + 3);
    return json_string (buf);
}

int
balcao_cli_print_json (json_t *o)
{
    char *text = o ? json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref (o);
    if (!text) {
        fprintf (stderr, T ("balcao: a resposta não pôde ser escrita em JSON\n",
                            "balcao: the answer could not be written as JSON\n"));
        return EXIT_UNAVAILABLE;
    }
    printf ("%s\n", text);
    free (text);
    return 0;
}

int
balcao_cli_take_json (int *argc, char **argv)
{
    int found = 0, n = 0;
    for (int i = 0; i < *argc; i++)
        if (strcmp (argv[i], "--json") == 0)
            found = 1;
        else
            argv[n++] = argv[i];
    *argc = n;
    return found;
}

size_t
balcao_cli_tags (char *buf, char **tags, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok (buf, ",[]"); tok && n < max; tok = strtok (NULL, ",[]")) {
        while (*tok == ' ' || *tok == '"' || *tok == '\'')
            tok++;
        char *end = tok + strlen (tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '"' || end[-1] == '\''))
            *--end = 0;
        if (*tok)
            tags[n++] = tok;
    }
    return n;
}

static int s_exit = 0;  /* why the last balcao_cli_call failed */
static int s_quiet = 0; /* balcao_cli_fetch_quiet: no error on stderr */

int
balcao_cli_exit (void)
{
    return s_exit;
}

/* Where the person's own key pair lives: $BALCAO_KEY, or
 * $XDG_CONFIG_HOME/balcao/chave.cert (~/.config by default). */
const char *
balcao_cli_key_path (void)
{
    static char path[4096];
    const char *env = getenv ("BALCAO_KEY");
    const char *xdg = getenv ("XDG_CONFIG_HOME");
    const char *home = getenv ("HOME");
    if (env && *env)
        snprintf (path, sizeof path, "%s", env);
    else if (xdg && *xdg)
        snprintf (path, sizeof path, "%s/balcao/chave.cert", xdg);
    else
        snprintf (path, sizeof path, "%s/.config/balcao/chave.cert", home ? home : ".");
    return path;
}

/* The person's own certificate when they have one (balcao login), else NULL:
 * the program's certificate in curve_dir. */
const char *
balcao_cli_personal_cert (void)
{
    const char *path = balcao_cli_key_path ();
    return zsys_file_exists (path) ? path : NULL;
}

/* Who the caller says they are: $BALCAO_PRINCIPAL, else agent:$USER (with
 * CURVE on, the service goes by the key instead). */
const char *
balcao_cli_declared_principal (void)
{
    static char principal[256];
    const char *env = getenv ("BALCAO_PRINCIPAL");
    const char *user = getenv ("USER");
    if (env && *env)
        snprintf (principal, sizeof principal, "%s", env);
    else
        snprintf (principal, sizeof principal, "agent:%s", user ? user : "cli");
    return principal;
}

/* Why service did not answer, from the state file of the supervisor that
 * runs it on this host (balcaoctl up): stopped, restarting, or given up after
 * crashing again and again. Without that file (the services run elsewhere,
 * or under systemd) only which service did not answer. */
static void
s_say_silent (bc_config_t *config, const char *service)
{
    char path[4200], log_dir[4200], text[512];
    bc_svstate_t st;
    bc_svstate_path (config, path, sizeof path);
    bc_sv_proc_t *proc = bc_svstate_read (&st, path) == 0 ? bc_svstate_find (&st, service) : NULL;
    if (!proc) {
        fprintf (stderr, T ("balcao: o serviço %s não respondeu a tempo (ele está no ar? "
                            "balcaoctl status)\n",
                            "balcao: the %s service did not answer in time (is it running? "
                            "balcaoctl status)\n"),
                 service);
        return;
    }
    snprintf (log_dir, sizeof log_dir, "%s/log", bc_config_data_dir (config));
    if (proc->state == BC_SV_RUNNING && bc_svstate_is_live (&st))
        fprintf (stderr, T ("balcao: o serviço %s está no ar (pid %d) mas não respondeu a tempo: "
                            "sobrecarregado? veja %s/%s.log\n",
                            "balcao: the %s service is running (pid %d) but did not answer in "
                            "time: overloaded? see %s/%s.log\n"),
                 service, proc->pid, log_dir, service);
    else
        fprintf (stderr, T ("balcao: o serviço %s não respondeu: %s\n",
                            "balcao: the %s service did not answer: %s\n"),
                 service, bc_svstate_describe (&st, proc, log_dir, balcao_cli_en (), text, sizeof text));
}

/* Calls service; prints the error, sets s_exit and returns NULL on failure. */
bc_envelope_t *
balcao_cli_call (bc_config_t *config, const char *service, const ProtobufCMessage *req)
{
    bc_client_t *client = bc_client_new_as (config, service, "balcao", balcao_cli_personal_cert ());
    s_exit = EXIT_UNAVAILABLE;
    if (!client && s_quiet)
        return NULL;
    if (!client) {
        const char *dir = bc_config_curve_dir (config);
        char secret[4200];
        snprintf (secret, sizeof secret, "%s/balcao.cert_secret", dir ? dir : "");
        if (dir && !balcao_cli_personal_cert () && access (secret, R_OK) != 0 && errno == EACCES)
            fprintf (stderr,
                     T ("balcao: esta conta não pode ler as chaves do Balcão (%s): só a conta que "
                        "roda o Balcão fala com os serviços; um agente usa a própria chave "
                        "(balcao login, registrada por um administrador)\n",
                        "balcao: this account cannot read Balcão's keys (%s): only the account "
                        "that runs Balcão speaks to the services; an agent uses their own key "
                        "(balcao login, registered by an admin)\n"),
                     dir);
        return NULL;
    }
    bc_client_set_principal (client, balcao_cli_declared_principal ());
    bc_client_set_timeout (client, (int) bc_config_int (config, "cli/timeout_ms", 3000), 1);
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (client, NULL, req, &reply);
    bc_client_destroy (&client);
    if (rc != BC_OK && s_quiet) {
        bc_envelope_destroy (&reply);
        s_exit = rc == BC_EREMOTE ? EXIT_REFUSED : EXIT_UNAVAILABLE;
        return NULL;
    }
    if (rc != BC_OK) {
        char buf[512];
        if (rc == BC_ETIMEOUT)
            s_say_silent (config, service);
        else
            fprintf (stderr, "balcao: %s\n", bc_client_error_text (rc, reply, buf, sizeof buf));
        if (rc == BC_ETIMEOUT && bc_config_curve_dir (config))
            fprintf (stderr, T ("balcao: com CURVE, um serviço não responde a chaves que não conhece: "
                               "a sua foi registrada? (balcao login)\n",
                               "balcao: with CURVE, services do not answer keys they do not know: "
                               "was yours registered? (balcao login)\n"));
        bc_envelope_destroy (&reply);
        s_exit = rc == BC_EREMOTE ? EXIT_REFUSED : EXIT_UNAVAILABLE;
        return NULL;
    }
    s_exit = 0;
    return reply;
}

/* Calls service and returns the reply's payload of the expected type, or
 * NULL with s_exit set (the call failed, or the answer was not that type). */
ProtobufCMessage *
balcao_cli_fetch (bc_config_t *config, const char *service, const ProtobufCMessage *req,
         const ProtobufCMessageDescriptor *type)
{
    bc_envelope_t *reply = balcao_cli_call (config, service, req);
    if (!reply)
        return NULL;
    ProtobufCMessage *out = bc_envelope_payload (reply, type);
    bc_envelope_destroy (&reply);
    if (!out)
        s_exit = EXIT_UNAVAILABLE;
    return out;
}

ProtobufCMessage *
balcao_cli_fetch_quiet (bc_config_t *config, const char *service, const ProtobufCMessage *req,
                        const ProtobufCMessageDescriptor *type)
{
    s_quiet = 1;
    ProtobufCMessage *out = balcao_cli_fetch (config, service, req, type);
    s_quiet = 0;
    return out;
}

uint64_t
balcao_cli_number (const char *arg)
{
    /* strtoull would take " 1", "+1" and "-1" (as 2^64-1). */
    if (*arg < '0' || *arg > '9')
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull (arg, &end, 10);
    return !*end && errno == 0 ? n : 0;
}

/* The words from argv[from] on, joined by spaces, into buf. */
const char *
balcao_cli_join (int argc, char **argv, int from, char *buf, size_t size)
{
    buf[0] = 0;
    for (int i = from; i < argc; i++) {
        if (i > from)
            strncat (buf, " ", size - strlen (buf) - 1);
        strncat (buf, argv[i], size - strlen (buf) - 1);
    }
    return buf;
}

