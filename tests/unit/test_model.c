/*
 * test_model.c: the quantized model, its forward pass, its descriptor and the Q.json
 * reader (PROTOCOL.md 6.1, 7 step 0).
 *
 * The standard shapes in tests/fixtures (ZKML_FIXTURES overrides the directory; tests
 * run from the repository root) come with outputs computed by an independent Python
 * forward pass (tests/fixtures/make_fixtures.py); the C pass must match them bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "fixture.h"
#include "unit.h"

/* The internal relations of every traced entry: limbs recombine to rem, the
 * requantization identity 2^s·q + rem = M·Y + 2^(s-1), and a = ACT(q). */
static int
trace_consistent(const model_trace *tr, const zk_model *model)
{
    uint32_t l;

    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        const model_layer_trace *lt = &tr->layer[l];
        unsigned widths[MODEL_MAX_LIMBS], offsets[MODEL_MAX_LIMBS], k;
        unsigned K = model_limb_plan(ly, widths, offsets);
        size_t e, entries = (size_t)ly->m * tr->batch;

        if (K != lt->n_limbs || lt->y == NULL)
            return 0;
        for (e = 0; e < entries; e++) {
            unsigned __int128 sum = 0;
            __int128 lhs, rhs;

            for (k = 0; k < K; k++) {
                uint32_t limb = lt->limbs[(size_t)k * entries + e];

                if (widths[k] < 32 && limb >> widths[k] != 0)
                    return 0;
                sum += (unsigned __int128)limb << offsets[k];
            }
            if (sum != lt->rem[e])
                return 0;
            lhs = (__int128)lt->q[e] * ((__int128)1 << ly->shift) + lt->rem[e];
            rhs = (__int128)ly->mult * lt->y[e] + ((__int128)1 << (ly->shift - 1));
            if (lhs != rhs)
                return 0;
            if (lt->a[e] != ly->act[lt->q[e] + ((int32_t)1 << (ly->q_bits - 1))])
                return 0;
        }
    }
    return 1;
}

/* ---- the standard shapes against the Python reference ---- */

static void
check_fixture(const char *shape)
{
    char name[64], err[MODEL_ERR_LEN] = "";
    size_t rows, cols, erows, ecols, i;
    int32_t *x, *expected;
    zk_model model;
    model_trace tr;
    int rc;

    snprintf(name, sizeof name, "%s.q.json", shape);
    rc = fixture_model(&model, name, err);
    CHECKF(rc == MODEL_OK, "%s: %s", name, err);
    snprintf(name, sizeof name, "%s.rows.csv", shape);
    x = fixture_csv(name, &rows, &cols);
    snprintf(name, sizeof name, "%s.expected.csv", shape);
    expected = fixture_csv(name, &erows, &ecols);
    CHECKF(x != NULL && expected != NULL, "%s: fixture CSV files", shape);
    if (rc != MODEL_OK || x == NULL || expected == NULL)
        goto done;
    CHECK(cols == model.layer[0].n && erows == rows &&
          ecols == model.layer[model.n_layers - 1].m);
    rc = model_forward(&tr, &model, x, rows, 1, err);
    CHECKF(rc == MODEL_OK, "%s: %s", shape, err);
    if (rc == MODEL_OK) {
        size_t mismatches = 0;

        for (i = 0; i < erows * ecols; i++)
            mismatches += tr.out[i] != expected[i];
        CHECKF(mismatches == 0, "%s: %zu outputs differ from the Python reference", shape,
               mismatches);
        CHECKF(trace_consistent(&tr, &model), "%s: trace relations", shape);
        model_trace_free(&tr);
    }
done:
    free(x);
    free(expected);
    model_free(&model);
}

UNIT_TEST(model_fixture_lr20) { check_fixture("lr20"); }
UNIT_TEST(model_fixture_mlp20) { check_fixture("mlp20"); }
UNIT_TEST(model_fixture_mlp64) { check_fixture("mlp64"); }

/* ---- requantization against a separate reference ---- */

/* floor((M·Y + 2^(s-1)) / 2^s) through a Euclidean remainder, not a floor division. */
static void
ref_requantize(int64_t y, uint32_t mult, unsigned shift, __int128 *q, __int128 *rem)
{
    __int128 pow = (__int128)1 << shift;
    __int128 t = (__int128)y * mult + pow / 2;
    __int128 r = t % pow;

    if (r < 0)
        r += pow;
    *rem = r;
    *q = (t - r) / pow;
}

static int
requant_matches(int64_t y, uint32_t mult, unsigned shift)
{
    __int128 q, rq, rr;
    uint64_t rem;

    model_requantize(y, mult, shift, &q, &rem);
    ref_requantize(y, mult, shift, &rq, &rr);
    return q == rq && (__int128)rem == rr && rr >= 0 && rr < ((__int128)1 << shift);
}

