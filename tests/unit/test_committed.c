/*
 * test_committed.c: committed-input proofs (docs/protocol.md 7.19-7.20): round trips at 1,
 * 3, 16 and 1,024 rows, the header and transcript of the mode, every byte of a small
 * committed proof flipped, the wrong descriptor, the malicious provers of section 12
 * (an input out of range caught by the WR lookup or by R_in, a commitment other than
 * the one the proof used caught by the X opening), and the hiding scan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "infer_case.h"
#include "infer_phases.h"
#include "infer_testing.h"
#include "infer_witness.h"
#include "transcript.h"
#include "le.h"
#include "model.h"
#include "rowcommit.h"
#include "unit.h"
#include "weights.h"
#include "zkml.h"

/* Input widths of the test networks: 8-bit, 5-bit, 16-bit (two limbs) and 3-bit. */
static const unsigned cm_bits[4] = {8, 5, 16, 3};

/* A committed-mode statement: the prover's (inputs) and the verifier's (none). */
typedef struct {
    zk_model m;
    weights_layout wl;
    hyrax_commitment rows;
    uint8_t seed[32];
    int32_t *x, *y;
    size_t B;
    uint8_t context[8];
    uint8_t nonce[32];
    ge_t *C;
    infer_statement st;         /* the prover's */
    infer_statement vst;        /* the verifier's */
} cm_case;

/* Feature j's width in the committed test networks (8, 5, 16, 3, 8, ..). */
static unsigned
cm_input_bits(unsigned j)
{
    return cm_bits[j % 4];
}

static void
cm_free(cm_case *vc)
{
    free(vc->x);
    free(vc->y);
    free(vc->C);
    hyrax_commitment_free(&vc->rows);
    model_free(&vc->m);
    memset(vc, 0, sizeof *vc);
}

/* The nonce and row commitments of vc's rows (docs/protocol.md 7.19.2-7.19.4). */
static int
cm_commit(cm_case *vc)
{
    fq_t *rho = calloc(vc->B, sizeof(fq_t));
    size_t n = vc->m.layer[0].n;
    int rc;

    free(vc->C);
    vc->C = calloc(vc->B, sizeof(ge_t));
    rc = rho == NULL || vc->C == NULL ||
         rowcommit_nonce(vc->nonce, vc->seed, vc->context, sizeof vc->context, NULL) != 0 ||
         rowcommit_blinds(rho, 0, vc->B, vc->seed, vc->nonce) != 0 ||
         rowcommit_rows(vc->C, vc->x, vc->B, n, rho) != 0 ? -1 : 0;
    free(rho);
    vc->st = (infer_statement){&vc->m, &vc->rows, vc->B, vc->x, vc->y, vc->context,
                               sizeof vc->context, NULL, 1, vc->nonce, vc->C};
    vc->vst = vc->st;
    vc->vst.inputs = NULL;
    return rc;
}

/*
 * Inputs drawn within each feature's width; rows whose forward pass leaves a range are
 * drawn again (small values).  dead >= 1: unit 0 of layer dead (1-based) feeds nothing,
 * the next layer's weights on it being 0, so that a forged activation there changes
 * nothing downstream.  0 or -1.
 */
