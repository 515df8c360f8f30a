/*
 * test_infer_v2.c: the inference proof of version 2 models (docs/protocol.md 6.5, 7.17):
 * round trips over the activation kinds (relu, clamp, identity, tables) in hidden and
 * output layers and batch sizes, the version byte and transcript, every byte of a small
 * proof flipped, and the malicious provers of section 9: each new relation (the
 * piecewise zero-checks, the decompositions R5, their range lookups and product proofs)
 * is shown to reject a forged witness, and to accept it with that one check switched off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_log.h"
#include "infer_case.h"
#include "infer_phases.h"
#include "infer_witness.h"
#include "infer_testing.h"
#include "le.h"
#include "model.h"
#include "unit.h"
#include "weights.h"
#include "zkml.h"

/* A version 2 statement with everything needed to prove it. */
typedef struct {
    zk_model m;
    weights_layout wl;
    hyrax_commitment rows;
    uint8_t seed[32];
    int32_t *x, *y;
    size_t B;
    uint8_t context[8];
    infer_statement st;
} v2_case;

/* Feature j's width in the test networks: 5, 9, 13, .. bits. */
static unsigned
v2_input_bits(unsigned j)
{
    return 5 + 4 * (j % 3);
}

static void
v2_free(v2_case *vc)
{
    free(vc->x);
    free(vc->y);
    hyrax_commitment_free(&vc->rows);
    model_free(&vc->m);
    memset(vc, 0, sizeof *vc);
}

/*
 * Inputs drawn within each feature's width; rows whose forward pass leaves a range are
 * drawn again (small values).  dead >= 1: unit 0 of layer dead (1-based) feeds nothing,
 * the next layer's weights on it being 0, so that a forged activation there changes
 * nothing downstream.  0 or -1.
 */
static int
v2_setup_dead(v2_case *vc, const unsigned *dims, const char *kinds, unsigned L, size_t B,
              unsigned dead)
{
    char err[ZKML_ERR_LEN] = "", *doc = icase_v2_doc(dims, kinds, L, v2_input_bits);
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
    vc->st = (infer_statement){&vc->m, &vc->rows, B, vc->x, vc->y, vc->context,
                               sizeof vc->context, NULL, 0, NULL, NULL};
    return 0;
}

static int
v2_setup(v2_case *vc, const unsigned *dims, const char *kinds, unsigned L, size_t B)
{
    return v2_setup_dead(vc, dims, kinds, L, B, 0);
}

static uint8_t *
v2_prove(v2_case *vc, size_t *len, const infer_test_hooks *hooks)
{
    uint8_t *proof = NULL, fixed[32] = {7};
    char err[ZKML_ERR_LEN] = "";

    if (infer_prove(&proof, len, &vc->st, vc->seed,
                    &(infer_options){.fixed_rng = fixed, .hooks = hooks}, err) != 0) {
        fprintf(stderr, "    prove: %s\n", err);
        return NULL;
    }
    return proof;
}

static const unsigned DIMS_A[4] = {5, 6, 4, 3};

UNIT_TEST(infer_v2_round_trips)
{
    static const struct {
        const char *kinds;
        unsigned L;
        unsigned dims[4];
    } shapes[] = {
        {"rci", 3, {5, 6, 4, 3}},       /* q_L public (identity output) */
        {"rcs", 3, {5, 6, 4, 1}},       /* a table at the output */
        {"s", 1, {7, 1, 0, 0}},         /* a logistic regression */
        {"ir", 2, {3, 4, 2, 0}},        /* identity hidden (no a column), relu output */
        {"rc", 2, {4, 3, 2, 0}},        /* clamp output: a_L public in PW lo */
        {"sr", 2, {3, 2, 3, 0}},        /* a table in a hidden layer */
    };
    static const size_t batches[] = {1, 3, 4};
    size_t s, k;

    for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (k = 0; k < sizeof batches / sizeof batches[0]; k++) {
            v2_case vc;
            uint8_t *proof;
            size_t len = 0, last;
            const char *why = NULL;
            int rc;

            if (v2_setup(&vc, shapes[s].dims, shapes[s].kinds, shapes[s].L, batches[k]) != 0) {
                CHECKF(0, "%s: setup", shapes[s].kinds);
                v2_free(&vc);
                continue;
            }
            proof = v2_prove(&vc, &len, NULL);
            CHECKF(proof != NULL, "%s B = %zu: prove", shapes[s].kinds, batches[k]);
            if (proof == NULL) {
                v2_free(&vc);
                continue;
            }
            CHECK(proof[8] == 2);                       /* the header's version byte */
            rc = infer_verify(&vc.st, proof, len, &why);
            CHECKF(rc == 1, "%s B = %zu: %s", shapes[s].kinds, batches[k], why ? why : "");
            last = (vc.B - 1) * shapes[s].dims[shapes[s].L];
            vc.y[last] ^= 1;
            CHECK(infer_verify(&vc.st, proof, len, &why) == 0);
            vc.y[last] ^= 1;
            CHECK(infer_verify(&vc.st, proof, len - 1, &why) == 0);
            proof[8] = 1;                               /* a version 2 proof as version 1 */
            CHECK(infer_verify(&vc.st, proof, len, &why) == 0 &&
                  strstr(why, "version") != NULL);
            proof[8] = 2;
            CHECK(infer_verify(&vc.st, proof, len, &why) == 1);
            free(proof);
            v2_free(&vc);
        }
}

