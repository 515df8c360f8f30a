/*
 * test_field.c: Fq and Fp against GMP's mpz as an independent oracle (docs/protocol.md 11.8).
 */
#include <string.h>

#include <gmp.h>

#include "field.h"
#include "unit.h"

#define RANDOM_OPERANDS 1000000

static void
mpz_from_limbs(mpz_t r, const uint64_t l[4])
{
    mpz_import(r, 4, -1, sizeof(uint64_t), 0, 0, l);
}

static void
limbs_from_mpz(uint64_t l[4], const mpz_t v)
{
    memset(l, 0, 4 * sizeof(uint64_t));
    mpz_export(l, NULL, -1, sizeof(uint64_t), 0, 0, v);
}

/* A uniform value below m (rejection sampling on 254 bits). */
static void
random_below(uint64_t l[4], const uint64_t m[4])
{
    mpz_t v, mod;

    mpz_inits(v, mod, NULL);
    mpz_from_limbs(mod, m);
    do {
        l[0] = unit_rand64();
        l[1] = unit_rand64();
        l[2] = unit_rand64();
        l[3] = unit_rand64() & 0x3fffffffffffffffULL;
        mpz_from_limbs(v, l);
    } while (mpz_cmp(v, mod) >= 0);
    mpz_clears(v, mod, NULL);
}

/* Edge operands: 0, 1, 2, m-1, m-2, R mod m, 2^64-1, 2^128, (m-1)/2. */
#define N_EDGES 9
static void
edge_value(uint64_t l[4], const uint64_t m[4], const uint64_t one_mont[4], int i)
{
    mpz_t v, mod;

    mpz_inits(v, mod, NULL);
    mpz_from_limbs(mod, m);
    switch (i) {
    case 0: mpz_set_ui(v, 0); break;
    case 1: mpz_set_ui(v, 1); break;
    case 2: mpz_set_ui(v, 2); break;
    case 3: mpz_sub_ui(v, mod, 1); break;
    case 4: mpz_sub_ui(v, mod, 2); break;
    case 5: mpz_from_limbs(v, one_mont); break;
    case 6: mpz_set_ui(v, 0); mpz_setbit(v, 64); mpz_sub_ui(v, v, 1); break;
    case 7: mpz_set_ui(v, 0); mpz_setbit(v, 128); break;
    default: mpz_sub_ui(v, mod, 1); mpz_tdiv_q_2exp(v, v, 1); break;
    }
    limbs_from_mpz(l, v);
    mpz_clears(v, mod, NULL);
}

/*
 * One generic check of add, sub, neg, mul, sqr, to/from limbs for a field, written as a
 * macro over the field prefix so Fq and Fp run the same test.
 */
#define FIELD_ORACLE_TEST(F, T, MOD, ONE)                                          \
static int                                                                         \
F##_check_pair(const uint64_t xa[4], const uint64_t xb[4], mpz_t mod)              \
{                                                                                  \
    T a, b, r;                                                                     \
    uint64_t out[4], want[4];                                                      \
    mpz_t va, vb, w;                                                               \
    int ok = 1;                                                                    \
    mpz_inits(va, vb, w, NULL);                                                    \
    mpz_from_limbs(va, xa);                                                        \
    mpz_from_limbs(vb, xb);                                                        \
    ok &= F##_from_limbs(&a, xa) && F##_from_limbs(&b, xb);                        \
    F##_to_limbs(out, &a);                                                         \
    ok &= memcmp(out, xa, 32) == 0;                                                \
    F##_mul(&r, &a, &b);                                                           \
    mpz_mul(w, va, vb); mpz_mod(w, w, mod); limbs_from_mpz(want, w);               \
    F##_to_limbs(out, &r); ok &= memcmp(out, want, 32) == 0;                       \
    F##_add(&r, &a, &b);                                                           \
    mpz_add(w, va, vb); mpz_mod(w, w, mod); limbs_from_mpz(want, w);               \
    F##_to_limbs(out, &r); ok &= memcmp(out, want, 32) == 0;                       \
    F##_sub(&r, &a, &b);                                                           \
    mpz_sub(w, va, vb); mpz_mod(w, w, mod); limbs_from_mpz(want, w);               \
    F##_to_limbs(out, &r); ok &= memcmp(out, want, 32) == 0;                       \
    F##_sqr(&r, &a);                                                               \
    mpz_mul(w, va, va); mpz_mod(w, w, mod); limbs_from_mpz(want, w);               \
    F##_to_limbs(out, &r); ok &= memcmp(out, want, 32) == 0;                       \
    F##_neg(&r, &b);                                                               \
    mpz_neg(w, vb); mpz_mod(w, w, mod); limbs_from_mpz(want, w);                   \
    F##_to_limbs(out, &r); ok &= memcmp(out, want, 32) == 0;                       \
    /* results stay fully reduced: the Montgomery limbs are below m too */         \
    mpz_from_limbs(w, r.l);                                                        \
    ok &= mpz_cmp(w, mod) < 0;                                                     \
    mpz_clears(va, vb, w, NULL);                                                   \
    return ok;                                                                     \
}                                                                                  \
                                                                                   \
