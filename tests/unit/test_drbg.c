/*
 * test_drbg.c: the prover DRBG (docs/protocol.md 3).
 */
#include <string.h>

#include <openssl/evp.h>

#include "drbg.h"
#include "unit.h"

static const uint8_t model_seed[32] = {1, 2, 3};
static const uint8_t tr_state[32] = {9, 8, 7};

UNIT_TEST(drbg_fixed_seed_is_deterministic)
{
    uint8_t fixed[32] = {0x42}, a[100], b[100];
    drbg_t d1, d2;
    fq_t x, y;

    CHECK(drbg_init_fixed(&d1, fixed, model_seed, tr_state) == 0);
    CHECK(drbg_init_fixed(&d2, fixed, model_seed, tr_state) == 0);
    CHECK(drbg_bytes(&d1, a, sizeof(a)) == 0 && drbg_bytes(&d2, b, sizeof(b)) == 0);
    CHECK(memcmp(a, b, sizeof(a)) == 0);
    CHECK(drbg_scalar(&d1, &x) == 0 && drbg_scalar(&d2, &y) == 0 && fq_eq(&x, &y));
    drbg_clear(&d1);
    drbg_clear(&d2);
}

/* key = SHA256("ZKMLPG-V1/prover-rng" || fixed || model seed || state), block j =
 * SHA256(key || u64le(j)). */
UNIT_TEST(drbg_output_definition)
{
    uint8_t fixed[32], buf[20 + 96], key[32], kb[40], want[64], got[64], wide[64];
    size_t len = 0;
    drbg_t d;
    fq_t x, y;
    int j;

    unit_rand_bytes(fixed, 32);
    memcpy(buf, "ZKMLPG-V1/prover-rng", 20);
    memcpy(buf + 20, fixed, 32);
    memcpy(buf + 52, model_seed, 32);
    memcpy(buf + 84, tr_state, 32);
    CHECK(EVP_Q_digest(NULL, "SHA256", NULL, buf, sizeof(buf), key, &len) && len == 32);
    for (j = 0; j < 2; j++) {
        memcpy(kb, key, 32);
        memset(kb + 32, 0, 8);
        kb[32] = (uint8_t)j;
        CHECK(EVP_Q_digest(NULL, "SHA256", NULL, kb, 40, want + 32 * j, &len));
    }
    CHECK(drbg_init_fixed(&d, fixed, model_seed, tr_state) == 0);
    CHECK(drbg_bytes(&d, got, 64) == 0 && memcmp(got, want, 64) == 0);

    /* a scalar is the next 64 bytes, reduced mod q */
    for (j = 2; j < 4; j++) {
        memcpy(kb, key, 32);
        memset(kb + 32, 0, 8);
        kb[32] = (uint8_t)j;
        CHECK(EVP_Q_digest(NULL, "SHA256", NULL, kb, 40, wide + 32 * (j - 2), &len));
    }
    fq_from_bytes_wide(&y, wide);
    CHECK(drbg_scalar(&d, &x) == 0 && fq_eq(&x, &y));
    drbg_clear(&d);
}

UNIT_TEST(drbg_inputs_all_matter)
{
    uint8_t fixed[32] = {0}, other[32] = {0}, a[32], b[32];
    drbg_t d;

    other[31] = 1;
    CHECK(drbg_init_fixed(&d, fixed, model_seed, tr_state) == 0 && drbg_bytes(&d, a, 32) == 0);
    CHECK(drbg_init_fixed(&d, other, model_seed, tr_state) == 0 && drbg_bytes(&d, b, 32) == 0);
    CHECK(memcmp(a, b, 32) != 0);
    CHECK(drbg_init_fixed(&d, fixed, tr_state, tr_state) == 0 && drbg_bytes(&d, b, 32) == 0);
    CHECK(memcmp(a, b, 32) != 0);
    CHECK(drbg_init_fixed(&d, fixed, model_seed, model_seed) == 0 && drbg_bytes(&d, b, 32) == 0);
    CHECK(memcmp(a, b, 32) != 0);
    drbg_clear(&d);
}

UNIT_TEST(drbg_os_seeds_differ)
{
    uint8_t a[32], b[32];
    drbg_t d1, d2;
    fq_t x, y;

    CHECK(drbg_init(&d1, model_seed, tr_state) == 0);
    CHECK(drbg_init(&d2, model_seed, tr_state) == 0);
    CHECK(drbg_bytes(&d1, a, 32) == 0 && drbg_bytes(&d2, b, 32) == 0);
    CHECK(memcmp(a, b, 32) != 0);
    CHECK(drbg_scalar(&d1, &x) == 0 && drbg_scalar(&d2, &y) == 0 && !fq_eq(&x, &y));
    drbg_clear(&d1);
    drbg_clear(&d2);
}

UNIT_TEST(drbg_requests_start_on_fresh_blocks)
{
    uint8_t fixed[32] = {7}, a[64], b[64];
    drbg_t d;

    CHECK(drbg_init_fixed(&d, fixed, model_seed, tr_state) == 0);
    CHECK(drbg_bytes(&d, a, 10) == 0 && drbg_bytes(&d, a + 10, 10) == 0);
    CHECK(drbg_init_fixed(&d, fixed, model_seed, tr_state) == 0);
    CHECK(drbg_bytes(&d, b, 64) == 0);
    CHECK(memcmp(a, b, 10) == 0 && memcmp(a + 10, b + 32, 10) == 0);
    drbg_clear(&d);
}

UNIT_TEST(drbg_cleared_state_refuses)
{
    uint8_t fixed[32] = {7}, out[8] = {1, 1, 1, 1, 1, 1, 1, 1}, zero[8] = {0}, key0[32] = {0};
    drbg_t d;
    fq_t x;

    CHECK(drbg_init_fixed(&d, fixed, model_seed, tr_state) == 0);
    drbg_clear(&d);
    CHECK(memcmp(d.key, key0, 32) == 0);
    CHECK(drbg_bytes(&d, out, sizeof(out)) == -1 && memcmp(out, zero, 8) == 0);
    CHECK(drbg_scalar(&d, &x) == -1 && fq_is_zero(&x));
}
