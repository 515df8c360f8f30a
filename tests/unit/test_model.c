/*
 * test_model.c: the quantized model, its forward pass, its descriptor and the Q.json
 * reader (docs/protocol.md 6.1, 7.0).
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
    char name[64], err[ZKML_ERR_LEN] = "";
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
    char err[ZKML_ERR_LEN] = "";
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
    CHECKF(strstr(err, "layer 1, batch row 1") != NULL && strstr(err, "output") == NULL,
           "%s", err);
    CHECK(tr.out == NULL && tr.layer[0].q == NULL);
    CHECK(tr.failed_row == 1);                  /* the row, for whoever reports it */
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
    char err[ZKML_ERR_LEN];

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
    /* header 20 bytes, layer headers 28 bytes, tables 64 bytes (Q = 4), then the
     * interface: kind 4, one unnamed input 16, one output 12 */
    const size_t l2 = 20 + 28 + 64, iface = 20 + 2 * (28 + 64);
    char err[ZKML_ERR_LEN] = "";
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0, cut;
    zk_model model, dec;
    int rc;

    CHECK(tiny_model(&model, 2) == 0);
    rc = model_descriptor_encode(&buf, &len, &model, err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc != MODEL_OK)
        return;
    CHECK(len == model_descriptor_size(&model) && len == iface + 4 + 16 + 12);
    CHECK(memcmp(buf, "ZKMLMD01", 8) == 0 && buf[8] == 2 && buf[16] == 1);
    /* the default interface: score, an empty name, scale 1.0 = 0x3ff0000000000000, zp 0 */
    CHECK(buf[iface] == 0 && buf[iface + 4] == 0 && buf[iface + 8 + 6] == 0xf0 &&
          buf[iface + 8 + 7] == 0x3f && buf[iface + 16] == 0 && buf[iface + 20 + 7] == 0x3f);
    CHECK(model_descriptor_decode(&dec, buf, len, err) == MODEL_OK);
    CHECK(dec.weights[0].w == NULL && dec.layer[1].mult == 2 && dec.layer[1].shift == 3);
    CHECK(dec.inputs != NULL && dec.outputs != NULL && dec.inputs[0].scale == 1.0 &&
          dec.inputs[0].name[0] == '\0' && dec.outputs[0].zero_point == 0 &&
          dec.output_kind == MODEL_OUTPUT_SCORE);
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
    CHECK(rejects_field(buf, len, iface, 2));               /* output kind */
    CHECK(!rejects_field(buf, len, iface, 1));
    CHECK(rejects_field(buf, len, iface + 4, 1));           /* name length: length mismatch */
    CHECK(rejects_field(buf, len, iface + 4, 64));
    CHECK(rejects_field(buf, len, iface + 4, 0xffffffffu));
    CHECK(rejects_field(buf, len, iface + 8 + 4, 0x7ff00000u));    /* scale +inf */
    CHECK(rejects_field(buf, len, iface + 8 + 4, 0x7ff80000u));    /* NaN */
    CHECK(rejects_field(buf, len, iface + 8 + 4, 0xbff00000u));    /* -1 */
    CHECK(rejects_field(buf, len, iface + 8 + 4, 0x80000000u));    /* -0 */
    CHECK(rejects_field(buf, len, iface + 8 + 4, 0));              /* +0 */
    CHECK(!rejects_field(buf, len, iface + 8 + 4, 0x00000001u));   /* tiny but positive */
    CHECK(rejects_field(buf, len, iface + 16, 128));        /* input zp: xbits = 8 */
    CHECK(rejects_field(buf, len, iface + 16, (uint32_t)-129));
    CHECK(!rejects_field(buf, len, iface + 16, (uint32_t)-128));
    CHECK(rejects_field(buf, len, iface + 20 + 4, 0xfff00000u));   /* output scale -inf */
    CHECK(rejects_field(buf, len, iface + 28, 32768));      /* output zp: int16 */
    CHECK(rejects_field(buf, len, iface + 28, (uint32_t)-32769));
    CHECK(!rejects_field(buf, len, iface + 28, (uint32_t)-32768));
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
    char err[ZKML_ERR_LEN] = "";
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    zk_model model, dec;

    if (fixture_model(&model, "mlp20.q.json", err) != MODEL_OK) {
        CHECKF(0, "mlp20.q.json: %s", err);
        return;
    }
    CHECK(model_descriptor_encode(&buf, &len, &model, err) == MODEL_OK);
    CHECK(len == 20 + 3 * (28 + ((size_t)4 << 10)) + 4 + 20 * 16 + 12);   /* Q = 10 */
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

