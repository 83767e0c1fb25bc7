/* bc_service: the runtime every service stands on, run as real processes.
 *
 * This binary is also the service under test: "test_service --serve ROLE
 * CONFIG" runs a tiny service, so each test starts, kills (-9) and restarts
 * real processes and talks to them over ZeroMQ on ipc:// endpoints in a
 * temporary directory.
 *   producer: Submit -> counts it, emits MessageReceived; GetTicket -> the
 *             count in Ticket.number
 *   consumer: consumes producer's log, counts events and the batches that
 *             applied any; GetTicket -> count, batches in Ticket.created_us */
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_id.h"
#include "bc_log.h"
#include "bc_service.h"
#include "unit_util.h"

#include <czmq.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- the service side ---- */

static const char *const s_dbs[] = {"counts"};

static int
s_count_add (bc_service_t *svc, bc_tx_t *tx)
{
    MDB_dbi dbi = bc_service_dbi (svc, "counts");
    uint64_t n = 0;
    int rc = bc_store_get_u64 (bc_tx_txn (tx), dbi, "n", &n);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    return bc_store_put_u64 (bc_tx_txn (tx), dbi, "n", n + 1);
}

/* The producer's count kept outside LMDB, as kb keeps its Xapian indexes:
 * what an aborted batch added is dropped (s_on_abort), so a batch run again
 * after the map grew counts once. */
static uint64_t s_outside, s_outside_at_batch;

static int
s_before_batch (void *state, bc_tx_t *tx)
{
    (void) state, (void) tx;
    s_outside_at_batch = s_outside;
    return 0;
}

static void
s_on_abort (void *state)
{
    (void) state;
    s_outside = s_outside_at_batch;
}

static int
s_submit (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
          bc_reply_t *reply)
{
    (void) req;
    const Balcao__V1__Submit *s = (const Balcao__V1__Submit *) payload;
    if (!s->external_id || !*s->external_id) {
        bc_reply_error (reply, "invalid", "external_id é obrigatório", "external_id is required");
        return 0;
    }
    int rc = s_count_add (state, tx);
    /* A handler that fails after writing: nothing of it may stay. */
    if (rc == 0 && strcmp (s->external_id, "fail-request") == 0)
        return bc_tx_fail (tx, "cannot apply %s", s->external_id);
    if (rc)
        return rc;
    s_outside++;
    Balcao__V1__MessageReceived ev = BALCAO__V1__MESSAGE_RECEIVED__INIT;
    ev.message_id = s->external_id;
    if ((rc = bc_tx_emit (tx, &ev.base)))
        return rc;
    Balcao__V1__SubmitReply out = BALCAO__V1__SUBMIT_REPLY__INIT;
    char ref[BC_ID_LEN + 1];
    bc_id_new (ref); /* random: a retry must get this same value back */
    out.message_ref = ref;
    bc_reply_ok (reply, &out.base);
    return 0;
}

static int
s_get (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
       bc_reply_t *reply)
{
    (void) req, (void) payload;
    uint64_t n = 0, batches = 0;
    int rc = bc_store_get_u64 (bc_tx_txn (tx), bc_service_dbi (state, "counts"), "n", &n);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    rc = bc_store_get_u64 (bc_tx_txn (tx), bc_service_dbi (state, "counts"), "batches", &batches);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    Balcao__V1__Ticket t = BALCAO__V1__TICKET__INIT;
    t.number = n;
    t.created_us = (int64_t) batches;
    t.updated_us = (int64_t) s_outside;
    bc_reply_ok (reply, &t.base);
    return 0;
}

static int s_batch_had_events;
/* The batch applied an event its commit hook cannot take (a "badcommit"
 * message): as kb's Xapian commit failing because of one document. */
static int s_batch_had_bad_commit;

static int
s_consumer_before_batch (void *state, bc_tx_t *tx)
{
    (void) state, (void) tx;
    s_batch_had_events = s_batch_had_bad_commit = 0;
    return 0;
}

