/* bc_config: the ZPL configuration (CZMQ zconfig) with defaults at the point
 * of use. One file describes the whole system; each service reads its own
 * section plus the endpoints of the services it talks to. */
#ifndef BC_CONFIG_H
#define BC_CONFIG_H

#include <stddef.h>

typedef struct bc_config_t bc_config_t;

/* Loads the ZPL file at path. path NULL: embedded defaults only. Returns NULL
 * and logs the reason when the file is missing or malformed. */
bc_config_t *bc_config_load (const char *path);
void bc_config_destroy (bc_config_t **self_p);

/* The value at "section/key", or dflt when absent. */
const char *bc_config_str (bc_config_t *self, const char *path, const char *dflt);
long long bc_config_int (bc_config_t *self, const char *path, long long dflt);

/* The names of the subsections of `path` (e.g. the categories under
 * "router/categories"), at most max of them. Returns how many. */
int bc_config_children (bc_config_t *self, const char *path, const char **names, int max);

/* Sets path to value in memory (the file is untouched): for settings a
 * service keeps in its own store and lays over the file's. Pointers an
 * earlier bc_config_str gave for path are no longer valid. */
void bc_config_put (bc_config_t *self, const char *path, const char *value);

/* Where to connect to service's "command" or "events" socket:
 * "<service>/command" or the embedded loopback default. */
const char *bc_config_endpoint (bc_config_t *self, const char *service, const char *kind);
/* Where the service itself binds: "<service>/bind_command" (or bind_events),
 * defaulting to the connect endpoint. */
const char *bc_config_bind (bc_config_t *self, const char *service, const char *kind);
/* Replicas (docs/operations.md, "Scale-out"): "<service>/replicas" (1 to
 * 8, default 1) instances of a service; the first is named as the service,
 * instance k >= 2 "<service>-<k>", with its own section (endpoints,
 * metrics) and data directory; every other setting is the service's. */
int bc_config_replicas (bc_config_t *self, const char *service);
/* Read replicas: "<service>/read_replicas" (0 to 7, default 0) more
 * instances, numbered after the replicas, that answer reads and write no
 * log of their own (kb's, for search load): nobody consumes them. */
int bc_config_read_replicas (bc_config_t *self, const char *service);
/* The name of instance k (1-based) of service, in out. */
const char *bc_config_instance (const char *service, int k, char *out, size_t size);
/* The service an instance name belongs to ("notify-2" -> "notify"; a name
 * without a numeric suffix is its own), in out; *k gets the instance (1 for
 * the first) when k is not NULL. */
const char *bc_config_service_of (const char *instance, char *out, size_t size, int *k);
/* The instance of service that takes the work of key (FNV-1a of the
 * bytes, modulo the replicas): the same key always goes to the same
 * replica, so each dedupes what it is sent again. */
const char *bc_config_replica_for (bc_config_t *self, const char *service, const void *key,
                                   size_t len, char *out, size_t size);
/* The data directory ("balcao/data_dir", default "var"). */
const char *bc_config_data_dir (bc_config_t *self);
/* The CURVE certificates' directory: "balcao/curve_dir"; when the key is
 * absent, "<data_dir>/curve" (CURVE is on by default); NULL when it is set
 * to "" (off: plain TCP, and every local account may speak for anyone). */
const char *bc_config_curve_dir (bc_config_t *self);
/* The words (separated by spaces or commas) of the value at path, or of
 * dflt when absent: a NULL-terminated array to free with
 * bc_config_words_free. Sets *count. */
char **bc_config_words (bc_config_t *self, const char *path, const char *dflt, int *count);
void bc_config_words_free (char ***words_p);
/* Who may read a whole event log (balcao/log_readers): by default the
 * services that consume one. */
#define BC_LOG_READERS_DEFAULT "service:intake service:router service:kb service:notify"

/* The largest bus message (balcao/max_message_size), and so the largest
 * e-mail a mail gate carries whole: 40 MiB, so that a file at intake's
 * default attachment limits (25 MiB, a third more in base64) fits with its
 * message around it. */
#define BC_MAX_MESSAGE_SIZE_DEFAULT (40 * 1024 * 1024)

/* The address people open (gateway/public_url, without a trailing "/"),
 * by default http://<gateway/http_address>:<gateway/http_port>: for links
 * in mails and pages. */
void bc_config_public_url (bc_config_t *self, char *out, size_t size);

/* The path of the file loaded, or NULL for embedded defaults. */
const char *bc_config_path (bc_config_t *self);

#endif
