/*
 * infer_seam.c: the test seam of the inference proof (infer_testing.h; PROTOCOL.md
 * 11.3, 11.5): what a hooked run does instead at the places it serves, in the
 * witness, after step 0, before the P1 rows of step 1 and in step 12.  No real proof
 * ever has hooks.
 */
#include <stdlib.h>

#include "infer_phases.h"
#include "infer_testing.h"
#include "infer_witness.h"

/* The witness a hooked prover commits: the honest one when the forward pass succeeds,
 * zeros otherwise, then whatever tamper_p1 makes of it. */
int
infer_seam_witness(ictx *c, infer_witness *wit, model_trace *tr, char *err)
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
void
infer_seam_after_statement(ictx *c)
{
    c->t.trace = c->hooks->trace;
    c->t.trace_arg = c->hooks->trace_arg;
}

/*
 * Just before "P1/rows": α and γ drawn now under the unsound order (*drawn set), and
 * the prover's field-level tamper, given α and γ as it knows them at this point.  The
 * hooked prover commits P1 from its field form (*small = NULL).
 */
int
infer_seam_before_p1_rows(ictx *c, int32_t **small, int *drawn)
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
int
infer_seam_step_linear(ictx *c)
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
