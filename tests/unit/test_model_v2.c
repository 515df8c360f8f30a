/*
 * test_model_v2.c: the model of protocol version 2 (docs/protocol.md 6.4, 12.5): the
 * zkml-quantized-v2 document, the ZKMLMD02 descriptor (round trips, strict decoding of
 * every field), key and public files, and the forward pass against a reference written
 * here from the document's definitions (folding after the sum, shifts instead of floor
 * division).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "model.h"
#include "model_kind.h"
#include "modelkey.h"
#include "unit.h"
#include "zkml.h"

/* The test network: 3 inputs of 6, 12 and 16 bits -> 4 relu -> 3 clamp -> 2 identity,
 * or with a sigmoid table (Q = 8) at the output. */
#define V2_N0 3
#define V2_N1 4
#define V2_N2 3
#define V2_N3 2

typedef struct {
    int32_t w1[V2_N1][V2_N0], w2[V2_N2][V2_N1], w3[V2_N3][V2_N2];
    int32_t b1[V2_N1], b2[V2_N2], b3[V2_N3];
    int32_t m1[V2_N1], m2[V2_N2], m3[V2_N3];
} v2_weights;

static const unsigned V2_BITS[V2_N0] = {6, 12, 16};

static void
v2_random_weights(v2_weights *w)
{
    size_t i, j;

#define RND(lim) ((int32_t)(unit_rand64() % (2 * (lim) + 1)) - (int32_t)(lim))
    for (i = 0; i < V2_N1; i++) {
        for (j = 0; j < V2_N0; j++)
            w->w1[i][j] = RND(100);
        w->b1[i] = RND(1000);
        w->m1[i] = 1 + (int32_t)(unit_rand64() % 5000);
    }
    for (i = 0; i < V2_N2; i++) {
        for (j = 0; j < V2_N1; j++)
            w->w2[i][j] = RND(100);
        w->b2[i] = RND(1000);
        w->m2[i] = 1 + (int32_t)(unit_rand64() % 5000);
    }
    for (i = 0; i < V2_N3; i++) {
        for (j = 0; j < V2_N2; j++)
            w->w3[i][j] = RND(100);
        w->b3[i] = RND(1000);
        w->m3[i] = 1 + (int32_t)(unit_rand64() % 5000);
    }
#undef RND
}

/* Append printf-style text to buf (large enough for the test documents). */
__attribute__((format(printf, 2, 3))) static void
cat(char *buf, const char *fmt, ...)
{
    va_list ap;
    size_t at = strlen(buf);

    va_start(ap, fmt);
    vsnprintf(buf + at, 65536 - at, fmt, ap);
    va_end(ap);
}

static void
cat_matrix(char *buf, const int32_t *w, size_t m, size_t n)
{
    size_t i, j;

    cat(buf, "[");
    for (i = 0; i < m; i++) {
        cat(buf, "%s[", i ? "," : "");
        for (j = 0; j < n; j++)
            cat(buf, "%s%d", j ? "," : "", (int)w[i * n + j]);
        cat(buf, "]");
    }
    cat(buf, "]");
}

static void
cat_vector(char *buf, const int32_t *v, size_t n)
{
    size_t i;

    cat(buf, "[");
    for (i = 0; i < n; i++)
        cat(buf, "%s%d", i ? "," : "", (int)v[i]);
    cat(buf, "]");
}

