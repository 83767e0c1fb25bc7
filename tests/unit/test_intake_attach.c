/* intake_attach: content-addressed files and the attachment limits. */
#include "intake_attach.h"
#include "unit_util.h"

#include "bc_config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

static void
s_sha256 (const uint8_t *data, size_t len, char hex[65])
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, data, len);
    sodium_bin2hex (hex, 65, hash, sizeof hash);
}

/* Regular files under dir and its subdirectories, temporary ones included. */
static int
s_count_files (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
        char path[1024];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
            n += s_count_files (path);
        else
            n++;
    }
    closedir (d);
    return n;
}

static void
test_ids (void **state)
{
    (void) state;
    char hex[65];
    s_sha256 ((const uint8_t *) "x", 1, hex);
    assert_true (intake_attach_is_id (hex));
    assert_false (intake_attach_is_id (""));
    assert_false (intake_attach_is_id ("../../etc/passwd"));
    hex[0] = 'A'; /* upper case is not our spelling */
    assert_false (intake_attach_is_id (hex));
    char path[256];
    intake_attach_path (path, sizeof path, "/r", "ab01");
    assert_string_equal (path, "/r/ab/ab01");
}

static void
test_write_once_read_back (void **state)
{
    (void) state;
    char dir[64], root[128];
    assert_non_null (unit_tmpdir (dir, sizeof dir));
    snprintf (root, sizeof root, "%s/attachments", dir);
    const uint8_t pdf[] = "%PDF-1.4 relatório\n\0binário\xff";
    char hex[65];
    s_sha256 (pdf, sizeof pdf, hex);
    assert_int_equal (intake_attach_write (root, hex, pdf, sizeof pdf), 0);
    assert_int_equal (intake_attach_write (root, hex, pdf, sizeof pdf), 0);
    assert_int_equal (s_count_files (root), 1); /* the same content is one file */
    char path[256];
    intake_attach_path (path, sizeof path, root, hex);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_size, sizeof pdf);

    uint8_t *data;
    size_t len;
    assert_int_equal (intake_attach_read (root, hex, 1 << 20, &data, &len), 0);
    assert_int_equal (len, sizeof pdf);
    assert_memory_equal (data, pdf, sizeof pdf);
    free (data);
    assert_int_equal (intake_attach_read (root, hex, 4, &data, &len), EFBIG);
    assert_null (data);

    /* An id that is not the content's hash is refused, nothing written. */
    const uint8_t other[] = "outro";
    assert_int_equal (intake_attach_write (root, hex, other, sizeof other), EINVAL);
    char other_hex[65];
    s_sha256 (other, sizeof other, other_hex);
    assert_int_equal (intake_attach_read (root, other_hex, 1 << 20, &data, &len), ENOENT);
    assert_int_equal (intake_attach_read (root, "../x", 1 << 20, &data, &len), ENOENT);
    /* An empty file is a file too. */
    char empty_hex[65];
    s_sha256 ((const uint8_t *) "", 0, empty_hex);
    assert_int_equal (intake_attach_write (root, empty_hex, (const uint8_t *) "", 0), 0);
    assert_int_equal (intake_attach_read (root, empty_hex, 10, &data, &len), 0);
    assert_int_equal (len, 0);
    free (data);
    assert_int_equal (s_count_files (root), 2);
    unit_rmdir (dir);
}

