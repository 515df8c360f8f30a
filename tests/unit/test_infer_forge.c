/*
 * test_infer_forge.c: a malicious inference prover (docs/protocol.md 11.3, 11.5).
 *
 * Each forgery starts from the integer reference trace of infer_case.c, changes it the
 * way a cheating prover would (a remainder of 2^s with q shifted to compensate, a limb
 * of 2^w, q outside its table, a != ACT(q), the tuple swapped, an output with q changed
 * to match, wrong or missing multiplicities, weights other than the committed ones),
 * recomputes every later layer from the changed values so that nothing else is off,
 * and takes the outputs of the statement from the result.  The prover of
 * infer_testing.h commits that witness as it is and skips its own checks; the verifier
 * must reject every one.  Where the proof is rejected is stable and checked too: a
 * forged witness leaves every commitment, product and opening honest, so it is the
 * hidden sum of S1 (relation R1: the LogUp sums and the requantization identities)
 * that fails, at the very last check, the linear-relation argument.
 *
 * The harness checks itself: the same machinery with no change verifies, and a prover
 * that learns α and γ before committing P1 (an order the protocol forbids) does forge
 * a wrong output with a non-integer multiplicity, which the real order rejects.
 *
 * The infer_checks_* tests at the end show that every check of the verifier matters.
 */
#include <stdlib.h>
#include <string.h>

#include "infer_case.h"
#include "infer_testing.h"
#include "unit.h"

/* the rejection of the last check, the linear-relation IPA */
#define FINAL_CHECK "inner-product argument: the final equation does not hold"

/* ---- the forge model ----
 *
 * Layer 1: 3 -> 5, Q = 8, s = 6 with 4-bit limbs (K = 2: widths 4 and 2), M = 1,
 *          ACT(q) = floor(q / 2) (not symmetric, for the swapped tuple).  Row 0 is
 *          Y = x0 (controlled remainders), row 1 is Y = 64·x0 (q = x0 exactly, so an
 *          input of 128 puts q one past the table).
 * Layer 2: 5 -> 3, Q = 8, s = 4 (one 4-bit limb), M = 3, identity clamped to [-60, 60].
 * xbits = 9.  B = 3: one padded batch column, padded rows in both layers.
 */
static int
forge_model(zk_model *m)
{
    static const int32_t w1[15] = {1, 0, 0, 64, 0, 0, 2, -3, 1, -1, 2, 3, 3, 1, -2};
    static const int32_t b1[5] = {0, 0, 5, -7, 0};
    static const int32_t w2[15] = {1, 0, 1, -1, 0, 0, 1, -1, 0, 2, 2, -1, 0, 1, 1};
    static const int32_t b2[3] = {3, -2, 0};
    unsigned l;
    int y;

    memset(m, 0, sizeof *m);
    m->n_layers = 2;
    m->xbits = 9;
    for (l = 0; l < 2; l++) {
        model_layer *ly = &m->layer[l];

        ly->n = l == 0 ? 3 : 5;
        ly->m = l == 0 ? 5 : 3;
        ly->wbits = 8;
        ly->q_bits = 8;
        ly->limb_bits = l == 0 ? 4 : 16;
        ly->shift = l == 0 ? 6 : 4;
        ly->mult = l == 0 ? 1 : 3;
        ly->act = malloc(256 * sizeof(int32_t));
        m->weights[l].w = malloc(15 * sizeof(int32_t));
        m->weights[l].bias = malloc(ly->m * sizeof(int32_t));
        if (ly->act == NULL || m->weights[l].w == NULL || m->weights[l].bias == NULL)
            return -1;
        memcpy(m->weights[l].w, l == 0 ? w1 : w2, 15 * sizeof(int32_t));
        memcpy(m->weights[l].bias, l == 0 ? b1 : b2, ly->m * sizeof(int32_t));
        for (y = -128; y < 128; y++)
            ly->act[y + 128] = l == 0 ? (y >= 0 ? y / 2 : -((-y + 1) / 2))
                                      : (y < -60 ? -60 : y > 60 ? 60 : y);
    }
    return model_validate(m, NULL) == MODEL_OK ? 0 : -1;
}

/* Inputs: row 0 gives layer-1 entry (0, 0) q = 1, rem = 0; row 1 gives (0, 1) q = 1,
 * rem = 16 (limbs 0 and 1); row 2 has negatives. */
static const int32_t forge_x[9] = {32, 5, -7, 48, -20, 11, -70, 9, 3};

typedef struct {
    zk_model m;
    weights_layout wl;
    hyrax_commitment rows;
    uint8_t seed[32];
    int32_t x[9];
    infer_layout lay;
    ref_trace rt;
} forge_case;

static int
forge_setup(forge_case *fc)
{
    char err[ZKML_ERR_LEN] = "";

    memset(fc, 0, sizeof *fc);
    memcpy(fc->x, forge_x, sizeof fc->x);
    unit_rand_bytes(fc->seed, 32);
    if (forge_model(&fc->m) != 0 || weights_layout_build(&fc->wl, &fc->m) != 0 ||
        weights_commit(&fc->rows, &fc->wl, &fc->m, fc->seed) != 0 ||
        infer_layout_build(&fc->lay, &fc->m, 3, err) != 0)
        return -1;
    return ref_forward(&fc->rt, &fc->m, fc->x, 3);
}

