/*
 * receipt.c: the receipt file (receipt.h).
 */
#include "receipt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "le.h"
#include "model_kind.h"
#include "modelkey.h"
#include "receipt_group.h"
#include "rowcommit.h"
#include "sha256.h"

const char *
receipt_shape_problem(uint64_t batch, uint64_t n_in, uint64_t n_out, uint64_t context_len)
{
    if (batch < 1 || batch > RECEIPT_MAX_BATCH)
        return "B is not in 1 .. 2^24";
    if (n_in < 1 || n_in > RECEIPT_MAX_WIDTH)
        return "n_1 is not in 1 .. 65536";
    if (n_out < 1 || n_out > RECEIPT_MAX_WIDTH)
        return "m_L is not in 1 .. 65536";
    if (context_len > RECEIPT_MAX_CONTEXT)
        return "the context is longer than 65536 bytes";
    return NULL;
}

void
receipt_free(receipt *r)
{
    free(r->storage);
    free(r->key_storage);
    free(r->point_storage);
    memset(r, 0, sizeof *r);
}

/* Bytes of the statement context: u32 C, the context, and per row u32 k_b and the key. */
static int
statement_context_size(uint64_t *size, size_t context_len, size_t batch,
                       const uint32_t *key_lens, char *err)
{
    uint64_t n = 4 + (uint64_t)context_len + 4 * (uint64_t)batch;
    size_t b;

    for (b = 0; key_lens != NULL && b < batch; b++) {
        if (key_lens[b] > RECEIPT_MAX_KEY) {
            zkml_fail(err, -1, "row key %zu is longer than %u bytes", b + 1, RECEIPT_MAX_KEY);
            return -1;
        }
        n += key_lens[b];
    }
    *size = n;
    return 0;
}

/* Write the statement context at p (statement_context_size bytes). */
static void
statement_context_write(uint8_t *p, const uint8_t *context, size_t context_len, size_t batch,
                        const uint8_t *const *keys, const uint32_t *key_lens)
{
    size_t b;

    le_put_u32(p, (uint32_t)context_len);
    p += 4;
    if (context_len > 0)
        memcpy(p, context, context_len);
    p += context_len;
    for (b = 0; b < batch; b++) {
        uint32_t k = keys != NULL ? key_lens[b] : 0;

        le_put_u32(p, k);
        p += 4;
        if (k > 0)
            memcpy(p, keys[b], k);
        p += k;
    }
}

