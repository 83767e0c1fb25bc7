/* gateway_seal: staff TOTP seeds sealed at rest, bound to their record;
 * and the upgrade: a store from before sealing, its seeds in clear, is
 * sealed when the gateway's store opens it (gateway_store.c). */
#include "gateway_seal.h"
#include "gateway_store.h"
#include "unit_util.h"

#include <lmdb.h>
#include <setjmp.h>
#include <stdio.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SEED "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static void
test_sealed_seed_opens_only_for_its_record_and_key (void **state)
{
    (void) state;
    assert_true (sodium_init () >= 0);
    unsigned char key[GATEWAY_SEAL_KEY_SIZE], other[GATEWAY_SEAL_KEY_SIZE];
    randombytes_buf (key, sizeof key);
    randombytes_buf (other, sizeof other);
    char *box = gateway_seal (key, "ana@suporte.example", SEED);
    assert_true (gateway_seal_is_sealed (box));
    assert_null (strstr (box, SEED));
    char out[65];
    assert_true (gateway_seal_open (key, "ana@suporte.example", box, out, sizeof out));
    assert_string_equal (out, SEED);
    /* Moved to another person's record, or another key: it does not open. */
    assert_false (gateway_seal_open (key, "bia@suporte.example", box, out, sizeof out));
    assert_false (gateway_seal_open (other, "ana@suporte.example", box, out, sizeof out));
    /* One character changed: it does not open. */
    box[strlen (box) - 3] = box[strlen (box) - 3] == 'A' ? 'B' : 'A';
    assert_false (gateway_seal_open (key, "ana@suporte.example", box, out, sizeof out));
    /* Too small a buffer: refused, not cut. */
    char *again = gateway_seal (key, "ana@suporte.example", SEED);
    char small[8];
    assert_false (gateway_seal_open (key, "ana@suporte.example", again, small, sizeof small));
    /* Two seals of the same seed differ (a fresh nonce each). */
    char *third = gateway_seal (key, "ana@suporte.example", SEED);
    assert_string_not_equal (again, third);
    free (box);
    free (again);
    free (third);
}

static void
test_empty_and_old_values (void **state)
{
    (void) state;
    unsigned char key[GATEWAY_SEAL_KEY_SIZE] = {1};
    char *box = gateway_seal (key, "ana@suporte.example", "");
    assert_string_equal (box, "");
    free (box);
    char out[65];
    /* A seed stored before sealing reads as it is (start-up seals it). */
    assert_false (gateway_seal_is_sealed (SEED));
    assert_true (gateway_seal_open (key, "ana@suporte.example", SEED, out, sizeof out));
    assert_string_equal (out, SEED);
    assert_false (gateway_seal_open (key, "ana@suporte.example", "s1:não-é-base64", out,
                                     sizeof out));
    assert_false (gateway_seal_open (key, "ana@suporte.example", "s1:", out, sizeof out));
}

/* The raw bytes of a file (the LMDB data file), NUL-terminated. */
static char *
s_slurp (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    assert_non_null (f);
    fseek (f, 0, SEEK_END);
    long size = ftell (f);
    fseek (f, 0, SEEK_SET);
    char *buf = malloc ((size_t) size + 1);
    assert_int_equal (fread (buf, 1, (size_t) size, f), (size_t) size);
    fclose (f);
    buf[size] = 0;
    *len = (size_t) size;
    return buf;
}

static bool
s_has (const char *buf, size_t len, const char *needle)
{
    return memmem (buf, len, needle, strlen (needle)) != NULL;
}

static void
test_store_from_before_sealing_is_sealed_at_open (void **state)
{
    (void) state;
    char dir[64], path[160];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/b.cfg", dir);
    FILE *f = fopen (path, "w");
    fprintf (f, "balcao\n    data_dir = \"%s/var\"\n", dir);
    fclose (f);
    bc_config_t *config = bc_config_load (path);
    assert_non_null (config);

    /* A staff person with TOTP on, as the gateway stores it now. */
    gateway_store_t *store = gateway_store_new (config);
    assert_non_null (store);
    gateway_staff_t ana = {.address = "ana@suporte.example", .language = "pt-BR",
                           .totp = SEED, .totp_step = 7};
    assert_int_equal (gateway_store_staff_put (store, &ana), 0);
    gateway_store_destroy (&store);

    /* Made as an older release stored it: the seed in clear. */
    char db_dir[128], data[160];
    snprintf (db_dir, sizeof db_dir, "%s/var/gateway/db", dir);
    snprintf (data, sizeof data, "%s/data.mdb", db_dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 16), 0);
    assert_int_equal (mdb_env_set_mapsize (env, 1LL << 30), 0);
    assert_int_equal (mdb_env_open (env, db_dir, 0, 0600), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, 0, &txn), 0);
    assert_int_equal (mdb_dbi_open (txn, "staff", 0, &dbi), 0);
    const char *old = "{\"hash\": \"\", \"language\": \"pt-BR\", \"totp\": \"" SEED
                      "\", \"totp_pending\": \"\", \"totp_step\": 7, \"created_us\": 1}";
    MDB_val k = {strlen (ana.address), ana.address}, v = {strlen (old), (void *) old};
    assert_int_equal (mdb_put (txn, dbi, &k, &v, 0), 0);
    assert_int_equal (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    size_t len;
    char *raw = s_slurp (data, &len);
    assert_true (s_has (raw, len, SEED)); /* the old store, in clear */
    free (raw);

    /* The gateway starts: the seed is sealed, and still opens. */
    store = gateway_store_new (config);
    assert_non_null (store);
    gateway_staff_t got;
    assert_int_equal (gateway_store_staff_get (store, ana.address, &got), 0);
    assert_string_equal (got.totp, SEED);
    assert_int_equal (got.totp_step, 7);
    gateway_store_destroy (&store);
    /* LMDB may keep the old page's bytes in a free page: look at the
     * record itself. */
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 16), 0);
    assert_int_equal (mdb_env_open (env, db_dir, MDB_RDONLY, 0600), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal (mdb_dbi_open (txn, "staff", 0, &dbi), 0);
    assert_int_equal (mdb_get (txn, dbi, &k, &v), 0);
    char *record = strndup (v.mv_data, v.mv_size);
    mdb_txn_abort (txn);
    mdb_env_close (env);
    assert_null (strstr (record, SEED));
    assert_non_null (strstr (record, "\"totp\":\"s1:")); /* JSON_COMPACT */
    free (record);

    /* Opened again: nothing left to seal, the seed the same. */
    store = gateway_store_new (config);
    assert_int_equal (gateway_store_staff_get (store, ana.address, &got), 0);
    assert_string_equal (got.totp, SEED);
    gateway_store_destroy (&store);
    bc_config_destroy (&config);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_sealed_seed_opens_only_for_its_record_and_key),
        cmocka_unit_test (test_empty_and_old_values),
        cmocka_unit_test (test_store_from_before_sealing_is_sealed_at_open),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
