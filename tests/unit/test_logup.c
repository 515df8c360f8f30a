/*
 * test_logup.c: LogUp end to end.  A small protocol commits a column r and a pair of
 * columns (q, a), and proves r lies in RANGE_8 and every (q, a) is a row of an
 * activation table ACT_8, with the pieces of docs/protocol.md 7.1-7.8 and 7.11-7.12:
 * Hyrax commitments, α and γ, inverse columns, one batched degree-3 sumcheck, committed
 * finals, product proofs, Hyrax openings and the linear relations.  A malicious
 * prover (the honest algorithm run on a false witness, skipping its own checks) then
 * tries each forgery of docs/protocol.md 11.3.
 */
#include <stdlib.h>
#include <string.h>

#include "drbg.h"
#include "generators.h"
#include "hyrax.h"
#include "linrel.h"
#include "logup.h"
#include "mle.h"
#include "pedersen.h"
#include "product.h"
#include "sumcheck.h"
#include "unit.h"

#define W 8                         /* both tables have 2^8 rows */
#define ROWS (1 << W)
#define D 3

/* columns, in commitment order: P1 then P2 */
enum { C_R, C_Q, C_A, C_MR, C_MA, C_H1, C_H2, C_GR, C_GA, N_COLS };
/* committed finals, in transcript order */
enum { F_H1, F_R, F_P1, F_H2, F_Q, F_A, F_P2, F_GR, F_MR, F_GA, F_MA, N_FINALS };
/* Hyrax openings: column, final, and which point (0: r^(1), 1: r^(2), 2: r^(T)) */
static const struct { int col, fin, point; } OPENINGS[] = {
    {C_H1, F_H1, 0}, {C_R, F_R, 0}, {C_H2, F_H2, 1}, {C_Q, F_Q, 1}, {C_A, F_A, 1},
    {C_GR, F_GR, 2}, {C_MR, F_MR, 2}, {C_GA, F_GA, 2}, {C_MA, F_MA, 2},
};
#define N_OPENINGS (sizeof OPENINGS / sizeof OPENINGS[0])

static int32_t act_out[ROWS];
static const logup_table RANGE8 = {W, 0, NULL};
static const logup_table ACT8 = {W, -(ROWS / 2), act_out};

/* the activation: x/2 for positive x, 0 otherwise */
static int64_t
act(int64_t x)
{
    return x > 0 ? x / 2 : 0;
}

static void
tables_setup(void)
{
    int y;

    for (y = 0; y < ROWS; y++)
        act_out[y] = (int32_t)act(y - ROWS / 2);
}

typedef struct {
    unsigned nk;                    /* lookup columns have 2^nk entries */
    int64_t *r, *q, *a;
    uint64_t m_r[ROWS], m_a[ROWS];
} witness;

typedef struct {
    hyrax_commitment col[N_COLS];
    ge_t CM;
    fq_t T, *msg;
    ge_t fin[N_FINALS];
    product_proof prod[2];
    ipa_proof open[N_OPENINGS];
    ipa_proof lin;
} lk_proof;

static unsigned
col_vars(const witness *w, int c)
{
    return (c == C_MR || c == C_MA || c == C_GR || c == C_GA) ? W : w->nk;
}

static unsigned
rounds(const witness *w)
{
    return w->nk > W ? w->nk : W;
}

static size_t
mask_log(const witness *w)
{
    size_t need = 4 * rounds(w), l = 0;

    while (((size_t)1 << l) < need)
        l++;
    return l;
}

/* The challenges both sides draw between commitments. */
typedef struct {
    fq_t alpha, gamma, lambda[4], zeta[2], rho;
    fq_t *tau;
} challenges;

static void
absorb_rows(transcript_t *t, const char *label, const hyrax_commitment *c)
{
    transcript_absorb_points(t, label, c->rows, (size_t)1 << c->lr);
}

static void
draw_before_p2(transcript_t *t, challenges *ch)
{
    transcript_challenge(t, "lookup/alpha", 0, &ch->alpha);
    transcript_challenge(t, "lookup/gamma", 0, &ch->gamma);
}

