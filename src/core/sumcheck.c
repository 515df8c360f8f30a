/*
 * sumcheck.c: the masked, batched, zero-knowledge sumcheck (docs/protocol.md 5).
 *
 * Prover layout.  The round polynomial of an instance is a sum over pairs
 * (f[2i], f[2i+1]) of its tables; its value at X = 0..D follows by differences
 * (f(X+1) = f(X) + f[2i+1] - f[2i]).  The fold with r_{j-1} is fused into the
 * evaluation of round j: each quad f[4i..4i+3] is folded into f[2i], f[2i+1] and that
 * new pair is evaluated at once, so each table is streamed once per round.  Instances
 * that are a single product of 2 or 3 distinct tables (MM, S2) take such fused
 * kernels; any other shape folds a small chunk of pairs, then sums term by term over
 * it while it is in L1.
 *
 * For threads, a table is cut into 2^b aligned blocks of equal size.  Folding the
 * lowest variable never mixes blocks, so each block folds in place inside its own
 * range (entry i written after entries 2i, 2i+1 of the same block were read) and the
 * blocks run in parallel without touching each other; block b keeps its live entries
 * at the start of its range.  When blocks get small they are moved together (a few
 * entries) and the rest runs as one block.  Per-block sums are combined in block
 * order; field addition is exact, so the result does not depend on the thread count.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "mle.h"
#include "sumcheck.h"
#include "runtime.h"

#define SC_INIT_BLOCK 2048      /* a table is split into blocks of at least this */
#define SC_MAX_BLOCKS 128
#define SC_MIN_BLOCK 64         /* blocks smaller than this are merged */
#define SC_PARALLEL_MIN ZKML_PARALLEL_MIN     /* smaller rounds run on one thread */

#define SC_POINTS (SUMCHECK_MAX_DEGREE + 1)

typedef struct {
    sumcheck_instance *in;
    size_t len;                 /* live entries per table */
    size_t nblocks, stride;     /* block b starts at b·stride, holds len/nblocks */
    size_t live;                /* blocks b >= live are zero in every table, for good */
    unsigned first_round;       /* j0 = n - n_k + 1: the first round it is active */
    unsigned product;           /* 2 or 3: F = coef·T_a·T_b(·T_c), all tables distinct */
    fq_t *ptab[SUMCHECK_MAX_DEGREE];    /* those tables in factor order */
    fq_t first[SC_POINTS];      /* its round-j0 polynomial at X = 0..D */
    fq_t sum;                   /* sum_x F_k(x) */
} sc_instance;

struct sumcheck_prover {
    unsigned n, degree;
    unsigned round;             /* messages sent so far */
    int bound;                  /* the last message has its challenge */
    int threads;
    fq_t rho, claim, last_r;
    fq_t msg[SUMCHECK_MAX_DEGREE];
    fq_t inv2, inv6;
    fq_t pow2[SUMCHECK_MAX_ROUNDS + 1];
    fq_t *g;                    /* mask segment copy, n·(D+1) (secret) */
    fq_t *suffix;               /* suffix[m] = sum_{i >= m} (g_i(0) + g_i(1)), 0-based */
    fq_t prefix;                /* sum_{i < j} g_i(r_i) */
    size_t n_inst;
    sc_instance *inst;
    fq_t *acc;                  /* per-block partial sums (secret) */
    size_t acc_len;
};

/* ---- small helpers ---- */

size_t
sumcheck_message_count(unsigned n, unsigned degree)
{
    return (size_t)n * degree;
}

size_t
sumcheck_mask_count(unsigned n, unsigned degree)
{
    return (size_t)n * (degree + 1);
}

static int
degree_ok(unsigned degree)
{
    return degree == 2 || degree == 3;
}

#define SC_LABEL_LEN (SUMCHECK_MAX_LABEL + 8)

/* "<prefix>/<suffix>" into out[SC_LABEL_LEN]; -1 if the prefix is too long */
static int
make_label(char *out, const char *prefix, const char *suffix)
{
    size_t lp, ls = strlen(suffix);

    if (prefix == NULL || ls > 6)
        return -1;
    lp = strnlen(prefix, SUMCHECK_MAX_LABEL + 1);
    if (lp > SUMCHECK_MAX_LABEL)
        return -1;
    memcpy(out, prefix, lp);
    out[lp] = '/';
    memcpy(out + lp + 1, suffix, ls + 1);
    return 0;
}

typedef struct {
    char T[SC_LABEL_LEN], round[SC_LABEL_LEN], r[SC_LABEL_LEN];
} sc_labels;

static int
make_labels(sc_labels *l, const char *prefix)
{
    if (make_label(l->T, prefix, "T") != 0 || make_label(l->round, prefix, "round") != 0 ||
        make_label(l->r, prefix, "r") != 0)
        return -1;
    return 0;
}

/* g(x) = sum_e g[e]·x^e for a polynomial of the given degree */
static void
poly_eval(fq_t *out, const fq_t *g, unsigned degree, const fq_t *x)
{
    fq_t acc = g[degree];
    unsigned e;

    for (e = degree; e-- > 0;) {
        fq_mul(&acc, &acc, x);
        fq_add(&acc, &acc, &g[e]);
    }
    *out = acc;
}

void
sumcheck_next_claim(fq_t *next, unsigned degree, const fq_t *claim, const fq_t *msg,
                    const fq_t *r)
{
    fq_t c[SC_POINTS];
    unsigned e;

    if (!degree_ok(degree)) {       /* never read past a message of unknown size */
        fq_set_zero(next);
        return;
    }
    /* c1 = e_{j-1} - 2c0 - sum_{e>=2} c_e, so that s(0) + s(1) = e_{j-1} */
    c[0] = msg[0];
    fq_dbl(&c[1], &msg[0]);
    fq_sub(&c[1], claim, &c[1]);
    for (e = 2; e <= degree; e++) {
        c[e] = msg[e - 1];
        fq_sub(&c[1], &c[1], &c[e]);
    }
    poly_eval(next, c, degree, r);
}

