/*
 * field.h: the two 254-bit prime fields of ZKMLPG-V1 (docs/protocol.md 1.1, 2).
 *
 *   fq: the proof (scalar) field, q = order of Grumpkin = BN254 base prime.
 *   fp: the base field of Grumpkin, p = BN254 scalar prime.
 *
 * Elements are four 64-bit little-endian limbs in Montgomery form (a*2^256 mod m),
 * always fully reduced (< m).  The hot operations (add, sub, neg, mul, square) are
 * inline, branch-free CIOS Montgomery code over unsigned __int128, and on x86-64
 * processors with BMI2 and ADX the product is mulx code chosen at run time; both moduli
 * have a top limb below 2^63 - 1, so the "no-carry" CIOS variant is exact.
 *
 * Everything that needs a modular inverse or power of a secret goes through GMP's
 * mpn_sec_* functions with preallocated scratch (no GMP allocation, so these are safe
 * inside worker threads).  The constants below are compiled in and cross-checked
 * against a GMP derivation from the decimal primes by field_init().
 */
#ifndef ZKML_FIELD_H
#define ZKML_FIELD_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 zk_u128;

typedef struct { uint64_t l[4]; } fq_t;   /* Montgomery form, < q */
typedef struct { uint64_t l[4]; } fp_t;   /* Montgomery form, < p */

/* Moduli and Montgomery constants (docs/protocol.md 1.1); checked by field_init(). */
#define FQ_M0 0x3c208c16d87cfd47ULL
#define FQ_M1 0x97816a916871ca8dULL
#define FQ_M2 0xb85045b68181585dULL
#define FQ_M3 0x30644e72e131a029ULL
#define FQ_NINV 0x87d20782e4866389ULL  /* -q^-1 mod 2^64 */

#define FP_M0 0x43e1f593f0000001ULL
#define FP_M1 0x2833e84879b97091ULL
#define FP_M2 0xb85045b68181585dULL
#define FP_M3 0x30644e72e131a029ULL
#define FP_NINV 0xc2e1f593efffffffULL  /* -p^-1 mod 2^64 */

extern const fq_t FQ_MODULUS, FQ_ONE, FQ_R2, FQ_R3;   /* FQ_ONE = R mod q */
extern const fp_t FP_MODULUS, FP_ONE, FP_R2, FP_R3;

/*
 * Derive every constant of 1.1 from the decimal primes with GMP and compare with the
 * compiled-in values.  Returns NULL on success, or a static message naming the first
 * mismatch (a fatal internal error for the caller).  Idempotent; call it on the main
 * thread before any other function of the core.
 */
const char *field_init(void);

/* ---- shared limb arithmetic (not part of the field API) ---- */

/* r = a*b*2^-256 mod m, a, b < m, m[3] < 2^63 - 1.  CIOS, no-carry variant. */
static inline void
mont_mul4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
          const uint64_t m0, const uint64_t m1, const uint64_t m2, const uint64_t m3,
          const uint64_t ninv)
{
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    uint64_t s0, s1, s2, s3, borrow, mask;
    zk_u128 w;
    int i;

    for (i = 0; i < 4; i++) {
        uint64_t A, C, u, bi = b[i];

        w = (zk_u128)a[0] * bi + t0;
        t0 = (uint64_t)w;
        A = (uint64_t)(w >> 64);
        u = t0 * ninv;
        w = (zk_u128)u * m0 + t0;
        C = (uint64_t)(w >> 64);

        w = (zk_u128)a[1] * bi + A + t1;
        t1 = (uint64_t)w;
        A = (uint64_t)(w >> 64);
        w = (zk_u128)u * m1 + t1 + C;
        t0 = (uint64_t)w;
        C = (uint64_t)(w >> 64);

        w = (zk_u128)a[2] * bi + A + t2;
        t2 = (uint64_t)w;
        A = (uint64_t)(w >> 64);
        w = (zk_u128)u * m2 + t2 + C;
        t1 = (uint64_t)w;
        C = (uint64_t)(w >> 64);

        w = (zk_u128)a[3] * bi + A + t3;
        t3 = (uint64_t)w;
        A = (uint64_t)(w >> 64);
        w = (zk_u128)u * m3 + t3 + C;
        t2 = (uint64_t)w;
        C = (uint64_t)(w >> 64);

        t3 = C + A;
    }

    /* Branch-free final subtraction: t < 2m. */
    w = (zk_u128)t0 - m0;
    s0 = (uint64_t)w;
    borrow = (uint64_t)(w >> 64) & 1;
    w = (zk_u128)t1 - m1 - borrow;
    s1 = (uint64_t)w;
    borrow = (uint64_t)(w >> 64) & 1;
    w = (zk_u128)t2 - m2 - borrow;
    s2 = (uint64_t)w;
    borrow = (uint64_t)(w >> 64) & 1;
    w = (zk_u128)t3 - m3 - borrow;
    s3 = (uint64_t)w;
    borrow = (uint64_t)(w >> 64) & 1;
    mask = 0 - borrow;            /* all ones when t < m: keep t */
    r[0] = (t0 & mask) | (s0 & ~mask);
    r[1] = (t1 & mask) | (s1 & ~mask);
    r[2] = (t2 & mask) | (s2 & ~mask);
    r[3] = (t3 & mask) | (s3 & ~mask);
}

