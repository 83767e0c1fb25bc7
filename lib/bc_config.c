/* bc_config: thin wrapper over zconfig that knows the embedded defaults. */
#include "bc_config.h"

#include "bc_log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct bc_config_t {
    zconfig_t *root;
    char *path;
};

/* Loopback defaults: each service gets a pair of ports, command then events. */
static const struct {
    const char *service;
    int port;
} s_ports[] = {{"intake", 7101}, {"router", 7111}, {"kb", 7121}, {"notify", 7131}, {"gateway", 7141}};

bc_config_t *
bc_config_load (const char *path)
{
    bc_config_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (path) {
        if (!zsys_file_exists (path)) {
            bc_error ("event=config_missing path=%s hint=\"give an existing ZPL file with -c\"", path);
            free (self);
            return NULL;
        }
        self->root = zconfig_load (path);
        if (!self->root) {
            bc_error ("event=config_invalid path=%s hint=\"check the ZPL syntax: 4-space indents, key = value\"",
                      path);
            free (self);
            return NULL;
        }
        self->path = strdup (path);
    }
    else
        self->root = zconfig_new ("root", NULL);
    return self;
}

void
bc_config_destroy (bc_config_t **self_p)
{
    if (*self_p) {
        zconfig_destroy (&(*self_p)->root);
        free ((*self_p)->path);
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
bc_config_str (bc_config_t *self, const char *path, const char *dflt)
{
    return zconfig_resolve (self->root, path, dflt);
}

long long
bc_config_int (bc_config_t *self, const char *path, long long dflt)
{
    const char *v = zconfig_resolve (self->root, path, NULL);
    if (!v || !*v)
        return dflt;
    char *end;
    long long n = strtoll (v, &end, 10);
    if (*end) {
        bc_warn ("event=config_not_a_number key=%s value=\"%s\" using=%lld", path, v, dflt);
        return dflt;
    }
    return n;
}

int
bc_config_children (bc_config_t *self, const char *path, const char **names, int max)
{
    zconfig_t *section = zconfig_locate (self->root, path);
    int n = 0;
    for (zconfig_t *c = section ? zconfig_child (section) : NULL; c && n < max; c = zconfig_next (c))
        names[n++] = zconfig_name (c);
    return n;
}

const char *
bc_config_endpoint (bc_config_t *self, const char *service, const char *kind)
{
    char key[96];
    snprintf (key, sizeof key, "%s/%s", service, kind);
    const char *v = zconfig_resolve (self->root, key, NULL);
    if (v)
        return v;
    for (size_t i = 0; i < sizeof s_ports / sizeof s_ports[0]; i++)
        if (strcmp (s_ports[i].service, service) == 0) {
            int port = s_ports[i].port + (strcmp (kind, "events") == 0 ? 1 : 0);
            char value[64];
            snprintf (value, sizeof value, "tcp://127.0.0.1:%d", port);
            /* Stored in the tree so the pointer stays valid as long as self. */
            zconfig_put (self->root, key, value);
            return zconfig_resolve (self->root, key, NULL);
        }
    return NULL;
}

const char *
bc_config_bind (bc_config_t *self, const char *service, const char *kind)
{
    char key[96];
    snprintf (key, sizeof key, "%s/bind_%s", service, kind);
    const char *v = zconfig_resolve (self->root, key, NULL);
    return v ? v : bc_config_endpoint (self, service, kind);
}

/* "<service>/<name>", from lo (the default) to hi. */
static int
s_count (bc_config_t *self, const char *service, const char *name, int lo, int hi)
{
    char key[96];
    snprintf (key, sizeof key, "%s/%s", service, name);
    long long n = bc_config_int (self, key, lo);
    return n < lo ? lo : n > hi ? hi : (int) n;
}

int
bc_config_replicas (bc_config_t *self, const char *service)
{
    return s_count (self, service, "replicas", 1, 8);
}

int
bc_config_read_replicas (bc_config_t *self, const char *service)
{
    return s_count (self, service, "read_replicas", 0, 7);
}

const char *
bc_config_instance (const char *service, int k, char *out, size_t size)
{
    if (k <= 1)
        snprintf (out, size, "%s", service);
    else
        snprintf (out, size, "%s-%d", service, k);
    return out;
}

const char *
bc_config_service_of (const char *instance, char *out, size_t size, int *k)
{
    snprintf (out, size, "%s", instance);
    if (k)
        *k = 1;
    char *dash = strrchr (out, '-');
    if (!dash || !dash[1] || strspn (dash + 1, "0123456789") != strlen (dash + 1))
        return out;
    int n = atoi (dash + 1);
    if (n < 2 || n > 8)
        return out;
    *dash = 0;
    if (k)
        *k = n;
    return out;
}

const char *
bc_config_replica_for (bc_config_t *self, const char *service, const void *key, size_t len,
                       char *out, size_t size)
{
    int n = bc_config_replicas (self, service);
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const unsigned char *) key)[i]) * 1099511628211ULL;
    return bc_config_instance (service, n > 1 ? (int) (h % (uint64_t) n) + 1 : 1, out, size);
}

const char *
bc_config_data_dir (bc_config_t *self)
{
    return zconfig_resolve (self->root, "balcao/data_dir", "var");
}

const char *
bc_config_path (bc_config_t *self)
{
    return self->path;
}

const char *
bc_config_curve_dir (bc_config_t *self)
{
    const char *v = zconfig_resolve (self->root, "balcao/curve_dir", NULL);
    if (v)
        return *v ? v : NULL;
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/curve", bc_config_data_dir (self));
    /* Stored in the tree so the pointer stays valid as long as self. */
    zconfig_put (self->root, "balcao/curve_dir", dir);
    return zconfig_resolve (self->root, "balcao/curve_dir", NULL);
}

char **
bc_config_words (bc_config_t *self, const char *path, const char *dflt, int *count)
{
    const char *value = zconfig_resolve (self->root, path, dflt);
    char *copy = strdup (value ? value : ""), *save = NULL;
    char **words = calloc (strlen (copy) / 2 + 2, sizeof *words);
    int n = 0;
    for (char *tok = strtok_r (copy, " ,", &save); tok; tok = strtok_r (NULL, " ,", &save))
        words[n++] = strdup (tok);
    free (copy);
    *count = n;
    return words;
}

void
bc_config_words_free (char ***words_p)
{
    char **words = *words_p;
    if (!words)
        return;
    for (char **w = words; *w; w++)
        free (*w);
    free (words);
    *words_p = NULL;
}

void
bc_config_put (bc_config_t *self, const char *path, const char *value)
{
    zconfig_put (self->root, path, value);
}

void
bc_config_public_url (bc_config_t *self, char *out, size_t size)
{
    char fallback[128];
    snprintf (fallback, sizeof fallback, "http://%s:%d",
              bc_config_str (self, "gateway/http_address", "127.0.0.1"),
              (int) bc_config_int (self, "gateway/http_port", 8080));
    snprintf (out, size, "%s", bc_config_str (self, "gateway/public_url", fallback));
    size_t n = strlen (out);
    while (n && out[n - 1] == '/')
        out[--n] = 0;
}
