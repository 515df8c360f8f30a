/*
 * infer_phases.h: the phases of the inference proof (docs/protocol.md 7;
 * docs/protocol.md 7), in protocol order, as infer_proof.c's driver calls them
 * (internal to the infer_*.c files of the prover and verifier; not an API).
 *
 * Each phase runs for both roles on the shared context of infer_ctx.h (the prover
 * writes and absorbs, the verifier reads and absorbs), and returns 0, or -1 with the
 * context failed (ictx_fail).
 */
#ifndef ZKML_INFER_PHASES_H
#define ZKML_INFER_PHASES_H

#include <stddef.h>
#include <stdint.h>

#include "infer_ctx.h"
#include "infer_testing.h"
#include "infer_witness.h"
#include "model.h"
#include "sumcheck.h"

/* The prover's input rows as its X holds them: st->inputs, unless the test seam says
 * otherwise (infer_testing.h, committed_rows). */
static inline const int32_t *
infer_x_rows(const ictx *c)
{
    return c->hooks != NULL && c->hooks->committed_rows != NULL ? c->hooks->committed_rows
                                                                 : c->st->inputs;
}

/* Entry (b, j) of the prover's padded input matrix X (j < 2^ν_1): its rows' feature j,
 * 0 in a padded feature position unless the test seam puts a value there. */
static inline int64_t
infer_x_entry(const ictx *c, size_t b, size_t j)
{
    size_t n = c->m->layer[0].n;

    if (j < n)
        return infer_x_rows(c)[b * n + j];
    return c->hooks != NULL && b == 0 && j == n ? c->hooks->committed_pad : 0;
}

/* Step 0 (infer_statement.c). */
int infer_setup(ictx *c);               /* step 0: the sizes, generators and public matrices */
int infer_step_statement(ictx *c);      /* step 0: the statement absorbed */
int infer_inputs_in_domain(ictx *c);    /* step 0, verifier: every input within xbits */

/* Steps 1-3 (infer_commit.c). */
int infer_step_commit(ictx *c);         /* steps 1-3: P1, the mask, α and γ, P2 */
int infer_lookup_f(ictx *c, unsigned k, size_t x, fq_t *f);   /* step 3: f_k at entry x */

/* Version 2's lookups (infer_gkr.c; docs/protocol.md 7.18). */
int infer_gkr_setup(ictx *c);           /* 3.0: the leaf blocks, N_LC, d */
int infer_gkr_challenges(ictx *c);      /* 3.2: η_T and ρ_G */
int infer_step_tree(ictx *c);           /* 3.3: the tree and its leaf claims */
int infer_gkr_relations(ictx *c);       /* 3.6: G_0, G_j, G_leaf */

/* Steps 4-8 (infer_s1.c). */
int infer_step_preclaims(ictx *c);      /* steps 4-6: τ, the pre-claims, λ, ζ, ρ1 */
sumcheck_instance *infer_s1_instances(ictx *c, size_t *count);  /* step 7: the prover's S1 */
int infer_step_s1_finals(ictx *c, sumcheck_instance *inst);     /* step 8: the S1 finals */
int infer_step_s1_products(ictx *c);    /* step 8: the product proofs */
/* LK and TB instances in S1 (version 1: every lookup and table; version 2: none). */
size_t infer_s1_lookups(const ictx *c);
size_t infer_s1_tables(const ictx *c);
/* Version 2: the columns (out, t, in) of piecewise zero-check p; -1 for a public one. */
void infer_pw_columns(const ictx *c, unsigned p, int *out, int *t, int *in);

/* Committed inputs: c_k~ of input lookup k at r (β batch, then ν_1 feature coordinates). */
void infer_input_offset_mle(ictx *c, unsigned k, const fq_t *r, fq_t *out);

/* Steps 9-10 (infer_s2.c). */
int infer_step_s2(ictx *c);             /* steps 9-10: S2, its finals and μ */

/* Steps 11-12 (infer_open.c). */
int infer_step_openings(ictx *c);       /* step 11: the two Hyrax openings (three with
                                           committed inputs: X, docs/protocol.md 7.20.4) */
int infer_step_relations(ictx *c);      /* step 12: the linear relations R1..R4 */
int infer_step_linear(ictx *c);         /* step 12: their argument over the mask */

/*
 * The test seam (infer_seam.c; infer_testing.h): called only when c->hooks is set,
 * which no real proof is.
 */
int infer_seam_witness(ictx *c, infer_witness *wit, model_trace *tr, char *err);  /* witness */
void infer_seam_after_statement(ictx *c);       /* after step 0: the transcript observer */
int infer_seam_before_p1_rows(ictx *c, int32_t **small, int *drawn);    /* step 1 */
int infer_seam_step_linear(ictx *c);    /* step 12 for a hooked prover */
/* 1 if the hooks switch off check (instance index), 0 otherwise and in every real run */
int infer_seam_skips(const ictx *c, infer_check check, unsigned index);
void infer_seam_after_lambda(ictx *c);  /* step 6: a zero-check's lambda set to 0 */
void infer_seam_preclaims(ictx *c, fq_t *v);    /* step 5: the prover's false pre-claims */
/* Steps 7 and 9 for a hooked prover with a sumcheck strategy, and for a verifier with a
 * round unchained; the arguments of ictx_sumcheck (which = 1 for S1, 2 for S2). */
int infer_seam_sumcheck_prove(ictx *c, const char *label, int which, unsigned n,
                              unsigned degree, const fq_t *rho, const fq_t *mask,
                              sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *msg,
                              fq_t *r, fq_t *e);
int infer_seam_sumcheck_verify(ictx *c, const char *label, unsigned n, unsigned degree,
                               const fq_t *T, const fq_t *msg, unsigned unchained, fq_t *r,
                               fq_t *e);

#endif
