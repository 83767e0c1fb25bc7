/* bc_curve: certificates from files, applied to sockets; our own ZAP handler
 * that maps each client's public key to the principal it acts as. */
#include "bc_curve.h"

#include "bc_log.h"
#include "bc_ratelog.h"
#include "bc_store.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bc_curve_t {
    char *dir;
    zcert_t *cert;
    zactor_t *auth;
    zhash_t *server_keys; /* service -> public key (z85), cached */
    /* Used by the ZAP thread only, once it runs. */
    zhash_t *client_keys; /* z85 public key -> principal, from clients/ */
    time_t clients_mtime;
    int64_t clients_checked_ms;
    /* Set by the service at any time; read by the ZAP thread. */
    pthread_mutex_t lookup_lock;
    bc_curve_lookup_fn *lookup;
    void *lookup_arg;
    int auth_failed;
    char **log_readers;     /* who may subscribe to an events socket */
    bc_ratelog_t *refusals; /* ZAP refusals' log lines, per address */
};

static zcert_t *
s_load (const char *dir, const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s.cert", dir, name);
    return zcert_load (path);
}

static bc_curve_t *
s_new (const char *dir, zcert_t *cert)
{
    bc_curve_t *self = calloc (1, sizeof *self);
    self->dir = strdup (dir);
    self->cert = cert;
    self->server_keys = zhash_new ();
    zhash_autofree (self->server_keys);
    self->client_keys = zhash_new ();
    zhash_autofree (self->client_keys);
    pthread_mutex_init (&self->lookup_lock, NULL);
    self->refusals = bc_ratelog_new (1000, 4096);
    return self;
}

bc_curve_t *
bc_curve_new (bc_config_t *config, const char *name, int *error)
{
    *error = 0;
    const char *dir = bc_config_curve_dir (config);
    if (!dir)
        return NULL;
    char secret[4096];
    snprintf (secret, sizeof secret, "%s/%s.cert_secret", dir, name);
    if ((access (dir, X_OK) != 0 && errno == EACCES)
        || (access (secret, R_OK) != 0 && errno == EACCES)) {
        /* The default installation's keys are the operator's alone. */
        bc_error ("event=curve_keys_unreadable dir=%s hint=\"only the account that runs "
                  "Balcão (or an agent with a registered key, balcao login) may speak to "
                  "its services\"",
                  dir);
        *error = 1;
        return NULL;
    }
    zcert_t *cert = s_load (dir, name);
    if (!cert || !zsys_file_exists (secret)) {
        bc_error ("event=curve_cert_missing name=%s dir=%s hint=\"run balcaoctl up (the first "
                  "makes the keys) or balcaoctl -c CONFIG keys\"",
                  name, dir);
        zcert_destroy (&cert);
        *error = 1;
        return NULL;
    }
    bc_curve_t *self = s_new (dir, cert);
    int n;
    self->log_readers = bc_config_words (config, "balcao/log_readers", BC_LOG_READERS_DEFAULT, &n);
    return self;
}

bc_curve_t *
bc_curve_new_personal (bc_config_t *config, const char *cert_path, int *error)
{
    *error = 0;
    const char *dir = bc_config_curve_dir (config);
    if (!dir)
        return NULL;
    /* zcert_load reads <path> and <path>_secret. */
    zcert_t *cert = zcert_load (cert_path);
    char secret[4200];
    snprintf (secret, sizeof secret, "%s_secret", cert_path);
    if (!cert || !zsys_file_exists (secret)) {
        bc_error ("event=curve_cert_missing path=%s", cert_path);
        zcert_destroy (&cert);
        *error = 1;
        return NULL;
    }
    return s_new (dir, cert);
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
    zhash_destroy (&self->client_keys);
    bc_ratelog_destroy (&self->refusals);
    bc_config_words_free (&self->log_readers);
    pthread_mutex_destroy (&self->lookup_lock);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

const char *
bc_curve_public_key (bc_curve_t *self)
{
    return zcert_public_txt (self->cert);
}

void
bc_curve_set_lookup (bc_curve_t *self, bc_curve_lookup_fn *fn, void *arg)
{
    pthread_mutex_lock (&self->lookup_lock);
    self->lookup = fn;
    self->lookup_arg = arg;
    pthread_mutex_unlock (&self->lookup_lock);
}

/* (Re)reads clients/ when it changed, at most once a second. */
static void
s_load_clients (bc_curve_t *self)
{
    int64_t now = zclock_mono ();
    if (self->clients_checked_ms && now - self->clients_checked_ms < 1000)
        return;
    self->clients_checked_ms = now;
    char clients[4096];
    snprintf (clients, sizeof clients, "%s/clients", self->dir);
    struct stat st;
    if (stat (clients, &st) || st.st_mtime == self->clients_mtime)
        return;
    self->clients_mtime = st.st_mtime;
    zhash_destroy (&self->client_keys);
    self->client_keys = zhash_new ();
    zhash_autofree (self->client_keys);
    DIR *d = opendir (clients);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir (d))) {
        size_t n = strlen (e->d_name);
        if (n < 6 || strcmp (e->d_name + n - 5, ".cert") != 0)
            continue;
        char path[4400];
        snprintf (path, sizeof path, "%s/%s", clients, e->d_name);
        zcert_t *cert = zcert_load (path);
        if (!cert)
            continue;
        char principal[300];
        const char *meta = zcert_meta (cert, "principal");
        const char *name = zcert_meta (cert, "name");
        if (meta && *meta)
            snprintf (principal, sizeof principal, "%s", meta);
        else
            snprintf (principal, sizeof principal, "service:%.*s", (int) (name && *name ? strlen (name) : n - 5),
                      name && *name ? name : e->d_name);
        zhash_update (self->client_keys, zcert_public_txt (cert), principal); /* copied */
        zcert_destroy (&cert);
    }
    closedir (d);
}

