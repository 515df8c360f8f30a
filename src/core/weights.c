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
weights_table(int32_t **out, const weights_layout *lay, const zk_model *model)
{
    int32_t *P;
    unsigned l;

    *out = NULL;
    for (l = 0; l < model->n_layers; l++)
        if (model->weights[l].w == NULL || model->weights[l].bias == NULL)
            return -1;
    P = calloc((size_t)1 << lay->l_W, sizeof(int32_t));
    if (P == NULL)
        return -1;
    for (l = 0; l < model->n_layers; l++) {
        const model_layer *ly = &model->layer[l];
        size_t i, j;

        for (i = 0; i < ly->m; i++) {
            for (j = 0; j < ly->n; j++)
                P[lay->w_offset[l] + j + ((size_t)1 << lay->nu[l]) * i] =
                    model->weights[l].w[i * ly->n + j];
            P[lay->b_offset[l] + i] = model->weights[l].bias[i];
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
    size_t nrows;
    int32_t *P;
    fq_t *beta;
    int rc = -1;

    memset(rows, 0, sizeof *rows);
    hyrax_split(lay->l_W, &lc, &lr);
    nrows = (size_t)1 << lr;
    if (weights_table(&P, lay, model) != 0)
        return -1;
    beta = malloc(nrows * sizeof(fq_t));
    if (beta != NULL && hyrax_blinds_from_seed(beta, nrows, seed) == 0)
        rc = hyrax_commit_small(rows, P, lay->l_W, beta);
    if (beta != NULL)
        explicit_bzero(beta, nrows * sizeof(fq_t));
    explicit_bzero(P, ((size_t)1 << lay->l_W) * sizeof(int32_t));
    free(beta);
    free(P);
    return rc;
}