/* ---- instances ---- */

void
sumcheck_instance_init(sumcheck_instance *in, unsigned n_vars)
{
    memset(in, 0, sizeof *in);
    in->n_vars = n_vars;
}

int
sumcheck_instance_table(sumcheck_instance *in, fq_t *table)
{
    if (in->n_tables >= SUMCHECK_MAX_TABLES || table == NULL)
        return -1;
    in->tables[in->n_tables] = table;
    return (int)in->n_tables++;
}

int
sumcheck_instance_defer(sumcheck_instance *in, unsigned n_tables, const fq_t *first,
                        unsigned n_first, sumcheck_tables_fn make, void *arg)
{
    if (in->n_tables != 0 || n_tables < 1 || n_tables > SUMCHECK_MAX_TABLES ||
        n_first < 3 || n_first > SUMCHECK_MAX_DEGREE + 1 || make == NULL || in->n_vars < 1)
        return -1;
    in->n_tables = n_tables;
    in->make = make;
    in->make_arg = arg;
    in->n_first = n_first;
    memcpy(in->first, first, n_first * sizeof(fq_t));
    return 0;
}

int
sumcheck_instance_term(sumcheck_instance *in, const fq_t *coef, unsigned n_factors,
                       const unsigned *factors)
{
    sumcheck_term *tm;
    unsigned f;

    if (in->n_terms >= SUMCHECK_MAX_TERMS || n_factors < 1 ||
        n_factors > SUMCHECK_MAX_DEGREE)
        return -1;
    tm = &in->terms[in->n_terms];
    memset(tm, 0, sizeof *tm);
    tm->coef = *coef;
    tm->n_factors = n_factors;
    for (f = 0; f < n_factors; f++)
        tm->factor[f] = factors[f];
    in->n_terms++;
    return 0;
}

void
sumcheck_instance_value(fq_t *out, const sumcheck_instance *in, const fq_t *values)
{
    fq_t acc, p;
    unsigned k, f;

    fq_set_zero(&acc);
    for (k = 0; k < in->n_terms; k++) {
        const sumcheck_term *tm = &in->terms[k];

        p = values[tm->factor[0]];
        for (f = 1; f < tm->n_factors; f++)
            fq_mul(&p, &p, &values[tm->factor[f]]);
        fq_mul(&p, &p, &tm->coef);
        fq_add(&acc, &acc, &p);
    }
    *out = acc;
}

/* Well formed for a sumcheck of n rounds and this degree. */
static int
instance_ok(const sumcheck_instance *in, unsigned n, unsigned degree)
{
    unsigned k, f;

    if (in->n_vars > n || in->n_tables > SUMCHECK_MAX_TABLES ||
        in->n_terms > SUMCHECK_MAX_TERMS)
        return 0;
    if (in->make != NULL && in->n_first != degree + 1)
        return 0;
    for (k = 0; in->make == NULL && k < in->n_tables; k++)
        if (in->tables[k] == NULL)
            return 0;
    for (k = 0; k < in->n_terms; k++) {
        const sumcheck_term *tm = &in->terms[k];

        if (tm->n_factors < 1 || tm->n_factors > degree)
            return 0;
        for (f = 0; f < tm->n_factors; f++)
            if (tm->factor[f] >= in->n_tables)
                return 0;
    }
    return 1;
}

/*
 * 2 or 3 if the instance is one term coef·T_a·T_b(·T_c) over exactly its tables, each
 * once (then tab gets them in factor order); 0 otherwise.
 */
static unsigned
product_shape(const sumcheck_instance *in, fq_t **tab)
{
    const sumcheck_term *tm = &in->terms[0];
    unsigned seen = 0, f;

    if (in->n_terms != 1 || tm->n_factors < 2 || tm->n_factors != in->n_tables)
        return 0;
    for (f = 0; f < tm->n_factors; f++) {
        if (seen & (1u << tm->factor[f]))
            return 0;
        seen |= 1u << tm->factor[f];
        tab[f] = in->tables[tm->factor[f]];
    }
    return tm->n_factors;
}

/* ---- the evaluation kernels ---- */

/*
 * General kernels.  A block is processed in sub-chunks of SC_CHUNK pairs that stay in
 * L1: first each table's quads are folded in place, then each term is summed in its
 * own pass over the sub-chunk, reading its factors' pairs directly and computing their
 * values at X = 0..D in locals (a term of one factor needs only the sums of f[2i] and
 * of f[2i+1]).  An earlier design that staged the values at every X in a buffer
 * shared by all terms measured 1.3 to 1.6 times slower, the factor depending on where
 * the buffer and the tables lay.  The factor count, the degree and the X = 1 switch
 * are parameters of always_inline functions, instantiated for each constant value.
 */
#define SC_CHUNK 128
#define SC_INLINE static inline __attribute__((always_inline))

/*
 * The kernels call the field operations out of line.  Inlined, the 4-limb code of
 * every multiplication of a kernel lands in one loop body that spills most of its
 * values, and its speed then swings by up to 1.8 times with the placement of the
 * stack and the tables (it differs from run to run under address randomisation);
 * out of line it is steady and, measured on the A·B·C and LogUp-shaped instances,
 * faster.
 */
static __attribute__((noinline)) void
sc_mul(fq_t *r, const fq_t *a, const fq_t *b)
{
    fq_mul(r, a, b);
}

static __attribute__((noinline)) void
sc_add(fq_t *r, const fq_t *a, const fq_t *b)
{
    fq_add(r, a, b);
}

