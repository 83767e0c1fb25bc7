/* balcaoctl_backup: `balcaoctl backup DIR` and `balcaoctl restore DIR`.
 *
 * backup, while the system runs: each bus service is asked in turn to
 * finish its batch, copy its store to DIR/<service> and stay frozen
 * (BackupFreeze, bc_service_backup.c); while all are frozen, balcaoctl
 * copies the gateway's store, seal key and tokens file and the CURVE keys;
 * then every service is thawed (BackupThaw). Since no service applies
 * anything between its copy and the thaw, no consumer's copy is ahead of
 * its producer's; balcaoctl checks it (positions <= log heads) and writes
 * DIR/MANIFEST.json.
 *
 * restore, with every service stopped: checks the manifest and puts each
 * copy in place under the config's data_dir (never over something without
 * --force, which moves what was there aside); --only restores one host's
 * share when the services run on several hosts. See docs/operations.md. */
#include "balcao/v1/bus.pb-c.h"
#include "balcaoctl.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_config.h"
#include "bc_id.h"
#include "bc_service_backup.h"
#include "bc_store.h"
#include "bc_svstate.h"
#include "bc_token.h"

#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef BALCAO_VERSION
#define BALCAO_VERSION "unknown"
#endif

#define T(pt_, en_) (ctl->en ? (en_) : (pt_))
#define MANIFEST_FORMAT 1

/* The services with a bus, frozen in this order (any order is consistent:
 * none applies anything until all are thawed), each with its replicas
 * (<service>/replicas: intake-2, notify-2, ...; a replica's log is read
 * like its service's, so its copy belongs to the backup). kb's read
 * replicas are not copied: a copy of kb's data starts one. */
static const char *const s_bus[] = {"intake", "router", "kb", "notify"};
#define NBUS 4
#define S_MAX_INSTANCES 40 /* 4 services x 8 replicas (bc_config_replicas), and room */

typedef struct {
    char name[S_MAX_INSTANCES][32];
    int n;
} s_names_t;

/* The bus services' instances this config runs. */
static void
s_bus_instances (ctl_t *ctl, s_names_t *out)
{
    out->n = 0;
    for (int i = 0; i < NBUS; i++) {
        int replicas = bc_config_replicas (ctl->config, s_bus[i]);
        for (int k = 1; k <= replicas && out->n < S_MAX_INSTANCES; k++)
            bc_config_instance (s_bus[i], k, out->name[out->n++], sizeof out->name[0]);
    }
}

/* True when name is a bus service or one of its replicas ("intake-2"). */
static int
s_is_bus_instance (const char *name)
{
    char service[32];
    int k = 0;
    bc_config_service_of (name, service, sizeof service, &k);
    for (int i = 0; i < NBUS; i++)
        if (strcmp (service, s_bus[i]) == 0)
            return k >= 1 && k <= 8;
    return 0;
}

typedef struct {
    int is_frozen;
    uint64_t head, bytes;
    uint32_t files;
    int64_t copy_us;
    int ncursors;
    char sources[8][32];
    uint64_t applied[8];
} frozen_t;

static bc_client_t *
s_client (ctl_t *ctl, const char *service, int timeout_ms)
{
    bc_client_t *c = bc_client_new_for (ctl->config, service, "balcaoctl");
    if (c) {
        bc_client_set_principal (c, "admin:balcaoctl");
        bc_client_set_timeout (c, timeout_ms, 0);
    }
    return c;
}

/* The gateway's files: where the config puts them. */
static void
s_gateway_paths (ctl_t *ctl, char *db, char *seal, char *tokens, size_t size)
{
    char dflt[PATH_MAX + 32];
    snprintf (dflt, sizeof dflt, "%s/gateway/db", bc_config_data_dir (ctl->config));
    snprintf (db, size, "%s", bc_config_str (ctl->config, "gateway/db_dir", dflt));
    snprintf (dflt, sizeof dflt, "%s/gateway/seal.key", bc_config_data_dir (ctl->config));
    snprintf (seal, size, "%s", bc_config_str (ctl->config, "gateway/seal_key_file", dflt));
    bc_token_file (ctl->config, tokens, size);
}

/* Copies a file unless it is already there (inside a copied tree). */
static int
s_copy_if_missing (const char *from, const char *to, uint64_t *bytes)
{
    struct stat st;
    if (stat (from, &st) != 0 || stat (to, &st) == 0)
        return 0;
    return bc_backup_copy_file (from, to, bytes);
}

/* The gateway's store (read while it runs: one LMDB read transaction), its
 * seal key and tokens file. Returns 0 or a code; *is_present 0 when the
 * gateway never ran here. */
