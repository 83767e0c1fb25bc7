/* intake_words: a header's text as people read it (RFC 2047 encoded words,
 * RFC 5322 folding), decoded here rather than by GMime. Debian 12's GMime
 * (3.2) cuts a subject short at a base64 word that ends in `=` padding
 * (`=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=` gives "a"), keeps a folding CR/LF
 * inside it, and decodes a character split over two words (`=?UTF-8?B?
 * SW1wcmVzc8M=?= =?UTF-8?B?o28gZG8gY2FiZcOnYWxobw==?=`) as "Impress?". */
#ifndef INTAKE_WORDS_H
#define INTAKE_WORDS_H

/* The raw header value decoded to UTF-8 (malloc'd; never NULL). Folding is
 * undone (a line break and the blanks after it become one space); the
 * bytes of adjacent encoded words of one charset are joined before they
 * are converted, so a character split between them survives, and blanks
 * between encoded words are dropped (RFC 2047, 6.2); raw 8-bit text (and
 * raw ISO-2022-JP) is read as intake_charset_header reads it:
 * fallback_charset (the message's declared body charset; may be NULL)
 * when it reads every byte, else UTF-8 when valid, else Windows-1252.
 * What a charset cannot convert becomes U+FFFD, never raw bytes. */
char *intake_words_decode (const char *raw, const char *fallback_charset);

#endif
