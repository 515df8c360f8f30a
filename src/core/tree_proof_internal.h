/*
 * tree_proof_internal.h: what the files of the tree proof share (docs/protocol.md 16): the
 * context both roles run on, and the functions one phase's file offers another's.
 * tree_proof.c runs the schedule; tree_proof_ctx.c holds memory, forms, exchanges,
 * claims, sizes and the public tables; tree_proof_witness.c the statement, the witness
 * and the lookups' columns; tree_proof_commit.c steps 1-6; tree_proof_s1.c steps 7-8;
 * tree_proof_s2.c S2, the openings and the linear relations.  Nothing outside these
 * files includes this header.
 */
#ifndef ZKML_TREE_PROOF_INTERNAL_H
#define ZKML_TREE_PROOF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "field.h"
#include "group.h"
#include "hyrax.h"
#include "layout.h"
#include "linrel.h"
#include "logup.h"
#include "logup_gkr.h"
#include "sumcheck.h"
#include "transcript.h"
#include "tree_model.h"
#include "tree_proof.h"
#include "tree_proof_testing.h"

/* Grid columns per level (docs/protocol.md 16.2), in this order. */
enum { GB, GF, GK, GD, GX, GM, GE, GC0, GC1, GC2, NGRID };

/* The limb width of every range check (docs/protocol.md 16.1). */
#define TP_LIMB 11
#define TP_LIMBS_MAX 3              /* K <= ceil(32/11); the comparison's and the keys' 3 */

/* Lookups (docs/protocol.md 16.3): per level NODE, ROW and the limbs C (s, limb), LEAF,
 * OUT and the limbs of rem; LK_IN the limbs of a committed row's keys (16.10.3). */
enum { LK_NODE, LK_ROW, LK_C, LK_LEAF, LK_OUT, LK_LIMB, LK_IN };
enum { TB_NODE, TB_LEAF, TB_ROW, TB_R11, TB_RW, TB_OUT };

#define MAX_LOOKUPS ((2 + TP_LIMBS_MAX) * TREE_MAX_DEPTH + 2 + 2 * TP_LIMBS_MAX)
#define MAX_TABLES 6
#define MAX_P1_COLS (NGRID * TREE_MAX_DEPTH + 16)
#define FORM_TERMS 48
#define POLY_P1 0
#define POLY_N 1
#define TP_NONE ((size_t)-1)

typedef struct {
    linrel_term t[FORM_TERMS];
    size_t n;
    fq_t c;
} tform;

typedef struct {
    int kind;
    unsigned table, vars, s, limb;  /* s: the level (NODE, ROW, C) or the limb (LIMB, IN) */
} tlookup;

typedef struct {
    int kind;
    unsigned vars;
    size_t mcol;                /* the P1 column of its multiplicities */
} ttable;

typedef struct {
    int poly;
    size_t offset;
    unsigned kappa;
    fq_t z[LAYOUT_MAX_LOG];
    size_t id;
} tclaim;

