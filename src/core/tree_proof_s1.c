/*
 * tree_proof_s1.c: items 20-21 of the tree proof (docs/protocol.md 16.4): the instances of
 * S1, its finals and the product proofs that tie them.
 */

#include <string.h>

#include "mle.h"
#include "tree_proof_internal.h"

/* ---- step 7: the instances of S1 (prover) ---- */

/* A copy of a column for a sumcheck table (S1 and S2 fold their tables in place). */
fq_t *
tp_copy_col(tctx *c, const fq_t *src, size_t n)
{
    fq_t *d = tp_alloc(c, n, sizeof(fq_t));
    size_t chunk = (size_t)1 << 14;
    ptrdiff_t j;

    if (d == NULL)
        return NULL;
    /* in chunks over the threads: the first touch of fresh pages is most of the cost */
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (n > chunk)
    for (j = 0; j < (ptrdiff_t)((n + chunk - 1) / chunk); j++) {
        size_t lo = (size_t)j * chunk, len = n - lo < chunk ? n - lo : chunk;

        memcpy(d + lo, src + lo, len * sizeof(fq_t));
    }
    return d;
}

/* P1 as field elements again from the int32 witness, after a sumcheck folded it.  Most
 * entries are bits, limbs, features and counts: those below SMALL are copied from a
 * table rather than converted (a Montgomery multiplication each). */
void
tp_restore_p1(tctx *c)
{
    enum { SMALL = 4096 };
    static fq_t small[SMALL];
    static int ready;
    ptrdiff_t i, n = (ptrdiff_t)1 << c->l1;

#pragma omp critical(tp_small_table)
    if (!ready) {
        for (i = 0; i < SMALL; i++)
            fq_set_u64(&small[i], (uint64_t)i);
        ready = 1;
    }
#pragma omp parallel for schedule(static) num_threads(zkml_threads())
    for (i = 0; i < n; i++) {
        int32_t v = c->p1[i];

        if (v >= 0 && v < SMALL)
            c->P1f[i] = small[v];
        else
            fq_set_i64(&c->P1f[i], v);
    }
}

static int
term(sumcheck_instance *in, const fq_t *coef, int64_t mult, unsigned nf, unsigned a,
     unsigned b, unsigned d)
{
    unsigned f[3] = {a, b, d};
    fq_t k, m;

    fq_set_i64(&m, mult);
    fq_mul(&k, coef, &m);
    return sumcheck_instance_term(in, &k, nf, f);
}

