/* intake_report: who wrote a parsed message. Robots, lists and our own
 * loops (RFC 3834 and the headers mail systems really send), out-of-office
 * answers, and the machine reports (bounces, read receipts, abuse reports)
 * with the recipient and the Message-ID they are about. Part of
 * intake_mail; only intake_mail.c includes this. */
#ifndef INTAKE_REPORT_H
#define INTAKE_REPORT_H

#include "intake_mail.h"

#include <gmime/gmime.h>

/* Sets mail->mail_class, class_reason, report_recipient and
 * report_message_id from msg. mail->message_id, subject and body are
 * already filled (a bounce that quotes the original headers only as text
 * is read from body). site may be NULL. */
void intake_report_classify (GMimeMessage *msg, const intake_mail_site_t *site,
                             intake_mail_t *mail);

/* A copy of the first "Message-ID:" found at the start of a line of text,
 * without brackets, or NULL. */
char *intake_report_text_message_id (const char *text);

#endif
