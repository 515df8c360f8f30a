/*
 * api_receipt.c: the front door's receipts (zkml.h): verify one against a public file,
 * decode one, its facts as JSON, its rows dequantized.  The receipt file is receipt.h's.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "receipt.h"
#include "receipt_group.h"
#include "rowcommit.h"

struct zkml_receipt {
    receipt r;                  /* a receipt of one proof */
    receipt_group g;            /* or of several (g.k > 0) */
    int32_t *values;            /* every part's inputs, then outputs */
    uint32_t *part_rows;
    const uint8_t **keys;       /* every part's row keys, in order */
    uint32_t *key_lens;
    uint8_t *nonces;            /* committed: every part's nonce, then */
    uint8_t *row_commitments;   /* every row's commitment, encoded */
    zkml_receipt_summary s;
};

/*
 * The rows' keys, and for committed inputs the parts' nonces and the rows' commitments
 * (12.9.1-12.9.2), of k parts holding h->s.batch rows in all, into h->s.
 */
static int
summarize_keys_and_commitments(zkml_receipt *h, const receipt *parts, uint32_t k, char *err)
{
    size_t total = h->s.batch, at = 0, b;
    uint32_t i;

    h->keys = calloc(total > 0 ? total : 1, sizeof *h->keys);
    h->key_lens = calloc(total > 0 ? total : 1, sizeof *h->key_lens);
    if (h->keys == NULL || h->key_lens == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    if (parts[0].committed) {   /* every part has the first one's format */
        h->nonces = malloc((size_t)k * ROWCOMMIT_NONCE_LEN);
        h->row_commitments = malloc(total * ROWCOMMIT_POINT_LEN);
        if (h->nonces == NULL || h->row_commitments == NULL)
            return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    }
    for (i = 0; i < k; i++) {
        const receipt *r = &parts[i];

        if (h->nonces != NULL)
            memcpy(h->nonces + (size_t)i * ROWCOMMIT_NONCE_LEN, r->nonce, ROWCOMMIT_NONCE_LEN);
        for (b = 0; b < r->batch; b++, at++) {
            if (r->keys != NULL) {
                h->keys[at] = r->keys[b];
                h->key_lens[at] = r->key_lens[b];
            }
            /* decoded points re-encode to their bytes: the encoding is canonical */
            if (h->row_commitments != NULL &&
                rowcommit_encode(h->row_commitments + at * ROWCOMMIT_POINT_LEN,
                                 &r->row_commitments[b]) != 0)
                return zkml_fail(err, ZKML_E_INTERNAL, "could not encode a row commitment");
        }
    }
    h->s.keys = h->keys;
    h->s.key_lens = h->key_lens;
    h->s.nonces = h->nonces;
    h->s.row_commitments = h->row_commitments;
    return ZKML_OK;
}

/* The summary of a receipt of several proofs: every part's rows, in order. */
static int
summarize_group(zkml_receipt *h, char *err)
{
    const receipt_group *g = &h->g;
    size_t n_in = g->parts[0].n_in, n_out = g->parts[0].n_out, at = 0, i;
    int32_t *in, *out;

    if (g->total_rows > UINT32_MAX)
        return zkml_fail(err, ZKML_E_NOMEM, "the receipt holds %llu rows, more than can be "
                         "read at once", (unsigned long long)g->total_rows);
    /* the parts held every value: the products fit */
    h->values = malloc((size_t)g->total_rows * (n_in + n_out) * sizeof(int32_t));
    h->part_rows = malloc((size_t)g->k * sizeof(uint32_t));
    if (h->values == NULL || h->part_rows == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    in = h->values;
    out = h->values + (size_t)g->total_rows * n_in;
    h->s.proof_len = 0;
    for (i = 0; i < g->k; i++) {
        const receipt *r = &g->parts[i];

        if (!r->committed)              /* committed parts hold no inputs */
            memcpy(in + at * n_in, r->inputs, (size_t)r->batch * n_in * sizeof(int32_t));
        memcpy(out + at * n_out, r->outputs, (size_t)r->batch * n_out * sizeof(int32_t));
        at += r->batch;
        h->s.proof_len += r->proof_len;
        h->part_rows[i] = r->batch;
    }
    memcpy(h->s.digest, g->parts[0].digest, 32);
    h->s.batch = (uint32_t)g->total_rows;
    h->s.n_in = (uint32_t)n_in;
    h->s.n_out = (uint32_t)n_out;
    h->s.context = g->parts[0].context;
    h->s.context_len = g->parts[0].context_len;
    h->s.inputs = g->parts[0].committed ? NULL : in;
    h->s.outputs = out;
    h->s.parts = g->k;
    h->s.part_rows = h->part_rows;
    return summarize_keys_and_commitments(h, g->parts, g->k, err);
}

int
zkml_verify(const uint8_t *rct, size_t rct_len, const uint8_t *pub, size_t pub_len,
            char *err)
{
    return receipt_verify(rct, rct_len, pub, pub_len, err);
}

int
zkml_receipt_open(zkml_receipt **out, const uint8_t *rct, size_t rct_len, char *err)
{
    zkml_receipt *h = calloc(1, sizeof *h);
    int rc;

    *out = NULL;
    if (h == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    if (receipt_is_group(rct, rct_len)) {
        if (receipt_group_decode(&h->g, rct, rct_len, err) != 0) {
            free(h);
            return ZKML_E_BAD_RECEIPT;
        }
        if ((rc = summarize_group(h, err)) != ZKML_OK) {
            zkml_receipt_close(h);
            return rc;
        }
        *out = h;
        return ZKML_OK;
    }
    if (receipt_decode(&h->r, rct, rct_len, err) != 0) {
        free(h);
        return ZKML_E_BAD_RECEIPT;
    }
    memcpy(h->s.digest, h->r.digest, 32);
    h->s.batch = h->r.batch;
    h->s.n_in = h->r.n_in;
    h->s.n_out = h->r.n_out;
    h->s.context = h->r.context;
    h->s.context_len = h->r.context_len;
    h->s.inputs = h->r.inputs;
    h->s.outputs = h->r.outputs;
    h->s.proof_len = h->r.proof_len;
    h->s.parts = 1;
    h->s.part_rows = &h->s.batch;
    if ((rc = summarize_keys_and_commitments(h, &h->r, 1, err)) != ZKML_OK) {
        zkml_receipt_close(h);
        return rc;
    }
    *out = h;
    return ZKML_OK;
}

const zkml_receipt_summary *
zkml_receipt_describe(const zkml_receipt *r)
{
    return &r->s;
}

void
zkml_receipt_close(zkml_receipt *r)
{
    if (r == NULL)
        return;
    receipt_free(&r->r);
    receipt_group_free(&r->g);
    free(r->values);
    free(r->part_rows);
    free(r->keys);
    free(r->key_lens);
    free(r->nonces);
    free(r->row_commitments);
    free(r);
}

int
zkml_receipt_info_json(char **json, const uint8_t *rct, size_t rct_len, char *err)
{
    return receipt_info_json(json, rct, rct_len, err) == 0 ? ZKML_OK : ZKML_E_BAD_RECEIPT;
}

int
zkml_receipt_read_rows(zkml_rows *out, const uint8_t *rct, size_t rct_len,
                       const uint8_t *pub, size_t pub_len, char *err)
{
    switch (receipt_read_rows(out, rct, rct_len, pub, pub_len, err)) {
    case RECEIPT_ROWS_OK:
        return ZKML_OK;
    case RECEIPT_ROWS_BAD_RECEIPT:
        return ZKML_E_BAD_RECEIPT;
    case RECEIPT_ROWS_BAD_PUBLIC:
        return ZKML_E_BAD_PUBLIC;
    case RECEIPT_ROWS_MISMATCH:
        return ZKML_E_MISMATCH;
    default:
        return ZKML_E_NOMEM;
    }
}

void
zkml_rows_free(zkml_rows *rows)
{
    receipt_rows_free(rows);
}
