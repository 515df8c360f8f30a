/*
 * infer_s1.c: steps 4-8 of the inference proof (docs/protocol.md 7):
 * τ, the pre-claims, λ, ζ and ρ1; the prover's S1 instances (MM, LK, TB); the S1 finals,
 * their claims for S2, and the product proofs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "generators.h"
#include "infer_phases.h"
#include "logup.h"
#include "mle.h"
#include "product.h"
#include "runtime.h"

/* ---- steps 4-6: τ, the pre-claims, λ, ζ, ρ1 ---- */

/* Version 2 (docs/protocol.md 7.17, step 5): the P1 columns whose values at τ_l join
 * the pre-claims of layer l, in order (q unless public, rem limbs, v limbs, t, and for
 * a clamp v^lo, t^lo, v^hi, t^hi); the bias follows them.  Returns the count. */
static unsigned
preclaim_columns(const ictx *c, unsigned l, unsigned *cols)
{
    const infer_layout *lay = c->lay;
    unsigned n = 0, k;

    if (!lay->q_public[l])
        cols[n++] = lay->col_q[l];
    for (k = 0; k < lay->n_limbs[l]; k++)
        cols[n++] = lay->col_rem[l] + k;
    if (lay->version == 2 && lay->kind[l] != MODEL_PW_TABLE) {
        for (k = 0; k < lay->n_u[l]; k++)
            cols[n++] = lay->col_v[l] + k;
        cols[n++] = lay->col_t[l];
    }
    if (lay->version == 2 && lay->kind[l] == MODEL_PW_CLAMP) {
        for (k = 0; k < lay->n_d[l]; k++)
            cols[n++] = lay->col_vlo[l] + k;
        cols[n++] = lay->col_tlo[l];
        for (k = 0; k < lay->n_d[l]; k++)
            cols[n++] = lay->col_vhi[l] + k;
        cols[n++] = lay->col_thi[l];
    }
    return n;
}

#define PRECLAIM_MAX (MODEL_MAX_LIMBS + 3 * INFER_MAX_PW_LIMBS + 4)

int
infer_step_preclaims(ictx *c)
{
    unsigned l, k, beta = c->lay->beta, cols[PRECLAIM_MAX], ncols;
    size_t n = 0;
    fq_t *v = ictx_alloc(c, (size_t)c->L * (PRECLAIM_MAX + 1), sizeof(fq_t));
    size_t first;

    if (v == NULL)
        return -1;
    for (l = 0; l < c->L; l++)
        if (transcript_challenges(&c->t, "mm/tau", 0, c->tau[l], beta + c->lay->mu[l]) != 0)
            return ictx_fail(c, "transcript failure");
    if (transcript_challenges(&c->t, "lk/tau", 0, c->tau_lk, c->n1) != 0)
        return ictx_fail(c, "transcript failure");
    for (l = 0; l < c->L; l++) {
        unsigned vars = beta + c->lay->mu[l];

        ncols = preclaim_columns(c, l, cols);
        if (c->prover) {
            size_t offs[PRECLAIM_MAX];

            for (k = 0; k < ncols; k++)
                offs[k] = c->lay->p1[cols[k]].offset;
            if (ictx_p1_evals(c, &v[n], offs, ncols, vars, c->tau[l]) != 0)
                return -1;
            mle_eval(&v[n + ncols], c->Wf + c->wl.b_offset[l], c->lay->mu[l],
                     c->tau[l] + beta);
        }
        n += ncols + 1;
    }
    if (c->hooks != NULL && c->prover)             /* test seam: false pre-claims */
        infer_seam_preclaims(c, v);
    if (ictx_exchange_committed(c, "S1/pre-claims", v, n, &first) != 0)
        return -1;
    for (l = 0; l < c->L; l++) {
        unsigned vars = beta + c->lay->mu[l];
        const infer_layout *lay = c->lay;

        ncols = preclaim_columns(c, l, cols);
        /* ids: q (SIZE_MAX when public), then each group's first limb and its sign bit */
        c->id_q[l] = lay->q_public[l] ? SIZE_MAX : first;
        c->id_rem[l] = first + !lay->q_public[l];
        c->id_v[l] = c->id_rem[l] + lay->n_limbs[l];
        c->id_t[l] = c->id_v[l] + lay->n_u[l];
        c->id_vlo[l] = c->id_t[l] + 1;
        c->id_tlo[l] = c->id_vlo[l] + lay->n_d[l];
        c->id_vhi[l] = c->id_tlo[l] + 1;
        c->id_thi[l] = c->id_vhi[l] + lay->n_d[l];
        for (k = 0; k < ncols; k++)
            ictx_add_claim(c, POLY_P1, lay->p1[cols[k]].offset, vars, c->tau[l], vars, NULL, 0,
                           first++);
        c->id_b[l] = first;
        ictx_add_claim(c, POLY_W, c->wl.b_offset[l], c->lay->mu[l], c->tau[l] + beta,
                  c->lay->mu[l], NULL, 0, first++);
    }
    /* version 2 has no LK, TB or ζ in S1 (docs/protocol.md 7.18.4) */
    if (transcript_challenges(&c->t, "S1/lambda-mm", 0, c->lam_mm, c->L) != 0 ||
        (c->lay->version != 2 &&
         (transcript_challenges(&c->t, "S1/lambda-lk", 0, c->lam_lk, c->lay->n_lookups) != 0 ||
          transcript_challenges(&c->t, "S1/lambda-tb", 0, c->lam_tb, c->lay->n_tables) != 0 ||
          transcript_challenges(&c->t, "S1/zeta", 0, c->zeta, c->lay->n_tables) != 0)) ||
        (c->lay->version == 2 &&
         transcript_challenges(&c->t, "S1/lambda-pw", 0, c->lam_pw, c->lay->n_pw) != 0) ||
        transcript_challenge(&c->t, "S1/rho", 1, &c->rho1) != 0)
        return ictx_fail(c, "transcript failure");
    if (c->hooks != NULL)                           /* test seam: a zero-check left out */
        infer_seam_after_lambda(c);
    return 0;
}

