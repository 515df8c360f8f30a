/*
 * test_tree_committed.c: tree proofs in committed mode (docs/protocol.md 16.10): round
 * trips at 1, 16 and 300 rows with missing values, every byte of a small committed proof
 * flipped, the mode told by the header, and the forgeries of 16.10.8 made through the
 * seam (tree_proof_testing.h): each rejected with every check on and accepted with the
 * named check alone off.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "fixture.h"
#include "le.h"
#include "model_kind.h"
#include "modelkey.h"
#include "rowcommit.h"
#include "tree_model.h"
#include "tree_proof.h"
#include "tree_proof_testing.h"
#include "unit.h"
#include "zkml.h"

static const uint8_t fixed_rng[32] = {9};

typedef struct {
    modelkey key;
    modelpub pub;
    int32_t *in, *out;
    size_t B, n;
    uint8_t nonce[ROWCOMMIT_NONCE_LEN];
    ge_t *C;
    model_statement st;
} ccase;

/* The row commitments of x (B rows) under the case's seed and nonce (7.19.2-7.19.4). */
static int
commit_rows(ccase *cc, const int32_t *x)
{
    fq_t *rho = calloc(cc->B, sizeof *rho);
    int rc = rho == NULL || rowcommit_blinds(rho, 0, cc->B, cc->key.seed, cc->nonce) != 0 ||
             rowcommit_rows(cc->C, x, cc->B, cc->n, rho) != 0 ? -1 : 0;

    free(rho);
    return rc;
}

/* A committed statement: the key's model (the prover's), its rows committed. */
static int
ccase_init(ccase *cc, const char *doc, size_t doc_len, const int32_t *in, size_t B)
{
    char err[ZKML_ERR_LEN] = "";
    size_t failed;

    memset(cc, 0, sizeof *cc);
    if (modelkey_generate(&cc->key, doc, doc_len, err) != MODELKEY_OK ||
        modelpub_from_key(&cc->pub, &cc->key, err) != MODELKEY_OK)
        return -1;
    cc->B = B;
    cc->n = cc->key.trees.n_features;
    cc->in = malloc(B * cc->n * sizeof *cc->in);
    cc->out = malloc(B * sizeof *cc->out);
    cc->C = malloc(B * sizeof *cc->C);
    if (cc->in == NULL || cc->out == NULL || cc->C == NULL)
        return -1;
    memcpy(cc->in, in, B * cc->n * sizeof *cc->in);
    if (model_kind_trees.forward(&cc->key.trees, cc->in, B, cc->out, &failed, err) != ZKML_OK)
        return -1;
    if (rowcommit_nonce(cc->nonce, cc->key.seed, (const uint8_t *)"ctx", 3, fixed_rng) != 0 ||
        commit_rows(cc, cc->in) != 0)
        return -1;
    cc->st.model = &cc->key.trees;
    cc->st.commitment = &cc->pub.rows;
    cc->st.batch = B;
    cc->st.inputs = cc->in;
    cc->st.outputs = cc->out;
    cc->st.context = (const uint8_t *)"ctx";
    cc->st.context_len = 3;
    cc->st.committed = 1;
    cc->st.nonce = cc->nonce;
    cc->st.row_commitments = cc->C;
    return 0;
}

static int
ccase_fixture(ccase *cc, const char *model, const char *rows, size_t B)
{
    size_t len;
    char *text = fixture_read(model, &len);
    int32_t *in = NULL;
    modelkey probe;
    char err[ZKML_ERR_LEN] = "";
    int rc = -1;

    if (text == NULL)
        return -1;
    if (modelkey_generate(&probe, text, len, err) == MODELKEY_OK) {
        in = fixture_tree_keys(rows, probe.trees.n_features, B);
        modelkey_free(&probe);
    }
    if (in != NULL)
        rc = ccase_init(cc, text, len, in, B);
    free(text);
    free(in);
    return rc;
}

static void
ccase_free(ccase *cc)
{
    modelkey_free(&cc->key);
    modelpub_free(&cc->pub);
    free(cc->in);
    free(cc->out);
    free(cc->C);
}

/* The verifier's statement: the public model, no inputs. */
static model_statement
verifier_statement(const ccase *cc)
{
    model_statement st = cc->st;

    st.model = &cc->pub.trees;
    st.inputs = NULL;
    return st;
}

