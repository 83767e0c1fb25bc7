/* balcaoctl_demo: the demo customer's portal account (`balcaoctl up
 * --demo`). The gateway alone opens its own database, so its binary makes
 * the account (balcao-gateway account-add, the password on its standard
 * input); the password is made here at random and printed once, to the
 * operator's terminal, never to a log. */
#include "balcaoctl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define T(pt_, en_) (ctl->en ? (en_) : (pt_))

/* Four groups of four letters and digits that cannot be mistaken for one
 * another (no 0/o, 1/l/i): easy to type from the screen. */
static void
s_password (char out[20])
{
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
ctl_demo_account (ctl_t *ctl, const char *address, const char *name)
{
    if (sodium_init () < 0)
        return;
    char password[20], gateway[PATH_MAX + 32];
    s_password (password);
    snprintf (gateway, sizeof gateway, "%s/balcao-gateway", ctl->bin_dir);
    int fds[2];
    if (pipe (fds) != 0)
        return;
    fflush (stdout);
    pid_t pid = fork ();
    if (pid == 0) {
        dup2 (fds[0], STDIN_FILENO);
        close (fds[0]);
        close (fds[1]);
        if (*ctl->config_path)
            execl (gateway, gateway, "-c", ctl->config_path, "account-add", address, name,
                   (char *) NULL);
        else
            execl (gateway, gateway, "account-add", address, name, (char *) NULL);
        _exit (127);
    }
    close (fds[0]);
    int status = 0;
    size_t len = strlen (password);
    int ok = pid > 0 && write (fds[1], password, len) == (ssize_t) len &&
             write (fds[1], "\n", 1) == 1;
    close (fds[1]);
    ok = pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status) &&
         WEXITSTATUS (status) == 0 && ok;
    if (!ok) {
        fprintf (stderr, T ("balcaoctl: não consegui criar a conta de demonstração do portal\n",
                            "balcaoctl: could not make the portal's demo account\n"));
        sodium_memzero (password, sizeof password);
        return;
    }
    char fallback[128];
    snprintf (fallback, sizeof fallback, "http://%s:%lld",
              bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1"),
              bc_config_int (ctl->config, "gateway/http_port", 8080));
    const char *url = bc_config_str (ctl->config, "gateway/public_url", fallback);
    size_t n = strlen (url);
    printf (T ("Portal do Cliente: %s%s  —  entre como %s, senha: %s\n",
               "Customer Portal: %s%s  —  sign in as %s, password: %s\n"),
            url, n && url[n - 1] == '/' ? "" : "/", address, password);
    sodium_memzero (password, sizeof password);
}
