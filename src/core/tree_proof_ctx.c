/*
 * tree_proof_ctx.c: the tree proof's context (docs/protocol.md 16): memory wiped on release,
 * forms over committed scalars, the exchanges every prover message passes through, claims,
 * the sumcheck runner, sizes (7.1) and the public tables.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "generators.h"
#include "pedersen.h"
#include "runtime.h"
#include "tree_proof_internal.h"

/* ---- context helpers ---- */

int
tp_fail(tctx *c, const char *why)
{
    if (c->fail == NULL)
        c->fail = why;
    return -1;
}

void *
tp_alloc(tctx *c, size_t n, size_t size)
{
    void *p;

    if (c->fail != NULL)
        return NULL;
    if (c->n_mem == c->cap_mem) {
        size_t cap = c->cap_mem ? 2 * c->cap_mem : 64;
        void **m = realloc(c->mem, cap * sizeof *m);

        if (m == NULL) {
            tp_fail(c, "out of memory");
            return NULL;
        }
        c->mem = m;
        c->cap_mem = cap;
    }
    if ((p = scratch_alloc(n, size)) == NULL) {
        tp_fail(c, "out of memory");
        return NULL;
    }
    c->mem[c->n_mem++] = p;
    return p;
}

/* Release (wiping) the allocations made since mark. */
void
tp_release(tctx *c, size_t mark)
{
    while (c->n_mem > mark) {
        c->n_mem--;
        scratch_free(c->mem[c->n_mem]);     /* wiped, kept for the next proof */
    }
}

void
tp_free_all(tctx *c)
{
    tp_release(c, 0);
    free(c->mem);
    hyrax_commitment_free(&c->c1);
    if (c->gkr_started)
        gkr_free(&c->gkr);
    gkr_shape_free(&c->gshape);
    linrel_clear(&c->lr);
    ipa_batch_free(&c->ipas);
    if (c->prover)
        drbg_clear(&c->rng);
}

unsigned
tp_log2c(uint64_t v)
{
    unsigned l = 0;

    while (((uint64_t)1 << l) < v)
        l++;
    return l;
}

void
tp_pow2(fq_t *r, unsigned k)
{
    fq_t two32;

    if (k < 64) {
        fq_set_u64(r, (uint64_t)1 << k);
        return;
    }
    fq_set_u64(&two32, (uint64_t)1 << 32);
    fq_mul(r, &two32, &two32);
}

void
tp_eq_eval(fq_t *r, const fq_t *a, const fq_t *b, unsigned k)
{
    fq_t acc = FQ_ONE, ab, t;
    unsigned i;

    for (i = 0; i < k; i++) {
        fq_mul(&ab, &a[i], &b[i]);
        fq_dbl(&t, &ab);
        fq_sub(&t, &t, &a[i]);
        fq_sub(&t, &t, &b[i]);
        fq_add(&t, &t, &FQ_ONE);
        fq_mul(&acc, &acc, &t);
    }
    *r = acc;
}

/* Σ_j 2^j·z_j: the extension of the index function over k variables. */
void
tp_index_mle(fq_t *r, const fq_t *z, unsigned k)
{
    fq_t p, t;
    unsigned j;

    fq_set_zero(r);
    for (j = 0; j < k; j++) {
        tp_pow2(&p, j);
        fq_mul(&t, &p, &z[j]);
        fq_add(r, r, &t);
    }
}

int
tp_skipped(const tctx *c, tree_check check, unsigned index)
{
    return c->hooks != NULL && c->hooks->skip == check && c->hooks->skip_index == index;
}

/* ---- forms over committed scalars ---- */

void
tp_form_init(tform *f)
{
    f->n = 0;
    fq_set_zero(&f->c);
}

void
tp_form_add(tform *f, size_t id, const fq_t *coef)
{
    if (f->n < FORM_TERMS) {
        f->t[f->n].id = id;
        f->t[f->n++].coef = *coef;
    }
}

void
tp_form_add_i(tform *f, size_t id, int64_t coef)
{
    fq_t k;

    fq_set_i64(&k, coef);
    tp_form_add(f, id, &k);
}

linrel_form
tp_form_view(const tform *f)
{
    linrel_form v;

    v.terms = f->t;
    v.n_terms = f->n;
    v.constant = f->c;
    return v;
}

