/* notify_doc: one mail's words, written once into its text part and its
 * HTML part together, so the two always say the same thing; everything
 * that goes into HTML is escaped. notify_render.c (a ticket's notices) and
 * notify_notices.c (the other mails) write with it. */
#ifndef NOTIFY_DOC_H
#define NOTIFY_DOC_H

#include "notify_render.h"

#include <glib.h>
#include <stddef.h>

typedef struct {
    GString *text;
    GString *html;
} notify_doc_t;

/* True when s is set and not "". */
int notify_doc_has (const char *s);

/* Appends s to html escaped, line breaks kept. */
void notify_doc_html_escaped (GString *html, const char *s);

/* A paragraph of our own words (user data only through the arguments). */
void notify_doc_para (notify_doc_t *d, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* The customer's own words, given back to them as a quote. */
void notify_doc_quote (notify_doc_t *d, const char *words);

/* Words a person on our team wrote, as they wrote them: their paragraphs
 * read as the mail's own text; only lines they quoted ("> ...") are set
 * off as quoted. */
void notify_doc_words (notify_doc_t *d, const char *words);

/* A short list. */
void notify_doc_list (notify_doc_t *d, const char *const *items, size_t n);

/* "Olá, Ana," by first name ("Olá," without one). */
void notify_doc_greeting (notify_doc_t *d, const notify_mail_t *m, int en);

/* "Atenciosamente," and who writes. */
void notify_doc_signature (notify_doc_t *d, const notify_mail_t *m, int en);

/* The mails that are not news of a ticket's life (notify_notices.c): files
 * left out or a message refused, a portal account's link, a staff
 * member's invitation or reset. */
void notify_notice_rejected (notify_doc_t *d, const notify_mail_t *m, int en);
void notify_notice_account (notify_doc_t *d, const notify_mail_t *m, int en);
void notify_notice_staff (notify_doc_t *d, const notify_mail_t *m, int en);

#endif
