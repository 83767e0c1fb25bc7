/* bc_service_backup: the runtime's part of a backup (balcaoctl backup).
 *
 * BackupFreeze (admins) is applied like any read-only request; once the
 * batch that holds it is committed, and before its reply goes out, the
 * service copies its store to <dir>/<name>: the LMDB environment compacted
 * (one read transaction: the state of that commit), then the files beside it
 * (intake's attachments, kb's Xapian indexes, which kb committed in the same
 * batch). Then it stays frozen: no batch runs, so its log does not grow and
 * its positions in other logs do not move. It answers Ping, ReplayRequest
 * and BackupThaw; other requests wait (held, up to batch_max; beyond that
 * they are told `unavailable`, retry) and are applied in the first batch
 * after the thaw; events wait in their sources' logs and are replayed then.
 * BackupThaw, or the freeze's timeout, ends it.
 * Freezing every service before thawing any makes the copies consistent
 * with each other: no consumer's copy is ahead of its producer's. */
#include "bc_service_backup.h"
#include "bc_service_internal.h"

#include "bc_clock.h"
#include "bc_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BC_FREEZE_TIMEOUT_MS 30000

/* ---------------------------------------------------------------------- */
/* Copying */

int
bc_backup_copy_env (MDB_env *env, const char *to_dir, uint64_t *bytes)
{
    int rc = bc_dir_ensure (to_dir);
    if (rc)
        return rc;
    if ((rc = mdb_env_copy2 (env, to_dir, MDB_CP_COMPACT)))
        return rc;
    char path[4200];
    snprintf (path, sizeof path, "%s/data.mdb", to_dir);
    struct stat st;
    if (stat (path, &st) == 0)
        *bytes += (uint64_t) st.st_size;
    return 0;
}

int
bc_backup_copy_file (const char *from, const char *to, uint64_t *bytes)
{
    int in = open (from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno;
    struct stat st;
    if (fstat (in, &st) != 0) {
        int err = errno;
        close (in);
        return err;
    }
    int out = open (to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0) {
        int err = errno;
        close (in);
        return err;
    }
    char buf[65536];
    int err = 0;
    for (;;) {
        ssize_t n = read (in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == 0)
            break;
        if ((err = bc_write_all (out, buf, (size_t) n)))
            break;
        *bytes += (uint64_t) n;
    }
    close (in);
    if (close (out) != 0 && !err)
        err = errno;
    return err;
}

static int
s_is_left_out (const char *name)
{
    return strcmp (name, "data.mdb") == 0 || strcmp (name, "lock.mdb") == 0
           || strcmp (name, "flintlock") == 0;
}

int
bc_backup_copy_tree (const char *from, const char *to, uint64_t *bytes, uint32_t *files,
                     char *where, size_t where_size)
{
    DIR *d = opendir (from);
    if (!d)
        return errno == ENOENT ? 0 : errno;
    int err = bc_dir_ensure (to);
    if (err && where)
        snprintf (where, where_size, "%s", to);
    struct dirent *e;
    while (!err && (e = readdir (d))) {
        if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0
            || s_is_left_out (e->d_name))
            continue;
        char src[4200], dst[4200];
        snprintf (src, sizeof src, "%s/%s", from, e->d_name);
        snprintf (dst, sizeof dst, "%s/%s", to, e->d_name);
        struct stat st;
        if (lstat (src, &st) != 0) {
            if (errno == ENOENT)
                continue; /* gone meanwhile (a temporary file) */
            err = errno;
        }
        else if (S_ISDIR (st.st_mode))
            err = bc_backup_copy_tree (src, dst, bytes, files, where, where_size);
        else if (S_ISREG (st.st_mode)) {
            err = bc_backup_copy_file (src, dst, bytes);
            if (err == ENOENT)
                err = 0;
            else if (!err)
                (*files)++;
        }
        if (err && where && !*where)
            snprintf (where, where_size, "%s", dst);
    }
    closedir (d);
    return err;
}

int
bc_backup_sync (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = syncfs (fd) == 0 ? 0 : errno;
    close (fd);
    return err;
}

