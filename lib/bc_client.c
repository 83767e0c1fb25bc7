/* bc_client: Lazy Pirate request/reply over a DEALER socket. Frames are
 * [empty][envelope], the same as a REQ socket sends, so any ZeroMQ client can
 * talk to a service. */
#include "bc_client.h"

#include "bc_curve.h"
#include "bc_id.h"
#include "bc_log.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct bc_client_t {
    zsock_t *sock;
    char *endpoint;
    char *source;
    char *principal;
    int timeout_ms;
    int retries;
    bc_curve_t *curve; /* NULL: plain */
    char *service;     /* whose public key the server must have */
};

void
bc_socket_liveness (void *sock)
{
    /* ZMTP heartbeats: a peer gone silent (a host lost, a link cut) is
     * noticed in 3 s and the connection dropped; each reconnection's TCP
     * handshake gives up after 2 s and is tried again (every 100 ms, no
     * back-off: a restarted service is found at once), instead of waiting
     * out the kernel's SYN back-off (a minute and more) once the link is
     * back. */
    zsock_set_heartbeat_ivl (sock, 1000);
    zsock_set_heartbeat_timeout (sock, 3000);
    zsock_set_connect_timeout (sock, 2000);
}

void
bc_socket_liveness_sub (void *sock)
{
    /* Not ZMTP heartbeats: libzmq 4.3.4 aborts a process whose SUB socket
     * has a receive limit, falls behind until its queue is full, and then
     * misses a heartbeat (libzmq issue #3937, "Assertion failed:
     * _input_stopped"), which a consumer catching up on a burst did. TCP
     * keepalive notices a dead peer in about 4 s instead (1 s idle, then 3
     * probes 1 s apart) without touching the engine's input. */
    zsock_set_tcp_keepalive (sock, 1);
    zsock_set_tcp_keepalive_idle (sock, 1);
    zsock_set_tcp_keepalive_intvl (sock, 1);
    zsock_set_tcp_keepalive_cnt (sock, 3);
    zsock_set_connect_timeout (sock, 2000);
}

