/*
 * float_model.c: the float model document (zkml-float-v1) and its reference forward pass
 * in double precision, against which the quantizer measures (quantize.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quantize.h"
#include "quantize_internal.h"

#define PATH_LEN 96

/* A JSON path for an error message; long paths are cut, never overflowed. */
__attribute__((format(printf, 2, 3))) static void
path_fmt(char *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
}

/* ==== the float model document ==== */

void
float_model_free(float_model *fm)
{
    uint32_t l;

    for (l = 0; l < MODEL_MAX_LAYERS; l++) {
        free(fm->layer[l].w);
        free(fm->layer[l].bias);
    }
    free(fm->names);
    free(fm->mean);
    free(fm->std);
    free(fm->range_min);
    free(fm->range_max);
    memset(fm, 0, sizeof *fm);
}

int
quant_check_keys(const json_value *obj, const char *const *allowed, const char *path,
                 char *err)
{
    const char *key = json_unknown_key(obj, allowed);

    if (key != NULL)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: unknown key \"%.40s\"", path, key);
    return QUANT_OK;
}

static int
expect_kind(const json_value *v, json_kind kind, const char *path, char *err)
{
    if (v == NULL)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: missing", path);
    if (v->kind != kind)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: must be %s, not %s", path,
                          json_kind_name(kind), json_kind_name(v->kind));
    return QUANT_OK;
}

static int
get_number(const json_value *v, const char *path, double *out, char *err)
{
    if ((v->kind != JSON_INT && v->kind != JSON_NUMBER) || !isfinite(v->d))
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: not a finite number", path);
    *out = v->d;
    return QUANT_OK;
}

/* An array of exactly count finite numbers at path into a new array. */
static int
get_vector(const json_value *v, size_t count, const char *path, double **out, char *err)
{
    char ipath[PATH_LEN];
    size_t i;
    int rc;

    if ((rc = expect_kind(v, JSON_ARRAY, path, err)) != QUANT_OK)
        return rc;
    if (v->len != count)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: must have %zu entries, not %zu", path,
                          count, v->len);
    *out = alloc_array(count, sizeof **out);
    if (*out == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    for (i = 0; i < count; i++) {
        path_fmt(ipath, "%s[%zu]", path, i);
        if ((rc = get_number(&v->items[i], ipath, &(*out)[i], err)) != QUANT_OK)
            return rc;
    }
    return QUANT_OK;
}

