/*
 * test_infer_proof.c: the inference proof end to end (docs/protocol.md 7; 11.1, 11.4, 11.9):
 * round trips over batch sizes and shapes, outputs bit-exact against the integer
 * reference of infer_case.c, the honest witness against the reference's, and the
 * zero-knowledge sanity checks.  Forgeries are in test_infer_forge.c, tampered
 * statements and proofs in test_infer_tamper.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "infer_case.h"
#include "infer_witness.h"
#include "unit.h"
#include "zkml.h"

/* Prove (fixed randomness), verify, and reject a changed output, a changed context,
 * a truncated and an extended proof.  Returns the proof (malloc'd) or NULL. */
static uint8_t *
round_trip_case(infer_case *ic, const char *what, size_t *len_out)
{
    uint8_t *proof = NULL, fixed[32] = {9};
    size_t len = 0, last_out;
    char err[ZKML_ERR_LEN] = "";
    const char *why = NULL;
    int rc;

    rc = infer_prove(&proof, &len, &ic->st, ic->seed,
                     &(infer_options){.fixed_rng = fixed}, err);
    CHECKF(rc == 0, "%s B = %zu: prove: %s", what, ic->B, err);
    if (rc != 0)
        return NULL;
    rc = infer_verify(&ic->st, proof, len, &why);
    CHECKF(rc == 1, "%s B = %zu: verify: %s", what, ic->B, why ? why : "");
    last_out = (ic->B - 1) * ic->m.layer[ic->m.n_layers - 1].m;    /* last row, first output */
    ic->y[last_out] ^= 1;
    CHECK(infer_verify(&ic->st, proof, len, &why) == 0);
    ic->y[last_out] ^= 1;
    ic->st.context_len = 7;
    CHECK(infer_verify(&ic->st, proof, len, &why) == 0);
    ic->st.context_len = 8;
    CHECK(infer_verify(&ic->st, proof, len - 1, &why) == 0);
    proof = realloc(proof, len + 32);
    if (proof == NULL)
        return NULL;
    memset(proof + len, 0, 32);
    CHECK(infer_verify(&ic->st, proof, len + 32, &why) == 0);
    *len_out = len;
    return proof;
}

static void
round_trip(const char *shape, size_t B)
{
    infer_case ic;
    uint8_t *proof;
    size_t len = 0;

    CHECKF(icase_fixture(&ic, shape, B) == 0, "%s B = %zu: fixture", shape, B);
    if (ic.st.model != NULL) {
        proof = round_trip_case(&ic, shape, &len);
        free(proof);
    }
    icase_free(&ic);
}

/* docs/protocol.md 11 asks for B = 1, 2, 3, 16, 1000 and 1024 on the standard shapes. */
static const size_t std_batches[] = {1, 2, 3, 16, 1000, 1024};

UNIT_TEST(infer_proof_lr20_batches)
{
    size_t i;

    for (i = 0; i < sizeof std_batches / sizeof std_batches[0]; i++)
        round_trip("lr20", std_batches[i]);
}

UNIT_TEST(infer_proof_mlp20_batches)
{
    size_t i;

    for (i = 0; i < sizeof std_batches / sizeof std_batches[0]; i++)
        round_trip("mlp20", std_batches[i]);
}

/* mlp64 at B = 1000 and 1024 takes about 7 s and 0.75 GB per proof (bench/RESULTS.md). */
UNIT_TEST(infer_proof_mlp64_batches)
{
    size_t i;

    for (i = 0; i < sizeof std_batches / sizeof std_batches[0]; i++)
        round_trip("mlp64", std_batches[i]);
}