UNIT_TEST(model_requantize_reference)
{
    static const int64_t ys[] = {0, 1, -1, 2, -2, 3, -3, 127, -128, 1000003, -1000003,
                                 ((int64_t)1 << 47) - 1, -((int64_t)1 << 47)};
    static const uint32_t mults[] = {1, 2, 3, 12345, 0x7fffffffu};
    static const unsigned shifts[] = {1, 2, 15, 16, 17, 31, 32, 33, 48, 63, 64};
    __int128 q;
    uint64_t rem;
    size_t a, b, c;
    int i;

    for (a = 0; a < sizeof ys / sizeof ys[0]; a++)
        for (b = 0; b < sizeof mults / sizeof mults[0]; b++)
            for (c = 0; c < sizeof shifts / sizeof shifts[0]; c++)
                CHECKF(requant_matches(ys[a], mults[b], shifts[c]), "Y %lld M %u s %u",
                       (long long)ys[a], mults[b], shifts[c]);
    for (i = 0; i < 20000; i++) {
        int64_t y = (int64_t)(unit_rand64() >> 17) - ((int64_t)1 << 46);
        uint32_t m = (uint32_t)(unit_rand64() % 0x7fffffffu) + 1;
        unsigned s = (unsigned)(unit_rand64() % 64) + 1;

        CHECKF(requant_matches(y, m, s), "Y %lld M %u s %u", (long long)y, m, s);
    }
    /* exact ties round half up, also for negatives: M = 1, s = 1 gives q = floor((Y+1)/2) */
    model_requantize(1, 1, 1, &q, &rem);
    CHECK(q == 1 && rem == 0);              /*  0.5 ->  1 */
    model_requantize(-1, 1, 1, &q, &rem);
    CHECK(q == 0 && rem == 0);              /* -0.5 ->  0 */
    model_requantize(-3, 1, 1, &q, &rem);
    CHECK(q == -1 && rem == 0);             /* -1.5 -> -1 */
    model_requantize(-4, 1, 1, &q, &rem);
    CHECK(q == -2 && rem == 1);             /* -2   -> -2, rem = 1 (t = -3) */
    model_requantize(-5, 3, 4, &q, &rem);
    CHECK(q == -1 && rem == 9);             /* -15/16 -> -1: t = -7 = -16 + 9 */
    model_requantize(0, 1, 64, &q, &rem);
    CHECK(q == 0 && rem == (uint64_t)1 << 63);
    model_requantize(-((int64_t)1 << 47), 0x7fffffffu, 64, &q, &rem);
    CHECK(q == -16384);                     /* floor(-2^14 + 2^-17 + 1/2) */
}

/* ---- a small model to exercise the edges ---- */

/* One layer 1 -> 1, W = 1, bias 0, M = 1, s = 1, Q = 4: q = floor((x + 1) / 2), the
 * table covering [-8, 8) with identity clamped to [-3, 5]. */
static int
tiny_model(zk_model *model, uint32_t layers)
{
    uint32_t l;

    memset(model, 0, sizeof *model);
    model->n_layers = layers;
    model->xbits = 8;
    for (l = 0; l < layers; l++) {
        model_layer *ly = &model->layer[l];

        ly->n = ly->m = 1;
        ly->wbits = 8;
        ly->q_bits = 4;
        ly->limb_bits = 1 + l;
        ly->shift = 1 + 2 * l;
        ly->mult = 1 + l;
        ly->act = malloc(16 * sizeof *ly->act);
        model->weights[l].w = malloc(sizeof(int32_t));
        model->weights[l].bias = malloc(sizeof(int32_t));
        if (ly->act == NULL || model->weights[l].w == NULL || model->weights[l].bias == NULL)
            return -1;
        model->weights[l].w[0] = 1;
        model->weights[l].bias[0] = 0;
        if (model_act_fill(ly->act, 4, MODEL_ACT_IDENTITY, 1.0, 1.0, -3, 5, NULL) != MODEL_OK)
            return -1;
    }
    return 0;
}

