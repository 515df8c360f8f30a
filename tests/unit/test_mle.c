/*
 * test_mle.c: EqTable and multilinear evaluation (docs/protocol.md 0).
 */
#include <string.h>

#include "mle.h"
#include "zkml.h"
#include "unit.h"
#include "unit_fq.h"

#define MLE_TEST_MAX_VARS 10

/* eq(z, bits(i)) = prod_j (bit_j(i) ? z_j : 1 - z_j), straight from the definition. */
static void
eq_at(fq_t *r, const fq_t *z, unsigned k, size_t i)
{
    fq_t t;
    unsigned j;

    *r = FQ_ONE;
    for (j = 0; j < k; j++) {
        if ((i >> j) & 1) {
            fq_mul(r, r, &z[j]);
        } else {
            fq_sub(&t, &FQ_ONE, &z[j]);
            fq_mul(r, r, &t);
        }
    }
}

UNIT_TEST(mle_eq_table_definition)
{
    fq_t z[MLE_TEST_MAX_VARS], table[1 << MLE_TEST_MAX_VARS], want, sum;
    unsigned k, j;
    size_t i;

    memset(z, 0, sizeof z);
    for (k = 0; k <= MLE_TEST_MAX_VARS; k++) {
        for (j = 0; j < k; j++)
            unit_random_fq(&z[j]);
        mle_eq_table(table, z, k);
        fq_set_zero(&sum);
        for (i = 0; i < ((size_t)1 << k); i++) {
            eq_at(&want, z, k, i);
            CHECK(fq_eq(&table[i], &want));
            fq_add(&sum, &sum, &table[i]);
        }
        CHECK(fq_eq(&sum, &FQ_ONE));    /* sum over the hypercube of eq is 1 */
    }
}

UNIT_TEST(mle_eval_matches_eq_table)
{
    fq_t f[1 << MLE_TEST_MAX_VARS], z[MLE_TEST_MAX_VARS], table[1 << MLE_TEST_MAX_VARS];
    fq_t r, want, t;
    unsigned k, j;
    size_t i;

    for (k = 0; k <= MLE_TEST_MAX_VARS; k++) {
        for (i = 0; i < ((size_t)1 << k); i++)
            unit_random_fq(&f[i]);
        for (j = 0; j < k; j++)
            unit_random_fq(&z[j]);
        mle_eq_table(table, z, k);
        fq_set_zero(&want);
        for (i = 0; i < ((size_t)1 << k); i++) {
            fq_mul(&t, &f[i], &table[i]);
            fq_add(&want, &want, &t);
        }
        mle_eval(&r, f, k, z);
        CHECK(fq_eq(&r, &want));
    }
}

UNIT_TEST(mle_eval_on_hypercube_and_kat)
{
    static const uint64_t vals[8] = {3, 1, 4, 1, 5, 9, 2, 6};
    fq_t f[8], z[3], r, want;
    size_t i;
    unsigned j;

    for (i = 0; i < 8; i++)
        fq_set_u64(&f[i], vals[i]);
    /* at a Boolean point, LSB-first: z_j = bit j-1 of i */
    for (i = 0; i < 8; i++) {
        for (j = 0; j < 3; j++)
            fq_set_u64(&z[j], (i >> j) & 1);
        mle_eval(&r, f, 3, z);
        CHECK(fq_eq(&r, &f[i]));
    }
    fq_set_u64(&z[0], 7);
    fq_set_u64(&z[1], 11);
    fq_set_u64(&z[2], 13);
    mle_eval(&r, f, 3, z);
    fq_set_u64(&want, 924);
    CHECK(fq_eq(&r, &want));
}

/* mle_eval_i64 of integers (small, negative, beyond the small table, the ends of int64)
 * equals mle_eval of the same values as field elements, at every size up to 2^10. */
UNIT_TEST(mle_eval_i64_matches_mle_eval)
{
    static const int64_t edges[] = {0, 1, -1, 255, -255, 256, -256, INT64_MAX, INT64_MIN};
    int64_t ints[1 << MLE_TEST_MAX_VARS];
    fq_t f[1 << MLE_TEST_MAX_VARS], z[MLE_TEST_MAX_VARS], r, want;
    unsigned k, j;
    size_t i;

    for (k = 0; k <= MLE_TEST_MAX_VARS; k++) {
        for (i = 0; i < ((size_t)1 << k); i++) {
            ints[i] = i % 3 == 0 ? edges[unit_rand64() % (sizeof edges / sizeof edges[0])]
                                 : (int64_t)unit_rand64() >> (unit_rand64() % 64);
            fq_set_i64(&f[i], ints[i]);
        }
        for (j = 0; j < k; j++)
            unit_random_fq(&z[j]);
        mle_eval(&want, f, k, z);
        mle_eval_i64(&r, ints, k, z);
        CHECKF(fq_eq(&r, &want), "k = %u", k);
    }
}

/*
 * Tables large enough to be split over the threads (mle.c: from 2^15 entries) give the
 * same EqTable and the same values on 1, 2 and 3 threads, and those values are <f, T>
 * with T from the definition (eq_at).
 */
UNIT_TEST(mle_large_tables_same_on_any_thread_count)
{
    enum { K = 16 };
    static fq_t f[1 << K], T[1 << K], T1[1 << K];
    static int64_t ints[1 << K];
    int saved = zkml_threads(), th;
    fq_t z[K], want, want_i, r, t;
    size_t i;

    for (i = 0; i < ((size_t)1 << K); i++) {
        ints[i] = (int64_t)unit_rand64() >> (unit_rand64() % 64);
        unit_random_fq(&f[i]);
    }
    for (i = 0; i < K; i++)
        unit_random_fq(&z[i]);
    fq_set_zero(&want);
    fq_set_zero(&want_i);
    for (i = 0; i < ((size_t)1 << K); i++) {
        eq_at(&T1[i], z, K, i);
        fq_mul(&t, &f[i], &T1[i]);
        fq_add(&want, &want, &t);
        fq_set_i64(&t, ints[i]);
        fq_mul(&t, &t, &T1[i]);
        fq_add(&want_i, &want_i, &t);
    }
    for (th = 1; th <= 3; th++) {
        zkml_set_threads(th);
        mle_eq_table(T, z, K);
        for (i = 0; i < ((size_t)1 << K) && fq_eq(&T[i], &T1[i]); i++)
            ;
        CHECKF(i == ((size_t)1 << K), "EqTable entry %zu, %d threads", i, th);
        mle_eval(&r, f, K, z);
        CHECKF(fq_eq(&r, &want), "mle_eval, %d threads", th);
        mle_eval_i64(&r, ints, K, z);
        CHECKF(fq_eq(&r, &want_i), "mle_eval_i64, %d threads", th);
    }
    zkml_set_threads(saved);
}