/* both products (field.h): the portable one, then mulx where the processor has it */ \
UNIT_TEST(F##_ops_match_gmp)                                                       \
{                                                                                  \
    uint64_t xa[4], xb[4];                                                         \
    mpz_t mod;                                                                     \
    int i, j, bad, mulx;                                                           \
    mpz_init(mod);                                                                 \
    mpz_from_limbs(mod, MOD.l);                                                    \
    for (mulx = 0; mulx < 2 && field_use_mulx(mulx) == mulx; mulx++) {            \
        bad = 0;                                                                   \
        for (i = 0; i < N_EDGES; i++)                                              \
            for (j = 0; j < N_EDGES; j++) {                                        \
                edge_value(xa, MOD.l, ONE.l, i);                                   \
                edge_value(xb, MOD.l, ONE.l, j);                                   \
                CHECKF(F##_check_pair(xa, xb, mod), "edge pair %d, %d (mulx %d)",  \
                       i, j, mulx);                                                \
            }                                                                      \
        for (i = 0; i < RANDOM_OPERANDS / 2; i++) {                                \
            random_below(xa, MOD.l);                                               \
            random_below(xb, MOD.l);                                               \
            if (!F##_check_pair(xa, xb, mod) && bad++ < 5)                         \
                CHECKF(0, "random operand %d (mulx %d)", i, mulx);                 \
        }                                                                          \
        CHECK(bad == 0);                                                           \
    }                                                                              \
    CHECK(mulx >= 1);                   /* the portable product always ran */      \
    (void)field_use_mulx(1);                                                       \
    mpz_clear(mod);                                                                \
}                                                                                  \
                                                                                   \
UNIT_TEST(F##_encoding_and_reduction)                                              \
{                                                                                  \
    uint64_t x[4], out[4], want[4];                                                \
    uint8_t bytes[32], wide[64];                                                   \
    mpz_t mod, v;                                                                  \
    T a;                                                                           \
    int i;                                                                         \
    mpz_inits(mod, v, NULL);                                                       \
    mpz_from_limbs(mod, MOD.l);                                                    \
    /* m, m + 1 and 2^256 - 1 are not canonical */                                 \
    CHECK(!F##_from_limbs(&a, MOD.l));                                             \
    mpz_add_ui(v, mod, 1); limbs_from_mpz(x, v);                                   \
    CHECK(!F##_from_limbs(&a, x));                                                 \
    memset(x, 0xff, sizeof x);                                                     \
    CHECK(!F##_from_limbs(&a, x));                                                 \
    memset(bytes, 0xff, sizeof bytes);                                             \
    CHECK(!F##_from_bytes(&a, bytes));                                             \
    for (i = 0; i < 4; i++) {                                                      \
        int j;                                                                     \
        for (j = 0; j < 8; j++)                                                    \
            bytes[8 * i + j] = (uint8_t)(MOD.l[i] >> (8 * j));                     \
    }                                                                              \
    CHECK(!F##_from_bytes(&a, bytes));                                             \
    bytes[0]--;                     /* m - 1 is canonical */                       \
    CHECK(F##_from_bytes(&a, bytes));                                              \
    F##_to_bytes(wide, &a);                                                        \
    CHECK(memcmp(wide, bytes, 32) == 0);                                           \
    /* 2^256 - 1 reduces to 2^256 - 1 mod m */                                     \
    memset(x, 0xff, sizeof x);                                                     \
    F##_from_limbs_reduce(&a, x);                                                  \
    mpz_set_ui(v, 0); mpz_setbit(v, 256); mpz_sub_ui(v, v, 1); mpz_mod(v, v, mod); \
    limbs_from_mpz(want, v);                                                       \
    F##_to_limbs(out, &a);                                                         \
    CHECK(memcmp(out, want, 32) == 0);                                             \
    /* 64-byte wide reduction, including all ones */                               \
    for (i = 0; i < 1000; i++) {                                                   \
        if (i == 0)                                                                \
            memset(wide, 0xff, sizeof wide);                                       \
        else                                                                       \
            unit_rand_bytes(wide, sizeof wide);                                    \
        F##_from_bytes_wide(&a, wide);                                             \
        mpz_import(v, 64, -1, 1, 0, 0, wide);                                      \
        mpz_mod(v, v, mod);                                                        \
        limbs_from_mpz(want, v);                                                   \
        F##_to_limbs(out, &a);                                                     \
        CHECKF(memcmp(out, want, 32) == 0, "wide reduction %d", i);                \
    }                                                                              \
    /* small signed integers and parity */                                         \
    F##_set_i64(&a, -3);                                                           \
    mpz_sub_ui(v, mod, 3); limbs_from_mpz(want, v);                                \
    F##_to_limbs(out, &a);                                                         \
    CHECK(memcmp(out, want, 32) == 0);                                             \
    CHECK(F##_is_odd(&a) == (int)(want[0] & 1));                                   \
    F##_set_i64(&a, INT64_MIN);                                                    \
    mpz_set_ui(v, 1); mpz_mul_2exp(v, v, 63); mpz_sub(v, mod, v);                  \
    limbs_from_mpz(want, v);                                                       \
    F##_to_limbs(out, &a);                                                         \
    CHECK(memcmp(out, want, 32) == 0);                                             \
    F##_set_u64(&a, UINT64_MAX);                                                   \
    F##_to_limbs(out, &a);                                                         \
    CHECK(out[0] == UINT64_MAX && out[1] == 0 && out[2] == 0 && out[3] == 0);      \
    mpz_clears(mod, v, NULL);                                                      \
}                                                                                  \
                                                                                   \
UNIT_TEST(F##_inversion_and_power)                                                 \
{                                                                                  \
    uint64_t x[4], out[4], want[4], e[4];                                          \
    mpz_t mod, v, w, ev;                                                           \
    T a, r, batch[64], expect[64];                                                 \
    int i;                                                                         \
    mpz_inits(mod, v, w, ev, NULL);                                                \
    mpz_from_limbs(mod, MOD.l);                                                    \
    F##_set_zero(&a);                                                              \
    F##_inv(&r, &a);                                                               \
    CHECK(F##_is_zero(&r));                                                        \
    F##_inv_vartime(&r, &a);                                                       \
    CHECK(F##_is_zero(&r));                                                        \
    for (i = 0; i < 2000; i++) {                                                   \
        if (i < N_EDGES)                                                           \
            edge_value(x, MOD.l, ONE.l, i);                                        \
        else                                                                       \
            random_below(x, MOD.l);                                                \
        F##_from_limbs(&a, x);                                                     \
        mpz_from_limbs(v, x);                                                      \
        if (mpz_sgn(v) != 0) {                                                     \
            F##_inv(&r, &a);                                                       \
            mpz_invert(w, v, mod);                                                 \
            limbs_from_mpz(want, w);                                               \
            F##_to_limbs(out, &r);                                                 \
            CHECKF(memcmp(out, want, 32) == 0, "inverse %d", i);                   \
            F##_inv_vartime(&r, &a);                                               \
            F##_to_limbs(out, &r);                                                 \
            CHECKF(memcmp(out, want, 32) == 0, "variable-time inverse %d", i);     \
        }                                                                          \
        random_below(e, MOD.l);                                                    \
        if (i == 1)                                                                \
            memset(e, 0, sizeof e);                                                \
        F##_pow(&r, &a, e, 256);                                                   \
        mpz_from_limbs(ev, e);                                                     \
        mpz_powm(w, v, ev, mod);                                                   \
        limbs_from_mpz(want, w);                                                   \
        F##_to_limbs(out, &r);                                                     \
        CHECKF(memcmp(out, want, 32) == 0, "power %d", i);                         \
    }                                                                              \
    /* batch inversion with zeros, in place */                                     \
    for (i = 0; i < 64; i++) {                                                     \
        random_below(x, MOD.l);                                                    \
        F##_from_limbs(&batch[i], x);                                              \
        if (i % 7 == 0)                                                            \
            F##_set_zero(&batch[i]);                                               \
        F##_inv(&expect[i], &batch[i]);                                            \
    }                                                                              \
    CHECK(F##_batch_inv(batch, batch, 64) == 0);                                   \
    for (i = 0; i < 64; i++)                                                       \
        CHECKF(F##_eq(&batch[i], &expect[i]), "batch inverse %d", i);              \
    CHECK(F##_batch_inv(batch, batch, 0) == 0);                                    \
    mpz_clears(mod, v, w, ev, NULL);                                               \
}

FIELD_ORACLE_TEST(fq, fq_t, FQ_MODULUS, FQ_ONE)
FIELD_ORACLE_TEST(fp, fp_t, FP_MODULUS, FP_ONE)

UNIT_TEST(field_constants_check)
{
    fq_t a;
    fp_t b;

    CHECK(field_init() == NULL);
    /* FQ_ONE is 1 in Montgomery form, R2 is R in Montgomery form */
    fq_set_u64(&a, 1);
    CHECK(fq_eq(&a, &FQ_ONE));
    fp_set_u64(&b, 1);
    CHECK(fp_eq(&b, &FP_ONE));
}

UNIT_TEST(fp_sqrt_matches_legendre)
{
    uint64_t x[4];
    fp_t a, r, s;
    mpz_t p, v;
    int i, squares = 0;

    mpz_inits(p, v, NULL);
    mpz_from_limbs(p, FP_MODULUS.l);
    fp_set_zero(&a);
    CHECK(fp_sqrt(&r, &a) && fp_is_zero(&r));
    fp_set_u64(&a, 5);              /* the Tonelli-Shanks non-residue */
    CHECK(!fp_sqrt(&r, &a));
    fp_set_i64(&a, -17);            /* x = 0 is not on the curve */
    CHECK(!fp_sqrt(&r, &a));
    fp_set_i64(&a, -16);            /* y^2 of the test generator */
    CHECK(fp_sqrt(&r, &a));
    for (i = 0; i < 10000; i++) {
        int ok, leg;

        random_below(x, FP_MODULUS.l);
        fp_from_limbs(&a, x);
        mpz_from_limbs(v, x);
        leg = mpz_legendre(v, p);
        ok = fp_sqrt(&r, &a);
        CHECKF(ok == (leg >= 0), "sqrt existence %d", i);
        if (ok) {
            squares++;
            fp_sqr(&s, &r);
            CHECKF(fp_eq(&s, &a), "sqrt value %d", i);
        }
    }
    /* about half are squares: the test really exercised both branches */
    CHECK(squares > 4500 && squares < 5500);
    mpz_clears(p, v, NULL);
}

/*
 * The table-driven Tonelli-Shanks reads a^t = g^e seven bits of e at a time: every
 * element of the 2-Sylow subgroup (each order 2^0 .. 2^28, odd and even e, digits 0 and
 * 127) and squares times them, against GMP's Legendre symbol.
 */
UNIT_TEST(fp_sqrt_on_the_two_sylow_subgroup)
{
    uint64_t x[4];
    fp_t a, r, s;
    mpz_t p, t, g, v, u;
    int i, j, bad = 0;

    mpz_inits(p, t, g, v, u, NULL);
    mpz_from_limbs(p, FP_MODULUS.l);
    mpz_sub_ui(t, p, 1);
    mpz_tdiv_q_2exp(t, t, 28);
    mpz_set_ui(g, 5);
    mpz_powm(g, g, t, p);                       /* order 2^28 */
    for (i = 0; i < 3000; i++) {
        unsigned long e;

        if (i < 29)                             /* g^(2^i): order 2^(28-i) */
            e = 1ul << i;
        else if (i < 60)                        /* all-ones and single-zero digit patterns */
            e = ((1ul << 28) - 1) ^ (i < 32 ? 0 : 1ul << (i - 32));
        else
            e = (unsigned long)rand() & ((1ul << 28) - 1);
        mpz_powm_ui(v, g, e, p);
        if (i >= 1500) {                        /* times a random square */
            random_below(x, FP_MODULUS.l);
            mpz_from_limbs(u, x);
            mpz_mul(u, u, u);
            mpz_mul(v, v, u);
            mpz_mod(v, v, p);
        }
        limbs_from_mpz(x, v);
        fp_from_limbs(&a, x);
        j = fp_sqrt(&r, &a);
        if (mpz_sgn(v) == 0 ? !j : j != (mpz_legendre(v, p) == 1))
            bad++;
        if (j) {
            fp_sqr(&s, &r);
            bad += !fp_eq(&s, &a);
        }
        bad += mpz_sgn(v) != 0 && j != ((e & 1) == 0);  /* g^e is a square iff e is even */
    }
    CHECKF(bad == 0, "%d wrong square roots", bad);
    mpz_clears(p, t, g, v, u, NULL);
}

/* fq_wide_mac / fq_wide_reduce against mpz: Σ v_i·e_i mod q for the edge multipliers
 * (0, 1, 2^32 - 1, 2^63, 2^64 - 1) and random ones, with sums long enough to carry into
 * the sixth limb (2^12 terms of 2^64·2^254), and e_i at the edges of the field. */
UNIT_TEST(fq_wide_sums_match_gmp)
{
    static const uint64_t edge_v[] = {0, 1, 0xffffffffULL, 1ULL << 63, ~0ULL};
    static const size_t lens[] = {1, 2, 7, 4096};
    mpz_t mod, w, t, ev;
    uint64_t el[4], out[4], want[4];
    size_t k, i, trial;

    mpz_inits(mod, w, t, ev, NULL);
    mpz_from_limbs(mod, FQ_MODULUS.l);
    for (trial = 0; trial < 40; trial++)
        for (k = 0; k < sizeof lens / sizeof lens[0]; k++) {
            fq_wide_t acc = {{0}};
            fq_t e, r;

            mpz_set_ui(w, 0);
            for (i = 0; i < lens[k]; i++) {
                uint64_t v = trial % 3 == 0 ? edge_v[(i + trial) % 5] : unit_rand64();

                if (trial % 4 == 1)
                    edge_value(el, FQ_MODULUS.l, FQ_ONE.l, (int)((i + trial) % N_EDGES));
                else
                    random_below(el, FQ_MODULUS.l);
                CHECK(fq_from_limbs(&e, el));
                fq_wide_mac(&acc, v, &e);
                /* the sum is of the Montgomery limbs: its reduction is Σ v·e in
                 * Montgomery form, so compare canonical values */
                mpz_from_limbs(ev, el);
                mpz_import(t, 1, -1, sizeof(uint64_t), 0, 0, &v);
                mpz_addmul(w, t, ev);
            }
            fq_wide_reduce(&r, &acc);
            mpz_mod(w, w, mod);
            limbs_from_mpz(want, w);
            fq_to_limbs(out, &r);
            CHECKF(memcmp(out, want, 32) == 0, "trial %zu, %zu terms", trial, lens[k]);
            mpz_from_limbs(t, r.l);
            CHECK(mpz_cmp(t, mod) < 0);
        }
    mpz_clears(mod, w, t, ev, NULL);
}

/* fq_set_i64_small (the small values from its table, negatives negated) equals fq_set_i64
 * on both sides of the table's edges, at the ends of int64 and on random values. */
UNIT_TEST(fq_set_i64_small_matches_set_i64)
{
    static const int64_t edges[] = {0, 1, -1, 2, -2, 254, -254, 255, -255, 256, -256, 257,
                                    -257, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    fq_small_ints tab;
    fq_t a, b;
    size_t i;

    fq_small_ints_init(&tab);
    for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        fq_set_i64_small(&a, edges[i], &tab);
        fq_set_i64(&b, edges[i]);
        CHECKF(fq_eq(&a, &b), "v = %lld", (long long)edges[i]);
    }
    for (i = 0; i < 4096; i++) {
        int64_t v = (int64_t)unit_rand64() >> (unit_rand64() % 64);

        fq_set_i64_small(&a, v, &tab);
        fq_set_i64(&b, v);
        CHECKF(fq_eq(&a, &b), "v = %lld", (long long)v);
    }
}
