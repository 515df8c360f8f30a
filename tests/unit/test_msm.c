/*
 * test_msm.c: multi-scalar multiplication (docs/protocol.md 2, 11.7).
 *
 * Every test point is a known multiple d_i·G of the test generator, so the expected
 * sum_i k_i·P_i is (sum_i k_i·d_i)·G: one scalar multiplication after arithmetic in Fq,
 * independent of the MSM code and cheap at any size.  Small sizes are also checked
 * against msm_naive.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "msm.h"
#include "unit.h"
#include "unit_fq.h"

static void
generator(gep_t *g)
{
    ge_t a;

    ge_test_generator(&a);
    gep_set_ge(g, &a);
}

/* P[i] = d[i]·G for random d[i] (a scalar multiplication per point: small n only). */
static void
points_random(ge_t *P, fq_t *d, size_t n)
{
    gep_t g, *proj = malloc(n * sizeof *proj);
    size_t i;

    generator(&g);
    for (i = 0; i < n; i++) {
        unit_random_fq(&d[i]);
        gep_mul_vartime(&proj[i], &g, &d[i]);
    }
    ge_set_gep_batch(P, proj, n);
    free(proj);
}

/*
 * The same for large n: a random walk P[i] = P[i-1] + T_j over 16 random multiples T_j
 * of G, one addition per point; d[i] follows along in Fq.
 */
static void
points_walk(ge_t *P, fq_t *d, size_t n)
{
    gep_t g, step[16], cur, *proj = malloc(n * sizeof *proj);
    fq_t dstep[16], dcur;
    size_t i;

    generator(&g);
    for (i = 0; i < 16; i++) {
        unit_random_fq(&dstep[i]);
        gep_mul_vartime(&step[i], &g, &dstep[i]);
    }
    gep_set_infinity(&cur);
    fq_set_zero(&dcur);
    for (i = 0; i < n; i++) {
        unsigned j = (unsigned)(unit_rand64() & 15);

        gep_add(&cur, &cur, &step[j]);
        fq_add(&dcur, &dcur, &dstep[j]);
        proj[i] = cur;
        d[i] = dcur;
    }
    ge_set_gep_batch(P, proj, n);
    free(proj);
}

/* (sum_i k[i]·d[i])·G */
static void
expected_sum(gep_t *r, const fq_t *d, const fq_t *k, size_t n)
{
    gep_t g;
    fq_t s, t;
    size_t i;

    fq_set_zero(&s);
    for (i = 0; i < n; i++) {
        fq_mul(&t, &k[i], &d[i]);
        fq_add(&s, &s, &t);
    }
    generator(&g);
    gep_mul_vartime(r, &g, &s);
}

static void
small_to_fq(fq_t *k, const int32_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        fq_set_i64(&k[i], v[i]);
}

/* msm with 1 and 2 threads against the discrete-log expectation (and naive if asked). */
static void
check_msm(const ge_t *P, const fq_t *d, const fq_t *k, size_t n, int with_naive)
{
    gep_t want, r1, r2, rn;

    expected_sum(&want, d, k, n);
    CHECK(msm(&r1, P, k, n, 1) == 0);
    CHECKF(gep_eq(&r1, &want), "msm, n = %zu, 1 thread", n);
    CHECK(msm(&r2, P, k, n, 2) == 0);
    CHECKF(gep_eq(&r2, &want), "msm, n = %zu, 2 threads", n);
    if (with_naive) {
        msm_naive(&rn, P, k, n);
        CHECKF(gep_eq(&rn, &want), "msm_naive, n = %zu", n);
    }
}

UNIT_TEST(msm_random_sizes)
{
    static const size_t sizes[] = {0, 1, 2, 3, 17, 1000, 4096};
    size_t s, max = 4096;
    ge_t *P = malloc(max * sizeof *P);
    fq_t *d = malloc(max * sizeof *d), *k = malloc(max * sizeof *k);

    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t i, n = sizes[s];

        points_random(P, d, n);
        for (i = 0; i < n; i++)
            unit_random_fq(&k[i]);
        check_msm(P, d, k, n, 1);
    }
    free(P);
    free(d);
    free(k);
}