UNIT_TEST(infer_v2_every_byte_flip_rejected)
{
    static const unsigned dims[2] = {2, 1};
    v2_case vc;
    uint8_t *proof;
    size_t len = 0, i, accepted = 0;
    const char *why;

    /* one clamp layer: both zero-checks, three decompositions, their lookups */
    CHECK(v2_setup(&vc, dims, "c", 1, 1) == 0);
    proof = v2_prove(&vc, &len, NULL);
    CHECK(proof != NULL);
    for (i = 0; proof != NULL && i < len; i++) {
        uint8_t bit = (uint8_t)(1u << (i % 8));

        proof[i] ^= bit;
        if (infer_verify(&vc.st, proof, len, &why) != 0)
            accepted++;
        proof[i] ^= bit;
    }
    CHECKF(accepted == 0, "%zu of %zu flips accepted", accepted, len);
    CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 1);
    free(proof);
    v2_free(&vc);
}

UNIT_TEST(infer_v2_statement_domain)
{
    v2_case vc;
    uint8_t *proof;
    size_t len = 0;
    const char *why;
    infer_test_hooks hk;

    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 2) == 0);
    proof = v2_prove(&vc, &len, NULL);
    CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 1);
    /* feature 0 is 5 bits wide, feature 2 13 bits: 16 is outside the first only */
    vc.x[0] = 16;
    CHECK(infer_verify(&vc.st, proof, len, &why) == 0 &&
          strstr(why, "outside the model's input width") != NULL);
    vc.x[0] = 0;
    vc.x[2] = 16;
    CHECK(infer_verify(&vc.st, proof, len, &why) == 0 && strstr(why, "input width") == NULL);
    /* an output beyond Q_L (identity output, Q = 12): refused before any transcript work,
     * and with that check off it is the proof that fails */
    vc.y[0] = 1 << 11;
    CHECK(infer_verify(&vc.st, proof, len, &why) == 0 &&
          strstr(why, "output range") != NULL);
    memset(&hk, 0, sizeof hk);
    hk.skip = INFER_CHECK_INPUT_DOMAIN;
    CHECK(infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 0 &&
          strstr(why, "output range") == NULL);
    free(proof);
    v2_free(&vc);
}

/* ---- the malicious prover (docs/protocol.md 11.1) ----
 *
 * The hooked prover builds the honest witness and hands it to tamper_p1; the edits
 * below change a column of P1 and recount the multiplicities of the range tables from
 * the edited columns (entries outside a table are left out), so that every lookup of
 * an in-range value still balances and only the relation under test can fail.  The
 * statement's outputs follow the edit where the edited value is public.
 */

typedef struct {
    unsigned layer;
    size_t entry;                   /* b + 2^β·i */
    void (*edit)(int64_t *p1, const infer_layout *lay, unsigned l, size_t e);
} v2_forgery;

static int64_t *
col(int64_t *p1, const infer_layout *lay, unsigned c)
{
    return p1 + lay->p1[c].offset;
}

/* Multiplicities of every range table recounted from the lookups' columns (table
 * lookups of kind 3 layers keep their honest counts). */
static void
recount(int64_t *p1, const infer_layout *lay)
{
    unsigned k, t;

    for (t = 0; t < lay->n_tables; t++)
        if (lay->tables[t].is_range)
            memset(col(p1, lay, lay->col_mult0 + t), 0,
                   ((size_t)1 << lay->tables[t].log_size) * sizeof(int64_t));
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];
        const infer_table *T = &lay->tables[lk->table];
        int64_t *in = col(p1, lay, (unsigned)lk->col_in), *m;
        size_t x;

        if (!T->is_range)
            continue;
        m = col(p1, lay, lay->col_mult0 + lk->table);
        for (x = 0; x < ((size_t)1 << lk->log_size); x++)
            if (in[x] >= 0 && in[x] < ((int64_t)1 << T->log_size))
                m[in[x]]++;
    }
}

static void
tamper(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    const v2_forgery *f = arg;

    (void)len;
    (void)m;
    if (f->edit != NULL)
        f->edit(p1, lay, f->layer, f->entry);
    recount(p1, lay);
}

