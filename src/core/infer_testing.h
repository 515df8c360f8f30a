/*
 * infer_testing.h: the test seam of the inference proof (docs/protocol.md 11.3, 11.5).
 *
 * Soundness tests need a prover that lies: one that commits a witness the honest code
 * would never build, skips its own checks, and, to show that the tests can tell a
 * sound transcript order from an unsound one, one that runs an order the protocol
 * forbids.  This header is the only way in.  It is internal: no PostgreSQL function,
 * no command and no other module of the core includes it; zkml_prove_rows (zkml.h) never
 * sets infer_options.hooks and infer_verify runs with none, so a real proof can never
 * take any of these paths.
 *
 * With hooks (infer_options.hooks of infer_prove), the prover:
 *   - builds the honest phase-1 witness when the forward pass succeeds (all zeros when
 *     it does not, e.g. a q outside its table) and hands it to tamper_p1 before
 *     anything is committed;
 *   - does not refuse outputs that differ from the forward pass;
 *   - commits P1 from its field form, so that tamper_field may put any field value in
 *     it (a non-integer multiplicity, say);
 *   - does not stop when a linear relation of step 12 fails: it records the first
 *     broken relation in the report and proves anyway, so that the verifier decides.
 */
#ifndef ZKML_INFER_TESTING_H
#define ZKML_INFER_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "infer_layout.h"
#include "infer_proof.h"
#include "logup_gkr.h"
#include "transcript.h"

/*
 * The verifier's checks, each of which a test may switch off (infer_test_hooks.skip,
 * with skip_index where a check has several instances) to show that some forged proof
 * is then accepted: every check of infer_verify matters.  Checks marked "both roles"
 * change what is proven (a relation or a challenge), so the hooked prover follows too.
 */
typedef enum {
    INFER_CHECK_NONE = 0,
    INFER_CHECK_INPUT_DOMAIN,   /* step 0: every public input within its width (version 2:
                                   and the outputs of kinds 0-2 within their range) */
    INFER_CHECK_PRODUCT,        /* step 8: product proof skip_index (MM l = 2..L, then LK k
                                   (version 1 only), then version 2's zero-checks p) */
    INFER_CHECK_S1_ROUND,       /* step 7: round skip_index of S1 chained to the claim before */
    INFER_CHECK_S2_ROUND,       /* step 9: the same for S2 */
    INFER_CHECK_OPENING_P,      /* step 11: the opening of P1 + mu*P2 (version 2: of P1) */
    INFER_CHECK_OPENING_W,      /* step 11: the opening of W */
    INFER_CHECK_RELATION,       /* step 12, both roles: relation R(skip_index + 1) left out
                                   (version 2: indexes 4, 5, .. are the decompositions R5_l
                                   in order, three for a clamp layer: u, d_lo, d_hi) */
    INFER_CHECK_LOOKUP_ZERO,    /* step 7, both roles (version 1): lambda^LK of lookup
                                   skip_index is 0 */
    INFER_CHECK_TABLE_ZERO,     /* step 7, both roles (version 1): lambda^TB of table
                                   skip_index is 0 */
    INFER_CHECK_LINEAR,         /* step 12: the inner-product argument of the relations */
    INFER_CHECK_PW_ZERO,        /* step 7, both roles (version 2): lambda^PW of piecewise
                                   zero-check skip_index is 0 */
    INFER_CHECK_GKR_RELATION,   /* version 2, both roles: the lookup tree's relation
                                   skip_index left out (docs/protocol.md 7.18.6: 0 = G_0,
                                   2j - 1 = G_j^init, 2j = G_j^final, 2d - 1 = G_leaf^p,
                                   2d = G_leaf^q) */
    INFER_CHECK_GKR_PRODUCT,    /* version 2: the tree's product proof skip_index (2j and
                                   2j + 1 in layer j) */
    INFER_CHECK_OPENING_X,      /* committed inputs, step 11: the opening of X against the
                                   row commitments (docs/protocol.md 7.20.4) */
    INFER_CHECK_INPUT_RELATION  /* committed inputs, step 12, both roles: R_in left out */
} infer_check;

