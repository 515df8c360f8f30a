/*
 * make_seeds.c: seed corpora for the fuzz targets, written into DIR/<target>/:
 * the honest proofs of the fixed statements (fuzz_proof, fuzz_infer) and a receipt of the
 * second (fuzz_receipt), the descriptors of the standard
 * shapes (fuzz_descriptor) and their Q.json documents (fuzz_model_json), and a small
 * model with a full interface (names, scales, zero points, output kind) for both; the
 * German Credit float documents (fuzz_float_model); the public file of that small model
 * with a receipt of two rows that names it (fuzz_receipt_rows).
 *
 *   make_seeds FIXTURES_DIR OUT_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_statements.h"
#include "model.h"
#include "modelkey.h"
#include "receipt.h"
#include "receipt_group.h"
#include "zkml.h"

static int
write_file(const char *dir, const char *sub, const char *name, const void *data, size_t len)
{
    char path[1024];
    FILE *f;
    int ok;

    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static char *
read_file(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Small tables, so the fuzzer spends its time on the interface fields. */
static const char INTERFACE_JSON[] =
    "{\"format\": \"zkml-quantized-v1\", \"xbits\": 8, \"layers\": ["
    "{\"weights\": [[1, -2, 3], [4, 5, -6]], \"bias\": [7, -8], \"M\": 3, \"s\": 2,"
    " \"Q\": 4, \"limb_bits\": 2, \"activation\": {\"kind\": \"relu\"}},"
    "{\"weights\": [[1, 2]], \"bias\": [3], \"M\": 1, \"s\": 2, \"Q\": 4,"
    " \"activation\": {\"kind\": \"sigmoid\", \"in_scale\": 0.5, \"out_scale\": 0.001}}],"
    " \"inputs\": [{\"name\": \"age\", \"scale\": 0.5, \"zero_point\": -10},"
    " {\"name\": \"r\u00e9gion\", \"scale\": 1e-3}, {\"zero_point\": 127}],"
    " \"outputs\": [{\"scale\": 0.001, \"zero_point\": 0}],"
    " \"output_kind\": \"probability\"}";

/*
 * fuzz_receipt_rows: u32 L, the public file of the interface model (L bytes), then a
 * receipt of two keyed rows that names it (the proof is a few bytes: reading rows does
 * not verify).
 */
static int
write_rows_seed(const char *dir)
{
    static const int32_t inputs[6] = {-10, 0, 127, 5, -128, 1};
    static const int32_t outputs[2] = {0, 999};
    static const uint8_t proof[4] = {1, 2, 3, 4};
    static const uint8_t key_a[] = "app-1", key_b[] = "app-2";
    const uint8_t *keys[2] = {key_a, key_b};
    const uint32_t key_lens[2] = {5, 5};
    char err[512] = "";         /* holds the messages of model.h, modelkey.h, receipt.h */
    modelkey key;
    uint8_t *key_buf = NULL, *pub = NULL, *rct = NULL, *seed = NULL;
    size_t key_len = 0, pub_len = 0, rct_len = 0;
    receipt r;
    int rc = -1;

    memset(&key, 0, sizeof key);
    memset(key.seed, 7, sizeof key.seed);
    memset(&r, 0, sizeof r);
    if (model_from_json(&key.model, INTERFACE_JSON, sizeof INTERFACE_JSON - 1, err) ==
            MODEL_OK &&
        modelkey_encode(&key_buf, &key_len, &key, err) == MODELKEY_OK &&
        modelkey_public(&pub, &pub_len, key_buf, key_len, err) == MODELKEY_OK &&
        modelpub_digest(r.digest, pub, pub_len, err) == MODELKEY_OK) {
        r.batch = 2;
        r.n_in = 3;
        r.n_out = 1;
        r.keys = keys;
        r.key_lens = key_lens;
        r.inputs = inputs;
        r.outputs = outputs;
        r.proof = proof;
        r.proof_len = sizeof proof;
        if (receipt_encode(&rct, &rct_len, &r, err) == 0 &&
            (seed = malloc(4 + pub_len + rct_len)) != NULL) {
            seed[0] = (uint8_t)pub_len;
            seed[1] = (uint8_t)(pub_len >> 8);
            seed[2] = (uint8_t)(pub_len >> 16);
            seed[3] = (uint8_t)(pub_len >> 24);
            memcpy(seed + 4, pub, pub_len);
            memcpy(seed + 4 + pub_len, rct, rct_len);
            rc = write_file(dir, "fuzz_receipt_rows", "honest", seed, 4 + pub_len + rct_len);
        }
    }
    if (rc != 0)
        fprintf(stderr, "make_seeds: receipt rows: %s\n", err);
    free(seed);
    free(rct);
    free(pub);
    if (key_buf != NULL)
        modelkey_bytes_free(key_buf, key_len);
    modelkey_free(&key);
    return rc;
}