/* The proof of a forgery, with hooks (skip as given).  NULL if the prover failed. */
static uint8_t *
forged_proof(v2_case *vc, v2_forgery *f, infer_test_hooks *hk, infer_check skip,
             unsigned skip_index, size_t *len)
{
    static infer_test_report rep;

    memset(hk, 0, sizeof *hk);
    hk->tamper_p1 = tamper;
    hk->arg = f;
    hk->report = &rep;
    hk->skip = skip;
    hk->skip_index = skip_index;
    return v2_prove(vc, len, hk);
}

/* 1 if the forgery is rejected with every check. */
static int
forged_rejected(v2_case *vc, v2_forgery *f, const char *what)
{
    infer_test_hooks hk;
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;
    int rc;

    proof = forged_proof(vc, f, &hk, INFER_CHECK_NONE, 0, &len);
    if (proof == NULL)
        return 0;
    rc = infer_verify(&vc->st, proof, len, &why);
    CHECKF(rc == 0, "%s: accepted with every check", what);
    free(proof);
    return rc == 0;
}

/* 1 if the forgery is rejected with every check and accepted with check `skip` (index
 * skip_index) switched off, on both sides where it changes what is proven. */
static int
forged_verdicts(v2_case *vc, v2_forgery *f, infer_check skip, unsigned skip_index,
                const char *what)
{
    infer_test_hooks hk;
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;
    int without;

    if (!forged_rejected(vc, f, what))
        return 0;
    proof = forged_proof(vc, f, &hk, skip, skip_index, &len);
    if (proof == NULL)
        return 0;
    without = infer_verify_hooked(&vc->st, proof, len, &why, &hk);
    CHECKF(without == 1, "%s: rejected with the check off: %s", what, why ? why : "");
    free(proof);
    return without == 1;
}

/* The honest witness of the case (malloc'd) and its layout. */
static int64_t *
honest_witness(v2_case *vc, infer_layout *lay)
{
    char err[ZKML_ERR_LEN];
    model_trace tr;
    infer_witness wit;
    int64_t *p1 = NULL;

    if (infer_layout_build(lay, &vc->m, vc->B, err) != 0 ||
        model_forward(&tr, &vc->m, vc->x, vc->B, 0, err) != MODEL_OK)
        return NULL;
    if (infer_witness_build(&wit, lay, &vc->m, &tr, err) == 0) {
        p1 = malloc(wit.len * sizeof(int64_t));    /* the caller's, to free() */
        if (p1 != NULL)
            memcpy(p1, wit.p1, wit.len * sizeof(int64_t));
        infer_witness_free(&wit);
    }
    model_trace_free(&tr);
    return p1;
}

/* A real entry (i < m_l, b < B) of layer l where pred holds on the honest witness. */
static int
find_entry(v2_case *vc, unsigned l, int (*pred)(int64_t *, const infer_layout *, unsigned,
                                                 size_t), size_t *entry)
{
    infer_layout lay;
    int64_t *p1 = honest_witness(vc, &lay);
    size_t i, b;
    int found = 0;

    for (i = 0; p1 != NULL && i < vc->m.layer[l].m && !found; i++)
        for (b = 0; b < vc->B && !found; b++)
            if (pred(p1, &lay, l, b + ((size_t)1 << lay.beta) * i)) {
                *entry = b + ((size_t)1 << lay.beta) * i;
                found = 1;
            }
    free(p1);
    return found;
}

/* unit 0 (the dead one), q < 0 or q > 0 */
static int
q_negative(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    return e < ((size_t)1 << lay->beta) && col(p1, lay, lay->col_q[l])[e] < 0;
}

static int
q_positive(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    return e < ((size_t)1 << lay->beta) && col(p1, lay, lay->col_q[l])[e] > 0;
}

/* the second u limb can lend a unit to the first */
static int
v1_nonzero(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    return col(p1, lay, lay->col_v[l] + 1)[e] > 0;
}

/* within the clamp, so that a = z = q */
static int
q_inside_clamp(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    int64_t q = col(p1, lay, lay->col_q[l])[e];

    return e < ((size_t)1 << lay->beta) && q > -100 && q < 90;
}

/* a = q for a q < 0 (relu; t honest): only the zero-check PW can see it */
static void
edit_relu_a_is_q(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_a[l])[e] = col(p1, lay, lay->col_q[l])[e];
}

/* a = q + 1 for a q > 0 */
static void
edit_relu_a_plus_one(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_a[l])[e] += 1;
}

/* t flipped to 0 for a q > 0, with a = 0 to match: R5 fails (the limbs say q >= 0) */
static void
edit_relu_t_flipped(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_t[l])[e] = 0;
    col(p1, lay, lay->col_a[l])[e] = 0;
}

/* t flipped to 0 and a = 0 for a q > 0, the top limb of u compensating with 2^(Q-1)
 * (2^width at its offset): that limb leaves its range, R5 holds */
static void
edit_relu_t_flipped_compensated(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    unsigned top = lay->n_u[l] - 1;

    edit_relu_t_flipped(p1, lay, l, e);
    col(p1, lay, lay->col_v[l] + top)[e] += (int64_t)1 << lay->u_width[l][top];
}