static __attribute__((noinline)) void
sc_sub(fq_t *r, const fq_t *a, const fq_t *b)
{
    fq_sub(r, a, b);
}

/*
 * acc[X] += sum_{i < m} prod_f line(f[f] + 2i) at X, for X = 0..D (X = 1 only when
 * with_one), nf = 2 or 3 factors (tables may repeat).
 */
SC_INLINE void
term_sums_k(fq_t *acc, fq_t *const *f, const unsigned nf, const unsigned degree,
            const int with_one, size_t m)
{
    fq_t v[SUMCHECK_MAX_DEGREE][SC_POINTS], sum[SC_POINTS], p, d;
    size_t i;
    unsigned t, X;

    for (X = 0; X <= degree; X++)
        sum[X] = acc[X];
    for (i = 0; i < m; i++) {
        for (t = 0; t < nf; t++) {
            const fq_t *e = f[t] + 2 * i;

            v[t][0] = e[0];
            v[t][1] = e[1];
            sc_sub(&d, &e[1], &e[0]);
            sc_add(&v[t][2], &e[1], &d);
            if (degree == 3)
                sc_add(&v[t][3], &v[t][2], &d);
        }
        for (X = 0; X <= degree; X++) {
            if (X == 1 && !with_one)
                continue;
            sc_mul(&p, &v[0][X], &v[1][X]);
            if (nf == 3)
                sc_mul(&p, &p, &v[2][X]);
            sc_add(&sum[X], &sum[X], &p);
        }
    }
    for (X = 0; X <= degree; X++)
        acc[X] = sum[X];
}

/* A single factor is linear: sum line(X) = S0 + X·(S1 - S0) from the two sums. */
static void
term_sums_linear(fq_t *acc, const fq_t *f, unsigned degree, int with_one, size_t m)
{
    fq_t s0, s1, d, x;
    size_t i;
    unsigned X;

    fq_set_zero(&s0);
    fq_set_zero(&s1);
    for (i = 0; i < m; i++) {
        sc_add(&s0, &s0, &f[2 * i]);
        sc_add(&s1, &s1, &f[2 * i + 1]);
    }
    sc_sub(&d, &s1, &s0);
    for (X = 0; X <= degree; X++) {
        if (X == 1 && !with_one)
            continue;
        fq_set_u64(&x, X);
        sc_mul(&x, &x, &d);
        sc_add(&x, &x, &s0);
        sc_add(&acc[X], &acc[X], &x);
    }
}

static void
term_sums(fq_t *acc, fq_t *const *f, unsigned nf, unsigned degree, int with_one, size_t m)
{
    if (nf == 1)
        term_sums_linear(acc, f[0], degree, with_one, m);
    else if (degree == 3 && nf == 3 && with_one)
        term_sums_k(acc, f, 3, 3, 1, m);
    else if (degree == 3 && nf == 3)
        term_sums_k(acc, f, 3, 3, 0, m);
    else if (degree == 3 && with_one)
        term_sums_k(acc, f, 2, 3, 1, m);
    else if (degree == 3)
        term_sums_k(acc, f, 2, 3, 0, m);
    else if (with_one)
        term_sums_k(acc, f, 2, 2, 1, m);
    else
        term_sums_k(acc, f, 2, 2, 0, m);
}

/* acc[k·(D+1) + X] += term k's sums over m pairs starting at pair p0 of the block */
static void
chunk_terms(const sumcheck_instance *in, size_t base, size_t p0, size_t m,
            unsigned degree, int with_one, fq_t *acc)
{
    fq_t *f[SUMCHECK_MAX_DEGREE];
    unsigned k, j;

    for (k = 0; k < in->n_terms; k++) {
        const sumcheck_term *tm = &in->terms[k];

        for (j = 0; j < tm->n_factors; j++)
            f[j] = in->tables[tm->factor[j]] + base + 2 * p0;
        term_sums(&acc[k * (degree + 1)], f, tm->n_factors, degree, with_one, m);
    }
}

/* Block b: sums over its pairs, no fold.  (Kept out of line, see block_eval.) */
static __attribute__((noinline)) void
block_eval_general(const sc_instance *s, unsigned degree, size_t b, int with_one,
                   fq_t *acc)
{
    size_t base = b * s->stride, npairs = s->len / s->nblocks / 2, i0, m;

    memset(acc, 0, (size_t)s->in->n_terms * (degree + 1) * sizeof(fq_t));
    for (i0 = 0; i0 < npairs; i0 += m) {
        m = npairs - i0 < SC_CHUNK ? npairs - i0 : SC_CHUNK;
        chunk_terms(s->in, base, i0, m, degree, with_one, acc);
    }
}

/* Block b: fold with r (quad 4i..4i+3 -> pair 2i, 2i+1), then sum over the new pairs. */
static __attribute__((noinline)) void
block_fold_eval_general(const sc_instance *s, unsigned degree, size_t b, const fq_t *r,
                        fq_t *acc)
{
    size_t base = b * s->stride, nquads = s->len / s->nblocks / 4, i0, i, m;
    fq_t lo, hi, d;
    unsigned t;

    memset(acc, 0, (size_t)s->in->n_terms * (degree + 1) * sizeof(fq_t));
    for (i0 = 0; i0 < nquads; i0 += m) {
        m = nquads - i0 < SC_CHUNK ? nquads - i0 : SC_CHUNK;
        for (t = 0; t < s->in->n_tables; t++) {
            fq_t *f = s->in->tables[t] + base;

            for (i = i0; i < i0 + m; i++) {
                sc_sub(&d, &f[4 * i + 1], &f[4 * i]);
                sc_mul(&d, &d, r);
                sc_add(&lo, &f[4 * i], &d);
                sc_sub(&d, &f[4 * i + 3], &f[4 * i + 2]);
                sc_mul(&d, &d, r);
                sc_add(&hi, &f[4 * i + 2], &d);
                f[2 * i] = lo;
                f[2 * i + 1] = hi;
            }
        }
        chunk_terms(s->in, base, i0, m, degree, 0, acc);
    }
}

