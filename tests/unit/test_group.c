/*
 * test_group.c: Grumpkin point laws and encodings (docs/protocol.md 11.7), with an
 * independent affine oracle written on GMP's mpz.
 */
#include <string.h>

#include <gmp.h>

#include "group.h"
#include "unit.h"
#include "unit_fq.h"

/* ---- the oracle: affine points over mpz, textbook chord-and-tangent ---- */

typedef struct { mpz_t x, y; int inf; } opt;

static mpz_t P_MOD;

static void
oracle_setup(void)
{
    static int done;

    if (done)
        return;
    mpz_init(P_MOD);
    mpz_import(P_MOD, 4, -1, sizeof(uint64_t), 0, 0, FP_MODULUS.l);
    done = 1;
}

static void
opt_init(opt *a)
{
    mpz_inits(a->x, a->y, NULL);
    a->inf = 1;
}

static void
opt_clear(opt *a)
{
    mpz_clears(a->x, a->y, NULL);
}

static void
opt_from_ge(opt *r, const ge_t *a)
{
    uint64_t l[4];

    r->inf = a->infinity;
    if (a->infinity)
        return;
    fp_to_limbs(l, &a->x);
    mpz_import(r->x, 4, -1, sizeof(uint64_t), 0, 0, l);
    fp_to_limbs(l, &a->y);
    mpz_import(r->y, 4, -1, sizeof(uint64_t), 0, 0, l);
}

static int
opt_eq_gep(const opt *a, const gep_t *b)
{
    ge_t t;
    opt o;
    int eq;

    ge_set_gep(&t, b);
    opt_init(&o);
    opt_from_ge(&o, &t);
    eq = (a->inf && o.inf) ||
         (!a->inf && !o.inf && mpz_cmp(a->x, o.x) == 0 && mpz_cmp(a->y, o.y) == 0);
    opt_clear(&o);
    return eq;
}

/* r = a + b */
static void
opt_add(opt *r, const opt *a, const opt *b)
{
    mpz_t l, t, x3, y3;

    if (a->inf || b->inf) {
        const opt *s = a->inf ? b : a;

        mpz_set(r->x, s->x);
        mpz_set(r->y, s->y);
        r->inf = s->inf;
        return;
    }
    mpz_inits(l, t, x3, y3, NULL);
    if (mpz_cmp(a->x, b->x) == 0) {
        mpz_add(t, a->y, b->y);
        mpz_mod(t, t, P_MOD);
        if (mpz_sgn(t) == 0) {
            r->inf = 1;
            goto done;
        }
        mpz_mul(l, a->x, a->x);     /* tangent: 3x^2 / 2y */
        mpz_mul_ui(l, l, 3);
        mpz_mul_ui(t, a->y, 2);
    } else {
        mpz_sub(l, b->y, a->y);     /* chord: (y2 - y1) / (x2 - x1) */
        mpz_sub(t, b->x, a->x);
    }
    mpz_mod(t, t, P_MOD);
    mpz_invert(t, t, P_MOD);
    mpz_mul(l, l, t);
    mpz_mod(l, l, P_MOD);
    mpz_mul(x3, l, l);
    mpz_sub(x3, x3, a->x);
    mpz_sub(x3, x3, b->x);
    mpz_mod(x3, x3, P_MOD);
    mpz_sub(y3, a->x, x3);
    mpz_mul(y3, y3, l);
    mpz_sub(y3, y3, a->y);
    mpz_mod(y3, y3, P_MOD);
    mpz_set(r->x, x3);
    mpz_set(r->y, y3);
    r->inf = 0;
done:
    mpz_clears(l, t, x3, y3, NULL);
}

/* r = k·a by double-and-add on the oracle, k given as canonical limbs */
static void
opt_mul(opt *r, const opt *a, const uint64_t k[4])
{
    opt acc;
    int i;

    opt_init(&acc);
    for (i = 255; i >= 0; i--) {
        opt_add(&acc, &acc, &acc);
        if ((k[i / 64] >> (i % 64)) & 1)
            opt_add(&acc, &acc, a);
    }
    mpz_set(r->x, acc.x);
    mpz_set(r->y, acc.y);
    r->inf = acc.inf;
    opt_clear(&acc);
}

/* ---- helpers ---- */

