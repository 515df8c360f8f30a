/*
 * drbg.h: the prover's random tape (docs/protocol.md 3).
 *
 * Hedged seeding: key = SHA256("ZKMLPG-V1/prover-rng" || 32 bytes of the OS CSPRNG ||
 * the model's secret seed (32 bytes) || the transcript state after step 0).  A broken
 * OS generator alone then cannot repeat randomness across different statements, and a
 * leaked model seed alone cannot predict it.  Output block j (j = 0, 1, ...) is
 * SHA256(key || u64le(j)); every request starts on a fresh block and unused bytes are
 * discarded, so the output sequence depends only on the sequence of requests.
 *
 * A drbg_t is used by one thread at a time; the same requests in the same order give
 * the same values, whatever the thread count of the code around it.  The state is a
 * secret: drbg_clear() wipes it.
 */
#ifndef ZKML_DRBG_H
#define ZKML_DRBG_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"

#define DRBG_SEED_LEN 32

typedef struct {
    uint8_t key[32];
    uint64_t block;       /* index of the next output block */
    int failed;           /* sticky: seeding or hashing failed */
} drbg_t;

/*
 * Seed from the OS CSPRNG (OpenSSL RAND_bytes), the model seed and the transcript
 * state.  0, or -1 if the OS generator or the hash failed (the DRBG then refuses to
 * produce output).
 */
int drbg_init(drbg_t *d, const uint8_t model_seed[DRBG_SEED_LEN],
              const uint8_t transcript_state[32]);

/*
 * The same with fixed bytes in place of the OS randomness: deterministic, for tests
 * and reproducibility checks only; never for real proofs.  0 or -1.
 */
int drbg_init_fixed(drbg_t *d, const uint8_t fixed[DRBG_SEED_LEN],
                    const uint8_t model_seed[DRBG_SEED_LEN],
                    const uint8_t transcript_state[32]);

/* len bytes of output; 0, or -1 on failure (out is then zero). */
int drbg_bytes(drbg_t *d, uint8_t *out, size_t len);

/* Uniform scalars: 64 output bytes each, reduced mod q.  0 or -1 (outputs zero). */
int drbg_scalar(drbg_t *d, fq_t *out);
int drbg_scalars(drbg_t *d, fq_t *out, size_t n);

/* Wipe the state; the DRBG must be initialised again before further use. */
void drbg_clear(drbg_t *d);

#endif
