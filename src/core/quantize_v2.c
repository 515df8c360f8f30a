/*
 * quantize_v2.c: the quantizer's choices for models of protocol version 2
 * (docs/protocol.md 6.4; quantize.h "Version 2"): each hidden unit its own output
 * step, the committed weights W' rounded directly at the layer's shift (no integer W
 * times a multiplier), hidden ReLU and identity layers at 16 bits proven without a
 * table, sigmoid and tanh tables at the searched Q (at most 16), every input feature
 * with its own scale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quantize_internal.h"

#define V2_HIDDEN_Q 16u         /* bits of a hidden ReLU or identity layer */
#define V2_U_BITS 8u            /* limb width of u, d_lo, d_hi */
#define V2_LIMB_CAP 12u         /* rem limbs: no range table above 2^12 rows */
/* W' is rounded at a shift that keeps its rounding, summed over a calibration row's
 * inputs, within this share of one output step */
#define V2_WEIGHT_ERROR (1.0 / 16)
/* no unit's range below 2^-20 of its layer's widest */
#define V2_MIN_RANGE_BITS 20

/* Layer l's integer inputs, column j: the real value of one step, the zero point and
 * the integer range the column can hold. */
typedef struct {
    double *scale;
    int32_t *zp;
    int32_t *lo, *hi;
} v2_columns;

/* Per layer: the real weight of one integer step of each input (m x n), the real bias
 * (the normalization folded), and each unit's output step. */
typedef struct {
    double *c;
    double *bf;
    double *step;
    v2_columns col;
    int table;                  /* sigmoid or tanh: kind 3 */
} v2_layer;

static void
v2_free(v2_layer *v, uint32_t L)
{
    uint32_t l;

    for (l = 0; l < L; l++) {
        free(v[l].c);
        free(v[l].bf);
        free(v[l].step);
        free(v[l].col.scale);
        free(v[l].col.zp);
        free(v[l].col.lo);
        free(v[l].col.hi);
    }
}

/* The columns of layer l: the features for l = 0 (standardization folded into the
 * scale), else the previous layer's outputs: a unit's own step for ReLU and identity,
 * the table's output quantization for kind 3. */
static void
plan_columns(const quant_ctx *c, const zk_model *model, v2_layer *v, uint32_t l)
{
    size_t n = c->fm->layer[l].n, j;

    for (j = 0; j < n; j++) {
        if (l == 0) {
            int32_t half = (int32_t)1 << (model->inputs[j].bits - 1);

            v[0].col.scale[j] = model->inputs[j].scale;
            if (c->fm->mean != NULL)
                v[0].col.scale[j] /= c->fm->std[j];
            v[0].col.zp[j] = model->inputs[j].zero_point;
            v[0].col.lo[j] = -half;
            v[0].col.hi[j] = half - 1;
        } else if (v[l - 1].table) {
            const layer_plan *lp = &c->lp[l - 1];

            v[l].col.scale[j] = lp->out_scale;
            v[l].col.zp[j] = lp->out_zp;
            v[l].col.lo[j] = lp->out_min;
            v[l].col.hi[j] = lp->out_max;
        } else {
            int32_t half = (int32_t)1 << (V2_HIDDEN_Q - 1);

            v[l].col.scale[j] = v[l - 1].step[j];
            v[l].col.zp[j] = 0;
            v[l].col.lo[j] = c->fm->layer[l - 1].act == MODEL_ACT_RELU ? 0 : -half;
            v[l].col.hi[j] = half - 1;
        }
    }
}

static int
v2_alloc(v2_layer *v, size_t n, size_t m)
{
    v->c = alloc_array(n * m, sizeof *v->c);
    v->bf = alloc_array(m, sizeof *v->bf);
    v->step = alloc_array(m, sizeof *v->step);
    v->col.scale = alloc_array(n, sizeof *v->col.scale);
    v->col.zp = alloc_array(n, sizeof *v->col.zp);
    v->col.lo = alloc_array(n, sizeof *v->col.lo);
    v->col.hi = alloc_array(n, sizeof *v->col.hi);
    return v->c != NULL && v->bf != NULL && v->step != NULL && v->col.scale != NULL &&
           v->col.zp != NULL && v->col.lo != NULL && v->col.hi != NULL;
}

