/*
 * tree_proof.h: the proof of a tree ensemble (docs/protocol.md 16): the committed node
 * polynomial N maps B rows of keys (public, or committed) to B public outputs by the function of
 * docs/protocol.md 15.1, revealing nothing of N and of any path.
 *
 * Statement: a model_statement whose model is a tree_model (public part; the prover
 * needs the secret part), whose commitment holds the rows of N made at registration.
 * With st->committed (docs/protocol.md 16.10) the rows are the row commitments and the
 * nonce of the statement, the verifier's inputs NULL and the prover's the committed
 * keys; the header's mode byte is 1.
 * Failures follow error.h; verdicts follow infer_verify.
 */
#ifndef ZKML_TREE_PROOF_H
#define ZKML_TREE_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "model_kind.h"

#define TREE_PROOF_MAGIC "ZKMLPT01"
#define TREE_PROOF_VERSION 2
#define TREE_PROOF_HEADER_LEN 16
#define TREE_PROOF_TRANSCRIPT_ID "ZKMLPG-V2/trees"
#define TREE_PROOF_COMMITTED_TRANSCRIPT_ID "ZKMLPG-V2/trees-committed"

/* 0 and *proof (malloc'd), or a negative code with err. */
int tree_proof_prove(uint8_t **proof, size_t *proof_len, const model_statement *st,
                     const uint8_t seed[32], const infer_options *opts, char *err);

/* 1 accept; 0 reject with *reason; -1 unusable statement or internal failure. */
int tree_proof_verify(const model_statement *st, const uint8_t *proof, size_t proof_len,
                      const char **reason);

/* About how many bytes tree_proof_prove holds at its peak; 0 if the batch is unusable. */
uint64_t tree_proof_memory_estimate(const void *model, size_t batch);

#endif
