/*
 * model_internal.h: what model.c and model_json.c share; not part of the core's API.
 */
#ifndef ZKML_MODEL_INTERNAL_H
#define ZKML_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Write the message into err (ZKML_ERR_LEN bytes, may be NULL) and return code. */

/* calloc of count elements (at least one) of size bytes; NULL if the product overflows. */
void *model_alloc_array(size_t count, size_t size);

/* The quantization of input j or output i: the model's, or the defaults (scale 1, zero
 * point 0, no name) when it has none. */
const model_io *model_input_io(const zk_model *model, uint32_t j);
const model_io *model_output_io(const zk_model *model, uint32_t i);

#endif