int
bc_backup_dir_is_empty (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return errno == ENOENT;
    struct dirent *e;
    int is_empty = 1;
    while (is_empty && (e = readdir (d)))
        if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
            is_empty = 0;
    closedir (d);
    return is_empty;
}

/* ---------------------------------------------------------------------- */
/* Freeze and thaw */

/* Admins, and the operator's own tools acting as themselves (with CURVE,
 * their keys: balcaoctl, the balcao CLI). */
static int
s_is_allowed (const char *principal)
{
    return strncmp (principal, "admin:", 6) == 0 || strcmp (principal, "service:balcaoctl") == 0
           || strcmp (principal, "service:balcao") == 0;
}

static void
s_forbidden (bc_reply_t *reply)
{
    bc_reply_error (reply, "forbidden",
                    "só administradores (ou o balcaoctl) podem pausar um serviço para cópia de segurança",
                    "only admins (or balcaoctl) may pause a service for a backup");
}

static int
s_cmd_freeze (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
              bc_reply_t *reply)
{
    (void) state;
    bc_service_t *svc = tx->svc;
    const Balcao__V1__BackupFreeze *bf = (const Balcao__V1__BackupFreeze *) payload;
    bc_freeze_t *fz = &svc->freeze;
    if (!s_is_allowed (bc_tx_principal (tx))) {
        s_forbidden (reply);
        return 0;
    }
    if (bf->dir[0] != '/' || strlen (bf->dir) + strlen (svc->name) + 2 > sizeof fz->dir) {
        bc_reply_error (reply, "invalid",
                        "o diretório da cópia deve ser um caminho absoluto de até %zu bytes",
                        "the backup directory must be an absolute path of at most %zu bytes",
                        sizeof fz->dir - strlen (svc->name) - 2);
        return 0;
    }
    if (!bc_id_is_valid (bf->backup_id) || !bc_id_is_valid (req->id)) {
        bc_reply_error (reply, "invalid",
                        "a cópia e o pedido precisam de ids de 1 a 64 caracteres entre letras, dígitos e ._:-",
                        "the backup and the request need ids of 1-64 characters of letters, "
                        "digits and ._:-");
        return 0;
    }
    if (fz->is_frozen || (fz->is_pending && strcmp (fz->request_id, req->id) != 0)) {
        bc_reply_error (reply, "conflict",
                        "o serviço %s já está pausado para a cópia %s",
                        "service %s is already paused for backup %s", svc->name,
                        fz->backup_id);
        return 0;
    }
    fz->is_pending = 1;
    snprintf (fz->backup_id, sizeof fz->backup_id, "%s", bf->backup_id);
    snprintf (fz->request_id, sizeof fz->request_id, "%s", req->id);
    snprintf (fz->dir, sizeof fz->dir, "%s/%s", bf->dir, svc->name);
    fz->timeout_ms = bf->timeout_ms ? (int) bf->timeout_ms : BC_FREEZE_TIMEOUT_MS;
    /* The real answer is made after the commit (bc_backup_after_commit). */
    Balcao__V1__BackupFrozen out = BALCAO__V1__BACKUP_FROZEN__INIT;
    out.service = svc->name;
    bc_reply_ok (reply, &out.base);
    return 0;
}

static void
s_thaw (bc_service_t *self, const char *why)
{
    bc_freeze_t *fz = &self->freeze;
    fz->is_frozen = 0;
    fz->is_release_due = fz->nheld > 0;
    self->wake = 1;
    /* Events that came meanwhile were left in their logs: ask for them. */
    for (int i = 0; i < self->nsources; i++) {
        self->sources[i].replay_id[0] = 0;
        self->sources[i].wants_replay = 1;
    }
    if (fz->is_alarm_deferred) {
        fz->is_alarm_deferred = 0;
        int64_t now = bc_now_us ();
        if (!self->alarm_us || self->alarm_us > now)
            self->alarm_us = now;
    }
    bc_info ("event=backup_thawed backup=%s frozen_ms=%lld held_requests=%d why=%s",
             fz->backup_id, (long long) ((bc_now_us () - fz->since_us) / 1000), fz->nheld, why);
}

