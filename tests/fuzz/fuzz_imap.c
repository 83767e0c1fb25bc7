/* Fuzz target: the IMAP poller's response scanner (intake_imap_scan). Any
 * bytes from a server, in any chunking, must end in "need more", "done" or
 * "error", with every literal inside the buffer: never a crash, an
 * out-of-bounds read or a leak. */
#include "intake_imap.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    /* A copy without spare bytes after it, so ASan sees any overread. */
    char *buf = malloc (size ? size : 1);
    memcpy (buf, data, size);
    intake_imap_scan_t scan = {0};
    int rc = 0;
    /* First the bytes as they might arrive in two pieces, then whole. */
    size_t steps[2] = {size / 2, size};
    for (int i = 0; i < 2 && rc == 0; i++)
        rc = intake_imap_scan (&scan, buf, steps[i], "b1", 1 << 20);
    for (size_t i = 0; i < scan.n_literals; i++)
        assert (scan.literals[i].offset + scan.literals[i].len <= size);
    if (rc != 0)
        assert (scan.status_at + scan.status_len <= size);
    free (scan.literals);
    free (buf);
    return 0;
}
