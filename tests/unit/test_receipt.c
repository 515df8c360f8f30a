/*
 * test_receipt.c: the receipt file (receipt.h): round trip, tampering, truncation and
 * the wrong model.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "modelkey.h"
#include "receipt.h"
#include "unit.h"

/* Key and public file bytes of a fixture model, with a fixed seed. */
static int
fixture_files(const char *shape, uint8_t fill, uint8_t **key_buf, size_t *key_len,
              uint8_t **pub_buf, size_t *pub_len)
{
    char name[64], err[ZKML_ERR_LEN] = "";
    modelkey key;
    int rc;

    *key_buf = *pub_buf = NULL;
    memset(&key, 0, sizeof key);
    snprintf(name, sizeof name, "%s.q.json", shape);
    rc = fixture_model(&key.model, name, err);
    memset(key.seed, fill, sizeof key.seed);
    if (rc == 0)
        rc = modelkey_encode(key_buf, key_len, &key, err);
    if (rc == 0)
        rc = modelkey_public(pub_buf, pub_len, *key_buf, *key_len, err);
    if (rc != 0)
        fprintf(stderr, "    %s: %s\n", shape, err);
    modelkey_free(&key);
    return rc;
}

/* zkml_prove_rows with a model opened from its key file (and public file, if not NULL). */
static int
prove_with(uint8_t **rct, size_t *rct_len, const uint8_t *key, size_t key_len,
           const uint8_t *pub, size_t pub_len, const int32_t *rows, size_t batch, size_t n_in,
           const zkml_prove_options *opts, size_t *failed_row, char *err)
{
    zkml_model *m;
    int rc = zkml_model_open(&m, key, key_len, pub, pub_len, err);

    *rct = NULL;
    if (rc == ZKML_OK) {
        rc = zkml_prove_rows(rct, rct_len, m, rows, batch, n_in, opts, failed_row, err);
        zkml_model_close(m);
    }
    return rc;
}

/* Offsets of the fields of a decoded receipt within its bytes. */
static size_t
inputs_at(const receipt *r)
{
    return RECEIPT_HEADER_LEN - 4 + r->statement_context_len;   /* after the row keys */
}

static size_t
outputs_at(const receipt *r)
{
    return inputs_at(r) + 4 * (size_t)r->batch * r->n_in;
}

/* receipt_verify of a modified copy; the result (never expected to be 1). */
static int
verify_flipped(const uint8_t *rct, size_t len, size_t at, const uint8_t *pub,
               size_t pub_len)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t *copy = malloc(len);
    int rc;

    if (copy == NULL)
        return -2;
    memcpy(copy, rct, len);
    copy[at] ^= 1;
    rc = receipt_verify(copy, len, pub, pub_len, err);
    free(copy);
    return rc;
}

