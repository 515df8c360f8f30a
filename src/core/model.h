/*
 * model.h: the quantized model, its deterministic forward pass and its canonical public
 * descriptor (docs/protocol.md 6.1, 7.0, 8).
 *
 * A model is L dense layers.  Layer l maps n_l inputs to m_l outputs (n_{l+1} = m_l):
 *
 *   Y   = sum_j W[i][j]·X[j][b] + bias[i]          exact, over the integers
 *   t   = M·Y + 2^(s-1)
 *   q   = floor(t / 2^s),  rem = t - 2^s·q in [0, 2^s)   (round half up)
 *   a   = ACT(q),  q in [-2^(Q-1), 2^(Q-1)) or the pass fails
 *
 * and rem is split into K = ceil(s / w) limbs of widths w, .., w, s - w·(K-1).
 *
 * Public and private parts (docs/protocol.md 8).  The shapes, wbits, xbits, M, s, Q, the
 * limb width and the full ACT tables are public: they make the canonical descriptor
 * whose SHA-256 the proof statement absorbs.  W and the bias are secret and live in
 * model_weights, apart from the descriptor.
 *
 * Activation tables.  ACT_l is stored as 2^Q int32 entries, act[y] = ACT(y - 2^(Q-1)),
 * i.e. a logup_table { Q, -2^(Q-1), act }.  Named activations (identity, relu, sigmoid,
 * tanh) are turned into tables once, with floating-point arithmetic, when a model is
 * built; the tables, not the formulas, are part of the public descriptor, so neither
 * the forward pass nor the proof ever depends on floating-point behaviour afterwards.
 * Hidden layers output int8 values; the last layer at most int16 values.
 *
 * Canonical public descriptor, version 1 (all integers little-endian):
 *
 *   8 bytes  magic "ZKMLMD01"
 *   u32      L, the number of layers (1 .. MODEL_MAX_LAYERS)
 *   u32      xbits, width of the signed input features (2 .. 16)
 *   u32      padding rule, MODEL_PADDING_RULE_V1 = 1: docs/protocol.md 6.2 (padded W, bias
 *            and features are 0, padded batch columns copy row B-1, padded output rows
 *            are ACT_L(0))
 *   per layer l = 1 .. L:
 *     u32    n_l, inputs (1 .. MODEL_MAX_DIM; n_l = m_{l-1} for l >= 2)
 *     u32    m_l, outputs (1 .. MODEL_MAX_DIM)
 *     u32    wbits, width of the signed weights (2 .. 16)
 *     u32    Q, table input bits (2 .. MODEL_MAX_Q)
 *     u32    w, limb width (1 .. MODEL_MAX_LIMB_BITS)
 *     u32    s, shift (1 .. 64)
 *     u32    M, multiplier (1 .. 2^31 - 1)
 *     i32    act[0 .. 2^Q - 1], the table (int8 range for l < L, int16 range for l = L)
 *   the interface (after the last layer, since n_1 and m_L are known only then):
 *   u32      output kind: MODEL_OUTPUT_SCORE = 0 or MODEL_OUTPUT_PROBABILITY = 1
 *   per input feature j = 1 .. n_1:
 *     u32    N, the length of the feature's name in bytes (0 .. MODEL_MAX_NAME_LEN)
 *     N bytes the name: UTF-8 without control characters (C0, DEL, C1), no NUL
 *     f64    scale: finite and > 0
 *     i32    zero point: a signed xbits integer
 *   per output i = 1 .. m_L:
 *     f64    scale: finite and > 0
 *     i32    zero point: an int16 (the last layer's output range)
 *
 * f64 is the IEEE-754 binary64 bit pattern of a double, little-endian like the
 * integers.  Nothing else: the limb plan follows from (s, w).  The decoder checks every
 * field and the exact total length before it allocates anything.
 *
 * The interface is the public affine quantization of the model's inputs and outputs
 * (docs/design.md 5): integer v of feature j stands for the real value (v - zp_j)·scale_j,
 * and output i likewise.  It does not enter the forward pass or the proof, which work
 * on integers only; it is bound into the descriptor so that whoever scores, proves or
 * displays a receipt's rows converts between reals and integers in one agreed way.
 *
 * Version 2 (docs/protocol.md 6.4, 7.17; model.version = 2): descriptor "ZKMLMD02", one
 * requantization multiplier per output row folded into the weights (W' = M_i·W, b' =
 * M_i·b, int64 in model_weights.w64 / bias64, M = 1 in the layer), hidden activations up
 * to 16 bits, kinds identity, relu and clamp without a table (act NULL), sigmoid and
 * tanh as tables of at most 2^16 int16 entries, and a width per input feature
 * (model_io.bits).  Its document is the Q.json below with "format": "zkml-quantized-v2"
 * and these differences: per layer "s", "Q" (2 .. 16, default 16), "limb_bits" (w_rem,
 * 1 .. 16, default 16), "u_bits" (w_u, 1 .. 16, default 8), "weights" and "bias"
 * (integers below 2^62 in magnitude), an optional "M" (m integers in [1, 2^31), folded
 * into the row and its bias when read; absent: the weights are already folded), no
 * "wbits"; "activation" {"kind": "identity"} or {"kind": "relu"} (no other key), {"kind":
 * "clamp", "min": lo, "max": hi}, or a table as in version 1 (sigmoid, tanh, table;
 * int16 range); each "inputs" entry may carry "bits" (2 .. 16, default the document's
 * "xbits", itself default 8).  model_to_json writes the folded weights without "M".
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_MODEL_H
#define ZKML_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MODEL_MAX_LAYERS 16
#define MODEL_MAX_DIM 65536u
#define MODEL_MAX_Q 20u
#define MODEL_MAX_SHIFT 64u
#define MODEL_MAX_LIMB_BITS 24u     /* a RANGE_w table has 2^w rows (LOGUP_MAX_LOG_SIZE) */
#define MODEL_MAX_LIMBS 64u         /* s = 64 with w = 1 */
#define MODEL_MAX_BITS 16u          /* wbits and xbits */
#define MODEL_PADDING_RULE_V1 1u
#define MODEL_DESCRIPTOR_MAGIC "ZKMLMD01"
#define MODEL_DOCUMENT_FORMAT "zkml-quantized-v1"   /* the Q.json document below */
/* Version 2 (docs/protocol.md 6.4, 7.17): its descriptor magic, padding rule, document format
 * and bounds. */
