/*
 * test_infer_tamper.c: tampered statements, proofs and receipts of the inference proof
 * (docs/protocol.md 11.1, 11.10).
 *
 * One honest proof of a small model (two layers, 3 -> 5 -> 2, Q = 8, B = 3: padded
 * rows and a padded batch column) is checked against every public item altered in
 * turn: each input, each output, the context, every descriptor field of every layer,
 * B, each W row commitment, another model; and every byte of the proof is flipped.
 * The prover's and the verifier's transcripts are compared event by event, and the
 * challenge order of 11.5 is read off them.
 */
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "generators.h"
#include "infer_case.h"
#include "infer_testing.h"
#include "modelkey.h"
#include "receipt.h"
#include "unit.h"

static const unsigned small_dims[] = {3, 5, 2};

typedef struct {
    infer_case ic;
    uint8_t *proof;
    size_t len;
} tamper_case;

static int
tamper_setup(tamper_case *tc, size_t B)
{
    uint8_t fixed[32] = {31};
    char err[ZKML_ERR_LEN] = "";
    const char *why = NULL;

    tc->proof = NULL;
    tc->len = 0;
    if (icase_odd(&tc->ic, small_dims, 2, B, 0) != 0 ||
        infer_prove(&tc->proof, &tc->len, &tc->ic.st, tc->ic.seed,
                    &(infer_options){.fixed_rng = fixed}, err) != 0)
        return -1;
    return infer_verify(&tc->ic.st, tc->proof, tc->len, &why) == 1 ? 0 : -1;
}

static void
tamper_free(tamper_case *tc)
{
    free(tc->proof);
    icase_free(&tc->ic);
}

/* The verdict on the honest proof for an altered statement. */
static int
verdict(const tamper_case *tc, const infer_statement *st)
{
    const char *why = NULL;

    return infer_verify(st, tc->proof, tc->len, &why);
}

/* ---- the values of the statement ---- */

UNIT_TEST(infer_tamper_inputs_outputs_context)
{
    tamper_case tc;
    infer_statement st;
    size_t i, n_in, n_out;
    uint8_t ctx[16];

    CHECK(tamper_setup(&tc, 3) == 0);
    if (tc.proof == NULL)
        goto out;
    st = tc.ic.st;
    n_in = 3 * small_dims[0];
    n_out = 3 * small_dims[2];
    for (i = 0; i < n_in; i++) {                    /* each input, both directions */
        tc.ic.x[i] += 1;
        CHECKF(verdict(&tc, &st) == 0, "input %zu + 1", i);
        tc.ic.x[i] -= 2;
        CHECKF(verdict(&tc, &st) == 0, "input %zu - 1", i);
        tc.ic.x[i] += 1;
    }
    for (i = 0; i < n_out; i++) {
        tc.ic.y[i] += 1;
        CHECKF(verdict(&tc, &st) == 0, "output %zu + 1", i);
        tc.ic.y[i] -= 1;
    }
    /* the context: each byte changed, one appended, one removed, emptied */
    memcpy(ctx, tc.ic.context, 8);
    st.context = ctx;
    for (i = 0; i < 8; i++) {
        ctx[i] ^= 0x20;
        CHECKF(verdict(&tc, &st) == 0, "context byte %zu", i);
        ctx[i] ^= 0x20;
    }
    ctx[8] = 0;
    st.context_len = 9;
    CHECK(verdict(&tc, &st) == 0);
    st.context_len = 7;
    CHECK(verdict(&tc, &st) == 0);
    st.context_len = 0;
    CHECK(verdict(&tc, &st) == 0);
    st.context = NULL;
    CHECK(verdict(&tc, &st) == 0);
    st = tc.ic.st;
    CHECK(verdict(&tc, &st) == 1);
out:
    tamper_free(&tc);
}

/*
 * B - 1 and B + 1 rows with matching arrays.  B + 1 = 4 keeps β = 2 and the new row is
 * a copy of the last one, exactly what the padded batch column already holds: only
 * "stmt/B" and the digests of the inputs and outputs tell the statements apart.
 */
