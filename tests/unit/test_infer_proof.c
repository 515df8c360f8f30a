/*
 * test_infer_proof.c: the inference proof end to end (PROTOCOL.md 7, 11.1).
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "infer_proof.h"
#include "weights.h"
#include "unit.h"

typedef struct {
    zk_model m;
    weights_layout wl;
    hyrax_commitment rows;
    uint8_t seed[32];
    int32_t *x, *y;
    size_t B;
    infer_statement st;
} proof_case;

static int
case_make(proof_case *pc, const char *shape, size_t B)
{
    char err[MODEL_ERR_LEN], name[64];
    size_t rows, cols, i, nout;
    int32_t *all;
    model_trace tr;

    memset(pc, 0, sizeof *pc);
    snprintf(name, sizeof name, "%s.q.json", shape);
    if (fixture_model(&pc->m, name, err) != MODEL_OK)
        return -1;
    snprintf(name, sizeof name, "%s.rows.csv", shape);
    all = fixture_csv(name, &rows, &cols);
    if (all == NULL || cols != pc->m.layer[0].n)
        return -1;
    pc->B = B;
    pc->x = malloc(B * cols * sizeof(int32_t));
    for (i = 0; i < B; i++)                         /* cycle through the fixture rows */
        memcpy(pc->x + i * cols, all + (i % rows) * cols, cols * sizeof(int32_t));
    free(all);
    if (model_forward(&tr, &pc->m, pc->x, B, 0, err) != MODEL_OK)
        return -1;
    nout = B * pc->m.layer[pc->m.n_layers - 1].m;
    pc->y = malloc(nout * sizeof(int32_t));
    memcpy(pc->y, tr.out, nout * sizeof(int32_t));
    model_trace_free(&tr);
    unit_rand_bytes(pc->seed, 32);
    if (weights_layout_build(&pc->wl, &pc->m) != 0 ||
        weights_commit(&pc->rows, &pc->wl, &pc->m, pc->seed) != 0)
        return -1;
    pc->st.model = &pc->m;
    pc->st.w_rows = &pc->rows;
    pc->st.batch = B;
    pc->st.inputs = pc->x;
    pc->st.outputs = pc->y;
    pc->st.context = (const uint8_t *)"audit-42";
    pc->st.context_len = 8;
    return 0;
}

static void
case_free(proof_case *pc)
{
    hyrax_commitment_free(&pc->rows);
    model_free(&pc->m);
    free(pc->x);
    free(pc->y);
}

static void
round_trip(const char *shape, size_t B)
{
    proof_case pc;
    uint8_t *proof = NULL, fixed[32] = {9};
    size_t len = 0;
    char err[MODEL_ERR_LEN] = "";
    const char *why = NULL;
    int rc;

    CHECKF(case_make(&pc, shape, B) == 0, "%s: fixture", shape);
    rc = infer_prove(&proof, &len, &pc.st, pc.seed, fixed, err);
    CHECKF(rc == 0, "%s B = %zu: prove: %s", shape, B, err);
    if (rc == 0) {
        rc = infer_verify(&pc.st, proof, len, &why);
        CHECKF(rc == 1, "%s B = %zu: verify: %s", shape, B, why ? why : "");
        /* another output, another context: rejected */
        pc.y[0] ^= 1;
        CHECK(infer_verify(&pc.st, proof, len, &why) == 0);
        pc.y[0] ^= 1;
        pc.st.context_len = 7;
        CHECK(infer_verify(&pc.st, proof, len, &why) == 0);
        pc.st.context_len = 8;
        /* truncated and extended */
        CHECK(infer_verify(&pc.st, proof, len - 1, &why) == 0);
        proof = realloc(proof, len + 32);
        memset(proof + len, 0, 32);
        CHECK(infer_verify(&pc.st, proof, len + 32, &why) == 0);
        CHECK(infer_verify(&pc.st, proof, len, &why) == 1);
    }
    free(proof);
    case_free(&pc);
}

