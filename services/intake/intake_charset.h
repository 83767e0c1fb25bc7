/* intake_charset: bytes in the charset a mail names (or none) to UTF-8,
 * never failing. The labels mail carries are read as the supersets the
 * mailers mean (the WHATWG Encoding Standard's choice): ISO-8859-1 as
 * Windows-1252, GB2312 as GB18030, Shift_JIS as CP932, EUC-KR as CP949,
 * Big5 as Big5-HKSCS, and ISO-2022-JP and EUC-JP with the NEC and IBM
 * extensions Japanese mailers use (①, ㈱, Ⅱ). What still cannot be read
 * becomes U+FFFD and the rest converts; an ESC byte (ISO-2022 escape
 * sequences, terminal codes) never reaches the text. Part of intake_mail;
 * needs intake_mail_init (GMime's charset names) first. */
#ifndef INTAKE_CHARSET_H
#define INTAKE_CHARSET_H

#include <stddef.h>

/* bytes (len) in charset as UTF-8 (malloc'd, never NULL). With no
 * charset, UTF-8, US-ASCII or a charset iconv does not know: the bytes as
 * they are when valid UTF-8, else Windows-1252 (the commonest mislabel).
 * 7-bit text with ISO-2022-JP escape sequences is ISO-2022-JP whatever
 * the label says. When a named charset leaves bytes unread and the bytes
 * are valid 8-bit UTF-8, the label was wrong: UTF-8. *replaced (may be
 * NULL): how many U+FFFD stand for bytes that could not be read. */
char *intake_charset_to_utf8 (const char *bytes, size_t len, const char *charset,
                              size_t *replaced);

/* Raw 8-bit header text (what RFC 2047 should have encoded) as UTF-8
 * (malloc'd, never NULL): in hint, the message's declared body charset,
 * when that reads every byte; else UTF-8 when valid; else Windows-1252.
 * A single-byte hint (ISO-8859-x, Windows-125x) reads any bytes at all,
 * so valid UTF-8 goes before it: such text is UTF-8 by intent, almost
 * never by chance. hint may be NULL. */
char *intake_charset_header (const char *bytes, size_t len, const char *hint);

#endif