/* The document (65536 bytes of buf); sigmoid_out: the last layer is a sigmoid table. */
static void
v2_document(char *buf, const v2_weights *w, int sigmoid_out)
{
    buf[0] = '\0';
    cat(buf, "{\"format\": \"zkml-quantized-v2\", \"output_kind\": \"%s\", \"inputs\": [",
        sigmoid_out ? "probability" : "score");
    cat(buf, "{\"name\": \"age\", \"bits\": 6, \"scale\": 2, \"zero_point\": -10},");
    cat(buf, "{\"name\": \"income\", \"bits\": 12, \"scale\": 100},");
    cat(buf, "{\"bits\": 16, \"scale\": 0.5, \"zero_point\": 1000}],");
    cat(buf, "\"layers\": [{\"s\": 21, \"Q\": 12, \"limb_bits\": 4, \"u_bits\": 5, \"weights\": ");
    cat_matrix(buf, &w->w1[0][0], V2_N1, V2_N0);
    cat(buf, ", \"bias\": ");
    cat_vector(buf, w->b1, V2_N1);
    cat(buf, ", \"M\": ");
    cat_vector(buf, w->m1, V2_N1);
    cat(buf, ", \"activation\": {\"kind\": \"relu\"}},");
    cat(buf, "{\"s\": 22, \"Q\": 10, \"limb_bits\": 16, \"u_bits\": 3, \"weights\": ");
    cat_matrix(buf, &w->w2[0][0], V2_N2, V2_N1);
    cat(buf, ", \"bias\": ");
    cat_vector(buf, w->b2, V2_N2);
    cat(buf, ", \"M\": ");
    cat_vector(buf, w->m2, V2_N2);
    cat(buf, ", \"activation\": {\"kind\": \"clamp\", \"min\": -50, \"max\": 60}},");
    if (sigmoid_out)
        cat(buf, "{\"s\": 20, \"Q\": 8, \"weights\": ");
    else
        cat(buf, "{\"s\": 12, \"Q\": 16, \"u_bits\": 8, \"weights\": ");
    cat_matrix(buf, &w->w3[0][0], V2_N3, V2_N2);
    cat(buf, ", \"bias\": ");
    cat_vector(buf, w->b3, V2_N3);
    cat(buf, ", \"M\": ");
    cat_vector(buf, w->m3, V2_N3);
    if (sigmoid_out)
        cat(buf, ", \"activation\": {\"kind\": \"sigmoid\", \"in_scale\": 0.0625, "
                 "\"out_scale\": 0.0001}}]}");
    else
        cat(buf, ", \"activation\": {\"kind\": \"identity\"}}]}");
}

static int
v2_model(zk_model *m, const v2_weights *w, int sigmoid_out, char *err)
{
    char *buf = malloc(65536);
    int rc;

    v2_document(buf, w, sigmoid_out);
    rc = model_from_json(m, buf, strlen(buf), err);
    free(buf);
    return rc;
}

/* floor((y + 2^(s-1)) / 2^s) by an arithmetic shift of the two's complement value */
static __int128
ref_round_shift(__int128 y, unsigned s)
{
    return (y + ((__int128)1 << (s - 1))) >> s;
}

/*
 * The reference pass of one row: Y = M_i·(W_i·x + b_i), q by shift, the kind's
 * activation written out.  Returns 0, or 1 + the layer whose q left [-2^(Q-1), 2^(Q-1)).
 */
static int
ref_forward(const v2_weights *w, const zk_model *m, const int32_t *x, int32_t *out,
            int32_t qs[3][4])
{
    int64_t a0[V2_N0], a1[V2_N1], a2[V2_N2];
    size_t i, j;

    for (j = 0; j < V2_N0; j++)
        a0[j] = x[j];
    for (i = 0; i < V2_N1; i++) {
        __int128 y = w->b1[i], q;

        for (j = 0; j < V2_N0; j++)
            y += (__int128)w->w1[i][j] * a0[j];
        q = ref_round_shift(y * w->m1[i], 21);
        if (q < -2048 || q > 2047)
            return 1;
        qs[0][i] = (int32_t)q;
        a1[i] = q < 0 ? 0 : (int64_t)q;
    }
    for (i = 0; i < V2_N2; i++) {
        __int128 y = w->b2[i], q;

        for (j = 0; j < V2_N1; j++)
            y += (__int128)w->w2[i][j] * a1[j];
        q = ref_round_shift(y * w->m2[i], 22);
        if (q < -512 || q > 511)
            return 2;
        qs[1][i] = (int32_t)q;
        a2[i] = q > 60 ? 60 : q < -50 ? -50 : (int64_t)q;
    }
    for (i = 0; i < V2_N3; i++) {
        __int128 y = w->b3[i], q;
        unsigned s = m->layer[2].shift, Q = m->layer[2].q_bits;

        for (j = 0; j < V2_N2; j++)
            y += (__int128)w->w3[i][j] * a2[j];
        q = ref_round_shift(y * w->m3[i], s);
        if (q < -((__int128)1 << (Q - 1)) || q >= ((__int128)1 << (Q - 1)))
            return 3;
        qs[2][i] = (int32_t)q;
        out[i] = m->layer[2].act_kind == MODEL_PW_TABLE
                     ? m->layer[2].act[(int64_t)q + (1 << (Q - 1))]
                     : (int32_t)q;
    }
    return 0;
}

