/*
 * infer_proof.c: the inference proof (docs/protocol.md 7): the
 * entry points of infer_proof.h and infer_testing.h, the prover's witness, and the
 * driver that runs steps 1-12 in order on the shared schedule of infer_ctx.h.  The
 * steps themselves are in infer_statement.c (0), infer_commit.c (1-3), infer_s1.c
 * (4-8), infer_s2.c (9-10) and infer_open.c (11-12); the test seam in infer_seam.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer_phases.h"
#include "infer_testing.h"
#include "infer_witness.h"
#include "runtime.h"


/* The proof header of a committed-input proof (docs/protocol.md 7.19.1): version 2,
 * input mode 1. */
static const uint8_t committed_header[CODEC_HEADER_LEN] = {'Z', 'K', 'M', 'L', 'P', 'G', '0', '1',
                                                           2, 1};

/* Committed inputs, verifier: no row commitment is the identity (3.2). */
static int
row_commitments_valid(const infer_statement *st)
{
    size_t b;

    for (b = 0; b < st->batch; b++)
        if (st->row_commitments[b].infinity || !ge_is_on_curve(&st->row_commitments[b]))
            return 0;
    return 1;
}

/* Steps 1-12 after the statement, the same schedule for both roles. */
static int
run_protocol(ictx *c)
{
    sumcheck_instance *inst = NULL;
    size_t ninst = 0, mark, mark_end;

    if (infer_step_commit(c) != 0 || ictx_phase_end(c, "commitments") != 0)
        return -1;
    if (c->prover)
        linrel_init_prover(&c->lr, &c->CM, c->mask_log);
    else
        linrel_init_verifier(&c->lr, &c->CM, c->mask_log);
    if (c->lay->version == 2 &&                     /* docs/protocol.md 7.18.3 */
        (infer_step_tree(c) != 0 || ictx_phase_end(c, "lookup tree") != 0))
        return -1;
    if (infer_step_preclaims(c) != 0)
        return -1;
    mark = c->n_mem;
    if (c->prover && (inst = infer_s1_instances(c, &ninst)) == NULL)
        return -1;
    if (ictx_sumcheck(c, "S1", c->n1, 3, &c->rho1, c->mask, inst, ninst, &c->T1, c->r1,
                     &c->e1) != 0)
        return -1;
    mark_end = c->n_mem;        /* with the tables of deferred instances, made in the sumcheck */
    if (infer_step_s1_finals(c, inst) != 0)
        return -1;
    ictx_release(c, mark, mark_end);                /* S1's tables, read to their finals */
    if (infer_step_s1_products(c) != 0 || ictx_phase_end(c, "sumcheck S1") != 0)
        return -1;
    if (infer_step_s2(c) != 0 || ictx_phase_end(c, "sumcheck S2") != 0)
        return -1;
    if (infer_step_openings(c) != 0 || infer_step_relations(c) != 0 ||
        (c->hooks != NULL && c->prover ? infer_seam_step_linear(c) : infer_step_linear(c)) != 0)
        return -1;
    return ictx_phase_end(c, "openings");
}

/* ---- entry points ---- */

