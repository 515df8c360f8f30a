/*
 * infer_proof.c: the inference proof (PROTOCOL.md 7; docs/inference-proof.md).
 *
 * One context drives both roles through the same schedule, so the prover and the
 * verifier cannot disagree on the transcript order: every prover message goes through an
 * "exchange" that the prover writes and absorbs and the verifier reads and absorbs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "drbg.h"
#include "generators.h"
#include "infer_layout.h"
#include "infer_proof.h"
#include "infer_witness.h"
#include "layout.h"
#include "linrel.h"
#include "logup.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "sha256.h"
#include "sumcheck.h"
#include "weights.h"
#include "zkml.h"

#define POLY_P1 0
#define POLY_P2 1
#define POLY_W 2

/* A claim on one column of P1, P2 or W, tied to a committed scalar (section 7 step 9). */
typedef struct {
    int poly;
    size_t offset;
    unsigned kappa;
    fq_t z[LAYOUT_MAX_LOG];
    size_t id;
} claim;

typedef struct {
    int prover;
    const infer_statement *st;
    const zk_model *m;
    infer_layout *lay;
    weights_layout wl;
    unsigned L, n1, n2, mask_log;
    size_t nM;
    transcript_t t;
    codec_writer *w;
    codec_reader *r;
    linrel lr;
    drbg_t rng;
    const char *fail;           /* first failure, a static sentence */

    /* allocations, freed (and wiped) together */
    void **mem;
    size_t *mem_len, n_mem, cap_mem;

    /* public tables */
    fq_t *xpub, *outpub;

    /* challenges */
    fq_t alpha, gamma, rho1, rho2, mu, T1, e1, T2, e2;
    fq_t *tau[MODEL_MAX_LAYERS], *tau_lk, *lam_mm, *lam_lk, *lam_tb, *zeta, *theta;
    fq_t r1[SUMCHECK_MAX_ROUNDS], r2[SUMCHECK_MAX_ROUNDS];

    /* commitments */
    hyrax_commitment c1, c2;
    ge_t CM;
    ge_t *com;                  /* by linrel id */
    fq_t *val, *bl;             /* prover: by linrel id */
    size_t n_com, cap_com;

    /* claims and the ids of committed scalars */
    claim *claims;
    size_t n_claims;
    size_t id_q[MODEL_MAX_LAYERS], id_rem[MODEL_MAX_LAYERS], id_b[MODEL_MAX_LAYERS];
    size_t id_w[MODEL_MAX_LAYERS], id_x[MODEL_MAX_LAYERS], id_p[MODEL_MAX_LAYERS];
    size_t *id_h, *id_in, *id_out, *id_P, *id_g, *id_m;
    size_t id_u[3];

    /* prover only */
    const uint8_t *seed;        /* the model's secret seed (W blinds) */
    int64_t *p1;                /* the witness */
    fq_t *P1f, *P2f, *Wf, *mask, bM, *beta1, *beta2;
} ictx;

/* ---- small helpers ---- */

static int
ic_fail(ictx *c, const char *why)
{
    if (c->fail == NULL)
        c->fail = why;
    return -1;
}

static void *
ic_alloc(ictx *c, size_t n, size_t size)
{
    void *p;

    if (c->fail != NULL)
        return NULL;
    if (c->n_mem == c->cap_mem) {
        size_t cap = c->cap_mem ? 2 * c->cap_mem : 64;
        void **m = realloc(c->mem, cap * sizeof *m);
        size_t *ml;

        if (m == NULL) {
            ic_fail(c, "out of memory");
            return NULL;
        }
        c->mem = m;
        ml = realloc(c->mem_len, cap * sizeof *ml);
        if (ml == NULL) {
            ic_fail(c, "out of memory");
            return NULL;
        }
        c->mem_len = ml;
        c->cap_mem = cap;
    }
    p = calloc(n ? n : 1, size);
    if (p == NULL) {
        ic_fail(c, "out of memory");
        return NULL;
    }
    c->mem[c->n_mem] = p;
    c->mem_len[c->n_mem++] = (n ? n : 1) * size;
    return p;
}

static void
ic_free_all(ictx *c)
{
    size_t i;

    for (i = 0; i < c->n_mem; i++) {
        explicit_bzero(c->mem[i], c->mem_len[i]);
        free(c->mem[i]);
    }
    free(c->mem);
    free(c->mem_len);
    hyrax_commitment_free(&c->c1);
    hyrax_commitment_free(&c->c2);
    linrel_clear(&c->lr);
    if (c->prover)
        drbg_clear(&c->rng);
}

/* 2^k in the field, k <= 64 */
static void
fq_pow2(fq_t *r, unsigned k)
{
    fq_t two32;

    if (k < 64) {
        fq_set_u64(r, (uint64_t)1 << k);
        return;
    }
    fq_set_u64(&two32, (uint64_t)1 << 32);
    fq_mul(r, &two32, &two32);
}

/* eq(a, b) over k coordinates */
static void
eq_eval(fq_t *r, const fq_t *a, const fq_t *b, unsigned k)
{
    fq_t acc = FQ_ONE, ab, t;
    unsigned i;

    for (i = 0; i < k; i++) {
        fq_mul(&ab, &a[i], &b[i]);                  /* a·b + (1-a)(1-b) = 2ab - a - b + 1 */
        fq_dbl(&t, &ab);
        fq_sub(&t, &t, &a[i]);
        fq_sub(&t, &t, &b[i]);
        fq_add(&t, &t, &FQ_ONE);
        fq_mul(&acc, &acc, &t);
    }
    *r = acc;
}

static fq_t *
eq_table_new(ictx *c, const fq_t *z, unsigned k)
{
    fq_t *e = ic_alloc(c, (size_t)1 << k, sizeof(fq_t));

    if (e != NULL)
        mle_eq_table(e, z, k);
    return e;
}

static fq_t *
fq_copy(ictx *c, const fq_t *src, size_t n)
{
    fq_t *d = ic_alloc(c, n, sizeof(fq_t));

    if (d != NULL)
        memcpy(d, src, n * sizeof(fq_t));
    return d;
}

/* ---- exchanges: the prover writes and absorbs, the verifier reads and absorbs ---- */

static int
reader_ok(ictx *c)
{
    if (!c->prover && c->r->error != NULL)
        return ic_fail(c, c->r->error);
    return 0;
}

static int
exchange_points(ictx *c, const char *label, ge_t *p, size_t n)
{
    if (c->prover)
        codec_put_points(c->w, p, n);
    else if (codec_get_points(c->r, p, n) != 0)
        return reader_ok(c);
    if (label != NULL)
        transcript_absorb_points(&c->t, label, p, n);
    return 0;
}