/*
 * Add and subtract with carry.  On x86-64 the compiler intrinsics map to adc/sbb
 * chains (baseline instructions, no -march needed); the __int128 form elsewhere.
 * GCC turns the __int128 form into far longer code with spills when several are
 * inlined into one function, which costs the MSM and the curve formulas.
 */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t
limb_addc(uint64_t a, uint64_t b, uint64_t carry, uint64_t *out)
{
    unsigned long long o;
    uint64_t c = _addcarry_u64((unsigned char)carry, a, b, &o);

    *out = o;
    return c;
}

static inline uint64_t
limb_subb(uint64_t a, uint64_t b, uint64_t borrow, uint64_t *out)
{
    unsigned long long o;
    uint64_t c = _subborrow_u64((unsigned char)borrow, a, b, &o);

    *out = o;
    return c;
}
#else
static inline uint64_t
limb_addc(uint64_t a, uint64_t b, uint64_t carry, uint64_t *out)
{
    zk_u128 w = (zk_u128)a + b + carry;

    *out = (uint64_t)w;
    return (uint64_t)(w >> 64);
}

static inline uint64_t
limb_subb(uint64_t a, uint64_t b, uint64_t borrow, uint64_t *out)
{
    zk_u128 w = (zk_u128)a - b - borrow;

    *out = (uint64_t)w;
    return (uint64_t)(w >> 64) & 1;
}
#endif

/* r = a + b mod m (a, b < m < 2^255). */
static inline void
mod_add4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
         const uint64_t m0, const uint64_t m1, const uint64_t m2, const uint64_t m3)
{
    uint64_t t0, t1, t2, t3, s0, s1, s2, s3, c, mask;

    c = limb_addc(a[0], b[0], 0, &t0);
    c = limb_addc(a[1], b[1], c, &t1);
    c = limb_addc(a[2], b[2], c, &t2);
    (void) limb_addc(a[3], b[3], c, &t3);         /* a + b < 2^256: no carry out */
    c = limb_subb(t0, m0, 0, &s0);
    c = limb_subb(t1, m1, c, &s1);
    c = limb_subb(t2, m2, c, &s2);
    c = limb_subb(t3, m3, c, &s3);
    mask = 0 - c;                                 /* all ones when t < m: keep t */
    r[0] = (t0 & mask) | (s0 & ~mask);
    r[1] = (t1 & mask) | (s1 & ~mask);
    r[2] = (t2 & mask) | (s2 & ~mask);
    r[3] = (t3 & mask) | (s3 & ~mask);
}

/* r = a - b mod m (a, b < m). */
static inline void
mod_sub4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
         const uint64_t m0, const uint64_t m1, const uint64_t m2, const uint64_t m3)
{
    uint64_t t0, t1, t2, t3, c, mask;

    c = limb_subb(a[0], b[0], 0, &t0);
    c = limb_subb(a[1], b[1], c, &t1);
    c = limb_subb(a[2], b[2], c, &t2);
    c = limb_subb(a[3], b[3], c, &t3);
    mask = 0 - c;                                 /* add m back when a < b */
    c = limb_addc(t0, m0 & mask, 0, &r[0]);
    c = limb_addc(t1, m1 & mask, c, &r[1]);
    c = limb_addc(t2, m2 & mask, c, &r[2]);
    (void) limb_addc(t3, m3 & mask, c, &r[3]);
}

