/* kb's parts share the service's state: kb_server.c (set-up, the router's
 * events, who may do what), kb_articles.c (articles and their versions),
 * kb_search.c (search, suggest, bot, gaps), kb_deflection.c (the portal's
 * deflection counters), kb_drafts.c (published articles' pending drafts)
 * and kb_tickets.c (tickets in
 * the index, similar tickets, recurring problems). */
#ifndef KB_INTERNAL_H
#define KB_INTERNAL_H

#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_keys.h"
#include "bc_service.h"
#include "kb_index.h"

typedef struct kb_bot_t kb_bot_t;

typedef struct {
    bc_service_t *svc;
    kb_bot_t *bot; /* the bot's conversations (kb_bot.c) */
    int is_replica; /* a read replica (kb_replica.c): no bot, no problems */
    int erase_compact_due; /* an erasure committed: compact the tickets' index */
    /* articles: every article (staff search); public: the published public
     * ones only, what customers search (no visibility filter to match,
     * statistics and spelling from what they may read); tickets. */
    kb_index_t *articles, *public, *tickets;
    bc_keys_t keys;
    MDB_dbi db_articles, db_versions, db_drafts, db_tickets, db_gaps, db_meta, db_deflection;
    MDB_dbi db_agent_orgs;  /* agent id -> the organizations they serve ("a; b") */
    MDB_dbi db_repack;      /* empty but while kb_tickets_repack runs */
    const char *restricted; /* router/access/restricted_organizations */
    double bot_threshold;     /* kb/bot/threshold */
    int recurring_min;        /* kb/recurring/min_tickets */
    int64_t recurring_window; /* kb/recurring/window_minutes, in µs */
    double recurring_similarity;
    const char *time_zone; /* the days gaps are counted in (bc_day) */
    int die_after_index_commit; /* BALCAO_KB_FAILPOINT=index_committed (tests) */
    /* kb/compact: an index is compacted when its files have grown by
     * growth percent since its last compaction (0: never) and take at
     * least min_bytes. */
    int compact_growth;
    uint64_t compact_min_bytes;
} kb_t;

/* Who the principal is: staff (agent, supervisor, admin, service) see
 * internal articles and tickets' notes, and may write articles. */
int kb_is_staff (const char *principal);
/* Keeps the organizations an agent serves (PersonChanged). */
int kb_agent_orgs_put (kb_t *self, MDB_txn *txn, const Balcao__V1__Person *person);

/* Articles (kb_articles.c). */
void kb_articles_register (kb_t *self);
/* The article's fields that are set are valid (else 0, the reason in
 * reply). */
int kb_article_check (const Balcao__V1__Article *a, bc_reply_t *reply);
/* The principal may write articles (else 0, reply forbidden). */
int kb_may_write (bc_tx_t *tx, bc_reply_t *reply);
void kb_article_not_found (bc_reply_t *reply, const char *id);
/* *next = cur with the set fields of in (tags when clear_tags or given).
 * Returns whether anything changed. next points into cur and in. */
int kb_article_apply (Balcao__V1__Article *next, const Balcao__V1__Article *cur,
                      const Balcao__V1__Article *in, int clear_tags);
/* The next version's number, author, time and change (no draft_author). */
void kb_article_bump (Balcao__V1__Article *a, bc_tx_t *tx, const char *change);
/* Stores a as the current version and in `versions`, indexes it, emits
 * ArticleChanged. Returns 0, an LMDB code or -1 (Xapian). */
int kb_article_save (kb_t *self, bc_tx_t *tx, Balcao__V1__Article *a);
/* The same without ArticleChanged: a read replica storing kb's version. */
int kb_article_replicate (kb_t *self, bc_tx_t *tx, Balcao__V1__Article *a);
/* kb_replica.c: makes this instance a read replica of kb (it reads kb's
 * log for the articles). Returns 0 or -1 (logged). */
int kb_replica_setup (kb_t *self);
/* Replies with a (rendering its html when with_html). */
void kb_article_reply (bc_reply_t *reply, Balcao__V1__Article *a, int with_html);