/* limb 0 of u raised by 2^w, limb 1 one less: the same u, limb 0 out of range */
static void
edit_limb_overflow(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_v[l])[e] += (int64_t)1 << lay->u_width[l][0];
    col(p1, lay, lay->col_v[l] + 1)[e] -= 1;
}

/* t = 2 with a = 2q: a = t·q holds, RANGE_1 and R5 see it */
static void
edit_t_two(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_t[l])[e] = 2;
    col(p1, lay, lay->col_a[l])[e] = 2 * col(p1, lay, lay->col_q[l])[e];
}

/* clamp: z and a one more than q inside [lo, hi] (t_hi = 1): the PW hi zero-check */
static void
edit_clamp_z(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_z[l])[e] += 1;
    if (l + 1 < lay->n_layers)
        col(p1, lay, lay->col_a[l])[e] += 1;
}

/* clamp: a one more than z (t_lo = 1): the PW lo zero-check */
static void
edit_clamp_a(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    col(p1, lay, lay->col_a[l])[e] += 1;
}

/* The network "rci" of DIMS_A: zero-check 0 is the relu of layer 1, 1 and 2 the clamp's
 * hi and lo in layer 2; relations 4 (R5 of layer 1), 5-7 (layer 2), 8 (layer 3). */
UNIT_TEST(infer_v2_forge_relu)
{
    v2_case vc;
    v2_forgery f = {0, 0, NULL};
    infer_layout lay;
    int64_t *p1;
    size_t neg = 0, pos = 0;

    CHECK(v2_setup_dead(&vc, DIMS_A, "rci", 3, 8, 1) == 0);
    p1 = honest_witness(&vc, &lay);
    CHECK(p1 != NULL && lay.n_pw == 3 && lay.pw[0].role == INFER_PW_RELU);
    free(p1);
    CHECK(find_entry(&vc, 0, q_negative, &neg) && find_entry(&vc, 0, q_positive, &pos));

    f.entry = neg;
    f.edit = edit_relu_a_is_q;
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_PW_ZERO, 0, "relu: a = q < 0"));
    f.entry = pos;
    f.edit = edit_relu_a_plus_one;
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_PW_ZERO, 0, "relu: a = q + 1"));
    /* the product of the zero-check: P other than t·q (the product proof after MM 2, 3;
     * version 2 has no lookup products in S1) */
    {
        infer_test_hooks hk;
        uint8_t *proof;
        size_t len = 0;
        const char *why;
        unsigned idx = 2;                           /* MM l = 2, 3; then PW 0 */

        memset(&hk, 0, sizeof hk);
        hk.wrong_product = idx + 1;
        proof = v2_prove(&vc, &len, &hk);
        CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 0);
        hk.skip = INFER_CHECK_PRODUCT;
        hk.skip_index = idx;
        CHECK(proof != NULL && infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 1);
        free(proof);
    }
    /* t flipped: R5 of layer 1 */
    f.edit = edit_relu_t_flipped;
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_RELATION, 4, "relu: t flipped"));
    /* t flipped, the top limb compensating: the range lookup of that limb, whose tree
     * then has a root other than 0 (G_0, docs/protocol.md 7.18.6) */
    f.edit = edit_relu_t_flipped_compensated;
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_GKR_RELATION, 0,
                          "relu: t flipped, limb compensating"));
    /* t = 2 with a = 2q: rejected (RANGE_1 and R5 both see it) */
    f.edit = edit_t_two;
    CHECK(forged_rejected(&vc, &f, "relu: t = 2"));
    v2_free(&vc);
}

UNIT_TEST(infer_v2_forge_clamp)
{
    v2_case vc;
    v2_forgery f = {1, 0, NULL};

    CHECK(v2_setup_dead(&vc, DIMS_A, "rci", 3, 8, 2) == 0);
    CHECK(find_entry(&vc, 1, q_inside_clamp, &f.entry));
    f.edit = edit_clamp_z;
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_PW_ZERO, 1, "clamp: z = q + 1"));
    f.edit = edit_clamp_a;
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_PW_ZERO, 2, "clamp: a = z + 1"));
    v2_free(&vc);
}

UNIT_TEST(infer_v2_forge_decomposition)
{
    v2_case vc;
    v2_forgery f = {0, 0, edit_limb_overflow};
    infer_layout lay;
    int64_t *p1;

    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 3) == 0);
    p1 = honest_witness(&vc, &lay);
    CHECK(p1 != NULL && lay.n_u[0] >= 2);
    free(p1);
    CHECK(find_entry(&vc, 0, v1_nonzero, &f.entry));
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_GKR_RELATION, 0,
                          "limb of 2^w, the next one less"));
    v2_free(&vc);
}

/* Weights other than the committed ones: row 0 of layer 1 with twice its multiplier
 * (the descriptor is the same: multipliers are not public) */
