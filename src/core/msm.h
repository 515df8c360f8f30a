/*
 * msm.h: multi-scalar multiplication sum_i k_i·P_i over Grumpkin (docs/protocol.md 2).
 *
 * Pippenger's bucket method with signed digits, a window chosen by size, batch-affine
 * bucket accumulation, zero scalars skipped, and a dedicated path for small signed
 * scalars; Straus's method for a few points.  The result is the same group element
 * whatever the thread count.  These functions may run OpenMP regions with up to
 * `threads` threads; they allocate with the C library only (malloc, aligned_alloc) and
 * return nonzero if an allocation failed (r is then undefined).
 * Points may repeat and may be the identity.  Variable time: the memory pattern depends
 * on the scalars (see docs/protocol.md 2 on hosts shared with an adversary).  Each thread
 * that ran a Pippenger window keeps its bucket scratch (a few MB) for the next call.
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

/* r = sum_i v[i]·P[i] for any int32 scalars (INT32_MIN included), by the signed digits of
 * msm_small over as many bits as the largest |v[i]| needs (at most 33). */
int msm_i32(gep_t *r, const ge_t *P, const int32_t *v, size_t n, int threads);

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

/*
 * Fixed bases: a table of the multiples 2^(c·w)·P_i of n points (none the identity),
 * built once (about 255 doublings per point, with up to `threads` threads) and kept.
 * msm_fixed is one window of Pippenger's method over all the multiples: no doublings
 * and one bucket reduction.  Measured on one thread with random scalars, it takes a
 * quarter of msm's time for a few hundred points, half at 1024 and two thirds at 4096.
 * The table holds n·ceil(255/c) affine points and their negations (c from 4 to 16,
 * chosen by n).
 */
typedef struct msm_fixed_table msm_fixed_table;

int msm_fixed_build(msm_fixed_table **t, const ge_t *P, size_t n, int threads);
void msm_fixed_free(msm_fixed_table *t);
size_t msm_fixed_size(const msm_fixed_table *t);

/* r = sum_{i < n} k[i]·P[i] over the first n bases of the table (n <= its size). */
int msm_fixed(gep_t *r, const msm_fixed_table *t, const fq_t *k, size_t n, int threads);

/*
 * Strided sums over a table: out[i] = sum_{t < nt} k[t]·P[i + m·t] for i < m (m·nt at
 * most the table's size), the bases an inner-product argument has folded down to m.  The
 * scalars are recoded once; each output is one window of Pippenger's method over its
 * nt·ceil(255/c) multiples, the outputs shared out over the threads.
 */
int msm_fixed_strided(gep_t *out, const msm_fixed_table *t, const fq_t *k, size_t nt,
                      size_t m, int threads);

/*
 * Wall-clock seconds spent in MSMs so far in this process, for benchmarks: every msm,
 * msm_small and msm_fixed called on the main thread, and every span a caller brackets
 * with msm_clock_begin / msm_clock_end (a parallel region of one-thread MSMs); nested
 * spans count once.  Main thread only.
 */
double msm_seconds(void);
double msm_clock_begin(void);
void msm_clock_end(double start);

/* Reference: the plain sum of gep_mul_vartime products (tests and tiny inputs). */
void msm_naive(gep_t *r, const ge_t *P, const fq_t *k, size_t n);

#endif
