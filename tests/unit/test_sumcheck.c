/*
 * test_sumcheck.c: the masked, batched, zero-knowledge sumcheck (docs/protocol.md 5, 11.2).
 *
 * Honest proofs are checked against references computed here from the definitions
 * (sums over the hypercube, MLE evaluations of the original tables); the end-to-end
 * tests commit the mask, the hidden sum and the finals, hand R_init and R_final to the
 * linear-relation accumulator and run the whole thing through the IPA, so that every
 * tampering is seen to be rejected where the protocol rejects it.
 */
#include <stdlib.h>
#include <string.h>

#include "drbg.h"
#include "linrel.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "sumcheck.h"
#include "unit.h"
#include "unit_fq.h"
#include "zkml.h"

#define MAX_INST 8

static void
pow2(fq_t *r, unsigned e)
{
    unsigned i;

    *r = FQ_ONE;
    for (i = 0; i < e; i++)
        fq_dbl(r, r);
}

/* 2^-e */
static void
pow2_inv(fq_t *r, unsigned e)
{
    pow2(r, e);
    fq_inv(r, r);
}

/* ---- statements ---- */

/* Shapes of F: each a fixed term structure over its own tables. */
typedef enum {
    SHAPE_AB,        /* c·A·B                          (product path) */
    SHAPE_ABC,       /* c·A·B·C                        (product path, D = 3) */
    SHAPE_MIXED,     /* c1·A·B + c2·E·C·D + c3·E       (generic, D = 3) */
    SHAPE_SQUARE,    /* c1·A·A + c2·B                  (generic, repeated factor) */
    SHAPE_LIN        /* c·A                            (generic, degree 1) */
} shape_t;

typedef struct {
    shape_t shape;
    unsigned n_vars;
} inst_spec;

typedef struct {
    unsigned n, degree;
    size_t n_inst;
    inst_spec spec[MAX_INST];
    /* filled by statement_make */
    sumcheck_instance inst[MAX_INST];
    fq_t *orig[MAX_INST][SUMCHECK_MAX_TABLES];   /* the tables as made */
    fq_t *work[MAX_INST][SUMCHECK_MAX_TABLES];   /* folded by the prover */
    fq_t sum[MAX_INST];                          /* sum_x F_k(x), from the definition */
} statement;

static unsigned
shape_tables(shape_t s)
{
    switch (s) {
    case SHAPE_AB: return 2;
    case SHAPE_ABC: return 3;
    case SHAPE_MIXED: return 5;
    case SHAPE_SQUARE: return 2;
    default: return 1;
    }
}

/* The terms of a shape on instance `in` (tables already added), random coefficients. */
static void
shape_terms(sumcheck_instance *in, shape_t s)
{
    static const unsigned ab[2] = {0, 1}, abc[3] = {0, 1, 2}, ecd[3] = {4, 2, 3};
    static const unsigned e[1] = {4}, aa[2] = {0, 0}, b[1] = {1}, a[1] = {0};
    fq_t c;

    unit_random_fq(&c);
    switch (s) {
    case SHAPE_AB:
        CHECK(sumcheck_instance_term(in, &c, 2, ab) == 0);
        break;
    case SHAPE_ABC:
        CHECK(sumcheck_instance_term(in, &c, 3, abc) == 0);
        break;
    case SHAPE_MIXED:
        CHECK(sumcheck_instance_term(in, &c, 2, ab) == 0);
        unit_random_fq(&c);
        CHECK(sumcheck_instance_term(in, &c, 3, ecd) == 0);
        unit_random_fq(&c);
        CHECK(sumcheck_instance_term(in, &c, 1, e) == 0);
        break;
    case SHAPE_SQUARE:
        CHECK(sumcheck_instance_term(in, &c, 2, aa) == 0);
        unit_random_fq(&c);
        CHECK(sumcheck_instance_term(in, &c, 1, b) == 0);
        break;
    default:
        CHECK(sumcheck_instance_term(in, &c, 1, a) == 0);
        break;
    }
}

/*
 * Fill tables cheaply but without structure: a few random scalars, then
 * x_{i+1} = x_i^2 + x_{i-1} (one multiplication per entry keeps 2^20 tests quick).
 */
static void
fill_table(fq_t *t, size_t len)
{
    size_t i;

    unit_random_fq(&t[0]);
    if (len > 1)
        unit_random_fq(&t[1]);
    for (i = 2; i < len; i++) {
        fq_sqr(&t[i], &t[i - 1]);
        fq_add(&t[i], &t[i], &t[i - 2]);
    }
}

/* sum over x of F(x), straight from the definition */
static void
naive_sum(fq_t *r, const sumcheck_instance *in, fq_t *const *tables)
{
    size_t len = (size_t)1 << in->n_vars, x;
    fq_t vals[SUMCHECK_MAX_TABLES], v;
    unsigned t;

    fq_set_zero(r);
    for (x = 0; x < len; x++) {
        for (t = 0; t < in->n_tables; t++)
            vals[t] = tables[t][x];
        sumcheck_instance_value(&v, in, vals);
        fq_add(r, r, &v);
    }
}

static void
statement_make(statement *st)
{
    size_t k;
    unsigned t;

    for (k = 0; k < st->n_inst; k++) {
        size_t len = (size_t)1 << st->spec[k].n_vars;

        sumcheck_instance_init(&st->inst[k], st->spec[k].n_vars);
        for (t = 0; t < shape_tables(st->spec[k].shape); t++) {
            st->orig[k][t] = malloc(len * sizeof(fq_t));
            st->work[k][t] = malloc(len * sizeof(fq_t));
            fill_table(st->orig[k][t], len);
            memcpy(st->work[k][t], st->orig[k][t], len * sizeof(fq_t));
            CHECK(sumcheck_instance_table(&st->inst[k], st->work[k][t]) == (int)t);
        }
        shape_terms(&st->inst[k], st->spec[k].shape);
        naive_sum(&st->sum[k], &st->inst[k], st->orig[k]);
    }
}

/* Restore the working tables (the prover folds them) for another run. */
static void
statement_reset(statement *st)
{
    size_t k;
    unsigned t;

    for (k = 0; k < st->n_inst; k++)
        for (t = 0; t < st->inst[k].n_tables; t++)
            memcpy(st->work[k][t], st->orig[k][t],
                   ((size_t)1 << st->spec[k].n_vars) * sizeof(fq_t));
}

static void
statement_free(statement *st)
{
    size_t k;
    unsigned t;

    for (k = 0; k < st->n_inst; k++)
        for (t = 0; t < st->inst[k].n_tables; t++) {
            free(st->orig[k][t]);
            free(st->work[k][t]);
        }
}

/* H = sum_k 2^(n-n_k)·sum F_k, from the definition */
static void
statement_hidden_sum(fq_t *H, const statement *st)
{
    fq_t w, t;
    size_t k;

    fq_set_zero(H);
    for (k = 0; k < st->n_inst; k++) {
        pow2(&w, st->n - st->spec[k].n_vars);
        fq_mul(&t, &w, &st->sum[k]);
        fq_add(H, H, &t);
    }
}