static int
s_on_event (void *state, bc_tx_t *tx, const char *source, const bc_envelope_t *ev)
{
    (void) source;
    if (!bc_envelope_is (ev, &balcao__v1__message_received__descriptor))
        return 0;
    s_batch_had_events = 1;
    int rc = s_count_add (state, tx);
    Balcao__V1__MessageReceived *m = (Balcao__V1__MessageReceived *) bc_envelope_payload (
        ev, &balcao__v1__message_received__descriptor);
    /* An event the consumer cannot apply (after writing, as kb did). */
    if (rc == 0 && m && strncmp (m->message_id, "poison", 6) == 0)
        rc = bc_tx_fail (tx, "cannot apply %s", m->message_id);
    if (m && strncmp (m->message_id, "badcommit", 9) == 0)
        s_batch_had_bad_commit = 1;
    if (m)
        balcao__v1__message_received__free_unpacked (m, NULL);
    return rc;
}

/* Counts the batches that applied events, in the same transaction. */
static int
s_before_commit (void *state, bc_tx_t *tx)
{
    if (s_batch_had_bad_commit)
        return bc_tx_fail (tx, "the commit cannot take this batch");
    if (!s_batch_had_events)
        return 0;
    s_batch_had_events = 0;
    MDB_dbi dbi = bc_service_dbi (state, "counts");
    uint64_t n = 0;
    int rc = bc_store_get_u64 (bc_tx_txn (tx), dbi, "batches", &n);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    return bc_store_put_u64 (bc_tx_txn (tx), dbi, "batches", n + 1);
}

/* An alarm whose work always fails (consumer/test_alarm_file): each call
 * leaves a mark in that file, outside the transaction. */
static const char *s_alarm_file;

static int
s_failing_alarm (void *state, bc_tx_t *tx)
{
    (void) state;
    FILE *f = fopen (s_alarm_file, "a");
    if (f) {
        fputc ('x', f);
        fclose (f);
    }
    return bc_tx_fail (tx, "the alarm's work cannot be done");
}

static int
s_serve (const char *role, const char *config_path)
{
    bc_log_init (role);
    bc_config_t *config = bc_config_load (config_path);
    bc_service_t *svc = bc_service_new (role, config, s_dbs, 1);
    if (!svc)
        return 1;
    bc_service_set_state (svc, svc);
    bc_service_on_command (svc, &balcao__v1__get_ticket__descriptor, 0, s_get);
    if (strcmp (role, "producer") == 0) {
        bc_service_on_command (svc, &balcao__v1__submit__descriptor, 1, s_submit);
        bc_service_hooks (svc, s_before_batch, NULL, NULL);
        bc_service_on_abort (svc, s_on_abort);
    }
    else {
        bc_service_consume (svc, "producer", s_on_event);
        bc_service_hooks (svc, s_consumer_before_batch, s_before_commit, NULL);
        /* Events wait to join a batch, which holds at most test_batch_max. */
        bc_service_set_batch_delay (svc, (int) bc_config_int (config, "consumer/test_delay_ms", 0));
        bc_service_set_batch_max (svc, (int) bc_config_int (config, "consumer/test_batch_max", 0));
        s_alarm_file = bc_config_str (config, "consumer/test_alarm_file", NULL);
        if (s_alarm_file)
            bc_service_alarm (svc, bc_now_us (), s_failing_alarm);
    }
    bc_service_run (svc);
    bc_service_destroy (&svc);
    bc_config_destroy (&config);
    return 0;
}

/* ---- the test side ---- */

typedef struct {
    const char *publish_hwm; /* producer's, for the drop test */
    char dir[64];
    char config[128];
    pid_t producer, consumer;
} fixture_t;

static pid_t
s_start (fixture_t *f, const char *role)
{
    pid_t pid = fork ();
    if (pid == 0) {
        execl ("/proc/self/exe", "test_service", "--serve", role, f->config, (char *) NULL);
        _exit (127);
    }
    return pid;
}

static void
s_kill9 (pid_t *pid)
{
    if (*pid > 0) {
        kill (*pid, SIGKILL);
        waitpid (*pid, NULL, 0);
        *pid = 0;
    }
}