sumcheck_instance *
tp_s1_instances(tctx *c, size_t *count)
{
    size_t ng = (size_t)1 << c->g, cols = (size_t)1 << c->beta, n = 0, x;
    sumcheck_instance *inst = tp_alloc(c, 2 * (size_t)c->D + 2, sizeof(sumcheck_instance));
    fq_t *eqz, two32;
    unsigned s;
    int bad = 0;

    if (inst == NULL || (eqz = tp_alloc(c, ng, sizeof(fq_t))) == NULL)
        return NULL;
    mle_eq_table(eqz, c->tau_z, c->g);
    tp_pow2(&two32, 32);
    for (s = 0; s < c->D; s++) {
        const fq_t *lb = &c->lam_z[3 * s], *le = &c->lam_z[3 * s + 1], *lc = &c->lam_z[3 * s + 2];
        sumcheck_instance *A = &inst[n++], *C = &inst[n++];
        fq_t *colp[NGRID];
        unsigned i;

        for (i = 0; i < NGRID; i++)
            colp[i] = c->P1f + c->off1[tp_gcol(s, i)];
        /* P1's columns are folded in place where only one instance reads them (P1 is
         * restored from the int32 witness after S1), copied where two do (b, e) */
        sumcheck_instance_init(A, c->g);
        sumcheck_instance_table(A, tp_copy_col(c, eqz, ng));
        sumcheck_instance_table(A, tp_copy_col(c, colp[GB], ng));
        sumcheck_instance_table(A, colp[GM]);
        sumcheck_instance_table(A, colp[GD]);
        sumcheck_instance_table(A, tp_copy_col(c, colp[GE], ng));
        bad |= term(A, lb, 1, 2, 0, 1, 0) | term(A, lb, -1, 3, 0, 1, 1) |
               term(A, le, 1, 2, 0, 4, 0) | term(A, le, -1, 3, 0, 2, 3);
        sumcheck_instance_init(C, c->g);
        sumcheck_instance_table(C, s + 1 < c->D ? tp_copy_col(c, eqz, ng) : eqz);
        sumcheck_instance_table(C, colp[GB]);
        sumcheck_instance_table(C, colp[GX]);
        sumcheck_instance_table(C, colp[GK]);
        sumcheck_instance_table(C, colp[GE]);
        sumcheck_instance_table(C, colp[GC0]);
        sumcheck_instance_table(C, colp[GC1]);
        sumcheck_instance_table(C, colp[GC2]);
        {
            fq_t l2e33, l2e32;

            /* (2b - 1)·(x + 2^32·e - k) - (1 - b) - c0 - 2^11·c1 - 2^22·c2 */
            fq_mul(&l2e32, lc, &two32);
            fq_dbl(&l2e33, &l2e32);
            bad |= term(C, lc, 2, 3, 0, 1, 2) | term(C, &l2e33, 1, 3, 0, 1, 4) |
                   term(C, lc, -2, 3, 0, 1, 3) | term(C, lc, -1, 2, 0, 2, 0) |
                   term(C, &l2e32, -1, 2, 0, 4, 0) | term(C, lc, 1, 2, 0, 3, 0) |
                   term(C, lc, -1, 1, 0, 0, 0) | term(C, lc, 1, 2, 0, 1, 0) |
                   term(C, lc, -1, 2, 0, 5, 0) |
                   term(C, lc, -((int64_t)1 << TP_LIMB), 2, 0, 6, 0) |
                   term(C, lc, -((int64_t)1 << (2 * TP_LIMB)), 2, 0, 7, 0);
        }
    }
    {                                   /* the sum: Σ eq(τ_S, b)·v(b, t) */
        sumcheck_instance *S = &inst[n++];
        fq_t *eqs = tp_alloc(c, ng, sizeof(fq_t)), *e = tp_alloc(c, cols, sizeof(fq_t));

        if (eqs == NULL || e == NULL)
            return NULL;
        mle_eq_table(e, c->tau_s, c->beta);
        for (x = 0; x < ng; x++)
            eqs[x] = e[x & (cols - 1)];
        sumcheck_instance_init(S, c->g);
        sumcheck_instance_table(S, eqs);
        sumcheck_instance_table(S, c->P1f + c->off1[c->col_V]);
        bad |= term(S, &c->lam_s, 1, 2, 0, 1, 0);
    }
    if (c->committed) {                 /* IN: Σ eq·(λ0·(M - M·M) + λ1·M·u) (16.10.3) */
        sumcheck_instance *I = &inst[n++];
        unsigned vin = c->beta + c->lnf, l;
        size_t nin = (size_t)1 << vin;
        fq_t *e = tp_alloc(c, nin, sizeof(fq_t));

        if (e == NULL)
            return NULL;
        mle_eq_table(e, c->tau_lk + (c->n1 - vin), vin);
        sumcheck_instance_init(I, vin);
        sumcheck_instance_table(I, e);
        sumcheck_instance_table(I, tp_copy_col(c, c->P1f + c->off1[c->col_M], nin));
        for (l = 0; l < TP_LIMBS_MAX; l++)
            sumcheck_instance_table(I, c->P1f + c->off1[c->col_M + 1 + l]);
        bad |= term(I, &c->lam_in[0], 1, 2, 0, 1, 0) | term(I, &c->lam_in[0], -1, 3, 0, 1, 1);
        for (l = 0; l < TP_LIMBS_MAX; l++)
            bad |= term(I, &c->lam_in[1], (int64_t)1 << (TP_LIMB * l), 3, 0, 1, 2 + l);
    }
    if (bad || c->fail != NULL) {
        tp_fail(c, "internal failure building S1");
        return NULL;
    }
    *count = n;
    return inst;
}

