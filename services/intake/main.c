/* balcao-intake: the intake daemon. All logic is in intake_server.c. */
#include "intake_server.h"

int
main (int argc, char **argv)
{
    return bc_service_main (argc, argv, "intake", intake_dbs, intake_ndbs, intake_server_setup,
                            intake_server_teardown);
}
