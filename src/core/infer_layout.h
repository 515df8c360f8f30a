/*
 * infer_layout.h: the shape of an inference proof (docs/protocol.md 6.2, 6.3), derived from
 * the public model descriptor and the batch size B alone, so that the prover and the
 * verifier derive the same one and nothing of it comes from a proof.
 *
 *   - tables, in canonical order: RANGE_w for each distinct limb width ascending, then
 *     the activation tables ACT_l deduplicated by content (same Q and same entries);
 *   - lookup instances, in canonical order: for l = 1..L, rem_{l,k} into RANGE_{w_k}
 *     for each limb k, then (q_l, a_l) into ACT_l (a_L is the public output);
 *   - columns: P1 = for each layer q_l, rem_{l,0..K-1}, a_l (l < L), then m_T for each
 *     table; P2 = h_k for each lookup instance, then g_T for each table;
 *   - placement of each polynomial by layout_place, and l_P = max(l(P1), l(P2)).
 *
 * Activation-like matrices Z[i][b] sit at index b + 2^β·i, β = ceil(log2 B), with
 * 2^μ_l rows (μ_l = ceil(log2 m_l)): a layer's columns have 2^(β + μ_l) entries.
 *
 * Failures follow error.h: 0 or a negative code, and a message in err.
 */
#ifndef ZKML_INFER_LAYOUT_H
#define ZKML_INFER_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "logup.h"
#include "model.h"

/* Version 2 limbs of u, d_lo, d_hi per layer: at most 16 each (Q <= 16, w_u >= 1). */
#define INFER_MAX_PW_LIMBS 16u
#define INFER_MAX_LOOKUPS (MODEL_MAX_LAYERS * (MODEL_MAX_LIMBS + 3 * INFER_MAX_PW_LIMBS + 4))
#define INFER_MAX_TABLES (MODEL_MAX_LAYERS + MODEL_MAX_LIMBS)
#define INFER_MAX_P1 (INFER_MAX_LOOKUPS + 3 * MODEL_MAX_LAYERS + INFER_MAX_TABLES)
/* Piecewise zero-checks of version 2: one per relu layer, two per clamp layer. */
#define INFER_MAX_PW (2 * MODEL_MAX_LAYERS)
#define INFER_MAX_P2 (INFER_MAX_LOOKUPS + INFER_MAX_TABLES)
#define INFER_MAX_BATCH ((size_t)1 << 24)

typedef enum {
    INFER_COL_Q,            /* q_l */
    INFER_COL_REM,          /* limb k of rem_l */
    INFER_COL_A,            /* a_l, l < L */
    INFER_COL_MULT,         /* m_T */
    INFER_COL_H,            /* h_k of lookup instance k */
    INFER_COL_G,            /* g_T */
    /* version 2 (docs/protocol.md 6.5) */
    INFER_COL_V,            /* limb k of u = q + 2^(Q-1) below its sign bit */
    INFER_COL_T,            /* the sign bit t = [q >= 0] */
    INFER_COL_VLO,          /* limb k of d_lo = q - lo + 2^Q */
    INFER_COL_TLO,          /* [q >= lo] */
    INFER_COL_VHI,          /* limb k of d_hi = hi - q + 2^Q */
    INFER_COL_THI,          /* [q <= hi] */
    INFER_COL_Z,            /* min(q, hi) */
    /* committed inputs (docs/protocol.md 7.20.3) */
    INFER_COL_VIN           /* input limb k of u = x + 2^(xbits_j - 1) */
} infer_col_kind;

/* The role of a piecewise zero-check (version 2, step 7). */
typedef enum {
    INFER_PW_RELU,          /* a - t·q */
    INFER_PW_CLAMP_HI,      /* z - hi - t_hi·(q - hi) */
    INFER_PW_CLAMP_LO       /* a - lo - t_lo·(z - lo) */
} infer_pw_role;

typedef struct {
    unsigned layer;
    infer_pw_role role;
    unsigned log_size;      /* β + μ_l */
} infer_pw;

typedef struct {
    infer_col_kind kind;
    unsigned layer;         /* 0-based layer (Q, REM, A) */
    unsigned limb;          /* REM */
    unsigned index;         /* table (MULT, G) or lookup instance (H) */
    unsigned log_size;      /* the column has 2^log_size entries */
    size_t offset;          /* its place in P1 or P2 */
} infer_column;

typedef struct {
    unsigned log_size;      /* w_T */
    int is_range;           /* RANGE_w (limb width = log_size) or ACT */
    logup_table table;      /* what the lookup argument needs */
} infer_table;

typedef struct {
    unsigned layer;         /* 0-based */
    int is_act;             /* (q, a) into ACT, else a limb into RANGE */
    unsigned limb;          /* limb index for range lookups */
    unsigned table;         /* index into tables */
    unsigned log_size;      /* n_k = β + μ_l */
    int public_output;      /* a is the public output (last layer's ACT lookup) */
    int col_in, col_out;    /* P1 columns looked up: the limb or q; a (-1 if public/none) */
    int is_input;           /* committed inputs: input limb `limb` into WR, f = v + c_k */
} infer_lookup;

