/*
 * test_api.c: the core's front door (include/zkml.h) as the extension and the command
 * use it: keys and public files, opening and describing models, quantizing and scoring
 * rows, proving, verifying and reading receipts, and the codes of each refusal.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model.h"
#include "unit.h"
#include "zkml.h"

/* The lr20 fixture's key file and public file, through the front door. */
typedef struct {
    uint8_t *key, *pub;
    size_t key_len, pub_len;
    int32_t *rows;              /* the fixture's rows */
    size_t n_rows, n_in;
} api_case;

static int
case_make(api_case *c)
{
    char err[ZKML_ERR_LEN] = "";
    size_t len;
    char *json = fixture_read("lr20.q.json", &len);
    int rc = -1;

    memset(c, 0, sizeof *c);
    if (json == NULL)
        return -1;
    if (zkml_key_generate(&c->key, &c->key_len, json, len, err) == ZKML_OK &&
        zkml_public_from_key(&c->pub, &c->pub_len, c->key, c->key_len, err) == ZKML_OK)
        rc = 0;
    else
        fprintf(stderr, "    %s\n", err);
    free(json);
    c->rows = fixture_csv("lr20.rows.csv", &c->n_rows, &c->n_in);
    return c->rows != NULL ? rc : -1;
}

static void
case_free(api_case *c)
{
    zkml_secret_free(c->key, c->key_len);
    free(c->pub);
    free(c->rows);
}

/* Opening: what each kind of bad input gives, and what a model says of itself. */
UNIT_TEST(api_model_open_and_describe)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t digest[32];
    const zkml_model_info *info;
    zkml_model *m = NULL;
    api_case c;

    if (case_make(&c) != 0) {
        CHECK(0);
        return;
    }
    CHECK(zkml_model_open(&m, NULL, 0, NULL, 0, err) == ZKML_E_INVALID && m == NULL);
    CHECK(zkml_model_open(&m, c.pub, c.pub_len, NULL, 0, err) == ZKML_E_INVALID);
    CHECK(strstr(err, "key") != NULL);
    CHECK(zkml_model_open(&m, NULL, 0, c.key, c.key_len, err) == ZKML_E_BAD_PUBLIC);
    CHECK(m == NULL);

    /* verify-only */
    CHECK(zkml_model_open(&m, NULL, 0, c.pub, c.pub_len, err) == ZKML_OK);
    if (m != NULL) {
        info = zkml_model_describe(m);
        CHECK(!info->has_key && info->has_digest);
        CHECK(strcmp(info->kind, "dense") == 0);
        CHECK(info->n_inputs == 20 && info->n_outputs == 1);
        CHECK(strcmp(info->shapes, "20-1") == 0);
        CHECK(zkml_public_digest(digest, c.pub, c.pub_len, err) == ZKML_OK);
        CHECK(memcmp(digest, info->digest, 32) == 0);
        CHECK(info->input_min[0] < info->input_max[0]);
        zkml_model_close(m);
    }

    /* from the key alone: no digest until a proof derives the public file */
    CHECK(zkml_model_open(&m, c.key, c.key_len, NULL, 0, err) == ZKML_OK);
    if (m != NULL) {
        info = zkml_model_describe(m);
        CHECK(info->has_key && !info->has_digest);
        CHECK(zkml_prove_memory_estimate(m, 1) > 0);
        zkml_model_close(m);
    }
    zkml_model_close(NULL);
    case_free(&c);
}

/* Scoring: the front door's scores are the forward pass's outputs, dequantized; a
 * verify-only model cannot score or prove. */