static void
forge_free(forge_case *fc)
{
    ref_free(&fc->rt);
    hyrax_commitment_free(&fc->rows);
    model_free(&fc->m);
}

/* Entry (i, b) of a layer in the reference trace (cols = 4 for B = 3). */
static size_t
at(size_t i, size_t b)
{
    return b + 4 * i;
}

/* ---- the malicious prover ---- */

typedef struct {
    const int64_t *p1;
    size_t len;
    int len_ok;
    size_t field_at;            /* tamper_field: add delta to this P1 entry */
    int64_t field_bad;          /* the looked-up value that is not a table row */
    int64_t field_row;          /* t[field_at's row] */
} forgery;

static void
commit_this(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    forgery *f = arg;

    (void)lay;
    (void)m;
    f->len_ok = len == f->len;
    if (f->len_ok)
        memcpy(p1, f->p1, len * sizeof(int64_t));
}

/* m[row] += (α - t[row]) / (α - f_bad): the LogUp sums balance at this α only. */
static void
balance_at_alpha(fq_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                 const fq_t *alpha, const fq_t *gamma, void *arg)
{
    forgery *f = arg;
    fq_t num, den, v;

    (void)len;
    (void)lay;
    (void)m;
    (void)gamma;
    fq_set_i64(&v, f->field_row);
    fq_sub(&num, alpha, &v);
    fq_set_i64(&v, f->field_bad);
    fq_sub(&den, alpha, &v);
    fq_inv(&den, &den);
    fq_mul(&num, &num, &den);
    fq_add(&p1[f->field_at], &p1[f->field_at], &num);
}

typedef struct {
    int proved;
    int verdict;                /* infer_verify on the forged statement */
    const char *why;
    int broken;                 /* prover: first broken relation, -1 none */
    size_t bytes_read, len;     /* verifier: where it decided */
} outcome;

/*
 * Prove the witness p1 for the statement (fc's model and W rows, inputs x, outputs y)
 * with the malicious prover (early: the unsound order on both sides; field: the
 * field-level tamper), and verify it.
 */
static void
forge_run(forge_case *fc, const int32_t *x, const int32_t *y, forgery *f, int early,
          int field, outcome *o)
{
    infer_statement st = {&fc->m, &fc->rows, 3, x, y, (const uint8_t *)"forge", 5, NULL, 0, NULL, NULL};
    infer_test_report rep;
    infer_test_hooks hk;
    uint8_t *proof = NULL, fixed[32] = {21};
    size_t len = 0;
    char err[ZKML_ERR_LEN] = "";

    memset(o, 0, sizeof *o);
    memset(&hk, 0, sizeof hk);
    memset(&rep, 0, sizeof rep);
    f->len = (size_t)1 << fc->lay.l_P;
    hk.tamper_p1 = commit_this;
    hk.tamper_field = field ? balance_at_alpha : NULL;
    hk.arg = f;
    hk.early_lookup_challenges = early;
    hk.report = &rep;
    o->proved = infer_prove(&proof, &len, &st, fc->seed,
                            &(infer_options){.fixed_rng = fixed, .hooks = &hk}, err) == 0;
    CHECKF(o->proved && f->len_ok, "the malicious prover failed: %s", err);
    if (!o->proved)
        return;
    o->broken = rep.broken_relation;
    o->len = len;
    memset(&hk, 0, sizeof hk);
    hk.early_lookup_challenges = early;
    hk.report = &rep;
    o->verdict = early ? infer_verify_hooked(&st, proof, len, &o->why, &hk)
                       : infer_verify(&st, proof, len, &o->why);
    /* the report of the same verification, through the seam */
    CHECK(infer_verify_hooked(&st, proof, len, &o->why, &hk) == o->verdict);
    o->bytes_read = rep.bytes_read;
    free(proof);
}

/* A forged trace rt, committed with its own multiplicities (skip_padding as given),
 * outputs taken from it: rejected at the last check with R1 broken. */
static void
expect_rejected(forge_case *fc, const char *what, int skip_padding,
                void (*edit_p1)(int64_t *p1, forge_case *fc))
{
    int32_t y[9];
    forgery f;
    outcome o;

    memset(&f, 0, sizeof f);
    ref_outputs(&fc->rt, y);
    f.p1 = ref_witness(&fc->rt, &fc->lay, skip_padding);
    CHECK(f.p1 != NULL);
    if (f.p1 == NULL)
        return;
    if (edit_p1 != NULL)
        edit_p1((int64_t *)f.p1, fc);
    forge_run(fc, fc->x, y, &f, 0, 0, &o);
    CHECKF(o.proved && o.verdict == 0, "%s: verdict %d (%s)", what, o.verdict,
           o.why ? o.why : "");
    CHECKF(o.broken == 0, "%s: the prover saw relation %d broken first", what, o.broken);
    CHECKF(o.bytes_read == o.len && o.why != NULL && strcmp(o.why, FINAL_CHECK) == 0,
           "%s: rejected after %zu of %zu bytes: %s", what, o.bytes_read, o.len,
           o.why ? o.why : "");
    free((void *)f.p1);
}

