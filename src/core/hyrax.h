/*
 * hyrax.h: the Hyrax polynomial commitment (docs/protocol.md 4.2, 4.4).
 *
 * A multilinear polynomial P with l variables is its table of 2^l values (index bits
 * LSB-first).  The table is cut into 2^lr rows of 2^lc entries, lc = min(l,
 * ceil(l/2) + δ), and each row is committed with ComV and its own blind.  An
 * evaluation MLE(P)(z) = v, with v committed as Com1(v; bv), is proven by folding the
 * rows with EqTable of the high coordinates and running the dot-product argument on
 * the result against EqTable of the low coordinates.
 */
#ifndef ZKML_HYRAX_H
#define ZKML_HYRAX_H

#include "drbg.h"
#include "group.h"
#include "ipa.h"
#include "transcript.h"

#define HYRAX_DELTA 2
#define HYRAX_MAX_VARS 40

typedef struct {
    unsigned l, lc, lr;     /* variables, low (column) and high (row) split */
    ge_t *rows;             /* 2^lr row commitments, malloc'd */
} hyrax_commitment;

/* The row/column split of docs/protocol.md 4.2 for l variables: δ = HYRAX_DELTA, or
 * the δ given (version 2's P1 uses 1, docs/protocol.md 7.18.0). */
void hyrax_split(unsigned l, unsigned *lc, unsigned *lr);
void hyrax_split_delta(unsigned l, unsigned delta, unsigned *lc, unsigned *lr);
unsigned hyrax_lc(unsigned l);          /* lc of hyrax_split */

/*
 * Row blinds: a prover draws fresh ones from its DRBG (drbg_scalars); the committed
 * weights of a model use blinds derived from the model's secret seed σ (docs/protocol.md 7,
 * "Registration"): β_i = wide_reduce(expand_message_xmd(σ || u64le(i),
 * "ZKMLPG-V1/W-blind", 64)), the 64 bytes read little-endian and reduced mod q.
 * 0, or -1 if hashing failed.
 */
int hyrax_blinds_from_seed(fq_t *beta, size_t n, const uint8_t seed[32]);

/*
 * Commit to P (2^l entries) in rows of 2^lc entries (lc <= l, from hyrax_split or
 * hyrax_split_delta) with row blinds beta (2^(l - lc) entries).  The _small variant
 * takes int32 entries: rows whose entries all have |v| < 2^17 use the small-scalar MSM
 * (zero entries cost nothing), other rows the full one.  0, or -1 on allocation failure.
 */
int hyrax_commit(hyrax_commitment *c, const fq_t *P, unsigned l, unsigned lc,
                 const fq_t *beta);
int hyrax_commit_small(hyrax_commitment *c, const int32_t *P, unsigned l, unsigned lc,
                       const fq_t *beta);
void hyrax_commitment_free(hyrax_commitment *c);

/*
 * Prove MLE(P)(z) = v against Cv = Com1(v; bv), z in F^l.  The row commitments must
 * already be in the transcript (the caller absorbed them).  0 or -1.
 */
int hyrax_open(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
               const fq_t *P, const fq_t *beta, const fq_t *z,
               const ge_t *Cv, const fq_t *bv);

/* hyrax_open of a table of int32 entries (hyrax_commit_small's), read as they are:
 * the same proof, with the rows' sum in wide integer sums (no field element made of
 * each entry, one reduction per column). */
int hyrax_open_small(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
                     const int32_t *P, const fq_t *beta, const fq_t *z, const ge_t *Cv,
                     const fq_t *bv);

/* 1 accept, 0 reject (with *reason), -1 internal failure. */
int hyrax_verify(transcript_t *t, const hyrax_commitment *c, const fq_t *z,
                 const ge_t *Cv, const ipa_proof *pf, const char **reason);

/*
 * The same against the commitment C_i + μ·C2_i of P = P_1 + μ·P_2 (docs/protocol.md 7 step
 * 11), c and c2 of the same shape; P and beta are the combined table and blinds.  The
 * combined rows are never formed: they are folded with the rows of both in one MSM.
 */
int hyrax_open_sum(ipa_proof *pf, transcript_t *t, drbg_t *rng, const hyrax_commitment *c,
                   const hyrax_commitment *c2, const fq_t *mu, const fq_t *P,
                   const fq_t *beta, const fq_t *z, const ge_t *Cv, const fq_t *bv);
int hyrax_verify_sum(transcript_t *t, const hyrax_commitment *c, const hyrax_commitment *c2,
                     const fq_t *mu, const fq_t *z, const ge_t *Cv, const ipa_proof *pf,
                     const char **reason);

/* hyrax_verify_sum with the IPA's final equation queued in b (ipa_verify_deferred). */
int hyrax_verify_sum_deferred(ipa_batch *b, transcript_t *t, const hyrax_commitment *c,
                              const hyrax_commitment *c2, const fq_t *mu, const fq_t *z,
                              const ge_t *Cv, const ipa_proof *pf, const char **reason);

#endif
