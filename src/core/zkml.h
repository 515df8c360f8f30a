/*
 * zkml.h: process-wide entry points of the core library.
 */
#ifndef ZKML_ZKML_H
#define ZKML_ZKML_H

#define ZKML_VERSION "0.1.0"

/*
 * Initialise the core: check the field constants against GMP, build the fixed
 * generators G and H.  Returns NULL on success or a static message describing a fatal
 * internal error.  Idempotent; call on the main thread, never from a parallel region.
 */
const char *zkml_init(void);

/* Threads used by parallel regions of the core (>= 1). */
void zkml_set_threads(int n);
int zkml_threads(void);

#endif