/* sum_k F_k(MLE of the original tables at r^(k)), from the definition */
static void
statement_final_value(fq_t *v, const statement *st, const fq_t *r, int check_finals)
{
    fq_t vals[SUMCHECK_MAX_TABLES], f;
    size_t k;
    unsigned t;

    fq_set_zero(v);
    for (k = 0; k < st->n_inst; k++) {
        unsigned nk = st->spec[k].n_vars;
        const fq_t *z = sumcheck_instance_point(r, st->n, nk);

        for (t = 0; t < st->inst[k].n_tables; t++) {
            mle_eval(&vals[t], st->orig[k][t], nk, z);
            if (check_finals)
                CHECK(fq_eq(&vals[t], &st->work[k][t][0]));
        }
        sumcheck_instance_value(&f, &st->inst[k], vals);
        fq_add(v, v, &f);
    }
}

/* The mask terms of R_init (ws = 1) or R_final (ws = 0) evaluated directly. */
static void
mask_term(fq_t *out, const fq_t *g, unsigned n, unsigned D, const fq_t *r, int init)
{
    fq_t c, t, w0, w1;
    unsigned i, e;

    fq_set_zero(out);
    pow2(&w0, n);
    if (n > 0)
        pow2(&w1, n - 1);
    for (i = 0; i < n; i++) {
        c = FQ_ONE;
        for (e = 0; e <= D; e++) {
            if (init)
                fq_mul(&t, e == 0 ? &w0 : &w1, &g[i * (D + 1) + e]);
            else
                fq_mul(&t, &c, &g[i * (D + 1) + e]);
            fq_add(out, out, &t);
            if (!init)
                fq_mul(&c, &c, &r[i]);
        }
    }
}

/*
 * Prove with sumcheck_prove, verify with sumcheck_verify, and check both relations
 * against the references.  Returns 1 if everything held.
 */
static int
statement_check_honest(statement *st)
{
    unsigned n = st->n, D = st->degree;
    size_t nm = sumcheck_mask_count(n, D), nmsg = sumcheck_message_count(n, D), i;
    fq_t *g = malloc((nm + 1) * sizeof(fq_t)), *msg = malloc((nmsg + 1) * sizeof(fq_t));
    fq_t *r = malloc((n + 1) * sizeof(fq_t)), *rv = malloc((n + 1) * sizeof(fq_t));
    fq_t rho, T, e, ev, H, Href, m, lhs;
    transcript_t tp, tv;
    const char *reason = NULL;
    int ok = 1;

    for (i = 0; i < nm; i++)
        unit_random_fq(&g[i]);
    unit_random_fq(&rho);
    transcript_init(&tp, "test/sumcheck", 13);
    tv = tp;
    if (sumcheck_prove(&tp, "S1", n, D, &rho, g, st->inst, st->n_inst, &T, msg, nmsg, r, &e,
                       &H) != 0)
        ok = 0;
    if (ok && sumcheck_verify(&tv, "S1", n, D, &T, msg, nmsg, rv, &ev, &reason) != 1)
        ok = 0;
    if (ok) {
        /* both sides drew the same challenges and reached the same claim */
        ok &= memcmp(tp.state, tv.state, 32) == 0;
        ok &= fq_eq(&e, &ev);
        for (i = 0; i < n; i++)
            ok &= fq_eq(&r[i], &rv[i]);
        /* R_init: H + ρ·sum w_e g = T */
        statement_hidden_sum(&Href, st);
        ok &= fq_eq(&H, &Href);
        mask_term(&m, g, n, D, r, 1);
        fq_mul(&m, &m, &rho);
        fq_add(&lhs, &Href, &m);
        ok &= fq_eq(&lhs, &T);
        /* R_final: sum F_k(finals) + ρ·sum r_i^e g = e_n, finals = MLE at r^(k) */
        statement_final_value(&lhs, st, r, 1);
        mask_term(&m, g, n, D, r, 0);
        fq_mul(&m, &m, &rho);
        fq_add(&lhs, &lhs, &m);
        ok &= fq_eq(&lhs, &e);
    }
    free(g);
    free(msg);
    free(r);
    free(rv);
    return ok;
}

static int
run_honest(unsigned n, unsigned D, const inst_spec *spec, size_t n_inst)
{
    statement st;
    int ok;

    memset(&st, 0, sizeof st);
    st.n = n;
    st.degree = D;
    st.n_inst = n_inst;
    memcpy(st.spec, spec, n_inst * sizeof *spec);
    statement_make(&st);
    ok = statement_check_honest(&st);
    statement_free(&st);
    return ok;
}

/* ---- tests: MLE helpers ---- */

UNIT_TEST(sumcheck_mle_fold_and_sum)
{
    fq_t f[64], g[64], z[6], want, got, s;
    unsigned k, j;
    size_t i;

    for (k = 1; k <= 6; k++) {
        for (i = 0; i < ((size_t)1 << k); i++)
            unit_random_fq(&f[i]);
        for (j = 0; j < k; j++)
            unit_random_fq(&z[j]);
        mle_eval(&want, f, k, z);
        memcpy(g, f, sizeof f);
        for (j = 0; j < k; j++)
            mle_fold(g, k - j, &z[j]);   /* binds x_1 first, as docs/protocol.md 0 */
        CHECK(fq_eq(&g[0], &want));
        fq_set_zero(&s);
        for (i = 0; i < ((size_t)1 << k); i++)
            fq_add(&s, &s, &f[i]);
        mle_sum(&got, f, k);
        CHECK(fq_eq(&got, &s));
    }
}

/* ---- tests: honest proofs ---- */

UNIT_TEST(sumcheck_honest_small_sizes)
{
    static const shape_t shapes3[] = {SHAPE_AB, SHAPE_ABC, SHAPE_MIXED, SHAPE_SQUARE,
                                      SHAPE_LIN};
    unsigned n, nk, D;
    size_t s;

    for (D = 2; D <= 3; D++)
        for (n = 1; n <= 3; n++)
            for (s = 0; s < sizeof shapes3 / sizeof shapes3[0]; s++) {
                if (D == 2 && (shapes3[s] == SHAPE_ABC || shapes3[s] == SHAPE_MIXED))
                    continue;
                /* the instance alone, then padded into a larger sumcheck */
                for (nk = 0; nk <= n; nk++) {
                    inst_spec sp = {shapes3[s], nk};

                    CHECKF(run_honest(n, D, &sp, 1), "D %u n %u n_k %u shape %zu", D, n,
                           nk, s);
                }
            }
}

UNIT_TEST(sumcheck_honest_zero_rounds)
{
    inst_spec sp = {SHAPE_ABC, 0};

    CHECK(run_honest(0, 3, &sp, 1));
}

UNIT_TEST(sumcheck_honest_2_10_and_2_16)
{
    inst_spec a[2] = {{SHAPE_ABC, 10}, {SHAPE_MIXED, 10}};
    inst_spec b[1] = {{SHAPE_AB, 10}};
    inst_spec c[2] = {{SHAPE_ABC, 16}, {SHAPE_MIXED, 16}};
    inst_spec d[2] = {{SHAPE_AB, 16}, {SHAPE_SQUARE, 16}};

    CHECK(run_honest(10, 3, a, 2));
    CHECK(run_honest(10, 2, b, 1));
    CHECK(run_honest(16, 3, c, 2));
    CHECK(run_honest(16, 2, d, 2));
}

UNIT_TEST(sumcheck_honest_mixed_sizes)
{
    inst_spec a[5] = {{SHAPE_MIXED, 3}, {SHAPE_ABC, 7}, {SHAPE_AB, 10}, {SHAPE_LIN, 0},
                      {SHAPE_SQUARE, 1}};
    inst_spec b[4] = {{SHAPE_AB, 3}, {SHAPE_SQUARE, 7}, {SHAPE_AB, 13}, {SHAPE_LIN, 12}};

    CHECK(run_honest(10, 3, a, 5));
    CHECK(run_honest(13, 2, b, 4));
}