/* Start each forgery from the honest trace (of fc->x, which may have changed). */
static void
reset(forge_case *fc)
{
    ref_free(&fc->rt);
    CHECK(ref_forward(&fc->rt, &fc->m, fc->x, 3) == 0);
}

/* The output of entry e of the last layer changed by a forgery (so the forged statement
 * claims a wrong score), checked against the honest reference. */
static int
output_changed(forge_case *fc)
{
    ref_trace honest;
    int changed = 0;
    size_t e;

    if (ref_forward(&honest, &fc->m, fc->x, 3) != 0)
        return 0;
    for (e = 0; e < honest.rows[1] * honest.cols; e++)
        changed |= honest.a[1][e] != fc->rt.a[1][e];
    ref_free(&honest);
    return changed;
}

UNIT_TEST(infer_forge_harness_accepts_the_honest_witness)
{
    forge_case fc;
    int32_t y[9];
    forgery f;
    outcome o;

    CHECK(forge_setup(&fc) == 0);
    CHECK(fc.rt.out_of_range == 0 && fc.rt.q[0][at(0, 0)] == 1 && fc.rt.rem[0][at(0, 0)] == 0);
    CHECK(fc.rt.q[0][at(0, 1)] == 1 && fc.rt.limb[0][at(0, 1)] == 0 &&
          fc.rt.limb[0][32 + at(0, 1)] == 1);
    memset(&f, 0, sizeof f);
    ref_outputs(&fc.rt, y);
    f.p1 = ref_witness(&fc.rt, &fc.lay, 0);
    forge_run(&fc, fc.x, y, &f, 0, 0, &o);
    CHECKF(o.verdict == 1 && o.broken == -1 && o.bytes_read == o.len, "verdict %d: %s",
           o.verdict, o.why ? o.why : "");
    free((void *)f.p1);
    forge_free(&fc);
}

/* rem = 2^s with q - 1 (t = 2^s·q + rem unchanged): the top limb is 4 in a 2-bit range. */
UNIT_TEST(infer_forge_rem_two_to_the_s)
{
    forge_case fc;
    size_t e = at(0, 0);

    CHECK(forge_setup(&fc) == 0);
    fc.rt.q[0][e] -= 1;
    fc.rt.rem[0][e] += 64;
    ref_split(&fc.rt, 0, e);
    fc.rt.limb[0][32 + e] = 4;                      /* rem >> 4, unmasked */
    fc.rt.a[0][e] = fc.m.layer[0].act[ref_row(&fc.rt, 0, fc.rt.q[0][e])];
    ref_layer(&fc.rt, 1);
    expect_rejected(&fc, "rem = 2^s", 0, NULL);

    /* the same on the last layer, where it changes a score: a limb >= 16 in RANGE_4
     * (batch columns 0 and 1 only: column 2 has a public padded copy) */
    reset(&fc);
    for (e = 0; e < 12; e++) {
        long row = ref_row(&fc.rt, 1, fc.rt.q[1][e]);

        if (e % 4 < 2 && row > 0 && fc.m.layer[1].act[row - 1] != fc.m.layer[1].act[row])
            break;
    }
    CHECK(e < 12);
    fc.rt.q[1][e] -= 1;
    fc.rt.rem[1][e] += 16;
    fc.rt.limb[1][e] = fc.rt.rem[1][e];
    fc.rt.a[1][e] = fc.m.layer[1].act[ref_row(&fc.rt, 1, fc.rt.q[1][e])];
    CHECK(output_changed(&fc));
    expect_rejected(&fc, "rem + 2^s on the output layer", 0, NULL);
    forge_free(&fc);
}

/* A limb of 2^w: limb 0 = 16 and limb 1 one less, rem and q unchanged. */
UNIT_TEST(infer_forge_limb_two_to_the_w)
{
    forge_case fc;
    size_t e = at(0, 1);

    CHECK(forge_setup(&fc) == 0);
    fc.rt.limb[0][e] += 16;
    fc.rt.limb[0][32 + e] -= 1;
    expect_rejected(&fc, "limb = 2^w", 0, NULL);
    forge_free(&fc);
}

/* q outside the table with the requantization exact: x0 = 128 makes layer-1 row 1
 * q = 128 = 2^(Q-1) (the honest prover cannot prove it at all); the forger claims the
 * saturated a, or the wrapped-around one; likewise q = -129. */
UNIT_TEST(infer_forge_q_outside_the_table)
{
    static const struct {
        int32_t x0;
        int wrapped;
    } cases[] = {{128, 0}, {128, 1}, {-129, 0}, {-129, 1}};
    forge_case fc;
    size_t c, e = at(1, 0);

    CHECK(forge_setup(&fc) == 0);
    for (c = 0; c < 4; c++) {
        long top = 255, bottom = 0;

        fc.x[0] = cases[c].x0;
        reset(&fc);
        CHECK(fc.rt.out_of_range == 1 && fc.rt.q[0][e] == (cases[c].x0 > 0 ? 128 : -129));
        fc.rt.a[0][e] = fc.m.layer[0].act[(cases[c].x0 > 0) != cases[c].wrapped ? top : bottom];
        ref_layer(&fc.rt, 1);
        expect_rejected(&fc, cases[c].wrapped ? "q outside, wrapped" : "q outside, saturated",
                        0, NULL);
    }
    fc.x[0] = forge_x[0];
    forge_free(&fc);
}

