/* gateway_bus: the gateway's bus clients, shared by every connection
 * thread. A CZMQ socket is used by one thread at a time, so each call takes
 * an idle client of the service it asks (or makes one) and gives it back:
 * a service that stalls holds only the connections waiting for it. */
#ifndef GATEWAY_BUS_H
#define GATEWAY_BUS_H

#include "bc_client.h"
#include "bc_config.h"
#include "gateway_http.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct gateway_bus_t gateway_bus_t;

/* Checks that a client of every service can be made (CURVE keys, endpoints).
 * NULL after logging why. */
gateway_bus_t *gateway_bus_new (bc_config_t *config);
void gateway_bus_destroy (gateway_bus_t **self_p);

/* As bc_client_call, to service ("router", "intake", "kb" or "notify") on behalf of
 * principal, from any thread. */
int gateway_bus_call (gateway_bus_t *self, const char *service, const char *principal,
                      const ProtobufCMessage *req, bc_envelope_t **reply);
/* For a room answering req: asks service as the caller (req->principal);
 * the reply's payload of type (free it), or NULL with *out the answer
 * already sent (the service's refusal, 503, or 502 for a reply of another
 * type). */
ProtobufCMessage *gateway_bus_ask (gateway_bus_t *self, const gateway_req_t *req,
                                   const char *service, const ProtobufCMessage *msg,
                                   const ProtobufCMessageDescriptor *type, enum MHD_Result *out);
/* intake's replica for the work of key (a customer's address, a message
 * id: the same key, the same replica), in out. */
const char *gateway_bus_intake_for (gateway_bus_t *self, const char *key, char *out, size_t size);
/* The request to each of intake's replicas in turn until one has what it
 * asks for (an attachment is in the replica that took its message): the
 * first answer that is not not_found. */
int gateway_bus_call_intakes (gateway_bus_t *self, const char *principal,
                              const ProtobufCMessage *req, bc_envelope_t **reply);

/* The head of service's event log (a Ping, answered from memory) into
 * *head: BC_OK, the bus's code, or BC_EREMOTE for an answer not a Pong. */
int gateway_bus_head (gateway_bus_t *self, const char *service, uint64_t *head);

/* Idempotency across HTTP retries: while a base is set (by the thread
 * answering a request that carried an Idempotency-Key header, see
 * gateway_routes.c), the n-th call this thread makes gets the request id
 * "<base>.<n>". A retried HTTP request makes the same calls in the same
 * order, so each write reaches its service with the id it had the first
 * time and is applied once (the service answers a known id with the reply
 * it stored). base NULL clears it. */
void gateway_bus_request_ids (const char *base);

/* Pings every service at once and waits at most gateway/health_timeout_ms
 * for the answers: {"status": "ok"|"degraded", "slow": [names],
 * "services": {name: {"ok": ..., ...}}}; *all_ok when every one answered.
 * Callers that arrive while a round is running wait for it and share its
 * result, so /healthz never waits longer than about two rounds. */
json_t *gateway_bus_health (gateway_bus_t *self, bool *all_ok);

#endif