UNIT_TEST(model_forward_table_edges)
{
    static const int32_t ok_in[] = {13, 14, -16, -17, 0, -1, 4};
    static const int32_t ok_q[] = {7, 7, -8, -8, 0, 0, 2};
    static const int32_t ok_a[] = {5, 5, -3, -3, 0, 0, 2};
    char err[MODEL_ERR_LEN] = "";
    int32_t bad[3] = {0, 15, 0};
    model_trace tr;
    zk_model model;
    size_t b;
    int rc;

    CHECK(tiny_model(&model, 1) == 0);
    rc = model_forward(&tr, &model, ok_in, 7, 0, err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc == MODEL_OK) {
        for (b = 0; b < 7; b++)
            CHECKF(tr.layer[0].q[b] == ok_q[b] && tr.out[b] == ok_a[b], "row %zu", b);
        CHECK(tr.layer[0].y == NULL && tr.layer[0].n_limbs == 1);
        model_trace_free(&tr);
    }
    /* x = 15 gives q = 8, one past the table */
    rc = model_forward(&tr, &model, bad, 3, 0, err);
    CHECK(rc == MODEL_ERR_RANGE);
    CHECKF(strstr(err, "layer 1, output 0, batch row 1") != NULL, "%s", err);
    CHECK(tr.out == NULL && tr.layer[0].q == NULL);
    /* x = -18 gives q = -9, one below */
    bad[1] = -18;
    CHECK(model_forward(&tr, &model, bad, 3, 0, err) == MODEL_ERR_RANGE);
    /* inputs outside xbits */
    bad[1] = 128;
    CHECK(model_forward(&tr, &model, bad, 3, 0, err) == MODEL_ERR_INVALID);
    CHECKF(strstr(err, "input row 1, feature 0") != NULL, "%s", err);
    CHECK(model_forward(&tr, &model, bad, 0, 0, err) == MODEL_ERR_INVALID);
    model_free(&model);
}

UNIT_TEST(model_limb_plans)
{
    model_layer ly = {0};
    unsigned w[MODEL_MAX_LIMBS], o[MODEL_MAX_LIMBS];

    ly.shift = 24;
    ly.limb_bits = 16;
    CHECK(model_limb_plan(&ly, w, o) == 2 && w[0] == 16 && w[1] == 8 && o[1] == 16);
    ly.shift = 16;
    CHECK(model_limb_plan(&ly, w, o) == 1 && w[0] == 16 && o[0] == 0);
    ly.shift = 64;
    ly.limb_bits = 1;
    CHECK(model_limb_plan(&ly, w, o) == 64 && w[63] == 1 && o[63] == 63);
    ly.shift = 20;
    ly.limb_bits = 7;
    CHECK(model_limb_plan(&ly, w, o) == 3 && w[2] == 6 && o[2] == 14);
}

UNIT_TEST(model_activation_tables)
{
    int32_t t[256];
    char err[MODEL_ERR_LEN];

    /* Q = 8: index y stands for y - 128 */
    CHECK(model_act_fill(t, 8, MODEL_ACT_RELU, 1.0, 1.0, -128, 127, err) == MODEL_OK);
    CHECK(t[0] == 0 && t[127] == 0 && t[128] == 0 && t[129] == 1 && t[255] == 127);
    CHECK(model_act_fill(t, 8, MODEL_ACT_IDENTITY, 1.0, 1.0, -100, 100, err) == MODEL_OK);
    CHECK(t[0] == -100 && t[27] == -100 && t[28] == -100 && t[29] == -99 && t[255] == 100);
    CHECK(model_act_fill(t, 8, MODEL_ACT_IDENTITY, 0.5, 1.0, -128, 127, err) == MODEL_OK);
    CHECK(t[128 + 3] == 2 && t[128 - 3] == -1);       /* 1.5 -> 2, -1.5 -> -1: half up */
    CHECK(model_act_fill(t, 8, MODEL_ACT_SIGMOID, 1.0 / 16, 1.0 / 32768, -32768, 32767,
                         err) == MODEL_OK);
    CHECK(t[128] == 16384 && t[0] == 11 && t[255] == 32756);   /* 32768·σ(±127/16) */
    CHECK(model_act_fill(t, 8, MODEL_ACT_SIGMOID, 1.0, 1.0 / 32768, -32768, 32767, err) ==
          MODEL_OK);
    CHECK(t[255] == 32767 && t[0] == 0);                        /* clamped: σ(127) rounds to 1 */
    CHECK(model_act_fill(t, 8, MODEL_ACT_TANH, 1.0 / 32, 1.0 / 127, -128, 127, err) ==
          MODEL_OK);
    CHECK(t[128] == 0 && t[128 + 64] == -t[128 - 64] && t[128 + 64] == 122);
    CHECK(model_act_fill(t, 0, MODEL_ACT_RELU, 1.0, 1.0, 0, 1, err) == MODEL_ERR_INVALID);
    CHECK(model_act_fill(t, 21, MODEL_ACT_RELU, 1.0, 1.0, 0, 1, err) == MODEL_ERR_INVALID);
    CHECK(model_act_fill(t, 8, MODEL_ACT_RELU, 0.0, 1.0, 0, 1, err) == MODEL_ERR_INVALID);
    CHECK(model_act_fill(t, 8, MODEL_ACT_RELU, 1.0, -1.0, 0, 1, err) == MODEL_ERR_INVALID);
    CHECK(model_act_fill(t, 8, MODEL_ACT_RELU, 1.0, 1.0, 2, 1, err) == MODEL_ERR_INVALID);
}

