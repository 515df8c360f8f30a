/*
 * test_quantize_v2.c: the quantizer's version 2 choices (quantize_v2.c,
 * docs/protocol.md 6.4, 7.17): per-row multipliers folded into the weights, 16-bit ReLU layers
 * without a table, a searched table at the output; the model it gives is a valid version
 * 2 model, reads back from its document, and is more faithful than version 1's on a
 * network whose hidden units differ in scale by 10^4.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "quantize.h"
#include "unit.h"

/* Hidden units of very different magnitudes (the second row is 10^4 times smaller),
 * feeding a tanh that reads the small one with a large weight. */
static const char WIDE_MLP[] =
    "{\"format\":\"zkml-float-v1\",\"features\":[\"x\",\"y\",\"\"],"
    "\"normalization\":{\"mean\":[10,-3,0],\"std\":[5,2,1]},"
    "\"layers\":[{\"weights\":[[1,0.5,-0.25],[0.0001,-0.0002,0.0003],[-2,1,1.5],"
    "[30,30,30]],\"bias\":[0.1,0.0001,-0.2,0],\"activation\":\"relu\"},"
    "{\"weights\":[[0.5,4000,-0.7,0.01]],\"bias\":[0.05],\"activation\":\"tanh\"}],"
    "\"output_kind\":\"score\"}";

static double *
rows_of(size_t n)
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

/* The largest error of the model's outputs on the rows against the float pass. */
static double
max_error(const zk_model *m, const double *rows, size_t n)
{
    char err[ZKML_ERR_LEN];
    float_model fm;
    double *ref = malloc(n * sizeof *ref), mx = -1.0;
    int32_t *x = calloc(n * 3, sizeof *x);
    model_trace tr;
    size_t b;

    if (ref == NULL || x == NULL ||
        float_model_from_json(&fm, WIDE_MLP, strlen(WIDE_MLP), err) != QUANT_OK)
        goto done;
    if (quantize_float_forward(&fm, rows, n, ref, err) == QUANT_OK) {
        for (b = 0; b < n; b++)
            model_quantize_features(m, rows + 3 * b, x + 3 * b, err);
        if (model_forward(&tr, m, x, n, 0, err) == MODEL_OK) {
            mx = 0.0;
            for (b = 0; b < n; b++) {
                double d = fabs(model_dequantize_output(m, 0, tr.out[b]) - ref[b]);

                mx = d > mx ? d : mx;
            }
            model_trace_free(&tr);
        }
    }
    float_model_free(&fm);
done:
    free(ref);
    free(x);
    return mx;
}

