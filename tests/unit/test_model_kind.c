/*
 * test_model_kind.c: the model interface (model_kind.h): how descriptors, documents and
 * names find their kind, and the dense network's operations against the functions of
 * model.h, weights.h and modelkey.h they stand for.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model_kind.h"
#include "modelkey.h"
#include "unit.h"
#include "weights.h"

UNIT_TEST(model_kind_lookup)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t *desc = NULL;
    size_t desc_len = 0, len;
    zk_model m;
    char *doc;

    CHECK(fixture_model(&m, "lr20.q.json", err) == 0);
    CHECK(model_descriptor_encode(&desc, &desc_len, &m, err) == MODEL_OK);
    CHECK(desc != NULL && model_kind_of_descriptor(desc, desc_len, err) == &model_kind_dense);
    if (desc != NULL) {
        desc[7] ^= 1;           /* "ZKMLMD00": no kind */
        CHECK(model_kind_of_descriptor(desc, desc_len, err) == NULL);
        CHECK(strstr(err, "bad magic") != NULL);
    }
    CHECK(model_kind_of_descriptor(desc, 7, err) == NULL && strstr(err, "truncated") != NULL);

    doc = fixture_read("lr20.q.json", &len);
    CHECK(doc != NULL && model_kind_of_document(doc, len) == &model_kind_dense);
    /* no kind claims these: the dense parser names the problem */
    CHECK(model_kind_of_document("{\"format\": \"zkml-float-v1\"}", 27) == &model_kind_dense);
    CHECK(model_kind_of_document("[", 1) == &model_kind_dense);
    CHECK(model_kind_by_name("dense") == &model_kind_dense);
    CHECK(model_kind_by_name("forest") == NULL);
    CHECK(memcmp(model_kind_dense.magic, MODEL_DESCRIPTOR_MAGIC, MODEL_KIND_MAGIC_LEN) == 0);
    free(doc);
    free(desc);
    model_free(&m);
}

