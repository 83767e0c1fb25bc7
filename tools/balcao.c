/* balcao: the agent's thin command-line client. It holds no state: every
 * command is one request to the service that owns the data.
 *
 * Exit codes: 0 done; 2 the service refused (not found, not allowed now,
 * invalid: the message says why); 64 usage; 69 the service did not answer. */
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "bc_curve.h"
#include "balcao_cli.h"
#include "bc_events.h"
#include "bc_log.h"
#include "bc_service.h"
#include "bc_svstate.h"

#include <czmq.h>
#include <jansson.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* The sentence in the user's language (bc_lang_is_en): pt-BR first. */
static int s_en = 0;
#define T(pt, en) (s_en ? (en) : (pt))

static void
s_usage (void)
{
    if (bc_lang_is_en ()) {
        fprintf (stderr, "usage: balcao [-c CONFIG] COMMAND\n"
                         "  show N                    ticket N with its messages\n"
                         "  list [AFTER [MAX]]        the tickets\n"
                         "  search TEXT               find tickets by their text\n"
                         "  history N                 everything that happened to ticket N\n"
                         "  reply N TEXT              answer the customer (public)\n"
                         "  note N TEXT               internal note (the customer never sees it)\n"
                         "  log-call N TEXT           record a phone call with the customer\n"
                         "  open N                    start working on it (novo -> aberto)\n"
                         "  request-info N TEXT       ask the customer for information\n"
                         "  resolve N TEXT [--fix REFERENCE]\n"
                         "                            resolve (at N3, with the fix's reference)\n"
                         "  reopen N [REASON]         reopen a resolved or closed ticket\n"
                         "  close N [--reason TEXT]   close a resolved ticket (at N3 the customer\n"
                         "                            validates; a supervisor may close with a reason)\n"
                         "  categories                the categories and their defaults\n"
                         "  set-category N CATEGORY   classify (in triage, also priority and tier)\n"
                         "  set-priority N PRIORITY [REASON]\n"
                         "                            baixa, normal, alta or urgente\n"
                         "  queue N1|N2|N3            tickets waiting for an agent in the tier\n"
                         "  queue --mine              your tickets in progress\n"
                         "  take N                    take the ticket\n"
                         "  assign N AGENT            assign to an agent (supervisors)\n"
                         "  status online|away|offline\n"
                         "                            your availability (online gets tickets)\n"
                         "  people [agent|customer|...]\n"
                         "                            registered people\n"
                         "  person-add ID NAME TIER [CAPACITY [SKILL,...]]\n"
                         "                            register an agent (admins)\n"
                         "  escalate N --reason TEXT --tried TEXT            N1 -> N2\n"
                         "  escalate N --steps TEXT --env TEXT --affected TEXT [--reason TEXT]\n"
                         "             [--attach REF]...                        N2 -> N3\n"
                         "  deescalate N NOTE         send back to the tier below\n"
                         "  link PROBLEM INCIDENT     link an incident to its problem ticket\n"
                         "  merge DUPLICATE INTO      merge a duplicate into another ticket\n"
                         "  macros                    the standard messages\n"
                         "  macro N [MACRO]           apply a standard message to the ticket (no MACRO:\n"
                         "                            the category's standard procedure)\n"
                         "  tail [N]                  follow events live (only ticket N's; what you\n"
                         "                            may see of them)\n"
                         "  quarantine [list|show SOURCE SEQ|retry SOURCE SEQ] [SERVICE]\n"
                         "                            events a service set aside (admins)\n"
                         "  login                     make your CURVE key pair\n"
                         "  person-key ID KEY         register someone's public key (admins)\n"
                         "  attachment get SHA256 [-o FILE]\n"
                         "                            a message's attachment (to stdout, or FILE)\n"
                         "  outbox [pending|retrying|dead]\n"
                         "                            notifications not delivered yet\n"
                         "  outbox resend ID          send a dead notification again (admins)\n"
                         "  kb search TEXT [--type T] [--category C] [--audience A] [--drafts]\n"
                         "                            search articles (facets, did you mean)\n"
                         "  kb suggest TEXT           the 5 best articles for text being typed\n"
                         "  kb ask QUESTION           the bot's answer (or no confident answer)\n"
                         "  kb show ID [--version N]  an article (counts no view)\n"
                         "  kb history ID             its versions\n"
                         "  kb create --title T [--body TEXT|--file F|-] [--type guia|faq|manual]\n"
                         "            [--audience publico|interno] [--category C] [--tags a,b]\n"
                         "            [--lang pt-BR|en] [--id ID]     a draft article\n"
                         "  kb edit ID [same options] [--base VERSION]   a new version\n"
                         "  kb publish ID | kb unpublish ID\n"
                         "  kb revert ID VERSION      the old content as a new version\n"
                         "  kb rate ID yes|no         \"did this help?\"\n"
                         "  kb import DIR|FILE.jsonl [--publish]\n"
                         "                            Markdown files with front matter, or JSONL\n"
                         "  kb export DIR|FILE.jsonl  every article\n"
                         "  kb from-ticket N          a draft article from resolved ticket N\n"
                         "  kb similar N              tickets like ticket N\n"
                         "  kb gaps [DAYS]            searches that found no good answer\n"
                         "Who you are: with CURVE, your key (balcao login); without CURVE,\n"
                         "$BALCAO_PRINCIPAL, or agent:$USER. Language: BALCAO_LANG=en or pt-BR.\n");
        return;
    }
    fprintf (stderr, "uso: balcao [-c CONFIG] COMANDO\n"
                     "  show N                    mostra o chamado N com as mensagens\n"
                     "  list [APÓS [MAX]]         lista os chamados\n"
                     "  search TEXTO              procura chamados pelo texto\n"
                     "  history N                 tudo o que aconteceu com o chamado N\n"
                     "  reply N TEXTO             responde ao cliente (público)\n"
                     "  note N TEXTO              nota interna (o cliente não vê)\n"
                     "  log-call N TEXTO          registra uma ligação com o cliente\n"
                     "  open N                    começa o atendimento (novo -> aberto)\n"
                     "  request-info N TEXTO      pede informações ao cliente\n"
                     "  resolve N TEXTO [--fix REFERÊNCIA]\n"
                     "                            resolve (no N3, com a referência da correção)\n"
                     "  reopen N [MOTIVO]         reabre um chamado resolvido ou fechado\n"
                     "  close N [--reason TEXTO]  fecha um chamado resolvido (no N3 o cliente\n"
                     "                            valida; um supervisor pode fechar com o motivo)\n"
                     "  categories                as categorias e seus padrões\n"
                     "  set-category N CATEGORIA  classifica (na triagem, aplica prioridade e nível)\n"
                     "  set-priority N PRIORIDADE [MOTIVO]\n"
                     "                            baixa, normal, alta ou urgente\n"
                     "  queue N1|N2|N3            chamados esperando um agente no nível\n"
                     "  queue --mine              os seus chamados em andamento\n"
                     "  take N                    assume o chamado\n"
                     "  assign N AGENTE           atribui a um agente (supervisores)\n"
                     "  status online|away|offline\n"
                     "                            sua disponibilidade (online recebe chamados)\n"
                     "  people [agent|customer|...]\n"
                     "                            pessoas cadastradas\n"
                     "  person-add ID NOME NÍVEL [CAPACIDADE [HABILIDADE,...]]\n"
                     "                            cadastra um agente (administradores)\n"
                     "  escalate N --reason TEXTO --tried TEXTO          N1 -> N2\n"
                     "  escalate N --steps TEXTO --env TEXTO --affected TEXTO [--reason TEXTO]\n"
                     "             [--attach REF]...                        N2 -> N3\n"
                     "  deescalate N NOTA         devolve ao nível de baixo\n"
                     "  link PROBLEMA INCIDENTE   vincula um incidente ao chamado-problema\n"
                     "  merge DUPLICADO DESTINO   une um chamado duplicado a outro\n"
                     "  macros                    as mensagens padrão\n"
                     "  macro N [MACRO]           aplica uma mensagem padrão ao chamado (sem MACRO:\n"
                     "                            o procedimento padrão da categoria)\n"
                     "  tail [N]                  acompanha os eventos ao vivo (só do chamado N; o\n"
                     "                            que você pode ver deles)\n"
                     "  quarantine [list|show ORIGEM SEQ|retry ORIGEM SEQ] [SERVIÇO]\n"
                     "                            eventos que um serviço pôs de lado (admins)\n"
                     "  login                     cria o seu par de chaves CURVE\n"
                     "  person-key ID CHAVE       registra a chave pública de alguém (administradores)\n"
                     "  attachment get SHA256 [-o ARQUIVO]\n"
                     "                            o anexo de uma mensagem (na saída, ou em ARQUIVO)\n"
                     "  outbox [pendentes|tentando|mortas]\n"
                     "                            notificações ainda não entregues\n"
                     "  outbox resend ID          reenvia uma notificação morta (administradores)\n"
                     "  kb search TEXTO [--type T] [--category C] [--audience A] [--drafts]\n"
                     "                            busca artigos (facetas, você quis dizer)\n"
                     "  kb suggest TEXTO          os 5 melhores artigos para o texto sendo digitado\n"
                     "  kb ask PERGUNTA           a resposta do bot (ou sem resposta confiável)\n"
                     "  kb show ID [--version N]  um artigo (não conta visualização)\n"
                     "  kb history ID             as versões do artigo\n"
                     "  kb create --title T [--body TEXTO|--file ARQ|-] [--type guia|faq|manual]\n"
                     "            [--audience publico|interno] [--category C] [--tags a,b]\n"
                     "            [--lang pt-BR|en] [--id ID]     um artigo em rascunho\n"
                     "  kb edit ID [mesmas opções] [--base VERSÃO]   uma nova versão\n"
                     "  kb publish ID | kb unpublish ID\n"
                     "  kb revert ID VERSÃO       o conteúdo antigo como nova versão\n"
                     "  kb rate ID sim|não        \"isto ajudou?\"\n"
                     "  kb import PASTA|ARQ.jsonl [--publish]\n"
                     "                            arquivos Markdown com front matter, ou JSONL\n"
                     "  kb export PASTA|ARQ.jsonl todos os artigos\n"
                     "  kb from-ticket N          rascunho de artigo a partir do chamado N resolvido\n"
                     "  kb similar N              chamados parecidos com o chamado N\n"
                     "  kb gaps [DIAS]            buscas que não acharam boa resposta\n"
                     "Quem você é: com CURVE, a sua chave (balcao login) diz; sem CURVE,\n"
                     "$BALCAO_PRINCIPAL, ou agent:$USER. Idioma: BALCAO_LANG=en ou pt-BR.\n");
}

