/*
 * modelkey.c: the private key file and the public file of a model (docs/protocol.md 7
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

/* The kind of a key or public file; NULL stands for the dense network (a key built in
 * code by filling its model). */
static const model_kind *
kind_or_dense(const model_kind *kind)
{
    return kind != NULL ? kind : &model_kind_dense;
}

/* The u64-length-prefixed descriptor, decoded by the kind its magic names: the length is
 * bounded by the bytes left before anything is decoded, so the tables the decoder
 * allocates (after checking every field and the exact length) are never larger than the
 * file. */
static int
get_descriptor(const model_kind **kind, void *model, reader *r, char *err)
{
    char merr[ZKML_ERR_LEN];
    uint64_t dlen;
    int rc;

    if (need(r, 8, "descriptor length", err) != 0)
        return MODELKEY_ERR_INVALID;
    dlen = get_u64(r);
    if (dlen > r->len - r->pos) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (descriptor length %llu "
                  "at byte %zu exceeds the %zu bytes left)", r->len, (unsigned long long)dlen,
                  r->pos - 8, r->len - r->pos);
        return MODELKEY_ERR_INVALID;
    }
    *kind = model_kind_of_descriptor(r->data + r->pos, (size_t)dlen, merr);
    rc = *kind == NULL ? ZKML_E_INVALID
                       : (*kind)->descriptor_decode(model, r->data + r->pos, (size_t)dlen, merr);
    if (rc != ZKML_OK) {
        *kind = NULL;
        zkml_fail(err, MODELKEY_ERR_INVALID, "descriptor at byte %zu: %s", r->pos, merr);
        return rc == ZKML_E_NOMEM ? MODELKEY_ERR_NOMEM : MODELKEY_ERR_INVALID;
    }
    r->pos += (size_t)dlen;
    return MODELKEY_OK;
}

/* The encoded descriptor, into a malloc'd buffer. */
static int
encode_descriptor(uint8_t **desc, size_t *desc_len, const model_kind *kind, const void *model,
                  char *err)
{
    char merr[ZKML_ERR_LEN];
    int rc = kind->descriptor_encode(desc, desc_len, model, merr);

    if (rc == ZKML_E_NOMEM) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
        return MODELKEY_ERR_NOMEM;
    }
    if (rc != ZKML_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    return MODELKEY_OK;
}

/* The whole model (public and secret parts) passes its kind's rules. */
static int
validate(const model_kind *kind, const void *model, char *err)
{
    char merr[ZKML_ERR_LEN];

    if (kind->validate(model, merr) != ZKML_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    return MODELKEY_OK;
}

/* ---- release ---- */

void
modelkey_free(modelkey *key)
{
    explicit_bzero(key->seed, sizeof key->seed);
    kind_or_dense(key->kind)->free(&key->model);     /* wipes the secret part */
    key->kind = NULL;
}

void
modelpub_free(modelpub *pub)
{
    kind_or_dense(pub->kind)->free(&pub->model);
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
    const model_kind *kind = model_kind_of_document(json, json_len);
    int rc;

    memset(key, 0, sizeof *key);
    rc = kind->from_document(&key->model, json, json_len, merr);
    if (rc != ZKML_OK) {
        modelkey_free(key);
        if (rc == ZKML_E_NOMEM) {
            zkml_fail(err, MODELKEY_ERR_INVALID, "out of memory");
            return MODELKEY_ERR_NOMEM;
        }
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: %s", merr);
        return MODELKEY_ERR_INVALID;
    }
    key->kind = kind;
    if (RAND_bytes(key->seed, MODELKEY_SEED_LEN) != 1) {
        modelkey_free(key);
        zkml_fail(err, MODELKEY_ERR_INVALID, "the operating system's random generator failed");
        return MODELKEY_ERR_INTERNAL;
    }
    return MODELKEY_OK;
}

int
modelkey_encode(uint8_t **out, size_t *out_len, const modelkey *key, char *err)
{
    const model_kind *kind = kind_or_dense(key->kind);
    uint8_t *desc, *buf, *p;
    size_t desc_len, total;
    uint64_t secret;
    int rc;

    *out = NULL;
    *out_len = 0;
    if ((rc = validate(kind, &key->model, err)) != MODELKEY_OK)
        return rc;
    secret = kind->secret_size(&key->model);
    if (secret > SIZE_MAX / 2) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "model too large for this platform");
        return MODELKEY_ERR_NOMEM;
    }
    rc = encode_descriptor(&desc, &desc_len, kind, &key->model, err);
    if (rc != MODELKEY_OK)
        return rc;
    total = MAGIC_LEN + MODELKEY_SEED_LEN + 8 + desc_len + (size_t)secret;
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
    kind->secret_write(p, &key->model);
    *out = buf;
    *out_len = total;
    return MODELKEY_OK;
}

/* The secret part, once the exact remaining length has been checked. */
static int
get_secret(const model_kind *kind, void *model, reader *r, char *err)
{
    uint64_t expected = kind->secret_size(model);
    char merr[ZKML_ERR_LEN];
    int rc;

    if (r->len - r->pos < expected) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (weights: %llu bytes "
                  "expected after byte %zu)", r->len, (unsigned long long)expected, r->pos);
        return MODELKEY_ERR_INVALID;
    }
    if (r->len - r->pos > expected) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "%zu unexpected bytes after the weights, at "
                  "byte %zu", r->len - r->pos - (size_t)expected, r->pos + (size_t)expected);
        return MODELKEY_ERR_INVALID;
    }
    rc = kind->secret_decode(model, r->data + r->pos, (size_t)expected, merr);
    if (rc != ZKML_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "%s", merr);
        return rc == ZKML_E_NOMEM ? MODELKEY_ERR_NOMEM : MODELKEY_ERR_INVALID;
    }
    r->pos += (size_t)expected;
    return MODELKEY_OK;
}

