/*
 * quantize_internal.h: what the quantizer's files share (float_model.c: the float
 * document and its reference pass; quantize.c: the options, the plan and the search;
 * quantize_report.c: the report and the held-out rows).  Not part of quantize.h.
 */
#ifndef ZKML_QUANTIZE_INTERNAL_H
#define ZKML_QUANTIZE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "json.h"
#include "model.h"
#include "quantize.h"

/* err := "<path>: unknown key ..." if obj has a key outside allowed (NULL-terminated). */
int quant_check_keys(const json_value *obj, const char *const *allowed, const char *path,
                     char *err);

/* Per-layer statistics of the float pass: the range of each layer's activations and,
 * where unit_max[l] is not NULL, each unit's largest |activation|. */
typedef struct {
    double act_lo[MODEL_MAX_LAYERS], act_hi[MODEL_MAX_LAYERS];
    double *unit_max[MODEL_MAX_LAYERS];
} float_stats;

/* The widest layer of the float model, inputs included. */
size_t quant_max_width(const float_model *fm);

/* Every value of the n_rows raw rows is finite; else err names `what`, the row and the
 * feature. */
int quant_check_rows(const float_model *fm, const double *rows, size_t n_rows,
                     const char *what, char *err);

/* The float pass, row by row; stats (may be NULL) collects activation ranges. */
int quant_float_run(const float_model *fm, const double *rows, size_t n_rows, double *out,
                    float_stats *stats, char *err);

/* What does not depend on Q: the integer weights (in the model), the scales of a layer's
 * integer inputs and outputs, and the worst case of its accumulator. */
typedef struct {
    double s_w;                 /* weight scale = accumulator scale */
    double out_scale;
    int32_t out_zp;
    int32_t out_min, out_max;   /* the layer's integer output range */
    double slope;               /* the activation's largest derivative */
    int64_t worst;              /* max_i sum_j |W_q[i][j]|·2^(bits-1) + |B_q[i]| */
} layer_plan;

/* What one candidate Q gives, per layer, for the report. */
typedef struct {
    double table_range;         /* R, in pre-activation units */
    double step;                /* the realized table step s_w·2^s / M */
    int32_t q_lo, q_hi;         /* q over the calibration rows */
    int covers_worst_case;
} layer_result;

typedef struct {
    const float_model *fm;
    const quant_options *opt;
    layer_plan lp[MODEL_MAX_LAYERS];
    double *in_lo, *in_hi;      /* the calibration range of each feature */
    int32_t *cal_x;             /* calibration rows, quantized: n_rows x n_0 */
    double *cal_ref;            /* the float outputs on them: n_rows x m_L */
    size_t n_rows;
    int synthetic;
} quant_ctx;

/* The calibration error at which the searches over bit widths and Q stop. */
double quant_goal(const quant_options *opt);

/* Errors of the model's dequantized outputs against ref (rows x m_L). */
void quant_measure(const zk_model *model, const int32_t *out, const double *ref, size_t rows,
                   double *max_err, double *mean_err);

typedef struct {
    uint32_t q_bits;
    double max_err;
} search_entry;

typedef struct {
    size_t rows, out_of_range;
    double max_err, mean_err;
    size_t saturated;           /* rows with a feature beyond its quantized range */
    size_t *saturated_per_feature;  /* n_0 counts, or NULL; freed by quant_summary_free */
} error_summary;

/* Count the rows (n x n_0 raw features) and, per feature, the values that
 * model_quantize_features clamps: round(x / scale + zero_point) beyond the xbits range. */
int quant_count_saturated(const zk_model *model, const double *rows, size_t n,
                          error_summary *e, char *err);

void quant_summary_free(error_summary *e);

/* The report (quantize.h) as a malloc'd JSON text; NULL when out of memory. */
char *quant_write_report(const quant_ctx *c, const zk_model *model, const layer_result *res,
                         const error_summary *cal, const error_summary *hold,
                         const search_entry *search, size_t n_search);

/*
 * Build layer l of a candidate for table bits q_bits from its calibration inputs (in,
 * entry-major: input j of row b at j·B + b) into its activations (out, likewise); state
 * is the version's own.  Version 1: quantize.c; version 2: quantize_v2.c.
 */
typedef int (*quant_layer_fn)(quant_ctx *c, zk_model *model, void *state, uint32_t l,
                              uint32_t q_bits, const int32_t *in, int32_t *out,
                              layer_result *res, char *err);

/* Every layer through build, then the authoritative check, either version: model_forward
 * on the calibration rows agrees with the layer by layer pass, and its errors go to
 * *max_err and *mean_err. */
int quant_build_candidate(quant_ctx *c, zk_model *model, quant_layer_fn build, void *state,
                          uint32_t q_bits, layer_result *res, double *max_err,
                          double *mean_err, char *err);

/* The search over Q (quantize.h, "Q, the proof's largest cost") in [q_lo, q_hi], either
 * version; *model is left built for the chosen Q (*q_chosen). */
int quant_search_q(quant_ctx *c, zk_model *model, quant_layer_fn build, void *state,
                   uint32_t q_lo, uint32_t q_hi, layer_result *res, search_entry *search,
                   size_t *n_search, uint32_t *q_chosen, double *max_err, double *mean_err,
                   char *err);

/* The limb width of rem (quantize.h, "Limb width"): K_l = ceil(s_l / cap) limbs per layer
 * and the smallest width keeping each layer at its K_l, or fixed (at most max_fixed) when
 * it is not 0.  Version 1's cap is the largest Q (at least 8), version 2's 12. */
void quant_choose_limb_bits(zk_model *model, uint32_t fixed, uint32_t cap, uint32_t max_fixed);

/*
 * Version 2 (quantize_v2.c): after the inputs are planned and the calibration rows
 * quantized (c->cal_x), and c->lp[l] of the table layers set (plan_outputs), every
 * layer's per-row weights, multipliers and kinds, the search over Q for the tables,
 * and the limb widths; *out becomes a version 2 model.  res, search, n_search, q_chosen,
 * max_err and mean_err as version 1's search fills them.
 */
int quant_layers_v2(quant_ctx *c, zk_model *out, layer_result *res, search_entry *search,
                    size_t *n_search, uint32_t *q_chosen, double *max_err, double *mean_err,
                    char *err);

/* Quantize and run the held-out rows; rows whose q leaves a table are counted apart. */
int quant_measure_holdout(const zk_model *model, const double *rows, const double *ref,
                          size_t n, error_summary *e, char *err);

#endif