static int
cm_setup_dead(cm_case *vc, const unsigned *dims, const char *kinds, unsigned L, size_t B,
              unsigned dead)
{
    char err[ZKML_ERR_LEN] = "", *doc = icase_v2_doc(dims, kinds, L, cm_input_bits);
    size_t b, j, n = dims[0], m = dims[L], tries;
    model_trace tr;
    int rc;

    memset(vc, 0, sizeof *vc);
    rc = model_from_json(&vc->m, doc, strlen(doc), err);
    free(doc);
    if (rc != MODEL_OK) {
        fprintf(stderr, "    v2 model: %s\n", err);
        return -1;
    }
    for (j = 0; dead >= 1 && dead < L && j < dims[dead + 1]; j++)
        vc->m.weights[dead].w64[j * dims[dead]] = 0;
    vc->B = B;
    vc->x = calloc(B * n, sizeof(int32_t));
    vc->y = calloc(B * m, sizeof(int32_t));
    for (b = 0; b < B; b++) {
        for (tries = 0; tries < 200; tries++) {
            for (j = 0; j < n; j++) {
                int32_t half = (int32_t)1 << (model_input_bits(&vc->m, (uint32_t)j) - 1);
                int32_t lim = tries < 100 ? half : 4;

                vc->x[b * n + j] = (int32_t)(unit_rand64() % (2u * (uint32_t)lim)) - lim;
            }
            if (model_forward(&tr, &vc->m, vc->x + b * n, 1, 0, err) == MODEL_OK) {
                memcpy(vc->y + b * m, tr.out, m * sizeof(int32_t));
                model_trace_free(&tr);
                break;
            }
        }
        if (tries == 200)
            return -1;
    }
    unit_rand_bytes(vc->seed, 32);
    unit_rand_bytes(vc->context, sizeof vc->context);
    if (weights_layout_build(&vc->wl, &vc->m) != 0 ||
        weights_commit(&vc->rows, &vc->wl, &vc->m, vc->seed) != 0)
        return -1;
    return cm_commit(vc);
}

static uint8_t *
cm_prove(cm_case *vc, size_t *len, const infer_test_hooks *hooks)
{
    uint8_t *proof = NULL, fixed[32] = {9};
    char err[ZKML_ERR_LEN] = "";

    if (infer_prove(&proof, len, &vc->st, vc->seed,
                    &(infer_options){.fixed_rng = fixed, .hooks = hooks}, err) != 0) {
        fprintf(stderr, "    prove: %s\n", err);
        return NULL;
    }
    return proof;
}

UNIT_TEST(committed_round_trips)
{
    static const struct {
        const char *kinds;
        unsigned L;
        unsigned dims[4];
    } shapes[] = {
        {"rci", 3, {5, 6, 4, 3}},
        {"rs", 2, {4, 3, 1, 0}},
        {"s", 1, {1, 1, 0, 0}},         /* one feature: ν_1 = 0 */
        {"ri", 2, {3, 4, 2, 0}},        /* no 16-bit feature: K_x = 1 */
    };
    static const size_t batches[] = {1, 3, 16};
    size_t s, k;

    for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (k = 0; k < sizeof batches / sizeof batches[0]; k++) {
            cm_case vc;
            uint8_t *proof;
            size_t len = 0;
            const char *why = NULL;
            int rc;

            if (cm_setup_dead(&vc, shapes[s].dims, shapes[s].kinds, shapes[s].L, batches[k],
                              0) != 0) {
                CHECKF(0, "%s: setup", shapes[s].kinds);
                cm_free(&vc);
                continue;
            }
            proof = cm_prove(&vc, &len, NULL);
            CHECKF(proof != NULL, "%s B = %zu: prove", shapes[s].kinds, batches[k]);
            if (proof == NULL) {
                cm_free(&vc);
                continue;
            }
            CHECK(proof[8] == 2 && proof[9] == 1);
            rc = infer_verify(&vc.vst, proof, len, &why);
            CHECKF(rc == 1, "%s B = %zu: %s", shapes[s].kinds, batches[k], why ? why : "");
            free(proof);
            cm_free(&vc);
        }
}

UNIT_TEST(committed_round_trip_1024_rows)
{
    static const unsigned dims[3] = {20, 8, 1};
    cm_case vc;
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;

    CHECK(cm_setup_dead(&vc, dims, "rs", 2, 1024, 0) == 0);
    proof = cm_prove(&vc, &len, NULL);
    CHECK(proof != NULL);
    CHECKF(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 1, "%s", why ? why : "");
    /* row 1000's commitment replaced by row 3's: rejected */
    if (proof != NULL) {
        ge_t keep = vc.C[1000];

        vc.C[1000] = vc.C[3];
        CHECK(infer_verify(&vc.vst, proof, len, &why) == 0);
        vc.C[1000] = keep;
    }
    free(proof);
    cm_free(&vc);
}

