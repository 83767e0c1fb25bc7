/* bc_service_metrics: what the runtime tells Prometheus about every bus
 * service (bc_metrics.c serves it on <service>/metrics): requests answered
 * by type and outcome (counted once their batch commits), batch sizes, the time a
 * batch takes to apply and to commit, the log's head, each consumer's
 * position and lag behind its producer, events quarantined. Services add
 * their own numbers through bc_service_metrics (notify's outbox, the
 * router's SLA and open tickets). */
#include "bc_service_internal.h"

#include "bc_log.h"
#include "bc_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double s_size_buckets[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
static const double s_time_buckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                        0.05,   0.1,   0.2,   0.5,   1,    2};

void
bc_service_metrics_setup (bc_service_t *self)
{
    bc_metrics_t *m = self->metrics = bc_metrics_new (self->name);
    if (!m)
        return;
    bc_metrics_help (m, "balcao_requests_total", "counter",
                     "Requests answered, by message type and outcome (ok or the error code).");
    bc_metrics_help (m, "balcao_log_head_seq", "gauge", "The newest sequence number of this "
                                                        "service's own log.");
    bc_metrics_help (m, "balcao_log_first_seq", "gauge",
                     "The oldest sequence number still in this service's log (retention "
                     "prunes the ones before it).");
    bc_metrics_help (m, "balcao_log_pruned_events", "gauge",
                     "Events retention deleted from this service's log since it started.");
    bc_metrics_help (m, "balcao_consumer_applied_seq", "gauge",
                     "How far this service has applied each log it consumes (the sequence number "
                     "of the last event applied).");
    bc_metrics_help (m, "balcao_consumer_lag_events", "gauge",
                     "Events of each consumed log not applied yet (its producer's head, as last "
                     "heard, minus the position).");
    bc_metrics_help (m, "balcao_quarantined_events", "gauge",
                     "Events set aside because their handler could not apply them "
                     "(balcao quarantine).");
    /* Its _count is the number of transactions committed. */
    bc_metrics_histogram (m, "balcao_batch_inputs", "Requests and events per transaction.",
                          s_size_buckets, sizeof s_size_buckets / sizeof s_size_buckets[0]);
    bc_metrics_histogram (m, "balcao_batch_apply_seconds",
                          "Time to apply a transaction's inputs (handlers, before the commit).",
                          s_time_buckets, sizeof s_time_buckets / sizeof s_time_buckets[0]);
    bc_metrics_histogram (m, "balcao_commit_seconds", "Time of each LMDB commit (durable write).",
                          s_time_buckets, sizeof s_time_buckets / sizeof s_time_buckets[0]);
    /* <service>/metrics; by default the command port + 2 on loopback
     * (7103, 7113, 7123, 7133); "" turns it off. */
    char key[96], dflt[64] = "";
    snprintf (key, sizeof key, "%s/metrics", self->name);
    const char *cmd = bc_config_endpoint (self->config, self->name, "command");
    const char *colon = cmd ? strrchr (cmd, ':') : NULL;
    if (colon && atoi (colon + 1) > 0 && atoi (colon + 1) < 65534)
        snprintf (dflt, sizeof dflt, "127.0.0.1:%d", atoi (colon + 1) + 2);
    bc_metrics_listen (m, bc_config_str (self->config, key, dflt));
    bc_service_metrics_after_batch (self);
}

void
bc_service_metrics_destroy (bc_service_t *self)
{
    bc_metrics_destroy (&self->metrics);
}

bc_metrics_t *
bc_service_metrics (bc_service_t *self)
{
    return self ? self->metrics : NULL;
}

void
bc_service_metrics_batch (bc_service_t *self, int inputs, int64_t apply_us, int64_t commit_us)
{
    if (!self->metrics)
        return;
    for (int i = 0; i < self->ninputs; i++) {
        bc_input_t *in = &self->inputs[i];
        if (in->kind != BC_IN_REQUEST || !in->metric_type[0])
            continue;
        char labels[200];
        snprintf (labels, sizeof labels, "type=\"%s\",outcome=\"%s\"", in->metric_type,
                  in->metric_outcome);
        bc_metrics_add (self->metrics, "balcao_requests_total", labels, 1);
        in->metric_type[0] = 0;
    }
    bc_metrics_observe (self->metrics, "balcao_batch_inputs", inputs);
    bc_metrics_observe (self->metrics, "balcao_batch_apply_seconds", (double) apply_us / 1e6);
    bc_metrics_observe (self->metrics, "balcao_commit_seconds", (double) commit_us / 1e6);
}

void
bc_service_metrics_after_batch (bc_service_t *self)
{
    bc_metrics_t *m = self->metrics;
    if (!m)
        return;
    bc_metrics_set (m, "balcao_log_head_seq", "", (double) self->head_seq);
    bc_metrics_set (m, "balcao_log_first_seq", "", (double) self->first_seq);
    bc_metrics_set (m, "balcao_log_pruned_events", "", (double) self->pruned_total);
    bc_metrics_set (m, "balcao_quarantined_events", "", (double) self->quarantined);
    for (int i = 0; i < self->nsources; i++) {
        bc_source_t *src = &self->sources[i];
        char labels[120];
        snprintf (labels, sizeof labels, "source=\"%s\"", src->name);
        bc_metrics_set (m, "balcao_consumer_applied_seq", labels, (double) src->applied);
        bc_metrics_set (m, "balcao_consumer_lag_events", labels,
                        src->source_head > src->applied ? (double) (src->source_head - src->applied)
                                                        : 0);
    }
}