UNIT_TEST(model_v2_document_and_limb_plans)
{
    char err[ZKML_ERR_LEN];
    unsigned widths[MODEL_MAX_LIMBS], offsets[MODEL_MAX_LIMBS];
    v2_weights w;
    zk_model m;

    v2_random_weights(&w);
    CHECKF(v2_model(&m, &w, 0, err) == MODEL_OK, "%s", err);
    CHECK(model_version(&m) == 2 && m.n_layers == 3 && m.xbits == 16);
    CHECK(model_input_bits(&m, 0) == 6 && model_input_bits(&m, 1) == 12 &&
          model_input_bits(&m, 2) == 16);
    CHECK(m.layer[0].act_kind == MODEL_PW_RELU && m.layer[1].act_kind == MODEL_PW_CLAMP &&
          m.layer[2].act_kind == MODEL_PW_IDENTITY && m.layer[0].act == NULL);
    CHECK(m.layer[1].lo == -50 && m.layer[1].hi == 60);
    /* folded: W'[i][j] = M_i·W[i][j], b'[i] = M_i·b[i] */
    CHECK(m.weights[0].w64[1 * V2_N0 + 2] == (int64_t)w.m1[1] * w.w1[1][2]);
    CHECK(m.weights[1].bias64[2] == (int64_t)w.m2[2] * w.b2[2]);
    /* u of Q = 12 below its sign bit: 11 bits in limbs 5, 5, 1; d: 12 bits as 5, 5, 2 */
    CHECK(model_u_limb_plan(&m.layer[0], widths, offsets) == 3 && widths[0] == 5 &&
          widths[2] == 1 && offsets[2] == 10);
    CHECK(model_d_limb_plan(&m.layer[0], widths, offsets) == 3 && widths[2] == 2);
    /* Q = 10 with u_bits 3: 9 bits in three limbs of 3 */
    CHECK(model_u_limb_plan(&m.layer[1], widths, offsets) == 3 && widths[2] == 3);
    model_free(&m);

    /* what the version 2 document refuses */
    {
        static const char *const bad[] = {
            /* relu takes no scales */
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"weights\": [[1]], "
            "\"bias\": [0], \"activation\": {\"kind\": \"relu\", \"in_scale\": 2}}]}",
            /* a clamp needs both ends, within Q */
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"Q\": 8, \"weights\": "
            "[[1]], \"bias\": [0], \"activation\": {\"kind\": \"clamp\", \"min\": 0}}]}",
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"Q\": 8, \"weights\": "
            "[[1]], \"bias\": [0], \"activation\": {\"kind\": \"clamp\", \"min\": 0, "
            "\"max\": 128}}]}",
            /* Q at most 16, limb widths at most 16 */
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"Q\": 17, \"weights\": "
            "[[1]], \"bias\": [0], \"activation\": {\"kind\": \"identity\"}}]}",
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"u_bits\": 17, "
            "\"weights\": [[1]], \"bias\": [0], \"activation\": {\"kind\": \"identity\"}}]}",
            /* the fold must stay below 2^62 */
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"weights\": "
            "[[4611686018427387]], \"M\": [2000], \"bias\": [0], \"activation\": "
            "{\"kind\": \"identity\"}}]}",
            /* an input's width and zero point */
            "{\"format\": \"zkml-quantized-v2\", \"inputs\": [{\"bits\": 17}], \"layers\": "
            "[{\"s\": 4, \"weights\": [[1]], \"bias\": [0], \"activation\": "
            "{\"kind\": \"identity\"}}]}",
            "{\"format\": \"zkml-quantized-v2\", \"inputs\": [{\"bits\": 4, \"zero_point\": 8}],"
            " \"layers\": [{\"s\": 4, \"weights\": [[1]], \"bias\": [0], \"activation\": "
            "{\"kind\": \"identity\"}}]}",
            /* version 1 keys are not version 2's */
            "{\"format\": \"zkml-quantized-v2\", \"layers\": [{\"s\": 4, \"wbits\": 8, "
            "\"weights\": [[1]], \"bias\": [0], \"activation\": {\"kind\": \"identity\"}}]}",
        };
        size_t k;

        for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            CHECKF(model_from_json(&m, bad[k], strlen(bad[k]), err) == MODEL_ERR_INVALID,
                   "document %zu accepted", k);
            model_free(&m);
        }
    }
}