/* Pending drafts of published articles (kb_drafts.c). */
void kb_drafts_register (kb_t *self);
/* EditArticle with as_draft on a published article (or one with a draft):
 * saves the pending draft and replies; *is_draft says it did. Otherwise
 * nothing (the caller edits). Returns 0 or an LMDB code. */
int kb_drafts_edit (kb_t *self, bc_tx_t *tx, const Balcao__V1__EditArticle *req,
                    const Balcao__V1__Article *cur, bc_reply_t *reply, int *is_draft);
/* SetArticleStatus: "publicado" on an article with a pending draft
 * publishes the draft and replies (*is_done). Returns 0, an LMDB code or
 * -1 (Xapian). */
int kb_drafts_on_publish (kb_t *self, bc_tx_t *tx, const Balcao__V1__Article *cur,
                          const char *status, bc_reply_t *reply, int *is_done);
/* After a status-only version `a` (publish, unpublish): a draft made from
 * the version before is made from this one (its content is the same).
 * Returns 0 or an LMDB code. */
int kb_drafts_rebase (kb_t *self, MDB_txn *txn, const Balcao__V1__Article *a);
/* Sets cur->pending_draft (with html) when it has one; kb_drafts_detach
 * frees it. Returns 0 or an LMDB code. */
int kb_drafts_attach (kb_t *self, MDB_txn *txn, Balcao__V1__Article *cur);
void kb_drafts_detach (Balcao__V1__Article *cur);
/* Whether article id has a pending draft. */
int kb_drafts_exists (kb_t *self, MDB_txn *txn, const char *id);

/* An article's current version (NULL when there is none; free_unpacked it). */
Balcao__V1__Article *kb_article_get (kb_t *self, MDB_txn *txn, const char *id);
/* An article's Markdown as the HTML kb shows (Article.html, and
 * RenderMarkdown's preview: one path, so the preview is what is
 * published): cmark's safe mode. Free the result. */
char *kb_article_html (const char *markdown);
/* An article's body at most (and the Markdown a preview takes). */
#define KB_MAX_BODY (256 * 1024)

/* kb_catalog.c: ListArticles, ExportArticles, RenderMarkdown. */
void kb_catalog_register (kb_t *self);
/* An article id as bc_article_id_check takes it (kept as given: 1 to 128
 * characters, no control character, space or '\\'; '/' between parts). */
int kb_valid_article_id (const char *id);
/* Sets the reply to "invalid" with why id is not an article id. */
void kb_article_bad_id (bc_reply_t *reply, const char *id);
/* Article id's current version if principal may see it; otherwise NULL,
 * with the reply set to not_found (hidden looks like absent). */
Balcao__V1__Article *kb_article_visible (kb_t *self, MDB_txn *txn, const char *id,
                                         const char *principal, bc_reply_t *reply);
/* The portal's deflection counters (kb_deflection.c). */
void kb_deflection_register (kb_t *self);
/* The bot's counters (DeflectionCounts.bot_*): in the totals, the hour of
 * now_us and article's own (when given). Returns 0 or an LMDB code. */
enum { KB_BOT_ANSWERED = 3, KB_BOT_DEFLECTED = 4, KB_BOT_HANDED_OFF = 5 };
int kb_deflection_bot (kb_t *self, MDB_txn *txn, int outcome, const char *article, int64_t now_us);
/* Search, suggest, the bot and the gaps (kb_search.c). */
void kb_search_register (kb_t *self);
/* The bot's answer to question as principal may read (AskBot): the
 * hand-off rules, then the best article when it covers the question above
 * kb/bot/threshold; a knowledge gap when nothing does. answer's strings
 * are borrowed from article and excerpt: kb_bot_answer_free. Returns 0, an
 * LMDB code, or -1 with failed set (the index could not search). */
