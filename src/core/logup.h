/*
 * logup.h: lookups by LogUp with committed inverses (docs/protocol.md 6.3, 7.3, 7.7, 7.8).
 *
 * A lookup shows that every entry f[x] of a committed column (or of a γ-combination of
 * two columns, f = q + γ·a) is a row of a public table t.  With the multiplicities
 * m[y] (how often row y is looked up, padding included) and a random α:
 *
 *   sum_x 1/(α - f[x]) = sum_y m[y]/(α - t[y])      (the LogUp identity)
 *
 * The prover commits h[x] = 1/(α - f[x]) and g[y] = m[y]/(α - t[y]) and proves, in one
 * batched sumcheck, that h and g are what they claim (zero-checks against eq(τ, ·)) and
 * that the sums agree (the ζ terms).  Per lookup instance k over n_k variables and per
 * table T over w variables, inside a sumcheck of n rounds:
 *
 *   LK_k = λ_k·eq(τ^(k), x)·(h·(α - f) - 1) + ζ_T·2^-(n-n_k)·h
 *   TB_T = λ_T·eq(τ^(T), y)·(g·(α - t) - m) - ζ_T·2^-(n-w)·g
 *
 * whose batched sum is zero exactly when everything holds (with high probability over
 * λ, ζ, τ, α).  This module holds the pieces every caller needs: the tables, the
 * multiplicities, the inverse columns, the two sumcheck instances and the linear forms
 * that tie their final values to committed scalars.
 */
#ifndef ZKML_LOGUP_H
#define ZKML_LOGUP_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "linrel.h"
#include "sumcheck.h"

#define LOGUP_MAX_LOG_SIZE 24

/*
 * A public table of 2^log_size rows.  Row y has the input y + in_offset and, for a
 * tuple table, the output out[y]; its field value is
 *   t[y] = (y + in_offset)                  single column (out = NULL), e.g. RANGE_w
 *   t[y] = (y + in_offset) + γ·out[y]       tuple table, e.g. ACT_l with offset -2^(Q-1)
 */
typedef struct {
    unsigned log_size;
    int64_t in_offset;
    const int32_t *out;
} logup_table;

/* t[y] for every row (2^log_size entries); gamma is ignored for single columns. */
void logup_table_values(fq_t *t, const logup_table *T, const fq_t *gamma);

/*
 * MLE(t)(z) for z in F^log_size, as the verifier computes it: sum_i 2^(i-1)·z_i +
 * in_offset, plus γ·MLE(out)(z) for a tuple table (O(2^log_size) work).  0, or -1 on
 * allocation failure.
 */
int logup_table_mle(fq_t *r, const logup_table *T, const fq_t *z, const fq_t *gamma);

/*
 * Add to m (2^log_size counters) the rows of n looked-up entries: inputs in[x] and,
 * for tuple tables, outputs out[x] (NULL otherwise).  Returns 0, or 1 if entry *bad is
 * not a row of the table (m is then partly updated).
 */
int logup_count(uint64_t *m, const logup_table *T, const int64_t *in, const int64_t *out,
                size_t n, size_t *bad);

/*
 * inv[i] = num[i]/(α - v[i]) for n entries (num NULL means 1): h from f, g from (m, t).
 * Returns 0; 1 if some α - v[i] is zero (the proof must abort, docs/protocol.md 7.3);
 * -1 on allocation failure.
 */
int logup_inverse_column(fq_t *inv, const fq_t *v, const fq_t *num, size_t n,
                         const fq_t *alpha);

/* ζ·2^-(n - n_k): the weight of an instance of n_k variables in an n-round sumcheck. */
void logup_zeta_weight(fq_t *out, const fq_t *zeta, unsigned n, unsigned n_k);

/*
 * The instance LK_k over the tables eq = EqTable(τ^(k)), h and f (2^n_k entries each,
 * folded in place by the sumcheck), with zeta_w = logup_zeta_weight(ζ_T, n, n_k).
 * Table indices: 0 eq, 1 h, 2 f.  0, or -1.
 */
int logup_lookup_instance(sumcheck_instance *in, unsigned n_k, fq_t *eq, fq_t *h, fq_t *f,
                          const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w);

/*
 * The instance TB_T over eq = EqTable(τ^(T)), g, t and m (2^w entries each), with
 * zeta_w = logup_zeta_weight(ζ_T, n, w).  Table indices: 0 eq, 1 g, 2 t, 3 m.  0 or -1.
 */
int logup_table_instance(sumcheck_instance *in, unsigned w, fq_t *eq, fq_t *g, fq_t *t,
                         fq_t *m, const fq_t *lambda, const fq_t *alpha,
                         const fq_t *zeta_w);

/*
 * The value of LK_k at its final point as a linear form over committed scalars:
 *   λ·e·(α·h - P - 1) + ζ_w·h,   e = eq(τ^(k), r^(k)) (public), P = h·f (committed,
 * with a product proof).  terms must have room for 2 entries.
 */
void logup_lookup_form(linrel_form *form, linrel_term terms[2], size_t id_h, size_t id_P,
                       const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w,
                       const fq_t *eq_at_r);

/*
 * The value of TB_T at its final point:  λ·e·((α - t(r))·g - m) - ζ_w·g,
 * e = eq(τ^(T), r^(T)) and t(r) = logup_table_mle (both public).  terms: room for 2.
 */
void logup_table_form(linrel_form *form, linrel_term terms[2], size_t id_g, size_t id_m,
                      const fq_t *lambda, const fq_t *alpha, const fq_t *zeta_w,
                      const fq_t *eq_at_r, const fq_t *t_at_r);

#endif
