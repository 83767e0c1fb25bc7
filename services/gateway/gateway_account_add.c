/* gateway_account_add: a customer's account, or a staff person's password,
 * set from the command line. */
#include "gateway_account_add.h"

#include "bc_clock.h"
#include "bc_log.h"
#include "gateway_parse.h"
#include "gateway_store.h"

#include <stdio.h>
#include <string.h>

/* One line of standard input, 10 to 128 characters: true, or false after
 * saying so on stderr. */
static bool
s_read_password (char *password, size_t size)
{
    if (!fgets (password, (int) size, stdin))
        password[0] = 0;
    password[strcspn (password, "\r\n")] = 0;
    if (gateway_parse_password (password, strlen (password)))
        return true;
    sodium_memzero (password, size);
    fprintf (stderr, "balcao-gateway: dê a senha (10 a 128 caracteres) na entrada padrão / "
                     "give the password (10 to 128 characters) on standard input\n");
    return false;
}

/* The address (checked, lower case, into address), the password read from
 * standard input and hashed (argon2id) into hash, and the store opened:
 * 0, or the exit status after saying why. */
static int
s_prepare (bc_config_t *config, const char *given, char address[GATEWAY_ADDRESS_MAX + 1],
           char hash[crypto_pwhash_STRBYTES], gateway_store_t **store)
{
    if (!gateway_parse_address (given, address, GATEWAY_ADDRESS_MAX + 1)) {
        fprintf (stderr,
                 "balcao-gateway: \"%s\" não é um endereço de e-mail válido / is not a valid "
                 "e-mail address\n",
                 given);
        return 65;
    }
    char password[4 * GATEWAY_PASSWORD_MAX + 2] = "";
    if (!s_read_password (password, sizeof password))
        return 65;
    int rc = crypto_pwhash_str (hash, password, strlen (password),
                                crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero (password, sizeof password);
    if (rc) {
        fprintf (stderr, "balcao-gateway: sem memória para o hash / out of memory for the hash\n");
        return 1;
    }
    *store = gateway_store_new (config);
    return *store ? 0 : 1;
}

/* Closes the store after a write that returned rc: the exit status. */
static int
s_finish (gateway_store_t **store, int rc, const char *event)
{
    if (rc)
        bc_error ("event=%s reason=\"%s\"", event, gateway_store_strerror (rc));
    gateway_store_destroy (store);
    bc_log_flush ();
    return rc == 0 ? 0 : 1;
}

int
gateway_account_add (bc_config_t *config, const char *address, const char *name)
{
    if (!*name || strlen (name) > GATEWAY_NAME_MAX || strpbrk (name, "\r\n\t")) {
        fprintf (stderr, "balcao-gateway: o nome tem de 1 a %d bytes, numa linha / the name has 1 "
                         "to %d bytes, on one line\n", GATEWAY_NAME_MAX, GATEWAY_NAME_MAX);
        return 65;
    }
    gateway_account_t account = {0};
    gateway_store_t *store = NULL;
    int rc = s_prepare (config, address, account.address, account.hash, &store);
    if (rc) {
        sodium_memzero (&account, sizeof account);
        return rc;
    }
    gateway_account_t old;
    rc = gateway_store_account_get (store, account.address, &old);
    account.created_us = rc == 0 ? old.created_us : bc_now_us ();
    snprintf (account.language, sizeof account.language, "%s",
              rc == 0 && *old.language ? old.language : "pt-BR");
    snprintf (account.name, sizeof account.name, "%s", name);
    account.confirmed = true;
    sodium_memzero (&old, sizeof old);
    rc = gateway_store_account_put (store, &account);
    sodium_memzero (&account, sizeof account);
    return s_finish (&store, rc, "account_add_failed");
}

int
gateway_staff_add (bc_config_t *config, const char *address)
{
    gateway_staff_t staff = {0};
    gateway_store_t *store = NULL;
    int rc = s_prepare (config, address, staff.address, staff.hash, &store);
    if (rc) {
        sodium_memzero (&staff, sizeof staff);
        return rc;
    }
    /* A new password: the TOTP of the old one (if any) is off, as after an
     * access reset; the language stays. */
    gateway_staff_t old;
    rc = gateway_store_staff_get (store, staff.address, &old);
    staff.created_us = rc == 0 ? old.created_us : bc_now_us ();
    snprintf (staff.language, sizeof staff.language, "%s", rc == 0 ? old.language : "");
    sodium_memzero (&old, sizeof old);
    rc = gateway_store_staff_put (store, &staff);
    sodium_memzero (&staff, sizeof staff);
    return s_finish (&store, rc, "staff_add_failed");
}
