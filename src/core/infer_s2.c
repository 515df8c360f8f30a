/*
 * infer_s2.c: steps 9-10 of the inference proof (docs/protocol.md 7):
 * S2, the claims reduction: θ and ρ2, the instances P1·K1, P2·K2 and W·K_W, the S2
 * finals and μ.  Version 2 (docs/protocol.md 7.18.5): the tree's leaf claims join the
 * claims last, two instances (P1·K1, W·K_W), two finals, no μ.
 */
#include <stddef.h>
#include <string.h>

#include "infer_phases.h"
#include "mle.h"
#include "runtime.h"

/* ---- version 2's P1·K1 without P1 or K1 at full size ---- */

/*
 * The prover's P1·K1 instance of version 2 as a deferred one (sumcheck.h): the same
 * messages, but neither P1 nor K1 is ever made at its 2^l_P entries, only bound at the
 * first round's challenge, at half that.  K1 = Σ_c θ_c·EqTable(z_c) on claim c's column
 * (its first entry even, so an entry 2y + b of the column has its lowest variable b):
 *   K1(b = X, y) = Σ_c θ_c·L_c(X)·EqTable(z_c,2 ..)(y),  L_c(X) = (1 - z_c,1) + X·(2z_c,1 - 1),
 * and the first round is s(X) = Σ_c θ_c·L_c(X)·(A_c + X·(B_c - A_c)), A_c and B_c the
 * sums over y of P1's entries 2y and 2y + 1 of the column weighted by EqTable(z_c,2 ..).
 * A claim on one entry (κ = 0) is the pair holding it, z_c,1 its lowest bit.
 */

/* Claim cl's pair range (first pair, pair count) and z_c,1. */
static void
p1_claim_pairs(const claim *cl, size_t *p0, size_t *np, fq_t *z1)
{
    *p0 = cl->offset >> 1;
    *np = cl->kappa > 0 ? (size_t)1 << (cl->kappa - 1) : 1;
    if (cl->kappa > 0)
        *z1 = cl->z[0];
    else if (cl->offset & 1)
        *z1 = FQ_ONE;
    else
        fq_set_zero(z1);
}

/* L_c(X) = (1 - z1) + X·(2z1 - 1) */
static void
p1_claim_l(fq_t *l, const fq_t *z1, const fq_t *X)
{
    fq_t t;

    fq_dbl(&t, z1);
    fq_sub(&t, &t, &FQ_ONE);
    fq_mul(&t, &t, X);
    fq_sub(l, &FQ_ONE, z1);
    fq_add(l, l, &t);
}

/*
 * scale·EqTable(z_c,2 ..) of claim cl (κ - 1 variables, none for κ <= 1) as two halves
 * in e, never made at its 2^(κ-1) entries: entry y is lo[y mod 2^nlo]·hi[y >> nlo], lo
 * the EqTable of the lower nlo variables (its entries add up to 1), hi the scaled one of
 * the others.  e holds 2^nlo + 2^(κ-1-nlo) entries.
 */
static void
p1_claim_eq_halves(fq_t *e, const claim *cl, const fq_t *scale, const fq_t **lo,
                   const fq_t **hi, unsigned *nlo)
{
    unsigned k = cl->kappa > 0 ? cl->kappa - 1 : 0;

    *nlo = k / 2;
    mle_eq_table(e, cl->z + 1, *nlo);
    mle_eq_table_scaled(e + ((size_t)1 << *nlo), cl->z + 1 + *nlo, k - *nlo, scale);
    *lo = e;
    *hi = e + ((size_t)1 << *nlo);
}

/*
 * A = Σ_y P[2y]·e[y], B = Σ_y P[2y + 1]·e[y] over np pairs, e in halves: per high index
 * a wide sum of the entries offset by 2^31 (so nonnegative) times lo, reduced, less 2^31
 * (lo adds up to 1), times hi.
 */
