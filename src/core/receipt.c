/*
 * receipt.c: the receipt file (receipt.h).
 */
#include "receipt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer_proof.h"
#include "le.h"
#include "model.h"
#include "modelkey.h"

static void
set_err(char *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err, RECEIPT_ERR_LEN, fmt, ap);
    va_end(ap);
}

/* The shape fields: each within its bounds.  NULL, or the rule broken. */
static const char *
shape_problem(uint64_t batch, uint64_t n_in, uint64_t n_out, uint64_t context_len)
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
    memset(r, 0, sizeof *r);
}

int
receipt_encode(uint8_t **out, size_t *out_len, const receipt *r, char *err)
{
    const char *bad = shape_problem(r->batch, r->n_in, r->n_out, r->context_len);
    uint64_t n_values, total;
    uint8_t *buf, *p;
    size_t i, n_inputs, n_outputs;

    *out = NULL;
    *out_len = 0;
    if (bad != NULL) {
        set_err(err, "cannot encode the receipt: %s", bad);
        return -1;
    }
    /* at most 2^24 · 2^17 values and 2^16 context bytes: no overflow in 64 bits */
    n_values = (uint64_t)r->batch * ((uint64_t)r->n_in + r->n_out);
    total = RECEIPT_HEADER_LEN + (uint64_t)r->context_len + 4 * n_values + 8;
    if (total > SIZE_MAX || r->proof_len > SIZE_MAX - (size_t)total) {
        set_err(err, "cannot encode the receipt: too large");
        return -1;
    }
    total += r->proof_len;
    buf = malloc((size_t)total);
    if (buf == NULL) {
        set_err(err, "out of memory encoding the receipt");
        return -1;
    }
    n_inputs = (size_t)r->batch * r->n_in;
    n_outputs = (size_t)r->batch * r->n_out;
    p = buf;
    memcpy(p, RECEIPT_MAGIC, 8);
    p += 8;
    memcpy(p, r->digest, 32);
    p += 32;
    le_put_u32(p, r->batch);
    le_put_u32(p + 4, r->n_in);
    le_put_u32(p + 8, r->n_out);
    le_put_u32(p + 12, (uint32_t)r->context_len);
    p += 16;
    if (r->context_len > 0)
        memcpy(p, r->context, r->context_len);
    p += r->context_len;
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
    const char *bad;
    size_t pos, left, i;

    memset(r, 0, sizeof *r);
    if (len < RECEIPT_HEADER_LEN) {
        set_err(err, "truncated at byte %zu (header of %d bytes)", len, RECEIPT_HEADER_LEN);
        return -1;
    }
    if (memcmp(buf, RECEIPT_MAGIC, 8) != 0) {
        set_err(err, "not a receipt (magic \"" RECEIPT_MAGIC "\" expected at byte 0)");
        return -1;
    }
    batch = le_get_u32(buf + 40);
    n_in = le_get_u32(buf + 44);
    n_out = le_get_u32(buf + 48);
    ctx_len = le_get_u32(buf + 52);
    bad = shape_problem(batch, n_in, n_out, ctx_len);
    if (bad != NULL) {
        set_err(err, "invalid header: %s", bad);
        return -1;
    }
    pos = RECEIPT_HEADER_LEN;
    left = len - pos;
    if (ctx_len > left) {
        set_err(err, "truncated at byte %zu (context)", len);
        return -1;
    }
    /* bounded above: B·n_1 <= 2^40, so 4·(B·n_1 + B·m_L) < 2^43 */
    n_inputs = batch * n_in;
    n_outputs = batch * n_out;
    values_len = 4 * (n_inputs + n_outputs);
    if (values_len > left - ctx_len || 8 > left - ctx_len - values_len) {
        set_err(err, "truncated at byte %zu (%s)", len,
                values_len > left - ctx_len ? "inputs and outputs" : "proof length");
        return -1;
    }
    /* the values fit in the buffer, so their count fits in size_t */
    r->storage = malloc((size_t)(n_inputs + n_outputs) * sizeof(int32_t));
    if (r->storage == NULL) {
        set_err(err, "out of memory decoding the receipt");
        return -1;
    }
    memcpy(r->digest, buf + 8, 32);
    r->batch = (uint32_t)batch;
    r->n_in = (uint32_t)n_in;
    r->n_out = (uint32_t)n_out;
    r->context = buf + pos;
    r->context_len = (size_t)ctx_len;
    pos += (size_t)ctx_len;
    for (i = 0; i < (size_t)(n_inputs + n_outputs); i++, pos += 4)
        r->storage[i] = le_get_i32(buf + pos);
    r->inputs = r->storage;
    r->outputs = r->storage + n_inputs;
    proof_len = le_get_u64(buf + pos);
    pos += 8;
    left = len - pos;
    if (proof_len != left) {
        if (proof_len > left)
            set_err(err, "truncated at byte %zu (proof of %llu bytes)", len,
                    (unsigned long long)proof_len);
        else
            set_err(err, "%zu bytes follow the proof of %llu bytes",
                    (size_t)(left - proof_len), (unsigned long long)proof_len);
        receipt_free(r);
        return -1;
    }
    r->proof = buf + pos;
    r->proof_len = (size_t)proof_len;
    return 0;
}