static void
draw_before_s1(transcript_t *t, challenges *ch, unsigned n)
{
    transcript_challenges(t, "lk/tau", 0, ch->tau, n);
    transcript_challenges(t, "S1/lambda-lk", 0, ch->lambda, 2);
    transcript_challenges(t, "S1/lambda-tb", 0, ch->lambda + 2, 2);
    transcript_challenges(t, "S1/zeta", 0, ch->zeta, 2);
    transcript_challenge(t, "S1/rho", 0, &ch->rho);
}

/* Public values at the final points: eq(τ^(k), r^(k)) and the table MLEs. */
static void
public_finals(const witness *w, const challenges *ch, const fq_t *r, fq_t eq[3],
              fq_t *t_r, fq_t *t_a)
{
    unsigned n = rounds(w), k;
    const fq_t *pts[3] = {r + (n - w->nk), r + (n - w->nk), r + (n - W)};
    const unsigned vars[3] = {w->nk, w->nk, W};

    for (k = 0; k < 3; k++) {
        fq_t *tab = malloc(((size_t)1 << vars[k]) * sizeof(fq_t));

        mle_eq_table(tab, ch->tau + (n - vars[k]), vars[k]);
        mle_eval(&eq[k], tab, vars[k], pts[k]);
        free(tab);
    }
    logup_table_mle(t_r, &RANGE8, r + (n - W), NULL);
    logup_table_mle(t_a, &ACT8, r + (n - W), &ch->gamma);
}

/* R_final's forms: LK1, LK2, TB_range, TB_act, over the finals' linrel ids. */
static void
final_forms(const witness *w, const challenges *ch, const size_t *id, const fq_t eq[3],
            const fq_t *t_r, const fq_t *t_a, linrel_form forms[4], linrel_term terms[4][2])
{
    unsigned n = rounds(w);
    fq_t zl, zt;

    logup_zeta_weight(&zl, &ch->zeta[0], n, w->nk);
    logup_lookup_form(&forms[0], terms[0], id[F_H1], id[F_P1], &ch->lambda[0], &ch->alpha,
                      &zl, &eq[0]);
    logup_zeta_weight(&zl, &ch->zeta[1], n, w->nk);
    logup_lookup_form(&forms[1], terms[1], id[F_H2], id[F_P2], &ch->lambda[1], &ch->alpha,
                      &zl, &eq[1]);
    logup_zeta_weight(&zt, &ch->zeta[0], n, W);
    logup_table_form(&forms[2], terms[2], id[F_GR], id[F_MR], &ch->lambda[2], &ch->alpha,
                     &zt, &eq[2], t_r);
    logup_zeta_weight(&zt, &ch->zeta[1], n, W);
    logup_table_form(&forms[3], terms[3], id[F_GA], id[F_MA], &ch->lambda[3], &ch->alpha,
                     &zt, &eq[2], t_a);
}

static void
to_field(fq_t *out, const int64_t *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        fq_set_i64(&out[i], v[i]);
}

/* Y2 = C_q + γ·C_a, the commitment to f = q + γ·a formed homomorphically. */
static void
tuple_commitment(ge_t *out, const ge_t *Cq, const ge_t *Ca, const fq_t *gamma)
{
    gep_t p, s;

    gep_set_ge(&p, Ca);
    gep_mul_vartime(&p, &p, gamma);
    gep_set_ge(&s, Cq);
    gep_add(&p, &p, &s);
    ge_set_gep(out, &p);
}

/*
 * The prover.  It runs the honest algorithm on whatever witness it is given; it does
 * not check that the witness is valid (that is the verifier's job here).  *bad_relation
 * receives the index of the first linear relation that does not hold (-1 if none).
 */
