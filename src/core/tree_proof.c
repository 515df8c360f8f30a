/*
 * tree_proof.c: the proof of a tree ensemble (docs/protocol.md 16), prover and verifier on
 * one schedule: every prover message passes through an exchange that the prover writes
 * and absorbs and the verifier reads and absorbs, so the two cannot disagree on the
 * transcript order.  Built on the arguments of the dense network's proof: Hyrax
 * commitments, the masked batched sumcheck, the lookup tree of fractional sums
 * (logup_gkr.c), product proofs and the linear-relation accumulator.  This file runs
 * the schedule and holds the entry points; the phases are in tree_proof_*.c
 * (tree_proof_internal.h).
 */

#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "tree_proof_internal.h"

/* Items 9-27 of docs/protocol.md 16.4 after the statement, one schedule for both roles. */
static int
run_protocol(tctx *c)
{
    sumcheck_instance *inst = NULL;
    size_t ninst = 0, mark;

    if (tp_commit(c) != 0 || tp_phase_end(c, "commitments") != 0)
        return -1;
    if (c->prover)
        linrel_init_prover(&c->lr, &c->CM, c->mask_log);
    else
        linrel_init_verifier(&c->lr, &c->CM, c->mask_log);
    if (tp_gkr_run(c) != 0 || tp_phase_end(c, "lookup tree") != 0)
        return -1;
    if (tp_preclaims(c) != 0)
        return -1;
    mark = c->n_mem;
    if (c->prover && (inst = tp_s1_instances(c, &ninst)) == NULL)
        return -1;
    if (tp_run_sumcheck(c, "S1", c->n1, 3, &c->rho1, c->mask, inst, ninst, &c->T1, c->r1,
                        &c->e1) != 0)
        return -1;
    tp_release(c, mark);                /* the folded S1 tables */
    if (c->prover)
        tp_restore_p1(c);
    if (tp_finals(c) != 0 || tp_products(c) != 0 || tp_phase_end(c, "sumcheck S1") != 0)
        return -1;
    if (tp_s2(c) != 0 || tp_phase_end(c, "sumcheck S2") != 0)
        return -1;
    if (tp_openings(c) != 0 || tp_relations(c) != 0 || tp_linear(c) != 0)
        return -1;
    return tp_phase_end(c, "openings");
}

/* ---- entry points ---- */

static void
put_header(codec_writer *w, int committed)
{
    uint8_t h[TREE_PROOF_HEADER_LEN] = {0};

    memcpy(h, TREE_PROOF_MAGIC, 8);
    h[8] = TREE_PROOF_VERSION;
    h[9] = committed ? 1 : 0;                   /* input mode (docs/protocol.md 16.10.1) */
    codec_put_bytes(w, h, sizeof h);
}

static int
get_header(codec_reader *r, int committed)
{
    uint8_t h[TREE_PROOF_HEADER_LEN];
    size_t i;

    if (codec_get_bytes(r, h, sizeof h) != 0)
        return -1;
    if (memcmp(h, TREE_PROOF_MAGIC, 8) != 0) {
        r->error = "the proof does not start with the ZKMLPT01 header";
        return -1;
    }
    if (h[8] != TREE_PROOF_VERSION) {
        r->error = "the proof has an unknown format version";
        return -1;
    }
    if (h[9] != (committed ? 1 : 0)) {
        r->error = "the proof header's input mode is not the receipt's";
        return -1;
    }
    for (i = 10; i < sizeof h; i++)
        if (h[i] != 0) {
            r->error = "the proof header has nonzero reserved bytes";
            return -1;
        }
    return 0;
}

int
tree_proof_forged_outputs(int32_t *outputs, const model_statement *st,
                          const tree_test_hooks *hooks)
{
    tctx c;
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.m = st->model;
    c.hooks = hooks;
    rc = tp_setup(&c) == 0 &&
                 tp_build_witness(&c, hooks != NULL && hooks->witness_model != NULL
                                          ? hooks->witness_model : c.m, NULL, outputs) == 0
             ? 0 : -1;
    tp_free_all(&c);
    return rc;
}

