/* kb_server: the knowledge base service. Set-up, the router's events, and
 * who may do what; the work is in kb_articles.c and kb_tickets.c.
 *
 * Exactly once across two stores. A batch's Xapian changes are one
 * transaction per index (kb_index_begin in before_batch), committed in
 * before_commit, before the LMDB transaction that holds the change (and the
 * router cursor); an aborted batch drops them (s_on_abort). Each committed
 * batch is numbered (meta "batch" in LMDB, and with its ids in each index it
 * changed): a crash between the two commits leaves an index one batch ahead
 * of LMDB, and kb takes those documents again from its records at start
 * (s_repair). Events and retried requests then apply again, and Xapian
 * documents are replaced by id term, so twice is harmless.
 *
 * LMDB (beside the runtime's): keys/key_of (people's CURVE keys, from the
 * router's PersonChanged), agent_orgs (the organizations each agent serves,
 * from the same events: kb_tickets.c hides restricted ones), articles, versions, drafts (kb_drafts.c), tickets, gaps, meta,
 * deflection (kb_deflection.c) (see
 * docs/ARCHITECTURE.md). Xapian: <data_dir>/kb/articles,
 * <data_dir>/kb/articles-public and <data_dir>/kb/tickets. */
#include "kb_server.h"
#include "kb_bot.h"

#include "bc_clock.h"
#include "bc_day.h"
#include "bc_log.h"
#include "kb_internal.h"
#include "kb_stopwords.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kb_dbs[] = {"keys",       "key_of",     "articles", "versions",
                              "drafts",     "tickets",    "gaps",     "meta",
                              "deflection", "agent_orgs", "bot_conv", "tickets_repack"};
const int kb_ndbs = 12;

static const char *const s_index_names[] = {"articles", "articles-public", "tickets"};

int
kb_is_staff (const char *principal)
{
    static const char *const kinds[] = {"agent:", "supervisor:", "admin:", "service:"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (principal && strncmp (principal, kinds[i], strlen (kinds[i])) == 0)
            return 1;
    return 0;
}

int
kb_put_msg (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size (msg);
    MDB_val k = {klen, (void *) key}, v = {len, NULL};
    int rc = mdb_put (txn, dbi, &k, &v, MDB_RESERVE);
    if (rc == 0)
        protobuf_c_message_pack (msg, v.mv_data);
    return rc;
}

static int
s_on_router (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    kb_t *self = state;
    if (bc_envelope_is (ev, &balcao__v1__person_erased__descriptor))
        return kb_erase (self, tx, ev);
    if (bc_envelope_is (ev, &balcao__v1__person_changed__descriptor)) {
        /* Agents search with their own key (balcao login): admit it here too. */
        Balcao__V1__PersonChanged *pc = (Balcao__V1__PersonChanged *) bc_envelope_payload (
            ev, &balcao__v1__person_changed__descriptor);
        int rc = pc && pc->person ? bc_keys_on_person (&self->keys, bc_tx_txn (tx), pc->person) : 0;
        if (rc == 0 && pc && pc->person)
            rc = kb_agent_orgs_put (self, bc_tx_txn (tx), pc->person);
        if (pc)
            balcao__v1__person_changed__free_unpacked (pc, NULL);
        return rc;
    }
    if (self->is_replica && (bc_envelope_is (ev, &balcao__v1__bot_turn__descriptor)
                             || bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)))
        /* The bot's conversations are kb's alone (they answer customers). */
        return bc_envelope_is (ev, &balcao__v1__bot_turn__descriptor)
                   ? 0
                   : kb_tickets_on_event (self, tx, ev);
    if (bc_envelope_is (ev, &balcao__v1__bot_turn__descriptor)) {
        Balcao__V1__BotTurn *t = (Balcao__V1__BotTurn *) bc_envelope_payload (
            ev, &balcao__v1__bot_turn__descriptor);
        int rc = t ? kb_bot_on_turn (self->bot, tx, t) : 0;
        if (t)
            balcao__v1__bot_turn__free_unpacked (t, NULL);
        return rc;
    }
    if (bc_envelope_is (ev, &balcao__v1__ticket_created__descriptor)) {
        Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
            ev, &balcao__v1__ticket_created__descriptor);
        int rc = tc ? kb_bot_on_ticket (self->bot, tx, tc->ticket) : 0;
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
        if (rc)
            return rc;
    }
    return kb_tickets_on_event (self, tx, ev);
}

