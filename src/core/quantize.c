/*
 * quantize.c: the quantizer (docs/design.md 5, docs/protocol.md 6.1): its options, the plan of
 * each layer's scales and integer weights, and the search over the table bits Q.  See
 * quantize.h for the format and the method.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quantize.h"
#include "quantize_internal.h"

/* ==== options ==== */

void
quant_options_default(quant_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->xbits = 0;
    opt->wbits = 0;
    opt->q_bits = 0;
    opt->q_min = 6;
    opt->q_max = MODEL_DEFAULT_Q;
    opt->limb_bits = 0;
    opt->max_error = 0.01;
    opt->headroom = 0.0;            /* the version's: QUANT_HEADROOM_V1 or _V2 */
    opt->hidden_headroom = 1.5;
    opt->input_margin = QUANT_DEFAULT_INPUT_MARGIN;
    opt->version = 2;
}

static int
options_check(const quant_options *opt, char *err)
{
    if (opt->xbits != 0 && (opt->xbits < 2 || opt->xbits > MODEL_MAX_BITS))
        return zkml_fail(err, QUANT_ERR_INVALID, "options: xbits must be in [2, %u]",
                          MODEL_MAX_BITS);
    if (opt->wbits != 0 && (opt->wbits < 2 || opt->wbits > MODEL_MAX_BITS))
        return zkml_fail(err, QUANT_ERR_INVALID, "options: wbits must be in [2, %u]",
                          MODEL_MAX_BITS);
    if (opt->q_bits != 0 && (opt->q_bits < 2 || opt->q_bits > MODEL_MAX_Q))
        return zkml_fail(err, QUANT_ERR_INVALID, "options: Q must be in [2, %u]",
                          MODEL_MAX_Q);
    if (opt->q_min < 2 || opt->q_max > MODEL_MAX_Q || opt->q_min > opt->q_max)
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "options: Q_min and Q_max must satisfy 2 <= Q_min <= Q_max <= %u",
                          MODEL_MAX_Q);
    if (opt->limb_bits > MODEL_MAX_LIMB_BITS)
        return zkml_fail(err, QUANT_ERR_INVALID, "options: limb_bits must be in [1, %u]",
                          MODEL_MAX_LIMB_BITS);
    if (!isfinite(opt->max_error) || !(opt->max_error > 0.0))
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "options: max_error must be a positive number");
    if (opt->headroom != 0.0 &&
        (!isfinite(opt->headroom) || !(opt->headroom >= 1.0) || opt->headroom > 1e6))
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "options: headroom must be a number in [1, 1e6]");
    if (!isfinite(opt->hidden_headroom) || !(opt->hidden_headroom >= 1.0) ||
        opt->hidden_headroom > 1e6)
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "options: hidden_headroom must be a number in [1, 1e6]");
    if (!isfinite(opt->input_margin) || !(opt->input_margin >= 0.0) ||
        opt->input_margin > 1e6)
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "options: input_margin must be a number in [0, 1e6]");
    return QUANT_OK;
}

static int
option_u32(const json_value *root, const char *key, uint32_t lo, uint32_t hi, uint32_t *out,
           char *err)
{
    const json_value *v = json_get(root, key);

    if (v == NULL)
        return QUANT_OK;
    if (v->kind != JSON_INT || v->i < lo || v->i > hi)
        return zkml_fail(err, QUANT_ERR_INVALID, "options: %s must be an integer in [%u, %u]",
                          key, (unsigned)lo, (unsigned)hi);
    *out = (uint32_t)v->i;
    return QUANT_OK;
}

static int
option_double(const json_value *root, const char *key, double *out, char *err)
{
    const json_value *v = json_get(root, key);

    if (v == NULL)
        return QUANT_OK;
    if (v->kind != JSON_INT && v->kind != JSON_NUMBER)
        return zkml_fail(err, QUANT_ERR_INVALID, "options: %s must be a number", key);
    *out = v->d;
    return QUANT_OK;
}

