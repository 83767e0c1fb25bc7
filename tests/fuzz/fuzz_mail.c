/* Fuzz target: intake's e-mail parsing (GMime underneath). Broken MIME must
 * give a message or a clear refusal, never a crash or a leak: charsets,
 * HTML to text, the reply split, attachments, reports and robot headers;
 * and the mail gates' Message-ID scan (bc_mailid_of_raw). */
#include "intake_mail.h"

#include "bc_mailid.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        intake_mail_init ();
        ready = 1;
    }
    /* With a site, so the loop checks run too. */
    static const intake_mail_site_t site = {"balcao.bc@balcao.local", "balcao.local"};
    intake_mail_t mail;
    char err[256];
    if (intake_mail_parse_site (data, size, &site, &mail, err, sizeof err) == 0)
        intake_mail_clear (&mail);
    /* The mail gates' pick of intake's replica reads the same bytes. */
    char message_id[1000];
    size_t n = bc_mailid_of_raw (data, size, message_id, sizeof message_id);
    if (n >= sizeof message_id || strlen (message_id) != n)
        __builtin_trap ();
    return 0;
}
