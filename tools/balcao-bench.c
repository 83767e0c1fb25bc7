/* balcao-bench: load generator. Submits N tickets to intake over the bus from
 * C concurrent clients (each with one request in flight, Lazy Pirate retries
 * with the same request id) and measures, from the router's event stream,
 * the time from submit to "ticket committed in router" (TicketCreated).
 *
 *   balcao-bench [-c CONFIG] -n N -C CONC [-W WINDOW] [--rate R] [--ids FILE]
 *                [--no-wait] [--timeout-ms T]
 *
 * -W WINDOW  requests each client keeps in flight (pipelining; default 1)
 * --rate R   open loop: start submission i at i/R seconds (R per second)
 * --ids FILE write every external id submitted, one per line
 * --no-wait  stop once intake acknowledged all (do not watch the router)
 * --mime KB  submit e-mail: raw MIME messages of about KB kilobytes (RFC 2047
 *            subject, quoted-printable body), one in four a reply to an
 *            earlier one (In-Reply-To), for intake's parse + dedupe + thread
 * Exit 0 when every submission was acknowledged (and, unless --no-wait,
 * seen as a ticket). */
#include "balcao/v1/intake.pb-c.h"
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_clock.h"
#include "bc_config.h"
#include "bc_id.h"
#include "bc_log.h"
#include "bc_service.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int client;
    long index; /* submission in flight, -1 when idle */
    char request_id[BC_ID_LEN + 1];
    uint8_t *frame;
    size_t len;
    int64_t sent_ms;
} slot_t;

static int64_t
s_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

/* Prints p50/p90/p99/max of the non-zero samples. */
static void
s_print_latency (const char *what, const int64_t *samples, long n)
{
    int64_t *lat = calloc ((size_t) n + 1, sizeof *lat);
    long m = 0;
    for (long i = 0; i < n; i++)
        if (samples[i])
            lat[m++] = samples[i];
    qsort (lat, (size_t) m, sizeof *lat, s_cmp);
    if (m)
        printf ("latency_ms %s: p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", what, lat[m / 2] / 1000.0,
                lat[m * 90 / 100] / 1000.0, lat[m * 99 / 100] / 1000.0, lat[m - 1] / 1000.0);
    free (lat);
}

static long s_mime_kb = 0; /* --mime */

