/*
 * test_quantize.c: the float model document, the quantizer and its report (quantize.h),
 * on small hand-made models with known results and on models trained on real credit
 * data (tests/fixtures/make_credit.py), whose float predictions come from scikit-learn.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "json.h"
#include "quantize.h"
#include "unit.h"

/* ---- helpers ---- */

/* Most tests here check version 1's method (quantize.h); version 2, the default, has its
 * own in test_quantize_v2.c.  These options ask for version 1. */
static void
options_v1(quant_options *opt)
{
    quant_options_default(opt);
    opt->version = 1;
}

static const quant_options *
v1(void)
{
    static quant_options opt;

    options_v1(&opt);
    return &opt;
}

static void
expect_float_error(const char *doc, const char *needle)
{
    char err[ZKML_ERR_LEN] = "";
    float_model fm;
    int rc = float_model_from_json(&fm, doc, strlen(doc), err);

    CHECKF(rc == QUANT_ERR_INVALID && strstr(err, needle) != NULL,
           "expected \"%s\", got rc %d \"%s\"", needle, rc, err);
    CHECK(fm.n_layers == 0 && fm.names == NULL && fm.layer[0].w == NULL);
}

/* A CSV of numbers after one header line, row-major; NULL on error. */
static double *
read_float_csv(const char *name, size_t *rows, size_t *cols)
{
    size_t len, n = 0, cap = 256, width = 0, r = 0;
    char *text = fixture_read(name, &len), *p, *end;
    double *v = malloc(cap * sizeof *v);

    *rows = *cols = 0;
    if (text == NULL || v == NULL || (p = strchr(text, '\n')) == NULL) {
        free(text);
        free(v);
        return NULL;
    }
    p++;
    while (*p != '\0') {
        size_t in_row = 0;

        while (*p != '\n' && *p != '\0') {
            double d = strtod(p, &end);

            if (end == p)
                goto fail;
            if (n == cap) {
                double *g = realloc(v, 2 * cap * sizeof *v);

                if (g == NULL)
                    goto fail;
                v = g;
                cap *= 2;
            }
            v[n++] = d;
            in_row++;
            p = end;
            if (*p == ',')
                p++;
        }
        if (r == 0)
            width = in_row;
        else if (in_row != width)
            goto fail;
        r++;
        if (*p == '\n')
            p++;
    }
    free(text);
    *rows = r;
    *cols = width;
    return v;
fail:
    free(text);
    free(v);
    return NULL;
}

/* The quantized model's dequantized outputs (m_L = 1) for raw rows. */
static int
quantized_outputs(const zk_model *m, const double *rows, size_t n, double *out)
{
    size_t n0 = m->layer[0].n, b;
    int32_t *x = calloc(n * n0 + 1, sizeof *x);
    char err[ZKML_ERR_LEN];
    model_trace tr;
    int rc = -1;

    if (x == NULL)
        return -1;
    for (b = 0; b < n; b++)
        if (model_quantize_features(m, rows + b * n0, x + b * n0, err) != MODEL_OK)
            goto done;
    if (model_forward(&tr, m, x, n, 0, err) != MODEL_OK) {
        fprintf(stderr, "    forward: %s\n", err);
        goto done;
    }
    for (b = 0; b < n; b++)
        out[b] = model_dequantize_output(m, 0, tr.out[b]);
    model_trace_free(&tr);
    rc = 0;
done:
    free(x);
    return rc;
}

/* AUC by pairs: P(score of a positive > score of a negative), ties count one half. */
static double
auc(const double *score, const double *label, size_t n)
{
    double wins = 0.0, pairs = 0.0;
    size_t i, j;

    for (i = 0; i < n; i++) {
        if (label[i] != 1.0)
            continue;
        for (j = 0; j < n; j++) {
            if (label[j] != 0.0)
                continue;
            pairs += 1.0;
            wins += score[i] > score[j] ? 1.0 : score[i] == score[j] ? 0.5 : 0.0;
        }
    }
    return pairs > 0.0 ? wins / pairs : 0.0;
}

/* A number member of the report: the first "key": value after the text after. */
static double
report_number(const char *report, const char *after, const char *key)
{
    const char *p = after != NULL ? strstr(report, after) : report;
    char pattern[64];

    if (p == NULL)
        return NAN;
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    p = strstr(p, pattern);
    return p != NULL ? strtod(p + strlen(pattern), NULL) : NAN;
}

/* ---- the document ---- */

#define FHEAD "{\"format\":\"zkml-float-v1\",\"features\":[\"a\",\"b\"],"
#define FL_OK "{\"weights\":[[1,2],[3,4],[5,6]],\"bias\":[0,0,0],\"activation\":\"relu\"}"

