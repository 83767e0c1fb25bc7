/* Fuzz target: what a service does with the bytes of a request frame before
 * any handler runs — decode the envelope, then its payload as every message
 * type a service serves. Must never crash or leak, whatever the bytes. */
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_msg.h"

#include <stddef.h>
#include <stdint.h>

static const ProtobufCMessageDescriptor *const s_types[] = {
    &balcao__v1__submit__descriptor,        &balcao__v1__message_received__descriptor,
    &balcao__v1__get_ticket__descriptor,    &balcao__v1__list_tickets__descriptor,
    &balcao__v1__ticket_created__descriptor, &balcao__v1__replay_request__descriptor,
    &balcao__v1__replay_reply__descriptor,  &balcao__v1__search_tickets__descriptor,
    &balcao__v1__outbox_entry__descriptor,  &balcao__v1__error__descriptor,
};

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    bc_envelope_t *env = bc_envelope_unpack (data, size);
    if (env) {
        for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++) {
            ProtobufCMessage *m = protobuf_c_message_unpack (s_types[i], NULL, env->payload.len,
                                                             env->payload.data);
            if (m)
                protobuf_c_message_free_unpacked (m, NULL);
        }
        bc_envelope_destroy (&env);
    }
    return 0;
}