int
quant_options_from_json(quant_options *opt, const char *text, size_t len, char *err)
{
    static const char *const keys[] = {"xbits", "wbits", "Q", "Q_min", "Q_max", "limb_bits",
                                       "max_error", "headroom", "hidden_headroom",
                                       "input_margin", "version", NULL};
    char jerr[ZKML_ERR_LEN];
    json_value *root;
    int rc;

    quant_options_default(opt);
    if (len == 0)
        return QUANT_OK;
    if (json_parse(&root, text, len, jerr) != 0)
        return zkml_fail(err, QUANT_ERR_INVALID, "options: JSON: %s", jerr);
    if (root->kind != JSON_OBJECT)
        rc = zkml_fail(err, QUANT_ERR_INVALID, "options: must be a JSON object");
    else if ((rc = quant_check_keys(root, keys, "options", err)) == QUANT_OK &&
             (rc = option_u32(root, "xbits", 2, MODEL_MAX_BITS, &opt->xbits, err)) == QUANT_OK &&
             (rc = option_u32(root, "wbits", 2, MODEL_MAX_BITS, &opt->wbits, err)) == QUANT_OK &&
             (rc = option_u32(root, "Q", 2, MODEL_MAX_Q, &opt->q_bits, err)) == QUANT_OK &&
             (rc = option_u32(root, "Q_min", 2, MODEL_MAX_Q, &opt->q_min, err)) == QUANT_OK &&
             (rc = option_u32(root, "Q_max", 2, MODEL_MAX_Q, &opt->q_max, err)) == QUANT_OK &&
             (rc = option_u32(root, "limb_bits", 1, MODEL_MAX_LIMB_BITS, &opt->limb_bits,
                              err)) == QUANT_OK &&
             (rc = option_double(root, "max_error", &opt->max_error, err)) == QUANT_OK &&
             (rc = option_double(root, "headroom", &opt->headroom, err)) == QUANT_OK &&
             (json_get(root, "headroom") == NULL || opt->headroom >= 1.0 ||
              (rc = zkml_fail(err, QUANT_ERR_INVALID,
                              "options: headroom must be a number in [1, 1e6]")) == QUANT_OK) &&
             (rc = option_double(root, "hidden_headroom", &opt->hidden_headroom, err)) ==
                 QUANT_OK &&
             (rc = option_double(root, "input_margin", &opt->input_margin, err)) == QUANT_OK &&
             (rc = option_u32(root, "version", 1, 2, &opt->version, err)) == QUANT_OK)
        rc = options_check(opt, err);
    json_free(root);
    return rc;
}

/* ==== the quantizer ==== */

/* The calibration error a search stops at: half the target in version 1, a quarter in
 * version 2 (its widths cost the proof little, and held-out rows drift further than
 * calibration rows: the accuracy suite's held-out errors reach twice the calibration's) */
double
quant_goal(const quant_options *opt)
{
    return opt->version == 2 ? opt->max_error / 4 : opt->max_error / 2;
}




static void
quant_ctx_free(quant_ctx *c)
{
    free(c->in_lo);
    free(c->in_hi);
    free(c->cal_x);
    free(c->cal_ref);
}

/* ---- calibration rows ---- */

static uint64_t
splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The synthetic calibration set of quantize.h, n_rows x n_0. */
static double *
synthetic_rows(const float_model *fm, size_t n_rows)
{
    double *rows = alloc_array(n_rows * fm->n_features, sizeof *rows);
    uint64_t state = 0x7a6b6d6c2d63616cull;     /* fixed: the set is part of the method */
    size_t b, k;
    uint32_t j;

    if (rows == NULL)
        return NULL;
    for (b = 0; b < n_rows; b++) {
        for (j = 0; j < fm->n_features; j++) {
            double mu = 0.0, sd = 1.0, lo, hi, sum = 0.0, x;

            if (fm->mean != NULL) {
                mu = fm->mean[j];
                sd = fm->std[j];
            } else if (fm->range_min != NULL) {
                mu = (fm->range_min[j] + fm->range_max[j]) / 2;
                sd = (fm->range_max[j] - fm->range_min[j]) / 8;
            }
            if (fm->range_min != NULL) {
                lo = fm->range_min[j];
                hi = fm->range_max[j];
            } else {
                lo = mu - 4 * sd;
                hi = mu + 4 * sd;
            }
            for (k = 0; k < 12; k++)
                sum += (double)(splitmix64(&state) >> 11) * 0x1p-53;
            x = mu + sd * (sum - 6.0);
            rows[b * fm->n_features + j] = x < lo ? lo : x > hi ? hi : x;
        }
    }
    return rows;
}

/* ---- equalization of hidden units ---- */

#define QUANT_MAX_EQUALIZE 1024.0

/*
 * One int8 scale serves all units of a hidden layer, so a unit whose activations stay
 * small would get few of its levels.  For relu and identity, ACT(c·z) = c·ACT(z) for
 * c > 0: row i of layer l (weights and bias) times c_i and column i of layer l + 1 times
 * 1 / c_i leave the function unchanged, and c_i = H / h_i (h_i the unit's largest
 * |activation| on the calibration rows, H the layer's, c_i at most QUANT_MAX_EQUALIZE)
 * gives every unit the full range.  Units that never activate keep c_i = 1.
 */
static int
equalize_hidden(float_model *fm, const double *rows, size_t n_rows, char *err)
{
    float_stats stats;
    double *out = alloc_array(n_rows * fm->layer[fm->n_layers - 1].m, sizeof *out);
    uint32_t l;
    size_t i, j;
    int rc = QUANT_OK;

    memset(&stats, 0, sizeof stats);
    for (l = 0; l + 1 < fm->n_layers; l++) {
        stats.unit_max[l] = alloc_array(fm->layer[l].m, sizeof(double));
        if (stats.unit_max[l] == NULL)
            out = (free(out), NULL);
    }
    if (out == NULL) {
        rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = quant_float_run(fm, rows, n_rows, out, &stats, err)) != QUANT_OK)
        goto done;
    for (l = 0; l + 1 < fm->n_layers; l++) {
        float_layer *ly = &fm->layer[l], *nx = &fm->layer[l + 1];
        double top = 0.0;

        if (ly->act != MODEL_ACT_RELU && ly->act != MODEL_ACT_IDENTITY)
            continue;
        for (i = 0; i < ly->m; i++)
            top = stats.unit_max[l][i] > top ? stats.unit_max[l][i] : top;
        for (i = 0; i < ly->m; i++) {
            double h = stats.unit_max[l][i], c;

            if (!(h > 0.0))
                continue;
            c = top / h;
            c = c > QUANT_MAX_EQUALIZE ? QUANT_MAX_EQUALIZE : c;
            for (j = 0; j < ly->n; j++)
                ly->w[i * ly->n + j] *= c;
            ly->bias[i] *= c;
            for (j = 0; j < nx->m; j++)
                nx->w[j * nx->n + i] /= c;
        }
    }
