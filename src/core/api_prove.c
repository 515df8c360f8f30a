/*
 * api_prove.c: zkml_prove_rows (zkml.h), the one way to a proof: the forward pass of the
 * model's kind on the rows, the proof of its kind (model_kind.h; for a dense network
 * infer_prove, the core's one prover of it) of the statement the receipt fixes, and the
 * receipt file (receipt.h).  A batch of more rows than opts->rows_per_proof is proven in
 * parts, one after another, into a receipt of several proofs (receipt_group.h,
 * docs/protocol.md 12.10.4).  With committed inputs each part is a ZKMLRCC1 receipt with
 * its own nonce and row commitments (docs/protocol.md 7.19.2-7.19.4).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "receipt.h"
#include "receipt_group.h"
#include "rowcommit.h"
#include "runtime.h"
#include "sha256.h"

/* Part i's receipt fields (rows first .. first + n - 1), its proof not yet made. */
static void
part_receipt(receipt *r, const zkml_model *m, const int32_t *rows, size_t n_in,
             const int32_t *outputs, uint32_t n_out, size_t first, size_t n,
             const zkml_prove_options *opts)
{
    memset(r, 0, sizeof *r);
    memcpy(r->digest, m->info.digest, 32);
    r->batch = (uint32_t)n;
    r->n_in = (uint32_t)n_in;
    r->n_out = n_out;
    r->context = opts->context;
    r->context_len = opts->context_len;
    if (opts->row_keys != NULL) {
        r->keys = opts->row_keys + first;
        r->key_lens = opts->row_key_lens + first;
    }
    r->inputs = rows + first * n_in;
    r->outputs = outputs + first * n_out;
}

/*
 * Committed inputs (docs/protocol.md 7.19.2-7.19.4): a fresh nonce for the part of r, the
 * blinds its rows take from the seed and that nonce, and their commitments C (r->batch
 * points); the prover derives the same blinds again.
 */
static int
part_commit_rows(receipt *r, uint8_t nonce[ROWCOMMIT_NONCE_LEN], ge_t *C,
                 const zkml_model *m, const zkml_prove_options *opts, char *err)
{
    uint8_t *sc = NULL;
    size_t sc_len = 0;
    fq_t *rho;
    int bad;

    if (receipt_statement_context(&sc, &sc_len, r->context, r->context_len, r->batch,
                                  r->keys, r->key_lens, err) != 0)
        return ZKML_E_INVALID;
    if ((rho = calloc(r->batch, sizeof *rho)) == NULL) {
        free(sc);
        return zkml_fail(err, ZKML_E_NOMEM, "out of memory");
    }
    bad = rowcommit_nonce(nonce, m->key.seed, sc, sc_len, opts->fixed_rng) != 0 ||
          rowcommit_blinds(rho, 0, r->batch, m->key.seed, nonce) != 0 ||
          rowcommit_rows(C, r->inputs, r->batch, r->n_in, rho) != 0;
    explicit_bzero(rho, r->batch * sizeof *rho);
    free(rho);
    free(sc);
    if (bad)
        return zkml_fail(err, ZKML_E_INTERNAL, "could not commit to the rows");
    r->committed = 1;
    r->nonce = nonce;
    r->row_commitments = C;
    return ZKML_OK;
}

/* SHA-256 of a part's statement bytes S (docs/protocol.md 12.10.1): its receipt encoded
 * without a proof, less the proof-length field. */
static int
part_statement_digest(uint8_t out[32], const receipt *r, char *err)
{
    receipt bare = *r;
    uint8_t *buf;
    size_t len;
    int rc;

    bare.proof = NULL;
    bare.proof_len = 0;
    if (receipt_encode(&buf, &len, &bare, err) != 0)
        return -1;
    rc = sha256_digest(out, buf, len - 8);
    free(buf);
    if (rc != 0)
        zkml_fail(err, -1, "could not hash the statement");
    return rc;
}

