/* bc_address: see the header. */
#include "bc_address.h"

#include <strings.h>

bool
bc_address_listed (char *const *list, size_t n, const char *address)
{
    for (size_t i = 0; address && i < n; i++)
        if (list[i] && strcasecmp (list[i], address) == 0)
            return true;
    return false;
}