int
receipt_encode(uint8_t **out, size_t *out_len, const receipt *r, char *err)
{
    const char *bad = receipt_shape_problem(r->batch, r->n_in, r->n_out, r->context_len);
    uint64_t n_values, total, sc_len;
    uint8_t *buf, *p;
    size_t i, n_inputs, n_outputs;

    *out = NULL;
    *out_len = 0;
    if (bad != NULL) {
        zkml_fail(err, -1, "cannot encode the receipt: %s", bad);
        return -1;
    }
    if (statement_context_size(&sc_len, r->context_len, r->batch,
                               r->keys != NULL ? r->key_lens : NULL, err) != 0)
        return -1;
    /* at most 2^24 · 2^17 values, 2^24 · 2^12 key bytes: no overflow in 64 bits */
    n_values = (uint64_t)r->batch * ((r->committed ? 0 : (uint64_t)r->n_in) + r->n_out);
    total = RECEIPT_HEADER_LEN - 4 + sc_len + 4 * n_values + 8;
    if (r->committed)           /* the nonce and the row commitments */
        total += ROWCOMMIT_NONCE_LEN + (uint64_t)ROWCOMMIT_POINT_LEN * r->batch;
    if (total > SIZE_MAX || r->proof_len > SIZE_MAX - (size_t)total) {
        zkml_fail(err, -1, "cannot encode the receipt: too large");
        return -1;
    }
    total += r->proof_len;
    buf = malloc((size_t)total);
    if (buf == NULL) {
        zkml_fail(err, -1, "out of memory encoding the receipt");
        return -1;
    }
    n_inputs = r->committed ? 0 : (size_t)r->batch * r->n_in;
    n_outputs = (size_t)r->batch * r->n_out;
    p = buf;
    memcpy(p, r->committed ? RECEIPT_MAGIC_COMMITTED : RECEIPT_MAGIC, 8);
    p += 8;
    memcpy(p, r->digest, 32);
    p += 32;
    le_put_u32(p, r->batch);
    le_put_u32(p + 4, r->n_in);
    le_put_u32(p + 8, r->n_out);
    p += 12;
    statement_context_write(p, r->context, r->context_len, r->batch, r->keys, r->key_lens);
    p += sc_len;
    if (r->committed) {
        memcpy(p, r->nonce, ROWCOMMIT_NONCE_LEN);
        p += ROWCOMMIT_NONCE_LEN;
        for (i = 0; i < r->batch; i++, p += ROWCOMMIT_POINT_LEN)
            if (rowcommit_encode(p, &r->row_commitments[i]) != 0) {
                free(buf);
                zkml_fail(err, -1, "cannot encode the receipt: row commitment %zu is the "
                          "identity", i + 1);
                return -1;
            }
    }
    for (i = 0; i < n_inputs; i++, p += 4)
        le_put_i32(p, r->inputs[i]);
    for (i = 0; i < n_outputs; i++, p += 4)
        le_put_i32(p, r->outputs[i]);
    le_put_u64(p, r->proof_len);
    p += 8;
    if (r->proof_len > 0)
        memcpy(p, r->proof, r->proof_len);
    *out = buf;
    *out_len = (size_t)total;
    return 0;
}

