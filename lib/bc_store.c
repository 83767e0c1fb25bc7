/* bc_store: LMDB environment with named databases and map growth. */
#include "bc_store.h"

#include "bc_log.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BC_STORE_MAX_DBS 32

struct bc_store_t {
    MDB_env *env;
    char *dir;
    /* Readers on other threads (ZAP) against bc_store_compact's swap. */
    pthread_rwlock_t swap_lock;
    int is_broken; /* a compaction's swap could not open the store again */
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
    pthread_rwlock_init (&self->swap_lock, NULL);
    if (!(self->dir = strdup (dir))) {
        free (self);
        return ENOMEM;
    }
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
    pthread_rwlock_destroy (&self->swap_lock);
    free (self->dir);
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

int
bc_store_delete_where (MDB_txn *txn, MDB_dbi dbi, bc_store_pick_fn *pred, void *arg, unsigned *n)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn, dbi, &cur);
    if (rc)
        return rc;
    MDB_val *keys = NULL, k, v;
    size_t nkeys = 0, cap = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (!pred (&k, &v, arg))
            continue;
        if (nkeys == cap) {
            cap = cap ? cap * 2 : 64;
            MDB_val *grown = realloc (keys, cap * sizeof *keys);
            if (!grown) {
                rc = ENOMEM;
                break;
            }
            keys = grown;
        }
        void *copy = malloc (k.mv_size ? k.mv_size : 1);
        if (!copy) {
            rc = ENOMEM;
            break;
        }
        memcpy (copy, k.mv_data, k.mv_size);
        keys[nkeys++] = (MDB_val) {k.mv_size, copy};
    }
    mdb_cursor_close (cur);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    for (size_t i = 0; i < nkeys; i++) {
        int r = rc ? 0 : mdb_del (txn, dbi, &keys[i], NULL);
        if (r && r != MDB_NOTFOUND)
            rc = r;
        else if (r == 0 && !rc && n)
            (*n)++;
        free (keys[i].mv_data);
    }
    free (keys);
    return rc;
}

int
bc_cursor_replace (MDB_cursor *cur, const MDB_val *key, const void *data, size_t len)
{
    unsigned char small[512];
    void *copy = key->mv_size <= sizeof small ? small : malloc (key->mv_size);
    if (!copy)
        return ENOMEM;
    memcpy (copy, key->mv_data, key->mv_size);
    MDB_val k = {key->mv_size, copy}, v = {len, (void *) data};
    int rc = mdb_cursor_put (cur, &k, &v, MDB_CURRENT);
    if (copy != small)
        free (copy);
    return rc;
}

int
bc_store_txn_begin (bc_store_t *self, unsigned flags, MDB_txn **txn)
{
    pthread_rwlock_rdlock (&self->swap_lock);
    int rc = mdb_txn_begin (self->env, NULL, flags, txn);
    if (rc)
        pthread_rwlock_unlock (&self->swap_lock);
    return rc;
}

int
bc_store_txn_commit (bc_store_t *self, MDB_txn *txn)
{
    int rc = mdb_txn_commit (txn);
    pthread_rwlock_unlock (&self->swap_lock);
    return rc;
}

void
bc_store_txn_abort (bc_store_t *self, MDB_txn *txn)
{
    mdb_txn_abort (txn);
    pthread_rwlock_unlock (&self->swap_lock);
}

int
bc_store_read_begin (bc_store_t *self, MDB_txn **txn)
{
    return bc_store_txn_begin (self, MDB_RDONLY, txn);
}

void
bc_store_read_end (bc_store_t *self, MDB_txn *txn)
{
    bc_store_txn_abort (self, txn);
}

