/* router_bot: the router's side of the bot (kb_bot.c). A WhatsApp or web
 * chat message from a customer with no open ticket goes to the bot as a
 * BotTurn instead of opening a ticket (router/bot/enabled, on by default);
 * kb's BotHandoff comes back as the customer's ticket: categorized as the
 * customer chose, its first message their description, the conversation's
 * transcript as an internal note, and the conversation's address kept on
 * the ticket (a web chat's later messages join it). kb's ConversationEnded
 * marks a web chat's ticket: its visitor left. */
#include "router_internal.h"

#include "bc_log.h"
#include "bc_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_CONV_PREFIX "conv:"

static void
s_conv_key (const char *conversation, char *key, size_t size)
{
    snprintf (key, size, S_CONV_PREFIX "%s", conversation);
}

int
router_conversation_put (router_t *self, MDB_txn *txn, const char *conversation, uint64_t number)
{
    char key[400];
    s_conv_key (conversation, key, sizeof key);
    return bc_store_put_u64 (txn, self->db_by_ref, key, number);
}

Balcao__V1__Ticket *
router_conversation_ticket (router_t *self, MDB_txn *txn, const char *conversation, int *rc)
{
    char key[400];
    uint64_t number = 0;
    s_conv_key (conversation, key, sizeof key);
    *rc = bc_store_get_u64 (txn, self->db_by_ref, key, &number);
    if (*rc) {
        if (*rc == MDB_NOTFOUND)
            *rc = 0;
        return NULL;
    }
    Balcao__V1__Ticket *t = router_get_ticket (self, txn, number, rc);
    if (t && t->merged_into) {
        uint64_t into = t->merged_into;
        balcao__v1__ticket__free_unpacked (t, NULL);
        t = router_get_ticket (self, txn, into, rc);
    }
    if (*rc == MDB_NOTFOUND)
        *rc = 0;
    if (t && strcmp (t->status, "fechado") == 0) {
        /* Closed: the chat starts over with the bot. */
        balcao__v1__ticket__free_unpacked (t, NULL);
        t = NULL;
    }
    return t;
}

int
router_bot_turn (router_t *self, bc_tx_t *tx, const Balcao__V1__MessageReceived *mr)
{
    Balcao__V1__BotTurn out = BALCAO__V1__BOT_TURN__INIT;
    out.message_ref = mr->message_ref;
    out.channel = mr->channel;
    out.conversation = mr->from_address;
    out.from_name = mr->from_name;
    out.text = *mr->reply ? mr->reply : mr->body;
    out.language = mr->language;
    out.reply_id = mr->whatsapp && *mr->whatsapp->reply_id ? mr->whatsapp->reply_id : mr->reply_id;
    out.attachments = mr->attachments;
    out.n_attachments = mr->n_attachments;
    out.message_id = mr->message_id;
    out.contact_address = mr->contact_address;
    /* The catalog the bot offers before a hand-off: the router's own. */
    Balcao__V1__Category cats[9], *ptrs[9];
    int n = router_catalog_count (self->catalog);
    for (int i = 0; i < n && out.n_categories < 9; i++) {
        const router_category_t *c = router_catalog_at (self->catalog, i);
        if (strcmp (c->id, "geral") == 0)
            continue; /* triage's own ("a classificar"): the bot offers "Outro assunto" */
        Balcao__V1__Category *k = &cats[out.n_categories];
        balcao__v1__category__init (k);
        k->id = (char *) c->id;
        k->name = (char *) c->name;
        k->name_en = (char *) (c->name_en ? c->name_en : "");
        ptrs[out.n_categories++] = k;
    }
    out.categories = ptrs;
    bc_info ("event=bot_turn message_ref=%s channel=%s", mr->message_ref, mr->channel);
    return bc_tx_emit (tx, &out.base);
}

/* "14:02 Cliente: ..." lines, in the business time zone (the router's TZ). */
static char *
s_transcript (const Balcao__V1__BotHandoff *bh)
{
    int en = strncmp (bh->language, "en", 2) == 0;
    size_t size = 256;
    for (size_t i = 0; i < bh->n_transcript; i++)
        size += strlen (bh->transcript[i]->text) + 32;
    char *out = malloc (size);
    if (!out)
        return NULL;
    static const char *const reasons[][2] = {
        {"asked_for_person", "o cliente pediu para falar com uma pessoa"},
        {"upset", "o cliente parecia insatisfeito"},
        {"low_confidence", "a base de conhecimento não tinha uma resposta segura"},
        {"unhelpful", "duas respostas do assistente não resolveram"},
        {"chat_ended", "o visitante saiu do chat sem uma resposta"},
    };
    static const char *const reasons_en[] = {
        "the customer asked for a person", "the customer seemed upset",
        "the knowledge base had no confident answer", "two of the assistant's answers did not help",
        "the visitor left the chat without an answer"};
    const char *why = bh->reason;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp (bh->reason, reasons[i][0]) == 0)
            why = en ? reasons_en[i] : reasons[i][1];
    int used = snprintf (out, size,
                         en ? "Conversation with the virtual assistant (handed to a person: %s%s)."
                            : "Conversa com o assistente virtual (passada a uma pessoa: %s%s).",
                         why,
                         bh->after_hours ? (en ? "; outside business hours" : "; fora do horário de atendimento")
                                         : "");
    for (size_t i = 0; i < bh->n_transcript && used > 0 && (size_t) used < size; i++) {
        const Balcao__V1__BotLine *l = bh->transcript[i];
        time_t when = (time_t) (l->time_us / 1000000);
        struct tm tm;
        localtime_r (&when, &tm);
        char hhmm[8];
        strftime (hhmm, sizeof hhmm, "%H:%M", &tm);
        int is_bot = strcmp (l->who, "bot") == 0;
        used += snprintf (out + used, size - (size_t) used, "\n%s %s: %s", hhmm,
                          is_bot ? (en ? "Assistant" : "Assistente") : (en ? "Customer" : "Cliente"),
                          l->text);
    }
    return out;
}

