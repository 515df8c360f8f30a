/*
 * layout.h: placing columns in one committed polynomial, and lifting a claim on a
 * column to a claim on the polynomial (docs/protocol.md 6.3, "Placement").
 *
 * Columns have power-of-two sizes 2^κ.  They are sorted by size, largest first (ties
 * keep the declared order), and placed one after the other from offset 0; each offset is
 * then a multiple of the column's own size.  The total is padded with zeros to 2^l.  A
 * claim col~(z) with z in F^κ on a column at offset o is the claim
 *   P~(z, bits_{l-κ}(o / 2^κ))
 * on the whole polynomial, the high coordinates being the bits (LSB-first) of o / 2^κ.
 */
#ifndef ZKML_LAYOUT_H
#define ZKML_LAYOUT_H

#include <stddef.h>

#include "field.h"

#define LAYOUT_MAX_LOG 40

/*
 * Place n columns of 2^log_sizes[i] entries: offsets[i] receives column i's offset
 * (in declared order).  Returns l, the variables of the padded polynomial, or -1 if a
 * size exceeds LAYOUT_MAX_LOG or n is 0.
 */
int layout_place(size_t *offsets, const unsigned *log_sizes, size_t n);

/*
 * out[0 .. l-1] = (z_1 .. z_κ, bits of offset / 2^κ): the point of the lifted claim.
 * The offset must be a multiple of 2^κ below 2^l (as layout_place makes it); returns 0,
 * or -1 if it is not.
 */
int layout_claim_point(fq_t *out, const fq_t *z, unsigned kappa, size_t offset, unsigned l);

#endif
