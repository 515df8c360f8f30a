/*
 * api_register.c: the front door's registration (zkml.h): a float model quantized with
 * its calibration rows, a key file from a quantized document, its public file and
 * digest, and what reading feature rows needs of a float document.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"
#include "modelkey.h"
#include "quantize.h"

/* A modelkey code as the front door's. */
static int
key_code(int rc)
{
    return rc == MODELKEY_OK ? ZKML_OK
         : rc == MODELKEY_ERR_NOMEM ? ZKML_E_NOMEM
         : rc == MODELKEY_ERR_INTERNAL ? ZKML_E_INTERNAL : ZKML_E_INVALID;
}

/* A quantize.h or model.h code (the same numbers for OK, invalid and out of memory). */
static int
quant_code(int rc)
{
    return rc == QUANT_OK ? ZKML_OK : rc == QUANT_ERR_NOMEM ? ZKML_E_NOMEM : ZKML_E_INVALID;
}

int
zkml_key_generate(uint8_t **key, size_t *key_len, const char *qjson, size_t qjson_len,
                  char *err)
{
    return key_code(modelkey_keygen(key, key_len, qjson, qjson_len, err));
}

void
zkml_secret_free(void *buf, size_t len)
{
    if (buf == NULL)
        return;
    explicit_bzero(buf, len);
    free(buf);
}

int
zkml_public_from_key(uint8_t **pub, size_t *pub_len, const uint8_t *key, size_t key_len,
                     char *err)
{
    return key_code(modelkey_public(pub, pub_len, key, key_len, err));
}

int
zkml_public_digest(uint8_t digest[32], const uint8_t *pub, size_t pub_len, char *err)
{
    return key_code(modelpub_digest(digest, pub, pub_len, err));
}

int
zkml_float_features(char ***names, size_t *count, const char *float_json, size_t len,
                    char *err)
{
    float_model fm;
    char **list, *text;
    size_t j, n;
    int rc;

    *names = NULL;
    *count = 0;
    if ((rc = float_model_from_json(&fm, float_json, len, err)) != QUANT_OK)
        return quant_code(rc);
    n = fm.n_features;
    /* n pointers, then the n names of MODEL_MAX_NAME_LEN + 1 bytes they point to */
    list = malloc(n * (sizeof(char *) + MODEL_MAX_NAME_LEN + 1) + 1);
    if (list == NULL) {
        float_model_free(&fm);
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    }
    text = (char *)(list + n);
    for (j = 0; j < n; j++) {
        list[j] = text + j * (MODEL_MAX_NAME_LEN + 1);
        memcpy(list[j], fm.names[j], MODEL_MAX_NAME_LEN + 1);
    }
    float_model_free(&fm);
    *names = list;
    *count = n;
    return ZKML_OK;
}

int
zkml_quantize_options_check(const char *options, size_t len, char *err)
{
    quant_options opt;

    return quant_code(quant_options_from_json(&opt, options != NULL ? options : "",
                                              options != NULL ? len : 0, err));
}

int
zkml_quantize_model(char **qjson, size_t *qjson_len, char **report, const char *float_json,
                    size_t len, const zkml_quantize_input *in, size_t *n_features, char *err)
{
    static const zkml_quantize_input none;
    quant_options opt;
    float_model fm;
    zk_model m;
    size_t width;
    int rc;

    *qjson = NULL;
    *qjson_len = 0;
    *report = NULL;
    if (in == NULL)
        in = &none;
    rc = quant_options_from_json(&opt, in->options != NULL ? in->options : "",
                                 in->options != NULL ? in->options_len : 0, err);
    if (rc != QUANT_OK)
        return quant_code(rc);
    /* the core reads rows x features doubles: the rows' width must be the document's */
    if (in->calibration != NULL || in->holdout != NULL) {
        if ((rc = float_model_from_json(&fm, float_json, len, err)) != QUANT_OK)
            return quant_code(rc);
        width = fm.n_features;
        float_model_free(&fm);
        if (n_features != NULL)
            *n_features = width;
        if ((in->calibration != NULL && in->calibration_width != width) ||
            (in->holdout != NULL && in->holdout_width != width))
            return zkml_fail(err, ZKML_E_WIDTH, "rows of %zu values, the model takes %zu",
                             in->calibration != NULL && in->calibration_width != width
                                 ? in->calibration_width : in->holdout_width, width);
    }
    rc = quantize_model(&m, report, float_json, len, in->calibration, in->n_calibration,
                        in->holdout, in->n_holdout, &opt, err);
    if (rc != QUANT_OK)
        return quant_code(rc);
    rc = model_to_json(qjson, qjson_len, &m, err);
    model_free(&m);
    if (rc != MODEL_OK) {
        free(*report);
        *report = NULL;
        return quant_code(rc);
    }
    return ZKML_OK;
}
