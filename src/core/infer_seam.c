/*
 * infer_seam.c: the test seam of the inference proof (infer_testing.h; docs/protocol.md
 * 11.3, 11.5): what a hooked run does instead at the places it serves, in the
 * witness, after step 0, before the P1 rows of step 1 and in step 12.  No real proof
 * ever has hooks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "infer_phases.h"
#include "infer_testing.h"
#include "infer_witness.h"

/* The witness a hooked prover commits: the honest one when the forward pass succeeds,
 * zeros otherwise, then whatever tamper_p1 makes of it. */
int
infer_seam_witness(ictx *c, infer_witness *wit, model_trace *tr, char *err)
{
    if (model_forward(tr, c->m, c->st->inputs, c->st->batch, 0, err) == MODEL_OK) {
        if (infer_witness_build_inputs(wit, c->lay, c->m, tr, infer_x_rows(c), err) != 0)
            return -1;
    } else {
        wit->len = (size_t)1 << c->lay->l_P;
        wit->p1 = scratch_alloc(wit->len, sizeof(int64_t));     /* infer_witness_free */
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
    if (hk->tamper_field == NULL || hk->tamper_field_late)
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

/* ---- checks switched off, and the strategies of a lying prover ---- */

int
infer_seam_skips(const ictx *c, infer_check check, unsigned index)
{
    return c->hooks != NULL && c->hooks->skip == check && c->hooks->skip_index == index;
}

/* Step 6, both roles: the zero-check of one lookup or one table weighted by 0. */
void
infer_seam_after_lambda(ictx *c)
{
    const infer_test_hooks *hk = c->hooks;

    if (hk->skip == INFER_CHECK_LOOKUP_ZERO && hk->skip_index < c->lay->n_lookups)
        fq_set_zero(&c->lam_lk[hk->skip_index]);
    if (hk->skip == INFER_CHECK_TABLE_ZERO && hk->skip_index < c->lay->n_tables)
        fq_set_zero(&c->lam_tb[hk->skip_index]);
    if (hk->skip == INFER_CHECK_PW_ZERO && hk->skip_index < c->lay->n_pw)
        fq_set_zero(&c->lam_pw[hk->skip_index]);
}

/* Step 5, prover: layer 1's bias pre-claim + 1 and its q pre-claim + M/2^s, so that its
 * requantization form (R1) is unchanged while both claims are false. */
void
infer_seam_preclaims(ictx *c, fq_t *v)
{
    const model_layer *ly = &c->m->layer[0];
    fq_t eps, p;

    if (!c->hooks->shift_preclaims)
        return;
    ictx_pow2(&p, ly->shift);
    fq_inv(&p, &p);
    fq_set_u64(&eps, ly->mult);
    fq_mul(&eps, &eps, &p);
    fq_add(&v[0], &v[0], &eps);                                 /* q_1~(τ_1) */
    fq_add(&v[1 + c->lay->n_limbs[0]], &v[1 + c->lay->n_limbs[0]], &FQ_ONE);   /* b_1~ */
}

/* The hidden sum the committed claims state: what R_init of S1 (which 1) or S2 (2)
 * checks T against, less the mask's part. */
static void
claimed_hidden_sum(ictx *c, int which, fq_t *H)
{
    fq_t w, cst, p, term;
    unsigned l, k;
    size_t i;

    fq_set_zero(H);
    if (which == 2) {
        for (i = 0; i < c->n_claims; i++) {
            ictx_pow2(&w, c->n2 - ictx_poly_vars(c, c->claims[i].poly));
            fq_mul(&w, &w, &c->theta[i]);
            fq_mul(&term, &w, &c->val[c->claims[i].id]);
            fq_add(H, H, &term);
        }
        return;
    }
    for (l = 0; l < c->L; l++) {                /* λ_l·2^(n1-ν_l)·H_l, as R1 */
        const model_layer *ly = &c->m->layer[l];

        ictx_pow2(&w, c->n1 - c->lay->nu[l]);
        fq_mul(&w, &w, &c->lam_mm[l]);
        fq_set_u64(&cst, ly->mult);
        fq_inv(&cst, &cst);
        ictx_pow2(&p, ly->shift);
        fq_mul(&term, &p, &c->val[c->id_q[l]]);
        for (k = 0; k < c->lay->n_limbs[l]; k++) {
            fq_t t2;

            ictx_pow2(&p, c->lay->limb_offset[l][k]);
            fq_mul(&t2, &p, &c->val[c->id_rem[l] + k]);
            fq_add(&term, &term, &t2);
        }
        ictx_pow2(&p, ly->shift - 1);
        fq_sub(&term, &term, &p);
        fq_mul(&term, &term, &cst);
        fq_sub(&term, &term, &c->val[c->id_b[l]]);
        fq_mul(&term, &term, &w);
        fq_add(H, H, &term);
    }
}

/*
 * Steps 7 and 9 for a lying prover (infer_test_hooks.forge_sum, bump_last_round): the
 * honest prover's state machine underneath, the messages sent changed.  A constant d
 * added to s_j moves s_j(0) + s_j(1) by 2d and the next claim by d, so a shift Δ of T
 * is carried by d_j = Δ/2^j through the rounds before forge_round.
 */
int
infer_seam_sumcheck_prove(ictx *c, const char *label, int which, unsigned n, unsigned degree,
                          const fq_t *rho, const fq_t *mask, sumcheck_instance *inst,
                          size_t ninst, fq_t *T, fq_t *msg, fq_t *r, fq_t *e)
{
    const infer_test_hooks *hk = c->hooks;
    sumcheck_prover *sp;
    char lT[40], lround[40], lr[40];
    fq_t Htrue, Hclaimed, shift, half, bump;
    unsigned j;
    int rc = -1;

    snprintf(lT, sizeof lT, "%s/T", label);
    snprintf(lround, sizeof lround, "%s/round", label);
    snprintf(lr, sizeof lr, "%s/r", label);
    if (sumcheck_prover_new(&sp, n, degree, rho, mask, inst, ninst, T, &Htrue) != 0)
        return -1;
    fq_set_zero(&shift);
    fq_set_zero(&bump);
    fq_set_u64(&half, 2);
    fq_inv(&half, &half);
    if (hk->forge_sum == which) {
        claimed_hidden_sum(c, which, &Hclaimed);
        fq_sub(&shift, &Hclaimed, &Htrue);
        fq_add(T, T, &shift);
    }
    transcript_absorb_scalar(&c->t, lT, T);
    for (j = 0; j < n; j++) {
        fq_t *m = msg + (size_t)j * degree;

        if (hk->forge_sum == which && j == hk->forge_round && hk->report != NULL)
            sumcheck_prover_claim(sp, &hk->report->round_claim);
        if (sumcheck_prover_round(sp, m) != 0)
            goto out;
        if (hk->forge_sum == which) {
            if (j < hk->forge_round) {
                fq_mul(&shift, &shift, &half);
                fq_add(&m[0], &m[0], &shift);
            } else
                fq_set_zero(&shift);
        }
        if (hk->bump_last_round == which && j == n - 1)
            fq_add(&m[1], &m[1], &FQ_ONE);          /* + X^2 - X: e_n moves by r^2 - r */
        transcript_absorb_scalars(&c->t, lround, m, degree);
        if (transcript_challenge(&c->t, lr, 0, &r[j]) != 0 ||
            sumcheck_prover_bind(sp, &r[j]) != 0)
            goto out;
        if (hk->bump_last_round == which && j == n - 1) {
            fq_sqr(&bump, &r[j]);
            fq_sub(&bump, &bump, &r[j]);
        }
    }
    sumcheck_prover_claim(sp, e);
    fq_add(e, e, &shift);
    fq_add(e, e, &bump);
    rc = c->t.failed ? -1 : 0;
out:
    sumcheck_prover_free(sp);
    return rc;
}

/* The verifier's replay of sumcheck_verify with round `unchained` starting from
 * hooks->round_claim rather than from the claim the rounds before it give. */
int
infer_seam_sumcheck_verify(ictx *c, const char *label, unsigned n, unsigned degree,
                           const fq_t *T, const fq_t *msg, unsigned unchained, fq_t *r, fq_t *e)
{
    char lT[40], lround[40], lr[40];
    fq_t claim = *T;
    unsigned j;

    snprintf(lT, sizeof lT, "%s/T", label);
    snprintf(lround, sizeof lround, "%s/round", label);
    snprintf(lr, sizeof lr, "%s/r", label);
    transcript_absorb_scalar(&c->t, lT, T);
    for (j = 0; j < n; j++) {
        const fq_t *m = msg + (size_t)j * degree;

        transcript_absorb_scalars(&c->t, lround, m, degree);
        if (transcript_challenge(&c->t, lr, 0, &r[j]) != 0)
            return ictx_fail(c, "transcript failure");
        if (j == unchained)
            claim = c->hooks->round_claim;
        sumcheck_next_claim(&claim, degree, &claim, m, &r[j]);
    }
    *e = claim;
    return 0;
}
