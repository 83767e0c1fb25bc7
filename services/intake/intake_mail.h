/* intake_mail: an RFC 822 message, parsed with GMime 3, reduced to what a
 * ticket needs: decoded UTF-8 subject, sender, text body and the new reply
 * in it, threading ids, attachment metadata, and what kind of sender wrote
 * it (a person, a robot, a bounce...). */
#ifndef INTAKE_MAIL_H
#define INTAKE_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Who or what wrote the message. */
typedef enum {
    INTAKE_MAIL_HUMAN = 0,       /* a person: the default */
    INTAKE_MAIL_AUTO,            /* a robot, a list, a loop (RFC 3834 and friends) */
    INTAKE_MAIL_OUT_OF_OFFICE,   /* an automatic "I am away" answer */
    INTAKE_MAIL_BOUNCE,          /* a delivery status notification (RFC 3464) */
    INTAKE_MAIL_READ_RECEIPT,    /* a message disposition notification (RFC 8098) */
    INTAKE_MAIL_FEEDBACK_REPORT, /* an abuse report (ARF, RFC 5965) */
} intake_mail_class_t;

/* One attached (or inline, non-body) part, with its decoded content (the
 * server stores it, intake_attach.h). From every version of a
 * multipart/alternative, and once per content: the same bytes twice in a
 * message are one attachment. */
typedef struct {
    char *filename;     /* UTF-8 (RFC 2231 / 2047 decoded); "" when it has none */
    char *content_type; /* "type/subtype", lower case */
    size_t size;        /* bytes after the transfer decoding */
    char sha256[65];    /* hex of the decoded content */
    bool is_inline;     /* Content-Disposition inline or none (e.g. an image in HTML),
                           in every copy */
    uint8_t *data;      /* the decoded content, size bytes (malloc'd) */
    bool is_copy;       /* a forwarded message kept whole (.eml) beside its text and
                           files, which the message has anyway: not counted in the
                           limits, and left out when over the file limit */
} intake_attachment_t;

typedef struct {
    char *message_id; /* without brackets; "" when the mail has none */
    /* The sender (intake_headers_sender): From, else Reply-To, else
     * Sender; without a domain only as written in From ("MAILER-DAEMON");
     * "" when there is none. */
    char *from_address;
    char *from_name;
    char *subject;
    /* The whole text, UTF-8: the text parts in order (HTML-only mail as
     * readable text, never HTML), then each forwarded message (message/rfc822)
     * under a "Mensagem encaminhada" ruler. */
    char *body;
    /* Just the new part of body's own text: quoted history and signature
     * cut (intake_text_reply), then each forwarded message as in body:
     * what a customer forwards is for us to read. */
    char *reply;
    char *in_reply_to;
    char **references; /* oldest first */
    size_t n_references;
    /* The addresses in To and Cc, as written (mailboxes only, groups
     * flattened); the router decides which of them may join a ticket. */
    char **recipients;
    size_t n_recipients;
    intake_mail_class_t mail_class;
    const char *class_reason; /* static, for logs: "auto-submitted", "list-id", ... */
    /* Bounces, read receipts and abuse reports: the recipient the report is
     * about, and the Message-ID (without brackets) of the message it
     * reports on (ours, when we sent it). "" when not found. */
    char *report_recipient;
    char *report_message_id;
    intake_attachment_t *attachments;
    size_t n_attachments;
} intake_mail_t;

/* What makes a message our own (a loop): the X-Loop value notify writes and
 * the domain of the Message-IDs we generate. NULL fields are not checked. */
typedef struct {
    const char *loop_tag; /* "balcao.<install>@<domain>" */
    const char *domain;   /* balcao/domain */
} intake_mail_site_t;

/* Call once per process before parsing. */
void intake_mail_init (void);
/* Parses raw into out (all strings allocated, never NULL). A mail without
 * a sender still parses (the caller decides what it needs), and so does
 * one after a few junk lines (an mbox "From " line, a stray line). Returns
 * 0, or -1 with a sentence in err when the input is not a message (no
 * header field in its first lines). site may be NULL: then no loop
 * check. */
int intake_mail_parse_site (const uint8_t *raw, size_t len, const intake_mail_site_t *site,
                            intake_mail_t *out, char *err, size_t err_size);
/* intake_mail_parse_site without a site. */
int intake_mail_parse (const uint8_t *raw, size_t len, intake_mail_t *out, char *err,
                       size_t err_size);
void intake_mail_clear (intake_mail_t *mail);

/* "human", "auto", "out_of_office", "bounce", "read_receipt",
 * "feedback_report": the names on the bus (MessageReceived.mail_class). */
const char *intake_mail_class_name (intake_mail_class_t mail_class);

#endif