static void
s_time (int64_t us, char *buf, size_t size)
{
    time_t t = (time_t) (us / 1000000);
    struct tm tm;
    localtime_r (&t, &tm);
    strftime (buf, size, "%d/%m/%Y %H:%M", &tm);
}

static int s_exit = 0; /* why the last s_call failed */

/* Where the person's own key pair lives: $BALCAO_KEY, or
 * $XDG_CONFIG_HOME/balcao/chave.cert (~/.config by default). */
static const char *
s_key_path (void)
{
    static char path[4096];
    const char *env = getenv ("BALCAO_KEY");
    const char *xdg = getenv ("XDG_CONFIG_HOME");
    const char *home = getenv ("HOME");
    if (env && *env)
        snprintf (path, sizeof path, "%s", env);
    else if (xdg && *xdg)
        snprintf (path, sizeof path, "%s/balcao/chave.cert", xdg);
    else
        snprintf (path, sizeof path, "%s/.config/balcao/chave.cert", home ? home : ".");
    return path;
}

/* The person's own certificate when they have one (balcao login), else NULL:
 * the program's certificate in curve_dir. */
static const char *
s_personal_cert (void)
{
    const char *path = s_key_path ();
    return zsys_file_exists (path) ? path : NULL;
}

/* Who the caller says they are: $BALCAO_PRINCIPAL, else agent:$USER (with
 * CURVE on, the service goes by the key instead). */
static const char *
s_declared_principal (void)
{
    static char principal[256];
    const char *env = getenv ("BALCAO_PRINCIPAL");
    const char *user = getenv ("USER");
    if (env && *env)
        snprintf (principal, sizeof principal, "%s", env);
    else
        snprintf (principal, sizeof principal, "agent:%s", user ? user : "cli");
    return principal;
}

/* Why service did not answer, from the state file of the supervisor that
 * runs it on this host (balcaoctl up): stopped, restarting, or given up after
 * crashing again and again. Without that file (the services run elsewhere,
 * or under systemd) only which service did not answer. */
static void
s_say_silent (bc_config_t *config, const char *service)
{
    char path[4200], log_dir[4200], text[512];
    bc_svstate_t st;
    bc_svstate_path (config, path, sizeof path);
    bc_sv_proc_t *proc = bc_svstate_read (&st, path) == 0 ? bc_svstate_find (&st, service) : NULL;
    if (!proc) {
        fprintf (stderr, T ("balcao: o serviço %s não respondeu a tempo (ele está no ar? "
                            "balcaoctl status)\n",
                            "balcao: the %s service did not answer in time (is it running? "
                            "balcaoctl status)\n"),
                 service);
        return;
    }
    snprintf (log_dir, sizeof log_dir, "%s/log", bc_config_data_dir (config));
    if (proc->state == BC_SV_RUNNING && bc_svstate_is_live (&st))
        fprintf (stderr, T ("balcao: o serviço %s está no ar (pid %d) mas não respondeu a tempo: "
                            "sobrecarregado? veja %s/%s.log\n",
                            "balcao: the %s service is running (pid %d) but did not answer in "
                            "time: overloaded? see %s/%s.log\n"),
                 service, proc->pid, log_dir, service);
    else
        fprintf (stderr, T ("balcao: o serviço %s não respondeu: %s\n",
                            "balcao: the %s service did not answer: %s\n"),
                 service, bc_svstate_describe (&st, proc, log_dir, s_en, text, sizeof text));
}

/* Calls service; prints the error, sets s_exit and returns NULL on failure. */
static bc_envelope_t *
s_call (bc_config_t *config, const char *service, const ProtobufCMessage *req)
{
    bc_client_t *client = bc_client_new_as (config, service, "balcao", s_personal_cert ());
    s_exit = EXIT_UNAVAILABLE;
    if (!client) {
        const char *dir = bc_config_curve_dir (config);
        char secret[4200];
        snprintf (secret, sizeof secret, "%s/balcao.cert_secret", dir ? dir : "");
        if (dir && !s_personal_cert () && access (secret, R_OK) != 0 && errno == EACCES)
            fprintf (stderr,
                     T ("balcao: esta conta não pode ler as chaves do Balcão (%s): só a conta que "
                        "roda o Balcão fala com os serviços; um agente usa a própria chave "
                        "(balcao login, registrada por um administrador)\n",
                        "balcao: this account cannot read Balcão's keys (%s): only the account "
                        "that runs Balcão speaks to the services; an agent uses their own key "
                        "(balcao login, registered by an admin)\n"),
                     dir);
        return NULL;
    }
    bc_client_set_principal (client, s_declared_principal ());
    bc_client_set_timeout (client, 3000, 1);
    bc_envelope_t *reply = NULL;
    int rc = bc_client_call (client, NULL, req, &reply);
    bc_client_destroy (&client);
    if (rc != BC_OK) {
        char buf[512];
        if (rc == BC_ETIMEOUT)
            s_say_silent (config, service);
        else
            fprintf (stderr, "balcao: %s\n", bc_client_error_text (rc, reply, buf, sizeof buf));
        if (rc == BC_ETIMEOUT && bc_config_curve_dir (config))
            fprintf (stderr, T ("balcao: com CURVE, um serviço não responde a chaves que não conhece: "
                               "a sua foi registrada? (balcao login)\n",
                               "balcao: with CURVE, services do not answer keys they do not know: "
                               "was yours registered? (balcao login)\n"));
        bc_envelope_destroy (&reply);
        s_exit = rc == BC_EREMOTE ? EXIT_REFUSED : EXIT_UNAVAILABLE;
        return NULL;
    }
    s_exit = 0;
    return reply;
}

/* Calls service and returns the reply's payload of the expected type, or
 * NULL with s_exit set (the call failed, or the answer was not that type). */
static ProtobufCMessage *
s_fetch (bc_config_t *config, const char *service, const ProtobufCMessage *req,
         const ProtobufCMessageDescriptor *type)
{
    bc_envelope_t *reply = s_call (config, service, req);
    if (!reply)
        return NULL;
    ProtobufCMessage *out = bc_envelope_payload (reply, type);
    bc_envelope_destroy (&reply);
    if (!out)
        s_exit = EXIT_UNAVAILABLE;
    return out;
}

/* The Ticket in a reply (the reply is consumed), or NULL. */
static Balcao__V1__Ticket *
s_ticket_of (bc_envelope_t *reply)
{
    Balcao__V1__Ticket *t =
        (Balcao__V1__Ticket *) bc_envelope_payload (reply, &balcao__v1__ticket__descriptor);
    bc_envelope_destroy (&reply);
    return t;
}

/* A ticket number from the command line, or 0. */
static uint64_t
s_number (const char *arg)
{
    char *end;
    unsigned long long n = strtoull (arg, &end, 10);
    return *arg && !*end ? n : 0;
}

/* The words from argv[from] on, joined by spaces, into buf. */
static const char *
s_join (int argc, char **argv, int from, char *buf, size_t size)
{
    buf[0] = 0;
    for (int i = from; i < argc; i++) {
        if (i > from)
            strncat (buf, " ", size - strlen (buf) - 1);
        strncat (buf, argv[i], size - strlen (buf) - 1);
    }
    return buf;
}

static int
s_history (bc_config_t *config, const char *arg)
{
    Balcao__V1__GetHistory req = BALCAO__V1__GET_HISTORY__INIT;
    req.number = s_number (arg);
    Balcao__V1__History *h = (Balcao__V1__History *) s_fetch (config, "router", &req.base, &balcao__v1__history__descriptor);
    if (!h)
        return s_exit;
    for (size_t i = 0; i < h->n_entries; i++) {
        char when[32];
        s_time (h->entries[i]->time_us, when, sizeof when);
        printf ("%s  %-28s %s\n", when, h->entries[i]->principal,
                s_en && *h->entries[i]->summary_en ? h->entries[i]->summary_en
                                                   : h->entries[i]->summary);
    }
    balcao__v1__history__free_unpacked (h, NULL);
    return 0;
}

/* One line about a ticket a command changed. */
typedef void (s_ticket_line_fn) (const Balcao__V1__Ticket *t);

static void
s_line_status (const Balcao__V1__Ticket *t)
{
    printf (T ("Chamado #%llu: %s\n", "Ticket #%llu: %s\n"), (unsigned long long) t->number, t->status);
}

static void
s_line_classified (const Balcao__V1__Ticket *t)
{
    printf (T ("Chamado #%llu: categoria %s, prioridade %s, nível %s\n",
               "Ticket #%llu: category %s, priority %s, tier %s\n"),
            (unsigned long long) t->number, t->category, t->priority, t->tier);
}

