/*
 * field.c: out-of-line field operations and the start-up check of every constant
 * (docs/protocol.md 1.1, 2).  The hot inline code lives in field.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "field.h"

const fq_t FQ_MODULUS = {{FQ_M0, FQ_M1, FQ_M2, FQ_M3}};
const fq_t FQ_ONE = {{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL,
                      0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}};
const fq_t FQ_R2 = {{0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL,
                     0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL}};
const fq_t FQ_R3 = {{0xb1cd6dafda1530dfULL, 0x62f210e6a7283db6ULL,
                     0xef7f0b0c0ada0afbULL, 0x20fd6e902d592544ULL}};

const fp_t FP_MODULUS = {{FP_M0, FP_M1, FP_M2, FP_M3}};
const fp_t FP_ONE = {{0xac96341c4ffffffbULL, 0x36fc76959f60cd29ULL,
                      0x666ea36f7879462eULL, 0x0e0a77c19a07df2fULL}};
const fp_t FP_R2 = {{0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL,
                     0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL}};
const fp_t FP_R3 = {{0x5e94d8e1b4bf0040ULL, 0x2a489cbe1cfbb6b8ULL,
                     0x893cc664a19fcfedULL, 0x0cf8594b7fcc657cULL}};

static const char *const Q_DECIMAL =
    "21888242871839275222246405745257275088696311157297823662689037894645226208583";
static const char *const P_DECIMAL =
    "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/* Tonelli-Shanks data for Fp (docs/protocol.md 1.1): p - 1 = 2^28 * t, z = 5, c = z^t. */
#define FP_TWO_ADICITY 28
static int sqrt_tables_init(void);
static const uint64_t FP_T_MINUS1_HALF[4] = {   /* (t - 1) / 2 */
    0xcdcb848a1f0fac9fULL, 0x0c0ac2e9419f4243ULL, 0x098d014dc2822db4ULL, 0x0000000183227397ULL};
static const uint64_t FP_SQRT_C[4] = {          /* 5^t, canonical */
    0x9bd61b6e725b19f0ULL, 0x402d111e41112ed4ULL, 0x00e0a7eb8ef62abcULL, 0x2a3c09f0a58a7e85ULL};
static fp_t fp_sqrt_c;                          /* Montgomery form, set by field_init */

/* Scratch for mpn_sec_*: sized at init, checked against GMP's own requirement. */
#define SEC_SCRATCH_LIMBS 256
#define SEC_INV_BITS 512

static int field_ready;

/* ---- start-up checks ---- */

static int
limbs_equal_mpz(const uint64_t l[4], const mpz_t v)
{
    mpz_t t;
    int eq;

    mpz_init(t);
    mpz_import(t, 4, -1, sizeof(uint64_t), 0, 0, l);
    eq = mpz_cmp(t, v) == 0;
    mpz_clear(t);
    return eq;
}

/* Check the limbs and Montgomery constants of one modulus. */
static const char *
check_modulus(const char *decimal, const uint64_t m[4], const uint64_t one[4],
              const uint64_t r2[4], const uint64_t r3[4], uint64_t ninv, const char *what)
{
    static char msg[128];
    mpz_t mod, r, t, two64;
    const char *err = NULL;

    mpz_inits(mod, r, t, two64, NULL);
    if (mpz_set_str(mod, decimal, 10) != 0 || mpz_probab_prime_p(mod, 40) == 0)
        err = "is not a prime";
    else if (!limbs_equal_mpz(m, mod))
        err = "limbs differ from the decimal prime";
    mpz_ui_pow_ui(r, 2, 256);
    mpz_mod(t, r, mod);
    if (err == NULL && !limbs_equal_mpz(one, t))
        err = "R mod m differs";
    mpz_mul(t, t, t);
    mpz_mod(t, t, mod);
    if (err == NULL && !limbs_equal_mpz(r2, t))
        err = "R^2 mod m differs";
    mpz_powm_ui(t, r, 3, mod);
    if (err == NULL && !limbs_equal_mpz(r3, t))
        err = "R^3 mod m differs";
    mpz_ui_pow_ui(two64, 2, 64);
    if (err == NULL && (mpz_invert(t, mod, two64) == 0 ||
                        (mpz_sub(t, two64, t), mpz_get_ui(t) != ninv)))
        err = "-m^-1 mod 2^64 differs";
    /* The no-carry CIOS variant needs the top limb below 2^63 - 1. */
    if (err == NULL && m[3] >= 0x7fffffffffffffffULL)
        err = "top limb too large for the no-carry multiplication";
    mpz_clears(mod, r, t, two64, NULL);
    if (err == NULL)
        return NULL;
    snprintf(msg, sizeof msg, "field constant check failed: %s %s", what, err);
    return msg;
}

