/* balcaoctl_staff: people who sign in to the web with a password the
 * operator hands them: the demo customer's portal account, and the support
 * team's dashboard access (`balcaoctl staff-add ID NAME [TIER]`, and the
 * demo team of `up --demo`). The person is registered at the router by the
 * operator (an admin); the gateway alone opens its own database, so its
 * binary sets the password (balcao-gateway account-add / staff-add, the
 * password on its standard input). Passwords are made here at random and
 * printed once, to the operator's terminal, never to a log. */
#include "balcao/v1/router.pb-c.h"
#include "balcaoctl.h"
#include "balcaoctl_token.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define T(pt_, en_) (ctl->en ? (en_) : (pt_))

void
ctl_password_new (char out[CTL_PASSWORD_SIZE])
{
    /* Four groups of four letters and digits that cannot be mistaken for
     * one another (no 0/o, 1/l/i): easy to type from the screen. */
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            out[k++] = '-';
        out[k++] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
    }
    out[k] = 0;
}

void
ctl_public_url (ctl_t *ctl, char *out, size_t size)
{
    char fallback[128];
    snprintf (fallback, sizeof fallback, "http://%s:%lld",
              bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1"),
              bc_config_int (ctl->config, "gateway/http_port", 8080));
    snprintf (out, size, "%s", bc_config_str (ctl->config, "gateway/public_url", fallback));
    size_t n = strlen (out);
    while (n && out[n - 1] == '/')
        out[--n] = 0;
}

int
ctl_gateway_password (ctl_t *ctl, const char *command, const char *address, const char *name,
                      const char *password)
{
    char gateway[PATH_MAX + 32];
    snprintf (gateway, sizeof gateway, "%s/balcao-gateway", ctl->bin_dir);
    int fds[2];
    if (pipe (fds) != 0)
        return -1;
    fflush (stdout);
    pid_t pid = fork ();
    if (pid == 0) {
        dup2 (fds[0], STDIN_FILENO);
        close (fds[0]);
        close (fds[1]);
        const char *args[8];
        int n = 0;
        args[n++] = gateway;
        if (*ctl->config_path) {
            args[n++] = "-c";
            args[n++] = ctl->config_path;
        }
        args[n++] = command;
        args[n++] = address;
        if (name)
            args[n++] = name;
        args[n] = NULL;
        execv (gateway, (char *const *) args);
        _exit (127);
    }
    close (fds[0]);
    int status = 0;
    size_t len = strlen (password);
    int ok =
        pid > 0 && write (fds[1], password, len) == (ssize_t) len && write (fds[1], "\n", 1) == 1;
    close (fds[1]);
    ok = pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status) &&
         WEXITSTATUS (status) == 0 && ok;
    return ok ? 0 : -1;
}

/* The router person id (agent:, supervisor: or admin: and an e-mail),
 * registered (or updated) as the operator. 0, or -1 after saying why. */
static int
s_register (ctl_t *ctl, const char *id, const char *name, const char *tier)
{
    Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
    p.id = (char *) id;
    p.name = (char *) name;
    p.email = strchr (id, ':') + 1;
    p.tier = (char *) tier;
    return balcaoctl_upsert_person (ctl->config, &p);
}

/* Registers id and gives them a new random password (in password). 0, or
 * -1 after saying why. */
static int
s_staff (ctl_t *ctl, const char *id, const char *name, const char *tier,
         char password[CTL_PASSWORD_SIZE])
{
    if (s_register (ctl, id, name, tier))
        return -1;
    ctl_password_new (password);
    if (ctl_gateway_password (ctl, "staff-add", strchr (id, ':') + 1, NULL, password) == 0)
        return 0;
    sodium_memzero (password, CTL_PASSWORD_SIZE);
    fprintf (stderr,
             T ("balcaoctl: não consegui definir a senha de %s no gateway\n",
                "balcaoctl: could not set %s's password at the gateway\n"),
             id);
    return -1;
}

int
ctl_staff_add (ctl_t *ctl, const char *id, const char *name, const char *tier)
{
    const char *colon = strchr (id, ':');
    int is_staff = strncmp (id, "agent:", 6) == 0 || strncmp (id, "supervisor:", 11) == 0 ||
                   strncmp (id, "admin:", 6) == 0;
    if (!is_staff || !strchr (colon + 1, '@') || !*name) {
        fprintf (stderr, "%s",
                 T ("balcaoctl: staff-add ID NOME [NÍVEL]: ID é agent:, supervisor: ou admin: e "
                    "um e-mail (ex.: balcaoctl staff-add agent:ana@suaempresa.com.br \"Ana "
                    "Lima\" N1)\n",
                    "balcaoctl: staff-add ID NAME [TIER]: ID is agent:, supervisor: or admin: "
                    "and an e-mail (e.g. balcaoctl staff-add agent:ana@yourcompany.com \"Ana "
                    "Lima\" N1)\n"));
        return 64;
    }
    if (sodium_init () < 0)
        return 1;
    /* Agents and supervisors work a tier (N1 unless said); admins none. */
    const char *works = tier ? tier : strncmp (id, "admin:", 6) == 0 ? "" : "N1";
    char password[CTL_PASSWORD_SIZE], url[512];
    if (s_staff (ctl, id, name, works, password))
        return 1;
    ctl_public_url (ctl, url, sizeof url);
    printf (T ("Dashboard do Suporte: %s/painel  —  entre como %s, senha: %s\n"
               "(mostrada só agora; a pessoa pode trocá-la em Minha conta)\n",
               "Support Dashboard: %s/painel  —  sign in as %s, password: %s\n"
               "(shown only now; they can change it under My account)\n"),
            url, colon + 1, password);
    sodium_memzero (password, sizeof password);
    return 0;
}

void
ctl_demo_staff (ctl_t *ctl)
{
    static const struct {
        const char *id, *name, *tier, *pt, *en;
    } team[] = {
        {"agent:ana@suporte.balcao.example", "Ana Ribeiro", "N1", "N1", "N1"},
        {"agent:bruno@suporte.balcao.example", "Bruno Carvalho", "N2", "N2", "N2"},
        {"agent:carla@suporte.balcao.example", "Carla Menezes", "N3", "N3", "N3"},
        {"supervisor:sofia@suporte.balcao.example", "Sofia Andrade", "N1", "supervisora",
         "supervisor"},
        {"admin:renato@suporte.balcao.example", "Renato Dias", "", "administrador", "admin"},
    };
    char url[512];
    ctl_public_url (ctl, url, sizeof url);
    for (size_t i = 0; i < sizeof team / sizeof *team; i++) {
        char password[CTL_PASSWORD_SIZE];
        if (s_staff (ctl, team[i].id, team[i].name, team[i].tier, password))
            continue;
        printf (T ("Dashboard do Suporte: %s/painel  —  %s: entre como %s, senha: %s\n",
                   "Support Dashboard: %s/painel  —  %s: sign in as %s, password: %s\n"),
                url, ctl->en ? team[i].en : team[i].pt, strchr (team[i].id, ':') + 1, password);
        sodium_memzero (password, sizeof password);
    }
}