static void
s_line_assignee (const Balcao__V1__Ticket *t)
{
    printf (T ("Chamado #%llu: nível %s, %s\n", "Ticket #%llu: tier %s, %s\n"), (unsigned long long) t->number, t->tier,
            *t->assignee ? t->assignee : T ("na fila", "in the queue"));
}

/* The exit code of a command answered with a Ticket (reply NULL: the call
 * failed, s_exit says how), printing line on success. */
static int
s_print_ticket (bc_envelope_t *reply, s_ticket_line_fn *line)
{
    if (!reply)
        return s_exit;
    Balcao__V1__Ticket *t = s_ticket_of (reply);
    if (!t)
        return EXIT_UNAVAILABLE;
    line (t);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return 0;
}

static int
s_write (bc_config_t *config, int argc, char **argv, int is_internal, const char *channel)
{
    if (argc < 2)
        return EXIT_USAGE;
    char text[8192];
    Balcao__V1__AddMessage req = BALCAO__V1__ADD_MESSAGE__INIT;
    req.number = s_number (argv[0]);
    req.body = (char *) s_join (argc, argv, 1, text, sizeof text);
    req.is_internal = is_internal;
    req.channel = (char *) channel;
    bc_envelope_t *reply = s_call (config, "router", &req.base);
    return s_print_ticket (reply, s_line_status);
}

/* Prints s left-aligned in width columns, counting UTF-8 characters rather
 * than bytes, so "Dúvida de uso" lines up with "Geral". */
static void
s_print_padded (const char *s, int width)
{
    int chars = 0;
    for (const char *p = s; *p; p++)
        if (((unsigned char) *p & 0xc0) != 0x80)
            chars++;
    printf ("%s%*s", s, width > chars ? width - chars : 0, "");
}

static int
s_categories (bc_config_t *config)
{
    Balcao__V1__ListCategories req = BALCAO__V1__LIST_CATEGORIES__INIT;
    Balcao__V1__CategoryList *list = (Balcao__V1__CategoryList *) s_fetch (config, "router", &req.base, &balcao__v1__category_list__descriptor);
    if (!list)
        return s_exit;
    for (size_t i = 0; i < list->n_categories; i++) {
        printf ("%-14s ", list->categories[i]->id);
        s_print_padded (list->categories[i]->name, 26);
        printf (T (" prioridade %-8s nível %s", " priority %-8s tier %s"),
                list->categories[i]->priority, list->categories[i]->tier);
        if (*list->categories[i]->procedure)
            printf (T ("  procedimento: %s", "  procedure: %s"), list->categories[i]->procedure);
        printf ("\n");
    }
    balcao__v1__category_list__free_unpacked (list, NULL);
    return 0;
}

static int
s_classify (bc_config_t *config, const char *what, int argc, char **argv)
{
    if (argc < 2)
        return EXIT_USAGE;
    bc_envelope_t *reply;
    if (strcmp (what, "category") == 0) {
        Balcao__V1__SetCategory req = BALCAO__V1__SET_CATEGORY__INIT;
        req.number = s_number (argv[0]);
        req.category = argv[1];
        reply = s_call (config, "router", &req.base);
    }
    else {
        char reason[4096];
        Balcao__V1__SetPriority req = BALCAO__V1__SET_PRIORITY__INIT;
        req.number = s_number (argv[0]);
        req.priority = argv[1];
        req.reason = (char *) s_join (argc, argv, 2, reason, sizeof reason);
        reply = s_call (config, "router", &req.base);
    }
    return s_print_ticket (reply, s_line_classified);
}

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