/*
 * n committed scalars: the prover commits v[i] with fresh blinds; both register them
 * with the accumulator in order (first id written to *first) and exchange the points
 * as one vector under label.
 */
static int
exchange_committed(ictx *c, const char *label, const fq_t *v, size_t n, size_t *first)
{
    ge_t *pts = ic_alloc(c, n, sizeof(ge_t));
    size_t i, id;

    if (pts == NULL)
        return -1;
    if (n > c->cap_com - c->n_com)
        return ic_fail(c, "internal failure: too many committed scalars");
    if (c->prover) {
        gep_t *pp = ic_alloc(c, n, sizeof(gep_t));

        if (pp == NULL)
            return -1;
        for (i = 0; i < n; i++) {
            c->val[c->n_com + i] = v[i];
            if (drbg_scalar(&c->rng, &c->bl[c->n_com + i]) != 0)
                return ic_fail(c, "the prover's random generator failed");
            pedersen_com1(&pp[i], &v[i], &c->bl[c->n_com + i]);
        }
        ge_set_gep_batch(pts, pp, n);
    }
    if (exchange_points(c, label, pts, n) != 0)
        return -1;
    *first = c->n_com;
    for (i = 0; i < n; i++) {
        int rc = c->prover
                     ? linrel_add_secret(&c->lr, &c->val[c->n_com], &c->bl[c->n_com], &id)
                     : linrel_add_commitment(&c->lr, &pts[i], &id);

        if (rc != 0 || id != c->n_com)
            return ic_fail(c, "internal failure registering a commitment");
        c->com[c->n_com++] = pts[i];
    }
    return 0;
}

/* Hyrax rows: the prover commits a table, the verifier reads 2^lr rows. */
static int
exchange_rows(ictx *c, const char *label, hyrax_commitment *h, const int32_t *small,
              const fq_t *full, const fq_t *beta)
{
    unsigned lc, lr;

    hyrax_split(c->lay->l_P, &lc, &lr);
    if (c->prover) {
        int rc = small ? hyrax_commit_small(h, small, c->lay->l_P, beta)
                       : hyrax_commit(h, full, c->lay->l_P, beta);

        if (rc != 0)
            return ic_fail(c, "could not commit a witness polynomial");
    } else {
        h->l = c->lay->l_P;
        h->lc = lc;
        h->lr = lr;
        h->rows = calloc((size_t)1 << lr, sizeof(ge_t));
        if (h->rows == NULL)
            return ic_fail(c, "out of memory");
    }
    return exchange_points(c, label, h->rows, (size_t)1 << lr);
}

static void
add_claim(ictx *c, int poly, size_t offset, unsigned kappa, const fq_t *z_lo, unsigned n_lo,
          const fq_t *z_hi, unsigned n_hi, size_t id)
{
    claim *cl = &c->claims[c->n_claims++];

    cl->poly = poly;
    cl->offset = offset;
    cl->kappa = kappa;
    memcpy(cl->z, z_lo, n_lo * sizeof(fq_t));
    if (n_hi > 0)
        memcpy(cl->z + n_lo, z_hi, n_hi * sizeof(fq_t));
    cl->id = id;
}

/* ---- step 0 and the shapes ---- */

static int
hash_ints(uint8_t out[32], const int32_t *v, size_t n)
{
    sha256_ctx h;
    size_t i;

    sha256_begin(&h);
    for (i = 0; i < n; i++)
        sha256_write_u32le(&h, (uint32_t)v[i]);
    return sha256_finish(&h, out);
}

