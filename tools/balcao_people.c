/* balcao_people: the agent CLI's commands on people and organizations:
 * `balcao people`, `person-add` (with a customer's CPF or CNPJ), `status`
 * (an agent's availability), `orgs`, `org-save`, talking to the router. */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_taxid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

/* "  CPF 529.982.247-25", or "" when there is none, into buf. */
static const char *
s_tax_id_shown (const char *tax_id, char *buf, size_t size)
{
    char formatted[BC_TAXID_FORMATTED_SIZE];
    if (!tax_id || !*tax_id)
        return "";
    bc_taxid_kind_t kind = bc_taxid_kind (tax_id);
    snprintf (buf, size, "  %s %s",
              kind == BC_TAXID_CPF ? "CPF" : kind == BC_TAXID_CNPJ ? "CNPJ" : T ("documento", "tax id"),
              bc_taxid_format (tax_id, formatted, sizeof formatted));
    return buf;
}

static int
s_print_person (bc_envelope_t *reply)
{
    Balcao__V1__Person *p =
        (Balcao__V1__Person *) bc_envelope_payload (reply, &balcao__v1__person__descriptor);
    bc_envelope_destroy (&reply);
    if (!p)
        return EXIT_UNAVAILABLE;
    char tax[64];
    if (strncmp (p->id, "customer:", 9) == 0)
        printf ("%s  %s%s%s%s\n", p->id, p->name, *p->organization ? "  " : "", p->organization,
                s_tax_id_shown (p->tax_id, tax, sizeof tax));
    else
        printf (T ("%s  %s  %s  %s  %u/%u chamados\n", "%s  %s  %s  %s  %u/%u tickets\n"), p->id,
                p->name, p->tier, p->status, p->open_tickets, p->capacity);
    balcao__v1__person__free_unpacked (p, NULL);
    return 0;
}

/* Takes "--name VALUE" out of argv (argc lowered): VALUE, or NULL when
 * absent; *missing is set when the name ends argv without a value. */
static const char *
s_take_option (int *argc, char **argv, const char *name, int *missing)
{
    for (int i = 0; i < *argc; i++) {
        if (strcmp (argv[i], name) != 0)
            continue;
        if (i + 1 >= *argc) {
            *missing = 1;
            return NULL;
        }
        const char *value = argv[i + 1];
        memmove (argv + i, argv + i + 2, (size_t) (*argc - i - 2) * sizeof *argv);
        *argc -= 2;
        return value;
    }
    return NULL;
}

/* The person as the router has them, or NULL (unknown, or not listed to
 * the caller; *list NULL and balcao_cli_exit () say which). quiet: no
 * word on stderr when the call fails. */
static Balcao__V1__Person *
s_find_person (bc_config_t *config, const char *id, Balcao__V1__PersonList **list, int quiet)
{
    char kind[32];
    const char *colon = strchr (id, ':');
    snprintf (kind, sizeof kind, "%.*s", colon ? (int) (colon - id) : 0, id);
    Balcao__V1__ListPeople req = BALCAO__V1__LIST_PEOPLE__INIT;
    req.kind = kind;
    req.query = (char *) id;
    *list = (Balcao__V1__PersonList *) (quiet ? balcao_cli_fetch_quiet : balcao_cli_fetch) (
        config, "router", &req.base, &balcao__v1__person_list__descriptor);
    for (size_t i = 0; *list && i < (*list)->n_people; i++)
        if (strcmp ((*list)->people[i]->id, id) == 0)
            return (*list)->people[i];
    return NULL;
}

/* person-add ID NAME [TIER [CAPACITY [SKILL,...]]] [--cpf N|--cnpj N]:
 * what the command names is set; the rest of a known person is kept. */
static int
s_person_add (bc_config_t *config, int argc, char **argv)
{
    int missing = 0;
    const char *cpf = s_take_option (&argc, argv, "--cpf", &missing);
    const char *cnpj = s_take_option (&argc, argv, "--cnpj", &missing);
    int is_customer = argc > 0 && strncmp (argv[0], "customer:", 9) == 0;
    if (missing || (cpf && cnpj) || argc < (is_customer ? 2 : 3))
        return EXIT_USAGE;
    const char *tax_id = cpf ? cpf : cnpj;
    if (tax_id && *tax_id) {
        /* Which of the two it is, said here; whether it is valid, by the
         * router. */
        char id[BC_TAXID_SIZE];
        bc_taxid_kind_t kind;
        if (bc_taxid_parse (tax_id, id, &kind) == BC_TAXID_OK
            && kind != (cpf ? BC_TAXID_CPF : BC_TAXID_CNPJ)) {
            fprintf (stderr, cpf ? T ("balcao: %s é um CNPJ: use --cnpj\n",
                                      "balcao: %s is a CNPJ: use --cnpj\n")
                                 : T ("balcao: %s é um CPF: use --cpf\n",
                                      "balcao: %s is a CPF: use --cpf\n"),
                     tax_id);
            return EXIT_USAGE;
        }
    }
    Balcao__V1__PersonList *known_list = NULL;
    const Balcao__V1__Person *known = s_find_person (config, argv[0], &known_list, 1);
    /* The router did not answer: asked again aloud, for the reason, and
     * nothing is sent (what a known person has would be lost). */
    if (!known_list && balcao_cli_exit () == EXIT_UNAVAILABLE) {
        s_find_person (config, argv[0], &known_list, 0);
        if (known_list)
            balcao__v1__person_list__free_unpacked (known_list, NULL);
        return EXIT_UNAVAILABLE;
    }
    Balcao__V1__Person p = BALCAO__V1__PERSON__INIT;
    if (known)
        p = *known;
    p.id = argv[0];
    p.name = argv[1];
    p.tier = argc > 2 ? argv[2] : (known ? known->tier : "");
    const char *at = strchr (argv[0], ':');
    if (!known || !*p.email)
        p.email = (char *) (at && strchr (at, '@') ? at + 1 : "");
    p.capacity = argc > 3 ? (uint32_t) strtoul (argv[3], NULL, 10) : (known ? known->capacity : 0);
    char skills_buf[1024];
    char *skills[32];
    if (argc > 4) {
        p.n_skills = 0;
        snprintf (skills_buf, sizeof skills_buf, "%s", argv[4]);
        for (char *tok = strtok (skills_buf, ","); tok && p.n_skills < 32; tok = strtok (NULL, ","))
            skills[p.n_skills++] = tok;
        p.skills = skills;
    }
    if (tax_id)
        p.tax_id = (char *) tax_id;
    Balcao__V1__UpsertPerson req = BALCAO__V1__UPSERT_PERSON__INIT;
    req.person = &p;
    bc_envelope_t *reply = balcao_cli_call (config, "router", &req.base);
    if (known_list)
        balcao__v1__person_list__free_unpacked (known_list, NULL);
    return reply ? s_print_person (reply) : balcao_cli_exit ();
}