UNIT_TEST(msm_empty_is_identity)
{
    gep_t r;
    int32_t v = 5;

    gep_set_ge(&r, &(ge_t){FP_ONE, FP_ONE, 0});
    CHECK(msm(&r, NULL, NULL, 0, 1) == 0 && gep_is_infinity(&r));
    gep_set_ge(&r, &(ge_t){FP_ONE, FP_ONE, 0});
    CHECK(msm_small(&r, NULL, &v, 0, 2) == 0 && gep_is_infinity(&r));
}

/* 2^16 points, random scalars: every window width that is cheap enough, both thread counts. */
UNIT_TEST(msm_65536)
{
    size_t i, n = (size_t)1 << 16;
    ge_t *P = malloc(n * sizeof *P);
    fq_t *d = malloc(n * sizeof *d), *k = malloc(n * sizeof *k);
    gep_t want, r;
    unsigned c;

    points_walk(P, d, n);
    for (i = 0; i < n; i++)
        unit_random_fq(&k[i]);
    check_msm(P, d, k, n, 0);
    expected_sum(&want, d, k, n);
    for (c = 11; c <= MSM_MAX_WINDOW; c += 2) {
        CHECK(msm_with_window(&r, P, k, n, 2, c) == 0);
        CHECKF(gep_eq(&r, &want), "window %u", c);
    }
    free(P);
    free(d);
    free(k);
}

/* 0, 1, -1 = q - 1, 2 and short scalars, identity points, all scalars zero. */
UNIT_TEST(msm_edge_scalars_and_identity)
{
    enum { N = 600 };
    ge_t P[N];
    fq_t d[N], k[N], minus_one, zero;
    uint64_t short_k[4] = {0, 0, 0, 0};
    gep_t r;
    size_t i;

    points_random(P, d, N);
    fq_set_zero(&zero);
    fq_neg(&minus_one, &FQ_ONE);
    for (i = 0; i < N; i++) {
        switch (i % 6) {
        case 0: k[i] = zero; break;
        case 1: k[i] = FQ_ONE; break;
        case 2: k[i] = minus_one; break;
        case 3: fq_set_u64(&k[i], 2); break;
        case 4:                                 /* 1..64-bit scalars */
            short_k[0] = unit_rand64() >> (unit_rand64() & 63);
            (void)fq_from_limbs(&k[i], short_k);
            break;
        default: unit_random_fq(&k[i]); break;
        }
        if (i % 7 == 3) {                       /* identity point, scalar kept */
            ge_set_infinity(&P[i]);
            d[i] = zero;
        }
    }
    check_msm(P, d, k, N, 1);
    check_msm(P, d, k, 40, 1);                 /* few points: Straus's method */

    /* only short scalars: fewer windows */
    for (i = 0; i < N; i++) {
        short_k[0] = unit_rand64() >> 40;
        (void)fq_from_limbs(&k[i], short_k);
    }
    check_msm(P, d, k, N, 1);

    /* only -1 */
    for (i = 0; i < N; i++)
        k[i] = minus_one;
    check_msm(P, d, k, N, 0);

    /* all scalars zero, or all points the identity: the identity */
    for (i = 0; i < N; i++)
        k[i] = zero;
    CHECK(msm(&r, P, k, N, 2) == 0 && gep_is_infinity(&r));
    for (i = 0; i < N; i++) {
        unit_random_fq(&k[i]);
        ge_set_infinity(&P[i]);
    }
    CHECK(msm(&r, P, k, N, 2) == 0 && gep_is_infinity(&r));
}

/*
 * Points from a pool of a few multiples of P and their negations, scalars from a few
 * values: buckets receive equal points (tangent), opposite points (the pair vanishes)
 * and sums that are equal or opposite at later levels.  Every window width.
 */