static int
s_cmd_thaw (void *state, bc_tx_t *tx, const bc_envelope_t *req, const ProtobufCMessage *payload,
            bc_reply_t *reply)
{
    (void) state, (void) req;
    bc_service_t *svc = tx->svc;
    const Balcao__V1__BackupThaw *bt = (const Balcao__V1__BackupThaw *) payload;
    bc_freeze_t *fz = &svc->freeze;
    if (!s_is_allowed (bc_tx_principal (tx))) {
        s_forbidden (reply);
        return 0;
    }
    if (fz->is_frozen && strcmp (fz->backup_id, bt->backup_id) != 0) {
        bc_reply_error (reply, "conflict",
                        "o serviço %s está pausado para a cópia %s, não para %s",
                        "service %s is paused for backup %s, not %s", svc->name, fz->backup_id,
                        bt->backup_id);
        return 0;
    }
    Balcao__V1__BackupThawed out = BALCAO__V1__BACKUP_THAWED__INIT;
    out.service = svc->name;
    out.was_frozen = fz->is_frozen;
    if (fz->is_frozen) {
        out.frozen_us = bc_now_us () - fz->since_us;
        s_thaw (svc, "asked");
    }
    bc_reply_ok (reply, &out.base);
    return 0;
}

void
bc_backup_register (bc_service_t *self)
{
    bc_service_on_command (self, &balcao__v1__backup_freeze__descriptor, 0, s_cmd_freeze);
    bc_service_on_command (self, &balcao__v1__backup_thaw__descriptor, 0, s_cmd_thaw);
}

/* The copy itself: 0, or an errno/LMDB code with the path in where. */
static int
s_copy (bc_service_t *self, Balcao__V1__BackupFrozen *out, char *where, size_t where_size)
{
    const char *to = self->freeze.dir;
    snprintf (where, where_size, "%s", to);
    if (!bc_backup_dir_is_empty (to))
        return EEXIST;
    /* Tests: this service's copy fails (the others' thaw is then seen). */
    const char *failpoint = getenv ("BALCAO_FAILPOINT_BACKUP");
    if (failpoint && *failpoint)
        return EIO;
    int rc = bc_backup_copy_env (bc_store_env (self->store), to, &out->bytes);
    if (rc)
        return rc;
    where[0] = 0;
    uint32_t files = 0;
    if ((rc = bc_backup_copy_tree (self->dir, to, &out->bytes, &files, where, where_size)))
        return rc;
    out->files = files + 1; /* data.mdb */
    /* Not flushed here: balcaoctl flushes the backup's file system once
     * every service is thawed, before it writes the manifest (a flush here
     * would lengthen the freeze by the whole disk's dirty pages). */
    return 0;
}