UNIT_TEST(api_score_rows_matches_forward_pass)
{
    char err[ZKML_ERR_LEN] = "";
    zkml_model *m = NULL, *pub_only = NULL;
    model_trace tr;
    zk_model model;
    double scores[4];
    size_t b, failed = 99;
    uint8_t *rct = NULL;
    size_t rct_len = 0;
    api_case c;

    if (case_make(&c) != 0 || c.n_rows < 4) {
        CHECK(0);
        return;
    }
    CHECK(fixture_model(&model, "lr20.q.json", err) == 0);
    CHECK(model_forward(&tr, &model, c.rows, 4, 0, err) == MODEL_OK);
    CHECK(zkml_model_open(&m, c.key, c.key_len, c.pub, c.pub_len, err) == ZKML_OK);
    CHECK(zkml_model_open(&pub_only, NULL, 0, c.pub, c.pub_len, err) == ZKML_OK);
    if (m != NULL && pub_only != NULL) {
        CHECK(zkml_score_rows(m, c.rows, 4, scores, &failed, err) == ZKML_OK);
        for (b = 0; b < 4; b++)
            CHECK(scores[b] == model_dequantize_output(&model, 0, tr.out[b]));
        CHECK(zkml_score_rows(pub_only, c.rows, 4, scores, &failed, err) == ZKML_E_NO_KEY);
        CHECK(zkml_prove_rows(&rct, &rct_len, pub_only, c.rows, 1, c.n_in, NULL, &failed,
                              err) == ZKML_E_NO_KEY && rct == NULL);
        CHECK(zkml_prove_rows(&rct, &rct_len, m, c.rows, 1, c.n_in - 1, NULL, &failed,
                              err) == ZKML_E_INVALID && rct == NULL);
        CHECK(strstr(err, "the model takes 20") != NULL);
    }
    zkml_model_close(m);
    zkml_model_close(pub_only);
    model_trace_free(&tr);
    model_free(&model);
    case_free(&c);
}

/* Quantizing a row: NaN is invalid, an out-of-range feature saturates or is refused,
 * and the failing feature is named; dequantization outside the model is NaN. */
UNIT_TEST(api_quantize_row_policies)
{
    char err[ZKML_ERR_LEN] = "";
    zkml_model *m = NULL;
    double features[20];
    int32_t q[20];
    uint32_t failed = 99, j;
    api_case c;

    if (case_make(&c) != 0) {
        CHECK(0);
        return;
    }
    CHECK(zkml_model_open(&m, NULL, 0, c.pub, c.pub_len, err) == ZKML_OK);
    if (m != NULL) {
        const zkml_model_info *info = zkml_model_describe(m);

        for (j = 0; j < 20; j++)
            features[j] = zkml_dequantize_input(m, j, c.rows[j]);
        CHECK(zkml_quantize_row(m, features, ZKML_FEATURES_REFUSE, q, &failed, err) ==
              ZKML_OK);
        CHECK(memcmp(q, c.rows, sizeof q) == 0);
        features[3] = info->input_max[3] + 1000 * (info->input_max[3] - info->input_min[3]);
        CHECK(zkml_quantize_row(m, features, ZKML_FEATURES_REFUSE, q, &failed, err) ==
              ZKML_E_FEATURE_RANGE && failed == 3);
        CHECK(zkml_quantize_row(m, features, ZKML_FEATURES_SATURATE, q, &failed, err) ==
              ZKML_OK);
        CHECK(zkml_dequantize_input(m, 3, q[3]) == info->input_max[3]);
        features[5] = NAN;
        failed = 99;
        CHECK(zkml_quantize_row(m, features, ZKML_FEATURES_SATURATE, q, &failed, err) ==
              ZKML_E_INVALID && failed == 5);
        CHECK(isnan(zkml_dequantize_input(m, 20, 0)));
        CHECK(isnan(zkml_dequantize_output(m, 1, 0)));
        zkml_model_close(m);
    }
    case_free(&c);
}

/* A receipt made through the front door verifies, reads back as the rows and scores it
 * states, and names the model; against another model's public file it is invalid and its
 * rows are a mismatch. */