UNIT_TEST(infer_tamper_batch_size)
{
    tamper_case tc;
    infer_statement st;
    int32_t x4[4 * 3], y4[4 * 2];

    CHECK(tamper_setup(&tc, 3) == 0);
    if (tc.proof == NULL)
        goto out;
    st = tc.ic.st;
    st.batch = 2;
    CHECK(verdict(&tc, &st) == 0);
    memcpy(x4, tc.ic.x, 9 * sizeof(int32_t));
    memcpy(x4 + 9, tc.ic.x + 6, 3 * sizeof(int32_t));
    memcpy(y4, tc.ic.y, 6 * sizeof(int32_t));
    memcpy(y4 + 6, tc.ic.y + 4, 2 * sizeof(int32_t));
    st.batch = 4;
    st.inputs = x4;
    st.outputs = y4;
    CHECK(verdict(&tc, &st) == 0);
    st.batch = 1;
    st.inputs = tc.ic.x + 6;                        /* the last row alone */
    st.outputs = tc.ic.y + 4;
    CHECK(verdict(&tc, &st) == 0);
out:
    tamper_free(&tc);
}

UNIT_TEST(infer_tamper_w_rows)
{
    tamper_case tc;
    infer_statement st;
    hyrax_commitment rows;
    size_t n, i;

    CHECK(tamper_setup(&tc, 3) == 0);
    if (tc.proof == NULL)
        goto out;
    rows = tc.ic.rows;
    n = (size_t)1 << rows.lr;
    rows.rows = malloc(n * sizeof(ge_t));
    CHECK(rows.rows != NULL && n >= 2);
    if (rows.rows == NULL)
        goto out;
    st = tc.ic.st;
    st.w_rows = &rows;
    for (i = 0; i < n; i++) {                       /* each row + G, and swapped with the next */
        gep_t p;

        memcpy(rows.rows, tc.ic.rows.rows, n * sizeof(ge_t));
        gep_set_ge(&p, &rows.rows[i]);
        gep_add_ge(&p, &p, generators_G());
        ge_set_gep(&rows.rows[i], &p);
        CHECKF(verdict(&tc, &st) == 0, "W row %zu + G", i);
        memcpy(rows.rows, tc.ic.rows.rows, n * sizeof(ge_t));
        rows.rows[i] = tc.ic.rows.rows[(i + 1) % n];
        rows.rows[(i + 1) % n] = tc.ic.rows.rows[i];
        CHECKF(verdict(&tc, &st) == 0, "W rows %zu and %zu swapped", i, (i + 1) % n);
    }
    memcpy(rows.rows, tc.ic.rows.rows, n * sizeof(ge_t));
    CHECK(verdict(&tc, &st) == 1);
    free(rows.rows);
out:
    tamper_free(&tc);
}

/* ---- the public model ---- */

/* A public copy of a model (own tables, no weights). */
static int
public_copy(zk_model *dst, const zk_model *src)
{
    unsigned l;

    memset(dst, 0, sizeof *dst);
    dst->n_layers = src->n_layers;
    dst->xbits = src->xbits;
    for (l = 0; l < src->n_layers; l++) {
        size_t n = (size_t)1 << src->layer[l].q_bits;

        dst->layer[l] = src->layer[l];
        dst->layer[l].act = malloc(n * sizeof(int32_t));
        if (dst->layer[l].act == NULL)
            return -1;
        memcpy(dst->layer[l].act, src->layer[l].act, n * sizeof(int32_t));
    }
    return 0;
}

/* Q changed by ±1 on layer l, the table cut to its middle half or extended at its ends. */
static int
change_q(zk_model *m, unsigned l, int up)
{
    model_layer *ly = &m->layer[l];
    size_t n = (size_t)1 << ly->q_bits, nn = up ? 2 * n : n / 2, y;
    int32_t *t = malloc(nn * sizeof(int32_t));

    if (t == NULL)
        return -1;
    for (y = 0; y < nn; y++) {
        long src = up ? (long)y - (long)(n / 2) : (long)y + (long)(n / 4);

        t[y] = ly->act[src < 0 ? 0 : src >= (long)n ? (long)n - 1 : src];
    }
    free(ly->act);
    ly->act = t;
    ly->q_bits = up ? ly->q_bits + 1 : ly->q_bits - 1;
    return 0;
}

/* The verdict on the proof for the descriptor m (inputs and outputs widened or cut to
 * its n_1 and m_L: extra features 0, extra outputs the padded value ACT_L(0); with
 * fewer layers, the outputs are the honest a of its last layer). */