/* Check the Tonelli-Shanks constants of Fp against GMP. */
static const char *
check_sqrt_constants(void)
{
    mpz_t p, t, e, c, z;
    const char *err = NULL;

    mpz_inits(p, t, e, c, z, NULL);
    mpz_set_str(p, P_DECIMAL, 10);
    mpz_sub_ui(t, p, 1);
    if (mpz_scan1(t, 0) != FP_TWO_ADICITY)
        err = "field constant check failed: v2(p - 1) is not 28";
    mpz_tdiv_q_2exp(t, t, FP_TWO_ADICITY);
    mpz_sub_ui(e, t, 1);
    mpz_tdiv_q_2exp(e, e, 1);
    if (err == NULL && !limbs_equal_mpz(FP_T_MINUS1_HALF, e))
        err = "field constant check failed: (t - 1) / 2 differs";
    mpz_set_ui(z, 5);
    if (err == NULL && mpz_legendre(z, p) != -1)
        err = "field constant check failed: 5 is a square mod p";
    mpz_powm(c, z, t, p);
    if (err == NULL && !limbs_equal_mpz(FP_SQRT_C, c))
        err = "field constant check failed: 5^t mod p differs";
    mpz_clears(p, t, e, c, z, NULL);
    return err;
}

/* ---- the choice of product (field.h) ---- */

#ifdef ZKML_FIELD_MULX
#include <cpuid.h>

int field_mulx;
const uint64_t FQ_MONT[5] = {FQ_M0, FQ_M1, FQ_M2, FQ_M3, FQ_NINV};
const uint64_t FP_MONT[5] = {FP_M0, FP_M1, FP_M2, FP_M3, FP_NINV};

void
fq_mul_portable(fq_t *r, const fq_t *a, const fq_t *b)
{
    mont_mul4(r->l, a->l, b->l, FQ_M0, FQ_M1, FQ_M2, FQ_M3, FQ_NINV);
}

void
fp_mul_portable(fp_t *r, const fp_t *a, const fp_t *b)
{
    mont_mul4(r->l, a->l, b->l, FP_M0, FP_M1, FP_M2, FP_M3, FP_NINV);
}

/* CPUID leaf 7: BMI2 (mulx) and ADX (adcx, adox). */
static int
cpu_has_mulx(void)
{
    unsigned a, b, c, d;

    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b & bit_BMI2) != 0 && (b & bit_ADX) != 0;
}

int
field_use_mulx(int on)
{
    field_mulx = on && cpu_has_mulx();
    return field_mulx;
}
#else
int
field_use_mulx(int on)
{
    (void)on;
    return 0;
}
#endif