/* ---- the canonical descriptor ---- */

static void
put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Decoding buf with the u32 at offset replaced by v must fail. */
static int
rejects_field(const uint8_t *buf, size_t len, size_t offset, uint32_t v)
{
    uint8_t *copy = malloc(len);
    zk_model dec;
    int rc;

    if (copy == NULL)
        return 0;
    memcpy(copy, buf, len);
    put_le32(copy + offset, v);
    rc = model_descriptor_decode(&dec, copy, len, NULL);
    free(copy);
    model_free(&dec);
    return rc == MODEL_ERR_INVALID;
}

UNIT_TEST(model_descriptor_round_trip)
{
    /* header 20 bytes, layer headers 28 bytes, tables 64 bytes (Q = 4) */
    const size_t l2 = 20 + 28 + 64;
    char err[MODEL_ERR_LEN] = "";
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0, cut;
    zk_model model, dec;
    int rc;

    CHECK(tiny_model(&model, 2) == 0);
    rc = model_descriptor_encode(&buf, &len, &model, err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc != MODEL_OK)
        return;
    /* the interface: kind, then (scale, zero point) for one input and one output */
    CHECK(len == model_descriptor_size(&model) && len == 20 + 2 * (28 + 64) + 4 + 2 * 12);
    CHECK(memcmp(buf, "ZKMLMD01", 8) == 0 && buf[8] == 2 && buf[16] == 1);
    CHECK(model_descriptor_decode(&dec, buf, len, err) == MODEL_OK);
    CHECK(dec.weights[0].w == NULL && dec.layer[1].mult == 2 && dec.layer[1].shift == 3);
    CHECK(model_descriptor_encode(&buf2, &len2, &dec, err) == MODEL_OK);
    CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    free(buf2);
    model_free(&dec);

    for (cut = 0; cut < len; cut++) {
        rc = model_descriptor_decode(&dec, buf, cut, NULL);
        CHECKF(rc == MODEL_ERR_INVALID && dec.layer[0].act == NULL, "truncated to %zu", cut);
    }
    {
        uint8_t *longer = calloc(len + 1, 1);

        CHECK(longer != NULL);
        if (longer != NULL) {
            memcpy(longer, buf, len);
            CHECK(model_descriptor_decode(&dec, longer, len + 1, err) == MODEL_ERR_INVALID);
            CHECKF(strstr(err, "trailing") != NULL, "%s", err);
            free(longer);
        }
    }
    CHECK(rejects_field(buf, len, 0, 0x4c4d4b58));          /* magic "XKML" */
    CHECK(rejects_field(buf, len, 8, 0));                   /* L */
    CHECK(rejects_field(buf, len, 8, 17));
    CHECK(rejects_field(buf, len, 8, 1));                   /* L = 1: length mismatch */
    CHECK(rejects_field(buf, len, 12, 1));                  /* xbits */
    CHECK(rejects_field(buf, len, 12, 17));
    CHECK(rejects_field(buf, len, 16, 2));                  /* padding rule */
    CHECK(rejects_field(buf, len, l2 + 0, 2));              /* n_2 != m_1 */
    CHECK(rejects_field(buf, len, 20 + 4, 0));              /* m */
    CHECK(rejects_field(buf, len, 20 + 4, 65537));
    CHECK(rejects_field(buf, len, 20 + 8, 17));             /* wbits */
    CHECK(rejects_field(buf, len, 20 + 12, 21));            /* Q */
    CHECK(rejects_field(buf, len, 20 + 12, 1));
    CHECK(rejects_field(buf, len, 20 + 12, 0xffffffffu));
    CHECK(rejects_field(buf, len, 20 + 16, 0));             /* limb width */
    CHECK(rejects_field(buf, len, 20 + 16, 25));
    CHECK(rejects_field(buf, len, 20 + 20, 0));             /* s */
    CHECK(rejects_field(buf, len, 20 + 20, 65));
    CHECK(rejects_field(buf, len, 20 + 24, 0));             /* M */
    CHECK(rejects_field(buf, len, 20 + 24, 0x80000000u));
    CHECK(rejects_field(buf, len, 20 + 28, 128));           /* hidden table: int8 */
    CHECK(rejects_field(buf, len, 20 + 28, (uint32_t)-129));
    CHECK(rejects_field(buf, len, l2 + 28, 32768));         /* last table: int16 */
    CHECK(!rejects_field(buf, len, l2 + 28, (uint32_t)-32768));
    {
        size_t io = l2 + 28 + 64;                           /* the interface section */
        uint64_t bits;
        double nan = NAN, neg = -1.0;

        CHECK(rejects_field(buf, len, io, 2));              /* output kind */
        CHECK(!rejects_field(buf, len, io, 1));
        CHECK(rejects_field(buf, len, io + 4 + 8, 128));    /* input zero point, int8 */
        CHECK(rejects_field(buf, len, io + 16 + 8, 40000)); /* output zero point, int16 */
        memcpy(&bits, &nan, 8);                             /* input scale NaN, negative */
        CHECK(rejects_field(buf, len, io + 4, (uint32_t)bits) ||
              rejects_field(buf, len, io + 8, (uint32_t)(bits >> 32)));
        memcpy(&bits, &neg, 8);
        CHECK(rejects_field(buf, len, io + 8, (uint32_t)(bits >> 32)));
        CHECK(rejects_field(buf, len, io + 16 + 4, 0));     /* output scale 0 (high word) */
    }
    CHECK(model_descriptor_decode(&dec, buf, len, err) == MODEL_OK);
    model_free(&dec);
    free(buf);
    model_free(&model);
}