int
receipt_decode(receipt *r, const uint8_t *buf, size_t len, char *err)
{
    uint64_t batch, n_in, n_out, ctx_len, n_inputs, n_outputs, values_len, proof_len;
    const uint8_t **keys;
    uint32_t *key_lens;
    const char *bad;
    size_t pos, left, i, b, sc_end;

    memset(r, 0, sizeof *r);
    if (len < RECEIPT_HEADER_LEN) {
        zkml_fail(err, -1, "truncated at byte %zu (header of %d bytes)", len, RECEIPT_HEADER_LEN);
        return -1;
    }
    if (memcmp(buf, RECEIPT_MAGIC, 8) != 0 && memcmp(buf, RECEIPT_MAGIC_COMMITTED, 8) != 0) {
        zkml_fail(err, -1, "not a receipt (magic \"" RECEIPT_MAGIC "\" or \""
                  RECEIPT_MAGIC_COMMITTED "\" expected at byte 0)");
        return -1;
    }
    r->committed = memcmp(buf, RECEIPT_MAGIC_COMMITTED, 8) == 0;
    batch = le_get_u32(buf + 40);
    n_in = le_get_u32(buf + 44);
    n_out = le_get_u32(buf + 48);
    ctx_len = le_get_u32(buf + 52);
    bad = receipt_shape_problem(batch, n_in, n_out, ctx_len);
    if (bad != NULL) {
        zkml_fail(err, -1, "invalid header: %s", bad);
        return -1;
    }
    pos = RECEIPT_HEADER_LEN;
    left = len - pos;
    if (ctx_len > left || 4 * batch > left - ctx_len) {
        zkml_fail(err, -1, "truncated at byte %zu (%s)", len, ctx_len > left ? "context" : "row keys");
        return -1;
    }
    /* B pointers and lengths: B <= (len - pos) / 4, bounded by the buffer */
    r->key_storage = malloc((size_t)batch * (sizeof(const uint8_t *) + sizeof(uint32_t)));
    if (r->key_storage == NULL) {
        zkml_fail(err, -1, "out of memory decoding the receipt");
        return -1;
    }
    keys = r->key_storage;
    key_lens = (uint32_t *)(keys + batch);
    pos += (size_t)ctx_len;
    for (b = 0; b < (size_t)batch; b++) {
        uint32_t k;

        if (len - pos < 4) {
            zkml_fail(err, -1, "truncated at byte %zu (row key %zu)", len, b + 1);
            receipt_free(r);
            return -1;
        }
        k = le_get_u32(buf + pos);
        pos += 4;
        if (k > RECEIPT_MAX_KEY) {
            zkml_fail(err, -1, "row key %zu at byte %zu is longer than %u bytes", b + 1, pos - 4,
                    RECEIPT_MAX_KEY);
            receipt_free(r);
            return -1;
        }
        if (k > len - pos) {
            zkml_fail(err, -1, "truncated at byte %zu (row key %zu)", len, b + 1);
            receipt_free(r);
            return -1;
        }
        keys[b] = buf + pos;
        key_lens[b] = k;
        pos += k;
    }
    left = len - pos;
    sc_end = pos;
    if (r->committed) {         /* the nonce and B row commitments (docs/protocol.md 12.9) */
        uint64_t need = ROWCOMMIT_NONCE_LEN + (uint64_t)ROWCOMMIT_POINT_LEN * batch;

        if (need > left) {
            zkml_fail(err, -1, "truncated at byte %zu (nonce and row commitments)", len);
            receipt_free(r);
            return -1;
        }
        r->point_storage = malloc((size_t)batch * sizeof(ge_t));
        if (r->point_storage == NULL) {
            zkml_fail(err, -1, "out of memory decoding the receipt");
            receipt_free(r);
            return -1;
        }
        r->nonce = buf + pos;
        pos += ROWCOMMIT_NONCE_LEN;
        for (b = 0; b < (size_t)batch; b++, pos += ROWCOMMIT_POINT_LEN)
            if (rowcommit_decode(&r->point_storage[b], buf + pos) != 0) {
                zkml_fail(err, -1, "row commitment %zu at byte %zu is not a point of the "
                          "curve in affine form", b + 1, pos);
                receipt_free(r);
                return -1;
            }
        r->row_commitments = r->point_storage;
        r->committed = 1;
        left = len - pos;
    }
    /* bounded above: B·n_1 <= 2^40, so 4·(B·n_1 + B·m_L) < 2^43 */
    n_inputs = r->committed ? 0 : batch * n_in;
    n_outputs = batch * n_out;
    values_len = 4 * (n_inputs + n_outputs);
    if (values_len > left || 8 > left - values_len) {
        zkml_fail(err, -1, "truncated at byte %zu (%s)", len,
                values_len > left ? "inputs and outputs" : "proof length");
        receipt_free(r);
        return -1;
    }
    /* the values fit in the buffer, so their count fits in size_t */
    r->storage = malloc((size_t)(n_inputs + n_outputs) * sizeof(int32_t));
    if (r->storage == NULL) {
        zkml_fail(err, -1, "out of memory decoding the receipt");
        receipt_free(r);
        return -1;
    }
    memcpy(r->digest, buf + 8, 32);
    r->batch = (uint32_t)batch;
    r->n_in = (uint32_t)n_in;
    r->n_out = (uint32_t)n_out;
    r->context = buf + RECEIPT_HEADER_LEN;
    r->context_len = (size_t)ctx_len;
    r->keys = keys;
    r->key_lens = key_lens;
    r->statement_context = buf + RECEIPT_HEADER_LEN - 4;
    r->statement_context_len = sc_end - (RECEIPT_HEADER_LEN - 4);
    for (i = 0; i < (size_t)(n_inputs + n_outputs); i++, pos += 4)
        r->storage[i] = le_get_i32(buf + pos);
    r->inputs = r->committed ? NULL : r->storage;
    r->outputs = r->storage + n_inputs;
    proof_len = le_get_u64(buf + pos);
    pos += 8;
    left = len - pos;
    if (proof_len != left) {
        if (proof_len > left)
            zkml_fail(err, -1, "truncated at byte %zu (proof of %llu bytes)", len,
                    (unsigned long long)proof_len);
        else
            zkml_fail(err, -1, "%zu bytes follow the proof of %llu bytes",
                    (size_t)(left - proof_len), (unsigned long long)proof_len);
        receipt_free(r);
        return -1;
    }
    r->proof = buf + pos;
    r->proof_len = (size_t)proof_len;
    return 0;
}