typedef struct {
    int prover;
    const model_statement *st;
    const tree_model *m;        /* the statement's (public) model */
    const tree_model *wm;       /* prover: the model the witness is made of */
    const tree_test_hooks *hooks;
    const infer_options *opts;
    const uint8_t *seed;
    unsigned T, D, n, beta, tau, nu, g, lnf, table, shift, Q, K, lastw;
    size_t B;
    unsigned n1, n2, mask_log, l1, lN;
    size_t nM;

    size_t ncol1;
    unsigned log1[MAX_P1_COLS];
    size_t off1[MAX_P1_COLS];
    size_t col_V, col_S, col_Q, col_L0;
    /* committed inputs (docs/protocol.md 16.10): M, then the limbs I0, I1, I2 in P1 from
     * col_M; x~ = X~(y_in) the committed scalar id_x */
    int committed;
    size_t col_M, id_x;
    fq_t lam_in[2];
    fq_t *xrow;                 /* prover: X in the ROW table's order (2^(β+lnf)) */
    tlookup lk[MAX_LOOKUPS];
    size_t nlk;
    ttable tb[MAX_TABLES];
    size_t ntb;

    /* the lookup tree (docs/protocol.md 16.4 items 11-16, logup_gkr.h) */
    gkr_shape gshape;
    gkr_proof gkr;
    int gkr_started;
    fq_t *eta, rho_gkr;
    size_t n_leaf_claims;       /* the committed leaf claims, x~ included */
    tclaim *leaf_claims;        /* those that are S2 claims (all but x~), joined to the
                                 * claims after the S1 finals (16.4 #22) */
    size_t n_leaf_s2;
    /* committed scalar ids by P1 column: its S1 final, its leaf claim (TP_NONE: none) */
    size_t fin_id[MAX_P1_COLS], leaf_id[MAX_P1_COLS], id_leafN;

    transcript_t t;
    codec_writer *w;
    codec_reader *r;
    linrel lr;
    ipa_batch ipas;             /* verifier: the final equations of the openings' IPAs */
    drbg_t rng;
    const char *fail;

    void **mem;
    size_t n_mem, cap_mem;

    fq_t alpha, gamma, gpow[4], rho1, rho2, T1, e1, T2, e2, lam_s;
    fq_t *tau_z, *tau_s, *tau_lk, *lam_z, *theta;
    fq_t r1[SUMCHECK_MAX_ROUNDS], r2[SUMCHECK_MAX_ROUNDS];

    hyrax_commitment c1;
    ge_t CM;
    ge_t *com;
    fq_t *val, *bl;
    size_t n_com, cap_com;
    tclaim *claims;
    size_t n_claims, cap_claims;
    size_t id_pre, id_prod, id_u[2];
    size_t n_prod;

    fq_t *outpub, *rowtab;      /* public: OUT (2^β), the ROW table (2^(β+lnf)) */
    int32_t *p1;                /* prover: the witness */
    int32_t *outw;              /* prover: the witness's outputs (B) */
    fq_t *P1f, *Nf, *mask, bM, *beta1;
    double phase_start;         /* prover: when the current phase began */
} tctx;

/* ---- tree_proof_ctx.c ---- */

/* Record the first failure (a static reason) and return -1. */
int tp_fail(tctx *c, const char *why);

/* Zeroed memory owned by the context, wiped when released; NULL after a failure. */
void *tp_alloc(tctx *c, size_t n, size_t size);

/* Release (wiping) the allocations made since mark. */
void tp_release(tctx *c, size_t mark);

/* Release everything the context holds. */
void tp_free_all(tctx *c);

/* Small arithmetic: ceil(log2 v), 2^k in the field, eq(a, b) over k variables. */
unsigned tp_log2c(uint64_t v);
void tp_pow2(fq_t *r, unsigned k);
void tp_eq_eval(fq_t *r, const fq_t *a, const fq_t *b, unsigned k);

/* Σ_j 2^j·z_j: the extension of the index function over k variables. */
void tp_index_mle(fq_t *r, const fq_t *z, unsigned k);

/* Whether a test switched this check off (tree_proof_testing.h). */
int tp_skipped(const tctx *c, tree_check check, unsigned index);

/* Linear forms over committed scalars, handed to the accumulator (linrel.h). */
void tp_form_init(tform *f);
void tp_form_add(tform *f, size_t id, const fq_t *coef);
void tp_form_add_i(tform *f, size_t id, int64_t coef);
linrel_form tp_form_view(const tform *f);

/* The commitment of a form (Σ coef·C_id + c·G) and, for the prover, its value and blind. */
void tp_form_commit(const tctx *c, const tform *f, ge_t *C, fq_t *v, fq_t *b);

/*
 * The exchanges: the prover writes and absorbs, the verifier reads and absorbs, so both
 * follow one transcript order.  tp_reader_ok turns a reader's error into the failure.
 */
int tp_reader_ok(tctx *c);
int tp_exchange_points(tctx *c, const char *label, ge_t *p, size_t n);

/* n committed scalars (fresh blinds), registered with the accumulator in order. */
int tp_exchange_committed(tctx *c, const char *label, const fq_t *v, size_t n, size_t *first);

/* A Hyrax commitment's rows, of int32 values (P1). */
int tp_exchange_rows(tctx *c, const char *label, hyrax_commitment *h, unsigned l,
                     const int32_t *P, const fq_t *beta);

/* A claim that polynomial poly, at offset with kappa variables, is committed scalar id at z. */
void tp_add_claim(tctx *c, int poly, size_t offset, unsigned kappa, const fq_t *z, size_t id);

