/* Fuzz target: the WhatsApp webhook's body reader and signature check
 * (gateway_whatsapp_parse.c). Beyond not crashing, each keeps its promise:
 * the input is an update or it is refused with a sentence; every message
 * read has an id, a "whatsapp:" address and a text an agent can read
 * (never empty), every status an id and a status; the signature check
 * accepts the body's own HMAC and refuses it for one byte less; and a
 * number's identity (bc_phone) is digits, is its own identity, and its
 * Brazilian alias (without the ninth digit) leads back to it. */
#include "bc_phone.h"
#include "gateway_whatsapp_parse.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const unsigned char s_key[] = "fuzz_app_secret";

static void
s_check_signature (const char *body, size_t size)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init (&st, s_key, sizeof s_key - 1);
    crypto_auth_hmacsha256_update (&st, (const unsigned char *) body, size);
    crypto_auth_hmacsha256_final (&st, mac);
    char header[7 + 2 * sizeof mac + 1] = "sha256=";
    sodium_bin2hex (header + 7, sizeof header - 7, mac, sizeof mac);
    if (!gateway_wa_signature_ok (s_key, sizeof s_key - 1, body, size, header))
        abort ();
    if (size && gateway_wa_signature_ok (s_key, sizeof s_key - 1, body, size - 1, header))
        abort ();
    /* The body itself as a header is never a signature. */
    char *as_header = strndup (body, size);
    if (as_header && gateway_wa_signature_ok (s_key, sizeof s_key - 1, body, size, as_header)
        && strcmp (as_header, header) != 0 && strcasecmp (as_header, header) != 0)
        abort ();
    free (as_header);
}

/* The input's first line as a number. */
static void
s_check_phone (const char *body, size_t size)
{
    char number[64], id[BC_PHONE_MAX], again[BC_PHONE_MAX], alias[BC_PHONE_MAX];
    size_t n = 0;
    while (n < size && n + 1 < sizeof number && body[n] && body[n] != '\n') {
        number[n] = body[n];
        n++;
    }
    number[n] = 0;
    if (bc_phone_whatsapp_id (number, id, sizeof id))
        return;
    if (strlen (id) < 8 || strlen (id) > 15 || strspn (id, "0123456789") != strlen (id))
        abort ();
    if (bc_phone_whatsapp_id (id, again, sizeof again) || strcmp (id, again) != 0)
        abort ();
    if (bc_phone_whatsapp_alias (id, alias, sizeof alias) == 0
        && (bc_phone_whatsapp_id (alias, again, sizeof again) || strcmp (id, again) != 0))
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (sodium_init () < 0)
        return 0;
    const char *body = (const char *) data;
    s_check_signature (body, size);
    s_check_phone (body, size);
    gateway_wa_batch_t *batch = NULL;
    char err[200] = "";
    if (gateway_wa_parse (body, size, &batch, err, sizeof err)) {
        if (batch || !*err)
            abort ();
        return 0;
    }
    for (size_t i = 0; i < batch->n_messages; i++) {
        const gateway_wa_message_t *m = &batch->messages[i];
        if (!*m->wamid || strncmp (m->address, "whatsapp:", 9) != 0 || !*m->text || !m->name
            || !m->reply_id || !m->media_id || !m->context_id)
            abort ();
    }
    for (size_t i = 0; i < batch->n_statuses; i++)
        if (!*batch->statuses[i].wamid || !*batch->statuses[i].status)
            abort ();
    gateway_wa_batch_destroy (&batch);
    return 0;
}
