/*
 * selftest.c: the known answers of tests/kat/zkmlpg-v1.kat, embedded, plus an MSM and a
 * field check, run in-process (docs/protocol.md 11).  The unit tests check the KAT file
 * itself against the implementation; this copy lets an installation check itself.
 *
 * Nothing here recomputes generators: generators_V() serves them from the cache
 * after the first call, so a run costs a few milliseconds and may be repeated.
 */
#include <stdint.h>
#include <string.h>

#include <gmp.h>

#include "field.h"
#include "generators.h"
#include "group.h"
#include "h2c.h"
#include "mle.h"
#include "msm.h"
#include "pedersen.h"
#include "selftest.h"
#include "sha256.h"
#include "transcript.h"
#include "runtime.h"

/* ---- the values of tests/kat/zkmlpg-v1.kat ---- */

static const char KAT_Q_DEC[] =
    "21888242871839275222246405745257275088696311157297823662689037894645226208583";
static const char KAT_P_DEC[] =
    "21888242871839275222246405745257275088548364400416034343698204186575808495617";
static const char KAT_XMD_DST[] = "QUUX-V01-CS02-with-expander-SHA256-128";
static const char KAT_XMD[] =
    "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235";
static const char KAT_G[] = "87a21725b32cd4cc6f17605fec66d94485aa3d0676e4e46b527969e36b5467a3";
static const char KAT_H[] = "53520a3b69bf27eda03424facd4cae9f07bbd8fc36006159d771994fdad5b21d";
static const char *const KAT_V[8] = {
    "3693ef0bda25995b250ce18848617333ebd378264b53000438c326eb01ec232c",
    "67c9a58bf275c7359df4026e56005149d29a46c1b4c9f9cea842f169d342c3ac",
    "b938b2f64fd68e72ee5bde017cf6c9ed59ded2286438cdda7307c808c8100400",
    "07ecc931c97cd0ea5af6555a02717143fb791a8fac6a35b6fc089990ce73d805",
    "9f0538ff1d785ea69d4376fe411201839b4eaa1f646ac31f9e25eff74b5b42ae",
    "f773f08b88bd1672982fa905c04ef81cc4832b63f98ecb49f4f31eff9ea97d1b",
    "b3cbb01cf9fa43129c91c3f07c25befd5363c8f6c2792d3c0518b2aad6752418",
    "61a57cb605e1826869c310bc10475ee5bf05ba7457fe4762acd31fc1c5a2ba04",
};
static const char KAT_V_DIGEST_1024[] =
    "aee888fe0edd56cd83391ea92ceda7b16877dc533b0d91f8febb6197d76d431f";
static const char KAT_TRANSCRIPT_INIT[] =
    "8f1e951f2c12f3e21603d1e33476629a91774485c36cedabf119b9a732b69eae";
static const char KAT_CHALLENGE_SCALAR[] =
    "34a4bd033b3ac11752c4de56b851f7d1bb39ad7044014dd42e28c46c00478e27";
static const char KAT_CHALLENGE_POINT[] =
    "10acbc70a36e68e4e56ecd665bf1b1e48946fa96b7d2e07c7516882152c55411";
static const char KAT_COMV[] =
    "e04bee9c1ecc46b536c2b8f646508ed3cc08aa189e48c361b629655a8df6c7a2";
static const char KAT_COM1[] =
    "9f1d7ce280b5b5b38b90b740619c5fafb0e7977af7f4aa7ae1c08ddec541c2af";
#define KAT_MLE 924

#define MSM_CHECK_POINTS 64

/* ---- helpers ---- */

static int
hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* 1 iff the bytes equal the lowercase hex string (of exactly 2·len digits). */
static int
bytes_equal_hex(const uint8_t *b, size_t len, const char *hex)
{
    size_t i;

    if (strlen(hex) != 2 * len)
        return 0;
    for (i = 0; i < len; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

        if (hi < 0 || lo < 0 || b[i] != (uint8_t)(hi << 4 | lo))
            return 0;
    }
    return 1;
}

static int
ge_matches_hex(const ge_t *p, const char *hex)
{
    uint8_t enc[32];

    ge_encode(enc, p);
    return bytes_equal_hex(enc, 32, hex);
}

static int
gep_matches_hex(const gep_t *p, const char *hex)
{
    uint8_t enc[32];

    gep_encode(enc, p);
    return bytes_equal_hex(enc, 32, hex);
}

static int
modulus_is_decimal(const uint64_t m[4], const char *decimal)
{
    mpz_t a, b;
    int eq;

    mpz_init(b);
    mpz_import(b, 4, -1, sizeof(uint64_t), 0, 0, m);
    eq = mpz_init_set_str(a, decimal, 10) == 0 && mpz_cmp(a, b) == 0;
    mpz_clear(a);
    mpz_clear(b);
    return eq;
}