UNIT_TEST(model_descriptor_digest_binds_tables)
{
    uint8_t base[32], d[32], seen[32][32];
    zk_model model;
    size_t y, i, n = 0;
    uint32_t l;

    CHECK(tiny_model(&model, 2) == 0);
    CHECK(model_descriptor_digest(base, &model, NULL) == MODEL_OK);
    /* the weights are not part of the descriptor */
    model.weights[0].w[0] = 7;
    CHECK(model_descriptor_digest(d, &model, NULL) == MODEL_OK && memcmp(d, base, 32) == 0);
    for (l = 0; l < 2; l++) {
        for (y = 0; y < 16; y++) {
            int32_t old = model.layer[l].act[y];

            model.layer[l].act[y] = old == 0 ? 1 : 0;
            CHECK(model_descriptor_digest(d, &model, NULL) == MODEL_OK);
            CHECKF(memcmp(d, base, 32) != 0, "layer %u entry %zu", (unsigned)l, y);
            for (i = 0; i < n; i++)
                CHECK(memcmp(d, seen[i], 32) != 0);
            memcpy(seen[n++], d, 32);
            model.layer[l].act[y] = old;
        }
    }
    model.layer[1].mult++;
    CHECK(model_descriptor_digest(d, &model, NULL) == MODEL_OK && memcmp(d, base, 32) != 0);
    model.layer[1].mult--;
    model.layer[0].limb_bits++;
    CHECK(model_descriptor_digest(d, &model, NULL) == MODEL_OK && memcmp(d, base, 32) != 0);
    model_free(&model);
}

UNIT_TEST(model_descriptor_fixture_round_trip)
{
    char err[MODEL_ERR_LEN] = "";
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    zk_model model, dec;

    if (fixture_model(&model, "mlp20.q.json", err) != MODEL_OK) {
        CHECKF(0, "mlp20.q.json: %s", err);
        return;
    }
    CHECK(model_descriptor_encode(&buf, &len, &model, err) == MODEL_OK);
    /* Q = 10 in every layer; 20 inputs and 1 output in the interface */
    CHECK(len == 20 + 3 * (28 + ((size_t)4 << 10)) + 4 + 12 * (20 + 1));
    CHECK(model_descriptor_decode(&dec, buf, len, err) == MODEL_OK);
    CHECK(model_descriptor_encode(&buf2, &len2, &dec, err) == MODEL_OK);
    CHECK(len2 == len && buf2 != NULL && memcmp(buf, buf2, len) == 0);
    model_free(&dec);
    CHECK(model_descriptor_decode(&dec, buf, len - 1, err) == MODEL_ERR_INVALID);
    free(buf);
    free(buf2);
    model_free(&dec);
    model_free(&model);
}

/* ---- Q.json errors name the path ---- */

static void
expect_json_error(const char *doc, const char *needle)
{
    char err[MODEL_ERR_LEN] = "";
    zk_model model;
    int rc = model_from_json(&model, doc, strlen(doc), err);

    CHECKF(rc == MODEL_ERR_INVALID && strstr(err, needle) != NULL,
           "expected \"%s\", got rc %d \"%s\"", needle, rc, err);
    CHECK(model.n_layers == 0 && model.layer[0].act == NULL);
}

