/* notify_journal: the SMTP worker's record of the server's 250s. What
 * recovery finds in it (the attempt's reply, not another attempt's nor
 * another id's), a line torn by a machine crash, and trimming. A notify
 * killed right after the server's 250 is tested end to end
 * (tests/e2e/test_smtp_crash.py). */
#include "notify_journal.h"

#include "unit_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

static void
test_finds_the_attempt_it_recorded (void **state)
{
    (void) state;
    char dir[64], path[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/smtp.journal", dir);
    notify_journal_t *j = notify_journal_new (path);
    assert_non_null (j);
    assert_null (notify_journal_find (j, "t1-ack", 1));
    assert_int_equal (notify_journal_accepted (j, "t1-ack", 2, "250 2.0.0 Ok:\tqueued\r\nas 7"), 0);
    assert_int_equal (notify_journal_accepted (j, "t10-ack", 1, "250 ok"), 0);
    char *reply = notify_journal_find (j, "t1-ack", 2);
    assert_string_equal (reply, "250 2.0.0 Ok: queued  as 7");
    free (reply);
    assert_null (notify_journal_find (j, "t1-ack", 1)); /* another attempt */
    assert_null (notify_journal_find (j, "t1", 2));     /* a prefix of the id */
    reply = notify_journal_find (j, "t10-ack", 1);
    assert_string_equal (reply, "250 ok");
    free (reply);
    notify_journal_destroy (&j);
    assert_null (j);

    /* Reopened after a crash of the machine that tore the last line. */
    FILE *f = fopen (path, "a");
    fputs ("t2-ack\t1\t250 o", f);
    fclose (f);
    j = notify_journal_new (path);
    assert_null (notify_journal_find (j, "t2-ack", 1));
    reply = notify_journal_find (j, "t10-ack", 1);
    assert_non_null (reply);
    free (reply);
    notify_journal_destroy (&j);
    unit_rmdir (dir);
}

static void
test_trim_empties_only_past_the_limit (void **state)
{
    (void) state;
    char dir[64], path[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (path, sizeof path, "%s/smtp.journal", dir);
    notify_journal_t *j = notify_journal_new (path);
    assert_int_equal (notify_journal_accepted (j, "t1-ack", 1, "250 ok"), 0);
    notify_journal_trim (j, 1024);
    char *reply = notify_journal_find (j, "t1-ack", 1);
    assert_non_null (reply);
    free (reply);
    notify_journal_trim (j, 4);
    assert_null (notify_journal_find (j, "t1-ack", 1));
    /* Appends after a trim start at the beginning (O_APPEND). */
    assert_int_equal (notify_journal_accepted (j, "t3-ack", 1, "250 ok"), 0);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_size, (off_t) strlen ("t3-ack\t1\t250 ok\n"));
    notify_journal_destroy (&j);
    unit_rmdir (dir);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_finds_the_attempt_it_recorded),
        cmocka_unit_test (test_trim_empties_only_past_the_limit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