/* ---- step 7: S1 ---- */

/* The LK and TB instances of S1: version 1's lookups; version 2 has none (they are
 * proven by the tree, docs/protocol.md 7.18.4). */
size_t
infer_s1_lookups(const ictx *c)
{
    return c->lay->version == 2 ? 0 : c->lay->n_lookups;
}

size_t
infer_s1_tables(const ictx *c)
{
    return c->lay->version == 2 ? 0 : c->lay->n_tables;
}

/*
 * Version 2, step 7: the P1 columns a piecewise zero-check reads, as (out, t, in):
 * relu (a, t, q), clamp hi (z, t_hi, q), clamp lo (a, t_lo, z); -1 for a column that is
 * public (a_L, read from the public outputs).
 */
void
infer_pw_columns(const ictx *c, unsigned p, int *out, int *t, int *in)
{
    const infer_pw *pw = &c->lay->pw[p];
    const infer_layout *lay = c->lay;
    unsigned l = pw->layer;
    int a = l + 1 < c->L ? (int)lay->col_a[l] : -1;

    switch (pw->role) {
    case INFER_PW_RELU:
        *out = a;
        *t = (int)lay->col_t[l];
        *in = (int)lay->col_q[l];
        break;
    case INFER_PW_CLAMP_HI:
        *out = (int)lay->col_z[l];
        *t = (int)lay->col_thi[l];
        *in = (int)lay->col_q[l];
        break;
    default:
        *out = a;
        *t = (int)lay->col_tlo[l];
        *in = (int)lay->col_z[l];
        break;
    }
}

/* The constant c of a zero-check: out - c - t·(in - c), c = hi, lo or 0 (relu). */
static int32_t
pw_constant(const ictx *c, unsigned p)
{
    const infer_pw *pw = &c->lay->pw[p];
    const model_layer *ly = &c->m->layer[pw->layer];

    return pw->role == INFER_PW_CLAMP_HI ? ly->hi : pw->role == INFER_PW_CLAMP_LO ? ly->lo : 0;
}

/*
 * A zero-check on P1's integers, deferred (sumcheck_instance_defer): its first round from
 * the integers, its tables made bound at that round's challenge.  With τ' = (τ'_0, τ'')
 * its point, eq(τ', (X, x)) = eq(τ'_0, X)·e[x] (e = EqTable(τ'')), so
 *   s(X) = λ·eq(τ'_0, X)·Σ_x e[x]·G_X(x),   G = out - t·in + c·t - c
 * on the lines of the columns through each pair, an integer below 2^39 when every value
 * and c lie within ±2^16 (honest ones are Q-bit): sums of small multiples of e[x]
 * (fq_wide_mac, each plus 2^40 to be positive, 2^40·Σ e taken off after).
 */
#define PW_SMALL_MAX ((int64_t)1 << 16)
#define PW_SMALL_OFF ((int64_t)1 << 40)

typedef struct {
    ictx *c;
    unsigned n;                         /* the instance's variables */
    const int64_t *col[3];              /* out, t, in: P1's integers */
    int64_t cst;                        /* c */
    const fq_t *tau0;                   /* τ'_0 */
    fq_t *e;                            /* EqTable(τ''): 2^(n - 1) entries */
} pw_deferred;