static void
test_limits (void **state)
{
    (void) state;
    intake_attachment_t a[3] = {
        {.filename = "relatório.pdf", .content_type = "application/pdf", .size = 600},
        {.filename = "", .content_type = "image/png", .size = 300},
        {.filename = "log.txt", .content_type = "text/plain", .size = 2 * 1024 * 1024},
    };
    intake_mail_t mail = {.attachments = a, .n_attachments = 2};
    char **files;
    size_t n;
    assert_int_equal (intake_attach_check (&mail, 1000, 1000, "pt-BR", &files, &n),
                      INTAKE_ATTACH_WITHIN);
    assert_int_equal (n, 0);
    assert_null (files);
    /* Exactly at the limit is within it. */
    assert_int_equal (intake_attach_check (&mail, 600, 900, "pt-BR", NULL, NULL),
                      INTAKE_ATTACH_WITHIN);

    /* Together over the message limit: every file is named. */
    assert_int_equal (intake_attach_check (&mail, 1000, 899, "pt-BR", &files, &n),
                      INTAKE_ATTACH_OVER_MESSAGE);
    assert_int_equal (n, 2);
    assert_string_equal (files[0], "relatório.pdf (1 KB)");
    assert_string_equal (files[1], "image/png (1 KB)"); /* no name: its type */
    intake_attach_files_free (files, n);

    /* One file over the file limit: that one, and it wins over the total. */
    mail.n_attachments = 3;
    assert_int_equal (intake_attach_check (&mail, 1024 * 1024, 1000, "pt-BR", &files, &n),
                      INTAKE_ATTACH_OVER_FILE);
    assert_int_equal (n, 1);
    assert_string_equal (files[0], "log.txt (2 MB)");
    intake_attach_files_free (files, n);
    /* In the sender's language: a decimal comma in Portuguese. */
    a[2].size = 3 * 1024 * 1024 / 2;
    assert_int_equal (intake_attach_check (&mail, 1024 * 1024, 1000, "pt-BR", &files, &n),
                      INTAKE_ATTACH_OVER_FILE);
    assert_string_equal (files[0], "log.txt (1,5 MB)");
    intake_attach_files_free (files, n);
    assert_int_equal (intake_attach_check (&mail, 1024 * 1024, 1000, "en", &files, &n),
                      INTAKE_ATTACH_OVER_FILE);
    assert_string_equal (files[0], "log.txt (1.5 MB)");
    intake_attach_files_free (files, n);
    /* A gigabyte and more in GB. */
    a[2].size = 4939212390ULL; /* 4.6 GiB */
    assert_int_equal (intake_attach_check (&mail, 1024 * 1024, 1000, "pt-BR", &files, &n),
                      INTAKE_ATTACH_OVER_FILE);
    assert_string_equal (files[0], "log.txt (4,6 GB)");
    intake_attach_files_free (files, n);

    intake_mail_t none = {0};
    assert_int_equal (intake_attach_check (&none, 0, 0, "en", NULL, NULL), INTAKE_ATTACH_WITHIN);
}

/* A mail's files over the limits are left out, the rest kept (issue 15,
 * item 6): every file over the file limit, then the largest until the rest
 * fit the message limit; a forwarded message's whole copy never counts. */
static void
test_trim (void **state)
{
    (void) state;
    const struct {
        const char *name;
        size_t size;
        bool is_copy;
    } given[] = {{"video.mp4", 3000, false}, {"a.pdf", 700, false}, {"b.pdf", 600, false},
                 {"c.pdf", 500, false}, {"Fwd.eml", 900, true}};
    intake_attachment_t *a = calloc (5, sizeof *a);
    for (size_t i = 0; i < 5; i++) {
        a[i].filename = strdup (given[i].name);
        a[i].content_type = strdup ("application/octet-stream");
        a[i].size = given[i].size;
        a[i].is_copy = given[i].is_copy;
        a[i].data = calloc (1, 1);
    }
    intake_mail_t mail = {.attachments = a, .n_attachments = 5};
    char **files;
    size_t n;
    /* video.mp4 over 1000 per file; then 700 + 600 + 500 = 1800 over 1200:
     * a.pdf goes, 1100 stay. */
    assert_int_equal (intake_attach_trim (&mail, 1000, 1200, "pt-BR", &files, &n),
                      INTAKE_ATTACH_OVER_FILE);
    assert_int_equal (n, 2);
    assert_string_equal (files[0], "video.mp4 (3 KB)");
    assert_string_equal (files[1], "a.pdf (1 KB)");
    intake_attach_files_free (files, n);
    assert_int_equal (mail.n_attachments, 3);
    assert_string_equal (mail.attachments[0].filename, "b.pdf");
    assert_string_equal (mail.attachments[1].filename, "c.pdf");
    assert_string_equal (mail.attachments[2].filename, "Fwd.eml");
    /* Within: nothing left out. */
    assert_int_equal (intake_attach_trim (&mail, 1000, 1200, "pt-BR", &files, &n),
                      INTAKE_ATTACH_WITHIN);
    assert_int_equal (n, 0);
    intake_attach_files_free (files, n);
    for (size_t i = 0; i < mail.n_attachments; i++) {
        free (mail.attachments[i].filename);
        free (mail.attachments[i].content_type);
        free (mail.attachments[i].data);
    }
    free (mail.attachments);
}

/* The documented attachment limit is reachable with the default message
 * limit: a file at it, base64 in 76-character lines, with 1 MiB of text
 * and headers around it, fits balcao/max_message_size. */
static void
test_default_limits_fit (void **state)
{
    (void) state;
    uint64_t encoded = (INTAKE_MAX_FILE_DEFAULT + 2) / 3 * 4;
    encoded += encoded / 76 * 2; /* CRLF */
    assert_true (encoded + 1024 * 1024 <= (uint64_t) BC_MAX_MESSAGE_SIZE_DEFAULT);
    assert_true (INTAKE_MAX_MESSAGE_DEFAULT >= INTAKE_MAX_FILE_DEFAULT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ids),
        cmocka_unit_test (test_write_once_read_back),
        cmocka_unit_test (test_limits),
        cmocka_unit_test (test_trim),
        cmocka_unit_test (test_default_limits_fit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