UNIT_TEST(msm_duplicates_every_window)
{
    enum { N = 400, POOL = 6 };
    ge_t pool[POOL], P[N];
    fq_t dpool[POOL], d[N], k[N], vals[5];
    gep_t want, r;
    size_t i;
    unsigned c;

    points_random(pool, dpool, 2);
    for (i = 2; i < POOL; i++) {             /* pool: A, B, -A, -B, 2A, -2A */
        gep_t t;

        if (i < 4) {
            ge_neg(&pool[i], &pool[i - 2]);
            fq_neg(&dpool[i], &dpool[i - 2]);
        } else {
            gep_set_ge(&t, &pool[0]);
            gep_dbl(&t, &t);
            if (i == 5)
                gep_neg(&t, &t);
            ge_set_gep(&pool[i], &t);
            fq_add(&dpool[i], &dpool[0], &dpool[0]);
            if (i == 5)
                fq_neg(&dpool[i], &dpool[i]);
        }
    }
    vals[0] = FQ_ONE;
    fq_neg(&vals[1], &FQ_ONE);
    fq_set_u64(&vals[2], 2);
    fq_set_u64(&vals[3], 3);
    unit_random_fq(&vals[4]);
    for (i = 0; i < N; i++) {
        unsigned j = (unsigned)(unit_rand64() % POOL);

        P[i] = pool[j];
        d[i] = dpool[j];
        k[i] = vals[unit_rand64() % 5];
    }
    expected_sum(&want, d, k, N);
    for (c = 1; c <= MSM_MAX_WINDOW; c++) {
        CHECK(msm_with_window(&r, P, k, N, 1, c) == 0);
        CHECKF(gep_eq(&r, &want), "window %u, 1 thread", c);
        CHECK(msm_with_window(&r, P, k, N, 2, c) == 0);
        CHECKF(gep_eq(&r, &want), "window %u, 2 threads", c);
    }
    check_msm(P, d, k, N, 1);
    check_msm(P, d, k, 40, 1);                 /* few points: Straus's method */
}

/*
 * One point many times in one bucket (more entries than a block of group_sums), P and -P
 * cancelling, a bucket that ends empty.
 */
UNIT_TEST(msm_one_bucket)
{
    enum { N = 30001 };
    ge_t *P = malloc(N * sizeof *P), A, negA;
    fq_t *k = malloc(N * sizeof *k), dA, m;
    gep_t r, want, g;
    size_t i;

    points_random(&A, &dA, 1);
    ge_neg(&negA, &A);
    generator(&g);

    /* N·A: tangents at every level, then chords between unequal sums */
    for (i = 0; i < N; i++) {
        P[i] = A;
        k[i] = FQ_ONE;
    }
    fq_set_u64(&m, N);
    fq_mul(&m, &m, &dA);
    gep_mul_vartime(&want, &g, &m);
    CHECK(msm(&r, P, k, N, 1) == 0 && gep_eq(&r, &want));
    CHECK(msm(&r, P, k, N, 2) == 0 && gep_eq(&r, &want));

    /* A, -A, A, -A, ...: every level-0 pair vanishes, the last A remains */
    for (i = 1; i < N; i += 2)
        P[i] = negA;
    gep_set_ge(&want, &A);
    CHECK(msm(&r, P, k, N, 1) == 0 && gep_eq(&r, &want));
    CHECK(msm(&r, P, k, N - 1, 1) == 0 && gep_is_infinity(&r));

    /* A with scalars 1, -1 alternating: the same cancellation through the digit sign */
    for (i = 0; i < N; i++) {
        P[i] = A;
        if (i % 2)
            fq_neg(&k[i], &FQ_ONE);
    }
    CHECK(msm(&r, P, k, N - 1, 2) == 0 && gep_is_infinity(&r));
    free(P);
    free(k);
}