/* first[X] = s(X), X = 0..3; -1 (nothing deferred) when a value is out of bounds. */
static int
pw_first_round(const pw_deferred *d, const fq_t *lambda, fq_t first[4])
{
    size_t half = (size_t)1 << (d->n - 1);
    int nt = half >= ZKML_PARALLEL_MIN ? zkml_threads() : 1, b, bad = 0;
    fq_t part[64][4], off, eq0, slope;
    unsigned X;

    if (nt > 64)
        nt = 64;
    if (d->cst > PW_SMALL_MAX || d->cst < -PW_SMALL_MAX)
        return -1;
    fq_set_u64(&off, (uint64_t)PW_SMALL_OFF);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1) reduction(| : bad)
    for (b = 0; b < nt; b++) {
        size_t lo = half * (size_t)b / (size_t)nt, hi = half * (size_t)(b + 1) / (size_t)nt, i;
        fq_wide_t w[4];
        fq_t se, o;
        unsigned Y, k;

        memset(w, 0, sizeof w);
        fq_set_zero(&se);
        for (i = lo; i < hi; i++) {
            int64_t v[3][2], g;
            int out = 0;

            for (k = 0; k < 3; k++) {
                v[k][0] = d->col[k][2 * i];
                v[k][1] = d->col[k][2 * i + 1];
                out |= v[k][0] > PW_SMALL_MAX || v[k][0] < -PW_SMALL_MAX ||
                       v[k][1] > PW_SMALL_MAX || v[k][1] < -PW_SMALL_MAX;
            }
            if (out) {                  /* nothing is computed from these */
                bad = 1;
                continue;
            }
            for (k = 0; k < 3; k++)
                v[k][1] -= v[k][0];     /* the slope */
            for (Y = 0; Y < 4; Y++) {
                int64_t ox = v[0][0] + Y * v[0][1], tx = v[1][0] + Y * v[1][1],
                        ix = v[2][0] + Y * v[2][1];

                g = ox - tx * ix + d->cst * (tx - 1);
                fq_wide_mac(&w[Y], (uint64_t)(g + PW_SMALL_OFF), &d->e[i]);
            }
            fq_add(&se, &se, &d->e[i]);
        }
        fq_mul(&o, &off, &se);
        for (Y = 0; Y < 4; Y++) {
            fq_wide_reduce(&part[b][Y], &w[Y]);
            fq_sub(&part[b][Y], &part[b][Y], &o);
        }
        explicit_bzero(w, sizeof w);
    }
    if (bad)
        return -1;
    /* eq(τ'_0, X) = (1 - τ'_0) + X·(2τ'_0 - 1) */
    fq_sub(&eq0, &FQ_ONE, d->tau0);
    fq_dbl(&slope, d->tau0);
    fq_sub(&slope, &slope, &FQ_ONE);
    for (X = 0; X < 4; X++) {
        fq_set_zero(&first[X]);
        for (b = 0; b < nt; b++)
            fq_add(&first[X], &first[X], &part[b][X]);
        fq_mul(&first[X], &first[X], &eq0);
        fq_mul(&first[X], &first[X], lambda);
        fq_add(&eq0, &eq0, &slope);
    }
    explicit_bzero(part, sizeof part);
    return 0;
}

/* a + r·(b - a) from integers; rR is r·R (so that the raw limbs of |b - a| times it give
 * |b - a|·r): one product at most, none for the slopes 0 and ±1 (a sign bit's). */
static inline void
pw_bind(fq_t *out, int64_t a, int64_t b, const fq_t *r, const fq_t *rR,
        const fq_small_ints *ints)
{
    int64_t s = b - a;
    fq_t x;

    fq_set_i64_small(out, a, ints);
    if (s == 1) {
        fq_add(out, out, r);
    } else if (s == -1) {
        fq_sub(out, out, r);
    } else if (s != 0) {
        x = (fq_t){{(uint64_t)(s < 0 ? -s : s), 0, 0, 0}};
        fq_mul(&x, &x, rR);
        if (s < 0)
            fq_neg(&x, &x);
        fq_add(out, out, &x);
    }
}