/* A random multiple of the test generator, in projective form with a random Z. */
static void
random_point(gep_t *r, ge_t *affine)
{
    gep_t g;
    ge_t g_aff;
    fq_t k;
    fp_t z;
    uint8_t wide[64];

    ge_test_generator(&g_aff);
    gep_set_ge(&g, &g_aff);
    unit_random_fq(&k);
    gep_mul_vartime(r, &g, &k);
    ge_set_gep(affine, r);
    unit_rand_bytes(wide, sizeof wide);
    fp_from_bytes_wide(&z, wide);
    gep_set_ge(r, affine);
    fp_mul(&r->x, &r->x, &z);
    fp_mul(&r->y, &r->y, &z);
    fp_mul(&r->z, &r->z, &z);
}

/* ---- tests ---- */

UNIT_TEST(group_addition_matches_oracle)
{
    gep_t p, q, r;
    ge_t pa, qa, ra;
    opt op, oq, or_;
    int i;

    oracle_setup();
    opt_init(&op);
    opt_init(&oq);
    opt_init(&or_);
    for (i = 0; i < 300; i++) {
        random_point(&p, &pa);
        random_point(&q, &qa);
        CHECK(ge_is_on_curve(&pa) && ge_is_on_curve(&qa));
        opt_from_ge(&op, &pa);
        opt_from_ge(&oq, &qa);
        opt_add(&or_, &op, &oq);
        gep_add(&r, &p, &q);
        CHECKF(opt_eq_gep(&or_, &r), "P + Q, case %d", i);
        gep_add_ge(&r, &p, &qa);
        CHECKF(opt_eq_gep(&or_, &r), "mixed P + Q, case %d", i);
        ge_set_gep(&ra, &r);
        CHECK(ge_is_on_curve(&ra));
        /* doubling through the addition path and through gep_dbl */
        opt_add(&or_, &op, &op);
        gep_add(&r, &p, &p);
        CHECKF(opt_eq_gep(&or_, &r), "P + P, case %d", i);
        gep_add_ge(&r, &p, &pa);
        CHECKF(opt_eq_gep(&or_, &r), "mixed P + P, case %d", i);
        gep_dbl(&r, &p);
        CHECKF(opt_eq_gep(&or_, &r), "2P, case %d", i);
    }
    opt_clear(&op);
    opt_clear(&oq);
    opt_clear(&or_);
}

UNIT_TEST(group_identity_and_inverse)
{
    gep_t p, o, r, np;
    ge_t pa, oa, npa;
    int i;

    gep_set_infinity(&o);
    ge_set_infinity(&oa);
    CHECK(gep_is_infinity(&o));
    gep_dbl(&r, &o);
    CHECK(gep_is_infinity(&r));
    gep_add(&r, &o, &o);
    CHECK(gep_is_infinity(&r));
    gep_add_ge(&r, &o, &oa);
    CHECK(gep_is_infinity(&r));
    for (i = 0; i < 50; i++) {
        random_point(&p, &pa);
        CHECK(!gep_is_infinity(&p));
        gep_add(&r, &p, &o);
        CHECK(gep_eq(&r, &p));
        gep_add(&r, &o, &p);
        CHECK(gep_eq(&r, &p));
        gep_add_ge(&r, &o, &pa);
        CHECK(gep_eq(&r, &p));
        gep_add_ge(&r, &p, &oa);
        CHECK(gep_eq(&r, &p));
        gep_neg(&np, &p);
        gep_add(&r, &p, &np);
        CHECK(gep_is_infinity(&r));
        ge_neg(&npa, &pa);
        gep_add_ge(&r, &p, &npa);
        CHECK(gep_is_infinity(&r));
        CHECK(!gep_eq(&p, &np));
        CHECK(!gep_eq(&p, &o));
    }
}

UNIT_TEST(group_associativity_commutativity)
{
    gep_t a, b, c, l, r, t;
    ge_t aa, ba, ca;
    int i;

    for (i = 0; i < 100; i++) {
        random_point(&a, &aa);
        random_point(&b, &ba);
        if (i % 10 == 0)
            c = a;                  /* repeated operand */
        else
            random_point(&c, &ca);
        gep_add(&t, &a, &b);
        gep_add(&l, &t, &c);
        gep_add(&t, &b, &c);
        gep_add(&r, &a, &t);
        CHECK(gep_eq(&l, &r));
        gep_add(&l, &a, &b);
        gep_add(&r, &b, &a);
        CHECK(gep_eq(&l, &r));
    }
}