/* Prove part i of k (rows of r) bound to the group G, into its receipt's bytes. */
static int
prove_part(uint8_t **out, size_t *out_len, zkml_model *m, receipt *r, uint32_t i,
           uint32_t k, const uint8_t G[32], const zkml_prove_options *opts, char *err)
{
    char sub[ZKML_ERR_LEN] = "";
    uint8_t group[RECEIPT_GROUP_BYTES], *proof = NULL, *sc = NULL;
    size_t proof_len = 0, sc_len = 0;
    model_statement st;
    infer_options io;
    int rc;

    memset(&st, 0, sizeof st);
    if (receipt_statement_context(&sc, &sc_len, r->context, r->context_len, r->batch,
                                  r->keys, r->key_lens, err) != 0)
        return ZKML_E_INVALID;
    receipt_group_bytes(group, i, k, G);
    st.model = m->model;
    st.commitment = &m->pub.rows;
    st.batch = r->batch;
    st.inputs = r->inputs;
    st.outputs = r->outputs;
    st.context = sc;
    st.context_len = sc_len;
    st.group = group;
    st.committed = r->committed;
    st.nonce = r->nonce;
    st.row_commitments = r->row_commitments;
    io.fixed_rng = opts->fixed_rng;
    io.progress = opts->progress;
    io.progress_arg = opts->progress_arg;
    io.hooks = NULL;            /* never the test seam */
    if ((rc = m->kind->prove(&proof, &proof_len, &st, m->key.seed, &io, sub)) != ZKML_OK) {
        rc = zkml_fail(err, rc == ZKML_E_UNSUPPORTED ? rc : ZKML_E_INTERNAL, "proof: %s", sub);
    } else {
        r->proof = proof;
        r->proof_len = proof_len;
        rc = receipt_encode(out, out_len, r, err) == 0 ? ZKML_OK : ZKML_E_INVALID;
        r->proof = NULL;
        r->proof_len = 0;
    }
    free(proof);
    free(sc);
    return rc;
}

