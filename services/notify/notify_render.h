/* notify_render: customer-facing messages, built as complete RFC 822 mail
 * with GMime (UTF-8, quoted-printable). pt-BR first, English second. */
#ifndef NOTIFY_RENDER_H
#define NOTIFY_RENDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t ticket;
    const char *language;        /* "pt-BR" or "en" */
    const char *customer_name;   /* may be "" */
    const char *customer_address;
    const char *subject;         /* the customer's subject */
    const char *in_reply_to;     /* the customer's Message-ID, may be "" */
    const char *message_id;      /* ours, without brackets */
    const char *from_name;
    const char *from_address;
    const char *loop_tag;        /* X-Loop value */
    int64_t time_us;
} notify_ack_t;

void notify_render_init (void);
/* The acknowledgement of a new ticket. Returns malloc'd mail bytes, the
 * subject line in *subject_out (malloc'd). */
char *notify_render_ack (const notify_ack_t *ack, size_t *len, char **subject_out);

#endif
