/*
 * test_tree_proof.c: the proof of a tree ensemble (docs/protocol.md 16): round trips on the
 * fixtures of tests/fixtures/trees at 1, 16 and 1,024 rows, a proof with any byte
 * flipped or the statement changed is rejected, and the forgeries of 7.7, each made by
 * a prover that lies through the test seam (tree_proof_testing.h), are rejected by the
 * check named there and accepted when that check alone is switched off.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "generators.h"
#include "model_kind.h"
#include "modelkey.h"
#include "msm.h"
#include "tree_model.h"
#include "tree_proof.h"
#include "tree_proof_testing.h"
#include "unit.h"

static const uint8_t fixed_rng[32] = {7};

typedef struct {
    modelkey key;
    modelpub pub;
    int32_t *in, *out;
    size_t B;
    model_statement st;
} tcase;

static int
tcase_open(tcase *tc, const char *model, const char *rows, size_t B)
{
    char err[ZKML_ERR_LEN] = "";
    size_t len, failed;
    char *text = fixture_read(model, &len);
    int rc;

    memset(tc, 0, sizeof *tc);
    if (text == NULL)
        return -1;
    rc = modelkey_generate(&tc->key, text, len, err);
    free(text);
    if (rc != MODELKEY_OK || modelpub_from_key(&tc->pub, &tc->key, err) != MODELKEY_OK)
        return -1;
    tc->B = B;
    tc->in = fixture_tree_keys(rows, tc->key.trees.n_features, B);
    tc->out = malloc(B * sizeof *tc->out);
    if (tc->in == NULL || tc->out == NULL ||
        model_kind_trees.forward(&tc->key.trees, tc->in, B, tc->out, &failed, err) != ZKML_OK)
        return -1;
    tc->st.model = &tc->key.trees;
    tc->st.commitment = &tc->pub.rows;
    tc->st.batch = B;
    tc->st.inputs = tc->in;
    tc->st.outputs = tc->out;
    tc->st.context = (const uint8_t *)"ctx";
    tc->st.context_len = 3;
    return 0;
}

static void
tcase_close(tcase *tc)
{
    modelkey_free(&tc->key);
    modelpub_free(&tc->pub);
    free(tc->in);
    free(tc->out);
}

/* The public statement: the public file's model. */
static model_statement
public_statement(const tcase *tc)
{
    model_statement st = tc->st;

    st.model = &tc->pub.trees;
    return st;
}

static int
prove(const tcase *tc, const model_statement *st, const tree_test_hooks *hooks,
      uint8_t **proof, size_t *len)
{
    char err[ZKML_ERR_LEN] = "";
    infer_options opts = {fixed_rng, NULL, NULL, NULL};
    int rc = tree_proof_prove_hooked(proof, len, st, tc->key.seed, &opts, hooks, err);

    if (rc != 0)
        fprintf(stderr, "    prove: %s\n", err);
    return rc;
}

static int
verify(const tcase *tc, const model_statement *st0, const uint8_t *proof, size_t len,
       const tree_test_hooks *hooks, const char **reason)
{
    model_statement st = *st0;

    st.model = &tc->pub.trees;
    return tree_proof_verify_hooked(&st, proof, len, reason, hooks);
}

static void
roundtrip(const char *model, const char *rows, size_t B)
{
    tcase tc;
    uint8_t *proof = NULL;
    size_t len = 0;
    const char *reason = NULL;
    model_statement pst;

    CHECKF(tcase_open(&tc, model, rows, B) == 0, "%s", model);
    pst = public_statement(&tc);
    CHECKF(prove(&tc, &tc.st, NULL, &proof, &len) == 0, "%s at %zu rows", model, B);
    CHECKF(tree_proof_verify(&pst, proof, len, &reason) == 1, "%s at %zu rows: %s", model, B,
           reason != NULL ? reason : "");
    if (B > 1) {                                /* another output: rejected */
        tc.out[B / 2] ^= 1;
        CHECK(tree_proof_verify(&pst, proof, len, &reason) == 0);
        tc.out[B / 2] ^= 1;
    }
    free(proof);
    tcase_close(&tc);
}

