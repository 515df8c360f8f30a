/*
 * quantize_v2.c: the quantizer's choices for models of protocol version 2
 * (docs/numerics-0.2.md 2; quantize.h "Version 2"): a weight scale and a requantization
 * multiplier per output row, folded into the committed weights; hidden ReLU and identity
 * layers at 16 bits, proven without a table; sigmoid and tanh tables at the searched Q
 * (at most 16); every input feature at the attempt's xbits with its own scale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quantize_internal.h"

#define V2_HIDDEN_Q 16u         /* bits of a hidden ReLU or identity layer */
#define V2_U_BITS 8u            /* limb width of u, d_lo, d_hi */
#define V2_LIMB_CAP 12u         /* rem limbs: no range table above 2^12 rows */

/* Per layer, what does not depend on Q: the integer weights W_q (m x n, unfolded), the
 * integer bias B_q (zero points folded in), each row's weight scale, and the worst case
 * of |Y| in real units. */
typedef struct {
    int32_t *wq;
    int64_t *bq;
    int64_t *mult;              /* M_i of the current build */
    double *s_w;
    double worst;
    int table;                  /* sigmoid or tanh: kind 3 */
} v2_layer;

static void
v2_free(v2_layer *v, uint32_t L)
{
    uint32_t l;

    for (l = 0; l < L; l++) {
        free(v[l].wq);
        free(v[l].bq);
        free(v[l].s_w);
        free(v[l].mult);
    }
}

/* The scale and zero point of layer l's integer inputs, feature j. */
static void
input_quant(const quant_ctx *c, const zk_model *model, uint32_t l, uint32_t j, double *scale,
            int32_t *zp)
{
    if (l == 0) {
        *scale = model->inputs[j].scale;
        *zp = model->inputs[j].zero_point;
        if (c->fm->mean != NULL)
            *scale /= c->fm->std[j];
    } else {
        *scale = c->lp[l - 1].out_scale;
        *zp = c->lp[l - 1].out_zp;
    }
}

/* W_q, B_q, the row scales and the worst case of layer l (after layer l - 1's output
 * scale is known). */
