/*
 * fuzz_receipt_rows.c: a hostile receipt and public file through receipt_read_rows, the
 * path of zkml_receipt_rows.  Input: a u32 (little-endian) length L, then L bytes of
 * public file, then the receipt.  No crash, no read outside either buffer (the
 * sanitizers watch); and rows come out only with the model's shapes, each value the
 * dequantization of the receipt's integer (NaN for every feature of a committed
 * receipt, which carries none).  A receipt of several proofs is held to the shapes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_core_init.h"
#include "model.h"
#include "modelkey.h"
#include "receipt.h"
#include "receipt_group.h"
#include "zkml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* a and b are the same double, NaN included */
static int
same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN];
    receipt_rows rows;
    receipt r;
    modelpub pub;
    size_t pub_len, b, j;
    uint32_t last;

    if (len < 4)
        return 0;
    pub_len = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
              (size_t)data[3] << 24;
    if (pub_len > len - 4)
        return 0;
    if (receipt_read_rows(&rows, data + 4 + pub_len, len - 4 - pub_len, data + 4, pub_len,
                          err) != RECEIPT_ROWS_OK)
        return 0;
    /* it read: the public file decodes and the shapes are the model's */
    if (modelpub_decode(&pub, data + 4, pub_len, err) != MODELKEY_OK)
        abort();
    last = pub.model.n_layers - 1;
    if (rows.n_in != pub.model.layer[0].n || rows.n_out != pub.model.layer[last].m)
        abort();
    if (receipt_is_group(data + 4 + pub_len, len - 4 - pub_len)) {
        modelpub_free(&pub);
        receipt_rows_free(&rows);
        return 0;
    }
    /* a single receipt decodes, with the rows it read */
    if (receipt_decode(&r, data + 4 + pub_len, len - 4 - pub_len, err) != 0 ||
        rows.batch != r.batch || rows.committed != r.committed)
        abort();
    for (b = 0; b < rows.batch; b++) {
        if (rows.key_lens[b] != (r.keys != NULL ? r.key_lens[b] : 0))
            abort();
        for (j = 0; j < rows.n_in; j++)
            if (!same(rows.features[b * rows.n_in + j],
                      r.committed ? NAN
                                  : model_dequantize_input(&pub.model, (uint32_t)j,
                                                           r.inputs[b * rows.n_in + j])))
                abort();
        for (j = 0; j < rows.n_out; j++)
            if (!same(rows.scores[b * rows.n_out + j],
                      model_dequantize_output(&pub.model, (uint32_t)j,
                                              r.outputs[b * rows.n_out + j])))
                abort();
    }
    receipt_free(&r);
    modelpub_free(&pub);
    receipt_rows_free(&rows);
    return 0;
}
