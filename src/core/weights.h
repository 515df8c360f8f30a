/*
 * weights.h: the W polynomial of a model and its commitment, made once at registration
 * (docs/protocol.md 6.3 "W polynomial", 7.15).
 *
 * W holds W_1..W_L, then b_1..b_L, placed by the rule of 6.3 (layout.h): W_l[i][j] at
 * index j + 2^ν_l·i of its column of 2^(μ_l + ν_l) entries, b_l[i] at index i of its
 * column of 2^μ_l entries; padded entries are zero.  The commitment is Hyrax with row
 * blinds derived from the model's secret seed, so the same model and seed always give
 * the same public rows, and a proof can open W without storing any blind.
 */
#ifndef ZKML_WEIGHTS_H
#define ZKML_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "hyrax.h"
#include "model.h"

typedef struct {
    unsigned l_W;                                   /* variables of W */
    unsigned nu[MODEL_MAX_LAYERS], mu[MODEL_MAX_LAYERS];
    size_t w_offset[MODEL_MAX_LAYERS];              /* column of W_l */
    size_t b_offset[MODEL_MAX_LAYERS];              /* column of b_l */
} weights_layout;

/* The placement, from the public shapes alone.  0, or -1 if the model is invalid. */
int weights_layout_build(weights_layout *lay, const zk_model *model);

/*
 * The W table (2^l_W int64 entries, malloc'd into *out; a secret: wipe it after use):
 * W and the bias in version 1 (int32 values), the folded W' and b' in version 2
 * (docs/protocol.md 6.4).  0, or -1 on allocation failure or a model without weights.
 */
int weights_table(int64_t **out, const weights_layout *lay, const zk_model *model);

/*
 * The row commitments of W with the seed's blinds (each entry v committed as v mod q).  0, or -1 (allocation, hashing, or a
 * model without weights).
 */
int weights_commit(hyrax_commitment *rows, const weights_layout *lay, const zk_model *model,
                   const uint8_t seed[32]);

#endif