static int
parse_features(float_model *fm, const json_value *root, char *err)
{
    const json_value *f = json_get(root, "features");
    char path[PATH_LEN];
    size_t j;
    int rc;

    if ((rc = expect_kind(f, JSON_ARRAY, "$.features", err)) != QUANT_OK)
        return rc;
    if (f->len < 1 || f->len > MODEL_MAX_DIM)
        return zkml_fail(err, QUANT_ERR_INVALID, "$.features: must have 1 to %u names",
                          MODEL_MAX_DIM);
    fm->n_features = (uint32_t)f->len;
    fm->names = alloc_array(f->len, sizeof *fm->names);
    if (fm->names == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    for (j = 0; j < f->len; j++) {
        const json_value *name = &f->items[j];

        path_fmt(path, "$.features[%zu]", j);
        if ((rc = expect_kind(name, JSON_STRING, path, err)) != QUANT_OK)
            return rc;
        if (!model_name_is_valid(name->str, name->len))
            return zkml_fail(err, QUANT_ERR_INVALID,
                              "%s: must be at most %u bytes without control characters",
                              path, MODEL_MAX_NAME_LEN);
        memcpy(fm->names[j], name->str, name->len);
    }
    return QUANT_OK;
}

/* "normalization" {"mean", "std"} and "input_range" {"min", "max"}, both optional. */
static int
parse_pair(const json_value *root, const char *key, const char *k1, const char *k2,
           uint32_t n, double **v1, double **v2, char *err)
{
    const json_value *obj = json_get(root, key);
    const char *keys[3] = {k1, k2, NULL};
    char path[PATH_LEN], ipath[PATH_LEN];
    int rc;

    if (obj == NULL)
        return QUANT_OK;
    path_fmt(path, "$.%s", key);
    if ((rc = expect_kind(obj, JSON_OBJECT, path, err)) != QUANT_OK ||
        (rc = quant_check_keys(obj, keys, path, err)) != QUANT_OK)
        return rc;
    path_fmt(ipath, "$.%s.%s", key, k1);
    if ((rc = get_vector(json_get(obj, k1), n, ipath, v1, err)) != QUANT_OK)
        return rc;
    path_fmt(ipath, "$.%s.%s", key, k2);
    if (json_get(obj, k2) == NULL)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: missing", ipath);
    return get_vector(json_get(obj, k2), n, ipath, v2, err);
}

static int
parse_layer(float_model *fm, uint32_t l, const json_value *lj, char *err)
{
    static const char *const keys[] = {"weights", "bias", "activation", NULL};
    float_layer *ly = &fm->layer[l];
    const json_value *w, *act;
    char path[PATH_LEN], ipath[PATH_LEN];
    uint32_t n_expected = l == 0 ? fm->n_features : fm->layer[l - 1].m;
    size_t i, j;
    int rc;

    path_fmt(path, "$.layers[%u]", (unsigned)l);
    if ((rc = expect_kind(lj, JSON_OBJECT, path, err)) != QUANT_OK ||
        (rc = quant_check_keys(lj, keys, path, err)) != QUANT_OK)
        return rc;
    w = json_get(lj, "weights");
    path_fmt(ipath, "%s.weights", path);
    if ((rc = expect_kind(w, JSON_ARRAY, ipath, err)) != QUANT_OK)
        return rc;
    if (w->len < 1 || w->len > MODEL_MAX_DIM)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: must have 1 to %u rows", ipath,
                          MODEL_MAX_DIM);
    for (i = 0; i < w->len; i++) {
        path_fmt(ipath, "%s.weights[%zu]", path, i);
        if ((rc = expect_kind(&w->items[i], JSON_ARRAY, ipath, err)) != QUANT_OK)
            return rc;
        if (i == 0 && w->items[0].len != n_expected) {
            if (l == 0)
                return zkml_fail(err, QUANT_ERR_INVALID,
                                  "%s: %zu inputs but the model has %u features", path,
                                  w->items[0].len, (unsigned)n_expected);
            return zkml_fail(err, QUANT_ERR_INVALID,
                              "%s: %zu inputs but the previous layer has %u outputs", path,
                              w->items[0].len, (unsigned)n_expected);
        }
        if (w->items[i].len != n_expected)
            return zkml_fail(err, QUANT_ERR_INVALID, "%s: must have %u entries, as row 0",
                              ipath, (unsigned)n_expected);
    }
    ly->n = n_expected;
    ly->m = (uint32_t)w->len;
    ly->w = alloc_array((size_t)ly->m * ly->n, sizeof *ly->w);
    if (ly->w == NULL)
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    for (i = 0; i < ly->m; i++) {
        for (j = 0; j < ly->n; j++) {
            path_fmt(ipath, "%s.weights[%zu][%zu]", path, i, j);
            if ((rc = get_number(&w->items[i].items[j], ipath, &ly->w[i * ly->n + j], err)) !=
                QUANT_OK)
                return rc;
        }
    }
    path_fmt(ipath, "%s.bias", path);
    if (json_get(lj, "bias") == NULL)
        return zkml_fail(err, QUANT_ERR_INVALID, "%s: missing", ipath);
    if ((rc = get_vector(json_get(lj, "bias"), ly->m, ipath, &ly->bias, err)) != QUANT_OK)
        return rc;
    act = json_get(lj, "activation");
    path_fmt(ipath, "%s.activation", path);
    if ((rc = expect_kind(act, JSON_STRING, ipath, err)) != QUANT_OK)
        return rc;
    if (!model_act_from_name(act->str, &ly->act))
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "%s: unsupported \"%.32s\" (identity, relu, sigmoid or tanh)", ipath,
                          act->str);
    return QUANT_OK;
}

