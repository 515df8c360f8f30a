/*
 * model.c: the quantized model: validation, activation tables, the forward pass and the
 * interface (docs/protocol.md 6.1, 7.0, 8); the descriptor is in model_descriptor.c.
 * See model.h for the semantics and formats.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_internal.h"
#include "runtime.h"

void
model_free(zk_model *model)
{
    uint32_t l;

    for (l = 0; l < MODEL_MAX_LAYERS; l++) {
        free(model->layer[l].act);
        free(model->weights[l].w);
        free(model->weights[l].bias);
        free(model->weights[l].w64);
        free(model->weights[l].bias64);
    }
    free(model->inputs);
    free(model->outputs);
    memset(model, 0, sizeof *model);
}

const char *
model_input_name(const zk_model *model, uint32_t j)
{
    if (model->inputs == NULL || model->n_layers < 1 || j >= model->layer[0].n)
        return "";
    return model->inputs[j].name;
}

const char *
model_output_kind_name(uint32_t kind)
{
    switch (kind) {
    case MODEL_OUTPUT_SCORE:
        return "score";
    case MODEL_OUTPUT_PROBABILITY:
        return "probability";
    }
    return "unknown";
}

/* The quantization of input j or output i, the defaults when the array is absent. */
static const model_io MODEL_IO_DEFAULT = { "", 1.0, 0, 0 };

const model_io *
model_input_io(const zk_model *model, uint32_t j)
{
    return model->inputs != NULL ? &model->inputs[j] : &MODEL_IO_DEFAULT;
}

const model_io *
model_output_io(const zk_model *model, uint32_t i)
{
    return model->outputs != NULL ? &model->outputs[i] : &MODEL_IO_DEFAULT;
}

unsigned
model_limb_plan(const model_layer *layer, unsigned *widths, unsigned *offsets)
{
    unsigned k = 0, done = 0;

    while (done < layer->shift && k < MODEL_MAX_LIMBS) {
        unsigned width = layer->shift - done < layer->limb_bits ? layer->shift - done
                                                                : layer->limb_bits;

        widths[k] = width;
        offsets[k] = done;
        done += width;
        k++;
    }
    return k;
}

uint32_t
model_version(const zk_model *model)
{
    return model->version == 2 ? 2 : 1;
}

uint32_t
model_input_bits(const zk_model *model, uint32_t j)
{
    if (model_version(model) == 2 && model->inputs != NULL && model->n_layers >= 1 &&
        j < model->layer[0].n && model->inputs[j].bits != 0)
        return model->inputs[j].bits;
    return model->xbits;
}

/* A limb plan of `bits` bits in limbs of `width` (the last one shorter). */
static unsigned
limb_plan_bits(unsigned bits, unsigned width, unsigned *widths, unsigned *offsets)
{
    unsigned k = 0, done = 0;

    if (width == 0)
        return 0;
    while (done < bits && k < MODEL_MAX_LIMBS) {
        unsigned w = bits - done < width ? bits - done : width;

        widths[k] = w;
        offsets[k] = done;
        done += w;
        k++;
    }
    return k;
}

unsigned
model_u_limb_plan(const model_layer *layer, unsigned *widths, unsigned *offsets)
{
    return limb_plan_bits(layer->q_bits - 1, layer->u_bits, widths, offsets);
}

unsigned
model_d_limb_plan(const model_layer *layer, unsigned *widths, unsigned *offsets)
{
    return limb_plan_bits(layer->q_bits, layer->u_bits, widths, offsets);
}

int32_t
model_act_apply(const zk_model *model, uint32_t l, int64_t q)
{
    const model_layer *ly = &model->layer[l];
    int64_t half = (int64_t)1 << (ly->q_bits - 1);

    if (model_version(model) == 2) {
        switch (ly->act_kind) {
        case MODEL_PW_IDENTITY:
            return (int32_t)q;
        case MODEL_PW_RELU:
            return q > 0 ? (int32_t)q : 0;
        case MODEL_PW_CLAMP:
            return q < ly->lo ? ly->lo : q > ly->hi ? ly->hi : (int32_t)q;
        default:
            break;
        }
    }
    return ly->act[q + half];
}

int64_t
model_weight_at(const zk_model *model, uint32_t l, size_t idx)
{
    return model_version(model) == 2 ? model->weights[l].w64[idx] : model->weights[l].w[idx];
}