/* The deferred instance's maker: eq, out, t, in bound at r, 2^(n - 1) entries each. */
static int
pw_make_bound(void *arg, const fq_t *r, fq_t **tables)
{
    const pw_deferred *d = arg;
    ictx *c = d->c;
    size_t half = (size_t)1 << (d->n - 1);
    fq_t eq0, rR, *T[3];
    ptrdiff_t y;
    unsigned k;

    for (k = 0; k < 3; k++)
        T[k] = ictx_alloc(c, half, sizeof(fq_t));
    if (c->fail != NULL)
        return -1;
    fq_sub(&eq0, &FQ_ONE, d->tau0);                 /* eq(τ'_0, r) */
    fq_dbl(&rR, d->tau0);
    fq_sub(&rR, &rR, &FQ_ONE);
    fq_mul(&rR, &rR, r);
    fq_add(&eq0, &eq0, &rR);
    fq_mul(&rR, r, &FQ_R2);
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) \
    if (half >= ZKML_PARALLEL_MIN)
    for (y = 0; y < (ptrdiff_t)half; y++) {
        unsigned t;

        fq_mul(&d->e[y], &d->e[y], &eq0);
        for (t = 0; t < 3; t++)
            pw_bind(&T[t][y], d->col[t][2 * y], d->col[t][2 * y + 1], r, &rR, &c->ints);
    }
    tables[0] = d->e;
    for (k = 0; k < 3; k++)
        tables[k + 1] = T[k];
    return 0;
}

/* PW_p deferred when it can be (P1's integers, out not public); 1 if it was. */
static int
pw_defer(ictx *c, unsigned p, sumcheck_instance *in, int out, int t, int xin)
{
    unsigned n = c->lay->pw[p].log_size;
    pw_deferred *d;
    fq_t first[4];

    if (c->P1f != NULL || out < 0 || n < 1)
        return 0;
    d = ictx_alloc(c, 1, sizeof *d);
    if (d == NULL)
        return 0;
    *d = (pw_deferred){c, n, {c->p1 + c->lay->p1[out].offset, c->p1 + c->lay->p1[t].offset,
                              c->p1 + c->lay->p1[xin].offset},
                       pw_constant(c, p), c->tau_lk + (c->n1 - n), NULL};
    d->e = ictx_eq_table(c, d->tau0 + 1, n - 1);
    if (d->e == NULL || pw_first_round(d, &c->lam_pw[p], first) != 0)
        return 0;
    sumcheck_instance_init(in, n);
    return sumcheck_instance_defer(in, 4, first, 4, pw_make_bound, d) == 0;
}

/* PW_p = λ·eq(τ^(l), x)·(out - c - t·in + c·t): tables eq, out, t, in (copies), or
 * deferred (pw_defer). */
static int
pw_instance(ictx *c, unsigned p, sumcheck_instance *in)
{
    const infer_pw *pw = &c->lay->pw[p];
    unsigned n = pw->log_size;
    size_t len = (size_t)1 << n;
    static const unsigned f_out[2] = {0, 1}, f_e[1] = {0}, f_tin[3] = {0, 2, 3}, f_t[2] = {0, 2};
    int out, t, xin;
    fq_t *eq, *o, *tt, *ii, coef, cst;

    infer_pw_columns(c, p, &out, &t, &xin);
    if (!pw_defer(c, p, in, out, t, xin)) {
        if (c->fail != NULL)
            return -1;
        eq = ictx_eq_table(c, c->tau_lk + (c->n1 - n), n);
        o = out >= 0 ? ictx_p1_column(c, c->lay->p1[out].offset, len)
                     : ictx_copy(c, c->outpub, len);
        tt = ictx_p1_column(c, c->lay->p1[t].offset, len);
        ii = ictx_p1_column(c, c->lay->p1[xin].offset, len);
        if (c->fail != NULL)
            return -1;
        sumcheck_instance_init(in, n);
        if (sumcheck_instance_table(in, eq) != 0 || sumcheck_instance_table(in, o) != 1 ||
            sumcheck_instance_table(in, tt) != 2 || sumcheck_instance_table(in, ii) != 3)
            return ictx_fail(c, "internal failure building S1");
    }
    fq_set_i64(&cst, pw_constant(c, p));
    if (sumcheck_instance_term(in, &c->lam_pw[p], 2, f_out) != 0)
        return ictx_fail(c, "internal failure building S1");
    fq_neg(&coef, &c->lam_pw[p]);
    if (sumcheck_instance_term(in, &coef, 3, f_tin) != 0)
        return ictx_fail(c, "internal failure building S1");
    if (pw->role != INFER_PW_RELU) {
        fq_mul(&coef, &c->lam_pw[p], &cst);         /* + λ·c·eq·t - λ·c·eq */
        if (sumcheck_instance_term(in, &coef, 2, f_t) != 0)
            return ictx_fail(c, "internal failure building S1");
        fq_neg(&coef, &coef);
        if (sumcheck_instance_term(in, &coef, 1, f_e) != 0)
            return ictx_fail(c, "internal failure building S1");
    }
    return 0;
}