UNIT_TEST(committed_every_byte_flip_rejected)
{
    static const unsigned dims[2] = {2, 1};
    cm_case vc;
    uint8_t *proof;
    size_t len = 0, i, accepted = 0;
    const char *why;

    CHECK(cm_setup_dead(&vc, dims, "c", 1, 1, 0) == 0);
    proof = cm_prove(&vc, &len, NULL);
    CHECK(proof != NULL);
    for (i = 0; proof != NULL && i < len; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));

        proof[i] ^= bit;
        if (infer_verify(&vc.vst, proof, len, &why) != 0)
            accepted++;
        proof[i] ^= bit;
    }
    CHECKF(accepted == 0, "%zu of %zu flips accepted", accepted, len);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 1);
    /* the same proof as a public-mode statement of the same rows: rejected */
    if (proof != NULL) {
        infer_statement pub = vc.st;

        pub.committed = 0;
        CHECK(infer_verify(&pub, proof, len, &why) == 0);
    }
    free(proof);
    cm_free(&vc);
}

/* ---- malicious provers (docs/protocol.md 11.4) ---- */

/* Feature f feeds nothing: its first-layer weights are zero, the weights recommitted,
 * the outputs recomputed. */
static int
cm_zero_feature(cm_case *vc, size_t f)
{
    char err[ZKML_ERR_LEN] = "";
    size_t i, n = vc->m.layer[0].n, mL = vc->m.layer[vc->m.n_layers - 1].m;
    model_trace tr;

    for (i = 0; i < vc->m.layer[0].m; i++)
        vc->m.weights[0].w64[i * n + f] = 0;
    if (model_forward(&tr, &vc->m, vc->x, vc->B, 0, err) != MODEL_OK)
        return -1;
    memcpy(vc->y, tr.out, vc->B * mL * sizeof(int32_t));
    model_trace_free(&tr);
    hyrax_commitment_free(&vc->rows);
    if (weights_commit(&vc->rows, &vc->wl, &vc->m, vc->seed) != 0)
        return -1;
    return cm_commit(vc);
}

/* The committed rows xr: vc's with feature f of row 0 at `value`, outside its width;
 * the prover's forward pass runs on `inside` (the same outputs: f feeds nothing). */
static int
cm_out_of_range_at(cm_case *vc, int32_t **xr, size_t f, int32_t inside, int32_t value)
{
    size_t n = vc->m.layer[0].n;
    int32_t *keep = vc->x;

    vc->x[f] = inside;
    if (cm_zero_feature(vc, f) != 0 || (*xr = malloc(vc->B * n * sizeof(int32_t))) == NULL)
        return -1;
    memcpy(*xr, vc->x, vc->B * n * sizeof(int32_t));
    (*xr)[f] = value;
    vc->x = *xr;                                    /* commitments of xr */
    if (cm_commit(vc) != 0)
        return -1;
    vc->x = keep;
    vc->st.inputs = keep;
    return 0;
}

/* Feature 0 (8 bits) of row 0 at 128, one above the largest value. */
static int
cm_out_of_range(cm_case *vc, int32_t **xr)
{
    return cm_out_of_range_at(vc, xr, 0, 127, 128);
}

/* WR: the limb of (row 0, feature 0) is 256, out of its width 8, so that R_in holds. */
static void
tamper_limb(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    (void)len;
    (void)m;
    (void)arg;
    p1[lay->p1[lay->col_vin].offset + 0] = 256;
}