done:
    for (l = 0; l < MODEL_MAX_LAYERS; l++)
        free(stats.unit_max[l]);
    free(out);
    return rc;
}

/* ---- inputs ---- */

/*
 * The range feature j is quantized over (quantize.h, "Inputs"): its calibration range
 * [lo, hi]; joined with the document's input_range when it has one; else, for
 * calibration rows that were given and a feature that is not an indicator (values other
 * than 0 and 1), widened by input_margin·(hi - lo) on each side, a side never pushed
 * across 0 when the rows never cross it; finally widened to hold 0.
 */
static void
input_range(const quant_ctx *c, uint32_t j, double lo, double hi, int indicator,
            double *range_lo, double *range_hi)
{
    const float_model *fm = c->fm;

    if (fm->range_min != NULL) {
        lo = fm->range_min[j] < lo ? fm->range_min[j] : lo;
        hi = fm->range_max[j] > hi ? fm->range_max[j] : hi;
    } else if (!c->synthetic && !indicator) {
        double pad = c->opt->input_margin * (hi - lo), wlo = lo - pad, whi = hi + pad;

        lo = lo >= 0.0 && wlo < 0.0 ? 0.0 : wlo;
        hi = hi <= 0.0 && whi > 0.0 ? 0.0 : whi;
    }
    *range_lo = lo < 0.0 ? lo : 0.0;
    *range_hi = hi > 0.0 ? hi : 0.0;
}

