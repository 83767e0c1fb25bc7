/* bc_article_id: what a knowledge-base article id may be, in one place for
 * kb (which stores them), the gateway (which reads them from URLs) and the
 * CLI (which imports them): the id a person gave, kept as given, as long as
 * it can be one URL path segment and one file name.
 *
 * The rule: 1 to 128 characters of well-formed UTF-8 (at most 240 bytes),
 * none of them a control character, a space, '\\' or an invisible
 * formatting character (zero-width, bidi controls). '/' may separate parts
 * ("faq/senha", "advanced/keyboard-shortcuts.rst"): no part is empty or
 * starts with '.' (URLs would resolve "." and ".."; export would make a
 * hidden file), and after a '/' the last part is not a word the HTTP API
 * puts after an id (publish, unpublish, revert, draft, discard, feedback), so
 * /kb/articles/faq/senha/feedback reads one way only. "KB-0042",
 * "Conta.Bloqueada", "ação-rápida" are ids. Every id kb made under the old
 * rule (a-z, 0-9, '-') is one. */
#ifndef BC_ARTICLE_ID_H
#define BC_ARTICLE_ID_H

#include <stddef.h>

/* Long enough for ids that are paths in another system
 * ("extras/includes/shared-drafts-overwriting-drafts-warning.include.rst"). */
#define BC_ARTICLE_ID_MAX_CHARS 128
/* "Q" + id stays a Xapian term (245 bytes at most). */
#define BC_ARTICLE_ID_MAX_BYTES 240

/* What is wrong with an id (bc_article_id_check). */
typedef enum {
    BC_ARTICLE_ID_OK = 0,
    BC_ARTICLE_ID_EMPTY,
    BC_ARTICLE_ID_TOO_LONG,  /* over 128 characters or 240 bytes */
    BC_ARTICLE_ID_BAD_UTF8,  /* not well-formed UTF-8 */
    BC_ARTICLE_ID_CONTROL,   /* U+0000-U+001F, U+007F-U+009F */
    BC_ARTICLE_ID_SPACE,     /* a space of any width, a line separator */
    BC_ARTICLE_ID_INVISIBLE, /* soft hyphen, zero-width and bidi controls */
    BC_ARTICLE_ID_BACKSLASH, /* '\\' */
    BC_ARTICLE_ID_PART,      /* an empty part, or one starting with '.' */
    BC_ARTICLE_ID_ACTION     /* ends with "/publish", "/feedback", ... */
} bc_article_id_rc_t;

/* Checks id (NULL counts as empty). Returns BC_ARTICLE_ID_OK or why not. */
bc_article_id_rc_t bc_article_id_check (const char *id);

/* Why an id is refused, as the end of a sentence ("tem mais de 128
 * caracteres"), in Portuguese or (en) English; "" for BC_ARTICLE_ID_OK. */
const char *bc_article_id_problem (bc_article_id_rc_t rc, int en);

/* The id as a message can show it whatever it holds: bytes that are not
 * printable UTF-8 as \xNN, cut with "…" past about 80 bytes. Returns out. */
const char *bc_article_id_printable (const char *id, char *out, size_t size);

/* The id as one URL path segment: RFC 3986 unreserved characters as they
 * are, every other byte %XX (so "/" and "?" can never end the segment).
 * Returns out, or NULL when size is too small (3 × strlen + 1 suffices). */
const char *bc_article_id_escape (const char *id, char *out, size_t size);

#endif