static int
lk_prove(lk_proof *pf, const witness *w, int *bad_relation)
{
    unsigned n = rounds(w), ml = (unsigned)mask_log(w), c;
    size_t N = (size_t)1 << w->nk, nM = (size_t)1 << ml, i;
    fq_t *col[N_COLS], *beta[N_COLS], *work[13], *mask, bM, fv[N_FINALS], fb[N_FINALS];
    fq_t r[SUMCHECK_MAX_ROUNDS], e_n, t_r, t_a, eq[3];
    uint8_t fixed[32], seed[32] = {0};
    challenges ch;
    transcript_t t;
    drbg_t rng;
    gep_t p;
    linrel lr;
    sumcheck_instance inst[4];
    size_t id[N_FINALS];
    linrel_form forms[4];
    linrel_term terms[4][2];
    int rc = -1;

    memset(fixed, 0x5a, sizeof fixed);
    transcript_init(&t, "test/logup", 10);
    drbg_init_fixed(&rng, fixed, seed, t.state);
    ch.tau = malloc(n * sizeof(fq_t));
    for (c = 0; c < N_COLS; c++) {
        col[c] = calloc((size_t)1 << col_vars(w, c), sizeof(fq_t));
        beta[c] = malloc(((size_t)1 << col_vars(w, c)) * sizeof(fq_t));
    }
    mask = malloc(nM * sizeof(fq_t));
    pf->msg = malloc(n * D * sizeof(fq_t));

    /* step 1: P1 and the mask */
    to_field(col[C_R], w->r, N);
    to_field(col[C_Q], w->q, N);
    to_field(col[C_A], w->a, N);
    for (i = 0; i < ROWS; i++) {
        fq_set_u64(&col[C_MR][i], w->m_r[i]);
        fq_set_u64(&col[C_MA][i], w->m_a[i]);
    }
    for (c = 0; c <= C_MA; c++) {
        unsigned lc, lrows;

        hyrax_split(col_vars(w, c), &lc, &lrows);
        drbg_scalars(&rng, beta[c], (size_t)1 << lrows);
        if (hyrax_commit(&pf->col[c], col[c], col_vars(w, c), hyrax_lc(col_vars(w, c)), beta[c]) != 0)
            goto out;
        absorb_rows(&t, "P1/rows", &pf->col[c]);
    }
    drbg_scalars(&rng, mask, nM);
    drbg_scalar(&rng, &bM);
    pedersen_comv(&p, mask, nM, &bM);
    ge_set_gep(&pf->CM, &p);
    transcript_absorb_point(&t, "mask/C", &pf->CM);

    /* steps 2-3: α, γ, then P2 */
    draw_before_p2(&t, &ch);
    {
        fq_t *f2 = malloc(N * sizeof(fq_t)), *tv = malloc(ROWS * sizeof(fq_t));

        for (i = 0; i < N; i++) {
            fq_mul(&f2[i], &ch.gamma, &col[C_A][i]);
            fq_add(&f2[i], &f2[i], &col[C_Q][i]);
        }
        if (logup_inverse_column(col[C_H1], col[C_R], NULL, N, &ch.alpha) != 0 ||
            logup_inverse_column(col[C_H2], f2, NULL, N, &ch.alpha) != 0)
            goto out;
        logup_table_values(tv, &RANGE8, NULL);
        if (logup_inverse_column(col[C_GR], tv, col[C_MR], ROWS, &ch.alpha) != 0)
            goto out;
        logup_table_values(tv, &ACT8, &ch.gamma);
        if (logup_inverse_column(col[C_GA], tv, col[C_MA], ROWS, &ch.alpha) != 0)
            goto out;
        free(f2);
        free(tv);
    }
    for (c = C_H1; c < N_COLS; c++) {
        unsigned lc, lrows;

        hyrax_split(col_vars(w, c), &lc, &lrows);
        drbg_scalars(&rng, beta[c], (size_t)1 << lrows);
        if (hyrax_commit(&pf->col[c], col[c], col_vars(w, c), hyrax_lc(col_vars(w, c)), beta[c]) != 0)
            goto out;
        absorb_rows(&t, "P2/rows", &pf->col[c]);
    }

    /* steps 4-7: τ, λ, ζ, ρ, then the sumcheck over working copies of the tables */
    draw_before_s1(&t, &ch, n);
    {
        fq_t zl[2], zt[2];

        for (i = 0; i < 13; i++)
            work[i] = malloc(((size_t)1 << n) * sizeof(fq_t));
        mle_eq_table(work[0], ch.tau + (n - w->nk), w->nk);
        memcpy(work[1], col[C_H1], N * sizeof(fq_t));
        memcpy(work[2], col[C_R], N * sizeof(fq_t));
        memcpy(work[3], work[0], N * sizeof(fq_t));
        memcpy(work[4], col[C_H2], N * sizeof(fq_t));
        for (i = 0; i < N; i++) {
            fq_mul(&work[5][i], &ch.gamma, &col[C_A][i]);
            fq_add(&work[5][i], &work[5][i], &col[C_Q][i]);
        }
        mle_eq_table(work[6], ch.tau + (n - W), W);
        memcpy(work[7], col[C_GR], ROWS * sizeof(fq_t));
        logup_table_values(work[8], &RANGE8, NULL);
        memcpy(work[9], col[C_MR], ROWS * sizeof(fq_t));
        memcpy(work[10], work[6], ROWS * sizeof(fq_t));
        memcpy(work[11], col[C_GA], ROWS * sizeof(fq_t));
        logup_table_values(work[12], &ACT8, &ch.gamma);
        logup_zeta_weight(&zl[0], &ch.zeta[0], n, w->nk);
        logup_zeta_weight(&zl[1], &ch.zeta[1], n, w->nk);
        logup_zeta_weight(&zt[0], &ch.zeta[0], n, W);
        logup_zeta_weight(&zt[1], &ch.zeta[1], n, W);
        if (logup_lookup_instance(&inst[0], w->nk, work[0], work[1], work[2],
                                  &ch.lambda[0], &ch.alpha, &zl[0]) != 0 ||
            logup_lookup_instance(&inst[1], w->nk, work[3], work[4], work[5],
                                  &ch.lambda[1], &ch.alpha, &zl[1]) != 0 ||
            logup_table_instance(&inst[2], W, work[6], work[7], work[8], work[9],
                                 &ch.lambda[2], &ch.alpha, &zt[0]) != 0 ||
            logup_table_instance(&inst[3], W, work[10], work[11], work[12], col[C_MA],
                                 &ch.lambda[3], &ch.alpha, &zt[1]) != 0)
            goto out;
    }
    /* TB_act folds its own copy of m_a: keep the column for the opening */
    {
        fq_t *ma = malloc(ROWS * sizeof(fq_t));

        memcpy(ma, col[C_MA], ROWS * sizeof(fq_t));
        inst[3].tables[3] = ma;
        if (sumcheck_prove(&t, "S1", n, D, &ch.rho, mask, inst, 4, &pf->T, pf->msg,
                           (size_t)n * D, r, &e_n, NULL) != 0) {
            free(ma);
            goto out;
        }
        fv[F_MA] = ma[0];
        free(ma);
    }

    /* step 8: the finals, committed; then the two product proofs */
    fv[F_H1] = work[1][0];
    fv[F_R] = work[2][0];
    fq_mul(&fv[F_P1], &fv[F_H1], &fv[F_R]);
    fv[F_H2] = work[4][0];
    mle_eval(&fv[F_Q], col[C_Q], w->nk, r + (n - w->nk));
    mle_eval(&fv[F_A], col[C_A], w->nk, r + (n - w->nk));
    fq_mul(&fv[F_P2], &fv[F_H2], &work[5][0]);
    fv[F_GR] = work[7][0];
    fv[F_MR] = work[9][0];
    fv[F_GA] = work[11][0];
    drbg_scalars(&rng, fb, N_FINALS);
    for (i = 0; i < N_FINALS; i++) {
        pedersen_com1(&p, &fv[i], &fb[i]);
        ge_set_gep(&pf->fin[i], &p);
    }
    transcript_absorb_points(&t, "S1/finals", pf->fin, N_FINALS);
    if (product_prove(&pf->prod[0], &t, &rng, &pf->fin[F_H1], &pf->fin[F_R],
                      &pf->fin[F_P1], &fv[F_H1], &fb[F_H1], &fv[F_R], &fb[F_R],
                      &fb[F_P1]) != 0)
        goto out;
    {
        ge_t Y2;
        fq_t f2, bf2;

        tuple_commitment(&Y2, &pf->fin[F_Q], &pf->fin[F_A], &ch.gamma);
        fq_mul(&f2, &ch.gamma, &fv[F_A]);
        fq_add(&f2, &f2, &fv[F_Q]);
        fq_mul(&bf2, &ch.gamma, &fb[F_A]);
        fq_add(&bf2, &bf2, &fb[F_Q]);
        if (product_prove(&pf->prod[1], &t, &rng, &pf->fin[F_H2], &Y2, &pf->fin[F_P2],
                          &fv[F_H2], &fb[F_H2], &f2, &bf2, &fb[F_P2]) != 0)
            goto out;
    }

    /* step 11: one Hyrax opening per committed final */
    for (i = 0; i < N_OPENINGS; i++) {
        int cc = OPENINGS[i].col, f = OPENINGS[i].fin;
        const fq_t *pt = r + (n - col_vars(w, cc));

        if (hyrax_open(&pf->open[i], &t, &rng, &pf->col[cc], col[cc], beta[cc], pt,
                       &pf->fin[f], &fb[f]) != 0)
            goto out;
    }

    /* step 12: R_init (H = 0 by the LogUp identity) and R_final */
    linrel_init_prover(&lr, &pf->CM, ml);
    for (i = 0; i < N_FINALS; i++)
        linrel_add_secret(&lr, &fv[i], &fb[i], &id[i]);
    public_finals(w, &ch, r, eq, &t_r, &t_a);
    final_forms(w, &ch, id, eq, &t_r, &t_a, forms, terms);
    sumcheck_relation_init(&lr, n, D, 0, &ch.rho, NULL, 0, &pf->T);
    sumcheck_relation_final(&lr, n, D, 0, &ch.rho, r, forms, 4, &e_n);
    {
        size_t bad;
        int chk = linrel_check(&lr, mask, &bad);

        *bad_relation = chk == 1 ? (int)bad : -1;
    }
    rc = linrel_prove(&lr, &t, &rng, mask, &bM, &pf->lin);
    linrel_clear(&lr);
    for (i = 0; i < 13; i++)
        free(work[i]);
out:
    for (c = 0; c < N_COLS; c++) {
        free(col[c]);
        free(beta[c]);
    }
    free(mask);
    free(ch.tau);
    drbg_clear(&rng);
    return rc;
}