/* a != ACT(q), in a hidden layer (later layers recomputed) and in the output. */
UNIT_TEST(infer_forge_a_is_not_act_q)
{
    forge_case fc;

    CHECK(forge_setup(&fc) == 0);
    fc.rt.a[0][at(2, 1)] += 1;
    ref_layer(&fc.rt, 1);
    expect_rejected(&fc, "hidden a != ACT(q)", 0, NULL);
    reset(&fc);
    fc.rt.a[1][at(1, 0)] += 1;
    CHECK(output_changed(&fc));
    expect_rejected(&fc, "output a != ACT(q)", 0, NULL);
    forge_free(&fc);
}

/* The tuple swapped: (q, a) with (a, q) a row of ACT but (q, a) not.  q = 1, and
 * ACT(2) = 1, so a = 2 instead of ACT(1) = 0. */
UNIT_TEST(infer_forge_swapped_tuple)
{
    forge_case fc;
    size_t e = at(0, 0);

    CHECK(forge_setup(&fc) == 0);
    CHECK(fc.rt.q[0][e] == 1 && fc.rt.a[0][e] == 0 && fc.m.layer[0].act[128 + 2] == 1);
    fc.rt.a[0][e] = 2;
    ref_layer(&fc.rt, 1);
    CHECK(output_changed(&fc));
    expect_rejected(&fc, "swapped tuple", 0, NULL);
    forge_free(&fc);
}

/* A wrong output with q changed to match it (rem as it was): the lookup holds, the
 * requantization identity does not. */
UNIT_TEST(infer_forge_output_with_q_to_match)
{
    forge_case fc;
    size_t e = at(0, 1);

    CHECK(forge_setup(&fc) == 0);
    fc.rt.q[1][e] += 1;
    fc.rt.a[1][e] = fc.m.layer[1].act[ref_row(&fc.rt, 1, fc.rt.q[1][e])];
    CHECK(output_changed(&fc));
    expect_rejected(&fc, "output with q to match", 0, NULL);
    forge_free(&fc);
}

/* ---- multiplicities ---- */

static int64_t *
mult_column(int64_t *p1, forge_case *fc, int act_layer)
{
    unsigned t, n_act = 0;

    for (t = 0; t < fc->lay.n_tables; t++)
        if (!fc->lay.tables[t].is_range && n_act++ == (unsigned)act_layer)
            return p1 + fc->lay.p1[fc->lay.col_mult0 + t].offset;
    return NULL;
}

static void
one_more(int64_t *p1, forge_case *fc)
{
    mult_column(p1, fc, 0)[128] += 1;
}

static void
moved(int64_t *p1, forge_case *fc)
{
    int64_t *m = mult_column(p1, fc, 1);
    size_t y;

    for (y = 0; y < 256 && m[y] == 0; y++)
        ;
    CHECK(y < 255);
    m[y] -= 1;                                      /* the total stays the same */
    m[y + 1] += 1;
}

static void
range_moved(int64_t *p1, forge_case *fc)
{
    int64_t *m = p1 + fc->lay.p1[fc->lay.col_mult0].offset;     /* RANGE_2 */
    size_t y;

    CHECK(fc->lay.tables[0].is_range && fc->lay.tables[0].log_size == 2);
    for (y = 0; y < 4 && m[y] == 0; y++)
        ;
    CHECK(y < 4);
    m[y % 4] -= 1;
    m[(y + 1) % 4] += 1;
}

UNIT_TEST(infer_forge_wrong_multiplicities)
{
    forge_case fc;

    CHECK(forge_setup(&fc) == 0);
    expect_rejected(&fc, "one count too many", 0, one_more);
    expect_rejected(&fc, "a count moved to the next row", 0, moved);
    expect_rejected(&fc, "a range count moved", 0, range_moved);
    /* padded entries (3 padded rows and one padded column in layer 1) left uncounted */
    expect_rejected(&fc, "padding not counted", 1, NULL);
    forge_free(&fc);
}

/* Weights other than the committed ones (one row replaced by another, or the bias),
 * outputs recomputed: the W opening's equation fails, in the batch of the IPAs' final
 * equations at the end (docs/protocol.md 4.3); that it is the W opening is shown by
 * infer_checks_opening_of_w, with that check off. */