static int
s_people_cmd (bc_config_t *config, const char *cmd, int argc, char **argv)
{
    bc_envelope_t *reply = NULL;
    if (strcmp (cmd, "status") == 0) {
        if (argc < 1)
            return EXIT_USAGE;
        Balcao__V1__SetAgentStatus req = BALCAO__V1__SET_AGENT_STATUS__INIT;
        req.status = argv[0];
        reply = s_call (config, "router", &req.base);
        return reply ? s_print_person (reply) : s_exit;
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
        reply = s_call (config, "router", &req.base);
        return reply ? s_print_person (reply) : s_exit;
    }
    Balcao__V1__ListPeople req = BALCAO__V1__LIST_PEOPLE__INIT;
    req.kind = (char *) (argc > 0 ? argv[0] : "");
    Balcao__V1__PersonList *list = (Balcao__V1__PersonList *) s_fetch (
        config, "router", &req.base, &balcao__v1__person_list__descriptor);
    if (!list)
        return s_exit;
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

static int
s_queue_cmd (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__GetQueue req = BALCAO__V1__GET_QUEUE__INIT;
    req.mine = argc > 0 && strcmp (argv[0], "--mine") == 0;
    req.tier = (char *) (argc > 0 && !req.mine ? argv[0] : "N1");
    req.limit = 100;
    Balcao__V1__TicketList *list = (Balcao__V1__TicketList *) s_fetch (config, "router", &req.base, &balcao__v1__ticket_list__descriptor);
    if (!list)
        return s_exit;
    for (size_t i = 0; i < list->n_tickets; i++) {
        const Balcao__V1__Ticket *t = list->tickets[i];
        if (req.mine)
            printf ("#%-6llu %-18s %-8s %-14s %s\n", (unsigned long long) t->number, t->status,
                    t->priority, t->category, t->subject);
        else
            printf ("#%-6llu %-8s %-14s %s\n", (unsigned long long) t->number, t->priority,
                    t->category, t->subject);
    }
    if (req.mine)
        printf (T ("%zu chamado(s) com você\n", "%zu ticket(s) assigned to you\n"), list->n_tickets);
    else
        printf (T ("%zu chamado(s) na fila do %s\n", "%zu ticket(s) waiting in the %s queue\n"), list->n_tickets, req.tier);
    balcao__v1__ticket_list__free_unpacked (list, NULL);
    return 0;
}

static int
s_assign_cmd (bc_config_t *config, int argc, char **argv, int taking)
{
    if (argc < (taking ? 1 : 2))
        return EXIT_USAGE;
    Balcao__V1__AssignTicket req = BALCAO__V1__ASSIGN_TICKET__INIT;
    req.number = s_number (argv[0]);
    req.agent = (char *) (taking ? "" : argv[1]);
    return s_print_ticket (s_call (config, "router", &req.base), s_line_assignee);
}

static int
s_escalate_cmd (bc_config_t *config, int argc, char **argv, int up)
{
    if (argc < 2)
        return EXIT_USAGE;
    bc_envelope_t *reply;
    if (up) {
        Balcao__V1__Escalate req = BALCAO__V1__ESCALATE__INIT;
        char *attachments[32];
        req.number = s_number (argv[0]);
        for (int i = 1; i + 1 < argc; i += 2) {
            const char *flag = argv[i];
            char *value = argv[i + 1];
            if (strcmp (flag, "--reason") == 0)
                req.reason = value;
            else if (strcmp (flag, "--tried") == 0)
                req.tried = value;
            else if (strcmp (flag, "--steps") == 0)
                req.steps_to_reproduce = value;
            else if (strcmp (flag, "--env") == 0)
                req.environment = value;
            else if (strcmp (flag, "--affected") == 0)
                req.affected_customers = value;
            else if (strcmp (flag, "--attach") == 0 && req.n_attachments < 32)
                attachments[req.n_attachments++] = value;
            else
                return EXIT_USAGE;
        }
        req.attachments = attachments;
        reply = s_call (config, "router", &req.base);
    }
    else {
        char note[8192];
        Balcao__V1__Deescalate req = BALCAO__V1__DEESCALATE__INIT;
        req.number = s_number (argv[0]);
        req.note = (char *) s_join (argc, argv, 1, note, sizeof note);
        reply = s_call (config, "router", &req.base);
    }
    return s_print_ticket (reply, s_line_assignee);
}

static int
s_link_cmd (bc_config_t *config, int argc, char **argv, int merging)
{
    if (argc < 2)
        return EXIT_USAGE;
    Balcao__V1__LinkTicket link = BALCAO__V1__LINK_TICKET__INIT;
    Balcao__V1__MergeTicket merge = BALCAO__V1__MERGE_TICKET__INIT;
    link.problem = merge.from = s_number (argv[0]);
    link.incident = merge.into = s_number (argv[1]);
    bc_envelope_t *reply =
        s_call (config, "router", merging ? &merge.base : &link.base);
    if (!reply)
        return s_exit;
    Balcao__V1__Ticket *t = s_ticket_of (reply);
    if (!t)
        return EXIT_UNAVAILABLE;
    if (merging)
        printf (T ("Chamado #%llu unido ao #%llu (%u mensagens)\n",
                   "Ticket #%llu merged into #%llu (%u messages)\n"), (unsigned long long) merge.from,
                (unsigned long long) t->number, t->message_count);
    else
        printf (T ("Chamado #%llu: incidente do problema #%llu\n",
                   "Ticket #%llu: incident of problem #%llu\n"), (unsigned long long) t->number,
                (unsigned long long) t->problem);
    balcao__v1__ticket__free_unpacked (t, NULL);
    return 0;
}

static int
s_macros_cmd (bc_config_t *config, const char *cmd, int argc, char **argv)
{
    bc_envelope_t *reply;
    if (strcmp (cmd, "macro") == 0) {
        if (argc < 1)
            return EXIT_USAGE;
        Balcao__V1__ApplyMacro req = BALCAO__V1__APPLY_MACRO__INIT;
        req.number = s_number (argv[0]);
        req.macro = (char *) (argc > 1 ? argv[1] : ""); /* "": the category's procedure */
        reply = s_call (config, "router", &req.base);
        return s_print_ticket (reply, s_line_status);
    }
    Balcao__V1__ListMacros req = BALCAO__V1__LIST_MACROS__INIT;
    Balcao__V1__MacroList *list = (Balcao__V1__MacroList *) s_fetch (
        config, "router", &req.base, &balcao__v1__macro_list__descriptor);
    if (!list)
        return s_exit;
    for (size_t i = 0; i < list->n_macros; i++) {
        printf ("%-22s ", list->macros[i]->id);
        s_print_padded (list->macros[i]->name, 32);
        printf (" %s\n", list->macros[i]->action);
    }
    balcao__v1__macro_list__free_unpacked (list, NULL);
    return 0;
}

/* balcao close N [--reason TEXT]: at N3 before the customer validates, only
 * a supervisor closes, and only with the reason (the router says so). */
static int
s_close (bc_config_t *config, int argc, char **argv)
{
    if (argc < 1)
        return EXIT_USAGE;
    char text[8192];
    Balcao__V1__TicketAction req = BALCAO__V1__TICKET_ACTION__INIT;
    req.number = s_number (argv[0]);
    req.action = "close";
    if (argc >= 2 && strcmp (argv[1], "--reason") == 0) {
        if (argc != 3)
            return EXIT_USAGE;
        req.text = argv[2];
    }
    else
        req.text = (char *) s_join (argc, argv, 1, text, sizeof text);
    return s_print_ticket (s_call (config, "router", &req.base), s_line_status);
}

static int
s_action (bc_config_t *config, const char *action, int argc, char **argv)
{
    if (strcmp (action, "close") == 0)
        return s_close (config, argc, argv);
    if (argc < 1)
        return EXIT_USAGE;
    char text[8192];
    const char *fix = "";
    int last = argc;
    if (argc >= 3 && strcmp (argv[argc - 2], "--fix") == 0) {
        fix = argv[argc - 1];
        last = argc - 2;
    }
    Balcao__V1__TicketAction req = BALCAO__V1__TICKET_ACTION__INIT;
    req.number = s_number (argv[0]);
    req.action = (char *) action;
    req.text = (char *) s_join (last, argv, 1, text, sizeof text);
    req.fix_reference = (char *) fix;
    bc_envelope_t *reply = s_call (config, "router", &req.base);
    return s_print_ticket (reply, s_line_status);
}


/* An SLA clock's state ("running", "met", "breached") in the user's words. */
static const char *
s_sla_state (const char *state)
{
    if (strcmp (state, "running") == 0)
        return T ("em andamento", "running");
    if (strcmp (state, "met") == 0)
        return T ("cumprido", "met");
    if (strcmp (state, "breached") == 0)
        return T ("estourado", "breached");
    return state;
}
/* A message's files, one line each with the id `attachment get` takes. */
static void
s_print_attachments (const Balcao__V1__TicketMessage *m)
{
    for (size_t i = 0; i < m->n_attachments; i++) {
        const Balcao__V1__Attachment *a = m->attachments[i];
        printf (T ("[anexo] %s  %s  %llu bytes%s  %s\n", "[attachment] %s  %s  %llu bytes%s  %s\n"),
                *a->filename ? a->filename : T ("(sem nome)", "(no name)"), a->content_type,
                (unsigned long long) a->size,
                a->inline_ ? T ("  no corpo da mensagem", "  inline") : "", a->sha256);
    }
}

static int
s_show (bc_config_t *config, const char *arg)
{
    Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
    req.number = s_number (arg);
    bc_envelope_t *reply = s_call (config, "router", &req.base);
    if (!reply)
        return s_exit;
    Balcao__V1__Ticket *t = s_ticket_of (reply);
    if (!t)
        return EXIT_UNAVAILABLE;
    char when[32];
    s_time (t->created_us, when, sizeof when);
    printf (T ("Chamado #%llu  [%s]  %s  prioridade %s  categoria %s\n",
               "Ticket #%llu  [%s]  %s  priority %s  category %s\n"), (unsigned long long) t->number,
            t->status, t->tier, t->priority, t->category);
    printf (T ("Assunto: %s\n", "Subject: %s\n"), t->subject);
    printf (T ("Cliente: %s <%s>\n", "Customer: %s <%s>\n"), t->customer_name, t->customer_address);
    printf (T ("Responsável: %s\n", "Assignee: %s\n"),
            *t->assignee ? t->assignee : T ("(na fila)", "(in the queue)"));
    if (t->problem)
        printf (T ("Incidente do problema #%llu\n", "Incident of problem #%llu\n"), (unsigned long long) t->problem);
    if (t->merged_into)
        printf (T ("Unido ao chamado #%llu\n", "Merged into ticket #%llu\n"),
                (unsigned long long) t->merged_into);
    if (t->previous)
        printf (T ("Continua o chamado #%llu (já fechado)\n", "Continues ticket #%llu (closed)\n"),
                (unsigned long long) t->previous);
    if (t->incident_count)
        printf (T ("Problema com %u incidente(s) vinculado(s)\n", "Problem with %u linked incident(s)\n"), t->incident_count);
    if (*t->resolution)
        printf (T ("Resolução: %s%s%s\n", "Resolution: %s%s%s\n"), t->resolution,
                *t->fix_reference ? T (" — correção ", " — fix ") : "",
                t->fix_reference);
    if (*t->first_response_sla) {
        char due[32];
        s_time (t->first_response_due_us, due, sizeof due);
        printf (T ("SLA 1ª resposta: %s (prazo %s)\n", "SLA first response: %s (due %s)\n"),
                s_sla_state (t->first_response_sla), due);
        s_time (t->resolution_due_us, due, sizeof due);
        printf (T ("SLA resolução: %s%s%s%s\n", "SLA resolution: %s%s%s%s\n"),
                s_sla_state (t->resolution_sla),
                t->resolution_started_us ? T (" (prazo ", " (due ") : "", t->resolution_started_us ? due : "",
                t->resolution_started_us ? ")"
                : strcmp (t->resolution_sla, "running") == 0 ? T (" (pausado)", " (paused)")
                                                            : "");
    }
    if (t->csat_score)
        printf (T ("Avaliação: %u/5 %s\n", "Rating: %u/5 %s\n"), t->csat_score, t->csat_comment);
    printf (T ("Aberto em: %s via %s\n", "Opened: %s via %s\n"), when, t->channel);
    for (size_t i = 0; i < t->n_messages; i++) {
        const Balcao__V1__TicketMessage *m = t->messages[i];
        s_time (m->time_us, when, sizeof when);
        printf ("\n--- %s  %s (%s)%s\n%s\n", when, m->author, m->channel,
                m->is_internal ? T ("  [nota interna]", "  [internal note]") : "", m->body);
        s_print_attachments (m);
    }
    balcao__v1__ticket__free_unpacked (t, NULL);
    return 0;
}

static int
s_list (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__ListTickets req = BALCAO__V1__LIST_TICKETS__INIT;
    req.after = argc > 0 ? strtoull (argv[0], NULL, 10) : 0;
    req.limit = argc > 1 ? (uint32_t) strtoul (argv[1], NULL, 10) : 50;
    Balcao__V1__TicketList *list = (Balcao__V1__TicketList *) s_fetch (config, "router", &req.base, &balcao__v1__ticket_list__descriptor);
    if (!list)
        return s_exit;
    for (size_t i = 0; i < list->n_tickets; i++) {
        const Balcao__V1__Ticket *t = list->tickets[i];
        char when[32];
        s_time (t->created_us, when, sizeof when);
        printf ("#%-6llu %-18s %-3s %-8s %s  %s  <%s>\n", (unsigned long long) t->number,
                t->status, t->tier, t->priority, when, t->subject, t->customer_address);
    }
    printf (T ("%zu de %llu chamados\n", "%zu of %llu tickets\n"), list->n_tickets, (unsigned long long) list->total);
    balcao__v1__ticket_list__free_unpacked (list, NULL);
    return 0;
}

static int
s_search (bc_config_t *config, int argc, char **argv)
{
    char query[2048] = "";
    for (int i = 0; i < argc; i++) {
        strncat (query, argv[i], sizeof query - strlen (query) - 2);
        strcat (query, " ");
    }
    Balcao__V1__SearchTickets req = BALCAO__V1__SEARCH_TICKETS__INIT;
    req.query = query;
    Balcao__V1__SearchTicketsReply *r = (Balcao__V1__SearchTicketsReply *) s_fetch (config, "kb", &req.base, &balcao__v1__search_tickets_reply__descriptor);
    if (!r)
        return s_exit;
    for (size_t i = 0; i < r->n_hits; i++)
        printf ("#%-6llu %5.2f  %s\n", (unsigned long long) r->hits[i]->ticket, r->hits[i]->score,
                r->hits[i]->subject);
    if (r->n_hits == 0)
        printf (T ("Nenhum chamado encontrado.\n", "No ticket found.\n"));
    else
        printf (T ("%llu chamado(s) encontrado(s)\n", "%llu ticket(s) found\n"), (unsigned long long) r->estimated);
    balcao__v1__search_tickets_reply__free_unpacked (r, NULL);
    return 0;
}

/* Makes the person's key pair (once) and says how to get it registered. */
static int
s_login (void)
{
    const char *path = s_key_path ();
    zcert_t *cert = zcert_load (path);
    const char *principal = s_declared_principal ();
    if (cert)
        printf (T ("Você já tem uma chave em %s.\n", "You already have a key in %s.\n"), path);
    else {
        char dir[4096];
        snprintf (dir, sizeof dir, "%s", path);
        char *slash = strrchr (dir, '/');
        if (slash) {
            *slash = 0;
            if (zsys_dir_create ("%s", dir) || chmod (dir, 0700)) {
                fprintf (stderr, T ("balcao: não consegui criar %s: %s\n", "balcao: could not create %s: %s\n"), dir, strerror (errno));
                return 1;
            }
        }
        cert = zcert_new ();
        zcert_set_meta (cert, "name", "%s", principal);
        mode_t old = umask (077);
        int rc = zcert_save (cert, path);
        umask (old);
        if (rc) {
            fprintf (stderr, T ("balcao: não consegui gravar %s\n", "balcao: could not write %s\n"), path);
            zcert_destroy (&cert);
            return 1;
        }
        printf (T ("Sua chave foi criada em %s (a parte secreta fica em %s_secret, só para você).\n",
                   "Your key was created in %s (its secret part is in %s_secret, for you only).\n"),
                path, path);
    }
    printf (T ("Chave pública: %s\n"
               "Peça a um administrador para registrá-la:\n"
               "  balcao person-key %s %s\n",
               "Public key: %s\n"
               "Ask an admin to register it:\n"
               "  balcao person-key %s %s\n"),
            zcert_public_txt (cert), principal, zcert_public_txt (cert));
    zcert_destroy (&cert);
    return 0;
}

static int
s_person_key (bc_config_t *config, int argc, char **argv)
{
    if (argc < 1)
        return EXIT_USAGE;
    Balcao__V1__SetPersonKey req = BALCAO__V1__SET_PERSON_KEY__INIT;
    req.person = argv[0];
    req.curve_key = (char *) (argc > 1 ? argv[1] : "");
    bc_envelope_t *reply = s_call (config, "router", &req.base);
    if (!reply)
        return s_exit;
    bc_envelope_destroy (&reply);
    if (*req.curve_key)
        printf (T ("Chave de %s registrada: as conexões com ela agem como %s.\n",
                   "Key of %s registered: connections with it act as %s.\n"), req.person,
                req.person);
    else
        printf (T ("Chave de %s revogada.\n", "Key of %s revoked.\n"), req.person);
    return 0;
}


/* attachment get SHA256 [-o FILE]: the bytes of a stored attachment, to
 * stdout or FILE; what it is goes to stderr. */
static int
s_attachment_cmd (bc_config_t *config, int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp (argv[2], "-o") == 0))
        return EXIT_USAGE;
    if (strcmp (argv[0], "get") != 0)
        return EXIT_USAGE;
    Balcao__V1__GetAttachment req = BALCAO__V1__GET_ATTACHMENT__INIT;
    req.sha256 = argv[1];
    Balcao__V1__AttachmentData *d = (Balcao__V1__AttachmentData *) s_fetch (
        config, "intake", &req.base, &balcao__v1__attachment_data__descriptor);
    if (!d)
        return s_exit;
    if (!d->attachment) {
        balcao__v1__attachment_data__free_unpacked (d, NULL);
        return EXIT_UNAVAILABLE;
    }
    const char *path = argc == 4 ? argv[3] : NULL;
    FILE *out = path ? fopen (path, "wb") : stdout;
    int rc = 0;
    if (!out || fwrite (d->content.data, 1, d->content.len, out) != d->content.len ||
        (path ? fclose (out) : fflush (out)) != 0) {
        fprintf (stderr, T ("balcao: não consegui gravar %s: %s\n", "balcao: could not write %s: %s\n"),
                 path ? path : "stdout", strerror (errno));
        rc = 1;
    }
    else
        fprintf (stderr, T ("%s (%s, %zu bytes)%s%s\n", "%s (%s, %zu bytes)%s%s\n"),
                 *d->attachment->filename ? d->attachment->filename : T ("(sem nome)", "(no name)"),
                 d->attachment->content_type, d->content.len, path ? T (" salvo em ", " saved to ") : "",
                 path ? path : "");
    balcao__v1__attachment_data__free_unpacked (d, NULL);
    return rc;
}