UNIT_TEST(model_v2_descriptor_round_trip)
{
    char err[ZKML_ERR_LEN];
    uint8_t *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    char *json = NULL;
    size_t json_len = 0;
    v2_weights w;
    zk_model m, back, again;
    int sig;

    v2_random_weights(&w);
    for (sig = 0; sig < 2; sig++) {
        CHECKF(v2_model(&m, &w, sig, err) == MODEL_OK, "%s", err);
        CHECK(model_descriptor_encode(&d1, &n1, &m, err) == MODEL_OK);
        CHECK(n1 == model_descriptor_size(&m) && memcmp(d1, "ZKMLMD02", 8) == 0);
        CHECKF(model_descriptor_decode(&back, d1, n1, err) == MODEL_OK, "%s", err);
        CHECK(model_version(&back) == 2 && back.layer[1].lo == -50 &&
              model_input_bits(&back, 1) == 12 && strcmp(back.inputs[0].name, "age") == 0 &&
              back.inputs[2].zero_point == 1000 && back.output_kind == (uint32_t)sig);
        CHECK(model_descriptor_encode(&d2, &n2, &back, err) == MODEL_OK);
        CHECK(n1 == n2 && memcmp(d1, d2, n1) == 0);
        free(d2);
        /* the document written back reads as the same model */
        CHECK(model_to_json(&json, &json_len, &m, err) == MODEL_OK);
        CHECKF(model_from_json(&again, json, json_len, err) == MODEL_OK, "%s", err);
        CHECK(model_descriptor_encode(&d2, &n2, &again, err) == MODEL_OK);
        CHECK(n1 == n2 && memcmp(d1, d2, n1) == 0);
        CHECK(memcmp(again.weights[0].w64, m.weights[0].w64, sizeof(int64_t) * V2_N1 * V2_N0)
              == 0 && again.weights[2].bias64[1] == m.weights[2].bias64[1]);
        free(d2);
        free(json);
        free(d1);
        model_free(&again);
        model_free(&back);
        model_free(&m);
    }
}

/* Offsets of the descriptor of the identity-output network (no tables): the header, the
 * three layers, the interface. */
UNIT_TEST(model_v2_descriptor_strict)
{
    char err[ZKML_ERR_LEN];
    uint8_t *d = NULL, *bad;
    size_t n = 0, k;
    v2_weights w;
    zk_model m, back;
    /* (offset, a value the field must not take) for every field that has a rule */
    static const struct {
        size_t at;
        uint32_t v;
    } fields[] = {
        {8, 0}, {8, 17},                        /* L */
        {12, 1}, {12, 3},                       /* padding rule */
        {16, 0}, {16, 4},                       /* layer 1: n (and the shape chain) */
        {20, 0}, {20, 5},                       /* m */
        {24, 0}, {24, 65},                      /* s */
        {28, 0}, {28, 17},                      /* w_rem */
        {32, 4},                                /* kind */
        {36, 1}, {36, 17},                      /* Q */
        {40, 0}, {40, 17},                      /* w_u */
        {44, 5},                                /* layer 2: n != m of layer 1 */
        {68, 0},                                /* layer 2's w_u */
        {72, (uint32_t)-600},                   /* lo below -2^(Q-1) */
        {76, 512}, {76, (uint32_t)-51},         /* hi beyond 2^(Q-1) - 1, hi < lo */
        {80, 4},                                /* layer 3: n */
        {96, 2},                                /* layer 3: kind 2 (its fields missing) */
        {108, 2},                               /* output kind */
        {112, 1}, {112, 17},                    /* input 1: bits */
        {116, 64},                              /* input 1: name length */
    };

    v2_random_weights(&w);
    CHECKF(v2_model(&m, &w, 0, err) == MODEL_OK, "%s", err);
    CHECK(model_descriptor_encode(&d, &n, &m, err) == MODEL_OK);
    /* the offsets above, checked against the encoding */
    CHECK(le_get_u32(d + 8) == 3 && le_get_u32(d + 12) == 2 && le_get_u32(d + 16) == 3 &&
          le_get_u32(d + 32) == 1 && le_get_u32(d + 40) == 5 && le_get_u32(d + 60) == 2 &&
          le_get_u32(d + 64) == 10 && (int32_t)le_get_u32(d + 72) == -50 &&
          le_get_u32(d + 96) == 0 && le_get_u32(d + 108) == 0 && le_get_u32(d + 112) == 6 &&
          le_get_u32(d + 116) == 3 && (int32_t)le_get_u32(d + 131) == -10);
    bad = malloc(n + 1);
    for (k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        memcpy(bad, d, n);
        le_put_u32(bad + fields[k].at, fields[k].v);
        CHECKF(model_descriptor_decode(&back, bad, n, err) == MODEL_ERR_INVALID,
               "field at %zu = %u accepted", fields[k].at, (unsigned)fields[k].v);
        model_free(&back);
    }
    /* the zero point of input 1 sits after its 3-byte name: a 6-bit value beyond it */
    memcpy(bad, d, n);
    le_put_u32(bad + 131, 32);
    CHECK(model_descriptor_decode(&back, bad, n, err) == MODEL_ERR_INVALID);
    /* every truncation, and one trailing byte */
    for (k = 0; k < n; k++) {
        CHECK(model_descriptor_decode(&back, d, k, err) == MODEL_ERR_INVALID);
        model_free(&back);
    }
    memcpy(bad, d, n);
    bad[n] = 0;
    CHECK(model_descriptor_decode(&back, bad, n + 1, err) == MODEL_ERR_INVALID &&
          strstr(err, "trailing") != NULL);
    /* a name with a control character; a non-finite scale */
    memcpy(bad, d, n);
    bad[120] = '\n';
    CHECK(model_descriptor_decode(&back, bad, n, err) == MODEL_ERR_INVALID);
    memcpy(bad, d, n);
    le_put_u64(bad + 123, 0x7ff0000000000000ull);
    CHECK(model_descriptor_decode(&back, bad, n, err) == MODEL_ERR_INVALID);
    /* the magic decides the version: these bytes are not a version 1 descriptor */
    memcpy(bad, d, n);
    bad[7] = '1';
    CHECK(model_descriptor_decode(&back, bad, n, err) == MODEL_ERR_INVALID);
    CHECK(model_descriptor_decode(&back, d, n, err) == MODEL_OK);
    model_free(&back);
    free(bad);
    free(d);
    model_free(&m);
}

