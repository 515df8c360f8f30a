/*
 * api_opening.c: the front door's openings of committed rows (zkml.h;
 * docs/protocol.md 12.11): make one with a model's key, check one against a receipt,
 * read a receipt's rows with the features of the opened ones.  A receipt is of one proof
 * or of several (its rows counted across the parts in order, receipt_parts).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "opening.h"
#include "receipt.h"
#include "receipt_group.h"

int
zkml_open_rows(uint8_t **out, size_t *out_len, zkml_model *m, const uint8_t *rct,
               size_t rct_len, const uint32_t *rows, const int32_t *features, size_t count,
               char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    receipt_parts p;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (!m->has_key)
        return zkml_fail(err, ZKML_E_NO_KEY, "the model was opened from its public file: "
                         "it has no secret seed to derive the blinds from");
    if ((rc = api_model_public_ready(m, err)) != ZKML_OK)
        return rc;
    if (receipt_parts_decode(&p, rct, rct_len, sub) != 0)
        return zkml_fail(err, ZKML_E_BAD_RECEIPT, "malformed receipt: %s", sub);
    /* every part names the first part's model (12.10.1) */
    if (memcmp(p.parts[0].digest, m->info.digest, 32) != 0 ||
        p.parts[0].n_in != m->info.n_inputs) {
        receipt_parts_free(&p);
        return zkml_fail(err, ZKML_E_MISMATCH, "the receipt names another model");
    }
    rc = opening_create(out, out_len, rct, rct_len, &p, m->key.seed, rows, features, count,
                        err) == 0 ? ZKML_OK : ZKML_E_INVALID;
    receipt_parts_free(&p);
    return rc;
}

/* Rows named by key: each key must occur exactly once in the receipt. */
int
zkml_open_rows_by_key(uint8_t **out, size_t *out_len, zkml_model *m, const uint8_t *rct,
                      size_t rct_len, const uint8_t *const *keys, const uint32_t *key_lens,
                      const int32_t *features, size_t count, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    receipt_parts p;
    uint32_t *idx = NULL, *order = NULL, part;
    int32_t *sorted = NULL;
    size_t i, b, n = m->info.n_inputs;
    uint64_t first;
    int rc = ZKML_OK;

    *out = NULL;
    *out_len = 0;
    if (receipt_parts_decode(&p, rct, rct_len, sub) != 0)
        return zkml_fail(err, ZKML_E_BAD_RECEIPT, "malformed receipt: %s", sub);
    idx = malloc((count > 0 ? count : 1) * sizeof *idx);
    order = malloc((count > 0 ? count : 1) * sizeof *order);
    sorted = malloc((count > 0 ? count : 1) * n * sizeof *sorted);
    if (idx == NULL || order == NULL || sorted == NULL)
        rc = zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    for (i = 0; rc == ZKML_OK && i < count; i++) {
        size_t found = 0;

        /* every row of every part, in order: b - first is the row's index in its part */
        for (part = 0, first = 0; part < p.k; first += p.parts[part++].batch) {
            const receipt *r = &p.parts[part];

            for (b = 0; b < r->batch; b++)
                if (r->keys != NULL && r->key_lens[b] == key_lens[i] &&
                    memcmp(r->keys[b], keys[i], key_lens[i]) == 0) {
                    idx[i] = (uint32_t)(first + b);
                    found++;
                }
        }
        if (found != 1)
            rc = zkml_fail(err, ZKML_E_INVALID, "row key \"%.*s\" occurs %zu times in the "
                           "receipt (it must occur exactly once)", (int)key_lens[i],
                           (const char *)keys[i], found);
        order[i] = (uint32_t)i;
    }
    /* receipt order (insertion sort: openings are of few rows) */
    for (i = 1; rc == ZKML_OK && i < count; i++) {
        uint32_t o = order[i];

        for (b = i; b > 0 && idx[order[b - 1]] > idx[o]; b--)
            order[b] = order[b - 1];
        order[b] = o;
    }
    for (i = 0; rc == ZKML_OK && i < count; i++)
        memcpy(sorted + i * n, features + (size_t)order[i] * n, n * sizeof *sorted);
    for (i = 0; rc == ZKML_OK && i < count; i++)
        order[i] = idx[order[i]];
    receipt_parts_free(&p);
    if (rc == ZKML_OK)
        rc = zkml_open_rows(out, out_len, m, rct, rct_len, order, sorted, count, err);
    free(idx);
    free(order);
    free(sorted);
    return rc;
}

