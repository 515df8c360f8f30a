/*
 * quantize.h: from a float model to the integer model that proofs attest (docs/design.md 5,
 * docs/protocol.md 6.1), with a report of what the quantization cost in accuracy.
 *
 * ---- The float model document, "zkml-float-v1" ----
 *
 *   {
 *     "format": "zkml-float-v1",
 *     "features": ["age", "amount", ...],          n_0 names (UTF-8, at most 63 bytes,
 *                                                   no control characters; may be "")
 *     "normalization": {"mean": [...], "std": [...]},
 *                                                   optional: the model sees
 *                                                   (x_j - mean_j) / std_j, std_j > 0
 *     "input_range": {"min": [...], "max": [...]}, optional: the range of each raw
 *                                                   feature, joined with the calibrated
 *                                                   range (no margin), and the synthetic
 *                                                   set's range without calibration rows
 *     "layers": [
 *       {"weights": [[w, ...], ...],               m rows of n numbers: output i is
 *                                                   sum_j weights[i][j]·in_j + bias[i]
 *        "bias": [b, ...],                         m numbers
 *        "activation": "relu"},                    identity, relu, sigmoid or tanh
 *       ...
 *     ],
 *     "output_kind": "probability"                 optional: "score" or "probability";
 *                                                   default "probability" when the last
 *                                                   activation is sigmoid, else "score"
 *   }
 *
 * Layer 0 has n = n_0 inputs; each later layer has as many inputs as the previous one has
 * rows.  At most MODEL_MAX_LAYERS layers of at most MODEL_MAX_DIM inputs and outputs.
 * Every number must be finite.  Unknown keys are errors.  Every error names its JSON
 * path, e.g. "$.layers[1].weights[3][2]: not a finite number" or "$.layers[2]: 32
 * inputs but the previous layer has 64 outputs".
 *
 * ---- The method ----
 *
 * Inputs.  Each raw feature j gets an affine xbits quantization over a range [lo_j, hi_j]:
 * its calibration range; joined with the document's input_range when it has one (the
 * modeller's word on the feature's domain); else, with calibration rows given, widened
 * by input_margin times its width on each side, since held-out rows of heavy-tailed
 * features (incomes, balances, amounts) often lie beyond the calibration maximum, and
 * a clamped feature can move a probability by tenths.  A side is not pushed across 0
 * when the rows never cross it (an amount or a count stays non-negative), and an
 * indicator (only 0 and 1 in the rows) keeps [0, 1].  Last, the range is widened to
 * hold 0 (the descriptor wants zero points within xbits):
 * scale_j = (hi_j - lo_j) / (2^xbits - 1), zero point round(-2^(xbits-1) - lo_j / scale_j),
 * so the range fills the integer range; values beyond it saturate
 * (model_quantize_features), and the report counts them per feature on the calibration
 * and the held-out rows.  A feature that is always 0 gets scale 1.  The
 * normalization and the input scales fold into the first layer:
 *   W'[i][j] = W[i][j]·scale_j / std_j,  b'[i] = b[i] - sum_j W[i][j]·mean_j / std_j,
 * and a layer's pre-activation is sum_j W'[i][j]·(v_j - zp_j) + b'[i] for the integer
 * inputs v.  Later layers read the previous layer's int8 outputs with one scale and zero
 * point, folded the same way.
 *
 * Weights.  Symmetric per tensor: W_q = round(W' / s_w), s_w = max|W'| / (2^(wbits-1) - 1).
 * The bias goes to the accumulator scale s_w and absorbs the input zero points:
 * B_q[i] = round(b'[i] / s_w) - sum_j W_q[i][j]·zp_j, so Y = W_q·v + B_q stands for the
 * pre-activation Y·s_w (docs/protocol.md 6.1: zero points fold into b and ACT).
 *
 * Table range.  The integer network runs on the calibration rows layer by layer; the
 * table of layer l must hold R_l = min(headroom · max|Y|, the worst case over all
 * inputs: max_i sum_j |W_q[i][j]|·2^(bits-1) + |B_q[i]|), in pre-activation units.  When
 * the worst case fits, no input whatsoever can leave the table (the report says
 * "covers_worst_case").
 *
 * Requantization.  With Q table bits, the target step is R_l / (2^(Q-1) - 1); M / 2^s is
 * that step's inverse in accumulator units, with s the smallest shift that gives
 * M >= 2^QUANT_MULT_BITS (the realized step is at most 2^-QUANT_MULT_BITS coarser than
 * the target).  The table is built for the realized step s_w·2^s / M, so M's rounding
 * costs no accuracy, and a small M keeps s, hence the limbs, small.
 *
 * Equalization.  One int8 scale serves all units of a hidden layer, so a unit with
 * small activations would get few levels.  Relu and identity are positively homogeneous
 * (ACT(c·z) = c·ACT(z), c > 0), so before anything else each hidden unit i of such a layer
 * is scaled by c_i = H / h_i (its row of weights and bias times c_i, the next layer's
 * column i times 1 / c_i; h_i its largest |activation| on the calibration rows, H the
 * layer's largest, c_i <= 1024): the same function, with every unit using the full
 * range.  The report measures against the model as given.
 *
 * Activations.  Hidden layers output int8 with the range of the activation on the
 * calibration rows, widened by hidden_headroom for relu and identity, which calibration
 * maxima underestimate on new rows (relu [0, max], identity [min, max] with 0, sigmoid
 * [0, 1], tanh [-1, 1] with scale 1/127 and zero point 0): scale = (hi - lo) / 255, zero
 * point round(-128 - lo / scale).  The last layer outputs int16: a sigmoid [0, 1] with
 * scale 1/65535 and zero point -32768, tanh [-1, 1] with scale 1/32767, relu and
 * identity their calibration range widened by the headroom.
 * Tables come from model_act_fill with the realized input step and the output scale,
 * shifted by the output zero point.  A hidden table gains nothing from a step finer than
 * an eighth of its output step, so its Q is capped there.
 *
 * Q, the proof's largest cost.  A proof's fixed cost grows with its largest lookup table
 * (2^Q rows for an activation table, 2^w for a limb range table).  Unless the options fix
 * Q, every Q in [Q_min, Q_max] is tried and the smallest one whose maximum error on the
 * calibration rows is at most half of max_error wins (the other half is left for rows
 * that are not in the calibration set); if none does, the Q with the smallest error.
 *
 * Bit widths.  xbits and wbits cost the proof nothing but a larger s (perhaps one limb
 * more), and below 12 bits inputs and weights often dominate the error.  Unless the
 * options fix them, 8, 12 and 16 bits (both) are tried in turn, each with its Q search,
 * and the first whose calibration error is within half of max_error is kept (else the
 * most accurate).  On the credit fixtures 12 bits suffice (8 did before the input
 * margin); steeper models take 16.
 *
 * Limb width.  Accuracy does not depend on it.  The rule: K_l = ceil(s_l / max(Q_max, 8))
 * limbs for each layer, Q_max the model's largest table bits, and w the smallest width
 * that keeps every layer at its K_l: w = max_l ceil(s_l / K_l).  So no range table is
 * larger than the largest activation table (or 2^8), with as few limbs as that allows.
 * The "limb_bits" option overrides.
 *
 * Version 2 (the default; quantize_v2.c, docs/protocol.md 6.4, 7.17).  Option "version": 1
 * builds version 1 by the method above.  Inputs as above, each feature at the attempt's
 * xbits with its own scale.  Each unit i of a layer gets its own range R_i: headroom
 * (default QUANT_HEADROOM_V2) times its largest calibrated |pre-activation|, or the
 * largest any input of the layer's integer ranges can give when that is smaller
 * (covers_worst_case); a table layer takes the largest R_i for all its units.  ReLU and
 * identity layers get Q = 16 and output q itself in steps of R_i / (2^15 - 1), proven
 * without a table; the next layer reads each unit at its own step.  Sigmoid and tanh keep
 * a table (int16 outputs, Q searched, at most 16).  No integer weight times a multiplier:
 * one shift s per layer and W'[i][j] = round(w_ij·scale_j·2^s / step_i), b'_i =
 * round(b_i·2^s / step_i) - sum_j W'[i][j]·zp_j, s the smallest that keeps the rounding
 * of W' within 1/16 of a step on every calibration row (W' and b' below 2^61), so that
 * the only rounding left is that of the inputs, of each requantization and of the table.
 * The searches over Q and the bit widths stop at a quarter of max_error instead of half
 * (quant_goal), and the bit widths tried start at 12 (inputs cost no table; at 8 bits a
 * receipt's features read back visibly rounded); wbits means nothing (W' is rounded at
 * the shift) but is reported as tried.  Limbs of rem: K_l = ceil(s_l / 12), w the smallest width keeping each
 * layer at K_l; limbs of u: 8 bits.  The report's weight_scale is 0 and M 1 (no such
 * parameters), its table_range and table_step the largest unit's.
 *
 * Calibration.  Rows of raw features (n_rows x n_0, row-major).  Without rows, a
 * synthetic set of QUANT_SYNTHETIC_ROWS rows is drawn deterministically: each feature
 * mean + std·(u_1 + .. + u_12 - 6) with uniform u (an approximately normal variable
 * from arithmetic alone), within the feature's default range: input_range if the
 * document gives it, else mean ± 4·std from the normalization, else [-4, 4] (features
 * assumed standardized); mean and std come from the normalization, else from the centre
 * and a quarter of the half-width of input_range, else 0 and 1.
 *
 * Determinism.  Everything is IEEE double arithmetic in a fixed order, apart from the
 * sigmoid and tanh evaluations of the tables (C library), so one build gives the same
 * model bytes and report for the same inputs.
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_QUANTIZE_H
#define ZKML_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"

#define QUANT_FLOAT_FORMAT "zkml-float-v1"
#define QUANT_MULT_BITS 7
#define QUANT_SYNTHETIC_ROWS 1024
#define QUANT_MAX_ROWS ((size_t)1 << 24)
#define QUANT_DEFAULT_INPUT_MARGIN 1.0
#define QUANT_HEADROOM_V1 2.0       /* the default headroom of each version */
#define QUANT_HEADROOM_V2 3.0