typedef struct {
    size_t batch;                           /* B */
    unsigned beta;                          /* ceil(log2 B) */
    unsigned n_layers;
    unsigned nu[MODEL_MAX_LAYERS];          /* ceil(log2 n_l) */
    unsigned mu[MODEL_MAX_LAYERS];          /* ceil(log2 m_l) */
    unsigned n_limbs[MODEL_MAX_LAYERS];     /* K_l */
    unsigned limb_width[MODEL_MAX_LAYERS][MODEL_MAX_LIMBS];
    unsigned limb_offset[MODEL_MAX_LAYERS][MODEL_MAX_LIMBS];

    unsigned n_tables;
    infer_table tables[INFER_MAX_TABLES];
    unsigned n_lookups;
    infer_lookup lookups[INFER_MAX_LOOKUPS];

    unsigned n_p1, n_p2;
    infer_column p1[INFER_MAX_P1];
    infer_column p2[INFER_MAX_P2];
    unsigned l_p1, l_p2, l_P;               /* variables; l_P = max(l_p1, l_p2) */
    unsigned lc_P, lr_P;                    /* P's Hyrax split: δ = 2, 1 in version 2 */
    unsigned col_q[MODEL_MAX_LAYERS];       /* P1 index of q_l */
    unsigned col_rem[MODEL_MAX_LAYERS];     /* P1 index of rem_{l,0} (limbs follow) */
    unsigned col_a[MODEL_MAX_LAYERS];       /* P1 index of a_l (l < L) */
    unsigned col_mult0;                     /* P1 index of m_T for table 0 */

    /* version 2 (docs/protocol.md 6.5); version 1 layouts leave these zero */
    unsigned version;                       /* the model's: 1 or 2 */
    unsigned kind[MODEL_MAX_LAYERS];        /* model_pw_kind of each layer */
    int q_public[MODEL_MAX_LAYERS];         /* l = L of kind 0: q_L is the public output */
    unsigned n_u[MODEL_MAX_LAYERS];         /* K_u (kinds 0-2) */
    unsigned u_width[MODEL_MAX_LAYERS][INFER_MAX_PW_LIMBS];
    unsigned u_offset[MODEL_MAX_LAYERS][INFER_MAX_PW_LIMBS];
    unsigned n_d[MODEL_MAX_LAYERS];         /* K' (kind 2) */
    unsigned d_width[MODEL_MAX_LAYERS][INFER_MAX_PW_LIMBS];
    unsigned d_offset[MODEL_MAX_LAYERS][INFER_MAX_PW_LIMBS];
    unsigned col_v[MODEL_MAX_LAYERS];       /* P1 index of v_{l,0} (limbs follow), then t */
    unsigned col_t[MODEL_MAX_LAYERS];
    unsigned col_vlo[MODEL_MAX_LAYERS], col_tlo[MODEL_MAX_LAYERS];
    unsigned col_vhi[MODEL_MAX_LAYERS], col_thi[MODEL_MAX_LAYERS];
    unsigned col_z[MODEL_MAX_LAYERS];
    /* P1 index of the column layer l + 1 reads (a_l, or q_l for identity layers) */
    unsigned col_x[MODEL_MAX_LAYERS];
    unsigned n_pw;
    infer_pw pw[INFER_MAX_PW];

    /* committed inputs (docs/protocol.md 7.20.3): K_x limb columns of β + ν_1
     * variables first in P1, the table WR first, the K_x input lookups first */
    int committed;
    unsigned n_xlimbs;                      /* K_x */
    unsigned col_vin;                       /* P1 index of v^in_0 (limbs follow) */
    unsigned table_wr;                      /* index of WR (0) */
    const zk_model *model;                  /* its widths xbits_j (committed only) */
} infer_layout;

/* The width-range table WR: 512 rows, row y has output floor(log2(y + 1)). */
#define INFER_WR_LOG 9
extern const int32_t infer_wr_omega[1 << INFER_WR_LOG];

/* w_{j,k} = min(8, max(0, xbits_j - 8k)) of a committed layout (0 for j >= n_1). */
unsigned infer_input_limb_width(const infer_layout *lay, size_t j, unsigned k);

/* ceil(log2 v) for v >= 1 */
unsigned infer_log2_ceil(uint64_t v);

/*
 * Derive the layout of a proof for `model` (a validated public descriptor; weights are
 * not needed) and B rows.  0, or -1 with err (ZKML_ERR_LEN bytes) naming the rule
 * broken (B out of [1, INFER_MAX_BATCH], or a polynomial too large).
 */
int infer_layout_build(infer_layout *lay, const zk_model *model, size_t batch, char *err);

/* The same for a committed-input proof when committed is 1 (version 2 models only). */
int infer_layout_build_mode(infer_layout *lay, const zk_model *model, size_t batch,
                            int committed, char *err);

#endif
