/*
 * fuzz_ipa.h: the fixed statement of the proof fuzz target and its seed: a
 * dot-product argument over 8 entries with deterministic witness and randomness, so the
 * seed writer and the target derive the same statement and the same honest proof.
 */
#ifndef ZKML_FUZZ_IPA_H
#define ZKML_FUZZ_IPA_H

#include "codec.h"
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

#endif