/* A raw e-mail of about s_mime_kb KB: what a mail gate would submit. */
static char *
s_mime (const char *run, long i, const char *address, const char *body)
{
    size_t want = (size_t) s_mime_kb * 1024, cap = want + 4096, len = 0;
    char *raw = malloc (cap);
    len += (size_t) snprintf (raw + len, cap - len,
                              "From: Cliente de Teste <%s>\r\nTo: suporte@balcao.local\r\n"
                              "Subject: =?UTF-8?Q?Erro_ao_emitir_nota_fiscal_=E2=80=94_pedido_%ld?=\r\n"
                              "Message-ID: <%s-%ld@bench.example>\r\n",
                              address, i, run, i);
    if (i % 4 == 3)
        len += (size_t) snprintf (raw + len, cap - len,
                                  "In-Reply-To: <%s-%ld@bench.example>\r\n", run, i - 1);
    len += (size_t) snprintf (raw + len, cap - len,
                              "Date: Wed, 25 Nov 2026 10:00:00 -0300\r\nMIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    /* "é" and "ç" as quoted-printable, lines under 76 columns. */
    while (len + 600 < want) {
        len += (size_t) snprintf (raw + len, cap - len, "%.70s=\r\n", body);
        len += (size_t) snprintf (raw + len, cap - len,
                                  "Opera=C3=A7=C3=A3o n=C3=A3o conclu=C3=ADda, tela inicial.\r\n");
    }
    len += (size_t) snprintf (raw + len, cap - len, "%s\r\n", body);
    raw[len] = 0;
    return raw;
}

static void
s_build (slot_t *slot, const char *run, long i)
{
    static const char *subjects[] = {
        "Não consigo acessar o sistema", "Erro ao emitir nota fiscal",
        "Relatório de vendas não exporta", "Dúvida sobre integração via API",
        "Senha bloqueada após tentativas", "Cobrança em duplicidade na fatura"};
    char external_id[96], address[96], body[512];
    snprintf (external_id, sizeof external_id, "%s-%ld", run, i);
    snprintf (address, sizeof address, "cliente%ld@empresa%ld.com.br", i % 5000, i % 97);
    snprintf (body, sizeof body,
              "Bom dia! Desde hoje cedo, quando tento concluir a operação aparece uma mensagem "
              "de erro e o sistema volta para a tela inicial. Já tentei em outro navegador e "
              "limpei o cache. Pedido de referência %ld. Obrigado.",
              i);
    Balcao__V1__Submit req = BALCAO__V1__SUBMIT__INIT;
    req.channel = "api";
    req.external_id = external_id;
    req.from_address = address;
    req.from_name = "Cliente de Teste";
    req.subject = (char *) subjects[i % 6];
    req.body = body;
    char *raw = NULL;
    if (s_mime_kb) {
        raw = s_mime (run, i, address, body);
        req = (Balcao__V1__Submit) BALCAO__V1__SUBMIT__INIT;
        req.channel = "email";
        req.raw_mime.data = (uint8_t *) raw;
        req.raw_mime.len = strlen (raw);
    }
    bc_id_new (slot->request_id);
    bc_header_t h = {.id = slot->request_id, .source = "balcao-bench", .principal = "service:bench"};
    free (slot->frame);
    slot->frame = bc_envelope_pack (&h, &req.base, &slot->len);
    slot->index = i;
    free (raw);
}

/* Index of a TicketCreated of this run, or -1. */
static long
s_ticket_index (const bc_envelope_t *env, const char *run, size_t run_len)
{
    Balcao__V1__TicketCreated *tc = (Balcao__V1__TicketCreated *) bc_envelope_payload (
        env, &balcao__v1__ticket_created__descriptor);
    long index = -1;
    if (tc && tc->ticket && strncmp (tc->ticket->origin_message_id, run, run_len) == 0
        && tc->ticket->origin_message_id[run_len] == '-')
        index = strtol (tc->ticket->origin_message_id + run_len + 1, NULL, 10);
    if (tc)
        balcao__v1__ticket_created__free_unpacked (tc, NULL);
    return index;
}

int
main (int argc, char **argv)
{
    bc_log_init ("bench");
    bc_log_set_level (BC_LOG_WARN);
    int first = 1;
    bc_config_t *config = bc_config_from_args (argc, argv, &first);
    if (!config)
        return 1;
    long n = 1000, conc = 32, window = 1, timeout_ms = 2000;
    double rate = 0;
    const char *ids_path = NULL;
    int wait_router = 1;
    for (int i = first; i < argc; i++) {
        if (strcmp (argv[i], "-n") == 0 && i + 1 < argc)
            n = atol (argv[++i]);
        else if (strcmp (argv[i], "-C") == 0 && i + 1 < argc)
            conc = atol (argv[++i]);
        else if (strcmp (argv[i], "-W") == 0 && i + 1 < argc)
            window = atol (argv[++i]);
        else if (strcmp (argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof (argv[++i]);
        else if (strcmp (argv[i], "--ids") == 0 && i + 1 < argc)
            ids_path = argv[++i];
        else if (strcmp (argv[i], "--timeout-ms") == 0 && i + 1 < argc)
            timeout_ms = atol (argv[++i]);
        else if (strcmp (argv[i], "--no-wait") == 0)
            wait_router = 0;
        else if (strcmp (argv[i], "--mime") == 0 && i + 1 < argc)
            s_mime_kb = atol (argv[++i]);
        else {
            fprintf (stderr, "usage: balcao-bench [-c CONFIG] -n N -C CONC [-W WINDOW] [--rate R] "
                             "[--ids FILE] [--no-wait] [--mime KB] [--timeout-ms T]\n");
            return 64;
        }
    }
    if (n <= 0 || conc <= 0 || window <= 0)
        return 64;
    if (s_mime_kb)
        wait_router = 0; /* replies open no ticket: count intake's acknowledgements */
    long nslots = conc * window;
    char run[BC_ID_LEN + 1];
    bc_id_new (run);
    run[12] = 0;
    size_t run_len = strlen (run);

    zsock_t *sub = NULL;
    bc_curve_t *curve = NULL;
    if (wait_router) {
        sub = zsock_new (ZMQ_SUB);
        zsock_set_rcvhwm (sub, 0);
        zsock_set_subscribe (sub, "");
        /* With CURVE, the router's events are for log readers: the bench's
         * certificate must be one (balcao/log_readers). */
        int curve_error = 0;
        curve = bc_curve_new (config, "balcao-bench", &curve_error);
        if (curve_error || (curve && bc_curve_client (curve, zsock_resolve (sub), "router")))
            return 1;
        zsock_connect (sub, "%s", bc_config_endpoint (config, "router", "events"));
        zclock_sleep (200); /* let the subscription reach the router */
    }
    bc_client_t **clients = calloc ((size_t) conc, sizeof *clients);
    /* With intake/replicas, the clients take turns over the replicas. */
    int replicas = bc_config_replicas (config, "intake");
    for (long i = 0; i < conc; i++) {
        char intake[32];
        bc_config_instance ("intake", (int) (i % replicas) + 1, intake, sizeof intake);
        if (!(clients[i] = bc_client_new_for (config, intake, "balcao-bench")))
            return 1;
    }
    slot_t *slots = calloc ((size_t) nslots, sizeof *slots);
    for (long i = 0; i < nslots; i++) {
        slots[i].client = (int) (i % conc);
        slots[i].index = -1;
    }
    zhashx_t *in_flight = zhashx_new (); /* request id -> slot */
    int64_t *reconnected_ms = calloc ((size_t) conc, sizeof *reconnected_ms);
    int64_t *sent_us = calloc ((size_t) n, sizeof *sent_us);
    int64_t *latency_us = calloc ((size_t) n, sizeof *latency_us);
    int64_t *ack_us = calloc ((size_t) n, sizeof *ack_us);
    char *acked = calloc ((size_t) n, 1);
    zmq_pollitem_t *items = calloc ((size_t) conc + 1, sizeof *items);
    long next = 0, n_acked = 0, n_seen = 0, retries = 0, errors = 0, duplicates = 0;
    int64_t start = s_now_us (), last_progress = start, last_ticket = start;

    while (1) {
        int64_t now = s_now_us ();
        for (long s = 0; s < nslots && next < n; s++) {
            if (slots[s].index >= 0)
                continue;
            if (rate > 0 && now < start + (int64_t) ((double) next * 1e6 / rate))
                break;
            s_build (&slots[s], run, next);
            zhashx_insert (in_flight, slots[s].request_id, &slots[s]);
            sent_us[next] = now;
            slots[s].sent_ms = now / 1000;
            bc_client_send_raw (clients[slots[s].client], slots[s].frame, slots[s].len);
            next++;
        }
        int done = n_acked == n && (!wait_router || n_seen == n);
        if (done)
            break;
        if (now - last_progress > 60 * 1000000LL) {
            fprintf (stderr, "balcao-bench: no progress for 60 s; giving up\n");
            break;
        }
        if (n_acked == n && wait_router && now - last_ticket > 10 * 1000000LL) {
            fprintf (stderr, "balcao-bench: %ld tickets not seen on the router's stream after 10 s\n",
                     n - n_seen);
            break;
        }
        int k = 0;
        for (long s = 0; s < conc; s++)
            items[k++] = (zmq_pollitem_t) {bc_client_handle (clients[s]), 0, ZMQ_POLLIN, 0};
        if (sub)
            items[k++] = (zmq_pollitem_t) {zsock_resolve (sub), 0, ZMQ_POLLIN, 0};
        long wait = 10;
        if (rate > 0 && next < n) {
            int64_t due = start + (int64_t) ((double) next * 1e6 / rate) - now;
            wait = due <= 0 ? 0 : (due < 1000 ? 1 : due / 1000);
            if (wait > 10)
                wait = 10;
        }
        zmq_poll (items, k, wait);
        now = s_now_us ();
        for (long c = 0; c < conc; c++) {
            if (!(items[c].revents & ZMQ_POLLIN))
                continue;
            bc_envelope_t *reply;
            while (bc_client_recv (clients[c], 0, &reply) != BC_ETIMEOUT) {
                slot_t *slot = reply ? zhashx_lookup (in_flight, reply->correlation_id) : NULL;
                if (!slot) {
                    bc_envelope_destroy (&reply);
                    continue;
                }
                zhashx_delete (in_flight, slot->request_id);
                if (bc_envelope_is (reply, &balcao__v1__error__descriptor)) {
                    char buf[256];
                    fprintf (stderr, "balcao-bench: %s\n",
                             bc_client_error_text (BC_EREMOTE, reply, buf, sizeof buf));
                    errors++;
                }
                else {
                    Balcao__V1__SubmitReply *sr = (Balcao__V1__SubmitReply *) bc_envelope_payload (
                        reply, &balcao__v1__submit_reply__descriptor);
                    if (sr && sr->duplicate)
                        duplicates++;
                    if (sr)
                        balcao__v1__submit_reply__free_unpacked (sr, NULL);
                }
                if (!acked[slot->index]) {
                    acked[slot->index] = 1;
                    ack_us[slot->index] = now - sent_us[slot->index];
                    n_acked++;
                }
                slot->index = -1;
                last_progress = now;
                bc_envelope_destroy (&reply);
            }
        }
        for (long s = 0; s < nslots; s++) {
            slot_t *slot = &slots[s];
            if (slot->index >= 0 && now / 1000 - slot->sent_ms > timeout_ms) {
                /* Lazy Pirate: fresh socket, same request id. Other requests
                 * on that socket time out in turn and are sent again too. */
                bc_client_t *client = clients[slot->client];
                if (now / 1000 - reconnected_ms[slot->client] > timeout_ms) {
                    bc_client_reconnect (client);
                    reconnected_ms[slot->client] = now / 1000;
                }
                bc_client_send_raw (client, slot->frame, slot->len);
                slot->sent_ms = now / 1000;
                retries++;
            }
        }
        if (sub && (items[conc].revents & ZMQ_POLLIN)) {
            zmq_msg_t msg;
            zmq_msg_init (&msg);
            while (zmq_msg_recv (&msg, zsock_resolve (sub), ZMQ_DONTWAIT) >= 0) {
                bc_envelope_t *env = bc_envelope_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg));
                long index = env ? s_ticket_index (env, run, run_len) : -1;
                if (index >= 0 && index < n && !latency_us[index]) {
                    latency_us[index] = now - sent_us[index];
                    if (latency_us[index] <= 0)
                        latency_us[index] = 1;
                    n_seen++;
                    last_ticket = last_progress = now;
                }
                bc_envelope_destroy (&env);
            }
            zmq_msg_close (&msg);
        }
    }
    int64_t end = s_now_us ();
    double secs = (double) (end - start) / 1e6;
    printf ("submitted=%ld acknowledged=%ld duplicates=%ld errors=%ld retries=%ld clients=%ld\n",
            next, n_acked, duplicates, errors, retries, conc);
    printf ("elapsed_s=%.3f ack_rate=%.0f/s\n", secs, (double) n_acked / secs);
    s_print_latency ("submit->durably accepted by intake", ack_us, n);
    if (wait_router) {
        double tsecs = (double) (last_ticket - start) / 1e6;
        printf ("tickets_seen=%ld ticket_rate=%.0f/s\n", n_seen, (double) n_seen / tsecs);
        s_print_latency ("submit->TicketCreated", latency_us, n);
    }
    if (ids_path) {
        FILE *f = fopen (ids_path, "w");
        for (long i = 0; f && i < next; i++)
            fprintf (f, "%s-%ld\n", run, i);
        if (f)
            fclose (f);
    }
    int ok = n_acked == n && errors == 0 && (!wait_router || n_seen == n);
    for (long i = 0; i < conc; i++)
        bc_client_destroy (&clients[i]);
    for (long i = 0; i < nslots; i++)
        free (slots[i].frame);
    free (clients);
    free (reconnected_ms);
    zhashx_destroy (&in_flight);
    zsock_destroy (&sub);
    bc_curve_destroy (&curve);
    free (slots);
    free (sent_us);
    free (latency_us);
    free (ack_us);
    free (acked);
    free (items);
    bc_config_destroy (&config);
    return ok ? 0 : 1;
}