/*
 * Layer l for table bits q_bits (docs/protocol.md 6.4).  Each unit's range R_i is
 * headroom times its largest calibrated |Y|, or the largest |Y| any input can give when
 * that is at most V2_COVER_FACTOR times more (then no row can leave it); a table layer
 * takes the largest R_i for all its units.  Steps R_i / (2^(Q-1) - 1); one shift s for
 * the layer, the smallest keeping the rounding of W' within V2_WEIGHT_ERROR of a step on
 * every calibration row; W'[i][j] = round(c_ij·2^s / step_i) and b'_i =
 * round(b_i·2^s / step_i) - sum_j W'[i][j]·zp_j, so that Y' / 2^s is Y in steps.
 * in: the calibration rows' integer inputs (entry-major); out: their activations.
 */
static int
build_layer_v2(quant_ctx *c, zk_model *model, void *state, uint32_t l, uint32_t q_bits,
               const int32_t *in, int32_t *out, layer_result *res, char *err)
{
    v2_layer *layers = state, *v = &layers[l];
    const float_layer *fl = &c->fm->layer[l];
    layer_plan *lp = &c->lp[l];
    model_layer *ly = &model->layer[l];
    model_weights *wt = &model->weights[l];
    size_t n = fl->n, m = fl->m, B = c->n_rows, i, j, b;
    int last = l + 1 == model->n_layers, covers = 1;
    double R_all = 0.0, a_max = 0.0, ratio = 0.0, bias_ratio = 0.0, *yr = NULL;
    int64_t half;
    uint32_t s;
    char merr[ZKML_ERR_LEN];
    int rc = QUANT_OK;

    if (!v->table)
        q_bits = V2_HIDDEN_Q;
    q_bits = q_bits > MODEL_V2_MAX_Q ? MODEL_V2_MAX_Q : q_bits;
    half = ((int64_t)1 << (q_bits - 1)) - 1;
    if (v->c == NULL && !v2_alloc(v, n, m))
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    plan_columns(c, model, layers, l);
    yr = alloc_array(B, sizeof *yr);
    if (yr == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    /* the real weights and bias, Y on the calibration rows, and the ranges */
    for (b = 0; b < B; b++) {
        double a = 0.0;

        for (j = 0; j < n; j++)
            a += fabs((double)in[j * B + b] - (double)v->col.zp[j]);
        a_max = a > a_max ? a : a_max;
    }
    for (i = 0; i < m; i++) {
        double bf = fl->bias[i], ymax = 0.0, top = 0.0, bottom = 0.0, worst, R;

        for (j = 0; j < n; j++) {
            double w = fl->w[i * n + j];

            if (l == 0 && c->fm->mean != NULL)
                bf -= w * c->fm->mean[j] / c->fm->std[j];
            v->c[i * n + j] = w * v->col.scale[j];
        }
        v->bf[i] = bf;
        for (b = 0; b < B; b++)
            yr[b] = bf;
        top = bottom = bf;
        for (j = 0; j < n; j++) {
            double cij = v->c[i * n + j], zp = (double)v->col.zp[j];
            double lo = cij * ((double)v->col.lo[j] - zp), hi = cij * ((double)v->col.hi[j] - zp);
            const int32_t *xj = in + j * B;

            top += lo > hi ? lo : hi;
            bottom += lo < hi ? lo : hi;
            for (b = 0; b < B; b++)
                yr[b] += cij * ((double)xj[b] - zp);
        }
        for (b = 0; b < B; b++)
            ymax = fabs(yr[b]) > ymax ? fabs(yr[b]) : ymax;
        worst = fabs(top) > fabs(bottom) ? fabs(top) : fabs(bottom);
        R = c->opt->headroom * ymax;
        if (worst <= R)
            R = worst;
        else
            covers = 0;
        if (!(R > 0.0))         /* a unit silent on every calibration row */
            R = worst > 0.0 ? worst : 1.0;
        v->step[i] = R;         /* the range for now; the step below */
        R_all = R > R_all ? R : R_all;
    }
    free(yr);
    for (i = 0; i < m; i++) {
        double bq = 0.0;

        /* a table serves every unit at one step; a unit far narrower than the layer's
         * widest would force a short shift on the whole layer (W' < 2^61) */
        if (v->table)
            v->step[i] = R_all;
        else if (v->step[i] < ldexp(R_all, -V2_MIN_RANGE_BITS))
            v->step[i] = ldexp(R_all, -V2_MIN_RANGE_BITS);
        v->step[i] /= (double)half;
        for (j = 0; j < n; j++) {
            double r = fabs(v->c[i * n + j]) / v->step[i];

            ratio = r > ratio ? r : ratio;
            bq += r * fabs((double)v->col.zp[j]);
        }
        bq += fabs(v->bf[i]) / v->step[i];
        bias_ratio = bq > bias_ratio ? bq : bias_ratio;
    }
    /* the shift: precise enough, and W', b' below 2^61 (room for the rounding) */
    for (s = 1; s < MODEL_MAX_SHIFT - 1; s++)
        if ((0.5 * a_max + 0.5) <= V2_WEIGHT_ERROR * ldexp(1.0, (int)s))
            break;
    while (s > 1 && (ldexp(ratio, (int)s) >= 0x1p61 || ldexp(bias_ratio, (int)s) >= 0x1p61))
        s--;
    if (ldexp(ratio, (int)s) >= 0x1p61 || ldexp(bias_ratio, (int)s) >= 0x1p61 ||
        !isfinite(ratio) || !isfinite(bias_ratio))
        return zkml_fail(err, QUANT_ERR_RANGE,
                          "$.layers[%u]: the weights are too wide for 2^%u levels",
                          (unsigned)l, (unsigned)q_bits);
    ly->q_bits = q_bits;
    ly->shift = s;
    ly->mult = 1;
    ly->wbits = 0;
    ly->act_kind = v->table ? MODEL_PW_TABLE
                   : fl->act == MODEL_ACT_RELU ? MODEL_PW_RELU : MODEL_PW_IDENTITY;
    ly->u_bits = V2_U_BITS;
    ly->limb_bits = s < V2_LIMB_CAP ? s : V2_LIMB_CAP;     /* set at the end */
    for (i = 0; i < m; i++) {
        double k = ldexp(1.0, (int)s) / v->step[i];
        int64_t bsum = 0;

        for (j = 0; j < n; j++) {
            int64_t w = (int64_t)round(v->c[i * n + j] * k);

            wt->w64[i * n + j] = w;
            bsum += w * (int64_t)v->col.zp[j];
        }
        wt->bias64[i] = (int64_t)round(v->bf[i] * k) - bsum;
    }
    /* the outputs: q itself in steps for ReLU and identity, a table otherwise */
    free(ly->act);
    ly->act = NULL;
    if (v->table) {
        size_t size = (size_t)1 << q_bits, e;

        ly->act = alloc_array(size, sizeof *ly->act);
        if (ly->act == NULL)
            return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        rc = model_act_fill(ly->act, q_bits, fl->act, v->step[0], lp->out_scale,
                            lp->out_min - lp->out_zp, lp->out_max - lp->out_zp, merr);
        if (rc != MODEL_OK)
            return zkml_fail(err, QUANT_ERR_INVALID, "$.layers[%u]: %s", (unsigned)l, merr);
        for (e = 0; e < size; e++)
            ly->act[e] += lp->out_zp;
    } else {
        lp->out_scale = 0.0;
        for (i = 0; i < m; i++)
            lp->out_scale = v->step[i] > lp->out_scale ? v->step[i] : lp->out_scale;
        lp->out_zp = 0;
        lp->out_min = (int32_t)-half - 1;
        lp->out_max = (int32_t)half;
    }
    lp->s_w = 0.0;
    res->covers_worst_case = covers;
    res->table_range = R_all;
    res->step = R_all / (double)half;
    res->q_lo = INT32_MAX;
    res->q_hi = INT32_MIN;
    for (i = 0; i < m; i++) {
        const int64_t *row = wt->w64 + i * n;

        for (b = 0; b < B; b++) {
            __int128 t = (__int128)wt->bias64[i] + ((__int128)1 << (s - 1)), q;

            for (j = 0; j < n; j++)
                t += (__int128)row[j] * in[j * B + b];
            q = t >> s;
            if (q < -(half + 1) || q > half)
                return zkml_fail(err, QUANT_ERR_RANGE,
                                  "$.layers[%u]: a calibration row leaves the range",
                                  (unsigned)l);
            out[i * B + b] = model_act_apply(model, l, (int64_t)q);
            res->q_lo = (int32_t)q < res->q_lo ? (int32_t)q : res->q_lo;
            res->q_hi = (int32_t)q > res->q_hi ? (int32_t)q : res->q_hi;
        }
    }
    if (last) {
        for (i = 0; i < m; i++) {
            model->outputs[i].scale = v->table ? lp->out_scale : v->step[i];
            model->outputs[i].zero_point = v->table ? lp->out_zp : 0;
        }
    }
    return QUANT_OK;
}

int
quant_layers_v2(quant_ctx *c, zk_model *out, layer_result *res, search_entry *search,
                size_t *n_search, uint32_t *q_chosen, double *max_err, double *mean_err,
                char *err)
{
    const float_model *fm = c->fm;
    const quant_options *opt = c->opt;
    v2_layer v[MODEL_MAX_LAYERS];
    uint32_t l, j, q_lo, q_hi;
    int any_table = 0, rc = QUANT_OK;

    memset(v, 0, sizeof v);
    out->version = 2;
    for (j = 0; j < fm->n_features; j++)
        out->inputs[j].bits = out->xbits;
    for (l = 0; l < fm->n_layers; l++) {
        model_weights *wt = &out->weights[l];
        size_t cells = (size_t)fm->layer[l].n * fm->layer[l].m;

        v[l].table = fm->layer[l].act == MODEL_ACT_SIGMOID || fm->layer[l].act == MODEL_ACT_TANH;
        any_table |= v[l].table;
        free(wt->w);
        free(wt->bias);
        wt->w = NULL;
        wt->bias = NULL;
        wt->w64 = alloc_array(cells, sizeof *wt->w64);
        wt->bias64 = alloc_array(fm->layer[l].m, sizeof *wt->bias64);
        if (wt->w64 == NULL || wt->bias64 == NULL) {
            rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    q_lo = opt->q_bits != 0 ? opt->q_bits : opt->q_min;
    q_hi = opt->q_bits != 0 ? opt->q_bits : opt->q_max;
    q_hi = q_hi > MODEL_V2_MAX_Q ? MODEL_V2_MAX_Q : q_hi;
    q_lo = q_lo > q_hi ? q_hi : q_lo;
    if (!any_table)
        q_lo = q_hi;                        /* nothing depends on Q */
    if ((rc = quant_search_q(c, out, build_layer_v2, v, q_lo, q_hi, res, search, n_search,
                             q_chosen, max_err, mean_err, err)) != QUANT_OK)
        goto done;
    quant_choose_limb_bits(out, opt->limb_bits, V2_LIMB_CAP, MODEL_V2_MAX_LIMB_BITS);
done:
    v2_free(v, fm->n_layers);
    return rc;
}
