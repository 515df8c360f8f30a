/*
 * modelkey.h: the files of a registered model (docs/protocol.md 7.15, 8).
 *
 * The owner of a model keeps a private key file; anyone who verifies proofs needs only
 * the public file derived from it.  Both formats are versioned by their magic, use
 * little-endian integers, and must be exactly as long as their contents require: no
 * field is optional and nothing may follow the last one.
 *
 * Private key file MODEL.key, version 1:
 *
 *   8 bytes  magic "ZKMLKEY1"
 *   32 bytes the secret seed σ of the row blinds of the W commitment (hyrax.h)
 *   u64      D, the length of the descriptor (at most the bytes left in the file)
 *   D bytes  the canonical public descriptor (model.h)
 *   per layer l = 1 .. L, in order:
 *     i32    W_l[i][j], m_l·n_l values, row-major
 *     i32    bias_l[i], m_l values
 *   (a version 2 descriptor, ZKMLMD02: the folded W'_l and b'_l as i64 instead)
 *
 * The weight counts follow from the decoded descriptor's shapes, never from a length
 * field; the decoder checks that exactly that many bytes remain before it allocates the
 * weights, and the whole model with model_validate (weights within wbits).
 *
 * Public file MODEL.pub, version 1:
 *
 *   8 bytes  magic "ZKMLPUB1"
 *   u64      D, as above
 *   D bytes  the canonical public descriptor
 *   u32      l_W, the variables of the W polynomial: must equal the l_W that
 *            weights_layout_build gives for the descriptor
 *   2^lr × 32 bytes  the Hyrax row commitments of W (lr from hyrax_split(l_W)), each a
 *            point encoding of docs/protocol.md 1.2; the identity and invalid encodings are
 *            rejected
 *
 * The model digest is SHA-256 over the whole public file, magic included: it names one
 * committed model (descriptor and weights), so two keys of the same model have
 * different digests.
 *
 * Every function returns MODELKEY_OK or a negative code, and on failure writes into err
 * (ZKML_ERR_LEN bytes, may be NULL) a message naming the problem, e.g. "truncated
 * at byte 1234 (layer 2 weights)".  Messages never include weight values.
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_MODELKEY_H
#define ZKML_MODELKEY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hyrax.h"
#include "model.h"
#include "model_kind.h"
#include "tree_model.h"

#define MODELKEY_MAGIC "ZKMLKEY1"
#define MODELPUB_MAGIC "ZKMLPUB1"
#define MODELKEY_SEED_LEN 32

#define MODELKEY_OK 0
#define MODELKEY_ERR_INVALID (-1)   /* malformed bytes or an invalid model */
#define MODELKEY_ERR_NOMEM (-2)
#define MODELKEY_ERR_INTERNAL (-3)  /* OS randomness, hashing or commitment failure */

/*
 * The private key: σ and the whole model (public and secret parts) of its kind
 * (model_kind.h), which the descriptor's magic names.  A key built in code may leave kind
 * NULL and fill model: it stands for the dense network.  A second kind of model is a
 * second member of the union, which the kind's operations take as their model.
 */
typedef struct {
    uint8_t seed[MODELKEY_SEED_LEN];
    const model_kind *kind;
    union {
        zk_model model;         /* "dense" */
        tree_model trees;       /* "trees" (docs/protocol.md 15, 16) */
    };
} modelkey;

/* The public file: the model of its kind without its secret part, and the row
 * commitments of the secret part (for "dense", W). */
typedef struct {
    const model_kind *kind;     /* NULL: the dense network, as for modelkey */
    union {
        zk_model model;         /* "dense" */
        tree_model trees;       /* "trees" (docs/protocol.md 15, 16) */
    };
    hyrax_commitment rows;
} modelpub;

/* Wipe σ and the weights (explicit_bzero), then release everything. */
void modelkey_free(modelkey *key);
void modelpub_free(modelpub *pub);

/*
 * Parse a Q.json document (model.h), validate it and draw a fresh σ from the operating
 * system (OpenSSL RAND_bytes).  On failure the key is empty.
 */
int modelkey_generate(modelkey *key, const char *json, size_t json_len, char *err);

/*
 * The key file bytes, malloc'd into *out.  They hold secrets: release them with
 * modelkey_bytes_free.
 */
int modelkey_encode(uint8_t **out, size_t *out_len, const modelkey *key, char *err);
void modelkey_bytes_free(uint8_t *buf, size_t len);

/* Strict decoder of a key file.  On failure the key is empty. */
int modelkey_decode(modelkey *key, const uint8_t *buf, size_t len, char *err);

/*
 * The public part of a key: its descriptor and the row commitments of W with σ's
 * blinds (weights_commit).  Deterministic.  Needs zkml_init().
 */
int modelpub_from_key(modelpub *pub, const modelkey *key, char *err);

/* The public file bytes, malloc'd into *out. */
int modelpub_encode(uint8_t **out, size_t *out_len, const modelpub *pub, char *err);

/* Strict decoder of a public file.  On failure pub is empty. */
int modelpub_decode(modelpub *pub, const uint8_t *buf, size_t len, char *err);

/* The model digest: SHA-256 of the public file bytes. */
int modelpub_digest(uint8_t digest[32], const uint8_t *buf, size_t len, char *err);

/* ---- whole-file operations, for the command line ---- */

/* Q.json text -> key file bytes (release with modelkey_bytes_free). */
int modelkey_keygen(uint8_t **out, size_t *out_len, const char *json, size_t json_len,
                    char *err);

/* Key file bytes -> public file bytes.  Needs zkml_init(). */
int modelkey_public(uint8_t **out, size_t *out_len, const uint8_t *key_buf, size_t key_len,
                    char *err);

#endif
