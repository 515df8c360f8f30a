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

/* Arrays of this many bytes or more are advised as huge pages. */
#define ALLOC_HUGE_MIN ((size_t)2 << 20)

/* calloc of count elements (at least one) of size bytes; NULL if the product overflows.
 * Freed with free(). */
void *alloc_array(size_t count, size_t size);

/* The same, not zeroed (malloc): for arrays written in full before they are read. */
void *alloc_array_uninit(size_t count, size_t size);

#endif