UNIT_TEST(committed_forge_input_out_of_range)
{
    static const unsigned dims[3] = {4, 3, 2};
    cm_case vc;
    int32_t *xr = NULL;
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;
    infer_test_hooks h;

    CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
    CHECK(cm_out_of_range(&vc, &xr) == 0);
    /* limbs in range that do not add up: R_in */
    memset(&h, 0, sizeof h);
    h.committed_rows = xr;
    proof = cm_prove(&vc, &len, &h);
    CHECK(proof != NULL);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0);
    free(proof);
    h.skip = INFER_CHECK_INPUT_RELATION;
    proof = cm_prove(&vc, &len, &h);
    CHECKF(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1,
           "R_in off: %s", why ? why : "");
    free(proof);
    /* a limb out of its width that adds up: the WR lookup */
    memset(&h, 0, sizeof h);
    h.committed_rows = xr;
    h.tamper_p1 = tamper_limb;
    proof = cm_prove(&vc, &len, &h);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0);
    free(proof);
    h.skip = INFER_CHECK_GKR_RELATION;              /* the lookup tree's root, G_0 */
    h.skip_index = 0;                               /* (docs/protocol.md 7.18.6) */
    proof = cm_prove(&vc, &len, &h);
    CHECKF(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1,
           "G_0 off: %s", why ? why : "");
    free(proof);
    free(xr);
    cm_free(&vc);
}

UNIT_TEST(committed_forge_other_commitment)
{
    static const unsigned dims[3] = {4, 3, 2};
    cm_case vc;
    uint8_t *proof;
    size_t len = 0, n;
    const char *why = NULL;
    infer_test_hooks h;
    int32_t *other;

    CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
    n = vc.m.layer[0].n;
    /* the receipt's commitments hold rows with feature 1 of row 2 changed; the proof
     * is run on the rows themselves */
    other = malloc(vc.B * n * sizeof(int32_t));
    memcpy(other, vc.x, vc.B * n * sizeof(int32_t));
    other[2 * n + 1] = other[2 * n + 1] == 0 ? 1 : 0;
    {
        int32_t *keep = vc.x;

        vc.x = other;
        CHECK(cm_commit(&vc) == 0);
        vc.x = keep;
        vc.st.inputs = keep;
    }
    memset(&h, 0, sizeof h);
    proof = cm_prove(&vc, &len, &h);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0);
    h.skip = INFER_CHECK_OPENING_X;
    CHECKF(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1,
           "X opening off: %s", why ? why : "");
    free(proof);
    free(other);
    cm_free(&vc);
}

/* R_in for a 16-bit feature (two limbs, K_x = 2) one above its largest value, and for a
 * 5-bit feature one below its smallest: rejected, accepted with R_in off. */
UNIT_TEST(committed_forge_input_out_of_range_wide_and_below)
{
    static const unsigned dims[3] = {4, 3, 2};
    static const struct {
        size_t feature;
        int32_t inside, value;
    } cases[] = {{2, 32767, 32768}, {1, -16, -17}};
    size_t k;

    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cm_case vc;
        int32_t *xr = NULL;
        uint8_t *proof;
        size_t len = 0;
        const char *why = NULL;
        infer_test_hooks h;

        CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
        CHECK(cm_out_of_range_at(&vc, &xr, cases[k].feature, cases[k].inside,
                                 cases[k].value) == 0);
        memset(&h, 0, sizeof h);
        h.committed_rows = xr;
        proof = cm_prove(&vc, &len, &h);
        CHECKF(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0, "feature %zu",
               cases[k].feature);
        free(proof);
        h.skip = INFER_CHECK_INPUT_RELATION;
        proof = cm_prove(&vc, &len, &h);
        CHECKF(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1,
               "feature %zu, R_in off: %s", cases[k].feature, why ? why : "");
        free(proof);
        free(xr);
        cm_free(&vc);
    }
}

/* The limbs of (row 0, feature j) set to limb[0..K_x) (tamper_p1). */
typedef struct {
    size_t feature;
    int64_t limb[2];
} limb_edit;

static void
tamper_limbs(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    const limb_edit *e = arg;
    size_t cols = (size_t)1 << lay->beta;
    unsigned k;

    (void)len;
    (void)m;
    for (k = 0; k < lay->n_xlimbs; k++)
        p1[lay->p1[lay->col_vin + k].offset + cols * e->feature] = e->limb[k];
}

