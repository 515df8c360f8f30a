/*
 * tree_proof_s1.c: steps 7-8 of the tree proof (docs/protocol.md 16.4): the instances of S1,
 * its finals and the product proofs that tie them.
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

/* P1 as field elements again from the int32 witness, after a sumcheck folded it. */
void
tp_restore_p1(tctx *c)
{
    ptrdiff_t i, n = (ptrdiff_t)1 << c->l1;

#pragma omp parallel for schedule(static) num_threads(zkml_threads())
    for (i = 0; i < n; i++)
        fq_set_i64(&c->P1f[i], c->p1[i]);
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
    size_t ng = (size_t)1 << c->g, cols = (size_t)1 << c->beta, n = 0, k, x;
    sumcheck_instance *inst = tp_alloc(c, 2 * (size_t)c->D + 2 + c->nlk + c->ntb,
                                       sizeof(sumcheck_instance));
    fq_t *eqz, *eqlk, two32;
    unsigned s;
    int bad = 0;

    if (inst == NULL || (eqz = tp_alloc(c, ng, sizeof(fq_t))) == NULL ||
        (eqlk = tp_alloc(c, (size_t)1 << c->n1, sizeof(fq_t))) == NULL)
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
        {
            fq_t l2e33, l2e32;

            fq_mul(&l2e32, lc, &two32);
            fq_dbl(&l2e33, &l2e32);
            bad |= term(C, lc, 2, 3, 0, 1, 2) | term(C, &l2e33, 1, 3, 0, 1, 4) |
                   term(C, lc, -2, 3, 0, 1, 3) | term(C, lc, -1, 2, 0, 2, 0) |
                   term(C, &l2e32, -1, 2, 0, 4, 0) | term(C, lc, 1, 2, 0, 3, 0) |
                   term(C, lc, -1, 1, 0, 0, 0) | term(C, lc, 1, 2, 0, 1, 0) |
                   term(C, lc, -1, 2, 0, 5, 0) | term(C, lc, -65536, 2, 0, 6, 0);
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
    if (c->committed) {                 /* IN: Σ eq·(λ0·(M - M·M) + λ1·(M·X + 2^31·M)) */
        sumcheck_instance *I = &inst[n++];
        unsigned vin = c->beta + c->lnf;
        size_t nin = (size_t)1 << vin;
        fq_t *e = tp_alloc(c, nin, sizeof(fq_t));

        if (e == NULL)
            return NULL;
        mle_eq_table(e, c->tau_lk + (c->n1 - vin), vin);
        sumcheck_instance_init(I, vin);
        sumcheck_instance_table(I, e);
        sumcheck_instance_table(I, tp_copy_col(c, c->P1f + c->off1[c->col_M], nin));
        sumcheck_instance_table(I, tp_copy_col(c, c->xrow, nin));
        bad |= term(I, &c->lam_in[0], 1, 2, 0, 1, 0) | term(I, &c->lam_in[0], -1, 3, 0, 1, 1) |
               term(I, &c->lam_in[1], 1, 3, 0, 1, 2) |
               term(I, &c->lam_in[1], (int64_t)1 << 31, 2, 0, 1, 0);
    }
    for (k = 0; k < c->nlk; k++) {
        const tlookup *lk = &c->lk[k];
        size_t nk = (size_t)1 << lk->vars;
        fq_t zw, *f;

        if (!lk->active)
            continue;
        f = c->fcol[k];                 /* from P2, folded here */
        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, lk->vars);
        mle_eq_table(eqlk, c->tau_lk + (c->n1 - lk->vars), lk->vars);
        if (logup_lookup_instance(&inst[n++], lk->vars, tp_copy_col(c, eqlk, nk),
                                  tp_copy_col(c, c->P2f + c->off2[k], nk), f, &c->lam_lk[k],
                                  &c->alpha, &zw) != 0)
            bad = 1;
    }
    for (k = 0; k < c->ntb; k++) {
        const ttable *tb = &c->tb[k];
        size_t nt = (size_t)1 << tb->vars;
        fq_t zw, *tv;

        if ((tv = tp_alloc(c, nt, sizeof(fq_t))) == NULL)
            return NULL;
        tp_table_t_column(c, tb, tv);
        logup_zeta_weight(&zw, &c->zeta[k], c->n1, tb->vars);
        mle_eq_table(eqlk, c->tau_lk + (c->n1 - tb->vars), tb->vars);
        if (logup_table_instance(&inst[n++], tb->vars, tp_copy_col(c, eqlk, nt),
                                 tp_copy_col(c, c->P2f + c->off2[c->nlk + k], nt), tv,
                                 c->P1f + c->off1[tb->mcol], &c->lam_tb[k],
                                 &c->alpha, &zw) != 0)
            bad = 1;
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

int
tp_finals(tctx *c)
{
    size_t n = c->ncol1 + c->ncol2 + 4 + (size_t)c->committed, i, first, mark = c->n_mem;
    fq_t *v = tp_alloc(c, n, sizeof(fq_t));
    unsigned kappa;

    if (v == NULL)
        return -1;
    if (c->prover) {
        /* one eq table per column size; the columns of a size in parallel */
        for (kappa = 0; kappa <= c->n1; kappa++) {
            fq_t *e = NULL;
            ptrdiff_t j;
            size_t col = (size_t)1 << (c->lN - 2);

            for (i = 0; i < c->ncol1 + c->ncol2; i++)
                if ((i < c->ncol1 ? c->log1[i] : c->log2[i - c->ncol1]) == kappa)
                    break;
            if (i == c->ncol1 + c->ncol2 && kappa != c->lN - 2)
                continue;
            if ((e = tp_alloc(c, (size_t)1 << kappa, sizeof(fq_t))) == NULL)
                return -1;
            mle_eq_table(e, c->r1 + (c->n1 - kappa), kappa);
#pragma omp parallel for schedule(dynamic) num_threads(zkml_threads())
            for (j = 0; j < (ptrdiff_t)(c->ncol1 + c->ncol2); j++) {
                size_t jj = (size_t)j;

                if (jj < c->ncol1 && c->log1[jj] == kappa)
                    dot_eq(&v[jj], c->P1f + c->off1[jj], e, (size_t)1 << kappa);
                else if (jj >= c->ncol1 && c->log2[jj - c->ncol1] == kappa)
                    dot_eq(&v[jj], c->P2f + c->off2[jj - c->ncol1], e, (size_t)1 << kappa);
            }
            if (kappa == c->lN - 2)
                for (i = 0; i < 4; i++)
                    dot_eq(&v[c->ncol1 + c->ncol2 + i], c->Nf + i * col, e, col);
            if (c->committed && kappa == c->beta + c->lnf)      /* x~ = X~(r_in) */
                dot_eq(&v[n - 1], c->xrow, e, (size_t)1 << kappa);
        }
    }
    if (tp_exchange_committed(c, "S1/finals", v, n, &first) != 0)
        return -1;
    c->id_f1 = first;
    c->id_f2 = first + c->ncol1;
    c->id_fN = first + c->ncol1 + c->ncol2;
    c->id_fx = first + c->ncol1 + c->ncol2 + 4;        /* committed: x~, no claim */
    for (i = 0; i < c->ncol1; i++)
        tp_add_claim(c, POLY_P1, c->off1[i], c->log1[i], c->r1 + (c->n1 - c->log1[i]),
                     c->id_f1 + i);
    for (i = 0; i < c->ncol2; i++)
        tp_add_claim(c, POLY_P2, c->off2[i], c->log2[i], c->r1 + (c->n1 - c->log2[i]),
                     c->id_f2 + i);
    for (i = 0; i < 4; i++)
        tp_add_claim(c, POLY_N, i << (c->lN - 2), c->lN - 2, c->r1 + (c->n1 - (c->lN - 2)),
                     c->id_fN + i);
    tp_release(c, mark);
    return c->fail != NULL ? -1 : 0;
}

size_t
tp_fin1(const tctx *c, size_t col)
{
    return c->id_f1 + col;
}

/* The f of lookup k at its final point as a form over the finals. */
static void
lookup_f_form(const tctx *c, const tlookup *lk, tform *f)
{
    const fq_t *r = c->r1 + (c->n1 - lk->vars);
    fq_t t, p;
    unsigned s = lk->s, j;

    tp_form_init(f);
    switch (lk->kind) {
    case LK_NODE:
    case LK_LEAF: {
        unsigned steps = lk->kind == LK_NODE ? s : c->D;

        tp_index_mle(&t, r + c->beta, c->tau);
        tp_pow2(&p, c->nu);
        fq_mul(&f->c, &t, &p);
        if (lk->kind == LK_NODE) {
            tp_pow2(&p, s);
            fq_add(&f->c, &f->c, &p);
        }
        for (j = 0; j < steps; j++) {
            tp_pow2(&p, steps - 1 - j);
            tp_form_add(f, tp_fin1(c, tp_gcol(j, GB)), &p);
        }
        if (lk->kind == LK_NODE) {
            tp_form_add(f, tp_fin1(c, tp_gcol(s, GF)), &c->gpow[1]);
            tp_form_add(f, tp_fin1(c, tp_gcol(s, GK)), &c->gpow[2]);
            tp_form_add(f, tp_fin1(c, tp_gcol(s, GD)), &c->gpow[3]);
        } else {
            tp_form_add(f, tp_fin1(c, c->col_V), &c->gpow[1]);
        }
        break;
    }
    case LK_ROW:
        tp_index_mle(&f->c, r, c->beta);
        tp_pow2(&p, c->beta);
        tp_form_add(f, tp_fin1(c, tp_gcol(s, GF)), &p);
        tp_form_add(f, tp_fin1(c, tp_gcol(s, GX)), &c->gpow[1]);
        tp_form_add(f, tp_fin1(c, tp_gcol(s, GM)), &c->gpow[2]);
        break;
    case LK_C0:
        tp_form_add_i(f, tp_fin1(c, tp_gcol(s, GC0)), 1);
        break;
    case LK_C1:
        tp_form_add_i(f, tp_fin1(c, tp_gcol(s, GC1)), 1);
        break;
    case LK_OUT:
        mle_eval(&t, c->outpub, c->beta, r);
        fq_mul(&f->c, &t, &c->gamma);
        tp_form_add_i(f, tp_fin1(c, c->col_Q), 1);
        break;
    case LK_IN0:
    case LK_IN1:
        tp_form_add_i(f, tp_fin1(c, c->col_M + 1 + (lk->kind == LK_IN1)), 1);
        break;
    default:
        tp_form_add_i(f, tp_fin1(c, c->col_L0 + s), 1);
        break;
    }
}

/* t of a committed table at its final point, over the finals of N. */
static void
table_t_form(const tctx *c, const ttable *tb, tform *f)
{
    tp_form_init(f);
    tp_index_mle(&f->c, c->r1 + (c->n1 - tb->vars), tb->vars);
    if (tb->kind == TB_NODE) {
        tp_form_add(f, c->id_fN + 0, &c->gpow[1]);
        tp_form_add(f, c->id_fN + 1, &c->gpow[2]);
        tp_form_add(f, c->id_fN + 2, &c->gpow[3]);
    } else if (tb->kind == TB_ROW) {    /* committed: idx + γ·x~ + γ²·M~ */
        tp_form_add(f, c->id_fx, &c->gpow[1]);
        tp_form_add(f, tp_fin1(c, c->col_M), &c->gpow[2]);
    } else {
        tp_form_add(f, c->id_fN + 3, &c->gpow[1]);
    }
}

/*
 * The products, in order: per level b·b, m·d, b·y (y = x + 2^32·e - k); with committed
 * inputs M·M and M·x~; per active lookup h·f; per committed table t·g.  Their values committed ("S1/products"), then
 * one product proof each.
 */
static size_t
n_products(const tctx *c)
{
    size_t n = 3 * (size_t)c->D, k;

    for (k = 0; k < c->nlk; k++)
        n += c->lk[k].active;
    return n + 2 + (c->committed ? 3 : 0);  /* committed: M·M, M·x~; ROW's t·g */
}

static void
product_forms(const tctx *c, size_t i, tform *X, tform *Y)
{
    size_t D3 = 3 * (size_t)c->D, k, a = 0;

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
    i -= D3;
    if (c->committed) {                 /* M·M, M·x~ (docs/protocol.md 16.10.4) */
        if (i < 2) {
            tp_form_add_i(X, tp_fin1(c, c->col_M), 1);
            if (i == 0)
                tp_form_add_i(Y, tp_fin1(c, c->col_M), 1);
            else
                tp_form_add_i(Y, c->id_fx, 1);
            return;
        }
        i -= 2;
    }
    for (k = 0; k < c->nlk; k++) {
        if (!c->lk[k].active)
            continue;
        if (a++ == i) {
            tp_form_add_i(X, c->id_f2 + k, 1);
            lookup_f_form(c, &c->lk[k], Y);
            return;
        }
    }
    i -= a;
    table_t_form(c, &c->tb[i], X);              /* 0: NODE, 1: LEAF, 2: ROW (committed) */
    tp_form_add_i(Y, c->id_f2 + c->nlk + i, 1);
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