UNIT_TEST(model_v2_forward_matches_reference)
{
    char err[ZKML_ERR_LEN];
    v2_weights w;
    zk_model m;
    model_trace tr;
    enum { B = 64 };
    int32_t x[B * V2_N0], out[V2_N3], qs[3][4];
    size_t b, j, checked = 0, refused = 0;
    int sig, round;

    for (round = 0; round < 8; round++) {
        v2_random_weights(&w);
        for (sig = 0; sig < 2; sig++) {
            CHECKF(v2_model(&m, &w, sig, err) == MODEL_OK, "%s", err);
            for (b = 0; b < B; b++)
                for (j = 0; j < V2_N0; j++) {
                    int32_t half = 1 << (V2_BITS[j] - 1);

                    x[b * V2_N0 + j] = (int32_t)(unit_rand64() % (2u * (uint32_t)half)) - half;
                }
            /* row by row, so that a row that leaves a range fails alone */
            for (b = 0; b < B; b++) {
                int rc = model_forward(&tr, &m, x + b * V2_N0, 1, 0, err);
                int ref = ref_forward(&w, &m, x + b * V2_N0, out, qs);

                if (ref != 0) {
                    CHECKF(rc == MODEL_ERR_RANGE, "row %zu: reference leaves layer %d", b, ref);
                    if (rc == MODEL_ERR_RANGE) {
                        char want[64];

                        snprintf(want, sizeof want, "layer %d, batch row 0:", ref);
                        CHECKF(strstr(err, want) != NULL, "%s", err);
                    }
                    refused++;
                    continue;
                }
                CHECKF(rc == MODEL_OK, "row %zu: %s", b, err);
                if (rc != MODEL_OK)
                    continue;
                for (j = 0; j < V2_N3; j++)
                    CHECK(tr.out[j] == out[j]);
                for (j = 0; j < V2_N1; j++)
                    CHECK(tr.layer[0].q[j] == qs[0][j] &&
                          tr.layer[0].a[j] == (qs[0][j] > 0 ? qs[0][j] : 0));
                for (j = 0; j < V2_N2; j++)
                    CHECK(tr.layer[1].q[j] == qs[1][j]);
                /* rem and its limbs: 2^s·q + rem = Y' + 2^(s-1) */
                for (j = 0; j < V2_N1; j++) {
                    __int128 y = w.b1[j];
                    size_t k;
                    uint64_t rem = 0;

                    for (k = 0; k < V2_N0; k++)
                        y += (__int128)w.w1[j][k] * x[b * V2_N0 + k];
                    y *= w.m1[j];
                    CHECK((__int128)qs[0][j] * ((__int128)1 << 21) + tr.layer[0].rem[j] ==
                          y + (1 << 20));
                    for (k = 0; k < tr.layer[0].n_limbs; k++)
                        rem |= (uint64_t)tr.layer[0].limbs[k * V2_N1 + j] << (4 * k);
                    CHECK(rem == tr.layer[0].rem[j] && tr.layer[0].n_limbs == 6);
                }
                checked++;
                model_trace_free(&tr);
            }
            model_free(&m);
        }
    }
    /* both outcomes occurred */
    CHECKF(checked > 100 && refused > 10, "checked %zu, refused %zu", checked, refused);
}

