/*
 * fuzz_float_model.c: hostile float model documents (zkml-float-v1).  No crash; a document
 * that parses has a finite-or-reported forward pass, and quantizing it (fixed bit widths
 * and Q, so that each input costs one quantization) either fails with a message or gives
 * a model that validates and whose descriptor round-trips.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_core_init.h"
#include "model.h"
#include "quantize.h"
#include "zkml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN], merr[ZKML_ERR_LEN];
    float_model fm;
    quant_options opt;
    zk_model m, d;
    char *report = NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    double *rows, *out;
    uint32_t f, m_out;

    if (float_model_from_json(&fm, (const char *)data, len, err) != QUANT_OK)
        return 0;
    /* two rows: zeros and ones; the forward pass must not fail on finite rows */
    f = fm.n_features;
    m_out = fm.layer[fm.n_layers - 1].m;
    rows = calloc(2 * (size_t)f, sizeof *rows);
    out = calloc(2 * (size_t)m_out, sizeof *out);
    if (rows == NULL || out == NULL)
        abort();
    for (size_t i = 0; i < f; i++)
        rows[f + i] = 1.0;
    if (quantize_float_forward(&fm, rows, 2, out, err) != QUANT_OK)
        abort();
    free(rows);
    free(out);
    float_model_free(&fm);

    quant_options_default(&opt);
    opt.xbits = 8;
    opt.wbits = 8;
    opt.q_bits = 8;
    if (quantize_model(&m, &report, (const char *)data, len, NULL, 0, NULL, 0, &opt, err)
        != QUANT_OK) {
        if (report != NULL || err[0] == '\0')
            abort();
        return 0;
    }
    if (report == NULL || model_validate(&m, merr) != MODEL_OK ||
        model_descriptor_encode(&bytes, &n, &m, merr) != MODEL_OK ||
        model_descriptor_decode(&d, bytes, n, merr) != MODEL_OK)
        abort();
    free(report);
    free(bytes);
    model_free(&d);
    model_free(&m);
    return 0;
}