static void
s_after_commit (void *state)
{
    kb_erase_compact_if_due (state, 0);
}

/* The three indexes, in s_index_names' order. */
static void
s_indexes (kb_t *self, kb_index_t *indexes[3])
{
    indexes[0] = self->articles;
    indexes[1] = self->public;
    indexes[2] = self->tickets;
}

static int
s_before_batch (void *state, bc_tx_t *tx)
{
    (void) tx;
    kb_index_t *indexes[3];
    s_indexes (state, indexes);
    for (int i = 0; i < 3; i++)
        kb_index_begin (indexes[i]);
    return 0;
}

static void
s_on_abort (void *state)
{
    kb_index_t *indexes[3];
    s_indexes (state, indexes);
    for (int i = 0; i < 3; i++)
        kb_index_cancel (indexes[i]);
}

/* Numbers the batch when it changed an index, in LMDB and in each index it
 * changed, then commits the indexes. */
static int
s_before_commit (void *state, bc_tx_t *tx)
{
    kb_t *self = state;
    kb_index_t *indexes[3];
    s_indexes (self, indexes);
    int changed = 0;
    for (int i = 0; i < 3; i++)
        changed |= kb_index_changed (indexes[i]);
    uint64_t batch = 0;
    if (changed) {
        int rc = bc_store_get_u64 (bc_tx_txn (tx), self->db_meta, "batch", &batch);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        if ((rc = bc_store_put_u64 (bc_tx_txn (tx), self->db_meta, "batch", ++batch)))
            return rc;
    }
    for (int i = 0; i < 3; i++)
        if ((kb_index_changed (indexes[i]) && kb_index_mark (indexes[i], batch))
            || kb_index_commit (indexes[i])) {
            bc_error ("event=index_commit_failed index=%s reason=\"%s\"", s_index_names[i],
                      kb_index_error (indexes[i]));
            /* A DatabaseError stops kb; anything else the runtime pins on
             * one input by running the batch again one input at a time. */
            return kb_index_failed (tx, indexes[i]);
        }
    if (changed && self->die_after_index_commit) {
        /* Tests: as a kill -9 between the two commits would. */
        bc_warn ("event=failpoint name=index_committed batch=%llu", (unsigned long long) batch);
        raise (SIGKILL);
    }
    return 0;
}

/* An index one batch ahead of LMDB (committed, then kb stopped before LMDB
 * did): the documents that batch touched are taken again from kb's records.
 * Returns 0 or -1 (logged). */
static int
s_repair (kb_t *self)
{
    MDB_txn *txn;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return -1;
    uint64_t committed = 0;
    int rc = bc_store_get_u64 (txn, self->db_meta, "batch", &committed);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    kb_index_t *indexes[3];
    s_indexes (self, indexes);
    for (int i = 0; i < 3 && !rc; i++) {
        uint64_t marked = 0;
        char *ids = kb_index_marked (indexes[i], &marked);
        if (!ids) {
            rc = -1;
            break;
        }
        if (marked > committed) {
            int n = 0;
            for (char *id = ids; !rc && *id; n++) {
                char *end = id + strcspn (id, "\n");
                int is_last = *end == 0;
                *end = 0;
                rc = indexes[i] == self->tickets ? kb_tickets_repair (self, txn, id)
                                                 : kb_articles_repair (self, txn, indexes[i], id);
                id = is_last ? end : end + 1;
            }
            if (!rc && (kb_index_mark (indexes[i], committed) || kb_index_commit (indexes[i])))
                rc = -1;
            if (!rc)
                bc_warn ("event=index_repaired index=%s batch=%llu committed=%llu documents=%d",
                         s_index_names[i], (unsigned long long) marked,
                         (unsigned long long) committed, n);
        }
        free (ids);
        if (rc)
            bc_error ("event=index_repair_failed index=%s reason=\"%s\"", s_index_names[i],
                      rc == -1 ? kb_index_error (indexes[i]) : mdb_strerror (rc));
    }
    mdb_txn_abort (txn);
    return rc ? -1 : 0;
}