static int
s_setup_with (void **state, const char *publish_hwm, const char *replay_max,
              const char *consumer_extra)
{
    fixture_t *f = calloc (1, sizeof *f);
    f->publish_hwm = publish_hwm;
    assert_non_null (unit_tmpdir (f->dir, sizeof f->dir));
    snprintf (f->config, sizeof f->config, "%s/t.cfg", f->dir);
    FILE *c = fopen (f->config, "w");
    fprintf (c,
             "balcao\n    data_dir = \"%s/var\"\n    curve_dir = \"\"\n    log_readers = \"service:consumer\"\n    heartbeat_ms = \"100\"\n    replay_max = \"%s\"\n"
             "    max_message_size = \"4096\"\n"
             "producer\n    command = \"ipc://%s/p.cmd\"\n    events = \"ipc://%s/p.ev\"\n"
             "    map_size = \"131072\"\n"
             "    publish_hwm = \"%s\"\n"
             "consumer\n    command = \"ipc://%s/c.cmd\"\n    events = \"ipc://%s/c.ev\"\n%s",
             f->dir, replay_max, f->dir, f->dir, f->publish_hwm ? f->publish_hwm : "200000", f->dir,
             f->dir, consumer_extra);
    fclose (c);
    *state = f;
    return 0;
}

static int
s_setup (void **state)
{
    return s_setup_with (state, NULL, "7", "");
}

/* The producer's PUB queues at most 5 events per subscriber. */
static int
s_setup_tiny_hwm (void **state)
{
    return s_setup_with (state, "5", "7", "");
}

/* The consumer lets events wait 400 ms to join a batch of at most 3 inputs;
 * a replay brings one event per input. */
static int
s_setup_short_batches (void **state)
{
    return s_setup_with (state, NULL, "1",
                         "    test_delay_ms = \"400\"\n    test_batch_max = \"3\"\n");
}

/* Where the consumer's failing alarm leaves its marks. */
static const char *
s_alarm_path (fixture_t *f)
{
    static char path[128];
    snprintf (path, sizeof path, "%s/alarm", f->dir);
    return path;
}

/* The consumer's alarm fails every time (the consumer's section is the
 * config's last: a line appended lands in it). */
static int
s_setup_failing_alarm (void **state)
{
    int rc = s_setup_with (state, NULL, "7", "");
    fixture_t *f = *state;
    FILE *c = fopen (f->config, "a");
    fprintf (c, "    test_alarm_file = \"%s\"\n", s_alarm_path (f));
    fclose (c);
    return rc;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    s_kill9 (&f->producer);
    s_kill9 (&f->consumer);
    unit_rmdir (f->dir);
    free (f);
    return 0;
}

static bc_client_t *
s_client (fixture_t *f, const char *role)
{
    bc_config_t *c = bc_config_load (f->config);
    bc_client_t *client = bc_client_new (bc_config_endpoint (c, role, "command"), "test");
    bc_config_destroy (&c);
    bc_client_set_timeout (client, 500, 10);
    return client;
}