UNIT_TEST(infer_forge_other_weights_than_committed)
{
    forge_case fc;
    int variant;

    CHECK(forge_setup(&fc) == 0);
    for (variant = 0; variant < 2; variant++) {
        int32_t saved[3], y[9], honest_y[9];
        forgery f;
        outcome o;

        reset(&fc);
        ref_outputs(&fc.rt, honest_y);
        memcpy(saved, fc.m.weights[0].w + 6, sizeof saved);
        if (variant == 0)                           /* row 2 := row 1 */
            memcpy(fc.m.weights[0].w + 6, fc.m.weights[0].w + 3, sizeof saved);
        else
            fc.m.weights[0].bias[2] += 200;
        reset(&fc);
        ref_outputs(&fc.rt, y);
        CHECK(fc.rt.out_of_range == 0 && memcmp(y, honest_y, sizeof y) != 0);
        memset(&f, 0, sizeof f);
        f.p1 = ref_witness(&fc.rt, &fc.lay, 0);
        forge_run(&fc, fc.x, y, &f, 0, 0, &o);
        CHECKF(o.verdict == 0 && o.why != NULL && strcmp(o.why, FINAL_CHECK) == 0,
               "variant %d: verdict %d after %zu of %zu: %s", variant, o.verdict, o.bytes_read,
               o.len, o.why != NULL ? o.why : "(none)");
        free((void *)f.p1);
        memcpy(fc.m.weights[0].w + 6, saved, sizeof saved);
        if (variant == 1)
            fc.m.weights[0].bias[2] -= 200;
    }
    forge_free(&fc);
}

/* ---- the harness check: a prover who knows α before committing P1 ---- */

UNIT_TEST(infer_forge_early_alpha_is_forgeable)
{
    forge_case fc;
    int32_t y[9], honest_y[9];
    forgery f;
    outcome o;
    size_t e = at(0, 0), y0 = 5;
    unsigned t_range4 = 1;

    CHECK(forge_setup(&fc) == 0);
    ref_outputs(&fc.rt, honest_y);
    /* the output-layer entry (0, 0): q - 1 and its limb + 16, a wrong score */
    CHECK(ref_row(&fc.rt, 1, fc.rt.q[1][e] - 1) >= 0);
    fc.rt.q[1][e] -= 1;
    fc.rt.rem[1][e] += 16;
    fc.rt.limb[1][e] = fc.rt.rem[1][e];
    fc.rt.a[1][e] = fc.m.layer[1].act[ref_row(&fc.rt, 1, fc.rt.q[1][e])];
    ref_outputs(&fc.rt, y);
    CHECK(y[0] != honest_y[0]);
    /* uncounted (not a row), balanced at α by a non-integer count of RANGE_4 row y0 */
    CHECK(fc.lay.tables[t_range4].is_range && fc.lay.tables[t_range4].log_size == 4);
    memset(&f, 0, sizeof f);
    f.p1 = ref_witness(&fc.rt, &fc.lay, 0);
    f.field_at = fc.lay.p1[fc.lay.col_mult0 + t_range4].offset + y0;
    f.field_bad = fc.rt.limb[1][e];
    f.field_row = (int64_t)y0;
    CHECK(f.field_bad >= 16);

    /* the unsound order, on both sides: the forged score is accepted */
    forge_run(&fc, fc.x, y, &f, 1, 1, &o);
    CHECKF(o.verdict == 1 && o.broken == -1, "early α: verdict %d, relation %d (%s)",
           o.verdict, o.broken, o.why ? o.why : "");
    /* the real order, the same strategy with the α it can predict: rejected */
    forge_run(&fc, fc.x, y, &f, 0, 1, &o);
    CHECKF(o.verdict == 0 && o.broken == 0 && o.bytes_read == o.len,
           "real order: verdict %d, relation %d", o.verdict, o.broken);
    /* without the balancing count, even the unsound order rejects */
    forge_run(&fc, fc.x, y, &f, 1, 0, &o);
    CHECK(o.verdict == 0 && o.broken == 0);
    free((void *)f.p1);

    /* an honest proof made in one order never verifies in the other */
    {
        infer_statement st = {&fc.m, &fc.rows, 3, fc.x, honest_y, (const uint8_t *)"x", 1, NULL, 0, NULL, NULL};
        infer_test_hooks early;
        uint8_t *proof = NULL;
        size_t len = 0;
        char err[ZKML_ERR_LEN] = "";
        const char *why;

        memset(&early, 0, sizeof early);
        early.early_lookup_challenges = 1;
        CHECK(infer_prove(&proof, &len, &st, fc.seed,
                          &(infer_options){.hooks = &early}, err) == 0);
        CHECK(infer_verify_hooked(&st, proof, len, &why, &early) == 1);
        CHECK(infer_verify(&st, proof, len, &why) == 0);
        free(proof);
        proof = NULL;
        CHECK(infer_prove(&proof, &len, &st, fc.seed, NULL, err) == 0);
        CHECK(infer_verify(&st, proof, len, &why) == 1);
        CHECK(infer_verify_hooked(&st, proof, len, &why, &early) == 0);
        free(proof);
    }
    forge_free(&fc);
}

/* ---- every check of the verifier matters ----
 *
 * For each check of infer_verify, a forged proof that the verifier rejects with every
 * check and accepts with that one check switched off (infer_test_hooks.skip).  Most
 * forgeries claim a wrong score; where a check guards only a sub-argument (a product
 * proof, a relation between honest values) the forgery is a false claim inside an
 * otherwise honest proof.  Removing any check from the verifier fails this test.
 */