/* The prover's S1 instances: MM_l, then LK_k, then TB_T, then (version 2) PW_p (tables
 * are working copies). */
sumcheck_instance *
infer_s1_instances(ictx *c, size_t *count)
{
    size_t nk = infer_s1_lookups(c), nt = infer_s1_tables(c), np = c->lay->n_pw, k, t, i, j, b;
    sumcheck_instance *inst = ictx_alloc(c, c->L + nk + nt + np, sizeof(sumcheck_instance));
    unsigned l, beta = c->lay->beta;
    static const unsigned wx[2] = {0, 1};

    if (inst == NULL)
        return NULL;
    for (l = 0; l < c->L; l++) {
        const model_layer *ly = &c->m->layer[l];
        unsigned nu = c->lay->nu[l], mu = c->lay->mu[l];

        if (zkml_interrupted()) {
            ictx_fail(c, "interrupted");
            return NULL;
        }
        fq_t *eqi = ictx_eq_table(c, c->tau[l] + beta, mu), *eqb = ictx_eq_table(c, c->tau[l], beta);
        fq_t *wv = ictx_alloc(c, (size_t)1 << nu, sizeof(fq_t));
        fq_t *xv = ictx_alloc(c, (size_t)1 << nu, sizeof(fq_t));
        size_t cols = (size_t)1 << beta;
        const fq_t *X = l == 0 ? c->xpub
                               : ictx_p1_column(c, c->lay->p1[c->lay->col_x[l - 1]].offset,
                                                cols << nu);

        if (c->fail != NULL)
            return NULL;
        for (i = 0; i < ly->m; i++)
            for (j = 0; j < ly->n; j++) {
                fq_t tmp;

                fq_mul(&tmp, &eqi[i], &c->Wf[c->wl.w_offset[l] + j + ((size_t)1 << nu) * i]);
                fq_add(&wv[j], &wv[j], &tmp);
            }
        for (j = 0; j < ((size_t)1 << nu); j++)
            for (b = 0; b < cols; b++) {
                fq_t tmp;

                fq_mul(&tmp, &eqb[b], &X[b + cols * j]);
                fq_add(&xv[j], &xv[j], &tmp);
            }
        sumcheck_instance_init(&inst[l], nu);
        if (sumcheck_instance_table(&inst[l], wv) != 0 ||
            sumcheck_instance_table(&inst[l], xv) != 1 ||
            sumcheck_instance_term(&inst[l], &c->lam_mm[l], 2, wx) != 0) {
            ictx_fail(c, "internal failure building S1");
            return NULL;
        }
    }
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        unsigned n = lk->log_size;
        fq_t *eq;

        if (zkml_interrupted()) {
            ictx_fail(c, "interrupted");
            return NULL;
        }
        eq = ictx_eq_table(c, c->tau_lk + (c->n1 - n), n);
        fq_t *h = ictx_copy(c, c->P2f + c->lay->p2[k].offset, (size_t)1 << n);
        fq_t *f = ictx_alloc(c, (size_t)1 << n, sizeof(fq_t)), zw;

        if (c->fail != NULL)
            return NULL;
        for (i = 0; i < ((size_t)1 << n); i++)
            infer_lookup_f(c, (unsigned)k, i, &f[i]);
        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, n);
        if (logup_lookup_instance(&inst[c->L + k], n, eq, h, f, &c->lam_lk[k], &c->alpha,
                                  &zw) != 0) {
            ictx_fail(c, "internal failure building S1");
            return NULL;
        }
    }
    for (t = 0; t < nt; t++) {
        const infer_table *T = &c->lay->tables[t];
        unsigned w = T->log_size;
        fq_t *eq = ictx_eq_table(c, c->tau_lk + (c->n1 - w), w);
        fq_t *g = ictx_copy(c, c->P2f + c->lay->p2[nk + t].offset, (size_t)1 << w);
        fq_t *m = ictx_p1_column(c, c->lay->p1[c->lay->col_mult0 + t].offset, (size_t)1 << w);
        fq_t *tv = ictx_alloc(c, (size_t)1 << w, sizeof(fq_t)), zw;

        if (c->fail != NULL)
            return NULL;
        logup_table_values(tv, &T->table, &c->gamma);
        logup_zeta_weight(&zw, &c->zeta[t], c->n1, w);
        if (logup_table_instance(&inst[c->L + nk + t], w, eq, g, tv, m, &c->lam_tb[t],
                                 &c->alpha, &zw) != 0) {
            ictx_fail(c, "internal failure building S1");
            return NULL;
        }
    }
    for (k = 0; k < np; k++)
        if (pw_instance(c, (unsigned)k, &inst[c->L + nk + nt + k]) != 0)
            return NULL;
    *count = c->L + nk + nt + np;
    return inst;
}