/* The commitment of a form (Σ coef·C_id + c·G) and, for the prover, its value and blind. */
void
tp_form_commit(const tctx *c, const tform *f, ge_t *C, fq_t *v, fq_t *b)
{
    gep_t acc, p;
    fq_t zero, t;
    size_t i;

    fq_set_zero(&zero);
    pedersen_com1(&acc, &f->c, &zero);
    *v = f->c;
    fq_set_zero(b);
    for (i = 0; i < f->n; i++) {
        gep_set_ge(&p, &c->com[f->t[i].id]);
        gep_mul_vartime(&p, &p, &f->t[i].coef);
        gep_add(&acc, &acc, &p);
        if (c->prover) {
            fq_mul(&t, &f->t[i].coef, &c->val[f->t[i].id]);
            fq_add(v, v, &t);
            fq_mul(&t, &f->t[i].coef, &c->bl[f->t[i].id]);
            fq_add(b, b, &t);
        }
    }
    ge_set_gep(C, &acc);
}

/* ---- exchanges ---- */

int
tp_reader_ok(tctx *c)
{
    if (!c->prover && c->r->error != NULL)
        return tp_fail(c, c->r->error);
    return 0;
}

int
tp_exchange_points(tctx *c, const char *label, ge_t *p, size_t n)
{
    if (c->prover)
        codec_put_points(c->w, p, n);
    else if (codec_get_points(c->r, p, n) != 0)
        return tp_reader_ok(c);
    transcript_absorb_points(&c->t, label, p, n);
    return 0;
}

/* n committed scalars (fresh blinds), registered with the accumulator in order. */
int
tp_exchange_committed(tctx *c, const char *label, const fq_t *v, size_t n, size_t *first)
{
    size_t mark = c->n_mem, i, id;
    ge_t *pts = tp_alloc(c, n, sizeof(ge_t));

    if (pts == NULL)
        return -1;
    if (n > c->cap_com - c->n_com)
        return tp_fail(c, "internal failure: too many committed scalars");
    if (c->prover) {
        for (i = 0; i < n; i++) {
            c->val[c->n_com + i] = v[i];
            if (drbg_scalar(&c->rng, &c->bl[c->n_com + i]) != 0)
                return tp_fail(c, "the prover's random generator failed");
        }
        if (pedersen_com1_many(pts, v, &c->bl[c->n_com], n) != 0)
            return tp_fail(c, "out of memory");
    }
    if (tp_exchange_points(c, label, pts, n) != 0)
        return -1;
    *first = c->n_com;
    for (i = 0; i < n; i++) {
        int rc = c->prover
                     ? linrel_add_secret(&c->lr, &c->val[c->n_com], &c->bl[c->n_com], &id)
                     : linrel_add_commitment(&c->lr, &pts[i], &id);

        if (rc != 0 || id != c->n_com)
            return tp_fail(c, "internal failure registering a commitment");
        c->com[c->n_com++] = pts[i];
    }
    tp_release(c, mark);
    return 0;
}

int
tp_exchange_rows(tctx *c, const char *label, hyrax_commitment *h, unsigned l,
                 const int32_t *P, const fq_t *beta)
{
    unsigned lc, lr;

    hyrax_split(l, &lc, &lr);
    if (c->prover) {
        if (tp_commit_rows_i32(h, P, l, beta) != 0)
            return tp_fail(c, "could not commit a witness polynomial");
    } else {
        h->l = l;
        h->lc = lc;
        h->lr = lr;
        if ((h->rows = calloc((size_t)1 << lr, sizeof(ge_t))) == NULL)
            return tp_fail(c, "out of memory");
    }
    return tp_exchange_points(c, label, h->rows, (size_t)1 << lr);
}

void
tp_add_claim(tctx *c, int poly, size_t offset, unsigned kappa, const fq_t *z, size_t id)
{
    tclaim *cl;

    if (c->n_claims == c->cap_claims) {
        tp_fail(c, "internal failure: too many claims");
        return;
    }
    cl = &c->claims[c->n_claims++];
    cl->poly = poly;
    cl->offset = offset;
    cl->kappa = kappa;
    memcpy(cl->z, z, kappa * sizeof(fq_t));
    cl->id = id;
}