/* What a hooked run observed (filled by infer_prove and infer_verify_hooked when not NULL). */
typedef struct {
    /* prover: the index of the first linear relation of step 12 that does not hold
     * (0..3 for R1..R4: S1 R_init, S1 R_final, S2 R_init, S2 R_final), -1 if all hold */
    int broken_relation;
    /* verifier: proof bytes read when it decided (the whole proof if the decision came
     * at the last check, the linear-relation argument, or on acceptance) */
    size_t bytes_read;
    /* prover, under forge_sum: the true claim entering round forge_round (what an
     * unchained verifier round would have to start from) */
    fq_t round_claim;
} infer_test_report;

typedef struct infer_test_hooks {
    /*
     * Called once with the phase-1 witness (2^l_P small integers placed as lay says,
     * multiplicities included) before it is committed: edit it at will.
     */
    void (*tamper_p1)(int64_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                      void *arg);
    /*
     * Called once with P1 in field form just before its rows are committed, with the
     * lookup challenges α, γ as the prover knows them at that moment: the real ones
     * under early_lookup_challenges, otherwise the values a prover could predict from
     * the transcript so far (which the real α, γ then differ from).
     */
    void (*tamper_field)(fq_t *p1, size_t len, const infer_layout *lay, const zk_model *m,
                         const fq_t *alpha, const fq_t *gamma, void *arg);
    void *arg;
    /*
     * The unsound order of section 7 steps 1-2: α and γ drawn before "P1/rows" is
     * absorbed.  Both the prover and the verifier follow it when set; a proof made
     * one way never verifies the other way.
     */
    int early_lookup_challenges;
    /* Observer of every absorb and challenge after the statement (both roles). */
    transcript_trace_fn trace;
    void *trace_arg;
    infer_test_report *report;

    /* ---- switching a check off (both roles where infer_check says so) ---- */
    infer_check skip;
    unsigned skip_index;
    /* verifier, under INFER_CHECK_S1_ROUND / S2_ROUND: the claim round skip_index
     * starts from instead of the one the rounds before it give */
    fq_t round_claim;

    /* ---- the malicious prover's strategies (prover only) ---- */
    /* tamper_field is applied after "P1/rows" (with the real alpha and gamma) to the
     * P1 that every later step uses, not to the one committed */
    int tamper_field_late;
    /* Called once with P2 (field form, inverse columns in place) before its rows are
     * committed, with the real alpha and gamma. */
    void (*tamper_p2)(fq_t *p2, size_t len, const infer_layout *lay, const zk_model *m,
                      const fq_t *alpha, const fq_t *gamma, void *arg);
    /* 1 + the index (as INFER_CHECK_PRODUCT counts) of a product proof made with x + 1
     * in place of x (its first check fails; nothing else depends on it) */
    unsigned wrong_product;
    /*
     * 1 (S1) or 2 (S2): T is sent to match the hidden sum the committed claims state
     * (R_init holds) rather than the true sum of the instances; rounds before
     * forge_round are shifted by constants to stay consistent with it, and round
     * forge_round and later are honest (report->round_claim: the true claim they
     * start from).
     */
    int forge_sum;
    unsigned forge_round;
    /* 1 (S1) or 2 (S2): c2 of the last round message + 1 (only R_final breaks) */
    int bump_last_round;
    /* The first layer's bias pre-claim + 1 and its q pre-claim + M/2^s: R1 still
     * holds, the claims handed to S2 are false (only R3 breaks). */
    int shift_preclaims;
    /* version 2: the lookup tree's own strategies (logup_gkr.h: wrong_product,
     * forge_layer, unit_weights; its skip fields are set from skip above) */
    gkr_hooks gkr;
    /* Committed inputs (prover): the rows its X holds (MM_1, the input limbs, the X
     * opening) when they differ from the rows of its forward pass (st->inputs): a row
     * outside its widths, whose weights are zero, proven with in-range outputs. */
    const int32_t *committed_rows;
    /* Committed inputs (prover): the value its X holds at row 0's first padded feature
     * position (j = n_1, when n_1 is not a power of two) where an honest X has 0; MM_1
     * and the X opening read it (docs/protocol.md 11.4). */
    int32_t committed_pad;
} infer_test_hooks;

/* infer_verify with hooks (hooks NULL: exactly infer_verify). */
int infer_verify_hooked(const infer_statement *st, const uint8_t *proof, size_t proof_len,
                        const char **reason, const infer_test_hooks *hooks);

#endif