/* The verifier: 1 accept, 0 reject with *reason, -1 internal failure. */
static int
lk_verify(const lk_proof *pf, const witness *shape, const char **reason)
{
    unsigned n = rounds(shape), ml = (unsigned)mask_log(shape), c;
    fq_t r[SUMCHECK_MAX_ROUNDS], e_n, t_r, t_a, eq[3];
    challenges ch;
    transcript_t t;
    linrel lr;
    size_t id[N_FINALS], i;
    linrel_form forms[4];
    linrel_term terms[4][2];
    ge_t Y2;
    int rc;

    ch.tau = malloc(n * sizeof(fq_t));
    transcript_init(&t, "test/logup", 10);
    for (c = 0; c <= C_MA; c++)
        absorb_rows(&t, "P1/rows", &pf->col[c]);
    transcript_absorb_point(&t, "mask/C", &pf->CM);
    draw_before_p2(&t, &ch);
    for (c = C_H1; c < N_COLS; c++)
        absorb_rows(&t, "P2/rows", &pf->col[c]);
    draw_before_s1(&t, &ch, n);
    rc = sumcheck_verify(&t, "S1", n, D, &pf->T, pf->msg, (size_t)n * D, r, &e_n, reason);
    if (rc != 1)
        goto out;
    transcript_absorb_points(&t, "S1/finals", pf->fin, N_FINALS);
    rc = product_verify(&t, &pf->fin[F_H1], &pf->fin[F_R], &pf->fin[F_P1], &pf->prod[0],
                        reason);
    if (rc != 1)
        goto out;
    tuple_commitment(&Y2, &pf->fin[F_Q], &pf->fin[F_A], &ch.gamma);
    rc = product_verify(&t, &pf->fin[F_H2], &Y2, &pf->fin[F_P2], &pf->prod[1], reason);
    if (rc != 1)
        goto out;
    for (i = 0; i < N_OPENINGS; i++) {
        int cc = OPENINGS[i].col;

        rc = hyrax_verify(&t, &pf->col[cc], r + (n - col_vars(shape, cc)),
                          &pf->fin[OPENINGS[i].fin], &pf->open[i], reason);
        if (rc != 1)
            goto out;
    }
    linrel_init_verifier(&lr, &pf->CM, ml);
    for (i = 0; i < N_FINALS; i++)
        linrel_add_commitment(&lr, &pf->fin[i], &id[i]);
    public_finals(shape, &ch, r, eq, &t_r, &t_a);
    final_forms(shape, &ch, id, eq, &t_r, &t_a, forms, terms);
    sumcheck_relation_init(&lr, n, D, 0, &ch.rho, NULL, 0, &pf->T);
    sumcheck_relation_final(&lr, n, D, 0, &ch.rho, r, forms, 4, &e_n);
    rc = linrel_verify(&lr, &t, &pf->lin, reason);
    linrel_clear(&lr);
out:
    free(ch.tau);
    return rc;
}