static int
verdict_model(const tamper_case *tc, const zk_model *m)
{
    size_t B = tc->ic.B, n1 = m->layer[0].n, mL = m->layer[m->n_layers - 1].m, b, j;
    size_t on1 = tc->ic.m.layer[0].n, omL = tc->ic.m.layer[1].m;
    const model_layer *last = &m->layer[m->n_layers - 1];
    int32_t *x = calloc(B * n1, sizeof(int32_t)), *y = calloc(B * mL, sizeof(int32_t));
    infer_statement st = tc->ic.st;
    ref_trace rt;
    int rc = -2;


    if (x != NULL && y != NULL && ref_forward(&rt, &tc->ic.m, tc->ic.x, B) == 0) {
        for (b = 0; b < B; b++) {
            for (j = 0; j < n1 && j < on1; j++)
                x[b * n1 + j] = tc->ic.x[b * on1 + j];
            for (j = 0; j < mL; j++)
                y[b * mL + j] = m->n_layers != tc->ic.m.n_layers
                                    ? (int32_t)rt.a[m->n_layers - 1][b + rt.cols * j]
                                : j < omL ? tc->ic.y[b * omL + j]
                                          : last->act[(size_t)1 << (last->q_bits - 1)];
        }
        ref_free(&rt);
        st.model = m;
        st.inputs = x;
        st.outputs = y;
        rc = verdict(tc, &st);
    }
    free(x);
    free(y);
    return rc;
}

typedef enum {
    F_WBITS_UP, F_WBITS_DOWN, F_Q_UP, F_Q_DOWN, F_LIMB_TO_S, F_LIMB_3, F_S_UP, F_S_DOWN,
    F_M_UP, F_M_MAX, F_N_UP, F_M_OUT_UP, F_ENTRY_FIRST, F_ENTRY_LAST, F_ENTRY_ZERO,
    F_ENTRY_USED, F_ENTRY_RANDOM, F_COUNT
} field_change;

static const char *const field_names[F_COUNT] = {
    "wbits + 1", "wbits - 1", "Q + 1", "Q - 1", "limb width = s", "limb width 3", "s + 1",
    "s - 1", "M + 1", "M = 2^31 - 1", "n + 1", "m + 1", "first table entry",
    "last table entry", "table entry ACT(0)", "a table entry in use", "a random table entry"};

/* Apply change f to layer l of m; 0 if it applies to this layer. */
static int
apply_change(zk_model *m, const tamper_case *tc, unsigned l, field_change f)
{
    model_layer *ly = &m->layer[l];
    size_t n = (size_t)1 << ly->q_bits, at;
    int32_t lo, hi;

    switch (f) {
    case F_WBITS_UP: ly->wbits++; return 0;
    case F_WBITS_DOWN: ly->wbits--; return 0;
    case F_Q_UP: return change_q(m, l, 1);
    case F_Q_DOWN: return change_q(m, l, 0);
    case F_LIMB_TO_S: ly->limb_bits = ly->shift; return 0;   /* K = 1 either way */
    case F_LIMB_3: ly->limb_bits = 3; return 0;
    case F_S_UP: ly->shift++; return 0;
    case F_S_DOWN: ly->shift--; return 0;
    case F_M_UP: ly->mult++; return 0;
    case F_M_MAX: ly->mult = 0x7fffffffu; return 0;
    case F_N_UP:                                    /* with the previous layer's m */
        ly->n++;
        if (l > 0)
            m->layer[l - 1].m++;
        return 0;
    case F_M_OUT_UP:                                /* with the next layer's n */
        ly->m++;
        if (l + 1 < m->n_layers)
            m->layer[l + 1].n++;
        return 0;
    default:
        break;
    }
    at = f == F_ENTRY_FIRST ? 0 : f == F_ENTRY_LAST ? n - 1 : f == F_ENTRY_ZERO ? n / 2
                                                     : (size_t)(unit_rand64() % n);
    if (f == F_ENTRY_USED) {                        /* the row of the first output's q */
        ref_trace rt;

        if (ref_forward(&rt, &tc->ic.m, tc->ic.x, tc->ic.B) != 0)
            return -1;
        at = (size_t)ref_row(&rt, l, rt.q[l][0]);
        ref_free(&rt);
    }
    model_act_range(m, l, &lo, &hi);
    ly->act[at] = ly->act[at] < hi ? ly->act[at] + 1 : ly->act[at] - 1;
    return 0;
}