/* A short subject from the description: its first line, at most about 70
 * bytes, cut at a space (never inside a UTF-8 character). */
static void
s_subject (const char *description, const char *language, char *out, size_t size)
{
    size_t n = strcspn (description, "\n");
    if (n == 0) {
        snprintf (out, size, "%s",
                  strncmp (language, "en", 2) == 0 ? "Conversation with the assistant"
                                                   : "Conversa com o assistente");
        return;
    }
    if (n > 70) {
        size_t cut = 70;
        while (cut > 30 && description[cut] != ' ')
            cut--;
        if (description[cut] != ' ')
            for (cut = 70; cut > 0 && ((unsigned char) description[cut] & 0xc0) == 0x80; cut--)
                ;
        n = cut;
    }
    snprintf (out, size, "%.*s%s", (int) n, description, n < strlen (description) ? "…" : "");
}

int
router_on_handoff (router_t *self, bc_tx_t *tx, const bc_envelope_t *ev,
                   const Balcao__V1__BotHandoff *bh)
{
    MDB_txn *txn = bc_tx_txn (tx);
    char ref[160];
    snprintf (ref, sizeof ref, "bot-%s", bh->handoff_id);
    uint64_t known = 0;
    int rc = bc_store_get_u64 (txn, self->db_by_ref, ref, &known);
    if (rc == 0) {
        bc_info ("event=handoff_again handoff=%s ticket=%llu", bh->handoff_id,
                 (unsigned long long) known);
        return 0;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    if (!*bh->conversation || !*bh->handoff_id) {
        bc_warn ("event=handoff_refused reason=\"no conversation\" event_id=%s", ev->id);
        return 0;
    }
    int is_chat = strcmp (bh->channel, "chat") == 0;
    char subject[128];
    s_subject (bh->description, bh->language, subject, sizeof subject);
    Balcao__V1__MessageReceived mr = BALCAO__V1__MESSAGE_RECEIVED__INIT;
    mr.message_ref = ref;
    mr.channel = is_chat ? "chat" : "whatsapp";
    mr.message_id = bh->message_id;
    /* The chat's own address: its ticket is found by it. */
    mr.from_address = is_chat ? bh->conversation : bh->customer_address;
    mr.contact_address = is_chat && strncmp (bh->customer_address, "chat:", 5) != 0
                             ? bh->customer_address
                             : "";
    mr.from_name = bh->customer_name;
    mr.subject = subject;
    mr.body = *bh->description ? bh->description : subject;
    mr.language = bh->language;
    mr.mail_class = "human";
    mr.category = bh->category;
    mr.attachments = bh->attachments;
    mr.n_attachments = bh->n_attachments;
    char *note = bh->is_followup ? NULL : s_transcript (bh);
    router_inbound_opts_t o = {
        .conversation = bh->conversation,
        .handoff_reason = bh->reason,
        .note = note,
        .no_bot = 1,
    };
    bc_tx_set_principal (tx, "system:bot");
    rc = router_inbound_message (self, tx, ev->time_us, &mr, &o);
    bc_info ("event=handoff handoff=%s channel=%s reason=%s category=%s followup=%d rc=%d",
             bh->handoff_id, bh->channel, bh->reason, bh->category, bh->is_followup ? 1 : 0, rc);
    free (note);
    return rc;
}

int
router_on_conversation_ended (router_t *self, bc_tx_t *tx,
                              const Balcao__V1__ConversationEnded *ce)
{
    MDB_txn *txn = bc_tx_txn (tx);
    int rc;
    Balcao__V1__Ticket *t = router_conversation_ticket (self, txn, ce->conversation, &rc);
    if (!t || t->chat_ended_us)
        goto done;
    t->chat_ended_us = bc_tx_now_us (tx);
    Balcao__V1__TicketFieldChanged ev = BALCAO__V1__TICKET_FIELD_CHANGED__INIT;
    ev.number = t->number;
    ev.field = "chat";
    ev.from_value = "ao_vivo";
    ev.to_value = "encerrado";
    ev.text = strncmp (t->language, "en", 2) == 0 ? "The visitor left the chat; answers go by e-mail."
                                                   : "O visitante saiu do chat; as respostas vão por e-mail.";
    ev.by = "system:bot";
    if ((rc = router_emit_for (self, tx, t->number, &ev.base)) == 0)
        rc = router_put_ticket (self, txn, t);
done:
    if (t)
        balcao__v1__ticket__free_unpacked (t, NULL);
    return rc;
}