static void
lk_proof_free(lk_proof *pf)
{
    int c;

    for (c = 0; c < N_COLS; c++)
        hyrax_commitment_free(&pf->col[c]);
    free(pf->msg);
}

/* An honest witness: random r in [0, 256), q in [-128, 128), a = act(q). */
static void
witness_make(witness *w, unsigned nk)
{
    size_t N = (size_t)1 << nk, i;

    tables_setup();
    w->nk = nk;
    w->r = malloc(N * sizeof(int64_t));
    w->q = malloc(N * sizeof(int64_t));
    w->a = malloc(N * sizeof(int64_t));
    for (i = 0; i < N; i++) {
        w->r[i] = (int64_t)(unit_rand64() % ROWS);
        w->q[i] = (int64_t)(unit_rand64() % ROWS) - ROWS / 2;
        w->a[i] = act(w->q[i]);
    }
}

/* The honest multiplicities; 0, or 1 if some entry is not in its table. */
static int
witness_count(witness *w)
{
    size_t N = (size_t)1 << w->nk;

    memset(w->m_r, 0, sizeof w->m_r);
    memset(w->m_a, 0, sizeof w->m_a);
    return logup_count(w->m_r, &RANGE8, w->r, NULL, N, NULL) |
           logup_count(w->m_a, &ACT8, w->q, w->a, N, NULL);
}

