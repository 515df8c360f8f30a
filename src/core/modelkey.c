/*
 * modelkey.c: the private key file and the public file of a model (PROTOCOL.md 7
 * "Registration", 8).  Formats in modelkey.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "group.h"
#include "le.h"
#include "modelkey.h"
#include "sha256.h"
#include "weights.h"

#define MAGIC_LEN 8


/* ---- a bounded little-endian reader ---- */

typedef struct {
    const uint8_t *data;
    size_t len, pos;
} reader;

/* 0, or -1 with a "truncated" message naming what was being read. */
static int
need(const reader *r, size_t n, const char *what, char *err)
{
    if (r->len - r->pos < n) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (%s)", r->len, what);
        return -1;
    }
    return 0;
}

static uint32_t
get_u32(reader *r)
{
    uint32_t v = le_get_u32(r->data + r->pos);

    r->pos += 4;
    return v;
}

static int32_t
get_i32(reader *r)
{
    int32_t v = le_get_i32(r->data + r->pos);

    r->pos += 4;
    return v;
}

static uint64_t
get_u64(reader *r)
{
    uint64_t v = le_get_u64(r->data + r->pos);

    r->pos += 8;
    return v;
}

static int
check_magic(reader *r, const char *magic, const char *kind, char *err)
{
    if (need(r, MAGIC_LEN, "magic", err) != 0)
        return -1;
    if (memcmp(r->data, magic, MAGIC_LEN) != 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "not a zkml %s file (bad magic)", kind);
        return -1;
    }
    r->pos = MAGIC_LEN;
    return 0;
}

/* The u64-length-prefixed descriptor: the length is bounded by the bytes left before
 * anything is decoded, so the tables model_descriptor_decode allocates (after checking
 * every field and the exact length) are never larger than the file. */
static int
get_descriptor(zk_model *model, reader *r, char *err)
{
    char merr[ZKML_ERR_LEN];
    uint64_t dlen;

    if (need(r, 8, "descriptor length", err) != 0)
        return MODELKEY_ERR_INVALID;
    dlen = get_u64(r);
    if (dlen > r->len - r->pos) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (descriptor length %llu at byte %zu exceeds "
                "the %zu bytes left)", r->len, (unsigned long long)dlen, r->pos - 8,
                r->len - r->pos);
        return MODELKEY_ERR_INVALID;
    }
    if (model_descriptor_decode(model, r->data + r->pos, (size_t)dlen, merr) != MODEL_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "descriptor at byte %zu: %s", r->pos, merr);
        return MODELKEY_ERR_INVALID;
    }
    r->pos += (size_t)dlen;
    return MODELKEY_OK;
}

/* The encoded descriptor with its length prefix, into a malloc'd buffer. */
static int
encode_descriptor(uint8_t **desc, size_t *desc_len, const zk_model *model, char *err)
{
    char merr[ZKML_ERR_LEN];
    int rc = model_descriptor_encode(desc, desc_len, model, merr);

    if (rc == MODEL_ERR_NOMEM) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
        return MODELKEY_ERR_NOMEM;
    }
    if (rc != MODEL_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    return MODELKEY_OK;
}

/* ---- release ---- */

static void
wipe_weights(zk_model *model)
{
    uint32_t l;

    for (l = 0; l < MODEL_MAX_LAYERS; l++) {
        size_t m = model->layer[l].m, n = model->layer[l].n;

        if (model->weights[l].w != NULL)
            explicit_bzero(model->weights[l].w, m * n * sizeof(int32_t));
        if (model->weights[l].bias != NULL)
            explicit_bzero(model->weights[l].bias, m * sizeof(int32_t));
    }
}

void
modelkey_free(modelkey *key)
{
    explicit_bzero(key->seed, sizeof key->seed);
    wipe_weights(&key->model);
    model_free(&key->model);
}

void
modelpub_free(modelpub *pub)
{
    model_free(&pub->model);
    hyrax_commitment_free(&pub->rows);
    memset(pub, 0, sizeof *pub);
}

void
modelkey_bytes_free(uint8_t *buf, size_t len)
{
    if (buf != NULL)
        explicit_bzero(buf, len);
    free(buf);
}

/* ---- the private key file ---- */