UNIT_TEST(api_prove_verify_read)
{
    static const uint8_t fixed[32] = {7};
    char err[ZKML_ERR_LEN] = "";
    const uint8_t *keys[2] = {(const uint8_t *)"app-1", (const uint8_t *)"app-22"};
    const uint32_t key_lens[2] = {5, 6};
    zkml_prove_options o = {(const uint8_t *)"2026-12-02", 10, keys, key_lens, NULL, NULL,
                            fixed, 0, NULL, 0};
    zkml_model *m = NULL;
    zkml_receipt *r = NULL;
    zkml_rows rows;
    uint8_t *rct = NULL;
    size_t rct_len = 0, failed = 99;
    double scores[2];
    char *json = NULL;
    api_case c, other;

    if (case_make(&c) != 0 || case_make(&other) != 0) {
        CHECK(0);
        return;
    }
    CHECK(zkml_model_open(&m, c.key, c.key_len, NULL, 0, err) == ZKML_OK);
    if (m == NULL)
        goto out;
    CHECK(zkml_prove_rows(&rct, &rct_len, m, c.rows, 2, c.n_in, &o, &failed, err) ==
          ZKML_OK);
    CHECK(zkml_model_describe(m)->has_digest);
    CHECK(zkml_score_rows(m, c.rows, 2, scores, &failed, err) == ZKML_OK);
    if (rct == NULL)
        goto out;
    CHECK(zkml_verify(rct, rct_len, c.pub, c.pub_len, err) == 1);
    CHECK(zkml_verify(rct, rct_len, other.pub, other.pub_len, err) == 0);
    CHECK(strstr(err, "another model") != NULL);
    CHECK(zkml_verify(rct, rct_len, c.key, c.key_len, err) == -1);

    CHECK(zkml_receipt_open(&r, rct, rct_len, err) == ZKML_OK);
    if (r != NULL) {
        const zkml_receipt_summary *s = zkml_receipt_describe(r);

        CHECK(s->batch == 2 && s->n_in == 20 && s->n_out == 1 && s->context_len == 10);
        CHECK(memcmp(s->digest, zkml_model_describe(m)->digest, 32) == 0);
        CHECK(memcmp(s->inputs, c.rows, 2 * 20 * sizeof(int32_t)) == 0);
        zkml_receipt_close(r);
    }
    CHECK(zkml_receipt_open(&r, rct, rct_len - 1, err) == ZKML_E_BAD_RECEIPT && r == NULL);

    CHECK(zkml_receipt_read_rows(&rows, rct, rct_len, c.pub, c.pub_len, err) == ZKML_OK);
    if (rows.scores != NULL) {
        CHECK(rows.batch == 2 && rows.scores[0] == scores[0] && rows.scores[1] == scores[1]);
        CHECK(rows.features[20] == zkml_dequantize_input(m, 0, c.rows[20]));
        CHECK(rows.key_lens[1] == 6 && memcmp(rows.keys[1], "app-22", 6) == 0);
        zkml_rows_free(&rows);
    }
    CHECK(zkml_receipt_read_rows(&rows, rct, rct_len, other.pub, other.pub_len, err) ==
          ZKML_E_MISMATCH && rows.scores == NULL);
    CHECK(zkml_receipt_read_rows(&rows, rct, rct_len, c.key, c.key_len, err) ==
          ZKML_E_BAD_PUBLIC);

    CHECK(zkml_receipt_info_json(&json, rct, rct_len, err) == ZKML_OK);
    CHECK(json != NULL && strstr(json, "\"rows\": 2") != NULL &&
          strstr(json, "\"context\": \"2026-12-02\"") != NULL &&
          strstr(json, "\"rows_with_keys\": 2") != NULL);
out:
    free(json);
    free(rct);
    zkml_model_close(m);
    case_free(&c);
    case_free(&other);
}

/* Registration through the front door: a float document's features, options checked,
 * quantization with calibration rows of the wrong width refused with the width. */
