/* intake_mail: an RFC 822 message, parsed with GMime 3, reduced to what a
 * ticket needs: decoded UTF-8 subject, sender, text body, threading ids. */
#ifndef INTAKE_MAIL_H
#define INTAKE_MAIL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *message_id; /* without brackets; "" when the mail has none */
    char *from_address;
    char *from_name;
    char *subject;
    char *body;
    char *in_reply_to;
    char **references; /* oldest first */
    size_t n_references;
} intake_mail_t;

/* Call once per process before parsing. */
void intake_mail_init (void);
/* Parses raw into out (all fields allocated, never NULL). Returns 0, or -1
 * with a sentence in err when there is nothing we can use. */
int intake_mail_parse (const uint8_t *raw, size_t len, intake_mail_t *out, char *err,
                       size_t err_size);
void intake_mail_clear (intake_mail_t *mail);

#endif
