/*
 * test_pair.c: zkml_run_pair (runtime.h): each task runs once, with one thread and with
 * two, and from inside a parallel region; a second task that starts late sends the next
 * pairs to one thread.
 */
#include <omp.h>
#include <string.h>
#include <time.h>

#include "runtime.h"
#include "unit.h"

typedef struct {
    int runs[2];
    int thread[2];
    int in_region[2];
    long sleep_first_us;        /* task 0 sleeps so long before it returns */
} pair_log;

static void
logging_task(void *arg, int which)
{
    pair_log *p = arg;

    if (which == 0 && p->sleep_first_us > 0) {
        struct timespec ts = {0, p->sleep_first_us * 1000L};

        nanosleep(&ts, NULL);
    }
    p->runs[which]++;
    p->thread[which] = omp_get_thread_num();
    p->in_region[which] = omp_in_parallel();
}

UNIT_TEST(pair_runs_each_task_once)
{
    int threads, old = zkml_threads();

    for (threads = 1; threads <= 2; threads++) {
        pair_log p;
        int k;

        zkml_set_threads(threads);
        for (k = 0; k < 20; k++) {
            memset(&p, 0, sizeof p);
            zkml_run_pair(logging_task, &p);
            CHECKF(p.runs[0] == 1 && p.runs[1] == 1, "threads %d, pair %d: runs %d, %d",
                   threads, k, p.runs[0], p.runs[1]);
        }
    }
    zkml_set_threads(old);
}

UNIT_TEST(pair_after_a_late_start_runs_on_one_thread)
{
    pair_log p;
    int old = zkml_threads();

    zkml_set_threads(2);
    zkml_pair_reset();
    /* nested in an active region the pair's team has one thread: task 1 starts after
     * task 0's millisecond, as it would on a machine whose other core is busy */
#pragma omp parallel num_threads(2)
    {
#pragma omp master
        {
            memset(&p, 0, sizeof p);
            p.sleep_first_us = 1000;
            zkml_run_pair(logging_task, &p);
        }
    }
    CHECK(p.runs[0] == 1 && p.runs[1] == 1);
    /* so the next pair runs on this thread alone, outside any parallel region */
    memset(&p, 0, sizeof p);
    zkml_run_pair(logging_task, &p);
    CHECK(p.runs[0] == 1 && p.runs[1] == 1);
    CHECK(!p.in_region[0] && !p.in_region[1] && p.thread[0] == 0 && p.thread[1] == 0);
    zkml_set_threads(old);
}
