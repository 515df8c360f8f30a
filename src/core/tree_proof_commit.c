/*
 * tree_proof_commit.c: steps 1-6 of the tree proof (docs/protocol.md 16.4): P1 and the mask,
 * α and γ, the inverse columns P2 (committed by table entry), τ, the pre-claims, λ, ζ, ρ.
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

/*
 * The entry of its table that lookup lk reads at grid cell x (docs/protocol.md 16.3), for
 * the lookups whose inverse columns P2 commits by grouped_row: NODE (the slot of level
 * s plus 2^ν·t), LEAF (the leaf plus 2^ν·t), ROW (b + 2^β·f_s), the limbs (c_s0, c_s1).
 * Two cells of the same entry have the same f, hence the same h, for an honest prover.
 */
static uint32_t
lookup_group(const tctx *c, const tlookup *lk, size_t x)
{
    uint32_t i = lk->kind == LK_NODE ? 1 : 0;
    unsigned j, steps = lk->kind == LK_NODE ? lk->s : c->D;

    switch (lk->kind) {
    case LK_ROW:
        return (uint32_t)((x & (((size_t)1 << c->beta) - 1)) +
                          ((size_t)(uint32_t)c->p1[c->off1[tp_gcol(lk->s, GF)] + x] << c->beta));
    case LK_C0:
        return (uint32_t)c->p1[c->off1[tp_gcol(lk->s, GC0)] + x];
    case LK_C1:
        return (uint32_t)c->p1[c->off1[tp_gcol(lk->s, GC1)] + x];
    default:                            /* LK_NODE, LK_LEAF */
        for (j = 0; j < steps; j++)
            i = 2 * i + (uint32_t)c->p1[c->off1[tp_gcol(j, GB)] + x];
        return i + (uint32_t)((x >> c->beta) << c->nu);
    }
}

/* The number of entries of the table lk reads (the range of lookup_group). */
static size_t
lookup_groups(const tctx *c, const tlookup *lk)
{
    return lk->kind == LK_ROW ? (size_t)1 << (c->beta + c->lnf) :
           lk->kind == LK_C0 || lk->kind == LK_C1 ? (size_t)1 << 16 :
           (size_t)1 << (c->tau + c->nu);
}

/* The grid lookup whose inverse column holds all of P2's entries [lo, hi), if any. */
static const tlookup *
grouped_lookup(const tctx *c, size_t lo, size_t hi, size_t *offset)
{
    size_t k;

    for (k = 0; k < c->nlk; k++) {
        const tlookup *lk = &c->lk[k];

        if (lk->kind != LK_OUT && lk->kind != LK_LIMB && lo >= c->off2[k] &&
            hi <= c->off2[k] + ((size_t)1 << lk->vars)) {
            *offset = c->off2[k];
            return lk;
        }
    }
    return NULL;
}

/*
 * One row of P2 inside a lookup's inverse column: h = 1/(α - f) has one value per table
 * entry, and a row of 2^lc cells often reads far fewer entries (2^(lc-β) trees of 2^s
 * slots at level s, 2^D leaves each; limbs of nearby differences), so Σ_j h_j·V_j is
 * taken as Σ_y h(y)·(Σ_{j: y_j = y} V_j): one mixed addition per cell and an MSM over
 * the distinct entries.  A row of more than 2^lc / 4 distinct entries (where this stops
 * paying), or with two cells of one entry holding different values (only a lying
 * prover's witness), takes the fixed-base MSM.  scratch: a group number per table
 * entry, all -1, and left so.
 */