UNIT_TEST(infer_proof_byte_flips_rejected)
{
    infer_case ic;
    uint8_t *proof = NULL, fixed[32] = {10};
    size_t len = 0, i, step, tried = 0, accepted = 0;
    char err[ZKML_ERR_LEN] = "";
    const char *why;

    CHECK(icase_fixture(&ic, "lr20", 2) == 0);
    CHECK(infer_prove(&proof, &len, &ic.st, ic.seed,
                      &(infer_options){.fixed_rng = fixed}, err) == 0);
    /* 64 positions spread over the whole proof, lowest and highest bit (a verify costs
     * ~0.15 s here, dominated by the 2^16-entry sigmoid table; test_infer_tamper.c
     * flips every byte of a small proof) */
    step = len / 64 + 1;
    for (i = 0; proof != NULL && i < len; i += step) {
        int bit;

        for (bit = 0; bit < 8; bit += 7) {
            proof[i] ^= (uint8_t)(1u << bit);
            tried++;
            if (infer_verify(&ic.st, proof, len, &why) != 0)
                accepted++;
            proof[i] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(tried >= 100);
    CHECKF(accepted == 0, "%zu of %zu flips accepted", accepted, tried);
    CHECK(infer_verify(&ic.st, proof, len, &why) == 1);
    free(proof);
    icase_free(&ic);
}

/* A prover whose weights differ from the committed ones (one weight changed, outputs
 * recomputed with it) must not convince the verifier. */
UNIT_TEST(infer_proof_uncommitted_weights_rejected)
{
    infer_case ic;
    uint8_t *proof = NULL, fixed[32] = {11};
    size_t len = 0;
    char err[ZKML_ERR_LEN] = "";
    const char *why = NULL;
    ref_trace rt;

    CHECK(icase_fixture(&ic, "mlp20", 2) == 0);
    ic.m.weights[1].w[5] += ic.m.weights[1].w[5] > 0 ? -1 : 1;
    CHECK(ref_forward(&rt, &ic.m, ic.x, ic.B) == 0);
    ref_outputs(&rt, ic.y);
    ref_free(&rt);
    CHECK(infer_prove(&proof, &len, &ic.st, ic.seed,
                      &(infer_options){.fixed_rng = fixed}, err) == 0);
    CHECK(infer_verify(&ic.st, proof, len, &why) == 0);
    CHECKF(why != NULL, "rejected by: %s", why ? why : "nothing");
    free(proof);
    icase_free(&ic);
}

/* ---- zero knowledge, sanity (docs/protocol.md 11.9) ---- */

/*
 * Windows of 32 bytes, at every offset of the proof, that encode a field element of
 * absolute value below 2^32: bytes 4..31 equal to those of 0 (small v) or of q (the
 * encoding of q - v).  Every scalar and point of an honest proof is uniformly random,
 * so none should, and every witness value (weights, bias, q, rem, limbs, a,
 * multiplicities) is that small.
 */
static size_t
small_windows(const uint8_t *proof, size_t len)
{
    static const uint8_t zero[28] = {0};
    uint8_t qb[32];
    fq_t minus_one;
    size_t j, found = 0;

    fq_set_i64(&minus_one, -1);
    fq_to_bytes(qb, &minus_one);                    /* q - 1: bytes 4..31 are q's */
    for (j = 0; j + 32 <= len; j++)
        found += memcmp(proof + j + 4, zero, 28) == 0 || memcmp(proof + j + 4, qb + 4, 28) == 0;
    return found;
}

/* How many of the values v[0..n) appear as 32-byte scalars at the element positions. */
static size_t
values_in_proof(const uint8_t *proof, size_t len, const int64_t *v, size_t n)
{
    size_t i, j, found = 0;

    for (i = 0; i < n; i++) {
        uint8_t enc[32];
        fq_t f;

        fq_set_i64(&f, v[i]);
        fq_to_bytes(enc, &f);
        for (j = 16; j + 32 <= len; j += 32)
            found += memcmp(proof + j, enc, 32) == 0;
    }
    return found;
}

/* Every weight, bias and intermediate (q, rem, limbs, a) of a case, deduplicated. */
static int64_t *
secret_values(const infer_case *ic, size_t *count)
{
    ref_trace rt;
    size_t cap = 0, n = 0, e, i, j;
    unsigned l, k;
    int64_t *v;

    if (ref_forward(&rt, &ic->m, ic->x, ic->B) != 0)
        return NULL;
    for (l = 0; l < rt.L; l++)
        cap += (size_t)ic->m.layer[l].m * (ic->m.layer[l].n + 1) +
               rt.rows[l] * rt.cols * (3 + rt.K[l]);
    v = malloc(cap * sizeof(int64_t));
    if (v == NULL) {
        ref_free(&rt);
        return NULL;
    }
    for (l = 0; l < rt.L; l++) {
        size_t nw = (size_t)ic->m.layer[l].m * ic->m.layer[l].n, ne = rt.rows[l] * rt.cols;

        for (i = 0; i < nw; i++)
            v[n++] = ic->m.weights[l].w[i];
        for (i = 0; i < ic->m.layer[l].m; i++)
            v[n++] = ic->m.weights[l].bias[i];
        for (e = 0; e < ne; e++) {
            v[n++] = rt.q[l][e];
            v[n++] = rt.rem[l][e];
            v[n++] = rt.a[l][e];
            for (k = 0; k < rt.K[l]; k++)
                v[n++] = rt.limb[l][k * ne + e];
        }
    }
    ref_free(&rt);
    /* deduplicate (quadratic, the cases are small) */
    for (i = 0, j = 0; i < n; i++) {
        size_t t;

        for (t = 0; t < j && v[t] != v[i]; t++)
            ;
        if (t == j)
            v[j++] = v[i];
    }
    *count = j;
    return v;
}

static void
zk_sanity(infer_case *ic, const char *what)
{
    uint8_t *proof = NULL, *proof2 = NULL;
    size_t len = 0, len2 = 0, nv = 0;
    char err[ZKML_ERR_LEN] = "";
    const char *why = NULL;
    int64_t *v;

    CHECK(infer_prove(&proof, &len, &ic->st, ic->seed, NULL, err) == 0);
    CHECK(infer_prove(&proof2, &len2, &ic->st, ic->seed, NULL, err) == 0);
    if (proof == NULL || proof2 == NULL)
        goto out;
    CHECKF(infer_verify(&ic->st, proof, len, &why) == 1, "%s: %s", what, why ? why : "");
    CHECK(len2 == len && memcmp(proof, proof2, len) != 0);
    CHECKF(small_windows(proof, len) == 0, "%s: a small value in the proof", what);
    CHECK(small_windows(proof2, len2) == 0);
    v = secret_values(ic, &nv);
    CHECK(v != NULL && nv > 4);
    if (v != NULL) {
        CHECKF(values_in_proof(proof, len, v, nv) == 0, "%s: a secret value in the proof",
               what);
        free(v);
    }
out:
    free(proof);
    free(proof2);
}

UNIT_TEST(infer_proof_zero_knowledge_sanity)
{
    static const unsigned five[] = {3, 5, 7, 2, 6, 1};
    infer_case ic;
    uint8_t plant[32];
    fq_t f;

    CHECK(icase_odd(&ic, five, 5, 5, 0) == 0);
    zk_sanity(&ic, "five layers");
    icase_free(&ic);
    CHECK(icase_fixture(&ic, "mlp20", 3) == 0);
    zk_sanity(&ic, "mlp20");
    icase_free(&ic);
    /* the scanners see what they look for, at any offset */
    memset(plant, 0xa5, sizeof plant);
    CHECK(small_windows(plant, sizeof plant) == 0);
    fq_set_i64(&f, -123456);
    fq_to_bytes(plant, &f);
    CHECK(small_windows(plant, sizeof plant) == 1);
    {
        uint8_t buf[100];
        int64_t val = 77;

        memset(buf, 0xa5, sizeof buf);
        fq_set_i64(&f, val);
        fq_to_bytes(buf + 48, &f);
        CHECK(small_windows(buf, sizeof buf) >= 1);
        CHECK(values_in_proof(buf, sizeof buf, &val, 1) == 1);
    }
}

/* ---- odd shapes ---- */

static void
odd_round_trip(const unsigned *dims, unsigned L, size_t B, int all_identity)
{
    infer_case ic;
    uint8_t *proof;
    size_t len = 0;
    char what[48];

    snprintf(what, sizeof what, "odd shape, L = %u", L);
    CHECKF(icase_odd(&ic, dims, L, B, all_identity) == 0, "%s B = %zu", what, B);
    if (ic.st.model != NULL) {
        proof = round_trip_case(&ic, what, &len);
        free(proof);
    }
    icase_free(&ic);
}

UNIT_TEST(infer_proof_odd_shapes)
{
    static const unsigned one[] = {3, 5};
    static const unsigned five[] = {3, 5, 7, 2, 6, 1};
    static const unsigned wide[] = {9, 17, 1};
    static const unsigned three[] = {6, 3, 11, 5};
    size_t i;

    for (i = 0; i < sizeof std_batches / sizeof std_batches[0]; i++) {
        odd_round_trip(one, 1, std_batches[i], 1);      /* a single identity layer */
        odd_round_trip(five, 5, std_batches[i], 0);     /* five layers, no power of two */
    }
    odd_round_trip(wide, 2, 7, 0);
    odd_round_trip(three, 3, 5, 1);                     /* identity activations only */
    odd_round_trip(three, 3, 1000, 1);
}

/* ---- the honest witness and the outputs against the reference ---- */

/* infer_witness_build (from model_forward's trace) equals the reference's witness:
 * padding rules and multiplicities included. */
static void
witness_matches(const infer_case *ic, const char *what)
{
    char err[ZKML_ERR_LEN] = "";
    infer_layout *lay = malloc(sizeof *lay);
    infer_witness wit;
    model_trace tr;
    ref_trace rt;
    int64_t *p1 = NULL;
    size_t diff = 0, i;

    memset(&wit, 0, sizeof wit);
    CHECK(lay != NULL && infer_layout_build(lay, &ic->m, ic->B, err) == 0);
    CHECK(model_forward(&tr, &ic->m, ic->x, ic->B, 0, err) == MODEL_OK);
    CHECKF(infer_witness_build(&wit, lay, &ic->m, &tr, err) == 0, "%s", err);
    CHECK(ref_forward(&rt, &ic->m, ic->x, ic->B) == 0);
    p1 = ref_witness(&rt, lay, 0);
    CHECK(p1 != NULL && wit.p1 != NULL && wit.len == ((size_t)1 << lay->l_P));
    if (p1 != NULL && wit.p1 != NULL)
        for (i = 0; i < wit.len; i++)
            diff += p1[i] != wit.p1[i];
    CHECKF(diff == 0, "%s: %zu witness entries differ from the reference", what, diff);
    free(p1);
    ref_free(&rt);
    infer_witness_free(&wit);
    model_trace_free(&tr);
    free(lay);
}

UNIT_TEST(infer_proof_witness_matches_reference)
{
    static const unsigned five[] = {3, 5, 7, 2, 6, 1};
    static const char *shapes[] = {"lr20", "mlp20", "mlp64"};
    infer_case ic;
    size_t i;

    for (i = 0; i < 3; i++) {
        CHECK(icase_fixture(&ic, shapes[i], 5) == 0);
        witness_matches(&ic, shapes[i]);
        icase_free(&ic);
    }
    CHECK(icase_odd(&ic, five, 5, 3, 0) == 0);
    witness_matches(&ic, "five layers");
    icase_free(&ic);
}

/*
 * A model made to hit the edges of requantization and activation (docs/protocol.md 11.4):
 *   layer 1: 2 -> 4, M = 1, s = 2: rows x0 (ties when x0 = 2 mod 4, negative ones
 *            included: -0.5 rounds up to 0), -x0, x0 + x1 and 3·x1 - x0; identity
 *            clamped to [-20, 20], so large |q| saturates on both sides;
 *   layer 2: 4 -> 3, M = 5, s = 3, s and M making ties less regular; identity clamped
 *            to [-9, 9] (an int16-range last layer).
 * Q = 8 on both; inputs sweep [-122, 118].
 */
static int
edge_model(zk_model *m)
{
    static const int32_t w1[8] = {1, 0, -1, 0, 1, 1, -1, 3};
    static const int32_t b1[4] = {0, 0, -1, 2};
    static const int32_t w2[12] = {1, 1, 0, 0, -1, 2, 1, 0, 0, 0, 1, -1};
    static const int32_t b2[3] = {0, -3, 4};
    unsigned l;

    memset(m, 0, sizeof *m);
    m->n_layers = 2;
    m->xbits = 8;
    for (l = 0; l < 2; l++) {
        model_layer *ly = &m->layer[l];

        ly->n = l == 0 ? 2 : 4;
        ly->m = l == 0 ? 4 : 3;
        ly->wbits = 8;
        ly->q_bits = 8;
        ly->limb_bits = 16;
        ly->shift = l == 0 ? 2 : 3;
        ly->mult = l == 0 ? 1 : 5;
        ly->act = malloc(256 * sizeof(int32_t));
        m->weights[l].w = malloc(ly->m * ly->n * sizeof(int32_t));
        m->weights[l].bias = malloc(ly->m * sizeof(int32_t));
        if (ly->act == NULL || m->weights[l].w == NULL || m->weights[l].bias == NULL)
            return -1;
        memcpy(m->weights[l].w, l == 0 ? w1 : w2, ly->m * ly->n * sizeof(int32_t));
        memcpy(m->weights[l].bias, l == 0 ? b1 : b2, ly->m * sizeof(int32_t));
        if (model_act_fill(ly->act, 8, MODEL_ACT_IDENTITY, 1.0, 1.0, l == 0 ? -20 : -9,
                           l == 0 ? 20 : 9, NULL) != MODEL_OK)
            return -1;
    }
    return model_validate(m, NULL) == MODEL_OK ? 0 : -1;
}

UNIT_TEST(infer_proof_outputs_match_reference)
{
    enum { B = 61 };
    static const char *shapes[] = {"lr20", "mlp20", "mlp64"};
    char err[ZKML_ERR_LEN] = "";
    int32_t x[2 * B];
    infer_case ic;
    model_trace tr;
    ref_trace rt;
    size_t i, diff, negatives = 0;
    uint8_t *proof;
    size_t len = 0;

    /* the fixtures: the reference against model_forward and the Python outputs */
    for (i = 0; i < 3; i++) {
        char name[64];
        size_t rows, cols, erows, ecols, j;
        int32_t *rx, *expected, *y;

        snprintf(name, sizeof name, "%s.rows.csv", shapes[i]);
        rx = fixture_csv(name, &rows, &cols);
        snprintf(name, sizeof name, "%s.expected.csv", shapes[i]);
        expected = fixture_csv(name, &erows, &ecols);
        CHECK(icase_fixture(&ic, shapes[i], 1) == 0);
        CHECK(rx != NULL && expected != NULL && erows == rows);
        if (rx != NULL && expected != NULL && ic.st.model != NULL &&
            ref_forward(&rt, &ic.m, rx, rows) == 0) {
            y = malloc(rows * ecols * sizeof(int32_t));
            ref_outputs(&rt, y);
            CHECKF(rt.out_of_range == 0, "%s: %zu out of range", shapes[i], rt.out_of_range);
            negatives += rt.negative;
            CHECK(model_forward(&tr, &ic.m, rx, rows, 0, err) == MODEL_OK);
            for (j = 0, diff = 0; j < rows * ecols; j++)
                diff += y[j] != expected[j] || y[j] != tr.out[j];
            CHECKF(diff == 0, "%s: %zu outputs differ", shapes[i], diff);
            model_trace_free(&tr);
            ref_free(&rt);
            free(y);
        }
        icase_free(&ic);
        free(rx);
        free(expected);
    }
    CHECK(negatives > 0);

    /* the edge model: ties (negative ones too), saturation, negative values */
    memset(&ic, 0, sizeof ic);
    CHECK(edge_model(&ic.m) == 0);
    for (i = 0; i < B; i++) {
        x[2 * i] = (int32_t)i * 4 - 122;            /* -122, -118, ..: all ties in row 0 */
        x[2 * i + 1] = (int32_t)((i * 37) % 241) - 120;
    }
    x[2] = -2;                                      /* -0.5 -> 0 */
    x[4] = 2;                                       /*  0.5 -> 1 */
    x[6] = -6;                                      /* -1.5 -> -1 */
    CHECK(ref_forward(&rt, &ic.m, x, B) == 0);
    CHECKF(rt.ties >= 10 && rt.negative_ties >= 5 && rt.saturated >= 10 && rt.negative >= 20 &&
           rt.out_of_range == 0, "ties %zu (negative %zu), saturated %zu, negative %zu",
           rt.ties, rt.negative_ties, rt.saturated, rt.negative);
    CHECK(rt.q[0][1] == 0 && rt.q[0][2] == 1 && rt.q[0][3] == -1);    /* row 0, b = 1, 2, 3 */
    CHECK(rt.a[0][0] == -20 && rt.a[0][64 * 0 + 60] == 20);         /* -30 and 30: clamped */
    ref_free(&rt);
    CHECK(icase_finish(&ic, x, B) == 0);
    if (ic.st.model != NULL) {
        CHECK(model_forward(&tr, &ic.m, x, B, 0, err) == MODEL_OK);
        for (i = 0, diff = 0; i < 3 * (size_t)B; i++)
            diff += ic.y[i] != tr.out[i];
        CHECKF(diff == 0, "edge model: %zu outputs differ from model_forward", diff);
        model_trace_free(&tr);
        /* and proven: the verifier accepts exactly the reference's outputs */
        proof = round_trip_case(&ic, "edge model", &len);
        free(proof);
    }
    icase_free(&ic);
}

/* ---- interruption (zkml.h) ---- */

static int interrupt_after;     /* hook calls left before it asks to stop */
static int interrupt_calls;

static int
interrupt_hook(void)
{
    interrupt_calls++;
    return interrupt_after-- <= 0;
}

/*
 * A hook that asks to stop at its n-th question stops the prover there, for every n
 * up to the number of questions an honest proof asks; the prover reports "interrupted"
 * and proves normally once the flag is cleared.  The asserts hold whatever the number of
 * questions asked from inside parallel regions.
 */
UNIT_TEST(infer_proof_interrupted_at_every_safe_point)
{
    infer_case pc;
    uint8_t *proof = NULL, fixed[32] = {13};
    size_t len = 0;
    char err[ZKML_ERR_LEN] = "";
    const char *why;
    int n, asked;

    CHECK(icase_fixture(&pc, "mlp20", 3) == 0);
    interrupt_after = 1 << 30;
    interrupt_calls = 0;
    zkml_set_interrupt_hook(interrupt_hook);
    CHECK(infer_prove(&proof, &len, &pc.st, pc.seed,
                      &(infer_options){.fixed_rng = fixed}, err) == 0);
    free(proof);
    asked = interrupt_calls;
    CHECKF(asked >= 20, "the prover asked %d times", asked);
    for (n = 0; n < asked; n += 1 + n / 8) {
        int rc;

        zkml_clear_interrupt();
        interrupt_after = n;
        interrupt_calls = 0;
        proof = NULL;
        rc = infer_prove(&proof, &len, &pc.st, pc.seed,
                         &(infer_options){.fixed_rng = fixed}, err);
        /* questions asked inside parallel regions depend on time: a run may ask fewer
         * than the first, and then finish without being told to stop */
        if (interrupt_calls <= n) {
            CHECKF(rc == 0, "never told to stop (question %d): %s", n, err);
            free(proof);
            continue;
        }
        CHECKF(rc == -1 && proof == NULL, "stop at question %d", n);
        CHECKF(strcmp(err, "interrupted") == 0, "stop at question %d: %s", n, err);
    }
    zkml_set_interrupt_hook(NULL);
    zkml_clear_interrupt();
    CHECK(infer_prove(&proof, &len, &pc.st, pc.seed,
                      &(infer_options){.fixed_rng = fixed}, err) == 0);
    CHECK(infer_verify(&pc.st, proof, len, &why) == 1);
    free(proof);
    icase_free(&pc);
}

/*
 * The memory estimate checked before proofs in SQL covers what a proof really takes: the
 * peak resident memory of a child that proves the fixture at B = 1024 (the parent's own
 * pages included, so the check errs toward a larger measure) is within it, and the
 * estimate is not wildly above (at most twice).  want: the estimate the formula gives.
 */
static void
estimate_covers_peak(const char *fixture, uint64_t want)
{
    infer_case pc;
    struct rusage ru;
    uint64_t est;
    double peak;
    int status;
    pid_t pid;

    CHECK(icase_fixture(&pc, fixture, 1024) == 0);
    est = infer_prove_memory_estimate(&pc.m, 1024);
    CHECKF(est == want, "%s: estimate %llu", fixture, (unsigned long long)est);
    CHECK(infer_prove_memory_estimate(&pc.m, 0) == 0);       /* no layout for B = 0 */
    fflush(stdout);
    /* the child measures its own proof (docs/protocol.md 10.1): nothing kept from the
     * tests before (a kept array is resident, and the child would map it), nor during */
    zkml_set_keep_memory(0);
    pid = fork();
    if (pid == 0) {
        uint8_t *proof = NULL;
        size_t len = 0;
        char err[ZKML_ERR_LEN];

        _exit(infer_prove(&proof, &len, &pc.st, pc.seed, NULL, err) == 0 ? 0 : 1);
    }
    CHECK(pid > 0);
    if (pid > 0) {
        CHECK(wait4(pid, &status, 0, &ru) == pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0);
        peak = (double)ru.ru_maxrss * 1024.0;
#ifndef UNIT_ASAN
        CHECKF((double)est >= peak && (double)est <= 2.0 * peak,
               "%s: estimate %.0f MB, peak %.0f MB", fixture, (double)est / 1048576.0,
               peak / 1048576.0);
#else
        (void)peak;     /* the peak holds AddressSanitizer's shadow and quarantine too */
#endif
    }
    zkml_set_keep_memory(ZKML_KEEP_MEMORY_DEFAULT);
    icase_free(&pc);
}

/* Version 1: 352 bytes per entry of 2^l_P (l_P = 19); version 2 (docs/protocol.md 10.1):
 * 64 per entry of P1 (l_P = 21) and of W (l_W = 13), 4 KiB per generator (N_V = 2^12,
 * P1's columns). */
UNIT_TEST(infer_proof_memory_estimate_covers_the_peak)
{
    estimate_covers_peak("mlp20", INFER_PROVER_FIXED_BYTES +
                                      (uint64_t)INFER_PROVER_BYTES_PER_ENTRY * (1u << 19));
    estimate_covers_peak("mlp20v2", INFER_PROVER_V2_FIXED_BYTES +
                                        (uint64_t)INFER_PROVER_V2_BYTES_PER_ENTRY *
                                            ((1u << 21) + (1u << 13)) +
                                        (uint64_t)INFER_PROVER_V2_BYTES_PER_GENERATOR *
                                            (1u << 12));
}