static int
parse_float_document(float_model *fm, const json_value *root, char *err)
{
    static const char *const keys[] = {"format", "features", "normalization", "input_range",
                                       "layers", "output_kind", NULL};
    const json_value *format, *layers, *kind;
    uint32_t l, j;
    int rc;

    if ((rc = expect_kind(root, JSON_OBJECT, "$", err)) != QUANT_OK ||
        (rc = quant_check_keys(root, keys, "$", err)) != QUANT_OK)
        return rc;
    format = json_get(root, "format");
    if (format == NULL || format->kind != JSON_STRING ||
        strcmp(format->str, QUANT_FLOAT_FORMAT) != 0)
        return zkml_fail(err, QUANT_ERR_INVALID, "$.format: must be \"%s\"",
                          QUANT_FLOAT_FORMAT);
    if ((rc = parse_features(fm, root, err)) != QUANT_OK ||
        (rc = parse_pair(root, "normalization", "mean", "std", fm->n_features, &fm->mean,
                         &fm->std, err)) != QUANT_OK ||
        (rc = parse_pair(root, "input_range", "min", "max", fm->n_features, &fm->range_min,
                         &fm->range_max, err)) != QUANT_OK)
        return rc;
    for (j = 0; fm->std != NULL && j < fm->n_features; j++)
        if (!(fm->std[j] > 0.0))
            return zkml_fail(err, QUANT_ERR_INVALID, "$.normalization.std[%u]: must be positive",
                              (unsigned)j);
    for (j = 0; fm->range_min != NULL && j < fm->n_features; j++)
        if (!(fm->range_min[j] <= fm->range_max[j]))
            return zkml_fail(err, QUANT_ERR_INVALID,
                              "$.input_range.max[%u]: must not be below min", (unsigned)j);
    layers = json_get(root, "layers");
    if ((rc = expect_kind(layers, JSON_ARRAY, "$.layers", err)) != QUANT_OK)
        return rc;
    if (layers->len < 1 || layers->len > MODEL_MAX_LAYERS)
        return zkml_fail(err, QUANT_ERR_INVALID, "$.layers: must have 1 to %d layers",
                          MODEL_MAX_LAYERS);
    fm->n_layers = (uint32_t)layers->len;
    for (l = 0; l < fm->n_layers; l++)
        if ((rc = parse_layer(fm, l, &layers->items[l], err)) != QUANT_OK)
            return rc;
    kind = json_get(root, "output_kind");
    if (kind == NULL) {
        fm->output_kind = fm->layer[fm->n_layers - 1].act == MODEL_ACT_SIGMOID
                              ? MODEL_OUTPUT_PROBABILITY
                              : MODEL_OUTPUT_SCORE;
    } else if (kind->kind == JSON_STRING && strcmp(kind->str, "score") == 0) {
        fm->output_kind = MODEL_OUTPUT_SCORE;
    } else if (kind->kind == JSON_STRING && strcmp(kind->str, "probability") == 0) {
        fm->output_kind = MODEL_OUTPUT_PROBABILITY;
    } else {
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "$.output_kind: must be \"score\" or \"probability\"");
    }
    return QUANT_OK;
}

int
float_model_from_json(float_model *fm, const char *text, size_t len, char *err)
{
    char jerr[ZKML_ERR_LEN];
    json_value *root;
    int rc;

    memset(fm, 0, sizeof *fm);
    if (json_parse(&root, text, len, jerr) != 0)
        return zkml_fail(err, QUANT_ERR_INVALID, "JSON: %s", jerr);
    rc = parse_float_document(fm, root, err);
    json_free(root);
    if (rc != QUANT_OK)
        float_model_free(fm);
    return rc;
}

