/* Corpus replay without libFuzzer: runs every file under the directories
 * given through LLVMFuzzerTestOneInput, so CI (gcc, ASan) checks the saved
 * corpus on every run. The real fuzzing is scripts/fuzz.sh (clang). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
s_run_file (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return 0;
    fseek (f, 0, SEEK_END);
    long size = ftell (f);
    fseek (f, 0, SEEK_SET);
    uint8_t *buf = malloc (size > 0 ? (size_t) size : 1);
    size_t n = fread (buf, 1, (size_t) size, f);
    fclose (f);
    LLVMFuzzerTestOneInput (buf, n);
    free (buf);
    return 1;
}

static int
s_run_dir (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
            count += s_run_dir (path);
        else
            count += s_run_file (path);
    }
    closedir (d);
    return count;
}

int
main (int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++)
        total += s_run_dir (argv[i]);
    printf ("%d inputs replayed without a crash\n", total);
    /* An empty corpus would test nothing. */
    return total > 0 ? 0 : 1;
}