/* ---- step 8: S1 finals and product proofs ---- */

int
infer_step_s1_finals(ictx *c, sumcheck_instance *inst)
{
    size_t nk = infer_s1_lookups(c), nt = infer_s1_tables(c), np = c->lay->n_pw, k, t, n = 0, first;
    size_t pos_w[MODEL_MAX_LAYERS], pos_x[MODEL_MAX_LAYERS], pos_pw[INFER_MAX_PW];
    size_t *pos_h = ictx_alloc(c, nk, sizeof(size_t)), *pos_g = ictx_alloc(c, nt, sizeof(size_t));
    fq_t *v = ictx_alloc(c, 3 * (size_t)c->L + 5 * nk + 2 * nt + 4 * np + 1 + c->lay->n_xlimbs,
                         sizeof(fq_t));
    unsigned l, beta = c->lay->beta, l0 = c->lay->committed ? 0 : 1;
    size_t pos_e = 0;

    if (c->fail != NULL)
        return -1;
    /* the order of docs/protocol.md 7.8; positions first, values for the prover */
    for (l = 0; l < c->L; l++) {
        pos_w[l] = n;
        if (c->prover)
            v[n] = inst[l].tables[0][0];
        n++;
    }
    /* committed inputs: layer 1's x_1 = X_1~(z1), p_1, then the e_k (4.4 step 8) */
    for (l = l0; l < c->L; l++) {
        pos_x[l] = n;
        if (c->prover) {
            v[n] = inst[l].tables[1][0];
            fq_mul(&v[n + 1], &v[pos_w[l]], &v[n]);
        }
        n += 2;
    }
    pos_e = n;
    for (k = 0; k < c->lay->n_xlimbs; k++, n++)
        if (c->prover) {
            fq_t z1[2 * LAYOUT_MAX_LOG];

            memcpy(z1, c->tau[0], beta * sizeof(fq_t));
            memcpy(z1 + beta, c->r1 + (c->n1 - c->lay->nu[0]), c->lay->nu[0] * sizeof(fq_t));
            ictx_p1_eval(c, &v[n], c->lay->p1[c->lay->col_vin + k].offset,
                         beta + c->lay->nu[0], z1);
        }
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        const fq_t *rk = c->r1 + (c->n1 - lk->log_size);
        size_t p = n;

        pos_h[k] = n;
        n += 2 + (lk->is_act && lk->col_out >= 0) + 1;
        if (!c->prover)
            continue;
        v[p] = inst[c->L + k].tables[1][0];
        if (lk->is_act) {
            ictx_p1_eval(c, &v[p + 1], c->lay->p1[lk->col_in].offset, lk->log_size, rk);
            if (lk->col_out >= 0)
                ictx_p1_eval(c, &v[p + 2], c->lay->p1[lk->col_out].offset, lk->log_size, rk);
        } else
            v[p + 1] = inst[c->L + k].tables[2][0];
        fq_mul(&v[n - 1], &v[p], &inst[c->L + k].tables[2][0]);
    }
    for (t = 0; t < nt; t++) {
        pos_g[t] = n;
        if (c->prover) {
            v[n] = inst[c->L + nk + t].tables[1][0];
            v[n + 1] = inst[c->L + nk + t].tables[3][0];
        }
        n += 2;
    }
    /* version 2: each zero-check's out~ (unless public), t~, in~ and P = t~·in~ */
    for (k = 0; k < np; k++) {
        int out, tc, in;
        const sumcheck_instance *pi = c->prover ? &inst[c->L + nk + nt + k] : NULL;

        infer_pw_columns(c, (unsigned)k, &out, &tc, &in);
        pos_pw[k] = n;
        if (c->prover) {
            size_t p = n;

            if (out >= 0)
                v[p++] = pi->tables[1][0];
            v[p] = pi->tables[2][0];
            v[p + 1] = pi->tables[3][0];
            fq_mul(&v[p + 2], &v[p], &v[p + 1]);
        }
        n += (out >= 0) + 3;
    }
    if (ictx_exchange_committed(c, "S1/finals", v, n, &first) != 0)
        return -1;

    /* ids and the claims of S2 (products excluded) */
    for (l = 0; l < c->L; l++) {
        unsigned nu = c->lay->nu[l], mu = c->lay->mu[l];

        c->id_w[l] = first + pos_w[l];
        ictx_add_claim(c, POLY_W, c->wl.w_offset[l], nu + mu, c->r1 + (c->n1 - nu), nu,
                  c->tau[l] + beta, mu, c->id_w[l]);
    }
    for (l = l0; l < c->L; l++) {
        unsigned nu = c->lay->nu[l];

        c->id_x[l] = first + pos_x[l];
        c->id_p[l] = c->id_x[l] + 1;
        if (l == 0)                                 /* x_1: settled by the X opening */
            continue;
        ictx_add_claim(c, POLY_P1, c->lay->p1[c->lay->col_x[l - 1]].offset, beta + nu, c->tau[l],
                  beta, c->r1 + (c->n1 - nu), nu, c->id_x[l]);
    }
    c->id_e = first + pos_e;
    for (k = 0; k < c->lay->n_xlimbs; k++)          /* e_k = v^in_k~(τ_{1,b}, r^(ν_1)) */
        ictx_add_claim(c, POLY_P1, c->lay->p1[c->lay->col_vin + k].offset,
                       beta + c->lay->nu[0], c->tau[0], beta,
                       c->r1 + (c->n1 - c->lay->nu[0]), c->lay->nu[0], c->id_e + k);
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        unsigned n_k = lk->log_size;
        const fq_t *rk = c->r1 + (c->n1 - n_k);
        size_t id = first + pos_h[k];

        c->id_h[k] = id;
        ictx_add_claim(c, POLY_P2, c->lay->p2[k].offset, n_k, rk, n_k, NULL, 0, id++);
        c->id_in[k] = id;
        ictx_add_claim(c, POLY_P1, c->lay->p1[lk->col_in].offset, n_k, rk, n_k, NULL, 0, id++);
        if (lk->is_act && lk->col_out >= 0) {
            c->id_out[k] = id;
            ictx_add_claim(c, POLY_P1, c->lay->p1[lk->col_out].offset, n_k, rk, n_k, NULL, 0, id++);
        }
        c->id_P[k] = id;
    }
    for (t = 0; t < nt; t++) {
        unsigned w = c->lay->tables[t].log_size;
        const fq_t *rt = c->r1 + (c->n1 - w);

        c->id_g[t] = first + pos_g[t];
        c->id_m[t] = c->id_g[t] + 1;
        ictx_add_claim(c, POLY_P2, c->lay->p2[nk + t].offset, w, rt, w, NULL, 0, c->id_g[t]);
        ictx_add_claim(c, POLY_P1, c->lay->p1[c->lay->col_mult0 + t].offset, w, rt, w, NULL, 0,
                  c->id_m[t]);
    }
    for (k = 0; k < np; k++) {
        unsigned n_k = c->lay->pw[k].log_size;
        const fq_t *rk = c->r1 + (c->n1 - n_k);
        size_t id = first + pos_pw[k];
        int out, tc, in;

        infer_pw_columns(c, (unsigned)k, &out, &tc, &in);
        c->id_pw_out[k] = SIZE_MAX;
        if (out >= 0) {
            c->id_pw_out[k] = id;
            ictx_add_claim(c, POLY_P1, c->lay->p1[out].offset, n_k, rk, n_k, NULL, 0, id++);
        }
        c->id_pw_t[k] = id;
        ictx_add_claim(c, POLY_P1, c->lay->p1[tc].offset, n_k, rk, n_k, NULL, 0, id++);
        c->id_pw_in[k] = id;
        ictx_add_claim(c, POLY_P1, c->lay->p1[in].offset, n_k, rk, n_k, NULL, 0, id++);
        c->id_pw_P[k] = id;
    }
    return 0;
}