/* The principal for a client key (malloc'd), or NULL: not admitted. */
static char *
s_principal_for (bc_curve_t *self, const char *z85)
{
    s_load_clients (self);
    const char *known = zhash_lookup (self->client_keys, z85);
    if (known)
        return strdup (known);
    char *principal = NULL;
    pthread_mutex_lock (&self->lookup_lock);
    if (self->lookup)
        principal = self->lookup (self->lookup_arg, z85);
    pthread_mutex_unlock (&self->lookup_lock);
    return principal;
}

static int
s_is_log_reader (bc_curve_t *self, const char *principal)
{
    for (char **r = self->log_readers; r && *r; r++)
        if (strcmp (*r, principal) == 0)
            return 1;
    return 0;
}

/* One ZAP request (RFC 27): version, request id, domain, address, routing
 * id, mechanism, credentials; the reply admits with the principal as its
 * User-Id, or refuses. */
static void
s_zap_handle (bc_curve_t *self, zsock_t *handler)
{
    zmsg_t *req = zmsg_recv (handler);
    if (!req)
        return;
    char *version = zmsg_popstr (req);
    char *request_id = zmsg_popstr (req);
    char *domain = zmsg_popstr (req);
    char *address = zmsg_popstr (req);
    char *identity = zmsg_popstr (req);
    char *mechanism = zmsg_popstr (req);
    zframe_t *key = zmsg_pop (req);
    char *principal = NULL;
    const char *text = "unknown key";
    char z85[41] = "";
    if (!mechanism || strcmp (mechanism, "CURVE") != 0)
        text = "CURVE required";
    else if (!key || zframe_size (key) != 32)
        text = "malformed key";
    else {
        zmq_z85_encode (z85, zframe_data (key), 32);
        principal = s_principal_for (self, z85);
        /* An events socket carries every customer's tickets and notes: it
         * is for the services that consume logs. */
        if (principal && domain && strcmp (domain, BC_CURVE_EVENTS_DOMAIN) == 0
            && !s_is_log_reader (self, principal)) {
            text = "events are for the services in balcao/log_readers";
            free (principal);
            principal = NULL;
        }
    }
    if (principal)
        bc_debug ("event=zap_admitted address=%s principal=%s", address ? address : "", principal);
    else {
        int64_t left_out = bc_ratelog_check (self->refusals, address, zclock_mono ());
        if (left_out >= 0)
            bc_warn ("event=zap_refused address=%s key=%s domain=%s left_out=%lld reason=\"%s\"",
                     address ? address : "", z85, domain && *domain ? domain : "-",
                     (long long) left_out, text);
    }
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, version ? version : "1.0");
    zmsg_addstr (reply, request_id ? request_id : "");
    zmsg_addstr (reply, principal ? "200" : "400");
    zmsg_addstr (reply, principal ? "OK" : text);
    zmsg_addstr (reply, principal ? principal : "");
    zmsg_addmem (reply, "", 0);
    zmsg_send (&reply, handler);
    free (principal);
    free (version);
    free (request_id);
    free (domain);
    free (address);
    free (identity);
    free (mechanism);
    zframe_destroy (&key);
    zmsg_destroy (&req);
}

static void
s_zap_actor (zsock_t *pipe, void *args)
{
    bc_curve_t *self = args;
    zsock_t *handler = zsock_new (ZMQ_REP);
    if (!handler || zsock_bind (handler, "inproc://zeromq.zap.01") != 0) {
        bc_error ("event=zap_bind_failed");
        zsock_destroy (&handler);
        self->auth_failed = 1;
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, handler, NULL);
    while (1) {
        void *which = zpoller_wait (poller, -1);
        if (which == handler)
            s_zap_handle (self, handler);
        else if (which == pipe) {
            char *cmd = zstr_recv (pipe);
            int term = !cmd || strcmp (cmd, "$TERM") == 0;
            free (cmd);
            if (term)
                break;
        }
        else
            break;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&handler);
}

int
bc_curve_start_auth (bc_curve_t *self)
{
    assert (self);
    if (self->auth)
        return 0;
    self->auth = zactor_new (s_zap_actor, self);
    if (self->auth && self->auth_failed)
        zactor_destroy (&self->auth);
    return self->auth ? 0 : -1;
}

void
bc_curve_server (bc_curve_t *self, void *sock)
{
    assert (self);
    zcert_apply (self->cert, sock);
    zsock_set_curve_server (sock, 1);
}

void
bc_curve_events_server (bc_curve_t *self, void *sock)
{
    bc_curve_server (self, sock);
    zsock_set_zap_domain (sock, BC_CURVE_EVENTS_DOMAIN);
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
    /* Public keys for anyone on the host (an agent's own `balcao login`
     * needs the services'), the secrets for the operator alone. */
    chmod (dir, 0711);
    chmod (clients, 0711);
    chmod (path, 0644);
    snprintf (path, sizeof path, "%s/%s.cert", dir, name);
    chmod (path, 0644);
    snprintf (path, sizeof path, "%s/%s.cert_secret", dir, name);
    chmod (path, 0600);
    return rc;
}
