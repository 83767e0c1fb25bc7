/* gateway_desk_admin: the dashboard's admin pages —
 *   GET  /api/v1/desk/settings            router GetSettings + ListCategories
 *   POST /api/v1/desk/settings            {"changes": {key: value}} -> UpdateSettings
 *   GET  /api/v1/desk/categories          router ListCategories
 *   POST /api/v1/desk/categories/ID       {name, name_en, priority, tier, procedure}
 *                                         -> SaveCategory
 *   POST /api/v1/desk/macros/ID           {name, name_en, text, text_en, category,
 *                                         priority, action} or {"remove": true} -> SaveMacro
 *   GET  /api/v1/desk/outbox?state=&limit= notify ListOutbox
 *   POST /api/v1/desk/outbox/ID/resend    notify ResendNotification
 * Staff sessions only; the router and notify decide who may (changing
 * settings, categories and macros, and resending: admins). */
#ifndef GATEWAY_DESK_ADMIN_H
#define GATEWAY_DESK_ADMIN_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_desk_admin_t gateway_desk_admin_t;

gateway_desk_admin_t *gateway_desk_admin_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_desk_admin_destroy (gateway_desk_admin_t **self_p);

/* Answers the request when its path is this room's; false otherwise. */
bool gateway_desk_admin_route (gateway_desk_admin_t *self, gateway_req_t *req,
                               enum MHD_Result *out);

#endif