/* The alarm after the tickets' index was compacted: kb's records of the
 * tickets packed too (kb_tickets_repack), in a batch of their own. */
static int
s_repack_alarm (void *state, bc_tx_t *tx)
{
    kb_t *self = state;
    size_t before = 0, after = 0;
    int64_t started = bc_mono_ms ();
    int rc = kb_tickets_repack (self, bc_tx_txn (tx), &before, &after);
    if (rc == MDB_MAP_FULL)
        return rc; /* the runtime grows the map and runs the batch again */
    if (rc)
        /* Space only: the batch goes on without it (the alarm is dropped),
         * and the next compaction tries again. */
        return bc_tx_fail (tx, "tickets_repack: %s", mdb_strerror (rc));
    bc_info ("event=tickets_repacked pages_before=%zu pages_after=%zu ms=%lld", before, after,
             (long long) (bc_mono_ms () - started));
    return 0;
}

/* Compacts index (kb_index_compact) when its files have grown by
 * kb/compact/growth percent since it was last compacted (or it never was)
 * and take at least kb/compact/min_kb. Between batches: at start, and on
 * the kb/compact/check_s timer. Searches wait meanwhile: about 0.1 s per
 * 20,000 tickets (docs/ARCHITECTURE.md, kb). */
static void
s_compact_if_grown (kb_t *self, kb_index_t *index, const char *name)
{
    if (self->compact_growth <= 0)
        return;
    uint64_t bytes = kb_index_bytes (index), last = kb_index_compacted_bytes (index);
    if (bytes < self->compact_min_bytes || bytes <= last + last / 100 * self->compact_growth)
        return;
    int64_t started = bc_mono_ms ();
    if (kb_index_compact (index)) {
        bc_error ("event=index_compact_failed index=%s reason=\"%s\"", name,
                  kb_index_error (index));
        return;
    }
    bc_info ("event=index_compacted index=%s bytes_before=%llu bytes_after=%llu documents=%llu "
             "ms=%lld",
             name, (unsigned long long) bytes, (unsigned long long) kb_index_bytes (index),
             (unsigned long long) kb_index_count (index), (long long) (bc_mono_ms () - started));
    if (kb_index_warm (index))
        bc_warn ("event=index_warm_failed reason=\"%s\"", kb_index_error (index));
    if (index == self->tickets)
        bc_service_alarm (self->svc, bc_now_us (), s_repack_alarm);
}

static void
s_compact_timer (void *state)
{
    kb_t *self = state;
    kb_index_t *indexes[3];
    s_indexes (self, indexes);
    for (int i = 0; i < 3; i++)
        s_compact_if_grown (self, indexes[i], s_index_names[i]);
}

/* Stopwords (kb/stopwords: a file; default the list built in), synonyms
 * (kb/synonyms: word = "other, other words") and field weights. */
static int
s_configure (kb_index_t *index, bc_config_t *config)
{
    const char *path = bc_config_str (config, "kb/stopwords", NULL);
    char *text = path && *path ? bc_read_file (path) : NULL;
    if (path && *path && !text) {
        bc_error ("event=stopwords_unreadable path=%s", path);
        return -1;
    }
    kb_index_set_stopwords (index, text ? text : kb_stopwords_default);
    free (text);
    const char *names[256];
    int n = bc_config_children (config, "kb/synonyms", names, 256);
    for (int i = 0; i < n; i++) {
        char key[300], group[2048];
        snprintf (key, sizeof key, "kb/synonyms/%s", names[i]);
        snprintf (group, sizeof group, "%s, %s", names[i], bc_config_str (config, key, ""));
        kb_index_add_synonyms (index, group);
    }
    kb_index_set_weights (index, (int) bc_config_int (config, "kb/weights/title", 3),
                          (int) bc_config_int (config, "kb/weights/tags", 2),
                          (int) bc_config_int (config, "kb/weights/body", 1));
    return 0;
}

