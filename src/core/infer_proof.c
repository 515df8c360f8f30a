/*
 * infer_proof.c: the inference proof (PROTOCOL.md 7; docs/inference-proof.md): the
 * statement and steps 1-8 on the shared schedule of infer_ctx.h, and the two entry
 * points.  Steps 9-12 are in infer_reduce.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generators.h"
#include "infer_ctx.h"
#include "infer_testing.h"
#include "infer_witness.h"
#include "logup.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "sha256.h"
#include "runtime.h"

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
    c->lay = ictx_alloc(c, 1, sizeof(infer_layout));
    if (c->lay == NULL || infer_layout_build(c->lay, m, st->batch, err) != 0 ||
        weights_layout_build(&c->wl, m) != 0)
        return ictx_fail(c, "the statement's model or batch size is not usable");
    hyrax_split(c->wl.l_W, &lcW, &lrW);
    if (st->w_rows == NULL || st->w_rows->l != c->wl.l_W || st->w_rows->lr != lrW ||
        st->w_rows->lc != lcW || st->w_rows->rows == NULL)
        return ictx_fail(c, "the W row commitments do not match the model's shapes");
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
        return ictx_fail(c, "the statement needs too many sumcheck rounds");
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
            return ictx_fail(c, "could not compute the generators");
    }
    /* arrays sized by the layout */
    {
        size_t nk = c->lay->n_lookups, nt = c->lay->n_tables;
        size_t ncom = 4 * (size_t)c->L + (size_t)c->L * MODEL_MAX_LIMBS + 5 * nk + 2 * nt + 8;

        c->cap_com = ncom;
        c->com = ictx_alloc(c, ncom, sizeof(ge_t));
        c->val = ictx_alloc(c, ncom, sizeof(fq_t));
        c->bl = ictx_alloc(c, ncom, sizeof(fq_t));
        c->claims = ictx_alloc(c, ncom, sizeof(claim));
        c->theta = ictx_alloc(c, ncom, sizeof(fq_t));
        c->id_h = ictx_alloc(c, nk, sizeof(size_t));
        c->id_in = ictx_alloc(c, nk, sizeof(size_t));
        c->id_out = ictx_alloc(c, nk, sizeof(size_t));
        c->id_P = ictx_alloc(c, nk, sizeof(size_t));
        c->id_g = ictx_alloc(c, nt, sizeof(size_t));
        c->id_m = ictx_alloc(c, nt, sizeof(size_t));
        c->lam_mm = ictx_alloc(c, c->L, sizeof(fq_t));
        c->lam_lk = ictx_alloc(c, nk, sizeof(fq_t));
        c->lam_tb = ictx_alloc(c, nt, sizeof(fq_t));
        c->zeta = ictx_alloc(c, nt, sizeof(fq_t));
        c->tau_lk = ictx_alloc(c, c->n1, sizeof(fq_t));
        for (l = 0; l < c->L; l++)
            c->tau[l] = ictx_alloc(c, c->lay->beta + c->lay->mu[l], sizeof(fq_t));
    }
    if (c->fail != NULL)
        return -1;
    /* the public matrices: X_1 (b + 2^β·j) and the outputs (b + 2^β·i), padded (6.2) */
    {
        size_t cols = (size_t)1 << c->lay->beta, B = st->batch, b, j;
        size_t n1rows = (size_t)1 << c->lay->nu[0], mrows = (size_t)1 << c->lay->mu[c->L - 1];
        const model_layer *last = &m->layer[c->L - 1];
        int32_t act0 = last->act[(size_t)1 << (last->q_bits - 1)];

        c->xpub = ictx_alloc(c, cols * n1rows, sizeof(fq_t));
        c->outpub = ictx_alloc(c, cols * mrows, sizeof(fq_t));
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
        return ictx_fail(c, "could not hash the parameters");
    sha256_begin(&h);
    sha256_write(&h, d, 32);
    sha256_write_u32le(&h, HYRAX_DELTA);
    sha256_write_u32le(&h, MODEL_DEFAULT_Q);
    sha256_write_u32le(&h, MODEL_DEFAULT_LIMB_BITS);
    if (sha256_finish(&h, params) != 0)
        return ictx_fail(c, "could not hash the parameters");
    transcript_absorb(&c->t, "stmt/params", params, 32);
    if (model_descriptor_digest(d, m, err) != MODEL_OK)
        return ictx_fail(c, "could not hash the model descriptor");
    transcript_absorb(&c->t, "stmt/model-descriptor", d, 32);
    transcript_absorb_points(&c->t, "stmt/W-rows", st->w_rows->rows,
                             (size_t)1 << st->w_rows->lr);
    transcript_absorb_u64(&c->t, "stmt/B", st->batch);
    transcript_absorb(&c->t, "stmt/context", st->context, st->context_len);
    if (hash_ints(d, st->inputs, st->batch * m->layer[0].n) != 0)
        return ictx_fail(c, "could not hash the inputs");
    transcript_absorb(&c->t, "stmt/inputs", d, 32);
    if (hash_ints(d, st->outputs, st->batch * m->layer[c->L - 1].m) != 0)
        return ictx_fail(c, "could not hash the outputs");
    transcript_absorb(&c->t, "stmt/outputs", d, 32);
    return c->t.failed ? ictx_fail(c, "transcript failure") : 0;
}