UNIT_TEST(receipt_lr20_round_trip_and_tampering)
{
    static const uint8_t context[] = "audit-7";
    char err[ZKML_ERR_LEN] = "";
    uint8_t *key = NULL, *pub = NULL, *pub2 = NULL, *key2 = NULL, *rct = NULL, *copy;
    uint8_t fixed[32] = {3};
    size_t key_len = 0, pub_len = 0, pub2_len = 0, key2_len = 0, rct_len = 0;
    size_t rows, cols, i, cuts[] = {0, 7, 8, 40, 55, 56, 60, 0, 0, 0, 0};
    int32_t *x;
    receipt r;
    int rc, ok;

    CHECK(fixture_files("lr20", 0x11, &key, &key_len, &pub, &pub_len) == 0);
    x = fixture_csv("lr20.rows.csv", &rows, &cols);
    CHECK(x != NULL && rows >= 3);
    if (key == NULL || pub == NULL || x == NULL || rows < 3) {
        free(x);
        free(pub);
        if (key != NULL)
            modelkey_bytes_free(key, key_len);
        return;
    }
    {
        zkml_prove_options o = {context, sizeof context - 1, NULL, NULL, NULL, NULL, fixed, 0, NULL, 0};

        rc = prove_with(&rct, &rct_len, key, key_len, NULL, 0, x, 3, cols, &o, NULL, err);
    }
    CHECKF(rc == 0, "prove: %s", err);
    if (rc != 0) {
        free(x);
        free(pub);
        modelkey_bytes_free(key, key_len);
        return;
    }

    /* decode: the fields are what went in */
    CHECK(receipt_decode(&r, rct, rct_len, err) == 0);
    CHECK(r.batch == 3 && r.n_in == cols && r.n_out >= 1);
    CHECK(r.context_len == sizeof context - 1 && memcmp(r.context, context, 7) == 0);
    CHECK(memcmp(r.inputs, x, 3 * cols * sizeof(int32_t)) == 0);
    CHECK(r.proof_len > 0 && r.proof + r.proof_len == rct + rct_len);
    {
        uint8_t *again = NULL;
        size_t again_len = 0;

        CHECK(receipt_encode(&again, &again_len, &r, err) == 0);
        CHECK(again_len == rct_len && again != NULL && memcmp(again, rct, rct_len) == 0);
        free(again);
    }

    /* the receipt verifies */
    rc = receipt_verify(rct, rct_len, pub, pub_len, err);
    CHECKF(rc == 1, "verify: %s", err);

    /* one output, one input, the context, the digest changed: invalid */
    CHECK(verify_flipped(rct, rct_len, outputs_at(&r), pub, pub_len) == 0);
    CHECK(verify_flipped(rct, rct_len, outputs_at(&r) + 4 * (3 * r.n_out - 1), pub,
                         pub_len) == 0);
    CHECK(verify_flipped(rct, rct_len, inputs_at(&r) + 4 * cols, pub, pub_len) == 0);
    CHECK(verify_flipped(rct, rct_len, RECEIPT_HEADER_LEN + 2, pub, pub_len) == 0);
    CHECK(verify_flipped(rct, rct_len, 8 + 31, pub, pub_len) == 0);
    /* a changed proof length and a changed proof byte */
    CHECK(verify_flipped(rct, rct_len, outputs_at(&r) + 4 * 3 * r.n_out, pub,
                         pub_len) == 0);
    CHECK(verify_flipped(rct, rct_len, rct_len - 1, pub, pub_len) == 0);

    /* truncated: never valid */
    cuts[7] = outputs_at(&r);
    cuts[8] = rct_len - r.proof_len - 1;
    cuts[9] = rct_len - r.proof_len;
    cuts[10] = rct_len - 1;
    for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        rc = receipt_verify(rct, cuts[i], pub, pub_len, err);
        CHECKF(rc == 0, "prefix of %zu bytes: %d", cuts[i], rc);
    }

    /* a trailing byte */
    copy = malloc(rct_len + 1);
    CHECK(copy != NULL);
    if (copy != NULL) {
        memcpy(copy, rct, rct_len);
        copy[rct_len] = 0;
        CHECK(receipt_verify(copy, rct_len + 1, pub, pub_len, err) == 0);
        CHECK(strstr(err, "follow") != NULL);
        free(copy);
    }

    /* another model's public file (mlp20): invalid, also with its digest put in */
    CHECK(fixture_files("mlp20", 0x22, &key2, &key2_len, &pub2, &pub2_len) == 0);
    if (pub2 != NULL) {
        ok = receipt_verify(rct, rct_len, pub2, pub2_len, err);
        CHECKF(ok == 0, "mlp20 public file: %d", ok);
        copy = malloc(rct_len);
        if (copy != NULL) {
            memcpy(copy, rct, rct_len);
            CHECK(modelpub_digest(copy + 8, pub2, pub2_len, err) == MODELKEY_OK);
            ok = receipt_verify(copy, rct_len, pub2, pub2_len, err);
            CHECKF(ok == 0 || ok == -1, "mlp20 digest: %d", ok);
            free(copy);
        }
    }
    /* an unusable public file */
    CHECK(receipt_verify(rct, rct_len, pub, pub_len - 1, err) == -1);
    /* and the original still verifies */
    CHECK(receipt_verify(rct, rct_len, pub, pub_len, err) == 1);

    receipt_free(&r);
    free(rct);
    free(x);
    free(pub);
    free(pub2);
    modelkey_bytes_free(key, key_len);
    if (key2 != NULL)
        modelkey_bytes_free(key2, key2_len);
}