UNIT_TEST(quantize_float_document)
{
    static const char good[] =
        FHEAD "\"normalization\":{\"mean\":[1,2],\"std\":[0.5,4]},"
        "\"layers\":[" FL_OK ",{\"weights\":[[1,-1,0.5]],\"bias\":[0.25],"
        "\"activation\":\"sigmoid\"}]}";
    char err[ZKML_ERR_LEN] = "";
    float_model fm;
    int rc = float_model_from_json(&fm, good, strlen(good), err);

    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc == QUANT_OK) {
        const double row[2] = {2.0, 6.0};       /* normalized (2, 1) */
        double out = 0.0;

        CHECK(fm.n_features == 2 && fm.n_layers == 2 && strcmp(fm.names[1], "b") == 0);
        CHECK(fm.layer[1].n == 3 && fm.layer[1].m == 1 && fm.layer[1].act == MODEL_ACT_SIGMOID);
        CHECK(fm.output_kind == MODEL_OUTPUT_PROBABILITY);      /* the sigmoid default */
        /* hidden relu(4, 10, 16), then 4 - 10 + 8 + 0.25 = 2.25 */
        CHECK(quantize_float_forward(&fm, row, 1, &out, err) == QUANT_OK);
        CHECKF(fabs(out - 1.0 / (1.0 + exp(-2.25))) < 1e-15, "%.17g", out);
        CHECK(quantize_float_forward(&fm, (const double[2]){1.0, NAN}, 1, &out, err) ==
              QUANT_ERR_INVALID);
        CHECKF(strstr(err, "input row 1, feature \"b\"") != NULL, "%s", err);
        float_model_free(&fm);
    }
    expect_float_error(FHEAD "\"layers\":[" FL_OK ",{\"weights\":[[1,2]],\"bias\":[0],"
                       "\"activation\":\"relu\"}]}",
                       "$.layers[1]: 2 inputs but the previous layer has 3 outputs");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2,3]],\"bias\":[0],"
                       "\"activation\":\"relu\"}]}",
                       "$.layers[0]: 3 inputs but the model has 2 features");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2],[3]],\"bias\":[0,0],"
                       "\"activation\":\"relu\"}]}",
                       "$.layers[0].weights[1]: must have 2 entries");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2],[3,\"x\"]],\"bias\":[0,0],"
                       "\"activation\":\"relu\"}]}",
                       "$.layers[0].weights[1][1]: not a finite number");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2]],\"bias\":[null],"
                       "\"activation\":\"relu\"}]}", "$.layers[0].bias[0]: not a finite number");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2]],\"bias\":[0,1],"
                       "\"activation\":\"relu\"}]}",
                       "$.layers[0].bias: must have 1 entries, not 2");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2]],\"activation\":\"relu\"}]}",
                       "$.layers[0].bias: missing");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2]],\"bias\":[0],"
                       "\"activation\":\"softmax\"}]}",
                       "$.layers[0].activation: unsupported \"softmax\"");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2]],\"bias\":[0]}]}",
                       "$.layers[0].activation: missing");
    expect_float_error(FHEAD "\"layers\":[{\"weights\":[[1,2]],\"bias\":[0],\"act\":1,"
                       "\"activation\":\"relu\"}]}", "$.layers[0]: unknown key \"act\"");
    expect_float_error(FHEAD "\"layers\":[]}", "$.layers: must have 1 to 16 layers");
    expect_float_error(FHEAD "\"layers\":{}}", "$.layers: must be an array");
    expect_float_error(FHEAD "\"normalization\":{\"mean\":[0,0],\"std\":[1,0]},\"layers\":["
                       FL_OK "]}", "$.normalization.std[1]: must be positive");
    expect_float_error(FHEAD "\"normalization\":{\"mean\":[0,0]},\"layers\":[" FL_OK "]}",
                       "$.normalization.std: missing");
    expect_float_error(FHEAD "\"normalization\":{\"mean\":[0],\"std\":[1,1]},\"layers\":["
                       FL_OK "]}", "$.normalization.mean: must have 2 entries, not 1");
    expect_float_error(FHEAD "\"input_range\":{\"min\":[0,5],\"max\":[1,4]},\"layers\":["
                       FL_OK "]}", "$.input_range.max[1]: must not be below min");
    expect_float_error(FHEAD "\"layers\":[" FL_OK "],\"output_kind\":\"odds\"}",
                       "$.output_kind: must be \"score\" or \"probability\"");
    expect_float_error("{\"format\":\"zkml-float-v1\",\"features\":[\"a\",7],\"layers\":["
                       FL_OK "]}", "$.features[1]: must be a string");
    expect_float_error("{\"format\":\"zkml-float-v1\",\"features\":[\"a\\u0001\",\"b\"],"
                       "\"layers\":[" FL_OK "]}", "$.features[0]: must be at most 63 bytes");
    expect_float_error("{\"format\":\"zkml-float-v1\",\"features\":[],\"layers\":[" FL_OK "]}",
                       "$.features: must have 1 to");
    expect_float_error("{\"format\":\"zkml-quantized-v1\"}", "$.format: must be");
    expect_float_error(FHEAD "\"layers\":[" FL_OK "],\"extra\":1}", "$: unknown key \"extra\"");
    expect_float_error("[1]", "$: must be an object");
    expect_float_error(FHEAD "\"layers\":[" FL_OK "],}", "JSON: line 1, column");
}