/* ---- the test seam (infer_testing.h); no real proof ever has hooks ---- */

/* The witness a hooked prover commits: the honest one when the forward pass succeeds,
 * zeros otherwise, then whatever tamper_p1 makes of it. */
static int
seam_witness(ictx *c, infer_witness *wit, model_trace *tr, char *err)
{
    if (model_forward(tr, c->m, c->st->inputs, c->st->batch, 0, err) == MODEL_OK) {
        if (infer_witness_build(wit, c->lay, c->m, tr, err) != 0)
            return -1;
    } else {
        wit->len = (size_t)1 << c->lay->l_P;
        wit->p1 = calloc(wit->len, sizeof(int64_t));
        if (wit->p1 == NULL)
            return ictx_fail(c, "out of memory");
    }
    if (c->hooks->tamper_p1 != NULL)
        c->hooks->tamper_p1(wit->p1, wit->len, c->lay, c->m, c->hooks->arg);
    return 0;
}

/* Both roles, after the statement: the observer of the transcript. */
static void
seam_after_statement(ictx *c)
{
    c->t.trace = c->hooks->trace;
    c->t.trace_arg = c->hooks->trace_arg;
}

/*
 * Just before "P1/rows": α and γ drawn now under the unsound order (*drawn set), and
 * the prover's field-level tamper, given α and γ as it knows them at this point.  The
 * hooked prover commits P1 from its field form (*small = NULL).
 */
static int
seam_before_p1_rows(ictx *c, int32_t **small, int *drawn)
{
    const infer_test_hooks *hk = c->hooks;
    fq_t alpha, gamma;

    if (hk->early_lookup_challenges) {
        if (transcript_challenge(&c->t, "lookup/alpha", 0, &c->alpha) != 0 ||
            transcript_challenge(&c->t, "lookup/gamma", 0, &c->gamma) != 0)
            return ictx_fail(c, "transcript failure");
        *drawn = 1;
    }
    if (!c->prover)
        return 0;
    *small = NULL;
    if (hk->tamper_field == NULL)
        return 0;
    if (*drawn) {
        alpha = c->alpha;
        gamma = c->gamma;
    } else {                        /* a prediction from a copy of the transcript */
        transcript_t ahead = c->t;

        ahead.trace = NULL;
        if (transcript_challenge(&ahead, "lookup/alpha", 0, &alpha) != 0 ||
            transcript_challenge(&ahead, "lookup/gamma", 0, &gamma) != 0)
            return ictx_fail(c, "transcript failure");
    }
    hk->tamper_field(c->P1f, (size_t)1 << c->lay->l_P, c->lay, c->m, &alpha, &gamma, hk->arg);
    return 0;
}

