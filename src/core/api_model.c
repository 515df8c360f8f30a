/*
 * api_model.c: the front door's models (zkml.h): open a model from its key file and/or
 * public file once, describe it, quantize feature rows, score integer rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* The facts of zkml_model_describe, from the decoded model. */
static int
describe(zkml_model *m, char *err)
{
    const model_kind *kind = m->kind;
    uint32_t n_in = kind->n_inputs(m->model), j;

    m->names = calloc(n_in, sizeof *m->names);
    m->input_min = calloc(n_in, sizeof *m->input_min);
    m->input_max = calloc(n_in, sizeof *m->input_max);
    if (m->names == NULL || m->input_min == NULL || m->input_max == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    for (j = 0; j < n_in; j++) {
        m->names[j] = kind->input_name(m->model, j);
        kind->input_range(m->model, j, &m->input_min[j], &m->input_max[j]);
    }
    kind->shapes(m->model, m->shapes, sizeof m->shapes);
    m->info.has_key = m->has_key;
    m->info.kind = kind->name;
    m->info.n_inputs = n_in;
    m->info.n_outputs = kind->n_outputs(m->model);
    m->info.shapes = m->shapes;
    m->info.input_names = m->names;
    m->info.input_min = m->input_min;
    m->info.input_max = m->input_max;
    m->info.proves_in_parts = kind->binds_group;
    return ZKML_OK;
}

int
zkml_model_open(zkml_model **out, const uint8_t *key, size_t key_len, const uint8_t *pub,
                size_t pub_len, char *err)
{
    zkml_model *m;
    int rc;

    *out = NULL;
    if (key == NULL && pub == NULL)
        return zkml_fail(err, ZKML_E_INVALID, "neither a key file nor a public file");
    if ((m = calloc(1, sizeof *m)) == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    if (key != NULL) {
        rc = modelkey_decode(&m->key, key, key_len, err);
        if (rc != MODELKEY_OK) {
            free(m);
            return rc == MODELKEY_ERR_NOMEM ? ZKML_E_NOMEM : ZKML_E_INVALID;
        }
        m->has_key = 1;
        m->kind = m->key.kind;
        m->model = &m->key.model;
        if (pub != NULL) {      /* decoded by the first proof, which needs it */
            if ((m->pub_bytes = malloc(pub_len > 0 ? pub_len : 1)) == NULL) {
                zkml_model_close(m);
                return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
            }
            memcpy(m->pub_bytes, pub, pub_len);
            m->pub_len = pub_len;
        }
    } else {
        rc = modelpub_decode(&m->pub, pub, pub_len, err);
        if (rc != MODELKEY_OK) {
            free(m);
            return rc == MODELKEY_ERR_NOMEM ? ZKML_E_NOMEM : ZKML_E_BAD_PUBLIC;
        }
        m->pub_ready = 1;
        m->kind = m->pub.kind;
        m->model = &m->pub.model;
    }
    if (pub != NULL) {
        if (modelpub_digest(m->info.digest, pub, pub_len, err) != MODELKEY_OK) {
            zkml_model_close(m);
            return ZKML_E_INTERNAL;
        }
        m->info.has_digest = 1;
    }
    if ((rc = describe(m, err)) != ZKML_OK) {
        zkml_model_close(m);
        return rc;
    }
    *out = m;
    return ZKML_OK;
}

void
zkml_model_close(zkml_model *m)
{
    if (m == NULL)
        return;
    modelkey_free(&m->key);     /* wipes the seed and the weights */
    modelpub_free(&m->pub);
    free(m->pub_bytes);
    free(m->names);
    free(m->input_min);
    free(m->input_max);
    explicit_bzero(m, sizeof *m);
    free(m);
}

const zkml_model_info *
zkml_model_describe(const zkml_model *m)
{
    return &m->info;
}

int
api_model_public_ready(zkml_model *m, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc;

    if (m->pub_ready)
        return ZKML_OK;
    if (m->pub_bytes != NULL) {
        rc = modelpub_decode(&m->pub, m->pub_bytes, m->pub_len, sub);
    } else {
        rc = modelpub_from_key(&m->pub, &m->key, sub);
        if (rc == MODELKEY_OK)
            rc = modelpub_encode(&bytes, &len, &m->pub, sub);
        if (rc == MODELKEY_OK)
            rc = modelpub_digest(m->info.digest, bytes, len, sub);
        free(bytes);
        if (rc == MODELKEY_OK)
            m->info.has_digest = 1;
    }
    if (rc != MODELKEY_OK) {
        modelpub_free(&m->pub);
        return zkml_fail(err, rc == MODELKEY_ERR_NOMEM ? ZKML_E_NOMEM
                              : m->pub_bytes != NULL ? ZKML_E_BAD_PUBLIC : ZKML_E_INTERNAL,
                         "public file: %s", sub);
    }
    free(m->pub_bytes);
    m->pub_bytes = NULL;
    m->pub_ready = 1;
    return ZKML_OK;
}

int
zkml_quantize_row(const zkml_model *m, const double *features, zkml_feature_policy policy,
                  int32_t *out, uint32_t *failed, char *err)
{
    return m->kind->quantize_row(m->model, features, policy, out, failed, err);
}

double
zkml_dequantize_input(const zkml_model *m, uint32_t j, int32_t v)
{
    return m->kind->dequantize_input(m->model, j, v);
}

double
zkml_dequantize_output(const zkml_model *m, uint32_t i, int32_t v)
{
    return m->kind->dequantize_output(m->model, i, v);
}

int
zkml_score_rows(const zkml_model *m, const int32_t *rows, size_t batch, double *scores,
                size_t *failed_row, char *err)
{
    size_t b, i, n_out = m->info.n_outputs;
    int32_t *out;
    int rc;

    if (!m->has_key)
        return zkml_fail(err, ZKML_E_NO_KEY, "the model was opened from its public file: "
                         "it has no weights");
    if ((out = malloc(batch * n_out * sizeof *out + 1)) == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    rc = m->kind->forward(m->model, rows, batch, out, failed_row, err);
    if (rc == ZKML_OK)
        for (b = 0; b < batch; b++)
            for (i = 0; i < n_out; i++)
                scores[b * n_out + i] =
                    m->kind->dequantize_output(m->model, (uint32_t)i, out[b * n_out + i]);
    free(out);
    return rc;
}

uint64_t
zkml_prove_memory_estimate(const zkml_model *m, size_t batch)
{
    return m->kind->prove_memory_estimate(m->model, batch);
}
