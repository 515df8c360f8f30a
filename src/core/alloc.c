/*
 * alloc.c: arrays with an overflow check, large ones on huge pages (alloc.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "alloc.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)

/* Advise the whole huge pages of a new block of bytes at p, before anything faults them
 * in (malloc and calloc return a large block fresh from mmap, untouched).  Advice only:
 * where the kernel has no huge pages it changes nothing. */
static void *
advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (p != NULL && bytes >= ALLOC_HUGE_MIN) {
        uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1),
                  hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);

        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#else
    (void)bytes;
#endif
    return p;
}

/* count·size bytes (count at least one), or 0 if the product overflows. */
static size_t
array_bytes(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    if (size == 0 || count > SIZE_MAX / size)
        return size == 0 ? 1 : 0;
    return count * size;
}

void *
alloc_array(size_t count, size_t size)
{
    size_t bytes = array_bytes(count, size);

    return bytes == 0 ? NULL : advise_huge(calloc(1, bytes), bytes);
}

void *
alloc_array_uninit(size_t count, size_t size)
{
    size_t bytes = array_bytes(count, size);

    return bytes == 0 ? NULL : advise_huge(malloc(bytes), bytes);
}