#define DOC_HEAD "{\"format\":\"zkml-quantized-v1\",\"layers\":["
#define LAYER_OK "{\"M\":3,\"s\":4,\"Q\":8,\"weights\":[[1,2],[3,4]],\"bias\":[0,-5]," \
                 "\"activation\":{\"kind\":\"relu\"}}"

UNIT_TEST(model_json_paths)
{
    static const char *const good = DOC_HEAD LAYER_OK "," LAYER_OK "]}";
    char err[MODEL_ERR_LEN] = "";
    zk_model model;
    int rc = model_from_json(&model, good, strlen(good), err);

    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc == MODEL_OK) {
        CHECK(model.n_layers == 2 && model.xbits == 8 && model.layer[1].n == 2 &&
              model.layer[0].wbits == 8 && model.layer[0].limb_bits == 16 &&
              model.weights[0].bias[1] == -5 && model.layer[1].act[255] == 127);
        model_free(&model);
    }
    expect_json_error(DOC_HEAD LAYER_OK ",{\"M\":3,\"s\":4,\"weights\":[[1,2],[3,300]],"
                      "\"bias\":[0,0],\"activation\":{\"kind\":\"relu\"}}]}",
                      "layers[1].weights[1][1]: must be an integer within wbits");
    expect_json_error(DOC_HEAD "{\"s\":4,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].M: missing");
    expect_json_error(DOC_HEAD "{\"M\":0,\"s\":4,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].M: must be");
    expect_json_error(DOC_HEAD "{\"M\":2147483648,\"s\":4,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].M: must be");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":65,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].s: must be");
    expect_json_error(DOC_HEAD LAYER_OK ",{\"M\":3,\"s\":4,\"weights\":[[1,2,3]],"
                      "\"bias\":[0],\"activation\":{\"kind\":\"relu\"}}]}",
                      "layers[1].weights[0]: must have 2 entries");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1,2],[1]],\"bias\":[0,0],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].weights[1]:");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1]],\"bias\":[2147483648],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].bias[0]:");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1]],\"bias\":[0,1],"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0].bias: must have 1");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1]],\"bias\":[0],\"x\":1,"
                      "\"activation\":{\"kind\":\"relu\"}}]}", "layers[0]: unknown key \"x\"");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"gelu\"}}]}", "layers[0].activation.kind:");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"Q\":2,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"table\",\"table\":[1,2,3]}}]}",
                      "layers[0].activation.table: must have 2^Q = 4 entries");
    expect_json_error(DOC_HEAD LAYER_OK ",{\"M\":1,\"s\":4,\"Q\":2,\"weights\":[[1,1]],"
                      "\"bias\":[0],\"activation\":{\"kind\":\"table\",\"table\":"
                      "[1,2,3,40000]}}]}", "layers[1].activation.table[3]:");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"relu\",\"max\":200}}, " LAYER_OK "]}",
                      "layers[0].activation.max: must be an integer in [-128, 127]");
    expect_json_error(DOC_HEAD "{\"M\":1,\"s\":4,\"weights\":[[1]],\"bias\":[0],"
                      "\"activation\":{\"kind\":\"sigmoid\",\"in_scale\":-1}}]}",
                      "layers[0].activation.in_scale: must be a positive number");
    expect_json_error(DOC_HEAD "]}", "layers: must have 1 to 16 layers");
    expect_json_error("{\"format\":\"zkml-quantized-v1\",\"xbits\":17,\"layers\":["
                      LAYER_OK "]}", "xbits: must be an integer in [2, 16]");
    expect_json_error("{\"format\":\"other\",\"layers\":[]}", "format: must be");
    expect_json_error("[1]", "(document): must be an object");
    expect_json_error(DOC_HEAD LAYER_OK ",]}", "JSON: line 1, column");
    expect_json_error(DOC_HEAD LAYER_OK "]}x", "unexpected data after the document");
    expect_json_error("{\"format\":1,\"format\":2}", "duplicate key \"format\"");
    expect_json_error("{\"format\":\"zkml-quantized-v1\",\n \"layers\": [01]}",
                      "line 2, column 13: leading zeros");
}

/* ---- the JSON reader itself ---- */

static json_value *
parse_ok(const char *text)
{
    char err[JSON_ERR_LEN] = "";
    json_value *v = NULL;

    CHECKF(json_parse(&v, text, strlen(text), err) == 0, "%s: %s", text, err);
    return v;
}

static int
parse_fails(const char *text, size_t len)
{
    char err[JSON_ERR_LEN];
    json_value *v = (json_value *)1;
    int rc = json_parse(&v, text, len, err);

    return rc == -1 && v == NULL;
}