/* Hostile headers are rejected before anything is allocated from them. */
UNIT_TEST(receipt_decode_bounds)
{
    char err[ZKML_ERR_LEN];
    uint8_t buf[RECEIPT_HEADER_LEN + 16];
    int32_t in[2] = {-1, 2}, outv[1] = {-32768};
    receipt r, d;
    uint8_t *enc = NULL, proof[3] = {1, 2, 3};
    size_t enc_len = 0;

    memset(&r, 0, sizeof r);
    memset(r.digest, 0xab, 32);
    r.batch = 1;
    r.n_in = 2;
    r.n_out = 1;
    r.inputs = in;
    r.outputs = outv;
    r.proof = proof;
    r.proof_len = sizeof proof;
    CHECK(receipt_encode(&enc, &enc_len, &r, err) == 0);
    CHECK(enc_len == RECEIPT_HEADER_LEN + 4 + 12 + 8 + 3);     /* one empty row key */
    CHECK(receipt_decode(&d, enc, enc_len, err) == 0);
    CHECK(d.inputs[0] == -1 && d.inputs[1] == 2 && d.outputs[0] == -32768);
    CHECK(d.context_len == 0 && d.proof_len == 3 && memcmp(d.digest, r.digest, 32) == 0);
    receipt_free(&d);
    free(enc);
    enc = NULL;

    /* bounds of the encoder */
    r.batch = 0;
    CHECK(receipt_encode(&enc, &enc_len, &r, err) == -1 && enc == NULL);
    r.batch = 1;
    r.context_len = RECEIPT_MAX_CONTEXT + 1;
    r.context = proof;
    CHECK(receipt_encode(&enc, &enc_len, &r, err) == -1);

    /* a header claiming the largest shapes, with nothing behind it */
    memset(buf, 0, sizeof buf);
    memcpy(buf, RECEIPT_MAGIC, 8);
    buf[40 + 3] = 1;                            /* B = 2^24 */
    buf[44 + 2] = 1;                            /* n_1 = 65536 */
    buf[48 + 2] = 1;                            /* m_L = 65536 */
    buf[52 + 2] = 1;                            /* C = 65536 */
    CHECK(receipt_decode(&d, buf, sizeof buf, err) == -1 && d.storage == NULL);
    buf[52 + 2] = 0;
    CHECK(receipt_decode(&d, buf, sizeof buf, err) == -1 && d.storage == NULL &&
          d.key_storage == NULL);
    CHECK(strstr(err, "truncated") != NULL);
    buf[40 + 0] = 1;                            /* B = 2^24 + 1 */
    CHECK(receipt_decode(&d, buf, sizeof buf, err) == -1);
    buf[40 + 0] = 0;
    buf[52 + 3] = 0x80;                         /* C = 2^31 */
    CHECK(receipt_decode(&d, buf, sizeof buf, err) == -1);
    buf[0] = 'X';
    CHECK(receipt_decode(&d, buf, sizeof buf, err) == -1);
    CHECK(receipt_decode(&d, buf, 0, err) == -1);
}

/*
 * Row keys are part of the statement: a receipt with keys verifies, decodes them as
 * given, and rejects any key changed, two keys swapped (scores moved between rows) or
 * the keys dropped; a key longer than RECEIPT_MAX_KEY is refused by the prover.
 */
UNIT_TEST(receipt_row_keys_are_bound)
{
    static const char *const names[3] = {"app-1001", "app-1002", ""};
    char err[ZKML_ERR_LEN] = "";
    uint8_t *key = NULL, *pub = NULL, *rct = NULL, *copy, fixed[32] = {7};
    const uint8_t *keys[3];
    uint32_t lens[3];
    size_t key_len, pub_len, rct_len = 0, rows_n, cols, b;
    int32_t *rows;
    zkml_prove_options opts;
    receipt d;

    CHECK(fixture_files("lr20", 3, &key, &key_len, &pub, &pub_len) == 0);
    rows = fixture_csv("lr20.rows.csv", &rows_n, &cols);
    CHECK(rows != NULL && rows_n >= 3);
    for (b = 0; b < 3; b++) {
        keys[b] = (const uint8_t *)names[b];
        lens[b] = (uint32_t)strlen(names[b]);
    }
    memset(&opts, 0, sizeof opts);
    opts.context = (const uint8_t *)"2026-11-25";
    opts.context_len = 10;
    opts.row_keys = keys;
    opts.row_key_lens = lens;
    opts.fixed_rng = fixed;
    CHECKF(prove_with(&rct, &rct_len, key, key_len, pub, pub_len, rows, 3, cols, &opts, NULL,
                      err) == 0, "%s", err);
    CHECKF(receipt_verify(rct, rct_len, pub, pub_len, err) == 1, "%s", err);
    CHECK(receipt_decode(&d, rct, rct_len, err) == 0);
    for (b = 0; b < 3; b++)
        CHECK(d.key_lens[b] == lens[b] && memcmp(d.keys[b], names[b], lens[b]) == 0);
    CHECK(d.context_len == 10 && memcmp(d.context, "2026-11-25", 10) == 0);
    copy = malloc(rct_len);
    /* a key byte changed */
    memcpy(copy, rct, rct_len);
    copy[d.keys[0] - rct + 4] ^= 1;
    CHECK(receipt_verify(copy, rct_len, pub, pub_len, err) == 0);
    /* the first two keys swapped (same lengths): the scores would change rows */
    memcpy(copy, rct, rct_len);
    memcpy(copy + (d.keys[0] - rct), names[1], lens[1]);
    memcpy(copy + (d.keys[1] - rct), names[0], lens[0]);
    CHECK(receipt_verify(copy, rct_len, pub, pub_len, err) == 0);
    free(copy);
    receipt_free(&d);
    free(rct);
    /* the same rows proven without keys give another statement */
    opts.row_keys = NULL;
    CHECK(prove_with(&rct, &rct_len, key, key_len, pub, pub_len, rows, 3, cols, &opts, NULL,
                     err) == 0);
    CHECK(receipt_decode(&d, rct, rct_len, err) == 0 && d.key_lens[0] == 0);
    receipt_free(&d);
    free(rct);
    /* an over-long key is refused */
    opts.row_keys = keys;
    lens[2] = RECEIPT_MAX_KEY + 1;
    CHECK(prove_with(&rct, &rct_len, key, key_len, pub, pub_len, rows, 3, cols, &opts, NULL,
                     err) == ZKML_E_INVALID && rct == NULL);
    CHECK(strstr(err, "row key 3") != NULL);
    free(rows);
    free(key);
    free(pub);
}