static int
s_fsync_path (const char *path, int flags)
{
    int fd = open (path, flags | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fsync (fd) ? errno : 0;
    close (fd);
    return rc;
}

static uint64_t
s_file_size (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 ? (uint64_t) st.st_size : 0;
}

/* Every record of the store into a new environment in dir, one database
 * after the other in key order. Not mdb_env_copy2's MDB_CP_COMPACT: that
 * copies each page whole, and the unused middle of a page keeps whatever
 * LMDB's reused page buffers held (records deleted or rewritten, of any
 * database); pages written afresh hold only what they now hold. */
static int
s_copy_records (bc_store_t *self, const char *dir)
{
    MDB_env *dst = NULL;
    MDB_txn *rtxn = NULL, *wtxn = NULL;
    int rc = mdb_env_create (&dst);
    if (rc == 0)
        rc = mdb_env_set_maxdbs (dst, BC_STORE_MAX_DBS);
    if (rc == 0)
        rc = mdb_env_set_mapsize (dst, self->map_size);
    if (rc == 0)
        rc = mdb_env_open (dst, dir, MDB_NOTLS | MDB_NOSYNC, 0640);
    if (rc == 0)
        rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &rtxn);
    for (int i = 0; rc == 0 && i < self->count; i++) {
        MDB_dbi to;
        MDB_cursor *cur = NULL;
        if ((rc = mdb_txn_begin (dst, NULL, 0, &wtxn))
            || (rc = mdb_dbi_open (wtxn, self->names[i], MDB_CREATE, &to))
            || (rc = mdb_cursor_open (rtxn, self->dbis[i], &cur)))
            break;
        MDB_val k, v;
        size_t n = 0;
        for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            if ((rc = mdb_put (wtxn, to, &k, &v, MDB_APPEND)))
                break;
            if (++n % 20000 == 0) {
                /* Commits on the way: a big store in small transactions. */
                if ((rc = mdb_txn_commit (wtxn)) || (rc = mdb_txn_begin (dst, NULL, 0, &wtxn))) {
                    wtxn = NULL;
                    break;
                }
            }
        }
        mdb_cursor_close (cur);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        if (wtxn) {
            int crc = rc ? (mdb_txn_abort (wtxn), 0) : mdb_txn_commit (wtxn);
            if (!rc)
                rc = crc;
            wtxn = NULL;
        }
    }
    if (wtxn)
        mdb_txn_abort (wtxn);
    if (rtxn)
        mdb_txn_abort (rtxn);
    if (rc == 0)
        rc = mdb_env_sync (dst, 1);
    if (dst)
        mdb_env_close (dst);
    return rc;
}

int
bc_store_compact (bc_store_t *self, uint64_t *before, uint64_t *after)
{
    char tmp[4096], file[4096], tmp_file[4200];
    snprintf (tmp, sizeof tmp, "%s/compact.tmp", self->dir);
    snprintf (file, sizeof file, "%s/data.mdb", self->dir);
    snprintf (tmp_file, sizeof tmp_file, "%s/data.mdb", tmp);
    *before = s_file_size (file);
    char tmp_lock[4200];
    snprintf (tmp_lock, sizeof tmp_lock, "%s/lock.mdb", tmp);
    unlink (tmp_file);
    unlink (tmp_lock);
    int rc = bc_dir_ensure (tmp);
    /* No transaction of any thread (bc_store_txn_begin) runs meanwhile:
     * the copy is the store as it is, without its free pages. */
    pthread_rwlock_wrlock (&self->swap_lock);
    if (rc == 0)
        rc = s_copy_records (self, tmp);
    if (rc == 0)
        rc = s_fsync_path (tmp_file, O_RDONLY);
    unlink (tmp_lock);
    if (rc) {
        pthread_rwlock_unlock (&self->swap_lock);
        unlink (tmp_file);
        rmdir (tmp);
        return rc;
    }
    mdb_env_close (self->env);
    self->env = NULL;
    if (rename (tmp_file, file))
        rc = errno;
    rmdir (tmp);
    if (rc == 0)
        rc = s_fsync_path (self->dir, O_RDONLY | O_DIRECTORY);
    /* Open again, the names in the same order: the same handles. */
    MDB_txn *txn = NULL;
    int rc2 = mdb_env_create (&self->env);
    if (rc2 == 0)
        rc2 = mdb_env_set_maxdbs (self->env, BC_STORE_MAX_DBS);
    if (rc2 == 0)
        rc2 = mdb_env_set_mapsize (self->env, self->map_size);
    if (rc2 == 0)
        rc2 = mdb_env_open (self->env, self->dir, MDB_NOTLS, 0640);
    if (rc2 == 0)
        rc2 = mdb_txn_begin (self->env, NULL, 0, &txn);
    for (int i = 0; rc2 == 0 && i < self->count; i++) {
        MDB_dbi dbi;
        rc2 = mdb_dbi_open (txn, self->names[i], MDB_CREATE, &dbi);
        if (rc2 == 0 && dbi != self->dbis[i])
            rc2 = MDB_BAD_DBI;
    }
    if (rc2 == 0)
        rc2 = mdb_txn_commit (txn);
    else if (txn)
        mdb_txn_abort (txn);
    self->is_broken = rc2 != 0;
    pthread_rwlock_unlock (&self->swap_lock);
    *after = s_file_size (file);
    return rc2 ? rc2 : rc;
}

int
bc_store_is_broken (bc_store_t *self)
{
    return self->is_broken;
}

size_t
bc_store_map_size (bc_store_t *self)
{
    return self->map_size;
}

int
bc_store_mark (const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return errno;
    int rc = fsync (fd) ? errno : 0;
    close (fd);
    return rc;
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
