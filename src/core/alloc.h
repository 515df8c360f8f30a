/*
 * alloc.h: the core's allocation of arrays whose length comes from a document or a
 * file, where count·size must not wrap.
 */
#ifndef ZKML_ALLOC_H
#define ZKML_ALLOC_H

#include <stdint.h>
#include <stdlib.h>

/* calloc of count elements (at least one) of size bytes; NULL if the product overflows. */
static inline void *
alloc_array(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return calloc(count, size);
}

#endif