int
tp_run_sumcheck(tctx *c, const char *label, unsigned n, unsigned degree, const fq_t *rho,
                const fq_t *mask, sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *r,
                fq_t *e)
{
    size_t nmsg = sumcheck_message_count(n, degree), mark = c->n_mem;
    fq_t *msg = tp_alloc(c, nmsg, sizeof(fq_t));
    const char *why = NULL;

    if (msg == NULL)
        return -1;
    if (c->prover) {
        if (sumcheck_prove(&c->t, label, n, degree, rho, mask, inst, ninst, T, msg, nmsg, r, e,
                           NULL) != 0)
            return tp_fail(c, "the sumcheck prover failed");
        codec_put_scalar(c->w, T);
        codec_put_scalars(c->w, msg, nmsg);
    } else {
        codec_get_scalar(c->r, T);
        codec_get_scalars(c->r, msg, nmsg);
        if (tp_reader_ok(c) != 0)
            return -1;
        if (sumcheck_verify(&c->t, label, n, degree, T, msg, nmsg, r, e, &why) != 1)
            return tp_fail(c, why != NULL ? why : "the sumcheck messages are malformed");
    }
    tp_release(c, mark);
    return 0;
}

double
tp_monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The end of a prover's phase: its seconds to the progress callback (include/zkml.h
 * names the phases), and a pending interruption stops the proof. */
int
tp_phase_end(tctx *c, const char *name)
{
    double now;

    if (!c->prover)
        return 0;
    if (zkml_interrupted())
        return tp_fail(c, "interrupted");
    if (c->opts == NULL || c->opts->progress == NULL)
        return 0;
    now = tp_monotonic_seconds();
    if (name != NULL)
        c->opts->progress(c->opts->progress_arg, name, now - c->phase_start);
    c->phase_start = now;
    return 0;
}

/* ---- sizes (docs/protocol.md 16.1) and the public tables ---- */

size_t
tp_gcol(unsigned s, unsigned k)
{
    return (size_t)s * NGRID + k;
}