/* One product proof (X, Y, Z) with the prover's openings x, rx, y, ry, rz. */
static int
exchange_product(ictx *c, const ge_t *X, const ge_t *Y, const ge_t *Z, const fq_t *x,
                 const fq_t *rx, const fq_t *y, const fq_t *ry, const fq_t *rz)
{
    product_proof pf;
    const char *why = NULL;
    unsigned idx = c->n_products++;
    int rc;

    if (c->prover) {
        fq_t wrong;

        if (c->hooks != NULL && c->hooks->wrong_product == idx + 1) {  /* test seam */
            fq_add(&wrong, x, &FQ_ONE);
            x = &wrong;
        }
        if (product_prove(&pf, &c->t, &c->rng, X, Y, Z, x, rx, y, ry, rz) != 0)
            return ictx_fail(c, "the product prover failed");
        codec_put_product(c->w, &pf);
        return 0;
    }
    codec_get_product(c->r, &pf);
    if (ictx_reader_ok(c) != 0)
        return -1;
    /* the equations wait for the batch at the end of step 8 (docs/protocol.md 4.5); the
     * test seam's skipped proof does not join it */
    rc = product_verify_deferred(&c->products, &c->t, X, Y, Z, &pf,
                                 !infer_seam_skips(c, INFER_CHECK_PRODUCT, idx), &why);
    if (rc != 1)
        return ictx_fail(c, why != NULL ? why : "a product proof does not verify");
    return 0;
}

