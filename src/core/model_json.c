/*
 * model_json.c: the quantized model document, Q.json (model.h): reading it, with every
 * problem named by its JSON path, and writing it back.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "model_internal.h"

/* ---- the quantized model document (Q.json) ---- */

#define PATH_LEN 128

/* A JSON path for an error message; long paths are cut, never overflowed. */
__attribute__((format(printf, 2, 3))) static void
path_format(char *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static int
json_check_keys(const json_value *obj, const char *const *allowed, const char *path,
                char *err)
{
    const char *key = json_unknown_key(obj, allowed);

    if (key != NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: unknown key \"%.40s\"", path, key);
    return MODEL_OK;
}

static int
json_expect(const json_value *v, json_kind kind, const char *path, char *err)
{
    if (v->kind != kind)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must be %s, not %s", path,
                          json_kind_name(kind), json_kind_name(v->kind));
    return MODEL_OK;
}

/* An integer in [lo, hi] at path. */
static int
json_int_in(const json_value *v, int64_t lo, int64_t hi, const char *path, const char *what,
            int64_t *out, char *err)
{
    if (v->kind != JSON_INT || v->i < lo || v->i > hi)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must be an integer %s [%lld, %lld]",
                          path, what, (long long)lo, (long long)hi);
    *out = v->i;
    return MODEL_OK;
}

/* Optional member key of obj, an integer in [lo, hi], dflt when absent. */
static int
json_member_u32(const json_value *obj, const char *key, const char *parent, uint32_t lo,
                uint32_t hi, uint32_t dflt, int required, uint32_t *out, char *err)
{
    const json_value *v = json_get(obj, key);
    char path[PATH_LEN];
    int64_t i = 0;
    int rc;

    path_format(path, "%s%s%s", parent, parent[0] != '\0' ? "." : "", key);
    if (v == NULL) {
        if (required)
            return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", path);
        *out = dflt;
        return MODEL_OK;
    }
    if ((rc = json_int_in(v, lo, hi, path, "in", &i, err)) != MODEL_OK)
        return rc;
    *out = (uint32_t)i;
    return MODEL_OK;
}

static int
json_member_scale(const json_value *obj, const char *key, const char *parent, double *out,
                  char *err)
{
    const json_value *v = json_get(obj, key);

    *out = 1.0;
    if (v == NULL)
        return MODEL_OK;
    if ((v->kind != JSON_INT && v->kind != JSON_NUMBER) || !(v->d > 0.0) || !isfinite(v->d))
        return zkml_fail(err, MODEL_ERR_INVALID, "%s.%s: must be a positive number", parent,
                          key);
    *out = v->d;
    return MODEL_OK;
}

/* {"kind": "table", "table": [...]}: 2^Q integers within the layer's output range. */
static int
parse_explicit_table(model_layer *ly, const json_value *act, const char *path, int32_t lo,
                     int32_t hi, char *err)
{
    static const char *const keys[] = {"kind", "table", NULL};
    const json_value *t = json_get(act, "table");
    char ipath[PATH_LEN];
    size_t y, size = (size_t)1 << ly->q_bits;
    int64_t v = 0;
    int rc;

    if ((rc = json_check_keys(act, keys, path, err)) != MODEL_OK)
        return rc;
    path_format(ipath, "%s.table", path);
    if (t == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", ipath);
    if ((rc = json_expect(t, JSON_ARRAY, ipath, err)) != MODEL_OK)
        return rc;
    if (t->len != size)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must have 2^Q = %zu entries", ipath,
                          size);
    for (y = 0; y < size; y++) {
        path_format(ipath, "%s.table[%zu]", path, y);
        if ((rc = json_int_in(&t->items[y], lo, hi, ipath, "in the output range", &v, err)) !=
            MODEL_OK)
            return rc;
        ly->act[y] = (int32_t)v;
    }
    return MODEL_OK;
}