/*
 * The same product with mulx, adcx and adox (BMI2 and ADX), in two carry chains, for
 * x86-64 processors that have them: about half the time of the portable code above,
 * which compilers cannot schedule into two chains.  field_init() sets field_mulx when
 * the processor has both; until then, and on any other processor, the portable code
 * runs.  mc = {m0, m1, m2, m3, -m^-1 mod 2^64}.  r may be a or b.  The code reads a, b
 * and mc through their addresses (a "memory" clobber: operands of their own would need
 * more registers than a sanitizer's build has).
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define ZKML_FIELD_MULX 1

extern int field_mulx;

#define ZK_MULX_ADD(B, T0, T1, T2, T3, T4)      /* (T0..T4) += a·b_i, T4 fresh */     \
    "movq " B ", %%rdx\n\t"                                                          \
    "xorl %k[z], %k[z]\n\t"                                                          \
    "mulxq 0(%[a]), %[lo], %[hi]\n\t"                                                \
    "adoxq %[lo], %[" T0 "]\n\t"                                                     \
    "adcxq %[hi], %[" T1 "]\n\t"                                                     \
    "mulxq 8(%[a]), %[lo], %[hi]\n\t"                                                \
    "adoxq %[lo], %[" T1 "]\n\t"                                                     \
    "adcxq %[hi], %[" T2 "]\n\t"                                                     \
    "mulxq 16(%[a]), %[lo], %[hi]\n\t"                                               \
    "adoxq %[lo], %[" T2 "]\n\t"                                                     \
    "adcxq %[hi], %[" T3 "]\n\t"                                                     \
    "mulxq 24(%[a]), %[lo], %[" T4 "]\n\t"                                           \
    "adoxq %[lo], %[" T3 "]\n\t"                                                     \
    "adcxq %[z], %[" T4 "]\n\t"                                                      \
    "adoxq %[z], %[" T4 "]\n\t"
#define ZK_MULX_REDUCE(T0, T1, T2, T3, T4)      /* += u·m, T0 becomes 0 */            \
    "movq %[" T0 "], %%rdx\n\t"                                                      \
    "imulq 32(%[m]), %%rdx\n\t"                                                      \
    "xorl %k[z], %k[z]\n\t"                                                          \
    "mulxq 0(%[m]), %[lo], %[hi]\n\t"                                                \
    "adoxq %[lo], %[" T0 "]\n\t"                                                     \
    "adcxq %[hi], %[" T1 "]\n\t"                                                     \
    "mulxq 8(%[m]), %[lo], %[hi]\n\t"                                                \
    "adoxq %[lo], %[" T1 "]\n\t"                                                     \
    "adcxq %[hi], %[" T2 "]\n\t"                                                     \
    "mulxq 16(%[m]), %[lo], %[hi]\n\t"                                               \
    "adoxq %[lo], %[" T2 "]\n\t"                                                     \
    "adcxq %[hi], %[" T3 "]\n\t"                                                     \
    "mulxq 24(%[m]), %[lo], %[hi]\n\t"                                               \
    "adoxq %[lo], %[" T3 "]\n\t"                                                     \
    "adcxq %[hi], %[" T4 "]\n\t"                                                     \
    "adoxq %[z], %[" T4 "]\n\t"

static inline void
mont_mul4_mulx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t mc[5])
{
    uint64_t x0, x1, x2, x3, x4, lo, hi, z;

    /* CIOS as mont_mul4, the five accumulator limbs rotating through x0..x4 */
    __asm__("movq 0(%[b]), %%rdx\n\t"
            "mulxq 0(%[a]), %[x0], %[x1]\n\t"
            "mulxq 8(%[a]), %[lo], %[x2]\n\t"
            "addq %[lo], %[x1]\n\t"
            "mulxq 16(%[a]), %[lo], %[x3]\n\t"
            "adcq %[lo], %[x2]\n\t"
            "mulxq 24(%[a]), %[lo], %[x4]\n\t"
            "adcq %[lo], %[x3]\n\t"
            "adcq $0, %[x4]\n\t"
            ZK_MULX_REDUCE("x0", "x1", "x2", "x3", "x4")
            ZK_MULX_ADD("8(%[b])", "x1", "x2", "x3", "x4", "x0")
            ZK_MULX_REDUCE("x1", "x2", "x3", "x4", "x0")
            ZK_MULX_ADD("16(%[b])", "x2", "x3", "x4", "x0", "x1")
            ZK_MULX_REDUCE("x2", "x3", "x4", "x0", "x1")
            ZK_MULX_ADD("24(%[b])", "x3", "x4", "x0", "x1", "x2")
            ZK_MULX_REDUCE("x3", "x4", "x0", "x1", "x2")
            /* t = (x4, x0, x1, x2) < 2m; t - m unless that borrows, without a branch */
            "movq %[x4], %[x3]\n\t"
            "movq %[x0], %[lo]\n\t"
            "movq %[x1], %[hi]\n\t"
            "movq %[x2], %[z]\n\t"
            "subq 0(%[m]), %[x3]\n\t"
            "sbbq 8(%[m]), %[lo]\n\t"
            "sbbq 16(%[m]), %[hi]\n\t"
            "sbbq 24(%[m]), %[z]\n\t"
            "cmovcq %[x4], %[x3]\n\t"
            "cmovcq %[x0], %[lo]\n\t"
            "cmovcq %[x1], %[hi]\n\t"
            "cmovcq %[x2], %[z]"
            : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3),
              [x4] "=&r"(x4), [lo] "=&r"(lo), [hi] "=&r"(hi), [z] "=&r"(z)
            : [a] "r"(a), [b] "r"(b), [m] "r"(mc)
            : "rdx", "cc", "memory");
    r[0] = x3;
    r[1] = lo;
    r[2] = hi;
    r[3] = z;
}

