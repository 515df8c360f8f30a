/*
 * tree_proof_testing.h: the test seam of the tree proof (docs/protocol.md 16.7), as
 * infer_testing.h is for networks.  Soundness tests need a prover that lies (a witness
 * the honest code never builds) and a verifier with one check switched off (to show
 * that the check is what rejects the lie).  Nothing outside tests/unit includes this
 * header; tree_proof_prove and tree_proof_verify run without hooks, so a real proof
 * never takes these paths.
 *
 * With hooks the prover does not compare the outputs with the forward pass; the
 * outputs of the witness it builds are given by tree_proof_forged_outputs.
 */
#ifndef ZKML_TREE_PROOF_TESTING_H
#define ZKML_TREE_PROOF_TESTING_H

#include <stddef.h>
#include <stdint.h>

#include "logup_gkr.h"
#include "tree_model.h"
#include "tree_proof.h"

/* Checks a test may switch off, in both roles (the relation is left out of S1). */
typedef enum {
    TREE_CHECK_NONE = 0,
    TREE_CHECK_BIT,             /* zero-check b(1-b) at level skip_index */
    TREE_CHECK_MISSING,         /* zero-check e = m·d at level skip_index */
    TREE_CHECK_COMPARE,         /* zero-check of the comparison at level skip_index */
    TREE_CHECK_LOOKUP,          /* the lookup tree's root, G_0 (docs/protocol.md 16.7):
                                 * every lookup's check (skip_index unused) */
    TREE_CHECK_SUM,             /* the sum instance */
    TREE_CHECK_OPENING_N,       /* verifier only: the opening of N is not checked */
    /* committed inputs (docs/protocol.md 16.10.8); their lookups are TREE_CHECK_LOOKUP */
    TREE_CHECK_INPUT,           /* the instance IN: M binary, M·u = 0 */
    TREE_CHECK_INPUT_RELATION,  /* the relation R_in */
    TREE_CHECK_OPENING_X,       /* verifier only: the opening of the row commitments */
    TREE_CHECK_GKR_RELATION     /* both roles: the lookup tree's relation skip_index
                                 * (0 = G_0, 2j - 1 = G_j^init, 2j = G_j^final,
                                 * 2d - 1 = G_leaf^p, 2d = G_leaf^q; logup_gkr.h) */
} tree_check;

typedef struct tree_test_hooks {
    /* The bit of (row, tree, level) given the honest one (NULL: honest). */
    int (*bit)(void *arg, size_t row, uint32_t tree, unsigned level, int honest);
    /* The slot whose fields the prover reports at (row, tree, level) (NULL: honest). */
    uint32_t (*slot)(void *arg, size_t row, uint32_t tree, unsigned level, uint32_t honest);
    /* The feature the prover reads at (row, tree, level) and reports (NULL: honest). */
    uint32_t (*feature)(void *arg, size_t row, uint32_t tree, unsigned level,
                        uint32_t honest);
    /* The tree whose leaf value the prover reports at (row, tree) (NULL: honest). */
    uint32_t (*leaf_tree)(void *arg, size_t row, uint32_t tree);
    /* Whether tree's leaf enters row's sum, S_b (NULL: every tree's does). */
    int (*in_sum)(void *arg, size_t row, uint32_t tree);
    /* The output the prover reports for row given the honest one, the table's value
     * (NULL: honest). */
    int32_t (*output)(void *arg, size_t row, int32_t honest);
    /* e = m·(1 - d) rather than m·d wherever the reported bit is not the default */
    int forge_missing_e;
    /* Committed inputs: the row whose key the prover reads at (row, tree, level)
     * (NULL: the row itself); the missing flag it reports for (row, feature) given the
     * honest one (NULL: honest); forge_input_limbs adds 1 to the low limb of row 0,
     * feature 0 (the limbs no longer add up). */
    size_t (*read_row)(void *arg, size_t row, uint32_t tree, unsigned level);
    int (*missing)(void *arg, size_t row, uint32_t feature, int honest);
    int forge_input_limbs;
    /* 1 + the table (docs/protocol.md 16.1 order) whose multiplicity of row 0 the prover
     * reports one too high (0: none) */
    unsigned bump_multiplicity;
    /* the lookup tree's own strategies and switches (logup_gkr.h), both roles */
    gkr_hooks gkr;
    void *arg;
    /* The model whose nodes the prover uses (NULL: the statement's). */
    const tree_model *witness_model;
    tree_check skip;
    unsigned skip_index;
} tree_test_hooks;

int tree_proof_prove_hooked(uint8_t **proof, size_t *proof_len, const model_statement *st,
                            const uint8_t seed[32], const infer_options *opts,
                            const tree_test_hooks *hooks, char *err);
int tree_proof_verify_hooked(const model_statement *st, const uint8_t *proof,
                             size_t proof_len, const char **reason,
                             const tree_test_hooks *hooks);

/* The outputs (B) of the witness a hooked prover builds; 0 or -1. */
int tree_proof_forged_outputs(int32_t *outputs, const model_statement *st,
                              const tree_test_hooks *hooks);

#endif