const char *
field_init(void)
{
    const char *err;

    if (field_ready)
        return NULL;
    (void)field_use_mulx(1);            /* before the checks below, which then cover it */
    err = check_modulus(Q_DECIMAL, FQ_MODULUS.l, FQ_ONE.l, FQ_R2.l, FQ_R3.l, FQ_NINV, "q");
    if (err == NULL)
        err = check_modulus(P_DECIMAL, FP_MODULUS.l, FP_ONE.l, FP_R2.l, FP_R3.l, FP_NINV, "p");
    if (err == NULL)
        err = check_sqrt_constants();
    if (err == NULL &&
        (mpn_sec_invert_itch(4) > SEC_SCRATCH_LIMBS ||
         mpn_sec_powm_itch(4, 256, 4) > SEC_SCRATCH_LIMBS))
        err = "field constant check failed: GMP needs more scratch than reserved";
    if (err != NULL)
        return err;
    if (!fp_from_limbs(&fp_sqrt_c, FP_SQRT_C))
        return "field constant check failed: 5^t is not canonical";
    if (sqrt_tables_init() != 0)
        return "field constant check failed: 5^t does not have order 2^28";
    field_ready = 1;
    return NULL;
}

/* ---- limb helpers ---- */

/* 1 if x < m, in constant time. */
static inline uint64_t
limbs_lt(const uint64_t x[4], const uint64_t m[4])
{
    uint64_t borrow = 0;
    int i;

    for (i = 0; i < 4; i++) {
        zk_u128 w = (zk_u128)x[i] - m[i] - borrow;

        borrow = (uint64_t)(w >> 64) & 1;
    }
    return borrow;
}

/* x = x - m if x >= m, constant time. */
static inline void
limbs_csub(uint64_t x[4], const uint64_t m[4])
{
    uint64_t s[4], borrow = 0, keep;
    int i;

    for (i = 0; i < 4; i++) {
        zk_u128 w = (zk_u128)x[i] - m[i] - borrow;

        s[i] = (uint64_t)w;
        borrow = (uint64_t)(w >> 64) & 1;
    }
    keep = 0 - borrow;
    for (i = 0; i < 4; i++)
        x[i] = (x[i] & keep) | (s[i] & ~keep);
}

static inline void
limbs_from_le(uint64_t x[4], const uint8_t *b)
{
    int i, j;

    for (i = 0; i < 4; i++) {
        x[i] = 0;
        for (j = 7; j >= 0; j--)
            x[i] = (x[i] << 8) | b[8 * i + j];
    }
}

static inline void
limbs_to_le(uint8_t *b, const uint64_t x[4])
{
    int i, j;

    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++)
            b[8 * i + j] = (uint8_t)(x[i] >> (8 * j));
}

/*
 * The out-of-line API, once per field.  Written as a macro so that Fq and Fp share one
 * text; each instance is plain, branch-free code on its own constants.
 */
#define ZKML_FIELD_DEFINE(F, T, MOD, ONE, R2, R3)                                  \
                                                                                   \
int                                                                                \
F##_from_limbs(T *r, const uint64_t x[4])                                          \
{                                                                                  \
    T t;                                                                           \
    if (!limbs_lt(x, MOD.l))                                                       \
        return 0;                                                                  \
    memcpy(t.l, x, sizeof t.l);                                                    \
    F##_mul(r, &t, &R2);                                                           \
    return 1;                                                                      \
}                                                                                  \
                                                                                   \
void                                                                               \
F##_from_limbs_reduce(T *r, const uint64_t x[4])                                   \
{                                                                                  \
    T t;                                                                           \
    int i;                                                                         \
    memcpy(t.l, x, sizeof t.l);                                                    \
    for (i = 0; i < 5; i++)         /* 2^256 < 6m */                               \
        limbs_csub(t.l, MOD.l);                                                    \
    F##_mul(r, &t, &R2);                                                           \
}                                                                                  \
                                                                                   \
int                                                                                \
F##_from_bytes(T *r, const uint8_t b[32])                                          \
{                                                                                  \
    uint64_t x[4];                                                                 \
    limbs_from_le(x, b);                                                           \
    return F##_from_limbs(r, x);                                                   \
}                                                                                  \
                                                                                   \
void                                                                               \
F##_to_bytes(uint8_t b[32], const T *a)                                            \
{                                                                                  \
    uint64_t x[4];                                                                 \
    F##_to_limbs(x, a);                                                            \
    limbs_to_le(b, x);                                                             \
}                                                                                  \
                                                                                   \
