/* bc_service_internal: the runtime's own types, shared by its files
 * (bc_service.c: set-up and the loop; bc_service_batch.c: applying a batch;
 * bc_quarantine.c: events set aside). Not for services: they see
 * bc_service.h only. */
#ifndef BC_SERVICE_INTERNAL_H
#define BC_SERVICE_INTERNAL_H

#include "bc_service.h"
#include "bc_id.h"
#include "bc_metrics.h"
#include "bc_ratelog.h"

#include <czmq.h>

#define BC_MAX_HANDLERS 64
#define BC_MAX_SOURCES 8
#define BC_MAX_TIMERS 8
#define BC_MAX_URGENT 8
#define BC_MAX_REPACK 4
#define BC_MAX_IDENTITY 256
#define BC_REASON_LEN 256

typedef struct {
    const ProtobufCMessageDescriptor *type;
    int is_write;
    bc_command_fn *fn;
} bc_handler_t;

typedef struct {
    char *name;
    bc_event_fn *fn;
    char *command_ep;
    zsock_t *sub;
    zsock_t *replay;
    uint64_t applied;        /* committed cursor */
    uint64_t pending;        /* cursor inside the running batch */
    uint64_t source_head;    /* newest seq the source told us about */
    int wants_replay;        /* ask for a replay after this commit */
    char replay_id[BC_ID_LEN + 1]; /* outstanding replay request, "" if none */
    int64_t replay_deadline; /* mono ms */
    int64_t next_report_ms;  /* mono ms: the next report of our cursor */
    int64_t stalled_until_ms; /* mono ms: the source pruned what we need */
} bc_source_t;

typedef struct {
    bc_timer_fn *fn;
    int interval_ms;
    int64_t next;
} bc_timer_t;

struct bc_reply_t {
    bc_service_t *svc;
    char code[32]; /* an error reply's code ("invalid"...), for the metrics */
    const char *request_id;
    const char *peer; /* the sender's address, for the log's rate limit */
    uint8_t *data;
    size_t len;
    int is_error;
};

/* One input of a batch. */
typedef enum { BC_IN_REQUEST, BC_IN_EVENT, BC_IN_REPLAY } bc_input_kind_t;

typedef struct {
    bc_input_kind_t kind;
    int source; /* index into sources, for events and replays */
    unsigned char identity[BC_MAX_IDENTITY];
    size_t identity_len;
    int has_delimiter;
    int frames; /* frames after the identity */
    zmq_msg_t body;
    uint8_t *reply; /* for requests, after the batch ran */
    size_t reply_len;
    int is_current_replay; /* a replay reply we were waiting for */
    char peer[64];         /* the sender's address (requests), for the logs */
    /* A request whose handler failed in an earlier run of this batch: it
     * gets an error reply, its handler is not called again. */
    int is_poisoned;
    char poison_reason[BC_REASON_LEN];
    /* What the metrics count once the batch commits: the request's type
     * and outcome ("ok" or the error code); "" when not answered. */
    char metric_type[64], metric_outcome[32];
} bc_input_t;

/* An event whose handler failed in an earlier run of this batch: the next
 * run sets it aside in `quarantine` instead of applying it. */
typedef struct {
    int source;
    uint64_t seq;
    char type[128];
    char reason[BC_REASON_LEN];
} bc_poison_t;

typedef struct {
    uint64_t seq;
    uint8_t *data;
    size_t len;
} bc_pending_event_t;

struct bc_tx_t {
    bc_service_t *svc;
    MDB_txn *txn;
    int64_t now_us;
    uint64_t head;
    const char *principal;
    const char *correlation_id;
    bc_pending_event_t *events;
    size_t nevents, cap_events;
    int64_t nquarantined;          /* events set aside (minus retried) in this batch */
    char reason[BC_REASON_LEN];    /* why the handler failed (bc_tx_fail) */
    /* Where the batch failed, for the next run: the input's index (-1: a
     * hook, not an input), and for an event its source and sequence. */
    int fail_input;
    int fail_source;
    uint64_t fail_seq;
    char fail_type[128];
    int fail_in_alarm; /* the alarm's work failed */
    int fail_in_hook;  /* before_commit failed: no input is to blame yet */
    /* Isolating (see bc_service_t.is_isolating): whether the one input or
     * event of this run was taken, and which it was. */
    int iso_taken;
    int iso_input, iso_source;
    uint64_t iso_seq;
    char iso_type[128];
    int rc;            /* the failed run's code */
    int64_t pruned;    /* log events retention deleted in this batch */
    uint64_t pruned_to; /* the last of them */
};

