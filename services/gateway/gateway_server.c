/* gateway_server: the HTTP daemon's set-up. libmicrohttpd serves the
 * connections from a few event-loop threads (gateway/http_threads, epoll),
 * so that hundreds of live streams cost a few threads, not one each; a
 * request that asks the bus runs on a thread of its own while its
 * connection is suspended (gateway_worker.h), so one that waits on a slow
 * service holds only its own connection. Connections are capped in all
 * and per peer address, and idle ones are closed after a timeout. The routes are in
 * gateway_routes.c, credentials in gateway_auth.c, bus calls in
 * gateway_bus.c. */
#include "gateway_server.h"

#include "bc_log.h"
#include "bc_metrics.h"
#include "gateway_auth.h"
#include "gateway_bus.h"
#include "gateway_parse.h"
#include "gateway_routes.h"
#include "gateway_worker.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gateway_server_t {
    struct MHD_Daemon *daemon;
    gateway_auth_t *auth;
    gateway_bus_t *bus;
    gateway_routes_t *routes;
    char url[256];
    /* libmicrohttpd's own complaints (a refused connection, a malformed
     * request), at most one line a second with the count since the last. */
    pthread_mutex_t log_lock;
    time_t log_second;
    unsigned log_pending;
    bc_metrics_t *metrics; /* GET /metrics on gateway/metrics */
};

/* Every request's end, counted for Prometheus, then the routes' clean-up. */
static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode why)
{
    gateway_server_t *self = cls;
    const char *end = why == MHD_REQUEST_TERMINATED_COMPLETED_OK        ? "ok"
                      : why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED   ? "timeout"
                      : why == MHD_REQUEST_TERMINATED_CLIENT_ABORT      ? "client_abort"
                      : why == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN   ? "shutdown"
                      : why == MHD_REQUEST_TERMINATED_READ_ERROR        ? "read_error"
                                                                        : "error";
    char labels[40];
    snprintf (labels, sizeof labels, "end=\"%s\"", end);
    bc_metrics_add (self->metrics, "balcao_http_requests_total", labels, 1);
    gateway_routes_completed (self->routes, conn, con_cls, why);
}

static void
s_mhd_log (void *cls, const char *fmt, va_list ap)
{
    gateway_server_t *self = cls;
    char text[256];
    vsnprintf (text, sizeof text, fmt, ap);
    text[strcspn (text, "\r\n")] = 0;
    pthread_mutex_lock (&self->log_lock);
    self->log_pending++;
    time_t now = time (NULL);
    if (now != self->log_second) {
        char clean[256];
        bc_warn ("event=http_error message=\"%s\" count=%u",
                 bc_log_clean (text, clean, sizeof clean), self->log_pending);
        self->log_second = now;
        self->log_pending = 0;
    }
    pthread_mutex_unlock (&self->log_lock);
}

static size_t
s_unescape (void *cls, struct MHD_Connection *conn, char *text)
{
    (void) cls, (void) conn;
    return gateway_parse_unescape (text);
}

gateway_server_t *
gateway_server_new (bc_config_t *config)
{
    gateway_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->log_lock, NULL);
    self->metrics = bc_metrics_new ("gateway");
    bc_metrics_help (self->metrics, "balcao_http_requests_total", "counter",
                     "HTTP requests ended, by how they ended (ok, timeout, client_abort, "
                     "error...).");
    bc_metrics_add (self->metrics, "balcao_http_requests_total", "end=\"ok\"", 0);
    /* Off with metrics = "" (loopback by default: Prometheus scrapes locally
     * or through a tunnel; the numbers are not for the public). */
    bc_metrics_listen (self->metrics, bc_config_str (config, "gateway/metrics", "127.0.0.1:7143"));
    self->auth = gateway_auth_new (config);
    self->bus = self->auth ? gateway_bus_new (config) : NULL;
    self->routes = self->bus ? gateway_routes_new (config, self->auth, self->bus) : NULL;
    if (!self->routes) {
        gateway_server_destroy (&self);
        return NULL;
    }
    const char *address = bc_config_str (config, "gateway/http_address", "127.0.0.1");
    int port = (int) bc_config_int (config, "gateway/http_port", 8080);
    unsigned max_connections = (unsigned) bc_config_int (config, "gateway/max_connections", 256);
    unsigned per_ip = (unsigned) bc_config_int (config, "gateway/max_connections_per_ip", 32);
    unsigned timeout_s = (unsigned) bc_config_int (config, "gateway/connection_timeout_s", 15);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (inet_pton (AF_INET, address, &sin.sin_addr) != 1) {
        bc_error ("event=bad_address http_address=%s hint=\"give an IPv4 address\"", address);
        gateway_server_destroy (&self);
        return NULL;
    }
    unsigned threads = (unsigned) bc_config_int (config, "gateway/http_threads", 4);
    if (threads < 1 || threads > 64)
        threads = threads < 1 ? 1 : 64;
    self->daemon = MHD_start_daemon (
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG,
        (uint16_t) port, NULL, NULL, gateway_routes_handle, self->routes,
        MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self, MHD_OPTION_SOCK_ADDR, &sin,
        MHD_OPTION_CONNECTION_LIMIT, max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_UNESCAPE_CALLBACK, s_unescape, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_END);
    if (!self->daemon) {
        bc_error ("event=listen_failed address=%s port=%d hint=\"is the port in use?\"", address,
                  port);
        gateway_server_destroy (&self);
        return NULL;
    }
    snprintf (self->url, sizeof self->url, "http://%s:%d/", address, port);
    bc_info ("event=listening url=%s max_connections=%u max_connections_per_ip=%u "
             "connection_timeout_s=%u http_threads=%u",
             self->url, max_connections, per_ip, timeout_s, threads);
    return self;
}

void
gateway_server_destroy (gateway_server_t **self_p)
{
    gateway_server_t *self = *self_p;
    if (!self)
        return;
    /* The connections first: they use the routes, auth and bus. The live
     * streams end, the handlers running on workers finish, then the
     * daemon stops. */
    if (self->daemon) {
        gateway_routes_stop (self->routes);
        gateway_worker_drain ();
        MHD_stop_daemon (self->daemon);
    }
    gateway_routes_destroy (&self->routes);
    gateway_bus_destroy (&self->bus);
    gateway_auth_destroy (&self->auth);
    bc_metrics_destroy (&self->metrics);
    pthread_mutex_destroy (&self->log_lock);
    free (self);
    *self_p = NULL;
}

const char *
gateway_server_url (gateway_server_t *self)
{
    assert (self);
    return self->url;
}
