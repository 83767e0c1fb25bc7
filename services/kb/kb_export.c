/* kb_export: kb's part of an LGPD export (docs/ARCHITECTURE.md, "LGPD:
 * export and erasure"): ExportConversations answers the bot's
 * conversations with a person, by their addresses or the tickets they
 * were handed off as. For admins and the web gateway. */
#include "kb_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
s_wanted (const Balcao__V1__ExportConversations *req, const MDB_val *k,
          const Balcao__V1__BotConversation *c)
{
    for (size_t i = 0; i < req->n_addresses; i++)
        if (strlen (req->addresses[i]) == k->mv_size
            && strncasecmp (req->addresses[i], k->mv_data, k->mv_size) == 0)
            return 1;
    for (size_t i = 0; c->ticket && i < req->n_tickets; i++)
        if (req->tickets[i] == c->ticket)
            return 1;
    return 0;
}

static int
s_export (void *state, bc_tx_t *tx, const bc_envelope_t *request,
          const ProtobufCMessage *payload, bc_reply_t *reply)
{
    (void) request;
    kb_t *self = state;
    const Balcao__V1__ExportConversations *req = (const Balcao__V1__ExportConversations *) payload;
    const char *who = bc_tx_principal (tx);
    if (strncmp (who, "admin:", 6) != 0 && strcmp (who, "service:gateway") != 0) {
        bc_reply_error (reply, "forbidden", "só administradores exportam conversas do robô",
                        "only admins export the bot's conversations");
        return 0;
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open (bc_tx_txn (tx), bc_service_dbi (self->svc, "bot_conv"), &cur);
    if (rc)
        return rc;
    Balcao__V1__BotConversation **list = NULL;
    size_t n = 0;
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        Balcao__V1__BotConversation *c =
            balcao__v1__bot_conversation__unpack (NULL, v.mv_size, v.mv_data);
        Balcao__V1__BotConversation **grown =
            c && s_wanted (req, &k, c) ? realloc (list, (n + 1) * sizeof *grown) : NULL;
        if (grown) {
            list = grown;
            list[n++] = c;
        } else if (c)
            balcao__v1__bot_conversation__free_unpacked (c, NULL);
    }
    mdb_cursor_close (cur);
    if (rc == MDB_NOTFOUND || rc == 0) {
        Balcao__V1__ConversationExport out = BALCAO__V1__CONVERSATION_EXPORT__INIT;
        out.conversations = list;
        out.n_conversations = n;
        bc_reply_ok (reply, &out.base);
        rc = 0;
    }
    for (size_t i = 0; i < n; i++)
        balcao__v1__bot_conversation__free_unpacked (list[i], NULL);
    free (list);
    return rc;
}

void
kb_export_register (kb_t *self)
{
    if (!self->is_replica)
        bc_service_on_command (self->svc, &balcao__v1__export_conversations__descriptor, 0,
                               s_export);
}