static int
cprove(const ccase *cc, const tree_test_hooks *h, uint8_t **proof, size_t *len)
{
    char err[ZKML_ERR_LEN] = "";
    infer_options opts = {fixed_rng, NULL, NULL, NULL};
    int rc = tree_proof_prove_hooked(proof, len, &cc->st, cc->key.seed, &opts, h, err);

    if (rc != 0)
        fprintf(stderr, "    prove: %s\n", err);
    return rc;
}

static int
cverify(const ccase *cc, const uint8_t *proof, size_t len, const tree_test_hooks *h,
        const char **reason)
{
    model_statement st = verifier_statement(cc);

    return tree_proof_verify_hooked(&st, proof, len, reason, h);
}

static size_t
count_missing(const ccase *cc)
{
    size_t i, k = 0;

    for (i = 0; i < cc->B * cc->n; i++)
        k += cc->in[i] == TREE_MISSING;
    return k;
}

static void
roundtrip(const char *model, const char *rows, size_t B)
{
    ccase cc;
    uint8_t *proof = NULL;
    size_t len = 0;
    const char *reason = NULL;
    model_statement pub;
    ge_t tmp;

    CHECKF(ccase_fixture(&cc, model, rows, B) == 0, "%s", model);
    CHECKF(cprove(&cc, NULL, &proof, &len) == 0, "%s at %zu rows", model, B);
    CHECKF(cverify(&cc, proof, len, NULL, &reason) == 1, "%s at %zu rows: %s", model, B,
           reason != NULL ? reason : "");
    CHECK(proof != NULL && len > 16 && proof[9] == 1);
    /* the same proof as a public-mode statement: rejected (the mode byte, the transcript) */
    pub = verifier_statement(&cc);
    pub.committed = 0;
    pub.inputs = cc.in;
    CHECK(tree_proof_verify(&pub, proof, len, &reason) == 0);
    if (B > 1) {
        cc.out[B / 2] ^= 1;                         /* another output */
        CHECK(cverify(&cc, proof, len, NULL, &reason) == 0);
        cc.out[B / 2] ^= 1;
        tmp = cc.C[0];                              /* two row commitments exchanged */
        cc.C[0] = cc.C[B - 1];
        cc.C[B - 1] = tmp;
        CHECK(cverify(&cc, proof, len, NULL, &reason) == 0);
        cc.C[B - 1] = cc.C[0];
        cc.C[0] = tmp;
        cc.nonce[5] ^= 1;                           /* another nonce */
        CHECK(cverify(&cc, proof, len, NULL, &reason) == 0);
        cc.nonce[5] ^= 1;
        CHECK(cverify(&cc, proof, len, NULL, &reason) == 1);
    }
    free(proof);
    ccase_free(&cc);
}