typedef struct {
    Balcao__V1__BotAnswer answer;
    Balcao__V1__Article *article;
    char *excerpt;
    kb_index_t *failed;
} kb_bot_answer_t;
int kb_bot_answer (kb_t *self, bc_tx_t *tx, const char *question, const char *principal,
                   kb_bot_answer_t *out);
void kb_bot_answer_free (kb_bot_answer_t *out);
/* Indexes every stored article again: into the index of every article,
 * the public one, or both (kb_server.c: after a change of term scheme).
 * Returns 0 or -1 (Xapian or LMDB). */
int kb_articles_reindex (kb_t *self, int into_all, int into_public);
/* Makes article id in index (the one of every article, or the public one)
 * what kb's record says: put, or deleted when there is none (or customers
 * may not read it). Returns 0, an LMDB code or -1 (Xapian). */
int kb_articles_repair (kb_t *self, MDB_txn *txn, kb_index_t *index, const char *id);
/* Tickets (kb_tickets.c). */
void kb_tickets_register (kb_t *self);
int kb_tickets_on_event (kb_t *self, bc_tx_t *tx, const bc_envelope_t *ev);
/* Indexes every ticket kb has a record of again. Returns 0 or -1. */
int kb_tickets_reindex (kb_t *self);
/* The same for ticket id (its number) in the tickets' index. */
int kb_tickets_repair (kb_t *self, MDB_txn *txn, const char *id);
/* Rewrites the tickets db with every page full (in this write
 * transaction: all or nothing). Returns 0 or an LMDB code; *pages_before
 * and *pages_after: its leaf and branch pages. */
int kb_tickets_repack (kb_t *self, MDB_txn *txn, size_t *pages_before, size_t *pages_after);
/* Stores kb's record of a ticket and indexes it again: 0, an LMDB code or
 * -1 (Xapian). */
int kb_ticket_put (kb_t *self, MDB_txn *txn, const Balcao__V1__KbTicket *t);
/* kb_erase.c: the router's PersonErased (LGPD); after the commit, the
 * tickets' index is compacted (so its free blocks keep nothing erased),
 * and at start when a crash cut that short. */
int kb_erase (kb_t *self, bc_tx_t *tx, const bc_envelope_t *ev);
void kb_erase_compact_if_due (kb_t *self, int at_start);
/* kb_search.c: a query's key in `gaps` from byte 4 on (folded, single
 * spaces, at most 200 bytes; the caller puts the day in bytes 0-3). Its
 * whole length, or 0 for a query with nothing to keep. */
#define KB_GAP_KEY_MAX (4 + 201)
size_t kb_gap_key (const char *query, unsigned char key[KB_GAP_KEY_MAX]);
/* kb_export.c: ExportConversations (LGPD export; not on a read replica). */
void kb_export_register (kb_t *self);

/* kb's record of a ticket (NULL when unknown; free_unpacked it). */
Balcao__V1__KbTicket *kb_ticket_get (kb_t *self, MDB_txn *txn, uint64_t number);
/* The same, or NULL with the reply set to not_found (for requests naming a
 * ticket): also when principal is an agent who may not see it (a
 * restricted organization they do not serve, as the router decides). */
Balcao__V1__KbTicket *kb_ticket_known (kb_t *self, MDB_txn *txn, const char *principal,
                                       uint64_t number, bc_reply_t *reply);

/* Calls fn with each record of dbi (in a read transaction of its own),
 * until fn returns non-zero. Returns that, 0, or -1 (LMDB). */
int kb_each_record (kb_t *self, MDB_dbi dbi, int (*fn) (kb_t *self, const MDB_val *value, void *arg),
                    void *arg);

/* What a handler returns when `index` failed: the Xapian database itself
 * failing (a DatabaseError: disk, corruption) is the store's failure, EIO,
 * which stops kb; anything else is about the input (bc_tx_fail: a request
 * gets an error, an event is quarantined). */
int kb_index_failed (bc_tx_t *tx, kb_index_t *index);

/* Stores a protobuf message under key. Returns 0 or an LMDB code. */
int kb_put_msg (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                const ProtobufCMessage *msg);

#endif
