/*
 * test_tree.c: tree ensembles (tree_model.h, docs/protocol.md 15.1-15.4, 12.7, 12.8):
 * every row of the fixtures of tests/fixtures/trees takes the library's own leaf in every
 * tree and scores within 1e-4 of the library; bad documents name their JSON path; the
 * binary32 order key; the descriptor, key and public files round-trip and their decoders
 * refuse damage; the commitment follows the seed (the proof: test_tree_proof.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model_kind.h"
#include "modelkey.h"
#include "tree_model.h"
#include "unit.h"

/* A CSV of doubles after one header line; an empty field is NaN.  NULL on error. */
static double *
read_doubles(const char *name, int header, size_t *rows, size_t *cols)
{
    size_t len, cap = 1024, n = 0, r = 0, c = 0, width = 0;
    char *text = fixture_read(name, &len), *p, *end;
    double *out;

    *rows = *cols = 0;
    if (text == NULL || (out = malloc(cap * sizeof *out)) == NULL) {
        free(text);
        return NULL;
    }
    p = text;
    if (header)
        p = strchr(p, '\n') != NULL ? strchr(p, '\n') + 1 : p + strlen(p);
    while (*p != '\0') {
        double v = NAN;

        if (*p != ',' && *p != '\n') {
            v = strtod(p, &end);
            p = end;
        }
        if (n == cap) {
            double *grown = realloc(out, 2 * cap * sizeof *out);

            if (grown == NULL)
                break;
            out = grown;
            cap *= 2;
        }
        out[n++] = v;
        c++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\n')
            p++;
        if (width == 0)
            width = c;
        if (c != width)
            break;
        r++;
        c = 0;
    }
    free(text);
    if (c != 0 || width == 0) {
        free(out);
        return NULL;
    }
    *rows = r;
    *cols = width;
    return out;
}

static int
model_of_fixture(tree_model *m, const char *name, char *err)
{
    size_t len;
    char *text = fixture_read(name, &len);
    int rc;

    if (text == NULL)
        return -100;
    rc = model_kind_trees.from_document(m, text, len, err);
    free(text);
    return rc;
}

typedef struct {
    const char *model, *rows;
    int leaves;                 /* the expected file has the leaf of each tree */
} tree_fixture;