/*
 * A forgery whose limbs add up (R_in holds) only through a limb out of its width:
 * rejected; still rejected with R_in off (the WR lookup catches it, not R_in); accepted
 * with the lookup tree's root G_0 off (docs/protocol.md 7.18.6), through which WR is
 * checked.  vc's receipt commits to the forged rows; h has the prover's X.
 */
static void
cm_check_wr_forgery(cm_case *vc, infer_test_hooks *h, limb_edit *e, const char *what)
{
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;

    h->tamper_p1 = tamper_limbs;
    h->arg = e;
    h->skip = INFER_CHECK_NONE;
    proof = cm_prove(vc, &len, h);
    CHECKF(proof != NULL && infer_verify(&vc->vst, proof, len, &why) == 0, "%s", what);
    free(proof);
    h->skip = INFER_CHECK_INPUT_RELATION;
    proof = cm_prove(vc, &len, h);
    CHECKF(proof != NULL && infer_verify_hooked(&vc->vst, proof, len, &why, h) == 0,
           "%s, R_in off: accepted", what);
    free(proof);
    h->skip = INFER_CHECK_GKR_RELATION;
    h->skip_index = 0;
    proof = cm_prove(vc, &len, h);
    CHECKF(proof != NULL && infer_verify_hooked(&vc->vst, proof, len, &why, h) == 1,
           "%s, G_0 off: %s", what, why ? why : "");
    free(proof);
    h->skip_index = 0;
}

/* The WR forgery at K_x = 2 (a 16-bit feature at 2^15: limbs 0 and 256, the second out
 * of its 8 bits) and below the smallest value (a 5-bit feature at -17: limb -1). */
UNIT_TEST(committed_forge_wr_wide_and_below)
{
    static const unsigned dims[3] = {4, 3, 2};
    static const struct {
        size_t feature;
        int32_t inside, value;
        int64_t limb[2];
    } cases[] = {{2, 32767, 32768, {0, 256}}, {1, -16, -17, {-1, 0}}};
    size_t k;

    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cm_case vc;
        int32_t *xr = NULL;
        infer_test_hooks h;
        limb_edit e = {cases[k].feature, {cases[k].limb[0], cases[k].limb[1]}};
        char what[64];

        CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
        CHECK(cm_out_of_range_at(&vc, &xr, cases[k].feature, cases[k].inside,
                                 cases[k].value) == 0);
        memset(&h, 0, sizeof h);
        h.committed_rows = xr;
        snprintf(what, sizeof what, "feature %zu at %d", cases[k].feature,
                 (int)cases[k].value);
        cm_check_wr_forgery(&vc, &h, &e, what);
        free(xr);
        cm_free(&vc);
    }
}

/*
 * A non-zero value in a padded feature position (n_1 = 3: feature 3 of row 0 is 5 in
 * the prover's X and in the receipt's C_0, which the X opening then accepts; the padded
 * weights are zero, so no output changes): with the limb 0 that an honest witness has
 * there, rejected by R_in (accepted with R_in off); with the limb 5, rejected by the WR
 * lookup (a width-0 limb must be 0).
 */
UNIT_TEST(committed_forge_padded_feature)
{
    static const unsigned dims[3] = {3, 3, 2};
    cm_case vc;
    infer_test_hooks h;
    limb_edit e = {3, {5, 0}};
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;
    int32_t row0[4];
    fq_t rho;

    CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
    CHECK(vc.m.layer[0].n == 3);
    memset(&h, 0, sizeof h);
    h.committed_pad = 5;
    /* the honest C_0: the X opening rejects the padded value */
    proof = cm_prove(&vc, &len, &h);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0);
    free(proof);
    /* C_0 committing to (x_0, 5), as the forger's receipt would */
    memcpy(row0, vc.x, 3 * sizeof(int32_t));
    row0[3] = 5;
    CHECK(rowcommit_blinds(&rho, 0, 1, vc.seed, vc.nonce) == 0 &&
          rowcommit_row(&vc.C[0], row0, 4, &rho) == 0);
    proof = cm_prove(&vc, &len, &h);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0);
    free(proof);
    h.skip = INFER_CHECK_INPUT_RELATION;
    proof = cm_prove(&vc, &len, &h);
    CHECKF(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1,
           "padded feature, R_in off: %s", why ? why : "");
    free(proof);
    h.skip = INFER_CHECK_NONE;
    cm_check_wr_forgery(&vc, &h, &e, "padded feature, limb 5");
    cm_free(&vc);
}

