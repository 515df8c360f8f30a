/*
 * alloc.h: the core's allocation of arrays whose length comes from a document or a
 * file, where count·size must not wrap (alloc.c).
 *
 * Large arrays (the prover's witness columns, tables and sumcheck vectors: hundreds of
 * megabytes a proof) are advised to the kernel as transparent huge pages where it
 * offers them, so that touching them costs one page fault per 2 MiB instead of one per
 * 4 KiB: measured, a tenth of the prover's time went to faults on 4 KiB pages.
 */
#ifndef ZKML_ALLOC_H
#define ZKML_ALLOC_H

#include <stddef.h>

#include "zkml.h"

/* Arrays of this many bytes or more are advised as huge pages. */
#define ALLOC_HUGE_MIN ((size_t)2 << 20)

/* calloc of count elements (at least one) of size bytes; NULL if the product overflows.
 * Freed with free(). */
void *alloc_array(size_t count, size_t size);

/* The same, not zeroed (malloc): for arrays written in full before they are read. */
void *alloc_array_uninit(size_t count, size_t size);

/*
 * A proof's scratch: its context's arrays, the lookup tree's layers, the sumcheck's
 * tables.  Freed, they are kept (up to a limit, oldest dropped first) for the next proof
 * of the process, which would otherwise fault every page in again: on a virtualised host
 * a fault costs microseconds, and a one-row tree proof spent a sixth of its time on them.
 *
 * scratch_alloc returns count·size zeroed bytes (count at least one), 64-byte aligned, or
 * NULL on overflow or when memory runs out; thread-safe.  scratch_free zeroes what it
 * releases, so a kept array holds no secret; NULL is a no-op; any other pointer than
 * scratch_alloc's aborts.  scratch_set_keep sets the limit (0: keep nothing, releasing
 * what is kept now); scratch_kept is what is kept now.
 */
#define ALLOC_SCRATCH_KEEP_DEFAULT ZKML_KEEP_MEMORY_DEFAULT     /* zkml.h */

void *scratch_alloc(size_t count, size_t size);
void scratch_free(void *p);
void scratch_set_keep(size_t bytes);
size_t scratch_kept(void);

#endif
