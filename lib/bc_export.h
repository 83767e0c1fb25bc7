/* bc_export: an LGPD export (access and portability, art. 18, II and V)
 * assembled from every service that holds data about a person, as a set
 * of files (docs/ARCHITECTURE.md, "LGPD: export and erasure"):
 *   manifest.json   what came from where, the audit id, when, why, and
 *                   what is not in it
 *   router.json     the person's record, their tickets with every message
 *                   and rating (as the one who asks may read them), the
 *                   audit of earlier exports and erasures
 *   notify.json     the notifications sent about their tickets, as sent
 *   kb.json         the bot's conversations with them
 *   files/...       the files that came with their messages (intake)
 * plus the parts the caller adds (the gateway: the portal account). The
 * CLI writes them in a directory, the gateway in a ZIP file. Each service
 * decides what the one who asks may have; this only asks and writes. */
#ifndef BC_EXPORT_H
#define BC_EXPORT_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* A call to service: the reply's payload of type reply_type in *out (free
 * with protobuf_c_message_free_unpacked), 0; or non-zero with a sentence
 * for people in err. */
typedef int (bc_export_call_fn) (void *arg, const char *service, const ProtobufCMessage *req,
                                 const ProtobufCMessageDescriptor *reply_type,
                                 ProtobufCMessage **out, char *err, size_t err_size);
/* One file of the export (name relative, "files/..." for attachments). */
typedef int (bc_export_put_fn) (void *arg, const char *name, const void *data, size_t len);

typedef struct {
    const char *person;     /* "customer:<address>" */
    const char *reason;     /* audited ("" from the portal) */
    const char *asked_by;   /* for the manifest */
    json_t *extra_parts;    /* array of {"file", "service", "holds", "json"} or NULL */
    bc_export_call_fn *call;
    bc_export_put_fn *put;
    void *arg;
} bc_export_t;

/* 0, or non-zero with a sentence (pt-BR) in err. */
int bc_export_person (const bc_export_t *ex, char *err, size_t err_size);

/* A message as JSON: every non-empty field by its proto name; bytes as a
 * string when UTF-8, else {"base64": ...}. */
json_t *bc_export_json (const ProtobufCMessage *m);

#endif