typedef struct {
    forgery f;                  /* the witness committed (tamper_p1) */
    size_t h_at, g_at;          /* tamper_p2: P2 entries to change (SIZE_MAX: none) */
    int64_t h_row, g_bad;       /* h[h_at] = 1/(α - h_row); g[g_at] += 1/(α - g_bad) */
} check_forgery;

static void
commit_this_c(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    commit_this(p1, len, lay, m, &((check_forgery *)arg)->f);
}

static void
balance_at_alpha_c(fq_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                   const fq_t *alpha, const fq_t *gamma, void *arg)
{
    balance_at_alpha(p1, len, lay, m, alpha, gamma, &((check_forgery *)arg)->f);
}

static void
inverse_at(fq_t *out, const fq_t *alpha, int64_t v)
{
    fq_t d;

    fq_set_i64(&d, v);
    fq_sub(&d, alpha, &d);
    fq_inv(out, &d);
}

static void
tamper_p2_c(fq_t *p2, size_t len, const infer_layout *lay, const zk_model *m,
            const fq_t *alpha, const fq_t *gamma, void *arg)
{
    check_forgery *cf = arg;
    fq_t v;

    (void)len;
    (void)lay;
    (void)m;
    (void)gamma;
    if (cf->h_at != SIZE_MAX)
        inverse_at(&p2[cf->h_at], alpha, cf->h_row);
    if (cf->g_at != SIZE_MAX) {
        inverse_at(&v, alpha, cf->g_bad);
        fq_add(&p2[cf->g_at], &p2[cf->g_at], &v);
    }
}

/* Prove (strategy, with `skip` on the prover's side too: it matters there only for the
 * checks of both roles) and verify with `skip`.  The verdict, -1 if proving failed. */
static int
prove_and_verify(forge_case *fc, const int32_t *x, const int32_t *y, check_forgery *cf,
                 const infer_test_hooks *strategy, infer_check skip, unsigned idx,
                 const char **why)
{
    infer_statement st = {&fc->m, &fc->rows, 3, x, y, (const uint8_t *)"checks", 6, NULL, 0, NULL, NULL};
    infer_test_report rep;
    infer_test_hooks hk = *strategy, hv;
    uint8_t *proof = NULL, fixed[32] = {33};
    size_t len = 0;
    char err[ZKML_ERR_LEN] = "";
    int verdict;

    memset(&rep, 0, sizeof rep);
    cf->f.len = (size_t)1 << fc->lay.l_P;
    hk.tamper_p1 = commit_this_c;
    if (hk.tamper_field != NULL)
        hk.tamper_field = balance_at_alpha_c;
    hk.tamper_p2 = cf->h_at != SIZE_MAX || cf->g_at != SIZE_MAX ? tamper_p2_c : NULL;
    hk.arg = cf;
    hk.report = &rep;
    hk.skip = skip;
    hk.skip_index = idx;
    if (infer_prove(&proof, &len, &st, fc->seed,
                    &(infer_options){.fixed_rng = fixed, .hooks = &hk}, err) != 0 ||
        !cf->f.len_ok) {
        *why = "the malicious prover failed";
        return -1;
    }
    memset(&hv, 0, sizeof hv);
    hv.skip = skip;
    hv.skip_index = idx;
    hv.round_claim = rep.round_claim;
    verdict = infer_verify_hooked(&st, proof, len, why, &hv);
    free(proof);
    return verdict;
}

/* Rejected with every check (reason containing on_why when given), accepted without
 * `skip`. */
static void
expect_check_matters(forge_case *fc, const char *what, const int32_t *x, const int32_t *y,
                     check_forgery *cf, const infer_test_hooks *strategy, infer_check skip,
                     unsigned idx, const char *on_why)
{
    const char *why_on = NULL, *why_off = NULL;
    int on = prove_and_verify(fc, x, y, cf, strategy, INFER_CHECK_NONE, 0, &why_on);
    int off = prove_and_verify(fc, x, y, cf, strategy, skip, idx, &why_off);

    CHECKF(on == 0 && (on_why == NULL || (why_on != NULL && strstr(why_on, on_why) != NULL)),
           "%s (%u): with every check: verdict %d (%s)", what, idx, on, why_on ? why_on : "");
    CHECKF(off == 1, "%s (%u): with the check off: verdict %d (%s)", what, idx, off,
           why_off ? why_off : "");
}

static void
check_forgery_from(check_forgery *cf, forge_case *fc, int32_t *y)
{
    memset(cf, 0, sizeof *cf);
    cf->h_at = cf->g_at = SIZE_MAX;
    ref_outputs(&fc->rt, y);
    cf->f.p1 = ref_witness(&fc->rt, &fc->lay, 0);
}

/* The forged score of infer_forge_a_is_not_act_q: an output a != ACT(q). */
static void
forge_output_not_act(forge_case *fc)
{
    reset(fc);
    fc->rt.a[1][at(1, 0)] += 1;
    CHECK(output_changed(fc));
}