static void
pair_sums_i32(fq_t *A, fq_t *B, const int32_t *P, const fq_t *lo, const fq_t *hi,
              unsigned nlo, size_t np)
{
    const uint64_t off = (uint64_t)1 << 31;
    const size_t nl = (size_t)1 << nlo;
    fq_t offf;

    fq_set_u64(&offf, off);
    fq_set_zero(A);
    fq_set_zero(B);
#pragma omp parallel num_threads(zkml_threads()) if (np >= ZKML_PARALLEL_MIN)
    {
        fq_t a, b, t;
        ptrdiff_t yh;

        fq_set_zero(&a);
        fq_set_zero(&b);
#pragma omp for schedule(static)
        for (yh = 0; yh < (ptrdiff_t)(np >> nlo); yh++) {
            const int32_t *row = P + 2 * ((size_t)yh << nlo);
            fq_wide_t wa, wb;
            size_t yl;

            memset(&wa, 0, sizeof wa);
            memset(&wb, 0, sizeof wb);
            for (yl = 0; yl < nl; yl++) {
                fq_wide_mac(&wa, (uint64_t)((int64_t)row[2 * yl] + (int64_t)off), &lo[yl]);
                fq_wide_mac(&wb, (uint64_t)((int64_t)row[2 * yl + 1] + (int64_t)off), &lo[yl]);
            }
            fq_wide_reduce(&t, &wa);
            fq_sub(&t, &t, &offf);
            fq_mul(&t, &t, &hi[yh]);
            fq_add(&a, &a, &t);
            fq_wide_reduce(&t, &wb);
            fq_sub(&t, &t, &offf);
            fq_mul(&t, &t, &hi[yh]);
            fq_add(&b, &b, &t);
        }
#pragma omp critical(infer_s2_pair_sums)
        {
            fq_add(A, A, &a);
            fq_add(B, B, &b);
        }
    }
}

/* The first round's s(0), s(1), s(2) of P1·K1 from P1's int32 entries and the claims. */
static int
p1_first_round(ictx *c, fq_t first[3], fq_t *e)
{
    const int32_t *P = c->p1_small;
    const fq_t *lo, *hi;
    size_t i, p0, np;
    unsigned X, nlo;
    fq_t z1, A, B, v[3], l, x;

    for (X = 0; X < 3; X++)
        fq_set_zero(&first[X]);
    for (i = 0; i < c->n_claims; i++) {
        const claim *cl = &c->claims[i];

        if (cl->poly != POLY_P1)
            continue;
        if (zkml_interrupted())
            return ictx_fail(c, "interrupted");
        if (cl->kappa > 0 && (cl->offset & 1))
            return ictx_fail(c, "internal failure: a P1 column at an odd offset");
        p1_claim_pairs(cl, &p0, &np, &z1);
        p1_claim_eq_halves(e, cl, &FQ_ONE, &lo, &hi, &nlo);
        pair_sums_i32(&A, &B, P + 2 * p0, lo, hi, nlo, np);
        v[0] = A;                                   /* A + X·(B - A) at X = 0, 1, 2 */
        v[1] = B;
        fq_dbl(&v[2], &B);
        fq_sub(&v[2], &v[2], &A);
        for (X = 0; X < 3; X++) {
            fq_set_u64(&x, X);
            p1_claim_l(&l, &z1, &x);
            fq_mul(&l, &l, &c->theta[i]);
            fq_mul(&l, &l, &v[X]);
            fq_add(&first[X], &first[X], &l);
        }
    }
    return 0;
}

/* The maker's argument: the context and S2's scratch EqTable (2^κ + 1 entries for every
 * claim). */
typedef struct {
    ictx *c;
    fq_t *e;
} p1_deferred;

