/* gateway_desk_kb: the knowledge at the agents' hand, for staff sessions
 * only (docs/API.md, "Dashboard: knowledge at hand"):
 *   GET  /api/v1/desk/tickets/N/similar     kb's articles and solved tickets
 *                                            like ticket N
 *   POST /api/v1/desk/tickets/N/article     a draft article from ticket N
 *   GET  /api/v1/desk/kb/articles           the editor's list (drafts and
 *                                            internal ones too), or a search
 *   POST /api/v1/desk/kb/articles           a new draft
 *   GET  /api/v1/desk/kb/articles/ID        one article with its versions
 *   POST /api/v1/desk/kb/articles/ID        save (a new version)
 *   POST /api/v1/desk/kb/articles/ID/publish|unpublish|revert
 *   POST /api/v1/desk/kb/preview            Markdown as kb renders it
 *   GET  /api/v1/desk/kb/gaps               searches that found nothing
 * Each is one or two kb requests made as the signed-in person: kb decides
 * who may (staff) and writes as that person. */
#ifndef GATEWAY_DESK_KB_H
#define GATEWAY_DESK_KB_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_desk_kb_t gateway_desk_kb_t;

gateway_desk_kb_t *gateway_desk_kb_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_desk_kb_destroy (gateway_desk_kb_t **self_p);

/* Answers the request when its path is one of this room's (desk/kb/…,
 * desk/tickets/N/similar, desk/tickets/N/article); false (and *out
 * untouched) otherwise. */
bool gateway_desk_kb_route (gateway_desk_kb_t *self, gateway_req_t *req, enum MHD_Result *out);

#endif