/* Each operation of the dense kind gives what the function it wraps gives. */
UNIT_TEST(model_kind_dense_operations)
{
    const model_kind *k = &model_kind_dense;
    char err[ZKML_ERR_LEN] = "";
    zk_model m, doc_model, back, pub_model;
    weights_layout lay;
    model_trace tr;
    int32_t *rows, out[4 * 1];
    uint8_t *secret = NULL, *desc = NULL;
    size_t n_rows, n_in, len, desc_len = 0, failed = 99;
    char shapes[64], *doc;
    uint32_t l;

    memset(&back, 0, sizeof back);
    CHECK(fixture_model(&m, "mlp20.q.json", err) == 0);
    rows = fixture_csv("mlp20.rows.csv", &n_rows, &n_in);
    doc = fixture_read("mlp20.q.json", &len);
    if (rows == NULL || doc == NULL || n_rows < 4) {
        CHECK(0);
        return;
    }
    CHECK(k->n_inputs(&m) == 20 && k->n_outputs(&m) == 1);
    k->shapes(&m, shapes, sizeof shapes);
    CHECK(strcmp(shapes, "20-64-32-1") == 0);
    k->shapes(&m, shapes, 6);   /* cut, never overrun */
    CHECK(strlen(shapes) == 5);

    CHECK(k->from_document(&doc_model, doc, len, err) == ZKML_OK);
    CHECK(k->validate(&doc_model, err) == ZKML_OK);
    k->free(&doc_model);
    CHECK(k->from_document(&doc_model, "{}", 2, err) == ZKML_E_INVALID);
    CHECK(doc_model.n_layers == 0);     /* emptied on failure */

    /* the forward pass: the trace's outputs; a row out of range names it */
    CHECK(model_forward(&tr, &m, rows, 4, 0, err) == MODEL_OK);
    CHECK(k->forward(&m, rows, 4, out, &failed, err) == ZKML_OK);
    CHECK(memcmp(out, tr.out, sizeof out) == 0);
    model_trace_free(&tr);

    /* the secret part: written and read back, it is the weights */
    secret = malloc((size_t)k->secret_size(&m));
    CHECK(k->descriptor_encode(&desc, &desc_len, &m, err) == ZKML_OK);
    if (secret != NULL && desc != NULL) {
        k->secret_write(secret, &m);
        CHECK(k->descriptor_decode(&back, desc, desc_len, err) == ZKML_OK);
        CHECK(k->validate(&back, err) == ZKML_E_INVALID);     /* no weights yet */
        CHECK(k->secret_decode(&back, secret, (size_t)k->secret_size(&m), err) == ZKML_OK);
        CHECK(k->validate(&back, err) == ZKML_OK);
        for (l = 0; l < m.n_layers; l++) {
            CHECK(memcmp(back.weights[l].w, m.weights[l].w,
                         (size_t)m.layer[l].m * m.layer[l].n * 4) == 0);
            CHECK(memcmp(back.weights[l].bias, m.weights[l].bias, m.layer[l].m * 4) == 0);
        }
        CHECK(k->descriptor_decode(&pub_model, desc, desc_len - 1, err) == ZKML_E_INVALID);
    }
    CHECK(weights_layout_build(&lay, &m) == 0 && k->commitment_vars(&m) == lay.l_W);
    CHECK(k->prove_memory_estimate(&m, 16) == infer_prove_memory_estimate(&m, 16));

    /* the interface */
    CHECK(strcmp(k->input_name(&m, 0), model_input_name(&m, 0)) == 0);
    CHECK(k->dequantize_output(&m, 0, 1234) == model_dequantize_output(&m, 0, 1234));
    CHECK(k->dequantize_input(&m, 19, -3) == model_dequantize_input(&m, 19, -3));

    k->free(&back);
    CHECK(back.n_layers == 0 && back.weights[0].w == NULL);
    k->free(&doc_model);
    free(secret);
    free(desc);
    free(rows);
    free(doc);
    model_free(&m);
}

/* A key file or public file whose descriptor names no kind is refused with a message
 * that says so, at the descriptor's byte. */
UNIT_TEST(model_kind_unknown_in_files)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t *key_buf = NULL, *pub_buf = NULL;
    size_t key_len = 0, pub_len = 0, len;
    char *doc = fixture_read("lr20.q.json", &len);
    modelkey key;
    modelpub pub;

    if (doc == NULL) {
        CHECK(0);
        return;
    }
    CHECK(modelkey_keygen(&key_buf, &key_len, doc, len, err) == MODELKEY_OK);
    CHECK(modelkey_public(&pub_buf, &pub_len, key_buf, key_len, err) == MODELKEY_OK);
    if (key_buf != NULL && pub_buf != NULL) {
        CHECK(modelkey_decode(&key, key_buf, key_len, err) == MODELKEY_OK);
        CHECK(key.kind == &model_kind_dense);
        modelkey_free(&key);
        CHECK(modelpub_decode(&pub, pub_buf, pub_len, err) == MODELKEY_OK);
        CHECK(pub.kind == &model_kind_dense);
        modelpub_free(&pub);
        key_buf[8 + 32 + 8] ^= 0x20;    /* the descriptor's magic: "zKMLMD01" */
        CHECK(modelkey_decode(&key, key_buf, key_len, err) == MODELKEY_ERR_INVALID);
        CHECK(strstr(err, "descriptor at byte 48") != NULL && strstr(err, "bad magic"));
        pub_buf[8 + 8] ^= 0x20;
        CHECK(modelpub_decode(&pub, pub_buf, pub_len, err) == MODELKEY_ERR_INVALID);
        CHECK(strstr(err, "descriptor at byte 16") != NULL && strstr(err, "bad magic"));
    }
    modelkey_bytes_free(key_buf, key_len);
    free(pub_buf);
    free(doc);
}