void
bc_backup_after_commit (bc_service_t *self)
{
    bc_freeze_t *fz = &self->freeze;
    if (!fz->is_pending)
        return;
    fz->is_pending = 0;
    bc_input_t *in = NULL;
    bc_envelope_t *env = NULL;
    for (int i = 0; i < self->ninputs && !in; i++) {
        bc_input_t *it = &self->inputs[i];
        if (it->kind != BC_IN_REQUEST || !it->reply)
            continue;
        env = bc_envelope_unpack (zmq_msg_data (&it->body), zmq_msg_size (&it->body));
        if (env && bc_envelope_is (env, &balcao__v1__backup_freeze__descriptor)
            && strcmp (env->id, fz->request_id) == 0)
            in = it;
        else
            bc_envelope_destroy (&env);
    }
    if (!in)
        return; /* its batch did not keep it */

    int64_t start = bc_now_us ();
    Balcao__V1__BackupFrozen out = BALCAO__V1__BACKUP_FROZEN__INIT;
    Balcao__V1__BackupCursor cursors[BC_MAX_SOURCES], *cursor_ps[BC_MAX_SOURCES];
    out.service = self->name;
    out.head_seq = self->head_seq;
    for (int i = 0; i < self->nsources; i++) {
        balcao__v1__backup_cursor__init (&cursors[i]);
        cursors[i].source = self->sources[i].name;
        cursors[i].applied = self->sources[i].applied;
        cursor_ps[i] = &cursors[i];
    }
    out.n_cursors = (size_t) self->nsources;
    out.cursors = cursor_ps;
    char where[4200] = "";
    int rc = s_copy (self, &out, where, sizeof where);
    out.copy_us = bc_now_us () - start;

    bc_reply_t reply = {.svc = self, .request_id = env->id, .peer = in->peer};
    if (rc) {
        bc_error ("event=backup_failed backup=%s path=%s reason=\"%s\"", fz->backup_id, where,
                  bc_store_strerror (rc));
        bc_reply_error (&reply, "backup_failed",
                        "o serviço %s não conseguiu gravar a cópia em %s: %s; nada foi pausado",
                        "service %s could not write its copy to %s: %s; nothing was paused",
                        self->name, where, bc_store_strerror (rc));
    }
    else {
        fz->is_frozen = 1;
        fz->since_us = start;
        fz->until_ms = bc_mono_ms () + fz->timeout_ms;
        bc_info ("event=backup_frozen backup=%s dir=%s head_seq=%llu bytes=%llu files=%u "
                 "copy_ms=%lld timeout_ms=%d",
                 fz->backup_id, fz->dir, (unsigned long long) out.head_seq,
                 (unsigned long long) out.bytes, out.files, (long long) (out.copy_us / 1000),
                 fz->timeout_ms);
        bc_reply_ok (&reply, &out.base);
    }
    free (in->reply);
    in->reply = reply.data;
    in->reply_len = reply.len;
    bc_envelope_destroy (&env);
}