/*
 * A committed proof's transcripts agree event for event (three openings: P1, W, X), and
 * the comparison can tell: a verifier that leaves R_in out (one "lin/omega" fewer)
 * diverges from the prover's and rejects.
 */
UNIT_TEST(committed_transcripts_agree)
{
    static const unsigned dims[3] = {3, 3, 2};
    event_log *pl = calloc(1, sizeof *pl), *vl = calloc(1, sizeof *vl);
    infer_test_hooks h;
    cm_case vc;
    uint8_t *proof = NULL;
    size_t len = 0;
    const char *why = NULL;

    CHECK(pl != NULL && vl != NULL && cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
    if (pl == NULL || vl == NULL)
        goto out;
    memset(&h, 0, sizeof h);
    h.trace = event_log_add;
    h.trace_arg = pl;
    proof = cm_prove(&vc, &len, &h);
    h.trace_arg = vl;
    CHECK(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1);
    CHECK(!pl->overflow && !vl->overflow && pl->n > 50);
    CHECKF(event_log_diff(pl, vl) == 0, "%zu events differ", event_log_diff(pl, vl));
    CHECK(pl->n > 0 && strcmp(pl->e[0].label, "P1/rows") == 0);
    CHECK(event_log_count(vl, "pcs/begin") == 3);
    /* the verifier without R_in: another transcript, and no verdict of acceptance */
    memset(vl, 0, sizeof *vl);
    h.skip = INFER_CHECK_INPUT_RELATION;
    CHECK(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 0);
    CHECK(event_log_diff(pl, vl) != 0 &&
          event_log_count(vl, "lin/omega") + 1 == event_log_count(pl, "lin/omega"));
    free(proof);
out:
    free(pl);
    free(vl);
    cm_free(&vc);
}

/* Layer 1's product proof (committed mode proves x_1·w_1 = p_1 for the input layer too,
 * docs/protocol.md 7.20.4 step 8): made with a false x_1, rejected; accepted with that
 * product proof (the first, index 0) off. */
UNIT_TEST(committed_forge_layer1_product)
{
    static const unsigned dims[3] = {4, 3, 2};
    cm_case vc;
    infer_test_hooks h;
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;

    CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
    memset(&h, 0, sizeof h);
    h.wrong_product = 1;
    proof = cm_prove(&vc, &len, &h);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 0);
    h.skip = INFER_CHECK_PRODUCT;
    h.skip_index = 0;
    CHECKF(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 1,
           "layer 1's product off: %s", why ? why : "");
    h.skip_index = 1;                               /* another product off: still caught */
    CHECK(proof != NULL && infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 0);
    free(proof);
    cm_free(&vc);
}

/*
 * The wrong descriptor with the digest bypassed (docs/protocol.md 11.4): the verifier's
 * statement has the same W rows and one descriptor field changed (layer 1's shift,
 * feature 1's width): rejected, and the unchanged statement still accepts.  The mode
 * byte: a public-mode proof with byte 9 set to 1, and a committed one with it 0, are
 * rejected at the header, before any transcript work (16 bytes read).
 */