/* The rows of a receipt: dequantized with the public file, and read only when the
 * receipt's shapes are the model's (a receipt claiming 40 inputs of a 20-input model,
 * padded to match, once read past the model's per-feature table). */
UNIT_TEST(receipt_rows_checked_against_the_model)
{
    static const uint8_t key_a[] = "row-a";
    const uint8_t *keys[2] = {key_a, NULL};
    const uint32_t key_lens[2] = {5, 0};
    char err[ZKML_ERR_LEN] = "";
    uint8_t *key = NULL, *pub = NULL, *key2 = NULL, *pub2 = NULL, *rct = NULL, *wide;
    size_t key_len = 0, pub_len = 0, key2_len = 0, pub2_len = 0, rct_len = 0, rows_n, cols;
    size_t b, j, at;
    uint8_t fixed[32] = {5};
    zkml_prove_options opts;
    receipt_rows rows;
    modelpub p;
    int32_t *x;
    int rc;

    CHECK(fixture_files("lr20", 0x33, &key, &key_len, &pub, &pub_len) == 0);
    CHECK(fixture_files("mlp20", 0x44, &key2, &key2_len, &pub2, &pub2_len) == 0);
    x = fixture_csv("lr20.rows.csv", &rows_n, &cols);
    CHECK(x != NULL && rows_n >= 2 && cols == 20);
    if (key == NULL || key2 == NULL || x == NULL || rows_n < 2 || cols != 20)
        goto out;
    memset(&opts, 0, sizeof opts);
    opts.fixed_rng = fixed;
    opts.row_keys = keys;
    opts.row_key_lens = key_lens;
    rc = prove_with(&rct, &rct_len, key, key_len, NULL, 0, x, 2, cols, &opts, NULL, err);
    CHECKF(rc == 0, "prove: %s", err);
    if (rc != 0)
        goto out;

    /* honest: the rows, keys and dequantized values */
    CHECK(modelpub_decode(&p, pub, pub_len, err) == MODELKEY_OK);
    rc = receipt_read_rows(&rows, rct, rct_len, pub, pub_len, err);
    CHECKF(rc == RECEIPT_ROWS_OK, "rows: %s", err);
    if (rc == RECEIPT_ROWS_OK) {
        CHECK(rows.batch == 2 && rows.n_in == 20 && rows.n_out == 1);
        CHECK(rows.key_lens[0] == 5 && memcmp(rows.keys[0], "row-a", 5) == 0);
        CHECK(rows.key_lens[1] == 0);
        for (b = 0; b < 2; b++)
            for (j = 0; j < 20; j++)
                CHECK(rows.features[b * 20 + j] ==
                      model_dequantize_input(&p.model, (uint32_t)j, x[b * 20 + j]));
        CHECK(rows.scores[0] > 0.0 && rows.scores[0] < 1.0);
        receipt_rows_free(&rows);
    }
    modelpub_free(&p);

    /* another model's public file, a public file cut short, a receipt cut short */
    CHECK(receipt_read_rows(&rows, rct, rct_len, pub2, pub2_len, err) == RECEIPT_ROWS_MISMATCH);
    CHECK(strstr(err, "another model") != NULL);
    CHECK(receipt_read_rows(&rows, rct, rct_len, pub, pub_len - 1, err) ==
          RECEIPT_ROWS_BAD_PUBLIC);
    CHECK(receipt_read_rows(&rows, rct, rct_len - 1, pub, pub_len, err) ==
          RECEIPT_ROWS_BAD_RECEIPT);
    CHECK(rows.features == NULL && rows.batch == 0);

    /* n_1 says 40, and 20 more inputs per row are put in: it decodes, it is not read */
    at = RECEIPT_HEADER_LEN + 4 + 5 + 4 + 2 * 20 * 4;  /* after row 2's inputs */
    wide = malloc(rct_len + 2 * 20 * 4);
    CHECK(wide != NULL);
    if (wide != NULL) {
        memcpy(wide, rct, at);
        memset(wide + at, 0, 2 * 20 * 4);
        memcpy(wide + at + 2 * 20 * 4, rct + at, rct_len - at);
        wide[8 + 32 + 4] = 40;
        {
            receipt r;

            CHECK(receipt_decode(&r, wide, rct_len + 2 * 20 * 4, err) == 0 && r.n_in == 40);
            receipt_free(&r);
        }
        CHECK(receipt_read_rows(&rows, wide, rct_len + 2 * 20 * 4, pub, pub_len, err) ==
              RECEIPT_ROWS_MISMATCH);
        CHECK(strstr(err, "n_1 = 40") != NULL);
        CHECK(receipt_verify(wide, rct_len + 2 * 20 * 4, pub, pub_len, err) == 0);
        free(wide);
    }
out:
    free(rct);
    free(x);
    free(pub);
    free(pub2);
    if (key != NULL)
        modelkey_bytes_free(key, key_len);
    if (key2 != NULL)
        modelkey_bytes_free(key2, key2_len);
}