/* lo + hi*2^256: lo·R2/R = lo·R and hi·R3/R = hi·2^256·R, both Montgomery. */      \
void                                                                               \
F##_from_bytes_wide(T *r, const uint8_t b[64])                                     \
{                                                                                  \
    T lo, hi;                                                                      \
    int i;                                                                         \
    limbs_from_le(lo.l, b);                                                        \
    limbs_from_le(hi.l, b + 32);                                                   \
    for (i = 0; i < 5; i++) {                                                      \
        limbs_csub(lo.l, MOD.l);                                                   \
        limbs_csub(hi.l, MOD.l);                                                   \
    }                                                                              \
    F##_mul(&lo, &lo, &R2);                                                        \
    F##_mul(&hi, &hi, &R3);                                                        \
    F##_add(r, &lo, &hi);                                                          \
}                                                                                  \
                                                                                   \
void                                                                               \
F##_set_u64(T *r, uint64_t v)                                                      \
{                                                                                  \
    uint64_t x[4] = {v, 0, 0, 0};                                                  \
    (void) F##_from_limbs(r, x);    /* v < 2^64 < m */                             \
}                                                                                  \
                                                                                   \
void                                                                               \
F##_set_i64(T *r, int64_t v)                                                       \
{                                                                                  \
    T t;                                                                           \
    F##_set_u64(&t, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);                        \
    if (v < 0)                                                                     \
        F##_neg(r, &t);                                                            \
    else                                                                           \
        *r = t;                                                                    \
}                                                                                  \
                                                                                   \
/* (aR)^-1 by mpn_sec_invert, then ·R^3/R gives a^-1·R. */                          \
void                                                                               \
F##_inv(T *r, const T *a)                                                          \
{                                                                                  \
    mp_limb_t ap[4], rp[4], tp[SEC_SCRATCH_LIMBS];                                 \
    T t;                                                                           \
    int ok;                                                                        \
    memcpy(ap, a->l, sizeof ap);    /* mpn_sec_invert clobbers its input */        \
    ok = mpn_sec_invert(rp, ap, (const mp_limb_t *) MOD.l, 4, SEC_INV_BITS, tp);   \
    memcpy(t.l, rp, sizeof t.l);                                                   \
    F##_mul(r, &t, &R3);                                                           \
    if (!ok)                        /* only a = 0 is not invertible */             \
        F##_set_zero(r);                                                           \
    explicit_bzero(tp, sizeof tp);                                                 \
    explicit_bzero(ap, sizeof ap);                                                 \
}                                                                                  \
                                                                                   \
/*                                                                                 \
 * Variable time, by mpn_gcdext on U = aR + m (4 limbs, U >= V) and V = m:           \
 * g = U·S + m·T, so S = (aR)^-1 when g = 1; ·R^3/R then gives a^-1·R.  GMP takes    \
 * its scratch for 4-limb operands from the stack, never from its allocator.         \
 */                                                                                \
void                                                                               \
F##_inv_vartime(T *r, const T *a)                                                  \
{                                                                                  \
    mp_limb_t up[5], vp[5], gp[5], sp[5];                                          \
    mp_size_t sn, gn;                                                              \
    T t;                                                                           \
    if (F##_is_zero(a)) {                                                          \
        F##_set_zero(r);                                                           \
        return;                                                                    \
    }                                                                              \
    mpn_add_n(up, (const mp_limb_t *) a->l, (const mp_limb_t *) MOD.l, 4);        \
    memcpy(vp, MOD.l, 4 * sizeof(mp_limb_t));                                      \
    gn = mpn_gcdext(gp, sp, &sn, up, 4, vp, 4);                                    \
    if (gn != 1 || gp[0] != 1) {    /* m is prime: only a = 0 shares a factor */   \
        F##_set_zero(r);                                                           \
        return;                                                                    \
    }                                                                              \
    memset(t.l, 0, sizeof t.l);                                                    \
    memcpy(t.l, sp, (size_t)(sn < 0 ? -sn : sn) * sizeof(mp_limb_t));             \
    if (sn < 0)                     /* |S| < m */                                  \
        mpn_sub_n((mp_limb_t *) t.l, (const mp_limb_t *) MOD.l,                   \
                  (const mp_limb_t *) t.l, 4);                                     \
    F##_mul(r, &t, &R3);                                                           \
}                                                                                  \
                                                                                   \
