/* Fuzz target: intake's e-mail parsing (GMime underneath). Broken MIME must
 * give a message or a clear refusal, never a crash or a leak. */
#include "intake_mail.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        intake_mail_init ();
        ready = 1;
    }
    intake_mail_t mail;
    char err[256];
    if (intake_mail_parse (data, size, &mail, err, sizeof err) == 0)
        intake_mail_clear (&mail);
    return 0;
}
