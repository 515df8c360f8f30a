/*
 * drbg.c: the SHA-256 counter-mode prover DRBG with hedged seeding (docs/protocol.md 3).
 */
#include <string.h>

#include <openssl/rand.h>

#include "drbg.h"
#include "sha256.h"

static const char drbg_domain[] = "ZKMLPG-V1/prover-rng";

int
drbg_init_fixed(drbg_t *d, const uint8_t fixed[DRBG_SEED_LEN],
                const uint8_t model_seed[DRBG_SEED_LEN], const uint8_t transcript_state[32])
{
    sha256_ctx h;

    sha256_begin(&h);
    sha256_write(&h, drbg_domain, sizeof(drbg_domain) - 1);
    sha256_write(&h, fixed, DRBG_SEED_LEN);
    sha256_write(&h, model_seed, DRBG_SEED_LEN);
    sha256_write(&h, transcript_state, 32);
    d->block = 0;
    d->failed = sha256_finish(&h, d->key) != 0;
    return d->failed ? -1 : 0;
}

int
drbg_init(drbg_t *d, const uint8_t model_seed[DRBG_SEED_LEN],
          const uint8_t transcript_state[32])
{
    uint8_t os[DRBG_SEED_LEN];
    int rc;

    if (RAND_bytes(os, sizeof(os)) != 1) {
        explicit_bzero(d, sizeof(*d));
        d->failed = 1;
        return -1;
    }
    rc = drbg_init_fixed(d, os, model_seed, transcript_state);
    explicit_bzero(os, sizeof(os));
    return rc;
}

/* The next 32-byte block SHA256(key || u64le(block)). */
static int
next_block(drbg_t *d, uint8_t out[32])
{
    sha256_ctx h;

    if (d->failed) {
        memset(out, 0, 32);
        return -1;
    }
    sha256_begin(&h);
    sha256_write(&h, d->key, 32);
    sha256_write_u64le(&h, d->block);
    d->block++;
    if (sha256_finish(&h, out) != 0) {
        d->failed = 1;
        return -1;
    }
    return 0;
}

int
drbg_bytes(drbg_t *d, uint8_t *out, size_t len)
{
    uint8_t blk[32];
    size_t off, m;

    for (off = 0; off < len; off += m) {
        m = len - off < 32 ? len - off : 32;
        if (next_block(d, blk) != 0) {
            explicit_bzero(out, len);
            return -1;
        }
        memcpy(out + off, blk, m);
    }
    explicit_bzero(blk, sizeof(blk));
    return 0;
}

int
drbg_scalar(drbg_t *d, fq_t *out)
{
    uint8_t wide[64];
    int rc;

    rc = drbg_bytes(d, wide, sizeof(wide));
    if (rc == 0)
        fq_from_bytes_wide(out, wide);
    else
        fq_set_zero(out);
    explicit_bzero(wide, sizeof(wide));
    return rc;
}

int
drbg_scalars(drbg_t *d, fq_t *out, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++)
        rc |= drbg_scalar(d, &out[i]);
    return rc;
}

void
drbg_clear(drbg_t *d)
{
    explicit_bzero(d, sizeof(*d));
    d->failed = 1;
}
