/* gateway_worker: a request's handler on a thread of its own.
 *
 * libmicrohttpd serves every connection from a few event-loop threads
 * (gateway/http_threads), so that 500 live streams cost a handful of
 * threads, not 500. A handler that asks the bus may wait milliseconds (or
 * seconds, when a service is down): on an event-loop thread it would hold
 * up every other connection of that thread. So the access handler suspends
 * the connection and runs the handler here, on a thread of its own; the
 * handler queues its response (libmicrohttpd allows that from any thread
 * while the connection is suspended) and the connection is resumed. A slow
 * request holds only its own connection, as with a thread per connection.
 */
#ifndef GATEWAY_WORKER_H
#define GATEWAY_WORKER_H

#include <microhttpd.h>

typedef enum MHD_Result (gateway_work_fn) (void *arg);

/* Suspends conn and runs fn (arg) on a thread of its own (an idle worker,
 * or a new thread when none is idle); the thread resumes conn
 * when fn returns, and neither it nor fn touch conn or arg after that.
 * When fn answered nothing (MHD_NO, or no response queued), libmicrohttpd
 * calls the access handler again: it should close the connection then.
 * Called from the access handler. Returns MHD_YES. */
enum MHD_Result gateway_worker_run (struct MHD_Connection *conn, gateway_work_fn *fn, void *arg);

/* Waits until no handler runs any more (before the daemon stops). */
void gateway_worker_drain (void);

#endif