int
modelkey_generate(modelkey *key, const char *json, size_t json_len, char *err)
{
    char merr[ZKML_ERR_LEN];
    int rc;

    memset(key, 0, sizeof *key);
    rc = model_from_json(&key->model, json, json_len, merr);
    if (rc == MODEL_OK)
        rc = model_validate(&key->model, merr);
    if (rc != MODEL_OK) {
        modelkey_free(key);
        if (rc == MODEL_ERR_NOMEM) {
            zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
            return MODELKEY_ERR_NOMEM;
        }
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    if (RAND_bytes(key->seed, MODELKEY_SEED_LEN) != 1) {
        modelkey_free(key);
        zkml_fail(err, MODELKEY_ERR_INVALID, "the operating system's random generator failed");
        return MODELKEY_ERR_INTERNAL;
    }
    return MODELKEY_OK;
}

/* Bytes of all weights and biases of a model with valid shapes (at most
 * 16 · 4 · (2^32 + 2^16), no overflow in 64 bits). */
static uint64_t
weights_bytes(const zk_model *model)
{
    uint64_t total = 0;
    uint32_t l;

    for (l = 0; l < model->n_layers; l++)
        total += ((uint64_t)model->layer[l].m * model->layer[l].n + model->layer[l].m) * 4;
    return total;
}

int
modelkey_encode(uint8_t **out, size_t *out_len, const modelkey *key, char *err)
{
    char merr[ZKML_ERR_LEN];
    uint8_t *desc, *buf, *p;
    size_t desc_len, total;
    uint32_t l;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (model_validate(&key->model, merr) != MODEL_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    if (weights_bytes(&key->model) > SIZE_MAX / 2) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "model too large for this platform");
        return MODELKEY_ERR_NOMEM;
    }
    rc = encode_descriptor(&desc, &desc_len, &key->model, err);
    if (rc != MODELKEY_OK)
        return rc;
    total = MAGIC_LEN + MODELKEY_SEED_LEN + 8 + desc_len + (size_t)weights_bytes(&key->model);
    buf = malloc(total);
    if (buf == NULL) {
        free(desc);
        zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
        return MODELKEY_ERR_NOMEM;
    }
    memcpy(buf, MODELKEY_MAGIC, MAGIC_LEN);
    memcpy(buf + MAGIC_LEN, key->seed, MODELKEY_SEED_LEN);
    p = buf + MAGIC_LEN + MODELKEY_SEED_LEN;
    le_put_u64(p, desc_len);
    memcpy(p + 8, desc, desc_len);
    p += 8 + desc_len;
    free(desc);
    for (l = 0; l < key->model.n_layers; l++) {
        const model_layer *ly = &key->model.layer[l];
        size_t i;

        for (i = 0; i < (size_t)ly->m * ly->n; i++, p += 4)
            le_put_u32(p, (uint32_t)key->model.weights[l].w[i]);
        for (i = 0; i < ly->m; i++, p += 4)
            le_put_u32(p, (uint32_t)key->model.weights[l].bias[i]);
    }
    *out = buf;
    *out_len = total;
    return MODELKEY_OK;
}

/* The weights of every layer, once the exact remaining length has been checked. */
static int
get_weights(zk_model *model, reader *r, char *err)
{
    uint64_t expected = weights_bytes(model);
    uint32_t l;

    if (r->len - r->pos < expected) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (weights: %llu bytes expected after byte %zu)",
                r->len, (unsigned long long)expected, r->pos);
        return MODELKEY_ERR_INVALID;
    }
    if (r->len - r->pos > expected) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "%zu unexpected bytes after the weights, at byte %zu",
                r->len - r->pos - (size_t)expected, r->pos + (size_t)expected);
        return MODELKEY_ERR_INVALID;
    }
    for (l = 0; l < model->n_layers; l++) {
        size_t m = model->layer[l].m, n = model->layer[l].n, i;

        model->weights[l].w = malloc(m * n * sizeof(int32_t));
        model->weights[l].bias = malloc(m * sizeof(int32_t));
        if (model->weights[l].w == NULL || model->weights[l].bias == NULL) {
            zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
            return MODELKEY_ERR_NOMEM;
        }
        for (i = 0; i < m * n; i++)
            model->weights[l].w[i] = get_i32(r);
        for (i = 0; i < m; i++)
            model->weights[l].bias[i] = get_i32(r);
    }
    return MODELKEY_OK;
}

