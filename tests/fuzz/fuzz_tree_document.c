/*
 * fuzz_tree_document.c: hostile tree documents and XGBoost models (tree_json.c,
 * docs/protocol.md 15.2), and hostile tree descriptors (docs/protocol.md 12.7).  No crash; an
 * accepted document gives a model that validates, scores any row (missing values
 * included) and whose descriptor and secret part round-trip byte for byte; an accepted
 * descriptor encodes back to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_core_init.h"
#include "tree_model.h"
#include "zkml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void
descriptor_round_trip(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN];
    uint8_t *bytes = NULL;
    size_t n = 0;
    tree_model d;

    if (model_kind_trees.descriptor_decode(&d, data, len, err) != ZKML_OK)
        return;
    if (model_kind_trees.descriptor_encode(&bytes, &n, &d, err) != ZKML_OK || n != len ||
        memcmp(bytes, data, len) != 0)
        abort();
    free(bytes);
    model_kind_trees.free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[ZKML_ERR_LEN];
    tree_model m, d;
    uint8_t *bytes = NULL, *secret;
    size_t n = 0, b;
    int32_t *row, out[3];
    uint32_t j;

    if (len >= 8 && memcmp(data, TREE_DESCRIPTOR_MAGIC, 8) == 0) {
        descriptor_round_trip(data, len);
        return 0;
    }
    if (model_kind_trees.from_document(&m, (const char *)data, len, err) != ZKML_OK)
        return 0;
    if (model_kind_trees.validate(&m, err) != ZKML_OK ||
        model_kind_trees.descriptor_encode(&bytes, &n, &m, err) != ZKML_OK ||
        model_kind_trees.descriptor_decode(&d, bytes, n, err) != ZKML_OK)
        abort();
    descriptor_round_trip(bytes, n);
    free(bytes);
    secret = malloc((size_t)model_kind_trees.secret_size(&m));
    row = malloc(3 * m.n_features * sizeof *row);
    if (secret == NULL || row == NULL)
        abort();
    model_kind_trees.secret_write(secret, &m);
    if (model_kind_trees.secret_decode(&d, secret, (size_t)model_kind_trees.secret_size(&m),
                                       err) != ZKML_OK ||
        model_kind_trees.validate(&d, err) != ZKML_OK)
        abort();
    for (j = 0; j < m.n_features; j++) {
        row[j] = 0;
        row[m.n_features + j] = TREE_MISSING;
        row[2 * m.n_features + j] = (int32_t)(j * 2654435761u);
    }
    if (model_kind_trees.forward(&m, row, 3, out, &b, err) != ZKML_OK)
        abort();
    for (b = 0; b < 3; b++) {
        int32_t o2;

        if (model_kind_trees.forward(&d, row + b * m.n_features, 1, &o2, NULL, err) != ZKML_OK ||
            o2 != out[b])
            abort();
    }
    free(secret);
    free(row);
    model_kind_trees.free(&d);
    model_kind_trees.free(&m);
    return 0;
}