#define QUANT_OK 0
#define QUANT_ERR_INVALID (-1)      /* the document, the options or a row breaks a rule */
#define QUANT_ERR_NOMEM (-2)
#define QUANT_ERR_RANGE (-3)        /* the calibration rows cannot be made to fit */

/* A parsed float model. */
typedef struct {
    uint32_t n;                     /* inputs */
    uint32_t m;                     /* outputs */
    double *w;                      /* m x n, row-major */
    double *bias;                   /* m */
    model_act_kind act;
} float_layer;

typedef struct {
    uint32_t n_features;
    uint32_t n_layers;
    char (*names)[MODEL_MAX_NAME_LEN + 1];  /* n_features */
    double *mean, *std;             /* n_features each, or NULL: no normalization */
    double *range_min, *range_max;  /* n_features each, or NULL: no input_range */
    float_layer layer[MODEL_MAX_LAYERS];
    uint32_t output_kind;           /* model_output_kind */
} float_model;

/* Parse and check a zkml-float-v1 document.  On failure the model is empty and err
 * (ZKML_ERR_LEN bytes, may be NULL) names the JSON path. */
int float_model_from_json(float_model *fm, const char *text, size_t len, char *err);

void float_model_free(float_model *fm);

/*
 * The float model's outputs for n_rows raw rows (n_rows x n_features, row-major) into
 * out (n_rows x m_L): normalization, then each layer in double precision.  The
 * reference the report measures against.  QUANT_OK, or QUANT_ERR_INVALID naming the
 * row and feature of a non-finite value.
 */
