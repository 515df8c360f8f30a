/*
 * runtime.c: the core's process-wide runtime state (runtime.h): the thread count of its
 * parallel regions, the interrupt hook, and the limit of the memory kept between proofs
 * (the pool itself is alloc.c's).
 */
#include <pthread.h>
#include <time.h>

#include "alloc.h"
#include "runtime.h"

static int zkml_nthreads = 1;
static zkml_interrupt_hook zkml_hook;
static pthread_t zkml_hook_thread;     /* the thread that installed the hook */
static int zkml_stop;                  /* read and written atomically */
static struct timespec zkml_last_poll; /* the hook thread's last question, in regions */
static unsigned pair_skip;             /* pairs still to run on one thread */
static unsigned pair_backoff;          /* k of the last late start */

#define PAIR_MAX_BACKOFF 10

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
zkml_set_keep_memory(size_t bytes)
{
    scratch_set_keep(bytes);
}

size_t
zkml_kept_memory(void)
{
    return scratch_kept();
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

void
zkml_run_pair(zkml_pair_task fn, void *arg)
{
    struct timespec t0, t1;
    long late_us;
    int side;

    if (zkml_nthreads < 2 || pair_skip > 0) {
        if (pair_skip > 0)
            pair_skip--;
        fn(arg, 0);
        fn(arg, 1);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t1 = t0;
#pragma omp parallel for num_threads(2) schedule(static, 1)
    for (side = 0; side < 2; side++) {
        if (side == 1)
            clock_gettime(CLOCK_MONOTONIC, &t1);
        fn(arg, side);
    }
    late_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000L;
    if (late_us > ZKML_PAIR_LATE_US) {
        if (pair_backoff < PAIR_MAX_BACKOFF)
            pair_backoff++;
        pair_skip = 1u << pair_backoff;
    } else if (pair_backoff > 0) {
        pair_backoff--;
    }
}

void
zkml_pair_reset(void)
{
    pair_skip = pair_backoff = 0;
}