static int
s_copy_gateway (ctl_t *ctl, const char *dir, uint64_t *bytes, uint32_t *files, int *is_present,
                char *where, size_t where_size)
{
    char db[PATH_MAX], seal[PATH_MAX], tokens[PATH_MAX], from[PATH_MAX + 32],
        to[PATH_MAX + 32], path[PATH_MAX + 64];
    s_gateway_paths (ctl, db, seal, tokens, sizeof db);
    snprintf (from, sizeof from, "%s/gateway", bc_config_data_dir (ctl->config));
    snprintf (to, sizeof to, "%s/gateway", dir);
    snprintf (path, sizeof path, "%s/data.mdb", db);
    struct stat st;
    *is_present = stat (path, &st) == 0;
    if (!*is_present)
        return 0;
    int rc = bc_backup_copy_tree (from, to, bytes, files, where, where_size);
    if (rc)
        return rc;
    MDB_env *env = NULL;
    snprintf (where, where_size, "%s", db);
    if ((rc = mdb_env_create (&env)) == 0 && (rc = mdb_env_set_maxdbs (env, 32)) == 0
        && (rc = mdb_env_open (env, db, MDB_RDONLY, 0600)) == 0) {
        snprintf (path, sizeof path, "%s/db", to);
        rc = bc_backup_copy_env (env, path, bytes);
        (*files)++;
    }
    if (env)
        mdb_env_close (env);
    if (rc)
        return rc;
    snprintf (path, sizeof path, "%s/seal.key", to);
    if ((rc = s_copy_if_missing (seal, path, bytes)))
        return rc;
    snprintf (path, sizeof path, "%s/tokens", to);
    return s_copy_if_missing (tokens, path, bytes);
}

static int
s_freeze (ctl_t *ctl, const char *service, const char *dir, const char *backup_id, frozen_t *out)
{
    bc_client_t *c = s_client (ctl, service,
                               (int) bc_config_int (ctl->config, "balcaoctl/backup_copy_timeout_ms",
                                                    600000));
    if (!c)
        return -1;
    Balcao__V1__BackupFreeze req = BALCAO__V1__BACKUP_FREEZE__INIT;
    req.dir = (char *) dir;
    req.backup_id = (char *) backup_id;
    req.timeout_ms =
        (uint32_t) bc_config_int (ctl->config, "balcaoctl/backup_freeze_timeout_ms", 30000);
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (c, NULL, &req.base, &reply);
    Balcao__V1__BackupFrozen *bf = NULL;
    if (rc == BC_OK)
        bf = (Balcao__V1__BackupFrozen *) bc_envelope_payload (
            reply, &balcao__v1__backup_frozen__descriptor);
    if (!bf) {
        char buf[600];
        fprintf (stderr, T ("balcaoctl: %s não fez sua cópia: %s\n",
                            "balcaoctl: %s did not make its copy: %s\n"),
                 service, bc_client_error_text (rc == BC_OK ? BC_EPROTO : rc, reply, buf,
                                                sizeof buf));
        bc_envelope_destroy (&reply);
        bc_client_destroy (&c);
        return -1;
    }
    out->is_frozen = 1;
    out->head = bf->head_seq;
    out->bytes = bf->bytes;
    out->files = bf->files;
    out->copy_us = bf->copy_us;
    for (size_t i = 0; i < bf->n_cursors && out->ncursors < 8; i++) {
        snprintf (out->sources[out->ncursors], sizeof out->sources[0], "%s",
                  bf->cursors[i]->source);
        out->applied[out->ncursors++] = bf->cursors[i]->applied;
    }
    balcao__v1__backup_frozen__free_unpacked (bf, NULL);
    bc_envelope_destroy (&reply);
    bc_client_destroy (&c);
    return 0;
}