static zsock_t *
s_connect (bc_client_t *self)
{
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock)
        return NULL;
    zsock_set_linger (sock, 0);
    bc_socket_liveness (sock);
    zsock_set_sndhwm (sock, 0);
    zsock_set_rcvhwm (sock, 0);
    char base[64]; /* a replica ("intake-2") speaks with its service's key */
    if (self->curve
        && bc_curve_client (self->curve, sock,
                            bc_config_service_of (self->service, base, sizeof base, NULL))) {
        zsock_destroy (&sock);
        return NULL;
    }
    if (zsock_connect (sock, "%s", self->endpoint)) {
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

/* Takes ownership of curve (may be NULL). */
static bc_client_t *
s_new (const char *endpoint, const char *source, bc_curve_t *curve, const char *service)
{
    bc_client_t *self = calloc (1, sizeof *self);
    if (!self) {
        bc_curve_destroy (&curve);
        return NULL;
    }
    self->endpoint = strdup (endpoint);
    self->source = strdup (source);
    self->principal = strdup ("");
    self->timeout_ms = 2500;
    self->retries = 3;
    self->curve = curve;
    self->service = service ? strdup (service) : NULL;
    self->sock = s_connect (self);
    if (!self->sock) {
        bc_error ("event=connect_failed endpoint=%s", endpoint);
        bc_client_destroy (&self);
    }
    return self;
}

bc_client_t *
bc_client_new (const char *endpoint, const char *source)
{
    return s_new (endpoint, source, NULL, NULL);
}

bc_client_t *
bc_client_new_for (bc_config_t *config, const char *service, const char *source)
{
    return bc_client_new_as (config, service, source, NULL);
}

bc_client_t *
bc_client_new_as (bc_config_t *config, const char *service, const char *source,
                  const char *cert_path)
{
    const char *endpoint = bc_config_endpoint (config, service, "command");
    if (!endpoint) {
        bc_error ("event=unknown_service service=%s", service);
        return NULL;
    }
    int error;
    bc_curve_t *curve = cert_path ? bc_curve_new_personal (config, cert_path, &error)
                                  : bc_curve_new (config, source, &error);
    if (error)
        return NULL;
    return s_new (endpoint, source, curve, service);
}

void
bc_client_destroy (bc_client_t **self_p)
{
    bc_client_t *self = *self_p;
    if (!self)
        return;
    zsock_destroy (&self->sock);
    bc_curve_destroy (&self->curve);
    free (self->service);
    free (self->endpoint);
    free (self->source);
    free (self->principal);
    free (self);
    *self_p = NULL;
}

void
bc_client_set_principal (bc_client_t *self, const char *principal)
{
    assert (self);
    free (self->principal);
    self->principal = strdup (principal ? principal : "");
}

void
bc_client_set_timeout (bc_client_t *self, int timeout_ms, int retries)
{
    assert (self);
    self->timeout_ms = timeout_ms;
    self->retries = retries;
}

void *
bc_client_handle (bc_client_t *self)
{
    assert (self);
    return self->sock ? zsock_resolve (self->sock) : NULL;
}

void
bc_client_reconnect (bc_client_t *self)
{
    assert (self);
    zsock_destroy (&self->sock);
    self->sock = s_connect (self);
}

int
bc_client_send_raw (bc_client_t *self, const uint8_t *frame, size_t len)
{
    assert (self);
    if (!self->sock)
        return BC_ETIMEOUT;
    void *s = zsock_resolve (self->sock);
    if (zmq_send (s, "", 0, ZMQ_SNDMORE) < 0 || zmq_send (s, frame, len, 0) < 0)
        return BC_ETIMEOUT;
    return BC_OK;
}

int
bc_client_recv (bc_client_t *self, int timeout_ms, bc_envelope_t **reply)
{
    assert (self);
    *reply = NULL;
    if (!self->sock)
        return BC_ETIMEOUT;
    void *s = zsock_resolve (self->sock);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    int rc = zmq_poll (&item, 1, timeout_ms);
    if (rc <= 0)
        return BC_ETIMEOUT;
    zmq_msg_t part;
    zmq_msg_init (&part);
    /* Skip the empty delimiter, keep the last frame. */
    int more = 1;
    while (more) {
        zmq_msg_close (&part);
        zmq_msg_init (&part);
        if (zmq_msg_recv (&part, s, 0) < 0) {
            zmq_msg_close (&part);
            return BC_ETIMEOUT;
        }
        more = zmq_msg_more (&part);
    }
    *reply = bc_envelope_unpack (zmq_msg_data (&part), zmq_msg_size (&part));
    zmq_msg_close (&part);
    if (!*reply)
        return BC_EPROTO;
    return bc_envelope_is (*reply, &balcao__v1__error__descriptor) ? BC_EREMOTE : BC_OK;
}

int
bc_client_call (bc_client_t *self, const char *request_id, const ProtobufCMessage *req,
                bc_envelope_t **reply)
{
    assert (self);
    *reply = NULL;
    char id[BC_ID_LEN + 1];
    if (!request_id) {
        bc_id_new (id);
        request_id = id;
    }
    bc_header_t h = {.id = request_id, .source = self->source, .principal = self->principal};
    size_t len;
    uint8_t *frame = bc_envelope_pack (&h, req, &len);
    if (!frame)
        return BC_ENOMEM;
    int rc = BC_ETIMEOUT;
    for (int attempt = 0; attempt <= self->retries; attempt++) {
        if (attempt > 0) {
            bc_debug ("event=retry endpoint=%s request=%s attempt=%d", self->endpoint, request_id,
                      attempt);
            bc_client_reconnect (self);
        }
        if (bc_client_send_raw (self, frame, len) != BC_OK)
            continue;
        int64_t deadline = zclock_mono () + self->timeout_ms;
        while (1) {
            int64_t left = deadline - zclock_mono ();
            if (left <= 0)
                break;
            rc = bc_client_recv (self, (int) left, reply);
            if (rc == BC_ETIMEOUT)
                break;
            /* A late reply to an earlier request on this socket: skip it. */
            if (*reply && strcmp ((*reply)->correlation_id, request_id) != 0) {
                bc_envelope_destroy (reply);
                continue;
            }
            free (frame);
            return rc;
        }
        rc = BC_ETIMEOUT;
    }
    free (frame);
    return rc;
}

const char *
bc_client_error_text (int rc, const bc_envelope_t *reply, char *buf, size_t size)
{
    int en = bc_lang_is_en ();
    if (rc == BC_EREMOTE && reply) {
        Balcao__V1__Error *err = (Balcao__V1__Error *) bc_envelope_payload (
            reply, &balcao__v1__error__descriptor);
        if (err) {
            snprintf (buf, size, "%s (%s)", en || !*err->message_pt ? err->message : err->message_pt,
                      err->code);
            balcao__v1__error__free_unpacked (err, NULL);
            return buf;
        }
    }
    switch (rc) {
    case BC_ETIMEOUT:
        return en ? "the service did not answer in time (is it running? balcaoctl status)"
                  : "o serviço não respondeu a tempo (ele está no ar? balcaoctl status)";
    case BC_EPROTO:
        return en ? "the service answered with something that is not a Balcão envelope"
                  : "o serviço respondeu algo que não é um envelope do Balcão";
    case BC_ENOMEM:
        return en ? "out of memory" : "memória esgotada";
    default:
        return en ? "unknown error" : "erro desconhecido";
    }
}

int
bc_lang_is_en (void)
{
    static const char *const vars[] = {"BALCAO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv (vars[i]);
        if (v && *v)
            return strncmp (v, "en", 2) == 0;
    }
    return 0;
}
