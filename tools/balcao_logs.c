/* balcao_logs: the agent CLI's commands on event logs: `tail` (a person's
 * feed of the router's log, what they may see of it) and `quarantine`
 * (the events a service set aside because it could not apply them). */
#include "balcao_cli.h"

#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/kb.pb-c.h"
#include "balcao/v1/notify.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_events.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(pt, en) (balcao_cli_en () ? (en) : (pt))

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_print_event (const bc_envelope_t *env)
{
    char when[32], line[1024];
    uint64_t number = bc_event_ticket (env);
    balcao_cli_time (env->time_us, when, sizeof when);
    bc_event_summary (env, balcao_cli_en (), line, sizeof line);
    if (number)
        printf ("%s  #%-6llu %-28s %s\n", when, (unsigned long long) number, env->principal, line);
    else
        printf ("%s  %-7s %-28s %s\n", when, "", env->principal, line);
}

/* tail [N]: the router's events from now on, as the router lets the caller
 * see them (a person's feed: staff see the tickets' events, a customer
 * their own tickets' public ones), asked for every 300 ms. */
int
balcao_tail (bc_config_t *config, int argc, char **argv)
{
    uint64_t only = argc > 0 ? balcao_cli_number (argv[0]) : 0;
    if (argc > 1 || (argc > 0 && !only))
        return EXIT_USAGE;
    Balcao__V1__Ping ping = BALCAO__V1__PING__INIT;
    bc_envelope_t *reply = balcao_cli_call (config, "router", &ping.base);
    if (!reply)
        return balcao_cli_exit ();
    Balcao__V1__Pong *pong =
        (Balcao__V1__Pong *) bc_envelope_payload (reply, &balcao__v1__pong__descriptor);
    bc_envelope_destroy (&reply);
    if (!pong)
        return EXIT_UNAVAILABLE;
    uint64_t next = pong->head_seq + 1;
    balcao__v1__pong__free_unpacked (pong, NULL);

    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);
    if (only)
        fprintf (stderr, T ("Acompanhando o chamado #%llu (Ctrl+C para sair)…\n",
                            "Following ticket #%llu (Ctrl+C to quit)…\n"),
                 (unsigned long long) only);
    else
        fprintf (stderr, T ("Acompanhando os eventos (Ctrl+C para sair)…\n",
                            "Following events (Ctrl+C to quit)…\n"));
    setvbuf (stdout, NULL, _IOLBF, 0);
    while (!s_stop) {
        Balcao__V1__ReplayRequest rr = BALCAO__V1__REPLAY_REQUEST__INIT;
        rr.from_seq = next;
        rr.max_events = 500;
        reply = balcao_cli_call (config, "router", &rr.base);
        if (!reply) {
            if (balcao_cli_exit () == EXIT_REFUSED)
                return EXIT_REFUSED; /* forbidden: no use asking again */
            zclock_sleep (1000);     /* the router restarts: ask again */
            continue;
        }
        Balcao__V1__ReplayReply *out = (Balcao__V1__ReplayReply *) bc_envelope_payload (
            reply, &balcao__v1__replay_reply__descriptor);
        bc_envelope_destroy (&reply);
        if (!out)
            return EXIT_UNAVAILABLE;
        for (size_t i = 0; i < out->n_events; i++) {
            bc_envelope_t *env = bc_envelope_unpack (out->events[i].data, out->events[i].len);
            if (!env)
                continue;
            if (!only || bc_event_ticket (env) == only)
                s_print_event (env);
            if (env->seq >= next)
                next = env->seq + 1;
            bc_envelope_destroy (&env);
        }
        if (out->scanned_to >= next)
            next = out->scanned_to + 1;
        int caught_up = next > out->head_seq;
        balcao__v1__replay_reply__free_unpacked (out, NULL);
        if (caught_up)
            zclock_sleep (300);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* quarantine */

static const char *const s_services[] = {"intake", "router", "kb", "notify"};

/* The events a log may hold, to show a quarantined one's fields. */
static const ProtobufCMessageDescriptor *const s_event_types[] = {
    &balcao__v1__message_received__descriptor,   &balcao__v1__attachment_rejected__descriptor,
    &balcao__v1__ticket_created__descriptor,     &balcao__v1__message_appended__descriptor,
    &balcao__v1__ticket_status_changed__descriptor, &balcao__v1__ticket_field_changed__descriptor,
    &balcao__v1__ticket_assigned__descriptor,    &balcao__v1__person_changed__descriptor,
    &balcao__v1__ticket_escalated__descriptor,   &balcao__v1__ticket_rated__descriptor,
    &balcao__v1__sla_warning__descriptor,        &balcao__v1__sla_breached__descriptor,
    &balcao__v1__auto_close_reminder__descriptor, &balcao__v1__ticket_linked__descriptor,
    &balcao__v1__ticket_merged__descriptor,      &balcao__v1__problem_suspected__descriptor,
    &balcao__v1__article_changed__descriptor,    &balcao__v1__notification_queued__descriptor,
    &balcao__v1__notification_delivered__descriptor,
    &balcao__v1__notification_failed__descriptor,
};

static int
s_is_service (const char *name)
{
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
        if (strcmp (s_services[i], name) == 0)
            return 1;
    return 0;
}

/* One value, on one line: strings cut at 160 bytes with their line breaks
 * shown as ⏎ (a customer's text may hold anything). */
static void
s_print_value (const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *v = *(char *const *) p;
        size_t n = v ? strlen (v) : 0;
        putchar ('"');
        for (size_t i = 0; i < n && i < 160; i++)
            if (v[i] == '\n')
                fputs ("⏎", stdout);
            else if ((unsigned char) v[i] >= 0x20)
                putchar (v[i]);
        printf (n > 160 ? "\"… (%zu bytes)" : "\"", n);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES:
        printf ("(%zu bytes)", ((const ProtobufCBinaryData *) p)->len);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        printf ("%s", *(const protobuf_c_boolean *) p ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        printf ("%d", *(const int32_t *) p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        printf ("%u", *(const uint32_t *) p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        printf ("%lld", (long long) *(const int64_t *) p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        printf ("%llu", (unsigned long long) *(const uint64_t *) p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        printf ("%g", (double) *(const float *) p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        printf ("%g", *(const double *) p);
        break;
    case PROTOBUF_C_TYPE_MESSAGE:
        printf ("{…}");
        break;
    }
}

/* An empty string, zero or false: not worth a line. */
static int
s_is_empty (const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *v = *(char *const *) p;
        return !v || !*v;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *) p)->len == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *) p;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *) p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *) p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *) p == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return 0;
    default:
        return *(const uint32_t *) p == 0;
    }
}

