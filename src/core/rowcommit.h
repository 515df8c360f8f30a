/*
 * rowcommit.h: the row commitments of committed-input proofs (docs/protocol.md
 * 7.19.2-7.19.4, 12.9.2): one blinded Pedersen vector commitment per applicant row,
 * blinds derived from the model's secret seed and the receipt's nonce, and their 64-byte
 * affine form.
 *
 * Blinds are secrets (whoever holds one can open its row): callers wipe them.
 * Failures follow error.h: 0 or -1.
 */
#ifndef ZKML_ROWCOMMIT_H
#define ZKML_ROWCOMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "group.h"
#include "hyrax.h"

#define ROWCOMMIT_NONCE_LEN 32
#define ROWCOMMIT_POINT_LEN 64

/*
 * The nonce of a committed receipt (2.3): SHA-256("ZKMLPG-V2/input-nonce" || 32 bytes
 * of the hedged generator || σ || the statement context).  fixed_rng (tests only)
 * replaces the OS randomness.  0 or -1.
 */
int rowcommit_nonce(uint8_t nonce[ROWCOMMIT_NONCE_LEN], const uint8_t seed[32],
                    const uint8_t *context, size_t context_len, const uint8_t *fixed_rng);

/* ρ_b for rows first .. first + n - 1 (2.2).  0 or -1 (hashing failed). */
int rowcommit_blinds(fq_t *rho, size_t first, size_t n, const uint8_t seed[32],
                     const uint8_t nonce[ROWCOMMIT_NONCE_LEN]);

/* C = Σ_j x_j·V_j + ρ·H over n features (2.1).  0 or -1 (generators, memory). */
int rowcommit_row(ge_t *C, const int32_t *x, size_t n, const fq_t *rho);

/* B rows (row-major, n features each) with their blinds, in parallel.  0 or -1. */
int rowcommit_rows(ge_t *C, const int32_t *rows, size_t batch, size_t n, const fq_t *rho);

/* The affine encoding of 3.2: x then y, 32 bytes each, little-endian.  The identity
 * has none: -1 (an honest commitment is never the identity). */
int rowcommit_encode(uint8_t out[ROWCOMMIT_POINT_LEN], const ge_t *C);

/* Decode 3.2: x < p, y < p, y^2 = x^3 - 17.  0, or -1 for any other 64 bytes. */
int rowcommit_decode(ge_t *C, const uint8_t in[ROWCOMMIT_POINT_LEN]);

/*
 * The rows read together as the Hyrax commitment to X (7.19.2): l_c = nu feature
 * variables, l_r = beta row variables, row b the commitment C_{min(b, B-1)}.  rows is the
 * caller's array of 2^beta points, which *xc then points to.  Shared by every model
 * kind that opens X (7.20.4 step 11.3, 16.10.4).
 */
void rowcommit_matrix(hyrax_commitment *xc, ge_t *rows, const ge_t *C, size_t batch,
                      unsigned nu, unsigned beta);

/*
 * The prover's side of the same matrix: X (2^(nu + beta) entries, feature j + 2^nu·b,
 * padded features 0, padded rows copying row B-1) from the B x n rows x, and the blinds
 * of its 2^beta Hyrax rows, ρ_{min(b, B-1)} of 7.19.3.  The blinds are secrets: the
 * caller wipes them.  0 or -1 (hashing failed).
 */
int rowcommit_matrix_values(fq_t *table, fq_t *rho, const int32_t *x, size_t batch, size_t n,
                            unsigned nu, unsigned beta, const uint8_t seed[32],
                            const uint8_t nonce[ROWCOMMIT_NONCE_LEN]);

#endif