/*
 * The common shape "one term, a product of 2 or 3 distinct tables" (MM, S2, the
 * benchmark's A·B·C) has kernels with the fold fused into the evaluation: per quad,
 * fold, line values and products stay in locals.  acc[X] as for term 0 above.
 */
SC_INLINE void
product_eval_k(fq_t *const *tab, const unsigned nf, const unsigned degree, size_t base,
               size_t npairs, fq_t *acc)
{
    fq_t v[SUMCHECK_MAX_DEGREE][SC_POINTS], sum[SC_POINTS], p, d;
    const fq_t *g[SUMCHECK_MAX_DEGREE];
    size_t i;
    unsigned t, X;

    /* local copies: stores elsewhere cannot be taken to change them */
    for (t = 0; t < nf; t++)
        g[t] = tab[t] + base;
    for (X = 0; X <= degree; X++)
        fq_set_zero(&sum[X]);
    for (i = 0; i < npairs; i++) {
        for (t = 0; t < nf; t++) {
            const fq_t *f = g[t] + 2 * i;

            v[t][0] = f[0];
            v[t][1] = f[1];
            sc_sub(&d, &f[1], &f[0]);
            sc_add(&v[t][2], &f[1], &d);
            if (degree == 3)
                sc_add(&v[t][3], &v[t][2], &d);
        }
        for (X = 0; X <= degree; X++) {
            sc_mul(&p, &v[0][X], &v[1][X]);
            if (nf == 3)
                sc_mul(&p, &p, &v[2][X]);
            sc_add(&sum[X], &sum[X], &p);
        }
    }
    for (X = 0; X <= degree; X++)
        acc[X] = sum[X];
}

SC_INLINE void
product_fold_eval_k(fq_t *const *tab, const unsigned nf, const unsigned degree,
                    size_t base, size_t nquads, const fq_t *r, fq_t *acc)
{
    fq_t v[SUMCHECK_MAX_DEGREE][SC_POINTS], sum[SC_POINTS], lo, hi, p, d, rr = *r;
    fq_t *g[SUMCHECK_MAX_DEGREE];
    size_t i;
    unsigned t, X;

    /* local copies: stores into the tables cannot be taken to change them */
    for (t = 0; t < nf; t++)
        g[t] = tab[t] + base;
    for (X = 0; X <= degree; X++)
        fq_set_zero(&sum[X]);
    for (i = 0; i < nquads; i++) {
        for (t = 0; t < nf; t++) {
            fq_t *f = g[t];

            sc_sub(&d, &f[4 * i + 1], &f[4 * i]);
            sc_mul(&d, &d, &rr);
            sc_add(&lo, &f[4 * i], &d);
            sc_sub(&d, &f[4 * i + 3], &f[4 * i + 2]);
            sc_mul(&d, &d, &rr);
            sc_add(&hi, &f[4 * i + 2], &d);
            f[2 * i] = lo;
            f[2 * i + 1] = hi;
            v[t][0] = lo;
            sc_sub(&d, &hi, &lo);
            sc_add(&v[t][2], &hi, &d);
            if (degree == 3)
                sc_add(&v[t][3], &v[t][2], &d);
        }
        for (X = 0; X <= degree; X++) {
            if (X == 1)
                continue;
            sc_mul(&p, &v[0][X], &v[1][X]);
            if (nf == 3)
                sc_mul(&p, &p, &v[2][X]);
            sc_add(&sum[X], &sum[X], &p);
        }
    }
    fq_set_zero(&acc[1]);
    for (X = 0; X <= degree; X++)
        if (X != 1)
            acc[X] = sum[X];
}

/*
 * Block b of an instance, no fold: the sums for X = 0..D (X = 1 only when with_one).
 * The general kernels stay out of line so that the product kernels inlined here get
 * the registers and stack frame to themselves.
 */
static void
block_eval(const sc_instance *s, unsigned degree, size_t b, int with_one, fq_t *acc)
{
    size_t base = b * s->stride, npairs = s->len / s->nblocks / 2;

    if (s->product == 3 && degree == 3)
        product_eval_k(s->ptab, 3, 3, base, npairs, acc);
    else if (s->product == 2 && degree == 3)
        product_eval_k(s->ptab, 2, 3, base, npairs, acc);
    else if (s->product == 2)
        product_eval_k(s->ptab, 2, 2, base, npairs, acc);
    else
        block_eval_general(s, degree, b, with_one, acc);
}

/* Block b: fold with r, then the sums for X = 0, 2..D of the next round. */
static void
block_fold_eval(const sc_instance *s, unsigned degree, size_t b, const fq_t *r, fq_t *acc)
{
    size_t base = b * s->stride, nquads = s->len / s->nblocks / 4;

    if (s->product == 3 && degree == 3)
        product_fold_eval_k(s->ptab, 3, 3, base, nquads, r, acc);
    else if (s->product == 2 && degree == 3)
        product_fold_eval_k(s->ptab, 2, 3, base, nquads, r, acc);
    else if (s->product == 2)
        product_fold_eval_k(s->ptab, 2, 2, base, nquads, r, acc);
    else
        block_fold_eval_general(s, degree, b, r, acc);
}

/* Move the live entries of every block together: one block from here on. */
static void
merge_blocks(sc_instance *s)
{
    size_t bl = s->len / s->nblocks, b;
    unsigned t;

    /* block b moves down to b·bl <= b·stride; lower blocks are already in place */
    for (t = 0; t < s->in->n_tables; t++)
        for (b = 1; b < s->nblocks; b++)
            memmove(s->in->tables[t] + b * bl, s->in->tables[t] + b * s->stride,
                    bl * sizeof(fq_t));
    s->nblocks = 1;
    s->stride = s->len;
    s->live = 1;
}

