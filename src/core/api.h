/*
 * api.h: what the files of the front door (zkml.h) share inside the core: the model
 * handle.  Nothing outside api_*.c includes it.
 */
#ifndef ZKML_API_H
#define ZKML_API_H

#include "error.h"
#include "model_kind.h"
#include "modelkey.h"

/* A kind's shape for people: "20-64-32-1" for a dense network of MODEL_MAX_LAYERS + 1
 * widths of at most 5 digits, with dashes. */
#define API_SHAPES_LEN 128

struct zkml_model {
    int has_key;
    modelkey key;               /* has_key: the secret seed and the model with weights */
    modelpub pub;               /* the decoded public file, once pub_ready */
    int pub_ready;
    uint8_t *pub_bytes;         /* a key's given public file, until its first proof */
    size_t pub_len;
    const model_kind *kind;     /* the key's or the public file's */
    const void *model;          /* &key.model, or &pub.model when verify-only */
    zkml_model_info info;
    char shapes[API_SHAPES_LEN];
    const char **names;         /* n_1 pointers into the model (or "") */
    double *input_min, *input_max;
};

/*
 * The public file of a model opened from its key, ready for a proof: the given one
 * decoded, or the key's own derived (and its digest recorded).  0, or a ZKML_E_ code
 * with err ("public file: ...").  Needs zkml_init().
 */
int api_model_public_ready(zkml_model *m, char *err);

#endif