/* One masked batched sumcheck (docs/protocol.md 5) in either role. */
int tp_run_sumcheck(tctx *c, const char *label, unsigned n, unsigned degree, const fq_t *rho,
                    const fq_t *mask, sumcheck_instance *inst, size_t ninst, fq_t *T, fq_t *r,
                    fq_t *e);

double tp_monotonic_seconds(void);

/* The end of a prover's phase: its seconds to the progress callback (include/zkml.h
 * names the phases), and a pending interruption stops the proof. */
int tp_phase_end(tctx *c, const char *name);

/* The P1 column of grid column k at level s. */
size_t tp_gcol(unsigned s, unsigned k);

/* Sizes, offsets, lookups and tables (docs/protocol.md 16.1), from the public model. */
int tp_setup(tctx *c);

/* The ROW table's values with γ (after γ is drawn; in committed mode the prover's only). */
void tp_row_table_values(tctx *c);

/* The key of feature j of row b the prover reads (docs/protocol.md 16.1: rows b >= B copy
 * row B - 1, features j >= n are 0), and its missing flag (the hooks may lie about it). */
int32_t tp_input_key(const tctx *c, size_t b, size_t j);
int tp_input_missing(const tctx *c, size_t b, size_t j);

/* The public range and output tables (logup.h). */
void tp_public_table(const tctx *c, const ttable *tb, logup_table *lt);

/* ---- tree_proof_witness.c ---- */

/* Step 0: the statement absorbed (docs/protocol.md 16.4 items 1-8). */
int tp_statement(tctx *c);

/* The witness grid and the outputs it gives (docs/protocol.md 16.2). */
int tp_build_witness(const tctx *c, const tree_model *wm, int32_t *p1, int32_t *outw);

/* f of lookup lk at entries [lo, hi) (prover), from P1 in field form: f[x - lo] for each x. */
void tp_lookup_f_column(const tctx *c, const tlookup *lk, fq_t *f, size_t lo, size_t hi);

/* t of table tb at rows [lo, hi) (prover): tv[y] for each y; public tables and the
 * committed NODE, LEAF, ROW. */
void tp_table_t_column(const tctx *c, const ttable *tb, fq_t *tv, size_t lo, size_t hi);

/* ---- tree_proof_commit.c ---- */

/* The Hyrax rows of P1 from the int32 witness, through the int32 MSM. */
int tp_commit_rows_i32(hyrax_commitment *h, const int32_t *P, unsigned l, const fq_t *beta);

/* Items 9-11 (P1, the mask, α, γ, η, ρ_G) and 17-19 (τ, the pre-claims, λ, ρ). */
int tp_commit(tctx *c);
int tp_preclaims(tctx *c);

/* ---- tree_proof_gkr.c: the lookup tree (docs/protocol.md 16.4 items 11-16) ---- */

/* The leaf blocks (lookups, then tables) and the leaf claims' count, from tp_setup. */
int tp_gkr_setup(tctx *c);

/* Both roles: the tree's layers, then the leaf claims ("GKR/leaves"). */
int tp_gkr_run(tctx *c);

/* Both roles: G_0 .. G_leaf^q with the leaf forms of 16.4.1. */
int tp_gkr_relations(tctx *c);

/* ---- tree_proof_s1.c ---- */

/* A copy of a column for a sumcheck table (S1 and S2 fold their tables in place). */
fq_t *tp_copy_col(tctx *c, const fq_t *src, size_t n);

/* P1 as field elements again from the int32 witness, after a sumcheck folded it. */
void tp_restore_p1(tctx *c);

/* Step 7: the instances of S1 (prover). */
sumcheck_instance *tp_s1_instances(tctx *c, size_t *count);

/* Step 8: the finals of S1 (the committed scalar of P1 column col is tp_fin1) and the
 * product proofs. */
int tp_finals(tctx *c);
size_t tp_fin1(const tctx *c, size_t col);
int tp_products(tctx *c);


/* ---- tree_proof_s2.c ---- */

/* S2, the openings, the linear relations and the accumulator's final argument. */
int tp_s2(tctx *c);
int tp_openings(tctx *c);
int tp_relations(tctx *c);
int tp_linear(tctx *c);

#endif
