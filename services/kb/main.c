/* balcao-kb: the knowledge-base daemon. All logic is in kb_server.c. */
#include "kb_server.h"

int
main (int argc, char **argv)
{
    return bc_service_main (argc, argv, "kb", kb_dbs, kb_ndbs, kb_server_setup,
                            kb_server_teardown);
}
