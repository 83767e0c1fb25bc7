/* router_internal: what the router's own files share (not an API). The
 * router is split by job: router_server.c (tickets in LMDB, intake's
 * messages, reads, set-up), router_commands.c (lifecycle, classification,
 * escalation, rating), router_assign.c (people, queues, fair assignment),
 * router_desk.c (the dashboard's views), router_sla.c (SLA clocks,
 * auto-close, the alarm). */
#ifndef ROUTER_INTERNAL_H
#define ROUTER_INTERNAL_H

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_keys.h"
#include "bc_service.h"
#include "bc_calendar.h"
#include "router_catalog.h"
#include "router_lifecycle.h"
#include "router_macros.h"
#include "router_people.h"
#include "router_reply.h"
#include "router_reports.h"

typedef struct {
    bc_service_t *svc;
    MDB_dbi db_tickets, db_thread, db_ticket_log, db_meta, db_log, db_history;
    router_catalog_t *catalog;
    bc_calendar_t *calendar;
    router_macros_t *macros;
    Balcao__V1__Catalog *catalog_store; /* what catalog and macros borrow, once saved */
    router_people_dbs_t pdbs;
    MDB_dbi db_deadlines, db_by_customer, db_links, db_by_org, db_desk, db_by_ref;
    MDB_dbi db_report_cells, db_report_open, db_report_backlog;
    bc_keys_t keys;
    /* SLA targets in business seconds, per priority (baixa..urgente). */
    int64_t first_response_s[4], resolution_s[4];
    double warning;
    int breach_raises, breach_escalates;
    int auto_close_days, auto_remind_days; /* business days; 0: never */
    int64_t auto_close_s, auto_remind_s; /* instead, business seconds (config "30s") */
    int reopen_days; /* a closed ticket's customer writing within: reopens */
    int bot_enabled; /* router/bot/enabled: WhatsApp and chat without a ticket go to the bot */
    /* SLA warnings and breaches emitted by the running transaction: the
     * metrics count them once it commits (router_metrics_after_commit). */
    int sla_warned, sla_breached;
    int seeded, seed_ran; /* the config's people are in (router_people_seed) */
    int reports_ready, reports_ran; /* the reports' read model covers every ticket */
    int settings_loaded; /* the stored settings are laid over the config's */
    /* LGPD retention (router_lgpd_retention.c). */
    int64_t lgpd_after_us; /* closed tickets anonymised after; 0: never */
    int lgpd_due;          /* a sweep runs (its batches wake the next) */
    int lgpd_erased;       /* this sweep anonymised some: compact at its end */
} router_t;

/* router_reports.c: the reports' read model (router_put_ticket calls it
 * with the ticket stored before, NULL when new) and GetReport. */
int router_reports_changed (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *old,
                            const Balcao__V1__Ticket *t);
const char *router_reports_time_zone (router_t *self);
/* Once per store: a store made before the reports gets its read model from
 * its tickets' current states. */
int router_reports_seed (router_t *self, MDB_txn *txn);
void router_reports_register (bc_service_t *svc);

/* router_erase.c: LGPD erasure (ErasePerson, ListErasures). */
void router_erase_register (bc_service_t *svc);
typedef struct bc_scrub_t bc_scrub_t;
/* The common part of an erasure, once scrub knows the tickets (and, for a
 * person, their terms): the tickets and their messages scrubbed, follow-ups
 * unthreaded, the log, replies and history scrubbed, e (kind, subject_hash,
 * requested_by, reason, trigger set by the caller) audited as id,
 * PersonErased emitted (tickets_only without a person: only what is on
 * those tickets goes; touched and text_hashes from `touched`, may be
 * NULL), the store compacted after the commit. */
int router_erase_run (router_t *self, bc_tx_t *tx, bc_scrub_t *scrub, uint64_t id,
                      const char *person, Balcao__V1__Erasure *e,
                      const Balcao__V1__PersonErased *touched);