/* 1 when the service was still frozen for this backup; 0 (said) if not. */
static int
s_thaw (ctl_t *ctl, const char *service, const char *backup_id)
{
    int was_frozen = 0;
    for (int attempt = 0; attempt < 3 && !was_frozen; attempt++) {
        bc_client_t *c = s_client (ctl, service, 5000);
        if (!c)
            break;
        Balcao__V1__BackupThaw req = BALCAO__V1__BACKUP_THAW__INIT;
        req.backup_id = (char *) backup_id;
        bc_envelope_t *reply = NULL;
        int rc = bc_client_call (c, NULL, &req.base, &reply);
        Balcao__V1__BackupThawed *bt = NULL;
        if (rc == BC_OK)
            bt = (Balcao__V1__BackupThawed *) bc_envelope_payload (
                reply, &balcao__v1__backup_thawed__descriptor);
        bc_envelope_destroy (&reply);
        bc_client_destroy (&c);
        if (bt) {
            was_frozen = bt->was_frozen;
            balcao__v1__backup_thawed__free_unpacked (bt, NULL);
            if (!was_frozen)
                fprintf (stderr, T ("balcaoctl: %s já não estava pausado (passou o prazo ou "
                                    "reiniciou): a cópia pode não ser coerente\n",
                                    "balcaoctl: %s was no longer paused (its timeout passed or "
                                    "it restarted): the copy may not be consistent\n"),
                         service);
            return was_frozen;
        }
    }
    fprintf (stderr, T ("balcaoctl: %s não respondeu ao fim da pausa; ele retoma sozinho no "
                        "fim do prazo\n",
                        "balcaoctl: %s did not answer the thaw; it resumes by itself when its "
                        "timeout passes\n"),
             service);
    return 0;
}

/* Every consumer's position is at most its producer's log head. */
static int
s_is_consistent (ctl_t *ctl, const s_names_t *names_, const frozen_t *fz)
{
    int n = names_->n;
    const char(*names)[32] = names_->name;
    int ok = 1;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < fz[i].ncursors; c++)
            for (int j = 0; j < n; j++)
                if (strcmp (names[j], fz[i].sources[c]) == 0 && fz[i].applied[c] > fz[j].head) {
                    fprintf (stderr,
                             T ("balcaoctl: a cópia de %s leu %s até %llu, mas a de %s só vai "
                                "até %llu\n",
                                "balcaoctl: the copy of %s read %s up to %llu, but that of %s "
                                "only goes up to %llu\n"),
                             names[i], names[j], (unsigned long long) fz[i].applied[c], names[j],
                             (unsigned long long) fz[j].head);
                    ok = 0;
                }
    return ok;
}

static int
s_write_manifest (ctl_t *ctl, const char *dir, const char *backup_id, const s_names_t *names,
                  const frozen_t *fz, uint64_t gw_bytes, uint32_t gw_files, int has_gateway,
                  int has_curve, int64_t freeze_ms, uint64_t total)
{
    json_t *m = json_object ();
    char when[32];
    time_t now = time (NULL);
    strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime (&now));
    json_object_set_new (m, "format", json_integer (MANIFEST_FORMAT));
    json_object_set_new (m, "balcao_version", json_string (BALCAO_VERSION));
    json_object_set_new (m, "backup_id", json_string (backup_id));
    json_object_set_new (m, "created_at", json_string (when));
    json_object_set_new (m, "data_dir", json_string (bc_config_data_dir (ctl->config)));
    json_object_set_new (m, "freeze_ms", json_integer (freeze_ms));
    json_object_set_new (m, "bytes", json_integer ((json_int_t) total));
    json_object_set_new (m, "curve_keys", json_boolean (has_curve));
    json_t *services = json_object ();
    for (int i = 0; i < names->n; i++) {
        json_t *s = json_object (), *cursors = json_object ();
        json_object_set_new (s, "log_head", json_integer ((json_int_t) fz[i].head));
        for (int c = 0; c < fz[i].ncursors; c++)
            json_object_set_new (cursors, fz[i].sources[c],
                                 json_integer ((json_int_t) fz[i].applied[c]));
        json_object_set_new (s, "consumer_positions", cursors);
        json_object_set_new (s, "bytes", json_integer ((json_int_t) fz[i].bytes));
        json_object_set_new (s, "files", json_integer (fz[i].files));
        json_object_set_new (s, "copy_ms", json_integer (fz[i].copy_us / 1000));
        json_object_set_new (services, names->name[i], s);
    }
    if (has_gateway) {
        json_t *s = json_object ();
        json_object_set_new (s, "bytes", json_integer ((json_int_t) gw_bytes));
        json_object_set_new (s, "files", json_integer (gw_files));
        json_object_set_new (services, "gateway", s);
    }
    json_object_set_new (m, "services", services);
    char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
    snprintf (path, sizeof path, "%s/MANIFEST.json", dir);
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    int rc = json_dump_file (m, tmp, JSON_INDENT (2) | JSON_SORT_KEYS);
    json_decref (m);
    if (rc == 0 && rename (tmp, path) == 0 && bc_backup_sync (dir) == 0)
        return 0;
    fprintf (stderr, T ("balcaoctl: não consegui gravar %s: %s\n",
                        "balcaoctl: could not write %s: %s\n"),
             path, strerror (errno));
    return -1;
}

/* Whether dir is inside what a backup copies (a service's directory, the
 * keys): the copy would copy itself. */