/* ---- the interface: names, scales, zero points, output kind ---- */

/* One layer 3 -> 2 (Q = 4, identity) with a full interface: features "age", "" and a
 * two-byte-character name, outputs with their own scales. */
static int
iface_model(zk_model *model)
{
    static const char *const names[3] = {"age", "", "r\xc3\xa9gion"};
    static const double scales[3] = {0.5, 1.0 / 3, 1e6};
    static const int32_t zps[3] = {-10, 0, 127};
    model_layer *ly = &model->layer[0];
    uint32_t j;

    memset(model, 0, sizeof *model);
    model->n_layers = 1;
    model->xbits = 8;
    ly->n = 3;
    ly->m = 2;
    ly->wbits = 8;
    ly->q_bits = 4;
    ly->limb_bits = 4;
    ly->shift = 4;
    ly->mult = 1;
    ly->act = malloc(16 * sizeof *ly->act);
    model->weights[0].w = calloc(6, sizeof(int32_t));
    model->weights[0].bias = calloc(2, sizeof(int32_t));
    model->inputs = calloc(3, sizeof *model->inputs);
    model->outputs = calloc(2, sizeof *model->outputs);
    if (ly->act == NULL || model->weights[0].w == NULL || model->weights[0].bias == NULL ||
        model->inputs == NULL || model->outputs == NULL)
        return -1;
    for (j = 0; j < 3; j++) {
        strcpy(model->inputs[j].name, names[j]);
        model->inputs[j].scale = scales[j];
        model->inputs[j].zero_point = zps[j];
    }
    model->outputs[0].scale = 1.0 / 32768;
    model->outputs[0].zero_point = -32768;
    model->outputs[1].scale = 2.5;
    model->outputs[1].zero_point = 7;
    model->output_kind = MODEL_OUTPUT_PROBABILITY;
    return model_act_fill(ly->act, 4, MODEL_ACT_IDENTITY, 1.0, 1.0, -100, 100, NULL);
}

/* A copy of buf with n bytes at offset replaced. */
static int
rejects_bytes(const uint8_t *buf, size_t len, size_t offset, const void *bytes, size_t n)
{
    uint8_t *copy = malloc(len);
    zk_model dec;
    int rc;

    if (copy == NULL)
        return 0;
    memcpy(copy, buf, len);
    memcpy(copy + offset, bytes, n);
    rc = model_descriptor_decode(&dec, copy, len, NULL);
    free(copy);
    model_free(&dec);
    return rc == MODEL_ERR_INVALID;
}