int
modelkey_decode(modelkey *key, const uint8_t *buf, size_t len, char *err)
{
    char merr[ZKML_ERR_LEN];
    reader r = { buf, len, 0 };
    int rc = MODELKEY_ERR_INVALID;

    memset(key, 0, sizeof *key);
    if (check_magic(&r, MODELKEY_MAGIC, "key", err) != 0)
        return MODELKEY_ERR_INVALID;
    if (need(&r, MODELKEY_SEED_LEN, "seed", err) != 0)
        return MODELKEY_ERR_INVALID;
    memcpy(key->seed, buf + r.pos, MODELKEY_SEED_LEN);
    r.pos += MODELKEY_SEED_LEN;
    rc = get_descriptor(&key->model, &r, err);
    if (rc == MODELKEY_OK)
        rc = get_weights(&key->model, &r, err);
    if (rc == MODELKEY_OK && model_validate(&key->model, merr) != MODEL_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        rc = MODELKEY_ERR_INVALID;
    }
    if (rc != MODELKEY_OK)
        modelkey_free(key);
    return rc;
}

/* ---- the public file ---- */

int
modelpub_from_key(modelpub *pub, const modelkey *key, char *err)
{
    char merr[ZKML_ERR_LEN];
    weights_layout lay;
    uint8_t *desc;
    size_t desc_len;
    int rc;

    memset(pub, 0, sizeof *pub);
    if (model_validate(&key->model, merr) != MODEL_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    if (weights_layout_build(&lay, &key->model) != 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: no W layout");
        return MODELKEY_ERR_INVALID;
    }
    /* The public model is the descriptor alone: a round trip drops the weights. */
    rc = encode_descriptor(&desc, &desc_len, &key->model, err);
    if (rc != MODELKEY_OK)
        return rc;
    rc = model_descriptor_decode(&pub->model, desc, desc_len, merr);
    free(desc);
    if (rc != MODEL_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "descriptor: %s", merr);
        return rc == MODEL_ERR_NOMEM ? MODELKEY_ERR_NOMEM : MODELKEY_ERR_INVALID;
    }
    if (weights_commit(&pub->rows, &lay, &key->model, key->seed) != 0) {
        modelpub_free(pub);
        zkml_fail(err, MODELKEY_ERR_INVALID, "committing to the weights failed");
        return MODELKEY_ERR_INTERNAL;
    }
    return MODELKEY_OK;
}

int
modelpub_encode(uint8_t **out, size_t *out_len, const modelpub *pub, char *err)
{
    uint8_t *desc, *buf, *p;
    size_t desc_len, nrows, total, i;
    weights_layout lay;
    unsigned lc, lr;
    int rc;

    *out = NULL;
    *out_len = 0;
    /* never write a file the decoder would refuse */
    if (weights_layout_build(&lay, &pub->model) != 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: no W layout");
        return MODELKEY_ERR_INVALID;
    }
    hyrax_split(lay.l_W, &lc, &lr);
    if (pub->rows.rows == NULL || pub->rows.l != lay.l_W || pub->rows.lr != lr) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "the row commitments do not match the descriptor");
        return MODELKEY_ERR_INVALID;
    }
    rc = encode_descriptor(&desc, &desc_len, &pub->model, err);
    if (rc != MODELKEY_OK)
        return rc;
    nrows = (size_t)1 << pub->rows.lr;
    total = MAGIC_LEN + 8 + desc_len + 4 + 32 * nrows;
    buf = malloc(total);
    if (buf == NULL) {
        free(desc);
        zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
        return MODELKEY_ERR_NOMEM;
    }
    memcpy(buf, MODELPUB_MAGIC, MAGIC_LEN);
    le_put_u64(buf + MAGIC_LEN, desc_len);
    memcpy(buf + MAGIC_LEN + 8, desc, desc_len);
    p = buf + MAGIC_LEN + 8 + desc_len;
    free(desc);
    le_put_u32(p, pub->rows.l);
    p += 4;
    for (i = 0; i < nrows; i++, p += 32)
        ge_encode(p, &pub->rows.rows[i]);
    *out = buf;
    *out_len = total;
    return MODELKEY_OK;
}