UNIT_TEST(quantize_options_json)
{
    char err[ZKML_ERR_LEN] = "";
    quant_options o;
    static const char *const bad[][2] = {
        {"{\"xbits\":17}", "options: xbits must be an integer in [2, 16]"},
        {"{\"wbits\":1}", "options: wbits must be"},
        {"{\"Q\":21}", "options: Q must be"},
        {"{\"Q_min\":12,\"Q_max\":10}", "Q_min and Q_max must satisfy"},
        {"{\"limb_bits\":0}", "options: limb_bits must be"},
        {"{\"max_error\":0}", "options: max_error must be a positive number"},
        {"{\"max_error\":\"small\"}", "options: max_error must be a number"},
        {"{\"headroom\":0.5}", "options: headroom must be a number in [1, 1e6]"},
        {"{\"headroom\":0}", "options: headroom must be a number in [1, 1e6]"},
        {"{\"version\":3}", "options: version must be an integer in [1, 2]"},
        {"{\"hidden_headroom\":0.9}", "options: hidden_headroom must be"},
        {"{\"bits\":8}", "options: unknown key \"bits\""},
        {"[]", "options: must be a JSON object"},
        {"{", "options: JSON: line 1"},
    };
    size_t i;

    CHECK(quant_options_from_json(&o, "", 0, err) == QUANT_OK);
    /* headroom 0: the version's (QUANT_HEADROOM_V1, _V2); version 2 by default */
    CHECK(o.xbits == 0 && o.wbits == 0 && o.q_bits == 0 && o.q_min == 6 && o.q_max == 16 &&
          o.limb_bits == 0 && o.max_error == 0.01 && o.headroom == 0.0 &&
          o.hidden_headroom == 1.5 && o.version == 2);
    {
        static const char text[] = "{\"xbits\":12,\"wbits\":10,\"Q\":9,\"limb_bits\":7,"
                                   "\"max_error\":0.02,\"headroom\":3}";

        CHECKF(quant_options_from_json(&o, text, strlen(text), err) == QUANT_OK, "%s", err);
        CHECK(o.xbits == 12 && o.wbits == 10 && o.q_bits == 9 && o.limb_bits == 7 &&
              o.max_error == 0.02 && o.headroom == 3.0 && o.q_min == 6);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = quant_options_from_json(&o, bad[i][0], strlen(bad[i][0]), err);

        CHECKF(rc == QUANT_ERR_INVALID && strstr(err, bad[i][1]) != NULL, "%s: %s",
               bad[i][0], err);
    }
}

/* ---- small models with known results ---- */

/* score = 2a - b + 0.5, a in [-1, 1], b in [0, 2] */
static const char LINEAR_DOC[] =
    "{\"format\":\"zkml-float-v1\",\"features\":[\"a\",\"b\"],"
    "\"layers\":[{\"weights\":[[2,-1]],\"bias\":[0.5],\"activation\":\"identity\"}]}";
static const double LINEAR_ROWS[] = {-1, 0, 1, 2, 0.5, 1, 1, 0, -1, 2, 0, 0};

