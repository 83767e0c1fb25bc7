/* bc_export: the LGPD export's assembly (see bc_export.h). */
#include "bc_export.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
s_utf8 (const uint8_t *p, size_t n)
{
    json_t *s = json_stringn ((const char *) p, n); /* NULL when not UTF-8 */
    json_decref (s);
    return s != NULL;
}

static json_t *
s_value (const ProtobufCFieldDescriptor *f, const void *at)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return json_integer (*(const int32_t *) at);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer (*(const uint32_t *) at);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer (*(const int64_t *) at);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return json_integer ((json_int_t) * (const uint64_t *) at);
    case PROTOBUF_C_TYPE_FLOAT:
        return json_real (*(const float *) at);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real (*(const double *) at);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean (*(const protobuf_c_boolean *) at);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *) at;
        return s ? json_string (s) : NULL;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = at;
        if (s_utf8 (b->data, b->len))
            return json_stringn ((const char *) b->data, b->len);
        size_t size = sodium_base64_ENCODED_LEN (b->len, sodium_base64_VARIANT_ORIGINAL);
        char *text = malloc (size);
        if (!text)
            return NULL;
        sodium_bin2base64 (text, size, b->data, b->len, sodium_base64_VARIANT_ORIGINAL);
        json_t *o = json_pack ("{s:s}", "base64", text);
        free (text);
        return o;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *) at;
        return m ? bc_export_json (m) : NULL;
    }
    }
    return NULL;
}

/* Whether a single field holds its default (left out). */
static int
s_empty (json_t *v)
{
    return !v || (json_is_string (v) && json_string_length (v) == 0)
           || (json_is_integer (v) && json_integer_value (v) == 0) || json_is_false (v)
           || (json_is_real (v) && json_real_value (v) == 0)
           || (json_is_object (v) && json_object_size (v) == 0);
}

static size_t
s_sizeof (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof (protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof (void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof (ProtobufCBinaryData);
    default:
        return 4;
    }
}

json_t *
bc_export_json (const ProtobufCMessage *m)
{
    json_t *o = json_object ();
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; o && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *at = (const char *) m + f->offset;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            && *(const uint32_t *) ((const char *) m + f->quantifier_offset) != f->id)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) ((const char *) m + f->quantifier_offset);
            if (!n)
                continue;
            const char *arr = *(char *const *) at;
            json_t *a = json_array ();
            for (size_t k = 0; k < n; k++) {
                json_t *v = s_value (f, arr + k * s_sizeof (f));
                if (v)
                    json_array_append_new (a, v);
            }
            json_object_set_new (o, f->name, a);
            continue;
        }
        json_t *v = s_value (f, at);
        if (s_empty (v))
            json_decref (v);
        else
            json_object_set_new (o, f->name, v);
    }
    return o;
}

/* ---- assembly ---- */

static int
s_put_json (const bc_export_t *ex, const char *name, json_t *doc)
{
    char *text = json_dumps (doc, JSON_INDENT (2) | JSON_SORT_KEYS);
    if (!text)
        return -1;
    int rc = ex->put (ex->arg, name, text, strlen (text));
    free (text);
    return rc;
}

static void
s_part (json_t *parts, const char *file, const char *service, const char *holds)
{
    json_array_append_new (parts,
                           json_pack ("{s:s, s:s, s:s}", "file", file, "service", service, "holds",
                                      holds));
}

static void
s_missing (json_t *missing, const char *service, const char *why)
{
    json_array_append_new (missing, json_pack ("{s:s, s:s}", "service", service, "why", why));
}

/* A file's name in the archive: files/<12 hex of its id>-<its name>,
 * the name's path separators and controls replaced. */
static void
s_file_name (const char *sha, const char *filename, char *out, size_t size)
{
    char safe[120];
    size_t n = 0;
    for (const char *p = filename && *filename ? filename : "arquivo"; *p && n + 1 < sizeof safe;
         p++)
        safe[n++] = (*p == '/' || *p == '\\' || (unsigned char) *p < 32) ? '_' : *p;
    safe[n] = 0;
    if (strcmp (safe, ".") == 0 || strcmp (safe, "..") == 0)
        snprintf (safe, sizeof safe, "arquivo");
    snprintf (out, size, "files/%.12s-%s", sha, safe);
}

/* The tickets, read one by one as the one who asks; their files. */
static int
s_tickets (const bc_export_t *ex, const Balcao__V1__PersonExport *pe, json_t *tickets,
           json_t *files, json_t *parts, json_t *missing)
{
    for (size_t i = 0; i < pe->n_tickets; i++) {
        Balcao__V1__GetTicket gt = BALCAO__V1__GET_TICKET__INIT;
        gt.number = pe->tickets[i];
        ProtobufCMessage *out = NULL;
        char err[512];
        if (ex->call (ex->arg, "router", &gt.base, &balcao__v1__ticket__descriptor, &out, err,
                      sizeof err)) {
            char why[600];
            snprintf (why, sizeof why, "chamado #%llu: %s", (unsigned long long) gt.number, err);
            s_missing (missing, "router", why);
            continue;
        }
        const Balcao__V1__Ticket *t = (const Balcao__V1__Ticket *) out;
        json_array_append_new (tickets, bc_export_json (out));
        for (size_t m = 0; m < t->n_messages; m++)
            for (size_t a = 0; a < t->messages[m]->n_attachments; a++) {
                const Balcao__V1__Attachment *at = t->messages[m]->attachments[a];
                if (json_object_get (files, at->sha256))
                    continue;
                char name[200], holds[200];
                s_file_name (at->sha256, at->filename, name, sizeof name);
                json_object_set_new (files, at->sha256, json_string (name));
                snprintf (holds, sizeof holds, "anexo do chamado #%llu",
                          (unsigned long long) t->number);
                Balcao__V1__GetAttachment ga = BALCAO__V1__GET_ATTACHMENT__INIT;
                ga.sha256 = at->sha256;
                ProtobufCMessage *data = NULL;
                if (ex->call (ex->arg, "intake", &ga.base, &balcao__v1__attachment_data__descriptor,
                              &data, err, sizeof err)) {
                    char why[800];
                    snprintf (why, sizeof why, "%s: %s", name, err);
                    s_missing (missing, "intake", why);
                    continue;
                }
                const Balcao__V1__AttachmentData *ad = (const Balcao__V1__AttachmentData *) data;
                int rc = ex->put (ex->arg, name, ad->content.data, ad->content.len);
                protobuf_c_message_free_unpacked (data, NULL);
                if (rc) {
                    protobuf_c_message_free_unpacked (out, NULL);
                    return rc;
                }
                s_part (parts, name, "intake", holds);
            }
        protobuf_c_message_free_unpacked (out, NULL);
    }
    return 0;
}