/*
 * A row the forward pass cannot take (a requantized value outside the activation
 * table) is ZKML_E_ROW_RANGE with the row in failed_row; err names the layer for the
 * key's holder, never the unit (no intermediate value in an error).
 */
UNIT_TEST(receipt_row_outside_the_range)
{
    char err[ZKML_ERR_LEN] = "", merr[ZKML_ERR_LEN] = "";
    uint8_t *key = NULL, *pub = NULL, *rct = NULL, fixed[32] = {9};
    size_t key_len, pub_len, rct_len = 0, rows_n, cols, j, failed_row = 99;
    int32_t *rows, *x = NULL;
    zkml_prove_options opts = {NULL, 0, NULL, NULL, NULL, NULL, fixed, 0, NULL, 0};
    zk_model m;

    memset(&m, 0, sizeof m);
    CHECK(fixture_files("lr20", 5, &key, &key_len, &pub, &pub_len) == 0);
    CHECK(fixture_model(&m, "lr20.q.json", merr) == 0);
    rows = fixture_csv("lr20.rows.csv", &rows_n, &cols);
    if (key == NULL || pub == NULL || rows == NULL || rows_n < 2 || m.n_layers != 1 ||
        (x = malloc(3 * cols * sizeof *x)) == NULL) {
        CHECK(0);
        goto done;
    }
    /* rows 1 and 3 from the fixture; row 2 at the input edges that push the logit past
     * the sigmoid table (each feature at the end its weight's sign favours) */
    memcpy(x, rows, cols * sizeof *x);
    for (j = 0; j < cols; j++)
        x[cols + j] = m.weights[0].w[j] > 0 ? 127 : -128;
    memcpy(x + 2 * cols, rows + cols, cols * sizeof *x);
    CHECK(prove_with(&rct, &rct_len, key, key_len, pub, pub_len, x, 3, cols, &opts,
                     &failed_row, err) == ZKML_E_ROW_RANGE);
    CHECK(rct == NULL && failed_row == 1);
    CHECKF(strstr(err, "forward pass: layer 1, batch row 1") != NULL, "%s", err);
    /* without the row, the others prove */
    memcpy(x + cols, rows + cols, cols * sizeof *x);
    CHECKF(prove_with(&rct, &rct_len, key, key_len, pub, pub_len, x, 3, cols, &opts,
                      &failed_row, err) == 0, "%s", err);
    CHECKF(receipt_verify(rct, rct_len, pub, pub_len, err) == 1, "%s", err);
    free(rct);
done:
    free(x);
    free(rows);
    free(pub);
    if (key != NULL)
        modelkey_bytes_free(key, key_len);
    model_free(&m);
}