int
receipt_statement_context(uint8_t **out, size_t *out_len, const uint8_t *context,
                          size_t context_len, size_t batch, const uint8_t *const *keys,
                          const uint32_t *key_lens, char *err)
{
    uint64_t len = 0;

    *out = NULL;
    *out_len = 0;
    if (statement_context_size(&len, context_len, batch, keys != NULL ? key_lens : NULL,
                               err) != 0)
        return -1;
    if (len > SIZE_MAX || (*out = malloc((size_t)len)) == NULL) {
        zkml_fail(err, -1, "out of memory");
        return -1;
    }
    statement_context_write(*out, context, context_len, batch, keys, key_lens);
    *out_len = (size_t)len;
    return 0;
}

int
receipt_public_open(modelpub *pub, uint8_t digest[32], const uint8_t *pub_buf, size_t pub_len,
                    char *err)
{
    char sub[ZKML_ERR_LEN] = "";

    if (modelpub_decode(pub, pub_buf, pub_len, sub) != MODELKEY_OK) {
        zkml_fail(err, -1, "public file: %s", sub);
        return RECEIPT_ROWS_BAD_PUBLIC;
    }
    if (modelpub_digest(digest, pub_buf, pub_len, sub) != MODELKEY_OK) {
        zkml_fail(err, -1, "public file: %s", sub);
        modelpub_free(pub);
        return RECEIPT_ROWS_BAD_PUBLIC;
    }
    return RECEIPT_ROWS_OK;
}

int
receipt_names_model(const receipt *r, const modelpub *pub, const uint8_t digest[32], char *err)
{
    uint32_t n_in = pub->kind->n_inputs(&pub->model), n_out = pub->kind->n_outputs(&pub->model);

    if (memcmp(r->digest, digest, 32) != 0)
        return zkml_fail(err, -1, "the receipt names another model (digest mismatch)");
    if (r->n_in != n_in || r->n_out != n_out)
        return zkml_fail(err, -1, "the receipt's shapes (n_1 = %u, m_L = %u) are not the "
                         "model's (%u, %u)", (unsigned)r->n_in, (unsigned)r->n_out,
                         (unsigned)n_in, (unsigned)n_out);
    return 0;
}

/*
 * Decode a public file and a receipt, and check that the receipt names this model and has
 * its shapes: every count the receipt states is then the model's.  One of the
 * RECEIPT_ROWS_ codes, with err; on failure both are empty.
 */
static int
receipt_open(receipt *r, modelpub *pub, const uint8_t *rct, size_t rct_len,
             const uint8_t *pub_buf, size_t pub_len, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    uint8_t digest[32];
    int rc;

    memset(r, 0, sizeof *r);
    if ((rc = receipt_public_open(pub, digest, pub_buf, pub_len, err)) != RECEIPT_ROWS_OK)
        return rc;
    if (receipt_decode(r, rct, rct_len, sub) != 0) {
        zkml_fail(err, -1, "malformed receipt: %s", sub);
        modelpub_free(pub);
        return RECEIPT_ROWS_BAD_RECEIPT;
    }
    if (receipt_names_model(r, pub, digest, err) == 0)
        return RECEIPT_ROWS_OK;
    receipt_free(r);
    modelpub_free(pub);
    return RECEIPT_ROWS_MISMATCH;
}

int
receipt_statement_digest(uint8_t out[32], const uint8_t *rct, const receipt *r)
{
    /* the proof and its u64 length are the last fields: S is everything before them */
    return sha256_digest(out, rct, (size_t)(r->proof - rct) - 8);
}

