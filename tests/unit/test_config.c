/* bc_config: embedded defaults, values from a ZPL file, clear failure on a
 * missing file. */
#include "bc_config.h"
#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_defaults_without_file (void **state)
{
    (void) state;
    bc_config_t *c = bc_config_load (NULL);
    assert_non_null (c);
    assert_string_equal (bc_config_data_dir (c), "var");
    const char *intake = bc_config_endpoint (c, "intake", "command");
    const char *router = bc_config_endpoint (c, "router", "events");
    /* Both pointers stay valid together. */
    assert_string_equal (intake, "tcp://127.0.0.1:7101");
    assert_string_equal (router, "tcp://127.0.0.1:7112");
    assert_string_equal (bc_config_bind (c, "router", "events"), "tcp://127.0.0.1:7112");
    assert_int_equal (bc_config_int (c, "gateway/http_port", 8080), 8080);
    assert_null (bc_config_endpoint (c, "nosuch", "command"));
    bc_config_destroy (&c);
    assert_null (c);
}

static void
test_file_values (void **state)
{
    (void) state;
    char dir[64], path[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/t.cfg", dir);
    FILE *f = fopen (path, "w");
    fprintf (f, "balcao\n    data_dir = \"/srv/balcao\"\nrouter\n    command = "
                "\"tcp://10.0.0.2:9000\"\n    bind_command = \"tcp://*:9000\"\n    batch_max = "
                "\"12\"\n    bad = \"12x\"\n");
    fclose (f);
    bc_config_t *c = bc_config_load (path);
    assert_non_null (c);
    assert_string_equal (bc_config_data_dir (c), "/srv/balcao");
    assert_string_equal (bc_config_endpoint (c, "router", "command"), "tcp://10.0.0.2:9000");
    assert_string_equal (bc_config_bind (c, "router", "command"), "tcp://*:9000");
    assert_int_equal (bc_config_int (c, "router/batch_max", 1), 12);
    /* Not a number: the default, and a warning in the log. */
    assert_int_equal (bc_config_int (c, "router/bad", 5), 5);
    assert_string_equal (bc_config_path (c), path);
    bc_config_destroy (&c);
    unit_rmdir (dir);
}

static void
test_missing_file_fails (void **state)
{
    (void) state;
    assert_null (bc_config_load ("/nonexistent/balcao.cfg"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_defaults_without_file),
        cmocka_unit_test (test_file_values),
        cmocka_unit_test (test_missing_file_fails),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