/* The deferred instance's maker: P1 and K1 bound at r, 2^(l_P - 1) entries each. */
static int
p1_make_bound(void *arg, const fq_t *r, fq_t **tables)
{
    ictx *c = ((p1_deferred *)arg)->c;
    fq_t *e = ((p1_deferred *)arg)->e;
    size_t half = (size_t)1 << (c->lay->l_P - 1), i, p0, np;
    const int32_t *P1 = c->p1_small;
    const fq_t *lo, *hi;
    unsigned nlo;
    fq_t *P, *K, z1, l;
    ptrdiff_t y;

    /* P is made as P·R^-1 and K as K·R, the same products: an integer v read as
     * Montgomery limbs stands for v·R^-1, so P·R^-1 = a + r·(b - a) in limbs takes one
     * product and no conversion; infer_step_s2 takes P's final times R */
    P = ictx_alloc(c, half, sizeof(fq_t));
    K = ictx_alloc(c, half, sizeof(fq_t));
    if (K == NULL)
        return -1;
    /* interleaved chunks: P1's zero tail, skipped below, would leave one thread idle */
#pragma omp parallel for schedule(static, 4096) num_threads(zkml_threads()) \
    if (half >= ZKML_PARALLEL_MIN)
    for (y = 0; y < (ptrdiff_t)half; y++) {
        int64_t a = P1[2 * y], b = P1[2 * y + 1];
        fq_t fa = {{(uint64_t)(a < 0 ? -a : a), 0, 0, 0}},
             d = {{(uint64_t)(b > a ? b - a : a - b), 0, 0, 0}};

        if (a == 0 && b == 0)                       /* the table is zeroed */
            continue;
        if (a < 0)
            fq_neg(&fa, &fa);
        if (b < a)
            fq_neg(&d, &d);
        fq_mul(&d, &d, r);
        fq_add(&P[y], &fa, &d);
    }
    for (i = 0; i < c->n_claims; i++) {
        const claim *cl = &c->claims[i];

        if (cl->poly != POLY_P1)
            continue;
        if (zkml_interrupted())
            return ictx_fail(c, "interrupted");
        p1_claim_pairs(cl, &p0, &np, &z1);
        p1_claim_l(&l, &z1, r);
        fq_mul(&l, &l, &c->theta[i]);
        fq_mul(&l, &l, &FQ_R2);                     /* K·R */
        p1_claim_eq_halves(e, cl, &l, &lo, &hi, &nlo);
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (np >= ZKML_PARALLEL_MIN)
        for (y = 0; y < (ptrdiff_t)(np >> nlo); y++) {
            fq_t *k = K + p0 + ((size_t)y << nlo), t;
            size_t yl;

            for (yl = 0; yl < ((size_t)1 << nlo); yl++) {
                fq_mul(&t, &hi[y], &lo[yl]);
                fq_add(&k[yl], &k[yl], &t);
            }
        }
    }
    tables[0] = P;
    tables[1] = K;
    return 0;
}

/* ---- steps 9-10: S2 ---- */