UNIT_TEST(model_descriptor_interface)
{
    /* interface at 20 + 28 + 64 = 112: kind, then "age" at 116 (len) 120 (bytes), its
     * scale at 123, zp at 131; "" at 135, scale 139, zp 147; "région" (7 bytes) at 151,
     * bytes 155, scale 162, zp 170; outputs at 174 and 186; total 198 */
    const size_t iface = 112;
    char err[ZKML_ERR_LEN] = "";
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    zk_model model, dec, plain;
    int rc;

    CHECK(iface_model(&model) == 0);
    rc = model_descriptor_encode(&buf, &len, &model, err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc != MODEL_OK) {
        model_free(&model);
        return;
    }
    CHECK(len == 198 && len == model_descriptor_size(&model));
    CHECK(buf[iface] == 1 && buf[iface + 4] == 3 && memcmp(buf + iface + 8, "age", 3) == 0);
    CHECK(buf[151] == 7 && memcmp(buf + 155, "r\xc3\xa9gion", 7) == 0);
    rc = model_descriptor_decode(&dec, buf, len, err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc == MODEL_OK) {
        CHECK(dec.output_kind == MODEL_OUTPUT_PROBABILITY);
        CHECK(strcmp(dec.inputs[0].name, "age") == 0 && dec.inputs[1].name[0] == '\0' &&
              strcmp(model_input_name(&dec, 2), "r\xc3\xa9gion") == 0);
        CHECK(dec.inputs[1].scale == 1.0 / 3 && dec.inputs[2].scale == 1e6 &&
              dec.inputs[0].zero_point == -10 && dec.inputs[2].zero_point == 127);
        CHECK(dec.outputs[0].scale == 1.0 / 32768 && dec.outputs[0].zero_point == -32768 &&
              dec.outputs[1].scale == 2.5 && dec.outputs[1].zero_point == 7);
        CHECK(model_descriptor_encode(&buf2, &len2, &dec, err) == MODEL_OK);
        CHECK(len2 == len && buf2 != NULL && memcmp(buf, buf2, len) == 0);
        free(buf2);
        model_free(&dec);
    }
    CHECK(strcmp(model_input_name(&model, 3), "") == 0);
    CHECK(strcmp(model_output_kind_name(MODEL_OUTPUT_SCORE), "score") == 0 &&
          strcmp(model_output_kind_name(MODEL_OUTPUT_PROBABILITY), "probability") == 0);

    /* names: invalid UTF-8, control characters, overlong forms, surrogates */
    CHECK(rejects_bytes(buf, len, 120, "a\x01g", 3));
    CHECK(rejects_bytes(buf, len, 120, "a\x7fg", 3));
    CHECK(rejects_bytes(buf, len, 120, "\xc0\xaf" "e", 3));
    CHECK(rejects_bytes(buf, len, 120, "a\x80g", 3));
    CHECK(rejects_bytes(buf, len, 120, "ag\xc3", 3));               /* cut sequence */
    CHECK(rejects_bytes(buf, len, 120, "\xed\xa0\x80", 3));         /* U+D800 */
    CHECK(rejects_bytes(buf, len, 120, "\xc2\x85g", 3));            /* U+0085, C1 */
    CHECK(rejects_bytes(buf, len, 120, "a\0g", 3));
    CHECK(!rejects_bytes(buf, len, 120, "\xe2\x82\xac", 3));        /* the euro sign */
    CHECK(!rejects_bytes(buf, len, 155, "\xf0\x9f\x98\x80xyz", 7)); /* U+1F600 */
    CHECK(rejects_bytes(buf, len, 155, "\xf4\x90\x80\x80xyz", 7));  /* beyond U+10FFFF */
    /* the third input's zero point at the xbits edge and one past it */
    CHECK(!rejects_field(buf, len, 170, (uint32_t)-128));
    CHECK(rejects_field(buf, len, 170, 128));
    CHECK(rejects_field(buf, len, 174 + 4, 0x7ff00000u));           /* output 1 scale inf */
    CHECK(rejects_field(buf, len, 186 + 8, 40000));                 /* output 2 zp */
    free(buf);

    /* defaults written out equal defaults left implicit */
    CHECK(tiny_model(&plain, 1) == 0);
    plain.inputs = calloc(1, sizeof *plain.inputs);
    plain.outputs = calloc(1, sizeof *plain.outputs);
    CHECK(plain.inputs != NULL && plain.outputs != NULL);
    if (plain.inputs != NULL && plain.outputs != NULL) {
        uint8_t d1[32], d2[32];
        model_io *in = plain.inputs, *out = plain.outputs;

        in->scale = out->scale = 1.0;
        CHECK(model_descriptor_digest(d1, &plain, NULL) == MODEL_OK);
        plain.inputs = plain.outputs = NULL;
        CHECK(model_descriptor_digest(d2, &plain, NULL) == MODEL_OK);
        CHECK(memcmp(d1, d2, 32) == 0);
        /* and every interface field is bound by the digest */
        plain.inputs = in;
        plain.outputs = out;
        in->zero_point = 1;
        CHECK(model_descriptor_digest(d2, &plain, NULL) == MODEL_OK && memcmp(d1, d2, 32) != 0);
        in->zero_point = 0;
        in->scale = nextafter(1.0, 2.0);
        CHECK(model_descriptor_digest(d2, &plain, NULL) == MODEL_OK && memcmp(d1, d2, 32) != 0);
        in->scale = 1.0;
        strcpy(in->name, "x");
        CHECK(model_descriptor_digest(d2, &plain, NULL) == MODEL_OK && memcmp(d1, d2, 32) != 0);
        in->name[0] = '\0';
        out->scale = 0.5;
        CHECK(model_descriptor_digest(d2, &plain, NULL) == MODEL_OK && memcmp(d1, d2, 32) != 0);
        out->scale = 1.0;
        plain.output_kind = MODEL_OUTPUT_PROBABILITY;
        CHECK(model_descriptor_digest(d2, &plain, NULL) == MODEL_OK && memcmp(d1, d2, 32) != 0);
    }
    model_free(&plain);
    model_free(&model);
}