UNIT_TEST(tree_committed_roundtrip)
{
    ccase cc;

    /* the fixture's rows have missing values: the flag M is exercised */
    CHECK(ccase_fixture(&cc, "trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 16) == 0);
    CHECK(count_missing(&cc) > 0);
    ccase_free(&cc);
    roundtrip("trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 1);
    roundtrip("trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 16);
    roundtrip("trees/xgb_raw.json", "trees/credit_gaps.rows.csv", 300);
}

/* One tree of depth 1 over two features; the tree reads feature 1 only. */
static const char tiny_doc[] =
    "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\", \"b\"], \"transform\": \"identity\","
    " \"trees\": [{\"left\": [1, -1, -1], \"right\": [2, -1, -1], \"feature\": [1, 0, 0],"
    " \"threshold\": [2.5, 0, 0], \"default_left\": [false, false, false],"
    " \"value\": [0, -0.25, 0.75]}]}";

/* Two rows of the tiny model: (0.1, missing), (-3, 7). */
static int
tiny_case(ccase *cc)
{
    int32_t in[4];

    in[0] = tree_key_of_double(0.1);
    in[1] = tree_key_of_double(NAN);
    in[2] = tree_key_of_double(-3.0);
    in[3] = tree_key_of_double(7.0);
    return ccase_init(cc, tiny_doc, sizeof tiny_doc - 1, in, 2);
}

/*
 * Bytes of a small committed proof flipped, one at a time (the lowest bit and one more
 * rotating with the position): every byte of the first 256 and every 61st after, as
 * tree_proof_every_byte does; each rejected.  Truncations at a stride rejected.
 */
UNIT_TEST(tree_committed_every_byte)
{
    ccase cc;
    uint8_t *proof = NULL;
    size_t len = 0, i, tried = 0, accepted = 0, first = 0;
    const char *reason = NULL;

    CHECK(tiny_case(&cc) == 0);
    CHECK(cprove(&cc, NULL, &proof, &len) == 0);
    CHECK(proof != NULL && cverify(&cc, proof, len, NULL, &reason) == 1);
    for (i = 0; proof != NULL && i < len; i += i < 256 ? 1 : 61) {
        unsigned bits[2] = {0, 1 + (unsigned)(i % 7)}, k;

        for (k = 0; k < 2; k++) {
            proof[i] ^= (uint8_t)(1u << bits[k]);
            tried++;
            if (cverify(&cc, proof, len, NULL, &reason) != 0 && accepted++ == 0)
                first = i;
            proof[i] ^= (uint8_t)(1u << bits[k]);
        }
    }
    CHECK(len > 2048 && tried > 512);
    CHECKF(accepted == 0, "%zu of %zu flips accepted, the first at byte %zu", accepted, tried,
           first);
    for (i = 0; proof != NULL && i < len; i += 257)
        CHECK(cverify(&cc, proof, i, NULL, &reason) == 0);
    /* the mode byte set to 0: rejected before any transcript work */
    if (proof != NULL) {
        proof[9] = 0;
        CHECK(cverify(&cc, proof, len, NULL, &reason) == 0);
        CHECK(reason != NULL && strstr(reason, "input mode") != NULL);
    }
    free(proof);
    ccase_free(&cc);
}

/* ---- forgeries (docs/protocol.md 16.10.8) ---- */

typedef struct {
    size_t row;
    uint32_t feature, tree;
    unsigned level;
    size_t read;                /* read_row: the row read instead */
} cforge;

static int
hook_missing(void *arg, size_t row, uint32_t feature, int honest)
{
    const cforge *a = arg;

    return row == a->row && feature == a->feature ? !honest : honest;
}

static size_t
hook_read_row(void *arg, size_t row, uint32_t tree, unsigned level)
{
    const cforge *a = arg;

    return row == a->row && tree == a->tree && level == a->level ? a->read : row;
}

/*
 * Prove under the hooks with the witness's own outputs: rejected by the honest verifier,
 * accepted when check (index) alone is switched off (in both roles; OPENING_X in the
 * verifier only).
 */
static void
cforgery(ccase *cc, tree_test_hooks *h, tree_check check, unsigned index, const char *name)
{
    uint8_t *proof = NULL;
    size_t len = 0;
    const char *reason = NULL;
    int32_t *honest = malloc(cc->B * sizeof *honest);
    int rc;

    CHECK(honest != NULL);
    if (honest == NULL)
        return;
    memcpy(honest, cc->out, cc->B * sizeof *honest);
    CHECKF(tree_proof_forged_outputs(cc->out, &cc->st, h) == 0, "%s", name);
    h->skip = TREE_CHECK_NONE;
    CHECKF(cprove(cc, h, &proof, &len) == 0, "%s", name);
    rc = cverify(cc, proof, len, NULL, &reason);
    CHECKF(rc == 0, "%s: the forgery is accepted (%d)", name, rc);
    free(proof);
    proof = NULL;
    h->skip = check;
    h->skip_index = index;
    CHECKF(cprove(cc, h, &proof, &len) == 0, "%s", name);
    rc = cverify(cc, proof, len, h, &reason);
    CHECKF(rc == 1, "%s: rejected even without its check: %s", name,
           reason != NULL ? reason : "");
    free(proof);
    h->skip = TREE_CHECK_NONE;
    memcpy(cc->out, honest, cc->B * sizeof *honest);
    free(honest);
}

UNIT_TEST(tree_committed_forgeries)
{
    ccase cc;
    tree_test_hooks h;
    cforge at;
    ge_t *honestC;

    CHECK(tiny_case(&cc) == 0);
    memset(&h, 0, sizeof h);
    h.arg = &at;

    /* a committed value out of range: MISSING with its flag cleared, u = -1, so the
     * top limb is -1 (R_in holds) */
    at = (cforge){0, 1, 0, 0, 0};
    h.missing = hook_missing;
    cforgery(&cc, &h, TREE_CHECK_LOOKUP, 0, "MISSING with the flag 0");
    /* the flag set on a key that is not MISSING (feature 0, which no node reads) */
    at = (cforge){1, 0, 0, 0, 0};
    cforgery(&cc, &h, TREE_CHECK_INPUT, 0, "the flag 1 on a present key");
    h.missing = NULL;

    /* limbs that do not add up */
    h.forge_input_limbs = 1;
    cforgery(&cc, &h, TREE_CHECK_INPUT_RELATION, 0, "limbs that do not add up");
    h.forge_input_limbs = 0;

    /* the feature read from a row other than the committed one: row 1 reads row 0's
     * feature 1 at the root */
    at = (cforge){1, 0, 0, 0, 0};
    h.read_row = hook_read_row;
    cforgery(&cc, &h, TREE_CHECK_LOOKUP, 0, "a feature read from another row");
    h.read_row = NULL;

    /* X of other rows than the commitments': the receipt commits the honest rows, the
     * prover proves with row 1's feature 1 changed */
    honestC = cc.C;
    cc.in[3] = tree_key_of_double(1.0);
    cforgery(&cc, &h, TREE_CHECK_OPENING_X, 0, "X other than the committed rows");
    cc.C = honestC;
    ccase_free(&cc);

    /* the same forgeries on a fixture ensemble with a table transform and 8 rows */
    CHECK(ccase_fixture(&cc, "trees/xgb_reglog.json", "trees/credit_gaps.rows.csv", 8) == 0);
    {
        size_t b, j, mb = 8, mj = 0;

        for (b = 0; b < cc.B && mb == 8; b++)           /* a missing key */
            for (j = 0; j < cc.n; j++)
                if (cc.in[b * cc.n + j] == TREE_MISSING) {
                    mb = b;
                    mj = j;
                    break;
                }
        CHECK(mb < 8);
        at = (cforge){mb, (uint32_t)mj, 0, 0, 0};
        h.missing = hook_missing;
        cforgery(&cc, &h, TREE_CHECK_LOOKUP, 0, "MISSING with the flag 0 (xgb)");
        h.missing = NULL;
    }
    {                                                   /* a row whose key differs */
        size_t L = (size_t)1 << cc.key.trees.depth, f = cc.key.trees.feature[L + 1], b;

        for (b = 0; b < cc.B; b++)
            if (cc.in[b * cc.n + f] != cc.in[3 * cc.n + f])
                break;
        CHECK(b < cc.B);
        at = (cforge){3, 0, 1, 0, b};
    }
    h.read_row = hook_read_row;
    cforgery(&cc, &h, TREE_CHECK_LOOKUP, 0, "a feature read from another row (xgb)");
    h.read_row = NULL;
    ccase_free(&cc);
}

/* ---- receipts and openings through the front door (12.9, 12.11, 16.10.1) ---- */

typedef struct {
    uint8_t *key, *pub, *rct;
    size_t key_len, pub_len, rct_len;
    zkml_model *m;
} tfiles;

static int
tfiles_prove(tfiles *tf, const char *doc, size_t doc_len, const int32_t *x, size_t B,
             size_t n, int committed)
{
    static const uint8_t fixed[32] = {3};
    char err[ZKML_ERR_LEN] = "", kb[16][8];
    const uint8_t *keys[16];
    uint32_t key_lens[16];
    size_t i;
    int rc;

    memset(tf, 0, sizeof *tf);
    for (i = 0; i < B && i < 16; i++) {
        snprintf(kb[i], sizeof kb[i], "app-%zu", i + 1);
        keys[i] = (const uint8_t *)kb[i];
        key_lens[i] = (uint32_t)strlen(kb[i]);
    }
    if (zkml_key_generate(&tf->key, &tf->key_len, doc, doc_len, err) != ZKML_OK ||
        zkml_public_from_key(&tf->pub, &tf->pub_len, tf->key, tf->key_len, err) != ZKML_OK ||
        zkml_model_open(&tf->m, tf->key, tf->key_len, tf->pub, tf->pub_len, err) != ZKML_OK)
        return -1;
    {
        zkml_prove_options o = {(const uint8_t *)"audit", 5, keys, key_lens, NULL, NULL,
                                fixed, 0, NULL, committed};

        rc = zkml_prove_rows(&tf->rct, &tf->rct_len, tf->m, x, B, n, &o, NULL, err);
    }
    if (rc != ZKML_OK)
        fprintf(stderr, "    prove: %s\n", err);
    return rc;
}

static void
tfiles_free(tfiles *tf)
{
    if (tf->key != NULL)
        zkml_secret_free(tf->key, tf->key_len);
    free(tf->pub);
    free(tf->rct);
    zkml_model_close(tf->m);
}

UNIT_TEST(tree_committed_receipt_and_openings)
{
    char err[ZKML_ERR_LEN] = "";
    size_t len, B = 6, n, i, failed;
    char *doc = fixture_read("trees/xgb_reglog.json", &len);
    modelkey probe;
    int32_t *x = NULL;
    tfiles cf, pf, other;
    uint8_t *opn = NULL;
    size_t opn_len = 0;
    uint32_t row = 2;
    zkml_rows rows;

    CHECK(doc != NULL && modelkey_generate(&probe, doc, len, err) == MODELKEY_OK);
    if (doc == NULL)
        return;
    n = probe.trees.n_features;
    modelkey_free(&probe);
    x = fixture_tree_keys("trees/credit_gaps.rows.csv", n, B);
    CHECK(x != NULL);
    CHECK(tfiles_prove(&cf, doc, len, x, B, n, 1) == ZKML_OK);
    CHECK(tfiles_prove(&pf, doc, len, x, B, n, 0) == ZKML_OK);
    if (cf.rct == NULL || pf.rct == NULL)
        goto out;
    CHECK(memcmp(cf.rct, "ZKMLRCC1", 8) == 0 && memcmp(pf.rct, "ZKMLRCT1", 8) == 0);
    CHECKF(zkml_verify(cf.rct, cf.rct_len, cf.pub, cf.pub_len, err) == 1, "%s", err);
    CHECK(zkml_verify(pf.rct, pf.rct_len, pf.pub, pf.pub_len, err) == 1);
    /* the hiding scan: the public receipt holds the rows' keys, the committed one none */
    CHECK(fixture_features_found(pf.rct, pf.rct_len, x, B, n) == 1);
    CHECK(fixture_features_found(cf.rct, cf.rct_len, x, B, n) == 0);
    /* the wrong descriptor: another tree model's public file */
    {
        char *doc2 = fixture_read("trees/xgb_raw.json", &failed);

        CHECK(doc2 != NULL && tfiles_prove(&other, doc2, failed, x, 1, n, 1) == ZKML_OK);
        CHECK(zkml_verify(cf.rct, cf.rct_len, other.pub, other.pub_len, err) != 1);
        free(doc2);
        tfiles_free(&other);
    }
    /* an opening of row 2 checks; as row 3, with a feature or its blind changed: not */
    CHECKF(zkml_open_rows(&opn, &opn_len, cf.m, cf.rct, cf.rct_len, &row, x + row * n, 1,
                          err) == ZKML_OK, "%s", err);
    CHECK(opn != NULL && opn_len == 48 + 4 + 4 * n + 32);
    if (opn == NULL)
        goto out;
    CHECKF(zkml_check_opening(cf.rct, cf.rct_len, cf.pub, cf.pub_len, opn, opn_len, err) == 1,
           "%s", err);
    opn[48] = 3;                                    /* row 3 */
    CHECK(zkml_check_opening(cf.rct, cf.rct_len, cf.pub, cf.pub_len, opn, opn_len, err) == 0);
    opn[48] = 2;
    opn[52] ^= 1;                                   /* feature 0 */
    CHECK(zkml_check_opening(cf.rct, cf.rct_len, cf.pub, cf.pub_len, opn, opn_len, err) == 0);
    opn[52] ^= 1;
    opn[52 + 4 * n] ^= 1;                           /* the blind */
    CHECK(zkml_check_opening(cf.rct, cf.rct_len, cf.pub, cf.pub_len, opn, opn_len, err) == 0);
    opn[52 + 4 * n] ^= 1;
    /* the features given must be the committed ones */
    {
        uint8_t *bad = NULL;
        size_t bad_len = 0;

        CHECK(zkml_open_rows(&bad, &bad_len, cf.m, cf.rct, cf.rct_len, &row, x + 3 * n, 1,
                             err) != ZKML_OK);
        free(bad);
    }
    /* the rows: keys and scores of all, features of row 2 only */
    CHECK(zkml_receipt_read_rows_opened(&rows, cf.rct, cf.rct_len, cf.pub, cf.pub_len, opn,
                                        opn_len, err) == ZKML_OK);
    CHECK(rows.batch == B && rows.committed && rows.opened != NULL);
    for (i = 0; rows.opened != NULL && i < B; i++) {
        CHECK(rows.opened[i] == (i == row));
        CHECK(rows.key_lens[i] == 5 && !isnan(rows.scores[i]));
        CHECK(isnan(rows.features[i * n]) == (i != row) || x[i * n] == TREE_MISSING);
    }
    zkml_rows_free(&rows);
out:
    free(opn);
    tfiles_free(&cf);
    tfiles_free(&pf);
    free(x);
    free(doc);
}