/* What the service says of itself (GetTicket): free_unpacked it. */
static Balcao__V1__Ticket *
s_state_of (bc_client_t *client)
{
    Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
    bc_envelope_t *reply = NULL;
    assert_int_equal (bc_client_call (client, NULL, &req.base, &reply), BC_OK);
    Balcao__V1__Ticket *t =
        (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
    assert_non_null (t);
    bc_envelope_destroy (&reply);
    return t;
}

static uint64_t
s_count (bc_client_t *client)
{
    Balcao__V1__Ticket *t = s_state_of (client);
    uint64_t n = t->number;
    balcao__v1__ticket__free_unpacked (t, NULL);
    return n;
}

static char *
s_submit_call (bc_client_t *client, const char *request_id, const char *external_id)
{
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.external_id = (char *) external_id;
    bc_envelope_t *reply = NULL;
    assert_int_equal (bc_client_call (client, request_id, &req.base, &reply), BC_OK);
    Balcao__V1__SubmitReply *r = (Balcao__V1__SubmitReply *) bc_envelope_payload (
        reply, &balcao__v1__submit_reply__descriptor);
    assert_non_null (r);
    char *ref = strdup (r->message_ref);
    balcao__v1__submit_reply__free_unpacked (r, NULL);
    bc_envelope_destroy (&reply);
    return ref;
}

/* The client is called before the producer exists: Lazy Pirate retries until
 * it answers. A retried id gets the stored reply and no second effect, also
 * after a kill -9 and restart. */
static void
test_request_applied_once (void **state)
{
    fixture_t *f = *state;
    bc_client_t *client = s_client (f, "producer");
    pid_t child = fork ();
    if (child == 0) {
        usleep (300000);
        execl ("/proc/self/exe", "test_service", "--serve", "producer", f->config, (char *) NULL);
        _exit (127);
    }
    f->producer = child;
    char *first = s_submit_call (client, "req-1", "a");
    char *again = s_submit_call (client, "req-1", "a");
    assert_string_equal (first, again);
    assert_int_equal (s_count (client), 1);

    s_kill9 (&f->producer);
    f->producer = s_start (f, "producer");
    char *after = s_submit_call (client, "req-1", "a");
    assert_string_equal (first, after);
    assert_int_equal (s_count (client), 1);
    free (s_submit_call (client, "req-2", "b"));
    assert_int_equal (s_count (client), 2);
    free (first);
    free (again);
    free (after);
    bc_client_destroy (&client);
}

static void
s_wait_count (bc_client_t *client, uint64_t want)
{
    int64_t deadline = bc_mono_ms () + 10000;
    uint64_t n = 0;
    while ((n = s_count (client)) < want && bc_mono_ms () < deadline)
        usleep (20000);
    assert_int_equal (n, want);
}

/* A consumer that joins late, or is killed and comes back, replays what it
 * missed (in chunks of replay_max = 7) and applies every event exactly once. */
static void
test_consumer_replays_exactly_once (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    bc_client_t *producer = s_client (f, "producer");
    char id[32];
    for (int i = 0; i < 50; i++) {
        snprintf (id, sizeof id, "r%d", i);
        free (s_submit_call (producer, id, id));
    }
    f->consumer = s_start (f, "consumer");
    bc_client_t *consumer = s_client (f, "consumer");
    s_wait_count (consumer, 50);

    s_kill9 (&f->consumer);
    for (int i = 50; i < 80; i++) {
        snprintf (id, sizeof id, "r%d", i);
        free (s_submit_call (producer, id, id));
    }
    f->consumer = s_start (f, "consumer");
    s_wait_count (consumer, 80);
    /* Live events while running. */
    for (int i = 80; i < 100; i++) {
        snprintf (id, sizeof id, "r%d", i);
        free (s_submit_call (producer, id, id));
    }
    s_wait_count (consumer, 100);
    usleep (300000); /* heartbeats and replays settle: still exactly 100 */
    assert_int_equal (s_count (consumer), 100);
    bc_client_destroy (&producer);
    bc_client_destroy (&consumer);
}

static uint64_t
s_quarantined (bc_client_t *client)
{
    Balcao__V1__Ping req = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = NULL;
    assert_int_equal (bc_client_call (client, NULL, &req.base, &reply), BC_OK);
    Balcao__V1__Pong *p =
        (Balcao__V1__Pong *) bc_envelope_payload (reply, &balcao__v1__pong__descriptor);
    assert_non_null (p);
    uint64_t n = p->quarantined;
    balcao__v1__pong__free_unpacked (p, NULL);
    bc_envelope_destroy (&reply);
    return n;
}

/* Handlers that fail never stop the service: the failed request gets an
 * internal error and leaves nothing; a failed event is quarantined and the
 * events around it, in the same batches, are applied once each, also after
 * a kill -9 (no replay brings the poison back). */
static void
test_poison_never_stops (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    bc_client_t *producer = s_client (f, "producer");
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.external_id = "fail-request";
    bc_envelope_t *reply = NULL;
    assert_int_equal (bc_client_call (producer, "req-fail", &req.base, &reply), BC_EREMOTE);
    Balcao__V1__Error *err =
        (Balcao__V1__Error *) bc_envelope_payload (reply, &balcao__v1__error__descriptor);
    assert_non_null (err);
    assert_string_equal (err->code, "internal");
    assert_non_null (strstr (err->message, "cannot apply fail-request"));
    balcao__v1__error__free_unpacked (err, NULL);
    bc_envelope_destroy (&reply);
    assert_int_equal (s_count (producer), 0); /* its write was dropped */

    char id[32];
    for (int i = 0; i < 30; i++) {
        snprintf (id, sizeof id, i % 10 == 3 ? "poison%d" : "ok%d", i);
        free (s_submit_call (producer, id, id));
    }
    f->consumer = s_start (f, "consumer");
    bc_client_t *consumer = s_client (f, "consumer");
    s_wait_count (consumer, 27);
    assert_int_equal (s_quarantined (consumer), 3);
    s_kill9 (&f->consumer);
    free (s_submit_call (producer, "poison-live", "poison-live"));
    free (s_submit_call (producer, "ok-live", "ok-live"));
    f->consumer = s_start (f, "consumer");
    s_wait_count (consumer, 28);
    usleep (300000);
    assert_int_equal (s_count (consumer), 28);
    assert_int_equal (s_quarantined (consumer), 4);
    assert_int_equal (s_count (producer), 32); /* every Submit but the failed one */
    bc_client_destroy (&producer);
    bc_client_destroy (&consumer);
}

/* A commit hook that fails because of one event in the batch (kb's Xapian
 * commit): the batch runs again one input, one event, at a time until
 * that event is found and quarantined; every other event is applied
 * once, also the ones that came in the same replies. */
static void
test_commit_hook_failure_isolated (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    bc_client_t *producer = s_client (f, "producer");
    char id[32];
    for (int i = 0; i < 40; i++) {
        snprintf (id, sizeof id, i == 17 ? "badcommit%d" : "ok%d", i);
        free (s_submit_call (producer, id, id));
    }
    f->consumer = s_start (f, "consumer");
    bc_client_t *consumer = s_client (f, "consumer");
    s_wait_count (consumer, 39);
    assert_int_equal (s_quarantined (consumer), 1);
    free (s_submit_call (producer, "ok-after", "ok-after"));
    s_wait_count (consumer, 40);
    usleep (300000);
    assert_int_equal (s_count (consumer), 40);
    assert_int_equal (s_quarantined (consumer), 1);
    bc_client_destroy (&producer);
    bc_client_destroy (&consumer);
}

/* An alarm whose work fails does not stop the service, nor make it spin:
 * it rests a minute, and events and requests go on meanwhile. */
static void
test_failing_alarm_rests (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    f->consumer = s_start (f, "consumer");
    bc_client_t *producer = s_client (f, "producer");
    bc_client_t *consumer = s_client (f, "consumer");
    free (s_submit_call (producer, "a1", "a1"));
    s_wait_count (consumer, 1);
    usleep (1500000);
    free (s_submit_call (producer, "a2", "a2"));
    s_wait_count (consumer, 2);
    struct stat st;
    assert_int_equal (stat (s_alarm_path (f), &st), 0);
    assert_int_equal (st.st_size, 1); /* tried once, then rests */
    assert_int_not_equal (kill (f->consumer, 0), -1);
    bc_client_destroy (&producer);
    bc_client_destroy (&consumer);
}

/* Bad frames get an Error reply naming what was wrong, nothing is stored,
 * and the service keeps serving. */
static void
test_bad_input_rejected (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    bc_client_t *client = s_client (f, "producer");
    assert_int_equal (s_count (client), 0);

    bc_envelope_t *reply = NULL;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x01};
    assert_int_equal (bc_client_send_raw (client, garbage, sizeof garbage), BC_OK);
    assert_int_equal (bc_client_recv (client, 2000, &reply), BC_EREMOTE);
    char buf[512];
    assert_non_null (strstr (bc_client_error_text (BC_EREMOTE, reply, buf, sizeof buf), "malformed"));
    bc_envelope_destroy (&reply);

    uint8_t big[5000];
    memset (big, 'x', sizeof big);
    assert_int_equal (bc_client_send_raw (client, big, sizeof big), BC_OK);
    assert_int_equal (bc_client_recv (client, 2000, &reply), BC_EREMOTE);
    assert_non_null (strstr (bc_client_error_text (BC_EREMOTE, reply, buf, sizeof buf), "too_large"));
    bc_envelope_destroy (&reply);

    Balcao__V1__ListTickets other = BALCAO__V1__LIST_TICKETS__INIT;
    assert_int_equal (bc_client_call (client, NULL, &other.base, &reply), BC_EREMOTE);
    assert_non_null (
        strstr (bc_client_error_text (BC_EREMOTE, reply, buf, sizeof buf), "unknown_type"));
    bc_envelope_destroy (&reply);

    /* Rejected by the handler: not remembered, so the fixed retry applies. */
    Balcao__V1__Submit empty = BALCAO__V1__SUBMIT__INIT;
    assert_int_equal (bc_client_call (client, "fix-me", &empty.base, &reply), BC_EREMOTE);
    bc_envelope_destroy (&reply);
    assert_int_equal (s_count (client), 0);
    free (s_submit_call (client, "fix-me", "now-valid"));
    assert_int_equal (s_count (client), 1);
    bc_client_destroy (&client);
}

