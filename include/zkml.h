/*
 * zkml.h: the core library's front door, the header the PostgreSQL extension and the
 * zkml command include.  Process-wide entry points: initialisation, threads, and the
 * interrupt hook.
 */
#ifndef ZKML_ZKML_H
#define ZKML_ZKML_H

#define ZKML_VERSION "0.2.0"

/* The size of every error message buffer the core writes into (`char err[ZKML_ERR_LEN]`). */
#define ZKML_ERR_LEN 320

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
 * Interruption.  Long computations of the core ask the hook at their safe points, on
 * the thread that installed it (runtime.h says how); once it has answered nonzero they
 * stop, release what they hold and fail ("interrupted"), until zkml_clear_interrupt().
 * No hook: never interrupted.
 */
typedef int (*zkml_interrupt_hook)(void);
void zkml_set_interrupt_hook(zkml_interrupt_hook hook);
void zkml_clear_interrupt(void);

#endif