/* model_validate_public on each interface field set wrong in the struct. */
UNIT_TEST(model_validate_interface)
{
    char err[ZKML_ERR_LEN] = "";
    zk_model model;

    CHECK(iface_model(&model) == 0);
    CHECK(model_validate(&model, err) == MODEL_OK);
#define REJECTS(stmt, undo, needle)                                                   \
    do {                                                                              \
        stmt;                                                                         \
        CHECKF(model_validate_public(&model, err) == MODEL_ERR_INVALID &&             \
               strstr(err, needle) != NULL, "%s: %s", #stmt, err);                    \
        CHECK(model_descriptor_encode(&(uint8_t *){NULL}, &(size_t){0}, &model, NULL) \
              == MODEL_ERR_INVALID);                                                  \
        undo;                                                                         \
    } while (0)
    REJECTS(model.output_kind = 2, model.output_kind = 1, "output kind");
    REJECTS(model.inputs[1].scale = 0.0, model.inputs[1].scale = 1.0, "input 2: the scale");
    REJECTS(model.inputs[1].scale = -2.0, model.inputs[1].scale = 1.0, "input 2: the scale");
    REJECTS(model.inputs[1].scale = NAN, model.inputs[1].scale = 1.0, "input 2: the scale");
    REJECTS(model.inputs[1].scale = INFINITY, model.inputs[1].scale = 1.0, "input 2");
    REJECTS(model.inputs[0].zero_point = 128, model.inputs[0].zero_point = 0,
            "input 1: the zero point must be a signed 8-bit integer");
    REJECTS(model.inputs[0].zero_point = -129, model.inputs[0].zero_point = 0, "input 1");
    REJECTS(model.inputs[2].name[0] = '\n', model.inputs[2].name[0] = 'r', "input 3: the name");
    REJECTS(memset(model.inputs[0].name, 'a', sizeof model.inputs[0].name),
            strcpy(model.inputs[0].name, "age"), "input 1: the name");
    REJECTS(model.outputs[1].scale = -0.0, model.outputs[1].scale = 1.0, "output 2: the scale");
    REJECTS(model.outputs[0].zero_point = 32768, model.outputs[0].zero_point = 0,
            "output 1: the zero point must be an int16");
    REJECTS(strcpy(model.outputs[0].name, "y"), model.outputs[0].name[0] = '\0',
            "output 1: outputs have no name");
#undef REJECTS
    memset(model.inputs[0].name, 'a', MODEL_MAX_NAME_LEN);          /* exactly 63 bytes */
    model.inputs[0].name[MODEL_MAX_NAME_LEN] = '\0';
    CHECKF(model_validate(&model, err) == MODEL_OK, "%s", err);
    model.xbits = 16;                                               /* zero points widen */
    model.inputs[0].zero_point = -32768;
    CHECKF(model_validate(&model, err) == MODEL_OK, "%s", err);
    model_free(&model);
}

UNIT_TEST(model_quantize_features_rule)
{
    char err[ZKML_ERR_LEN] = "";
    int32_t out[3];
    zk_model model;

    /* scales 0.5, 1/3, 1e6; zero points -10, 0, 127; xbits 8 */
    CHECK(iface_model(&model) == 0);
    {
        const double x[3] = {1.0, 2.0, 0.0};        /* 2 - 10, 6 (6.000..), 0 + 127 */

        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK);
        CHECK(out[0] == -8 && out[1] == 6 && out[2] == 127);
    }
    {
        /* ties round away from zero: 0.25/0.5 = 0.5 -> -10 + 0.5 = -9.5 -> -10;
         * 1.25/0.5 = 2.5 -> -7.5 -> -8; 5.25/0.5 = 10.5 -> 0.5 -> 1; 4.75/0.5 = 9.5 ->
         * -0.5 -> -1.  Input 3: -0.5e6 / 1e6 = -0.5 -> 126.5 -> 127 */
        static const double x0[4] = {0.25, 1.25, 5.25, 4.75};
        static const int32_t want[4] = {-10, -8, 1, -1};
        double x[3] = {0.0, 0.0, -0.5e6};
        size_t i;

        for (i = 0; i < 4; i++) {
            x[0] = x0[i];
            CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK);
            CHECKF(out[0] == want[i], "x %g: %d", x0[i], (int)out[0]);
        }
        CHECK(out[2] == 127);
        model.inputs[2].zero_point = 0;
        x[2] = -2.5e6;                              /* -2.5 -> -3 */
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK && out[2] == -3);
        x[2] = 2.5e6;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK && out[2] == 3);
        model.inputs[2].zero_point = 127;
    }
    {
        /* saturation at both ends, also for huge finite values and a division that
         * overflows to infinity */
        double x[3] = {1e300, -1e300, -1e308};

        model.inputs[1].scale = 1e-300;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK);
        CHECK(out[0] == 127 && out[1] == -128 && out[2] == -128);
        model.inputs[1].scale = 1.0 / 3;
        x[0] = 68.5;                                /* 137 - 10 = 127: the edge */
        x[1] = -128.2 / 3;
        x[2] = 0.0;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK);
        CHECK(out[0] == 127 && out[1] == -128);
        x[0] = 68.75;                               /* 127.5 -> 128 -> 127 */
        x[1] = -129.0 / 3;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK);
        CHECK(out[0] == 127 && out[1] == -128);
        model.xbits = 16;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK);
        CHECK(out[0] == 128 && out[1] == -129);
        model.xbits = 8;
    }
    {
        /* NaN and infinities: errors naming the feature, never its value */
        double x[3] = {NAN, 0.0, 0.0};

        CHECK(model_quantize_features(&model, x, out, err) == MODEL_ERR_INVALID);
        CHECKF(strstr(err, "feature \"age\"") != NULL && strstr(err, "nan") == NULL, "%s", err);
        x[0] = 1.0;
        x[1] = INFINITY;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_ERR_INVALID);
        CHECKF(strstr(err, "feature 2 ") != NULL, "%s", err);
        x[1] = 0.0;
        x[2] = -INFINITY;
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_ERR_INVALID);
        CHECKF(strstr(err, "feature \"r\xc3\xa9gion\"") != NULL, "%s", err);
    }
    /* dequantization: (v - zp)·scale, NaN outside the model */
    CHECK(model_dequantize_input(&model, 0, -8) == 1.0);
    CHECK(model_dequantize_input(&model, 2, 126) == -1e6);
    CHECK(isnan(model_dequantize_input(&model, 3, 0)));
    CHECK(model_dequantize_output(&model, 0, 0) == 1.0);
    CHECK(model_dequantize_output(&model, 0, -32768) == 0.0);
    CHECK(model_dequantize_output(&model, 1, 9) == 5.0);
    CHECK(isnan(model_dequantize_output(&model, 2, 0)));
    model_free(&model);

    /* a model without interface arrays: scale 1, zero point 0 */
    CHECK(tiny_model(&model, 1) == 0);
    {
        const double x[1] = {-2.5};

        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK && out[0] == -3);
        CHECK(model_dequantize_input(&model, 0, 5) == 5.0);
        CHECK(model_dequantize_output(&model, 0, -7) == -7.0);
        CHECK(model_quantize_features(&model, (const double[1]){NAN}, out, err) ==
              MODEL_ERR_INVALID);
        CHECKF(strstr(err, "feature 1 ") != NULL, "%s", err);
    }
    model_free(&model);
}

