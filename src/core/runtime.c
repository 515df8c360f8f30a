/*
 * runtime.c: the core's process-wide runtime state (runtime.h): the thread count of its
 * parallel regions and the interrupt hook.  It calls nothing else of the core.
 */
#include <pthread.h>
#include <time.h>

#include "runtime.h"

static int zkml_nthreads = 1;
static zkml_interrupt_hook zkml_hook;
static pthread_t zkml_hook_thread;     /* the thread that installed the hook */
static int zkml_stop;                  /* read and written atomically */
static struct timespec zkml_last_poll; /* the hook thread's last question, in regions */

void
zkml_set_threads(int n)
{
    zkml_nthreads = n < 1 ? 1 : n;
}

int
zkml_threads(void)
{
    return zkml_nthreads;
}

void
zkml_set_interrupt_hook(zkml_interrupt_hook hook)
{
    zkml_hook = hook;
    zkml_hook_thread = pthread_self();
}

int
zkml_interrupted(void)
{
    if (__atomic_load_n(&zkml_stop, __ATOMIC_RELAXED))
        return 1;
    if (zkml_hook == NULL || !pthread_equal(pthread_self(), zkml_hook_thread))
        return 0;
    if (zkml_hook() != 0) {
        __atomic_store_n(&zkml_stop, 1, __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}

int
zkml_interrupted_in_region(void)
{
    struct timespec now;
    long ms;

    if (__atomic_load_n(&zkml_stop, __ATOMIC_RELAXED))
        return 1;
    if (zkml_hook == NULL || !pthread_equal(pthread_self(), zkml_hook_thread))
        return 0;
    /* the coarse clock costs a few nanoseconds: cheap enough for every block */
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    ms = (now.tv_sec - zkml_last_poll.tv_sec) * 1000L +
         (now.tv_nsec - zkml_last_poll.tv_nsec) / 1000000L;
    if (ms < ZKML_REGION_POLL_MS)
        return 0;
    zkml_last_poll = now;
    return zkml_interrupted();
}

void
zkml_clear_interrupt(void)
{
    __atomic_store_n(&zkml_stop, 0, __ATOMIC_RELAXED);
}