/* ==== the float forward pass ==== */

size_t
quant_max_width(const float_model *fm)
{
    size_t w = fm->n_features;
    uint32_t l;

    for (l = 0; l < fm->n_layers; l++)
        if (fm->layer[l].m > w)
            w = fm->layer[l].m;
    return w;
}

/* A message naming row b and feature j of a row set (1-based, as people count rows). */
static int
nonfinite_error(const float_model *fm, const char *what, size_t b, uint32_t j, char *err)
{
    if (fm->names[j][0] != '\0')
        return zkml_fail(err, QUANT_ERR_INVALID,
                          "%s row %zu, feature \"%s\": not a finite number", what, b + 1,
                          fm->names[j]);
    return zkml_fail(err, QUANT_ERR_INVALID, "%s row %zu, feature %u: not a finite number",
                      what, b + 1, (unsigned)j + 1);
}

int
quant_check_rows(const float_model *fm, const double *rows, size_t n_rows, const char *what,
                 char *err)
{
    size_t b;
    uint32_t j;

    for (b = 0; b < n_rows; b++)
        for (j = 0; j < fm->n_features; j++)
            if (!isfinite(rows[b * fm->n_features + j]))
                return nonfinite_error(fm, what, b, j, err);
    return QUANT_OK;
}

/* The float pass, row by row; stats (may be NULL) collects activation ranges. */
int
quant_float_run(const float_model *fm, const double *rows, size_t n_rows, double *out,
                float_stats *stats, char *err)
{
    size_t width = quant_max_width(fm), b, i, j;
    double *cur = alloc_array(width, sizeof *cur);
    double *next = alloc_array(width, sizeof *next);
    uint32_t l;

    if (cur == NULL || next == NULL) {
        free(cur);
        free(next);
        return zkml_fail(err, QUANT_ERR_NOMEM, "out of memory");
    }
    if (stats != NULL)
        for (l = 0; l < fm->n_layers; l++) {
            stats->act_lo[l] = INFINITY;
            stats->act_hi[l] = -INFINITY;
        }
    for (b = 0; b < n_rows; b++) {
        for (j = 0; j < fm->n_features; j++) {
            double x = rows[b * fm->n_features + j];

            cur[j] = fm->mean != NULL ? (x - fm->mean[j]) / fm->std[j] : x;
        }
        for (l = 0; l < fm->n_layers; l++) {
            const float_layer *ly = &fm->layer[l];

            for (i = 0; i < ly->m; i++) {
                double z = ly->bias[i];

                for (j = 0; j < ly->n; j++)
                    z += ly->w[i * ly->n + j] * cur[j];
                next[i] = model_act_eval(ly->act, z);
                if (stats != NULL) {
                    if (next[i] < stats->act_lo[l])
                        stats->act_lo[l] = next[i];
                    if (next[i] > stats->act_hi[l])
                        stats->act_hi[l] = next[i];
                    if (stats->unit_max[l] != NULL && fabs(next[i]) > stats->unit_max[l][i])
                        stats->unit_max[l][i] = fabs(next[i]);
                }
            }
            memcpy(cur, next, ly->m * sizeof *cur);
        }
        memcpy(out + b * fm->layer[fm->n_layers - 1].m, cur,
               fm->layer[fm->n_layers - 1].m * sizeof *cur);
    }
    free(cur);
    free(next);
    return QUANT_OK;
}

int
quantize_float_forward(const float_model *fm, const double *rows, size_t n_rows, double *out,
                       char *err)
{
    int rc = quant_check_rows(fm, rows, n_rows, "input", err);

    if (rc != QUANT_OK)
        return rc;
    return quant_float_run(fm, rows, n_rows, out, NULL, err);
}