/* people [KIND] [--query TEXT] */
static int
s_people (bc_config_t *config, int argc, char **argv)
{
    int missing = 0;
    const char *query = s_take_option (&argc, argv, "--query", &missing);
    if (missing)
        return EXIT_USAGE;
    Balcao__V1__ListPeople req = BALCAO__V1__LIST_PEOPLE__INIT;
    req.kind = (char *) (argc > 0 ? argv[0] : "");
    req.query = (char *) (query ? query : "");
    Balcao__V1__PersonList *list = (Balcao__V1__PersonList *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__person_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    for (size_t i = 0; i < list->n_people; i++) {
        const Balcao__V1__Person *p = list->people[i];
        char tax[64];
        printf ("%-40s %-24s %-3s %-8s", p->id, p->name, p->tier, p->status);
        if (strncmp (p->id, "agent:", 6) == 0)
            printf (" %u/%u", p->open_tickets, p->capacity);
        if (*p->organization)
            printf ("  %s", p->organization);
        printf ("%s", s_tax_id_shown (p->tax_id, tax, sizeof tax));
        if (p->email_failing)
            printf (T ("  e-mail falhando: %s", "  e-mail failing: %s"), p->email_failure);
        printf ("\n");
    }
    if (list->n_people == 0 && query)
        printf (T ("Ninguém encontrado.\n", "Nobody found.\n"));
    balcao__v1__person_list__free_unpacked (list, NULL);
    return 0;
}

static void
s_print_org (const Balcao__V1__Organization *o)
{
    char tax[64];
    printf ("%s%s\n", o->name, s_tax_id_shown (o->tax_id, tax, sizeof tax));
}

/* orgs [QUERY] | org-save NAME [--cnpj N] */
static int
s_orgs (bc_config_t *config, const char *cmd, int argc, char **argv)
{
    if (strcmp (cmd, "org-save") == 0) {
        int missing = 0;
        const char *cnpj = s_take_option (&argc, argv, "--cnpj", &missing);
        if (missing || argc != 1)
            return EXIT_USAGE;
        Balcao__V1__Organization o = BALCAO__V1__ORGANIZATION__INIT;
        o.name = argv[0];
        o.tax_id = (char *) (cnpj ? cnpj : "");
        Balcao__V1__SaveOrganization req = BALCAO__V1__SAVE_ORGANIZATION__INIT;
        req.organization = &o;
        Balcao__V1__Organization *saved = (Balcao__V1__Organization *) balcao_cli_fetch (
            config, "router", &req.base, &balcao__v1__organization__descriptor);
        if (!saved)
            return balcao_cli_exit ();
        s_print_org (saved);
        balcao__v1__organization__free_unpacked (saved, NULL);
        return 0;
    }
    char query[512];
    Balcao__V1__ListOrganizations req = BALCAO__V1__LIST_ORGANIZATIONS__INIT;
    req.query = (char *) balcao_cli_join (argc, argv, 0, query, sizeof query);
    Balcao__V1__OrganizationList *list = (Balcao__V1__OrganizationList *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__organization_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    for (size_t i = 0; i < list->n_organizations; i++)
        s_print_org (list->organizations[i]);
    if (list->n_organizations == 0)
        printf (T ("Nenhuma organização encontrada.\n", "No organization found.\n"));
    balcao__v1__organization_list__free_unpacked (list, NULL);
    return 0;
}

int
balcao_people (bc_config_t *config, const char *cmd, int argc, char **argv)
{
    if (strcmp (cmd, "status") == 0) {
        if (argc < 1)
            return EXIT_USAGE;
        Balcao__V1__SetAgentStatus req = BALCAO__V1__SET_AGENT_STATUS__INIT;
        req.status = argv[0];
        bc_envelope_t *reply = balcao_cli_call (config, "router", &req.base);
        return reply ? s_print_person (reply) : balcao_cli_exit ();
    }
    if (strcmp (cmd, "person-add") == 0)
        return s_person_add (config, argc, argv);
    if (strcmp (cmd, "orgs") == 0 || strcmp (cmd, "org-save") == 0)
        return s_orgs (config, cmd, argc, argv);
    return s_people (config, argc, argv);
}
