/* bc_store: named databases, u64 keys that sort numerically, a map that
 * grows instead of failing with MDB_MAP_FULL, and whole files read. */
#include "bc_store.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const char *const names[] = {"one", "two"};

/* A file larger than one read chunk comes back whole; a missing one is NULL. */
static void
test_read_file (void **state)
{
    (void) state;
    char dir[64], path[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/f.txt", dir);
    FILE *f = fopen (path, "w");
    for (int i = 0; i < 3000; i++)
        fprintf (f, "linha %d ção\n", i);
    fclose (f);
    char *text = bc_read_file (path);
    assert_non_null (text);
    assert_int_equal (strncmp (text, "linha 0 ção\n", 14), 0);
    assert_non_null (strstr (text, "linha 2999 ção\n"));
    free (text);
    snprintf (path, sizeof path, "%s/absent", dir);
    assert_null (bc_read_file (path));
    unit_rmdir (dir);
}

static void
test_u64_keys_sort_numerically (void **state)
{
    (void) state;
    unsigned char a[8], b[8];
    bc_key_from_u64 (255, a);
    bc_key_from_u64 (256, b);
    assert_true (memcmp (a, b, 8) < 0);
    MDB_val v = {8, b};
    assert_int_equal (bc_key_to_u64 (&v), 256);
}

static void
test_put_get_persists_across_reopen (void **state)
{
    (void) state;
    char dir[64];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    bc_store_t *store;
    assert_int_equal (bc_store_open (&store, dir, names, 2, 1 << 20), 0);
    MDB_txn *txn;
    assert_int_equal (mdb_txn_begin (bc_store_env (store), NULL, 0, &txn), 0);
    assert_int_equal (bc_store_put_u64 (txn, bc_store_dbi (store, "two"), "next", 42), 0);
    assert_int_equal (mdb_txn_commit (txn), 0);
    bc_store_destroy (&store);
    assert_null (store);

    assert_int_equal (bc_store_open (&store, dir, names, 2, 1 << 20), 0);
    assert_int_equal (mdb_txn_begin (bc_store_env (store), NULL, MDB_RDONLY, &txn), 0);
    uint64_t v = 0;
    assert_int_equal (bc_store_get_u64 (txn, bc_store_dbi (store, "two"), "next", &v), 0);
    assert_int_equal (v, 42);
    assert_int_equal (bc_store_get_u64 (txn, bc_store_dbi (store, "one"), "next", &v),
                      MDB_NOTFOUND);
    mdb_txn_abort (txn);
    bc_store_destroy (&store);
    unit_rmdir (dir);
}

/* Fill a tiny map until LMDB says full, grow, and the same write succeeds:
 * what the service runtime does for every batch. */
static void
test_map_grows_when_full (void **state)
{
    (void) state;
    char dir[64];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    bc_store_t *store;
    assert_int_equal (bc_store_open (&store, dir, names, 2, 64 * 1024), 0);
    size_t before = bc_store_map_size (store);
    char value[1024];
    memset (value, 'x', sizeof value);
    int full = 0;
    for (int round = 0; round < 20; round++) {
        MDB_txn *txn;
        assert_int_equal (mdb_txn_begin (bc_store_env (store), NULL, 0, &txn), 0);
        int rc = 0;
        for (int i = 0; i < 200 && rc == 0; i++) {
            char key[32];
            snprintf (key, sizeof key, "k%03d-%03d", round, i);
            MDB_val k = {strlen (key), key}, v = {sizeof value, value};
            rc = mdb_put (txn, bc_store_dbi (store, "one"), &k, &v, 0);
        }
        if (rc == MDB_MAP_FULL) {
            full++;
            mdb_txn_abort (txn);
            assert_int_equal (bc_store_grow (store), 0);
            round--; /* the same batch again */
            continue;
        }
        assert_int_equal (rc, 0);
        assert_int_equal (mdb_txn_commit (txn), 0);
    }
    assert_true (full > 0);
    assert_true (bc_store_map_size (store) > before);
    MDB_txn *txn;
    MDB_stat st;
    assert_int_equal (mdb_txn_begin (bc_store_env (store), NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal (mdb_stat (txn, bc_store_dbi (store, "one"), &st), 0);
    assert_int_equal (st.ms_entries, 20 * 200);
    mdb_txn_abort (txn);
    bc_store_destroy (&store);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_u64_keys_sort_numerically),
        cmocka_unit_test (test_read_file),
        cmocka_unit_test (test_put_get_persists_across_reopen),
        cmocka_unit_test (test_map_grows_when_full),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
