/*
 * model_dense.c: the dense network as the first kind of model (model_kind.h): its
 * operations are those of model.h (descriptor, interface, forward pass), weights.h (the
 * W commitment) and infer_proof.h (the inference proof), on a zk_model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "model_kind.h"
#include "weights.h"

/* The front door's code for a model.h code. */
static int
zkml_code(int model_rc)
{
    switch (model_rc) {
    case MODEL_OK:
        return ZKML_OK;
    case MODEL_ERR_NOMEM:
        return ZKML_E_NOMEM;
    case MODEL_ERR_RANGE:
        return ZKML_E_ROW_RANGE;
    case MODEL_ERR_FEATURE_RANGE:
        return ZKML_E_FEATURE_RANGE;
    default:
        return ZKML_E_INVALID;
    }
}

static int
dense_descriptor_decode(void *model, const uint8_t *buf, size_t len, char *err)
{
    return zkml_code(model_descriptor_decode(model, buf, len, err));
}

static int
dense_descriptor_encode(uint8_t **out, size_t *out_len, const void *model, char *err)
{
    return zkml_code(model_descriptor_encode(out, out_len, model, err));
}

static void
dense_free(void *model)
{
    zk_model *m = model;
    uint32_t l;

    for (l = 0; l < MODEL_MAX_LAYERS; l++) {
        size_t rows = m->layer[l].m, cols = m->layer[l].n;

        if (m->weights[l].w != NULL)
            explicit_bzero(m->weights[l].w, rows * cols * sizeof(int32_t));
        if (m->weights[l].bias != NULL)
            explicit_bzero(m->weights[l].bias, rows * sizeof(int32_t));
        if (m->weights[l].w64 != NULL)
            explicit_bzero(m->weights[l].w64, rows * cols * sizeof(int64_t));
        if (m->weights[l].bias64 != NULL)
            explicit_bzero(m->weights[l].bias64, rows * sizeof(int64_t));
    }
    model_free(m);
}

static uint32_t
dense_n_inputs(const void *model)
{
    return ((const zk_model *)model)->layer[0].n;
}

static uint32_t
dense_n_outputs(const void *model)
{
    const zk_model *m = model;

    return m->layer[m->n_layers - 1].m;
}

static void
dense_shapes(const void *model, char *buf, size_t len)
{
    const zk_model *m = model;
    size_t at;
    uint32_t l;

    if (len == 0)
        return;
    at = (size_t)snprintf(buf, len, "%u", (unsigned)m->layer[0].n);
    for (l = 0; l < m->n_layers && at < len; l++)
        at += (size_t)snprintf(buf + at, len - at, "-%u", (unsigned)m->layer[l].m);
}

static const char *
dense_input_name(const void *model, uint32_t j)
{
    return model_input_name(model, j);
}

static int
dense_input_range(const void *model, uint32_t j, double *min, double *max)
{
    return zkml_code(model_input_range(model, j, min, max));
}

static int
dense_quantize_row(const void *model, const double *features, zkml_feature_policy policy,
                   int32_t *out, uint32_t *failed, char *err)
{
    return zkml_code(model_quantize_features_policy(model, features, policy, out, failed,
                                                    err));
}

static double
dense_dequantize_input(const void *model, uint32_t j, int32_t v)
{
    return model_dequantize_input(model, j, v);
}

static double
dense_dequantize_output(const void *model, uint32_t i, int32_t v)
{
    return model_dequantize_output(model, i, v);
}

static int
dense_validate(const void *model, char *err)
{
    return zkml_code(model_validate(model, err));
}

static int
dense_from_document(void *model, const char *text, size_t len, char *err)
{
    int rc = model_from_json(model, text, len, err);

    if (rc == MODEL_OK)
        rc = model_validate(model, err);
    if (rc != MODEL_OK)
        dense_free(model);
    return zkml_code(rc);
}

/* Per layer: W_l row-major, then bias_l, as i32 in version 1, as i64 (the folded W', b')
 * in version 2 (modelkey.h).  At most 16 · 8 · (2^32 + 2^16) bytes for valid shapes: no
 * overflow in 64 bits. */
static uint64_t
dense_secret_size(const void *model)
{
    const zk_model *m = model;
    uint64_t total = 0, width = model_version(m) == 2 ? 8 : 4;
    uint32_t l;

    for (l = 0; l < m->n_layers; l++)
        total += ((uint64_t)m->layer[l].m * m->layer[l].n + m->layer[l].m) * width;
    return total;
}

static void
dense_secret_write(uint8_t *p, const void *model)
{
    const zk_model *m = model;
    uint32_t l;

    for (l = 0; l < m->n_layers && model_version(m) == 2; l++) {
        const model_layer *ly = &m->layer[l];
        size_t i;

        for (i = 0; i < (size_t)ly->m * ly->n; i++, p += 8)
            le_put_u64(p, (uint64_t)m->weights[l].w64[i]);
        for (i = 0; i < ly->m; i++, p += 8)
            le_put_u64(p, (uint64_t)m->weights[l].bias64[i]);
    }
    for (l = 0; l < m->n_layers && model_version(m) == 1; l++) {
        const model_layer *ly = &m->layer[l];
        size_t i;

        for (i = 0; i < (size_t)ly->m * ly->n; i++, p += 4)
            le_put_u32(p, (uint32_t)m->weights[l].w[i]);
        for (i = 0; i < ly->m; i++, p += 4)
            le_put_u32(p, (uint32_t)m->weights[l].bias[i]);
    }
}