/* a^e with mpn_sec_powm on canonical values; base 0 is run as 1, then zeroed. */   \
void                                                                               \
F##_pow(T *r, const T *a, const uint64_t *e, unsigned ebits)                       \
{                                                                                  \
    mp_limb_t bp[4], rp[4], tp[SEC_SCRATCH_LIMBS];                                 \
    uint64_t zero_base, mask;                                                      \
    T t;                                                                           \
    int i;                                                                         \
    if (ebits == 0) {                                                              \
        *r = ONE;                                                                  \
        return;                                                                    \
    }                                                                              \
    F##_to_limbs((uint64_t *) bp, a);                                              \
    zero_base = (uint64_t) F##_is_zero(a);                                         \
    bp[0] |= zero_base;                                                            \
    mpn_sec_powm(rp, bp, 4, (const mp_limb_t *) e, ebits,                          \
                 (const mp_limb_t *) MOD.l, 4, tp);                                \
    mask = zero_base - 1;           /* zero when the base was 0 */                 \
    for (i = 0; i < 4; i++)                                                        \
        t.l[i] = rp[i];                                                            \
    F##_mul(r, &t, &R2);                                                           \
    /* 0^e = 0 for e > 0; 0^0 = 1 is the caller's ebits = 0 case above. */          \
    for (i = 0; i < 4; i++)                                                        \
        r->l[i] &= mask;                                                           \
    explicit_bzero(tp, sizeof tp);                                                 \
    explicit_bzero(bp, sizeof bp);                                                 \
}                                                                                  \
                                                                                   \
