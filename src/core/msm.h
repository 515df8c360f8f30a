/*
 * msm.h: multi-scalar multiplication sum_i k_i·P_i over Grumpkin (PROTOCOL.md 2).
 *
 * Pippenger's bucket method with signed digits, a window chosen by size, batch-affine
 * bucket accumulation, zero scalars skipped, and a dedicated path for small signed
 * scalars; Straus's method for a few points.  The result is the same group element
 * whatever the thread count.  These functions may run OpenMP regions with up to
 * `threads` threads; they allocate with the C library only (malloc, aligned_alloc) and
 * return nonzero if an allocation failed (r is then undefined).
 * Points may repeat and may be the identity.  Variable time: the memory pattern depends
 * on the scalars (see PROTOCOL.md 2 on hosts shared with an adversary).
 */
#ifndef ZKML_MSM_H
#define ZKML_MSM_H

#include "group.h"

/* r = sum_i k[i]·P[i], k in Montgomery form. */
int msm(gep_t *r, const ge_t *P, const fq_t *k, size_t n, int threads);

/*
 * r = sum_i v[i]·P[i] for small signed scalars, |v[i]| < 2^17 (MSM_SMALL_BOUND).
 * Returns nonzero, with r the identity, if some |v[i]| >= MSM_SMALL_BOUND.
 */
#define MSM_SMALL_BOUND (1 << 17)
int msm_small(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads);

/*
 * msm by Pippenger's method with a given window width c in [1, MSM_MAX_WINDOW] (tests,
 * benchmarks); returns nonzero for any other c.  msm_window_bits is the width msm
 * chooses for n points whose longest scalar has scalar_bits bits, on `threads` threads
 * (for a few points msm may take Straus's method instead).
 */
#define MSM_MAX_WINDOW 20
int msm_with_window(gep_t *r, const ge_t *P, const fq_t *k, size_t n, int threads,
                    unsigned c);
unsigned msm_window_bits(size_t n, unsigned scalar_bits, int threads);

/* Reference: the plain sum of gep_mul_vartime products (tests and tiny inputs). */
void msm_naive(gep_t *r, const ge_t *P, const fq_t *k, size_t n);

#endif
