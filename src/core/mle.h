/*
 * mle.h: multilinear extensions over F = F_q (docs/protocol.md 0).
 *
 * A table f of 2^k entries is a function on {0,1}^k with LSB-first index bits:
 * variable x_j goes with bit j-1 of the index (x_1 with the lowest bit).
 *   MLE(f)(z)   = sum_i f[i] · prod_j (bit_j(i) ? z_j : 1 - z_j)
 *   EqTable(z)  = T with T[i] = eq(z, bits(i)), so MLE(f)(z) = <f, EqTable(z)>.
 */
#ifndef ZKML_MLE_H
#define ZKML_MLE_H

#include <stddef.h>

#include "field.h"

/* The largest variable count these functions accept. */
#define MLE_MAX_VARS 62

/*
 * out[0 .. 2^k - 1] = EqTable(z_1 .. z_k): T = [1]; for j = 1..k:
 * T = (T·(1 - z_j)) ++ (T·z_j).  One multiplication per entry.  k <= MLE_MAX_VARS.
 */
void mle_eq_table(fq_t *out, const fq_t *z, unsigned k);

/* scale·EqTable(z), at the cost of EqTable alone (2^k multiplications). */
void mle_eq_table_scaled(fq_t *out, const fq_t *z, unsigned k, const fq_t *scale);

/*
 * r = MLE(f)(z) for a table of 2^k entries, by folding the lowest variable first
 * (fold(f, r)[i] = f[2i] + r·(f[2i+1] - f[2i])), streamed with O(k) memory.
 * k <= MLE_MAX_VARS.
 */
void mle_eval(fq_t *r, const fq_t *f, unsigned k, const fq_t *z);

/* mle_eval of a table of integers, each read as the field element it denotes (|f[i]| <
 * 2^63 < q). */
void mle_eval_i64(fq_t *r, const int64_t *f, unsigned k, const fq_t *z);

/*
 * Bind the lowest variable in place: f[i] = f[2i] + r·(f[2i+1] - f[2i]) for
 * i < 2^(k-1), so the first 2^(k-1) entries become the table of MLE(f)(r, x_2, ..).
 * 1 <= k <= MLE_MAX_VARS; entries from 2^(k-1) on are left as they were.
 */
void mle_fold(fq_t *f, unsigned k, const fq_t *r);

/* r = sum_i f[i] over the 2^k entries (the sum of MLE(f) over the hypercube). */
void mle_sum(fq_t *r, const fq_t *f, unsigned k);

#endif
