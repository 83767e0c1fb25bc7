/* balcao_mail: the agent CLI's commands on what came and goes by mail: `balcao attachment get` (a stored
 * attachment's bytes, from intake) and `balcao outbox` (undelivered
 * notifications, from notify). */
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

/* attachment get SHA256 [-o FILE]: the bytes of a stored attachment, to
 * stdout or FILE; what it is goes to stderr. */
int
balcao_attachment (bc_config_t *config, int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && strcmp (argv[2], "-o") == 0))
        return EXIT_USAGE;
    if (strcmp (argv[0], "get") != 0)
        return EXIT_USAGE;
    Balcao__V1__GetAttachment req = BALCAO__V1__GET_ATTACHMENT__INIT;
    req.sha256 = argv[1];
    Balcao__V1__AttachmentData *d = (Balcao__V1__AttachmentData *) balcao_cli_fetch (
        config, "intake", &req.base, &balcao__v1__attachment_data__descriptor);
    if (!d)
        return balcao_cli_exit ();
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
int
balcao_outbox (bc_config_t *config, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "resend") == 0) {
        if (argc != 2)
            return EXIT_USAGE;
        Balcao__V1__ResendNotification req = BALCAO__V1__RESEND_NOTIFICATION__INIT;
        req.notification_id = argv[1];
        bc_envelope_t *reply = balcao_cli_call (config, "notify", &req.base);
        if (!reply)
            return balcao_cli_exit ();
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
    Balcao__V1__OutboxList *list = (Balcao__V1__OutboxList *) balcao_cli_fetch (config, "notify", &req.base, &balcao__v1__outbox_list__descriptor);
    if (!list)
        return balcao_cli_exit ();
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
        balcao_cli_time (it->queued_us, queued, sizeof queued);
        if (it->next_attempt_us && strcmp (it->state, "retrying") == 0)
            balcao_cli_time (it->next_attempt_us, next, sizeof next);
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
