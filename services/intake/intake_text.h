/* intake_text: plain-text work on a message's UTF-8 text, no MIME here:
 * a readable text from customer HTML, and the new reply split from the
 * quoted history (pt-BR and English mail clients). */
#ifndef INTAKE_TEXT_H
#define INTAKE_TEXT_H

#include <stddef.h>

/* A plain-text rendering of html (UTF-8): tags dropped, script/style/head
 * content dropped, entities decoded, paragraphs and line breaks kept, text
 * inside <blockquote> prefixed with "> " per level (so the reply splitter
 * sees it as quoted). Never NULL; the caller frees it. */
char *intake_text_from_html (const char *html, size_t len);

/* The new part of a reply: the text before the first quoted-history marker
 * ("Em ... escreveu:", "On ... wrote:", "-----Mensagem original-----",
 * "-----Original Message-----", an Outlook "De:/Enviado:/Para:/Assunto:" or
 * "From:/Sent:/To:/Subject:" block), without lines starting with ">", and
 * without a signature ("-- ", "Enviado do meu iPhone", "Sent from my ...").
 * Leading and trailing blank lines are trimmed. When nothing is left (a
 * message that is all quote), the whole text, trimmed. Never NULL; the
 * caller frees it. */
char *intake_text_reply (const char *text);

#endif