#define MODEL_DESCRIPTOR_MAGIC_V2 "ZKMLMD02"
#define MODEL_PADDING_RULE_V2 2u
#define MODEL_DOCUMENT_FORMAT_V2 "zkml-quantized-v2"
#define MODEL_V2_MAX_Q 16u
#define MODEL_V2_MAX_LIMB_BITS 16u
#define MODEL_V2_MAX_WEIGHT_BITS 62u /* |W'|, |b'| < 2^62 */
#define MODEL_V2_DEFAULT_U_BITS 8u
#define MODEL_MAX_NAME_LEN 63u      /* bytes of a feature name (PostgreSQL's NAMEDATALEN - 1) */

/* Defaults of docs/protocol.md 6.1. */
#define MODEL_DEFAULT_BITS 8u
#define MODEL_DEFAULT_Q 16u
#define MODEL_DEFAULT_LIMB_BITS 16u

/* Return codes.  Each failing function also writes a message into err (ZKML_ERR_LEN
 * bytes; err may be NULL) naming the field and the rule broken. */
#define MODEL_OK 0
#define MODEL_ERR_INVALID (-1)      /* a field breaks a rule */
#define MODEL_ERR_NOMEM (-2)
#define MODEL_ERR_RANGE (-3)        /* forward pass: q outside the table's input range */
#define MODEL_ERR_FEATURE_RANGE (-4) /* a feature beyond the input range, refused */

/* The activation kinds of version 2 (docs/protocol.md 6.4): 0-2 are proven by a sign
 * and limb decomposition, 3 by its table.  Version 1 layers are all tables. */
