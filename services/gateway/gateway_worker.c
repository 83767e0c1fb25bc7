/* gateway_worker: see gateway_worker.h. */
#include "gateway_worker.h"

#include "bc_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct MHD_Connection *conn;
    gateway_work_fn *fn;
    void *arg;
} s_job_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_idle = PTHREAD_COND_INITIALIZER;
static int s_running;

static void
s_finish (s_job_t *job)
{
    job->fn (job->arg);
    struct MHD_Connection *conn = job->conn;
    free (job);
    pthread_mutex_lock (&s_lock);
    s_running--;
    /* Under the lock: gateway_worker_drain returns only after this. */
    MHD_resume_connection (conn);
    pthread_cond_broadcast (&s_idle);
    pthread_mutex_unlock (&s_lock);
}

static void *
s_thread (void *arg)
{
    s_finish (arg);
    return NULL;
}

enum MHD_Result
gateway_worker_run (struct MHD_Connection *conn, gateway_work_fn *fn, void *arg)
{
    s_job_t *job = malloc (sizeof *job);
    if (!job)
        return fn (arg); /* on this thread, as a last resort */
    *job = (s_job_t) {conn, fn, arg};
    MHD_suspend_connection (conn);
    pthread_mutex_lock (&s_lock);
    s_running++;
    pthread_mutex_unlock (&s_lock);
    pthread_attr_t attr;
    pthread_attr_init (&attr);
    pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create (&thread, &attr, s_thread, job);
    pthread_attr_destroy (&attr);
    if (rc != 0) {
        static _Atomic int said;
        if (!said++)
            bc_warn ("event=worker_thread_failed reason=\"%s\" hint=\"the request runs on the "
                     "event loop; raise the process's thread limit\"",
                     strerror (rc));
        s_finish (job); /* still suspended: its response may be queued here */
    }
    return MHD_YES;
}

void
gateway_worker_drain (void)
{
    pthread_mutex_lock (&s_lock);
    while (s_running > 0)
        pthread_cond_wait (&s_idle, &s_lock);
    pthread_mutex_unlock (&s_lock);
}