int
tree_proof_prove_hooked(uint8_t **proof, size_t *proof_len, const model_statement *st,
                        const uint8_t seed[32], const infer_options *opts,
                        const tree_test_hooks *hooks, char *err)
{
    tctx c;
    codec_writer w;
    int32_t *N = NULL;
    size_t i, len;
    int rc = -1;

    memset(&c, 0, sizeof c);
    codec_writer_init(&w);
    *proof = NULL;
    *proof_len = 0;
    c.prover = 1;
    c.st = st;
    c.m = st->model;
    c.wm = hooks != NULL && hooks->witness_model != NULL ? hooks->witness_model : c.m;
    c.w = &w;
    c.seed = seed;
    c.opts = opts;
    c.hooks = hooks;
    if (c.m == NULL || c.m->leaf == NULL || c.wm->leaf == NULL) {
        tp_fail(&c, "the model has no nodes (a public model)");
        goto out;
    }
    c.phase_start = tp_monotonic_seconds();
    if (tp_setup(&c) != 0)
        goto out;
    len = (size_t)1 << c.l1;
    c.p1 = tp_alloc(&c, len, sizeof(int32_t));
    c.outw = tp_alloc(&c, c.B, sizeof(int32_t));
    c.P1f = tp_alloc(&c, len, sizeof(fq_t));
    c.Nf = tp_alloc(&c, (size_t)1 << c.lN, sizeof(fq_t));
    if (c.fail != NULL)
        goto out;
    if (tp_build_witness(&c, c.wm, c.p1, c.outw) != 0) {
        tp_fail(&c, "a row's sum leaves the output table");
        goto out;
    }
    if (hooks == NULL)
        for (i = 0; i < c.B; i++)
            if (c.outw[i] != st->outputs[i]) {
                tp_fail(&c, "the outputs are not what the model computes for these inputs");
                goto out;
            }
    tp_restore_p1(&c);
    if (tree_model_node_table(&N, c.wm, err) != 0)
        goto out_err;
    for (i = 0; i < ((size_t)1 << c.lN); i++)
        fq_set_i64(&c.Nf[i], N[i]);
    explicit_bzero(N, ((size_t)1 << c.lN) * sizeof *N);
    free(N);
    if (tp_statement(&c) != 0)
        goto out;
    if ((opts != NULL && opts->fixed_rng != NULL
             ? drbg_init_fixed(&c.rng, opts->fixed_rng, seed, c.t.state)
             : drbg_init(&c.rng, seed, c.t.state)) != 0) {
        tp_fail(&c, "the operating system's random generator failed");
        goto out;
    }
    put_header(&w, c.committed);
    if (tp_phase_end(&c, "witness") != 0)
        goto out;
    if (run_protocol(&c) != 0)
        goto out;
    if (w.failed) {
        tp_fail(&c, "out of memory");
        goto out;
    }
    *proof = w.data;
    *proof_len = w.len;
    w.data = NULL;
    rc = 0;
out:
    if (rc != 0 && err != NULL)
        zkml_fail(err, zkml_interrupted() ? ZKML_E_INTERNAL : ZKML_E_INVALID, "%s",
                  c.fail != NULL ? c.fail : "the proof failed");
out_err:
    codec_writer_free(&w);
    tp_free_all(&c);
    return rc;
}

int
tree_proof_prove(uint8_t **proof, size_t *proof_len, const model_statement *st,
                 const uint8_t seed[32], const infer_options *opts, char *err)
{
    return tree_proof_prove_hooked(proof, proof_len, st, seed, opts, NULL, err);
}

int
tree_proof_verify_hooked(const model_statement *st, const uint8_t *proof, size_t proof_len,
                         const char **reason, const tree_test_hooks *hooks)
{
    tctx c;
    codec_reader r;
    int rc;

    memset(&c, 0, sizeof c);
    c.st = st;
    c.m = st->model;
    c.r = &r;
    c.hooks = hooks;
    *reason = NULL;
    if (tp_setup(&c) != 0 || tp_statement(&c) != 0) {
        *reason = c.fail != NULL ? c.fail : "the statement is not usable";
        tp_free_all(&c);
        return -1;
    }
    codec_reader_init(&r, proof, proof_len);
    if (get_header(&r, c.committed) == 0 && run_protocol(&c) == 0 && codec_reader_finish(&r) == 0) {
        rc = 1;
    } else {
        rc = 0;
        *reason = c.fail != NULL ? c.fail : (r.error != NULL ? r.error : "rejected");
    }
    tp_free_all(&c);
    return rc;
}

int
tree_proof_verify(const model_statement *st, const uint8_t *proof, size_t proof_len,
                  const char **reason)
{
    return tree_proof_verify_hooked(st, proof, proof_len, reason, NULL);
}

uint64_t
tree_proof_memory_estimate(const void *model, size_t batch)
{
    const tree_model *m = model;
    uint64_t cells, per;

    if (m == NULL || batch == 0)
        return 0;
    cells = ((uint64_t)1 << tp_log2c(batch)) << tp_log2c(m->n_trees);
    /* P1 (int and field: 10 grid columns per level), the tree's leaves and layers (2 + 2
     * field elements per lookup entry, 5 lookups per level), the S1 copies (about 4 per
     * level) */
    per = (uint64_t)m->depth * (10 * 36 + 5 * 4 * 32 + 4 * 32) + 64;
    return ((uint64_t)96 << 20) + 2 * cells * per;
}
