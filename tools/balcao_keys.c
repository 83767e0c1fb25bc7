/* balcao_keys: the agent CLI's commands on CURVE keys of people: `balcao login` makes the person's key pair,
 * `balcao person-key` (admins) registers one at the router. */
#include "balcao_cli.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "bc_log.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

/* Makes the person's key pair (once) and says how to get it registered. */
int
balcao_login (void)
{
    const char *path = balcao_cli_key_path ();
    zcert_t *cert = zcert_load (path);
    const char *principal = balcao_cli_declared_principal ();
    if (cert)
        printf (T ("Você já tem uma chave em %s.\n", "You already have a key in %s.\n"), path);
    else {
        char dir[4096];
        snprintf (dir, sizeof dir, "%s", path);
        char *slash = strrchr (dir, '/');
        if (slash) {
            *slash = 0;
            if (zsys_dir_create ("%s", dir) || chmod (dir, 0700)) {
                fprintf (stderr, T ("balcao: não consegui criar %s: %s\n", "balcao: could not create %s: %s\n"), dir, strerror (errno));
                return 1;
            }
        }
        cert = zcert_new ();
        zcert_set_meta (cert, "name", "%s", principal);
        mode_t old = umask (077);
        int rc = zcert_save (cert, path);
        umask (old);
        if (rc) {
            fprintf (stderr, T ("balcao: não consegui gravar %s\n", "balcao: could not write %s\n"), path);
            zcert_destroy (&cert);
            return 1;
        }
        printf (T ("Sua chave foi criada em %s (a parte secreta fica em %s_secret, só para você).\n",
                   "Your key was created in %s (its secret part is in %s_secret, for you only).\n"),
                path, path);
    }
    printf (T ("Chave pública: %s\n"
               "Peça a um administrador para registrá-la:\n"
               "  balcao person-key %s %s\n",
               "Public key: %s\n"
               "Ask an admin to register it:\n"
               "  balcao person-key %s %s\n"),
            zcert_public_txt (cert), principal, zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

int
balcao_person_key (bc_config_t *config, int argc, char **argv)
{
    if (argc < 1)
        return EXIT_USAGE;
    Balcao__V1__SetPersonKey req = BALCAO__V1__SET_PERSON_KEY__INIT;
    req.person = argv[0];
    req.curve_key = (char *) (argc > 1 ? argv[1] : "");
    bc_envelope_t *reply = balcao_cli_call (config, "router", &req.base);
    if (!reply)
        return balcao_cli_exit ();
    bc_envelope_destroy (&reply);
    if (*req.curve_key)
        printf (T ("Chave de %s registrada: as conexões com ela agem como %s.\n",
                   "Key of %s registered: connections with it act as %s.\n"), req.person,
                req.person);
    else
        printf (T ("Chave de %s revogada.\n", "Key of %s revoked.\n"), req.person);
    return 0;
}