/* A backup's freeze (bc_service_backup.c): while is_frozen the service
 * applies nothing; requests wait in held (applied after the thaw). */
typedef struct {
    int is_pending;   /* a BackupFreeze was accepted in the running batch */
    int is_frozen;
    int is_alarm_deferred; /* the alarm fell due while frozen */
    int is_release_due;    /* thawed: held requests go back to the inputs */
    bc_input_t *held;      /* batch_max of them, made at the first freeze */
    int nheld;
    char backup_id[65];
    char request_id[65];
    char dir[2048];
    int timeout_ms;
    int64_t since_us;  /* wall clock, when frozen */
    int64_t until_ms;  /* mono: thaws by itself then */
} bc_freeze_t;

typedef struct {
    char name[32];
    MDB_dbi dbi, scratch;
    int is_due;   /* measured sparse: the next batch repacks it */
    int in_batch; /* repacked in the batch being run */
    size_t pages_before, pages_after;
    int64_t ms;
} bc_repack_t;

struct bc_service_t {
    char *name;
    char principal[80]; /* service:<base>, in our replay requests */
    char base[64];      /* the service a replica copies ("notify" for notify-2) */
    int replica, replicas; /* this instance (1-based), how many there are */
    int is_read_only;      /* a read replica: write requests are refused */
    int is_misconfigured;  /* a source without endpoints: run() exits 78 */
    char *dir;
    bc_config_t *config;
    bc_store_t *store;
    zsock_t *router;
    zsock_t *pub;
    bc_curve_t *curve; /* NULL: plain TCP */
    void *state;
    MDB_dbi db_log, db_requests, db_requests_by_time, db_cursors, db_quarantine, db_readers;
    uint64_t quarantined;  /* entries in `quarantine`, committed */
    bc_poison_t *poison;   /* events to set aside in the batch being run */
    int npoison;
    /* before_commit failed on a batch (kb's Xapian commit): the batch runs
     * again with one input, or one event of a replay, alone, the others
     * left for later (requests unanswered, their clients retry; events
     * replayed), until the one that makes it fail is found and set aside. */
    int is_isolating;
    bc_ratelog_t *rejects; /* rejected requests' log lines, per peer */
    char **log_readers;    /* principals allowed to replay the log */
    int nlog_readers;
    bc_feed_filter_fn *feed_filter; /* what a person may see of the log */
    /* Tests: handlers of this event or request type fail on purpose
     * (BALCAO_FAILPOINT_EVENT, BALCAO_FAILPOINT_REQUEST); NULL normally. */
    const char *fail_event_type, *fail_request_type;

    bc_handler_t handlers[BC_MAX_HANDLERS];
    int nhandlers;
    bc_source_t sources[BC_MAX_SOURCES];
    int nsources;
    bc_timer_t timers[BC_MAX_TIMERS];
    int ntimers;
    bc_hook_fn *before_batch, *before_commit;
    bc_after_fn *after_commit, *after_abort;

    uint64_t head_seq; /* committed */
    size_t max_message;
    int batch_max;
    int replay_max;
    int heartbeat_ms;
    int64_t next_heartbeat;
    int64_t retention_us;
    int wake;
    int64_t alarm_us;       /* wall clock; 0: none */
    bc_hook_fn *on_alarm;
    int alarm_due;          /* run on_alarm in the next batch */
    int64_t alarm_rest_until; /* wall clock: after an alarm that failed */
    int64_t started_us;
    int batch_delay_ms;     /* how long events may wait to join a batch */
    int64_t first_input_ms; /* when the oldest collected input arrived */
    int has_request;        /* a request or an urgent event came: do not wait */
    const char *urgent[BC_MAX_URGENT]; /* event types that do not wait either */
    int nurgent;

    bc_input_t *inputs;
    int ninputs;
    bc_tx_t tx;
    bc_metrics_t *metrics; /* Prometheus (bc_service_metrics.c); NULL: none */
    bc_freeze_t freeze;    /* a backup's freeze (bc_service_backup.c) */
    /* Log retention (bc_service_retention.c). */
    int64_t log_retention_us; /* 0: keep every event */
    int64_t reader_forget_us; /* a silent reader is forgotten after; 0: never */
    int cursor_report_ms;
    uint64_t first_seq;       /* the oldest event still in the log */
    uint64_t pruned_total;    /* since start */
    int64_t next_prune_us, prune_logged_us;
    bc_prune_fn *on_prune;
    /* Databases packed again when sparse (bc_service_repack.c). */
    bc_repack_t repack[BC_MAX_REPACK];
    int nrepack;
    int64_t repack_check_ms, repack_next_ms; /* 0: never; mono */
    int repack_waste;                        /* percent */
    int compact_due;   /* compact the store once caught up (bc_service_compact.c) */
    int compact_asked; /* ...because an admin asked (CompactStore) */
    int64_t compact_retry_ms; /* mono: a failed copy is tried again then */
};