/* ---- the checks ---- */

static int
check_q(void)
{
    return modulus_is_decimal(FQ_MODULUS.l, KAT_Q_DEC);
}

static int
check_p(void)
{
    return modulus_is_decimal(FP_MODULUS.l, KAT_P_DEC);
}

static int
check_inverse(void)
{
    static const uint64_t a_limbs[4] = {
        0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x0f1e2d3c4b5a6978ULL, 0x1234567890abcdefULL};
    fq_t aq, iq, pq;
    fp_t ap, ip, pp;

    if (!fq_from_limbs(&aq, a_limbs) || !fp_from_limbs(&ap, a_limbs))
        return 0;
    fq_inv(&iq, &aq);
    fq_mul(&pq, &aq, &iq);
    fp_inv(&ip, &ap);
    fp_mul(&pp, &ap, &ip);
    return fq_eq(&pq, &FQ_ONE) && fp_eq(&pp, &FP_ONE);
}

static int
check_xmd(void)
{
    uint8_t out[32];

    return h2c_expand_message_xmd(out, 32, (const uint8_t *)"", 0,
                                  (const uint8_t *)KAT_XMD_DST,
                                  sizeof(KAT_XMD_DST) - 1) == 0 &&
           bytes_equal_hex(out, 32, KAT_XMD);
}

static int
check_G(void)
{
    return ge_matches_hex(generators_G(), KAT_G);
}

static int
check_H(void)
{
    return ge_matches_hex(generators_H(), KAT_H);
}

static int
check_V(void)
{
    const ge_t *v = generators_V(8);
    int i;

    if (v == NULL)
        return 0;
    for (i = 0; i < 8; i++)
        if (!ge_matches_hex(&v[i], KAT_V[i]))
            return 0;
    return 1;
}

static int
check_V_digest(void)
{
    uint8_t d[32];

    return generators_V_digest(1024, d) == 0 && bytes_equal_hex(d, 32, KAT_V_DIGEST_1024);
}

static void
kat_transcript_init(transcript_t *t)
{
    static const char id[] = "ZKMLPG-V1/kat";

    transcript_init(t, id, sizeof(id) - 1);
}

static int
check_transcript_init(void)
{
    transcript_t t;

    kat_transcript_init(&t);
    return !t.failed && bytes_equal_hex(t.state, 32, KAT_TRANSCRIPT_INIT);
}

/* The two challenge KATs are one sequence (transcript.h): scalar, then point. */
static int
kat_challenges(uint8_t c_scalar[32], uint8_t c_point[32])
{
    transcript_t t;
    fq_t one, c;

    kat_transcript_init(&t);
    fq_set_u64(&one, 1);
    transcript_absorb_scalar(&t, "x", &one);
    if (transcript_challenge(&t, "c", 0, &c) != 0)
        return -1;
    fq_to_bytes(c_scalar, &c);
    transcript_absorb_point(&t, "P", generators_G());
    if (transcript_challenge(&t, "c", 0, &c) != 0)
        return -1;
    fq_to_bytes(c_point, &c);
    return 0;
}

static int
check_challenge_scalar(void)
{
    uint8_t a[32], b[32];

    return kat_challenges(a, b) == 0 && bytes_equal_hex(a, 32, KAT_CHALLENGE_SCALAR);
}

static int
check_challenge_point(void)
{
    uint8_t a[32], b[32];

    return kat_challenges(a, b) == 0 && bytes_equal_hex(b, 32, KAT_CHALLENGE_POINT);
}

static int
check_comv(void)
{
    fq_t x[8], b;
    gep_t c;
    int i;

    for (i = 0; i < 8; i++)
        fq_set_u64(&x[i], (uint64_t)i + 1);
    fq_set_u64(&b, 5);
    return pedersen_comv(&c, x, 8, &b) == 0 && gep_matches_hex(&c, KAT_COMV);
}

static int
check_com1(void)
{
    fq_t v, b;
    gep_t c;

    fq_set_i64(&v, -3);
    fq_set_u64(&b, 7);
    pedersen_com1(&c, &v, &b);
    return gep_matches_hex(&c, KAT_COM1);
}

static int
check_mle(void)
{
    static const uint64_t f_vals[8] = {3, 1, 4, 1, 5, 9, 2, 6};
    static const uint64_t z_vals[3] = {7, 11, 13};
    fq_t f[8], z[3], r, want;
    int i;

    for (i = 0; i < 8; i++)
        fq_set_u64(&f[i], f_vals[i]);
    for (i = 0; i < 3; i++)
        fq_set_u64(&z[i], z_vals[i]);
    mle_eval(&r, f, 3, z);
    fq_set_u64(&want, KAT_MLE);
    return fq_eq(&r, &want);
}

