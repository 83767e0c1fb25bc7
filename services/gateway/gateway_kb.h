/* gateway_kb: the knowledge base as the portal shows it: /api/v1/kb/search,
 * /kb/suggest, /kb/articles/ID (and its feedback), /kb/deflection. kb
 * decides what each principal may see (visitors and customers: public
 * articles only).
 */
#ifndef GATEWAY_KB_H
#define GATEWAY_KB_H

#include "bc_config.h"
#include "gateway_bus.h"
#include "gateway_http.h"

typedef struct gateway_kb_t gateway_kb_t;

/* NULL after logging why. */
gateway_kb_t *gateway_kb_new (bc_config_t *config, gateway_bus_t *bus);
void gateway_kb_destroy (gateway_kb_t **self_p);

/* Answers the request when its path is one of this room's; false (and
 * *out untouched) otherwise. */
bool gateway_kb_route (gateway_kb_t *self, gateway_req_t *req, enum MHD_Result *out);

/* For the rooms that call kb (gateway_desk_kb.c too): calls kb as the
 * caller (req->principal); on success the reply's payload as `type` (free
 * it), else NULL with the error answer already sent in *out. */
ProtobufCMessage *gateway_kb_call (gateway_bus_t *bus, const gateway_req_t *req,
                                   const ProtobufCMessage *msg,
                                   const ProtobufCMessageDescriptor *type, enum MHD_Result *out);
/* 400 invalid saying why an id is not an article id (why: what
 * bc_article_id_check said; BC_ARTICLE_ID_OK reads as "missing"). */
enum MHD_Result gateway_kb_bad_id (const gateway_req_t *req, int why);
/* The article id that is the n bytes at path (one segment of an
 * unescaped URL) into id (BC_ARTICLE_ID_MAX_BYTES + 1 bytes): what
 * bc_article_id_check says of it (too long without copying). */
int gateway_kb_path_id (const char *path, size_t n, char *id);
/* kb's snippet (escaped text, the query's words in <mark>) as the API's
 * JSON string, the words in <b>. */
json_t *gateway_kb_snippet (const char *snippet);

#endif
