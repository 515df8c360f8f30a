/*
 * logup_gkr.h: lookups by a tree of fractional sums (docs/protocol.md 6.6, 7.18, 9.2, 8.1), the
 * GKR-style fractional sumcheck of Papini and Haböck (2023) that replaces committed
 * inverse columns in protocol version 2.
 *
 * Leaves (2.2): blocks of 2^κ_B pairs (p, q), placed largest first (ties in the
 * caller's canonical order) so that each block's offset is a multiple of its size;
 * the rest of the 2^d leaves are padding (0, 1).  Layers (2.3): neighbours are added
 * as fractions up to the root (p_0, q_0); the statement proven is p_0 = 0.
 *
 * Protocol (3.3), on the caller's transcript, codec and linear-relation accumulator:
 *   layer 0:  "GKR/finals" [PE, PO, QE, QO, A, B] of layer 1, two product proofs,
 *             r_1 = "GKR/line";
 *   layer j:  λ_j = "GKR/lambda", the masked degree-3 sumcheck "GKR" of j rounds over
 *             eq(z_j, x)·(pE·qO + pO·qE + λ_j·qE·qO) (mask segment at base_j), its
 *             "GKR/finals", two product proofs, r_{j+1} = "GKR/line";
 *   leaves:   the caller's leaf claims, one point vector "GKR/leaves".
 * Relations (3.6, added by gkr_relations in this order): G_0, then G_j^init and
 * G_j^final for j = 1..d-1, then G_leaf^p and G_leaf^q.
 *
 * Committed scalars are registered with the accumulator as they are exchanged (ids
 * consecutive from the accumulator's count); the caller that keeps its own arrays by
 * id copies them with gkr_export_committed.
 *
 * Failures: every function returns 0, or -1 with g->fail set to a static sentence
 * (the first one kept).
 */
#ifndef ZKML_LOGUP_GKR_H
#define ZKML_LOGUP_GKR_H

#include <stddef.h>

#include "codec.h"
#include "drbg.h"
#include "field.h"
#include "linrel.h"
#include "product.h"
#include "transcript.h"

#define GKR_MAX_LEVELS 28           /* d <= 28 (3.0): N_leaf <= 2^28 */

/* The leaf blocks and their placement (2.2). */
typedef struct {
    size_t n_blocks;
    unsigned *kappa;                /* block B has 2^kappa[B] leaves (canonical order) */
    size_t *offset;                 /* o_B, a multiple of 2^kappa[B] */
    size_t *order;                  /* the blocks in placement order (offsets ascending) */
    size_t n_leaf;                  /* N_leaf = sum 2^kappa[B] */
    unsigned d;                     /* log2c(N_leaf), at least 1 */
} gkr_shape;

/* Place n_blocks blocks (2.2).  0, or -1 (none, too large, allocation failure). */
int gkr_shape_build(gkr_shape *s, const unsigned *kappa, size_t n_blocks);
void gkr_shape_free(gkr_shape *s);

/*
 * A gkr_leaf_fill made of a fill per block: leaves [lo, hi) are cut at the blocks they
 * meet, block(arg, B, ulo, uhi, p, q) writes entries [ulo, uhi) of block B at p[0 ..
 * uhi - ulo) and q[..], and leaves beyond N_leaf get the padding (0, 1).
 */
typedef void (*gkr_block_fill)(void *arg, size_t block, size_t ulo, size_t uhi, fq_t *p,
                               fq_t *q);
void gkr_fill_by_block(const gkr_shape *s, size_t lo, size_t hi, fq_t *p, fq_t *q,
                       gkr_block_fill block, void *arg);

/* sel_B(z) of 2.4 for z in F^d: the MLE of block B's indicator. */
void gkr_selector(fq_t *out, const gkr_shape *s, size_t block, const fq_t *z);

/* The mask entries the tree's sumchecks use: 2·d·(d - 1) (3.0). */
size_t gkr_mask_count(unsigned d);