UNIT_TEST(json_reader)
{
    json_value *v;
    char deep[2 * JSON_MAX_DEPTH + 8];
    size_t i;

    v = parse_ok(" {\"a\": [1, -0, 9223372036854775807, -9223372036854775808, 1.5e3, "
                 "9223372036854775808, true, false, null], \"b\": \"x\\u00e9\\ud83d\\ude00"
                 "\\n\\\"\"} ");
    if (v != NULL) {
        const json_value *a = json_get(v, "a"), *b = json_get(v, "b");

        CHECK(a != NULL && a->kind == JSON_ARRAY && a->len == 9);
        if (a != NULL && a->len == 9) {
            CHECK(a->items[0].kind == JSON_INT && a->items[0].i == 1);
            CHECK(a->items[1].kind == JSON_INT && a->items[1].i == 0);
            CHECK(a->items[2].kind == JSON_INT && a->items[2].i == INT64_MAX);
            CHECK(a->items[3].kind == JSON_INT && a->items[3].i == INT64_MIN);
            CHECK(a->items[4].kind == JSON_NUMBER && a->items[4].d == 1500.0);
            CHECK(a->items[5].kind == JSON_NUMBER);
            CHECK(a->items[6].kind == JSON_TRUE && a->items[8].kind == JSON_NULL);
        }
        CHECK(b != NULL && b->kind == JSON_STRING &&
              strcmp(b->str, "x\xc3\xa9\xf0\x9f\x98\x80\n\"") == 0 && b->len == 9);
        CHECK(json_get(v, "c") == NULL);
        json_free(v);
    }
    CHECK(parse_fails("", 0));
    CHECK(parse_fails("[1,]", 4));
    CHECK(parse_fails("{\"a\":1,}", 8));
    CHECK(parse_fails("[01]", 4));
    CHECK(parse_fails("[1.]", 4));
    CHECK(parse_fails("[.5]", 4));
    CHECK(parse_fails("[1e]", 4));
    CHECK(parse_fails("[NaN]", 5));
    CHECK(parse_fails("[1e999]", 7));
    CHECK(parse_fails("\"\\x\"", 4));
    CHECK(parse_fails("\"\\ud800\"", 8));
    CHECK(parse_fails("\"\\udc00\"", 8));
    CHECK(parse_fails("\"\\u0000\"", 8));
    CHECK(parse_fails("\"a\tb\"", 5));
    CHECK(parse_fails("\"\xc0\xaf\"", 4));          /* overlong */
    CHECK(parse_fails("\"\xed\xa0\x80\"", 5));      /* encoded surrogate */
    CHECK(parse_fails("\"abc", 4));
    CHECK(parse_fails("[1] [2]", 7));
    CHECK(parse_fails("[1]\0", 4));
    CHECK(parse_fails("{1:2}", 5));
    CHECK(parse_fails("tru", 3));
    for (i = 0; i <= JSON_MAX_DEPTH; i++)
        deep[i] = '[';
    CHECK(parse_fails(deep, JSON_MAX_DEPTH + 1));
    for (i = 0; i <= JSON_MAX_DEPTH; i++)
        deep[JSON_MAX_DEPTH + 1 + i] = ']';
    CHECK(parse_fails(deep, 2 * JSON_MAX_DEPTH + 2));          /* one level too deep */
    memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    deep[2 * JSON_MAX_DEPTH] = '\0';
    v = parse_ok(deep);                                         /* exactly the limit */
    json_free(v);
}

/* Random damage to a document and to a descriptor is rejected cleanly or accepted as a
 * valid model, never anything else (run under a sanitizer to catch memory errors). */
UNIT_TEST(model_inputs_survive_damage)
{
    static const char *const good = DOC_HEAD LAYER_OK "," LAYER_OK "]}";
    size_t glen = strlen(good), len = 0;
    char doc[512];
    uint8_t *desc = NULL, *copy;
    zk_model model;
    int i, k;

    for (i = 0; i < 3000; i++) {
        size_t n = glen;

        memcpy(doc, good, glen);
        for (k = 0; k < 1 + i % 3; k++)
            doc[unit_rand64() % glen] = (char)(unit_rand64() & 0xff);
        if (i % 5 == 0)
            n = unit_rand64() % glen;
        k = model_from_json(&model, doc, n, NULL);
        CHECK(k == MODEL_OK || k == MODEL_ERR_INVALID);
        model_free(&model);
    }
    CHECK(tiny_model(&model, 2) == 0);
    CHECK(model_descriptor_encode(&desc, &len, &model, NULL) == MODEL_OK);
    model_free(&model);
    copy = malloc(len);
    if (desc == NULL || copy == NULL) {
        free(desc);
        free(copy);
        return;
    }
    for (i = 0; i < 3000; i++) {
        memcpy(copy, desc, len);
        copy[unit_rand64() % len] ^= (uint8_t)(1u << (unit_rand64() % 8));
        k = model_descriptor_decode(&model, copy, len, NULL);
        CHECK(k == MODEL_OK || k == MODEL_ERR_INVALID);
        if (k == MODEL_OK)
            CHECK(model_validate_public(&model, NULL) == MODEL_OK);
        model_free(&model);
    }
    free(copy);
    free(desc);
}