UNIT_TEST(infer_proof_lr20_b1) { round_trip("lr20", 1); }
UNIT_TEST(infer_proof_mlp20_b3) { round_trip("mlp20", 3); }

UNIT_TEST(infer_proof_byte_flips_rejected)
{
    proof_case pc;
    uint8_t *proof = NULL, fixed[32] = {10};
    size_t len = 0, i, step, tried = 0, accepted = 0;
    char err[MODEL_ERR_LEN] = "";
    const char *why;

    CHECK(case_make(&pc, "lr20", 2) == 0);
    CHECK(infer_prove(&proof, &len, &pc.st, pc.seed, fixed, err) == 0);
    /* 64 positions spread over the whole proof, lowest and highest bit (a verify costs
     * ~0.15 s here, dominated by the 2^16-entry sigmoid table) */
    step = len / 64 + 1;
    for (i = 0; proof != NULL && i < len; i += step) {
        int bit;

        for (bit = 0; bit < 8; bit += 7) {
            proof[i] ^= (uint8_t)(1u << bit);
            tried++;
            if (infer_verify(&pc.st, proof, len, &why) != 0)
                accepted++;
            proof[i] ^= (uint8_t)(1u << bit);
        }
    }
    CHECK(tried >= 100);
    CHECKF(accepted == 0, "%zu of %zu flips accepted", accepted, tried);
    CHECK(infer_verify(&pc.st, proof, len, &why) == 1);
    free(proof);
    case_free(&pc);
}

/* A prover whose weights differ from the committed ones (one weight changed, outputs
 * recomputed with it) must not convince the verifier. */
UNIT_TEST(infer_proof_uncommitted_weights_rejected)
{
    proof_case pc;
    uint8_t *proof = NULL, fixed[32] = {11};
    size_t len = 0;
    char err[MODEL_ERR_LEN] = "";
    const char *why = NULL;
    model_trace tr;

    CHECK(case_make(&pc, "mlp20", 2) == 0);
    pc.m.weights[1].w[5] += pc.m.weights[1].w[5] > 0 ? -1 : 1;
    CHECK(model_forward(&tr, &pc.m, pc.x, pc.B, 0, err) == MODEL_OK);
    memcpy(pc.y, tr.out, pc.B * sizeof(int32_t));
    model_trace_free(&tr);
    CHECK(infer_prove(&proof, &len, &pc.st, pc.seed, fixed, err) == 0);
    CHECK(infer_verify(&pc.st, proof, len, &why) == 0);
    CHECKF(why != NULL, "rejected by: %s", why ? why : "nothing");
    free(proof);
    case_free(&pc);
}

UNIT_TEST(infer_proof_batches_and_sizes)
{
    static const size_t batches[] = {2, 16};
    size_t b;

    for (b = 0; b < 2; b++)
        round_trip("mlp20", batches[b]);
}

/* ---- odd shapes: a model document written here ---- */

/* Q.json text for layers of the given widths (dims[0] inputs), small seeded weights,
 * M = 1, s = 4, Q = 8, activations alternating identity and relu. */
static char *
odd_model_json(const unsigned *dims, unsigned L)
{
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    unsigned l, i, j;

    n += (size_t)snprintf(s + n, cap - n, "{\"format\":\"zkml-quantized-v1\",\"layers\":[");
    for (l = 0; l < L; l++) {
        n += (size_t)snprintf(s + n, cap - n, "%s{\"weights\":[", l ? "," : "");
        for (i = 0; i < dims[l + 1]; i++) {
            n += (size_t)snprintf(s + n, cap - n, "%s[", i ? "," : "");
            for (j = 0; j < dims[l]; j++)
                n += (size_t)snprintf(s + n, cap - n, "%s%d", j ? "," : "",
                                      (int)(unit_rand64() % 7) - 3);
            n += (size_t)snprintf(s + n, cap - n, "]");
        }
        n += (size_t)snprintf(s + n, cap - n, "],\"bias\":[");
        for (i = 0; i < dims[l + 1]; i++)
            n += (size_t)snprintf(s + n, cap - n, "%s%d", i ? "," : "",
                                  (int)(unit_rand64() % 41) - 20);
        n += (size_t)snprintf(s + n, cap - n,
                              "],\"M\":1,\"s\":4,\"Q\":8,\"activation\":{\"kind\":\"%s\"}}",
                              l % 2 ? "relu" : "identity");
    }
    snprintf(s + n, cap - n, "]}");
    return s;
}

