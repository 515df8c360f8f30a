/*
 * weights.c: the W polynomial and its registration commitment (docs/protocol.md 6.3, 7).
 */
#include <stdlib.h>
#include <string.h>

#include "infer_layout.h"
#include "layout.h"
#include "weights.h"

int
weights_layout_build(weights_layout *lay, const zk_model *model)
{
    unsigned logs[2 * MODEL_MAX_LAYERS], l, L = model->n_layers;
    size_t offsets[2 * MODEL_MAX_LAYERS];
    int lw;

    memset(lay, 0, sizeof *lay);
    if (model_validate_public(model, NULL) != MODEL_OK)
        return -1;
    for (l = 0; l < L; l++) {
        lay->nu[l] = infer_log2_ceil(model->layer[l].n);
        lay->mu[l] = infer_log2_ceil(model->layer[l].m);
        logs[l] = lay->nu[l] + lay->mu[l];
        logs[L + l] = lay->mu[l];
    }
    lw = layout_place(offsets, logs, 2 * L);
    if (lw < 0)
        return -1;
    for (l = 0; l < L; l++) {
        lay->w_offset[l] = offsets[l];
        lay->b_offset[l] = offsets[L + l];
    }
    lay->l_W = (unsigned)lw;
    return 0;
}

int
weights_table(int64_t **out, const weights_layout *lay, const zk_model *model)
{
    int64_t *P;
    unsigned l;
    int v2 = model_version(model) == 2;

    *out = NULL;
    for (l = 0; l < model->n_layers; l++)
        if (v2 ? model->weights[l].w64 == NULL || model->weights[l].bias64 == NULL
               : model->weights[l].w == NULL || model->weights[l].bias == NULL)
            return -1;
    P = calloc((size_t)1 << lay->l_W, sizeof(int64_t));
    if (P == NULL)
        return -1;
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        size_t i, j;

        for (i = 0; i < ly->m; i++) {
            for (j = 0; j < ly->n; j++)
                P[lay->w_offset[l] + j + ((size_t)1 << lay->nu[l]) * i] =
                    model_weight_at(model, l, i * ly->n + j);
            P[lay->b_offset[l] + i] = model_bias_at(model, l, i);
        }
    }
    *out = P;
    return 0;
}

int
weights_commit(hyrax_commitment *rows, const weights_layout *lay, const zk_model *model,
               const uint8_t seed[32])
{
    unsigned lc, lr;
    size_t nrows, len = (size_t)1 << lay->l_W, i;
    int64_t *P;
    int32_t *small = NULL;
    fq_t *beta, *full = NULL;
    int rc = -1;

    memset(rows, 0, sizeof *rows);
    hyrax_split(lay->l_W, &lc, &lr);
    nrows = (size_t)1 << lr;
    if (weights_table(&P, lay, model) != 0)
        return -1;
    /* version 1 entries are int32 (the small-scalar path); version 2's up to 62 bits */
    if (model_version(model) == 2)
        full = malloc(len * sizeof(fq_t));
    else
        small = malloc(len * sizeof(int32_t));
    beta = malloc(nrows * sizeof(fq_t));
    if (beta != NULL && (full != NULL || small != NULL) &&
        hyrax_blinds_from_seed(beta, nrows, seed) == 0) {
        for (i = 0; i < len; i++) {
            if (full != NULL)
                fq_set_i64(&full[i], P[i]);
            else
                small[i] = (int32_t)P[i];
        }
        rc = full != NULL ? hyrax_commit(rows, full, lay->l_W, hyrax_lc(lay->l_W), beta)
                          : hyrax_commit_small(rows, small, lay->l_W, hyrax_lc(lay->l_W),
                                               beta);
    }
    if (beta != NULL)
        explicit_bzero(beta, nrows * sizeof(fq_t));
    if (full != NULL)
        explicit_bzero(full, len * sizeof(fq_t));
    if (small != NULL)
        explicit_bzero(small, len * sizeof(int32_t));
    explicit_bzero(P, len * sizeof(int64_t));
    free(beta);
    free(full);
    free(small);
    free(P);
    return rc;
}