int64_t
model_bias_at(const zk_model *model, uint32_t l, size_t i)
{
    return model_version(model) == 2 ? model->weights[l].bias64[i]
                                     : model->weights[l].bias[i];
}

void
model_act_range(const zk_model *model, uint32_t l, int32_t *lo, int32_t *hi)
{
    if (model_version(model) == 2) {
        const model_layer *ly = &model->layer[l];
        int32_t half = (int32_t)1 << (ly->q_bits >= 2 && ly->q_bits <= MODEL_V2_MAX_Q
                                          ? ly->q_bits - 1 : 15);

        switch (ly->act_kind) {
        case MODEL_PW_IDENTITY:
            *lo = -half;
            *hi = half - 1;
            return;
        case MODEL_PW_RELU:
            *lo = 0;
            *hi = half - 1;
            return;
        case MODEL_PW_CLAMP:
            *lo = ly->lo;
            *hi = ly->hi;
            return;
        default:
            *lo = INT16_MIN;
            *hi = INT16_MAX;
            return;
        }
    }
    if (l + 1 == model->n_layers) {
        *lo = INT16_MIN;
        *hi = INT16_MAX;
    } else {
        *lo = INT8_MIN;
        *hi = INT8_MAX;
    }
}

/* ---- validation ---- */

static int
check_range_u32(char *err, uint32_t l, const char *name, uint32_t v, uint32_t lo, uint32_t hi)
{
    if (v < lo || v > hi)
        return zkml_fail(err, MODEL_ERR_INVALID, "layer %u: %s must be in [%u, %u]",
                          (unsigned)l + 1, name, (unsigned)lo, (unsigned)hi);
    return MODEL_OK;
}

/* The scalar fields of layer l (0-based; messages count from 1 as docs/protocol.md does). */
int
model_validate_layer(const zk_model *model, uint32_t l, char *err)
{
    const model_layer *ly = &model->layer[l];
    int rc;

    if ((rc = check_range_u32(err, l, "n", ly->n, 1, MODEL_MAX_DIM)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "m", ly->m, 1, MODEL_MAX_DIM)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "wbits", ly->wbits, 2, MODEL_MAX_BITS)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "Q", ly->q_bits, 2, MODEL_MAX_Q)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "limb width", ly->limb_bits, 1,
                              MODEL_MAX_LIMB_BITS)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "s", ly->shift, 1, MODEL_MAX_SHIFT)) != MODEL_OK)
        return rc;
    if (ly->mult < 1 || ly->mult > 0x7fffffffu)
        return zkml_fail(err, MODEL_ERR_INVALID, "layer %u: M must be in [1, 2^31)",
                          (unsigned)l + 1);
    if (l > 0 && ly->n != model->layer[l - 1].m)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "layer %u: n must equal the outputs m of layer %u",
                          (unsigned)l + 1, (unsigned)l);
    return MODEL_OK;
}

/* Version 2's fields of layer l (docs/protocol.md 12.5). */
int
model_validate_layer_v2(const zk_model *model, uint32_t l, char *err)
{
    const model_layer *ly = &model->layer[l];
    int rc;

    if ((rc = check_range_u32(err, l, "n", ly->n, 1, MODEL_MAX_DIM)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "m", ly->m, 1, MODEL_MAX_DIM)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "s", ly->shift, 1, MODEL_MAX_SHIFT)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "limb width of rem", ly->limb_bits, 1,
                              MODEL_V2_MAX_LIMB_BITS)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "activation kind", ly->act_kind, MODEL_PW_IDENTITY,
                              MODEL_PW_TABLE)) != MODEL_OK ||
        (rc = check_range_u32(err, l, "Q", ly->q_bits, 2, MODEL_V2_MAX_Q)) != MODEL_OK)
        return rc;
    if (ly->act_kind != MODEL_PW_TABLE &&
        (rc = check_range_u32(err, l, "limb width of u", ly->u_bits, 1,
                              MODEL_V2_MAX_LIMB_BITS)) != MODEL_OK)
        return rc;
    if (ly->act_kind == MODEL_PW_CLAMP) {
        int32_t half = (int32_t)1 << (ly->q_bits - 1);

        if (ly->lo < -half || ly->hi >= half || ly->lo > ly->hi)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "layer %u: the clamp must satisfy -2^(Q-1) <= lo <= hi < 2^(Q-1)",
                              (unsigned)l + 1);
    }
    if (l > 0 && ly->n != model->layer[l - 1].m)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "layer %u: n must equal the outputs m of layer %u",
                          (unsigned)l + 1, (unsigned)l);
    return MODEL_OK;
}