UNIT_TEST(infer_v2_forge_other_multiplier)
{
    char err[ZKML_ERR_LEN];
    v2_case vc;
    model_trace tr;
    uint8_t *proof;
    size_t len = 0, j;
    const char *why;
    infer_test_hooks hk;

    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 2) == 0);
    for (j = 0; j < vc.m.layer[0].n; j++)
        vc.m.weights[0].w64[j] *= 2;
    vc.m.weights[0].bias64[0] *= 2;
    if (model_forward(&tr, &vc.m, vc.x, vc.B, 0, err) != MODEL_OK) {
        CHECKF(0, "%s", err);
        v2_free(&vc);
        return;
    }
    memcpy(vc.y, tr.out, vc.B * DIMS_A[3] * sizeof(int32_t));
    model_trace_free(&tr);
    memset(&hk, 0, sizeof hk);
    proof = v2_prove(&vc, &len, &hk);
    CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 0);
    hk.skip = INFER_CHECK_OPENING_W;
    CHECK(proof != NULL && infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 1);
    free(proof);
    v2_free(&vc);
}

/* The identity output's u limbs and sign re-split for q + 1 (entry e of layer l), so
 * that R5 holds for an output one more than the model's. */
static void
edit_output_plus_one(int64_t *p1, const infer_layout *lay, unsigned l, size_t e)
{
    int64_t u = 0;
    unsigned k;

    for (k = 0; k < lay->n_u[l]; k++)
        u += col(p1, lay, lay->col_v[l] + k)[e] << lay->u_offset[l][k];
    u += col(p1, lay, lay->col_t[l])[e] << (lay->u_offset[l][lay->n_u[l] - 1] +
                                           lay->u_width[l][lay->n_u[l] - 1]);
    u += 1;
    for (k = 0; k < lay->n_u[l]; k++)
        col(p1, lay, lay->col_v[l] + k)[e] =
            (u >> lay->u_offset[l][k]) & (((int64_t)1 << lay->u_width[l][k]) - 1);
    col(p1, lay, lay->col_t[l])[e] = u >> (lay->u_offset[l][lay->n_u[l] - 1] +
                                           lay->u_width[l][lay->n_u[l] - 1]);
}

/* q_L forged against the public OUT (identity output, its limbs following): only R1 */
UNIT_TEST(infer_v2_forge_identity_output)
{
    v2_case vc;
    v2_forgery f = {2, 0, edit_output_plus_one};

    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 2) == 0);
    vc.y[0] += 1;                                   /* row 0, output 0: entry 0 */
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_RELATION, 0, "identity output + 1"));
    /* without re-split limbs R5 of layer 3 (relation 8) sees it too */
    f.edit = NULL;
    v2_free(&vc);
}

/* ---- the lookup tree (docs/protocol.md 11.3.1) ---- */

/* d of the case's tree: its blocks are the lookups, then the tables (3.0). */
static unsigned
tree_depth(v2_case *vc)
{
    char err[ZKML_ERR_LEN];
    infer_layout lay;
    unsigned kappa[INFER_MAX_LOOKUPS + INFER_MAX_TABLES], d;
    size_t k, n = 0;
    gkr_shape s;

    if (infer_layout_build(&lay, &vc->m, vc->B, err) != 0)
        return 0;
    for (k = 0; k < lay.n_lookups; k++)
        kappa[n++] = lay.lookups[k].log_size;
    for (k = 0; k < lay.n_tables; k++)
        kappa[n++] = lay.tables[k].log_size;
    if (gkr_shape_build(&s, kappa, n) != 0)
        return 0;
    d = s.d;
    gkr_shape_free(&s);
    return d;
}

/* Rejected as the hooks make it; accepted with check (skip, index) off as well. */
static int
hooked_verdicts(v2_case *vc, infer_test_hooks *hk, infer_check skip, unsigned index,
                const char *what)
{
    uint8_t *proof;
    size_t len = 0;
    const char *why = NULL;
    int with, without;

    hk->skip = INFER_CHECK_NONE;
    proof = v2_prove(vc, &len, hk);
    if (proof == NULL) {
        CHECKF(0, "%s: the prover failed", what);
        return 0;
    }
    with = infer_verify(&vc->st, proof, len, &why);
    CHECKF(with == 0, "%s: accepted with every check", what);
    free(proof);
    hk->skip = skip;
    hk->skip_index = index;
    proof = v2_prove(vc, &len, hk);
    if (proof == NULL) {
        CHECKF(0, "%s: the prover failed", what);
        return 0;
    }
    without = infer_verify_hooked(&vc->st, proof, len, &why, hk);
    CHECKF(without == 1, "%s: rejected with the check off: %s", what, why ? why : "");
    free(proof);
    hk->skip = INFER_CHECK_NONE;
    return with == 0 && without == 1;
}

