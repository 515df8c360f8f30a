/*
 * test_interrupt.c: the interrupt hook (zkml.h) asked from inside parallel regions: only
 * on the thread that installed it, at most every ZKML_REGION_POLL_MS, its answer seen by
 * every thread; a large commitment stops inside its single block of rows.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hyrax.h"
#include "unit.h"
#include "runtime.h"

static int hook_calls;
static int hook_answer;

static int
counting_hook(void)
{
    hook_calls++;
    return hook_answer;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void *
ask_from_other_thread(void *arg)
{
    int *answers = arg;

    answers[0] = zkml_interrupted_in_region();
    answers[1] = zkml_interrupted();
    return NULL;
}

UNIT_TEST(interrupt_in_region_asks_only_the_hook_thread_and_at_most_every_period)
{
    pthread_t th;
    int answers[2] = {-1, -1}, before;

    zkml_clear_interrupt();
    hook_calls = 0;
    hook_answer = 0;
    zkml_set_interrupt_hook(counting_hook);
    sleep_ms(2 * ZKML_REGION_POLL_MS);
    CHECK(zkml_interrupted_in_region() == 0);
    before = hook_calls;
    CHECK(before == 1);
    CHECK(zkml_interrupted_in_region() == 0);       /* too soon: not asked again */
    CHECK(hook_calls == before);
    sleep_ms(2 * ZKML_REGION_POLL_MS);
    CHECK(zkml_interrupted_in_region() == 0);
    CHECK(hook_calls == before + 1);
    CHECK(zkml_interrupted() == 0);                 /* between regions: always asked */
    CHECK(hook_calls == before + 2);

    /* another thread never calls the hook, and reads the answer once it is given */
    CHECK(pthread_create(&th, NULL, ask_from_other_thread, answers) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(answers[0] == 0 && answers[1] == 0);
    CHECK(hook_calls == before + 2);
    hook_answer = 1;
    CHECK(zkml_interrupted() == 1);
    CHECK(pthread_create(&th, NULL, ask_from_other_thread, answers) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(answers[0] == 1 && answers[1] == 1);
    zkml_set_interrupt_hook(NULL);
    zkml_clear_interrupt();
    CHECK(zkml_interrupted() == 0 && zkml_interrupted_in_region() == 0);
}

static int stop_after;

static int
stop_after_hook(void)
{
    hook_calls++;
    return hook_calls > stop_after;
}

/* 2^17 full-size entries: one block of rows between safe points, stopped inside it. */
UNIT_TEST(interrupt_stops_a_commitment_inside_its_block)
{
    const unsigned l = 17;
    size_t n = (size_t)1 << l, i;
    fq_t *P = malloc(n * sizeof *P), beta[1 << 9];
    hyrax_commitment c;
    int threads = zkml_threads();

    CHECK(P != NULL);
    if (P == NULL)
        return;
    for (i = 0; i < n; i++)
        fq_set_u64(&P[i], (uint64_t)i * 2654435761u + 1);
    for (i = 0; i < sizeof beta / sizeof beta[0]; i++)
        fq_set_u64(&beta[i], i + 7);
    zkml_set_threads(2);
    CHECK(hyrax_commit(&c, P, l, hyrax_lc(l), beta) == 0); /* warm: generators and tables */
    hyrax_commitment_free(&c);

    zkml_clear_interrupt();
    hook_calls = 0;
    stop_after = 1;                                 /* the block's own question passes */
    zkml_set_interrupt_hook(stop_after_hook);
    CHECK(hyrax_commit(&c, P, l, hyrax_lc(l), beta) == -1);
    CHECKF(hook_calls == 2, "the hook was asked %d times", hook_calls);
    CHECK(zkml_interrupted() == 1);

    zkml_set_interrupt_hook(NULL);
    zkml_clear_interrupt();
    CHECK(hyrax_commit(&c, P, l, hyrax_lc(l), beta) == 0);
    hyrax_commitment_free(&c);
    zkml_set_threads(threads);
    free(P);
}
