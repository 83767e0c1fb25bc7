/* gateway_worker: see gateway_worker.h.
 *
 * Threads are kept for reuse: a job goes to an idle worker when there is
 * one, else to a new thread, never behind another job (a request waiting
 * on a slow service must not hold up the next). A worker idle for
 * S_IDLE_S seconds ends, so a burst's threads do not stay. */
#include "gateway_worker.h"

#include "bc_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_IDLE_S 30

typedef struct s_job {
    struct MHD_Connection *conn;
    gateway_work_fn *fn;
    void *arg;
    struct s_job *next;
} s_job_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_idle = PTHREAD_COND_INITIALIZER; /* no job runs any more */
static pthread_cond_t s_work = PTHREAD_COND_INITIALIZER; /* a job for an idle worker */
static s_job_t *s_queue;   /* jobs handed to idle workers, not yet taken */
static int s_running;      /* jobs handed out and not finished */
static int s_waiting;      /* idle workers waiting for a job */

/* Runs a job; under the lock after it. */
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
    if (s_running == 0)
        pthread_cond_broadcast (&s_idle);
}

static void *
s_thread (void *arg)
{
    s_job_t *job = arg;
    while (job) {
        s_finish (job); /* returns with the lock held */
        job = NULL;
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_sec += S_IDLE_S;
        s_waiting++;
        while (!s_queue) {
            if (pthread_cond_timedwait (&s_work, &s_lock, &until) == ETIMEDOUT && !s_queue)
                break;
        }
        s_waiting--;
        if (s_queue) {
            job = s_queue;
            s_queue = job->next;
        }
        pthread_mutex_unlock (&s_lock);
    }
    return NULL;
}

enum MHD_Result
gateway_worker_run (struct MHD_Connection *conn, gateway_work_fn *fn, void *arg)
{
    s_job_t *job = malloc (sizeof *job);
    if (!job)
        return fn (arg); /* on this thread, as a last resort */
    *job = (s_job_t) {conn, fn, arg, NULL};
    MHD_suspend_connection (conn);
    pthread_mutex_lock (&s_lock);
    s_running++;
    /* Idle workers not yet promised a job: one takes it. */
    int promised = 0;
    for (s_job_t *q = s_queue; q; q = q->next)
        promised++;
    if (s_waiting > promised) {
        s_job_t **tail = &s_queue;
        while (*tail)
            tail = &(*tail)->next;
        *tail = job;
        pthread_cond_signal (&s_work);
        pthread_mutex_unlock (&s_lock);
        return MHD_YES;
    }
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
        pthread_mutex_unlock (&s_lock);
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