typedef enum {
    MODEL_PW_IDENTITY = 0,
    MODEL_PW_RELU = 1,
    MODEL_PW_CLAMP = 2,
    MODEL_PW_TABLE = 3
} model_pw_kind;

/* The public part of one layer. */
typedef struct {
    uint32_t n;             /* inputs */
    uint32_t m;             /* outputs */
    uint32_t wbits;         /* version 1 only (0 in version 2) */
    uint32_t q_bits;        /* Q */
    uint32_t limb_bits;     /* w, the limb width of rem (w_rem) */
    uint32_t shift;         /* s */
    uint32_t mult;          /* M: version 1 only (1 in version 2: folded into W') */
    int32_t *act;           /* 2^Q entries, act[y] = ACT(y - 2^(Q-1)); version 2: kind 3
                               only, NULL otherwise */
    /* version 2 */
    uint32_t act_kind;      /* model_pw_kind; MODEL_PW_TABLE in version 1 */
    uint32_t u_bits;        /* w_u, the limb width of u, d_lo, d_hi (kinds 0-2) */
    int32_t lo, hi;         /* kind 2: the clamp */
} model_layer;

/* The secret part of one layer: version 1 holds W and the bias as int32 (w, bias),
 * version 2 the folded W' = M_i·W and b' as int64 (w64, bias64); the other pair is NULL. */
typedef struct {
    int32_t *w;             /* m x n, row-major: W[i][j] = w[i·n + j] */
    int32_t *bias;          /* m */
    int64_t *w64;           /* version 2: m x n, |v| < 2^62 */
    int64_t *bias64;        /* version 2: m */
} model_weights;

/* What the model's output means (the descriptor's output kind). */
typedef enum {
    MODEL_OUTPUT_SCORE = 0,         /* a real-valued score */
    MODEL_OUTPUT_PROBABILITY = 1    /* a probability in [0, 1] */
} model_output_kind;

/* The public quantization of one input feature or output: the integer v stands for the
 * real value (v - zero_point)·scale. */
typedef struct {
    char name[MODEL_MAX_NAME_LEN + 1]; /* UTF-8, NUL-terminated, may be empty; outputs: "" */
    double scale;                   /* finite, > 0; default 1 */
    int32_t zero_point;             /* default 0 */
    uint32_t bits;                  /* version 2 inputs: xbits_j (2 .. 16); 0 stands for
                                       the model's xbits (always so in version 1) */
} model_io;

typedef struct {
    uint32_t version;               /* 1 (0 stands for 1) or 2: which descriptor and proof */
    uint32_t n_layers;
    uint32_t xbits;                 /* version 1: every input; version 2: the default and
                                       the widest of the inputs' bits */
    model_layer layer[MODEL_MAX_LAYERS];
    model_weights weights[MODEL_MAX_LAYERS];    /* NULL arrays in a descriptor-only model */
    /*
     * The interface.  model_from_json and model_descriptor_decode always fill inputs
     * (n_1 entries) and outputs (m_L entries); a model built in code may leave either
     * NULL, which stands for the defaults (empty names, scale 1, zero point 0) and
     * encodes exactly as they do.  model_free releases both.
     */
    uint32_t output_kind;           /* model_output_kind; 0 (score) by default */
    model_io *inputs;
    model_io *outputs;
} zk_model;

/* Release every array of the model (not the struct) and zero it. */
void model_free(zk_model *model);

/* The name of input feature j (0-based), "" if it has none or j is out of range. */
const char *model_input_name(const zk_model *model, uint32_t j);

/* "score" or "probability" ("unknown" for anything else). */
const char *model_output_kind_name(uint32_t kind);

/* The limb plan of a layer: K = ceil(s / w), widths w, .., w, s - w·(K-1), offsets the
 * sums of the earlier widths.  Arrays of MODEL_MAX_LIMBS; returns K. */
unsigned model_limb_plan(const model_layer *layer, unsigned *widths, unsigned *offsets);

