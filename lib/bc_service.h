/* bc_service: the runtime every Balcão service is built on.
 *
 * A service is a single-threaded loop that owns one LMDB environment and
 *  - serves requests on a ROUTER "command" socket, applying each request once:
 *    its id and its reply are stored in the same write transaction as its
 *    effect, so a retried request gets the stored reply;
 *  - appends the events its changes cause to a durable log (sequence ->
 *    encoded envelope) in that same transaction, and publishes them on a PUB
 *    "events" socket after the commit;
 *  - consumes other services' logs, keeping the last applied sequence per
 *    source in the same transaction as its own effects, and asks the source
 *    to replay what it missed (after a restart, a gap, or a slow join);
 *  - groups work: every ready message is applied in one write transaction,
 *    committed with one fsync, and only then replied to and published.
 *
 * Handlers run inside that transaction. A handler either succeeds (sets a
 * reply, writes, emits) or rejects the input with bc_reply_error before it
 * writes anything. It returns 0, or an error code: MDB_MAP_FULL makes the
 * runtime grow the map and run the whole batch again, so handlers must keep
 * no state outside the transaction until after_commit (or drop it in
 * bc_service_on_abort).
 *
 * A handler that cannot apply its input returns bc_tx_fail (tx, why): the
 * runtime drops the whole transaction and runs the batch again without that
 * input, which then gets an `internal` error reply (a request) or is set
 * aside in the `quarantine` db with its source, sequence and reason (an
 * event from another service's log: the cursor moves past it, an admin can
 * list, inspect and retry it). Any other code is treated the same, except
 * the store's own failures (a damaged database, a full disk, an I/O error),
 * which stop the service with a sentence saying what to do. A before_commit
 * hook that fails (no input named) makes the runtime take one input at a
 * time until the one it fails on is found and set aside. */
#ifndef BC_SERVICE_H
#define BC_SERVICE_H

#include "bc_config.h"
#include "bc_curve.h"
#include "bc_msg.h"
#include "bc_store.h"

typedef struct bc_service_t bc_service_t;
typedef struct bc_tx_t bc_tx_t;
typedef struct bc_reply_t bc_reply_t;

typedef int (bc_command_fn) (void *state, bc_tx_t *tx, const bc_envelope_t *request,
                             const ProtobufCMessage *payload, bc_reply_t *reply);
typedef int (bc_event_fn) (void *state, bc_tx_t *tx, const char *source,
                           const bc_envelope_t *event);
typedef int (bc_hook_fn) (void *state, bc_tx_t *tx);
typedef void (bc_after_fn) (void *state);
typedef void (bc_timer_fn) (void *state);
/* Whether `principal` (a person, not a service) may see `event` of this
 * service's log: 1 yes, 0 no. */
typedef int (bc_feed_filter_fn) (void *state, bc_tx_t *tx, const char *principal,
                                 const bc_envelope_t *event);

/* What a handler returns, through bc_tx_fail, when it cannot apply its
 * input (outside LMDB's and errno's ranges). */
#define BC_EAPPLY (-30000)

/* Opens the service's store under <data_dir>/<name> with the runtime's own
 * databases plus dbs[0..ndbs-1], and binds its command and events sockets.
 * Returns NULL after logging why (port in use, unwritable directory...). */
bc_service_t *bc_service_new (const char *name, bc_config_t *config, const char *const *dbs,
                              int ndbs);
void bc_service_destroy (bc_service_t **self_p);

void bc_service_set_state (bc_service_t *self, void *state);
/* Serves requests of type `type`. Write requests are deduplicated by id;
 * read-only ones are not stored. */
void bc_service_on_command (bc_service_t *self, const ProtobufCMessageDescriptor *type,
                            int is_write, bc_command_fn *fn);
/* Consumes the log of service `source` (endpoints from the config). fn sees
 * every event in order, exactly once. */
void bc_service_consume (bc_service_t *self, const char *source, bc_event_fn *fn);
/* before_batch and before_commit run inside each write transaction,
 * after_commit after it (for side effects outside LMDB). Any may be NULL. */
void bc_service_hooks (bc_service_t *self, bc_hook_fn *before_batch, bc_hook_fn *before_commit,
                       bc_after_fn *after_commit);
