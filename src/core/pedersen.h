/*
 * pedersen.h: Pedersen commitments (docs/protocol.md 4.1).
 *
 *   Com1(v; b) = v·G + b·H
 *   ComV(x; b) = sum_i x_i·V_i + b·H
 *
 * Perfectly hiding; binding under discrete log on Grumpkin.  The blind b and the
 * value v of Com1 are multiplied in constant time (gep_mul_ct).  The vector part of
 * ComV is a Pippenger MSM (msm.h), whose memory pattern depends on the entries x_i:
 * for secret x that is variable time, acceptable only on a host not shared with an
 * adversary (docs/protocol.md 2).
 *
 * ComV uses generators_V(n): when called from a worker thread, generators_V(n) must
 * already have been called on the main thread (generators.h).  Its MSM runs with
 * zkml_threads() threads.
 */
#ifndef ZKML_PEDERSEN_H
#define ZKML_PEDERSEN_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "group.h"

void pedersen_com1(gep_t *r, const fq_t *v, const fq_t *b);

/*
 * r_i = Com1(v_i; b_i) in affine form for i < n, on zkml_threads() threads (a prover's
 * committed scalars; main thread only).  0, or -1 on an allocation failure.
 */
int pedersen_com1_many(ge_t *r, const fq_t *v, const fq_t *b, size_t n);

/* r = b·H, constant time in b (the blind of every commitment). */
void pedersen_blind(gep_t *r, const fq_t *b);

/* ComV of n = 0 entries is b·H.  0, or -1 on an allocation failure. */
int pedersen_comv(gep_t *r, const fq_t *x, size_t n, const fq_t *b);

/*
 * ComV through the fixed-base table of V (generators_V_table), the same point as
 * pedersen_comv at about half the cost of a plain MSM: for provers, which build that
 * table for their IPAs anyway.  Main thread only.  0 or -1.
 */
int pedersen_comv_fixed(gep_t *r, const fq_t *x, size_t n, const fq_t *b);

/* ComV of small integer entries (x_i mod q); the same point as pedersen_comv. */
int pedersen_comv_small(gep_t *r, const int32_t *x, size_t n, const fq_t *b);

#endif
