/* bc_service_backup: copying a service's store for a backup, used by the
 * runtime's BackupFreeze (bc_service_backup.c, in each service) and by
 * balcaoctl backup/restore (the gateway's store, the keys, a restore).
 * See docs/operations.md, "Backup and restore". */
#ifndef BC_SERVICE_BACKUP_H
#define BC_SERVICE_BACKUP_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the LMDB environment env, compacted (mdb_env_copy2 with
 * MDB_CP_COMPACT: one read transaction, so a consistent snapshot even while
 * others write), into to_dir/data.mdb; to_dir is made if needed. Adds the
 * copy's size to *bytes. Returns 0 or an LMDB/errno code. */
int bc_backup_copy_env (MDB_env *env, const char *to_dir, uint64_t *bytes);

/* Copies the directory tree from into to (made if needed): regular files
 * and directories, modes kept; LMDB's own files (data.mdb, lock.mdb) and
 * Xapian's lock file (flintlock) are left out. Adds what it wrote to *bytes
 * and *files. Returns 0 or an errno value, with the path it failed on in
 * where (may be NULL). A missing `from` copies nothing (0). */
int bc_backup_copy_tree (const char *from, const char *to, uint64_t *bytes, uint32_t *files,
                         char *where, size_t where_size);

/* Copies one file (mode kept); 0 or an errno value. */
int bc_backup_copy_file (const char *from, const char *to, uint64_t *bytes);

/* Flushes to disk what was written under dir (syncfs). 0 or errno. */
int bc_backup_sync (const char *dir);

/* Whether dir is missing or empty (1), or holds something (0). */
int bc_backup_dir_is_empty (const char *dir);

#endif
