/* bc_msg: the Envelope every frame carries (proto/balcao/v1/bus.proto), packed
 * and unpacked in one place. */
#ifndef BC_MSG_H
#define BC_MSG_H

#include "balcao/v1/bus.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef Balcao__V1__Envelope bc_envelope_t;

/* The envelope's header fields. NULL/0 fields get defaults: a new random id,
 * the current time, empty strings. */
typedef struct {
    const char *id;
    const char *source;
    uint64_t seq;
    int64_t time_us;
    const char *principal;
    const char *correlation_id;
} bc_header_t;

/* Packs payload (type taken from its descriptor) into a new encoded envelope.
 * Returns malloc'd bytes (free with free) and sets *len. */
uint8_t *bc_envelope_pack (const bc_header_t *header, const ProtobufCMessage *payload, size_t *len);
/* The same with a payload that is already encoded, of the named type. */
uint8_t *bc_envelope_pack_raw (const bc_header_t *header, const char *type, const uint8_t *payload,
                               size_t payload_len, size_t *len);

/* Decodes an envelope; NULL when the bytes are not one. */
bc_envelope_t *bc_envelope_unpack (const uint8_t *data, size_t len);
void bc_envelope_destroy (bc_envelope_t **self_p);

/* Decodes the payload when the envelope's type is desc's; NULL otherwise.
 * Free with protobuf_c_message_free_unpacked. */
ProtobufCMessage *bc_envelope_payload (const bc_envelope_t *env,
                                       const ProtobufCMessageDescriptor *desc);
/* True when the envelope carries a message of type desc. */
int bc_envelope_is (const bc_envelope_t *env, const ProtobufCMessageDescriptor *desc);

#endif