/* Test hooks of the tree (docs/protocol.md 11.3.1); NULL in every real proof. */
typedef struct {
    /* verifier, both roles for relations: relation index skip_relation - 1 left out
     * (0 = G_0, 2j - 1 = G_j^init, 2j = G_j^final, 2d - 1 = G_leaf^p, 2d = G_leaf^q) */
    unsigned skip_relation;
    /* verifier: product proof skip_product - 1 accepted unchecked (2j, 2j + 1 in layer j) */
    unsigned skip_product;
    /* prover: product proof wrong_product - 1 made with x + 1 in place of x */
    unsigned wrong_product;
    /* prover: 1 + the layer j whose finals are shifted: PE + δ (A, B recomputed), and
     * for j >= 1 the sumcheck of layer j forged to end on them (T_j kept, rounds
     * shifted); for j = 0, PO shifted too so that A + B is unchanged */
    unsigned forge_layer;
    /* with forge_layer: QE + δ and QO solved so that A + B is unchanged instead (PE, PO
     * honest: only the q claim handed down is false) */
    int forge_q;
    /* prover: 1 + the layer j >= 1 whose last round message has c2 + 1 (only
     * G_j^final breaks) */
    unsigned bump_layer;
    /* prover: every weight η_T forced to 1 (both roles: the caller's) */
    int unit_weights;
} gkr_hooks;

/*
 * The prover's leaves (2.2), made where they are read instead of stored: fill writes
 * leaves [lo, hi) (indices below 2^d; beyond the blocks the padding (0, 1)) into p[0 ..
 * hi - lo) and q[0 .. hi - lo).  Called from worker threads, on disjoint ranges at
 * once: for the layer above the leaves, and for the first two rounds of its sumcheck.
 */
typedef void (*gkr_leaf_fill)(void *arg, size_t lo, size_t hi, fq_t *p, fq_t *q);

/*
 * Optional (prover), for speed only: blocks whose leaves are small integers.
 * small_block(arg, B, &c, &a) returns w in 1 .. GKR_SMALL_BITS when every leaf of block B
 * is (c, a - v[u]) with c and a fixed for the block and v[u] an integer in [0, 2^w), else
 * 0.  small_values(arg, B, ulo, uhi, v) writes v[u - ulo] for u in [ulo, uhi) and
 * returns 0, or -1 when one of them is not below 2^w (no honest witness has one: those
 * leaves are then read with the leaf fill).  The first two rounds of the sumcheck of
 * layer d - 1 then sum small multiples of the eq table over these blocks in place of
 * field products, when tables of 4·2^w entries (w the largest) are small: w <= 8, or
 * 2^(w + 5) <= N_leaf.  The messages are the same.  Called from worker threads, as the
 * fill.
 */
#define GKR_SMALL_BITS 16
typedef unsigned (*gkr_small_block)(void *arg, size_t block, fq_t *c, fq_t *a);
typedef int (*gkr_small_values)(void *arg, size_t block, size_t ulo, size_t uhi, uint32_t *v);