#undef ZK_MULX_ADD
#undef ZK_MULX_REDUCE

extern const uint64_t FQ_MONT[5], FP_MONT[5];      /* m0..m3, -m^-1 mod 2^64 */

/* The portable product, out of line: inlined next to the mulx path it would only
 * double the code of every loop. */
void fq_mul_portable(fq_t *r, const fq_t *a, const fq_t *b);
void fp_mul_portable(fp_t *r, const fp_t *a, const fp_t *b);

#define ZKML_FIELD_MUL(F, T, MC, M0, M1, M2, M3, NINV)                             \
    static inline void F##_mul(T *r, const T *a, const T *b)                       \
    {                                                                              \
        if (__builtin_expect(field_mulx, 1))                                       \
            mont_mul4_mulx(r->l, a->l, b->l, MC);                                  \
        else                                                                       \
            F##_mul_portable(r, a, b);                                             \
    }
#else
#define ZKML_FIELD_MUL(F, T, MC, M0, M1, M2, M3, NINV)                             \
    static inline void F##_mul(T *r, const T *a, const T *b)                       \
    { mont_mul4(r->l, a->l, b->l, M0, M1, M2, M3, NINV); }
#endif

/*
 * Choose the product: the mulx path when on is nonzero and the processor has it, the
 * portable one otherwise.  Returns 1 if the mulx path is now in use.  field_init()
 * turns it on; the unit tests run both.  Not while other threads compute.
 */
int field_use_mulx(int on);

/*
 * The inline field API, generated once per field so that fq and fp share one
 * implementation of the limb code above.
 */