UNIT_TEST(msm_threads_identical)
{
    enum { N = 4096 };
    static const int threads[] = {2, 3, 4, 8};
    ge_t *P = malloc(N * sizeof *P);
    fq_t *d = malloc(N * sizeof *d), *k = malloc(N * sizeof *k);
    int32_t *v = malloc(N * sizeof *v);
    gep_t one, many;
    size_t i, t;

    points_walk(P, d, N);
    for (i = 0; i < N; i++) {
        unit_random_fq(&k[i]);
        v[i] = (int32_t)(unit_rand64() % (2 * MSM_SMALL_BOUND - 1)) - (MSM_SMALL_BOUND - 1);
    }
    CHECK(msm(&one, P, k, N, 1) == 0);
    for (t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        CHECK(msm(&many, P, k, N, threads[t]) == 0);
        CHECKF(gep_eq(&one, &many), "msm, %d threads", threads[t]);
    }
    CHECK(msm_small(&one, P, v, N, 1) == 0);
    for (t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        CHECK(msm_small(&many, P, v, N, threads[t]) == 0);
        CHECKF(gep_eq(&one, &many), "msm_small, %d threads", threads[t]);
    }
    free(P);
    free(d);
    free(k);
    free(v);
}

/* Bytes the heap holds for the program: small chunks and mmap'd large ones. */
static size_t
heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

/*
 * Each thread keeps its last MSM's scratch (megabytes) for the next one.  OpenMP retires
 * the threads a smaller team does not need: they must free theirs.  MSMs on 8 threads and
 * on 2 in turn, as a proof runs large and small ones: the heap does not grow round after
 * round (it grew by the scratch of the 6 retired threads, about 50 MB a round).
 */
UNIT_TEST(msm_retired_threads_free_their_scratch)
{
    enum { N = 4096, ROUNDS = 8 };
    ge_t *P = malloc(N * sizeof *P);
    fq_t *d = malloc(N * sizeof *d), *k = malloc(N * sizeof *k);
    gep_t r;
    size_t i, before = 0, after;
    int round;

    points_walk(P, d, N);
    for (i = 0; i < N; i++)
        unit_random_fq(&k[i]);
    for (round = 0; round < ROUNDS; round++) {
        if (round == 1)
            before = heap_in_use();
        CHECK(msm(&r, P, k, N, 8) == 0);
        CHECK(msm(&r, P, k, N, 2) == 0);
    }
    after = heap_in_use();
    CHECKF(after < before + ((size_t)1 << 20), "the heap grew by %zu kB over %d rounds",
           (after - before) / 1024, ROUNDS - 1);
    free(P);
    free(d);
    free(k);
}

/* msm_small against the discrete-log expectation; 1 and 2 threads. */
static void
check_small(const ge_t *P, const fq_t *d, const int32_t *v, size_t n, int with_naive)
{
    fq_t *k = malloc((n ? n : 1) * sizeof *k);
    gep_t want, r;

    small_to_fq(k, v, n);
    expected_sum(&want, d, k, n);
    CHECK(msm_small(&r, P, v, n, 1) == 0);
    CHECKF(gep_eq(&r, &want), "msm_small, n = %zu, 1 thread", n);
    CHECK(msm_small(&r, P, v, n, 2) == 0);
    CHECKF(gep_eq(&r, &want), "msm_small, n = %zu, 2 threads", n);
    if (with_naive) {
        msm_naive(&r, P, k, n);
        CHECKF(gep_eq(&r, &want), "msm_naive, n = %zu", n);
    }
    free(k);
}

