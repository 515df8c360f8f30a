/*
 * sumcheck.h: the masked, batched, zero-knowledge sumcheck (docs/protocol.md 5).
 *
 * Statement.  n rounds, degree D (2 or 3).  Instances k = 1..K, each a polynomial
 *   F_k = sum_terms coef·(product of 1..D of its multilinear tables)
 * over n_k <= n variables (every table of an instance has 2^n_k entries, index bits
 * LSB-first as in docs/protocol.md 0, so F_k has degree <= D in each variable).  Suffix
 * alignment: instance k uses the global variables x_{n-n_k+1} .. x_n (its table's
 * lowest index bit is x_{n-n_k+1}), contributes 2^(n-n_k)·sum_x F_k(x), and its final
 * point is r^(k) = (r_{n-n_k+1}, .., r_n) = r + (n - n_k) in the challenge array.
 *
 * Mask.  g_{i,e} (i = 1..n, e = 0..D) are the n·(D+1) mask entries at slots
 * base + (i-1)(D+1) + e of the global mask; they are committed by the caller before
 * any challenge, and ρ is drawn by the caller after that commitment.  The prover here
 * takes the segment itself (mask + base).
 *
 * Transcript, with <S> the caller's label prefix (e.g. "S1"):
 *   absorb_scalar("<S>/T", T)                         T = H + ρ·Gsum
 *   for j = 1..n: absorb_scalars("<S>/round", (c0, c2, .., c_D))   (u64le(D) || ..)
 *                 r_j = challenge("<S>/r")
 * A round message is exactly D scalars; c1 is implied by c1 = e_{j-1} - 2c0 -
 * sum_{e>=2} c_e (e_0 = T) and e_j = s_j(r_j).  The verifier here only replays this
 * and derives (r, e_n): the sumcheck's soundness comes from the two relations handed
 * to the linear-relation accumulator (sumcheck_relation_init/final), which tie T and
 * e_n to the committed hidden sum H, the committed finals and the mask.
 *
 * Prover.  The tables are the caller's and are folded in place (destroyed): after the
 * last round, tables[t][0] of an instance holds MLE(table)(r^(k)), its "final".  The
 * evaluation and folding run OpenMP regions of zkml_threads() threads; the output does
 * not depend on the thread count.
 *
 * Choices where docs/protocol.md 5 leaves room (documented here, used by both sides):
 *   - T is absorbed as a single scalar (absorb_scalar, no count) and a round message
 *     as a scalar vector (absorb_scalars, with its count D).
 *   - r_j is a plain challenge (zero allowed).  ρ is the caller's to draw, best with
 *     the nonzero flag: ρ = 0 would unmask the messages (zero knowledge, not
 *     soundness: R_init and R_final hold the mask at both ends whatever ρ is).
 *   - The verifier takes neither ρ nor the instance shapes: ρ only enters the
 *     relations, and a shape only through r^(k) (sumcheck_instance_point).
 *   - The prover obtains s_j(1) as e_{j-1} - s_j(0) rather than summing it (the same
 *     polynomial for an honest prover, two fewer multiplications per pair for D = 3).
 *   - An instance of n_k = 0 variables is a constant: it contributes 2^n·F_k and its
 *     finals are its single table entries.
 */
#ifndef ZKML_SUMCHECK_H
#define ZKML_SUMCHECK_H

#include <stddef.h>

#include "field.h"
#include "linrel.h"
#include "transcript.h"

#define SUMCHECK_MAX_DEGREE 3
#define SUMCHECK_MAX_TABLES 8       /* per instance */
#define SUMCHECK_MAX_TERMS 16       /* per instance */
#define SUMCHECK_MAX_ROUNDS 48
#define SUMCHECK_MAX_LABEL 32       /* label prefix length, without the terminator */

/* coef·tables[factor[0]]·..·tables[factor[n_factors - 1]] */
typedef struct {
    fq_t coef;
    unsigned n_factors;                     /* 1 .. D */
    unsigned factor[SUMCHECK_MAX_DEGREE];
} sumcheck_term;