/* outbox [pendentes|tentando|mortas] / outbox resend ID */
static int
s_outbox_cmd (bc_config_t *config, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "resend") == 0) {
        if (argc != 2)
            return EXIT_USAGE;
        Balcao__V1__ResendNotification req = BALCAO__V1__RESEND_NOTIFICATION__INIT;
        req.notification_id = argv[1];
        bc_envelope_t *reply = s_call (config, "notify", &req.base);
        if (!reply)
            return s_exit;
        bc_envelope_destroy (&reply);
        printf (T ("Notificação %s de volta à fila: será enviada agora.\n",
                   "Notification %s is back in the queue: it will be sent now.\n"),
                argv[1]);
        return 0;
    }
    static const struct {
        const char *word, *filter;
    } filters[] = {{"pendentes", "pending"}, {"pending", "pending"}, {"tentando", "retrying"},
                   {"retrying", "retrying"}, {"mortas", "dead"},     {"dead", "dead"}};
    Balcao__V1__ListOutbox req = BALCAO__V1__LIST_OUTBOX__INIT;
    req.limit = 1000;
    if (argc > 1)
        return EXIT_USAGE;
    if (argc == 1) {
        req.filter = NULL;
        for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
            if (strcmp (argv[0], filters[i].word) == 0)
                req.filter = (char *) filters[i].filter;
        if (!req.filter)
            return EXIT_USAGE;
    }
    Balcao__V1__OutboxList *list = (Balcao__V1__OutboxList *) s_fetch (config, "notify", &req.base, &balcao__v1__outbox_list__descriptor);
    if (!list)
        return s_exit;
    static const struct {
        const char *state, *pt, *en;
    } states[] = {{"pending", "pendente", "pending"},
                  {"sending", "enviando", "sending"},
                  {"retrying", "tentando", "retrying"},
                  {"dead", "morta", "dead"}};
    for (size_t i = 0; i < list->n_items; i++) {
        const Balcao__V1__OutboxItem *it = list->items[i];
        const char *state = it->state;
        for (size_t j = 0; j < sizeof states / sizeof states[0]; j++)
            if (strcmp (it->state, states[j].state) == 0)
                state = T (states[j].pt, states[j].en);
        char queued[32], next[32] = "-";
        s_time (it->queued_us, queued, sizeof queued);
        if (it->next_attempt_us && strcmp (it->state, "retrying") == 0)
            s_time (it->next_attempt_us, next, sizeof next);
        printf (T ("%-26s #%-6llu %-9s %-8s %s  tentativas %u  próxima %s  <%s>\n",
                   "%-26s #%-6llu %-9s %-8s %s  attempts %u  next %s  <%s>\n"),
                it->notification_id, (unsigned long long) it->ticket, it->kind,
                state, queued, it->attempts, next, it->recipient);
        if (*it->last_error)
            printf (T ("    último erro: %s\n", "    last error: %s\n"), it->last_error);
    }
    printf (T ("%llu pendente(s), %llu tentando de novo, %llu morta(s); não enviadas: %llu a "
               "robôs, %llu confirmações acima do limite por hora\n",
               "%llu pending, %llu retrying, %llu dead; not sent: %llu to robots, %llu "
               "acknowledgements over the hourly limit\n"),
            (unsigned long long) list->pending, (unsigned long long) list->retrying,
            (unsigned long long) list->dead, (unsigned long long) list->skipped_robot,
            (unsigned long long) list->skipped_ack_rate);
    balcao__v1__outbox_list__free_unpacked (list, NULL);
    return 0;
}

/* ---- balcao kb …: the knowledge base ------------------------------------ */

/* The value after option name in argv (NULL if absent). */
static const char *
s_kb_opt (int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int
s_kb_flag (int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], name) == 0)
            return 1;
    return 0;
}

/* The words of argv that are neither options nor their values, joined. */
static const char *
s_kb_words (int argc, char **argv, char *buf, size_t size)
{
    static const char *const with_value[] = {"--type", "--category", "--audience", "--tags",
                                             "--lang", "--id", "--title", "--body", "--file",
                                             "--version", "--base", "--status", NULL};
    buf[0] = 0;
    for (int i = 0; i < argc; i++) {
        int skip = 0;
        for (int k = 0; with_value[k]; k++)
            if (strcmp (argv[i], with_value[k]) == 0)
                skip = 1;
        if (skip) {
            i++;
            continue;
        }
        if (strncmp (argv[i], "--", 2) == 0)
            continue;
        if (*buf)
            strncat (buf, " ", size - strlen (buf) - 1);
        strncat (buf, argv[i], size - strlen (buf) - 1);
    }
    return buf;
}

/* Splits "a, b,c" into tags (pointers into buf, which is changed). */
static size_t
s_kb_tags (char *buf, char **tags, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok (buf, ",[]"); tok && n < max; tok = strtok (NULL, ",[]")) {
        while (*tok == ' ' || *tok == '"' || *tok == '\'')
            tok++;
        char *end = tok + strlen (tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '"' || end[-1] == '\''))
            *--end = 0;
        if (*tok)
            tags[n++] = tok;
    }
    return n;
}

static void
s_kb_print_article (const Balcao__V1__Article *a, int with_body)
{
    char when[32];
    s_time (a->updated_us, when, sizeof when);
    printf ("%s  v%u  [%s]  %s / %s / %s  %s\n", a->id, a->version, a->status, a->type,
            a->audience, *a->category ? a->category : "-", a->language);
    printf ("%s\n", a->title);
    if (a->n_tags) {
        printf (T ("Etiquetas:", "Tags:"));
        for (size_t i = 0; i < a->n_tags; i++)
            printf (" %s", a->tags[i]);
        printf ("\n");
    }
    printf (T ("Versão %u por %s em %s", "Version %u by %s on %s"), a->version, a->author, when);
    if (a->from_ticket)
        printf (T (" (do chamado #%llu)", " (from ticket #%llu)"),
                (unsigned long long) a->from_ticket);
    printf ("\n");
    if (with_body) {
        printf (T ("Visualizações: %llu  Ajudou: %llu sim, %llu não\n",
                   "Views: %llu  Helpful: %llu yes, %llu no\n"),
                (unsigned long long) a->views, (unsigned long long) a->helpful_yes,
                (unsigned long long) a->helpful_no);
        printf ("\n%s\n", a->body);
    }
}