UNIT_TEST(group_scalar_multiplication)
{
    gep_t g, r1, r2, t;
    ge_t ga;
    fq_t k;
    uint64_t kl[4];
    opt og, or_;
    int i;

    oracle_setup();
    opt_init(&og);
    opt_init(&or_);
    ge_test_generator(&ga);
    gep_set_ge(&g, &ga);
    opt_from_ge(&og, &ga);
    for (i = 0; i < 40; i++) {
        switch (i) {
        case 0: fq_set_zero(&k); break;
        case 1: fq_set_u64(&k, 1); break;
        case 2: fq_set_i64(&k, -1); break;
        case 3: fq_set_u64(&k, 16); break;
        default: unit_random_fq(&k); break;
        }
        gep_mul_ct(&r1, &g, &k);
        gep_mul_vartime(&r2, &g, &k);
        CHECKF(gep_eq(&r1, &r2), "ct and vartime agree, case %d", i);
        fq_to_limbs(kl, &k);
        opt_mul(&or_, &og, kl);
        CHECKF(opt_eq_gep(&or_, &r1), "k·G against the oracle, case %d", i);
    }
    /* the group order is q: (q-1)·G + G = O, and (q-1)·G = -G */
    fq_set_i64(&k, -1);
    gep_mul_ct(&r1, &g, &k);
    gep_neg(&t, &g);
    CHECK(gep_eq(&r1, &t));
    gep_add(&r1, &r1, &g);
    CHECK(gep_is_infinity(&r1));
    /* multiplying the identity */
    gep_set_infinity(&t);
    unit_random_fq(&k);
    gep_mul_ct(&r1, &t, &k);
    CHECK(gep_is_infinity(&r1));
    opt_clear(&og);
    opt_clear(&or_);
}

UNIT_TEST(group_batch_normalisation)
{
    gep_t p[20];
    ge_t a[20], one;
    int i;

    for (i = 0; i < 20; i++) {
        if (i % 6 == 0)
            gep_set_infinity(&p[i]);
        else
            random_point(&p[i], &one);
    }
    ge_set_gep_batch(a, p, 20);
    for (i = 0; i < 20; i++) {
        ge_set_gep(&one, &p[i]);
        CHECK(ge_eq(&a[i], &one));
        CHECK(a[i].infinity == (i % 6 == 0));
    }
}

UNIT_TEST(group_encoding_round_trip)
{
    uint8_t enc[32], enc2[32];
    gep_t p;
    ge_t pa, d;
    int i;

    for (i = 0; i < 200; i++) {
        random_point(&p, &pa);
        ge_encode(enc, &pa);
        CHECK((enc[31] & 0x40) == 0);
        CHECK(ge_decode(&d, enc) == GE_DECODE_OK);
        CHECK(ge_eq(&d, &pa));
        gep_encode(enc2, &p);
        CHECK(memcmp(enc, enc2, 32) == 0);
        /* the parity bit selects -P */
        enc[31] ^= 0x80;
        CHECK(ge_decode(&d, enc) == GE_DECODE_OK);
        ge_neg(&pa, &pa);
        CHECK(ge_eq(&d, &pa));
    }
    ge_set_infinity(&pa);
    ge_encode(enc, &pa);
    for (i = 0; i < 31; i++)
        CHECK(enc[i] == 0);
    CHECK(enc[31] == 0x40);
    CHECK(ge_decode(&d, enc) == GE_DECODE_OK && d.infinity);
}

