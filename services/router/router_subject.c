/* router_subject: a new ticket's subject without our tags, our notices'
 * words and reply prefixes (see router_subject.h). */
#include "router_subject.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The words notify puts between the tag and the customer's subject
 * (notify_render.c, s_subject), both languages. */
static const char *const s_notices[] = {
    "Recebemos seu chamado:",
    "We received your request:",
    "Precisamos de mais informações:",
    "We need more information:",
    "Encaminhado à equipe técnica:",
    "Passed on to our technical team:",
    "Resolvido, confirme a solução:",
    "Resolved, please confirm:",
    "Chamado reaberto:",
    "Reopened:",
    "Chamado encerrado, avalie o atendimento:",
    "Closed, how did we do?",
};

static const char *const s_prefixes[] = {"re", "res", "fw", "fwd", "enc", "tr",
                                         "aw", "wg", "sv", "rv", "antw"};

static const char *
s_skip_blank (const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Past one reply prefix at p ("Re:", "RES :", "Re[2]:"), or NULL. */
static const char *
s_past_prefix (const char *p)
{
    for (size_t i = 0; i < sizeof s_prefixes / sizeof s_prefixes[0]; i++) {
        size_t len = strlen (s_prefixes[i]);
        if (strncasecmp (p, s_prefixes[i], len) != 0)
            continue;
        const char *q = p + len;
        if (*q == '[') { /* "Re[2]:" */
            q++;
            while (isdigit ((unsigned char) *q))
                q++;
            if (*q != ']')
                continue;
            q++;
        }
        q = s_skip_blank (q);
        if (*q == ':')
            return s_skip_blank (q + 1);
    }
    return NULL;
}

/* Past a ticket tag at p ("[Chamado #12]", "[Ticket #3]"), or NULL. */
static const char *
s_past_tag (const char *p)
{
    if (*p != '[')
        return NULL;
    const char *q = p + 1;
    const char *hash = NULL;
    while (*q && *q != ']' && q - p < 64) {
        if (*q == '#')
            hash = q;
        q++;
    }
    if (*q != ']' || !hash || hash == p + 1 || !isdigit ((unsigned char) hash[1]))
        return NULL;
    for (const char *d = hash + 1; d < q; d++)
        if (!isdigit ((unsigned char) *d))
            return NULL;
    return q + 1;
}

void
router_subject_clean (const char *subject, char *out, size_t size)
{
    if (!size)
        return;
    const char *p = s_skip_blank (subject ? subject : "");
    /* Without a tag it is the customer's subject as they wrote it ("Re:"
     * included: they may be answering someone else). */
    bool has_tag = false;
    for (const char *q = strchr (p, '['); q && !has_tag; q = strchr (q + 1, '['))
        has_tag = s_past_tag (q) != NULL;
    size_t n = 0;
    bool at_start = has_tag; /* before any of the customer's own words */
    while (*p) {
        const char *next;
        if (at_start && (next = s_past_prefix (p))) {
            p = next;
            continue;
        }
        if (has_tag && (next = s_past_tag (p))) {
            p = s_skip_blank (next);
            /* Our notice's words right after our tag. */
            for (size_t i = 0; i < sizeof s_notices / sizeof s_notices[0]; i++) {
                size_t len = strlen (s_notices[i]);
                if (strncmp (p, s_notices[i], len) == 0) {
                    p = s_skip_blank (p + len);
                    break;
                }
            }
            continue;
        }
        at_start = false;
        if (n + 1 < size)
            out[n++] = *p;
        p++;
    }
    /* Blanks a tag left at the end or doubled in the middle. */
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = 0;
    size_t w = 0;
    for (size_t r = 0; r < n; r++)
        if (!(out[r] == ' ' && w && out[w - 1] == ' '))
            out[w++] = out[r];
    out[w] = 0;
}