#define ZKML_FIELD_INLINE(F, T, MC, M0, M1, M2, M3, NINV)                          \
    ZKML_FIELD_MUL(F, T, MC, M0, M1, M2, M3, NINV)                                 \
    static inline void F##_sqr(T *r, const T *a)                                   \
    { F##_mul(r, a, a); }                                                          \
    static inline void F##_add(T *r, const T *a, const T *b)                       \
    { mod_add4(r->l, a->l, b->l, M0, M1, M2, M3); }                                \
    static inline void F##_sub(T *r, const T *a, const T *b)                       \
    { mod_sub4(r->l, a->l, b->l, M0, M1, M2, M3); }                                \
    static inline void F##_neg(T *r, const T *a)                                   \
    { static const T zero_ = {{0, 0, 0, 0}}; mod_sub4(r->l, zero_.l, a->l, M0, M1, M2, M3); } \
    static inline void F##_dbl(T *r, const T *a)                                   \
    { mod_add4(r->l, a->l, a->l, M0, M1, M2, M3); }                                \
    static inline void F##_set_zero(T *r)                                          \
    { r->l[0] = r->l[1] = r->l[2] = r->l[3] = 0; }                                 \
    static inline int F##_is_zero(const T *a)                                      \
    { return (a->l[0] | a->l[1] | a->l[2] | a->l[3]) == 0; }                       \
    static inline int F##_eq(const T *a, const T *b)                               \
    { return ((a->l[0] ^ b->l[0]) | (a->l[1] ^ b->l[1]) |                          \
              (a->l[2] ^ b->l[2]) | (a->l[3] ^ b->l[3])) == 0; }                   \
    /* a*2^-256: Montgomery form -> canonical limbs */                             \
    static inline void F##_to_limbs(uint64_t out[4], const T *a)                   \
    { static const uint64_t one_[4] = {1, 0, 0, 0};                                \
      mont_mul4(out, a->l, one_, M0, M1, M2, M3, NINV); }

ZKML_FIELD_INLINE(fq, fq_t, FQ_MONT, FQ_M0, FQ_M1, FQ_M2, FQ_M3, FQ_NINV)
ZKML_FIELD_INLINE(fp, fp_t, FP_MONT, FP_M0, FP_M1, FP_M2, FP_M3, FP_NINV)

/*
 * The out-of-line API, identical for both fields (F = fq or fp):
 *
 *   F_from_limbs(r, x)      x < m canonical limbs -> Montgomery; returns 0 if x >= m.
 *   F_from_limbs_reduce(r, x)  any 256-bit x, reduced mod m.
 *   F_from_bytes(r, b)      32 bytes LE, canonical; returns 0 (r untouched) if >= m.
 *   F_to_bytes(b, a)        32 bytes LE, canonical.
 *   F_from_bytes_wide(r, b) 64 bytes LE reduced mod m (uniform from 512 random bits).
 *   F_set_u64 / F_set_i64   small integers (negative v -> m - |v|).
 *   F_inv(r, a)             constant time (mpn_sec_invert); inv(0) = 0.
 *   F_inv_vartime(r, a)     the same in variable time (mpn_gcdext, ten times faster):
 *                           for public values and the internals of the variable-time MSM.
 *   F_pow(r, a, e, ebits)   a^e, constant time in a and e for a fixed ebits (mpn_sec_powm).
 *   F_batch_inv(r, a, n)    Montgomery's trick; zero entries map to zero; r may equal a.
 *   F_is_odd(a)             parity of the canonical value (sgn0 of RFC 9380).
 */
#define ZKML_FIELD_DECLARE(F, T)                                                   \
    int F##_from_limbs(T *r, const uint64_t x[4]);                                 \
    void F##_from_limbs_reduce(T *r, const uint64_t x[4]);                         \
    int F##_from_bytes(T *r, const uint8_t b[32]);                                 \
    void F##_to_bytes(uint8_t b[32], const T *a);                                  \
    void F##_from_bytes_wide(T *r, const uint8_t b[64]);                           \
    void F##_set_u64(T *r, uint64_t v);                                            \
    void F##_set_i64(T *r, int64_t v);                                             \
    void F##_inv(T *r, const T *a);                                                \
    void F##_inv_vartime(T *r, const T *a);                                        \
    void F##_pow(T *r, const T *a, const uint64_t *e, unsigned ebits);             \
    int F##_batch_inv(T *r, const T *a, size_t n);                                 \
    int F##_is_odd(const T *a);

ZKML_FIELD_DECLARE(fq, fq_t)
ZKML_FIELD_DECLARE(fp, fp_t)

/*
 * Sums of small multiples of fq elements without a reduction per term: fq_wide_mac adds
 * v·E to acc, E the Montgomery limbs of e (an integer below 2^254), v any 64-bit value;
 * fq_wide_reduce returns the element whose Montgomery limbs are acc mod q, which is
 * Σ v_i·e_i.  acc (six limbs) must not overflow 2^384: 2^65 terms of v < 2^64 do not.
 * Both run in time independent of their values.
 */
typedef struct { uint64_t l[6]; } fq_wide_t;

static inline void
fq_wide_mac(fq_wide_t *acc, uint64_t v, const fq_t *e)
{
    zk_u128 t;
    uint64_t carry = 0;
    unsigned i;

    for (i = 0; i < 4; i++) {
        t = (zk_u128)v * e->l[i] + acc->l[i] + carry;
        acc->l[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    t = (zk_u128)acc->l[4] + carry;
    acc->l[4] = (uint64_t)t;
    acc->l[5] += (uint64_t)(t >> 64);
}

void fq_wide_reduce(fq_t *r, const fq_wide_t *acc);

/*
 * Witness integers as fq elements, most of them small: fq_small_ints_init fills v for
 * 0 <= v < FQ_SMALL_INTS, and fq_set_i64_small copies those (negated below zero)
 * instead of a Montgomery product each.  Branches on the value: for the prover's
 * witness, whose sumchecks' running time depends on it already.
 */
#define FQ_SMALL_INTS 256

typedef struct { fq_t v[FQ_SMALL_INTS]; } fq_small_ints;

void fq_small_ints_init(fq_small_ints *t);

static inline void
fq_set_i64_small(fq_t *r, int64_t v, const fq_small_ints *t)
{
    if (v >= 0 && v < FQ_SMALL_INTS)
        *r = t->v[v];
    else if (v < 0 && v > -FQ_SMALL_INTS)
        fq_neg(r, &t->v[-v]);
    else
        fq_set_i64(r, v);
}

/*
 * Square root in Fp by Tonelli-Shanks (v2(p-1) = 28, non-residue 5).  Returns 1 and
 * sets r to a root if a is a square (r = 0 for a = 0), 0 otherwise.  Variable time:
 * used only on public values (point decoding, hash-to-curve).
 */
int fp_sqrt(fp_t *r, const fp_t *a);

#endif