/* Step 12 for a hooked prover: its own check only reported, the argument made anyway. */
static int
seam_step_linear(ictx *c)
{
    ipa_proof pf;
    size_t bad = 0;
    int rc = linrel_check(&c->lr, c->mask, &bad);

    if (rc < 0)
        return ictx_fail(c, "internal failure checking the linear relations");
    if (c->hooks->report != NULL)
        c->hooks->report->broken_relation = rc == 1 ? (int)bad : -1;
    if (linrel_prove(&c->lr, &c->t, &c->rng, c->mask, &c->bM, &pf) != 0)
        return ictx_fail(c, "the linear-relation prover failed");
    codec_put_ipa(c->w, &pf);
    return 0;
}

/* ---- end of the test seam ---- */

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

/* out[i] = in[i] as field elements, in parallel blocks; -1 if interrupted meanwhile. */
static int
ints_to_field(fq_t *out, const int64_t *in, size_t n)
{
    ptrdiff_t b, nb = (ptrdiff_t)((n + 4095) / 4096);

#pragma omp parallel for schedule(static) num_threads(zkml_threads()) if (n >= 65536)
    for (b = 0; b < nb; b++) {
        size_t i, hi = (size_t)(b + 1) * 4096 < n ? (size_t)(b + 1) * 4096 : n;

        if (zkml_interrupted_in_region())
            continue;
        for (i = (size_t)b * 4096; i < hi; i++)
            fq_set_i64(&out[i], in[i]);
    }
    return zkml_interrupted() ? -1 : 0;
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

static int
commit_phase(ictx *c)
{
    unsigned lc, lr;
    size_t nrows, i, k, t;
    int32_t *small = NULL;
    int drawn = 0;

    hyrax_split(c->lay->l_P, &lc, &lr);
    nrows = (size_t)1 << lr;
    if (c->prover) {
        size_t len = (size_t)1 << c->lay->l_P;

        small = ictx_alloc(c, len, sizeof(int32_t));
        c->beta1 = ictx_alloc(c, nrows, sizeof(fq_t));
        c->beta2 = ictx_alloc(c, nrows, sizeof(fq_t));
        c->mask = ictx_alloc(c, c->nM, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (i = 0; i < len; i++)
            small[i] = (int32_t)c->p1[i];
        if (drbg_scalars(&c->rng, c->beta1, nrows) != 0 ||
            drbg_scalars(&c->rng, c->mask, c->nM) != 0 || drbg_scalar(&c->rng, &c->bM) != 0)
            return ictx_fail(c, "the prover's random generator failed");
    }
    /* test seam: an unsound order, a field-level tamper (infer_testing.h) */
    if (c->hooks != NULL && seam_before_p1_rows(c, &small, &drawn) != 0)
        return -1;
    if (ictx_exchange_rows(c, "P1/rows", &c->c1, small, c->P1f, c->beta1) != 0)
        return -1;
    if (c->prover) {
        gep_t p;

        if (pedersen_comv(&p, c->mask, c->nM, &c->bM) != 0)
            return ictx_fail(c, "could not commit the mask");
        ge_set_gep(&c->CM, &p);
    }
    if (ictx_exchange_points(c, "mask/C", &c->CM, 1) != 0)
        return -1;
    if (!drawn && (transcript_challenge(&c->t, "lookup/alpha", 0, &c->alpha) != 0 ||
                   transcript_challenge(&c->t, "lookup/gamma", 0, &c->gamma) != 0))
        return ictx_fail(c, "transcript failure");
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
                lookup_f(c, (unsigned)k, i, &f[i]);
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
    }
    return ictx_exchange_rows(c, "P2/rows", &c->c2, NULL, c->P2f, c->beta2);
}

/* ---- steps 4-6: τ, the pre-claims, λ, ζ, ρ1 ---- */

static int
preclaims(ictx *c)
{
    unsigned l, k, beta = c->lay->beta;
    size_t n = 0;
    fq_t *v = ictx_alloc(c, (size_t)c->L * (MODEL_MAX_LIMBS + 2), sizeof(fq_t));
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
    if (ictx_exchange_committed(c, "S1/pre-claims", v, n, &first) != 0)
        return -1;
    for (l = 0; l < c->L; l++) {
        unsigned vars = beta + c->lay->mu[l];

        c->id_q[l] = first;
        ictx_add_claim(c, POLY_P1, c->lay->p1[c->lay->col_q[l]].offset, vars, c->tau[l], vars,
                  NULL, 0, first++);
        c->id_rem[l] = first;
        for (k = 0; k < c->lay->n_limbs[l]; k++)
            ictx_add_claim(c, POLY_P1, c->lay->p1[c->lay->col_rem[l] + k].offset, vars, c->tau[l],
                      vars, NULL, 0, first++);
        c->id_b[l] = first;
        ictx_add_claim(c, POLY_W, c->wl.b_offset[l], c->lay->mu[l], c->tau[l] + beta,
                  c->lay->mu[l], NULL, 0, first++);
    }
    if (transcript_challenges(&c->t, "S1/lambda-mm", 0, c->lam_mm, c->L) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-lk", 0, c->lam_lk, c->lay->n_lookups) != 0 ||
        transcript_challenges(&c->t, "S1/lambda-tb", 0, c->lam_tb, c->lay->n_tables) != 0 ||
        transcript_challenges(&c->t, "S1/zeta", 0, c->zeta, c->lay->n_tables) != 0 ||
        transcript_challenge(&c->t, "S1/rho", 0, &c->rho1) != 0)
        return ictx_fail(c, "transcript failure");
    return 0;
}

/* ---- step 7: S1 ---- */

/* The prover's S1 instances: MM_l, then LK_k, then TB_T (tables are working copies). */
static sumcheck_instance *
s1_instances(ictx *c, size_t *count)
{
    size_t nk = c->lay->n_lookups, nt = c->lay->n_tables, k, t, i, j, b;
    sumcheck_instance *inst = ictx_alloc(c, c->L + nk + nt, sizeof(sumcheck_instance));
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
            lookup_f(c, (unsigned)k, i, &f[i]);
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
        fq_t *m = ictx_copy(c, c->P1f + c->lay->p1[c->lay->col_mult0 + t].offset, (size_t)1 << w);
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
    *count = c->L + nk + nt;
    return inst;
}

/* ---- step 8: S1 finals and product proofs ---- */

static int
s1_finals(ictx *c, sumcheck_instance *inst)
{
    size_t nk = c->lay->n_lookups, nt = c->lay->n_tables, k, t, n = 0, first;
    size_t pos_w[MODEL_MAX_LAYERS], pos_x[MODEL_MAX_LAYERS];
    size_t *pos_h = ictx_alloc(c, nk, sizeof(size_t)), *pos_g = ictx_alloc(c, nt, sizeof(size_t));
    fq_t *v = ictx_alloc(c, 3 * (size_t)c->L + 5 * nk + 2 * nt + 1, sizeof(fq_t));
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
    if (ictx_exchange_committed(c, "S1/finals", v, n, &first) != 0)
        return -1;

    /* ids and the claims of S2 (products excluded) */
    for (l = 0; l < c->L; l++) {
        unsigned nu = c->lay->nu[l], mu = c->lay->mu[l];

        c->id_w[l] = first + pos_w[l];
        ictx_add_claim(c, POLY_W, c->wl.w_offset[l], nu + mu, c->r1 + (c->n1 - nu), nu,
                  c->tau[l] + beta, mu, c->id_w[l]);
    }
    for (l = 1; l < c->L; l++) {
        unsigned nu = c->lay->nu[l];

        c->id_x[l] = first + pos_x[l];
        c->id_p[l] = c->id_x[l] + 1;
        ictx_add_claim(c, POLY_P1, c->lay->p1[c->lay->col_a[l - 1]].offset, beta + nu, c->tau[l],
                  beta, c->r1 + (c->n1 - nu), nu, c->id_x[l]);
    }
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
            return ictx_fail(c, "the product prover failed");
        codec_put_product(c->w, &pf);
        return 0;
    }
    codec_get_product(c->r, &pf);
    if (ictx_reader_ok(c) != 0)
        return -1;
    if (product_verify(&c->t, X, Y, Z, &pf, &why) != 1)
        return ictx_fail(c, why != NULL ? why : "a product proof does not verify");
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

/* Steps 1-12 after the statement, the same schedule for both roles. */
static int
run_protocol(ictx *c)
{
    sumcheck_instance *inst = NULL;
    size_t ninst = 0;

    if (commit_phase(c) != 0 || ictx_phase_end(c, "commitments") != 0)
        return -1;
    if (c->prover)
        linrel_init_prover(&c->lr, &c->CM, c->mask_log);
    else
        linrel_init_verifier(&c->lr, &c->CM, c->mask_log);
    if (preclaims(c) != 0)
        return -1;
    if (c->prover && (inst = s1_instances(c, &ninst)) == NULL)
        return -1;
    if (ictx_sumcheck(c, "S1", c->n1, 3, &c->rho1, c->mask, inst, ninst, &c->T1, c->r1,
                     &c->e1) != 0 ||
        s1_finals(c, inst) != 0 || s1_products(c) != 0 || ictx_phase_end(c, "sumcheck S1") != 0)
        return -1;
    if (infer_step_s2(c) != 0 || ictx_phase_end(c, "sumcheck S2") != 0)
        return -1;
    if (infer_step_openings(c) != 0 || infer_step_relations(c) != 0 ||
        (c->hooks != NULL && c->prover ? seam_step_linear(c) : infer_step_linear(c)) != 0)
        return -1;
    return ictx_phase_end(c, "openings");
}

/* ---- entry points ---- */

static int prove(uint8_t **proof, size_t *proof_len, const infer_statement *st,
                 const uint8_t seed[32], const infer_options *opts, char *err,
                 const infer_test_hooks *hooks);

int
infer_prove(uint8_t **proof, size_t *proof_len, const infer_statement *st,
            const uint8_t seed[32], const uint8_t *fixed_rng, char *err)
{
    infer_options opts = {fixed_rng, NULL, NULL};

    return prove(proof, proof_len, st, seed, &opts, err, NULL);
}

int
infer_prove_opts(uint8_t **proof, size_t *proof_len, const infer_statement *st,
                 const uint8_t seed[32], const infer_options *opts, char *err)
{
    return prove(proof, proof_len, st, seed, opts, err, NULL);
}

int
infer_prove_hooked(uint8_t **proof, size_t *proof_len, const infer_statement *st,
                   const uint8_t seed[32], const uint8_t *fixed_rng, char *err,
                   const infer_test_hooks *hooks)
{
    infer_options opts = {fixed_rng, NULL, NULL};

    return prove(proof, proof_len, st, seed, &opts, err, hooks);
}

/* The prover: options may be NULL; hooks only from the test seam. */
static int
prove(uint8_t **proof, size_t *proof_len, const infer_statement *st, const uint8_t seed[32],
      const infer_options *opts, char *err, const infer_test_hooks *hooks)
{
    static const infer_options none = {NULL, NULL, NULL};
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
    c.opts = opts != NULL ? opts : &none;
    c.hooks = hooks;
    if (ictx_phase_end(&c, NULL) != 0)
        goto out;
    if (model_validate(st->model, err) != MODEL_OK)
        return -1;
    if (setup(&c) != 0)
        goto out;
    if (hooks != NULL) {                            /* test seam (infer_testing.h) */
        if (hooks->report != NULL)
            hooks->report->broken_relation = -1;
        if (seam_witness(&c, &wit, &tr, err) != 0)
            goto out_err;
        goto witness_ready;
    }
    if (model_forward(&tr, st->model, st->inputs, st->batch, 0, err) != MODEL_OK)
        goto out_err;
    if (zkml_interrupted()) {
        ictx_fail(&c, "interrupted");
        goto out;
    }
    nout = st->batch * st->model->layer[c.L - 1].m;
    for (i = 0; i < nout; i++)
        if (tr.out[i] != st->outputs[i]) {
            ictx_fail(&c, "the outputs are not what the model computes for these inputs");
            goto out;
        }
    if (infer_witness_build(&wit, c.lay, st->model, &tr, err) != 0)
        goto out_err;
    if (zkml_interrupted()) {
        ictx_fail(&c, "interrupted");
        goto out;
    }
witness_ready:
    c.p1 = wit.p1;
    c.P1f = ictx_alloc(&c, wit.len, sizeof(fq_t));
    c.Wf = ictx_alloc(&c, (size_t)1 << c.wl.l_W, sizeof(fq_t));
    if (c.fail != NULL || weights_table(&wtab, &c.wl, st->model) != 0) {
        ictx_fail(&c, "out of memory");
        goto out;
    }
    if (ints_to_field(c.P1f, wit.p1, wit.len) != 0) {
        ictx_fail(&c, "interrupted");
        goto out;
    }
    for (i = 0; i < ((size_t)1 << c.wl.l_W); i++)
        fq_set_i64(&c.Wf[i], wtab[i]);
    if (absorb_statement(&c) != 0)
        goto out;
    if (hooks != NULL)
        seam_after_statement(&c);
    if (ictx_phase_end(&c, "witness") != 0)
        goto out;
    if ((c.opts->fixed_rng != NULL ? drbg_init_fixed(&c.rng, c.opts->fixed_rng, seed, c.t.state)
                                   : drbg_init(&c.rng, seed, c.t.state)) != 0) {
        ictx_fail(&c, "the operating system's random generator failed");
        goto out;
    }
    codec_put_header(&w);
    if (run_protocol(&c) != 0)
        goto out;
    if (w.failed) {
        ictx_fail(&c, "out of memory");
        goto out;
    }
    *proof = w.data;
    *proof_len = w.len;
    w.data = NULL;
    rc = 0;
out:
    if (rc != 0 && err != NULL && c.fail != NULL)
        snprintf(err, MODEL_ERR_LEN, "%s", zkml_interrupted() ? "interrupted" : c.fail);
out_err:
    if (wtab != NULL) {
        explicit_bzero(wtab, ((size_t)1 << c.wl.l_W) * sizeof(int32_t));
        free(wtab);
    }
    codec_writer_free(&w);
    infer_witness_free(&wit);
    model_trace_free(&tr);
    ictx_free_all(&c);
    return rc;
}

int
infer_verify(const infer_statement *st, const uint8_t *proof, size_t proof_len,
             const char **reason)
{
    return infer_verify_hooked(st, proof, proof_len, reason, NULL);
}

int
infer_verify_hooked(const infer_statement *st, const uint8_t *proof, size_t proof_len,
                    const char **reason, const infer_test_hooks *hooks)
{
    ictx c;
    codec_reader r;
    char err[MODEL_ERR_LEN];
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.r = &r;
    c.hooks = hooks;
    *reason = NULL;
    if (st->model == NULL || model_validate_public(st->model, err) != MODEL_OK ||
        setup(&c) != 0 || absorb_statement(&c) != 0) {
        *reason = c.fail != NULL ? c.fail : "the statement's model is not valid";
        ictx_free_all(&c);
        return -1;
    }
    if (hooks != NULL)
        seam_after_statement(&c);
    codec_reader_init(&r, proof, proof_len);
    codec_get_header(&r);
    if (ictx_reader_ok(&c) == 0 && run_protocol(&c) == 0 && codec_reader_finish(&r) == 0) {
        rc = 1;
    } else {
        rc = 0;
        *reason = c.fail != NULL ? c.fail : (r.error != NULL ? r.error : "rejected");
    }
    if (hooks != NULL && hooks->report != NULL)     /* test seam */
        hooks->report->bytes_read = r.pos;
    ictx_free_all(&c);
    return rc;
}

uint64_t
infer_prove_memory_estimate(const zk_model *model, size_t batch)
{
    infer_layout lay;
    char err[MODEL_ERR_LEN];

    if (infer_layout_build(&lay, model, batch, err) != 0)
        return 0;
    return INFER_PROVER_FIXED_BYTES + (uint64_t)INFER_PROVER_BYTES_PER_ENTRY * ((uint64_t)1 << lay.l_P);
}