UNIT_TEST(infer_v2_tree_round_trips)
{
    static const struct {
        const char *kinds;
        unsigned L;
        unsigned dims[4];
        size_t B;
    } cases[] = {
        {"s", 1, {7, 1, 0, 0}, 16},     /* lr: one sigmoid table */
        {"rcs", 3, {5, 6, 4, 1}, 16},   /* relu, clamp, a table at the output */
        {"rci", 3, {5, 6, 4, 3}, 16},
        {"s", 1, {7, 1, 0, 0}, 1024},
        {"rs", 2, {5, 4, 1, 0}, 1024},
    };
    size_t s;

    for (s = 0; s < sizeof cases / sizeof cases[0]; s++) {
        v2_case vc;
        uint8_t *proof;
        size_t len = 0;
        const char *why = NULL;

        if (v2_setup(&vc, cases[s].dims, cases[s].kinds, cases[s].L, cases[s].B) != 0) {
            CHECKF(0, "%s: setup", cases[s].kinds);
            v2_free(&vc);
            continue;
        }
        proof = v2_prove(&vc, &len, NULL);
        CHECKF(proof != NULL, "%s B = %zu: prove", cases[s].kinds, cases[s].B);
        if (proof != NULL) {
            int rc = infer_verify(&vc.st, proof, len, &why);

            CHECKF(rc == 1, "%s B = %zu: %s", cases[s].kinds, cases[s].B, why ? why : "");
            CHECK(infer_verify(&vc.st, proof, len - 32, &why) == 0);
        }
        free(proof);
        v2_free(&vc);
    }
}

/* m_T[1] + 1 in the first table (9.1 items 1 and 5: the honest tree of a witness
 * whose root is not 0, committed as it is) */
static void
tamper_mult(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    (void)len;
    (void)m;
    (void)arg;
    col(p1, lay, lay->col_mult0)[1] += 1;
}

/* The range multiplicities counted over the real entries only (9.1 item 2). */
static void
tamper_padding(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    unsigned k;
    size_t x, cols = (size_t)1 << lay->beta;

    (void)len;
    (void)arg;
    for (k = 0; k < lay->n_lookups; k++) {
        const infer_lookup *lk = &lay->lookups[k];
        int64_t *in = col(p1, lay, (unsigned)lk->col_in);

        if (!lay->tables[lk->table].is_range)
            continue;
        for (x = 0; x < ((size_t)1 << lk->log_size); x++)
            if (x % cols >= lay->batch || x / cols >= m->layer[lk->layer].m)
                col(p1, lay, lay->col_mult0 + lk->table)[in[x]] -= 1;
    }
}

/* a of unit 0 of layer 1 (it feeds nothing) + 1: (q, a) is no row of the table */
static void
tamper_tuple(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m, void *arg)
{
    (void)len;
    (void)m;
    (void)arg;
    col(p1, lay, lay->col_a[0])[0] += 1;
}

UNIT_TEST(infer_v2_tree_multiplicities_and_tables)
{
    v2_case vc;
    infer_test_hooks hk;
    v2_forgery f = {0, 0, edit_limb_overflow};

    memset(&hk, 0, sizeof hk);
    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 3) == 0);
    hk.tamper_p1 = tamper_mult;
    CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_RELATION, 0, "m_T[1] + 1"));
    hk.tamper_p1 = tamper_padding;
    CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_RELATION, 0, "padding not counted"));
    CHECK(find_entry(&vc, 0, v1_nonzero, &f.entry));
    CHECK(forged_verdicts(&vc, &f, INFER_CHECK_GKR_RELATION, 0, "a limb of 2^w"));
    v2_free(&vc);

    /* a tuple outside its kind 3 table, in a hidden layer whose unit 0 feeds nothing */
    {
        static const unsigned dims[3] = {3, 2, 3};

        CHECK(v2_setup_dead(&vc, dims, "sr", 2, 2, 1) == 0);
        memset(&hk, 0, sizeof hk);
        hk.tamper_p1 = tamper_tuple;
        CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_RELATION, 0, "(q, a + 1)"));
        v2_free(&vc);
    }
}

/* 9.1 items 4, 6 and 10: a forged layer claim (G_{j+1}^init, or G_leaf^p below the
 * last layer), a false product in layer j, the last round of layer j's sumcheck bumped
 * (G_j^final), for j = 0, 1, d/2 and d - 1. */