static int
grouped_row(gep_t *r, const tctx *c, const tlookup *lk, size_t col_lo, const fq_t *h,
            const ge_t *V, const msm_fixed_table *tab, size_t ncols, int32_t *scratch)
{
    gep_t *acc = malloc(ncols * sizeof(gep_t));
    ge_t *pts = malloc(ncols * sizeof(ge_t));
    fq_t *k = malloc(ncols * sizeof(fq_t));
    uint32_t *used = malloc(ncols * sizeof(uint32_t));
    size_t j, ng = 0;
    int rc = -1, same = 1;

    if (acc != NULL && pts != NULL && k != NULL && used != NULL) {
        for (j = 0; j < ncols && same; j++) {
            uint32_t y = lookup_group(c, lk, col_lo + j);
            int32_t g;

            if (y >= lookup_groups(c, lk)) {
                same = 0;       /* not an entry of the table: a lying witness */
                break;
            }
            g = scratch[y];
            if (g < 0 && ng >= ncols / 4) {
                same = 0;       /* too many entries for the grouping to pay */
                break;
            }
            if (g < 0) {
                g = scratch[y] = (int32_t)ng;
                used[ng] = y;
                k[ng] = h[j];
                gep_set_infinity(&acc[ng]);
                ng++;
            } else if (memcmp(&k[g], &h[j], sizeof(fq_t)) != 0) {
                same = 0;       /* a witness whose f is not the entry's (a forgery) */
                break;
            }
            gep_add_ge(&acc[g], &acc[g], &V[j]);
        }
        for (j = 0; j < ng; j++)
            scratch[used[j]] = -1;
        if (same) {
            ge_set_gep_batch(pts, acc, ng);
            rc = msm(r, pts, k, ng, 1);
        } else {
            rc = msm_fixed(r, tab, h, ncols, 1);
        }
    }
    free(acc);
    free(pts);
    if (k != NULL)
        explicit_bzero(k, ncols * sizeof(fq_t));
    free(k);
    free(used);
    return rc;
}

/*
 * The Hyrax rows of P2 (docs/protocol.md 4.2), the commitment hyrax_commit computes: rows inside the
 * inverse column of a grid lookup by grouped_row, the others by the fixed-base MSM.
 */