/* The range of a layer's activation outputs: version 1 int8 for hidden layers, int16 for
 * the last; version 2 by kind (identity [-2^(Q-1), 2^(Q-1)), relu [0, 2^(Q-1)), clamp
 * [lo, hi], tables int16). */
void model_act_range(const zk_model *model, uint32_t l, int32_t *lo, int32_t *hi);

/* 1 or 2 (a version field of 0 is version 1). */
uint32_t model_version(const zk_model *model);

/* The width of input feature j: xbits in version 1, xbits_j in version 2. */
uint32_t model_input_bits(const zk_model *model, uint32_t j);

/* ACT_l(q) for q in [-2^(Q-1), 2^(Q-1)): the table, or the version 2 kind's formula. */
int32_t model_act_apply(const zk_model *model, uint32_t l, int64_t q);

/* Version 2: the limb plan of u = q + 2^(Q-1) below its sign bit (Q - 1 bits in limbs of
 * u_bits), and of d_lo, d_hi below their top bit (Q bits).  Returns K_u or K'. */
unsigned model_u_limb_plan(const model_layer *layer, unsigned *widths, unsigned *offsets);
unsigned model_d_limb_plan(const model_layer *layer, unsigned *widths, unsigned *offsets);

/* Weight W[i][j] (entry idx = i·n + j) and bias i of layer l as int64, either version
 * (version 2: the folded W', b'). */
int64_t model_weight_at(const zk_model *model, uint32_t l, size_t idx);
int64_t model_bias_at(const zk_model *model, uint32_t l, size_t i);

/*
 * Check the public part: every bound of the descriptor format above, chained shapes,
 * every table entry within its output range, and the interface (output kind, names,
 * scales and zero points).  MODEL_OK or MODEL_ERR_INVALID.
 */
int model_validate_public(const zk_model *model, char *err);

/* model_validate_public, plus: weights present and within wbits (version 2: |W'|, |b'|
 * < 2^62). */
int model_validate(const zk_model *model, char *err);

/* ---- activation tables ---- */

typedef enum {
    MODEL_ACT_IDENTITY,
    MODEL_ACT_RELU,
    MODEL_ACT_SIGMOID,
    MODEL_ACT_TANH
} model_act_kind;

/* The activation's real function, shared by the tables and the float reference pass. */
double model_act_eval(model_act_kind kind, double x);

/* "identity", "relu", "sigmoid" or "tanh"; for unknown kinds "?". */
const char *model_act_name(model_act_kind kind);

/* The kind named by a NUL-terminated string: 1 and *kind set, or 0 if none is. */
int model_act_from_name(const char *name, model_act_kind *kind);

/*
 * A feature name: len bytes of well-formed UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF), at most MODEL_MAX_NAME_LEN bytes, without control characters (C0, DEL, C1,
 * so also no NUL).  1 if valid.
 */
int model_name_is_valid(const char *name, size_t len);

/*
 * Fill table[0 .. 2^q_bits - 1] for a named activation: input y - 2^(q_bits-1) stands for
 * the real value (y - 2^(q_bits-1))·in_scale, and the output f(x) is stored as
 * clamp(floor(f(x) / out_scale + 1/2), out_lo, out_hi).  With both scales 1, identity and
 * relu are exact integer clamps.  Scales must be finite and positive, q_bits in
 * [1, MODEL_MAX_Q], out_lo <= out_hi.  MODEL_OK or MODEL_ERR_INVALID.
 */
int model_act_fill(int32_t *table, uint32_t q_bits, model_act_kind kind, double in_scale,
                   double out_scale, int32_t out_lo, int32_t out_hi, char *err);

/* ---- the forward pass ---- */

/* Every intermediate of one layer, entry-major: value (i, b) at index i·B + b, the order
 * of docs/protocol.md 6.3 without padding. */
typedef struct {
    uint32_t m;
    unsigned n_limbs;       /* K */
    int64_t *y;             /* m·B, or NULL if not requested */
    int32_t *q;             /* m·B */
    uint64_t *rem;          /* m·B */
    uint32_t *limbs;        /* K·m·B: limb k of entry (i, b) at (k·m + i)·B + b */
    int32_t *a;             /* m·B */
} model_layer_trace;