/*
 * One round of an active instance: optionally fold with r first, then out[X] =
 * s_{j,k}(X) for X = 0..D (X = 1 only when with_one).
 */
static void
instance_round(struct sumcheck_prover *sp, sc_instance *s, const fq_t *r, int with_one,
               fq_t *out)
{
    const sumcheck_instance *in = s->in;
    unsigned D = sp->degree, k, X;
    size_t stride = (size_t)in->n_terms * (D + 1), nb, b;
    fq_t tot, p;

    if (s->nblocks > 1 && s->len / s->nblocks < SC_MIN_BLOCK)
        merge_blocks(s);
    /* a zero block folds to zeros in place and adds nothing: skip it */
    nb = s->live < s->nblocks ? s->live : s->nblocks;
    if (nb == 0)
        memset(sp->acc, 0, stride * sizeof(fq_t));
#pragma omp parallel for schedule(static) num_threads(sp->threads) \
    if (nb > 1 && s->len >= SC_PARALLEL_MIN)
    for (b = 0; b < nb; b++) {
        /* an interrupted round is discarded by sumcheck_prove: its sums may be partial */
        if (zkml_interrupted_in_region())
            continue;
        if (r != NULL)
            block_fold_eval(s, D, b, r, sp->acc + b * stride);
        else
            block_eval(s, D, b, with_one, sp->acc + b * stride);
    }
    if (r != NULL)
        s->len /= 2;
    if (nb == 0)
        nb = 1;
    for (X = 0; X <= D; X++)
        fq_set_zero(&out[X]);
    for (k = 0; k < in->n_terms; k++)
        for (X = 0; X <= D; X++) {
            if (X == 1 && !with_one)
                continue;
            tot = sp->acc[k * (D + 1) + X];
            for (b = 1; b < nb; b++)
                fq_add(&tot, &tot, &sp->acc[b * stride + k * (D + 1) + X]);
            fq_mul(&p, &tot, &in->terms[k].coef);
            fq_add(&out[X], &out[X], &p);
        }
    explicit_bzero(&tot, sizeof tot);
    explicit_bzero(&p, sizeof p);
}

/* The last fold (2 entries -> 1): tables[t][0] becomes the final. */
static void
instance_final_fold(sc_instance *s, const fq_t *r)
{
    unsigned t;

    if (s->nblocks > 1)
        merge_blocks(s);
    for (t = 0; t < s->in->n_tables; t++)
        mle_fold(s->in->tables[t], 1, r);
    s->len = 1;
}

/* ---- the prover ---- */

/*
 * Blocks up to the last that holds a nonzero entry of some table.  Witness polynomials
 * end in zero padding (up to half of a column or of P1 and P2), and a product with a
 * zero factor stays zero through every fold.
 */
static size_t
live_blocks(const sc_instance *s)
{
    size_t last = 0, i;
    unsigned t;

    for (t = 0; t < s->in->n_tables; t++) {
        const fq_t *f = s->in->tables[t];

        for (i = s->len; i > last && fq_is_zero(&f[i - 1]); i--)
            if ((i & 0xffff) == 0 && zkml_interrupted())
                return s->nblocks;      /* sumcheck_prove stops before its first round */
        if (i > last)
            last = i;
    }
    return (last + s->stride - 1) / s->stride;
}

/* Blocks of a table of len entries: as many as keep each at least SC_INIT_BLOCK pairs. */
static size_t
blocks_for(size_t len)
{
    size_t nb = 1;

    while (nb < SC_MAX_BLOCKS && len / (2 * nb) >= SC_INIT_BLOCK)
        nb *= 2;
    return nb;
}

/* The block layout of an instance whose tables (now there) hold len entries. */
static void
instance_layout(sc_instance *s, size_t len)
{
    s->len = len;
    s->product = product_shape(s->in, s->ptab);
    s->nblocks = blocks_for(len);
    s->stride = len / s->nblocks;
    s->live = live_blocks(s);
}

/* A deferred instance's tables, bound at its first round's challenge r: made now. */
static int
instance_make(sc_instance *s, const fq_t *r)
{
    sumcheck_instance *in = s->in;

    if (in->make(in->make_arg, r, in->tables) != 0)
        return -1;
    in->make = NULL;
    instance_layout(s, s->len / 2);
    return 0;
}

void
sumcheck_prover_free(sumcheck_prover *sp)
{
    if (sp == NULL)
        return;
    if (sp->g != NULL)
        explicit_bzero(sp->g, sumcheck_mask_count(sp->n, sp->degree) * sizeof(fq_t));
    if (sp->suffix != NULL)
        explicit_bzero(sp->suffix, (sp->n + 1) * sizeof(fq_t));
    if (sp->inst != NULL)
        explicit_bzero(sp->inst, sp->n_inst * sizeof(sc_instance));
    if (sp->acc != NULL)
        explicit_bzero(sp->acc, sp->acc_len * sizeof(fq_t));
    free(sp->g);
    free(sp->suffix);
    free(sp->inst);
    free(sp->acc);
    explicit_bzero(sp, sizeof *sp);
    free(sp);
}

