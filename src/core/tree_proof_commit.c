/*
 * tree_proof_commit.c: the tree proof's commitments and challenges around its lookup tree
 * (docs/protocol.md 16.4): P1 and the mask, α and γ (items 9-11); τ, the pre-claims, λ
 * and ρ (items 17-19).
 */

#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "mle.h"
#include "pedersen.h"
#include "runtime.h"
#include "tree_proof_internal.h"

/*
 * The Hyrax rows of an int32 polynomial (docs/protocol.md 4.2), as hyrax_commit_small computes them,
 * but every row through the int32 MSM: P1's keys, thresholds and large multiplicities
 * (up to 2^31 in magnitude) cost their bit length rather than a full scalar each.
 */
int
tp_commit_rows_i32(hyrax_commitment *h, const int32_t *P, unsigned l, const fq_t *beta)
{
    size_t nrows, ncols;
    const ge_t *V;
    gep_t *acc;
    ptrdiff_t r;
    int failed = 0;

    memset(h, 0, sizeof *h);
    h->l = l;
    hyrax_split(l, &h->lc, &h->lr);
    nrows = (size_t)1 << h->lr;
    ncols = (size_t)1 << h->lc;
    V = generators_V(ncols);
    h->rows = malloc(nrows * sizeof(ge_t));
    acc = malloc(nrows * sizeof(gep_t));
    if (V == NULL || h->rows == NULL || acc == NULL) {
        free(acc);
        hyrax_commitment_free(h);
        return -1;
    }
#pragma omp parallel for num_threads(zkml_threads()) schedule(dynamic) reduction(|:failed)
    for (r = 0; r < (ptrdiff_t)nrows; r++) {
        gep_t blind;

        if (failed || zkml_interrupted_in_region()) {
            failed |= 1;
            continue;
        }
        if (msm_i32(&acc[r], V, P + (size_t)r * ncols, ncols, 1) != 0) {
            failed |= 1;
            continue;
        }
        pedersen_blind(&blind, &beta[r]);
        gep_add(&acc[r], &acc[r], &blind);
    }
    if (!failed)
        ge_set_gep_batch(h->rows, acc, nrows);
    free(acc);
    if (failed) {
        hyrax_commitment_free(h);
        return -1;
    }
    return 0;
}

/* ---- items 9-11: P1, the mask, α and γ ---- */

int
tp_commit(tctx *c)
{
    unsigned lc, lr;
    size_t i;

    hyrax_split(c->l1, &lc, &lr);
    if (c->prover) {
        c->beta1 = tp_alloc(c, (size_t)1 << lr, sizeof(fq_t));
        c->mask = tp_alloc(c, c->nM, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        if (drbg_scalars(&c->rng, c->beta1, (size_t)1 << lr) != 0 ||
            drbg_scalars(&c->rng, c->mask, c->nM) != 0 || drbg_scalar(&c->rng, &c->bM) != 0)
            return tp_fail(c, "the prover's random generator failed");
    }
    if (tp_exchange_rows(c, "P1/rows", &c->c1, c->l1, c->p1, c->beta1) != 0)
        return -1;
    if (c->prover) {
        gep_t p;

        if (pedersen_comv_fixed(&p, c->mask, c->nM, &c->bM) != 0)
            return tp_fail(c, "could not commit the mask");
        ge_set_gep(&c->CM, &p);
    }
    if (tp_exchange_points(c, "mask/C", &c->CM, 1) != 0)
        return -1;
    if (transcript_challenge(&c->t, "lookup/alpha", 0, &c->alpha) != 0 ||
        transcript_challenge(&c->t, "lookup/gamma", 0, &c->gamma) != 0)
        return tp_fail(c, "transcript failure");
    c->gpow[0] = FQ_ONE;
    for (i = 1; i < 4; i++)
        fq_mul(&c->gpow[i], &c->gpow[i - 1], &c->gamma);
    tp_row_table_values(c);
    return 0;
}

/* ---- items 17-19: τ, the pre-claims, λ, ρ ---- */

int
tp_preclaims(tctx *c)
{
    size_t i;

    if (transcript_challenges(&c->t, "tree/tau-z", 0, c->tau_z, c->g) != 0 ||
        (c->beta > 0 && transcript_challenges(&c->t, "tree/tau-s", 0, c->tau_s, c->beta) != 0) ||
        transcript_challenges(&c->t, "lk/tau", 0, c->tau_lk, c->n1) != 0)
        return tp_fail(c, "transcript failure");
    if (c->table) {
        fq_t v[2 + TP_LIMBS_MAX];
        size_t n = 2 + c->K, k, first;

        if (c->prover) {
            fq_t *e = tp_alloc(c, (size_t)1 << c->beta, sizeof(fq_t));
            size_t cols[2 + TP_LIMBS_MAX] = {c->col_S, c->col_Q, c->col_L0, c->col_L0 + 1,
                                             c->col_L0 + 2};

            if (e == NULL)
                return -1;
            mle_eq_table(e, c->tau_s, c->beta);
            for (k = 0; k < n; k++) {
                size_t x;
                fq_t t;

                fq_set_zero(&v[k]);
                for (x = 0; x < ((size_t)1 << c->beta); x++) {
                    fq_mul(&t, &e[x], &c->P1f[c->off1[cols[k]] + x]);
                    fq_add(&v[k], &v[k], &t);
                }
            }
        }
        if (tp_exchange_committed(c, "S1/pre-claims", v, n, &first) != 0)
            return -1;
        c->id_pre = first;
        tp_add_claim(c, POLY_P1, c->off1[c->col_S], c->beta, c->tau_s, first);
        tp_add_claim(c, POLY_P1, c->off1[c->col_Q], c->beta, c->tau_s, first + 1);
        for (k = 0; k < c->K; k++)
            tp_add_claim(c, POLY_P1, c->off1[c->col_L0 + k], c->beta, c->tau_s, first + 2 + k);
    }
    if (transcript_challenges(&c->t, "S1/lambda-z", 0, c->lam_z, 3 * (size_t)c->D) != 0 ||
        transcript_challenge(&c->t, "S1/lambda-s", 0, &c->lam_s) != 0 ||
        (c->committed &&
         transcript_challenges(&c->t, "S1/lambda-in", 0, c->lam_in, 2) != 0) ||
        transcript_challenge(&c->t, "S1/rho", 1, &c->rho1) != 0)
        return tp_fail(c, "transcript failure");
    /* test seam: a check switched off in both roles */
    for (i = 0; i < c->D; i++) {
        if (tp_skipped(c, TREE_CHECK_BIT, (unsigned)i))
            fq_set_zero(&c->lam_z[3 * i]);
        if (tp_skipped(c, TREE_CHECK_MISSING, (unsigned)i))
            fq_set_zero(&c->lam_z[3 * i + 1]);
        if (tp_skipped(c, TREE_CHECK_COMPARE, (unsigned)i))
            fq_set_zero(&c->lam_z[3 * i + 2]);
    }
    if (tp_skipped(c, TREE_CHECK_SUM, 0))
        fq_set_zero(&c->lam_s);
    if (tp_skipped(c, TREE_CHECK_INPUT, 0)) {
        fq_set_zero(&c->lam_in[0]);
        fq_set_zero(&c->lam_in[1]);
    }
    return 0;
}