static void
witness_free(witness *w)
{
    free(w->r);
    free(w->q);
    free(w->a);
}

UNIT_TEST(logup_tables_and_counts)
{
    fq_t t[ROWS], z[W], mle, want, gamma;
    uint64_t m[ROWS] = {0};
    int64_t in[3] = {-128, 127, 0}, out[3] = {0, 63, 0};
    size_t bad = 99;
    int i;

    tables_setup();
    fq_set_u64(&gamma, 1000003);
    logup_table_values(t, &ACT8, &gamma);
    for (i = 0; i < W; i++)
        fq_set_u64(&z[i], (uint64_t)(17 * i + 3));
    mle_eval(&want, t, W, z);
    CHECK(logup_table_mle(&mle, &ACT8, z, &gamma) == 0);
    CHECK(fq_eq(&mle, &want));
    logup_table_values(t, &RANGE8, NULL);
    mle_eval(&want, t, W, z);
    CHECK(logup_table_mle(&mle, &RANGE8, z, NULL) == 0);
    CHECK(fq_eq(&mle, &want));
    CHECK(logup_count(m, &ACT8, in, out, 3, &bad) == 0);
    CHECK(m[0] == 1 && m[255] == 1 && m[128] == 1);
    out[1] = 62;                    /* (127, 62) is not a row */
    CHECK(logup_count(m, &ACT8, in, out, 3, &bad) == 1 && bad == 1);
    in[0] = 256;                    /* outside RANGE_8, and below it */
    CHECK(logup_count(m, &RANGE8, in, NULL, 3, &bad) == 1 && bad == 0);
    in[0] = -1;
    CHECK(logup_count(m, &RANGE8, in, NULL, 3, &bad) == 1 && bad == 0);
}