/* The caller has checked that len is dense_secret_size(model). */
static int
dense_secret_decode(void *model, const uint8_t *p, size_t len, char *err)
{
    zk_model *m = model;
    uint32_t l;

    (void)len;
    for (l = 0; l < m->n_layers && model_version(m) == 2; l++) {
        size_t rows = m->layer[l].m, cols = m->layer[l].n, i;

        m->weights[l].w64 = malloc(rows * cols * sizeof(int64_t));
        m->weights[l].bias64 = malloc(rows * sizeof(int64_t));
        if (m->weights[l].w64 == NULL || m->weights[l].bias64 == NULL)
            return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
        for (i = 0; i < rows * cols; i++, p += 8)
            m->weights[l].w64[i] = (int64_t)le_get_u64(p);
        for (i = 0; i < rows; i++, p += 8)
            m->weights[l].bias64[i] = (int64_t)le_get_u64(p);
    }
    for (l = 0; l < m->n_layers && model_version(m) == 1; l++) {
        size_t rows = m->layer[l].m, cols = m->layer[l].n, i;

        m->weights[l].w = malloc(rows * cols * sizeof(int32_t));
        m->weights[l].bias = malloc(rows * sizeof(int32_t));
        if (m->weights[l].w == NULL || m->weights[l].bias == NULL)
            return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
        for (i = 0; i < rows * cols; i++, p += 4)
            m->weights[l].w[i] = le_get_i32(p);
        for (i = 0; i < rows; i++, p += 4)
            m->weights[l].bias[i] = le_get_i32(p);
    }
    return ZKML_OK;
}

static int
dense_forward(const void *model, const int32_t *rows, size_t batch, int32_t *outputs,
              size_t *failed_row, char *err)
{
    model_trace tr;
    int rc = model_forward(&tr, model, rows, batch, 0, err);

    if (rc == MODEL_ERR_RANGE && failed_row != NULL)
        *failed_row = tr.failed_row;
    if (rc != MODEL_OK)
        return zkml_code(rc);
    memcpy(outputs, tr.out, batch * dense_n_outputs(model) * sizeof(int32_t));
    model_trace_free(&tr);
    return ZKML_OK;
}

static unsigned
dense_commitment_vars(const void *model)
{
    weights_layout lay;

    return weights_layout_build(&lay, model) == 0 ? lay.l_W : 0;
}

static int
dense_commit(hyrax_commitment *c, const void *model, const uint8_t seed[32], char *err)
{
    weights_layout lay;

    if (weights_layout_build(&lay, model) != 0)
        return zkml_fail(err, ZKML_E_INVALID, "invalid model: no W layout");
    if (weights_commit(c, &lay, model, seed) != 0)
        return zkml_fail(err, ZKML_E_INTERNAL, "committing to the weights failed");
    return ZKML_OK;
}

static uint64_t
dense_prove_memory_estimate(const void *model, size_t batch)
{
    return infer_prove_memory_estimate(model, batch);
}

static void
dense_statement(infer_statement *out, const model_statement *st)
{
    out->model = st->model;
    out->w_rows = st->commitment;
    out->batch = st->batch;
    out->inputs = st->inputs;
    out->outputs = st->outputs;
    out->context = st->context;
    out->context_len = st->context_len;
    out->group = st->group;
    out->committed = st->committed;
    out->nonce = st->nonce;
    out->row_commitments = st->row_commitments;
}

static int
dense_prove(uint8_t **proof, size_t *proof_len, const model_statement *st,
            const uint8_t seed[32], const infer_options *opts, char *err)
{
    infer_statement ist;

    dense_statement(&ist, st);
    return infer_prove(proof, proof_len, &ist, seed, opts, err) == 0 ? ZKML_OK
                                                                      : ZKML_E_INTERNAL;
}

static int
dense_verify(const model_statement *st, const uint8_t *proof, size_t proof_len,
             const char **reason)
{
    infer_statement ist;

    dense_statement(&ist, st);
    return infer_verify(&ist, proof, proof_len, reason);
}

/* Both descriptor versions are the dense kind: two tables that share every operation
 * (each dispatches on the model's version), differing in the magic and document format
 * by which a file or a document is recognized. */
#define DENSE_OPERATIONS \
    .descriptor_decode = dense_descriptor_decode, \
    .descriptor_encode = dense_descriptor_encode, \
    .free = dense_free, \
    .n_inputs = dense_n_inputs, \
    .n_outputs = dense_n_outputs, \
    .shapes = dense_shapes, \
    .input_name = dense_input_name, \
    .input_range = dense_input_range, \
    .quantize_row = dense_quantize_row, \
    .dequantize_input = dense_dequantize_input, \
    .dequantize_output = dense_dequantize_output, \
    .from_document = dense_from_document, \
    .validate = dense_validate, \
    .secret_size = dense_secret_size, \
    .secret_write = dense_secret_write, \
    .secret_decode = dense_secret_decode, \
    .forward = dense_forward, \
    .commitment_vars = dense_commitment_vars, \
    .commit = dense_commit, \
    .prove_memory_estimate = dense_prove_memory_estimate, \
    .prove = dense_prove, \
    .verify = dense_verify,

const model_kind model_kind_dense = {
    .name = "dense",
    .magic = MODEL_DESCRIPTOR_MAGIC,
    .document_format = MODEL_DOCUMENT_FORMAT,
    DENSE_OPERATIONS
};

const model_kind model_kind_dense_v2 = {
    .name = "dense",
    .magic = MODEL_DESCRIPTOR_MAGIC_V2,
    .document_format = MODEL_DOCUMENT_FORMAT_V2,
    .binds_group = 1,                   /* docs/protocol.md 7.18.1 */
    DENSE_OPERATIONS
};