/*
 * MODEL_FEATURES_REFUSE refuses exactly the features saturation would clamp: the ends
 * of model_input_range and values within half a step beyond them are accepted, anything
 * further is MODEL_ERR_FEATURE_RANGE naming the feature and the range, never the value;
 * every accepted row quantizes as under saturation.
 */
UNIT_TEST(model_quantize_features_refuse)
{
    char err[ZKML_ERR_LEN] = "";
    int32_t out[3], sat[3];
    uint32_t failed = 99;
    double min, max;
    zk_model model;
    int i;

    /* scales 0.5, 1/3, 1e6; zero points -10, 0, 127; xbits 8 */
    CHECK(iface_model(&model) == 0);
    CHECK(model_input_range(&model, 0, &min, &max) == MODEL_OK && min == -59.0 && max == 68.5);
    CHECK(model_input_range(&model, 1, &min, &max) == MODEL_OK && min == -128.0 * (1.0 / 3) &&
          max == 127.0 * (1.0 / 3));
    CHECK(model_input_range(&model, 2, &min, &max) == MODEL_OK && min == -2.55e8 && max == 0.0);
    CHECK(model_input_range(&model, 3, &min, &max) == MODEL_ERR_INVALID);
    {
        /* the ends of every range */
        double lo[3], hi[3];
        int j;

        for (j = 0; j < 3; j++)
            CHECK(model_input_range(&model, (uint32_t)j, &lo[j], &hi[j]) == MODEL_OK);
        CHECKF(model_quantize_features_policy(&model, lo, MODEL_FEATURES_REFUSE, out, &failed,
                                              err) == MODEL_OK, "%s", err);
        CHECK(out[0] == -128 && out[1] == -128 && out[2] == -128);
        CHECKF(model_quantize_features_policy(&model, hi, MODEL_FEATURES_REFUSE, out, &failed,
                                              err) == MODEL_OK, "%s", err);
        CHECK(out[0] == 127 && out[1] == 127 && out[2] == 127);
    }
    {
        /* half a step beyond the ends: rounds to the end, accepted; at half a step it
         * rounds past the end (ties away from zero), refused */
        double x[3] = {68.74, 0.0, 0.0};

        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, NULL,
                                             err) == MODEL_OK && out[0] == 127);
        x[0] = -59.24;
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, NULL,
                                             err) == MODEL_OK && out[0] == -128);
        x[0] = 68.75;                               /* 137.5 - 10 = 127.5 -> 128 */
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed,
                                             err) == MODEL_ERR_FEATURE_RANGE && failed == 0);
        CHECKF(strstr(err, "feature \"age\" lies outside") != NULL &&
               strstr(err, "[-59, 68.5]") != NULL && strstr(err, "68.75") == NULL, "%s", err);
        x[0] = -59.25;                              /* -118.5 - 10 = -128.5 -> -129 */
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed,
                                             err) == MODEL_ERR_FEATURE_RANGE && failed == 0);
        /* saturation takes the same rows and clamps these two */
        CHECK(model_quantize_features(&model, x, out, err) == MODEL_OK && out[0] == -128);
    }
    {
        /* far values, and a division that overflows to infinity; the feature without a
         * name is named by its position; the first feature out of range is reported */
        double x[3] = {0.0, 1e300, -1e300};

        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed,
                                             err) == MODEL_ERR_FEATURE_RANGE && failed == 1);
        CHECKF(strstr(err, "feature 2 lies outside") != NULL &&
               strstr(err, "[-42.666666666666664, 42.33333333333333]") != NULL &&
               strstr(err, "e+300") == NULL, "%s", err);
        x[1] = 0.0;
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed,
                                             err) == MODEL_ERR_FEATURE_RANGE && failed == 2);
        CHECKF(strstr(err, "feature \"r\xc3\xa9gion\"") != NULL &&
               strstr(err, "[-2.55e+08, 0]") != NULL, "%s", err);
        model.inputs[1].scale = 1e-300;
        x[1] = 1e300;
        x[2] = 0.0;
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed,
                                             err) == MODEL_ERR_FEATURE_RANGE && failed == 1);
        model.inputs[1].scale = 1.0 / 3;
    }
    {
        /* NaN is still MODEL_ERR_INVALID, with the feature's position */
        double x[3] = {0.0, 0.0, NAN};

        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed,
                                             err) == MODEL_ERR_INVALID && failed == 2);
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_SATURATE, out, &failed,
                                             err) == MODEL_ERR_INVALID && failed == 2);
    }
    /* values around and beyond the ends: accepted rows quantize as under saturation,
     * refused ones are exactly those saturation clamps */
    for (i = 0; i < 20000; i++) {
        double x[3];
        int j, clamped = 0, rc;

        for (j = 0; j < 3; j++) {
            double u = (double)(unit_rand64() >> 11) / 9007199254740992.0;   /* [0, 1) */

            CHECK(model_input_range(&model, (uint32_t)j, &min, &max) == MODEL_OK);
            x[j] = min - 0.1 * (max - min) + 1.2 * (max - min) * u;
        }
        CHECK(model_quantize_features_policy(&model, x, MODEL_FEATURES_SATURATE, sat, NULL,
                                             err) == MODEL_OK);
        rc = model_quantize_features_policy(&model, x, MODEL_FEATURES_REFUSE, out, &failed, err);
        for (j = 0; j < 3; j++) {
            double t = round(x[j] / model.inputs[j].scale + (double)model.inputs[j].zero_point);

            clamped |= t < -128.0 || t > 127.0;
        }
        if (clamped)
            CHECKF(rc == MODEL_ERR_FEATURE_RANGE, "row %d", i);
        else
            CHECKF(rc == MODEL_OK && memcmp(out, sat, sizeof out) == 0, "row %d", i);
    }
    model_free(&model);

    /* a model without interface arrays: [-128, 127], features named by position */
    CHECK(tiny_model(&model, 1) == 0);
    CHECK(model_input_range(&model, 0, &min, &max) == MODEL_OK && min == -128.0 && max == 127.0);
    CHECK(model_quantize_features_policy(&model, (const double[1]){127.0},
                                         MODEL_FEATURES_REFUSE, out, NULL, err) == MODEL_OK &&
          out[0] == 127);
    CHECK(model_quantize_features_policy(&model, (const double[1]){128.0},
                                         MODEL_FEATURES_REFUSE, out, NULL, err) ==
          MODEL_ERR_FEATURE_RANGE);
    CHECKF(strstr(err, "feature 1 lies outside the range the model's inputs represent, "
                       "[-128, 127]") != NULL, "%s", err);
    model_free(&model);
}