int
zkml_prove_rows(uint8_t **out, size_t *out_len, zkml_model *m, const int32_t *rows,
                size_t batch, size_t n_in, const zkml_prove_options *opts, size_t *failed_row,
                char *err)
{
    static const zkml_prove_options none;
    char sub[ZKML_ERR_LEN] = "";
    const model_kind *kind = m->kind;
    uint8_t (*digests)[32] = NULL, G[32];
    uint8_t **parts = NULL, (*nonces)[ROWCOMMIT_NONCE_LEN] = NULL;
    ge_t *row_commitments = NULL;
    size_t *part_lens = NULL, C, first;
    int32_t *outputs = NULL;
    const char *bad;
    uint32_t n_out = m->info.n_outputs, k = 1, i;
    receipt r;
    int rc, frc;

    *out = NULL;
    *out_len = 0;
    if (opts == NULL)
        opts = &none;
    if (!m->has_key)
        return zkml_fail(err, ZKML_E_NO_KEY, "the model was opened from its public file: "
                         "it has no weights");
    C = batch;
    if (opts->rows_per_proof > 0 && batch > opts->rows_per_proof) {
        C = opts->rows_per_proof;
        if (!m->info.proves_in_parts)
            return zkml_fail(err, ZKML_E_UNSUPPORTED, "%zu rows in parts of %zu: a network of "
                             "protocol version 1 is not proven in parts", batch, C);
        if ((uint64_t)batch > RECEIPT_GROUP_MAX_ROWS ||
            (batch + C - 1) / C > RECEIPT_GROUP_MAX_PARTS)
            return zkml_fail(err, ZKML_E_INVALID, "%zu rows in parts of %zu: a receipt holds "
                             "at most 65536 parts and 2^32 rows", batch, C);
        k = (uint32_t)((batch + C - 1) / C);
    }
    bad = receipt_shape_problem(C, n_in, n_out, opts->context_len);
    if (bad != NULL)
        return zkml_fail(err, ZKML_E_INVALID, "%s", bad);
    if (n_in != m->info.n_inputs)
        return zkml_fail(err, ZKML_E_INVALID, "the rows have %zu values, the model takes %u",
                         n_in, (unsigned)m->info.n_inputs);
    if ((rc = api_model_public_ready(m, err)) != ZKML_OK)
        return rc;
    if (opts->committed_inputs && kind != &model_kind_dense_v2 &&   /* 7.19.1, 16.10.1 */
        kind != &model_kind_trees)
        return zkml_fail(err, ZKML_E_UNSUPPORTED, kind == &model_kind_dense
                         ? "committed inputs need a model of protocol version 2: register "
                           "the model again under 0.2.0"
                         : "committed inputs are not available for this kind of model yet");
    /* every row is scored first: a row the model cannot take stops the batch before
     * any proof, and the outputs fix every part's statement, hence G */
    outputs = malloc(batch * n_out * sizeof *outputs);
    digests = malloc((size_t)k * sizeof *digests);
    parts = calloc(k, sizeof *parts);
    part_lens = calloc(k, sizeof *part_lens);
    if (opts->committed_inputs) {
        nonces = malloc((size_t)k * sizeof *nonces);
        row_commitments = malloc(batch * sizeof *row_commitments);
    }
    if (outputs == NULL || digests == NULL || parts == NULL || part_lens == NULL ||
        (opts->committed_inputs && (nonces == NULL || row_commitments == NULL))) {
        rc = zkml_fail(err, ZKML_E_NOMEM, "out of memory");
        goto done;
    }
    frc = kind->forward(m->model, rows, batch, outputs, failed_row, sub);
    if (frc != ZKML_OK) {
        rc = zkml_fail(err, frc == ZKML_E_ROW_RANGE ? ZKML_E_ROW_RANGE : ZKML_E_INVALID,
                       "forward pass: %s", sub);
        goto done;
    }
    for (i = 0, first = 0; i < k; i++, first += C) {
        part_receipt(&r, m, rows, n_in, outputs, n_out, first,
                     batch - first < C ? batch - first : C, opts);
        if (opts->committed_inputs &&
            (rc = part_commit_rows(&r, nonces[i], row_commitments + first, m, opts,
                                   err)) != ZKML_OK)
            goto done;
        if (part_statement_digest(digests[i], &r, err) != 0) {
            rc = ZKML_E_INVALID;
            goto done;
        }
    }
    if (receipt_group_digest(G, (const uint8_t(*)[32])digests, k) != 0) {
        rc = zkml_fail(err, ZKML_E_INTERNAL, "could not hash the group");
        goto done;
    }
    for (i = 0, first = 0; i < k; i++, first += C) {
        size_t n = batch - first < C ? batch - first : C;

        if (k > 1 && zkml_interrupted()) {
            rc = zkml_fail(err, ZKML_E_INTERNAL, "part %u of %u: interrupted", i + 1, k);
            goto done;
        }
        if (opts->part != NULL)
            opts->part(opts->progress_arg, i + 1, k, first, n);
        part_receipt(&r, m, rows, n_in, outputs, n_out, first, n, opts);
        if (opts->committed_inputs) {
            r.committed = 1;
            r.nonce = nonces[i];
            r.row_commitments = row_commitments + first;
        }
        rc = prove_part(&parts[i], &part_lens[i], m, &r, i + 1, k, G, opts,
                        k > 1 ? sub : err);
        if (rc != ZKML_OK) {
            if (k > 1)
                zkml_fail(err, rc, "part %u of %u: %s", i + 1, k, sub);
            goto done;
        }
    }
    if (k == 1) {
        *out = parts[0];
        *out_len = part_lens[0];
        parts[0] = NULL;
        rc = ZKML_OK;
    } else {
        rc = receipt_group_encode(out, out_len, k, batch, (const uint8_t *const *)parts,
                                  part_lens, err) == 0 ? ZKML_OK : ZKML_E_NOMEM;
    }
done:
    for (i = 0; parts != NULL && i < k; i++)
        free(parts[i]);
    free(parts);
    free(part_lens);
    free(digests);
    free(nonces);
    free(row_commitments);
    free(outputs);
    return rc;
}