int
tp_commit_p2(tctx *c, hyrax_commitment *h, const fq_t *beta)
{
    size_t nrows, ncols, groups = 0, k;
    const ge_t *V;
    const msm_fixed_table *tab;
    gep_t *acc;
    ptrdiff_t r;
    int failed = 0;

    memset(h, 0, sizeof *h);
    h->l = c->l2;
    hyrax_split(c->l2, &h->lc, &h->lr);
    nrows = (size_t)1 << h->lr;
    ncols = (size_t)1 << h->lc;
    V = generators_V(ncols);
    tab = generators_V_table(ncols);
    for (k = 0; k < c->nlk; k++)
        groups = lookup_groups(c, &c->lk[k]) > groups ? lookup_groups(c, &c->lk[k]) : groups;
    h->rows = malloc(nrows * sizeof(ge_t));
    acc = malloc(nrows * sizeof(gep_t));
    if (V == NULL || tab == NULL || h->rows == NULL || acc == NULL) {
        free(acc);
        hyrax_commitment_free(h);
        return -1;
    }
#pragma omp parallel num_threads(zkml_threads()) reduction(|:failed)
    {
        int32_t *scratch = malloc(groups * sizeof(int32_t));
        size_t i;

        if (scratch == NULL)
            failed |= 1;
        for (i = 0; scratch != NULL && i < groups; i++)
            scratch[i] = -1;
#pragma omp for schedule(dynamic)
        for (r = 0; r < (ptrdiff_t)nrows; r++) {
            size_t lo = (size_t)r * ncols, col_lo;
            const tlookup *lk;
            gep_t blind;
            int rc;

            if (failed || scratch == NULL || zkml_interrupted_in_region()) {
                failed |= 1;
                continue;
            }
            lk = grouped_lookup(c, lo, lo + ncols, &col_lo);
            rc = lk != NULL ? grouped_row(&acc[r], c, lk, lo - col_lo, c->P2f + lo, V, tab,
                                          ncols, scratch)
                            : msm_fixed(&acc[r], tab, c->P2f + lo, ncols, 1);
            if (rc != 0) {
                failed |= 1;
                continue;
            }
            pedersen_blind(&blind, &beta[r]);
            gep_add(&acc[r], &acc[r], &blind);
        }
        free(scratch);
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

/* ---- steps 1-3: P1, the mask, α and γ, P2 ---- */

int
tp_commit(tctx *c)
{
    unsigned lc, lr;
    size_t i, k;

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
    if (tp_exchange_rows(c, "P1/rows", &c->c1, c->l1, c->p1, NULL, c->beta1) != 0)
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
    hyrax_split(c->l2, &lc, &lr);
    if (c->prover) {
        size_t mark;

        c->P2f = tp_alloc(c, (size_t)1 << c->l2, sizeof(fq_t));
        c->beta2 = tp_alloc(c, (size_t)1 << lr, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        {
            ptrdiff_t j;
            int vanished = 0;

            /* the f columns stay for S1, which folds them */
            for (k = 0; k < c->nlk; k++)
                if ((c->fcol[k] = tp_alloc(c, (size_t)1 << c->lk[k].vars, sizeof(fq_t))) == NULL)
                    return -1;
            /* one lookup per thread: each column and its batch inversion are sequential */
#pragma omp parallel for schedule(dynamic) num_threads(zkml_threads()) reduction(|:vanished)
            for (j = 0; j < (ptrdiff_t)c->nlk; j++) {
                size_t n = (size_t)1 << c->lk[j].vars;

                if (vanished || zkml_interrupted_in_region()) {
                    vanished |= 1;
                    continue;
                }
                tp_lookup_f_column(c, &c->lk[j], c->fcol[j]);
                if (logup_inverse_column(c->P2f + c->off2[j], c->fcol[j], NULL, n,
                                         &c->alpha) != 0)
                    vanished |= 1;
            }
            if (zkml_interrupted())
                return tp_fail(c, "interrupted");
            if (vanished)
                return tp_fail(c, "a lookup denominator vanished; prove again");
        }
        for (k = 0; k < c->ntb; k++) {
            size_t n = (size_t)1 << c->tb[k].vars;
            fq_t *tv;

            mark = c->n_mem;
            if ((tv = tp_alloc(c, n, sizeof(fq_t))) == NULL)
                return -1;
            tp_table_t_column(c, &c->tb[k], tv);
            if (logup_inverse_column(c->P2f + c->off2[c->nlk + k], tv,
                                     c->P1f + c->off1[c->tb[k].mcol], n, &c->alpha) != 0)
                return tp_fail(c, "a table denominator vanished; prove again");
            tp_release(c, mark);
        }
        if (drbg_scalars(&c->rng, c->beta2, (size_t)1 << lr) != 0)
            return tp_fail(c, "the prover's random generator failed");
    }
    return tp_exchange_rows(c, "P2/rows", &c->c2, c->l2, NULL, c->P2f, c->beta2);
}

/* ---- steps 4-6: τ, the pre-claims, λ, ζ, ρ ---- */

int
tp_preclaims(tctx *c)
{
    size_t i;

    if (transcript_challenges(&c->t, "tree/tau-z", 0, c->tau_z, c->g) != 0 ||
        (c->beta > 0 && transcript_challenges(&c->t, "tree/tau-s", 0, c->tau_s, c->beta) != 0) ||
        transcript_challenges(&c->t, "lk/tau", 0, c->tau_lk, c->n1) != 0)
        return tp_fail(c, "transcript failure");
    if (c->table) {
        fq_t v[2 + 2];
        size_t n = 2 + c->K, k, first;

        if (c->prover) {
            fq_t *e = tp_alloc(c, (size_t)1 << c->beta, sizeof(fq_t));
            size_t cols[4] = {c->col_S, c->col_Q, c->col_L0, c->col_L0 + 1};

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
        transcript_challenges(&c->t, "S1/lambda-lk", 0, c->lam_lk, c->nlk) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-tb", 0, c->lam_tb, c->ntb) != 0 ||
        transcript_challenges(&c->t, "S1/zeta", 0, c->zeta, c->ntb) != 0 ||
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