int
sumcheck_prover_new(sumcheck_prover **out, unsigned n, unsigned degree,
                    const fq_t *rho, const fq_t *mask, sumcheck_instance *inst,
                    size_t n_inst, fq_t *T, fq_t *hidden_sum)
{
    sumcheck_prover *sp;
    size_t k, i, nmask, acc_len = 0;
    unsigned D = degree, e;
    fq_t H, gsum, t, two, six;

    *out = NULL;
    if (!degree_ok(degree) || n > SUMCHECK_MAX_ROUNDS)
        return -1;
    for (k = 0; k < n_inst; k++)
        if (!instance_ok(&inst[k], n, degree))
            return -1;
    sp = calloc(1, sizeof *sp);
    if (sp == NULL)
        return -1;
    sp->n = n;
    sp->degree = degree;
    sp->bound = 1;
    sp->threads = zkml_threads();
    sp->rho = *rho;
    sp->n_inst = n_inst;
    nmask = sumcheck_mask_count(n, degree);
    sp->g = malloc((nmask + 1) * sizeof(fq_t));
    sp->suffix = malloc((n + 1) * sizeof(fq_t));
    sp->inst = calloc(n_inst + 1, sizeof(sc_instance));
    if (sp->g == NULL || sp->suffix == NULL || sp->inst == NULL)
        goto fail;
    if (nmask > 0)
        memcpy(sp->g, mask, nmask * sizeof(fq_t));

    sp->pow2[0] = FQ_ONE;
    for (i = 1; i <= n; i++)
        fq_dbl(&sp->pow2[i], &sp->pow2[i - 1]);
    fq_set_u64(&two, 2);
    fq_set_u64(&six, 6);
    fq_inv(&sp->inv2, &two);
    fq_inv(&sp->inv6, &six);

    /* suffix[m] = sum_{i >= m} (g_i(0) + g_i(1)) = sum (2g_{i,0} + sum_{e>=1} g_{i,e}) */
    fq_set_zero(&sp->suffix[n]);
    for (i = n; i-- > 0;) {
        const fq_t *gi = sp->g + i * (D + 1);

        fq_dbl(&t, &gi[0]);
        for (e = 1; e <= D; e++)
            fq_add(&t, &t, &gi[e]);
        fq_add(&sp->suffix[i], &sp->suffix[i + 1], &t);
    }
    fq_set_zero(&sp->prefix);

    /* block layout and the scratch it needs (a deferred instance's: made later) */
    for (k = 0; k < n_inst; k++) {
        sc_instance *s = &sp->inst[k];
        size_t nb = blocks_for((size_t)1 << inst[k].n_vars);

        s->in = &inst[k];
        s->first_round = n - inst[k].n_vars + 1;
        s->len = (size_t)1 << inst[k].n_vars;
        if (inst[k].make == NULL)
            instance_layout(s, s->len);
        if (nb * inst[k].n_terms * (D + 1) > acc_len)
            acc_len = nb * inst[k].n_terms * (D + 1);
    }
    sp->acc_len = acc_len + 1;
    sp->acc = alloc_array_uninit(sp->acc_len, sizeof(fq_t));
    if (sp->acc == NULL)
        goto fail;

    /*
     * Each instance's first active round uses unfolded tables, so it is computed
     * now; its sum is s(0) + s(1).  H = sum_k 2^(n-n_k)·sum F_k.
     */
    fq_set_zero(&H);
    for (k = 0; k < n_inst; k++) {
        sc_instance *s = &sp->inst[k];

        if (inst[k].n_vars == 0) {
            fq_t vals[SUMCHECK_MAX_TABLES];
            unsigned tt;

            for (tt = 0; tt < inst[k].n_tables; tt++)
                vals[tt] = inst[k].tables[tt][0];
            sumcheck_instance_value(&s->sum, &inst[k], vals);
            explicit_bzero(vals, sizeof vals);
        } else if (inst[k].make != NULL) {
            memcpy(s->first, inst[k].first, (D + 1) * sizeof(fq_t));
            fq_add(&s->sum, &s->first[0], &s->first[1]);
        } else {
            instance_round(sp, s, NULL, 1, s->first);
            fq_add(&s->sum, &s->first[0], &s->first[1]);
        }
        fq_mul(&t, &s->sum, &sp->pow2[n - inst[k].n_vars]);
        fq_add(&H, &H, &t);
    }
    /* T = H + ρ·Gsum, Gsum = 2^(n-1)·sum_i (g_i(0) + g_i(1)) */
    fq_set_zero(&gsum);
    if (n > 0)
        fq_mul(&gsum, &sp->suffix[0], &sp->pow2[n - 1]);
    fq_mul(&t, &gsum, rho);
    fq_add(T, &H, &t);
    sp->claim = *T;
    if (hidden_sum != NULL)
        *hidden_sum = H;
    explicit_bzero(&H, sizeof H);
    explicit_bzero(&gsum, sizeof gsum);
    explicit_bzero(&t, sizeof t);
    *out = sp;
    return 0;
fail:
    sumcheck_prover_free(sp);
    return -1;
}

/* c[0..D]: the polynomial with values ev[0..D] at X = 0..D (docs/protocol.md 5, step 3) */
static void
interpolate(const sumcheck_prover *sp, fq_t *c, const fq_t *ev)
{
    fq_t t, u;

    c[0] = ev[0];
    if (sp->degree == 3) {
        /* c3 = (e3 - 3e2 + 3e1 - e0)/6 */
        fq_sub(&t, &ev[1], &ev[2]);
        fq_dbl(&u, &t);
        fq_add(&t, &t, &u);
        fq_add(&t, &t, &ev[3]);
        fq_sub(&t, &t, &ev[0]);
        fq_mul(&c[3], &t, &sp->inv6);
        /* c2 = (e2 - 2e1 + e0)/2 - 3c3 */
        fq_dbl(&u, &ev[1]);
        fq_sub(&t, &ev[2], &u);
        fq_add(&t, &t, &ev[0]);
        fq_mul(&c[2], &t, &sp->inv2);
        fq_dbl(&u, &c[3]);
        fq_add(&u, &u, &c[3]);
        fq_sub(&c[2], &c[2], &u);
        /* c1 = e1 - c0 - c2 - c3 */
        fq_sub(&c[1], &ev[1], &c[0]);
        fq_sub(&c[1], &c[1], &c[2]);
        fq_sub(&c[1], &c[1], &c[3]);
    } else {
        /* c2 = (e2 - 2e1 + e0)/2, c1 = e1 - e0 - c2 */
        fq_dbl(&u, &ev[1]);
        fq_sub(&t, &ev[2], &u);
        fq_add(&t, &t, &ev[0]);
        fq_mul(&c[2], &t, &sp->inv2);
        fq_sub(&c[1], &ev[1], &ev[0]);
        fq_sub(&c[1], &c[1], &c[2]);
    }
}