/* Per feature: its range (input_range above), then scale and zero point (quantize.h). */
static int
plan_inputs(quant_ctx *c, zk_model *model, const double *rows, char *err)
{
    const float_model *fm = c->fm;
    double levels = ldexp(1.0, (int)c->opt->xbits) - 1.0;
    double half = ldexp(1.0, (int)c->opt->xbits - 1);
    size_t b;
    uint32_t j;

    c->in_lo = alloc_array(fm->n_features, sizeof *c->in_lo);
    c->in_hi = alloc_array(fm->n_features, sizeof *c->in_hi);
    model->inputs = alloc_array(fm->n_features, sizeof *model->inputs);
    if (c->in_lo == NULL || c->in_hi == NULL || model->inputs == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    for (j = 0; j < fm->n_features; j++) {
        model_io *io = &model->inputs[j];
        double lo = rows[j], hi = rows[j], zp;
        int indicator = 1;

        for (b = 0; b < c->n_rows; b++) {
            double x = rows[b * fm->n_features + j];

            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            indicator = indicator && (x == 0.0 || x == 1.0);
        }
        c->in_lo[j] = lo;
        c->in_hi[j] = hi;
        input_range(c, j, lo, hi, indicator, &lo, &hi);
        memcpy(io->name, fm->names[j], sizeof io->name);
        if (!(hi > lo)) {
            io->scale = 1.0;
            io->zero_point = 0;
            continue;
        }
        io->scale = (hi - lo) / levels;
        if (!(io->scale > 0.0) || !isfinite(io->scale))
            return zkml_fail(err, QUANT_ERR_RANGE,
                              "calibration: feature %u: its range cannot be quantized",
                              (unsigned)j + 1);
        zp = round(-half - lo / io->scale);
        io->zero_point = (int32_t)(zp < -half ? -half : zp > half - 1 ? half - 1 : zp);
    }
    return QUANT_OK;
}

/* ---- weights, biases and output scales (independent of Q) ---- */

/* The output range of layer l: its integer range and the real scale and zero point. */
static void
plan_outputs(layer_plan *lp, const float_layer *ly, int last, double act_lo, double act_hi,
             double headroom, double hidden_headroom)
{
    double lo, hi, levels, zp;

    lp->slope = ly->act == MODEL_ACT_SIGMOID ? 0.25 : 1.0;
    lp->out_min = last ? INT16_MIN : INT8_MIN;
    lp->out_max = last ? INT16_MAX : INT8_MAX;
    levels = (double)lp->out_max - (double)lp->out_min;
    switch (ly->act) {
    case MODEL_ACT_SIGMOID:
        lp->out_scale = 1.0 / levels;
        lp->out_zp = lp->out_min;
        return;
    case MODEL_ACT_TANH:
        lp->out_scale = 1.0 / (double)lp->out_max;
        lp->out_zp = 0;
        return;
    case MODEL_ACT_RELU:
        lo = 0.0;
        hi = act_hi > 0.0 ? act_hi : 0.0;
        hi *= last ? headroom : hidden_headroom;
        break;
    case MODEL_ACT_IDENTITY:
    default:
        lo = act_lo < 0.0 ? act_lo : 0.0;
        hi = act_hi > 0.0 ? act_hi : 0.0;
        {
            double mid = (lo + hi) / 2;
            double half = (hi - lo) / 2 * (last ? headroom : hidden_headroom);

            lo = mid - half < 0.0 ? mid - half : 0.0;
            hi = mid + half > 0.0 ? mid + half : 0.0;
        }
        break;
    }
    if (!(hi > lo) || !isfinite(hi - lo))
        hi = lo + 1.0;
    lp->out_scale = (hi - lo) / levels;
    zp = round((double)lp->out_min - lo / lp->out_scale);
    lp->out_zp = (int32_t)(zp < lp->out_min ? lp->out_min : zp > lp->out_max ? lp->out_max : zp);
}

/*
 * Layer l's integer weights and bias (quantize.h, "Weights"), from the scales of its
 * integer inputs: per feature for l = 0 (with the normalization folded), the previous
 * layer's output scale otherwise.
 */
static int
plan_weights(quant_ctx *c, zk_model *model, uint32_t l, char *err)
{
    const float_model *fm = c->fm;
    const float_layer *ly = &fm->layer[l];
    layer_plan *lp = &c->lp[l];
    model_weights *wt = &model->weights[l];
    size_t n = ly->n, m = ly->m, i, j;
    double *wf = alloc_array(n * m, sizeof *wf), *bf = alloc_array(m, sizeof *bf);
    double wmax = 0.0, bmax = 0.0, wlim = ldexp(1.0, (int)c->opt->wbits - 1) - 1.0;
    int64_t vmax = (int64_t)1 << (l == 0 ? c->opt->xbits - 1 : 7);
    int rc = QUANT_OK;

    wt->w = alloc_array(n * m, sizeof *wt->w);
    wt->bias = alloc_array(m, sizeof *wt->bias);
    if (wf == NULL || bf == NULL || wt->w == NULL || wt->bias == NULL) {
        rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < m; i++) {
        bf[i] = ly->bias[i];
        for (j = 0; j < n; j++) {
            double w = ly->w[i * n + j], in_scale;

            if (l == 0) {
                in_scale = model->inputs[j].scale;
                if (fm->mean != NULL) {
                    in_scale /= fm->std[j];
                    bf[i] -= w * fm->mean[j] / fm->std[j];
                }
            } else {
                in_scale = c->lp[l - 1].out_scale;
            }
            wf[i * n + j] = w * in_scale;
            if (fabs(wf[i * n + j]) > wmax)
                wmax = fabs(wf[i * n + j]);
        }
        if (fabs(bf[i]) > bmax)
            bmax = fabs(bf[i]);
    }
    if (!isfinite(wmax) || !isfinite(bmax)) {
        rc = zkml_fail(err, QUANT_ERR_RANGE,
                        "$.layers[%u]: the folded weights or bias overflow", (unsigned)l);
        goto done;
    }
    /* all weights 0: the bias alone decides, at a scale that keeps it within int32 */
    lp->s_w = wmax > 0.0 ? wmax / wlim : (bmax > 0.0 ? bmax / 0x1p30 : 1.0);
    lp->worst = 0;
    for (i = 0; i < m; i++) {
        int64_t zsum = 0, wsum = 0, bq;
        double b0 = round(bf[i] / lp->s_w);

        for (j = 0; j < n; j++) {
            double q = round(wf[i * n + j] / lp->s_w);
            int32_t wq = (int32_t)(q > wlim ? wlim : q < -wlim ? -wlim : q);
            int32_t zp = l == 0 ? model->inputs[j].zero_point : c->lp[l - 1].out_zp;

            wt->w[i * n + j] = wq;
            zsum += (int64_t)wq * zp;
            wsum += wq < 0 ? -(int64_t)wq : wq;
        }
        if (!(fabs(b0) < 0x1p40) ||
            (bq = (int64_t)b0 - zsum) < INT32_MIN || bq > INT32_MAX) {
            rc = zkml_fail(err, QUANT_ERR_RANGE,
                            "$.layers[%u].bias[%zu]: too large for an int32 at the layer's "
                            "weight scale", (unsigned)l, i);
            goto done;
        }
        wt->bias[i] = (int32_t)bq;
        bq = wsum * vmax + (bq < 0 ? -bq : bq);
        if (bq > lp->worst)
            lp->worst = bq;
    }
done:
    free(wf);
    free(bf);
    return rc;
}

/* ---- one candidate Q ---- */

static uint32_t
ceil_log2(double x)
{
    int e = 0;
    double f = frexp(x, &e);        /* x = f·2^e, f in [0.5, 1) */

    if (!(x > 1.0))
        return 0;
    return (uint32_t)(f == 0.5 ? e - 1 : e);
}

/*
 * Requantization and table of layer l for the integer accumulators y (m x B,
 * entry-major) with table bits q_bits (quantize.h, "Table range", "Requantization",
 * "Activations"); then a = ACT(q) for the next layer.
 */
static int
build_layer(quant_ctx *c, zk_model *model, uint32_t l, uint32_t q_bits, const int64_t *y,
            int32_t *a, layer_result *res, char *err)
{
    const float_layer *fl = &c->fm->layer[l];
    const layer_plan *lp = &c->lp[l];
    model_layer *ly = &model->layer[l];
    size_t count = (size_t)fl->m * c->n_rows, e, size;
    int64_t ymax = 0, half_table;
    double r_y, ratio, mult = 0.0;
    uint32_t s, y_idx;
    char merr[ZKML_ERR_LEN];
    int32_t *table;
    int rc;

    for (e = 0; e < count; e++) {
        int64_t v = y[e] < 0 ? -y[e] : y[e];

        ymax = v > ymax ? v : ymax;
    }
    r_y = c->opt->headroom * (double)ymax;
    res->covers_worst_case = r_y >= (double)lp->worst;
    if (res->covers_worst_case)
        r_y = (double)lp->worst;
    if (r_y < 1.0)
        r_y = 1.0;
    if (l + 1 < model->n_layers) {
        uint32_t cap = ceil_log2(8.0 * lp->slope * r_y * lp->s_w / lp->out_scale) + 1;

        cap = cap < 2 ? 2 : cap > MODEL_MAX_Q ? MODEL_MAX_Q : cap;
        q_bits = q_bits < cap ? q_bits : cap;
    }
    half_table = ((int64_t)1 << (q_bits - 1)) - 1;
    ratio = (double)half_table / r_y;
    for (s = 1; s <= MODEL_MAX_SHIFT; s++) {
        mult = floor(ldexp(ratio, (int)s));
        if (mult >= ldexp(1.0, QUANT_MULT_BITS))
            break;
    }
    if (s > MODEL_MAX_SHIFT)
        s = MODEL_MAX_SHIFT;
    if (mult > 2147483647.0)
        mult = 2147483647.0;
    if (mult < 1.0)
        return zkml_fail(err, QUANT_ERR_RANGE,
                          "$.layers[%u]: the accumulator range is too wide for a 2^%u table",
                          (unsigned)l, (unsigned)q_bits);
    ly->n = fl->n;
    ly->m = fl->m;
    ly->wbits = c->opt->wbits;
    ly->q_bits = q_bits;
    ly->shift = s;
    ly->mult = (uint32_t)mult;
    ly->limb_bits = s < MODEL_MAX_LIMB_BITS ? s : MODEL_MAX_LIMB_BITS;  /* set at the end */
    res->table_range = r_y * lp->s_w;
    res->step = lp->s_w * ldexp(1.0, (int)s) / mult;
    size = (size_t)1 << q_bits;
    free(ly->act);
    ly->act = table = alloc_array(size, sizeof *table);
    if (table == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    rc = model_act_fill(table, q_bits, fl->act, res->step, lp->out_scale,
                        lp->out_min - lp->out_zp, lp->out_max - lp->out_zp, merr);
    if (rc != MODEL_OK)
        return zkml_fail(err, QUANT_ERR_INVALID, "$.layers[%u]: %s", (unsigned)l, merr);
    for (e = 0; e < size; e++)
        table[e] += lp->out_zp;
    res->q_lo = INT32_MAX;
    res->q_hi = INT32_MIN;
    for (e = 0; e < count; e++) {
        __int128 q;
        uint64_t rem;

        model_requantize(y[e], ly->mult, ly->shift, &q, &rem);
        if (q < -(half_table + 1) || q > half_table)     /* cannot happen: M <= ratio·2^s */
            return zkml_fail(err, QUANT_ERR_RANGE,
                              "$.layers[%u]: a calibration row leaves the table", (unsigned)l);
        y_idx = (uint32_t)((int64_t)q + half_table + 1);
        a[e] = table[y_idx];
        res->q_lo = (int32_t)q < res->q_lo ? (int32_t)q : res->q_lo;
        res->q_hi = (int32_t)q > res->q_hi ? (int32_t)q : res->q_hi;
    }
    return QUANT_OK;
}

/* y = W_q·in + B_q for every calibration row; in and y entry-major (feature j of row b
 * at j·B + b). */
static void
accumulate(const zk_model *model, uint32_t l, const int32_t *in, size_t batch, int64_t *y)
{
    const model_weights *wt = &model->weights[l];
    size_t n = model->layer[l].n, m = model->layer[l].m, i, j, b;

    for (i = 0; i < m; i++) {
        int64_t *yi = y + i * batch;

        for (b = 0; b < batch; b++)
            yi[b] = wt->bias[i];
        for (j = 0; j < n; j++) {
            int64_t w = wt->w[i * n + j];
            const int32_t *xj = in + j * batch;

            for (b = 0; b < batch; b++)
                yi[b] += w * xj[b];
        }
    }
}

/* Errors of the model's dequantized outputs against ref (rows x m_L). */
void
quant_measure(const zk_model *model, const int32_t *out, const double *ref, size_t rows,
              double *max_err, double *mean_err)
{
    uint32_t m = model->layer[model->n_layers - 1].m, i;
    double sum = 0.0, mx = 0.0;
    size_t b;

    for (b = 0; b < rows; b++) {
        for (i = 0; i < m; i++) {
            double d = fabs(model_dequantize_output(model, i, out[b * m + i]) - ref[b * m + i]);

            sum += d;
            mx = d > mx ? d : mx;
        }
    }
    *max_err = mx;
    *mean_err = rows > 0 ? sum / ((double)rows * m) : 0.0;
}

/* Version 1's layer l for table bits q_bits (a quant_layer_fn): Y = W_q·in + B_q, then
 * build_layer. */
static int
build_layer_v1(quant_ctx *c, zk_model *model, void *state, uint32_t l, uint32_t q_bits,
               const int32_t *in, int32_t *out, layer_result *res, char *err)
{
    int64_t *y = alloc_array((size_t)model->layer[l].m * c->n_rows, sizeof *y);
    int rc;

    (void)state;
    if (y == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    accumulate(model, l, in, c->n_rows, y);
    rc = build_layer(c, model, l, q_bits, y, out, res, err);
    free(y);
    return rc;
}

int
quant_build_candidate(quant_ctx *c, zk_model *model, quant_layer_fn build, void *state,
                      uint32_t q_bits, layer_result *res, double *max_err, double *mean_err,
                      char *err)
{
    size_t width = quant_max_width(c->fm), B = c->n_rows, b, j;
    int32_t *in = alloc_array(width * B, sizeof *in);
    int32_t *next = alloc_array(width * B, sizeof *next);
    char merr[ZKML_ERR_LEN];
    model_trace tr;
    uint32_t l;
    int rc = QUANT_OK;

    if (in == NULL || next == NULL) {
        rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (b = 0; b < B; b++)
        for (j = 0; j < c->fm->n_features; j++)
            in[j * B + b] = c->cal_x[b * c->fm->n_features + j];
    for (l = 0; l < model->n_layers; l++) {
        int32_t *t;

        if ((rc = build(c, model, state, l, q_bits, in, next, &res[l], err)) != QUANT_OK)
            goto done;
        t = in;
        in = next;
        next = t;
    }
    rc = model_forward(&tr, model, c->cal_x, B, 0, merr);
    if (rc == MODEL_ERR_RANGE) {
        rc = zkml_fail(err, QUANT_ERR_RANGE, "calibration: %s", merr);
        goto done;
    }
    if (rc != MODEL_OK) {
        rc = zkml_fail(err, rc == MODEL_ERR_NOMEM ? QUANT_ERR_NOMEM : QUANT_ERR_INVALID,
                        "the quantized model: %s", merr);
        goto done;
    }
    /* the planning pass and the forward pass agree entry by entry */
    for (b = 0; b < B && rc == QUANT_OK; b++)
        for (j = 0; j < model->layer[model->n_layers - 1].m; j++)
            if (tr.out[b * model->layer[model->n_layers - 1].m + j] != in[j * B + b])
                rc = zkml_fail(err, QUANT_ERR_INVALID, "internal: forward passes disagree");
    if (rc == QUANT_OK)
        quant_measure(model, tr.out, c->cal_ref, B, max_err, mean_err);
    model_trace_free(&tr);
done:
    free(in);
    free(next);
    return rc;
}

int
quant_search_q(quant_ctx *c, zk_model *model, quant_layer_fn build, void *state,
               uint32_t q_lo, uint32_t q_hi, layer_result *res, search_entry *search,
               size_t *n_search, uint32_t *q_chosen, double *max_err, double *mean_err,
               char *err)
{
    double best = INFINITY;
    uint32_t q;
    int rc;

    *n_search = 0;
    *q_chosen = q_lo;
    for (q = q_lo; q <= q_hi; q++) {
        double mx = 0.0, mean = 0.0;

        if ((rc = quant_build_candidate(c, model, build, state, q, res, &mx, &mean, err)) !=
            QUANT_OK)
            return rc;
        search[*n_search].q_bits = q;
        search[(*n_search)++].max_err = mx;
        if (mx < best) {
            best = mx;
            *q_chosen = q;
        }
        if (mx <= quant_goal(c->opt)) {
            *q_chosen = q;
            break;
        }
    }
    return quant_build_candidate(c, model, build, state, *q_chosen, res, max_err, mean_err,
                                 err);
}

void
quant_choose_limb_bits(zk_model *model, uint32_t fixed, uint32_t cap, uint32_t max_fixed)
{
    uint32_t l, w = 1;

    for (l = 0; l < model->n_layers && fixed == 0; l++) {
        uint32_t s = model->layer[l].shift, k = (s + cap - 1) / cap, need = (s + k - 1) / k;

        w = need > w ? need : w;
    }
    fixed = fixed > max_fixed ? max_fixed : fixed;
    for (l = 0; l < model->n_layers; l++)
        model->layer[l].limb_bits = fixed != 0 ? fixed : w;
}

/* Version 1's cap: the largest table bits of the model, at least 8. */
static uint32_t
limb_cap_v1(const zk_model *model)
{
    uint32_t l, qmax = 8;

    for (l = 0; l < model->n_layers; l++)
        qmax = model->layer[l].q_bits > qmax ? model->layer[l].q_bits : qmax;
    return qmax;
}

/* ---- the whole ---- */

/* The outcome of one (xbits, wbits) attempt. */
typedef struct {
    layer_result res[MODEL_MAX_LAYERS];
    search_entry search[MODEL_MAX_Q + 1];
    size_t n_search;
    uint32_t q_bits;
    double max_err, mean_err;
} attempt;

/*
 * Everything that depends on the bit widths in c->opt: the input quantization, the
 * integer weights, then the search over Q, leaving *out built for the chosen Q.
 */
static int
quantize_at(quant_ctx *c, zk_model *out, const double *rows, const float_stats *stats,
            attempt *at, char *err)
{
    const float_model *fm = c->fm;
    const quant_options *opt = c->opt;
    uint32_t l, q_lo, q_hi, m_last = fm->layer[fm->n_layers - 1].m;
    size_t b;
    int rc;

    model_free(out);
    free(c->in_lo);
    free(c->in_hi);
    c->in_lo = c->in_hi = NULL;
    memset(at, 0, sizeof *at);
    out->n_layers = fm->n_layers;
    out->xbits = opt->xbits;
    out->output_kind = fm->output_kind;
    for (l = 0; l < fm->n_layers; l++) {
        out->layer[l].n = fm->layer[l].n;
        out->layer[l].m = fm->layer[l].m;
    }
    if ((rc = plan_inputs(c, out, rows, err)) != QUANT_OK)
        return rc;
    for (b = 0; b < c->n_rows; b++) {
        char merr[ZKML_ERR_LEN];

        if (model_quantize_features(out, rows + b * fm->n_features,
                                    c->cal_x + b * fm->n_features, merr) != MODEL_OK)
            return zkml_fail(err, QUANT_ERR_INVALID, "calibration row %zu: %s", b + 1, merr);
    }
    if (opt->version == 2) {                   /* quantize_v2.c; tables are int16 */
        for (l = 0; l < fm->n_layers; l++)
            plan_outputs(&c->lp[l], &fm->layer[l], 1, stats->act_lo[l], stats->act_hi[l],
                         opt->headroom, opt->hidden_headroom);
        out->outputs = alloc_array(m_last, sizeof *out->outputs);
        if (out->outputs == NULL)
            return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        return quant_layers_v2(c, out, at->res, at->search, &at->n_search, &at->q_bits,
                               &at->max_err, &at->mean_err, err);
    }
    for (l = 0; l < fm->n_layers; l++) {
        plan_outputs(&c->lp[l], &fm->layer[l], l + 1 == fm->n_layers, stats->act_lo[l],
                     stats->act_hi[l], opt->headroom, opt->hidden_headroom);
        if ((rc = plan_weights(c, out, l, err)) != QUANT_OK)
            return rc;
    }
    out->outputs = alloc_array(m_last, sizeof *out->outputs);
    if (out->outputs == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    for (l = 0; l < m_last; l++) {
        out->outputs[l].scale = c->lp[fm->n_layers - 1].out_scale;
        out->outputs[l].zero_point = c->lp[fm->n_layers - 1].out_zp;
    }
    /* Q: the smallest within the goal, else the most accurate */
    q_lo = opt->q_bits != 0 ? opt->q_bits : opt->q_min;
    q_hi = opt->q_bits != 0 ? opt->q_bits : opt->q_max;
    if ((rc = quant_search_q(c, out, build_layer_v1, NULL, q_lo, q_hi, at->res, at->search,
                             &at->n_search, &at->q_bits, &at->max_err, &at->mean_err, err)) !=
        QUANT_OK)
        return rc;
    quant_choose_limb_bits(out, opt->limb_bits, limb_cap_v1(out), MODEL_MAX_LIMB_BITS);
    return QUANT_OK;
}

int
quantize_model(zk_model *out, char **report_json, const char *float_json, size_t len,
               const double *calibration, size_t n_rows, const double *holdout,
               size_t n_holdout, const quant_options *opt_in, char *err)
{
    /* bit widths tried when the options leave them open: cheapest first */
    static const uint32_t AUTO_BITS[] = {8, 12, 16};
    quant_options opt;
    float_model fm;
    quant_ctx c;
    float_stats stats;
    attempt at, best_at;
    error_summary cal, hold;
    double *synth = NULL, *hold_ref = NULL;
    const double *rows = calibration;
    uint32_t m_last, best_bits = 0;
    size_t k, n_tries;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    memset(&cal, 0, sizeof cal);
    memset(&hold, 0, sizeof hold);
    *report_json = NULL;
    if (opt_in != NULL)
        opt = *opt_in;
    else
        quant_options_default(&opt);
    if ((rc = options_check(&opt, err)) != QUANT_OK)
        return rc;
    if (opt.headroom == 0.0)
        opt.headroom = opt.version == 2 ? QUANT_HEADROOM_V2 : QUANT_HEADROOM_V1;
    if ((rc = float_model_from_json(&fm, float_json, len, err)) != QUANT_OK)
        return rc;
    c.fm = &fm;
    c.opt = &opt;
    if (n_rows > QUANT_MAX_ROWS || n_holdout > QUANT_MAX_ROWS) {
        rc = zkml_fail(err, QUANT_ERR_INVALID, "at most %zu calibration or holdout rows",
                        QUANT_MAX_ROWS);
        goto fail;
    }
    if (calibration == NULL || n_rows == 0) {
        n_rows = QUANT_SYNTHETIC_ROWS;
        rows = synth = synthetic_rows(&fm, n_rows);
        c.synthetic = 1;
        if (synth == NULL) {
            rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    c.n_rows = n_rows;
    m_last = fm.layer[fm.n_layers - 1].m;
    if ((rc = quant_check_rows(&fm, rows, n_rows, "calibration", err)) != QUANT_OK ||
        (holdout != NULL && (rc = quant_check_rows(&fm, holdout, n_holdout, "holdout", err)) !=
                                QUANT_OK))
        goto fail;
    c.cal_ref = alloc_array(n_rows * m_last, sizeof *c.cal_ref);
    c.cal_x = alloc_array(n_rows * fm.n_features, sizeof *c.cal_x);
    if (c.cal_ref == NULL || c.cal_x == NULL) {
        rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* the reference is the model as given; the plan uses its equalized twin */
    memset(&stats, 0, sizeof stats);
    if (holdout != NULL && n_holdout > 0) {
        hold_ref = alloc_array(n_holdout * m_last, sizeof *hold_ref);
        if (hold_ref == NULL) {
            rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
            goto fail;
        }
        if ((rc = quant_float_run(&fm, holdout, n_holdout, hold_ref, NULL, err)) != QUANT_OK)
            goto fail;
    }
    if ((rc = quant_float_run(&fm, rows, n_rows, c.cal_ref, NULL, err)) != QUANT_OK ||
        (rc = equalize_hidden(&fm, rows, n_rows, err)) != QUANT_OK)
        goto fail;
    {
        double *twin = alloc_array(n_rows * m_last, sizeof *twin);

        if (twin == NULL) {
            rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
            goto fail;
        }
        rc = quant_float_run(&fm, rows, n_rows, twin, &stats, err);
        free(twin);
        if (rc != QUANT_OK)
            goto fail;
    }

    /* the bit widths: as given, or the cheapest of AUTO_BITS within the goal; version 2
     * starts at 12 (its inputs cost the proof no table, and a receipt's features read
     * back at 8 bits are visibly rounded: 24.16 months for 24) */
    n_tries = opt_in != NULL && opt_in->xbits != 0 && opt_in->wbits != 0
                  ? 1 : sizeof AUTO_BITS / sizeof AUTO_BITS[0];
    best_at.max_err = INFINITY;
    best_bits = n_tries > 1 && opt.version == 2 ? 1 : 0;
    for (k = best_bits; k < n_tries; k++) {
        opt.xbits = opt_in != NULL && opt_in->xbits != 0 ? opt_in->xbits : AUTO_BITS[k];
        opt.wbits = opt_in != NULL && opt_in->wbits != 0 ? opt_in->wbits : AUTO_BITS[k];
        if ((rc = quantize_at(&c, out, rows, &stats, &at, err)) != QUANT_OK)
            goto fail;
        if (at.max_err < best_at.max_err) {
            best_at = at;
            best_bits = (uint32_t)k;
        }
        if (at.max_err <= quant_goal(&opt))
            break;
    }
    if (k >= n_tries)
        k = n_tries - 1;
    if (best_bits != k) {
        /* an earlier attempt was better: build it again */
        opt.xbits = opt_in != NULL && opt_in->xbits != 0 ? opt_in->xbits : AUTO_BITS[best_bits];
        opt.wbits = opt_in != NULL && opt_in->wbits != 0 ? opt_in->wbits : AUTO_BITS[best_bits];
        if ((rc = quantize_at(&c, out, rows, &stats, &at, err)) != QUANT_OK)
            goto fail;
    }
    {
        char merr[ZKML_ERR_LEN];

        if (model_validate(out, merr) != MODEL_OK) {
            rc = zkml_fail(err, QUANT_ERR_INVALID, "the quantized model: %s", merr);
            goto fail;
        }
    }
    cal.rows = n_rows;
    cal.out_of_range = 0;
    cal.max_err = at.max_err;
    cal.mean_err = at.mean_err;
    if ((rc = quant_count_saturated(out, rows, n_rows, &cal, err)) != QUANT_OK)
        goto fail;
    if (holdout != NULL && n_holdout > 0 &&
        (rc = quant_measure_holdout(out, holdout, hold_ref, n_holdout, &hold, err)) != QUANT_OK)
        goto fail;
    *report_json = quant_write_report(&c, out, at.res, &cal,
                                holdout != NULL && n_holdout > 0 ? &hold : NULL, at.search,
                                at.n_search);
    rc = *report_json != NULL ? QUANT_OK : zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
fail:
    free(synth);
    free(hold_ref);
    quant_summary_free(&cal);
    quant_summary_free(&hold);
    quant_ctx_free(&c);
    float_model_free(&fm);
    if (rc != QUANT_OK)
        model_free(out);
    return rc;
}