UNIT_TEST(quantize_linear_known_parameters)
{
    char err[ZKML_ERR_LEN] = "", *report = NULL;
    quant_options opt;
    zk_model m;
    int rc;

    options_v1(&opt);
    opt.xbits = opt.wbits = 8;
    opt.input_margin = 0.0;     /* the calibrated ranges as they are */
    rc = quantize_model(&m, &report, LINEAR_DOC, strlen(LINEAR_DOC), LINEAR_ROWS, 6, NULL, 0,
                        &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    /* inputs: a over [-1, 1] -> scale 2/255, zp round(-128 + 127.5) = -1 (half away from
     * zero); b over [0, 2] -> scale 2/255, zp -128 */
    CHECK(m.xbits == 8 && m.output_kind == MODEL_OUTPUT_SCORE);
    CHECK(strcmp(m.inputs[0].name, "a") == 0 && strcmp(m.inputs[1].name, "b") == 0);
    CHECK(m.inputs[0].scale == 2.0 / 255 && m.inputs[0].zero_point == -1);
    CHECK(m.inputs[1].scale == 2.0 / 255 && m.inputs[1].zero_point == -128);
    /* weights: W' = (4/255, -2/255), s_w = (4/255)/127 -> W_q = (127, round(-63.5) = -64);
     * bias round(0.5/s_w) = round(4048.125) = 4048, minus sum W_q·zp = -127 + 8192 */
    CHECK(m.layer[0].wbits == 8);
    CHECK(m.weights[0].w[0] == 127 && m.weights[0].w[1] == -64);
    CHECKF(m.weights[0].bias[0] == 4048 - 8065, "%d", (int)m.weights[0].bias[0]);
    /* the identity output: int16 over the calibrated [-3.5, 2.5] widened by the headroom
     * 2 about its middle to [-6.5, 5.5]: scale 12/65535, zero point
     * round(-32768 + 6.5·65535/12) = round(2730.125) = 2730 */
    CHECK(m.outputs[0].scale == 12.0 / 65535 && m.outputs[0].zero_point == 2730);
    {
        double out[6];
        size_t b;

        CHECK(quantized_outputs(&m, LINEAR_ROWS, 6, out) == 0);
        for (b = 0; b < 6; b++) {
            double want = 2 * LINEAR_ROWS[2 * b] - LINEAR_ROWS[2 * b + 1] + 0.5;

            CHECKF(fabs(out[b] - want) < 0.01, "row %zu: %g vs %g", b, out[b], want);
        }
    }
    /* the report carries the chosen parameters */
    CHECK(strstr(report, "\"format\": \"zkml-quantization-report-v1\"") != NULL);
    CHECK(report_number(report, "\"calibration\"", "rows") == 6.0);
    CHECK(report_number(report, "\"layers\"", "M") == m.layer[0].mult &&
          report_number(report, "\"layers\"", "s") == m.layer[0].shift &&
          report_number(report, "\"layers\"", "Q") == m.layer[0].q_bits);
    CHECK(report_number(report, "\"name\": \"b\"", "zero_point") == -128.0);
    CHECK(strstr(report, "\"holdout\"") == NULL && strstr(report, "\"synthetic\": false"));
    {
        json_value *v = NULL;

        CHECKF(json_parse(&v, report, strlen(report), err) == 0, "report: %s", err);
        json_free(v);
    }
    free(report);
    model_free(&m);
}

/* Inputs beyond the calibrated range saturate: the same integers, the same score. */
UNIT_TEST(quantize_saturates_out_of_range_inputs)
{
    char err[ZKML_ERR_LEN] = "", *report = NULL;
    int32_t corner[2], far[2];
    quant_options opt;
    zk_model m;
    int rc;

    options_v1(&opt);
    opt.input_margin = 0.0;     /* so that (1, 0) is the corner of the quantized range */
    rc = quantize_model(&m, &report, LINEAR_DOC, strlen(LINEAR_DOC), LINEAR_ROWS, 6, NULL, 0,
                        &opt, err);

    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    /* the table holds every input whatsoever: the worst case is covered */
    CHECK(strstr(report, "\"covers_worst_case\": true") != NULL);
    CHECK(model_quantize_features(&m, (const double[2]){1.0, 0.0}, corner, err) == MODEL_OK);
    CHECK(model_quantize_features(&m, (const double[2]){1e9, -1e300}, far, err) == MODEL_OK);
    CHECK(corner[0] == far[0] && corner[1] == far[1]);
    CHECK(far[0] == (1 << (m.xbits - 1)) - 1 && far[1] == -(1 << (m.xbits - 1)));
    {
        double a[1], b[1];

        CHECK(quantized_outputs(&m, (const double[2]){1.0, 0.0}, 1, a) == 0);
        CHECK(quantized_outputs(&m, (const double[2]){1e9, -1e300}, 1, b) == 0);
        CHECK(a[0] == b[0] && fabs(a[0] - 2.5) < 0.01);
    }
    CHECK(model_quantize_features(&m, (const double[2]){INFINITY, 0.0}, far, err) ==
          MODEL_ERR_INVALID);
    CHECKF(strstr(err, "feature \"a\"") != NULL, "%s", err);
    free(report);
    model_free(&m);
}

/*
 * Input ranges: the calibrated range widened by input_margin on each side, a side not
 * pushed across 0 when the rows stay on one side of it, indicators (0 and 1 only) kept
 * as they are, the document's input_range joined instead; the report counts the rows
 * and the values of each feature that saturate.
 */
UNIT_TEST(quantize_input_margin)
{
    static const char doc[] =
        "{\"format\":\"zkml-float-v1\",\"features\":[\"a\",\"b\",\"c\"],"
        "\"layers\":[{\"weights\":[[2,-1,0.5]],\"bias\":[0.5],\"activation\":\"identity\"}]}";
    static const char ranged[] =
        "{\"format\":\"zkml-float-v1\",\"features\":[\"a\",\"b\",\"c\"],"
        "\"input_range\":{\"min\":[-10,0,-4],\"max\":[10,1,-1]},"
        "\"layers\":[{\"weights\":[[2,-1,0.5]],\"bias\":[0.5],\"activation\":\"identity\"}]}";
    /* a in [-1, 1] crosses 0; b is an indicator; c in [-3, -1] stays below 0 */
    static const double rows[] = {-1, 0, -3, 1, 1, -1, 0.5, 1, -2, 0, 0, -1.5};
    /* a at 2.5 lies within [-3, 3], c at -6 beyond [-5, 0]: one row, one value */
    static const double hold[] = {2.5, 1, -6, 0, 0, -2};
    char err[ZKML_ERR_LEN] = "", *report = NULL;
    quant_options opt;
    zk_model m;
    int rc;

    options_v1(&opt);
    CHECK(opt.input_margin == QUANT_DEFAULT_INPUT_MARGIN && opt.input_margin == 1.0);
    opt.xbits = opt.wbits = 8;
    rc = quantize_model(&m, &report, doc, strlen(doc), rows, 4, hold, 2, &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    /* a: [-1, 1] widened by 2 each side to [-3, 3]; b: [0, 1] kept; c: [-3, -1] widened
     * to [-5, 1], its upper side held at 0 */
    CHECK(m.inputs[0].scale == 6.0 / 255 && m.inputs[0].zero_point == -1);
    CHECK(m.inputs[1].scale == 1.0 / 255 && m.inputs[1].zero_point == -128);
    CHECK(m.inputs[2].scale == 5.0 / 255 && m.inputs[2].zero_point == 127);
    /* the report: the calibrated range, the quantized one and the saturation counts */
    CHECK(report_number(report, "\"name\": \"a\"", "min") == -1.0 &&
          report_number(report, "\"name\": \"a\"", "max") == 1.0);
    CHECKF(fabs(report_number(report, "\"name\": \"a\"", "quantized_max") - 128 * 6.0 / 255) <
               1e-12, "%.17g", report_number(report, "\"name\": \"a\"", "quantized_max"));
    CHECK(fabs(report_number(report, "\"name\": \"c\"", "quantized_min") + 5.0) < 1e-12);
    CHECK(report_number(report, "\"calibration\"", "rows_saturated") == 0.0);
    CHECK(report_number(report, "\"holdout\"", "rows_saturated") == 1.0);
    CHECK(report_number(report, "\"name\": \"a\"", "holdout_rows_saturated") == 0.0);
    CHECK(report_number(report, "\"name\": \"c\"", "calibration_rows_saturated") == 0.0);
    CHECK(report_number(report, "\"name\": \"c\"", "holdout_rows_saturated") == 1.0);
    free(report);
    model_free(&m);

    /* without the margin, a at 2.5 saturates too: still one row, two values */
    opt.input_margin = 0.0;
    rc = quantize_model(&m, &report, doc, strlen(doc), rows, 4, hold, 2, &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    CHECK(m.inputs[0].scale == 2.0 / 255);
    CHECK(report_number(report, "\"holdout\"", "rows_saturated") == 1.0);
    CHECK(report_number(report, "\"name\": \"a\"", "holdout_rows_saturated") == 1.0);
    free(report);
    model_free(&m);

    /* the document's input_range is joined with the calibrated range, with no margin */
    opt.input_margin = 1.0;
    rc = quantize_model(&m, &report, ranged, strlen(ranged), rows, 4, NULL, 0, &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    CHECK(m.inputs[0].scale == 20.0 / 255 && m.inputs[1].scale == 1.0 / 255 &&
          m.inputs[2].scale == 4.0 / 255);
    free(report);
    model_free(&m);

    /* the option: parsed, and refused below 0 */
    {
        static const char quarter[] = "{\"input_margin\": 0.25}", below[] = "{\"input_margin\": -1}";

        CHECK(quant_options_from_json(&opt, quarter, strlen(quarter), err) == QUANT_OK &&
              opt.input_margin == 0.25);
        CHECK(quant_options_from_json(&opt, below, strlen(below), err) == QUANT_ERR_INVALID &&
              strstr(err, "input_margin") != NULL);
    }
}

/* A two-layer model: relu hidden units of very different ranges, tanh output. */
static const char SMALL_MLP[] =
    "{\"format\":\"zkml-float-v1\",\"features\":[\"x\",\"y\",\"\"],"
    "\"normalization\":{\"mean\":[10,-3,0],\"std\":[5,2,1]},"
    "\"layers\":[{\"weights\":[[1,0.5,-0.25],[0.01,-0.02,0.03],[-2,1,1.5],[0.3,0.3,0.3]],"
    "\"bias\":[0.1,0.01,-0.2,0],\"activation\":\"relu\"},"
    "{\"weights\":[[0.5,40,-0.7,1.1]],\"bias\":[0.05],\"activation\":\"tanh\"}],"
    "\"output_kind\":\"score\"}";

static double *
small_rows(size_t n)
{
    double *rows = malloc(n * 3 * sizeof *rows);
    size_t b;

    for (b = 0; rows != NULL && b < n; b++) {
        rows[3 * b] = 10 + 5 * sin((double)b);
        rows[3 * b + 1] = -3 + 2 * cos(1.7 * (double)b);
        rows[3 * b + 2] = sin(0.3 * (double)b) * cos(2.1 * (double)b);
    }
    return rows;
}

UNIT_TEST(quantize_small_mlp_and_determinism)
{
    char err[ZKML_ERR_LEN] = "", *r1 = NULL, *r2 = NULL, *j1 = NULL, *j2 = NULL;
    uint8_t *d1 = NULL, *d2 = NULL;
    size_t l1 = 0, l2 = 0, jl1 = 0, jl2 = 0, n = 300, b;
    double *rows = small_rows(n), *ref = malloc(n * sizeof *ref), *out = malloc(n * sizeof *out);
    float_model fm;
    zk_model m1, m2;
    int rc;

    memset(&m1, 0, sizeof m1);
    memset(&m2, 0, sizeof m2);
    CHECK(rows != NULL && ref != NULL && out != NULL);
    if (rows == NULL || ref == NULL || out == NULL)
        goto done;
    rc = quantize_model(&m1, &r1, SMALL_MLP, strlen(SMALL_MLP), rows, n, rows, n, v1(), err);
    CHECKF(rc == QUANT_OK, "%s", err);
    rc |= quantize_model(&m2, &r2, SMALL_MLP, strlen(SMALL_MLP), rows, n, rows, n, v1(), err);
    if (rc != QUANT_OK)
        goto done;
    /* the same inputs give the same bytes: descriptor, document with weights, report */
    CHECK(model_descriptor_encode(&d1, &l1, &m1, err) == MODEL_OK &&
          model_descriptor_encode(&d2, &l2, &m2, err) == MODEL_OK);
    CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);
    CHECK(model_to_json(&j1, &jl1, &m1, err) == MODEL_OK &&
          model_to_json(&j2, &jl2, &m2, err) == MODEL_OK);
    CHECK(jl1 == jl2 && memcmp(j1, j2, jl1) == 0);
    CHECK(strcmp(r1, r2) == 0);
    /* the document reads back as the same model */
    {
        zk_model back;
        uint8_t *d3 = NULL;
        size_t l3 = 0;

        rc = model_from_json(&back, j1, jl1, err);
        CHECKF(rc == MODEL_OK, "%s", err);
        if (rc == MODEL_OK) {
            CHECK(model_descriptor_encode(&d3, &l3, &back, err) == MODEL_OK);
            CHECK(l3 == l1 && memcmp(d1, d3, l1) == 0);
            CHECK(memcmp(back.weights[0].w, m1.weights[0].w, 12 * sizeof(int32_t)) == 0 &&
                  memcmp(back.weights[1].bias, m1.weights[1].bias, sizeof(int32_t)) == 0);
            free(d3);
            model_free(&back);
        }
    }
    /* interface: names, tanh output in [-1, 1] on int16 */
    CHECK(strcmp(m1.inputs[0].name, "x") == 0 && m1.inputs[2].name[0] == '\0');
    CHECK(m1.output_kind == MODEL_OUTPUT_SCORE && m1.outputs[0].scale == 1.0 / 32767 &&
          m1.outputs[0].zero_point == 0);
    CHECK(m1.layer[1].q_bits >= m1.layer[0].q_bits);   /* hidden Q capped, never above */
    /* accuracy against the float pass, and the report agrees with it */
    rc = float_model_from_json(&fm, SMALL_MLP, strlen(SMALL_MLP), err);
    CHECK(rc == QUANT_OK && quantize_float_forward(&fm, rows, n, ref, err) == QUANT_OK);
    if (rc == QUANT_OK)
        float_model_free(&fm);
    CHECK(quantized_outputs(&m1, rows, n, out) == 0);
    {
        double mx = 0.0;

        for (b = 0; b < n; b++)
            mx = fabs(out[b] - ref[b]) > mx ? fabs(out[b] - ref[b]) : mx;
        /* int8 hidden units feeding a tanh of slope 1: about 0.012 here, whatever the
         * bit widths (the report says target_met false) */
        CHECKF(mx < 0.02, "max error %g", mx);
        CHECKF(fabs(mx - report_number(r1, "\"calibration\"", "max_abs_error")) < 1e-12,
               "%g vs report", mx);
        CHECK(report_number(r1, "\"holdout\"", "max_abs_error") ==
              report_number(r1, "\"calibration\"", "max_abs_error"));
    }
    /* the limb rule: K_l = ceil(s_l / max(Qmax, 8)) limbs, w = max ceil(s_l / K_l) */
    {
        unsigned wd[MODEL_MAX_LIMBS], of[MODEL_MAX_LIMBS];
        uint32_t l, qmax = 8, w = 0;

        for (l = 0; l < m1.n_layers; l++)
            qmax = m1.layer[l].q_bits > qmax ? m1.layer[l].q_bits : qmax;
        for (l = 0; l < m1.n_layers; l++) {
            uint32_t s = m1.layer[l].shift, k = (s + qmax - 1) / qmax;

            CHECK(model_limb_plan(&m1.layer[l], wd, of) == k);
            w = (s + k - 1) / k > w ? (s + k - 1) / k : w;
        }
        CHECK(m1.layer[0].limb_bits == w && m1.layer[1].limb_bits == w && w <= qmax);
    }
done:
    free(d1);
    free(d2);
    free(j1);
    free(j2);
    free(r1);
    free(r2);
    free(rows);
    free(ref);
    free(out);
    model_free(&m1);
    model_free(&m2);
}

UNIT_TEST(quantize_options_take_effect)
{
    char err[ZKML_ERR_LEN] = "", *report = NULL;
    size_t n = 200;
    double *rows = small_rows(n);
    quant_options opt;
    zk_model m;
    int rc;

    if (rows == NULL)
        return;
    options_v1(&opt);
    opt.q_bits = 10;
    opt.limb_bits = 5;
    opt.xbits = 10;
    opt.wbits = 6;
    rc = quantize_model(&m, &report, SMALL_MLP, strlen(SMALL_MLP), rows, n, NULL, 0, &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc == QUANT_OK) {
        CHECK(m.xbits == 10 && m.layer[0].wbits == 6 && m.layer[1].wbits == 6);
        CHECK(m.layer[1].q_bits == 10 && m.layer[0].q_bits <= 10);
        CHECK(m.layer[0].limb_bits == 5 && m.layer[1].limb_bits == 5);
        CHECK(strstr(report, "\"q_search\": [{\"Q\": 10,") != NULL);
        CHECK(strstr(report, "\"xbits\": 10, \"wbits\": 6") != NULL);
        free(report);
        model_free(&m);
    }
    /* the search stops at the first Q within half the budget */
    options_v1(&opt);
    opt.max_error = 0.5;
    rc = quantize_model(&m, &report, SMALL_MLP, strlen(SMALL_MLP), rows, n, NULL, 0, &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc == QUANT_OK) {
        CHECK(m.layer[1].q_bits == 6 && m.xbits == 8);
        CHECK(strstr(report, "\"target_met\": true") != NULL);
        free(report);
        model_free(&m);
    }
    free(rows);
}

UNIT_TEST(quantize_calibration_errors)
{
    char err[ZKML_ERR_LEN] = "", *report = (char *)1;
    double rows[6] = {0, 0, 1, NAN, 2, 2};
    zk_model m;
    int rc;

    rc = quantize_model(&m, &report, LINEAR_DOC, strlen(LINEAR_DOC), rows, 3, NULL, 0, v1(),
                        err);
    CHECK(rc == QUANT_ERR_INVALID && report == NULL && m.n_layers == 0);
    CHECKF(strstr(err, "calibration row 2, feature \"b\": not a finite number") != NULL, "%s",
           err);
    rows[3] = 1.0;
    rows[4] = -INFINITY;
    rc = quantize_model(&m, &report, LINEAR_DOC, strlen(LINEAR_DOC), LINEAR_ROWS, 6, rows, 3,
                        v1(), err);
    CHECK(rc == QUANT_ERR_INVALID);
    CHECKF(strstr(err, "holdout row 3, feature \"a\"") != NULL, "%s", err);
    /* a document error names its path through quantize_model too */
    rc = quantize_model(&m, &report, "{}", 2, NULL, 0, NULL, 0, v1(), err);
    CHECK(rc == QUANT_ERR_INVALID && strstr(err, "$.format") != NULL);
    {
        /* weights far below the bias: the bias does not fit an int32 at the weight scale */
        static const char doc[] =
            "{\"format\":\"zkml-float-v1\",\"features\":[\"a\"],\"layers\":[{\"weights\":"
            "[[1e-12]],\"bias\":[1000000],\"activation\":\"identity\"}]}";

        rc = quantize_model(&m, &report, doc, strlen(doc), NULL, 0, NULL, 0, v1(), err);
        CHECK(rc == QUANT_ERR_RANGE);
        CHECKF(strstr(err, "$.layers[0].bias[0]: too large for an int32") != NULL, "%s", err);
    }
    {
        quant_options opt;

        options_v1(&opt);
        opt.headroom = 0.5;
        rc = quantize_model(&m, &report, LINEAR_DOC, strlen(LINEAR_DOC), NULL, 0, NULL, 0,
                            &opt, err);
        CHECK(rc == QUANT_ERR_INVALID && strstr(err, "headroom") != NULL);
    }
}

/* Without calibration rows: the synthetic set within input_range. */
UNIT_TEST(quantize_synthetic_calibration)
{
    static const char doc[] =
        "{\"format\":\"zkml-float-v1\",\"features\":[\"age\",\"amount\"],"
        "\"input_range\":{\"min\":[18,250],\"max\":[80,20000]},"
        "\"normalization\":{\"mean\":[35,3000],\"std\":[11,2800]},"
        "\"layers\":[{\"weights\":[[-0.4,0.6]],\"bias\":[-1],\"activation\":\"sigmoid\"}]}";
    char err[ZKML_ERR_LEN] = "", *report = NULL;
    zk_model m;
    int rc = quantize_model(&m, &report, doc, strlen(doc), NULL, 0, NULL, 0, v1(), err);

    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    CHECK(strstr(report, "\"synthetic\": true") != NULL);
    CHECK(report_number(report, "\"calibration\"", "rows") == QUANT_SYNTHETIC_ROWS);
    /* every synthetic value lies in input_range */
    CHECK(report_number(report, "\"name\": \"age\"", "min") >= 18 &&
          report_number(report, "\"name\": \"age\"", "max") <= 80 &&
          report_number(report, "\"name\": \"amount\"", "min") >= 250 &&
          report_number(report, "\"name\": \"amount\"", "max") <= 20000);
    CHECK(m.output_kind == MODEL_OUTPUT_PROBABILITY && m.outputs[0].zero_point == -32768);
    CHECK(report_number(report, "\"calibration\"", "max_abs_error") < 0.01);
    free(report);
    model_free(&m);
}

/* ---- real credit data ---- */

static void
check_credit(const char *shape, const quant_options *opt)
{
    char name[96], err[ZKML_ERR_LEN] = "", *report = NULL;
    size_t doc_len = 0, nc, cc, nh, ch, ne, ce, nl, cl, b;
    char *doc;
    double *cal, *hold, *labels, *exp_cal = NULL, *exp_hold = NULL, *q = NULL, *f = NULL;
    float_model fm;
    zk_model m;
    int rc;

    snprintf(name, sizeof name, "credit_%s.float.json", shape);
    doc = fixture_read(name, &doc_len);
    cal = read_float_csv("credit.calibration.csv", &nc, &cc);
    hold = read_float_csv("credit.holdout.csv", &nh, &ch);
    labels = read_float_csv("credit.holdout.labels.csv", &nl, &cl);
    snprintf(name, sizeof name, "credit_%s.calibration.expected.csv", shape);
    exp_cal = read_float_csv(name, &ne, &ce);
    CHECK(exp_cal != NULL && ne == nc && ce == 1);
    snprintf(name, sizeof name, "credit_%s.holdout.expected.csv", shape);
    exp_hold = read_float_csv(name, &ne, &ce);
    CHECKF(doc != NULL && cal != NULL && hold != NULL && labels != NULL && exp_cal != NULL &&
           exp_hold != NULL, "%s: fixture files", shape);
    if (doc == NULL || cal == NULL || hold == NULL || labels == NULL || exp_cal == NULL ||
        exp_hold == NULL)
        goto done;
    CHECK(cc == 20 && ch == 20 && nc == 200 && nh == 200 && nl == nh && ne == nh);
    q = malloc(nh * sizeof *q);
    f = malloc((nc > nh ? nc : nh) * sizeof *f);
    if (q == NULL || f == NULL)
        goto done;

    /* zkml's float pass agrees with scikit-learn's */
    rc = float_model_from_json(&fm, doc, doc_len, err);
    CHECKF(rc == QUANT_OK, "%s: %s", shape, err);
    if (rc == QUANT_OK) {
        double mx = 0.0;

        CHECK(quantize_float_forward(&fm, cal, nc, f, err) == QUANT_OK);
        for (b = 0; b < nc; b++)
            mx = fabs(f[b] - exp_cal[b]) > mx ? fabs(f[b] - exp_cal[b]) : mx;
        CHECKF(mx < 1e-9, "%s: float pass differs from scikit-learn by %g", shape, mx);
        float_model_free(&fm);
    }

    rc = quantize_model(&m, &report, doc, doc_len, cal, nc, hold, nh, opt, err);
    CHECKF(rc == QUANT_OK, "%s: %s", shape, err);
    if (rc != QUANT_OK)
        goto done;
    CHECK(m.output_kind == MODEL_OUTPUT_PROBABILITY);
    CHECK(strstr(report, "\"target_met\": true") != NULL);
    CHECK(strstr(report, "\"rows_out_of_range\": 0") != NULL);
    /* the quantized pass, as scoring and proving run it, against scikit-learn */
    {
        double mx = 0.0, sum = 0.0, auc_f, auc_q;

        CHECK(quantized_outputs(&m, cal, nc, f) == 0);
        for (b = 0; b < nc; b++)
            mx = fabs(f[b] - exp_cal[b]) > mx ? fabs(f[b] - exp_cal[b]) : mx;
        CHECKF(mx < 0.01, "%s: calibration max abs error %g", shape, mx);
        CHECK(quantized_outputs(&m, hold, nh, q) == 0);
        mx = 0.0;
        for (b = 0; b < nh; b++) {
            double d = fabs(q[b] - exp_hold[b]);

            mx = d > mx ? d : mx;
            sum += d;
        }
        CHECKF(mx < 0.01, "%s: holdout max abs error %g", shape, mx);
        CHECKF(fabs(mx - report_number(report, "\"holdout\"", "max_abs_error")) < 1e-9,
               "%s: the report's holdout error", shape);
        auc_f = auc(exp_hold, labels, nh);
        auc_q = auc(q, labels, nh);
        CHECKF(fabs(auc_f - auc_q) < 0.002, "%s: AUC %.4f float, %.4f quantized", shape,
               auc_f, auc_q);
        CHECK(auc_f > 0.7);     /* the models do rank: the test means something */
        if (getenv("ZKML_TEST_VERBOSE") != NULL)
            fprintf(stderr, "    %s: holdout max %.5f mean %.5f, AUC %.4f -> %.4f, Q %u\n",
                    shape, mx, sum / (double)nh, auc_f, auc_q, (unsigned)m.layer[0].q_bits);
    }
    free(report);
    model_free(&m);
done:
    free(doc);
    free(cal);
    free(hold);
    free(labels);
    free(exp_cal);
    free(exp_hold);
    free(q);
    free(f);
}

/* the default options (version 2), then version 1 */
UNIT_TEST(quantize_credit_lr20) { check_credit("lr20", NULL); }
UNIT_TEST(quantize_credit_mlp20) { check_credit("mlp20", NULL); }
UNIT_TEST(quantize_credit_lr20_v1) { check_credit("lr20", v1()); }
UNIT_TEST(quantize_credit_mlp20_v1) { check_credit("mlp20", v1()); }
