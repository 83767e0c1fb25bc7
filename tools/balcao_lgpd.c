/* balcao_lgpd: the data subject's rights from the command line (LGPD, Lei
 * 13.709/2018; docs/ARCHITECTURE.md, "LGPD: export and erasure"):
 *   balcao lgpd export customer:<address> --reason TEXT --out DIR
 *   balcao lgpd erase customer:<address> --reason TEXT --yes
 *   balcao lgpd log [--json]
 *   balcao lgpd log-id ADDRESS   (how the service logs name that customer)
 * The router decides (admins only) and audits; this file only asks and
 * prints. */
#include "balcao_cli.h"

#include "balcao/v1/router.pb-c.h"
#include "bc_export.h"
#include "bc_scrub.h"
#include "bc_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

typedef struct {
    bc_config_t *config;
    const char *dir;
    unsigned files;
} s_out_t;

static int
s_call (void *arg, const char *service, const ProtobufCMessage *req,
        const ProtobufCMessageDescriptor *type, ProtobufCMessage **out, char *err, size_t size)
{
    s_out_t *o = arg;
    bc_envelope_t *reply = balcao_cli_call (o->config, service, req);
    if (!reply) {
        /* balcao_cli_call said why on stderr. */
        snprintf (err, size, T ("o serviço %s recusou o pedido ou não respondeu",
                                "service %s refused or did not answer"),
                  service);
        return -1;
    }
    *out = bc_envelope_payload (reply, type);
    if (!*out) {
        ProtobufCMessage *e = bc_envelope_payload (reply, &balcao__v1__error__descriptor);
        snprintf (err, size, "%s",
                  e ? ((Balcao__V1__Error *) e)->message : T ("resposta inesperada",
                                                              "unexpected answer"));
        if (e)
            protobuf_c_message_free_unpacked (e, NULL);
    }
    bc_envelope_destroy (&reply);
    return *out ? 0 : -1;
}

static int
s_put (void *arg, const char *name, const void *data, size_t len)
{
    s_out_t *o = arg;
    char path[4400];
    if (strncmp (name, "files/", 6) == 0) {
        snprintf (path, sizeof path, "%s/files", o->dir);
        if (mkdir (path, 0700) && errno != EEXIST)
            return errno;
    }
    snprintf (path, sizeof path, "%s/%s", o->dir, name);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    int rc = bc_write_all (fd, data, len);
    if (close (fd) && !rc)
        rc = errno;
    o->files += rc == 0;
    return rc;
}

static int
s_export (bc_config_t *config, int argc, char **argv)
{
    const char *person = NULL, *reason = NULL, *dir = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (strcmp (argv[i], "--out") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (!person && argv[i][0] != '-')
            person = argv[i];
        else
            return EXIT_USAGE;
    }
    if (!person || !reason || !dir)
        return EXIT_USAGE;
    if (mkdir (dir, 0700)) {
        fprintf (stderr,
                 T ("balcao: não foi possível criar %s (%s): escolha um diretório novo\n",
                    "balcao: cannot make %s (%s): choose a new directory\n"),
                 dir, strerror (errno));
        return EXIT_REFUSED;
    }
    s_out_t o = {config, dir, 0};
    bc_export_t ex = {.person = person, .reason = reason,
                      .asked_by = balcao_cli_declared_principal (), .call = s_call,
                      .put = s_put, .arg = &o};
    char err[600];
    if (bc_export_person (&ex, err, sizeof err)) {
        fprintf (stderr, "balcao: %s\n", err);
        return balcao_cli_exit () ? balcao_cli_exit () : EXIT_REFUSED;
    }
    printf (T ("Exportação de %s gravada em %s (%u arquivos; o que veio de onde está em "
               "manifest.json).\nO portal da conta do cliente não está nela: o cliente "
               "exporta pelo portal, ou um administrador pelo painel.\n",
               "Export of %s written to %s (%u files; what came from where is in "
               "manifest.json).\nThe customer's portal account is not in it: the customer "
               "exports from the portal, or an admin from the dashboard.\n"),
            person, dir, o.files);
    return 0;
}

int
balcao_lgpd (bc_config_t *config, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "export") == 0)
        return s_export (config, argc - 1, argv + 1);
    if (argc == 2 && strcmp (argv[0], "log-id") == 0) {
        /* The logs never hold a customer's address: this is what they hold. */
        char id[16];
        printf ("%s\n", bc_scrub_log_id (argv[1], id));
        return 0;
    }
    if (argc >= 1 && strcmp (argv[0], "erase") == 0)
        return s_erase (config, argc - 1, argv + 1);
    if (argc >= 1 && strcmp (argv[0], "log") == 0)
        return s_log (config, argc - 1, argv + 1);
    return EXIT_USAGE;
}
