/* gateway_account_add: an account made from the command line. */
#include "gateway_account_add.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "gateway_parse.h"
#include "gateway_store.h"

#include <stdio.h>
#include <string.h>

int
gateway_account_add (bc_config_t *config, const char *address, const char *name)
{
    gateway_account_t account = {0};
    char password[4 * GATEWAY_PASSWORD_MAX + 2] = "";
    if (!gateway_parse_address (address, account.address, sizeof account.address)) {
        fprintf (stderr, "balcao-gateway: \"%s\" não é um endereço de e-mail válido / is not a "
                         "valid e-mail address\n", address);
        return 65;
    }
    if (!*name || strlen (name) > GATEWAY_NAME_MAX || strpbrk (name, "\r\n\t")) {
        fprintf (stderr, "balcao-gateway: o nome tem de 1 a %d bytes, numa linha / the name has 1 "
                         "to %d bytes, on one line\n", GATEWAY_NAME_MAX, GATEWAY_NAME_MAX);
        return 65;
    }
    if (!fgets (password, sizeof password, stdin))
        password[0] = 0;
    password[strcspn (password, "\r\n")] = 0;
    if (!gateway_parse_password (password, strlen (password))) {
        sodium_memzero (password, sizeof password);
        fprintf (stderr, "balcao-gateway: dê a senha (10 a 128 caracteres) na entrada padrão / "
                         "give the password (10 to 128 characters) on standard input\n");
        return 65;
    }
    gateway_store_t *store = gateway_store_new (config);
    if (!store) {
        sodium_memzero (password, sizeof password);
        return 1;
    }
    gateway_account_t old;
    int rc = gateway_store_account_get (store, account.address, &old);
    account.created_us = rc == 0 ? old.created_us : bc_now_us ();
    snprintf (account.language, sizeof account.language, "%s",
              rc == 0 && *old.language ? old.language : "pt-BR");
    snprintf (account.name, sizeof account.name, "%s", name);
    account.confirmed = true;
    sodium_memzero (&old, sizeof old);
    rc = crypto_pwhash_str (account.hash, password, strlen (password),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero (password, sizeof password);
    if (rc == 0)
        rc = gateway_store_account_put (store, &account);
    else
        fprintf (stderr, "balcao-gateway: sem memória para o hash / out of memory for the hash\n");
    if (rc)
        bc_error ("event=account_add_failed reason=\"%s\"", gateway_store_strerror (rc));
    sodium_memzero (&account, sizeof account);
    gateway_store_destroy (&store);
    bc_log_flush ();
    return rc == 0 ? 0 : 1;
}
