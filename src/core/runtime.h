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

#endif
