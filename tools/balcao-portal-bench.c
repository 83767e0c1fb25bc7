/* balcao-portal-bench: load for the portal's HTTP API and live updates
 * (tools/bench-portal.sh; figures in docs/benchmarks.md).
 *
 *   balcao-portal-bench http --rate R --seconds S [-H HEADER]... URL...
 *       Open loop: request i starts at i/R seconds, over the URLs in turn
 *       (libcurl multi, connections reused). Latency is measured from the
 *       request's scheduled start, so a slow server cannot hide its queue
 *       (no coordinated omission). Prints p50/p90/p99/max and errors.
 *
 *   balcao-portal-bench sse [-c CONFIG] -n N --rounds K --ticket T [-H HEADER]
 *                           [--cookies FILE] http://HOST:PORT/PATH
 *       Opens N streams on URL (/api/v1/events), waits until all are open,
 *       then K times: an agent's public reply to ticket T (AddMessage to the
 *       router as agent:bench), and the time until it reaches each stream as
 *       a "message" event. Prints p50/p99/max over the N x K arrivals and the
 *       worst round's "every stream had it" time. With --cookies (one Cookie
 *       header value per line: different people), stream i uses line
 *       i % lines, and only the streams of line 1 (the ticket's customer)
 *       are expected to get the reply: the others are the crowd the gateway
 *       watches for meanwhile.
 *
 *   balcao-portal-bench sse-load -c CONFIG --cookies FILE -n N --rate R
 *                                --tickets K --bench PATH http://HOST:PORT/PATH
 *       The dashboard's live queues under load: N streams of the staff
 *       sessions in FILE (stream i uses line i % lines), then K new tickets
 *       submitted to intake at R per second by PATH (balcao-bench, open
 *       loop); every stream should see every ticket's "created" event. The
 *       latency of each arrival is from the ticket's creation at the router
 *       (Ticket.created_us, when the router committed it to its queue) to
 *       the event's arrival on the stream, both wall-clock times of this
 *       machine. Prints p50/p99/max and what is missing.
 *
 * Exit 0 when every request answered 2xx (http), every stream got every
 * reply within 10 s (sse) or every created event (sse-load). */
#include "balcao/v1/router.pb-c.h"
#include "bc_client.h"
#include "bc_config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_pct (double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t) ((double) n * p);
    return v[i < n ? i : n - 1];
}

static size_t
s_discard (char *ptr, size_t size, size_t nmemb, void *user)
{
    (void) ptr, (void) user;
    return size * nmemb;
}

/* ---------------------------------------------------------------------- */

typedef struct {
    double scheduled;
    size_t slot;
} s_req_t;