static const tree_fixture fixtures[] = {
    { "trees/xgb100.json", "trees/credit_gaps.rows.csv", 1 },
    { "trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 1 },
    { "trees/xgb_raw.json", "trees/credit_gaps.rows.csv", 1 },
    { "trees/rf.json", "trees/credit.rows.csv", 1 },
    { "trees/gbc.json", "trees/credit.rows.csv", 1 },
    { "trees/hgb.json", "trees/credit_gaps.rows.csv", 0 },
    { "trees/dt.json", "trees/credit.rows.csv", 1 },
};

/* Every fixture row: the library's leaf in every tree and its output within 1e-4. */
UNIT_TEST(tree_fixtures_exact)
{
    size_t f;

    for (f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        const tree_fixture *fx = &fixtures[f];
        char err[ZKML_ERR_LEN] = "", name[128];
        size_t n_rows, n_cols, e_rows, e_cols, b, wrong_leaves = 0, missing = 0;
        double *rows, *expected, max_err = 0;
        int32_t *q = NULL, out;
        uint32_t *leaves = NULL, t;
        tree_model m;
        int rc;

        rc = model_of_fixture(&m, fx->model, err);
        CHECKF(rc == ZKML_OK, "%s: %s", fx->model, err);
        if (rc != ZKML_OK)
            continue;
        snprintf(name, sizeof name, "%.*s.expected.csv",
                 (int)(strlen(fx->model) - strlen(".json")), fx->model);
        rows = read_doubles(fx->rows, 1, &n_rows, &n_cols);
        expected = read_doubles(name, 0, &e_rows, &e_cols);
        CHECK(rows != NULL && expected != NULL);
        if (rows == NULL || expected == NULL)
            goto next;
        CHECK(n_cols == m.n_features && e_rows == n_rows && n_rows == 400);
        CHECK(e_cols == (fx->leaves ? 1 + m.n_trees : 1));
        q = malloc(m.n_features * sizeof *q);
        leaves = malloc(m.n_trees * sizeof *leaves);
        CHECK(q != NULL && leaves != NULL);
        if (q == NULL || leaves == NULL || n_cols != m.n_features || e_rows != n_rows)
            goto next;
        for (b = 0; b < n_rows; b++) {
            const double *x = rows + b * n_cols, *want = expected + b * e_cols;
            uint32_t fail = 0;
            size_t failed_row = 0;
            double got;

            CHECK(model_kind_trees.quantize_row(&m, x, ZKML_FEATURES_REFUSE, q, &fail,
                                                err) == ZKML_OK);
            for (t = 0; t < m.n_features; t++)
                missing += q[t] == TREE_MISSING;
            CHECK(model_kind_trees.forward(&m, q, 1, &out, &failed_row, err) == ZKML_OK);
            got = model_kind_trees.dequantize_output(&m, 0, out);
            if (fabs(got - want[0]) > max_err)
                max_err = fabs(got - want[0]);
            if (!fx->leaves)
                continue;
            tree_model_leaves(&m, q, leaves);
            for (t = 0; t < m.n_trees; t++)
                wrong_leaves += m.leaf_origin[(size_t)t << m.depth | leaves[t]] !=
                                (int32_t)want[1 + t];
        }
        CHECKF(max_err < 1e-4, "%s: largest difference %.3g", fx->model, max_err);
        CHECKF(wrong_leaves == 0, "%s: %zu leaves differ from the library's", fx->model,
               wrong_leaves);
        if (strstr(fx->rows, "gaps") != NULL)
            CHECKF(missing > 0, "%s: no missing value met", fx->rows);
        printf("    %-24s %3u trees, depth %u, F %u, Q %u: largest difference %.2g over "
               "%zu rows\n", fx->model, m.n_trees, m.depth, m.frac_bits, m.q_bits, max_err,
               n_rows);
next:
        free(q);
        free(leaves);
        free(rows);
        free(expected);
        model_kind_trees.free(&m);
    }
}

/* The XGBoost model is found by its "learner", a tree document by its format. */
UNIT_TEST(tree_kind_lookup)
{
    static const char doc[] = "{\"format\": \"zkml-trees-v1\"}";
    size_t len;
    char *text = fixture_read("trees/xgb_raw.json", &len);

    CHECK(text != NULL && model_kind_of_document(text, len) == &model_kind_trees);
    CHECK(model_kind_of_document(doc, sizeof doc - 1) == &model_kind_trees);
    CHECK(model_kind_by_name("trees") == &model_kind_trees);
    CHECK(model_kind_of_descriptor((const uint8_t *)"ZKMLTE01", 8, NULL) == &model_kind_trees);
    free(text);
}

/* docs/protocol.md 15.3.1: monotone, exact on binary32, NaN missing, -0 = +0. */
UNIT_TEST(tree_order_key)
{
    static const double v[] = { -INFINITY, -3.4e38, -1.5, -1e-45, -0.0, 0.0, 1e-45, 0.5,
                                0.5000001, 1.0, 12.5, 10421.5, 3.4e38, INFINITY };
    size_t i;
    int k;

    CHECK(tree_key_of_double(NAN) == TREE_MISSING);
    CHECK(isnan(tree_double_of_key(TREE_MISSING)));
    CHECK(tree_key_of_double(-0.0) == 0 && tree_key_of_double(0.0) == 0);
    CHECK(tree_key_of_double(INFINITY) == 0x7f800000);
    CHECK(tree_key_of_double(-INFINITY) == -0x7f800000);
    for (i = 0; i + 1 < sizeof v / sizeof v[0]; i++) {
        CHECKF(tree_key_of_double(v[i]) <= tree_key_of_double(v[i + 1]), "%g %g", v[i],
               v[i + 1]);
        CHECK(tree_double_of_key(tree_key_of_double(v[i])) == (double)(float)v[i]);
    }
    for (k = 0; k < 10000; k++) {
        float a, b;
        uint32_t ua = (uint32_t)unit_rand64(), ub = (uint32_t)unit_rand64();

        memcpy(&a, &ua, 4);
        memcpy(&b, &ub, 4);
        if (isnan(a) || isnan(b))
            continue;
        CHECK((a < b) == (tree_key_of_double(a) < tree_key_of_double(b)));
    }
}

/* A one-split document: the decision at the threshold itself, both rules, and the
 * default direction of a missing value. */
static int
one_split(tree_model *m, const char *decision, const char *threshold, const char *dleft,
          char *err)
{
    char doc[512];
    int n = snprintf(doc, sizeof doc,
                     "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\", \"b\"], "
                     "\"decision\": \"%s\", \"transform\": \"identity\", \"trees\": "
                     "[{\"left\": [1, -1, -1], \"right\": [2, -1, -1], \"feature\": [1, 0, 0], "
                     "\"threshold\": [%s, 0, 0], \"default_left\": [%s, false, false], "
                     "\"value\": [0, -1, 1]}]}", decision, threshold, dleft);

    return model_kind_trees.from_document(m, doc, (size_t)n, err);
}

static double
score_one(const tree_model *m, double a, double b)
{
    double x[2] = { a, b };
    int32_t q[2], out = 0;
    uint32_t fail;

    model_kind_trees.quantize_row(m, x, ZKML_FEATURES_REFUSE, q, &fail, NULL);
    model_kind_trees.forward(m, q, 1, &out, NULL, NULL);
    return model_kind_trees.dequantize_output(m, 0, out);
}

UNIT_TEST(tree_decision_rules)
{
    char err[ZKML_ERR_LEN] = "";
    tree_model m;

    CHECK(one_split(&m, "lt", "2.5", "true", err) == ZKML_OK);
    CHECK(m.depth == 1 && m.transform == TREE_TRANSFORM_IDENTITY);
    CHECK(score_one(&m, 0, 2.4999) == -1 && score_one(&m, 0, 2.5) == 1);
    CHECK(score_one(&m, 0, NAN) == -1);
    model_kind_trees.free(&m);
    CHECK(one_split(&m, "le", "2.5", "false", err) == ZKML_OK);
    CHECK(score_one(&m, 0, 2.5) == -1 && score_one(&m, 0, 2.5000002) == 1);
    CHECK(score_one(&m, 0, NAN) == 1);
    model_kind_trees.free(&m);
    /* a threshold between two binary32 numbers: the feature is compared as binary32 */
    CHECK(one_split(&m, "le", "0.1", "true", err) == ZKML_OK);
    CHECK(score_one(&m, 0, 0.1) == ((double)(float)0.1 <= 0.1 ? -1 : 1));
    CHECK(score_one(&m, 0, -1e30) == -1 && score_one(&m, 0, 1e30) == 1);
    model_kind_trees.free(&m);
    CHECK(one_split(&m, "lt", "0.1", "true", err) == ZKML_OK);
    CHECK(score_one(&m, 0, 0.1) == ((float)0.1 < 0.1 ? -1 : 1));
    model_kind_trees.free(&m);
}

/* Bad documents: each names its JSON path and rule. */
UNIT_TEST(tree_bad_documents)
{
#define HEAD "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\", \"b\"], " \
             "\"transform\": \"sigmoid\", "
#define TREE(l, r, f, t, v) "\"trees\": [{\"left\": " l ", \"right\": " r ", \"feature\": " \
             f ", \"threshold\": " t ", \"default_left\": [0, 0, 0], \"value\": " v "}]}"
    static const struct {
        const char *doc, *want;
    } cases[] = {
        { HEAD TREE("[1, -1, -1]", "[2, -1, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          NULL },
        { HEAD TREE("[1, -1, -1]", "[3, -1, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          "trees[0].right[0]: child 3 out of range" },
        { HEAD TREE("[1, 2, -1]", "[2, 1, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          "reached twice" },
        { HEAD TREE("[1, 0, -1]", "[2, 2, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          "trees[0].left[1]: node 0 is the root" },
        { HEAD TREE("[1, -1, -1]", "[2, -1, -1]", "[5, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          "trees[0].feature[0]: must be a feature index in [0, 2)" },
        { HEAD TREE("[1, -1, -1]", "[2, -1, -1]", "[0, 0, 0]", "[\"NaN\", 0, 0]", "[0, 1, 2]"),
          "trees[0].threshold[0]: a split's threshold must be a finite number" },
        { HEAD TREE("[1, -1, -1]", "[2, -1, -1]", "[0, 0, 0]", "[1e999, 0, 0]", "[0, 1, 2]"),
          "number out of range" },
        { HEAD TREE("[1, -1, -1]", "[2, -1, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, null, 2]"),
          "trees[0].value[1]: a leaf's value must be a finite number" },
        { HEAD TREE("[1, -1, -1]", "[-1, -1, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          "trees[0].right[0]: one child is -1" },
        { HEAD TREE("[1, -1]", "[2, -1, -1]", "[0, 0, 0]", "[1, 0, 0]", "[0, 1, 2]"),
          "trees[0].right: 3 entries" },
        { HEAD "\"depth\": 0, " TREE("[1, -1, -1]", "[2, -1, -1]", "[0, 0, 0]", "[1, 0, 0]",
                                     "[0, 1, 2]"), "depth: must be an integer in [1, 20]" },
        { "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\"], \"transform\": \"softmax\", "
          "\"trees\": []}", "transform: must be \"sigmoid\" or \"identity\"" },
        { "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\"], \"transform\": \"identity\", "
          "\"trees\": []}", "trees: 0 trees" },
        { "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\"], \"transform\": \"identity\", "
          "\"extra\": 1, \"trees\": []}", "unknown key \"extra\"" },
        { "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\"], \"transform\": \"identity\", "
          "\"trees\": [{\"left\": [-1], \"right\": [-1], \"feature\": [0], \"threshold\": [0], "
          "\"default_left\": [2], \"value\": [1]}]}", "trees[0].default_left[0]" },
        { "{\"learner\": {\"learner_model_param\": {\"base_score\": \"5E-1\", \"num_feature\": "
          "\"2\", \"num_class\": \"0\"}, \"objective\": {\"name\": \"multi:softprob\"}, "
          "\"gradient_booster\": {\"name\": \"gbtree\"}}}",
          "learner.objective.name: unknown objective \"multi:softprob\"" },
        /* the objective is named before anything else the document lacks or breaks */
        { "{\"learner\": {\"objective\": {\"name\": \"multi:softprob\"}}}",
          "learner.objective.name: unknown objective \"multi:softprob\"" },
        { "{\"learner\": {\"learner_model_param\": {\"base_score\": \"5E-1\", \"num_feature\": "
          "\"2\", \"num_class\": \"3\"}, \"objective\": {\"name\": \"multi:softprob\"}, "
          "\"gradient_booster\": {\"name\": \"gbtree\"}}}",
          "learner.objective.name: unknown objective \"multi:softprob\"" },
        { "{\"learner\": {\"learner_model_param\": {\"base_score\": \"5E-1\", \"num_feature\": "
          "\"2\", \"num_class\": \"0\"}, \"objective\": {\"name\": \"binary:logistic\"}, "
          "\"gradient_booster\": {\"name\": \"dart\"}}}",
          "learner.gradient_booster.name: \"dart\" is not supported" },
        { "{\"learner\": {\"learner_model_param\": {\"base_score\": \"1E0\", \"num_feature\": "
          "\"2\"}, \"objective\": {\"name\": \"binary:logistic\"}, "
          "\"gradient_booster\": {\"name\": \"gbtree\"}}}",
          "base_score: must lie in (0, 1)" },
    };
    char err[ZKML_ERR_LEN];
    tree_model m;
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;

        err[0] = '\0';
        rc = model_kind_trees.from_document(&m, cases[i].doc, strlen(cases[i].doc), err);
        if (cases[i].want == NULL) {
            CHECKF(rc == ZKML_OK, "case %zu: %s", i, err);
            model_kind_trees.free(&m);
            continue;
        }
        CHECKF(rc == ZKML_E_INVALID && strstr(err, cases[i].want) != NULL,
               "case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
    }
#undef HEAD
#undef TREE
}

/* Depth beyond the limit: a chain of 21 splits. */
UNIT_TEST(tree_depth_limit)
{
    char doc[8192], err[ZKML_ERR_LEN] = "";
    int n, i, nodes = 43;
    size_t at;
    tree_model m;
    const char *keys[] = { "left", "right", "feature", "threshold", "default_left", "value" };
    int k;

    at = (size_t)snprintf(doc, sizeof doc, "{\"format\": \"zkml-trees-v1\", \"features\": "
                          "[\"a\"], \"transform\": \"identity\", \"trees\": [{");
    for (k = 0; k < 6; k++) {
        at += (size_t)snprintf(doc + at, sizeof doc - at, "%s\"%s\": [", k ? ", " : "",
                               keys[k]);
        for (i = 0; i < nodes; i++) {
            /* node 2j is a split with children 2j + 1 (a leaf) and 2j + 2 */
            int split = i % 2 == 0 && i + 2 < nodes;
            int v = k == 0 ? (split ? i + 1 : -1) : k == 1 ? (split ? i + 2 : -1)
                  : k == 4 ? 0 : k == 3 ? i : 0;

            at += (size_t)snprintf(doc + at, sizeof doc - at, "%s%d", i ? ", " : "", v);
        }
        at += (size_t)snprintf(doc + at, sizeof doc - at, "]");
    }
    n = (int)at + snprintf(doc + at, sizeof doc - at, "}]}");
    CHECK(model_kind_trees.from_document(&m, doc, (size_t)n, err) == ZKML_E_INVALID);
    CHECKF(strstr(err, "trees[0]: depth beyond the limit 20") != NULL, "%s", err);
}

/* The small XGBoost model as a key (docs/protocol.md 12.7, 12.8, 15.4). */
static int
small_key(modelkey *key, char *err)
{
    size_t len;
    char *text = fixture_read("trees/xgb_reglog.json", &len);
    int rc;

    if (text == NULL)
        return -100;
    rc = modelkey_generate(key, text, len, err);
    free(text);
    return rc;
}

UNIT_TEST(tree_descriptor_roundtrip)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t *desc = NULL, *again = NULL, *longer;
    size_t len = 0, len2 = 0, cut;
    tree_model pub;
    modelkey key;

    CHECK(small_key(&key, err) == MODELKEY_OK);
    CHECK(key.kind == &model_kind_trees);
    CHECK(model_kind_trees.descriptor_encode(&desc, &len, &key.trees, err) == ZKML_OK);
    CHECK(desc != NULL && memcmp(desc, "ZKMLTE01", 8) == 0);
    /* 8 + 5·4 + 3·4 + 4·2^Q + 4 + names: the table is there */
    CHECK(len > 8 + 36 + ((size_t)4 << key.trees.q_bits));
    CHECK(model_kind_trees.descriptor_decode(&pub, desc, len, err) == ZKML_OK);
    CHECK(pub.leaf == NULL && pub.feature == NULL && pub.n_trees == 12 && pub.depth == 3);
    CHECK(strcmp(pub.features[4].name, "Age") == 0);
    CHECK(model_kind_trees.descriptor_encode(&again, &len2, &pub, err) == ZKML_OK);
    CHECK(len2 == len && again != NULL && memcmp(again, desc, len) == 0);
    model_kind_trees.free(&pub);
    for (cut = 0; cut < len; cut++) {
        CHECK(model_kind_trees.descriptor_decode(&pub, desc, cut, err) == ZKML_E_INVALID);
        CHECK(pub.features == NULL && pub.table == NULL);
    }
    longer = malloc(len + 1);
    CHECK(longer != NULL);
    if (longer != NULL) {
        memcpy(longer, desc, len);
        longer[len] = 0;
        CHECK(model_kind_trees.descriptor_decode(&pub, longer, len + 1, err) == ZKML_E_INVALID);
        CHECK(strstr(err, "unexpected bytes") != NULL);
    }
    if (desc != NULL) {
        desc[8 + 4] = 21;                       /* depth 21 */
        CHECK(model_kind_trees.descriptor_decode(&pub, desc, len, err) == ZKML_E_INVALID);
        CHECKF(strstr(err, "depth") != NULL, "%s", err);
    }
    free(longer);
    free(desc);
    free(again);
    modelkey_free(&key);
}

UNIT_TEST(tree_key_and_public_files)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t *kb = NULL, *kb2 = NULL, *pb = NULL, *pb2 = NULL;
    size_t klen = 0, klen2 = 0, plen = 0, plen2 = 0, rows, cols, b;
    modelkey key, back;
    modelpub pub, pub2;
    double *x;
    int32_t q[20], o1, o2;
    uint32_t fail;

    CHECK(small_key(&key, err) == MODELKEY_OK);
    CHECK(modelkey_encode(&kb, &klen, &key, err) == MODELKEY_OK);
    CHECK(modelkey_decode(&back, kb, klen, err) == MODELKEY_OK);
    CHECK(back.kind == &model_kind_trees && back.trees.leaf_origin == NULL);
    CHECK(modelkey_encode(&kb2, &klen2, &back, err) == MODELKEY_OK);
    CHECK(klen2 == klen && kb2 != NULL && memcmp(kb, kb2, klen) == 0);
    /* the key's model scores as the document's did */
    x = read_doubles("trees/credit_gaps.rows.csv", 1, &rows, &cols);
    CHECK(x != NULL && cols == 20);
    for (b = 0; x != NULL && b < rows; b++) {
        model_kind_trees.quantize_row(&key.trees, x + b * cols, ZKML_FEATURES_SATURATE, q,
                                      &fail, err);
        CHECK(model_kind_trees.forward(&key.trees, q, 1, &o1, NULL, err) == ZKML_OK);
        CHECK(model_kind_trees.forward(&back.trees, q, 1, &o2, NULL, err) == ZKML_OK);
        CHECK(o1 == o2);
    }
    free(x);
    /* every truncation of the key file, and a byte more, refused */
    if (kb != NULL) {
        size_t cut;

        for (cut = 0; cut < klen; cut += 1 + cut / 64) {
            modelkey k2;

            CHECK(modelkey_decode(&k2, kb, cut, err) == MODELKEY_ERR_INVALID);
        }
    }
    /* public file: deterministic in the seed, round trip, other seed other rows */
    CHECK(modelpub_from_key(&pub, &back, err) == MODELKEY_OK);
    CHECK(pub.kind == &model_kind_trees && pub.rows.l == tree_model_node_vars(&back.trees));
    CHECK(modelpub_encode(&pb, &plen, &pub, err) == MODELKEY_OK);
    modelpub_free(&pub);
    CHECK(modelpub_decode(&pub2, pb, plen, err) == MODELKEY_OK);
    CHECK(pub2.kind == &model_kind_trees && pub2.trees.leaf == NULL);
    CHECK(modelpub_encode(&pb2, &plen2, &pub2, err) == MODELKEY_OK);
    CHECK(plen2 == plen && pb2 != NULL && memcmp(pb, pb2, plen) == 0);
    modelpub_free(&pub2);
    free(pb2);
    pb2 = NULL;
    back.seed[0] ^= 1;
    CHECK(modelpub_from_key(&pub, &back, err) == MODELKEY_OK);
    CHECK(modelpub_encode(&pb2, &plen2, &pub, err) == MODELKEY_OK);
    CHECK(plen2 == plen && pb2 != NULL && memcmp(pb, pb2, plen) != 0);
    modelpub_free(&pub);
    modelkey_bytes_free(kb, klen);
    modelkey_bytes_free(kb2, klen2);
    free(pb);
    free(pb2);
    modelkey_free(&key);
    modelkey_free(&back);
}

/* A secret part the rules refuse: decoded, then validated by modelkey_decode. */
UNIT_TEST(tree_key_file_rules)
{
    char err[ZKML_ERR_LEN] = "";
    uint8_t *kb = NULL;
    size_t klen = 0, secret, at;
    modelkey key, back;

    CHECK(small_key(&key, err) == MODELKEY_OK);
    CHECK(modelkey_encode(&kb, &klen, &key, err) == MODELKEY_OK);
    secret = (size_t)model_kind_trees.secret_size(&key.trees);
    CHECK(secret == (size_t)16 * 12 * 8);
    if (kb == NULL)
        goto done;
    at = klen - secret + 12;                    /* tree 0, slot 1: f, k, d */
    kb[at + 8] = 2;
    CHECK(modelkey_decode(&back, kb, klen, err) == MODELKEY_ERR_INVALID);
    CHECKF(strstr(err, "default direction") != NULL, "%s", err);
    kb[at + 8] = 0;
    kb[at] = 20;                                /* feature 20 of 20 */
    CHECK(modelkey_decode(&back, kb, klen, err) == MODELKEY_ERR_INVALID);
    CHECKF(strstr(err, "feature out of range") != NULL, "%s", err);
    kb[at] = 0;
    kb[klen - secret] = 1;                      /* slot 0 must be zero */
    CHECK(modelkey_decode(&back, kb, klen, err) == MODELKEY_ERR_INVALID);
    CHECKF(strstr(err, "slot 0") != NULL, "%s", err);
    kb[klen - secret] = 0;
    kb[klen - 1] = 0x40;                        /* a leaf of 2^30: beyond the sum limit */
    CHECK(modelkey_decode(&back, kb, klen, err) == MODELKEY_ERR_INVALID);
    CHECKF(strstr(err, "sum") != NULL, "%s", err);
done:
    modelkey_bytes_free(kb, klen);
    modelkey_free(&key);
}