static void
s_send_reply (bc_service_t *self, bc_input_t *in, bc_reply_t *reply)
{
    void *router = zsock_resolve (self->router);
    zmq_send (router, in->identity, in->identity_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (in->has_delimiter)
        zmq_send (router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (router, reply->data, reply->len, ZMQ_DONTWAIT);
    free (reply->data);
    reply->data = NULL;
}

/* A request while frozen that needs no write: Ping, ReplayRequest
 * (consumers catch up on what is committed), BackupThaw and BackupFreeze
 * (which says `conflict`), answered by their handlers in a read-only
 * transaction. Returns 0 when the request is not one of those (it waits
 * for the thaw). */
static int
s_answer_frozen (bc_service_t *self, bc_input_t *in)
{
    bc_envelope_t *env = bc_envelope_unpack (zmq_msg_data (&in->body), zmq_msg_size (&in->body));
    bc_reply_t reply = {.svc = self, .request_id = env ? env->id : NULL, .peer = in->peer};
    const ProtobufCMessageDescriptor *allowed[] = {&balcao__v1__ping__descriptor,
                                                   &balcao__v1__replay_request__descriptor,
                                                   &balcao__v1__backup_thaw__descriptor,
                                                   &balcao__v1__backup_freeze__descriptor};
    bc_handler_t *h = NULL;
    for (size_t i = 0; env && !h && i < sizeof allowed / sizeof allowed[0]; i++)
        if (bc_envelope_is (env, allowed[i]))
            for (int j = 0; j < self->nhandlers && !h; j++)
                if (self->handlers[j].type == allowed[i])
                    h = &self->handlers[j];
    ProtobufCMessage *payload =
        h ? protobuf_c_message_unpack (h->type, NULL, env->payload.len, env->payload.data) : NULL;
    MDB_txn *txn = NULL;
    if (payload && mdb_txn_begin (bc_store_env (self->store), NULL, MDB_RDONLY, &txn) == 0) {
        bc_tx_t tx = {.svc = self, .txn = txn, .now_us = bc_now_us (), .head = self->head_seq};
        tx.principal = bc_batch_principal (self, in, env);
        if (h->fn (self->state, &tx, env, payload, &reply)) {
            free (reply.data); /* it tried to write: after the thaw */
            reply.data = NULL;
        }
        mdb_txn_abort (txn);
    }
    if (payload)
        protobuf_c_message_free_unpacked (payload, NULL);
    bc_envelope_destroy (&env);
    if (!reply.data)
        return 0;
    s_send_reply (self, in, &reply);
    return 1;
}

/* Keeps a request for the thaw; 0 when there is no room left. */
static int
s_hold (bc_service_t *self, bc_input_t *in)
{
    bc_freeze_t *fz = &self->freeze;
    if (!fz->held)
        fz->held = calloc ((size_t) self->batch_max, sizeof *fz->held);
    if (!fz->held || fz->nheld >= self->batch_max)
        return 0;
    bc_input_t *h = &fz->held[fz->nheld++];
    *h = *in;
    zmq_msg_init (&h->body);
    zmq_msg_move (&h->body, &in->body);
    return 1;
}

/* No room to wait in: the sender is told to retry. */
static void
s_refuse (bc_service_t *self, bc_input_t *in)
{
    bc_envelope_t *env = bc_envelope_unpack (zmq_msg_data (&in->body), zmq_msg_size (&in->body));
    bc_reply_t reply = {.svc = self, .request_id = env ? env->id : NULL, .peer = in->peer};
    int64_t left_ms = self->freeze.until_ms - bc_mono_ms ();
    bc_reply_error (&reply, "unavailable",
                    "o serviço %s está pausado para uma cópia de segurança (no máximo mais %lld s); tente de novo em instantes",
                    "service %s is paused for a backup (at most %lld s more); try again in a "
                    "moment",
                    self->name, (long long) (left_ms > 0 ? (left_ms + 999) / 1000 : 0));
    s_send_reply (self, in, &reply);
    bc_envelope_destroy (&env);
}

/* After the thaw: the held requests join the inputs, for the next batch. */
static void
s_release (bc_service_t *self)
{
    bc_freeze_t *fz = &self->freeze;
    fz->is_release_due = 0;
    for (int i = 0; i < fz->nheld; i++) {
        bc_input_t *h = &fz->held[i];
        if (self->ninputs < self->batch_max) {
            bc_input_t *in = &self->inputs[self->ninputs];
            *in = *h;
            zmq_msg_init (&in->body);
            zmq_msg_move (&in->body, &h->body);
            if (self->ninputs++ == 0)
                self->first_input_ms = bc_mono_ms ();
            self->has_request = 1;
        }
        else
            s_refuse (self, h);
        zmq_msg_close (&h->body);
    }
    fz->nheld = 0;
}

void
bc_backup_while_frozen (bc_service_t *self)
{
    if (self->alarm_due)
        self->freeze.is_alarm_deferred = 1;
    for (int i = 0; i < self->ninputs; i++) {
        bc_input_t *in = &self->inputs[i];
        /* Events and replies to replays are dropped: the thaw asks for
         * them again. An outstanding replay stays outstanding, so the
         * service does not ask again and again while frozen. */
        if (in->kind == BC_IN_REQUEST && !s_answer_frozen (self, in) && !s_hold (self, in))
            s_refuse (self, in);
        zmq_msg_close (&in->body);
    }
    self->ninputs = 0;
    if (self->freeze.is_release_due)
        s_release (self);
}

void
bc_backup_tick (bc_service_t *self)
{
    if (self->freeze.is_frozen && bc_mono_ms () >= self->freeze.until_ms) {
        bc_warn ("event=backup_freeze_timeout backup=%s timeout_ms=%d what_to_do=\"the backup "
                 "that froze this service did not finish in time: make it again\"",
                 self->freeze.backup_id, self->freeze.timeout_ms);
        s_thaw (self, "timeout");
    }
    if (self->freeze.is_release_due)
        s_release (self);
}

void
bc_backup_destroy (bc_service_t *self)
{
    bc_freeze_t *fz = &self->freeze;
    for (int i = 0; i < fz->nheld; i++)
        zmq_msg_close (&fz->held[i].body);
    free (fz->held);
    fz->held = NULL;
    fz->nheld = 0;
}