UNIT_TEST(api_registration_calls)
{
    char err[ZKML_ERR_LEN] = "", **names = NULL, *qjson = NULL, *report = NULL;
    size_t len, count = 0, qlen = 0, n_features = 0;
    char *doc = fixture_read("credit_lr20.float.json", &len);
    double calib[2 * 19];
    zkml_quantize_input in;
    uint8_t *key = NULL;
    size_t key_len = 0;

    if (doc == NULL) {
        CHECK(0);
        return;
    }
    CHECK(zkml_float_features(&names, &count, doc, len, err) == ZKML_OK);
    CHECK(count == 20 && names != NULL && strcmp(names[0], "Duration") == 0);
    free(names);
    CHECK(zkml_quantize_options_check("{}", 2, err) == ZKML_OK);
    CHECK(zkml_quantize_options_check("{\"no_such_option\": 1}", 21, err) == ZKML_E_INVALID);
    CHECK(zkml_quantize_options_check("{", 1, err) == ZKML_E_INVALID);

    memset(&in, 0, sizeof in);
    memset(calib, 0, sizeof calib);
    in.calibration = calib;
    in.n_calibration = 2;
    in.calibration_width = 19;
    CHECK(zkml_quantize_model(&qjson, &qlen, &report, doc, len, &in, &n_features, err) ==
          ZKML_E_WIDTH && n_features == 20 && qjson == NULL && report == NULL);

    /* a synthetic calibration set: a document a key can be made from */
    memset(&in, 0, sizeof in);
    CHECK(zkml_quantize_model(&qjson, &qlen, &report, doc, len, &in, NULL, err) == ZKML_OK);
    CHECK(report != NULL && strstr(report, "max_abs_error") != NULL);
    if (qjson != NULL)
        CHECK(zkml_key_generate(&key, &key_len, qjson, qlen, err) == ZKML_OK && key != NULL);
    zkml_secret_free(key, key_len);
    CHECK(zkml_key_generate(&key, &key_len, doc, len, err) == ZKML_E_INVALID && key == NULL);
    zkml_secret_free(qjson, qlen);
    free(report);
    free(doc);
}

/* A version 2 model through the front door (docs/protocol.md 6.4, 7.17): its document gives a
 * key and a public file, it describes itself as the dense kind, scores as its version 1
 * twin does (the fixtures compute the same function), proves and verifies; each
 * version's receipt names its own model. */
UNIT_TEST(api_version_2_model_end_to_end)
{
    static const char *const names[] = {"lr20", "mlp20"};
    size_t k;

    CHECK(zkml_init() == NULL);
    for (k = 0; k < 2; k++) {
        char err[ZKML_ERR_LEN] = "", file[32];
        uint8_t *key[2] = {NULL, NULL}, *pub[2] = {NULL, NULL}, *rct[2] = {NULL, NULL};
        size_t key_len[2] = {0, 0}, pub_len[2] = {0, 0}, rct_len[2] = {0, 0};
        size_t n_rows = 0, n_in = 0, failed = 0, v, len;
        int32_t *rows;
        double scores[2][4];
        zkml_model *m[2] = {NULL, NULL};

        snprintf(file, sizeof file, "%s.rows.csv", names[k]);
        rows = fixture_csv(file, &n_rows, &n_in);
        CHECK(rows != NULL && n_rows >= 4);
        for (v = 0; v < 2 && rows != NULL; v++) {
            char *json;

            snprintf(file, sizeof file, "%s%s.q.json", names[k], v == 1 ? "v2" : "");
            json = fixture_read(file, &len);
            CHECKF(json != NULL && zkml_key_generate(&key[v], &key_len[v], json, len, err) ==
                   ZKML_OK, "%s: %s", file, err);
            free(json);
            CHECK(zkml_public_from_key(&pub[v], &pub_len[v], key[v], key_len[v], err) ==
                  ZKML_OK);
            CHECK(pub[v] != NULL && memcmp(pub[v] + 16, v == 1 ? "ZKMLMD02" : "ZKMLMD01", 8) == 0);
            CHECK(zkml_model_open(&m[v], key[v], key_len[v], pub[v], pub_len[v], err) == ZKML_OK);
            if (m[v] == NULL)
                continue;
            CHECK(strcmp(zkml_model_describe(m[v])->kind, "dense") == 0);
            CHECK(zkml_score_rows(m[v], rows, 4, scores[v], &failed, err) == ZKML_OK);
            CHECKF(zkml_prove_rows(&rct[v], &rct_len[v], m[v], rows, 4, n_in, NULL, &failed,
                                   err) == ZKML_OK, "%s: %s", file, err);
            CHECKF(zkml_verify(rct[v], rct_len[v], pub[v], pub_len[v], err) == 1, "%s: %s",
                   file, err);
        }
        CHECK(memcmp(scores[0], scores[1], sizeof scores[0]) == 0);
        if (rct[1] != NULL && pub[0] != NULL)
            CHECK(zkml_verify(rct[1], rct_len[1], pub[0], pub_len[0], err) == 0);
        for (v = 0; v < 2; v++) {
            zkml_model_close(m[v]);
            zkml_secret_free(key[v], key_len[v]);
            free(pub[v]);
            free(rct[v]);
        }
        free(rows);
    }
}