UNIT_TEST(tree_proof_roundtrip_small)
{
    roundtrip("trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 1);
    roundtrip("trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 16);
    roundtrip("trees/dt.json", "trees/credit.rows.csv", 16);
    roundtrip("trees/xgb_raw.json", "trees/credit_gaps.rows.csv", 16);
}

/* ---- forgeries (docs/protocol.md 16.7) ---- */

typedef struct {
    size_t row;
    uint32_t tree;
    unsigned level;
    int bit;                    /* -1: flip the honest bit */
} forge_at;

static int
hook_bit(void *arg, size_t row, uint32_t tree, unsigned level, int honest)
{
    const forge_at *a = arg;

    if (row == a->row && tree == a->tree && level == a->level)
        return a->bit < 0 ? !honest : a->bit;
    return honest;
}

static uint32_t
hook_slot(void *arg, size_t row, uint32_t tree, unsigned level, uint32_t honest)
{
    const forge_at *a = arg;

    return row == a->row && tree == a->tree && level == a->level ? 2 * honest : honest;
}

static uint32_t
hook_feature(void *arg, size_t row, uint32_t tree, unsigned level, uint32_t honest)
{
    const forge_at *a = arg;

    return row == a->row && tree == a->tree && level == a->level ? (honest + 1) % 20 : honest;
}

static uint32_t
hook_leaf_tree(void *arg, size_t row, uint32_t tree)
{
    const forge_at *a = arg;

    return row == a->row && tree == a->tree ? tree + 1 : tree;
}

static int
hook_in_sum(void *arg, size_t row, uint32_t tree)
{
    const forge_at *a = arg;

    return !(row == a->row && tree == a->tree);
}

static int32_t
hook_output(void *arg, size_t row, int32_t honest)
{
    const forge_at *a = arg;

    return row == a->row ? honest + 1 : honest;
}

/*
 * Prove under the forgery hooks h with the witness's own outputs: rejected by the honest
 * verifier (reason containing want, if given), accepted when check (index) alone is
 * switched off in both roles.
 */
static void
forgery(tcase *tc, tree_test_hooks *h, tree_check check, unsigned index, const char *name)
{
    uint8_t *proof = NULL;
    size_t len = 0;
    const char *reason = NULL;
    int32_t *honest = malloc(tc->B * sizeof *honest);
    int rc;

    CHECK(honest != NULL);
    if (honest == NULL)
        return;
    memcpy(honest, tc->out, tc->B * sizeof *honest);
    CHECKF(tree_proof_forged_outputs(tc->out, &tc->st, h) == 0, "%s", name);
    h->skip = TREE_CHECK_NONE;
    CHECKF(prove(tc, &tc->st, h, &proof, &len) == 0, "%s", name);
    rc = verify(tc, &tc->st, proof, len, NULL, &reason);
    CHECKF(rc == 0, "%s: the forgery is accepted (%d)", name, rc);
    free(proof);
    proof = NULL;
    h->skip = check;
    h->skip_index = index;
    CHECKF(prove(tc, &tc->st, h, &proof, &len) == 0, "%s", name);
    rc = verify(tc, &tc->st, proof, len, h, &reason);
    CHECKF(rc == 1, "%s: rejected even without its check: %s", name,
           reason != NULL ? reason : "");
    free(proof);
    h->skip = TREE_CHECK_NONE;
    memcpy(tc->out, honest, tc->B * sizeof *honest);
    free(honest);
}

UNIT_TEST(tree_proof_forgeries)
{
    tcase tc;
    tree_test_hooks h;
    forge_at at = {3, 2, 1, -1};
    size_t L;
    uint32_t f;
    int32_t k;

    CHECK(tcase_open(&tc, "trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 8) == 0);
    L = (size_t)1 << tc.key.trees.depth;
    memset(&h, 0, sizeof h);
    h.arg = &at;

    h.bit = hook_bit;                           /* a wrong branch */
    forgery(&tc, &h, TREE_CHECK_COMPARE, 1, "a wrong branch");
    h.bit = NULL;

    at = (forge_at){5, 1, 0, 0};                /* a skipped level */
    h.slot = hook_slot;
    forgery(&tc, &h, TREE_CHECK_LOOKUP, 0, "a skipped level");
    h.slot = NULL;

    at = (forge_at){2, 0, 0, 0};                /* a leaf of another tree */
    h.leaf_tree = hook_leaf_tree;
    forgery(&tc, &h, TREE_CHECK_LOOKUP, 0, "a leaf of another tree");
    h.leaf_tree = NULL;

    at = (forge_at){1, 0, 0, 0};                /* a feature other than the node's */
    h.feature = hook_feature;
    forgery(&tc, &h, TREE_CHECK_LOOKUP, 0, "a feature other than the node's");
    h.feature = NULL;

    /* a comparison off by one: row 4's value at the root of tree 0 is k - 1 (left)
     * and is sent right; then it is k (right) and is sent left */
    f = tc.key.trees.feature[1];
    k = tc.key.trees.threshold[1];
    CHECK(k != TREE_PASS_THRESHOLD);
    tc.in[4 * tc.key.trees.n_features + f] = k - 1;
    at = (forge_at){4, 0, 0, 1};
    h.bit = hook_bit;
    forgery(&tc, &h, TREE_CHECK_COMPARE, 0, "x = k - 1 sent right");
    tc.in[4 * tc.key.trees.n_features + f] = k;
    at = (forge_at){4, 0, 0, 0};
    forgery(&tc, &h, TREE_CHECK_COMPARE, 0, "x = k sent left");

    /* a flipped default direction: row 4's value at the root of tree 0 is missing */
    tc.in[4 * tc.key.trees.n_features + f] = TREE_MISSING;
    at = (forge_at){4, 0, 0, -1};
    forgery(&tc, &h, TREE_CHECK_COMPARE, 0, "a flipped default direction");
    h.forge_missing_e = 1;
    forgery(&tc, &h, TREE_CHECK_MISSING, 0, "a flipped default direction with e forged");
    h.forge_missing_e = 0;
    h.bit = NULL;

    /* a node table other than the committed one: one threshold changed */
    tc.key.trees.threshold[L + 1] += 3;
    forgery(&tc, &h, TREE_CHECK_OPENING_N, 0, "a node table other than the committed one");
    tc.key.trees.threshold[L + 1] -= 3;

    /* a sum that leaves out a tree: row 6's sum without tree 2's leaf */
    at = (forge_at){6, 2, 0, 0};
    h.in_sum = hook_in_sum;
    forgery(&tc, &h, TREE_CHECK_SUM, 0, "a sum that leaves out a tree");
    h.in_sum = NULL;

    /* an output not the table's: row 7 reports the table's value plus one */
    CHECK(tc.key.trees.transform == TREE_TRANSFORM_TABLE);
    at = (forge_at){7, 0, 0, 0};
    h.output = hook_output;
    forgery(&tc, &h, TREE_CHECK_LOOKUP, 0, "an output not the table's");
    h.output = NULL;

    /* a wrong multiplicity: one row of NODE, then of RANGE_11, counted once too often */
    h.bump_multiplicity = 1;
    forgery(&tc, &h, TREE_CHECK_LOOKUP, 0, "NODE's m[0] + 1");
    h.bump_multiplicity = 4;
    forgery(&tc, &h, TREE_CHECK_LOOKUP, 0, "RANGE_11's m[0] + 1");
    h.bump_multiplicity = 0;

    /* the lookup tree's own forgeries (docs/protocol.md 16.7): layer 1's finals shifted
     * and its sumcheck forged to end on them (caught by G_2^init), and layer 1's last
     * round bumped (G_1^final) */
    h.gkr.forge_layer = 2;
    forgery(&tc, &h, TREE_CHECK_GKR_RELATION, 3, "a forged layer claim");
    h.gkr.forge_layer = 0;
    h.gkr.bump_layer = 2;
    forgery(&tc, &h, TREE_CHECK_GKR_RELATION, 2, "layer 1's last round bumped");
    h.gkr.bump_layer = 0;

    tcase_close(&tc);
}

UNIT_TEST(tree_proof_roundtrip_1024)
{
    roundtrip("trees/dt.json", "trees/credit.rows.csv", 1024);
    roundtrip("trees/gbc.json", "trees/credit.rows.csv", 1024);
}

/* The smallest ensemble: one tree of depth 1 over two features. */
static const char tiny_doc[] =
    "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\", \"b\"], \"transform\": \"identity\","
    " \"trees\": [{\"left\": [1, -1, -1], \"right\": [2, -1, -1], \"feature\": [1, 0, 0],"
    " \"threshold\": [2.5, 0, 0], \"default_left\": [false, false, false],"
    " \"value\": [0, -0.25, 0.75]}]}";

/*
 * Bytes of a small proof flipped, one at a time (the lowest bit, and one more bit
 * rotating with the position, as test_infer_tamper does): every byte of the first 256
 * (the header and the rows of P1) and every 61st byte after, so the
 * unit suite stays quick (a verification of this proof is a few milliseconds; all bytes
 * would be minutes); each rejected, never accepted.  Truncations at a stride rejected.
 */
UNIT_TEST(tree_proof_every_byte)
{
    char err[ZKML_ERR_LEN] = "";
    modelkey key;
    modelpub pub;
    int32_t in[2], out[1];
    size_t len = 0, i, tried = 0, accepted = 0, first = 0, failed;
    uint8_t *proof = NULL;
    const char *reason = NULL;
    model_statement st;
    infer_options opts = {fixed_rng, NULL, NULL, NULL};

    CHECK(modelkey_generate(&key, tiny_doc, sizeof tiny_doc - 1, err) == MODELKEY_OK);
    CHECK(modelpub_from_key(&pub, &key, err) == MODELKEY_OK);
    in[0] = tree_key_of_double(1.0);
    in[1] = tree_key_of_double(NAN);
    CHECK(model_kind_trees.forward(&key.trees, in, 1, out, &failed, err) == ZKML_OK);
    memset(&st, 0, sizeof st);
    st.model = &key.trees;
    st.commitment = &pub.rows;
    st.batch = 1;
    st.inputs = in;
    st.outputs = out;
    CHECK(tree_proof_prove(&proof, &len, &st, key.seed, &opts, err) == 0);
    st.model = &pub.trees;
    CHECK(proof != NULL && tree_proof_verify(&st, proof, len, &reason) == 1);
    for (i = 0; proof != NULL && i < len; i += i < 256 ? 1 : 61) {
        unsigned bits[2] = {0, 1 + (unsigned)(i % 7)}, k;

        for (k = 0; k < 2; k++) {
            proof[i] ^= (uint8_t)(1u << bits[k]);
            tried++;
            if (tree_proof_verify(&st, proof, len, &reason) != 0 && accepted++ == 0)
                first = i;
            proof[i] ^= (uint8_t)(1u << bits[k]);
        }
    }
    CHECK(len > 2048 && tried > 512);
    CHECKF(accepted == 0, "%zu of %zu flips accepted, the first at byte %zu", accepted, tried,
           first);
    for (i = 0; proof != NULL && i < len; i += 257)
        CHECK(tree_proof_verify(&st, proof, i, &reason) == 0);
    free(proof);
    modelkey_free(&key);
    modelpub_free(&pub);
}

/* P1's rows are committed with msm_i32: keys and thresholds up to 2^31 in magnitude,
 * MISSING (INT32_MIN) included, must give the plain sum of products. */
UNIT_TEST(tree_proof_msm_i32)
{
    static const size_t sizes[] = {1, 7, 64, 700};
    const ge_t *V = generators_V(700);
    int32_t v[700];
    fq_t k[700];
    size_t s, i;

    CHECK(V != NULL);
    if (V == NULL)
        return;
    for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        gep_t r1, r2, want;

        for (i = 0; i < n; i++) {
            switch (unit_rand64() % 6) {
            case 0: v[i] = INT32_MIN; break;
            case 1: v[i] = INT32_MAX; break;
            case 2: v[i] = 0; break;
            case 3: v[i] = (int32_t)(unit_rand64() % 200) - 100; break;
            default: v[i] = (int32_t)(uint32_t)unit_rand64(); break;
            }
            fq_set_i64(&k[i], v[i]);
        }
        msm_naive(&want, V, k, n);
        CHECKF(msm_i32(&r1, V, v, n, 1) == 0 && gep_eq(&r1, &want), "msm_i32, n = %zu", n);
        CHECKF(msm_i32(&r2, V, v, n, 2) == 0 && gep_eq(&r2, &want),
               "msm_i32, n = %zu, 2 threads", n);
    }
}