/* Every rejection rule of docs/protocol.md 1.2 and 11.7. */
UNIT_TEST(group_encoding_rejections)
{
    uint8_t enc[32];
    ge_t d;
    int i;

    /* infinity flag with garbage bits in x */
    memset(enc, 0, 32);
    enc[31] = 0x40;
    enc[0] = 1;
    CHECK(ge_decode(&d, enc) == GE_DECODE_BAD_INFINITY);
    memset(enc, 0, 32);
    enc[31] = 0x41;
    CHECK(ge_decode(&d, enc) == GE_DECODE_BAD_INFINITY);
    /* both flags set */
    memset(enc, 0, 32);
    enc[31] = 0xc0;
    CHECK(ge_decode(&d, enc) == GE_DECODE_BAD_INFINITY);
    /* x = p and x = 2^254 - 1 are out of range, with either parity */
    fp_to_bytes(enc, &(fp_t){{0, 0, 0, 0}});
    for (i = 0; i < 4; i++) {
        int j;

        for (j = 0; j < 8; j++)
            enc[8 * i + j] = (uint8_t)(FP_MODULUS.l[i] >> (8 * j));
    }
    CHECK(ge_decode(&d, enc) == GE_DECODE_X_RANGE);
    enc[31] |= 0x80;
    CHECK(ge_decode(&d, enc) == GE_DECODE_X_RANGE);
    memset(enc, 0xff, 32);
    enc[31] = 0x3f;
    CHECK(ge_decode(&d, enc) == GE_DECODE_X_RANGE);
    /* x = 0: -17 is not a square */
    memset(enc, 0, 32);
    CHECK(ge_decode(&d, enc) == GE_DECODE_NOT_ON_CURVE);
    enc[31] = 0x80;
    CHECK(ge_decode(&d, enc) == GE_DECODE_NOT_ON_CURVE);
    /* a run of small x values: decoding succeeds exactly when x^3 - 17 is a square */
    for (i = 1; i < 200; i++) {
        fp_t x, w, y;
        int square;

        fp_set_u64(&x, (uint64_t)i);
        fp_sqr(&w, &x);
        fp_mul(&w, &w, &x);
        fp_add(&w, &w, &GROUP_B);
        square = fp_sqrt(&y, &w);
        fp_to_bytes(enc, &x);
        CHECK((ge_decode(&d, enc) == GE_DECODE_OK) == square);
        if (square)
            CHECK(ge_is_on_curve(&d));
    }
    CHECK(strcmp(ge_decode_status_str(GE_DECODE_X_RANGE), "ok") != 0);
}

/*
 * The fixed-base table: k·G against the oracle for scalars whose signed digits hit
 * every case (all nibbles 8, all 15 with carries through every window, 7 and 9 mixed,
 * zero, one, q - 1, 16^w) and random ones.
 */
UNIT_TEST(group_fixed_base_multiplication)
{
    static ge_fixed_table T;
    gep_t r;
    ge_t ga, inf;
    fq_t k;
    uint64_t kl[4], lim[4];
    opt og, or_;
    int i, j;

    oracle_setup();
    opt_init(&og);
    opt_init(&or_);
    ge_test_generator(&ga);
    opt_from_ge(&og, &ga);
    CHECK(ge_fixed_table_init(&T, &ga) == 0);
    for (i = 0; i < 60; i++) {
        switch (i) {
        case 0: fq_set_zero(&k); break;
        case 1: fq_set_u64(&k, 1); break;
        case 2: fq_set_i64(&k, -1); break;
        case 3: case 4: case 5: case 6:
            for (j = 0; j < 4; j++)
                lim[j] = i == 3 ? 0x8888888888888888ULL : i == 4 ? UINT64_MAX
                       : i == 5 ? 0x7979797979797979ULL : 0x9797979797979797ULL;
            lim[3] &= 0x0fffffffffffffffULL;            /* below q */
            CHECK(fq_from_limbs(&k, lim));
            break;
        case 7: case 8: case 9:                         /* 16^w for w = 1, 31, 62 */
            memset(lim, 0, sizeof lim);
            j = i == 7 ? 1 : i == 8 ? 31 : 62;
            lim[j / 16] = (uint64_t)1 << (4 * (j % 16));
            CHECK(fq_from_limbs(&k, lim));
            break;
        default: unit_random_fq(&k); break;
        }
        gep_mul_fixed_ct(&r, &T, &k);
        fq_to_limbs(kl, &k);
        opt_mul(&or_, &og, kl);
        CHECKF(opt_eq_gep(&or_, &r), "k·G from the table, case %d", i);
    }
    ge_set_infinity(&inf);
    CHECK(ge_fixed_table_init(&T, &inf) != 0);
    opt_clear(&og);
    opt_clear(&or_);
}