/* bc_service_batch.c */
/* Applies the collected inputs in one transaction and commits: grows the
 * map when full, sets aside what a handler could not apply and runs the
 * batch again without it. Exits the process, with a sentence for the
 * operator, only when the store itself fails. */
void bc_batch_apply (bc_service_t *self);
void bc_batch_register_builtins (bc_service_t *self);

/* bc_service_repack.c */
/* Between batches: measures the registered databases when due; a sparse
 * one is repacked in the next batch. */
void bc_repack_tick (bc_service_t *self, int64_t now_ms);
/* In a batch, after its inputs: repacks what is due. 0 or an LMDB code. */
int bc_repack_in_batch (bc_service_t *self, bc_tx_t *tx);
/* After the batch: committed (logged, done) or not (due still). */
void bc_repack_committed (bc_service_t *self, int is_committed);

/* bc_service_metrics.c */
void bc_service_metrics_setup (bc_service_t *self);
void bc_service_metrics_destroy (bc_service_t *self);
/* A committed batch: its size and times, and each answered request's type
 * and outcome (bc_input_t.metric_*). */
void bc_service_metrics_batch (bc_service_t *self, int inputs, int64_t apply_us,
                               int64_t commit_us);
/* The gauges: log head, consumers' positions and lags, quarantine. */
void bc_service_metrics_after_batch (bc_service_t *self);

/* bc_service_backup.c */
void bc_backup_register (bc_service_t *self);
/* After a batch's commit, before its replies: the copy a BackupFreeze of
 * that batch asked for; the service is then frozen. */
void bc_backup_after_commit (bc_service_t *self);
/* Instead of a batch while frozen: answers Ping and BackupThaw, tells other
 * requests to retry, leaves events to be replayed. */
void bc_backup_while_frozen (bc_service_t *self);
/* Each turn of the loop: thaws after the freeze's timeout. */
void bc_backup_tick (bc_service_t *self);
/* Drops what a freeze holds (at the end). */
void bc_backup_destroy (bc_service_t *self);
/* Who asks (bc_service_batch.c's rule, for the freeze's own requests). */
const char *bc_batch_principal (bc_service_t *self, bc_input_t *in, const bc_envelope_t *env);

/* bc_service_retention.c */
void bc_retention_setup (bc_service_t *self);
/* The oldest sequence number in the log (head + 1 when empty); txn NULL:
 * a read transaction of its own. */
uint64_t bc_retention_first_seq (bc_service_t *self, MDB_txn *txn);
/* A reader's report: it has applied the log up to `applied`. */
int bc_retention_record (bc_tx_t *tx, const char *reader, uint64_t applied);
/* Inside a batch: deletes the oldest events that are due. */
int bc_retention_prune (bc_service_t *self, bc_tx_t *tx);
void bc_retention_after_commit (bc_service_t *self);
/* In the loop: a caught-up consumer reports its cursor to src, when due. */
void bc_retention_report (bc_service_t *self, bc_source_t *src, int64_t now_ms);

/* bc_service_compact.c */
/* Compacts the store when an erasure or an admin asked for it and the
 * service has caught up (at_start: when its mark file says a crash cut it
 * short). */
void bc_service_compact_if_due (bc_service_t *self, int at_start);
/* The CompactStore command. */
void bc_compact_register (bc_service_t *self);

/* bc_quarantine.c */
/* Reads the number of quarantined events (at start). */
uint64_t bc_quarantine_count (bc_service_t *self);
/* Records an event its handler could not apply; returns 0 or an LMDB code. */
int bc_quarantine_put (bc_tx_t *tx, const char *source, const uint8_t *data, size_t len,
                       const char *reason);
void bc_quarantine_register (bc_service_t *self);
/* Calls the consumer of `source` for one event outside the usual order
 * (a retry); returns its code. *is_consumed: whether the service consumes
 * that source at all (0: nothing was called). */
int bc_batch_apply_one (bc_tx_t *tx, const char *source, const bc_envelope_t *event,
                        int *is_consumed);


#endif