UNIT_TEST(infer_v2_tree_layers)
{
    v2_case vc;
    infer_test_hooks hk;
    unsigned d, js[4], i;
    char what[96];

    CHECK(v2_setup(&vc, DIMS_A, "rcs", 3, 3) == 0);
    d = tree_depth(&vc);
    CHECK(d >= 4);
    js[0] = 0;
    js[1] = 1;
    js[2] = d / 2;
    js[3] = d - 1;
    for (i = 0; i < 4 && d >= 4; i++) {
        unsigned j = js[i];

        memset(&hk, 0, sizeof hk);
        hk.gkr.forge_layer = j + 1;
        snprintf(what, sizeof what, "layer %u of %u forged", j, d);
        CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_RELATION, 2 * j + 1, what));
        memset(&hk, 0, sizeof hk);
        hk.gkr.wrong_product = 2 * j + 2;
        snprintf(what, sizeof what, "layer %u: B other than its product", j);
        CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_PRODUCT, 2 * j + 1, what));
        if (j == 0 || j == d - 1) {                 /* the q claim alone */
            memset(&hk, 0, sizeof hk);
            hk.gkr.forge_layer = j + 1;
            hk.gkr.forge_q = 1;
            snprintf(what, sizeof what, "layer %u of %u: q forged", j, d);
            CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_RELATION,
                                  j == d - 1 ? 2 * d : 2 * j + 1, what));
        }
        if (j >= 1) {
            memset(&hk, 0, sizeof hk);
            hk.gkr.bump_layer = j + 1;
            snprintf(what, sizeof what, "layer %u: last round bumped", j);
            CHECK(hooked_verdicts(&vc, &hk, INFER_CHECK_GKR_RELATION, 2 * j, what));
        }
    }
    v2_free(&vc);
}

/* 9.2: the prover's bytes do not depend on the thread count (fixed test seed) */
UNIT_TEST(infer_v2_tree_threads_same_bytes)
{
    v2_case vc;
    uint8_t *a, *b;
    size_t la = 0, lb = 0;
    int before = zkml_threads();

    CHECK(v2_setup(&vc, DIMS_A, "rcs", 3, 16) == 0);
    zkml_set_threads(1);
    a = v2_prove(&vc, &la, NULL);
    zkml_set_threads(2);
    b = v2_prove(&vc, &lb, NULL);
    zkml_set_threads(before);
    CHECK(a != NULL && b != NULL && la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
    v2_free(&vc);
}

/* 9.2: prover and verifier transcripts agree over the whole schedule of 3.8, in its
 * order (version 2: the tree between the lookup challenges and "mm/tau") */
UNIT_TEST(infer_v2_tree_transcripts_agree)
{
    static const unsigned lr[2] = {7, 1};
    static const struct {
        const unsigned *dims;
        const char *kinds;
        unsigned L;
        size_t B;
    } cases[] = {{lr, "s", 1, 1}, {DIMS_A, "rcs", 3, 3}};
    size_t s;

    for (s = 0; s < 2; s++) {
        event_log *pl = calloc(1, sizeof *pl), *vl = calloc(1, sizeof *vl);
        infer_test_hooks hk;
        v2_case vc;
        uint8_t *proof = NULL;
        size_t len = 0, diff = 0;
        const char *why = NULL;

        CHECK(pl != NULL && vl != NULL &&
              v2_setup(&vc, cases[s].dims, cases[s].kinds, cases[s].L, cases[s].B) == 0);
        memset(&hk, 0, sizeof hk);
        hk.trace = event_log_add;
        hk.trace_arg = pl;
        proof = v2_prove(&vc, &len, &hk);
        hk.trace_arg = vl;
        CHECK(proof != NULL && infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 1);
        CHECK(!pl->overflow && pl->n == vl->n && pl->n > 50);
        diff = event_log_diff(pl, vl);
        CHECKF(diff == 0, "%zu events differ", diff);
        CHECK(event_log_find(vl, "P1/rows") == 0 && event_log_find(vl, "mask/C") == 1 &&
              event_log_find(vl, "lookup/alpha") == 2 && event_log_find(vl, "lookup/gamma") == 3 &&
              event_log_find(vl, "GKR/weight") == 4);
        CHECK(event_log_find(vl, "GKR/rho") < event_log_find(vl, "GKR/finals") &&
              event_log_find(vl, "GKR/leaves") < event_log_find(vl, "S1/pre-claims") &&
              event_log_find(vl, "S1/pre-claims") < EVENT_LOG_MAX);
        CHECK(event_log_find(vl, "P2/rows") == EVENT_LOG_MAX && event_log_find(vl, "pcs/mu") == EVENT_LOG_MAX &&
              event_log_find(vl, "S1/zeta") == EVENT_LOG_MAX &&
              event_log_find(vl, "S1/lambda-lk") == EVENT_LOG_MAX);
        free(proof);
        free(pl);
        free(vl);
        v2_free(&vc);
    }
}

/* 9.1 item 8: a limb v + 2^w in RANGE_w (the next limb one less), "paid" by one more
 * count of its row in a wider range table: the sum over all tables is unchanged, each
 * table's is wrong, so only the weights η_T tell. */
typedef struct {
    size_t entry;
    unsigned wider;                 /* the wider range table */
} paid_limb;

static void
tamper_paid_limb(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                 void *arg)
{
    const paid_limb *pl = arg;

    (void)len;
    (void)m;
    edit_limb_overflow(p1, lay, 0, pl->entry);
    recount(p1, lay);
    col(p1, lay, lay->col_mult0 + pl->wider)[col(p1, lay, lay->col_v[0])[pl->entry]] += 1;
}

UNIT_TEST(infer_v2_tree_table_weights)
{
    v2_case vc;
    infer_test_hooks hk;
    infer_layout lay;
    int64_t *p1;
    paid_limb pl = {0, 0};
    unsigned t;
    int found = 0;

    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 3) == 0);
    p1 = honest_witness(&vc, &lay);
    CHECK(p1 != NULL && lay.n_u[0] >= 2);
    free(p1);
    for (t = 0; t < lay.n_tables && !found; t++)
        if (lay.tables[t].is_range && lay.tables[t].log_size > lay.u_width[0][0]) {
            pl.wider = t;
            found = 1;
        }
    CHECKF(found, "no range table wider than %u bits", lay.u_width[0][0]);
    CHECK(find_entry(&vc, 0, v1_nonzero, &pl.entry));
    memset(&hk, 0, sizeof hk);
    hk.tamper_p1 = tamper_paid_limb;
    hk.arg = &pl;
    /* with every weight 1 on both sides: accepted; with the real weights: rejected */
    hk.gkr.unit_weights = 1;
    {
        uint8_t *proof;
        size_t len = 0;
        const char *why = NULL;

        proof = v2_prove(&vc, &len, &hk);
        CHECK(proof != NULL && infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 1);
        CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 0);
        free(proof);
        hk.gkr.unit_weights = 0;
        proof = v2_prove(&vc, &len, &hk);
        CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 0);
        free(proof);
    }
    v2_free(&vc);
}

