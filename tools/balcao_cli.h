/* balcao_cli: what the agent CLI's files share (tools/balcao.c: the
 * commands on tickets, people and the knowledge base; balcao_logs.c: the
 * event logs, `tail` and `quarantine`). */
#ifndef BALCAO_CLI_H
#define BALCAO_CLI_H

#include "bc_config.h"
#include "bc_msg.h"

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

/* balcao_logs.c */
int balcao_tail (bc_config_t *config, int argc, char **argv);
int balcao_quarantine (bc_config_t *config, int argc, char **argv);

#endif