/* Decode the receipt, the public file's model and the opening, and check the opening
 * (12.11.2 steps 2-3).  1, 0 (err), -1 (err); on 1, *o, *r and *pub are the caller's to
 * free. */
static int
open_and_check(opening *o, receipt_parts *r, modelpub *pub, const uint8_t *rct,
               size_t rct_len, const uint8_t *pub_buf, size_t pub_len, const uint8_t *opn,
               size_t opn_len, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    int rc;

    if (modelpub_decode(pub, pub_buf, pub_len, sub) != MODELKEY_OK) {
        zkml_fail(err, -1, "public file: %s", sub);
        return -1;
    }
    if (pub->kind != &model_kind_dense_v2 && pub->kind != &model_kind_trees) {
        modelpub_free(pub);
        zkml_fail(err, -1, "openings exist for committed receipts of version 2 networks and "
                  "tree ensembles only");
        return 0;
    }
    if (receipt_parts_decode(r, rct, rct_len, sub) != 0) {
        modelpub_free(pub);
        zkml_fail(err, -1, "malformed receipt: %s", sub);
        return 0;
    }
    if (opening_decode(o, opn, opn_len, pub->kind->n_inputs(&pub->model),
                       pub->kind == &model_kind_trees ? NULL : &pub->model, sub) != 0) {
        receipt_parts_free(r);
        modelpub_free(pub);
        zkml_fail(err, -1, "invalid opening: %s", sub);
        return 0;
    }
    rc = opening_check(o, rct, rct_len, r, sub);
    if (rc != 1) {
        zkml_fail(err, -1, "invalid opening: %s", sub);
        opening_free(o);
        receipt_parts_free(r);
        modelpub_free(pub);
    }
    return rc;
}

int
zkml_check_opening(const uint8_t *rct, size_t rct_len, const uint8_t *pub_buf,
                   size_t pub_len, const uint8_t *opn, size_t opn_len, char *err)
{
    opening o;
    receipt_parts r;
    modelpub pub;
    int rc = receipt_verify(rct, rct_len, pub_buf, pub_len, err);

    if (rc != 1)        /* 7.2 step 1: an opening of an unproven receipt proves nothing */
        return rc;
    rc = open_and_check(&o, &r, &pub, rct, rct_len, pub_buf, pub_len, opn, opn_len, err);
    if (rc == 1) {
        opening_free(&o);
        receipt_parts_free(&r);
        modelpub_free(&pub);
    }
    return rc;
}

int
zkml_receipt_read_rows_opened(zkml_rows *out, const uint8_t *rct, size_t rct_len,
                              const uint8_t *pub_buf, size_t pub_len, const uint8_t *opn,
                              size_t opn_len, char *err)
{
    opening o;
    receipt_parts r;
    modelpub pub;
    uint32_t i, j;
    int rc = zkml_receipt_read_rows(out, rct, rct_len, pub_buf, pub_len, err);

    if (rc != ZKML_OK)
        return rc;
    rc = open_and_check(&o, &r, &pub, rct, rct_len, pub_buf, pub_len, opn, opn_len, err);
    if (rc != 1) {
        zkml_rows_free(out);
        return rc == 0 ? ZKML_E_INVALID : ZKML_E_INTERNAL;
    }
    out->opened = calloc(out->batch, 1);
    if (out->opened == NULL) {
        rc = zkml_fail(err, ZKML_E_NOMEM, "out of memory");
        zkml_rows_free(out);
    } else {
        for (i = 0; i < o.count; i++) {
            size_t b = o.index[i];

            out->opened[b] = 1;
            for (j = 0; j < o.n_in; j++)
                out->features[b * o.n_in + j] = pub.kind->dequantize_input(
                    &pub.model, j, o.features[(size_t)i * o.n_in + j]);
        }
        rc = ZKML_OK;
    }
    opening_free(&o);
    receipt_parts_free(&r);
    modelpub_free(&pub);
    return rc;
}