int
sumcheck_prover_new_external(sumcheck_prover **out, unsigned n, unsigned degree,
                             const fq_t *rho, const fq_t *mask, const fq_t *H, fq_t *T)
{
    if (sumcheck_prover_new(out, n, degree, rho, mask, NULL, 0, T, NULL) != 0)
        return -1;
    fq_add(T, T, H);
    (*out)->claim = *T;
    return 0;
}

/* Round j's message; ext, if not NULL, is the caller's own part s(X) at X = 0..D. */
static int
prover_round(sumcheck_prover *sp, const fq_t *ext, fq_t *msg)
{
    unsigned n = sp->n, D = sp->degree, j, X, e;
    fq_t S[SC_POINTS], ev[SC_POINTS], c[SC_POINTS], t, base, x, gx;
    size_t k;

    if (sp->round >= n || !sp->bound)
        return -1;
    j = sp->round + 1;
    for (X = 0; X <= D; X++)
        fq_set_zero(&S[X]);

    /* s_{j,k}: a constant before the instance is active, then sums over its tables */
    for (k = 0; k < sp->n_inst; k++) {
        sc_instance *s = &sp->inst[k];
        unsigned nk = s->in->n_vars;

        if (j < s->first_round) {
            fq_mul(&t, &s->sum, &sp->pow2[n - nk - j]);
            for (X = 0; X <= D; X++)
                fq_add(&S[X], &S[X], &t);
        } else if (j == s->first_round) {
            for (X = 0; X <= D; X++)
                fq_add(&S[X], &S[X], &s->first[X]);
        } else {
            const fq_t *fold = &sp->last_r;

            if (s->in->make != NULL) {      /* deferred: made bound at r_{j-1}, no fold */
                if (instance_make(s, fold) != 0)
                    return -1;
                fold = NULL;
            }
            instance_round(sp, s, fold, 0, ev);
            for (X = 0; X <= D; X++)
                fq_add(&S[X], &S[X], &ev[X]);
        }
    }

    if (ext != NULL)
        for (X = 0; X <= D; X++)
            fq_add(&S[X], &S[X], &ext[X]);

    /*
     * ρ·m_j(X), m_j(X) = 2^(n-j)·(sum_{i<j} g_i(r_i) + g_j(X))
     *                   + 2^(n-j-1)·sum_{i>j} (g_i(0) + g_i(1))   (absent for j = n)
     */
    fq_mul(&base, &sp->prefix, &sp->pow2[n - j]);
    if (j < n) {
        fq_mul(&t, &sp->suffix[j], &sp->pow2[n - j - 1]);
        fq_add(&base, &base, &t);
    }
    for (X = 0; X <= D; X++) {
        if (X == 1)
            continue;
        fq_set_u64(&x, X);
        poly_eval(&gx, sp->g + (size_t)(j - 1) * (D + 1), D, &x);
        fq_mul(&gx, &gx, &sp->pow2[n - j]);
        fq_add(&gx, &gx, &base);
        fq_mul(&gx, &gx, &sp->rho);
        fq_add(&S[X], &S[X], &gx);
    }
    /* s_j(0) + s_j(1) = e_{j-1} */
    fq_sub(&S[1], &sp->claim, &S[0]);

    interpolate(sp, c, S);
    msg[0] = c[0];
    for (e = 2; e <= D; e++)
        msg[e - 1] = c[e];
    memcpy(sp->msg, msg, D * sizeof(fq_t));
    sp->round = j;
    sp->bound = 0;
    explicit_bzero(S, sizeof S);
    explicit_bzero(ev, sizeof ev);
    explicit_bzero(&t, sizeof t);
    explicit_bzero(&base, sizeof base);
    explicit_bzero(&gx, sizeof gx);
    return 0;
}

int
sumcheck_prover_round(sumcheck_prover *sp, fq_t *msg)
{
    return prover_round(sp, NULL, msg);
}

int
sumcheck_prover_round_external(sumcheck_prover *sp, const fq_t *ext, fq_t *msg)
{
    return prover_round(sp, ext, msg);
}

int
sumcheck_prover_bind(sumcheck_prover *sp, const fq_t *r)
{
    unsigned D = sp->degree, j = sp->round;
    fq_t gr;
    size_t k;

    if (sp->bound || j == 0)
        return -1;
    sumcheck_next_claim(&sp->claim, D, &sp->claim, sp->msg, r);
    poly_eval(&gr, sp->g + (size_t)(j - 1) * (D + 1), D, r);
    fq_add(&sp->prefix, &sp->prefix, &gr);
    explicit_bzero(&gr, sizeof gr);
    sp->last_r = *r;
    sp->bound = 1;
    /* the fold with r_j is fused into round j+1; after the last round it is done now */
    if (j == sp->n)
        for (k = 0; k < sp->n_inst; k++) {
            if (sp->inst[k].in->make != NULL) {        /* one variable: made is final */
                if (instance_make(&sp->inst[k], r) != 0)
                    return -1;
            } else if (sp->inst[k].in->n_vars > 0) {
                instance_final_fold(&sp->inst[k], r);
            }
        }
    return 0;
}

