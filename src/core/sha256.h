/*
 * sha256.h: SHA-256 (FIPS 180-4) through OpenSSL's EVP interface.
 *
 * The transcript, the prover DRBG and hash-to-curve all hash many short messages, so
 * the cost that matters is per message, not per byte.  The digest implementation is
 * fetched once per process and every thread keeps a few reusable EVP contexts, so a
 * hash costs no allocation once a thread is warm.  Safe to use from any thread,
 * including OpenMP workers; contexts may be nested (a few at a time per thread).
 *
 * Failures (an allocation inside OpenSSL) are sticky: sha256_begin() and
 * sha256_write() never report, sha256_finish() does.
 */
#ifndef ZKML_SHA256_H
#define ZKML_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct evp_md_ctx_st;

typedef struct {
    struct evp_md_ctx_st *ctx;
    int failed;
} sha256_ctx;

void sha256_begin(sha256_ctx *h);
void sha256_write(sha256_ctx *h, const void *data, size_t len);
/* Writes the digest and releases the context; 0 on success, -1 on an internal failure
 * (out is then zeroed). */
int sha256_finish(sha256_ctx *h, uint8_t out[32]);

/* One-shot digest of one buffer; 0 on success, -1 on an internal failure. */
int sha256_digest(uint8_t out[32], const void *data, size_t len);

/* The digest of n int32 values, each as i32le (the "stmt/inputs" and "stmt/outputs" of
 * docs/protocol.md 7.0 and 16.4); as sha256_digest. */
int sha256_digest_i32le(uint8_t out[32], const int32_t *v, size_t n);

/* Little-endian fixed-width integers (docs/protocol.md 0). */
static inline void
sha256_write_u32le(sha256_ctx *h, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

    sha256_write(h, b, 4);
}

static inline void
sha256_write_u64le(sha256_ctx *h, uint64_t v)
{
    uint8_t b[8];
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    sha256_write(h, b, 8);
}

#endif