UNIT_TEST(quantize_v2_per_row_multipliers)
{
    char err[ZKML_ERR_LEN] = "", *r1 = NULL, *r2 = NULL, *doc = NULL;
    size_t n = 300, len = 0;
    double *rows = rows_of(n), e1, e2;
    quant_options opt;
    zk_model m1, m2, back;
    int rc;

    memset(&m1, 0, sizeof m1);
    memset(&m2, 0, sizeof m2);
    CHECK(rows != NULL);
    quant_options_default(&opt);
    CHECK(opt.version == 2);
    CHECK(quant_options_from_json(&opt, "{\"version\": 1}", 14, err) == QUANT_OK &&
          opt.version == 1);
    CHECK(quant_options_from_json(&opt, "{\"version\": 3}", 14, err) == QUANT_ERR_INVALID);
    CHECK(quant_options_from_json(&opt, "{\"version\": 1}", 14, err) == QUANT_OK);
    rc = quantize_model(&m1, &r1, WIDE_MLP, strlen(WIDE_MLP), rows, n, NULL, 0, &opt, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    /* the default options: version 2 */
    rc = quantize_model(&m2, &r2, WIDE_MLP, strlen(WIDE_MLP), rows, n, NULL, 0, NULL, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        goto done;
    CHECK(model_version(&m1) == 1 && model_version(&m2) == 2);
    CHECK(model_validate(&m2, err) == MODEL_OK);
    /* the hidden ReLU at 16 bits without a table, the tanh as a table */
    CHECK(m2.layer[0].act_kind == MODEL_PW_RELU && m2.layer[0].q_bits == 16 &&
          m2.layer[0].act == NULL);
    CHECK(m2.layer[1].act_kind == MODEL_PW_TABLE && m2.layer[1].q_bits <= 16);
    /* rows 0 and 1 have their own multipliers: W'[1][j] / W'[0][j] is not the ratio of
     * the float weights times one shared factor (the small row uses its full width) */
    {
        int64_t a = llabs(m2.weights[0].w64[0]), b = llabs(m2.weights[0].w64[3 + 2]);

        CHECK(a > 0 && b > 0 && (double)b / (double)a > 1e-3);
    }
    /* more faithful than version 1 */
    e1 = max_error(&m1, rows, n);
    e2 = max_error(&m2, rows, n);
    CHECKF(e1 >= 0.0 && e2 >= 0.0 && e2 < e1 / 4, "version 1 %g, version 2 %g", e1, e2);
    CHECKF(e2 < 0.01, "version 2 %g", e2);     /* the default target */
    /* its document reads back as the same version 2 model */
    CHECK(model_to_json(&doc, &len, &m2, err) == MODEL_OK);
    rc = model_from_json(&back, doc, len, err);
    CHECKF(rc == MODEL_OK, "%s", err);
    if (rc == MODEL_OK) {
        CHECK(model_version(&back) == 2 &&
              memcmp(back.weights[0].w64, m2.weights[0].w64, 12 * sizeof(int64_t)) == 0);
        model_free(&back);
    }
    free(doc);
done:
    free(r1);
    free(r2);
    free(rows);
    model_free(&m1);
    model_free(&m2);
}

/* The calibration error a report gives (-1 if it has none). */
static double
report_calibration_error(const char *report)
{
    char err[ZKML_ERR_LEN];
    json_value *root = NULL;
    const json_value *cal, *mx;
    double e = -1.0;

    if (json_parse(&root, report, strlen(report), err) != 0)
        return -1.0;
    cal = json_get(root, "calibration");
    mx = cal != NULL ? json_get(cal, "max_abs_error") : NULL;
    if (mx != NULL && (mx->kind == JSON_NUMBER || mx->kind == JSON_INT))
        e = mx->d;
    json_free(root);
    return e;
}

/* Hidden unit 0 reaches -1999 below zero and 1 above, unit 1 stays within [-1, 1]: with
 * one step for the layer (a range set by unit 0's negative side) unit 1 would keep about
 * 16 of its levels and the score would be off by hundredths; with a step per unit it
 * keeps its own range.  Equalization cannot help: both units' largest activations are 1. */
UNIT_TEST(quantize_v2_step_per_unit)
{
    static const char doc[] =
        "{\"format\":\"zkml-float-v1\",\"features\":[\"x\"],"
        "\"layers\":[{\"weights\":[[1000],[1]],\"bias\":[-999,0],\"activation\":\"relu\"},"
        "{\"weights\":[[0.01,1]],\"bias\":[0],\"activation\":\"identity\"}],"
        "\"output_kind\":\"score\"}";
    char err[ZKML_ERR_LEN] = "", *report = NULL;
    double rows[401], e;
    size_t b;
    zk_model m;
    int rc;

    for (b = 0; b < 401; b++)
        rows[b] = -1.0 + (double)b / 200.0;
    rc = quantize_model(&m, &report, doc, strlen(doc), rows, 401, NULL, 0, NULL, err);
    CHECKF(rc == QUANT_OK, "%s", err);
    if (rc != QUANT_OK)
        return;
    CHECK(model_version(&m) == 2 && m.layer[0].act_kind == MODEL_PW_RELU);
    /* W' = w·scale·2^s / step: unit 1's weight is 1/1000 of unit 0's, its step about
     * 1/1300 of unit 0's (one step for both would leave W'[1] near W'[0] / 1000) */
    CHECK(m.weights[0].w64[1] != 0 &&
          llabs(m.weights[0].w64[1]) > llabs(m.weights[0].w64[0]) / 10);
    e = report_calibration_error(report);
    CHECKF(e >= 0.0 && e < 0.002, "calibration max abs error %g", e);
    free(report);
    model_free(&m);
}