UNIT_TEST(committed_wrong_descriptor_and_mode_byte)
{
    static const unsigned dims[3] = {4, 3, 2};
    cm_case vc;
    infer_test_hooks h;
    infer_test_report rep;
    infer_statement pub;
    uint8_t *proof, *pproof = NULL, fixed[32] = {9};
    size_t len = 0, plen = 0;
    const char *why = NULL;
    char err[ZKML_ERR_LEN] = "";
    uint32_t keep;

    CHECK(cm_setup_dead(&vc, dims, "rr", 2, 3, 0) == 0);
    proof = cm_prove(&vc, &len, NULL);
    CHECK(proof != NULL && infer_verify(&vc.vst, proof, len, &why) == 1);
    if (proof == NULL)
        goto out;
    keep = vc.m.layer[0].shift;
    vc.m.layer[0].shift = keep + 1;
    CHECK(infer_verify(&vc.vst, proof, len, &why) == 0);
    vc.m.layer[0].shift = keep;
    CHECK(vc.m.inputs != NULL && vc.m.inputs[1].bits == 5);
    if (vc.m.inputs != NULL) {
        vc.m.inputs[1].bits = 6;
        CHECK(infer_verify(&vc.vst, proof, len, &why) == 0);
        vc.m.inputs[1].bits = 5;
    }
    CHECK(infer_verify(&vc.vst, proof, len, &why) == 1);
    /* the mode byte */
    memset(&h, 0, sizeof h);
    memset(&rep, 0, sizeof rep);
    h.report = &rep;
    proof[9] = 0;
    CHECK(infer_verify_hooked(&vc.vst, proof, len, &why, &h) == 0 && rep.bytes_read <= 16);
    proof[9] = 1;
    pub = vc.st;
    pub.committed = 0;
    pub.nonce = NULL;
    pub.row_commitments = NULL;
    CHECK(infer_prove(&pproof, &plen, &pub, vc.seed, &(infer_options){.fixed_rng = fixed},
                      err) == 0);
    CHECK(pproof != NULL && pproof[9] == 0 && infer_verify(&pub, pproof, plen, &why) == 1);
    if (pproof != NULL) {
        memset(&rep, 0, sizeof rep);
        rep.bytes_read = SIZE_MAX;
        pproof[9] = 1;
        CHECK(infer_verify_hooked(&pub, pproof, plen, &why, &h) == 0 && rep.bytes_read <= 16);
    }
    free(pproof);
out:
    free(proof);
    cm_free(&vc);
}

/* The blinds of 2.2 against an independent computation (tests/kat/make_input_blinds.py:
 * σ = 00 .. 1f, nonce = 80 .. 9f), and a row's blind depends on its index and nonce. */
UNIT_TEST(committed_blinds_known_answer)
{
    static const struct {
        size_t row;
        const char *hex;
    } kat[] = {
        {0, "c239f2feda6dcda94857305c6ba0f5cbe76d29d93c23d0dfb97213bd29aeee22"},
        {1, "b10762967c33bae5c35af649632b0c9086eb18e57f9e11e19f6e3de78b206107"},
        {1000, "88a248d294ef1e83a911c2b123660f8b3fa28b979ceecc2b39e6a974cb27fd14"},
    };
    uint8_t seed[32], nonce[32], got[32];
    char hex[65];
    fq_t rho, two[2];
    size_t k, i;

    for (i = 0; i < 32; i++) {
        seed[i] = (uint8_t)i;
        nonce[i] = (uint8_t)(0x80 + i);
    }
    for (k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        CHECK(rowcommit_blinds(&rho, kat[k].row, 1, seed, nonce) == 0);
        fq_to_bytes(got, &rho);
        for (i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", got[i]);
        CHECKF(strcmp(hex, kat[k].hex) == 0, "row %zu: %s", kat[k].row, hex);
    }
    /* rows 0 and 1 in one call are the two single answers */
    CHECK(rowcommit_blinds(two, 0, 2, seed, nonce) == 0);
    fq_to_bytes(got, &two[1]);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", got[i]);
    CHECK(strcmp(hex, kat[1].hex) == 0);
    /* another nonce, another blind */
    nonce[0] ^= 1;
    CHECK(rowcommit_blinds(&rho, 0, 1, seed, nonce) == 0);
    fq_to_bytes(got, &rho);
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", got[i]);
    CHECK(strcmp(hex, kat[0].hex) != 0);
}
