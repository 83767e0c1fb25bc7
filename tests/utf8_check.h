/* utf8_check: whether a string is valid UTF-8, for tests that check what
 * kb shows people (unit_kb_index, fuzz_kb_text). utf8proc decides, the
 * library kb itself folds text with. */
#ifndef BALCAO_TESTS_UTF8_CHECK_H
#define BALCAO_TESTS_UTF8_CHECK_H

#include <string.h>
#include <utf8proc.h>

static inline int
utf8_check (const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) s;
    utf8proc_ssize_t left = (utf8proc_ssize_t) strlen (s);
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = utf8proc_iterate (p, left, &c);
        if (n <= 0 || !utf8proc_codepoint_valid (c))
            return 0;
        p += n;
        left -= n;
    }
    return 1;
}

#endif