int
receipt_verify_decoded(const receipt *r, const modelpub *pub, const uint8_t group[40],
                       const char **why)
{
    model_statement st;

    *why = NULL;
    if (r->committed && pub->kind != &model_kind_dense_v2 && pub->kind != &model_kind_trees) {
        /* docs/protocol.md 7.19.1, 16.10.1: only (ZKMLRCC1, ZKMLMD02) and (ZKMLRCC1,
         * ZKMLTE01), before any proof work */
        *why = pub->kind == &model_kind_dense
               ? "a committed-input receipt needs a model of protocol version 2 (this one is "
                 "of version 1)"
               : "a committed-input receipt needs a network of protocol version 2 or a tree "
                 "ensemble (this one is another kind)";
        return 0;
    }
    memset(&st, 0, sizeof st);
    st.committed = r->committed;
    st.nonce = r->nonce;
    st.row_commitments = r->row_commitments;
    st.model = &pub->model;
    st.commitment = &pub->rows;
    st.batch = r->batch;
    st.inputs = r->inputs;
    st.outputs = r->outputs;
    st.context = r->statement_context;
    st.context_len = r->statement_context_len;
    st.group = group;
    return pub->kind->verify(&st, r->proof, r->proof_len, why);
}

int
receipt_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub_buf, size_t pub_len,
               char *err)
{
    modelpub pub;
    receipt r;
    uint8_t s_digest[32], G[32], group[40];
    const char *why = NULL;
    int rc;

    if (receipt_is_group(rct, rct_len))
        return receipt_group_verify(rct, rct_len, pub_buf, pub_len, err);
    rc = receipt_open(&r, &pub, rct, rct_len, pub_buf, pub_len, err);
    if (rc == RECEIPT_ROWS_BAD_PUBLIC)
        return -1;
    if (rc != RECEIPT_ROWS_OK)
        return 0;
    /* a receipt of one proof is the group of one (docs/protocol.md 12.10.2); version 1
     * proofs and other kinds do not absorb it */
    if (receipt_statement_digest(s_digest, rct, &r) != 0 ||
        receipt_group_digest(G, (const uint8_t(*)[32])s_digest, 1) != 0) {
        zkml_fail(err, -1, "could not hash the receipt's statement");
        rc = -1;
    } else {
        receipt_group_bytes(group, 1, 1, G);
        rc = receipt_verify_decoded(&r, &pub, group, &why);
        if (rc != 1)
            zkml_fail(err, -1, "%s", why != NULL ? why : "proof rejected");
    }
    receipt_free(&r);
    modelpub_free(&pub);
    return rc;
}

void
receipt_rows_free(receipt_rows *rows)
{
    free(rows->features);
    free(rows->scores);
    free(rows->keys);
    free(rows->key_lens);
    free(rows->opened);
    memset(rows, 0, sizeof *rows);
}