static int
validate_table(const zk_model *model, uint32_t l, char *err)
{
    const model_layer *ly = &model->layer[l];

    if (model_version(model) == 2 && ly->act_kind != MODEL_PW_TABLE)
        return MODEL_OK;
    size_t size = (size_t)1 << ly->q_bits, y;
    int32_t lo, hi;

    if (ly->act == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "layer %u: activation table missing",
                          (unsigned)l + 1);
    model_act_range(model, l, &lo, &hi);
    for (y = 0; y < size; y++)
        if (ly->act[y] < lo || ly->act[y] > hi)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "layer %u: activation table entry %zu must be in [%d, %d]%s",
                              (unsigned)l + 1, y, (int)lo, (int)hi,
                              model_version(model) == 2 ? " (int16)"
                              : l + 1 == model->n_layers ? " (last layer: int16)"
                                                         : " (hidden layer: int8)");
    return MODEL_OK;
}

/* Names are shown to auditors and must not be able to move a terminal's cursor. */
int
model_name_is_valid(const char *name, size_t len)
{
    const uint8_t *p = (const uint8_t *)name;
    size_t i = 0;

    if (len > MODEL_MAX_NAME_LEN)
        return 0;
    while (i < len) {
        uint32_t c = p[i], min;
        size_t n, k;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            c &= 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            c &= 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            c &= 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (len - i - 1 < n)
            return 0;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            c = c << 6 | (p[i + k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || (c >= 0x80 && c <= 0x9f))
            return 0;
        i += n + 1;
    }
    return 1;
}

int
model_scale_is_valid(double scale)
{
    return isfinite(scale) && scale > 0.0;
}

/* The interface of a model whose layers are valid: output kind, then every input and
 * output entry (messages count from 1). */
static int
validate_interface(const zk_model *model, char *err)
{
    const model_layer *last = &model->layer[model->n_layers - 1];
    int32_t out_lo = INT16_MIN, out_hi = INT16_MAX;
    uint32_t j, i;

    if (model_version(model) == 2 && last->act_kind != MODEL_PW_TABLE) {
        out_lo = -((int32_t)1 << (last->q_bits - 1));
        out_hi = ((int32_t)1 << (last->q_bits - 1)) - 1;
    }
    if (model->output_kind != MODEL_OUTPUT_SCORE &&
        model->output_kind != MODEL_OUTPUT_PROBABILITY)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "output kind must be 0 (score) or 1 (probability)");
    for (j = 0; model->inputs != NULL && j < model->layer[0].n; j++) {
        const model_io *io = &model->inputs[j];
        const char *nul = memchr(io->name, 0, sizeof io->name);
        uint32_t bits;
        int32_t xmax;

        if (io->bits != 0 && (model_version(model) == 1 ? io->bits != model->xbits
                                                         : io->bits < 2 ||
                                                               io->bits > MODEL_MAX_BITS))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "input %u: the width must be in [2, %u]%s", (unsigned)j + 1,
                              MODEL_MAX_BITS,
                              model_version(model) == 1 ? " and xbits in version 1" : "");
        bits = model_input_bits(model, j);
        xmax = (int32_t)1 << (bits - 1);
        if (nul == NULL || !model_name_is_valid(io->name, (size_t)(nul - io->name)))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "input %u: the name must be UTF-8 of at most %u bytes without "
                              "control characters", (unsigned)j + 1, MODEL_MAX_NAME_LEN);
        if (!model_scale_is_valid(io->scale))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "input %u: the scale must be finite and positive",
                              (unsigned)j + 1);
        if (io->zero_point < -xmax || io->zero_point >= xmax)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "input %u: the zero point must be a signed %u-bit integer",
                              (unsigned)j + 1, (unsigned)bits);
    }
    for (i = 0; model->outputs != NULL && i < last->m; i++) {
        const model_io *io = &model->outputs[i];

        if (io->name[0] != '\0')
            return zkml_fail(err, MODEL_ERR_INVALID, "output %u: outputs have no name",
                              (unsigned)i + 1);
        if (!model_scale_is_valid(io->scale))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "output %u: the scale must be finite and positive",
                              (unsigned)i + 1);
        if ((io->zero_point < out_lo || io->zero_point > out_hi) && out_hi == INT16_MAX)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "output %u: the zero point must be an int16", (unsigned)i + 1);
        if (io->zero_point < out_lo || io->zero_point > out_hi)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "output %u: the zero point must be a signed %u-bit integer",
                              (unsigned)i + 1, (unsigned)last->q_bits);
    }
    return MODEL_OK;
}

