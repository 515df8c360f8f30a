/*
 * infer_proof.h: the inference proof (docs/protocol.md 7), prover and verifier, step by
 * step.
 *
 * Statement: a model's public descriptor and W row commitments, B input rows (public,
 * quantized), the B output rows, and caller context bytes.  The proof shows that the
 * committed weights map these inputs to these outputs, revealing nothing of the weights
 * or of any intermediate value.
 *
 * Threads: the core's parallel regions use zkml_threads(); call on the main thread.
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_INFER_PROOF_H
#define ZKML_INFER_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hyrax.h"
#include "model.h"

typedef struct {
    const zk_model *model;              /* the public part; the prover needs the weights */
    const hyrax_commitment *w_rows;     /* the registration's W rows */
    size_t batch;                       /* B */
    const int32_t *inputs;              /* B x n_1, row-major */
    const int32_t *outputs;             /* B x m_L, row-major */
    const uint8_t *context;
    size_t context_len;
    /* version 2: the 40 bytes of "stmt/group", u32le(i) || u32le(k) || G (docs/protocol.md
     * 12.10.2), which every receipt supplies; NULL (statements outside a receipt, in tests):
     * part 1 of 1 of a group whose digest is 32 zero bytes (infer_group_alone).  Version
     * 1 ignores it; the tree proof binds it as version 2 does. */
    const uint8_t *group;
    /*
     * Committed inputs (docs/protocol.md 7.19-7.20), version 2 only: the statement holds
     * the receipt's nonce and B row commitments instead of the inputs.  The prover
     * still passes its rows in inputs (private: they never enter the proof's bytes) and
     * derives the row blinds from its seed and the nonce; the verifier passes NULL.
     */
    int committed;
    const uint8_t *nonce;               /* 32 bytes */
    const ge_t *row_commitments;        /* B points, none the identity */
} infer_statement;

/* "stmt/group" of a statement outside a receipt: part 1 of 1, G all zero bytes. */
extern const uint8_t infer_group_alone[40];

/*
 * How a proof runs.  fixed_rng, if not NULL, replaces the OS randomness of the hedged
 * DRBG (tests only).  progress, if not NULL, hears of each phase as it ends with its
 * wall-clock seconds, in this order: "witness" (forward pass, P1), "commitments" (P1,
 * mask, P2), "sumcheck S1" (with its finals and product proofs), "sumcheck S2",
 * "openings" (Hyrax and the linear relations); on the caller's thread, between parallel
 * regions.  hooks: the test seam (infer_testing.h), NULL everywhere else (zkml_prove_rows
 * never sets it).
 */
typedef zkml_progress_fn infer_progress_fn;

typedef struct {
    const uint8_t *fixed_rng;       /* NULL outside tests */
    infer_progress_fn progress;     /* may be NULL */
    void *progress_arg;
    const struct infer_test_hooks *hooks;   /* NULL outside the soundness tests */
} infer_options;

/*
 * The prover, the core's one: prove the statement with the model's weights and secret
 * seed (the W blinds).  The outputs must be what the forward pass gives.  opts may be
 * NULL.  On success 0 and *proof (malloc'd); else -1 with err (ZKML_ERR_LEN bytes).
 */
int infer_prove(uint8_t **proof, size_t *proof_len, const infer_statement *st,
                const uint8_t seed[32], const infer_options *opts, char *err);

/*
 * About how many bytes infer_prove holds at its peak for this model and batch, for a
 * limit checked before proving; 0 if the batch has no layout.  Version 1: a fixed part
 * (generator tables, scratch) and INFER_PROVER_BYTES_PER_ENTRY for each of the 2^l_P
 * entries of the witness polynomials (P1, P2, their field forms, copies and claim
 * tables).  Version 2 (docs/protocol.md 10.1): INFER_PROVER_V2_FIXED_BYTES,
 * INFER_PROVER_V2_BYTES_PER_ENTRY for each entry of P1 and of W, and
 * INFER_PROVER_V2_BYTES_PER_GENERATOR for each vector generator N_V the commitments
 * use (their fixed-base tables, about 3 KiB each, stay with the process).  Both above
 * the peaks measured on the standard shapes (bench --proofs: *_memory_estimate_mb next
 * to *_prove_peak_rss_mb, with ZKML_BENCH_KEEP_MB=0 for the proof's own).
 */
#define INFER_PROVER_FIXED_BYTES ((uint64_t)112 << 20)
#define INFER_PROVER_BYTES_PER_ENTRY 352u
#define INFER_PROVER_V2_FIXED_BYTES ((uint64_t)64 << 20)
#define INFER_PROVER_V2_BYTES_PER_ENTRY 64u
#define INFER_PROVER_V2_BYTES_PER_GENERATOR 4096u
uint64_t infer_prove_memory_estimate(const zk_model *model, size_t batch);

/*
 * Check a proof.  1 accept; 0 reject with *reason (a static sentence); -1 if the
 * statement itself is unusable or an internal failure occurred (*reason says which).
 */
int infer_verify(const infer_statement *st, const uint8_t *proof, size_t proof_len,
                 const char **reason);

#endif