UNIT_TEST(sumcheck_honest_2_20)
{
    inst_spec a[1] = {{SHAPE_ABC, 20}};

    CHECK(run_honest(20, 3, a, 1));
}

/* ---- tests: threads ---- */

UNIT_TEST(sumcheck_identical_across_threads)
{
    inst_spec spec[4] = {{SHAPE_ABC, 16}, {SHAPE_MIXED, 15}, {SHAPE_AB, 9}, {SHAPE_LIN, 0}};
    unsigned n = 16, D = 3;
    size_t nm = sumcheck_mask_count(n, D), nmsg = sumcheck_message_count(n, D), k;
    fq_t g[16 * 4], msg[2][16 * 3], r[2][16], T[2], e[2], rho;
    fq_t finals[2][MAX_INST][SUMCHECK_MAX_TABLES];
    int saved = zkml_threads(), run;
    unsigned t;
    statement st;

    memset(&st, 0, sizeof st);
    st.n = n;
    st.degree = D;
    st.n_inst = 4;
    memcpy(st.spec, spec, sizeof spec);
    statement_make(&st);
    for (k = 0; k < nm; k++)
        unit_random_fq(&g[k]);
    unit_random_fq(&rho);
    memset(finals, 0, sizeof finals);
    for (run = 0; run < 2; run++) {
        transcript_t tp;

        zkml_set_threads(run + 1);
        statement_reset(&st);
        transcript_init(&tp, "test/threads", 12);
        CHECK(sumcheck_prove(&tp, "S1", n, D, &rho, g, st.inst, st.n_inst, &T[run],
                             msg[run], nmsg, r[run], &e[run], NULL) == 0);
        for (k = 0; k < st.n_inst; k++)
            for (t = 0; t < st.inst[k].n_tables; t++)
                finals[run][k][t] = st.work[k][t][0];
    }
    zkml_set_threads(saved);
    CHECK(fq_eq(&T[0], &T[1]) && fq_eq(&e[0], &e[1]));
    CHECK(memcmp(msg[0], msg[1], sizeof msg[0]) == 0);
    CHECK(memcmp(r[0], r[1], sizeof r[0]) == 0);
    CHECK(memcmp(finals[0], finals[1], sizeof finals[0]) == 0);
    statement_free(&st);
}

/* ---- deferred instances (sumcheck_instance_defer) ---- */


typedef struct {
    statement *st;
    size_t k;
    int fail;
} defer_arg;

/* The statement's working tables of instance k, folded at r. */
static int
defer_make(void *arg, const fq_t *r, fq_t **tables)
{
    defer_arg *a = arg;
    unsigned t;

    if (a->fail)
        return -1;
    for (t = 0; t < shape_tables(a->st->spec[a->k].shape); t++) {
        mle_fold(a->st->work[a->k][t], a->st->spec[a->k].n_vars, r);
        tables[t] = a->st->work[a->k][t];
    }
    return 0;
}

/* first[X] = sum over y of F with the lowest variable at X, X = 0..D, from the
 * definition. */
static void
defer_first(fq_t *first, unsigned D, const sumcheck_instance *in, fq_t *const *tables)
{
    size_t half = (size_t)1 << (in->n_vars - 1), y;
    fq_t vals[SUMCHECK_MAX_TABLES], v, d, x;
    unsigned X, t;

    for (X = 0; X <= D; X++) {
        fq_set_zero(&first[X]);
        fq_set_u64(&x, X);
        for (y = 0; y < half; y++) {
            for (t = 0; t < in->n_tables; t++) {
                fq_sub(&d, &tables[t][2 * y + 1], &tables[t][2 * y]);
                fq_mul(&d, &d, &x);
                fq_add(&vals[t], &tables[t][2 * y], &d);
            }
            sumcheck_instance_value(&v, in, vals);
            fq_add(&first[X], &first[X], &v);
        }
    }
}

UNIT_TEST(sumcheck_deferred_instance_same_messages)
{
    /* the first active in round 1, a later round, the last round (one variable) */
    inst_spec spec[4] = {{SHAPE_ABC, 12}, {SHAPE_MIXED, 11}, {SHAPE_AB, 1}, {SHAPE_SQUARE, 7}};
    unsigned n = 12, D = 3, t;
    size_t nm = sumcheck_mask_count(n, D), nmsg = sumcheck_message_count(n, D), k;
    fq_t g[12 * 4], msg[3][12 * 3], r[3][12], T[3], e[3], rho, first[4];
    fq_t finals[2][MAX_INST][SUMCHECK_MAX_TABLES];
    sumcheck_instance deferred[MAX_INST];
    defer_arg arg[MAX_INST];
    transcript_t tp;
    statement st;
    int run;

    memset(&st, 0, sizeof st);
    st.n = n;
    st.degree = D;
    st.n_inst = 4;
    memcpy(st.spec, spec, sizeof spec);
    statement_make(&st);
    for (k = 0; k < nm; k++)
        unit_random_fq(&g[k]);
    unit_random_fq(&rho);
    memset(finals, 0, sizeof finals);
    for (run = 0; run < 3; run++) {
        sumcheck_instance *in = st.inst;

        statement_reset(&st);
        if (run > 0) {                  /* every instance deferred; run 2 lies in one */
            for (k = 0; k < st.n_inst; k++) {
                deferred[k] = st.inst[k];
                deferred[k].n_tables = 0;
                memset(deferred[k].tables, 0, sizeof deferred[k].tables);
                defer_first(first, D, &st.inst[k], st.orig[k]);
                if (run == 2 && k == 1)
                    fq_add(&first[2], &first[2], &FQ_ONE);
                arg[k].st = &st;
                arg[k].k = k;
                arg[k].fail = 0;
                CHECK(sumcheck_instance_defer(&deferred[k], st.inst[k].n_tables, first,
                                              D + 1, defer_make, &arg[k]) == 0);
            }
            in = deferred;
        }
        transcript_init(&tp, "test/defer", 10);
        CHECK(sumcheck_prove(&tp, "S1", n, D, &rho, g, in, st.n_inst, &T[run], msg[run],
                             nmsg, r[run], &e[run], NULL) == 0);
        for (k = 0; run < 2 && k < st.n_inst; k++)
            for (t = 0; t < st.inst[k].n_tables; t++)
                finals[run][k][t] = st.work[k][t][0];
    }
    CHECK(fq_eq(&T[0], &T[1]) && fq_eq(&e[0], &e[1]));
    CHECK(memcmp(msg[0], msg[1], sizeof msg[0]) == 0);
    CHECK(memcmp(finals[0], finals[1], sizeof finals[0]) == 0);
    /* the instance of 11 variables starts in round 2: a false first changes that round */
    CHECK(memcmp(msg[0], msg[2], D * sizeof(fq_t)) == 0);
    CHECK(memcmp(msg[0] + D, msg[2] + D, D * sizeof(fq_t)) != 0);
    /* a maker that fails stops the prover; malformed deferrals are refused */
    statement_reset(&st);
    for (k = 0; k < st.n_inst; k++) {
        deferred[k] = st.inst[k];
        deferred[k].n_tables = 0;
        CHECK(sumcheck_instance_defer(&deferred[k], st.inst[k].n_tables, first, D + 1,
                                      defer_make, &arg[k]) == 0);
    }
    arg[0].fail = 1;
    transcript_init(&tp, "test/defer", 10);
    CHECK(sumcheck_prove(&tp, "S1", n, D, &rho, g, deferred, st.n_inst, &T[2], msg[2], nmsg,
                         r[2], &e[2], NULL) == -1);
    sumcheck_instance_init(&deferred[0], 0);
    CHECK(sumcheck_instance_defer(&deferred[0], 2, first, D + 1, defer_make, &arg[0]) == -1);
    sumcheck_instance_init(&deferred[0], 3);
    CHECK(sumcheck_instance_defer(&deferred[0], 2, first, 2, defer_make, &arg[0]) == -1);
    CHECK(sumcheck_instance_defer(&deferred[0], 2, first, D + 1, NULL, &arg[0]) == -1);
    CHECK(sumcheck_instance_defer(&deferred[0], 2, first, D, defer_make, &arg[0]) == 0);
    CHECK(sumcheck_prove(&tp, "S1", n, D, &rho, g, deferred, 1, &T[2], msg[2], nmsg, r[2],
                         &e[2], NULL) == -1);  /* D + 1 values wanted for degree 3 */
    statement_free(&st);
}

