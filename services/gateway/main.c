/* balcao-gateway: the HTTP daemon. All logic is in gateway_*.c. */
#include "bc_log.h"
#include "bc_service.h"
#include "gateway_account_add.h"
#include "gateway_server.h"

#include <czmq.h>
#include <malloc.h>
#include <string.h>
#include <systemd/sd-daemon.h>

int
main (int argc, char **argv)
{
    bc_log_init ("gateway");
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    if (config && first + 3 == argc && strcmp (argv[first], "account-add") == 0) {
        int rc = gateway_account_add (config, argv[first + 1], argv[first + 2]);
        bc_config_destroy (&config);
        return rc;
    }
    if (config && first + 2 == argc && strcmp (argv[first], "staff-add") == 0) {
        int rc = gateway_staff_add (config, argv[first + 1]);
        bc_config_destroy (&config);
        return rc;
    }
    if (!config || first < argc) {
        fprintf (stderr, "usage: balcao-gateway [-c CONFIG] [account-add ADDRESS NAME < PASSWORD "
                         "| staff-add ADDRESS < PASSWORD]\n");
        bc_config_destroy (&config);
        return 64;
    }
    /* A request builds and frees up to a few hundred KB (a 500-message
     * ticket view is 272 KB of JSON). By default glibc hands that back to
     * the kernel after each request and faults it in again at the next: a
     * sixth of the gateway's time in the ticket-view bench
     * (docs/benchmarks.md). Keep it, up to 64 MiB per arena. */
    mallopt (M_MMAP_THRESHOLD, 4 << 20);
    mallopt (M_TRIM_THRESHOLD, 64 << 20);
    gateway_server_t *server = gateway_server_new (config);
    if (!server) {
        bc_config_destroy (&config);
        return 1;
    }
    sd_notify (0, "READY=1");
    /* The log is buffered; connection threads write to it, this flushes. */
    while (!zsys_interrupted) {
        zclock_sleep (100);
        bc_log_flush ();
    }
    sd_notify (0, "STOPPING=1");
    gateway_server_destroy (&server);
    bc_config_destroy (&config);
    bc_info ("event=stopped");
    return 0;
}
