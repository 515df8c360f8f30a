/*
 * fuzz_descriptor.c: hostile public model descriptors (an auditor imports them).  No
 * crash; and whatever decodes must encode back to the same bytes (the encoding is
 * canonical, so two byte strings never describe one model), and its input quantization
 * maps any finite row (here: doubles taken from the input bytes) into the xbits range.
 */
#include <math.h>
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
    zk_model m;
    uint8_t *again = NULL, digest[32];
    size_t again_len = 0;

    if (model_descriptor_decode(&m, data, len, err) != MODEL_OK)
        return 0;
    if (model_descriptor_encode(&again, &again_len, &m, err) != MODEL_OK ||
        again_len != len || memcmp(again, data, len) != 0 ||
        model_descriptor_digest(digest, &m, err) != MODEL_OK)
        abort();
    free(again);
    {
        size_t n = m.layer[0].n, j;
        double *x = malloc(n * sizeof *x);
        int32_t *q = malloc(n * sizeof *q), lim = (int32_t)1 << (m.xbits - 1);

        if (x == NULL || q == NULL)
            abort();
        for (j = 0; j < n; j++) {
            uint64_t bits = 0;

            memcpy(&bits, data + (j * 8) % (len - 7), 8);   /* len > 8: it decoded */
            memcpy(&x[j], &bits, sizeof x[j]);
            if (!isfinite(x[j]))
                x[j] = (double)j;
        }
        if (model_quantize_features(&m, x, q, err) != MODEL_OK)
            abort();
        for (j = 0; j < n; j++)
            if (q[j] < -lim || q[j] >= lim ||
                isnan(model_dequantize_input(&m, (uint32_t)j, q[j])))
                abort();
        free(x);
        free(q);
    }
    model_free(&m);
    return 0;
}