/* ---- tests: the verifier's own checks and malformed statements ---- */

UNIT_TEST(sumcheck_verifier_message_count)
{
    fq_t msg[4 * 8], r[8], T, e, rho, g[8 * 4];
    const char *reason;
    transcript_t t;
    size_t i;
    unsigned D;

    for (i = 0; i < sizeof msg / sizeof msg[0]; i++)
        unit_random_fq(&msg[i]);
    unit_random_fq(&T);
    for (D = 2; D <= 3; D++) {
        /* D - 1 and D + 1 coefficients per round; one round too few or too many */
        transcript_init(&t, "v", 1);
        CHECK(sumcheck_verify(&t, "S1", 6, D, &T, msg, 6 * (D - 1), r, &e, &reason) == 0);
        CHECK(strstr(reason, "number of round coefficients") != NULL);
        CHECK(sumcheck_verify(&t, "S1", 6, D, &T, msg, 6 * (D + 1), r, &e, &reason) == 0);
        CHECK(sumcheck_verify(&t, "S1", 6, D, &T, msg, 5 * D, r, &e, &reason) == 0);
        CHECK(sumcheck_verify(&t, "S1", 6, D, &T, msg, 7 * D, r, &e, &reason) == 0);
        CHECK(sumcheck_verify(&t, "S1", 6, D, &T, msg, 6 * D, r, &e, &reason) == 1);
    }
    /* unsupported degree, too many rounds, an over-long label */
    transcript_init(&t, "v", 1);
    CHECK(sumcheck_verify(&t, "S1", 6, 4, &T, msg, 24, r, &e, &reason) == 0);
    CHECK(sumcheck_verify(&t, "S1", 6, 1, &T, msg, 6, r, &e, &reason) == 0);
    CHECK(sumcheck_verify(&t, "S1", SUMCHECK_MAX_ROUNDS + 1, 3, &T, msg,
                          3 * (SUMCHECK_MAX_ROUNDS + 1), r, &e, &reason) == 0);
    CHECK(sumcheck_verify(&t, "S1-this-label-prefix-is-far-too-long", 6, 3, &T, msg, 18, r,
                          &e, &reason) == 0);

    /* the prover refuses a wrong count and a term above the degree */
    {
        statement st;
        inst_spec sp = {SHAPE_ABC, 3};

        memset(&st, 0, sizeof st);
        st.n = 3;
        st.degree = 3;
        st.n_inst = 1;
        st.spec[0] = sp;
        statement_make(&st);
        for (i = 0; i < 12; i++)
            unit_random_fq(&g[i]);
        unit_random_fq(&rho);
        transcript_init(&t, "p", 1);
        CHECK(sumcheck_prove(&t, "S1", 3, 3, &rho, g, st.inst, 1, &T, msg, 8, r, &e,
                             NULL) == -1);
        CHECK(sumcheck_prove(&t, "S1", 3, 2, &rho, g, st.inst, 1, &T, msg, 6, r, &e,
                             NULL) == -1);      /* A·B·C has degree 3 */
        st.inst[0].n_vars = 4;                   /* more variables than rounds */
        CHECK(sumcheck_prove(&t, "S1", 3, 3, &rho, g, st.inst, 1, &T, msg, 9, r, &e,
                             NULL) == -1);
        st.inst[0].n_vars = 3;
        CHECK(sumcheck_prove(&t, "S1", 3, 3, &rho, g, st.inst, 1, &T, msg, 9, r, &e,
                             NULL) == 0);
        statement_free(&st);
    }
}

/* The round arithmetic: c1 is implied, and s(0) + s(1) equals the previous claim. */
UNIT_TEST(sumcheck_next_claim_definition)
{
    fq_t c[4], msg[3], claim, r, got, want, t, s01;
    unsigned D, e;

    for (D = 2; D <= 3; D++) {
        for (e = 0; e <= D; e++)
            unit_random_fq(&c[e]);
        /* claim = s(0) + s(1) = 2c0 + c1 + c2 (+ c3) */
        fq_dbl(&s01, &c[0]);
        for (e = 1; e <= D; e++)
            fq_add(&s01, &s01, &c[e]);
        claim = s01;
        msg[0] = c[0];
        for (e = 2; e <= D; e++)
            msg[e - 1] = c[e];
        unit_random_fq(&r);
        sumcheck_next_claim(&got, D, &claim, msg, &r);
        fq_set_zero(&want);
        for (e = D + 1; e-- > 0;) {
            fq_mul(&want, &want, &r);
            fq_add(&want, &want, &c[e]);
        }
        CHECK(fq_eq(&got, &want));
        /* a different claim changes the implied c1 and thus the result */
        fq_add(&t, &claim, &FQ_ONE);
        sumcheck_next_claim(&got, D, &t, msg, &r);
        CHECK(!fq_eq(&got, &want));
    }
}

/* ---- end to end: commitments, relations, IPA ---- */

typedef enum {
    E2E_HONEST,
    E2E_T,              /* T + 1 sent */
    E2E_C0,             /* c0 + 1 in round 2 */
    E2E_C2,             /* c2 + 1 in round 2: still sums to the previous claim */
    E2E_NO_POW2,        /* H's form without the 2^(n-n_k) factors (both sides) */
    E2E_FORGE,          /* a false H, with c0 of round 1 fixed up using a predicted r_1 */
    E2E_FORGE_MASK      /* a false H, absorbed by mask entries chosen knowing r_n */
} e2e_tamper;

typedef struct {
    e2e_tamper tamper;
    int prover_unbound;     /* r_j drawn before s_j is absorbed */
    int verifier_unbound;
    int mask_late;          /* C_M absorbed only after the sumcheck (both sides) */
    int zero_sum;           /* H is publicly 0: no H commitments, a constant form */
    uint8_t seed;
    /* results */
    int check;              /* the prover's linrel_check: 0 all hold, 1 one fails */
    int verdict;            /* linrel_verify (or an earlier reject) */
    const char *reason;
    /* the sent proof's scalars, for the zero-knowledge checks */
    fq_t T, msg[64], z[2];
    size_t n_msg;
} e2e_run;

#define E2E_MAX_SCALARS 96

typedef struct {
    size_t n;
    fq_t v[E2E_MAX_SCALARS], b[E2E_MAX_SCALARS];
    ge_t C[E2E_MAX_SCALARS];
} committed;