/*
 * The interface of a Q.json document: scales and zero points reach the descriptor and
 * the quantization of features (rounding half away from zero, saturation at the xbits
 * range), a NaN or infinite feature is an error naming it, and bad entries name their
 * JSON path.
 */
UNIT_TEST(model_interface_quantization)
{
    static const char doc[] =
        "{\"format\":\"zkml-quantized-v1\",\"layers\":[{\"weights\":[[1,-1,2]],"
        "\"bias\":[0],\"M\":1,\"s\":1,\"Q\":8,\"activation\":{\"kind\":\"identity\"}}],"
        "\"inputs\":[{\"scale\":0.5,\"zero_point\":-3},{\"scale\":2},{}],"
        "\"outputs\":[{\"scale\":0.25,\"zero_point\":4}],\"output_kind\":\"probability\"}";
    char err[MODEL_ERR_LEN] = "", bad[600];
    double f[3];
    int32_t q[3];
    uint8_t *buf = NULL;
    size_t len = 0;
    zk_model m, dec;

    CHECKF(model_from_json(&m, doc, strlen(doc), err) == MODEL_OK, "%s", err);
    CHECK(m.io.output_kind == MODEL_OUTPUT_PROBABILITY);
    f[0] = 1.25;        /* 2.5 - 3 = -0.5 -> -1 (half away from zero) */
    f[1] = 3.0;         /* 1.5 -> 2 */
    f[2] = -1e9;        /* saturates at -128 */
    CHECK(model_quantize_features(&m, f, q, err) == MODEL_OK);
    CHECKF(q[0] == -1 && q[1] == 2 && q[2] == -128, "%d %d %d", q[0], q[1], q[2]);
    f[2] = 1e300;
    CHECK(model_quantize_features(&m, f, q, err) == MODEL_OK && q[2] == 127);
    f[1] = NAN;
    CHECK(model_quantize_features(&m, f, q, err) == MODEL_ERR_INVALID);
    CHECKF(strstr(err, "feature 2") != NULL, "%s", err);
    f[1] = INFINITY;
    CHECK(model_quantize_features(&m, f, q, err) == MODEL_ERR_INVALID);
    CHECK(model_dequantize_input(&m, 0, -1) == 1.0);        /* (-1 + 3)·0.5 */
    CHECK(model_dequantize_output(&m, 0, 8) == 1.0);        /* (8 - 4)·0.25 */
    /* through the descriptor and back */
    CHECK(model_descriptor_encode(&buf, &len, &m, err) == MODEL_OK);
    CHECK(model_descriptor_decode(&dec, buf, len, err) == MODEL_OK);
    CHECK(dec.io.in_scale[1] == 2.0 && dec.io.in_zero[0] == -3 && dec.io.out_zero[0] == 4 &&
          dec.io.output_kind == MODEL_OUTPUT_PROBABILITY);
    model_free(&dec);
    free(buf);
    model_free(&m);
    /* errors name their path */
    snprintf(bad, sizeof bad, "%.*s", (int)(strstr(doc, "{\"scale\":2}") - doc), doc);
    strcat(bad, "{\"scale\":-2},{}],\"outputs\":[{\"scale\":1}]}");
    CHECK(model_from_json(&m, bad, strlen(bad), err) == MODEL_ERR_INVALID);
    CHECKF(strstr(err, "inputs[1].scale") != NULL, "%s", err);
    snprintf(bad, sizeof bad, "%.*s", (int)(strstr(doc, "\"inputs\"") - doc), doc);
    strcat(bad, "\"inputs\":[{}],\"outputs\":[{}]}");
    CHECK(model_from_json(&m, bad, strlen(bad), err) == MODEL_ERR_INVALID);
    CHECKF(strstr(err, "inputs: 1 entries, the model has 3") != NULL, "%s", err);
    snprintf(bad, sizeof bad, "%.*s", (int)(strstr(doc, "\"inputs\"") - doc), doc);
    strcat(bad, "\"outputs\":[{\"zero_point\":40000}]}");
    CHECK(model_from_json(&m, bad, strlen(bad), err) == MODEL_ERR_INVALID);
    CHECKF(strstr(err, "outputs[0].zero_point") != NULL, "%s", err);
}
