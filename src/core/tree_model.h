/*
 * tree_model.h: tree ensembles, the second kind of model (docs/protocol.md 15, 16): the tree
 * document and XGBoost's JSON model (tree_json.c), the exact integer model on the
 * complete layout, its descriptor "ZKMLTE01", secret part, forward pass, interface and
 * the commitment to the node polynomial N (tree_model.c), as model_kind_trees.
 *
 * Integers: input j of a row is the binary32 order key of the feature (docs/protocol.md
 * 15.3.1) or TREE_MISSING; at slot i of tree t a row goes right when its key is >= k, or by
 * the slot's default direction when it is missing; the output is the sum of the leaves
 * (identity) or the public table of the rounded sum (table).
 *
 * Failures follow error.h with the front door's codes: ZKML_OK, ZKML_E_INVALID (the
 * message names the JSON path or the field), ZKML_E_NOMEM.
 */
#ifndef ZKML_TREE_MODEL_H
#define ZKML_TREE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model_kind.h"

#define TREE_DESCRIPTOR_MAGIC "ZKMLTE01"
#define TREE_DOCUMENT_FORMAT "zkml-trees-v1"
#define TREE_MAX_TREES 65536u
#define TREE_MAX_DEPTH 20u
#define TREE_MAX_FEATURES 65536u
#define TREE_MAX_LAYOUT_VARS 22u        /* log2c(T) + D */
#define TREE_MAX_DOC_NODES (1u << 21)   /* nodes of one tree in a document */
#define TREE_MAX_NAME_LEN 63u
#define TREE_MAX_FRAC_BITS 30u
#define TREE_MAX_SHIFT 32u
#define TREE_MAX_Q 20u
#define TREE_SUM_LIMIT ((int64_t)1 << 30)   /* |S| below this for every input */

#define TREE_MISSING INT32_MIN              /* the key of NaN */
#define TREE_PASS_THRESHOLD (INT32_MIN + 1) /* every non-missing key goes right */

#define TREE_TRANSFORM_IDENTITY 0u
#define TREE_TRANSFORM_TABLE 1u
#define TREE_OUTPUT_SCORE 0u
#define TREE_OUTPUT_PROBABILITY 1u

/* Registration's choices (docs/protocol.md 15.3.2, 15.3.3). */
#define TREE_DEFAULT_FRAC_BITS 24u
#define TREE_TABLE_STEP_BITS 12u            /* a margin step of 2^-12 */
#define TREE_SIGMOID_OUT_BITS 20u           /* G */
#define TREE_MIN_Q 8u

typedef struct {
    char name[TREE_MAX_NAME_LEN + 1];
} tree_feature;

/*
 * The integer model.  Public: the descriptor's fields.  Secret: per tree t and slot
 * i (0 .. 2^D - 1), at t·2^D + i: feature, threshold, right_default (slot 0 unused, all
 * zero); per tree and leaf l, at t·2^D + l: leaf.  A public model has them NULL.
 */
typedef struct {
    uint32_t n_trees, depth, n_features;
    uint32_t frac_bits;         /* F */
    uint32_t transform;         /* TREE_TRANSFORM_* */
    uint32_t shift, q_bits, out_bits;   /* s, Q, G: table transform only */
    int32_t *table;             /* 2^Q entries, table transform only */
    uint32_t output_kind;       /* TREE_OUTPUT_* */
    tree_feature *features;     /* n_features */

    uint32_t *feature;
    int32_t *threshold;
    uint8_t *right_default;
    int32_t *leaf;
    /* Only in a model made from a document: the document's node id of the leaf that
     * each layout leaf stands for (to compare paths with the library's). */
    int32_t *leaf_origin;
} tree_model;

/* ---- the document in floating point (tree_json.c) ---- */

typedef struct {
    uint32_t n_nodes;
    int32_t *left, *right;      /* -1 for a leaf */
    uint32_t *feature;
    double *threshold;
    uint8_t *default_left;
    double *value;
    uint32_t depth;             /* of the reachable tree: internal nodes on the longest path */
} tree_doc_tree;

typedef struct {
    uint32_t n_features;
    tree_feature *features;
    int decision_le;            /* 1: left when x <= threshold; 0: when x < threshold */
    int rounding_binary64;      /* informative (docs/protocol.md 15.3.1) */
    double base;
    int sigmoid;                /* transform "sigmoid" (else "identity") */
    uint32_t output_kind;
    uint32_t depth;             /* declared depth, 0 if none */
    uint32_t n_trees;
    tree_doc_tree *trees;
} tree_doc;

/* A zkml-trees-v1 document or an XGBoost JSON model, validated (structure, ranges,
 * depth) with the JSON path of the first problem in err.  On failure doc is empty. */
int tree_doc_parse(tree_doc *doc, const char *text, size_t len, char *err);
void tree_doc_free(tree_doc *doc);

/* ---- the integer model (tree_model.c) ---- */

/* The integer model of a parsed document (docs/protocol.md 15.3): keys of the thresholds,
 * leaves in fixed point, the complete layout, the output table. */
int tree_model_from_doc(tree_model *m, const tree_doc *doc, char *err);

/* docs/protocol.md 15.3.1: the key of a double (TREE_MISSING for NaN), and back. */
int32_t tree_key_of_double(double x);
double tree_double_of_key(int32_t key);

/* The layout leaf (0 .. 2^D - 1) that one row reaches in each tree, into leaves[T]. */
void tree_model_leaves(const tree_model *m, const int32_t *row, uint32_t *leaves);

/* The variables of N (docs/protocol.md 15.4). */
unsigned tree_model_node_vars(const tree_model *m);

/* The node polynomial N, 2^l_N int32 entries, malloc'd; wipe it after use. */
int tree_model_node_table(int32_t **out, const tree_model *m, char *err);

extern const model_kind model_kind_trees;

#endif