static size_t
commit_scalar(committed *cs, const fq_t *v)
{
    gep_t p;
    size_t id = cs->n++;

    cs->v[id] = *v;
    unit_random_fq(&cs->b[id]);
    pedersen_com1(&p, &cs->v[id], &cs->b[id]);
    ge_set_gep(&cs->C[id], &p);
    return id;
}

/* The transcript of a run as the verifier sees it. */
typedef struct {
    ge_t CM;
    size_t n_h, h_first;              /* H commitments */
    fq_t T, msg[64];
    size_t n_fin, fin_first;          /* finals and products */
    product_proof prod[32];
    size_t n_prod, prod_xyz[32][3];   /* ids of X, Y, Z */
    linrel_term fin_terms[64];        /* the form sum F_k(finals) */
    size_t n_fin_terms;
    ipa_proof ipa;
} e2e_proof;

/* One round of the chosen transcript order: r_j before or after s_j. */
static void
round_challenge(transcript_t *t, int unbound, const fq_t *msg, unsigned D, fq_t *r)
{
    if (unbound) {
        CHECK(transcript_challenge(t, "S1/r", 0, r) == 0);
        transcript_absorb_scalars(t, "S1/round", msg, D);
    } else {
        transcript_absorb_scalars(t, "S1/round", msg, D);
        CHECK(transcript_challenge(t, "S1/r", 0, r) == 0);
    }
}

/* The H form: sum_k 2^(n-n_k)·h_k over the H commitments (or the constant 0). */
static void
h_form(linrel_form *f, linrel_term *terms, const statement *st, size_t h_first, int no_pow2,
       int zero_sum)
{
    size_t k;

    memset(f, 0, sizeof *f);
    fq_set_zero(&f->constant);
    if (zero_sum)
        return;
    for (k = 0; k < st->n_inst; k++) {
        terms[k].id = h_first + k;
        if (no_pow2)
            terms[k].coef = FQ_ONE;
        else
            pow2(&terms[k].coef, st->n - st->spec[k].n_vars);
    }
    f->terms = terms;
    f->n_terms = st->n_inst;
}

static void
test_rng(drbg_t *rng, uint8_t seed, const transcript_t *t)
{
    uint8_t fixed[32], model[32] = {0};

    memset(fixed, seed, sizeof fixed);
    drbg_init_fixed(rng, fixed, model, t->state);
}

/*
 * The prover: commit the mask, draw ρ, commit H's parts, run the sumcheck (with the
 * tampering), commit the finals and the products of each term, prove the products,
 * add R_init and R_final, prove the relations.
 */
/*
 * Make the committed mask absorb a hidden sum raised by δ = 2^(n-n_0): Δ on g_{n,0},
 * g_{n,1} with 2^n·Δ0 + 2^(n-1)·Δ1 = -δ/ρ (R_init still holds) and Δ0 + r_n·Δ1 = 0
 * (R_final unchanged).  Needs ρ and r_n: possible only if the mask is committed late.
 */
static void
forge_mask(fq_t *mask, size_t base, unsigned n, unsigned D, const fq_t *rho,
           const fq_t *rn, unsigned n0)
{
    fq_t d1, d0, den, t;
    size_t slot = base + (size_t)(n - 1) * (D + 1);

    pow2(&den, n - 1);
    fq_dbl(&t, rn);
    fq_sub(&t, &FQ_ONE, &t);
    fq_mul(&den, &den, &t);
    fq_mul(&den, &den, rho);
    fq_inv(&den, &den);
    pow2(&d1, n - n0);
    fq_neg(&d1, &d1);
    fq_mul(&d1, &d1, &den);
    fq_mul(&d0, rn, &d1);
    fq_neg(&d0, &d0);
    fq_add(&mask[slot], &mask[slot], &d0);
    fq_add(&mask[slot + 1], &mask[slot + 1], &d1);
}