int
model_validate_public(const zk_model *model, char *err)
{
    uint32_t l;
    int rc;

    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS)
        return zkml_fail(err, MODEL_ERR_INVALID, "the number of layers must be in [1, %d]",
                          MODEL_MAX_LAYERS);
    if (model->xbits < 2 || model->xbits > MODEL_MAX_BITS)
        return zkml_fail(err, MODEL_ERR_INVALID, "xbits must be in [2, %u]",
                          MODEL_MAX_BITS);
    if (model->version > 2)
        return zkml_fail(err, MODEL_ERR_INVALID, "the model's version must be 1 or 2");
    for (l = 0; l < model->n_layers; l++) {
        if ((rc = model_version(model) == 2 ? model_validate_layer_v2(model, l, err)
                                            : model_validate_layer(model, l, err)) != MODEL_OK ||
            (rc = validate_table(model, l, err)) != MODEL_OK)
            return rc;
    }
    return validate_interface(model, err);
}

int
model_validate(const zk_model *model, char *err)
{
    uint32_t l;
    int rc = model_validate_public(model, err);

    if (rc != MODEL_OK)
        return rc;
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        const model_weights *wt = &model->weights[l];
        size_t i, count = (size_t)ly->m * ly->n;
        int32_t wmax;

        if (model_version(model) == 2) {
            const int64_t vmax = (int64_t)1 << MODEL_V2_MAX_WEIGHT_BITS;

            if (wt->w64 == NULL || wt->bias64 == NULL)
                return zkml_fail(err, MODEL_ERR_INVALID, "layer %u: weights missing",
                                  (unsigned)l + 1);
            for (i = 0; i < count; i++)
                if (wt->w64[i] <= -vmax || wt->w64[i] >= vmax)
                    return zkml_fail(err, MODEL_ERR_INVALID,
                                      "layer %u: weight [%zu][%zu] must be below 2^62 in "
                                      "magnitude", (unsigned)l + 1, i / ly->n, i % ly->n);
            for (i = 0; i < ly->m; i++)
                if (wt->bias64[i] <= -vmax || wt->bias64[i] >= vmax)
                    return zkml_fail(err, MODEL_ERR_INVALID,
                                      "layer %u: bias [%zu] must be below 2^62 in magnitude",
                                      (unsigned)l + 1, i);
            continue;
        }
        if (wt->w == NULL || wt->bias == NULL)
            return zkml_fail(err, MODEL_ERR_INVALID, "layer %u: weights missing",
                              (unsigned)l + 1);
        wmax = (int32_t)1 << (ly->wbits - 1);       /* version 1: wbits is 2 .. 16 */
        for (i = 0; i < count; i++)
            if (wt->w[i] < -wmax || wt->w[i] >= wmax)
                return zkml_fail(err, MODEL_ERR_INVALID,
                                  "layer %u: weight [%zu][%zu] must be a signed %u-bit integer",
                                  (unsigned)l + 1, i / ly->n, i % ly->n,
                                  (unsigned)ly->wbits);
    }
    return MODEL_OK;
}

/* ---- activation tables ---- */

static const char *const ACT_NAMES[] = {"identity", "relu", "sigmoid", "tanh"};

double
model_act_eval(model_act_kind kind, double x)
{
    switch (kind) {
    case MODEL_ACT_IDENTITY:
        return x;
    case MODEL_ACT_RELU:
        return x > 0.0 ? x : 0.0;
    case MODEL_ACT_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case MODEL_ACT_TANH:
        return tanh(x);
    }
    return 0.0;
}

const char *
model_act_name(model_act_kind kind)
{
    return (unsigned)kind < sizeof ACT_NAMES / sizeof ACT_NAMES[0] ? ACT_NAMES[kind] : "?";
}