int
main(int argc, char **argv)
{
    static const char *const shapes[] = {"lr20", "mlp20"};
    static const char *const float_docs[] = {"credit_lr20.float.json", "credit_mlp20.float.json"};
    fuzz_ipa_statement st;
    codec_writer w;
    size_t i;

    if (argc != 3) {
        fprintf(stderr, "usage: make_seeds FIXTURES_DIR OUT_DIR\n");
        return 2;
    }
    mkdir(argv[2], 0755);
    if (zkml_init() != NULL || fuzz_ipa_setup(&st, &w) != 0 ||
        write_file(argv[2], "fuzz_proof", "honest", w.data, w.len) != 0)
        return 1;
    codec_writer_free(&w);
    {
        fuzz_infer_statement fs;
        uint8_t *proof;
        size_t len;

        receipt rc;
        uint8_t *rbytes;
        size_t rlen;
        char err[ZKML_ERR_LEN];

        if (fuzz_infer_setup(&fs, &proof, &len) != 0 ||
            write_file(argv[2], "fuzz_infer", "honest", proof, len) != 0)
            return 1;
        memset(&rc, 0, sizeof rc);              /* the same proof, wrapped in a receipt */
        rc.batch = 3;
        rc.n_in = 4;
        rc.n_out = 2;
        rc.context = fs.st.context;
        rc.context_len = fs.st.context_len;
        rc.inputs = fs.inputs;
        rc.outputs = fs.outputs;
        rc.proof = proof;
        rc.proof_len = len;
        if (receipt_encode(&rbytes, &rlen, &rc, err) != 0 ||
            write_file(argv[2], "fuzz_receipt", "honest", rbytes, rlen) != 0)
            return 1;
        {
            /* two of it in a container (receipt_group.h): well-formed bytes, not valid */
            const uint8_t *parts[2] = {rbytes, rbytes};
            size_t lens[2] = {rlen, rlen}, glen;
            uint8_t *gbytes;

            if (receipt_group_encode(&gbytes, &glen, 2, 6, parts, lens, err) != 0 ||
                write_file(argv[2], "fuzz_receipt", "group", gbytes, glen) != 0)
                return 1;
            free(gbytes);
        }
        free(rbytes);
        free(proof);
    }
    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char name[64], err[ZKML_ERR_LEN];
        size_t len, dlen;
        char *text;
        uint8_t *desc;
        zk_model m;

        snprintf(name, sizeof name, "%s.q.json", shapes[i]);
        text = read_file(argv[1], name, &len);
        if (text == NULL || model_from_json(&m, text, len, err) != MODEL_OK ||
            model_descriptor_encode(&desc, &dlen, &m, err) != MODEL_OK ||
            write_file(argv[2], "fuzz_model_json", name, text, len) != 0 ||
            write_file(argv[2], "fuzz_descriptor", shapes[i], desc, dlen) != 0) {
            fprintf(stderr, "make_seeds: %s\n", name);
            return 1;
        }
        free(desc);
        free(text);
        model_free(&m);
    }
    for (i = 0; i < sizeof float_docs / sizeof float_docs[0]; i++) {
        size_t len;
        char *text = read_file(argv[1], float_docs[i], &len);

        if (text == NULL ||
            write_file(argv[2], "fuzz_float_model", float_docs[i], text, len) != 0) {
            fprintf(stderr, "make_seeds: %s\n", float_docs[i]);
            return 1;
        }
        free(text);
    }
    {
        char err[ZKML_ERR_LEN];
        uint8_t *desc;
        size_t dlen;
        zk_model m;

        if (model_from_json(&m, INTERFACE_JSON, sizeof INTERFACE_JSON - 1, err) != MODEL_OK ||
            model_descriptor_encode(&desc, &dlen, &m, err) != MODEL_OK ||
            write_file(argv[2], "fuzz_model_json", "interface.q.json", INTERFACE_JSON,
                       sizeof INTERFACE_JSON - 1) != 0 ||
            write_file(argv[2], "fuzz_descriptor", "interface", desc, dlen) != 0) {
            fprintf(stderr, "make_seeds: interface model: %s\n", err);
            return 1;
        }
        free(desc);
        model_free(&m);
    }
    if (write_rows_seed(argv[2]) != 0)
        return 1;
    return 0;
}
