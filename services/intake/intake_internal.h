/* intake_internal: the intake service's state and the helpers its files
 * share (intake_server.c, intake_whatsapp.c). Not for other services. */
#ifndef INTAKE_INTERNAL_H
#define INTAKE_INTERNAL_H

#include "bc_service.h"
#include "intake_mail.h"

#include <lmdb.h>
#include <stdint.h>

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_seen, db_threads, db_meta;
    MDB_dbi db_attachments, db_attachment_refs, db_refused;
    const char *install;
    const char *domain;
    const char *ticket_tag; /* balcao/ticket_tag: "[Chamado #N]" */
    uint64_t max_file;      /* intake/max_attachment_bytes */
    uint64_t max_message;   /* intake/max_message_attachments_bytes */
    uint64_t max_raw;       /* balcao/max_message_size: a whole e-mail */
    char attach_root[4096]; /* <data_dir>/intake/attachments */
    char loop_tag[256]; /* the X-Loop notify writes: "balcao.<install>@<domain>" */
    intake_mail_site_t site;
    const char *submitters; /* intake/submitters: who may Submit ("*": anyone) */
} intake_t;

/* intake_erase.c: the router's PersonErased (LGPD). */
int intake_erase (intake_t *self, bc_tx_t *tx, const bc_envelope_t *ev);

/* True when principal matches one of the comma-separated patterns of
 * intake/submitters (a pattern ending in '*' matches every principal that
 * starts with the rest; "*" alone matches anyone). */
int intake_may_submit (const char *patterns, const char *principal);

/* The ticket message_id names (threads, or one of our own Message-IDs):
 * 0, MDB_NOTFOUND or an LMDB error. */
int intake_thread_lookup (intake_t *self, MDB_txn *txn, const char *message_id,
                          uint64_t *ticket);

/* Records message_id -> ticket (nothing for an empty id, ticket 0, or an id
 * over LMDB's key limit). */
int intake_thread_put (intake_t *self, MDB_txn *txn, const char *message_id, uint64_t ticket);

/* A WhatsApp message's sender (intake_whatsapp.c): from an address
 * "whatsapp:+<number>", the customer's identity in address (the Brazilian
 * ninth digit added, lib/bc_phone.h) and the number's digits as sent in
 * wa_id (BC_PHONE_MAX bytes); any other address copied, wa_id "".
 * address may be NULL (only wa_id wanted). */
void intake_whatsapp_sender (const char *from, char *address, size_t size, char *wa_id);

/* RecordWhatsAppStatus (intake_whatsapp.c). */
int intake_whatsapp_status (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                            const ProtobufCMessage *payload, bc_reply_t *reply);

/* The statuses of wamid that came before its ticket was known: on the log
 * again with ticket, and forgotten. */
int intake_whatsapp_pending (intake_t *self, bc_tx_t *tx, const char *wamid, uint64_t ticket);

#endif
