// kb_text: words, folding and the text kb shows (see kb_text.h).
#include "kb_text.h"

#include <cstdlib>
#include <cstring>

namespace {

// utf8proc_map's result as a string, without the bytes below '!': the
// compatibility forms of a few letters hold a space (U+037A, the Arabic
// presentation forms, U+FDFA), which a word must not. "" on error.
std::string
s_map (const char *s, size_t len, int options)
{
    utf8proc_uint8_t *out = nullptr;
    utf8proc_ssize_t n = utf8proc_map ((const utf8proc_uint8_t *) s, (utf8proc_ssize_t) len, &out,
                                       (utf8proc_option_t) options);
    std::string r;
    if (n > 0) {
        r.reserve ((size_t) n);
        for (utf8proc_ssize_t i = 0; i < n; i++)
            if (out[i] > ' ')
                r += (char) out[i];
    }
    free (out);
    return r;
}

} // namespace

std::string
kb_text_fold (const char *s, size_t len)
{
    // Most words are ASCII: lowercase them without utf8proc's allocation.
    size_t i = 0;
    while (i < len && !((unsigned char) s[i] & 0x80))
        i++;
    if (i == len) {
        std::string r (s, len);
        for (char &c : r)
            if (c >= 'A' && c <= 'Z')
                c = (char) (c + 32);
        return r;
    }
    return s_map (s, len,
                  UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK
                      | UTF8PROC_COMPAT | UTF8PROC_IGNORE);
}

std::string
kb_text_lower (const char *s, size_t len)
{
    return s_map (s, len, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
}

std::vector<kb_token_t>
kb_text_tokens (const std::string &text, size_t max_words)
{
    std::vector<kb_token_t> out;
    if (!max_words)
        return out;
    kb_text_each_word (text, [&] (size_t start, size_t end) {
        std::string folded = kb_text_fold (text.data () + start, end - start);
        if (!folded.empty () && folded.size () <= KB_TEXT_MAX_WORD)
            out.push_back ({start, end, std::move (folded)});
        return out.size () < max_words;
    });
    return out;
}

std::string
kb_text_plain (const char *md)
{
    std::string out;
    if (!md)
        return out;
    bool line_start = true;
    // The next ')' (NULL once there is none ahead): looked for again only
    // when passed, so a text of many "](" stays linear.
    const char *close = md;
    for (const char *p = md; *p; p++) {
        if (*p == ']' && p[1] == '(' && close) {
            if (close < p)
                close = std::strchr (p, ')');
            if (close) {
                p = close;
                out += ' ';
                continue;
            }
        }
        // Emphasis, code and link brackets go; headings and quotes only at
        // the start of a line; '_' and '|' separate words.
        bool is_marker = std::strchr ("*`[]", *p) || (line_start && std::strchr ("#>", *p));
        if (*p == '_' || *p == '|')
            out += ' ';
        else if (!is_marker)
            out += *p;
        if (*p == '\n')
            line_start = true;
        else if (*p != ' ' && !is_marker)
            line_start = false;
    }
    return out;
}

void
kb_text_html_escape (std::string &out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        case '\n':
        case '\r':
        case '\t': out += ' '; break;
        default: out += s[i];
        }
    }
}

size_t
kb_text_cut (const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    // Back over continuation bytes to the start of the sequence cut.
    while (cut > 0 && ((unsigned char) s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

std::string
kb_text_valid (const std::string &s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *) s.data ();
    size_t len = s.size (), i = 0;
    std::string out;
    out.reserve (len);
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t n = p[i] < 0x80 ? 1 : utf8proc_iterate (p + i, (utf8proc_ssize_t) (len - i), &c);
        if (n <= 0) {
            out += "\xEF\xBF\xBD";
            i++;
            continue;
        }
        out.append (s, i, (size_t) n);
        i += (size_t) n;
    }
    return out;
}