typedef struct {
    uint32_t n_layers;
    size_t batch;           /* B */
    model_layer_trace layer[MODEL_MAX_LAYERS];
    int32_t *out;           /* B x m_L, row-major: the scores of row b at b·m_L */
    size_t failed_row;      /* after MODEL_ERR_RANGE: the batch row (0-based) that failed */
} model_trace;

void model_trace_free(model_trace *trace);

/*
 * Run the model on B rows: x is B x n_1, row-major, each value a signed xbits integer.
 * The model must pass model_validate (checked again here).  On success, MODEL_OK and the
 * trace (free it with model_trace_free); on failure the trace holds nothing but, after
 * MODEL_ERR_RANGE, failed_row, and err names the layer, output and batch row where the
 * requantized value left the table range (MODEL_ERR_RANGE) or the input that is out of
 * range (MODEL_ERR_INVALID).  Error messages never include values: they may be secret.
 * with_y keeps Y.
 *
 * The layer and output of a MODEL_ERR_RANGE message are for the holder of the weights
 * only: which hidden unit leaves its table on which rows tells about the hidden weights.
 * Whoever reports the failure to a party without the weights (zkml_score and the proofs
 * in SQL) says only that the row lies outside the range the model was quantized for,
 * and which row (failed_row).
 */
int model_forward(model_trace *trace, const zk_model *model, const int32_t *x, size_t batch,
                  int with_y, char *err);

/*
 * Requantization of one entry (docs/protocol.md 6.1 step 2): q = floor((M·Y + 2^(s-1)) / 2^s)
 * and rem.  Exact for |Y| < 2^63, M < 2^32, s in [1, 64].
 */
void model_requantize(int64_t y, uint32_t mult, uint32_t shift, __int128 *q, uint64_t *rem);

/* ---- the interface: real values to integers and back ---- */

/*
 * Quantize one row of n_1 real features into signed xbits integers (the model's input
 * quantization, bound into its descriptor):
 *
 *   x_q = clamp(round(x / scale + zero_point), -2^(xbits-1), 2^(xbits-1) - 1)
 *
 * with round half away from zero.  Each step is one correctly rounded IEEE-754 double
 * operation (a division, an addition, round()), so every conforming platform computes
 * the same integers; values beyond the range saturate, so scoring and proving see the
 * same row.  A NaN or infinite feature is MODEL_ERR_INVALID with err naming the feature
 * (by its name, or by its 1-based position if it has none); messages never include
 * values.  out receives n_1 integers; on failure its contents are unspecified.
 */
int model_quantize_features(const zk_model *model, const double *features, int32_t *out,
                            char *err);

/* What quantization does with a feature whose rounded value x / scale + zero_point lies
 * outside [-2^(xbits-1), 2^(xbits-1) - 1], the values the model's inputs represent. */
typedef zkml_feature_policy model_feature_policy;     /* zkml.h */
#define MODEL_FEATURES_SATURATE ZKML_FEATURES_SATURATE /* clamp it to the nearest end
                                                          (model_quantize_features) */
#define MODEL_FEATURES_REFUSE ZKML_FEATURES_REFUSE     /* refuse the row:
                                                          MODEL_ERR_FEATURE_RANGE */

/*
 * model_quantize_features with a choice for features beyond the range.  With
 * MODEL_FEATURES_SATURATE it is model_quantize_features.  With MODEL_FEATURES_REFUSE a
 * finite feature that saturation would clamp is MODEL_ERR_FEATURE_RANGE, err naming
 * the feature and its range (model_input_range), never the value: exactly the rows
 * that saturation would alter are refused, so every accepted row quantizes as it would
 * under saturation.  A value exactly at an end of model_input_range is accepted, and
 * so is one within half a quantization step beyond it (it rounds to the end).  If
 * failed is not NULL, it receives the 0-based position of the feature that made the
 * call fail (for any error but an invalid model).
 */