int
infer_step_s2(ictx *c)
{
    sumcheck_instance *inst = NULL;
    static const unsigned pk[2] = {0, 1};
    /* the polynomials of S2: P1, P2, W; version 2 has no P2 (docs/protocol.md 7.18.5) */
    static const int polys1[3] = {POLY_P1, POLY_P2, POLY_W}, polys2[2] = {POLY_P1, POLY_W};
    const int *polys = c->lay->version == 2 ? polys2 : polys1;
    size_t npoly = c->lay->version == 2 ? 2 : 3;
    fq_t v[3];
    size_t i, j, first, mark = c->n_mem;
    p1_deferred pd;                                 /* read by the sumcheck below */
    /* the prover of version 2 without the test seam: P1·K1 deferred, from P1's integers
     * (P1f is not made) */
    int defer = c->prover && c->lay->version == 2 && c->p1_small != NULL;

    if (c->lay->version == 2) {                     /* the leaf claims join last (3.5) */
        if (c->n_claims + c->n_leaf_claims > c->cap_com)
            return ictx_fail(c, "internal failure: too many claims");
        for (i = 0; i < c->n_leaf_claims; i++)
            c->claims[c->n_claims++] = c->leaf_claims[i];
    }
    if (transcript_challenges(&c->t, "S2/theta", 0, c->theta, c->n_claims) != 0 ||
        transcript_challenge(&c->t, "S2/rho", 1, &c->rho2) != 0)
        return ictx_fail(c, "transcript failure");
    if (c->prover) {
        fq_t *K[3] = {NULL, NULL, NULL}, *src[3] = {c->P1f, c->P2f, c->Wf}, *e, first[3];

        inst = ictx_alloc(c, npoly, sizeof(sumcheck_instance));
        for (i = 0; i < npoly; i++)
            if (!(defer && polys[i] == POLY_P1))
                K[polys[i]] = ictx_alloc(c, (size_t)1 << ictx_poly_vars(c, polys[i]),
                                         sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        /* K_X = Σ_c θ_c·EqTable(z^_c): nonzero only on the claim's own column; one
         * scratch table for all claims */
        for (i = 0, j = 0; i < c->n_claims; i++)
            j = c->claims[i].kappa > j ? c->claims[i].kappa : j;
        e = ictx_alloc(c, ((size_t)1 << j) + 1, sizeof(fq_t));   /* + 1: the halves of κ = 0 */
        if (e == NULL)
            return -1;
        for (i = 0; i < c->n_claims; i++) {
            const claim *cl = &c->claims[i];
            fq_t *k = K[cl->poly] + cl->offset;
            ptrdiff_t x, nx = (ptrdiff_t)1 << cl->kappa;

            if (K[cl->poly] == NULL)                /* deferred */
                continue;
            if (zkml_interrupted())
                return ictx_fail(c, "interrupted");
            mle_eq_table_scaled(e, cl->z, cl->kappa, &c->theta[i]);
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (nx >= ZKML_PARALLEL_MIN)
            for (x = 0; x < nx; x++)
                fq_add(&k[x], &k[x], &e[x]);
        }
        for (i = 0; i < npoly; i++) {
            unsigned vars = ictx_poly_vars(c, polys[i]);
            int x = polys[i];

            sumcheck_instance_init(&inst[i], vars);
            if (K[x] == NULL) {
                if (p1_first_round(c, first, e) != 0)
                    return -1;
                pd.c = c;
                pd.e = e;
                if (sumcheck_instance_defer(&inst[i], 2, first, 3, p1_make_bound, &pd) != 0)
                    return ictx_fail(c, "internal failure building S2");
            } else {
                fq_t *P = ictx_copy(c, src[x], (size_t)1 << vars);

                if (P == NULL)
                    return -1;
                if (sumcheck_instance_table(&inst[i], P) != 0 ||
                    sumcheck_instance_table(&inst[i], K[x]) != 1)
                    return ictx_fail(c, "internal failure building S2");
            }
            if (sumcheck_instance_term(&inst[i], &FQ_ONE, 2, pk) != 0)
                return ictx_fail(c, "internal failure building S2");
        }
    }
    if (ictx_sumcheck(c, "S2", c->n2, 2, &c->rho2, c->prover ? c->mask + 4 * (size_t)c->n1 : NULL,
                     inst, npoly, &c->T2, c->r2, &c->e2) != 0)
        return -1;
    if (c->prover) {
        for (i = 0; i < npoly; i++)             /* the deferred P1 was made times R^-1 */
            if (defer && polys[i] == POLY_P1)
                fq_mul(&v[i], &inst[i].tables[0][0], &FQ_R2);
            else
                v[i] = inst[i].tables[0][0];
        ictx_release(c, mark, c->n_mem);            /* K, the copies, the instances */
    }
    if (ictx_exchange_committed(c, "S2/finals", v, npoly, &first) != 0)
        return -1;
    c->id_u[POLY_P2] = SIZE_MAX;
    for (i = 0; i < npoly; i++)
        c->id_u[polys[i]] = first + i;
    if (c->lay->version != 2 && transcript_challenge(&c->t, "pcs/mu", 0, &c->mu) != 0)
        return ictx_fail(c, "transcript failure");
    return 0;
}
