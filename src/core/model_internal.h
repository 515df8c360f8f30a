/*
 * model_internal.h: what model.c, model_json.c and model_descriptor.c share; not part of
 * the core's API.
 */
#ifndef ZKML_MODEL_INTERNAL_H
#define ZKML_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "model.h"

/* The quantization of input j or output i: the model's, or the defaults (scale 1, zero
 * point 0, no name) when it has none. */
const model_io *model_input_io(const zk_model *model, uint32_t j);
const model_io *model_output_io(const zk_model *model, uint32_t i);

/* 1 if scale is a usable quantization scale: finite and positive. */
int model_scale_is_valid(double scale);

/* Layer l's own fields (shapes, bits, M, s, Q, activation) within their bounds: MODEL_OK,
 * or MODEL_ERR_INVALID naming the field. */
int model_validate_layer(const zk_model *model, uint32_t l, char *err);
/* The same for a version 2 layer (docs/protocol.md 12.5). */
int model_validate_layer_v2(const zk_model *model, uint32_t l, char *err);

#endif
