/*
 * api_receipt.c: the front door's receipts (zkml.h): verify one against a public file,
 * decode one, its facts as JSON, its rows dequantized.  The receipt file is receipt.h's.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "receipt.h"

struct zkml_receipt {
    receipt r;
    zkml_receipt_summary s;
};

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

    *out = NULL;
    if (h == NULL)
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
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