void
sumcheck_prover_claim(const sumcheck_prover *sp, fq_t *claim)
{
    *claim = sp->claim;
}

int
sumcheck_prove(transcript_t *t, const char *label, unsigned n, unsigned degree,
               const fq_t *rho, const fq_t *mask, sumcheck_instance *inst,
               size_t n_inst, fq_t *T, fq_t *msg, size_t n_msg, fq_t *r,
               fq_t *final_claim, fq_t *hidden_sum)
{
    sumcheck_prover *sp;
    sc_labels lab;
    unsigned j;
    int rc = -1;

    if (make_labels(&lab, label) != 0 || !degree_ok(degree) ||
        n_msg != sumcheck_message_count(n, degree))
        return -1;
    if (sumcheck_prover_new(&sp, n, degree, rho, mask, inst, n_inst, T, hidden_sum) != 0)
        return -1;
    transcript_absorb_scalar(t, lab.T, T);
    for (j = 0; j < n; j++) {
        fq_t *m = msg + (size_t)j * degree;

        if (zkml_interrupted() || sumcheck_prover_round(sp, m) != 0 || zkml_interrupted())
            goto out;
        transcript_absorb_scalars(t, lab.round, m, degree);
        if (transcript_challenge(t, lab.r, 0, &r[j]) != 0)
            goto out;
        if (sumcheck_prover_bind(sp, &r[j]) != 0)
            goto out;
    }
    sumcheck_prover_claim(sp, final_claim);
    rc = t->failed || zkml_interrupted() ? -1 : 0;
out:
    sumcheck_prover_free(sp);
    return rc;
}

/* ---- the verifier ---- */

int
sumcheck_verify(transcript_t *t, const char *label, unsigned n, unsigned degree,
                const fq_t *T, const fq_t *msg, size_t n_msg, fq_t *r,
                fq_t *final_claim, const char **reason)
{
    sc_labels lab;
    fq_t claim;
    unsigned j;

    if (!degree_ok(degree)) {
        *reason = "sumcheck: unsupported degree";
        return 0;
    }
    if (n > SUMCHECK_MAX_ROUNDS) {
        *reason = "sumcheck: too many rounds";
        return 0;
    }
    if (make_labels(&lab, label) != 0) {
        *reason = "sumcheck: label prefix too long";
        return 0;
    }
    if (n_msg != sumcheck_message_count(n, degree)) {
        *reason = "sumcheck: wrong number of round coefficients";
        return 0;
    }
    transcript_absorb_scalar(t, lab.T, T);
    claim = *T;
    for (j = 0; j < n; j++) {
        const fq_t *m = msg + (size_t)j * degree;

        transcript_absorb_scalars(t, lab.round, m, degree);
        if (transcript_challenge(t, lab.r, 0, &r[j]) != 0) {
            *reason = "sumcheck: transcript failure";
            return -1;
        }
        sumcheck_next_claim(&claim, degree, &claim, m, &r[j]);
    }
    *final_claim = claim;
    *reason = NULL;
    return 1;
}

/* ---- relations for the accumulator ---- */

static int
relation_fail(linrel *lr)
{
    lr->failed = 1;
    return -1;
}

/* Shared checks; the accumulator checks every slot against its mask as well. */
static int
relation_args_ok(const linrel *lr, unsigned n, unsigned degree, size_t mask_base)
{
    size_t nm;

    if (!degree_ok(degree) || n > SUMCHECK_MAX_ROUNDS || lr->mask_log >= 58)
        return 0;
    nm = (size_t)1 << lr->mask_log;
    return mask_base <= nm && sumcheck_mask_count(n, degree) <= nm - mask_base;
}

int
sumcheck_relation_init(linrel *lr, unsigned n, unsigned degree, size_t mask_base,
                       const fq_t *rho, const linrel_form *hidden_sum, size_t n_forms,
                       const fq_t *T)
{
    fq_t w0, w1;
    size_t f, slot;
    unsigned i, e;

    if (!relation_args_ok(lr, n, degree, mask_base))
        return relation_fail(lr);
    if (linrel_relation_begin(lr) != 0)
        return -1;
    for (f = 0; f < n_forms; f++)
        if (linrel_relation_form(lr, &hidden_sum[f], NULL) != 0)
            return -1;
    /* ρ·w_e: w_0 = 2^n, w_e = 2^(n-1) for e >= 1 */
    w1 = *rho;
    for (i = 1; i < n; i++)
        fq_dbl(&w1, &w1);
    fq_dbl(&w0, &w1);
    slot = mask_base;
    for (i = 0; i < n; i++)
        for (e = 0; e <= degree; e++, slot++)
            if (linrel_relation_mask(lr, slot, e == 0 ? &w0 : &w1) != 0)
                return -1;
    return linrel_relation_end(lr, T);
}

int
sumcheck_relation_final(linrel *lr, unsigned n, unsigned degree, size_t mask_base,
                        const fq_t *rho, const fq_t *r, const linrel_form *finals,
                        size_t n_forms, const fq_t *final_claim)
{
    fq_t c;
    size_t f, slot;
    unsigned i, e;

    if (!relation_args_ok(lr, n, degree, mask_base))
        return relation_fail(lr);
    if (linrel_relation_begin(lr) != 0)
        return -1;
    for (f = 0; f < n_forms; f++)
        if (linrel_relation_form(lr, &finals[f], NULL) != 0)
            return -1;
    /* ρ·r_i^e */
    slot = mask_base;
    for (i = 0; i < n; i++) {
        c = *rho;
        for (e = 0; e <= degree; e++, slot++) {
            if (linrel_relation_mask(lr, slot, &c) != 0)
                return -1;
            fq_mul(&c, &c, &r[i]);
        }
    }
    return linrel_relation_end(lr, final_claim);
}
