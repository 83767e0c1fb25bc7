/* Fuzz target: the web chat's request bodies (gateway_chat_parse.h), read
 * as each of the four requests. Beyond not crashing, what is accepted keeps
 * its promise: a message's id is 1-64 of A-Z a-z 0-9 - _, its text is not
 * empty, has no surrounding spaces and no control character but line
 * breaks and tabs; a contact's name is not empty and has no control
 * character, its e-mail parses again to itself; a refusal always says why
 * in both languages. */
#include "gateway_chat_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_no_controls (const char *s, bool lines)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if ((*p < 0x20 && !(lines && (*p == '\n' || *p == '\r' || *p == '\t'))) || *p == 0x7f)
            abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static gateway_chat_input_t in;
    for (int kind = GATEWAY_CHAT_START; kind <= GATEWAY_CHAT_END; kind++) {
        const char *pt = NULL, *en = NULL;
        bool ok = gateway_chat_parse ((gateway_chat_kind_t) kind, (const char *) data, size, &in,
                                      &pt, &en);
        if (!ok) {
            if (!pt || !en || !*pt || !*en)
                abort ();
            continue;
        }
        if (kind == GATEWAY_CHAT_START && *in.language && strcmp (in.language, "pt-BR") != 0
            && strcmp (in.language, "en") != 0)
            abort ();
        if (kind != GATEWAY_CHAT_MESSAGE && kind != GATEWAY_CHAT_CONTACT)
            continue;
        size_t n = strlen (in.id);
        if (n < 1 || n > GATEWAY_CHAT_CLIENT_ID_MAX
            || strspn (in.id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                   != n)
            abort ();
        if (kind == GATEWAY_CHAT_MESSAGE) {
            size_t t = strlen (in.text);
            if (t == 0 || in.text[0] == ' ' || in.text[t - 1] == ' '
                || strcmp (in.reply_id, "contact") == 0)
                abort ();
            s_no_controls (in.text, true);
        }
        else {
            char again[GATEWAY_ADDRESS_MAX + 1];
            if (!*in.name || strlen (in.name) > GATEWAY_CHAT_NAME_MAX
                || !gateway_parse_address (in.email, again, sizeof again)
                || strcmp (again, in.email) != 0)
                abort ();
            s_no_controls (in.name, false);
        }
    }
    return 0;
}