/* The producer starts with a 128 KiB map. Thousands of requests later every
 * one was applied: MDB_MAP_FULL never reached a client, the map grew. The
 * batches that filled it ran again, and what they had counted outside LMDB
 * was dropped first (bc_service_on_abort): counted once. */
static void
test_map_grows_instead_of_failing (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    bc_client_t *client = s_client (f, "producer");
    char id[64];
    for (int i = 0; i < 3000; i++) {
        snprintf (id, sizeof id, "grow-%d-padding-to-make-keys-larger-%d", i, i);
        free (s_submit_call (client, id, id));
    }
    Balcao__V1__Ticket *t = s_state_of (client);
    assert_int_equal (t->number, 3000);
    assert_int_equal (t->updated_us, 3000);
    balcao__v1__ticket__free_unpacked (t, NULL);
    char path[128];
    snprintf (path, sizeof path, "%s/var/producer/data.mdb", f->dir);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_true (st.st_size > 131072);
    bc_client_destroy (&client);
}

/* The consumer is frozen (SIGSTOP) while the producer publishes 300 events
 * through a queue of 5: most are dropped by ZeroMQ. Thawed, the consumer sees
 * the holes (a sequence gap, then the heartbeat's head) and replays: exactly
 * 300 applied, none lost, none twice. */
