/* gateway_export: the LGPD rights on the web (access and portability,
 * erasure; docs/API.md, "LGPD"):
 *   POST /api/v1/me/export           a customer's session: their own data
 *                                    as a ZIP file (the session's person,
 *                                    never one the body names)
 *   POST /api/v1/desk/lgpd/export    {"person", "reason"} -> the ZIP
 *   POST /api/v1/desk/lgpd/erase     {"person", "reason", "confirm"}
 *                                    -> router ErasePerson, as JSON
 *   GET  /api/v1/desk/lgpd/audit     router ListErasures, as JSON
 * The export is lib/bc_export.c's (router, notify, kb, intake's files)
 * plus gateway.json, the portal account; it is written as a ZIP file in
 * memory (libarchive) and sent as a download. The router decides who may
 * (the desk's routes: admins) and audits every export and erasure. */
#ifndef GATEWAY_EXPORT_H
#define GATEWAY_EXPORT_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"
#include "gateway_store.h"

typedef struct gateway_export_t gateway_export_t;

/* Uses bus and store (not owned). NULL when out of memory. */
gateway_export_t *gateway_export_new (bc_config_t *config, gateway_bus_t *bus,
                                      gateway_store_t *store);
void gateway_export_destroy (gateway_export_t **self_p);

/* Answers the request when its path is this room's; false otherwise. */
bool gateway_export_route (gateway_export_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