int router_erase_next_id (router_t *self, MDB_txn *txn, uint64_t *id, char *name, size_t size);
/* Stores an audit record (an erasure or an export) under id. */
int router_erase_audit (router_t *self, MDB_txn *txn, uint64_t id, const Balcao__V1__Erasure *e);
/* router_export.c: ExportPerson (LGPD access and portability). */
void router_export_register (bc_service_t *svc);
/* A ticket's customer address and name as terms, its messages' refs. */
int router_erase_learn_ticket (router_t *self, MDB_txn *txn, uint64_t number, bc_scrub_t *scrub);
/* router_lgpd_retention.c: closed tickets anonymised after
 * router/lgpd/anonymise_closed_after_days, by a timer. */
void router_lgpd_retention_setup (router_t *self);
int router_lgpd_retention_sweep (router_t *self, bc_tx_t *tx);

/* router_server.c: tickets in LMDB, shared checks */
int router_emit_for (router_t *self, bc_tx_t *tx, uint64_t number, const ProtobufCMessage *event);
int router_index_event (router_t *self, MDB_txn *txn, uint64_t number, uint64_t seq);
Balcao__V1__Ticket *router_get_ticket (router_t *self, MDB_txn *txn, uint64_t number, int *rc);
int router_is_agent (const char *principal);
/* 1 when principal is an agent who does not serve t's organization, one
 * the config restricts (router/access/restricted_organizations): to them
 * the ticket does not exist. */
int router_hides (router_t *self, MDB_txn *txn, const char *principal, const Balcao__V1__Ticket *t);
/* Supervisors and admins (router_assign.c). */
int router_is_supervisor (const char *principal);
int router_is_customer_of (const char *principal, const Balcao__V1__Ticket *t);
/* Who may read ticket t: 2 = all of it (the support team), 1 = its public
 * part (its customer, colleagues following their organization's tickets,
 * services with the read permission), 0 = nothing. */
int router_read_access (router_t *self, MDB_txn *txn, const char *principal, const Balcao__V1__Ticket *t);
int router_is_done (const char *status);
int router_put_thread (router_t *self, MDB_txn *txn, uint64_t number, uint32_t index, const Balcao__V1__TicketMessage *m);
int router_put_ticket (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t);
void router_set_string (char **field, const char *value);
int router_reply_tickets (bc_reply_t *reply, Balcao__V1__Ticket **list, size_t n, uint64_t total,
                          int rc);
Balcao__V1__Ticket *router_ticket_for_command (router_t *self, bc_tx_t *tx, uint64_t number, bc_reply_t *reply, int *rc);
int router_create_ticket (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, Balcao__V1__TicketMessage *m);
size_t router_name_key (const char *prefix, const char *name, uint64_t number, unsigned char *key, size_t size);
int router_name_index (MDB_txn *txn, MDB_dbi dbi, const char *prefix, const char *name, uint64_t number, int put);
int router_list_index (router_t *self, bc_tx_t *tx, MDB_dbi dbi, const char *kind, const char *name, uint64_t after, uint32_t limit, bc_reply_t *reply);
/* The consumer of intake's log (router_inbound.c): a customer's message
 * onto its ticket or a new one. */
int router_on_intake (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev);
/* How router_inbound_message treats a message beyond what it says: the
 * bot's hand-off (router_bot.c) opens the ticket with the conversation's
 * address, why it was handed off, the transcript as a note, never back to
 * the bot. */
typedef struct {
    const char *conversation;
    const char *handoff_reason;
    const char *note;
    int no_bot;
} router_inbound_opts_t;
int router_inbound_message (router_t *self, bc_tx_t *tx, int64_t time_us,
                            const Balcao__V1__MessageReceived *mr, const router_inbound_opts_t *o);
/* An internal note by system:bot on ticket number. */
int router_inbound_note (router_t *self, bc_tx_t *tx, uint64_t number, const char *text,
                         int64_t time_us, const char *ref);
/* A WhatsApp customer's newest ticket that is not merged, nor closed
 * unless with_closed. */
Balcao__V1__Ticket *router_open_ticket_of (router_t *self, MDB_txn *txn, const char *address,
                                           int with_closed, int *rc);
/* router_bot.c */
int router_bot_turn (router_t *self, bc_tx_t *tx, const Balcao__V1__MessageReceived *mr);
int router_conversation_put (router_t *self, MDB_txn *txn, const char *conversation,
                             uint64_t number);
