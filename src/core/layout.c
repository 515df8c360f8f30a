/*
 * layout.c: column placement and claim lifting (docs/protocol.md 6.3).
 */
#include <stdlib.h>

#include "layout.h"

int
layout_place(size_t *offsets, const unsigned *log_sizes, size_t n)
{
    size_t placed = 0, total = 0, i;
    unsigned size, l = 0;

    if (n == 0)
        return -1;
    for (i = 0; i < n; i++)
        if (log_sizes[i] > LAYOUT_MAX_LOG)
            return -1;
    /* largest first; within one size, declared order: one pass per size suffices */
    for (size = LAYOUT_MAX_LOG + 1; size-- > 0 && placed < n;)
        for (i = 0; i < n; i++)
            if (log_sizes[i] == size) {
                offsets[i] = total;
                total += (size_t)1 << size;
                placed++;
            }
    while (((size_t)1 << l) < total)
        l++;
    return (int)l;
}

int
layout_claim_point(fq_t *out, const fq_t *z, unsigned kappa, size_t offset, unsigned l)
{
    size_t block;
    unsigned i;

    if (kappa > l || l > LAYOUT_MAX_LOG || (offset & (((size_t)1 << kappa) - 1)) != 0 ||
        offset >= ((size_t)1 << l))
        return -1;
    block = offset >> kappa;
    for (i = 0; i < kappa; i++)
        out[i] = z[i];
    for (i = kappa; i < l; i++) {
        if ((block >> (i - kappa)) & 1)
            out[i] = FQ_ONE;
        else
            fq_set_zero(&out[i]);
    }
    return 0;
}
