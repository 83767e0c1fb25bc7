/* bc_metrics: Prometheus text exposition of a service's numbers (see
 * bc_metrics.h). A flat table of series (family name, labels, value) and
 * of histograms, under one mutex; GET /metrics renders it grouped by
 * family, each family with its # HELP and # TYPE. */
#include "bc_metrics.h"

#include "bc_log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME_MAX 80
#define S_LABELS_MAX 200
#define S_MAX_BUCKETS 16

typedef struct {
    char name[S_NAME_MAX];
    char labels[S_LABELS_MAX];
    double value;
} s_series_t;

typedef struct {
    char name[S_NAME_MAX];
    char type[12];
    char *help;
} s_family_t;

typedef struct {
    char name[S_NAME_MAX];
    double bounds[S_MAX_BUCKETS];
    unsigned long long counts[S_MAX_BUCKETS];
    size_t n;
    unsigned long long count;
    double sum;
} s_histogram_t;

struct bc_metrics_t {
    char service[64];
    pthread_mutex_t lock;
    s_series_t *series;
    size_t n_series, cap_series;
    s_family_t *families;
    size_t n_families, cap_families;
    s_histogram_t *histograms;
    size_t n_histograms;
    struct MHD_Daemon *daemon;
    int port;
};

bc_metrics_t *
bc_metrics_new (const char *service)
{
    bc_metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->service, sizeof self->service, "%s", service);
    pthread_mutex_init (&self->lock, NULL);
    return self;
}

void
bc_metrics_destroy (bc_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bc_metrics_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    for (size_t i = 0; i < self->n_families; i++)
        free (self->families[i].help);
    free (self->families);
    free (self->series);
    free (self->histograms);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

/* ---- the table ---------------------------------------------------------- */

static s_series_t *
s_series (bc_metrics_t *self, const char *name, const char *labels)
{
    for (size_t i = 0; i < self->n_series; i++)
        if (strcmp (self->series[i].name, name) == 0
            && strcmp (self->series[i].labels, labels) == 0)
            return &self->series[i];
    if (self->n_series == self->cap_series) {
        size_t cap = self->cap_series ? self->cap_series * 2 : 64;
        s_series_t *more = realloc (self->series, cap * sizeof *more);
        if (!more)
            return NULL;
        self->series = more;
        self->cap_series = cap;
    }
    s_series_t *s = &self->series[self->n_series++];
    snprintf (s->name, sizeof s->name, "%s", name);
    snprintf (s->labels, sizeof s->labels, "%s", labels ? labels : "");
    s->value = 0;
    return s;
}

void
bc_metrics_help (bc_metrics_t *self, const char *name, const char *type, const char *help)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    size_t i = 0;
    while (i < self->n_families && strcmp (self->families[i].name, name) != 0)
        i++;
    if (i == self->n_families) {
        if (self->n_families == self->cap_families) {
            size_t cap = self->cap_families ? self->cap_families * 2 : 32;
            s_family_t *more = realloc (self->families, cap * sizeof *more);
            if (!more) {
                pthread_mutex_unlock (&self->lock);
                return;
            }
            self->families = more;
            self->cap_families = cap;
        }
        s_family_t *f = &self->families[self->n_families++];
        snprintf (f->name, sizeof f->name, "%s", name);
        snprintf (f->type, sizeof f->type, "%s", type);
        f->help = strdup (help);
    }
    pthread_mutex_unlock (&self->lock);
}

void
bc_metrics_add (bc_metrics_t *self, const char *name, const char *labels, double delta)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    s_series_t *s = s_series (self, name, labels ? labels : "");
    if (s)
        s->value += delta;
    pthread_mutex_unlock (&self->lock);
}

void
bc_metrics_set (bc_metrics_t *self, const char *name, const char *labels, double value)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    s_series_t *s = s_series (self, name, labels ? labels : "");
    if (s)
        s->value = value;
    pthread_mutex_unlock (&self->lock);
}

void
bc_metrics_histogram (bc_metrics_t *self, const char *name, const char *help,
                      const double *bounds, size_t n)
{
    if (!self)
        return;
    bc_metrics_help (self, name, "histogram", help);
    pthread_mutex_lock (&self->lock);
    s_histogram_t *more = realloc (self->histograms, (self->n_histograms + 1) * sizeof *more);
    if (more) {
        self->histograms = more;
        s_histogram_t *h = &more[self->n_histograms++];
        memset (h, 0, sizeof *h);
        snprintf (h->name, sizeof h->name, "%s", name);
        h->n = n < S_MAX_BUCKETS ? n : S_MAX_BUCKETS;
        memcpy (h->bounds, bounds, h->n * sizeof *bounds);
    }
    pthread_mutex_unlock (&self->lock);
}

void
bc_metrics_observe (bc_metrics_t *self, const char *name, double value)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    for (size_t i = 0; i < self->n_histograms; i++) {
        s_histogram_t *h = &self->histograms[i];
        if (strcmp (h->name, name) != 0)
            continue;
        for (size_t b = 0; b < h->n; b++)
            if (value <= h->bounds[b])
                h->counts[b]++;
        h->count++;
        h->sum += value;
        break;
    }
    pthread_mutex_unlock (&self->lock);
}

void
bc_metrics_label (const char *value, char *out, size_t size)
{
    size_t used = 0;
    for (const char *p = value ? value : ""; *p && used + 3 < size; p++) {
        if (*p == '"' || *p == '\\') {
            out[used++] = '\\';
            out[used++] = *p;
        }
        else if (*p == '\n') {
            out[used++] = '\\';
            out[used++] = 'n';
        }
        else if ((unsigned char) *p >= 0x20)
            out[used++] = *p;
    }
    out[used] = 0;
}