UNIT_TEST(model_v2_inputs_per_feature)
{
    char err[ZKML_ERR_LEN];
    v2_weights w;
    zk_model m;
    double lo, hi, f[V2_N0] = {1000.0, 1e9, -1e9};
    int32_t q[V2_N0], bad[V2_N0] = {31, 2047, 32767};
    model_trace tr;
    uint32_t failed = 99;

    v2_random_weights(&w);
    CHECKF(v2_model(&m, &w, 0, err) == MODEL_OK, "%s", err);
    /* each feature saturates at its own width */
    CHECK(model_quantize_features(&m, f, q, err) == MODEL_OK);
    CHECK(q[0] == 31 && q[1] == 2047 && q[2] == -32768);
    CHECK(model_quantize_features_policy(&m, f, MODEL_FEATURES_REFUSE, q, &failed, err) ==
              MODEL_ERR_FEATURE_RANGE && failed == 0);
    CHECK(model_input_range(&m, 0, &lo, &hi) == MODEL_OK && lo == (-32 + 10) * 2.0 &&
          hi == (31 + 10) * 2.0);
    CHECK(model_input_range(&m, 2, &lo, &hi) == MODEL_OK && lo == (-32768 - 1000) * 0.5);
    /* the forward pass refuses an input beyond its own width, not the widest */
    bad[0] = 32;
    CHECK(model_forward(&tr, &m, bad, 1, 0, err) == MODEL_ERR_INVALID &&
          strstr(err, "signed 6-bit") != NULL);
    model_free(&m);
}

UNIT_TEST(model_v2_key_and_public_files)
{
    char err[ZKML_ERR_LEN], *doc = malloc(65536);
    uint8_t *key = NULL, *pub = NULL, *key2 = NULL;
    size_t key_len = 0, pub_len = 0, key2_len = 0;
    v2_weights w;
    modelkey k;
    modelpub p;

    CHECK(zkml_init() == ZKML_OK);
    v2_random_weights(&w);
    v2_document(doc, &w, 1);
    CHECK(model_kind_of_document(doc, strlen(doc)) == &model_kind_dense_v2);
    CHECKF(modelkey_keygen(&key, &key_len, doc, strlen(doc), err) == MODELKEY_OK, "%s", err);
    CHECKF(modelkey_decode(&k, key, key_len, err) == MODELKEY_OK, "%s", err);
    CHECK(k.kind == &model_kind_dense_v2 && strcmp(k.kind->name, "dense") == 0 &&
          model_version(&k.model) == 2);
    CHECK(k.model.weights[1].w64[5] == (int64_t)w.m2[1] * w.w2[1][1]);
    CHECK(modelkey_encode(&key2, &key2_len, &k, err) == MODELKEY_OK);
    CHECK(key2_len == key_len && memcmp(key, key2, key_len) == 0);
    /* every truncation of the key file is refused */
    {
        size_t cut;
        modelkey t;

        for (cut = 0; cut < key_len; cut += 7)
            CHECK(modelkey_decode(&t, key, cut, err) != MODELKEY_OK);
    }
    CHECKF(modelkey_public(&pub, &pub_len, key, key_len, err) == MODELKEY_OK, "%s", err);
    CHECKF(modelpub_decode(&p, pub, pub_len, err) == MODELKEY_OK, "%s", err);
    CHECK(p.kind == &model_kind_dense_v2 && model_version(&p.model) == 2 &&
          p.model.weights[0].w64 == NULL);
    modelpub_free(&p);
    modelkey_free(&k);
    modelkey_bytes_free(key, key_len);
    modelkey_bytes_free(key2, key2_len);
    free(pub);
    free(doc);
}