static void
e2e_prove(statement *st, e2e_run *run, e2e_proof *pf, committed *cs, fq_t *mask,
          fq_t *bM, unsigned *mask_log)
{
    fq_t sent[512];
    unsigned n = st->n, D = st->degree, j, t;
    size_t base = 1, nm, nseg = sumcheck_mask_count(n, D), i, k;
    fq_t rho, T, claim_sent, r[32], Tfalse, delta;
    sumcheck_prover *sp;
    transcript_t tr;
    linrel lr;
    linrel_form hf, ff;
    linrel_term hterms[MAX_INST];
    drbg_t rng;
    gep_t p;

    for (*mask_log = 0; ((size_t)1 << *mask_log) < base + nseg; (*mask_log)++)
        ;
    nm = (size_t)1 << *mask_log;
    for (i = 0; i < nm; i++)
        unit_random_fq(&mask[i]);
    unit_random_fq(bM);
    /* the prover's messages use `sent`; `mask` is what gets committed and opened */
    memcpy(sent, mask, nm * sizeof(fq_t));

    transcript_init(&tr, "test/e2e", 8);
    if (!run->mask_late) {
        if (run->tamper == E2E_FORGE_MASK) {
            /* committing first, the forger can only guess r_n (and ρ) */
            fq_t guess_r, guess_rho;

            unit_random_fq(&guess_r);
            unit_random_fq(&guess_rho);
            forge_mask(mask, base, n, D, &guess_rho, &guess_r, st->spec[0].n_vars);
        }
        CHECK(pedersen_comv(&p, mask, nm, bM) == 0);
        ge_set_gep(&pf->CM, &p);
        transcript_absorb_point(&tr, "mask/C", &pf->CM);
    }
    CHECK(transcript_challenge(&tr, "S1/rho", 1, &rho) == 0);

    /* H's parts: sum F_k per instance (the forger claims sum F_0 + 1) */
    cs->n = 0;
    pf->h_first = 0;
    pf->n_h = run->zero_sum ? 0 : st->n_inst;
    for (k = 0; k < pf->n_h; k++) {
        fq_t h = st->sum[k];

        if ((run->tamper == E2E_FORGE || run->tamper == E2E_FORGE_MASK) && k == 0)
            fq_add(&h, &h, &FQ_ONE);
        commit_scalar(cs, &h);
    }
    if (pf->n_h > 0)
        transcript_absorb_points(&tr, "S1/H", cs->C, pf->n_h);

    CHECK(sumcheck_prover_new(&sp, n, D, &rho, sent + base, st->inst, st->n_inst, &T,
                              NULL) == 0);
    if (sp == NULL)
        return;
    if (run->tamper == E2E_T)
        fq_add(&T, &T, &FQ_ONE);
    Tfalse = T;
    if (run->tamper == E2E_FORGE) {
        /* T' = T + 2^(n-n_0)·1, consistent with the false committed H */
        pow2(&delta, n - st->spec[0].n_vars);
        fq_add(&Tfalse, &T, &delta);
    }
    pf->T = Tfalse;
    transcript_absorb_scalar(&tr, "S1/T", &pf->T);
    claim_sent = pf->T;
    for (j = 0; j < n; j++) {
        fq_t *m = pf->msg + (size_t)j * D;

        CHECK(sumcheck_prover_round(sp, m) == 0);
        if (run->tamper == E2E_C0 && j == 1)
            fq_add(&m[0], &m[0], &FQ_ONE);
        if (run->tamper == E2E_C2 && j == 1)
            fq_add(&m[1], &m[1], &FQ_ONE);
        if (run->tamper == E2E_FORGE && j == 0) {
            /*
             * s'(X) = s(X) + κ(X - r_1), κ = (T' - T)/(1 - 2r_1): the same value at r_1,
             * the false sum at 0 and 1.  r_1 is predicted as if it were drawn before
             * the message: right only when the transcript is unbound.
             */
            transcript_t peek = tr;
            fq_t r1, kappa, den, two_r;

            CHECK(transcript_challenge(&peek, "S1/r", 0, &r1) == 0);
            fq_dbl(&two_r, &r1);
            fq_sub(&den, &FQ_ONE, &two_r);
            fq_inv(&den, &den);
            fq_sub(&kappa, &Tfalse, &T);
            fq_mul(&kappa, &kappa, &den);
            fq_mul(&kappa, &kappa, &r1);
            fq_sub(&m[0], &m[0], &kappa);
        }
        round_challenge(&tr, run->prover_unbound, m, D, &r[j]);
        CHECK(sumcheck_prover_bind(sp, &r[j]) == 0);
        sumcheck_next_claim(&claim_sent, D, &claim_sent, m, &r[j]);
    }
    sumcheck_prover_free(sp);
    if (run->mask_late) {
        /* committing last, the forger knows ρ and r_n */
        if (run->tamper == E2E_FORGE_MASK)
            forge_mask(mask, base, n, D, &rho, &r[n - 1], st->spec[0].n_vars);
        CHECK(pedersen_comv(&p, mask, nm, bM) == 0);
        ge_set_gep(&pf->CM, &p);
        transcript_absorb_point(&tr, "mask/C", &pf->CM);
    }
    explicit_bzero(sent, nm * sizeof(fq_t));
    run->T = pf->T;
    run->n_msg = (size_t)n * D;
    memcpy(run->msg, pf->msg, run->n_msg * sizeof(fq_t));

    /* finals, then the products of every term of two or three factors */
    pf->fin_first = cs->n;
    pf->n_prod = 0;
    pf->n_fin_terms = 0;
    for (k = 0; k < st->n_inst; k++) {
        size_t fid[SUMCHECK_MAX_TABLES];

        for (t = 0; t < st->inst[k].n_tables; t++)
            fid[t] = commit_scalar(cs, &st->work[k][t][0]);
        for (t = 0; t < st->inst[k].n_terms; t++) {
            const sumcheck_term *tm = &st->inst[k].terms[t];
            size_t cur = fid[tm->factor[0]], f;

            for (f = 1; f < tm->n_factors; f++) {
                fq_t pv;
                size_t y = fid[tm->factor[f]], z;

                fq_mul(&pv, &cs->v[cur], &cs->v[y]);
                z = commit_scalar(cs, &pv);
                pf->prod_xyz[pf->n_prod][0] = cur;
                pf->prod_xyz[pf->n_prod][1] = y;
                pf->prod_xyz[pf->n_prod][2] = z;
                pf->n_prod++;
                cur = z;
            }
            pf->fin_terms[pf->n_fin_terms].id = cur;
            pf->fin_terms[pf->n_fin_terms].coef = tm->coef;
            pf->n_fin_terms++;
        }
    }
    pf->n_fin = cs->n - pf->fin_first;
    transcript_absorb_points(&tr, "S1/finals", cs->C + pf->fin_first, pf->n_fin);
    test_rng(&rng, run->seed, &tr);
    for (i = 0; i < pf->n_prod; i++) {
        size_t x = pf->prod_xyz[i][0], y = pf->prod_xyz[i][1], z = pf->prod_xyz[i][2];

        CHECK(product_prove(&pf->prod[i], &tr, &rng, &cs->C[x], &cs->C[y], &cs->C[z],
                            &cs->v[x], &cs->b[x], &cs->v[y], &cs->b[y], &cs->b[z]) == 0);
    }

    /* the relations */
    linrel_init_prover(&lr, &pf->CM, *mask_log);
    for (i = 0; i < cs->n; i++) {
        size_t id;

        CHECK(linrel_add_secret(&lr, &cs->v[i], &cs->b[i], &id) == 0 && id == i);
    }
    h_form(&hf, hterms, st, pf->h_first, run->tamper == E2E_NO_POW2, run->zero_sum);
    memset(&ff, 0, sizeof ff);
    ff.terms = pf->fin_terms;
    ff.n_terms = pf->n_fin_terms;
    CHECK(sumcheck_relation_init(&lr, n, D, base, &rho, &hf, 1, &pf->T) == 0);
    CHECK(sumcheck_relation_final(&lr, n, D, base, &rho, r, &ff, 1, &claim_sent) == 0);
    run->check = linrel_check(&lr, mask, NULL);
    CHECK(linrel_prove(&lr, &tr, &rng, mask, bM, &pf->ipa) == 0);
    run->z[0] = pf->ipa.z1;
    run->z[1] = pf->ipa.z2;
    linrel_clear(&lr);
    drbg_clear(&rng);
}

/* The verifier, from commitments and the proof only. */
static int
e2e_verify(const statement *st, e2e_run *run, const e2e_proof *pf, const committed *cs,
           unsigned mask_log)
{
    unsigned n = st->n, D = st->degree, j;
    size_t base = 1, i;
    fq_t rho, r[32], e;
    transcript_t tr;
    linrel lr;
    linrel_form hf, ff;
    linrel_term hterms[MAX_INST];
    int rc;

    transcript_init(&tr, "test/e2e", 8);
    if (!run->mask_late)
        transcript_absorb_point(&tr, "mask/C", &pf->CM);
    CHECK(transcript_challenge(&tr, "S1/rho", 1, &rho) == 0);
    if (pf->n_h > 0)
        transcript_absorb_points(&tr, "S1/H", cs->C + pf->h_first, pf->n_h);
    if (run->verifier_unbound) {
        transcript_absorb_scalar(&tr, "S1/T", &pf->T);
        e = pf->T;
        for (j = 0; j < n; j++) {
            round_challenge(&tr, 1, pf->msg + (size_t)j * D, D, &r[j]);
            sumcheck_next_claim(&e, D, &e, pf->msg + (size_t)j * D, &r[j]);
        }
    } else {
        rc = sumcheck_verify(&tr, "S1", n, D, &pf->T, pf->msg, (size_t)n * D, r, &e,
                             &run->reason);
        if (rc != 1)
            return rc;
    }
    if (run->mask_late)
        transcript_absorb_point(&tr, "mask/C", &pf->CM);
    transcript_absorb_points(&tr, "S1/finals", cs->C + pf->fin_first, pf->n_fin);
    for (i = 0; i < pf->n_prod; i++) {
        const size_t *xyz = pf->prod_xyz[i];

        rc = product_verify(&tr, &cs->C[xyz[0]], &cs->C[xyz[1]], &cs->C[xyz[2]],
                            &pf->prod[i], &run->reason);
        if (rc != 1)
            return rc;
    }
    linrel_init_verifier(&lr, &pf->CM, mask_log);
    for (i = 0; i < cs->n; i++) {
        size_t id;

        CHECK(linrel_add_commitment(&lr, &cs->C[i], &id) == 0 && id == i);
    }
    h_form(&hf, hterms, st, pf->h_first, run->tamper == E2E_NO_POW2, run->zero_sum);
    memset(&ff, 0, sizeof ff);
    ff.terms = pf->fin_terms;
    ff.n_terms = pf->n_fin_terms;
    CHECK(sumcheck_relation_init(&lr, n, D, base, &rho, &hf, 1, &pf->T) == 0);
    CHECK(sumcheck_relation_final(&lr, n, D, base, &rho, r, &ff, 1, &e) == 0);
    rc = linrel_verify(&lr, &tr, &pf->ipa, &run->reason);
    linrel_clear(&lr);
    return rc;
}