static int
s_kb_article_reply (bc_envelope_t *reply, int with_body)
{
    if (!reply)
        return s_exit;
    Balcao__V1__Article *a =
        (Balcao__V1__Article *) bc_envelope_payload (reply, &balcao__v1__article__descriptor);
    bc_envelope_destroy (&reply);
    if (!a)
        return EXIT_UNAVAILABLE;
    s_kb_print_article (a, with_body);
    balcao__v1__article__free_unpacked (a, NULL);
    return 0;
}

/* A snippet for the terminal: <mark>x</mark> as *x*, entities decoded. */
static void
s_kb_print_snippet (const char *html)
{
    static const struct {
        const char *from, *to;
    } map[] = {{"<mark>", "*"}, {"</mark>", "*"}, {"&lt;", "<"}, {"&gt;", ">"},
               {"&quot;", "\""}, {"&amp;", "&"}};
    printf ("    ");
    for (const char *p = html; *p;) {
        size_t i;
        for (i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strncmp (p, map[i].from, strlen (map[i].from)) == 0)
                break;
        if (i < sizeof map / sizeof map[0]) {
            fputs (map[i].to, stdout);
            p += strlen (map[i].from);
        }
        else
            putchar (*p++);
    }
    printf ("\n");
}

static int
s_kb_results (bc_envelope_t *reply)
{
    if (!reply)
        return s_exit;
    Balcao__V1__ArticleResults *r = (Balcao__V1__ArticleResults *) bc_envelope_payload (
        reply, &balcao__v1__article_results__descriptor);
    bc_envelope_destroy (&reply);
    if (!r)
        return EXIT_UNAVAILABLE;
    if (*r->did_you_mean)
        printf (T ("Você quis dizer: %s\n", "Did you mean: %s\n"), r->did_you_mean);
    if (!r->n_hits)
        printf (T ("Nenhum artigo encontrado.\n", "No article found.\n"));
    for (size_t i = 0; i < r->n_hits; i++) {
        const Balcao__V1__ArticleHit *h = r->hits[i];
        printf ("%-32s %5.2f  %s/%s%s  %s\n", h->id, h->score, h->type, h->audience,
                strcmp (h->status, "publicado") ? T (" (rascunho)", " (draft)") : "", h->title);
        if (*h->snippet)
            s_kb_print_snippet (h->snippet);
    }
    if (r->n_facets) {
        const char *field = "";
        for (size_t i = 0; i < r->n_facets; i++) {
            if (strcmp (field, r->facets[i]->field) != 0) {
                field = r->facets[i]->field;
                printf ("%s%s:", i ? "\n" : "", field);
            }
            printf (" %s (%s%u)", r->facets[i]->value, r->facets_estimated ? "~" : "",
                    r->facets[i]->count);
        }
        printf ("\n");
    }
    balcao__v1__article_results__free_unpacked (r, NULL);
    return 0;
}

/* Article fields from the command line options (pointers into argv, tags
 * into tag_buf). Body: --body TEXT or --file PATH ("-": stdin), in *body. */
static int
s_kb_fields (int argc, char **argv, Balcao__V1__Article *a, char **tags, char *tag_buf,
             size_t tag_size, char **body)
{
    const char *v;
    if ((v = s_kb_opt (argc, argv, "--title")))
        a->title = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--type")))
        a->type = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--audience")))
        a->audience = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--category")))
        a->category = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--lang")))
        a->language = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--status")))
        a->status = (char *) v;
    if ((v = s_kb_opt (argc, argv, "--tags"))) {
        snprintf (tag_buf, tag_size, "%s", v);
        a->n_tags = s_kb_tags (tag_buf, tags, 32);
        a->tags = tags;
    }
    *body = NULL;
    if ((v = s_kb_opt (argc, argv, "--body")))
        *body = strdup (v);
    else if ((v = s_kb_opt (argc, argv, "--file"))) {
        *body = bc_read_file (v);
        if (!*body) {
            fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: could not read %s\n"), v);
            return EXIT_USAGE;
        }
    }
    if (*body)
        a->body = *body;
    return 0;
}

/* Parses a Markdown file with front matter ("---" lines around key: value
 * lines) into a (strings point into text, which is changed). */
static void
s_kb_front_matter (char *text, Balcao__V1__Article *a, char **tags, size_t max_tags)
{
    a->body = text;
    if (strncmp (text, "---\n", 4) != 0)
        return;
    char *end = strstr (text + 4, "\n---");
    if (!end)
        return;
    *end = 0;
    /* The body starts after the closing line and one blank line. */
    char *after = strchr (end + 1, '\n');
    after = after ? after + 1 : end + 4;
    if (*after == '\r')
        after++;
    if (*after == '\n')
        after++;
    a->body = after;
    char *save = NULL;
    for (char *line = strtok_r (text + 4, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        char *colon = strchr (line, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *value = colon + 1;
        while (*value == ' ')
            value++;
        size_t len = strlen (value);
        while (len && (value[len - 1] == '\r' || value[len - 1] == ' '))
            value[--len] = 0;
        if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
            value[len - 1] = 0;
            value++;
        }
        if (strcmp (line, "id") == 0)
            a->id = value;
        else if (strcmp (line, "title") == 0)
            a->title = value;
        else if (strcmp (line, "type") == 0)
            a->type = value;
        else if (strcmp (line, "audience") == 0)
            a->audience = value;
        else if (strcmp (line, "category") == 0)
            a->category = value;
        else if (strcmp (line, "language") == 0)
            a->language = value;
        else if (strcmp (line, "status") == 0)
            a->status = value;
        else if (strcmp (line, "tags") == 0) {
            a->n_tags = s_kb_tags (value, tags, max_tags);
            a->tags = tags;
        }
    }
}

/* An id made of lowercase letters, digits and '-' from any name. */
static void
s_kb_id_of (const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size && n < 64; p++) {
        char c = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = 0;
}

/* Sends what import collected, in requests of about 256 KiB. */
typedef struct {
    Balcao__V1__Article **items;
    size_t n, cap;
    char **owned; /* texts and ids to free */
    size_t nowned, owned_cap;
} s_kb_batch_t;

static void
s_kb_own (s_kb_batch_t *b, char *p)
{
    if (b->nowned == b->owned_cap) {
        b->owned_cap = b->owned_cap ? 2 * b->owned_cap : 64;
        b->owned = realloc (b->owned, b->owned_cap * sizeof *b->owned);
    }
    b->owned[b->nowned++] = p;
}

static Balcao__V1__Article *
s_kb_add (s_kb_batch_t *b)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->items = realloc (b->items, b->cap * sizeof *b->items);
    }
    Balcao__V1__Article *a = calloc (1, sizeof *a);
    balcao__v1__article__init (a);
    a->tags = calloc (32, sizeof (char *));
    s_kb_own (b, (char *) a->tags);
    b->items[b->n++] = a;
    return a;
}

static int
s_kb_send (bc_config_t *config, s_kb_batch_t *b, int publish)
{
    unsigned created = 0, updated = 0, unchanged = 0;
    size_t from = 0;
    while (from < b->n) {
        size_t to = from, bytes = 0;
        while (to < b->n && (to == from || bytes + protobuf_c_message_get_packed_size (&b->items[to]->base) < 256 * 1024))
            bytes += protobuf_c_message_get_packed_size (&b->items[to++]->base);
        Balcao__V1__ImportArticles req = BALCAO__V1__IMPORT_ARTICLES__INIT;
        req.articles = b->items + from;
        req.n_articles = to - from;
        req.publish = publish;
        bc_envelope_t *reply = s_call (config, "kb", &req.base);
        if (!reply)
            return s_exit;
        Balcao__V1__ImportResult *r = (Balcao__V1__ImportResult *) bc_envelope_payload (
            reply, &balcao__v1__import_result__descriptor);
        bc_envelope_destroy (&reply);
        if (!r)
            return EXIT_UNAVAILABLE;
        created += r->created, updated += r->updated, unchanged += r->unchanged;
        balcao__v1__import_result__free_unpacked (r, NULL);
        from = to;
    }
    printf (T ("Importados: %u novos, %u atualizados, %u sem mudança.\n",
               "Imported: %u new, %u updated, %u unchanged.\n"), created, updated, unchanged);
    return 0;
}