/* Rounds of S1 (n1) and S2 (n2) for the forge case, as the statement fixes them. */
static unsigned
forge_rounds(const forge_case *fc, int which)
{
    unsigned n = 0, l, t;

    if (which == 2)
        return fc->lay.l_P > fc->wl.l_W ? fc->lay.l_P : fc->wl.l_W;
    for (l = 0; l < fc->m.n_layers; l++) {
        n = fc->lay.nu[l] > n ? fc->lay.nu[l] : n;
        n = fc->lay.beta + fc->lay.mu[l] > n ? fc->lay.beta + fc->lay.mu[l] : n;
    }
    for (t = 0; t < fc->lay.n_tables; t++)
        n = fc->lay.tables[t].log_size > n ? fc->lay.tables[t].log_size : n;
    return n;
}

UNIT_TEST(infer_checks_input_domain)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9];

    CHECK(forge_setup(&fc) == 0);
    memset(&s, 0, sizeof s);
    fc.x[2] = 300;                                  /* xbits = 9: [-256, 256) */
    reset(&fc);
    CHECK(fc.rt.out_of_range == 0);
    check_forgery_from(&cf, &fc, y);
    expect_check_matters(&fc, "input outside xbits", fc.x, y, &cf, &s, INFER_CHECK_INPUT_DOMAIN,
                         0, "outside the model's input width");
    free((void *)cf.f.p1);
    fc.x[2] = forge_x[2];
    forge_free(&fc);
}

UNIT_TEST(infer_checks_each_product_proof)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9];
    unsigned i, n_products;

    CHECK(forge_setup(&fc) == 0);
    n_products = fc.m.n_layers - 1 + (unsigned)fc.lay.n_lookups;
    CHECK(n_products == 6);
    check_forgery_from(&cf, &fc, y);
    for (i = 0; i < n_products; i++) {
        memset(&s, 0, sizeof s);
        s.wrong_product = i + 1;
        expect_check_matters(&fc, "a product proof of x + 1", fc.x, y, &cf, &s,
                             INFER_CHECK_PRODUCT, i, "product proof: the check on X fails");
    }
    free((void *)cf.f.p1);
    forge_free(&fc);
}

/* A forged score whose hidden sum the claims state (R1 holds through T), carried by
 * shifted rounds up to round j, which an unchained verifier would take as it comes. */
UNIT_TEST(infer_checks_each_s1_round)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9];
    unsigned j, n1;

    CHECK(forge_setup(&fc) == 0);
    n1 = forge_rounds(&fc, 1);
    CHECK(n1 >= 4);
    forge_output_not_act(&fc);
    check_forgery_from(&cf, &fc, y);
    for (j = 0; j < n1; j++) {
        memset(&s, 0, sizeof s);
        s.forge_sum = 1;
        s.forge_round = j;
        expect_check_matters(&fc, "S1 round", fc.x, y, &cf, &s, INFER_CHECK_S1_ROUND, j,
                             FINAL_CHECK);
    }
    free((void *)cf.f.p1);
    forge_free(&fc);
}

/* False claims handed to S2 (the pre-claims shifted, R1 unchanged), their sum carried
 * by shifted rounds up to round j of S2. */
UNIT_TEST(infer_checks_each_s2_round)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9];
    unsigned j, n2;

    CHECK(forge_setup(&fc) == 0);
    n2 = forge_rounds(&fc, 2);
    CHECK(n2 >= 4);
    check_forgery_from(&cf, &fc, y);
    for (j = 0; j < n2; j++) {
        memset(&s, 0, sizeof s);
        s.shift_preclaims = 1;
        s.forge_sum = 2;
        s.forge_round = j;
        expect_check_matters(&fc, "S2 round", fc.x, y, &cf, &s, INFER_CHECK_S2_ROUND, j,
                             FINAL_CHECK);
    }
    free((void *)cf.f.p1);
    forge_free(&fc);
}

/* A wrong score whose LogUp sums balance through a multiplicity set after α is known:
 * the P1 that S1 and S2 see is not the one committed; only the opening of P1 + μ·P2
 * ties them. */
UNIT_TEST(infer_checks_opening_of_p)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9], honest_y[9];
    size_t e = at(0, 0);

    CHECK(forge_setup(&fc) == 0);
    ref_outputs(&fc.rt, honest_y);
    fc.rt.q[1][e] -= 1;
    fc.rt.rem[1][e] += 16;
    fc.rt.limb[1][e] = fc.rt.rem[1][e];
    fc.rt.a[1][e] = fc.m.layer[1].act[ref_row(&fc.rt, 1, fc.rt.q[1][e])];
    check_forgery_from(&cf, &fc, y);
    CHECK(y[0] != honest_y[0]);
    CHECK(fc.lay.tables[1].is_range && fc.lay.tables[1].log_size == 4);
    cf.f.field_at = fc.lay.p1[fc.lay.col_mult0 + 1].offset + 5;
    cf.f.field_bad = fc.rt.limb[1][e];
    cf.f.field_row = 5;
    memset(&s, 0, sizeof s);
    s.tamper_field = balance_at_alpha_c;
    s.tamper_field_late = 1;
    expect_check_matters(&fc, "P1 changed after its rows", fc.x, y, &cf, &s,
                         INFER_CHECK_OPENING_P, 0, FINAL_CHECK);
    free((void *)cf.f.p1);
    forge_free(&fc);
}

