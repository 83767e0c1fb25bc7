/* bc_metrics: a service's numbers in Prometheus' text exposition format
 * (version 0.0.4), served on GET /metrics by a small HTTP listener of its
 * own (libmicrohttpd, one thread) at <service>/metrics ("127.0.0.1:7103").
 *
 * Counters, gauges and histograms by name and label set; the loop thread
 * updates them, the listener's thread renders them; a mutex keeps the two
 * apart. Names follow Prometheus' conventions: balcao_<what>_total for
 * counters, _seconds for durations.
 *
 *     bc_metrics_t *m = bc_metrics_new ("router");
 *     bc_metrics_help (m, "balcao_requests_total", "counter", "Requests answered.");
 *     bc_metrics_add (m, "balcao_requests_total", "type=\"GetTicket\",outcome=\"ok\"", 1);
 *     bc_metrics_observe (m, "balcao_commit_seconds", 0.0012);
 *     bc_metrics_listen (m, "127.0.0.1:7113");
 */
#ifndef BC_METRICS_H
#define BC_METRICS_H

#include <stddef.h>

typedef struct bc_metrics_t bc_metrics_t;

/* Every series carries service="<service>". */
bc_metrics_t *bc_metrics_new (const char *service);
void bc_metrics_destroy (bc_metrics_t **self_p);

/* Serves GET /metrics on "host:port" (port 0: any free one). Returns 0, or
 * -1 (logged) when the address is bad or taken: the service runs on
 * without its metrics. */
int bc_metrics_listen (bc_metrics_t *self, const char *address);
/* The port it listens on (0: none). */
int bc_metrics_port (bc_metrics_t *self);

/* # HELP and # TYPE of a family ("counter", "gauge" or "histogram"). */
void bc_metrics_help (bc_metrics_t *self, const char *name, const char *type, const char *help);

/* labels: the label pairs as they are written, without braces
 * ("source=\"intake\""), or "" for none; values are the caller's to keep
 * free of quotes and newlines (bc_metrics_label cleans one). */
void bc_metrics_add (bc_metrics_t *self, const char *name, const char *labels, double delta);
void bc_metrics_set (bc_metrics_t *self, const char *name, const char *labels, double value);

/* Histograms with fixed buckets: declared once, then observed. */
void bc_metrics_histogram (bc_metrics_t *self, const char *name, const char *help,
                           const double *bounds, size_t n);
void bc_metrics_observe (bc_metrics_t *self, const char *name, double value);

/* A label value written safely (quotes, backslashes, newlines escaped; at
 * most size-1 bytes) into out. */
void bc_metrics_label (const char *value, char *out, size_t size);

/* The whole exposition (malloc'd, NUL-terminated): what GET /metrics
 * answers. */
char *bc_metrics_render (bc_metrics_t *self, size_t *len);

#endif
