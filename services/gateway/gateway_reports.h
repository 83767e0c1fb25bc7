/* gateway_reports: the dashboard's reports room, GET /api/v1/desk/reports
 * (?from=YYYY-MM-DD&to=YYYY-MM-DD&group_by=tier|category|agent|channel
 * &format=json|csv). The router decides who may read them (supervisors and
 * admins); kb adds the portal's deflection over the same period. */
#ifndef GATEWAY_REPORTS_H
#define GATEWAY_REPORTS_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_reports_t gateway_reports_t;

gateway_reports_t *gateway_reports_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_reports_destroy (gateway_reports_t **self_p);

/* Answers the request when its path is this room's; false otherwise. */
bool gateway_reports_route (gateway_reports_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