Balcao__V1__Ticket *router_conversation_ticket (router_t *self, MDB_txn *txn,
                                                const char *conversation, int *rc);
int router_on_handoff (router_t *self, bc_tx_t *tx, const bc_envelope_t *ev,
                       const Balcao__V1__BotHandoff *bh);
int router_on_conversation_ended (router_t *self, bc_tx_t *tx,
                                  const Balcao__V1__ConversationEnded *ce);
int router_customer_org_changed (router_t *self, bc_tx_t *tx, const char *customer_id, const char *from, const char *to);

/* router_commands.c: lifecycle, writing, classification, macros, rating */
int router_change_field (router_t *self, bc_tx_t *tx, uint64_t number, const char *name, char **field, const char *value, const char *text);
int router_rate (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, uint32_t score, const char *comment);
int router_set_priority (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *priority, const char *text);
int router_change_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *to, const char *action, const char *text, const char *fix_reference);
void router_commands_register (bc_service_t *svc);
/* The common end of a command that changed t: store it and answer with it
 * (rc is what the change returned; nothing is stored after an error). */
int router_command_done (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, bc_reply_t *reply,
                         int rc);

/* router_reads.c: who may read a ticket; GetTicket, ListTickets, GetHistory */
void router_reads_register (bc_service_t *svc);
/* router_history.c: GetHistory, and what log retention keeps of it. */
void router_history_register (bc_service_t *svc);

/* router_moves.c: escalation, de-escalation, problem links, merges */
int router_link (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *p, Balcao__V1__Ticket *t);
int router_move_tier (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, Balcao__V1__TicketEscalated *ev);
void router_moves_register (bc_service_t *svc);

/* router_assign.c: people, queues and fair assignment */
int router_after_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from);
int router_assign_auto (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t);
int router_release (router_t *self, bc_tx_t *tx, const char *agent_id);
void router_assign_register (bc_service_t *svc);
int router_people_seed (router_t *self, bc_tx_t *tx);

/* router_sla.c: SLA clocks, auto-close and the alarm */
void router_after_commit (void *state);
int router_auto_close_schedule (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from);
int router_first_response (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now);
int router_sla_config (router_t *self, bc_config_t *config);
int64_t router_auto_close_at (router_t *self, int64_t now_us, int64_t *remind_us);
int router_sla_retime (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t);
int router_sla_start (router_t *self, MDB_txn *txn, Balcao__V1__Ticket *t, int64_t now);
int router_sla_status (router_t *self, bc_tx_t *tx, Balcao__V1__Ticket *t, const char *from);

/* router_desk.c: the dashboard's views (GetQueue, GetQueueCounts) */
/* Files ticket t under the views it belongs to now (router_put_ticket). */
int router_desk_index (router_t *self, MDB_txn *txn, const Balcao__V1__Ticket *t);
/* Indexes every ticket of a store from before the views, once. */
int router_desk_build (router_t *self, bc_tx_t *tx);
void router_desk_register (bc_service_t *svc);

/* router_catalog_edit.c: ListCategories, ListMacros, and the lists admins
 * save at run time (SaveCategory, SaveMacro), stored in the meta db and
 * laid in at the first batch (router_catalog_load). */
/* Every category's procedure is a macro (a macro naming a category that
 * is gone is refused when applied; SaveMacro checks the one it saves). */
int router_catalog_check (router_catalog_t *catalog, router_macros_t *macros, char *err,
                          size_t size);
int router_catalog_load (router_t *self, MDB_txn *txn);
void router_catalog_edit_register (bc_service_t *svc);

/* router_settings.c: settings admins change at run time (SLA targets,
 * working hours, holidays), laid over the config file's at the first batch
 * (router_settings_load) and at each UpdateSettings. */
int router_settings_load (router_t *self, MDB_txn *txn);
void router_settings_register (bc_service_t *svc);

/* router_feed.c: a person's view of the log (balcao tail) */
void router_feed_register (bc_service_t *svc);
/* router_server.c: the router's own Prometheus numbers after a commit (SLA
 * warnings and breaches, unresolved tickets per tier). */
void router_metrics_setup (router_t *self);
void router_metrics_after_commit (router_t *self);

#endif