/* A deferred instance's tables, bound at its first round's challenge r (see
 * sumcheck_instance_defer): tables[t] set to 2^(n_k - 1) entries each; 0 or -1. */
typedef int (*sumcheck_tables_fn)(void *arg, const fq_t *r, fq_t **tables);

typedef struct {
    unsigned n_vars;                        /* n_k */
    unsigned n_tables;
    fq_t *tables[SUMCHECK_MAX_TABLES];      /* 2^n_k entries each; folded in place */
    unsigned n_terms;
    sumcheck_term terms[SUMCHECK_MAX_TERMS];
    /* deferred (sumcheck_instance_defer): its first round and its tables' maker */
    sumcheck_tables_fn make;
    void *make_arg;
    unsigned n_first;
    fq_t first[SUMCHECK_MAX_DEGREE + 1];
} sumcheck_instance;

/* An empty instance over n_vars variables. */
void sumcheck_instance_init(sumcheck_instance *in, unsigned n_vars);

/*
 * Defer the tables of an instance (prover) that are too large to hold unfolded: it gets
 * n_tables tables that do not exist yet; first[X] (X = 0..n_first - 1, n_first = D + 1)
 * is its polynomial of its first active round, s(X) = sum over its other variables
 * with its lowest one at X, and make(arg, r) is called with that round's challenge to
 * make the tables bound at r (what folding them would give).  Terms are added as
 * usual; the messages are those of the same instance given its tables.  Once made, the
 * tables are the instance's (make is cleared; the finals end in them as usual).
 * n_vars >= 1.  0, or -1 if malformed.
 */
int sumcheck_instance_defer(sumcheck_instance *in, unsigned n_tables, const fq_t *first,
                            unsigned n_first, sumcheck_tables_fn make, void *arg);

/* Add a table (2^n_vars entries, not copied); its index, or -1 if full. */
int sumcheck_instance_table(sumcheck_instance *in, fq_t *table);

/*
 * Add the term coef·prod_j tables[factors[j]] (1 <= n_factors <= SUMCHECK_MAX_DEGREE,
 * factors may repeat).  0, or -1 if full or malformed.  The degree bound D of the
 * sumcheck is checked when proving.
 */
int sumcheck_instance_term(sumcheck_instance *in, const fq_t *coef, unsigned n_factors,
                           const unsigned *factors);

/* out = F(values): values[t] stands for table t (e.g. the finals). */
void sumcheck_instance_value(fq_t *out, const sumcheck_instance *in, const fq_t *values);

/* The final point of an instance of n_vars variables inside the challenges r_1..r_n. */
static inline const fq_t *
sumcheck_instance_point(const fq_t *r, unsigned n, unsigned n_vars)
{
    return r + (n - n_vars);
}

/* Scalars in the round messages (n·D) and mask entries of the segment (n·(D+1)). */
size_t sumcheck_message_count(unsigned n, unsigned degree);
size_t sumcheck_mask_count(unsigned n, unsigned degree);

/*
 * The round arithmetic both sides share: from the previous claim e_{j-1} and the
 * message (c0, c2, .., c_D), c1 = e_{j-1} - 2c0 - sum_{e>=2} c_e, and
 * next = s_j(r) = sum_e c_e·r^e.  degree is 2 or 3 (any other gives 0); next may
 * alias claim.
 */
void sumcheck_next_claim(fq_t *next, unsigned degree, const fq_t *claim, const fq_t *msg,
                         const fq_t *r);

/*
 * The whole prover on a transcript: T, the n·D round scalars (n_msg must equal
 * sumcheck_message_count(n, degree)), the challenges r[0..n-1] = r_1..r_n and the
 * final claim e_n.  hidden_sum, if not NULL, receives H = sum_k 2^(n-n_k)·sum F_k (a
 * secret: for the caller's own checks).  mask points at the segment (n·(D+1)
 * entries).  0, or -1 on a malformed statement (degree, sizes, an instance with a
 * term of more than D factors, label), an allocation or a transcript failure.
 */
