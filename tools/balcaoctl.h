/* balcaoctl: what the commands (balcaoctl.c) and the supervisor
 * (balcaoctl_supervise.c) share. */
#ifndef BALCAOCTL_H
#define BALCAOCTL_H

#include "bc_config.h"

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

/* The five services, in start order; imapgate is started apart (after
 * intake answers, when intake/imap/url is set). */
extern const char *const ctl_services[];
#define CTL_NSERVICES 5

/* A process of a service: the service itself ("intake"), one of its
 * replicas ("intake-2", <service>/replicas) or one of kb's read replicas
 * ("kb-2", kb/read_replicas), run as balcao-<service> -r <replica>. */
typedef struct {
    char name[16];
    char service[16];
    int replica; /* 1: the service itself */
} ctl_instance_t;
/* 5 services, up to 7 more intakes, notifies and kb read replicas. */
#define CTL_MAX_INSTANCES 26

typedef struct {
    bc_config_t *config;
    char config_path[PATH_MAX]; /* absolute, "" for embedded defaults */
    char bin_dir[PATH_MAX];
    char run_dir[PATH_MAX];
    char log_dir[PATH_MAX];
    char state_path[PATH_MAX + 32]; /* the supervisor's state (bc_svstate) */
    int en;                         /* messages in English (bc_lang_is_en) */
} ctl_t;

/* The instances this config runs, in ctl_services' order, each service
 * followed by its replicas. Returns how many (at most CTL_MAX_INSTANCES). */
int ctl_instances (ctl_t *ctl, ctl_instance_t *out);

/* The pid in <run_dir>/<name>.pid if that process runs balcao-<service of
 * name> (name: an instance, "intake-2", or "imapgate"), else 0. */
pid_t ctl_read_pid (ctl_t *ctl, const char *name);
/* Writes <run_dir>/<name>.pid; removes it when pid is 0. */
void ctl_write_pid (ctl_t *ctl, const char *name, pid_t pid);

/* Starts <bin_dir>/<program> -c CONFIG [args...] (NULL-terminated; args
 * may be NULL) in its own session, with
 * stdout and stderr appended to <log_dir>/<log>.log, stdin from /dev/null,
 * no other descriptor, no blocked signal, and NOTIFY_SOCKET=notify when
 * notify is not NULL. Returns once the child runs that program (or failed
 * to, then it exits 127), or -1 if fork failed. */
pid_t ctl_spawn (ctl_t *ctl, const char *program, const char *const *args, const char *log,
                 const char *notify);

/* Whether balcao-imapgate runs too (intake/imap/url is set). */
int ctl_wants_imapgate (ctl_t *ctl);

/* Makes the demo customer's portal account (balcao-gateway account-add)
 * with a new random password, and prints the portal's address, the
 * address to sign in with and the password. */
void ctl_demo_account (ctl_t *ctl, const char *address, const char *name);

/* balcaoctl_staff.c. A password to hand out: 16 letters and digits in four
 * groups ("abcd-efgh-jkmn-pqrs"). */
#define CTL_PASSWORD_SIZE 20
void ctl_password_new (char out[CTL_PASSWORD_SIZE]);
/* gateway/public_url (default http://<http_address>:<http_port>), no
 * trailing '/'. */
void ctl_public_url (ctl_t *ctl, char *out, size_t size);
/* Runs balcao-gateway COMMAND ADDRESS [NAME] (account-add, staff-add) with
 * password on its standard input: 0, or -1. */
int ctl_gateway_password (ctl_t *ctl, const char *command, const char *address, const char *name,
                          const char *password);
/* `balcaoctl staff-add ID NAME [TIER]`: registers the router person ID
 * (agent:, supervisor: or admin: and an e-mail) as the operator, sets a new
 * random web password for them at the gateway and prints it once, with the
 * dashboard's address. The exit status. */
int ctl_staff_add (ctl_t *ctl, const char *id, const char *name, const char *tier);
/* The demo's support team (N1, N2 and N3 agents, a supervisor and an
 * admin, at suporte.balcao.example), each with a new random password,
 * printed with the dashboard's address. */
void ctl_demo_staff (ctl_t *ctl);

/* balcaoctl_backup.c: `balcaoctl backup DIR` (while the system runs) and
 * `balcaoctl restore DIR [--force] [--only PARTS]` (while it is stopped).
 * only: NULL for everything, or a comma-separated list of intake, router,
 * kb, notify, gateway (its db, seal key and tokens) and curve (the keys):
 * what one host of several runs. Exit statuses. */
int ctl_backup (ctl_t *ctl, const char *dir);
int ctl_restore (ctl_t *ctl, const char *dir, int force, const char *only);

/* What a service's Ping answered: whether it did, with which pid and log
 * head. */
typedef struct {
    int is_answered;
    int pid;
    uint64_t head;
    uint64_t quarantined; /* events it set aside (balcao quarantine) */
} ctl_pong_t;
/* Pings the instance (200 ms); is_answered 0 when nothing answered. */
ctl_pong_t ctl_ping (ctl_t *ctl, const char *service);
/* The HTTP status of the gateway's GET /healthz: 200 when every service
 * answers it, 503 when one does not; 0 when nothing answered. */
int ctl_http_health (ctl_t *ctl);
/* balcaoctl_status.c: `balcaoctl status`; the exit status (3: not all ok). */
int ctl_status (ctl_t *ctl);

/* balcaoctl_compact.c: `balcaoctl compact [INSTANCE...]`; the exit status. */
int ctl_compact (ctl_t *ctl, char **names, int n_names);

/* `balcaoctl supervise`: runs until SIGTERM; the exit code. */
int ctl_supervise (ctl_t *ctl);

#endif
