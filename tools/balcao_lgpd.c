/* balcao_lgpd: the data subject's rights from the command line (LGPD, Lei
 * 13.709/2018; docs/ARCHITECTURE.md, "LGPD: export and erasure"):
 *   balcao lgpd erase customer:<address> --reason TEXT --yes
 *   balcao lgpd log [--json]
 * The router decides (admins only) and audits; this file only asks and
 * prints. */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

static int
s_erase (bc_config_t *config, int argc, char **argv)
{
    const char *person = NULL, *reason = NULL;
    int yes = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (strcmp (argv[i], "--yes") == 0)
            yes = 1;
        else if (!person && argv[i][0] != '-')
            person = argv[i];
        else
            return EXIT_USAGE;
    }
    if (!person || !reason)
        return EXIT_USAGE;
    if (!yes) {
        fprintf (stderr,
                 T ("A anonimização não se desfaz: nomes, endereços, telefones, CPF, textos e "
                    "anexos de %s somem de todos os serviços (os chamados ficam, sem eles, para os "
                    "relatórios). Para confirmar, repita o comando com --yes.\n",
                    "Anonymisation cannot be undone: %s's names, addresses, phone numbers, tax "
                    "id, texts and attachments leave every service (the tickets stay, without "
                    "them, for the reports). To confirm, run the command again with --yes.\n"),
                 person);
        return EXIT_REFUSED;
    }
    Balcao__V1__ErasePerson req = BALCAO__V1__ERASE_PERSON__INIT;
    req.person = (char *) person;
    req.reason = (char *) reason;
    Balcao__V1__Erasure *e = (Balcao__V1__Erasure *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__erasure__descriptor);
    if (!e)
        return balcao_cli_exit ();
    if (e->already)
        printf (T ("Nada de novo a anonimizar: %s já foi anonimizado (%s).\n",
                   "Nothing new to anonymise: %s was anonymised already (%s).\n"),
                person, e->id);
    else
        printf (T ("Anonimizado (%s): %u chamado(s) e %u mensagem(ns) de %s.\n"
                   "Os chamados mantêm números, datas, nível, SLA e nota de satisfação para os "
                   "relatórios.\nIntake, kb e notify apagam o que guardam em seguida; cada serviço "
                   "compacta seus arquivos.\n",
                   "Anonymised (%s): %u ticket(s) and %u message(s) of %s.\n"
                   "The tickets keep their numbers, dates, tier, SLA and satisfaction score for "
                   "the reports.\nIntake, kb and notify erase what they hold next; each service "
                   "compacts its files.\n"),
                e->id, e->tickets, e->messages, person);
    balcao__v1__erasure__free_unpacked (e, NULL);
    return 0;
}

static int
s_log (bc_config_t *config, int argc, char **argv)
{
    int json = balcao_cli_take_json (&argc, argv);
    Balcao__V1__ListErasures req = BALCAO__V1__LIST_ERASURES__INIT;
    req.limit = 200;
    Balcao__V1__ErasureList *list = (Balcao__V1__ErasureList *) balcao_cli_fetch (
        config, "router", &req.base, &balcao__v1__erasure_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    if (json) {
        json_t *arr = json_array ();
        for (size_t i = 0; i < list->n_erasures; i++) {
            const Balcao__V1__Erasure *e = list->erasures[i];
            json_array_append_new (
                arr, json_pack ("{s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:s, s:s}", "id", e->id,
                                "kind", e->kind, "when", balcao_cli_json_time (e->requested_us),
                                "by", e->requested_by, "reason", e->reason, "tickets",
                                (int) e->tickets, "messages", (int) e->messages, "subject_hash",
                                e->subject_hash, "trigger", e->trigger));
        }
        balcao__v1__erasure_list__free_unpacked (list, NULL);
        return balcao_cli_print_json (arr);
    }
    if (list->n_erasures == 0)
        printf (T ("Nenhuma exportação ou anonimização registrada.\n",
                   "No export or anonymisation on record.\n"));
    for (size_t i = 0; i < list->n_erasures; i++) {
        const Balcao__V1__Erasure *e = list->erasures[i];
        char when[64];
        balcao_cli_time (e->requested_us, when, sizeof when);
        int erase = strcmp (e->kind, "erase") == 0;
        printf ("%-6s %-16s %s  %s\n", e->id,
                erase ? T ("anonimização", "anonymisation") : T ("exportação", "export"), when,
                *e->requested_by ? e->requested_by : "-");
        if (erase)
            printf (T ("       %u chamado(s), %u mensagem(ns)%s\n",
                       "       %u ticket(s), %u message(s)%s\n"),
                    e->tickets, e->messages,
                    strcmp (e->trigger, "retention") == 0 ? T (" · pela retenção", " · by retention")
                                                          : "");
        printf (T ("       motivo: %s\n", "       reason: %s\n"), e->reason);
    }
    balcao__v1__erasure_list__free_unpacked (list, NULL);
    return 0;
}

int
balcao_lgpd (bc_config_t *config, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "erase") == 0)
        return s_erase (config, argc - 1, argv + 1);
    if (argc >= 1 && strcmp (argv[0], "log") == 0)
        return s_log (config, argc - 1, argv + 1);
    return EXIT_USAGE;
}