int
model_act_from_name(const char *name, model_act_kind *kind)
{
    size_t k;

    for (k = 0; k < sizeof ACT_NAMES / sizeof ACT_NAMES[0]; k++)
        if (strcmp(name, ACT_NAMES[k]) == 0) {
            *kind = (model_act_kind)k;
            return 1;
        }
    return 0;
}

int
model_act_fill(int32_t *table, uint32_t q_bits, model_act_kind kind, double in_scale,
               double out_scale, int32_t out_lo, int32_t out_hi, char *err)
{
    int64_t half, y, size;

    if (q_bits < 1 || q_bits > MODEL_MAX_Q)
        return zkml_fail(err, MODEL_ERR_INVALID, "activation: Q must be in [1, %u]",
                          MODEL_MAX_Q);
    if (!isfinite(in_scale) || !(in_scale > 0.0) || !isfinite(out_scale) ||
        !(out_scale > 0.0))
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "activation: scales must be finite and positive");
    if (kind != MODEL_ACT_IDENTITY && kind != MODEL_ACT_RELU && kind != MODEL_ACT_SIGMOID &&
        kind != MODEL_ACT_TANH)
        return zkml_fail(err, MODEL_ERR_INVALID, "activation: unknown kind");
    if (out_lo > out_hi)
        return zkml_fail(err, MODEL_ERR_INVALID, "activation: min must not exceed max");
    size = (int64_t)1 << q_bits;
    half = size / 2;
    for (y = 0; y < size; y++) {
        double v = floor(model_act_eval(kind, (double)(y - half) * in_scale) / out_scale + 0.5);

        /* compare as doubles first: converting an out-of-range double is undefined */
        if (!(v >= (double)out_lo))
            table[y] = out_lo;          /* also NaN, which no kind above produces */
        else if (v > (double)out_hi)
            table[y] = out_hi;
        else
            table[y] = (int32_t)v;
    }
    return MODEL_OK;
}

/* ---- the forward pass ---- */

void
model_requantize(int64_t y, uint32_t mult, uint32_t shift, __int128 *q, uint64_t *rem)
{
    /* |M·Y| < 2^95 and 2^(s-1) <= 2^63: t fits easily in 128 bits */
    __int128 t = (__int128)mult * y + ((__int128)1 << (shift - 1));
    __int128 pow = (__int128)1 << shift;
    __int128 fq;

    /* floor division, spelled out: C's '/' truncates toward zero */
    if (t >= 0)
        fq = t / pow;
    else
        fq = -((-t + pow - 1) / pow);
    *q = fq;
    *rem = (uint64_t)(t - fq * pow);
}

void
model_trace_free(model_trace *trace)
{
    uint32_t l;

    for (l = 0; l < MODEL_MAX_LAYERS; l++) {
        model_layer_trace *lt = &trace->layer[l];

        free(lt->y);
        free(lt->q);
        free(lt->rem);
        free(lt->limbs);
        free(lt->a);
    }
    free(trace->out);
    memset(trace, 0, sizeof *trace);
}

static int
trace_alloc_layer(model_layer_trace *lt, const model_layer *ly, size_t batch, int with_y)
{
    unsigned widths[MODEL_MAX_LIMBS], offsets[MODEL_MAX_LIMBS];
    size_t entries;

    if (batch > SIZE_MAX / ly->m)
        return -1;
    entries = (size_t)ly->m * batch;
    lt->m = ly->m;
    lt->n_limbs = model_limb_plan(ly, widths, offsets);
    lt->q = alloc_array(entries, sizeof *lt->q);
    lt->rem = alloc_array(entries, sizeof *lt->rem);
    lt->a = alloc_array(entries, sizeof *lt->a);
    lt->limbs = entries > SIZE_MAX / lt->n_limbs ? NULL
                                                 : alloc_array(entries * lt->n_limbs,
                                                               sizeof *lt->limbs);
    if (with_y)
        lt->y = alloc_array(entries, sizeof *lt->y);
    if (lt->q == NULL || lt->rem == NULL || lt->a == NULL || lt->limbs == NULL ||
        (with_y && lt->y == NULL))
        return -1;
    return 0;
}

/*
 * One layer.  in is the layer's input, entry-major (feature j of row b at j·B + b); acc
 * is scratch for B sums, filled row of W by row of W so the inner loop runs along the
 * batch.  Bounds: |W| <= 2^15, |x| <= 2^15, n <= 2^16, |bias| <= 2^31, so |Y| < 2^47
 * fits in int64 whatever the (validated) inputs.  On MODEL_ERR_RANGE, *failed_row is
 * the batch row.
 */
