/*
 * product.h: the product proof of docs/protocol.md 4.5.
 *
 * For commitments X = Com1(x; rX), Y = Com1(y; rY), Z = Com1(z; rZ) it shows z = x·y
 * without revealing x, y or z: 3 points and 5 scalars, bound to the caller's
 * transcript.
 */
#ifndef ZKML_PRODUCT_H
#define ZKML_PRODUCT_H

#include "drbg.h"
#include "group.h"
#include "transcript.h"

typedef struct {
    ge_t A, B, D;
    fq_t z[5];
} product_proof;

/* 0, or -1 on a randomness or hashing failure. */
int product_prove(product_proof *pf, transcript_t *t, drbg_t *rng,
                  const ge_t *X, const ge_t *Y, const ge_t *Z,
                  const fq_t *x, const fq_t *rx, const fq_t *y, const fq_t *ry,
                  const fq_t *rz);

/* 1 accept; 0 reject with *reason naming the failed check; -1 internal failure. */
int product_verify(transcript_t *t, const ge_t *X, const ge_t *Y, const ge_t *Z,
                   const product_proof *pf, const char **reason);

/*
 * A verifier's batch: product_verify_deferred does product_verify's transcript steps
 * at once (so the transcript goes on as before) and keeps the proof's three equations
 * (check 0: none, for a test seam's unchecked proof); product_batch_check then checks
 * all of them as one random linear combination, one multi-scalar multiplication of
 * 6n + 2 points, weights drawn from a copy of t after the last proof.  If the
 * combination fails, each proof is checked alone and the first failure is named as
 * product_verify names it.  Both return as product_verify does.
 */
typedef struct {
    ge_t X, Y, Z;
    product_proof pf;
    fq_t c;
} product_item;

typedef struct {
    product_item *items;
    size_t n, cap;
} product_batch;

void product_batch_init(product_batch *b);
void product_batch_free(product_batch *b);
int product_verify_deferred(product_batch *b, transcript_t *t, const ge_t *X, const ge_t *Y,
                            const ge_t *Z, const product_proof *pf, int check,
                            const char **reason);
int product_batch_check(product_batch *b, const transcript_t *t, const char **reason);

#endif