UNIT_TEST(infer_tamper_descriptor_fields)
{
    tamper_case tc;
    zk_model m;
    unsigned l;
    int f, rc;

    CHECK(tamper_setup(&tc, 3) == 0);
    if (tc.proof == NULL)
        goto out;
    for (l = 0; l < 2; l++)
        for (f = 0; f < F_COUNT; f++) {
            CHECK(public_copy(&m, &tc.ic.m) == 0);
            CHECK(apply_change(&m, &tc, l, (field_change)f) == 0);
            rc = verdict_model(&tc, &m);
            /* 0: rejected; -1: a statement the verifier refuses to consider (a shape the
             * W rows do not have, or a descriptor that breaks a rule) */
            CHECKF(rc == 0 || rc == -1, "layer %u, %s: %d", l + 1, field_names[f], rc);
            /* the same shapes and a valid descriptor: a proof-level rejection */
            if (f != F_N_UP && f != F_M_OUT_UP)
                CHECKF(rc == 0, "layer %u, %s: %d", l + 1, field_names[f], rc);
            model_free(&m);
        }
    /* a hidden width changed alone breaks the chain n_2 = m_1: not a statement */
    CHECK(public_copy(&m, &tc.ic.m) == 0);
    m.layer[0].m++;
    CHECK(verdict_model(&tc, &m) == -1);
    model_free(&m);
    /* xbits, and the number of layers (the first layer alone, its a as outputs) */
    CHECK(public_copy(&m, &tc.ic.m) == 0);
    m.xbits++;
    CHECK(verdict_model(&tc, &m) == 0);
    m.xbits -= 2;
    CHECK(verdict_model(&tc, &m) == 0);
    m.xbits++;
    CHECK(verdict_model(&tc, &m) == 1);             /* the copy itself is the statement */
    free(m.layer[1].act);
    m.layer[1].act = NULL;
    m.n_layers = 1;
    rc = verdict_model(&tc, &m);
    CHECKF(rc == 0 || rc == -1, "one layer: %d", rc);
    model_free(&m);
out:
    tamper_free(&tc);
}

/* A proof for one model checked against another model's descriptor and W rows. */
UNIT_TEST(infer_tamper_other_model)
{
    tamper_case tc;
    infer_case other;
    infer_statement st;

    CHECK(tamper_setup(&tc, 3) == 0);
    CHECK(icase_odd(&other, small_dims, 2, 3, 1) == 0);     /* identity activations */
    if (tc.proof != NULL && other.st.model != NULL) {
        st = tc.ic.st;
        st.model = &other.m;
        st.w_rows = &other.rows;
        CHECK(verdict(&tc, &st) == 0);
        st.w_rows = &tc.ic.rows;                    /* its descriptor, our rows */
        CHECK(verdict(&tc, &st) == 0);
        st = other.st;                              /* its whole statement */
        CHECK(verdict(&tc, &st) == 0);
    }
    icase_free(&other);
    tamper_free(&tc);
}

/* ---- the proof bytes ---- */

/*
 * Every byte flipped, one at a time: the lowest bit, and one more bit rotating with
 * the position (bit 1 + i mod 7), so every bit position is hit across the proof.
 * A one-layer model (2 -> 1, B = 1) keeps each verification short.
 */
UNIT_TEST(infer_tamper_every_byte_flipped)
{
    static const unsigned dims[] = {2, 1};
    infer_case ic;
    uint8_t *proof = NULL, fixed[32] = {32};
    size_t len = 0, i, tried = 0, accepted = 0, first_accepted = 0;
    char err[ZKML_ERR_LEN] = "";
    const char *why = NULL;

    CHECK(icase_odd(&ic, dims, 1, 1, 1) == 0);
    CHECK(infer_prove(&proof, &len, &ic.st, ic.seed,
                      &(infer_options){.fixed_rng = fixed}, err) == 0);
    for (i = 0; proof != NULL && i < len; i++) {
        unsigned bits[2] = {0, 1 + (unsigned)(i % 7)}, k;

        for (k = 0; k < 2; k++) {
            proof[i] ^= (uint8_t)(1u << bits[k]);
            tried++;
            if (infer_verify(&ic.st, proof, len, &why) != 0 && accepted++ == 0)
                first_accepted = i;
            proof[i] ^= (uint8_t)(1u << bits[k]);
        }
    }
    CHECK(tried == 2 * len && len > 1000);
    CHECKF(accepted == 0, "%zu of %zu flips accepted, the first at byte %zu", accepted, tried,
           first_accepted);
    CHECK(proof != NULL && infer_verify(&ic.st, proof, len, &why) == 1);
    free(proof);
    icase_free(&ic);
}

