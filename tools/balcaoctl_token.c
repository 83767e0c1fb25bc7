/* balcaoctl_token: makes API tokens. The token is shown once and never
 * stored; the tokens file keeps its hash, and the gateway re-reads the file
 * when it changes (deleting a line revokes that token at once). */
#include "balcaoctl_token.h"

#include "balcao/v1/router.pb-c.h"

#include "bc_client.h"
#include "bc_store.h"
#include "bc_token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T(pt, en) (bc_lang_is_en () ? (en) : (pt))

/* Balcão's own programs have certificates and rights of their own: a token
 * must not pass for one of them. */
static int
s_is_reserved (const char *name)
{
    static const char *const ours[] = {"intake",   "router",   "kb",      "notify",
                                       "gateway",  "mailgate", "imapgate", "balcao",
                                       "balcaoctl", "demo"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        if (strcmp (name, ours[i]) == 0)
            return 1;
    return 0;
}

int
balcaoctl_upsert_person (bc_config_t *config, const Balcao__V1__Person *person)
{
    bc_client_t *c = bc_client_new_for (config, "router", "balcaoctl");
    if (!c)
        return -1;
    bc_client_set_principal (c, "admin:balcaoctl");
    bc_client_set_timeout (c, 2000, 1);
    Balcao__V1__UpsertPerson req = BALCAO__V1__UPSERT_PERSON__INIT;
    req.person = (Balcao__V1__Person *) person;
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (c, NULL, &req.base, &reply);
    if (rc != BC_OK) {
        char buf[512];
        fprintf (stderr, T ("balcaoctl: o roteador não registrou %s: %s\n",
                            "balcaoctl: the router did not register %s: %s\n"),
                 person->id, bc_client_error_text (rc, reply, buf, sizeof buf));
    }
    bc_envelope_destroy (&reply);
    bc_client_destroy (&c);
    return rc == BC_OK ? 0 : -1;
}

/* Registers service:<name> at the router with the read permission (as the
 * operator, an admin): 0, or -1 after saying why. */
static int
s_grant_read (bc_config_t *config, const char *name)
{
    char id[80];
    snprintf (id, sizeof id, "service:%s", name);
    char *perms[] = {"read"};
    Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
    p.id = id;
    p.name = (char *) name;
    p.n_permissions = 1;
    p.permissions = perms;
    return balcaoctl_upsert_person (config, &p);
}

int
balcaoctl_api_token (bc_config_t *config, const char *name, int can_read)
{
    if (!name || !bc_token_name_is_valid (name, strlen (name)) || s_is_reserved (name)) {
        fprintf (stderr, "%s",
                 T ("balcaoctl: o nome de um token tem de 1 a 64 caracteres entre a-z, 0-9, "
                    ". _ e -, começa com letra ou dígito e não é o de um programa do Balcão "
                    "(ex.: balcaoctl api-token erp)\n",
                    "balcaoctl: a token's name has 1 to 64 of a-z, 0-9, . _ and -, starts with "
                    "a letter or digit and is not the name of a Balcão program "
                    "(e.g. balcaoctl api-token erp)\n"));
        return 64;
    }
    if (sodium_init () < 0)
        return 1;
    /* First the router (it may be down): no token that cannot do what the
     * operator asked for. */
    if (can_read && s_grant_read (config, name))
        return 1;
    char path[PATH_MAX];
    bc_token_file (config, path, sizeof path);
    unsigned char secret[32], hash[BC_TOKEN_HASH_SIZE];
    randombytes_buf (secret, sizeof secret);
    char token[8 + 64];
    strcpy (token, "balcao_");
    sodium_bin2base64 (token + 7, sizeof token - 7, secret, sizeof secret,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero (secret, sizeof secret);
    bc_token_hash (token, strlen (token), hash);
    char line[BC_TOKEN_NAME_MAX + 2 * BC_TOKEN_HASH_SIZE + 4];
    int n = snprintf (line, sizeof line, "%s ", name);
    sodium_bin2hex (line + n, sizeof line - (size_t) n, hash, sizeof hash);
    strcat (line, "\n");
    /* Its folder private, as everything balcaoctl makes (umask 077). */
    char dir[PATH_MAX];
    snprintf (dir, sizeof dir, "%s", path);
    char *slash = strrchr (dir, '/');
    if (slash)
        *slash = 0;
    int fd = !slash || bc_dir_ensure (dir) == 0
                 ? open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)
                 : -1;
    struct stat st;
    int ok = fd >= 0 && write (fd, line, strlen (line)) == (ssize_t) strlen (line) && fsync (fd) == 0
             && fstat (fd, &st) == 0;
    int saved = errno;
    if (fd >= 0)
        close (fd);
    if (!ok) {
        fprintf (stderr, T ("balcaoctl: não consegui gravar %s: %s\n", "balcaoctl: cannot write %s: %s\n"),
                 path, strerror (saved));
        sodium_memzero (token, sizeof token);
        return 1;
    }
    printf ("%s\n", token);
    fflush (stdout);
    sodium_memzero (token, sizeof token);
    fprintf (stderr,
             T ("Token de API de service:%s (mostrado só agora; %s guarda apenas o hash).\n"
                "Use-o como \"Authorization: Bearer <token>\". Para revogá-lo, apague a linha "
                "\"%s ...\" desse arquivo.\n",
                "API token of service:%s (shown only now; %s keeps only its hash).\n"
                "Send it as \"Authorization: Bearer <token>\". To revoke it, delete the line "
                "\"%s ...\" from that file.\n"),
             name, path, name);
    if (can_read)
        fprintf (stderr, T ("service:%s pode ler os chamados (sem as notas internas).\n",
                            "service:%s may read tickets (without internal notes).\n"),
                 name);
    else
        fprintf (stderr,
                 T ("Para ler chamados: balcaoctl api-token %s --read (ou service:%s com "
                    "permissions = \"read\" em router/people).\n",
                    "To read tickets: balcaoctl api-token %s --read (or service:%s with "
                    "permissions = \"read\" under router/people).\n"),
                 name, name);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        fprintf (stderr,
                 T ("balcaoctl: atenção: %s pode ser alterado por outros usuários e o gateway "
                    "não o usa assim; rode chmod 600 %s\n",
                    "balcaoctl: warning: others can write %s and the gateway refuses it so; run "
                    "chmod 600 %s\n"),
                 path, path);
    return 0;
}