/* Calls fn after a write transaction was aborted (nothing of it committed:
 * a full map, then the batch runs again; or a failure, then the process
 * exits): a service drops what it changed outside LMDB for that batch. */
void bc_service_on_abort (bc_service_t *self, bc_after_fn *fn);
/* One alarm for the earliest deadline a service keeps (SLA clocks): at
 * (or soon after) at_us, wall-clock microseconds, the runtime runs a write
 * batch and calls fn inside it. Each call replaces the previous alarm;
 * at_us 0 disarms it. */
void bc_service_alarm (bc_service_t *self, int64_t at_us, bc_hook_fn *fn);

/* The log and its replay are for the services named in balcao/log_readers;
 * with a filter, anyone else who asks for a replay gets the events fn lets
 * them see (a person's own feed, for `balcao tail`); without one, they are
 * refused. */
void bc_service_set_feed_filter (bc_service_t *self, bc_feed_filter_fn *fn);

/* Log retention (bc_service_retention.c): before an event of the
 * service's own log is pruned, fn may copy what the service still needs of
 * it (in the same transaction); a non-zero return stops the pruning there
 * (an LMDB code fails the batch as any handler's would). */
typedef int (bc_prune_fn) (void *state, bc_tx_t *tx, const bc_envelope_t *event,
                           const void *data, size_t len);
void bc_service_on_prune (bc_service_t *self, bc_prune_fn *fn);

/* LGPD erasure (bc_service_erase.c, with bc_scrub.h). Inside a batch: */
typedef struct bc_scrub_t bc_scrub_t;
/* Learns the subject's terms from the log and the stored replies. */
int bc_tx_scrub_learn (bc_tx_t *tx, bc_scrub_t *scrub);
/* Scrubs the runtime's own records: the log (a replay never hands the
 * erased data out again), the stored replies and the quarantine; *changed
 * counts the records rewritten. */
int bc_tx_scrub (bc_tx_t *tx, const bc_scrub_t *scrub, uint64_t *changed);
/* Scrubs (or, with learn, only learns from) every value of a database of
 * messages of type desc (NULL: envelopes). */
int bc_scrub_db (MDB_txn *txn, MDB_dbi dbi, const ProtobufCMessageDescriptor *desc,
                 bc_scrub_t *scrub, int learn, uint64_t *changed);
/* After this batch commits (and its replies go), the store is compacted:
 * no free page keeps what was scrubbed. A crash before that: the service
 * compacts when it starts again. */
void bc_tx_compact_after (bc_tx_t *tx);

/* A database whose records grow after they are written ends with its pages
 * about half full (LMDB splits a full page in two). Registered here, it is
 * measured every <service>/repack/check_s (3600 s; 0: never) and, when its
 * pages exceed what its records need by <service>/repack/waste_percent (30),
 * packed again in the next batch (bc_store_repack through scratch, an empty
 * database of the service's list); the service takes nothing else
 * meanwhile (docs/benchmarks.md). Up to 4 databases. */
void bc_service_repack (bc_service_t *self, const char *db, const char *scratch);
/* Calls fn about every interval_ms, outside any transaction. */
void bc_service_every (bc_service_t *self, int interval_ms, bc_timer_fn *fn);
/* Lets events (never requests) wait up to delay_ms to join a larger batch:
 * fewer commits for consumers whose work is costly per commit (Xapian). */
void bc_service_set_batch_delay (bc_service_t *self, int delay_ms);
/* Events of this type (live, not a replay's catch-up) do not wait for the
 * batch window: a person is waiting for what they cause (a bot's answer).
 * Up to 8 types. */
void bc_service_set_urgent (bc_service_t *self, const ProtobufCMessageDescriptor *type);
/* At most max inputs per batch (default <name>/batch_max, 4096; never
 * more than that): a consumer whose events are slow to apply keeps its
 * batches short, so requests never wait behind thousands of them. */
void bc_service_set_batch_max (bc_service_t *self, int max);
/* Asks for a write batch soon even if no message arrives (for work that
 * after_commit or a timer found). */
void bc_service_wake (bc_service_t *self);

/* Runs until SIGINT/SIGTERM; finishes the batch in hand, then returns 0. */
int bc_service_run (bc_service_t *self);

