/* balcao-notify: the notification daemon. All logic is in notify_server.c. */
#include "notify_server.h"

int
main (int argc, char **argv)
{
    return bc_service_main (argc, argv, "notify", notify_dbs, notify_ndbs, notify_server_setup,
                            notify_server_teardown);
}