/* Truncated at every element boundary and inside every element; extended by a byte, a
 * zero element, a valid point, or a second copy of itself. */
UNIT_TEST(infer_tamper_truncated_and_extended)
{
    tamper_case tc;
    uint8_t *big;
    size_t cut, bad = 0;

    CHECK(tamper_setup(&tc, 3) == 0);
    if (tc.proof == NULL)
        goto out;
    CHECK(tc.len % 32 == 16);                       /* header, then 32-byte elements */
    for (cut = 0; cut < tc.len; cut += cut < 16 ? 1 : 16) {
        const char *why = NULL;

        if (infer_verify(&tc.ic.st, tc.proof, cut, &why) != 0)
            bad++;
    }
    CHECKF(bad == 0, "%zu truncated proofs not rejected", bad);
    big = malloc(2 * tc.len);
    CHECK(big != NULL);
    if (big != NULL) {
        const char *why = NULL;

        memcpy(big, tc.proof, tc.len);
        memcpy(big + tc.len, tc.proof, tc.len);
        CHECK(infer_verify(&tc.ic.st, big, tc.len + 1, &why) == 0);
        CHECK(infer_verify(&tc.ic.st, big, tc.len + 32, &why) == 0);    /* P1's first row */
        CHECK(infer_verify(&tc.ic.st, big, 2 * tc.len, &why) == 0);
        memset(big + tc.len, 0, 32);
        CHECK(infer_verify(&tc.ic.st, big, tc.len + 32, &why) == 0);
        CHECK(infer_verify(&tc.ic.st, big, tc.len, &why) == 1);
        free(big);
    }
out:
    tamper_free(&tc);
}

/* Receipts whose proof is cut or extended by one element, with the length field kept
 * consistent (test_receipt.c cuts the file itself): invalid.  And every prefix of the
 * file. */
UNIT_TEST(infer_tamper_receipt_proof_length)
{
    tamper_case tc;
    modelkey key;
    uint8_t *key_buf = NULL, *pub = NULL, *rct = NULL, *enc = NULL, *longer = NULL;
    size_t key_len = 0, pub_len = 0, rct_len = 0, enc_len = 0, cut, bad = 0;
    char err[ZKML_ERR_LEN] = "";
    receipt r, r2;

    memset(&key, 0, sizeof key);
    memset(&r, 0, sizeof r);
    CHECK(tamper_setup(&tc, 3) == 0);
    if (tc.proof == NULL)
        goto out;
    key.model = tc.ic.m;                            /* borrowed: not freed through key */
    memcpy(key.seed, tc.ic.seed, 32);
    CHECK(modelkey_encode(&key_buf, &key_len, &key, err) == 0);
    CHECK(key_buf != NULL && modelkey_public(&pub, &pub_len, key_buf, key_len, err) == 0);
    if (pub != NULL) {
        zkml_prove_options o = {tc.ic.context, 8, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0};
        zkml_model *m = NULL;

        CHECK(zkml_model_open(&m, key_buf, key_len, NULL, 0, err) == ZKML_OK &&
              zkml_prove_rows(&rct, &rct_len, m, tc.ic.x, 3, 3, &o, NULL, err) == ZKML_OK);
        zkml_model_close(m);
    }
    if (rct == NULL)
        goto out;
    CHECKF(receipt_verify(rct, rct_len, pub, pub_len, err) == 1, "%s", err);
    for (cut = 0; cut < rct_len; cut++)             /* the decoder refuses every prefix */
        bad += receipt_verify(rct, cut, pub, pub_len, err) != 0;
    CHECKF(bad == 0, "%zu prefixes not rejected", bad);
    CHECK(receipt_decode(&r, rct, rct_len, err) == 0);
    r2 = r;
    r2.storage = NULL;
    r2.proof_len = r.proof_len - 32;
    CHECK(receipt_encode(&enc, &enc_len, &r2, err) == 0);
    CHECK(enc != NULL && receipt_verify(enc, enc_len, pub, pub_len, err) == 0);
    free(enc);
    enc = NULL;
    longer = malloc(r.proof_len + 32);
    if (longer != NULL) {
        memcpy(longer, r.proof, r.proof_len);
        memcpy(longer + r.proof_len, r.proof + 16, 32);     /* a valid point */
        r2.proof = longer;
        r2.proof_len = r.proof_len + 32;
        CHECK(receipt_encode(&enc, &enc_len, &r2, err) == 0);
        CHECK(enc != NULL && receipt_verify(enc, enc_len, pub, pub_len, err) == 0);
        free(enc);
        free(longer);
    }
    receipt_free(&r);
out:
    free(rct);
    free(pub);
    if (key_buf != NULL)
        modelkey_bytes_free(key_buf, key_len);
    tamper_free(&tc);
}

