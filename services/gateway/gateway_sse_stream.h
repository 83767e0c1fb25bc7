/* gateway_sse_stream: one Server-Sent Events response, the plumbing both of
 * the gateway's live streams share: the live updates (gateway_sse.c) and
 * the web chat's (gateway_chat_stream.c). It holds the bytes waiting to be
 * sent and is libmicrohttpd's content reader: it raises the idle timeout
 * of a stream quiet between pings, sends `: ping` every ping_s, ends when
 * the browser hung up, and suspends the connection when there is nothing
 * to send (the room's hub resumes it). What to send is the room's: its
 * callbacks, called under the room's lock, append it.
 */
#ifndef GATEWAY_SSE_STREAM_H
#define GATEWAY_SSE_STREAM_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct gateway_sse_stream_t gateway_sse_stream_t;

/* What a room's callback found. */
typedef enum {
    GATEWAY_SSE_STREAM_TAKEN,  /* appended what there was (maybe nothing) */
    GATEWAY_SSE_STREAM_BEHIND, /* cannot serve the stream's cursor: catch_up */
    GATEWAY_SSE_STREAM_RETRY,  /* catch_up could not: again in a second */
    GATEWAY_SSE_STREAM_END     /* the stream closes */
} gateway_sse_stream_rc_t;

/* A room's side of its streams; arg is the stream's own (the room's
 * record of it). */
typedef struct {
    /* Under the lock: appends what comes after the stream's cursor, or
     * says the stream ends (the room stopping) or is BEHIND. */
    gateway_sse_stream_rc_t (*take) (gateway_sse_stream_t *stream, void *arg);
    /* Under the lock, after a `: ping` was appended; may be NULL. */
    void (*pinged) (gateway_sse_stream_t *stream, void *arg);
    /* Outside the lock, after take said BEHIND: appends from elsewhere
     * (TAKEN), or RETRY or END. NULL when take never says BEHIND. */
    gateway_sse_stream_rc_t (*catch_up) (gateway_sse_stream_t *stream, void *arg);
    /* Under the lock, when libmicrohttpd is done with the stream: the room
     * forgets it (and frees arg). */
    void (*closed) (gateway_sse_stream_t *stream, void *arg);
} gateway_sse_stream_room_t;

/* A stream for conn, its room's callbacks called with arg under lock (the
 * room's: it guards the streams' `suspended` too). ping_s: the seconds
 * between pings when nothing else is sent. NULL when out of memory. */
gateway_sse_stream_t *gateway_sse_stream_new (struct MHD_Connection *conn, pthread_mutex_t *lock,
                                              int ping_s, const gateway_sse_stream_room_t *room,
                                              void *arg);
/* A stream never queued (the request was answered otherwise); closed is
 * not called. */
void gateway_sse_stream_destroy (gateway_sse_stream_t **self_p);
/* Queues the stream as the request's answer (200, text/event-stream, not
 * cached nor buffered by a proxy); from then on libmicrohttpd owns it:
 * closed is called when it ends (at once when the answer cannot be made),
 * and the stream is freed after. */
enum MHD_Result gateway_sse_stream_queue (gateway_sse_stream_t *self);

/* Appends text to what waits to be sent. */
void gateway_sse_stream_append (gateway_sse_stream_t *self, const char *text, size_t len);
/* Appends a formatted text (an `id:` line, say). */
void gateway_sse_stream_printf (gateway_sse_stream_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Appends "retry: MS": how long the browser waits before it reconnects. */
void gateway_sse_stream_retry (gateway_sse_stream_t *self, int ms);

/* Under the lock: resumes the stream when suspended; true if it was. */
bool gateway_sse_stream_resume (gateway_sse_stream_t *self);
bool gateway_sse_stream_is_suspended (const gateway_sse_stream_t *self);
/* Under the lock: suspended and its ping due (now: time (NULL)), or the
 * retry after a RETRY due (mono: zclock_mono ()). */
bool gateway_sse_stream_is_due (const gateway_sse_stream_t *self, time_t now, int64_t mono);
/* The browser closed the connection (a page left or reloaded). */
bool gateway_sse_stream_hung_up (const gateway_sse_stream_t *self);
/* The connection's socket, or -1. */
int gateway_sse_stream_fd (const gateway_sse_stream_t *self);

#endif