int                                                                                \
F##_batch_inv(T *r, const T *a, size_t n)                                          \
{                                                                                  \
    T *prefix, acc, inv, t;                                                        \
    size_t i;                                                                      \
    if (n == 0)                                                                    \
        return 0;                                                                  \
    prefix = malloc(n * sizeof(T));                                                \
    if (prefix == NULL)                                                            \
        return -1;                                                                 \
    acc = ONE;                                                                     \
    for (i = 0; i < n; i++) {                                                      \
        prefix[i] = acc;                                                           \
        if (!F##_is_zero(&a[i]))                                                   \
            F##_mul(&acc, &acc, &a[i]);                                            \
    }                                                                              \
    F##_inv(&inv, &acc);                                                           \
    for (i = n; i-- > 0;) {                                                        \
        if (F##_is_zero(&a[i])) {                                                  \
            F##_set_zero(&r[i]);                                                   \
            continue;                                                              \
        }                                                                          \
        t = a[i];                   /* r may alias a */                            \
        F##_mul(&r[i], &inv, &prefix[i]);                                          \
        F##_mul(&inv, &inv, &t);                                                   \
    }                                                                              \
    free(prefix);                                                                  \
    return 0;                                                                      \
}                                                                                  \
                                                                                   \
int                                                                                \
F##_is_odd(const T *a)                                                             \
{                                                                                  \
    uint64_t x[4];                                                                 \
    F##_to_limbs(x, a);                                                            \
    return (int)(x[0] & 1);                                                        \
}

ZKML_FIELD_DEFINE(fq, fq_t, FQ_MODULUS, FQ_ONE, FQ_R2, FQ_R3)
ZKML_FIELD_DEFINE(fp, fp_t, FP_MODULUS, FP_ONE, FP_R2, FP_R3)

/* acc = lo + hi·2^256: lo < 2^256 < 6q takes five conditional subtractions; hi·2^256
 * mod q is the Montgomery product of hi and R^2.  Both as plain limbs, added mod q. */
void
fq_wide_reduce(fq_t *r, const fq_wide_t *acc)
{
    fq_t lo, hi = {{acc->l[4], acc->l[5], 0, 0}};
    int i;

    memcpy(lo.l, acc->l, sizeof lo.l);
    for (i = 0; i < 5; i++)
        limbs_csub(lo.l, FQ_MODULUS.l);
    fq_mul(&hi, &hi, &FQ_R2);
    fq_add(r, &lo, &hi);
}

/* ---- square root in Fp (docs/protocol.md 1.1), variable time ---- */

/*
 * Tonelli-Shanks with tables (the digit-by-digit discrete logarithm of Sarkar, "Computing
 * square roots faster than the Tonelli-Shanks/Bernstein algorithm", 2020).  With
 * g = c = z^t, of order 2^28, and b = a^t = g^x, x is found seven bits at a time by
 * looking up b^(2^21), (b·g^-x0)^(2^14), ... among the 128 powers of g^(2^21); then
 * sqrt(a) = a^((t+1)/2)·g^(-x/2).  21 squarings and 10 multiplications where the loop
 * of the textbook algorithm costs about 200; a point decompression costs about half.
 */
#define SQRT_W 7                                /* digit bits; 4 digits cover 28 */
#define SQRT_DIGITS 4
#define SQRT_K (1u << SQRT_W)
#define SQRT_SLOTS 512                          /* open addressing for the 128 powers */

static fp_t sqrt_neg[SQRT_DIGITS][SQRT_K];      /* g^(-k·2^(7j)) */
static fp_t sqrt_top[SQRT_K];                   /* g^(k·2^21): the elements of order | 2^7 */
static uint8_t sqrt_slot[SQRT_SLOTS];           /* k + 1 of the power in that slot, 0 = empty */

static inline unsigned
sqrt_hash(const fp_t *y)
{
    return (unsigned)((y->l[0] ^ (y->l[1] >> 7)) % SQRT_SLOTS);
}

/* The tables from g = fp_sqrt_c; 0, or -1 if g does not have order 2^28. */
static int
sqrt_tables_init(void)
{
    fp_t ginv, step, top;
    unsigned j, k, h;

    fp_inv(&ginv, &fp_sqrt_c);
    step = ginv;
    for (j = 0; j < SQRT_DIGITS; j++) {         /* step = g^(-2^(7j)) */
        sqrt_neg[j][0] = FP_ONE;
        for (k = 1; k < SQRT_K; k++)
            fp_mul(&sqrt_neg[j][k], &sqrt_neg[j][k - 1], &step);
        for (k = 0; k < SQRT_W; k++)
            fp_sqr(&step, &step);
    }
    top = fp_sqrt_c;                            /* g^(2^21) */
    for (k = 0; k < 3 * SQRT_W; k++)
        fp_sqr(&top, &top);
    memset(sqrt_slot, 0, sizeof sqrt_slot);
    sqrt_top[0] = FP_ONE;
    for (k = 0; k < SQRT_K; k++) {
        if (k > 0)
            fp_mul(&sqrt_top[k], &sqrt_top[k - 1], &top);
        if (k > 0 && fp_eq(&sqrt_top[k], &FP_ONE))
            return -1;                          /* order below 2^7: g is not primitive */
        for (h = sqrt_hash(&sqrt_top[k]); sqrt_slot[h] != 0; h = (h + 1) % SQRT_SLOTS)
            ;
        sqrt_slot[h] = (uint8_t)(k + 1);
    }
    fp_mul(&step, &sqrt_top[SQRT_K - 1], &top);
    return fp_eq(&step, &FP_ONE) ? 0 : -1;
}

/* k with y = g^(k·2^21), or -1 if y is not of order dividing 2^7. */
static int
sqrt_digit(const fp_t *y)
{
    unsigned h;

    for (h = sqrt_hash(y); sqrt_slot[h] != 0; h = (h + 1) % SQRT_SLOTS)
        if (fp_eq(&sqrt_top[sqrt_slot[h] - 1], y))
            return sqrt_slot[h] - 1;
    return -1;
}

/* a^e, e of up to 256 bits, by 5-bit sliding windows. */
static void
fp_pow_vartime(fp_t *r, const fp_t *a, const uint64_t e[4])
{
    fp_t odd[16], a2, acc = FP_ONE;             /* odd[i] = a^(2i+1) */
    int i = 255, started = 0;

    odd[0] = *a;
    fp_sqr(&a2, a);
    for (int k = 1; k < 16; k++)
        fp_mul(&odd[k], &odd[k - 1], &a2);
#define EBIT(b) ((int)((e[(b) / 64] >> ((b) % 64)) & 1))
    while (i >= 0) {
        int lo, v, b;

        if (!EBIT(i)) {
            if (started)
                fp_sqr(&acc, &acc);
            i--;
            continue;
        }
        lo = i - 4 < 0 ? 0 : i - 4;             /* the window ends on a set bit */
        while (!EBIT(lo))
            lo++;
        for (v = 0, b = i; b >= lo; b--) {
            v = 2 * v + EBIT(b);
            if (started)
                fp_sqr(&acc, &acc);
        }
        if (started)
            fp_mul(&acc, &acc, &odd[v / 2]);
        else
            acc = odd[v / 2];
        started = 1;
        i = lo - 1;
    }
#undef EBIT
    *r = acc;
}

int
fp_sqrt(fp_t *r, const fp_t *a)
{
    fp_t w, x, b, pw[SQRT_DIGITS], y, check;
    uint32_t e = 0, half;
    int j, k, d[SQRT_DIGITS];

    if (fp_is_zero(a)) {
        fp_set_zero(r);
        return 1;
    }
    fp_pow_vartime(&w, a, FP_T_MINUS1_HALF);    /* a^((t-1)/2) */
    fp_mul(&x, a, &w);                          /* a^((t+1)/2) */
    fp_mul(&b, &x, &w);                         /* a^t = g^e */
    pw[0] = b;                                  /* pw[j] = b^(2^(7j)) */
    for (j = 1; j < SQRT_DIGITS; j++) {
        pw[j] = pw[j - 1];
        for (k = 0; k < SQRT_W; k++)
            fp_sqr(&pw[j], &pw[j]);
    }
    /* digit j of e from pw[3 - j]·g^(-(e mod 2^(7j))·2^(7(3 - j))) */
    for (j = 0; j < SQRT_DIGITS; j++) {
        y = pw[SQRT_DIGITS - 1 - j];
        for (k = 0; k < j; k++)
            fp_mul(&y, &y, &sqrt_neg[SQRT_DIGITS - 1 - j + k][d[k]]);
        if ((d[j] = sqrt_digit(&y)) < 0)
            return 0;                           /* not in the 2-Sylow subgroup: cannot be */
        e |= (uint32_t)d[j] << (SQRT_W * j);
    }
    if (e & 1)
        return 0;                               /* g^odd: a is not a square */
    half = e >> 1;                              /* sqrt(a) = a^((t+1)/2)·g^(-e/2) */
    for (j = 0; j < SQRT_DIGITS; j++)
        fp_mul(&x, &x, &sqrt_neg[j][(half >> (SQRT_W * j)) & (SQRT_K - 1)]);
    fp_sqr(&check, &x);
    if (!fp_eq(&check, a))
        return 0;
    *r = x;
    return 1;
}

void
fq_small_ints_init(fq_small_ints *t)
{
    int v;

    for (v = 0; v < FQ_SMALL_INTS; v++)
        fq_set_u64(&t->v[v], (uint64_t)v);
}
