/*
 * model_kind.h: what a kind of model supplies to the core, so that the files of a model
 * (modelkey.c), receipts (receipt.c) and the front door (api_*.c) reach it only through
 * these operations (docs/protocol.md 7, 8).  The dense network (model.h, infer_proof.h) is
 * the first kind, model_dense.c; a second kind is one more table of operations and one
 * more member of the model unions in modelkey.h, not a second pipeline.
 *
 * A kind's model is the struct its operations take as `void *` (for "dense", a zk_model).
 * It has a public part, which its canonical descriptor encodes, and a secret part (the
 * weights), which only a key file holds.  The descriptor's first 8 bytes are the kind's
 * magic: a key file or public file names its kind through the descriptor it carries.
 *
 * What every kind shares is the shape of its statement (model_statement): B rows of
 * n_inputs signed integers, B rows of n_outputs integers, a Hyrax commitment to the
 * secret part made at registration, and the caller's context; and the interface of
 * model.h: integer v of input j (output i) stands for the real value
 * (v - zero_point)·scale.
 *
 * Failures follow error.h, with the front door's codes (zkml.h): ZKML_OK or ZKML_E_INVALID,
 * ZKML_E_NOMEM, ZKML_E_INTERNAL, ZKML_E_ROW_RANGE (forward), ZKML_E_FEATURE_RANGE
 * (quantize_row); err holds the message.  Verdicts follow infer_verify.
 */
#ifndef ZKML_MODEL_KIND_H
#define ZKML_MODEL_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hyrax.h"
#include "infer_proof.h"

#define MODEL_KIND_MAGIC_LEN 8

/* A proof statement of any kind (for "dense", docs/protocol.md 7.0). */
typedef struct {
    const void *model;                  /* the public part; the prover needs the secret */
    const hyrax_commitment *commitment; /* the registration's commitment to the secret */
    size_t batch;                       /* B */
    const int32_t *inputs;              /* B x n_inputs, row-major */
    const int32_t *outputs;             /* B x n_outputs, row-major */
    const uint8_t *context;
    size_t context_len;
    const uint8_t *group;               /* "stmt/group" (infer_proof.h), or NULL */
    /* committed inputs (docs/protocol.md 7.19-7.20; infer_proof.h): the verifier's inputs
     * are NULL, the prover's private */
    int committed;
    const uint8_t *nonce;
    const ge_t *row_commitments;
} model_statement;

typedef struct model_kind {
    const char *name;                   /* "dense": zkml_model_info.kind */
    char magic[MODEL_KIND_MAGIC_LEN];   /* the descriptor's first bytes */
    const char *document_format;        /* the "format" of its keygen document */
    /* Its proofs bind their place in a group ("stmt/group", docs/protocol.md 12.10.2), so
     * its rows may be proven in parts inside a receipt of several proofs. */
    int binds_group;

    /* ---- the public part ---- */

    /* Strict decoder of the descriptor into *model, without secrets; on failure the model
     * is empty.  The encoder needs a valid public part. */
    int (*descriptor_decode)(void *model, const uint8_t *buf, size_t len, char *err);
    int (*descriptor_encode)(uint8_t **out, size_t *out_len, const void *model, char *err);
    /* Wipe the secret part (explicit_bzero), release everything and zero *model. */
    void (*free)(void *model);
    uint32_t (*n_inputs)(const void *model);
    uint32_t (*n_outputs)(const void *model);
    /* The shape for people, e.g. "20-64-32-1", NUL-terminated within len bytes. */
    void (*shapes)(const void *model, char *buf, size_t len);

    /* ---- the interface (model.h: quantization of inputs and outputs) ---- */

    const char *(*input_name)(const void *model, uint32_t j);
    int (*input_range)(const void *model, uint32_t j, double *min, double *max);
    int (*quantize_row)(const void *model, const double *features,
                        zkml_feature_policy policy, int32_t *out, uint32_t *failed,
                        char *err);
    double (*dequantize_input)(const void *model, uint32_t j, int32_t v);
    double (*dequantize_output)(const void *model, uint32_t i, int32_t v);

    /* ---- the secret part ---- */

    /* A model with its secret part from the kind's document (document_format), valid. */
    int (*from_document)(void *model, const char *text, size_t len, char *err);
    /* The public and secret parts together pass every rule of the kind. */
    int (*validate)(const void *model, char *err);
    /* The secret part as a key file holds it after the descriptor: exactly secret_size
     * bytes; the decoder requires exactly that many. */
    uint64_t (*secret_size)(const void *model);
    void (*secret_write)(uint8_t *out, const void *model);
    int (*secret_decode)(void *model, const uint8_t *buf, size_t len, char *err);

    /* ---- what is computed and proven ---- */

    /* outputs (B x n_outputs) of B rows; ZKML_E_ROW_RANGE with *failed_row when a row
     * leaves the range the model was quantized for (err for the key holder only). */
    int (*forward)(const void *model, const int32_t *rows, size_t batch, int32_t *outputs,
                   size_t *failed_row, char *err);
    /* The variables of the committed polynomial, from the public part; 0 if none. */
    unsigned (*commitment_vars)(const void *model);
    /* The commitment to the secret part, blinds derived from seed.  Needs zkml_init(). */
    int (*commit)(hyrax_commitment *c, const void *model, const uint8_t seed[32], char *err);
    uint64_t (*prove_memory_estimate)(const void *model, size_t batch);
    /* The proof of a statement whose outputs are the forward pass's; ZKML_E_UNSUPPORTED
     * for a kind whose proofs are not built yet. */
    int (*prove)(uint8_t **proof, size_t *proof_len, const model_statement *st,
                 const uint8_t seed[32], const infer_options *opts, char *err);
    /* 1 accept; 0 reject with *reason; -1 unusable statement or internal failure. */
    int (*verify)(const model_statement *st, const uint8_t *proof, size_t proof_len,
                  const char **reason);
} model_kind;

/* The dense network: model.h, weights.h, infer_proof.h; its descriptor version 1
 * (ZKMLMD01) and version 2 (ZKMLMD02, docs/protocol.md 6.4, 7.17) share the operations. */
extern const model_kind model_kind_dense;
extern const model_kind model_kind_dense_v2;

/* The kind whose descriptor starts these bytes, or NULL (err says which magic it was). */
const model_kind *model_kind_of_descriptor(const uint8_t *buf, size_t len, char *err);

/* The kind of a document by its top-level "format"; the dense network when the format is
 * missing or no kind claims it (its parser then names the problem). */
const model_kind *model_kind_of_document(const char *text, size_t len);

/* The kind named name ("dense"), or NULL. */
const model_kind *model_kind_by_name(const char *name);

#endif