static int
setup(ictx *c)
{
    const infer_statement *st = c->st;
    const zk_model *m = st->model;
    unsigned l, t, lcP, lrP, lcW, lrW, nmax;
    char err[MODEL_ERR_LEN];

    c->m = m;
    c->L = m->n_layers;
    c->lay = ic_alloc(c, 1, sizeof(infer_layout));
    if (c->lay == NULL || infer_layout_build(c->lay, m, st->batch, err) != 0 ||
        weights_layout_build(&c->wl, m) != 0)
        return ic_fail(c, "the statement's model or batch size is not usable");
    hyrax_split(c->wl.l_W, &lcW, &lrW);
    if (st->w_rows == NULL || st->w_rows->l != c->wl.l_W || st->w_rows->lr != lrW ||
        st->w_rows->lc != lcW || st->w_rows->rows == NULL)
        return ic_fail(c, "the W row commitments do not match the model's shapes");
    nmax = 0;
    for (l = 0; l < c->L; l++) {
        nmax = c->lay->nu[l] > nmax ? c->lay->nu[l] : nmax;
        nmax = c->lay->beta + c->lay->mu[l] > nmax ? c->lay->beta + c->lay->mu[l] : nmax;
    }
    for (t = 0; t < c->lay->n_tables; t++)
        nmax = c->lay->tables[t].log_size > nmax ? c->lay->tables[t].log_size : nmax;
    c->n1 = nmax;
    c->n2 = c->lay->l_P > c->wl.l_W ? c->lay->l_P : c->wl.l_W;
    if (c->n1 > SUMCHECK_MAX_ROUNDS || c->n2 > SUMCHECK_MAX_ROUNDS)
        return ic_fail(c, "the statement needs too many sumcheck rounds");
    c->mask_log = infer_log2_ceil(4 * (uint64_t)c->n1 + 3 * (uint64_t)c->n2);
    c->nM = (size_t)1 << c->mask_log;
    hyrax_split(c->lay->l_P, &lcP, &lrP);
    {
        size_t need = (size_t)1 << lcP;

        if (((size_t)1 << lcW) > need)
            need = (size_t)1 << lcW;
        if (c->nM > need)
            need = c->nM;
        if (generators_V(need) == NULL)
            return ic_fail(c, "could not compute the generators");
    }
    /* arrays sized by the layout */
    {
        size_t nk = c->lay->n_lookups, nt = c->lay->n_tables;
        size_t ncom = 4 * (size_t)c->L + (size_t)c->L * MODEL_MAX_LIMBS + 5 * nk + 2 * nt + 8;

        c->cap_com = ncom;
        c->com = ic_alloc(c, ncom, sizeof(ge_t));
        c->val = ic_alloc(c, ncom, sizeof(fq_t));
        c->bl = ic_alloc(c, ncom, sizeof(fq_t));
        c->claims = ic_alloc(c, ncom, sizeof(claim));
        c->theta = ic_alloc(c, ncom, sizeof(fq_t));
        c->id_h = ic_alloc(c, nk, sizeof(size_t));
        c->id_in = ic_alloc(c, nk, sizeof(size_t));
        c->id_out = ic_alloc(c, nk, sizeof(size_t));
        c->id_P = ic_alloc(c, nk, sizeof(size_t));
        c->id_g = ic_alloc(c, nt, sizeof(size_t));
        c->id_m = ic_alloc(c, nt, sizeof(size_t));
        c->lam_mm = ic_alloc(c, c->L, sizeof(fq_t));
        c->lam_lk = ic_alloc(c, nk, sizeof(fq_t));
        c->lam_tb = ic_alloc(c, nt, sizeof(fq_t));
        c->zeta = ic_alloc(c, nt, sizeof(fq_t));
        c->tau_lk = ic_alloc(c, c->n1, sizeof(fq_t));
        for (l = 0; l < c->L; l++)
            c->tau[l] = ic_alloc(c, c->lay->beta + c->lay->mu[l], sizeof(fq_t));
    }
    if (c->fail != NULL)
        return -1;
    /* the public matrices: X_1 (b + 2^β·j) and the outputs (b + 2^β·i), padded (6.2) */
    {
        size_t cols = (size_t)1 << c->lay->beta, B = st->batch, b, j;
        size_t n1rows = (size_t)1 << c->lay->nu[0], mrows = (size_t)1 << c->lay->mu[c->L - 1];
        const model_layer *last = &m->layer[c->L - 1];
        int32_t act0 = last->act[(size_t)1 << (last->q_bits - 1)];

        c->xpub = ic_alloc(c, cols * n1rows, sizeof(fq_t));
        c->outpub = ic_alloc(c, cols * mrows, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (j = 0; j < n1rows; j++)
            for (b = 0; b < cols; b++) {
                size_t bb = b < B ? b : B - 1;

                if (j < m->layer[0].n)
                    fq_set_i64(&c->xpub[b + cols * j], st->inputs[bb * m->layer[0].n + j]);
            }
        for (j = 0; j < mrows; j++)
            for (b = 0; b < cols; b++) {
                size_t bb = b < B ? b : B - 1;

                fq_set_i64(&c->outpub[b + cols * j],
                           j < last->m ? st->outputs[bb * last->m + j] : act0);
            }
    }
    return 0;
}

/* Step 0: the statement (docs/inference-proof.md). */
static int
absorb_statement(ictx *c)
{
    const infer_statement *st = c->st;
    const zk_model *m = c->m;
    uint8_t d[32], params[32];
    char err[MODEL_ERR_LEN];
    unsigned lc, lr, lcW, lrW;
    size_t nv;
    sha256_ctx h;

    transcript_init(&c->t, "ZKMLPG-V1/inference", 19);
    hyrax_split(c->lay->l_P, &lc, &lr);
    hyrax_split(c->wl.l_W, &lcW, &lrW);
    nv = (size_t)1 << lc;
    if (((size_t)1 << lcW) > nv)
        nv = (size_t)1 << lcW;
    if (c->nM > nv)
        nv = c->nM;
    if (generators_param_digest(nv, d) != 0)
        return ic_fail(c, "could not hash the parameters");
    sha256_begin(&h);
    sha256_write(&h, d, 32);
    sha256_write_u32le(&h, HYRAX_DELTA);
    sha256_write_u32le(&h, MODEL_DEFAULT_Q);
    sha256_write_u32le(&h, MODEL_DEFAULT_LIMB_BITS);
    if (sha256_finish(&h, params) != 0)
        return ic_fail(c, "could not hash the parameters");
    transcript_absorb(&c->t, "stmt/params", params, 32);
    if (model_descriptor_digest(d, m, err) != MODEL_OK)
        return ic_fail(c, "could not hash the model descriptor");
    transcript_absorb(&c->t, "stmt/model-descriptor", d, 32);
    transcript_absorb_points(&c->t, "stmt/W-rows", st->w_rows->rows,
                             (size_t)1 << st->w_rows->lr);
    transcript_absorb_u64(&c->t, "stmt/B", st->batch);
    transcript_absorb(&c->t, "stmt/context", st->context, st->context_len);
    if (hash_ints(d, st->inputs, st->batch * m->layer[0].n) != 0)
        return ic_fail(c, "could not hash the inputs");
    transcript_absorb(&c->t, "stmt/inputs", d, 32);
    if (hash_ints(d, st->outputs, st->batch * m->layer[c->L - 1].m) != 0)
        return ic_fail(c, "could not hash the outputs");
    transcript_absorb(&c->t, "stmt/outputs", d, 32);
    return c->t.failed ? ic_fail(c, "transcript failure") : 0;
}

/* ---- steps 1-3: P1 and the mask, α and γ, P2 ---- */

static int
lookup_f(ictx *c, unsigned k, size_t x, fq_t *f)
{
    const infer_lookup *lk = &c->lay->lookups[k];
    const fq_t *in = c->P1f + c->lay->p1[lk->col_in].offset;

    *f = in[x];
    if (lk->is_act) {
        fq_t a;

        a = lk->col_out >= 0 ? c->P1f[c->lay->p1[lk->col_out].offset + x] : c->outpub[x];
        fq_mul(&a, &a, &c->gamma);
        fq_add(f, f, &a);
    }
    return 0;
}

static int
commit_phase(ictx *c)
{
    unsigned lc, lr;
    size_t nrows, i, k, t;
    int32_t *small = NULL;

    hyrax_split(c->lay->l_P, &lc, &lr);
    nrows = (size_t)1 << lr;
    if (c->prover) {
        size_t len = (size_t)1 << c->lay->l_P;

        small = ic_alloc(c, len, sizeof(int32_t));
        c->beta1 = ic_alloc(c, nrows, sizeof(fq_t));
        c->beta2 = ic_alloc(c, nrows, sizeof(fq_t));
        c->mask = ic_alloc(c, c->nM, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (i = 0; i < len; i++)
            small[i] = (int32_t)c->p1[i];
        if (drbg_scalars(&c->rng, c->beta1, nrows) != 0 ||
            drbg_scalars(&c->rng, c->mask, c->nM) != 0 || drbg_scalar(&c->rng, &c->bM) != 0)
            return ic_fail(c, "the prover's random generator failed");
    }
    if (exchange_rows(c, "P1/rows", &c->c1, small, NULL, c->beta1) != 0)
        return -1;
    if (c->prover) {
        gep_t p;

        if (pedersen_comv(&p, c->mask, c->nM, &c->bM) != 0)
            return ic_fail(c, "could not commit the mask");
        ge_set_gep(&c->CM, &p);
    }
    if (exchange_points(c, "mask/C", &c->CM, 1) != 0)
        return -1;
    if (transcript_challenge(&c->t, "lookup/alpha", 0, &c->alpha) != 0 ||
        transcript_challenge(&c->t, "lookup/gamma", 0, &c->gamma) != 0)
        return ic_fail(c, "transcript failure");
    if (c->prover) {
        size_t len = (size_t)1 << c->lay->l_P;
        fq_t *f, *tv;

        c->P2f = ic_alloc(c, len, sizeof(fq_t));
        if (c->P2f == NULL)
            return -1;
        for (k = 0; k < c->lay->n_lookups; k++) {
            size_t n = (size_t)1 << c->lay->lookups[k].log_size;

            f = ic_alloc(c, n, sizeof(fq_t));
            if (f == NULL)
                return -1;
            for (i = 0; i < n; i++)
                lookup_f(c, (unsigned)k, i, &f[i]);
            if (logup_inverse_column(c->P2f + c->lay->p2[k].offset, f, NULL, n, &c->alpha) != 0)
                return ic_fail(c, "a lookup denominator vanished; prove again");
        }
        for (t = 0; t < c->lay->n_tables; t++) {
            const infer_table *T = &c->lay->tables[t];
            size_t n = (size_t)1 << T->log_size;

            tv = ic_alloc(c, n, sizeof(fq_t));
            if (tv == NULL)
                return -1;
            logup_table_values(tv, &T->table, &c->gamma);
            if (logup_inverse_column(c->P2f + c->lay->p2[c->lay->n_lookups + t].offset, tv,
                                     c->P1f + c->lay->p1[c->lay->col_mult0 + t].offset, n,
                                     &c->alpha) != 0)
                return ic_fail(c, "a table denominator vanished; prove again");
        }
        if (drbg_scalars(&c->rng, c->beta2, nrows) != 0)
            return ic_fail(c, "the prover's random generator failed");
    }
    return exchange_rows(c, "P2/rows", &c->c2, NULL, c->P2f, c->beta2);
}

/* ---- steps 4-6: τ, the pre-claims, λ, ζ, ρ1 ---- */

static int
preclaims(ictx *c)
{
    unsigned l, k, beta = c->lay->beta;
    size_t n = 0;
    fq_t *v = ic_alloc(c, (size_t)c->L * (MODEL_MAX_LIMBS + 2), sizeof(fq_t));
    size_t first;

    if (v == NULL)
        return -1;
    for (l = 0; l < c->L; l++)
        if (transcript_challenges(&c->t, "mm/tau", 0, c->tau[l], beta + c->lay->mu[l]) != 0)
            return ic_fail(c, "transcript failure");
    if (transcript_challenges(&c->t, "lk/tau", 0, c->tau_lk, c->n1) != 0)
        return ic_fail(c, "transcript failure");
    for (l = 0; l < c->L; l++) {
        unsigned vars = beta + c->lay->mu[l];

        if (c->prover) {
            mle_eval(&v[n], c->P1f + c->lay->p1[c->lay->col_q[l]].offset, vars, c->tau[l]);
            for (k = 0; k < c->lay->n_limbs[l]; k++)
                mle_eval(&v[n + 1 + k], c->P1f + c->lay->p1[c->lay->col_rem[l] + k].offset,
                         vars, c->tau[l]);
            mle_eval(&v[n + 1 + c->lay->n_limbs[l]], c->Wf + c->wl.b_offset[l],
                     c->lay->mu[l], c->tau[l] + beta);
        }
        n += c->lay->n_limbs[l] + 2;
    }
    if (exchange_committed(c, "S1/pre-claims", v, n, &first) != 0)
        return -1;
    for (l = 0; l < c->L; l++) {
        unsigned vars = beta + c->lay->mu[l];

        c->id_q[l] = first;
        add_claim(c, POLY_P1, c->lay->p1[c->lay->col_q[l]].offset, vars, c->tau[l], vars,
                  NULL, 0, first++);
        c->id_rem[l] = first;
        for (k = 0; k < c->lay->n_limbs[l]; k++)
            add_claim(c, POLY_P1, c->lay->p1[c->lay->col_rem[l] + k].offset, vars, c->tau[l],
                      vars, NULL, 0, first++);
        c->id_b[l] = first;
        add_claim(c, POLY_W, c->wl.b_offset[l], c->lay->mu[l], c->tau[l] + beta,
                  c->lay->mu[l], NULL, 0, first++);
    }
    if (transcript_challenges(&c->t, "S1/lambda-mm", 0, c->lam_mm, c->L) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-lk", 0, c->lam_lk, c->lay->n_lookups) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-tb", 0, c->lam_tb, c->lay->n_tables) != 0 ||
        transcript_challenges(&c->t, "S1/zeta", 0, c->zeta, c->lay->n_tables) != 0 ||
        transcript_challenge(&c->t, "S1/rho", 0, &c->rho1) != 0)
        return ic_fail(c, "transcript failure");
    return 0;
}

/* ---- step 7: S1 ---- */

/* The prover's S1 instances: MM_l, then LK_k, then TB_T (tables are working copies). */
static sumcheck_instance *
s1_instances(ictx *c, size_t *count)
{
    size_t nk = c->lay->n_lookups, nt = c->lay->n_tables, k, t, i, j, b;
    sumcheck_instance *inst = ic_alloc(c, c->L + nk + nt, sizeof(sumcheck_instance));
    unsigned l, beta = c->lay->beta;
    static const unsigned wx[2] = {0, 1};

    if (inst == NULL)
        return NULL;
    for (l = 0; l < c->L; l++) {
        const model_layer *ly = &c->m->layer[l];
        unsigned nu = c->lay->nu[l], mu = c->lay->mu[l];
        fq_t *eqi = eq_table_new(c, c->tau[l] + beta, mu), *eqb = eq_table_new(c, c->tau[l], beta);
        fq_t *wv = ic_alloc(c, (size_t)1 << nu, sizeof(fq_t));
        fq_t *xv = ic_alloc(c, (size_t)1 << nu, sizeof(fq_t));
        const fq_t *X = l == 0 ? c->xpub : c->P1f + c->lay->p1[c->lay->col_a[l - 1]].offset;
        size_t cols = (size_t)1 << beta;

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
            ic_fail(c, "internal failure building S1");
            return NULL;
        }
    }
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        unsigned n = lk->log_size;
        fq_t *eq = eq_table_new(c, c->tau_lk + (c->n1 - n), n);
        fq_t *h = fq_copy(c, c->P2f + c->lay->p2[k].offset, (size_t)1 << n);
        fq_t *f = ic_alloc(c, (size_t)1 << n, sizeof(fq_t)), zw;

        if (c->fail != NULL)
            return NULL;
        for (i = 0; i < ((size_t)1 << n); i++)
            lookup_f(c, (unsigned)k, i, &f[i]);
        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, n);
        if (logup_lookup_instance(&inst[c->L + k], n, eq, h, f, &c->lam_lk[k], &c->alpha,
                                  &zw) != 0) {
            ic_fail(c, "internal failure building S1");
            return NULL;
        }
    }
    for (t = 0; t < nt; t++) {
        const infer_table *T = &c->lay->tables[t];
        unsigned w = T->log_size;
        fq_t *eq = eq_table_new(c, c->tau_lk + (c->n1 - w), w);
        fq_t *g = fq_copy(c, c->P2f + c->lay->p2[nk + t].offset, (size_t)1 << w);
        fq_t *m = fq_copy(c, c->P1f + c->lay->p1[c->lay->col_mult0 + t].offset, (size_t)1 << w);
        fq_t *tv = ic_alloc(c, (size_t)1 << w, sizeof(fq_t)), zw;

        if (c->fail != NULL)
            return NULL;
        logup_table_values(tv, &T->table, &c->gamma);
        logup_zeta_weight(&zw, &c->zeta[t], c->n1, w);
        if (logup_table_instance(&inst[c->L + nk + t], w, eq, g, tv, m, &c->lam_tb[t],
                                 &c->alpha, &zw) != 0) {
            ic_fail(c, "internal failure building S1");
            return NULL;
        }
    }
    *count = c->L + nk + nt;
    return inst;
}

