/* balcao_people: the agent CLI's commands on people: `balcao people`, `person-add`, `status` (an agent's
 * availability), talking to the router. */
#include "balcao_cli.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "bc_log.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

static int
s_print_person (bc_envelope_t *reply)
{
    Balcao__V1__Person *p =
        (Balcao__V1__Person *) bc_envelope_payload (reply, &balcao__v1__person__descriptor);
    bc_envelope_destroy (&reply);
    if (!p)
        return EXIT_UNAVAILABLE;
    printf (T ("%s  %s  %s  %s  %u/%u chamados\n", "%s  %s  %s  %s  %u/%u tickets\n"), p->id, p->name, p->tier, p->status,
            p->open_tickets, p->capacity);
    balcao__v1__person__free_unpacked (p, NULL);
    return 0;
}

int
balcao_people (bc_config_t *config, const char *cmd, int argc, char **argv)
{
    bc_envelope_t *reply = NULL;
    if (strcmp (cmd, "status") == 0) {
        if (argc < 1)
            return EXIT_USAGE;
        Balcao__V1__SetAgentStatus req = BALCAO__V1__SET_AGENT_STATUS__INIT;
        req.status = argv[0];
        reply = balcao_cli_call (config, "router", &req.base);
        return reply ? s_print_person (reply) : balcao_cli_exit ();
    }
    if (strcmp (cmd, "person-add") == 0) {
        if (argc < 3)
            return EXIT_USAGE;
        Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
        p.id = argv[0];
        p.name = argv[1];
        p.tier = argv[2];
        const char *at = strchr (argv[0], ':');
        p.email = (char *) (at ? at + 1 : "");
        p.capacity = argc > 3 ? (uint32_t) strtoul (argv[3], NULL, 10) : 0;
        char skills_buf[1024];
        char *skills[32];
        if (argc > 4) {
            snprintf (skills_buf, sizeof skills_buf, "%s", argv[4]);
            for (char *tok = strtok (skills_buf, ","); tok && p.n_skills < 32; tok = strtok (NULL, ","))
                skills[p.n_skills++] = tok;
            p.skills = skills;
        }
        Balcao__V1__UpsertPerson req = BALCAO__V1__UPSERT_PERSON__INIT;
        req.person = &p;
        reply = balcao_cli_call (config, "router", &req.base);
        return reply ? s_print_person (reply) : balcao_cli_exit ();
    }
    Balcao__V1__ListPeople req = BALCAO__V1__LIST_PEOPLE__INIT;
    req.kind = (char *) (argc > 0 ? argv[0] : "");
    Balcao__V1__PersonList *list = (Balcao__V1__PersonList *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__person_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    for (size_t i = 0; i < list->n_people; i++) {
        const Balcao__V1__Person *p = list->people[i];
        printf ("%-40s %-24s %-3s %-8s", p->id, p->name, p->tier, p->status);
        if (strncmp (p->id, "agent:", 6) == 0)
            printf (" %u/%u", p->open_tickets, p->capacity);
        if (p->email_failing)
            printf (T ("  e-mail falhando: %s", "  e-mail failing: %s"), p->email_failure);
        printf ("\n");
    }
    balcao__v1__person_list__free_unpacked (list, NULL);
    return 0;
}