/* Every field of msg that holds something, one per line, nested messages
 * indented. */
static void
s_print_fields (const ProtobufCMessage *msg, int depth)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *) msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) ((const char *) msg + f->quantifier_offset);
            if (n)
                printf ("%*s%s: %zu\n", 2 * depth, "", f->name, n);
            continue;
        }
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *) base;
            if (sub) {
                printf ("%*s%s:\n", 2 * depth, "", f->name);
                s_print_fields (sub, depth + 1);
            }
            continue;
        }
        if (s_is_empty (f, base))
            continue;
        printf ("%*s%s: ", 2 * depth, "", f->name);
        s_print_value (f, base);
        putchar ('\n');
    }
}

static void
s_print_item (const char *service, const Balcao__V1__QuarantinedEvent *q)
{
    char when[32];
    balcao_cli_time (q->quarantined_us, when, sizeof when);
    printf ("%-7s %s #%-8llu %s  %-32s %s\n", service, q->source, (unsigned long long) q->seq,
            when, q->type, q->reason);
}

static int
s_list (bc_config_t *config, const char *only)
{
    int total = 0, failed = 0;
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++) {
        if (only && strcmp (only, s_services[i]) != 0)
            continue;
        Balcao__V1__QuarantineList req = BALCAO__V1__QUARANTINE_LIST__INIT;
        bc_envelope_t *reply = balcao_cli_call (config, s_services[i], &req.base);
        Balcao__V1__QuarantineListReply *out =
            reply ? (Balcao__V1__QuarantineListReply *) bc_envelope_payload (
                        reply, &balcao__v1__quarantine_list_reply__descriptor)
                  : NULL;
        bc_envelope_destroy (&reply);
        if (!out) {
            failed = balcao_cli_exit () ? balcao_cli_exit () : EXIT_UNAVAILABLE;
            continue;
        }
        for (size_t j = 0; j < out->n_events; j++)
            s_print_item (s_services[i], out->events[j]);
        if (out->total > out->n_events)
            printf (T ("%-7s … e mais %llu\n", "%-7s … and %llu more\n"), s_services[i],
                    (unsigned long long) (out->total - out->n_events));
        total += (int) out->total;
        balcao__v1__quarantine_list_reply__free_unpacked (out, NULL);
    }
    if (!failed)
        printf (total ? T ("%d evento(s) em quarentena.\n", "%d event(s) in quarantine.\n")
                      : T ("Nenhum evento em quarentena.\n", "No events in quarantine.\n"),
                total);
    return failed;
}

