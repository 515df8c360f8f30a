/*
 * mle.c: EqTable and multilinear evaluation (docs/protocol.md 0).
 */
#include <stddef.h>

#include "mle.h"
#include "runtime.h"

/* Blocks of a parallel evaluation: at most 2^MLE_MAX_SPLIT. */
#define MLE_MAX_SPLIT 6

void
mle_eq_table(fq_t *out, const fq_t *z, unsigned k)
{
    mle_eq_table_scaled(out, z, k, &FQ_ONE);
}

void
mle_eq_table_scaled(fq_t *out, const fq_t *z, unsigned k, const fq_t *scale)
{
    size_t half;
    unsigned j;

    out[0] = *scale;
    for (j = 0; j < k; j++) {
        ptrdiff_t i;

        half = (size_t)1 << j;
        /* Entries with bit j set take z_{j+1}, the others 1 - z_{j+1}. */
#pragma omp parallel for schedule(static) num_threads(zkml_threads()) \
    if (half >= ZKML_PARALLEL_MIN)
        for (i = 0; i < (ptrdiff_t)half; i++) {
            fq_mul(&out[half + i], &out[i], &z[j]);
            fq_sub(&out[i], &out[i], &out[half + i]);
        }
    }
}

/*
 * mle_eval's step, entry i of value v: fold pairs as they complete.  partial[j] holds
 * the value of a finished left block of 2^j entries, already folded over x_1 .. x_j,
 * waiting for its right sibling.
 */
static inline void
mle_eval_push(fq_t *partial, size_t i, fq_t v, const fq_t *z)
{
    fq_t d;
    unsigned j;

    for (j = 0; (i >> j) & 1; j++) {
        fq_sub(&d, &v, &partial[j]);
        fq_mul(&d, &d, &z[j]);
        fq_add(&v, &partial[j], &d);
    }
    partial[j] = v;
}

static void
eval_serial(fq_t *r, const fq_t *f, unsigned k, const fq_t *z)
{
    fq_t partial[MLE_MAX_VARS + 1];
    size_t n = (size_t)1 << k, i;

    for (i = 0; i < n; i++)
        mle_eval_push(partial, i, f[i], z);
    *r = partial[k];
}

/*
 * A large table on the threads: 2^s blocks of 2^(k-s) entries, each evaluated over
 * z_1 .. z_(k-s) (the block's own index bits), then the 2^s values over the rest.  s = 0
 * when the table is small or there is one thread.
 */
static unsigned
eval_split(unsigned k)
{
    unsigned s = 0;

    if (((size_t)1 << k) < 4 * (size_t)ZKML_PARALLEL_MIN)
        return 0;
    while (s < MLE_MAX_SPLIT && s + 13 < k && ((int)1 << s) < zkml_threads())
        s++;
    return s;
}

void
mle_eval(fq_t *r, const fq_t *f, unsigned k, const fq_t *z)
{
    fq_t part[(size_t)1 << MLE_MAX_SPLIT];
    unsigned s = eval_split(k);
    ptrdiff_t b;

    if (s == 0) {
        eval_serial(r, f, k, z);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(zkml_threads())
    for (b = 0; b < ((ptrdiff_t)1 << s); b++)
        eval_serial(&part[b], f + ((size_t)b << (k - s)), k - s, z);
    eval_serial(r, part, s, z + (k - s));
}

/*
 * The integers are read as Montgomery limbs as they are (v stands for v·R^-1; a negative
 * v for q - |v|), with no conversion each: the MLE is linear, so the result stands for
 * MLE(f)(z)·R^-1, and one product with R^2 at the end makes it MLE(f)(z).
 */
static void
eval_i64_raw(fq_t *r, const int64_t *f, unsigned k, const fq_t *z)
{
    fq_t partial[MLE_MAX_VARS + 1], v;
    size_t n = (size_t)1 << k, i;

    for (i = 0; i < n; i++) {
        uint64_t m = f[i] < 0 ? -(uint64_t)f[i] : (uint64_t)f[i];

        v.l[0] = m;
        v.l[1] = v.l[2] = v.l[3] = 0;
        if (f[i] < 0)
            fq_neg(&v, &v);
        mle_eval_push(partial, i, v, z);
    }
    *r = partial[k];
}

void
mle_eval_i64(fq_t *r, const int64_t *f, unsigned k, const fq_t *z)
{
    fq_t part[(size_t)1 << MLE_MAX_SPLIT], raw;
    unsigned s = eval_split(k);
    ptrdiff_t b;

    if (s == 0) {
        eval_i64_raw(&raw, f, k, z);
    } else {
#pragma omp parallel for schedule(static) num_threads(zkml_threads())
        for (b = 0; b < ((ptrdiff_t)1 << s); b++)
            eval_i64_raw(&part[b], f + ((size_t)b << (k - s)), k - s, z);
        eval_serial(&raw, part, s, z + (k - s));   /* linear: still raw */
    }
    fq_mul(r, &raw, &FQ_R2);
}

/* In place: entry i is written after entries 2i and 2i+1 (both >= i) were read. */
void
mle_fold(fq_t *f, unsigned k, const fq_t *r)
{
    size_t half = (size_t)1 << (k - 1), i;
    fq_t d;

    for (i = 0; i < half; i++) {
        fq_sub(&d, &f[2 * i + 1], &f[2 * i]);
        fq_mul(&d, &d, r);
        fq_add(&f[i], &f[2 * i], &d);
    }
}

void
mle_sum(fq_t *r, const fq_t *f, unsigned k)
{
    size_t n = (size_t)1 << k, i;
    fq_t acc;

    fq_set_zero(&acc);
    for (i = 0; i < n; i++)
        fq_add(&acc, &acc, &f[i]);
    *r = acc;
}