static int
forward_layer(model_layer_trace *lt, const model_layer *ly, const model_weights *wt,
              const int32_t *in, size_t batch, int64_t *acc, uint32_t l, size_t *failed_row,
              char *err)
{
    unsigned widths[MODEL_MAX_LIMBS], offsets[MODEL_MAX_LIMBS], k;
    int64_t half = (int64_t)1 << (ly->q_bits - 1);
    size_t i, j, b;

    model_limb_plan(ly, widths, offsets);
    for (i = 0; i < ly->m; i++) {
        const int32_t *row = wt->w + i * ly->n;

        for (b = 0; b < batch; b++)
            acc[b] = wt->bias[i];
        for (j = 0; j < ly->n; j++) {
            const int32_t *xj = in + j * batch;
            int64_t wij = row[j];

            for (b = 0; b < batch; b++)
                acc[b] += wij * xj[b];
        }
        for (b = 0; b < batch; b++) {
            size_t e = i * batch + b;
            __int128 q;
            uint64_t rem;

            model_requantize(acc[b], ly->mult, ly->shift, &q, &rem);
            if (q < -half || q >= half) {
                *failed_row = b;
                return zkml_fail(err, MODEL_ERR_RANGE,
                                  "layer %u, batch row %zu: a requantized value is outside "
                                  "the activation table range [-2^%u, 2^%u)",
                                  (unsigned)l + 1, b, (unsigned)ly->q_bits - 1,
                                  (unsigned)ly->q_bits - 1);
            }
            if (lt->y != NULL)
                lt->y[e] = acc[b];
            lt->q[e] = (int32_t)q;
            lt->rem[e] = rem;
            for (k = 0; k < lt->n_limbs; k++) {
                uint64_t mask = widths[k] >= 64 ? UINT64_MAX : ((uint64_t)1 << widths[k]) - 1;

                lt->limbs[((size_t)k * ly->m + i) * batch + b] =
                    (uint32_t)((rem >> offsets[k]) & mask);
            }
            lt->a[e] = ly->act[(int64_t)q + half];
        }
    }
    return MODEL_OK;
}

/*
 * One layer of version 2 (docs/protocol.md 6.4): Y' = W'·X + b' over the integers (in
 * 128 bits: |W'| < 2^62, |x| < 2^16, n <= 2^16), q = floor((Y' + 2^(s-1)) / 2^s), then
 * the kind's activation.  As forward_layer otherwise; y, when kept, saturates at int64.
 */
static int
forward_layer_v2(model_layer_trace *lt, const zk_model *model, uint32_t l, const int32_t *in,
                 size_t batch, __int128 *acc, size_t *failed_row, char *err)
{
    const model_layer *ly = &model->layer[l];
    const model_weights *wt = &model->weights[l];
    unsigned widths[MODEL_MAX_LIMBS], offsets[MODEL_MAX_LIMBS], k;
    int64_t half = (int64_t)1 << (ly->q_bits - 1);
    size_t i, j, b;

    model_limb_plan(ly, widths, offsets);
    for (i = 0; i < ly->m; i++) {
        const int64_t *row = wt->w64 + i * ly->n;

        for (b = 0; b < batch; b++)
            acc[b] = wt->bias64[i];
        for (j = 0; j < ly->n; j++) {
            const int32_t *xj = in + j * batch;
            __int128 wij = row[j];

            if (wij == 0)
                continue;
            for (b = 0; b < batch; b++)
                acc[b] += wij * xj[b];
        }
        for (b = 0; b < batch; b++) {
            size_t e = i * batch + b;
            __int128 t = acc[b] + ((__int128)1 << (ly->shift - 1));
            __int128 pow = (__int128)1 << ly->shift, q;
            uint64_t rem;

            q = t >= 0 ? t / pow : -((-t + pow - 1) / pow);
            rem = (uint64_t)(t - q * pow);
            if (q < -half || q >= half) {
                *failed_row = b;
                return zkml_fail(err, MODEL_ERR_RANGE,
                                  "layer %u, batch row %zu: a requantized value is outside "
                                  "the layer's range [-2^%u, 2^%u)",
                                  (unsigned)l + 1, b, (unsigned)ly->q_bits - 1,
                                  (unsigned)ly->q_bits - 1);
            }
            if (lt->y != NULL)
                lt->y[e] = acc[b] > INT64_MAX ? INT64_MAX
                           : acc[b] < INT64_MIN ? INT64_MIN : (int64_t)acc[b];
            lt->q[e] = (int32_t)q;
            lt->rem[e] = rem;
            for (k = 0; k < lt->n_limbs; k++) {
                uint64_t mask = widths[k] >= 64 ? UINT64_MAX : ((uint64_t)1 << widths[k]) - 1;

                lt->limbs[((size_t)k * ly->m + i) * batch + b] =
                    (uint32_t)((rem >> offsets[k]) & mask);
            }
            lt->a[e] = model_act_apply(model, l, (int64_t)q);
        }
    }
    return MODEL_OK;
}