/* 9.1 item 7, the harness check: a prover that knows α before committing P1 balances an
 * uncounted limb outside its table (v + 2^w, the next limb one less) with a non-integer
 * count c = (α - y0)/(α - f) of row y0 of the same table; the tree's root is then 0.  In
 * the real order it can only use the α it predicts, and is rejected (G_0). */
typedef struct {
    size_t entry;
    unsigned table;
} early_forgery;

static void
tamper_early_witness(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                     void *arg)
{
    const early_forgery *ef = arg;

    (void)len;
    (void)m;
    edit_limb_overflow(p1, lay, 0, ef->entry);
    recount(p1, lay);
}

static void
tamper_early_count(fq_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                   const fq_t *alpha, const fq_t *gamma, void *arg)
{
    const early_forgery *ef = arg;
    fq_t num, den;
    size_t y0 = 0;

    (void)len;
    (void)m;
    (void)gamma;
    fq_set_u64(&num, y0);
    fq_sub(&num, alpha, &num);                      /* α - y0 */
    fq_sub(&den, alpha, &p1[lay->p1[lay->col_v[0]].offset + ef->entry]);   /* α - f */
    fq_inv(&den, &den);
    fq_mul(&num, &num, &den);
    fq_add(&p1[lay->p1[lay->col_mult0 + ef->table].offset + y0],
           &p1[lay->p1[lay->col_mult0 + ef->table].offset + y0], &num);
}

UNIT_TEST(infer_v2_tree_early_alpha_is_forgeable)
{
    v2_case vc;
    infer_test_hooks hk;
    infer_layout lay;
    int64_t *p1;
    early_forgery ef = {0, 0};
    uint8_t *proof;
    size_t len = 0, k;
    const char *why = NULL;

    CHECK(v2_setup(&vc, DIMS_A, "rci", 3, 3) == 0);
    p1 = honest_witness(&vc, &lay);
    CHECK(p1 != NULL && lay.n_u[0] >= 2);
    free(p1);
    for (k = 0; k < lay.n_lookups; k++)
        if (lay.lookups[k].col_in == (int)lay.col_v[0])
            ef.table = lay.lookups[k].table;
    CHECK(find_entry(&vc, 0, v1_nonzero, &ef.entry));
    memset(&hk, 0, sizeof hk);
    hk.tamper_p1 = tamper_early_witness;
    hk.tamper_field = tamper_early_count;
    hk.arg = &ef;
    /* the unsound order on both sides: accepted */
    hk.early_lookup_challenges = 1;
    proof = v2_prove(&vc, &len, &hk);
    CHECK(proof != NULL && infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 1);
    free(proof);
    /* the real order, with the α it can predict: rejected */
    hk.early_lookup_challenges = 0;
    proof = v2_prove(&vc, &len, &hk);
    CHECK(proof != NULL && infer_verify(&vc.st, proof, len, &why) == 0);
    free(proof);
    /* without the balancing count, the unsound order rejects too */
    hk.early_lookup_challenges = 1;
    hk.tamper_field = NULL;
    proof = v2_prove(&vc, &len, &hk);
    CHECK(proof != NULL && infer_verify_hooked(&vc.st, proof, len, &why, &hk) == 0);
    free(proof);
    v2_free(&vc);
}
