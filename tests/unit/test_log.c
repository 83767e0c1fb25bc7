/* bc_log: the one-line key=value format, with a timestamp on a plain stderr
 * and with the syslog priority instead when stderr is the journal's stream
 * (JOURNAL_STREAM naming its device:inode, as systemd sets it). Each case
 * runs bc_log in a child process whose stderr is a file or a socket. */
#include "bc_log.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define MATCH "<the stream's own device:inode>"

/* In a child whose stderr is fd, with JOURNAL_STREAM set to journal (MATCH:
 * fd's own device:inode; NULL: unset), logs one line at each level. */
static void
s_log_in_child (int fd, const char *journal, bool debug)
{
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        if (dup2 (fd, STDERR_FILENO) < 0)
            _exit (2);
        char value[64];
        if (journal && strcmp (journal, MATCH) == 0) {
            struct stat st;
            if (fstat (fd, &st) != 0)
                _exit (3);
            snprintf (value, sizeof value, "%llu:%llu", (unsigned long long) st.st_dev,
                      (unsigned long long) st.st_ino);
            journal = value;
        }
        if (journal)
            setenv ("JOURNAL_STREAM", journal, 1);
        else
            unsetenv ("JOURNAL_STREAM");
        if (debug)
            setenv ("BALCAO_LOG", "debug", 1);
        else
            unsetenv ("BALCAO_LOG");
        bc_log_init ("unitlog");
        bc_debug ("event=probe n=%d", 0);
        bc_info ("event=probe n=%d what=\"%s\"", 1, "olá, mundo");
        bc_warn ("event=probe n=%d", 2);
        bc_error ("event=probe n=%d", 3);
        bc_log_flush ();
        _exit (0);
    }
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
}

/* What the child wrote to a temporary file, NUL-terminated in out. */
static void
s_log_to_file (const char *journal, bool debug, char *out, size_t size)
{
    char path[] = "/tmp/balcao-unit-log-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    unlink (path);
    s_log_in_child (fd, journal, debug);
    ssize_t n = pread (fd, out, size - 1, 0);
    assert_true (n >= 0);
    out[n] = 0;
    close (fd);
}

/* The line expected for level "level" (n as logged), after its prefix. */
static const char *
s_expected (int n)
{
    static const char *lines[] = {
        "level=debug service=unitlog event=probe n=0",
        "level=info service=unitlog event=probe n=1 what=\"olá, mundo\"",
        "level=warn service=unitlog event=probe n=2",
        "level=error service=unitlog event=probe n=3",
    };
    return lines[n];
}

/* Checks a "2026-12-05T00:31:54.123Z " timestamp at text and returns what
 * follows it. */
static const char *
s_after_timestamp (const char *text)
{
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ ";
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true (isdigit ((unsigned char) text[i]));
        else
            assert_int_equal (text[i], shape[i]);
    }
    return text + strlen (shape);
}

/* Splits text into lines (in place); returns how many. */
static int
s_lines (char *text, char **lines, int max)
{
    int count = 0;
    char *save = NULL;
    for (char *line = strtok_r (text, "\n", &save); line && count < max;
         line = strtok_r (NULL, "\n", &save))
        lines[count++] = line;
    return count;
}

static void
s_assert_plain (char *text, bool debug)
{
    char *lines[8];
    int count = s_lines (text, lines, 8);
    assert_int_equal (count, debug ? 4 : 3);
    for (int i = 0; i < count; i++)
        assert_string_equal (s_after_timestamp (lines[i]), s_expected (i + (debug ? 0 : 1)));
}

static void
test_plain_stderr_has_timestamps (void **state)
{
    (void) state;
    char text[4096];
    s_log_to_file (NULL, false, text, sizeof text);
    s_assert_plain (text, false);
    s_log_to_file (NULL, true, text, sizeof text);
    s_assert_plain (text, true);
}

static void
test_journal_stream_gets_priorities (void **state)
{
    (void) state;
    char text[4096];
    char *lines[8];
    /* journald keeps "<N>" as the priority and strips it; the rest is the
     * same key=value line, without our timestamp. */
    s_log_to_file (MATCH, false, text, sizeof text);
    assert_int_equal (s_lines (text, lines, 8), 3);
    char want[256];
    const int priorities[] = {7, 6, 4, 3};
    for (int i = 0; i < 3; i++) {
        snprintf (want, sizeof want, "<%d>%s", priorities[i + 1], s_expected (i + 1));
        assert_string_equal (lines[i], want);
    }
    /* BALCAO_LOG=debug still adds the debug lines, as <7>. */
    s_log_to_file (MATCH, true, text, sizeof text);
    assert_int_equal (s_lines (text, lines, 8), 4);
    snprintf (want, sizeof want, "<7>%s", s_expected (0));
    assert_string_equal (lines[0], want);
    snprintf (want, sizeof want, "<3>%s", s_expected (3));
    assert_string_equal (lines[3], want);
}

static void
test_journal_socket_gets_priorities (void **state)
{
    (void) state;
    /* journald's stream is a Unix stream socket. */
    int pair[2];
    assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM, 0, pair), 0);
    s_log_in_child (pair[1], MATCH, false);
    close (pair[1]);
    char text[4096];
    size_t used = 0;
    ssize_t n;
    while ((n = read (pair[0], text + used, sizeof text - 1 - used)) > 0)
        used += (size_t) n;
    text[used] = 0;
    close (pair[0]);
    char *lines[8];
    assert_int_equal (s_lines (text, lines, 8), 3);
    char want[256];
    snprintf (want, sizeof want, "<6>%s", s_expected (1));
    assert_string_equal (lines[0], want);
    snprintf (want, sizeof want, "<4>%s", s_expected (2));
    assert_string_equal (lines[1], want);
}

static void
test_other_streams_keep_timestamps (void **state)
{
    (void) state;
    char text[4096];
    /* Inherited from a unit, but stderr now goes elsewhere (a file): the
     * variable names another inode. */
    struct stat root;
    assert_int_equal (stat ("/", &root), 0);
    char other[64];
    snprintf (other, sizeof other, "%llu:%llu", (unsigned long long) root.st_dev,
              (unsigned long long) root.st_ino);
    s_log_to_file (other, false, text, sizeof text);
    s_assert_plain (text, false);
    /* Values that are not DEVICE:INODE. */
    const char *bad[] = {"", "12", "12:", ":34", "x:y", "1:2:3", "1:2 ", "-1:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_log_to_file (bad[i], false, text, sizeof text);
        s_assert_plain (text, false);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plain_stderr_has_timestamps),
        cmocka_unit_test (test_journal_stream_gets_priorities),
        cmocka_unit_test (test_journal_socket_gets_priorities),
        cmocka_unit_test (test_other_streams_keep_timestamps),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