/* With CURVE on: how the ZAP handler maps a client key that is not a
 * certificate in curve_dir/clients to a principal (see bc_curve.h). The
 * principal of each request is then the key's, not the envelope's. */
void bc_service_set_key_lookup (bc_service_t *self, bc_curve_lookup_fn *fn, void *arg);

/* The instance's name: the service's, or "<service>-<k>" for replica k. */
const char *bc_service_name (bc_service_t *self);
/* Replicas (bc_config_replicas): which one this is (1-based), how many. A
 * service whose work splits among replicas takes the share where
 * key % replicas == replica - 1. */
int bc_service_replica (bc_service_t *self);
int bc_service_replicas (bc_service_t *self);
/* A read replica (<service>/read_replicas): every write request is
 * answered `read_only`, naming the service's first instance, where writes
 * go. */
int bc_service_is_read_replica (bc_service_t *self);
/* Consumes the log of one instance only (a read replica follows its
 * service's first: bc_service_consume would add every replica). */
void bc_service_consume_instance (bc_service_t *self, const char *instance, bc_event_fn *fn);
/* True when the bus is CURVE (principals proved by keys). */
int bc_service_is_curve (bc_service_t *self);
bc_config_t *bc_service_config (bc_service_t *self);
/* The service's Prometheus numbers (bc_metrics.h), to add its own; NULL
 * before set-up. */
typedef struct bc_metrics_t bc_metrics_t;
bc_metrics_t *bc_service_metrics (bc_service_t *self);
bc_store_t *bc_service_store (bc_service_t *self);
MDB_dbi bc_service_dbi (bc_service_t *self, const char *name);
/* The service's data directory, <data_dir>/<name>. */
const char *bc_service_dir (bc_service_t *self);

/* The whole main() of a service daemon: parses "-c CONFIG", loads it (no
 * -c: $BALCAO_CONFIG, else embedded defaults), opens the service, calls setup
 * (which registers handlers and returns the service's state, or NULL to
 * fail), runs until SIGTERM, calls teardown. Returns the exit code. */
typedef void *(bc_setup_fn) (bc_service_t *svc);
typedef void (bc_teardown_fn) (void *state);
int bc_service_main (int argc, char **argv, const char *name, const char *const *dbs, int ndbs,
                     bc_setup_fn *setup, bc_teardown_fn *teardown);
/* Parses "-c CONFIG" / $BALCAO_CONFIG for any program; NULL after logging
 * on error. Leaves the remaining arguments at argv[*first_arg..]. */
bc_config_t *bc_config_from_args (int argc, char **argv, int *first_arg);

/* Inside a handler. */
MDB_txn *bc_tx_txn (bc_tx_t *tx);
bc_service_t *bc_tx_service (bc_tx_t *tx);
int64_t bc_tx_now_us (bc_tx_t *tx);
/* The principal of the request or event being applied. */
const char *bc_tx_principal (bc_tx_t *tx);
/* Names who acts in work the service does by itself (an alarm), e.g.
 * "system:router"; events emitted afterwards carry it. */
void bc_tx_set_principal (bc_tx_t *tx, const char *principal);
/* Appends an event to the log (published after commit). Returns 0 or an LMDB
 * code to return from the handler. */
int bc_tx_emit (bc_tx_t *tx, const ProtobufCMessage *event);
/* Says why the input in hand cannot be applied (for the quarantine and the
 * logs: no message body, no secret) and returns BC_EAPPLY, for the handler
 * to return. */
int bc_tx_fail (bc_tx_t *tx, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* The sequence number of the last event emitted (the log's head inside
 * this transaction). */
uint64_t bc_tx_head (bc_tx_t *tx);

void bc_reply_ok (bc_reply_t *reply, const ProtobufCMessage *msg);
/* Rejects the request: code, and a sentence for people in pt-BR and in
 * English, formatted from the same arguments (the English format is
 * checked by the compiler, the pt-BR one by tests/lint_messages.py). */
void bc_reply_error (bc_reply_t *reply, const char *code, const char *fmt_pt, const char *fmt_en,
                     ...) __attribute__ ((format (printf, 4, 5)));

#endif