static kb_index_t *
s_open (bc_service_t *svc, const char *name)
{
    char path[4096], err[512];
    snprintf (path, sizeof path, "%s/%s", bc_service_dir (svc), name);
    kb_index_t *index = kb_index_open (path, err, sizeof err);
    if (!index) {
        bc_error ("event=index_open_failed path=%s reason=\"%s\"", path, err);
        return NULL;
    }
    if (s_configure (index, bc_service_config (svc))) {
        kb_index_close (&index);
        return NULL;
    }
    return index;
}

int
kb_each_record (kb_t *self, MDB_dbi dbi, int (*fn) (kb_t *self, const MDB_val *value, void *arg),
                void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin (bc_store_env (bc_service_store (self->svc)), NULL, MDB_RDONLY, &txn))
        return -1;
    if (mdb_cursor_open (txn, dbi, &cur)) {
        mdb_txn_abort (txn);
        return -1;
    }
    int rc = 0;
    MDB_val k, v;
    for (int op = MDB_FIRST; !rc && mdb_cursor_get (cur, &k, &v, op) == 0; op = MDB_NEXT)
        rc = fn (self, &v, arg);
    mdb_cursor_close (cur);
    mdb_txn_abort (txn);
    return rc;
}

/* Whether index was built under another term scheme than its settings'
 * (or says none: new, or from before schemes); if so, empties it. */
static int
s_is_stale (kb_index_t *index, const char *name, int *failed)
{
    char *had = kb_index_scheme (index), *want = kb_index_scheme_wanted (index);
    int is_stale = strcmp (had, want) != 0;
    if (is_stale) {
        bc_info ("event=index_rebuild index=%s had=\"%s\" want=\"%s\" documents=%llu", name, had,
                 want, (unsigned long long) kb_index_count (index));
        if (kb_index_clear (index))
            *failed = 1;
    }
    free (had);
    free (want);
    return is_stale;
}

/* Rebuilds from kb's own records (LMDB) every index whose term scheme
 * changed: an upgrade, or new stopwords or weights in the config. Returns 0
 * or -1 (logged). */
static int
s_rebuild_stale (kb_t *self)
{
    int failed = 0;
    int articles = s_is_stale (self->articles, "articles", &failed);
    int public = s_is_stale (self->public, "articles-public", &failed);
    int tickets = s_is_stale (self->tickets, "tickets", &failed);
    if (!failed && (articles || public) && kb_articles_reindex (self, articles, public))
        failed = 1;
    if (!failed && tickets && kb_tickets_reindex (self))
        failed = 1;
    kb_index_t *indexes[3];
    s_indexes (self, indexes);
    int stale[] = {articles, public, tickets};
    for (int i = 0; i < 3 && !failed; i++) {
        if (!stale[i])
            continue;
        char *want = kb_index_scheme_wanted (indexes[i]);
        if (kb_index_set_scheme (indexes[i], want) || kb_index_commit (indexes[i]))
            failed = 1;
        else
            bc_info ("event=index_rebuilt index=%s documents=%llu", s_index_names[i],
                     (unsigned long long) kb_index_count (indexes[i]));
        free (want);
    }
    if (failed)
        bc_error ("event=index_rebuild_failed reason=\"%s / %s / %s\"",
                  kb_index_error (self->articles), kb_index_error (self->public),
                  kb_index_error (self->tickets));
    return failed ? -1 : 0;
}

