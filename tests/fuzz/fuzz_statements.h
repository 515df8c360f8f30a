/*
 * fuzz_statements.h: the fixed statements of the proof fuzz targets, with deterministic
 * witnesses and randomness, so that the seed writer and the targets derive the same
 * statements and the same honest proofs:
 *   - a dot-product argument over 8 entries (fuzz_proof);
 *   - an inference proof for a small two-layer model over 3 rows (fuzz_infer).
 */
#ifndef ZKML_FUZZ_STATEMENTS_H
#define ZKML_FUZZ_STATEMENTS_H

#include "codec.h"
#include "infer_proof.h"
#include "ipa.h"

#define FUZZ_IPA_K 3

typedef struct {
    fq_t a[1 << FUZZ_IPA_K];
    ge_t Cx, Cy;
} fuzz_ipa_statement;

/* The statement, and (if w is not NULL) the honest proof's bytes in w. 0 or -1. */
int fuzz_ipa_setup(fuzz_ipa_statement *st, codec_writer *w);

/* 1 if the bytes are an exactly-sized proof that verifies for the statement. */
int fuzz_ipa_accepts(const fuzz_ipa_statement *st, const uint8_t *data, size_t len);

typedef struct {
    zk_model model;
    hyrax_commitment w_rows;
    int32_t inputs[3 * 4], outputs[3 * 2];
    infer_statement st;
} fuzz_infer_statement;

/* The statement, and (if proof is not NULL) the honest proof (malloc'd).  0 or -1. */
int fuzz_infer_setup(fuzz_infer_statement *fs, uint8_t **proof, size_t *len);

#endif