/*
 * Fixed pseudo-random scalars SHA256("selftest/msm" || u32le(i)), reduced mod q, with
 * zero, one, -1 and small values mixed in; the small path gets |v| < 2^17 values.
 */
static int
msm_inputs(fq_t k[MSM_CHECK_POINTS], int32_t small[MSM_CHECK_POINTS])
{
    static const char tag[] = "selftest/msm";
    uint8_t d[32], wide[64];
    sha256_ctx h;
    int i;

    for (i = 0; i < MSM_CHECK_POINTS; i++) {
        sha256_begin(&h);
        sha256_write(&h, tag, sizeof(tag) - 1);
        sha256_write_u32le(&h, (uint32_t)i);
        if (sha256_finish(&h, d) != 0)
            return -1;
        memset(wide, 0, sizeof(wide));
        memcpy(wide, d, 32);
        fq_from_bytes_wide(&k[i], wide);
        small[i] = (int32_t)((d[0] | (uint32_t)d[1] << 8 | (uint32_t)(d[2] & 1) << 16) %
                             MSM_SMALL_BOUND) * ((d[3] & 1) ? -1 : 1);
    }
    fq_set_zero(&k[0]);
    fq_set_u64(&k[1], 1);
    fq_set_i64(&k[2], -1);
    fq_set_i64(&k[3], -5);
    small[0] = 0;
    small[1] = MSM_SMALL_BOUND - 1;
    small[2] = -(MSM_SMALL_BOUND - 1);
    small[3] = -1;
    return 0;
}

/*
 * The MSM checks compare msm() / msm_small() with msm_naive().  The naive sums cost
 * most of a run, and their inputs are fixed, so they are computed on the first run
 * and kept: later runs (the SQL self-test may be called in a loop) check the fast
 * paths against the same in-process reference.
 */
static int
msm_references(const ge_t *v, gep_t *ref_full, gep_t *ref_small)
{
    static gep_t full, small_sum;
    static int have;
    fq_t k[MSM_CHECK_POINTS];
    int32_t small[MSM_CHECK_POINTS];
    int i;

    if (!have) {
        if (msm_inputs(k, small) != 0)
            return -1;
        msm_naive(&full, v, k, MSM_CHECK_POINTS);
        for (i = 0; i < MSM_CHECK_POINTS; i++)
            fq_set_i64(&k[i], small[i]);
        msm_naive(&small_sum, v, k, MSM_CHECK_POINTS);
        have = 1;
    }
    *ref_full = full;
    *ref_small = small_sum;
    return 0;
}

static int
check_msm(void)
{
    fq_t k[MSM_CHECK_POINTS];
    int32_t small[MSM_CHECK_POINTS];
    const ge_t *v = generators_V(MSM_CHECK_POINTS);
    gep_t fast, ref, ref_small;

    if (v == NULL || msm_inputs(k, small) != 0 || msm_references(v, &ref, &ref_small) != 0)
        return 0;
    if (msm(&fast, v, k, MSM_CHECK_POINTS, zkml_threads()) != 0)
        return 0;
    return gep_eq(&fast, &ref);
}

static int
check_msm_small(void)
{
    fq_t k[MSM_CHECK_POINTS];
    int32_t small[MSM_CHECK_POINTS];
    const ge_t *v = generators_V(MSM_CHECK_POINTS);
    gep_t fast, ref, ref_small;

    if (v == NULL || msm_inputs(k, small) != 0 || msm_references(v, &ref, &ref_small) != 0)
        return 0;
    if (msm_small(&fast, v, small, MSM_CHECK_POINTS, zkml_threads()) != 0)
        return 0;
    return gep_eq(&fast, &ref_small);
}

static const struct {
    const char *name;
    int (*fn)(void);
} selftest_checks[] = {
    {"field/q", check_q},
    {"field/p", check_p},
    {"field/inverse", check_inverse},
    {"kat/expand_message_xmd", check_xmd},
    {"kat/G", check_G},
    {"kat/H", check_H},
    {"kat/V_0..V_7", check_V},
    {"kat/V-digest-1024", check_V_digest},
    {"kat/transcript-init", check_transcript_init},
    {"kat/transcript-challenge-scalar", check_challenge_scalar},
    {"kat/transcript-challenge-point", check_challenge_point},
    {"kat/ComV", check_comv},
    {"kat/Com1", check_com1},
    {"kat/MLE", check_mle},
    {"msm/pippenger", check_msm},
    {"msm/small", check_msm_small},
};

size_t
selftest_count(void)
{
    return sizeof(selftest_checks) / sizeof(selftest_checks[0]);
}

int
selftest_run(selftest_result *out)
{
    size_t i;
    int failed = 0;

    for (i = 0; i < selftest_count(); i++) {
        out[i].check = selftest_checks[i].name;
        out[i].ok = selftest_checks[i].fn() != 0;
        failed += !out[i].ok;
    }
    return failed;
}
