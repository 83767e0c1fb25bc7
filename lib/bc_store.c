/* bc_store: LMDB environment with named databases and map growth. */
#include "bc_store.h"

#include "bc_log.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BC_STORE_MAX_DBS 32

struct bc_store_t {
    MDB_env *env;
    int count;
    char *names[BC_STORE_MAX_DBS];
    MDB_dbi dbis[BC_STORE_MAX_DBS];
    size_t map_size;
};

int
bc_store_open (bc_store_t **self_p, const char *dir, const char *const *names, int count,
               size_t map_size)
{
    assert (count <= BC_STORE_MAX_DBS);
    *self_p = NULL;
    int rc = bc_dir_ensure (dir);
    if (rc)
        return rc;
    bc_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return ENOMEM;
    MDB_txn *txn = NULL;
    if ((rc = mdb_env_create (&self->env)))
        goto fail;
    if ((rc = mdb_env_set_maxdbs (self->env, BC_STORE_MAX_DBS)))
        goto fail;
    if ((rc = mdb_env_set_mapsize (self->env, map_size)))
        goto fail;
    if ((rc = mdb_env_open (self->env, dir, MDB_NOTLS, 0640)))
        goto fail;
    /* A previous run may have grown the map beyond map_size: keep the larger. */
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    self->map_size = info.me_mapsize;
    if ((rc = mdb_txn_begin (self->env, NULL, 0, &txn)))
        goto fail;
    for (int i = 0; i < count; i++) {
        if ((rc = mdb_dbi_open (txn, names[i], MDB_CREATE, &self->dbis[i])))
            goto fail;
        self->names[i] = strdup (names[i]);
        self->count++;
    }
    rc = mdb_txn_commit (txn);
    txn = NULL;
    if (rc)
        goto fail;
    *self_p = self;
    return 0;
fail:
    if (txn)
        mdb_txn_abort (txn);
    bc_store_destroy (&self);
    return rc;
}

void
bc_store_destroy (bc_store_t **self_p)
{
    bc_store_t *self = *self_p;
    if (!self)
        return;
    if (self->env)
        mdb_env_close (self->env);
    for (int i = 0; i < self->count; i++)
        free (self->names[i]);
    free (self);
    *self_p = NULL;
}

MDB_env *
bc_store_env (bc_store_t *self)
{
    assert (self);
    return self->env;
}

MDB_dbi
bc_store_dbi (bc_store_t *self, const char *name)
{
    assert (self);
    for (int i = 0; i < self->count; i++)
        if (strcmp (self->names[i], name) == 0)
            return self->dbis[i];
    bc_error ("event=unknown_database name=%s", name);
    abort ();
}

int
bc_store_grow (bc_store_t *self)
{
    assert (self);
    size_t next = self->map_size * 2;
    int rc = mdb_env_set_mapsize (self->env, next);
    if (rc == 0) {
        bc_info ("event=map_grown from_bytes=%zu to_bytes=%zu", self->map_size, next);
        self->map_size = next;
    }
    return rc;
}

size_t
bc_store_map_size (bc_store_t *self)
{
    return self->map_size;
}

int
bc_dir_ensure (const char *dir)
{
    /* zsys_dir_create checks then creates each parent, so a concurrent
     * creator makes it stop with EEXIST part-way: try again, the parents
     * made by the other are then there. */
    int err = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (zsys_dir_create ("%s", dir) == 0)
            return 0;
        err = errno ? errno : EACCES;
        struct stat st;
        if (stat (dir, &st) == 0 && S_ISDIR (st.st_mode))
            return 0;
        if (err != EEXIST)
            break;
    }
    return err;
}

void
bc_key_from_u64 (uint64_t v, unsigned char out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char) (v & 0xff);
        v >>= 8;
    }
}

uint64_t
bc_key_to_u64 (const MDB_val *key)
{
    if (key->mv_size != 8)
        return 0;
    const unsigned char *p = key->mv_data;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

int
bc_store_get_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out)
{
    MDB_val k = {strlen (key), (void *) key}, v;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (rc)
        return rc;
    if (v.mv_size != 8)
        return MDB_CORRUPTED;
    *out = bc_key_to_u64 (&v);
    return 0;
}

int
bc_store_put_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value)
{
    unsigned char buf[8];
    bc_key_from_u64 (value, buf);
    MDB_val k = {strlen (key), (void *) key}, v = {8, buf};
    return mdb_put (txn, dbi, &k, &v, 0);
}

const char *
bc_store_strerror (int rc)
{
    return mdb_strerror (rc);
}

int
bc_write_all (int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write (fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

char *
bc_read_file (const char *path)
{
    FILE *f = strcmp (path, "-") == 0 ? stdin : fopen (path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&buf, &size);
    char chunk[8192];
    size_t n;
    while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
        fwrite (chunk, 1, n, mem);
    fclose (mem);
    if (f != stdin)
        fclose (f);
    return buf;
}
