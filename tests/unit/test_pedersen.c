/*
 * test_pedersen.c: Pedersen commitments (docs/protocol.md 4.1).
 */
#include <stdlib.h>

#include "generators.h"
#include "msm.h"
#include "pedersen.h"
#include "unit.h"
#include "unit_fq.h"

static void
mul_ge(gep_t *r, const ge_t *p, const fq_t *k)
{
    gep_t t;

    gep_set_ge(&t, p);
    gep_mul_vartime(r, &t, k);
}

UNIT_TEST(pedersen_com1_definition_and_homomorphism)
{
    fq_t a, b, ra, rb, s, rs, zero;
    gep_t ca, cb, cs, vg, bh;
    int trial;

    for (trial = 0; trial < 20; trial++) {
        unit_random_fq(&a);
        unit_random_fq(&b);
        unit_random_fq(&ra);
        unit_random_fq(&rb);
        pedersen_com1(&ca, &a, &ra);
        pedersen_com1(&cb, &b, &rb);
        fq_add(&s, &a, &b);
        fq_add(&rs, &ra, &rb);
        pedersen_com1(&cs, &s, &rs);
        gep_add(&ca, &ca, &cb);
        CHECK(gep_eq(&ca, &cs));

        /* v·G + b·H with variable-time multiplications */
        mul_ge(&vg, generators_G(), &a);
        mul_ge(&bh, generators_H(), &ra);
        gep_add(&vg, &vg, &bh);
        pedersen_com1(&ca, &a, &ra);
        CHECK(gep_eq(&ca, &vg));
    }
    /* Com1(0; 0) is the identity; Com1(v; 0) = v·G */
    fq_set_zero(&zero);
    pedersen_com1(&ca, &zero, &zero);
    CHECK(gep_is_infinity(&ca));
    fq_set_i64(&a, -3);
    pedersen_com1(&ca, &a, &zero);
    mul_ge(&vg, generators_G(), &a);
    CHECK(gep_eq(&ca, &vg));
}

UNIT_TEST(pedersen_comv_homomorphism)
{
    enum { N = 37 };
    fq_t x[N], y[N], s[N], rx, ry, rs;
    gep_t cx, cy, cs;
    size_t i;

    for (i = 0; i < N; i++) {
        unit_random_fq(&x[i]);
        unit_random_fq(&y[i]);
        fq_add(&s[i], &x[i], &y[i]);
    }
    unit_random_fq(&rx);
    unit_random_fq(&ry);
    fq_add(&rs, &rx, &ry);
    CHECK(pedersen_comv(&cx, x, N, &rx) == 0);
    CHECK(pedersen_comv(&cy, y, N, &ry) == 0);
    CHECK(pedersen_comv(&cs, s, N, &rs) == 0);
    gep_add(&cx, &cx, &cy);
    CHECK(gep_eq(&cx, &cs));
}

UNIT_TEST(pedersen_comv_definition)
{
    enum { N = 20 };
    const ge_t *v = generators_V(N);
    fq_t x[N], b, zero;
    gep_t c, want, t;
    size_t i;

    CHECK(v != NULL);
    if (v == NULL)
        return;
    for (i = 0; i < N; i++)
        unit_random_fq(&x[i]);
    unit_random_fq(&b);
    mul_ge(&want, generators_H(), &b);
    for (i = 0; i < N; i++) {
        mul_ge(&t, &v[i], &x[i]);
        gep_add(&want, &want, &t);
    }
    CHECK(pedersen_comv(&c, x, N, &b) == 0 && gep_eq(&c, &want));

    /* unit vector e_3 with no blind is V_3 */
    fq_set_zero(&zero);
    for (i = 0; i < N; i++)
        fq_set_zero(&x[i]);
    fq_set_u64(&x[3], 1);
    gep_set_ge(&want, &v[3]);
    CHECK(pedersen_comv(&c, x, N, &zero) == 0 && gep_eq(&c, &want));
}

UNIT_TEST(pedersen_comv_empty_is_blind_only)
{
    fq_t b, zero;
    gep_t c, want;

    unit_random_fq(&b);
    fq_set_zero(&zero);
    CHECK(pedersen_comv(&c, NULL, 0, &b) == 0);
    pedersen_com1(&want, &zero, &b);
    CHECK(gep_eq(&c, &want));
    CHECK(pedersen_comv_small(&c, NULL, 0, &b) == 0 && gep_eq(&c, &want));
}

UNIT_TEST(pedersen_comv_small_matches_comv)
{
    enum { N = 300 };
    int32_t xs[N];
    fq_t x[N], b;
    gep_t a, c;
    size_t i;
    int round;

    for (round = 0; round < 3; round++) {
        for (i = 0; i < N; i++) {
            int32_t v = (int32_t)(unit_rand64() % MSM_SMALL_BOUND);

            xs[i] = (unit_rand64() & 1) ? -v : v;
            if (i % 29 == 0)
                xs[i] = 0;
        }
        xs[1] = MSM_SMALL_BOUND - 1;
        xs[2] = -(MSM_SMALL_BOUND - 1);
        if (round == 1) {
            /* entries beyond the small-scalar bound take the full MSM */
            xs[5] = MSM_SMALL_BOUND;
            xs[6] = INT32_MIN;
            xs[7] = INT32_MAX;
        }
        for (i = 0; i < N; i++)
            fq_set_i64(&x[i], xs[i]);
        unit_random_fq(&b);
        CHECK(pedersen_comv(&a, x, N, &b) == 0);
        CHECK(pedersen_comv_small(&c, xs, N, &b) == 0);
        CHECK(gep_eq(&a, &c));
    }
}

/* ComV through the fixed-base table is the same point, at every length up to 2^9 + 3
 * (zeros, and sizes that are not powers of two, included). */
UNIT_TEST(pedersen_comv_fixed_matches_comv)
{
    static const size_t sizes[] = {0, 1, 2, 3, 17, 256, 515};
    fq_t x[515], b;
    gep_t a, c;
    size_t i, k;

    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (i = 0; i < sizes[k]; i++) {
            unit_random_fq(&x[i]);
            if (i % 7 == 3)
                fq_set_zero(&x[i]);
        }
        unit_random_fq(&b);
        CHECK(pedersen_comv(&a, x, sizes[k], &b) == 0);
        CHECK(pedersen_comv_fixed(&c, x, sizes[k], &b) == 0);
        CHECKF(gep_eq(&a, &c), "n = %zu", sizes[k]);
    }
}
