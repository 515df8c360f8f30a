/*
 * zkml.h: process-wide entry points of the core library.
 */
#ifndef ZKML_ZKML_H
#define ZKML_ZKML_H

#define ZKML_VERSION "0.2.0"

/*
 * Initialise the core: check the field constants against GMP, build the fixed
 * generators G and H.  Returns NULL on success or a static message describing a fatal
 * internal error.  Idempotent; call on the main thread, never from a parallel region.
 */
const char *zkml_init(void);

/* Threads used by parallel regions of the core (>= 1). */
void zkml_set_threads(int n);
int zkml_threads(void);

/*
 * Interruption.  Long computations (a proof, a commitment) call zkml_interrupted() at
 * safe points on the thread that installed the hook, between parallel regions; it asks the hook, and once the hook has answered nonzero it keeps
 * answering 1 until zkml_clear_interrupt().  A computation that sees 1 stops, releases
 * what it holds and fails ("interrupted").  No hook: never interrupted.
 */
typedef int (*zkml_interrupt_hook)(void);
void zkml_set_interrupt_hook(zkml_interrupt_hook hook);
int zkml_interrupted(void);
void zkml_clear_interrupt(void);

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