int model_quantize_features_policy(const zk_model *model, const double *features,
                                   model_feature_policy policy, int32_t *out,
                                   uint32_t *failed, char *err);

/*
 * The range of real values input feature j (0-based) represents: *min and *max are the
 * values of its smallest and largest integers, -2^(xbits-1) and 2^(xbits-1) - 1
 * (model_dequantize_input).  It is public: it follows from the descriptor.  MODEL_OK, or
 * MODEL_ERR_INVALID if j is not an input of the model.
 */
int model_input_range(const zk_model *model, uint32_t j, double *min, double *max);

/* The real value of integer v at input feature j: (v - zero_point)·scale; NaN if j is
 * not an input of the model. */
double model_dequantize_input(const zk_model *model, uint32_t j, int32_t v);

/* The real value of integer v at output i: (v - zero_point)·scale; NaN if i is not an
 * output of the model. */
double model_dequantize_output(const zk_model *model, uint32_t i, int32_t v);

/* ---- the canonical public descriptor ---- */

/* Bytes of the encoded descriptor of a valid model (0 if some Q is out of bounds). */
size_t model_descriptor_size(const zk_model *model);

/*
 * Encode the public part into a malloc'd buffer (*out, *out_len).  The model must pass
 * model_validate_public.  MODEL_OK, MODEL_ERR_INVALID or MODEL_ERR_NOMEM.
 */
int model_descriptor_encode(uint8_t **out, size_t *out_len, const zk_model *model, char *err);

/*
 * Decode a descriptor into a model without weights (the caller frees it with
 * model_free).  Strict: exact length, every field checked.  On failure the model is
 * empty.
 */
int model_descriptor_decode(zk_model *model, const uint8_t *buf, size_t len, char *err);

/* SHA-256 of the canonical descriptor (docs/protocol.md 7.0, "stmt/model-descriptor"). */
int model_descriptor_digest(uint8_t digest[32], const zk_model *model, char *err);

/* ---- the quantized model document (Q.json) ----
 *
 *   {
 *     "format": "zkml-quantized-v1",
 *     "xbits": 8,                                   optional, default 8
 *     "layers": [
 *       {
 *         "weights": [[int, ...], ...],             m rows of n integers
 *         "bias": [int, ...],                       m int32 values
 *         "wbits": 8,                               optional, default 8
 *         "M": 123456, "s": 24,
 *         "Q": 16,                                  optional, default 16
 *         "limb_bits": 16,                          optional, default 16
 *         "activation": {"kind": "relu", "in_scale": 1, "out_scale": 1,
 *                        "min": -128, "max": 127}
 *                    or {"kind": "table", "table": [2^Q integers]}
 *       }, ...
 *     ],
 *     "inputs": [{"name": "age", "scale": 0.25, "zero_point": -80}, ...],
 *                                                   optional: n_1 entries
 *     "outputs": [{"scale": 3.0517578125e-05, "zero_point": 0}, ...],
 *                                                   optional: m_L entries
 *     "output_kind": "probability"                  optional: "score" (default) or
 *                                                   "probability"
 *   }
 *
 * kind is identity, relu, sigmoid or tanh; in_scale and out_scale default to 1, min and
 * max to the layer's output range (int8 for hidden layers, int16 for the last).  Every
 * key of an "inputs" or "outputs" entry is optional: name "" (outputs have no name),
 * scale 1, zero_point 0.  Unknown keys are errors.  n_1 is the width of the first weight
 * row; every row must agree.
 */
int model_from_json(zk_model *model, const char *text, size_t len, char *err);

/*
 * The Q.json document of a valid model with weights, malloc'd and NUL-terminated into
 * *out (*out_len bytes without the NUL): every field written out, activations as
 * explicit tables, so model_from_json gives back the same model.  It holds the
 * weights: the caller wipes it before freeing.  MODEL_OK, MODEL_ERR_INVALID or
 * MODEL_ERR_NOMEM.
 */
int model_to_json(char **out, size_t *out_len, const zk_model *model, char *err);

#endif
