/* bc_curve: certificates from files, applied to sockets; zauth for ZAP. */
#include "bc_curve.h"

#include "bc_log.h"
#include "bc_store.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct bc_curve_t {
    char *dir;
    zcert_t *cert;
    zactor_t *auth;
    zhash_t *server_keys; /* service -> public key (z85), cached */
};

static zcert_t *
s_load (const char *dir, const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s.cert", dir, name);
    return zcert_load (path);
}

bc_curve_t *
bc_curve_new (bc_config_t *config, const char *name, int *error)
{
    *error = 0;
    const char *dir = bc_config_str (config, "balcao/curve_dir", NULL);
    if (!dir || !*dir)
        return NULL;
    bc_curve_t *self = calloc (1, sizeof *self);
    self->dir = strdup (dir);
    self->cert = s_load (dir, name);
    char secret[4096];
    snprintf (secret, sizeof secret, "%s/%s.cert_secret", dir, name);
    if (!self->cert || !zsys_file_exists (secret)) {
        bc_error ("event=curve_cert_missing name=%s dir=%s hint=\"run balcaoctl -c CONFIG keys\"",
                  name, dir);
        bc_curve_destroy (&self);
        *error = 1;
        return NULL;
    }
    self->server_keys = zhash_new ();
    zhash_autofree (self->server_keys);
    return self;
}

void
bc_curve_destroy (bc_curve_t **self_p)
{
    bc_curve_t *self = *self_p;
    if (!self)
        return;
    zactor_destroy (&self->auth);
    zcert_destroy (&self->cert);
    zhash_destroy (&self->server_keys);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

int
bc_curve_start_auth (bc_curve_t *self)
{
    assert (self);
    if (self->auth)
        return 0;
    self->auth = zactor_new (zauth, NULL);
    if (!self->auth)
        return -1;
    char clients[4096];
    snprintf (clients, sizeof clients, "%s/clients", self->dir);
    zstr_sendx (self->auth, "CURVE", clients, NULL);
    zsock_wait (self->auth);
    return 0;
}

void
bc_curve_server (bc_curve_t *self, void *sock)
{
    assert (self);
    zcert_apply (self->cert, sock);
    zsock_set_curve_server (sock, 1);
}

int
bc_curve_client (bc_curve_t *self, void *sock, const char *service)
{
    assert (self);
    const char *key = zhash_lookup (self->server_keys, service);
    if (!key) {
        zcert_t *server = s_load (self->dir, service);
        if (!server) {
            bc_error ("event=curve_server_cert_missing service=%s dir=%s", service, self->dir);
            return -1;
        }
        zhash_insert (self->server_keys, service, (void *) zcert_public_txt (server));
        zcert_destroy (&server);
        key = zhash_lookup (self->server_keys, service);
    }
    zcert_apply (self->cert, sock);
    zsock_set_curve_serverkey (sock, key);
    return 0;
}

int
bc_curve_make_cert (const char *dir, const char *name)
{
    char path[4200], clients[4096];
    snprintf (clients, sizeof clients, "%s/clients", dir);
    if (bc_dir_ensure (clients))
        return -1;
    snprintf (path, sizeof path, "%s/%s.cert", dir, name);
    zcert_t *cert = zcert_load (path);
    if (!cert) {
        cert = zcert_new ();
        zcert_set_meta (cert, "name", "%s", name);
        if (zcert_save (cert, path)) {
            zcert_destroy (&cert);
            return -1;
        }
    }
    snprintf (path, sizeof path, "%s/%s.cert", clients, name);
    int rc = zcert_save_public (cert, path);
    zcert_destroy (&cert);
    return rc;
}