/* One service's part: its answer to req as file, or why it is missing. */
static int
s_service_part (const bc_export_t *ex, const char *service, const ProtobufCMessage *req,
                const ProtobufCMessageDescriptor *type, const char *file, const char *holds,
                json_t *parts, json_t *missing)
{
    char err[512];
    ProtobufCMessage *out = NULL;
    if (ex->call (ex->arg, service, req, type, &out, err, sizeof err)) {
        s_missing (missing, service, err);
        return 0;
    }
    json_t *doc = bc_export_json (out);
    int rc = s_put_json (ex, file, doc);
    json_decref (doc);
    protobuf_c_message_free_unpacked (out, NULL);
    s_part (parts, file, service, holds);
    return rc;
}

int
bc_export_person (const bc_export_t *ex, char *err, size_t err_size)
{
    Balcao__V1__ExportPerson req = BALCAO__V1__EXPORT_PERSON__INIT;
    req.person = (char *) ex->person;
    req.reason = (char *) (ex->reason ? ex->reason : "");
    ProtobufCMessage *out = NULL;
    if (ex->call (ex->arg, "router", &req.base, &balcao__v1__person_export__descriptor, &out, err,
                  err_size))
        return -1;
    const Balcao__V1__PersonExport *pe = (const Balcao__V1__PersonExport *) out;
    json_t *parts = json_array (), *missing = json_array (), *tickets = json_array (),
           *files = json_object ();
    int rc = s_tickets (ex, pe, tickets, files, parts, missing);
    json_t *router = json_object ();
    if (pe->person)
        json_object_set_new (router, "person", bc_export_json (&pe->person->base));
    json_object_set_new (router, "tickets", tickets);
    json_t *audits = json_array ();
    for (size_t i = 0; i < pe->n_audits; i++)
        json_array_append_new (audits, bc_export_json (&pe->audits[i]->base));
    json_object_set_new (router, "audits", audits);
    if (rc == 0)
        rc = s_put_json (ex, "router.json", router);
    s_part (parts, "router.json", "router",
            "cadastro, chamados com mensagens e avaliações, auditoria de exportações e "
            "anonimizações");
    json_decref (router);

    Balcao__V1__ExportNotifications en = BALCAO__V1__EXPORT_NOTIFICATIONS__INIT;
    en.tickets = pe->tickets;
    en.n_tickets = pe->n_tickets;
    if (rc == 0)
        rc = s_service_part (ex, "notify", &en.base, &balcao__v1__notification_export__descriptor,
                             "notify.json", "notificações enviadas (e-mail e WhatsApp)", parts,
                             missing);
    Balcao__V1__ExportConversations ec = BALCAO__V1__EXPORT_CONVERSATIONS__INIT;
    char *address = (char *) ex->person + 9;
    ec.addresses = &address;
    ec.n_addresses = 1;
    ec.tickets = pe->tickets;
    ec.n_tickets = pe->n_tickets;
    if (rc == 0)
        rc = s_service_part (ex, "kb", &ec.base, &balcao__v1__conversation_export__descriptor,
                             "kb.json", "conversas com o robô de atendimento", parts, missing);

    size_t i;
    json_t *p;
    json_array_foreach (ex->extra_parts, i, p) {
        if (rc)
            break;
        const char *file = json_string_value (json_object_get (p, "file"));
        rc = s_put_json (ex, file, json_object_get (p, "json"));
        s_part (parts, file, json_string_value (json_object_get (p, "service")),
                json_string_value (json_object_get (p, "holds")));
    }
    if (rc == 0) {
        char when[40];
        time_t now = time (NULL);
        strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime (&now));
        json_t *manifest = json_pack (
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "format", "balcao-lgpd-export/1",
            "person", ex->person, "generated_at", when, "asked_by",
            ex->asked_by ? ex->asked_by : "", "audit", pe->audit ? pe->audit->id : "",
            "reason", pe->audit ? pe->audit->reason : "", "parts", parts, "not_included",
            missing);
        parts = missing = NULL;
        rc = s_put_json (ex, "manifest.json", manifest);
        json_decref (manifest);
    }
    json_decref (parts);
    json_decref (missing);
    json_decref (files);
    protobuf_c_message_free_unpacked (out, NULL);
    if (rc)
        snprintf (err, err_size, "não foi possível gravar a exportação");
    return rc;
}
