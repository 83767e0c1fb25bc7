/* bc_orgs: see the header. */
#include "bc_orgs.h"

#include <string.h>
#include <strings.h>

int
bc_orgs_has (const char *list, const char *name)
{
    if (!name)
        return 0;
    size_t nlen = strlen (name);
    while (nlen && name[nlen - 1] == ' ')
        nlen--;
    while (nlen && *name == ' ')
        name++, nlen--;
    if (!nlen)
        return 0;
    for (const char *p = list; p && *p;) {
        const char *end = strchr (p, ';');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        const char *q = p;
        size_t qlen = len;
        while (qlen && *q == ' ')
            q++, qlen--;
        while (qlen && q[qlen - 1] == ' ')
            qlen--;
        if (qlen == nlen && strncasecmp (q, name, nlen) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int
bc_orgs_serves (const char *restricted, const char *serves, const char *organization)
{
    return !bc_orgs_has (restricted, organization) || bc_orgs_has (serves, organization);
}
