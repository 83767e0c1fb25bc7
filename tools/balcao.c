/* balcao: the agent's thin command-line client. It holds no state: every
 * command is one request to the service that owns the data.
 *
 * Exit codes: 0 done; 2 the service refused (not found, not allowed now,
 * invalid: the message says why); 64 usage; 69 the service did not answer.
 * How a call reaches a service, and what the other files share, is in
 * balcao_cli.c. */
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"
#include "balcao_cli.h"
#include "bc_events.h"
#include "bc_log.h"
#include "bc_service.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The sentence in the user's language: pt-BR first. */
#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

static void
s_usage (void)
{
    if (bc_lang_is_en ()) {
        fprintf (stderr, "usage: balcao [-c CONFIG] COMMAND\n"
                         "  show N [--full]           ticket N with its messages (--full: with\n"
                         "                            the quoted history of customers' e-mails)\n"
                         "  list [AFTER [MAX]]        the tickets\n"
                         "  search TEXT [--json]      find tickets by their text\n"
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
                         "  category-save ID --name NAME [--name-en NAME] [--priority P] [--tier T]\n"
                         "                [--procedure MACRO]   add or change a category (admins)\n"
                         "  set-category N CATEGORY   classify (in triage, also priority and tier)\n"
                         "  set-priority N PRIORITY [REASON]\n"
                         "                            baixa, normal, alta or urgente\n"
                         "  queue N1|N2|N3            tickets waiting for an agent in the tier\n"
                         "  queue --mine              your tickets in progress\n"
                         "  queue [N1|N2|N3] --view tier|mine|waiting|open\n"
                         "        [--category C] [--priority P] [--channel C] [--customer ADDRESS]\n"
                         "        [--organization ORG] [--offset N] [--limit N]\n"
                         "                            the dashboard's views: waiting = yours waiting on\n"
                         "                            the customer; open = everything unresolved at the\n"
                         "                            tier (filters look at 20,000 tickets at most)\n"
                         "  counts                    how many tickets each view holds\n"
                         "  take N                    take the ticket\n"
                         "  assign N AGENT            assign to an agent (supervisors)\n"
                         "  unassign N                put back in its tier's queue (its agent or a\n"
                         "                            supervisor)\n"
                         "  settings [set KEY VALUE ...]\n"
                         "                            SLA targets, working hours, holidays (set: admins)\n"
                         "  status online|away|offline\n"
                         "                            your availability (online gets tickets)\n"
                         "  people [agent|customer|...] [--query TEXT]\n"
                         "                            registered people (--query: by name, address,\n"
                         "                            phone, CPF or CNPJ, with or without punctuation)\n"
                         "  person-add ID NAME TIER [CAPACITY [SKILL,...]]\n"
                         "                            register an agent (admins)\n"
                         "  person-add customer:ADDRESS NAME [--cpf CPF|--cnpj CNPJ]\n"
                         "                            register a customer, with their CPF or CNPJ\n"
                         "                            (admins; the rest of a known person is kept)\n"
                         "  orgs [TEXT]               the organizations (by name or CNPJ)\n"
                         "  org-save NAME [--cnpj CNPJ]\n"
                         "                            add or change an organization (supervisors)\n"
                         "  escalate N --reason TEXT --tried TEXT            N1 -> N2\n"
                         "  escalate N --steps TEXT --env TEXT --affected TEXT [--reason TEXT]\n"
                         "             [--attach REF]...                        N2 -> N3\n"
                         "  deescalate N NOTE         send back to the tier below\n"
                         "  link PROBLEM INCIDENT     link an incident to its problem ticket\n"
                         "  merge DUPLICATE INTO      merge a duplicate into another ticket\n"
                         "  report [FROM [TO]] [--by tier|category|agent|channel] [--csv]\n"
                         "                            the period's figures (supervisors; YYYY-MM-DD,\n"
                         "                            default the last 30 days)\n"
                         "  lgpd export customer:ADDRESS --reason TEXT --out DIR\n"
                         "                            everything Balcão holds about a customer, as\n"
                         "                            JSON and files (admins; LGPD)\n"
                         "  lgpd erase customer:ADDRESS --reason TEXT --yes\n"
                         "                            anonymise a customer everywhere (admins; LGPD)\n"
                         "  lgpd log [--json]         the audit of exports and anonymisations (admins)\n"
                         "  lgpd log-id ADDRESS       how the services' logs name that customer\n"
                         "  macros                    the standard messages\n"
                         "  macro-save ID --name NAME --text-file FILE [--name-en NAME]\n"
                         "             [--text-en-file FILE] [--category C] [--priority P] [--action A]\n"
                         "                            add or change a macro (admins; FILE - is stdin)\n"
                         "  macro-remove ID           remove a macro (admins)\n"
                         "  macro N [MACRO]           apply a standard message to the ticket (no MACRO:\n"
                         "                            the category's standard procedure)\n"
                         "  macro-preview N [MACRO]   the text `macro` would send, nothing changes\n"
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
                         "       [--json]             search articles (facets, did you mean)\n"
                         "  kb suggest TEXT [--json]  the 5 best articles for text being typed\n"
                         "  kb ask QUESTION           the bot's answer (or no confident answer)\n"
                         "  kb show ID [--version N]  an article (counts no view)\n"
                         "  kb history ID             its versions\n"
                         "  kb create --title T [--body TEXT|--file F|-] [--type guia|faq|manual]\n"
                         "            [--audience publico|interno] [--category C] [--tags a,b]\n"
                         "            [--lang pt-BR|en] [--id ID]     a draft article\n"
                         "  kb edit ID [same options] [--base VERSION]   a new version\n"
                         "  kb edit ID [same options] --draft [--base VERSION] [--base-draft REV]\n"
                         "                            keep the change as the published article's\n"
                         "                            pending draft (customers see no change yet)\n"
                         "  kb draft ID               the pending draft\n"
                         "  kb publish-draft ID [--revision REV] | kb discard-draft ID [--revision REV]\n"
                         "  kb publish ID | kb unpublish ID\n"
                         "  kb revert ID VERSION      the old content as a new version\n"
                         "  kb rate ID yes|no         \"did this help?\"\n"
                         "  kb import DIR|FILE.jsonl [--publish]\n"
                         "                            Markdown files with front matter, or JSONL;\n"
                         "                            ids kept as given (an article with a bad id,\n"
                         "                            no title or an id another one has is left out,\n"
                         "                            with its line, and the exit code is 2)\n"
                         "  kb export DIR|FILE.jsonl  every article\n"
                         "  kb from-ticket N          a draft article from resolved ticket N\n"
                         "  kb similar N [--resolved] tickets like ticket N (--resolved: solved\n"
                         "                            ones, with their resolution)\n"
                         "  kb related N [--json]     published articles for ticket N\n"
                         "  kb list [--status S] [--audience A]   every article, newest first\n"
                         "  kb preview FILE|-         Markdown as kb renders an article (HTML)\n"
                         "  kb gaps [DAYS]            searches that found no good answer\n"
                         "--json: one JSON object on stdout (docs/API.md, \"The CLI's JSON\");\n"
                         "errors stay on stderr with the same exit codes.\n"
                         "An article id: 1 to 128 characters, no space, control character or '\\',\n"
                         "'/' between parts that do not start with '.' (\"KB-0042\", \"faq/senha\").\n"
                         "Who you are: with CURVE, your key (balcao login); without CURVE,\n"
                         "$BALCAO_PRINCIPAL, or agent:$USER. Language: BALCAO_LANG=en or pt-BR.\n");
        return;
    }
    fprintf (stderr, "uso: balcao [-c CONFIG] COMANDO\n"
                     "  show N [--full]           mostra o chamado N com as mensagens (--full:\n"
                     "                            com o histórico citado dos e-mails do cliente)\n"
                     "  list [APÓS [MAX]]         lista os chamados\n"
                     "  search TEXTO [--json]     procura chamados pelo texto\n"
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
                     "  category-save ID --name NOME [--name-en NOME] [--priority P] [--tier N]\n"
                     "                [--procedure MENSAGEM]  cria ou altera uma categoria (admins)\n"
                     "  set-category N CATEGORIA  classifica (na triagem, aplica prioridade e nível)\n"
                     "  set-priority N PRIORIDADE [MOTIVO]\n"
                     "                            baixa, normal, alta ou urgente\n"
                     "  queue N1|N2|N3            chamados esperando um agente no nível\n"
                     "  queue --mine              os seus chamados em andamento\n"
                     "  queue [N1|N2|N3] --view tier|mine|waiting|open\n"
                     "        [--category C] [--priority P] [--channel C] [--customer ENDEREÇO]\n"
                     "        [--organization ORG] [--offset N] [--limit N]\n"
                     "                            as visões do painel: waiting = os seus aguardando\n"
                     "                            o cliente; open = tudo o que não foi resolvido no\n"
                     "                            nível (filtros olham no máximo 20.000 chamados)\n"
                     "  counts                    quantos chamados há em cada visão\n"
                     "  take N                    assume o chamado\n"
                     "  assign N AGENTE           atribui a um agente (supervisores)\n"
                     "  unassign N                devolve à fila do nível (quem está com o chamado\n"
                     "                            ou um supervisor)\n"
                     "  settings [set CHAVE VALOR ...]\n"
                     "                            prazos de SLA, horário de atendimento, feriados\n"
                     "                            (set: administradores)\n"
                     "  status online|away|offline\n"
                     "                            sua disponibilidade (online recebe chamados)\n"
                     "  people [agent|customer|...] [--query TEXTO]\n"
                     "                            pessoas cadastradas (--query: por nome, endereço,\n"
                     "                            telefone, CPF ou CNPJ, com ou sem pontuação)\n"
                     "  person-add ID NOME NÍVEL [CAPACIDADE [HABILIDADE,...]]\n"
                     "                            cadastra um agente (administradores)\n"
                     "  person-add customer:ENDEREÇO NOME [--cpf CPF|--cnpj CNPJ]\n"
                     "                            cadastra um cliente, com seu CPF ou CNPJ\n"
                     "                            (administradores; o resto de quem já existe fica)\n"
                     "  orgs [TEXTO]              as organizações (por nome ou CNPJ)\n"
                     "  org-save NOME [--cnpj CNPJ]\n"
                     "                            cadastra ou muda uma organização (supervisores)\n"
                     "  escalate N --reason TEXTO --tried TEXTO          N1 -> N2\n"
                     "  escalate N --steps TEXTO --env TEXTO --affected TEXTO [--reason TEXTO]\n"
                     "             [--attach REF]...                        N2 -> N3\n"
                     "  deescalate N NOTA         devolve ao nível de baixo\n"
                     "  link PROBLEMA INCIDENTE   vincula um incidente ao chamado-problema\n"
                     "  merge DUPLICADO DESTINO   une um chamado duplicado a outro\n"
                     "  report [DE [ATÉ]] [--by tier|category|agent|channel] [--csv]\n"
                     "                            os números do período (supervisores; AAAA-MM-DD,\n"
                     "                            por padrão os últimos 30 dias)\n"
                     "  lgpd export customer:ENDEREÇO --reason MOTIVO --out DIRETÓRIO\n"
                     "                            tudo o que o Balcão guarda de um cliente, em\n"
                     "                            JSON e arquivos (administradores; LGPD)\n"
                     "  lgpd erase customer:ENDEREÇO --reason MOTIVO --yes\n"
                     "                            anonimiza um cliente em todo lugar\n"
                     "                            (administradores; LGPD)\n"
                     "  lgpd log [--json]         a auditoria de exportações e anonimizações\n"
                     "                            (administradores)\n"
                     "  lgpd log-id ENDEREÇO      como os logs dos serviços chamam esse cliente\n"
                     "  macros                    as mensagens padrão\n"
                     "  macro-save ID --name NOME --text-file ARQUIVO [--name-en NOME]\n"
                     "             [--text-en-file ARQUIVO] [--category C] [--priority P] [--action A]\n"
                     "                            cria ou altera uma mensagem padrão (admins; - é a\n"
                     "                            entrada padrão)\n"
                     "  macro-remove ID           remove uma mensagem padrão (admins)\n"
                     "  macro N [MACRO]           aplica uma mensagem padrão ao chamado (sem MACRO:\n"
                     "                            o procedimento padrão da categoria)\n"
                     "  macro-preview N [MACRO]   o texto que o `macro` enviaria, sem mudar nada\n"
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
                     "       [--json]             busca artigos (facetas, você quis dizer)\n"
                     "  kb suggest TEXTO [--json] os 5 melhores artigos para o texto sendo digitado\n"
                     "  kb ask PERGUNTA           a resposta do bot (ou sem resposta confiável)\n"
                     "  kb show ID [--version N]  um artigo (não conta visualização)\n"
                     "  kb history ID             as versões do artigo\n"
                     "  kb create --title T [--body TEXTO|--file ARQ|-] [--type guia|faq|manual]\n"
                     "            [--audience publico|interno] [--category C] [--tags a,b]\n"
                     "            [--lang pt-BR|en] [--id ID]     um artigo em rascunho\n"
                     "  kb edit ID [mesmas opções] [--base VERSÃO]   uma nova versão\n"
                     "  kb edit ID [mesmas opções] --draft [--base VERSÃO] [--base-draft REV]\n"
                     "                            guarda a mudança como rascunho pendente do\n"
                     "                            artigo publicado (o cliente ainda não vê)\n"
                     "  kb draft ID               o rascunho pendente\n"
                     "  kb publish-draft ID [--revision REV] | kb discard-draft ID [--revision REV]\n"
                     "  kb publish ID | kb unpublish ID\n"
                     "  kb revert ID VERSÃO       o conteúdo antigo como nova versão\n"
                     "  kb rate ID sim|não        \"isto ajudou?\"\n"
                     "  kb import PASTA|ARQ.jsonl [--publish]\n"
                     "                            arquivos Markdown com front matter, ou JSONL;\n"
                     "                            ids ficam como vieram (um artigo com id inválido,\n"
                     "                            sem título ou com o id de outro fica de fora, com\n"
                     "                            a sua linha, e o código de saída é 2)\n"
                     "  kb export PASTA|ARQ.jsonl todos os artigos\n"
                     "  kb from-ticket N          rascunho de artigo a partir do chamado N resolvido\n"
                     "  kb similar N [--resolved] chamados parecidos com o chamado N (--resolved:\n"
                     "                            os já solucionados, com a solução)\n"
                     "  kb related N [--json]     artigos publicados para o chamado N\n"
                     "  kb list [--status S] [--audience A]   todos os artigos, recentes primeiro\n"
                     "  kb preview ARQ|-          Markdown como o kb mostra um artigo (HTML)\n"
                     "  kb gaps [DIAS]            buscas que não acharam boa resposta\n"
                     "--json: um objeto JSON na saída padrão (docs/API.md, \"The CLI's JSON\");\n"
                     "os erros continuam na saída de erro, com os mesmos códigos de saída.\n"
                     "Id de artigo: de 1 a 128 caracteres, sem espaço, caractere de controle ou\n"
                     "'\\'; '/' entre partes que não começam com '.' (\"KB-0042\", \"faq/senha\").\n"
                     "Quem você é: com CURVE, a sua chave (balcao login) diz; sem CURVE,\n"
                     "$BALCAO_PRINCIPAL, ou agent:$USER. Idioma: BALCAO_LANG=en ou pt-BR.\n");
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

static void s_print_attachments (const Balcao__V1__TicketMessage *m, const char *indent);

/* The files of the message an entry added (a new ticket's first message, or
 * one appended), under its line. */
static void
s_history_files (const Balcao__V1__HistoryEntry *e)
{
    const char *indent = "                     ";
    if (strcmp (e->type, "balcao.v1.MessageAppended") == 0) {
        Balcao__V1__MessageAppended *ma =
            balcao__v1__message_appended__unpack (NULL, e->payload.len, e->payload.data);
        if (ma && ma->message)
            s_print_attachments (ma->message, indent);
        if (ma)
            balcao__v1__message_appended__free_unpacked (ma, NULL);
    }
    else if (strcmp (e->type, "balcao.v1.TicketCreated") == 0) {
        Balcao__V1__TicketCreated *tc =
            balcao__v1__ticket_created__unpack (NULL, e->payload.len, e->payload.data);
        for (size_t i = 0; tc && tc->ticket && i < tc->ticket->n_messages; i++)
            s_print_attachments (tc->ticket->messages[i], indent);
        if (tc)
            balcao__v1__ticket_created__free_unpacked (tc, NULL);
    }
}

static int
s_history (bc_config_t *config, const char *arg)
{
    Balcao__V1__GetHistory req = BALCAO__V1__GET_HISTORY__INIT;
    req.number = balcao_cli_number (arg);
    Balcao__V1__History *h = (Balcao__V1__History *) balcao_cli_fetch (config, "router", &req.base, &balcao__v1__history__descriptor);
    if (!h)
        return balcao_cli_exit ();
    for (size_t i = 0; i < h->n_entries; i++) {
        const Balcao__V1__HistoryEntry *e = h->entries[i];
        char when[32];
        balcao_cli_time (e->time_us, when, sizeof when);
        printf ("%s  %-28s %s\n", when, e->principal,
                balcao_cli_en () && *e->summary_en ? e->summary_en : e->summary);
        s_history_files (e);
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
 * failed, balcao_cli_exit () says how), printing line on success. */
static int
s_print_ticket (bc_envelope_t *reply, s_ticket_line_fn *line)
{
    if (!reply)
        return balcao_cli_exit ();
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
    req.number = balcao_cli_number (argv[0]);
    req.body = (char *) balcao_cli_join (argc, argv, 1, text, sizeof text);
    req.is_internal = is_internal;
    req.channel = (char *) channel;
    bc_envelope_t *reply = balcao_cli_call (config, "router", &req.base);
    return s_print_ticket (reply, s_line_status);
}

static int
s_classify (bc_config_t *config, const char *what, int argc, char **argv)
{
    if (argc < 2)
        return EXIT_USAGE;
    bc_envelope_t *reply;
    if (strcmp (what, "category") == 0) {
        Balcao__V1__SetCategory req = BALCAO__V1__SET_CATEGORY__INIT;
        req.number = balcao_cli_number (argv[0]);
        req.category = argv[1];
        reply = balcao_cli_call (config, "router", &req.base);
    }
    else {
        char reason[4096];
        Balcao__V1__SetPriority req = BALCAO__V1__SET_PRIORITY__INIT;
        req.number = balcao_cli_number (argv[0]);
        req.priority = argv[1];
        req.reason = (char *) balcao_cli_join (argc, argv, 2, reason, sizeof reason);
        reply = balcao_cli_call (config, "router", &req.base);
    }
    return s_print_ticket (reply, s_line_classified);
}

/* mode: 't' take, 'a' assign, 'u' unassign (back to the queue). */
static int
s_assign_cmd (bc_config_t *config, int argc, char **argv, char mode)
{
    if (argc < (mode == 'a' ? 2 : 1))
        return EXIT_USAGE;
    Balcao__V1__AssignTicket req = BALCAO__V1__ASSIGN_TICKET__INIT;
    req.number = balcao_cli_number (argv[0]);
    req.agent = (char *) (mode == 'a' ? argv[1] : "");
    req.unassign = mode == 'u';
    return s_print_ticket (balcao_cli_call (config, "router", &req.base), s_line_assignee);
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
        req.number = balcao_cli_number (argv[0]);
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
        reply = balcao_cli_call (config, "router", &req.base);
    }
    else {
        char note[8192];
        Balcao__V1__Deescalate req = BALCAO__V1__DEESCALATE__INIT;
        req.number = balcao_cli_number (argv[0]);
        req.note = (char *) balcao_cli_join (argc, argv, 1, note, sizeof note);
        reply = balcao_cli_call (config, "router", &req.base);
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
    link.problem = merge.from = balcao_cli_number (argv[0]);
    link.incident = merge.into = balcao_cli_number (argv[1]);
    bc_envelope_t *reply =
        balcao_cli_call (config, "router", merging ? &merge.base : &link.base);
    if (!reply)
        return balcao_cli_exit ();
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
        req.number = balcao_cli_number (argv[0]);
        req.macro = (char *) (argc > 1 ? argv[1] : ""); /* "": the category's procedure */
        reply = balcao_cli_call (config, "router", &req.base);
        return s_print_ticket (reply, s_line_status);
    }
    return balcao_catalog_list (config, 1);
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
    req.number = balcao_cli_number (argv[0]);
    req.action = "close";
    if (argc >= 2 && strcmp (argv[1], "--reason") == 0) {
        if (argc != 3)
            return EXIT_USAGE;
        req.text = argv[2];
    }
    else
        req.text = (char *) balcao_cli_join (argc, argv, 1, text, sizeof text);
    return s_print_ticket (balcao_cli_call (config, "router", &req.base), s_line_status);
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
    req.number = balcao_cli_number (argv[0]);
    req.action = (char *) action;
    req.text = (char *) balcao_cli_join (last, argv, 1, text, sizeof text);
    req.fix_reference = (char *) fix;
    bc_envelope_t *reply = balcao_cli_call (config, "router", &req.base);
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
s_print_attachments (const Balcao__V1__TicketMessage *m, const char *indent)
{
    for (size_t i = 0; i < m->n_attachments; i++) {
        const Balcao__V1__Attachment *a = m->attachments[i];
        printf (T ("%s[anexo] %s  %s  %llu bytes%s  %s\n", "%s[attachment] %s  %s  %llu bytes%s  %s\n"),
                indent, *a->filename ? a->filename : T ("(sem nome)", "(no name)"), a->content_type,
                (unsigned long long) a->size,
                a->inline_ ? T ("  no corpo da mensagem", "  inline") : "", a->sha256);
    }
    for (size_t i = 0; i < m->n_refused_files; i++)
        printf (T ("%s[anexo recusado, acima do limite; o cliente foi avisado] %s\n",
                   "%s[attachment left out, over the limit; the customer was told] %s\n"),
                indent, m->refused_files[i]);
}

static int
s_show (bc_config_t *config, const char *arg, bool full)
{
    Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
    req.number = balcao_cli_number (arg);
    bc_envelope_t *reply = balcao_cli_call (config, "router", &req.base);
    if (!reply)
        return balcao_cli_exit ();
    Balcao__V1__Ticket *t = s_ticket_of (reply);
    if (!t)
        return EXIT_UNAVAILABLE;
    char when[32];
    balcao_cli_time (t->created_us, when, sizeof when);
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
    if (t->mentions)
        printf (T ("Mencionou o chamado #%llu (quem escreveu não é o cliente de lá)\n",
                   "Mentioned ticket #%llu (its writer is not that ticket's customer)\n"),
                (unsigned long long) t->mentions);
    if (t->n_participants) {
        printf (T ("Participantes:", "Participants:"));
        for (size_t i = 0; i < t->n_participants; i++)
            printf ("%s %s", i ? "," : "", t->participants[i]);
        printf ("\n");
    }
    if (t->incident_count)
        printf (T ("Problema com %u incidente(s) vinculado(s)\n", "Problem with %u linked incident(s)\n"), t->incident_count);
    if (*t->resolution)
        printf (T ("Resolução: %s%s%s\n", "Resolution: %s%s%s\n"), t->resolution,
                *t->fix_reference ? T (" — correção ", " — fix ") : "",
                t->fix_reference);
    if (*t->first_response_sla) {
        char due[32];
        balcao_cli_time (t->first_response_due_us, due, sizeof due);
        printf (T ("SLA 1ª resposta: %s (prazo %s)\n", "SLA first response: %s (due %s)\n"),
                s_sla_state (t->first_response_sla), due);
        balcao_cli_time (t->resolution_due_us, due, sizeof due);
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
        balcao_cli_time (m->time_us, when, sizeof when);
        char copied[64] = "";
        if (m->copied_from)
            snprintf (copied, sizeof copied, T ("  [veio do chamado #%llu, unido]", "  [from ticket #%llu, merged]"),
                      (unsigned long long) m->copied_from);
        /* A customer's e-mail: what they wrote now, not the quoted history
         * (intake's `reply`); --full shows the whole text. */
        bool cut = !full && strcmp (m->direction, "inbound") == 0 && *m->reply
                   && strcmp (m->reply, m->body) != 0;
        bool is_participant = strcmp (m->direction, "inbound") == 0 && *t->customer_address
                              && strcasecmp (m->author, t->customer_address) != 0;
        printf ("\n--- %s  %s (%s)%s%s%s\n%s\n", when, m->author, m->channel,
                m->is_internal ? T ("  [nota interna]", "  [internal note]") : "",
                is_participant ? T ("  [participante]", "  [participant]") : "", copied,
                cut ? m->reply : m->body);
        if (cut)
            printf (T ("[o histórico citado está oculto: balcao show %llu --full]\n",
                       "[quoted history hidden: balcao show %llu --full]\n"),
                    (unsigned long long) t->number);
        s_print_attachments (m, "");
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
    Balcao__V1__TicketList *list = (Balcao__V1__TicketList *) balcao_cli_fetch (config, "router", &req.base, &balcao__v1__ticket_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
    for (size_t i = 0; i < list->n_tickets; i++) {
        const Balcao__V1__Ticket *t = list->tickets[i];
        char when[32];
        balcao_cli_time (t->created_us, when, sizeof when);
        printf ("#%-6llu %-18s %-3s %-8s %s  %s  <%s>\n", (unsigned long long) t->number,
                t->status, t->tier, t->priority, when, t->subject, t->customer_address);
    }
    printf (T ("%zu de %llu chamados\n", "%zu of %llu tickets\n"), list->n_tickets, (unsigned long long) list->total);
    balcao__v1__ticket_list__free_unpacked (list, NULL);
    return 0;
}

/* A ticket hit of `balcao search --json`: kb's hit, with the router's
 * ticket when it is at hand (t; NULL: those fields are null). */
static json_t *
s_hit_json (const Balcao__V1__TicketHit *h, const Balcao__V1__Ticket *t)
{
    const char *status = t ? t->status : h->status;
    json_t *o = json_pack ("{s:I, s:f, s:s, s:o}", "number", (json_int_t) h->ticket, "score",
                           h->score, "subject", h->subject, "status",
                           *status ? json_string (status) : json_null ());
    json_object_set_new (o, "tier", t ? json_string (t->tier) : json_null ());
    json_object_set_new (o, "priority", t ? json_string (t->priority) : json_null ());
    json_object_set_new (o, "category", t ? json_string (t->category) : json_null ());
    json_object_set_new (o, "customer",
                         t ? json_pack ("{s:s, s:s}", "name", t->customer_name, "address",
                                        t->customer_address)
                           : json_null ());
    json_object_set_new (o, "assignee", t && *t->assignee ? json_string (t->assignee) : json_null ());
    json_object_set_new (o, "created_at", balcao_cli_json_time (t ? t->created_us : 0));
    json_object_set_new (o, "updated_at", balcao_cli_json_time (t ? t->updated_us : 0));
    const char *resolution = t ? t->resolution : h->resolution;
    json_object_set_new (o, "resolution", *resolution ? json_string (resolution) : json_null ());
    return o;
}

/* balcao search --json: kb's hits with each ticket's tier, customer and
 * times from the router (one GetTicket per hit; a router that does not
 * answer is asked once, and its fields are then null). */
static int
s_search_json (bc_config_t *config, const char *query, const Balcao__V1__SearchTicketsReply *r)
{
    json_t *hits = json_array ();
    int is_router_up = 1;
    for (size_t i = 0; i < r->n_hits; i++) {
        Balcao__V1__Ticket *t = NULL;
        if (is_router_up) {
            Balcao__V1__GetTicket req = BALCAO__V1__GET_TICKET__INIT;
            req.number = r->hits[i]->ticket;
            t = (Balcao__V1__Ticket *) balcao_cli_fetch_quiet (config, "router", &req.base,
                                                               &balcao__v1__ticket__descriptor);
            if (!t && balcao_cli_exit () == EXIT_UNAVAILABLE) {
                is_router_up = 0;
                fprintf (stderr, T ("balcao: o router não respondeu: nível, cliente e datas dos "
                                    "chamados ficam null\n",
                                    "balcao: the router did not answer: the tickets' tier, "
                                    "customer and times are null\n"));
            }
        }
        json_array_append_new (hits, s_hit_json (r->hits[i], t));
        if (t)
            balcao__v1__ticket__free_unpacked (t, NULL);
    }
    return balcao_cli_print_json (json_pack ("{s:s, s:I, s:o}", "query", query, "estimated",
                                             (json_int_t) r->estimated, "hits", hits));
}

static int
s_search (bc_config_t *config, int argc, char **argv)
{
    int json = balcao_cli_take_json (&argc, argv);
    if (argc < 1)
        return EXIT_USAGE;
    char query[2048] = "";
    for (int i = 0; i < argc; i++) {
        strncat (query, argv[i], sizeof query - strlen (query) - 2);
        strcat (query, " ");
    }
    Balcao__V1__SearchTickets req = BALCAO__V1__SEARCH_TICKETS__INIT;
    req.query = query;
    Balcao__V1__SearchTicketsReply *r = (Balcao__V1__SearchTicketsReply *) balcao_cli_fetch (config, "kb", &req.base, &balcao__v1__search_tickets_reply__descriptor);
    if (!r)
        return balcao_cli_exit ();
    if (json) {
        query[strlen (query) - 1] = 0; /* the space after the last word */
        int rc = s_search_json (config, query, r);
        balcao__v1__search_tickets_reply__free_unpacked (r, NULL);
        return rc;
    }
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

int
main (int argc, char **argv)
{
    bc_log_init ("balcao");
    bc_log_set_level (BC_LOG_ERROR);
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
             || strcmp (cmd, "person-add") == 0 || strcmp (cmd, "orgs") == 0
             || strcmp (cmd, "org-save") == 0)
        rc = balcao_people (config, cmd, n, args);
    else if (strcmp (cmd, "macros") == 0 || strcmp (cmd, "macro") == 0)
        rc = s_macros_cmd (config, cmd, n, args);
    else if (strcmp (cmd, "link") == 0 || strcmp (cmd, "merge") == 0)
        rc = s_link_cmd (config, n, args, strcmp (cmd, "merge") == 0);
    else if (strcmp (cmd, "escalate") == 0)
        rc = s_escalate_cmd (config, n, args, 1);
    else if (strcmp (cmd, "deescalate") == 0)
        rc = s_escalate_cmd (config, n, args, 0);
    else if (strcmp (cmd, "queue") == 0)
        rc = balcao_queue (config, n, args);
    else if (strcmp (cmd, "counts") == 0)
        rc = balcao_counts (config);
    else if (strcmp (cmd, "macro-preview") == 0)
        rc = balcao_macro_preview (config, n, args);
    else if (strcmp (cmd, "take") == 0)
        rc = s_assign_cmd (config, n, args, 't');
    else if (strcmp (cmd, "assign") == 0)
        rc = s_assign_cmd (config, n, args, 'a');
    else if (strcmp (cmd, "unassign") == 0)
        rc = s_assign_cmd (config, n, args, 'u');
    else if (strcmp (cmd, "settings") == 0)
        rc = balcao_settings (config, n, args);
    else if (strcmp (cmd, "categories") == 0 || strcmp (cmd, "category-save") == 0
             || strcmp (cmd, "macro-save") == 0 || strcmp (cmd, "macro-remove") == 0)
        rc = balcao_catalog (config, cmd, n, args);
    else if (strcmp (cmd, "set-category") == 0)
        rc = s_classify (config, "category", n, args);
    else if (strcmp (cmd, "set-priority") == 0)
        rc = s_classify (config, "priority", n, args);
    else if (strcmp (cmd, "history") == 0 && n >= 1)
        rc = s_history (config, args[0]);
    else if (strcmp (cmd, "show") == 0 && first + 1 < argc)
        rc = s_show (config, argv[first + 1],
                     first + 2 < argc && strcmp (argv[first + 2], "--full") == 0);
    else if (strcmp (cmd, "list") == 0)
        rc = s_list (config, n, args);
    else if (strcmp (cmd, "search") == 0 && n >= 1)
        rc = s_search (config, n, args);
    else if (strcmp (cmd, "tail") == 0)
        rc = balcao_tail (config, n, args);
    else if (strcmp (cmd, "quarantine") == 0)
        rc = balcao_quarantine (config, n, args);
    else if (strcmp (cmd, "login") == 0)
        rc = balcao_login ();
    else if (strcmp (cmd, "person-key") == 0)
        rc = balcao_person_key (config, n, args);
    else if (strcmp (cmd, "attachment") == 0)
        rc = balcao_attachment (config, n, args);
    else if (strcmp (cmd, "outbox") == 0)
        rc = balcao_outbox (config, n, args);
    else if (strcmp (cmd, "kb") == 0)
        rc = balcao_kb (config, n, args);
    else if (strcmp (cmd, "report") == 0)
        rc = balcao_report (config, n, args);
    else if (strcmp (cmd, "lgpd") == 0)
        rc = balcao_lgpd (config, n, args);
    if (rc == EXIT_USAGE)
        s_usage ();
    bc_config_destroy (&config);
    return rc;
}
