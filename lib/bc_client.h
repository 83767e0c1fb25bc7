/* bc_client: request/reply to a service's command socket, with timeouts and
 * retries that survive a server restart (the ZeroMQ guide's Lazy Pirate: on a
 * timeout the socket is thrown away, a fresh one connects, and the same
 * request id is sent again, so the server applies it once). */
#ifndef BC_CLIENT_H
#define BC_CLIENT_H

#include "bc_config.h"
#include "bc_msg.h"

enum {
    BC_OK = 0,
    BC_ETIMEOUT = -1, /* no reply after every retry: the service is down or overloaded */
    BC_EREMOTE = -2,  /* the service answered with an Error (in *reply) */
    BC_EPROTO = -3,   /* the reply was not an envelope */
    BC_ENOMEM = -4,
};

typedef struct bc_client_t bc_client_t;

/* Connects a client to endpoint; source names the caller in envelopes.
 * Plain TCP/IPC: for CURVE use bc_client_new_for. */
bc_client_t *bc_client_new (const char *endpoint, const char *source);
/* Connects to `service`'s command socket as the config says, with CURVE when
 * it is on (source is then also the name of the caller's certificate).
 * NULL after logging why. */
bc_client_t *bc_client_new_for (bc_config_t *config, const char *service, const char *source);
/* The same with a person's own certificate (cert_path and cert_path_secret,
 * made by `balcao login`) instead of the program's, when cert_path is not
 * NULL. */
bc_client_t *bc_client_new_as (bc_config_t *config, const char *service, const char *source,
                               const char *cert_path);
void bc_client_destroy (bc_client_t **self_p);

/* Who asks (Envelope.principal); default "". */
void bc_client_set_principal (bc_client_t *self, const char *principal);
/* Waits timeout_ms for each attempt, and makes retries further attempts
 * (defaults 2500 ms, 3 retries). */
void bc_client_set_timeout (bc_client_t *self, int timeout_ms, int retries);

/* Sends req and waits for its reply. request_id NULL makes a new one; give
 * your own to make a call idempotent across processes. On BC_OK *reply is the
 * reply envelope, on BC_EREMOTE the Error envelope; destroy it with
 * bc_envelope_destroy. */
int bc_client_call (bc_client_t *self, const char *request_id, const ProtobufCMessage *req,
                    bc_envelope_t **reply);

/* Pipelined use (load tools): send an encoded envelope without waiting ... */
int bc_client_send_raw (bc_client_t *self, const uint8_t *frame, size_t len);
/* ... and take the next reply, whichever request it answers (matched by
 * correlation_id). Returns BC_ETIMEOUT when none came within timeout_ms. */
int bc_client_recv (bc_client_t *self, int timeout_ms, bc_envelope_t **reply);
/* The libzmq socket handle, to poll many clients at once. */
void *bc_client_handle (bc_client_t *self);
/* Drops the socket and connects a fresh one (after a timeout). */
void bc_client_reconnect (bc_client_t *self);

/* People's language for messages: English when $BALCAO_LANG (or else
 * $LC_ALL, $LC_MESSAGES, $LANG, the first one set) starts with "en";
 * Brazilian Portuguese otherwise. */
int bc_lang_is_en (void);
/* The sentence in an Error reply (in that language), or a description of a
 * local error code. */
const char *bc_client_error_text (int rc, const bc_envelope_t *reply, char *buf, size_t size);

/* Sets a connecting socket to notice a silent peer and reconnect quickly
 * after a partition (heartbeats, connect timeout). */
void bc_socket_liveness (void *sock);
/* The same for a SUB socket (a consumer's events), by TCP keepalive: see
 * bc_client.c for why not heartbeats. */
void bc_socket_liveness_sub (void *sock);

#endif