static int
s_http (int argc, char **argv)
{
    double rate = 100, seconds = 10;
    struct curl_slist *headers = NULL;
    const char *urls[64];
    int nurls = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof (argv[++i]);
        else if (strcmp (argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof (argv[++i]);
        else if (strcmp (argv[i], "-H") == 0 && i + 1 < argc)
            headers = curl_slist_append (headers, argv[++i]);
        else if (nurls < 64)
            urls[nurls++] = argv[i];
    }
    if (!nurls || rate <= 0 || seconds <= 0) {
        fprintf (stderr, "usage: balcao-portal-bench http --rate R --seconds S [-H H]... URL...\n");
        return 64;
    }
    size_t total = (size_t) (rate * seconds);
    double *lat = calloc (total, sizeof *lat);
    size_t *per_url = calloc ((size_t) nurls, sizeof *per_url);
    double **lat_url = calloc ((size_t) nurls, sizeof *lat_url);
    for (int u = 0; u < nurls; u++)
        lat_url[u] = calloc (total, sizeof (double));
    CURLM *multi = curl_multi_init ();
    curl_multi_setopt (multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    size_t started = 0, done = 0, errors = 0;
    double start = s_now ();
    while (done < total) {
        double now = s_now ();
        while (started < total && start + (double) started / rate <= now) {
            s_req_t *r = malloc (sizeof *r);
            r->scheduled = start + (double) started / rate;
            r->slot = started;
            CURL *e = curl_easy_init ();
            curl_easy_setopt (e, CURLOPT_URL, urls[started % (size_t) nurls]);
            curl_easy_setopt (e, CURLOPT_HTTPHEADER, headers);
            curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, s_discard);
            curl_easy_setopt (e, CURLOPT_PRIVATE, r);
            curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, 10000L);
            curl_multi_add_handle (multi, e);
            started++;
        }
        int running;
        curl_multi_perform (multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read (multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            s_req_t *r;
            long code = 0;
            curl_easy_getinfo (m->easy_handle, CURLINFO_PRIVATE, (char **) &r);
            curl_easy_getinfo (m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            double ms = (s_now () - r->scheduled) * 1000;
            if (m->data.result != CURLE_OK || code < 200 || code > 299)
                errors++;
            lat[done++] = ms;
            size_t u = r->slot % (size_t) nurls;
            lat_url[u][per_url[u]++] = ms;
            curl_multi_remove_handle (multi, m->easy_handle);
            curl_easy_cleanup (m->easy_handle);
            free (r);
        }
        double next = start + (double) started / rate;
        int wait_ms = started < total ? (int) ((next - s_now ()) * 1000) : 10;
        curl_multi_poll (multi, NULL, 0, wait_ms < 0 ? 0 : wait_ms, NULL);
    }
    double elapsed = s_now () - start;
    qsort (lat, total, sizeof *lat, s_cmp);
    printf ("http: %zu requests in %.1f s (%.0f/s offered %.0f/s), errors %zu\n", total, elapsed,
            (double) total / elapsed, rate, errors);
    printf ("all: p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms\n", s_pct (lat, total, 0.5),
            s_pct (lat, total, 0.9), s_pct (lat, total, 0.99), lat[total - 1]);
    for (int u = 0; u < nurls && nurls > 1; u++) {
        qsort (lat_url[u], per_url[u], sizeof (double), s_cmp);
        printf ("  %s: p50=%.2f ms p99=%.2f ms (%zu)\n", urls[u], s_pct (lat_url[u], per_url[u], 0.5),
                s_pct (lat_url[u], per_url[u], 0.99), per_url[u]);
    }
    curl_multi_cleanup (multi);
    curl_slist_free_all (headers);
    return errors ? 1 : 0;
}

/* ---------------------------------------------------------------------- */

typedef struct {
    uint64_t number;
    int64_t at_us; /* wall clock */
} s_seen_t;

typedef struct {
    int fd;
    char line[4096];
    size_t len;
    bool open;     /* the stream's first bytes came */
    s_seen_t *seen; /* sse-load: the "created" events, as they came */
    size_t nseen, capseen;
    bool owner;    /* the ticket's customer's: expected to get the reply */
    int messages;  /* "message" events seen */
    double *arrived; /* per round */
    int rounds;
} s_stream_t;

/* The bytes of a stream (HTTP headers, chunk sizes and SSE lines alike:
 * only "data:" lines of a "message" event count). */
static void
s_sse_bytes (s_stream_t *st, const char *ptr, size_t n, double now)
{
    st->open = true;
    for (size_t i = 0; i < n; i++) {
        if (ptr[i] != '\n') {
            if (st->len + 1 < sizeof st->line)
                st->line[st->len++] = ptr[i];
            continue;
        }
        st->line[st->len] = 0;
        const char *num = strstr (st->line, "\"number\": ");
        if (st->capseen && strncmp (st->line, "data:", 5) == 0 && num
            && strstr (st->line, "\"kind\": \"created\"")) {
            if (st->nseen == st->capseen) {
                st->capseen *= 2;
                st->seen = realloc (st->seen, st->capseen * sizeof *st->seen);
            }
            struct timespec ts;
            clock_gettime (CLOCK_REALTIME, &ts);
            st->seen[st->nseen].number = strtoull (num + 10, NULL, 10);
            st->seen[st->nseen++].at_us = (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        }
        if (strncmp (st->line, "data:", 5) == 0 && strstr (st->line, "\"kind\": \"message\"")) {
            if (st->messages < st->rounds)
                st->arrived[st->messages] = now;
            st->messages++;
        }
        st->len = 0;
    }
}

static int
s_reply (bc_client_t *client, uint64_t ticket, int round)
{
    char body[80];
    snprintf (body, sizeof body, "Resposta de teste de carga %d.", round);
    Balcao__V1__AddMessage am = BALCAO__V1__ADD_MESSAGE__INIT;
    am.number = ticket;
    am.body = body;
    bc_envelope_t *reply;
    int rc = bc_client_call (client, NULL, &am.base, &reply);
    bc_envelope_destroy (&reply);
    return rc;
}

/* Reads whatever the streams sent, for at most wait_ms. */
static void
s_pump (int ep, int wait_ms)
{
    struct epoll_event evs[256];
    int k = epoll_wait (ep, evs, 256, wait_ms);
    double now = s_now ();
    for (int j = 0; j < k; j++) {
        s_stream_t *st = evs[j].data.ptr;
        char buf[16384];
        ssize_t got;
        while ((got = read (st->fd, buf, sizeof buf)) > 0)
            s_sse_bytes (st, buf, (size_t) got, now);
        if (got == 0) {
            epoll_ctl (ep, EPOLL_CTL_DEL, st->fd, NULL);
            close (st->fd);
            st->fd = -1;
        }
    }
}

/* The streams are plain sockets read with epoll (not libcurl: its multi
 * interface looks at every transfer on each call, which at 2,000 streams
 * made the tool itself the slow part). */
static int
s_sse (int argc, char **argv)
{
    const char *config_path = NULL, *url = NULL, *cookies_path = NULL, *header = NULL;
    int n = 100, rounds = 10;
    uint64_t ticket = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "-c") == 0 && i + 1 < argc)
            config_path = argv[++i];
        else if (strcmp (argv[i], "-n") == 0 && i + 1 < argc)
            n = atoi (argv[++i]);
        else if (strcmp (argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi (argv[++i]);
        else if (strcmp (argv[i], "--ticket") == 0 && i + 1 < argc)
            ticket = strtoull (argv[++i], NULL, 10);
        else if (strcmp (argv[i], "-H") == 0 && i + 1 < argc)
            header = argv[++i];
        else if (strcmp (argv[i], "--cookies") == 0 && i + 1 < argc)
            cookies_path = argv[++i];
        else
            url = argv[i];
    }
    char **cookies = NULL;
    int ncookies = 0;
    if (cookies_path) {
        FILE *f = fopen (cookies_path, "r");
        char line[1024];
        while (f && fgets (line, sizeof line, f)) {
            line[strcspn (line, "\r\n")] = 0;
            if (!*line)
                continue;
            cookies = realloc (cookies, (size_t) (ncookies + 1) * sizeof *cookies);
            cookies[ncookies++] = strdup (line);
        }
        if (f)
            fclose (f);
    }
    char host[256] = "";
    int port = 80;
    const char *path = NULL;
    if (url && strncmp (url, "http://", 7) == 0) {
        const char *h = url + 7, *slash = strchr (h, '/'), *colon = strchr (h, ':');
        size_t hl = (size_t) ((colon && colon < slash ? colon : slash) - h);
        if (slash && hl < sizeof host) {
            memcpy (host, h, hl);
            host[hl] = 0;
            if (colon && colon < slash)
                port = atoi (colon + 1);
            path = slash;
        }
    }
    if (!path || !ticket || n < 1 || rounds < 1 || (cookies_path && !ncookies)) {
        fprintf (stderr, "usage: balcao-portal-bench sse [-c CONFIG] -n N --rounds K --ticket T "
                         "[-H HEADER] [--cookies FILE] http://HOST:PORT/PATH\n");
        return 64;
    }
    bc_config_t *config = bc_config_load (config_path);
    bc_client_t *client = config ? bc_client_new_for (config, "router", "balcao-portal-bench") : NULL;
    if (!client) {
        fprintf (stderr, "cannot reach the router with config %s\n", config_path ? config_path : "-");
        return 69;
    }
    bc_client_set_principal (client, "agent:bench");
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    inet_pton (AF_INET, host, &sin.sin_addr);
    int ep = epoll_create1 (0);
    s_stream_t *streams = calloc ((size_t) n, sizeof *streams);
    int expected = 0;
    double t_open = s_now ();
    for (int i = 0; i < n; i++) {
        s_stream_t *st = &streams[i];
        st->rounds = rounds;
        st->arrived = calloc ((size_t) rounds, sizeof (double));
        st->owner = !ncookies || i % ncookies == 0;
        expected += st->owner;
        st->fd = socket (AF_INET, SOCK_STREAM, 0);
        if (st->fd < 0 || connect (st->fd, (struct sockaddr *) &sin, sizeof sin) != 0) {
            fprintf (stderr, "stream %d: cannot connect (%s)\n", i, strerror (errno));
            return 1;
        }
        char req[2048];
        int len = snprintf (req, sizeof req,
                            "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n%s%s%s%s%s\r\n",
                            path, host, header ? header : "", header ? "\r\n" : "",
                            ncookies ? "Cookie: " : "", ncookies ? cookies[i % ncookies] : "",
                            ncookies ? "\r\n" : "");
        if (write (st->fd, req, (size_t) len) != len)
            return 1;
        fcntl (st->fd, F_SETFL, fcntl (st->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = st};
        epoll_ctl (ep, EPOLL_CTL_ADD, st->fd, &ev);
    }
    for (int open = 0; open < n;) {
        s_pump (ep, 50);
        open = 0;
        for (int i = 0; i < n; i++)
            open += streams[i].open;
        if (s_now () - t_open > 60) {
            fprintf (stderr, "only %d of %d streams opened in 60 s\n", open, n);
            bc_client_destroy (&client);
            return 1;
        }
    }
    printf ("sse: %d streams of %d people open in %.2f s; %d of them the ticket's customer's\n", n,
            ncookies ? ncookies : 1, s_now () - t_open, expected);
    srand ((unsigned) getpid ());
    double *lat = calloc ((size_t) expected * (size_t) rounds, sizeof *lat);
    double *committed = calloc ((size_t) rounds, sizeof *committed);
    double worst_all = 0;
    size_t got = 0;
    int failed = 0;
    for (int r = 0; r < rounds; r++) {
        /* Whatever came before (the first reply's status change), then a
         * random pause: rounds must not fall in step with the gateway's
         * polling and measure one phase of it only. */
        s_pump (ep, 100);
        usleep ((useconds_t) (rand () % 100000));
        double t0 = s_now ();
        if (s_reply (client, ticket, r) != BC_OK) {
            fprintf (stderr, "the agent's reply %d failed\n", r);
            bc_client_destroy (&client);
            return 1;
        }
        committed[r] = (s_now () - t0) * 1000;
        for (;;) {
            int have = 0;
            for (int i = 0; i < n; i++)
                have += streams[i].owner && streams[i].messages > r;
            if (have == expected || s_now () - t0 > 10)
                break;
            s_pump (ep, 5);
        }
        double all = 0;
        for (int i = 0; i < n; i++) {
            if (!streams[i].owner)
                continue;
            if (streams[i].messages <= r) {
                failed++;
                continue;
            }
            double ms = (streams[i].arrived[r] - t0) * 1000;
            lat[got++] = ms;
            if (ms > all)
                all = ms;
        }
        if (all > worst_all)
            worst_all = all;
        usleep (100 * 1000);
    }
    qsort (lat, got, sizeof *lat, s_cmp);
    printf ("reply to stream: %zu arrivals (%d streams x %d replies), missing %d\n", got, expected,
            rounds, failed);
    printf ("reply to stream: p50=%.1f ms p99=%.1f ms max=%.1f ms; worst round, every stream: "
            "%.1f ms\n",
            s_pct (lat, got, 0.5), s_pct (lat, got, 0.99), got ? lat[got - 1] : 0, worst_all);
    qsort (committed, (size_t) rounds, sizeof *committed, s_cmp);
    printf ("the reply's own commit (AddMessage answered): p50=%.1f ms max=%.1f ms\n",
            s_pct (committed, (size_t) rounds, 0.5), committed[rounds - 1]);
    for (int i = 0; i < n; i++)
        if (streams[i].fd >= 0)
            close (streams[i].fd);
    close (ep);
    bc_client_destroy (&client);
    bc_config_destroy (&config);
    return failed ? 1 : 0;
}

/* The router's count of tickets (the next number is this + 1). */
static uint64_t
s_ticket_total (bc_client_t *client)
{
    Balcao__V1__ListTickets lt = BALCAO__V1__LIST_TICKETS__INIT;
    lt.limit = 1;
    bc_envelope_t *reply = NULL;
    uint64_t total = 0;
    if (bc_client_call (client, NULL, &lt.base, &reply) == BC_OK) {
        Balcao__V1__TicketList *l = (Balcao__V1__TicketList *) bc_envelope_payload (
            reply, &balcao__v1__ticket_list__descriptor);
        if (l) {
            total = l->total;
            balcao__v1__ticket_list__free_unpacked (l, NULL);
        }
    }
    bc_envelope_destroy (&reply);
    return total;
}

static int
s_sse_load (int argc, char **argv)
{
    const char *config_path = NULL, *url = NULL, *cookies_path = NULL, *bench = NULL;
    int n = 100;
    double rate = 100;
    long tickets = 1000;
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "-c") == 0 && i + 1 < argc)
            config_path = argv[++i];
        else if (strcmp (argv[i], "-n") == 0 && i + 1 < argc)
            n = atoi (argv[++i]);
        else if (strcmp (argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof (argv[++i]);
        else if (strcmp (argv[i], "--tickets") == 0 && i + 1 < argc)
            tickets = atol (argv[++i]);
        else if (strcmp (argv[i], "--cookies") == 0 && i + 1 < argc)
            cookies_path = argv[++i];
        else if (strcmp (argv[i], "--bench") == 0 && i + 1 < argc)
            bench = argv[++i];
        else
            url = argv[i];
    }
    char **cookies = NULL;
    int ncookies = 0;
    FILE *f = cookies_path ? fopen (cookies_path, "r") : NULL;
    char line[1024];
    while (f && fgets (line, sizeof line, f)) {
        line[strcspn (line, "\r\n")] = 0;
        if (*line) {
            cookies = realloc (cookies, (size_t) (ncookies + 1) * sizeof *cookies);
            cookies[ncookies++] = strdup (line);
        }
    }
    if (f)
        fclose (f);
    char host[256] = "";
    int port = 80;
    const char *path = NULL;
    if (url && strncmp (url, "http://", 7) == 0) {
        const char *h = url + 7, *slash = strchr (h, '/'), *colon = strchr (h, ':');
        size_t hl = slash ? (size_t) ((colon && colon < slash ? colon : slash) - h) : 0;
        if (slash && hl < sizeof host) {
            memcpy (host, h, hl);
            host[hl] = 0;
            if (colon && colon < slash)
                port = atoi (colon + 1);
            path = slash;
        }
    }
    bc_config_t *config = config_path ? bc_config_load (config_path) : NULL;
    if (!path || !ncookies || !bench || !config || n < 1 || tickets < 1 || rate <= 0) {
        fprintf (stderr, "usage: balcao-portal-bench sse-load -c CONFIG --cookies FILE -n N "
                         "--rate R --tickets K --bench PATH http://HOST:PORT/PATH\n");
        return 64;
    }
    bc_client_t *client = bc_client_new_for (config, "router", "balcao-portal-bench");
    bc_client_set_principal (client, "agent:bench");
    bc_client_set_timeout (client, 10000, 1);
    uint64_t first = s_ticket_total (client) + 1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    inet_pton (AF_INET, host, &sin.sin_addr);
    int ep = epoll_create1 (0);
    s_stream_t *streams = calloc ((size_t) n, sizeof *streams);
    double t_open = s_now ();
    for (int i = 0; i < n; i++) {
        s_stream_t *st = &streams[i];
        st->capseen = (size_t) tickets + 16;
        st->seen = calloc (st->capseen, sizeof *st->seen);
        st->fd = socket (AF_INET, SOCK_STREAM, 0);
        if (st->fd < 0 || connect (st->fd, (struct sockaddr *) &sin, sizeof sin) != 0) {
            fprintf (stderr, "stream %d: cannot connect (%s)\n", i, strerror (errno));
            return 1;
        }
        char req[2048];
        int len = snprintf (req, sizeof req,
                            "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n"
                            "Cookie: %s\r\n\r\n",
                            path, host, cookies[i % ncookies]);
        if (write (st->fd, req, (size_t) len) != len)
            return 1;
        fcntl (st->fd, F_SETFL, fcntl (st->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = st};
        epoll_ctl (ep, EPOLL_CTL_ADD, st->fd, &ev);
    }
    for (int open = 0; open < n;) {
        s_pump (ep, 50);
        open = 0;
        for (int i = 0; i < n; i++)
            open += streams[i].open;
        if (s_now () - t_open > 60) {
            fprintf (stderr, "only %d of %d streams opened in 60 s\n", open, n);
            return 1;
        }
    }
    printf ("sse-load: %d streams of %d people open in %.2f s\n", n, ncookies, s_now () - t_open);
    char count[32], rate_text[32];
    snprintf (count, sizeof count, "%ld", tickets);
    snprintf (rate_text, sizeof rate_text, "%g", rate);
    fflush (stdout);
    double t0 = s_now ();
    pid_t pid = fork ();
    if (pid == 0) {
        int null = open ("/dev/null", O_WRONLY);
        dup2 (null, STDOUT_FILENO);
        execl (bench, bench, "-c", config_path, "-n", count, "-C", "16", "-W", "8", "--rate",
               rate_text, "--no-wait", (char *) NULL);
        _exit (127);
    }
    int status = 0;
    bool child_done = false;
    for (;;) {
        s_pump (ep, 5);
        if (!child_done && waitpid (pid, &status, WNOHANG) == pid)
            child_done = true;
        bool all = child_done;
        for (int i = 0; i < n && all; i++)
            all = streams[i].nseen >= (size_t) tickets;
        if (all || s_now () - t0 > (double) tickets / rate + 30)
            break;
    }
    if (!child_done)
        waitpid (pid, &status, 0);
    double sent_s = s_now () - t0;
    /* Each ticket's creation instant at the router. */
    int64_t *created = calloc ((size_t) tickets, sizeof *created);
    for (uint64_t after = first - 1; after < first - 1 + (uint64_t) tickets;) {
        Balcao__V1__ListTickets lt = BALCAO__V1__LIST_TICKETS__INIT;
        lt.after = after;
        lt.limit = 1000;
        bc_envelope_t *reply = NULL;
        Balcao__V1__TicketList *l = NULL;
        if (bc_client_call (client, NULL, &lt.base, &reply) == BC_OK)
            l = (Balcao__V1__TicketList *) bc_envelope_payload (
                reply, &balcao__v1__ticket_list__descriptor);
        bc_envelope_destroy (&reply);
        if (!l || !l->n_tickets) {
            if (l)
                balcao__v1__ticket_list__free_unpacked (l, NULL);
            break;
        }
        for (size_t j = 0; j < l->n_tickets; j++) {
            uint64_t k = l->tickets[j]->number - first;
            if (l->tickets[j]->number >= first && k < (uint64_t) tickets)
                created[k] = l->tickets[j]->created_us;
            after = l->tickets[j]->number;
        }
        balcao__v1__ticket_list__free_unpacked (l, NULL);
    }
    size_t cap = (size_t) n * (size_t) tickets, got = 0, missing = 0;
    double *lat = calloc (cap, sizeof *lat);
    for (int i = 0; i < n; i++) {
        s_stream_t *st = &streams[i];
        size_t mine = 0;
        for (size_t j = 0; j < st->nseen; j++) {
            uint64_t k = st->seen[j].number - first;
            if (st->seen[j].number < first || k >= (uint64_t) tickets || !created[k])
                continue;
            lat[got++] = (double) (st->seen[j].at_us - created[k]) / 1000.0;
            mine++;
        }
        missing += (size_t) tickets > mine ? (size_t) tickets - mine : 0;
    }
    qsort (lat, got, sizeof *lat, s_cmp);
    printf ("sse-load: %ld tickets submitted at %g/s (%s, %.1f s), %zu arrivals over %d streams, "
            "missing %zu\n",
            tickets, rate, WIFEXITED (status) && WEXITSTATUS (status) == 0 ? "all acknowledged"
                                                                          : "balcao-bench failed",
            sent_s, got, n, missing);
    printf ("created at the router to stream: p50=%.1f ms p99=%.1f ms max=%.1f ms\n",
            s_pct (lat, got, 0.5), s_pct (lat, got, 0.99), got ? lat[got - 1] : 0);
    for (int i = 0; i < n; i++)
        if (streams[i].fd >= 0)
            close (streams[i].fd);
    close (ep);
    bc_client_destroy (&client);
    bc_config_destroy (&config);
    return missing ? 1 : 0;
}

int
main (int argc, char **argv)
{
    curl_global_init (CURL_GLOBAL_DEFAULT);
    int rc = 64;
    if (argc > 1 && strcmp (argv[1], "http") == 0)
        rc = s_http (argc - 2, argv + 2);
    else if (argc > 1 && strcmp (argv[1], "sse") == 0)
        rc = s_sse (argc - 2, argv + 2);
    else if (argc > 1 && strcmp (argv[1], "sse-load") == 0)
        rc = s_sse_load (argc - 2, argv + 2);
    else
        fprintf (stderr, "usage: balcao-portal-bench http|sse|sse-load ...\n");
    curl_global_cleanup ();
    return rc;
}