/*
 * Committed inputs (docs/protocol.md 7.20.3): c_k~ at a point r of β batch then ν_1
 * feature coordinates, Σ_{j<n_1} eq(r_j, bits(j))·((2^w_{j,k} - 1) + γ·w_{j,k}) (the
 * batch coordinates drop out).
 */
void
infer_input_offset_mle(ictx *c, unsigned k, const fq_t *r, fq_t *out)
{
    const infer_lookup *lk = &c->lay->lookups[k];
    unsigned nu = c->lay->nu[0];
    size_t j, n = c->m->layer[0].n;
    fq_t *eq = ictx_eq_table(c, r + c->lay->beta, nu), a, cw;

    fq_set_zero(out);
    if (eq == NULL)
        return;
    for (j = 0; j < n; j++) {
        unsigned w = infer_input_limb_width(c->lay, j, lk->limb);

        fq_set_u64(&cw, w);
        fq_mul(&cw, &cw, &c->gamma);
        fq_set_u64(&a, ((uint64_t)1 << w) - 1);
        fq_add(&cw, &cw, &a);
        fq_mul(&cw, &cw, &eq[j]);
        fq_add(out, out, &cw);
    }
}

/* Y_k: the commitment to f_k, formed homomorphically (section 7 step 8). */
static void
lookup_f_commitment(ictx *c, size_t k, ge_t *Y, fq_t *y, fq_t *ry)
{
    const infer_lookup *lk = &c->lay->lookups[k];
    gep_t p, s;
    fq_t out, g;

    *Y = c->com[c->id_in[k]];
    if (c->prover) {
        *y = c->val[c->id_in[k]];
        *ry = c->bl[c->id_in[k]];
    }
    if (!lk->is_act)
        return;
    if (lk->col_out >= 0) {                         /* C_q + γ·C_a */
        gep_set_ge(&p, &c->com[c->id_out[k]]);
        gep_mul_vartime(&p, &p, &c->gamma);
        if (c->prover) {
            fq_mul(&g, &c->gamma, &c->val[c->id_out[k]]);
            fq_add(y, y, &g);
            fq_mul(&g, &c->gamma, &c->bl[c->id_out[k]]);
            fq_add(ry, ry, &g);
        }
    } else {                                        /* C_q + (γ·OUT~(r^(k)))·G */
        mle_eval(&out, c->outpub, lk->log_size, c->r1 + (c->n1 - lk->log_size));
        fq_mul(&g, &c->gamma, &out);
        gep_set_ge(&p, generators_G());
        gep_mul_vartime(&p, &p, &g);
        if (c->prover)
            fq_add(y, y, &g);
    }
    gep_set_ge(&s, Y);
    gep_add(&p, &p, &s);
    ge_set_gep(Y, &p);
}

int
infer_step_s1_products(ictx *c)
{
    unsigned l;
    size_t k;
    fq_t zero;

    fq_set_zero(&zero);
    for (l = c->lay->committed ? 0 : 1; l < c->L; l++) {
        size_t w = c->id_w[l], x = c->id_x[l], p = c->id_p[l];

        if (exchange_product(c, &c->com[w], &c->com[x], &c->com[p], &c->val[w], &c->bl[w],
                             &c->val[x], &c->bl[x], &c->bl[p]) != 0)
            return -1;
    }
    for (k = 0; k < infer_s1_lookups(c); k++) {
        ge_t Y;
        fq_t y = zero, ry = zero;
        size_t h = c->id_h[k], P = c->id_P[k];

        lookup_f_commitment(c, k, &Y, &y, &ry);
        if (exchange_product(c, &c->com[h], &Y, &c->com[P], &c->val[h], &c->bl[h], &y, &ry,
                             &c->bl[P]) != 0)
            return -1;
    }
    for (k = 0; k < c->lay->n_pw; k++) {           /* version 2: (C_t, C_in, C_P) */
        size_t t = c->id_pw_t[k], x = c->id_pw_in[k], P = c->id_pw_P[k];

        if (exchange_product(c, &c->com[t], &c->com[x], &c->com[P], &c->val[t], &c->bl[t],
                             &c->val[x], &c->bl[x], &c->bl[P]) != 0)
            return -1;
    }
    if (!c->prover) {                               /* step 8's product proofs, at once */
        const char *why = NULL;

        if (product_batch_check(&c->products, &c->t, &why) != 1)
            return ictx_fail(c, why != NULL ? why : "a product proof does not verify");
    }
    return 0;
}