int quantize_float_forward(const float_model *fm, const double *rows, size_t n_rows,
                           double *out, char *err);

typedef struct quant_options {
    uint32_t xbits;                 /* input bits, 2 .. 16; 0 (default): 8, 12, 16 */
    uint32_t wbits;                 /* weight bits, 2 .. 16; 0 (default): 8, 12, 16 */
    uint32_t q_bits;                /* table bits of every layer; 0 (default): search */
    uint32_t q_min, q_max;          /* the search range, 2 .. MODEL_MAX_Q; default 6 .. 16 */
    uint32_t limb_bits;             /* 0 (default): the rule above; else 1 .. 24 */
    double max_error;               /* target maximum absolute output error; default 0.01 */
    double headroom;                /* table range and last-layer output range over
                                       the calibrated range, >= 1; 0 (default): the
                                       version's, QUANT_HEADROOM_V1 or _V2 */
    double hidden_headroom;         /* hidden output range over the calibrated range
                                       (relu, identity), >= 1; default 1.5 */
    double input_margin;            /* each side of a feature's input range over the
                                       calibrated range, >= 0; default
                                       QUANT_DEFAULT_INPUT_MARGIN */
    uint32_t version;               /* the model's protocol version, 1 or 2 (default):
                                       a step per unit folded into W', 16-bit ReLU and
                                       identity layers without tables (quantize_v2.c) */
} quant_options;