/* ---- the transcripts (docs/protocol.md 11.1, 11.5) ---- */

UNIT_TEST(infer_tamper_transcripts_agree)
{
    tamper_case tc;
    event_log *pl = calloc(1, sizeof *pl), *vl = calloc(1, sizeof *vl);
    infer_test_hooks hk;
    uint8_t *proof = NULL;
    size_t len = 0, diff = 0;
    char err[ZKML_ERR_LEN] = "";
    const char *why = NULL;

    CHECK(pl != NULL && vl != NULL && tamper_setup(&tc, 3) == 0);
    if (pl == NULL || vl == NULL || tc.proof == NULL)
        goto out;
    memset(&hk, 0, sizeof hk);
    hk.trace = event_log_add;
    hk.trace_arg = pl;
    CHECK(infer_prove(&proof, &len, &tc.ic.st, tc.ic.seed,
                      &(infer_options){.hooks = &hk}, err) == 0);
    hk.trace_arg = vl;
    CHECK(infer_verify_hooked(&tc.ic.st, proof, len, &why, &hk) == 1);
    CHECK(!pl->overflow && !vl->overflow && pl->n > 50 && pl->n == vl->n);
    diff = event_log_diff(pl, vl);
    CHECKF(diff == 0, "%zu events differ between prover and verifier", diff);
    /* the order of section 7 and 11.5, read off the verifier's log */
    {
        size_t p1 = event_log_find_kind(vl, "P1/rows", TRANSCRIPT_EVENT_ABSORB, 0);
        size_t mask = event_log_find_kind(vl, "mask/C", TRANSCRIPT_EVENT_ABSORB, 0);
        size_t alpha = event_log_find_kind(vl, "lookup/alpha", TRANSCRIPT_EVENT_CHALLENGE, 0);
        size_t gamma = event_log_find_kind(vl, "lookup/gamma", TRANSCRIPT_EVENT_CHALLENGE, 0);
        size_t p2 = event_log_find_kind(vl, "P2/rows", TRANSCRIPT_EVENT_ABSORB, 0);
        size_t tau = event_log_find_kind(vl, "mm/tau", TRANSCRIPT_EVENT_CHALLENGE, 0);
        size_t tau_lk = event_log_find_kind(vl, "lk/tau", TRANSCRIPT_EVENT_CHALLENGE, 0);
        size_t pre = event_log_find_kind(vl, "S1/pre-claims", TRANSCRIPT_EVENT_ABSORB, 0);
        size_t finals = event_log_find_kind(vl, "S1/finals", TRANSCRIPT_EVENT_ABSORB, 1);
        size_t theta = event_log_find_kind(vl, "S2/theta", TRANSCRIPT_EVENT_CHALLENGE, 0);
        size_t s2f = event_log_find_kind(vl, "S2/finals", TRANSCRIPT_EVENT_ABSORB, 0);
        size_t mu = event_log_find_kind(vl, "pcs/mu", TRANSCRIPT_EVENT_CHALLENGE, 0);

        CHECK(p1 == 0 && mask == 1 && alpha == 2 && gamma == 3 && p2 == 4);
        CHECK(tau == 5 && tau_lk > tau && tau_lk < pre && pre < finals);
        CHECK(finals < theta && theta < s2f && s2f < mu && mu < vl->n);
        CHECK(event_log_find_kind(vl, "S2/theta", TRANSCRIPT_EVENT_CHALLENGE, 1) < s2f);
    }
    free(proof);
out:
    free(pl);
    free(vl);
    tamper_free(&tc);
}
