/* gateway_reports: GET /api/v1/desk/reports — the router's report of a
 * period (GetReport, as the signed-in person: the router decides who may)
 * with kb's portal and bot deflection over the same period, as JSON for the
 * dashboard's report page or as CSV (format=csv, the same file as `balcao
 * report --csv`). */
#include "gateway_reports.h"

#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gateway_reports_t {
    gateway_bus_t *bus;
};

gateway_reports_t *
gateway_reports_new (bc_config_t *config, gateway_bus_t *bus)
{
    (void) config;
    gateway_reports_t *self = calloc (1, sizeof *self);
    if (self)
        self->bus = bus;
    return self;
}

void
gateway_reports_destroy (gateway_reports_t **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

static const char *
s_arg (const gateway_req_t *req, const char *name)
{
    const char *v = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

/* A percentage, or null when there was nothing to divide. */
static json_t *
s_pct (double v)
{
    return v < 0 ? json_null () : json_real (v);
}

static json_t *
s_counts_json (const Balcao__V1__ReportCounts *c)
{
    json_t *csat = json_array ();
    for (size_t i = 0; i < 5; i++)
        json_array_append_new (csat, json_integer ((json_int_t) (i < c->n_csat ? c->csat[i] : 0)));
    json_t *o = json_object ();
    json_object_set_new (o, "key", json_string (c->key ? c->key : ""));
    json_object_set_new (o, "created", json_integer ((json_int_t) c->created));
    json_object_set_new (o, "resolved", json_integer ((json_int_t) c->resolved));
    json_object_set_new (o, "closed", json_integer ((json_int_t) c->closed));
    json_object_set_new (o, "reopened", json_integer ((json_int_t) c->reopened));
    json_object_set_new (o, "first_responses", json_integer ((json_int_t) c->first_responses));
    json_object_set_new (o, "first_response_median_s",
                         c->first_responses ? json_integer (c->first_response_median_s)
                                            : json_null ());
    json_object_set_new (o, "first_response_p90_s",
                         c->first_responses ? json_integer (c->first_response_p90_s)
                                            : json_null ());
    json_object_set_new (o, "resolution_median_s",
                         c->resolved ? json_integer (c->resolution_median_s) : json_null ());
    json_object_set_new (o, "resolution_p90_s",
                         c->resolved ? json_integer (c->resolution_p90_s) : json_null ());
    json_object_set_new (o, "sla_met_pct", s_pct (c->sla_met_pct));
    json_object_set_new (o, "sla", json_pack ("{s:I, s:I, s:I, s:I}", "first_response_met",
                                              (json_int_t) c->first_response_met,
                                              "first_response_breached",
                                              (json_int_t) c->first_response_breached,
                                              "resolution_met", (json_int_t) c->resolution_met,
                                              "resolution_breached",
                                              (json_int_t) c->resolution_breached));
    json_object_set_new (o, "escalation_n1_n2_pct", s_pct (c->escalation_n1_n2_pct));
    json_object_set_new (o, "escalation_n2_n3_pct", s_pct (c->escalation_n2_n3_pct));
    json_object_set_new (o, "reopen_pct", s_pct (c->reopen_pct));
    json_object_set_new (o, "csat_count", json_integer ((json_int_t) c->csat_count));
    json_object_set_new (o, "csat_average",
                         c->csat_count ? json_real (c->csat_average) : json_null ());
    json_object_set_new (o, "csat", csat);
    return o;
}

/* kb's deflection over the report's period; null when kb does not answer
 * (the router's figures still come). */
static json_t *
s_deflection (gateway_reports_t *self, const gateway_req_t *req, const Balcao__V1__Report *r)
{
    Balcao__V1__GetDeflection gd = BALCAO__V1__GET_DEFLECTION__INIT;
    gd.from_us = r->from_us;
    gd.to_us = r->to_us;
    bc_envelope_t *reply = NULL;
    json_t *out = json_null ();
    if (gateway_bus_call (self->bus, "kb", req->principal, &gd.base, &reply) == BC_OK) {
        Balcao__V1__DeflectionCounts *c = (Balcao__V1__DeflectionCounts *) bc_envelope_payload (
            reply, &balcao__v1__deflection_counts__descriptor);
        if (c) {
            uint64_t ended = c->deflected + c->sent_after_opening;
            json_decref (out);
            out = json_pack ("{s:I, s:I, s:I, s:o}", "opened", (json_int_t) c->opened,
                             "deflected", (json_int_t) c->deflected, "sent_after_opening",
                             (json_int_t) c->sent_after_opening, "rate",
                             ended ? json_real (100.0 * (double) c->deflected / (double) ended)
                                   : json_null ());
            /* The bot's conversations (WhatsApp, web chat): solved without
             * a ticket, as the customer confirmed, out of those it ended. */
            uint64_t bot_ended = c->bot_deflected + c->bot_handed_off;
            json_object_set_new (
                out, "bot",
                json_pack ("{s:I, s:I, s:I, s:o}", "answered", (json_int_t) c->bot_answered,
                           "deflected", (json_int_t) c->bot_deflected, "handed_off",
                           (json_int_t) c->bot_handed_off, "rate",
                           bot_ended ? json_real (100.0 * (double) c->bot_deflected
                                                  / (double) bot_ended)
                                     : json_null ()));
            balcao__v1__deflection_counts__free_unpacked (c, NULL);
        }
    }
    bc_envelope_destroy (&reply);
    return out;
}

static enum MHD_Result
s_csv (const gateway_req_t *req, const Balcao__V1__Report *r)
{
    size_t len;
    char *text = bc_report_csv (r, &len);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer (len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free (text);
        return MHD_NO;
    }
    char disposition[128];
    snprintf (disposition, sizeof disposition, "attachment; filename=\"relatorio-%s-%s.csv\"",
              r->from_day, r->to_day);
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result out = MHD_queue_response (req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response (resp);
    return out;
}

static enum MHD_Result
s_report (gateway_reports_t *self, const gateway_req_t *req)
{
    const char *format = s_arg (req, "format");
    if (*format && strcmp (format, "csv") != 0 && strcmp (format, "json") != 0)
        return gateway_http_error (req->conn, MHD_HTTP_BAD_REQUEST, "invalid",
                                   "o formato é json (padrão) ou csv",
                                   "the format is json (the default) or csv");
    Balcao__V1__GetReport gr = BALCAO__V1__GET_REPORT__INIT;
    gr.from_day = (char *) s_arg (req, "from");
    gr.to_day = (char *) s_arg (req, "to");
    gr.group_by = (char *) s_arg (req, "group_by");
    bc_envelope_t *reply = NULL;
    int rc = gateway_bus_call (self->bus, "router", req->principal, &gr.base, &reply);
    if (rc != BC_OK) {
        enum MHD_Result out = gateway_http_bus_error (req->conn, rc, reply, "router");
        bc_envelope_destroy (&reply);
        return out;
    }
    Balcao__V1__Report *r =
        (Balcao__V1__Report *) bc_envelope_payload (reply, &balcao__v1__report__descriptor);
    bc_envelope_destroy (&reply);
    if (!r || !r->total) {
        if (r)
            balcao__v1__report__free_unpacked (r, NULL);
        return gateway_http_unexpected (req->conn, "router");
    }
    enum MHD_Result out;
    if (strcmp (format, "csv") == 0)
        out = s_csv (req, r);
    else {
        json_t *groups = json_array (), *backlog = json_array ();
        for (size_t i = 0; i < r->n_groups; i++)
            json_array_append_new (groups, s_counts_json (r->groups[i]));
        for (size_t i = 0; i < r->n_backlog; i++)
            json_array_append_new (backlog, json_pack ("{s:s, s:I}", "day", r->backlog[i]->day,
                                                       "open", (json_int_t) r->backlog[i]->open));
        json_t *body = json_pack ("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "from", r->from_day,
                                  "to", r->to_day, "group_by", r->group_by, "time_zone",
                                  r->time_zone, "total", s_counts_json (r->total), "groups",
                                  groups, "backlog", backlog, "deflection",
                                  s_deflection (self, req, r));
        out = gateway_http_json (req->conn, MHD_HTTP_OK, body, NULL, NULL);
    }
    balcao__v1__report__free_unpacked (r, NULL);
    return out;
}

bool
gateway_reports_route (gateway_reports_t *self, gateway_req_t *req, enum MHD_Result *out)
{
    if (!gateway_http_path (req, "desk/reports", NULL))
        return false;
    if (!gateway_http_staff_only (req, out))
        return true;
    *out = req->is_write ? gateway_http_error (req->conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                               "method_not_allowed",
                                               "os relatórios só se leem (GET)",
                                               "reports are only read (GET)")
                         : s_report (self, req);
    return true;
}