static int
s_kb_cmp_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
s_kb_import (bc_config_t *config, const char *path, int publish)
{
    s_kb_batch_t b = {0};
    struct stat st;
    int rc = 0;
    if (stat (path, &st) != 0) {
        fprintf (stderr, T ("balcao: %s não existe\n", "balcao: %s does not exist\n"), path);
        return EXIT_USAGE;
    }
    if (S_ISDIR (st.st_mode)) {
        /* Every *.md in the folder, by name; the id defaults to the name. */
        zdir_t *dir = zdir_new (path, NULL);
        zlist_t *files = dir ? zdir_list (dir) : NULL;
        size_t n = files ? zlist_size (files) : 0, k = 0;
        char **names = calloc (n + 1, sizeof *names);
        for (zfile_t *f = files ? zlist_first (files) : NULL; f; f = zlist_next (files))
            if (strlen (zfile_filename (f, NULL)) > 3
                && strcmp (zfile_filename (f, NULL) + strlen (zfile_filename (f, NULL)) - 3, ".md") == 0)
                names[k++] = strdup (zfile_filename (f, NULL));
        qsort (names, k, sizeof *names, s_kb_cmp_names);
        for (size_t i = 0; i < k; i++) {
            char *text = bc_read_file (names[i]);
            if (!text)
                continue;
            s_kb_own (&b, text);
            Balcao__V1__Article *a = s_kb_add (&b);
            s_kb_front_matter (text, a, a->tags, 32);
            if (!*a->id) {
                const char *base = strrchr (names[i], '/') ? strrchr (names[i], '/') + 1 : names[i];
                char *id = malloc (72);
                s_kb_id_of (base, id, 72);
                if (strlen (id) > 3 && strcmp (id + strlen (id) - 3, "-md") == 0)
                    id[strlen (id) - 3] = 0;
                s_kb_own (&b, id);
                a->id = id;
            }
            free (names[i]);
        }
        free (names);
        zlist_destroy (&files);
        zdir_destroy (&dir);
    }
    else {
        /* JSON lines: id, title, body (and optional article fields). */
        FILE *f = fopen (path, "r");
        char *line = NULL;
        size_t cap = 0;
        int lineno = 0;
        while (f && getline (&line, &cap, f) > 0) {
            lineno++;
            json_error_t err;
            json_t *o = json_loads (line, 0, &err);
            if (!o || !json_is_object (o)) {
                fprintf (stderr, T ("balcao: %s:%d: JSON inválido (%s); nada foi importado\n",
                                    "balcao: %s:%d: invalid JSON (%s); nothing was imported\n"),
                         path, lineno, err.text);
                json_decref (o);
                rc = EXIT_USAGE;
                break;
            }
            Balcao__V1__Article *a = s_kb_add (&b);
            static const char *const keys[] = {"id", "title", "body", "type", "audience",
                                               "category", "language", "status"};
            char **fields[] = {&a->id, &a->title, &a->body, &a->type, &a->audience,
                               &a->category, &a->language, &a->status};
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                const char *v = json_string_value (json_object_get (o, keys[i]));
                if (v) {
                    *fields[i] = strdup (v);
                    s_kb_own (&b, *fields[i]);
                }
            }
            json_t *tags = json_object_get (o, "tags");
            for (size_t i = 0; json_is_array (tags) && i < json_array_size (tags) && a->n_tags < 32; i++)
                if (json_string_value (json_array_get (tags, i))) {
                    a->tags[a->n_tags] = strdup (json_string_value (json_array_get (tags, i)));
                    s_kb_own (&b, a->tags[a->n_tags++]);
                }
            char *id = malloc (72);
            s_kb_id_of (a->id, id, 72);
            s_kb_own (&b, id);
            a->id = id;
            json_decref (o);
        }
        free (line);
        if (f)
            fclose (f);
        else {
            fprintf (stderr, T ("balcao: não consegui ler %s\n", "balcao: could not read %s\n"), path);
            rc = EXIT_USAGE;
        }
    }
    if (!rc) {
        if (b.n)
            rc = s_kb_send (config, &b, publish);
        else
            printf (T ("Nenhum artigo em %s.\n", "No article in %s.\n"), path);
    }
    for (size_t i = 0; i < b.n; i++)
        free (b.items[i]);
    for (size_t i = 0; i < b.nowned; i++)
        free (b.owned[i]);
    free (b.items);
    free (b.owned);
    return rc;
}

static int
s_kb_export (bc_config_t *config, const char *path)
{
    Balcao__V1__ExportArticles req = BALCAO__V1__EXPORT_ARTICLES__INIT;
    Balcao__V1__ArticleList *list = (Balcao__V1__ArticleList *) s_fetch (config, "kb", &req.base, &balcao__v1__article_list__descriptor);
    if (!list)
        return s_exit;
    size_t len = strlen (path);
    int is_jsonl = len > 6 && strcmp (path + len - 6, ".jsonl") == 0;
    FILE *out = is_jsonl ? fopen (path, "w") : NULL;
    if (!is_jsonl && zsys_dir_create ("%s", path) != 0)
        out = NULL;
    int rc = 0;
    for (size_t i = 0; i < list->n_articles && rc == 0; i++) {
        const Balcao__V1__Article *a = list->articles[i];
        if (is_jsonl) {
            if (!out) {
                rc = EXIT_USAGE;
                break;
            }
            json_t *tags = json_array ();
            for (size_t t = 0; t < a->n_tags; t++)
                json_array_append_new (tags, json_string (a->tags[t]));
            json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", a->id,
                                   "title", a->title, "body", a->body, "type", a->type,
                                   "audience", a->audience, "category", a->category,
                                   "language", a->language, "status", a->status, "tags", tags);
            char *line = json_dumps (o, JSON_COMPACT);
            fprintf (out, "%s\n", line);
            free (line);
            json_decref (o);
            continue;
        }
        char file[4096];
        snprintf (file, sizeof file, "%s/%s.md", path, a->id);
        FILE *f = fopen (file, "w");
        if (!f) {
            rc = EXIT_USAGE;
            break;
        }
        fprintf (f, "---\nid: %s\ntitle: \"%s\"\ntype: %s\naudience: %s\ncategory: %s\n"
                    "language: %s\nstatus: %s\ntags: [",
                 a->id, a->title, a->type, a->audience, a->category, a->language, a->status);
        for (size_t t = 0; t < a->n_tags; t++)
            fprintf (f, "%s%s", t ? ", " : "", a->tags[t]);
        fprintf (f, "]\n---\n\n%s", a->body);
        fclose (f);
    }
    if (out)
        fclose (out);
    if (rc)
        fprintf (stderr, T ("balcao: não consegui escrever em %s\n", "balcao: could not write to %s\n"),
                 path);
    else
        printf (T ("Exportados %zu artigos para %s.\n", "Exported %zu articles to %s.\n"),
                list->n_articles, path);
    balcao__v1__article_list__free_unpacked (list, NULL);
    return rc;
}

static int
s_kb_history (bc_config_t *config, const char *id)
{
    Balcao__V1__GetArticleHistory req = BALCAO__V1__GET_ARTICLE_HISTORY__INIT;
    req.id = (char *) id;
    Balcao__V1__ArticleList *list = (Balcao__V1__ArticleList *) s_fetch (config, "kb", &req.base, &balcao__v1__article_list__descriptor);
    if (!list)
        return s_exit;
    for (size_t i = 0; i < list->n_articles; i++) {
        const Balcao__V1__Article *a = list->articles[i];
        char when[32];
        s_time (a->updated_us, when, sizeof when);
        printf ("v%-3u %s  %-28s %-10s %-10s %s\n", a->version, when, a->author, a->change,
                a->status, a->title);
    }
    balcao__v1__article_list__free_unpacked (list, NULL);
    return 0;
}

static int
s_kb_ask (bc_config_t *config, const char *question)
{
    Balcao__V1__AskBot req = BALCAO__V1__ASK_BOT__INIT;
    req.question = (char *) question;
    Balcao__V1__BotAnswer *a = (Balcao__V1__BotAnswer *) s_fetch (config, "kb", &req.base, &balcao__v1__bot_answer__descriptor);
    if (!a)
        return s_exit;
    if (a->confident)
        printf (T ("Resposta (confiança %.2f): %s\n  %s\n  artigo: %s\n",
                   "Answer (confidence %.2f): %s\n  %s\n  article: %s\n"),
                a->confidence, a->title, a->excerpt, a->article);
    else
        printf (T ("Sem resposta confiável (confiança %.2f < %.2f): passar para um atendente.\n",
                   "No confident answer (confidence %.2f < %.2f): hand over to a person.\n"),
                a->confidence, a->threshold);
    balcao__v1__bot_answer__free_unpacked (a, NULL);
    return 0;
}

static int
s_kb_gaps (bc_config_t *config, int argc, char **argv)
{
    Balcao__V1__GetKbGaps req = BALCAO__V1__GET_KB_GAPS__INIT;
    long days = argc > 0 ? strtol (argv[0], NULL, 10) : 30;
    req.since_us = (int64_t) time (NULL) * 1000000LL - (int64_t) (days > 0 ? days : 30) * 86400000000LL;
    req.limit = 30;
    Balcao__V1__KbGaps *g = (Balcao__V1__KbGaps *) s_fetch (config, "kb", &req.base, &balcao__v1__kb_gaps__descriptor);
    if (!g)
        return s_exit;
    if (!g->n_gaps)
        printf (T ("Nenhuma busca sem resposta nos últimos %ld dias.\n",
                   "No unanswered search in the last %ld days.\n"), days > 0 ? days : 30);
    for (size_t i = 0; i < g->n_gaps; i++)
        printf (T ("%5u  (%u do bot)  %s\n", "%5u  (%u from the bot)  %s\n"), g->gaps[i]->count,
                g->gaps[i]->bot, g->gaps[i]->query);
    balcao__v1__kb_gaps__free_unpacked (g, NULL);
    return 0;
}

static int
s_kb_tickets (bc_envelope_t *reply)
{
    if (!reply)
        return s_exit;
    Balcao__V1__SearchTicketsReply *r = (Balcao__V1__SearchTicketsReply *) bc_envelope_payload (
        reply, &balcao__v1__search_tickets_reply__descriptor);
    bc_envelope_destroy (&reply);
    if (!r)
        return EXIT_UNAVAILABLE;
    if (!r->n_hits)
        printf (T ("Nenhum chamado semelhante.\n", "No similar ticket.\n"));
    for (size_t i = 0; i < r->n_hits; i++)
        printf ("#%-6llu %6.2f  %s\n", (unsigned long long) r->hits[i]->ticket, r->hits[i]->score,
                r->hits[i]->subject);
    balcao__v1__search_tickets_reply__free_unpacked (r, NULL);
    return 0;
}

