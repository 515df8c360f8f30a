/*
 * fuzz_model_json.c: hostile quantized-model documents (Q.json).  No crash; a document
 * that is accepted gives a model that validates and whose descriptor round-trips.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_core_init.h"
#include "model.h"
#include "zkml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN];
    zk_model m, d;
    uint8_t *bytes = NULL;
    size_t n = 0;

    if (model_from_json(&m, (const char *)data, len, err) != MODEL_OK)
        return 0;
    if (model_validate(&m, err) != MODEL_OK ||
        model_descriptor_encode(&bytes, &n, &m, err) != MODEL_OK ||
        model_descriptor_decode(&d, bytes, n, err) != MODEL_OK)
        abort();
    free(bytes);
    model_free(&d);
    model_free(&m);
    return 0;
}