int
tp_setup(tctx *c)
{
    const tree_model *m = c->m;
    const model_statement *st = c->st;
    unsigned lc, lr, lcN, lrN, i, s, gmask;
    size_t b, cols, need, ncom;
    int l1;

    if (m == NULL || st->batch == 0 || st->batch > ((size_t)1 << 24))
        return tp_fail(c, "the statement's batch size is not usable");
    c->T = m->n_trees;
    c->D = m->depth;
    c->n = m->n_features;
    c->B = st->batch;
    c->beta = tp_log2c(c->B);
    c->tau = tp_log2c(c->T);
    c->nu = c->D;
    c->g = c->beta + c->tau;
    c->lnf = tp_log2c(c->n);
    c->table = m->transform == TREE_TRANSFORM_TABLE;
    c->lN = c->tau + c->nu + 2;
    if (c->table) {
        c->shift = m->shift;
        c->Q = m->q_bits;
        c->K = (c->shift + TP_LIMB - 1) / TP_LIMB;
        c->lastw = c->shift - TP_LIMB * (c->K - 1);
        if (c->K > TP_LIMBS_MAX)
            return tp_fail(c, "the model's output shift is too large");
    }
    if (c->g > 30)
        return tp_fail(c, "the batch is too large for this ensemble");
    c->committed = st->committed != 0;
    if (c->committed && (st->nonce == NULL || st->row_commitments == NULL))
        return tp_fail(c, "a committed statement needs its nonce and row commitments");
    if ((c->prover || !c->committed) && st->inputs == NULL)
        return tp_fail(c, "the statement has no inputs");
    hyrax_split(c->lN, &lcN, &lrN);
    if (st->commitment == NULL || st->commitment->l != c->lN || st->commitment->lc != lcN ||
        st->commitment->lr != lrN || st->commitment->rows == NULL)
        return tp_fail(c, "the node commitment does not match the model's shapes");

    /* P1 (docs/protocol.md 16.2): the grid columns, v, the per-row columns, the
     * committed inputs' columns (16.10.3), the multiplicities */
    c->ncol1 = 0;
    for (s = 0; s < c->D; s++)
        for (i = 0; i < NGRID; i++)
            c->log1[c->ncol1++] = c->g;
    c->col_V = c->ncol1;
    c->log1[c->ncol1++] = c->g;
    if (c->table) {
        c->col_S = c->ncol1;
        c->log1[c->ncol1++] = c->beta;
        c->col_Q = c->ncol1;
        c->log1[c->ncol1++] = c->beta;
        c->col_L0 = c->ncol1;
        for (i = 0; i < c->K; i++)
            c->log1[c->ncol1++] = c->beta;
    }
    if (c->committed) {                 /* M, I0, I1, I2 */
        c->col_M = c->ncol1;
        for (i = 0; i < 1 + TP_LIMBS_MAX; i++)
            c->log1[c->ncol1++] = c->beta + c->lnf;
    }
    c->ntb = 0;
    c->tb[c->ntb++] = (ttable){TB_NODE, c->tau + c->nu, 0};
    c->tb[c->ntb++] = (ttable){TB_LEAF, c->tau + c->nu, 0};
    c->tb[c->ntb++] = (ttable){TB_ROW, c->beta + c->lnf, 0};
    c->tb[c->ntb++] = (ttable){TB_R11, TP_LIMB, 0};
    if (c->table && c->lastw < TP_LIMB)
        c->tb[c->ntb++] = (ttable){TB_RW, c->lastw, 0};
    if (c->table)
        c->tb[c->ntb++] = (ttable){TB_OUT, c->Q, 0};
    for (i = 0; i < c->ntb; i++) {
        c->tb[i].mcol = c->ncol1;
        c->log1[c->ncol1++] = c->tb[i].vars;
    }
    /* the lookups (16.3): per level NODE, ROW, the three limbs; LEAF; the output and
     * the limbs of rem; the limbs of the committed keys (16.10.3) */
    c->nlk = 0;
    for (s = 0; s < c->D; s++) {
        c->lk[c->nlk++] = (tlookup){LK_NODE, 0, c->g, s, 0};
        c->lk[c->nlk++] = (tlookup){LK_ROW, 2, c->g, s, 0};
        for (i = 0; i < TP_LIMBS_MAX; i++)
            c->lk[c->nlk++] = (tlookup){LK_C, 3, c->g, s, i};
    }
    c->lk[c->nlk++] = (tlookup){LK_LEAF, 1, c->g, 0, 0};
    if (c->table) {
        c->lk[c->nlk++] = (tlookup){LK_OUT, (unsigned)c->ntb - 1, c->beta, 0, 0};
        for (i = 0; i < c->K; i++)
            c->lk[c->nlk++] = (tlookup){LK_LIMB,
                                        (i + 1 == c->K && c->lastw < TP_LIMB) ? 4u : 3u,
                                        c->beta, 0, i};
    }
    if (c->committed) {
        for (i = 0; i < TP_LIMBS_MAX; i++)
            c->lk[c->nlk++] = (tlookup){LK_IN, 3, c->beta + c->lnf, 0, i};
    }
    if ((l1 = layout_place(c->off1, c->log1, c->ncol1)) < 0)
        return tp_fail(c, "the statement has no layout");
    c->l1 = (unsigned)l1;
    if (tp_gkr_setup(c) != 0)
        return -1;
    c->n1 = c->g > 1 ? c->g : 1;
    if (c->committed && c->beta + c->lnf > c->n1)
        c->n1 = c->beta + c->lnf;
    c->n2 = c->l1 > c->lN ? c->l1 : c->lN;
    if (c->n1 > SUMCHECK_MAX_ROUNDS || c->n2 > SUMCHECK_MAX_ROUNDS)
        return tp_fail(c, "the statement needs too many sumcheck rounds");
    gmask = (unsigned)gkr_mask_count(c->gshape.d);
    c->mask_log = tp_log2c(4 * (uint64_t)c->n1 + 3 * (uint64_t)c->n2 + gmask);
    c->nM = (size_t)1 << c->mask_log;
    hyrax_split(c->l1, &lc, &lr);
    need = (size_t)1 << lc;
    need = ((size_t)1 << lcN) > need ? (size_t)1 << lcN : need;
    need = c->nM > need ? c->nM : need;
    if (generators_V(need) == NULL)
        return tp_fail(c, "could not compute the generators");
    /* the prover's fixed-base table at its final size at once (the mask, the IPAs) */
    if (c->prover && generators_V_table(need) == NULL)
        return tp_fail(c, "out of memory");

    ncom = 2 * c->ncol1 + 6 * (size_t)c->gshape.d + c->n_leaf_claims + 8 * (size_t)c->D + 48;
    c->cap_com = ncom;
    c->cap_claims = ncom;
    c->com = tp_alloc(c, ncom, sizeof(ge_t));
    c->val = tp_alloc(c, ncom, sizeof(fq_t));
    c->bl = tp_alloc(c, ncom, sizeof(fq_t));
    c->claims = tp_alloc(c, ncom, sizeof(tclaim));
    c->theta = tp_alloc(c, ncom, sizeof(fq_t));
    c->tau_z = tp_alloc(c, c->g + 1, sizeof(fq_t));
    c->tau_s = tp_alloc(c, c->beta + 1, sizeof(fq_t));
    c->tau_lk = tp_alloc(c, c->n1, sizeof(fq_t));
    c->lam_z = tp_alloc(c, 3 * (size_t)c->D, sizeof(fq_t));

    /* public: OUT padded by the last row; the ROW table (b + 2^β·j: the key and
     * whether it is missing), rows padded by the last one, features by zeros */
    cols = (size_t)1 << c->beta;
    c->outpub = tp_alloc(c, cols, sizeof(fq_t));
    if (c->prover || !c->committed)
        c->rowtab = tp_alloc(c, cols << c->lnf, sizeof(fq_t));
    if (c->prover && c->committed) {    /* X in ROW's order (b + 2^β·j) */
        size_t nj = (size_t)1 << c->lnf, j;

        if ((c->xrow = tp_alloc(c, cols << c->lnf, sizeof(fq_t))) == NULL)
            return -1;
        for (j = 0; j < nj; j++)
            for (b = 0; b < cols; b++)
                fq_set_i64(&c->xrow[b + cols * j], tp_input_key(c, b, j));
    }
    if (c->fail != NULL)
        return -1;
    for (b = 0; b < cols; b++)
        fq_set_i64(&c->outpub[b], st->outputs[b < c->B ? b : c->B - 1]);
    return 0;
}

