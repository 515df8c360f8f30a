/*
 * ipa.h: the zero-knowledge dot-product argument (docs/protocol.md 4.3).
 *
 * Statement: Cx = ComV(x; bx) over V_0..V_{n-1}, Cy = Com1(y; by), a public vector a of
 * length n = 2^k, and the claim <x, a> = y.  The proof is k pairs (L_j, R_j), the
 * points δ and β and the scalars z1, z2: 2k + 2 points and 2 scalars.
 *
 * Both sides run on a caller's transcript, so the argument is bound to everything the
 * caller absorbed before it.  Generators V_i must be cached for n (generators_V) by
 * the caller on the main thread; the functions here may run MSM threads.
 */
#ifndef ZKML_IPA_H
#define ZKML_IPA_H

#include "drbg.h"
#include "group.h"
#include "transcript.h"

#define IPA_MAX_ROUNDS 32

typedef struct {
    unsigned k;                  /* rounds; n = 2^k */
    ge_t L[IPA_MAX_ROUNDS];
    ge_t R[IPA_MAX_ROUNDS];
    ge_t delta, beta;
    fq_t z1, z2;
} ipa_proof;

/*
 * Prove <x, a> = y for Cx = ComV(x; bx), Cy = Com1(y; by); x and a have 2^k entries.
 * Randomness comes from rng.  0, or -1 on an allocation, hashing or randomness
 * failure (the proof is then unusable).
 */
int ipa_prove(ipa_proof *pf, transcript_t *t, drbg_t *rng,
              const ge_t *Cx, const ge_t *Cy,
              const fq_t *x, const fq_t *bx, const fq_t *by,
              const fq_t *a, unsigned k);

/*
 * Check a proof.  Returns 1 to accept; 0 to reject, with *reason set to a static
 * sentence naming the check that failed; -1 on an internal failure (allocation or
 * hashing), also with a reason.  The round count must equal k (it never comes from
 * the proof), and no proof point may be the identity.
 */
int ipa_verify(transcript_t *t, const ge_t *Cx, const ge_t *Cy,
               const fq_t *a, unsigned k, const ipa_proof *pf, const char **reason);

/*
 * A verifier's batch of final equations: the proofs of one statement, checked in one
 * MSM whose generators V_i, G and H are shared (docs/protocol.md 4.3).
 */
typedef struct {
    fq_t *v;                     /* the scalar of V_i, i < n_v */
    size_t n_v;
    fq_t g, h;                   /* of G and of H */
    ge_t *pts;                   /* the proofs' own points and the statements' */
    fq_t *sc;
    size_t n, cap;
    size_t equations;
} ipa_batch;

void ipa_batch_init(ipa_batch *b);
void ipa_batch_free(ipa_batch *b);

/*
 * ipa_verify's transcript steps and structural checks; the final equation joins b
 * (b NULL: a test seam's unchecked proof, only the transcript steps).  1 queued, 0 to
 * reject with *reason, -1 on an internal failure.  ipa_batch_check then checks every
 * queued equation: 1 all hold, 0 with *reason, -1 on a failure.
 */
int ipa_verify_deferred(ipa_batch *b, transcript_t *t, const ge_t *Cx, const ge_t *Cy,
                        const fq_t *a, unsigned k, const ipa_proof *pf, const char **reason);
int ipa_batch_check(ipa_batch *b, const char **reason);

#endif