int
receipt_read_rows(receipt_rows *out, const uint8_t *rct, size_t rct_len,
                  const uint8_t *pub_buf, size_t pub_len, char *err)
{
    modelpub pub;
    receipt r;
    size_t b, j, n_features, n_scores;
    int rc;

    if (receipt_is_group(rct, rct_len))
        return receipt_group_read_rows(out, rct, rct_len, pub_buf, pub_len, err);
    memset(out, 0, sizeof *out);
    rc = receipt_open(&r, &pub, rct, rct_len, pub_buf, pub_len, err);
    if (rc != RECEIPT_ROWS_OK)
        return rc;
    /* the counts are the model's now, and the receipt held every value: the products
     * cannot overflow */
    n_features = (size_t)r.batch * r.n_in;
    n_scores = (size_t)r.batch * r.n_out;
    out->features = malloc(n_features * sizeof(double));
    out->scores = malloc(n_scores * sizeof(double));
    out->keys = calloc(r.batch, sizeof(const uint8_t *));
    out->key_lens = calloc(r.batch, sizeof(uint32_t));
    if (out->features == NULL || out->scores == NULL || out->keys == NULL ||
        out->key_lens == NULL) {
        zkml_fail(err, -1, "out of memory");
        rc = RECEIPT_ROWS_NO_MEMORY;
    } else {
        out->batch = r.batch;
        out->committed = r.committed;
        out->n_in = r.n_in;
        out->n_out = r.n_out;
        for (b = 0; b < r.batch; b++) {
            if (r.keys != NULL) {
                out->keys[b] = r.keys[b];
                out->key_lens[b] = r.key_lens[b];
            }
            for (j = 0; j < r.n_in; j++)        /* committed: no row's features */
                out->features[b * r.n_in + j] =
                    r.committed ? NAN
                                : pub.kind->dequantize_input(&pub.model, (uint32_t)j,
                                                             r.inputs[b * r.n_in + j]);
            for (j = 0; j < r.n_out; j++)
                out->scores[b * r.n_out + j] = pub.kind->dequantize_output(
                    &pub.model, (uint32_t)j, r.outputs[b * r.n_out + j]);
        }
    }
    receipt_free(&r);
    modelpub_free(&pub);
    if (rc != RECEIPT_ROWS_OK)
        receipt_rows_free(out);
    return rc;
}

void
receipt_json_write_hex(json_writer *w, const uint8_t *p, size_t n)
{
    size_t i;

    json_write_raw(w, "\"");
    for (i = 0; i < n; i++)
        json_write_raw(w, "%02x", p[i]);
    json_write_raw(w, "\"");
}

int
receipt_info_json(char **json, const uint8_t *rct, size_t rct_len, char *err)
{
    receipt r;
    json_writer w;
    size_t b, keyed = 0;
    char *context;

    *json = NULL;
    if (receipt_is_group(rct, rct_len))
        return receipt_group_info_json(json, rct, rct_len, err);
    if (receipt_decode(&r, rct, rct_len, err) != 0)
        return -1;
    for (b = 0; b < r.batch; b++)
        keyed += r.key_lens != NULL && r.key_lens[b] > 0;
    json_writer_init(&w);
    json_write_raw(&w, "{\"format\": \"%s\", \"inputs\": \"%s\", ",
                   r.committed ? RECEIPT_MAGIC_COMMITTED : RECEIPT_MAGIC,
                   r.committed ? "committed" : "public");
    if (r.committed) {
        json_write_raw(&w, "\"nonce\": ");
        receipt_json_write_hex(&w, r.nonce, ROWCOMMIT_NONCE_LEN);
        json_write_raw(&w, ", ");
    }
    json_write_raw(&w, "\"model_digest\": ");
    receipt_json_write_hex(&w, r.digest, 32);
    json_write_raw(&w, ", \"rows\": %u, \"inputs_per_row\": %u, \"outputs_per_row\": %u, "
                   "\"rows_with_keys\": %zu, \"context_bytes\": %zu, \"context\": ",
                   (unsigned)r.batch, (unsigned)r.n_in, (unsigned)r.n_out, keyed,
                   r.context_len);
    if (!json_utf8_valid(r.context, r.context_len)) {
        json_write_raw(&w, "null");
    } else if ((context = malloc(r.context_len + 1)) == NULL) {
        w.failed = 1;
    } else {
        memcpy(context, r.context, r.context_len);
        context[r.context_len] = '\0';
        json_write_string(&w, context);
        free(context);
    }
    json_write_raw(&w, ", \"context_hex\": ");
    receipt_json_write_hex(&w, r.context, r.context_len);
    json_write_raw(&w, ", \"proof_bytes\": %zu, \"receipt_bytes\": %zu, \"parts\": 1, "
                   "\"part_rows\": [%u]}", r.proof_len, rct_len, (unsigned)r.batch);
    receipt_free(&r);
    if (w.failed) {
        json_writer_free(&w);
        zkml_fail(err, -1, "out of memory");
        return -1;
    }
    *json = w.text;
    return 0;
}