UNIT_TEST(logup_honest_proofs_verify)
{
    static const unsigned sizes[] = {3, 8, 10};
    size_t s;

    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        witness w;
        lk_proof pf;
        const char *reason = NULL;
        int bad;

        witness_make(&w, sizes[s]);
        CHECK(witness_count(&w) == 0);
        CHECK(lk_prove(&pf, &w, &bad) == 0);
        CHECK(bad == -1);
        CHECKF(lk_verify(&pf, &w, &reason) == 1, "2^%u entries: %s", sizes[s],
               reason ? reason : "");
        lk_proof_free(&pf);
        witness_free(&w);
    }
}

/*
 * Each forgery of docs/protocol.md 11.3 that a lookup must catch.  The malicious prover
 * commits the false witness and proves as if it were true; the LogUp identity then
 * fails, which shows in R_init (relation 0): the verifier rejects in the final
 * inner-product argument of the linear relations.
 */
static void
expect_rejected(witness *w, const char *what)
{
    lk_proof pf;
    const char *reason = NULL;
    int bad, rc;

    CHECKF(lk_prove(&pf, w, &bad) == 0, "%s: the malicious prover ran", what);
    CHECKF(bad == 0, "%s: R_init should be the relation that fails (got %d)", what, bad);
    rc = lk_verify(&pf, w, &reason);
    CHECKF(rc == 0, "%s: accepted", what);
    CHECKF(reason != NULL && strstr(reason, "inner-product") != NULL,
           "%s: caught by %s", what, reason ? reason : "nothing");
    lk_proof_free(&pf);
}

UNIT_TEST(logup_rejects_each_forgery)
{
    witness w;

    witness_make(&w, 5);
    /* an entry outside RANGE_8, counted at the nearest row */
    w.r[3] = 256;
    witness_count(&w);
    w.m_r[255]++;
    expect_rejected(&w, "r = 256");
    witness_free(&w);

    witness_make(&w, 5);
    CHECK(witness_count(&w) == 0);
    w.m_r[w.r[0]]--;                /* a wrong multiplicity, same total */
    w.m_r[(w.r[0] + 1) % ROWS]++;
    expect_rejected(&w, "wrong multiplicity");
    witness_free(&w);

    witness_make(&w, 5);
    w.r[31] = w.r[30];              /* padding: the last entry repeated ... */
    w.q[31] = w.q[30];
    w.a[31] = w.a[30];
    CHECK(witness_count(&w) == 0);
    w.m_r[w.r[31]]--;               /* ... but not counted */
    w.m_a[w.q[31] + ROWS / 2]--;
    expect_rejected(&w, "padding not counted");
    witness_free(&w);

    witness_make(&w, 5);
    CHECK(witness_count(&w) == 0);
    w.a[7] = act(w.q[7]) + 1;       /* a != ACT(q), counted at q's row */
    expect_rejected(&w, "a != ACT(q)");
    witness_free(&w);

    witness_make(&w, 5);
    w.q[0] = 100;                   /* make the swap visible: act(100) = 50 */
    w.a[0] = act(100);
    CHECK(witness_count(&w) == 0);
    {
        int64_t *s = w.q;           /* (q, a) -> (a, q), counts of the true tuples */

        w.q = w.a;
        w.a = s;
    }
    expect_rejected(&w, "swapped tuple columns");
    witness_free(&w);
}

/*
 * A table past the inner sums' 2^10 rows, with outputs of both signs up to the int32
 * extremes: logup_table_mle against the MLE of its values.
 */
UNIT_TEST(logup_table_mle_large_table)
{
    enum { L = 13 };
    static int32_t outs[1 << L];
    static fq_t t[1 << L];
    logup_table T = {L, -4096, outs};
    fq_t z[L], mle, want, gamma;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t y;
    int i;

    for (y = 0; y < ((size_t)1 << L); y++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        outs[y] = (int32_t)(uint32_t)x;
    }
    outs[0] = INT32_MIN;
    outs[1] = INT32_MAX;
    outs[(1 << L) - 1] = INT32_MIN;
    fq_set_u64(&gamma, 7919);
    for (i = 0; i < L; i++)
        fq_set_u64(&z[i], (uint64_t)(1000 * i + 77));
    fq_neg(&z[3], &z[3]);
    logup_table_values(t, &T, &gamma);
    mle_eval(&want, t, L, z);
    CHECK(logup_table_mle(&mle, &T, z, &gamma) == 0);
    CHECK(fq_eq(&mle, &want));
}
