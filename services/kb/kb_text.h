/* kb_text: what a word is, for kb's index (C++, used by kb_index.cc only).
 *
 * A word is a letter or a decimal digit, then any run of letters, digits,
 * combining marks (Mn, Mc, Me: accents, variation selectors) and invisible
 * format characters (Cf: zero-width joiner and non-joiner, soft hyphen,
 * U+FEFF, bidi marks, emoji tags), as Unicode's word boundaries (UAX #29)
 * attach them to the character before. So a mark or a format character
 * never starts a word: alone, or after an emoji, it separates words like
 * punctuation. Everything else separates: spaces, punctuation, symbols and
 * emoji (skin tones, regional indicators), U+200B (the zero-width space),
 * NUL and each byte of invalid UTF-8 (overlong, surrogates, truncated).
 *
 * A word's folded form (kb_text_fold) drops its marks and format
 * characters: "pala<ZWJ>vra" is "palavra", "1<VS16><keycap>" is "1". A word
 * whose folded form is empty or longer than KB_TEXT_MAX_WORD bytes is not a
 * word (kb_text_tokens leaves it out): no term can come out empty, or too
 * long for Xapian. */
#ifndef KB_TEXT_H
#define KB_TEXT_H

#ifndef __cplusplus
#error "kb_text.h is C++: kb_index.cc's"
#endif

#include <cstddef>
#include <string>
#include <utf8proc.h>
#include <vector>

/* The longest folded word, in bytes: longer runs are not what people type
 * (and every term made of a word, even a pair of them with prefixes, stays
 * far below KB_TEXT_MAX_TERM). */
#define KB_TEXT_MAX_WORD 64
/* The longest term Xapian accepts, prefix included (glass: "Term too long
 * (> 245)"); the spelling dictionary's words are kept to it too. */
#define KB_TEXT_MAX_TERM 245

/* One word of a text: where it is (bytes) and its folded form. */
struct kb_token_t {
    size_t start, end;
    std::string folded;
};

/* Casefold, strip accents and format characters, compatibility forms
 * (utf8proc); "" when s is not valid UTF-8. */
std::string kb_text_fold (const char *s, size_t len);
/* Casefold only (accents kept), format characters dropped: a word as
 * people read it. "" when s is not valid UTF-8. */
std::string kb_text_lower (const char *s, size_t len);

/* How a code point takes part in words (see above). */
enum kb_char_class_t { KB_CHAR_SEPARATOR, KB_CHAR_WORD, KB_CHAR_EXTEND };

inline kb_char_class_t
kb_text_char_class (utf8proc_int32_t c)
{
    if (c < 0x80) // ASCII without a table lookup: most of any text
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                   ? KB_CHAR_WORD
                   : KB_CHAR_SEPARATOR;
    switch (utf8proc_category (c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND: return KB_CHAR_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return KB_CHAR_EXTEND;
    case UTF8PROC_CATEGORY_CF: return c == 0x200B ? KB_CHAR_SEPARATOR : KB_CHAR_EXTEND;
    default: return KB_CHAR_SEPARATOR;
    }
}

/* Calls fn (start, end) for each word of text (bytes), in order, while fn
 * returns true. */
template <typename F>
void
kb_text_each_word (const std::string &text, F fn)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) text.data ();
    size_t len = text.size (), i = 0, start = 0;
    bool in_word = false;
    while (i < len) {
        utf8proc_int32_t c = p[i];
        utf8proc_ssize_t n = c < 0x80 ? 1 : utf8proc_iterate (p + i, (utf8proc_ssize_t) (len - i), &c);
        if (n <= 0) { // invalid UTF-8: one byte, a separator
            n = 1;
            c = ' ';
        }
        kb_char_class_t cls = kb_text_char_class (c);
        if (cls == KB_CHAR_WORD && !in_word) {
            start = i;
            in_word = true;
        }
        else if (cls == KB_CHAR_SEPARATOR && in_word) {
            in_word = false;
            if (!fn (start, i))
                return;
        }
        i += (size_t) n;
    }
    if (in_word)
        fn (start, len);
}

/* The words of text, in order (at most max_words), without those whose
 * folded form is empty or longer than KB_TEXT_MAX_WORD. */
std::vector<kb_token_t> kb_text_tokens (const std::string &text, size_t max_words = 1000000);

/* Markdown to the words a reader sees: link targets, markers and code
 * fences go (they are not what people search for). */
std::string kb_text_plain (const char *md);

/* Appends s HTML-escaped (line breaks and tabs as spaces) to out. */
void kb_text_html_escape (std::string &out, const char *s, size_t len);

/* The length of the longest prefix of s (len bytes) of at most max bytes
 * that does not cut a UTF-8 sequence in two. */
size_t kb_text_cut (const char *s, size_t len, size_t max);

/* s with every byte that is not part of valid UTF-8 replaced by U+FFFD:
 * what kb shows (snippets, excerpts) is valid UTF-8 whatever it indexed. */
std::string kb_text_valid (const std::string &s);

#endif
