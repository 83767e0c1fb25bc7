/* notify_queue_whatsapp: the WhatsApp side of notify_server.c's queueing:
 * a WhatsApp ticket's number (from TicketCreated: the customer's identity,
 * lib/bc_phone.h), the number to reply to (as the customer's latest
 * message came, from intake's log: LMDB `wa_numbers`), and a notice queued
 * in the outbox as "<notification id>~wa": free text (the resolution as
 * reply buttons) inside the customer-service window, the kind's approved
 * template outside it. See docs/ARCHITECTURE.md, "WhatsApp out". */
#ifndef NOTIFY_QUEUE_WHATSAPP_H
#define NOTIFY_QUEUE_WHATSAPP_H

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_phone.h"
#include "bc_service.h"
#include "notify_outbox.h"
#include "notify_render.h"

typedef struct {
    int is_on;                     /* notify/whatsapp/phone_number_id is set */
    int64_t window_us;             /* notify/whatsapp/window_s */
    const char *template_language; /* notify/whatsapp/template_language */
    bc_config_t *cfg;              /* for notify/whatsapp/templates/<kind> */
    /* `wa_numbers`: a customer's identity (digits) -> the number their
     * latest WhatsApp message came from, when it differs (a Brazilian
     * mobile without its ninth digit). Set by notify_server.c. */
    MDB_dbi db_numbers;
} notify_queue_whatsapp_t;

/* Reads the settings (defaults at their point of use). */
void notify_queue_whatsapp_setup (notify_queue_whatsapp_t *self, bc_config_t *cfg);

/* The customer's number (its identity's digits, lib/bc_phone.h) of a
 * ticket that came by WhatsApp: its address "whatsapp:+<digits>", else its
 * first message's author. 0, or -1 (not a WhatsApp ticket, or no number in
 * it: logged). */
int notify_queue_whatsapp_number (const Balcao__V1__Ticket *t, char *out, size_t n);

/* A message from intake's log (MessageReceived): by WhatsApp, the number
 * it came from (whatsapp.wa_id) is where the customer's notices go from
 * now on (kept in db_numbers when it is not the identity itself). */
int notify_queue_whatsapp_heard (const notify_queue_whatsapp_t *self, MDB_txn *txn,
                                 const Balcao__V1__MessageReceived *mr);

/* The number to send to for a customer's number (identity or one stored
 * before it had the ninth digit): the one their latest message came from,
 * else number itself. out has BC_PHONE_MAX bytes. 0, or an LMDB error. */
int notify_queue_whatsapp_reply_to (const notify_queue_whatsapp_t *self, MDB_txn *txn,
                                    const char *number, char *out);

/* Queues the WhatsApp notice of mail (its whatsapp_number set, time_us the
 * transaction's) under "<id>~wa" unless it is there already (db_outbox).
 * Kinds without a WhatsApp notice, and WhatsApp off, queue nothing. */
int notify_queue_whatsapp (const notify_queue_whatsapp_t *self, notify_outbox_t *outbox,
                           bc_tx_t *tx, MDB_dbi db_outbox, const char *id,
                           const notify_mail_t *mail);

/* Queues the bot's answer (kb's BotReplied, its kb log seq) to a WhatsApp
 * customer as "k<seq>-bot~wa": text, reply buttons, or a list (the
 * categories). Always inside the window: the customer just wrote. Web
 * chat answers queue nothing (the gateway shows them). */
int notify_queue_whatsapp_bot (const notify_queue_whatsapp_t *self, notify_outbox_t *outbox,
                               bc_tx_t *tx, MDB_dbi db_outbox, uint64_t seq,
                               const Balcao__V1__BotReplied *r);

#endif