void *
kb_server_setup (bc_service_t *svc)
{
    kb_t *self = calloc (1, sizeof *self);
    self->svc = svc;
    self->articles = s_open (svc, "articles");
    self->public = self->articles ? s_open (svc, "articles-public") : NULL;
    self->tickets = self->public ? s_open (svc, "tickets") : NULL;
    if (!self->tickets) {
        kb_index_close (&self->articles);
        kb_index_close (&self->public);
        free (self);
        return NULL;
    }
    kb_index_set_spelling (self->articles, 1);
    kb_index_set_spelling (self->public, 1);
    bc_config_t *config = bc_service_config (svc);
    self->db_articles = bc_service_dbi (svc, "articles");
    self->db_versions = bc_service_dbi (svc, "versions");
    self->db_drafts = bc_service_dbi (svc, "drafts");
    self->db_tickets = bc_service_dbi (svc, "tickets");
    self->db_gaps = bc_service_dbi (svc, "gaps");
    self->db_meta = bc_service_dbi (svc, "meta");
    self->db_deflection = bc_service_dbi (svc, "deflection");
    self->db_agent_orgs = bc_service_dbi (svc, "agent_orgs");
    self->db_repack = bc_service_dbi (svc, "tickets_repack");
    /* Packed after an index compaction (s_repack_alarm), and when sparse. */
    bc_service_repack (svc, "tickets", "tickets_repack");
    /* The router's rule, from the same file (router_hides). */
    self->restricted = bc_config_str (config, "router/access/restricted_organizations", "");
    /* Gaps are counted per business day: the support team's time zone. */
    self->time_zone = bc_config_str (
        config, "kb/time_zone",
        bc_config_str (config, "router/calendar/timezone", "America/Sao_Paulo"));
    bc_day_set_zone (self->time_zone);
    const char *failpoint = getenv ("BALCAO_KB_FAILPOINT");
    self->die_after_index_commit = failpoint && strcmp (failpoint, "index_committed") == 0;
    /* Calibrated on FaQuAD (docs/benchmarks.md). */
    self->bot_threshold = atof (bc_config_str (config, "kb/bot/threshold", "0.75"));
    self->recurring_min = (int) bc_config_int (config, "kb/recurring/min_tickets", 5);
    self->recurring_window =
        bc_config_int (config, "kb/recurring/window_minutes", 60) * 60 * 1000000LL;
    self->recurring_similarity =
        atof (bc_config_str (config, "kb/recurring/similarity", "0.3"));
    bc_keys_attach (&self->keys, svc);
    bc_service_consume (svc, "router", s_on_router);
    if (bc_service_is_read_replica (svc) && kb_replica_setup (self)) {
        kb_index_close (&self->articles);
        kb_index_close (&self->public);
        kb_index_close (&self->tickets);
        free (self);
        return NULL;
    }
    bc_service_hooks (svc, s_before_batch, s_before_commit, s_after_commit);
    bc_service_on_abort (svc, s_on_abort);
    /* Each Xapian commit syncs several files: index in larger batches. */
    bc_service_set_batch_delay (svc, (int) bc_config_int (config, "kb/batch_delay_ms", 200));
    /* ...but a customer waits for the bot's answer. */
    bc_service_set_urgent (svc, &balcao__v1__bot_turn__descriptor);
    /* A search waits behind the batch being applied: at most 256 events,
     * about 0.2 s of indexing in a burst (docs/benchmarks.md). */
    bc_service_set_batch_max (svc, (int) bc_config_int (config, "kb/batch_max", 256));
    self->compact_growth = (int) bc_config_int (config, "kb/compact/growth", 50);
    self->compact_min_bytes = (uint64_t) bc_config_int (config, "kb/compact/min_kb", 1024) * 1024;
    int64_t check_s = bc_config_int (config, "kb/compact/check_s", 60);
    bc_service_every (svc, (int) (check_s > 0 ? check_s : 1) * 1000, s_compact_timer);
    kb_articles_register (self);
    kb_drafts_register (self);
    kb_tickets_register (self);
    kb_export_register (self);
    kb_deflection_register (self);
    self->bot = kb_bot_new (self);
    if (!self->bot || s_rebuild_stale (self) || s_repair (self)) {
        kb_server_teardown (self);
        return NULL;
    }
    /* The first customer after a start does not wait for the tables. */
    kb_index_t *indexes[3];
    s_indexes (self, indexes);
    s_compact_timer (self);
    kb_erase_compact_if_due (self, 1);
    for (int i = 0; i < 3; i++)
        if (kb_index_warm (indexes[i]))
            bc_warn ("event=index_warm_failed reason=\"%s\"", kb_index_error (indexes[i]));
    return self;
}

void
kb_server_teardown (void *state)
{
    kb_t *self = state;
    kb_index_close (&self->articles);
    kb_index_close (&self->public);
    kb_index_close (&self->tickets);
    kb_bot_destroy (&self->bot);
    free (self);
}

int
kb_index_failed (bc_tx_t *tx, kb_index_t *index)
{
    const char *why = kb_index_error (index);
    if (strncmp (why, "Database", 8) == 0)
        return EIO;
    return bc_tx_fail (tx, "xapian: %s", why);
}