static int
s_show_or_retry (bc_config_t *config, int is_retry, const char *service, const char *source,
                 const char *seq_arg)
{
    uint64_t seq = balcao_cli_number (seq_arg);
    if (!s_is_service (service) || !seq)
        return EXIT_USAGE;
    bc_envelope_t *reply;
    if (is_retry) {
        Balcao__V1__QuarantineRetry req = BALCAO__V1__QUARANTINE_RETRY__INIT;
        req.source = (char *) source;
        req.seq = seq;
        reply = balcao_cli_call (config, service, &req.base);
    }
    else {
        Balcao__V1__QuarantineShow req = BALCAO__V1__QUARANTINE_SHOW__INIT;
        req.source = (char *) source;
        req.seq = seq;
        reply = balcao_cli_call (config, service, &req.base);
    }
    Balcao__V1__QuarantinedEvent *q =
        reply ? (Balcao__V1__QuarantinedEvent *) bc_envelope_payload (
                    reply, &balcao__v1__quarantined_event__descriptor)
              : NULL;
    bc_envelope_destroy (&reply);
    if (!q)
        return balcao_cli_exit () ? balcao_cli_exit () : EXIT_UNAVAILABLE;
    if (is_retry) {
        printf (T ("%s aplicou o evento %s #%llu (%s): saiu da quarentena.\n",
                   "%s applied event %s #%llu (%s): it left the quarantine.\n"),
                service, q->source, (unsigned long long) q->seq, q->type);
        balcao__v1__quarantined_event__free_unpacked (q, NULL);
        return 0;
    }
    char when[32];
    balcao_cli_time (q->quarantined_us, when, sizeof when);
    printf (T ("Serviço:     %s\nOrigem:      %s #%llu\nTipo:        %s\nQuem:        %s\n"
               "Em quarentena desde %s\nMotivo:      %s\n",
               "Service:     %s\nSource:      %s #%llu\nType:        %s\nWho:         %s\n"
               "Quarantined since %s\nReason:      %s\n"),
            service, q->source, (unsigned long long) q->seq, q->type, q->principal, when,
            q->reason);
    bc_envelope_t *env = bc_envelope_unpack (q->envelope.data, q->envelope.len);
    for (size_t i = 0; env && i < sizeof s_event_types / sizeof s_event_types[0]; i++) {
        ProtobufCMessage *m = bc_envelope_payload (env, s_event_types[i]);
        if (m) {
            printf (T ("Conteúdo:\n", "Content:\n"));
            s_print_fields (m, 1);
            protobuf_c_message_free_unpacked (m, NULL);
        }
    }
    bc_envelope_destroy (&env);
    printf (T ("Depois de corrigir a causa: balcao quarantine retry %s %s %llu\n",
               "After fixing the cause: balcao quarantine retry %s %s %llu\n"),
            service, q->source, (unsigned long long) q->seq);
    balcao__v1__quarantined_event__free_unpacked (q, NULL);
    return 0;
}

/* quarantine [list [SERVICE]] | show SERVICE SOURCE SEQ | retry SERVICE
 * SOURCE SEQ (admins: the services refuse anyone else). */
int
balcao_quarantine (bc_config_t *config, int argc, char **argv)
{
    if (argc == 0)
        return s_list (config, NULL);
    if (strcmp (argv[0], "list") == 0 && argc <= 2) {
        if (argc == 2 && !s_is_service (argv[1]))
            return EXIT_USAGE;
        return s_list (config, argc == 2 ? argv[1] : NULL);
    }
    if ((strcmp (argv[0], "show") == 0 || strcmp (argv[0], "retry") == 0) && argc == 4)
        return s_show_or_retry (config, strcmp (argv[0], "retry") == 0, argv[1], argv[2], argv[3]);
    return EXIT_USAGE;
}