/* ---- Q.json errors name the path ---- */

static void
expect_json_error(const char *doc, const char *needle)
{
    char err[ZKML_ERR_LEN] = "";
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
    char err[ZKML_ERR_LEN] = "";
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

UNIT_TEST(model_json_interface)
{
    static const char *const good =
        DOC_HEAD LAYER_OK "],\"inputs\":[{\"name\":\"age\",\"scale\":0.25,\"zero_point\":-80},"
        "{\"scale\":2}],\"outputs\":[{\"zero_point\":-3},{}],\"output_kind\":\"probability\"}";
    char err[ZKML_ERR_LEN] = "";
    zk_model model;
    int rc = model_from_json(&model, good, strlen(good), err);

    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc == MODEL_OK) {
        CHECK(model.output_kind == MODEL_OUTPUT_PROBABILITY);
        CHECK(strcmp(model.inputs[0].name, "age") == 0 && model.inputs[0].scale == 0.25 &&
              model.inputs[0].zero_point == -80);
        CHECK(model.inputs[1].name[0] == '\0' && model.inputs[1].scale == 2.0 &&
              model.inputs[1].zero_point == 0);
        CHECK(model.outputs[0].scale == 1.0 && model.outputs[0].zero_point == -3 &&
              model.outputs[1].scale == 1.0);
        model_free(&model);
    }
    /* without the keys: the defaults, arrays present */
    rc = model_from_json(&model, DOC_HEAD LAYER_OK "]}", strlen(DOC_HEAD LAYER_OK "]}"), err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc == MODEL_OK) {
        CHECK(model.inputs != NULL && model.outputs != NULL &&
              model.output_kind == MODEL_OUTPUT_SCORE && model.inputs[1].scale == 1.0 &&
              model.outputs[1].zero_point == 0 && model.inputs[0].name[0] == '\0');
        model_free(&model);
    }
#define IFACE_DOC(tail) DOC_HEAD LAYER_OK "]," tail "}"
    expect_json_error(IFACE_DOC("\"inputs\":[{}]"),
                      "inputs: must have 2 entries (the first layer's inputs)");
    expect_json_error(IFACE_DOC("\"outputs\":[{},{},{}]"),
                      "outputs: must have 2 entries (the last layer's outputs)");
    expect_json_error(IFACE_DOC("\"inputs\":{}"), "inputs: must be an array");
    expect_json_error(IFACE_DOC("\"inputs\":[{},1]"), "inputs[1]: must be an object");
    expect_json_error(IFACE_DOC("\"inputs\":[{},{\"mean\":1}]"),
                      "inputs[1]: unknown key \"mean\"");
    expect_json_error(IFACE_DOC("\"outputs\":[{},{\"name\":\"p\"}]"),
                      "outputs[1]: unknown key \"name\"");
    expect_json_error(IFACE_DOC("\"inputs\":[{},{\"scale\":0}]"),
                      "inputs[1].scale: must be a positive number");
    expect_json_error(IFACE_DOC("\"inputs\":[{},{\"scale\":-1.5}]"), "inputs[1].scale:");
    expect_json_error(IFACE_DOC("\"inputs\":[{},{\"scale\":\"1\"}]"), "inputs[1].scale:");
    expect_json_error(IFACE_DOC("\"inputs\":[{\"zero_point\":128},{}]"),
                      "inputs[0].zero_point: must be an integer in [-128, 127]");
    expect_json_error(IFACE_DOC("\"inputs\":[{\"zero_point\":1.5},{}]"),
                      "inputs[0].zero_point:");
    expect_json_error(IFACE_DOC("\"outputs\":[{},{\"zero_point\":-32769}]"),
                      "outputs[1].zero_point: must be an integer in [-32768, 32767]");
    expect_json_error(IFACE_DOC("\"inputs\":[{\"name\":7},{}]"),
                      "inputs[0].name: must be a string");
    expect_json_error(IFACE_DOC("\"inputs\":[{\"name\":\"a\\u0007b\"},{}]"),
                      "inputs[0].name: must be at most 63 bytes without control characters");
    expect_json_error(IFACE_DOC("\"inputs\":[{},{\"name\":"
                                "\"0123456789012345678901234567890123456789012345678901234567890123\"}]"),
                      "inputs[1].name: must be at most 63 bytes");
    expect_json_error(IFACE_DOC("\"output_kind\":\"logit\""),
                      "output_kind: must be \"score\" or \"probability\"");
    expect_json_error(IFACE_DOC("\"output_kind\":1"), "output_kind: must be");
#undef IFACE_DOC
}

/* ---- the JSON reader itself ---- */

static json_value *
parse_ok(const char *text)
{
    char err[ZKML_ERR_LEN] = "";
    json_value *v = NULL;

    CHECKF(json_parse(&v, text, strlen(text), err) == 0, "%s: %s", text, err);
    return v;
}

static int
parse_fails(const char *text, size_t len)
{
    char err[ZKML_ERR_LEN];
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
