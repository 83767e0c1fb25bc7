/* bc_svstate: the supervisor's state file, <data_dir>/run/supervise.state.
 *
 * `balcaoctl supervise` (started by `balcaoctl up`) rewrites it after every
 * change, atomically (a temporary file renamed over it), so a reader sees
 * one whole version. `balcaoctl status` and the agent CLI read it to say why
 * a service does not answer: stopped, restarting, or given up after
 * crashing too often. Nothing depends on the file existing: the CLI may run
 * on a host where no supervisor ever ran.
 *
 * Format: one line for the supervisor, then one per process, each a list of
 * key=value words (values never hold spaces):
 *
 *   supervisor pid=812 updated_us=... give_up_exits=5 give_up_window_s=60
 *   process name=kb state=restarting pid=0 since_us=... next_us=... restarts=2
 *           exits=2 exit=status:1 bind=-
 */
#ifndef BC_SVSTATE_H
#define BC_SVSTATE_H

#include "bc_config.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    BC_SV_STOPPED = 0, /* not running and not planned to (down, or not started yet) */
    BC_SV_STARTING,    /* started; not ready yet (no READY=1) */
    BC_SV_RUNNING,     /* ready: its sockets are bound, it serves */
    BC_SV_RESTARTING,  /* exited on its own; started again at next_us */
    BC_SV_GAVE_UP,     /* exited too often too fast (or with 78, EX_CONFIG): left stopped */
} bc_sv_state_t;

/* Every instance balcaoctl runs (CTL_MAX_INSTANCES) and imapgate. */
#define BC_SV_MAX_PROCS 28

/* One supervised process. */
typedef struct {
    char name[16];       /* "router", "intake-2", ..., "imapgate" */
    bc_sv_state_t state;
    int pid;             /* the running process, 0 when none */
    int64_t since_us;    /* wall clock: when the running process started */
    int64_t next_us;     /* restarting: wall clock of the next attempt */
    int restarts;        /* times started again since the supervisor started */
    int exits;           /* recent exits, those that count toward giving up */
    char exit[24];       /* the last exit: "status:1", "signal:9", "lost" (not
                            known: a process it adopted); "" if none */
    char bind[128];      /* what the last attempt could not bind; "" if none */
} bc_sv_proc_t;

typedef struct {
    int pid;              /* the supervisor; 0 once it stopped (balcaoctl down) */
    int64_t updated_us;   /* wall clock of this version */
    int give_up_exits;    /* the policy: a process is given up after this */
    int give_up_window_s; /* many exits within this many seconds */
    int nprocs;
    bc_sv_proc_t procs[BC_SV_MAX_PROCS];
} bc_svstate_t;

/* The file's path for this config: <data_dir>/run/supervise.state. */
void bc_svstate_path (bc_config_t *config, char *buf, size_t size);

/* Writes self to path through path.tmp and rename(2). 0, or an errno. */
int bc_svstate_write (const bc_svstate_t *self, const char *path);

/* Reads path into self. 0; ENOENT when there is no file; EINVAL when it is
 * not a state file. self is zeroed first in every case. */
int bc_svstate_read (bc_svstate_t *self, const char *path);

/* The entry for the process called name, or NULL. */
bc_sv_proc_t *bc_svstate_find (bc_svstate_t *self, const char *name);

/* Whether the supervisor that wrote self is still running (its pid is
 * alive and is a balcaoctl). */
int bc_svstate_is_live (const bc_svstate_t *self);

/* A sentence for people on where proc stands (in English when en), e.g.
 * "parado após 5 falhas seguidas em 60 s; veja var/log/kb.log". log_dir is
 * where the service logs (named in the advice). Returns buf. */
const char *bc_svstate_describe (const bc_svstate_t *self, const bc_sv_proc_t *proc,
                                 const char *log_dir, int en, char *buf, size_t size);

/* The name of a state in the file ("running", ...), and back (-1 if none). */
const char *bc_sv_state_name (bc_sv_state_t state);
int bc_sv_state_parse (const char *name);

#endif