void quant_options_default(quant_options *opt);

/*
 * Options from a JSON object; absent keys keep their defaults, unknown keys are errors:
 *   {"xbits": 12, "wbits": 12, "Q": 12, "Q_min": 6, "Q_max": 16, "limb_bits": 12,
 *    "max_error": 0.01, "headroom": 2, "hidden_headroom": 1.5, "input_margin": 1,
 *    "version": 2}
 * An empty text (len 0) is the defaults.
 */
int quant_options_from_json(quant_options *opt, const char *text, size_t len, char *err);

/*
 * Quantize the float model document.  calibration: n_rows x n_features raw rows
 * (row-major), or NULL / 0 rows for the synthetic set; holdout likewise, optional, only
 * measured.  On success QUANT_OK, *out a valid model with weights and interface (free
 * it with model_free) and *report_json a malloc'd NUL-terminated JSON object (free it
 * with free):
 *
 *   {"format": "zkml-quantization-report-v1",
 *    "calibration": {"rows", "synthetic", "max_abs_error", "mean_abs_error",
 *                    "rows_saturated"},
 *    "holdout": {"rows", "max_abs_error", "mean_abs_error", "rows_saturated",
 *                "rows_out_of_range"},                   only with holdout rows
 *    "target_max_error", "target_met", "output_kind", "xbits", "wbits",
 *    "inputs": [{"name", "scale", "zero_point", "min", "max", "quantized_min",
 *                "quantized_max", "calibration_rows_saturated",
 *                "holdout_rows_saturated"}, ...],        the last with holdout rows
 *    "layers": [{"n", "m", "activation", "weight_scale", "M", "s", "Q", "limb_bits",
 *                "limbs", "table_step", "table_range", "covers_worst_case",
 *                "output_scale", "output_zero_point", "q_min", "q_max"}, ...],
 *    "outputs": [{"scale", "zero_point"}, ...],
 *    "q_search": [{"Q", "max_abs_error"}, ...]}           the candidates tried
 *
 * min and max are the calibrated range of an input, quantized_min and quantized_max
 * the real values its integer range stands for; rows_saturated counts the rows with at
 * least one feature beyond that, *_rows_saturated the rows where this feature is.
 * Errors are absolute differences between the dequantized output and the float model.
 * A holdout row whose requantized value leaves a table is counted in
 * rows_out_of_range, not measured.  On failure *out is empty, *report_json NULL.
 */
int quantize_model(zk_model *out, char **report_json, const char *float_json, size_t len,
                   const double *calibration, size_t n_rows, const double *holdout,
                   size_t n_holdout, const quant_options *opt, char *err);

#endif
