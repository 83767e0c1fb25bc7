/* bc_msg: Envelope packing with protobuf-c. */
#include "bc_msg.h"

#include "bc_clock.h"
#include "bc_id.h"

#include <stdlib.h>
#include <string.h>

uint8_t *
bc_envelope_pack_raw (const bc_header_t *h, const char *type, const uint8_t *payload,
                      size_t payload_len, size_t *len)
{
    Balcao__V1__Envelope env = BALCAO__V1__ENVELOPE__INIT;
    char id[BC_ID_LEN + 1];
    if (h->id)
        env.id = (char *) h->id;
    else {
        bc_id_new (id);
        env.id = id;
    }
    env.type = (char *) type;
    env.source = (char *) (h->source ? h->source : "");
    env.seq = h->seq;
    env.time_us = h->time_us ? h->time_us : bc_now_us ();
    env.principal = (char *) (h->principal ? h->principal : "");
    env.correlation_id = (char *) (h->correlation_id ? h->correlation_id : "");
    env.payload.data = (uint8_t *) payload;
    env.payload.len = payload_len;
    *len = balcao__v1__envelope__get_packed_size (&env);
    uint8_t *buf = malloc (*len ? *len : 1);
    if (buf)
        balcao__v1__envelope__pack (&env, buf);
    return buf;
}

uint8_t *
bc_envelope_pack (const bc_header_t *h, const ProtobufCMessage *payload, size_t *len)
{
    size_t plen = protobuf_c_message_get_packed_size (payload);
    uint8_t stackbuf[4096];
    uint8_t *pbuf = plen <= sizeof stackbuf ? stackbuf : malloc (plen);
    if (!pbuf)
        return NULL;
    protobuf_c_message_pack (payload, pbuf);
    uint8_t *out = bc_envelope_pack_raw (h, payload->descriptor->name, pbuf, plen, len);
    if (pbuf != stackbuf)
        free (pbuf);
    return out;
}

bc_envelope_t *
bc_envelope_unpack (const uint8_t *data, size_t len)
{
    return balcao__v1__envelope__unpack (NULL, len, data);
}

void
bc_envelope_destroy (bc_envelope_t **self_p)
{
    if (*self_p) {
        balcao__v1__envelope__free_unpacked (*self_p, NULL);
        *self_p = NULL;
    }
}

int
bc_envelope_is (const bc_envelope_t *env, const ProtobufCMessageDescriptor *desc)
{
    return env && env->type && strcmp (env->type, desc->name) == 0;
}

ProtobufCMessage *
bc_envelope_payload (const bc_envelope_t *env, const ProtobufCMessageDescriptor *desc)
{
    if (!bc_envelope_is (env, desc))
        return NULL;
    return protobuf_c_message_unpack (desc, NULL, env->payload.len, env->payload.data);
}