/* A score of other weights than the committed ones (a bias changed). */
UNIT_TEST(infer_checks_opening_of_w)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9], honest_y[9];

    CHECK(forge_setup(&fc) == 0);
    ref_outputs(&fc.rt, honest_y);
    fc.m.weights[0].bias[2] += 200;
    reset(&fc);
    check_forgery_from(&cf, &fc, y);
    CHECK(fc.rt.out_of_range == 0 && memcmp(y, honest_y, sizeof y) != 0);
    memset(&s, 0, sizeof s);
    expect_check_matters(&fc, "other weights", fc.x, y, &cf, &s, INFER_CHECK_OPENING_W, 0,
                         FINAL_CHECK);
    free((void *)cf.f.p1);
    fc.m.weights[0].bias[2] -= 200;
    forge_free(&fc);
}

/* Each relation of step 12 left out (both roles), with a forgery that breaks it alone:
 * R1 a forged score, R2 and R4 a last round bumped, R3 false pre-claims. */
UNIT_TEST(infer_checks_each_relation)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9];
    unsigned t;

    CHECK(forge_setup(&fc) == 0);
    for (t = 0; t < 4; t++) {
        if (t == 0)
            forge_output_not_act(&fc);
        else
            reset(&fc);
        check_forgery_from(&cf, &fc, y);
        memset(&s, 0, sizeof s);
        s.bump_last_round = t == 1 ? 1 : t == 3 ? 2 : 0;
        s.shift_preclaims = t == 2;
        expect_check_matters(&fc, "relation", fc.x, y, &cf, &s, INFER_CHECK_RELATION, t,
                             FINAL_CHECK);
        free((void *)cf.f.p1);
    }
    forge_free(&fc);
}

/* A wrong score through an output-layer limb of 16 or more in RANGE_4 (rem + 2^s). */
static size_t
forge_output_limb(forge_case *fc, int32_t *honest_y)
{
    size_t e;

    reset(fc);
    ref_outputs(&fc->rt, honest_y);
    for (e = 0; e < 12; e++) {
        long row = ref_row(&fc->rt, 1, fc->rt.q[1][e]);

        if (e % 4 < 2 && row > 0 && fc->m.layer[1].act[row - 1] != fc->m.layer[1].act[row])
            break;
    }
    CHECK(e < 12);
    fc->rt.q[1][e] -= 1;
    fc->rt.rem[1][e] += 16;
    fc->rt.limb[1][e] = fc->rt.rem[1][e];
    fc->rt.a[1][e] = fc->m.layer[1].act[ref_row(&fc->rt, 1, fc->rt.q[1][e])];
    CHECK(output_changed(fc));
    return e;
}

/* The zero-check of the lookup (h = 1/(α - f)) left out: h of the forged limb set to
 * 1/(α - 0) and row 0 counted once more.  The zero-check of the table (g = m/(α - t))
 * left out: g of row 0 raised by 1/(α - limb), the limb not counted. */
UNIT_TEST(infer_checks_lookup_and_table_zero_checks)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9], honest_y[9];
    size_t e;
    const unsigned k_limb2 = 3, t_range4 = 1;

    CHECK(forge_setup(&fc) == 0);
    CHECK(fc.lay.n_lookups == 5 && !fc.lay.lookups[k_limb2].is_act &&
          fc.lay.lookups[k_limb2].table == t_range4 && fc.lay.tables[t_range4].log_size == 4);

    e = forge_output_limb(&fc, honest_y);
    check_forgery_from(&cf, &fc, y);
    ((int64_t *)cf.f.p1)[fc.lay.p1[fc.lay.col_mult0 + t_range4].offset + 0] += 1;
    cf.h_at = fc.lay.p2[k_limb2].offset + e;
    cf.h_row = 0;
    memset(&s, 0, sizeof s);
    expect_check_matters(&fc, "lookup zero-check", fc.x, y, &cf, &s, INFER_CHECK_LOOKUP_ZERO,
                         k_limb2, FINAL_CHECK);
    free((void *)cf.f.p1);

    e = forge_output_limb(&fc, honest_y);
    check_forgery_from(&cf, &fc, y);
    cf.g_at = fc.lay.p2[fc.lay.n_lookups + t_range4].offset + 0;
    cf.g_bad = fc.rt.limb[1][e];
    CHECK(cf.g_bad >= 16);
    memset(&s, 0, sizeof s);
    expect_check_matters(&fc, "table zero-check", fc.x, y, &cf, &s, INFER_CHECK_TABLE_ZERO,
                         t_range4, FINAL_CHECK);
    free((void *)cf.f.p1);
    forge_free(&fc);
}

UNIT_TEST(infer_checks_final_inner_product)
{
    forge_case fc;
    check_forgery cf;
    infer_test_hooks s;
    int32_t y[9];

    CHECK(forge_setup(&fc) == 0);
    forge_output_not_act(&fc);
    check_forgery_from(&cf, &fc, y);
    memset(&s, 0, sizeof s);
    expect_check_matters(&fc, "a forged score", fc.x, y, &cf, &s, INFER_CHECK_LINEAR, 0,
                         FINAL_CHECK);
    free((void *)cf.f.p1);
    forge_free(&fc);
}