static int
s_is_inside_data (ctl_t *ctl, const char *dir)
{
    s_names_t names;
    s_bus_instances (ctl, &names);
    /* Room: at most 4 x 8 instances before it. */
    snprintf (names.name[names.n++], sizeof names.name[0], "gateway");
    for (int i = 0; i <= names.n; i++) {
        char path[PATH_MAX + 32], real[PATH_MAX];
        if (i < names.n)
            snprintf (path, sizeof path, "%s/%s", bc_config_data_dir (ctl->config),
                      names.name[i]);
        else if (bc_config_curve_dir (ctl->config))
            snprintf (path, sizeof path, "%s", bc_config_curve_dir (ctl->config));
        else
            continue;
        size_t n;
        if (realpath (path, real) && strncmp (dir, real, n = strlen (real)) == 0
            && (dir[n] == '/' || dir[n] == 0))
            return 1;
    }
    return 0;
}

int
ctl_backup (ctl_t *ctl, const char *dir_arg)
{
    char dir[PATH_MAX];
    int err = bc_dir_ensure (dir_arg);
    if (err || !realpath (dir_arg, dir)) {
        fprintf (stderr, T ("balcaoctl: não consigo criar o diretório da cópia %s: %s\n",
                            "balcaoctl: cannot create the backup directory %s: %s\n"),
                 dir_arg, strerror (err ? err : errno));
        return 1;
    }
    if (s_is_inside_data (ctl, dir)) {
        fprintf (stderr, T ("balcaoctl: %s fica dentro dos dados que seriam copiados: escolha um "
                            "diretório fora deles\n",
                            "balcaoctl: %s is inside the data to be copied: choose a directory "
                            "outside it\n"),
                 dir);
        rmdir (dir); /* if it was made just now */
        return 1;
    }
    if (!bc_backup_dir_is_empty (dir)) {
        fprintf (stderr,
                 T ("balcaoctl: %s não está vazio: escolha um diretório novo para a cópia\n",
                    "balcaoctl: %s is not empty: choose a new directory for the backup\n"),
                 dir);
        return 1;
    }
    if (access (dir, W_OK) != 0) {
        fprintf (stderr, T ("balcaoctl: não posso gravar em %s: %s\n",
                            "balcaoctl: cannot write to %s: %s\n"),
                 dir, strerror (errno));
        return 1;
    }
    char backup_id[BC_ID_LEN + 1];
    bc_id_new (backup_id);
    s_names_t names;
    s_bus_instances (ctl, &names);
    frozen_t fz[S_MAX_INSTANCES];
    memset (fz, 0, sizeof fz);
    int64_t start = bc_mono_ms ();
    int ok = 1;
    for (int i = 0; i < names.n && ok; i++)
        ok = s_freeze (ctl, names.name[i], dir, backup_id, &fz[i]) == 0;
    uint64_t gw_bytes = 0;
    uint32_t gw_files = 0;
    int has_gateway = 0, has_curve = 0;
    char where[PATH_MAX + 64] = "";
    if (ok && (err = s_copy_gateway (ctl, dir, &gw_bytes, &gw_files, &has_gateway, where,
                                     sizeof where))) {
        fprintf (stderr, T ("balcaoctl: não consegui copiar o gateway (%s): %s\n",
                            "balcaoctl: could not copy the gateway (%s): %s\n"),
                 where, bc_store_strerror (err));
        ok = 0;
    }
    const char *curve_dir = bc_config_curve_dir (ctl->config);
    char to[PATH_MAX + 32];
    snprintf (to, sizeof to, "%s/curve", dir);
    uint32_t curve_files = 0;
    if (ok && curve_dir && access (curve_dir, F_OK) == 0) {
        has_curve = 1;
        if ((err = bc_backup_copy_tree (curve_dir, to, &gw_bytes, &curve_files, where,
                                        sizeof where))) {
            fprintf (stderr, T ("balcaoctl: não consegui copiar as chaves (%s): %s\n",
                                "balcaoctl: could not copy the keys (%s): %s\n"),
                     where, strerror (err));
            ok = 0;
        }
    }
    /* Thaw every service that froze, whatever happened. */
    for (int i = 0; i < names.n; i++)
        if (fz[i].is_frozen && !s_thaw (ctl, names.name[i], backup_id))
            ok = 0;
    int64_t freeze_ms = bc_mono_ms () - start;
    if (ok)
        ok = s_is_consistent (ctl, &names, fz);
    uint64_t total = gw_bytes;
    for (int i = 0; i < names.n; i++)
        total += fz[i].bytes;
    if (ok && (err = bc_backup_sync (dir))) {
        fprintf (stderr, T ("balcaoctl: não consegui gravar a cópia no disco (%s): %s\n",
                            "balcaoctl: could not flush the backup to disk (%s): %s\n"),
                 dir, strerror (err));
        ok = 0;
    }
    if (ok)
        ok = s_write_manifest (ctl, dir, backup_id, &names, fz, gw_bytes, gw_files, has_gateway,
                               has_curve, freeze_ms, total)
             == 0;
    if (!ok) {
        fprintf (stderr, T ("balcaoctl: a cópia falhou e os serviços voltaram a trabalhar; o que "
                            "ficou em %s está incompleto (sem MANIFEST.json): apague-o\n",
                            "balcaoctl: the backup failed and the services are working again; "
                            "what is left in %s is incomplete (no MANIFEST.json): delete it\n"),
                 dir);
        return 1;
    }
    printf (T ("Cópia em %s: %d serviços, %.1f MiB; serviços pausados por %lld ms.\n",
               "Backup in %s: %d services, %.1f MiB; services paused for %lld ms.\n"),
            dir, names.n + has_gateway, (double) total / 1048576.0, (long long) freeze_ms);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Restore */

/* Something answers on host:port (TCP) within half a second: on several
 * hosts, a stopped host's port refuses at once, one that is off never
 * answers. */
static int
s_port_answers (const char *address, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (strcmp (address, "0.0.0.0") == 0 || strcmp (address, "*") == 0)
        address = "127.0.0.1";
    if (getaddrinfo (address, port, &hints, &ai) != 0)
        return 0;
    int is_open = 0;
    for (struct addrinfo *a = ai; a && !is_open; a = a->ai_next) {
        int fd = socket (a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        if (connect (fd, a->ai_addr, a->ai_addrlen) == 0)
            is_open = 1;
        else if (errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int err = 0;
            socklen_t len = sizeof err;
            is_open = poll (&pfd, 1, 500) == 1
                      && getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
        }
        close (fd);
    }
    freeaddrinfo (ai);
    return is_open;
}

/* A bus service's command endpoint answers: a TCP connect for tcp:// (no
 * key needed: a host of several has no balcaoctl certificate), a Ping
 * otherwise. */
static int
s_service_answers (ctl_t *ctl, const char *service)
{
    const char *endpoint = bc_config_endpoint (ctl->config, service, "command");
    if (endpoint && strncmp (endpoint, "tcp://", 6) == 0) {
        char host[256];
        snprintf (host, sizeof host, "%s", endpoint + 6);
        char *colon = strrchr (host, ':');
        if (!colon)
            return 0;
        *colon = 0;
        if (host[0] == '[' && colon[-1] == ']') { /* [::1]:7101 */
            colon[-1] = 0;
            memmove (host, host + 1, strlen (host));
        }
        return s_port_answers (host, colon + 1);
    }
    bc_client_t *c = s_client (ctl, service, 200);
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = NULL;
    int rc = c ? bc_client_call (c, NULL, &ping.base, &reply) : BC_ETIMEOUT;
    bc_envelope_destroy (&reply);
    bc_client_destroy (&c);
    return rc != BC_ETIMEOUT;
}

/* The name of a service that runs with this config (supervised, by its pid
 * file, or answering on its endpoint, on whichever host that is), or NULL. */
static const char *
s_running (ctl_t *ctl)
{
    bc_svstate_t st;
    if (bc_svstate_read (&st, ctl->state_path) == 0 && bc_svstate_is_live (&st))
        return "supervisor";
    static ctl_instance_t inst[CTL_MAX_INSTANCES]; /* the name returned lives on */
    int n = ctl_instances (ctl, inst);
    for (int i = 0; i < n; i++)
        if (ctl_read_pid (ctl, inst[i].name))
            return inst[i].name;
    static s_names_t names; /* the name returned lives on */
    s_bus_instances (ctl, &names);
    for (int i = 0; i < names.n; i++)
        if (s_service_answers (ctl, names.name[i]))
            return names.name[i];
    char port[16];
    snprintf (port, sizeof port, "%lld", bc_config_int (ctl->config, "gateway/http_port", 8080));
    if (s_port_answers (bc_config_str (ctl->config, "gateway/http_address", "127.0.0.1"), port))
        return "gateway";
    return NULL;
}

/* What --only names: bus instances (intake, intake-2, router, ...) and
 * the gateway and the keys; without --only, everything in the backup. */
typedef struct {
    int is_all;
    s_names_t bus;
    int gateway, curve;
} s_parts_t;

static int
s_is_named (const s_names_t *names, const char *name)
{
    for (int i = 0; i < names->n; i++)
        if (strcmp (names->name[i], name) == 0)
            return 1;
    return 0;
}

static int
s_is_selected (const s_parts_t *parts, const char *instance)
{
    return parts->is_all || s_is_named (&parts->bus, instance);
}

/* The parts in a comma-separated list (NULL: all): 0, or -1 after saying
 * which word is unknown. */
static int
s_parts (ctl_t *ctl, const char *only, s_parts_t *out)
{
    memset (out, 0, sizeof *out);
    if (!only) {
        out->is_all = out->gateway = out->curve = 1;
        return 0;
    }
    char list[256];
    snprintf (list, sizeof list, "%s", only);
    char *save = NULL;
    int any = 0;
    for (char *word = strtok_r (list, ",", &save); word; word = strtok_r (NULL, ",", &save)) {
        any = 1;
        if (strcmp (word, "gateway") == 0)
            out->gateway = 1;
        else if (strcmp (word, "curve") == 0)
            out->curve = 1;
        else if (s_is_bus_instance (word) && strlen (word) < sizeof out->bus.name[0]
                 && out->bus.n < S_MAX_INSTANCES)
            snprintf (out->bus.name[out->bus.n++], sizeof out->bus.name[0], "%s", word);
        else {
            fprintf (stderr, T ("balcaoctl: --only: não conheço \"%s\"; as partes são intake, "
                                "router, kb, notify (e réplicas como intake-2), gateway e curve "
                                "(as chaves), separadas por vírgulas\n",
                                "balcaoctl: --only: unknown part \"%s\"; the parts are intake, "
                                "router, kb, notify (and replicas such as intake-2), gateway and "
                                "curve (the keys), separated by commas\n"),
                     word);
            return -1;
        }
    }
    if (!any) {
        fprintf (stderr, T ("balcaoctl: --only precisa de ao menos uma parte (intake, router, kb, "
                            "notify, gateway, curve)\n",
                            "balcaoctl: --only needs at least one part (intake, router, kb, "
                            "notify, gateway, curve)\n"));
        return -1;
    }
    return 0;
}

typedef struct {
    char from[PATH_MAX + 32]; /* in the backup */
    char to[PATH_MAX + 32];   /* in place */
    int is_file;
} place_t;

/* Reads and checks the manifest, and that the copies of the bus instances
 * in parts are there; *in_backup: the bus instances it holds. 0, or -1
 * after saying why. */
static int
s_check_manifest (ctl_t *ctl, const char *dir, const s_parts_t *parts, s_names_t *in_backup,
                  int *has_gateway, int *has_curve)
{
    char path[PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/MANIFEST.json", dir);
    json_error_t jerr;
    json_t *m = json_load_file (path, 0, &jerr);
    if (!m) {
        fprintf (stderr, T ("balcaoctl: %s não é uma cópia completa do Balcão (%s: %s)\n",
                            "balcaoctl: %s is not a complete Balcão backup (%s: %s)\n"),
                 dir, path, jerr.text);
        return -1;
    }
    int ok = json_integer_value (json_object_get (m, "format")) == MANIFEST_FORMAT;
    if (!ok)
        fprintf (stderr, T ("balcaoctl: %s tem um formato que esta versão não conhece\n",
                            "balcaoctl: %s has a format this version does not know\n"),
                 path);
    const char *version = json_string_value (json_object_get (m, "balcao_version"));
    if (ok && version && strcmp (version, BALCAO_VERSION) != 0)
        printf (T ("Atenção: a cópia foi feita pelo Balcão %s; este é o %s.\n",
                   "Note: the backup was made by Balcão %s; this is %s.\n"),
                version, BALCAO_VERSION);
    json_t *services = json_object_get (m, "services");
    in_backup->n = 0;
    const char *key;
    json_t *entry;
    json_object_foreach (services, key, entry)
    {
        if (s_is_bus_instance (key) && in_backup->n < S_MAX_INSTANCES)
            snprintf (in_backup->name[in_backup->n++], sizeof in_backup->name[0], "%s", key);
    }
    /* Every service, and every instance asked for by name. */
    const char *missing = NULL;
    for (int i = 0; i < NBUS && !missing; i++)
        if (!s_is_named (in_backup, s_bus[i]))
            missing = s_bus[i];
    for (int i = 0; i < parts->bus.n && !missing; i++)
        if (!s_is_named (in_backup, parts->bus.name[i]))
            missing = parts->bus.name[i];
    if (ok && missing) {
        fprintf (stderr, T ("balcaoctl: falta a cópia de %s em %s\n",
                            "balcaoctl: the copy of %s is missing from %s\n"),
                 missing, dir);
        ok = 0;
    }
    frozen_t fz[S_MAX_INSTANCES];
    memset (fz, 0, sizeof fz);
    for (int i = 0; ok && i < in_backup->n; i++) {
        json_t *s = json_object_get (services, in_backup->name[i]);
        char mdb[PATH_MAX + 64];
        snprintf (mdb, sizeof mdb, "%s/%s/data.mdb", dir, in_backup->name[i]);
        if (!json_is_object (s)
            || (s_is_selected (parts, in_backup->name[i]) && access (mdb, R_OK) != 0)) {
            fprintf (stderr, T ("balcaoctl: falta a cópia de %s em %s\n",
                                "balcaoctl: the copy of %s is missing from %s\n"),
                     in_backup->name[i], dir);
            ok = 0;
            break;
        }
        fz[i].head = (uint64_t) json_integer_value (json_object_get (s, "log_head"));
        const char *source;
        json_t *v;
        json_object_foreach (json_object_get (s, "consumer_positions"), source, v)
        {
            if (fz[i].ncursors < 8) {
                snprintf (fz[i].sources[fz[i].ncursors], sizeof fz[i].sources[0], "%s", source);
                fz[i].applied[fz[i].ncursors++] = (uint64_t) json_integer_value (v);
            }
        }
    }
    if (ok)
        ok = s_is_consistent (ctl, in_backup, fz);
    *has_gateway = json_is_object (json_object_get (services, "gateway"));
    *has_curve = json_is_true (json_object_get (m, "curve_keys"));
    json_decref (m);
    /* Asked for by name (--only), the gateway and the keys must be there. */
    missing = NULL;
    if (!parts->is_all && parts->gateway && !*has_gateway)
        missing = "gateway";
    else if (!parts->is_all && parts->curve && !*has_curve)
        missing = "curve";
    if (ok && missing) {
        fprintf (stderr, T ("balcaoctl: falta a cópia de %s em %s\n",
                            "balcaoctl: the copy of %s is missing from %s\n"),
                 missing, dir);
        ok = 0;
    }
    return ok ? 0 : -1;
}

/* Moves what is at path aside (path.before-restore-<time>). */
static int
s_move_aside (ctl_t *ctl, const char *path, const char *stamp)
{
    char aside[PATH_MAX + 96];
    snprintf (aside, sizeof aside, "%s.before-restore-%s", path, stamp);
    if (rename (path, aside) == 0) {
        printf (T ("O que havia em %s foi movido para %s.\n", "What was in %s was moved to %s.\n"),
                path, aside);
        return 0;
    }
    fprintf (stderr, T ("balcaoctl: não consegui mover %s para %s: %s\n",
                        "balcaoctl: could not move %s to %s: %s\n"),
             path, aside, strerror (errno));
    return -1;
}

static int
s_is_occupied (const place_t *p)
{
    struct stat st;
    if (p->is_file)
        return stat (p->to, &st) == 0;
    return !bc_backup_dir_is_empty (p->to);
}

int
ctl_restore (ctl_t *ctl, const char *dir_arg, int force, const char *only)
{
    s_parts_t parts;
    if (s_parts (ctl, only, &parts))
        return 64;
    char dir[PATH_MAX];
    if (!realpath (dir_arg, dir)) {
        fprintf (stderr, "balcaoctl: %s: %s\n", dir_arg, strerror (errno));
        return 1;
    }
    const char *running = s_running (ctl);
    if (running) {
        fprintf (stderr, T ("balcaoctl: o Balcão está no ar (%s responde): pare-o antes de "
                            "restaurar (balcaoctl down)\n",
                            "balcaoctl: Balcão is running (%s answers): stop it before "
                            "restoring (balcaoctl down)\n"),
                 running);
        return 1;
    }
    int has_gateway, has_curve;
    s_names_t in_backup;
    if (s_check_manifest (ctl, dir, &parts, &in_backup, &has_gateway, &has_curve))
        return 1;
    has_gateway = has_gateway && parts.gateway;
    has_curve = has_curve && parts.curve;
    const char *data_dir = bc_config_data_dir (ctl->config);
    place_t places[S_MAX_INSTANCES + 6];
    int n = 0;
    for (int i = 0; i < in_backup.n; i++) {
        if (!s_is_selected (&parts, in_backup.name[i]))
            continue;
        snprintf (places[n].from, sizeof places[n].from, "%s/%s", dir, in_backup.name[i]);
        snprintf (places[n].to, sizeof places[n].to, "%s/%s", data_dir, in_backup.name[i]);
        places[n++].is_file = 0;
    }
    char db[PATH_MAX], seal[PATH_MAX], tokens[PATH_MAX], gw_dir[PATH_MAX + 32];
    s_gateway_paths (ctl, db, seal, tokens, sizeof db);
    snprintf (gw_dir, sizeof gw_dir, "%s/gateway", data_dir);
    if (has_gateway) {
        /* The db, seal key and tokens go where this config wants them. */
        const char *names[] = {"db", "seal.key", "tokens"};
        const char *targets[] = {db, seal, tokens};
        for (int i = 0; i < 3; i++, n++) {
            snprintf (places[n].from, sizeof places[n].from, "%s/gateway/%s", dir, names[i]);
            snprintf (places[n].to, sizeof places[n].to, "%s", targets[i]);
            places[n].is_file = i > 0;
        }
    }
    const char *curve_dir = bc_config_curve_dir (ctl->config);
    if (has_curve && curve_dir) {
        snprintf (places[n].from, sizeof places[n].from, "%s/curve", dir);
        snprintf (places[n].to, sizeof places[n].to, "%s", curve_dir);
        places[n++].is_file = 0;
    }
    /* Nothing is touched unless everything may be. */
    int occupied = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (places[i].is_file && stat (places[i].from, &st) != 0)
            places[i].from[0] = 0; /* not in the backup (no tokens yet) */
        if (places[i].from[0] && s_is_occupied (&places[i])) {
            occupied++;
            if (!force)
                fprintf (stderr,
                         T ("balcaoctl: %s já tem dados\n", "balcaoctl: %s already holds data\n"),
                         places[i].to);
        }
    }
    if (occupied && !force) {
        fprintf (stderr, T ("balcaoctl: nada foi mudado; para pôr a cópia no lugar assim mesmo "
                            "(o que está lá é movido para o lado), use --force\n",
                            "balcaoctl: nothing was changed; to put the backup in place anyway "
                            "(what is there is moved aside), use --force\n"));
        return 1;
    }
    char stamp[32];
    time_t now = time (NULL);
    strftime (stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime (&now));
    for (int i = 0; i < n; i++)
        if (places[i].from[0] && s_is_occupied (&places[i])
            && s_move_aside (ctl, places[i].to, stamp))
            return 1;
    uint64_t bytes = 0;
    uint32_t files = 0;
    int err = 0;
    char where[PATH_MAX + 64] = "";
    for (int i = 0; i < n && !err; i++) {
        if (!places[i].from[0])
            continue;
        if (places[i].is_file) {
            char parent[PATH_MAX + 32];
            snprintf (parent, sizeof parent, "%s", places[i].to);
            char *slash = strrchr (parent, '/');
            if (slash && slash != parent)
                *slash = 0;
            if (!(err = bc_dir_ensure (parent)))
                err = bc_backup_copy_file (places[i].from, places[i].to, &bytes);
            snprintf (where, sizeof where, "%s", places[i].to);
            files++;
            continue;
        }
        char from_mdb[sizeof places[0].from + 16], to_mdb[sizeof places[0].to + 16];
        snprintf (from_mdb, sizeof from_mdb, "%.*s/data.mdb", (int) sizeof places[0].from,
                  places[i].from);
        snprintf (to_mdb, sizeof to_mdb, "%.*s/data.mdb", (int) sizeof places[0].to, places[i].to);
        err = bc_backup_copy_tree (places[i].from, places[i].to, &bytes, &files, where,
                                   sizeof where);
        if (!err && access (from_mdb, F_OK) == 0) {
            err = bc_backup_copy_file (from_mdb, to_mdb, &bytes);
            snprintf (where, sizeof where, "%s", to_mdb);
            files++;
        }
    }
    if (!err && has_gateway)
        err = bc_dir_ensure (gw_dir);
    if (!err && n > (has_curve ? 1 : 0)) /* something went under data_dir */
        err = bc_backup_sync (data_dir);
    if (!err && has_curve && curve_dir)
        err = bc_backup_sync (curve_dir);
    if (err) {
        fprintf (stderr, T ("balcaoctl: a restauração parou em %s: %s\n",
                            "balcaoctl: the restore stopped at %s: %s\n"),
                 where, strerror (err));
        return 1;
    }
    printf (T ("Cópia de %s restaurada em %s: %u arquivos, %.1f MiB. Inicie com balcaoctl up.\n",
               "Backup %s restored into %s: %u files, %.1f MiB. Start with balcaoctl up.\n"),
            dir, data_dir, files, (double) bytes / 1048576.0);
    return 0;
}
