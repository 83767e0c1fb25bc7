/* balcaoctl_compact: `balcaoctl compact [INSTANCE...]`. Asks each bus
 * service (every instance this config runs, or those named: intake,
 * notify-2, ...) to compact its store once it has caught up (CompactStore,
 * bc_service_compact.c): its records copied into a fresh data.mdb, so the
 * pages retention freed go back to the disk. Where the service's data
 * directory is on this host, waits for its compaction (its mark file gone)
 * and prints the sizes; elsewhere the service's log says them
 * (event=store_compacted). */
#include "balcao/v1/bus.pb-c.h"
#include "balcaoctl.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_size.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T(pt_, en_) (ctl->en ? (en_) : (pt_))

/* "184 KB", "1,5 MB" (bc_size.h), in the operator's language. */
static const char *
s_size (ctl_t *ctl, uint64_t bytes, char *out, size_t size)
{
    bc_size_words (out, size, bytes, ctl->en ? "en" : "pt-BR");
    return out;
}

/* Asks one instance; 0 when it answered. */
static int
s_ask (ctl_t *ctl, const char *name, uint64_t *file_bytes)
{
    bc_client_t *c = bc_client_new_for (ctl->config, name, "balcaoctl");
    if (!c)
        return -1;
    bc_client_set_principal (c, "admin:balcaoctl");
    bc_client_set_timeout (c, 5000, 1);
    Balcao__V1__CompactStore req = BALCAO__V1__COMPACT_STORE__INIT;
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (c, NULL, &req.base, &reply);
    Balcao__V1__CompactScheduled *cs =
        rc == BC_OK ? (Balcao__V1__CompactScheduled *) bc_envelope_payload (
                          reply, &balcao__v1__compact_scheduled__descriptor)
                    : NULL;
    if (cs) {
        *file_bytes = cs->file_bytes;
        balcao__v1__compact_scheduled__free_unpacked (cs, NULL);
    }
    else {
        char buf[600];
        fprintf (stderr,
                 T ("balcaoctl: %s não aceitou: %s\n", "balcaoctl: %s did not take it: %s\n"), name,
                 bc_client_error_text (rc == BC_OK ? BC_EPROTO : rc, reply, buf, sizeof buf));
    }
    bc_envelope_destroy (&reply);
    bc_client_destroy (&c);
    return cs ? 0 : -1;
}

int
ctl_compact (ctl_t *ctl, char **names, int n_names)
{
    ctl_instance_t inst[CTL_MAX_INSTANCES];
    int n = ctl_instances (ctl, inst), asked = 0, failed = 0;
    int64_t timeout_ms = bc_config_int (ctl->config, "balcaoctl/compact_timeout_s", 600) * 1000;
    for (int k = 0; k < n_names; k++) {
        int is_bus = 0;
        for (int i = 0; i < n; i++)
            is_bus |= strcmp (inst[i].name, names[k]) == 0 && strcmp (names[k], "gateway") != 0;
        if (!is_bus) {
            fprintf (stderr, T ("balcaoctl: \"%s\" não é um serviço com armazenamento no barramento "
                                "(intake, router, kb, notify ou uma réplica deles)\n",
                                "balcaoctl: \"%s\" is not a bus service with a store (intake, "
                                "router, kb, notify or one of their replicas)\n"),
                     names[k]);
            return 64;
        }
    }
    for (int i = 0; i < n; i++) {
        const char *name = inst[i].name;
        int wanted = n_names == 0 && strcmp (name, "gateway") != 0;
        for (int k = 0; k < n_names && !wanted; k++)
            wanted = strcmp (names[k], name) == 0;
        if (!wanted)
            continue;
        uint64_t before = 0;
        if (s_ask (ctl, name, &before)) {
            failed++;
            continue;
        }
        asked++;
        char mark[PATH_MAX + 64], mdb[PATH_MAX + 64];
        snprintf (mark, sizeof mark, "%s/%s/compact.pending", bc_config_data_dir (ctl->config),
                  name);
        snprintf (mdb, sizeof mdb, "%s/%s/data.mdb", bc_config_data_dir (ctl->config), name);
        int64_t deadline = bc_mono_ms () + timeout_ms;
        while (access (mark, F_OK) == 0 && bc_mono_ms () < deadline)
            usleep (50000);
        struct stat st;
        char was[32], now[32];
        s_size (ctl, before, was, sizeof was);
        if (access (mark, F_OK) == 0)
            printf (T ("%s: %s; a compactação ainda não terminou (veja o log dele)\n",
                       "%s: %s; its compaction has not finished yet (see its log)\n"),
                    name, was);
        else if (stat (mdb, &st) == 0)
            printf ("%s: %s → %s\n", name, was,
                    s_size (ctl, (uint64_t) st.st_size, now, sizeof now));
        else
            printf (T ("%s: %s; compacta assim que estiver em dia (event=store_compacted no log "
                       "dele)\n",
                       "%s: %s; it compacts once caught up (event=store_compacted in its log)\n"),
                    name, was);
    }
    if (failed)
        fprintf (stderr, T ("balcaoctl: %d serviço(s) não compactado(s)\n",
                            "balcaoctl: %d service(s) not compacted\n"),
                 failed);
    return failed ? 1 : asked ? 0 : 64;
}
