/* balcao_cli: what the agent CLI's files share (balcao_cli.c: the calls to
 * services, the language, times and numbers). tools/balcao.c: main, the
 * usage and the commands on tickets; balcao_kb.c: the
 * knowledge base; balcao_people.c: people and organizations; balcao_keys.c: CURVE keys;
 * balcao_mail.c: attachments and the outbox; balcao_report.c: reports;
 * balcao_logs.c: the event logs (`tail`, `quarantine`); balcao_desk.c: the
 * dashboard's views (`queue`, `counts`, `macro-preview`); balcao_settings.c:
 * the settings admins change at run time; balcao_catalog.c: categories and
 * macros; balcao_kb_io.c: kb import and export. */
#ifndef BALCAO_CLI_H
#define BALCAO_CLI_H

#include "bc_config.h"
#include "bc_msg.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_REFUSED 2
#define EXIT_USAGE 64
#define EXIT_UNAVAILABLE 69

/* The user's language: 1 for English (BALCAO_LANG / the locale). */
int balcao_cli_en (void);
/* Calls a service as the user; prints the error and returns NULL on
 * failure (balcao_cli_exit then says which exit code). */
bc_envelope_t *balcao_cli_call (bc_config_t *config, const char *service,
                                const ProtobufCMessage *req);
int balcao_cli_exit (void);
/* A time as the user reads it (dd/mm/yyyy hh:mm, local time). */
void balcao_cli_time (int64_t us, char *buf, size_t size);
/* A time for --json: ISO 8601, local time with its offset
 * ("2026-03-02T14:05:09-03:00"); JSON null for 0. */
json_t *balcao_cli_json_time (int64_t us);
/* Prints o (which it takes) as --json does: one object, UTF-8 as is,
 * indented, and a newline. Returns 0, or EXIT_UNAVAILABLE when o is NULL
 * (jansson refused a value: not UTF-8). */
int balcao_cli_print_json (json_t *o);
/* Whether argv holds --json; then it is taken out (argc lowered). */
int balcao_cli_take_json (int *argc, char **argv);
/* Calls service and returns the reply's payload of the expected type, or
 * NULL with balcao_cli_exit () set. */
ProtobufCMessage *balcao_cli_fetch (bc_config_t *config, const char *service,
                                    const ProtobufCMessage *req,
                                    const ProtobufCMessageDescriptor *type);
/* Splits "a, b,c" (or "[a, 'b']") into tags: pointers into buf, which is
 * changed. Returns how many (at most max). */
size_t balcao_cli_tags (char *buf, char **tags, size_t max);
/* The same without a word on stderr when it fails (the caller says what
 * it means); balcao_cli_exit () says why. */
ProtobufCMessage *balcao_cli_fetch_quiet (bc_config_t *config, const char *service,
                                          const ProtobufCMessage *req,
                                          const ProtobufCMessageDescriptor *type);
/* A number from the command line (digits only), or 0. */
uint64_t balcao_cli_number (const char *arg);
/* The words from argv[from] on, joined by spaces, into buf. */
const char *balcao_cli_join (int argc, char **argv, int from, char *buf, size_t size);
/* Where the person's own key pair lives ($BALCAO_KEY, else under
 * $XDG_CONFIG_HOME or ~/.config/balcao/), and that key when it exists. */
const char *balcao_cli_key_path (void);
const char *balcao_cli_personal_cert (void);
/* Who the caller says they are: $BALCAO_PRINCIPAL, else agent:$USER. */
const char *balcao_cli_declared_principal (void);

/* The commands of the other files: each returns the exit code. */
int balcao_kb (bc_config_t *config, int argc, char **argv);
int balcao_people (bc_config_t *config, const char *cmd, int argc, char **argv);
int balcao_login (void);
int balcao_person_key (bc_config_t *config, int argc, char **argv);
int balcao_attachment (bc_config_t *config, int argc, char **argv);
int balcao_outbox (bc_config_t *config, int argc, char **argv);
/* balcao_kb_io.c: `kb import DIR|FILE.jsonl [--publish]`, `kb export`. */
int balcao_kb_import (bc_config_t *config, const char *path, int publish);
int balcao_kb_export (bc_config_t *config, const char *path);
/* balcao_catalog.c: `categories`, `macros` (list) and `category-save`,
 * `macro-save`, `macro-remove`. */
int balcao_catalog_list (bc_config_t *config, int macros);
int balcao_catalog (bc_config_t *config, const char *cmd, int argc, char **argv);
/* balcao_lgpd.c: `lgpd erase`, `lgpd log` (the data subject's rights). */
int balcao_lgpd (bc_config_t *config, int argc, char **argv);
/* balcao_report.c: `balcao report`. */
int balcao_report (bc_config_t *config, int argc, char **argv);

/* balcao_desk.c: the dashboard's views */
int balcao_queue (bc_config_t *config, int argc, char **argv);
int balcao_counts (bc_config_t *config);
int balcao_macro_preview (bc_config_t *config, int argc, char **argv);

/* balcao_settings.c: `balcao settings [set KEY VALUE ...]`. */
int balcao_settings (bc_config_t *config, int argc, char **argv);

/* balcao_logs.c */
int balcao_tail (bc_config_t *config, int argc, char **argv);
int balcao_quarantine (bc_config_t *config, int argc, char **argv);

#endif
