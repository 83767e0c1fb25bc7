/* balcaoctl_demo: the demo customer's portal account (`balcaoctl up
 * --demo`), made by the gateway's binary (balcaoctl_staff.c) with a random
 * password printed once, to the operator's terminal, never to a log. */
#include "balcaoctl.h"

#include <sodium.h>
#include <stdio.h>

#define T(pt_, en_) (ctl->en ? (en_) : (pt_))

void
ctl_demo_account (ctl_t *ctl, const char *address, const char *name)
{
    if (sodium_init () < 0)
        return;
    char password[CTL_PASSWORD_SIZE], url[512];
    ctl_password_new (password);
    if (ctl_gateway_password (ctl, "account-add", address, name, password) != 0) {
        fprintf (stderr, T ("balcaoctl: não consegui criar a conta de demonstração do portal\n",
                            "balcaoctl: could not make the portal's demo account\n"));
        sodium_memzero (password, sizeof password);
        return;
    }
    ctl_public_url (ctl, url, sizeof url);
    printf (T ("Portal do Cliente: %s/  —  entre como %s, senha: %s\n",
               "Customer Portal: %s/  —  sign in as %s, password: %s\n"),
            url, address, password);
    sodium_memzero (password, sizeof password);
}