/* The state of one tree proof, both roles. */
typedef struct {
    int prover;
    const gkr_shape *shape;
    transcript_t *t;
    codec_writer *w;                /* prover */
    codec_reader *r;                /* verifier */
    linrel *lr;
    drbg_t *rng;                    /* prover */
    const fq_t *mask;               /* prover: the whole mask */
    size_t mask_base;               /* slot of layer 1's segment: base_1 */
    fq_t rho;                       /* ρ_G */
    const gkr_hooks *hooks;
    const char *fail;

    /* prover: layers 0..d-1, p[j] and q[j] of 2^j entries; layers 0 .. d - 1 lie in one
     * block, smallest first, and the sumcheck of layer j keeps its tables where layers
     * 0 .. j were (read by then).  The leaves (layer d) are never stored: leaf_fill
     * makes them where they are read (gkr_set_leaves). */
    fq_t *p[GKR_MAX_LEVELS + 1], *q[GKR_MAX_LEVELS + 1];
    gkr_leaf_fill leaf_fill;
    void *leaf_arg;
    gkr_small_block small_block;    /* prover: the blocks of small leaves, or NULL */
    gkr_small_values small_values;
    unsigned *small_w;              /* prover: per block, its w or 0 (gkr_prove_layers) */
    fq_t *small_ca;                 /* prover: per block, c and a */
    unsigned small_bits;            /* the largest w */
    fq_t *small_tab;                /* prover: round 1's tables of layer d - 1 */
    fq_t *layers;                   /* prover: the block of layers 0 .. d - 1 */
    fq_t *scratch;                  /* prover: the tables of layers too small for that */

    /* per layer j = 0..d-1: the id of PE (PO, QE, QO, A, B follow), λ_j, T_j, e_j */
    size_t id_fin[GKR_MAX_LEVELS];
    fq_t lambda[GKR_MAX_LEVELS], T[GKR_MAX_LEVELS], e[GKR_MAX_LEVELS];
    /* z[j] = z_j (j coordinates; z[d] the point on the leaves) */
    fq_t z[GKR_MAX_LEVELS + 1][GKR_MAX_LEVELS];
    unsigned products;              /* product proofs exchanged so far */
    product_batch batch;            /* verifier: their equations, checked at the end of
                                     * gkr_run in one multi-scalar multiplication */

    /* committed scalars, by id - first_id (values and blinds: prover only) */
    size_t first_id, n_com, cap_com;
    ge_t *com;
    fq_t *val, *bl;
    size_t id_leaf;                 /* the first leaf claim's id */
} gkr_proof;

/*
 * Start a proof: mask (prover) and mask_base as 3.0 places them, rho = ρ_G, n_leaf_claims
 * the claims the caller will exchange at the leaves (N_LC).  The caller then (prover)
 * names its leaves with gkr_set_leaves and runs gkr_prove_layers.
 */
int gkr_init(gkr_proof *g, int prover, const gkr_shape *s, transcript_t *t, codec_writer *w,
             codec_reader *r, linrel *lr, drbg_t *rng, const fq_t *mask, size_t mask_base,
             const fq_t *rho, size_t n_leaf_claims, const gkr_hooks *hooks);
void gkr_free(gkr_proof *g);       /* wipes the prover's layers and secrets */

/* Prover: the leaves' source; fill and arg live until gkr_run returns. */
void gkr_set_leaves(gkr_proof *g, gkr_leaf_fill fill, void *arg);

/* Prover, optional: the blocks of small leaves; both functions live until gkr_run returns. */
void gkr_set_small_leaves(gkr_proof *g, gkr_small_block block, gkr_small_values values);

/* Prover: every layer from the leaves (2.3); -1 if a leaf denominator is zero. */
int gkr_prove_layers(gkr_proof *g);

/* Both roles: layers 0 .. d-1 of 3.3 (finals, sumchecks, product proofs, lines).  The
 * prover's leaves and layers are wiped and freed at its end: the leaf claims come from
 * the caller's own columns. */
int gkr_run(gkr_proof *g);

/* Both roles: the leaf claims, n values (prover), one point vector "GKR/leaves". */
int gkr_exchange_leaves(gkr_proof *g, const fq_t *v, size_t n);

/* The point y_B on block B's own variables: the first kappa[B] coordinates of z_d. */
const fq_t *gkr_leaf_point(const gkr_proof *g, size_t block);

/*
 * Both roles: the relations of 3.6 (G_0, G_j^init, G_j^final, G_leaf^p, G_leaf^q).
 * leaf_p[B] and leaf_q[B] are block B's p~(y_B) and q~(y_B) as linear forms over the
 * committed leaf claims (with public constants).
 */
int gkr_relations(gkr_proof *g, const linrel_form *leaf_p, const linrel_form *leaf_q);

/*
 * The tree's committed scalars into a caller's arrays kept by id (commitments; values and
 * blinds for the prover), which hold *n of them, the tree's first id: *n grows by the
 * tree's count.  0, or -1 when *n is not the first id or cap is too small.
 */
int gkr_export_committed(const gkr_proof *g, ge_t *com, fq_t *val, fq_t *bl, size_t *n,
                         size_t cap);

#endif
