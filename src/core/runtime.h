/*
 * runtime.h: the core's runtime inside a process (runtime.c): the thread count of its
 * parallel regions and the interrupt hook, as the front door (zkml.h) sets them, and the
 * questions long computations ask.
 */
#ifndef ZKML_RUNTIME_H
#define ZKML_RUNTIME_H

#include "zkml.h"

/*
 * Interruption.  Long computations (a proof, a commitment) call zkml_interrupted() at
 * safe points on the thread that installed the hook, between parallel regions; it asks
 * the hook, and once the hook has answered nonzero it keeps answering 1 until
 * zkml_clear_interrupt().  A computation that sees 1 stops, releases what it holds and
 * fails ("interrupted").  No hook: never interrupted.
 */
int zkml_interrupted(void);

/*
 * The same question from anywhere, parallel regions included, for loops whose blocks
 * between safe points would take too long.  Only the thread that installed the hook asks
 * it (the hook may touch that thread's signal mask), and at most every
 * ZKML_REGION_POLL_MS; other threads only read the answer.  A loop that sees 1 skips its
 * remaining work and reports failure, so its caller stops as above.
 */
#define ZKML_REGION_POLL_MS 10
int zkml_interrupted_in_region(void);

/*
 * Loops of about one field product per entry run on the threads from this many entries
 * on (a quarter of a millisecond of work and more): below it a parallel region's start
 * costs more than it saves, the more so when other processes hold the cores.
 */
#define ZKML_PARALLEL_MIN 8192

/*
 * Two tasks of a few hundred microseconds each (the two MSMs of an IPA round, the halves
 * of a few commitments): fn(arg, 0) and fn(arg, 1), side by side on two threads while
 * that pays.  A parallel region waits for its second thread, and when every core is busy
 * with other work that thread may start milliseconds late, many times the tasks' length.
 * So a pair whose second task started more than ZKML_PAIR_LATE_US late sends the next
 * 2^k pairs to one thread (k grows by one with each late start, up to 10, and shrinks by
 * one with each prompt one).  With one thread, one after the other.  Main thread only;
 * the tasks may not depend on which thread runs them or in which order.
 */
#define ZKML_PAIR_LATE_US 200
typedef void (*zkml_pair_task)(void *arg, int which);
void zkml_run_pair(zkml_pair_task fn, void *arg);

/* Forget past late starts, as a new process starts (tests). */
void zkml_pair_reset(void);

#endif