/* The prover: options may be NULL; hooks (the test seam) only from its tests. */
int
infer_prove(uint8_t **proof, size_t *proof_len, const infer_statement *st,
            const uint8_t seed[32], const infer_options *opts, char *err)
{
    static const infer_options none = {NULL, NULL, NULL, NULL};
    const infer_test_hooks *hooks = opts != NULL ? opts->hooks : NULL;
    ictx c;
    codec_writer w;
    model_trace tr;
    infer_witness wit;
    int64_t *wtab = NULL;
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
    if (infer_setup(&c) != 0)
        goto out;
    if (hooks != NULL) {                            /* test seam (infer_testing.h) */
        if (hooks->report != NULL)
            hooks->report->broken_relation = -1;
        if (infer_seam_witness(&c, &wit, &tr, err) != 0)
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
    if (infer_witness_build_inputs(&wit, c.lay, st->model, &tr, st->inputs, err) != 0)
        goto out_err;
    if (zkml_interrupted()) {
        ictx_fail(&c, "interrupted");
        goto out;
    }
witness_ready:
    c.p1 = wit.p1;
    fq_small_ints_init(&c.ints);
    c.Wf = ictx_alloc(&c, (size_t)1 << c.wl.l_W, sizeof(fq_t));
    if (c.fail != NULL || weights_table(&wtab, &c.wl, st->model) != 0) {
        ictx_fail(&c, "out of memory");
        goto out;
    }
    /* version 2 reads P1's integers throughout; the test seam tampers P1f */
    if ((c.lay->version != 2 || hooks != NULL) &&
        (c.P1f = ictx_p1_column(&c, 0, (size_t)1 << c.lay->l_P)) == NULL)
        goto out;
    for (i = 0; i < ((size_t)1 << c.wl.l_W); i++)
        fq_set_i64(&c.Wf[i], wtab[i]);
    if (infer_step_statement(&c) != 0)
        goto out;
    if (hooks != NULL)
        infer_seam_after_statement(&c);
    if (ictx_phase_end(&c, "witness") != 0)
        goto out;
    if ((c.opts->fixed_rng != NULL ? drbg_init_fixed(&c.rng, c.opts->fixed_rng, seed, c.t.state)
                                   : drbg_init(&c.rng, seed, c.t.state)) != 0) {
        ictx_fail(&c, "the operating system's random generator failed");
        goto out;
    }
    if (c.lay->committed)                          /* byte 9: the input mode */
        codec_put_bytes(&w, committed_header, sizeof committed_header);
    else
        codec_put_header_version(&w, c.lay->version);
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
        snprintf(err, ZKML_ERR_LEN, "%s", zkml_interrupted() ? "interrupted" : c.fail);
out_err:
    if (wtab != NULL) {
        explicit_bzero(wtab, ((size_t)1 << c.wl.l_W) * sizeof(int64_t));
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
    char err[ZKML_ERR_LEN];
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.r = &r;
    c.hooks = hooks;
    *reason = NULL;
    if (st->model == NULL || model_validate_public(st->model, err) != MODEL_OK ||
        infer_setup(&c) != 0 || infer_step_statement(&c) != 0) {
        *reason = c.fail != NULL ? c.fail : "the statement's model is not valid";
        ictx_free_all(&c);
        return -1;
    }
    if (hooks != NULL)
        infer_seam_after_statement(&c);
    if (infer_inputs_in_domain(&c) != 0 && !infer_seam_skips(&c, INFER_CHECK_INPUT_DOMAIN, 0)) {
        *reason = c.fail;
        ictx_free_all(&c);
        return 0;
    }
    c.fail = NULL;
    if (st->committed && !row_commitments_valid(st)) {
        *reason = "a row commitment is not a point of the curve other than the identity";
        ictx_free_all(&c);
        return 0;
    }
    if (st->committed) {                            /* the header of section 1, mode 1 */
        if (proof_len < CODEC_HEADER_LEN ||
            memcmp(proof, committed_header, CODEC_HEADER_LEN) != 0) {
            *reason = proof_len >= CODEC_HEADER_LEN && memcmp(proof, committed_header, 9) == 0
                          ? "the proof header does not name committed inputs (byte 9)"
                          : "the proof does not start with the header of a committed-input "
                            "proof of version 2";
            ictx_free_all(&c);
            return 0;
        }
        codec_reader_init(&r, proof + CODEC_HEADER_LEN, proof_len - CODEC_HEADER_LEN);
    } else {
        codec_reader_init(&r, proof, proof_len);
        codec_get_header_version(&r, c.lay->version);
    }
    if (ictx_reader_ok(&c) == 0 && run_protocol(&c) == 0 && codec_reader_finish(&r) == 0) {
        rc = 1;
    } else {
        rc = 0;
        *reason = c.fail != NULL ? c.fail : (r.error != NULL ? r.error : "rejected");
    }
    if (hooks != NULL && hooks->report != NULL)     /* test seam */
        hooks->report->bytes_read = r.pos + (st->committed ? CODEC_HEADER_LEN : 0);
    ictx_free_all(&c);
    return rc;
}

uint64_t
infer_prove_memory_estimate(const zk_model *model, size_t batch)
{
    infer_layout lay;
    weights_layout wl;
    char err[ZKML_ERR_LEN];
    uint64_t nv;

    if (infer_layout_build(&lay, model, batch, err) != 0)
        return 0;
    if (lay.version != 2)
        return INFER_PROVER_FIXED_BYTES +
               (uint64_t)INFER_PROVER_BYTES_PER_ENTRY * ((uint64_t)1 << lay.l_P);
    if (weights_layout_build(&wl, model) != 0)
        return 0;
    nv = (uint64_t)1 << (lay.lc_P > hyrax_lc(wl.l_W) ? lay.lc_P : hyrax_lc(wl.l_W));
    return INFER_PROVER_V2_FIXED_BYTES +
           (uint64_t)INFER_PROVER_V2_BYTES_PER_ENTRY *
               (((uint64_t)1 << lay.l_P) + ((uint64_t)1 << wl.l_W)) +
           (uint64_t)INFER_PROVER_V2_BYTES_PER_GENERATOR * nv;
}
