/*
 * linrel.h: the linear-relation accumulator (docs/protocol.md 4.6).
 *
 * Relations R_t: sum_i a_{t,i}·v_i + <A_t, mask> = K_t over
 *   - committed scalars v_i, C_i = Com1(v_i; b_i), registered one by one (ids 0, 1, ..
 *     in registration order), and
 *   - the global mask of n_M = 2^mask_log entries, C_M = ComV(mask; b_M).
 * Relations are collected with public, sparse coefficients; at the end both sides
 * draw ω_t = challenge("lin/omega") for each relation in order, form
 *   A = sum ω_t·A_t,  a_i = sum ω_t·a_{t,i},  K = sum ω_t·K_t,
 *   Cy = K·G - sum a_i·C_i
 * (value y = K - sum a_i·v_i = <A, mask>, blind -sum a_i·b_i)
 * and run the dot-product argument (ipa.h) with Cx = C_M, Cy, a = A, n = n_M.  The
 * verifier computes Cy with one MSM; the prover computes it as Com1(y; by), the same
 * point when every relation holds.  Nothing is absorbed here besides what the IPA
 * absorbs: the caller must have absorbed every commitment and every public value the
 * relations depend on before linrel_prove / linrel_verify.
 *
 * Building a relation: linrel_relation_begin, any number of terms (scalar terms,
 * whole linear forms, mask terms; repeated ids or slots add up), linrel_relation_end
 * with the right-hand side.  A linrel_form carries a constant: its terms go to the
 * left-hand side and its constant is subtracted from the right-hand side, so a caller
 * can hand over expressions like "M^-1·(2^s·q + sum 2^o·rem - 2^(s-1)) - b" as they are.
 *
 * Errors in building (an unknown id or slot, terms outside a relation, an allocation
 * failure) are sticky: the accumulator is marked failed, the call returns -1, and
 * prove/verify refuse to run.  Ids and slots are checked against what was
 * registered, so an accumulator never reads outside its arrays.
 *
 * Secrets: the prover's values and blinds are copied in and wiped by linrel_clear.
 */
#ifndef ZKML_LINREL_H
#define ZKML_LINREL_H

#include <stddef.h>

#include "drbg.h"
#include "field.h"
#include "group.h"
#include "ipa.h"
#include "transcript.h"

/* coef·v_id (a scalar term) or coef·mask[slot] (a mask term) */
typedef struct {
    size_t id;
    fq_t coef;
} linrel_term;

/* sum_j terms[j].coef·v_{terms[j].id} + constant */
typedef struct {
    const linrel_term *terms;
    size_t n_terms;
    fq_t constant;
} linrel_form;

typedef struct {
    int prover;                 /* 1: values and blinds known; 0: commitments only */
    int failed;                 /* sticky building error */
    int open;                   /* between relation_begin and relation_end */
    unsigned mask_log;          /* n_M = 2^mask_log */
    ge_t mask_commitment;       /* C_M */

    size_t n_scalars, cap_scalars;
    ge_t *commitments;          /* verifier: C_i */
    fq_t *values, *blinds;      /* prover: v_i, b_i (secret) */

    size_t n_relations, cap_relations;
    fq_t *rhs;                  /* K_t */
    size_t *scalar_end;         /* relation t's scalar terms end here (exclusive) */
    size_t *mask_end;           /* relation t's mask terms end here (exclusive) */
    linrel_term *scalar_terms;
    size_t n_scalar_terms, cap_scalar_terms;
    linrel_term *mask_terms;
    size_t n_mask_terms, cap_mask_terms;
    fq_t open_constant;         /* constants of the forms of the open relation */
} linrel;

/*
 * Empty accumulators for the two sides; C_M commits to 2^mask_log mask entries
 * (mask_log <= IPA_MAX_ROUNDS, or the accumulator starts failed).
 */
void linrel_init_prover(linrel *lr, const ge_t *mask_commitment, unsigned mask_log);
void linrel_init_verifier(linrel *lr, const ge_t *mask_commitment, unsigned mask_log);

/* Free everything, wiping the prover's values and blinds. */
void linrel_clear(linrel *lr);

/*
 * Register a committed scalar and return its id in *id: the prover gives v and b of
 * C = Com1(v; b), the verifier C.  0, or -1 (wrong side, allocation failure).
 */
int linrel_add_secret(linrel *lr, const fq_t *v, const fq_t *b, size_t *id);
int linrel_add_commitment(linrel *lr, const ge_t *C, size_t *id);

/* Relation building; each returns 0 or -1 (and marks the accumulator failed). */
int linrel_relation_begin(linrel *lr);
int linrel_relation_scalar(linrel *lr, size_t id, const fq_t *coef);
/* scale·form (scale NULL means 1): terms to the left, -scale·constant to the right */
int linrel_relation_form(linrel *lr, const linrel_form *form, const fq_t *scale);
int linrel_relation_mask(linrel *lr, size_t slot, const fq_t *coef);
int linrel_relation_end(linrel *lr, const fq_t *rhs);

/*
 * The prover's own check, for tests and diagnostics: 0 if every relation holds for
 * the registered values and this mask, 1 if one does not (*bad = the index of the
 * first such relation, if bad is not NULL), -1 if the accumulator cannot be checked
 * (failed, a relation still open, or not a prover).
 */
int linrel_check(const linrel *lr, const fq_t *mask, size_t *bad);

/*
 * Prove every relation at once: mask and b_mask are the opening of C_M.  0, or -1 on
 * misuse (failed, open, not a prover, no relation) or an internal failure.
 */
int linrel_prove(const linrel *lr, transcript_t *t, drbg_t *rng, const fq_t *mask,
                 const fq_t *b_mask, ipa_proof *pf);

/*
 * Check the proof: 1 accept; 0 reject with *reason (a static sentence); -1 internal
 * failure (allocation, hashing) with *reason.
 */
int linrel_verify(const linrel *lr, transcript_t *t, const ipa_proof *pf,
                  const char **reason);

/* linrel_verify with the IPA's final equation queued in b (ipa_verify_deferred). */
int linrel_verify_deferred(ipa_batch *b, const linrel *lr, transcript_t *t,
                           const ipa_proof *pf, const char **reason);

#endif
