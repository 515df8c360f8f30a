/*
 * fuzz_tree_proof.c: hostile bytes as the proof of a fixed tree-ensemble statement
 * (docs/protocol.md 16): one tree of depth 1 over two features, one row with a missing
 * value, with public inputs and with the row committed (16.10).  The verifier must never
 * crash, and accept only the honest proof of each statement.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modelkey.h"
#include "rowcommit.h"
#include "tree_model.h"
#include "tree_proof.h"
#include "zkml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const char doc[] =
    "{\"format\": \"zkml-trees-v1\", \"features\": [\"a\", \"b\"], \"transform\": \"identity\","
    " \"trees\": [{\"left\": [1, -1, -1], \"right\": [2, -1, -1], \"feature\": [1, 0, 0],"
    " \"threshold\": [2.5, 0, 0], \"default_left\": [false, false, false],"
    " \"value\": [0, -0.25, 0.75]}]}";

static modelkey key;
static modelpub pub;
static int32_t in[2], out[1];
static model_statement st, stc;
static uint8_t *honest, *honest_c, nonce[ROWCOMMIT_NONCE_LEN];
static size_t honest_len, honest_c_len;
static ge_t row;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[ZKML_ERR_LEN];
    size_t failed;

    (void)argc;
    (void)argv;
    in[0] = tree_key_of_double(1.0);
    in[1] = tree_key_of_double(NAN);
    if (zkml_init() != NULL || modelkey_generate(&key, doc, sizeof doc - 1, err) != 0 ||
        modelpub_from_key(&pub, &key, err) != 0 ||
        model_kind_trees.forward(&key.trees, in, 1, out, &failed, err) != 0)
        abort();
    st.model = &key.trees;
    st.commitment = &pub.rows;
    st.batch = 1;
    st.inputs = in;
    st.outputs = out;
    if (tree_proof_prove(&honest, &honest_len, &st, key.seed, NULL, err) != 0)
        abort();
    {                                   /* the committed statement of the same row */
        fq_t rho;

        memset(nonce, 0x5a, sizeof nonce);
        stc = st;
        stc.committed = 1;
        stc.nonce = nonce;
        stc.row_commitments = &row;
        if (rowcommit_blinds(&rho, 0, 1, key.seed, nonce) != 0 ||
            rowcommit_row(&row, in, 2, &rho) != 0 ||
            tree_proof_prove(&honest_c, &honest_c_len, &stc, key.seed, NULL, err) != 0)
            abort();
        stc.inputs = NULL;
        stc.model = &pub.trees;
    }
    st.model = &pub.trees;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *why;

    if (tree_proof_verify(&st, data, len, &why) == 1 &&
        (len != honest_len || memcmp(data, honest, len) != 0))
        abort();
    if (tree_proof_verify(&stc, data, len, &why) == 1 &&
        (len != honest_c_len || memcmp(data, honest_c, len) != 0))
        abort();
    return 0;
}