int
receipt_prove(uint8_t **out, size_t *out_len, const uint8_t *key_buf, size_t key_len,
              const int32_t *rows, size_t batch, size_t n_in, const uint8_t *context,
              size_t context_len, const uint8_t *fixed_rng, char *err)
{
    char sub[MODELKEY_ERR_LEN] = "";
    modelkey key;
    modelpub pub;
    model_trace trace;
    infer_statement st;
    receipt r;
    uint8_t *pub_bytes = NULL, *proof = NULL;
    size_t pub_len = 0, proof_len = 0;
    const char *bad;
    uint32_t last;
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    memset(&r, 0, sizeof r);
    memset(&pub, 0, sizeof pub);
    memset(&trace, 0, sizeof trace);
    if (modelkey_decode(&key, key_buf, key_len, sub) != MODELKEY_OK) {
        set_err(err, "key file: %s", sub);
        return -1;
    }
    last = key.model.n_layers - 1;
    bad = shape_problem(batch, n_in, key.model.layer[last].m, context_len);
    if (bad != NULL) {
        set_err(err, "%s", bad);
        goto done;
    }
    if (n_in != key.model.layer[0].n) {
        set_err(err, "the rows have %zu values, the model takes %u", n_in,
                (unsigned)key.model.layer[0].n);
        goto done;
    }
    if (modelpub_from_key(&pub, &key, sub) != MODELKEY_OK
        || modelpub_encode(&pub_bytes, &pub_len, &pub, sub) != MODELKEY_OK
        || modelpub_digest(r.digest, pub_bytes, pub_len, sub) != MODELKEY_OK) {
        set_err(err, "public file: %s", sub);
        goto done;
    }
    if (model_forward(&trace, &key.model, rows, batch, 0, sub) != MODEL_OK) {
        set_err(err, "forward pass: %s", sub);
        goto done;
    }
    st.model = &key.model;
    st.w_rows = &pub.rows;
    st.batch = batch;
    st.inputs = rows;
    st.outputs = trace.out;
    st.context = context;
    st.context_len = context_len;
    if (infer_prove(&proof, &proof_len, &st, key.seed, fixed_rng, sub) != 0) {
        set_err(err, "proof: %s", sub);
        goto done;
    }
    r.batch = (uint32_t)batch;
    r.n_in = (uint32_t)n_in;
    r.n_out = key.model.layer[last].m;
    r.context = context;
    r.context_len = context_len;
    r.inputs = rows;
    r.outputs = trace.out;
    r.proof = proof;
    r.proof_len = proof_len;
    r.storage = NULL;
    rc = receipt_encode(out, out_len, &r, err);
done:
    free(proof);
    free(pub_bytes);
    model_trace_free(&trace);
    modelpub_free(&pub);
    modelkey_free(&key);
    return rc;
}

int
receipt_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub_buf, size_t pub_len,
               char *err)
{
    char sub[MODELKEY_ERR_LEN] = "";
    uint8_t digest[32];
    modelpub pub;
    receipt r;
    infer_statement st;
    const char *why = NULL;
    uint32_t last;
    int rc;

    if (modelpub_decode(&pub, pub_buf, pub_len, sub) != MODELKEY_OK) {
        set_err(err, "public file: %s", sub);
        return -1;
    }
    if (modelpub_digest(digest, pub_buf, pub_len, sub) != MODELKEY_OK) {
        set_err(err, "public file: %s", sub);
        modelpub_free(&pub);
        return -1;
    }
    if (receipt_decode(&r, rct, rct_len, sub) != 0) {
        set_err(err, "malformed receipt: %s", sub);
        modelpub_free(&pub);
        return 0;
    }
    last = pub.model.n_layers - 1;
    if (memcmp(r.digest, digest, 32) != 0) {
        set_err(err, "the receipt names another model (digest mismatch)");
        rc = 0;
    } else if (r.n_in != pub.model.layer[0].n || r.n_out != pub.model.layer[last].m) {
        set_err(err, "the receipt's shapes (n_1 = %u, m_L = %u) are not the model's "
                "(%u, %u)", (unsigned)r.n_in, (unsigned)r.n_out,
                (unsigned)pub.model.layer[0].n, (unsigned)pub.model.layer[last].m);
        rc = 0;
    } else {
        st.model = &pub.model;
        st.w_rows = &pub.rows;
        st.batch = r.batch;
        st.inputs = r.inputs;
        st.outputs = r.outputs;
        st.context = r.context;
        st.context_len = r.context_len;
        rc = infer_verify(&st, r.proof, r.proof_len, &why);
        if (rc != 1)
            set_err(err, "%s", why != NULL ? why : "proof rejected");
    }
    receipt_free(&r);
    modelpub_free(&pub);
    return rc;
}