/* x (B x n_1, row-major) checked against each input's width and transposed to
 * entry-major. */
static int
forward_input(int32_t **out, const zk_model *model, const int32_t *x, size_t batch, char *err)
{
    size_t n = model->layer[0].n, b, j;
    int32_t xmax;
    int32_t *in;

    if (batch > SIZE_MAX / n)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    in = alloc_array(n * batch, sizeof *in);
    if (in == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    for (b = 0; b < batch; b++) {
        for (j = 0; j < n; j++) {
            int32_t v = x[b * n + j];
            uint32_t bits = model_input_bits(model, (uint32_t)j);

            xmax = (int32_t)1 << (bits - 1);
            if (v < -xmax || v >= xmax) {
                free(in);
                return zkml_fail(err, MODEL_ERR_INVALID,
                                  "input row %zu, feature %zu: must be a signed %u-bit integer",
                                  b, j, (unsigned)bits);
            }
            in[j * batch + b] = v;
        }
    }
    *out = in;
    return MODEL_OK;
}

int
model_forward(model_trace *trace, const zk_model *model, const int32_t *x, size_t batch,
              int with_y, char *err)
{
    int32_t *in = NULL;
    int64_t *acc = NULL;
    __int128 *acc128 = NULL;
    uint32_t l, last;
    size_t i, b, m_last, failed_row = 0;
    int rc;

    memset(trace, 0, sizeof *trace);
    if ((rc = model_validate(model, err)) != MODEL_OK)
        return rc;
    if (batch < 1)
        return zkml_fail(err, MODEL_ERR_INVALID, "the batch must have at least one row");
    if ((rc = forward_input(&in, model, x, batch, err)) != MODEL_OK)
        return rc;
    acc = alloc_array(batch, sizeof *acc);
    if (model_version(model) == 2)
        acc128 = alloc_array(batch, sizeof *acc128);
    if (acc == NULL || (model_version(model) == 2 && acc128 == NULL)) {
        free(acc);
        free(in);
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    }
    trace->n_layers = model->n_layers;
    trace->batch = batch;
    for (l = 0; l < model->n_layers; l++) {
        model_layer_trace *lt = &trace->layer[l];

        if (trace_alloc_layer(lt, &model->layer[l], batch, with_y) != 0) {
            rc = zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
            goto fail;
        }
        if (model_version(model) == 2)
            rc = forward_layer_v2(lt, model, l, l == 0 ? in : trace->layer[l - 1].a, batch,
                                  acc128, &failed_row, err);
        else
            rc = forward_layer(lt, &model->layer[l], &model->weights[l],
                               l == 0 ? in : trace->layer[l - 1].a, batch, acc, l,
                               &failed_row, err);
        if (rc != MODEL_OK)
            goto fail;
        if (zkml_interrupted()) {               /* a large batch: ask between layers */
            rc = zkml_fail(err, MODEL_ERR_INVALID, "interrupted");
            goto fail;
        }
    }
    last = model->n_layers - 1;
    m_last = model->layer[last].m;
    trace->out = alloc_array(m_last * batch, sizeof *trace->out);
    if (trace->out == NULL) {
        rc = zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (i = 0; i < m_last; i++)
        for (b = 0; b < batch; b++)
            trace->out[b * m_last + i] = trace->layer[last].a[i * batch + b];
    free(in);
    free(acc);
    free(acc128);
    return MODEL_OK;
fail:
    free(in);
    free(acc);
    free(acc128);
    model_trace_free(trace);
    if (rc == MODEL_ERR_RANGE)
        trace->failed_row = failed_row;
    return rc;
}

/* ---- the interface: real values to integers and back ---- */

/* The shortest %g form that reads back as v (at most 17 digits), for messages. */
static void
format_real(char *buf, size_t len, double v)
{
    int digits;

    for (digits = 1; digits < 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
    snprintf(buf, len, "%.17g", v);
}

int
model_input_range(const zk_model *model, uint32_t j, double *min, double *max)
{
    int32_t top;

    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS || model->xbits < 2 ||
        model->xbits > MODEL_MAX_BITS || j >= model->layer[0].n)
        return MODEL_ERR_INVALID;
    top = (int32_t)1 << (model_input_bits(model, j) - 1);
    *min = model_dequantize_input(model, j, -top);
    *max = model_dequantize_input(model, j, top - 1);
    return MODEL_OK;
}

/* err: feature j (by name, or by position if it has none) and what is wrong with it. */
static int
feature_fail(char *err, int code, const zk_model *model, uint32_t j, const char *what)
{
    const model_io *io = model_input_io(model, j);

    if (io->name[0] != '\0')
        return zkml_fail(err, code, "feature \"%s\" %s", io->name, what);
    return zkml_fail(err, code, "feature %u %s", (unsigned)j + 1, what);
}

int
model_quantize_features(const zk_model *model, const double *features, int32_t *out,
                        char *err)
{
    return model_quantize_features_policy(model, features, MODEL_FEATURES_SATURATE, out,
                                          NULL, err);
}

int
model_quantize_features_policy(const zk_model *model, const double *features,
                               model_feature_policy policy, int32_t *out,
                               uint32_t *failed, char *err)
{
    double lo, hi;
    uint32_t j;

    /* enough of model_validate_public for this function to be safe; the full check
     * (every table) would cost more than the row */
    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS || model->xbits < 2 ||
        model->xbits > MODEL_MAX_BITS)
        return zkml_fail(err, MODEL_ERR_INVALID, "the model is not valid");
    for (j = 0; j < model->layer[0].n; j++) {
        const model_io *io = model_input_io(model, j);
        uint32_t bits = model_input_bits(model, j);
        double t;

        if (bits < 2 || bits > MODEL_MAX_BITS)
            return zkml_fail(err, MODEL_ERR_INVALID, "the model is not valid");
        lo = -ldexp(1.0, (int)bits - 1);
        hi = ldexp(1.0, (int)bits - 1) - 1.0;
        if (failed != NULL)
            *failed = j;
        if (!isfinite(features[j]))
            return feature_fail(err, MODEL_ERR_INVALID, model, j,
                                "is not a finite number (NaN or infinite)");
        if (!model_scale_is_valid(io->scale))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "input %u: the scale must be finite and positive",
                              (unsigned)j + 1);
        /* one IEEE operation per statement: nothing for a compiler to contract */
        t = features[j] / io->scale;
        t = t + (double)io->zero_point;
        t = round(t);
        /* t may be infinite after an overflowing division: the comparisons saturate it */
        if ((t < lo || t > hi) && policy == MODEL_FEATURES_REFUSE) {
            char what[128], min_s[32], max_s[32];
            double min, max;

            model_input_range(model, j, &min, &max);
            format_real(min_s, sizeof min_s, min);
            format_real(max_s, sizeof max_s, max);
            snprintf(what, sizeof what,
                     "lies outside the range the model's inputs represent, [%s, %s]", min_s,
                     max_s);
            return feature_fail(err, MODEL_ERR_FEATURE_RANGE, model, j, what);
        }
        if (t < lo)
            out[j] = (int32_t)lo;
        else if (t > hi)
            out[j] = (int32_t)hi;
        else
            out[j] = (int32_t)t;
    }
    return MODEL_OK;
}

double
model_dequantize_input(const zk_model *model, uint32_t j, int32_t v)
{
    const model_io *io;

    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS || j >= model->layer[0].n)
        return NAN;
    io = model_input_io(model, j);
    return (double)((int64_t)v - io->zero_point) * io->scale;
}

double
model_dequantize_output(const zk_model *model, uint32_t i, int32_t v)
{
    const model_io *io;

    if (model->n_layers < 1 || model->n_layers > MODEL_MAX_LAYERS ||
        i >= model->layer[model->n_layers - 1].m)
        return NAN;
    io = model_output_io(model, i);
    return (double)((int64_t)v - io->zero_point) * io->scale;
}