/* ---- step 8: the finals of S1 and the product proofs ---- */

/* ⟨P, EqTable(z)⟩ over n entries, with a scratch eq table (prover). */
static void
dot_eq(fq_t *r, const fq_t *P, const fq_t *e, size_t n)
{
    fq_t acc, t;
    size_t i;

    fq_set_zero(&acc);
    for (i = 0; i < n; i++) {
        fq_mul(&t, &P[i], &e[i]);
        fq_add(&acc, &acc, &t);
    }
    *r = acc;
}

/* Whether S1 reads P1 column col (16.4 #21; 16.10.4): every grid column but f_s, v, the
 * committed inputs' columns. */
static int
s1_reads(const tctx *c, size_t col)
{
    if (col < NGRID * (size_t)c->D)
        return col % NGRID != GF;
    return col == c->col_V || (c->committed && col >= c->col_M && col <= c->col_M + 3);
}

int
tp_finals(tctx *c)
{
    size_t *cols = tp_alloc(c, c->ncol1, sizeof(size_t)), n = 0, i, first, mark = c->n_mem;
    fq_t *v = tp_alloc(c, c->ncol1, sizeof(fq_t));

    if (cols == NULL || v == NULL)
        return -1;
    for (i = 0; i < c->ncol1; i++) {
        c->fin_id[i] = TP_NONE;
        if (s1_reads(c, i))
            cols[n++] = i;
    }
    if (c->prover) {
        /* one eq table per column size (g, and β + λ_n for committed inputs) */
        unsigned sizes[2] = {c->g, c->beta + c->lnf}, si;

        for (si = 0; si < (c->committed ? 2u : 1u); si++) {
            unsigned kappa = sizes[si];
            fq_t *e = tp_alloc(c, (size_t)1 << kappa, sizeof(fq_t));
            ptrdiff_t j;

            if (e == NULL)
                return -1;
            mle_eq_table(e, c->r1 + (c->n1 - kappa), kappa);
#pragma omp parallel for schedule(dynamic) num_threads(zkml_threads())
            for (j = 0; j < (ptrdiff_t)n; j++)
                if (c->log1[cols[j]] == kappa && (si == 0 || kappa != c->g))
                    dot_eq(&v[j], c->P1f + c->off1[cols[j]], e, (size_t)1 << kappa);
        }
    }
    if (tp_exchange_committed(c, "S1/finals", v, n, &first) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        size_t col = cols[i];

        c->fin_id[col] = first + i;
        tp_add_claim(c, POLY_P1, c->off1[col], c->log1[col], c->r1 + (c->n1 - c->log1[col]),
                     first + i);
    }
    tp_release(c, mark);
    return c->fail != NULL ? -1 : 0;
}

size_t
tp_fin1(const tctx *c, size_t col)
{
    return c->fin_id[col];
}

/*
 * The products, in order: per level b·b, m·d, b·y (y = x + 2^32·e - k); with committed
 * inputs M·M and M·u (u = I0 + 2^11·I1 + 2^22·I2).  Their values committed
 * ("S1/products"), then one product proof each.
 */
static size_t
n_products(const tctx *c)
{
    return 3 * (size_t)c->D + (c->committed ? 2 : 0);
}