static int
plan_rows(quant_ctx *c, const zk_model *model, v2_layer *v, uint32_t l, double in_max,
          char *err)
{
    const float_layer *ly = &c->fm->layer[l];
    size_t n = ly->n, m = ly->m, i, j;
    double wlim = ldexp(1.0, (int)c->opt->wbits - 1) - 1.0;

    v->wq = alloc_array(n * m, sizeof *v->wq);
    v->bq = alloc_array(m, sizeof *v->bq);
    v->s_w = alloc_array(m, sizeof *v->s_w);
    v->mult = alloc_array(m, sizeof *v->mult);
    if (v->wq == NULL || v->bq == NULL || v->s_w == NULL || v->mult == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    v->worst = 0.0;
    for (i = 0; i < m; i++) {
        double bf = ly->bias[i], wmax = 0.0, b0, wsum = 0.0;
        int64_t zsum = 0;

        for (j = 0; j < n; j++) {
            double scale, w = ly->w[i * n + j];
            int32_t zp;

            input_quant(c, model, l, (uint32_t)j, &scale, &zp);
            if (l == 0 && c->fm->mean != NULL)
                bf -= w * c->fm->mean[j] / c->fm->std[j];
            wmax = fabs(w * scale) > wmax ? fabs(w * scale) : wmax;
        }
        /* the row's own scale: its largest weight uses the full width, unless the bias
         * would then need more than 2^30 steps (a row of tiny weights) */
        v->s_w[i] = wmax / wlim > fabs(bf) / 0x1p29 ? wmax / wlim : fabs(bf) / 0x1p29;
        if (v->s_w[i] == 0.0)
            v->s_w[i] = 1.0;
        if (!isfinite(v->s_w[i]) || !(v->s_w[i] > 0.0))
            return zkml_fail(err, QUANT_ERR_RANGE,
                              "$.layers[%u]: the folded weights or bias overflow", (unsigned)l);
        for (j = 0; j < n; j++) {
            double scale, q;
            int32_t zp, wq;

            input_quant(c, model, l, (uint32_t)j, &scale, &zp);
            q = round(ly->w[i * n + j] * scale / v->s_w[i]);
            wq = (int32_t)(q > wlim ? wlim : q < -wlim ? -wlim : q);
            v->wq[i * n + j] = wq;
            zsum += (int64_t)wq * zp;
            wsum += fabs((double)wq);
        }
        b0 = round(bf / v->s_w[i]);
        if (!(fabs(b0) < 0x1p30))
            return zkml_fail(err, QUANT_ERR_RANGE,
                              "$.layers[%u].bias[%zu]: beyond 2^30 steps of its row's weight "
                              "scale", (unsigned)l, i);
        v->bq[i] = (int64_t)b0 - zsum;
        wsum = v->s_w[i] * (wsum * in_max + fabs((double)v->bq[i]));
        v->worst = wsum > v->worst ? wsum : v->worst;
    }
    return QUANT_OK;
}

/*
 * Layer l for table bits q_bits: the range R (as version 1: headroom over the calibrated
 * |Y|, or the worst case when that is smaller), the step R / (2^(Q-1) - 1), one shift
 * and a multiplier per row M_i ~ 2^s·s_w,i / step, folded: W' = M_i·W_q, b' = M_i·B_q.
 * in: the calibration rows' integer inputs (entry-major); out: their activations.
 */
static int
build_layer_v2(quant_ctx *c, zk_model *model, v2_layer *v, uint32_t l, uint32_t q_bits,
               const int32_t *in, int32_t *out, int64_t *y, layer_result *res, char *err)
{
    const float_layer *fl = &c->fm->layer[l];
    layer_plan *lp = &c->lp[l];
    model_layer *ly = &model->layer[l];
    model_weights *wt = &model->weights[l];
    size_t n = fl->n, m = fl->m, B = c->n_rows, i, j, b;
    int last = l + 1 == model->n_layers;
    double ymax = 0.0, R, step, rmax = 0.0, rmin = INFINITY;
    int64_t half;
    uint32_t s;
    char merr[ZKML_ERR_LEN];
    int rc;

    if (!v->table)
        q_bits = V2_HIDDEN_Q;
    q_bits = q_bits > MODEL_V2_MAX_Q ? MODEL_V2_MAX_Q : q_bits;
    half = ((int64_t)1 << (q_bits - 1)) - 1;
    for (i = 0; i < m; i++) {
        int64_t *yi = y + i * B;

        for (b = 0; b < B; b++)
            yi[b] = v->bq[i];
        for (j = 0; j < n; j++) {
            int64_t w = v->wq[i * n + j];
            const int32_t *xj = in + j * B;

            for (b = 0; b < B; b++)
                yi[b] += w * xj[b];
        }
        for (b = 0; b < B; b++)
            ymax = fabs((double)yi[b] * v->s_w[i]) > ymax ? fabs((double)yi[b] * v->s_w[i])
                                                          : ymax;
    }
    R = c->opt->headroom * ymax;
    res->covers_worst_case = R >= v->worst;
    if (res->covers_worst_case)
        R = v->worst;
    if (!(R > 0.0))
        R = 1.0;
    step = R / (double)half;
    /* one shift for the layer: the smallest that gives every row's multiplier
     * QUANT_MULT_BITS of precision, unless the largest would leave 31 bits */
    for (i = 0; i < m; i++) {
        double r = v->s_w[i] / step;

        rmax = r > rmax ? r : rmax;
        rmin = r < rmin ? r : rmin;
    }
    for (s = 1; s < MODEL_MAX_SHIFT; s++)
        if (ldexp(rmin, (int)s) >= ldexp(1.0, QUANT_MULT_BITS) ||
            ldexp(rmax, (int)s + 1) >= 2147483647.0)
            break;
    if (ldexp(rmax, (int)s) >= 2147483647.0)
        return zkml_fail(err, QUANT_ERR_RANGE,
                          "$.layers[%u]: the accumulator range is too wide for 2^%u levels",
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
        double mi = round(ldexp(v->s_w[i] / step, (int)s));
        int64_t M = mi < 1.0 ? 1 : (int64_t)mi;
        __int128 bb = (__int128)M * v->bq[i];

        if (bb >= ((__int128)1 << MODEL_V2_MAX_WEIGHT_BITS) ||
            bb <= -((__int128)1 << MODEL_V2_MAX_WEIGHT_BITS))
            return zkml_fail(err, QUANT_ERR_RANGE,
                              "$.layers[%u].bias[%zu]: too wide for the folded bias",
                              (unsigned)l, i);
        wt->bias64[i] = (int64_t)bb;
        v->mult[i] = M;
        for (j = 0; j < n; j++)
            wt->w64[i * n + j] = M * v->wq[i * n + j];
    }
    /* the outputs: q itself in steps for ReLU and identity, a table otherwise */
    free(ly->act);
    ly->act = NULL;
    if (v->table) {
        size_t size = (size_t)1 << q_bits, e;

        ly->act = alloc_array(size, sizeof *ly->act);
        if (ly->act == NULL)
            return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        rc = model_act_fill(ly->act, q_bits, fl->act, step, lp->out_scale,
                            lp->out_min - lp->out_zp, lp->out_max - lp->out_zp, merr);
        if (rc != MODEL_OK)
            return zkml_fail(err, QUANT_ERR_INVALID, "$.layers[%u]: %s", (unsigned)l, merr);
        for (e = 0; e < size; e++)
            ly->act[e] += lp->out_zp;
    } else {
        lp->out_scale = step;
        lp->out_zp = 0;
        lp->out_min = (int32_t)-half - 1;
        lp->out_max = (int32_t)half;
    }
    res->table_range = R;
    res->step = step;
    res->q_lo = INT32_MAX;
    res->q_hi = INT32_MIN;
    for (i = 0; i < m; i++) {
        int64_t M = v->mult[i];

        for (b = 0; b < B; b++) {
            __int128 t = (__int128)M * y[i * B + b] + ((__int128)1 << (s - 1));
            __int128 q = t >> s;

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
            model->outputs[i].scale = lp->out_scale;
            model->outputs[i].zero_point = lp->out_zp;
        }
    }
    return QUANT_OK;
}

/* Every layer for table bits q_bits, then model_forward on the calibration rows. */
static int
build_v2(quant_ctx *c, zk_model *model, v2_layer *v, uint32_t q_bits, layer_result *res,
         double *max_err, double *mean_err, char *err)
{
    size_t width = quant_max_width(c->fm), B = c->n_rows, b, j;
    int32_t *in = alloc_array(width * B, sizeof *in), *next = alloc_array(width * B, sizeof *next);
    int64_t *y = alloc_array(width * B, sizeof *y);
    char merr[ZKML_ERR_LEN];
    model_trace tr;
    uint32_t l;
    int rc = QUANT_OK;

    if (in == NULL || next == NULL || y == NULL) {
        rc = zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (b = 0; b < B; b++)
        for (j = 0; j < c->fm->n_features; j++)
            in[j * B + b] = c->cal_x[b * c->fm->n_features + j];
    for (l = 0; l < model->n_layers; l++) {
        int32_t *t;
        /* inputs: xbits, or a 16-bit activation (a ReLU or identity layer, or a table) */
        double in_max = ldexp(1.0, l == 0 ? (int)model->xbits - 1 : 15);

        if (v[l].wq == NULL && (rc = plan_rows(c, model, &v[l], l, in_max, err)) != QUANT_OK)
            goto done;
        if ((rc = build_layer_v2(c, model, &v[l], l, q_bits, in, next, y, &res[l], err)) !=
            QUANT_OK)
            goto done;
        t = in;
        in = next;
        next = t;
    }
    rc = model_forward(&tr, model, c->cal_x, B, 0, merr);
    if (rc != MODEL_OK) {
        rc = zkml_fail(err, rc == MODEL_ERR_RANGE ? QUANT_ERR_RANGE : QUANT_ERR_INVALID,
                       "the quantized model: %s", merr);
        goto done;
    }
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
    free(y);
    return rc;
}

/* The limb width of rem: K_l = ceil(s_l / 12) limbs, the smallest width keeping each. */
static void
choose_limb_bits_v2(zk_model *model, uint32_t fixed)
{
    uint32_t l, w = 1;

    for (l = 0; l < model->n_layers && fixed == 0; l++) {
        uint32_t s = model->layer[l].shift, k = (s + V2_LIMB_CAP - 1) / V2_LIMB_CAP;
        uint32_t need = (s + k - 1) / k;

        w = need > w ? need : w;
    }
    if (fixed > MODEL_V2_MAX_LIMB_BITS)
        fixed = MODEL_V2_MAX_LIMB_BITS;
    for (l = 0; l < model->n_layers; l++)
        model->layer[l].limb_bits = fixed != 0 ? fixed : w;
}

int
quant_layers_v2(quant_ctx *c, zk_model *out, layer_result *res, search_entry *search,
                size_t *n_search, uint32_t *q_chosen, double *max_err, double *mean_err,
                char *err)
{
    const float_model *fm = c->fm;
    const quant_options *opt = c->opt;
    v2_layer v[MODEL_MAX_LAYERS];
    uint32_t l, j, q, q_lo, q_hi;
    double best = INFINITY;
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
    *n_search = 0;
    q_lo = opt->q_bits != 0 ? opt->q_bits : opt->q_min;
    q_hi = opt->q_bits != 0 ? opt->q_bits : opt->q_max;
    q_hi = q_hi > MODEL_V2_MAX_Q ? MODEL_V2_MAX_Q : q_hi;
    q_lo = q_lo > q_hi ? q_hi : q_lo;
    if (!any_table)
        q_lo = q_hi;                        /* nothing depends on Q */
    *q_chosen = q_lo;
    for (q = q_lo; q <= q_hi; q++) {
        double mx = 0.0, mean = 0.0;

        if ((rc = build_v2(c, out, v, q, res, &mx, &mean, err)) != QUANT_OK)
            goto done;
        search[*n_search].q_bits = q;
        search[(*n_search)++].max_err = mx;
        if (mx < best) {
            best = mx;
            *q_chosen = q;
        }
        if (mx <= opt->max_error / 2) {
            *q_chosen = q;
            break;
        }
    }
    if ((rc = build_v2(c, out, v, *q_chosen, res, max_err, mean_err, err)) != QUANT_OK)
        goto done;
    choose_limb_bits_v2(out, opt->limb_bits);
done:
    v2_free(v, fm->n_layers);
    return rc;
}