/* ---- the exposition ------------------------------------------------------ */

typedef struct {
    char *data;
    size_t len, cap;
} s_buf_t;

static void
s_printf (s_buf_t *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_printf (s_buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start (ap, fmt);
        int n = vsnprintf (b->data + b->len, b->cap - b->len, fmt, ap);
        va_end (ap);
        if (n < 0)
            return;
        if (b->len + (size_t) n < b->cap) {
            b->len += (size_t) n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t) n;
        char *more = realloc (b->data, cap);
        if (!more)
            return;
        b->data = more;
        b->cap = cap;
    }
}

/* Prometheus' float: integers without a fraction. */
static void
s_value (s_buf_t *b, double v)
{
    if (v == (double) (long long) v && v < 9e15 && v > -9e15)
        s_printf (b, "%lld\n", (long long) v);
    else
        s_printf (b, "%.9g\n", v);
}

static void
s_family_head (bc_metrics_t *self, s_buf_t *b, const char *name, const char *dflt_type)
{
    for (size_t i = 0; i < self->n_families; i++)
        if (strcmp (self->families[i].name, name) == 0) {
            s_printf (b, "# HELP %s %s\n# TYPE %s %s\n", name, self->families[i].help, name,
                      self->families[i].type);
            return;
        }
    s_printf (b, "# TYPE %s %s\n", name, dflt_type);
}

char *
bc_metrics_render (bc_metrics_t *self, size_t *len)
{
    s_buf_t b = {malloc (4096), 0, 4096};
    if (!b.data)
        return NULL;
    b.data[0] = 0;
    pthread_mutex_lock (&self->lock);
    /* Families in the order they were first seen, each one's series together. */
    for (size_t i = 0; i < self->n_series; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp (self->series[j].name, self->series[i].name) == 0;
        if (seen)
            continue;
        const char *name = self->series[i].name;
        size_t nlen = strlen (name);
        s_family_head (self, &b, name,
                       nlen > 6 && strcmp (name + nlen - 6, "_total") == 0 ? "counter" : "gauge");
        for (size_t j = i; j < self->n_series; j++) {
            s_series_t *s = &self->series[j];
            if (strcmp (s->name, name) != 0)
                continue;
            s_printf (&b, "%s{service=\"%s\"%s%s} ", s->name, self->service, *s->labels ? "," : "",
                      s->labels);
            s_value (&b, s->value);
        }
    }
    for (size_t i = 0; i < self->n_histograms; i++) {
        s_histogram_t *h = &self->histograms[i];
        s_family_head (self, &b, h->name, "histogram");
        for (size_t k = 0; k < h->n; k++)
            s_printf (&b, "%s_bucket{service=\"%s\",le=\"%g\"} %llu\n", h->name, self->service,
                      h->bounds[k], h->counts[k]);
        s_printf (&b, "%s_bucket{service=\"%s\",le=\"+Inf\"} %llu\n", h->name, self->service,
                  h->count);
        s_printf (&b, "%s_sum{service=\"%s\"} %.9g\n", h->name, self->service, h->sum);
        s_printf (&b, "%s_count{service=\"%s\"} %llu\n", h->name, self->service, h->count);
    }
    pthread_mutex_unlock (&self->lock);
    if (len)
        *len = b.len;
    return b.data;
}

/* ---- the listener -------------------------------------------------------- */

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void) version;
    (void) upload;
    (void) con_cls;
    bc_metrics_t *self = cls;
    struct MHD_Response *r;
    unsigned int status = MHD_HTTP_OK;
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        r = MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header (r, "Allow", "GET, HEAD");
    }
    else if (strcmp (url, "/metrics") != 0) {
        static const char nf[] = "only /metrics here\n";
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer (sizeof nf - 1, (void *) nf, MHD_RESPMEM_PERSISTENT);
    }
    else {
        size_t len = 0;
        char *text = bc_metrics_render (self, &len);
        r = MHD_create_response_from_buffer (text ? len : 0, text ? text : (void *) "",
                                             text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header (r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    }
    enum MHD_Result ret = MHD_queue_response (conn, status, r);
    MHD_destroy_response (r);
    return ret;
}

int
bc_metrics_listen (bc_metrics_t *self, const char *address)
{
    if (!address || !*address)
        return 0; /* off */
    const char *colon = strrchr (address, ':');
    char host[64];
    char *end = NULL;
    long port = colon ? strtol (colon + 1, &end, 10) : -1;
    if (!colon || (size_t) (colon - address) >= sizeof host || !end || *end || port < 0
        || port > 65535) {
        bc_warn ("event=metrics_off reason=\"bad address\" address=\"%s\" "
                 "hint=\"host:port, e.g. 127.0.0.1:7103\"",
                 address);
        return -1;
    }
    snprintf (host, sizeof host, "%.*s", (int) (colon - address), address);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (inet_pton (AF_INET, host, &sa.sin_addr) != 1) {
        bc_warn ("event=metrics_off reason=\"not an IPv4 address\" address=\"%s\"", address);
        return -1;
    }
    self->daemon = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                                     (uint16_t) port, NULL, NULL, s_answer, self,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
                                     MHD_OPTION_CONNECTION_LIMIT, 16u,
                                     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!self->daemon) {
        bc_warn ("event=metrics_off reason=\"cannot listen\" address=\"%s\" "
                 "hint=\"another process has the port? set %s/metrics\"",
                 address, self->service);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : (int) port;
    bc_info ("event=metrics_listening url=http://%s:%d/metrics", host, self->port);
    return 0;
}

int
bc_metrics_port (bc_metrics_t *self)
{
    return self ? self->port : 0;
}
