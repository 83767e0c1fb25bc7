/* bc_phone: see the header. One rule, written once: the gateway, intake,
 * the router, kb and notify all ask here who a WhatsApp number is. */
#include "bc_phone.h"

#include <stdio.h>
#include <string.h>

static int
s_is_digit (char c)
{
    return c >= '0' && c <= '9';
}

/* "55", a DDD without a 0, and the first local digit at local. */
static int
s_is_brazil (const char *id, size_t local)
{
    return id[0] == '5' && id[1] == '5' && id[2] >= '1' && id[2] <= '9' && id[3] >= '1'
           && id[3] <= '9' && id[local] >= '6' && id[local] <= '9';
}

int
bc_phone_whatsapp_id (const char *number, char *out, size_t size)
{
    if (!out || size < BC_PHONE_MAX)
        return -1;
    out[0] = 0;
    if (!number)
        return -1;
    char digits[BC_PHONE_MAX];
    size_t n = 0;
    for (const char *p = number; *p; p++) {
        if (s_is_digit (*p)) {
            if (n + 1 >= sizeof digits)
                return -1;
            digits[n++] = *p;
        }
        else if (!strchr ("+ -().", *p))
            return -1;
    }
    digits[n] = 0;
    if (n < 8)
        return -1;
    /* 55 DD NNNNNNNN, a mobile: 55 DD 9 NNNNNNNN. */
    if (n == 12 && s_is_brazil (digits, 4))
        snprintf (out, size, "%.4s9%s", digits, digits + 4);
    else
        memcpy (out, digits, n + 1);
    return 0;
}

int
bc_phone_whatsapp_alias (const char *id, char *out, size_t size)
{
    if (!out || size < 13)
        return -1;
    out[0] = 0;
    if (!id || strlen (id) != 13 || id[4] != '9' || !s_is_brazil (id, 5))
        return -1;
    for (const char *p = id; *p; p++)
        if (!s_is_digit (*p))
            return -1;
    snprintf (out, size, "%.4s%s", id, id + 5);
    return 0;
}

int
bc_phone_whatsapp_address (const char *address, char *out, size_t size)
{
    if (!out || !size)
        return -1;
    out[0] = 0;
    if (!address)
        return 0;
    char id[BC_PHONE_MAX];
    int n;
    if (strncmp (address, "whatsapp:+", 10) == 0
        && bc_phone_whatsapp_id (address + 10, id, sizeof id) == 0)
        n = snprintf (out, size, "whatsapp:+%s", id);
    else
        n = snprintf (out, size, "%s", address);
    if (n < 0 || (size_t) n >= size) {
        out[0] = 0;
        return -1;
    }
    return 0;
}