/* A sumcheck on both sides; the prover's instances are given, the verifier's are not. */
static int
run_sumcheck(ictx *c, const char *label, unsigned n, unsigned degree, const fq_t *rho,
             const fq_t *mask, sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *r,
             fq_t *e)
{
    size_t nmsg = sumcheck_message_count(n, degree);
    fq_t *msg = ic_alloc(c, nmsg, sizeof(fq_t));
    const char *why = NULL;

    if (msg == NULL)
        return -1;
    if (c->prover) {
        if (sumcheck_prove(&c->t, label, n, degree, rho, mask, inst, ninst, T, msg, nmsg, r, e,
                           NULL) != 0)
            return ic_fail(c, "the sumcheck prover failed");
        codec_put_scalar(c->w, T);
        codec_put_scalars(c->w, msg, nmsg);
        return 0;
    }
    codec_get_scalar(c->r, T);
    codec_get_scalars(c->r, msg, nmsg);
    if (reader_ok(c) != 0)
        return -1;
    if (sumcheck_verify(&c->t, label, n, degree, T, msg, nmsg, r, e, &why) != 1)
        return ic_fail(c, why != NULL ? why : "the sumcheck messages are malformed");
    return 0;
}

/* ---- step 8: S1 finals and product proofs ---- */

static int
s1_finals(ictx *c, sumcheck_instance *inst)
{
    size_t nk = c->lay->n_lookups, nt = c->lay->n_tables, k, t, n = 0, first;
    size_t pos_w[MODEL_MAX_LAYERS], pos_x[MODEL_MAX_LAYERS];
    size_t *pos_h = ic_alloc(c, nk, sizeof(size_t)), *pos_g = ic_alloc(c, nt, sizeof(size_t));
    fq_t *v = ic_alloc(c, 3 * (size_t)c->L + 5 * nk + 2 * nt + 1, sizeof(fq_t));
    unsigned l, beta = c->lay->beta;

    if (c->fail != NULL)
        return -1;
    /* the order of docs/inference-proof.md step 8; positions first, values for the prover */
    for (l = 0; l < c->L; l++) {
        pos_w[l] = n;
        if (c->prover)
            v[n] = inst[l].tables[0][0];
        n++;
    }
    for (l = 1; l < c->L; l++) {
        pos_x[l] = n;
        if (c->prover) {
            v[n] = inst[l].tables[1][0];
            fq_mul(&v[n + 1], &v[pos_w[l]], &v[n]);
        }
        n += 2;
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
            mle_eval(&v[p + 1], c->P1f + c->lay->p1[lk->col_in].offset, lk->log_size, rk);
            if (lk->col_out >= 0)
                mle_eval(&v[p + 2], c->P1f + c->lay->p1[lk->col_out].offset, lk->log_size, rk);
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
    if (exchange_committed(c, "S1/finals", v, n, &first) != 0)
        return -1;

    /* ids and the claims of S2 (products excluded) */
    for (l = 0; l < c->L; l++) {
        unsigned nu = c->lay->nu[l], mu = c->lay->mu[l];

        c->id_w[l] = first + pos_w[l];
        add_claim(c, POLY_W, c->wl.w_offset[l], nu + mu, c->r1 + (c->n1 - nu), nu,
                  c->tau[l] + beta, mu, c->id_w[l]);
    }
    for (l = 1; l < c->L; l++) {
        unsigned nu = c->lay->nu[l];

        c->id_x[l] = first + pos_x[l];
        c->id_p[l] = c->id_x[l] + 1;
        add_claim(c, POLY_P1, c->lay->p1[c->lay->col_a[l - 1]].offset, beta + nu, c->tau[l],
                  beta, c->r1 + (c->n1 - nu), nu, c->id_x[l]);
    }
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        unsigned n_k = lk->log_size;
        const fq_t *rk = c->r1 + (c->n1 - n_k);
        size_t id = first + pos_h[k];

        c->id_h[k] = id;
        add_claim(c, POLY_P2, c->lay->p2[k].offset, n_k, rk, n_k, NULL, 0, id++);
        c->id_in[k] = id;
        add_claim(c, POLY_P1, c->lay->p1[lk->col_in].offset, n_k, rk, n_k, NULL, 0, id++);
        if (lk->is_act && lk->col_out >= 0) {
            c->id_out[k] = id;
            add_claim(c, POLY_P1, c->lay->p1[lk->col_out].offset, n_k, rk, n_k, NULL, 0, id++);
        }
        c->id_P[k] = id;
    }
    for (t = 0; t < nt; t++) {
        unsigned w = c->lay->tables[t].log_size;
        const fq_t *rt = c->r1 + (c->n1 - w);

        c->id_g[t] = first + pos_g[t];
        c->id_m[t] = c->id_g[t] + 1;
        add_claim(c, POLY_P2, c->lay->p2[nk + t].offset, w, rt, w, NULL, 0, c->id_g[t]);
        add_claim(c, POLY_P1, c->lay->p1[c->lay->col_mult0 + t].offset, w, rt, w, NULL, 0,
                  c->id_m[t]);
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

    if (c->prover) {
        if (product_prove(&pf, &c->t, &c->rng, X, Y, Z, x, rx, y, ry, rz) != 0)
            return ic_fail(c, "the product prover failed");
        codec_put_product(c->w, &pf);
        return 0;
    }
    codec_get_product(c->r, &pf);
    if (reader_ok(c) != 0)
        return -1;
    if (product_verify(&c->t, X, Y, Z, &pf, &why) != 1)
        return ic_fail(c, why != NULL ? why : "a product proof does not verify");
    return 0;
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

static int
s1_products(ictx *c)
{
    unsigned l;
    size_t k;
    fq_t zero;

    fq_set_zero(&zero);
    for (l = 1; l < c->L; l++) {
        size_t w = c->id_w[l], x = c->id_x[l], p = c->id_p[l];

        if (exchange_product(c, &c->com[w], &c->com[x], &c->com[p], &c->val[w], &c->bl[w],
                             &c->val[x], &c->bl[x], &c->bl[p]) != 0)
            return -1;
    }
    for (k = 0; k < c->lay->n_lookups; k++) {
        ge_t Y;
        fq_t y = zero, ry = zero;
        size_t h = c->id_h[k], P = c->id_P[k];

        lookup_f_commitment(c, k, &Y, &y, &ry);
        if (exchange_product(c, &c->com[h], &Y, &c->com[P], &c->val[h], &c->bl[h], &y, &ry,
                             &c->bl[P]) != 0)
            return -1;
    }
    return 0;
}

/* ---- steps 9-10: S2 ---- */

static unsigned
poly_vars(const ictx *c, int poly)
{
    return poly == POLY_W ? c->wl.l_W : c->lay->l_P;
}

static int
s2(ictx *c)
{
    sumcheck_instance *inst = NULL;
    static const unsigned pk[2] = {0, 1};
    fq_t v[3];
    size_t i, j, first;

    if (transcript_challenges(&c->t, "S2/theta", 0, c->theta, c->n_claims) != 0 ||
        transcript_challenge(&c->t, "S2/rho", 0, &c->rho2) != 0)
        return ic_fail(c, "transcript failure");
    if (c->prover) {
        fq_t *K[3], *src[3] = {c->P1f, c->P2f, c->Wf};
        int x;

        inst = ic_alloc(c, 3, sizeof(sumcheck_instance));
        for (x = 0; x < 3; x++)
            K[x] = ic_alloc(c, (size_t)1 << poly_vars(c, x), sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        /* K_X = Σ_c θ_c·EqTable(z^_c): nonzero only on the claim's own column */
        for (i = 0; i < c->n_claims; i++) {
            const claim *cl = &c->claims[i];
            fq_t *e = eq_table_new(c, cl->z, cl->kappa);

            if (e == NULL)
                return -1;
            for (j = 0; j < ((size_t)1 << cl->kappa); j++) {
                fq_t tmp;

                fq_mul(&tmp, &c->theta[i], &e[j]);
                fq_add(&K[cl->poly][cl->offset + j], &K[cl->poly][cl->offset + j], &tmp);
            }
        }
        for (x = 0; x < 3; x++) {
            unsigned vars = poly_vars(c, x);
            fq_t *P = fq_copy(c, src[x], (size_t)1 << vars);

            if (P == NULL)
                return -1;
            sumcheck_instance_init(&inst[x], vars);
            if (sumcheck_instance_table(&inst[x], P) != 0 ||
                sumcheck_instance_table(&inst[x], K[x]) != 1 ||
                sumcheck_instance_term(&inst[x], &FQ_ONE, 2, pk) != 0)
                return ic_fail(c, "internal failure building S2");
        }
    }
    if (run_sumcheck(c, "S2", c->n2, 2, &c->rho2, c->prover ? c->mask + 4 * (size_t)c->n1 : NULL,
                     inst, 3, &c->T2, c->r2, &c->e2) != 0)
        return -1;
    if (c->prover)
        for (i = 0; i < 3; i++)
            v[i] = inst[i].tables[0][0];
    if (exchange_committed(c, "S2/finals", v, 3, &first) != 0)
        return -1;
    for (i = 0; i < 3; i++)
        c->id_u[i] = first + i;
    if (transcript_challenge(&c->t, "pcs/mu", 0, &c->mu) != 0)
        return ic_fail(c, "transcript failure");
    return 0;
}

/* ---- step 11: the two openings ---- */

static int
exchange_opening(ictx *c, const hyrax_commitment *h, const fq_t *table, const fq_t *beta,
                 const fq_t *z, const ge_t *Cv, const fq_t *bv)
{
    ipa_proof pf;
    const char *why = NULL;

    if (c->prover) {
        if (hyrax_open(&pf, &c->t, &c->rng, h, table, beta, z, Cv, bv) != 0)
            return ic_fail(c, "the opening prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, h->lc);
    if (reader_ok(c) != 0)
        return -1;
    if (hyrax_verify(&c->t, h, z, Cv, &pf, &why) != 1)
        return ic_fail(c, why != NULL ? why : "an opening does not verify");
    return 0;
}

static int
openings(ictx *c)
{
    size_t nrows = (size_t)1 << c->c1.lr, i, len;
    hyrax_commitment both = c->c1;
    fq_t *table = NULL, *beta = NULL, bv, tmp;
    gep_t p, q;
    ge_t Cv;
    int rc;

    both.rows = ic_alloc(c, nrows, sizeof(ge_t));
    if (both.rows == NULL)
        return -1;
    for (i = 0; i < nrows; i++) {                   /* C1_i + μ·C2_i */
        gep_set_ge(&p, &c->c2.rows[i]);
        gep_mul_vartime(&p, &p, &c->mu);
        gep_set_ge(&q, &c->c1.rows[i]);
        gep_add(&p, &p, &q);
        ge_set_gep(&both.rows[i], &p);
    }
    gep_set_ge(&p, &c->com[c->id_u[1]]);
    gep_mul_vartime(&p, &p, &c->mu);
    gep_set_ge(&q, &c->com[c->id_u[0]]);
    gep_add(&p, &p, &q);
    ge_set_gep(&Cv, &p);
    if (c->prover) {
        len = (size_t)1 << c->lay->l_P;
        table = ic_alloc(c, len, sizeof(fq_t));
        beta = ic_alloc(c, nrows, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (i = 0; i < len; i++) {
            fq_mul(&tmp, &c->mu, &c->P2f[i]);
            fq_add(&table[i], &c->P1f[i], &tmp);
        }
        for (i = 0; i < nrows; i++) {
            fq_mul(&tmp, &c->mu, &c->beta2[i]);
            fq_add(&beta[i], &c->beta1[i], &tmp);
        }
        fq_mul(&tmp, &c->mu, &c->bl[c->id_u[1]]);
        fq_add(&bv, &c->bl[c->id_u[0]], &tmp);
    }
    rc = exchange_opening(c, &both, table, beta, c->r2 + (c->n2 - c->lay->l_P), &Cv, &bv);
    if (rc != 0)
        return -1;
    beta = NULL;
    if (c->prover) {
        size_t wrows = (size_t)1 << c->st->w_rows->lr;

        beta = ic_alloc(c, wrows, sizeof(fq_t));
        if (beta == NULL || hyrax_blinds_from_seed(beta, wrows, c->seed) != 0)
            return ic_fail(c, "could not derive the W blinds");
    }
    return exchange_opening(c, c->st->w_rows, c->Wf, beta, c->r2 + (c->n2 - c->wl.l_W),
                            &c->com[c->id_u[2]], c->prover ? &c->bl[c->id_u[2]] : NULL);
}

/* ---- step 12: the linear relations R1..R4 ---- */

static int
relations(ictx *c)
{
    size_t nk = c->lay->n_lookups, nt = c->lay->n_tables, nf = c->L + nk + nt, k, t, i;
    linrel_form *f1 = ic_alloc(c, c->L, sizeof(linrel_form));
    linrel_term *t1 = ic_alloc(c, (size_t)c->L * (MODEL_MAX_LIMBS + 2), sizeof(linrel_term));
    linrel_form *f2 = ic_alloc(c, nf, sizeof(linrel_form));
    linrel_term *t2 = ic_alloc(c, 2 * nf, sizeof(linrel_term));
    linrel_term *t3 = ic_alloc(c, c->n_claims, sizeof(linrel_term)), t4[3];
    linrel_form f3, f4;
    fq_t *pt = ic_alloc(c, LAYOUT_MAX_LOG, sizeof(fq_t)), *lifted = ic_alloc(c, LAYOUT_MAX_LOG, sizeof(fq_t));
    unsigned l, beta = c->lay->beta;
    size_t nt1 = 0;

    if (c->fail != NULL)
        return -1;
    /* R1: H = Σ_l λ_l·2^(n1-ν_l)·(M^-1·(2^s·q + Σ 2^o_k·rem_k - 2^(s-1)) - b) */
    for (l = 0; l < c->L; l++) {
        const model_layer *ly = &c->m->layer[l];
        fq_t w, cst, p2;
        unsigned k2;

        fq_pow2(&w, c->n1 - c->lay->nu[l]);
        fq_mul(&w, &w, &c->lam_mm[l]);
        fq_set_u64(&cst, ly->mult);
        fq_inv(&cst, &cst);
        fq_mul(&cst, &cst, &w);
        f1[l].terms = t1 + nt1;
        t1[nt1].id = c->id_q[l];
        fq_pow2(&p2, ly->shift);
        fq_mul(&t1[nt1++].coef, &cst, &p2);
        for (k2 = 0; k2 < c->lay->n_limbs[l]; k2++) {
            t1[nt1].id = c->id_rem[l] + k2;
            fq_pow2(&p2, c->lay->limb_offset[l][k2]);
            fq_mul(&t1[nt1++].coef, &cst, &p2);
        }
        t1[nt1].id = c->id_b[l];
        fq_neg(&t1[nt1++].coef, &w);
        f1[l].n_terms = c->lay->n_limbs[l] + 2;
        fq_pow2(&p2, ly->shift - 1);
        fq_mul(&f1[l].constant, &cst, &p2);
        fq_neg(&f1[l].constant, &f1[l].constant);
    }
    if (sumcheck_relation_init(&c->lr, c->n1, 3, 0, &c->rho1, f1, c->L, &c->T1) != 0)
        return ic_fail(c, "internal failure building the relations");

    /* R2: the S1 instances at their finals */
    for (l = 0; l < c->L; l++) {
        f2[l].terms = &t2[2 * l];
        f2[l].n_terms = 1;
        fq_set_zero(&f2[l].constant);
        if (l == 0) {                               /* λ_1·X~pub(τ_{1,b}, r^(1))·w_1 */
            unsigned nu = c->lay->nu[0];

            memcpy(pt, c->tau[0], beta * sizeof(fq_t));
            memcpy(pt + beta, c->r1 + (c->n1 - nu), nu * sizeof(fq_t));
            mle_eval(&t2[0].coef, c->xpub, beta + nu, pt);
            fq_mul(&t2[0].coef, &t2[0].coef, &c->lam_mm[0]);
            t2[0].id = c->id_w[0];
        } else {
            t2[2 * l].id = c->id_p[l];
            t2[2 * l].coef = c->lam_mm[l];
        }
    }
    for (k = 0; k < nk; k++) {
        const infer_lookup *lk = &c->lay->lookups[k];
        unsigned n = lk->log_size;
        fq_t zw, e;

        logup_zeta_weight(&zw, &c->zeta[lk->table], c->n1, n);
        eq_eval(&e, c->tau_lk + (c->n1 - n), c->r1 + (c->n1 - n), n);
        logup_lookup_form(&f2[c->L + k], &t2[2 * (c->L + k)], c->id_h[k], c->id_P[k],
                          &c->lam_lk[k], &c->alpha, &zw, &e);
    }
    for (t = 0; t < nt; t++) {
        const infer_table *T = &c->lay->tables[t];
        unsigned w = T->log_size;
        fq_t zw, e, tr;

        logup_zeta_weight(&zw, &c->zeta[t], c->n1, w);
        eq_eval(&e, c->tau_lk + (c->n1 - w), c->r1 + (c->n1 - w), w);
        if (logup_table_mle(&tr, &T->table, c->r1 + (c->n1 - w), &c->gamma) != 0)
            return ic_fail(c, "out of memory");
        logup_table_form(&f2[c->L + nk + t], &t2[2 * (c->L + nk + t)], c->id_g[t], c->id_m[t],
                         &c->lam_tb[t], &c->alpha, &zw, &e, &tr);
    }
    if (sumcheck_relation_final(&c->lr, c->n1, 3, 0, &c->rho1, c->r1, f2, nf, &c->e1) != 0)
        return ic_fail(c, "internal failure building the relations");

    /* R3: Σ_c θ_c·2^(n2 - l(X_c))·v_c;  R4: u1·K1(r^P) + u2·K2(r^P) + uW·K_W(r^W) */
    for (i = 0; i < 3; i++) {
        t4[i].id = c->id_u[i];
        fq_set_zero(&t4[i].coef);
    }
    for (i = 0; i < c->n_claims; i++) {
        const claim *cl = &c->claims[i];
        unsigned lx = poly_vars(c, cl->poly);
        fq_t e;

        t3[i].id = cl->id;
        fq_pow2(&t3[i].coef, c->n2 - lx);
        fq_mul(&t3[i].coef, &t3[i].coef, &c->theta[i]);
        if (layout_claim_point(lifted, cl->z, cl->kappa, cl->offset, lx) != 0)
            return ic_fail(c, "internal failure lifting a claim");
        eq_eval(&e, lifted, c->r2 + (c->n2 - lx), lx);
        fq_mul(&e, &e, &c->theta[i]);
        fq_add(&t4[cl->poly].coef, &t4[cl->poly].coef, &e);
    }
    f3.terms = t3;
    f3.n_terms = c->n_claims;
    fq_set_zero(&f3.constant);
    f4.terms = t4;
    f4.n_terms = 3;
    fq_set_zero(&f4.constant);
    if (sumcheck_relation_init(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, &f3, 1,
                               &c->T2) != 0 ||
        sumcheck_relation_final(&c->lr, c->n2, 2, 4 * (size_t)c->n1, &c->rho2, c->r2, &f4, 1,
                                &c->e2) != 0)
        return ic_fail(c, "internal failure building the relations");
    return 0;
}

static int
linear_argument(ictx *c)
{
    ipa_proof pf;
    const char *why = NULL;

    if (c->prover) {
        size_t bad;

        if (linrel_check(&c->lr, c->mask, &bad) != 0)
            return ic_fail(c, "internal error: a linear relation of the proof does not hold");
        if (linrel_prove(&c->lr, &c->t, &c->rng, c->mask, &c->bM, &pf) != 0)
            return ic_fail(c, "the linear-relation prover failed");
        codec_put_ipa(c->w, &pf);
        return 0;
    }
    codec_get_ipa(c->r, &pf, c->mask_log);
    if (reader_ok(c) != 0)
        return -1;
    if (linrel_verify(&c->lr, &c->t, &pf, &why) != 1)
        return ic_fail(c, why != NULL ? why : "the linear relations do not hold");
    return 0;
}

/* Steps 1-12 after the statement, the same schedule for both roles. */
static int
run_protocol(ictx *c)
{
    sumcheck_instance *inst = NULL;
    size_t ninst = 0;

    if (commit_phase(c) != 0)
        return -1;
    if (c->prover)
        linrel_init_prover(&c->lr, &c->CM, c->mask_log);
    else
        linrel_init_verifier(&c->lr, &c->CM, c->mask_log);
    if (preclaims(c) != 0)
        return -1;
    if (c->prover && (inst = s1_instances(c, &ninst)) == NULL)
        return -1;
    if (run_sumcheck(c, "S1", c->n1, 3, &c->rho1, c->mask, inst, ninst, &c->T1, c->r1,
                     &c->e1) != 0 ||
        s1_finals(c, inst) != 0 || s1_products(c) != 0 || s2(c) != 0 || openings(c) != 0 ||
        relations(c) != 0 || linear_argument(c) != 0)
        return -1;
    return 0;
}

/* ---- entry points ---- */

int
infer_prove(uint8_t **proof, size_t *proof_len, const infer_statement *st,
            const uint8_t seed[32], const uint8_t *fixed_rng, char *err)
{
    ictx c;
    codec_writer w;
    model_trace tr;
    infer_witness wit;
    int32_t *wtab = NULL;
    size_t i, nout;
    int rc = -1;

    memset(&c, 0, sizeof c);
    memset(&tr, 0, sizeof tr);
    memset(&wit, 0, sizeof wit);
    codec_writer_init(&w);
    *proof = NULL;
    *proof_len = 0;
    c.prover = 1;
    c.st = st;
    c.w = &w;
    c.seed = seed;
    if (model_validate(st->model, err) != MODEL_OK)
        return -1;
    if (setup(&c) != 0)
        goto out;
    if (model_forward(&tr, st->model, st->inputs, st->batch, 0, err) != MODEL_OK)
        goto out_err;
    nout = st->batch * st->model->layer[c.L - 1].m;
    for (i = 0; i < nout; i++)
        if (tr.out[i] != st->outputs[i]) {
            ic_fail(&c, "the outputs are not what the model computes for these inputs");
            goto out;
        }
    if (infer_witness_build(&wit, c.lay, st->model, &tr, err) != 0)
        goto out_err;
    c.p1 = wit.p1;
    c.P1f = ic_alloc(&c, wit.len, sizeof(fq_t));
    c.Wf = ic_alloc(&c, (size_t)1 << c.wl.l_W, sizeof(fq_t));
    if (c.fail != NULL || weights_table(&wtab, &c.wl, st->model) != 0) {
        ic_fail(&c, "out of memory");
        goto out;
    }
    for (i = 0; i < wit.len; i++)
        fq_set_i64(&c.P1f[i], wit.p1[i]);
    for (i = 0; i < ((size_t)1 << c.wl.l_W); i++)
        fq_set_i64(&c.Wf[i], wtab[i]);
    if (absorb_statement(&c) != 0)
        goto out;
    if ((fixed_rng != NULL ? drbg_init_fixed(&c.rng, fixed_rng, seed, c.t.state)
                           : drbg_init(&c.rng, seed, c.t.state)) != 0) {
        ic_fail(&c, "the operating system's random generator failed");
        goto out;
    }
    codec_put_header(&w);
    if (run_protocol(&c) != 0)
        goto out;
    if (w.failed) {
        ic_fail(&c, "out of memory");
        goto out;
    }
    *proof = w.data;
    *proof_len = w.len;
    w.data = NULL;
    rc = 0;
out:
    if (rc != 0 && err != NULL && c.fail != NULL)
        snprintf(err, MODEL_ERR_LEN, "%s", c.fail);
out_err:
    if (wtab != NULL) {
        explicit_bzero(wtab, ((size_t)1 << c.wl.l_W) * sizeof(int32_t));
        free(wtab);
    }
    codec_writer_free(&w);
    infer_witness_free(&wit);
    model_trace_free(&tr);
    ic_free_all(&c);
    return rc;
}

int
infer_verify(const infer_statement *st, const uint8_t *proof, size_t proof_len,
             const char **reason)
{
    ictx c;
    codec_reader r;
    char err[MODEL_ERR_LEN];
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.r = &r;
    *reason = NULL;
    if (st->model == NULL || model_validate_public(st->model, err) != MODEL_OK ||
        setup(&c) != 0 || absorb_statement(&c) != 0) {
        *reason = c.fail != NULL ? c.fail : "the statement's model is not valid";
        ic_free_all(&c);
        return -1;
    }
    codec_reader_init(&r, proof, proof_len);
    codec_get_header(&r);
    if (reader_ok(&c) == 0 && run_protocol(&c) == 0 && codec_reader_finish(&r) == 0) {
        rc = 1;
    } else {
        rc = 0;
        *reason = c.fail != NULL ? c.fail : (r.error != NULL ? r.error : "rejected");
    }
    ic_free_all(&c);
    return rc;
}
