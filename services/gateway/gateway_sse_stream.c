/* gateway_sse_stream: see gateway_sse_stream.h.
 *
 * No stream has a thread of its own: libmicrohttpd's event loops call the
 * reader (s_read), which copies what waits in the stream's buffer or, with
 * nothing, asks the room for what came after the stream's cursor; when
 * there is still nothing (and no ping due), it suspends the connection
 * under the room's lock, so that the room's hub, which resumes streams
 * under the same lock, never misses one. */
#include "gateway_sse_stream.h"

#include <czmq.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gateway_sse_stream_t {
    struct MHD_Connection *conn;
    int fd; /* the connection's socket, to notice a browser gone */
    pthread_mutex_t *lock; /* the room's */
    int ping_s;
    const gateway_sse_stream_room_t *room;
    void *arg;
    char *out;
    size_t out_len, out_pos, out_cap;
    time_t last_write;
    bool suspended;   /* by its reader, with nothing to send; under the lock */
    bool timeout_set; /* its idle timeout raised (on the event loop) */
    int64_t retry_ms; /* a RETRY: resumed to try again then */
};

gateway_sse_stream_t *
gateway_sse_stream_new (struct MHD_Connection *conn, pthread_mutex_t *lock, int ping_s,
                        const gateway_sse_stream_room_t *room, void *arg)
{
    assert (conn && lock && room && room->take && room->closed);
    gateway_sse_stream_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->conn = conn;
    self->lock = lock;
    self->ping_s = ping_s;
    self->room = room;
    self->arg = arg;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    self->fd = info ? info->connect_fd : -1;
    self->last_write = time (NULL);
    return self;
}

void
gateway_sse_stream_destroy (gateway_sse_stream_t **self_p)
{
    gateway_sse_stream_t *self = *self_p;
    if (!self)
        return;
    free (self->out);
    free (self);
    *self_p = NULL;
}

void
gateway_sse_stream_append (gateway_sse_stream_t *self, const char *text, size_t len)
{
    assert (self);
    if (self->out_pos == self->out_len)
        self->out_pos = self->out_len = 0;
    if (self->out_len + len > self->out_cap) {
        size_t cap = self->out_cap ? self->out_cap : 4096;
        while (cap < self->out_len + len)
            cap *= 2;
        char *grown = realloc (self->out, cap);
        if (!grown)
            return;
        self->out = grown;
        self->out_cap = cap;
    }
    memcpy (self->out + self->out_len, text, len);
    self->out_len += len;
}

void
gateway_sse_stream_printf (gateway_sse_stream_t *self, const char *format, ...)
{
    assert (self);
    char line[256];
    va_list args;
    va_start (args, format);
    int n = vsnprintf (line, sizeof line, format, args);
    va_end (args);
    if (n > 0 && (size_t) n < sizeof line)
        gateway_sse_stream_append (self, line, (size_t) n);
}

void
gateway_sse_stream_retry (gateway_sse_stream_t *self, int ms)
{
    gateway_sse_stream_printf (self, "retry: %d\n\n", ms);
}

bool
gateway_sse_stream_resume (gateway_sse_stream_t *self)
{
    assert (self);
    if (!self->suspended)
        return false;
    self->suspended = false;
    MHD_resume_connection (self->conn);
    return true;
}

bool
gateway_sse_stream_is_suspended (const gateway_sse_stream_t *self)
{
    assert (self);
    return self->suspended;
}

bool
gateway_sse_stream_is_due (const gateway_sse_stream_t *self, time_t now, int64_t mono)
{
    assert (self);
    bool is_retry_due = self->retry_ms && mono >= self->retry_ms;
    return self->suspended && (now - self->last_write >= self->ping_s || is_retry_due);
}

bool
gateway_sse_stream_hung_up (const gateway_sse_stream_t *self)
{
    assert (self);
    if (self->fd < 0)
        return false;
    struct pollfd p = {.fd = self->fd, .events = POLLRDHUP};
    return poll (&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

int
gateway_sse_stream_fd (const gateway_sse_stream_t *self)
{
    assert (self);
    return self->fd;
}

/* ---------------------------------------------------------------------- */

/* Under the lock: nothing to send, the connection suspended until the
 * room's hub resumes it (retry_ms: when, at the latest; 0: no hurry). */
static ssize_t
s_suspend (gateway_sse_stream_t *self, int64_t retry_ms)
{
    self->suspended = true;
    self->retry_ms = retry_ms;
    MHD_suspend_connection (self->conn);
    pthread_mutex_unlock (self->lock);
    return 0;
}

/* On an event-loop thread: what there is to send, or, with nothing, the
 * connection suspended (and 0) until the hub resumes it. */
static ssize_t
s_read (void *cls, uint64_t pos, char *buf, size_t max)
{
    (void) pos;
    gateway_sse_stream_t *self = cls;
    if (!self->timeout_set) {
        /* A stream is quiet between pings: the idle timeout must not end it. */
        MHD_set_connection_option (self->conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                   (unsigned) (self->ping_s * 3));
        self->timeout_set = true;
    }
    while (self->out_pos == self->out_len) {
        if (zsys_interrupted)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (gateway_sse_stream_hung_up (self))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        pthread_mutex_lock (self->lock);
        gateway_sse_stream_rc_t rc = self->room->take (self, self->arg);
        if (rc == GATEWAY_SSE_STREAM_END) {
            pthread_mutex_unlock (self->lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (rc == GATEWAY_SSE_STREAM_TAKEN && self->out_pos == self->out_len
            && time (NULL) - self->last_write >= self->ping_s) {
            gateway_sse_stream_append (self, ": ping\n\n", 8);
            if (self->room->pinged)
                self->room->pinged (self, self->arg);
        }
        if (rc == GATEWAY_SSE_STREAM_TAKEN && self->out_pos == self->out_len)
            return s_suspend (self, 0);
        pthread_mutex_unlock (self->lock);
        if (rc == GATEWAY_SSE_STREAM_BEHIND) {
            rc = self->room->catch_up (self, self->arg);
            if (rc == GATEWAY_SSE_STREAM_END)
                return MHD_CONTENT_READER_END_OF_STREAM;
            if (rc == GATEWAY_SSE_STREAM_RETRY) {
                pthread_mutex_lock (self->lock);
                return s_suspend (self, zclock_mono () + 1000);
            }
        }
    }
    size_t n = self->out_len - self->out_pos;
    if (n > max)
        n = max;
    memcpy (buf, self->out + self->out_pos, n);
    self->out_pos += n;
    self->last_write = time (NULL);
    return (ssize_t) n;
}

static void
s_free (void *cls)
{
    gateway_sse_stream_t *self = cls;
    pthread_mutex_lock (self->lock);
    self->room->closed (self, self->arg);
    pthread_mutex_unlock (self->lock);
    gateway_sse_stream_destroy (&self);
}

enum MHD_Result
gateway_sse_stream_queue (gateway_sse_stream_t *self)
{
    assert (self);
    struct MHD_Connection *conn = self->conn;
    struct MHD_Response *resp =
        MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 16 * 1024, s_read, self, s_free);
    if (!resp) {
        s_free (self);
        return MHD_NO;
    }
    MHD_add_response_header (resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header (resp, "Cache-Control", "no-store");
    MHD_add_response_header (resp, "X-Accel-Buffering", "no");
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result out = MHD_queue_response (conn, MHD_HTTP_OK, resp);
    MHD_destroy_response (resp);
    return out;
}