static void
e2e(statement *st, e2e_run *run)
{
    e2e_proof *pf = calloc(1, sizeof *pf);
    committed *cs = calloc(1, sizeof *cs);
    fq_t mask[512], bM;
    unsigned mask_log;

    statement_reset(st);
    e2e_prove(st, run, pf, cs, mask, &bM, &mask_log);
    run->reason = NULL;
    run->verdict = e2e_verify(st, run, pf, cs, mask_log);
    explicit_bzero(mask, sizeof mask);
    free(pf);
    free(cs);
}

static void
statement_setup(statement *st, unsigned n, unsigned D, const inst_spec *spec, size_t n_inst)
{
    memset(st, 0, sizeof *st);
    st->n = n;
    st->degree = D;
    st->n_inst = n_inst;
    memcpy(st->spec, spec, n_inst * sizeof *spec);
    statement_make(st);
}

UNIT_TEST(sumcheck_e2e_honest_and_tampered)
{
    inst_spec spec[3] = {{SHAPE_ABC, 6}, {SHAPE_MIXED, 3}, {SHAPE_AB, 5}};
    inst_spec spec2[2] = {{SHAPE_AB, 5}, {SHAPE_SQUARE, 2}};
    statement st, st2;
    e2e_run run;

    statement_setup(&st, 6, 3, spec, 3);
    memset(&run, 0, sizeof run);
    run.seed = 1;
    e2e(&st, &run);
    CHECKF(run.verdict == 1 && run.check == 0, "honest: %s", run.reason ? run.reason : "");

    /* each tampering: the prover's own check sees it, the IPA rejects it */
    {
        static const e2e_tamper bad[] = {E2E_T, E2E_C0, E2E_C2, E2E_NO_POW2};
        size_t i;

        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            memset(&run, 0, sizeof run);
            run.tamper = bad[i];
            run.seed = 2;
            e2e(&st, &run);
            CHECKF(run.check == 1, "tamper %d", (int)bad[i]);
            CHECKF(run.verdict == 0, "tamper %d accepted", (int)bad[i]);
            CHECK(run.reason != NULL && strstr(run.reason, "final equation") != NULL);
        }
    }

    /* degree 2, one instance smaller than n */
    statement_setup(&st2, 5, 2, spec2, 2);
    memset(&run, 0, sizeof run);
    run.seed = 3;
    e2e(&st2, &run);
    CHECKF(run.verdict == 1 && run.check == 0, "D = 2: %s", run.reason ? run.reason : "");
    memset(&run, 0, sizeof run);
    run.tamper = E2E_NO_POW2;
    e2e(&st2, &run);
    CHECK(run.verdict == 0);
    statement_free(&st);
    statement_free(&st2);
}

/*
 * The harness itself: a forger that knows r_1 before sending s_1 proves a false hidden
 * sum.  Against the unbound order (r_j drawn before s_j is absorbed) it is accepted;
 * the real order rejects the same strategy.  Likewise for a mask committed after the
 * challenges.  So the tamper tests above can tell a bound transcript from an unbound
 * one.
 */
UNIT_TEST(sumcheck_unbound_transcript_is_forgeable)
{
    inst_spec spec[2] = {{SHAPE_ABC, 5}, {SHAPE_AB, 3}};
    statement st;
    e2e_run run;

    statement_setup(&st, 5, 3, spec, 2);
    /* sanity: the unbound order with an honest prover verifies too */
    memset(&run, 0, sizeof run);
    run.prover_unbound = run.verifier_unbound = 1;
    e2e(&st, &run);
    CHECK(run.verdict == 1);
    /* the forgery against the unbound order: accepted */
    memset(&run, 0, sizeof run);
    run.tamper = E2E_FORGE;
    run.prover_unbound = run.verifier_unbound = 1;
    e2e(&st, &run);
    CHECKF(run.verdict == 1 && run.check == 0, "unbound forgery rejected: %s",
           run.reason ? run.reason : "");
    /* the same strategy against the bound order: rejected */
    memset(&run, 0, sizeof run);
    run.tamper = E2E_FORGE;
    e2e(&st, &run);
    CHECK(run.verdict == 0 && run.check == 1);
    /* an unbound proof shown to the real verifier: rejected */
    memset(&run, 0, sizeof run);
    run.tamper = E2E_FORGE;
    run.prover_unbound = 1;
    e2e(&st, &run);
    CHECK(run.verdict == 0);

    /*
     * The mask: committed after the challenges, it can absorb a false hidden sum
     * (accepted); committed first, as the protocol has it, the same strategy must
     * guess r_n (rejected).  Knowing ρ early alone does not help: R_init and R_final
     * tie the mask on both ends, so ρ only serves zero knowledge.
     */
    memset(&run, 0, sizeof run);
    run.tamper = E2E_FORGE_MASK;
    run.mask_late = 1;
    e2e(&st, &run);
    CHECKF(run.verdict == 1 && run.check == 0, "late-mask forgery rejected: %s",
           run.reason ? run.reason : "");
    memset(&run, 0, sizeof run);
    run.tamper = E2E_FORGE_MASK;
    e2e(&st, &run);
    CHECK(run.verdict == 0 && run.check == 1);
    statement_free(&st);
}

/*
 * A LogUp-shaped batch (docs/protocol.md 7.7): LK (n_k = 3) and TB (w = 5) instances
 *   LK: λ·eq(τ, x)·(h·(α - f) - 1) + ζ·2^-(n-n_k)·h
 *   TB: λ'·eq(τ', y)·(g·(α - t) - m) - ζ·2^-(n-w)·g
 * have total 0 (zero-checks plus sum h = sum g).  With the ζ factors the honest proof
 * of H = 0 verifies; without 2^-(n-n_k) it fails.
 */
