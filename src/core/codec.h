/*
 * codec.h: proof bytes (docs/protocol.md 1.2).
 *
 * A proof is the header "ZKMLPG01" || u8 version (1, or 2 for the proofs of version 2
 * models, docs/protocol.md 14.3) || 7 zero bytes, then every
 * element in transcript order, with no length fields: the verifier derives every count
 * from the public descriptor and the statement and rejects unless the length is exactly
 * the expected one.  Scalars are 32 bytes, canonical; points are 32 bytes and never the
 * identity.
 *
 * The writer appends to a growing buffer.  The reader never reads past its buffer and
 * never allocates: callers ask for the elements they expect, one by one, and the first
 * problem (too short, a non-canonical scalar, a bad point, the identity) is recorded
 * with a reason and makes every later read fail too, so a caller may read a whole
 * structure and check once.  codec_reader_finish() then insists that nothing is left.
 */
#ifndef ZKML_CODEC_H
#define ZKML_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "group.h"
#include "ipa.h"
#include "product.h"

#define CODEC_HEADER_LEN 16
#define CODEC_VERSION 1

typedef struct {
    uint8_t *data;
    size_t len, cap;
    int failed;                 /* an allocation failed; the bytes are unusable */
} codec_writer;

void codec_writer_init(codec_writer *w);
/* Free the buffer (the bytes are not secret: proofs are public). */
void codec_writer_free(codec_writer *w);

void codec_put_header(codec_writer *w);
/* The header with the given version byte (1 or 2). */
void codec_put_header_version(codec_writer *w, unsigned version);
void codec_put_bytes(codec_writer *w, const void *data, size_t len);
void codec_put_scalar(codec_writer *w, const fq_t *x);
void codec_put_scalars(codec_writer *w, const fq_t *x, size_t n);
void codec_put_point(codec_writer *w, const ge_t *p);
void codec_put_points(codec_writer *w, const ge_t *p, size_t n);

/* The dot-product argument: L_1, R_1, .., L_k, R_k, δ, β, z1, z2 (2k + 2 points). */
void codec_put_ipa(codec_writer *w, const ipa_proof *pf);
/* The product proof: A, B, D, z1..z5. */
void codec_put_product(codec_writer *w, const product_proof *pf);

typedef struct {
    const uint8_t *data;
    size_t len, pos;
    const char *error;          /* first problem, a static sentence; NULL while fine */
    size_t error_pos;           /* byte offset of that problem */
} codec_reader;

void codec_reader_init(codec_reader *r, const uint8_t *data, size_t len);

/* Each returns 0, or -1 once the reader has failed (out is then left zeroed). */
int codec_get_header(codec_reader *r);
/* The header, whose version byte must be `version`. */
int codec_get_header_version(codec_reader *r, unsigned version);
int codec_get_bytes(codec_reader *r, void *out, size_t len);
int codec_get_scalar(codec_reader *r, fq_t *x);
int codec_get_scalars(codec_reader *r, fq_t *x, size_t n);
int codec_get_point(codec_reader *r, ge_t *p);
int codec_get_points(codec_reader *r, ge_t *p, size_t n);
/* k rounds, fixed by the statement (at most IPA_MAX_ROUNDS). */
int codec_get_ipa(codec_reader *r, ipa_proof *pf, unsigned k);
int codec_get_product(codec_reader *r, product_proof *pf);

/* 0 if the reader is fine and every byte was read; -1 with r->error set otherwise. */
int codec_reader_finish(codec_reader *r);

/* Encoded sizes, for callers that check a length before parsing. */
size_t codec_ipa_size(unsigned k);
size_t codec_product_size(void);

#endif