int32_t
tp_input_key(const tctx *c, size_t b, size_t j)
{
    size_t bb = b < c->B ? b : c->B - 1;

    return j < c->n ? c->st->inputs[bb * c->n + j] : 0;
}

int
tp_input_missing(const tctx *c, size_t b, size_t j)
{
    size_t bb = b < c->B ? b : c->B - 1;
    int miss = tp_input_key(c, bb, j) == TREE_MISSING;

    if (c->committed && c->hooks != NULL && c->hooks->missing != NULL && j < c->n)
        miss = c->hooks->missing(c->hooks->arg, bb, (uint32_t)j, miss) != 0;
    return miss;
}

/* The ROW table's values with γ (after γ is drawn): y + γ·X[y] + γ²·M[y]; in committed
 * mode the prover's only, M its P1 column (docs/protocol.md 16.10.3). */
void
tp_row_table_values(tctx *c)
{
    size_t cols = (size_t)1 << c->beta, nj = (size_t)1 << c->lnf, b, j;

    if (c->rowtab == NULL)
        return;
    for (j = 0; j < nj; j++)
        for (b = 0; b < cols; b++) {
            size_t y = b + cols * j;
            fq_t v, t;

            fq_set_u64(&c->rowtab[y], y);
            fq_set_i64(&v, tp_input_key(c, b, j));
            fq_mul(&t, &v, &c->gpow[1]);
            fq_add(&c->rowtab[y], &c->rowtab[y], &t);
            if (c->committed ? c->p1[c->off1[c->col_M] + y] != 0
                             : tp_input_key(c, b, j) == TREE_MISSING)
                fq_add(&c->rowtab[y], &c->rowtab[y], &c->gpow[2]);
        }
}

/* The public range and output tables (logup.h). */
void
tp_public_table(const tctx *c, const ttable *tb, logup_table *lt)
{
    lt->log_size = tb->vars;
    lt->in_offset = 0;
    lt->out = NULL;
    if (tb->kind == TB_OUT) {
        lt->in_offset = -((int64_t)1 << (c->Q - 1));
        lt->out = c->m->table;
    }
}