UNIT_TEST(msm_small_values)
{
    enum { N = 1000 };
    static const int32_t edge[] = {0, 1, -1, 2, -2, MSM_SMALL_BOUND - 1, -(MSM_SMALL_BOUND - 1),
                                   1 << 16, -(1 << 16), (1 << 16) - 1, 255, -256};
    ge_t P[N];
    fq_t d[N];
    int32_t v[N];
    size_t i, n;

    points_random(P, d, N);
    for (i = 0; i < N; i++)
        v[i] = i < sizeof edge / sizeof edge[0] ? edge[i]
             : (int32_t)(unit_rand64() % (2 * MSM_SMALL_BOUND - 1)) - (MSM_SMALL_BOUND - 1);
    for (n = 0; n <= 3; n++)
        check_small(P, d, v, n, 1);
    check_small(P, d, v, sizeof edge / sizeof edge[0], 1);
    check_small(P, d, v, N, 1);

    /* narrow ranges pick other windows: 1-bit, 8-bit, 16-bit magnitudes */
    for (i = 0; i < N; i++)
        v[i] = (int32_t)(unit_rand64() % 3) - 1;
    check_small(P, d, v, N, 0);
    for (i = 0; i < N; i++)
        v[i] = (int32_t)(unit_rand64() & 0xff) - 0x80;
    check_small(P, d, v, N, 0);
    for (i = 0; i < N; i++)
        v[i] = (int32_t)(unit_rand64() & 0xffff) - 0x8000;
    check_small(P, d, v, N, 0);

    /* one value everywhere; identity points */
    for (i = 0; i < N; i++)
        v[i] = -(MSM_SMALL_BOUND - 1);
    check_small(P, d, v, N, 0);
    for (i = 0; i < N; i += 3) {
        ge_set_infinity(&P[i]);
        fq_set_zero(&d[i]);
    }
    check_small(P, d, v, N, 0);
}

UNIT_TEST(msm_small_out_of_range)
{
    static const int32_t bad[] = {MSM_SMALL_BOUND, -MSM_SMALL_BOUND, INT32_MAX, INT32_MIN};
    ge_t P[4];
    fq_t d[4];
    int32_t v[4] = {1, 2, 3, 4};
    gep_t r;
    size_t i;

    points_random(P, d, 4);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v[2] = bad[i];
        gep_set_ge(&r, &P[0]);
        CHECKF(msm_small(&r, P, v, 4, 1) != 0, "value %d accepted", bad[i]);
        CHECK(gep_is_infinity(&r));
    }
}

UNIT_TEST(msm_small_65536)
{
    size_t i, n = (size_t)1 << 16;
    ge_t *P = malloc(n * sizeof *P);
    fq_t *d = malloc(n * sizeof *d);
    int32_t *v = malloc(n * sizeof *v);

    points_walk(P, d, n);
    for (i = 0; i < n; i++)
        v[i] = (int32_t)(unit_rand64() & 0xffff) - 0x8000;
    check_small(P, d, v, n, 0);
    for (i = 0; i < n; i++)
        v[i] = (int32_t)(unit_rand64() % (2 * MSM_SMALL_BOUND - 1)) - (MSM_SMALL_BOUND - 1);
    check_small(P, d, v, n, 0);
    free(P);
    free(d);
    free(v);
}

UNIT_TEST(msm_window_arguments)
{
    ge_t P[2];
    fq_t d[2], k[2];
    gep_t r;
    unsigned c;

    points_random(P, d, 2);
    k[0] = k[1] = FQ_ONE;
    CHECK(msm_with_window(&r, P, k, 2, 1, 0) != 0);
    CHECK(msm_with_window(&r, P, k, 2, 1, MSM_MAX_WINDOW + 1) != 0);
    for (c = 0; c < 30; c++) {
        unsigned w = msm_window_bits((size_t)1 << c, 254, 1 + (int)(c % 3));

        CHECKF(w >= 1 && w <= MSM_MAX_WINDOW, "n = 2^%u: window %u", c, w);
    }
    /* wider windows for more points */
    CHECK(msm_window_bits(1 << 10, 254, 1) < msm_window_bits(1 << 20, 254, 1));
}

/* ---- fixed bases ---- */