static int
s_kb_cmd (bc_config_t *config, int argc, char **argv)
{
    if (argc < 1)
        return EXIT_USAGE;
    const char *sub = argv[0];
    argc--, argv++;
    char text[8192], tag_buf[2048];
    char *tags[32];
    const char *words = s_kb_words (argc, argv, text, sizeof text);
    const char *v;
    if (strcmp (sub, "search") == 0 || strcmp (sub, "suggest") == 0) {
        if (!*words)
            return EXIT_USAGE;
        if (strcmp (sub, "suggest") == 0) {
            Balcao__V1__SuggestArticles req = BALCAO__V1__SUGGEST_ARTICLES__INIT;
            req.text = (char *) words;
            return s_kb_results (s_call (config, "kb", &req.base));
        }
        Balcao__V1__SearchArticles req = BALCAO__V1__SEARCH_ARTICLES__INIT;
        req.query = (char *) words;
        if ((v = s_kb_opt (argc, argv, "--type")))
            req.type = (char *) v;
        if ((v = s_kb_opt (argc, argv, "--category")))
            req.category = (char *) v;
        if ((v = s_kb_opt (argc, argv, "--audience")))
            req.audience = (char *) v;
        req.include_drafts = s_kb_flag (argc, argv, "--drafts");
        return s_kb_results (s_call (config, "kb", &req.base));
    }
    if (strcmp (sub, "ask") == 0)
        return *words ? s_kb_ask (config, words) : EXIT_USAGE;
    if (strcmp (sub, "gaps") == 0)
        return s_kb_gaps (config, argc, argv);
    if (strcmp (sub, "create") == 0 || strcmp (sub, "edit") == 0) {
        Balcao__V1__Article a = BALCAO__V1__ARTICLE__INIT;
        char *body = NULL;
        int rc = s_kb_fields (argc, argv, &a, tags, tag_buf, sizeof tag_buf, &body);
        if (rc)
            return rc;
        bc_envelope_t *reply;
        if (strcmp (sub, "create") == 0) {
            if ((v = s_kb_opt (argc, argv, "--id")))
                a.id = (char *) v;
            Balcao__V1__CreateArticle req = BALCAO__V1__CREATE_ARTICLE__INIT;
            req.article = &a;
            reply = s_call (config, "kb", &req.base);
        }
        else {
            if (!*words) {
                free (body);
                return EXIT_USAGE;
            }
            a.id = (char *) words;
            Balcao__V1__EditArticle req = BALCAO__V1__EDIT_ARTICLE__INIT;
            req.article = &a;
            if ((v = s_kb_opt (argc, argv, "--base")))
                req.base_version = (uint32_t) strtoul (v, NULL, 10);
            reply = s_call (config, "kb", &req.base);
        }
        free (body);
        return s_kb_article_reply (reply, 0);
    }
    if (!*words)
        return EXIT_USAGE;
    if (strcmp (sub, "show") == 0) {
        Balcao__V1__GetArticle req = BALCAO__V1__GET_ARTICLE__INIT;
        req.id = (char *) words;
        if ((v = s_kb_opt (argc, argv, "--version")))
            req.version = (uint32_t) strtoul (v, NULL, 10);
        return s_kb_article_reply (s_call (config, "kb", &req.base), 1);
    }
    if (strcmp (sub, "publish") == 0 || strcmp (sub, "unpublish") == 0) {
        Balcao__V1__SetArticleStatus req = BALCAO__V1__SET_ARTICLE_STATUS__INIT;
        req.id = (char *) words;
        req.status = strcmp (sub, "publish") == 0 ? "publicado" : "rascunho";
        return s_kb_article_reply (s_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "revert") == 0 && argc >= 2) {
        Balcao__V1__RevertArticle req = BALCAO__V1__REVERT_ARTICLE__INIT;
        req.id = argv[0];
        req.version = (uint32_t) strtoul (argv[1], NULL, 10);
        return s_kb_article_reply (s_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "rate") == 0 && argc >= 2) {
        Balcao__V1__RateArticle req = BALCAO__V1__RATE_ARTICLE__INIT;
        req.id = argv[0];
        req.helpful = strcmp (argv[1], "sim") == 0 || strcmp (argv[1], "yes") == 0;
        return s_kb_article_reply (s_call (config, "kb", &req.base), 0);
    }
    if (strcmp (sub, "history") == 0)
        return s_kb_history (config, words);
    if (strcmp (sub, "import") == 0)
        return s_kb_import (config, words, s_kb_flag (argc, argv, "--publish"));
    if (strcmp (sub, "export") == 0)
        return s_kb_export (config, words);
    if (strcmp (sub, "from-ticket") == 0) {
        Balcao__V1__ArticleFromTicket req = BALCAO__V1__ARTICLE_FROM_TICKET__INIT;
        req.ticket = s_number (words);
        return req.ticket ? s_kb_article_reply (s_call (config, "kb", &req.base), 1) : EXIT_USAGE;
    }
    if (strcmp (sub, "similar") == 0) {
        Balcao__V1__SimilarTickets req = BALCAO__V1__SIMILAR_TICKETS__INIT;
        req.ticket = s_number (words);
        return req.ticket ? s_kb_tickets (s_call (config, "kb", &req.base)) : EXIT_USAGE;
    }
    return EXIT_USAGE;
}

int
main (int argc, char **argv)
{
    bc_log_init ("balcao");
    bc_log_set_level (BC_LOG_ERROR);
    s_en = bc_lang_is_en ();
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    if (!config)
        return 1;
    int rc = EXIT_USAGE;
    const char *cmd = first < argc ? argv[first] : "";
    int n = argc - first - 1;
    char **args = argv + first + 1;
    static const struct {
        const char *command, *action;
    } actions[] = {{"open", "open"},     {"request-info", "request_info"}, {"resolve", "resolve"},
                   {"reopen", "reopen"}, {"close", "close"}};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp (cmd, actions[i].command) == 0)
            rc = s_action (config, actions[i].action, n, args);
    if (strcmp (cmd, "reply") == 0)
        rc = s_write (config, n, args, 0, "agent");
    else if (strcmp (cmd, "note") == 0)
        rc = s_write (config, n, args, 1, "agent");
    else if (strcmp (cmd, "log-call") == 0)
        rc = s_write (config, n, args, 0, "phone");
    else if (strcmp (cmd, "status") == 0 || strcmp (cmd, "people") == 0
             || strcmp (cmd, "person-add") == 0)
        rc = s_people_cmd (config, cmd, n, args);
    else if (strcmp (cmd, "macros") == 0 || strcmp (cmd, "macro") == 0)
        rc = s_macros_cmd (config, cmd, n, args);
    else if (strcmp (cmd, "link") == 0 || strcmp (cmd, "merge") == 0)
        rc = s_link_cmd (config, n, args, strcmp (cmd, "merge") == 0);
    else if (strcmp (cmd, "escalate") == 0)
        rc = s_escalate_cmd (config, n, args, 1);
    else if (strcmp (cmd, "deescalate") == 0)
        rc = s_escalate_cmd (config, n, args, 0);
    else if (strcmp (cmd, "queue") == 0)
        rc = s_queue_cmd (config, n, args);
    else if (strcmp (cmd, "take") == 0)
        rc = s_assign_cmd (config, n, args, 1);
    else if (strcmp (cmd, "assign") == 0)
        rc = s_assign_cmd (config, n, args, 0);
    else if (strcmp (cmd, "categories") == 0)
        rc = s_categories (config);
    else if (strcmp (cmd, "set-category") == 0)
        rc = s_classify (config, "category", n, args);
    else if (strcmp (cmd, "set-priority") == 0)
        rc = s_classify (config, "priority", n, args);
    else if (strcmp (cmd, "history") == 0 && n >= 1)
        rc = s_history (config, args[0]);
    else if (strcmp (cmd, "show") == 0 && first + 1 < argc)
        rc = s_show (config, argv[first + 1]);
    else if (strcmp (cmd, "list") == 0)
        rc = s_list (config, n, args);
    else if (strcmp (cmd, "search") == 0 && n >= 1)
        rc = s_search (config, n, args);
    else if (strcmp (cmd, "tail") == 0)
        rc = balcao_tail (config, n, args);
    else if (strcmp (cmd, "quarantine") == 0)
        rc = balcao_quarantine (config, n, args);
    else if (strcmp (cmd, "login") == 0)
        rc = s_login ();
    else if (strcmp (cmd, "person-key") == 0)
        rc = s_person_key (config, n, args);
    else if (strcmp (cmd, "attachment") == 0)
        rc = s_attachment_cmd (config, n, args);
    else if (strcmp (cmd, "outbox") == 0)
        rc = s_outbox_cmd (config, n, args);
    else if (strcmp (cmd, "kb") == 0)
        rc = s_kb_cmd (config, n, args);
    if (rc == EXIT_USAGE)
        s_usage ();
    bc_config_destroy (&config);
    return rc;
}

/* For the CLI's other files (balcao_cli.h). */
int
balcao_cli_en (void)
{
    return s_en;
}

bc_envelope_t *
balcao_cli_call (bc_config_t *config, const char *service, const ProtobufCMessage *req)
{
    return s_call (config, service, req);
}

int
balcao_cli_exit (void)
{
    return s_exit;
}

void
balcao_cli_time (int64_t us, char *buf, size_t size)
{
    s_time (us, buf, size);
}