int sumcheck_prove(transcript_t *t, const char *label, unsigned n, unsigned degree,
                   const fq_t *rho, const fq_t *mask, sumcheck_instance *inst,
                   size_t n_inst, fq_t *T, fq_t *msg, size_t n_msg, fq_t *r,
                   fq_t *final_claim, fq_t *hidden_sum);

/*
 * The verifier's replay.  n and degree come from the statement, n_msg is the count
 * of round scalars the caller parsed: anything other than n·D is rejected, and
 * nothing beyond msg[n_msg - 1] is read.  Writes r[0..n-1] and e_n.  1 if the
 * messages are well formed (the real checks are the two relations), 0 reject with
 * *reason, -1 internal (transcript) failure with *reason.
 */
int sumcheck_verify(transcript_t *t, const char *label, unsigned n, unsigned degree,
                    const fq_t *T, const fq_t *msg, size_t n_msg, fq_t *r,
                    fq_t *final_claim, const char **reason);

/*
 * The prover as a state machine, for callers that drive the transcript themselves
 * (and for tests that reorder it).  sumcheck_prove is:
 *   new (-> T); absorb T; for each round: round (-> msg), absorb msg, draw r, bind(r).
 * new validates the statement and computes T; round computes the next message from
 * the previous challenges; bind takes that round's challenge (after the last one the
 * tables are fully folded).  claim gives the current claim e_j.  Each returns 0, or
 * -1 on misuse or allocation failure.  The mask segment is copied by new; the tables
 * are used in place until the last bind.  free wipes the prover's secrets.
 */
typedef struct sumcheck_prover sumcheck_prover;

int sumcheck_prover_new(sumcheck_prover **sp, unsigned n, unsigned degree,
                        const fq_t *rho, const fq_t *mask, sumcheck_instance *inst,
                        size_t n_inst, fq_t *T, fq_t *hidden_sum);
int sumcheck_prover_round(sumcheck_prover *sp, fq_t *msg);
int sumcheck_prover_bind(sumcheck_prover *sp, const fq_t *r);
void sumcheck_prover_claim(const sumcheck_prover *sp, fq_t *claim);
void sumcheck_prover_free(sumcheck_prover *sp);

/*
 * A prover whose polynomial the caller evaluates itself (a kernel shaped for one
 * statement, such as a layer of the lookup tree): new_external takes the hidden sum H
 * in place of instances (T = H + ρ·Gsum, the same T as sumcheck_prover_new would give
 * for instances summing to H), and round_external takes the caller's s_j(X) at
 * X = 0..D (X = 1 is not read: s_j(1) = e_{j-1} - s_j(0)) and adds the mask's part.
 * The messages are those of sumcheck_prover_new on the same polynomial.
 */
int sumcheck_prover_new_external(sumcheck_prover **sp, unsigned n, unsigned degree,
                                 const fq_t *rho, const fq_t *mask, const fq_t *H, fq_t *T);
int sumcheck_prover_round_external(sumcheck_prover *sp, const fq_t *ext, fq_t *msg);

/*
 * The relations of docs/protocol.md 5 for the accumulator.  The caller expresses the
 * hidden sum H, and the value sum_k F_k(finals at r^(k)), as linear forms over its
 * committed scalars (any number of forms, added up; their constants are allowed).
 *   R_init:  H + ρ·sum_{i,e} w_e·g_{i,e} = T,  w_0 = 2^n, w_e = 2^(n-1) (e >= 1)
 *   R_final: sum_k F_k(finals) + ρ·sum_{i,e} r_i^e·g_{i,e} = e_n
 * mask_base is the slot of g_{1,0}; the segment must lie inside the accumulator's
 * mask.  0, or -1 (the accumulator is then marked failed).
 */
int sumcheck_relation_init(linrel *lr, unsigned n, unsigned degree, size_t mask_base,
                           const fq_t *rho, const linrel_form *hidden_sum,
                           size_t n_forms, const fq_t *T);
int sumcheck_relation_final(linrel *lr, unsigned n, unsigned degree, size_t mask_base,
                            const fq_t *rho, const fq_t *r, const linrel_form *finals,
                            size_t n_forms, const fq_t *final_claim);

#endif