/* Optional "min" and "max": within the layer's output range [*lo, *hi], min <= max. */
static int
parse_act_bounds(const json_value *act, const char *path, int32_t *lo, int32_t *hi,
                 char *err)
{
    const json_value *vmin = json_get(act, "min"), *vmax = json_get(act, "max");
    char mpath[PATH_LEN];
    int64_t v = 0;
    int rc;

    if (vmin != NULL) {
        path_format(mpath, "%s.min", path);
        if ((rc = json_int_in(vmin, *lo, *hi, mpath, "in", &v, err)) != MODEL_OK)
            return rc;
        *lo = (int32_t)v;
    }
    if (vmax != NULL) {
        path_format(mpath, "%s.max", path);
        if ((rc = json_int_in(vmax, *lo, *hi, mpath, "in", &v, err)) != MODEL_OK)
            return rc;
        *hi = (int32_t)v;
    }
    return MODEL_OK;
}

static int
parse_activation(zk_model *model, uint32_t l, const json_value *act, const char *path,
                 char *err)
{
    static const char *const keys[] = {"kind", "in_scale", "out_scale", "min", "max", NULL};
    model_layer *ly = &model->layer[l];
    const json_value *kind;
    char kpath[PATH_LEN];
    double in_scale, out_scale;
    int32_t lo, hi;
    model_act_kind named;
    int rc;

    model_act_range(model, l, &lo, &hi);
    if ((rc = json_expect(act, JSON_OBJECT, path, err)) != MODEL_OK)
        return rc;
    ly->act = alloc_array((size_t)1 << ly->q_bits, sizeof *ly->act);
    if (ly->act == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    kind = json_get(act, "kind");
    path_format(kpath, "%s.kind", path);
    if (kind == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", kpath);
    if ((rc = json_expect(kind, JSON_STRING, kpath, err)) != MODEL_OK)
        return rc;
    if (strcmp(kind->str, "table") == 0)
        return parse_explicit_table(ly, act, path, lo, hi, err);
    if (!model_act_from_name(kind->str, &named))
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "%s: must be identity, relu, sigmoid, tanh or table", kpath);
    if ((rc = json_check_keys(act, keys, path, err)) != MODEL_OK ||
        (rc = json_member_scale(act, "in_scale", path, &in_scale, err)) != MODEL_OK ||
        (rc = json_member_scale(act, "out_scale", path, &out_scale, err)) != MODEL_OK)
        return rc;
    if ((rc = parse_act_bounds(act, path, &lo, &hi, err)) != MODEL_OK)
        return rc;
    return model_act_fill(ly->act, ly->q_bits, named, in_scale, out_scale, lo, hi,
                          err);
}

/* An integer of a weight matrix or bias at path: version 1 within [lo, hi] into an int32,
 * version 2 below 2^62 in magnitude into an int64. */
static int
parse_entry(const json_value *v, int v2, int64_t lo, int64_t hi, const char *what,
            int32_t *w32, int64_t *w64, const char *path, char *err)
{
    const int64_t vmax = ((int64_t)1 << MODEL_V2_MAX_WEIGHT_BITS) - 1;
    int64_t x = 0;
    int rc;

    if ((rc = json_int_in(v, v2 ? -vmax : lo, v2 ? vmax : hi, path, v2 ? "in" : what, &x,
                          err)) != MODEL_OK)
        return rc;
    if (v2)
        *w64 = x;
    else
        *w32 = (int32_t)x;
    return MODEL_OK;
}

/* "weights": m rows of n integers (version 1: within wbits; version 2: W', below 2^62);
 * n is fixed by the first row (layer 0) or by the previous layer's m. */
static int
parse_weights(zk_model *model, uint32_t l, const json_value *lj, int v2, const char *path,
              char *err)
{
    model_layer *ly = &model->layer[l];
    model_weights *wt = &model->weights[l];
    int64_t wmax = v2 ? 0 : (int64_t)1 << (ly->wbits - 1);
    const json_value *w = json_get(lj, "weights");
    char ipath[PATH_LEN];
    size_t i, j;
    int rc;

    path_format(ipath, "%s.weights", path);
    if (w == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", ipath);
    if ((rc = json_expect(w, JSON_ARRAY, ipath, err)) != MODEL_OK)
        return rc;
    if (w->len < 1 || w->len > MODEL_MAX_DIM)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must have 1 to %u rows", ipath,
                          MODEL_MAX_DIM);
    ly->m = (uint32_t)w->len;
    for (i = 0; i < w->len; i++) {
        const json_value *row = &w->items[i];

        path_format(ipath, "%s.weights[%zu]", path, i);
        if ((rc = json_expect(row, JSON_ARRAY, ipath, err)) != MODEL_OK)
            return rc;
        if (i == 0 && l == 0) {
            if (row->len < 1 || row->len > MODEL_MAX_DIM)
                return zkml_fail(err, MODEL_ERR_INVALID, "%s: must have 1 to %u entries",
                                  ipath, MODEL_MAX_DIM);
            ly->n = (uint32_t)row->len;
        } else if (i == 0) {
            ly->n = model->layer[l - 1].m;
        }
        if (row->len != ly->n)
            return zkml_fail(err, MODEL_ERR_INVALID,
                              l > 0 ? "%s: must have %u entries (the previous layer's outputs)"
                                    : "%s: must have %u entries (as row 0)",
                              ipath, (unsigned)ly->n);
    }
    if (v2)
        wt->w64 = alloc_array((size_t)ly->m * ly->n, sizeof(int64_t));
    else
        wt->w = alloc_array((size_t)ly->m * ly->n, sizeof(int32_t));
    if (wt->w64 == NULL && wt->w == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    for (i = 0; i < ly->m; i++) {
        for (j = 0; j < ly->n; j++) {
            size_t idx = i * ly->n + j;

            path_format(ipath, "%s.weights[%zu][%zu]", path, i, j);
            if ((rc = parse_entry(&w->items[i].items[j], v2, -wmax, wmax - 1,
                                  "within wbits,", v2 ? NULL : &wt->w[idx],
                                  v2 ? &wt->w64[idx] : NULL, ipath, err)) != MODEL_OK)
                return rc;
        }
    }
    return MODEL_OK;
}

/* "bias": m integers (version 1: int32; version 2: b', below 2^62). */
static int
parse_bias(zk_model *model, uint32_t l, const json_value *lj, int v2, const char *path,
           char *err)
{
    model_weights *wt = &model->weights[l];
    const json_value *b = json_get(lj, "bias");
    char ipath[PATH_LEN];
    size_t i;
    int rc;

    path_format(ipath, "%s.bias", path);
    if (b == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", ipath);
    if ((rc = json_expect(b, JSON_ARRAY, ipath, err)) != MODEL_OK)
        return rc;
    if (b->len != model->layer[l].m)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must have %u entries (one per row)",
                          ipath, (unsigned)model->layer[l].m);
    if (v2)
        wt->bias64 = alloc_array(b->len, sizeof(int64_t));
    else
        wt->bias = alloc_array(b->len, sizeof(int32_t));
    if (wt->bias64 == NULL && wt->bias == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    for (i = 0; i < b->len; i++) {
        path_format(ipath, "%s.bias[%zu]", path, i);
        if ((rc = parse_entry(&b->items[i], v2, INT32_MIN, INT32_MAX, "in",
                              v2 ? NULL : &wt->bias[i], v2 ? &wt->bias64[i] : NULL, ipath,
                              err)) != MODEL_OK)
            return rc;
    }
    return MODEL_OK;
}

static int parse_activation_v2(zk_model *model, uint32_t l, const json_value *act,
                               const char *path, char *err);
static int fold_multipliers(zk_model *model, uint32_t l, const json_value *lj,
                            const char *path, char *err);

/* A layer of either version: its parameters, weights, bias, (version 2: M folded,) and
 * activation. */
static int
parse_layer(zk_model *model, uint32_t l, const json_value *lj, int v2, char *err)
{
    static const char *const keys_v1[] = {"weights", "bias", "wbits", "M", "s", "Q",
                                          "limb_bits", "activation", NULL};
    static const char *const keys_v2[] = {"weights", "bias", "M", "s", "Q", "limb_bits",
                                          "u_bits", "activation", NULL};
    model_layer *ly = &model->layer[l];
    const json_value *act;
    char path[PATH_LEN], apath[PATH_LEN];
    int rc;

    path_format(path, "layers[%u]", (unsigned)l);
    if ((rc = json_expect(lj, JSON_OBJECT, path, err)) != MODEL_OK ||
        (rc = json_check_keys(lj, v2 ? keys_v2 : keys_v1, path, err)) != MODEL_OK)
        return rc;
    if (v2) {
        ly->mult = 1;
        rc = json_member_u32(lj, "u_bits", path, 1, MODEL_V2_MAX_LIMB_BITS,
                             MODEL_V2_DEFAULT_U_BITS, 0, &ly->u_bits, err);
    } else if ((rc = json_member_u32(lj, "wbits", path, 2, MODEL_MAX_BITS, MODEL_DEFAULT_BITS,
                                     0, &ly->wbits, err)) == MODEL_OK) {
        rc = json_member_u32(lj, "M", path, 1, 0x7fffffffu, 0, 1, &ly->mult, err);
    }
    if (rc != MODEL_OK ||
        (rc = json_member_u32(lj, "s", path, 1, MODEL_MAX_SHIFT, 0, 1, &ly->shift, err)) !=
            MODEL_OK ||
        (rc = json_member_u32(lj, "Q", path, 2, v2 ? MODEL_V2_MAX_Q : MODEL_MAX_Q,
                              MODEL_DEFAULT_Q, 0, &ly->q_bits, err)) != MODEL_OK ||
        (rc = json_member_u32(lj, "limb_bits", path, 1,
                              v2 ? MODEL_V2_MAX_LIMB_BITS : MODEL_MAX_LIMB_BITS,
                              MODEL_DEFAULT_LIMB_BITS, 0, &ly->limb_bits, err)) != MODEL_OK ||
        (rc = parse_weights(model, l, lj, v2, path, err)) != MODEL_OK ||
        (rc = parse_bias(model, l, lj, v2, path, err)) != MODEL_OK ||
        (v2 && (rc = fold_multipliers(model, l, lj, path, err)) != MODEL_OK))
        return rc;
    act = json_get(lj, "activation");
    path_format(apath, "%s.activation", path);
    if (act == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", apath);
    return v2 ? parse_activation_v2(model, l, act, apath, err)
              : parse_activation(model, l, act, apath, err);
}

/* An integer zero point in [lo, hi] at parent.zero_point, 0 when absent. */
static int
json_member_zero_point(const json_value *obj, const char *parent, int32_t lo, int32_t hi,
                       int32_t *out, char *err)
{
    const json_value *v = json_get(obj, "zero_point");
    char path[PATH_LEN];
    int64_t i = 0;
    int rc;

    *out = 0;
    if (v == NULL)
        return MODEL_OK;
    path_format(path, "%s.zero_point", parent);
    if ((rc = json_int_in(v, lo, hi, path, "in", &i, err)) != MODEL_OK)
        return rc;
    *out = (int32_t)i;
    return MODEL_OK;
}

/* "inputs" (n_1 entries) or "outputs" (m_L entries): optional, defaults otherwise.
 * Version 2 inputs (bits != 0) may carry their "bits" (default bits), and their zero
 * points are within their own width. */
static int
parse_io_array(model_io **out, const json_value *root, const char *key, uint32_t count,
               int32_t zp_lo, int32_t zp_hi, uint32_t bits, char *err)
{
    static const char *const input_keys[] = {"name", "scale", "zero_point", NULL};
    static const char *const input_keys_v2[] = {"name", "scale", "zero_point", "bits", NULL};
    static const char *const output_keys[] = {"scale", "zero_point", NULL};
    int is_input = strcmp(key, "inputs") == 0;
    const json_value *arr = json_get(root, key);
    char path[PATH_LEN], npath[PATH_LEN];
    model_io *io;
    uint32_t k;
    int rc;

    io = alloc_array(count, sizeof *io);
    if (io == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    *out = io;
    for (k = 0; k < count; k++) {
        io[k].scale = 1.0;
        io[k].bits = bits;
    }
    if (arr == NULL)
        return MODEL_OK;
    if ((rc = json_expect(arr, JSON_ARRAY, key, err)) != MODEL_OK)
        return rc;
    if (arr->len != count)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must have %u entries (%s)", key,
                          (unsigned)count,
                          is_input ? "the first layer's inputs" : "the last layer's outputs");
    for (k = 0; k < count; k++) {
        const json_value *e = &arr->items[k], *name;

        path_format(path, "%s[%u]", key, (unsigned)k);
        if ((rc = json_expect(e, JSON_OBJECT, path, err)) != MODEL_OK ||
            (rc = json_check_keys(e, !is_input ? output_keys
                                     : bits != 0 ? input_keys_v2 : input_keys, path, err)) !=
                MODEL_OK ||
            (rc = json_member_scale(e, "scale", path, &io[k].scale, err)) != MODEL_OK)
            return rc;
        if (bits != 0) {
            if ((rc = json_member_u32(e, "bits", path, 2, MODEL_MAX_BITS, bits, 0,
                                      &io[k].bits, err)) != MODEL_OK)
                return rc;
            zp_lo = -((int32_t)1 << (io[k].bits - 1));
            zp_hi = ((int32_t)1 << (io[k].bits - 1)) - 1;
        }
        if ((rc = json_member_zero_point(e, path, zp_lo, zp_hi, &io[k].zero_point, err)) !=
            MODEL_OK)
            return rc;
        name = json_get(e, "name");
        if (name == NULL)
            continue;
        path_format(npath, "%s.name", path);
        if ((rc = json_expect(name, JSON_STRING, npath, err)) != MODEL_OK)
            return rc;
        if (!model_name_is_valid(name->str, name->len))
            return zkml_fail(err, MODEL_ERR_INVALID,
                              "%s: must be at most %u bytes without control characters",
                              npath, MODEL_MAX_NAME_LEN);
        memcpy(io[k].name, name->str, name->len);
        io[k].name[name->len] = '\0';
    }
    return MODEL_OK;
}

/* The interface: "inputs", "outputs", "output_kind" (model.h); the layers are parsed.
 * Version 2: each input its own width (default xbits, which then becomes the widest),
 * and the outputs of a kind 0-2 last layer signed Q_L-bit. */
static int
parse_interface(zk_model *model, const json_value *root, int v2, char *err)
{
    const json_value *kind = json_get(root, "output_kind");
    const model_layer *last = &model->layer[model->n_layers - 1];
    int32_t xmax = (int32_t)1 << (model->xbits - 1), out_lo = INT16_MIN, out_hi = INT16_MAX;
    uint32_t j;
    int rc;

    if (v2 && last->act_kind != MODEL_PW_TABLE) {
        out_lo = -((int32_t)1 << (last->q_bits - 1));
        out_hi = ((int32_t)1 << (last->q_bits - 1)) - 1;
    }
    if ((rc = parse_io_array(&model->inputs, root, "inputs", model->layer[0].n, -xmax,
                             xmax - 1, v2 ? model->xbits : 0, err)) != MODEL_OK ||
        (rc = parse_io_array(&model->outputs, root, "outputs", last->m, out_lo, out_hi, 0,
                             err)) != MODEL_OK)
        return rc;
    if (v2) {
        model->xbits = 2;
        for (j = 0; j < model->layer[0].n; j++)
            if (model->inputs[j].bits > model->xbits)
                model->xbits = model->inputs[j].bits;
    }
    model->output_kind = MODEL_OUTPUT_SCORE;
    if (kind == NULL)
        return MODEL_OK;
    if (kind->kind == JSON_STRING && strcmp(kind->str, "probability") == 0)
        model->output_kind = MODEL_OUTPUT_PROBABILITY;
    else if (kind->kind != JSON_STRING || strcmp(kind->str, "score") != 0)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "output_kind: must be \"score\" or \"probability\"");
    return MODEL_OK;
}

/* The document of either version, told apart by its "format". */
static int
parse_document(zk_model *model, const json_value *root, char *err)
{
    static const char *const keys[] = {"format", "xbits", "layers", "inputs", "outputs",
                                       "output_kind", NULL};
    const json_value *format, *layers;
    uint32_t l;
    int v2, rc;

    if ((rc = json_expect(root, JSON_OBJECT, "(document)", err)) != MODEL_OK)
        return rc;
    format = json_get(root, "format");
    v2 = format != NULL && format->kind == JSON_STRING &&
         strcmp(format->str, MODEL_DOCUMENT_FORMAT_V2) == 0;
    if ((rc = json_check_keys(root, keys, "(document)", err)) != MODEL_OK)
        return rc;
    if (!v2 && (format == NULL || format->kind != JSON_STRING ||
                strcmp(format->str, MODEL_DOCUMENT_FORMAT) != 0))
        return zkml_fail(err, MODEL_ERR_INVALID, "format: must be \"%s\" or \"%s\"",
                         MODEL_DOCUMENT_FORMAT, MODEL_DOCUMENT_FORMAT_V2);
    model->version = v2 ? 2 : 0;
    if ((rc = json_member_u32(root, "xbits", "", 2, MODEL_MAX_BITS,
                              MODEL_DEFAULT_BITS, 0, &model->xbits, err)) != MODEL_OK)
        return rc;
    layers = json_get(root, "layers");
    if (layers == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "layers: missing");
    if ((rc = json_expect(layers, JSON_ARRAY, "layers", err)) != MODEL_OK)
        return rc;
    if (layers->len < 1 || layers->len > MODEL_MAX_LAYERS)
        return zkml_fail(err, MODEL_ERR_INVALID, "layers: must have 1 to %d layers",
                          MODEL_MAX_LAYERS);
    model->n_layers = (uint32_t)layers->len;
    for (l = 0; l < model->n_layers; l++)
        if ((rc = parse_layer(model, l, &layers->items[l], v2, err)) != MODEL_OK)
            return rc;
    if ((rc = parse_interface(model, root, v2, err)) != MODEL_OK)
        return rc;
    return model_validate(model, err);
}

/* ---- the version 2 document (model.h, docs/protocol.md 6.4, 7.17) ---- */

/* An array of count integers in [lo, hi] at path into out (int64). */
static int
parse_int64_array(const json_value *arr, size_t count, int64_t lo, int64_t hi,
                  const char *path, int64_t *out, char *err)
{
    char ipath[PATH_LEN];
    size_t i;
    int rc;

    if ((rc = json_expect(arr, JSON_ARRAY, path, err)) != MODEL_OK)
        return rc;
    if (arr->len != count)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: must have %zu entries", path, count);
    for (i = 0; i < count; i++) {
        path_format(ipath, "%s[%zu]", path, i);
        if ((rc = json_int_in(&arr->items[i], lo, hi, ipath, "in", &out[i], err)) != MODEL_OK)
            return rc;
    }
    return MODEL_OK;
}

/* "activation" of a version 2 layer: identity, relu, clamp (min, max), a named table
 * (sigmoid, tanh with in_scale, out_scale, min, max) or an explicit table. */
static int
parse_activation_v2(zk_model *model, uint32_t l, const json_value *act, const char *path,
                    char *err)
{
    static const char *const plain_keys[] = {"kind", NULL};
    static const char *const clamp_keys[] = {"kind", "min", "max", NULL};
    model_layer *ly = &model->layer[l];
    const json_value *kind, *vmin, *vmax;
    char kpath[PATH_LEN];
    int32_t half = (int32_t)1 << (ly->q_bits - 1);
    int64_t v = 0;
    int rc;

    if ((rc = json_expect(act, JSON_OBJECT, path, err)) != MODEL_OK)
        return rc;
    kind = json_get(act, "kind");
    path_format(kpath, "%s.kind", path);
    if (kind == NULL)
        return zkml_fail(err, MODEL_ERR_INVALID, "%s: missing", kpath);
    if ((rc = json_expect(kind, JSON_STRING, kpath, err)) != MODEL_OK)
        return rc;
    if (strcmp(kind->str, "identity") == 0 || strcmp(kind->str, "relu") == 0) {
        ly->act_kind = kind->str[0] == 'i' ? MODEL_PW_IDENTITY : MODEL_PW_RELU;
        return json_check_keys(act, plain_keys, path, err);
    }
    if (strcmp(kind->str, "clamp") == 0) {
        ly->act_kind = MODEL_PW_CLAMP;
        vmin = json_get(act, "min");
        vmax = json_get(act, "max");
        if ((rc = json_check_keys(act, clamp_keys, path, err)) != MODEL_OK)
            return rc;
        if (vmin == NULL || vmax == NULL)
            return zkml_fail(err, MODEL_ERR_INVALID, "%s: a clamp needs min and max", path);
        path_format(kpath, "%s.min", path);
        if ((rc = json_int_in(vmin, -half, half - 1, kpath, "in", &v, err)) != MODEL_OK)
            return rc;
        ly->lo = (int32_t)v;
        path_format(kpath, "%s.max", path);
        if ((rc = json_int_in(vmax, ly->lo, half - 1, kpath, "in [min, 2^(Q-1) - 1]:", &v,
                              err)) != MODEL_OK)
            return rc;
        ly->hi = (int32_t)v;
        return MODEL_OK;
    }
    if (strcmp(kind->str, "sigmoid") != 0 && strcmp(kind->str, "tanh") != 0 &&
        strcmp(kind->str, "table") != 0)
        return zkml_fail(err, MODEL_ERR_INVALID,
                          "%s: must be identity, relu, clamp, sigmoid, tanh or table", kpath);
    ly->act_kind = MODEL_PW_TABLE;
    return parse_activation(model, l, act, path, err);
}

/* "M" of a version 2 layer: one multiplier per row, folded into the row and its bias
 * (docs/protocol.md 12.6). */
static int
fold_multipliers(zk_model *model, uint32_t l, const json_value *lj, const char *path,
                 char *err)
{
    const int64_t vmax = ((int64_t)1 << MODEL_V2_MAX_WEIGHT_BITS) - 1;
    const model_layer *ly = &model->layer[l];
    model_weights *wt = &model->weights[l];
    const json_value *M = json_get(lj, "M");
    char ipath[PATH_LEN];
    int64_t *mult;
    size_t i, j;
    int rc;

    if (M == NULL)
        return MODEL_OK;
    mult = alloc_array(ly->m, sizeof *mult);
    if (mult == NULL)
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    path_format(ipath, "%s.M", path);
    rc = parse_int64_array(M, ly->m, 1, 0x7fffffff, ipath, mult, err);
    for (i = 0; rc == MODEL_OK && i < ly->m; i++) {
        for (j = 0; j <= ly->n && rc == MODEL_OK; j++) {
            int64_t *at = j < ly->n ? &wt->w64[i * ly->n + j] : &wt->bias64[i];
            __int128 v = (__int128)*at * mult[i];

            if (v > vmax || v < -vmax)
                rc = zkml_fail(err, MODEL_ERR_INVALID,
                               "%s.%s: M times the row must stay below 2^62 in magnitude",
                               path, j < ly->n ? "weights" : "bias");
            else
                *at = (int64_t)v;
        }
    }
    free(mult);
    return rc;
}

int
model_from_json(zk_model *model, const char *text, size_t len, char *err)
{
    char jerr[ZKML_ERR_LEN];
    json_value *root;
    int rc;

    memset(model, 0, sizeof *model);
    if (json_parse(&root, text, len, jerr) != 0)
        return zkml_fail(err, MODEL_ERR_INVALID, "JSON: %s", jerr);
    rc = parse_document(model, root, err);
    json_free(root);
    if (rc != MODEL_OK)
        model_free(model);
    return rc;
}


/* ---- writing Q.json ---- */

/* Either version (model.h, docs/protocol.md 12.6): version 1 writes xbits, each
 * layer's wbits and M and a table; version 2 each input's bits, each layer's u_bits, the
 * folded W' and b', and its kind (a table only for kind 3). */
int
model_to_json(char **out, size_t *out_len, const zk_model *model, char *err)
{
    static const char *const kinds[] = {"identity", "relu", "clamp", "table"};
    int v2 = model_version(model) == 2, rc;
    json_writer w;
    uint32_t l, i, j;
    size_t y;

    *out = NULL;
    *out_len = 0;
    if ((rc = model_validate(model, err)) != MODEL_OK)
        return rc;
    json_writer_init(&w);
    if (v2)
        json_write_raw(&w, "{\"format\": \"%s\", \"output_kind\": \"%s\",\n",
                       MODEL_DOCUMENT_FORMAT_V2, model_output_kind_name(model->output_kind));
    else
        json_write_raw(&w, "{\"format\": \"%s\", \"xbits\": %u, \"output_kind\": \"%s\",\n",
                       MODEL_DOCUMENT_FORMAT, (unsigned)model->xbits,
                       model_output_kind_name(model->output_kind));
    json_write_raw(&w, " \"inputs\": [");
    for (j = 0; j < model->layer[0].n; j++) {
        const model_io *io = model_input_io(model, j);

        json_write_raw(&w, "%s\n  {\"name\": ", j > 0 ? "," : "");
        json_write_string(&w, io->name);
        if (v2)
            json_write_raw(&w, ", \"bits\": %u", (unsigned)model_input_bits(model, j));
        json_write_raw(&w, ", \"scale\": ");
        json_write_double(&w, io->scale);
        json_write_raw(&w, ", \"zero_point\": %d}", (int)io->zero_point);
    }
    json_write_raw(&w, "],\n \"outputs\": [");
    for (i = 0; i < model->layer[model->n_layers - 1].m; i++) {
        const model_io *io = model_output_io(model, i);

        json_write_raw(&w, "%s{\"scale\": ", i > 0 ? ", " : "");
        json_write_double(&w, io->scale);
        json_write_raw(&w, ", \"zero_point\": %d}", (int)io->zero_point);
    }
    json_write_raw(&w, "],\n \"layers\": [");
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        uint32_t kind = v2 ? ly->act_kind : MODEL_PW_TABLE;

        if (v2)
            json_write_raw(&w, "%s\n  {\"s\": %u, \"Q\": %u, \"limb_bits\": %u, "
                           "\"u_bits\": %u,\n   \"weights\": [", l > 0 ? "," : "",
                           (unsigned)ly->shift, (unsigned)ly->q_bits,
                           (unsigned)ly->limb_bits,
                           (unsigned)(kind == MODEL_PW_TABLE ? MODEL_V2_DEFAULT_U_BITS
                                                             : ly->u_bits));
        else
            json_write_raw(&w, "%s\n  {\"wbits\": %u, \"M\": %u, \"s\": %u, \"Q\": %u, "
                           "\"limb_bits\": %u,\n   \"weights\": [", l > 0 ? "," : "",
                           (unsigned)ly->wbits, (unsigned)ly->mult, (unsigned)ly->shift,
                           (unsigned)ly->q_bits, (unsigned)ly->limb_bits);
        for (i = 0; i < ly->m; i++) {
            json_write_raw(&w, "%s[", i > 0 ? ",\n    " : "");
            for (j = 0; j < ly->n; j++)
                json_write_raw(&w, "%s%lld", j > 0 ? "," : "",
                               (long long)model_weight_at(model, l, (size_t)i * ly->n + j));
            json_write_raw(&w, "]");
        }
        json_write_raw(&w, "],\n   \"bias\": [");
        for (i = 0; i < ly->m; i++)
            json_write_raw(&w, "%s%lld", i > 0 ? "," : "",
                           (long long)model_bias_at(model, l, i));
        json_write_raw(&w, "],\n   \"activation\": {\"kind\": \"%s\"", kinds[kind]);
        if (kind == MODEL_PW_CLAMP)
            json_write_raw(&w, ", \"min\": %d, \"max\": %d", (int)ly->lo, (int)ly->hi);
        if (kind == MODEL_PW_TABLE) {
            json_write_raw(&w, ", \"table\": [");
            for (y = 0; y < ((size_t)1 << ly->q_bits); y++)
                json_write_raw(&w, "%s%d", y == 0 ? "" : y % 32 == 0 ? ",\n    " : ",",
                               (int)ly->act[y]);
            json_write_raw(&w, "]");
        }
        json_write_raw(&w, "}}");
    }
    json_write_raw(&w, "]}\n");
    if (w.failed) {
        json_writer_free(&w);
        return zkml_fail(err, MODEL_ERR_NOMEM, "out of memory");
    }
    *out = w.text;
    *out_len = w.len;
    return MODEL_OK;
}
