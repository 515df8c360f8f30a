/*
 * api_prove.c: zkml_prove_rows (zkml.h), the one way to a proof: the forward pass of the
 * model's kind on the rows, the proof of its kind (model_kind.h; for a dense network
 * infer_prove, the core's one prover of it) of the statement the receipt fixes, and the
 * receipt file (receipt.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "receipt.h"
#include "rowcommit.h"

int
zkml_prove_rows(uint8_t **out, size_t *out_len, zkml_model *m, const int32_t *rows,
                size_t batch, size_t n_in, const zkml_prove_options *opts, size_t *failed_row,
                char *err)
{
    static const zkml_prove_options none;
    char sub[ZKML_ERR_LEN] = "";
    const model_kind *kind = m->kind;
    model_statement st;
    infer_options io;
    receipt r;
    uint8_t *proof = NULL, *sc = NULL;
    size_t proof_len = 0, sc_len = 0;
    int32_t *outputs = NULL;
    uint8_t nonce[ROWCOMMIT_NONCE_LEN];
    ge_t *row_commitments = NULL;
    fq_t *rho = NULL;
    const char *bad;
    uint32_t n_out = m->info.n_outputs;
    int rc, frc;

    *out = NULL;
    *out_len = 0;
    if (opts == NULL)
        opts = &none;
    if (!m->has_key)
        return zkml_fail(err, ZKML_E_NO_KEY, "the model was opened from its public file: "
                         "it has no weights");
    bad = receipt_shape_problem(batch, n_in, n_out, opts->context_len);
    if (bad != NULL)
        return zkml_fail(err, ZKML_E_INVALID, "%s", bad);
    if (n_in != m->info.n_inputs)
        return zkml_fail(err, ZKML_E_INVALID, "the rows have %zu values, the model takes %u",
                         n_in, (unsigned)m->info.n_inputs);
    if ((rc = api_model_public_ready(m, err)) != ZKML_OK)
        return rc;
    if (opts->committed_inputs && kind != &model_kind_dense_v2)  /* committed-inputs.md 1 */
        return zkml_fail(err, ZKML_E_UNSUPPORTED, kind == &model_kind_dense
                         ? "committed inputs need a model of protocol version 2: register "
                           "the model again under 0.2.0"
                         : "committed inputs are not available for this kind of model yet");
    if (receipt_statement_context(&sc, &sc_len, opts->context, opts->context_len, batch,
                                  opts->row_keys, opts->row_key_lens, err) != 0)
        return ZKML_E_INVALID;
    memset(&r, 0, sizeof r);
    if ((outputs = malloc(batch * n_out * sizeof *outputs)) == NULL) {
        rc = zkml_fail(err, ZKML_E_NOMEM, "out of memory");
        goto done;
    }
    frc = kind->forward(m->model, rows, batch, outputs, failed_row, sub);
    if (frc != ZKML_OK) {
        rc = zkml_fail(err, frc == ZKML_E_ROW_RANGE ? ZKML_E_ROW_RANGE : ZKML_E_INVALID,
                       "forward pass: %s", sub);
        goto done;
    }
    memset(&st, 0, sizeof st);
    if (opts->committed_inputs) {                   /* docs/committed-inputs.md 2 */
        row_commitments = malloc(batch * sizeof(ge_t));
        rho = calloc(batch, sizeof(fq_t));
        if (row_commitments == NULL || rho == NULL) {
            rc = zkml_fail(err, ZKML_E_NOMEM, "out of memory");
            goto done;
        }
        if (rowcommit_nonce(nonce, m->key.seed, sc, sc_len, opts->fixed_rng) != 0 ||
            rowcommit_blinds(rho, 0, batch, m->key.seed, nonce) != 0 ||
            rowcommit_rows(row_commitments, rows, batch, n_in, rho) != 0) {
            rc = zkml_fail(err, ZKML_E_INTERNAL, "could not commit to the rows");
            goto done;
        }
        st.committed = 1;
        st.nonce = nonce;
        st.row_commitments = row_commitments;
    }
    st.model = m->model;
    st.commitment = &m->pub.rows;
    st.batch = batch;
    st.inputs = rows;
    st.outputs = outputs;
    st.context = sc;
    st.context_len = sc_len;
    io.fixed_rng = opts->fixed_rng;
    io.progress = opts->progress;
    io.progress_arg = opts->progress_arg;
    io.hooks = NULL;            /* never the test seam */
    if ((rc = kind->prove(&proof, &proof_len, &st, m->key.seed, &io, sub)) != ZKML_OK) {
        rc = zkml_fail(err, rc == ZKML_E_UNSUPPORTED ? rc : ZKML_E_INTERNAL, "proof: %s", sub);
        goto done;
    }
    memcpy(r.digest, m->info.digest, 32);
    r.batch = (uint32_t)batch;
    r.n_in = (uint32_t)n_in;
    r.n_out = n_out;
    r.context = opts->context;
    r.context_len = opts->context_len;
    r.keys = opts->row_keys;
    r.key_lens = opts->row_key_lens;
    r.inputs = rows;
    r.outputs = outputs;
    r.proof = proof;
    r.proof_len = proof_len;
    r.committed = st.committed;
    r.nonce = st.nonce;
    r.row_commitments = row_commitments;
    rc = receipt_encode(out, out_len, &r, err) == 0 ? ZKML_OK : ZKML_E_INVALID;
done:
    if (rho != NULL)
        explicit_bzero(rho, batch * sizeof(fq_t));
    free(rho);
    free(row_commitments);
    free(proof);
    free(sc);
    free(outputs);
    return rc;
}
