/*
 * infer_statement.c: step 0 of the inference proof (docs/protocol.md 7
 * "Sizes, fixed by the statement" and "Step 0"): the sizes, generators and public
 * matrices the statement fixes, and the statement absorbed into the transcript.
 */
#include <stddef.h>
#include <stdint.h>

#include "generators.h"
#include "infer_phases.h"
#include "sha256.h"

/* ---- step 0 and the shapes ---- */

/* N_V, the vector generators the statement names (7 "Sizes"; 7.20.1 adds X's columns). */
static size_t
vector_generators(const ictx *c)
{
    size_t nv = (size_t)1 << c->lay->lc_P;

    if (((size_t)1 << hyrax_lc(c->wl.l_W)) > nv)
        nv = (size_t)1 << hyrax_lc(c->wl.l_W);
    if (c->nM > nv)
        nv = c->nM;
    if (c->st->committed && ((size_t)1 << c->lay->nu[0]) > nv)
        nv = (size_t)1 << c->lay->nu[0];
    return nv;
}

int
infer_setup(ictx *c)
{
    const infer_statement *st = c->st;
    const zk_model *m = st->model;
    unsigned l, t, lcW, lrW, nmax;
    char err[ZKML_ERR_LEN];

    c->m = m;
    c->L = m->n_layers;
    c->lay = ictx_alloc(c, 1, sizeof(infer_layout));
    if (st->committed && (st->nonce == NULL || st->row_commitments == NULL ||
                          (c->prover && st->inputs == NULL)))
        return ictx_fail(c, "a committed-input statement needs its nonce and row commitments");
    if (c->lay == NULL || infer_layout_build_mode(c->lay, m, st->batch, st->committed, err) != 0 ||
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
    /* version 2: table widths no longer enter S1 (docs/protocol.md 7.18.0) */
    for (t = 0; t < c->lay->n_tables && c->lay->version != 2; t++)
        nmax = c->lay->tables[t].log_size > nmax ? c->lay->tables[t].log_size : nmax;
    if (c->lay->committed)                          /* docs/protocol.md 7.20.1 */
        nmax = c->lay->beta + c->lay->nu[0] > nmax ? c->lay->beta + c->lay->nu[0] : nmax;
    c->n1 = nmax;
    c->n2 = c->lay->l_P > c->wl.l_W ? c->lay->l_P : c->wl.l_W;
    if (c->n1 > SUMCHECK_MAX_ROUNDS || c->n2 > SUMCHECK_MAX_ROUNDS)
        return ictx_fail(c, "the statement needs too many sumcheck rounds");
    if (c->lay->version == 2 && infer_gkr_setup(c) != 0)
        return -1;
    /* version 2: the tree's layer sumchecks follow S1's and S2's segments (3.0) */
    c->mask_log = infer_log2_ceil(4 * (uint64_t)c->n1 + 3 * (uint64_t)c->n2 +
                                  (c->lay->version == 2 ? gkr_mask_count(c->gshape.d) : 0));
    c->nM = (size_t)1 << c->mask_log;
    {
        size_t need = vector_generators(c);

        if (generators_V(need) == NULL)
            return ictx_fail(c, "could not compute the generators");
        /* the prover's fixed-base table at its final size at once (the mask, the IPAs) */
        if (c->prover && generators_V_table(need) == NULL)
            return ictx_fail(c, "out of memory");
    }
    /* arrays sized by the layout */
    {
        size_t nk = c->lay->n_lookups, nt = c->lay->n_tables;
        /* version 2 adds the decomposition pre-claims and 4 finals per zero-check */
        size_t ncom = 4 * (size_t)c->L + 2 + 4 * (size_t)c->lay->n_xlimbs + (size_t)c->L * MODEL_MAX_LIMBS + 5 * nk + 2 * nt + 8 +
                      (size_t)c->L * (3 * INFER_MAX_PW_LIMBS + 3) + 4 * (size_t)c->lay->n_pw;

        if (c->lay->version == 2)                   /* the tree's finals and leaf claims */
            ncom += 6 * (size_t)c->gshape.d + c->n_leaf_claims;

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
        c->lam_pw = ictx_alloc(c, c->lay->n_pw, sizeof(fq_t));
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
        int32_t act0 = model_act_apply(m, c->L - 1, 0);

        /* committed inputs: only the prover has X_1 (its private rows) */
        if (st->inputs != NULL)
            c->xpub = ictx_alloc(c, cols * n1rows, sizeof(fq_t));
        c->outpub = ictx_alloc(c, cols * mrows, sizeof(fq_t));
        if (c->fail != NULL)
            return -1;
        for (j = 0; j < n1rows && st->inputs != NULL; j++)
            for (b = 0; b < cols; b++) {
                size_t bb = b < B ? b : B - 1;

                fq_set_i64(&c->xpub[b + cols * j], infer_x_entry(c, bb, j));
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

/*
 * Step 0, verifier: every public input is a signed xbits integer, the domain the model
 * was registered for.  The proof does not range-check public inputs itself (the
 * verifier evaluates X_1's extension from them), so without this a prover who skips
 * its own forward-pass check would obtain a valid proof for features outside it.
 * 0, or -1 with the context failed.
 */
int
infer_inputs_in_domain(ictx *c)
{
    const infer_statement *st = c->st;
    const model_layer *last = &c->m->layer[c->L - 1];
    size_t n = c->m->layer[0].n, b, j, nout = last->m;
    int32_t lo, hi;

    for (j = 0; j < n && !st->committed; j++) {    /* committed: R_in and WR check them */
        int64_t top = (int64_t)1 << (model_input_bits(c->m, (uint32_t)j) - 1);

        for (b = 0; b < st->batch; b++)
            if (st->inputs[b * n + j] < -top || st->inputs[b * n + j] >= top)
                return ictx_fail(c, "a public input lies outside the model's input width");
    }
    /* version 2, kinds 0-2 at the output: public outputs lie in the output layer's range
     * (docs/protocol.md 7.17), refused before any proof work as the inputs are */
    if (model_version(c->m) == 2 && last->act_kind != MODEL_PW_TABLE) {
        model_act_range(c->m, c->L - 1, &lo, &hi);
        for (j = 0; j < st->batch * nout; j++)
            if (st->outputs[j] < lo || st->outputs[j] > hi)
                return ictx_fail(c, "a public output lies outside the model's output range");
    }
    return 0;
}

const uint8_t infer_group_alone[40] = {1, 0, 0, 0, 1, 0, 0, 0};

/* Step 0: the statement (docs/protocol.md 7). */
int
infer_step_statement(ictx *c)
{
    const infer_statement *st = c->st;
    const zk_model *m = c->m;
    uint8_t d[32], params[32];
    char err[ZKML_ERR_LEN];
    sha256_ctx h;

    if (st->committed)                              /* docs/protocol.md 7.19.1 */
        transcript_init(&c->t, "ZKMLPG-V2/inference-committed", 29);
    else if (model_version(m) == 2)
        transcript_init(&c->t, "ZKMLPG-V2/inference", 19);
    else
        transcript_init(&c->t, "ZKMLPG-V1/inference", 19);
    if (generators_param_digest(vector_generators(c), d) != 0)
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
    if (st->committed) {                            /* docs/protocol.md 7.20.2 */
        transcript_absorb(&c->t, "stmt/nonce", st->nonce, 32);
        transcript_absorb_points(&c->t, "stmt/input-rows", st->row_commitments, st->batch);
    } else {
        if (sha256_digest_i32le(d, st->inputs, st->batch * m->layer[0].n) != 0)
            return ictx_fail(c, "could not hash the inputs");
        transcript_absorb(&c->t, "stmt/inputs", d, 32);
    }
    if (sha256_digest_i32le(d, st->outputs, st->batch * m->layer[c->L - 1].m) != 0)
        return ictx_fail(c, "could not hash the outputs");
    transcript_absorb(&c->t, "stmt/outputs", d, 32);
    if (model_version(m) == 2)          /* 7.18.1 item 8: its place in its group (12.10.2) */
        transcript_absorb(&c->t, "stmt/group", st->group != NULL ? st->group : infer_group_alone,
                          40);
    return c->t.failed ? ictx_fail(c, "transcript failure") : 0;
}
