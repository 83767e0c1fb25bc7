/* bc_mailid: ticket-bearing Message-IDs. */
#include "bc_mailid.h"

#include "bc_id.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
bc_mailid_new (char *out, size_t size, const char *install, uint64_t ticket, const char *domain)
{
    char rnd[BC_ID_LEN + 1];
    bc_id_new (rnd);
    rnd[16] = 0;
    snprintf (out, size, "balcao.%s.t%llu.%s@%s", install, (unsigned long long) ticket, rnd,
              domain);
}

uint64_t
bc_mailid_ticket (const char *message_id, const char *install, const char *domain)
{
    if (!message_id)
        return 0;
    if (*message_id == '<')
        message_id++;
    char prefix[96];
    int n = snprintf (prefix, sizeof prefix, "balcao.%s.t", install);
    if (n <= 0 || (size_t) n >= sizeof prefix || strncmp (message_id, prefix, (size_t) n) != 0)
        return 0;
    const char *p = message_id + n;
    char *end;
    unsigned long long ticket = strtoull (p, &end, 10);
    if (end == p || *end != '.')
        return 0;
    const char *at = strchr (end, '@');
    if (!at)
        return 0;
    size_t dlen = strlen (domain);
    if (strncasecmp (at + 1, domain, dlen) != 0 || (at[1 + dlen] != 0 && at[1 + dlen] != '>'))
        return 0;
    return ticket;
}

void
bc_mailid_subject_tag (char *out, size_t size, const char *tag, uint64_t ticket)
{
    snprintf (out, size, "[%s #%llu]", tag && *tag ? tag : "Chamado", (unsigned long long) ticket);
}

uint64_t
bc_mailid_ticket_from_subject (const char *subject, const char *tag)
{
    if (!subject)
        return 0;
    if (!tag || !*tag)
        tag = "Chamado";
    size_t tlen = strlen (tag);
    for (const char *p = strchr (subject, '['); p; p = strchr (p + 1, '[')) {
        if (strncasecmp (p + 1, tag, tlen) != 0)
            continue;
        const char *q = p + 1 + tlen;
        while (*q == ' ')
            q++;
        if (*q != '#')
            continue;
        char *end;
        unsigned long long n = strtoull (q + 1, &end, 10);
        if (end != q + 1 && *end == ']' && n > 0)
            return n;
    }
    return 0;
}

void
bc_mailid_loop_tag (char *out, size_t size, const char *install, const char *domain)
{
    snprintf (out, size, "balcao.%s@%s", install, domain);
}

size_t
bc_mailid_of_raw (const unsigned char *raw, size_t len, char *out, size_t size)
{
    static const char name[] = "message-id:";
    size_t n = 0;
    if (size)
        *out = 0;
    for (size_t i = 0; i < len && size > 1;) {
        size_t end = i;
        while (end < len && raw[end] != '\n')
            end++;
        size_t line = end - i;
        if (line == 0 || (line == 1 && raw[i] == '\r'))
            break; /* the end of the header */
        if (line >= sizeof name - 1 && strncasecmp ((const char *) raw + i, name, sizeof name - 1) == 0) {
            /* The value, with its folded lines, blanks left out. */
            size_t j = i + sizeof name - 1;
            while (j < len && size > 1) {
                if (raw[j] == '\n' && !(j + 1 < len && (raw[j + 1] == ' ' || raw[j + 1] == '\t')))
                    break;
                if (raw[j] != ' ' && raw[j] != '\t' && raw[j] != '\r' && raw[j] != '\n'
                    && raw[j] != 0 && n + 1 < size)
                    out[n++] = (char) raw[j];
                j++;
            }
            out[n] = 0;
            return n;
        }
        i = end + 1;
    }
    return 0;
}
