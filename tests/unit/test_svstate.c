/* bc_svstate: the supervisor's state file read back as written, a missing
 * or foreign file told apart, and the sentences people read (pt-BR and
 * English) for a live and a gone supervisor. */
#include "bc_clock.h"
#include "bc_svstate.h"
#include "unit_util.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

extern char **environ;

/* A process whose command line says balcaoctl, as a live supervisor's does. */
static pid_t
s_fake_supervisor (void)
{
    pid_t pid;
    char *argv[] = {"balcaoctl-unit-test", "30", NULL};
    assert_int_equal (posix_spawn (&pid, "/bin/sleep", NULL, NULL, argv, environ), 0);
    return pid;
}

static void
s_end (pid_t pid)
{
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
}

static bc_svstate_t
s_sample (int pid)
{
    bc_svstate_t st = {.pid = pid, .give_up_exits = 5, .give_up_window_s = 60, .nprocs = 3};
    st.procs[0] = (bc_sv_proc_t) {.name = "router", .state = BC_SV_RUNNING, .pid = 4242,
                                  .since_us = bc_now_us () - 125000000, .restarts = 1,
                                  .exit = "signal:9"};
    st.procs[1] = (bc_sv_proc_t) {.name = "kb", .state = BC_SV_GAVE_UP, .restarts = 4, .exits = 5,
                                  .exit = "status:1"};
    st.procs[2] = (bc_sv_proc_t) {.name = "intake", .state = BC_SV_RESTARTING,
                                  .next_us = bc_now_us () + 2000000, .restarts = 2, .exits = 2,
                                  .exit = "status:1", .bind = "tcp://127.0.0.1:7101"};
    return st;
}

static void
test_round_trip (void **state)
{
    (void) state;
    char dir[64], path[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/supervise.state", dir);
    bc_svstate_t out, in = s_sample (812);
    assert_int_equal (bc_svstate_write (&in, path), 0);
    assert_int_equal (bc_svstate_read (&out, path), 0);
    assert_int_equal (out.pid, 812);
    assert_int_equal (out.give_up_exits, 5);
    assert_int_equal (out.nprocs, 3);
    bc_sv_proc_t *kb = bc_svstate_find (&out, "kb");
    assert_non_null (kb);
    assert_int_equal (kb->state, BC_SV_GAVE_UP);
    assert_int_equal (kb->exits, 5);
    assert_string_equal (kb->exit, "status:1");
    assert_string_equal (kb->bind, "");
    bc_sv_proc_t *intake = bc_svstate_find (&out, "intake");
    assert_string_equal (intake->bind, "tcp://127.0.0.1:7101");
    assert_int_equal (intake->next_us, in.procs[2].next_us);
    assert_int_equal (bc_svstate_find (&out, "router")->pid, 4242);
    assert_null (bc_svstate_find (&out, "notify"));
    /* Written through a temporary file renamed over the old one. */
    snprintf (path, sizeof path, "%s/supervise.state.tmp", dir);
    assert_int_equal (access (path, F_OK), -1);
    unit_rmdir (dir);
}

static void
test_missing_or_foreign (void **state)
{
    (void) state;
    char dir[64], path[128];
    bc_svstate_t st;
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/none", dir);
    assert_int_equal (bc_svstate_read (&st, path), ENOENT);
    assert_int_equal (st.nprocs, 0);
    snprintf (path, sizeof path, "%s/foreign", dir);
    FILE *f = fopen (path, "w");
    fputs ("12345\n", f);
    fclose (f);
    assert_int_equal (bc_svstate_read (&st, path), EINVAL);
    unit_rmdir (dir);
}

static void
test_sentences (void **state)
{
    (void) state;
    pid_t supervisor = s_fake_supervisor ();
    usleep (50000); /* until it runs sleep, with its own command line */
    bc_svstate_t st = s_sample ((int) supervisor);
    assert_true (bc_svstate_is_live (&st));
    char buf[512];
    bc_svstate_describe (&st, bc_svstate_find (&st, "kb"), "var/log", 0, buf, sizeof buf);
    assert_string_equal (buf, "parado após 5 falhas seguidas em 60 s; veja var/log/kb.log");
    bc_svstate_describe (&st, bc_svstate_find (&st, "kb"), "var/log", 1, buf, sizeof buf);
    assert_string_equal (buf, "stopped after 5 failures in a row within 60 s; see var/log/kb.log");
    bc_svstate_describe (&st, bc_svstate_find (&st, "router"), "var/log", 0, buf, sizeof buf);
    assert_string_equal (buf, "no ar (pid 4242, há 2 min 5 s, 1 reinício)");
    bc_svstate_describe (&st, bc_svstate_find (&st, "intake"), "var/log", 1, buf, sizeof buf);
    assert_non_null (strstr (buf, "restarting (next attempt in 2.0 s; last time it exited with "
                                  "status 1: the address tcp://127.0.0.1:7101 is already in use"));
    s_end (supervisor);
    /* Its supervisor gone, no process stands behind a "running". */
    assert_false (bc_svstate_is_live (&st));
    bc_svstate_describe (&st, bc_svstate_find (&st, "router"), "var/log", 0, buf, sizeof buf);
    assert_string_equal (buf, "parado: o supervisor não está no ar (balcaoctl up)");
    st.pid = 0;
    bc_svstate_describe (&st, bc_svstate_find (&st, "kb"), "var/log", 1, buf, sizeof buf);
    assert_string_equal (buf, "stopped (balcaoctl down; balcaoctl up starts it)");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_round_trip),
        cmocka_unit_test (test_missing_or_foreign),
        cmocka_unit_test (test_sentences),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