int
modelkey_decode(modelkey *key, const uint8_t *buf, size_t len, char *err)
{
    reader r = { buf, len, 0 };
    int rc = MODELKEY_ERR_INVALID;

    memset(key, 0, sizeof *key);
    if (check_magic(&r, MODELKEY_MAGIC, "key", err) != 0)
        return MODELKEY_ERR_INVALID;
    if (need(&r, MODELKEY_SEED_LEN, "seed", err) != 0)
        return MODELKEY_ERR_INVALID;
    memcpy(key->seed, buf + r.pos, MODELKEY_SEED_LEN);
    r.pos += MODELKEY_SEED_LEN;
    rc = get_descriptor(&key->kind, &key->model, &r, err);
    if (rc == MODELKEY_OK)
        rc = get_secret(key->kind, &key->model, &r, err);
    if (rc == MODELKEY_OK)
        rc = validate(key->kind, &key->model, err);
    if (rc != MODELKEY_OK)
        modelkey_free(key);
    return rc;
}

/* ---- the public file ---- */

int
modelpub_from_key(modelpub *pub, const modelkey *key, char *err)
{
    const model_kind *kind = kind_or_dense(key->kind);
    char merr[ZKML_ERR_LEN];
    uint8_t *desc;
    size_t desc_len;
    int rc;

    memset(pub, 0, sizeof *pub);
    if ((rc = validate(kind, &key->model, err)) != MODELKEY_OK)
        return rc;
    if (kind->commitment_vars(&key->model) == 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: no W layout");
        return MODELKEY_ERR_INVALID;
    }
    /* The public model is the descriptor alone: a round trip drops the secret part. */
    rc = encode_descriptor(&desc, &desc_len, kind, &key->model, err);
    if (rc != MODELKEY_OK)
        return rc;
    rc = kind->descriptor_decode(&pub->model, desc, desc_len, merr);
    free(desc);
    if (rc != ZKML_OK) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "descriptor: %s", merr);
        return rc == ZKML_E_NOMEM ? MODELKEY_ERR_NOMEM : MODELKEY_ERR_INVALID;
    }
    pub->kind = kind;
    if (kind->commit(&pub->rows, &key->model, key->seed, merr) != ZKML_OK) {
        modelpub_free(pub);
        zkml_fail(err, MODELKEY_ERR_INVALID, "%s", merr);
        return MODELKEY_ERR_INTERNAL;
    }
    return MODELKEY_OK;
}

int
modelpub_encode(uint8_t **out, size_t *out_len, const modelpub *pub, char *err)
{
    const model_kind *kind = kind_or_dense(pub->kind);
    uint8_t *desc, *buf, *p;
    size_t desc_len, nrows, total, i;
    unsigned l_W, lc, lr;
    int rc;

    *out = NULL;
    *out_len = 0;
    /* never write a file the decoder would refuse */
    if ((l_W = kind->commitment_vars(&pub->model)) == 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "invalid model: no W layout");
        return MODELKEY_ERR_INVALID;
    }
    hyrax_split(l_W, &lc, &lr);
    if (pub->rows.rows == NULL || pub->rows.l != l_W || pub->rows.lr != lr) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "the row commitments do not match the descriptor");
        return MODELKEY_ERR_INVALID;
    }
    rc = encode_descriptor(&desc, &desc_len, kind, &pub->model, err);
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

/* l_W and the row commitments, against the decoded descriptor. */
static int
get_rows(hyrax_commitment *c, const model_kind *kind, const void *model, reader *r,
         char *err)
{
    unsigned l_W, want, lc, lr;
    size_t nrows, i;

    if ((want = kind->commitment_vars(model)) == 0) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "descriptor has no W layout");
        return MODELKEY_ERR_INVALID;
    }
    if (need(r, 4, "l_W", err) != 0)
        return MODELKEY_ERR_INVALID;
    l_W = get_u32(r);
    if (l_W != want) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "l_W at byte %zu is %u, the descriptor gives %u",
                  r->pos - 4, l_W, want);
        return MODELKEY_ERR_INVALID;
    }
    hyrax_split(l_W, &lc, &lr);
    nrows = (size_t)1 << lr;
    if (r->len - r->pos < 32 * nrows) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "truncated at byte %zu (%zu row commitments "
                  "expected after byte %zu)", r->len, nrows, r->pos);
        return MODELKEY_ERR_INVALID;
    }
    if (r->len - r->pos > 32 * nrows) {
        zkml_fail(err, MODELKEY_ERR_INVALID, "%zu unexpected bytes after the row commitments, "
                  "at byte %zu", r->len - r->pos - 32 * nrows, r->pos + 32 * nrows);
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
            zkml_fail(err, MODELKEY_ERR_INVALID, "row commitment %zu at byte %zu: %s", i,
                      r->pos, ge_decode_status_str(st));
            return MODELKEY_ERR_INVALID;
        }
        if (c->rows[i].infinity) {
            zkml_fail(err, MODELKEY_ERR_INVALID, "row commitment %zu at byte %zu is the "
                      "identity", i, r->pos);
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
    rc = get_descriptor(&pub->kind, &pub->model, &r, err);
    if (rc == MODELKEY_OK)
        rc = get_rows(&pub->rows, pub->kind, &pub->model, &r, err);
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
