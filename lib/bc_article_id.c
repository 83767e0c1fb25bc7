/* bc_article_id: the rule for a knowledge-base article id and the ways to
 * show one (see bc_article_id.h). utf8proc reads the UTF-8 (well-formed:
 * no overlong form, no surrogate, nothing past U+10FFFF). */
#include "bc_article_id.h"

#include <stdint.h>
#include <utf8proc.h>
#include <stdio.h>
#include <string.h>

static int
s_is_control (int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static int
s_is_space (int32_t cp)
{
    return cp == ' ' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
           || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Characters that show nothing, or turn the text around them: two ids
 * that look the same must be the same id. */
static int
s_is_invisible (int32_t cp)
{
    return cp == 0xAD || cp == 0x61C || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F)
           || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF
           || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF;
}

/* Whether the part from p to the next '/' (or the end) is one of the words
 * the HTTP API puts after an article id. */
static int
s_is_action (const char *p)
{
    static const char *const words[] = {"publish", "unpublish", "revert", "draft", "discard",
                                        "feedback", NULL};
    for (int i = 0; words[i]; i++)
        if (strcmp (p, words[i]) == 0)
            return 1;
    return 0;
}

bc_article_id_rc_t
bc_article_id_check (const char *id)
{
    if (!id || !*id)
        return BC_ARTICLE_ID_EMPTY;
    const char *last = id; /* where the last part starts */
    for (const char *part = id; part; part = strchr (part, '/') ? strchr (part, '/') + 1 : NULL) {
        if (*part == '/' || *part == '.' || *part == 0)
            return BC_ARTICLE_ID_PART;
        last = part;
    }
    if (last != id && s_is_action (last))
        return BC_ARTICLE_ID_ACTION;
    const unsigned char *p = (const unsigned char *) id;
    size_t chars = 0;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate (p, -1, &cp);
        if (len <= 0 || cp < 0)
            return BC_ARTICLE_ID_BAD_UTF8;
        if (s_is_control (cp))
            return BC_ARTICLE_ID_CONTROL;
        if (s_is_space (cp))
            return BC_ARTICLE_ID_SPACE;
        if (s_is_invisible (cp))
            return BC_ARTICLE_ID_INVISIBLE;
        if (cp == '\\')
            return BC_ARTICLE_ID_BACKSLASH;
        p += (size_t) len;
        chars++;
    }
    if (chars > BC_ARTICLE_ID_MAX_CHARS || (size_t) (p - (const unsigned char *) id) > BC_ARTICLE_ID_MAX_BYTES)
        return BC_ARTICLE_ID_TOO_LONG;
    return BC_ARTICLE_ID_OK;
}

const char *
bc_article_id_problem (bc_article_id_rc_t rc, int en)
{
    switch (rc) {
    case BC_ARTICLE_ID_OK:
        return "";
    case BC_ARTICLE_ID_EMPTY:
        return en ? "it is empty" : "está vazio";
    case BC_ARTICLE_ID_TOO_LONG:
        return en ? "it is over 128 characters (240 bytes)"
                  : "tem mais de 128 caracteres (240 bytes)";
    case BC_ARTICLE_ID_BAD_UTF8:
        return en ? "it is not UTF-8 text" : "não é texto em UTF-8";
    case BC_ARTICLE_ID_CONTROL:
        return en ? "it holds a control character" : "tem um caractere de controle";
    case BC_ARTICLE_ID_SPACE:
        return en ? "it holds a space (use '-')" : "tem espaço (use '-')";
    case BC_ARTICLE_ID_INVISIBLE:
        return en ? "it holds an invisible character (zero-width or text direction)"
                  : "tem um caractere invisível (de largura zero ou de direção do texto)";
    case BC_ARTICLE_ID_BACKSLASH:
        return en ? "it holds '\\' (use '/' or '-')" : "tem '\\' (use '/' ou '-')";
    case BC_ARTICLE_ID_PART:
        return en ? "it starts or ends with '/', holds '//', or a part starts with '.'"
                  : "começa ou termina com '/', tem '//' ou uma parte que começa com '.'";
    case BC_ARTICLE_ID_ACTION:
        return en ? "it ends with /publish, /unpublish, /revert, /draft, /discard or /feedback "
                    "(the addresses of actions)"
                  : "termina com /publish, /unpublish, /revert, /draft, /discard ou /feedback "
                    "(os endereços das ações)";
    }
    return "";
}

const char *
bc_article_id_printable (const char *id, char *out, size_t size)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *) (id ? id : "");
    if (size == 0)
        return out;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate (p, -1, &cp);
        int is_shown = n > 0 && cp >= 0 && !s_is_control (cp) && !s_is_invisible (cp);
        size_t len = is_shown ? (size_t) n : 1;
        size_t need = is_shown ? len : 4;
        if (o + need + 4 > size || o >= 80) { /* room for "…" and the NUL */
            if (o + 4 <= size)
                memcpy (out + o, "\xe2\x80\xa6", 3), o += 3;
            break;
        }
        if (is_shown)
            memcpy (out + o, p, len), p += len;
        else
            snprintf (out + o, 5, "\\x%02X", *p++);
        o += need;
    }
    out[o] = 0;
    return out;
}

const char *
bc_article_id_escape (const char *id, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *) id; *p; p++) {
        int is_plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
                       || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'
                       || *p == '~';
        if (o + (is_plain ? 1 : 3) >= size)
            return NULL;
        if (is_plain)
            out[o++] = (char) *p;
        else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= size)
        return NULL;
    out[o] = 0;
    return out;
}
