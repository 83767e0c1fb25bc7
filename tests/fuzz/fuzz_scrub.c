/* Fuzz target: the LGPD scrubber (lib/bc_scrub.c) over whatever a store
 * may hold — the bytes as an envelope (its payload walked by its type, a
 * quarantined event's envelope inside), as a ticket and as an outbox
 * entry, learning first, then scrubbing; and the bytes as text. Must never
 * crash, leak or loop, whatever the bytes. */
#include "balcao/v1/bus.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_scrub.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static const ProtobufCMessageDescriptor *const types[] = {
        NULL, &balcao__v1__quarantined_event__descriptor, &balcao__v1__ticket__descriptor,
        &balcao__v1__outbox_entry__descriptor};
    bc_scrub_t *s = bc_scrub_new ("e1");
    bc_scrub_add_term (s, "customer:ana@cliente.com.br");
    bc_scrub_add_phone (s, "5511987654321");
    bc_scrub_add_ticket (s, 1);
    bc_scrub_add_ticket (s, 7);
    bc_scrub_add_ref (s, "m0000000000000001");
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        bc_scrub_learn_packed (s, types[i], data, size);
        uint8_t *out = NULL;
        size_t len = 0;
        if (bc_scrub_packed (s, types[i], data, size, &out, &len) == 1)
            free (out);
    }
    size_t n;
    free (bc_scrub_text (s, (const char *) data, size, &n));
    bc_scrub_destroy (&s);
    return 0;
}