/* l_W and the row commitments, against the layout of the decoded descriptor. */
static int
get_rows(hyrax_commitment *c, const zk_model *model, reader *r, char *err)
{
    weights_layout lay;
    unsigned l_W, lc, lr;
    size_t nrows, i;

    if (weights_layout_build(&lay, model) != 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "descriptor has no W layout");
        return MODELKEY_ERR_INVALID;
    }
    if (need(r, 4, "l_W", err) != 0)
        return MODELKEY_ERR_INVALID;
    l_W = get_u32(r);
    if (l_W != lay.l_W) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "l_W at byte %zu is %u, the descriptor gives %u", r->pos - 4, l_W,
                lay.l_W);
        return MODELKEY_ERR_INVALID;
    }
    hyrax_split(l_W, &lc, &lr);
    nrows = (size_t)1 << lr;
    if (r->len - r->pos < 32 * nrows) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (%zu row commitments expected after byte %zu)",
                r->len, nrows, r->pos);
        return MODELKEY_ERR_INVALID;
    }
    if (r->len - r->pos > 32 * nrows) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "%zu unexpected bytes after the row commitments, at byte %zu",
                r->len - r->pos - 32 * nrows, r->pos + 32 * nrows);
        return MODELKEY_ERR_INVALID;
    }
    c->rows = malloc(nrows * sizeof(ge_t));
    if (c->rows == NULL) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
        return MODELKEY_ERR_NOMEM;
    }
    c->l = l_W;
    c->lc = lc;
    c->lr = lr;
    for (i = 0; i < nrows; i++, r->pos += 32) {
        ge_decode_status st = ge_decode(&c->rows[i], r->data + r->pos);

        if (st != GE_DECODE_OK) {
            zkml_fail(err, MODELKEY_ERR_INVALID, "row commitment %zu at byte %zu: %s", i, r->pos,
                    ge_decode_status_str(st));
            return MODELKEY_ERR_INVALID;
        }
        if (c->rows[i].infinity) {
            zkml_fail(err, MODELKEY_ERR_INVALID, "row commitment %zu at byte %zu is the identity", i, r->pos);
            return MODELKEY_ERR_INVALID;
        }
    }
    return MODELKEY_OK;
}

int
modelpub_decode(modelpub *pub, const uint8_t *buf, size_t len, char *err)
{
    reader r = { buf, len, 0 };
    int rc;

    memset(pub, 0, sizeof *pub);
    if (check_magic(&r, MODELPUB_MAGIC, "public", err) != 0)
        return MODELKEY_ERR_INVALID;
    rc = get_descriptor(&pub->model, &r, err);
    if (rc == MODELKEY_OK)
        rc = get_rows(&pub->rows, &pub->model, &r, err);
    if (rc != MODELKEY_OK)
        modelpub_free(pub);
    return rc;
}

int
modelpub_digest(uint8_t digest[32], const uint8_t *buf, size_t len, char *err)
{
    if (sha256_digest(digest, buf, len) != 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "hashing failed");
        return MODELKEY_ERR_INTERNAL;
    }
    return MODELKEY_OK;
}

/* ---- whole-file operations ---- */

int
modelkey_keygen(uint8_t **out, size_t *out_len, const char *json, size_t json_len,
                char *err)
{
    modelkey key;
    int rc;

    *out = NULL;
    *out_len = 0;
    rc = modelkey_generate(&key, json, json_len, err);
    if (rc != MODELKEY_OK)
        return rc;
    rc = modelkey_encode(out, out_len, &key, err);
    modelkey_free(&key);
    return rc;
}

int
modelkey_public(uint8_t **out, size_t *out_len, const uint8_t *key_buf, size_t key_len,
                char *err)
{
    modelkey key;
    modelpub pub;
    int rc;

    *out = NULL;
    *out_len = 0;
    rc = modelkey_decode(&key, key_buf, key_len, err);
    if (rc != MODELKEY_OK)
        return rc;
    rc = modelpub_from_key(&pub, &key, err);
    modelkey_free(&key);
    if (rc != MODELKEY_OK)
        return rc;
    rc = modelpub_encode(out, out_len, &pub, err);
    modelpub_free(&pub);
    return rc;
}