/* msm_fixed over the first n of N tabled points, checked by the d_i·G construction. */
static void
check_fixed(const msm_fixed_table *tab, const fq_t *d, size_t n, int threads, int zeros)
{
    fq_t *k = malloc((n + 1) * sizeof(fq_t)), acc, t;
    gep_t got, want, g;
    size_t i;

    fq_set_zero(&acc);
    for (i = 0; i < n; i++) {
        unit_random_fq(&k[i]);
        if (zeros && i % 2 == 1)
            fq_set_zero(&k[i]);
        if (i % 7 == 3)
            fq_set_i64(&k[i], -1);                  /* q - 1: every digit at its largest */
        fq_mul(&t, &k[i], &d[i]);
        fq_add(&acc, &acc, &t);
    }
    generator(&g);
    gep_mul_vartime(&want, &g, &acc);
    CHECK(msm_fixed(&got, tab, k, n, threads) == 0);
    CHECKF(gep_eq(&got, &want), "n = %zu, threads %d, zeros %d", n, threads, zeros);
    free(k);
}

/*
 * msm_fixed_strided: out[o] = sum_t k[t]·P[o + m·t], checked through the discrete logs
 * d of the bases, for every split of the table (m·nt = 256 and less), scalars with zeros
 * and with every digit at its largest, on one and two threads; more than the table holds
 * is refused.
 */
UNIT_TEST(msm_fixed_strided_sums)
{
    static const size_t ms[] = {1, 2, 3, 16, 64, 256};
    ge_t P[256];
    fq_t d[256], k[256], acc, t;
    gep_t out[256], want, g;
    msm_fixed_table *tab;
    size_t s, nt, o, j;
    int threads;

    generator(&g);
    points_random(P, d, 256);
    CHECK(msm_fixed_build(&tab, P, 256, 2) == 0 && tab != NULL);
    for (s = 0; s < sizeof ms / sizeof ms[0]; s++)
        for (threads = 1; threads <= 2; threads++) {
            nt = 256 / ms[s];
            for (j = 0; j < nt; j++) {
                unit_random_fq(&k[j]);
                if (j % 5 == 1)
                    fq_set_zero(&k[j]);
                if (j % 7 == 3)
                    fq_set_i64(&k[j], -1);
            }
            CHECK(msm_fixed_strided(out, tab, k, nt, ms[s], threads) == 0);
            for (o = 0; o < ms[s]; o++) {
                fq_set_zero(&acc);
                for (j = 0; j < nt; j++) {
                    fq_mul(&t, &k[j], &d[o + ms[s] * j]);
                    fq_add(&acc, &acc, &t);
                }
                gep_mul_vartime(&want, &g, &acc);
                CHECKF(gep_eq(&out[o], &want), "m = %zu, output %zu, threads %d", ms[s], o,
                       threads);
            }
        }
    CHECK(msm_fixed_strided(out, tab, k, 129, 2, 1) != 0);     /* 258 bases */
    CHECK(msm_fixed_strided(out, tab, k, 1, 0, 1) != 0);
    msm_fixed_free(tab);
}

UNIT_TEST(msm_fixed_bases)
{
    static const size_t sizes[] = {0, 1, 2, 3, 17, 100, 255, 256};
    ge_t P[256], bad[2];
    fq_t d[256];
    msm_fixed_table *tab;
    gep_t r;
    size_t s;
    int threads;

    points_random(P, d, 256);
    CHECK(msm_fixed_build(&tab, P, 256, 2) == 0 && tab != NULL);
    CHECK(msm_fixed_size(tab) == 256);
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (threads = 1; threads <= 2; threads++) {
            check_fixed(tab, d, sizes[s], threads, 0);
            check_fixed(tab, d, sizes[s], threads, 1);
        }
    /* more bases than the table holds */
    CHECK(msm_fixed(&r, tab, d, 257, 1) != 0);
    msm_fixed_free(tab);
    /* a table of the identity cannot be made */
    bad[0] = P[0];
    ge_set_infinity(&bad[1]);
    CHECK(msm_fixed_build(&tab, bad, 2, 1) != 0 && tab == NULL);
    msm_fixed_free(NULL);
}
