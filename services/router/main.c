/* balcao-router: the router daemon. All logic is in router_server.c. */
#include "router_server.h"

int
main (int argc, char **argv)
{
    return bc_service_main (argc, argv, "router", router_dbs, router_ndbs, router_server_setup,
                            router_server_teardown);
}