static void
test_dropped_events_are_replayed (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    f->consumer = s_start (f, "consumer");
    bc_client_t *producer = s_client (f, "producer");
    bc_client_t *consumer = s_client (f, "consumer");
    assert_int_equal (s_count (consumer), 0);
    kill (f->consumer, SIGSTOP);
    char id[32];
    for (int i = 0; i < 300; i++) {
        snprintf (id, sizeof id, "d%d", i);
        free (s_submit_call (producer, id, id));
    }
    kill (f->consumer, SIGCONT);
    s_wait_count (consumer, 300);
    usleep (300000);
    assert_int_equal (s_count (consumer), 300);
    bc_client_destroy (&producer);
    bc_client_destroy (&consumer);
}

/* A consumer whose batches may hold 3 inputs applies 9 events that arrive
 * together (they wait 400 ms to join a batch) in at least 3 batches, each
 * event once, whether they come live or replayed (one to an input here). */
static void
test_batch_max (void **state)
{
    fixture_t *f = *state;
    f->producer = s_start (f, "producer");
    f->consumer = s_start (f, "consumer");
    bc_client_t *producer = s_client (f, "producer"), *consumer = s_client (f, "consumer");
    free (s_submit_call (producer, "first", "first"));
    s_wait_count (consumer, 1);
    char id[32];
    for (int i = 0; i < 9; i++) {
        snprintf (id, sizeof id, "b-%d", i);
        free (s_submit_call (producer, id, id));
    }
    s_wait_count (consumer, 10);
    Balcao__V1__Ticket *t = s_state_of (consumer);
    assert_true (t->created_us >= 1 + 3);
    assert_true (t->created_us <= 1 + 9);
    balcao__v1__ticket__free_unpacked (t, NULL);
    bc_client_destroy (&producer);
    bc_client_destroy (&consumer);
}

int
main (int argc, char **argv)
{
    if (argc == 4 && strcmp (argv[1], "--serve") == 0)
        return s_serve (argv[2], argv[3]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_request_applied_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_batch_max, s_setup_short_batches, s_teardown),
        cmocka_unit_test_setup_teardown (test_consumer_replays_exactly_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_input_rejected, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_poison_never_stops, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_failing_alarm_rests, s_setup_failing_alarm,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_commit_hook_failure_isolated, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_map_grows_instead_of_failing, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_dropped_events_are_replayed, s_setup_tiny_hwm,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