static void
logup_statement(statement *st, unsigned n, int with_factors)
{
    unsigned nk = 3, w = 5, i;
    size_t lk = (size_t)1 << nk, tb = (size_t)1 << w, x;
    fq_t alpha, lam, lam2, zeta, tau[8], tau2[8], c, zk, zt, one_neg;
    fq_t *eq, *h, *f, *eq2, *g, *tt, *m;
    const unsigned eh[2] = {0, 1}, ehf[3] = {0, 1, 2}, e0[1] = {0}, h1[1] = {1};
    const unsigned eg[2] = {0, 1}, egt[3] = {0, 1, 2}, em[2] = {0, 3}, g1[1] = {1};

    memset(st, 0, sizeof *st);
    st->n = n;
    st->degree = 3;
    st->n_inst = 2;
    st->spec[0].n_vars = nk;
    st->spec[1].n_vars = w;
    unit_random_fq(&alpha);
    unit_random_fq(&lam);
    unit_random_fq(&lam2);
    unit_random_fq(&zeta);
    for (i = 0; i < 8; i++) {
        unit_random_fq(&tau[i]);
        unit_random_fq(&tau2[i]);
    }
    for (i = 0; i < 3; i++)
        st->orig[0][i] = malloc(lk * sizeof(fq_t));
    for (i = 0; i < 4; i++)
        st->orig[1][i] = malloc(tb * sizeof(fq_t));
    eq = st->orig[0][0];
    h = st->orig[0][1];
    f = st->orig[0][2];
    eq2 = st->orig[1][0];
    g = st->orig[1][1];
    tt = st->orig[1][2];
    m = st->orig[1][3];
    mle_eq_table(eq, tau + (n - nk), nk);
    mle_eq_table(eq2, tau2 + (n - w), w);
    for (x = 0; x < tb; x++) {
        fq_set_u64(&tt[x], x);
        fq_set_zero(&m[x]);
    }
    for (x = 0; x < lk; x++) {
        size_t y = (unit_rand64() % tb);

        fq_set_u64(&f[x], y);
        fq_add(&m[y], &m[y], &FQ_ONE);
        fq_sub(&h[x], &alpha, &f[x]);
        fq_inv(&h[x], &h[x]);
    }
    for (x = 0; x < tb; x++) {
        fq_sub(&g[x], &alpha, &tt[x]);
        fq_inv(&g[x], &g[x]);
        fq_mul(&g[x], &g[x], &m[x]);
    }
    for (i = 0; i < 2; i++) {
        unsigned nt = i == 0 ? 3 : 4, tt2;
        size_t len = i == 0 ? lk : tb;

        sumcheck_instance_init(&st->inst[i], st->spec[i].n_vars);
        for (tt2 = 0; tt2 < nt; tt2++) {
            st->work[i][tt2] = malloc(len * sizeof(fq_t));
            memcpy(st->work[i][tt2], st->orig[i][tt2], len * sizeof(fq_t));
            sumcheck_instance_table(&st->inst[i], st->work[i][tt2]);
        }
    }
    if (with_factors) {
        pow2_inv(&zk, n - nk);
        pow2_inv(&zt, n - w);
        fq_mul(&zk, &zk, &zeta);
        fq_mul(&zt, &zt, &zeta);
    } else {
        zk = zeta;
        zt = zeta;
    }
    fq_neg(&one_neg, &FQ_ONE);
    /* LK = λα·eq·h - λ·eq·h·f - λ·eq + zk·h */
    fq_mul(&c, &lam, &alpha);
    sumcheck_instance_term(&st->inst[0], &c, 2, eh);
    fq_neg(&c, &lam);
    sumcheck_instance_term(&st->inst[0], &c, 3, ehf);
    sumcheck_instance_term(&st->inst[0], &c, 1, e0);
    sumcheck_instance_term(&st->inst[0], &zk, 1, h1);
    /* TB = λ'α·eq·g - λ'·eq·g·t - λ'·eq·m - zt·g */
    fq_mul(&c, &lam2, &alpha);
    sumcheck_instance_term(&st->inst[1], &c, 2, eg);
    fq_neg(&c, &lam2);
    sumcheck_instance_term(&st->inst[1], &c, 3, egt);
    sumcheck_instance_term(&st->inst[1], &c, 2, em);
    fq_neg(&c, &zt);
    sumcheck_instance_term(&st->inst[1], &c, 1, g1);
    for (i = 0; i < 2; i++)
        naive_sum(&st->sum[i], &st->inst[i], st->orig[i]);
}

UNIT_TEST(sumcheck_logup_zeta_factors)
{
    statement st;
    e2e_run run;
    fq_t H;

    logup_statement(&st, 7, 1);
    statement_hidden_sum(&H, &st);
    CHECK(fq_is_zero(&H));
    memset(&run, 0, sizeof run);
    run.zero_sum = 1;
    e2e(&st, &run);
    CHECKF(run.verdict == 1 && run.check == 0, "logup: %s", run.reason ? run.reason : "");
    statement_free(&st);

    /* without the 2^-(n-n_k) factors the batch no longer sums to 0: rejected */
    logup_statement(&st, 7, 0);
    statement_hidden_sum(&H, &st);
    CHECK(!fq_is_zero(&H));
    memset(&run, 0, sizeof run);
    run.zero_sum = 1;
    e2e(&st, &run);
    CHECK(run.verdict == 0 && run.check == 1);
    statement_free(&st);
}

/* ---- zero knowledge, sanity ---- */

static int
scalar_in(const fq_t *x, const fq_t *list, size_t n)
{
    uint8_t a[32], b[32];
    size_t i;

    fq_to_bytes(a, x);
    for (i = 0; i < n; i++) {
        fq_to_bytes(b, &list[i]);
        if (memcmp(a, b, 32) == 0)
            return 1;
    }
    return 0;
}

UNIT_TEST(sumcheck_zero_knowledge_sanity)
{
    inst_spec spec[2] = {{SHAPE_ABC, 4}, {SHAPE_AB, 2}};
    statement st;
    e2e_run a, b;
    fq_t proof[80], H;
    size_t np, k, x;
    unsigned t;

    statement_setup(&st, 4, 3, spec, 2);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.seed = 5;
    b.seed = 5;
    e2e(&st, &a);
    e2e(&st, &b);     /* the same statement, a fresh mask and blinds */
    CHECK(a.verdict == 1 && b.verdict == 1);
    CHECK(!fq_eq(&a.T, &b.T));
    CHECK(memcmp(a.msg, b.msg, a.n_msg * sizeof(fq_t)) != 0);
    for (k = 0; k < a.n_msg; k++)
        CHECK(!fq_eq(&a.msg[k], &b.msg[k]));

    /* no table entry, final or hidden sum among the proof's scalars */
    np = 0;
    proof[np++] = a.T;
    memcpy(proof + np, a.msg, a.n_msg * sizeof(fq_t));
    np += a.n_msg;
    proof[np++] = a.z[0];
    proof[np++] = a.z[1];
    statement_hidden_sum(&H, &st);
    CHECK(!scalar_in(&H, proof, np));
    for (k = 0; k < st.n_inst; k++) {
        CHECK(!scalar_in(&st.sum[k], proof, np));
        for (t = 0; t < st.inst[k].n_tables; t++) {
            for (x = 0; x < ((size_t)1 << st.spec[k].n_vars); x++)
                CHECK(!scalar_in(&st.orig[k][t][x], proof, np));
            CHECK(!scalar_in(&st.work[k][t][0], proof, np));
        }
    }
    statement_free(&st);
}

/*
 * Tables ending in zeros (witness columns padded to a power of two): the prover skips
 * the blocks where every table is zero.  Tails of different lengths per table and per
 * instance, including an all-zero instance and one zero table in a product; finals and
 * both relations against the definition, and the same transcript on 1 and 2 threads.
 */
UNIT_TEST(sumcheck_zero_tails)
{
    static const size_t keep[][3] = {{5000, 9000, 300}, {1, 0, 4096}, {0, 0, 0},
                                     {16384, 70, 12000}};
    size_t c, k, x;
    unsigned t;

    for (c = 0; c < sizeof keep / sizeof keep[0]; c++) {
        inst_spec sp[2] = {{SHAPE_ABC, 14}, {SHAPE_MIXED, 12}};
        statement st;

        memset(&st, 0, sizeof st);
        st.n = 14;
        st.degree = 3;
        st.n_inst = 2;
        memcpy(st.spec, sp, sizeof sp);
        statement_make(&st);
        for (k = 0; k < st.n_inst; k++) {
            size_t len = (size_t)1 << st.spec[k].n_vars;

            for (t = 0; t < st.inst[k].n_tables; t++)
                for (x = keep[c][t % 3] >> (2 * k); x < len; x++) {
                    fq_set_zero(&st.orig[k][t][x]);
                    fq_set_zero(&st.work[k][t][x]);
                }
            naive_sum(&st.sum[k], &st.inst[k], st.orig[k]);
        }
        CHECKF(statement_check_honest(&st), "case %zu", c);
        statement_free(&st);
    }
}
