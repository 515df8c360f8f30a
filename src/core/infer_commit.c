/*
 * infer_commit.c: steps 1-3 of the inference proof (docs/protocol.md 7;
 * docs/protocol.md 7): P1 committed, the mask and C_M, α and γ, P2 (the inverse
 * columns h_k of the lookups and g_T of the tables) committed.  Version 2 commits no
 * P2: it draws the tree's η_T and ρ_G instead (docs/protocol.md 7.18.2).
 */
#include <stddef.h>
#include <stdint.h>

#include "infer_phases.h"
#include "logup.h"
#include "pedersen.h"
#include "runtime.h"

/* ---- steps 1-3: P1 and the mask, α and γ, P2 ---- */

/* f_k at entry x (step 3): the limb for a range lookup, q + γ·a for an activation
 * lookup (a public in the last layer), v + c_k for an input lookup of committed mode
 * (docs/protocol.md 7.20.3).  Also the f of S1's LK_k (step 7). */
int
infer_lookup_f(ictx *c, unsigned k, size_t x, fq_t *f)
{
    const infer_lookup *lk = &c->lay->lookups[k];

    ictx_p1_entry(c, c->lay->p1[lk->col_in].offset + x, f);
    if (lk->is_input) {                             /* + c_k = (2^w - 1) + γ·w */
        unsigned w = infer_input_limb_width(c->lay, x >> c->lay->beta, lk->limb);
        fq_t cw;

        if (w == 0)
            return 0;
        fq_set_u64(&cw, w);
        fq_mul(&cw, &cw, &c->gamma);
        fq_add(f, f, &cw);
        fq_set_u64(&cw, ((uint64_t)1 << w) - 1);
        fq_add(f, f, &cw);
        return 0;
    }
    if (lk->is_act) {
        fq_t a;

        if (lk->col_out >= 0)
            ictx_p1_entry(c, c->lay->p1[lk->col_out].offset + x, &a);
        else
            a = c->outpub[x];
        fq_mul(&a, &a, &c->gamma);
        fq_add(f, f, &a);
    }
    return 0;
}

/* Entries per block of P2's columns, the interrupt hook asked between blocks. */
#define P2_BLOCK ((size_t)1 << 16)

/* out[i] = num[i] / (α - v[i]) (num NULL: 1) in blocks; fails with vanished for a zero
 * denominator.  A block costs one inversion more than a single batch, nothing to see. */
static int
p2_column(ictx *c, fq_t *out, const fq_t *v, const fq_t *num, size_t n, const char *vanished)
{
    size_t lo, m;

    for (lo = 0; lo < n; lo += m) {
        m = n - lo < P2_BLOCK ? n - lo : P2_BLOCK;
        if (zkml_interrupted())
            return ictx_fail(c, "interrupted");
        if (logup_inverse_column(out + lo, v + lo, num != NULL ? num + lo : NULL, m,
                                 &c->alpha) != 0)
            return ictx_fail(c, vanished);
    }
    return 0;
}

int
infer_step_commit(ictx *c)
{
    size_t nrows, i, k, t;
    int32_t *small = NULL;
    int drawn = 0;

    nrows = (size_t)1 << c->lay->lr_P;
    if (c->prover) {
        size_t len = (size_t)1 << c->lay->l_P;

        small = ictx_alloc(c, len, sizeof(int32_t));
        c->beta1 = ictx_alloc(c, nrows, sizeof(fq_t));
        c->beta2 = ictx_alloc(c, nrows, sizeof(fq_t));
        c->mask = ictx_alloc(c, c->nM, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (len >= ZKML_PARALLEL_MIN)
        for (i = 0; i < len; i++)
            small[i] = (int32_t)c->p1[i];
        if (drbg_scalars(&c->rng, c->beta1, nrows) != 0 ||
            drbg_scalars(&c->rng, c->mask, c->nM) != 0 || drbg_scalar(&c->rng, &c->bM) != 0)
            return ictx_fail(c, "the prover's random generator failed");
    }
    /* test seam: an unsound order, a field-level tamper (infer_testing.h) */
    if (c->hooks != NULL && infer_seam_before_p1_rows(c, &small, &drawn) != 0)
        return -1;
    if (ictx_exchange_rows(c, "P1/rows", &c->c1, small, c->P1f, c->beta1) != 0)
        return -1;
    if (c->prover && c->hooks == NULL)
        c->p1_small = small;
    if (c->prover) {
        gep_t p;

        if (pedersen_comv_fixed(&p, c->mask, c->nM, &c->bM) != 0)
            return ictx_fail(c, "could not commit the mask");
        ge_set_gep(&c->CM, &p);
    }
    if (ictx_exchange_points(c, "mask/C", &c->CM, 1) != 0)
        return -1;
    if (!drawn && (transcript_challenge(&c->t, "lookup/alpha", 0, &c->alpha) != 0 ||
                   transcript_challenge(&c->t, "lookup/gamma", 0, &c->gamma) != 0))
        return ictx_fail(c, "transcript failure");
    if (c->hooks != NULL && c->prover && c->hooks->tamper_field_late &&
        c->hooks->tamper_field != NULL)             /* test seam: P1 changed after its rows */
        c->hooks->tamper_field(c->P1f, (size_t)1 << c->lay->l_P, c->lay, c->m, &c->alpha,
                               &c->gamma, c->hooks->arg);
    if (c->lay->version == 2)                       /* no P2: the tree's challenges */
        return infer_gkr_challenges(c);
    if (c->prover) {
        size_t len = (size_t)1 << c->lay->l_P;
        fq_t *f, *tv;

        c->P2f = ictx_alloc(c, len, sizeof(fq_t));
        if (c->P2f == NULL)
            return -1;
        for (k = 0; k < c->lay->n_lookups; k++) {
            size_t n = (size_t)1 << c->lay->lookups[k].log_size;

            f = ictx_alloc(c, n, sizeof(fq_t));
            if (f == NULL)
                return -1;
            for (i = 0; i < n; i++) {
                if ((i & (P2_BLOCK - 1)) == 0 && zkml_interrupted())
                    return ictx_fail(c, "interrupted");
                infer_lookup_f(c, (unsigned)k, i, &f[i]);
            }
            if (p2_column(c, c->P2f + c->lay->p2[k].offset, f, NULL, n,
                          "a lookup denominator vanished; prove again") != 0)
                return -1;
        }
        for (t = 0; t < c->lay->n_tables; t++) {
            const infer_table *T = &c->lay->tables[t];
            size_t n = (size_t)1 << T->log_size;

            tv = ictx_alloc(c, n, sizeof(fq_t));
            if (tv == NULL)
                return -1;
            logup_table_values(tv, &T->table, &c->gamma);
            if (p2_column(c, c->P2f + c->lay->p2[c->lay->n_lookups + t].offset, tv,
                          c->P1f + c->lay->p1[c->lay->col_mult0 + t].offset, n,
                          "a table denominator vanished; prove again") != 0)
                return -1;
        }
        if (drbg_scalars(&c->rng, c->beta2, nrows) != 0)
            return ictx_fail(c, "the prover's random generator failed");
        if (c->hooks != NULL && c->hooks->tamper_p2 != NULL)    /* test seam */
            c->hooks->tamper_p2(c->P2f, len, c->lay, c->m, &c->alpha, &c->gamma,
                                c->hooks->arg);
    }
    return ictx_exchange_rows(c, "P2/rows", &c->c2, NULL, c->P2f, c->beta2);
}
