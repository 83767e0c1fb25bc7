/* bc_curve: CURVE encryption and authentication on the bus (ZeroMQ's
 * CurveZMQ with CZMQ's zcert and zauth), on when "balcao/curve_dir" names a
 * directory of certificates:
 *
 *   <curve_dir>/<name>.cert, <name>.cert_secret   one per service and per
 *                                                 client program (balcaoctl
 *                                                 keys makes them)
 *   <curve_dir>/clients/<name>.cert               public certificates of
 *                                                 everyone allowed to connect
 *
 * A service's command and events sockets are CURVE servers with its own
 * certificate, and our ZAP handler admits only known public keys, giving
 * each connection the principal it acts as (its ZMQ "User-Id"):
 *   - a certificate in clients/: its "principal" metadata, or
 *     "service:<name>" (services and the server's own client programs);
 *   - otherwise the service's lookup (the router's registry of people's keys,
 *     the agents' `balcao login` key pairs).
 * Every connection to a service uses the caller's certificate and the
 * service's public key. On by default (curve_dir defaults to
 * <data_dir>/curve); off (plain TCP) only when curve_dir is set to "". */
#ifndef BC_CURVE_H
#define BC_CURVE_H

#include "bc_config.h"

typedef struct bc_curve_t bc_curve_t;

/* Loads what `name` needs (its own certificate). Returns NULL when CURVE is
 * off; sets *error (and returns NULL) when it is on but a file is missing. */
bc_curve_t *bc_curve_new (bc_config_t *config, const char *name, int *error);
/* The same with a person's own certificate (<cert_path> and
 * <cert_path>_secret, made by `balcao login`); curve_dir then only needs the
 * services' public certificates. */
bc_curve_t *bc_curve_new_personal (bc_config_t *config, const char *cert_path, int *error);
void bc_curve_destroy (bc_curve_t **self_p);
/* Our public key, Z85 (40 characters). */
const char *bc_curve_public_key (bc_curve_t *self);

/* Maps a client's Z85 public key to a principal (malloc'd) or NULL (refused).
 * Called on the ZAP thread, for keys that are not in clients/. */
typedef char *(bc_curve_lookup_fn) (void *arg, const char *z85);
void bc_curve_set_lookup (bc_curve_t *self, bc_curve_lookup_fn *fn, void *arg);

/* Starts the ZAP handler (one per process that binds). Returns 0 or -1. */
int bc_curve_start_auth (bc_curve_t *self);
/* Makes sock (before bind) a CURVE server with our certificate. */
void bc_curve_server (bc_curve_t *self, void *sock);
/* The same for an events socket: only the principals in
 * balcao/log_readers may subscribe (ZAP domain "events"). */
#define BC_CURVE_EVENTS_DOMAIN "events"
void bc_curve_events_server (bc_curve_t *self, void *sock);
/* Makes sock (before connect) a CURVE client of `service`. Returns 0, or -1
 * when the service's public certificate cannot be read. */
int bc_curve_client (bc_curve_t *self, void *sock, const char *service);

/* Writes a certificate pair <dir>/<name>.cert{,_secret} unless it exists,
 * and its public part to <dir>/clients/<name>.cert. Returns 0 or -1. */
int bc_curve_make_cert (const char *dir, const char *name);

#endif