static void
product_forms(const tctx *c, size_t i, tform *X, tform *Y)
{
    size_t D3 = 3 * (size_t)c->D;
    unsigned l;

    tp_form_init(X);
    tp_form_init(Y);
    if (i < D3) {
        unsigned s = (unsigned)(i / 3);

        switch (i % 3) {
        case 0:
            tp_form_add_i(X, tp_fin1(c, tp_gcol(s, GB)), 1);
            tp_form_add_i(Y, tp_fin1(c, tp_gcol(s, GB)), 1);
            break;
        case 1:
            tp_form_add_i(X, tp_fin1(c, tp_gcol(s, GM)), 1);
            tp_form_add_i(Y, tp_fin1(c, tp_gcol(s, GD)), 1);
            break;
        default: {
            fq_t two32;

            tp_pow2(&two32, 32);
            tp_form_add_i(X, tp_fin1(c, tp_gcol(s, GB)), 1);
            tp_form_add_i(Y, tp_fin1(c, tp_gcol(s, GX)), 1);
            tp_form_add(Y, tp_fin1(c, tp_gcol(s, GE)), &two32);
            tp_form_add_i(Y, tp_fin1(c, tp_gcol(s, GK)), -1);
        }
        }
        return;
    }
    /* committed inputs (docs/protocol.md 16.10.4): M·M, then M·u */
    tp_form_add_i(X, tp_fin1(c, c->col_M), 1);
    if (i == D3) {
        tp_form_add_i(Y, tp_fin1(c, c->col_M), 1);
        return;
    }
    for (l = 0; l < TP_LIMBS_MAX; l++)
        tp_form_add_i(Y, tp_fin1(c, c->col_M + 1 + l), (int64_t)1 << (TP_LIMB * l));
}

int
tp_products(tctx *c)
{
    size_t np = n_products(c), i, first, mark = c->n_mem;
    fq_t *z = tp_alloc(c, np, sizeof(fq_t)), *bx = tp_alloc(c, np, sizeof(fq_t));
    fq_t *by = tp_alloc(c, np, sizeof(fq_t)), *xv = tp_alloc(c, np, sizeof(fq_t));
    fq_t *yv = tp_alloc(c, np, sizeof(fq_t));
    ge_t *CX = tp_alloc(c, np, sizeof(ge_t)), *CY = tp_alloc(c, np, sizeof(ge_t));
    tform *X = tp_alloc(c, 2, sizeof(tform)), *Y = X + 1;
    product_batch batch;
    const char *why = NULL;
    int rc = 0;

    if (c->fail != NULL)
        return -1;
    for (i = 0; i < np; i++) {
        product_forms(c, i, X, Y);
        tp_form_commit(c, X, &CX[i], &xv[i], &bx[i]);
        tp_form_commit(c, Y, &CY[i], &yv[i], &by[i]);
        if (c->prover)
            fq_mul(&z[i], &xv[i], &yv[i]);
    }
    if (tp_exchange_committed(c, "S1/products", z, np, &first) != 0)
        return -1;
    c->id_prod = first;
    c->n_prod = np;
    product_batch_init(&batch);
    for (i = 0; i < np && rc == 0; i++) {
        product_proof pf;

        if (c->prover) {
            if (product_prove(&pf, &c->t, &c->rng, &CX[i], &CY[i], &c->com[first + i], &xv[i],
                              &bx[i], &yv[i], &by[i], &c->bl[first + i]) != 0)
                rc = tp_fail(c, "the product prover failed");
            else
                codec_put_product(c->w, &pf);
        } else {
            /* the equations wait for one check after the last proof (docs/protocol.md 4.5) */
            codec_get_product(c->r, &pf);
            if (tp_reader_ok(c) != 0)
                rc = -1;
            else if (product_verify_deferred(&batch, &c->t, &CX[i], &CY[i], &c->com[first + i],
                                              &pf, 1, &why) != 1)
                rc = tp_fail(c, why != NULL ? why : "a product proof does not verify");
        }
    }
    if (rc == 0 && !c->prover && product_batch_check(&batch, &c->t, &why) != 1)
        rc = tp_fail(c, why != NULL ? why : "a product proof does not verify");
    product_batch_free(&batch);
    tp_release(c, mark);
    return rc;
}
