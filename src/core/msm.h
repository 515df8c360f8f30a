/*
 * msm.h: multi-scalar multiplication sum_i k_i·P_i over Grumpkin (PROTOCOL.md 2).
 *
 * Pippenger's bucket method with signed digits, a window chosen by size, batch-affine
 * bucket accumulation, zero scalars skipped, and a dedicated path for small signed
 * scalars.  The result is the same group element whatever the thread count.  These
 * functions may run OpenMP regions with up to `threads` threads; they allocate with
 * malloc only and return nonzero if an allocation failed (r is then undefined).
 * Points may repeat and may be the identity.  Variable time: the memory pattern depends
 * on the scalars (see PROTOCOL.md 2 on hosts shared with an adversary).
 */
#ifndef ZKML_MSM_H
#define ZKML_MSM_H

#include "group.h"

/* r = sum_i k[i]·P[i], k in Montgomery form. */
int msm(gep_t *r, const ge_t *P, const fq_t *k, size_t n, int threads);

/* r = sum_i v[i]·P[i] for small signed scalars, |v[i]| < 2^17 (MSM_SMALL_BOUND). */
#define MSM_SMALL_BOUND (1 << 17)
int msm_small(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads);

/* Reference: the plain sum of gep_mul_vartime products (tests and tiny inputs). */
void msm_naive(gep_t *r, const ge_t *P, const fq_t *k, size_t n);

#endif