static void
odd_round_trip(const unsigned *dims, unsigned L, size_t B)
{
    char *text = odd_model_json(dims, L), err[MODEL_ERR_LEN] = "";
    proof_case pc;
    uint8_t *proof = NULL, *proof2 = NULL, fixed[32] = {12};
    size_t len = 0, len2 = 0, i, nout;
    const char *why = NULL;
    model_trace tr;

    memset(&pc, 0, sizeof pc);
    CHECKF(model_from_json(&pc.m, text, strlen(text), err) == MODEL_OK, "%s", err);
    free(text);
    pc.B = B;
    pc.x = malloc(B * dims[0] * sizeof(int32_t));
    for (i = 0; i < B * dims[0]; i++)
        pc.x[i] = (int32_t)(unit_rand64() % 256) - 128;
    CHECK(model_forward(&tr, &pc.m, pc.x, B, 0, err) == MODEL_OK);
    nout = B * dims[L];
    pc.y = malloc(nout * sizeof(int32_t));
    memcpy(pc.y, tr.out, nout * sizeof(int32_t));
    model_trace_free(&tr);
    unit_rand_bytes(pc.seed, 32);
    CHECK(weights_layout_build(&pc.wl, &pc.m) == 0);
    CHECK(weights_commit(&pc.rows, &pc.wl, &pc.m, pc.seed) == 0);
    pc.st = (infer_statement){&pc.m, &pc.rows, B, pc.x, pc.y, NULL, 0};
    CHECKF(infer_prove(&proof, &len, &pc.st, pc.seed, fixed, err) == 0, "%s", err);
    CHECKF(infer_verify(&pc.st, proof, len, &why) == 1, "L = %u, B = %zu: %s", L, B,
           why ? why : "");
    /* zero-knowledge sanity: another proof of the same statement differs, and no weight
     * or bias appears in the proof as a 32-byte scalar */
    CHECK(infer_prove(&proof2, &len2, &pc.st, pc.seed, NULL, err) == 0);
    CHECK(len2 == len && memcmp(proof, proof2, len) != 0);
    {
        unsigned l;
        size_t j, k, found = 0;

        for (l = 0; l < L; l++)
            for (k = 0; k < (size_t)dims[l] * dims[l + 1] + dims[l + 1]; k++) {
                int32_t v = k < (size_t)dims[l] * dims[l + 1]
                                ? pc.m.weights[l].w[k]
                                : pc.m.weights[l].bias[k - (size_t)dims[l] * dims[l + 1]];
                uint8_t enc[32];
                fq_t f;

                if (v == 0 || v == 1 || v == -1)
                    continue;               /* too common to mean anything */
                fq_set_i64(&f, v);
                fq_to_bytes(enc, &f);
                for (j = 16; j + 32 <= len; j += 32)
                    found += memcmp(proof + j, enc, 32) == 0;
            }
        CHECK(found == 0);
    }
    free(proof);
    free(proof2);
    case_free(&pc);
}

UNIT_TEST(infer_proof_odd_shapes)
{
    static const unsigned one[] = {3, 5};
    static const unsigned five[] = {3, 5, 7, 2, 6, 1};
    static const unsigned wide[] = {9, 17, 1};

    odd_round_trip(one, 1, 1);          /* a single layer, identity activation */
    odd_round_trip(one, 1, 3);
    odd_round_trip(five, 5, 5);         /* five layers, no power of two anywhere */
    odd_round_trip(wide, 2, 7);
}
